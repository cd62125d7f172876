#!/usr/bin/python3
"""ccakit-agent's REST API against ccakit's kbs, both as processes on
loopback, the realm emulated: every endpoint and error of guest-components'
api-server-rest (trustee-kbs-addendum §9.2): status codes, content types
and bodies; a secret set with kbs-client comes back from curl; the token
of /aa/token is accepted by the KBS as Bearer and its TEE key decrypts the
reply; evidence for given runtime data verifies with ccatoken verify
--challenge; the features; non-loopback peers; HTTPS to the KBS with an
extra root certificate (--kbs-cert, aa.toml cert, KBS_CERT); init-data."""
import base64
import copy
import datetime
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentlib import *  # noqa: E402,F403

try:
    from jwcrypto import jwe as jjwe, jwk as jjwk
except ImportError:
    print("skipped: python3-jwcrypto not installed")
    sys.exit(77)

wd = Workdir()
srv = kbs(wd)
agents = []


def start(*a, **kw):
    ag = Agent(wd, *a, **kw)
    agents.append(ag)
    return ag


def curl(port, path):
    if shutil.which("curl") is None:
        return None
    p = subprocess.run(["curl", "-s", "-S", "-f",
                        "http://127.0.0.1:%d%s" % (port, path)],
                       capture_output=True)
    return p.returncode, p.stdout


def non_loopback_address():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.123", 9))
        a = s.getsockname()[0]
    except OSError:
        return None
    finally:
        s.close()
    return None if a.startswith("127.") else a


