/*
 * Trust-anchor store: CPAKs keyed by implementation-id + instance-id,
 * loaded from and written to rust-ccatoken's ta.json format:
 *
 *   [ { "pkey": <JWK>, "implementation-id": "<64 hex>",
 *       "instance-id": "<66 hex>" } ]
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/bytes.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/store.h>

#include "store/store_priv.h"
#include "util/util.h"

static _Atomic uint64_t stamps;

uint64_t
cki_ta_store_next_stamp(void)
{
	return atomic_fetch_add(&stamps, 1) + 1;
}

ccakit_ta_store *
ccakit_ta_store_new(void)
{
	ccakit_ta_store *s = calloc(1, sizeof(ccakit_ta_store));

	if (s != NULL)
		s->stamp = cki_ta_store_next_stamp();
	return s;
}

void
cki_ta_entry_clear(struct cki_ta_entry *e)
{
	if (e == NULL)
		return;
	free(e->jwk);
	ccakit_key_free(&e->key);
	memset(e, 0, sizeof(*e));
}

void
ccakit_ta_store_free(ccakit_ta_store **sp)
{
	ccakit_ta_store *s;
	size_t i;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	for (i = 0; i < s->n; i++)
		cki_ta_entry_clear(&s->e[i]);
	free(s->e);
	free(s);
	*sp = NULL;
}

size_t
ccakit_ta_store_count(const ccakit_ta_store *s)
{
	return s == NULL ? 0 : s->n;
}

int
ccakit_ta_store_at(const ccakit_ta_store *s, size_t i,
    const uint8_t **impl_id, const uint8_t **inst_id, const ccakit_key **key)
{
	if (s == NULL || i >= s->n)
		return CCAKIT_ERR_NOT_FOUND;
	if (impl_id != NULL)
		*impl_id = s->e[i].impl_id;
	if (inst_id != NULL)
		*inst_id = s->e[i].inst_id;
	if (key != NULL)
		*key = s->e[i].key;
	return CCAKIT_OK;
}

/* An entry is identified by implementation-id and instance-id together. */
static bool
ta_same_ids(const struct cki_ta_entry *e, const uint8_t impl_id[32],
    const uint8_t inst_id[33])
{
	return memcmp(e->inst_id, inst_id, sizeof(e->inst_id)) == 0 &&
	    memcmp(e->impl_id, impl_id, sizeof(e->impl_id)) == 0;
}

static struct cki_ta_entry *
ta_find(const ccakit_ta_store *s, const uint8_t impl_id[32],
    const uint8_t inst_id[33])
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (ta_same_ids(&s->e[i], impl_id, inst_id))
			return &s->e[i];
	return NULL;
}

bool
cki_ta_store_find(const ccakit_ta_store *s, const uint8_t impl_id[32],
    const uint8_t inst_id[33], const ccakit_key **key)
{
	const struct cki_ta_entry *e;

	if (s == NULL || impl_id == NULL || inst_id == NULL)
		return false;
	if ((e = ta_find(s, impl_id, inst_id)) == NULL)
		return false;
	if (key != NULL)
		*key = e->key;
	return true;
}

const ccakit_key *
ccakit_ta_store_lookup(const ccakit_ta_store *s, const uint8_t impl_id[32],
    const uint8_t inst_id[33])
{
	const ccakit_key *key = NULL;

	if (!cki_ta_store_find(s, impl_id, inst_id, &key))
		return NULL;
	return key;
}

int
cki_ta_store_reserve(ccakit_ta_store *s, size_t more)
{
	void *v;
	int r;

	if (!cki_store_fits(s->n, more))
		return CCAKIT_ERR_TOO_LARGE;
	v = s->e;
	r = cki_store_grow(&v, &s->cap, s->n + more, sizeof(*s->e));
	s->e = v;
	return r;
}

int
cki_ta_store_make_room(ccakit_ta_store *s, const struct cki_ta_entry *e)
{
	if (ta_find(s, e->impl_id, e->inst_id) != NULL)
		return CCAKIT_OK;
	return cki_ta_store_reserve(s, 1);
}

void
cki_ta_store_put(ccakit_ta_store *s, struct cki_ta_entry *e)
{
	struct cki_ta_entry *old, tmp;

	s->stamp = cki_ta_store_next_stamp();
	if ((old = ta_find(s, e->impl_id, e->inst_id)) != NULL) {
		/* Last one wins; hand the replaced entry back. */
		tmp = *old;
		*old = *e;
		*e = tmp;
		return;
	}
	/* The caller reserved room. */
	s->e[s->n++] = *e;
	memset(e, 0, sizeof(*e));
}

static bool
json_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int
cki_ta_entry_set_jwk(struct cki_ta_entry *e, const char *jwk, size_t len)
{
	char *t;

	/* Kept as serde_json's RawValue keeps it: trimmed, else verbatim. */
	while (len > 0 && json_ws(jwk[0])) {
		jwk++;
		len--;
	}
	while (len > 0 && json_ws(jwk[len - 1]))
		len--;
	if (len == 0)
		return CCAKIT_ERR_INVALID_ARG;
	if ((t = malloc(len + 1)) == NULL)
		return CCAKIT_ERR_NOMEM;
	memcpy(t, jwk, len);
	t[len] = '\0';
	free(e->jwk);
	e->jwk = t;
	e->jwklen = len;
	return CCAKIT_OK;
}

