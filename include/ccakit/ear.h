/*
 * EAR: EAT Attestation Results (draft-fv-rats-ear), in the JSON form
 * Veraison emits, signed as a JWT (compact JWS, ES256 by default).
 * A C counterpart of veraison/c-ear that also builds and signs results
 * and exposes the trust vectors, the nonce, the policy ids and the
 * annotated evidence.
 *
 * Claims (names as on the wire):
 *   eat_profile       "tag:github.com,2023:veraison/ear" or Trustee's
 *                     alias CCAKIT_EAR_PROFILE_TRUSTEE (required)
 *   iat               Unix seconds (required in a JWT; an integral JSON
 *                     real such as 1.666529184e+09 is accepted)
 *   ear.verifier-id   {"build": tstr, "developer": tstr} (required in a
 *                     JWT)
 *   eat_nonce         tstr of 8..88 characters (one nonce; an array is
 *                     refused); Veraison writes padded base64url
 *   ear.raw-evidence  base64url without padding
 *   submods           {name: appraisal}, 1..CCAKIT_EAR_MAX_SUBMODS
 *   exp, nbf          optional; enforced by ccakit_ear_verify_jwt
 * Appraisal members:
 *   ear.status                      "none" | "affirming" | "warning" |
 *                                   "contraindicated" (required), or as
 *                                   veraison/ear also reads it, the tier
 *                                   number 0 | 2 | 32 | 96 (JSON, or
 *                                   decimal text such as "32")
 *   ear.trustworthiness-vector      the eight AR4SI claims, -128..127
 *                                   (JSON numbers with an integral value,
 *                                   or decimal text), or veraison/ear's
 *                                   name of the value ("approved_rt",
 *                                   "unrecognized_rt", "crypto_failed",
 *                                   ...; any claim's table, CamelCase or
 *                                   '-'/'.' for '_' folded to snake_case)
 *   ear.appraisal-policy-id         tstr
 *   ear.veraison.annotated-evidence JSON object
 *   ear.veraison.policy-claims      JSON object
 * Other members (jti, ear.veraison.key-attestation, extensions) are kept
 * as they are and written back on output; unknown members inside the
 * trust vector are refused.
 *
 * Serialization: compact JSON, members sorted as Go's encoder sorts them
 * (Veraison's own output order), the trust vector with all eight claims
 * (unset ones as 0), as Veraison writes it. A parsed status or claim in
 * another form is written back in the canonical one (a tier name, an
 * integer).
 *
 * Getters return borrowed pointers valid until the EAR is modified or
 * freed. Functions return CCAKIT_OK or a ccakit_err code and write their
 * outputs only on success.
 */
#ifndef CCAKIT_EAR_H
#define CCAKIT_EAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/tv.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CCAKIT_EAR_PROFILE          "tag:github.com,2023:veraison/ear"
/* Trustee's alias of the Veraison profile (veraison/ear accepts both). */
#define CCAKIT_EAR_PROFILE_TRUSTEE \
	"tag:github.com,2024:confidential-containers/Trustee"
#define CCAKIT_EAR_SUBMOD_PLATFORM  "CCA_SSD_PLATFORM"
#define CCAKIT_EAR_SUBMOD_REALM     "CCA_REALM"
/* The submod Veraison emits when evidence cannot be verified at all. */
#define CCAKIT_EAR_SUBMOD_ARM_CCA   "ARM_CCA"

#define CCAKIT_EAR_MAX_JSON         (256 * 1024)  /* claims set, JSON */
#define CCAKIT_EAR_MAX_SUBMODS      16
#define CCAKIT_EAR_MAX_DEPTH        16            /* JSON nesting */
#define CCAKIT_EAR_NONCE_MIN        8             /* eat_nonce, characters */
#define CCAKIT_EAR_NONCE_MAX        88
#define CCAKIT_EAR_NONCE_MAX_BYTES  64            /* decoded */

typedef struct ccakit_ear ccakit_ear;

/* An empty EAR: profile set, iat 0, no submods. NULL when out of memory. */
ccakit_ear *ccakit_ear_new(void);
void ccakit_ear_free(ccakit_ear **ep);

/* --- building (setters copy their input) --- */

int ccakit_ear_set_iat(ccakit_ear *e, int64_t iat);
int ccakit_ear_set_verifier_id(ccakit_ear *e, const char *build,
    const char *developer);
/* eat_nonce = padded base64url of 1..CCAKIT_EAR_NONCE_MAX_BYTES bytes
 * (Veraison's encoding; 64 bytes give 88 characters). */
int ccakit_ear_set_nonce(ccakit_ear *e, const uint8_t *nonce, size_t len);
/* ear.raw-evidence = base64url, no padding. */
int ccakit_ear_set_raw_evidence(ccakit_ear *e, const uint8_t *ev,
    size_t len);
/* exp (0 removes it). */
int ccakit_ear_set_exp(ccakit_ear *e, int64_t exp);

/*
 * Add submod `name` (1..64 printable ASCII characters) with status
 * "none" and no other member; CCAKIT_ERR_INVALID_ARG if it exists.
 */
int ccakit_ear_add_submod(ccakit_ear *e, const char *name);
int ccakit_ear_submod_set_status(ccakit_ear *e, const char *name,
    enum ccakit_tier status);
/* Set the trust vector; the status is left alone (see
 * ccakit_tv_tier() for Veraison's derivation). */
int ccakit_ear_submod_set_tv(ccakit_ear *e, const char *name,
    const struct ccakit_tv *tv);
int ccakit_ear_submod_set_policy_id(ccakit_ear *e, const char *name,
    const char *policy_id);
/* JSON object text, parsed and copied (CCAKIT_ERR_JSON if it is not an
 * object). */
