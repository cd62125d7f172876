/*
 * The embedded verifier and the key broker's release policy.
 *
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
#ifndef CCAKIT_ATTEST_H
#define CCAKIT_ATTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/bytes.h>
#include <ccakit/ear.h>
#include <ccakit/err.h>
#include <ccakit/store.h>
#include <ccakit/token.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CCAKIT_ATTEST_POLICY_ID   "policy:ARM_CCA"
#define CCAKIT_ATTEST_DEVELOPER   "ccakit"

/* Put the evidence in ear.raw-evidence. */
#define CCAKIT_ATTEST_RAW_EVIDENCE  0x01u

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

/* --- the key broker's release policy (the demo's arm-cca.rego) --- */

/*
 * Require the realm status to be exactly "warning", as arm-cca.rego does
 * (an artefact of Veraison deployments without realm reference values;
 * with it, a realm Veraison found "affirming" is refused).
 */
#define CCAKIT_POLICY_REALM_WARNING_ONLY  0x01u

/*
 * Allow the release of a secret iff:
 *  - eat_profile is CCAKIT_EAR_PROFILE;
 *  - submod CCA_SSD_PLATFORM has status "affirming";
 *  - submod CCA_REALM has status "affirming" or "warning" (exactly
 *    "warning" with CCAKIT_POLICY_REALM_WARNING_ONLY), never "none" or
 *    "contraindicated";
 *  - the realm trust vector has instance-identity == 2;
 *  - the realm annotated evidence's "cca-realm-initial-measurement" is
 *    standard base64 (padded) of a RIM equal to one of rims[0..nrims).
 * Returns CCAKIT_OK (allow) or CCAKIT_ERR_POLICY (deny, detail says
 * which rule), or CCAKIT_ERR_INVALID_ARG.
 */
int ccakit_policy_arm_cca(const ccakit_ear *ear,
    const struct ccakit_bytes *rims, size_t nrims, unsigned flags,
    struct ccakit_errdetail *why);

/*
 * The realm's RIM from the CCA_REALM annotated evidence, decoded;
 * CCAKIT_ERR_NOT_FOUND when absent, CCAKIT_ERR_ENCODING when it is not
 * standard base64 of 32, 48 or 64 bytes.
 */
int ccakit_ear_realm_rim(const ccakit_ear *ear, uint8_t *out, size_t outsz,
    size_t *outlen);

#ifdef __cplusplus
}
#endif

#endif /* CCAKIT_ATTEST_H */
