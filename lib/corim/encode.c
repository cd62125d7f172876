/*
 * CoRIM and CoMID encoding: core deterministic encoding (RFC 8949
 * §4.2.1: preferred serialization, map keys sorted by their encoded
 * bytes), which is what Veraison's corim library writes. Items kept
 * as they came (type-socket choices, extensions) are written with their
 * map keys sorted too; byte strings, even those holding CBOR, as they
 * are.
 */
#include <stdlib.h>
#include <string.h>

#include <ccakit/cbor.h>
#include <ccakit/corim.h>
#include <ccakit/err.h>

#include "corim/corim_priv.h"

#define BUF_MAX ((size_t)CCAKIT_CORIM_MAX_SIZE * 4)

void
cki_buf_put(struct cki_buf *b, const void *p, size_t n)
{
	uint8_t *np;
	size_t ncap;

	if (b->err != 0 || n == 0)
		return;
	if (n > BUF_MAX - b->len) {
		b->err = CCAKIT_ERR_TOO_LARGE;
		return;
	}
	if (b->len + n > b->cap) {
		ncap = b->cap == 0 ? 256 : b->cap;
		while (ncap < b->len + n)
			ncap *= 2;
		if ((np = realloc(b->p, ncap)) == NULL) {
			b->err = CCAKIT_ERR_NOMEM;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

/* --- heads --- */


void
cki_cb_head(struct cki_buf *b, int kind, uint64_t v)
{
	struct ccakit_cbor_writer w;
	uint8_t h[9];
	size_t n;

	ccakit_cbor_writer_init(&w, h, sizeof(h));
	switch (kind) {
	case H_UINT:
		ccakit_cbor_put_uint(&w, v);
		break;
	case H_NINT:
		ccakit_cbor_put_int(&w, -1 - (int64_t)v);
		break;
	case H_BSTR:
		ccakit_cbor_put_bstr_head(&w, (size_t)v);
		break;
	case H_ARRAY:
		ccakit_cbor_put_array(&w, (size_t)v);
		break;
	case H_MAP:
		ccakit_cbor_put_map(&w, (size_t)v);
		break;
	case H_TAG:
		ccakit_cbor_put_tag(&w, v);
		break;
	default:	/* H_TSTR: a bstr head with major type 3 */
		ccakit_cbor_put_bstr_head(&w, (size_t)v);
		h[0] = (uint8_t)((h[0] & 0x1f) | 0x60);
		break;
	}
	if (ccakit_cbor_writer_finish(&w, &n) != CCAKIT_OK) {
		b->err = CCAKIT_ERR_INTERNAL;
		return;
	}
	cki_buf_put(b, h, n);
}

void
cki_cb_int(struct cki_buf *b, int64_t v)
{
	if (v >= 0)
		cki_cb_head(b, H_UINT, (uint64_t)v);
	else
		cki_cb_head(b, H_NINT, (uint64_t)(-1 - v));
}

void
cki_cb_bstr(struct cki_buf *b, const uint8_t *p, size_t n)
{
	cki_cb_head(b, H_BSTR, n);
	cki_buf_put(b, p, n);
}

void
cki_cb_text(struct cki_buf *b, struct cki_text t)
{
	cki_cb_head(b, H_TSTR, t.len);
	cki_buf_put(b, t.s, t.len);
}

static struct cki_pair *mw_add(struct cki_mapw *m);

/* An item in core deterministic form: map keys sorted at every level
 * (items kept verbatim may come from an encoder that does not sort). */
static void
put_canon(struct cki_buf *b, const struct ccakit_cbor_item *it)
{
	struct ccakit_cbor_item k, v;
	struct ccakit_cbor_iter i;
	struct cki_mapw m;
	struct cki_pair *p;

	switch (it->type) {
	case CCAKIT_CBOR_ARRAY:
		cki_cb_head(b, H_ARRAY, it->u);
		ccakit_cbor_iter_init(&i, it);
		while (ccakit_cbor_iter_next(&i, &v))
			put_canon(b, &v);
		break;
	case CCAKIT_CBOR_MAP:
		memset(&m, 0, sizeof(m));
		ccakit_cbor_iter_init(&i, it);
		while (ccakit_cbor_iter_next(&i, &k) &&
		    ccakit_cbor_iter_next(&i, &v)) {
			if ((p = mw_add(&m)) == NULL)
				break;
			put_canon(&p->k, &k);
			put_canon(&p->v, &v);
		}
		cki_mw_finish(&m, b);
		break;
	case CCAKIT_CBOR_TAG:
		cki_cb_head(b, H_TAG, it->u);
		ccakit_cbor_tag_content(it, &v);
		put_canon(b, &v);
		break;
	default:
		cki_buf_put(b, it->enc, it->enclen);
		break;
	}
}

static void
put_ci(struct cki_buf *b, struct cki_ci c)
{
	struct ccakit_cbor_item it;

	if (cki_ci_item(c, &it))
		put_canon(b, &it);
	else if (b->err == 0)
		b->err = CCAKIT_ERR_INTERNAL;
}

void
cki_cb_bool(struct cki_buf *b, bool v)
{
	uint8_t x = v ? 0xf5 : 0xf4;

	cki_buf_put(b, &x, 1);
}

/* --- maps with sorted keys --- */


static struct cki_pair *
mw_add(struct cki_mapw *m)
{
	struct cki_pair *np;
	size_t ncap;

	if (m->err != 0)
		return NULL;
	if (m->n == m->cap) {
		ncap = m->cap == 0 ? 8 : m->cap * 2;
		if ((np = realloc(m->p, ncap * sizeof(*np))) == NULL) {
			m->err = CCAKIT_ERR_NOMEM;
			return NULL;
		}
		m->p = np;
		m->cap = ncap;
	}
	memset(&m->p[m->n], 0, sizeof(m->p[0]));
	return &m->p[m->n++];
}

/* The value buffer of a new pair with an integer key. */
struct cki_buf *
cki_mw_int(struct cki_mapw *m, int64_t key)
{
	struct cki_pair *p;

	if ((p = mw_add(m)) == NULL)
		return NULL;
	cki_cb_int(&p->k, key);
	return &p->v;
}

struct cki_buf *
cki_mw_raw(struct cki_mapw *m, struct cki_ci key)
{
	struct cki_pair *p;

	if ((p = mw_add(m)) == NULL)
		return NULL;
	put_ci(&p->k, key);
	return &p->v;
}

static void
mw_exts(struct cki_mapw *m, const struct cki_exts *e)
{
	struct cki_buf *v;
	size_t i;

	for (i = 0; i < e->n; i++)
		if ((v = cki_mw_raw(m, e->v[i].key)) != NULL)
			put_ci(v, e->v[i].val);
}

static int
pair_cmp(const void *a, const void *b)
{
	const struct cki_pair *x = a, *y = b;
	size_t n = x->k.len < y->k.len ? x->k.len : y->k.len;
	int c;

	if ((c = memcmp(x->k.p, y->k.p, n)) != 0)
		return c;
	return x->k.len < y->k.len ? -1 : x->k.len > y->k.len;
}

/* Write the map into b (sorted) and release the pairs. */
void
cki_mw_finish(struct cki_mapw *m, struct cki_buf *b)
{
	size_t i;

	for (i = 0; i < m->n && m->err == 0; i++)
		if (m->p[i].k.err != 0 || m->p[i].v.err != 0)
			m->err = m->p[i].k.err != 0 ? m->p[i].k.err :
			    m->p[i].v.err;
	if (m->err != 0) {
		if (b->err == 0)
			b->err = m->err;
	} else {
		if (m->n > 1)
			qsort(m->p, m->n, sizeof(m->p[0]), pair_cmp);
		cki_cb_head(b, H_MAP, m->n);
		for (i = 0; i < m->n; i++) {
			cki_buf_put(b, m->p[i].k.p, m->p[i].k.len);
			cki_buf_put(b, m->p[i].v.p, m->p[i].v.len);
		}
	}
	cki_mw_release(m);
}

void
cki_mw_release(struct cki_mapw *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->p[i].k.p);
		free(m->p[i].v.p);
	}
	free(m->p);
	memset(m, 0, sizeof(*m));
}

/* --- CoMID --- */

static void
put_digests(struct cki_buf *b, const struct cki_digests *d)
{
	size_t i;

	cki_cb_head(b, H_ARRAY, d->n);
	for (i = 0; i < d->n; i++) {
		cki_cb_head(b, H_ARRAY, 2);
		if (d->v[i].alg_text)
			cki_cb_text(b, d->v[i].alg_name);
		else
			cki_cb_int(b, d->v[i].alg);
		cki_cb_bstr(b, d->v[i].val.ptr, d->v[i].val.len);
	}
}

static void
put_cis(struct cki_buf *b, const struct cki_ci *v, size_t n)
{
	size_t i;

	cki_cb_head(b, H_ARRAY, n);
	for (i = 0; i < n; i++)
		put_ci(b, v[i]);
}

static void
put_mval(struct cki_buf *b, const struct cki_mval *mv)
{
	struct cki_mapw m = { 0 }, f = { 0 }, vm = { 0 }, ir = { 0 };
	struct cki_buf *v, *w;
	size_t i;

	if (mv->present & CKI_MV_VERSION && (v = cki_mw_int(&m, 0)) != NULL) {
		if ((w = cki_mw_int(&vm, 0)) != NULL)
			cki_cb_text(w, mv->version);
		if (mv->has_vscheme && (w = cki_mw_int(&vm, 1)) != NULL)
			cki_cb_int(w, mv->vscheme);
		cki_mw_finish(&vm, v);
	}
	if (mv->present & CKI_MV_SVN && (v = cki_mw_int(&m, 1)) != NULL)
		put_ci(v, mv->svn);
	if (mv->present & CKI_MV_DIGESTS && (v = cki_mw_int(&m, 2)) != NULL)
		put_digests(v, &mv->digests);
	if (mv->present & CKI_MV_FLAGS && (v = cki_mw_int(&m, 3)) != NULL) {
		for (i = 0; i < CKI_NFLAGS; i++)
			if (mv->flags[i] != 0 &&
			    (w = cki_mw_int(&f, (int64_t)i)) != NULL)
				cki_cb_bool(w, mv->flags[i] == 2);
		mw_exts(&f, &mv->flags_ext);
		cki_mw_finish(&f, v);
	}
	if (mv->present & CKI_MV_RAW && (v = cki_mw_int(&m, 4)) != NULL)
		put_ci(v, mv->raw);
	if (mv->present & CKI_MV_RAW_MASK && (v = cki_mw_int(&m, 5)) != NULL)
		cki_cb_bstr(v, mv->raw_mask.ptr, mv->raw_mask.len);
	if (mv->present & CKI_MV_MAC && (v = cki_mw_int(&m, 6)) != NULL)
		cki_cb_bstr(v, mv->mac.ptr, mv->mac.len);
	if (mv->present & CKI_MV_IP && (v = cki_mw_int(&m, 7)) != NULL)
		cki_cb_bstr(v, mv->ip.ptr, mv->ip.len);
	if (mv->present & CKI_MV_SERIAL && (v = cki_mw_int(&m, 8)) != NULL)
		cki_cb_text(v, mv->serial);
	if (mv->present & CKI_MV_UEID && (v = cki_mw_int(&m, 9)) != NULL)
		cki_cb_bstr(v, mv->ueid.ptr, mv->ueid.len);
	if (mv->present & CKI_MV_UUID && (v = cki_mw_int(&m, 10)) != NULL)
		cki_cb_bstr(v, mv->uuid.ptr, mv->uuid.len);
	if (mv->present & CKI_MV_NAME && (v = cki_mw_int(&m, 11)) != NULL)
		cki_cb_text(v, mv->name);
	if (mv->present & CKI_MV_CRYPTOKEYS && (v = cki_mw_int(&m, 13)) != NULL)
		put_cis(v, mv->keys, mv->n_keys);
	if (mv->present & CKI_MV_IREGS && (v = cki_mw_int(&m, 14)) != NULL) {
		for (i = 0; i < mv->n_iregs; i++)
			if ((w = cki_mw_raw(&ir, mv->iregs[i].key)) != NULL)
				put_digests(w, &mv->iregs[i].d);
		cki_mw_finish(&ir, v);
	}
	if (mv->present & CKI_MV_INT_RANGE && (v = cki_mw_int(&m, 15)) != NULL)
		put_ci(v, mv->int_range);
	mw_exts(&m, &mv->ext);
	cki_mw_finish(&m, b);
}

static void
put_env(struct cki_buf *b, const struct cki_env *e)
{
	struct cki_mapw m = { 0 }, c = { 0 };
	struct cki_buf *v, *w;

	if (e->has_class && (v = cki_mw_int(&m, 0)) != NULL) {
		if (e->class.id.p != NULL && (w = cki_mw_int(&c, 0)) != NULL)
			put_ci(w, e->class.id);
		if (e->class.vendor.s != NULL && (w = cki_mw_int(&c, 1)) != NULL)
			cki_cb_text(w, e->class.vendor);
		if (e->class.model.s != NULL && (w = cki_mw_int(&c, 2)) != NULL)
			cki_cb_text(w, e->class.model);
		if (e->class.has_layer && (w = cki_mw_int(&c, 3)) != NULL)
			cki_cb_int(w, (int64_t)e->class.layer);
		if (e->class.has_index && (w = cki_mw_int(&c, 4)) != NULL)
			cki_cb_int(w, (int64_t)e->class.index);
		cki_mw_finish(&c, v);
	}
	if (e->instance.p != NULL && (v = cki_mw_int(&m, 1)) != NULL)
		put_ci(v, e->instance);
	if (e->group.p != NULL && (v = cki_mw_int(&m, 2)) != NULL)
		put_ci(v, e->group);
	cki_mw_finish(&m, b);
}

static void
put_meas(struct cki_buf *b, const struct cki_meas *ms)
{
	struct cki_mapw m = { 0 };
	struct cki_buf *v;

	if (ms->mkey.p != NULL && (v = cki_mw_int(&m, 0)) != NULL)
		put_ci(v, ms->mkey);
	if ((v = cki_mw_int(&m, 1)) != NULL)
		put_mval(v, &ms->mval);
	if (ms->has_authby && (v = cki_mw_int(&m, 2)) != NULL)
		put_cis(v, ms->authby, ms->n_authby);
	cki_mw_finish(&m, b);
}

static void
put_vtriples(struct cki_buf *b, const struct cki_vtriple *t, size_t n)
{
	size_t i, j;

	cki_cb_head(b, H_ARRAY, n);
	for (i = 0; i < n; i++) {
		cki_cb_head(b, H_ARRAY, 2);
		put_env(b, &t[i].env);
		cki_cb_head(b, H_ARRAY, t[i].n);
		for (j = 0; j < t[i].n; j++)
			put_meas(b, &t[i].m[j]);
	}
}

static void
put_ktriples(struct cki_buf *b, const struct cki_ktriple *t, size_t n)
{
	size_t i;

	cki_cb_head(b, H_ARRAY, n);
	for (i = 0; i < n; i++) {
		cki_cb_head(b, H_ARRAY, t[i].conditions.p != NULL ? 3 : 2);
		put_env(b, &t[i].env);
		put_cis(b, t[i].keys, t[i].n_keys);
		if (t[i].conditions.p != NULL)
			put_ci(b, t[i].conditions);
	}
}

static void
put_entities(struct cki_buf *b, const struct cki_entity *e, size_t n)
{
	struct cki_mapw m;
	struct cki_buf *v;
	size_t i, k;

	cki_cb_head(b, H_ARRAY, n);
	for (i = 0; i < n; i++) {
		memset(&m, 0, sizeof(m));
		if ((v = cki_mw_int(&m, 0)) != NULL)
			cki_cb_text(v, e[i].name);
		if (e[i].regid.p != NULL && (v = cki_mw_int(&m, 1)) != NULL)
			put_ci(v, e[i].regid);
		if ((v = cki_mw_int(&m, 2)) != NULL) {
			cki_cb_head(v, H_ARRAY, e[i].n_roles);
			for (k = 0; k < e[i].n_roles; k++)
				cki_cb_head(v, H_UINT, e[i].roles[k]);
		}
		mw_exts(&m, &e[i].ext);
		cki_mw_finish(&m, b);
	}
}

int
cki_comid_encode_buf(const ccakit_comid *c, struct cki_buf *b)
{
	struct cki_mapw m = { 0 }, ti = { 0 }, tr = { 0 }, lk;
	struct cki_buf *v, *w;
	size_t i;

	if (c->lang.s != NULL && (v = cki_mw_int(&m, 0)) != NULL)
		cki_cb_text(v, c->lang);
	if ((v = cki_mw_int(&m, 1)) != NULL) {
		if ((w = cki_mw_int(&ti, 0)) != NULL)
			put_ci(w, c->tag_id);
		if (c->has_tag_version && (w = cki_mw_int(&ti, 1)) != NULL)
			cki_cb_int(w, (int64_t)c->tag_version);
		cki_mw_finish(&ti, v);
	}
	if (c->n_ent > 0 && (v = cki_mw_int(&m, 2)) != NULL)
		put_entities(v, c->ent, c->n_ent);
	if (c->has_linked && (v = cki_mw_int(&m, 3)) != NULL) {
		cki_cb_head(v, H_ARRAY, c->n_linked);
		for (i = 0; i < c->n_linked; i++) {
			memset(&lk, 0, sizeof(lk));
			if ((w = cki_mw_int(&lk, 0)) != NULL)
				put_ci(w, c->linked[i].id);
			if ((w = cki_mw_int(&lk, 1)) != NULL)
				cki_cb_int(w, (int64_t)c->linked[i].rel);
			cki_mw_finish(&lk, v);
		}
	}
	if ((v = cki_mw_int(&m, 4)) != NULL) {
		if (c->t.has_ref && (w = cki_mw_int(&tr, 0)) != NULL)
			put_vtriples(w, c->t.ref, c->t.n_ref);
		if (c->t.has_end && (w = cki_mw_int(&tr, 1)) != NULL)
			put_vtriples(w, c->t.end, c->t.n_end);
		if (c->t.has_ident && (w = cki_mw_int(&tr, 2)) != NULL)
			put_ktriples(w, c->t.ident, c->t.n_ident);
		if (c->t.has_ak && (w = cki_mw_int(&tr, 3)) != NULL)
			put_ktriples(w, c->t.ak, c->t.n_ak);
		mw_exts(&tr, &c->t.other);
		cki_mw_finish(&tr, v);
	}
	mw_exts(&m, &c->ext);
	cki_mw_finish(&m, b);
	return b->err;
}

int
ccakit_comid_encode(const ccakit_comid *c, uint8_t **out, size_t *len)
{
	struct cki_buf b = { 0 };
	int r;

	if (out != NULL)
		*out = NULL;
	if (c == NULL || out == NULL || len == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if ((r = cki_comid_encode_buf(c, &b)) != CCAKIT_OK) {
		free(b.p);
		return r;
	}
	*out = b.p;
	*len = b.len;
	return CCAKIT_OK;
}

/* --- CoRIM --- */

static void
put_profile(struct cki_buf *b, const ccakit_corim *c)
{
	struct cki_text t;

	t.s = c->profile_str;
	t.len = strlen(c->profile_str);
	switch (c->pform) {
	case CCAKIT_CORIM_PROFILE_URI:
		cki_cb_head(b, H_TAG, CKI_TAG_URI);
		cki_cb_text(b, t);
		break;
	case CCAKIT_CORIM_PROFILE_TEXT:
		cki_cb_text(b, t);
		break;
	default:
		put_ci(b, c->profile);
		break;
	}
}

int
cki_corim_encode_buf(const ccakit_corim *c, struct cki_buf *b)
{
	struct cki_mapw m = { 0 }, vm = { 0 }, lm;
	struct cki_buf *v, *w;
	size_t i;

	cki_cb_head(b, H_TAG, CKI_TAG_UNSIGNED_CORIM);
	if ((v = cki_mw_int(&m, 0)) != NULL)
		put_ci(v, c->id);
	if ((v = cki_mw_int(&m, 1)) != NULL) {
		cki_cb_head(v, H_ARRAY, c->n_tags);
		for (i = 0; i < c->n_tags; i++) {
			struct cki_buf t = { 0 };
			struct cki_ci tc;

			/* The tag's CBOR, itself in deterministic form. */
			if (c->tags[i].comid != NULL)
				(void)cki_comid_encode_buf(c->tags[i].comid,
				    &t);
			else {
				tc.p = c->tags[i].content.ptr;
				tc.len = c->tags[i].content.len;
				put_ci(&t, tc);
			}
			cki_cb_head(v, H_TAG, c->tags[i].tag);
			cki_cb_bstr(v, t.p, t.len);
			if (t.err != 0 && v->err == 0)
				v->err = t.err;
			free(t.p);
		}
	}
	if (c->n_deps > 0 && (v = cki_mw_int(&m, 2)) != NULL) {
		cki_cb_head(v, H_ARRAY, c->n_deps);
		for (i = 0; i < c->n_deps; i++) {
			memset(&lm, 0, sizeof(lm));
			if ((w = cki_mw_int(&lm, 0)) != NULL)
				put_ci(w, c->deps[i].href);
			if (c->deps[i].thumb.p != NULL &&
			    (w = cki_mw_int(&lm, 1)) != NULL)
				put_ci(w, c->deps[i].thumb);
			cki_mw_finish(&lm, v);
		}
	}
	if (c->profile_str != NULL && (v = cki_mw_int(&m, 3)) != NULL)
		put_profile(v, c);
	if (c->has_validity && (v = cki_mw_int(&m, 4)) != NULL) {
		if (c->has_nb && (w = cki_mw_int(&vm, 0)) != NULL) {
			cki_cb_head(w, H_TAG, CKI_TAG_EPOCH);
			cki_cb_int(w, c->nb);
		}
		if ((w = cki_mw_int(&vm, 1)) != NULL) {
			cki_cb_head(w, H_TAG, CKI_TAG_EPOCH);
			cki_cb_int(w, c->na);
		}
		cki_mw_finish(&vm, v);
	}
	if (c->n_ent > 0 && (v = cki_mw_int(&m, 5)) != NULL)
		put_entities(v, c->ent, c->n_ent);
	mw_exts(&m, &c->ext);
	cki_mw_finish(&m, b);
	return b->err;
}

int
ccakit_corim_encode(const ccakit_corim *c, uint8_t **out, size_t *len)
{
	struct cki_buf b = { 0 };
	int r;

	if (out != NULL)
		*out = NULL;
	if (c == NULL || out == NULL || len == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if (c->id.p == NULL || c->n_tags == 0)
		return CCAKIT_ERR_INVALID_ARG;	/* nothing to encode yet */
	if ((r = cki_corim_encode_buf(c, &b)) != CCAKIT_OK) {
		free(b.p);
		return r;
	}
	*out = b.p;
	*len = b.len;
	return CCAKIT_OK;
}
