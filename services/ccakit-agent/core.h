/*
 * ccakit-agent's work behind the REST API: the realm's evidence (an
 * attester shared by the handler threads), and the KBS client that keeps
 * one attestation token and its TEE key while the token is valid and
 * fetches many resources with it (docs/agent.md).
 *
 * Tokens: RCAR 0.4.0 through svc_kbsc to the attestation side's KBS,
 * retried as guest-components retries it (5 attempts, 1 s apart); one
 * attestation at a time; a token is used as Bearer until refresh_s
 * seconds before it expires (its exp less its iat gives its lifetime on
 * the local monotonic clock, so a realm clock off the KBS's does not
 * matter), then one request renews it while the others go on with it
 * (and if the renewal fails, with it until it expires, renewal tried
 * again 5 s later); without a token, requests wait for the attestation
 * and share its outcome. A 401 that refuses the token (Trustee's
 * TokenVerifierError, TokenNotFound, or a body not Trustee's) drops it
 * and one new attestation is made; other 401s keep it.
 * Resources: GET /kbs/v0/resource/<path> on the resource side's KBS, at
 * most get_tries times, the JWE decrypted. With token_per_request every
 * fetch attests anew and every 401 too, as guest-components does.
 *
 * The TEE keys live in memory only and are freed (OpenSSL clears them)
 * with their token. Nothing is printed: errors come back as text in the
 * errdetail, ready for the REST API's 500 body; svc_log lines at INFO
 * say when the agent attests.
 */
#ifndef AGENT_CORE_H
#define AGENT_CORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <ccakit/err.h>
#include <ccakit/tsm.h>

/* The realm's attester behind a lock (ccakit_attester is one thread's). */
struct agent_attester {
	pthread_mutex_t mu;
	ccakit_attester *a;             /* owned */
};

int agent_attester_init(struct agent_attester *aa, ccakit_attester *a);
void agent_attester_clear(struct agent_attester *aa);

/*
 * CCA evidence as guest-components' CCA attester gives it: the runtime
 * data (at most 64 bytes, else "CCA Attester: Challenge size must be 64
 * bytes or less.") zero-padded to 64 as the realm challenge; *out is
 * {"token":[<bytes>]}, compact (malloc'd, free()). A kbsc_attester
 * evidence function too, with the struct agent_attester as arg.
 */
int agent_evidence_json(struct agent_attester *aa, const uint8_t *rd,
    size_t len, char **out, size_t *outlen, struct ccakit_errdetail *d);
int agent_evidence(void *agent_attester, const uint8_t *rd, size_t len,
    json_t **evidence, struct ccakit_errdetail *d);

/*
 * The claims of a JWT that say how long it lives: "exp" and "iat"
 * (NumericDate, seconds; a fraction is dropped), each 0 when absent. The
 * token is not verified: only the KBS can. CCAKIT_ERR_ENCODING /
 * CCAKIT_ERR_JSON / CCAKIT_ERR_TOO_LARGE for a token that is not a JWS
 * with a JSON object payload of at most AGENT_TOKEN_MAX bytes.
 */
#define AGENT_TOKEN_MAX (256 * 1024)
int agent_token_times(const char *jwt, size_t len, int64_t *exp,
    int64_t *iat, struct ccakit_errdetail *d);

struct agent_kbs_opts {
	const char *aa_url;             /* tokens; NULL: none (aa_why) */
	const char *aa_cert;            /* extra root (PEM text) or NULL */
	const char *aa_why;
	const char *cdh_url;            /* resources; NULL: none (cdh_why) */
	const char *cdh_cert;
	const char *cdh_why;
	const char *tee_key_algorithm;  /* NULL: ECDH-ES+A256KW-P256 */
	const char *init_data;          /* TOML text sent as init-data */
	struct agent_attester *attester;
	long timeout_ms;                /* per KBS request; 0: 60 s */
	unsigned attest_tries;          /* 0: 5 */
	unsigned retry_delay_ms;        /* between attempts */
	unsigned get_tries;             /* 0: 3 */
	unsigned refresh_s;             /* before exp */
	unsigned max_conns;             /* kept KBS connections; 0: 4 */
	bool token_per_request;
};

#define AGENT_ATTEST_TRIES      5
#define AGENT_GET_TRIES         3
#define AGENT_RETRY_DELAY_MS    1000
#define AGENT_REFRESH_S         30

typedef struct agent_kbs agent_kbs;

int agent_kbs_new(const struct agent_kbs_opts *o, agent_kbs **out,
    struct ccakit_errdetail *d);
void agent_kbs_free(agent_kbs **kp);

/*
 * A resource: path is "<repo>/<type>/<tag>" (any number of segments,
 * each of letters, digits, '_', '-' and '.', not starting with '.'),
 * *out its plaintext (malloc'd, a NUL after it; wipe and free()).
 * Errors: CCAKIT_ERR_INVALID_ARG (path), CCAKIT_ERR_CONFIG (no KBS),
 * CCAKIT_ERR_NOT_FOUND (404), CCAKIT_ERR_POLICY (refused), CCAKIT_ERR_IO
 * (transport), the JWE's errors; d->text says it all.
 */
int agent_kbs_resource(agent_kbs *k, const char *path, uint8_t **out,
    size_t *outlen, struct ccakit_errdetail *d);

/*
 * /aa/token?token_type=kbs: a fresh attestation with a fresh TEE key, as
 * guest-components' AA makes one: {"token":"<JWT>","tee_keypair":"<PEM
 * private key>"} (malloc'd; it holds a private key: wipe and free()).
 */
int agent_kbs_token(agent_kbs *k, char **out, size_t *outlen,
    struct ccakit_errdetail *d);

struct agent_kbs_stats {
	uint64_t attestations;          /* successful */
	uint64_t attest_failures;       /* failed attempts */
	uint64_t fetches;               /* resources released */
	uint64_t fetch_failures;
	uint64_t refused_tokens;        /* 401s to a Bearer token */
};
void agent_kbs_stats(agent_kbs *k, struct agent_kbs_stats *s);

#endif /* AGENT_CORE_H */
