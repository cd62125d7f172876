/*
 * libFuzzer harness for claims in JSON (ccakit_claimset_from_json).
 * Accepted claims must encode, and the encoding must decode to claims
 * that encode to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/err.h>
#include <ccakit/token.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t a[CCAKIT_TOKEN_MAX_SIZE], b[CCAKIT_TOKEN_MAX_SIZE];
static struct ccakit_platform_claims pc;
static struct ccakit_realm_claims rc;

static void
check(int cond)
{
	if (!cond)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ccakit_errdetail d;
	ccakit_claimset *c;
	size_t alen, blen;

	if ((c = ccakit_claimset_new()) == NULL)
		return 0;
	if (ccakit_claimset_from_json(c, (const char *)data, size, &d) !=
	    CCAKIT_OK) {
		check(d.code != CCAKIT_OK);
		check(ccakit_claimset_platform(c) == NULL);
		goto out;
	}
	check(ccakit_platform_claims_encode(ccakit_claimset_platform(c), a,
	    sizeof(a), &alen) == CCAKIT_OK);
	check(ccakit_platform_claims_decode(a, alen, &pc, NULL) == CCAKIT_OK);
	check(ccakit_platform_claims_encode(&pc, b, sizeof(b), &blen) ==
	    CCAKIT_OK);
	check(alen == blen && memcmp(a, b, alen) == 0);
	check(ccakit_realm_claims_encode(ccakit_claimset_realm(c), a,
	    sizeof(a), &alen) == CCAKIT_OK);
	check(ccakit_realm_claims_decode(a, alen, &rc, NULL) == CCAKIT_OK);
	check(ccakit_realm_claims_encode(&rc, b, sizeof(b), &blen) ==
	    CCAKIT_OK);
	check(alen == blen && memcmp(a, b, alen) == 0);
 out:
	ccakit_claimset_free(&c);
	return 0;
}
