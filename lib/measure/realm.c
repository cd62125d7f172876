/*
 * The RMM measurement primitives (spec §1, §2) on a ccakit_realm.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <ccakit/measure.h>

#include "measure/measure_priv.h"
#include "util/util.h"

/* Images of regular files are mapped this many bytes at a time. */
#define MAP_WINDOW      (64u * 1024 * 1024)
/*
 * CCAKIT_IO_AUTO tries both ways on the first TRIALS x TRIAL_BYTES of
 * files with at least TRIAL_MIN bytes of whole granules (see data_file());
 * smaller files are read with pread().
 */
#define TRIAL_MIN       (64u * 1024 * 1024)
#define TRIAL_BYTES     (4u * 1024 * 1024)
#define TRIALS          4
/* Other streams are read into a buffer of this many granules. */
#define READ_GRANULES   512u

#define GMASK           ((uint64_t)CKI_GRANULE - 1)

struct ccakit_realm {
	enum ccakit_rmm_version rmm;
	unsigned compat;
	unsigned nthreads;              /* 0 = online CPUs */
	enum ccakit_realm_io io;        /* asked */
	enum ccakit_realm_io io_used;   /* for the last regular file */
	bool created;
	enum ccakit_hash_algo algo;
	size_t hlen;
	uint8_t s2sz;                   /* for the RTT geometry of RIPAS */
	EVP_MD *md;
	struct cki_fast_md *h;          /* the chain, REC and REMs */
	struct cki_meas_pool *pool;
	uint8_t rim[CKI_SLOT];
	uint8_t rem[CCAKIT_REALM_NUM_REMS][CKI_SLOT];
	uint8_t desc[CKI_DESC_SIZE];
	uint8_t page[CKI_GRANULE];
};

ccakit_realm *
ccakit_realm_new(void)
{
	ccakit_realm *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->rmm = CCAKIT_RMM_1;
	return r;
}

void
ccakit_realm_free(ccakit_realm **rp)
{
	ccakit_realm *r;

	if (rp == NULL || (r = *rp) == NULL)
		return;
	*rp = NULL;
	cki_meas_pool_free(&r->pool);
	cki_fast_md_free(&r->h);
	EVP_MD_free(r->md);
	free(r);
}

int
ccakit_realm_set_rmm_version(ccakit_realm *r, enum ccakit_rmm_version v)
{
	if (r == NULL || r->created ||
	    (v != CCAKIT_RMM_1 && v != CCAKIT_RMM_2))
		return CCAKIT_ERR_INVALID_ARG;
	r->rmm = v;
	return CCAKIT_OK;
}

int
ccakit_realm_set_compat(ccakit_realm *r, unsigned compat)
{
	if (r == NULL || r->created || (compat & ~CCAKIT_COMPAT_TOOL) != 0)
		return CCAKIT_ERR_INVALID_ARG;
	r->compat = compat;
	return CCAKIT_OK;
}

int
ccakit_realm_set_threads(ccakit_realm *r, unsigned nthreads)
{
	if (r == NULL || r->created || nthreads > CCAKIT_REALM_MAX_THREADS)
		return CCAKIT_ERR_INVALID_ARG;
	r->nthreads = nthreads;
	return CCAKIT_OK;
}

int
ccakit_realm_set_io(ccakit_realm *r, enum ccakit_realm_io io)
{
	if (r == NULL || (io != CCAKIT_IO_AUTO && io != CCAKIT_IO_MMAP &&
	    io != CCAKIT_IO_PREAD))
		return CCAKIT_ERR_INVALID_ARG;
	r->io = io;
	return CCAKIT_OK;
}

enum ccakit_realm_io
ccakit_realm_io_used(const ccakit_realm *r)
{
	return r != NULL ? r->io_used : CCAKIT_IO_AUTO;
}

size_t
cki_meas_realm_hlen(const ccakit_realm *r)
{
	return r->hlen;
}

int
cki_meas_realm_algo(const ccakit_realm *r)
{
	return (int)r->algo;
}

/* RIM := H(desc) */
static int
extend_rim(ccakit_realm *r, const uint8_t *desc)
{
	if (cki_fast_md_digest(r->h, desc, CKI_DESC_SIZE, r->rim) != 0)
		return CCAKIT_ERR_CRYPTO;
	return CCAKIT_OK;
}

