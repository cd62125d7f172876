/*
 * Unit tests of the COSE module: EC keys and COSE_Sign1 against the
 * upstream vectors, mutations of signed messages, crafted malformed
 * messages and sign/verify round trips. Messages and keys made here
 * (token_make) carry the generic checks; the upstream vectors' too when
 * they are present.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <ccakit/bytes.h>
#include <ccakit/cbor.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>

#include "cose/cose_priv.h"
#include "testutil.h"

#define TAG_CCA_TOKEN	399
#define KEY_PLATFORM	44234
#define KEY_REALM	44241
#define CLAIM_RAK	44237

/* --- helpers --- */

/* A token vector and the two COSE_Sign1 messages it carries. */
struct token {
	uint8_t *buf;
	size_t len;
	struct ccakit_bytes platform;
	struct ccakit_bytes realm;
};

static void
token_load(struct token *t, const char *rel)
{
	struct ccakit_cbor_item top, map, v;

	t->buf = tu_read_vector(rel, &t->len);
	assert_int_equal(ccakit_cbor_parse(t->buf, t->len, NULL, &top, NULL),
	    CCAKIT_OK);
	assert_int_equal(top.type, CCAKIT_CBOR_TAG);
	assert_int_equal(top.u, TAG_CCA_TOKEN);
	ccakit_cbor_tag_content(&top, &map);
	assert_int_equal(map.type, CCAKIT_CBOR_MAP);
	assert_true(ccakit_cbor_map_get_int(&map, KEY_PLATFORM, &v));
	assert_int_equal(v.type, CCAKIT_CBOR_BSTR);
	t->platform.ptr = v.data;
	t->platform.len = (size_t)v.u;
	assert_true(ccakit_cbor_map_get_int(&map, KEY_REALM, &v));
	assert_int_equal(v.type, CCAKIT_CBOR_BSTR);
	t->realm.ptr = v.data;
	t->realm.len = (size_t)v.u;
}

static void
token_free(struct token *t)
{
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

static ccakit_key *gen_key(const char *curve);
static void jwk_xy(const char *json, char *x, char *y, size_t sz);

/*
 * The two messages of a token as an emulated realm makes them, with keys
 * made here: the platform's signed by a fresh CPAK on cpak_curve, the
 * realm's (ES384) by a fresh P-384 RAK whose COSE_Key is the realm
 * payload's claim 44237. The CPAK is returned in *cpak.
 */
static void
token_make(struct token *t, const char *cpak_curve, ccakit_key **cpak)
{
	static const uint8_t pclaims[] = { 0xa1, 0x0a, 0x43, 1, 2, 3 };
	struct ccakit_cbor_writer w;
	ccakit_key *rak = gen_key("P-384");
	uint8_t ck[160], payload[200];
	size_t ckn, pn, n1, n2;

	*cpak = gen_key(cpak_curve);
	assert_int_equal(ccakit_key_to_cose_key(rak, ck, sizeof(ck), &ckn),
	    CCAKIT_OK);
	ccakit_cbor_writer_init(&w, payload, sizeof(payload));
	ccakit_cbor_put_map(&w, 1);
	ccakit_cbor_put_uint(&w, CLAIM_RAK);
	ccakit_cbor_put_bstr(&w, ck, ckn);
	assert_int_equal(ccakit_cbor_writer_finish(&w, &pn), CCAKIT_OK);
	t->len = 2048;
	assert_non_null(t->buf = malloc(t->len));
	assert_int_equal(ccakit_cose_sign1_sign(*cpak, 0, pclaims,
	    sizeof(pclaims), t->buf, 1024, &n1), CCAKIT_OK);
	assert_int_equal(ccakit_cose_sign1_sign(rak, CCAKIT_COSE_ES384,
	    payload, pn, t->buf + n1, 1024, &n2), CCAKIT_OK);
	t->platform.ptr = t->buf;
	t->platform.len = n1;
	t->realm.ptr = t->buf + n1;
	t->realm.len = n2;
	t->len = n1 + n2;
	ccakit_key_free(&rak);
}

static void
decode_ok(struct ccakit_bytes b, struct ccakit_cose_sign1 *m)
{
	assert_int_equal(ccakit_cose_sign1_decode(b.ptr, b.len, m), CCAKIT_OK);
}

/* The RAK claim (44237) of a decoded realm token. */
static struct ccakit_bytes
realm_rak(const struct ccakit_cose_sign1 *realm)
{
	struct ccakit_cbor_item claims, v;
	struct ccakit_bytes b;

	assert_int_equal(ccakit_cbor_parse(realm->payload.ptr,
	    realm->payload.len, NULL, &claims, NULL), CCAKIT_OK);
	assert_int_equal(claims.type, CCAKIT_CBOR_MAP);
	assert_true(ccakit_cbor_map_get_int(&claims, CLAIM_RAK, &v));
	assert_int_equal(v.type, CCAKIT_CBOR_BSTR);
	b.ptr = v.data;
	b.len = (size_t)v.u;
	return b;
}

/* The realm RAK as a key: a raw point, or a COSE_Key (draft-ffm-00). */
static ccakit_key *
realm_key(const struct ccakit_cose_sign1 *realm)
{
	struct ccakit_bytes rak = realm_rak(realm);
	ccakit_key *k = ccakit_key_new();

	assert_non_null(k);
	if (rak.len == 97)
		assert_int_equal(ccakit_key_from_sec1(k, CCAKIT_COSE_CRV_P384,
		    rak.ptr, rak.len), CCAKIT_OK);
	else
		assert_int_equal(ccakit_key_from_cose_key(k, rak.ptr, rak.len),
		    CCAKIT_OK);
	return k;
}

/* The "pkey" JWK of the first entry of a TA store, as compact text. */
static char *
ta_jwk(const char *rel)
{
	json_error_t jerr;
	json_t *root, *pkey;
	char *s;

	root = json_load_file(tu_vector_path(rel), JSON_REJECT_DUPLICATES,
	    &jerr);
	assert_non_null(root);
	assert_true(json_is_array(root));
	pkey = json_object_get(json_array_get(root, 0), "pkey");
	assert_non_null(pkey);
	s = json_dumps(pkey, JSON_COMPACT);
	assert_non_null(s);
	json_decref(root);
	return s;
}

static ccakit_key *
jwk_key(const char *json)
{
	ccakit_key *k = ccakit_key_new();

	assert_non_null(k);
	assert_int_equal(ccakit_key_from_jwk(k, json, strlen(json)),
	    CCAKIT_OK);
	return k;
}

static ccakit_key *
ta_key(const char *rel)
{
	char *s = ta_jwk(rel);
	ccakit_key *k = jwk_key(s);

	free(s);
	return k;
}

/* A key from an OpenSSL key through its PEM (PKCS#8 or SPKI). */
static ccakit_key *
evp_key(EVP_PKEY *pkey, bool priv)
{
	ccakit_key *k = ccakit_key_new();
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem;
	long n;

	assert_non_null(k);
	assert_non_null(bio);
	if (priv)
		assert_int_equal(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL,
		    0, NULL, NULL), 1);
	else
		assert_int_equal(PEM_write_bio_PUBKEY(bio, pkey), 1);
	n = BIO_get_mem_data(bio, &pem);
	assert_true(n > 0);
	assert_int_equal(ccakit_key_from_pem(k, pem, (size_t)n), CCAKIT_OK);
	BIO_free(bio);
	return k;
}

static ccakit_key *
gen_key(const char *curve)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
	ccakit_key *k;

	assert_non_null(pkey);
	k = evp_key(pkey, true);
	EVP_PKEY_free(pkey);
	return k;
}

/* A public-only copy of k. */
static ccakit_key *
pub_key(const ccakit_key *k)
{
	uint8_t pt[CKI_EC_POINT_MAX];
	ccakit_key *p = ccakit_key_new();
	size_t n;

	assert_non_null(p);
	assert_int_equal(ccakit_key_to_sec1(k, pt, sizeof(pt), &n), CCAKIT_OK);
	assert_int_equal(ccakit_key_from_sec1(p, ccakit_key_crv(k), pt, n),
	    CCAKIT_OK);
	assert_false(ccakit_key_has_private(p));
	return p;
}

/* Decode and verify; the result of whichever step fails first. */
static int
decode_verify(const uint8_t *buf, size_t len, const ccakit_key *k)
{
	struct ccakit_cose_sign1 m;
	int r;

	if ((r = ccakit_cose_sign1_decode(buf, len, &m)) != CCAKIT_OK)
		return r;
	return ccakit_cose_sign1_verify(&m, k);
}

/* COSE_Sign1 from pre-encoded parts (NULL part = omitted). */
static size_t
craft(uint8_t *out, size_t outsz, int64_t tag, size_t nitems,
    const char *prot, const char *unprot, const char *payload,
    const char *sig)
{
	const char *parts[4] = { prot, unprot, payload, sig };
	struct ccakit_cbor_writer w;
	uint8_t *b;
	size_t i, n;

	ccakit_cbor_writer_init(&w, out, outsz);
	if (tag >= 0)
		ccakit_cbor_put_tag(&w, (uint64_t)tag);
	ccakit_cbor_put_array(&w, nitems);
	for (i = 0; i < 4; i++) {
		if (parts[i] == NULL)
			continue;
		b = tu_hex(parts[i], &n);
		ccakit_cbor_put_raw(&w, b, n);
		free(b);
	}
	assert_int_equal(ccakit_cbor_writer_finish(&w, &n), CCAKIT_OK);
	return n;
}

