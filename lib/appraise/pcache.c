/*
 * The platform-token cache (ccakit/appraise.h, docs/crypto.md): a fixed
 * table of entries made at construction, a hash index over them and an
 * LRU list through them, both by index, under one mutex. A lookup or an
 * insertion hashes outside the lock and allocates nothing.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/sha2.h>

#include <ccakit/appraise.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>

#include "appraise/pcache.h"

#define NIL UINT32_MAX

struct pc_entry {
	uint8_t key[CKI_PCACHE_KEY_LEN];
	uint32_t prev, next;            /* LRU list, most recent first */
	uint32_t chain;                 /* next entry of the same bucket */
};

struct pc_table {
	struct pc_entry *e;             /* cap entries, the first n used */
	uint32_t *bucket;               /* mask + 1 heads */
	uint32_t cap, n, mask;
	uint32_t head, tail;
};

struct ccakit_platform_cache {
	pthread_mutex_t mu;
	struct pc_table t;
	uint64_t stamp;                 /* the newest store seen */
	struct ccakit_platform_cache_stats st;
	void (*hook)(void *, bool);
	void *hook_arg;
};

static int
table_make(struct pc_table *t, size_t cap)
{
	size_t nb = 1;

	while (nb < 2 * cap)
		nb *= 2;
	memset(t, 0, sizeof(*t));
	if ((t->e = calloc(cap, sizeof(*t->e))) == NULL ||
	    (t->bucket = malloc(nb * sizeof(*t->bucket))) == NULL) {
		free(t->e);
		t->e = NULL;
		return CCAKIT_ERR_NOMEM;
	}
	t->cap = (uint32_t)cap;
	t->mask = (uint32_t)(nb - 1);
	memset(t->bucket, 0xff, nb * sizeof(*t->bucket));
	t->head = t->tail = NIL;
	return CCAKIT_OK;
}

static void
table_clear(struct pc_table *t)
{
	memset(t->bucket, 0xff, ((size_t)t->mask + 1) * sizeof(*t->bucket));
	t->n = 0;
	t->head = t->tail = NIL;
}

/* The key is a digest: any 32 bits of it spread evenly. */
static uint32_t
bucket_of(const struct pc_table *t, const uint8_t *key)
{
	uint32_t h;

	memcpy(&h, key, sizeof(h));
	return h & t->mask;
}

static uint32_t
find(const struct pc_table *t, const uint8_t *key)
{
	uint32_t i;

	for (i = t->bucket[bucket_of(t, key)]; i != NIL; i = t->e[i].chain)
		if (memcmp(t->e[i].key, key, CKI_PCACHE_KEY_LEN) == 0)
			return i;
	return NIL;
}

static void
lru_unlink(struct pc_table *t, uint32_t i)
{
	struct pc_entry *e = &t->e[i];

	if (e->prev != NIL)
		t->e[e->prev].next = e->next;
	else
		t->head = e->next;
	if (e->next != NIL)
		t->e[e->next].prev = e->prev;
	else
		t->tail = e->prev;
}

static void
lru_push(struct pc_table *t, uint32_t i)
{
	t->e[i].prev = NIL;
	t->e[i].next = t->head;
	if (t->head != NIL)
		t->e[t->head].prev = i;
	else
		t->tail = i;
	t->head = i;
}

static void
chain_unlink(struct pc_table *t, uint32_t i)
{
	uint32_t *p = &t->bucket[bucket_of(t, t->e[i].key)];

	while (*p != i)
		p = &t->e[*p].chain;
	*p = t->e[i].chain;
}

ccakit_platform_cache *
ccakit_platform_cache_new(void)
{
	ccakit_platform_cache *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	if (table_make(&c->t, CCAKIT_PLATFORM_CACHE_DEFAULT) != CCAKIT_OK ||
	    pthread_mutex_init(&c->mu, NULL) != 0) {
		free(c->t.e);
		free(c->t.bucket);
		free(c);
		return NULL;
	}
	return c;
}

void
ccakit_platform_cache_free(ccakit_platform_cache **cp)
{
	ccakit_platform_cache *c;

	if (cp == NULL || (c = *cp) == NULL)
		return;
	pthread_mutex_destroy(&c->mu);
	free(c->t.e);
	free(c->t.bucket);
	free(c);
	*cp = NULL;
}

int
ccakit_platform_cache_set_capacity(ccakit_platform_cache *c, size_t n)
{
	struct pc_table t, old;
	int r;

	if (c == NULL || n < 1 || n > CCAKIT_PLATFORM_CACHE_MAX)
		return CCAKIT_ERR_INVALID_ARG;
	if ((r = table_make(&t, n)) != CCAKIT_OK)
		return r;
	pthread_mutex_lock(&c->mu);
	old = c->t;
	c->t = t;
	pthread_mutex_unlock(&c->mu);
	free(old.e);
	free(old.bucket);
	return CCAKIT_OK;
}

/* Called with the lock held. */
static void
flush_locked(ccakit_platform_cache *c)
{
	table_clear(&c->t);
	c->st.flushes++;
}

void
ccakit_platform_cache_flush(ccakit_platform_cache *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	flush_locked(c);
	pthread_mutex_unlock(&c->mu);
}