int
ccakit_realm_create(ccakit_realm *r, const struct ccakit_realm_params *p,
    struct ccakit_errdetail *d)
{
	int rc = CCAKIT_ERR_INTERNAL;
	size_t hlen;

	if (r == NULL || p == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "realm", NULL);
	if (r->created)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "realm",
		    "realm already created");
	if ((p->hash_algo != CCAKIT_HASH_SHA256 &&
	    p->hash_algo != CCAKIT_HASH_SHA512 &&
	    p->hash_algo != CCAKIT_HASH_SHA384) ||
	    (p->hash_algo == CCAKIT_HASH_SHA384 && r->rmm != CCAKIT_RMM_2))
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "hash_algo",
		    "hash algorithm %u not supported by this RMM version",
		    p->hash_algo);
	hlen = ccakit_hash_algo_len(p->hash_algo);
	if ((r->md = cki_meas_md_fetch(p->hash_algo)) == NULL)
		return cki_detail(d, CCAKIT_ERR_CRYPTO, "hash_algo",
		    "cannot fetch the digest");
	if ((r->h = cki_fast_md_new(r->md, true)) == NULL) {
		rc = cki_detail(d, CCAKIT_ERR_NOMEM, "realm", NULL);
		goto out;
	}
	r->algo = p->hash_algo;
	r->hlen = hlen;
	r->s2sz = p->s2sz;
	memset(r->rim, 0, sizeof(r->rim));
	memset(r->rem, 0, sizeof(r->rem));
	cki_meas_ser_realm_params(r->page, p);
	if (cki_fast_md_digest(r->h, r->page, CKI_GRANULE, r->rim) != 0) {
		rc = cki_detail(d, CCAKIT_ERR_CRYPTO, "realm", NULL);
		goto out;
	}
	r->created = true;
	rc = CCAKIT_OK;
out:
	if (rc != CCAKIT_OK) {
		cki_fast_md_free(&r->h);
		EVP_MD_free(r->md);
		r->md = NULL;
	}
	return rc;
}

static int
need_created(const ccakit_realm *r, struct ccakit_errdetail *d)
{
	if (r == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "realm", NULL);
	if (!r->created)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "realm",
		    "no REALM_CREATE yet");
	return CCAKIT_OK;
}

/* --- DATA ----------------------------------------------------------- */

/* Sink of the granule pool: one DATA descriptor per granule hash. */
static int
data_sink(void *arg, const uint8_t *hashes, size_t n, uint64_t ipa)
{
	ccakit_realm *r = arg;
	uint8_t *desc = r->desc;
	size_t i;

	if (n == 0)
		return CCAKIT_OK;
	cki_meas_ser_desc_data(desc, r->rim, r->hlen, ipa,
	    CKI_RMI_MEASURE_CONTENT, hashes);
	for (i = 0; i < n; i++) {
		if (i > 0) {
			/* Only the RIM, the IPA and the content change. */
			memcpy(desc + offsetof(struct cki_desc_data, rim),
			    r->rim, r->hlen);
			cki_meas_put_le64(desc +
			    offsetof(struct cki_desc_data, ipa),
			    ipa + (uint64_t)i * CKI_GRANULE);
			memcpy(desc + offsetof(struct cki_desc_data, content),
			    hashes + i * r->hlen, r->hlen);
		}
		if (extend_rim(r, desc) != CCAKIT_OK)
			return CCAKIT_ERR_CRYPTO;
	}
	return CCAKIT_OK;
}

static int
get_pool(ccakit_realm *r, struct ccakit_errdetail *d)
{
	unsigned n;

	if (r->pool != NULL)
		return CCAKIT_OK;
	/*
	 * Default: one thread per online CPU, the calling thread included;
	 * it runs the descriptor chain and hashes whenever the next chunk is
	 * not ready. A thread more than there are CPUs would share a core
	 * with the chain: the helpers then run up to the ring size ahead of
	 * it and the chain finishes each run alone.
	 */
	n = r->nthreads != 0 ? r->nthreads : cki_meas_online_cpus();
	if ((r->pool = cki_meas_pool_new(n, r->md, r->hlen)) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, "realm", NULL);
	return CCAKIT_OK;
}

