#!/usr/bin/python3
"""kbs's admin API under AuthenticatedAuthorization (Trustee's
integration-tests admin.rs and kbs/test Makefile set-ups): admin JWTs
minted by python3-jwcrypto with EdDSA (Ed25519), ES256, ES384, RS256 and
PS256, identity providers by PEM public key (path and file://) and by JWK
set (kid), issuer and audience checks, the role claim, the regex ACL on
path plus query; and attestation tokens of another KBS or AS (the
passport model): trusted_certs_paths (x5c), trusted_jwk_sets (kid),
insecure_header_jwk, extra_teekey_paths."""
import datetime
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kbslib  # noqa: E402
from kbslib import *  # noqa: E402,F403

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

wd = Workdir()
now = int(time.time())

ed = jwk.JWK.generate(kty="OKP", crv="Ed25519")
es = jwk.JWK.generate(kty="EC", crv="P-256")
es384 = jwk.JWK.generate(kty="EC", crv="P-384")
rs = jwk.JWK.generate(kty="RSA", size=2048)
ed_pem = wd.file("ed.pem", ed.export_to_pem())
es_pem = wd.file("es.pem", es.export_to_pem())
es384_pem = wd.file("es384.pem", es384.export_to_pem())
rsjwk = json.loads(rs.export_public())
rsjwk.update({"kid": "rs-1", "alg": "RS256"})
psjwk = dict(rsjwk, kid="ps-1", alg="PS256")
jwks = wd.file("jwks.json", json.dumps({"keys": [rsjwk, psjwk]}))

CONFIG = """
[admin]
authorization_mode = "AuthenticatedAuthorization"
[admin.authentication.bearer_jwt]
identity_providers = [
  { issuer = "issuer", audience = "kbs", public_key_uri = "%s" },
  { issuer = "TrusteeInDocker", public_key_uri = "file://%s" },
  { public_key_uri = "%s" },
  { issuer = "idp-jwks", jwk_set_uri = "%s" },
]
[admin.authorization.regex_acl]
acls = [
  { role = "admin", allowed_endpoints = "^/kbs/.+$" },
  { role = "rv-reader", allowed_endpoints = "^/kbs/v0/reference-value/[a-zA-Z0-9]+$" },
  { role = "q", allowed_endpoints = "^/kbs/v0/sample/x\\\\?k=1$" },
]

[attestation_token]
insecure_header_jwk = false

[[plugins]]
name = "resource"

[[plugins]]
name = "sample"
item = "x"
""" % (ed_pem, es_pem, es384_pem, jwks)
srv = Server(wd, CONFIG)


def tokfor(key, alg, claims, header=None):
    c = {"iat": now, "exp": now + 600}
    c.update(claims)
    return mint(key, c, alg, header)


ADMIN_TESTMK = {"iss": "issuer", "role": "admin", "aud": ["kbs"]}
ADMIN_DOCKER = {"iss": "TrusteeInDocker", "sub": "admin", "aud": ["KBS"],
                "role": "admin"}
DENY = "admin access denied for endpoint resource-policy: "

