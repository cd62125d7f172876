/*
 * Token creation: create -> decode -> verify round trips for both
 * collection formats and every profile, the binding hash, argument and
 * claim errors, short buffers, and bit flips over a created 907 token.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <ccakit/appraise.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/store.h>
#include <ccakit/token.h>
#include <ccakit/tv.h>

#include "testutil.h"
#include "test_token_util.h"

#define OUTSZ CCAKIT_TOKEN_MAX_SIZE

static uint8_t impl_id[32], inst_id[33], config[4], mval[48], signer[32];
static uint8_t rchal[64], rpv[64], rim[32], rem[4][64], rinst[33];
static uint8_t mfg[3];
static const uint8_t ext[] = { 0x81, 0xa1, 0x01, 0x63, 's', 'h', 'a' };

static struct ccakit_bytes
view(const void *p, size_t len)
{
	struct ccakit_bytes b;

	b.ptr = p;
	b.len = len;
	return b;
}

static struct ccakit_bytes
text(const char *s)
{
	return view(s, strlen(s));
}

static void
fill(void)
{
	size_t i;

	memset(impl_id, 0x7f, sizeof(impl_id));
	memset(inst_id, 0x22, sizeof(inst_id));
	inst_id[0] = 0x01;
	memcpy(config, "\xcf\xcf\xcf\xcf", 4);
	memset(mval, 0x33, sizeof(mval));
	memset(signer, 0x44, sizeof(signer));
	/* a 32-byte nonce zero-padded to 64, as Linux passes it */
	memset(rchal, 0, sizeof(rchal));
	for (i = 0; i < 32; i++)
		rchal[i] = (uint8_t)(0xa0 + i);
	memset(rpv, 0x55, sizeof(rpv));
	memset(rim, 0x66, sizeof(rim));
	for (i = 0; i < 4; i++)
		memset(rem[i], (int)(0x70 + i), sizeof(rem[i]));
	memset(rinst, 0x99, sizeof(rinst));
	rinst[0] = 0x01;
	memset(mfg, 0xee, sizeof(mfg));
}

static void
platform_claims(struct ccakit_platform_claims *c,
    enum ccakit_platform_profile p)
{
	memset(c, 0, sizeof(*c));
	c->profile = p;
	c->impl_id = view(impl_id, sizeof(impl_id));
	c->inst_id = view(inst_id, sizeof(inst_id));
	c->config = view(config, sizeof(config));
	c->lifecycle = 0x3000;
	c->hash_alg = text("sha-256");
	c->present = CCAKIT_PLAT_VSI;
	c->vsi = text("https://veraison.example/");
	c->n_sw = 2;
	c->sw[0].present = CCAKIT_SWC_TYPE | CCAKIT_SWC_VERSION;
	c->sw[0].type = text("BL");
	c->sw[0].version = text("1.0");
	c->sw[0].mval = view(mval, sizeof(mval));
	c->sw[0].signer_id = view(signer, sizeof(signer));
	c->sw[1].present = CCAKIT_SWC_HASH_ALG;
	c->sw[1].hash_alg = text("sha-384");
	c->sw[1].mval = view(mval, sizeof(mval));
	c->sw[1].signer_id = view(signer, sizeof(signer));
	if (p == CCAKIT_PLATFORM_2024) {
		c->present |= CCAKIT_PLAT_CLIENT_ID | CCAKIT_PLAT_MFG_CONFIG |
		    CCAKIT_PLAT_EXTENSION;
		c->client_id = 1;
		c->mfg_config = view(mfg, sizeof(mfg));
		c->extension = view(ext, sizeof(ext));
	}
}

static void
realm_claims(struct ccakit_realm_claims *c, enum ccakit_realm_profile p)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	c->profile = p;
	c->challenge = view(rchal, sizeof(rchal));
	c->rpv = view(rpv, sizeof(rpv));
	c->rim = view(rim, sizeof(rim));
	for (i = 0; i < CCAKIT_REM_COUNT; i++)
		c->rem[i] = view(rem[i], i == 0 ? 32 : 64);
	c->hash_alg = text("sha-256");
	if (p == CCAKIT_REALM_2024) {
		c->present = CCAKIT_REALM_INSTANCE_ID | CCAKIT_REALM_MEC_POLICY;
		c->instance_id = view(rinst, sizeof(rinst));
		c->mec_policy = 1;
	}
}

