"""Helpers for the ccakit-agent tests: ccakit's kbs with the CCA verifier
(stores made from the emulated realm's golden token), ccakit-agent with the
emulated realm, both as separate processes on loopback, a fault-injecting
proxy standing in for a hostile KBS, and the kbs's /metrics counters.
Builds on the kbs tests' helpers (tests/kbs/kbslib.py).

Environment: CCAKIT_BIN (build/bin), CCAKIT_SRCDIR (the source tree).
"""
import http.client
import http.server
import json
import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "kbs"))
from kbslib import *  # noqa: E402,F401,F403
import kbslib  # noqa: E402

AGENT = os.path.join(kbslib.BIN, "ccakit-agent")
KBS_CLIENT = os.path.join(kbslib.BIN, "kbs-client")
DEMO = os.path.join(kbslib.SRC, "demo")
EMULATED = ["--attester", "emulated",
            "--claims", os.path.join(DEMO, "claims.json"),
            "--platform-key", os.path.join(DEMO, "cpak.pem"),
            "--realm-key", os.path.join(DEMO, "rak.pem")]

KBS_CONFIG = """
[admin]
authorization_mode = "InsecureAllowAll"

[attestation_token]
insecure_header_jwk = true

[[plugins]]
name = "resource"
"""


def cca_config(wd):
    """CCA_CONFIG_FILE for the kbs: trust anchors and reference values
    from a golden token of the emulated realm (ccatoken golden)."""
    p = os.path.join(wd.path, "cca.json")
    if os.path.exists(p):
        return p
    ev = kbslib.cca_evidence(wd, b"", fmt="907")
    tok = wd.file("golden.cbor", bytes(ev["token"]))
    subprocess.run([kbslib.CCATOKEN, "golden", "-e", tok, "-c",
                    os.path.join(DEMO, "cpak.jwk.json"), "-t",
                    os.path.join(wd.path, "ta.json"), "-r",
                    os.path.join(wd.path, "rv.json")], check=True,
                   stdout=subprocess.DEVNULL)
    return wd.file("cca.json", json.dumps({"cca-verifier": {
        "type": "local", "ta-store": os.path.join(wd.path, "ta.json"),
        "rv-store": os.path.join(wd.path, "rv.json")}}))


def kbs(wd, config=KBS_CONFIG, name="kbs", **kw):
    env = {"CCA_CONFIG_FILE": cca_config(wd)}
    env.update(kw.pop("env", {}))
    return kbslib.Server(wd, config, name=name, env=env, **kw)


def metric(server, name):
    """The sum of a counter over its labels in the kbs's /metrics."""
    st, _, d = server.request("GET", "/metrics")
    total = 0.0
    for line in d.decode().splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def attests(server):
    return int(metric(server, "kbs_attestation_requests_total"))


def url_of(server):
    return "%s://127.0.0.1:%d" % ("https" if server.tls else "http",
                                  server.port)


def clean_env(extra=None):
    e = dict(os.environ)
    for k in ("AA_KBC_PARAMS", "KBS_CERT"):
        e.pop(k, None)
    e.update(extra or {})
    return e


class Agent:
    """ccakit-agent on loopback (port 0 unless bind says otherwise)."""

    def __init__(self, wd, args=(), env=None, name="agent", kbs=None,
                 features="all", emulated=True, bind="127.0.0.1:0",
                 cmdline=None, expect_fail=False):
        self.wd = wd
        self.name = name
        self.port_file = os.path.join(wd.path, name + ".port")
        self.log = os.path.join(wd.path, name + ".log")
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        cmd = [AGENT, "--bind", bind, "--port-file", self.port_file, "-v",
               "--cmdline", cmdline or "/dev/null"]
        if features is not None:
            cmd += ["--features", features]
        if emulated:
            cmd += EMULATED
        if kbs is not None:
            cmd += ["--kbs-url", url_of(kbs)]
        cmd += list(args)
        self.cmd = cmd
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                     stderr=open(self.log, "w"),
                                     env=clean_env(env))
        if expect_fail:
            self.rc = self.proc.wait(timeout=30)
            return
        for _ in range(400):
            if os.path.exists(self.port_file):
                with open(self.port_file) as f:
                    t = f.read().strip()
                if t:
                    self.port = int(t)
                    return
            if self.proc.poll() is not None:
                raise RuntimeError("agent exited: " + self.logtext())
            time.sleep(0.025)
        raise RuntimeError("agent did not start: " + self.logtext())

    def logtext(self):
        with open(self.log) as f:
            return f.read()

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def request(self, method, path, body=None, headers=None, host=None,
                timeout=120):
        c = http.client.HTTPConnection(host or "127.0.0.1", self.port,
                                       timeout=timeout)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, dict(r.getheaders()), data

    def get(self, path, **kw):
        return self.request("GET", path, **kw)


