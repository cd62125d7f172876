/*
 * Rego values: arena allocation, constructors, Rego's total order,
 * lookups, text buffers, UTF-8 helpers and diagnostics.
 *
 * Values are immutable once built. Sets and objects are kept sorted by
 * rv_cmp (keys for objects), so lookups are binary searches and
 * equality/order are linear merges.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/rego_priv.h"

/* ------------------------------------------------------------------ */
/* Arena.                                                               */

struct rego_chunk {
	struct rego_chunk *next;
	size_t size, used;
	max_align_t data[];
};

#define CHUNK_MIN 8192u
/* The largest chunk a reset keeps. */
#define RA_KEEP_MAX (4u * 1024 * 1024)

void
ra_init(struct rego_arena *a, size_t cap)
{
	memset(a, 0, sizeof(*a));
	a->cap = cap;
}

void *
ra_alloc(struct rego_arena *a, size_t n)
{
	struct rego_chunk *c = a->head;
	size_t sz;
	void *p;

	n = (n + 7u) & ~(size_t)7u;
	if (n == 0)
		n = 8;
	if (c != NULL && c->size - c->used >= n) {
		p = (char *)c->data + c->used;
		c->used += n;
		return p;
	}
	sz = CHUNK_MIN;
	if (c != NULL && c->size < 1024u * 1024u)
		sz = c->size * 2;
	if (sz < n)
		sz = n;
	if (a->cap != 0 && a->total + sz + sizeof(*c) > a->cap) {
		/* try an exact fit before giving up */
		sz = n;
		if (a->total + sz + sizeof(*c) > a->cap) {
			a->failed = true;
			return NULL;
		}
	}
	if ((c = malloc(sizeof(*c) + sz)) == NULL) {
		a->failed = true;
		return NULL;
	}
	c->size = sz;
	c->used = n;
	c->next = a->head;
	a->head = c;
	a->total += sz + sizeof(*c);
	return c->data;
}

void *
ra_zalloc(struct rego_arena *a, size_t n)
{
	void *p = ra_alloc(a, n);

	if (p != NULL)
		memset(p, 0, n);
	return p;
}

