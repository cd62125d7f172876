/*
 * The provisioner plugin (Trustee's kbs/src/plugins/implementations/
 * provisioner at 78962cd; addendum §8.2): a LUKS key per VM, kept in the
 * storage namespace "provisioner".
 *
 *   [[plugins]]
 *   name = "provisioner"
 *   key_length = 32                    (characters, [A-Za-z0-9])
 *
 *   POST   provisioner/provision            admin; {"vm_name":...,
 *          ["namespace":"default"]}: the key of UUIDv5(feab5599-...,
 *          "<namespace>/<vm_name>") made once, as confidential-data
 *          TOML under default/<uuid>/root; replies {"uuid","resource_path"}
 *   DELETE provisioner/provision/<uuid>     admin; {"status":"deleted"}
 *   GET    provisioner/default/<uuid>/root  attested, JWE; only when the
 *          token's init-data claims bind it: "trustee.kbs.resource" =
 *          "kbs+provisioner:///default/<uuid>/root"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <ccakit/bytes.h>

#include "kbs.h"

#define PROV_KEY_MAX    4096
#define PROV_BODY_MAX   (64 * 1024)

/* Trustee's PROVISIONER_NAMESPACE. */
static const uint8_t prov_ns[16] = {
	0xfe, 0xab, 0x55, 0x99, 0x68, 0x54, 0x52, 0xbc,
	0x95, 0xf0, 0x02, 0x41, 0xc0, 0x3e, 0x62, 0x0a,
};

struct provisioner {
	size_t key_length;
};

static int
prov_init(struct kbs *k, ccakit_toml_value *t, void **self,
    struct ccakit_errdetail *d)
{
	struct provisioner *p;
	int64_t n = 32;
	int r;

	(void)k;
	if ((r = ccakit_toml_get_int_range(t, "key_length", 1, PROV_KEY_MAX,
	    &n, d)) != CCAKIT_OK && r != CCAKIT_ERR_NOT_FOUND)
		return r;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return CCAKIT_ERR_NOMEM;
	p->key_length = (size_t)n;
	*self = p;
	return CCAKIT_OK;
}

static void
prov_free(void *self)
{
	free(self);
}

static bool
prov_admin(void *self, const struct kbs_plugin_req *r)
{
	(void)self;
	return strcmp(r->method, "GET") != 0;
}

static bool
prov_encrypted(void *self, const struct kbs_plugin_req *r)
{
	(void)self;
	return strcmp(r->method, "GET") == 0;
}

/* RFC 9562 UUIDv5 of name in Trustee's namespace, lower-case text. */
int
kbs_provisioner_uuid(const char *name, size_t len, char out[37])
{
	static const char hex[] = "0123456789abcdef";
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned hl = 0;
	size_t i, o = 0;

	if (c == NULL || EVP_DigestInit_ex(c, EVP_sha1(), NULL) != 1 ||
	    EVP_DigestUpdate(c, prov_ns, sizeof(prov_ns)) != 1 ||
	    EVP_DigestUpdate(c, name, len) != 1 ||
	    EVP_DigestFinal_ex(c, h, &hl) != 1 || hl < 16) {
		EVP_MD_CTX_free(c);
		return CCAKIT_ERR_CRYPTO;
	}
	EVP_MD_CTX_free(c);
	h[6] = (uint8_t)((h[6] & 0x0f) | 0x50);         /* version 5 */
	h[8] = (uint8_t)((h[8] & 0x3f) | 0x80);         /* RFC variant */
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[h[i] >> 4];
		out[o++] = hex[h[i] & 15];
	}
	out[o] = '\0';
	return CCAKIT_OK;
}

