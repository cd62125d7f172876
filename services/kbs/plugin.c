/*
 * Plugins: the registry, the configured instances, and the plugins
 * resource and sample (plugin.h has the interface; nebula-ca,
 * provisioner and pkcs11 have files of their own).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/bytes.h>

#include "kbs.h"

static const struct kbs_plugin_ops *const registry[] = {
	&kbs_plugin_resource,
	&kbs_plugin_sample,
	&kbs_plugin_nebula_ca,
	&kbs_plugin_provisioner,
	&kbs_plugin_pkcs11,
};

/* Trustee's plugins that this KBS does not have. */
static const char *const reserved[] = {
	"external",
};

const char *
kbs_plugin_query(const struct kbs_plugin_req *r, const char *key)
{
	const char *v = NULL;
	size_t i;

	for (i = 0; i < r->nquery; i++)
		if (strcmp(r->query[i].key, key) == 0)
			v = r->query[i].value;
	return v;
}

int
kbs_plugins_init(struct kbs *k, struct kbs_plugins **out,
    struct ccakit_errdetail *d)
{
	const struct kbs_config *c = &k->conf;
	struct kbs_plugins *ps;
	const struct kbs_plugin_ops *ops;
	size_t i, j;
	int r;

	if ((ps = calloc(1, sizeof(*ps))) == NULL)
		return CCAKIT_ERR_NOMEM;
	for (i = 0; i < c->nplugins; i++) {
		const char *name = c->plugins[i].name;
		ccakit_toml_value *t = c->plugins[i].table;

		for (j = 0, ops = NULL; j < sizeof(registry) /
		    sizeof(registry[0]); j++)
			if (strcmp(registry[j]->name, name) == 0)
				ops = registry[j];
		if (ops == NULL) {
			for (j = 0; j < sizeof(reserved) / sizeof(reserved[0]);
			    j++)
				if (strcmp(reserved[j], name) == 0)
					break;
			r = ccakit_toml_error(ccakit_toml_lookup(t, "name"),
			    CCAKIT_ERR_CONFIG, d, j < sizeof(reserved) /
			    sizeof(reserved[0]) ? "the %s plugin (gRPC "
			    "backends) is not supported" : "unknown plugin "
			    "'%s' (resource, sample, nebula-ca, provisioner, "
			    "pkcs11)", name);
			goto fail;
		}
		for (j = 0; j < ps->n; j++)
			if (ps->p[j].ops == ops) {
				r = ccakit_toml_error(t, CCAKIT_ERR_CONFIG, d,
				    "plugin %s configured twice", name);
				goto fail;
			}
		ps->p[ps->n].ops = ops;
		if ((r = ops->init(k, t, &ps->p[ps->n].self, d)) != CCAKIT_OK)
			goto fail;
		ps->n++;
	}
	*out = ps;
	return CCAKIT_OK;
fail:
	kbs_plugins_free(&ps);
	return r;
}

void
kbs_plugins_free(struct kbs_plugins **pp)
{
	struct kbs_plugins *ps;
	size_t i;

	if (pp == NULL || (ps = *pp) == NULL)
		return;
	for (i = 0; i < ps->n; i++)
		if (ps->p[i].ops->free != NULL)
			ps->p[i].ops->free(ps->p[i].self);
	free(ps);
	*pp = NULL;
}

const struct kbs_plugin *
kbs_plugins_get(const struct kbs_plugins *ps, const char *name)
{
	size_t i;

	for (i = 0; ps != NULL && i < ps->n; i++)
		if (strcmp(ps->p[i].ops->name, name) == 0)
			return &ps->p[i];
	return NULL;
}

/* --- resource: secrets under repository/type/tag --- */

static int
resource_init(struct kbs *k, ccakit_toml_value *t, void **self,
    struct ccakit_errdetail *d)
{
	const char *type = "kvstorage";
	int r;

	(void)k;
	r = ccakit_toml_get_string(t, "storage_backend_type", &type, d);
	if (r != CCAKIT_OK && r != CCAKIT_ERR_NOT_FOUND)
		return r;
	if (strcmp(type, "kvstorage") != 0 && strcmp(type, "KvStorage") != 0)
		return ccakit_toml_error(ccakit_toml_lookup(t,
		    "storage_backend_type"), CCAKIT_ERR_CONFIG, d, "'%s': "
		    "only kvstorage (the [storage_backend]) is in this build "
		    "(no Vault, AWS, GCP or Aliyun)", type);
	*self = NULL;
	return CCAKIT_OK;
}

