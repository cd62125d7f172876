/* Hash helpers: explicit fetches (no implicit per-call fetch), one-shot
 * digests on a reused context. */
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "measure/measure_priv.h"

EVP_MD *
cki_meas_md_fetch(enum ccakit_hash_algo a)
{
	switch (a) {
	case CCAKIT_HASH_SHA256:
		return EVP_MD_fetch(NULL, "SHA2-256", NULL);
	case CCAKIT_HASH_SHA512:
		return EVP_MD_fetch(NULL, "SHA2-512", NULL);
	case CCAKIT_HASH_SHA384:
		return EVP_MD_fetch(NULL, "SHA2-384", NULL);
	}
	return NULL;
}

int
cki_meas_hash(EVP_MD_CTX *ctx, const EVP_MD *md, const void *data, size_t len,
    uint8_t *out)
{
	if (EVP_DigestInit_ex2(ctx, md, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, data, len) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, NULL) != 1)
		return -1;
	return 0;
}

size_t
ccakit_hash_algo_len(enum ccakit_hash_algo a)
{
	switch (a) {
	case CCAKIT_HASH_SHA256:
		return 32;
	case CCAKIT_HASH_SHA512:
		return 64;
	case CCAKIT_HASH_SHA384:
		return 48;
	}
	return 0;
}

const char *
ccakit_hash_algo_name(enum ccakit_hash_algo a)
{
	switch (a) {
	case CCAKIT_HASH_SHA256:
		return "sha-256";
	case CCAKIT_HASH_SHA512:
		return "sha-512";
	case CCAKIT_HASH_SHA384:
		return "sha-384";
	}
	return NULL;
}

uint16_t
cki_meas_tcg_alg(enum ccakit_hash_algo a)
{
	switch (a) {
	case CCAKIT_HASH_SHA256:
		return 0x000B;
	case CCAKIT_HASH_SHA512:
		return 0x000D;
	case CCAKIT_HASH_SHA384:
		return 0x000C;
	}
	return 0;
}

int
cki_meas_algo_from_tcg(uint16_t tcg)
{
	switch (tcg) {
	case 0x000B:
		return CCAKIT_HASH_SHA256;
	case 0x000C:
		return CCAKIT_HASH_SHA384;
	case 0x000D:
		return CCAKIT_HASH_SHA512;
	default:
		return -1;
	}
}

unsigned
cki_meas_online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	if (n > (long)CCAKIT_REALM_MAX_THREADS)
		return CCAKIT_REALM_MAX_THREADS;
	return (unsigned)n;
}