int
ccakit_ta_store_add(ccakit_ta_store *s, const uint8_t impl_id[32],
    const uint8_t inst_id[33], const char *jwk, size_t jwklen)
{
	struct cki_ta_entry e;
	int r = CCAKIT_ERR_INTERNAL;

	memset(&e, 0, sizeof(e));
	if (s == NULL || impl_id == NULL || inst_id == NULL || jwk == NULL) {
		r = CCAKIT_ERR_INVALID_ARG;
		goto out;
	}
	memcpy(e.impl_id, impl_id, sizeof(e.impl_id));
	memcpy(e.inst_id, inst_id, sizeof(e.inst_id));
	if ((e.key = ccakit_key_new()) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	if ((r = ccakit_key_from_jwk(e.key, jwk, jwklen)) != CCAKIT_OK)
		goto out;
	/* The text is written out again: it must not hold a secret. */
	if (ccakit_key_has_private(e.key)) {
		r = CCAKIT_ERR_KEY_INVALID;
		goto out;
	}
	if ((r = cki_ta_entry_set_jwk(&e, jwk, jwklen)) != CCAKIT_OK)
		goto out;
	if ((r = cki_ta_store_make_room(s, &e)) != CCAKIT_OK)
		goto out;
	cki_ta_store_put(s, &e);
	r = CCAKIT_OK;
 out:
	cki_ta_entry_clear(&e);
	return r;
}

/* A fixed-size hex member: exactly sizeof(out) bytes. */
static int
ta_hex_id(const json_t *obj, const char *what, const char *ctx,
    uint8_t *out, size_t outsz, struct ccakit_errdetail *d)
{
	const json_t *v;
	size_t n;

	v = json_object_get(obj, what);
	if (v != NULL && json_is_string(v) &&
	    json_string_length(v) != 2 * outsz)
		return cki_detail(d, CCAKIT_ERR_JSON, what,
		    "%s.%s: %zu hex digits, expected %zu", ctx, what,
		    json_string_length(v), 2 * outsz);
	return cki_json_hex(obj, what, ctx, out, outsz, &n, d);
}

static const char *
jwk_member(const json_t *jwk, const char *name)
{
	const json_t *v = json_object_get(jwk, name);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/*
 * The shape of a JWK as rust-ccatoken's loader requires it (kty, crv, x
 * and y), restricted to the EC curves we verify with. Whether x and y
 * make a key is left to ccakit_key_from_jwk().
 */
static int
ta_jwk_shape(const json_t *jwk, const char *ctx, struct ccakit_errdetail *d)
{
	const char *kty, *crv;

	if ((kty = jwk_member(jwk, "kty")) == NULL || strcmp(kty, "EC") != 0)
		return cki_detail(d, CCAKIT_ERR_KEY_INVALID, "pkey",
		    "%s.pkey: kty must be \"EC\"", ctx);
	if ((crv = jwk_member(jwk, "crv")) == NULL ||
	    (strcmp(crv, "P-256") != 0 && strcmp(crv, "P-384") != 0 &&
	    strcmp(crv, "P-521") != 0))
		return cki_detail(d, CCAKIT_ERR_KEY_INVALID, "pkey",
		    "%s.pkey: crv must be P-256, P-384 or P-521", ctx);
	if (jwk_member(jwk, "x") == NULL || jwk_member(jwk, "y") == NULL)
		return cki_detail(d, CCAKIT_ERR_KEY_INVALID, "pkey",
		    "%s.pkey: x and y must be strings", ctx);
	if (json_object_get(jwk, "d") != NULL)
		return cki_detail(d, CCAKIT_ERR_KEY_INVALID, "pkey",
		    "%s.pkey: a trust anchor must not hold a private key",
		    ctx);
	return CCAKIT_OK;
}

static int
ta_parse_entry(const json_t *obj, size_t idx, struct cki_ta_entry *e,
    struct ccakit_errdetail *d)
{
	const json_t *pkey;
	char ctx[32], *text = NULL;
	int r = CCAKIT_ERR_INTERNAL;

	(void)snprintf(ctx, sizeof(ctx), "[%zu]", idx);
	if (!json_is_object(obj)) {
		r = cki_detail(d, CCAKIT_ERR_JSON, NULL,
		    "%s: expected an object", ctx);
		goto out;
	}
	if ((r = ta_hex_id(obj, "instance-id", ctx, e->inst_id,
	    sizeof(e->inst_id), d)) != CCAKIT_OK)
		goto out;
	if ((r = ta_hex_id(obj, "implementation-id", ctx, e->impl_id,
	    sizeof(e->impl_id), d)) != CCAKIT_OK)
		goto out;
	if ((pkey = json_object_get(obj, "pkey")) == NULL ||
	    !json_is_object(pkey)) {
		r = cki_detail(d, CCAKIT_ERR_JSON, "pkey",
		    "%s.pkey: expected a JWK object", ctx);
		goto out;
	}
	if ((r = ta_jwk_shape(pkey, ctx, d)) != CCAKIT_OK)
		goto out;
	/* jansson keeps member order, so this is the input in compact form. */
	if ((text = json_dumps(pkey, JSON_COMPACT)) == NULL) {
		r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		goto out;
	}
	if ((r = cki_ta_entry_set_jwk(e, text, strlen(text))) != CCAKIT_OK) {
		r = cki_detail(d, r, NULL, NULL);
		goto out;
	}
	if ((e->key = ccakit_key_new()) == NULL) {
		r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		goto out;
	}
	r = ccakit_key_from_jwk(e->key, e->jwk, e->jwklen);
	if (r == CCAKIT_ERR_KEY_INVALID) {
		/*
		 * A well-formed JWK whose key material is unusable (bad
		 * coordinates, a point off its curve, an alg that does not
		 * fit the curve) loads as rust-ccatoken loads it: the entry
		 * then fails every verification instead of being unknown.
		 */
		ccakit_key_free(&e->key);
	} else if (r != CCAKIT_OK) {
		r = cki_detail(d, r, "pkey", "%s.pkey: %s", ctx,
		    ccakit_strerror(r));
		goto out;
	}
	r = CCAKIT_OK;
 out:
	free(text);
	return r;
}

int
ccakit_ta_store_load_json(ccakit_ta_store *s, const char *json, size_t len,
    struct ccakit_errdetail *d)
{
	json_t *root = NULL;
	struct cki_ta_entry *tmp = NULL;
	size_t i, j, n = 0, fresh;
	int r = CCAKIT_ERR_INTERNAL;

	if (s == NULL) {
		r = cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
		goto out;
	}
	if ((r = cki_json_load(json, len, &root, d)) != CCAKIT_OK)
		goto out;
	if (!json_is_array(root)) {
		r = cki_detail(d, CCAKIT_ERR_JSON, NULL,
		    "expected an array of trust anchors");
		goto out;
	}
	if ((n = json_array_size(root)) > CCAKIT_STORE_MAX_ENTRIES) {
		r = cki_detail(d, CCAKIT_ERR_TOO_LARGE, NULL,
		    "%zu entries, at most %d", n, CCAKIT_STORE_MAX_ENTRIES);
		goto out;
	}
	if (n == 0) {
		r = CCAKIT_OK;
		goto out;
	}
	if ((tmp = calloc(n, sizeof(*tmp))) == NULL) {
		r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		goto out;
	}
	for (i = 0; i < n; i++)
		if ((r = ta_parse_entry(json_array_get(root, i), i, &tmp[i],
		    d)) != CCAKIT_OK)
			goto out;

	/* Entries that add to the store: new ids, last occurrence only. */
	for (fresh = 0, i = 0; i < n; i++) {
		if (ta_find(s, tmp[i].impl_id, tmp[i].inst_id) != NULL)
			continue;
		for (j = i + 1; j < n; j++)
			if (ta_same_ids(&tmp[j], tmp[i].impl_id,
			    tmp[i].inst_id))
				break;
		if (j == n)
			fresh++;
	}
	if ((r = cki_ta_store_reserve(s, fresh)) != CCAKIT_OK) {
		r = cki_detail(d, r, NULL, "store full (at most %d entries)",
		    CCAKIT_STORE_MAX_ENTRIES);
		goto out;
	}
	for (i = 0; i < n; i++)
		cki_ta_store_put(s, &tmp[i]);
	r = CCAKIT_OK;
 out:
	if (tmp != NULL) {
		for (i = 0; i < n; i++)
			cki_ta_entry_clear(&tmp[i]);
		free(tmp);
	}
	json_decref(root);
	return r;
}

int
ccakit_ta_store_to_json(const ccakit_ta_store *s, char **out)
{
	struct cki_jw w;
	size_t i;

	if (out != NULL)
		*out = NULL;
	if (s == NULL || out == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	/* Field order of rust-ccatoken's Cpak: pkey, impl-id, inst-id. */
	cki_jw_init(&w);
	cki_jw_open(&w, '[');
	for (i = 0; i < s->n; i++) {
		cki_jw_elem(&w);
		cki_jw_open(&w, '{');
		cki_jw_key(&w, "pkey");
		cki_jw_raw(&w, s->e[i].jwk, s->e[i].jwklen);
		cki_jw_key(&w, "implementation-id");
		cki_jw_hex(&w, s->e[i].impl_id, sizeof(s->e[i].impl_id));
		cki_jw_key(&w, "instance-id");
		cki_jw_hex(&w, s->e[i].inst_id, sizeof(s->e[i].inst_id));
		cki_jw_close(&w, '}');
	}
	cki_jw_close(&w, ']');
	return cki_jw_finish(&w, out);
}
