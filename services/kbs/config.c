/*
 * Trustee's KBS configuration file (kbs/src/config.rs at 78962cd and the
 * structs it embeds), read strictly: every key of it is read or refused
 * with a message naming file:line:col, unknown keys are refused (Trustee
 * ignores them at the top level; see docs/kbs.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

/* Absent is fine: a getter's NOT_FOUND becomes OK. */
#define OPT(x) do { int r_ = (x); \
	if (r_ != CCAKIT_OK && r_ != CCAKIT_ERR_NOT_FOUND) return r_; \
	} while (0)
#define REQ(x) do { int r_ = (x); if (r_ != CCAKIT_OK) return r_; } while (0)

static int
str_array(ccakit_toml_value *t, const char *path, const char **out,
    size_t max, size_t *n, struct ccakit_errdetail *d)
{
	ccakit_toml_value *a;
	size_t i, len;
	int r;

	if ((r = ccakit_toml_get_array(t, path, &a, d)) != CCAKIT_OK)
		return r;
	len = ccakit_toml_array_len(a);
	if (len > max)
		return ccakit_toml_error(a, CCAKIT_ERR_CONFIG, d,
		    "at most %zu entries", max);
	for (i = 0; i < len; i++)
		REQ(ccakit_toml_get_string(ccakit_toml_array_at(a, i), NULL,
		    &out[i], d));
	*n = len;
	return CCAKIT_OK;
}

/* Trustee's KeyValueStorageType names and aliases (and ccakit's own). */
static int
storage_type(ccakit_toml_value *t, const char *path,
    enum kbs_storage_type *out, struct ccakit_errdetail *d)
{
	static const struct {
		const char *name;
		enum kbs_storage_type type;
	} names[] = {
		{ "Memory", KBS_STORE_MEMORY }, { "memory", KBS_STORE_MEMORY },
		{ "LocalFs", KBS_STORE_LOCALFS },
		{ "local_fs", KBS_STORE_LOCALFS },
		{ "LocalJson", KBS_STORE_LOCALJSON },
		{ "local_json", KBS_STORE_LOCALJSON },
		{ "Postgres", KBS_STORE_POSTGRES },
		{ "postgres", KBS_STORE_POSTGRES },
		{ "Sqlite", KBS_STORE_SQLITE }, { "sqlite", KBS_STORE_SQLITE },
	};
	const char *s;
	size_t i;
	int r;

	if ((r = ccakit_toml_get_string(t, path, &s, d)) != CCAKIT_OK)
		return r;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0) {
			*out = names[i].type;
			return CCAKIT_OK;
		}
	if (strcmp(s, "Redis") == 0 || strcmp(s, "redis") == 0)
		return ccakit_toml_error(ccakit_toml_lookup(t, path),
		    CCAKIT_ERR_CONFIG, d, "Redis is not supported by this "
		    "KBS: use Postgres for several replicas (docs/kbs.md)");
	return ccakit_toml_error(ccakit_toml_lookup(t, path),
	    CCAKIT_ERR_CONFIG, d, "unknown storage type '%s' (Memory, "
	    "LocalFs, LocalJson, Postgres, or ccakit's Sqlite)", s);
}

/* A table is present (not necessarily used). */
static bool
has(ccakit_toml_value *t, const char *path)
{
	return ccakit_toml_lookup(t, path) != NULL;
}

static int
http_server(ccakit_toml_value *root, struct kbs_config *c,
    struct ccakit_errdetail *d)
{
	ccakit_toml_value *h;
	int r;

