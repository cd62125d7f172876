/* Helpers shared by the token unit tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <ccakit/appraise.h>
#include <ccakit/err.h>

#include "testutil.h"
#include "test_token_util.h"

struct tt_buf
tt_vector(const char *rel)
{
	struct tt_buf b;

	b.p = tu_read_vector(rel, &b.len);
	return b;
}

void
tt_buf_free(struct tt_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
}

ccakit_token *
tt_decode_vector(const char *rel, struct tt_buf *b)
{
	struct ccakit_errdetail d;
	ccakit_token *t;
	int r;

	*b = tt_vector(rel);
	assert_non_null(t = ccakit_token_new());
	memset(&d, 0, sizeof(d));
	r = ccakit_token_decode(t, b->p, b->len, &d);
	if (r != CCAKIT_OK)
		fail_msg("%s: decode failed: %d (%s)", rel, r, d.text);
	return t;
}

ccakit_ta_store *
tt_ta_store(const char *rel)
{
	struct ccakit_errdetail d;
	ccakit_ta_store *s;
	struct tt_buf b = tt_vector(rel);

	assert_non_null(s = ccakit_ta_store_new());
	if (ccakit_ta_store_load_json(s, (const char *)b.p, b.len, &d) !=
	    CCAKIT_OK)
		fail_msg("%s: %s", rel, d.text);
	tt_buf_free(&b);
	return s;
}

ccakit_rv_store *
tt_rv_store(const char *rel)
{
	struct ccakit_errdetail d;
	ccakit_rv_store *s;
	struct tt_buf b = tt_vector(rel);

	assert_non_null(s = ccakit_rv_store_new());
	if (ccakit_rv_store_load_json(s, (const char *)b.p, b.len, &d) !=
	    CCAKIT_OK)
		fail_msg("%s: %s", rel, d.text);
	tt_buf_free(&b);
	return s;
}

ccakit_key *
tt_key_jwk(const char *jwk)
{
	ccakit_key *k;

	assert_non_null(k = ccakit_key_new());
	assert_int_equal(ccakit_key_from_jwk(k, jwk, strlen(jwk)), CCAKIT_OK);
	assert_true(ccakit_key_has_private(k));
	return k;
}

ccakit_key *
tt_vector_key(const char *rel)
{
	struct tt_buf b = tt_vector(rel);
	ccakit_key *k = tt_key_jwk((const char *)b.p);

	tt_buf_free(&b);
	return k;
}

int
tt_bytes_eq(struct ccakit_bytes v, const void *p, size_t len)
{
	return v.len == len && (len == 0 || memcmp(v.ptr, p, len) == 0);
}

static int
tt_verify(const ccakit_token *t, const ccakit_ta_store *tas,
    const ccakit_key *cpak)
{
	struct ccakit_verify_result res;

	if (tas != NULL)
		return ccakit_token_verify(t, tas, NULL, &res, NULL);
	return ccakit_token_verify_with_key(t, cpak, NULL, &res, NULL);
}

void
tt_flip_all(const char *name, uint8_t *p, size_t len,
    const ccakit_ta_store *tas, const ccakit_key *cpak)
{
	ccakit_token *t = ccakit_token_new();
	size_t i, ndecoded = 0;
	unsigned bit;

	assert_non_null(t);
	assert_int_equal(ccakit_token_decode(t, p, len, NULL), CCAKIT_OK);
	assert_int_equal(tt_verify(t, tas, cpak), CCAKIT_OK);
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			p[i] ^= (uint8_t)(1u << bit);
			if (ccakit_token_decode(t, p, len, NULL) == CCAKIT_OK) {
				ndecoded++;
				if (tt_verify(t, tas, cpak) == CCAKIT_OK)
					fail_msg("%s: flip of bit %u of byte "
					    "%zu verifies", name, bit, i);
			}
			p[i] ^= (uint8_t)(1u << bit);
		}
	}
	/* most flips land in signed content and reach verification */
	assert_true(ndecoded > len);
	/* and the original is intact */
	assert_int_equal(ccakit_token_decode(t, p, len, NULL), CCAKIT_OK);
	assert_int_equal(tt_verify(t, tas, cpak), CCAKIT_OK);
	ccakit_token_free(&t);
}

