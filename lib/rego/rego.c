/* Public API of the Rego engine: policies, queries, evaluation, values. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/rego_priv.h"

/* ------------------------------------------------------------------ */
/* Values.                                                              */

enum ccakit_rego_type
ccakit_rego_type(const ccakit_rego_value *v)
{
	return (enum ccakit_rego_type)v->t;
}

const char *
ccakit_rego_type_name(const ccakit_rego_value *v)
{
	return rv_type_name(v);
}

bool
ccakit_rego_bool(const ccakit_rego_value *v)
{
	return v != NULL && v->t == RV_BOOL && v->b;
}

bool
ccakit_rego_int64(const ccakit_rego_value *v, int64_t *out)
{
	return v != NULL && rv_num_i64(v, out);
}

double
ccakit_rego_double(const ccakit_rego_value *v)
{
	return v != NULL ? rv_num_dbl(v) : 0;
}

const char *
ccakit_rego_str(const ccakit_rego_value *v, size_t *len)
{
	if (v == NULL || v->t != RV_STR)
		return NULL;
	if (len != NULL)
		*len = v->n;
	return v->u.s;
}

size_t
ccakit_rego_len(const ccakit_rego_value *v)
{
	if (v == NULL)
		return 0;
	if (v->t == RV_STR || v->t == RV_ARR || v->t == RV_OBJ ||
	    v->t == RV_SET)
		return v->n;
	return 0;
}

const ccakit_rego_value *
ccakit_rego_at(const ccakit_rego_value *v, size_t i)
{
	if (v == NULL || (v->t != RV_ARR && v->t != RV_SET) || i >= v->n)
		return NULL;
	return v->u.a[i];
}

const ccakit_rego_value *
ccakit_rego_key_at(const ccakit_rego_value *v, size_t i)
{
	if (v == NULL || v->t != RV_OBJ || i >= v->n)
		return NULL;
	return v->u.a[i];
}

const ccakit_rego_value *
ccakit_rego_value_at(const ccakit_rego_value *v, size_t i)
{
	if (v == NULL || v->t != RV_OBJ || i >= v->n)
		return NULL;
	return rv_obj_vals(v)[i];
}

const ccakit_rego_value *
ccakit_rego_get(const ccakit_rego_value *v, const char *key)
{
	if (v == NULL || key == NULL)
		return NULL;
	return rv_obj_gets(v, key, strlen(key));
}

int
ccakit_rego_compare(const ccakit_rego_value *a, const ccakit_rego_value *b)
{
	return rv_cmp(a, b);
}

