/* Constant-time comparison and secure wiping. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <ccakit/bytes.h>

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