/* --- the emulated realm --- */

static ccakit_key *
demo_key(const char *name)
{
	char rel[64];
	ccakit_key *k;
	uint8_t *pem;
	size_t len;

	(void)snprintf(rel, sizeof(rel), "demo/%s", name);
	pem = tu_read_file(tu_src_path(rel), &len);
	assert_non_null(k = ccakit_key_new());
	assert_int_equal(ccakit_key_from_pem(k, (const char *)pem, len),
	    CCAKIT_OK);
	assert_true(ccakit_key_has_private(k));
	free(pem);
	return k;
}

ccakit_key *
tt_demo_cpak(void)
{
	return demo_key("cpak.pem");
}

ccakit_key *
tt_demo_rak(void)
{
	return demo_key("rak.pem");
}

ccakit_key *
tt_gen_key(const char *curve)
{
	EVP_PKEY *pk;
	BIO *bio;
	char *pem;
	long n;
	ccakit_key *k;

	assert_non_null(pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve));
	assert_non_null(bio = BIO_new(BIO_s_mem()));
	assert_int_equal(PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0,
	    NULL, NULL), 1);
	n = BIO_get_mem_data(bio, &pem);
	assert_true(n > 0);
	assert_non_null(k = ccakit_key_new());
	assert_int_equal(ccakit_key_from_pem(k, pem, (size_t)n), CCAKIT_OK);
	BIO_free(bio);
	EVP_PKEY_free(pk);
	return k;
}

ccakit_key *
tt_pub_of(const ccakit_key *k)
{
	char jwk[512];
	ccakit_key *p;

	assert_int_equal(ccakit_key_to_jwk(k, jwk, sizeof(jwk)), CCAKIT_OK);
	assert_non_null(p = ccakit_key_new());
	assert_int_equal(ccakit_key_from_jwk(p, jwk, strlen(jwk)), CCAKIT_OK);
	assert_false(ccakit_key_has_private(p));
	return p;
}

const uint8_t tt_emulated_challenge[64] = {
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
	0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01,
	0x12, 0x23, 0x34, 0x45, 0x56, 0x67, 0x78, 0x89,
	0x9a, 0xab, 0xbc, 0xcd, 0xde, 0xef, 0xf0, 0x02,
	0x13, 0x24, 0x35, 0x46, 0x57, 0x68, 0x79, 0x8a,
	0x9b, 0xac, 0xbd, 0xce, 0xdf, 0xe0, 0xf1, 0x03,
	0x14, 0x25, 0x36, 0x47, 0x58, 0x69, 0x7a, 0x8b,
	0x9c, 0xad, 0xbe, 0xcf, 0xd0, 0xe1, 0xf2, 0x04,
};

static ccakit_claimset *
demo_claims(void)
{
	struct ccakit_errdetail d;
	ccakit_claimset *c;
	uint8_t *json;
	size_t len;

	json = tu_read_file(tu_src_path("demo/claims.json"), &len);
	assert_non_null(c = ccakit_claimset_new());
	memset(&d, 0, sizeof(d));
	if (ccakit_claimset_from_json(c, (const char *)json, len, &d) !=
	    CCAKIT_OK)
		fail_msg("demo/claims.json: %s", d.text);
	free(json);
	return c;
}

