/*
 * kbs: a Trustee-compatible Key Broker Service (docs/kbs.md, kbs(8)).
 * The parts of the server and what they share. Every handler runs on
 * the HTTP layer's pool threads; everything reached from struct kbs is
 * either immutable after start-up or guarded where it is kept.
 */
#ifndef KBS_KBS_H
#define KBS_KBS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/rego.h>
#include <ccakit/toml.h>

#include "httpd.h"
#include "rcar.h"
#include "state.h"

#define KBS_PROG                "kbs"
#define KBS_DEFAULT_SOCKET      "127.0.0.1:8080"
#define KBS_MAX_SOCKETS         8
#define KBS_MAX_PATHS           32      /* entries of a path list */
#define KBS_MAX_PLUGINS         16
#define KBS_MAX_IDPS            16
#define KBS_MAX_ACLS            64
/* Request heads of at least this much (Trustee's clients send large
 * Bearer tokens; actix's own cap is 128 KiB). */
#define KBS_HEAD_MAX            (256 * 1024)
#define KBS_TOKEN_LEEWAY_S      60      /* exp leeway of every JWT */
#define KBS_RESOURCE_MAX        STATE_VALUE_MAX
#define KBS_POLICY_MAX          CCAKIT_REGO_MAX_MODULE

/* Storage namespaces, with Trustee's names (and LocalFs directories). */
#define KBS_NS_KBS              "kbs"                   /* resource policy */
#define KBS_NS_REPOSITORY       "repository"            /* resources */
#define KBS_NS_SESSION          "kbs_protocol_session"  /* RCAR sessions */
#define KBS_NS_AS_POLICY        "attestation_service_policy"
#define KBS_NS_REFVAL           "reference_value"
#define KBS_NS_META             "kbs_meta"              /* ccakit: keys */

#define KBS_RESOURCE_POLICY_ID  "resource-policy"
#define KBS_POLICY_SUFFIX       ".rego"

/* --- configuration (config.c): Trustee's TOML file --- */

enum kbs_storage_type {
	KBS_STORE_DEFAULT = 0,          /* no [storage_backend]: SQLite file */
	KBS_STORE_MEMORY,
	KBS_STORE_LOCALFS,
	KBS_STORE_LOCALJSON,
	KBS_STORE_POSTGRES,
	KBS_STORE_SQLITE,               /* ccakit: storage_type = "Sqlite" */
};

enum kbs_admin_mode {
	KBS_ADMIN_ALLOW_ALL = 0,        /* InsecureAllowAll */
	KBS_ADMIN_DENY_ALL,
	KBS_ADMIN_AUTHENTICATED,
};

struct kbs_idp_conf {
	const char *issuer;             /* NULL: not checked */
	const char *audience;
	const char *public_key_uri;
	const char *jwk_set_uri;
};

struct kbs_acl_conf {
	const char *role;
	const char *allowed_endpoints;
};

struct kbs_plugin_conf {
	const char *name;
	ccakit_toml_value *table;       /* the [[plugins]] entry */
};

struct kbs_config {
	const char *path;               /* the file */
	/* [http_server] */
	const char *sockets[KBS_MAX_SOCKETS];
	size_t nsockets;
	bool insecure_http;
	const char *private_key, *certificate;
	int64_t payload_request_size;   /* MiB */
	int64_t worker_count;           /* 0: the number of CPUs */
	const char *tls_profile;        /* old | intermediate | modern |
					   custom */
	const char *tls_min_version, *tls_max_version;
	const char *tls_ciphers, *tls_groups;
	/* [attestation_token] */
	const char *trusted_certs_paths[KBS_MAX_PATHS];
	size_t ntrusted_certs;
	const char *trusted_jwk_sets[KBS_MAX_PATHS];
	size_t ntrusted_jwks;
	const char *extra_teekey_paths[KBS_MAX_PATHS];
	size_t nextra_teekey;
	bool insecure_header_jwk;
	/* [attestation_service] (coco_as_builtin) */
	int64_t session_timeout_min;    /* timeout */
	enum kbs_storage_type as_storage; /* storage_type override */
	int64_t duration_min;
	const char *issuer_name, *developer_name, *build_name, *profile_name;
	bool verbose_token;
	const char *signer_key_path, *signer_cert_path, *signer_cert_url;
	enum kbs_storage_type rvps_storage;
	/* [admin] */
	enum kbs_admin_mode admin_mode;
	struct kbs_idp_conf idps[KBS_MAX_IDPS];
	size_t nidps;
	struct kbs_acl_conf acls[KBS_MAX_ACLS];
	size_t nacls;
	/* [storage_backend] */
	enum kbs_storage_type storage_type;
	const char *localfs_dir;
	const char *localjson_dir;
	const char *pg_db, *pg_user, *pg_password, *pg_host;
	int64_t pg_port;
	const char *sqlite_path;        /* ccakit: backends.sqlite.path */
	enum kbs_storage_type session_storage; /* session_storage_type */
	/* [[plugins]] */
	struct kbs_plugin_conf plugins[KBS_MAX_PLUGINS];
	size_t nplugins;
};