def sanitized(path=None):
    """Whether the binary is built with AddressSanitizer, whose quarantine
    keeps freed memory resident (RSS checks mean nothing then; its leak
    checker runs at exit instead)."""
    with open(path or AGENT, "rb") as f:
        data = f.read()
    return b"__asan_init" in data or b"libasan" in data


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick


# --- a KBS that misbehaves on request ---

class Proxy:
    """An HTTP proxy in front of a kbs that counts what it forwards and
    misbehaves on demand. fault(kind, path_part, times) arms a fault for
    the next `times` requests whose path contains path_part:
      "500"      an empty 500 reply
      "500json"  a 500 with a Trustee error body
      "hang"     accept and never answer (until the proxy stops)
      "close"    close the connection without a reply
      "huge"     a 200 with a 64 MiB body
      "garbage"  a 200 with a body that is not JSON
      "badjwe"   the kbs's reply with its ciphertext altered
      "401"      401 TokenVerifierError without asking the kbs
      "badtoken" a 200 {"token": "<not a JWT the kbs signed>"}
    """

    def __init__(self, upstream):
        self.upstream = upstream
        self.faults = []
        self.count = {}
        self.lock = threading.Lock()
        self.hanging = threading.Event()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_any(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                path = self.path.split("?")[0]
                with proxy.lock:
                    key = path.rsplit("/", 1)[-1] if "/kbs/v0/" in path \
                        else path
                    if "/kbs/v0/resource/" in path:
                        key = "resource"
                    proxy.count[key] = proxy.count.get(key, 0) + 1
                    f = None
                    for i, (kind, part, times) in enumerate(proxy.faults):
                        if part in path and times > 0:
                            proxy.faults[i] = (kind, part, times - 1)
                            f = kind
                            break
                if f == "hang":
                    proxy.hanging.wait(120)
                    self.close_connection = True
                    return
                if f == "close":
                    self.close_connection = True
                    try:
                        self.connection.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    return
                if f == "500":
                    return self.reply(500, b"", None)
                if f == "500json":
                    return self.reply(500, json.dumps({
                        "type": kbslib.ERR + "InternalError",
                        "detail": "simulated failure"}).encode(), None)
                if f == "401":
                    return self.reply(401, json.dumps({
                        "type": kbslib.ERR + "TokenVerifierError",
                        "detail": "Token Verifier error"}).encode(), None)
                if f == "huge":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(64 << 20))
                    self.end_headers()
                    try:
                        chunk = b"A" * (1 << 20)
                        for _ in range(64):
                            self.wfile.write(chunk)
                    except OSError:
                        pass
                    self.close_connection = True
                    return
                if f == "garbage":
                    return self.reply(200, b"<html>not json</html>",
                                      "text/html")
                if f == "badtoken":
                    return self.reply(200, json.dumps({
                        "token": "eyJhbGciOiJFUzI1NiJ9.eyJleHAiOjF9.c2ln"
                    }).encode(), "application/json")
                hdrs = {k: v for k, v in self.headers.items()
                        if k.lower() not in ("host", "content-length",
                                             "connection")}
                c = http.client.HTTPConnection("127.0.0.1",
                                               proxy.upstream.port,
                                               timeout=60)
                c.request(self.command, self.path, body=body or None,
                          headers=hdrs)
                r = c.getresponse()
                data = r.read()
                rh = r.getheaders()
                c.close()
                if f == "badjwe" and r.status == 200:
                    j = json.loads(data)
                    ct = j["ciphertext"]
                    j["ciphertext"] = ("B" if ct[0] != "B" else "C") + ct[1:]
                    data = json.dumps(j).encode()
                self.send_response(r.status)
                for k, v in rh:
                    if k.lower() not in ("content-length", "connection",
                                         "date", "server",
                                         "transfer-encoding"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def reply(self, status, data, ctype):
                self.send_response(status)
                if ctype:
                    self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_any

        class Srv(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.srv = Srv(("127.0.0.1", 0), Handler)
        self.port = self.srv.server_address[1]
        self.tls = False
        self.thread = threading.Thread(target=self.srv.serve_forever,
                                       daemon=True)
        self.thread.start()

    def fault(self, kind, part, times=1):
        with self.lock:
            self.faults.append((kind, part, times))

    def clear(self):
        with self.lock:
            self.faults = []
            self.count = {}

    def n(self, key):
        with self.lock:
            return self.count.get(key, 0)

    def release(self):
        """Let the hanging requests go (they close without a reply)."""
        self.hanging.set()
        time.sleep(0.2)
        self.hanging.clear()

    def stop(self):
        self.hanging.set()
        self.srv.shutdown()
        self.srv.server_close()
