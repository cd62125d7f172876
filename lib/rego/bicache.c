/*
 * The compiled-object cache of the built-ins (bicache.h): a hash table
 * of at most `max` entries under one mutex; a miss builds outside the
 * lock; when full, entries are evicted in clock order and freed once no
 * evaluation holds them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/bicache.h"

static uint64_t
fnv(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325u;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3u;
	}
	return h;
}

static void
destroy(struct rego_cache *c, struct rego_centry *e)
{
	free(e->key);
	e->key = NULL;
	c->destroy(e);
}

static struct rego_centry *
lookup(struct rego_cache *c, unsigned slot, uint64_t h, const char *key,
    size_t n)
{
	struct rego_centry *e;

	for (e = c->tab[slot]; e != NULL; e = e->next)
		if (e->hash == h && e->keylen == n &&
		    memcmp(e->key, key, n) == 0)
			return e;
	return NULL;
}

/* Drop one entry (clock order); the caller holds the lock. Returns the
 * entry to free after unlocking, or NULL. */
static struct rego_centry *
evict_one(struct rego_cache *c)
{
	unsigned k;

	for (k = 0; k < REGO_CACHE_SLOTS; k++) {
		unsigned i = (c->clock + k) % REGO_CACHE_SLOTS;
		struct rego_centry *v = c->tab[i];

		if (v == NULL)
			continue;
		c->tab[i] = v->next;
		v->next = NULL;
		v->cached = false;
		c->count--;
		c->clock = i + 1;
		return v->refs == 0 ? v : NULL;
	}
	return NULL;
}

struct rego_centry *
rego_cache_get(struct rego_cache *c, const char *key, size_t n,
    rego_cache_build_fn build, void *arg, char *err, size_t errlen)
{
	uint64_t h = fnv(key, n);
	unsigned slot = (unsigned)(h % REGO_CACHE_SLOTS);
	struct rego_centry *e, *built, *victim = NULL;

	pthread_mutex_lock(&c->mu);
	if ((e = lookup(c, slot, h, key, n)) != NULL) {
		e->refs++;
		pthread_mutex_unlock(&c->mu);
		return e;
	}
	pthread_mutex_unlock(&c->mu);
	if ((built = build(key, n, arg, err, errlen)) == NULL)
		return NULL;
	built->next = NULL;
	built->hash = h;
	built->keylen = n;
	built->refs = 1;
	built->cached = false;
	if ((built->key = malloc(n + 1)) == NULL) {
		c->destroy(built);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(built->key, key, n);
	built->key[n] = '\0';
	pthread_mutex_lock(&c->mu);
	if ((e = lookup(c, slot, h, key, n)) != NULL) {
		/* another thread built it first */
		e->refs++;
		pthread_mutex_unlock(&c->mu);
		destroy(c, built);
		return e;
	}
	if (c->count >= c->max && c->count > 0)
		victim = evict_one(c);
	built->next = c->tab[slot];
	c->tab[slot] = built;
	built->cached = true;
	c->count++;
	pthread_mutex_unlock(&c->mu);
	if (victim != NULL)
		destroy(c, victim);
	return built;
}

void
rego_cache_put(struct rego_cache *c, struct rego_centry *e)
{
	bool dead;

	if (e == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	e->refs--;
	dead = e->refs == 0 && !e->cached;
	pthread_mutex_unlock(&c->mu);
	if (dead)
		destroy(c, e);
}