	if ((r = ccakit_toml_get_table(root, "http_server", &h, d)) ==
	    CCAKIT_ERR_NOT_FOUND) {
		snprintf(d->text, sizeof(d->text), "%s: missing table "
		    "[http_server] (Trustee requires it; e.g. sockets = "
		    "[\"127.0.0.1:8080\"], insecure_http = true)", c->path);
		return CCAKIT_ERR_CONFIG;
	}
	REQ(r);
	c->sockets[0] = KBS_DEFAULT_SOCKET;
	c->nsockets = 1;
	OPT(str_array(h, "sockets", c->sockets, KBS_MAX_SOCKETS, &c->nsockets,
	    d));
	if (c->nsockets == 0)
		return ccakit_toml_error(ccakit_toml_lookup(h, "sockets"),
		    CCAKIT_ERR_CONFIG, d, "at least one socket");
	OPT(ccakit_toml_get_bool(h, "insecure_http", &c->insecure_http, d));
	OPT(ccakit_toml_get_string(h, "private_key", &c->private_key, d));
	OPT(ccakit_toml_get_string(h, "certificate", &c->certificate, d));
	OPT(ccakit_toml_get_int_range(h, "payload_request_size", 1, 1024,
	    &c->payload_request_size, d));
	OPT(ccakit_toml_get_int_range(h, "worker_count", 1, 1024,
	    &c->worker_count, d));
	OPT(ccakit_toml_get_string(h, "tls_profile", &c->tls_profile, d));
	if (strcmp(c->tls_profile, "old") != 0 &&
	    strcmp(c->tls_profile, "intermediate") != 0 &&
	    strcmp(c->tls_profile, "modern") != 0 &&
	    strcmp(c->tls_profile, "custom") != 0)
		return ccakit_toml_error(ccakit_toml_lookup(h, "tls_profile"),
		    CCAKIT_ERR_CONFIG, d, "one of old, intermediate, modern, "
		    "custom");
	OPT(ccakit_toml_get_string(h, "tls_min_version", &c->tls_min_version,
	    d));
	OPT(ccakit_toml_get_string(h, "tls_max_version", &c->tls_max_version,
	    d));
	if (c->tls_min_version != NULL &&
	    strcmp(c->tls_min_version, "1.2") != 0 &&
	    strcmp(c->tls_min_version, "1.3") != 0)
		return ccakit_toml_error(ccakit_toml_lookup(h,
		    "tls_min_version"), CCAKIT_ERR_CONFIG, d, "\"1.2\" or "
		    "\"1.3\"");
	if (c->tls_max_version != NULL &&
	    strcmp(c->tls_max_version, "1.2") != 0 &&
	    strcmp(c->tls_max_version, "1.3") != 0)
		return ccakit_toml_error(ccakit_toml_lookup(h,
		    "tls_max_version"), CCAKIT_ERR_CONFIG, d, "\"1.2\" or "
		    "\"1.3\"");
	if (c->tls_min_version != NULL && c->tls_max_version != NULL &&
	    strcmp(c->tls_min_version, "1.3") == 0 &&
	    strcmp(c->tls_max_version, "1.2") == 0)
		return ccakit_toml_error(ccakit_toml_lookup(h,
		    "tls_min_version"), CCAKIT_ERR_CONFIG, d, "tls_min_version "
		    "(1.3) cannot be greater than tls_max_version (1.2)");
	OPT(ccakit_toml_get_string(h, "tls_ciphers", &c->tls_ciphers, d));
	OPT(ccakit_toml_get_string(h, "tls_groups", &c->tls_groups, d));
	if (!c->insecure_http && (c->private_key == NULL ||
	    c->certificate == NULL))
		return ccakit_toml_error(h, CCAKIT_ERR_CONFIG, d,
		    "insecure_http = false needs private_key and certificate "
		    "(HTTPS), or set insecure_http = true");
	return CCAKIT_OK;
}

static int
attestation_token(ccakit_toml_value *root, struct kbs_config *c,
    struct ccakit_errdetail *d)
{
	ccakit_toml_value *t;
	int r;

	if ((r = ccakit_toml_get_table(root, "attestation_token", &t, d)) ==
	    CCAKIT_ERR_NOT_FOUND)
		return CCAKIT_OK;
	REQ(r);
	OPT(str_array(t, "trusted_certs_paths", c->trusted_certs_paths,
	    KBS_MAX_PATHS, &c->ntrusted_certs, d));
	OPT(str_array(t, "trusted_jwk_sets", c->trusted_jwk_sets,
	    KBS_MAX_PATHS, &c->ntrusted_jwks, d));
	OPT(str_array(t, "extra_teekey_paths", c->extra_teekey_paths,
	    KBS_MAX_PATHS, &c->nextra_teekey, d));
	OPT(ccakit_toml_get_bool(t, "insecure_header_jwk",
	    &c->insecure_header_jwk, d));
	return CCAKIT_OK;
}