char *
ra_strndup(struct rego_arena *a, const char *s, size_t n)
{
	char *p = ra_alloc(a, n + 1);

	if (p == NULL)
		return NULL;
	if (n > 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
ra_reset(struct rego_arena *a)
{
	struct rego_chunk *c, *next, *keep = NULL;

	/* Keep the largest chunk up to RA_KEEP_MAX (chunks double, so it
	 * holds about as much as the others together): the next use of the
	 * arena, often the same evaluation again, then allocates nothing. */
	for (c = a->head; c != NULL; c = c->next)
		if (c->size <= RA_KEEP_MAX && (keep == NULL ||
		    c->size > keep->size))
			keep = c;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		if (c != keep)
			free(c);
	}
	a->head = keep;
	a->total = 0;
	if (keep != NULL) {
		keep->used = 0;
		keep->next = NULL;
		a->total = keep->size + sizeof(*keep);
	}
	a->failed = false;
}

void
ra_free(struct rego_arena *a)
{
	struct rego_chunk *c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
	a->total = 0;
}

/* ------------------------------------------------------------------ */
/* Constants.                                                           */

const rv rv_null_v = { .t = RV_NULL };
const rv rv_true_v = { .t = RV_BOOL, .b = 1 };
const rv rv_false_v = { .t = RV_BOOL, .b = 0 };
const rv rv_empty_str_v = { .t = RV_STR, .u.s = "" };
const rv rv_empty_arr_v = { .t = RV_ARR };
const rv rv_empty_obj_v = { .t = RV_OBJ };
const rv rv_empty_set_v = { .t = RV_SET };

#define SI(n) { .t = RV_NUM, .nt = RN_INT, .u.i = (n) }
#define SI4(n) SI(n), SI((n) + 1), SI((n) + 2), SI((n) + 3)
#define SI16(n) SI4(n), SI4((n) + 4), SI4((n) + 8), SI4((n) + 12)
#define SI64(n) SI16(n), SI16((n) + 16), SI16((n) + 32), SI16((n) + 48)
static const rv small_ints[256] = {
	SI64(0), SI64(64), SI64(128), SI64(192)
};
static const rv minus_one = SI(-1);

const char *
rv_type_name(const rv *v)
{
	static const char *const names[] = { "null", "boolean", "number",
	    "string", "array", "object", "set" };

	return v->t <= RV_SET ? names[v->t] : "unknown";
}

bool
rv_is_false(const rv *v)
{
	return v->t == RV_BOOL && !v->b;
}

const rv *
rv_int(struct rego_arena *a, int64_t i)
{
	rv *v;

	if (i >= 0 && i < 256)
		return &small_ints[i];
	if (i == -1)
		return &minus_one;
	if ((v = ra_alloc(a, sizeof(*v))) == NULL)
		return NULL;
	memset(v, 0, sizeof(*v));
	v->t = RV_NUM;
	v->nt = RN_INT;
	v->u.i = i;
	return v;
}

const rv *
rv_str_ref(struct rego_arena *a, const char *s, size_t n)
{
	rv *v;

	if (n == 0)
		return &rv_empty_str_v;
	if (n > UINT32_MAX) {
		a->failed = true;
		return NULL;
	}
	if ((v = ra_alloc(a, sizeof(*v))) == NULL)
		return NULL;
	memset(v, 0, sizeof(*v));
	v->t = RV_STR;
	v->n = (uint32_t)n;
	v->u.s = s;
	return v;
}

const rv *
rv_str(struct rego_arena *a, const char *s, size_t n)
{
	char *p;

	if (n == 0)
		return &rv_empty_str_v;
	if ((p = ra_strndup(a, s, n)) == NULL)
		return NULL;
	return rv_str_ref(a, p, n);
}

const rv *
rv_cstr(struct rego_arena *a, const char *s)
{
	return rv_str(a, s, strlen(s));
}

static rv *
rv_coll(struct rego_arena *a, uint8_t t, const rv **items, size_t n)
{
	rv *v;

	if (n > UINT32_MAX) {
		a->failed = true;
		return NULL;
	}
	if ((v = ra_alloc(a, sizeof(*v))) == NULL)
		return NULL;
	memset(v, 0, sizeof(*v));
	v->t = t;
	v->n = (uint32_t)n;
	v->u.a = items;
	return v;
}

const rv *
rv_arr(struct rego_arena *a, const rv **items, size_t n)
{
	if (n == 0)
		return &rv_empty_arr_v;
	return rv_coll(a, RV_ARR, items, n);
}

const rv *
rv_arr_copy(struct rego_arena *a, const rv *const *items, size_t n)
{
	const rv **v;

	if (n == 0)
		return &rv_empty_arr_v;
	if ((v = ra_alloc(a, n * sizeof(*v))) == NULL)
		return NULL;
	memcpy(v, items, n * sizeof(*v));
	return rv_coll(a, RV_ARR, v, n);
}

const rv *
rv_set_sorted(struct rego_arena *a, const rv **items, size_t n)
{
	if (n == 0)
		return &rv_empty_set_v;
	return rv_coll(a, RV_SET, items, n);
}

const rv *
rv_obj_sorted(struct rego_arena *a, const rv **keys, const rv **vals,
    size_t n)
{
	rv *v;

	if (n == 0)
		return &rv_empty_obj_v;
	if ((v = rv_coll(a, RV_OBJ, keys, n)) == NULL)
		return NULL;
	v->x = vals;
	return v;
}

/* ------------------------------------------------------------------ */
/* Order.                                                               */

static int
str_cmp(const rv *a, const rv *b)
{
	size_t n = a->n < b->n ? a->n : b->n;
	int c = n > 0 ? memcmp(a->u.s, b->u.s, n) : 0;

	if (c != 0)
		return c < 0 ? -1 : 1;
	if (a->n == b->n)
		return 0;
	return a->n < b->n ? -1 : 1;
}

int
rv_cmp(const rv *a, const rv *b)
{
	size_t i, n;
	int c;

	if (a == b)
		return 0;
	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	switch (a->t) {
	case RV_NULL:
		return 0;
	case RV_BOOL:
		return a->b == b->b ? 0 : (a->b ? 1 : -1);
	case RV_NUM:
		return rv_num_cmp(a, b);
	case RV_STR:
		return str_cmp(a, b);
	case RV_ARR:
	case RV_SET:
		n = a->n < b->n ? a->n : b->n;
		for (i = 0; i < n; i++)
			if ((c = rv_cmp(a->u.a[i], b->u.a[i])) != 0)
				return c;
		break;
	case RV_OBJ:
		n = a->n < b->n ? a->n : b->n;
		for (i = 0; i < n; i++) {
			if ((c = rv_cmp(a->u.a[i], b->u.a[i])) != 0)
				return c;
			if ((c = rv_cmp(rv_obj_vals(a)[i],
			    rv_obj_vals(b)[i])) != 0)
				return c;
		}
		break;
	default:
		return 0;
	}
	if (a->n == b->n)
		return 0;
	return a->n < b->n ? -1 : 1;
}

bool
rv_eq(const rv *a, const rv *b)
{
	if (a == b)
		return true;
	if (a->t != b->t)
		return false;
	if (a->t == RV_STR)
		return a->n == b->n && memcmp(a->u.s, b->u.s, a->n) == 0;
	if ((a->t == RV_ARR || a->t == RV_OBJ || a->t == RV_SET) &&
	    a->n != b->n)
		return false;
	return rv_cmp(a, b) == 0;
}

/* ------------------------------------------------------------------ */
/* Sorting (merge sort: stable, so "last key wins" is well defined).    */

static void
msort(const rv **k, const rv **v, const rv **tk, const rv **tv, size_t n)
{
	size_t h, i, j, o;

	if (n < 2)
		return;
	h = n / 2;
	msort(k, v, tk, tv, h);
	msort(k + h, v != NULL ? v + h : NULL, tk, tv, n - h);
	if (rv_cmp(k[h - 1], k[h]) <= 0)
		return;
	memcpy(tk, k, n * sizeof(*k));
	if (v != NULL)
		memcpy(tv, v, n * sizeof(*v));
	for (i = 0, j = h, o = 0; i < h && j < n; o++) {
		if (rv_cmp(tk[j], tk[i]) < 0) {
			k[o] = tk[j];
			if (v != NULL)
				v[o] = tv[j];
			j++;
		} else {
			k[o] = tk[i];
			if (v != NULL)
				v[o] = tv[i];
			i++;
		}
	}
	for (; i < h; i++, o++) {
		k[o] = tk[i];
		if (v != NULL)
			v[o] = tv[i];
	}
	for (; j < n; j++, o++) {
		k[o] = tk[j];
		if (v != NULL)
			v[o] = tv[j];
	}
}

static bool
sorted_unique(const rv **k, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (rv_cmp(k[i - 1], k[i]) >= 0)
			return false;
	return true;
}

const rv *
rv_set(struct rego_arena *a, const rv **items, size_t n)
{
	const rv **tmp;
	size_t i, o;

	if (n == 0)
		return &rv_empty_set_v;
	if (!sorted_unique(items, n)) {
		if ((tmp = ra_alloc(a, n * sizeof(*tmp))) == NULL)
			return NULL;
		msort(items, NULL, tmp, NULL, n);
		for (i = 1, o = 1; i < n; i++)
			if (rv_cmp(items[o - 1], items[i]) != 0)
				items[o++] = items[i];
		n = o;
	}
	return rv_coll(a, RV_SET, items, n);
}

const rv *
rv_obj(struct rego_arena *a, const rv **keys, const rv **vals, size_t n,
    bool *dup)
{
	const rv **tk, **tv;
	size_t i, o;

	if (dup != NULL)
		*dup = false;
	if (n == 0)
		return &rv_empty_obj_v;
	if (!sorted_unique(keys, n)) {
		if ((tk = ra_alloc(a, 2 * n * sizeof(*tk))) == NULL)
			return NULL;
		tv = tk + n;
		msort(keys, vals, tk, tv, n);
		for (i = 1, o = 1; i < n; i++) {
			if (rv_cmp(keys[o - 1], keys[i]) == 0) {
				if (dup != NULL && !rv_eq(vals[o - 1], vals[i]))
					*dup = true;
				vals[o - 1] = vals[i];  /* last wins */
				continue;
			}
			keys[o] = keys[i];
			vals[o] = vals[i];
			o++;
		}
		n = o;
	}
	return rv_obj_sorted(a, keys, vals, n);
}

/* ------------------------------------------------------------------ */
/* Lookups.                                                             */

long
rv_bsearch(const rv *const *k, size_t n, const rv *key)
{
	size_t lo = 0, hi = n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = rv_cmp(k[mid], key);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

const rv *
rv_obj_get(const rv *o, const rv *key)
{
	long i;

	if (o->t != RV_OBJ || o->n == 0)
		return NULL;
	if ((i = rv_bsearch(o->u.a, o->n, key)) < 0)
		return NULL;
	return rv_obj_vals(o)[i];
}

const rv *
rv_obj_gets(const rv *o, const char *key, size_t n)
{
	rv k;

	memset(&k, 0, sizeof(k));
	k.t = RV_STR;
	k.n = (uint32_t)n;
	k.u.s = key;
	return rv_obj_get(o, &k);
}

bool
rv_set_has(const rv *s, const rv *v)
{
	return s->t == RV_SET && s->n > 0 && rv_bsearch(s->u.a, s->n, v) >= 0;
}

const rv *
rv_get(const rv *coll, const rv *key)
{
	int64_t i;
	long k;

	switch (coll->t) {
	case RV_ARR:
		if (key->t != RV_NUM || !rv_num_i64(key, &i))
			return NULL;
		if (key->nt == RN_FLT)
			return NULL;  /* OPA: 1.0 is not an index */
		if (i < 0 || (uint64_t)i >= coll->n)
			return NULL;
		return coll->u.a[i];
	case RV_OBJ:
		return rv_obj_get(coll, key);
	case RV_SET:
		if (coll->n == 0 || (k = rv_bsearch(coll->u.a, coll->n,
		    key)) < 0)
			return NULL;
		return coll->u.a[k];
	default:
		return NULL;
	}
}

const rv *
rv_obj_put(struct rego_arena *a, const rv *o, const rv *key, const rv *val)
{
	const rv **k, **v;
	size_t n = o->t == RV_OBJ ? o->n : 0, i, j;
	bool placed = false;
	int c;

	if ((k = ra_alloc(a, 2 * (n + 1) * sizeof(*k))) == NULL)
		return NULL;
	v = k + n + 1;
	for (i = 0, j = 0; i < n; i++) {
		if (!placed && (c = rv_cmp(o->u.a[i], key)) >= 0) {
			k[j] = key;
			v[j++] = val;
			placed = true;
			if (c == 0)
				continue;
		}
		k[j] = o->u.a[i];
		v[j++] = rv_obj_vals(o)[i];
	}
	if (!placed) {
		k[j] = key;
		v[j++] = val;
	}
	return rv_obj_sorted(a, k, v, j);
}

/* ------------------------------------------------------------------ */
/* Vectors.                                                             */

void
rvv_init(struct rv_vec *vv, struct rego_arena *a)
{
	vv->v = NULL;
	vv->n = vv->cap = 0;
	vv->a = a;
}

int
rvv_push(struct rv_vec *vv, const rv *x)
{
	const rv **nv;
	size_t nc;

	if (vv->n == vv->cap) {
		nc = vv->cap == 0 ? 8 : vv->cap * 2;
		if ((nv = ra_alloc(vv->a, nc * sizeof(*nv))) == NULL)
			return -1;
		if (vv->n > 0)
			memcpy(nv, vv->v, vv->n * sizeof(*nv));
		vv->v = nv;
		vv->cap = nc;
	}
	vv->v[vv->n++] = x;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Text buffers.                                                        */

void
rb_init(struct rego_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
rb_free(struct rego_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static bool
rb_grow(struct rego_buf *b, size_t extra)
{
	size_t nc;
	char *np;

	if (b->oom)
		return false;
	if (b->len + extra + 1 <= b->cap)
		return true;
	if (b->max != 0 && b->len + extra + 1 > b->max) {
		b->oom = true;
		return false;
	}
	nc = b->cap == 0 ? 256 : b->cap;
	while (nc < b->len + extra + 1)
		nc *= 2;
	if ((np = realloc(b->p, nc)) == NULL) {
		b->oom = true;
		return false;
	}
	b->p = np;
	b->cap = nc;
	return true;
}

void
rb_put(struct rego_buf *b, const char *s, size_t n)
{
	if (!rb_grow(b, n))
		return;
	if (n > 0)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
rb_putc(struct rego_buf *b, char c)
{
	rb_put(b, &c, 1);
}

void
rb_puts(struct rego_buf *b, const char *s)
{
	rb_put(b, s, strlen(s));
}

void
rb_printf(struct rego_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !rb_grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	(void)vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

const char *
rb_str(struct rego_buf *b)
{
	return b->p != NULL ? b->p : "";
}

/* ------------------------------------------------------------------ */
/* UTF-8.                                                               */

size_t
rego_utf8_dec(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t c;
	size_t len, i;

	if (n == 0) {
		*cp = 0xFFFD;
		return 0;
	}
	c = u[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		c &= 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		c &= 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		c &= 0x07;
	} else {
		*cp = 0xFFFD;
		return 1;
	}
	if (n < len) {
		*cp = 0xFFFD;
		return 1;
	}
	for (i = 1; i < len; i++) {
		if ((u[i] & 0xC0) != 0x80) {
			*cp = 0xFFFD;
			return 1;
		}
		c = (c << 6) | (u[i] & 0x3Fu);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10FFFF))) {
		*cp = 0xFFFD;
		return 1;
	}
	*cp = c;
	return len;
}

size_t
rego_utf8_enc(uint32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;

	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

size_t
rego_utf8_len(const char *s, size_t n)
{
	size_t i = 0, cnt = 0;
	uint32_t cp;

	while (i < n) {
		i += rego_utf8_dec(s + i, n - i, &cp);
		cnt++;
	}
	return cnt;
}

bool
rego_utf8_valid(const char *s, size_t n)
{
	size_t i = 0, k;
	uint32_t cp;

	while (i < n) {
		k = rego_utf8_dec(s + i, n - i, &cp);
		if (cp == 0xFFFD && !(k == 3 &&
		    memcmp(s + i, "\xEF\xBF\xBD", 3) == 0))
			return false;
		i += k;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Diagnostics.                                                         */

void
rego_diag_set(struct ccakit_rego_diag *dg, const char *code,
    const struct rego_loc *loc, const char *fmt, va_list ap)
{
	memset(dg, 0, sizeof(*dg));
	dg->code = code;
	if (loc != NULL) {
		if (loc->file != NULL)
			snprintf(dg->file, sizeof(dg->file), "%s", loc->file);
		dg->row = loc->row;
		dg->col = loc->col;
	}
	vsnprintf(dg->message, sizeof(dg->message), fmt, ap);
}

void
rd_vadd(struct rego_diags *ds, const char *code, const struct rego_loc *loc,
    const char *fmt, va_list ap)
{
	struct ccakit_rego_diag *nd;
	size_t nc;

	if (ds->n == ds->cap) {
		nc = ds->cap == 0 ? 4 : ds->cap * 2;
		if ((nd = realloc(ds->d, nc * sizeof(*nd))) == NULL)
			return;
		ds->d = nd;
		ds->cap = nc;
	}
	rego_diag_set(&ds->d[ds->n++], code, loc, fmt, ap);
}

void
rd_add(struct rego_diags *ds, const char *code, const struct rego_loc *loc,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rd_vadd(ds, code, loc, fmt, ap);
	va_end(ap);
}

void
rd_free(struct rego_diags *ds)
{
	free(ds->d);
	memset(ds, 0, sizeof(*ds));
}

int
ccakit_rego_diag_format(const struct ccakit_rego_diag *dg, char *buf,
    size_t len)
{
	if (dg->file[0] != '\0' || dg->row > 0)
		return snprintf(buf, len, "%s:%d: %s: %s", dg->file, dg->row,
		    dg->code, dg->message);
	return snprintf(buf, len, "%s: %s", dg->code, dg->message);
}

int
rego_detail(struct ccakit_errdetail *d, int code,
    const struct ccakit_rego_diag *dg)
{
	if (d == NULL)
		return code;
	d->code = code;
	d->what = dg != NULL ? dg->code : NULL;
	if (dg != NULL)
		(void)ccakit_rego_diag_format(dg, d->text, sizeof(d->text));
	else
		d->text[0] = '\0';
	return code;
}
