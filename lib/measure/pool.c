/*
 * Parallel granule hashing.
 *
 * A pool has nthreads - 1 helper threads; the calling thread is the last
 * worker. A run over n contiguous granules is cut into chunks of
 * CHUNK_GRANULES. Workers claim chunks in ascending order with an atomic
 * counter and store the hashes in a ring of RING_CHUNKS slots; the calling
 * thread consumes the slots in order and hands them to the sink (the
 * sequential descriptor chain), and hashes a chunk itself whenever the
 * next one is not ready yet. A chunk may be claimed only when its slot is
 * free (fewer than RING_CHUNKS chunks ahead of the consumer), so memory is
 * bounded and there is no barrier inside a run: the chain of chunk k runs
 * while later chunks are being hashed.
 *
 * Synchronisation: a slot is published by a release store of its chunk
 * number + 1 and read with an acquire load, so the consumer sees the
 * hashes; the consumer publishes its position the same way before a slot
 * is reused. Helpers enter and leave a run under the mutex (active), and
 * a run returns only when no helper is inside it, so the caller may unmap
 * the granules as soon as cki_meas_pool_run() returns. Each worker owns one
 * cki_fast_md, reused for every granule.
 *
 * Serial work of the caller that does not depend on the run (unmapping
 * the previous file window) is passed as the meanwhile callback and done
 * after the helpers have been woken, so it overlaps their hashing.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "measure/measure_priv.h"

#define CHUNK_GRANULES 16u
#define RING_CHUNKS    128u

enum claim {
	CLAIMED,
	RING_FULL,
	EXHAUSTED,
};

struct run {
	const uint8_t *src;
	size_t n;                       /* granules */
	size_t nchunks;
	atomic_size_t next;             /* next chunk to claim */
	atomic_size_t consumed;         /* chunks handed to the sink */
	atomic_int abort;
	atomic_int err;
};

struct worker {
	struct cki_meas_pool *pool;
	struct cki_fast_md *h;
	pthread_t th;
};

struct cki_meas_pool {
	size_t hlen;
	unsigned nslots;                /* helper slots (nthreads - 1) */
	unsigned nhelpers;              /* helper threads that started */
	struct worker *w;
	struct cki_fast_md *mine;       /* the calling thread's context */
	uint8_t *ring;                  /* RING_CHUNKS x CHUNK_GRANULES */
	atomic_size_t done[RING_CHUNKS]; /* chunk number + 1 in each slot */

	pthread_mutex_t mu;
	pthread_cond_t cv_work;
	pthread_cond_t cv_done;
	uint64_t gen;
	unsigned active;
	bool stop;
	struct run run;
};

static enum claim
claim(struct run *j, size_t *c)
{
	size_t x = atomic_load_explicit(&j->next, memory_order_relaxed);

	for (;;) {
		if (x >= j->nchunks || atomic_load_explicit(&j->abort,
		    memory_order_relaxed) != 0)
			return EXHAUSTED;
		if (x >= atomic_load_explicit(&j->consumed,
		    memory_order_acquire) + RING_CHUNKS)
			return RING_FULL;
		if (atomic_compare_exchange_weak_explicit(&j->next, &x, x + 1,
		    memory_order_relaxed, memory_order_relaxed)) {
			*c = x;
			return CLAIMED;
		}
	}
}

static void
hash_chunk(struct cki_meas_pool *p, struct run *j, size_t c,
    struct cki_fast_md *h)
{
	size_t first = c * CHUNK_GRANULES, i, k;
	size_t cnt = j->n - first < CHUNK_GRANULES ? j->n - first :
	    CHUNK_GRANULES;
	size_t slot = c % RING_CHUNKS;
	uint8_t *out = p->ring + slot * CHUNK_GRANULES * p->hlen;

	for (i = 0; i < cnt; i++) {
		k = first + i;
		if (cki_fast_md_digest(h, j->src + k * CKI_GRANULE,
		    CKI_GRANULE, out + i * p->hlen) != 0)
			atomic_store(&j->err, 1);
	}
	atomic_store_explicit(&p->done[slot], c + 1, memory_order_release);
}

static void
helper_run(struct cki_meas_pool *p, struct run *j, struct cki_fast_md *h)
{
	size_t c;

	for (;;) {
		switch (claim(j, &c)) {
		case CLAIMED:
			hash_chunk(p, j, c, h);
			break;
		case RING_FULL:
			sched_yield();
			break;
		case EXHAUSTED:
			return;
		}
	}
}