/*
 * State of one image being measured: the IPA of the next granule, the
 * head padding still owed and an optional whole-image digest.
 */
struct blob {
	ccakit_realm *r;
	uint64_t ipa;                   /* image start */
	uint64_t gipa;                  /* next granule */
	uint64_t total;                 /* image bytes so far */
	EVP_MD_CTX *dctx;               /* NULL: no whole-image digest */
	void *unmap;                    /* file window done with, or NULL */
	size_t unmaplen;
};

/* The image may not reach the last granule of the 64-bit space. */
static int
blob_add(struct blob *b, uint64_t n, struct ccakit_errdetail *d)
{
	uint64_t lim;

	if (b->ipa > UINT64_MAX - GMASK)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "ipa",
		    "image in the last granule of the IPA space");
	lim = UINT64_MAX - GMASK - b->ipa;
	if (n > lim || b->total > lim - n)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "ipa",
		    "image wraps the IPA space");
	b->total += n;
	return CCAKIT_OK;
}

static int
blob_digest(struct blob *b, const void *p, size_t n)
{
	if (b->dctx != NULL && n > 0 && EVP_DigestUpdate(b->dctx, p, n) != 1)
		return CCAKIT_ERR_CRYPTO;
	return CCAKIT_OK;
}

/* Drop the file window hashed last, if any. */
static void
blob_unmap(void *arg)
{
	struct blob *b = arg;

	if (b->unmap != NULL)
		munmap(b->unmap, b->unmaplen);
	b->unmap = NULL;
}

static int
blob_feed(struct blob *b, const uint8_t *g, size_t n)
{
	int rc;

	if (n == 0)
		return CCAKIT_OK;
	if ((rc = cki_meas_pool_run(b->r->pool, g, n, b->gipa, data_sink,
	    b->r, blob_unmap, b)) != CCAKIT_OK)
		return rc;
	b->gipa += (uint64_t)n * CKI_GRANULE;
	return CCAKIT_OK;
}

/* A partial granule: len bytes at offset off, zeros around. */
static int
blob_partial(struct blob *b, size_t off, const uint8_t *p, size_t len)
{
	uint8_t *g = b->r->page;

	memset(g, 0, CKI_GRANULE);
	if (len > 0)
		memcpy(g + off, p, len);
	return blob_feed(b, g, 1);
}

static int
data_mem(struct blob *b, const uint8_t *buf, size_t len,
    struct ccakit_errdetail *d)
{
	size_t off = (size_t)(b->ipa & GMASK), pos = 0, head, full;
	int rc;

	if ((rc = blob_add(b, len, d)) != CCAKIT_OK ||
	    (rc = blob_digest(b, buf, len)) != CCAKIT_OK)
		return rc;
	/* Empty: buf may be NULL, where even buf + 0 is undefined. */
	if (len == 0)
		return off != 0 ? blob_partial(b, off, NULL, 0) : CCAKIT_OK;
	if (off != 0) {
		head = len < CKI_GRANULE - off ? len : CKI_GRANULE - off;
		if ((rc = blob_partial(b, off, buf, head)) != CCAKIT_OK)
			return rc;
		pos = head;
	}
	full = (len - pos) / CKI_GRANULE;
	if ((rc = blob_feed(b, buf + pos, full)) != CCAKIT_OK)
		return rc;
	pos += full * CKI_GRANULE;
	if (pos < len)
		rc = blob_partial(b, 0, buf + pos, len - pos);
	return rc;
}

