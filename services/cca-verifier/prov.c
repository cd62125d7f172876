/*
 * Provisioning bodies: rust-ccatoken's ta.json and rv.json, as whole
 * stores or single entries. Each entry goes through the store loaders
 * (the one definition of what is valid) and comes back normalised, as
 * `ccatoken golden` writes it; its id is derived from what identifies it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include <ccakit/bytes.h>
#include <ccakit/err.h>
#include <ccakit/store.h>

#include "util/util.h"
#include "vdb.h"

void
vdb_batch_clear(struct vdb_batch *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++)
		free(b->e[i].json);
	free(b->e);
	memset(b, 0, sizeof(*b));
}

/* id = the first 16 bytes of SHA-256(kind || text), in hex. */
static int
make_id(char kind, const char *text, char id[VDB_ENTRY_ID_LEN + 1])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *c;
	int ok;

	if ((c = EVP_MD_CTX_new()) == NULL)
		return CCAKIT_ERR_NOMEM;
	ok = EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(c, &kind, 1) == 1 &&
	    EVP_DigestUpdate(c, text, strlen(text)) == 1 &&
	    EVP_DigestFinal_ex(c, md, &mdlen) == 1 && mdlen >= 16;
	EVP_MD_CTX_free(c);
	if (!ok)
		return CCAKIT_ERR_CRYPTO;
	return ccakit_hex_encode(md, VDB_ENTRY_ID_LEN / 2, id,
	    VDB_ENTRY_ID_LEN + 1);
}

/* Append an entry, replacing one with the same id (the later wins). */
static int
batch_put(struct vdb_batch *b, char kind, const char *id, char *json)
{
	struct vdb_entry *ne;
	size_t i;

	for (i = 0; i < b->n; i++) {
		if (strcmp(b->e[i].id, id) == 0) {
			free(b->e[i].json);
			b->e[i].json = json;
			return CCAKIT_OK;
		}
	}
	if (b->n >= CCAKIT_STORE_MAX_ENTRIES) {
		free(json);
		return CCAKIT_ERR_TOO_LARGE;
	}
	if ((ne = realloc(b->e, (b->n + 1) * sizeof(*ne))) == NULL) {
		free(json);
		return CCAKIT_ERR_NOMEM;
	}
	b->e = ne;
	memset(&b->e[b->n], 0, sizeof(b->e[b->n]));
	memcpy(b->e[b->n].id, id, VDB_ENTRY_ID_LEN + 1);
	b->e[b->n].kind = kind;
	b->e[b->n].json = json;
	b->n++;
	return CCAKIT_OK;
}

/*
 * The first element of member `arr` (NULL: the root is the array) of a
 * store's JSON, compact; malloc'd.
 */
static char *
first_entry(const char *store_json, const char *arr)
{
	json_t *root, *a, *e;
	char *s = NULL;

	if ((root = json_loads(store_json, 0, NULL)) == NULL)
		return NULL;
	a = arr == NULL ? root : json_object_get(root, arr);
	if ((e = json_array_get(a, 0)) != NULL && json_is_object(e))
		s = json_dumps(e, JSON_COMPACT);
	json_decref(root);
	return s;
}

/* Validate and normalise one trust-anchor entry. */
static int
ta_entry(struct vdb_batch *b, const json_t *e, size_t idx,
    struct ccakit_errdetail *d)
{
	ccakit_ta_store *s = NULL;
	struct ccakit_errdetail ed;
	char *in = NULL, *store = NULL, *norm = NULL, *ids = NULL;
	char id[VDB_ENTRY_ID_LEN + 1];
	json_t *n = NULL, *impl, *inst;
	size_t len;
	int r;

