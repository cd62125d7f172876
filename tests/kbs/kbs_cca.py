#!/usr/bin/python3
"""kbs over loopback with Arm CCA evidence from the emulated realm
(ccatoken create), built as guest-components builds it: the SHA-384 of the
RFC 8785 runtime data, zero-padded to 64 bytes, is the realm challenge;
the evidence is {"token": [bytes]}. Verified locally with the stores that
CCA_CONFIG_FILE names. Collections 399 and 907, the 2023, 2024 and legacy
profiles; the claims as Trustee's CCA verifier emits them; default_cpu
(contraindicated) and ccakit's cca.rego (affirming with RIM and RPV
registered); init-data bound to the RPV; every evidence failure."""
import base64
import copy
import hashlib
import json
import os
import subprocess
import time
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kbslib  # noqa: E402
from kbslib import *  # noqa: E402,F403

wd = Workdir()
CLAIMS = json.loads(read(os.path.join(SRC, "demo/claims.json")))


def claims_file(name, claims):
    return wd.file(name, json.dumps(claims))


def golden(cpak_jwk=os.path.join(SRC, "demo/cpak.jwk.json")):
    """ta.json and rv.json from a known-good emulated token."""
    ev = cca_evidence(wd, b"", fmt="907")
    tok = wd.file("golden.cbor", bytes(ev["token"]))
    subprocess.run([CCATOKEN, "golden", "-e", tok, "-c", cpak_jwk, "-t",
                    os.path.join(wd.path, "ta.json"), "-r",
                    os.path.join(wd.path, "rv.json")], check=True,
                   stdout=subprocess.DEVNULL)


def cbor_head(b, i):
    """(major type, argument, next offset) of the CBOR item at b[i]."""
    mt, ai = b[i] >> 5, b[i] & 31
    if ai < 24:
        return mt, ai, i + 1
    n = {24: 1, 25: 2, 26: 4, 27: 8}[ai]
    return mt, int.from_bytes(b[i + 1:i + 1 + n], "big"), i + 1 + n


def split399(tok):
    """{key: bytes} of a tag-399 collection (platform 44234, realm 44241)."""
    mt, tag, i = cbor_head(tok, 0)
    assert mt == 6 and tag == 399
    mt, n, i = cbor_head(tok, i)
    out = {}
    for _ in range(n):
        _, k, i = cbor_head(tok, i)
        _, ln, i = cbor_head(tok, i)
        out[k] = tok[i:i + ln]
        i += ln
    return out


def bstr(b):
    n = len(b)
    if n < 24:
        return bytes([0x40 | n]) + b
    for ai, w in ((24, 1), (25, 2), (26, 4)):
        if n < 1 << (8 * w):
            return bytes([0x40 | ai]) + n.to_bytes(w, "big") + b


def join399(platform, realm):
    return (b"\xd9\x01\x8f\xa2\x19\xac\xca" + bstr(platform) +
            b"\x19\xac\xd1" + bstr(realm))


golden()
cca_conf = wd.file("cca.json", json.dumps({"cca-verifier": {
    "type": "local", "ta-store": os.path.join(wd.path, "ta.json"),
    "rv-store": os.path.join(wd.path, "rv.json")}}))
CONFIG = """
[admin]
authorization_mode = "InsecureAllowAll"

[attestation_token]
insecure_header_jwk = false

[[plugins]]
name = "resource"
"""
srv = Server(wd, CONFIG, env={"CCA_CONFIG_FILE": cca_conf})
FAIL = "Attestation error: RCAR handshake Attest failed: "


def cca_guest(fmt="907", claims=None, cpak=None, key=None):
    g = Guest(srv, tee="cca", key=key)
    st, _, _ = g.auth()
    check(st == 200, "auth")
    st, _, d = g.attest(make=lambda dg: cca_evidence(
        wd, dg, fmt=fmt, claims=claims, cpak=cpak))
    return g, st, d


