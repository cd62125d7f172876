/*
 * json.patch: RFC 6902 JSON Patch applied to Rego values, with OPA's
 * extensions: a path is a JSON pointer string ("/a/b", the leading '/'
 * optional, "~1" and "~0" escapes) or an array of segments of any type;
 * sets are addressed by their members (adding to a set needs the last
 * segment equal to the value); "-" appends to an array; numeric strings
 * and integers index arrays (no leading zeros).
 *
 * As in OPA, a patch that cannot be applied (a missing path, a failed
 * "test", a malformed operation) makes the call undefined; only a second
 * operand that is not an array is a type error. Values are immutable:
 * each operation rebuilds the containers along its path, charging their
 * sizes to the evaluation's step limit.
 */
#include <stdlib.h>
#include <string.h>

#include "rego/rego_priv.h"

/* "cannot apply" is not an error of the evaluation: the call is
 * undefined. PATCH_FAIL is returned by the helpers below for that case;
 * other negative values are the evaluation's errors (limits). */
#define PATCH_OK   0
#define PATCH_FAIL 1

struct patcher {
	ccakit_rego_bictx *ctx;
	struct rego_arena *ar;
	int err;                  /* evaluation error (limits) */
};

static int
charge(struct patcher *p, size_t n)
{
	int rc = rego_bi_step(p->ctx, (uint64_t)n + 1);

	if (rc != CCAKIT_OK) {
		p->err = rc;
		return -1;
	}
	return 0;
}

static int
nomem(struct patcher *p)
{
	p->err = rego_bi_nomem(p->ctx);
	return -1;
}

/* Path segments of a "path" or "from" member; false if malformed. */
static bool
parse_path(struct patcher *p, const rv *t, const rv ***segs, size_t *n)
{
	struct rv_vec v;
	const char *s, *e;

	if (t->t == RV_ARR) {
		*segs = (const rv **)t->u.a;
		*n = t->n;
		return true;
	}
	if (t->t != RV_STR)
		return false;
	rvv_init(&v, p->ar);
	s = t->u.s;
	e = s + t->n;
	if (s == e) {
		*segs = NULL;
		*n = 0;
		return true;
	}
	while (s < e && *s == '/')
		s++;
	for (;;) {
		const char *q = memchr(s, '/', (size_t)(e - s));
		const char *end = q != NULL ? q : e;
		char *buf = ra_alloc(p->ar, (size_t)(end - s) + 1);
		size_t bl = 0;
		const char *c;
		const rv *seg;

		if (buf == NULL) {
			(void)nomem(p);
			return false;
		}
		/* Go: ReplaceAll("~1", "/") then ReplaceAll("~0", "~"). */
		for (c = s; c < end; c++) {
			if (c[0] == '~' && c + 1 < end && c[1] == '1') {
				buf[bl++] = '/';
				c++;
			} else {
				buf[bl++] = *c;
			}
		}
		{
			size_t i, o = 0;

			for (i = 0; i < bl; i++) {
				if (buf[i] == '~' && i + 1 < bl &&
				    buf[i + 1] == '0') {
					buf[o++] = '~';
					i++;
				} else {
					buf[o++] = buf[i];
				}
			}
			bl = o;
		}
		buf[bl] = '\0';
		if ((seg = rv_str_ref(p->ar, buf, bl)) == NULL ||
		    rvv_push(&v, seg) != 0) {
			(void)nomem(p);
			return false;
		}
		if (q == NULL)
			break;
		s = q + 1;
	}
	*segs = v.v;
	*n = v.n;
	return true;
}

/* OPA's toIndex: an array index from an integer or a decimal string
 * ("-" is the length); false if the segment is not an index. */
static bool
to_index(const rv *seg, size_t len, int64_t *idx)
{
	if (seg->t == RV_NUM)
		return seg->nt == RN_INT && rv_num_i64(seg, idx);
	if (seg->t != RV_STR)
		return false;
	if (seg->n == 1 && seg->u.s[0] == '-') {
		*idx = (int64_t)len;
		return true;
	}
	{
		const char *s = seg->u.s, *d = s;
		char *end;
		long long x;

		if (seg->n == 0 || seg->n > 20)
			return false;
		if (*d == '+' || *d == '-')
			d++;
		if (*d < '0' || *d > '9')
			return false;
		x = strtoll(s, &end, 10);
		if (*end != '\0')
			return false;
		/* Leading zeros are refused ("0" itself is fine). */
		if (seg->n > 1 && s[0] == '0')
			return false;
		*idx = (int64_t)x;
		return true;
	}
}

/* Member of a composite at one segment (NULL: none). */
static const rv *
child_at(const rv *v, const rv *seg)
{
	int64_t i;

	switch (v->t) {
	case RV_OBJ:
		return rv_obj_get(v, seg);
	case RV_SET:
		return rv_set_has(v, seg) ? seg : NULL;
	case RV_ARR:
		if (!to_index(seg, v->n, &i) || i < 0 || (uint64_t)i >= v->n)
			return NULL;
		return v->u.a[i];
	default:
		return NULL;
	}
}

