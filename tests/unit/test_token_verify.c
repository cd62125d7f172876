/*
 * Verification (the spec §6.1 matrix, each failure step, freshness, bit
 * flips, concurrency) and appraisal (rv.json and the realm semantics).
 * The generic checks run on the emulated realm's tokens, and on
 * rust-ccatoken's cca-token-01 too when the upstream vectors are present.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/appraise.h>
#include <ccakit/cbor.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/store.h>
#include <ccakit/token.h>
#include <ccakit/tv.h>

#include "testutil.h"
#include "test_token_util.h"

/* Expected trust vectors, written compactly. */
struct xtv {
	int8_t v[CCAKIT_TV_NCLAIMS];
	uint8_t set;
};

#define TV_NONE		{ { 0 }, 0 }
#define TV_II(x)	{ { x }, 0x01 }
#define TV_ALL(x)	{ { x, x, x, x, x, x, x, x }, 0xff }
#define TV_EXEC(x)	{ { 0, 0, x }, 0x04 }
#define TV_HW(x)	{ { 0, 0, 0, 0, x }, 0x10 }
#define TV_PLAT_OK	{ { 2, 2, 3, 0, 2, 32 }, 0x37 }

static void
check_tv(const char *ctx, const char *which, const struct ccakit_tv *got,
    const struct xtv *want)
{
	char gs[256], ws[256];
	struct ccakit_tv w;
	size_t i;

	ccakit_tv_clear(&w);
	for (i = 0; i < CCAKIT_TV_NCLAIMS; i++)
		if (want->set & (1u << i))
			ccakit_tv_set(&w, (enum ccakit_tv_claim)i, want->v[i]);
	assert_int_equal(ccakit_tv_to_json(got, gs, sizeof(gs)), CCAKIT_OK);
	assert_int_equal(ccakit_tv_to_json(&w, ws, sizeof(ws)), CCAKIT_OK);
	if (strcmp(gs, ws) != 0)
		fail_msg("%s: %s trust vector %s, want %s", ctx, which, gs, ws);
}

/* --- fixtures: a good token, what verifies it, and its signers --- */

struct fx {
	const char *name;
	struct tt_buf b;
	ccakit_token *t;
	ccakit_ta_store *tas;
	ccakit_key *cpak;	/* the platform signer (private) */
	ccakit_key *rak;	/* the realm signer (private) */
};

/* The emulated realm's token (399: realm_case rebuilds that collection). */
static void
fx_emulated(struct fx *f, int legacy)
{
	struct ccakit_errdetail d;

	f->name = legacy ? "emulated (legacy profiles)" : "emulated";
	f->b = tt_emulated(CCAKIT_FORMAT_399, legacy);
	assert_non_null(f->t = ccakit_token_new());
	assert_int_equal(ccakit_token_decode(f->t, f->b.p, f->b.len, &d),
	    CCAKIT_OK);
	f->tas = tt_emulated_ta();
	f->cpak = tt_demo_cpak();
	f->rak = tt_demo_rak();
}

/* rust-ccatoken's cca-token-01, when the vectors are present; its
 * signers, the TF-M sample keys, come with Trustee's vectors. */
static bool
fx_token01(struct fx *f)
{
	if (!tu_have_vectors("rust-ccatoken") || !tu_have_vectors("trustee"))
		return false;
	f->name = "cca-token-01";
	f->t = tt_decode_vector("rust-ccatoken/cca-token-01.cbor", &f->b);
	f->tas = tt_ta_store("rust-ccatoken/ta-tfa.json");
	f->cpak = tt_vector_key("trustee/upstream/cpak-priv.json");
	f->rak = tt_vector_key("trustee/upstream/rak-priv.json");
	return true;
}

static void
fx_free(struct fx *f)
{
	ccakit_token_free(&f->t);
	ccakit_ta_store_free(&f->tas);
	ccakit_key_free(&f->cpak);
	ccakit_key_free(&f->rak);
	tt_buf_free(&f->b);
}

/* Run fn on the emulated tokens (2023 and legacy profiles) and on
 * cca-token-01 when the vectors are present. */
static void
for_each_fx(void (*fn)(struct fx *))
{
	struct fx f;
	int legacy;

	for (legacy = 0; legacy < 2; legacy++) {
		fx_emulated(&f, legacy);
		fn(&f);
		fx_free(&f);
	}
	if (fx_token01(&f)) {
		fn(&f);
		fx_free(&f);
	}
}

