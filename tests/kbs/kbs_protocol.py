#!/usr/bin/python3
"""kbs over loopback with the sample TEE: the RCAR flow as Trustee's
guests run it (auth, attest, resource by cookie and by Bearer token, the
JWE decrypted by python3-jwcrypto for EC P-256/P-384/P-521 and RSA TEE
keys), Trustee's error bodies for every failure of the protocol, the
resource policies, plugins, init-data, /metrics and /healthz."""
import base64
import hashlib
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kbslib  # noqa: E402
from kbslib import *  # noqa: E402,F403

wd = Workdir()
CONFIG = """
[admin]
authorization_mode = "InsecureAllowAll"

[attestation_token]
insecure_header_jwk = false

[[plugins]]
name = "resource"

[[plugins]]
name = "sample"
item = "x"
"""
srv = Server(wd, CONFIG)
try:
    # --- /auth ---
    g = Guest(srv)
    st, h, d = g.auth()
    check(st == 200, "auth 200")
    ch = json.loads(d)
    check(list(ch.keys()) == ["nonce", "extra-params"] and
          ch["extra-params"] == "", "challenge members and extra-params")
    check(len(ch["nonce"]) == 44 and len(base64.b64decode(ch["nonce"])) ==
          32, "nonce: standard base64 of 32 bytes")
    sc = h.get("Set-Cookie", "")
    check(sc.startswith("kbs-session-id=") and "; Expires=" in sc and
          len(sc.split(";")[0].split("=")[1]) == 32, "cookie: " + sc)
    check(h.get("Content-Type") == "application/json", "auth content type")
    g2 = Guest(srv)
    g2.auth()
    check(g2.nonce != g.nonce and g2.cookie != g.cookie,
          "fresh nonce and session per /auth")

    for body, detail in [
        ({"version": "0.3.0", "tee": "sample", "extra-params": ""},
         "Attestation error: RCAR handshake Auth failed: KBS Client "
         "Protocol Version Mismatch: expect =0.4.0 while the request is "
         "0.3.0"),
        ({"version": "v0.4.0", "tee": "sample", "extra-params": ""},
         "Attestation error: RCAR handshake Auth failed: failed to parse "
         "KBS version"),
        ({"version": "0.4.0-rc1", "tee": "sample", "extra-params": ""},
         "Attestation error: RCAR handshake Auth failed: KBS Client "
         "Protocol Version Mismatch: expect =0.4.0 while the request is "
         "0.4.0-rc1"),
        ({"version": "0.4.0", "tee": "nosuchtee", "extra-params": ""},
         "Attestation error: RCAR handshake Auth failed: deserialize "
         "Request"),
        ({"version": "0.4.0", "tee": "sample"},
         "Attestation error: RCAR handshake Auth failed: deserialize "
         "Request"),
    ]:
        st, h, d = srv.request("POST", "/kbs/v0/auth", body)
        e = error_of(st, d)
        check(e == (401, "AttestationError", detail), "auth error %s: %s" %
              (body, e))
        check("Content-Type" not in h, "error without Content-Type")
    st, _, d = srv.request("POST", "/kbs/v0/auth", "{not json")
    check(error_of(st, d)[1] == "AttestationError", "auth: bad JSON")
    st, _, d = srv.request("POST", "/kbs/v0/auth",
                           {"version": "0.4.0+build", "tee": "cca",
                            "extra-params": {"supported-hash-algorithms":
                                             ["sha384"]}})
    check(st == 200, "version with build metadata accepted")
    st, _, d = srv.request("GET", "/kbs/v0/auth")
    check(error_of(st, d) == (404, "PluginNotFound", "Plugin auth not found"),
          "GET /auth is a plugin lookup")
    st, _, d = srv.request("GET", "/kbs/v0/")
    check(error_of(st, d) == (404, "PluginNotFound", "Plugin  not found"),
          "empty plugin name")

    # --- /attest errors ---
    FAIL = "Attestation error: RCAR handshake Attest failed"

    def attest_error(st, d, why):
        e = error_of(st, d)
        return check(st == 401 and e[1] == "AttestationError" and
                     e[2].startswith(FAIL + ": " + why),
                     "attest error '%s': %s" % (why, e))

    b = Guest(srv)
    b.auth()
    st, _, d = b.attest(cookie=False)
    attest_error(st, d, "cookie not found")
    st, _, d = srv.request("POST", "/kbs/v0/attest", "[]",
                           {"Cookie": b.cookie})
    attest_error(st, d, "deserialize Attestation")
    st, _, d = srv.request("POST", "/kbs/v0/attest", {
        "runtime-data": {"nonce": b.nonce, "tee-pubkey": b.key.pub},
        "tee-evidence": {"primary_evidence": {}}}, {"Cookie": b.cookie})
    attest_error(st, d, "deserialize Attestation")
    st, _, d = srv.request("POST", "/kbs/v0/attest", {}, {
        "Cookie": "kbs-session-id=0123456789abcdef0123456789abcdef"})
    attest_error(st, d, "deserialize Attestation")
    saved = b.cookie
    b.cookie = "kbs-session-id=0123456789abcdef0123456789abcdef"
    st, _, d = b.attest()
    attest_error(st, d, "session not found")
    b.cookie = saved
    st, _, d = b.attest(nonce="AAAA" + b.nonce[4:])
    attest_error(st, d, "the nonce in the handshake session is different")
    # Evidence bound to another key / nonce: the report data differs.
    other = TeeKey()
    wrong = hashlib.sha384(jcs({"tee-pubkey": other.pub, "nonce": b.nonce,
                                "additional-evidence": ""}).encode()).digest()
    st, _, d = b.attest(evidence=sample_evidence(wrong))
    attest_error(st, d, "verify TEE evidence failed")
    # Digest without "additional-evidence" (the stale 0.2 form).
    stale = hashlib.sha384(jcs({"tee-pubkey": b.key.pub,
                                "nonce": b.nonce}).encode()).digest()
    st, _, d = b.attest(evidence=sample_evidence(stale))
    attest_error(st, d, "verify TEE evidence failed")
    st, _, d = b.attest(evidence={"svn": "1", "report_data": "!!"})
    attest_error(st, d, "verify TEE evidence failed")
    st, _, d = b.attest(evidence={"report_data": ""})
    attest_error(st, d, "verify TEE evidence failed")
    st, _, d = b.attest(init_data={"format": "json", "body": "{}"})
    attest_error(st, d, "verify TEE evidence failed: ")
    # An unknown TEE at /auth is refused; a TEE without a verifier fails
    # at /attest.
    t = Guest(srv, tee="snp")
    t.auth()
    st, _, d = t.attest()
    attest_error(st, d, "verify TEE evidence failed: no verifier for TEE "
                 "snp")

    # --- a good attestation ---
    st, h, d = g.attest()
    check(st == 200, "attest 200: %s" % d[:300])
    check(h.get("Set-Cookie", "").split(";")[0] == g.cookie,
          "attest re-sends the cookie")
    check(h.get("Set-Cookie") == sc, "same expiry as at /auth")
    tok = g.token
    hdr = token_header(tok)
    cl = token_claims(tok)
    check(hdr["alg"] == "ES256" and hdr["typ"] == "JWT" and
          hdr["jwk"]["crv"] == "P-256" and hdr["jwk"]["alg"] == "ES256",
          "EAR header %s" % hdr)
    check(cl["eat_profile"] ==
          "tag:github.com,2024:confidential-containers/Trustee" and
          cl["iss"] == "CoCo-Attestation-Service" and
          cl["exp"] == cl["iat"] + 300, "EAR claims")
    check(cl["ear.verifier-id"] == {
        "build": "attestation-service 0.1.0",
        "developer": "https://confidentialcontainers.org"}, "verifier-id")
    cpu0 = cl["submods"]["cpu0"]
    ae = cpu0["ear.veraison.annotated-evidence"]
    check(list(cpu0.keys())[:4] == [
        "ear.status", "ear.trustworthiness-vector",
        "ear.appraisal-policy-id", "ear.veraison.annotated-evidence"],
        "appraisal member order")
    check(cpu0["ear.appraisal-policy-id"] == "default", "policy id default")
    check(cpu0["ear.trustee.identifiers"] == {"validated": {}},
          "identifiers extension")
    check(ae["runtime_data_claims"] == {"additional-evidence": "",
                                        "nonce": g.nonce,
                                        "tee-pubkey": g.key.pub},
          "runtime_data_claims")
    check(ae["sample"] == {"debug": False, "launch_digest": "abcde",
                           "platform_version": {"major": 1, "minor": 4},
                           "svn": "1"}, "sample claims %s" % ae["sample"])
    check(list(ae.keys()) == sorted(ae.keys()), "annotated evidence sorted")
    # default_cpu without reference values: hardware 97 -> contraindicated
    tv = cpu0["ear.trustworthiness-vector"]
    check(tv == {"instance-identity": 0, "configuration": 2,
                 "executables": 33, "file-system": 0, "hardware": 97,
                 "runtime-opaque": 0, "storage-opaque": 0,
                 "sourced-data": 0} and list(tv.keys())[0] ==
          "instance-identity", "trust vector %s" % tv)
    check(cpu0["ear.status"] == "contraindicated", "status")
    # Attesting again returns the stored token.
    st, _, d = g.attest()
    check(st == 200 and json.loads(d)["token"] == tok,
          "re-attest returns the stored token")

    # --- resources ---
    check(set_resource(srv, "one/two/three", b"secret-1")[0] == 200,
          "set resource")
    st, h, d = set_resource(srv, "one/two/four", b"\x00\x01binary\xff")
    check(st == 200 and h.get("Content-Type") == "text/xml" and d == b"",
          "set resource reply: text/xml, empty")
    # Default policy: the sample TEE is denied.
    st, pt, d = g.resource("one/two/three")
    check(error_of(st, d) == (401, "PolicyDeny", "Access denied by policy"),
          "default policy denies sample: %s" % (error_of(st, d),))
    check(set_resource_policy(srv, read(os.path.join(
        SRC, "services/kbs/policies/resource/allow_all.rego")))[0] == 200,
        "allow_all set")
    st, pt, d = g.resource("one/two/three")
    check(st == 200 and pt == b"secret-1", "resource by cookie")
    j = json.loads(d)
    check(list(j.keys()) == ["protected", "encrypted_key", "iv",
                             "ciphertext", "tag"], "JWE members")
    _, hdr = g.key.decrypt(d)
    check(list(hdr.keys()) == ["alg", "enc", "epk"], "JWE header order")
    st, pt, d = g.resource("one/two/four")
    check(st == 200 and pt == b"\x00\x01binary\xff", "binary resource")
    # Bearer: no cookie, any key type
    for kind in ["EC-P256", "EC-P384", "EC-P521", "RSA"]:
        q = Guest(srv, key=TeeKey(kind))
        q.auth()
        q.attest()
        st, pt, d = q.resource("one/two/three", bearer=q.token,
                               cookie=False)
        check(st == 200 and pt == b"secret-1", "Bearer, %s key: %s" %
              (kind, d[:200]))
    # Missing resource, bad paths, no token
    st, _, d = g.resource("one/two/none")
    check(error_of(st, d) == (401, "PluginInternalError",
                              "Plugin internal error"), "missing resource")
    for p in ["one/two", "one/two/three/four", ".one/two/three",
              "one//three"]:
        st, _, d = g.resource(p)
        check(error_of(st, d)[1] == "PluginInternalError", "bad path " + p)
    st, _, d = g.resource("one/two/three", cookie=False)
    check(error_of(st, d) == (401, "TokenNotFound",
                              "Attestation Token not found"), "no token")
    # An authed, not attested session falls back to Bearer, then nothing.
    st, _, d = b.resource("one/two/three")
    check(error_of(st, d)[1] == "TokenNotFound", "un-attested cookie")
    st, _, d = b.get("resource/one/two/three", bearer=g.token)
    check(st == 200 and g.key.decrypt(d)[0] == b"secret-1",
          "un-attested cookie, Bearer used")
    # Tampered, expired, foreign tokens
    parts = g.token.split(".")
    bad = parts[0] + "." + parts[1][:-4] + ("AAAA" if parts[1][-4:] !=
                                            "AAAA" else "BBBB") + "." + \
        parts[2]
    st, _, d = g.resource("one/two/three", bearer=bad, cookie=False)
    check(error_of(st, d) == (401, "TokenVerifierError",
                              "Token Verifier error"), "tampered token")
    st, _, d = g.resource("one/two/three", bearer="not.a.jwt",
                          cookie=False)
    check(error_of(st, d)[1] == "TokenVerifierError", "garbage token")
    foreign = jwk.JWK.generate(kty="EC", crv="P-256")
    fpub = json.loads(foreign.export_public())
    fpub["alg"] = "ES256"
    ft = mint(foreign, {"exp": int(time.time()) + 60, "tee-pubkey":
                        g.key.pub}, "ES256", {"jwk": fpub})
    st, _, d = g.resource("one/two/three", bearer=ft, cookie=False)
    check(error_of(st, d)[1] == "TokenVerifierError",
          "token of an unknown key (header jwk, no trust)")
    # Plugins
    st, h, d = srv.request("GET", "/kbs/v0/sample/x?a=1")
    check(st == 200 and d == b"sample plugin response" and
          h.get("Content-Type") == "text/xml", "sample plugin")
    st, _, d = srv.request("GET", "/kbs/v0/nebula-ca/credential")
    check(error_of(st, d) == (404, "PluginNotFound",
                              "Plugin nebula-ca not found"), "no such plugin")
    st, _, d = srv.request("PUT", "/kbs/v0/resource/one/two/three", b"x",
                           {"Cookie": g.cookie})
    check(error_of(st, d)[1] == "PluginInternalError", "PUT resource")
    # Delete
    st, _, d = admin(srv, "DELETE", "resource/one/two/four")
    check(st == 200, "delete resource")
    st, _, d = admin(srv, "DELETE", "resource/one/two/four")
    check(error_of(st, d)[1] == "PluginInternalError", "delete again")
    st, _, d = g.resource("one/two/four")
    check(error_of(st, d)[1] == "PluginInternalError", "deleted resource")

    # --- resource policies with data.plugin, path, query ---
    pol = """package policy
import rego.v1
default allow := false
allow if {
    data.plugin == "resource"
    data["resource-path"][0] == "one"
    input.submods.cpu0["ear.veraison.annotated-evidence"].sample.svn == "1"
}
"""
    check(set_resource_policy(srv, pol)[0] == 200, "per-path policy")
    check(g.resource("one/two/three")[1] == b"secret-1", "path allowed")
    set_resource(srv, "other/two/three", b"x")
    check(error_of(*g.resource("other/two/three")[::2])[1] == "PolicyDeny",
          "path denied")
    pol_q = """package policy
import rego.v1
default allow := false
allow if data.query.x == "2"
"""
    set_resource_policy(srv, pol_q)
    st, _, d = g.get("resource/one/two/three?x=1&x=2")
    check(st == 200, "query: the last value of a repeated key")
    st, _, d = g.get("resource/one/two/three?x=1")
    check(error_of(st, d)[1] == "PolicyDeny", "query denied")
    # Non-boolean result: false
    set_resource_policy(srv, "package policy\nallow := 1\n")
    check(error_of(*g.resource("one/two/three")[::2])[1] == "PolicyDeny",
          "non-boolean allow is a denial")
    # Engine errors at evaluation
    set_resource_policy(srv, "package policy\nallow := 1 / 0\n")
    st, _, d = g.resource("one/two/three")
    check(error_of(st, d)[1] in ("PolicyEngineError", "PolicyDeny"),
          "evaluation error: %s" % (error_of(st, d),))
    # Invalid Rego, bad base64
    st, _, d = set_resource_policy(srv, "package policy\nallow if {")
    e = error_of(st, d)
    check(e[0] == 401 and e[1] == "PolicyEngineError" and
          e[2].startswith("Policy engine error: Failed to load policy: "),
          "invalid Rego refused: %s" % (e,))
    st, _, d = admin(srv, "POST", "resource-policy",
                     {"policy": base64.b64encode(b"package policy\n\n")
                      .decode()})
    e = error_of(st, d)
    check(e[1] == "ParsePolicyError" and e[2].startswith(
        "Failed to parse policy: Failed to decode policy:"),
        "padded base64 refused: %s" % (e,))
    for body, detail in [
        ("x", "Illegal SetPolicy Request Json"),
        ({"nopolicy": 1}, "No `policy` field inside SetPolicy Request Json"),
        ({"policy": 1}, "`policy` field is not a string in SetPolicy "
         "Request Json")]:
        st, _, d = admin(srv, "POST", "resource-policy", body)
        check(error_of(st, d) == (401, "ParsePolicyError",
                                  "Failed to parse policy: " + detail),
              "resource-policy body %s" % body)
    st, _, d = admin(srv, "GET", "resource-policy")
    check(st == 200 and json.loads(d) == ["resource-policy"],
          "resource-policy lists ids")
    # Trustee's own default policy loads unchanged and denies the sample.
    tdir = os.environ.get("CCAKIT_VECTORS", os.path.join(
        SRC, "../shared/vectors"))
    tpol = os.path.join(tdir, "rego/policies/trustee/kbs/default.rego")
    if os.path.exists(tpol):
        check(set_resource_policy(srv, read(tpol))[0] == 200,
              "Trustee's default.rego loads")
        check(error_of(*g.resource("one/two/three")[::2])[1] ==
              "PolicyDeny", "Trustee's default denies the sample TEE")
    set_resource_policy(srv, read(os.path.join(
        SRC, "services/kbs/policies/resource/allow_all.rego")))

    # --- attestation policies and reference values ---
    st, _, d = set_refval(srv, "svn", ["1"])
    check(st == 200, "register svn")
    set_refval(srv, "launch_digest", ["abcde"])
    set_refval(srv, "major_version", 1)
    set_refval(srv, "minimum_minor_version", 1)
    st, h, d = admin(srv, "GET", "reference-value/svn")
    check(st == 200 and json.loads(d) == ["1"], "get reference value")
    st, _, d = admin(srv, "GET", "reference-value/nope")
    check(error_of(st, d) == (401, "RvpsError", "RVPS configuration failed: "
                              "Failed to get reference_values: No reference "
                              "value found for the given id: nope"),
          "missing reference value")
    st, _, d = admin(srv, "POST", "reference-value",
                     {"version": "0.2.0", "type": "sample", "payload": ""})
    check(error_of(st, d)[1] == "RvpsError", "RVPS version refused")
    st, _, d = admin(srv, "POST", "reference-value",
                     {"type": "sample", "payload": "!!"})
    check(error_of(st, d)[1] == "RvpsError", "RVPS bad base64")
    a = Guest(srv)
    a.auth()
    a.attest()
    cpu0 = token_claims(a.token)["submods"]["cpu0"]
    check(cpu0["ear.trustworthiness-vector"]["executables"] == 3 and
          cpu0["ear.trustworthiness-vector"]["hardware"] == 2 and
          cpu0["ear.status"] == "affirming",
          "default_cpu with reference values: affirming %s" % cpu0)
    # An uploaded AS policy, invalid Rego refused
    st, _, d = set_as_policy(srv, "package policy\ntrust_claims := {\"executables\": 3}\n")
    check(st == 200, "set attestation policy")
    a = Guest(srv)
    a.auth()
    a.attest()
    cpu0 = token_claims(a.token)["submods"]["cpu0"]
    check(cpu0["ear.trustworthiness-vector"] == {"executables": 3} and
          cpu0["ear.status"] == "affirming" and
          "ear.trustee.identifiers" not in cpu0, "subset trust vector")
    st, _, d = set_as_policy(srv, "package policy\ntrust_claims := {")
    e = error_of(st, d)
    check(e[1] == "AttestationError" and e[2].startswith(
        "Attestation error: Set Attestation Policy failed"),
        "invalid AS policy: %s" % (e,))
    st, _, d = admin(srv, "POST", "attestation-policy",
                     {"policy_id": "default_cpu", "policy": "%%"})
    check(error_of(st, d)[1] == "AttestationError", "AS policy bad base64")
    set_as_policy(srv, "package policy\ntrust_claims := {\"bogus\": 3}\n")
    a = Guest(srv)
    a.auth()
    st, _, d = a.attest()
    attest_error(st, d, "verify TEE evidence failed: unknown trust claim")
    set_as_policy(srv, "package policy\n")
    a = Guest(srv)
    a.auth()
    a.attest()
    cpu0 = token_claims(a.token)["submods"]["cpu0"]
    check(cpu0["ear.status"] == "none" and
          cpu0["ear.trustworthiness-vector"]["hardware"] == 0,
          "no trust_claims: all zero, none")
    set_as_policy(srv, read(os.path.join(
        SRC, "services/kbs/policies/as/default_cpu.rego")))

    # --- init-data ---
    idata = ('version = "0.1.0"\nalgorithm = "sha384"\n[data]\n'
             '"cdh.toml" = "[kbc]\\nname = \\"cc_kbc\\"\\n"\n'
             '"x" = "y"\n')
    a = Guest(srv)
    a.auth()
    st, _, d = a.attest(init_data={"format": "toml", "body": idata})
    check(st == 200, "attest with init-data: %s" % d[:200])
    ae = token_claims(a.token)["submods"]["cpu0"][
        "ear.veraison.annotated-evidence"]
    check(ae.get("init_data") == b64(hashlib.sha384(idata.encode())
                                     .digest()), "sample init_data digest")
    check(ae.get("init_data_claims") == {"cdh.toml": {"kbc": {
        "name": "cc_kbc"}}, "x": "y"}, "init_data_claims %s" %
        ae.get("init_data_claims"))
    a = Guest(srv)
    a.auth()
    st, _, d = a.attest(init_data={"format": "toml", "body":
                                   'version = "0.1.0"\nalgorithm = "md5"\n'
                                   '[data]\n'})
    attest_error(st, d, "verify TEE evidence failed")

    # --- admin-only with DenyAll on a second server ---
    deny = Server(wd, CONFIG.replace("InsecureAllowAll", "DenyAll"),
                  name="deny")
    st, _, d = set_resource(deny, "a/b/c", b"x")
    check(error_of(st, d) == (401, "AdminAuthInitialization",
                              "failed to initialize [admin] configuration: "
                              "Admin access denied: Admin access denied as "
                              "DenyAll authorization_mode is enabled"),
          "DenyAll on a plugin endpoint")
    st, _, d = set_resource_policy(deny, "package policy\n")
    check(error_of(st, d) == (401, "AdminAuthAccess",
                              "admin access denied for endpoint "
                              "resource-policy: Admin access denied: Admin "
                              "access denied as DenyAll authorization_mode "
                              "is enabled"), "DenyAll on a built-in")
    deny.stop()

    # --- the cache of verified tokens ---
    def tcache():
        _, _, d = srv.request("GET", "/metrics")
        m = {}
        for line in d.decode().splitlines():
            if line.startswith("ccakit_token_cache_lookups_total{"):
                m[line.split('"')[1]] = int(line.split()[-1])
        return m.get("hit", -1), m.get("miss", -1)

    tg = Guest(srv)
    check(tg.auth()[0] == 200 and tg.attest()[0] == 200, "attest (cache)")
    h0, m0 = tcache()
    # The token it signed is known: the cookie's /resource is a hit.
    st, pt, d = tg.resource("one/two/three")
    check(st == 200, "resource by cookie (cache): %d" % st)
    check(tcache() == (h0 + 1, m0), "a signed token is a hit: %s, was %s" %
          (tcache(), (h0, m0)))
    # And so is the same token as Bearer.
    st, pt, d = tg.resource("one/two/three", bearer=tg.token, cookie=False)
    check(st == 200 and tcache() == (h0 + 2, m0), "Bearer (cache): %d %s" %
          (st, tcache()))
    # A byte changed anywhere is another token: verified, and refused.
    t = tg.token
    hd, pl, sg = t.split(".")
    for what, bad in [
            ("signature", "%s.%s.%s" % (hd, pl, sg[:-2] +
                                        ("AA" if sg[-2:] != "AA" else "BA"))),
            ("claims", "%s.%s.%s" % (hd, b64u(json.dumps(dict(
                token_claims(t), iss="mallory")).encode()), sg))]:
        st, _, d = tg.resource("one/two/three", bearer=bad, cookie=False)
        check(error_of(st, d)[1] == "TokenVerifierError",
              "a changed %s is not served from the cache: %s" %
              (what, error_of(st, d),))
    check(tcache() == (h0 + 2, m0 + 2), "changed tokens miss: %s" %
          (tcache(),))
    # Off, every use verifies.
    nc = Server(wd, CONFIG, name="nocache", args=("--token-cache-size", "0"))
    set_resource(nc, "one/two/three", b"secret-1")
    set_resource_policy(nc, read(os.path.join(
        SRC, "services/kbs/policies/resource/allow_all.rego")))
    ng = Guest(nc)
    check(ng.auth()[0] == 200 and ng.attest()[0] == 200 and
          ng.resource("one/two/three")[0] == 200 and
          ng.resource("one/two/three", bearer=ng.token,
                      cookie=False)[0] == 200, "without the cache")
    _, _, d = nc.request("GET", "/metrics")
    check('ccakit_token_cache_lookups_total{result="hit"} 0' in d.decode(),
          "no hits without the cache")
    nc.stop()
    for bad in ["-1", "x", "65537", ""]:
        r = subprocess.run([KBS, "-c", "/nonexistent", "--token-cache-size",
                            bad], capture_output=True, text=True)
        check(r.returncode != 0 and "--token-cache-size" in r.stderr,
              "--token-cache-size %r refused: %s" % (bad, r.stderr))

    # --- /metrics, /healthz ---
    st, h, d = srv.request("GET", "/metrics")
    m = d.decode()
    check(st == 200 and "kbs_auth_requests_total" in m and
          'kbs_attestation_successes_total{tee_type="sample"}' in m and
          'kbs_resource_reads_total{resource_path="one/two/three"}' in m and
          "kbs_policy_violations_total" in m and
          "kbs_http_request_duration_seconds_bucket" in m, "metrics")
    st, _, _ = srv.request("POST", "/metrics")
    check(st == 405, "POST /metrics: 405")
    st, _, d = srv.request("GET", "/healthz")
    check(st == 200 and d == b"", "healthz")
    # Large heads: a 150 KiB Bearer token is read (and refused as a token).
    big = "a." + "b" * (150 * 1024) + ".c"
    st, _, d = g.resource("one/two/three", bearer=big, cookie=False)
    check(error_of(st, d)[1] == "TokenVerifierError",
          "150 KiB Authorization header: %d" % st)
finally:
    srv.stop()
    if kbslib.failed:
        print(srv.logtext()[-4000:])
    wd.cleanup()
finish()
