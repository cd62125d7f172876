/*
 * mkcorpus: writes the seeds of the fuzz corpora that the project makes
 * itself (fuzz/README.md): tokens of the emulated realm (demo/claims.json
 * signed with demo/cpak.pem and demo/rak.pem) and their parts, stores,
 * claims JSON, EARs and EAR JWTs, keys, key broker bodies, the VMM
 * models' DTBs and event logs, host capability files. Upstream files are
 * never seeds: the replay reads them from $CCAKIT_VECTORS instead.
 *
 *   mkcorpus SRCDIR OUTDIR      (OUTDIR is usually SRCDIR/fuzz/corpus)
 *
 * ECDSA signatures are random, so each run writes other bytes of the
 * same shape; the committed seeds are one such run.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <ccakit/appraise.h>
#include <ccakit/bytes.h>
#include <ccakit/cbor.h>
#include <ccakit/corim.h>
#include <ccakit/cose.h>
#include <ccakit/ear.h>
#include <ccakit/err.h>
#include <ccakit/eventlog.h>
#include <ccakit/measure.h>
#include <ccakit/store.h>
#include <ccakit/token.h>
#include <ccakit/vmm.h>

#include "util/util.h"
#include "corim_sample.h"

#define BUFSZ (CCAKIT_TOKEN_MAX_SIZE + 1024)

static const char *src, *out;

static void die(const char *fmt, ...) CKI_PRINTF(1, 2);
static char *xasprintf(const char *fmt, ...) CKI_PRINTF(1, 2);

static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mkcorpus: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void
check(int r, const char *what)
{
	if (r != CCAKIT_OK)
		die("%s: %s", what, ccakit_strerror(r));
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL)
		die("out of memory");
	return p;
}

/* OUTDIR/dir, made if needed. */
static void
outdir(const char *dir)
{
	char path[4096];

	(void)snprintf(path, sizeof(path), "%s/%s", out, dir);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		die("%s: %s", path, strerror(errno));
}

/* OUTDIR/dir/name := p[0..len) */
static void
put(const char *dir, const char *name, const void *p, size_t len)
{
	char path[4096];
	FILE *f;

	outdir(dir);
	(void)snprintf(path, sizeof(path), "%s/%s/%s", out, dir, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(p, 1, len, f) != len || fclose(f) != 0)
		die("%s: %s", path, strerror(errno));
}

static void
puts_(const char *dir, const char *name, const char *s)
{
	put(dir, name, s, strlen(s));
}

/* The same with a leading selector byte (harnesses that dispatch on it). */
static void
put_sel(const char *dir, const char *name, char sel, const void *p,
    size_t len)
{
	uint8_t *b = xmalloc(len + 1);

	b[0] = (uint8_t)sel;
	memcpy(b + 1, p, len);
	put(dir, name, b, len + 1);
	free(b);
}

static char *
slurp(const char *rel, size_t *len)
{
	char path[4096];
	uint8_t *b;
	int r;

	(void)snprintf(path, sizeof(path), "%s/%s", src, rel);
	r = cki_read_file(path, 1 << 20, &b, len);
	if (r == CCAKIT_ERR_IO)
		die("%s: %s", path, strerror(errno));
	check(r, path);
	return (char *)b;
}

static char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	(void)vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

static char *
b64(const void *p, size_t len, enum ccakit_b64 alpha)
{
	size_t n = ccakit_b64_encoded_len(len, alpha) + 1;
	char *s = xmalloc(n);

	check(ccakit_b64_encode(p, len, alpha, s, n), "base64");
	return s;
}

static ccakit_key *
key_pem(const char *rel)
{
	ccakit_key *k = ccakit_key_new();
	size_t len;
	char *pem = slurp(rel, &len);

	if (k == NULL)
		die("out of memory");
	check(ccakit_key_from_pem(k, pem, len), rel);
	free(pem);
	return k;
}

/* --- the emulated realm --- */

static ccakit_claimset *claims;
static ccakit_key *cpak, *rak;
static uint8_t challenge[64];

struct buf {
	uint8_t *p;
	size_t len;
};

static struct buf
token(enum ccakit_token_format fmt, bool legacy)
{
	struct ccakit_platform_claims pc = *ccakit_claimset_platform(claims);
	struct ccakit_realm_claims rc = *ccakit_claimset_realm(claims);
	struct ccakit_create_opts o;
	struct buf b;

	rc.challenge.ptr = challenge;
	rc.challenge.len = sizeof(challenge);
	if (legacy) {
		pc.profile = CCAKIT_PLATFORM_LEGACY;
		rc.profile = CCAKIT_REALM_LEGACY;
	}
	o.format = fmt;
	b.p = xmalloc(BUFSZ);
	check(ccakit_token_create(&pc, &rc, cpak, rak, &o, b.p, BUFSZ,
	    &b.len), "create");
	return b;
}

/* A decoded copy of a token (the buffer stays with the caller). */
static ccakit_token *
decode(const struct buf *b)
{
	ccakit_token *t = ccakit_token_new();

	if (t == NULL)
		die("out of memory");
	check(ccakit_token_decode(t, b->p, b->len, NULL), "decode");
	return t;
}