static void *
helper_main(void *arg)
{
	struct worker *w = arg;
	struct cki_meas_pool *p = w->pool;
	uint64_t seen;

	/* Helpers start with the pool, before any run (gen 0): a run posted
	 * before this thread first takes the lock must not be missed. */
	seen = 0;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && p->gen == seen)
			pthread_cond_wait(&p->cv_work, &p->mu);
		if (p->stop)
			break;
		seen = p->gen;
		p->active++;
		pthread_mutex_unlock(&p->mu);

		helper_run(p, &p->run, w->h);

		pthread_mutex_lock(&p->mu);
		if (--p->active == 0)
			pthread_cond_broadcast(&p->cv_done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct cki_meas_pool *
cki_meas_pool_new(unsigned nthreads, EVP_MD *md, size_t hlen)
{
	struct cki_meas_pool *p;
	unsigned i;

	if (nthreads == 0)
		nthreads = 1;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->hlen = hlen;
	p->nslots = nthreads - 1;
	if ((p->w = calloc((size_t)p->nslots + 1, sizeof(*p->w))) == NULL ||
	    (p->mine = cki_fast_md_new(md, true)) == NULL ||
	    (p->ring = malloc(RING_CHUNKS * CHUNK_GRANULES * hlen)) == NULL)
		goto fail;
	for (i = 0; i < p->nslots; i++) {
		p->w[i].pool = p;
		if ((p->w[i].h = cki_fast_md_new(md, true)) == NULL)
			goto fail;
	}
	if (pthread_mutex_init(&p->mu, NULL) != 0)
		goto fail;
	if (pthread_cond_init(&p->cv_work, NULL) != 0) {
		pthread_mutex_destroy(&p->mu);
		goto fail;
	}
	if (pthread_cond_init(&p->cv_done, NULL) != 0) {
		pthread_cond_destroy(&p->cv_work);
		pthread_mutex_destroy(&p->mu);
		goto fail;
	}
	/* Fewer helpers than asked is not an error, only slower. */
	for (i = 0; i < p->nslots; i++) {
		if (pthread_create(&p->w[i].th, NULL, helper_main,
		    &p->w[i]) != 0)
			break;
		p->nhelpers++;
	}
	return p;
fail:
	if (p->w != NULL) {
		for (i = 0; i < p->nslots; i++)
			cki_fast_md_free(&p->w[i].h);
		free(p->w);
	}
	cki_fast_md_free(&p->mine);
	free(p->ring);
	free(p);
	return NULL;
}

void
cki_meas_pool_free(struct cki_meas_pool **pp)
{
	struct cki_meas_pool *p;
	unsigned i;

	if (pp == NULL || (p = *pp) == NULL)
		return;
	*pp = NULL;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv_work);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nhelpers; i++)
		pthread_join(p->w[i].th, NULL);
	pthread_cond_destroy(&p->cv_done);
	pthread_cond_destroy(&p->cv_work);
	pthread_mutex_destroy(&p->mu);
	for (i = 0; i < p->nslots; i++)
		cki_fast_md_free(&p->w[i].h);
	cki_fast_md_free(&p->mine);
	free(p->w);
	free(p->ring);
	free(p);
}

/* Single-threaded: hash a chunk, chain it, next. */
static int
run_alone(struct cki_meas_pool *p, const uint8_t *g, size_t n, uint64_t ipa,
    cki_meas_sink_fn sink, void *arg)
{
	size_t i, cnt;
	int r;

	while (n > 0) {
		cnt = n < CHUNK_GRANULES ? n : CHUNK_GRANULES;
		for (i = 0; i < cnt; i++) {
			if (cki_fast_md_digest(p->mine, g + i * CKI_GRANULE,
			    CKI_GRANULE, p->ring + i * p->hlen) != 0)
				return CCAKIT_ERR_CRYPTO;
		}
		if ((r = sink(arg, p->ring, cnt, ipa)) != 0)
			return r;
		g += cnt * CKI_GRANULE;
		n -= cnt;
		ipa += (uint64_t)cnt * CKI_GRANULE;
	}
	return 0;
}

int
cki_meas_pool_run(struct cki_meas_pool *p, const uint8_t *g, size_t n,
    uint64_t ipa, cki_meas_sink_fn sink, void *arg,
    void (*meanwhile)(void *), void *marg)
{
	struct run *j = &p->run;
	size_t consume = 0, slot, c, cnt, i;
	int r = 0;

	if (n == 0 || p->nhelpers == 0) {
		if (meanwhile != NULL)
			meanwhile(marg);
		return n == 0 ? 0 : run_alone(p, g, n, ipa, sink, arg);
	}

	pthread_mutex_lock(&p->mu);
	while (p->active > 0)
		pthread_cond_wait(&p->cv_done, &p->mu);
	j->src = g;
	j->n = n;
	j->nchunks = (n + CHUNK_GRANULES - 1) / CHUNK_GRANULES;
	atomic_store(&j->next, 0);
	atomic_store(&j->consumed, 0);
	atomic_store(&j->abort, 0);
	atomic_store(&j->err, 0);
	for (i = 0; i < RING_CHUNKS; i++)
		atomic_store(&p->done[i], 0);
	p->gen++;
	pthread_cond_broadcast(&p->cv_work);
	pthread_mutex_unlock(&p->mu);
	/* The helpers are hashing: serial work of the caller (such as
	 * unmapping the previous window) costs no idle core now. */
	if (meanwhile != NULL)
		meanwhile(marg);

	while (consume < j->nchunks) {
		slot = consume % RING_CHUNKS;
		if (atomic_load_explicit(&p->done[slot],
		    memory_order_acquire) == consume + 1) {
			cnt = n - consume * CHUNK_GRANULES;
			if (cnt > CHUNK_GRANULES)
				cnt = CHUNK_GRANULES;
			r = sink(arg, p->ring + slot * CHUNK_GRANULES * p->hlen,
			    cnt, ipa + (uint64_t)consume * CHUNK_GRANULES *
			    CKI_GRANULE);
			if (r != 0)
				break;
			consume++;
			atomic_store_explicit(&j->consumed, consume,
			    memory_order_release);
			continue;
		}
		/* The next chunk is not ready: hash one meanwhile, or wait
		 * for the helper that holds it. */
		if (claim(j, &c) == CLAIMED)
			hash_chunk(p, j, c, p->mine);
		else
			sched_yield();
	}
	if (r != 0)
		atomic_store(&j->abort, 1);

	pthread_mutex_lock(&p->mu);
	while (p->active > 0)
		pthread_cond_wait(&p->cv_done, &p->mu);
	pthread_mutex_unlock(&p->mu);
	if (r == 0 && atomic_load(&j->err) != 0)
		r = CCAKIT_ERR_CRYPTO;
	return r;
}
