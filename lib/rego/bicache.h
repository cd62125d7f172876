/*
 * A bounded, process-wide cache of compiled objects for built-ins
 * (regular expressions, globs) keyed by their source text, shared by
 * all evaluations and threads (bicache.c). Objects are immutable once
 * built; reference counts keep an evicted object alive until its last
 * user releases it. Internal to lib/rego.
 */
#ifndef CCAKIT_REGO_BICACHE_H
#define CCAKIT_REGO_BICACHE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REGO_CACHE_SLOTS 512u

/* The head of every cached object (embedded as its first member). */
struct rego_centry {
	struct rego_centry *next;
	uint64_t hash;
	char *key;
	size_t keylen;
	unsigned refs;
	bool cached;
};

/* Builds the object for key (NULL with a message in err on failure). */
typedef struct rego_centry *(*rego_cache_build_fn)(const char *key,
    size_t n, void *arg, char *err, size_t errlen);

struct rego_cache {
	pthread_mutex_t mu;
	void (*destroy)(struct rego_centry *e);   /* frees the object */
	unsigned max;                             /* entries kept */
	unsigned count, clock;
	struct rego_centry *tab[REGO_CACHE_SLOTS];
};

#define REGO_CACHE_INIT(destroy_fn, max_entries) \
	{ PTHREAD_MUTEX_INITIALIZER, (destroy_fn), (max_entries), 0, 0, \
	  { NULL } }

/* The object for key, built on a miss; release with rego_cache_put(). */
struct rego_centry *rego_cache_get(struct rego_cache *c, const char *key,
    size_t n, rego_cache_build_fn build, void *arg, char *err,
    size_t errlen);
void rego_cache_put(struct rego_cache *c, struct rego_centry *e);

#endif /* CCAKIT_REGO_BICACHE_H */