/* The claims of a token, encoded. */
static struct buf
claims_of(const struct buf *tok, bool realm)
{
	ccakit_token *t = decode(tok);
	struct buf b;

	b.p = xmalloc(BUFSZ);
	if (realm)
		check(ccakit_realm_claims_encode(ccakit_token_realm(t), b.p,
		    BUFSZ, &b.len), "realm encode");
	else
		check(ccakit_platform_claims_encode(ccakit_token_platform(t),
		    b.p, BUFSZ, &b.len), "platform encode");
	ccakit_token_free(&t);
	return b;
}

static struct buf
sign1(const ccakit_key *k, int alg, const struct buf *payload)
{
	struct buf b;

	b.p = xmalloc(BUFSZ);
	check(ccakit_cose_sign1_sign(k, alg, payload->p, payload->len, b.p,
	    BUFSZ, &b.len), "sign");
	return b;
}

/* 399(map{44234: bstr p, 44241: bstr r}), or a 907 collection whose
 * entries are bare bstrs instead of [media type, bstr] (not a CMW). */
static struct buf
collection(uint64_t tag, const struct buf *p, const struct buf *r)
{
	struct ccakit_cbor_writer w;
	struct buf b;

	b.p = xmalloc(BUFSZ);
	ccakit_cbor_writer_init(&w, b.p, BUFSZ);
	ccakit_cbor_put_tag(&w, tag);
	ccakit_cbor_put_map(&w, 2);
	ccakit_cbor_put_uint(&w, CCAKIT_COLL_PLATFORM);
	ccakit_cbor_put_bstr(&w, p->p, p->len);
	ccakit_cbor_put_uint(&w, CCAKIT_COLL_REALM);
	ccakit_cbor_put_bstr(&w, r->p, r->len);
	check(ccakit_cbor_writer_finish(&w, &b.len), "collection");
	return b;
}

/* A claims map with one more entry at the front: "unknown-key": 1. */
static struct buf
with_text_key(const struct buf *m)
{
	struct ccakit_cbor_writer w;
	struct ccakit_cbor_item top;
	struct buf b;

	check(ccakit_cbor_parse(m->p, m->len, NULL, &top, NULL), "parse");
	b.p = xmalloc(BUFSZ);
	ccakit_cbor_writer_init(&w, b.p, BUFSZ);
	ccakit_cbor_put_map(&w, (size_t)top.u + 1);
	ccakit_cbor_put_cstr(&w, "unknown-key");
	ccakit_cbor_put_uint(&w, 1);
	/* the entries after the map head (1 byte for up to 23 entries) */
	ccakit_cbor_put_raw(&w, m->p + 1, m->len - 1);
	check(ccakit_cbor_writer_finish(&w, &b.len), "text key");
	return b;
}

/* A COSE_Sign1 of pre-encoded protected header bytes, {1: -35} as the
 * unprotected header (or {}), 16 bytes of payload (or nil) and a made-up
 * signature, into cose_sign1/name. */
static void
put_sign1(const char *name, const uint8_t *prot, size_t plen,
    bool unprot_alg, const uint8_t *payload)
{
	struct ccakit_cbor_writer w;
	uint8_t m[512], sig[96];
	size_t n, i;

	for (i = 0; i < sizeof(sig); i++)
		sig[i] = (uint8_t)(i * 7 + 1);
	ccakit_cbor_writer_init(&w, m, sizeof(m));
	ccakit_cbor_put_tag(&w, 18);
	ccakit_cbor_put_array(&w, 4);
	ccakit_cbor_put_raw(&w, prot, plen);
	ccakit_cbor_put_map(&w, unprot_alg ? 1 : 0);
	if (unprot_alg) {
		ccakit_cbor_put_uint(&w, 1);
		ccakit_cbor_put_int(&w, -35);
	}
	if (payload != NULL)
		ccakit_cbor_put_bstr(&w, payload, 16);
	else
		ccakit_cbor_put_null(&w);
	ccakit_cbor_put_bstr(&w, sig, sizeof(sig));
	check(ccakit_cbor_writer_finish(&w, &n), name);
	put("cose_sign1", name, m, n);
}

