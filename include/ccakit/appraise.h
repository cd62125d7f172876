/*
 * Appraisal: evidence -> claims -> trust vectors. Verification of a token
 * against trust anchors (or a given CPAK), appraisal against reference
 * values, golden values, and the embedded verifier that turns evidence
 * into an EAR. The stores are looked up here, not in the token module.
 */
#ifndef CCAKIT_APPRAISE_H
#define CCAKIT_APPRAISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/cose.h>
#include <ccakit/ear.h>
#include <ccakit/err.h>
#include <ccakit/store.h>
#include <ccakit/token.h>
#include <ccakit/tv.h>

#ifdef __cplusplus
extern "C" {
#endif

/* --- the platform-token cache --- */

/*
 * TF-RMM signs the platform token once per boot and gives the same bytes
 * to every realm of the machine, so a verifier sees the same platform
 * COSE_Sign1 again and again. The cache remembers "these exact
 * platform-token bytes verified under this CPAK": a bounded LRU keyed by
 * SHA-256 over the CPAK (curve, pinned algorithm, public point) and the
 * exact protected header, payload and signature of the platform
 * COSE_Sign1. Only a good platform signature is remembered; everything
 * else (the trust-anchor lookup, the realm signature, the binding,
 * freshness) is checked every time. It is emptied when a trust-anchor
 * store newer than the one it was filled from is used (any change of a
 * store, or a store made later, counts) and by
 * ccakit_platform_cache_flush(); an older store than that is verified
 * without it. One cache may be shared by any number of threads (one
 * short lock; a hit allocates nothing). docs/crypto.md has the design.
 */
typedef struct ccakit_platform_cache ccakit_platform_cache;

#define CCAKIT_PLATFORM_CACHE_DEFAULT  64       /* entries */
#define CCAKIT_PLATFORM_CACHE_MAX      65536

/* A cache of CCAKIT_PLATFORM_CACHE_DEFAULT entries; NULL when out of
 * memory. */
ccakit_platform_cache *ccakit_platform_cache_new(void);
/* Accepts NULL, sets *cp to NULL. No verification may be using it. */
void ccakit_platform_cache_free(ccakit_platform_cache **cp);
/* Room for n entries, 1..CCAKIT_PLATFORM_CACHE_MAX; empties the cache.
 * CCAKIT_ERR_INVALID_ARG or CCAKIT_ERR_NOMEM leave it as it was. */
int ccakit_platform_cache_set_capacity(ccakit_platform_cache *c, size_t n);
/* Forget every entry. */
void ccakit_platform_cache_flush(ccakit_platform_cache *c);

struct ccakit_platform_cache_stats {
	uint64_t hits;          /* platform signatures taken from the cache */
	uint64_t misses;        /* looked up, not there: verified */
	uint64_t inserts;       /* good signatures remembered */
	uint64_t evictions;     /* least recently used entries dropped */
	uint64_t flushes;       /* emptied: a newer store, or a flush call */
	size_t entries;
	size_t capacity;
};

/* The counters since the cache was made (all zero for NULL). */
void ccakit_platform_cache_stats(ccakit_platform_cache *c,
    struct ccakit_platform_cache_stats *out);
/*
 * fn(arg, hit) after every lookup, outside the cache's lock (a service's
 * metrics); fn NULL: none. Set it before the cache is shared.
 */
void ccakit_platform_cache_set_hook(ccakit_platform_cache *c,
    void (*fn)(void *arg, bool hit), void *arg);

/* --- verification --- */

/* Options: clear the whole structure before setting members (memset or
 * = { 0 }), as members may be added. */
struct ccakit_verify_opts {
	/* Expected realm challenge (nonce), zero-padded to 64 bytes before
	 * comparison; NULL means no freshness check. 1..64 bytes. */
	const uint8_t *challenge;
	size_t challenge_len;
	/* The platform-token cache to use, or NULL for none. */
	ccakit_platform_cache *platform_cache;
};

struct ccakit_verify_result {
	struct ccakit_tv platform;
	struct ccakit_tv realm;
};

/*
 * Verify: trust anchor by implementation-id + instance-id, platform
 * signature, realm signature with the RAK, binding, optional freshness.
 * Fills the trust vectors as rust-ccatoken does (docs/strictness.md)
 * and returns CCAKIT_OK only when everything holds; otherwise the first
 * failure (CCAKIT_ERR_TA_UNKNOWN, CCAKIT_ERR_SIGNATURE, ...) with detail.
 */
int ccakit_token_verify(const ccakit_token *t, const ccakit_ta_store *tas,
    const struct ccakit_verify_opts *opts, struct ccakit_verify_result *res,
    struct ccakit_errdetail *d);
/* The same with a given CPAK instead of a store lookup. */
int ccakit_token_verify_with_key(const ccakit_token *t, const ccakit_key *cpak,
    const struct ccakit_verify_opts *opts, struct ccakit_verify_result *res,
    struct ccakit_errdetail *d);

/* --- appraisal --- */

struct ccakit_appraisal {
	struct ccakit_tv platform;
	struct ccakit_tv realm;
};

/* Appraise against reference values (no cryptography). Always fills *res;
 * returns CCAKIT_OK, or an error only for invalid arguments. */
int ccakit_token_appraise(const ccakit_token *t, const ccakit_rv_store *rvs,
    struct ccakit_appraisal *res);

/*
 * Golden values from a token verified with the given CPAK JWK: one TA
 * entry (the JWK text verbatim) and one platform + one realm RV appended
 * to the stores. Fails unless both signatures and the binding verify.
 */
int ccakit_golden(const ccakit_token *t, const char *cpak_jwk, size_t jwklen,
    ccakit_ta_store *tas, ccakit_rv_store *rvs, struct ccakit_errdetail *d);

/* --- the embedded verifier: evidence -> EAR --- */

/*
 * ccakit_attest_cca() turns CCA evidence into an EAR the way Veraison
 * services' ARM_CCA scheme does (docs/keybroker.md has the full tables):
 *
 *  - evidence that does not decode, has no trust anchor, fails a
 *    signature, the RAK binding or the freshness check gives ONE submod,
 *    "ARM_CCA", with all eight claims 99 (crypto_failed), status
 *    contraindicated and ear.veraison.policy-claims {"problem": "..."};
 *  - verified evidence gives the submods "CCA_SSD_PLATFORM" and
 *    "CCA_REALM", each with its trust vector, ear.status = the worst tier
 *    of its claims, ear.appraisal-policy-id and the claims of its token
 *    as ear.veraison.annotated-evidence (Veraison's JSON names, byte
 *    strings in standard base64).
 *
 * Platform: hardware 2 (genuine: the CPAK is a trust anchor and the
 * signature verifies); instance-identity, runtime-opaque, storage-opaque
 * 2 for a secured (0x3000-0x30ff) or non-CCA-platform-debug
 * (0x4000-0x40ff) lifecycle, else 96; configuration and executables from
 * the platform reference values (2 / 32 and 2 / 33), and not claimed (0)
 * when the reference-value store has no platform entry at all. So a
 * genuine secured platform with no platform reference values is
 * "affirming".
 * Realm: instance-identity 2; executables 33 (unrecognized) unless a
 * realm reference value has the token's RIM: 3 (approved boot) if its
 * RPV matches or is absent, 2 if also every REM matches (absent REMs
 * match anything), 96 if the RPV differs.
 *
 * No I/O: stores and keys come from the caller.
 */

#define CCAKIT_ATTEST_POLICY_ID   "policy:ARM_CCA"
#define CCAKIT_ATTEST_DEVELOPER   "ccakit"

/* Put the evidence in ear.raw-evidence. */
#define CCAKIT_ATTEST_RAW_EVIDENCE  0x01u

/* Clear the whole structure before setting members (members may be
 * added). */
struct ccakit_attest_opts {
	/* Expected realm challenge, 1..64 bytes, zero-padded to 64 before
	 * the comparison (as Veraison and the RMM do) and written to
	 * eat_nonce as given. NULL: freshness not checked, no eat_nonce. */
	const uint8_t *nonce;
	size_t nonce_len;
	int64_t iat;              /* 0: time(NULL) */
	const char *build;        /* verifier-id build; NULL: "ccakit <ver>" */
	const char *developer;    /* NULL: CCAKIT_ATTEST_DEVELOPER */
	const char *policy_id;    /* NULL: CCAKIT_ATTEST_POLICY_ID */
	unsigned flags;           /* CCAKIT_ATTEST_* */
	/* The platform-token cache to use, or NULL for none. */
	ccakit_platform_cache *platform_cache;
};

/*
 * Verify and appraise evidence (a CCA token, tag 399 or 907) against
 * trust anchors and reference values (rvs may be NULL or empty).
 *
 * Returns CCAKIT_OK when an EAR was produced, whatever it says; *out is
 * then a new EAR (ccakit_ear_free). When `why` is not NULL it receives
 * the evidence verdict: why->code is CCAKIT_OK for verified evidence,
 * else the first failure (CCAKIT_ERR_TA_UNKNOWN, CCAKIT_ERR_SIGNATURE,
 * CCAKIT_ERR_BINDING, CCAKIT_ERR_CHALLENGE, a decode error, ...) with
 * its text, which is also the EAR's "problem". Other return values
 * (invalid argument, out of memory, evidence over CCAKIT_TOKEN_MAX_SIZE)
 * mean no EAR.
 */
int ccakit_attest_cca(const uint8_t *evidence, size_t len,
    const ccakit_ta_store *tas, const ccakit_rv_store *rvs,
    const struct ccakit_attest_opts *opts, ccakit_ear **out,
    struct ccakit_errdetail *why);

#ifdef __cplusplus
}
#endif

#endif /* CCAKIT_APPRAISE_H */
