/*
 * RIM and REMs of a whole configuration, in the order of the upstream
 * tool (RealmConfig::compute_rim) or of Linux KVM (spec §1.6, §3.7).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/measure.h>

#include "measure/measure_priv.h"
#include "util/util.h"

#define GMASK ((uint64_t)CKI_GRANULE - 1)

/* Sort indices by key, stable (insertion sort: a handful of entries). */
static void
sort_idx(size_t *idx, size_t n, const uint64_t *key)
{
	size_t i, j, t;

	for (i = 1; i < n; i++) {
		t = idx[i];
		for (j = i; j > 0 && key[idx[j - 1]] > key[t]; j--)
			idx[j] = idx[j - 1];
		idx[j] = t;
	}
}

static int
walk_ripas(const struct ccakit_realm_config *c, const size_t *ram,
    const struct cki_meas_walk *w, void *arg, struct ccakit_errdetail *d)
{
	const struct ccakit_mem_range *m;
	size_t i;
	int rc;

	for (i = 0; i < c->n_ram; i++) {
		m = &c->ram[ram[i]];
		if (m->size == 0)
			continue;
		if (m->base > UINT64_MAX - GMASK ||
		    m->size - 1 > UINT64_MAX - GMASK - m->base)
			return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "ram",
			    "RAM range wraps the IPA space");
		/* The tool: [align_down(base), align_up(base + size - 1)). */
		rc = w->ripas(arg, m->base & ~GMASK,
		    (m->base + m->size - 1 + GMASK) & ~GMASK, d);
		if (rc != CCAKIT_OK)
			return rc;
	}
	return CCAKIT_OK;
}

static int
walk_images(const size_t *rim, size_t nrim, const struct cki_meas_walk *w,
    void *arg, struct ccakit_errdetail *d)
{
	size_t i;
	int rc;

	for (i = 0; i < nrim; i++) {
		if ((rc = w->image(arg, rim[i], d)) != CCAKIT_OK)
			return rc;
	}
	return CCAKIT_OK;
}

static int
walk_target(const struct ccakit_realm_config *c, bool rem,
    const struct cki_meas_walk *w, void *arg, struct ccakit_errdetail *d)
{
	enum ccakit_img_target t;
	size_t i;
	int rc;

	for (i = 0; i < c->n_images; i++) {
		t = c->images[i].target;
		if (rem ? t < CCAKIT_IMG_REM0 : t != CCAKIT_IMG_UNMEASURED)
			continue;
		rc = rem ? w->rem(arg, i, d) : w->unmeasured(arg, i, d);
		if (rc != CCAKIT_OK)
			return rc;
	}
	return CCAKIT_OK;
}

static int
walk_rec(const struct ccakit_realm_config *c, const struct cki_meas_walk *w,
    void *arg, struct ccakit_errdetail *d)
{
	return c->has_rec ? w->rec(arg, d) : CCAKIT_OK;
}

static int
check_config(const struct ccakit_realm_config *c, struct ccakit_errdetail *d)
{
	size_t i;

	if ((c->n_ram > 0 && c->ram == NULL) ||
	    (c->n_images > 0 && c->images == NULL))
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "config", NULL);
	if (c->order != CCAKIT_ORDER_TOOL && c->order != CCAKIT_ORDER_LINUX)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "order", NULL);
	for (i = 0; i < c->n_images; i++) {
		if (c->images[i].target > CCAKIT_IMG_REM3)
			return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "image",
			    "image %zu: bad target", i);
	}
	return CCAKIT_OK;
}

int
cki_meas_config_walk(const struct ccakit_realm_config *c,
    const struct cki_meas_walk *w, void *arg, struct ccakit_errdetail *d)
{
	size_t *ram = NULL, *rim = NULL, i, n;
	uint64_t *key = NULL;
	int rc = CCAKIT_ERR_INTERNAL;

	if ((rc = check_config(c, d)) != CCAKIT_OK)
		return rc;
	if ((ram = calloc(c->n_ram + 1, sizeof(*ram))) == NULL ||
	    (rim = calloc(c->n_images + 1, sizeof(*rim))) == NULL ||
	    (key = calloc(c->n_ram + c->n_images + 1, sizeof(*key))) == NULL) {
		rc = cki_detail(d, CCAKIT_ERR_NOMEM, "config", NULL);
		goto out;
	}
	/* RAM ranges by base. */
	for (i = 0; i < c->n_ram; i++) {
		ram[i] = i;
		key[i] = c->ram[i].base;
	}
	sort_idx(ram, c->n_ram, key);
	/* RIM images by IPA; the same start twice is an error (upstream
	 * "duplicate blob"). Overlaps are measured independently. */
	for (i = 0, n = 0; i < c->n_images; i++) {
		key[c->n_ram + i] = c->images[i].ipa;
		if (c->images[i].target == CCAKIT_IMG_RIM)
			rim[n++] = i;
	}
	sort_idx(rim, n, key + c->n_ram);
	for (i = 1; i < n; i++) {
		if (c->images[rim[i]].ipa == c->images[rim[i - 1]].ipa) {
			rc = cki_detail(d, CCAKIT_ERR_INVALID_ARG, "image",
			    "duplicate blob at 0x%llx",
			    (unsigned long long)c->images[rim[i]].ipa);
			goto out;
		}
	}
	if ((rc = w->create(arg, d)) != CCAKIT_OK)
		goto out;
	if (c->order == CCAKIT_ORDER_TOOL) {
		if ((rc = walk_ripas(c, ram, w, arg, d)) != CCAKIT_OK ||
		    (rc = walk_images(rim, n, w, arg, d)) != CCAKIT_OK ||
		    (rc = walk_rec(c, w, arg, d)) != CCAKIT_OK ||
		    (rc = walk_target(c, false, w, arg, d)) != CCAKIT_OK)
			goto out;
	} else {
		if ((rc = walk_images(rim, n, w, arg, d)) != CCAKIT_OK ||
		    (rc = walk_target(c, false, w, arg, d)) != CCAKIT_OK ||
		    (rc = walk_rec(c, w, arg, d)) != CCAKIT_OK ||
		    (rc = walk_ripas(c, ram, w, arg, d)) != CCAKIT_OK)
			goto out;
	}
	rc = walk_target(c, true, w, arg, d);
out:
	free(ram);
	free(rim);
	free(key);
	return rc;
}

