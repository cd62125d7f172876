/*
 * kbs: a Trustee-compatible Key Broker Service (docs/kbs.md, kbs(8)).
 * The parts of the server and what they share. Every handler runs on
 * the HTTP layer's pool threads; everything reached from struct kbs is
 * either immutable after start-up or guarded where it is kept.
 */
#ifndef KBS_KBS_H
#define KBS_KBS_H


#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <ccakit/appraise.h>
#include <ccakit/err.h>
#include <ccakit/rego.h>
#include <ccakit/toml.h>

#include "config.h"
#include "httpd.h"
#include "jwt.h"
#include "kv.h"
#include "metrics.h"
#include "rcar.h"

/* Request heads of at least this much (Trustee's clients send large
 * Bearer tokens; actix's own cap is 128 KiB). */
#define KBS_HEAD_MAX            (256 * 1024)
#define KBS_POLICY_MAX          CCAKIT_REGO_MAX_MODULE

#define KBS_RESOURCE_POLICY_ID  "resource-policy"
#define KBS_POLICY_SUFFIX       ".rego"

/* --- policies (policy.c) --- */

typedef struct kbs_policies kbs_policies;

enum kbs_policy_kind {
	KBS_POLICY_RESOURCE = 0,        /* data.policy.allow */
	KBS_POLICY_AS,                  /* trust_claims, extensions */
};

struct kbs;
int kbs_policies_new(struct kbs *k, kbs_policies **out);
void kbs_policies_free(kbs_policies **pp);
/* Write the built-in defaults unless present (overwrite=false). */
int kbs_policies_seed(struct kbs *k, struct ccakit_errdetail *d);
/* Whether a text compiles as a policy of this kind ("file:row: why"). */
int kbs_policy_check(enum kbs_policy_kind kind, const char *text, size_t len,
    struct ccakit_errdetail *d);
/* A ccakit policy shipped in the binary, by name ("default_cpu",
 * "allow_all", "cca", ...), or NULL. */
const char *kbs_policy_builtin(const char *name, size_t *len);

/*
 * The resource policy: *allow is data.policy.allow == true.
 * CCAKIT_ERR_REGO_* on an engine error (PolicyEngineError).
 */
int kbs_policy_resource(struct kbs *k, const char *claims_json, size_t clen,
    const char *data_json, size_t dlen, bool *allow,
    struct ccakit_errdetail *d);
/*
 * The AS policy `id` over the input claims: *trust_claims and
 * *extensions are new JSON values or NULL when undefined.
 */
int kbs_policy_as(struct kbs *k, const char *id, const char *input_json,
    size_t ilen, json_t **trust_claims, json_t **extensions,
    struct ccakit_errdetail *d);

/* --- reference values (rvps.c) --- */

/* Register an RVPS message {"version","type","payload"}. */
int kbs_rvps_register(struct kbs *k, const char *msg, size_t len,
    struct ccakit_errdetail *d);
/* The stored value of id as JSON text (malloc'd); NOT_FOUND when there
 * is none or it has expired. */
int kbs_rvps_query(struct kbs *k, const char *id, char **json,
    struct ccakit_errdetail *d);

/* --- init-data (initdata.c) --- */

/*
 * A TOML init-data document: its digest with its algorithm (of the text
 * as received) and the claims Trustee derives from [data].
 */
int kbs_initdata_parse(const char *body, size_t len, uint8_t *digest,
    size_t *dlen, json_t **claims, struct ccakit_errdetail *d);
/* TOML text to JSON (every value type; date-times as strings). */
int kbs_toml_to_json(const char *text, size_t len, json_t **out,
    struct ccakit_errdetail *d);

/* --- verifiers (verifier_cca.c, verifier_sample.c) --- */