static int
craft_decode(int64_t tag, size_t nitems, const char *prot,
    const char *unprot, const char *payload, const char *sig)
{
	struct ccakit_cose_sign1 m;
	uint8_t buf[512];
	size_t n;

	n = craft(buf, sizeof(buf), tag, nitems, prot, unprot, payload, sig);
	return ccakit_cose_sign1_decode(buf, n, &m);
}

/* --- vectors --- */

static void
test_vector_tokens(void **state)
{
	static const struct {
		const char *token;
		const char *ta;
		int palg;
	} tv[] = {
		{ "rust-ccatoken/cca-token-01.cbor",
		    "rust-ccatoken/ta-tfa.json", CCAKIT_COSE_ES384 },
		{ "rust-ccatoken/cca-token-02.cbor",
		    "rust-ccatoken/ta-02-ok.json", CCAKIT_COSE_ES256 },
		{ "rust-ccatoken/cca-token-draft-ffm-00.cbor",
		    "rust-ccatoken/ta-tfa.json", CCAKIT_COSE_ES384 },
		{ "rust-ccatoken/bug-33-repro.cbor",
		    "rust-ccatoken/ta-tfa.json", CCAKIT_COSE_ES384 },
		{ "go-ccatoken/evidence/GoodLegacyCCAToken.cbor",
		    "rust-ccatoken/ta-02-ok.json", CCAKIT_COSE_ES256 },
	};
	struct ccakit_cose_sign1 p, r;
	struct token t;
	ccakit_key *cpak, *rak, *other;
	size_t i;

	(void)state;
	tu_need_vectors("rust-ccatoken");
	other = ta_key("rust-ccatoken/ta.json");
	for (i = 0; i < sizeof(tv) / sizeof(tv[0]); i++) {
		token_load(&t, tv[i].token);
		decode_ok(t.platform, &p);
		decode_ok(t.realm, &r);
		assert_int_equal(p.alg, tv[i].palg);
		assert_int_equal(r.alg, CCAKIT_COSE_ES384);
		/* Views point into the input. */
		assert_true(p.payload.ptr > t.platform.ptr &&
		    p.payload.ptr + p.payload.len <=
		    t.platform.ptr + t.platform.len);
		assert_int_equal(p.signature.len,
		    2 * ccakit_cose_crv_coord_len(
		    ccakit_cose_alg_crv(p.alg)));

		cpak = ta_key(tv[i].ta);
		rak = realm_key(&r);
		assert_int_equal(ccakit_cose_sign1_verify(&p, cpak), CCAKIT_OK);
		assert_int_equal(ccakit_cose_sign1_verify(&r, rak), CCAKIT_OK);
		/* Keys swapped: wrong curve or wrong key. */
		assert_int_not_equal(ccakit_cose_sign1_verify(&r, cpak),
		    CCAKIT_OK);
		assert_int_not_equal(ccakit_cose_sign1_verify(&p, rak),
		    CCAKIT_OK);
		/* ta.json is a P-256 key of another platform. */
		assert_int_equal(ccakit_cose_sign1_verify(&p, other),
		    p.alg == CCAKIT_COSE_ES256 ? CCAKIT_ERR_SIGNATURE :
		    CCAKIT_ERR_KEY_MISMATCH);
		ccakit_key_free(&cpak);
		ccakit_key_free(&rak);
		assert_null(rak);
		token_free(&t);
	}
	ccakit_key_free(&other);
	ccakit_key_free(&other);	/* NULL is fine */
}

/* A JWK whose point is not on the curve. */
/* ccakit_key_evp() gives an EVP_PKEY *, not a void * to cast. */
_Static_assert(_Generic(ccakit_key_evp(NULL), EVP_PKEY *: 1, default: 0),
    "ccakit_key_evp returns EVP_PKEY *");

