"""Helpers for the kbs server tests: start kbs as a separate process on
loopback, and a guest-side RCAR client written here, independently of
ccakit's C code (RFC 8785 for the runtime data, python3-jwcrypto for TEE
keys, JWE decryption and admin JWTs). CCA evidence comes from the emulated
realm (`ccatoken create`), built as guest-components builds it: the
runtime-data digest zero-padded to 64 bytes as the realm challenge.

Environment: CCAKIT_BIN (build/bin), CCAKIT_SRCDIR (the source tree).
"""
import base64
import hashlib
import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time

try:
    from jwcrypto import jwe, jwk, jwt
except ImportError:
    print("skipped: python3-jwcrypto not installed (scripts/install-deps.sh)")
    sys.exit(77)

BIN = os.environ.get("CCAKIT_BIN", "build/bin")
SRC = os.environ.get("CCAKIT_SRCDIR", ".")
KBS = os.path.join(BIN, "kbs")
CCATOKEN = os.path.join(BIN, "ccatoken")
ERR = "https://github.com/confidential-containers/kbs/errors/"

passed = 0
failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what, flush=True)
    return cond


def finish():
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def b64(b):
    return base64.b64encode(b).decode()


def jcs(v):
    """RFC 8785 for the values used here (strings, integers, objects,
    arrays): members sorted by UTF-16 code units, no whitespace."""
    if isinstance(v, dict):
        items = sorted(v.items(), key=lambda kv: kv[0].encode("utf-16-be"))
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" +
                              jcs(x) for k, x in items) + "}"
    if isinstance(v, list):
        return "[" + ",".join(jcs(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)


class Workdir:
    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="kbs-test-")

    def file(self, name, content, mode=0o600):
        p = os.path.join(self.path, name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb" if isinstance(content, bytes) else "w") as f:
            f.write(content)
        os.chmod(p, mode)
        return p

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)


class Server:
    """kbs on loopback; config is TOML text (sockets are added)."""

    def __init__(self, wd, config, name="kbs", env=None, args=(),
                 tls=False, expect_fail=False):
        self.wd = wd
        self.name = name
        self.port_file = os.path.join(wd.path, name + ".port")
        cfg = config
        if "[http_server]" not in cfg:
            cfg = "[http_server]\ninsecure_http = true\n" + cfg
        cfg = cfg.replace("[http_server]", "[http_server]\nsockets = "
                          "[\"127.0.0.1:0\"]", 1)
        self.config = wd.file(name + ".toml", cfg)
        self.log = os.path.join(wd.path, name + ".log")
        e = dict(os.environ)
        e.update(env or {})
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        self.proc = subprocess.Popen(
            [KBS, "-c", self.config, "--db",
             os.path.join(wd.path, name + ".db"), "--port-file",
             self.port_file, "-v"] + list(args),
            stdout=subprocess.DEVNULL, stderr=open(self.log, "w"), env=e)
        self.tls = tls
        if expect_fail:
            self.rc = self.proc.wait(timeout=30)
            return
        for _ in range(300):
            if os.path.exists(self.port_file):
                with open(self.port_file) as f:
                    t = f.read().strip()
                if t:
                    self.port = int(t)
                    return
            if self.proc.poll() is not None:
                raise RuntimeError("kbs exited: " + self.logtext())
            time.sleep(0.05)
        raise RuntimeError("kbs did not start: " + self.logtext())

    def logtext(self):
        with open(self.log) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def conn(self, cafile=None):
        if self.tls:
            ctx = ssl.create_default_context(cafile=cafile)
            return http.client.HTTPSConnection("127.0.0.1", self.port,
                                               context=ctx, timeout=60)
        return http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=60)

    def request(self, method, path, body=None, headers=None, cafile=None):
        c = self.conn(cafile)
        h = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, dict(r.getheaders()), data


def error_of(status, data):
    """(status, variant, detail) of a Trustee error body."""
    try:
        j = json.loads(data)
        t = j["type"]
        return status, t[len(ERR):] if t.startswith(ERR) else t, j["detail"]
    except Exception:
        return status, None, data


class TeeKey:
    def __init__(self, kind="EC-P256"):
        if kind == "RSA":
            self.key = jwk.JWK.generate(kty="RSA", size=2048)
            pub = json.loads(self.key.export_public())
            self.pub = {"kty": "RSA", "alg": "RSA-OAEP-256", "n": pub["n"],
                        "e": pub["e"]}
        else:
            crv = {"EC-P256": "P-256", "EC-P384": "P-384",
                   "EC-P521": "P-521"}[kind]
            self.key = jwk.JWK.generate(kty="EC", crv=crv)
            pub = json.loads(self.key.export_public())
            self.pub = {"kty": "EC", "crv": crv, "alg": "ECDH-ES+A256KW",
                        "x": pub["x"], "y": pub["y"]}

    def decrypt(self, body):
        """A Trustee flattened JWE: guest-components re-serialises the
        protected header (alg, enc, then the rest) for the AAD; jwcrypto
        uses the member as received: both must agree."""
        j = json.loads(body)
        hdr = json.loads(base64.urlsafe_b64decode(
            j["protected"] + "=" * (-len(j["protected"]) % 4)))
        token = jwe.JWE()
        token.deserialize(json.dumps(j), key=self.key)
        return token.payload, hdr