/* n characters of [A-Za-z0-9], uniform (rejection sampling). */
static int
random_key(char *out, size_t n)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789";
	uint8_t b[64];
	size_t i = 0, j;

	while (i < n) {
		if (RAND_bytes(b, sizeof(b)) != 1)
			return CCAKIT_ERR_CRYPTO;
		for (j = 0; j < sizeof(b) && i < n; j++)
			if (b[j] < 248)         /* 62 * 4 */
				out[i++] = abc[b[j] % 62];
	}
	out[n] = '\0';
	ccakit_wipe(b, sizeof(b));
	return CCAKIT_OK;
}

static int
reply_json(struct kbs_plugin_out *out, json_t *j)
{
	char *s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	if (s == NULL)
		return CCAKIT_ERR_NOMEM;
	out->body = (uint8_t *)s;
	out->len = strlen(s);
	return CCAKIT_OK;
}

static int
provision(struct provisioner *p, struct kbs *k, const struct kbs_plugin_req *r,
    struct kbs_plugin_out *out, char *why, size_t whysz)
{
	struct ccakit_errdetail d;
	const char *vm, *ns = "default";
	char ident[600], uuid[37], path[64], *key = NULL, *toml = NULL;
	kbs_kv *kv = kbs_store_ns(k->store, KBS_NS_PROVISIONER);
	struct kbs_val v;
	json_error_t je;
	json_t *body, *m;
	size_t tl;
	int rc;

	memset(&d, 0, sizeof(d));
	if (r->body_len > PROV_BODY_MAX || (body = json_loadb(
	    (const char *)r->body, r->body_len, JSON_REJECT_DUPLICATES, &je)) ==
	    NULL || !json_is_object(body)) {
		snprintf(why, whysz, "invalid JSON body");
		return CCAKIT_ERR_JSON;
	}
	if (!json_is_string(m = json_object_get(body, "vm_name"))) {
		json_decref(body);
		snprintf(why, whysz, "invalid JSON body: vm_name");
		return CCAKIT_ERR_JSON;
	}
	vm = json_string_value(m);
	if ((m = json_object_get(body, "namespace")) != NULL) {
		if (!json_is_string(m)) {
			json_decref(body);
			snprintf(why, whysz, "invalid JSON body: namespace");
			return CCAKIT_ERR_JSON;
		}
		ns = json_string_value(m);
	}
	if ((size_t)snprintf(ident, sizeof(ident), "%s/%s", ns, vm) >=
	    sizeof(ident)) {
		json_decref(body);
		snprintf(why, whysz, "vm_name and namespace too long");
		return CCAKIT_ERR_TOO_LARGE;
	}
	json_decref(body);
	if ((rc = kbs_provisioner_uuid(ident, strlen(ident), uuid)) !=
	    CCAKIT_OK)
		return rc;
	snprintf(path, sizeof(path), "default/%s/root", uuid);
	/* Made once: an existing key is kept and the same answer given. */
	memset(&v, 0, sizeof(v));
	if ((rc = kbs_kv_get(kv, KBS_NS_PROVISIONER, path, &v, &d)) ==
	    CCAKIT_OK) {
		kbs_val_clear(&v);
	} else if (rc == CCAKIT_ERR_NOT_FOUND) {
		tl = p->key_length + 96;
		if ((key = malloc(p->key_length + 1)) == NULL ||
		    (toml = malloc(tl)) == NULL) {
			free(key);
			return CCAKIT_ERR_NOMEM;
		}
		if ((rc = random_key(key, p->key_length)) == CCAKIT_OK) {
			snprintf(toml, tl, "version = \"0.1.0\"\n\n[data]\n"
			    "\"io.cryptsetup.key.text.root\" = \"%s\"\n", key);
			rc = kbs_kv_set(kv, KBS_NS_PROVISIONER, path, toml,
			    strlen(toml), 0, false, NULL, &d);
		}
		ccakit_wipe(key, p->key_length);
		ccakit_wipe(toml, tl);
		free(key);
		free(toml);
		if (rc != CCAKIT_OK) {
			snprintf(why, whysz, "failed to write resource: %s",
			    d.text);
			return rc;
		}
	} else {
		snprintf(why, whysz, "%s", d.text);
		return rc;
	}
	return reply_json(out, json_pack("{s:s, s:s}", "uuid", uuid,
	    "resource_path", path));
}