/* --- the verify matrix --- */

static const struct {
	const char *token;
	const char *ta;
	int want;
	struct xtv p, r;
} matrix[] = {
	{ "rust-ccatoken/cca-token-01.cbor", "rust-ccatoken/ta-tfa.json",
	    CCAKIT_OK, TV_II(2), TV_II(2) },
	{ "rust-ccatoken/cca-token-01.cbor", "rust-ccatoken/ta-02-ok.json",
	    CCAKIT_ERR_TA_UNKNOWN, TV_II(97), TV_ALL(0) },
	{ "rust-ccatoken/cca-token-01.cbor", "rust-ccatoken/ta-02-bad.json",
	    CCAKIT_ERR_TA_UNKNOWN, TV_II(97), TV_ALL(0) },
	{ "rust-ccatoken/cca-token-01.cbor", "rust-ccatoken/ta.json",
	    CCAKIT_ERR_TA_UNKNOWN, TV_II(97), TV_ALL(0) },
	{ "rust-ccatoken/cca-token-02.cbor", "rust-ccatoken/ta-tfa.json",
	    CCAKIT_ERR_TA_UNKNOWN, TV_II(97), TV_ALL(0) },
	{ "rust-ccatoken/cca-token-02.cbor", "rust-ccatoken/ta-02-ok.json",
	    CCAKIT_OK, TV_II(2), TV_II(2) },
	{ "rust-ccatoken/cca-token-02.cbor", "rust-ccatoken/ta-02-bad.json",
	    CCAKIT_ERR_SIGNATURE, TV_ALL(99), TV_ALL(0) },
	{ "rust-ccatoken/cca-token-02.cbor", "rust-ccatoken/ta.json",
	    CCAKIT_ERR_TA_UNKNOWN, TV_II(97), TV_ALL(0) },
	{ "rust-ccatoken/cca-token-draft-ffm-00.cbor",
	    "rust-ccatoken/ta-tfa.json", CCAKIT_OK, TV_II(2), TV_II(2) },
	{ "rust-ccatoken/cca-token-draft-ffm-00.cbor",
	    "rust-ccatoken/ta-02-ok.json", CCAKIT_ERR_TA_UNKNOWN, TV_II(97),
	    TV_ALL(0) },
	{ "rust-ccatoken/cca-token-draft-ffm-00.cbor",
	    "rust-ccatoken/ta-02-bad.json", CCAKIT_ERR_TA_UNKNOWN, TV_II(97),
	    TV_ALL(0) },
	{ "rust-ccatoken/cca-token-draft-ffm-00.cbor", "rust-ccatoken/ta.json",
	    CCAKIT_ERR_TA_UNKNOWN, TV_II(97), TV_ALL(0) },
	/* rust-ccatoken issue #33: the binding does not hold */
	{ "rust-ccatoken/bug-33-repro.cbor", "rust-ccatoken/ta-tfa.json",
	    CCAKIT_ERR_BINDING, TV_II(2), TV_ALL(99) },
	{ "rust-ccatoken/bug-33-repro.cbor", "rust-ccatoken/ta-02-ok.json",
	    CCAKIT_ERR_TA_UNKNOWN, TV_II(97), TV_ALL(0) },
	{ "rust-ccatoken/bug-33-repro.cbor", "rust-ccatoken/ta-02-bad.json",
	    CCAKIT_ERR_TA_UNKNOWN, TV_II(97), TV_ALL(0) },
	{ "rust-ccatoken/bug-33-repro.cbor", "rust-ccatoken/ta.json",
	    CCAKIT_ERR_TA_UNKNOWN, TV_II(97), TV_ALL(0) },
	{ "go-ccatoken/evidence/GoodLegacyCCAToken.cbor",
	    "rust-ccatoken/ta-02-ok.json", CCAKIT_OK, TV_II(2), TV_II(2) },
	{ "go-ccatoken/evidence/GoodCCAToken.cbor",
	    "rust-ccatoken/ta-02-ok.json", CCAKIT_OK, TV_II(2), TV_II(2) },
	{ "go-ccatoken/evidence/GoodCCAToken.cbor",
	    "rust-ccatoken/ta-tfa.json", CCAKIT_ERR_TA_UNKNOWN, TV_II(97),
	    TV_ALL(0) },
	{ "go-ccatoken/evidence/RMMLegacyEvidence.cbor",
	    "rust-ccatoken/ta-tfa.json", CCAKIT_OK, TV_II(2), TV_II(2) },
	{ "go-ccatoken/realm/tf-rmm/cca_token.cbor",
	    "rust-ccatoken/ta-tfa.json", CCAKIT_OK, TV_II(2), TV_II(2) },
};

