/* Helpers shared by the token unit tests. */
#include <stdlib.h>
#include <string.h>

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
tt_cpak_p384(void)
{
	return tt_key_jwk("{\"kty\":\"EC\",\"crv\":\"P-384\","
	    "\"d\":\"isCQyZWGn2GsE1jwKwIaJqtus4YgOsc1186YVVOLkfdMRLDVgCQ--"
	    "3maKT3LqgiZ\","
	    "\"x\":\"IShnxS4rlQiwpCCpBWDzlNLfqiG911FP8akBr-fh94uxHU5m-Kijiv"
	    "p2r2oxxN6M\","
	    "\"y\":\"hM4tr8mWQli1P61xh3T0ViDREbF26DGOEYfbAjWjGNN7pZf-6A4OTH"
	    "YqEryz6m7U\"}");
}

ccakit_key *
tt_rak_p384(void)
{
	return tt_key_jwk("{\"kty\":\"EC\",\"crv\":\"P-384\","
	    "\"d\":\"IBHH8DzuQyUXblJPAzwM4eIadubBpPC4Oaod9h4OilyKBXQPm2nvp-"
	    "saQYW9EX9o\","
	    "\"x\":\"dvmICRvlhe1BgBrs-rhYVIxjBX4WsOZ2Egu9DS-cKeBWxdQaATDrnC"
	    "FReJncIxRr\","
	    "\"y\":\"KOGwYr0-pLMV_SGfHLtSjLbnTKSb4Wdzc09hocphAxsrvz2Rjy-U_8"
	    "QijlCRlUSu\"}");
}

ccakit_key *
tt_iak_p256(void)
{
	return tt_key_jwk("{\"kty\":\"EC\",\"crv\":\"P-256\","
	    "\"d\":\"870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE\","
	    "\"x\":\"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4\","
	    "\"y\":\"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM\"}");
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