static double
mono(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * n whole granules of the file from pos, mapped and hashed in place. The
 * mapping is dropped by the next run, once its hashing has started, or
 * right away with now (so that a timed trial pays its own munmap()).
 */
static int
feed_mapped(struct blob *b, int fd, uint64_t pos, size_t n, size_t pg,
    bool now, struct ccakit_errdetail *d)
{
	uint64_t mo = pos & ~((uint64_t)pg - 1);
	size_t delta = (size_t)(pos - mo), maplen = delta + n * CKI_GRANULE;
	void *m;
	int rc;

	m = mmap(NULL, maplen, PROT_READ, MAP_PRIVATE, fd, (off_t)mo);
	if (m == MAP_FAILED)
		return cki_detail(d, CCAKIT_ERR_IO, "image",
		    "cannot map the file");
	(void)madvise(m, maplen, MADV_SEQUENTIAL);
	rc = blob_digest(b, (uint8_t *)m + delta, n * CKI_GRANULE);
	if (rc == CCAKIT_OK)
		rc = blob_feed(b, (uint8_t *)m + delta, n);
	blob_unmap(b);
	b->unmap = m;
	b->unmaplen = maplen;
	if (now)
		blob_unmap(b);
	return rc;
}

/* n whole granules of the file from pos, read by the workers. */
static int
feed_read(struct blob *b, int fd, uint64_t pos, size_t n,
    struct ccakit_errdetail *d)
{
	int rc;

	rc = cki_meas_pool_run_fd(b->r->pool, fd, pos, n, b->gipa, data_sink,
	    b->r);
	if (rc == CCAKIT_ERR_IO)
		return cki_detail(d, rc, "image", "read error");
	if (rc == CCAKIT_OK)
		b->gipa += (uint64_t)n * CKI_GRANULE;
	return rc;
}

/*
 * A regular file: head and tail granules with pread(); the whole granules
 * in between either mapped MAP_WINDOW bytes at a time (hashed in place,
 * nothing copied; a window is dropped before the next one is hashed, so
 * memory use does not grow with the file), or read by the workers with
 * pread() into buffers of their own (one pool run).
 *
 * CCAKIT_IO_AUTO chooses by measurement, on the work itself. Mapping
 * costs, besides the hashing, the first touch of every mapped page (a
 * fault maps 16 pages; with shadow page tables each page's first access
 * is costly too) and the munmap(); reading costs a copy and a system call
 * per 256 KiB. Which is cheaper depends on the machine, not on the file:
 * about 90 ns a page mapped where the mapping path was tuned, less than
 * the copy; 1.1 to 1.4 us of user time a page mapped on a VM with shadow
 * page tables (PVM), where pread() copies a page in 0.26 us. So the first
 * TRIALS runs of TRIAL_BYTES each are hashed alternately mapped and read,
 * each timed whole (a mapped trial unmaps before its clock stops), and
 * the rest goes the way whose best trial was faster. Nothing is done
 * twice: the trials are part of the measurement, in order. A trial
 * includes the hashing, common to both, so the choice is between nearly
 * equal ways only when they are nearly equal (the VM this was written on
 * today: within 10 %). Files under TRIAL_MIN of whole granules are read:
 * the difference is small in time there, and a file truncated meanwhile
 * then fails with CCAKIT_ERR_IO instead of SIGBUS. A whole-image digest
 * (dctx) needs the bytes in order in this thread: always mapped.
 */
static int
data_file(struct blob *b, int fd, uint64_t size, struct ccakit_errdetail *d)
{
	size_t off = (size_t)(b->ipa & GMASK), head = 0, n;
	uint64_t pos = 0, full;
	long pgl = sysconf(_SC_PAGESIZE);
	size_t pg = pgl > 0 && (pgl & (pgl - 1)) == 0 ? (size_t)pgl : 4096;
	double best[2] = { 1e300, 1e300 }, t;
	enum ccakit_realm_io io, way;
	uint8_t *tmp = NULL;
	int rc, trial = 0;

	if (size > SIZE_MAX)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "image", NULL);
	if ((rc = blob_add(b, size, d)) != CCAKIT_OK)
		return rc;
	if ((tmp = malloc(CKI_GRANULE)) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, "image", NULL);
	if (off != 0) {
		head = size < CKI_GRANULE - off ? (size_t)size :
		    CKI_GRANULE - off;
		if (cki_meas_pread_full(fd, tmp, head, 0) != 0) {
			rc = cki_detail(d, CCAKIT_ERR_IO, "image",
			    "read error");
			goto out;
		}
		if ((rc = blob_digest(b, tmp, head)) != CCAKIT_OK ||
		    (rc = blob_partial(b, off, tmp, head)) != CCAKIT_OK)
			goto out;
		pos = head;
	}
	full = (size - pos) / CKI_GRANULE;
	io = b->r->io;
	if (b->dctx != NULL)
		io = CCAKIT_IO_MMAP;
	else if (io == CCAKIT_IO_AUTO && full < TRIAL_MIN / CKI_GRANULE)
		io = CCAKIT_IO_PREAD;
	while (full > 0) {
		if (io == CCAKIT_IO_AUTO) {
			way = trial % 2 == 0 ? CCAKIT_IO_MMAP : CCAKIT_IO_PREAD;
			n = TRIAL_BYTES / CKI_GRANULE;
		} else {
			way = io;
			n = io == CCAKIT_IO_MMAP ? MAP_WINDOW / CKI_GRANULE :
			    SIZE_MAX;
		}
		if (n > full)
			n = (size_t)full;
		t = mono();
		rc = way == CCAKIT_IO_MMAP ? feed_mapped(b, fd, pos, n, pg,
		    io == CCAKIT_IO_AUTO, d) : feed_read(b, fd, pos, n, d);
		t = mono() - t;
		if (rc != CCAKIT_OK)
			goto out;
		pos += (uint64_t)n * CKI_GRANULE;
		full -= n;
		if (io == CCAKIT_IO_AUTO) {
			if (t < best[way == CCAKIT_IO_PREAD])
				best[way == CCAKIT_IO_PREAD] = t;
			if (++trial == TRIALS)
				io = best[0] < best[1] ? CCAKIT_IO_MMAP :
				    CCAKIT_IO_PREAD;
		}
	}
	/* What the bulk went through (a file that ended within the trials:
	 * what they found faster so far). */
	if (io == CCAKIT_IO_AUTO)
		io = best[0] < best[1] ? CCAKIT_IO_MMAP : CCAKIT_IO_PREAD;
	b->r->io_used = io;
	if (pos < size) {
		n = (size_t)(size - pos);
		if (cki_meas_pread_full(fd, tmp, n, pos) != 0) {
			rc = cki_detail(d, CCAKIT_ERR_IO, "image",
			    "read error");
			goto out;
		}
		if ((rc = blob_digest(b, tmp, n)) != CCAKIT_OK ||
		    (rc = blob_partial(b, 0, tmp, n)) != CCAKIT_OK)
			goto out;
	}
	rc = CCAKIT_OK;
out:
	blob_unmap(b);
	free(tmp);
	return rc;
}