/* A copy of set or object v without member/key `k` (present). */
static const rv *
without(struct rego_arena *ar, const rv *v, const rv *k)
{
	const rv **items, **vals = NULL;
	size_t i, n = 0;

	if ((items = ra_alloc(ar, (v->n + 1) * sizeof(*items))) == NULL)
		return NULL;
	if (v->t == RV_OBJ &&
	    (vals = ra_alloc(ar, (v->n + 1) * sizeof(*vals))) == NULL)
		return NULL;
	for (i = 0; i < v->n; i++) {
		if (rv_cmp(v->u.a[i], k) == 0)
			continue;
		items[n] = v->u.a[i];
		if (vals != NULL)
			vals[n] = rv_obj_vals(v)[i];
		n++;
	}
	if (v->t == RV_OBJ)
		return rv_obj_sorted(ar, items, vals, n);
	return rv_set_sorted(ar, items, n);
}

static const rv *
set_plus(struct rego_arena *ar, const rv *v, const rv *x)
{
	const rv **items = ra_alloc(ar, (v->n + 1) * sizeof(*items));

	if (items == NULL)
		return NULL;
	if (v->n > 0)
		memcpy(items, v->u.a, v->n * sizeof(*items));
	items[v->n] = x;
	return rv_set(ar, items, v->n + 1);
}

/* Array v with element i replaced (del: removed; ins: x inserted). */
static const rv *
arr_edit(struct rego_arena *ar, const rv *v, size_t i, const rv *x,
    bool ins, bool del)
{
	size_t n = v->n + (ins ? 1 : 0) - (del ? 1 : 0), o = 0, j;
	const rv **items = ra_alloc(ar, (n + 1) * sizeof(*items));

	if (items == NULL)
		return NULL;
	for (j = 0; j < v->n; j++) {
		if (j == i) {
			if (ins) {
				items[o++] = x;
				items[o++] = v->u.a[j];
			} else if (!del) {
				items[o++] = x;
			}
			continue;
		}
		items[o++] = v->u.a[j];
	}
	if (ins && i == v->n)
		items[o++] = x;
	return rv_arr(ar, items, o);
}

enum { OP_INSERT, OP_DELETE };

/*
 * Insert x at the last segment, or delete it, below the path; *out is
 * the new value. Returns PATCH_OK, PATCH_FAIL, or -1 (p->err set).
 */
static int
edit(struct patcher *p, const rv *v, const rv *const *segs, size_t n,
    int op, const rv *x, const rv **out)
{
	const rv *seg = segs[0], *c, *nc;
	int64_t i = 0;
	int rc;

	if (charge(p, v->t >= RV_ARR ? v->n : 0) != 0)
		return -1;
	if (n > 1) {
		if ((c = child_at(v, seg)) == NULL)
			return PATCH_FAIL;
		if ((rc = edit(p, c, segs + 1, n - 1, op, x, &nc)) != PATCH_OK)
			return rc;
		switch (v->t) {
		case RV_OBJ:
			*out = rv_obj_put(p->ar, v, seg, nc);
			break;
		case RV_SET:
			*out = (c = without(p->ar, v, c)) == NULL ? NULL :
			    set_plus(p->ar, c, nc);
			break;
		default:
			(void)to_index(seg, v->n, &i);
			*out = arr_edit(p->ar, v, (size_t)i, nc, false, false);
			break;
		}
		return *out == NULL ? nomem(p) : PATCH_OK;
	}
	switch (v->t) {
	case RV_OBJ:
		if (op == OP_INSERT)
			*out = rv_obj_put(p->ar, v, seg, x);
		else if (rv_obj_get(v, seg) == NULL)
			return PATCH_FAIL;
		else
			*out = without(p->ar, v, seg);
		break;
	case RV_SET:
		if (op == OP_INSERT) {
			if (!rv_eq(seg, x))
				return PATCH_FAIL;
			*out = set_plus(p->ar, v, x);
		} else if (!rv_set_has(v, seg)) {
			return PATCH_FAIL;
		} else {
			*out = without(p->ar, v, seg);
		}
		break;
	case RV_ARR:
		/* insert: 0..n; delete: 0..n-1 */
		if (!to_index(seg, v->n, &i) || i < 0 ||
		    (uint64_t)i + (op == OP_DELETE ? 1u : 0u) > v->n)
			return PATCH_FAIL;
		*out = arr_edit(p->ar, v, (size_t)i, x, op == OP_INSERT,
		    op == OP_DELETE);
		break;
	default:
		return PATCH_FAIL;
	}
	return *out == NULL ? nomem(p) : PATCH_OK;
}

