/*
 * TOML documents: arena, nodes and the key index.
 *
 * Every key of every table is found through one open-addressing hash
 * table keyed by (parent, key) with SipHash-1-3 under a random key per
 * document, so a hostile file cannot make lookups quadratic.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "toml/toml_priv.h"

/* --- SipHash-1-3 --- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND(v0, v1, v2, v3) do { \
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
} while (0)

static uint64_t
load64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint64_t
siphash13(uint64_t k0, uint64_t k1, uint64_t first, const uint8_t *m,
    size_t len)
{
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
	uint64_t v3 = k1 ^ 0x7465646279746573ULL;
	uint64_t b = ((uint64_t)(len + 8)) << 56, w;
	size_t i, tail = len & 7;

	/* The parent's identity is the first message word. */
	v3 ^= first;
	SIPROUND(v0, v1, v2, v3);
	v0 ^= first;
	for (i = 0; i + 8 <= len; i += 8) {
		w = load64(m + i);
		v3 ^= w;
		SIPROUND(v0, v1, v2, v3);
		v0 ^= w;
	}
	for (w = 0; tail > 0; tail--)
		w |= (uint64_t)m[i + tail - 1] << (8 * (tail - 1));
	b |= w;
	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

static uint64_t
keyhash(const ccakit_toml *doc, const ccakit_toml_value *t, const char *key,
    size_t keylen)
{
	return siphash13(doc->k0, doc->k1, (uint64_t)(uintptr_t)t,
	    (const uint8_t *)key, keylen);
}

/* --- documents and nodes --- */

/* The empty root table of a document. */
static void
root_init(ccakit_toml *doc)
{
	memset(&doc->root, 0, sizeof(doc->root));
	doc->root.type = CCAKIT_TOML_TABLE;
	doc->root.kind = TK_HEADER;
	doc->root.line = doc->root.col = 1;
	doc->root.kline = doc->root.kcol = 1;
	doc->root.used = 1;
}

ccakit_toml *
ccakit_toml_new(void)
{
	ccakit_toml *doc;
	uint8_t k[16];

	if ((doc = calloc(1, sizeof(*doc))) == NULL)
		return NULL;
	cki_arena_init(&doc->arena, 0);
	if (RAND_bytes(k, sizeof(k)) == 1) {
		doc->k0 = load64(k);
		doc->k1 = load64(k + 8);
	} else {
		/* Unpredictable enough to keep collisions accidental. */
		doc->k0 = (uint64_t)(uintptr_t)doc ^ 0x9e3779b97f4a7c15ULL;
		doc->k1 = (uint64_t)(uintptr_t)&k ^ 0xc2b2ae3d27d4eb4fULL;
	}
	root_init(doc);
	return doc;
}

int
cki_toml_prepare(ccakit_toml *doc, const char *name, size_t hint)
{
	cki_arena_init(&doc->arena, hint);
	if (name != NULL && (doc->name = strdup(name)) == NULL)
		return CCAKIT_ERR_NOMEM;
	return CCAKIT_OK;
}

void
cki_toml_reset(ccakit_toml *doc)
{
	cki_arena_free(&doc->arena);
	free(doc->slots);
	free(doc->name);
	doc->slots = NULL;
	doc->nslots = doc->count = 0;
	doc->name = NULL;
	doc->parsed = false;
	root_init(doc);
}

ccakit_toml *
cki_toml_doc(const ccakit_toml_value *v)
{
	while (v->parent != NULL)
		v = v->parent;
	return (ccakit_toml *)(void *)((char *)(uintptr_t)v -
	    offsetof(struct ccakit_toml, root));
}

void
ccakit_toml_free(ccakit_toml **tp)
{
	ccakit_toml *doc;

	if (tp == NULL || (doc = *tp) == NULL)
		return;
	cki_toml_reset(doc);
	free(doc);
	*tp = NULL;
}

