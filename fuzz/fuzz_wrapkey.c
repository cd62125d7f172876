/*
 * libFuzzer harness for the wrapping-key JWK parser: with and without the
 * RSA-1024 compatibility flag. An accepted key must satisfy the policy
 * and wrap a short secret to exactly its modulus size.
 */
#include <stdint.h>
#include <stdlib.h>

#include <ccakit/jose.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond)
		abort();
}

static void
fuzz_one(const uint8_t *data, size_t size, unsigned flags)
{
	static const uint8_t secret[] = "May the force be with you.";
	struct ccakit_errdetail d;
	ccakit_wrapkey *k;
	uint8_t out[CCAKIT_WRAPKEY_MAX_BITS / 8];
	size_t olen;
	unsigned bits;

	if ((k = ccakit_wrapkey_new()) == NULL)
		return;
	if (ccakit_wrapkey_from_jwk(k, (const char *)data, size, flags,
	    &d) != CCAKIT_OK) {
		check(d.code != CCAKIT_OK);
		check(ccakit_wrapkey_bits(k) == 0);
		goto out;
	}
	bits = ccakit_wrapkey_bits(k);
	check(bits <= CCAKIT_WRAPKEY_MAX_BITS);
	check(bits >= ((flags & CCAKIT_WRAPKEY_ALLOW_1024) != 0 ?
	    CCAKIT_WRAPKEY_COMPAT_MIN_BITS : CCAKIT_WRAPKEY_MIN_BITS));
	check(ccakit_wrap_alg_str(ccakit_wrapkey_alg(k)) != NULL);
	/* Encryption with a random modulus is slow at 8192 bits: keep it to
	 * the common sizes. */
	if (bits <= 4096) {
		check(ccakit_wrap(k, secret, sizeof(secret) - 1, out,
		    sizeof(out), &olen) == CCAKIT_OK);
		check(olen == (bits + 7) / 8);
	}
 out:
	ccakit_wrapkey_free(&k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_one(data, size, 0);
	fuzz_one(data, size, CCAKIT_WRAPKEY_ALLOW_1024);
	return 0;
}