static int
read_fd(void *arg, uint8_t *buf, size_t len, size_t *got)
{
	int fd = *(int *)arg;
	ssize_t n;

	do {
		n = read(fd, buf, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return CCAKIT_ERR_IO;
	*got = (size_t)n;
	return CCAKIT_OK;
}

/*
 * Any stream: a buffer of READ_GRANULES granules starting with the head
 * padding; whole granules are fed as they fill up, the partial rest moves
 * to the front, and the final partial granule is zero padded.
 */
static int
data_stream(struct blob *b, ccakit_read_fn fn, void *arg,
    struct ccakit_errdetail *d)
{
	const size_t cap = READ_GRANULES * CKI_GRANULE;
	size_t fill = (size_t)(b->ipa & GMASK), got, full, rest;
	uint8_t *buf;
	bool eof = false;
	int rc;

	if ((buf = calloc(1, cap)) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, "image", NULL);
	while (!eof) {
		got = 0;
		rc = fn(arg, buf + fill, cap - fill, &got);
		if (rc != CCAKIT_OK || got > cap - fill) {
			rc = cki_detail(d, rc != CCAKIT_OK ? rc : CCAKIT_ERR_IO,
			    "image", "read error");
			goto out;
		}
		if (got == 0)
			eof = true;
		if ((rc = blob_add(b, got, d)) != CCAKIT_OK ||
		    (rc = blob_digest(b, buf + fill, got)) != CCAKIT_OK)
			goto out;
		fill += got;
		full = fill / CKI_GRANULE;
		if (eof || full == READ_GRANULES) {
			if ((rc = blob_feed(b, buf, full)) != CCAKIT_OK)
				goto out;
			rest = fill - full * CKI_GRANULE;
			memmove(buf, buf + full * CKI_GRANULE, rest);
			fill = rest;
		}
	}
	if (fill > 0) {
		memset(buf + fill, 0, CKI_GRANULE - fill);
		if ((rc = blob_feed(b, buf, 1)) != CCAKIT_OK)
			goto out;
	}
	rc = CCAKIT_OK;
out:
	free(buf);
	return rc;
}

static int
data_fd(struct blob *b, int fd, struct ccakit_errdetail *d)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return cki_detail(d, CCAKIT_ERR_IO, "image", "cannot stat");
	if (S_ISREG(st.st_mode))
		return data_file(b, fd, (uint64_t)st.st_size, d);
	return data_stream(b, read_fd, &fd, d);
}

int
cki_meas_realm_data_src_digest(ccakit_realm *r, uint64_t ipa,
    const struct ccakit_image_src *src, uint64_t *total,
    const EVP_MD *dmd, uint8_t *digest, struct ccakit_errdetail *d)
{
	struct blob b;
	int rc, fd = -1;

	if ((rc = need_created(r, d)) != CCAKIT_OK)
		return rc;
	if (src == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "image", NULL);
	if ((rc = get_pool(r, d)) != CCAKIT_OK)
		return rc;
	memset(&b, 0, sizeof(b));
	b.r = r;
	b.ipa = ipa;
	b.gipa = ipa & ~GMASK;
	if (dmd != NULL) {
		if ((b.dctx = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestInit_ex2(b.dctx, dmd, NULL) != 1) {
			rc = cki_detail(d, CCAKIT_ERR_CRYPTO, "image", NULL);
			goto out;
		}
	}
	switch (src->kind) {
	case CCAKIT_SRC_MEM:
		if (src->mem == NULL && src->len != 0) {
			rc = cki_detail(d, CCAKIT_ERR_INVALID_ARG, "image",
			    NULL);
			break;
		}
		rc = data_mem(&b, src->mem, src->len, d);
		break;
	case CCAKIT_SRC_FD:
		rc = data_fd(&b, src->fd, d);
		break;
	case CCAKIT_SRC_PATH:
		if (src->path == NULL ||
		    (fd = open(src->path, O_RDONLY | O_CLOEXEC)) < 0) {
			rc = cki_detail(d, CCAKIT_ERR_IO, "image",
			    "cannot open %s", src->path != NULL ? src->path :
			    "(null)");
			break;
		}
		rc = data_fd(&b, fd, d);
		break;
	case CCAKIT_SRC_READ:
		if (src->read == NULL) {
			rc = cki_detail(d, CCAKIT_ERR_INVALID_ARG, "image",
			    NULL);
			break;
		}
		rc = data_stream(&b, src->read, src->arg, d);
		break;
	case CCAKIT_SRC_NONE:
	default:
		rc = cki_detail(d, CCAKIT_ERR_INVALID_ARG, "image",
		    "no image source");
		break;
	}
	if (rc == CCAKIT_OK && b.dctx != NULL &&
	    EVP_DigestFinal_ex(b.dctx, digest, NULL) != 1)
		rc = cki_detail(d, CCAKIT_ERR_CRYPTO, "image", NULL);
	if (rc == CCAKIT_OK && total != NULL)
		*total = b.total;
out:
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(b.dctx);
	return rc;
}

int
ccakit_realm_data_src(ccakit_realm *r, uint64_t ipa,
    const struct ccakit_image_src *src, uint64_t *total,
    struct ccakit_errdetail *d)
{
	return cki_meas_realm_data_src_digest(r, ipa, src, total, NULL, NULL,
	    d);
}

int
ccakit_realm_data(ccakit_realm *r, uint64_t ipa, const void *buf, size_t len,
    struct ccakit_errdetail *d)
{
	struct ccakit_image_src src;

	memset(&src, 0, sizeof(src));
	src.kind = CCAKIT_SRC_MEM;
	src.mem = buf;
	src.len = len;
	return cki_meas_realm_data_src_digest(r, ipa, &src, NULL, NULL, NULL,
	    d);
}

int
ccakit_realm_data_granule_hash(ccakit_realm *r, uint64_t ipa,
    const uint8_t *hash, size_t len, struct ccakit_errdetail *d)
{
	int rc;

	if ((rc = need_created(r, d)) != CCAKIT_OK)
		return rc;
	if ((ipa & GMASK) != 0 || hash == NULL || len != r->hlen)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "granule",
		    "unaligned IPA or wrong hash length");
	cki_meas_ser_desc_data(r->desc, r->rim, r->hlen, ipa,
	    CKI_RMI_MEASURE_CONTENT, hash);
	return extend_rim(r, r->desc);
}

int
ccakit_realm_data_unmeasured(ccakit_realm *r, uint64_t ipa, uint64_t size,
    struct ccakit_errdetail *d)
{
	uint64_t g, end;
	int rc;

	if ((rc = need_created(r, d)) != CCAKIT_OK)
		return rc;
	if (ipa > UINT64_MAX - GMASK || size > UINT64_MAX - GMASK - ipa)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "ipa",
		    "region wraps the IPA space");
	end = (ipa + size + GMASK) & ~GMASK;
	for (g = ipa & ~GMASK; g < end; g += CKI_GRANULE) {
		cki_meas_ser_desc_data(r->desc, r->rim, r->hlen, g,
		    CKI_RMI_NO_MEASURE_CONTENT, NULL);
		if ((rc = extend_rim(r, r->desc)) != CCAKIT_OK)
			return rc;
	}
	return CCAKIT_OK;
}