void
ccakit_platform_cache_stats(ccakit_platform_cache *c,
    struct ccakit_platform_cache_stats *out)
{
	if (out == NULL)
		return;
	memset(out, 0, sizeof(*out));
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	*out = c->st;
	out->entries = c->t.n;
	out->capacity = c->t.cap;
	pthread_mutex_unlock(&c->mu);
}

void
ccakit_platform_cache_set_hook(ccakit_platform_cache *c,
    void (*fn)(void *arg, bool hit), void *arg)
{
	if (c == NULL)
		return;
	c->hook = fn;
	c->hook_arg = arg;
}

/* Lengths as 8 bytes, big endian, so that no two inputs run together. */
static void
hash_part(struct sha256_ctx *h, const uint8_t *p, size_t len)
{
	uint8_t be[8];
	uint64_t v = (uint64_t)len;
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		be[i] = (uint8_t)v;
	sha256_update(h, sizeof(be), be);
	if (len > 0)
		sha256_update(h, len, p);
}

bool
cki_pcache_key(const ccakit_key *cpak, const struct ccakit_cose_sign1 *msg,
    uint8_t key[CKI_PCACHE_KEY_LEN])
{
	static const uint8_t tag[] = "ccakit platform-token cache 1";
	struct sha256_ctx h;
	uint8_t pt[1 + 2 * 66], ids[8];
	size_t ptlen = 0;
	int crv = ccakit_key_crv(cpak), alg = ccakit_key_pinned_alg(cpak);
	int i;

	if (ccakit_key_to_sec1(cpak, pt, sizeof(pt), &ptlen) != CCAKIT_OK)
		return false;
	for (i = 0; i < 4; i++) {
		ids[i] = (uint8_t)((uint32_t)crv >> (24 - 8 * i));
		ids[4 + i] = (uint8_t)((uint32_t)alg >> (24 - 8 * i));
	}
	sha256_init(&h);
	hash_part(&h, tag, sizeof(tag));
	hash_part(&h, ids, sizeof(ids));
	hash_part(&h, pt, ptlen);
	hash_part(&h, msg->protected_hdr.ptr, msg->protected_hdr.len);
	hash_part(&h, msg->payload.ptr, msg->payload.len);
	hash_part(&h, msg->signature.ptr, msg->signature.len);
	sha256_digest(&h, CKI_PCACHE_KEY_LEN, key);
	return true;
}

/*
 * Whether entries may be used for and added from a store of this stamp,
 * flushing first for a newer store. Called with the lock held.
 */
static bool
stamp_ok(ccakit_platform_cache *c, uint64_t stamp)
{
	if (stamp == 0 || stamp == c->stamp)
		return true;
	if (stamp < c->stamp)
		return false;
	c->stamp = stamp;
	if (c->t.n > 0)
		flush_locked(c);
	return true;
}

bool
cki_pcache_lookup(ccakit_platform_cache *c,
    const uint8_t key[CKI_PCACHE_KEY_LEN], uint64_t stamp)
{
	uint32_t i = NIL;

	pthread_mutex_lock(&c->mu);
	if (stamp_ok(c, stamp) && (i = find(&c->t, key)) != NIL) {
		if (c->t.head != i) {
			lru_unlink(&c->t, i);
			lru_push(&c->t, i);
		}
		c->st.hits++;
	} else {
		c->st.misses++;
	}
	pthread_mutex_unlock(&c->mu);
	if (c->hook != NULL)
		c->hook(c->hook_arg, i != NIL);
	return i != NIL;
}

void
cki_pcache_insert(ccakit_platform_cache *c,
    const uint8_t key[CKI_PCACHE_KEY_LEN], uint64_t stamp)
{
	struct pc_table *t = &c->t;
	uint32_t i;

	pthread_mutex_lock(&c->mu);
	if (!stamp_ok(c, stamp)) {
		pthread_mutex_unlock(&c->mu);
		return;
	}
	if ((i = find(t, key)) != NIL) {
		/* Another thread verified the same token meanwhile. */
		lru_unlink(t, i);
	} else {
		if (t->n < t->cap) {
			i = t->n++;
		} else {
			i = t->tail;
			lru_unlink(t, i);
			chain_unlink(t, i);
			c->st.evictions++;
		}
		memcpy(t->e[i].key, key, CKI_PCACHE_KEY_LEN);
		t->e[i].chain = t->bucket[bucket_of(t, key)];
		t->bucket[bucket_of(t, key)] = i;
		c->st.inserts++;
	}
	lru_push(t, i);
	pthread_mutex_unlock(&c->mu);
}

bool
cki_pcache_consistent(ccakit_platform_cache *c)
{
	const struct pc_table *t = &c->t;
	uint32_t i, prev = NIL, seen = 0, b, j;
	bool ok = true;

	pthread_mutex_lock(&c->mu);
	for (i = t->head; i != NIL && ok; prev = i, i = t->e[i].next) {
		ok = i < t->n && t->e[i].prev == prev && ++seen <= t->n &&
		    find(t, t->e[i].key) == i;
	}
	ok = ok && seen == t->n && t->tail == prev;
	/* Every chained entry is a used one, each chained once. */
	for (b = 0, seen = 0; ok && b <= t->mask; b++)
		for (j = t->bucket[b]; ok && j != NIL; j = t->e[j].chain)
			ok = j < t->n && bucket_of(t, t->e[j].key) == b &&
			    ++seen <= t->n;
	ok = ok && seen == t->n;
	pthread_mutex_unlock(&c->mu);
	return ok;
}