static void
test_verify_matrix(void **state)
{
	struct ccakit_verify_result res;
	struct ccakit_errdetail d;
	ccakit_ta_store *tas;
	ccakit_token *t;
	struct tt_buf b;
	char ctx[256];
	size_t i;
	int r;

	(void)state;
	tu_need_vectors("rust-ccatoken");
	tu_need_vectors("go-ccatoken");
	for (i = 0; i < sizeof(matrix) / sizeof(matrix[0]); i++) {
		snprintf(ctx, sizeof(ctx), "%s + %s", matrix[i].token,
		    matrix[i].ta);
		t = tt_decode_vector(matrix[i].token, &b);
		tas = tt_ta_store(matrix[i].ta);
		memset(&d, 0, sizeof(d));
		memset(&res, 0x55, sizeof(res));
		r = ccakit_token_verify(t, tas, NULL, &res, &d);
		if (r != matrix[i].want)
			fail_msg("%s: got %d (%s), want %d", ctx, r, d.text,
			    matrix[i].want);
		if (r != CCAKIT_OK) {
			assert_int_equal(d.code, r);
			assert_true(d.text[0] != '\0');
		}
		check_tv(ctx, "platform", &res.platform, &matrix[i].p);
		check_tv(ctx, "realm", &res.realm, &matrix[i].r);
		ccakit_ta_store_free(&tas);
		ccakit_token_free(&t);
		tt_buf_free(&b);
	}
}

static void
test_verify_details(void **state)
{
	struct ccakit_verify_result res;
	struct ccakit_errdetail d;
	ccakit_ta_store *tas;
	ccakit_token *t;
	struct tt_buf b;

	(void)state;
	tu_need_vectors("rust-ccatoken");
	t = tt_decode_vector("rust-ccatoken/bug-33-repro.cbor", &b);
	tas = tt_ta_store("rust-ccatoken/ta-tfa.json");
	assert_int_equal(ccakit_token_verify(t, tas, NULL, &res, &d),
	    CCAKIT_ERR_BINDING);
	assert_string_equal(d.what, "binding");
	ccakit_ta_store_free(&tas);
	ccakit_token_free(&t);
	tt_buf_free(&b);

	t = tt_decode_vector("rust-ccatoken/cca-token-02.cbor", &b);
	tas = tt_ta_store("rust-ccatoken/ta-02-bad.json");
	assert_int_equal(ccakit_token_verify(t, tas, NULL, &res, &d),
	    CCAKIT_ERR_SIGNATURE);
	assert_string_equal(d.text, "trust anchor key unusable");
	ccakit_ta_store_free(&tas);
	ccakit_token_free(&t);
	tt_buf_free(&b);
}