try:
    set_resource(srv, "default/key/one", b"realm secret")
    # --- 907 and 399, default policy ---
    for fmt in ["907", "399"]:
        g, st, d = cca_guest(fmt)
        check(st == 200, "CCA %s attested: %s" % (fmt, d[:300]))
        if st != 200:
            continue
        cl = token_claims(g.token)
        cpu0 = cl["submods"]["cpu0"]
        ae = cpu0["ear.veraison.annotated-evidence"]
        check(sorted(ae.keys()) == ["cca", "init_data", "init_data_claims",
                                    "report_data", "runtime_data_claims"],
              "annotated evidence members %s" % list(ae.keys()))
        realm = CLAIMS["cca-realm-delegated-token"]
        plat = CLAIMS["cca-platform-token"]
        digest = g.runtime_digest()
        check(ae["report_data"] == (digest + b"\0" * 16).hex(),
              "report_data: hex of the 64-byte challenge")
        check(ae["init_data"] == base64.b64decode(
            realm["cca-realm-personalization-value"]).hex(),
            "init_data: hex of the RPV")
        check(ae["init_data_claims"] is None, "init_data_claims null")
        check(ae["cca"] == {
            "platform": {
                "cca-platform-implementation-id":
                    plat["cca-platform-implementation-id"],
                "cca-platform-instance-id": plat["cca-platform-instance-id"]},
            "realm": {
                "cca-realm-challenge": b64(digest + b"\0" * 16),
                "cca-realm-extensible-measurements":
                    realm["cca-realm-extensible-measurements"],
                "cca-realm-hash-algo-id": "sha-256",
                "cca-realm-initial-measurement":
                    realm["cca-realm-initial-measurement"],
                "cca-realm-personalization-value":
                    realm["cca-realm-personalization-value"]}},
            "cca claims %s" % json.dumps(ae["cca"]))
        check(cpu0["ear.trustworthiness-vector"]["hardware"] == 97 and
              cpu0["ear.status"] == "contraindicated",
              "default_cpu has no CCA rule: contraindicated")
        # Trustee's default resource policy releases to any non-sample
        # TEE, whatever the status.
        st, pt, d = g.resource("default/key/one")
        check(st == 200 and pt == b"realm secret", "default policy, CCA")
        st, pt, d = g.resource("default/key/one", bearer=g.token,
                               cookie=False)
        check(st == 200 and pt == b"realm secret", "Bearer, CCA")
    # --- profiles: 2024 and legacy ---
    c24 = copy.deepcopy(CLAIMS)
    p, r = c24["cca-platform-token"], c24["cca-realm-delegated-token"]
    p["cca-platform-profile"] = "tag:arm.com,2024:cca_platform#2.0.0"
    r["cca-realm-profile"] = "tag:arm.com,2024:realm#2.0.0"
    p["cca-platform-client-id"] = 1
    p["cca-platform-manufacturing-config"] = "AQID"
    p["cca-platform-extension"] = "gA=="
    p["cca-platform-tbb-rotpk"] = "gA=="
    p["cca-platform-peer-signers"] = "BAU="
    r["cca-realm-instance-id"] = p["cca-platform-instance-id"]
    r["cca-realm-mec-policy"] = "shared"
    g, st, d = cca_guest("907", claims=claims_file("c24.json", c24))
    check(st == 200, "2024 profiles accepted (Trustee: refused): %s" %
          d[:200])
    leg = copy.deepcopy(CLAIMS)
    leg["cca-platform-token"]["cca-platform-profile"] = \
        "http://arm.com/CCA-SSD/1.0.0"
    del leg["cca-realm-delegated-token"]["cca-realm-profile"]
    # A raw P-384 point (create replaces it with the RAK's).
    leg["cca-realm-delegated-token"]["cca-realm-public-key"] = b64(
        b"\4" + b"\0" * 96)
    g, st, d = cca_guest("399", claims=claims_file("leg.json", leg))
    check(st == 200, "legacy profiles, tag 399: %s" % d[:200])

    # --- ccakit's CCA policy: affirming with RIM and RPV ---
    check(set_as_policy(srv, read(os.path.join(
        SRC, "services/kbs/policies/as/cca.rego")))[0] == 200,
        "cca.rego as default_cpu")
    check(set_resource_policy(srv, read(os.path.join(
        SRC, "services/kbs/policies/resource/affirming.rego")))[0] == 200,
        "affirming.rego")
    g, st, d = cca_guest()
    cpu0 = token_claims(g.token)["submods"]["cpu0"]
    check(cpu0["ear.status"] == "warning" and
          cpu0["ear.trustworthiness-vector"]["executables"] == 33,
          "no reference values: warning")
    check(error_of(*g.resource("default/key/one")[::2])[1] == "PolicyDeny",
          "warning is not affirming")
    realm = CLAIMS["cca-realm-delegated-token"]
    set_refval(srv, "cca.realm.cca-realm-initial-measurement",
               [realm["cca-realm-initial-measurement"]])
    g, st, d = cca_guest()
    cpu0 = token_claims(g.token)["submods"]["cpu0"]
    check(cpu0["ear.status"] == "warning" and
          cpu0["ear.trustworthiness-vector"]["executables"] == 3,
          "RIM only: still warning (configuration 36)")
    set_refval(srv, "cca.realm.cca-realm-personalization-value",
               [realm["cca-realm-personalization-value"]])
    g, st, d = cca_guest()
    cpu0 = token_claims(g.token)["submods"]["cpu0"]
    check(cpu0["ear.status"] == "affirming" and
          cpu0["ear.trustworthiness-vector"] == {
              "instance-identity": 2, "configuration": 2, "executables": 3,
              "file-system": 0, "hardware": 2, "runtime-opaque": 2,
              "storage-opaque": 0, "sourced-data": 0},
          "RIM and RPV registered: affirming %s" % cpu0)
    st, pt, d = g.resource("default/key/one")
    check(st == 200 and pt == b"realm secret", "affirming releases")
    # Another RIM registered instead: warning again.
    set_refval(srv, "cca.realm.cca-realm-initial-measurement",
               [b64(b"\1" * 32)])
    g, st, d = cca_guest()
    check(token_claims(g.token)["submods"]["cpu0"]["ear.status"] ==
          "warning", "unknown RIM: warning")

    # --- init-data bound to the realm personalization value ---
    idata = 'version = "0.1.0"\nalgorithm = "sha384"\n[data]\n"k" = "v"\n'
    dg = hashlib.sha384(idata.encode()).digest()
    ci = copy.deepcopy(CLAIMS)
    ci["cca-realm-delegated-token"]["cca-realm-personalization-value"] = \
        b64(dg + b"\0" * 16)
    cf = claims_file("ci.json", ci)
    g = Guest(srv, tee="cca")
    g.auth()
    st, _, d = g.attest(make=lambda x: cca_evidence(wd, x, claims=cf),
                        init_data={"format": "toml", "body": idata})
    check(st == 200, "init-data (sha384, padded) matches the RPV: %s" %
          d[:200])
    if st == 200:
        ae = token_claims(g.token)["submods"]["cpu0"][
            "ear.veraison.annotated-evidence"]
        check(ae["init_data_claims"] == {"k": "v"}, "init_data_claims")
    g = Guest(srv, tee="cca")
    g.auth()
    st, _, d = g.attest(make=lambda x: cca_evidence(wd, x, claims=cf),
                        init_data={"format": "toml", "body": idata + " "})
    e = error_of(st, d)
    check(e[1] == "AttestationError" and "init data hash is different" in
          e[2], "init-data not the RPV: %s" % (e,))

    # --- evidence failures ---
    def fails(why, evidence=None, make=None, g=None):
        if g is None:
            g = Guest(srv, tee="cca")
            g.auth()
        st, _, d = g.attest(evidence=evidence, make=make)
        e = error_of(st, d)
        check(st == 401 and e[1] == "AttestationError" and
              e[2].startswith(FAIL + "verify TEE evidence failed"),
              "%s: %s" % (why, e))

    def tampered(dg):
        ev = cca_evidence(wd, dg)
        ev["token"][-5] ^= 1
        return ev
    fails("tampered evidence (signature)", make=tampered)
    # Bound to another TEE key: the realm challenge differs.
    other = TeeKey()

    def wrong_binding(dg):
        return cca_evidence(wd, hashlib.sha384(jcs({
            "tee-pubkey": other.pub, "nonce": "x",
            "additional-evidence": ""}).encode()).digest())
    fails("wrong binding", make=wrong_binding)
    # Challenge without zero padding / truncated digest
    fails("challenge of another hash",
          make=lambda dg: cca_evidence(wd, hashlib.sha512(dg).digest()))
    # An unknown platform key
    key = os.path.join(wd.path, "other-cpak.pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                    "ec_paramgen_curve:P-384", "-out", key], check=True,
                   stderr=subprocess.DEVNULL)
    fails("unknown CPAK", make=lambda dg: cca_evidence(wd, dg, cpak=key))
    # Platform reference values that do not match
    cp = copy.deepcopy(CLAIMS)
    cp["cca-platform-token"]["cca-platform-sw-components"][0][
        "version"] = "9.9.9"
    cpf = claims_file("cp.json", cp)
    fails("platform sw-components differ",
          make=lambda dg: cca_evidence(wd, dg, claims=cpf))
    fails("evidence as base64 text", make=lambda dg: {"token": b64(
        bytes(cca_evidence(wd, dg)["token"]))})
    fails("byte out of range", make=lambda dg: {"token": [256, 1]})
    fails("not a token", make=lambda dg: {"token": [1, 2, 3]})
    fails("no token member", make=lambda dg: {"tok": []})
    # A sample evidence for a cca session
    fails("sample evidence for CCA", make=sample_evidence)

    # --- the CCA configuration ---
    for name, conf, why in [
        ("remote.json", {"cca-verifier": {"type": "remote", "address":
                                           "http://127.0.0.1:1"}},
         "remote verification failed: discovery"),
        ("remote-bad.json", {"cca-verifier": {"type": "remote", "address":
                                               "ftp://x"}},
         "type \"remote\" with an \"address\""),
        ("bad.json", {"x": 1}, "not a CCA verifier configuration"),
        ("missing.json", None, "cannot read the CCA verifier"),
    ]:
        p = os.path.join(wd.path, name)
        if conf is not None:
            wd.file(name, json.dumps(conf))
        s2 = Server(wd, CONFIG, name="s-" + name,
                    env={"CCA_CONFIG_FILE": p})
        g = Guest(s2, tee="cca")
        g.auth()
        st, _, d = g.attest(make=lambda dg: cca_evidence(wd, dg))
        e = error_of(st, d)
        check(e[1] == "AttestationError" and why in e[2],
              "CCA_CONFIG_FILE %s: %s" % (name, e))
        s2.stop()
    # --- remote: ccakit's cca-verifier (Veraison's API) appraises the
    # token; the claims are the local verifier's ---
    g, st, d = cca_guest("907")
    local_ae = token_claims(g.token)["submods"]["cpu0"][
        "ear.veraison.annotated-evidence"] if st == 200 else {}
    vport = os.path.join(wd.path, "verifier.port")
    ver = subprocess.Popen([os.path.join(BIN, "cca-verifier"), "-q", "-p",
                            "0", "--port-file", vport, "--db",
                            os.path.join(wd.path, "verifier.db"),
                            "--trust-anchors", os.path.join(wd.path,
                                                            "ta.json"),
                            "--reference-values", os.path.join(wd.path,
                                                               "rv.json")],
                           stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if os.path.exists(vport) and read(vport).strip():
                break
            time.sleep(0.05)
        rconf = wd.file("remote-ok.json", json.dumps({"cca-verifier": {
            "type": "remote", "address": "http://127.0.0.1:%s" %
            read(vport).strip()}}))
        s3 = Server(wd, CONFIG, name="remote",
                    env={"CCA_CONFIG_FILE": rconf})
        for fmt in ("907", "399"):
            g = Guest(s3, tee="cca")
            g.auth()
            st, _, d = g.attest(make=lambda dg: cca_evidence(wd, dg,
                                                             fmt=fmt))
            check(st == 200, "remote %s attested: %r" % (fmt, d[:300]))
            if st != 200:
                continue
            ae = token_claims(g.token)["submods"]["cpu0"][
                "ear.veraison.annotated-evidence"]
            digest = g.runtime_digest()
            want = json.loads(json.dumps(local_ae.get("cca", {})))
            if want:
                want["realm"]["cca-realm-challenge"] = b64(digest +
                                                           b"\0" * 16)
            check(ae.get("cca") == want and ae.get("report_data") ==
                  (digest + b"\0" * 16).hex() and ae.get("init_data") ==
                  local_ae.get("init_data"),
                  "remote claims as the local verifier's: %s" %
                  json.dumps(ae.get("cca")))
        # a platform the verifier does not know
        g = Guest(s3, tee="cca")
        g.auth()
        other = wd.file("other-cpak.pem", subprocess.run(
            ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
             "ec_paramgen_curve:P-384"], capture_output=True,
            check=True).stdout)
        st, _, d = g.attest(make=lambda dg: cca_evidence(wd, dg,
                                                         cpak=other))
        e = error_of(st, d)
        check(e[1] == "AttestationError" and "did not find the platform "
              "affirming" in e[2], "remote: unknown CPAK refused: %s" % (e,))
        # platform reference values the verifier does not have
        c2 = copy.deepcopy(CLAIMS)
        c2["cca-platform-token"]["cca-platform-config"] = "AAAAAA=="
        g = Guest(s3, tee="cca")
        g.auth()
        st, _, d = g.attest(make=lambda dg: cca_evidence(
            wd, dg, claims=claims_file("c2.json", c2)))
        e = error_of(st, d)
        check(e[1] == "AttestationError" and "did not find the platform "
              "affirming" in e[2], "remote: unknown platform configuration "
              "refused: %s" % (e,))
        s3.stop()
    finally:
        ver.terminate()
        ver.wait()

    # --- the platform-token cache (ccakit; docs/kbs.md): one platform
    # token again is not verified again; a trust anchor removed or its
    # CPAK changed never serves it ---
    ECCA = "verify TEE evidence failed"
    PLAT = split399(bytes(cca_evidence(wd, b"", fmt="399")["token"]))[44234]

    def same_platform(dg):
        """The realm token for dg with the platform token PLAT (the RAK,
        hence the binding, is the same: as TF-RMM gives it)."""
        t = split399(bytes(cca_evidence(wd, dg, fmt="399")["token"]))
        return {"token": list(join399(PLAT, t[44241]))}

    def stats_of(path):
        with open(path) as f:
            return json.load(f)["platform_cache"]

    def pc_metric(server, result):
        _, _, d = server.request("GET", "/metrics")
        for ln in d.decode().splitlines():
            if ln.startswith('ccakit_platform_token_cache_lookups_total'
                             '{result="%s"} ' % result):
                return int(ln.split()[-1])
        return None

    ta = os.path.join(wd.path, "ta.json")
    ta_good = read(ta)
    sfile = os.path.join(wd.path, "pc-stats.json")
    s4 = Server(wd, CONFIG, name="pcache", env={"CCA_CONFIG_FILE": cca_conf},
                args=["--stats-file", sfile])
    for i in range(3):
        g = Guest(s4, tee="cca")
        g.auth()
        st, _, d = g.attest(make=same_platform)
        check(st == 200, "same platform token, attestation %d: %s" %
              (i, d[:200]))
    check(pc_metric(s4, "hit") == 2 and pc_metric(s4, "miss") == 1,
          "/metrics: 2 hits, 1 miss")
    # The same CPAK's platform token is the same bytes; another CPAK (in
    # place of the known one in ta.json) never takes it from the cache.
    txt = subprocess.run(["openssl", "ec", "-in", key, "-noout", "-text"],
                         capture_output=True, check=True, text=True).stdout
    pub = bytes.fromhex("".join(txt.split("pub:")[1].split("ASN1")[0]
                                .split()).replace(":", ""))
    ta_other = json.loads(ta_good)
    ta_other[0]["pkey"] = {"kty": "EC", "crv": "P-384",
                           "x": b64u(pub[1:49]), "y": b64u(pub[49:97])}

    def with_ta(text):
        """ta.json replaced by text (read again by kbs), then one guest
        with the cached platform token: (status, error)."""
        time.sleep(0.01)
        wd.file("ta.json", text)
        g = Guest(s4, tee="cca")
        g.auth()
        st, _, d = g.attest(make=same_platform)
        return st, error_of(st, d)
    st, e = with_ta(json.dumps(ta_other))
    check(st == 401 and ECCA in e[2], "CPAK changed: the cached platform "
          "token refused: %s" % (e,))
    st, e = with_ta("[]")
    check(st == 401 and ECCA in e[2], "trust anchor removed: the cached "
          "platform token refused: %s" % (e,))
    st, e = with_ta(ta_good)
    check(st == 200, "trust anchor back: attested again: %s" % (e,))
    s4.stop()
    pc = stats_of(sfile)
    check(pc["enabled"] and pc["capacity"] == 64 and pc["hits"] == 2 and
          pc["flushes"] >= 1, "--stats-file: 2 hits, flushed when the "
          "trust anchors changed: %s" % pc)
    s5 = Server(wd, CONFIG, name="nopcache", env={"CCA_CONFIG_FILE":
                                                  cca_conf},
                args=["--stats-file", sfile, "--no-platform-cache"])
    for i in range(2):
        g = Guest(s5, tee="cca")
        g.auth()
        st, _, d = g.attest(make=same_platform)
        check(st == 200, "--no-platform-cache: attested %d" % i)
    check(pc_metric(s5, "hit") == 0 and pc_metric(s5, "miss") == 0,
          "--no-platform-cache: no lookups in /metrics")
    s5.stop()
    pc = stats_of(sfile)
    check(not pc["enabled"] and pc["hits"] == 0, "--no-platform-cache: "
          "no cache in the stats: %s" % pc)
    s6 = Server(wd, CONFIG, name="badpcache", args=[
        "--platform-cache-size", "65537"], expect_fail=True)
    check(s6.rc == 1 and "1..65536" in s6.logtext(),
          "--platform-cache-size 65537 refused: %s" % s6.logtext())

    # The stores are read again when they change.
    rv = json.loads(read(os.path.join(wd.path, "rv.json")))
    rv["platform"][0]["platform-configuration"] = "00000000"
    wd.file("rv.json", json.dumps(rv))
    fails("reference values changed on disk",
          make=lambda dg: cca_evidence(wd, dg))
finally:
    srv.stop()
    if kbslib.failed:
        print(srv.logtext()[-4000:])
    wd.cleanup()
finish()
