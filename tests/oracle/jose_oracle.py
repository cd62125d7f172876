#!/usr/bin/python3
"""Differential tests of ccakit's JWE, TEE keys and JCS against independent
implementations: Debian's python3-jwcrypto (JOSE) and CPython's float repr
(shortest round-trip digits, David Gay's algorithm) for RFC 8785 numbers.

usage: jose_oracle.py PATH/TO/jose_oracle_tool

(a) jwcrypto decrypts what ccakit encrypts, for every algorithm and curve
    and both serializations, to keys made by either side;
(b) ccakit decrypts what jwcrypto encrypts (apu/apv, another header member
    order), and refuses what it must (other enc, zip, RSA-OAEP with SHA-1,
    RSA1_5, a wrong key, an unprotected epk);
(c) ECMAScript number formatting of random and edge-case doubles, and whole
    random documents canonicalised by a JCS written here from RFC 8785.

Exits 77 (skipped) when jwcrypto is not installed.
"""
import json
import math
import os
import random
import struct
import subprocess
import sys
import tempfile

try:
    from jwcrypto import jwe, jwk
except ImportError:
    print("skipped: python3-jwcrypto not installed (scripts/install-deps.sh)")
    sys.exit(77)

TOOL = sys.argv[1]
RNG = random.Random(0x8785)
passed = 0
failed = 0

ALGS = {
    "ECDH-ES+A256KW-P256": ("EC", "P-256"),
    "ECDH-ES+A256KW-P384": ("EC", "P-384"),
    "ECDH-ES+A256KW-P521": ("EC", "P-521"),
    "RSA-OAEP-256": ("RSA", None),
}


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def tool(*args, data=None):
    p = subprocess.run([TOOL] + list(args), input=data, capture_output=True,
                       timeout=120)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def write(d, name, content):
    path = os.path.join(d, name)
    with open(path, "wb") as f:
        f.write(content if isinstance(content, bytes) else content.encode())
    return path


def b64d(s):
    import base64
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def protected_of(token):
    if token.startswith("{"):
        token = json.loads(token)["protected"]
    else:
        token = token.split(".")[0]
    return b64d(token).decode()


PLAINTEXTS = [b"", b"x", "snow \u2603 \U0001f600".encode(), os.urandom(1000),
              b"test-secret-for-cca-realm\n"]


def jwcrypto_key(kty, crv):
    if kty == "EC":
        return jwk.JWK.generate(kty="EC", crv=crv)
    return jwk.JWK.generate(kty="RSA", size=2048)


def ccakit_to_jwcrypto(d):
    """(a): ccakit encrypts, jwcrypto decrypts."""
    for alg, (kty, crv) in ALGS.items():
        priv = os.path.join(d, "k.pem")
        pub = os.path.join(d, "k.jwk")
        rc, _, err = tool("genkey", alg, priv, pub)
        check(rc == 0, "genkey %s: %s" % (alg, err))
        with open(priv, "rb") as f:
            ours = jwk.JWK.from_pem(f.read())
        theirs = jwcrypto_key(kty, crv)
        tpub = json.loads(theirs.export_public())
        tpub["alg"] = "ECDH-ES+A256KW" if kty == "EC" else "RSA-OAEP-256"
        tpubpath = write(d, "t.jwk", json.dumps(tpub))
        for keypath, key, who in ((pub, ours, "ccakit"),
                                  (tpubpath, theirs, "jwcrypto")):
            for form in ("compact", "flattened"):
                for pt in PLAINTEXTS:
                    inp = write(d, "pt", pt)
                    rc, out, err = tool("encrypt", keypath, inp, form)
                    what = "%s %s key %s %d bytes" % (alg, who, form,
                                                      len(pt))
                    check(rc == 0, "encrypt " + what + ": " + err)
                    token = out.decode()
                    if not pt:
                        # jwcrypto 1.1 cannot decrypt an empty plaintext,
                        # not even its own ("No recipient matched").
                        continue
                    t = jwe.JWE()
                    try:
                        t.deserialize(token, key=key)
                        check(t.payload == pt, "jwcrypto payload " + what)
                    except Exception as e:  # noqa: BLE001
                        check(False, "jwcrypto decrypt %s: %r" % (what, e))
                    hdr = json.loads(protected_of(token))
                    keys = list(hdr.keys())
                    check(keys == (["alg", "enc", "epk"] if kty == "EC"
                                   else ["alg", "enc"]),
                          "header members %s: %s" % (what, keys))
                    check(hdr["enc"] == "A256GCM" and hdr["alg"] ==
                          tpub["alg"], "header values " + what)
                    if kty == "EC":
                        check(list(hdr["epk"].keys()) ==
                              ["crv", "kty", "x", "y"] and
                              hdr["epk"]["crv"] == crv,
                              "epk members " + what)
                    if form == "flattened":
                        check(list(json.loads(token).keys()) ==
                              ["protected", "encrypted_key", "iv",
                               "ciphertext", "tag"], "flattened " + what)


