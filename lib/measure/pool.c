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
 *
 * A run may instead read its granules from a file (cki_meas_pool_run_fd):
 * a worker claims READ_CHUNKS chunks at once (256 KiB, one system call;
 * a pread() costs about 1 us on a VM, 2 % of a 64 KiB chunk's hashing),
 * pread()s them into a buffer of its own, allocated and touched when the
 * pool is made and reused for every read, then hashes them from there,
 * still in cache, publishing each chunk as it is done. The copy is spread
 * over the workers and overlaps the other workers' hashing (the read-ahead
 * of one worker is the others' hashing time), and no page of the file is
 * ever mapped: where the first touch of a mapped page is expensive (shadow
 * page tables), this is what wins. realm.c chooses between the two. A
 * failed or short read stops the run with CCAKIT_ERR_IO: the consumer
 * checks the run's error before every chunk it chains.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "measure/measure_priv.h"

#define CHUNK_GRANULES 16u
#define RING_CHUNKS    128u

enum claim {
	CLAIMED,
	RING_FULL,
	EXHAUSTED,
};

/* A worker reads this many chunks of a file at once (one system call). */
#define READ_CHUNKS    4u
#define CHUNK_BYTES    (CHUNK_GRANULES * CKI_GRANULE)
#define READ_BYTES     (READ_CHUNKS * CHUNK_BYTES)

struct run {
	const uint8_t *src;             /* the granules, or NULL: */
	int fd;                         /* read from fd */
	uint64_t off;                   /* at this offset */
	size_t n;                       /* granules */
	size_t nchunks;
	atomic_size_t next;             /* next chunk to claim */
	atomic_size_t consumed;         /* chunks handed to the sink */
	atomic_int abort;
	atomic_int err;                 /* 0 or the first ccakit error */
};

struct worker {
	struct cki_meas_pool *pool;
	struct cki_fast_md *h;
	uint8_t *buf;                   /* READ_BYTES for file runs */
	pthread_t th;
};

struct cki_meas_pool {
	size_t hlen;
	unsigned nslots;                /* helper slots (nthreads - 1) */
	unsigned nhelpers;              /* helper threads that started */
	struct worker *w;
	struct cki_fast_md *mine;       /* the calling thread's context */
	uint8_t *mybuf;                 /* and its read buffer */
	uint8_t *bufs;                  /* all read buffers, one block */
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

/*
 * Claim up to *k chunks from the next one (fewer at the end of the run or
 * of the free ring slots): the first in *c, the count in *k.
 */
static enum claim
claim(struct run *j, size_t *c, size_t *k)
{
	size_t x = atomic_load_explicit(&j->next, memory_order_relaxed);
	size_t lim, want;

	for (;;) {
		if (x >= j->nchunks || atomic_load_explicit(&j->abort,
		    memory_order_relaxed) != 0)
			return EXHAUSTED;
		lim = atomic_load_explicit(&j->consumed, memory_order_acquire) +
		    RING_CHUNKS;
		if (x >= lim)
			return RING_FULL;
		want = *k;
		if (want > j->nchunks - x)
			want = j->nchunks - x;
		if (want > lim - x)
			want = lim - x;
		if (atomic_compare_exchange_weak_explicit(&j->next, &x,
		    x + want, memory_order_relaxed, memory_order_relaxed)) {
			*c = x;
			*k = want;
			return CLAIMED;
		}
	}
}

int
cki_meas_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *b = buf;
	ssize_t n;

	while (len > 0) {
		if (off > (uint64_t)INT64_MAX - len)
			return -1;
		n = pread(fd, b, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static void
set_err(struct run *j, int e)
{
	int none = 0;

	(void)atomic_compare_exchange_strong(&j->err, &none, e);
}

/*
 * Granules [first, first + cnt) of the run: in place, or read into buf;
 * NULL (and the run's error set) when they cannot be read.
 */
static const uint8_t *
granules(struct run *j, size_t first, size_t cnt, uint8_t *buf)
{
	if (j->src != NULL)
		return j->src + first * CKI_GRANULE;
	if (cki_meas_pread_full(j->fd, buf, cnt * CKI_GRANULE,
	    j->off + (uint64_t)first * CKI_GRANULE) != 0) {
		/* Failed, or short: the file shrank. Stop the run. */
		set_err(j, CCAKIT_ERR_IO);
		return NULL;
	}
	return buf;
}

static void
hash_into(struct cki_meas_pool *p, struct run *j, struct cki_fast_md *h,
    const uint8_t *g, size_t cnt, uint8_t *out)
{
	size_t i;

	for (i = 0; i < cnt; i++) {
		if (cki_fast_md_digest(h, g + i * CKI_GRANULE, CKI_GRANULE,
		    out + i * p->hlen) != 0)
			set_err(j, CCAKIT_ERR_CRYPTO);
	}
}

/* Chunks [c, c + k): hash each and publish its slot. */
static void
hash_chunks(struct cki_meas_pool *p, struct run *j, size_t c, size_t k,
    struct cki_fast_md *h, uint8_t *buf)
{
	size_t first = c * CHUNK_GRANULES, f, cnt, slot, i;
	size_t end = (c + k) * CHUNK_GRANULES < j->n ?
	    (c + k) * CHUNK_GRANULES : j->n;
	const uint8_t *g = granules(j, first, end - first, buf);

	for (i = 0; i < k; i++) {
		f = (c + i) * CHUNK_GRANULES;
		cnt = end - f < CHUNK_GRANULES ? end - f : CHUNK_GRANULES;
		slot = (c + i) % RING_CHUNKS;
		if (g != NULL)
			hash_into(p, j, h, g + (f - first) * CKI_GRANULE, cnt,
			    p->ring + slot * CHUNK_GRANULES * p->hlen);
		atomic_store_explicit(&p->done[slot], c + i + 1,
		    memory_order_release);
	}
}

static void
helper_run(struct cki_meas_pool *p, struct run *j, struct worker *w)
{
	size_t c, k;

	for (;;) {
		k = j->src != NULL ? 1 : READ_CHUNKS;
		switch (claim(j, &c, &k)) {
		case CLAIMED:
			hash_chunks(p, j, c, k, w->h, w->buf);
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

		helper_run(p, &p->run, w);

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
	    (p->ring = malloc(RING_CHUNKS * CHUNK_GRANULES * hlen)) == NULL ||
	    posix_memalign((void **)&p->bufs, CKI_GRANULE,
	    ((size_t)p->nslots + 1) * READ_BYTES) != 0)
		goto fail;
	/* Touched once here, so a file run never faults on them. */
	memset(p->bufs, 0, ((size_t)p->nslots + 1) * READ_BYTES);
	p->mybuf = p->bufs + (size_t)p->nslots * READ_BYTES;
	for (i = 0; i < p->nslots; i++) {
		p->w[i].pool = p;
		p->w[i].buf = p->bufs + (size_t)i * READ_BYTES;
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
	free(p->bufs);
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
	free(p->bufs);
	free(p);
}

/* Single-threaded: hash a chunk (a read's worth from a file), chain it. */
static int
run_alone(struct cki_meas_pool *p, struct run *j, uint64_t ipa,
    cki_meas_sink_fn sink, void *arg)
{
	size_t first, cnt, step = j->src != NULL ? CHUNK_GRANULES :
	    READ_CHUNKS * CHUNK_GRANULES;
	const uint8_t *g;
	int r;

	for (first = 0; first < j->n; first += cnt) {
		cnt = j->n - first < step ? j->n - first : step;
		if ((g = granules(j, first, cnt, p->mybuf)) != NULL)
			hash_into(p, j, p->mine, g, cnt, p->ring);
		if ((r = atomic_load(&j->err)) != 0)
			return r;
		if ((r = sink(arg, p->ring, cnt, ipa + (uint64_t)first *
		    CKI_GRANULE)) != 0)
			return r;
	}
	return 0;
}

static int
pool_run(struct cki_meas_pool *p, const uint8_t *g, int fd, uint64_t off,
    size_t n, uint64_t ipa, cki_meas_sink_fn sink, void *arg,
    void (*meanwhile)(void *), void *marg)
{
	struct run *j = &p->run;
	size_t consume = 0, slot, c, k, cnt, i;
	int r = 0;

	if (n == 0 || p->nhelpers == 0) {
		if (meanwhile != NULL)
			meanwhile(marg);
		if (n == 0)
			return 0;
		j->src = g;
		j->fd = fd;
		j->off = off;
		j->n = n;
		atomic_store(&j->err, 0);
		return run_alone(p, j, ipa, sink, arg);
	}

	pthread_mutex_lock(&p->mu);
	while (p->active > 0)
		pthread_cond_wait(&p->cv_done, &p->mu);
	j->src = g;
	j->fd = fd;
	j->off = off;
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
		if ((r = atomic_load(&j->err)) != 0)
			break;
		slot = consume % RING_CHUNKS;
		if (atomic_load_explicit(&p->done[slot],
		    memory_order_acquire) == consume + 1) {
			/* Set before the slot was published. */
			if ((r = atomic_load(&j->err)) != 0)
				break;
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
		k = g != NULL ? 1 : READ_CHUNKS;
		if (claim(j, &c, &k) == CLAIMED)
			hash_chunks(p, j, c, k, p->mine, p->mybuf);
		else
			sched_yield();
	}
	if (r != 0)
		atomic_store(&j->abort, 1);

	pthread_mutex_lock(&p->mu);
	while (p->active > 0)
		pthread_cond_wait(&p->cv_done, &p->mu);
	pthread_mutex_unlock(&p->mu);
	if (r == 0)
		r = atomic_load(&j->err);
	return r;
}

int
cki_meas_pool_run(struct cki_meas_pool *p, const uint8_t *g, size_t n,
    uint64_t ipa, cki_meas_sink_fn sink, void *arg,
    void (*meanwhile)(void *), void *marg)
{
	return pool_run(p, g, -1, 0, n, ipa, sink, arg, meanwhile, marg);
}

int
cki_meas_pool_run_fd(struct cki_meas_pool *p, int fd, uint64_t off,
    size_t n, uint64_t ipa, cki_meas_sink_fn sink, void *arg)
{
	return pool_run(p, NULL, fd, off, n, ipa, sink, arg, NULL, NULL);
}
