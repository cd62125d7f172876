#!/usr/bin/python3
"""ccakit-agent's KBS client against ccakit's kbs (attestations counted
by the kbs's /metrics) and against a proxy that misbehaves on demand:
100 resources on one attestation, sequential and from 8 clients at once;
--token-per-request attests for every resource; a token near its expiry
is renewed once, before it expires; a token the KBS no longer trusts (its
signing CA replaced) or refuses with 401 costs exactly one new
attestation; a failing KBS (500s, no answer, a closed connection, huge
and non-JSON bodies, a corrupt JWE, tokens it will not verify, nothing
listening) gives bounded retries, a clear 500 and a live agent."""
import datetime
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentlib import *  # noqa: E402,F403

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

wd = Workdir()
running = []


def start(*a, **kw):
    ag = Agent(wd, *a, **kw)
    running.append(ag)
    return ag


def fetch(ag, path="/cdh/resource/default/key/1"):
    return ag.get(path)


def parallel(ag, clients, per_client, path="/cdh/resource/default/key/1"):
    res = []
    lock = threading.Lock()

    def run():
        for _ in range(per_client):
            r = ag.get(path)
            with lock:
                res.append(r)
    ts = [threading.Thread(target=run) for _ in range(clients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return res


def signer_config(tag):
    """A token signer with its own CA, trusted by the kbs it configures."""
    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    nb = datetime.datetime.utcnow() - datetime.timedelta(days=1)
    na = nb + datetime.timedelta(days=30)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("ca " + tag))
          .issuer_name(name("ca " + tag)).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(nb).not_valid_after(na)
          .add_extension(x509.BasicConstraints(ca=True, path_length=None),
                         critical=True).sign(ca_key, hashes.SHA256()))
    tk_key = ec.generate_private_key(ec.SECP256R1())
    tk = (x509.CertificateBuilder().subject_name(name("signer " + tag))
          .issuer_name(name("ca " + tag)).public_key(tk_key.public_key())
          .serial_number(2).not_valid_before(nb).not_valid_after(na)
          .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    cap = wd.file("ca-%s.pem" % tag, ca.public_bytes(pem))
    crt = wd.file("signer-%s.crt" % tag, tk.public_bytes(pem) +
                  ca.public_bytes(pem))
    key = wd.file("signer-%s.key" % tag, tk_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return """
[admin]
authorization_mode = "InsecureAllowAll"
[attestation_token]
trusted_certs_paths = ["%s"]
[attestation_service.attestation_token_broker.signer]
key_path = "%s"
cert_path = "%s"
[[plugins]]
name = "resource"
""" % (cap, key, crt)


srv = kbs(wd)
proxies = []
try:
    set_resource(srv, "default/key/1", b"one")
    set_resource(srv, "default/key/2", b"two")

    # --- token reuse: 100 resources, one attestation ---
    ag = start(kbs=srv)
    n0 = attests(srv)
    ok = sum(1 for _ in range(100) if fetch(ag)[2] == b"one")
    check(ok == 100, "100 sequential fetches: %d" % ok)
    check(attests(srv) - n0 == 1, "100 fetches cost one /attest (%d)" %
          (attests(srv) - n0))
    ag.stop()
    ag = start(kbs=srv, args=["--threads", "8"], name="par")
    n0 = attests(srv)
    res = parallel(ag, 8, 25)
    check(sum(1 for r in res if r[0] == 200 and r[2] == b"one") == 200,
          "8 clients x 25 fetches: all released")
    check(attests(srv) - n0 == 1, "200 concurrent fetches, one /attest "
          "(%d)" % (attests(srv) - n0))
    ag.stop()

    # --- --token-per-request: guest-components' behaviour ---
    ag = start(kbs=srv, args=["--token-per-request"], name="per")
    n0, a0 = attests(srv), metric(srv, "kbs_auth_requests_total")
    ok = sum(1 for _ in range(10) if fetch(ag)[2] == b"one")
    check(ok == 10 and attests(srv) - n0 == 10 and
          metric(srv, "kbs_auth_requests_total") - a0 == 10,
          "--token-per-request: 10 fetches, 10 /auth + /attest (%d)" %
          (attests(srv) - n0))
    # A missing resource: guest-components re-attests for every 401.
    n0 = attests(srv)
    st, _, d = fetch(ag, "/cdh/resource/default/key/none")
    check(st == 500 and attests(srv) - n0 == 3 and
          b"request unauthorized" in d,
          "--token-per-request, missing resource: 3 attestations (%d) %r"
          % (attests(srv) - n0, d))
    ag.stop()

    # --- a token renewed before it expires ---
    short = kbs(wd, KBS_CONFIG + "[attestation_service]\n"
                "[attestation_service.attestation_token_broker]\n"
                "duration_min = 1\n", name="short")
    set_resource(short, "default/key/1", b"short")
    ag = start(kbs=short, args=["--token-refresh", "57"], name="refresh")
    n0 = attests(short)
    check(fetch(ag)[2] == b"short" and fetch(ag)[2] == b"short",
          "short-lived token: two fetches")
    check(attests(short) - n0 == 1, "one attestation for both")
    time.sleep(3.3)
    check(fetch(ag)[2] == b"short" and fetch(ag)[2] == b"short" and
          fetch(ag)[2] == b"short", "after the renewal point")
    check(attests(short) - n0 == 2, "renewed once, 57 s before exp (%d)" %
          (attests(short) - n0))
    ag.stop()
    # While one request renews the token, the others go on with it.
    ps = Proxy(short)
    proxies.append(ps)
    ag = start(kbs=ps, args=["--token-refresh", "57", "--kbs-timeout", "2",
                             "--attest-attempts", "2", "--retry-delay-ms",
                             "10", "--threads", "4"], name="renew")
    check(fetch(ag)[2] == b"short", "through the proxy")
    time.sleep(3.3)
    ps.clear()
    ps.fault("hang", "/kbs/v0/auth", 1)
    slow = {}

    def renewing():
        t0 = time.time()
        slow["r"] = fetch(ag)
        slow["t"] = time.time() - t0
    th = threading.Thread(target=renewing)
    th.start()
    time.sleep(0.5)
    t0 = time.time()
    st, _, d = fetch(ag)
    dt = time.time() - t0
    check((st, d) == (200, b"short") and dt < 1.0, "served by the old token "
          "while another request renews it (%.2f s, %s)" % (dt, st))
    th.join()
    ps.release()
    check(slow["r"][2] == b"short" and ps.n("attest") == 1,
          "the renewing request: a timeout, then a new token (%.1f s, %d "
          "attestations)" % (slow["t"], ps.n("attest")))
    # A renewal that fails: the token, still good, serves on, and the
    # next try waits a while instead of blocking every request.
    time.sleep(3.3)
    ps.clear()
    ps.fault("500", "/kbs/v0/auth", 99)
    st, _, d = fetch(ag)
    check((st, d) == (200, b"short") and ps.n("auth") == 2,
          "a failed renewal (%d attempts): the old token serves: %s %r" %
          (ps.n("auth"), st, d))
    t0 = time.time()
    st, _, d = fetch(ag)
    check((st, d) == (200, b"short") and ps.n("auth") == 2 and
          time.time() - t0 < 1, "and the next request does not retry at "
          "once (%d /auth)" % ps.n("auth"))
    ps.clear()
    ag.stop()
    short.stop()

    # --- a token the KBS stops trusting: exactly one re-attestation ---
    ka = kbs(wd, signer_config("a"), name="signer-a")
    set_resource(ka, "default/key/1", b"signed")
    px = Proxy(ka)
    proxies.append(px)
    ag = start(kbs=px, name="revoke")
    n0 = attests(ka)
    check(fetch(ag)[2] == b"signed" and fetch(ag)[2] == b"signed",
          "through the proxy, signer A")
    check(attests(ka) - n0 == 1, "one attestation at KBS A")
    # The KBS now trusts another CA only: A's tokens are refused (401
    # TokenVerifierError).
    ka.stop()
    kb = kbs(wd, signer_config("b"), name="signer-b")
    set_resource(kb, "default/key/1", b"signed")
    px.upstream = kb
    px.clear()
    check(fetch(ag)[2] == b"signed", "after the CA changed")
    check(attests(kb) == 1 and px.n("resource") == 2,
          "a refused token: one re-attestation (%d), the GET retried once "
          "(%d)" % (attests(kb), px.n("resource")))
    for _ in range(5):
        fetch(ag)
    check(attests(kb) == 1, "then the new token is kept")
    # A 401 TokenVerifierError from the proxy: one re-attestation.
    px.clear()
    px.fault("401", "/kbs/v0/resource/")
    check(fetch(ag)[2] == b"signed" and px.n("attest") == 1 and
          px.n("resource") == 2, "injected 401: one re-attestation (%d "
          "attest, %d GET)" % (px.n("attest"), px.n("resource")))
    ag.stop()

    # --- a failing KBS ---
    ag = start(kbs=px, name="hostile", args=[
        "--attest-attempts", "3", "--retry-delay-ms", "50",
        "--kbs-timeout", "2", "--threads", "8"])

    def hostile(what, kind, part, times, want, attempts=None,
                path="/cdh/resource/default/key/1", maxs=30, upto=1):
        px.clear()
        ag_state = ag.alive()
        px.fault(kind, part, times)
        t0 = time.time()
        st, h, d = fetch(ag, path)
        dt = time.time() - t0
        check(st == 500 and want in d and ag_state,
              "%s: 500 with '%s': %s %r" % (what, want.decode(), st,
                                              d[:300]))
        check(dt < maxs, "%s: answered in %.1f s" % (what, dt))
        if attempts is not None:
            key = part.strip("/").split("/")[-1] if "resource" not in part \
                else "resource"
            check(attempts <= px.n(key) <= attempts * upto,
                  "%s: %d requests to %s (want %d)" % (what, px.n(key),
                                                       key, attempts))
        check(ag.alive() and ag.get("/info")[0] == 200,
              "%s: the agent lives on" % what)

    hostile("500 on /auth", "500", "/kbs/v0/auth", 99,
            b"RCAR handshake retried 3 times", attempts=3)
    hostile("500 with an error body on /attest", "500json",
            "/kbs/v0/attest", 99, b"simulated failure", attempts=3)
    hostile("no answer to /auth", "hang", "/kbs/v0/auth", 99,
            b"retried 3 times", attempts=3, maxs=15)
    px.release()
    # libcurl sends a request again, once, on a fresh connection when a
    # kept-alive one closes without an answer.
    hostile("connection closed on /attest", "close", "/kbs/v0/attest", 99,
            b"retried 3 times", attempts=3, upto=2)
    hostile("a 64 MiB reply to /auth", "huge", "/kbs/v0/auth", 99,
            b"retried 3 times", attempts=3)
    if not sanitized():
        check(rss_kib(ag.proc.pid) < 64 * 1024, "RSS after the huge "
              "replies: %d KiB" % rss_kib(ag.proc.pid))
    hostile("not JSON from /auth", "garbage", "/kbs/v0/auth", 99,
            b"retried 3 times", attempts=3)
    # Attestation fails twice, then works: one resource.
    px.clear()
    px.fault("500", "/kbs/v0/auth", 2)
    st, _, d = fetch(ag)
    check((st, d) == (200, b"signed") and px.n("auth") == 3,
          "two failed attempts, the third works (%s, %d /auth)" %
          (st, px.n("auth")))
    # Resource replies.
    hostile("a 500 to the GET", "500json", "/kbs/v0/resource/", 99,
            b"KBS Server Internal Failed, Response: 500 InternalError: "
            b"simulated failure", attempts=1)
    hostile("an empty 500 to the GET", "500", "/kbs/v0/resource/", 99,
            b"no error information", attempts=1)
    hostile("a corrupt JWE", "badjwe", "/kbs/v0/resource/", 1,
            b"decrypt response failed", attempts=1)
    hostile("a JWE that is not JSON", "garbage", "/kbs/v0/resource/", 1,
            b"decrypt response failed", attempts=1)
    hostile("a 64 MiB resource reply", "huge", "/kbs/v0/resource/", 1,
            b"too large", attempts=1)
    hostile("no answer to the GET", "hang", "/kbs/v0/resource/", 1,
            b"timed out", attempts=1, maxs=15)
    px.release()
    px.clear()
    n0 = attests(kb)
    check(fetch(ag)[2] == b"signed" and attests(kb) == n0,
          "after the faults the token still serves (%d)" %
          (attests(kb) - n0))
    # Tokens the KBS will not verify: 3 GETs, 3 attestations, then up.
    px.clear()
    ag.stop()
    ag = start(kbs=px, name="badtoken", args=[
        "--attest-attempts", "3", "--retry-delay-ms", "50"])
    px.fault("badtoken", "/kbs/v0/attest", 99)
    st, _, d = fetch(ag)
    check(st == 500 and b"request unauthorized" in d and
          b"TokenVerifierError" in d, "unverifiable tokens: %s %r" %
          (st, d))
    check(px.n("attest") == 3 and px.n("resource") == 3,
          "unverifiable tokens: 3 attestations, 3 GETs (%d, %d)" %
          (px.n("attest"), px.n("resource")))
    # 8 clients while /auth fails: bounded, the failure shared.
    px.clear()
    px.fault("500", "/kbs/v0/auth", 10**6)
    res = parallel(ag, 8, 1)
    check(all(r[0] == 500 for r in res) and px.n("auth") <= 8 * 3,
          "8 clients, /auth failing: %d /auth requests" % px.n("auth"))
    print("note: 8 concurrent clients while /auth fails: %d /auth "
          "requests (3 per attestation round)" % px.n("auth"))
    ag.stop()
    # Nothing listening.
    a2 = start(name="nobody", args=["--kbs-url", "http://127.0.0.1:9",
                                    "--attest-attempts", "2",
                                    "--retry-delay-ms", "10"])
    st, _, d = fetch(a2)
    check(st == 500 and b"retried 2 times" in d and
          (b"onnect" in d or b"refused" in d), "no KBS listening: %r" % d)
    check(a2.get("/aa/token?token_type=kbs")[0] == 500, "token: 500 too")
    a2.stop()
    for a in running:
        check(a.stop() == 0, "%s exits 0" % a.name)
finally:
    for a in running:
        a.stop()
    for p in proxies:
        p.stop()
    for s in ["srv", "short", "ka", "kb"]:
        if s in globals():
            globals()[s].stop()
    if kbslib.failed == 0:
        wd.cleanup()
    else:
        print("logs in", wd.path)
finish()