static bool
bytes_eq(struct ccakit_bytes a, struct ccakit_bytes b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr,
	    a.len) == 0);
}

/* The decoded claims equal the ones given (bar RAK and challenge). */
static void
check_claims(const ccakit_token *t, const struct ccakit_platform_claims *pc,
    const struct ccakit_realm_claims *rc)
{
	const struct ccakit_platform_claims *gp = ccakit_token_platform(t);
	const struct ccakit_realm_claims *gr = ccakit_token_realm(t);
	size_t i;

	assert_int_equal(gp->profile, pc->profile);
	assert_int_equal(gp->present, pc->present);
	assert_true(bytes_eq(gp->impl_id, pc->impl_id));
	assert_true(bytes_eq(gp->inst_id, pc->inst_id));
	assert_true(bytes_eq(gp->config, pc->config));
	assert_int_equal(gp->lifecycle, pc->lifecycle);
	assert_true(bytes_eq(gp->vsi, pc->vsi));
	assert_true(bytes_eq(gp->hash_alg, pc->hash_alg));
	assert_int_equal(gp->n_sw, pc->n_sw);
	for (i = 0; i < pc->n_sw; i++) {
		assert_int_equal(gp->sw[i].present, pc->sw[i].present);
		assert_true(bytes_eq(gp->sw[i].mval, pc->sw[i].mval));
		assert_true(bytes_eq(gp->sw[i].signer_id,
		    pc->sw[i].signer_id));
		assert_true(bytes_eq(gp->sw[i].type, pc->sw[i].type));
		assert_true(bytes_eq(gp->sw[i].version, pc->sw[i].version));
		assert_true(bytes_eq(gp->sw[i].hash_alg, pc->sw[i].hash_alg));
	}
	if (pc->profile == CCAKIT_PLATFORM_2024) {
		assert_int_equal(gp->client_id, pc->client_id);
		assert_true(bytes_eq(gp->mfg_config, pc->mfg_config));
		assert_true(bytes_eq(gp->extension, pc->extension));
	}
	assert_int_equal(gr->profile, rc->profile);
	assert_int_equal(gr->present, rc->present);
	assert_true(bytes_eq(gr->challenge, rc->challenge));
	assert_true(bytes_eq(gr->rpv, rc->rpv));
	assert_true(bytes_eq(gr->rim, rc->rim));
	for (i = 0; i < CCAKIT_REM_COUNT; i++)
		assert_true(bytes_eq(gr->rem[i], rc->rem[i]));
	assert_true(bytes_eq(gr->hash_alg, rc->hash_alg));
	if (rc->profile == CCAKIT_REALM_2024) {
		assert_true(bytes_eq(gr->instance_id, rc->instance_id));
		assert_int_equal(gr->mec_policy, rc->mec_policy);
	}
}

/* The binding, recomputed independently with OpenSSL. */
static void
check_binding(const ccakit_token *t, const char *alg)
{
	const struct ccakit_platform_claims *gp = ccakit_token_platform(t);
	const struct ccakit_realm_claims *gr = ccakit_token_realm(t);
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const EVP_MD *evp = strcmp(alg, "sha-384") == 0 ? EVP_sha384() :
	    strcmp(alg, "sha-512") == 0 ? EVP_sha512() : EVP_sha256();

	assert_true(tt_bytes_eq(gr->rak_hash_alg, alg, strlen(alg)));
	assert_int_equal(EVP_Digest(gr->rak.ptr, gr->rak.len, md, &mdlen, evp,
	    NULL), 1);
	assert_true(tt_bytes_eq(gp->challenge, md, mdlen));
	if (gr->profile == CCAKIT_REALM_LEGACY) {
		assert_int_equal(gr->rak.len, 97);
		assert_int_equal(gr->rak.ptr[0], 0x04);
	} else {
		/* TF-RMM's COSE_Key: a4 01 02 20 02 21 58 30 .. 22 58 30 .. */
		assert_int_equal(gr->rak.len, 107);
		assert_int_equal(gr->rak.ptr[0], 0xa4);
	}
}

