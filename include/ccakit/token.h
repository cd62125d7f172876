/*
 * Arm CCA attestation token: collection (tag 399 or CMW tag 907), platform
 * and realm claims, signatures, creation. Verification against trust
 * anchors and appraisal against reference values: appraise.h.
 *
 * Decoding never allocates: a ccakit_token is allocated once with
 * ccakit_token_new() and may be reused for many decodes; the claims it
 * exposes are views into the caller's buffer, which must outlive the
 * decoded token.
 */
#ifndef CCAKIT_TOKEN_H
#define CCAKIT_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/bytes.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CCAKIT_TOKEN_MAX_SIZE      (64 * 1024)
#define CCAKIT_MAX_SW_COMPONENTS   64
#define CCAKIT_REM_COUNT           4

/* Collection tags. */
#define CCAKIT_TAG_CCA_TOKEN_LEGACY 399
#define CCAKIT_TAG_CCA_TOKEN_CMW    907
#define CCAKIT_COAP_EAT_CWT         263

/* Claim keys (RMM §A7.2.3). */
#define CCAKIT_CLAIM_CHALLENGE         10
#define CCAKIT_CLAIM_PROFILE           265
#define CCAKIT_CLAIM_PLAT_INSTANCE_ID  256
#define CCAKIT_CLAIM_PLAT_CLIENT_ID    2394
#define CCAKIT_CLAIM_PLAT_LIFECYCLE    2395
#define CCAKIT_CLAIM_PLAT_IMPL_ID      2396
#define CCAKIT_CLAIM_PLAT_SW_COMPS     2399
#define CCAKIT_CLAIM_PLAT_VSI          2400
#define CCAKIT_CLAIM_PLAT_CONFIG       2401
#define CCAKIT_CLAIM_PLAT_HASH_ALG     2402
#define CCAKIT_CLAIM_PLAT_MFG_CONFIG   2403
#define CCAKIT_CLAIM_PLAT_EXTENSION    2404
#define CCAKIT_CLAIM_PLAT_TBB_ROTPK    2405
#define CCAKIT_CLAIM_PLAT_PEER_SIGNERS 2406
#define CCAKIT_CLAIM_REALM_INSTANCE_ID 256
#define CCAKIT_CLAIM_REALM_RPV         44235
#define CCAKIT_CLAIM_REALM_HASH_ALG    44236
#define CCAKIT_CLAIM_REALM_PUB_KEY     44237
#define CCAKIT_CLAIM_REALM_RIM         44238
#define CCAKIT_CLAIM_REALM_REM         44239
#define CCAKIT_CLAIM_REALM_PUB_KEY_HASH_ALG 44240
#define CCAKIT_CLAIM_REALM_MEC_POLICY  44243
#define CCAKIT_COLL_PLATFORM           44234
#define CCAKIT_COLL_REALM              44241

enum ccakit_token_format {
	CCAKIT_FORMAT_399 = 399,
	CCAKIT_FORMAT_907 = 907,
};

enum ccakit_platform_profile {
	CCAKIT_PLATFORM_LEGACY = 1,  /* http://arm.com/CCA-SSD/1.0.0 */
	CCAKIT_PLATFORM_2023,        /* tag:arm.com,2023:cca_platform#1.0.0 */
	CCAKIT_PLATFORM_2024,        /* tag:arm.com,2024:cca_platform#2.0.0 */
};

enum ccakit_realm_profile {
	CCAKIT_REALM_LEGACY = 0,     /* no profile claim, raw 97-byte RAK */
	CCAKIT_REALM_2023,           /* tag:arm.com,2023:realm#1.0.0 */
	CCAKIT_REALM_2024,           /* tag:arm.com,2024:realm#2.0.0 */
};

const char *ccakit_platform_profile_str(enum ccakit_platform_profile p);
const char *ccakit_realm_profile_str(enum ccakit_realm_profile p);

/* Presence bits of optional members. */
#define CCAKIT_SWC_TYPE     0x01u
#define CCAKIT_SWC_VERSION  0x02u
#define CCAKIT_SWC_HASH_ALG 0x04u

struct ccakit_sw_component {
	unsigned present;               /* CCAKIT_SWC_* */
	struct ccakit_bytes type;       /* 1: tstr (measurement type) */
	struct ccakit_bytes mval;       /* 2: bstr 32/48/64 */
	struct ccakit_bytes version;    /* 4: tstr */
	struct ccakit_bytes signer_id;  /* 5: bstr 32/48/64 */
	struct ccakit_bytes hash_alg;   /* 6: tstr */
};

#define CCAKIT_PLAT_VSI          0x01u
#define CCAKIT_PLAT_MFG_CONFIG   0x02u
#define CCAKIT_PLAT_EXTENSION    0x04u
#define CCAKIT_PLAT_TBB_ROTPK    0x08u
#define CCAKIT_PLAT_PEER_SIGNERS 0x10u
#define CCAKIT_PLAT_CLIENT_ID    0x20u