/* --- measuring walker ------------------------------------------------ */

struct mctx {
	const struct ccakit_realm_config *c;
	ccakit_realm *r;
};

static int
m_create(void *arg, struct ccakit_errdetail *d)
{
	struct mctx *m = arg;
	const struct ccakit_realm_config *c = m->c;
	int rc;

	if ((m->r = ccakit_realm_new()) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, "config", NULL);
	if ((rc = ccakit_realm_set_rmm_version(m->r, c->rmm == 0 ?
	    CCAKIT_RMM_1 : c->rmm)) != CCAKIT_OK ||
	    (rc = ccakit_realm_set_compat(m->r, c->compat)) != CCAKIT_OK ||
	    (rc = ccakit_realm_set_threads(m->r, c->threads)) != CCAKIT_OK ||
	    (rc = ccakit_realm_set_io(m->r, c->io)) != CCAKIT_OK)
		return cki_detail(d, rc, "config",
		    "bad rmm version, compat flags, thread count or I/O mode");
	return ccakit_realm_create(m->r, &c->params, d);
}

static int
m_ripas(void *arg, uint64_t base, uint64_t top, struct ccakit_errdetail *d)
{
	struct mctx *m = arg;

	return ccakit_realm_init_ripas(m->r, base, top, d);
}

static int
m_image(void *arg, size_t i, struct ccakit_errdetail *d)
{
	struct mctx *m = arg;
	const struct ccakit_realm_image *im = &m->c->images[i];

	return ccakit_realm_data_src(m->r, im->ipa, &im->src, NULL, d);
}

static int
m_unmeasured(void *arg, size_t i, struct ccakit_errdetail *d)
{
	struct mctx *m = arg;
	const struct ccakit_realm_image *im = &m->c->images[i];

	return ccakit_realm_data_unmeasured(m->r, im->ipa, im->size, d);
}

static int
m_rec(void *arg, struct ccakit_errdetail *d)
{
	struct mctx *m = arg;

	return ccakit_realm_rec_create(m->r, &m->c->rec, d);
}

/* A REM image: REMn = H(REMn || H(image)), the firmware's extension. */
static int
m_rem(void *arg, size_t i, struct ccakit_errdetail *d)
{
	struct mctx *m = arg;
	const struct ccakit_realm_image *im = &m->c->images[i];
	uint8_t dig[CKI_SLOT];
	EVP_MD *md;
	int rc;

	if ((md = cki_meas_md_fetch(m->c->params.hash_algo)) == NULL)
		return cki_detail(d, CCAKIT_ERR_CRYPTO, "hash_algo", NULL);
	rc = cki_meas_digest_src(&im->src, md, dig, NULL, d);
	EVP_MD_free(md);
	if (rc != CCAKIT_OK)
		return rc;
	return ccakit_realm_rem_extend(m->r,
	    (unsigned)(im->target - CCAKIT_IMG_REM0), dig,
	    ccakit_hash_algo_len(m->c->params.hash_algo), d);
}

int
ccakit_realm_config_measure(const struct ccakit_realm_config *c,
    struct ccakit_realm_meas *out, struct ccakit_errdetail *d)
{
	static const struct cki_meas_walk w = {
		m_create, m_ripas, m_image, m_unmeasured, m_rec, m_rem,
	};
	struct ccakit_realm_meas res;
	struct mctx m;
	int rc;

	if (c == NULL || out == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "config", NULL);
	memset(&m, 0, sizeof(m));
	m.c = c;
	rc = cki_meas_config_walk(c, &w, &m, d);
	if (rc == CCAKIT_OK)
		rc = ccakit_realm_get(m.r, &res);
	ccakit_realm_free(&m.r);
	if (rc == CCAKIT_OK)
		*out = res;
	return rc;
}
