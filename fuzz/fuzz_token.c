/*
 * libFuzzer harness for the whole-token boundary: collection, both
 * COSE_Sign1, both claim sets; on a successful decode also verification
 * (against a fixed trust anchor: the TF-A sample CPAK of ta-tfa.json)
 * and appraisal (against an empty store). The input is also fed to the
 * two claims decoders on their own.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/err.h>
#include <ccakit/store.h>
#include <ccakit/token.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t tfa_impl[32] = {
	0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x03, 0x00, 0x3e, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x50, 0x58, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t tfa_inst[33] = {
	0x01, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
	0x00, 0x0f, 0x0e, 0x0d, 0x0c, 0x0b, 0x0a, 0x09,
	0x08, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11,
	0x10, 0x1f, 0x1e, 0x1d, 0x1c, 0x1b, 0x1a, 0x19,
	0x18,
};
static const char tfa_jwk[] = "{\"kty\":\"EC\",\"crv\":\"P-384\","
    "\"x\":\"IShnxS4rlQiwpCCpBWDzlNLfqiG911FP8akBr-fh94uxHU5m-Kijivp2r2ox"
    "xN6M\","
    "\"y\":\"hM4tr8mWQli1P61xh3T0ViDREbF26DGOEYfbAjWjGNN7pZf-6A4OTHYqEryz"
    "6m7U\"}";

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
	    ccakit_ta_store_add(tas, tfa_impl, tfa_inst, tfa_jwk,
	    sizeof(tfa_jwk) - 1) != CCAKIT_OK ||
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
