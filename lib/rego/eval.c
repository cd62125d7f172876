/*
 * Rego evaluator: top-down evaluation with backtracking, as OPA's
 * topdown package does.
 *
 * Evaluation is in continuation-passing style: evaluating an expression
 * calls the continuation once per solution (binding variables in the
 * frame before the call and unbinding after), so iteration and
 * backtracking need no queue. Return codes: EV_OK (continue), EV_STOP
 * (enough solutions: `not`, `every`, early exit) and EV_ERR (error in
 * ev->err).
 *
 * Variables live in frame slots (one frame per rule body, function call
 * or query; comprehensions share their enclosing frame). Frames come
 * from a LIFO frame stack; values from the evaluation's arena, released
 * at the end of the query. Virtual documents are evaluated completely
 * and cached per evaluation (and per `with` context).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rego/rego_priv.h"

enum { EV_OK = 0, EV_STOP = 1, EV_ERR = -1 };

struct kont {
	int (*fn)(struct rego_ev *ev, void *arg);
	void *arg;
};

struct vk {
	int (*fn)(struct rego_ev *ev, void *arg, const rv *v);
	void *arg;
};

/* LIFO stack of frames (chunks never move). */
struct fchunk {
	struct fchunk *prev;
	size_t cap, used;
	const rv *slots[];
};

struct overlay {
	uint8_t kind;            /* W_INPUT, W_DATA, W_FUNC */
	const rv *const *path;
	size_t npath;
	const rv *value;
	const struct rego_callee *fn, *repl;
	const rv **repl_frame;
};

struct cent {
	uint32_t kind;           /* 0 empty, 1 node value, 2 complete,
	                            3 set */
	int id;
	unsigned gen;
	const rv *v;             /* NULL: undefined */
};

struct rego_ev {
	const struct ccakit_rego_policy *pol;
	struct rego_arena *ar;
	const rv *input;
	const rv *data;
	bool strict;
	int64_t now_ns;
	void *user;
	uint64_t steps, max_steps;
	const char *stack_base;
	size_t max_stack;
	struct ccakit_rego_diag *err;
	int errcode;
	const char *file;
	/* frames */
	struct fchunk *fs;
	struct fchunk *spare;    /* an emptied chunk kept for reuse */
	/* with */
	struct overlay *ov;
	size_t nov, capov;
	size_t nfmock;           /* function mocks among ov */
	size_t mock_floor;       /* mocks below this index are inactive */
	size_t ndata_ov;         /* data overlays among ov */
	unsigned gen, next_gen;
	/* cache (open addressing) */
	struct cent *cache;
	size_t capcache, ncache;
	/* memo of non-deterministic built-ins */
	struct rv_vec memo_k, memo_v;
	/* recursion guard: gen + 1 of the evaluation in progress */
	unsigned *busy;
	struct rego_buf scratch;
};

/* ------------------------------------------------------------------ */
/* Errors and limits.                                                   */

static int
ev_err(struct rego_ev *ev, int code, const char *kind, int row, int col,
    const char *fmt, ...) CKI_PRINTF(6, 7);

static int
ev_err(struct rego_ev *ev, int code, const char *kind, int row, int col,
    const char *fmt, ...)
{
	struct rego_loc loc = { ev->file, row, col };
	va_list ap;

	if (ev->errcode != 0)
		return EV_ERR;
	ev->errcode = code;
	va_start(ap, fmt);
	rego_diag_set(ev->err, kind, row > 0 ? &loc : NULL, fmt, ap);
	va_end(ap);
	return EV_ERR;
}

static int
ev_nomem(struct rego_ev *ev)
{
	return ev_err(ev, CCAKIT_ERR_REGO_LIMIT, EVAL_LIMIT_ERR, 0, 0,
	    "evaluation exceeded its memory limit");
}

static int
ev_check(struct rego_ev *ev)
{
	char probe;
	size_t used;

	if (++ev->steps > ev->max_steps)
		return ev_err(ev, CCAKIT_ERR_REGO_LIMIT, EVAL_LIMIT_ERR, 0, 0,
		    "evaluation exceeded its step limit (%llu)",
		    (unsigned long long)ev->max_steps);
	used = &probe < ev->stack_base ? (size_t)(ev->stack_base - &probe) :
	    (size_t)(&probe - ev->stack_base);
	if (used > ev->max_stack)
		return ev_err(ev, CCAKIT_ERR_REGO_LIMIT, EVAL_LIMIT_ERR, 0, 0,
		    "evaluation exceeded its depth limit");
	if (ev->ar->failed)
		return ev_nomem(ev);
	return EV_OK;
}

/* ------------------------------------------------------------------ */
/* Frames.                                                              */

static const rv **
fr_push(struct rego_ev *ev, size_t n)
{
	struct fchunk *c = ev->fs, *nc;
	const rv **p;
	size_t cap;

	if (n == 0)
		n = 1;
	if (c == NULL || c->cap - c->used < n) {
		cap = n > 1024 ? n : 1024;
		if (ev->spare != NULL && ev->spare->cap >= n) {
			nc = ev->spare;
			ev->spare = NULL;
		} else if ((nc = malloc(sizeof(*nc) + cap * sizeof(rv *))) ==
		    NULL) {
			return NULL;
		} else {
			nc->cap = cap;
		}
		nc->prev = c;
		nc->used = 0;
		ev->fs = c = nc;
	}
	p = c->slots + c->used;
	c->used += n;
	memset(p, 0, n * sizeof(*p));
	return p;
}

static void
fr_pop(struct rego_ev *ev, size_t n)
{
	struct fchunk *c = ev->fs;

	if (n == 0)
		n = 1;
	if (c == NULL)
		return;
	c->used -= n;
	if (c->used == 0 && c->prev != NULL) {
		ev->fs = c->prev;
		if (ev->spare == NULL)
			ev->spare = c;
		else
			free(c);
	}
}

/* Release the frames of a run; keep one chunk for the next run. */
static void
fr_reset(struct rego_ev *ev)
{
	struct fchunk *c, *p;

	for (c = ev->fs; c != NULL && c->prev != NULL; c = p) {
		p = c->prev;
		free(c);
	}
	ev->fs = c;
	if (c != NULL)
		c->used = 0;
}

static void
fr_free_all(struct rego_ev *ev)
{
	struct fchunk *c, *p;

	for (c = ev->fs; c != NULL; c = p) {
		p = c->prev;
		free(c);
	}
	free(ev->spare);
	ev->fs = ev->spare = NULL;
}

/* ------------------------------------------------------------------ */
/* Cache.                                                               */

static size_t
ch_hash(uint32_t kind, int id, unsigned gen)
{
	uint64_t h = ((uint64_t)kind << 56) ^ ((uint64_t)(unsigned)id << 20) ^
	    gen;

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (size_t)h;
}

static struct cent *
ch_find(struct rego_ev *ev, uint32_t kind, int id)
{
	size_t i, m;

	if (ev->capcache == 0)
		return NULL;
	m = ev->capcache - 1;
	for (i = ch_hash(kind, id, ev->gen) & m;; i = (i + 1) & m) {
		struct cent *e = &ev->cache[i];

		if (e->kind == 0)
			return NULL;
		if (e->kind == kind && e->id == id && e->gen == ev->gen)
			return e;
	}
}

