/*
 * Challenges: issue, single-use redemption and expiry above a storage
 * backend, and the in-memory backend.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "chstore_priv.h"
#include "util/util.h"

/* Draws of a random id before giving up (a collision is 2^-32 likely). */
#define ISSUE_TRIES 8

static int64_t
realtime_now(void *arg)
{
	struct timespec ts;

	(void)arg;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec;
}

static kbs_chstore *
chstore_wrap(const struct kbs_chstore_ops *ops, void *ctx)
{
	kbs_chstore *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->ops = *ops;
	s->ctx = ctx;
	s->ttl = KBS_CHALLENGE_TTL_DEFAULT;
	s->now = realtime_now;
	return s;
}

kbs_chstore *
kbs_chstore_new_custom(const struct kbs_chstore_ops *ops, void *ctx)
{
	if (ops == NULL || ops->insert == NULL || ops->take == NULL ||
	    ops->purge == NULL || ops->count == NULL || ops->close == NULL)
		return NULL;
	return chstore_wrap(ops, ctx);
}

kbs_chstore *
kbs_chstore_new_memory(void)
{
	struct kbs_chstore_ops ops;
	kbs_chstore *s;
	void *ctx;

	if (kbs_chstore_memory_init(&ops, &ctx) != CCAKIT_OK)
		return NULL;
	if ((s = chstore_wrap(&ops, ctx)) == NULL)
		ops.close(ctx);
	return s;
}

int
kbs_chstore_open_sqlite(const char *path, kbs_chstore **out,
    struct ccakit_errdetail *d)
{
	struct kbs_chstore_ops ops;
	kbs_chstore *s;
	void *ctx;
	int r;