static void
seeds_tokens(void)
{
	struct buf t399 = token(CCAKIT_FORMAT_399, false);
	struct buf t907 = token(CCAKIT_FORMAT_907, false);
	struct buf l399 = token(CCAKIT_FORMAT_399, true);
	struct buf l907 = token(CCAKIT_FORMAT_907, true);
	struct buf pcl = claims_of(&t399, false), rcl = claims_of(&t399, true);
	struct buf lpcl = claims_of(&l399, false);
	struct buf lrcl = claims_of(&l399, true);
	struct buf tk = with_text_key(&rcl);
	struct buf ps = sign1(cpak, CCAKIT_COSE_ES384, &pcl);
	struct buf rs = sign1(rak, CCAKIT_COSE_ES384, &rcl);
	struct buf bound, bad, unwrapped;
	struct ccakit_platform_claims pc;
	ccakit_token *t;
	static const uint8_t wrong[32] = { 0x0b, 0xad };

	put("token", "emu-399.cbor", t399.p, t399.len);
	put("token", "emu-907.cbor", t907.p, t907.len);
	put("token", "emu-399-legacy.cbor", l399.p, l399.len);
	put("token", "emu-907-legacy.cbor", l907.p, l907.len);
	put("token", "emu-platform-claims.cbor", pcl.p, pcl.len);
	put("token", "emu-realm-claims.cbor", rcl.p, rcl.len);
	put("token", "emu-platform-claims-legacy.cbor", lpcl.p, lpcl.len);
	put("token", "emu-realm-claims-legacy.cbor", lrcl.p, lrcl.len);
	put("cbor", "emu-token-399.cbor", t399.p, t399.len);
	put("cbor", "emu-token-907.cbor", t907.p, t907.len);
	put("cbor", "emu-platform-claims.cbor", pcl.p, pcl.len);
	put("cbor", "emu-realm-claims-text-key.cbor", tk.p, tk.len);

	/* Both signatures good, the binding not: the platform challenge is
	 * not the hash of the RAK. */
	t = decode(&t399);
	pc = *ccakit_token_platform(t);
	pc.challenge.ptr = wrong;
	pc.challenge.len = sizeof(wrong);
	bound.p = xmalloc(BUFSZ);
	check(ccakit_platform_claims_encode(&pc, bound.p, BUFSZ, &bound.len),
	    "encode");
	bad = sign1(cpak, CCAKIT_COSE_ES384, &bound);
	free(bound.p);
	bound = collection(CCAKIT_TAG_CCA_TOKEN_LEGACY, &bad, &rs);
	put("token", "emu-binding-wrong.cbor", bound.p, bound.len);
	ccakit_token_free(&t);
	/* The CMW tag around bare COSE_Sign1 bstrs. */
	unwrapped = collection(CCAKIT_TAG_CCA_TOKEN_CMW, &ps, &rs);
	put("token", "emu-907-unwrapped.cbor", unwrapped.p, unwrapped.len);

	/* COSE_Sign1 messages and their defects. */
	put("cose_sign1", "emu-platform-es384.cbor", ps.p, ps.len);
	put("cose_sign1", "emu-realm-es384.cbor", rs.p, rs.len);
	put("cose_sign1", "bad-untagged.cbor", rs.p + 1, rs.len - 1);
	put("cose_sign1", "bad-truncated.cbor", rs.p, 200);
	/* tag 18 around [protected, unprotected, payload, signature] */
	{
		static const uint8_t prot[] = { 0x44, 0xa1, 0x01, 0x38, 0x22 };
		static const uint8_t prot_crit[] = { 0x49, 0xa2, 0x01, 0x38,
		    0x22, 0x02, 0x81, 0x18, 0x2a };
		static const uint8_t empty[] = { 0x40 };

		/* alg in the unprotected header only */
		put_sign1("bad-alg-unprotected.cbor", empty, sizeof(empty),
		    true, pcl.p);
		/* crit: [42] */
		put_sign1("bad-crit.cbor", prot_crit, sizeof(prot_crit), false,
		    pcl.p);
		/* detached payload (nil) */
		put_sign1("bad-detached.cbor", prot, sizeof(prot), false, NULL);
	}
	{
		uint8_t ck[160];
		size_t n;
		char jwk[512];

		check(ccakit_key_to_cose_key(rak, ck, sizeof(ck), &n),
		    "COSE_Key");
		put("cose_sign1", "cose-key-p384.cbor", ck, n);
		put("cbor", "cose-key.cbor", ck, n);
		check(ccakit_key_to_jwk(cpak, jwk, sizeof(jwk)), "JWK");
		puts_("cose_sign1", "jwk-p384.json", jwk);
	}
	{
		/* ES256 with a fresh P-256 key */
		EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		BIO *bio = BIO_new(BIO_s_mem());
		ccakit_key *k = ccakit_key_new();
		struct buf m;
		char *pem;
		long n;

		if (pk == NULL || bio == NULL || k == NULL ||
		    PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL,
		    NULL) != 1)
			die("P-256 key");
		n = BIO_get_mem_data(bio, &pem);
		check(ccakit_key_from_pem(k, pem, (size_t)n), "P-256 key");
		m = sign1(k, CCAKIT_COSE_ES256, &pcl);
		put("cose_sign1", "emu-platform-es256.cbor", m.p, m.len);
		free(m.p);
		ccakit_key_free(&k);
		BIO_free(bio);
		EVP_PKEY_free(pk);
	}
	free(t399.p);
	free(t907.p);
	free(l399.p);
	free(l907.p);
	free(pcl.p);
	free(rcl.p);
	free(lpcl.p);
	free(lrcl.p);
	free(tk.p);
	free(ps.p);
	free(rs.p);
	free(bad.p);
	free(bound.p);
	free(unwrapped.p);
}

/* --- claims JSON, stores, reference values --- */