int ccakit_ear_submod_set_annotated_evidence(ccakit_ear *e,
    const char *name, const char *json, size_t len);
int ccakit_ear_submod_set_policy_claims(ccakit_ear *e, const char *name,
    const char *json, size_t len);

/* --- serialization --- */

#define CCAKIT_EAR_JSON_PRETTY  0x01u   /* 2-space indentation */

/* The claims set as JSON; malloc'd NUL-terminated string in *out. */
int ccakit_ear_to_json(const ccakit_ear *e, unsigned flags, char **out);

/*
 * Parse an (unsigned) claims set, such as the input the key broker's
 * policy sees (vector ear-claims-ok.json). Requires eat_profile equal to
 * CCAKIT_EAR_PROFILE or CCAKIT_EAR_PROFILE_TRUSTEE and at least one
 * submod with a status; iat and
 * ear.verifier-id are optional here. Replaces the content of e only on
 * success. Errors: CCAKIT_ERR_TOO_LARGE, CCAKIT_ERR_JSON (syntax, types,
 * duplicates), CCAKIT_ERR_CLAIM_MISSING, CCAKIT_ERR_CLAIM_VALUE,
 * CCAKIT_ERR_PROFILE_UNKNOWN, with detail naming the member.
 */
int ccakit_ear_from_json(ccakit_ear *e, const char *json, size_t len,
    struct ccakit_errdetail *d);

/*
 * Sign as a JWT: header {"alg":"ES256","typ":"JWT"} (alg 0 means
 * ES256; the key's curve must match). Requires iat and verifier-id.
 * malloc'd NUL-terminated compact JWS in *out.
 */
int ccakit_ear_sign_jwt(const ccakit_ear *e, const ccakit_key *priv,
    int alg, char **out);

struct ccakit_ear_verify_opts {
	int alg;                /* pinned algorithm; 0 means ES256 */
	int64_t now;            /* Unix time for exp/nbf; 0: time(NULL) */
	int64_t leeway;         /* seconds of clock skew allowed, >= 0 */
	/* Expected nonce (decoded bytes); NULL: not checked. eat_nonce must
	 * be present and decode (base64url or base64, padded or not) to
	 * exactly these bytes, else CCAKIT_ERR_CHALLENGE. */
	const uint8_t *nonce;
	size_t nonce_len;
	/* Largest accepted age (now - iat) in seconds; 0: not checked. */
	int64_t max_age;
};

/*
 * Verify a JWT EAR with a public key and fill e (replacing its content
 * only on success): JWS rules of jose.h, the pinned algorithm, then
 * the claims as ccakit_ear_from_json plus iat and ear.verifier-id
 * required; exp (now >= exp + leeway), nbf (now < nbf - leeway) and
 * max_age give CCAKIT_ERR_EXPIRED; the nonce check gives
 * CCAKIT_ERR_CHALLENGE. opts may be NULL (ES256, no nonce check).
 */
int ccakit_ear_verify_jwt(ccakit_ear *e, const char *jwt, size_t len,
    const ccakit_key *pub, const struct ccakit_ear_verify_opts *opts,
    struct ccakit_errdetail *d);

/* --- accessors --- */

const char *ccakit_ear_profile(const ccakit_ear *e);
/* 0 when absent. */
int64_t ccakit_ear_iat(const ccakit_ear *e);
/* NULL members when absent. */
void ccakit_ear_verifier_id(const ccakit_ear *e, const char **build,
    const char **developer);
/* eat_nonce as written, or NULL. */
const char *ccakit_ear_nonce_text(const ccakit_ear *e);
/* eat_nonce decoded (either base64 alphabet, padding optional);
 * CCAKIT_ERR_NOT_FOUND when absent, CCAKIT_ERR_ENCODING when it is not
 * base64. */
int ccakit_ear_nonce(const ccakit_ear *e, uint8_t *out, size_t outsz,
    size_t *outlen);
/* ear.raw-evidence decoded into a malloc'd buffer; NOT_FOUND if absent. */
int ccakit_ear_raw_evidence(const ccakit_ear *e, uint8_t **out,
    size_t *outlen);

size_t ccakit_ear_submod_count(const ccakit_ear *e);
/* The i-th submod name in sorted order, or NULL. */
const char *ccakit_ear_submod_name(const ccakit_ear *e, size_t i);
bool ccakit_ear_has_submod(const ccakit_ear *e, const char *name);
/* CCAKIT_ERR_NOT_FOUND for an unknown submod. */
int ccakit_ear_submod_status(const ccakit_ear *e, const char *name,
    enum ccakit_tier *status);
/* Claims absent from the vector are unset in *tv (none at all: empty). */
int ccakit_ear_submod_tv(const ccakit_ear *e, const char *name,
    struct ccakit_tv *tv);
/* NULL when the submod or the member is absent. */
const char *ccakit_ear_submod_policy_id(const ccakit_ear *e,
    const char *name);
/* The annotated evidence / policy claims as compact JSON (malloc'd);
 * CCAKIT_ERR_NOT_FOUND when absent. */
int ccakit_ear_submod_annotated_evidence(const ccakit_ear *e,
    const char *name, char **json);
int ccakit_ear_submod_policy_claims(const ccakit_ear *e, const char *name,
    char **json);
/* A string member of the annotated evidence (e.g.
 * "cca-realm-initial-measurement"), or NULL. */
const char *ccakit_ear_submod_evidence_str(const ccakit_ear *e,
    const char *name, const char *claim);

/* The realm initial measurement's claim in the CCA_REALM evidence. */
#define CCAKIT_EAR_REALM_RIM_CLAIM  "cca-realm-initial-measurement"
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

#endif /* CCAKIT_EAR_H */
