#!/usr/bin/python3
"""Trustee's derived CCA vectors through a kbs process
(shared/vectors/trustee, read at test time; skipped without them): the
test hook --test-fixed-nonce gives the vector's nonce, so the Request,
Attestation and evidence bodies of derived/ are sent byte for byte; the
challenge must be the vector's, the claims the ones of the addendum's
§4.3 (the CCA verifier's, with upstream's tastore.json and rvstore.json),
the EAR Trustee's form (§4.4), and the resource's JWE must decrypt with
derived-tee-key.pem in python3-jwcrypto."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kbslib  # noqa: E402
from kbslib import *  # noqa: E402,F403

VEC = os.environ.get("CCAKIT_VECTORS") or os.path.normpath(os.path.join(
    SRC, "..", "shared", "vectors"))
T = os.path.join(VEC, "trustee")
if not os.path.isdir(os.path.join(T, "derived")):
    print("skipped: %s not found" % os.path.join(T, "derived"))
    sys.exit(77)
DER = os.path.join(T, "derived")
UP = os.path.join(T, "upstream")
NONCE = "8y+U9eo/E0X5xDf7O7N//eiJINOJz3qlZLVVEs2uRKM="

# Addendum §4.3: the claims of the derived token, no init-data.
EXPECTED = {
    "cca": {
        "platform": {
            "cca-platform-implementation-id":
                "f0VMRgIBAQAAAAAAAAAAAAMAPgABAAAAUFgAAAAAAAA=",
            "cca-platform-instance-id":
                "AQcGBQQDAgEADw4NDAsKCQgXFhUUExIREB8eHRwbGhkY"},
        "realm": {
            "cca-realm-challenge":
                "4LJjd1KXmuzx2HQGe7PFmw4vP7EdCwwyXSPJLGliHxYx+DIWy3R1UqNeE"
                "8zgL1upAAAAAAAAAAAAAAAAAAAAAA==",
            "cca-realm-extensible-measurements": [b64(b"\0" * 64)] * 4,
            "cca-realm-hash-algo-id": "sha-512",
            "cca-realm-initial-measurement":
                "rof79/EF5xp4J8tvCJaInHPSvq9IMNT5ywXj6Ww/x7T6oEyvNqJr0JTPn"
                "HtzhhfkwYmq7hhN7dpdegPDnb2sfA==",
            "cca-realm-personalization-value": b64(b"\0" * 64)}},
    "init_data": "00" * 64,
    "init_data_claims": None,
    "report_data": read(os.path.join(
        DER, "derived-expected-realm-challenge.hex")).strip(),
    "runtime_data_claims": {
        "additional-evidence": "",
        "nonce": NONCE,
        "tee-pubkey": {"alg": "ECDH-ES+A256KW", "crv": "P-256", "kty": "EC",
                       "x": "6tGkpqC8hmnJCjF3oszSAGBWFpnIEr2Sb19QfA2o7kQ",
                       "y": "AVUq7xsWJMlkwdA_La4s4LR9aRnm-dI62gLbdfFFo88"}},
}

wd = Workdir()
cca_conf = wd.file("cca.json", json.dumps({"cca-verifier": {
    "type": "local", "ta-store": os.path.join(UP, "tastore.json"),
    "rv-store": os.path.join(UP, "rvstore.json")}}))
CONFIG = """
[admin]
authorization_mode = "InsecureAllowAll"

[attestation_token]
insecure_header_jwk = false

