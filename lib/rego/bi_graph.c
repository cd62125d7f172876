/*
 * Graphs: graph.reachable, graph.reachable_paths.
 *
 * A graph is an object from vertex to its neighbours (an array or a set;
 * any other value is a vertex without edges). A vertex that is not a key
 * of the graph is unknown: it is never reached and has no edges.
 *
 * Work is charged to the evaluation's step limit (one step per vertex
 * expanded or edge followed) and the recursion of reachable_paths is
 * bounded by the evaluation's stack limit (a path as long as the graph
 * is deep recursion).
 */
#include <string.h>

#include "rego/rego_priv.h"

/* Index of key k in object o, or -1. */
static long
key_index(const rv *o, const rv *k)
{
	return rv_bsearch(o->u.a, o->n, k);
}

/* Neighbours of a vertex: arrays and sets only. */
static size_t
nedges(const rv *e)
{
	return e->t == RV_ARR || e->t == RV_SET ? e->n : 0;
}

static int
check_operands(ccakit_rego_bictx *ctx, args_t a)
{
	BI_NEED(ctx, a, 0, RV_OBJ, "object");
	if (a[1]->t != RV_ARR && a[1]->t != RV_SET)
		return rego_bi_operr(ctx, 2, "{array, set}", a[1]);
	return CCAKIT_OK;
}

static int
bi_reachable(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	const rv *g = a[0], **queue, **res;
	size_t nq = 0, head = 0, nres = 0, i;
	bool *reached;
	int rc;

	if ((rc = check_operands(ctx, a)) != CCAKIT_OK)
		return rc;
	/* Each vertex of the graph enters the queue at most once, plus the
	 * initial vertices. */
	NOMEM_IF(ctx, queue = ra_alloc(ar, (g->n + a[1]->n + 1) *
	    sizeof(*queue)));
	NOMEM_IF(ctx, res = ra_alloc(ar, (g->n + 1) * sizeof(*res)));
	NOMEM_IF(ctx, reached = ra_zalloc(ar, g->n + 1));
	for (i = 0; i < a[1]->n; i++)
		queue[nq++] = a[1]->u.a[i];
	while (head < nq) {
		const rv *e;
		long k = key_index(g, queue[head++]);

		if (k < 0 || reached[k])
			continue;
		reached[k] = true;
		res[nres++] = g->u.a[k];
		e = rv_obj_vals(g)[k];
		if ((rc = rego_bi_step(ctx, nedges(e) + 1)) != CCAKIT_OK)
			return rc;
		for (i = 0; i < nedges(e); i++) {
			long nk = key_index(g, e->u.a[i]);

			if (nk >= 0 && !reached[nk])
				queue[nq++] = g->u.a[nk];
		}
	}
	NOMEM_IF(ctx, *out = rv_set(ar, res, nres));
	return CCAKIT_OK;
}

struct paths {
	ccakit_rego_bictx *ctx;
	struct rego_arena *ar;
	const rv *g;
	bool *reached;          /* by key index */
	long *touched;          /* key indexes set in reached */
	size_t ntouched;
	const rv **path;        /* current path */
	size_t np;
	struct rv_vec res;
};

static int
commit(struct paths *p)
{
	const rv *v = rv_arr_copy(p->ar, p->path, p->np);

	if (v == NULL || rvv_push(&p->res, v) != 0)
		return rego_bi_nomem(p->ctx);
	return CCAKIT_OK;
}

static void
reach(struct paths *p, long k)
{
	if (k >= 0 && !p->reached[k]) {
		p->reached[k] = true;
		p->touched[p->ntouched++] = k;
	}
}

/*
 * OPA's pathBuilder (the semantics its conformance suite checks): extend
 * the path by `root` and follow its edges. A path ends at an unknown
 * vertex (not included), at a vertex without edges, or before a vertex
 * already reached. The set of reached vertices is shared by the whole
 * walk from one first edge, and a vertex is marked reached when the walk
 * goes on from it, so every vertex is expanded at most once per walk.
 */
static int
build(struct paths *p, const rv *root)
{
	long k = key_index(p->g, root);
	const rv *e;
	size_t i;
	int rc;

	if ((rc = rego_bi_step(p->ctx, 1)) != CCAKIT_OK)
		return rc;
	if (k < 0)
		return commit(p);
	e = rv_obj_vals(p->g)[k];
	p->path[p->np++] = p->g->u.a[k];
	if (nedges(e) == 0) {
		rc = commit(p);
		p->np--;
		return rc;
	}
	for (i = 0; i < nedges(e) && rc == CCAKIT_OK; i++) {
		long nk = key_index(p->g, e->u.a[i]);

		if (nk >= 0 && p->reached[nk]) {
			rc = commit(p);
		} else {
			reach(p, k);
			rc = build(p, e->u.a[i]);
		}
	}
	p->np--;
	return rc;
}

static int
bi_reachable_paths(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	struct paths p;
	size_t i, j;
	int rc;

	if ((rc = check_operands(ctx, a)) != CCAKIT_OK)
		return rc;
	memset(&p, 0, sizeof(p));
	p.ctx = ctx;
	p.ar = ar;
	p.g = a[0];
	rvv_init(&p.res, ar);
	NOMEM_IF(ctx, p.reached = ra_zalloc(ar, p.g->n + 1));
	NOMEM_IF(ctx, p.touched = ra_alloc(ar, (p.g->n + 1) *
	    sizeof(*p.touched)));
	/* A path holds distinct reached vertices, plus the first vertex
	 * repeated at most once. */
	NOMEM_IF(ctx, p.path = ra_alloc(ar, (p.g->n + 2) * sizeof(*p.path)));
	for (i = 0; i < a[1]->n; i++) {
		const rv *e;
		long k = key_index(p.g, a[1]->u.a[i]);

		if (k < 0)
			continue;
		e = rv_obj_vals(p.g)[k];
		p.np = 0;
		p.path[p.np++] = p.g->u.a[k];
		if (nedges(e) == 0) {
			if ((rc = commit(&p)) != CCAKIT_OK)
				return rc;
			continue;
		}
		for (j = 0; j < nedges(e); j++) {
			/* Each walk starts with only its first vertex
			 * reached. */
			while (p.ntouched > 0)
				p.reached[p.touched[--p.ntouched]] = false;
			reach(&p, k);
			if ((rc = build(&p, e->u.a[j])) != CCAKIT_OK)
				return rc;
		}
	}
	NOMEM_IF(ctx, *out = rv_set(ar, p.res.v, p.res.n));
	return CCAKIT_OK;
}

const struct rego_bi_def rego_bi_graph[] = {
	{ "graph.reachable", 2, 0, bi_reachable },
	{ "graph.reachable_paths", 2, 0, bi_reachable_paths },
	{ NULL, 0, 0, NULL },
};