/* Value at a path (the whole document for an empty path). */
static int
render(struct patcher *p, const rv *doc, const rv *const *segs, size_t n,
    const rv **out)
{
	size_t i;

	if (doc == NULL)
		return PATCH_FAIL;
	for (i = 0; i < n; i++) {
		if (charge(p, 0) != 0)
			return -1;
		if ((doc = child_at(doc, segs[i])) == NULL)
			return PATCH_FAIL;
	}
	*out = doc;
	return PATCH_OK;
}

/* Insert (n == 0: replace the document) or delete (n == 0: the
 * document becomes deleted, NULL). */
static int
edit_doc(struct patcher *p, const rv **doc, const rv *const *segs, size_t n,
    int op, const rv *x)
{
	const rv *nv;
	int rc;

	if (n == 0) {
		if (op == OP_DELETE && *doc == NULL)
			return PATCH_FAIL;
		*doc = op == OP_INSERT ? x : NULL;
		return PATCH_OK;
	}
	if (*doc == NULL)
		return PATCH_FAIL;
	if ((rc = edit(p, *doc, segs, n, op, x, &nv)) != PATCH_OK)
		return rc;
	*doc = nv;
	return PATCH_OK;
}

static const rv *
member(const rv *o, const char *name)
{
	return rv_obj_gets(o, name, strlen(name));
}

/* Apply one operation object to *doc. */
static int
apply_op(struct patcher *p, const rv **doc, const rv *o)
{
	const rv *opv, *path, *from = NULL, *value = NULL, *chunk;
	const rv **segs, **fsegs;
	size_t n, fn;
	const char *op;
	int rc;

	if (o->t != RV_OBJ || (opv = member(o, "op")) == NULL ||
	    opv->t != RV_STR)
		return PATCH_FAIL;
	op = opv->u.s;
	if (strcmp(op, "add") != 0 && strcmp(op, "remove") != 0 &&
	    strcmp(op, "replace") != 0 && strcmp(op, "move") != 0 &&
	    strcmp(op, "copy") != 0 && strcmp(op, "test") != 0)
		return PATCH_FAIL;
	if ((path = member(o, "path")) == NULL)
		return PATCH_FAIL;
	if ((strcmp(op, "move") == 0 || strcmp(op, "copy") == 0) &&
	    (from = member(o, "from")) == NULL)
		return PATCH_FAIL;
	if ((strcmp(op, "add") == 0 || strcmp(op, "replace") == 0 ||
	    strcmp(op, "test") == 0) && (value = member(o, "value")) == NULL)
		return PATCH_FAIL;
	if (!parse_path(p, path, &segs, &n))
		return p->err != 0 ? -1 : PATCH_FAIL;
	if (strcmp(op, "add") == 0)
		return edit_doc(p, doc, segs, n, OP_INSERT, value);
	if (strcmp(op, "remove") == 0)
		return edit_doc(p, doc, segs, n, OP_DELETE, NULL);
	if (strcmp(op, "replace") == 0) {
		if ((rc = edit_doc(p, doc, segs, n, OP_DELETE, NULL)) !=
		    PATCH_OK)
			return rc;
		return edit_doc(p, doc, segs, n, OP_INSERT, value);
	}
	if (strcmp(op, "test") == 0) {
		if ((rc = render(p, *doc, segs, n, &chunk)) != PATCH_OK)
			return rc;
		return rv_eq(chunk, value) ? PATCH_OK : PATCH_FAIL;
	}
	/* move, copy */
	if (!parse_path(p, from, &fsegs, &fn))
		return p->err != 0 ? -1 : PATCH_FAIL;
	if ((rc = render(p, *doc, fsegs, fn, &chunk)) != PATCH_OK)
		return rc;
	if (strcmp(op, "move") == 0 &&
	    (rc = edit_doc(p, doc, fsegs, fn, OP_DELETE, NULL)) != PATCH_OK)
		return rc;
	return edit_doc(p, doc, segs, n, OP_INSERT, chunk);
}

static int
bi_json_patch(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct patcher p;
	const rv *doc = a[0];
	size_t i;
	int rc;

	BI_NEED(ctx, a, 1, RV_ARR, "array");
	memset(&p, 0, sizeof(p));
	p.ctx = ctx;
	p.ar = rego_bi_arena(ctx);
	*out = NULL;
	for (i = 0; i < a[1]->n; i++) {
		rc = apply_op(&p, &doc, a[1]->u.a[i]);
		if (rc < 0)
			return p.err;
		if (rc == PATCH_FAIL)
			return CCAKIT_OK;      /* undefined */
	}
	*out = doc;     /* NULL (undefined) when the document was removed */
	return CCAKIT_OK;
}

const struct rego_bi_def rego_bi_jsonpatch[] = {
	{ "json.patch", 2, 0, bi_json_patch },
	{ NULL, 0, 0, NULL },
};
