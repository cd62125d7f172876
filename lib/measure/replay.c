/*
 * Replay of a realm measurement log (spec §4.2, §4.3): recompute the RIM
 * and REMs from the logged operations and trusted images.
 *
 * Trust model: the log is untrusted input; it only says which operations
 * happened with which parameters. RIM images are measured from trusted
 * content found by digest, never from anything in the log; REMs are
 * extended with the logged digests. The values mean something only once
 * they equal the attested RIM/REMs, and the parameters the log claimed
 * (reported per event and in the result) still need a policy check.
 * Work derived from logged values (RIPAS descriptors, unmeasured granules,
 * RECs) is capped by CCAKIT_REPLAY_MAX_DESCS.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <ccakit/eventlog.h>
#include <ccakit/measure.h>

#include "measure/measure_priv.h"
#include "util/util.h"

#define GMASK ((uint64_t)CKI_GRANULE - 1)

struct rp {
	const struct ccakit_replay_opts *o;
	struct ccakit_replay_result res;
	ccakit_realm *r;
	size_t hlen;
	uint16_t tcg;                   /* TCG id of the realm algorithm */
	uint64_t budget;                /* descriptors left */
};

static int
bad(struct ccakit_errdetail *d, const struct ccakit_evlog_event *ev,
    const char *why)
{
	return cki_detail(d, CCAKIT_ERR_EVLOG_MALFORMED, "eventlog",
	    "event at offset %zu: %s", ev->offset, why);
}

static int
spend(struct rp *s, uint64_t n, const struct ccakit_evlog_event *ev,
    struct ccakit_errdetail *d)
{
	if (n > s->budget)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "eventlog",
		    "event at offset %zu: more than %u derived descriptors",
		    ev->offset, CCAKIT_REPLAY_MAX_DESCS);
	s->budget -= n;
	return CCAKIT_OK;
}

/* Trusted image matching one of the event's digests (and its name). */
static size_t
lookup(const struct ccakit_replay_opts *o, const struct ccakit_evlog_event *ev)
{
	const struct ccakit_trusted_image *t;
	const struct ccakit_evlog_digest *g;
	size_t i, j, nl;

	for (i = 0; i < o->n_images; i++) {
		t = &o->images[i];
		if (t->name != NULL) {
			nl = strlen(t->name);
			if (ev->kind != CCAKIT_EVK_IMAGE ||
			    ev->u.image.desc.len != nl ||
			    memcmp(ev->u.image.desc.ptr, t->name, nl) != 0)
				continue;
		}
		for (j = 0; j < ev->n_digests; j++) {
			g = &ev->digests[j];
			if (g->alg == t->alg && g->value.len == t->digest_len &&
			    t->digest != NULL &&
			    memcmp(g->value.ptr, t->digest, t->digest_len) == 0)
				return i;
		}
	}
	return SIZE_MAX;
}

static const struct ccakit_evlog_digest *
digest_of(const struct ccakit_evlog_event *ev, uint16_t alg)
{
	size_t i;

	for (i = 0; i < ev->n_digests; i++) {
		if (ev->digests[i].alg == alg)
			return &ev->digests[i];
	}
	return NULL;
}

static int
need_realm(struct rp *s, const struct ccakit_evlog_event *ev,
    struct ccakit_errdetail *d)
{
	if (s->r == NULL)
		return bad(d, ev, "measurement before REALM_CREATE");
	return CCAKIT_OK;
}

static int
do_create(struct rp *s, struct ccakit_evlog_event *ev,
    struct ccakit_errdetail *d)
{
	const struct ccakit_realm_params *p = &ev->u.realm;
	int rc;

