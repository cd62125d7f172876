#!/usr/bin/python3
"""kbs's configuration: Trustee's TOML file as is (every key of the
addendum's §10 read, or refused with file:line:col; unknown keys
refused), -c and KBS_CONFIG_FILE, the storage types (LocalFs with
Trustee's repository layout, LocalJson, Memory, ccakit's SQLite), HTTPS
with the TLS keys mapped to GnuTLS, payload_request_size."""
import base64
import datetime
import json
import os
import ssl
import warnings
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kbslib  # noqa: E402
from kbslib import *  # noqa: E402,F403

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

warnings.simplefilter("ignore", DeprecationWarning)
wd = Workdir()


def refused(config, why, name="bad"):
    """kbs must refuse config (written as given; an [http_server] table
    is appended when there is none, so that line numbers hold)."""
    if "[http_server]" not in config:
        config += '\n[http_server]\ninsecure_http = true\n'
    path = wd.file(name + ".toml", config)
    r = subprocess.run([KBS, "-c", path, "--db", os.path.join(
        wd.path, name + ".db")], capture_output=True, text=True, timeout=30)
    return check(r.returncode != 0 and why in r.stderr,
                 "refused (%s): %s" % (why, r.stderr.strip()[-300:]))


ADMIN = '[admin]\nauthorization_mode = "InsecureAllowAll"\n'
try:
    # --- every key of Trustee's configuration ---
    key = ec.generate_private_key(ec.SECP256R1())
    pem = serialization.Encoding.PEM
    wd.file("signer.key", key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    full = """
session_storage_type = "Memory"

[http_server]
insecure_http = true
payload_request_size = 2
worker_count = 2
tls_profile = "intermediate"

[attestation_token]
trusted_certs_paths = []
trusted_jwk_sets = []
extra_teekey_paths = ["/a/b"]
insecure_header_jwk = true

[attestation_service]
type = "coco_as_builtin"
timeout = 5
storage_type = "Memory"

[attestation_service.attestation_token_broker]
duration_min = 7
issuer_name = "iss-x"
developer_name = "dev-x"
build_name = "build-x"
profile_name = "tag:github.com,2024:confidential-containers/Trustee"
verbose_token = false

[attestation_service.attestation_token_broker.signer]
key_path = "%s"

[attestation_service.rvps_config]
type = "BuiltIn"
storage_type = "Memory"
extractors = { swid_extractor = {} }

[attestation_service.verifier_config]

[admin]
authorization_mode = "InsecureAllowAll"

[storage_backend]
storage_type = "Memory"

[storage_backend.backends.local_fs]
dir_path = "%s"

[storage_backend.backends.local_json]
file_dir_path = "%s"

[storage_backend.backends.postgres]
db = "kbs"
username = "kbs"
password = "x"
port = 5432
host = "localhost"

[storage_backend.backends.redis]
url = "redis://127.0.0.1:6379"

[[plugins]]
name = "resource"
storage_backend_type = "kvstorage"

[[plugins]]
name = "sample"
item = "x"
""" % (os.path.join(wd.path, "signer.key"), os.path.join(wd.path, "fs"),
       os.path.join(wd.path, "json"))
    s = Server(wd, full, name="full")
    g = Guest(s)
    g.auth()
    st, _, d = g.attest()
    cl = token_claims(g.token)
    check(st == 200 and cl["iss"] == "iss-x" and cl["exp"] - cl["iat"] ==
          420 and cl["ear.verifier-id"] == {"build": "build-x",
                                            "developer": "dev-x"},
          "token broker settings")
    check("additional-evidence" not in cl["submods"]["cpu0"][
        "ear.veraison.annotated-evidence"]["runtime_data_claims"],
        "verbose_token = false drops additional-evidence")
    hj = token_header(g.token)["jwk"]
    pub = key.public_key().public_numbers()
    check(base64.urlsafe_b64decode(hj["x"] + "=") == pub.x.to_bytes(32,
                                                                    "big"),
          "the configured signer key")
    s.stop()
    # KBS_CONFIG_FILE instead of -c
    cfg = wd.file("env.toml", "[http_server]\nsockets = [\"127.0.0.1:0\"]\n"
                  "insecure_http = true\n" + ADMIN)
    pf = os.path.join(wd.path, "env.port")
    p = subprocess.Popen([KBS, "--db", os.path.join(wd.path, "env.db"),
                          "--port-file", pf],
                         env=dict(os.environ, KBS_CONFIG_FILE=cfg),
                         stderr=subprocess.PIPE)
    for _ in range(100):
        if os.path.exists(pf):
            break
        time.sleep(0.05)
    check(os.path.exists(pf), "KBS_CONFIG_FILE")
    p.terminate()
    p.wait()

    # --- refused, with the place ---
    refused(ADMIN + "[http_server]\ninsecure_http = true\nsokets = []\n",
            "bad.toml:5:1: unknown key 'http_server.sokets'")
    refused("nonsense = 1\n" + ADMIN, "bad.toml:1:1: unknown key "
            "'nonsense'")
    refused(ADMIN + "[http_server]\ninsecure_http = \"yes\"\n",
            "bad.toml:4:17: http_server.insecure_http: expected a boolean")
    refused("[http_server]\ninsecure_http = true\n", "missing table [admin]")
    refused(ADMIN.replace("[admin]", "[other]"), "missing table [admin]")
    path = wd.file("nohttp.toml", ADMIN)
    r = subprocess.run([KBS, "-c", path, "--db", os.path.join(wd.path,
                        "x.db")], capture_output=True, text=True, timeout=30)
    check(r.returncode != 0 and "missing table [http_server]" in r.stderr,
          "missing [http_server]: %s" % r.stderr)
    refused(ADMIN + "[http_server]\ninsecure_http = false\n",
            "needs private_key and certificate")
    refused(ADMIN + '[storage_backend]\nstorage_type = "Redis"\n',
            "Redis is not supported")
    refused(ADMIN + '[storage_backend]\nstorage_type = "Etcd"\n',
            "unknown storage type 'Etcd'")
    refused(ADMIN + '[attestation_service]\ntype = "coco_as_grpc"\n'
            'as_addr = "http://127.0.0.1:50004"\n', "'coco_as_grpc' is not "
            "supported")
    refused(ADMIN + '[attestation_service.rvps_config]\ntype = '
            '"GrpcRemote"\naddress = "x"\n', "a remote RVPS is not supported")
    refused(ADMIN + '[attestation_service.verifier_config]\n'
            '[attestation_service.verifier_config.snp]\n', "this KBS "
            "verifies Arm CCA")
    refused(ADMIN + '[attestation_service]\ntimeout = 0\n',
            "attestation_service.timeout")
    refused(ADMIN + '[attestation_service]\npolicy_id_map = {}\n',
            "unknown key 'attestation_service.policy_id_map'")
    refused(ADMIN + '[[plugins]]\nname = "external"\n', "the external "
            "plugin (gRPC backends) is not supported")
    refused(ADMIN + '[[plugins]]\nname = "nope"\n', "unknown plugin 'nope'")
    refused(ADMIN + '[[plugins]]\nname = "resource"\nstorage_backend_type '
            '= "Vault"\n', "only kvstorage")
    refused(ADMIN + '[[plugins]]\nname = "resource"\nvault_url = "x"\n',
            "unknown key 'plugins[0].vault_url'")
    refused(ADMIN + '[[plugins]]\nname = "sample"\n', "needs item")
    refused(ADMIN + '[[plugins]]\nname = "resource"\n[[plugins]]\n'
            'name = "resource"\n', "configured twice")
    refused(ADMIN + "[attestation_token]\ntrusted_certs_paths = [\"/x\"]\n",
            "/x")
    refused(ADMIN + "[attestation_token]\ntrusted_jwk_sets = "
            "[\"ftp://x\"]\n", "unsupported scheme")
    k384 = ec.generate_private_key(ec.SECP384R1())
    wd.file("k384.key", k384.private_bytes(
        pem, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    refused(ADMIN + "[attestation_service.attestation_token_broker.signer]\n"
            "key_path = \"%s\"\n" % os.path.join(wd.path, "k384.key"),
            "Only P-256 attestation token signing keys are supported")
    refused(ADMIN + "[attestation_service.attestation_token_broker.signer]\n"
            "cert_path = \"x\"\n", "missing key")
    refused("[http_server\n", "bad.toml:1:")
    # TLS settings that cannot be served
    tls = ADMIN + ('[http_server]\ninsecure_http = false\nprivate_key = '
                   '"%s"\ncertificate = "%s"\n')
    refused(tls % ("a", "b") + 'tls_min_version = "1.1"\n',
            "http_server.tls_min_version")
    refused(tls % ("a", "b") + 'tls_min_version = "1.3"\n'
            'tls_max_version = "1.2"\n', "cannot be greater")
    refused(tls % ("a", "b") + 'tls_profile = "strict"\n', "one of old")

    # --- HTTPS ---
    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    nb = datetime.datetime.utcnow() - datetime.timedelta(days=1)
    na = nb + datetime.timedelta(days=30)
    ck = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(name("kbs.coco"))
            .issuer_name(name("kbs.coco")).public_key(ck.public_key())
            .serial_number(7).not_valid_before(nb).not_valid_after(na)
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(__import__("ipaddress").ip_address(
                    "127.0.0.1"))]), critical=False)
            .sign(ck, hashes.SHA256()))
    crt = wd.file("https.crt", cert.public_bytes(pem))
    kf = wd.file("https.key", ck.private_bytes(
        pem, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    https = tls % (kf, crt)
    s = Server(wd, https, name="https", tls=True)
    st, _, d = s.request("POST", "/kbs/v0/auth", {
        "version": "0.4.0", "tee": "sample", "extra-params": ""},
        cafile=crt)
    check(st == 200, "HTTPS /auth")

    def handshake(srv, maxv=None, minv=None):
        ctx = ssl.create_default_context(cafile=crt)
        if maxv:
            ctx.maximum_version = maxv
        if minv:
            ctx.minimum_version = minv
        c = http.client.HTTPSConnection("127.0.0.1", srv.port, context=ctx,
                                        timeout=10)
        try:
            c.request("GET", "/healthz")
            return c.getresponse().status
        except (ssl.SSLError, ConnectionError, OSError):
            return None
        finally:
            c.close()
    check(handshake(s, maxv=ssl.TLSVersion.TLSv1_2) == 200, "TLS 1.2")
    check(handshake(s, minv=ssl.TLSVersion.TLSv1_3) == 200, "TLS 1.3")
    check(handshake(s, maxv=ssl.TLSVersion.TLSv1_1) is None, "no TLS 1.1")
    s.stop()
    s = Server(wd, https + 'tls_profile = "modern"\n', name="modern",
               tls=True)
    check(handshake(s, maxv=ssl.TLSVersion.TLSv1_2) is None and
          handshake(s) == 200, "modern: TLS 1.3 only")
    s.stop()
    s = Server(wd, https + 'tls_profile = "custom"\ntls_max_version = '
               '"1.2"\ntls_ciphers = "ECDHE-ECDSA-AES256-GCM-SHA384"\n'
               'tls_groups = "secp384r1"\n', name="custom", tls=True)
    check(handshake(s, minv=ssl.TLSVersion.TLSv1_3) is None and
          handshake(s) == 200, "custom: TLS 1.2 only")
    s.stop()
    refused(https + 'tls_ciphers = "RC4-MD5"\n', "tls_ciphers: 'RC4-MD5'")
    refused(https + 'tls_groups = "X25519MLKEM768"\n', "no post-quantum")

    # --- storage types ---
    fs = os.path.join(wd.path, "trustee-fs")
    os.makedirs(os.path.join(fs, "repository"))
    with open(os.path.join(fs, "repository", "one\\x2Ftwo\\x2Fthree"),
              "wb") as f:
        f.write(b"from an existing directory")
    conf = ADMIN + ('[storage_backend]\nstorage_type = "LocalFs"\n'
                    '[storage_backend.backends.local_fs]\ndir_path = "%s"\n'
                    '[[plugins]]\nname = "resource"\n' % fs)
    s = Server(wd, conf, name="localfs")
    set_resource_policy(s, read(os.path.join(
        SRC, "services/kbs/policies/resource/allow_all.rego")))
    g = Guest(s)
    g.auth()
    g.attest()
    st, pt, _ = g.resource("one/two/three")
    check(st == 200 and pt == b"from an existing directory",
          "LocalFs: Trustee's layout read")
    set_resource(s, "a/b/c", b"new")
    check(read(os.path.join(fs, "repository", "a\\x2Fb\\x2Fc")) == "new",
          "LocalFs: Trustee's layout written")
    check(os.path.exists(os.path.join(fs, "kbs",
                                      "resource-policy.rego")),
          "LocalFs: the resource policy under kbs/")
    check(os.path.exists(os.path.join(fs, "attestation_service_policy",
                                      "default_cpu.rego")),
          "LocalFs: the AS policies")
    s.stop()
    s = Server(wd, conf, name="localfs2")
    g = Guest(s)
    g.auth()
    g.attest()
    st, pt, _ = g.resource("a/b/c")
    check(st == 200 and pt == b"new", "LocalFs persists across restarts")
    s.stop()
    js = os.path.join(wd.path, "trustee-json")
    conf = ADMIN + ('[storage_backend]\nstorage_type = "local_json"\n'
                    '[storage_backend.backends.local_json]\n'
                    'file_dir_path = "%s"\n[[plugins]]\nname = "resource"\n'
                    % js)
    s = Server(wd, conf, name="localjson")
    set_resource(s, "a/b/c", b"\xff json")
    repo = json.loads(read(os.path.join(js, "repository")))
    check(repo == {"a/b/c": base64.urlsafe_b64encode(b"\xff json")
                   .decode()}, "LocalJson: Trustee's file %s" % repo)
    s.stop()
    s = Server(wd, ADMIN + '[storage_backend]\nstorage_type = "Memory"\n'
               '[[plugins]]\nname = "resource"\n', name="mem")
    set_resource(s, "a/b/c", b"x")
    s.stop()
    s = Server(wd, ADMIN + '[storage_backend]\nstorage_type = "Memory"\n'
               '[[plugins]]\nname = "resource"\n', name="mem")
    set_resource_policy(s, read(os.path.join(
        SRC, "services/kbs/policies/resource/allow_all.rego")))
    g = Guest(s)
    g.auth()
    g.attest()
    check(error_of(*g.resource("a/b/c")[::2])[1] == "PluginInternalError",
          "Memory is not durable")
    s.stop()
    sq = os.path.join(wd.path, "sub", "my.db")
    s = Server(wd, ADMIN + '[storage_backend]\nstorage_type = "Sqlite"\n'
               '[storage_backend.backends.sqlite]\npath = "%s"\n' % sq,
               name="sqlite")
    check(os.path.exists(sq) and oct(os.stat(sq).st_mode & 0o777) ==
          "0o600", "Sqlite file, owner-only")
    s.stop()
    # --- payload_request_size ---
    s = Server(wd, ADMIN + '[http_server]\ninsecure_http = true\n'
               'payload_request_size = 1\n[[plugins]]\nname = "resource"\n',
               name="payload")
    check(set_resource(s, "a/b/c", b"x" * (1024 * 1024 - 10))[0] == 200,
          "a body under 1 MiB")
    import socket
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    sock.sendall(b"POST /kbs/v0/resource/a/b/c HTTP/1.1\r\nHost: t\r\n"
                 b"Content-Length: %d\r\n\r\n" % (1024 * 1024 + 10))
    first = sock.recv(100)
    sock.close()
    check(first.startswith(b"HTTP/1.1 413"), "a body over 1 MiB: %s" %
          first)
    s.stop()
    # --- worker_count: the threads serving requests ---
    counts = {}
    for n in (1, 5):
        s = Server(wd, ADMIN + '[http_server]\ninsecure_http = true\n'
                   'worker_count = %d\n' % n, name="workers%d" % n)
        counts[n] = len(os.listdir("/proc/%d/task" % s.proc.pid))
        s.stop()
    check(counts[5] - counts[1] == 4, "worker_count: 4 more threads for 5 "
          "than for 1 (%r)" % counts)
    refused(ADMIN + '[http_server]\ninsecure_http = true\n'
            'worker_count = 0\n', "http_server.worker_count",
            name="workers0")
    # --- examples/kbs-config.toml starts as it is, its /etc/kbs and
    # /var/lib/kbs files made here (Server() sets the socket) ---
    ex = read(os.path.join(SRC, "examples/kbs-config.toml"))
    check('sockets = ["0.0.0.0:8080"]\n' in ex, "example socket line")
    ex = ex.replace('sockets = ["0.0.0.0:8080"]\n', "")
    etc = os.path.join(wd.path, "etc")
    os.makedirs(etc)
    ex = ex.replace("/etc/kbs", etc).replace("/var/lib/kbs",
                                             os.path.join(wd.path, "var"))

    def nm(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    nb = datetime.datetime.utcnow() - datetime.timedelta(days=1)
    cak = ec.generate_private_key(ec.SECP256R1())
    cac = (x509.CertificateBuilder().subject_name(nm("ca")).issuer_name(
        nm("ca")).public_key(cak.public_key()).serial_number(3)
        .not_valid_before(nb).not_valid_after(nb + datetime.timedelta(
            days=9)).add_extension(x509.BasicConstraints(
                ca=True, path_length=None), critical=True)
        .sign(cak, hashes.SHA256()))
    wd.file("etc/token-ca.crt", cac.public_bytes(pem))
    for cn, kf, cf in (("127.0.0.1", "https.key", "https.crt"),
                       ("signer", "token.key", "token.crt")):
        lk = ec.generate_private_key(ec.SECP256R1())
        lc = (x509.CertificateBuilder().subject_name(nm(cn)).issuer_name(
            nm("ca")).public_key(lk.public_key()).serial_number(4)
            .not_valid_before(nb).not_valid_after(nb + datetime.timedelta(
                days=9)).add_extension(x509.SubjectAlternativeName(
                    [x509.IPAddress(__import__("ipaddress").ip_address(
                        "127.0.0.1"))]), critical=False)
            .sign(cak, hashes.SHA256()))
        wd.file("etc/" + kf, lk.private_bytes(
            pem, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        wd.file("etc/" + cf, lc.public_bytes(pem) + cac.public_bytes(pem))
    edk = jwk.JWK.generate(kty="OKP", crv="Ed25519")
    wd.file("etc/admin.pem", edk.export_to_pem())
    s = Server(wd, ex, name="example", tls=True)
    ca_file = os.path.join(etc, "token-ca.crt")
    st, _, _ = s.request("POST", "/kbs/v0/auth", {
        "version": "0.4.0", "tee": "sample", "extra-params": ""},
        cafile=ca_file)
    check(st == 200, "examples/kbs-config.toml: HTTPS /auth")
    tok = mint(edk, {"iss": "issuer", "aud": ["kbs"], "role": "admin",
                     "exp": int(__import__("time").time()) + 600}, "EdDSA")
    st, _, d = s.request("POST", "/kbs/v0/resource/a/b/c", b"ex",
                         {"Authorization": "Bearer " + tok},
                         cafile=ca_file)
    check(st == 200 and os.path.exists(os.path.join(
        wd.path, "var/storage/repository/a\\x2Fb\\x2Fc")),
        "example: admin JWT, LocalFs layout %d %r" % (st, d))
    s.stop()
finally:
    if kbslib.failed:
        for f in sorted(os.listdir(wd.path)):
            if f.endswith(".log"):
                print("---", f, read(os.path.join(wd.path, f))[-1500:])
    wd.cleanup()
finish()