try:
    pol = "package policy\nimport rego.v1\ndefault allow := false\n"
    cases = [
        ("EdDSA (Makefile's token)", tokfor(ed, "EdDSA", ADMIN_TESTMK), True),
        ("EdDSA, aud a string", tokfor(ed, "EdDSA", dict(ADMIN_TESTMK,
                                                         aud="kbs")), True),
        ("ES256 (docker-compose's claims)", tokfor(es, "ES256",
                                                  ADMIN_DOCKER), True),
        ("ES384, provider without issuer", tokfor(es384, "ES384",
                                                  {"role": "admin"}), True),
        ("RS256 by kid", tokfor(rs, "RS256", {"iss": "idp-jwks",
                                              "role": "admin"},
                                {"kid": "rs-1"}), True),
        ("PS256 by kid", tokfor(rs, "PS256", {"iss": "idp-jwks",
                                              "role": "admin"},
                                {"kid": "ps-1"}), True),
        ("wrong issuer", tokfor(ed, "EdDSA", dict(ADMIN_TESTMK,
                                                  iss="other")), False),
        ("wrong audience", tokfor(ed, "EdDSA", dict(ADMIN_TESTMK,
                                                    aud=["x"])), False),
        ("unknown kid", tokfor(rs, "RS256", {"iss": "idp-jwks",
                                             "role": "admin"},
                               {"kid": "nope"}), False),
        ("expired", mint(ed, dict(ADMIN_TESTMK, exp=now - 120), "EdDSA"),
         False),
        ("no exp", mint(ed, ADMIN_TESTMK, "EdDSA"), False),
        ("unknown key", tokfor(jwk.JWK.generate(kty="OKP", crv="Ed25519"),
                               "EdDSA", ADMIN_TESTMK), False),
        ("ES256 key with RS256 alg", tokfor(rs, "RS256", ADMIN_DOCKER),
         False),
    ]
    for what, tok, ok in cases:
        st, _, d = set_resource_policy(srv, pol, token=tok)
        if ok:
            check(st == 200, "admin %s: %s" % (what, d))
        else:
            check(error_of(st, d) == (401, "AdminAuthAccess", DENY +
                                      "Admin access denied: Cannot verify "
                                      "token with any of the issuers"),
                  "admin %s refused: %s" % (what, error_of(st, d)))
    # Tampered signature
    t = tokfor(ed, "EdDSA", ADMIN_TESTMK)
    t = t[:-3] + ("AAA" if t[-3:] != "AAA" else "BBB")
    st, _, d = set_resource_policy(srv, pol, token=t)
    check(error_of(st, d)[1] == "AdminAuthAccess", "tampered admin token")
    for bad in ["", "Basic abc", "Bearer", "bearer " + tokfor(
            ed, "EdDSA", ADMIN_TESTMK)]:
        st, _, d = srv.request("POST", "/kbs/v0/resource-policy",
                               {"policy": policy_b64(pol)},
                               {"Authorization": bad} if bad else {})
        check(error_of(st, d) == (401, "AdminAuthAccess", DENY +
                                  "Failed to parse HTTP Auth Bearer header"),
              "Authorization '%s': %s" % (bad[:10], error_of(st, d)))
    st, _, d = set_resource_policy(srv, pol, token=tokfor(
        ed, "EdDSA", {"iss": "issuer", "aud": "kbs"}))
    check(error_of(st, d)[2] == DENY + "Admin access denied: Missing "
          "required `role` claim in JWT", "no role: %s" % (error_of(st, d),))
    # ACL: a restricted role (Trustee's admin.rs case)
    rv = tokfor(ed, "EdDSA", dict(ADMIN_TESTMK, role="rv-reader"))
    st, _, d = set_resource_policy(srv, pol, token=rv)
    check(error_of(st, d) == (401, "AdminAuthAccess", DENY + "Admin access "
                              "denied: Role rv-reader not allowed for path "
                              "/kbs/v0/resource-policy"), "ACL denial")
    st, _, d = admin(srv, "GET", "reference-value/abc", token=rv)
    check(error_of(st, d)[1] == "RvpsError", "ACL allows the RV reader: %s"
          % (error_of(st, d),))
    st, _, d = admin(srv, "GET", "reference-value/a.b", token=rv)
    check(error_of(st, d)[1] == "AdminAuthAccess", "regex is anchored")
    # Plugin admin calls: AdminAuthInitialization
    st, _, d = set_resource(srv, "a/b/c", b"x", token=rv)
    check(error_of(st, d)[1] == "AdminAuthInitialization",
          "plugin admin denial type")
    check(set_resource(srv, "a/b/c", b"x", token=tokfor(
        ed, "EdDSA", ADMIN_TESTMK))[0] == 200, "plugin admin allowed")
    # The query string is part of what the ACL matches.
    q = tokfor(ed, "EdDSA", dict(ADMIN_TESTMK, role="q"))
    st, _, d = admin(srv, "GET", "sample/x?k=1", token=q)
    check(st == 200, "ACL with the query")
    st, _, d = admin(srv, "GET", "sample/x?k=2", token=q)
    check(error_of(st, d)[1] == "AdminAuthInitialization", "query mismatch")
    st, _, d = admin(srv, "GET", "sample/x?k=1%0A", token=q)
    check(error_of(st, d)[1] == "AdminAuthInitialization",
          "the raw target is matched ($ is the end)")
    srv.stop()

    # --- bad admin configurations ---
    for what, admin_toml, why in [
        ("unanchored ACL", """authorization_mode = "AuthenticatedAuthorization"
[admin.authentication.bearer_jwt]
identity_providers = [{ public_key_uri = "%s" }]
[admin.authorization.regex_acl]
acls = [{ role = "admin", allowed_endpoints = "/kbs/.*" }]""" % ed_pem,
         "must be anchored"),
        ("bad regex", """authorization_mode = "AuthenticatedAuthorization"
[admin.authentication.bearer_jwt]
identity_providers = [{ public_key_uri = "%s" }]
[admin.authorization.regex_acl]
acls = [{ role = "admin", allowed_endpoints = "^/kbs/(xyz$" }]""" % ed_pem,
         "Failed to parse regex"),
        ("no providers", """authorization_mode = "AuthenticatedAuthorization"
[admin.authentication.bearer_jwt]
identity_providers = []
[admin.authorization.regex_acl]
acls = []""", "at least one identity_providers"),
        ("provider without keys", """authorization_mode = "AuthenticatedAuthorization"
[admin.authentication.bearer_jwt]
identity_providers = [{ issuer = "x" }]
[admin.authorization.regex_acl]
acls = []""", "must set public_key_uri and/or jwk_set_uri"),
        ("unreadable key", """authorization_mode = "AuthenticatedAuthorization"
[admin.authentication.bearer_jwt]
identity_providers = [{ public_key_uri = "/nonexistent.pem" }]
[admin.authorization.regex_acl]
acls = []""", "/nonexistent.pem"),
        ("type instead of authorization_mode", 'type = "DenyAll"',
         "missing authorization_mode"),
        ("unknown mode", 'authorization_mode = "AllowAll"',
         "unknown variant 'AllowAll'"),
        ("extra key in DenyAll", 'authorization_mode = "DenyAll"\nx = 1',
         "unknown key 'admin.x'"),
    ]:
        s = Server(wd, "[admin]\n" + admin_toml + "\n", name="bad",
                   expect_fail=True)
        log = s.logtext()
        check(s.rc != 0 and why in log, "%s: %s" % (what, log.strip()))

    # --- tokens of another KBS: the passport model ---
    # A CA, an intermediate, a P-256 signing certificate (Trustee's
    # kbs/test Makefile set-up).
    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    nb = datetime.datetime.utcnow() - datetime.timedelta(days=1)
    na = nb + datetime.timedelta(days=30)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("ca"))
          .issuer_name(name("ca")).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(nb).not_valid_after(na)
          .add_extension(x509.BasicConstraints(ca=True, path_length=None),
                         critical=True).sign(ca_key, hashes.SHA256()))
    tk_key = ec.generate_private_key(ec.SECP256R1())
    tk = (x509.CertificateBuilder().subject_name(name("token signer"))
          .issuer_name(name("ca")).public_key(tk_key.public_key())
          .serial_number(2).not_valid_before(nb).not_valid_after(na)
          .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    wd.file("ca.pem", ca.public_bytes(pem))
    wd.file("token.crt", tk.public_bytes(pem) + ca.public_bytes(pem))
    wd.file("token.key", tk_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    other_ca_key = ec.generate_private_key(ec.SECP256R1())
    other_ca = (x509.CertificateBuilder().subject_name(name("other"))
                .issuer_name(name("other"))
                .public_key(other_ca_key.public_key()).serial_number(3)
                .not_valid_before(nb).not_valid_after(na)
                .sign(other_ca_key, hashes.SHA256()))
    wd.file("other-ca.pem", other_ca.public_bytes(pem))
    RES = '\n[[plugins]]\nname = "resource"\n'
    AS = """
[admin]
authorization_mode = "InsecureAllowAll"
[attestation_token]
trusted_certs_paths = ["%s"]
[attestation_service.attestation_token_broker.signer]
key_path = "%s"
cert_path = "%s"
""" % (os.path.join(wd.path, "ca.pem"), os.path.join(wd.path, "token.key"),
       os.path.join(wd.path, "token.crt"))
    kbs1 = Server(wd, AS + RES, name="kbs1")
    g = Guest(kbs1, key=TeeKey("RSA"))
    g.auth()
    st, _, d = g.attest()
    check(st == 200, "attested at the AS KBS")
    hdr = token_header(g.token)
    check(len(hdr["jwk"].get("x5c", [])) == 2 and
          list(hdr["jwk"].keys()) == ["alg", "x5c", "kty", "crv", "x", "y"],
          "x5c chain in the header jwk %s" % list(hdr["jwk"].keys()))
    set_resource_policy(kbs1, read(os.path.join(
        SRC, "services/kbs/policies/resource/allow_all.rego")))
    set_resource(kbs1, "one/two/three", b"own")
    st, pt, _ = g.resource("one/two/three", bearer=g.token, cookie=False)
    check(st == 200 and pt == b"own", "own token with x5c")

    def rp(trust, name_):
        s = Server(wd, "[admin]\nauthorization_mode = \"InsecureAllowAll\""
                   "\n[attestation_token]\n" + trust + RES, name=name_)
        set_resource_policy(s, read(os.path.join(
            SRC, "services/kbs/policies/resource/allow_all.rego")))
        set_resource(s, "one/two/three", b"passport")
        return s
    for trust, ok, what in [
        ('trusted_certs_paths = ["%s"]' % os.path.join(wd.path, "ca.pem"),
         True, "trusted CA"),
        ('trusted_certs_paths = ["%s"]' % os.path.join(wd.path,
                                                       "other-ca.pem"),
         False, "another CA"),
        ("insecure_header_jwk = true", True, "insecure_header_jwk"),
        ("insecure_header_jwk = false", False, "no trust material"),
    ]:
        s = rp(trust, "rp")
        g2 = Guest(s, key=g.key)
        st, pt, d = g2.resource("one/two/three", bearer=g.token,
                                cookie=False)
        if ok:
            check(st == 200 and pt == b"passport", "passport, %s: %s" %
                  (what, d))
        else:
            check(error_of(st, d) == (401, "TokenVerifierError",
                                      "Token Verifier error"),
                  "passport refused, %s: %s" % (what, error_of(st, d)))
        s.stop()
    kbs1.stop()
    # A token by kid from a JWK set (file:// and a plain path), and the TEE
    # key at an extra path.
    asj = jwk.JWK.generate(kty="EC", crv="P-256", kid="as-key")
    pub = json.loads(asj.export_public())
    pub["alg"] = "ES256"
    wd.file("as-jwks.json", json.dumps({"keys": [pub]}))
    tee = TeeKey()
    tok = mint(asj, {"exp": now + 300, "custom": {"key": tee.pub}},
               "ES256", {"kid": "as-key"})
    for src in ["file://" + os.path.join(wd.path, "as-jwks.json"),
                os.path.join(wd.path, "as-jwks.json")]:
        s = rp('trusted_jwk_sets = ["%s"]\nextra_teekey_paths = '
               '["/custom/key"]' % src, "rp2")
        gg = Guest(s, key=tee)
        st, pt, d = gg.resource("one/two/three", bearer=tok, cookie=False)
        check(st == 200 and pt == b"passport", "kid in %s: %s" % (src, d))
        if src.startswith("file://"):
            # The cache of verified tokens keeps the verdict, not the
            # time: a token valid only by the 60 s leeway is served once
            # verified, and refused from the cache once past it.
            edge = mint(asj, {"exp": int(time.time()) - 58, "custom": {
                "key": tee.pub}}, "ES256", {"kid": "as-key"})
            for i in range(2):
                st, pt, d = gg.resource("one/two/three", bearer=edge,
                                        cookie=False)
                check(st == 200 and pt == b"passport",
                      "a token in its leeway, use %d: %s" % (i, d))
            time.sleep(3.5)
            st, _, d = gg.resource("one/two/three", bearer=edge,
                                   cookie=False)
            check(error_of(st, d)[1] == "TokenVerifierError",
                  "a cached token past its leeway: %s" % (error_of(st, d),))
            check("ExpiredSignature" in s.logtext(),
                  "the refusal says why in the log")
        st, _, d = gg.resource("one/two/three", bearer=mint(
            asj, {"exp": now - 600, "custom": {"key": tee.pub}}, "ES256",
            {"kid": "as-key"}), cookie=False)
        check(error_of(st, d)[1] == "TokenVerifierError", "expired token")
        st, _, d = gg.resource("one/two/three", bearer=mint(
            asj, {"exp": now + 300}, "ES256", {"kid": "as-key"}),
            cookie=False)
        check(error_of(st, d) == (401, "TokenVerifierError",
                                  "Token Verifier error"),
              "no TEE key in the token")
        st, _, d = gg.resource("one/two/three", bearer=mint(
            asj, {"exp": now + 300, "custom": {"key": {
                "kty": "EC", "crv": "P-256", "alg": "ES256",
                "x": tee.pub["x"], "y": tee.pub["y"]}}}, "ES256",
            {"kid": "as-key"}), cookie=False)
        check(error_of(st, d) == (401, "JweError", "JWE failed"),
              "a TEE key for another algorithm: %s" % (error_of(st, d),))
        s.stop()
finally:
    srv.stop()
    if kbslib.failed:
        for n in ["kbs", "kbs1", "rp", "rp2", "bad"]:
            p = os.path.join(wd.path, n + ".log")
            if os.path.exists(p):
                print("---", n, read(p)[-2000:])
    wd.cleanup()
finish()