static int
attestation_service(ccakit_toml_value *root, struct kbs_config *c,
    struct ccakit_errdetail *d)
{
	ccakit_toml_value *a, *b, *s, *rv, *v;
	const char *type = "coco_as_builtin", *rtype = "BuiltIn";
	int r;

	if ((r = ccakit_toml_get_table(root, "attestation_service", &a, d)) ==
	    CCAKIT_ERR_NOT_FOUND)
		return CCAKIT_OK;
	REQ(r);
	OPT(ccakit_toml_get_string(a, "type", &type, d));
	if (strcmp(type, "coco_as_grpc") == 0 ||
	    strcmp(type, "CoCoASGrpc") == 0 || strcmp(type, "intel_ta") == 0 ||
	    strcmp(type, "IntelTA") == 0)
		return ccakit_toml_error(ccakit_toml_lookup(a, "type"),
		    CCAKIT_ERR_CONFIG, d, "'%s' is not supported: this KBS "
		    "has its attestation service built in (coco_as_builtin)",
		    type);
	if (strcmp(type, "coco_as_builtin") != 0 &&
	    strcmp(type, "CoCoASBuiltIn") != 0)
		return ccakit_toml_error(ccakit_toml_lookup(a, "type"),
		    CCAKIT_ERR_CONFIG, d, "unknown attestation service type "
		    "'%s'", type);
	OPT(ccakit_toml_get_int_range(a, "timeout", 1, 24 * 60,
	    &c->session_timeout_min, d));
	if (has(a, "storage_type"))
		REQ(storage_type(a, "storage_type", &c->as_storage, d));
	if ((r = ccakit_toml_get_table(a, "attestation_token_broker", &b,
	    d)) == CCAKIT_OK) {
		OPT(ccakit_toml_get_int_range(b, "duration_min", 1,
		    366 * 24 * 60, &c->duration_min, d));
		OPT(ccakit_toml_get_string(b, "issuer_name", &c->issuer_name,
		    d));
		OPT(ccakit_toml_get_string(b, "developer_name",
		    &c->developer_name, d));
		OPT(ccakit_toml_get_string(b, "build_name", &c->build_name, d));
		OPT(ccakit_toml_get_string(b, "profile_name", &c->profile_name,
		    d));
		OPT(ccakit_toml_get_bool(b, "verbose_token", &c->verbose_token,
		    d));
		if ((r = ccakit_toml_get_table(b, "signer", &s, d)) ==
		    CCAKIT_OK) {
			REQ(ccakit_toml_get_string(s, "key_path",
			    &c->signer_key_path, d));
			OPT(ccakit_toml_get_string(s, "cert_path",
			    &c->signer_cert_path, d));
			OPT(ccakit_toml_get_string(s, "cert_url",
			    &c->signer_cert_url, d));
		} else if (r != CCAKIT_ERR_NOT_FOUND) {
			return r;
		}
	} else if (r != CCAKIT_ERR_NOT_FOUND) {
		return r;
	}
	if ((r = ccakit_toml_get_table(a, "rvps_config", &rv, d)) ==
	    CCAKIT_OK) {
		OPT(ccakit_toml_get_string(rv, "type", &rtype, d));
		if (strcmp(rtype, "GrpcRemote") == 0)
			return ccakit_toml_error(ccakit_toml_lookup(rv,
			    "type"), CCAKIT_ERR_CONFIG, d, "a remote RVPS is "
			    "not supported: reference values are built in "
			    "(BuiltIn)");
		if (strcmp(rtype, "BuiltIn") != 0)
			return ccakit_toml_error(ccakit_toml_lookup(rv,
			    "type"), CCAKIT_ERR_CONFIG, d, "unknown RVPS type "
			    "'%s'", rtype);
		if ((v = ccakit_toml_lookup(rv, "extractors")) != NULL) {
			/* sample, corim and swid are always there;
			 * their settings (swid_extractor) have nothing
			 * to set. */
			if (ccakit_toml_type(v) != CCAKIT_TOML_TABLE)
				return ccakit_toml_error(v, CCAKIT_ERR_CONFIG,
				    d, "expected a table");
			ccakit_toml_mark_used(v, true);
		}
		if (has(rv, "storage_type"))
			REQ(storage_type(rv, "storage_type", &c->rvps_storage,
			    d));
	} else if (r != CCAKIT_ERR_NOT_FOUND) {
		return r;
	}
	if ((v = ccakit_toml_lookup(a, "verifier_config")) != NULL) {
		if (ccakit_toml_type(v) != CCAKIT_TOML_TABLE)
			return ccakit_toml_error(v, CCAKIT_ERR_CONFIG, d,
			    "expected a table");
		if (ccakit_toml_table_len(v) > 0)
			return ccakit_toml_error(v, CCAKIT_ERR_CONFIG, d,
			    "settings of the TPM, SNP, DCAP and NVIDIA "
			    "verifiers: this KBS verifies Arm CCA (configured "
			    "by CCA_CONFIG_FILE) and the sample TEE only");
		ccakit_toml_mark_used(v, false);
	}
	return CCAKIT_OK;
}

