/*
 * Hash algorithms: one enumeration for the whole library (measure, vmm,
 * token, cose), numbered as the RMM numbers them (RmiHashAlgorithm, the
 * encoding of RmiRealmParams.hash_algo and of the measurement log).
 */
#ifndef CCAKIT_HASH_H
#define CCAKIT_HASH_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum ccakit_hash_algo {
	CCAKIT_HASH_SHA256 = 0,
	CCAKIT_HASH_SHA512 = 1,
	CCAKIT_HASH_SHA384 = 2,         /* RMM 2.0 only, as a realm's */
};

/* Digest length in bytes (32, 48, 64); 0 for an unknown value. */
size_t ccakit_hash_algo_len(enum ccakit_hash_algo a);
/* "sha-256", "sha-384", "sha-512" (named-info names), or NULL. */
const char *ccakit_hash_algo_name(enum ccakit_hash_algo a);
/* The algorithm of a named-info name (exactly, len bytes): CCAKIT_OK, or
 * CCAKIT_ERR_NOT_FOUND. */
int ccakit_hash_algo_from_name(const char *name, size_t len,
    enum ccakit_hash_algo *a);

#ifdef __cplusplus
}
#endif

#endif /* CCAKIT_HASH_H */
