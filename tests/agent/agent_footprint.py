#!/usr/bin/python3
"""ccakit-agent's footprint (docs/agent.md, "Footprint"): the stripped
binary against the 512 KiB target and the shared libraries it needs;
the start-up time to the first answered request; resident memory idle,
after 1,000 and after 2,000 resource fetches from 8 clients against
ccakit's kbs, which must not grow between the last two (no leak). The
figures are printed; a sanitizer build is measured for the leak check
only. RSS counts the pages of shared libraries the process maps (most of
it); PSS and private memory are printed beside it."""
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentlib import *  # noqa: E402,F403

TARGET_STRIPPED = 512 * 1024
LEAK_KIB = 384


def mem(pid):
    """RSS, PSS and private (clean + dirty) memory in KiB."""
    v = {}
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            k, _, rest = line.partition(":")
            if rest.strip().endswith("kB"):
                v[k] = int(rest.split()[0])
    return (v.get("Rss", 0), v.get("Pss", 0),
            v.get("Private_Clean", 0) + v.get("Private_Dirty", 0))


def load(ag, n, clients=8):
    bad = []

    def run():
        c = http.client.HTTPConnection("127.0.0.1", ag.port, timeout=60)
        for _ in range(n // clients):
            c.request("GET", "/cdh/resource/default/key/1")
            r = c.getresponse()
            if r.read() != b"footprint":
                bad.append(r.status)
        c.close()
    ts = [threading.Thread(target=run) for _ in range(clients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return bad


wd = Workdir()
srv = kbs(wd)
agents = []
try:
    asan = sanitized(AGENT)
    # --- the binary ---
    size = os.path.getsize(AGENT)
    if shutil.which("strip"):
        tmp = os.path.join(wd.path, "ccakit-agent.stripped")
        subprocess.run(["strip", "-o", tmp, AGENT], check=True)
        stripped = os.path.getsize(tmp)
        print("binary: %d bytes, stripped %d bytes (%.0f KiB; target 512 "
              "KiB)" % (size, stripped, stripped / 1024))
        if not asan:
            check(stripped <= TARGET_STRIPPED, "stripped binary %d <= %d" %
                  (stripped, TARGET_STRIPPED))
    else:
        print("note: no strip here; binary %d bytes" % size)
    if shutil.which("ldd"):
        libs = subprocess.run(["ldd", AGENT], capture_output=True,
                              text=True).stdout.split("\n")
        names = sorted(x.split()[0] for x in libs if x.strip())
        print("shared libraries (%d): %s" % (len(names), " ".join(names)))

    # --- start-up: spawn to the first answered request ---
    set_resource(srv, "default/key/1", b"footprint")
    times = []
    for i in range(5):
        pf = os.path.join(wd.path, "start.port")
        if os.path.exists(pf):
            os.unlink(pf)
        t0 = time.monotonic()
        p = subprocess.Popen([AGENT, "--bind", "127.0.0.1:0", "--port-file",
                              pf, "--cmdline", "/dev/null", "--kbs-url",
                              url_of(srv)] + EMULATED,
                             stderr=subprocess.DEVNULL, env=clean_env())
        ok = False
        while time.monotonic() - t0 < 20 and not ok:
            if os.path.exists(pf) and open(pf).read().strip():
                try:
                    c = http.client.HTTPConnection(
                        "127.0.0.1", int(open(pf).read()), timeout=5)
                    c.request("GET", "/info")
                    ok = c.getresponse().status == 200
                    c.close()
                except OSError:
                    pass
            if not ok:
                time.sleep(0.002)
        times.append(time.monotonic() - t0)
        p.terminate()
        p.wait()
        check(ok, "start %d answered" % i)
    times.sort()
    print("start-up to the first answered request: median %.1f ms (min "
          "%.1f, max %.1f; 5 starts, emulated realm)" %
          (1e3 * times[2], 1e3 * times[0], 1e3 * times[-1]))
    check(times[2] < 5, "starts in under 5 s")

    # --- memory ---
    ag = Agent(wd, kbs=srv, features="all")
    agents.append(ag)
    time.sleep(0.3)
    idle = mem(ag.proc.pid)
    bad = load(ag, 1000)
    m1 = mem(ag.proc.pid)
    bad += load(ag, 1000)
    m2 = mem(ag.proc.pid)
    check(not bad, "2,000 fetches released the secret (%d failed)" %
          len(bad))
    for what, m in [("idle", idle), ("after 1,000 fetches", m1),
                    ("after 2,000 fetches", m2)]:
        print("memory %-20s RSS %6d KiB  PSS %6d KiB  private %6d KiB" %
              ((what,) + m))
    if asan:
        print("note: AddressSanitizer build: its quarantine holds freed "
              "memory, no RSS check (LeakSanitizer checks at exit)")
    else:
        check(m2[0] - m1[0] <= LEAK_KIB, "no growth from 1,000 to 2,000 "
              "fetches: %+d KiB" % (m2[0] - m1[0]))
    st, _, d = ag.get("/info")
    check(st == 200, "alive after the load")
    print("RSS target 8 MiB (8192 KiB): %s" % (
        "met" if m2[0] <= 8192 else "not met; see docs/agent.md"))
    check(ag.stop() == 0, "exits 0")
finally:
    for a in agents:
        a.stop()
    srv.stop()
    if kbslib.failed == 0:
        wd.cleanup()
    else:
        print("logs in", wd.path)
finish()