static void
round_trip(enum ccakit_token_format fmt, enum ccakit_platform_profile pp,
    enum ccakit_realm_profile rp, const char *rakhash, const ccakit_key *cpak,
    const ccakit_key *rak)
{
	static const uint8_t zero[8];
	struct ccakit_platform_claims *pc = malloc(sizeof(*pc));
	struct ccakit_realm_claims rc;
	struct ccakit_create_opts opts;
	struct ccakit_verify_result res;
	struct ccakit_verify_opts vo;
	struct ccakit_errdetail d;
	ccakit_ta_store *tas = ccakit_ta_store_new();
	ccakit_token *t = ccakit_token_new();
	uint8_t *out = malloc(OUTSZ);
	size_t len = 0;
	int r;

	assert_non_null(pc);
	assert_non_null(out);
	assert_non_null(t);
	assert_non_null(tas);
	platform_claims(pc, pp);
	realm_claims(&rc, rp);
	if (rakhash != NULL)
		rc.rak_hash_alg = text(rakhash);
	opts.format = fmt;
	r = ccakit_token_create(pc, &rc, cpak, rak, &opts, out, OUTSZ, &len);
	if (r != CCAKIT_OK)
		fail_msg("create %d/%d/%d: %d", fmt, pp, rp, r);
	memset(&d, 0, sizeof(d));
	if ((r = ccakit_token_decode(t, out, len, &d)) != CCAKIT_OK)
		fail_msg("decode %d/%d/%d: %d %s", fmt, pp, rp, r, d.text);
	assert_int_equal(ccakit_token_get_format(t), fmt == 0 ?
	    CCAKIT_FORMAT_907 : fmt);
	assert_int_equal(out[0], 0xd9);
	assert_int_equal(out[1] << 8 | out[2], fmt == 0 ? 907 : (int)fmt);
	check_claims(t, pc, &rc);
	check_binding(t, rakhash == NULL || *rakhash == '\0' ? "sha-256" :
	    rakhash);
	assert_int_equal(ccakit_token_platform_sign1(t)->alg,
	    ccakit_key_default_alg(cpak));
	assert_int_equal(ccakit_token_realm_sign1(t)->alg,
	    ccakit_key_default_alg(rak));

	/* verifies with the CPAK, directly and through a store */
	memset(&vo, 0, sizeof(vo));
	vo.challenge = rchal;
	vo.challenge_len = 32;
	assert_int_equal(ccakit_token_verify_with_key(t, cpak, &vo, &res, &d),
	    CCAKIT_OK);
	assert_int_equal(res.platform.set, 1);
	assert_int_equal(res.platform.v[0], 2);
	assert_int_equal(res.realm.set, 1);
	assert_int_equal(res.realm.v[0], 2);
	/* the same through a store holding the CPAK's public JWK */
	{
		char jwk[512];

		assert_int_equal(ccakit_key_to_jwk(cpak, jwk, sizeof(jwk)),
		    CCAKIT_OK);
		assert_int_equal(ccakit_ta_store_add(tas, impl_id, inst_id,
		    jwk, strlen(jwk)), CCAKIT_OK);
	}
	assert_int_equal(ccakit_token_verify(t, tas, &vo, &res, &d),
	    CCAKIT_OK);
	/* a nonce that is not the realm challenge */
	vo.challenge = zero;
	vo.challenge_len = sizeof(zero);
	assert_int_equal(ccakit_token_verify(t, tas, &vo, &res, &d),
	    CCAKIT_ERR_CHALLENGE);
	assert_int_equal(res.realm.v[0], 2);
	/* the RAK the token carries is the one that signed */
	{
		ccakit_key *k = ccakit_key_new();
		uint8_t a[256], b[256];
		size_t alen, blen;

		assert_non_null(k);
		assert_int_equal(ccakit_token_rak(t, k), CCAKIT_OK);
		assert_int_equal(ccakit_key_to_sec1(k, a, sizeof(a), &alen),
		    CCAKIT_OK);
		assert_int_equal(ccakit_key_to_sec1(rak, b, sizeof(b), &blen),
		    CCAKIT_OK);
		assert_int_equal(alen, blen);
		assert_memory_equal(a, b, alen);
		ccakit_key_free(&k);
	}
	ccakit_ta_store_free(&tas);
	ccakit_token_free(&t);
	free(out);
	free(pc);
}

