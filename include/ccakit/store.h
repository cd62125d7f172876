/*
 * Trust-anchor and reference-value stores, in memory, loaded from and
 * written to rust-ccatoken's JSON formats (ta.json, rv.json).
 */
#ifndef CCAKIT_STORE_H
#define CCAKIT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/token.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CCAKIT_STORE_MAX_JSON     (4 * 1024 * 1024)
#define CCAKIT_STORE_MAX_ENTRIES  4096

typedef struct ccakit_ta_store ccakit_ta_store;
typedef struct ccakit_rv_store ccakit_rv_store;

/* --- trust anchors (CPAKs) --- */

ccakit_ta_store *ccakit_ta_store_new(void);
void ccakit_ta_store_free(ccakit_ta_store **sp);

/* Append the entries of a ta.json array. Keys are parsed eagerly; any bad
 * entry fails the whole load and leaves the store unchanged. */
int ccakit_ta_store_load_json(ccakit_ta_store *s, const char *json,
    size_t len, struct ccakit_errdetail *d);
/* Add one entry: the JWK must give a usable key and is kept verbatim
 * (less surrounding whitespace) for output. A later entry with the same
 * ids replaces an earlier one. */
int ccakit_ta_store_add(ccakit_ta_store *s, const uint8_t impl_id[32],
    const uint8_t inst_id[33], const char *jwk, size_t jwklen);
size_t ccakit_ta_store_count(const ccakit_ta_store *s);
/* Lookup by implementation-id + instance-id; NULL when absent. */
const ccakit_key *ccakit_ta_store_lookup(const ccakit_ta_store *s,
    const uint8_t impl_id[32], const uint8_t inst_id[33]);
/* Pretty JSON array as `ccatoken golden` writes it; malloc'd in *out. */
int ccakit_ta_store_to_json(const ccakit_ta_store *s, char **out);
/* The i-th entry (load order): its ids and key (NULL when its JWK gives
 * no usable key); CCAKIT_ERR_NOT_FOUND past the end. Views valid while
 * the store is unchanged. */
int ccakit_ta_store_at(const ccakit_ta_store *s, size_t i,
    const uint8_t **impl_id, const uint8_t **inst_id, const ccakit_key **key);

/* --- reference values --- */

#define CCAKIT_RV_MAX_BYTES 64

struct ccakit_rv_bytes {
	size_t len;
	uint8_t b[CCAKIT_RV_MAX_BYTES];
};

struct ccakit_rv_sw_component {
	struct ccakit_rv_bytes mval;
	struct ccakit_rv_bytes signer_id; /* len 0: none (CoRIM modes) */
	char *version;          /* NULL when absent */
	char *type;             /* component-type, NULL when absent */
};

/*
 * How a platform reference value matches a token (docs/corim.md):
 *
 *  TOKEN: rust-ccatoken's rule, the one of rv.json: the token's software
 *    components are exactly the entry's, in order, each with the same
 *    measurement and signer-id, and the same type and version when the
 *    entry gives them; the configuration is equal.
 *  CORIM: Veraison's rule for CoRIM reference values (services main):
 *    every software component of the token has the measurement of one
 *    of the entry's, with its type and version when the entry gives
 *    them; signer-ids are not compared; the configuration is equal, and
 *    an entry without one matches nothing.
 *  CORIM_LEGACY: Veraison's rule before v0.0.2605 (legacy CoRIM
 *    profiles): as CORIM, but a signer-id the entry gives must be equal,
 *    and an entry without a configuration accepts any.
 *
 * rv.json writes the CoRIM modes as an extra member "match": "corim" or
 * "corim-legacy" (rust-ccatoken ignores it), a missing configuration and
 * signer-id as null.
 */
enum ccakit_rv_match {
	CCAKIT_RV_MATCH_TOKEN = 0,
	CCAKIT_RV_MATCH_CORIM,
	CCAKIT_RV_MATCH_CORIM_LEGACY,
};

struct ccakit_platform_rv {
	uint8_t impl_id[32];
	uint8_t *config;        /* platform-configuration, any length */
	size_t config_len;
	size_t n_sw;
	struct ccakit_rv_sw_component *sw;
	enum ccakit_rv_match match;
	bool no_config;         /* CoRIM modes: no configuration endorsed */
};

struct ccakit_realm_rv {
	struct ccakit_rv_bytes rim;
	size_t n_rem;           /* 0 (not given) or 4 */
	/* A REM of length 0 is not endorsed (a CoRIM may give some REMs
	 * only): it is not compared. */
	struct ccakit_rv_bytes rem[CCAKIT_REM_COUNT];
	bool has_rpv;
	uint8_t rpv[64];
	char *rak_hash_alg;     /* NULL when absent */
};

ccakit_rv_store *ccakit_rv_store_new(void);
void ccakit_rv_store_free(ccakit_rv_store **sp);
/* Append the entries of an rv.json object; all-or-nothing. */
int ccakit_rv_store_load_json(ccakit_rv_store *s, const char *json,
    size_t len, struct ccakit_errdetail *d);
/* Add copies of the given entries. */
int ccakit_rv_store_add_platform(ccakit_rv_store *s,
    const struct ccakit_platform_rv *rv);
int ccakit_rv_store_add_realm(ccakit_rv_store *s,
    const struct ccakit_realm_rv *rv);
size_t ccakit_rv_store_platform_count(const ccakit_rv_store *s);
size_t ccakit_rv_store_realm_count(const ccakit_rv_store *s);
/* i-th platform RV with this implementation-id (load order), or NULL. */
const struct ccakit_platform_rv *ccakit_rv_store_platform(
    const ccakit_rv_store *s, const uint8_t impl_id[32], size_t i);
/* i-th realm RV with this RIM (load order), or NULL. */
const struct ccakit_realm_rv *ccakit_rv_store_realm(const ccakit_rv_store *s,
    const uint8_t *rim, size_t rimlen, size_t i);
/* The i-th platform / realm entry in load order, or NULL. */
const struct ccakit_platform_rv *ccakit_rv_store_platform_at(
    const ccakit_rv_store *s, size_t i);
const struct ccakit_realm_rv *ccakit_rv_store_realm_at(
    const ccakit_rv_store *s, size_t i);
/* Pretty JSON object as `ccatoken golden` writes it; malloc'd in *out. */
int ccakit_rv_store_to_json(const ccakit_rv_store *s, char **out);

#ifdef __cplusplus
}
#endif

#endif /* CCAKIT_STORE_H */