struct ccakit_platform_claims {
	enum ccakit_platform_profile profile;
	unsigned present;               /* CCAKIT_PLAT_* optional members */
	struct ccakit_bytes challenge;  /* 10 */
	struct ccakit_bytes impl_id;    /* 2396, 32 bytes */
	struct ccakit_bytes inst_id;    /* 256, 33 bytes, first 0x01 */
	struct ccakit_bytes config;     /* 2401 */
	uint16_t lifecycle;             /* 2395 */
	struct ccakit_bytes vsi;        /* 2400 tstr */
	struct ccakit_bytes hash_alg;   /* 2402 tstr */
	int64_t client_id;              /* 2394 (2024) */
	struct ccakit_bytes mfg_config; /* 2403 (2024) */
	struct ccakit_bytes extension;  /* 2404 (2024), encoded CBOR array */
	struct ccakit_bytes tbb_rotpk;  /* 2405 (2024), encoded CBOR array */
	struct ccakit_bytes peer_signers; /* 2406 (2024) */
	size_t n_sw;
	struct ccakit_sw_component sw[CCAKIT_MAX_SW_COMPONENTS];
};

#define CCAKIT_REALM_INSTANCE_ID 0x01u
#define CCAKIT_REALM_MEC_POLICY  0x02u

struct ccakit_realm_claims {
	enum ccakit_realm_profile profile;
	unsigned present;               /* CCAKIT_REALM_* optional members */
	struct ccakit_bytes challenge;  /* 10, 64 bytes */
	struct ccakit_bytes rpv;        /* 44235, 64 bytes */
	struct ccakit_bytes rim;        /* 44238 */
	struct ccakit_bytes rem[CCAKIT_REM_COUNT]; /* 44239 */
	struct ccakit_bytes hash_alg;   /* 44236 tstr */
	struct ccakit_bytes rak;        /* 44237, bytes as carried */
	struct ccakit_bytes rak_hash_alg; /* 44240 tstr */
	struct ccakit_bytes instance_id;  /* 256 (2024) */
	int mec_policy;                 /* 44243 (2024): 1 private, 0 shared */
};

/* Claims maps on their own (the payloads of the two COSE_Sign1). */
int ccakit_platform_claims_decode(const uint8_t *buf, size_t len,
    struct ccakit_platform_claims *out, struct ccakit_errdetail *d);
int ccakit_realm_claims_decode(const uint8_t *buf, size_t len,
    struct ccakit_realm_claims *out, struct ccakit_errdetail *d);
/* Encode claims maps (preferred serialization, Go ccatoken key order). */
int ccakit_platform_claims_encode(const struct ccakit_platform_claims *c,
    uint8_t *out, size_t outsz, size_t *outlen);
int ccakit_realm_claims_encode(const struct ccakit_realm_claims *c,
    uint8_t *out, size_t outsz, size_t *outlen);

typedef struct ccakit_token ccakit_token;

ccakit_token *ccakit_token_new(void);
void ccakit_token_free(ccakit_token **tp);

/* Decode a whole token (collection, both COSE_Sign1, both claim sets).
 * Allocation-free; t keeps views into buf. */
int ccakit_token_decode(ccakit_token *t, const uint8_t *buf, size_t len,
    struct ccakit_errdetail *d);

enum ccakit_token_format ccakit_token_get_format(const ccakit_token *t);
const struct ccakit_platform_claims *ccakit_token_platform(
    const ccakit_token *t);
const struct ccakit_realm_claims *ccakit_token_realm(const ccakit_token *t);
const struct ccakit_cose_sign1 *ccakit_token_platform_sign1(
    const ccakit_token *t);
const struct ccakit_cose_sign1 *ccakit_token_realm_sign1(
    const ccakit_token *t);

/* Public RAK of a decoded token (raw point or COSE_Key per profile). */
int ccakit_token_rak(const ccakit_token *t, ccakit_key *out);

/* --- creation (the emulated realm) --- */

struct ccakit_create_opts {
	enum ccakit_token_format format;  /* 0 means 907 */
};

/*
 * Create a token: the RAK claim is filled from rak's public key in the
 * form the realm profile requires, the platform challenge is set to
 * H(RAK bytes) with H from realm->rak_hash_alg (sha-256 when empty), both
 * claim sets are signed (CPAK: default alg of its curve; RAK: ES384 on
 * P-384) and wrapped in the collection. The claims' own rak and platform
 * challenge members are ignored.
 */
int ccakit_token_create(const struct ccakit_platform_claims *platform,
    const struct ccakit_realm_claims *realm, const ccakit_key *cpak,
    const ccakit_key *rak, const struct ccakit_create_opts *opts,
    uint8_t *out, size_t outsz, size_t *outlen);

/* --- JSON --- */

/*
 * Claims as JSON with Veraison's names (byte strings in standard base64):
 * {"cca-platform-token": {...}, "cca-realm-delegated-token": {...}}.
 * Returns a malloc'd NUL-terminated string in *out.
 */
int ccakit_token_to_json(const ccakit_token *t, char **out);

/*
 * Claims parsed from JSON in evcli's form. Owns the decoded bytes that
 * the claim views point to.
 */
typedef struct ccakit_claimset ccakit_claimset;
ccakit_claimset *ccakit_claimset_new(void);
void ccakit_claimset_free(ccakit_claimset **cp);
int ccakit_claimset_from_json(ccakit_claimset *c, const char *json,
    size_t len, struct ccakit_errdetail *d);
const struct ccakit_platform_claims *ccakit_claimset_platform(
    const ccakit_claimset *c);
const struct ccakit_realm_claims *ccakit_claimset_realm(
    const ccakit_claimset *c);

#ifdef __cplusplus
}
#endif

#endif /* CCAKIT_TOKEN_H */