	if (s->r != NULL)
		return bad(d, ev, "second REALM_CREATE");
	/* Upstream accepts LPA2, SVE and PMU only. */
	if ((p->flags & ~(CCAKIT_REALM_FLAG_LPA2 | CCAKIT_REALM_FLAG_SVE |
	    CCAKIT_REALM_FLAG_PMU)) != 0)
		return bad(d, ev, "unknown realm flags");
	if ((s->r = ccakit_realm_new()) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, "eventlog", NULL);
	if ((rc = ccakit_realm_set_rmm_version(s->r, s->o->rmm == 0 ?
	    CCAKIT_RMM_1 : s->o->rmm)) != CCAKIT_OK ||
	    (rc = ccakit_realm_set_compat(s->r, s->o->compat)) != CCAKIT_OK ||
	    (rc = ccakit_realm_set_threads(s->r, s->o->threads)) != CCAKIT_OK)
		return cki_detail(d, rc, "replay",
		    "bad rmm version, compat flags or thread count");
	if (ccakit_realm_create(s->r, p, NULL) != CCAKIT_OK)
		return bad(d, ev, "unsupported hash algorithm");
	s->hlen = ccakit_hash_algo_len(p->hash_algo);
	s->tcg = cki_meas_tcg_alg(p->hash_algo);
	s->res.realm_create = ev;
	ev->status = CCAKIT_RS_RIM;
	return CCAKIT_OK;
}

/* Descriptors of RIPAS(base, top), counted before any is hashed. */
static int
do_ripas(struct rp *s, struct ccakit_evlog_event *ev,
    struct ccakit_errdetail *d)
{
	uint64_t base = ev->u.ripas.base, size = ev->u.ripas.size, top, cur;
	uint64_t mask, bs, n = 0;
	int rc;

	if ((rc = need_realm(s, ev, d)) != CCAKIT_OK)
		return rc;
	if (size > UINT64_MAX - GMASK || base > UINT64_MAX - GMASK - size)
		return bad(d, ev, "RIPAS range wraps the IPA space");
	top = base + size;
	s->res.n_ripas++;
	if ((s->o->rmm == 0 ? CCAKIT_RMM_1 : s->o->rmm) == CCAKIT_RMM_2) {
		ev->status = CCAKIT_RS_NOT_MEASURED;
		return CCAKIT_OK;
	}
	mask = cki_meas_block_sizes(s->res.realm_create->u.realm.s2sz);
	base &= ~GMASK;
	top = (top + GMASK) & ~GMASK;
	if (mask == 0 && base < top)
		return bad(d, ev, "IPA width has no stage-2 geometry");
	for (cur = base; cur < top; cur += bs, n++) {
		bs = cki_meas_find_block_size(cur, top, mask);
		if (n >= s->budget)
			return spend(s, n + 1, ev, d);
	}
	if ((rc = spend(s, n, ev, d)) != CCAKIT_OK)
		return rc;
	if ((rc = ccakit_realm_init_ripas(s->r, base, top, d)) != CCAKIT_OK)
		return rc;
	ev->status = CCAKIT_RS_RIM;
	return CCAKIT_OK;
}

static int
do_rec(struct rp *s, struct ccakit_evlog_event *ev, struct ccakit_errdetail *d)
{
	int rc;

	if ((rc = need_realm(s, ev, d)) != CCAKIT_OK)
		return rc;
	if ((ev->u.rec.flags & ~CCAKIT_REC_FLAG_RUNNABLE) != 0)
		return bad(d, ev, "unknown REC flags");
	if ((rc = spend(s, 1, ev, d)) != CCAKIT_OK)
		return rc;
	s->res.n_recs++;
	if ((ev->u.rec.flags & CCAKIT_REC_FLAG_RUNNABLE) == 0 &&
	    (s->o->compat & CCAKIT_COMPAT_TOOL_REC) == 0) {
		ev->status = CCAKIT_RS_NOT_MEASURED;
		return CCAKIT_OK;
	}
	if ((rc = ccakit_realm_rec_create(s->r, &ev->u.rec, d)) != CCAKIT_OK)
		return rc;
	if (s->res.rec == NULL)
		s->res.rec = ev;
	ev->status = CCAKIT_RS_RIM;
	return CCAKIT_OK;
}

static int
do_unmeasured(struct rp *s, struct ccakit_evlog_event *ev,
    struct ccakit_errdetail *d)
{
	uint64_t base = ev->u.image.base, len = ev->u.image.length, n;
	int rc;

