/*
 * libFuzzer harness for key text (JWK or PEM, ccakit_key_from_text). An
 * accepted key writes a public JWK that reads back as the same point.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/cose.h>
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
	uint8_t a[200], b[200];
	size_t alen, blen;
	ccakit_key *k = NULL, *k2 = NULL;
	char *jwk = NULL;

	if ((k = ccakit_key_new()) == NULL || (k2 = ccakit_key_new()) == NULL)
		goto out;
	if (ccakit_key_from_text(k, (const char *)data, size) != CCAKIT_OK)
		goto out;
	check(ccakit_jwk_from_key(k, ccakit_key_default_alg(k), &jwk) ==
	    CCAKIT_OK);
	check(ccakit_key_from_text(k2, jwk, strlen(jwk)) == CCAKIT_OK);
	check(!ccakit_key_has_private(k2));
	check(ccakit_key_pinned_alg(k2) == ccakit_key_default_alg(k));
	check(ccakit_key_to_sec1(k, a, sizeof(a), &alen) == CCAKIT_OK);
	check(ccakit_key_to_sec1(k2, b, sizeof(b), &blen) == CCAKIT_OK);
	check(alen == blen && memcmp(a, b, alen) == 0);
out:
	free(jwk);
	ccakit_key_free(&k);
	ccakit_key_free(&k2);
	return 0;
}
