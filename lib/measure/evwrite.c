/*
 * Realm measurement log writer: the log a VMM would write for a measured
 * configuration, event for event in the order the RIM is computed, in the
 * layout the kvmtool and QEMU producers use (spec §4.1).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <ccakit/eventlog.h>
#include <ccakit/measure.h>

#include "measure/measure_priv.h"
#include "util/util.h"

#define GMASK ((uint64_t)CKI_GRANULE - 1)

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	int err;                        /* sticky */
};

struct wctx {
	const struct ccakit_realm_config *c;
	const struct ccakit_evlog_write_opts *o;
	uint16_t algs[CCAKIT_EVLOG_MAX_ALGS];
	size_t nalgs;
	struct wbuf b;
};

static void
put(struct wbuf *b, const void *p, size_t n)
{
	size_t cap;
	uint8_t *q;

	if (b->err != 0)
		return;
	if (n > CCAKIT_EVLOG_MAX_SIZE - b->len) {
		b->err = CCAKIT_ERR_TOO_LARGE;
		return;
	}
	if (b->len + n > b->cap) {
		cap = b->cap == 0 ? 4096 : b->cap;
		while (cap < b->len + n)
			cap *= 2;
		if ((q = realloc(b->p, cap)) == NULL) {
			b->err = CCAKIT_ERR_NOMEM;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
put_zero(struct wbuf *b, size_t n)
{
	static const uint8_t z[64];
	size_t k;

	while (n > 0) {
		k = n < sizeof(z) ? n : sizeof(z);
		put(b, z, k);
		n -= k;
	}
}

static void
put_u8(struct wbuf *b, uint8_t v)
{
	put(b, &v, 1);
}

static void
put_u16(struct wbuf *b, uint16_t v)
{
	uint8_t x[2];

	cki_meas_put_le16(x, v);
	put(b, x, 2);
}

static void
put_u32(struct wbuf *b, uint32_t v)
{
	uint8_t x[4];

	cki_meas_put_le32(x, v);
	put(b, x, 4);
}

static void
put_u64(struct wbuf *b, uint64_t v)
{
	uint8_t x[8];

	cki_meas_put_le64(x, v);
	put(b, x, 8);
}

static uint16_t
alg_size(uint16_t alg)
{
	int a = cki_meas_algo_from_tcg(alg);

	return a < 0 ? 0 : (uint16_t)ccakit_hash_algo_len(
	    (enum ccakit_hash_algo)a);
}

/* TCG_PCR_EVENT2 head: pcr, type and the digest list (dig: nalgs digests
 * in table order, NULL for none). */
static void
ev_head(struct wctx *w, uint32_t pcr, uint32_t type, const uint8_t *dig)
{
	size_t i, off = 0;

	put_u32(&w->b, pcr);
	put_u32(&w->b, type);
	put_u32(&w->b, dig != NULL ? (uint32_t)w->nalgs : 0);
	for (i = 0; dig != NULL && i < w->nalgs; i++) {
		put_u16(&w->b, w->algs[i]);
		put(&w->b, dig + off, alg_size(w->algs[i]));
		off += CKI_SLOT;
	}
}

static void
spec_id(struct wctx *w)
{
	size_t i;

	put_u32(&w->b, 0);
	put_u32(&w->b, CCAKIT_EV_NO_ACTION);
	put_zero(&w->b, 20);
	put_u32(&w->b, (uint32_t)(16 + 4 + 4 + 4 + 4 * w->nalgs + 1));
	put(&w->b, "Spec ID Event03", 16);
	put_u32(&w->b, 0);              /* platformClass: client */
	put_u8(&w->b, 0);               /* familyVersionMinor */
	put_u8(&w->b, 2);               /* familyVersionMajor */
	put_u8(&w->b, 106);             /* specRevision */
	put_u8(&w->b, 2);               /* uintnSize: 64-bit */
	put_u32(&w->b, (uint32_t)w->nalgs);
	for (i = 0; i < w->nalgs; i++) {
		put_u16(&w->b, w->algs[i]);
		put_u16(&w->b, alg_size(w->algs[i]));
	}
	put_u8(&w->b, 0);               /* vendorInfoSize */
}

static void
put_str(struct wbuf *b, const char *s, size_t field)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n > field - 1)
		n = field - 1;
	put(b, s, n);
	put_zero(b, field - n);
}

/* EV_NO_ACTION "VM VERSION": the producers' 112-byte struct. Zero digests
 * of every algorithm, as TCG requires for EV_NO_ACTION. */
static void
vm_version(struct wctx *w)
{
	static const uint8_t zero[CCAKIT_EVLOG_MAX_ALGS * CKI_SLOT];
	const struct ccakit_realm_config *c = w->c;

	ev_head(w, 0, CCAKIT_EV_NO_ACTION, zero);
	put_u32(&w->b, 112);
	put(&w->b, "VM VERSION\0\0\0\0\0\0", 16);
	put_str(&w->b, c->vmm_name, 32);
	put_str(&w->b, c->vmm_version, 40);
	put_u64(&w->b, c->ram_size);
	put_u32(&w->b, c->num_cpus);
	put_zero(&w->b, 4);
	put_u64(&w->b, 0);              /* flags */
}

static void
tag_head(struct wctx *w, uint32_t id, uint32_t size)
{
	ev_head(w, 0, CCAKIT_EV_EVENT_TAG, NULL);
	put_u32(&w->b, 8 + size);
	put_u32(&w->b, id);
	put_u32(&w->b, size);
}

static int
w_create(void *arg, struct ccakit_errdetail *d)
{
	struct wctx *w = arg;
	const struct ccakit_realm_params *p = &w->c->params;

	(void)d;
	spec_id(w);
	vm_version(w);
	tag_head(w, CCAKIT_EVTAG_REALM_CREATE, 14);
	put_u64(&w->b, p->flags);
	put_u8(&w->b, p->s2sz);
	put_u8(&w->b, p->sve_vl);
	put_u8(&w->b, p->num_bps);
	put_u8(&w->b, p->num_wps);
	put_u8(&w->b, p->pmu_num_ctrs);
	put_u8(&w->b, p->hash_algo);
	return CCAKIT_OK;
}

static int
w_ripas(void *arg, uint64_t base, uint64_t top, struct ccakit_errdetail *d)
{
	struct wctx *w = arg;

	(void)d;
	tag_head(w, CCAKIT_EVTAG_INIT_RIPAS, 16);
	put_u64(&w->b, base);
	put_u64(&w->b, top - base);
	return CCAKIT_OK;
}

static int
w_rec(void *arg, struct ccakit_errdetail *d)
{
	struct wctx *w = arg;
	size_t i;

	(void)d;
	tag_head(w, CCAKIT_EVTAG_REC_CREATE, 80);
	put_u64(&w->b, w->c->rec.flags);
	put_u64(&w->b, w->c->rec.pc);
	for (i = 0; i < 8; i++)
		put_u64(&w->b, w->c->rec.gprs[i]);
	return CCAKIT_OK;
}

/* An image event; dig == NULL for an unmeasured region. */
static int
blob(struct wctx *w, const struct ccakit_realm_image *im, uint32_t pcr,
    const uint8_t *dig, uint64_t length, struct ccakit_errdetail *d)
{
	const char *name = im->name != NULL ? im->name : "";
	size_t n = strlen(name) + (w->o->nul_desc ? 1 : 0);
	uint32_t type = strcmp(name, "FIRMWARE") == 0 ?
	    CCAKIT_EV_EFI_PLATFORM_FIRMWARE_BLOB2 : CCAKIT_EV_POST_CODE2;

	if (n > 255)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "image",
		    "description longer than 255 bytes");
	ev_head(w, pcr, type, dig);
	put_u32(&w->b, (uint32_t)(1 + n + 16));
	put_u8(&w->b, (uint8_t)n);
	put(&w->b, name, n);            /* includes the NUL with nul_desc */
	put_u64(&w->b, im->ipa);
	put_u64(&w->b, length);
	return CCAKIT_OK;
}