static bool
resource_admin(void *self, const struct kbs_plugin_req *r)
{
	(void)self;
	return strcmp(r->method, "POST") == 0 ||
	    strcmp(r->method, "DELETE") == 0;
}

static bool
resource_encrypted(void *self, const struct kbs_plugin_req *r)
{
	(void)self;
	return strcmp(r->method, "GET") == 0;
}

static int
resource_handle(void *self, struct kbs *k, const struct kbs_plugin_req *r,
    struct kbs_plugin_out *out, char *why, size_t whysz)
{
	struct ccakit_errdetail d;
	struct kbs_val v;
	char key[STATE_KEY_MAX + 1];
	kbs_kv *kv = kbs_store_ns(k->store, KBS_NS_REPOSITORY);
	int rc;

	(void)self;
	memset(&d, 0, sizeof(d));
	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "POST") != 0 &&
	    strcmp(r->method, "DELETE") != 0) {
		snprintf(why, whysz, "Illegal HTTP method. Only supports `GET`, "
		    "`POST` and `DELETE`");
		return CCAKIT_ERR_INVALID_ARG;
	}
	if (r->npath != 3 || state_kbs_resource_key(r->path[0], r->path[1],
	    r->path[2], key, sizeof(key)) != CCAKIT_OK) {
		snprintf(why, whysz, "illegal ResourceDesc format.");
		return CCAKIT_ERR_INVALID_ARG;
	}
	if (strcmp(r->method, "GET") == 0) {
		memset(&v, 0, sizeof(v));
		if ((rc = kbs_kv_get(kv, KBS_NS_REPOSITORY, key, &v, &d)) !=
		    CCAKIT_OK) {
			snprintf(why, whysz, "%s", rc == CCAKIT_ERR_NOT_FOUND ?
			    "resource not found" : d.text);
			return rc;
		}
		kbs_count_resource(KBS_RES_READ, key);
		out->body = v.p;
		out->len = v.len;
		return CCAKIT_OK;
	}
	if (strcmp(r->method, "POST") == 0) {
		if ((rc = kbs_kv_set(kv, KBS_NS_REPOSITORY, key, r->body,
		    r->body_len, 0, true, NULL, &d)) != CCAKIT_OK) {
			snprintf(why, whysz, "%s", d.text);
			return rc;
		}
		kbs_count_resource(KBS_RES_WRITE, key);
		return CCAKIT_OK;
	}
	if ((rc = kbs_kv_delete(kv, KBS_NS_REPOSITORY, key, &d)) !=
	    CCAKIT_OK) {
		snprintf(why, whysz, "%s", rc == CCAKIT_ERR_NOT_FOUND ?
		    "resource not found" : d.text);
		return rc;
	}
	kbs_count_resource(KBS_RES_DELETE, key);
	return CCAKIT_OK;
}

const struct kbs_plugin_ops kbs_plugin_resource = {
	"resource", resource_init, NULL, resource_admin, resource_encrypted,
	resource_handle,
};

/* --- sample: admin-only, a fixed reply --- */

static int
sample_init(struct kbs *k, ccakit_toml_value *t, void **self,
    struct ccakit_errdetail *d)
{
	const char *item;
	int r;

	(void)k;
	if ((r = ccakit_toml_get_string(t, "item", &item, d)) ==
	    CCAKIT_ERR_NOT_FOUND)
		return ccakit_toml_error(t, CCAKIT_ERR_CONFIG, d, "the sample "
		    "plugin needs item = \"...\"");
	*self = NULL;
	return r;
}

static bool
sample_admin(void *self, const struct kbs_plugin_req *r)
{
	(void)self;
	(void)r;
	return true;
}

static bool
sample_encrypted(void *self, const struct kbs_plugin_req *r)
{
	(void)self;
	(void)r;
	return false;
}

static int
sample_handle(void *self, struct kbs *k, const struct kbs_plugin_req *r,
    struct kbs_plugin_out *out, char *why, size_t whysz)
{
	static const char reply[] = "sample plugin response";

	(void)self;
	(void)k;
	(void)r;
	(void)why;
	(void)whysz;
	if ((out->body = malloc(sizeof(reply))) == NULL)
		return CCAKIT_ERR_NOMEM;
	memcpy(out->body, reply, sizeof(reply));
	out->len = sizeof(reply) - 1;
	return CCAKIT_OK;
}

const struct kbs_plugin_ops kbs_plugin_sample = {
	"sample", sample_init, NULL, sample_admin, sample_encrypted,
	sample_handle,
};