static int
ch_put(struct rego_ev *ev, uint32_t kind, int id, const rv *v)
{
	struct cent *old = ev->cache, *e;
	size_t oldcap = ev->capcache, i, m;

	if ((ev->ncache + 1) * 2 > ev->capcache) {
		size_t nc = ev->capcache == 0 ? 64 : ev->capcache * 2;

		if ((ev->cache = ra_zalloc(ev->ar, nc * sizeof(*e))) == NULL) {
			ev->cache = old;
			return ev_nomem(ev);
		}
		ev->capcache = nc;
		ev->ncache = 0;
		for (i = 0; i < oldcap; i++) {
			if (old[i].kind == 0)
				continue;
			m = nc - 1;
			for (size_t j = ch_hash(old[i].kind, old[i].id,
			    old[i].gen) & m;; j = (j + 1) & m) {
				if (ev->cache[j].kind == 0) {
					ev->cache[j] = old[i];
					ev->ncache++;
					break;
				}
			}
		}
	}
	m = ev->capcache - 1;
	for (i = ch_hash(kind, id, ev->gen) & m;; i = (i + 1) & m) {
		e = &ev->cache[i];
		if (e->kind == 0) {
			e->kind = kind;
			e->id = id;
			e->gen = ev->gen;
			e->v = v;
			ev->ncache++;
			return EV_OK;
		}
		if (e->kind == kind && e->id == id && e->gen == ev->gen) {
			e->v = v;
			return EV_OK;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Terms and unification.                                               */

static int eval_body(struct rego_ev *ev, const rv **fr,
    const struct rego_body *b, size_t i, const struct kont *k);
static int eval_ref(struct rego_ev *ev, const rv **fr,
    const struct rego_term *ref, const struct vk *k);
static int unify_val(struct rego_ev *ev, const rv **fr,
    const struct rego_term *t, const rv *v, const struct kont *k);
static int eval_comp(struct rego_ev *ev, const rv **fr,
    const struct rego_term *t, const rv **out);

/*
 * Value of a term whose variables are bound. *out is NULL when a
 * variable is unbound (the term is then a pattern).
 */
static int
tval(struct rego_ev *ev, const rv **fr, const struct rego_term *t,
    const rv **out)
{
	const rv **items, **vals;
	size_t i, n;
	int rc;

	*out = NULL;
	switch (t->kind) {
	case K_VALUE:
		*out = t->u.v;
		return EV_OK;
	case K_VAR:
		if (t->u.var.slot >= 0)
			*out = fr[t->u.var.slot];
		else if (t->u.var.slot == SLOT_INPUT)
			*out = ev->input;
		return EV_OK;
	case K_ARRAY:
	case K_SET:
		n = t->u.l.n;
		if ((items = ra_alloc(ev->ar, (n + 1) * sizeof(*items))) ==
		    NULL)
			return ev_nomem(ev);
		for (i = 0; i < n; i++) {
			if ((rc = tval(ev, fr, t->u.l.items[i], &items[i])) !=
			    EV_OK)
				return rc;
			if (items[i] == NULL)
				return EV_OK;
		}
		*out = t->kind == K_ARRAY ? rv_arr(ev->ar, items, n) :
		    rv_set(ev->ar, items, n);
		return *out == NULL ? ev_nomem(ev) : EV_OK;
	case K_OBJECT:
		n = t->u.o.n;
		if ((items = ra_alloc(ev->ar, 2 * (n + 1) * sizeof(*items))) ==
		    NULL)
			return ev_nomem(ev);
		vals = items + n + 1;
		for (i = 0; i < n; i++) {
			if ((rc = tval(ev, fr, t->u.o.keys[i], &items[i])) !=
			    EV_OK)
				return rc;
			if (items[i] == NULL)
				return EV_OK;
			if ((rc = tval(ev, fr, t->u.o.vals[i], &vals[i])) !=
			    EV_OK)
				return rc;
			if (vals[i] == NULL)
				return EV_OK;
		}
		*out = rv_obj(ev->ar, items, vals, n, NULL);
		return *out == NULL ? ev_nomem(ev) : EV_OK;
	case K_ACOMP:
	case K_SCOMP:
	case K_OCOMP:
		return eval_comp(ev, fr, t, out);
	default:
		return EV_OK;
	}
}

/* Unify a pattern (array elements) with values, left to right. */
struct upairs {
	const rv **fr;
	struct rego_term *const *pats;
	const rv *const *vals;
	size_t n, i;
	const struct kont *k;
};

static int
upairs_next(struct rego_ev *ev, void *arg)
{
	struct upairs *u = arg, nu;
	struct kont k;

	if (u->i == u->n)
		return u->k->fn(ev, u->k->arg);
	nu = *u;
	nu.i = u->i + 1;
	k.fn = upairs_next;
	k.arg = &nu;
	return unify_val(ev, u->fr, u->pats[u->i], u->vals[u->i], &k);
}

struct refcmp {
	const rv *v;
	const struct kont *k;
};

static int
refcmp_k(struct rego_ev *ev, void *arg, const rv *x)
{
	struct refcmp *r = arg;

	if (!rv_eq(r->v, x))
		return EV_OK;
	return r->k->fn(ev, r->k->arg);
}

/* Unify term t (pattern) with value v. */
static int
unify_val(struct rego_ev *ev, const rv **fr, const struct rego_term *t,
    const rv *v, const struct kont *k)
{
	const rv *x, **vals;
	size_t i, n;
	int rc;

	switch (t->kind) {
	case K_VALUE:
		return rv_eq(t->u.v, v) ? k->fn(ev, k->arg) : EV_OK;
	case K_VAR:
		if (t->u.var.slot < 0) {
			if (t->u.var.slot == SLOT_INPUT && ev->input != NULL &&
			    rv_eq(ev->input, v))
				return k->fn(ev, k->arg);
			return EV_OK;
		}
		if ((x = fr[t->u.var.slot]) != NULL)
			return rv_eq(x, v) ? k->fn(ev, k->arg) : EV_OK;
		fr[t->u.var.slot] = v;
		rc = k->fn(ev, k->arg);
		fr[t->u.var.slot] = NULL;
		return rc;
	case K_ARRAY: {
		struct upairs u;

		if (v->t != RV_ARR || v->n != t->u.l.n)
			return EV_OK;
		u.fr = fr;
		u.pats = t->u.l.items;
		u.vals = v->u.a;
		u.n = v->n;
		u.i = 0;
		u.k = k;
		return upairs_next(ev, &u);
	}
	case K_OBJECT: {
		struct upairs u;

		if (v->t != RV_OBJ || v->n != t->u.o.n)
			return EV_OK;
		n = t->u.o.n;
		if ((vals = ra_alloc(ev->ar, (n + 1) * sizeof(*vals))) == NULL)
			return ev_nomem(ev);
		for (i = 0; i < n; i++) {
			const rv *key;

			if ((rc = tval(ev, fr, t->u.o.keys[i], &key)) != EV_OK)
				return rc;
			if (key == NULL ||
			    (vals[i] = rv_obj_get(v, key)) == NULL)
				return EV_OK;
		}
		u.fr = fr;
		u.pats = t->u.o.vals;
		u.vals = vals;
		u.n = n;
		u.i = 0;
		u.k = k;
		return upairs_next(ev, &u);
	}
	case K_REF: {
		struct refcmp r;
		struct vk vk;

		r.v = v;
		r.k = k;
		vk.fn = refcmp_k;
		vk.arg = &r;
		return eval_ref(ev, fr, t, &vk);
	}
	default:
		if ((rc = tval(ev, fr, t, &x)) != EV_OK)
			return rc;
		if (x != NULL && rv_eq(x, v))
			return k->fn(ev, k->arg);
		return EV_OK;
	}
}

static int unify(struct rego_ev *ev, const rv **fr, const struct rego_term *a,
    const struct rego_term *b, const struct kont *k);

/*
 * Unify two lists of terms pairwise: at each step the first pair that is
 * not two unbound variables ([x, 1] = [y, x] binds x first, then y).
 */
struct tpairs {
	const rv **fr;
	struct rego_term *const *a, *const *b;
	size_t n;
	uint64_t done;           /* pairs already unified (n <= 64) */
	const struct kont *k;
};

static bool
pair_ready(const rv **fr, const struct rego_term *a, const struct rego_term *b)
{
	bool ua = a->kind == K_VAR && a->u.var.slot >= 0 &&
	    fr[a->u.var.slot] == NULL;
	bool ub = b->kind == K_VAR && b->u.var.slot >= 0 &&
	    fr[b->u.var.slot] == NULL;

	return !(ua && ub);
}

static int
tpairs_next(struct rego_ev *ev, void *arg)
{
	struct tpairs *t = arg, nt;
	struct kont k;
	size_t i;

	for (i = 0; i < t->n; i++)
		if ((t->done & ((uint64_t)1 << i)) == 0 &&
		    pair_ready(t->fr, t->a[i], t->b[i]))
			break;
	if (i == t->n) {
		if (t->done != (t->n == 64 ? ~(uint64_t)0 :
		    (((uint64_t)1 << t->n) - 1)))
			return EV_OK;  /* only unbound variable pairs left */
		return t->k->fn(ev, t->k->arg);
	}
	nt = *t;
	nt.done |= (uint64_t)1 << i;
	k.fn = tpairs_next;
	k.arg = &nt;
	return unify(ev, t->fr, t->a[i], t->b[i], &k);
}

struct unify_ref {
	const rv **fr;
	const struct rego_term *other;
	const struct kont *k;
};

static int
unify_ref_k(struct rego_ev *ev, void *arg, const rv *v)
{
	struct unify_ref *u = arg;

	return unify_val(ev, u->fr, u->other, v, u->k);
}

/* Two terms whose variables may both be unbound in places. */
static int
unify(struct rego_ev *ev, const rv **fr, const struct rego_term *a,
    const struct rego_term *b, const struct kont *k)
{
	const rv *va, *vb;
	int rc;

	if (a->kind == K_REF || b->kind == K_REF) {
		struct unify_ref u;
		struct vk vk;

		u.fr = fr;
		u.k = k;
		vk.fn = unify_ref_k;
		vk.arg = &u;
		if (a->kind == K_REF) {
			u.other = b;
			return eval_ref(ev, fr, a, &vk);
		}
		u.other = a;
		return eval_ref(ev, fr, b, &vk);
	}
	if ((rc = tval(ev, fr, a, &va)) != EV_OK)
		return rc;
	if (va != NULL)
		return unify_val(ev, fr, b, va, k);
	if ((rc = tval(ev, fr, b, &vb)) != EV_OK)
		return rc;
	if (vb != NULL)
		return unify_val(ev, fr, a, vb, k);
	/* both partially unbound: element-wise */
	if (a->kind == K_ARRAY && b->kind == K_ARRAY &&
	    a->u.l.n == b->u.l.n && a->u.l.n <= 64) {
		struct tpairs tp;

		tp.fr = fr;
		tp.a = a->u.l.items;
		tp.b = b->u.l.items;
		tp.n = a->u.l.n;
		tp.done = 0;
		tp.k = k;
		return tpairs_next(ev, &tp);
	}
	if (a->kind == K_OBJECT && b->kind == K_OBJECT &&
	    a->u.o.n == b->u.o.n && a->u.o.n <= 64) {
		struct rego_term **pa, **pb;
		struct tpairs tp;
		size_t i, j, n = a->u.o.n;

		pa = ra_alloc(ev->ar, 2 * (n + 1) * sizeof(*pa));
		if (pa == NULL)
			return ev_nomem(ev);
		pb = pa + n + 1;
		for (i = 0; i < n; i++) {
			const rv *ka, *kb = NULL;

			if ((rc = tval(ev, fr, a->u.o.keys[i], &ka)) != EV_OK)
				return rc;
			if (ka == NULL)
				return EV_OK;
			for (j = 0; j < n; j++) {
				if ((rc = tval(ev, fr, b->u.o.keys[j], &kb)) !=
				    EV_OK)
					return rc;
				if (kb != NULL && rv_eq(ka, kb))
					break;
			}
			if (j == n)
				return EV_OK;
			pa[i] = a->u.o.vals[i];
			pb[i] = b->u.o.vals[j];
		}
		tp.fr = fr;
		tp.a = pa;
		tp.b = pb;
		tp.n = n;
		tp.done = 0;
		tp.k = k;
		return tpairs_next(ev, &tp);
	}
	return EV_OK;
}

/* ------------------------------------------------------------------ */
/* References.                                                          */

static int walk(struct rego_ev *ev, const rv **fr, const rv *v,
    struct rego_term *const *parts, size_t n, size_t i, const struct vk *k);

struct walk_iter {
	const rv **fr;
	const rv *child;
	struct rego_term *const *parts;
	size_t n, i;
	const struct vk *k;
};

static int
walk_iter_k(struct rego_ev *ev, void *arg)
{
	struct walk_iter *w = arg;

	return walk(ev, w->fr, w->child, w->parts, w->n, w->i + 1, w->k);
}

static int
walk(struct rego_ev *ev, const rv **fr, const rv *v,
    struct rego_term *const *parts, size_t n, size_t i, const struct vk *k)
{
	const struct rego_term *p;
	struct walk_iter w;
	struct kont kk;
	const rv *key, *child;
	size_t j;
	int rc;

	for (; i < n; i++) {
		p = parts[i];
		if ((rc = tval(ev, fr, p, &key)) != EV_OK)
			return rc;
		if (key == NULL)
			break;
		if ((child = rv_get(v, key)) == NULL)
			return EV_OK;
		v = child;
	}
	if (i == n)
		return k->fn(ev, k->arg, v);
	/* iterate: p is a pattern */
	p = parts[i];
	w.fr = fr;
	w.parts = parts;
	w.n = n;
	w.i = i;
	w.k = k;
	kk.fn = walk_iter_k;
	kk.arg = &w;
	switch (v->t) {
	case RV_ARR:
		for (j = 0; j < v->n; j++) {
			if ((rc = ev_check(ev)) != EV_OK)
				return rc;
			if ((key = rv_int(ev->ar, (int64_t)j)) == NULL)
				return ev_nomem(ev);
			w.child = v->u.a[j];
			if ((rc = unify_val(ev, fr, p, key, &kk)) != EV_OK)
				return rc;
		}
		return EV_OK;
	case RV_OBJ:
		for (j = 0; j < v->n; j++) {
			if ((rc = ev_check(ev)) != EV_OK)
				return rc;
			w.child = rv_obj_vals(v)[j];
			if ((rc = unify_val(ev, fr, p, v->u.a[j], &kk)) !=
			    EV_OK)
				return rc;
		}
		return EV_OK;
	case RV_SET:
		for (j = 0; j < v->n; j++) {
			if ((rc = ev_check(ev)) != EV_OK)
				return rc;
			w.child = v->u.a[j];
			if ((rc = unify_val(ev, fr, p, v->u.a[j], &kk)) !=
			    EV_OK)
				return rc;
		}
		return EV_OK;
	default:
		return EV_OK;
	}
}

static int eval_data(struct rego_ev *ev, const rv **fr,
    const struct rego_term *ref, const struct vk *k);

static int
eval_ref(struct rego_ev *ev, const rv **fr, const struct rego_term *ref,
    const struct vk *k)
{
	const struct rego_term *h = ref->u.l.items[0];
	const rv *v;
	int rc;

	if (h->kind == K_VAR && h->u.var.slot == SLOT_DATA)
		return eval_data(ev, fr, ref, k);
	if (h->kind == K_VAR && h->u.var.slot == SLOT_INPUT) {
		if (ev->input == NULL)
			return EV_OK;
		v = ev->input;
	} else {
		if ((rc = tval(ev, fr, h, &v)) != EV_OK)
			return rc;
		if (v == NULL)
			return ev_err(ev, CCAKIT_ERR_REGO_EVAL,
			    EVAL_INTERNAL_ERR, ref->row, ref->col,
			    "unbound reference head");
	}
	return walk(ev, fr, v, ref->u.l.items, ref->u.l.n, 1, k);
}

/* ------------------------------------------------------------------ */
/* Virtual documents.                                                   */

/* Mutable tree used to assemble a document from rules and base data. */
enum { M_OBJ = 0, M_LEAF, M_SET, M_BASE };

struct mnode {
	uint8_t kind;
	uint8_t fromrule;        /* M_LEAF from a complete rule */
	uint8_t defined;         /* something was inserted here */
	const rv *key;
	const rv *val;           /* M_LEAF, M_BASE */
	struct rv_vec set;       /* M_SET */
	struct mnode **kids;
	size_t nkids, capkids;
};

static struct mnode *
mn_new(struct rego_ev *ev, const rv *key)
{
	struct mnode *m = ra_zalloc(ev->ar, sizeof(*m));

	if (m != NULL) {
		m->key = key;
		rvv_init(&m->set, ev->ar);
	}
	return m;
}

static int mn_expand(struct rego_ev *ev, struct mnode *m);

static struct mnode *
mn_child(struct rego_ev *ev, struct mnode *m, const rv *key, bool create)
{
	struct mnode *c, **nk;
	size_t i;

	for (i = 0; i < m->nkids; i++)
		if (rv_eq(m->kids[i]->key, key))
			return m->kids[i];
	if (!create)
		return NULL;
	if ((c = mn_new(ev, key)) == NULL)
		return NULL;
	if (m->nkids == m->capkids) {
		size_t nc = m->capkids == 0 ? 4 : m->capkids * 2;

		if ((nk = ra_alloc(ev->ar, nc * sizeof(*nk))) == NULL)
			return NULL;
		if (m->nkids > 0)
			memcpy(nk, m->kids, m->nkids * sizeof(*nk));
		m->kids = nk;
		m->capkids = nc;
	}
	m->kids[m->nkids++] = c;
	return c;
}

/* Turn a base-data object node into an object of base children. */
static int
mn_expand(struct rego_ev *ev, struct mnode *m)
{
	const rv *v = m->val;
	struct mnode *c;
	size_t i;

	if (m->kind != M_BASE)
		return EV_OK;
	m->kind = M_OBJ;
	m->val = NULL;
	if (v == NULL || v->t != RV_OBJ)
		return EV_OK;
	for (i = 0; i < v->n; i++) {
		if ((c = mn_child(ev, m, v->u.a[i], true)) == NULL)
			return ev_nomem(ev);
		c->kind = M_BASE;
		c->val = rv_obj_vals(v)[i];
	}
	return EV_OK;
}

enum { INS_VALUE, INS_SETELEM, INS_SETDEF, INS_OBJ };

static int
conflict(struct rego_ev *ev, const struct rego_rule *r, bool complete)
{
	const char *f = ev->file;
	int rc;

	if (r != NULL)
		ev->file = r->mod->file;
	(void)complete;
	rc = ev_err(ev, CCAKIT_ERR_REGO_EVAL, EVAL_CONFLICT_ERR,
	    r != NULL ? r->row : 0, r != NULL ? r->col : 0, "%s",
	    "object keys must be unique");
	ev->file = f;
	return rc;
}

/*
 * Insert a contribution at path[0..n) below m: a value (a complete
 * rule's value or an object rule's entry), a set element, an empty set
 * (partial set rules are always defined) or an object (a package).
 */
static int
mn_insert(struct rego_ev *ev, struct mnode *m, const rv *const *path,
    size_t n, int what, const rv *v, const struct rego_rule *r,
    bool complete)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if (m->kind == M_LEAF || m->kind == M_SET)
			return conflict(ev, r, complete);
		if (m->kind == M_BASE) {
			if (m->val != NULL && m->val->t != RV_OBJ)
				return conflict(ev, r, complete);
			if ((rc = mn_expand(ev, m)) != EV_OK)
				return rc;
		}
		if ((m = mn_child(ev, m, path[i], true)) == NULL)
			return ev_nomem(ev);
	}
	m->defined = 1;
	switch (what) {
	case INS_VALUE:
		if (m->kind == M_BASE && m->val != NULL &&
		    m->val->t != RV_OBJ)
			return EV_OK;  /* base documents win */
		if (m->kind == M_LEAF) {
			if (!rv_eq(m->val, v))
				return conflict(ev, r, complete);
			return EV_OK;
		}
		if (m->kind == M_SET || (m->kind == M_OBJ && m->nkids > 0))
			return conflict(ev, r, complete);
		m->kind = M_LEAF;
		m->val = v;
		m->fromrule = 1;
		return EV_OK;
	case INS_SETELEM:
	case INS_SETDEF:
		if (m->kind == M_LEAF || (m->kind == M_OBJ && m->nkids > 0))
			return conflict(ev, r, complete);
		m->kind = M_SET;
		if (what == INS_SETELEM && rvv_push(&m->set, v) != 0)
			return ev_nomem(ev);
		return EV_OK;
	default:
		if (m->kind == M_BASE)
			return mn_expand(ev, m);
		return EV_OK;
	}
}

static const rv *
mn_value(struct rego_ev *ev, struct mnode *m)
{
	const rv **keys, **vals;
	size_t i, n = 0;

	switch (m->kind) {
	case M_LEAF:
	case M_BASE:
		return m->val;
	case M_SET:
		return rv_set(ev->ar, m->set.v, m->set.n);
	default:
		break;
	}
	if ((keys = ra_alloc(ev->ar, 2 * (m->nkids + 1) * sizeof(*keys))) ==
	    NULL)
		return NULL;
	vals = keys + m->nkids + 1;
	for (i = 0; i < m->nkids; i++) {
		const rv *v = mn_value(ev, m->kids[i]);

		if (ev->ar->failed)
			return NULL;
		if (v == NULL)
			continue;
		keys[n] = m->kids[i]->key;
		vals[n++] = v;
	}
	return rv_obj(ev->ar, keys, vals, n, NULL);
}

/* Rule evaluation. */

struct rcoll {
	const struct rego_rule *r;
	const rv **fr;
	const rv *value;         /* complete / function result */
	bool found;
	bool stop_first;
	int conflict_kind;       /* 0 complete, 2 function */
};

static int
complete_k(struct rego_ev *ev, void *arg)
{
	struct rcoll *c = arg;
	const rv *v;
	int rc;

	if ((rc = tval(ev, c->fr, c->r->value, &v)) != EV_OK)
		return rc;
	if (v == NULL)
		return ev_err(ev, CCAKIT_ERR_REGO_EVAL, EVAL_INTERNAL_ERR,
		    c->r->row, c->r->col, "rule value is not bound");
	if (c->found && !rv_eq(c->value, v)) {
		const char *f = ev->file;

		ev->file = c->r->mod->file;
		rc = ev_err(ev, CCAKIT_ERR_REGO_EVAL, EVAL_CONFLICT_ERR,
		    c->r->row, c->r->col, "%s", c->conflict_kind == 2 ?
		    "functions must not produce multiple outputs for same "
		    "inputs" : "complete rules must not produce multiple "
		    "outputs");
		ev->file = f;
		return rc;
	}
	c->value = v;
	c->found = true;
	return c->stop_first ? EV_STOP : EV_OK;
}


struct bodyk {
	const rv **fr;
	const struct rego_body *b;
	size_t i;
	const struct kont *k;
};

static int
bodyk_fn(struct rego_ev *ev, void *arg)
{
	struct bodyk *b = arg;

	return eval_body(ev, b->fr, b->b, b->i, b->k);
}

/* Run one rule (fresh frame, parameters bound for functions) with a
 * collector continuation. */
static int
run_rule(struct rego_ev *ev, const struct rego_rule *r,
    const rv *const *args, struct rcoll *c,
    int (*kfn)(struct rego_ev *, void *))
{
	const rv **fr;
	const char *f = ev->file;
	struct kont k, kb;
	struct bodyk bk;
	struct upairs u;
	int rc;

	if ((fr = fr_push(ev, (size_t)r->nslots)) == NULL)
		return ev_nomem(ev);
	c->r = r;
	c->fr = fr;
	ev->file = r->mod->file;
	k.fn = kfn;
	k.arg = c;
	if (r->nargs > 0) {
		bk.fr = fr;
		bk.b = r->body;
		bk.i = 0;
		bk.k = &k;
		kb.fn = bodyk_fn;
		kb.arg = &bk;
		u.fr = fr;
		u.pats = r->args;
		u.vals = args;
		u.n = r->nargs;
		u.i = 0;
		u.k = &kb;
		rc = upairs_next(ev, &u);
	} else {
		rc = eval_body(ev, fr, r->body, 0, &k);
	}
	ev->file = f;
	fr_pop(ev, (size_t)r->nslots);
	return rc;
}

/* A chain (rule + else rules): the first element with a solution wins. */
static int
run_chain(struct rego_ev *ev, const struct rego_rule *r,
    const rv *const *args, struct rcoll *c)
{
	const struct rego_rule *x;
	int rc;

	for (x = r; x != NULL; x = x->else_) {
		bool before = c->found;
		const rv *bv = c->value;
		size_t nsol_marker;

		c->stop_first = x->const_value;
		/* detect a solution of this element: clear found temporarily
		 * is not possible (conflicts across definitions); use a
		 * marker value */
		nsol_marker = 0;
		c->found = false;
		rc = run_rule(ev, x, args, c, complete_k);
		if (rc == EV_STOP)
			rc = EV_OK;
		if (rc != EV_OK)
			return rc;
		if (c->found) {
			if (before && !rv_eq(bv, c->value)) {
				const char *f = ev->file;

				ev->file = x->mod->file;
				rc = ev_err(ev, CCAKIT_ERR_REGO_EVAL,
				    EVAL_CONFLICT_ERR, x->row, x->col, "%s",
				    c->conflict_kind == 2 ? "functions must not "
				    "produce multiple outputs for same inputs" :
				    "complete rules must not produce multiple "
				    "outputs");
				ev->file = f;
				return rc;
			}
			(void)nsol_marker;
			return EV_OK;
		}
		c->found = before;
		c->value = bv;
	}
	return EV_OK;
}

static bool
busy_enter(struct rego_ev *ev, int id)
{
	if (ev->busy[id] == ev->gen + 1)
		return false;
	ev->busy[id] = ev->gen + 1;
	return true;
}

static int
recursion_err(struct rego_ev *ev, const struct rego_dnode *n)
{
	struct rego_buf b;
	size_t i;
	int rc;

	rb_init(&b, 4096);
	rb_puts(&b, "data");
	for (i = 0; i < (size_t)n->depth; i++) {
		rb_putc(&b, '.');
		rego_fmt_value(&b, n->path[i]);
	}
	rc = ev_err(ev, CCAKIT_ERR_REGO_EVAL, REGO_RECURSION_ERR, 0, 0,
	    "rule %s is recursive", rb_str(&b));
	rb_free(&b);
	return rc;
}

/* Value of the complete rules (and default) at node n. */
static int
eval_complete(struct rego_ev *ev, const struct rego_dnode *n, const rv **out)
{
	struct rcoll c;
	struct cent *ce;
	size_t i;
	int rc = EV_OK;
	bool early = true;
	const rv *cv = NULL;

	*out = NULL;
	if ((ce = ch_find(ev, 2, n->id)) != NULL) {
		*out = ce->v;
		return EV_OK;
	}
	if (!busy_enter(ev, n->id))
		return recursion_err(ev, n);
	memset(&c, 0, sizeof(c));
	for (i = 0; i < n->nrules; i++) {
		const struct rego_rule *r = n->rules[i];

		if (r->ndyn > 0 || r->is_multi)
			continue;
		if (!r->const_value || r->else_ != NULL ||
		    (cv != NULL && !rv_eq(cv, r->value->u.v)))
			early = false;
		else
			cv = r->value->u.v;
	}
	for (i = 0; i < n->nrules; i++) {
		const struct rego_rule *r = n->rules[i];

		if (r->ndyn > 0 || r->is_multi)
			continue;
		if ((rc = run_chain(ev, r, NULL, &c)) != EV_OK)
			break;
		if (early && c.found)
			break;
	}
	ev->busy[n->id] = 0;
	if (rc != EV_OK)
		return rc;
	if (!c.found && n->deflt != NULL) {
		if (n->deflt->const_value) {
			c.value = n->deflt->value->u.v;
			c.found = true;
		} else if ((rc = run_chain(ev, n->deflt, NULL, &c)) !=
		    EV_OK) {
			return rc;
		}
	}
	if (c.found)
		*out = c.value;
	return ch_put(ev, 2, n->id, *out);
}

struct setcoll {
	struct rcoll c;
	struct rv_vec *vv;
};

static int
set_k(struct rego_ev *ev, void *arg)
{
	struct setcoll *s = arg;
	const rv *v;
	int rc;

	if ((rc = tval(ev, s->c.fr, s->c.r->key, &v)) != EV_OK)
		return rc;
	if (v == NULL)
		return ev_err(ev, CCAKIT_ERR_REGO_EVAL, EVAL_INTERNAL_ERR,
		    s->c.r->row, s->c.r->col, "rule key is not bound");
	if (rvv_push(s->vv, v) != 0)
		return ev_nomem(ev);
	return EV_OK;
}

/* Value of the partial set rules at node n. */
static int
eval_set(struct rego_ev *ev, const struct rego_dnode *n, const rv **out)
{
	struct setcoll s;
	struct rv_vec vv;
	struct cent *ce;
	size_t i;
	int rc = EV_OK;

	if ((ce = ch_find(ev, 3, n->id)) != NULL) {
		*out = ce->v;
		return EV_OK;
	}
	if (!busy_enter(ev, n->id))
		return recursion_err(ev, n);
	rvv_init(&vv, ev->ar);
	memset(&s, 0, sizeof(s));
	s.vv = &vv;
	for (i = 0; i < n->nrules && rc == EV_OK; i++) {
		const struct rego_rule *r = n->rules[i];

		if (r->ndyn > 0 || !r->is_multi)
			continue;
		rc = run_rule(ev, r, NULL, &s.c, set_k);
	}
	ev->busy[n->id] = 0;
	if (rc != EV_OK)
		return rc;
	if ((*out = rv_set(ev->ar, vv.v, vv.n)) == NULL)
		return ev_nomem(ev);
	return ch_put(ev, 3, n->id, *out);
}

/* Object-like (ref head with variables) rules: contributions. */
struct extcoll {
	struct rcoll c;
	struct mnode *root;
	const rv *const *prefix;
	size_t nprefix;
};

static int
ext_k(struct rego_ev *ev, void *arg)
{
	struct extcoll *x = arg;
	const struct rego_rule *r = x->c.r;
	const rv **path, *v;
	size_t i, n = x->nprefix + r->ndyn;
	int rc;

	if ((path = ra_alloc(ev->ar, (n + 1) * sizeof(*path))) == NULL)
		return ev_nomem(ev);
	for (i = 0; i < x->nprefix; i++)
		path[i] = x->prefix[i];
	for (i = 0; i < r->ndyn; i++) {
		if ((rc = tval(ev, x->c.fr, r->dynpath[i],
		    &path[x->nprefix + i])) != EV_OK)
			return rc;
		if (path[x->nprefix + i] == NULL)
			return ev_err(ev, CCAKIT_ERR_REGO_EVAL,
			    EVAL_INTERNAL_ERR, r->row, r->col,
			    "rule key is not bound");
	}
	if (r->is_multi) {
		if ((rc = tval(ev, x->c.fr, r->key, &v)) != EV_OK)
			return rc;
		if (v == NULL)
			return EV_OK;
		return mn_insert(ev, x->root, path, n, INS_SETELEM, v, r,
		    false);
	}
	if ((rc = tval(ev, x->c.fr, r->value, &v)) != EV_OK)
		return rc;
	if (v == NULL)
		return EV_OK;
	return mn_insert(ev, x->root, path, n, INS_VALUE, v, r, false);
}

/* Data overlays (`with data.x as v`). */
static bool
path_prefix(const rv *const *p, size_t np, const rv *const *q, size_t nq)
{
	size_t i;

	if (np > nq)
		return false;
	for (i = 0; i < np; i++)
		if (!rv_eq(p[i], q[i]))
			return false;
	return true;
}

static const struct overlay *
ov_exact(const struct rego_ev *ev, const rv *const *path, size_t n)
{
	size_t i;

	if (ev->ndata_ov == 0)
		return NULL;
	for (i = ev->nov; i-- > 0;) {
		const struct overlay *o = &ev->ov[i];

		if (o->kind == W_DATA && o->npath == n &&
		    path_prefix(o->path, o->npath, path, n))
			return o;
	}
	return NULL;
}

static bool
ov_below(const struct rego_ev *ev, const rv *const *path, size_t n)
{
	size_t i;

	if (ev->ndata_ov == 0)
		return false;
	for (i = 0; i < ev->nov; i++) {
		const struct overlay *o = &ev->ov[i];

		if (o->kind == W_DATA && o->npath > n &&
		    path_prefix(path, n, o->path, o->npath))
			return true;
	}
	return false;
}

/* Copy of v with path set to x (objects created as needed). */
static const rv *
patch(struct rego_ev *ev, const rv *v, const rv *const *path, size_t n,
    const rv *x)
{
	const rv *child, *nc;

	if (n == 0)
		return x;
	if (v == NULL || v->t != RV_OBJ)
		v = &rv_empty_obj_v;
	child = rv_obj_get(v, path[0]);
	if ((nc = patch(ev, child, path + 1, n - 1, x)) == NULL)
		return NULL;
	return rv_obj_put(ev->ar, v, path[0], nc);
}

/* Apply the data overlays below `path` to value v (at path). */
static const rv *
ov_apply(struct rego_ev *ev, const rv *v, const rv *const *path, size_t n)
{
	size_t i;

	for (i = 0; i < ev->nov; i++) {
		const struct overlay *o = &ev->ov[i];

		if (o->kind != W_DATA || o->npath <= n ||
		    !path_prefix(path, n, o->path, o->npath))
			continue;
		if ((v = patch(ev, v, o->path + n, o->npath - n,
		    o->value)) == NULL)
			return NULL;
	}
	return v;
}

static int contribute(struct rego_ev *ev, const struct rego_dnode *n0,
    const struct rego_dnode *m, struct mnode *root);

static int
node_has_rules(const struct rego_dnode *n)
{
	return n->nrules > 0 || n->deflt != NULL;
}

/* Materialize the document at node n (base: base data at n's path). */
static int
materialize(struct rego_ev *ev, const struct rego_dnode *n, const rv *base,
    const rv **out)
{
	struct mnode *root;
	struct cent *ce;
	int rc;

	*out = NULL;
	if ((ce = ch_find(ev, 1, n->id)) != NULL) {
		*out = ce->v;
		return EV_OK;
	}
	if ((root = mn_new(ev, NULL)) == NULL)
		return ev_nomem(ev);
	if (base != NULL) {
		root->kind = M_BASE;
		root->val = base;
	}
	if ((rc = contribute(ev, n, n, root)) != EV_OK)
		return rc;
	if (root->kind == M_OBJ && root->nkids == 0 && base == NULL &&
	    !root->defined) {
		*out = NULL;
	} else if ((*out = mn_value(ev, root)) == NULL && ev->ar->failed) {
		return ev_nomem(ev);
	}
	if (*out != NULL && ov_below(ev, n->path, (size_t)n->depth) &&
	    (*out = ov_apply(ev, *out, n->path, (size_t)n->depth)) == NULL)
		return ev_nomem(ev);
	return ch_put(ev, 1, n->id, *out);
}

static int
contribute(struct rego_ev *ev, const struct rego_dnode *n0,
    const struct rego_dnode *m, struct mnode *root)
{
	const rv *const *rel = m->path + n0->depth;
	size_t nrel = (size_t)(m->depth - n0->depth), i;
	const struct overlay *o;
	const rv *v;
	bool complete = false, multi = false, ext = false;
	int rc;

	if ((o = ov_exact(ev, m->path, (size_t)m->depth)) != NULL &&
	    m != n0)
		return mn_insert(ev, root, rel, nrel, INS_VALUE, o->value, NULL,
		    false);
	if ((m->nfuncs > 0 || m->deflt_func != NULL) && !node_has_rules(m))
		return EV_OK;  /* functions are not part of documents */
	if (!node_has_rules(m) && (rc = mn_insert(ev, root, rel, nrel,
	    INS_OBJ, NULL, NULL, false)) != EV_OK)
		return rc;
	for (i = 0; i < m->nrules; i++) {
		if (m->rules[i]->ndyn > 0)
			ext = true;
		else if (m->rules[i]->is_multi)
			multi = true;
		else
			complete = true;
	}
	if (complete || m->deflt != NULL) {
		if ((rc = eval_complete(ev, m, &v)) != EV_OK)
			return rc;
		if (v != NULL && (rc = mn_insert(ev, root, rel, nrel,
		    INS_VALUE, v, m->nrules > 0 ? m->rules[0] : m->deflt,
		    true)) != EV_OK)
			return rc;
	}
	if (multi) {
		if ((rc = eval_set(ev, m, &v)) != EV_OK)
			return rc;
		if ((rc = mn_insert(ev, root, rel, nrel, INS_SETDEF, NULL,
		    m->rules[0], false)) != EV_OK)
			return rc;
		for (i = 0; i < v->n; i++)
			if ((rc = mn_insert(ev, root, rel, nrel, INS_SETELEM,
			    v->u.a[i], m->rules[0], false)) != EV_OK)
				return rc;
	}
	if (ext) {
		struct extcoll x;

		if (!busy_enter(ev, m->id))
			return recursion_err(ev, m);
		for (i = 0; i < m->nrules; i++) {
			const struct rego_rule *r = m->rules[i];

			if (r->ndyn == 0)
				continue;
			memset(&x, 0, sizeof(x));
			x.root = root;
			x.prefix = rel;
			x.nprefix = nrel;
			if (r->is_multi && (rc = mn_insert(ev, root, rel, nrel,
			    INS_OBJ, NULL, r, false)) != EV_OK)
				break;
			if ((rc = run_rule(ev, r, NULL, &x.c, ext_k)) != EV_OK)
				break;
			if (!r->is_multi && (rc = mn_insert(ev, root, rel,
			    nrel, INS_OBJ, NULL, r, false)) != EV_OK)
				break;
		}
		ev->busy[m->id] = 0;
		if (rc != EV_OK)
			return rc;
	}
	for (i = 0; i < m->nkids; i++)
		if ((rc = contribute(ev, n0, m->kids[i], root)) != EV_OK)
			return rc;
	return EV_OK;
}

/* Lookup in base data: numbers also find keys that are their text
 * (JSON object keys are strings: data[2] finds {"2": ...}). */
static const rv *
base_get(const rv *base, const rv *key)
{
	const rv *v;
	char buf[64];
	size_t n;

	if (base == NULL)
		return NULL;
	if ((v = rv_get(base, key)) != NULL || base->t != RV_OBJ ||
	    key->t != RV_NUM)
		return v;
	n = rv_num_text(key, buf, sizeof(buf));
	return n < sizeof(buf) ? rv_obj_gets(base, buf, n) : NULL;
}

/* Walk base data: ground parts with base_get, then the generic walk. */
static int
walk_base(struct rego_ev *ev, const rv **fr, const rv *v,
    struct rego_term *const *parts, size_t n, size_t i, const struct vk *k)
{
	const rv *key;
	int rc;

	for (; i < n; i++) {
		if ((rc = tval(ev, fr, parts[i], &key)) != EV_OK)
			return rc;
		if (key == NULL)
			break;
		if ((v = base_get(v, key)) == NULL)
			return EV_OK;
	}
	return walk(ev, fr, v, parts, n, i, k);
}

static int
eval_data(struct rego_ev *ev, const rv **fr, const struct rego_term *ref,
    const struct vk *k)
{
	const struct rego_dnode *n = ev->pol->root;
	struct rego_term *const *parts = ref->u.l.items;
	size_t np = ref->u.l.n, i = 1;
	const rv *base = ev->data, *key, *v;
	const struct overlay *o;
	const struct rego_dnode *child;
	bool ext, complete, multi;
	size_t j;
	int rc;

	for (;;) {
		if ((o = ov_exact(ev, n->path, (size_t)n->depth)) != NULL)
			return walk(ev, fr, o->value, parts, np, i, k);
		if (node_has_rules(n) || n->nfuncs > 0 ||
		    n->deflt_func != NULL || i == np)
			break;
		if ((rc = tval(ev, fr, parts[i], &key)) != EV_OK)
			return rc;
		if (key == NULL)
			break;
		if ((child = rego_dn_child(n, key)) == NULL) {
			/* no rules below: base data (and overlays) */
			v = base_get(base, key);
			if (ev->ndata_ov > 0) {
				const rv **path;
				size_t d = (size_t)n->depth;

				if ((path = ra_alloc(ev->ar, (d + 1) *
				    sizeof(*path))) == NULL)
					return ev_nomem(ev);
				if (d > 0)
					memcpy(path, n->path, d *
					    sizeof(*path));
				path[d] = key;
				if ((o = ov_exact(ev, path, d + 1)) != NULL)
					v = o->value;
				if (ov_below(ev, path, d + 1) &&
				    (v = ov_apply(ev, v, path, d + 1)) == NULL)
					return ev_nomem(ev);
			}
			if (v == NULL)
				return EV_OK;
			return walk_base(ev, fr, v, parts, np, i + 1, k);
		}
		n = child;
		base = base_get(base, key);
		i++;
	}
	/* n: a rule node, or where iteration starts */
	ext = complete = multi = false;
	for (j = 0; j < n->nrules; j++) {
		if (n->rules[j]->ndyn > 0)
			ext = true;
		else if (n->rules[j]->is_multi)
			multi = true;
		else
			complete = true;
	}
	if ((n->nfuncs > 0 || n->deflt_func != NULL) && !node_has_rules(n))
		return EV_OK;  /* a function is not a value */
	if ((complete || n->deflt != NULL) && !multi && !ext &&
	    n->nkids == 0) {
		if ((rc = eval_complete(ev, n, &v)) != EV_OK)
			return rc;
	} else if (multi && !complete && !ext && n->nkids == 0) {
		if ((rc = eval_set(ev, n, &v)) != EV_OK)
			return rc;
	} else if (!n->subtree_rules && !ov_below(ev, n->path,
	    (size_t)n->depth)) {
		return base == NULL ? EV_OK : walk_base(ev, fr, base, parts,
		    np, i, k);
	} else {
		if ((rc = materialize(ev, n, base, &v)) != EV_OK)
			return rc;
		return v == NULL ? EV_OK : walk(ev, fr, v, parts, np, i, k);
	}
	if (v == NULL)
		return EV_OK;
	if (ov_below(ev, n->path, (size_t)n->depth) &&
	    (v = ov_apply(ev, v, n->path, (size_t)n->depth)) == NULL)
		return ev_nomem(ev);
	return walk(ev, fr, v, parts, np, i, k);
}

/* ------------------------------------------------------------------ */
/* Calls.                                                               */

static const struct overlay *
find_mock(const struct rego_ev *ev, const struct rego_callee *ce)
{
	size_t i;

	if (ev->nfmock == 0)
		return NULL;
	for (i = ev->nov; i-- > ev->mock_floor;) {
		const struct overlay *o = &ev->ov[i];

		if (o->kind != W_FUNC)
			continue;
		if (o->fn->kind != ce->kind)
			continue;
		if (ce->kind == CALLEE_BI ? (o->fn->bi == ce->bi ||
		    strcmp(o->fn->name, ce->name) == 0) : o->fn->node ==
		    ce->node)
			return o;
	}
	return NULL;
}

static int
call_func(struct rego_ev *ev, const struct rego_callee *ce,
    const rv *const *args, const rv **out)
{
	const struct rego_dnode *n = ce->node;
	struct rcoll c;
	size_t i;
	int rc;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.conflict_kind = 2;
	for (i = 0; i < n->nfuncs; i++)
		if ((rc = run_chain(ev, n->funcs[i], args, &c)) != EV_OK)
			return rc;
	if (!c.found && n->deflt_func != NULL) {
		if ((rc = run_chain(ev, n->deflt_func, args, &c)) != EV_OK)
			return rc;
	}
	if (c.found)
		*out = c.value;
	return EV_OK;
}

static int
call_callee(struct rego_ev *ev, const struct rego_callee *ce,
    const rv *const *args, const struct rego_expr *e, const rv **out)
{
	const struct overlay *o;
	struct ccakit_rego_bictx ctx;
	int rc;

	*out = NULL;
	if ((o = find_mock(ev, ce)) != NULL) {
		struct overlay *mo = &ev->ov[o - ev->ov];

		if (o->repl == NULL) {
			*out = o->value;
			return EV_OK;
		}
		/* the replacement sees no mocks (not even its own) */
		size_t floor = ev->mock_floor;

		(void)mo;
		ev->mock_floor = ev->nov;
		rc = call_callee(ev, o->repl, args, e, out);
		ev->mock_floor = floor;
		return rc;
	}
	if (ce->kind == CALLEE_FUNC)
		return call_func(ev, ce, args, out);
	ctx.ev = ev;
	ctx.name = ce->name;
	ctx.row = e->row;
	ctx.col = e->col;
	ctx.file = ev->file;
	rc = ce->bi->fn(&ctx, args, out);
	if (rc == CCAKIT_OK) {
		if (ev->ar->failed)
			return ev_nomem(ev);
		return EV_OK;
	}
	if (ev->errcode == 0)
		(void)ev_err(ev, rc == CCAKIT_ERR_REGO_LIMIT ||
		    rc == CCAKIT_ERR_NOMEM ? CCAKIT_ERR_REGO_LIMIT :
		    CCAKIT_ERR_REGO_EVAL, rc == CCAKIT_ERR_REGO_LIMIT ||
		    rc == CCAKIT_ERR_NOMEM ? EVAL_LIMIT_ERR : EVAL_BUILTIN_ERR,
		    e->row, e->col, "%s: %s", ce->name, ccakit_strerror(rc));
	if (ev->errcode == CCAKIT_ERR_REGO_EVAL && !ev->strict &&
	    ev->err->code != NULL &&
	    (strcmp(ev->err->code, EVAL_BUILTIN_ERR) == 0 ||
	    strcmp(ev->err->code, EVAL_TYPE_ERR) == 0)) {
		/* non-strict: a built-in error makes the call undefined */
		ev->errcode = 0;
		memset(ev->err, 0, sizeof(*ev->err));
		*out = NULL;
		return EV_OK;
	}
	return EV_ERR;
}

static int
eval_call(struct rego_ev *ev, const rv **fr, const struct rego_expr *e,
    const struct kont *k)
{
	const rv *argv[8], **args = argv, *res;
	size_t i, n = e->nargs;
	int rc;

	if (n > 8 && (args = ra_alloc(ev->ar, n * sizeof(*args))) == NULL)
		return ev_nomem(ev);
	for (i = 0; i < n; i++) {
		if ((rc = tval(ev, fr, e->terms[i + 1], &args[i])) != EV_OK)
			return rc;
		if (args[i] == NULL)
			return ev_err(ev, CCAKIT_ERR_REGO_EVAL,
			    EVAL_INTERNAL_ERR, e->row, e->col,
			    "%s: operand %zu is not bound", e->callee->name,
			    i + 1);
	}
	if ((rc = call_callee(ev, e->callee, args, e, &res)) != EV_OK)
		return rc;
	if (res == NULL)
		return EV_OK;
	if (e->callee->kind == CALLEE_BI &&
	    (e->callee->bi->flags & REGO_BI_RELATION) != 0 &&
	    find_mock(ev, e->callee) == NULL && res->t == RV_ARR) {
		for (i = 0; i < res->n; i++) {
			if ((rc = ev_check(ev)) != EV_OK)
				return rc;
			rc = e->has_out ? unify_val(ev, fr, e->terms[n + 1],
			    res->u.a[i], k) : k->fn(ev, k->arg);
			if (rc != EV_OK)
				return rc;
		}
		return EV_OK;
	}
	if (e->has_out)
		return unify_val(ev, fr, e->terms[n + 1], res, k);
	if (rv_is_false(res))
		return EV_OK;
	return k->fn(ev, k->arg);
}

/* ------------------------------------------------------------------ */
/* Expressions.                                                         */

static int
stop_k(struct rego_ev *ev, void *arg)
{
	(void)ev;
	(void)arg;
	return EV_STOP;
}

struct kbox {
	const struct kont *k;
};

static int
term_truth_k(struct rego_ev *ev, void *arg, const rv *v)
{
	const struct kont *k = ((struct kbox *)arg)->k;

	if (rv_is_false(v))
		return EV_OK;
	return k->fn(ev, k->arg);
}

struct withk {
	const struct kont *k;
	/* outer state */
	const rv *in_input;
	size_t in_nov, in_nfmock, in_ndata;
	unsigned in_gen;
	/* inner state */
	const rv *w_input;
	struct overlay *w_ov;
	size_t w_n, w_nfmock, w_ndata;
	unsigned w_gen;
};

static int
ov_reserve(struct rego_ev *ev, size_t n)
{
	struct overlay *no;
	size_t nc;

	if (n <= ev->capov)
		return EV_OK;
	nc = ev->capov == 0 ? 8 : ev->capov;
	while (nc < n)
		nc *= 2;
	if ((no = ra_alloc(ev->ar, nc * sizeof(*no))) == NULL)
		return ev_nomem(ev);
	if (ev->nov > 0)
		memcpy(no, ev->ov, ev->nov * sizeof(*no));
	ev->ov = no;
	ev->capov = nc;
	return EV_OK;
}

static int
with_apply(struct rego_ev *ev, const struct withk *w)
{
	size_t i;

	if (ov_reserve(ev, w->in_nov + w->w_n) != EV_OK)
		return EV_ERR;
	for (i = 0; i < w->w_n; i++)
		ev->ov[w->in_nov + i] = w->w_ov[i];
	ev->nov = w->in_nov + w->w_n;
	ev->nfmock = w->w_nfmock;
	ev->ndata_ov = w->w_ndata;
	ev->input = w->w_input;
	ev->gen = w->w_gen;
	return EV_OK;
}

static void
with_restore(struct rego_ev *ev, const struct withk *w)
{
	ev->nov = w->in_nov;
	ev->nfmock = w->in_nfmock;
	ev->ndata_ov = w->in_ndata;
	ev->input = w->in_input;
	ev->gen = w->in_gen;
}

/* The continuation of a `with` expression runs outside of it. */
static int
with_k(struct rego_ev *ev, void *arg)
{
	struct withk *w = arg;
	int rc;

	with_restore(ev, w);
	rc = w->k->fn(ev, w->k->arg);
	if (rc == EV_OK && with_apply(ev, w) != EV_OK)
		return EV_ERR;
	return rc;
}

static int
eval_with(struct rego_ev *ev, const rv **fr, const struct rego_expr *e,
    const struct kont *k)
{
	struct withk w;
	struct kont kk;
	const rv *v;
	size_t i;
	int rc;

	memset(&w, 0, sizeof(w));
	w.k = k;
	w.in_input = ev->input;
	w.in_nov = ev->nov;
	w.in_nfmock = ev->nfmock;
	w.in_ndata = ev->ndata_ov;
	w.in_gen = ev->gen;
	w.w_input = ev->input;
	w.w_nfmock = ev->nfmock;
	w.w_ndata = ev->ndata_ov;
	if ((w.w_ov = ra_zalloc(ev->ar, (e->nwith + 1) * sizeof(*w.w_ov))) ==
	    NULL)
		return ev_nomem(ev);
	for (i = 0; i < e->nwith; i++) {
		const struct rego_with *wt = e->with[i];
		struct overlay *o;

		v = NULL;
		if (wt->value != NULL) {
			if ((rc = tval(ev, fr, wt->value, &v)) != EV_OK)
				return rc;
			if (v == NULL)
				return ev_err(ev, CCAKIT_ERR_REGO_EVAL,
				    EVAL_INTERNAL_ERR, wt->row, wt->col,
				    "with value is not bound");
		}
		switch (wt->kind) {
		case W_INPUT:
			if ((w.w_input = patch(ev, w.w_input, wt->path,
			    wt->npath, v)) == NULL)
				return ev_nomem(ev);
			break;
		case W_DATA:
		case W_FUNC:
			o = &w.w_ov[w.w_n++];
			o->kind = wt->kind;
			o->path = wt->path;
			o->npath = wt->npath;
			o->value = v;
			o->fn = wt->fn;
			o->repl = wt->repl;
			if (wt->kind == W_DATA)
				w.w_ndata++;
			else
				w.w_nfmock++;
			break;
		default:
			break;
		}
	}
	w.w_gen = ++ev->next_gen;
	if (with_apply(ev, &w) != EV_OK)
		return EV_ERR;
	kk.fn = with_k;
	kk.arg = &w;
	rc = eval_body(ev, fr, e->sub, 0, &kk);
	with_restore(ev, &w);
	return rc;
}

static int
eval_every(struct rego_ev *ev, const rv **fr, const struct rego_expr *e,
    const struct kont *k)
{
	const rv *d, *key, *val;
	struct kont sk;
	int kslot = e->every.key != NULL ? e->every.key->u.var.slot : -1;
	int vslot = e->every.value->u.var.slot;
	size_t i;
	int rc = EV_OK;

	if ((rc = tval(ev, fr, e->every.domain, &d)) != EV_OK)
		return rc;
	if (d == NULL)
		return EV_OK;
	sk.fn = stop_k;
	sk.arg = NULL;
	if (d->t != RV_ARR && d->t != RV_OBJ && d->t != RV_SET)
		return EV_OK;  /* not iterable: false */
	{
		for (i = 0; i < d->n; i++) {
			if ((rc = ev_check(ev)) != EV_OK)
				break;
			if (d->t == RV_ARR) {
				if ((key = rv_int(ev->ar, (int64_t)i)) == NULL) {
					rc = ev_nomem(ev);
					break;
				}
				val = d->u.a[i];
			} else if (d->t == RV_OBJ) {
				key = d->u.a[i];
				val = rv_obj_vals(d)[i];
			} else {
				key = val = d->u.a[i];
			}
			if (kslot >= 0)
				fr[kslot] = key;
			fr[vslot] = val;
			rc = eval_body(ev, fr, e->every.body, 0, &sk);
			if (rc == EV_STOP) {
				rc = EV_OK;
				continue;
			}
			if (rc == EV_OK)
				rc = EV_STOP;  /* not satisfied */
			break;
		}
	}
	if (kslot >= 0)
		fr[kslot] = NULL;
	fr[vslot] = NULL;
	if (rc == EV_STOP)
		return EV_OK;
	if (rc != EV_OK)
		return rc;
	return k->fn(ev, k->arg);
}

static int
eval_expr(struct rego_ev *ev, const rv **fr, const struct rego_expr *e,
    const struct kont *k)
{
	const rv *v;
	struct kont sk;
	struct vk vk;
	int rc;

	if ((rc = ev_check(ev)) != EV_OK)
		return rc;
	switch (e->kind) {
	case E_TERM:
		if (e->terms[0]->kind == K_REF) {
			struct kbox kb;

			kb.k = k;
			vk.fn = term_truth_k;
			vk.arg = &kb;
			return eval_ref(ev, fr, e->terms[0], &vk);
		}
		if ((rc = tval(ev, fr, e->terms[0], &v)) != EV_OK)
			return rc;
		if (v == NULL || rv_is_false(v))
			return EV_OK;
		return k->fn(ev, k->arg);
	case E_UNIFY:
		return unify(ev, fr, e->terms[0], e->terms[1], k);
	case E_CALL:
		return eval_call(ev, fr, e, k);
	case E_NOT:
		sk.fn = stop_k;
		sk.arg = NULL;
		rc = eval_body(ev, fr, e->sub, 0, &sk);
		if (rc == EV_STOP)
			return EV_OK;
		if (rc != EV_OK)
			return rc;
		return k->fn(ev, k->arg);
	case E_WITH:
		return eval_with(ev, fr, e, k);
	case E_EVERY:
		return eval_every(ev, fr, e, k);
	default:
		return k->fn(ev, k->arg);
	}
}

static int
eval_body(struct rego_ev *ev, const rv **fr, const struct rego_body *b,
    size_t i, const struct kont *k)
{
	struct bodyk next;
	struct kont kk;

	if (i >= b->n)
		return k->fn(ev, k->arg);
	if (i + 1 == b->n)
		return eval_expr(ev, fr, b->e[i], k);
	next.fr = fr;
	next.b = b;
	next.i = i + 1;
	next.k = k;
	kk.fn = bodyk_fn;
	kk.arg = &next;
	return eval_expr(ev, fr, b->e[i], &kk);
}

/* Comprehensions. */
struct compk {
	const rv **fr;
	const struct rego_term *t;
	struct rv_vec keys, vals;
};

static int
comp_k(struct rego_ev *ev, void *arg)
{
	struct compk *c = arg;
	const rv *v, *key;
	int rc;

	if ((rc = tval(ev, c->fr, c->t->u.c.head, &v)) != EV_OK)
		return rc;
	if (v == NULL)
		return ev_err(ev, CCAKIT_ERR_REGO_EVAL, EVAL_INTERNAL_ERR,
		    c->t->row, c->t->col, "comprehension term not bound");
	if (c->t->kind == K_OCOMP) {
		size_t i;

		if ((rc = tval(ev, c->fr, c->t->u.c.key, &key)) != EV_OK)
			return rc;
		if (key == NULL)
			return ev_err(ev, CCAKIT_ERR_REGO_EVAL,
			    EVAL_INTERNAL_ERR, c->t->row, c->t->col,
			    "comprehension key not bound");
		for (i = 0; i < c->keys.n; i++)
			if (rv_eq(c->keys.v[i], key)) {
				if (rv_eq(c->vals.v[i], v))
					return EV_OK;
				return ev_err(ev, CCAKIT_ERR_REGO_EVAL,
				    EVAL_CONFLICT_ERR, c->t->row, c->t->col,
				    "object keys must be unique");
			}
		if (rvv_push(&c->keys, key) != 0)
			return ev_nomem(ev);
	}
	if (rvv_push(&c->vals, v) != 0)
		return ev_nomem(ev);
	return EV_OK;
}

static int
eval_comp(struct rego_ev *ev, const rv **fr, const struct rego_term *t,
    const rv **out)
{
	struct compk c;
	struct kont k;
	int rc;

	c.fr = fr;
	c.t = t;
	rvv_init(&c.keys, ev->ar);
	rvv_init(&c.vals, ev->ar);
	k.fn = comp_k;
	k.arg = &c;
	if ((rc = eval_body(ev, fr, t->u.c.body, 0, &k)) != EV_OK)
		return rc;
	switch (t->kind) {
	case K_ACOMP:
		*out = rv_arr(ev->ar, c.vals.v, c.vals.n);
		break;
	case K_SCOMP:
		*out = rv_set(ev->ar, c.vals.v, c.vals.n);
		break;
	default:
		*out = rv_obj(ev->ar, c.keys.v, c.vals.v, c.keys.n, NULL);
		break;
	}
	return *out == NULL ? ev_nomem(ev) : EV_OK;
}

/* ------------------------------------------------------------------ */
/* Built-in context.                                                    */

struct rego_arena *
rego_bi_arena(ccakit_rego_bictx *ctx)
{
	return ctx->ev->ar;
}

struct rego_buf *
rego_bi_buf(ccakit_rego_bictx *ctx)
{
	ctx->ev->scratch.len = 0;
	if (ctx->ev->scratch.p != NULL)
		ctx->ev->scratch.p[0] = '\0';
	ctx->ev->scratch.oom = false;
	return &ctx->ev->scratch;
}

void *
ccakit_rego_bi_user(ccakit_rego_bictx *ctx)
{
	return ctx->ev->user;
}

int64_t
ccakit_rego_bi_now_ns(ccakit_rego_bictx *ctx)
{
	return ctx->ev->now_ns;
}

bool
rego_bi_strict(ccakit_rego_bictx *ctx)
{
	return ctx->ev->strict;
}

static int
bi_verr(ccakit_rego_bictx *ctx, const char *kind, const char *fmt,
    va_list ap) CKI_PRINTF(3, 0);

static int
bi_verr(ccakit_rego_bictx *ctx, const char *kind, const char *fmt,
    va_list ap)
{
	struct rego_ev *ev = ctx->ev;
	struct rego_loc loc = { ctx->file, ctx->row, ctx->col };
	char msg[400];

	if (ev->errcode != 0)
		return CCAKIT_ERR_REGO_EVAL;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	ev->errcode = CCAKIT_ERR_REGO_EVAL;
	memset(ev->err, 0, sizeof(*ev->err));
	ev->err->code = kind;
	if (loc.file != NULL)
		snprintf(ev->err->file, sizeof(ev->err->file), "%s", loc.file);
	ev->err->row = loc.row;
	ev->err->col = loc.col;
	snprintf(ev->err->message, sizeof(ev->err->message), "%s: %s",
	    ctx->name, msg);
	return CCAKIT_ERR_REGO_EVAL;
}

int
ccakit_rego_bi_error(ccakit_rego_bictx *ctx, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = bi_verr(ctx, EVAL_BUILTIN_ERR, fmt, ap);
	va_end(ap);
	return rc;
}

int
rego_bi_typeerr(ccakit_rego_bictx *ctx, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = bi_verr(ctx, EVAL_TYPE_ERR, fmt, ap);
	va_end(ap);
	return rc;
}

int
rego_bi_conflict(ccakit_rego_bictx *ctx, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = bi_verr(ctx, EVAL_CONFLICT_ERR, fmt, ap);
	va_end(ap);
	return rc;
}

int
rego_bi_operr(ccakit_rego_bictx *ctx, unsigned pos, const char *want,
    const rv *got)
{
	return rego_bi_typeerr(ctx, "operand %u must be %s but got %s", pos,
	    want, rv_type_name(got));
}

int
ccakit_rego_bi_type_error(ccakit_rego_bictx *ctx, unsigned pos,
    const char *want, const ccakit_rego_value *got)
{
	return rego_bi_operr(ctx, pos, want, got);
}

int
rego_bi_nomem(ccakit_rego_bictx *ctx)
{
	(void)ev_nomem(ctx->ev);
	return CCAKIT_ERR_REGO_LIMIT;
}

int
rego_bi_call_func(ccakit_rego_bictx *ctx, const struct rego_callee *ce,
    const rv *const *args, const rv **out)
{
	struct rego_expr e;

	memset(&e, 0, sizeof(e));
	e.row = ctx->row;
	e.col = ctx->col;
	if (call_callee(ctx->ev, ce, args, &e, out) != EV_OK)
		return ctx->ev->errcode != 0 ? ctx->ev->errcode :
		    CCAKIT_ERR_REGO_EVAL;
	return CCAKIT_OK;
}

const struct ccakit_rego_policy *
rego_bi_policy(ccakit_rego_bictx *ctx)
{
	return ctx->ev->pol;
}

const rv *
rego_bi_memo_get(ccakit_rego_bictx *ctx, const rv *key)
{
	struct rego_ev *ev = ctx->ev;
	size_t i;

	for (i = 0; i < ev->memo_k.n; i++)
		if (rv_eq(ev->memo_k.v[i], key))
			return ev->memo_v.v[i];
	return NULL;
}

int
rego_bi_memo_put(ccakit_rego_bictx *ctx, const rv *key, const rv *val)
{
	struct rego_ev *ev = ctx->ev;

	if (rvv_push(&ev->memo_k, key) != 0 || rvv_push(&ev->memo_v, val) != 0)
		return rego_bi_nomem(ctx);
	return CCAKIT_OK;
}

int
rego_bi_step(ccakit_rego_bictx *ctx, uint64_t n)
{
	struct rego_ev *ev = ctx->ev;

	if (n > 1)
		ev->steps = n - 1 > UINT64_MAX - ev->steps ? UINT64_MAX - 1 :
		    ev->steps + n - 1;
	if (ev_check(ev) != EV_OK)
		return ev->errcode != 0 ? ev->errcode : CCAKIT_ERR_REGO_LIMIT;
	return CCAKIT_OK;
}

/* ------------------------------------------------------------------ */
/* Queries.                                                             */

struct rowk {
	struct ccakit_rego_eval *ctx;
	const struct ccakit_rego_query *q;
	const rv **fr;
};

static int
row_k(struct rego_ev *ev, void *arg)
{
	struct rowk *r = arg;
	struct ccakit_rego_eval *ctx = r->ctx;
	const struct ccakit_rego_query *q = r->q;
	struct rego_row *nr;
	const rv **vals;
	size_t i;

	if (ctx->nrows == ctx->caprows) {
		size_t nc = ctx->caprows == 0 ? 8 : ctx->caprows * 2;

		if (nc > 10000000 || (nr = realloc(ctx->rows,
		    nc * sizeof(*nr))) == NULL)
			return ev_nomem(ev);
		ctx->rows = nr;
		ctx->caprows = nc;
	}
	if ((vals = ra_alloc(ev->ar, (q->nvars + q->ntop + 1) *
	    sizeof(*vals))) == NULL)
		return ev_nomem(ev);
	for (i = 0; i < q->nvars; i++)
		vals[i] = r->fr[q->varslots[i]];
	for (i = 0; i < q->ntop; i++)
		vals[q->nvars + i] = q->topslots[i] >= 0 ?
		    r->fr[q->topslots[i]] : RV_TRUE;
	ctx->rows[ctx->nrows++].vals = vals;
	return EV_OK;
}

int
rego_eval_query(struct ccakit_rego_eval *ctx,
    const struct ccakit_rego_query *q, const struct ccakit_rego_eval_opts *o)
{
	struct rego_ev *ev = ctx->ev;
	struct rowk rk;
	struct kont k;
	struct timespec ts;
	const rv **fr;
	char base;
	int rc;

	if (ev == NULL) {
		if ((ev = calloc(1, sizeof(*ev))) == NULL)
			return CCAKIT_ERR_NOMEM;
		rb_init(&ev->scratch, 64u * 1024 * 1024);
		ctx->ev = ev;
	}
	ra_reset(&ctx->ar);
	ctx->ar.cap = o->max_memory != 0 ? o->max_memory :
	    CCAKIT_REGO_DEFAULT_MEMORY;
	ctx->nrows = 0;
	ctx->has_err = false;
	memset(&ctx->err, 0, sizeof(ctx->err));
	ev->pol = q->pol;
	ev->ar = &ctx->ar;
	ev->input = o->input;
	ev->data = o->data != NULL ? o->data : &rv_empty_obj_v;
	ev->strict = o->strict_builtin_errors;
	ev->user = o->user;
	ev->steps = 0;
	ev->max_steps = o->max_steps != 0 ? o->max_steps :
	    CCAKIT_REGO_DEFAULT_STEPS;
	ev->stack_base = &base;
	ev->max_stack = o->max_stack != 0 ? o->max_stack : 1024u * 1024;
	ev->err = &ctx->err;
	ev->errcode = 0;
	ev->file = "";
	ev->ov = NULL;
	ev->nov = ev->capov = ev->nfmock = ev->ndata_ov = 0;
	ev->mock_floor = 0;
	ev->gen = ev->next_gen = 0;
	ev->cache = NULL;
	ev->capcache = ev->ncache = 0;
	rvv_init(&ev->memo_k, ev->ar);
	rvv_init(&ev->memo_v, ev->ar);
	if (o->now_ns != 0) {
		ev->now_ns = o->now_ns;
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		ev->now_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	}
	if ((ev->busy = ra_zalloc(ev->ar, ((size_t)q->pol->ndnodes + 1) *
	    sizeof(*ev->busy))) == NULL)
		return CCAKIT_ERR_REGO_LIMIT;
	if ((fr = fr_push(ev, (size_t)q->nslots)) == NULL)
		return CCAKIT_ERR_NOMEM;
	rk.ctx = ctx;
	rk.q = q;
	rk.fr = fr;
	k.fn = row_k;
	k.arg = &rk;
	rc = eval_body(ev, fr, q->body, 0, &k);
	fr_reset(ev);
	ctx->steps = ev->steps;
	ctx->mem = ctx->ar.total;
	if (rc == EV_ERR || ev->errcode != 0) {
		ctx->has_err = true;
		ctx->nrows = 0;
		return ev->errcode != 0 ? ev->errcode : CCAKIT_ERR_REGO_EVAL;
	}
	return CCAKIT_OK;
}

void
rego_ev_free(struct rego_ev *ev)
{
	if (ev == NULL)
		return;
	fr_free_all(ev);
	rb_free(&ev->scratch);
	free(ev);
}
