/*
 * The platform-token cache, inside the module (the public half is in
 * ccakit/appraise.h): verify.c asks it before the platform signature and
 * tells it after a good one. docs/crypto.md has the design.
 */
#ifndef CCAKIT_PCACHE_H
#define CCAKIT_PCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include <ccakit/appraise.h>
#include <ccakit/cose.h>

#define CKI_PCACHE_KEY_LEN 32

/*
 * The entry key: SHA-256 over the CPAK (curve, pinned algorithm, the
 * uncompressed point) and the exact protected header, payload and
 * signature bytes of the platform COSE_Sign1, each with its length.
 * false when the key gives no point (the caller then verifies uncached).
 */
bool cki_pcache_key(const ccakit_key *cpak,
    const struct ccakit_cose_sign1 *msg, uint8_t key[CKI_PCACHE_KEY_LEN]);

/*
 * stamp is the stamp of the trust-anchor store the CPAK came from, 0 for
 * a key the caller gave. A larger stamp than any seen before flushes
 * the cache first; a smaller one (an older store) is a miss and adds
 * nothing. Neither allocates.
 */
bool cki_pcache_lookup(ccakit_platform_cache *c,
    const uint8_t key[CKI_PCACHE_KEY_LEN], uint64_t stamp);
/* After a good platform signature only. */
void cki_pcache_insert(ccakit_platform_cache *c,
    const uint8_t key[CKI_PCACHE_KEY_LEN], uint64_t stamp);

/* Tests: whether the LRU list, the hash chains and the count agree. */
bool cki_pcache_consistent(ccakit_platform_cache *c);

#endif /* CCAKIT_PCACHE_H */