static int
admin(ccakit_toml_value *root, struct kbs_config *c,
    struct ccakit_errdetail *d)
{
	ccakit_toml_value *a, *idps, *acls, *e;
	const char *mode;
	size_t i;
	int r;

	if ((r = ccakit_toml_get_table(root, "admin", &a, d)) ==
	    CCAKIT_ERR_NOT_FOUND) {
		snprintf(d->text, sizeof(d->text), "%s: missing table [admin] "
		    "(Trustee requires it; e.g. authorization_mode = "
		    "\"DenyAll\")", c->path);
		return CCAKIT_ERR_CONFIG;
	}
	REQ(r);
	if ((r = ccakit_toml_get_string(a, "authorization_mode", &mode, d)) ==
	    CCAKIT_ERR_NOT_FOUND)
		return ccakit_toml_error(a, CCAKIT_ERR_CONFIG, d, "missing "
		    "authorization_mode (InsecureAllowAll, DenyAll or "
		    "AuthenticatedAuthorization)");
	REQ(r);
	if (strcmp(mode, "InsecureAllowAll") == 0) {
		c->admin_mode = KBS_ADMIN_ALLOW_ALL;
		return CCAKIT_OK;
	}
	if (strcmp(mode, "DenyAll") == 0) {
		c->admin_mode = KBS_ADMIN_DENY_ALL;
		return CCAKIT_OK;
	}
	if (strcmp(mode, "AuthenticatedAuthorization") != 0)
		return ccakit_toml_error(ccakit_toml_lookup(a,
		    "authorization_mode"), CCAKIT_ERR_CONFIG, d, "unknown "
		    "variant '%s' (InsecureAllowAll, DenyAll or "
		    "AuthenticatedAuthorization)", mode);
	c->admin_mode = KBS_ADMIN_AUTHENTICATED;
	if ((r = ccakit_toml_get_array(a,
	    "authentication.bearer_jwt.identity_providers", &idps, d)) ==
	    CCAKIT_ERR_NOT_FOUND || (r == CCAKIT_OK &&
	    ccakit_toml_array_len(idps) == 0))
		return ccakit_toml_error(a, CCAKIT_ERR_CONFIG, d,
		    "AuthenticatedAuthorization requires at least one "
		    "identity_providers entry in "
		    "[admin.authentication.bearer_jwt]");
	REQ(r);
	if (ccakit_toml_array_len(idps) > KBS_MAX_IDPS)
		return ccakit_toml_error(idps, CCAKIT_ERR_CONFIG, d,
		    "at most %d identity providers", KBS_MAX_IDPS);
	for (i = 0; i < ccakit_toml_array_len(idps); i++) {
		struct kbs_idp_conf *p = &c->idps[i];

		e = ccakit_toml_array_at(idps, i);
		if (ccakit_toml_type(e) != CCAKIT_TOML_TABLE)
			return ccakit_toml_error(e, CCAKIT_ERR_CONFIG, d,
			    "expected a table");
		OPT(ccakit_toml_get_string(e, "issuer", &p->issuer, d));
		OPT(ccakit_toml_get_string(e, "audience", &p->audience, d));
		OPT(ccakit_toml_get_string(e, "public_key_uri",
		    &p->public_key_uri, d));
		OPT(ccakit_toml_get_string(e, "jwk_set_uri", &p->jwk_set_uri,
		    d));
		if (p->public_key_uri == NULL && p->jwk_set_uri == NULL)
			return ccakit_toml_error(e, CCAKIT_ERR_CONFIG, d,
			    "identity_providers[%zu] must set public_key_uri "
			    "and/or jwk_set_uri", i);
	}
	c->nidps = i;
	if ((r = ccakit_toml_get_array(a, "authorization.regex_acl.acls",
	    &acls, d)) == CCAKIT_ERR_NOT_FOUND) {
		if (ccakit_toml_lookup(a, "authorization.regex_acl") == NULL)
			return ccakit_toml_error(a, CCAKIT_ERR_CONFIG, d,
			    "missing [admin.authorization.regex_acl]");
		ccakit_toml_mark_used(ccakit_toml_lookup(a,
		    "authorization.regex_acl"), false);
		return CCAKIT_OK;       /* no ACL: nobody is allowed */
	}
	REQ(r);
	if (ccakit_toml_array_len(acls) > KBS_MAX_ACLS)
		return ccakit_toml_error(acls, CCAKIT_ERR_CONFIG, d,
		    "at most %d ACL entries", KBS_MAX_ACLS);
	for (i = 0; i < ccakit_toml_array_len(acls); i++) {
		struct kbs_acl_conf *p = &c->acls[i];

		e = ccakit_toml_array_at(acls, i);
		if (ccakit_toml_type(e) != CCAKIT_TOML_TABLE)
			return ccakit_toml_error(e, CCAKIT_ERR_CONFIG, d,
			    "expected a table");
		REQ(ccakit_toml_get_string(e, "role", &p->role, d));
		p->allowed_endpoints = "";
		OPT(ccakit_toml_get_string(e, "allowed_endpoints",
		    &p->allowed_endpoints, d));
		if (strncmp(p->allowed_endpoints, "^/kbs", 5) != 0 ||
		    p->allowed_endpoints[0] == '\0' ||
		    p->allowed_endpoints[strlen(p->allowed_endpoints) - 1] !=
		    '$')
			return ccakit_toml_error(ccakit_toml_lookup(e,
			    "allowed_endpoints") != NULL ?
			    ccakit_toml_lookup(e, "allowed_endpoints") : e,
			    CCAKIT_ERR_CONFIG, d, "Admin Role regex must be "
			    "anchored (start with ^/kbs and end with $)");
	}
	c->nacls = i;
	return CCAKIT_OK;
}