def sample_evidence(digest):
    return {"svn": "1", "report_data": b64(digest)}


def cca_evidence(wd, digest, fmt="907", claims=None, cpak=None, rak=None):
    challenge = (digest + b"\0" * 64)[:64]
    out = os.path.join(wd.path, "evidence.cbor")
    subprocess.run([CCATOKEN, "create", "--claims",
                    claims or os.path.join(SRC, "demo/claims.json"),
                    "--platform-key", cpak or os.path.join(SRC,
                                                            "demo/cpak.pem"),
                    "--realm-key", rak or os.path.join(SRC, "demo/rak.pem"),
                    "--format", fmt, "--challenge", challenge.hex(),
                    "-o", out], check=True)
    with open(out, "rb") as f:
        return {"token": list(f.read())}


class Guest:
    """An RCAR client: /auth, /attest, then resources."""

    def __init__(self, server, tee="sample", key=None):
        self.s = server
        self.tee = tee
        self.key = key or TeeKey()
        self.cookie = None
        self.nonce = None
        self.token = None

    def auth(self, version="0.4.0", extra=None):
        st, h, d = self.s.request("POST", "/kbs/v0/auth", {
            "version": version, "tee": self.tee,
            "extra-params": extra if extra is not None else ""})
        if st == 200:
            self.nonce = json.loads(d)["nonce"]
            sc = h.get("Set-Cookie", "")
            self.cookie = sc.split(";")[0]
        return st, h, d

    def runtime_digest(self, additional=""):
        rd = {"tee-pubkey": self.key.pub, "nonce": self.nonce,
              "additional-evidence": additional}
        return hashlib.sha384(jcs(rd).encode()).digest()

    def attest(self, evidence=None, make=None, init_data=None,
               additional="", nonce=None, cookie=True):
        if evidence is None:
            d = self.runtime_digest(additional)
            evidence = make(d) if make else sample_evidence(d)
        body = {"init-data": init_data,
                "runtime-data": {"nonce": nonce or self.nonce,
                                 "tee-pubkey": self.key.pub},
                "tee-evidence": {"primary_evidence": evidence,
                                 "additional_evidence": additional}}
        h = {"Cookie": self.cookie} if cookie and self.cookie else {}
        st, hh, d = self.s.request("POST", "/kbs/v0/attest", body, h)
        if st == 200:
            self.token = json.loads(d)["token"]
        return st, hh, d

    def get(self, path, bearer=None, cookie=True):
        h = {}
        if cookie and self.cookie:
            h["Cookie"] = self.cookie
        if bearer:
            h["Authorization"] = "Bearer " + bearer
        return self.s.request("GET", "/kbs/v0/" + path, None, h)

    def resource(self, path, bearer=None, cookie=True):
        st, h, d = self.get("resource/" + path, bearer, cookie)
        if st != 200:
            return st, None, d
        pt, _ = self.key.decrypt(d)
        return st, pt, d


def token_claims(token):
    p = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))


def token_header(token):
    p = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))


def policy_b64(text):
    return b64u(text.encode())


def admin(server, method, path, body=None, token=None, ctype=None):
    h = {}
    if token:
        h["Authorization"] = "Bearer " + token
    if ctype:
        h["Content-Type"] = ctype
    return server.request(method, "/kbs/v0/" + path, body, h)


def set_resource(server, path, data, token=None):
    return admin(server, "POST", "resource/" + path, data, token,
                 "application/octet-stream")


def set_resource_policy(server, text, token=None):
    return admin(server, "POST", "resource-policy",
                 {"policy": policy_b64(text)}, token)


def set_as_policy(server, text, pid="default_cpu", token=None):
    return admin(server, "POST", "attestation-policy",
                 {"type": "rego", "policy_id": pid,
                  "policy": policy_b64(text)}, token)


def set_refval(server, name, value, token=None):
    payload = b64(json.dumps({name: value}).encode())
    return admin(server, "POST", "reference-value",
                 {"version": "0.1.0", "type": "sample", "payload": payload},
                 token)


def read(path):
    with open(path) as f:
        return f.read()


def mint(key, claims, alg, header=None):
    h = {"alg": alg, "typ": "JWT"}
    h.update(header or {})
    t = jwt.JWT(header=h, claims=claims)
    t.make_signed_token(key)
    return t.serialize()
