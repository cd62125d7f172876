#!/usr/bin/python3
"""kbs's built-in RVPS over loopback: POST /kbs/v0/reference-value with the
message types Trustee's RVPS accepts. "corim": a CoRIM the test makes with
ccakit's corim tool (unsigned, and wrapped in the old #6.500(#6.502)
header), its reference-value triples registered under the names
Trustee's CoRIM extractor gives (vendor/model/key/name/serial, then
"digests" or "raw_bytes", values in hex) and read back with GET; a CoRIM
of no reference values registers nothing. Malformed messages and
payloads are refused with Trustee's RvpsError and a clear reason.
"swid": a TCG RIM (SWID tag, XML) the test writes, its Measurement
resources registered under Trustee's SWID extractor's names
(<manufacturer>.<edition>.measurement_<index>, ' ' -> '_', '-' -> '_')
with the non-zero SHA-384 hashes as values, read back with GET and with
kbs-client; malformed manifests refused with the extractor's reasons."""
import base64
import hashlib
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


SWID_NS = "http://standards.iso.org/iso/19770/-2/2015/schema.xsd"
RIM_NS = ("https://trustedcomputinggroup.org/resource/"
          "tcg-reference-integrity-manifest-rim-information-model/")
SHA384_NS = "http://www.w3.org/2001/04/xmlenc#sha384"
ZERO = "0" * 96


def h384(tag):
    return hashlib.sha384(tag.encode()).hexdigest()


# A TCG RIM in the shape vendors publish: SWID default namespace, the
# RIM information model's attributes on Meta, SHA-384 hashes as
# SHA384:HashN attributes of Payload/Directory/Resource.
META = ('colloquialVersion="1.2" edition="FW-1.2" product="RoadRunner" '
        'rim:FirmwareManufacturerStr="ACME Corp" '
        'rim:PlatformManufacturerStr="ACME Corp" '
        'rim:PlatformModel="RoadRunner" rim:BindingSpec="Example" '
        'rim:BindingSpecVersion="1.0"')
RESOURCES = """
      <Resource type="Measurement" index="0" name="boot" active="true"
                alternatives="2" SHA384:Hash0="%s"
                SHA384:Hash1="%s"/>
      <Resource type="Measurement" index="1" name="zero-first"
                SHA384:Hash0="%s" SHA384:Hash1="%s"/>
      <Resource type="Measurement" index="2" name="all zero"
                SHA384:Hash0="%s" SHA384:Hash1="%s"/>
      <!-- a gap in the hash indices ends them -->
      <Resource type="Measurement" index="3-b" SHA384:Hash0="%s"
                SHA384:Hash2="%s"/>
      <Resource type="Other" index="4" SHA384:Hash0="%s"/>
      <Resource type="Measurement" index="5" Hash0="%s"
                SHA384:Hash0="%s"/>
      <Resource xmlns:H="http://www.w3.org/2001/04/xmlenc#sha384"
                type="Measurement" index="6" H:Hash0="%s"/>
      <Directory name="nested">
        <Resource type="Measurement" index="7" SHA384:Hash0="%s"/>
      </Directory>
      <Resource type="Measurement" index="8"/>""" % (
    h384("a"), h384("b"), ZERO, h384("c"), ZERO, ZERO, h384("d"), h384("e"),
    h384("f"), h384("g"), h384("h"), h384("i"), h384("j"))


