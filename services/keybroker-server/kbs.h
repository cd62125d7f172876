/* keybroker-server: shared declarations. */
#ifndef KBS_H
#define KBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pthread.h>

#include <ccakit/appraise.h>
#include <ccakit/bytes.h>
#include <ccakit/ear.h>
#include <ccakit/store.h>

#include "broker.h"
#include "chstore.h"
#include "httpd.h"
#include "kbs_parse.h"

/* Problem types (RFC 9457 "type"): relative URI references. The demo's
 * client reads "type" and "detail" of a 403; AttestationFailure is the
 * demo's own value. */
#define KBS_PT_ATTESTATION  "AttestationFailure"
#define KBS_PT_UNKNOWN_KEY  "UnknownKey"
#define KBS_PT_UNKNOWN_CHAL "UnknownChallenge"
#define KBS_PT_BAD_REQUEST  "MalformedRequest"
#define KBS_PT_BAD_WRAPKEY  "UnsupportedWrappingKey"
#define KBS_PT_VERIFIER     "VerifierUnavailable"
#define KBS_PT_INTERNAL     "InternalError"

struct svc_veraison;

struct kbs {
	/* Configuration. */
	char endpoint[512];             /* Location prefix, no trailing / */
	bool mock;                      /* fixed challenge (-m) */
	unsigned wrap_flags;            /* CCAKIT_WRAPKEY_ALLOW_1024 */
	bool dump_evidence;
	const char *verifier_url;       /* NULL: embedded verifier */
	const char *verifier_ca;

	/* State shared by the handler threads (all thread-safe or
	 * read-only after start). */
	kbs_chstore *chs;
	ccakit_platform_cache *pcache;  /* NULL: --no-platform-cache */
	kbs_secrets *secrets;
	kbs_refvals *refvals;
	struct ccakit_bytes *rims;      /* views of refvals */
	size_t nrims;
	ccakit_ta_store *tas;
	ccakit_rv_store *rvs;
	kbs_policy *policy;             /* the release policy (Rego) */
	ccakit_rego_doc *policy_data;   /* its data: the rims */

	/* Dynamic RIM (--images): trusted images for the event-log replay,
	 * and the RIMs that replays proved, kept for later requests. */
	struct ccakit_trusted_image *images;
	size_t nimages;
	pthread_mutex_t dyn_mu;
	struct kbs_rim *dyn;
	size_t ndyn, dyn_cap;
};

struct kbs_rim {
	size_t len;
	uint8_t v[64];
};

extern const struct svc_route kbs_routes[];
extern const size_t kbs_nroutes;

/* --- verification --- */

enum kbs_verdict {
	KBS_ALLOW = 0,
	KBS_DENY,               /* 403: evidence or policy */
	KBS_VERIFIER_ERROR,     /* 502: the remote verifier failed */
	KBS_INTERNAL_ERROR,     /* 500 */
};

/*
 * Verify evidence for a challenge and apply the release policy; with an
 * event log (may be NULL) and --images, a RIM that no reference value
 * approves is approved when the log's replay reproduces it. detail
 * receives the reason for the client (the demo's wording where there is
 * one), note a short word for the log line. The outcome is recorded
 * (svc_ops_attestation(): metrics, status page, resp's log line).
 */
enum kbs_verdict kbs_appraise(struct kbs *k, const struct kbs_challenge *c,
    const uint8_t *tok, size_t toklen, const uint8_t *log, size_t loglen,
    char *detail, size_t detailsz, char *note, size_t notesz,
    const struct svc_req *req, struct svc_resp *resp);

/*
 * The release policy: spec is "builtin:NAME" or a Rego file; compiled
 * once, with its data document from k->rims. Returns 0, or 1 after
 * svc_die() (unknown name, unreadable file, invalid Rego).
 */
int kbs_policy_setup(struct kbs *k, const char *prog, const char *spec);

/* The fixed mock challenge: the realm challenge of the demo's static
 * token (cca-example-token-nonce.bin). */
extern const uint8_t kbs_mock_nonce[KBS_CHALLENGE_LEN];
/* The trust anchor of that token's platform (ta.json text). */
extern const char kbs_mock_ta_json[];

#endif /* KBS_H */