static int
storage_backend(ccakit_toml_value *root, struct kbs_config *c,
    struct ccakit_errdetail *d)
{
	ccakit_toml_value *s, *b;
	int r;

	if (has(root, "session_storage_type"))
		REQ(storage_type(root, "session_storage_type",
		    &c->session_storage, d));
	if ((r = ccakit_toml_get_table(root, "storage_backend", &s, d)) ==
	    CCAKIT_ERR_NOT_FOUND)
		return CCAKIT_OK;
	REQ(r);
	c->storage_type = KBS_STORE_MEMORY;     /* Trustee's default */
	if (has(s, "storage_type"))
		REQ(storage_type(s, "storage_type", &c->storage_type, d));
	if ((r = ccakit_toml_get_table(s, "backends", &b, d)) ==
	    CCAKIT_ERR_NOT_FOUND)
		return CCAKIT_OK;
	REQ(r);
	OPT(ccakit_toml_get_string(b, "local_fs.dir_path", &c->localfs_dir,
	    d));
	if (has(b, "local_fs"))
		REQ(ccakit_toml_get_table(b, "local_fs", &s, d));
	OPT(ccakit_toml_get_string(b, "local_json.file_dir_path",
	    &c->localjson_dir, d));
	if (has(b, "local_json"))
		REQ(ccakit_toml_get_table(b, "local_json", &s, d));
	if (has(b, "postgres")) {
		REQ(ccakit_toml_get_table(b, "postgres", &s, d));
		OPT(ccakit_toml_get_string(s, "db", &c->pg_db, d));
		OPT(ccakit_toml_get_string(s, "username", &c->pg_user, d));
		OPT(ccakit_toml_get_string(s, "password", &c->pg_password, d));
		OPT(ccakit_toml_get_int_range(s, "port", 1, 65535, &c->pg_port,
		    d));
		OPT(ccakit_toml_get_string(s, "host", &c->pg_host, d));
	}
	if (has(b, "redis")) {
		const char *url;

		/* Read (it is Trustee's key), but Redis is not served. */
		REQ(ccakit_toml_get_table(b, "redis", &s, d));
		OPT(ccakit_toml_get_string(s, "url", &url, d));
	}
	if (has(b, "sqlite")) {
		REQ(ccakit_toml_get_table(b, "sqlite", &s, d));
		OPT(ccakit_toml_get_string(s, "path", &c->sqlite_path, d));
	}
	return CCAKIT_OK;
}