static void
verify_args(struct fx *f)
{
	struct ccakit_verify_result res;
	struct ccakit_verify_opts o;
	ccakit_token *empty = ccakit_token_new();
	uint8_t nonce[65];

	memset(&o, 0, sizeof(o));
	memset(nonce, 0, sizeof(nonce));
	assert_int_equal(ccakit_token_verify(NULL, f->tas, NULL, &res, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_token_verify(f->t, NULL, NULL, &res, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_token_verify(f->t, f->tas, NULL, NULL, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	/* a token that was never decoded */
	memset(&res, 0x55, sizeof(res));
	assert_int_equal(ccakit_token_verify(empty, f->tas, NULL, &res, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(res.platform.set, 0);
	assert_int_equal(res.realm.set, 0);
	assert_int_equal(ccakit_token_verify_with_key(empty, f->cpak, NULL,
	    &res, NULL), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_token_verify_with_key(f->t, NULL, NULL, &res,
	    NULL), CCAKIT_ERR_INVALID_ARG);
	/* nonce of 0 or 65 bytes */
	o.challenge = nonce;
	o.challenge_len = 0;
	assert_int_equal(ccakit_token_verify(f->t, f->tas, &o, &res, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	o.challenge_len = 65;
	assert_int_equal(ccakit_token_verify(f->t, f->tas, &o, &res, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	/* NULL challenge: no freshness check */
	o.challenge = NULL;
	assert_int_equal(ccakit_token_verify(f->t, f->tas, &o, &res, NULL),
	    CCAKIT_OK);
	ccakit_token_free(&empty);
}

static void
test_verify_args(void **state)
{
	(void)state;
	for_each_fx(verify_args);
}

/* The CPAK's public key verifies; keys that did not sign do not. */
static void
verify_with_key(struct fx *f, const ccakit_key *pub)
{
	static const struct xtv ii2 = TV_II(2), all99 = TV_ALL(99);
	static const struct xtv all0 = TV_ALL(0);
	struct ccakit_verify_result res;
	struct ccakit_errdetail d;
	ccakit_key *p256 = tt_gen_key("P-256");
	int r;

	assert_int_equal(ccakit_token_verify_with_key(f->t, pub, NULL, &res,
	    &d), CCAKIT_OK);
	check_tv(f->name, "platform", &res.platform, &ii2);
	check_tv(f->name, "realm", &res.realm, &ii2);

	/* a P-256 key for an ES384 token; a P-384 key that did not sign */
	r = ccakit_token_verify_with_key(f->t, p256, NULL, &res, &d);
	assert_true(r == CCAKIT_ERR_KEY_MISMATCH || r == CCAKIT_ERR_SIGNATURE);
	check_tv("wrong key", "platform", &res.platform, &all99);
	check_tv("wrong key", "realm", &res.realm, &all0);
	assert_int_equal(ccakit_token_verify_with_key(f->t, f->rak, NULL, &res,
	    &d), CCAKIT_ERR_SIGNATURE);
	assert_string_equal(d.what, "platform token");
	check_tv("wrong key", "platform", &res.platform, &all99);
	check_tv("wrong key", "realm", &res.realm, &all0);
	ccakit_key_free(&p256);
}

static void
test_verify_with_key(void **state)
{
	struct fx f;
	ccakit_key *pub;
	struct tt_buf pem;
	char jwk[512];
	int legacy;

	(void)state;
	/* The emulated realm's: the CPAK's public JWK. */
	for (legacy = 0; legacy < 2; legacy++) {
		fx_emulated(&f, legacy);
		assert_int_equal(ccakit_key_to_jwk(f.cpak, jwk, sizeof(jwk)),
		    CCAKIT_OK);
		assert_non_null(pub = ccakit_key_new());
		assert_int_equal(ccakit_key_from_jwk(pub, jwk, strlen(jwk)),
		    CCAKIT_OK);
		assert_false(ccakit_key_has_private(pub));
		verify_with_key(&f, pub);
		ccakit_key_free(&pub);
		fx_free(&f);
	}
	/* cca-token-01: the Go repository's PEM of its CPAK. */
	if (!tu_have_vectors("go-ccatoken") || !fx_token01(&f))
		return;
	pem = tt_vector("go-ccatoken/realm/tf-rmm/cca_platform.pub");
	assert_non_null(pub = ccakit_key_new());
	assert_int_equal(ccakit_key_from_pem(pub, (const char *)pem.p,
	    pem.len), CCAKIT_OK);
	verify_with_key(&f, pub);
	ccakit_key_free(&pub);
	tt_buf_free(&pem);
	fx_free(&f);
}

static void
freshness(struct fx *f)
{
	static const struct xtv ii2 = TV_II(2);
	struct ccakit_verify_result res;
	struct ccakit_verify_opts o;
	struct ccakit_errdetail d;
	const struct ccakit_realm_claims *rc;
	uint8_t nonce[64];
	size_t n;

	rc = ccakit_token_realm(f->t);
	memcpy(nonce, rc->challenge.ptr, 64);
	memset(&o, 0, sizeof(o));
	o.challenge = nonce;
	o.challenge_len = 64;
	assert_int_equal(ccakit_token_verify(f->t, f->tas, &o, &res, &d),
	    CCAKIT_OK);
	/* any single byte wrong, or a shorter (zero-padded) nonce, fails */
	for (n = 0; n < 64; n++) {
		nonce[n] ^= 0x01;
		assert_int_equal(ccakit_token_verify(f->t, f->tas, &o, &res,
		    &d), CCAKIT_ERR_CHALLENGE);
		assert_string_equal(d.text, "realm challenge does not match");
		/* the trust vectors stay as computed */
		check_tv("stale", "platform", &res.platform, &ii2);
		check_tv("stale", "realm", &res.realm, &ii2);
		nonce[n] ^= 0x01;
	}
	o.challenge_len = 63;
	if (rc->challenge.ptr[63] != 0)
		assert_int_equal(ccakit_token_verify(f->t, f->tas, &o, &res,
		    &d), CCAKIT_ERR_CHALLENGE);
}

static void
test_freshness(void **state)
{
	(void)state;
	for_each_fx(freshness);
}

/* --- tokens assembled from parts, for the realm-side failures --- */

static size_t
wrap399(const uint8_t *ps, size_t plen, const uint8_t *rs, size_t rlen,
    uint8_t *out, size_t outsz)
{
	struct ccakit_cbor_writer w;
	size_t len;

	ccakit_cbor_writer_init(&w, out, outsz);
	ccakit_cbor_put_tag(&w, CCAKIT_TAG_CCA_TOKEN_LEGACY);
	ccakit_cbor_put_map(&w, 2);
	ccakit_cbor_put_uint(&w, CCAKIT_COLL_PLATFORM);
	ccakit_cbor_put_bstr(&w, ps, plen);
	ccakit_cbor_put_uint(&w, CCAKIT_COLL_REALM);
	ccakit_cbor_put_bstr(&w, rs, rlen);
	assert_int_equal(ccakit_cbor_writer_finish(&w, &len), CCAKIT_OK);
	return len;
}

/* A token's platform token with a re-signed realm token. */
static void
realm_case(struct fx *f, const uint8_t *rak_override, const ccakit_key *signer,
    int want, const struct xtv *rwant)
{
	static const struct xtv ii2 = TV_II(2);
	struct ccakit_verify_result res;
	struct ccakit_errdetail d;
	struct ccakit_realm_claims rc;
	ccakit_token *t2 = ccakit_token_new();
	uint8_t payload[2048], rs[4096], tok[8192];
	size_t plen, rlen, tlen;

	rc = *ccakit_token_realm(f->t);
	if (rak_override != NULL)
		rc.rak.ptr = rak_override;
	assert_int_equal(ccakit_realm_claims_encode(&rc, payload,
	    sizeof(payload), &plen), CCAKIT_OK);
	assert_int_equal(ccakit_cose_sign1_sign(signer, CCAKIT_COSE_ES384,
	    payload, plen, rs, sizeof(rs), &rlen), CCAKIT_OK);
	/* the platform COSE_Sign1 is the first bstr of the collection */
	{
		struct ccakit_cbor_item top, map, v;

		assert_int_equal(ccakit_cbor_parse(f->b.p, f->b.len, NULL,
		    &top, NULL), CCAKIT_OK);
		ccakit_cbor_tag_content(&top, &map);
		assert_true(ccakit_cbor_map_get_int(&map, CCAKIT_COLL_PLATFORM,
		    &v));
		tlen = wrap399(v.data, (size_t)v.u, rs, rlen, tok,
		    sizeof(tok));
	}
	assert_int_equal(ccakit_token_decode(t2, tok, tlen, &d), CCAKIT_OK);
	assert_int_equal(ccakit_token_verify(t2, f->tas, NULL, &res, &d),
	    want);
	check_tv(f->name, "platform", &res.platform, &ii2);
	check_tv(f->name, "realm", &res.realm, rwant);
	ccakit_token_free(&t2);
}

static void
realm_failures(struct fx *f)
{
	static const struct xtv ii2 = TV_II(2), all1 = TV_ALL(1);
	static const struct xtv all99 = TV_ALL(99);
	const struct ccakit_realm_claims *rc = ccakit_token_realm(f->t);
	uint8_t bad[256];

	/* re-signing with the real RAK changes nothing */
	realm_case(f, NULL, f->rak, CCAKIT_OK, &ii2);
	/* signed by another P-384 key */
	realm_case(f, NULL, f->cpak, CCAKIT_ERR_SIGNATURE, &all99);
	/* a RAK that is not on the curve (raw point or COSE_Key, its last
	 * byte is y's): unexpected evidence */
	assert_true(rc->rak.len <= sizeof(bad));
	memcpy(bad, rc->rak.ptr, rc->rak.len);
	bad[rc->rak.len - 1] ^= 0x01;
	realm_case(f, bad, f->rak, CCAKIT_ERR_KEY_INVALID, &all1);
}

static void
test_realm_failures(void **state)
{
	(void)state;
	for_each_fx(realm_failures);
}

/* --- bit flips --- */

static void
flip_file(const char *file, const char *ta)
{
	ccakit_ta_store *tas = tt_ta_store(ta);
	struct tt_buf b = tt_vector(file);

	tt_flip_all(file, b.p, b.len, tas, NULL);
	ccakit_ta_store_free(&tas);
	tt_buf_free(&b);
}

static void
test_bit_flips(void **state)
{
	ccakit_ta_store *tas = tt_emulated_ta();
	struct tt_buf b;

	(void)state;
	/* (test_token_create flips a created 907 token) */
	b = tt_emulated(CCAKIT_FORMAT_399, 0);
	tt_flip_all("emulated 399", b.p, b.len, tas, NULL);
	tt_buf_free(&b);
	ccakit_ta_store_free(&tas);
	if (!tu_have_vectors("rust-ccatoken") ||
	    !tu_have_vectors("go-ccatoken"))
		return;
	flip_file("rust-ccatoken/cca-token-01.cbor",
	    "rust-ccatoken/ta-tfa.json");
	flip_file("go-ccatoken/evidence/GoodCCAToken.cbor",
	    "rust-ccatoken/ta-02-ok.json");
}

/* --- concurrency: verifies of different tokens share nothing --- */

struct job {
	const ccakit_token *t;
	const ccakit_ta_store *tas;
	int failures;
};

static void *
verify_loop(void *arg)
{
	struct job *j = arg;
	struct ccakit_verify_result res;
	int i;

	for (i = 0; i < 40; i++)
		if (ccakit_token_verify(j->t, j->tas, NULL, &res, NULL) !=
		    CCAKIT_OK ||
		    res.realm.v[CCAKIT_TV_INSTANCE_IDENTITY] != 2)
			j->failures++;
	return NULL;
}

/* Four threads verify three tokens (the first one twice) against their
 * stores. */
static void
verify_concurrently(const struct tt_buf b[3],
    const ccakit_ta_store *const tas[3])
{
	ccakit_token *t[3];
	struct job jobs[4];
	pthread_t th[4];
	int i;

	for (i = 0; i < 3; i++) {
		assert_non_null(t[i] = ccakit_token_new());
		assert_int_equal(ccakit_token_decode(t[i], b[i].p, b[i].len,
		    NULL), CCAKIT_OK);
	}
	for (i = 0; i < 4; i++)
		jobs[i] = (struct job){ t[i % 3], tas[i % 3], 0 };
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, verify_loop,
		    &jobs[i]), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(jobs[i].failures, 0);
	}
	for (i = 0; i < 3; i++)
		ccakit_token_free(&t[i]);
}

static void
test_concurrent(void **state)
{
	const ccakit_ta_store *tas[3];
	ccakit_ta_store *emu = tt_emulated_ta(), *tfa, *ok02;
	struct tt_buf b[3];
	int i;

	(void)state;
	/* The emulated realm's tokens: 399, 907, legacy profiles. */
	b[0] = tt_emulated(CCAKIT_FORMAT_399, 0);
	b[1] = tt_emulated(CCAKIT_FORMAT_907, 0);
	b[2] = tt_emulated(CCAKIT_FORMAT_399, 1);
	tas[0] = tas[1] = tas[2] = emu;
	verify_concurrently(b, tas);
	for (i = 0; i < 3; i++)
		tt_buf_free(&b[i]);
	ccakit_ta_store_free(&emu);
	if (!tu_have_vectors("rust-ccatoken"))
		return;

	/* Upstream tokens with two stores. */
	tfa = tt_ta_store("rust-ccatoken/ta-tfa.json");
	ok02 = tt_ta_store("rust-ccatoken/ta-02-ok.json");
	b[0] = tt_vector("rust-ccatoken/cca-token-01.cbor");
	b[1] = tt_vector("rust-ccatoken/cca-token-02.cbor");
	b[2] = tt_vector("rust-ccatoken/cca-token-draft-ffm-00.cbor");
	tas[0] = tas[2] = tfa;
	tas[1] = ok02;
	verify_concurrently(b, tas);
	for (i = 0; i < 3; i++)
		tt_buf_free(&b[i]);
	ccakit_ta_store_free(&tfa);
	ccakit_ta_store_free(&ok02);
}

/* --- appraisal --- */

static void
test_appraise_vectors(void **state)
{
	static const struct {
		const char *token;
		struct xtv p, r;
	} tab[] = {
		{ "rust-ccatoken/cca-token-01.cbor", TV_PLAT_OK, TV_EXEC(2) },
		{ "rust-ccatoken/cca-token-02.cbor", TV_HW(97), TV_ALL(0) },
		{ "rust-ccatoken/bug-33-repro.cbor", TV_HW(97), TV_ALL(0) },
		{ "rust-ccatoken/cca-token-draft-ffm-00.cbor", TV_HW(97),
		    TV_ALL(0) },
	};
	ccakit_rv_store *rvs;
	struct ccakit_appraisal res;
	ccakit_token *t;
	struct tt_buf b;
	size_t i;

	(void)state;
	tu_need_vectors("rust-ccatoken");
	rvs = tt_rv_store("rust-ccatoken/rv.json");
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		t = tt_decode_vector(tab[i].token, &b);
		assert_int_equal(ccakit_token_appraise(t, rvs, &res),
		    CCAKIT_OK);
		check_tv(tab[i].token, "platform", &res.platform, &tab[i].p);
		check_tv(tab[i].token, "realm", &res.realm, &tab[i].r);
		ccakit_token_free(&t);
		tt_buf_free(&b);
	}
	assert_int_equal(ccakit_token_appraise(NULL, rvs, &res),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_token_appraise(NULL, rvs, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	ccakit_rv_store_free(&rvs);
}

/* Reference values built from a token's own claims. */
static void
rv_from_token(const ccakit_token *t, struct ccakit_platform_rv *p,
    struct ccakit_rv_sw_component *sw, struct ccakit_realm_rv *r)
{
	const struct ccakit_platform_claims *pc = ccakit_token_platform(t);
	const struct ccakit_realm_claims *rc = ccakit_token_realm(t);
	size_t i;

	memset(p, 0, sizeof(*p));
	memcpy(p->impl_id, pc->impl_id.ptr, 32);
	p->config = (uint8_t *)(uintptr_t)pc->config.ptr;
	p->config_len = pc->config.len;
	p->n_sw = pc->n_sw;
	p->sw = sw;
	for (i = 0; i < pc->n_sw; i++) {
		memset(&sw[i], 0, sizeof(sw[i]));
		sw[i].mval.len = pc->sw[i].mval.len;
		memcpy(sw[i].mval.b, pc->sw[i].mval.ptr, pc->sw[i].mval.len);
		sw[i].signer_id.len = pc->sw[i].signer_id.len;
		memcpy(sw[i].signer_id.b, pc->sw[i].signer_id.ptr,
		    pc->sw[i].signer_id.len);
	}
	memset(r, 0, sizeof(*r));
	r->rim.len = rc->rim.len;
	memcpy(r->rim.b, rc->rim.ptr, rc->rim.len);
	r->n_rem = CCAKIT_REM_COUNT;
	for (i = 0; i < CCAKIT_REM_COUNT; i++) {
		r->rem[i].len = rc->rem[i].len;
		memcpy(r->rem[i].b, rc->rem[i].ptr, rc->rem[i].len);
	}
	r->has_rpv = true;
	memcpy(r->rpv, rc->rpv.ptr, 64);
}

static void
appraise_with(const ccakit_token *t, const struct ccakit_platform_rv *p,
    const struct ccakit_realm_rv *r1, const struct ccakit_realm_rv *r2,
    const struct xtv *pw, const struct xtv *rw, const char *ctx)
{
	ccakit_rv_store *s = ccakit_rv_store_new();
	struct ccakit_appraisal res;

	assert_non_null(s);
	assert_int_equal(ccakit_rv_store_add_platform(s, p), CCAKIT_OK);
	if (r1 != NULL)
		assert_int_equal(ccakit_rv_store_add_realm(s, r1), CCAKIT_OK);
	if (r2 != NULL)
		assert_int_equal(ccakit_rv_store_add_realm(s, r2), CCAKIT_OK);
	assert_int_equal(ccakit_token_appraise(t, s, &res), CCAKIT_OK);
	check_tv(ctx, "platform", &res.platform, pw);
	check_tv(ctx, "realm", &res.realm, rw);
	ccakit_rv_store_free(&s);
}

static void
appraise_semantics(struct fx *f)
{
	static const struct xtv pok = TV_PLAT_OK, hw97 = TV_HW(97);
	static const struct xtv all0 = TV_ALL(0), e2 = TV_EXEC(2);
	static const struct xtv e3 = TV_EXEC(3), e33 = TV_EXEC(33);
	static const struct xtv e96 = TV_EXEC(96);
	const struct ccakit_platform_claims *pc = ccakit_token_platform(f->t);
	struct ccakit_rv_sw_component sw[CCAKIT_MAX_SW_COMPONENTS];
	struct ccakit_platform_rv p;
	struct ccakit_realm_rv r, r2;
	const ccakit_token *t = f->t;
	char ty[64], ver[64], other[70];
	size_t last = pc->n_sw - 1;

	/* the first component's type and version, as the token has them */
	assert_true(pc->n_sw >= 2);
	assert_true(pc->sw[0].type.len < sizeof(ty));
	assert_true(pc->sw[0].version.len < sizeof(ver));
	memcpy(ty, pc->sw[0].type.ptr, pc->sw[0].type.len);
	ty[pc->sw[0].type.len] = '\0';
	memcpy(ver, pc->sw[0].version.ptr, pc->sw[0].version.len);
	ver[pc->sw[0].version.len] = '\0';
	(void)snprintf(other, sizeof(other), "%s.1", ver);
	assert_false(tt_bytes_eq(pc->sw[1].type, ty, strlen(ty)));

	rv_from_token(t, &p, sw, &r);
	appraise_with(t, &p, &r, NULL, &pok, &e2, "own values");
	/* RV component-type and version must equal the token's */
	sw[0].type = ty;
	sw[0].version = ver;
	appraise_with(t, &p, &r, NULL, &pok, &e2, "type+version");
	sw[0].version = other;
	appraise_with(t, &p, &r, NULL, &hw97, &all0, "version differs");
	sw[0].version = NULL;
	sw[1].type = ty;	/* not the second component's type */
	appraise_with(t, &p, &r, NULL, &hw97, &all0, "type differs");
	sw[1].type = NULL;
	/* sw-components compare as an ordered list */
	p.n_sw--;
	appraise_with(t, &p, &r, NULL, &hw97, &all0, "fewer components");
	p.n_sw++;
	sw[0].mval.b[0] ^= 1;
	appraise_with(t, &p, &r, NULL, &hw97, &all0, "mval differs");
	sw[0].mval.b[0] ^= 1;
	sw[last].signer_id.b[31] ^= 1;
	appraise_with(t, &p, &r, NULL, &hw97, &all0, "signer-id differs");
	sw[last].signer_id.b[31] ^= 1;
	p.config_len--;
	appraise_with(t, &p, &r, NULL, &hw97, &all0, "config differs");
	p.config_len++;
	p.impl_id[0] ^= 1;
	appraise_with(t, &p, &r, NULL, &hw97, &all0, "impl-id differs");
	p.impl_id[0] ^= 1;

	/* realm: RIM unknown, RPV differs, REMs differ, REMs not given */
	r.rim.b[0] ^= 1;
	appraise_with(t, &p, &r, NULL, &pok, &e33, "RIM unknown");
	appraise_with(t, &p, NULL, NULL, &pok, &e33, "no realm RV");
	r.rim.b[0] ^= 1;
	r.rpv[63] ^= 1;
	appraise_with(t, &p, &r, NULL, &pok, &e96, "RPV differs");
	r.rpv[63] ^= 1;
	r.has_rpv = false;
	r.rpv[63] ^= 1;
	appraise_with(t, &p, &r, NULL, &pok, &e2, "RPV not given");
	r.rpv[63] ^= 1;
	r.has_rpv = true;
	r.rem[2].b[5] ^= 1;
	appraise_with(t, &p, &r, NULL, &pok, &e3, "REM differs");
	r.n_rem = 0;
	appraise_with(t, &p, &r, NULL, &pok, &e2, "REMs not given");
	r.n_rem = CCAKIT_REM_COUNT;
	/* several RVs for one RIM: any match approves */
	r2 = r;
	r2.rem[2].b[5] ^= 1;	/* r2 is the exact match */
	r.rpv[0] ^= 1;		/* r: RPV mismatch */
	appraise_with(t, &p, &r, &r2, &pok, &e2, "second RV matches");
	r2.rem[0].b[0] ^= 1;
	appraise_with(t, &p, &r, &r2, &pok, &e3, "only RIM+RPV match");
	r2.rpv[0] ^= 1;
	appraise_with(t, &p, &r, &r2, &pok, &e96, "no RPV matches");
}

static void
test_appraise_semantics(void **state)
{
	(void)state;
	for_each_fx(appraise_semantics);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify_matrix),
		cmocka_unit_test(test_verify_details),
		cmocka_unit_test(test_verify_args),
		cmocka_unit_test(test_verify_with_key),
		cmocka_unit_test(test_freshness),
		cmocka_unit_test(test_realm_failures),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_appraise_vectors),
		cmocka_unit_test(test_appraise_semantics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
