/*
 * Objects, arrays and sets: object.get/keys/remove/filter/union/
 * union_n/subset, array.concat/slice/reverse/flatten, union,
 * intersection, walk, json.filter, json.remove.
 */
#include <stdlib.h>
#include <string.h>

#include "rego/rego_priv.h"

static int
bi_object_get(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	const rv *v;
	size_t i;

	BI_NEED(ctx, a, 0, RV_OBJ, "object");
	if (a[1]->t != RV_ARR) {
		v = rv_obj_get(a[0], a[1]);
		*out = v != NULL ? v : a[2];
		return CCAKIT_OK;
	}
	v = a[0];
	for (i = 0; i < a[1]->n; i++) {
		if (v->t != RV_OBJ && v->t != RV_ARR && v->t != RV_SET) {
			v = NULL;
			break;
		}
		if ((v = rv_get(v, a[1]->u.a[i])) == NULL)
			break;
	}
	*out = v != NULL ? v : a[2];
	return CCAKIT_OK;
}

static int
bi_object_keys(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	BI_NEED(ctx, a, 0, RV_OBJ, "object");
	NOMEM_IF(ctx, *out = rv_set_sorted(rego_bi_arena(ctx),
	    a[0]->u.a, a[0]->n));
	return CCAKIT_OK;
}

/* Keys of operand 2 (array, set or object keys) as a set. */
static int
keys_param(ccakit_rego_bictx *ctx, const rv *x, const rv **set)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	const rv **v;

	switch (x->t) {
	case RV_SET:
		*set = x;
		return CCAKIT_OK;
	case RV_OBJ:
		NOMEM_IF(ctx, *set = rv_set_sorted(ar, x->u.a, x->n));
		return CCAKIT_OK;
	case RV_ARR:
		NOMEM_IF(ctx, v = ra_alloc(ar, (x->n + 1) * sizeof(*v)));
		if (x->n > 0)
			memcpy(v, x->u.a, x->n * sizeof(*v));
		NOMEM_IF(ctx, *set = rv_set(ar, v, x->n));
		return CCAKIT_OK;
	default:
		return rego_bi_operr(ctx, 2, "one of {object, set, array}", x);
	}
}

static int
obj_select(ccakit_rego_bictx *ctx, args_t a, const rv **out, bool keep)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	const rv **k, **v, *set;
	size_t i, n = 0;
	int rc;

	BI_NEED(ctx, a, 0, RV_OBJ, "object");
	if ((rc = keys_param(ctx, a[1], &set)) != CCAKIT_OK)
		return rc;
	NOMEM_IF(ctx, k = ra_alloc(ar, 2 * (a[0]->n + 1) * sizeof(*k)));
	v = k + a[0]->n + 1;
	for (i = 0; i < a[0]->n; i++) {
		if (rv_set_has(set, a[0]->u.a[i]) != keep)
			continue;
		k[n] = a[0]->u.a[i];
		v[n++] = rv_obj_vals(a[0])[i];
	}
	NOMEM_IF(ctx, *out = rv_obj_sorted(ar, k, v, n));
	return CCAKIT_OK;
}

static int
bi_object_remove(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return obj_select(ctx, a, out, false);
}

static int
bi_object_filter(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return obj_select(ctx, a, out, true);
}

/* Recursive merge, b wins (nested objects merged). */
static const rv *
merge(struct rego_arena *ar, const rv *x, const rv *y)
{
	const rv **k, **v;
	size_t i = 0, j = 0, n = 0;
	int c;

	if (x->t != RV_OBJ || y->t != RV_OBJ)
		return y;
	if ((k = ra_alloc(ar, 2 * (x->n + y->n + 1) * sizeof(*k))) == NULL)
		return NULL;
	v = k + x->n + y->n + 1;
	while (i < x->n || j < y->n) {
		if (i == x->n)
			c = 1;
		else if (j == y->n)
			c = -1;
		else
			c = rv_cmp(x->u.a[i], y->u.a[j]);
		if (c < 0) {
			k[n] = x->u.a[i];
			v[n++] = rv_obj_vals(x)[i++];
		} else if (c > 0) {
			k[n] = y->u.a[j];
			v[n++] = rv_obj_vals(y)[j++];
		} else {
			k[n] = y->u.a[j];
			if ((v[n++] = merge(ar, rv_obj_vals(x)[i],
			    rv_obj_vals(y)[j])) == NULL)
				return NULL;
			i++;
			j++;
		}
	}
	return rv_obj_sorted(ar, k, v, n);
}