int
ccakit_rego_to_json(const ccakit_rego_value *v, unsigned flags, char **out)
{
	struct rego_buf b;

	if (v == NULL || out == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	rb_init(&b, 0);
	rego_json_write(&b, v, (flags & CCAKIT_REGO_JSON_PRETTY) != 0, 0);
	if (b.oom) {
		rb_free(&b);
		return CCAKIT_ERR_NOMEM;
	}
	if (b.p == NULL && (b.p = strdup("")) == NULL)
		return CCAKIT_ERR_NOMEM;
	*out = b.p;
	return CCAKIT_OK;
}

struct ccakit_rego_doc {
	struct rego_arena ar;
	const rv *v;
};

int
ccakit_rego_doc_parse(const char *json, size_t len, ccakit_rego_doc **out,
    struct ccakit_errdetail *d)
{
	ccakit_rego_doc *doc;
	char err[128];
	int rc;

	if (json == NULL || out == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (len > CCAKIT_REGO_MAX_JSON)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "json",
		    "document larger than %u bytes", CCAKIT_REGO_MAX_JSON);
	if ((doc = calloc(1, sizeof(*doc))) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	ra_init(&doc->ar, 0);
	rc = rego_json_parse(&doc->ar, json, len, CCAKIT_REGO_MAX_DEPTH,
	    &doc->v, err, sizeof(err));
	if (rc != CCAKIT_OK) {
		ra_free(&doc->ar);
		free(doc);
		return cki_detail(d, rc, "json", "%s", err);
	}
	*out = doc;
	return CCAKIT_OK;
}

const ccakit_rego_value *
ccakit_rego_doc_value(const ccakit_rego_doc *doc)
{
	return doc != NULL ? doc->v : NULL;
}

void
ccakit_rego_doc_free(ccakit_rego_doc **docp)
{
	if (docp == NULL || *docp == NULL)
		return;
	ra_free(&(*docp)->ar);
	free(*docp);
	*docp = NULL;
}

/* Constructors for built-ins. */

const ccakit_rego_value *
ccakit_rego_null(void)
{
	return RV_NULLV;
}

const ccakit_rego_value *
ccakit_rego_boolean(bool b)
{
	return RV_BOOLV(b);
}

const ccakit_rego_value *
ccakit_rego_new_int(ccakit_rego_bictx *ctx, int64_t i)
{
	return rv_int(rego_bi_arena(ctx), i);
}

const ccakit_rego_value *
ccakit_rego_new_double(ccakit_rego_bictx *ctx, double f)
{
	return rv_dbl(rego_bi_arena(ctx), f);
}

const ccakit_rego_value *
ccakit_rego_new_string(ccakit_rego_bictx *ctx, const char *s, size_t len)
{
	return rv_str(rego_bi_arena(ctx), s, len);
}

const ccakit_rego_value *
ccakit_rego_new_array(ccakit_rego_bictx *ctx,
    const ccakit_rego_value *const *items, size_t n)
{
	return rv_arr_copy(rego_bi_arena(ctx), items, n);
}

const ccakit_rego_value *
ccakit_rego_new_object(ccakit_rego_bictx *ctx,
    const ccakit_rego_value *const *keys, const ccakit_rego_value *const *vals,
    size_t n)
{
	struct rego_arena *a = rego_bi_arena(ctx);
	const rv **k;

	if ((k = ra_alloc(a, 2 * (n + 1) * sizeof(*k))) == NULL)
		return NULL;
	if (n > 0) {
		memcpy(k, keys, n * sizeof(*k));
		memcpy(k + n + 1, vals, n * sizeof(*k));
	}
	return rv_obj(a, k, k + n + 1, n, NULL);
}

const ccakit_rego_value *
ccakit_rego_new_set(ccakit_rego_bictx *ctx,
    const ccakit_rego_value *const *items, size_t n)
{
	struct rego_arena *a = rego_bi_arena(ctx);
	const rv **k;

	if ((k = ra_alloc(a, (n + 1) * sizeof(*k))) == NULL)
		return NULL;
	if (n > 0)
		memcpy(k, items, n * sizeof(*k));
	return rv_set(a, k, n);
}

int
ccakit_rego_new_json(ccakit_rego_bictx *ctx, const char *json, size_t len,
    const ccakit_rego_value **out)
{
	struct rego_arena *a = rego_bi_arena(ctx);
	int rc;

	rc = rego_json_parse(a, json, len, CCAKIT_REGO_MAX_DEPTH, out, NULL,
	    0);
	if (rc == CCAKIT_ERR_NOMEM)
		return rego_bi_nomem(ctx);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Policies.                                                            */

ccakit_rego_policy *
ccakit_rego_policy_new(void)
{
	ccakit_rego_policy *p = calloc(1, sizeof(*p));

	if (p != NULL)
		ra_init(&p->ar, 0);
	return p;
}

void
ccakit_rego_policy_free(ccakit_rego_policy **pp)
{
	ccakit_rego_policy *p;
	size_t i;

	if (pp == NULL || (p = *pp) == NULL)
		return;
	for (i = 0; i < p->ncustom; i++)
		free((char *)(uintptr_t)p->custom_defs[i].name);
	free(p->custom_defs);
	free(p->mods);
	rd_free(&p->diags);
	ra_free(&p->ar);
	free(p);
	*pp = NULL;
}

static int
policy_fail(ccakit_rego_policy *p, int code, struct ccakit_errdetail *d)
{
	return rego_detail(d, code, p->diags.n > 0 ? &p->diags.d[0] : NULL);
}

int
ccakit_rego_add_module(ccakit_rego_policy *p, const char *filename,
    const char *text, size_t len, struct ccakit_errdetail *d)
{
	struct rego_module *m, **nm;
	char *copy, *file;
	size_t before;
	int rc;

	if (p == NULL || text == NULL || p->compiled)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (len > CCAKIT_REGO_MAX_MODULE)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "module",
		    "module larger than %u bytes", CCAKIT_REGO_MAX_MODULE);
	if (memchr(text, '\0', len) != NULL) {
		struct rego_loc loc = { filename != NULL ? filename : "", 1,
		    1 };

		rd_add(&p->diags, REGO_PARSE_ERR, &loc,
		    "illegal null character");
		return policy_fail(p, CCAKIT_ERR_REGO_PARSE, d);
	}
	if ((copy = ra_strndup(&p->ar, text, len)) == NULL ||
	    (file = ra_strndup(&p->ar, filename != NULL ? filename : "",
	    filename != NULL ? strlen(filename) : 0)) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	before = p->diags.n;
	rc = rego_parse_module(&p->ar, file, copy, len, &m, &p->diags);
	if (rc != CCAKIT_OK) {
		if (p->diags.n > before)
			return rego_detail(d, rc, &p->diags.d[before]);
		return cki_detail(d, rc, NULL, NULL);
	}
	if (p->nmods == p->capmods) {
		size_t nc = p->capmods == 0 ? 4 : p->capmods * 2;

		if ((nm = realloc(p->mods, nc * sizeof(*nm))) == NULL)
			return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		p->mods = nm;
		p->capmods = nc;
	}
	p->mods[p->nmods++] = m;
	return CCAKIT_OK;
}

int
ccakit_rego_add_builtin(ccakit_rego_policy *p,
    const struct ccakit_rego_builtin *bi)
{
	struct rego_bi_def *nd;
	char *name;

	if (p == NULL || bi == NULL || bi->name == NULL || bi->fn == NULL ||
	    bi->arity > 8 || p->compiled)
		return CCAKIT_ERR_INVALID_ARG;
	if ((name = strdup(bi->name)) == NULL)
		return CCAKIT_ERR_NOMEM;
	if ((nd = realloc(p->custom_defs, (p->ncustom + 1) *
	    sizeof(*nd))) == NULL) {
		free(name);
		return CCAKIT_ERR_NOMEM;
	}
	p->custom_defs = nd;
	nd[p->ncustom].name = name;
	nd[p->ncustom].arity = (uint8_t)bi->arity;
	nd[p->ncustom].flags = (uint8_t)bi->flags;
	nd[p->ncustom].fn = bi->fn;
	p->ncustom++;
	return CCAKIT_OK;
}

int
ccakit_rego_compile(ccakit_rego_policy *p, struct ccakit_errdetail *d)
{
	int rc;

	if (p == NULL || p->compiled)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (p->diags.n > 0)
		return policy_fail(p, CCAKIT_ERR_REGO_PARSE, d);
	rc = rego_compile(p);
	if (rc != CCAKIT_OK) {
		if (rc == CCAKIT_ERR_NOMEM)
			return cki_detail(d, rc, NULL, NULL);
		return policy_fail(p, rc, d);
	}
	p->compiled = true;
	return CCAKIT_OK;
}

size_t
ccakit_rego_policy_nerrors(const ccakit_rego_policy *p)
{
	return p != NULL ? p->diags.n : 0;
}

const struct ccakit_rego_diag *
ccakit_rego_policy_error(const ccakit_rego_policy *p, size_t i)
{
	if (p == NULL || i >= p->diags.n)
		return NULL;
	return &p->diags.d[i];
}

bool
ccakit_rego_policy_defines(const ccakit_rego_policy *p, const char *path)
{
	const struct rego_dnode *n;
	const char *seg, *dot;
	char key[256];
	rv k;

	if (p == NULL || !p->compiled || path == NULL || path[0] == '\0')
		return false;
	memset(&k, 0, sizeof(k));
	n = p->root;
	for (seg = path; n != NULL; seg = dot + 1) {
		dot = strchr(seg, '.');
		k.n = (uint32_t)(dot != NULL ? (size_t)(dot - seg) :
		    strlen(seg));
		if (k.n == 0 || k.n >= sizeof(key))
			return false;
		memcpy(key, seg, k.n);
		key[k.n] = '\0';
		k.t = RV_STR;
		k.u.s = key;
		n = rego_dn_child(n, &k);
		if (dot == NULL)
			break;
	}
	return n != NULL && (n->nrules > 0 || n->deflt != NULL ||
	    n->nfuncs > 0 || n->deflt_func != NULL || n->subtree_rules);
}

/* ------------------------------------------------------------------ */
/* Queries.                                                             */

int
ccakit_rego_query_new(const ccakit_rego_policy *p, const char *query,
    ccakit_rego_query **out, struct ccakit_errdetail *d)
{
	ccakit_rego_query *q = NULL;
	int rc;

	if (p == NULL || query == NULL || out == NULL || !p->compiled)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	*out = NULL;
	rc = rego_query_compile(p, query, strlen(query), REGO_Q_CAPTURE, &q);
	if (q != NULL)
		*out = q;
	if (rc != CCAKIT_OK)
		return rego_detail(d, rc, q != NULL && q->diags.n > 0 ?
		    &q->diags.d[0] : NULL);
	return CCAKIT_OK;
}

void
ccakit_rego_query_free(ccakit_rego_query **qp)
{
	if (qp == NULL || *qp == NULL)
		return;
	rd_free(&(*qp)->diags);
	ra_free(&(*qp)->ar);
	free(*qp);
	*qp = NULL;
}

size_t
ccakit_rego_query_nerrors(const ccakit_rego_query *q)
{
	return q != NULL ? q->diags.n : 0;
}

const struct ccakit_rego_diag *
ccakit_rego_query_error(const ccakit_rego_query *q, size_t i)
{
	if (q == NULL || i >= q->diags.n)
		return NULL;
	return &q->diags.d[i];
}

size_t
ccakit_rego_query_nvars(const ccakit_rego_query *q)
{
	return q != NULL && q->body != NULL ? q->nvars : 0;
}

const char *
ccakit_rego_query_var(const ccakit_rego_query *q, size_t i)
{
	if (q == NULL || q->body == NULL || i >= q->nvars)
		return NULL;
	return q->vars[i];
}

size_t
ccakit_rego_query_nexprs(const ccakit_rego_query *q)
{
	return q != NULL && q->body != NULL ? q->ntop : 0;
}

const char *
ccakit_rego_query_expr_text(const ccakit_rego_query *q, size_t i, int *row,
    int *col)
{
	if (q == NULL || q->body == NULL || i >= q->ntop)
		return NULL;
	if (row != NULL)
		*row = q->top[i]->row;
	if (col != NULL)
		*col = q->top[i]->col;
	return q->top[i]->text != NULL ? q->top[i]->text : "";
}

/* ------------------------------------------------------------------ */
/* Evaluation.                                                          */

ccakit_rego_eval *
ccakit_rego_eval_new(void)
{
	ccakit_rego_eval *e = calloc(1, sizeof(*e));

	if (e != NULL)
		ra_init(&e->ar, CCAKIT_REGO_DEFAULT_MEMORY);
	return e;
}

void
ccakit_rego_eval_free(ccakit_rego_eval **ep)
{
	if (ep == NULL || *ep == NULL)
		return;
	rego_ev_free((*ep)->ev);
	ra_free(&(*ep)->ar);
	free((*ep)->rows);
	free(*ep);
	*ep = NULL;
}

int
ccakit_rego_eval_run(ccakit_rego_eval *ev, const ccakit_rego_query *q,
    const struct ccakit_rego_eval_opts *opts, struct ccakit_errdetail *d)
{
	struct ccakit_rego_eval_opts o;
	int rc;

	if (ev == NULL || q == NULL || q->body == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (opts != NULL)
		o = *opts;
	else
		memset(&o, 0, sizeof(o));
	ev->q = q;
	rc = rego_eval_query(ev, q, &o);
	if (rc != CCAKIT_OK)
		return rego_detail(d, rc, ev->has_err ? &ev->err : NULL);
	return CCAKIT_OK;
}

const struct ccakit_rego_diag *
ccakit_rego_eval_error(const ccakit_rego_eval *ev)
{
	return ev != NULL && ev->has_err ? &ev->err : NULL;
}

size_t
ccakit_rego_eval_nresults(const ccakit_rego_eval *ev)
{
	return ev != NULL ? ev->nrows : 0;
}

const ccakit_rego_value *
ccakit_rego_eval_binding(const ccakit_rego_eval *ev, size_t row, size_t var)
{
	if (ev == NULL || ev->q == NULL || row >= ev->nrows ||
	    var >= ev->q->nvars)
		return NULL;
	return ev->rows[row].vals[var];
}

const ccakit_rego_value *
ccakit_rego_eval_expr(const ccakit_rego_eval *ev, size_t row, size_t expr)
{
	if (ev == NULL || ev->q == NULL || row >= ev->nrows ||
	    expr >= ev->q->ntop)
		return NULL;
	return ev->rows[row].vals[ev->q->nvars + expr];
}

uint64_t
ccakit_rego_eval_steps(const ccakit_rego_eval *ev)
{
	return ev != NULL ? ev->steps : 0;
}

size_t
ccakit_rego_eval_memory(const ccakit_rego_eval *ev)
{
	return ev != NULL ? ev->mem : 0;
}

int
ccakit_rego_eval_value(ccakit_rego_eval *ev, const ccakit_rego_query *q,
    const struct ccakit_rego_eval_opts *opts, const ccakit_rego_value **out,
    struct ccakit_errdetail *d)
{
	int rc;

	if (out == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	*out = NULL;
	if ((rc = ccakit_rego_eval_run(ev, q, opts, d)) != CCAKIT_OK)
		return rc;
	if (ev->nrows > 0 && q->ntop > 0)
		*out = ccakit_rego_eval_expr(ev, 0, 0);
	return CCAKIT_OK;
}
