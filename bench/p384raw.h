/*
 * p384raw: the bound of the benches, raw P-384 ECDSA verifications as
 * the users of each library write them (OpenSSL EVP, nettle's hogweed),
 * so that every bench measures them the same way. Internal to bench/.
 */
#ifndef BENCH_P384RAW_H
#define BENCH_P384RAW_H

#include <stddef.h>

typedef struct p384raw p384raw;

/*
 * Two fresh P-384 keys, each with a message of the given size signed
 * with SHA-384 (a platform and a realm token's worth). NULL on failure.
 */
p384raw *p384raw_new(size_t len0, size_t len1);
void p384raw_free(p384raw **rp);

/*
 * Pairs of verifications (both messages) per second of the calling
 * thread's CPU time, over about `seconds` of it: OpenSSL EVP (EVP_DigestVerify with a
 * new context each time) or nettle (sha384 and ecdsa_verify on a point
 * converted once). -1 if a verification fails.
 */
double p384raw_openssl_rate(const p384raw *r, double seconds);
double p384raw_nettle_rate(const p384raw *r, double seconds);

#endif /* BENCH_P384RAW_H */