static void
test_round_trips(void **state)
{
	static const struct {
		enum ccakit_platform_profile p;
		enum ccakit_realm_profile r;
	} profiles[] = {
		{ CCAKIT_PLATFORM_LEGACY, CCAKIT_REALM_LEGACY },
		{ CCAKIT_PLATFORM_2023, CCAKIT_REALM_2023 },
		{ CCAKIT_PLATFORM_2024, CCAKIT_REALM_2024 },
		{ CCAKIT_PLATFORM_LEGACY, CCAKIT_REALM_2023 },
	};
	static const enum ccakit_token_format fmts[] = {
		(enum ccakit_token_format)0, CCAKIT_FORMAT_399,
		CCAKIT_FORMAT_907,
	};
	ccakit_key *cpak = tt_demo_cpak(), *rak = tt_demo_rak();
	ccakit_key *iak = tt_gen_key("P-256");
	size_t i, j;

	(void)state;
	fill();
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
		for (j = 0; j < sizeof(profiles) / sizeof(profiles[0]); j++)
			round_trip(fmts[i], profiles[j].p, profiles[j].r,
			    NULL, cpak, rak);
	/* binding hashes; a P-256 CPAK signs ES256 */
	round_trip(CCAKIT_FORMAT_907, CCAKIT_PLATFORM_2023, CCAKIT_REALM_2023,
	    "", cpak, rak);
	round_trip(CCAKIT_FORMAT_907, CCAKIT_PLATFORM_2023, CCAKIT_REALM_2023,
	    "sha-384", cpak, rak);
	round_trip(CCAKIT_FORMAT_399, CCAKIT_PLATFORM_LEGACY,
	    CCAKIT_REALM_LEGACY, "sha-512", iak, rak);
	round_trip(CCAKIT_FORMAT_907, CCAKIT_PLATFORM_2024, CCAKIT_REALM_2024,
	    "sha-512", iak, rak);
	ccakit_key_free(&cpak);
	ccakit_key_free(&rak);
	ccakit_key_free(&iak);
}