static int
bi_object_union(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	BI_NEED(ctx, a, 0, RV_OBJ, "object");
	BI_NEED(ctx, a, 1, RV_OBJ, "object");
	NOMEM_IF(ctx, *out = merge(rego_bi_arena(ctx), a[0], a[1]));
	return CCAKIT_OK;
}

static int
bi_object_union_n(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	const rv *acc = &rv_empty_obj_v;
	size_t i;

	BI_NEED(ctx, a, 0, RV_ARR, "array");
	for (i = 0; i < a[0]->n; i++) {
		if (a[0]->u.a[i]->t != RV_OBJ)
			return rego_bi_typeerr(ctx, "operand 1 must be array "
			    "of objects but got array containing %s",
			    rv_type_name(a[0]->u.a[i]));
		NOMEM_IF(ctx, acc = merge(rego_bi_arena(ctx), acc,
		    a[0]->u.a[i]));
	}
	*out = acc;
	return CCAKIT_OK;
}

static bool subset(const rv *sup, const rv *sub);

static bool
array_contains_run(const rv *sup, const rv *sub)
{
	size_t i, j;

	if (sub->n == 0)
		return true;
	for (i = 0; i + sub->n <= sup->n; i++) {
		for (j = 0; j < sub->n; j++)
			if (!rv_eq(sup->u.a[i + j], sub->u.a[j]))
				break;
		if (j == sub->n)
			return true;
	}
	return false;
}

static bool
subset(const rv *sup, const rv *sub)
{
	size_t i;

	if (sup->t == RV_OBJ && sub->t == RV_OBJ) {
		for (i = 0; i < sub->n; i++) {
			const rv *x = rv_obj_get(sup, sub->u.a[i]);
			const rv *y = rv_obj_vals(sub)[i];

			if (x == NULL)
				return false;
			if ((x->t == RV_OBJ || x->t == RV_SET ||
			    x->t == RV_ARR) && x->t == y->t) {
				if (!subset(x, y))
					return false;
			} else if (!rv_eq(x, y)) {
				return false;
			}
		}
		return true;
	}
	if (sup->t == RV_SET && sub->t == RV_SET) {
		for (i = 0; i < sub->n; i++)
			if (!rv_set_has(sup, sub->u.a[i]))
				return false;
		return true;
	}
	if (sup->t == RV_ARR && sub->t == RV_ARR)
		return array_contains_run(sup, sub);
	if (sup->t == RV_ARR && sub->t == RV_SET) {
		for (i = 0; i < sub->n; i++) {
			size_t j;

			for (j = 0; j < sup->n; j++)
				if (rv_eq(sup->u.a[j], sub->u.a[i]))
					break;
			if (j == sup->n)
				return false;
		}
		return true;
	}
	return false;
}

static int
bi_object_subset(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	if (a[0]->t != RV_OBJ && a[0]->t != RV_SET && a[0]->t != RV_ARR)
		return rego_bi_operr(ctx, 1, "one of {object, set, array}",
		    a[0]);
	if (a[1]->t != RV_OBJ && a[1]->t != RV_SET && a[1]->t != RV_ARR)
		return rego_bi_operr(ctx, 2, "one of {object, set, array}",
		    a[1]);
	*out = RV_BOOLV(subset(a[0], a[1]));
	return CCAKIT_OK;
}