static void
bad_point_refused(const char *s)
{
	ccakit_key *k = ccakit_key_new();

	assert_int_equal(ccakit_key_from_jwk(k, s, strlen(s)),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(ccakit_key_crv(k), 0);
	assert_null(ccakit_key_evp(k));
	ccakit_key_free(&k);
}

static void
test_ta_bad_refused(void **state)
{
	ccakit_key *a = gen_key("P-256"), *b = gen_key("P-256");
	char ja[512], jb[512], x[128], y[128], bad[512];
	char *s;

	(void)state;
	/* x of one key, y of another (as rust-ccatoken's ta-02-bad.json) */
	assert_int_equal(ccakit_key_to_jwk(a, ja, sizeof(ja)), CCAKIT_OK);
	assert_int_equal(ccakit_key_to_jwk(b, jb, sizeof(jb)), CCAKIT_OK);
	jwk_xy(ja, x, y, sizeof(x));
	jwk_xy(jb, bad, y, sizeof(y));
	(void)snprintf(bad, sizeof(bad), "{\"kty\":\"EC\",\"crv\":\"P-256\","
	    "\"x\":\"%s\",\"y\":\"%s\"}", x, y);
	bad_point_refused(bad);
	ccakit_key_free(&a);
	ccakit_key_free(&b);
	if (!tu_have_vectors("rust-ccatoken"))
		return;
	s = ta_jwk("rust-ccatoken/ta-02-bad.json");
	bad_point_refused(s);
	free(s);
}

/* The Sig_structure digest of m is the SHA-384 value hex. */
static void
assert_sig_digest(const struct ccakit_cose_sign1 *m, const char *hex)
{
	uint8_t md[CKI_MD_MAX], *want;
	size_t mdlen, n;

	assert_int_equal(cki_cose_sig_digest(m->alg, m->protected_hdr.ptr,
	    m->protected_hdr.len, m->payload.ptr, m->payload.len, md, &mdlen),
	    CCAKIT_OK);
	want = tu_hex(hex, &n);
	assert_int_equal(mdlen, 48);
	assert_memory_equal(md, want, n);
	free(want);
}

static void
test_sig_structure_digest(void **state)
{
	static const char *want_realm =
	    "375c707413bcbff468e4bad9712046ae5ea2212f3833ea5b"
	    "84ea9279899601643aff79309f81ca016845b5fc22775bd9";
	static const char *want_platform =
	    "c6bccc972fa9af0f762f47ada1c667c68e1c81c6d878017d"
	    "ab396a11f9cf6bf5ed42242724f3fb6d9f18b42a0874705d";
	struct ccakit_cose_sign1 m;
	struct token t;
	uint8_t md[CKI_MD_MAX];
	size_t mdlen;

	(void)state;
	tu_need_vectors("rust-ccatoken");
	token_load(&t, "rust-ccatoken/cca-token-01.cbor");

	decode_ok(t.realm, &m);
	assert_int_equal(m.payload.len, 0x1b6);
	assert_sig_digest(&m, want_realm);

	decode_ok(t.platform, &m);
	assert_sig_digest(&m, want_platform);

	assert_int_equal(cki_cose_sig_digest(-8, m.protected_hdr.ptr,
	    m.protected_hdr.len, m.payload.ptr, m.payload.len, md, &mdlen),
	    CCAKIT_ERR_COSE_ALG);
	token_free(&t);
}

/* --- mutations --- */

/* Every single-bit flip of a good message is refused. */
static void
flip_all_bits(struct ccakit_bytes msg, const ccakit_key *k)
{
	uint8_t *buf = malloc(msg.len);
	size_t i;
	int b;

	assert_non_null(buf);
	memcpy(buf, msg.ptr, msg.len);
	assert_int_equal(decode_verify(buf, msg.len, k), CCAKIT_OK);
	for (i = 0; i < msg.len; i++) {
		for (b = 0; b < 8; b++) {
			buf[i] ^= (uint8_t)(1u << b);
			if (decode_verify(buf, msg.len, k) == CCAKIT_OK)
				fail_msg("bit %d of byte %zu: accepted", b, i);
			buf[i] ^= (uint8_t)(1u << b);
		}
	}
	free(buf);
}

static void
test_bit_flips(void **state)
{
	struct ccakit_cose_sign1 m;
	struct token t;
	ccakit_key *rak, *cpak;

	(void)state;
	/* made here: the realm message (ES384), an ES256 platform one */
	token_make(&t, "P-256", &cpak);
	decode_ok(t.realm, &m);
	rak = realm_key(&m);
	flip_all_bits(t.realm, rak);
	flip_all_bits(t.platform, cpak);
	ccakit_key_free(&rak);
	ccakit_key_free(&cpak);
	token_free(&t);
	if (!tu_have_vectors("rust-ccatoken"))
		return;

	token_load(&t, "rust-ccatoken/cca-token-01.cbor");
	decode_ok(t.realm, &m);
	rak = realm_key(&m);
	flip_all_bits(t.realm, rak);
	ccakit_key_free(&rak);
	token_free(&t);

	token_load(&t, "rust-ccatoken/cca-token-02.cbor");
	cpak = ta_key("rust-ccatoken/ta-02-ok.json");
	flip_all_bits(t.platform, cpak);
	ccakit_key_free(&cpak);
	token_free(&t);
}

static void
truncations(const struct token *t)
{
	struct ccakit_cose_sign1 m;
	uint8_t *buf;
	size_t n;

	for (n = 0; n < t->realm.len; n++) {
		/* Exact-size copies so that ASan catches over-reads. */
		buf = malloc(n > 0 ? n : 1);
		assert_non_null(buf);
		memcpy(buf, t->realm.ptr, n);
		if (ccakit_cose_sign1_decode(buf, n, &m) == CCAKIT_OK)
			fail_msg("truncation to %zu bytes: accepted", n);
		free(buf);
	}
	/* One trailing byte. */
	buf = malloc(t->realm.len + 1);
	assert_non_null(buf);
	memcpy(buf, t->realm.ptr, t->realm.len);
	buf[t->realm.len] = 0x00;
	assert_int_equal(ccakit_cose_sign1_decode(buf, t->realm.len + 1, &m),
	    CCAKIT_ERR_CBOR_TRAILING);
	free(buf);
	assert_int_equal(ccakit_cose_sign1_decode(NULL, 0, &m),
	    CCAKIT_ERR_CBOR_TRUNCATED);
	assert_int_equal(ccakit_cose_sign1_decode(t->realm.ptr, t->realm.len,
	    NULL), CCAKIT_ERR_INVALID_ARG);
}

static void
test_truncations(void **state)
{
	struct token t;
	ccakit_key *cpak;

	(void)state;
	token_make(&t, "P-384", &cpak);
	truncations(&t);
	ccakit_key_free(&cpak);
	token_free(&t);
	if (!tu_have_vectors("rust-ccatoken"))
		return;
	token_load(&t, "rust-ccatoken/cca-token-01.cbor");
	truncations(&t);
	token_free(&t);
}

/* --- crafted messages --- */

#define P384	"44a1013822"		/* bstr {1: -35} */
#define EMPTY	"a0"
#define PAYLD	"43a10a01"		/* bstr {10: 1} */
#define SIG	"4401020304"

static void
test_crafted(void **state)
{
	struct ccakit_cose_sign1 m;
	uint8_t buf[512];
	size_t n;

	(void)state;
	/* The baseline decodes: the defects below are one each. */
	assert_int_equal(craft_decode(18, 4, P384, EMPTY, PAYLD, SIG),
	    CCAKIT_OK);
	n = craft(buf, sizeof(buf), 18, 4, P384, "a10442abcd", PAYLD, SIG);
	assert_int_equal(ccakit_cose_sign1_decode(buf, n, &m), CCAKIT_OK);
	assert_int_equal(m.alg, CCAKIT_COSE_ES384);
	assert_int_equal(m.protected_hdr.len, 4);
	assert_int_equal(m.payload.len, 3);
	assert_int_equal(m.signature.len, 4);

	/* Envelope. */
	assert_int_equal(craft_decode(-1, 4, P384, EMPTY, PAYLD, SIG),
	    CCAKIT_ERR_COSE_MALFORMED);		/* untagged */
	assert_int_equal(craft_decode(98, 4, P384, EMPTY, PAYLD, SIG),
	    CCAKIT_ERR_COSE_MALFORMED);		/* COSE_Sign */
	assert_int_equal(craft_decode(17, 4, P384, EMPTY, PAYLD, SIG),
	    CCAKIT_ERR_COSE_MALFORMED);		/* COSE_Mac0 */
	assert_int_equal(craft_decode(18, 3, P384, EMPTY, PAYLD, NULL),
	    CCAKIT_ERR_COSE_MALFORMED);
	assert_int_equal(craft_decode(18, 5, P384, EMPTY, PAYLD,
	    SIG "40"), CCAKIT_ERR_COSE_MALFORMED);
	n = craft(buf, sizeof(buf), 18, 4, P384, EMPTY, PAYLD, SIG);
	assert_int_equal(ccakit_cose_sign1_decode(buf + 1, n - 1, &m),
	    CCAKIT_ERR_COSE_MALFORMED);		/* bare array */
	assert_int_equal(craft_decode(18, 4, P384, EMPTY, PAYLD, SIG "00"),
	    CCAKIT_ERR_CBOR_TRAILING);
	assert_int_equal(craft_decode(18, 4, "a1013822", EMPTY, PAYLD, SIG),
	    CCAKIT_ERR_COSE_MALFORMED);		/* protected not bstr */
	assert_int_equal(craft_decode(18, 4, P384, "40", PAYLD, SIG),
	    CCAKIT_ERR_COSE_MALFORMED);		/* unprotected not map */
	assert_int_equal(craft_decode(18, 4, P384, EMPTY, "a10a01", SIG),
	    CCAKIT_ERR_COSE_MALFORMED);		/* payload not bstr */
	assert_int_equal(craft_decode(18, 4, P384, EMPTY, PAYLD, "6161"),
	    CCAKIT_ERR_COSE_MALFORMED);		/* signature not bstr */
	assert_int_equal(craft_decode(18, 4, P384, EMPTY, PAYLD, "40"),
	    CCAKIT_ERR_COSE_MALFORMED);		/* empty signature */

	/* Payload: attached and non-empty. */
	assert_int_equal(craft_decode(18, 4, P384, EMPTY, "40", SIG),
	    CCAKIT_ERR_COSE_MALFORMED);
	assert_int_equal(craft_decode(18, 4, P384, EMPTY, "f6", SIG),
	    CCAKIT_ERR_COSE_MALFORMED);		/* detached (nil) */

	/* Protected header. */
	assert_int_equal(craft_decode(18, 4, "40", EMPTY, PAYLD, SIG),
	    CCAKIT_ERR_COSE_MALFORMED);		/* zero-length */
	assert_int_equal(craft_decode(18, 4, "41a0", EMPTY, PAYLD, SIG),
	    CCAKIT_ERR_COSE_MALFORMED);		/* empty map */
	assert_int_equal(craft_decode(18, 4, "4180", EMPTY, PAYLD, SIG),
	    CCAKIT_ERR_COSE_MALFORMED);		/* not a map */
	assert_int_equal(craft_decode(18, 4, "45a101390022", EMPTY, PAYLD,
	    SIG), CCAKIT_ERR_CBOR_NON_PREFERRED);
	assert_int_equal(craft_decode(18, 4, "45a101382200", EMPTY, PAYLD,
	    SIG), CCAKIT_ERR_CBOR_TRAILING);
	assert_int_equal(craft_decode(18, 4, "47a2013822013822", EMPTY, PAYLD,
	    SIG), CCAKIT_ERR_CBOR_DUPLICATE_KEY);
	assert_int_equal(craft_decode(18, 4, "47a201382202810d", EMPTY, PAYLD,
	    SIG), CCAKIT_ERR_COSE_MALFORMED);	/* crit [13] */
	assert_int_equal(craft_decode(18, 4, "46a20138220201", EMPTY, PAYLD,
	    SIG), CCAKIT_ERR_COSE_MALFORMED);	/* crit: 1 */

	/* Algorithm. */
	assert_int_equal(craft_decode(18, 4, "43a10442", EMPTY, PAYLD, SIG),
	    CCAKIT_ERR_CBOR_TRUNCATED);
	assert_int_equal(craft_decode(18, 4, "44a1044100", EMPTY, PAYLD, SIG),
	    CCAKIT_ERR_COSE_ALG);		/* no alg (kid only) */
	assert_int_equal(craft_decode(18, 4, "44a1044100", "a1013822", PAYLD,
	    SIG), CCAKIT_ERR_COSE_ALG);	/* only unprotected */
	assert_int_equal(craft_decode(18, 4, P384, "a1013822", PAYLD, SIG),
	    CCAKIT_ERR_COSE_MALFORMED);	/* also unprotected */
	assert_int_equal(craft_decode(18, 4, P384, "a10281" "01", PAYLD, SIG),
	    CCAKIT_ERR_COSE_MALFORMED);		/* crit unprotected */
	assert_int_equal(craft_decode(18, 4, "43a10127", EMPTY, PAYLD, SIG),
	    CCAKIT_ERR_COSE_ALG);		/* EdDSA */
	assert_int_equal(craft_decode(18, 4, "43a10101", EMPTY, PAYLD, SIG),
	    CCAKIT_ERR_COSE_ALG);		/* A128GCM */
	assert_int_equal(craft_decode(18, 4, "48a1016545533235" "36", EMPTY,
	    PAYLD, SIG), CCAKIT_ERR_COSE_ALG);	/* "ES256" text */
	assert_int_equal(craft_decode(18, 4, "44a1014126", EMPTY, PAYLD, SIG),
	    CCAKIT_ERR_COSE_MALFORMED);		/* bstr alg */
	assert_int_equal(craft_decode(18, 4, "4ba1013bffffffffffffffff",
	    EMPTY, PAYLD, SIG), CCAKIT_ERR_COSE_ALG);	/* -2^64 */
	assert_int_equal(craft_decode(18, 4, "47a1013a80000022", EMPTY,
	    PAYLD, SIG), CCAKIT_ERR_COSE_ALG);	/* below INT32_MIN */
	assert_int_equal(craft_decode(18, 4, "43a10126", EMPTY, PAYLD, SIG),
	    CCAKIT_OK);
	assert_int_equal(craft_decode(18, 4, "44a1013823", EMPTY, PAYLD, SIG),
	    CCAKIT_OK);
}

/* --- sign / verify --- */

static void
check_roundtrip(const char *curve, int crv, int alg, const char *prot)
{
	static const uint8_t payload[] = { 0xa1, 0x0a, 0x48, 1, 2, 3, 4, 5, 6,
	    7, 8 };
	struct ccakit_cose_sign1 m;
	ccakit_key *k = gen_key(curve), *p;
	uint8_t out[512], *want;
	size_t n, n2, wlen, clen = ccakit_cose_crv_coord_len(crv);

	assert_int_equal(ccakit_key_crv(k), crv);
	assert_true(ccakit_key_has_private(k));
	assert_int_equal(ccakit_key_default_alg(k), alg);
	assert_int_equal(ccakit_key_pinned_alg(k), 0);
	p = pub_key(k);

	/* alg 0 means the key's own algorithm. */
	assert_int_equal(ccakit_cose_sign1_sign(k, 0, payload, sizeof(payload),
	    out, sizeof(out), &n), CCAKIT_OK);
	want = tu_hex(prot, &wlen);
	assert_memory_equal(out, want, wlen);
	free(want);
	assert_int_equal(n, wlen + 1 + sizeof(payload) + 2 + 2 * clen);
	assert_int_equal(ccakit_cose_sign1_decode(out, n, &m), CCAKIT_OK);
	assert_int_equal(m.alg, alg);
	assert_int_equal(m.signature.len, 2 * clen);
	assert_memory_equal(m.payload.ptr, payload, sizeof(payload));
	assert_int_equal(ccakit_cose_sign1_verify(&m, p), CCAKIT_OK);
	assert_int_equal(ccakit_cose_sign1_verify(&m, k), CCAKIT_OK);

	/* Exact size fits; one byte less does not, and writes nothing. */
	assert_int_equal(ccakit_cose_sign1_sign(k, alg, payload,
	    sizeof(payload), out, n, &n2), CCAKIT_OK);
	assert_int_equal(n2, n);
	memset(out, 0xee, sizeof(out));
	assert_int_equal(ccakit_cose_sign1_sign(k, alg, payload,
	    sizeof(payload), out, n - 1, &n2), CCAKIT_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(out[0], 0xee);

	/* Wrong signature length, either way. */
	assert_int_equal(ccakit_cose_sign1_sign(k, alg, payload,
	    sizeof(payload), out, sizeof(out), &n), CCAKIT_OK);
	assert_int_equal(ccakit_cose_sign1_decode(out, n, &m), CCAKIT_OK);
	m.signature.len--;
	assert_int_equal(ccakit_cose_sign1_verify(&m, p), CCAKIT_ERR_SIGNATURE);
	m.signature.len += 2;
	assert_int_equal(ccakit_cose_sign1_verify(&m, p), CCAKIT_ERR_SIGNATURE);
	m.signature.len--;
	assert_int_equal(ccakit_cose_sign1_verify(&m, p), CCAKIT_OK);
	m.signature.ptr = NULL;
	assert_int_equal(ccakit_cose_sign1_verify(&m, p), CCAKIT_ERR_SIGNATURE);

	/* A public key cannot sign; unsupported algorithms are refused. */
	assert_int_equal(ccakit_cose_sign1_sign(p, 0, payload, sizeof(payload),
	    out, sizeof(out), &n), CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(ccakit_cose_sign1_sign(k, -8, payload,
	    sizeof(payload), out, sizeof(out), &n), CCAKIT_ERR_COSE_ALG);
	assert_int_equal(ccakit_cose_sign1_sign(k, alg, payload, 0, out,
	    sizeof(out), &n), CCAKIT_ERR_INVALID_ARG);
	ccakit_key_free(&p);
	ccakit_key_free(&k);
}

static void
test_roundtrip(void **state)
{
	(void)state;
	check_roundtrip("P-256", CCAKIT_COSE_CRV_P256, CCAKIT_COSE_ES256,
	    "d28443a10126a0");
	check_roundtrip("P-384", CCAKIT_COSE_CRV_P384, CCAKIT_COSE_ES384,
	    "d28444a1013822a0");
	check_roundtrip("P-521", CCAKIT_COSE_CRV_P521, CCAKIT_COSE_ES512,
	    "d28444a1013823a0");
}

static void
test_mismatch(void **state)
{
	static const uint8_t payload[] = { 0xa0 };
	struct ccakit_cose_sign1 m;
	ccakit_key *k256 = gen_key("P-256"), *k384 = gen_key("P-384");
	uint8_t out[512];
	size_t n;

	(void)state;
	/* alg/curve mismatch when signing and when verifying. */
	assert_int_equal(ccakit_cose_sign1_sign(k256, CCAKIT_COSE_ES384,
	    payload, sizeof(payload), out, sizeof(out), &n),
	    CCAKIT_ERR_KEY_MISMATCH);
	assert_int_equal(ccakit_cose_sign1_sign(k384, CCAKIT_COSE_ES512,
	    payload, sizeof(payload), out, sizeof(out), &n),
	    CCAKIT_ERR_KEY_MISMATCH);
	assert_int_equal(ccakit_cose_sign1_sign(k384, 0, payload,
	    sizeof(payload), out, sizeof(out), &n), CCAKIT_OK);
	assert_int_equal(ccakit_cose_sign1_decode(out, n, &m), CCAKIT_OK);
	assert_int_equal(ccakit_cose_sign1_verify(&m, k256),
	    CCAKIT_ERR_KEY_MISMATCH);
	m.alg = CCAKIT_COSE_ES256;	/* lying about the header */
	assert_int_equal(ccakit_cose_sign1_verify(&m, k384),
	    CCAKIT_ERR_KEY_MISMATCH);
	m.alg = -8;
	assert_int_equal(ccakit_cose_sign1_verify(&m, k384),
	    CCAKIT_ERR_COSE_ALG);
	m.alg = CCAKIT_COSE_ES384;
	assert_int_equal(ccakit_cose_sign1_verify(&m, k384), CCAKIT_OK);

	/*
	 * A pin that disagrees with the header. The loaders refuse a pin
	 * that is not the curve's algorithm, so force one to exercise the
	 * verifier's own check.
	 */
	k384->alg = CCAKIT_COSE_ES256;
	assert_int_equal(ccakit_cose_sign1_verify(&m, k384),
	    CCAKIT_ERR_KEY_MISMATCH);
	assert_int_equal(ccakit_cose_sign1_sign(k384, 0, payload,
	    sizeof(payload), out, sizeof(out), &n), CCAKIT_ERR_KEY_MISMATCH);
	k384->alg = 0;

	assert_int_equal(ccakit_cose_sign1_verify(NULL, k384),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_cose_sign1_verify(&m, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	ccakit_key_free(&k256);
	ccakit_key_free(&k384);
}

/* Load into dst the COSE_Key of src with alg (3) added after kty. */
static int
cose_key_pinned(const ccakit_key *src, ccakit_key *dst, int64_t alg)
{
	struct ccakit_cbor_writer w;
	uint8_t ck[160], out[170];
	size_t n, m;

	assert_int_equal(ccakit_key_to_cose_key(src, ck, sizeof(ck), &n),
	    CCAKIT_OK);
	assert_int_equal(ck[0], 0xa4);
	ccakit_cbor_writer_init(&w, out, sizeof(out));
	ccakit_cbor_put_map(&w, 5);
	ccakit_cbor_put_raw(&w, ck + 1, 2);	/* 1: 2 */
	ccakit_cbor_put_int(&w, 3);
	ccakit_cbor_put_int(&w, alg);
	ccakit_cbor_put_raw(&w, ck + 3, n - 3);
	assert_int_equal(ccakit_cbor_writer_finish(&w, &m), CCAKIT_OK);
	return ccakit_key_from_cose_key(dst, out, m);
}

/* An ES256 message verifies with its key pinned to ES256 (JWK "alg",
 * COSE_Key alg); other pins are refused. */
static void
pinned_alg(const struct ccakit_cose_sign1 *p, const ccakit_key *k)
{
	static const char *bad_alg[] = {
	    "\"ES384\"", "\"ES512\"", "\"RS256\"", "\"EdDSA\"", "\"es256\"",
	    "\"\"", "-7", "null", "[\"ES256\"]",
	};
	char jwk[512], x[128], y[128], buf[512];
	ccakit_key *k2;
	size_t i;

	assert_int_equal(ccakit_key_to_jwk(k, jwk, sizeof(jwk)), CCAKIT_OK);
	jwk_xy(jwk, x, y, sizeof(x));
	(void)snprintf(buf, sizeof(buf), "{\"kty\":\"EC\",\"crv\":\"P-256\","
	    "\"alg\":\"ES256\",\"x\":\"%s\",\"y\":\"%s\"}", x, y);
	k2 = jwk_key(buf);
	assert_int_equal(ccakit_key_pinned_alg(k2), CCAKIT_COSE_ES256);
	assert_int_equal(ccakit_cose_sign1_verify(p, k2), CCAKIT_OK);
	for (i = 0; i < sizeof(bad_alg) / sizeof(bad_alg[0]); i++) {
		(void)snprintf(buf, sizeof(buf), "{\"kty\":\"EC\","
		    "\"crv\":\"P-256\",\"alg\":%s,\"x\":\"%s\",\"y\":\"%s\"}",
		    bad_alg[i], x, y);
		if (ccakit_key_from_jwk(k2, buf, strlen(buf)) !=
		    CCAKIT_ERR_KEY_INVALID)
			fail_msg("alg %s accepted", bad_alg[i]);
	}
	/* The same key as a COSE_Key, pinned with alg (3). */
	assert_int_equal(cose_key_pinned(k, k2, CCAKIT_COSE_ES256), CCAKIT_OK);
	assert_int_equal(ccakit_key_pinned_alg(k2), CCAKIT_COSE_ES256);
	assert_int_equal(ccakit_cose_sign1_verify(p, k2), CCAKIT_OK);
	/* A pin that is not the curve's algorithm is refused at load... */
	assert_int_equal(cose_key_pinned(k, k2, CCAKIT_COSE_ES384),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(cose_key_pinned(k, k2, -8), CCAKIT_ERR_KEY_INVALID);
	/* ...and leaves the previous key in place. */
	assert_int_equal(ccakit_key_pinned_alg(k2), CCAKIT_COSE_ES256);
	ccakit_key_free(&k2);
}

/* The same with a message and a key made here. */
static void
test_pinned_alg(void **state)
{
	struct ccakit_cose_sign1 p;
	struct token t;
	ccakit_key *cpak, *pub;

	(void)state;
	token_make(&t, "P-256", &cpak);
	decode_ok(t.platform, &p);
	assert_int_equal(p.alg, CCAKIT_COSE_ES256);
	pub = pub_key(cpak);
	pinned_alg(&p, pub);
	ccakit_key_free(&pub);
	ccakit_key_free(&cpak);
	token_free(&t);
}

/* cca-token-02's platform message, with its TA's key written out. */
static void
test_pinned_alg_vector(void **state)
{
	static const char *jwk_es256 =
	    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"ES256\","
	    "\"x\":\"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4\","
	    "\"y\":\"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM\"}";
	static const char *bad_alg[] = {
	    "\"ES384\"", "\"ES512\"", "\"RS256\"", "\"EdDSA\"", "\"es256\"",
	    "\"\"", "-7", "null", "[\"ES256\"]",
	};
	struct ccakit_cose_sign1 p;
	struct token t;
	ccakit_key *k, *k2;
	char buf[512];
	size_t i;

	(void)state;
	tu_need_vectors("rust-ccatoken");
	token_load(&t, "rust-ccatoken/cca-token-02.cbor");
	decode_ok(t.platform, &p);
	k = jwk_key(jwk_es256);
	assert_int_equal(ccakit_key_pinned_alg(k), CCAKIT_COSE_ES256);
	assert_int_equal(ccakit_cose_sign1_verify(&p, k), CCAKIT_OK);
	ccakit_key_free(&k);

	k = ccakit_key_new();
	for (i = 0; i < sizeof(bad_alg) / sizeof(bad_alg[0]); i++) {
		snprintf(buf, sizeof(buf),
		    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":%s,"
		    "\"x\":\"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4\","
		    "\"y\":\"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM\"}",
		    bad_alg[i]);
		if (ccakit_key_from_jwk(k, buf, strlen(buf)) !=
		    CCAKIT_ERR_KEY_INVALID)
			fail_msg("alg %s accepted", bad_alg[i]);
	}
	ccakit_key_free(&k);

	/* The same key as a COSE_Key, pinned with alg (3). */
	k = ta_key("rust-ccatoken/ta-02-ok.json");
	k2 = ccakit_key_new();
	assert_int_equal(cose_key_pinned(k, k2, CCAKIT_COSE_ES256), CCAKIT_OK);
	assert_int_equal(ccakit_key_pinned_alg(k2), CCAKIT_COSE_ES256);
	assert_int_equal(ccakit_cose_sign1_verify(&p, k2), CCAKIT_OK);
	/* A pin that is not the curve's algorithm is refused at load... */
	assert_int_equal(cose_key_pinned(k, k2, CCAKIT_COSE_ES384),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(cose_key_pinned(k, k2, -8), CCAKIT_ERR_KEY_INVALID);
	/* ...and leaves the previous key in place. */
	assert_int_equal(ccakit_key_pinned_alg(k2), CCAKIT_COSE_ES256);
	ccakit_key_free(&k2);
	ccakit_key_free(&k);
	token_free(&t);
}

/* --- keys --- */

/* x and y members of a JWK text. */
static void
jwk_xy(const char *json, char *x, char *y, size_t sz)
{
	json_error_t jerr;
	json_t *o = json_loads(json, 0, &jerr);

	assert_non_null(o);
	assert_true(json_is_string(json_object_get(o, "x")));
	assert_true(json_is_string(json_object_get(o, "y")));
	snprintf(x, sz, "%s", json_string_value(json_object_get(o, "x")));
	snprintf(y, sz, "%s", json_string_value(json_object_get(o, "y")));
	json_decref(o);
}

/* A key made here in SEC1 ("EC PRIVATE KEY") and SPKI PEM: both load,
 * agree with each other and with the JWK, and sign and verify. */
static void
test_pem_formats(void **state)
{
	static const uint8_t payload[] = { 0xa1, 0x01, 0x02 };
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	BIO *bio;
	char *pem, jwk[512], jwk2[512];
	long n;
	uint8_t out[512];
	size_t len;
	ccakit_key *priv = ccakit_key_new(), *pub, *ref;
	struct ccakit_cose_sign1 m;

	(void)state;
	assert_non_null(pkey);
	assert_non_null(bio = BIO_new(BIO_s_mem()));
	assert_int_equal(PEM_write_bio_PrivateKey_traditional(bio, pkey, NULL,
	    NULL, 0, NULL, NULL), 1);
	n = BIO_get_mem_data(bio, &pem);
	assert_non_null(strstr(pem, "BEGIN EC PRIVATE KEY"));
	assert_int_equal(ccakit_key_from_pem(priv, pem, (size_t)n), CCAKIT_OK);
	BIO_free(bio);
	assert_true(ccakit_key_has_private(priv));
	assert_int_equal(ccakit_key_crv(priv), CCAKIT_COSE_CRV_P384);
	assert_int_equal(ccakit_key_to_jwk(priv, jwk, sizeof(jwk)), CCAKIT_OK);
	assert_null(strstr(jwk, "\"d\""));
	/* One byte short (the NUL): refused, nothing written. */
	memset(jwk2, 0x55, sizeof(jwk2));
	assert_int_equal(ccakit_key_to_jwk(priv, jwk2, strlen(jwk)),
	    CCAKIT_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(jwk2[0], 0x55);
	pub = evp_key(pkey, false);
	assert_false(ccakit_key_has_private(pub));
	assert_int_equal(ccakit_key_to_jwk(pub, jwk2, sizeof(jwk2)),
	    CCAKIT_OK);
	assert_string_equal(jwk2, jwk);
	ref = jwk_key(jwk);
	assert_int_equal(ccakit_cose_sign1_sign(priv, 0, payload,
	    sizeof(payload), out, sizeof(out), &len), CCAKIT_OK);
	assert_int_equal(ccakit_cose_sign1_decode(out, len, &m), CCAKIT_OK);
	assert_int_equal(ccakit_cose_sign1_verify(&m, ref), CCAKIT_OK);
	assert_int_equal(ccakit_cose_sign1_verify(&m, pub), CCAKIT_OK);
	ccakit_key_free(&priv);
	ccakit_key_free(&pub);
	ccakit_key_free(&ref);
	EVP_PKEY_free(pkey);
}

/* The TF-M sample CPAK of the vectors, in each of its forms. */
static void
test_pem_cpak(void **state)
{
	static const char *want_jwk = "{\"kty\":\"EC\",\"crv\":\"P-384\","
	    "\"x\":\"IShnxS4rlQiwpCCpBWDzlNLfqiG911FP"
	    "8akBr-fh94uxHU5m-Kijivp2r2oxxN6M\","
	    "\"y\":\"hM4tr8mWQli1P61xh3T0ViDREbF26DGO"
	    "EYfbAjWjGNN7pZf-6A4OTHYqEryz6m7U\"}";
	static const uint8_t payload[] = { 0xa1, 0x01, 0x02 };
	char want_x[128], want_y[128], x[128], y[128], jwk[512];
	char *cpak;
	uint8_t *pem, out[512];
	size_t len, n;
	ccakit_key *priv, *pub, *ref;
	struct ccakit_cose_sign1 m;

	(void)state;
	tu_need_vectors("rust-ccatoken");
	tu_need_vectors("go-ccatoken");
	cpak = (char *)tu_read_vector("rust-ccatoken/cpak.json", &len);
	jwk_xy(cpak, want_x, want_y, sizeof(want_x));
	ref = jwk_key(cpak);

	priv = ccakit_key_new();
	pem = tu_read_vector("go-ccatoken/realm/tf-rmm/cca_platform.pem", &len);
	assert_int_equal(ccakit_key_from_pem(priv, (char *)pem, len),
	    CCAKIT_OK);
	free(pem);
	assert_true(ccakit_key_has_private(priv));
	assert_int_equal(ccakit_key_crv(priv), CCAKIT_COSE_CRV_P384);
	assert_non_null(ccakit_key_evp(priv));
	assert_int_equal(ccakit_key_to_jwk(priv, jwk, sizeof(jwk)), CCAKIT_OK);
	jwk_xy(jwk, x, y, sizeof(x));
	assert_string_equal(x, want_x);
	assert_string_equal(y, want_y);
	assert_null(strstr(jwk, "\"d\""));
	assert_string_equal(jwk, want_jwk);
	/* One byte short (the NUL): refused, nothing written. */
	memset(jwk, 0x55, sizeof(jwk));
	assert_int_equal(ccakit_key_to_jwk(priv, jwk, strlen(want_jwk)),
	    CCAKIT_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(jwk[0], 0x55);
	assert_int_equal(ccakit_key_to_jwk(priv, jwk, strlen(want_jwk) + 1),
	    CCAKIT_OK);
	assert_string_equal(jwk, want_jwk);

	pub = ccakit_key_new();
	pem = tu_read_vector("go-ccatoken/realm/tf-rmm/cca_platform.pub", &len);
	assert_int_equal(ccakit_key_from_pem(pub, (char *)pem, len),
	    CCAKIT_OK);
	free(pem);
	assert_false(ccakit_key_has_private(pub));
	assert_int_equal(ccakit_key_to_jwk(pub, jwk, sizeof(jwk)), CCAKIT_OK);
	jwk_xy(jwk, x, y, sizeof(x));
	assert_string_equal(x, want_x);
	assert_string_equal(y, want_y);

	/* The sample CPAK signs; cpak.json and the .pub verify. */
	assert_int_equal(ccakit_cose_sign1_sign(priv, 0, payload,
	    sizeof(payload), out, sizeof(out), &n), CCAKIT_OK);
	assert_int_equal(ccakit_cose_sign1_decode(out, n, &m), CCAKIT_OK);
	assert_int_equal(ccakit_cose_sign1_verify(&m, ref), CCAKIT_OK);
	assert_int_equal(ccakit_cose_sign1_verify(&m, pub), CCAKIT_OK);

	ccakit_key_free(&priv);
	ccakit_key_free(&pub);
	ccakit_key_free(&ref);
	free(cpak);
}

static void
test_pem_refused(void **state)
{
	static const char *curves[] = {
		"P-224", "secp256k1", "brainpoolP384r1"
	};
	ccakit_key *k = ccakit_key_new();
	EVP_PKEY *pkey;
	BIO *bio;
	char *pem;
	long n;
	size_t i, len;

	(void)state;
	assert_int_equal(ccakit_key_from_pem(k, "garbage", 7),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(ccakit_key_from_pem(k, "", 0), CCAKIT_ERR_KEY_INVALID);
	/* Unsupported curves and key types. */
	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curves[i]);
		if (pkey == NULL)
			continue;	/* not in this OpenSSL build */
		bio = BIO_new(BIO_s_mem());
		assert_int_equal(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL,
		    0, NULL, NULL), 1);
		n = BIO_get_mem_data(bio, &pem);
		assert_int_equal(ccakit_key_from_pem(k, pem, (size_t)n),
		    CCAKIT_ERR_KEY_INVALID);
		BIO_free(bio);
		EVP_PKEY_free(pkey);
	}
	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(pkey);
	bio = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PUBKEY(bio, pkey), 1);
	n = BIO_get_mem_data(bio, &pem);
	assert_int_equal(ccakit_key_from_pem(k, pem, (size_t)n),
	    CCAKIT_ERR_KEY_INVALID);
	BIO_free(bio);
	EVP_PKEY_free(pkey);

	/* Truncated PEM (SEC1, as the Go repository's sample CPAK). */
	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	bio = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PrivateKey_traditional(bio, pkey, NULL,
	    NULL, 0, NULL, NULL), 1);
	n = BIO_get_mem_data(bio, &pem);
	len = (size_t)n;
	assert_int_equal(ccakit_key_from_pem(k, pem, len / 2),
	    CCAKIT_ERR_KEY_INVALID);
	BIO_free(bio);
	EVP_PKEY_free(pkey);

	/* An encrypted key is refused without prompting. */
	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	bio = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PKCS8PrivateKey(bio, pkey,
	    EVP_aes_128_cbc(), "secret", 6, NULL, NULL), 1);
	n = BIO_get_mem_data(bio, &pem);
	assert_int_equal(ccakit_key_from_pem(k, pem, (size_t)n),
	    CCAKIT_ERR_KEY_INVALID);
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	assert_int_equal(ccakit_key_crv(k), 0);
	ccakit_key_free(&k);
}

static void
test_cose_key(void **state)
{
	struct ccakit_cose_sign1 r01, rffm;
	struct token t01, tffm;
	struct ccakit_bytes raw, ck;
	ccakit_key *k, *k2;
	uint8_t out[256], pt[CKI_EC_POINT_MAX];
	size_t n;

	(void)state;
	tu_need_vectors("rust-ccatoken");
	k = ccakit_key_new();
	k2 = ccakit_key_new();
	token_load(&t01, "rust-ccatoken/cca-token-01.cbor");
	token_load(&tffm, "rust-ccatoken/cca-token-draft-ffm-00.cbor");
	decode_ok(t01.realm, &r01);
	decode_ok(tffm.realm, &rffm);
	raw = realm_rak(&r01);
	ck = realm_rak(&rffm);
	assert_int_equal(raw.len, 97);
	assert_int_equal(ck.len, 107);

	/* COSE_Key in, the same 107 bytes out. */
	assert_int_equal(ccakit_key_from_cose_key(k, ck.ptr, ck.len),
	    CCAKIT_OK);
	assert_int_equal(ccakit_key_crv(k), CCAKIT_COSE_CRV_P384);
	assert_false(ccakit_key_has_private(k));
	assert_int_equal(ccakit_key_pinned_alg(k), 0);
	assert_int_equal(ccakit_key_to_cose_key(k, out, sizeof(out), &n),
	    CCAKIT_OK);
	assert_int_equal(n, 107);
	assert_memory_equal(out, ck.ptr, ck.len);
	assert_int_equal(ccakit_key_to_cose_key(k, out, 107, &n), CCAKIT_OK);
	assert_int_equal(ccakit_key_to_cose_key(k, out, 106, &n),
	    CCAKIT_ERR_BUFFER_TOO_SMALL);

	/* It is the key of token-01's raw RAK. */
	assert_int_equal(ccakit_key_to_sec1(k, pt, sizeof(pt), &n), CCAKIT_OK);
	assert_int_equal(n, 97);
	assert_memory_equal(pt, raw.ptr, raw.len);
	assert_int_equal(ccakit_key_to_sec1(k, pt, 96, &n),
	    CCAKIT_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(ccakit_key_from_sec1(k2, CCAKIT_COSE_CRV_P384,
	    raw.ptr, raw.len), CCAKIT_OK);
	assert_int_equal(ccakit_key_to_cose_key(k2, out, sizeof(out), &n),
	    CCAKIT_OK);
	assert_memory_equal(out, ck.ptr, ck.len);
	assert_int_equal(ccakit_cose_sign1_verify(&r01, k), CCAKIT_OK);
	assert_int_equal(ccakit_cose_sign1_verify(&rffm, k2), CCAKIT_OK);

	token_free(&t01);
	token_free(&tffm);
	ccakit_key_free(&k);
	ccakit_key_free(&k2);
}

/* RAK of cca-token-01 as COSE_Key hex parts. */
#define RAK_X	"76f988091be585ed41801aecfab858548c63057e16b0e676" \
		"120bbd0d2f9c29e056c5d41a0130eb9c21517899dc23146b"
#define RAK_Y	"28e1b062bd3ea4b315fd219f1cbb528cb6e74ca49be16773" \
		"734f61a1ca61031b2bbf3d918f2f94ffc4228e50919544ae"
#define RAK_D	"2011c7f03cee4325176e524f033c0ce1e21a76e6c1a4f0b8" \
		"39aa1df61e0e8a5c8a05740f9b69efa7eb1a4185bd117f68"

static int
cose_key_hex(const char *hex)
{
	ccakit_key *k = ccakit_key_new();
	uint8_t *b;
	size_t n;
	int r;

	b = tu_hex(hex, &n);
	r = ccakit_key_from_cose_key(k, b, n);
	free(b);
	ccakit_key_free(&k);
	return r;
}

static void
test_cose_key_strict(void **state)
{
	(void)state;
	assert_int_equal(cose_key_hex("a4 0102 2002 215830" RAK_X
	    "225830" RAK_Y), CCAKIT_OK);
	/* Unknown labels are ignored, whatever their type. */
	assert_int_equal(cose_key_hex("a6 0102 2002 215830" RAK_X
	    "225830" RAK_Y "0243abcdef" "63666f6f01"), CCAKIT_OK);
	/* With the private scalar. */
	assert_int_equal(cose_key_hex("a5 0102 2002 215830" RAK_X
	    "225830" RAK_Y "235830" RAK_D), CCAKIT_OK);

	assert_int_equal(cose_key_hex("a4 0101 2002 215830" RAK_X
	    "225830" RAK_Y), CCAKIT_ERR_KEY_INVALID);	/* kty OKP */
	assert_int_equal(cose_key_hex("a4 0103 2002 215830" RAK_X
	    "225830" RAK_Y), CCAKIT_ERR_KEY_INVALID);	/* kty RSA */
	assert_int_equal(cose_key_hex("a4 6345433202 2002 215830" RAK_X
	    "225830" RAK_Y), CCAKIT_ERR_KEY_INVALID);	/* kty "EC2" */
	assert_int_equal(cose_key_hex("a3 2002 215830" RAK_X
	    "225830" RAK_Y), CCAKIT_ERR_KEY_INVALID);	/* no kty */
	assert_int_equal(cose_key_hex("a3 0102 215830" RAK_X
	    "225830" RAK_Y), CCAKIT_ERR_KEY_INVALID);	/* no crv */
	assert_int_equal(cose_key_hex("a4 0102 2001 215830" RAK_X
	    "225830" RAK_Y), CCAKIT_ERR_KEY_INVALID);	/* crv/size */
	assert_int_equal(cose_key_hex("a4 0102 2004 215830" RAK_X
	    "225830" RAK_Y), CCAKIT_ERR_KEY_INVALID);	/* crv unknown */
	assert_int_equal(cose_key_hex("a4 0102 2002 215830" RAK_X
	    "22f5"), CCAKIT_ERR_KEY_INVALID);		/* compressed */
	assert_int_equal(cose_key_hex("a3 0102 2002 215830" RAK_X),
	    CCAKIT_ERR_KEY_INVALID);			/* no y */
	assert_int_equal(cose_key_hex("a4 0102 2002 21582f"
	    "f988091be585ed41801aecfab858548c63057e16b0e676120bbd0d2f9c"
	    "29e056c5d41a0130eb9c21517899dc23146b" "225830" RAK_Y),
	    CCAKIT_ERR_KEY_INVALID);			/* short x */
	assert_int_equal(cose_key_hex("a4 0102 2002 215830" RAK_X
	    "225830" "29e1b062bd3ea4b315fd219f1cbb528cb6e74ca49be16773734f61"
	    "a1ca61031b2bbf3d918f2f94ffc4228e50919544ae"),
	    CCAKIT_ERR_KEY_INVALID);			/* off curve */
	assert_int_equal(cose_key_hex("a5 0102 2002 215830" RAK_X
	    "225830" RAK_Y "235830"
	    "2111c7f03cee4325176e524f033c0ce1e21a76e6c1a4f0b839aa1df61e0e"
	    "8a5c8a05740f9b69efa7eb1a4185bd117f68"),
	    CCAKIT_ERR_KEY_INVALID);			/* d not x,y's */
	assert_int_equal(cose_key_hex("a5 0102 2002 215830" RAK_X
	    "225830" RAK_Y "2340"), CCAKIT_ERR_KEY_INVALID);	/* d h'' */
	assert_int_equal(cose_key_hex("a5 0102 2002 215830" RAK_X
	    "225830" RAK_Y "0327"), CCAKIT_ERR_KEY_INVALID);	/* alg -8 */
	assert_int_equal(cose_key_hex("a5 0102 2002 215830" RAK_X
	    "225830" RAK_Y "036545533338" "34"),
	    CCAKIT_ERR_KEY_INVALID);			/* alg "ES384" */

	/* Not a COSE_Key at all, or not strict CBOR. */
	assert_int_equal(cose_key_hex("80"), CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(cose_key_hex("a0"), CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(cose_key_hex("a4 0102 2002 215830" RAK_X
	    "225830" RAK_Y "00"), CCAKIT_ERR_CBOR_TRAILING);
	assert_int_equal(cose_key_hex("a4 0102 2002 215830" RAK_X
	    "225830" RAK_Y "00"), CCAKIT_ERR_CBOR_TRAILING);
	assert_int_equal(cose_key_hex("a5 0102 2002 215830" RAK_X
	    "225830" RAK_Y "0102"), CCAKIT_ERR_CBOR_DUPLICATE_KEY);
	assert_int_equal(cose_key_hex("a4 0102 2002 215830" RAK_X
	    "22"), CCAKIT_ERR_CBOR_TRUNCATED);
	assert_int_equal(cose_key_hex(""), CCAKIT_ERR_CBOR_TRUNCATED);
}

static void
test_sec1(void **state)
{
	ccakit_key *k = ccakit_key_new();
	uint8_t *pt;
	size_t n;

	(void)state;
	pt = tu_hex("04" RAK_X RAK_Y, &n);
	assert_int_equal(n, 97);
	assert_int_equal(ccakit_key_from_sec1(k, CCAKIT_COSE_CRV_P384, pt, n),
	    CCAKIT_OK);
	assert_int_equal(ccakit_key_from_sec1(k, CCAKIT_COSE_CRV_P384, pt,
	    n - 1), CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(ccakit_key_from_sec1(k, CCAKIT_COSE_CRV_P256, pt, n),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(ccakit_key_from_sec1(k, CCAKIT_COSE_CRV_P521, pt, n),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(ccakit_key_from_sec1(k, 7, pt, n),
	    CCAKIT_ERR_INVALID_ARG);
	pt[0] = 0x02;			/* compressed prefix */
	assert_int_equal(ccakit_key_from_sec1(k, CCAKIT_COSE_CRV_P384, pt, 49),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(ccakit_key_from_sec1(k, CCAKIT_COSE_CRV_P384, pt, n),
	    CCAKIT_ERR_KEY_INVALID);
	pt[0] = 0x04;
	pt[96] ^= 1;			/* off the curve */
	assert_int_equal(ccakit_key_from_sec1(k, CCAKIT_COSE_CRV_P384, pt, n),
	    CCAKIT_ERR_KEY_INVALID);
	memset(pt + 1, 0, 96);		/* (0, 0) */
	assert_int_equal(ccakit_key_from_sec1(k, CCAKIT_COSE_CRV_P384, pt, n),
	    CCAKIT_ERR_KEY_INVALID);
	memset(pt + 1, 0xff, 96);	/* coordinates >= p */
	assert_int_equal(ccakit_key_from_sec1(k, CCAKIT_COSE_CRV_P384, pt, n),
	    CCAKIT_ERR_KEY_INVALID);
	/* The good key is still loaded. */
	assert_int_equal(ccakit_key_crv(k), CCAKIT_COSE_CRV_P384);
	free(pt);
	ccakit_key_free(&k);
}

static int
jwk_try(const char *json)
{
	ccakit_key *k = ccakit_key_new();
	int r;

	r = ccakit_key_from_jwk(k, json, strlen(json));
	ccakit_key_free(&k);
	return r;
}

#define JX256	"\"x\":\"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4\""
#define JY256	"\"y\":\"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM\""
#define JX384	"\"x\":\"dvmICRvlhe1BgBrs-rhYVIxjBX4WsOZ2" \
		"Egu9DS-cKeBWxdQaATDrnCFReJncIxRr\""
#define JY384	"\"y\":\"KOGwYr0-pLMV_SGfHLtSjLbnTKSb4Wdz" \
		"c09hocphAxsrvz2Rjy-U_8QijlCRlUSu\""
#define JD384	"\"d\":\"IBHH8DzuQyUXblJPAzwM4eIadubBpPC4" \
		"Oaod9h4OilyKBXQPm2nvp-saQYW9EX9o\""

static void
test_jwk(void **state)
{
	static const uint8_t payload[] = { 0xa0 };
	struct ccakit_cose_sign1 m;
	ccakit_key *k, *pub;
	uint8_t out[512], *pt;
	char *big;
	size_t n;

	(void)state;
	assert_int_equal(jwk_try("{\"kty\":\"EC\",\"crv\":\"P-256\","
	    JX256 "," JY256 "}"), CCAKIT_OK);
	/* Unknown members ignored. */
	assert_int_equal(jwk_try("{\"kty\":\"EC\",\"crv\":\"P-256\","
	    "\"kid\":\"k1\",\"use\":\"sig\",\"ext\":{\"a\":[1]}," JX256 ","
	    JY256 "}"), CCAKIT_OK);
	/* base64url without padding only. */
	assert_int_equal(jwk_try("{\"kty\":\"EC\",\"crv\":\"P-256\","
	    "\"x\":\"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4=\","
	    JY256 "}"),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(jwk_try("{\"kty\":\"EC\",\"crv\":\"P-384\","
	    "\"x\":\"dvmICRvlhe1BgBrs+rhYVIxjBX4WsOZ2"
	    "Egu9DS+cKeBWxdQaATDrnCFReJncIxRr\","
	    JY384 "}"), CCAKIT_ERR_KEY_INVALID);
	/* Exact coordinate length. */
	assert_int_equal(jwk_try("{\"kty\":\"EC\",\"crv\":\"P-256\","
	    "\"x\":\"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4AAA\","
	    JY256 "}"), CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(jwk_try("{\"kty\":\"EC\",\"crv\":\"P-256\","
	    "\"x\":\"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7A\","
	    JY256 "}"), CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(jwk_try("{\"kty\":\"EC\",\"crv\":\"P-384\","
	    JX256 "," JY256 "}"), CCAKIT_ERR_KEY_INVALID);
	/* Schema. */
	assert_int_equal(jwk_try("{\"kty\":\"OKP\",\"crv\":\"P-256\","
	    JX256 "," JY256 "}"), CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(jwk_try("{\"kty\":\"ec\",\"crv\":\"P-256\","
	    JX256 "," JY256 "}"), CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(jwk_try("{\"crv\":\"P-256\"," JX256 "," JY256 "}"),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(jwk_try("{\"kty\":\"EC\",\"crv\":\"P-192\","
	    JX256 "," JY256 "}"), CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(jwk_try("{\"kty\":\"EC\",\"crv\":1,"
	    JX256 "," JY256 "}"), CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(jwk_try("{\"kty\":\"EC\",\"crv\":\"P-256\","
	    JX256 "}"), CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(jwk_try("{\"kty\":\"EC\",\"crv\":\"P-256\","
	    JX256 ",\"y\":true}"), CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(jwk_try("[{\"kty\":\"EC\",\"crv\":\"P-256\","
	    JX256 "," JY256 "}]"), CCAKIT_ERR_KEY_INVALID);
	/* JSON syntax: duplicates, trailing data, not JSON. */
	assert_int_equal(jwk_try("{\"kty\":\"EC\",\"kty\":\"EC\","
	    "\"crv\":\"P-256\"," JX256 "," JY256 "}"), CCAKIT_ERR_JSON);
	assert_int_equal(jwk_try("{\"kty\":\"EC\",\"crv\":\"P-256\","
	    JX256 "," JY256 "} x"), CCAKIT_ERR_JSON);
	assert_int_equal(jwk_try(""), CCAKIT_ERR_JSON);
	assert_int_equal(jwk_try("{\"kty\":\"EC\",\"crv\":\"P-256\","
	    JX256 "," JY256), CCAKIT_ERR_JSON);
	/* Size cap. */
	big = malloc(70000);
	assert_non_null(big);
	memset(big, ' ', 70000);
	memcpy(big, "{}", 2);
	k = ccakit_key_new();
	assert_int_equal(ccakit_key_from_jwk(k, big, 70000),
	    CCAKIT_ERR_TOO_LARGE);
	ccakit_key_free(&k);
	free(big);

	/* A private JWK (the sample RAK) signs for token-01's raw RAK. */
	k = jwk_key("{\"kty\":\"EC\",\"crv\":\"P-384\"," JX384 "," JY384 ","
	    JD384 "}");
	assert_true(ccakit_key_has_private(k));
	assert_int_equal(ccakit_cose_sign1_sign(k, 0, payload, sizeof(payload),
	    out, sizeof(out), &n), CCAKIT_OK);
	pub = ccakit_key_new();
	pt = tu_hex("04" RAK_X RAK_Y, &n);
	assert_int_equal(ccakit_key_from_sec1(pub, CCAKIT_COSE_CRV_P384, pt, n),
	    CCAKIT_OK);
	free(pt);
	assert_int_equal(ccakit_cose_sign1_sign(k, 0, payload, sizeof(payload),
	    out, sizeof(out), &n), CCAKIT_OK);
	assert_int_equal(ccakit_cose_sign1_decode(out, n, &m), CCAKIT_OK);
	assert_int_equal(ccakit_cose_sign1_verify(&m, pub), CCAKIT_OK);
	ccakit_key_free(&pub);
	ccakit_key_free(&k);
	/* d that is not the scalar of (x, y); d of the wrong size. */
	assert_int_equal(jwk_try("{\"kty\":\"EC\",\"crv\":\"P-384\"," JX384 ","
	    JY384 ",\"d\":\"isCQyZWGn2GsE1jwKwIaJqtus4YgOsc1186YVVOLkfdMRLDVgCQ"
	    "--3maKT3LqgiZ\"}"), CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(jwk_try("{\"kty\":\"EC\",\"crv\":\"P-384\"," JX384 ","
	    JY384 ",\"d\":\"IBHH8DzuQyUXblJPAzwM4eIadubBpPC4Oaod9h4Oilyk\"}"),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(jwk_try("{\"kty\":\"EC\",\"crv\":\"P-384\"," JX384 ","
	    JY384 ",\"d\":null}"), CCAKIT_ERR_KEY_INVALID);
}

/* --- DER <-> raw --- */

static void
check_der(const uint8_t *raw, size_t clen)
{
	uint8_t der[CKI_EC_DERSIG_MAX], back[CKI_EC_RAWSIG_MAX], *enc = NULL;
	const uint8_t *p;
	const BIGNUM *r, *s;
	BIGNUM *br, *bs;
	ECDSA_SIG *sig;
	size_t derlen;
	int len;

	assert_int_equal(cki_ecdsa_raw_to_der(raw, clen, der, sizeof(der),
	    &derlen), CCAKIT_OK);
	/* OpenSSL parses it to the same integers and re-encodes it equal. */
	p = der;
	sig = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
	assert_non_null(sig);
	assert_ptr_equal(p, der + derlen);
	ECDSA_SIG_get0(sig, &r, &s);
	br = BN_bin2bn(raw, (int)clen, NULL);
	bs = BN_bin2bn(raw + clen, (int)clen, NULL);
	assert_int_equal(BN_cmp(r, br), 0);
	assert_int_equal(BN_cmp(s, bs), 0);
	len = i2d_ECDSA_SIG(sig, &enc);
	assert_int_equal(len, (int)derlen);
	assert_memory_equal(enc, der, derlen);
	OPENSSL_free(enc);
	BN_free(br);
	BN_free(bs);
	ECDSA_SIG_free(sig);

	assert_int_equal(cki_ecdsa_der_to_raw(der, derlen, clen, back),
	    CCAKIT_OK);
	assert_memory_equal(back, raw, 2 * clen);
	assert_int_equal(cki_ecdsa_raw_to_der(raw, clen, der, derlen - 1,
	    &derlen), CCAKIT_ERR_BUFFER_TOO_SMALL);
}

static int
der_hex(const char *hex, size_t clen)
{
	uint8_t raw[CKI_EC_RAWSIG_MAX], *b;
	size_t n;
	int r;

	b = tu_hex(hex, &n);
	r = cki_ecdsa_der_to_raw(b, n, clen, raw);
	free(b);
	return r;
}

static void
test_der(void **state)
{
	static const size_t clens[] = { 32, 48, 66 };
	uint8_t raw[CKI_EC_RAWSIG_MAX];
	size_t i, j, c;

	(void)state;
	for (i = 0; i < 3; i++) {
		c = clens[i];
		for (j = 0; j < 8; j++) {
			memset(raw, 0x5a, 2 * c);
			switch (j) {
			case 1:		/* top bit set: 0x00 prefix */
				raw[0] = 0x80;
				raw[c] = 0xff;
				break;
			case 2:		/* leading zero bytes */
				memset(raw, 0, 5);
				memset(raw + c, 0, c - 1);
				break;
			case 3:		/* zeros, then the top bit */
				memset(raw, 0, 3);
				raw[3] = 0x81;
				break;
			case 4:		/* zero integers */
				memset(raw, 0, 2 * c);
				break;
			case 5:		/* all ones */
				memset(raw, 0xff, 2 * c);
				break;
			case 6:		/* 0x00 0x7f */
				raw[0] = 0x00;
				raw[1] = 0x7f;
				raw[c] = 0x00;
				raw[c + 1] = 0x80;
				break;
			case 7:
				memset(raw, 0, c - 1);
				raw[c - 1] = 0x80;
				break;
			}
			check_der(raw, c);
		}
	}
	/* P-521 with both top bytes set: the long length form. */
	memset(raw, 0xff, 132);
	check_der(raw, 66);

	assert_int_equal(der_hex("3006020101020102", 32), CCAKIT_OK);
	assert_int_equal(der_hex("3006020101020102" "00", 32),
	    CCAKIT_ERR_SIGNATURE);	/* trailing */
	assert_int_equal(der_hex("3007020101020102", 32),
	    CCAKIT_ERR_SIGNATURE);	/* length */
	assert_int_equal(der_hex("300702020001020102", 32),
	    CCAKIT_ERR_SIGNATURE);	/* non-minimal */
	assert_int_equal(der_hex("3006020181020102", 32),
	    CCAKIT_ERR_SIGNATURE);	/* negative */
	assert_int_equal(der_hex("30050201010200", 32),
	    CCAKIT_ERR_SIGNATURE);	/* empty integer */
	assert_int_equal(der_hex("3003020101", 32), CCAKIT_ERR_SIGNATURE);
	assert_int_equal(der_hex("3106020101020102", 32),
	    CCAKIT_ERR_SIGNATURE);
	assert_int_equal(der_hex("308106020101020102", 32),
	    CCAKIT_ERR_SIGNATURE);	/* non-minimal length */
	assert_int_equal(der_hex("30", 32), CCAKIT_ERR_SIGNATURE);
	assert_int_equal(der_hex("30260221010000000000000000000000000000"
	    "000000000000000000000000000000000000000102" "0101", 32),
	    CCAKIT_ERR_SIGNATURE);	/* 33 significant bytes */
}

/* --- threads --- */

struct thr {
	const struct ccakit_cose_sign1 *good, *bad;
	const ccakit_key *key;
	int fails;
};

static void *
thr_main(void *arg)
{
	struct thr *t = arg;
	int i;

	for (i = 0; i < 20; i++) {
		if (ccakit_cose_sign1_verify(t->good, t->key) != CCAKIT_OK)
			t->fails++;
		if (ccakit_cose_sign1_verify(t->bad, t->key) !=
		    CCAKIT_ERR_SIGNATURE)
			t->fails++;
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct ccakit_cose_sign1 good, bad;
	struct token tok;
	struct thr t[4];
	pthread_t th[4];
	ccakit_key *k, *cpak;
	size_t i;

	(void)state;
	token_make(&tok, "P-384", &cpak);
	decode_ok(tok.realm, &good);
	k = realm_key(&good);
	bad = good;
	bad.payload.len--;
	for (i = 0; i < 4; i++) {
		t[i].good = &good;
		t[i].bad = &bad;
		t[i].key = k;
		t[i].fails = 0;
		assert_int_equal(pthread_create(&th[i], NULL, thr_main, &t[i]),
		    0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(t[i].fails, 0);
	}
	ccakit_key_free(&k);
	ccakit_key_free(&cpak);
	token_free(&tok);
}

static void
test_names(void **state)
{
	(void)state;
	assert_int_equal(ccakit_cose_crv_coord_len(CCAKIT_COSE_CRV_P256), 32);
	assert_int_equal(ccakit_cose_crv_coord_len(CCAKIT_COSE_CRV_P384), 48);
	assert_int_equal(ccakit_cose_crv_coord_len(CCAKIT_COSE_CRV_P521), 66);
	assert_int_equal(ccakit_cose_crv_coord_len(4), 0);
	assert_int_equal(ccakit_cose_alg_crv(CCAKIT_COSE_ES256),
	    CCAKIT_COSE_CRV_P256);
	assert_int_equal(ccakit_cose_alg_crv(CCAKIT_COSE_ES384),
	    CCAKIT_COSE_CRV_P384);
	assert_int_equal(ccakit_cose_alg_crv(CCAKIT_COSE_ES512),
	    CCAKIT_COSE_CRV_P521);
	assert_int_equal(ccakit_cose_alg_crv(-8), 0);
	assert_string_equal(ccakit_cose_alg_name(CCAKIT_COSE_ES384), "ES384");
	assert_null(ccakit_cose_alg_name(0));
	assert_int_equal(ccakit_key_crv(NULL), 0);
	assert_false(ccakit_key_has_private(NULL));
	assert_int_equal(ccakit_key_default_alg(NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_vector_tokens),
		cmocka_unit_test(test_ta_bad_refused),
		cmocka_unit_test(test_sig_structure_digest),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_crafted),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_mismatch),
		cmocka_unit_test(test_pinned_alg),
		cmocka_unit_test(test_pinned_alg_vector),
		cmocka_unit_test(test_pem_formats),
		cmocka_unit_test(test_pem_cpak),
		cmocka_unit_test(test_pem_refused),
		cmocka_unit_test(test_cose_key),
		cmocka_unit_test(test_cose_key_strict),
		cmocka_unit_test(test_sec1),
		cmocka_unit_test(test_jwk),
		cmocka_unit_test(test_der),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