def jwcrypto_encrypt(pt, pubkey, protected, compact=True, algs=None):
    e = jwe.JWE(pt, protected=json.dumps(protected), algs=algs)
    e.add_recipient(pubkey)
    return e.serialize(compact=compact)


def ccakit_decrypt(d, privpath, token):
    path = write(d, "jwe", token)
    return tool("decrypt", privpath, path)


def jwcrypto_to_ccakit(d):
    """(b): jwcrypto encrypts, ccakit decrypts or refuses."""
    for alg, (kty, crv) in ALGS.items():
        priv = os.path.join(d, "k.pem")
        pub = os.path.join(d, "k.jwk")
        rc, _, err = tool("genkey", alg, priv, pub)
        check(rc == 0, "genkey %s: %s" % (alg, err))
        with open(pub) as f:
            pubkey = jwk.JWK(**json.load(f))
        jalg = "ECDH-ES+A256KW" if kty == "EC" else "RSA-OAEP-256"
        for pt in PLAINTEXTS:
            for prot in ({"alg": jalg, "enc": "A256GCM"},
                         {"enc": "A256GCM", "alg": jalg, "kid": "tee"}):
                token = jwcrypto_encrypt(pt, pubkey, prot)
                rc, out, err = ccakit_decrypt(d, priv, token)
                what = "%s %s %d bytes" % (alg, list(prot), len(pt))
                check(rc == 0 and out == pt, "ccakit decrypt %s: %s" %
                      (what, err))
        if kty == "EC":
            # apu/apv enter the Concat KDF.
            token = jwcrypto_encrypt(b"apu", pubkey,
                                     {"alg": jalg, "enc": "A256GCM",
                                      "apu": "QWxpY2U", "apv": "Qm9i"})
            rc, out, err = ccakit_decrypt(d, priv, token)
            check(rc == 0 and out == b"apu", "apu/apv %s: %s" % (alg, err))
            # jwcrypto's flattened form carries epk unprotected.
            token = jwcrypto_encrypt(b"x", pubkey,
                                     {"alg": jalg, "enc": "A256GCM"},
                                     compact=False)
            rc, out, err = ccakit_decrypt(d, priv, token)
            check(rc == 1 and "unprotected" in err,
                  "unprotected epk refused %s: %s" % (alg, err))
        else:
            token = jwcrypto_encrypt(b"flat", pubkey,
                                     {"alg": jalg, "enc": "A256GCM"},
                                     compact=False)
            rc, out, err = ccakit_decrypt(d, priv, token)
            check(rc == 0 and out == b"flat", "flattened %s: %s" %
                  (alg, err))
        # What ccakit must refuse, made by jwcrypto.
        refusals = [({"alg": jalg, "enc": "A128GCM"}, None, "A128GCM"),
                    ({"alg": jalg, "enc": "A256CBC-HS512"}, None,
                     "A256CBC-HS512"),
                    ({"alg": jalg, "enc": "A256GCM", "zip": "DEF"}, None,
                     "zip")]
        if kty == "RSA":
            refusals.append(({"alg": "RSA-OAEP", "enc": "A256GCM"}, None,
                             "RSA-OAEP"))
            refusals.append(({"alg": "RSA1_5", "enc": "A256GCM"},
                             ["RSA1_5", "A256GCM"], "RSA1_5"))
        else:
            refusals.append(({"alg": "ECDH-ES", "enc": "A256GCM"}, None,
                             "ECDH-ES"))
            refusals.append(({"alg": "ECDH-ES+A128KW", "enc": "A256GCM"},
                             None, "ECDH-ES+A128KW"))
        for prot, algs, needle in refusals:
            try:
                token = jwcrypto_encrypt(b"no", pubkey, prot, algs=algs)
            except Exception as e:  # noqa: BLE001
                check(False, "jwcrypto cannot make %s: %r" % (prot, e))
                continue
            rc, out, err = ccakit_decrypt(d, priv, token)
            check(rc == 1 and needle in err and out == b"",
                  "refused %s %s: rc %d %s" % (alg, prot, rc, err))
        # Another key of the same kind.
        other = jwk.JWK(**json.loads(jwcrypto_key(kty, crv).export_public()))
        token = jwcrypto_encrypt(b"no", other, {"alg": jalg,
                                                "enc": "A256GCM"})
        rc, out, err = ccakit_decrypt(d, priv, token)
        check(rc == 1 and "wrong key" in err and out == b"",
              "wrong key %s: %s" % (alg, err))