def verify_evidence(body, challenge):
    """ccatoken verify --challenge with the kbs's trust anchors."""
    ev = json.loads(body)
    tok = wd.file("ev.cbor", bytes(ev["token"]))
    p = subprocess.run([CCATOKEN, "verify", "-e", tok, "-t",
                        os.path.join(wd.path, "ta.json"), "--challenge",
                        challenge.hex()], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


try:
    SECRET = os.urandom(24) + b"\n\0end"
    sf = wd.file("secret.bin", SECRET)
    if os.path.exists(KBS_CLIENT):
        p = subprocess.run([KBS_CLIENT, "--url", url_of(srv), "config",
                            "set-resource", "--path", "default/key/1",
                            "--resource-file", sf], capture_output=True)
        check(p.returncode == 0, "kbs-client config set-resource: %s" %
              p.stderr)
    else:
        check(set_resource(srv, "default/key/1", SECRET)[0] == 200,
              "set-resource")
    check(set_resource(srv, "default/key/2", b"two")[0] == 200, "key 2")

    ag = start(kbs=srv)
    before = attests(srv)

    # --- GET /info ---
    st, h, d = ag.get("/info")
    check(st == 200 and h.get("Content-Type") == "application/json",
          "/info: 200 JSON %s %s" % (st, h))
    check(d == ('{"version":"ccakit-agent %s","tee":"cca","feature":"all"}'
                % json.loads(d)["version"].split()[-1]).encode(),
          "/info body and member order: %r" % d)
    st, h, d = ag.request("POST", "/info")
    check((st, d) == (405, b"Method Not Allowed") and
          "Content-Type" not in h, "POST /info: 405 %s %r" % (st, d))

    # --- resources: curl gets the secret set with kbs-client ---
    c = curl(ag.port, "/cdh/resource/default/key/1")
    if c is not None:
        check(c == (0, SECRET), "curl /cdh/resource/default/key/1: %r" %
              (c,))
    st, h, d = ag.get("/cdh/resource/default/key/1")
    check(st == 200 and d == SECRET and
          h.get("Content-Type") == "application/octet-stream",
          "GET resource: %s %s %r" % (st, h, d[:80]))
    st, h, d = ag.request("POST", "/cdh/resource/default/key/2")
    check((st, d) == (200, b"two"), "any method on /cdh/resource: %s %r"
          % (st, d))
    st, h, d = ag.get("/cdh/resource/default/key/2?x=1&y")
    check((st, d) == (200, b"two"), "query ignored: %s %r" % (st, d))
    check(attests(srv) - before == 1, "four fetches, one attestation "
          "(%d)" % (attests(srv) - before))
    # A missing resource: Trustee answers 401 PluginInternalError; the
    # token stays (no re-attestation) and the error text says why.
    n0 = attests(srv)
    st, h, d = ag.get("/cdh/resource/default/key/none")
    check(st == 500 and b"PluginInternalError" in d and
          "Content-Type" not in h, "missing resource: 500 %s %r" % (st, d))
    check(attests(srv) == n0, "a missing resource costs no attestation")
    for path in ["/cdh/resource/default/key", "/cdh/resource/a/b/c/d",
                 "/cdh/resource/default/key/", "/cdh/resource//key/1",
                 "/cdh/resource/default/../key/1",
                 "/cdh/resource/default/key/.hidden",
                 "/cdh/resource/de%2Ffault/key/1"]:
        st, h, d = ag.get(path)
        check(st == 500 and d != b"", "%s: 500 with a reason %s %r" %
              (path, st, d))
    st, _, d = ag.get("/cdh/resource/a/b/c/d")
    check(b"PluginInternalError" in d, "extra depth passed to the KBS, "
          "which refuses it: %r" % d)
    st, _, d = ag.get("/cdh/resource/default/../key/1")
    check(b"illegal kbs resource uri" in d, "dot segments refused: %r" % d)

    # --- 404s ---
    for path in ["/", "/nope", "/aa", "/aa/", "/aa/token/x", "/aa/Token",
                 "/cdh", "/cdh/", "/cdh/resource", "/cdh/other/a/b/c",
                 "/info/", "/%69nfo", "/aa/%74oken?token_type=kbs",
                 "//info", "/aa//token"]:
        st, h, d = ag.get(path)
        check((st, d) == (404, b"URL NOT FOUND") and "Content-Type" not in h,
              "%s: 404 URL NOT FOUND (%s %r)" % (path, st, d))
    # A wrong method on the AA endpoints is 404, not 405.
    for m, path in [("POST", "/aa/token?token_type=kbs"),
                    ("PUT", "/aa/evidence?runtime_data=x"),
                    ("GET", "/aa/aael"), ("DELETE", "/aa/additional-evidence")]:
        st, _, d = ag.request(m, path)
        check((st, d) == (404, b"URL NOT FOUND"), "%s %s: 404 (%s %r)" %
              (m, path, st, d))

    # --- /aa/token ---
    st, h, d = ag.get("/aa/token")
    check((st, d) == (400, b"BAD REQUEST"), "no token_type: 400 %s %r" %
          (st, d))
    st, h, d = ag.get("/aa/token?token_type=coco_as")
    check((st, d) == (500, b"Unsupported token type"), "token_type coco_as:"
          " %s %r" % (st, d))
    n0 = attests(srv)
    st, h, d = ag.get("/aa/token?token_type=kbs")
    check(st == 200 and h.get("Content-Type") == "application/octet-stream",
          "token: 200 octet-stream %s %s" % (st, h))
    check(attests(srv) == n0 + 1, "a token is a fresh attestation")
    tk = json.loads(d)
    check(list(tk.keys()) == ["token", "tee_keypair"], "token members %s" %
          list(tk.keys()))
    check(d.startswith(b'{"token":"') and b'\\n' in d and b" " not in
          d.split(b'"tee_keypair"')[0], "compact JSON, PEM newlines escaped")
    check(tk["tee_keypair"].startswith("-----BEGIN PRIVATE KEY-----\n"),
          "EC key as PKCS#8 PEM")
    # The KBS takes the token as Bearer; the key decrypts its reply.
    st, h, d = srv.request("GET", "/kbs/v0/resource/default/key/1",
                           headers={"Authorization": "Bearer " +
                                    tk["token"]})
    check(st == 200, "the KBS accepts the token as Bearer: %s %r" %
          (st, d[:200]))
    if st == 200:
        key = jjwk.JWK.from_pem(tk["tee_keypair"].encode())
        t = jjwe.JWE()
        t.deserialize(d.decode(), key=key)
        check(t.payload == SECRET, "tee_keypair decrypts the resource")
    # The other TEE key algorithms: resources decrypted by the agent, and
    # /aa/token's key (RSA as PKCS#1, as guest-components writes it).
    for alg, head in [("RSA-OAEP-256", "-----BEGIN RSA PRIVATE KEY-----"),
                      ("ECDH-ES+A256KW-P521", "-----BEGIN PRIVATE KEY-----")]:
        ak = start(["--tee-key-algorithm", alg], kbs=srv, name=alg)
        check(ak.get("/cdh/resource/default/key/1")[2] == SECRET,
              "%s: resource decrypted" % alg)
        st, h, d = ak.get("/aa/token?token_type=kbs")
        tka = json.loads(d) if st == 200 else {}
        check(tka.get("tee_keypair", "").startswith(head), "%s: key %r" %
              (alg, tka.get("tee_keypair", "")[:40]))
        if st == 200:
            st, h, d = srv.request("GET", "/kbs/v0/resource/default/key/1",
                                   headers={"Authorization": "Bearer " +
                                            tka["token"]})
            hdr = json.loads(base64.urlsafe_b64decode(
                json.loads(d)["protected"] + "=="))
            t = jjwe.JWE()
            t.deserialize(d.decode(), key=jjwk.JWK.from_pem(
                tka["tee_keypair"].encode()))
            check(t.payload == SECRET and hdr["alg"] == (
                "RSA-OAEP-256" if alg.startswith("RSA") else
                "ECDH-ES+A256KW") and (alg.startswith("RSA") or
                                       hdr["epk"]["crv"] == "P-521"),
                  "%s: the KBS encrypts to it (%s)" % (alg, hdr))
        ak.stop()
    tk2 = json.loads(ag.get("/aa/token?token_type=kbs")[2])
    check(tk2["tee_keypair"] != tk["tee_keypair"] and
          tk2["token"] != tk["token"], "each token has its own TEE key")

    # --- /aa/evidence ---
    for q, rd in [("runtime_data=hello", b"hello"),
                  ("runtime_data=a+b%2Bc%00d", b"a b+c\0d"),
                  ("runtime_data=", b""),
                  ("runtime_data=x&runtime_data=last", b"last"),
                  ("runtime_data=%FF", "\ufffd".encode()),
                  ("runtime_data=" + "z" * 64, b"z" * 64),
                  ("runtime_data=" + base64.urlsafe_b64encode(
                      bytes(range(48))).decode().rstrip("=") +
                   "&encoding=base64", bytes(range(48))),
                  ("encoding=base64&runtime_data=" +
                   base64.urlsafe_b64encode(b"\xff" * 64).decode().rstrip(
                       "="), b"\xff" * 64)]:
        st, h, d = ag.get("/aa/evidence?" + q)
        ok = st == 200 and h.get("Content-Type") == \
            "application/octet-stream"
        check(ok, "evidence %s: %s %r" % (q[:40], st, d[:100]))
        if ok:
            check(d.startswith(b'{"token":[') and b" " not in d,
                  "evidence JSON {\"token\":[bytes]}, compact")
            rc, out = verify_evidence(d, (rd + b"\0" * 64)[:64])
            check(rc == 0, "ccatoken verify --challenge for %r: %s" %
                  (rd[:20], out))
            rc, out = verify_evidence(d, b"\x01" + rd[1:64])
            check(rc != 0, "another challenge does not verify")
    st, h, d = ag.get("/aa/evidence?runtime_data=" + "z" * 65)
    check((st, d) == (500, b"CCA Attester: Challenge size must be 64 bytes "
                      b"or less."), "65 bytes: %s %r" % (st, d))
    for q in ["", "?runtime=1", "?runtime_data=YQ%3D%3D&encoding=base64",
              "?runtime_data=a*b&encoding=base64",
              "?runtime_data=abc&encoding=hex",
              "?runtime_data=abc&encoding=BASE64",
              "?runtime_data=abc&encoding="]:
        st, h, d = ag.get("/aa/evidence" + q)
        check((st, d) == (400, b"BAD REQUEST"), "evidence%s: 400 (%s %r)" %
              (q, st, d))

    # --- /aa/additional-evidence ---
    st, h, d = ag.get("/aa/additional-evidence?runtime_data=abc")
    check(st == 200 and d == b"" and
          h.get("Content-Type") == "application/octet-stream",
          "additional evidence: empty 200 %s %s %r" % (st, h, d))
    st, h, d = ag.get("/aa/additional-evidence")
    check((st, d) == (400, b"BAD REQUEST"), "additional, no runtime_data")
    st, h, d = ag.get("/aa/additional-evidence?runtime_data=!&encoding="
                      "base64")
    check((st, d) == (400, b"BAD REQUEST"), "additional, bad base64")

    # --- /aa/aael ---
    st, h, d = ag.request("POST", "/aa/aael", json.dumps(
        {"domain": "d", "operation": "o", "content": "c", "x": 1}))
    check(st == 200 and h.get("Content-Type") == "application/json" and
          d == b'{"success":"false","message": "Attestation Agent does not '
          b'enable eventlog recording"}', "aael: %s %r" % (st, d))
    for body in [b"", b"{", b"[]", b'{"domain":"d","operation":"o"}',
                 b'{"domain":"d","operation":"o","content":1}']:
        st, h, d = ag.request("POST", "/aa/aael", body)
        check(st == 500 and d.startswith(b"Illegal AAEL eventry format"),
              "aael %r: 500 (%s %r)" % (body, st, d))
    st, h, d = ag.request("POST", "/aa/aael", b"x" * (65 * 1024))
    check(st == 413, "aael: a body over the cap: %s" % st)
    aat = wd.file("aa-eventlog.toml", "[eventlog_config]\n"
                  "enable_eventlog = true\n")
    ag2 = start(["--aa-config", aat], kbs=srv)
    st, h, d = ag2.request("POST", "/aa/aael", json.dumps(
        {"domain": "d", "operation": "o", "content": "c"}))
    check(d == b'{"success":"false","message": "The platform does not '
          b'support runtime measurement"}', "aael, eventlog on: %r" % d)
    # That aa.toml has no [token_configs.kbs]: no tokens, but --kbs-url
    # overrides it.
    ag2.stop()
    ag3 = start(["--aa-config", aat], name="agent3", kbs=None)
    st, h, d = ag3.get("/aa/token?token_type=kbs")
    check(st == 500 and b"kbs token config not configured in config file"
          in d, "aa.toml without a KBS: %s %r" % (st, d))
    st, h, d = ag3.get("/cdh/resource/default/key/1")
    check(st == 500 and b"no cdh.toml" in d, "no KBS for resources: %r" %
          d)
    ag3.stop()

    # --- features ---
    ar = start(kbs=srv, features="resource", name="res")
    st, h, d = ar.get("/info")
    check(json.loads(d) == {"version": json.loads(d)["version"],
                            "feature": "resource"} and b'"tee"' not in d,
          "resource feature: no tee in /info: %r" % d)
    for path in ["/aa/token?token_type=kbs", "/aa/evidence?runtime_data=x",
                 "/aa/nope"]:
        st, h, d = ar.get(path)
        check((st, d) == (404, b"Attestation Feature Not Enabled"),
              "resource only, %s: %s %r" % (path, st, d))
    check(ar.get("/cdh/resource/default/key/2")[2] == b"two",
          "resource feature serves resources")
    ar.stop()
    aa = start(kbs=srv, features="attestation", name="att")
    st, h, d = aa.get("/cdh/resource/default/key/2")
    check((st, d) == (404, b"Resource Feature Not Enabled"),
          "attestation only: %s %r" % (st, d))
    check(aa.get("/aa/evidence?runtime_data=x")[0] == 200,
          "attestation feature serves evidence")
    check(json.loads(aa.get("/info")[2])["feature"] == "attestation",
          "feature attestation")
    aa.stop()
    # The default is api-server-rest's: resource.
    ad = start(kbs=srv, features=None, name="default")
    check(json.loads(ad.get("/info")[2])["feature"] == "resource",
          "default features: resource")
    ad.stop()

    # --- peers that are not loopback ---
    addr = non_loopback_address()
    if addr is None:
        print("note: no non-loopback address here, 403 not tested")
    else:
        an = start(kbs=srv, bind="0.0.0.0:0", name="any")
        for path in ["/info", "/cdh/resource/default/key/1", "/nope"]:
            st, h, d = an.get(path, host=addr)
            check((st, d) == (403, b"Forbidden"), "%s from %s: 403 (%s %r)"
                  % (path, addr, st, d))
        check(an.get("/info")[0] == 200, "loopback still served")
        an.stop()
    a6 = None
    try:
        a6 = start(kbs=srv, bind="[::1]:0", name="v6")
    except RuntimeError as e:
        print("note: no IPv6 loopback here: %s" % str(e)[-120:])
    if a6 is not None:
        st, h, d = a6.get("/info", host="::1")
        check(st == 200, "IPv6 loopback served: %s" % st)
        a6.stop()

    # --- HTTPS with an extra root certificate ---
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    nb = datetime.datetime.utcnow() - datetime.timedelta(days=1)
    ck = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(name("kbs.coco"))
            .issuer_name(name("kbs.coco")).public_key(ck.public_key())
            .serial_number(11).not_valid_before(nb)
            .not_valid_after(nb + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .sign(ck, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    crt_pem = cert.public_bytes(pem).decode()
    crt = wd.file("https.crt", crt_pem)
    kf = wd.file("https.key", ck.private_bytes(
        pem, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    hs = kbs(wd, '[http_server]\ninsecure_http = false\nprivate_key = "%s"\n'
             'certificate = "%s"\n' % (kf, crt) + KBS_CONFIG, name="https",
             tls=True)
    hs.request("POST", "/kbs/v0/resource/default/key/tls", b"over tls",
               {"Content-Type": "application/octet-stream"}, cafile=crt)
    at = start(["--kbs-cert", crt], kbs=hs, name="tls1")
    st, h, d = at.get("/cdh/resource/default/key/tls")
    check((st, d) == (200, b"over tls"), "HTTPS KBS, --kbs-cert: %s %r" %
          (st, d))
    at.stop()
    aat = wd.file("aa-tls.toml", "[token_configs.kbs]\nurl = \"%s\"\n"
                  "cert = '''\n%s'''\n" % (url_of(hs), crt_pem))
    at = start(["--aa-config", aat], name="tls2",
               env={"AA_KBC_PARAMS": "cc_kbc::" + url_of(hs),
                    "KBS_CERT": crt_pem})
    st, h, d = at.get("/cdh/resource/default/key/tls")
    check((st, d) == (200, b"over tls"), "HTTPS KBS, aa.toml cert and "
          "KBS_CERT: %s %r" % (st, d))
    check(at.get("/aa/token?token_type=kbs")[0] == 200, "token over HTTPS")
    at.stop()
    at = start(name="tls3", env={"AA_KBC_PARAMS": "cc_kbc::" + url_of(hs)},
               args=["--attest-attempts", "2", "--retry-delay-ms", "10"])
    st, h, d = at.get("/cdh/resource/default/key/tls")
    check(st == 500 and b"RCAR handshake retried 2 times" in d and
          (b"certificate" in d.lower() or b"ssl" in d.lower()),
          "HTTPS KBS without its root: %s %r" % (st, d))
    at.stop()
    hs.stop()

    # --- configuration from the kernel command line and the environment
    cl = wd.file("cmdline", "console=hvc0 agent.aa_kbc_params=cc_kbc::%s "
                 "quiet\n" % url_of(srv))
    ac = start(cmdline=cl, name="cmdline")
    check(ac.get("/cdh/resource/default/key/2")[2] == b"two",
          "KBS from agent.aa_kbc_params on the kernel command line")
    ac.stop()
    ae = start(cmdline=wd.file("cmdline2", "agent.aa_kbc_params=cc_kbc::"
                               "http://127.0.0.1:9\n"), name="env",
               env={"AA_KBC_PARAMS": "cc_kbc::" + url_of(srv)})
    check(ae.get("/cdh/resource/default/key/2")[2] == b"two",
          "AA_KBC_PARAMS over the kernel command line")
    ae.stop()
    cdh = wd.file("cdh.toml", "socket = \"unix:///run/cdh.sock\"\n[kbc]\n"
                  "name = \"cc_kbc\"\nurl = \"%s\"\n[image]\nx = 1\n" %
                  url_of(srv))
    ah = start(["--cdh-config", cdh], name="cdh")
    check(ah.get("/cdh/resource/default/key/2")[2] == b"two",
          "cdh.toml alone: its KBS for resources and tokens")
    ah.stop()

    # --- init-data: sent to the KBS, bound to the RPV ---
    idata = ('version = "0.1.0"\nalgorithm = "sha512"\n[data]\n'
             '"aa.toml" = \'\'\'\n[token_configs.kbs]\nurl = "%s"\n\'\'\'\n'
             '"extra" = "x"\n' % url_of(srv))
    claims = json.loads(read(os.path.join(DEMO, "claims.json")))
    claims["cca-realm-delegated-token"]["cca-realm-personalization-value"] \
        = b64(hashlib.sha512(idata.encode()).digest())
    cf = wd.file("claims-id.json", json.dumps(claims))
    idf = wd.file("initdata.toml", idata)
    ai = start(["--initdata-toml", idf, "--claims", cf], kbs=None,
               name="initdata")
    st, h, d = ai.get("/aa/token?token_type=kbs")
    check(st == 200, "init-data token: %s %r" % (st, d[:300]))
    if st == 200:
        ae_ = token_claims(json.loads(d)["token"])["submods"]["cpu0"][
            "ear.veraison.annotated-evidence"]
        check(ae_["init_data_claims"].get("extra") == "x" and
              "aa.toml" in ae_["init_data_claims"],
              "init_data_claims in the token: %s" % ae_["init_data_claims"])
    ai.stop()
    # init-data that is not the RPV: the KBS refuses the attestation.
    ab = start(["--initdata-toml", idf, "--attest-attempts", "1"],
               kbs=srv, name="initdata-bad")
    st, h, d = ab.get("/aa/token?token_type=kbs")
    check(st == 500 and b"AttestationError" in d, "init-data not bound: "
          "%s %r" % (st, d))
    ab.stop()

    # --- bad command lines and configurations ---
    for args, want in [
            (["--features", "bogus"], "Unknown features"),
            (["--bind", "localhost"], "--bind"),
            (["--bind", "example.org:8006"], "not an IPv4 or IPv6"),
            (["--tee-key-algorithm", "RSA1_5"], "--tee-key-algorithm"),
            (["--token-refresh", "-1"], "--token-refresh"),
            (["--aa-config", "/nonexistent/aa.toml"], "/nonexistent"),
            (["--aa-config", wd.file("bad.toml", "[token_configs.kbs]\n"
                                      "url = 1\n")], "bad.toml:2:"),
            (["--initdata-toml", wd.file("badid.toml", "version = 1\n")],
             "badid.toml"),
            (["--claims", "/x"], "emulated attester: /x"),
            (["extra"], "unexpected argument")]:
        a = Agent(wd, args, name="bad", expect_fail=True)
        check(a.rc in (1, 2) and want in a.logtext(), "%s: exit %s, '%s' "
              "in %r" % (args, a.rc, want, a.logtext()[-300:]))
    a = Agent(wd, ["--attester", "emulated", "--claims", "/x"],
              emulated=False, name="bad", expect_fail=True)
    check(a.rc == 2 and "needs --claims" in a.logtext(),
          "emulated without keys: %r" % a.logtext())
    a = Agent(wd, ["--attester", "tsm", "--tsm-root", "/nonexistent"],
              emulated=False, name="bad", expect_fail=True)
    check(a.rc == 1 and "tsm attester" in a.logtext(),
          "no configfs-tsm: %r" % a.logtext())
    a = Agent(wd, [], name="bad", expect_fail=True,
              env={"AA_KBC_PARAMS": "garbage"})
    check(a.rc == 1 and "illegal aa_kbc_params format" in a.logtext(),
          "AA_KBC_PARAMS without '::': %r" % a.logtext())
    for ag_ in agents:
        check(ag_.stop() == 0, "%s exits 0 on SIGTERM" % ag_.name)
finally:
    for ag_ in agents:
        ag_.stop()
    srv.stop()
    if kbslib.failed == 0:
        wd.cleanup()
    else:
        print("logs in", wd.path)
finish()