ccakit_toml_value *
cki_toml_node(ccakit_toml *doc, uint8_t type, uint8_t kind, uint32_t depth)
{
	ccakit_toml_value *n;

	if ((n = cki_arena_alloc(&doc->arena, sizeof(*n))) == NULL)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->kind = kind;
	n->depth = depth;
	return n;
}

ccakit_toml_value *
cki_toml_find(const ccakit_toml *doc, const ccakit_toml_value *t,
    const char *key, size_t keylen)
{
	uint64_t h;
	size_t i, mask;
	const ccakit_toml_value *n;

	if (doc->nslots == 0)
		return NULL;
	h = keyhash(doc, t, key, keylen);
	mask = doc->nslots - 1;
	for (i = (size_t)h & mask; doc->slots[i].n != NULL; i = (i + 1) & mask) {
		n = doc->slots[i].n;
		if (doc->slots[i].h == h && n->parent == t &&
		    n->keylen == keylen && memcmp(n->key, key, keylen) == 0)
			return doc->slots[i].n;
	}
	return NULL;
}

static void
slot_put(struct cki_tslot *slots, size_t nslots, ccakit_toml_value *n,
    uint64_t h)
{
	size_t i, mask = nslots - 1;

	for (i = (size_t)h & mask; slots[i].n != NULL; i = (i + 1) & mask)
		;
	slots[i].n = n;
	slots[i].h = h;
}

static int
vec_push(ccakit_toml *doc, ccakit_toml_value *c, ccakit_toml_value *n)
{
	ccakit_toml_value **nv;
	size_t ncap;

	if (c->u.vec.len == c->u.vec.cap) {
		ncap = c->u.vec.cap == 0 ? 4 : c->u.vec.cap * 2;
		if (ncap > SIZE_MAX / sizeof(*nv))
			return CCAKIT_ERR_NOMEM;
		/* The old vector stays in the arena: at most as much again. */
		if ((nv = cki_arena_alloc(&doc->arena, ncap * sizeof(*nv))) ==
		    NULL)
			return CCAKIT_ERR_NOMEM;
		if (c->u.vec.len > 0)
			memcpy(nv, c->u.vec.v, c->u.vec.len * sizeof(*nv));
		c->u.vec.v = nv;
		c->u.vec.cap = ncap;
	}
	c->u.vec.v[c->u.vec.len++] = n;
	n->parent = c;
	return CCAKIT_OK;
}

int
cki_toml_insert(ccakit_toml *doc, ccakit_toml_value *t, ccakit_toml_value *n,
    const char *key, size_t keylen)
{
	struct cki_tslot *ns;
	size_t i, nn;
	char *k;
	int r;

	if (doc->count + 1 > doc->nslots / 2) {
		nn = doc->nslots == 0 ? 64 : doc->nslots * 2;
		if (nn > SIZE_MAX / sizeof(*ns) ||
		    (ns = calloc(nn, sizeof(*ns))) == NULL)
			return CCAKIT_ERR_NOMEM;
		for (i = 0; i < doc->nslots; i++)
			if (doc->slots[i].n != NULL)
				slot_put(ns, nn, doc->slots[i].n,
				    doc->slots[i].h);
		free(doc->slots);
		doc->slots = ns;
		doc->nslots = nn;
	}
	if (keylen == SIZE_MAX ||
	    (k = cki_arena_alloc(&doc->arena, keylen + 1)) == NULL)
		return CCAKIT_ERR_NOMEM;
	if (keylen > 0)
		memcpy(k, key, keylen);
	k[keylen] = '\0';
	n->key = k;
	n->keylen = keylen;
	if ((r = vec_push(doc, t, n)) != CCAKIT_OK)
		return r;
	slot_put(doc->slots, doc->nslots, n, keyhash(doc, t, key, keylen));
	doc->count++;
	return CCAKIT_OK;
}

int
cki_toml_push(ccakit_toml *doc, ccakit_toml_value *a, ccakit_toml_value *n)
{
	return vec_push(doc, a, n);
}