static int
digests(struct wctx *w, const struct ccakit_realm_image *im,
    uint8_t dig[CCAKIT_EVLOG_MAX_ALGS * CKI_SLOT], uint64_t *total,
    struct ccakit_errdetail *d)
{
	EVP_MD *md;
	size_t i;
	int rc;

	if (im->src.kind == CCAKIT_SRC_READ)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "image",
		    "a READ source cannot be both logged and measured");
	for (i = 0; i < w->nalgs; i++) {
		md = cki_meas_md_fetch((enum ccakit_hash_algo)
		    cki_meas_algo_from_tcg(w->algs[i]));
		if (md == NULL)
			return cki_detail(d, CCAKIT_ERR_CRYPTO, "image", NULL);
		rc = cki_meas_digest_src(&im->src, md, dig + i * CKI_SLOT,
		    total, d);
		EVP_MD_free(md);
		if (rc != CCAKIT_OK)
			return rc;
	}
	return CCAKIT_OK;
}

static int
w_image(void *arg, size_t i, struct ccakit_errdetail *d)
{
	struct wctx *w = arg;
	const struct ccakit_realm_image *im = &w->c->images[i];
	uint8_t dig[CCAKIT_EVLOG_MAX_ALGS * CKI_SLOT];
	uint64_t total = 0;
	int rc;

	if ((rc = digests(w, im, dig, &total, d)) != CCAKIT_OK)
		return rc;
	return blob(w, im, 0, dig, total, d);
}