struct kbs_evidence {
	enum rcar_tee tee;
	const char *evidence;           /* its JSON text, checked */
	size_t evidence_len;
	const uint8_t *report_data;     /* expected (the runtime digest) */
	size_t report_len;
	const uint8_t *init_digest;     /* NULL: no init-data */
	size_t init_len;
};

/* Claims of verified evidence and the TEE class ("cpu", "gpu"). */
struct kbs_claims {
	json_t *claims;
	const char *tee_class;
};

int kbs_verify_cca(struct kbs *k, const struct kbs_evidence *ev,
    struct kbs_claims *out, struct ccakit_errdetail *d);
int kbs_verify_sample(struct kbs *k, const struct kbs_evidence *ev,
    struct kbs_claims *out, struct ccakit_errdetail *d);

/* --- the attestation service (as.c) --- */

typedef struct kbs_signer kbs_signer;

/* The token signing key: [..signer] key_path (P-256) with cert_path
 * (x5c) and cert_url (x5u), else one P-256 key kept in the state (so
 * that replicas share it) or, for Memory storage, per process. */
int kbs_signer_new(struct kbs *k, kbs_signer **out,
    struct ccakit_errdetail *d);
void kbs_signer_free(kbs_signer **sp);
/* The header's "jwk" (borrowed). */
const json_t *kbs_signer_jwk(const kbs_signer *s);
/* Sign claims as a JWS with {"typ":"JWT","alg":"ES256","jwk":...};
 * *payload, when payload is not NULL, gets the claims' JSON signed. */
int kbs_signer_sign(const kbs_signer *s, const json_t *claims, char **jwt,
    char **payload, struct ccakit_errdetail *d);

struct kbs_as_input {
	enum rcar_tee tee;
	const char *primary_evidence;   /* JSON text, checked */
	size_t primary_len;
	const char *additional_evidence;
	const char *nonce;
	const json_t *tee_pubkey;
	const char *init_format;        /* NULL: none */
	const char *init_body;
	size_t init_len;
	int64_t now;                    /* Unix seconds */
};

/* Verify the evidence, appraise it and sign the EAR (*token). */
int kbs_as_attest(struct kbs *k, const struct kbs_as_input *in, char **token,
    struct ccakit_errdetail *d);

/* --- admin (admin.c) --- */

typedef struct kbs_admin kbs_admin;
int kbs_admin_new(const struct kbs_config *c, kbs_admin **out,
    struct ccakit_errdetail *d);
void kbs_admin_free(kbs_admin **ap);
/* CCAKIT_OK, or CCAKIT_ERR_POLICY with Trustee's admin error text in
 * why ("Admin access denied: ..."). target: path and query as sent. */
int kbs_admin_check(kbs_admin *a, const char *authorization,
    const char *target, char *why, size_t whysz);

/* --- plugins (plugin.c) --- */

#include "plugin.h"

/* --- the server --- */

struct kbs {
	struct kbs_config conf;
	kbs_store *store;
	kbs_tokens *tokens;
	kbs_policies *policies;
	kbs_signer *signer;
	kbs_admin *admin;
	struct kbs_plugins *plugins;
	struct svc_route routes[4];
	/* the platform-token cache of local CCA verification; NULL: off */
	ccakit_platform_cache *pcache;
	/* test hook (--test-fixed-nonce): every challenge's nonce */
	const char *fixed_nonce;
};

/* The HTTP handlers (api.c). */
void kbs_api(void *arg, const struct svc_req *req, struct svc_resp *resp);
void kbs_metrics_handler(void *arg, const struct svc_req *req,
    struct svc_resp *resp);
void kbs_healthz(void *arg, const struct svc_req *req,
    struct svc_resp *resp);

/* Trustee's error reply: 401 (404 for PluginNotFound and
 * InvalidRequestPath), no Content-Type, {"type","detail"}. */
void kbs_error(struct svc_resp *resp, const char *variant,
    const char *fmt, ...) SVC_PRINTF(3, 4);

#endif /* KBS_KBS_H */