/*
 * Read the file: every key of Trustee's configuration (docs/kbs.md) is
 * read or refused with "file:line:col: key: why"; unknown keys are
 * refused. doc keeps the strings conf points to (free it after conf).
 * The plugins' own keys are read by the plugins (kbs_plugins_init), and
 * the unknown-key check then runs with kbs_config_check_unused().
 */
int kbs_config_load(const char *path, struct kbs_config *conf,
    ccakit_toml **doc, struct ccakit_errdetail *d);
int kbs_config_check_unused(ccakit_toml *doc, struct ccakit_errdetail *d);
/* The GnuTLS priority string for the TLS keys (NULL: the layer's
 * default); err says why a combination cannot be served. */
int kbs_config_tls_priorities(const struct kbs_config *c, char *out,
    size_t outsz, char *err, size_t errsz);

/* --- storage (kv.c): Trustee's key-value namespaces --- */

typedef struct kbs_kv kbs_kv;   /* one backend */
typedef struct kbs_store kbs_store;

/*
 * The stores the configuration names: the state layer (SQLite file,
 * ":memory:" for Memory, PostgreSQL) or Trustee's LocalFs / LocalJson
 * directories. db_path is the SQLite file of the default (and of
 * storage_type = "Sqlite" without a path).
 */
int kbs_store_open(const struct kbs_config *c, const char *db_path,
    kbs_store **out, struct ccakit_errdetail *d);
void kbs_store_free(kbs_store **sp);
/* The backend of a namespace. */
kbs_kv *kbs_store_ns(kbs_store *s, const char *ns);
/* The state layer handle (meta values), NULL without one. */
state_db *kbs_store_state(kbs_store *s);
/* For logs: what each backend is. */
void kbs_store_describe(kbs_store *s, char *out, size_t outsz);
/* Housekeeping: purge expired records, SQLite checkpoints. */
void kbs_store_housekeep(kbs_store *s, int64_t now_ms);

/* A value: malloc'd, NUL after it; wipe with kbs_val_clear(). */
struct kbs_val {
	uint8_t *p;
	size_t len;
	uint64_t version;               /* for kbs_kv_update */
};
void kbs_val_clear(struct kbs_val *v);

/* CCAKIT_ERR_NOT_FOUND when absent (or expired in the state layer). */
int kbs_kv_get(kbs_kv *kv, const char *ns, const char *key,
    struct kbs_val *out, struct ccakit_errdetail *d);
/* overwrite false: nothing happens when the key exists (*created
 * false). expires_ms 0: never (file backends keep no expiry). */
int kbs_kv_set(kbs_kv *kv, const char *ns, const char *key, const void *val,
    size_t len, int64_t expires_ms, bool overwrite, bool *created,
    struct ccakit_errdetail *d);
/* Replace only if still at version (one winner across replicas);
 * *updated says whether it was. */
int kbs_kv_update(kbs_kv *kv, const char *ns, const char *key,
    uint64_t version, const void *val, size_t len, bool *updated,
    struct ccakit_errdetail *d);
/* CCAKIT_ERR_NOT_FOUND when there was none. */
int kbs_kv_delete(kbs_kv *kv, const char *ns, const char *key,
    struct ccakit_errdetail *d);
/* Keys in order to fn (nonzero stops and is returned). */
int kbs_kv_list(kbs_kv *kv, const char *ns,
    int (*fn)(void *arg, const char *key), void *arg,
    struct ccakit_errdetail *d);
/* Trustee's key rule: [A-Za-z0-9._/-]+ */
bool kbs_kv_key_valid(const char *key);

/* --- metrics (metrics.c): Trustee's Prometheus names --- */

enum kbs_counter {
	KBS_M_AUTH_REQUESTS = 0, KBS_M_AUTH_SUCCESSES, KBS_M_AUTH_ERRORS,
	KBS_M_ATTEST_REQUESTS, KBS_M_ATTEST_ERRORS,
	KBS_M_POLICY_EVALS, KBS_M_POLICY_APPROVALS, KBS_M_POLICY_VIOLATIONS,
	KBS_M_POLICY_ERRORS, KBS_M_HTTP_REQUESTS,
	KBS_M_NCOUNTERS
};
enum kbs_resource_op { KBS_RES_READ = 0, KBS_RES_WRITE, KBS_RES_DELETE };

