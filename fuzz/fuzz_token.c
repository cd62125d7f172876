/*
 * libFuzzer harness for the whole-token boundary: collection, both
 * COSE_Sign1, both claim sets; on a successful decode also verification
 * (against a fixed trust anchor: the emulated realm's CPAK, demo/)
 * and appraisal (against an empty store). The input is also fed to the
 * two claims decoders on their own.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/appraise.h>
#include <ccakit/err.h>
#include <ccakit/store.h>
#include <ccakit/token.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The emulated realm's platform (demo/claims.json) and CPAK
 * (demo/cpak.jwk.json), so that the corpus's tokens verify. */
static const uint8_t demo_impl[32] = {
	0xa3, 0x8d, 0xae, 0x63, 0xdb, 0x04, 0xf7, 0x83,
	0xa6, 0x72, 0x35, 0xe9, 0x56, 0x33, 0x67, 0xfe,
	0x28, 0xfa, 0xdf, 0xea, 0x81, 0x89, 0xb6, 0x3b,
	0x41, 0xa6, 0xc0, 0x86, 0xdc, 0x6e, 0xf5, 0x3b,
};
static const uint8_t demo_inst[33] = {
	0x01, 0xf1, 0x30, 0x6d, 0xbb, 0x26, 0xfb, 0x86,
	0x1a, 0xc6, 0x87, 0xb2, 0x8b, 0x38, 0x70, 0x54,
	0x52, 0x71, 0x02, 0x0a, 0xc8, 0xc8, 0x3b, 0xab,
	0x99, 0xe6, 0x88, 0x76, 0xcf, 0xc5, 0x4d, 0x93,
	0x9a,
};
static const char demo_jwk[] = "{\"kty\":\"EC\",\"crv\":\"P-384\","
    "\"x\":\"X9q3djS_V54ABamxoQtag6oixYTCJwv2-TIay211UgNYWSzICqo4d79z5Rbh"
    "iZ9u\","
    "\"y\":\"v4UMjwWRRAaP0EBKRTc-aiOkkgj7MR7_R_G_R_cKLbY50y6wYFiQYTkR7cNA"
    "9jAi\"}";

static ccakit_ta_store *tas;
static ccakit_rv_store *rvs;
static ccakit_token *tok;
static struct ccakit_platform_claims pc;
static struct ccakit_realm_claims rc;

static void
setup(void)
{
	if (tok != NULL)
		return;
	if ((tas = ccakit_ta_store_new()) == NULL ||
	    ccakit_ta_store_add(tas, demo_impl, demo_inst, demo_jwk,
	    sizeof(demo_jwk) - 1) != CCAKIT_OK ||
	    (rvs = ccakit_rv_store_new()) == NULL ||
	    (tok = ccakit_token_new()) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ccakit_verify_result vr;
	struct ccakit_appraisal ar;
	struct ccakit_errdetail d;

	setup();
	if (ccakit_token_decode(tok, data, size, &d) == CCAKIT_OK) {
		(void)ccakit_token_verify(tok, tas, NULL, &vr, &d);
		(void)ccakit_token_appraise(tok, rvs, &ar);
	}
	(void)ccakit_platform_claims_decode(data, size, &pc, &d);
	(void)ccakit_realm_claims_decode(data, size, &rc, &d);
	return 0;
}
