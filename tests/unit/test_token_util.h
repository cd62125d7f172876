/* Helpers shared by the token unit tests. */
#ifndef CCAKIT_TEST_TOKEN_UTIL_H
#define CCAKIT_TEST_TOKEN_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <ccakit/cose.h>
#include <ccakit/store.h>
#include <ccakit/token.h>

/* A vector file, read whole (malloc'd). */
struct tt_buf {
	uint8_t *p;
	size_t len;
};

struct tt_buf tt_vector(const char *rel);
void tt_buf_free(struct tt_buf *b);

/* Decode a vector into a new token (the buffer must outlive it). */
ccakit_token *tt_decode_vector(const char *rel, struct tt_buf *b);

/* Stores loaded from vector files. */
ccakit_ta_store *tt_ta_store(const char *rel);
ccakit_rv_store *tt_rv_store(const char *rel);

/* A private EC key from a JWK text. */
ccakit_key *tt_key_jwk(const char *jwk);
/* The same from a vector file (e.g. trustee/upstream/cpak-priv.json, the
 * TF-M sample CPAK that signed rust-ccatoken's cca-token-01). */
ccakit_key *tt_vector_key(const char *rel);

/*
 * Flip every bit of a good token in turn (restoring it after each): no
 * flipped token may both decode and verify (with the store, or with
 * cpak when tas is NULL).
 */
void tt_flip_all(const char *name, uint8_t *p, size_t len,
    const ccakit_ta_store *tas, const ccakit_key *cpak);

/* Bytes equality of a view and a buffer. */
int tt_bytes_eq(struct ccakit_bytes v, const void *p, size_t len);

/*
 * --- the emulated realm: tokens the tests make themselves ---
 * The demo's claims and keys (demo/claims.json, demo/cpak.pem,
 * demo/rak.pem: P-384 CPAK and RAK), so that nothing the project can make
 * depends on the upstream vectors.
 */
ccakit_key *tt_demo_cpak(void);
ccakit_key *tt_demo_rak(void);
/* A fresh private EC key: "P-256", "P-384" or "P-521". */
ccakit_key *tt_gen_key(const char *curve);
/* The public half of k (through its JWK). */
ccakit_key *tt_pub_of(const ccakit_key *k);

/* The realm challenge of the emulated tokens (64 bytes, none zero). */
extern const uint8_t tt_emulated_challenge[64];
/*
 * A token of the emulated realm in format fmt (399 or 907): demo/
 * claims.json in its 2023 profiles, or with legacy set in the legacy
 * ones (raw RAK point), the realm challenge tt_emulated_challenge.
 */
struct tt_buf tt_emulated(enum ccakit_token_format fmt, int legacy);
/* Its trust anchor: the demo CPAK for the claims' implementation and
 * instance ids. */
ccakit_ta_store *tt_emulated_ta(void);
/* fn on each token of the emulated realm (399 and 907, 2023 and legacy
 * profiles), then on each of the vector files whose folder is present. */
void tt_for_each_token(void (*fn)(const char *name, struct tt_buf b),
    const char *const *files, size_t nfiles);
/* The claims of such a token, encoded: the platform's, or the realm's
 * when realm is set. */
struct tt_buf tt_emulated_claims(int realm, int legacy);

#endif