static int
bi_array_concat(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	const rv **v;

	BI_NEED(ctx, a, 0, RV_ARR, "array");
	BI_NEED(ctx, a, 1, RV_ARR, "array");
	NOMEM_IF(ctx, v = ra_alloc(ar, (a[0]->n + a[1]->n + 1) * sizeof(*v)));
	if (a[0]->n > 0)
		memcpy(v, a[0]->u.a, a[0]->n * sizeof(*v));
	if (a[1]->n > 0)
		memcpy(v + a[0]->n, a[1]->u.a, a[1]->n * sizeof(*v));
	NOMEM_IF(ctx, *out = rv_arr(ar, v, a[0]->n + a[1]->n));
	return CCAKIT_OK;
}

static int
bi_array_slice(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	int64_t s, e, n;

	BI_NEED(ctx, a, 0, RV_ARR, "array");
	BI_NEED(ctx, a, 1, RV_NUM, "number");
	BI_NEED(ctx, a, 2, RV_NUM, "number");
	if (!rv_num_i64(a[1], &s))
		return rego_bi_typeerr(ctx, "operand 2 must be integer number "
		    "but got floating-point number");
	if (!rv_num_i64(a[2], &e))
		return rego_bi_typeerr(ctx, "operand 3 must be integer number "
		    "but got floating-point number");
	n = (int64_t)a[0]->n;
	if (s < 0)
		s = 0;
	if (e > n)
		e = n;
	if (s >= e) {
		*out = &rv_empty_arr_v;
		return CCAKIT_OK;
	}
	NOMEM_IF(ctx, *out = rv_arr_copy(rego_bi_arena(ctx), a[0]->u.a +
	    s, (size_t)(e - s)));
	return CCAKIT_OK;
}

static int
bi_array_reverse(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	const rv **v;
	size_t i, n = a[0]->n;

	BI_NEED(ctx, a, 0, RV_ARR, "array");
	NOMEM_IF(ctx, v = ra_alloc(ar, (n + 1) * sizeof(*v)));
	for (i = 0; i < n; i++)
		v[i] = a[0]->u.a[n - 1 - i];
	NOMEM_IF(ctx, *out = rv_arr(ar, v, n));
	return CCAKIT_OK;
}

static int
bi_array_flatten(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rv_vec vv;
	size_t i, j;

	BI_NEED(ctx, a, 0, RV_ARR, "array");
	rvv_init(&vv, rego_bi_arena(ctx));
	for (i = 0; i < a[0]->n; i++) {
		const rv *x = a[0]->u.a[i];

		if (x->t != RV_ARR) {
			if (rvv_push(&vv, x) != 0)
				return rego_bi_nomem(ctx);
			continue;
		}
		for (j = 0; j < x->n; j++)
			if (rvv_push(&vv, x->u.a[j]) != 0)
				return rego_bi_nomem(ctx);
	}
	NOMEM_IF(ctx, *out = rv_arr(rego_bi_arena(ctx), vv.v, vv.n));
	return CCAKIT_OK;
}

const rv *rego_set_union(struct rego_arena *ar, const rv *x, const rv *y);
const rv *rego_set_intersect(struct rego_arena *ar, const rv *x,
    const rv *y);

static int
set_of_sets(ccakit_rego_bictx *ctx, args_t a, const rv **out, bool inter)
{
	const rv *acc = NULL;
	size_t i;

	BI_NEED(ctx, a, 0, RV_SET, "set");
	for (i = 0; i < a[0]->n; i++) {
		const rv *s = a[0]->u.a[i];

		if (s->t != RV_SET)
			return rego_bi_typeerr(ctx, "operand 1 must be set of "
			    "sets but got set containing %s",
			    rv_type_name(s));
		if (acc == NULL)
			acc = s;
		else if (inter)
			acc = rego_set_intersect(rego_bi_arena(ctx), acc, s);
		else
			acc = rego_set_union(rego_bi_arena(ctx), acc, s);
		if (acc == NULL)
			return rego_bi_nomem(ctx);
	}
	*out = acc != NULL ? acc : &rv_empty_set_v;
	return CCAKIT_OK;
}

static int
bi_union(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return set_of_sets(ctx, a, out, false);
}

static int
bi_intersection(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return set_of_sets(ctx, a, out, true);
}