def es_number(x):
    """ECMAScript Number::toString from Python's shortest repr digits."""
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    mant, _, exp = repr(abs(x)).partition("e")
    ip, _, fp = mant.partition(".")
    digits = ip + fp
    point = len(ip) + (int(exp) if exp else 0)
    s = digits.lstrip("0")
    point -= len(digits) - len(s)
    s = s.rstrip("0")
    k, n = len(s), point
    if k <= n <= 21:
        out = s + "0" * (n - k)
    elif 0 < n <= 21:
        out = s[:n] + "." + s[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * -n + s
    else:
        e = n - 1
        out = s[0] + ("." + s[1:] if k > 1 else "") + "e" + \
            ("+" if e > 0 else "-") + str(abs(e))
    return sign + out


def bits(x):
    return "%016x" % struct.unpack(">Q", struct.pack(">d", x))[0]


def numbers():
    """(c) ECMAScript formatting of doubles."""
    vals = [math.ldexp(1.0, e) for e in range(-1074, 1024)]
    vals += [math.ldexp(1.0, e) * 3 for e in range(-1074, 1022)]
    vals += [float(i) for i in range(-1000, 1000)]
    vals += [float(RNG.randrange(-2 ** 63, 2 ** 63)) for _ in range(5000)]
    vals += [float("%de%d" % (RNG.randrange(1, 10 ** RNG.randrange(1, 18)),
                              RNG.randrange(-330, 300)))
             for _ in range(20000)]
    vals += [10.0 ** e for e in range(-323, 309)]
    vals += [1e21, 1e-7, 1e-6, 9.999999999999999e20, 5e-324,
             2.2250738585072014e-308, 1.7976931348623157e308]
    while len(vals) < 150000:
        x = struct.unpack(">d", struct.pack(">Q", RNG.getrandbits(64)))[0]
        if math.isfinite(x):
            vals.append(x)
    vals = [v for v in vals if math.isfinite(v)]
    vals += [-v for v in vals[:20000]]
    data = "".join(bits(v) + "\n" for v in vals).encode()
    rc, out, err = tool("numbers", data=data)
    check(rc == 0, "numbers: " + err)
    got = out.decode().split("\n")
    bad = 0
    for v, g in zip(vals, got):
        if g != es_number(v):
            bad += 1
            if bad <= 10:
                print("FAIL: number %s (%s): ccakit %s, oracle %s" %
                      (repr(v), bits(v), g, es_number(v)))
    check(bad == 0 and len(got) >= len(vals),
          "%d of %d numbers differ" % (bad, len(vals)))
    print("numbers compared: %d" % len(vals))


KEY_CHARS = ["a", "b", "A", "_", "1", "\r", "\x00", "\x1f", "\x7f",
             "\u0080", "\u00f6", "\u20ac", "\u2028", "\ud7ff", "\ue000",
             "\uff61", "\ufb33", "\uffff", "\U00010000", "\U0001f600",
             "\U0001f601", "\U0001f300", "\U0010ffff", "\"", "\\", "/"]


def rand_str():
    return "".join(RNG.choice(KEY_CHARS) for _ in range(RNG.randrange(0, 5)))


def rand_key():
    """Member names: jansson refuses a NUL in a name."""
    return rand_str().replace("\x00", "0")


def rand_value(depth):
    t = RNG.randrange(9 if depth < 4 else 6)
    if t == 0:
        return None
    if t == 1:
        return RNG.choice([True, False])
    if t == 2:
        return RNG.randrange(-2 ** 53 + 1, 2 ** 53)
    if t == 3:
        while True:
            x = struct.unpack(">d", struct.pack(">Q", RNG.getrandbits(64)))[0]
            if math.isfinite(x):
                return x
    if t in (4, 5):
        return rand_str()
    if t == 6:
        return [rand_value(depth + 1) for _ in range(RNG.randrange(0, 5))]
    return {rand_key(): rand_value(depth + 1)
            for _ in range(RNG.randrange(0, 6))}


def canon(v):
    """RFC 8785, written from its text."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return es_number(float(v))
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ",".join(canon(x) for x in v) + "]"
    keys = sorted(v, key=lambda s: s.encode("utf-16-be", "surrogatepass"))
    return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" +
                          canon(v[k]) for k in keys) + "}"


def documents(d):
    """(c) whole documents: random keys, strings, numbers, nesting."""
    bad = 0
    n = 1500
    for i in range(n):
        doc = {rand_key(): rand_value(0) for _ in range(RNG.randrange(1, 8))}
        text = json.dumps(doc, ensure_ascii=RNG.choice([True, False]),
                          indent=RNG.choice([None, 0, 2]))
        path = write(d, "doc.json", text)
        rc, out, err = tool("jcs", path)
        want = canon(doc).encode("utf-8", "surrogatepass")
        if rc != 0 or out != want:
            bad += 1
            if bad <= 5:
                print("FAIL: jcs %s\n  ccakit %r\n  oracle %r %s" %
                      (text[:200], out[:200], want[:200], err))
    check(bad == 0, "%d of %d documents differ" % (bad, n))


def main():
    with tempfile.TemporaryDirectory() as d:
        ccakit_to_jwcrypto(d)
        jwcrypto_to_ccakit(d)
        numbers()
        documents(d)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
