#!/usr/bin/python3
"""kbs's built-in RVPS over loopback: POST /kbs/v0/reference-value with the
message types Trustee's RVPS accepts. "corim": a CoRIM the test makes with
ccakit's corim tool (unsigned, and wrapped in the old #6.500(#6.502)
header), its reference-value triples registered under the names
Trustee's CoRIM extractor gives (vendor/model/key/name/serial, then
"digests" or "raw_bytes", values in hex) and read back with GET; a CoRIM
of no reference values registers nothing. Malformed messages and
payloads are refused with Trustee's RvpsError and a clear reason; "swid"
is refused as not in ccakit."""
import base64
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kbslib  # noqa: E402
from kbslib import *  # noqa: E402,F403

wd = Workdir()
CORIM = os.path.join(BIN, "corim")
COMID = {
    "lang": "en-GB",
    "tag-identity": {"id": "43bbe37f-2e61-4b33-aed3-53cff1428b16"},
    "entities": [{"name": "ACME Ltd.", "regid": "https://acme.example",
                  "roles": ["tagCreator", "creator", "maintainer"]}],
    "triples": {"reference-values": [{
        "environment": {"class": {"vendor": "ACME", "model": "RoadRunner"}},
        "measurements": [
            {"key": {"type": "uuid",
                     "value": "31fb5abf-023e-4992-aa4e-95f9c1503bfa"},
             "value": {"digests": [
                 "sha-256;" + b64(bytes(range(32))),
                 "sha-384;" + b64(bytes(range(100, 148)))]}},
            {"key": {"type": "string", "value": "firmware"},
             "value": {"name": "boot", "serial-number": "SN-1",
                       "raw-value": {"type": "bytes",
                                     "value": b64(b"\xde\xad\xbe\xef")}}},
            {"key": {"type": "uint", "value": 7},
             "value": {"digests": ["sha-256;" + b64(b"\x07" * 32)]}}]}]}}


def make_corim(name, comid):
    t = wd.file(name + ".comid.json", json.dumps(comid))
    out = os.path.join(wd.path, name + ".comid")
    os.makedirs(out, exist_ok=True)
    subprocess.run([CORIM, "comid", "create", "-t", t, "-o", out],
                   check=True, stdout=subprocess.DEVNULL)
    tmpl = wd.file(name + ".corim.json", json.dumps(
        {"corim-id": "5c57e8f4-46cd-421b-91c9-08cf93e13cfc"}))
    c = os.path.join(wd.path, name + ".cbor")
    subprocess.run([CORIM, "create", "-t", tmpl, "-M", out, "-o", c],
                   check=True, stdout=subprocess.DEVNULL)
    with open(c, "rb") as f:
        return f.read()


def post(typ, payload, version="0.1.0"):
    m = {"type": typ, "payload": payload}
    if version is not None:
        m["version"] = version
    return admin(srv, "POST", "reference-value", m)


def get(rid):
    st, _, d = admin(srv, "GET", "reference-value/" + rid)
    return st, (json.loads(d) if st == 200 else error_of(st, d))


srv = Server(wd, """
[admin]
authorization_mode = "InsecureAllowAll"
""")
try:
    corim = make_corim("acme", COMID)
    st, _, d = post("corim", b64(corim))
    check(st == 200, "corim registered: %s %r" % (st, d[:300]))
    base = "ACME/RoadRunner/"
    check(get(base + "31fb5abf-023e-4992-aa4e-95f9c1503bfa/digests") ==
          (200, [bytes(range(32)).hex(), bytes(range(100, 148)).hex()]),
          "UUID key: the digests in hex")
    check(get(base + "firmware/boot/SN-1/raw_bytes") == (200, "deadbeef"),
          "text key, name, serial number: the raw bytes in hex")
    check(get(base + "claim7/digests") == (200, ["07" * 32]),
          "integer key: claim<N>")
    check(get(base + "firmware/boot/SN-1/digests")[0] == 401,
          "no digests, no .../digests value")
    # The same CoRIM behind the old #6.500(#6.502(...)) header; an updated
    # digest replaces the value.
    c2 = json.loads(json.dumps(COMID))
    c2["triples"]["reference-values"][0]["measurements"][2]["value"][
        "digests"] = ["sha-256;" + b64(b"\x08" * 32)]
    st, _, d = post("corim", b64(b"\xd9\x01\xf4\xd9\x01\xf6" +
                                 make_corim("acme2", c2)))
    check(st == 200, "corim behind #6.500(#6.502): %s %r" % (st, d[:200]))
    check(get(base + "claim7/digests") == (200, ["08" * 32]),
          "re-registering replaces")
    # No vendor or model: the key starts the name.
    c3 = json.loads(json.dumps(COMID))
    c3["triples"]["reference-values"][0]["environment"]["class"] = {
        "id": {"type": "uuid", "value":
               "11111111-2222-3333-4444-555555555555"}}
    c3["triples"]["reference-values"][0]["measurements"] = [
        COMID["triples"]["reference-values"][0]["measurements"][2]]
    check(post("corim", b64(make_corim("noclass", c3)))[0] == 200,
          "a class without vendor or model")
    check(get("claim7/digests") == (200, ["07" * 32]),
          "no vendor/model: claim7/digests")
    # The values serve query_reference_value like the sample type's.
    check(post("sample", b64(json.dumps({"s": [1]}).encode()))[0] == 200,
          "sample still registers")
    check(get("s") == (200, [1]), "sample read back")

    # --- refused, with Trustee's RvpsError and why ---
    for why, args, want in [
        ("payload not base64", ("corim", "!!!"), "base64"),
        ("payload not a CoRIM", ("corim", b64(b"\xa1\x01\x02")),
         "not a CoRIM"),
        ("payload JSON, not CBOR", ("corim", b64(b'{"a":1}')),
         "not a CoRIM"),
        ("truncated CoRIM", ("corim", b64(corim[:len(corim) // 2])),
         "not a CoRIM"),
        ("empty payload", ("corim", ""), "not a CoRIM"),
        ("swid", ("swid", b64(b"<SoftwareIdentity/>")),
         "swid extractor"),
        ("unknown type", ("in-toto", b64(b"x")),
         "Could not find extractor"),
        ("version 0.2.0", ("corim", b64(corim), "0.2.0"),
         "Version unmatched"),
    ]:
        st, _, d = post(*args)
        e = error_of(st, d)
        check(st == 401 and e[1] == "RvpsError" and want in e[2],
              "%s refused: %s" % (why, e))
    st, _, d = admin(srv, "POST", "reference-value", {"type": "corim"})
    e = error_of(st, d)
    check(e[1] == "RvpsError" and "payload" in e[2], "no payload: %s" % (e,))
    check(get(base + "claim7/digests") == (200, ["08" * 32]),
          "a refused message changes nothing")
finally:
    srv.stop()
    if kbslib.failed:
        print(srv.logtext()[-3000:])
    wd.cleanup()
finish()
