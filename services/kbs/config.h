/*
 * kbs: Trustee's TOML configuration file (docs/kbs.md, "Configuration").
 * Its own module (kbs_config) so that the fuzz harness reads it alone.
 */
#ifndef KBS_CONFIG_H
#define KBS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/err.h>
#include <ccakit/toml.h>

#define KBS_PROG                "kbs"
#define KBS_DEFAULT_SOCKET      "127.0.0.1:8080"
#define KBS_MAX_SOCKETS         8
#define KBS_MAX_PATHS           32      /* entries of a path list */
#define KBS_MAX_PLUGINS         16
#define KBS_MAX_IDPS            16
#define KBS_MAX_ACLS            64

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
/* The same from text in memory; name names it in errors (and is kept
 * as conf->path). */
int kbs_config_parse(const char *text, size_t len, const char *name,
    struct kbs_config *conf, ccakit_toml **doc, struct ccakit_errdetail *d);
int kbs_config_check_unused(ccakit_toml *doc, struct ccakit_errdetail *d);
/* The GnuTLS priority string for the TLS keys (NULL: the layer's
 * default); err says why a combination cannot be served. */
int kbs_config_tls_priorities(const struct kbs_config *c, char *out,
    size_t outsz, char *err, size_t errsz);

#endif /* KBS_CONFIG_H */