void kbs_metrics_init(void);
void kbs_metrics_free(void);
void kbs_count(enum kbs_counter c);
void kbs_count_attest(enum rcar_tee tee, bool success);
void kbs_count_resource(enum kbs_resource_op op, const char *path);
/* A /kbs request done: seconds, body sizes. */
void kbs_observe_request(double seconds, size_t req_size, size_t resp_size);
void kbs_active_requests(int delta);
/* The exposition text (malloc'd). */
char *kbs_metrics_text(size_t *len);

/* --- JWTs (jwt.c): verification for tokens and admin credentials --- */

typedef struct kbs_jwks kbs_jwks;       /* keys by kid, and PEM keys */

struct kbs_jwt {
	json_t *header;
	json_t *claims;
};
void kbs_jwt_clear(struct kbs_jwt *t);

/* The parts of a compact JWS, without verification. */
int kbs_jwt_decode(const char *jwt, size_t len, struct kbs_jwt *out,
    struct ccakit_errdetail *d);
/* A public key from a JWK (EC P-256/384/521, RSA, OKP Ed25519): an
 * EVP_PKEY (EVP_PKEY_free). */
int kbs_jwk_to_pkey(const json_t *jwk, void **pkey,
    struct ccakit_errdetail *d);
/* Verify the signature of compact jwt with pkey under alg ("ES256",
 * "RS256", "PS256", "EdDSA", ...): the header's alg must be alg and
 * the key's type alg's. Then exp (required) with the leeway, and nbf
 * when present (validate_nbf: Trustee does not). */
int kbs_jwt_verify(const char *jwt, size_t len, void *pkey, const char *alg,
    int64_t now, struct kbs_jwt *out, struct ccakit_errdetail *d);

kbs_jwks *kbs_jwks_new(void);
void kbs_jwks_free(kbs_jwks **jp);
/* Add the keys of a JWK set from file://, https:// (or OIDC discovery
 * there) or a plain path. */
int kbs_jwks_add_uri(kbs_jwks *j, const char *uri, struct ccakit_errdetail *d);
/* A PEM public key (EC, RSA or Ed25519) from a file:// URI, a path or
 * https://. */
int kbs_jwks_add_pem_uri(kbs_jwks *j, const char *uri,
    struct ccakit_errdetail *d);
size_t kbs_jwks_count(const kbs_jwks *j);
size_t kbs_jwks_pem_count(const kbs_jwks *j);
/* The JWK with this kid (borrowed), or NULL. */
const json_t *kbs_jwks_find(const kbs_jwks *j, const char *kid);
/* Try every PEM key with the header's algorithm. */
int kbs_jwks_verify_pem(const kbs_jwks *j, const char *jwt, size_t len,
    int64_t now, struct kbs_jwt *out, struct ccakit_errdetail *d);

/* --- the attestation token verifier (token.c) --- */

typedef struct kbs_tokens kbs_tokens;

/*
 * [attestation_token]: trusted_certs_paths, trusted_jwk_sets,
 * insecure_header_jwk, extra_teekey_paths; own_jwk is the public JWK of
 * this KBS's token signing key (its tokens are always trusted).
 */
int kbs_tokens_new(const struct kbs_config *c, const json_t *own_jwk,
    kbs_tokens **out, struct ccakit_errdetail *d);
void kbs_tokens_free(kbs_tokens **tp);
/* Verify as Trustee's JwtVerifier; *claims gets the claims. */
int kbs_tokens_verify(kbs_tokens *t, const char *jwt, json_t **claims,
    struct ccakit_errdetail *d);
/* The TEE key at the first claim path that holds one (configured
 * extra_teekey_paths, then Trustee's five); borrowed from claims. */
const json_t *kbs_tokens_teekey(kbs_tokens *t, const json_t *claims);

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
	const json_t *evidence;
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
/* Sign claims as a JWS with {"typ":"JWT","alg":"ES256","jwk":...}. */
int kbs_signer_sign(const kbs_signer *s, const json_t *claims, char **jwt,
    struct ccakit_errdetail *d);

struct kbs_as_input {
	enum rcar_tee tee;
	const json_t *primary_evidence;
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

/* Milliseconds and seconds since the epoch. */
int64_t kbs_now_ms(void);

#endif /* KBS_KBS_H */