static int
plugins(ccakit_toml_value *root, struct kbs_config *c,
    struct ccakit_errdetail *d)
{
	ccakit_toml_value *a, *e;
	size_t i;
	int r;

	if ((r = ccakit_toml_get_array(root, "plugins", &a, d)) ==
	    CCAKIT_ERR_NOT_FOUND)
		return CCAKIT_OK;
	REQ(r);
	if (ccakit_toml_array_len(a) > KBS_MAX_PLUGINS)
		return ccakit_toml_error(a, CCAKIT_ERR_CONFIG, d,
		    "at most %d plugins", KBS_MAX_PLUGINS);
	for (i = 0; i < ccakit_toml_array_len(a); i++) {
		e = ccakit_toml_array_at(a, i);
		if (ccakit_toml_type(e) != CCAKIT_TOML_TABLE)
			return ccakit_toml_error(e, CCAKIT_ERR_CONFIG, d,
			    "expected a table");
		REQ(ccakit_toml_get_string(e, "name", &c->plugins[i].name, d));
		c->plugins[i].table = e;
	}
	c->nplugins = i;
	return CCAKIT_OK;
}

static void
defaults(struct kbs_config *c, const char *path)
{
	memset(c, 0, sizeof(*c));
	c->path = path;
	c->payload_request_size = 2;
	c->tls_profile = "intermediate";
	c->session_timeout_min = 5;
	c->duration_min = 5;
	c->issuer_name = "CoCo-Attestation-Service";
	c->developer_name = "https://confidentialcontainers.org";
	c->build_name = "attestation-service 0.1.0";
	c->profile_name = "tag:github.com,2024:confidential-containers/Trustee";
	c->verbose_token = true;
	c->pg_db = "postgres";
	c->pg_user = "postgres";
	c->pg_host = "localhost";
	c->pg_port = 5432;
	c->localfs_dir = "/opt/confidential-containers/storage/local_fs";
	c->localjson_dir = "/opt/confidential-containers/storage/local_json";
}

/* Read every section of a parsed document into c. */
static int
load(ccakit_toml *doc, struct kbs_config *c, struct ccakit_errdetail *d)
{
	ccakit_toml_value *root = ccakit_toml_root(doc);
	int r;

	if ((r = http_server(root, c, d)) == CCAKIT_OK &&
	    (r = attestation_token(root, c, d)) == CCAKIT_OK &&
	    (r = attestation_service(root, c, d)) == CCAKIT_OK &&
	    (r = admin(root, c, d)) == CCAKIT_OK &&
	    (r = storage_backend(root, c, d)) == CCAKIT_OK)
		r = plugins(root, c, d);
	return r;
}

int
kbs_config_load(const char *path, struct kbs_config *c, ccakit_toml **docp,
    struct ccakit_errdetail *d)
{
	ccakit_toml *doc;
	int r;