static char *
token_json(enum ccakit_token_format fmt, bool legacy)
{
	struct buf b = token(fmt, legacy);
	ccakit_token *t = decode(&b);
	char *s;

	check(ccakit_token_to_json(t, &s), "to JSON");
	ccakit_token_free(&t);
	free(b.p);
	return s;
}

/* s with the first occurrence of from replaced by to (new string). */
static char *
replace(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);

	if (p == NULL)
		die("no %s", from);
	return xasprintf("%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
}

static void
seeds_json(void)
{
	char *j = token_json(CCAKIT_FORMAT_399, false), *l, *bad, *k;
	struct buf b = token(CCAKIT_FORMAT_907, false);
	ccakit_token *t = decode(&b);
	ccakit_ta_store *tas = ccakit_ta_store_new();
	ccakit_rv_store *rvs = ccakit_rv_store_new();
	const struct ccakit_realm_claims *rc = ccakit_token_realm(t);
	uint8_t pt[97];
	size_t len, i;
	char *s, *jwk, *rim, *other;

	puts_("claims_json", "emu.json", j);
	l = token_json(CCAKIT_FORMAT_399, true);
	puts_("claims_json", "emu-legacy.json", l);
	/* A legacy RAK of 97 bytes that is not a point on P-384. */
	for (i = 0; i < sizeof(pt); i++)
		pt[i] = (uint8_t)(i == 0 ? 4 : i * 3);
	k = b64(pt, sizeof(pt), CCAKIT_B64_STD);
	s = strstr(l, "\"cca-realm-public-key\": \"");
	if (s == NULL)
		die("no public key");
	s += strlen("\"cca-realm-public-key\": \"");
	bad = xasprintf("%.*s%s%s", (int)(s - l), l, k, strchr(s, '"'));
	puts_("claims_json", "emu-legacy-bad-rak.json", bad);
	free(bad);
	free(k);
	free(l);
	free(j);

	/* Golden values: the stores of ccatoken golden. */
	jwk = slurp("demo/cpak.jwk.json", &len);
	if (tas == NULL || rvs == NULL)
		die("out of memory");
	check(ccakit_golden(t, jwk, len, tas, rvs, NULL), "golden");
	check(ccakit_ta_store_to_json(tas, &s), "TA JSON");
	puts_("store", "golden-ta.json", s);
	put_sel("vprov", "ta-store", 0, s, strlen(s));
	/* The same anchor with its y coordinate changed: off the curve. */
	k = strstr(s, "\"y\": \"");
	if (k == NULL)
		die("no y");
	k[6] = k[6] == 'A' ? 'B' : 'A';
	puts_("store", "ta-off-curve.json", s);
	free(s);
	check(ccakit_rv_store_to_json(rvs, &s), "RV JSON");
	puts_("store", "golden-rv.json", s);
	put_sel("vprov", "rv-store", 1, s, strlen(s));
	free(s);
	free(jwk);

	/* The key broker's RIM list: the realm's, and two others. */
	rim = b64(rc->rim.ptr, rc->rim.len, CCAKIT_B64_STD);
	memset(pt, 0x5a, 32);
	other = b64(pt, 32, CCAKIT_B64_STD);
	s = xasprintf("{\n  \"reference-values\": [\n    \"%s\",\n    \"%s\"\n"
	    "  ]\n}\n", other, rim);
	puts_("refvals", "emu-matching.json", s);
	free(s);
	s = xasprintf("{\"reference-values\": [\"%s\"]}", other);
	puts_("refvals", "emu-not-matching.json", s);
	free(s);
	free(rim);
	free(other);
	ccakit_token_free(&t);
	ccakit_ta_store_free(&tas);
	ccakit_rv_store_free(&rvs);
	free(b.p);
}

/* --- keys, EARs, JWS --- */

/* A fresh P-256 key: its private JWK (with d) and public JWK. */
static void
p256_jwks(char **priv, char **pub)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	BIGNUM *bn = NULL;
	BIO *bio = BIO_new(BIO_s_mem());
	ccakit_key *k = ccakit_key_new();
	uint8_t d[32];
	char jwk[512], *pem, *db;
	long n;

	if (pk == NULL || bio == NULL || k == NULL ||
	    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &bn) != 1 ||
	    BN_bn2binpad(bn, d, sizeof(d)) != (int)sizeof(d) ||
	    PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL) != 1)
		die("P-256 key");
	n = BIO_get_mem_data(bio, &pem);
	check(ccakit_key_from_pem(k, pem, (size_t)n), "P-256 key");
	check(ccakit_key_to_jwk(k, jwk, sizeof(jwk)), "JWK");
	db = b64(d, sizeof(d), CCAKIT_B64_URL);
	*pub = xasprintf("%s", jwk);
	jwk[strlen(jwk) - 1] = '\0';
	*priv = xasprintf("%s,\"d\":\"%s\"}", jwk, db);
	ccakit_wipe(d, sizeof(d));
	free(db);
	BN_clear_free(bn);
	BIO_free(bio);
	EVP_PKEY_free(pk);
	ccakit_key_free(&k);
}