	memset(&ed, 0, sizeof(ed));
	if (!json_is_object(e)) {
		r = cki_detail(d, CCAKIT_ERR_JSON, "trust anchor",
		    "entry %zu is not an object", idx);
		goto out;
	}
	if ((in = json_dumps(e, JSON_COMPACT)) == NULL ||
	    (s = ccakit_ta_store_new()) == NULL) {
		r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		goto out;
	}
	len = strlen(in);
	/* The loader takes an array: wrap the entry in place. */
	if ((store = malloc(len + 3)) == NULL) {
		r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		goto out;
	}
	store[0] = '[';
	memcpy(store + 1, in, len);
	memcpy(store + 1 + len, "]", 2);
	if ((r = ccakit_ta_store_load_json(s, store, len + 2, &ed)) !=
	    CCAKIT_OK) {
		r = cki_detail(d, r, "trust anchor", "entry %zu: %s", idx,
		    ed.text[0] != '\0' ? ed.text : ccakit_strerror(r));
		goto out;
	}
	free(store);
	store = NULL;
	if ((r = ccakit_ta_store_to_json(s, &store)) != CCAKIT_OK ||
	    (norm = first_entry(store, NULL)) == NULL ||
	    (n = json_loads(norm, 0, NULL)) == NULL) {
		r = cki_detail(d, r != CCAKIT_OK ? r : CCAKIT_ERR_INTERNAL,
		    NULL, NULL);
		goto out;
	}
	impl = json_object_get(n, "implementation-id");
	inst = json_object_get(n, "instance-id");
	if (!json_is_string(impl) || !json_is_string(inst) ||
	    (ids = malloc(json_string_length(impl) +
	    json_string_length(inst) + 2)) == NULL) {
		r = cki_detail(d, CCAKIT_ERR_INTERNAL, NULL, NULL);
		goto out;
	}
	/* A trust anchor is named by the platform it is for. */
	sprintf(ids, "%s/%s", json_string_value(impl),
	    json_string_value(inst));
	if ((r = make_id('t', ids, id)) != CCAKIT_OK) {
		r = cki_detail(d, r, NULL, NULL);
		goto out;
	}
	r = batch_put(b, 't', id, norm);
	norm = NULL;
	if (r != CCAKIT_OK)
		r = cki_detail(d, r, "trust anchor", "too many entries");
out:
	json_decref(n);
	free(ids);
	free(norm);
	ccakit_free(store);
	free(in);
	ccakit_ta_store_free(&s);
	return r;
}

/* Validate and normalise one reference value ('p' or 'r'). */
static int
rv_entry(struct vdb_batch *b, char kind, const json_t *e, size_t idx,
    struct ccakit_errdetail *d)
{
	const char *arr = kind == 'p' ? "platform" : "realm";
	ccakit_rv_store *s = NULL;
	struct ccakit_errdetail ed;
	char *in = NULL, *norm = NULL, *out_json = NULL;
	char id[VDB_ENTRY_ID_LEN + 1];
	json_t *w = NULL, *a;
	int r;

	memset(&ed, 0, sizeof(ed));
	if (!json_is_object(e)) {
		r = cki_detail(d, CCAKIT_ERR_JSON, arr,
		    "entry %zu is not an object", idx);
		goto out;
	}
	if ((w = json_object()) == NULL || (a = json_array()) == NULL ||
	    json_object_set_new(w, arr, a) != 0 ||
	    json_array_append(a, (json_t *)(uintptr_t)e) != 0 ||
	    (in = json_dumps(w, JSON_COMPACT)) == NULL ||
	    (s = ccakit_rv_store_new()) == NULL) {
		r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		goto out;
	}
	if ((r = ccakit_rv_store_load_json(s, in, strlen(in), &ed)) !=
	    CCAKIT_OK) {
		r = cki_detail(d, r, arr, "entry %zu: %s", idx,
		    ed.text[0] != '\0' ? ed.text : ccakit_strerror(r));
		goto out;
	}
	if ((r = ccakit_rv_store_to_json(s, &out_json)) != CCAKIT_OK ||
	    (norm = first_entry(out_json, arr)) == NULL) {
		r = cki_detail(d, r != CCAKIT_OK ? r : CCAKIT_ERR_INTERNAL,
		    NULL, NULL);
		goto out;
	}
	/* A reference value is named by its whole content. */
	if ((r = make_id(kind, norm, id)) != CCAKIT_OK) {
		r = cki_detail(d, r, NULL, NULL);
		goto out;
	}
	r = batch_put(b, kind, id, norm);
	norm = NULL;
	if (r != CCAKIT_OK)
		r = cki_detail(d, r, arr, "too many entries");
out:
	free(norm);
	ccakit_free(out_json);
	free(in);
	json_decref(w);
	ccakit_rv_store_free(&s);
	return r;
}