	defaults(c, path);
	*docp = NULL;
	if ((doc = ccakit_toml_new()) == NULL)
		return CCAKIT_ERR_NOMEM;
	if ((r = ccakit_toml_parse_file(doc, path, NULL, d)) != CCAKIT_OK ||
	    (r = load(doc, c, d)) != CCAKIT_OK) {
		ccakit_toml_free(&doc);
		return r;
	}
	*docp = doc;
	return CCAKIT_OK;
}

int
kbs_config_parse(const char *text, size_t len, const char *name,
    struct kbs_config *c, ccakit_toml **docp, struct ccakit_errdetail *d)
{
	ccakit_toml *doc;
	int r;

	defaults(c, name);
	*docp = NULL;
	if ((doc = ccakit_toml_new()) == NULL)
		return CCAKIT_ERR_NOMEM;
	if ((r = ccakit_toml_parse(doc, text, len, name, NULL, d)) !=
	    CCAKIT_OK || (r = load(doc, c, d)) != CCAKIT_OK) {
		ccakit_toml_free(&doc);
		return r;
	}
	*docp = doc;
	return CCAKIT_OK;
}

int
kbs_config_check_unused(ccakit_toml *doc, struct ccakit_errdetail *d)
{
	return ccakit_toml_check_unused(ccakit_toml_root(doc), NULL, d);
}

/* --- TLS: Trustee's OpenSSL settings as GnuTLS priorities --- */

/* OpenSSL and IANA names of the AEAD suites, as GnuTLS tokens. */
static const struct {
	const char *name;
	const char *kx;                 /* NULL: TLS 1.3 (any) */
	const char *cipher;
} suites[] = {
	{ "TLS_AES_128_GCM_SHA256", NULL, "AES-128-GCM" },
	{ "TLS_AES_256_GCM_SHA384", NULL, "AES-256-GCM" },
	{ "TLS_CHACHA20_POLY1305_SHA256", NULL, "CHACHA20-POLY1305" },
	{ "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA", "AES-128-GCM" },
	{ "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA", "AES-128-GCM" },
	{ "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA", "AES-256-GCM" },
	{ "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA", "AES-256-GCM" },
	{ "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-ECDSA",
	    "CHACHA20-POLY1305" },
	{ "ECDHE-RSA-CHACHA20-POLY1305", "ECDHE-RSA", "CHACHA20-POLY1305" },
	{ "DHE-RSA-AES128-GCM-SHA256", "DHE-RSA", "AES-128-GCM" },
	{ "DHE-RSA-AES256-GCM-SHA384", "DHE-RSA", "AES-256-GCM" },
	{ "DHE-RSA-CHACHA20-POLY1305", "DHE-RSA", "CHACHA20-POLY1305" },
};

static const struct {
	const char *name;
	const char *group;
} groups[] = {
	{ "X25519", "GROUP-X25519" }, { "x25519", "GROUP-X25519" },
	{ "X448", "GROUP-X448" }, { "x448", "GROUP-X448" },
	{ "secp256r1", "GROUP-SECP256R1" }, { "P-256", "GROUP-SECP256R1" },
	{ "prime256v1", "GROUP-SECP256R1" },
	{ "secp384r1", "GROUP-SECP384R1" }, { "P-384", "GROUP-SECP384R1" },
	{ "secp521r1", "GROUP-SECP521R1" }, { "P-521", "GROUP-SECP521R1" },
	{ "ffdhe2048", "GROUP-FFDHE2048" }, { "ffdhe3072", "GROUP-FFDHE3072" },
	{ "ffdhe4096", "GROUP-FFDHE4096" },
};

static bool
append(char *out, size_t outsz, const char *s)
{
	size_t n = strlen(out);

	if (n + strlen(s) + 2 > outsz)
		return false;
	if (n > 0)
		out[n++] = ':';
	strcpy(out + n, s);
	return true;
}

/* Unless present already. */
static bool
append_once(char *out, size_t outsz, const char *s)
{
	char tok[64];

	snprintf(tok, sizeof(tok), "%s", s);
	if (strstr(out, tok) != NULL)
		return true;
	return append(out, outsz, s);
}

