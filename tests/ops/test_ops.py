"""What an operator sees of keybroker-server and cca-verifier, as separate
processes over loopback: /metrics (parsed strictly, promparse.py) and the
status page, off by default on the public listener, on it with --metrics,
on their own listener with --metrics-listen; the request log, text and
JSON, a line per request with its id, route, status, duration and
attestation outcome, and never a secret, nonce, token or key of the
test's (each grepped for in every form the test knows).

Environment: CCAKIT_BIN (build/bin), CCAKIT_SRC (the source tree).
Ends with "N passed, M failed"; exit status 1 if any failed.
"""

import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import promparse  # noqa: E402

BIN = os.environ["CCAKIT_BIN"]
SRC = os.environ["CCAKIT_SRC"]
DEMO = os.path.join(SRC, "demo")
CCA_MT = 'application/eat-collection; profile="http://arm.com/CCA-SSD/1.0.0"'
SESSION_MT = "application/vnd.veraison.challenge-response-session+json"

passed = failed = 0
W = tempfile.mkdtemp(prefix="ccakit-ops-")
procs = []


def ok(cond, what, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok %d - %s" % (passed, what))
    else:
        failed += 1
        print("not ok - %s%s" % (what, (": " + detail) if detail else ""))
    return cond


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def unb64(s):
    s = s.replace("-", "+").replace("_", "/")
    return base64.b64decode(s + "=" * (-len(s) % 4))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Server:
    """A server on a free port (--port-file); its stderr in a file."""

    def __init__(self, prog, args, name):
        self.log = os.path.join(W, name + ".log")
        pf = os.path.join(W, name + ".port")
        if os.path.exists(pf):
            os.unlink(pf)
        self.p = subprocess.Popen(
            [os.path.join(BIN, prog), "-p", "0", "--port-file", pf] + args,
            stderr=open(self.log, "w"), stdout=subprocess.DEVNULL)
        procs.append(self.p)
        for _ in range(400):
            if os.path.exists(pf) and os.path.getsize(pf) > 0:
                break
            if self.p.poll() is not None:
                raise RuntimeError("%s did not start: %s" %
                                   (prog, open(self.log).read()))
            time.sleep(0.025)
        else:
            raise RuntimeError("%s did not start" % prog)
        self.url = "http://127.0.0.1:%s" % open(pf).read().strip()

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        return self.p.wait(timeout=30)

    def lines(self):
        return open(self.log).read().splitlines()


def http(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method,
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def scrape(url):
    st, h, body = http("GET", url + "/metrics")
    ok(st == 200, "GET /metrics: 200", str(st))
    ok(h.get("Content-Type") == "text/plain; version=0.0.4; charset=utf-8",
       "/metrics: the exposition format's media type", h.get("Content-Type"))
    try:
        fams = promparse.parse(body.decode())
        ok(True, "/metrics parses strictly (%d families)" % len(fams))
    except (promparse.ParseError, UnicodeDecodeError) as e:
        ok(False, "/metrics parses strictly", str(e))
        fams = {}
    return fams


def scrape_when(url, ready, seconds=3.0):
    """Scrape until ready(fams) holds or seconds pass; the last scrape.
    A request is counted when the server completes it, which may be just
    after its client has read the reply."""
    end = time.monotonic() + seconds
    while True:
        fams = scrape(url)
        if ready(fams) or time.monotonic() >= end:
            return fams
        time.sleep(0.05)


def val(fams, name, suffix="", **labels):
    try:
        return fams[name].get(suffix, **labels)
    except KeyError:
        return None


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, **kw)


def token_for(nonce, out, claims=os.path.join(DEMO, "claims.json")):
    """A CCA token of the emulated realm bound to nonce (bytes)."""
    run([os.path.join(BIN, "ccatoken"), "create", "--claims", claims,
         "--platform-key", os.path.join(DEMO, "cpak.pem"),
         "--realm-key", os.path.join(DEMO, "rak.pem"),
         "--challenge", nonce.hex(), "-o", out])
    return open(out, "rb").read()


def rsa_jwk():
    key = os.path.join(W, "wrap.pem")
    run(["openssl", "genrsa", "-out", key, "2048"])
    mod = run(["openssl", "rsa", "-in", key, "-noout", "-modulus"]
              ).stdout.decode().strip().split("=", 1)[1]
    return {"kty": "RSA", "alg": "RSA-OAEP-256",
            "n": b64url(bytes.fromhex(mod)), "e": "AQAB"}


def no_leaks(lines, secrets, what):
    """No line holds any of the secrets (strings of 8 characters or more,
    in every form given)."""
    text = "\n".join(lines)
    found = [s for s in secrets if s and s in text]
    ok(not found, "%s: no secret, nonce, token or key in the log" % what,
       "found %r" % [f[:24] for f in found])


def forms(b):
    """A byte string as the log could show it: hex, base64, base64url."""
    return [b.hex(), b.hex().upper(), base64.b64encode(b).decode().rstrip("="),
            b64url(b)]


def json_lines(lines, service, what):
    objs = []
    good = True
    for line in lines:
        try:
            o = json.loads(line)
        except ValueError:
            good = False
            ok(False, "%s: every line is JSON" % what, line[:120])
            break
        if not (isinstance(o, dict) and o.get("service") == service and
                re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\Z",
                         o.get("time", "")) and
                o.get("level") in ("error", "warn", "info", "debug")):
            good = False
            ok(False, "%s: time, level, service on every line" % what, line)
            break
        objs.append(o)
    if good:
        ok(True, "%s: every line is a JSON object with time, level and "
           "service (%d lines)" % (what, len(lines)))
    return objs