static int
w_unmeasured(void *arg, size_t i, struct ccakit_errdetail *d)
{
	struct wctx *w = arg;
	const struct ccakit_realm_image *im = &w->c->images[i];

	return blob(w, im, 0, NULL, im->size, d);
}

/* REMn -> the first PCR of its measurement register. */
static int
w_rem(void *arg, size_t i, struct ccakit_errdetail *d)
{
	static const uint32_t pcr[4] = { 1, 2, 8, 16 };
	struct wctx *w = arg;
	const struct ccakit_realm_image *im = &w->c->images[i];
	uint8_t dig[CCAKIT_EVLOG_MAX_ALGS * CKI_SLOT];
	uint64_t total = 0;
	int rc;

	if ((rc = digests(w, im, dig, &total, d)) != CCAKIT_OK)
		return rc;
	return blob(w, im, pcr[im->target - CCAKIT_IMG_REM0], dig, total, d);
}

static int
set_algs(struct wctx *w, struct ccakit_errdetail *d)
{
	const struct ccakit_evlog_write_opts *o = w->o;
	size_t i, j;
	bool has_realm = false;
	uint16_t ra = cki_meas_tcg_alg(w->c->params.hash_algo);

	if (o->n_algs == 0) {
		w->algs[0] = ra;
		w->nalgs = 1;
		return ra != 0 ? CCAKIT_OK : cki_detail(d,
		    CCAKIT_ERR_INVALID_ARG, "hash_algo", NULL);
	}
	if (o->algs == NULL || o->n_algs > CCAKIT_EVLOG_MAX_ALGS)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "algs", NULL);
	for (i = 0; i < o->n_algs; i++) {
		if (cki_meas_algo_from_tcg(o->algs[i]) < 0)
			return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "algs",
			    "unsupported algorithm 0x%04x", o->algs[i]);
		for (j = 0; j < i; j++) {
			if (o->algs[j] == o->algs[i])
				return cki_detail(d, CCAKIT_ERR_INVALID_ARG,
				    "algs", "duplicate algorithm");
		}
		if (o->algs[i] == ra)
			has_realm = true;
		w->algs[i] = o->algs[i];
	}
	w->nalgs = o->n_algs;
	if (!has_realm)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "algs",
		    "the realm hash algorithm must be among the log's");
	return CCAKIT_OK;
}

int
ccakit_evlog_write(const struct ccakit_realm_config *cfg,
    const struct ccakit_evlog_write_opts *o, uint8_t **out, size_t *outlen,
    struct ccakit_errdetail *d)
{
	static const struct cki_meas_walk walk = {
		w_create, w_ripas, w_image, w_unmeasured, w_rec, w_rem,
	};
	static const struct ccakit_evlog_write_opts dflt;
	struct wctx w;
	int rc = CCAKIT_ERR_INTERNAL;

	if (out != NULL)
		*out = NULL;
	if (cfg == NULL || out == NULL || outlen == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "evlog", NULL);
	if (cfg->vmm_name == NULL || strlen(cfg->vmm_name) > 31 ||
	    (cfg->vmm_version != NULL && strlen(cfg->vmm_version) > 39))
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "vmm_name",
		    "VMM name (<= 31) and version (<= 39) needed");
	memset(&w, 0, sizeof(w));
	w.c = cfg;
	w.o = o != NULL ? o : &dflt;
	if ((rc = set_algs(&w, d)) != CCAKIT_OK)
		goto out;
	if ((rc = cki_meas_config_walk(cfg, &walk, &w, d)) != CCAKIT_OK)
		goto out;
	if (w.o->pad_to > 0) {
		if (w.b.len > w.o->pad_to) {
			rc = cki_detail(d, CCAKIT_ERR_BUFFER_TOO_SMALL, "evlog",
			    "log of %zu bytes exceeds %zu", w.b.len,
			    w.o->pad_to);
			goto out;
		}
		put_zero(&w.b, w.o->pad_to - w.b.len);
	}
	if (w.b.err != 0) {
		rc = cki_detail(d, w.b.err, "evlog", NULL);
		goto out;
	}
	*out = w.b.p;
	*outlen = w.b.len;
	w.b.p = NULL;
	rc = CCAKIT_OK;
out:
	free(w.b.p);
	return rc;
}