	if (path == NULL || out == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	*out = NULL;
	if ((r = kbs_chstore_sqlite_init(path, &ops, &ctx, d)) != CCAKIT_OK)
		return r;
	if ((s = chstore_wrap(&ops, ctx)) == NULL) {
		ops.close(ctx);
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	}
	s->check = kbs_chstore_sqlite_check;
	*out = s;
	return CCAKIT_OK;
}

void
kbs_chstore_free(kbs_chstore **sp)
{
	kbs_chstore *s;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	s->ops.close(s->ctx);
	free(s);
	*sp = NULL;
}

int
kbs_chstore_set_ttl(kbs_chstore *s, unsigned seconds)
{
	if (s == NULL || seconds == 0 || seconds > KBS_CHALLENGE_TTL_MAX)
		return CCAKIT_ERR_INVALID_ARG;
	s->ttl = seconds;
	return CCAKIT_OK;
}

void
kbs_chstore_set_clock(kbs_chstore *s, int64_t (*now)(void *arg),
    void *arg)
{
	if (s == NULL)
		return;
	s->now = now != NULL ? now : realtime_now;
	s->now_arg = now != NULL ? arg : NULL;
}

int
kbs_chstore_issue(kbs_chstore *s, const char *key, const char *wrapkey,
    const uint8_t nonce[KBS_CHALLENGE_LEN], struct kbs_challenge *out)
{
	struct kbs_challenge c;
	uint8_t idb[4];
	size_t wlen;
	bool exists;
	int i, r = CCAKIT_ERR_INTERNAL;

	if (s == NULL || !kbs_name_valid(key) || wrapkey == NULL ||
	    out == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if ((wlen = strnlen(wrapkey, CCAKIT_WRAPKEY_JWK_MAX + 1)) == 0 ||
	    wlen > CCAKIT_WRAPKEY_JWK_MAX)
		return CCAKIT_ERR_INVALID_ARG;
	memset(&c, 0, sizeof(c));
	memcpy(c.key, key, strlen(key));
	memcpy(c.wrapkey, wrapkey, wlen);
	if (nonce != NULL)
		memcpy(c.nonce, nonce, sizeof(c.nonce));
	else if (RAND_bytes(c.nonce, (int)sizeof(c.nonce)) != 1)
		return CCAKIT_ERR_CRYPTO;
	c.created = s->now(s->now_arg);
	c.expires = c.created + (int64_t)s->ttl;
	for (i = 0; i < ISSUE_TRIES; i++) {
		if (RAND_bytes(idb, (int)sizeof(idb)) != 1) {
			r = CCAKIT_ERR_CRYPTO;
			goto out;
		}
		c.id = (uint32_t)idb[0] << 24 | (uint32_t)idb[1] << 16 |
		    (uint32_t)idb[2] << 8 | idb[3];
		if (c.id == 0)
			continue;
		exists = false;
		if ((r = s->ops.insert(s->ctx, &c, &exists)) != CCAKIT_OK)
			goto out;
		if (!exists)
			break;
	}
	if (i == ISSUE_TRIES) {
		r = CCAKIT_ERR_INTERNAL;
		goto out;
	}
	memcpy(out, &c, sizeof(c));
	r = CCAKIT_OK;
out:
	ccakit_wipe(&c, sizeof(c));
	return r;
}

int
kbs_chstore_redeem(kbs_chstore *s, uint32_t id,
    struct kbs_challenge *out, struct ccakit_errdetail *d)
{
	struct kbs_challenge c;
	int r;

	if (s == NULL || out == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (id == 0)
		return cki_detail(d, CCAKIT_ERR_NOT_FOUND, "challenge",
		    "unknown or already redeemed");
	memset(&c, 0, sizeof(c));
	if ((r = s->ops.take(s->ctx, id, &c)) != CCAKIT_OK) {
		if (r == CCAKIT_ERR_NOT_FOUND)
			return cki_detail(d, r, "challenge",
			    "unknown or already redeemed");
		/* The reason, when the backend can tell. */
		if (r == CCAKIT_ERR_DB_GONE && s->check != NULL &&
		    s->check(s->ctx, d) == r)
			return r;
		return cki_detail(d, r, "challenge", "storage failure");
	}
	if (s->now(s->now_arg) >= c.expires) {
		r = cki_detail(d, CCAKIT_ERR_NOT_FOUND, "challenge",
		    "expired");
		goto out;
	}
	memcpy(out, &c, sizeof(c));
	r = CCAKIT_OK;
out:
	ccakit_wipe(&c, sizeof(c));
	return r;
}

int
kbs_chstore_purge(kbs_chstore *s, size_t *n)
{
	size_t k = 0;
	int r;

	if (s == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if ((r = s->ops.purge(s->ctx, s->now(s->now_arg), &k)) != CCAKIT_OK)
		return r;
	if (n != NULL)
		*n = k;
	return CCAKIT_OK;
}

int
kbs_chstore_count(kbs_chstore *s, size_t *n)
{
	if (s == NULL || n == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	return s->ops.count(s->ctx, n);
}

int
kbs_chstore_check(kbs_chstore *s, struct ccakit_errdetail *d)
{
	if (s == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	return s->check != NULL ? s->check(s->ctx, d) : CCAKIT_OK;
}

/* --- the in-memory backend --- */

struct memstore {
	pthread_mutex_t mu;
	struct kbs_challenge *v;
	size_t n, cap;
};

static int
mem_insert(void *ctx, const struct kbs_challenge *c, bool *exists)
{
	struct memstore *m = ctx;
	struct kbs_challenge *nv;
	size_t i, ncap;
	int r = CCAKIT_ERR_INTERNAL;

	if (pthread_mutex_lock(&m->mu) != 0)
		return CCAKIT_ERR_INTERNAL;
	for (i = 0; i < m->n; i++) {
		if (m->v[i].id == c->id) {
			*exists = true;
			r = CCAKIT_OK;
			goto out;
		}
	}
	if (m->n == m->cap) {
		if (m->cap >= KBS_CHSTORE_MEMORY_MAX) {
			r = CCAKIT_ERR_TOO_LARGE;
			goto out;
		}
		ncap = m->cap == 0 ? 16 : m->cap * 2;
		if ((nv = realloc(m->v, ncap * sizeof(*nv))) == NULL) {
			r = CCAKIT_ERR_NOMEM;
			goto out;
		}
		m->v = nv;
		m->cap = ncap;
	}
	m->v[m->n++] = *c;
	*exists = false;
	r = CCAKIT_OK;
out:
	pthread_mutex_unlock(&m->mu);
	return r;
}

/* Remove entry i by moving the last one into its place. */
static void
mem_remove(struct memstore *m, size_t i)
{
	if (i != m->n - 1)
		m->v[i] = m->v[m->n - 1];
	ccakit_wipe(&m->v[m->n - 1], sizeof(m->v[0]));
	m->n--;
}

static int
mem_take(void *ctx, uint32_t id, struct kbs_challenge *out)
{
	struct memstore *m = ctx;
	size_t i;
	int r = CCAKIT_ERR_NOT_FOUND;

	if (pthread_mutex_lock(&m->mu) != 0)
		return CCAKIT_ERR_INTERNAL;
	for (i = 0; i < m->n; i++) {
		if (m->v[i].id == id) {
			*out = m->v[i];
			mem_remove(m, i);
			r = CCAKIT_OK;
			break;
		}
	}
	pthread_mutex_unlock(&m->mu);
	return r;
}

static int
mem_purge(void *ctx, int64_t now, size_t *n)
{
	struct memstore *m = ctx;
	size_t i = 0, k = 0;

	if (pthread_mutex_lock(&m->mu) != 0)
		return CCAKIT_ERR_INTERNAL;
	while (i < m->n) {
		if (m->v[i].expires <= now) {
			mem_remove(m, i);
			k++;
		} else
			i++;
	}
	pthread_mutex_unlock(&m->mu);
	*n = k;
	return CCAKIT_OK;
}

static int
mem_count(void *ctx, size_t *n)
{
	struct memstore *m = ctx;

	if (pthread_mutex_lock(&m->mu) != 0)
		return CCAKIT_ERR_INTERNAL;
	*n = m->n;
	pthread_mutex_unlock(&m->mu);
	return CCAKIT_OK;
}

static void
mem_close(void *ctx)
{
	struct memstore *m = ctx;

	if (m == NULL)
		return;
	if (m->v != NULL) {
		ccakit_wipe(m->v, m->n * sizeof(m->v[0]));
		free(m->v);
	}
	pthread_mutex_destroy(&m->mu);
	free(m);
}

int
kbs_chstore_memory_init(struct kbs_chstore_ops *ops, void **ctx)
{
	struct memstore *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return CCAKIT_ERR_NOMEM;
	if (pthread_mutex_init(&m->mu, NULL) != 0) {
		free(m);
		return CCAKIT_ERR_INTERNAL;
	}
	ops->insert = mem_insert;
	ops->take = mem_take;
	ops->purge = mem_purge;
	ops->count = mem_count;
	ops->close = mem_close;
	*ctx = m;
	return CCAKIT_OK;
}
