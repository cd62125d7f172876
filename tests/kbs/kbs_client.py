"""kbs-client against kbs over loopback, as Trustee tests its own pair
(kbs/test/Makefile: test-bgcheck over HTTPS with an EdDSA admin token and
a per-path policy, test-passport with a second KBS trusting the first's
token; the CI's "get-resource must fail under the default policy"):
Trustee's command line and output, every config subcommand, the admin
token's sources, the sample TEE and the emulated realm (399 and 907),
init-data, errors and exit statuses. Admin JWTs are minted and resources
checked with python3-jwcrypto, independently of the C code.
"""
import base64
import datetime
import ipaddress
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kbslib import (BIN, SRC, CCATOKEN, Server, Workdir, check, finish,  # noqa
                    jwk, mint, read, token_claims, token_header)

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

CLIENT = os.path.join(BIN, "kbs-client")
wd = Workdir()
PEM = serialization.Encoding.PEM
EMU = ["--attester", "emulated", "--claims",
       os.path.join(SRC, "demo/claims.json"), "--platform-key",
       os.path.join(SRC, "demo/cpak.pem"), "--realm-key",
       os.path.join(SRC, "demo/rak.pem")]


def run(args, env=None, cwd=None):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([CLIENT] + args, capture_output=True, text=True,
                       env=e, cwd=cwd or wd.path, timeout=120)
    return p.returncode, p.stdout, p.stderr


def b64(b):
    return base64.b64encode(b).decode()


# --- the stores of the CCA verifier, from a known-good emulated token ---
gold = os.path.join(wd.path, "golden.cbor")
subprocess.run([CCATOKEN, "create", "--claims",
                os.path.join(SRC, "demo/claims.json"), "--platform-key",
                os.path.join(SRC, "demo/cpak.pem"), "--realm-key",
                os.path.join(SRC, "demo/rak.pem"), "-o", gold], check=True)
subprocess.run([CCATOKEN, "golden", "-e", gold, "-c",
                os.path.join(SRC, "demo/cpak.jwk.json"), "-t",
                os.path.join(wd.path, "ta.json"), "-r",
                os.path.join(wd.path, "rv.json")], check=True,
               stdout=subprocess.DEVNULL)
cca_conf = wd.file("cca.json", json.dumps({"cca-verifier": {
    "type": "local", "ta-store": os.path.join(wd.path, "ta.json"),
    "rv-store": os.path.join(wd.path, "rv.json")}}))

# --- HTTPS: a CA, the KBS's certificate, the token signer's chain ---


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


nb = datetime.datetime.utcnow() - datetime.timedelta(days=1)
na = nb + datetime.timedelta(days=30)
ca_key = ec.generate_private_key(ec.SECP256R1())
ca = (x509.CertificateBuilder().subject_name(name("ca")).issuer_name(
    name("ca")).public_key(ca_key.public_key()).serial_number(1)
    .not_valid_before(nb).not_valid_after(na)
    .add_extension(x509.BasicConstraints(ca=True, path_length=None),
                   critical=True).sign(ca_key, hashes.SHA256()))
ca_pem = wd.file("ca.crt", ca.public_bytes(PEM))