/* walk(x): every [path, value] pair (a relation: one result each). */
static int
walk_rec(struct rego_arena *ar, struct rv_vec *res, struct rv_vec *path,
    const rv *v)
{
	const rv *pair[2], *p, *k;
	size_t i;

	if ((p = rv_arr_copy(ar, path->v, path->n)) == NULL)
		return -1;
	pair[0] = p;
	pair[1] = v;
	if ((p = rv_arr_copy(ar, pair, 2)) == NULL || rvv_push(res, p) != 0)
		return -1;
	if (v->t != RV_ARR && v->t != RV_OBJ && v->t != RV_SET)
		return 0;
	for (i = 0; i < v->n; i++) {
		const rv *child;

		if (v->t == RV_ARR) {
			if ((k = rv_int(ar, (int64_t)i)) == NULL)
				return -1;
			child = v->u.a[i];
		} else if (v->t == RV_OBJ) {
			k = v->u.a[i];
			child = rv_obj_vals(v)[i];
		} else {
			k = child = v->u.a[i];
		}
		if (rvv_push(path, k) != 0 || walk_rec(ar, res, path,
		    child) != 0)
			return -1;
		path->n--;
	}
	return 0;
}

static int
bi_walk(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	struct rv_vec res, path;

	rvv_init(&res, ar);
	rvv_init(&path, ar);
	if (walk_rec(ar, &res, &path, a[0]) != 0)
		return rego_bi_nomem(ctx);
	NOMEM_IF(ctx, *out = rv_arr(ar, res.v, res.n));
	return CCAKIT_OK;
}

/*
 * json.filter / json.remove: paths are "a/b/c" strings (a leading '/'
 * ignored) or arrays of segments; they form a trie whose leaves select
 * whole subtrees.
 */
struct ptrie {
	const rv *seg;
	bool leaf;
	struct ptrie **kids;
	size_t n, cap;
};

static struct ptrie *
pt_child(struct rego_arena *ar, struct ptrie *t, const rv *seg)
{
	struct ptrie *c, **nk;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (rv_eq(t->kids[i]->seg, seg))
			return t->kids[i];
	if ((c = ra_zalloc(ar, sizeof(*c))) == NULL)
		return NULL;
	c->seg = seg;
	if (t->n == t->cap) {
		size_t nc = t->cap == 0 ? 4 : t->cap * 2;

		if ((nk = ra_alloc(ar, nc * sizeof(*nk))) == NULL)
			return NULL;
		if (t->n > 0)
			memcpy(nk, t->kids, t->n * sizeof(*nk));
		t->kids = nk;
		t->cap = nc;
	}
	t->kids[t->n++] = c;
	return c;
}

static const char paths_want[] = "one of {set, array} containing string "
    "paths or array of path segments";

static int
build_trie(ccakit_rego_bictx *ctx, const rv *paths, struct ptrie *root)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	size_t i, j;

	if (paths->t != RV_SET && paths->t != RV_ARR)
		return rego_bi_operr(ctx, 2, "one of {set, array}", paths);
	for (i = 0; i < paths->n; i++) {
		const rv *p = paths->u.a[i];
		struct ptrie *t = root;

		if (p->t == RV_STR) {
			const char *s = p->u.s, *e = s + p->n;

			while (s < e && *s == '/')
				s++;
			while (s < e) {
				const char *q = memchr(s, '/', (size_t)(e - s));
				size_t len = q != NULL ? (size_t)(q - s) :
				    (size_t)(e - s);
				const rv *seg = rv_str(ar, s, len);

				if (seg == NULL || (t = pt_child(ar, t,
				    seg)) == NULL)
					return rego_bi_nomem(ctx);
				s += len + (q != NULL ? 1 : 0);
			}
		} else if (p->t == RV_ARR) {
			for (j = 0; j < p->n; j++)
				if ((t = pt_child(ar, t, p->u.a[j])) == NULL)
					return rego_bi_nomem(ctx);
		} else {
			return rego_bi_operr(ctx, 2, paths_want, p);
		}
		t->leaf = true;
	}
	return CCAKIT_OK;
}