/* --- RIPAS, REC, REM ------------------------------------------------ */

int
ccakit_realm_init_ripas(ccakit_realm *r, uint64_t base, uint64_t top,
    struct ccakit_errdetail *d)
{
	uint64_t mask, bs, cur;
	int rc;

	if ((rc = need_created(r, d)) != CCAKIT_OK)
		return rc;
	if (r->rmm == CCAKIT_RMM_2)
		return CCAKIT_OK;
	if (top > UINT64_MAX - GMASK)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "ripas",
		    "range wraps the IPA space");
	base &= ~GMASK;
	top = (top + GMASK) & ~GMASK;
	mask = cki_meas_block_sizes(r->s2sz);
	if (mask == 0 && base < top)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "s2sz",
		    "IPA width has no stage-2 geometry");
	for (cur = base; cur < top; cur += bs) {
		bs = cki_meas_find_block_size(cur, top, mask);
		cki_meas_ser_desc_ripas(r->desc, r->rim, r->hlen, cur,
		    cur + bs);
		if ((rc = extend_rim(r, r->desc)) != CCAKIT_OK)
			return rc;
	}
	return CCAKIT_OK;
}

int
ccakit_realm_rec_create(ccakit_realm *r, const struct ccakit_rec_params *rec,
    struct ccakit_errdetail *d)
{
	uint8_t content[CKI_SLOT];
	int rc;