def rim(meta=META, resources=RESOURCES, payload=True, extra=""):
    body = ("""
    <Directory name="firmware">%s
    </Directory>""" % resources)
    return ("""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- written for ccakit's tests -->
<SoftwareIdentity xmlns="%s" xmlns:SHA384="%s" xmlns:rim="%s"
    corpus="false" name="ACME Firmware" patch="false" supplemental="false"
    tagId="acme.example.firmware.1.2" version="1.2" versionScheme="multipartnumeric">
  <Entity name="ACME Corp" regid="acme.example"
      role="softwareCreator tagCreator"/>
  <Meta %s/>%s%s
</SoftwareIdentity>
""" % (SWID_NS, SHA384_NS, RIM_NS, meta, (
        "\n  <Payload>%s\n  </Payload>" % body) if payload else "",
        extra)).encode()


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
        ("unknown type", ("in-toto", b64(b"x")),
         "Could not find extractor"),
        ("version 0.2.0", ("corim", b64(corim), "0.2.0"),
         "Version unmatched"),
    ]:
        st, _, d = post(*args)
        e = error_of(st, d)
        check(st == 401 and e[1] == "RvpsError" and want in e[2],
              "%s refused: %s" % (why, e))
    # --- swid: a TCG RIM ---
    st, _, d = post("swid", b64(rim()))
    check(st == 200, "swid registered: %s %r" % (st, d[:300]))
    pfx = "ACME_Corp.FW_1.2.measurement_"
    for idx, want in [
            ("0", [h384("a"), h384("b")]),
            ("1", [h384("c")]),            # the all-zero Hash0 skipped
            ("3_b", [h384("d")]),          # '-' -> '_'; Hash2 not read
            ("5", [h384("h")]),            # unqualified Hash0 not a hash
            ("6", [h384("i")]),            # any prefix of the namespace
            ("7", [h384("j")])]:           # any depth under Payload
        check(get(pfx + idx) == (200, want), "swid %s: %r" % (idx,
                                                              get(pfx + idx)))
    for idx in ("2", "4", "8", "3-b"):
        check(get(pfx + idx)[0] == 401, "swid %s not registered" % idx)
    # kbs-client reads them back as Trustee's prints them.
    tok = wd.file("admin-token", "x")
    r = subprocess.run([os.path.join(BIN, "kbs-client"), "--url",
                        "http://127.0.0.1:%d" % srv.port, "config",
                        "--admin-token-file", tok, "get-reference-value",
                        "--id", pfx + "0"], capture_output=True, text=True)
    check(r.returncode == 0 and json.loads(json.loads(r.stdout)) ==
          [h384("a"), h384("b")], "kbs-client get-reference-value: %r %r"
          % (r.stdout, r.stderr))
    # Only the first Payload; the first Meta; attributes by namespace,
    # not prefix; entities and character references decoded.
    other = rim(meta='xmlns:m="%s" edition="E&#x2d;2" '
                'm:PlatformManufacturerStr="Big&#32;Corp &amp; Co"' % RIM_NS,
                resources='<Resource type="Measurement" index="a-1" '
                'SHA384:Hash0="%s"/>' % h384("k"),
                extra='<Payload><Resource type="Measurement" index="z" '
                'SHA384:Hash0="%s"/></Payload><Meta edition="no" '
                'rim:PlatformManufacturerStr="no"/>' % h384("l"))
    st, _, d = post("swid", b64(other))
    check(st == 200, "second RIM: %s %r" % (st, d[:300]))
    check(get("Big_Corp_&_Co.E_2.measurement_a_1") == (200, [h384("k")]),
          "names from decoded attributes: %r" %
          (get("Big_Corp_&_Co.E_2.measurement_a_1"),))
    check(get("Big_Corp_&_Co.E_2.measurement_z")[0] == 401,
          "a second Payload is not read")
    # A manifest with no measurement registers nothing, and succeeds.
    check(post("swid", b64(rim(resources="")))[0] == 200,
          "no Resource: accepted")

    for why, payload, want in [
        ("not base64", "%%%", "base64"),
        ("not UTF-8", b64(b"<a>\xff</a>"), "UTF-8"),
        ("not XML", b64(b"{\"a\": 1}"), "1:1: text outside the root"),
        ("mismatched tags", b64(b"<a><b></a></b>"), "does not match"),
        ("unclosed root", b64(rim().replace(b"</SoftwareIdentity>", b"")),
         "element <SoftwareIdentity> not closed"),
        ("DOCTYPE", b64(b"<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>"),
         "DOCTYPE refused"),
        ("no Meta", b64(rim().replace(b"<Meta ", b"<Mota ")),
         "Could not find meta information."),
        ("Meta of another namespace",
         b64(rim().replace(b"<Meta ", b'<Meta xmlns="urn:x" ')),
         "Could not find meta information."),
        ("no manufacturer", b64(rim(meta='edition="1"')),
         "Could not find manufacturer information."),
        ("unprefixed manufacturer",
         b64(rim(meta='edition="1" PlatformManufacturerStr="A"')),
         "Could not find manufacturer information."),
        ("no edition", b64(rim(meta='rim:PlatformManufacturerStr="A"')),
         "Could not find edition information."),
        ("no edition, no manufacturer", b64(rim(meta='product="x"')),
         "Could not find manufacturer information."),
        ("no Payload", b64(rim(payload=False)),
         "Could not find SWID payload."),
        ("no index", b64(rim(resources='<Resource type="Measurement" '
                             'SHA384:Hash0="%s"/>' % h384("m"))),
         "Could not find measurement name"),
    ]:
        st, _, d = post("swid", payload)
        e = error_of(st, d)
        check(st == 401 and e[1] == "RvpsError" and want in e[2],
              "swid %s refused: %s" % (why, e))
    # A refused manifest registers none of its values.
    bad = rim(resources='<Resource type="Measurement" index="new" '
              'SHA384:Hash0="%s"/><Resource type="Measurement" '
              'SHA384:Hash0="%s"/>' % (h384("n"), h384("n")))
    check(post("swid", b64(bad))[0] == 401, "one Resource without index")
    check(get(pfx + "new")[0] == 401, "nothing of it registered")

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