static char *
jws_craft(const char *hdr, const char *payload, size_t plen,
    const uint8_t *sig, size_t slen)
{
	char *h = b64(hdr, strlen(hdr), CCAKIT_B64_URL);
	char *p = b64(payload, plen, CCAKIT_B64_URL);
	char *s = b64(sig, slen, CCAKIT_B64_URL), *r;

	r = xasprintf("%s.%s.%s", h, p, s);
	free(h);
	free(p);
	free(s);
	return r;
}

static void
seeds_keys_ears(void)
{
	struct buf b = token(CCAKIT_FORMAT_907, false);
	struct ccakit_attest_opts o;
	ccakit_ta_store *tas = ccakit_ta_store_new();
	ccakit_ear *e = NULL;
	char jwk[512], *priv, *pub, *s, *pretty, *jwt, *p, *q;
	const char *dot;
	uint8_t sig[96];
	size_t len, i;
	char *cpak_jwk;

	/* keys */
	check(ccakit_key_to_jwk(cpak, jwk, sizeof(jwk)), "JWK");
	puts_("jwk", "emu-cpak.jwk", jwk);
	{
		EVP_PKEY *pk = ccakit_key_evp(cpak);
		BIO *bio = BIO_new(BIO_s_mem());
		char *pem;
		long n;

		if (bio == NULL || PEM_write_bio_PUBKEY(bio, pk) != 1)
			die("PEM");
		n = BIO_get_mem_data(bio, &pem);
		put("jwk", "emu-cpak.pem", pem, (size_t)n);
		BIO_free(bio);
	}
	p256_jwks(&priv, &pub);
	puts_("jwk", "p256-priv.jwk", priv);
	s = replace(pub, "{", "{\"alg\":\"ES256\",");
	puts_("jwk", "pinned-es256.jwk", s);
	free(s);
	s = replace(pub, "{", "{\"alg\":\"ES384\",");
	puts_("jwk", "bad-alg.jwk", s);
	free(s);
	free(priv);

	/* The embedded verifier's EAR for the emulated realm's token. */
	cpak_jwk = slurp("demo/cpak.jwk.json", &len);
	{
		ccakit_token *t = decode(&b);
		ccakit_rv_store *rvs = ccakit_rv_store_new();

		if (tas == NULL || rvs == NULL)
			die("out of memory");
		check(ccakit_golden(t, cpak_jwk, len, tas, rvs, NULL),
		    "golden");
		ccakit_rv_store_free(&rvs);
		ccakit_token_free(&t);
	}
	free(cpak_jwk);
	memset(&o, 0, sizeof(o));
	o.nonce = challenge;
	o.nonce_len = sizeof(challenge);
	o.iat = 1700000000;
	o.flags = CCAKIT_ATTEST_RAW_EVIDENCE;
	check(ccakit_attest_cca(b.p, b.len, tas, NULL, &o, &e, NULL),
	    "attest");
	check(ccakit_ear_to_json(e, CCAKIT_EAR_JSON_PRETTY, &pretty), "EAR");
	puts_("ear_json", "emu-ear.json", pretty);
	/* Members a verifier may add (kept as unknown members). */
	s = replace(pretty, "{", "{\n  \"jti\": \"0123456789abcdef\",\n"
	    "  \"nbf\": 1700000000,\n  \"ear.veraison.key-attestation\": "
	    "{\"akpub\": \"AAAA\"},");
	puts_("ear_json", "emu-ear-extra.json", s);
	free(s);

	/* EAR JWTs signed by the demo CPAK (ES384), the key of the
	 * fuzz_jws harness, and their defects. */
	check(ccakit_ear_sign_jwt(e, cpak, CCAKIT_COSE_ES384, &jwt),
	    "sign EAR");
	puts_("jws", "emu-es384.jwt", jwt);
	check(ccakit_ear_to_json(e, 0, &s), "EAR");
	for (i = 0; i < sizeof(sig); i++)
		sig[i] = (uint8_t)(i + 1);
	p = jws_craft("{\"alg\":\"none\",\"typ\":\"JWT\"}", s, strlen(s),
	    NULL, 0);
	puts_("jws", "alg-none.jwt", p);
	free(p);
	p = jws_craft("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", s, strlen(s), sig,
	    32);
	puts_("jws", "alg-hs256.jwt", p);
	free(p);
	p = jws_craft("{\"alg\":\"ES384\",\"crit\":[\"exp\"],\"exp\":1}", s,
	    strlen(s), sig, 96);
	puts_("jws", "crit.jwt", p);
	free(p);
	p = jws_craft("{\"alg\":\"ES256\",\"typ\":\"JWT\"}", s, strlen(s), sig,
	    96);
	puts_("jws", "es256-claimed.jwt", p);
	free(p);
	p = jws_craft("{\"alg\":\"ES384\"}", "", 0, sig, 96);
	puts_("jws", "empty-payload.jwt", p);
	free(p);
	/* the good JWT, cut: two segments; a short signature; padding */
	dot = strrchr(jwt, '.');
	p = xasprintf("%.*s", (int)(dot - jwt), jwt);
	puts_("jws", "two-segments.jwt", p);
	free(p);
	p = xasprintf("%.*s", (int)(strlen(jwt) - 8), jwt);
	puts_("jws", "short-sig.jwt", p);
	free(p);
	q = xasprintf("%s==", jwt);
	puts_("jws", "padded.jwt", q);
	free(q);
	free(jwt);
	free(s);

	/* A Veraison discovery document with the demo CPAK as EAR key. */
	s = replace(jwk, "{", "{\"alg\":\"ES384\",");
	p = xasprintf("{\"ear-verification-key\":%s,\"media-types\":["
	    "\"application/eat-collection; profile=\\\"http://arm.com/"
	    "CCA-SSD/1.0.0\\\"\"],\"version\":\"ccakit\",\"service-state\":"
	    "\"READY\",\"api-endpoints\":{\"newChallengeResponseSession\":"
	    "\"/challenge-response/v1/newSession\"}}", s);
	puts_("veraison", "discovery.json", p);
	free(p);
	free(s);
	free(pub);
	free(pretty);
	ccakit_ear_free(&e);
	ccakit_ta_store_free(&tas);
	free(b.p);
}

