/*
 * The key broker's release policy (the demo's arm-cca.rego, in C) and the
 * realm's RIM of an EAR. The embedded verifier (ccakit_attest_cca) is in
 * appraise.h.
 */
#ifndef CCAKIT_ATTEST_H
#define CCAKIT_ATTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/bytes.h>
#include <ccakit/ear.h>
#include <ccakit/err.h>

#ifdef __cplusplus
extern "C" {
#endif

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