	if ((rc = need_created(r, d)) != CCAKIT_OK)
		return rc;
	if (rec == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "rec", NULL);
	if ((rec->flags & CCAKIT_REC_FLAG_RUNNABLE) == 0 &&
	    (r->compat & CCAKIT_COMPAT_TOOL_REC) == 0)
		return CCAKIT_OK;
	memset(content, 0, sizeof(content));
	cki_meas_ser_rec_params(r->page, rec);
	if (cki_fast_md_digest(r->h, r->page, CKI_GRANULE, content) != 0)
		return cki_detail(d, CCAKIT_ERR_CRYPTO, "rec", NULL);
	cki_meas_ser_desc_rec(r->desc, r->rim, r->hlen, content);
	return extend_rim(r, r->desc);
}

int
ccakit_realm_rem_extend(ccakit_realm *r, unsigned index, const uint8_t *data,
    size_t len, struct ccakit_errdetail *d)
{
	uint8_t buf[2 * CKI_SLOT];
	size_t n;
	int rc;

	if ((rc = need_created(r, d)) != CCAKIT_OK)
		return rc;
	if (index >= CCAKIT_REALM_NUM_REMS || len > CKI_SLOT ||
	    (data == NULL && len != 0))
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "rem",
		    "index must be 0..3 and size <= 64");
	memset(buf, 0, sizeof(buf));
	if ((r->compat & CCAKIT_COMPAT_TOOL_REM) != 0) {
		/* Upstream tool: H(data zero-padded to 64), history lost. */
		if (len > 0)
			memcpy(buf, data, len);
		n = CKI_SLOT;
	} else {
		/* RMM: H(REM[0:L] || data[0:len]). */
		memcpy(buf, r->rem[index], r->hlen);
		if (len > 0)
			memcpy(buf + r->hlen, data, len);
		n = r->hlen + len;
	}
	if (cki_fast_md_digest(r->h, buf, n, r->rem[index]) != 0)
		return cki_detail(d, CCAKIT_ERR_CRYPTO, "rem", NULL);
	return CCAKIT_OK;
}

