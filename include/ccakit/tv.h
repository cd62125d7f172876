/*
 * AR4SI trust vectors (draft-ietf-rats-ar4si), as used by EAR and
 * Veraison: eight claims, each an int8 value, each either set or unset.
 */
#ifndef CCAKIT_TV_H
#define CCAKIT_TV_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum ccakit_tv_claim {
	CCAKIT_TV_INSTANCE_IDENTITY = 0,
	CCAKIT_TV_CONFIGURATION,
	CCAKIT_TV_EXECUTABLES,
	CCAKIT_TV_FILE_SYSTEM,
	CCAKIT_TV_HARDWARE,
	CCAKIT_TV_RUNTIME_OPAQUE,
	CCAKIT_TV_STORAGE_OPAQUE,
	CCAKIT_TV_SOURCED_DATA,
	CCAKIT_TV_NCLAIMS
};

/* Values (AR4SI §2.3). */
#define CCAKIT_AR_VERIFIER_MALFUNCTION   (-1)
#define CCAKIT_AR_NO_CLAIM               0
#define CCAKIT_AR_UNEXPECTED_EVIDENCE    1
#define CCAKIT_AR_CRYPTO_FAILED          99
#define CCAKIT_AR_TRUSTWORTHY_INSTANCE   2
#define CCAKIT_AR_UNTRUSTWORTHY_INSTANCE 96
#define CCAKIT_AR_UNRECOGNIZED_INSTANCE  97
#define CCAKIT_AR_APPROVED_CONFIG        2
#define CCAKIT_AR_UNSAFE_CONFIG          32
#define CCAKIT_AR_UNSUPPORTABLE_CONFIG   96
#define CCAKIT_AR_APPROVED_RUNTIME       2
#define CCAKIT_AR_APPROVED_BOOT          3
#define CCAKIT_AR_UNRECOGNIZED_RUNTIME   33
#define CCAKIT_AR_CONTRAINDICATED_RUNTIME 96
#define CCAKIT_AR_GENUINE_HARDWARE       2
#define CCAKIT_AR_UNRECOGNIZED_HARDWARE  97
#define CCAKIT_AR_ENCRYPTED_MEMORY       2
#define CCAKIT_AR_ISOLATED_MEMORY        32

enum ccakit_tier {
	CCAKIT_TIER_NONE = 0,
	CCAKIT_TIER_AFFIRMING = 2,
	CCAKIT_TIER_WARNING = 32,
	CCAKIT_TIER_CONTRAINDICATED = 96,
};

struct ccakit_tv {
	int8_t v[CCAKIT_TV_NCLAIMS];
	uint8_t set;   /* bit i set when claim i has a value */
};

void ccakit_tv_clear(struct ccakit_tv *tv);
void ccakit_tv_set(struct ccakit_tv *tv, enum ccakit_tv_claim c, int8_t v);
void ccakit_tv_set_all(struct ccakit_tv *tv, int8_t v);
bool ccakit_tv_is_set(const struct ccakit_tv *tv, enum ccakit_tv_claim c);
/* "instance-identity", "configuration", ... */
const char *ccakit_tv_claim_name(enum ccakit_tv_claim c);
enum ccakit_tier ccakit_tier_of(int v);
/* Worst tier over the set claims (NONE when nothing is set). */
enum ccakit_tier ccakit_tv_tier(const struct ccakit_tv *tv);
const char *ccakit_tier_name(enum ccakit_tier t);  /* "affirming", ... */
/* Pretty JSON as serde_json::to_string_pretty prints it ({} if empty),
 * NUL terminated, no trailing newline. */
int ccakit_tv_to_json(const struct ccakit_tv *tv, char *out, size_t outsz);

#ifdef __cplusplus
}
#endif

#endif /* CCAKIT_TV_H */
