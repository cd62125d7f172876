/*
 * The KBS plugin interface: what `/kbs/v0/<plugin>/...` reaches, as
 * Trustee's ClientPlugin has it (docs/kbs.md, "Plugins").
 *
 * A plugin is a table of functions and a name. `[[plugins]] name = "x"`
 * in the configuration makes an instance: init() reads the plugin's own
 * keys from its table (the unknown-key check afterwards refuses the
 * rest). For each request the server asks:
 *
 *  1. admin(): does this call need admin authorisation (Trustee's
 *     validate_auth)? Then the admin check runs and handle() gets no
 *     init-data claims; its output goes back as it is (200, text/xml).
 *  2. Otherwise the caller must hold an attestation token (the session
 *     cookie or a Bearer token), which is verified, and the resource
 *     policy (data.plugin = the plugin's name) must allow the call.
 *     handle() then gets the token's init-data claims, and when
 *     encrypted() says so, its output is returned as a JWE to the TEE
 *     key in the token (200, application/json), else as it is.
 *
 * Every plugin error is Trustee's PluginInternalError (401) with the
 * reason in the log only. Functions run on the server's pool threads,
 * concurrently: a plugin guards its own state.
 *
 * The plugins of this build: resource, sample, nebula-ca, provisioner,
 * pkcs11. The configuration refuses Trustee's external plugin.
 */
#ifndef KBS_PLUGIN_H
#define KBS_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <ccakit/err.h>
#include <ccakit/toml.h>

struct kbs;

#define KBS_PLUGIN_MAX_SEGMENTS 64
#define KBS_PLUGIN_MAX_QUERY    64

/* A query argument; for a repeated key the last one counts (Trustee's
 * HashMap), kbs_plugin_query() finds it. */
struct kbs_query_arg {
	const char *key;
	const char *value;
};

struct kbs_plugin_req {
	const char *method;             /* "GET", "POST", "PUT", "DELETE" */
	const char *const *path;        /* segments after the plugin's name,
					   empty ones kept */
	size_t npath;
	const struct kbs_query_arg *query;
	size_t nquery;
	const uint8_t *body;
	size_t body_len;
	/* The token's /submods/cpu0/ear.veraison.annotated-evidence/
	 * init_data_claims, NULL on the admin path or when absent. */
	const json_t *init_data_claims;
};

/* A plugin's output: malloc'd (wiped and freed by the server). */
struct kbs_plugin_out {
	uint8_t *body;
	size_t len;
	const char *content_type;       /* NULL: Trustee's defaults */
};

struct kbs_plugin_ops {
	const char *name;
	/* Read the plugin's keys from its [[plugins]] table. */
	int (*init)(struct kbs *k, ccakit_toml_value *table, void **self,
	    struct ccakit_errdetail *d);
	void (*free)(void *self);
	/* Trustee's validate_auth: true when admin authorisation applies. */
	bool (*admin)(void *self, const struct kbs_plugin_req *r);
	/* Trustee's encrypted: true for a JWE reply. */
	bool (*encrypted)(void *self, const struct kbs_plugin_req *r);
	/* The work. why gets the reason of a failure (logged only). */
	int (*handle)(void *self, struct kbs *k,
	    const struct kbs_plugin_req *r, struct kbs_plugin_out *out,
	    char *why, size_t whysz);
};

struct kbs_plugin {
	const struct kbs_plugin_ops *ops;
	void *self;
};

struct kbs_plugins {
	struct kbs_plugin p[16];
	size_t n;
};

/* The value of a query key (the last one), or NULL. */
const char *kbs_plugin_query(const struct kbs_plugin_req *r,
    const char *key);

/* Instances of the configured plugins; an unknown or reserved name, a
 * duplicate, or a plugin's bad key is refused (d names file:line). */
int kbs_plugins_init(struct kbs *k, struct kbs_plugins **out,
    struct ccakit_errdetail *d);
void kbs_plugins_free(struct kbs_plugins **pp);
/* The instance named name, or NULL (PluginNotFound). */
const struct kbs_plugin *kbs_plugins_get(const struct kbs_plugins *ps,
    const char *name);

/* The plugins of this build. */
extern const struct kbs_plugin_ops kbs_plugin_resource;
extern const struct kbs_plugin_ops kbs_plugin_sample;
extern const struct kbs_plugin_ops kbs_plugin_nebula_ca;      /* plugin_nebula.c */
extern const struct kbs_plugin_ops kbs_plugin_provisioner;
extern const struct kbs_plugin_ops kbs_plugin_pkcs11;

/* The provisioner's UUIDv5 of "<namespace>/<vm_name>" (lower-case). */
int kbs_provisioner_uuid(const char *name, size_t len, char out[37]);

#endif /* KBS_PLUGIN_H */