int
ccakit_realm_get(const ccakit_realm *r, struct ccakit_realm_meas *out)
{
	if (r == NULL || out == NULL || !r->created)
		return CCAKIT_ERR_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	out->hash_algo = (uint8_t)r->algo;
	out->len = r->hlen;
	memcpy(out->rim, r->rim, sizeof(out->rim));
	memcpy(out->rem, r->rem, sizeof(out->rem));
	return CCAKIT_OK;
}

/* --- whole-source digest --------------------------------------------- */

int
cki_meas_digest_src(const struct ccakit_image_src *src, const EVP_MD *md,
    uint8_t *out, uint64_t *total, struct ccakit_errdetail *d)
{
	const size_t cap = 1024 * 1024;
	EVP_MD_CTX *ctx = NULL;
	uint8_t *buf = NULL;
	uint64_t n = 0;
	size_t got;
	ssize_t k;
	int rc = CCAKIT_ERR_INTERNAL, fd = -1;

	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex2(ctx, md, NULL) != 1) {
		rc = cki_detail(d, CCAKIT_ERR_CRYPTO, "image", NULL);
		goto out;
	}
	if (src->kind == CCAKIT_SRC_MEM) {
		if ((src->mem == NULL && src->len != 0) ||
		    EVP_DigestUpdate(ctx, src->mem, src->len) != 1) {
			rc = cki_detail(d, CCAKIT_ERR_INVALID_ARG, "image",
			    NULL);
			goto out;
		}
		n = src->len;
	} else if (src->kind == CCAKIT_SRC_FD || src->kind == CCAKIT_SRC_PATH) {
		if (src->kind == CCAKIT_SRC_PATH && (src->path == NULL ||
		    (fd = open(src->path, O_RDONLY | O_CLOEXEC)) < 0)) {
			rc = cki_detail(d, CCAKIT_ERR_IO, "image",
			    "cannot open %s", src->path != NULL ? src->path :
			    "(null)");
			goto out;
		}
		if ((buf = malloc(cap)) == NULL) {
			rc = cki_detail(d, CCAKIT_ERR_NOMEM, "image", NULL);
			goto out;
		}
		for (;;) {
			k = pread(fd >= 0 ? fd : src->fd, buf, cap, (off_t)n);
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				rc = cki_detail(d, CCAKIT_ERR_IO, "image",
				    "read error");
				goto out;
			}
			if (k == 0)
				break;
			if (EVP_DigestUpdate(ctx, buf, (size_t)k) != 1) {
				rc = cki_detail(d, CCAKIT_ERR_CRYPTO, "image",
				    NULL);
				goto out;
			}
			n += (uint64_t)k;
		}
	} else if (src->kind == CCAKIT_SRC_READ && src->read != NULL) {
		if ((buf = malloc(cap)) == NULL) {
			rc = cki_detail(d, CCAKIT_ERR_NOMEM, "image", NULL);
			goto out;
		}
		for (;;) {
			got = 0;
			if (src->read(src->arg, buf, cap, &got) != CCAKIT_OK ||
			    got > cap) {
				rc = cki_detail(d, CCAKIT_ERR_IO, "image",
				    "read error");
				goto out;
			}
			if (got == 0)
				break;
			if (EVP_DigestUpdate(ctx, buf, got) != 1) {
				rc = cki_detail(d, CCAKIT_ERR_CRYPTO, "image",
				    NULL);
				goto out;
			}
			n += got;
		}
	} else {
		rc = cki_detail(d, CCAKIT_ERR_INVALID_ARG, "image",
		    "no image source");
		goto out;
	}
	if (EVP_DigestFinal_ex(ctx, out, NULL) != 1) {
		rc = cki_detail(d, CCAKIT_ERR_CRYPTO, "image", NULL);
		goto out;
	}
	if (total != NULL)
		*total = n;
	rc = CCAKIT_OK;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	EVP_MD_CTX_free(ctx);
	return rc;
}
