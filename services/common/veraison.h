/*
 * Client of a Veraison-compatible verification service (challenge-
 * response API, spec §2): discovery, a session with the relying party's
 * own nonce, evidence, and the EAR JWT verified with the key of the
 * discovery document, its nonce and age checked.
 */
#ifndef SVC_VERAISON_H
#define SVC_VERAISON_H

#include <stddef.h>
#include <stdint.h>

#include <ccakit/ear.h>

#include "httpc.h"

#define SVC_VERAISON_DISCOVERY_PATH "/.well-known/veraison/verification"
#define SVC_VERAISON_SESSION_MT \
	"application/vnd.veraison.challenge-response-session+json"
#define SVC_VERAISON_DISCOVERY_MT "application/vnd.veraison.discovery+json"

struct svc_veraison_opts {
	const char *base_url;           /* e.g. https://veraison:8443 */
	const char *cafile;             /* extra trust root, or NULL */
	long timeout_ms;                /* per request; 0: 60 s */
	int64_t max_age;                /* EAR iat age limit, s; 0: 300 */
};

/*
 * One appraisal: GET discovery, POST newSession?nonce=<padded
 * base64url> (what Veraison accepted in every version), POST the
 * evidence with its media type, then verify the "result" JWT with the
 * discovery key (alg pinned to the key's, ES256 for Veraison's) and
 * check that eat_nonce is the nonce and iat is recent. On success *out
 * is a verified EAR. Returns 0, or -1 with err: the service could not
 * be used or its answer does not verify (the caller maps it to 502).
 */
int svc_veraison_appraise(const struct svc_veraison_opts *o,
    const uint8_t *nonce, size_t nonce_len, const char *media_type,
    const uint8_t *ev, size_t evlen, ccakit_ear **out, char *err,
    size_t errsz);

/* --- the response parsers (pure; fuzzed by fuzz/fuzz_veraison.c) --- */

/* Discovery document: the EAR key (JWK object, re-serialized, malloc'd)
 * and the newChallengeResponseSession path (malloc'd). */
int svc_veraison_parse_discovery(const uint8_t *body, size_t len,
    char **jwk, char **session_path, char *err, size_t errsz);
/* Session after evidence: status must be "complete", result (malloc'd
 * JWT text). */
int svc_veraison_parse_session(const uint8_t *body, size_t len,
    char **result, char *err, size_t errsz);

#endif /* SVC_VERAISON_H */