def keybroker():
    print("# keybroker-server")
    ta, rv = os.path.join(W, "ta.json"), os.path.join(W, "rv.json")
    good = os.path.join(W, "good.cbor")
    token_for(os.urandom(64), good)
    run([os.path.join(BIN, "ccatoken"), "golden", "-e", good, "-c",
         os.path.join(DEMO, "cpak.jwk.json"), "-t", ta, "-r", rv])
    claims = json.load(open(os.path.join(DEMO, "claims.json")))
    rim = claims["cca-realm-claims"]["cca-realm-initial-measurement"] \
        if "cca-realm-claims" in claims else \
        re.search(r'"cca-realm-initial-measurement": *"([^"]*)"',
                  open(os.path.join(DEMO, "claims.json")).read()).group(1)
    rims = os.path.join(W, "rims.json")
    json.dump({"reference-values": [rim]}, open(rims, "w"))
    # A realm the policy refuses: another RIM.
    bad_claims = os.path.join(W, "bad-claims.json")
    text = open(os.path.join(DEMO, "claims.json")).read()
    other = base64.b64encode(os.urandom(len(base64.b64decode(rim)))).decode()
    open(bad_claims, "w").write(text.replace(rim, other))
    secret = "ops-test-secret-" + os.urandom(12).hex()
    sfile = os.path.join(W, "skywalker")
    with open(sfile, "w") as f:
        f.write(secret)
    os.chmod(sfile, 0o600)
    mport = free_port()
    s = Server("keybroker-server",
               ["--db", os.path.join(W, "kb.db"), "--trust-anchors", ta,
                "--reference-values", rims, "--secret", "skywalker=" + sfile,
                "--metrics-listen", "127.0.0.1:%d" % mport, "-v",
                "--log-format", "json"], "kb")
    murl = "http://127.0.0.1:%d" % mport
    # Off on the public listener without --metrics.
    ok(http("GET", s.url + "/metrics")[0] == 404,
       "keybroker-server: no /metrics on its listener without --metrics")
    ok(http("GET", s.url + "/")[0] == 404,
       "keybroker-server: no status page on its listener without --metrics")
    # The demo app: released.
    app = [os.path.join(BIN, "keybroker-app"), "-e", s.url, "--attester",
           "emulated", "--platform-key", os.path.join(DEMO, "cpak.pem"),
           "--realm-key", os.path.join(DEMO, "rak.pem")]
    r = subprocess.run(app + ["--claims", os.path.join(DEMO, "claims.json"),
                              "skywalker"], capture_output=True)
    ok(r.returncode == 0 and r.stdout.decode().strip() == secret,
       "keybroker-app gets the secret", r.stderr.decode()[-300:])
    # Another RIM: denied.
    r = subprocess.run(app + ["--claims", bad_claims, "skywalker"],
                       capture_output=True)
    ok(r.returncode != 0, "keybroker-app with an unknown RIM is refused")
    # By hand, to know the nonce and the token: released.
    jwk = rsa_jwk()
    st, h, body = http("POST", s.url + "/keys/v1/key/skywalker",
                       json.dumps({"pubkey": jwk}).encode(),
                       {"Content-Type": "application/json"})
    ok(st == 201, "key request: 201", str(st))
    nonce = unb64(json.loads(body)["challenge"])
    loc = h["Location"]
    tok = token_for(nonce, os.path.join(W, "t.cbor"))
    st, _, body = http("POST", loc, b64url(tok).encode(),
                       {"Content-Type": CCA_MT})
    ok(st == 200, "evidence: 200", str(st))
    wrapped = json.loads(body).get("data", "") if st == 200 else ""
    # A challenge left outstanding, and a 404.
    st, _, body = http("POST", s.url + "/keys/v1/key/skywalker",
                       json.dumps({"pubkey": jwk}).encode(),
                       {"Content-Type": "application/json"})
    nonce2 = unb64(json.loads(body)["challenge"])
    http("POST", s.url + "/keys/v1/key/nosuchkey",
         json.dumps({"pubkey": jwk}).encode(),
         {"Content-Type": "application/json"})

    # The last request (the 404) counted too.
    fams = scrape_when(murl, lambda f: val(
        f, "ccakit_http_requests_total", route="/keys/v1/key/{}",
        method="POST", status="404") is not None)
    version = run([os.path.join(BIN, "keybroker-server"), "--version"]
                  ).stdout.decode().split()[-1]
    ok(val(fams, "ccakit_build_info", service="keybroker-server",
           version=version) == 1, "build_info{service, version} 1")
    key_route = "/keys/v1/key/{}"
    ev_route = "/keys/v1/evidence/{}"
    n201 = val(fams, "ccakit_http_requests_total", route=key_route,
               method="POST", status="201")
    ok(n201 == 4, "requests_total{key route, 201} = 4", str(n201))
    ok(val(fams, "ccakit_http_requests_total", route=key_route,
           method="POST", status="404") == 1, "requests_total{404} = 1")
    ok(val(fams, "ccakit_http_requests_total", route=ev_route,
           method="POST", status="200") == 2, "requests_total{evidence, 200}"
       " = 2")
    ok(val(fams, "ccakit_http_requests_total", route=ev_route,
           method="POST", status="403") == 1, "requests_total{evidence, 403}"
       " = 1")
    ok(val(fams, "ccakit_http_requests_total", route="none", method="GET",
           status="404") == 2, "requests_total{route none, GET, 404} = 2 "
       "(/metrics and / on the public listener)")
    ok(val(fams, "ccakit_http_request_duration_seconds", "_count",
           route=ev_route, method="POST", status="200") == 2,
       "request_duration_seconds histogram by route and status")
    res = dict((lab["result"], v) for lab, v in
               fams["ccakit_attestations_total"].series())
    ok(sum(res.values()) == 3 and res.get("affirming", 0) +
       res.get("warning", 0) == 3, "attestations_total: 3, by result",
       str(res))
    ok(val(fams, "ccakit_attestation_decisions_total",
           decision="released") == 2 and
       val(fams, "ccakit_attestation_decisions_total",
           decision="denied") == 1, "decisions: 2 released, 1 denied")
    ok(val(fams, "ccakit_policy_evaluation_seconds", "_count") == 3,
       "policy_evaluation_seconds: 3 evaluations")
    ok(val(fams, "ccakit_store_entries", store="challenges") == 1,
       "store_entries{challenges} = 1 (one outstanding)",
       str(val(fams, "ccakit_store_entries", store="challenges")))
    ok(val(fams, "ccakit_platform_token_cache_lookups_total",
           result="hit") == 0, "platform_token_cache_lookups_total{hit}")
    # The status page on the metrics listener.
    st, h, page = http("GET", murl + "/")
    page = page.decode()
    ok(st == 200 and h.get("Content-Type", "").startswith("text/html"),
       "status page on --metrics-listen: 200 text/html")
    ok("<script" not in page.lower() and not re.search(
        r'(src|href)="(https?:)?//', page),
       "status page: no script, nothing loaded from elsewhere")
    ok("default-src 'none'" in h.get("Content-Security-Policy", ""),
       "status page: Content-Security-Policy default-src 'none'")
    ok("keybroker-server" in page and "released" in page and
       "denied" in page and "key skywalker" in page,
       "status page: the service, its attestations and decisions")
    st = s.stop()
    ok(st == 0, "keybroker-server exits cleanly", str(st))

    lines = s.lines()
    objs = json_lines(lines, "keybroker-server", "keybroker-server log")
    reqs = [o for o in objs if "req" in o]
    ids = [o["req"] for o in reqs]
    ok(len(reqs) >= 11 and len(set(ids)) == len(ids),
       "a line per request, each with its own id (%d)" % len(reqs))
    ok(all(isinstance(o.get("status"), int) and
           isinstance(o.get("ms"), (int, float)) and o.get("method") and
           o.get("path") for o in reqs),
       "request lines: status, ms, method, path")
    ev = [o for o in reqs if o.get("route") == ev_route]
    outs = sorted(o.get("outcome", "") for o in ev)
    ok(len(ev) == 3 and sum(x.endswith("/released") for x in outs) == 2 and
       sum(x.endswith("/denied") for x in outs) == 1,
       "evidence lines: the route and the outcome", str(outs))
    leaks = [secret, wrapped] + forms(nonce) + forms(nonce2) + forms(tok) + \
        [jwk["n"], b64url(tok)[:40], secret.encode().hex()]
    no_leaks(lines, leaks, "keybroker-server JSON log")

    # Text format, --metrics on the public listener.
    s = Server("keybroker-server",
               ["--db", os.path.join(W, "kb2.db"), "--trust-anchors", ta,
                "--reference-values", rims, "--secret", "skywalker=" + sfile,
                "--metrics", "-v", "--log-format", "text"], "kb2")
    st, _, body = http("POST", s.url + "/keys/v1/key/skywalker",
                       json.dumps({"pubkey": jwk}).encode(),
                       {"Content-Type": "application/json"})
    nonce3 = unb64(json.loads(body)["challenge"])
    ok(http("GET", s.url + "/metrics")[0] == 200,
       "--metrics: /metrics on the service's listener")
    ok(http("GET", s.url + "/")[0] == 200,
       "--metrics: the status page on the service's listener")
    s.stop()
    lines = s.lines()
    pat = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z "
                     r"keybroker-server\[info\]: req=\d+ POST "
                     r"/keys/v1/key/skywalker status=201 bytes=\d+ "
                     r"ms=\d+\.\d route=/keys/v1/key/\{\} challenge=\d+ "
                     r"key=skywalker nonce=sha256:[0-9a-f]{8}/64\Z")
    ok(any(pat.match(x) for x in lines), "text request line",
       "\n".join(lines[-4:]))
    no_leaks(lines, forms(nonce3) + [secret], "keybroker-server text log")

    # A verifier URL's user information is not shown.
    pw = "pw-" + os.urandom(8).hex()
    s = Server("keybroker-server",
               ["--db", os.path.join(W, "kb3.db"), "--verifier",
                "http://ops:%s@127.0.0.1:9/v?token=%s" % (pw, pw),
                "--metrics"], "kb3")
    st, _, page = http("GET", s.url + "/")
    s.stop()
    ok(st == 200 and "http://***@127.0.0.1:9/v" in page.decode() and
       pw not in page.decode(), "status page: a URL without its password")

    # Bad values of the flags.
    for args, why in ((["--metrics-listen", "localhost:9100"], "ADDRESS"),
                      (["--metrics-listen", "127.0.0.1"], "ADDRESS"),
                      (["--metrics-listen", "[::1]:99999"], "ADDRESS"),
                      (["--log-format", "xml"], "text or json")):
        r = subprocess.run([os.path.join(BIN, "keybroker-server")] + args,
                           capture_output=True)
        ok(r.returncode == 1 and why in r.stderr.decode(),
           "keybroker-server %s: exit 1, says why" % " ".join(args),
           r.stderr.decode())