static void
test_create_errors(void **state)
{
	struct ccakit_platform_claims *pc = malloc(sizeof(*pc));
	struct ccakit_realm_claims rc;
	struct ccakit_create_opts opts;
	ccakit_key *cpak = tt_demo_cpak(), *rak = tt_demo_rak();
	ccakit_key *iak = tt_gen_key("P-256"), *pub = ccakit_key_new();
	uint8_t *out = malloc(OUTSZ), pt[133];
	size_t len = 0, good, n, ptlen;

	(void)state;
	assert_non_null(pc);
	assert_non_null(out);
	assert_non_null(pub);
	fill();
	platform_claims(pc, CCAKIT_PLATFORM_LEGACY);
	realm_claims(&rc, CCAKIT_REALM_LEGACY);
	assert_int_equal(ccakit_token_create(pc, &rc, cpak, rak, NULL, out,
	    OUTSZ, &good), CCAKIT_OK);

	/* arguments */
	assert_int_equal(ccakit_token_create(NULL, &rc, cpak, rak, NULL, out,
	    OUTSZ, &len), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_token_create(pc, NULL, cpak, rak, NULL, out,
	    OUTSZ, &len), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_token_create(pc, &rc, NULL, rak, NULL, out,
	    OUTSZ, &len), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_token_create(pc, &rc, cpak, NULL, NULL, out,
	    OUTSZ, &len), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_token_create(pc, &rc, cpak, rak, NULL, NULL,
	    OUTSZ, &len), CCAKIT_ERR_INVALID_ARG);
	opts.format = (enum ccakit_token_format)400;
	assert_int_equal(ccakit_token_create(pc, &rc, cpak, rak, &opts, out,
	    OUTSZ, &len), CCAKIT_ERR_INVALID_ARG);
	/* public keys cannot sign */
	assert_int_equal(ccakit_key_to_sec1(rak, pt, sizeof(pt), &ptlen),
	    CCAKIT_OK);
	assert_int_equal(ccakit_key_from_sec1(pub, CCAKIT_COSE_CRV_P384, pt,
	    ptlen), CCAKIT_OK);
	assert_int_equal(ccakit_token_create(pc, &rc, cpak, pub, NULL, out,
	    OUTSZ, &len), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_token_create(pc, &rc, pub, rak, NULL, out,
	    OUTSZ, &len), CCAKIT_ERR_INVALID_ARG);
	/* the legacy raw RAK is a P-384 point */
	assert_int_equal(ccakit_token_create(pc, &rc, cpak, iak, NULL, out,
	    OUTSZ, &len), CCAKIT_ERR_KEY_MISMATCH);
	/* unknown binding hash */
	rc.rak_hash_alg = text("sha-1");
	assert_int_equal(ccakit_token_create(pc, &rc, cpak, rak, NULL, out,
	    OUTSZ, &len), CCAKIT_ERR_CLAIM_VALUE);
	rc.rak_hash_alg = text("");
	/* claims that would not decode are not signed */
	pc->impl_id.len = 31;
	assert_int_equal(ccakit_token_create(pc, &rc, cpak, rak, NULL, out,
	    OUTSZ, &len), CCAKIT_ERR_CLAIM_VALUE);
	pc->impl_id.len = 32;
	pc->lifecycle = 0x7000;
	assert_int_equal(ccakit_token_create(pc, &rc, cpak, rak, NULL, out,
	    OUTSZ, &len), CCAKIT_ERR_CLAIM_VALUE);
	pc->lifecycle = 0x3000;
	rc.rpv.len = 32;
	assert_int_equal(ccakit_token_create(pc, &rc, cpak, rak, NULL, out,
	    OUTSZ, &len), CCAKIT_ERR_CLAIM_VALUE);
	rc.rpv.len = 64;
	rc.hash_alg = text("");
	assert_int_equal(ccakit_token_create(pc, &rc, cpak, rak, NULL, out,
	    OUTSZ, &len), CCAKIT_ERR_CLAIM_VALUE);
	rc.hash_alg = text("sha-256");
	pc->n_sw = 0;
	assert_int_equal(ccakit_token_create(pc, &rc, cpak, rak, NULL, out,
	    OUTSZ, &len), CCAKIT_ERR_INVALID_ARG);
	pc->n_sw = 2;
	/* 2024 without the mandatory client-id */
	platform_claims(pc, CCAKIT_PLATFORM_2024);
	pc->present &= ~CCAKIT_PLAT_CLIENT_ID;
	assert_int_equal(ccakit_token_create(pc, &rc, cpak, rak, NULL, out,
	    OUTSZ, &len), CCAKIT_ERR_CLAIM_MISSING);
	platform_claims(pc, CCAKIT_PLATFORM_LEGACY);

	/* every output buffer shorter than the token is refused */
	for (n = 0; n < good; n += (n < 16 || good - n < 16) ? 1 : 97) {
		len = 12345;
		assert_int_equal(ccakit_token_create(pc, &rc, cpak, rak, NULL,
		    out, n, &len), CCAKIT_ERR_BUFFER_TOO_SMALL);
		assert_int_equal(len, 12345);
	}
	assert_int_equal(ccakit_token_create(pc, &rc, cpak, rak, NULL, out,
	    good, &len), CCAKIT_OK);
	assert_int_equal(len, good);
	ccakit_key_free(&cpak);
	ccakit_key_free(&rak);
	ccakit_key_free(&iak);
	ccakit_key_free(&pub);
	free(out);
	free(pc);
}

static void
test_created_flips(void **state)
{
	struct ccakit_platform_claims *pc = malloc(sizeof(*pc));
	struct ccakit_realm_claims rc;
	ccakit_key *cpak = tt_gen_key("P-256"), *rak = tt_demo_rak();
	uint8_t *out = malloc(OUTSZ);
	size_t len;

	(void)state;
	assert_non_null(pc);
	assert_non_null(out);
	fill();
	platform_claims(pc, CCAKIT_PLATFORM_2023);
	realm_claims(&rc, CCAKIT_REALM_2023);
	assert_int_equal(ccakit_token_create(pc, &rc, cpak, rak, NULL, out,
	    OUTSZ, &len), CCAKIT_OK);
	tt_flip_all("created 907 token", out, len, NULL, cpak);
	ccakit_key_free(&cpak);
	ccakit_key_free(&rak);
	free(out);
	free(pc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_created_flips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
