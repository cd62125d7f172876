/*
 * The guest side of RCAR 0.4.0, the protocol of Trustee's KBS: what a
 * program in a realm does to attest to a KBS and fetch its resources,
 * as guest-components' kbs_protocol does it (docs/kbs.md, "The guest
 * side"). kbs-client, bench-kbs and ccakit-agent use it.
 *
 *   POST /kbs/v0/auth      {"version":"0.4.0","tee":<tee>,"extra-params":""}
 *   POST /kbs/v0/attest    runtime data {"tee-pubkey","nonce",
 *                          "additional-evidence"} hashed (RFC 8785, the
 *                          challenge's selected-hash-algorithm, else
 *                          SHA-384) into the evidence's report data
 *   GET  /kbs/v0/<path>    with the session cookie or a Bearer token;
 *                          the reply is a JWE to the TEE key
 *
 * One handle is one HTTP connection (kept alive) and one session cookie;
 * use a handle from one thread at a time. Replies that are not 200 give
 * CCAKIT_ERR_POLICY (CCAKIT_ERR_NOT_FOUND for 404) with "KBS: <status>
 * <Variant>: <detail>" in the detail, and kbsc_last() keeps the reply.
 * Transport failures are CCAKIT_ERR_IO. Nothing is printed.
 */
#ifndef SVC_KBSC_H
#define SVC_KBSC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <ccakit/err.h>
#include <ccakit/jose.h>

#include "rcar.h"

#define KBSC_DEFAULT_URL        "http://127.0.0.1:8080"
#define KBSC_PREFIX             "/kbs/v0/"
/* Largest reply read (a JWE of an 8 MiB resource, a token). */
#define KBSC_MAX_REPLY          (16u * 1024 * 1024)
#define KBSC_COOKIE_MAX         256

struct kbsc_opts {
	const char *url;                /* KBS root URL; NULL: the default */
	const char *cafile;             /* extra HTTPS trust root, or NULL */
	long timeout_ms;                /* per request; 0: 60 s */
	bool insecure;                  /* no TLS verification (tests) */
};

/*
 * Where evidence comes from: the TEE named in /auth, and a function
 * turning the report data (the runtime-data digest, 32 to 64 bytes) into
 * the "primary_evidence" value.
 */
struct kbsc_attester {
	enum rcar_tee tee;
	int (*evidence)(void *arg, const uint8_t *report_data, size_t len,
	    json_t **evidence, struct ccakit_errdetail *d);
	void *arg;
};

/*
 * Arm CCA as guest-components builds it: the report data zero-padded to
 * 64 bytes as the realm challenge, the token from the ccakit_attester
 * in arg (configfs-tsm or the emulated realm), as {"token":[<bytes>]}.
 */
int kbsc_cca_evidence(void *attester, const uint8_t *report_data, size_t len,
    json_t **evidence, struct ccakit_errdetail *d);
/* Trustee's sample TEE: {"svn":"1","report_data":"<base64>"}. */
int kbsc_sample_evidence(void *arg, const uint8_t *report_data, size_t len,
    json_t **evidence, struct ccakit_errdetail *d);

typedef struct kbsc kbsc;

/* CCAKIT_ERR_INVALID_ARG for a URL that is not http:// or https://. */
int kbsc_new(const struct kbsc_opts *o, kbsc **out,
    struct ccakit_errdetail *d);
void kbsc_free(kbsc **cp);

/* The last reply: its status (0 before any), and for an error its
 * Trustee variant and detail ("" when the body is not one). */
struct kbsc_reply {
	long status;
	char variant[64];
	char detail[512];
	const uint8_t *body;            /* the raw body (NUL after it) */
	size_t body_len;
};
const struct kbsc_reply *kbsc_last(const kbsc *c);

/*
 * RCAR: /auth, then /attest with the evidence of a for the TEE key (a
 * private key: its public half goes into the runtime data) and the
 * init-data TOML text when not NULL. On success *token is the KBS's
 * attestation token (malloc'd, ccakit_free) and c keeps the session
 * cookie for kbsc_get_resource().
 */
int kbsc_attest(kbsc *c, const struct kbsc_attester *a,
    const ccakit_teekey *key, const char *init_data, char **token,
    struct ccakit_errdetail *d);

/*
 * GET /kbs/v0/<path> ("resource/<repo>/<type>/<tag>", or a plugin's path
 * with its query) with the Bearer token when bearer is not NULL, else
 * the session cookie, and the JWE reply decrypted with key: *out
 * (malloc'd, a NUL after it; wipe it and ccakit_free).
 */
int kbsc_get_resource(kbsc *c, const char *path, const char *bearer,
    const ccakit_teekey *key, uint8_t **out, size_t *outlen,
    struct ccakit_errdetail *d);

/*
 * Any other request to /kbs/v0/<path> (the admin API): method, content
 * type (NULL: none) and body, the admin token as Bearer when not NULL.
 * 200 is CCAKIT_OK; the body is kbsc_last()'s.
 */
int kbsc_request(kbsc *c, const char *method, const char *path,
    const char *ctype, const void *body, size_t len, const char *bearer,
    struct ccakit_errdetail *d);

#endif /* SVC_KBSC_H */