def leaf(cn, san=None):
    k = ec.generate_private_key(ec.SECP256R1())
    b = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(
        name("ca")).public_key(k.public_key()).serial_number(
        int(time.time() * 1000) % (1 << 60)).not_valid_before(nb)
        .not_valid_after(na))
    if san:
        b = b.add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address(san))]), critical=False)
    c = b.sign(ca_key, hashes.SHA256())
    kf = wd.file(cn + ".key", k.private_bytes(
        PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    cf = wd.file(cn + ".crt", c.public_bytes(PEM) + ca.public_bytes(PEM))
    return kf, cf


https_key, https_crt = leaf("kbs.coco", "127.0.0.1")
signer_key, signer_crt = leaf("token-signer")

# --- the admin: Ed25519, as Trustee's Makefile mints it ---
ed = jwk.JWK.generate(kty="OKP", crv="Ed25519")
ed_pub = wd.file("admin.pem", ed.export_to_pem())
now = int(time.time())
admin_tok = mint(ed, {"iss": "issuer", "role": "admin", "aud": ["kbs"],
                      "iat": now, "exp": now + 315360000}, "EdDSA")
admin_file = wd.file("admin-token", admin_tok + "\n")
reader_tok = mint(ed, {"iss": "issuer", "role": "reader", "aud": ["kbs"],
                       "exp": now + 3600}, "EdDSA")
reader_file = wd.file("reader-token", reader_tok)

CONFIG = """
[http_server]
insecure_http = false
private_key = "%s"
certificate = "%s"

[admin]
authorization_mode = "AuthenticatedAuthorization"
[admin.authentication.bearer_jwt]
identity_providers = [{ issuer = "issuer", audience = "kbs", public_key_uri = "%s" }]
[admin.authorization.regex_acl]
acls = [
  { role = "admin", allowed_endpoints = "^/kbs/.+$" },
  { role = "reader", allowed_endpoints = "^/kbs/v0/reference-value/.+$" },
]

[attestation_token]
trusted_certs_paths = ["%s"]

[attestation_service.attestation_token_broker.signer]
key_path = "%s"
cert_path = "%s"

[[plugins]]
name = "resource"
""" % (https_key, https_crt, ed_pub, ca_pem, signer_key, signer_crt)

srv = Server(wd, CONFIG, env={"CCA_CONFIG_FILE": cca_conf}, tls=True)
URL = ["--url", "https://127.0.0.1:%d" % srv.port, "--cert-file", ca_pem]
CFG = URL + ["config", "--admin-token-file", admin_file]
try:
    # --- usage ---
    rc, out, err = run(["--help"])
    check(rc == 0 and "get-resource" in out and "set-resource-policy" in out,
          "--help")
    rc, out, err = run(["--version"])
    check(rc == 0 and out.startswith("kbs-client "), "--version")
    for args, why in (([], "no command"), (["bogus"], "unrecognized"),
                      (["get-resource"], "--path"),
                      (["config", "set-resource", "--path", "a/b/c"],
                       "--resource-file"),
                      (["config", "set-resource-policy", "--allow-all",
                        "--deny-all"], "cannot be used"),
                      (["config", "delete-resource", "--id", "x"],
                       "unexpected argument"),
                      (["--attester", "tdx", "attest"], "--attester"),
                      (["--attester", "emulated", "attest"], "--claims")):
        rc, out, err = run(URL + args)
        check(rc == 2 and (why in err or (not args and "Usage" in err)),
              "usage error %r: %d %r" % (args, rc, err))

    # --- test-bgcheck: set a secret, fetch it from the realm ---
    secret = os.urandom(16)
    sf = wd.file("secret", secret)
    rc, out, err = run(CFG + ["set-resource", "--path", "one/two/three",
                              "--resource-file", sf])
    check(rc == 0 and out == "Set resource success \n resource: %s\n" %
          b64(secret), "set-resource output %r %r" % (out, err))

    # The default policy releases to any non-sample TEE (the CI's step:
    # the sample TEE is denied, with the KBS's error).
    rc, out, err = run(URL + ["--attester", "sample", "get-resource",
                              "--path", "one/two/three"])
    check(rc == 1 and "401 PolicyDeny: Access denied by policy" in err,
          "default policy denies sample: %d %r" % (rc, err))
    for fmt in ("907", "399"):
        rc, out, err = run(URL + EMU + ["--format", fmt, "get-resource",
                                        "--path", "one/two/three"])
        check(rc == 0 and base64.b64decode(out.strip()) == secret,
              "emulated realm %s get-resource: %d %r %r" % (fmt, rc, out,
                                                            err))

    # set-resource-policy: a file (Trustee's per-path example), then the
    # shipped ones, each by its decision.
    pol = wd.file("path.rego", """package policy
import rego.v1
default allow := false
allow if {
  data["resource-path"][0] == "one"
  input.submods.cpu0["ear.veraison.annotated-evidence"].cca
}
""")
    rc, out, err = run(CFG + ["set-resource-policy", "--policy-file", pol])
    check(rc == 0 and out == "Set resource policy success \n policy: %s\n" %
          b64(read(pol).encode()), "set-resource-policy --policy-file")
    rc, out, err = run(URL + EMU + ["get-resource", "--path",
                                    "one/two/three"])
    check(rc == 0 and base64.b64decode(out) == secret, "per-path policy")

    def fetch(att="sample"):
        extra = EMU if att == "cca" else ["--attester", "sample"]
        rc_, out_, err_ = run(URL + extra + ["get-resource", "--path",
                                             "one/two/three"])
        return rc_ == 0 and base64.b64decode(out_) == secret

    for opt, sample_ok, cca_ok in (("--allow-all", True, True),
                                   ("--deny-all", False, False),
                                   ("--default", False, True)):
        rc, out, err = run(CFG + ["set-resource-policy", opt])
        name_ = opt[2:].replace("-", "_")
        text = read(os.path.join(SRC, "services/kbs/policies/resource/%s"
                                 ".rego" % name_))
        check(rc == 0 and out.endswith(b64(text.encode()) + "\n"),
              "set-resource-policy %s uploads kbs's %s.rego" % (opt, name_))
        check(fetch("sample") == sample_ok and fetch("cca") == cca_ok,
              "decisions under %s" % opt)
    # --affirming: the realm is affirming only under ccakit's CCA AS
    # policy with its RIM registered (services/kbs/policies/as/cca.rego).
    rc, out, err = run(CFG + ["set-resource-policy", "--affirming"])
    check(rc == 0, "set-resource-policy --affirming")
    check(not fetch("cca"), "affirming: default_cpu has no CCA rules")
    rc, out, err = run(CFG + ["set-attestation-policy", "--policy-file",
                              os.path.join(SRC, "services/kbs/policies/as/"
                                           "cca.rego")])
    check(rc == 0 and "no policy_id set; using default_cpu" in err and
          out.startswith("Set attestation policy success \n policy: "),
          "set-attestation-policy (default id) %r %r" % (out, err))
    realm = json.load(open(os.path.join(SRC, "demo/claims.json")))[
        "cca-realm-delegated-token"]
    for n in ("cca-realm-initial-measurement",
              "cca-realm-personalization-value"):
        check(not fetch("cca"), "affirming: not before the %s" % n)
        rc, out, err = run(CFG + ["set-sample-reference-value",
                                  "cca.realm." + n, realm[n]])
        check(rc == 0 and out == "Reference Values Updated\n",
              "set-sample-reference-value %r %r" % (out, err))
    check(fetch("cca"), "affirming realm gets the secret")

    # --- get-reference-value: Trustee prints Rust's {:?} of the body ---
    for extra, want in (([], '["7"]'), (["--as-integer"], "[7]"),
                        (["--as-single-value"], '"7"'),
                        (["--as-integer", "--as-single-value"], "7")):
        run(CFG + ["set-sample-reference-value", "svn"] + extra + ["7"])
        rc, out, err = run(CFG + ["get-reference-value", "--id", "svn"])
        check(rc == 0 and out == json.dumps(want) + "\n",
              "get-reference-value %s: %r" % (extra, out))
    rc, out, err = run(CFG + ["set-sample-reference-value", "dbg", "true",
                              "--as-bool"])
    rc, out, err = run(CFG + ["get-reference-value", "--id", "dbg"])
    check(out == '"[true]"\n', "--as-bool")
    rc, out, err = run(CFG + ["set-sample-reference-value", "x", "1.5",
                              "--as-integer"])
    check(rc == 1 and "invalid digit" in err, "--as-integer 1.5")
    rc, out, err = run(CFG + ["get-reference-value", "--id", "nope"])
    check(rc == 1 and err.startswith("Error: Request Failed, Response: "
                                     "\"{\\\"type\\\":") and
          "No reference value found for the given id: nope" in err,
          "missing reference value %r" % err)

    # --- admin tokens: the file, ~/.trustee, the docker-compose path,
    # anonymous; the role's ACL ---
    home = os.path.join(wd.path, "home")
    os.makedirs(os.path.join(home, ".trustee"))
    wd.file("home/.trustee/admin-token", reader_tok)
    rc, out, err = run(URL + ["config", "get-reference-value", "--id",
                              "svn"], env={"HOME": home})
    check(rc == 0 and out == '"7"\n', "~/.trustee/admin-token (reader)")
    rc, out, err = run(URL + ["config", "delete-resource", "--path",
                              "one/two/three"], env={"HOME": home})
    check(rc == 1 and "AdminAuth" in err, "reader may not delete: %r" % err)
    dc = os.path.join(wd.path, "dc")
    os.makedirs(os.path.join(dc, "kbs/config/docker-compose"))
    wd.file("dc/kbs/config/docker-compose/admin-token", admin_tok)
    rc, out, err = run(URL + ["config", "get-reference-value", "--id",
                              "svn"], env={"HOME": home}, cwd=dc)
    check(rc == 0, "kbs/config/docker-compose/admin-token first")
    rc, out, err = run(URL + ["config", "get-reference-value", "--id",
                              "svn"], env={"HOME": "/nonexistent"})
    check(rc == 1 and "No admin token configured" in err and
          "Failed to parse HTTP Auth Bearer header" in err,
          "anonymous admin request: %r" % err)
    rc, out, err = run(URL + ["config", "--admin-token-file", "/nonexistent",
                              "get-reference-value", "--id", "svn"])
    check(rc == 1 and "Failed to read: /nonexistent" in err,
          "unreadable token file")

    # --- test-passport: a token from this KBS with an RSA TEE key, used
    # at a second KBS that trusts the signer's CA ---
    rk = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa_pem = wd.file("tee-rsa.pem", rk.private_bytes(
        PEM, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption()))
    rc, out, err = run(URL + EMU + ["attest", "--tee-key-file", rsa_pem])
    token = out.strip()
    check(rc == 0 and token.count(".") == 2, "attest prints the token")
    hdr = token_header(token)
    cl = token_claims(token)
    tp = cl["submods"]["cpu0"]["ear.veraison.annotated-evidence"][
        "runtime_data_claims"]["tee-pubkey"]
    check(hdr.get("alg") == "ES256" and "x5c" in hdr.get("jwk", {}) and
          tp["kty"] == "RSA" and tp["alg"] == "RSA-OAEP-256",
          "token: ES256, x5c, RSA TEE key")
    tf = wd.file("token", token + "\n")
    rp = Server(wd, """
[admin]
authorization_mode = "InsecureAllowAll"
[attestation_token]
trusted_certs_paths = ["%s"]
[[plugins]]
name = "resource"
""" % ca_pem, name="resource-kbs")
    RURL = ["--url", "http://127.0.0.1:%d" % rp.port]
    run(RURL + ["config", "set-resource", "--path", "one/two/three",
                "--resource-file", sf])
    run(RURL + ["config", "set-resource-policy", "--allow-all"])
    rc, out, err = run(RURL + ["get-resource", "--path", "one/two/three",
                               "--attestation-token", tf,
                               "--tee-key-file", rsa_pem])
    check(rc == 0 and base64.b64decode(out) == secret,
          "passport: Bearer token at the second KBS %r" % err)
    rc, out, err = run(RURL + ["get-resource", "--path", "one/two/three",
                               "--attestation-token", tf])
    check(rc == 1 and "--tee_key_file" in err, "token without a TEE key")
    other = wd.file("tee-other.pem", rsa.generate_private_key(
        public_exponent=65537, key_size=2048).private_bytes(
        PEM, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption()))
    rc, out, err = run(RURL + ["get-resource", "--path", "one/two/three",
                               "--attestation-token", tf,
                               "--tee-key-file", other])
    check(rc == 1, "another TEE key cannot decrypt the reply")
    rp.stop()

    # EC P-384 TEE key (PKCS#8), and init-data given to attest
    ek = ec.generate_private_key(ec.SECP384R1())
    ec_pem = wd.file("tee-ec.pem", ek.private_bytes(
        PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    rc, out, err = run(URL + EMU + ["get-resource", "--tee-key-file",
                                    ec_pem, "--path", "one/two/three"])
    check(rc == 0 and base64.b64decode(out) == secret, "EC P-384 TEE key")
    init = 'version = "0.1.0"\nalgorithm = "sha512"\n[data]\n"k" = "v"\n'
    rc, out, err = run(URL + ["--attester", "sample", "attest", init])
    c2 = token_claims(out.strip()) if rc == 0 else {}
    check(rc == 0 and "init_data" in json.dumps(c2),
          "init-data is sent with attest")

    # --- delete-resource, then the resource is gone ---
    rc, out, err = run(CFG + ["delete-resource", "--path", "one/two/three"])
    check(rc == 0 and out == "Delete resource success\n", "delete-resource")
    rc, out, err = run(URL + EMU + ["get-resource", "--path",
                                    "one/two/three"])
    check(rc == 1 and "PluginInternalError" in err, "deleted resource")

    # --- transport and attester errors ---
    rc, out, err = run(["--url", "https://127.0.0.1:%d" % srv.port,
                        "--attester", "sample", "attest"])
    check(rc == 1 and err.startswith("Error: "), "unknown CA refused")
    rc, out, err = run(URL + ["--attester", "tsm", "--tsm-root",
                              "/nonexistent", "attest"])
    check(rc == 1 and "tsm attester" in err, "no configfs-tsm: %r" % err)
    rc, out, err = run(["--url", "ftp://x", "attest"])
    check(rc == 1 and "http://" in err, "URL scheme")
finally:
    srv.stop()
    wd.cleanup()
finish()