/* --- key broker bodies --- */

static void
seeds_kb(const uint8_t *log, size_t loglen)
{
	static const char mt[] =
	    "application/eat-collection; profile=\"http://arm.com/CCA-SSD/1.0.0\"";
	static const char logmt[] = "application/vnd.veraison.tcg-tpm2-log";
	struct buf b = token(CCAKIT_FORMAT_399, false);
	struct ccakit_cbor_writer w;
	uint8_t *m = xmalloc(BUFSZ + 8 * loglen);
	char *s, *c;
	size_t n, i;

	s = b64(b.p, b.len, CCAKIT_B64_URL);
	put_sel("kb_evidence", "body-emu-token", 'b', s, strlen(s));
	c = xasprintf("%s==", s);
	put_sel("kb_evidence", "body-padded", 'b', c, strlen(c));
	free(c);
	free(s);
	/* CMW {"evidence": [mt, token], "event_log": [mt, log]}, the log as
	 * a bstr, then as serde's array of integers. */
	for (i = 0; i < 2; i++) {
		ccakit_cbor_writer_init(&w, m, BUFSZ + 8 * loglen);
		ccakit_cbor_put_map(&w, 2);
		ccakit_cbor_put_cstr(&w, "evidence");
		ccakit_cbor_put_array(&w, 2);
		ccakit_cbor_put_cstr(&w, mt);
		ccakit_cbor_put_bstr(&w, b.p, b.len);
		ccakit_cbor_put_cstr(&w, "event_log");
		ccakit_cbor_put_array(&w, 2);
		ccakit_cbor_put_cstr(&w, logmt);
		if (i == 0) {
			ccakit_cbor_put_bstr(&w, log, loglen);
		} else {
			size_t k;

			ccakit_cbor_put_array(&w, loglen);
			for (k = 0; k < loglen; k++)
				ccakit_cbor_put_uint(&w, log[k]);
		}
		check(ccakit_cbor_writer_finish(&w, &n), "CMW");
		put_sel("kb_evidence", i == 0 ? "cmw-token-log" :
		    "cmw-serde-array", 'c', m, n);
	}
	/* The challenge reply keybroker-app reads. */
	s = b64(challenge, sizeof(challenge), CCAKIT_B64_URL);
	c = xasprintf("{\"challenge\":\"%s\",\"accept\":[\"application/"
	    "eat-collection; profile=http://arm.com/CCA-SSD/1.0.0\"]}", s);
	puts_("kba_response", "challenge.json", c);
	free(c);
	free(s);
	free(m);
	free(b.p);
}

/* --- the VMM models: DTBs, event logs --- */

static struct ccakit_vmm *
vmm(enum ccakit_vmm_type type, const char *const *argv, bool qemu_host)
{
	struct ccakit_vmm_opts o;
	struct ccakit_errdetail m;
	struct ccakit_vmm *v = NULL;
	int argc = 0;

	memset(&o, 0, sizeof(o));
	o.host.set = CCAKIT_CAP_NUM_WPS | CCAKIT_CAP_NUM_BPS;
	o.host.num_wps = o.host.num_bps = 6;
	if (qemu_host) {
		o.host.set |= CCAKIT_CAP_IPA_BITS | CCAKIT_CAP_PMU_NUM_CTRS;
		o.host.ipa_bits = 52;
		o.host.pmu_num_ctrs = 6;
	}
	while (argv[argc] != NULL)
		argc++;
	if ((v = ccakit_vmm_new()) == NULL ||
	    ccakit_vmm_from_args(v, type, argc, argv, &o, &m) != CCAKIT_OK)
		die("VMM model: %s", v == NULL ? "out of memory" : m.text);
	return v;
}

static void
put_dtb(const char *name, struct ccakit_vmm *v, size_t cut)
{
	const uint8_t *dtb;
	size_t len;

	check(ccakit_vmm_dtb(v, &dtb, &len, NULL), "DTB");
	put("dtb", name, dtb, cut != 0 && cut < len ? cut : len);
}