static int
prov_handle(void *self, struct kbs *k, const struct kbs_plugin_req *r,
    struct kbs_plugin_out *out, char *why, size_t whysz)
{
	struct provisioner *p = self;
	struct ccakit_errdetail d;
	kbs_kv *kv = kbs_store_ns(k->store, KBS_NS_PROVISIONER);
	char key[STATE_KEY_MAX + 1], want[STATE_KEY_MAX + 32];
	const char *first = r->npath > 0 ? r->path[0] : NULL, *bound;
	struct kbs_val v;
	size_t i, n = 0;
	int rc;

	memset(&d, 0, sizeof(d));
	if (strcmp(r->method, "POST") == 0 && first != NULL &&
	    strcmp(first, "provision") == 0)
		return provision(p, k, r, out, why, whysz);
	if (strcmp(r->method, "DELETE") == 0 && first != NULL &&
	    strcmp(first, "provision") == 0) {
		if (r->npath < 2) {
			snprintf(why, whysz, "missing uuid in path");
			return CCAKIT_ERR_INVALID_ARG;
		}
		if ((size_t)snprintf(key, sizeof(key), "default/%s/root",
		    r->path[1]) < sizeof(key) && kbs_kv_key_valid(key))
			(void)kbs_kv_delete(kv, KBS_NS_PROVISIONER, key, &d);
		return reply_json(out, json_pack("{s:s}", "status",
		    "deleted"));
	}
	if (strcmp(r->method, "GET") != 0) {
		snprintf(why, whysz, "unsupported: %s /kbs/v0/provisioner/...",
		    r->method);
		return CCAKIT_ERR_INVALID_ARG;
	}
	/* The resource key: the path joined with '/'. */
	for (i = 0; i < r->npath; i++) {
		if (n + strlen(r->path[i]) + 2 > sizeof(key)) {
			snprintf(why, whysz, "path too long");
			return CCAKIT_ERR_INVALID_ARG;
		}
		n += (size_t)snprintf(key + n, sizeof(key) - n, "%s%s",
		    i > 0 ? "/" : "", r->path[i]);
	}
	key[n] = '\0';
	if (r->init_data_claims == NULL) {
		snprintf(why, whysz, "provisioner requires init_data for "
		    "resource access");
		return CCAKIT_ERR_POLICY;
	}
	if ((bound = json_string_value(json_object_get(r->init_data_claims,
	    "trustee.kbs.resource"))) == NULL) {
		snprintf(why, whysz, "init_data missing trustee.kbs.resource");
		return CCAKIT_ERR_POLICY;
	}
	snprintf(want, sizeof(want), "kbs+provisioner:///%s", key);
	if (strcmp(bound, want) != 0) {
		snprintf(why, whysz, "init_data resource mismatch: expected "
		    "%s, got %.200s", want, bound);
		return CCAKIT_ERR_POLICY;
	}
	if (!kbs_kv_key_valid(key)) {
		snprintf(why, whysz, "provisioner resource not found: %s", key);
		return CCAKIT_ERR_NOT_FOUND;
	}
	memset(&v, 0, sizeof(v));
	if ((rc = kbs_kv_get(kv, KBS_NS_PROVISIONER, key, &v, &d)) !=
	    CCAKIT_OK) {
		snprintf(why, whysz, "%s", rc == CCAKIT_ERR_NOT_FOUND ?
		    "provisioner resource not found" : d.text);
		return rc;
	}
	out->body = v.p;
	out->len = v.len;
	return CCAKIT_OK;
}

const struct kbs_plugin_ops kbs_plugin_provisioner = {
	"provisioner", prov_init, prov_free, prov_admin, prov_encrypted,
	prov_handle,
};