struct tt_buf
tt_emulated(enum ccakit_token_format fmt, int legacy)
{
	struct ccakit_platform_claims *pc = malloc(sizeof(*pc));
	struct ccakit_realm_claims rc;
	struct ccakit_create_opts o;
	ccakit_claimset *c = demo_claims();
	ccakit_key *cpak = tt_demo_cpak(), *rak = tt_demo_rak();
	struct tt_buf b;

	assert_non_null(pc);
	*pc = *ccakit_claimset_platform(c);
	rc = *ccakit_claimset_realm(c);
	rc.challenge.ptr = tt_emulated_challenge;
	rc.challenge.len = sizeof(tt_emulated_challenge);
	if (legacy) {
		pc->profile = CCAKIT_PLATFORM_LEGACY;
		rc.profile = CCAKIT_REALM_LEGACY;
	}
	o.format = fmt;
	assert_non_null(b.p = malloc(CCAKIT_TOKEN_MAX_SIZE));
	assert_int_equal(ccakit_token_create(pc, &rc, cpak, rak, &o, b.p,
	    CCAKIT_TOKEN_MAX_SIZE, &b.len), CCAKIT_OK);
	ccakit_key_free(&cpak);
	ccakit_key_free(&rak);
	ccakit_claimset_free(&c);
	free(pc);
	return b;
}

ccakit_ta_store *
tt_emulated_ta(void)
{
	ccakit_claimset *c = demo_claims();
	const struct ccakit_platform_claims *pc = ccakit_claimset_platform(c);
	ccakit_key *cpak = tt_demo_cpak();
	ccakit_ta_store *s;
	char jwk[512];

	assert_int_equal(pc->impl_id.len, 32);
	assert_int_equal(pc->inst_id.len, 33);
	assert_int_equal(ccakit_key_to_jwk(cpak, jwk, sizeof(jwk)), CCAKIT_OK);
	assert_non_null(s = ccakit_ta_store_new());
	assert_int_equal(ccakit_ta_store_add(s, pc->impl_id.ptr,
	    pc->inst_id.ptr, jwk, strlen(jwk)), CCAKIT_OK);
	ccakit_key_free(&cpak);
	ccakit_claimset_free(&c);
	return s;
}

struct tt_buf
tt_emulated_claims(int realm, int legacy)
{
	struct tt_buf tok = tt_emulated(CCAKIT_FORMAT_399, legacy), b;
	ccakit_token *t = ccakit_token_new();

	assert_non_null(t);
	assert_int_equal(ccakit_token_decode(t, tok.p, tok.len, NULL),
	    CCAKIT_OK);
	assert_non_null(b.p = malloc(CCAKIT_TOKEN_MAX_SIZE));
	if (realm)
		assert_int_equal(ccakit_realm_claims_encode(
		    ccakit_token_realm(t), b.p, CCAKIT_TOKEN_MAX_SIZE, &b.len),
		    CCAKIT_OK);
	else
		assert_int_equal(ccakit_platform_claims_encode(
		    ccakit_token_platform(t), b.p, CCAKIT_TOKEN_MAX_SIZE,
		    &b.len), CCAKIT_OK);
	ccakit_token_free(&t);
	tt_buf_free(&tok);
	return b;
}

void
tt_for_each_token(void (*fn)(const char *name, struct tt_buf b),
    const char *const *files, size_t nfiles)
{
	static const char *const names[4] = { "emulated 399",
	    "emulated 399 legacy", "emulated 907", "emulated 907 legacy" };
	struct tt_buf b;
	char top[64];
	size_t i;

	for (i = 0; i < 4; i++) {
		b = tt_emulated(i < 2 ? CCAKIT_FORMAT_399 : CCAKIT_FORMAT_907,
		    (int)(i % 2));
		fn(names[i], b);
		tt_buf_free(&b);
	}
	for (i = 0; i < nfiles; i++) {
		(void)snprintf(top, sizeof(top), "%.*s",
		    (int)strcspn(files[i], "/"), files[i]);
		if (!tu_have_vectors(top))
			continue;
		b = tt_vector(files[i]);
		fn(files[i], b);
		tt_buf_free(&b);
	}
}
