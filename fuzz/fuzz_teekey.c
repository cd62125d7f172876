/*
 * libFuzzer harness for TEE keys as a guest sends them (JWK, or PEM as
 * kbs-client reads them): ccakit_teekey_from_jwk / _from_pem. A refusal
 * fills the detail with its code; an accepted key writes the typed JWK,
 * which reads back as the same key (same typed JWK), and can be
 * encrypted to.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/err.h>
#include <ccakit/jose.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	ccakit_teekey *k, *k2;
	char *jwk = NULL, *jwk2 = NULL, *jwe = NULL;
	unsigned flags = 0;
	int r;

	if ((k = ccakit_teekey_new()) == NULL ||
	    (k2 = ccakit_teekey_new()) == NULL)
		abort();
	/* A leading '!' asks for the compatibility flags. */
	if (size > 0 && data[0] == '!') {
		flags = CCAKIT_TEEKEY_ALLOW_RSA1024 | CCAKIT_TEEKEY_ALLOW_RSA1_5;
		data++;
		size--;
	}
	memset(&d, 0, sizeof(d));
	if (size > 0 && data[0] == '-')
		r = ccakit_teekey_from_pem(k, (const char *)data, size,
		    flags & CCAKIT_TEEKEY_ALLOW_RSA1024, &d);
	else
		r = ccakit_teekey_from_jwk(k, (const char *)data, size, flags,
		    &d);
	if (r != CCAKIT_OK) {
		check(d.code == r && ccakit_teekey_alg(k) == 0);
		goto out;
	}
	check(ccakit_jwe_alg_name(ccakit_teekey_alg(k)) != NULL);
	check(ccakit_teekey_to_jwk(k, &jwk) == CCAKIT_OK);
	check(ccakit_teekey_from_jwk(k2, jwk, strlen(jwk), flags, &d) ==
	    CCAKIT_OK);
	check(ccakit_teekey_to_jwk(k2, &jwk2) == CCAKIT_OK);
	check(strcmp(jwk, jwk2) == 0);
	check(ccakit_teekey_bits(k) == ccakit_teekey_bits(k2));
	check(!ccakit_teekey_has_private(k2));
	check(ccakit_jwe_encrypt(k2, (const uint8_t *)"x", 1,
	    CCAKIT_JWE_COMPACT, &jwe) == CCAKIT_OK);
out:
	free(jwk);
	free(jwk2);
	free(jwe);
	ccakit_teekey_free(&k);
	ccakit_teekey_free(&k2);
	return 0;
}