/* Measure v, writing its event log to OUTDIR/eventlog/name. */
static void
put_log(const char *name, struct ccakit_vmm *v)
{
	struct ccakit_vmm_measure_opts mo;
	struct ccakit_vmm_measurements mm;
	struct ccakit_errdetail m;
	char path[4096];

	outdir("eventlog");
	(void)snprintf(path, sizeof(path), "%s/eventlog/%s", out, name);
	memset(&mo, 0, sizeof(mo));
	mo.rmm_major = 1;
	mo.event_log = path;
	if (ccakit_vmm_measure(v, &mo, &mm, &m) != CCAKIT_OK)
		die("measure: %s", m.text);
}

static void
seeds_vmm(uint8_t **log, size_t *loglen)
{
	/* Not the command lines of the vectors' DTBs: other bytes. */
	static const char *const kvm[] = { "--realm", "-c", "3", "-m", "768M",
	    NULL };
	static const char *const kvmlog[] = { "--realm", "-c", "2", "-m",
	    "256M", "--measurement-log", NULL };
	static const char *const qemu[] = { "-smp", "3", "-m", "512M", NULL };
	static const char *const ch[] = { "--platform", "arm_rme=on",
	    "--cpus", "boot=3", "--memory", "size=512M", NULL };
	struct ccakit_vmm *v;
	const uint8_t *dtb;
	uint8_t *huge;
	size_t len;
	char path[4096];
	struct ccakit_realm_config c;

	v = vmm(CCAKIT_VMM_KVMTOOL, kvm, false);
	put_dtb("emu-kvmtool-3cpu-768M.dtb", v, 0);
	put_dtb("kvmtool-truncated.dtb", v, 2000);
	put_dtb("header-only.dtb", v, 40);
	ccakit_vmm_free(&v);
	v = vmm(CCAKIT_VMM_QEMU, qemu, true);
	put_dtb("emu-qemu-3cpu-512M.dtb", v, 0);
	ccakit_vmm_free(&v);
	v = vmm(CCAKIT_VMM_CLOUDHV, ch, false);
	put_dtb("emu-cloudhv-3cpu.dtb", v, 0);
	/* totalsize far beyond the blob */
	check(ccakit_vmm_dtb(v, &dtb, &len, NULL), "DTB");
	huge = xmalloc(len);
	memcpy(huge, dtb, len);
	huge[4] = 0x7f;
	put("dtb", "huge-totalsize.dtb", huge, len);
	free(huge);
	ccakit_vmm_free(&v);

	/* The log the model writes fills its 64 KiB region; keep the
	 * shortest prefix that still parses. */
	v = vmm(CCAKIT_VMM_KVMTOOL, kvmlog, false);
	put_log("emu-kvmtool-log.bin", v);
	ccakit_vmm_free(&v);
	(void)snprintf(path, sizeof(path), "%s/eventlog/emu-kvmtool-log.bin",
	    out);
	check(cki_read_file(path, 1 << 20, log, &len), path);
	for (*loglen = len; *loglen > 0 && (*log)[*loglen - 1] == 0;
	    (*loglen)--)
		;
	for (;; (*loglen)++) {
		ccakit_evlog *l = NULL;
		int r;

		if (*loglen > len)
			die("%s does not parse", path);
		if ((l = ccakit_evlog_new()) == NULL)
			die("out of memory");
		r = ccakit_evlog_parse(l, *log, *loglen, 0, NULL);
		ccakit_evlog_free(&l);
		if (r == CCAKIT_OK)
			break;
	}
	put("eventlog", "emu-kvmtool-log.bin", *log, *loglen);

	/* A log of REALM_CREATE alone. */
	memset(&c, 0, sizeof(c));
	c.params.s2sz = 48;
	c.params.num_bps = 5;
	c.params.num_wps = 3;
	c.vmm_name = "kvmtool";
	{
		uint8_t *l;
		size_t n;

		check(ccakit_evlog_write(&c, NULL, &l, &n, NULL), "log");
		put("eventlog", "realm-create-only.bin", l, n);
		free(l);
	}
}

/* --- host capability files (the project's own) --- */

static void
seeds_conf(void)
{
	puts_("vmmconf", "host.conf", "# A host of ours: what it offers\n"
	    "ipa_bits = 48\nnum_bps = 12\nnum_wps = 10\npmu_num_ctrs = 7\n"
	    "sve_vl = 1024\npmu = true\nlpa2 = true\n");
	puts_("vmmconf", "qemu-like.conf", "# an emulator with fewer\n"
	    "# watchpoints\nnum_wps = 4\nnum_bps = 6\nsve_vl = 2048\n"
	    "ipa_bits = 52\npmu = true\npmu_num_ctrs = 6\nlpa2 = true\n");
	puts_("vmmconf", "rmm-limits.conf", "# what the RMM implements\n"
	    "num_wps = 2\nnum_bps = 2\nlpa2 = false\n");
	puts_("vmmconf", "no-lpa2.conf", "lpa2 = false # not enabled here\n");
}