def verifier():
    print("# cca-verifier")
    ta, rv = os.path.join(W, "ta.json"), os.path.join(W, "rv.json")
    ptok = "prov-" + os.urandom(16).hex()
    pfile = os.path.join(W, "prov-token")
    with open(pfile, "w") as f:
        f.write(ptok + "\n")
    os.chmod(pfile, 0o600)
    s = Server("cca-verifier",
               ["--db", os.path.join(W, "v.db"),
                "--provisioning-token-file", pfile, "--metrics", "-v",
                "--log-format", "json"], "cvs")
    auth = {"Authorization": "Bearer " + ptok,
            "Content-Type": "application/json"}
    for path, f in (("trust-anchors", ta), ("reference-values", rv)):
        st, _, _ = http("POST", s.url + "/provisioning/v1/" + path,
                        open(f, "rb").read(), auth)
        ok(st == 201, "provision %s: 201" % path, str(st))
    # A session by hand: the nonce, the token and the EAR are known.
    st, h, body = http("POST", s.url +
                       "/challenge-response/v1/newSession?nonceSize=64")
    ok(st == 201, "newSession: 201", str(st))
    nonce = base64.b64decode(json.loads(body)["nonce"])
    loc = h["Location"]
    if not loc.startswith("http"):
        loc = s.url + "/challenge-response/v1/" + loc
    tok = token_for(nonce, os.path.join(W, "v.cbor"))
    st, _, body = http("POST", loc, tok, {"Content-Type": CCA_MT,
                                          "Accept": SESSION_MT})
    ok(st == 200, "evidence: 200", str(st))
    ear = json.loads(body).get("result", "") if st == 200 else ""
    # Evidence that is not a token: an attestation without a result?
    st, h, body = http("POST", s.url + "/challenge-response/v1/newSession")
    loc2 = h["Location"]
    if not loc2.startswith("http"):
        loc2 = s.url + "/challenge-response/v1/" + loc2
    st, _, _ = http("POST", loc2, b"\xd9\x01\x8f\xa0",
                    {"Content-Type": CCA_MT, "Accept": SESSION_MT})

    fams = scrape(s.url)
    ok(val(fams, "ccakit_http_requests_total",
           route="/challenge-response/v1/newSession", method="POST",
           status="201") == 2, "requests_total{newSession, 201} = 2")
    res = dict((lab["result"], v) for lab, v in
               fams["ccakit_attestations_total"].series())
    ok(res.get("affirming") == 1 and sum(res.values()) == 2,
       "attestations_total: affirming 1, and the bad evidence", str(res))
    ok(val(fams, "ccakit_store_entries", store="trust_anchors") == 1 and
       val(fams, "ccakit_store_entries", store="reference_values") >= 1 and
       val(fams, "ccakit_store_entries", store="sessions") == 2,
       "store_entries: trust anchors, reference values, sessions")
    st, h, page = http("GET", s.url + "/")
    page = page.decode()
    ok(st == 200 and "cca-verifier" in page and "affirming" in page and
       "instance-identity" in page, "status page: outcomes, trust vectors")
    ok(ptok not in page, "status page: not the provisioning token")
    st = s.stop()
    ok(st == 0, "cca-verifier exits cleanly", str(st))
    lines = s.lines()
    objs = json_lines(lines, "cca-verifier", "cca-verifier log")
    ev = [o for o in objs if o.get("route") ==
          "/challenge-response/v1/session/{}" and o.get("method") == "POST"]
    ok(sorted(o.get("outcome") for o in ev) == ["affirming",
                                               "contraindicated"],
       "evidence lines: the outcome", str([o.get("outcome") for o in ev]))
    ear_parts = ear.split(".") if ear else []
    no_leaks(lines, [ptok, ear] + ear_parts[1:] + forms(nonce) +
             forms(tok)[2:] + [b64url(tok)[:40]], "cca-verifier JSON log")


def main():
    try:
        keybroker()
        verifier()
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        if os.environ.get("KEEP"):
            print("# kept " + W)
        else:
            shutil.rmtree(W, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