/* The trie child matching an object key or an array index. */
static const struct ptrie *
pt_match(const struct ptrie *t, const rv *key, int64_t idx)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		const rv *seg = t->kids[i]->seg;

		if (key != NULL) {
			if (rv_eq(seg, key))
				return t->kids[i];
			if (seg->t == RV_STR && key->t == RV_NUM) {
				char buf[64];
				size_t n = rv_num_text(key, buf, sizeof(buf));

				if (n == seg->n && memcmp(buf, seg->u.s, n) == 0)
					return t->kids[i];
			}
			continue;
		}
		if (seg->t == RV_NUM) {
			int64_t x;

			if (rv_num_i64(seg, &x) && x == idx)
				return t->kids[i];
		} else if (seg->t == RV_STR && seg->n > 0 && seg->n < 20) {
			char *end;
			long long x = strtoll(seg->u.s, &end, 10);

			if (*end == '\0' && x == idx)
				return t->kids[i];
		}
	}
	return NULL;
}

/* keep: json.filter (selected subtrees only); else json.remove. */
static const rv *
json_select(struct rego_arena *ar, const rv *v, const struct ptrie *t,
    bool keep)
{
	struct rv_vec kk, vv;
	size_t i;

	if (t->leaf)
		return keep ? v : NULL;
	if (v->t != RV_OBJ && v->t != RV_ARR)
		return keep ? NULL : v;
	rvv_init(&kk, ar);
	rvv_init(&vv, ar);
	for (i = 0; i < v->n; i++) {
		const rv *key = v->t == RV_OBJ ? v->u.a[i] : NULL;
		const rv *val = v->t == RV_OBJ ? rv_obj_vals(v)[i] : v->u.a[i];
		const struct ptrie *c = pt_match(t, key, (int64_t)i);
		const rv *nv;

		if (c == NULL) {
			if (keep)
				continue;
			nv = val;
		} else if ((nv = json_select(ar, val, c, keep)) == NULL) {
			if (ar->failed)
				return NULL;
			continue;
		}
		if ((key != NULL && rvv_push(&kk, key) != 0) ||
		    rvv_push(&vv, nv) != 0)
			return NULL;
	}
	if (v->t == RV_OBJ)
		return rv_obj_sorted(ar, kk.v, vv.v, kk.n);
	return rv_arr(ar, vv.v, vv.n);
}

static int
json_filter_remove(ccakit_rego_bictx *ctx, args_t a, const rv **out,
    bool keep)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	struct ptrie root;
	int rc;

	BI_NEED(ctx, a, 0, RV_OBJ, "object");
	memset(&root, 0, sizeof(root));
	if ((rc = build_trie(ctx, a[1], &root)) != CCAKIT_OK)
		return rc;
	if ((*out = json_select(ar, a[0], &root, keep)) == NULL) {
		if (ar->failed)
			return rego_bi_nomem(ctx);
		*out = &rv_empty_obj_v;
	}
	return CCAKIT_OK;
}

static int
bi_json_filter(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return json_filter_remove(ctx, a, out, true);
}

static int
bi_json_remove(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return json_filter_remove(ctx, a, out, false);
}

const struct rego_bi_def rego_bi_objects[] = {
	{ "json.filter", 2, 0, bi_json_filter },
	{ "json.remove", 2, 0, bi_json_remove },
	{ "object.get", 3, 0, bi_object_get },
	{ "object.keys", 1, 0, bi_object_keys },
	{ "object.remove", 2, 0, bi_object_remove },
	{ "object.filter", 2, 0, bi_object_filter },
	{ "object.union", 2, 0, bi_object_union },
	{ "object.union_n", 1, 0, bi_object_union_n },
	{ "object.subset", 2, 0, bi_object_subset },
	{ "array.concat", 2, 0, bi_array_concat },
	{ "array.slice", 3, 0, bi_array_slice },
	{ "array.reverse", 1, 0, bi_array_reverse },
	{ "array.flatten", 1, 0, bi_array_flatten },
	{ "union", 1, 0, bi_union },
	{ "intersection", 1, 0, bi_intersection },
	{ "walk", 1, REGO_BI_RELATION, bi_walk },
	{ NULL, 0, 0, NULL },
};
