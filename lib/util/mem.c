/* Constant-time comparison, secure wiping, wiping reallocation. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <ccakit/bytes.h>

#include "util/util.h"

int
ccakit_ct_memcmp(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0 ? 0 : 1;
}

void
ccakit_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		OPENSSL_cleanse(p, len);
}

void
ccakit_free(void *p)
{
	free(p);
}

void *
cki_realloc_wiped(void *p, size_t len, size_t ncap)
{
	void *n;

	if ((n = malloc(ncap > 0 ? ncap : 1)) == NULL)
		return NULL;
	if (p != NULL) {
		memcpy(n, p, len);
		OPENSSL_cleanse(p, len);
		free(p);
	}
	return n;
}