int
kbs_config_tls_priorities(const struct kbs_config *c, char *out,
    size_t outsz, char *err, size_t errsz)
{
	const char *min = c->tls_min_version, *max = c->tls_max_version;
	char list[1024], *tok, *save, ciph[512] = "", kx[256] = "";
	char grp[512] = "";
	size_t i;

	out[0] = '\0';
	if (strcmp(c->tls_profile, "modern") == 0 && min == NULL)
		min = "1.3";
	if (min == NULL && max == NULL && c->tls_ciphers == NULL &&
	    c->tls_groups == NULL)
		return 1;       /* the layer's default: 1.2 and 1.3, AEAD */
	if (c->tls_ciphers != NULL) {
		snprintf(list, sizeof(list), "%s", c->tls_ciphers);
		for (tok = strtok_r(list, ":,", &save); tok != NULL;
		    tok = strtok_r(NULL, ":,", &save)) {
			for (i = 0; i < sizeof(suites) / sizeof(suites[0]);
			    i++)
				if (strcmp(tok, suites[i].name) == 0)
					break;
			if (i == sizeof(suites) / sizeof(suites[0])) {
				snprintf(err, errsz, "tls_ciphers: '%s' is not "
				    "an AEAD suite this server can map to "
				    "GnuTLS (see docs/kbs.md)", tok);
				return -1;
			}
			if (!append_once(ciph, sizeof(ciph), suites[i].cipher))
				goto toolong;
			if (suites[i].kx != NULL && !append_once(kx,
			    sizeof(kx), suites[i].kx))
				goto toolong;
		}
	} else {
		snprintf(ciph, sizeof(ciph), "AES-256-GCM:CHACHA20-POLY1305:"
		    "AES-128-GCM");
	}
	if (kx[0] == '\0')
		snprintf(kx, sizeof(kx), "ECDHE-ECDSA:ECDHE-RSA");
	if (c->tls_groups != NULL) {
		snprintf(list, sizeof(list), "%s", c->tls_groups);
		for (tok = strtok_r(list, ":,", &save); tok != NULL;
		    tok = strtok_r(NULL, ":,", &save)) {
			for (i = 0; i < sizeof(groups) / sizeof(groups[0]);
			    i++)
				if (strcmp(tok, groups[i].name) == 0)
					break;
			if (i == sizeof(groups) / sizeof(groups[0])) {
				snprintf(err, errsz, "tls_groups: '%s' is not "
				    "a group this server has (GnuTLS 3.7: no "
				    "post-quantum hybrids)", tok);
				return -1;
			}
			if (!append_once(grp, sizeof(grp), groups[i].group))
				goto toolong;
		}
	} else {
		snprintf(grp, sizeof(grp), "GROUP-X25519:GROUP-SECP256R1:"
		    "GROUP-SECP384R1:GROUP-SECP521R1");
	}
	snprintf(out, outsz, "NONE");
	if ((max == NULL || strcmp(max, "1.3") == 0) &&
	    !append(out, outsz, "+VERS-TLS1.3"))
		goto toolong;
	if ((min == NULL || strcmp(min, "1.2") == 0) &&
	    !append(out, outsz, "+VERS-TLS1.2"))
		goto toolong;
	/* +TOKEN for each list. */
#define PLUS(lst) do { \
		snprintf(list, sizeof(list), "%s", lst); \
		for (tok = strtok_r(list, ":", &save); tok != NULL; \
		    tok = strtok_r(NULL, ":", &save)) { \
			char t_[80]; \
			snprintf(t_, sizeof(t_), "+%s", tok); \
			if (!append(out, outsz, t_)) \
				goto toolong; \
		} \
	} while (0)
	PLUS(kx);
	PLUS(ciph);
	PLUS(grp);
#undef PLUS
	if (!append(out, outsz, "+AEAD:+SIGN-ALL:-SIGN-RSA-SHA1:"
	    "-SIGN-ECDSA-SHA1:-SIGN-DSA-SHA1:+COMP-NULL:+CTYPE-X509:"
	    "%SERVER_PRECEDENCE"))
		goto toolong;
	return 0;
toolong:
	snprintf(err, errsz, "TLS settings too long");
	return -1;
}