[[plugins]]
name = "resource"
"""
srv = Server(wd, CONFIG, env={"CCA_CONFIG_FILE": cca_conf},
             args=["--test-fixed-nonce", NONCE])
try:
    with open(os.path.join(DER, "derived-kbs-auth-request.json"), "rb") as f:
        st, h, d = srv.request("POST", "/kbs/v0/auth", f.read(),
                               {"Content-Type": "application/json"})
    want = json.loads(read(os.path.join(DER, "derived-kbs-challenge.json")))
    check(st == 200 and d == json.dumps(want, separators=(",", ":"))
          .encode(), "the vector's challenge, byte for byte: %s" % d)
    cookie = h.get("Set-Cookie", "").split(";")[0]
    with open(os.path.join(DER, "derived-kbs-attestation.json"), "rb") as f:
        st, h, d = srv.request("POST", "/kbs/v0/attest", f.read(),
                               {"Cookie": cookie,
                                "Content-Type": "application/json"})
    check(st == 200, "the vector's attestation: %s" % d[:300])
    tok = json.loads(d)["token"]
    hdr, cl = token_header(tok), token_claims(tok)
    check(list(hdr.keys()) == ["typ", "alg", "jwk"] and
          list(hdr["jwk"].keys()) == ["alg", "kty", "crv", "x", "y"],
          "header members %s" % hdr)
    check(list(cl.keys()) == ["eat_profile", "iat", "ear.verifier-id",
                              "submods", "exp", "iss"],
          "EAR members %s" % list(cl.keys()))
    cpu0 = cl["submods"]["cpu0"]
    ae = cpu0["ear.veraison.annotated-evidence"]
    check(ae == EXPECTED, "claims as the addendum's §4.3:\n%s" %
          json.dumps(ae, indent=1))
    check(cpu0["ear.trustworthiness-vector"] == {
        "instance-identity": 0, "configuration": 36, "executables": 33,
        "file-system": 0, "hardware": 97, "runtime-opaque": 0,
        "storage-opaque": 0, "sourced-data": 0} and
        cpu0["ear.status"] == "contraindicated" and
        cpu0["ear.trustee.identifiers"] == {"validated": {}},
        "the addendum's §4.4 appraisal")
    # The resource, to the vector's TEE key, decrypted by jwcrypto.
    set_resource(srv, "default/test/secret", b"test-secret-for-cca-realm\n")
    with open(os.path.join(DER, "derived-tee-key.pem"), "rb") as f:
        key = jwk.JWK.from_pem(f.read())
    st, h, d = srv.request("GET", "/kbs/v0/resource/default/test/secret",
                           None, {"Authorization": "Bearer " + tok})
    check(st == 200 and h.get("Content-Type") == "application/json",
          "resource: %s" % d[:200])
    if st == 200:
        j = jwe.JWE()
        j.deserialize(d.decode(), key=key)
        check(j.payload == b"test-secret-for-cca-realm\n",
              "JWE decrypted with derived-tee-key.pem")
    # The golden token's own challenge is not this session's.
    with open(os.path.join(UP, "cca-example-token.cbor"), "rb") as f:
        golden = list(f.read())
    st, h, d = srv.request("POST", "/kbs/v0/auth", {
        "version": "0.4.0", "tee": "cca", "extra-params": ""})
    cookie = h.get("Set-Cookie", "").split(";")[0]
    att = json.loads(read(os.path.join(DER, "derived-kbs-attestation.json")))
    att["tee-evidence"]["primary_evidence"]["token"] = golden
    st, _, d = srv.request("POST", "/kbs/v0/attest", att,
                           {"Cookie": cookie})
    e = error_of(st, d)
    check(e[1] == "AttestationError" and "challenge" in e[2],
          "the golden token's challenge refused: %s" % (e,))
    # Upstream's stale request (version 0.2.0) is refused.
    with open(os.path.join(UP, "kbs-request.json"), "rb") as f:
        st, _, d = srv.request("POST", "/kbs/v0/auth", f.read())
    check(error_of(st, d)[1] == "AttestationError" and
          "while the request is 0.2.0" in error_of(st, d)[2],
          "kbs-request.json (0.2.0) refused")
finally:
    srv.stop()
    if kbslib.failed:
        print(srv.logtext()[-3000:])
    wd.cleanup()
finish()