/* --- CoRIM and CoMID (the emulated realm's, as ccakit writes them) --- */

/* A CoMID template with a member of every kind (test_corim's). */
static const char comid_all[] = CORIM_SAMPLE_COMID_ALL;


static void
put_corim(const char *name, const ccakit_corim *c)
{
	uint8_t *e;
	size_t len;
	char *tn;

	check(ccakit_corim_encode(c, &e, &len), name);
	put("corim", name, e, len);
	/* The 2024 form: the same map without #6.501. */
	if (strcmp(name, "platform.cbor") == 0)
		put("corim", "untagged-platform.cbor", e + 3, len - 3);
	/* Truncated: the decoder must refuse it cleanly. */
	tn = xasprintf("truncated-%s", name);
	put("corim", tn, e, len / 2);
	free(tn);
	free(e);
}

static void
seeds_corim(void)
{
	struct buf b = token(CCAKIT_FORMAT_907, false);
	ccakit_token *t = decode(&b);
	ccakit_ta_store *tas = ccakit_ta_store_new();
	ccakit_rv_store *rvs = ccakit_rv_store_new();
	struct ccakit_corim_build o;
	struct ccakit_corim_meta meta;
	ccakit_corim *p = NULL, *r = NULL;
	ccakit_comid *m;
	uint8_t *e;
	size_t len, i;
	char *jwk;

	jwk = slurp("demo/cpak.jwk.json", &len);
	if (tas == NULL || rvs == NULL)
		die("out of memory");
	check(ccakit_golden(t, jwk, len, tas, rvs, NULL), "golden");
	free(jwk);
	memset(&o, 0, sizeof(o));
	o.corim_id = "ccakit-emulated-realm";
	o.entity_name = "ccakit";
	o.entity_regid = "https://ccakit.example";
	check(ccakit_corim_from_stores(tas, rvs, &o, &p, &r, NULL), "CoRIM");
	put_corim("platform.cbor", p);
	put_corim("realm.cbor", r);
	for (i = 0; i < 2; i++) {
		check(ccakit_corim_comid(i == 0 ? p : r, 0, &m, NULL), "CoMID");
		check(ccakit_comid_encode(m, &e, &len), "CoMID");
		put("comid", i == 0 ? "platform.cbor" : "realm.cbor", e, len);
		free(e);
		ccakit_comid_free(&m);
	}
	memset(&meta, 0, sizeof(meta));
	meta.signer_name = "ccakit emulated realm";
	meta.signer_uri = "https://ccakit.example";
	meta.has_not_after = true;
	meta.not_after = 4102444800;	/* 2100-01-01 */
	check(ccakit_corim_sign(r, cpak, 0, &meta, NULL, 0,
	    (const uint8_t *)"cpak", 4, &e, &len, NULL), "sign");
	put("corim", "signed-realm.cbor", e, len);
	free(e);
	ccakit_corim_free(&p);
	ccakit_corim_free(&r);
	/* The draft's forms: text profile, text algorithms, masked config. */
	o.profile_form = CCAKIT_CORIM_PROFILE_TEXT;
	o.digest_alg_text = true;
	o.config_masked = true;
	check(ccakit_corim_from_stores(tas, rvs, &o, &p, &r, NULL), "CoRIM");
	put_corim("platform-draft.cbor", p);
	put_corim("realm-draft.cbor", r);
	ccakit_corim_free(&p);
	ccakit_corim_free(&r);
	check(ccakit_comid_from_json(comid_all, strlen(comid_all), &m, NULL),
	    "CoMID template");
	check(ccakit_comid_encode(m, &e, &len), "CoMID");
	put("comid", "all-members.cbor", e, len);
	free(e);
	ccakit_comid_free(&m);
	ccakit_ta_store_free(&tas);
	ccakit_rv_store_free(&rvs);
	ccakit_token_free(&t);
	free(b.p);
}

int
main(int argc, char **argv)
{
	char *json;
	size_t len, i;
	uint8_t *log;
	size_t loglen;

	if (argc != 3) {
		fprintf(stderr, "usage: mkcorpus SRCDIR OUTDIR\n");
		return 1;
	}
	src = argv[1];
	out = argv[2];
	if (mkdir(out, 0755) != 0 && errno != EEXIST)
		die("%s: %s", out, strerror(errno));
	for (i = 0; i < sizeof(challenge); i++)
		challenge[i] = (uint8_t)(0x40 + i);
	cpak = key_pem("demo/cpak.pem");
	rak = key_pem("demo/rak.pem");
	json = slurp("demo/claims.json", &len);
	if ((claims = ccakit_claimset_new()) == NULL)
		die("out of memory");
	check(ccakit_claimset_from_json(claims, json, len, NULL),
	    "demo/claims.json");
	free(json);

	seeds_tokens();
	seeds_json();
	seeds_keys_ears();
	seeds_vmm(&log, &loglen);
	seeds_kb(log, loglen);
	seeds_conf();
	seeds_corim();
	free(log);
	ccakit_claimset_free(&claims);
	ccakit_key_free(&cpak);
	ccakit_key_free(&rak);
	return 0;
}