	if (base > UINT64_MAX - GMASK || len > UINT64_MAX - GMASK - base)
		return bad(d, ev, "region wraps the IPA space");
	n = (((base + len + GMASK) & ~GMASK) - (base & ~GMASK)) / CKI_GRANULE;
	if ((rc = spend(s, n, ev, d)) != CCAKIT_OK ||
	    (rc = ccakit_realm_data_unmeasured(s->r, base, len, d)) !=
	    CCAKIT_OK)
		return rc;
	s->res.n_unmeasured++;
	ev->status = CCAKIT_RS_RIM_UNMEASURED;
	return CCAKIT_OK;
}

static int
do_rim_image(struct rp *s, struct ccakit_evlog_event *ev,
    struct ccakit_errdetail *d)
{
	const struct ccakit_trusted_image *t;
	const struct ccakit_evlog_digest *g;
	uint8_t dig[CKI_SLOT];
	EVP_MD *md = NULL;
	uint64_t total = 0;
	size_t i;
	int rc = CCAKIT_ERR_INTERNAL, a;

	if (ev->n_digests == 0)
		return do_unmeasured(s, ev, d);
	if ((i = lookup(s->o, ev)) == SIZE_MAX)
		return cki_detail(d, CCAKIT_ERR_NOT_FOUND, "eventlog",
		    "event at offset %zu: image %.*s is not trusted",
		    ev->offset, (int)(ev->u.image.desc.len > 64 ? 64 :
		    ev->u.image.desc.len), (const char *)ev->u.image.desc.ptr);
	t = &s->o->images[i];
	ev->trusted = i;
	if (t->src.kind == CCAKIT_SRC_NONE)
		return cki_detail(d, CCAKIT_ERR_NOT_FOUND, "eventlog",
		    "event at offset %zu: no content for trusted image %zu",
		    ev->offset, i);
	if (ev->u.image.length > CCAKIT_REPLAY_MAX_IMAGE)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "eventlog",
		    "event at offset %zu: image too large", ev->offset);
	if ((s->o->flags & CCAKIT_REPLAY_VERIFY_CONTENT) != 0) {
		if ((a = cki_meas_algo_from_tcg(t->alg)) < 0 ||
		    ccakit_hash_algo_len((enum ccakit_hash_algo)a) !=
		    t->digest_len)
			return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "replay",
			    "cannot verify a digest of algorithm 0x%04x",
			    t->alg);
		if ((md = cki_meas_md_fetch((enum ccakit_hash_algo)a)) == NULL)
			return cki_detail(d, CCAKIT_ERR_CRYPTO, "replay", NULL);
	}
	rc = cki_meas_realm_data_src_digest(s->r, ev->u.image.base, &t->src,
	    &total, md, dig, d);
	if (rc != CCAKIT_OK)
		goto out;
	if (total != ev->u.image.length) {
		rc = bad(d, ev, "logged length differs from the image");
		goto out;
	}
	if (md != NULL) {
		g = digest_of(ev, t->alg);
		if (g == NULL || g->value.len != t->digest_len ||
		    CRYPTO_memcmp(g->value.ptr, dig, t->digest_len) != 0) {
			rc = bad(d, ev, "image content does not match the "
			    "logged digest");
			goto out;
		}
	}
	s->res.n_images++;
	ev->status = CCAKIT_RS_RIM;
	rc = CCAKIT_OK;
out:
	EVP_MD_free(md);
	return rc;
}

/* An event on a REM register: extend with the digest of the realm
 * algorithm. */
static int
do_rem(struct rp *s, struct ccakit_evlog_event *ev, unsigned mr,
    struct ccakit_errdetail *d)
{
	const struct ccakit_evlog_digest *g;
	size_t i;
	int rc;

