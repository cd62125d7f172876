/*
 * libFuzzer harness for keybroker-server's key request body: the JSON
 * envelope, then the wrapping-key JWK it carries, as the server takes
 * them (with and without the 1024-bit compatibility flag), and the same
 * bytes as the request's Content-Type.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/jose.h>

#include "kbs_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ccakit_errdetail d;
	ccakit_wrapkey *k;
	char err[256], mt[256], *jwk = NULL;
	uint8_t ct[CCAKIT_WRAPKEY_MAX_BITS / 8];
	size_t n;

	/* The same bytes as a Content-Type. */
	if (size < sizeof(mt)) {
		memcpy(mt, data, size);
		mt[size] = '\0';
		(void)kbs_json_media_type(mt);
	}
	if (kbs_parse_key_request(data, size, &jwk, err, sizeof(err)) != 0) {
		if (jwk != NULL || err[0] == '\0')
			abort();
		return 0;
	}
	if (jwk == NULL || strlen(jwk) > CCAKIT_WRAPKEY_JWK_MAX)
		abort();
	if ((k = ccakit_wrapkey_new()) != NULL &&
	    ccakit_wrapkey_from_jwk(k, jwk, strlen(jwk),
	    CCAKIT_WRAPKEY_ALLOW_1024, &d) == CCAKIT_OK) {
		if (ccakit_wrapkey_bits(k) < CCAKIT_WRAPKEY_COMPAT_MIN_BITS ||
		    ccakit_wrapkey_bits(k) > CCAKIT_WRAPKEY_MAX_BITS)
			abort();
		if (ccakit_wrap(k, (const uint8_t *)"x", 1, ct, sizeof(ct),
		    &n) != CCAKIT_OK || n != (ccakit_wrapkey_bits(k) + 7) / 8)
			abort();
	}
	ccakit_wrapkey_free(&k);
	free(jwk);
	return 0;
}
