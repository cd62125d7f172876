/*
 * The Veraison client: the one client of a Veraison-compatible
 * verification service (challenge-response API, spec §2) for ccatoken
 * attest, keybroker-server --verifier and the benches. Discovery (the EAR
 * key and the session endpoint), a session with the relying party's nonce
 * or the verifier's, the evidence, and the EAR JWT verified with the key
 * of the discovery document (alg pinned to the key's), its nonce and age
 * checked. Media types and the session document: vproto.h.
 *
 * Errors: -1 with a message in err, "<step>: <reason>" where step is
 * discovery, newSession or evidence, or "the EAR does not verify: ...".
 * No output.
 */
#ifndef SVC_VERAISON_H
#define SVC_VERAISON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/cose.h>
#include <ccakit/ear.h>

#include "httpc.h"
#include "vproto.h"

#define SVC_VERAISON_DISCOVERY_PATH "/.well-known/veraison/verification"
#define SVC_VERAISON_MAX_AGE    300     /* EAR iat age limit, seconds */
#define SVC_VERAISON_LEEWAY     60      /* clock skew allowed, seconds */

struct svc_veraison_opts {
	const char *base_url;           /* e.g. https://veraison:8443 */
	const char *cafile;             /* extra trust root, or NULL */
	long timeout_ms;                /* per request; 0: 60 s */
	int64_t max_age;                /* EAR iat age limit, s; 0: 300 */
};

/* A client: one HTTP connection (kept alive), the discovery document once
 * fetched. One thread at a time. */
typedef struct svc_veraison svc_veraison;

/* NULL when out of memory or base_url is NULL; a trailing '/' of the base
 * URL is dropped. */
svc_veraison *svc_veraison_new(const struct svc_veraison_opts *o);
void svc_veraison_free(svc_veraison **vp);

/* GET the discovery document: the EAR verification key (an EC JWK) and
 * the newChallengeResponseSession path. The other calls do it when it has
 * not been done. */
int svc_veraison_discover(svc_veraison *v, char *err, size_t errsz);
/* The EAR verification key (borrowed), NULL before discovery. */
const ccakit_key *svc_veraison_key(const svc_veraison *v);

/* A session on the verifier: its URL and the last document read. */
struct svc_veraison_session {
	char *url;                      /* absolute (the Location, resolved) */
	struct svc_v_session doc;       /* status, nonce, result */
};
void svc_veraison_session_clear(struct svc_veraison_session *s);

/*
 * POST newSession: with the relying party's nonce (nonce != NULL; sent as
 * padded base64url, what every Veraison version accepts) or, when nonce
 * is NULL, asking the verifier for a nonce of nonce_size bytes. The
 * reply must be 201 with a Location and a waiting session, which with
 * the verifier's nonce must carry a nonce of nonce_size bytes. *s is
 * filled on success (release it with svc_veraison_session_clear).
 */
int svc_veraison_session_new(svc_veraison *v, const uint8_t *nonce,
    size_t nonce_len, size_t nonce_size, struct svc_veraison_session *s,
    char *err, size_t errsz);

/*
 * POST the evidence (media_type: its Content-Type) to the session: the
 * reply must be 200 with the session complete and a result, which
 * s->doc.result then holds. *status (may be NULL) receives the HTTP
 * status whenever there was a reply (409: the session took evidence
 * already).
 */
int svc_veraison_submit(svc_veraison *v, struct svc_veraison_session *s,
    const char *media_type, const uint8_t *ev, size_t len, long *status,
    char *err, size_t errsz);

/*
 * Verify an EAR JWT from this verifier: the discovery key, its algorithm
 * (the JWK's "alg", else the curve's), eat_nonce equal to the nonce, iat
 * at most max_age old (SVC_VERAISON_LEEWAY of clock skew). On success *out
 * is the verified EAR (ccakit_ear_free).
 */
int svc_veraison_check_ear(svc_veraison *v, const char *jwt,
    const uint8_t *nonce, size_t nonce_len, ccakit_ear **out, char *err,
    size_t errsz);

/*
 * One appraisal with the relying party's nonce (keybroker-server
 * --verifier): discovery, newSession, evidence, EAR check. On success
 * *out is a verified EAR. -1 with err: the service could not be used or
 * its answer does not verify (the caller maps it to 502).
 */
int svc_veraison_appraise(const struct svc_veraison_opts *o,
    const uint8_t *nonce, size_t nonce_len, const char *media_type,
    const uint8_t *ev, size_t evlen, ccakit_ear **out, char *err,
    size_t errsz);

/* --- the reply parsers (pure; fuzzed by fuzz/fuzz_veraison.c) --- */

/* Discovery document: the EAR key (JWK object, re-serialized, malloc'd)
 * and the newChallengeResponseSession path (malloc'd); the service must
 * be READY. */
int svc_veraison_parse_discovery(const uint8_t *body, size_t len,
    char **jwk, char **session_path, char *err, size_t errsz);
/* A session document (svc_v_session_from_json) into *s; with complete,
 * the session must be complete with a result. */
int svc_veraison_parse_session(const uint8_t *body, size_t len,
    bool complete, struct svc_v_session *s, char *err, size_t errsz);

#endif /* SVC_VERAISON_H */
