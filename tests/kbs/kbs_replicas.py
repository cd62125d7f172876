#!/usr/bin/python3
"""Two kbs replicas on one PostgreSQL database (started by
tests/pg/pgctl.sh run, which gives CCAKIT_PG_URL): /auth at one replica,
/attest and the resource at the other, with the sample TEE and with CCA
evidence from the emulated realm; tokens of either replica accepted by
both (one signing key in the database); resources, policies and
reference values written at one, used at the other; concurrent /attest of
one session at both replicas gives one token."""
import json
import os
import subprocess
import sys
import threading
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kbslib  # noqa: E402
from kbslib import *  # noqa: E402,F403

url = os.environ.get("CCAKIT_PG_URL")
if not url:
    print("skipped: no PostgreSQL (run under tests/pg/pgctl.sh run)")
    sys.exit(77)
u = urllib.parse.urlparse(url)
wd = Workdir()

# golden stores for the emulated realm
ev = cca_evidence(wd, b"")
tok = wd.file("golden.cbor", bytes(ev["token"]))
subprocess.run([CCATOKEN, "golden", "-e", tok, "-c",
                os.path.join(SRC, "demo/cpak.jwk.json"), "-t",
                os.path.join(wd.path, "ta.json"), "-r",
                os.path.join(wd.path, "rv.json")], check=True,
               stdout=subprocess.DEVNULL)
cca = wd.file("cca.json", json.dumps({"cca-verifier": {
    "type": "local", "ta-store": os.path.join(wd.path, "ta.json"),
    "rv-store": os.path.join(wd.path, "rv.json")}}))

BASE = """
[admin]
authorization_mode = "InsecureAllowAll"
[attestation_token]
insecure_header_jwk = false
[[plugins]]
name = "resource"
"""
# Replica A: Trustee's keys; replica B: POSTGRES_URL (as Trustee reads it).
A = Server(wd, BASE + """
[storage_backend]
storage_type = "Postgres"
[storage_backend.backends.postgres]
db = "%s"
username = "%s"
host = "%s"
port = %d
""" % (u.path.lstrip("/"), u.username, u.hostname, u.port), name="a",
           env={"CCA_CONFIG_FILE": cca})
B = Server(wd, BASE + '[storage_backend]\nstorage_type = "postgres"\n',
           name="b", env={"CCA_CONFIG_FILE": cca, "POSTGRES_URL": url})
try:
    set_resource(A, "one/two/three", b"replicated")
    for tee in ["sample", "cca"]:
        g = Guest(A, tee=tee)
        st, _, _ = g.auth()
        check(st == 200, "%s: auth at A" % tee)
        g.s = B
        st, _, d = g.attest(make=(lambda dg: cca_evidence(wd, dg))
                            if tee == "cca" else None)
        check(st == 200, "%s: attest at B: %s" % (tee, d[:200]))
        if tee == "sample":
            check(error_of(*g.resource("one/two/three")[::2])[1] ==
                  "PolicyDeny", "default policy at B denies the sample")
            check(set_resource_policy(A, read(os.path.join(
                SRC, "services/kbs/policies/resource/allow_all.rego")))[0]
                == 200, "policy set at A")
        st, pt, _ = g.resource("one/two/three")
        check(st == 200 and pt == b"replicated",
              "%s: resource at B by the session cookie" % tee)
        g.s = A
        st, pt, _ = g.resource("one/two/three")
        check(st == 200 and pt == b"replicated",
              "%s: the same session at A" % tee)
        st, pt, _ = g.resource("one/two/three", bearer=g.token,
                               cookie=False)
        check(st == 200 and pt == b"replicated",
              "%s: B's token accepted at A (shared key)" % tee)
    # Reference values at B, appraisal at A.
    set_refval(B, "svn", ["1"])
    set_refval(B, "launch_digest", ["abcde"])
    set_refval(B, "major_version", 1)
    set_refval(B, "minimum_minor_version", 1)
    g = Guest(A)
    g.auth()
    g.attest()
    check(token_claims(g.token)["submods"]["cpu0"]["ear.status"] ==
          "affirming", "reference values registered at B, used at A")
    # Concurrent /attest of one session at both replicas: one token.
    for _ in range(5):
        g = Guest(A)
        g.auth()
        digest = g.runtime_digest()
        res = {}

        def go(srv, k):
            q = Guest(srv, key=g.key)
            q.cookie, q.nonce = g.cookie, g.nonce
            res[k] = q.attest(evidence=sample_evidence(digest))
        ts = [threading.Thread(target=go, args=(A, "a")),
              threading.Thread(target=go, args=(B, "b"))]
        [t.start() for t in ts]
        [t.join() for t in ts]
        ok = [r for r in res.values() if r[0] == 200]
        check(len(ok) == 2 and json.loads(ok[0][2])["token"] ==
              json.loads(ok[1][2])["token"],
              "concurrent attest at A and B: one token %s" %
              [r[0] for r in res.values()])
finally:
    A.stop()
    B.stop()
    if kbslib.failed:
        print(A.logtext()[-2000:])
        print(B.logtext()[-2000:])
    wd.cleanup()
finish()