	if (ev->n_digests == 0) {
		ev->status = CCAKIT_RS_IGNORED;
		return CCAKIT_OK;
	}
	if ((rc = need_realm(s, ev, d)) != CCAKIT_OK)
		return rc;
	if ((g = digest_of(ev, s->tcg)) == NULL || g->value.len != s->hlen)
		return bad(d, ev, "no digest of the realm hash algorithm");
	i = lookup(s->o, ev);
	ev->trusted = i;
	if (i == SIZE_MAX) {
		if ((s->o->flags & CCAKIT_REPLAY_ALLOW_UNTRUSTED) == 0)
			return cki_detail(d, CCAKIT_ERR_NOT_FOUND, "eventlog",
			    "event at offset %zu: digest not trusted",
			    ev->offset);
		s->res.n_untrusted++;
	}
	if ((rc = ccakit_realm_rem_extend(s->r, mr - 1, g->value.ptr,
	    g->value.len, d)) != CCAKIT_OK)
		return rc;
	s->res.n_rem_events++;
	ev->rem = mr - 1;
	ev->status = i == SIZE_MAX ? CCAKIT_RS_UNTRUSTED : CCAKIT_RS_REM;
	return CCAKIT_OK;
}

static int
replay_event(struct rp *s, struct ccakit_evlog_event *ev,
    struct ccakit_errdetail *d)
{
	unsigned mr = ccakit_evlog_pcr_to_mr(ev->pcr);
	int rc;

	switch (ev->kind) {
	case CCAKIT_EVK_NO_ACTION:
		ev->status = CCAKIT_RS_IGNORED;
		return CCAKIT_OK;
	case CCAKIT_EVK_VM_VERSION:
		if (s->res.vm_version != NULL)
			return bad(d, ev, "second VM VERSION");
		s->res.vm_version = ev;
		ev->status = CCAKIT_RS_IGNORED;
		return CCAKIT_OK;
	case CCAKIT_EVK_REALM_CREATE:
		return do_create(s, ev, d);
	case CCAKIT_EVK_INIT_RIPAS:
		return do_ripas(s, ev, d);
	case CCAKIT_EVK_REC_CREATE:
		return do_rec(s, ev, d);
	case CCAKIT_EVK_IMAGE:
		if (mr != 0)
			return do_rem(s, ev, mr, d);
		if ((rc = need_realm(s, ev, d)) != CCAKIT_OK)
			return rc;
		return do_rim_image(s, ev, d);
	case CCAKIT_EVK_OTHER:
	default:
		if (mr == 0)
			return bad(d, ev, "unsupported event on the RIM");
		return do_rem(s, ev, mr, d);
	}
}

int
ccakit_evlog_replay(ccakit_evlog *l, const struct ccakit_replay_opts *o,
    struct ccakit_replay_result *res, struct ccakit_errdetail *d)
{
	struct ccakit_evlog_event *ev;
	struct rp s;
	size_t i, n;
	int rc = CCAKIT_ERR_INTERNAL;

	if (l == NULL || o == NULL || res == NULL ||
	    (o->n_images > 0 && o->images == NULL) ||
	    (o->flags & ~(CCAKIT_REPLAY_VERIFY_CONTENT |
	    CCAKIT_REPLAY_ALLOW_UNTRUSTED)) != 0)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "replay", NULL);
	memset(&s, 0, sizeof(s));
	s.o = o;
	s.budget = CCAKIT_REPLAY_MAX_DESCS;
	ev = cki_meas_evlog_events(l, &n);
	for (i = 0; i < n; i++) {
		ev[i].status = CCAKIT_RS_NONE;
		ev[i].rem = 0;
		ev[i].trusted = SIZE_MAX;
	}
	for (i = 0; i < n; i++) {
		if ((rc = replay_event(&s, &ev[i], d)) != CCAKIT_OK)
			goto out;
	}
	if (s.r == NULL) {
		rc = cki_detail(d, CCAKIT_ERR_EVLOG_MALFORMED, "eventlog",
		    "no REALM_CREATE event");
		goto out;
	}
	if ((rc = ccakit_realm_get(s.r, &s.res.meas)) != CCAKIT_OK)
		goto out;
	*res = s.res;
	rc = CCAKIT_OK;
out:
	ccakit_realm_free(&s.r);
	return rc;
}