static int
rv_array(struct vdb_batch *b, char kind, const json_t *a,
    struct ccakit_errdetail *d)
{
	size_t i;
	int r;

	if (a == NULL || json_is_null(a))
		return CCAKIT_OK;
	if (!json_is_array(a))
		return cki_detail(d, CCAKIT_ERR_JSON, kind == 'p' ?
		    "platform" : "realm", "not an array");
	if (json_array_size(a) > CCAKIT_STORE_MAX_ENTRIES)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, NULL,
		    "too many entries");
	for (i = 0; i < json_array_size(a); i++)
		if ((r = rv_entry(b, kind, json_array_get(a, i), i, d)) !=
		    CCAKIT_OK)
			return r;
	return CCAKIT_OK;
}

int
vdb_batch_parse(enum vdb_class cls, const char *body, size_t len,
    struct vdb_batch *out, struct ccakit_errdetail *d)
{
	struct vdb_batch b;
	json_error_t je;
	json_t *root = NULL;
	size_t i;
	int r = CCAKIT_ERR_INTERNAL;

	memset(&b, 0, sizeof(b));
	b.cls = cls;
	if (cls != VDB_TA && cls != VDB_RV)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (len > CCAKIT_STORE_MAX_JSON)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, NULL,
		    "body over %d bytes", CCAKIT_STORE_MAX_JSON);
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return cki_detail(d, CCAKIT_ERR_JSON, NULL, "line %d: %s",
		    je.line, je.text);
	if (cls == VDB_TA) {
		if (json_is_object(root)) {
			r = ta_entry(&b, root, 0, d);
		} else if (json_is_array(root)) {
			if (json_array_size(root) > CCAKIT_STORE_MAX_ENTRIES) {
				r = cki_detail(d, CCAKIT_ERR_TOO_LARGE, NULL,
				    "too many entries");
				goto out;
			}
			r = CCAKIT_OK;
			for (i = 0; r == CCAKIT_OK &&
			    i < json_array_size(root); i++)
				r = ta_entry(&b, json_array_get(root, i), i,
				    d);
		} else {
			r = cki_detail(d, CCAKIT_ERR_JSON, NULL,
			    "not a trust-anchor array or entry");
		}
	} else if (!json_is_object(root)) {
		r = cki_detail(d, CCAKIT_ERR_JSON, NULL,
		    "not a reference-value store or entry");
	} else if (json_object_get(root, "platform") != NULL ||
	    json_object_get(root, "realm") != NULL) {
		if ((r = rv_array(&b, 'p', json_object_get(root, "platform"),
		    d)) == CCAKIT_OK)
			r = rv_array(&b, 'r', json_object_get(root, "realm"),
			    d);
	} else if (json_object_get(root, "implementation-id") != NULL) {
		r = rv_entry(&b, 'p', root, 0, d);
	} else if (json_object_get(root, "initial-measurement") != NULL) {
		r = rv_entry(&b, 'r', root, 0, d);
	} else {
		r = cki_detail(d, CCAKIT_ERR_JSON, NULL, "neither a store "
		    "({\"platform\",\"realm\"}) nor a platform or realm entry");
	}
	if (r == CCAKIT_OK && b.n == 0)
		r = cki_detail(d, CCAKIT_ERR_JSON, NULL, "no entries");
	if (r != CCAKIT_OK)
		goto out;
	*out = b;
	memset(&b, 0, sizeof(b));
out:
	vdb_batch_clear(&b);
	json_decref(root);
	return r;
}
