/*
 * Rego compiler: from parsed modules to an immutable, evaluable form.
 *
 *   1. rule tree: every package and rule head path becomes a node of the
 *      `data` tree; rules hang at the node of their ground head prefix;
 *   2. per rule (and per query), name resolution with Rego's scoping
 *      (rule body, comprehensions, `every` bodies and template
 *      expressions are scopes; `:=` and `some` declare; a name used in an
 *      enclosing scope is captured) - every variable gets a frame slot,
 *      names of rules and imports become `data`/`input` references;
 *   3. flattening: calls, references inside composites and other dynamic
 *      terms are hoisted into their own expressions with generated
 *      variables, so that the evaluator only sees simple expressions
 *      (unification, a call with operands that are values or bound
 *      variables, a term, `not`, `with`, `every`);
 *   4. safety: expressions are reordered, as OPA does, so that each runs
 *      once its inputs are bound; what cannot be ordered is an unsafe
 *      variable error;
 *   5. conflicts (rule kinds, defaults, function arity) and recursion.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/rego_priv.h"

/* ------------------------------------------------------------------ */
/* Compile context.                                                     */

struct nameset {
	const char **v;
	int *pos;                /* position of the first occurrence */
	size_t n, cap;
	/* past NS_LINEAR names, a hash index (open addressing, i + 1 of
	 * v[i]; 0: free): a package's rule names can be many */
	size_t *ix;
	size_t ixcap;            /* a power of two, > 2 * n */
};
#define NS_LINEAR 16

struct cscope {
	int parent;
	int depth;
	int entry;               /* position where the scope starts */
	struct nameset decl, occ;
};

struct cvar {
	const char *name;
	int scope;
	bool gen;
};

struct elist {
	struct rego_expr **v;
	size_t n, cap;
};

struct cc {
	struct ccakit_rego_policy *pol;
	struct rego_arena *a;
	struct rego_diags *ds;
	const char *file;
	const struct rego_module *mod;
	const struct nameset *rulenames;  /* rule names of the package */
	struct cscope *sc;
	int nsc, capsc;
	struct cvar *vars;
	int nvars, capvars;
	int ntemp;
	int pos;               /* traversal position (pass A) */
	bool err;
	int dry;               /* >0: analysis only, no diagnostics */
};

static void
cerr(struct cc *c, const char *code, int row, int col, const char *fmt, ...)
    CKI_PRINTF(5, 6);

static void
cerr(struct cc *c, const char *code, int row, int col, const char *fmt, ...)
{
	struct rego_loc loc = { c->file, row, col };
	va_list ap;

	c->err = true;
	if (c->dry > 0)
		return;
	va_start(ap, fmt);
	rd_vadd(c->ds, code, &loc, fmt, ap);
	va_end(ap);
}

static void *
calloc_a(struct cc *c, size_t n)
{
	void *p = ra_zalloc(c->a, n);

	if (p == NULL && !c->err) {
		c->err = true;
		rd_add(c->ds, REGO_COMPILE_ERR, NULL, "out of memory");
	}
	return p;
}

static size_t
ns_hash(const char *name)
{
	size_t h = 14695981039346656037u;       /* FNV-1a */

	while (*name != '\0')
		h = (h ^ (unsigned char)*name++) * 1099511628211u;
	return h;
}

/* Index of name in s->v, or -1. */
static long
ns_find(const struct nameset *s, const char *name)
{
	size_t i, m;

	if (s->ix == NULL) {
		for (i = 0; i < s->n; i++)
			if (strcmp(s->v[i], name) == 0)
				return (long)i;
		return -1;
	}
	m = s->ixcap - 1;
	for (i = ns_hash(name) & m; s->ix[i] != 0; i = (i + 1) & m)
		if (strcmp(s->v[s->ix[i] - 1], name) == 0)
			return (long)(s->ix[i] - 1);
	return -1;
}

static bool
ns_has(const struct nameset *s, const char *name)
{
	return ns_find(s, name) >= 0;
}

static int
ns_pos(const struct nameset *s, const char *name)
{
	long i = ns_find(s, name);

	return i >= 0 ? s->pos[i] : -1;
}

/* Rebuild the hash index for at least 2 * n slots; false when out of
 * memory (the set stays linear, still correct). */
static bool
ns_reindex(struct nameset *s)
{
	size_t cap = 64, i, j, m;
	size_t *ix;

	while (cap <= 2 * s->n)
		cap *= 2;
	if ((ix = calloc(cap, sizeof(*ix))) == NULL) {
		free(s->ix);
		s->ix = NULL;
		s->ixcap = 0;
		return false;
	}
	m = cap - 1;
	for (i = 0; i < s->n; i++) {
		for (j = ns_hash(s->v[i]) & m; ix[j] != 0; j = (j + 1) & m)
			;
		ix[j] = i + 1;
	}
	free(s->ix);
	s->ix = ix;
	s->ixcap = cap;
	return true;
}

static void
ns_addp(struct nameset *s, const char *name, int pos)
{
	const char **nv;
	int *np;

	if (ns_has(s, name))
		return;
	if (s->n == s->cap) {
		size_t nc = s->cap == 0 ? 8 : s->cap * 2;

		if ((nv = realloc(s->v, nc * sizeof(*nv))) == NULL)
			return;
		s->v = nv;
		if ((np = realloc(s->pos, nc * sizeof(*np))) == NULL)
			return;
		s->pos = np;
		s->cap = nc;
	}
	s->pos[s->n] = pos;
	s->v[s->n++] = name;
	if (s->n > NS_LINEAR) {
		size_t j, m;

		if (s->ix == NULL || 2 * s->n >= s->ixcap) {
			(void)ns_reindex(s);
			return;
		}
		m = s->ixcap - 1;
		for (j = ns_hash(name) & m; s->ix[j] != 0; j = (j + 1) & m)
			;
		s->ix[j] = s->n;
	}
}

static void
ns_add(struct nameset *s, const char *name)
{
	ns_addp(s, name, 0);
}

static void
ns_free(struct nameset *s)
{
	free(s->pos);
	free(s->v);
	free(s->ix);
	memset(s, 0, sizeof(*s));
}

static void
el_push(struct cc *c, struct elist *l, struct rego_expr *e)
{
	struct rego_expr **nv;
	size_t nc;

	if (e == NULL)
		return;
	if (l->n == l->cap) {
		nc = l->cap == 0 ? 8 : l->cap * 2;
		if ((nv = calloc_a(c, nc * sizeof(*nv))) == NULL)
			return;
		if (l->n > 0)
			memcpy(nv, l->v, l->n * sizeof(*nv));
		l->v = nv;
		l->cap = nc;
	}
	l->v[l->n++] = e;
}

static struct rego_body *
el_body(struct cc *c, struct elist *l, int scope)
{
	struct rego_body *b = calloc_a(c, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->e = l->v;
	b->n = l->n;
	b->scope = scope;
	return b;
}

static void
cc_reset(struct cc *c)
{
	int i;

	for (i = 0; i < c->nsc; i++) {
		ns_free(&c->sc[i].decl);
		ns_free(&c->sc[i].occ);
	}
	c->nsc = 0;
	c->nvars = 0;
	c->ntemp = 0;
}

static void
cc_free(struct cc *c)
{
	cc_reset(c);
	free(c->sc);
	free(c->vars);
	c->sc = NULL;
	c->vars = NULL;
	c->capsc = c->capvars = 0;
}

static int
new_scope(struct cc *c, int parent)
{
	struct cscope *ns;

	if (c->nsc == c->capsc) {
		c->capsc = c->capsc == 0 ? 16 : c->capsc * 2;
		if ((ns = realloc(c->sc, (size_t)c->capsc * sizeof(*ns))) ==
		    NULL) {
			c->err = true;
			c->capsc = c->nsc;
			return 0;
		}
		c->sc = ns;
	}
	memset(&c->sc[c->nsc], 0, sizeof(c->sc[0]));
	c->sc[c->nsc].parent = parent;
	c->sc[c->nsc].depth = parent >= 0 ? c->sc[parent].depth + 1 : 0;
	c->sc[c->nsc].entry = c->pos++;
	return c->nsc++;
}

static int
new_var(struct cc *c, const char *name, int scope, bool gen)
{
	struct cvar *nv;

	if (c->nvars == c->capvars) {
		c->capvars = c->capvars == 0 ? 32 : c->capvars * 2;
		if ((nv = realloc(c->vars, (size_t)c->capvars *
		    sizeof(*nv))) == NULL) {
			c->err = true;
			c->capvars = c->nvars;
			return 0;
		}
		c->vars = nv;
	}
	c->vars[c->nvars].name = name;
	c->vars[c->nvars].scope = scope;
	c->vars[c->nvars].gen = gen;
	return c->nvars++;
}

static int
find_var(struct cc *c, const char *name, int scope)
{
	int i;

	for (i = 0; i < c->nvars; i++)
		if (c->vars[i].scope == scope &&
		    strcmp(c->vars[i].name, name) == 0)
			return i;
	return new_var(c, name, scope, false);
}

static struct rego_term *
mk_term(struct cc *c, uint8_t kind, int row, int col)
{
	struct rego_term *t = calloc_a(c, sizeof(*t));

	if (t != NULL) {
		t->kind = kind;
		t->row = row;
		t->col = col;
		if (kind == K_VAR)
			t->u.var.slot = -1;
	}
	return t;
}

static struct rego_term *
mk_var(struct cc *c, int id, int row, int col)
{
	struct rego_term *t = mk_term(c, K_VAR, row, col);

	if (t == NULL)
		return NULL;
	t->u.var.name = c->vars[id].name;
	t->u.var.slot = id;
	t->u.var.id = id;
	if (c->vars[id].gen || c->vars[id].name[0] == '$')
		t->vflags = VF_GEN;
	return t;
}

static struct rego_term *
mk_temp(struct cc *c, int scope, int row, int col)
{
	char buf[32];
	char *name;
	int id;

	snprintf(buf, sizeof(buf), "$t%d", c->ntemp++);
	if ((name = ra_strndup(c->a, buf, strlen(buf))) == NULL) {
		c->err = true;
		return NULL;
	}
	id = new_var(c, name, scope, true);
	return mk_var(c, id, row, col);
}

static struct rego_term *
mk_root(struct cc *c, int slot, int row, int col)
{
	struct rego_term *t = mk_term(c, K_VAR, row, col);

	if (t != NULL) {
		t->u.var.name = slot == SLOT_INPUT ? "input" : "data";
		t->u.var.slot = slot;
		t->u.var.id = -1;
	}
	return t;
}

static struct rego_term *
mk_value(struct cc *c, const rv *v, int row, int col)
{
	struct rego_term *t;

	if (v == NULL) {
		c->err = true;
		return NULL;
	}
	if ((t = mk_term(c, K_VALUE, row, col)) != NULL) {
		t->u.v = v;
		t->ground = 1;
	}
	return t;
}

static struct rego_term *
mk_ref(struct cc *c, struct rego_term **items, size_t n, int row, int col)
{
	struct rego_term *t = mk_term(c, K_REF, row, col);

	if (t == NULL)
		return NULL;
	if ((t->u.l.items = calloc_a(c, (n > 0 ? n : 1) *
	    sizeof(*items))) == NULL)
		return NULL;
	if (n > 0)
		memcpy(t->u.l.items, items, n * sizeof(*items));
	t->u.l.n = n;
	return t;
}

static struct rego_expr *
mk_expr(struct cc *c, uint8_t kind, int row, int col, size_t nterms)
{
	struct rego_expr *e = calloc_a(c, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->kind = kind;
	e->row = row;
	e->col = col;
	e->capture_slot = -1;
	if (nterms > 0 && (e->terms = calloc_a(c, nterms *
	    sizeof(*e->terms))) == NULL)
		return NULL;
	e->nterms = nterms;
	return e;
}

static struct rego_expr *
mk_unify(struct cc *c, struct rego_term *a, struct rego_term *b, int row,
    int col)
{
	struct rego_expr *e;

	if (a == NULL || b == NULL)
		return NULL;
	if ((e = mk_expr(c, E_UNIFY, row, col, 2)) == NULL)
		return NULL;
	e->terms[0] = a;
	e->terms[1] = b;
	return e;
}

/* ------------------------------------------------------------------ */
/* Globals: input, data, imports, rule names of the package.            */

static const struct rego_import *
find_import(const struct cc *c, const char *name)
{
	size_t i;
	const struct rego_import *im;
	const struct rego_term *last;

	if (c->mod == NULL)
		return NULL;
	for (i = 0; i < c->mod->nimports; i++) {
		im = c->mod->imports[i];
		if (im->alias != NULL) {
			if (strcmp(im->alias, name) == 0)
				return im;
			continue;
		}
		if (im->path->kind != K_REF || im->path->u.l.n < 2)
			continue;
		last = im->path->u.l.items[im->path->u.l.n - 1];
		if (last->kind == K_VALUE && last->u.v->t == RV_STR &&
		    strcmp(last->u.v->u.s, name) == 0)
			return im;
	}
	return NULL;
}

static bool
is_global(const struct cc *c, const char *name)
{
	if (strcmp(name, "input") == 0 || strcmp(name, "data") == 0)
		return true;
	if (find_import(c, name) != NULL)
		return true;
	return c->rulenames != NULL && ns_has(c->rulenames, name);
}

/* Items of the ref a global name stands for (head root var + parts). */
static bool
global_items(struct cc *c, const char *name, int row, int col,
    struct rego_term ***items, size_t *n)
{
	const struct rego_import *im;
	struct rego_term **v;
	size_t i, k;

	if (strcmp(name, "input") == 0 || strcmp(name, "data") == 0) {
		if ((v = calloc_a(c, sizeof(*v))) == NULL)
			return false;
		v[0] = mk_root(c, name[0] == 'i' ? SLOT_INPUT : SLOT_DATA,
		    row, col);
		*items = v;
		*n = 1;
		return v[0] != NULL;
	}
	if ((im = find_import(c, name)) != NULL) {
		const struct rego_term *p = im->path;
		const char *root = p->u.l.items[0]->u.var.name;

		if ((v = calloc_a(c, p->u.l.n * sizeof(*v))) == NULL)
			return false;
		v[0] = mk_root(c, root[0] == 'i' ? SLOT_INPUT : SLOT_DATA,
		    row, col);
		for (i = 1; i < p->u.l.n; i++)
			v[i] = p->u.l.items[i];
		*items = v;
		*n = p->u.l.n;
		return v[0] != NULL;
	}
	/* rule name: data.<pkg>.<name> */
	k = c->mod->npkg;
	if ((v = calloc_a(c, (k + 1) * sizeof(*v))) == NULL)
		return false;
	v[0] = mk_root(c, SLOT_DATA, row, col);
	for (i = 1; i < k; i++)
		v[i] = mk_value(c, c->mod->pkgpath[i], row, col);
	v[k] = mk_value(c, rv_cstr(c->a, name), row, col);
	*items = v;
	*n = k + 1;
	return true;
}

/* ------------------------------------------------------------------ */
/* Pass A: scopes, declarations and occurrences.                        */

static void collect_body(struct cc *c, struct rego_body *b, int scope);
static void collect_expr(struct cc *c, struct rego_expr *e, int S);
static const struct rego_bi_def *find_bi(const struct ccakit_rego_policy *p,
    const char *name);

/* A ref naming a built-in (`time.now_ns`). */
static bool
is_builtin_ref(const struct cc *c, const struct rego_term *t)
{
	char name[256];
	size_t i, len = 0, pl;

	for (i = 0; i < t->u.l.n; i++) {
		const struct rego_term *x = t->u.l.items[i];
		const char *part;

		if (i == 0)
			part = x->kind == K_VAR ? x->u.var.name : NULL;
		else
			part = x->kind == K_VALUE && x->u.v->t == RV_STR ?
			    x->u.v->u.s : NULL;
		if (part == NULL || (pl = strlen(part)) + len + 2 >
		    sizeof(name))
			return false;
		if (i > 0)
			name[len++] = '.';
		memcpy(name + len, part, pl);
		len += pl;
	}
	name[len] = '\0';
	return find_bi(c->pol, name) != NULL;
}

static void
collect_term(struct cc *c, const struct rego_term *t, int S, bool decl)
{
	size_t i;
	int cs;

	if (t == NULL)
		return;
	switch (t->kind) {
	case K_VAR:
		if (decl && !(t->vflags & VF_WILDCARD) &&
		    ns_has(&c->sc[S].decl, t->u.var.name))
			cerr(c, REGO_COMPILE_ERR, t->row, t->col,
			    "var %s assigned above", t->u.var.name);
		ns_addp(decl ? &c->sc[S].decl : &c->sc[S].occ,
		    t->u.var.name, c->pos++);
		break;
	case K_REF:
		for (i = 0; i < t->u.l.n; i++)
			collect_term(c, t->u.l.items[i], S, false);
		break;
	case K_ARRAY:
	case K_SET:
		for (i = 0; i < t->u.l.n; i++)
			collect_term(c, t->u.l.items[i], S, decl);
		break;
	case K_OBJECT:
		for (i = 0; i < t->u.o.n; i++) {
			collect_term(c, t->u.o.keys[i], S, false);
			collect_term(c, t->u.o.vals[i], S, decl);
		}
		break;
	case K_CALL:
		/* the operator is a function name, not a variable */
		for (i = 1; i < t->u.l.n; i++)
			collect_term(c, t->u.l.items[i], S, false);
		break;
	case K_ACOMP:
	case K_SCOMP:
	case K_OCOMP:
		cs = new_scope(c, S);
		t->u.c.body->scope = cs;
		/* the body first: its declarations are visible in the head */
		collect_body(c, t->u.c.body, cs);
		collect_term(c, t->u.c.key, cs, false);
		collect_term(c, t->u.c.head, cs, false);
		break;
	case K_TEMPLATE:
		for (i = 0; i < t->u.l.n; i++) {
			const struct rego_term *pt = t->u.l.items[i];
			struct rego_expr *e;

			if (pt->kind != K_TPLEXPR)
				continue;
			e = pt->u.e;
			cs = new_scope(c, S);
			e->scope = cs;
			collect_expr(c, e, cs);
		}
		break;
	default:
		break;
	}
}

static void
collect_expr(struct cc *c, struct rego_expr *e, int S)
{
	size_t i;
	int es;

	switch (e->kind) {
	case E_ASSIGN:
		collect_term(c, e->terms[0], S, true);
		collect_term(c, e->terms[1], S, false);
		break;
	case E_SOME:
		if (e->nterms == 1 && e->terms[0]->kind == K_CALL) {
			const struct rego_term *call = e->terms[0];
			size_t n = call->u.l.n;

			for (i = 1; i + 1 < n; i++)
				collect_term(c, call->u.l.items[i], S, true);
			collect_term(c, call->u.l.items[n - 1], S, false);
		} else {
			for (i = 0; i < e->nterms; i++)
				collect_term(c, e->terms[i], S, true);
		}
		break;
	case E_EVERY:
		collect_term(c, e->every.domain, S, false);
		es = new_scope(c, S);
		e->every.body->scope = es;
		if (e->every.key != NULL)
			collect_term(c, e->every.key, es, true);
		collect_term(c, e->every.value, es, true);
		collect_body(c, e->every.body, es);
		break;
	default:
		for (i = e->kind == E_CALL ? 1 : 0; i < e->nterms; i++)
			collect_term(c, e->terms[i], S, false);
		break;
	}
	for (i = 0; i < e->nwith; i++) {
		const struct rego_term *v = e->with[i]->value;
		const struct rego_term *h = v->kind == K_REF ?
		    v->u.l.items[0] : v;

		/* `with f as count`: a function name, not a variable */
		if (h->kind == K_VAR && (v->kind == K_VAR ||
		    v->u.l.items[0]->kind == K_VAR) && (v->kind == K_VAR ?
		    rego_bi_lookup(h->u.var.name) != NULL ||
		    find_bi(c->pol, h->u.var.name) != NULL :
		    is_builtin_ref(c, v)))
			continue;
		collect_term(c, v, S, false);
	}
}

static void
collect_body(struct cc *c, struct rego_body *b, int scope)
{
	size_t i;

	if (b == NULL)
		return;
	b->scope = scope;
	for (i = 0; i < b->n; i++)
		collect_expr(c, b->e[i], scope);
}

/*
 * Resolution: the variable id a name stands for in scope S, or -1 for a
 * global name. A name declared with `:=` in an enclosing scope is
 * visible in a nested scope only when declared before it.
 */
static int
resolve_up(struct cc *c, const char *name, int A, int from)
{
	int r, dp = ns_pos(&c->sc[A].decl, name);

	if (dp >= 0 && dp < from)
		return find_var(c, name, A);
	if (c->sc[A].parent >= 0 &&
	    (r = resolve_up(c, name, c->sc[A].parent, c->sc[A].entry)) >= 0)
		return r;
	if (dp < 0 && ns_has(&c->sc[A].occ, name) && !is_global(c, name))
		return find_var(c, name, A);
	return -1;
}

static int
resolve_name(struct cc *c, const char *name, int S)
{
	int r;

	if (ns_has(&c->sc[S].decl, name))
		return find_var(c, name, S);
	if (c->sc[S].parent >= 0 &&
	    (r = resolve_up(c, name, c->sc[S].parent, c->sc[S].entry)) >= 0)
		return r;
	if (is_global(c, name)) {
		/* a global shadowed by a later declaration is still the
		 * global here */
		return -1;
	}
	return find_var(c, name, S);
}

/* Does `name` denote a local variable in scope S (without creating
 * one)? */
static bool
is_local_name(const struct cc *c, const char *name, int S)
{
	int A;

	if (is_global(c, name))
		for (A = S; A >= 0; A = c->sc[A].parent)
			if (ns_has(&c->sc[A].decl, name))
				return true;
	if (is_global(c, name))
		return false;
	for (A = S; A >= 0; A = c->sc[A].parent)
		if (ns_has(&c->sc[A].decl, name) ||
		    ns_has(&c->sc[A].occ, name))
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* Callees.                                                             */

struct rego_dnode *
rego_dn_child(const struct rego_dnode *n, const rv *key)
{
	size_t lo = 0, hi, mid;
	int cmp;

	if (n == NULL)
		return NULL;
	hi = n->nkids;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		cmp = rv_cmp(n->kids[mid]->key, key);
		if (cmp == 0)
			return n->kids[mid];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const struct rego_bi_def *
find_bi(const struct ccakit_rego_policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->ncustom; i++)
		if (strcmp(p->custom_defs[i].name, name) == 0)
			return &p->custom_defs[i];
	return rego_bi_lookup(name);
}

static const struct rego_callee *
bi_callee(struct cc *c, const struct rego_bi_def *bi)
{
	struct rego_callee *ce = calloc_a(c, sizeof(*ce));

	if (ce == NULL)
		return NULL;
	ce->kind = CALLEE_BI;
	ce->arity = bi->arity;
	ce->name = bi->name;
	ce->bi = bi;
	return ce;
}

/*
 * Resolve a call operator (var or ref of var + string parts) to a
 * built-in or a user function. quiet: no diagnostics (returns NULL).
 */
static const struct rego_callee *
resolve_callee(struct cc *c, const struct rego_term *op, int S, bool quiet)
{
	const struct rego_term *const *items;
	struct rego_term **gi;
	size_t n, gn, i, len = 0;
	const char *head;
	char name[256];
	const struct rego_bi_def *bi;
	struct rego_dnode *node;
	bool datapath;

	(void)S;
	if (op->kind == K_VAR) {
		items = &op;
		n = 1;
	} else if (op->kind == K_REF) {
		items = (const struct rego_term *const *)op->u.l.items;
		n = op->u.l.n;
	} else {
		if (!quiet)
			cerr(c, REGO_TYPE_ERR, op->row, op->col,
			    "illegal call");
		return NULL;
	}
	if (items[0]->kind != K_VAR) {
		if (!quiet)
			cerr(c, REGO_TYPE_ERR, op->row, op->col,
			    "illegal call");
		return NULL;
	}
	for (i = 1; i < n; i++)
		if (items[i]->kind != K_VALUE || items[i]->u.v->t != RV_STR) {
			if (!quiet)
				cerr(c, REGO_TYPE_ERR, op->row, op->col,
				    "illegal call (dynamic function name)");
			return NULL;
		}
	head = items[0]->u.var.name;
	if (items[0]->u.var.slot == SLOT_DATA)
		head = "data";
	else if (items[0]->u.var.slot == SLOT_INPUT)
		head = "input";
	datapath = strcmp(head, "data") == 0;
	if (!datapath && c->mod != NULL) {
		const struct rego_import *im = find_import(c, head);

		if (im != NULL)
			datapath = strcmp(im->path->u.l.items[0]->u.var.name,
			    "data") == 0;
		else if (c->rulenames != NULL && ns_has(c->rulenames, head))
			datapath = true;
	}
	if (datapath) {
		if (!global_items(c, head, op->row, op->col, &gi, &gn))
			return NULL;
		node = c->pol->root;
		for (i = 1; i < gn && node != NULL; i++)
			node = rego_dn_child(node, gi[i]->u.v);
		for (i = 1; i < n && node != NULL; i++)
			node = rego_dn_child(node, items[i]->u.v);
		if (node != NULL && (node->nfuncs > 0 ||
		    node->deflt_func != NULL))
			return &node->callee;
		if (strcmp(head, "data") == 0 || node != NULL) {
			if (!quiet) {
				struct rego_buf b;

				rb_init(&b, 4096);
				rb_puts(&b, "data");
				for (i = 1; i < gn; i++) {
					rb_putc(&b, '.');
					rb_puts(&b, gi[i]->u.v->u.s);
				}
				for (i = 1; i < n; i++) {
					rb_putc(&b, '.');
					rb_puts(&b, items[i]->u.v->u.s);
				}
				cerr(c, REGO_TYPE_ERR, op->row, op->col,
				    "undefined function %s", rb_str(&b));
				rb_free(&b);
			}
			return NULL;
		}
	}
	/* built-in name */
	for (i = 0; i < n; i++) {
		const char *part = i == 0 ? head : items[i]->u.v->u.s;
		size_t pl = strlen(part);

		if (len + pl + 2 > sizeof(name)) {
			if (!quiet)
				cerr(c, REGO_TYPE_ERR, op->row, op->col,
				    "function name too long");
			return NULL;
		}
		if (i > 0)
			name[len++] = '.';
		memcpy(name + len, part, pl);
		len += pl;
	}
	name[len] = '\0';
	if ((bi = find_bi(c->pol, name)) != NULL)
		return bi_callee(c, bi);
	if (!quiet)
		cerr(c, REGO_TYPE_ERR, op->row, op->col,
		    "undefined function %s", name);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Pass B: flattening.                                                  */

static struct rego_term *fl_term(struct cc *c, const struct rego_term *t,
    int S, struct elist *pre, bool top);
static struct rego_body *fl_body(struct cc *c, const struct rego_body *b,
    int S);
static void fl_expr(struct cc *c, const struct rego_expr *e, int S,
    struct elist *out, bool capture, int *capslot);

static struct rego_term *
hoist(struct cc *c, struct rego_term *t, int S, struct elist *pre)
{
	struct rego_term *tmp;

	if (t == NULL)
		return NULL;
	if ((tmp = mk_temp(c, S, t->row, t->col)) == NULL)
		return NULL;
	el_push(c, pre, mk_unify(c, tmp, t, t->row, t->col));
	return mk_var(c, tmp->u.var.id, t->row, t->col);
}

/* A constant value for a ground composite term, else NULL. */
static const rv *
fold(struct cc *c, const struct rego_term *t)
{
	const rv **k, **v;
	size_t i, n;

	switch (t->kind) {
	case K_VALUE:
		return t->u.v;
	case K_ARRAY:
	case K_SET:
		n = t->u.l.n;
		for (i = 0; i < n; i++)
			if (t->u.l.items[i]->kind != K_VALUE)
				return NULL;
		if ((k = ra_alloc(c->a, (n + 1) * sizeof(*k))) == NULL)
			return NULL;
		for (i = 0; i < n; i++)
			k[i] = t->u.l.items[i]->u.v;
		return t->kind == K_ARRAY ? rv_arr(c->a, k, n) :
		    rv_set(c->a, k, n);
	case K_OBJECT:
		n = t->u.o.n;
		for (i = 0; i < n; i++)
			if (t->u.o.keys[i]->kind != K_VALUE ||
			    t->u.o.vals[i]->kind != K_VALUE)
				return NULL;
		if ((k = ra_alloc(c->a, 2 * (n + 1) * sizeof(*k))) == NULL)
			return NULL;
		v = k + n + 1;
		for (i = 0; i < n; i++) {
			k[i] = t->u.o.keys[i]->u.v;
			v[i] = t->u.o.vals[i]->u.v;
		}
		return rv_obj(c->a, k, v, n, NULL);
	default:
		return NULL;
	}
}

/* Emit a call; returns the output term (a new temp unless `out`). */
static struct rego_term *
fl_call(struct cc *c, const struct rego_term *call, int S, struct elist *pre,
    struct rego_term *out, bool want_out)
{
	const struct rego_callee *ce;
	const struct rego_term *op = call->u.l.items[0];
	size_t nargs = call->u.l.n - 1, i, arity;
	struct rego_expr *e;
	struct rego_term *explicit_out = NULL;

	if ((ce = resolve_callee(c, op, S, false)) == NULL)
		return NULL;
	arity = ce->arity;
	if (nargs == arity + 1) {
		if (out != NULL) {
			cerr(c, REGO_TYPE_ERR, call->row, call->col,
			    "%s: too many arguments", ce->name);
			return NULL;
		}
		explicit_out = call->u.l.items[nargs];
		nargs = arity;
	} else if (nargs != arity) {
		cerr(c, REGO_TYPE_ERR, call->row, call->col,
		    "%s: arity mismatch: have %zu arguments, want %zu",
		    ce->name, nargs, arity);
		return NULL;
	}
	if ((e = mk_expr(c, E_CALL, call->row, call->col, arity + 2)) == NULL)
		return NULL;
	e->terms[0] = mk_term(c, K_VAR, op->row, op->col);
	if (e->terms[0] == NULL)
		return NULL;
	e->terms[0]->u.var.name = ce->name;
	e->callee = ce;
	e->nargs = (uint8_t)arity;
	for (i = 0; i < arity; i++)
		if ((e->terms[i + 1] = fl_term(c, call->u.l.items[i + 1], S,
		    pre, false)) == NULL)
			return NULL;
	if (explicit_out != NULL)
		out = fl_term(c, explicit_out, S, pre, true);
	if (out == NULL && want_out)
		out = mk_temp(c, S, call->row, call->col);
	if (out != NULL) {
		e->terms[arity + 1] = out;
		e->has_out = 1;
		e->nterms = arity + 2;
	} else {
		e->nterms = arity + 1;
	}
	el_push(c, pre, e);
	if (out != NULL && out->kind == K_VAR)
		return mk_var(c, out->u.var.id, out->row, out->col);
	return out;
}

static struct rego_term *
fl_ref(struct cc *c, const struct rego_term *t, int S, struct elist *pre)
{
	struct rego_term **items = NULL, **gi, *h;
	size_t n = 0, gn, i, cap;
	const struct rego_term *head = t->u.l.items[0];
	int id;

	cap = t->u.l.n + 16;
	if ((items = calloc_a(c, cap * sizeof(*items))) == NULL)
		return NULL;
	if (head->kind == K_VAR) {
		if (head->u.var.slot == SLOT_INPUT ||
		    head->u.var.slot == SLOT_DATA) {
			items[n++] = mk_root(c, head->u.var.slot, head->row,
			    head->col);
		} else if ((id = resolve_name(c, head->u.var.name, S)) >= 0) {
			items[n++] = mk_var(c, id, head->row, head->col);
		} else {
			if (!global_items(c, head->u.var.name, head->row,
			    head->col, &gi, &gn))
				return NULL;
			if (gn + t->u.l.n > cap) {
				struct rego_term **ni;

				cap = gn + t->u.l.n;
				if ((ni = calloc_a(c, cap * sizeof(*ni))) ==
				    NULL)
					return NULL;
				items = ni;
			}
			for (i = 0; i < gn; i++)
				items[n++] = gi[i];
		}
	} else if (head->kind == K_CALL) {
		if ((h = fl_call(c, head, S, pre, NULL, true)) == NULL)
			return NULL;
		items[n++] = h;
	} else {
		if ((h = fl_term(c, head, S, pre, false)) == NULL)
			return NULL;
		items[n++] = h;
	}
	for (i = 1; i < t->u.l.n; i++) {
		const struct rego_term *p = t->u.l.items[i];
		struct rego_term *fp;

		if (p->kind == K_VAR) {
			/* a var in a ref is a local (or a global ref) */
			fp = fl_term(c, p, S, pre, false);
		} else {
			fp = fl_term(c, p, S, pre, false);
		}
		if (fp == NULL)
			return NULL;
		items[n++] = fp;
	}
	return mk_ref(c, items, n, t->row, t->col);
}

static struct rego_term *
fl_comp(struct cc *c, const struct rego_term *t)
{
	struct rego_term *r = mk_term(c, t->kind, t->row, t->col);
	int cs = t->u.c.body->scope;
	struct elist body = { 0 };
	struct rego_body *fb;
	size_t i;

	if (r == NULL)
		return NULL;
	if ((fb = fl_body(c, t->u.c.body, cs)) == NULL)
		return NULL;
	for (i = 0; i < fb->n; i++)
		el_push(c, &body, fb->e[i]);
	if (t->u.c.key != NULL &&
	    (r->u.c.key = fl_term(c, t->u.c.key, cs, &body, false)) == NULL)
		return NULL;
	if ((r->u.c.head = fl_term(c, t->u.c.head, cs, &body, false)) == NULL)
		return NULL;
	if ((r->u.c.body = el_body(c, &body, cs)) == NULL)
		return NULL;
	return r;
}

static struct rego_term *
fl_template(struct cc *c, const struct rego_term *t, int S, struct elist *pre)
{
	struct rego_term *arr, *call, *comp, *vt;
	const struct rego_bi_def *bi;
	struct rego_expr *e;
	size_t i;

	if ((arr = mk_term(c, K_ARRAY, t->row, t->col)) == NULL)
		return NULL;
	if ((arr->u.l.items = calloc_a(c, (t->u.l.n + 1) *
	    sizeof(*arr->u.l.items))) == NULL)
		return NULL;
	arr->u.l.n = t->u.l.n;
	for (i = 0; i < t->u.l.n; i++) {
		const struct rego_term *pt = t->u.l.items[i];
		struct elist body = { 0 };
		int capslot = -1, cs;

		if (pt->kind != K_TPLEXPR) {
			arr->u.l.items[i] = mk_value(c, pt->u.v, pt->row,
			    pt->col);
			continue;
		}
		cs = pt->u.e->scope;
		fl_expr(c, pt->u.e, cs, &body, true, &capslot);
		if (c->err)
			return NULL;
		if ((comp = mk_term(c, K_SCOMP, pt->row, pt->col)) == NULL)
			return NULL;
		if (capslot < 0) {
			/* a condition: its value is true when it holds */
			vt = mk_value(c, RV_TRUE, pt->row, pt->col);
		} else {
			vt = mk_var(c, capslot, pt->row, pt->col);
		}
		comp->u.c.head = vt;
		if ((comp->u.c.body = el_body(c, &body, cs)) == NULL)
			return NULL;
		arr->u.l.items[i] = comp;
	}
	if ((bi = rego_bi_lookup("internal.template_string")) == NULL) {
		cerr(c, REGO_COMPILE_ERR, t->row, t->col,
		    "template strings are not supported");
		return NULL;
	}
	if ((e = mk_expr(c, E_CALL, t->row, t->col, 3)) == NULL)
		return NULL;
	if ((e->terms[0] = mk_term(c, K_VAR, t->row, t->col)) == NULL)
		return NULL;
	e->terms[0]->u.var.name = bi->name;
	e->callee = bi_callee(c, bi);
	e->nargs = 1;
	e->terms[1] = arr;
	if ((call = mk_temp(c, S, t->row, t->col)) == NULL)
		return NULL;
	e->terms[2] = call;
	e->has_out = 1;
	el_push(c, pre, e);
	return mk_var(c, call->u.var.id, t->row, t->col);
}

static struct rego_term *
fl_term(struct cc *c, const struct rego_term *t, int S, struct elist *pre,
    bool top)
{
	struct rego_term *r;
	const rv *folded;
	size_t i;
	int id;

	if (t == NULL || c->err)
		return NULL;
	switch (t->kind) {
	case K_VALUE:
		return mk_value(c, t->u.v, t->row, t->col);
	case K_VAR:
		if (t->u.var.slot == SLOT_INPUT || t->u.var.slot == SLOT_DATA)
			r = mk_root(c, t->u.var.slot, t->row, t->col);
		else if ((id = resolve_name(c, t->u.var.name, S)) >= 0)
			return mk_var(c, id, t->row, t->col);
		else {
			struct rego_term **gi;
			size_t gn;

			if (!global_items(c, t->u.var.name, t->row, t->col,
			    &gi, &gn))
				return NULL;
			r = mk_ref(c, gi, gn, t->row, t->col);
		}
		if (r != NULL && r->kind == K_VAR) {
			struct rego_term *one[1] = { r };

			r = mk_ref(c, one, 1, t->row, t->col);
		}
		return top ? r : hoist(c, r, S, pre);
	case K_REF:
		if ((r = fl_ref(c, t, S, pre)) == NULL)
			return NULL;
		return top ? r : hoist(c, r, S, pre);
	case K_CALL:
		return fl_call(c, t, S, pre, NULL, true);
	case K_ARRAY:
	case K_SET:
		if ((r = mk_term(c, t->kind, t->row, t->col)) == NULL)
			return NULL;
		if ((r->u.l.items = calloc_a(c, (t->u.l.n + 1) *
		    sizeof(*r->u.l.items))) == NULL)
			return NULL;
		r->u.l.n = t->u.l.n;
		for (i = 0; i < t->u.l.n; i++)
			if ((r->u.l.items[i] = fl_term(c, t->u.l.items[i], S,
			    pre, false)) == NULL)
				return NULL;
		if ((folded = fold(c, r)) != NULL)
			return mk_value(c, folded, t->row, t->col);
		return r;
	case K_OBJECT:
		if ((r = mk_term(c, K_OBJECT, t->row, t->col)) == NULL)
			return NULL;
		if ((r->u.o.keys = calloc_a(c, (t->u.o.n + 1) *
		    sizeof(*r->u.o.keys))) == NULL ||
		    (r->u.o.vals = calloc_a(c, (t->u.o.n + 1) *
		    sizeof(*r->u.o.vals))) == NULL)
			return NULL;
		r->u.o.n = t->u.o.n;
		for (i = 0; i < t->u.o.n; i++) {
			if ((r->u.o.keys[i] = fl_term(c, t->u.o.keys[i], S,
			    pre, false)) == NULL ||
			    (r->u.o.vals[i] = fl_term(c, t->u.o.vals[i], S,
			    pre, false)) == NULL)
				return NULL;
		}
		if ((folded = fold(c, r)) != NULL)
			return mk_value(c, folded, t->row, t->col);
		return r;
	case K_ACOMP:
	case K_SCOMP:
	case K_OCOMP:
		return fl_comp(c, t);
	case K_TEMPLATE:
		return fl_template(c, t, S, pre);
	default:
		cerr(c, REGO_COMPILE_ERR, t->row, t->col, "unexpected term");
		return NULL;
	}
}

static bool
is_call_term(const struct rego_term *t)
{
	return t != NULL && t->kind == K_CALL;
}

/* `with` target/value. */
static struct rego_with *
fl_with(struct cc *c, const struct rego_with *w, int S, struct elist *pre)
{
	struct rego_with *nw = calloc_a(c, sizeof(*nw));
	const struct rego_term *tg = w->target;
	struct rego_term *ref;
	const struct rego_callee *fn;
	size_t i;
	bool root_data;

	if (nw == NULL)
		return NULL;
	nw->row = w->row;
	nw->col = w->col;
	/* target: input..., data..., or a function */
	if ((tg->kind == K_VAR && !is_global(c, tg->u.var.name)) ||
	    (tg->kind == K_REF && tg->u.l.items[0]->kind == K_VAR &&
	    tg->u.l.items[0]->u.var.slot == -1 &&
	    !is_global(c, tg->u.l.items[0]->u.var.name))) {
		if ((fn = resolve_callee(c, tg, -1, false)) == NULL)
			return NULL;
		nw->kind = W_FUNC;
		nw->fn = fn;
	} else {
		struct elist tmp = { 0 };

		if ((ref = fl_term(c, tg, S, &tmp, true)) == NULL)
			return NULL;
		if (ref->kind != K_REF || tmp.n > 0 ||
		    ref->u.l.items[0]->kind != K_VAR ||
		    (ref->u.l.items[0]->u.var.slot != SLOT_INPUT &&
		    ref->u.l.items[0]->u.var.slot != SLOT_DATA)) {
			cerr(c, REGO_TYPE_ERR, w->row, w->col, "with keyword "
			    "target must reference existing input, data, or "
			    "a function");
			return NULL;
		}
		root_data = ref->u.l.items[0]->u.var.slot == SLOT_DATA;
		for (i = 1; i < ref->u.l.n; i++)
			if (ref->u.l.items[i]->kind != K_VALUE) {
				cerr(c, REGO_TYPE_ERR, w->row, w->col,
				    "with keyword target must be a constant "
				    "path");
				return NULL;
			}
		nw->kind = root_data ? W_DATA : W_INPUT;
		nw->npath = ref->u.l.n - 1;
		if ((nw->path = calloc_a(c, (nw->npath + 1) *
		    sizeof(*nw->path))) == NULL)
			return NULL;
		for (i = 0; i < nw->npath; i++)
			nw->path[i] = ref->u.l.items[i + 1]->u.v;
		if (root_data) {
			/* a function path? */
			struct rego_dnode *node = c->pol->root;

			for (i = 0; i < nw->npath && node != NULL; i++)
				node = rego_dn_child(node, nw->path[i]);
			if (node != NULL && (node->nfuncs > 0 ||
			    node->deflt_func != NULL)) {
				nw->kind = W_FUNC;
				nw->fn = &node->callee;
			}
		}
	}
	/* value: a function reference (for functions), else a term */
	if (nw->kind == W_FUNC && (w->value->kind == K_VAR ||
	    w->value->kind == K_REF)) {
		bool local = w->value->kind == K_VAR &&
		    is_local_name(c, w->value->u.var.name, S);

		c->dry++;
		fn = local ? NULL : resolve_callee(c, w->value, S, true);
		c->dry--;
		c->err = false;
		if (fn != NULL) {
			nw->repl = fn;
			nw->target = mk_value(c, RV_NULLV, w->row, w->col);
			nw->value = NULL;
			return nw;
		}
	}
	nw->target = mk_value(c, RV_NULLV, w->row, w->col);
	if ((nw->value = fl_term(c, w->value, S, pre, false)) == NULL)
		return NULL;
	return nw;
}

static void
fl_core(struct cc *c, const struct rego_expr *e, int S, struct elist *out,
    bool capture, int *capslot)
{
	struct rego_term *a, *b, *t;
	struct rego_expr *ne;
	int row = e->row, col = e->col;

	switch (e->kind) {
	case E_TERM:
		t = e->terms[0];
		if (is_call_term(t)) {
			if ((a = fl_call(c, t, S, out, NULL, capture)) ==
			    NULL && c->err)
				return;
			if (capture && a != NULL && a->kind == K_VAR)
				*capslot = a->u.var.id;
			return;
		}
		if ((a = fl_term(c, t, S, out, true)) == NULL)
			return;
		if (capture) {
			if ((b = mk_temp(c, S, row, col)) == NULL)
				return;
			*capslot = b->u.var.id;
			el_push(c, out, mk_unify(c, b, a, row, col));
			return;
		}
		if ((ne = mk_expr(c, E_TERM, row, col, 1)) == NULL)
			return;
		ne->terms[0] = a;
		el_push(c, out, ne);
		return;
	case E_CALL: {
		struct rego_term call;

		memset(&call, 0, sizeof(call));
		call.kind = K_CALL;
		call.row = row;
		call.col = col;
		call.u.l.items = e->terms;
		call.u.l.n = e->nterms;
		if ((a = fl_call(c, &call, S, out, NULL, capture)) == NULL &&
		    c->err)
			return;
		if (capture && a != NULL && a->kind == K_VAR)
			*capslot = a->u.var.id;
		return;
	}
	case E_UNIFY:
	case E_ASSIGN:
		if (e->kind == E_ASSIGN && e->terms[0]->kind != K_VAR &&
		    e->terms[0]->kind != K_ARRAY &&
		    e->terms[0]->kind != K_OBJECT) {
			cerr(c, REGO_COMPILE_ERR, row, col, "cannot assign to "
			    "%s", e->terms[0]->kind == K_REF ? "ref" :
			    "term");
			return;
		}
		if (is_call_term(e->terms[1]) && !is_call_term(e->terms[0])) {
			if ((a = fl_term(c, e->terms[0], S, out, true)) == NULL)
				return;
			(void)fl_call(c, e->terms[1], S, out, a, true);
			return;
		}
		if (is_call_term(e->terms[0])) {
			if ((b = fl_term(c, e->terms[1], S, out, true)) == NULL)
				return;
			(void)fl_call(c, e->terms[0], S, out, b, true);
			return;
		}
		if ((a = fl_term(c, e->terms[0], S, out, true)) == NULL ||
		    (b = fl_term(c, e->terms[1], S, out, true)) == NULL)
			return;
		el_push(c, out, mk_unify(c, a, b, row, col));
		return;
	case E_SOME: {
		const struct rego_term *call;
		struct rego_term *dom, *key, *val, *ref;
		size_t n;

		if (!(e->nterms == 1 && e->terms[0]->kind == K_CALL))
			return;  /* declaration only */
		call = e->terms[0];
		n = call->u.l.n;
		if ((dom = fl_term(c, call->u.l.items[n - 1], S, out, true)) ==
		    NULL)
			return;
		if (n == 4) {
			key = fl_term(c, call->u.l.items[1], S, out, false);
			val = fl_term(c, call->u.l.items[2], S, out, true);
		} else {
			key = mk_temp(c, S, row, col);
			val = fl_term(c, call->u.l.items[1], S, out, true);
		}
		if (key == NULL || val == NULL)
			return;
		if (dom->kind == K_REF) {
			struct rego_term **items = calloc_a(c, (dom->u.l.n +
			    1) * sizeof(*items));

			if (items == NULL)
				return;
			memcpy(items, dom->u.l.items, dom->u.l.n *
			    sizeof(*items));
			items[dom->u.l.n] = key;
			ref = mk_ref(c, items, dom->u.l.n + 1, row, col);
		} else {
			struct rego_term *items[2];

			if (dom->kind != K_VAR && dom->kind != K_VALUE &&
			    (dom = hoist(c, dom, S, out)) == NULL)
				return;
			items[0] = dom;
			items[1] = key;
			ref = mk_ref(c, items, 2, row, col);
		}
		el_push(c, out, mk_unify(c, val, ref, row, col));
		return;
	}
	case E_EVERY: {
		int es = e->every.body->scope;
		struct rego_term *dom;
		int kid, vid;

		if ((dom = fl_term(c, e->every.domain, S, out, false)) == NULL)
			return;
		if ((ne = mk_expr(c, E_EVERY, row, col, 0)) == NULL)
			return;
		ne->every.domain = dom;
		if (e->every.key != NULL) {
			kid = resolve_name(c, e->every.key->u.var.name, es);
			ne->every.key = mk_var(c, kid, row, col);
		}
		vid = resolve_name(c, e->every.value->u.var.name, es);
		ne->every.value = mk_var(c, vid, row, col);
		if ((ne->every.body = fl_body(c, e->every.body, es)) == NULL)
			return;
		el_push(c, out, ne);
		return;
	}
	default:
		cerr(c, REGO_COMPILE_ERR, row, col, "unexpected expression");
		return;
	}
}

static void
fl_expr(struct cc *c, const struct rego_expr *e, int S, struct elist *out,
    bool capture, int *capslot)
{
	struct elist inner = { 0 };
	struct rego_expr *ne;
	size_t i;

	if (e->nwith > 0) {
		struct rego_with **ws = calloc_a(c, e->nwith * sizeof(*ws));

		if (ws == NULL)
			return;
		for (i = 0; i < e->nwith; i++)
			if ((ws[i] = fl_with(c, e->with[i], S, out)) == NULL)
				return;
		if (e->negated) {
			struct elist neg = { 0 };

			fl_core(c, e, S, &neg, false, capslot);
			if ((ne = mk_expr(c, E_NOT, e->row, e->col, 0)) ==
			    NULL)
				return;
			ne->sub = el_body(c, &neg, S);
			el_push(c, &inner, ne);
		} else {
			fl_core(c, e, S, &inner, capture, capslot);
		}
		if ((ne = mk_expr(c, E_WITH, e->row, e->col, 0)) == NULL)
			return;
		ne->with = ws;
		ne->nwith = e->nwith;
		ne->sub = el_body(c, &inner, S);
		ne->text = e->text;
		el_push(c, out, ne);
		return;
	}
	if (e->negated) {
		fl_core(c, e, S, &inner, false, capslot);
		if ((ne = mk_expr(c, E_NOT, e->row, e->col, 0)) == NULL)
			return;
		ne->sub = el_body(c, &inner, S);
		ne->text = e->text;
		el_push(c, out, ne);
		return;
	}
	fl_core(c, e, S, out, capture, capslot);
}

static struct rego_body *
fl_body(struct cc *c, const struct rego_body *b, int S)
{
	struct elist out = { 0 };
	size_t i;

	for (i = 0; i < b->n && !c->err; i++)
		fl_expr(c, b->e[i], S, &out, false, NULL);
	if (c->err)
		return NULL;
	return el_body(c, &out, S);
}

/* ------------------------------------------------------------------ */
/* Safety: reorder bodies so that every expression's inputs are bound.  */

struct vset {
	uint64_t *w;
	int nw;
};

static bool
vs_init(struct cc *c, struct vset *s)
{
	s->nw = (c->nvars + 63) / 64 + 1;
	s->w = calloc((size_t)s->nw, sizeof(*s->w));
	return s->w != NULL;
}

static void
vs_free(struct vset *s)
{
	free(s->w);
	s->w = NULL;
}

static bool
vs_has(const struct vset *s, int id)
{
	return id >= 0 && id / 64 < s->nw &&
	    (s->w[id / 64] >> (id % 64)) & 1u;
}

static void
vs_add(struct vset *s, int id)
{
	if (id >= 0 && id / 64 < s->nw)
		s->w[id / 64] |= (uint64_t)1 << (id % 64);
}

static void
vs_copy(struct vset *d, const struct vset *s)
{
	memcpy(d->w, s->w, (size_t)s->nw * sizeof(*s->w));
}

/* Is var `id` visible at the level analysed (scope depth < limit)?
 * Bodies at depth D are analysed with limit D + 1: the locals of nested
 * comprehensions and `every` bodies are left out, their closure
 * variables are kept. */
static bool
var_visible(const struct cc *c, int id, int limit)
{
	return c->sc[c->vars[id].scope].depth < limit;
}

static void vars_body(const struct cc *c, const struct rego_body *b,
    int mindepth, struct vset *s, bool user_only);

/* Variables of a term; vars of nested scopes deeper than `mindepth`
 * (their locals) are left out. */
static void
vars_term(const struct cc *c, const struct rego_term *t, int mindepth,
    struct vset *s, bool user_only)
{
	size_t i;

	if (t == NULL)
		return;
	switch (t->kind) {
	case K_VAR:
		if (t->u.var.slot < 0)
			return;
		if (!var_visible(c, t->u.var.id, mindepth))
			return;
		if (user_only && (t->vflags & VF_GEN))
			return;
		vs_add(s, t->u.var.id);
		return;
	case K_REF:
	case K_ARRAY:
	case K_SET:
		for (i = 0; i < t->u.l.n; i++)
			vars_term(c, t->u.l.items[i], mindepth, s, user_only);
		return;
	case K_OBJECT:
		for (i = 0; i < t->u.o.n; i++) {
			vars_term(c, t->u.o.keys[i], mindepth, s, user_only);
			vars_term(c, t->u.o.vals[i], mindepth, s, user_only);
		}
		return;
	case K_ACOMP:
	case K_SCOMP:
	case K_OCOMP:
		vars_term(c, t->u.c.key, mindepth, s, user_only);
		vars_term(c, t->u.c.head, mindepth, s, user_only);
		vars_body(c, t->u.c.body, mindepth, s, user_only);
		return;
	default:
		return;
	}
}

static void
vars_expr(const struct cc *c, const struct rego_expr *e, int mindepth,
    struct vset *s, bool user_only)
{
	size_t i;

	for (i = 0; i < e->nterms; i++)
		if (i > 0 || e->kind != E_CALL)
			vars_term(c, e->terms[i], mindepth, s, user_only);
	for (i = 0; i < e->nwith; i++)
		vars_term(c, e->with[i]->value, mindepth, s, user_only);
	if (e->sub != NULL)
		vars_body(c, e->sub, mindepth, s, user_only);
	if (e->kind == E_EVERY) {
		vars_term(c, e->every.domain, mindepth, s, user_only);
		vars_body(c, e->every.body, mindepth, s, user_only);
	}
}

static void
vars_body(const struct cc *c, const struct rego_body *b, int mindepth,
    struct vset *s, bool user_only)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++)
		vars_expr(c, b->e[i], mindepth, s, user_only);
}

static bool
vs_subset(const struct vset *a, const struct vset *b)
{
	int i;

	for (i = 0; i < a->nw; i++)
		if ((a->w[i] & ~b->w[i]) != 0)
			return false;
	return true;
}

/* A term is "known" when all of its variables are bound. */
static bool
term_known(const struct cc *c, const struct rego_term *t, int depth,
    const struct vset *bound)
{
	struct vset s;
	bool ok;

	s.nw = bound->nw;
	if ((s.w = calloc((size_t)s.nw, sizeof(*s.w))) == NULL)
		return false;
	vars_term(c, t, depth, &s, false);
	ok = vs_subset(&s, bound);
	free(s.w);
	return ok;
}

/* A ref can be evaluated when its head is bound; its part variables
 * are then outputs. */
static bool
ref_evaluable(const struct rego_term *t, const struct vset *bound)
{
	const struct rego_term *h = t->u.l.items[0];

	if (h->kind == K_VAR)
		return h->u.var.slot < 0 || vs_has(bound, h->u.var.id);
	return true;
}

static void
add_vars(const struct cc *c, const struct rego_term *t, int depth,
    struct vset *out)
{
	vars_term(c, t, depth, out, false);
}

/* Unification outputs (iterated to a fixpoint by the caller). */
static void
unify_out(const struct cc *c, const struct rego_term *a,
    const struct rego_term *b, int depth, const struct vset *B,
    struct vset *out)
{
	size_t i;
	bool ak, bk;

	if (a->kind == K_REF && ref_evaluable(a, B)) {
		for (i = 1; i < a->u.l.n; i++)
			add_vars(c, a->u.l.items[i], depth, out);
	}
	if (b->kind == K_REF && ref_evaluable(b, B)) {
		for (i = 1; i < b->u.l.n; i++)
			add_vars(c, b->u.l.items[i], depth, out);
	}
	ak = a->kind == K_REF ? ref_evaluable(a, B) : term_known(c, a, depth,
	    B);
	bk = b->kind == K_REF ? ref_evaluable(b, B) : term_known(c, b, depth,
	    B);
	if (ak && b->kind != K_REF)
		add_vars(c, b, depth, out);
	if (bk && a->kind != K_REF)
		add_vars(c, a, depth, out);
	if (a->kind == b->kind && (a->kind == K_ARRAY) &&
	    a->u.l.n == b->u.l.n) {
		for (i = 0; i < a->u.l.n; i++)
			unify_out(c, a->u.l.items[i], b->u.l.items[i], depth, B,
			    out);
	}
	if (a->kind == K_OBJECT && b->kind == K_OBJECT &&
	    a->u.o.n == b->u.o.n) {
		for (i = 0; i < a->u.o.n; i++)
			unify_out(c, a->u.o.vals[i], b->u.o.vals[i], depth, B,
			    out);
	}
}

static bool reorder_body(struct cc *c, struct rego_body *b,
    const struct vset *bound_in, struct vset *bound_out, bool report);

/*
 * Can expression e run with `bound`? On success, `out` gets the
 * variables it binds. With `commit`, nested bodies are reordered too.
 */
static bool
expr_safe(struct cc *c, struct rego_expr *e, int depth,
    const struct vset *bound, struct vset *out, bool commit)
{
	struct vset need, B;
	bool ok = false;
	size_t i;

	if (!vs_init(c, &need) || !vs_init(c, &B)) {
		vs_free(&need);
		return false;
	}
	vs_copy(&B, bound);
	switch (e->kind) {
	case E_UNIFY: {
		int iter;

		for (iter = 0; iter < 8; iter++) {
			struct vset before;

			if (!vs_init(c, &before))
				break;
			vs_copy(&before, out);
			unify_out(c, e->terms[0], e->terms[1], depth, &B, out);
			for (i = 0; i < (size_t)B.nw; i++)
				B.w[i] |= out->w[i];
			if (memcmp(before.w, out->w, (size_t)out->nw *
			    sizeof(*out->w)) == 0) {
				vs_free(&before);
				break;
			}
			vs_free(&before);
		}
		vars_expr(c, e, depth, &need, false);
		ok = vs_subset(&need, &B);
		break;
	}
	case E_CALL:
		for (i = 1; i <= e->nargs; i++)
			vars_term(c, e->terms[i], depth, &need, false);
		ok = vs_subset(&need, &B);
		if (ok && e->has_out) {
			const struct rego_term *o = e->terms[e->nargs + 1];

			if (o->kind == K_REF) {
				if (!ref_evaluable(o, &B)) {
					ok = false;
					break;
				}
				for (i = 1; i < o->u.l.n; i++)
					add_vars(c, o->u.l.items[i], depth, out);
			} else {
				add_vars(c, o, depth, out);
			}
		}
		break;
	case E_TERM: {
		const struct rego_term *t = e->terms[0];

		if (t->kind == K_REF) {
			if (!ref_evaluable(t, &B))
				break;
			for (i = 1; i < t->u.l.n; i++)
				add_vars(c, t->u.l.items[i], depth, out);
			for (i = 0; i < (size_t)B.nw; i++)
				B.w[i] |= out->w[i];
		}
		vars_term(c, t, depth, &need, false);
		ok = vs_subset(&need, &B);
		break;
	}
	case E_NOT:
		/* user variables must be bound; generated ones are local */
		vars_body(c, e->sub, depth, &need, true);
		ok = vs_subset(&need, &B);
		if (ok && commit) {
			struct vset tmp;

			if (vs_init(c, &tmp)) {
				ok = reorder_body(c, e->sub, &B, &tmp, true);
				vs_free(&tmp);
			}
		} else if (ok) {
			struct vset tmp;

			c->dry++;
			if (vs_init(c, &tmp)) {
				ok = reorder_body(c, e->sub, &B, &tmp, false);
				vs_free(&tmp);
			}
			c->dry--;
		}
		break;
	case E_WITH: {
		struct vset after;

		for (i = 0; i < e->nwith; i++)
			if (e->with[i]->value != NULL)
				vars_term(c, e->with[i]->value, depth, &need,
				    false);
		if (!vs_subset(&need, &B))
			break;
		if (!vs_init(c, &after))
			break;
		if (!commit)
			c->dry++;
		ok = reorder_body(c, e->sub, &B, &after, commit);
		if (!commit)
			c->dry--;
		if (ok)
			for (i = 0; i < (size_t)after.nw; i++)
				out->w[i] |= after.w[i] & ~B.w[i];
		vs_free(&after);
		break;
	}
	case E_EVERY: {
		struct vset inner, tmp;

		vars_term(c, e->every.domain, depth, &need, false);
		vars_body(c, e->every.body, depth, &need, false);
		ok = vs_subset(&need, &B);
		if (!ok)
			break;
		if (!vs_init(c, &inner) || !vs_init(c, &tmp)) {
			ok = false;
			break;
		}
		vs_copy(&inner, &B);
		if (e->every.key != NULL)
			vs_add(&inner, e->every.key->u.var.id);
		vs_add(&inner, e->every.value->u.var.id);
		if (!commit)
			c->dry++;
		ok = reorder_body(c, e->every.body, &inner, &tmp, commit);
		if (!commit)
			c->dry--;
		vs_free(&inner);
		vs_free(&tmp);
		break;
	}
	default:
		ok = true;
		break;
	}
	vs_free(&need);
	vs_free(&B);
	return ok;
}

/* Reorder the bodies of comprehensions in the terms of e (committed). */
static bool reorder_terms(struct cc *c, const struct rego_term *t,
    const struct vset *bound);

static bool
reorder_expr_comps(struct cc *c, const struct rego_expr *e,
    const struct vset *bound)
{
	size_t i;

	for (i = 0; i < e->nterms; i++)
		if (!reorder_terms(c, e->terms[i], bound))
			return false;
	for (i = 0; i < e->nwith; i++)
		if (e->with[i]->value != NULL &&
		    !reorder_terms(c, e->with[i]->value, bound))
			return false;
	if (e->kind == E_EVERY && !reorder_terms(c, e->every.domain, bound))
		return false;
	return true;
}

static bool
reorder_terms(struct cc *c, const struct rego_term *t,
    const struct vset *bound)
{
	struct vset tmp;
	size_t i;
	bool ok;

	if (t == NULL)
		return true;
	switch (t->kind) {
	case K_REF:
	case K_ARRAY:
	case K_SET:
		for (i = 0; i < t->u.l.n; i++)
			if (!reorder_terms(c, t->u.l.items[i], bound))
				return false;
		return true;
	case K_OBJECT:
		for (i = 0; i < t->u.o.n; i++)
			if (!reorder_terms(c, t->u.o.keys[i], bound) ||
			    !reorder_terms(c, t->u.o.vals[i], bound))
				return false;
		return true;
	case K_ACOMP:
	case K_SCOMP:
	case K_OCOMP:
		if (!vs_init(c, &tmp))
			return false;
		ok = reorder_body(c, t->u.c.body, bound, &tmp, true);
		if (ok) {
			/* head vars must be bound by the body */
			struct vset need;
			int lim = c->sc[t->u.c.body->scope].depth + 1;

			if (vs_init(c, &need)) {
				vars_term(c, t->u.c.head, lim, &need, false);
				vars_term(c, t->u.c.key, lim, &need, false);
				if (!vs_subset(&need, &tmp)) {
					int id;

					for (id = 0; id < c->nvars; id++)
						if (vs_has(&need, id) &&
						    !vs_has(&tmp, id))
							break;
					cerr(c, REGO_UNSAFE_ERR, t->row,
					    t->col, "var %s is unsafe",
					    id < c->nvars &&
					    c->vars[id].name[0] != '$' ?
					    c->vars[id].name : "_");
					ok = false;
				}
				vs_free(&need);
			}
		}
		vs_free(&tmp);
		return ok;
	default:
		return true;
	}
}

static void
report_unsafe(struct cc *c, const struct rego_expr *e, int depth,
    const struct vset *bound)
{
	struct vset need;
	int id;

	if (!vs_init(c, &need))
		return;
	vars_expr(c, e, depth, &need, false);
	for (id = 0; id < c->nvars; id++) {
		if (!vs_has(&need, id) || vs_has(bound, id))
			continue;
		if (c->vars[id].gen || c->vars[id].name[0] == '$')
			continue;
		cerr(c, REGO_UNSAFE_ERR, e->row, e->col, "var %s is unsafe",
		    c->vars[id].name);
		vs_free(&need);
		return;
	}
	cerr(c, REGO_UNSAFE_ERR, e->row, e->col, "expression is unsafe");
	vs_free(&need);
}

static bool
reorder_body(struct cc *c, struct rego_body *b, const struct vset *bound_in,
    struct vset *bound_out, bool report)
{
	struct rego_expr **order;
	bool *done;
	struct vset bound, out;
	size_t n = b->n, no = 0, i;
	int depth = c->sc[b->scope].depth + 1;  /* visibility limit */
	bool progress, ok = true;

	if (n == 0) {
		vs_copy(bound_out, bound_in);
		return true;
	}
	order = calloc(n, sizeof(*order));
	done = calloc(n, sizeof(*done));
	if (order == NULL || done == NULL || !vs_init(c, &bound) ||
	    !vs_init(c, &out)) {
		free(order);
		free(done);
		c->err = true;
		return false;
	}
	vs_copy(&bound, bound_in);
	do {
		progress = false;
		for (i = 0; i < n; i++) {
			if (done[i])
				continue;
			memset(out.w, 0, (size_t)out.nw * sizeof(*out.w));
			if (!expr_safe(c, b->e[i], depth, &bound, &out, false))
				continue;
			if (report) {
				if (!reorder_expr_comps(c, b->e[i], &bound) ||
				    !expr_safe(c, b->e[i], depth, &bound, &out,
				    true)) {
					ok = false;
					goto outl;
				}
			}
			order[no++] = b->e[i];
			done[i] = true;
			progress = true;
			{
				int w;

				for (w = 0; w < bound.nw; w++)
					bound.w[w] |= out.w[w];
			}
		}
	} while (progress && no < n);
	if (no < n) {
		ok = false;
		if (report)
			for (i = 0; i < n; i++)
				if (!done[i]) {
					report_unsafe(c, b->e[i], depth,
					    &bound);
					break;
				}
		goto outl;
	}
	if (report)
		memcpy(b->e, order, n * sizeof(*order));
	vs_copy(bound_out, &bound);
outl:
	free(order);
	free(done);
	vs_free(&bound);
	vs_free(&out);
	return ok;
}

/* ------------------------------------------------------------------ */
/* Rule tree.                                                           */

static struct rego_dnode *
dn_ensure(struct ccakit_rego_policy *p, struct rego_dnode *n, const rv *key)
{
	struct rego_dnode *k, **nk;
	size_t lo = 0, hi = n->nkids, mid;
	int cmp;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		cmp = rv_cmp(n->kids[mid]->key, key);
		if (cmp == 0)
			return n->kids[mid];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if ((k = ra_zalloc(&p->ar, sizeof(*k))) == NULL)
		return NULL;
	k->key = key;
	k->parent = n;
	k->id = p->ndnodes++;
	k->depth = n->depth + 1;
	if ((k->path = ra_alloc(&p->ar, (size_t)k->depth *
	    sizeof(*k->path))) == NULL)
		return NULL;
	if (n->depth > 0)
		memcpy(k->path, n->path, (size_t)n->depth * sizeof(*k->path));
	k->path[n->depth] = key;
	if (n->nkids == n->capkids) {
		size_t nc = n->capkids == 0 ? 4 : n->capkids * 2;

		if ((nk = ra_alloc(&p->ar, nc * sizeof(*nk))) == NULL)
			return NULL;
		if (n->nkids > 0)
			memcpy(nk, n->kids, n->nkids * sizeof(*nk));
		n->kids = nk;
		n->capkids = nc;
	}
	memmove(n->kids + lo + 1, n->kids + lo, (n->nkids - lo) *
	    sizeof(*n->kids));
	n->kids[lo] = k;
	n->nkids++;
	return k;
}

static bool
rl_add(struct ccakit_rego_policy *p, struct rego_rule ***v, size_t *n,
    size_t *cap, struct rego_rule *r)
{
	struct rego_rule **nv;

	if (*n == *cap) {
		size_t nc = *cap == 0 ? 4 : *cap * 2;

		if ((nv = ra_alloc(&p->ar, nc * sizeof(*nv))) == NULL)
			return false;
		if (*n > 0)
			memcpy(nv, *v, *n * sizeof(*nv));
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = r;
	return true;
}

static void
path_text(struct rego_buf *b, const rv *const *path, size_t n)
{
	size_t i;

	rb_puts(b, "data");
	for (i = 0; i < n; i++) {
		if (path[i]->t == RV_STR) {
			rb_putc(b, '.');
			rb_put(b, path[i]->u.s, path[i]->n);
		} else {
			rb_putc(b, '[');
			rego_fmt_term(b, path[i]);
			rb_putc(b, ']');
		}
	}
}

static bool
subtree_rules(struct rego_dnode *n)
{
	size_t i;
	bool any = n->nrules > 0 || n->nfuncs > 0 || n->deflt != NULL ||
	    n->deflt_func != NULL || n->is_pkg;

	for (i = 0; i < n->nkids; i++)
		if (subtree_rules(n->kids[i]))
			any = true;
	n->subtree_rules = any;
	return any;
}

static int
build_tree(struct ccakit_rego_policy *p)
{
	struct rego_dnode *root, *n;
	struct rego_diags *ds = &p->diags;
	size_t i, j, k;
	int rc = CCAKIT_OK;

	if ((root = ra_zalloc(&p->ar, sizeof(*root))) == NULL)
		return CCAKIT_ERR_NOMEM;
	root->id = p->ndnodes++;
	root->is_pkg = true;
	if ((root->path = ra_alloc(&p->ar, sizeof(*root->path))) == NULL)
		return CCAKIT_ERR_NOMEM;
	p->root = root;
	for (i = 0; i < p->nmods; i++) {
		struct rego_module *m = p->mods[i];

		n = root;
		for (j = 1; j < m->npkg && n != NULL; j++)
			n = dn_ensure(p, n, m->pkgpath[j]);
		if (n == NULL)
			return CCAKIT_ERR_NOMEM;
		n->is_pkg = true;
		for (j = 0; j < m->nrules; j++) {
			struct rego_rule *r = m->rules[j];
			const struct rego_term *ref = r->ref;
			size_t nref = ref->kind == K_VAR ? 1 : ref->u.l.n;
			const struct rego_term *h = ref->kind == K_VAR ? ref :
			    ref->u.l.items[0];
			struct rego_loc loc = { m->file, r->row, r->col };
			size_t np, ng;

			if (strcmp(h->u.var.name, "input") == 0 ||
			    strcmp(h->u.var.name, "data") == 0) {
				rd_add(ds, REGO_COMPILE_ERR, &loc, "rule name "
				    "%s conflicts with the %s document",
				    h->u.var.name, h->u.var.name);
				rc = CCAKIT_ERR_REGO_COMPILE;
				continue;
			}
			np = (m->npkg - 1) + nref;
			if ((r->path = ra_alloc(&p->ar, (np + 1) *
			    sizeof(*r->path))) == NULL)
				return CCAKIT_ERR_NOMEM;
			for (k = 1; k < m->npkg; k++)
				r->path[k - 1] = m->pkgpath[k];
			r->path[m->npkg - 1] = rv_cstr(&p->ar,
			    h->u.var.name);
			ng = m->npkg;
			for (k = 1; k < nref; k++) {
				const struct rego_term *pt = ref->u.l.items[k];

				if (pt->kind != K_VALUE)
					break;
				r->path[m->npkg - 1 + k] = pt->u.v;
				ng++;
			}
			r->npath = ng;
			r->nground = ng;
			r->ndyn = nref - (ng - (m->npkg - 1));
			r->dynpath = r->ndyn > 0 ? ref->u.l.items +
			    (nref - r->ndyn) : NULL;
			if (r->is_func && r->ndyn > 0) {
				rd_add(ds, REGO_TYPE_ERR, &loc,
				    "functions must have ground names");
				rc = CCAKIT_ERR_REGO_COMPILE;
				continue;
			}
			n = root;
			for (k = 0; k < ng && n != NULL; k++)
				n = dn_ensure(p, n, r->path[k]);
			if (n == NULL)
				return CCAKIT_ERR_NOMEM;
			r->node = n;
			r->id = p->nrules++;
			{
				struct rego_rule *e;

				for (e = r->else_; e != NULL; e = e->else_) {
					e->path = r->path;
					e->npath = r->npath;
					e->nground = r->nground;
					e->ndyn = r->ndyn;
					e->dynpath = r->dynpath;
					e->node = n;
					e->id = p->nrules++;
				}
			}
			if (r->is_default) {
				struct rego_rule **slot = r->is_func ?
				    &n->deflt_func : &n->deflt;

				if (*slot != NULL) {
					struct rego_buf b;

					rb_init(&b, 4096);
					path_text(&b, r->path, r->npath);
					rd_add(ds, REGO_TYPE_ERR, &loc,
					    "multiple default rules %s found",
					    rb_str(&b));
					rb_free(&b);
					rc = CCAKIT_ERR_REGO_COMPILE;
				}
				*slot = r;
				if (r->is_func) {
					n->callee.arity = (uint8_t)r->nargs;
				}
				continue;
			}
			if (r->is_func) {
				if (!rl_add(p, &n->funcs, &n->nfuncs,
				    &n->capfuncs, r))
					return CCAKIT_ERR_NOMEM;
			} else if (!rl_add(p, &n->rules, &n->nrules,
			    &n->caprules, r)) {
				return CCAKIT_ERR_NOMEM;
			}
		}
	}
	return rc;
}

/* Conflicts between the rules of one node (OPA's compile-time checks). */
static int
check_conflicts(struct ccakit_rego_policy *p, struct rego_dnode *n)
{
	struct rego_buf b;
	size_t i;
	int rc = CCAKIT_OK;
	bool complete = false, multi = false, ext = false, conflict = false;
	struct rego_rule *first = NULL;

	for (i = 0; i < n->nrules; i++) {
		struct rego_rule *r = n->rules[i];

		if (first == NULL)
			first = r;
		if (r->is_multi && r->ndyn == 0)
			multi = true;
		else if (r->ndyn == 0)
			complete = true;
		else
			ext = true;
	}
	if ((int)complete + (int)multi > 1 || (multi && ext))
		conflict = true;
	if (n->nfuncs > 0 && (n->nrules > 0 || n->deflt != NULL)) {
		conflict = true;
		first = n->funcs[0];
	}
	if (n->deflt != NULL && (multi || ext))
		conflict = true;
	for (i = 0; i < n->nfuncs; i++) {
		if (n->funcs[i]->nargs != n->funcs[0]->nargs)
			conflict = true;
		if (first == NULL)
			first = n->funcs[i];
	}
	if (n->deflt_func != NULL && n->nfuncs > 0 &&
	    n->deflt_func->nargs != n->funcs[0]->nargs)
		conflict = true;
	if (conflict && first != NULL) {
		struct rego_loc loc = { first->mod->file, first->row,
		    first->col };

		rb_init(&b, 4096);
		path_text(&b, n->path, (size_t)n->depth);
		rd_add(&p->diags, REGO_TYPE_ERR, &loc,
		    "conflicting rules %s found", rb_str(&b));
		rb_free(&b);
		rc = CCAKIT_ERR_REGO_COMPILE;
	}
	/* a complete rule with rules below it */
	if (complete && n->nkids > 0) {
		for (i = 0; i < n->nkids; i++)
			if (subtree_rules(n->kids[i])) {
				struct rego_loc loc = { first->mod->file,
				    first->row, first->col };

				rb_init(&b, 4096);
				path_text(&b, n->path, (size_t)n->depth);
				rd_add(&p->diags, REGO_TYPE_ERR, &loc,
				    "rule %s conflicts with rules below it",
				    rb_str(&b));
				rb_free(&b);
				rc = CCAKIT_ERR_REGO_COMPILE;
				break;
			}
	}
	if (n->nfuncs > 0 || n->deflt_func != NULL) {
		n->callee.kind = CALLEE_FUNC;
		n->callee.arity = (uint8_t)(n->nfuncs > 0 ?
		    n->funcs[0]->nargs : n->deflt_func->nargs);
		n->callee.node = n;
		rb_init(&b, 4096);
		path_text(&b, n->path, (size_t)n->depth);
		n->callee.name = ra_strndup(&p->ar, rb_str(&b), b.len);
		rb_free(&b);
	}
	for (i = 0; i < n->nkids; i++)
		if (check_conflicts(p, n->kids[i]) != CCAKIT_OK)
			rc = CCAKIT_ERR_REGO_COMPILE;
	return rc;
}

/* ------------------------------------------------------------------ */
/* Rules.                                                               */

static void
rule_names(struct ccakit_rego_policy *p, const struct rego_module *m,
    struct nameset *ns)
{
	size_t i, j;

	for (i = 0; i < p->nmods; i++) {
		const struct rego_module *o = p->mods[i];

		if (o->npkg != m->npkg)
			continue;
		for (j = 1; j < o->npkg; j++)
			if (!rv_eq(o->pkgpath[j], m->pkgpath[j]))
				break;
		if (j < o->npkg)
			continue;
		for (j = 0; j < o->nrules; j++) {
			const struct rego_term *ref = o->rules[j]->ref;
			const struct rego_term *h = ref->kind == K_VAR ? ref :
			    ref->u.l.items[0];

			ns_add(ns, h->u.var.name);
		}
	}
}

static bool
args_pattern_ok(const struct rego_term *t)
{
	size_t i;

	switch (t->kind) {
	case K_VALUE:
	case K_VAR:
		return true;
	case K_ARRAY:
	case K_SET:
		for (i = 0; i < t->u.l.n; i++)
			if (!args_pattern_ok(t->u.l.items[i]))
				return false;
		return true;
	case K_OBJECT:
		for (i = 0; i < t->u.o.n; i++)
			if (!args_pattern_ok(t->u.o.vals[i]) ||
			    t->u.o.keys[i]->kind != K_VALUE)
				return false;
		return true;
	case K_REF:
		/* `data`/`input` alone are refs after parsing */
		return false;
	default:
		return false;
	}
}

static int
compile_rule(struct cc *c, struct rego_rule *r)
{
	struct elist tail = { 0 };
	struct rego_body *body;
	struct vset bound, after;
	size_t i;
	int S;

	cc_reset(c);
	c->err = false;
	S = new_scope(c, -1);
	for (i = 0; i < r->nargs; i++) {
		if (!args_pattern_ok(r->args[i])) {
			/* f(<dynamic term>): a fresh parameter unified with
			 * the term in the body */
			continue;
		}
		collect_term(c, r->args[i], S, true);
	}
	for (i = 0; i < r->nargs; i++)
		if (!args_pattern_ok(r->args[i]))
			collect_term(c, r->args[i], S, false);
	collect_body(c, r->body, S);
	for (i = 0; i < r->ndyn; i++)
		collect_term(c, r->dynpath[i], S, false);
	collect_term(c, r->key, S, false);
	collect_term(c, r->value, S, false);
	if (c->err)
		return CCAKIT_ERR_REGO_COMPILE;
	/* args */
	if (r->nargs > 0) {
		struct rego_term **na = calloc_a(c, r->nargs * sizeof(*na));
		struct elist junk = { 0 };

		if (na == NULL)
			return CCAKIT_ERR_NOMEM;
		for (i = 0; i < r->nargs; i++) {
			struct rego_term *t;

			if (args_pattern_ok(r->args[i])) {
				if ((na[i] = fl_term(c, r->args[i], S, &junk,
				    true)) == NULL)
					return CCAKIT_ERR_REGO_COMPILE;
				continue;
			}
			if ((na[i] = mk_temp(c, S, r->row, r->col)) == NULL ||
			    (t = fl_term(c, r->args[i], S, &tail,
			    true)) == NULL)
				return CCAKIT_ERR_REGO_COMPILE;
			el_push(c, &tail, mk_unify(c, mk_var(c,
			    na[i]->u.var.id, r->row, r->col), t, r->row,
			    r->col));
		}
		r->args = na;
	}
	if ((body = fl_body(c, r->body, S)) == NULL)
		return CCAKIT_ERR_REGO_COMPILE;
	for (i = 0; i < body->n; i++)
		el_push(c, &tail, body->e[i]);
	if (r->ndyn > 0) {
		struct rego_term **nd = calloc_a(c, r->ndyn * sizeof(*nd));

		if (nd == NULL)
			return CCAKIT_ERR_NOMEM;
		for (i = 0; i < r->ndyn; i++)
			if ((nd[i] = fl_term(c, r->dynpath[i], S, &tail,
			    false)) == NULL)
				return CCAKIT_ERR_REGO_COMPILE;
		r->dynpath = nd;
	}
	if (r->key != NULL && (r->key = fl_term(c, r->key, S, &tail,
	    false)) == NULL)
		return CCAKIT_ERR_REGO_COMPILE;
	if (r->value != NULL && (r->value = fl_term(c, r->value, S, &tail,
	    false)) == NULL)
		return CCAKIT_ERR_REGO_COMPILE;
	if ((r->body = el_body(c, &tail, S)) == NULL)
		return CCAKIT_ERR_NOMEM;
	if (c->err)
		return CCAKIT_ERR_REGO_COMPILE;
	/* safety: function args are bound on entry */
	if (!vs_init(c, &bound) || !vs_init(c, &after))
		return CCAKIT_ERR_NOMEM;
	for (i = 0; i < r->nargs; i++)
		vars_term(c, r->args[i], 1, &bound, false);
	if (!reorder_body(c, r->body, &bound, &after, true)) {
		vs_free(&bound);
		vs_free(&after);
		return CCAKIT_ERR_REGO_COMPILE;
	}
	/* head variables must be bound by the body */
	{
		struct vset need;
		int id;

		if (vs_init(c, &need)) {
			for (i = 0; i < r->ndyn; i++)
				vars_term(c, r->dynpath[i], 1, &need, false);
			vars_term(c, r->key, 1, &need, false);
			vars_term(c, r->value, 1, &need, false);
			for (id = 0; id < c->nvars; id++)
				if (vs_has(&need, id) && !vs_has(&after, id)) {
					cerr(c, REGO_UNSAFE_ERR, r->row,
					    r->col, "var %s is unsafe",
					    c->vars[id].name[0] == '$' ? "_" :
					    c->vars[id].name);
					break;
				}
			vs_free(&need);
		}
	}
	vs_free(&bound);
	vs_free(&after);
	r->nslots = c->nvars;
	r->const_value = r->value != NULL && r->value->kind == K_VALUE;
	if (c->nvars > c->pol->maxslots)
		c->pol->maxslots = c->nvars;
	return c->err ? CCAKIT_ERR_REGO_COMPILE : CCAKIT_OK;
}

/* ------------------------------------------------------------------ */
/* Recursion.                                                           */

struct rdeps {
	int *v;
	size_t n, cap;
};

static void
rd_push(struct rdeps *d, int id)
{
	int *nv;
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->v[i] == id)
			return;
	if (d->n == d->cap) {
		d->cap = d->cap == 0 ? 8 : d->cap * 2;
		if ((nv = realloc(d->v, d->cap * sizeof(*nv))) == NULL) {
			d->cap = d->n;
			return;
		}
		d->v = nv;
	}
	d->v[d->n++] = id;
}

struct depctx {
	const struct ccakit_rego_policy *p;
	struct rego_rule **byid;
	int nrules;
};

/* Can a rule contribute to the document at ref (variables match
 * anything)? */
static bool
rule_matches(const struct rego_rule *r, const struct rego_term *ref)
{
	size_t nref = ref->u.l.n - 1, nr = r->nground + r->ndyn, i;

	for (i = 0; i < nref && i < nr; i++) {
		const struct rego_term *pt = ref->u.l.items[i + 1];
		const rv *rk = NULL;

		if (i < r->nground)
			rk = r->path[i];
		else if (r->dynpath[i - r->nground]->kind == K_VALUE)
			rk = r->dynpath[i - r->nground]->u.v;
		if (pt->kind != K_VALUE || rk == NULL)
			continue;
		if (!rv_eq(pt->u.v, rk))
			return false;
	}
	return true;
}

static void deps_body(const struct depctx *dc, const struct rego_body *b,
    struct rdeps *d);

static void
deps_term(const struct depctx *dc, const struct rego_term *t,
    struct rdeps *d)
{
	size_t i;
	int id;

	if (t == NULL)
		return;
	switch (t->kind) {
	case K_REF:
		for (i = 0; i < t->u.l.n; i++)
			deps_term(dc, t->u.l.items[i], d);
		if (t->u.l.items[0]->kind != K_VAR ||
		    t->u.l.items[0]->u.var.slot != SLOT_DATA)
			return;
		for (id = 0; id < dc->nrules; id++) {
			const struct rego_rule *r = dc->byid[id];

			if (r != NULL && !r->is_func && rule_matches(r, t))
				rd_push(d, id);
		}
		return;
	case K_ARRAY:
	case K_SET:
		for (i = 0; i < t->u.l.n; i++)
			deps_term(dc, t->u.l.items[i], d);
		return;
	case K_OBJECT:
		for (i = 0; i < t->u.o.n; i++) {
			deps_term(dc, t->u.o.keys[i], d);
			deps_term(dc, t->u.o.vals[i], d);
		}
		return;
	case K_ACOMP:
	case K_SCOMP:
	case K_OCOMP:
		deps_term(dc, t->u.c.key, d);
		deps_term(dc, t->u.c.head, d);
		deps_body(dc, t->u.c.body, d);
		return;
	default:
		return;
	}
}

static void
deps_callee(const struct rego_callee *ce, struct rdeps *d)
{
	size_t i;
	const struct rego_rule *e;

	if (ce == NULL || ce->kind != CALLEE_FUNC)
		return;
	for (i = 0; i < ce->node->nfuncs; i++)
		for (e = ce->node->funcs[i]; e != NULL; e = e->else_)
			rd_push(d, e->id);
	if (ce->node->deflt_func != NULL)
		rd_push(d, ce->node->deflt_func->id);
}

static void
deps_body(const struct depctx *dc, const struct rego_body *b,
    struct rdeps *d)
{
	size_t i, j;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++) {
		const struct rego_expr *e = b->e[i];

		for (j = 0; j < e->nterms; j++)
			if (j > 0 || e->kind != E_CALL)
				deps_term(dc, e->terms[j], d);
		if (e->kind == E_CALL)
			deps_callee(e->callee, d);
		for (j = 0; j < e->nwith; j++) {
			deps_term(dc, e->with[j]->value, d);
			deps_callee(e->with[j]->repl, d);
		}
		deps_body(dc, e->sub, d);
		if (e->kind == E_EVERY) {
			deps_term(dc, e->every.domain, d);
			deps_body(dc, e->every.body, d);
		}
	}
}

struct rcheck {
	const struct ccakit_rego_policy *p;
	struct rego_rule **byid;
	struct rdeps *deps;
	uint8_t *color;
	int *stack;
	int nstack;
	int start;
	bool found;
};

static void
rc_report(struct rcheck *rc, int to)
{
	int k;

	for (k = 0; k < rc->nstack; k++)
		if (rc->stack[k] == to)
			rc->start = k;
	rc->found = true;
}

static void
rc_visit(struct rcheck *rc, int id)
{
	size_t i;

	if (rc->found)
		return;
	rc->color[id] = 1;
	rc->stack[rc->nstack++] = id;
	for (i = 0; i < rc->deps[id].n && !rc->found; i++) {
		int to = rc->deps[id].v[i];

		if (rc->color[to] == 1) {
			rc_report(rc, to);
			return;
		}
		if (rc->color[to] == 0)
			rc_visit(rc, to);
	}
	rc->nstack--;
	rc->color[id] = 2;
}

static void
collect_rules_by_id(struct ccakit_rego_policy *p, struct rego_rule **byid)
{
	size_t i, j;
	struct rego_rule *e;

	for (i = 0; i < p->nmods; i++)
		for (j = 0; j < p->mods[i]->nrules; j++)
			for (e = p->mods[i]->rules[j]; e != NULL; e = e->else_)
				if (e->id >= 0 && e->id < p->nrules)
					byid[e->id] = e;
}

static int
check_recursion(struct ccakit_rego_policy *p)
{
	struct rcheck rc;
	int i, rcode = CCAKIT_OK;

	memset(&rc, 0, sizeof(rc));
	rc.p = p;
	if (p->nrules == 0)
		return CCAKIT_OK;
	rc.byid = calloc((size_t)p->nrules, sizeof(*rc.byid));
	rc.deps = calloc((size_t)p->nrules, sizeof(*rc.deps));
	rc.color = calloc((size_t)p->nrules, 1);
	rc.stack = calloc((size_t)p->nrules + 1, sizeof(*rc.stack));
	if (rc.byid == NULL || rc.deps == NULL || rc.color == NULL ||
	    rc.stack == NULL) {
		rcode = CCAKIT_ERR_NOMEM;
		goto out;
	}
	collect_rules_by_id(p, rc.byid);
	{
		struct depctx dc = { p, rc.byid, p->nrules };

		for (i = 0; i < p->nrules; i++) {
			const struct rego_rule *r = rc.byid[i];
			size_t j;

			if (r == NULL)
				continue;
			deps_body(&dc, r->body, &rc.deps[i]);
			for (j = 0; j < r->ndyn; j++)
				deps_term(&dc, r->dynpath[j], &rc.deps[i]);
			deps_term(&dc, r->key, &rc.deps[i]);
			deps_term(&dc, r->value, &rc.deps[i]);
		}
	}
	for (i = 0; i < p->nrules && !rc.found; i++) {
		if (rc.byid[i] == NULL || rc.color[i] != 0)
			continue;
		rc.nstack = 0;
		rc_visit(&rc, i);
		if (rc.found) {
			const struct rego_rule *r = rc.byid[rc.stack[rc.start]];
			struct rego_loc loc = { r->mod->file, r->row, r->col };
			struct rego_buf b;
			int k;

			rb_init(&b, 8192);
			rb_puts(&b, "rule ");
			path_text(&b, r->path, r->npath);
			rb_puts(&b, " is recursive: ");
			for (k = rc.start; k < rc.nstack; k++) {
				path_text(&b, rc.byid[rc.stack[k]]->path,
				    rc.byid[rc.stack[k]]->npath);
				rb_puts(&b, " -> ");
			}
			path_text(&b, r->path, r->npath);
			rd_add(&p->diags, REGO_RECURSION_ERR, &loc, "%s",
			    rb_str(&b));
			rb_free(&b);
			rcode = CCAKIT_ERR_REGO_COMPILE;
		}
	}
out:
	if (rc.deps != NULL)
		for (i = 0; i < p->nrules; i++)
			free(rc.deps[i].v);
	free(rc.byid);
	free(rc.deps);
	free(rc.color);
	free(rc.stack);
	return rcode;
}

/* ------------------------------------------------------------------ */
/* Entry points.                                                        */

int
rego_compile(struct ccakit_rego_policy *p)
{
	struct cc c;
	struct nameset names;
	size_t i, j;
	int rc;
	struct rego_rule *e;

	if ((rc = build_tree(p)) != CCAKIT_OK)
		return rc;
	subtree_rules(p->root);
	if ((rc = check_conflicts(p, p->root)) != CCAKIT_OK)
		return rc;
	memset(&c, 0, sizeof(c));
	c.pol = p;
	c.a = &p->ar;
	c.ds = &p->diags;
	for (i = 0; i < p->nmods; i++) {
		struct rego_module *m = p->mods[i];

		memset(&names, 0, sizeof(names));
		rule_names(p, m, &names);
		c.mod = m;
		c.file = m->file;
		c.rulenames = &names;
		for (j = 0; j < m->nrules; j++)
			for (e = m->rules[j]; e != NULL; e = e->else_)
				if (compile_rule(&c, e) != CCAKIT_OK)
					rc = CCAKIT_ERR_REGO_COMPILE;
		ns_free(&names);
		if (p->diags.n > 32)
			break;
	}
	cc_free(&c);
	if (rc != CCAKIT_OK)
		return rc;
	if (p->ar.failed)
		return CCAKIT_ERR_NOMEM;
	rc = check_recursion(p);
	return rc;
}

int
rego_query_compile(const struct ccakit_rego_policy *pol, const char *text,
    size_t len, unsigned flags, struct ccakit_rego_query **out)
{
	struct ccakit_rego_query *q;
	struct rego_body *parsed, *body;
	struct elist el = { 0 };
	struct vset bound, after;
	struct cc c;
	size_t i, nv;
	int S, rc = CCAKIT_OK;
	int *caps;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return CCAKIT_ERR_NOMEM;
	ra_init(&q->ar, 0);
	q->pol = pol;
	*out = q;
	if ((rc = rego_parse_query(&q->ar, text, len, &parsed, &q->diags)) !=
	    CCAKIT_OK)
		return rc;
	memset(&c, 0, sizeof(c));
	c.pol = (struct ccakit_rego_policy *)(uintptr_t)pol;
	c.a = &q->ar;
	c.ds = &q->diags;
	c.file = "";
	S = new_scope(&c, -1);
	collect_body(&c, parsed, S);
	if ((caps = calloc(parsed->n + 1, sizeof(*caps))) == NULL) {
		cc_free(&c);
		return CCAKIT_ERR_NOMEM;
	}
	for (i = 0; i < parsed->n && !c.err; i++) {
		size_t before = el.n;

		caps[i] = -1;
		fl_expr(&c, parsed->e[i], S, &el,
		    (flags & REGO_Q_CAPTURE) != 0, &caps[i]);
		if (el.n > before && el.v[el.n - 1] != NULL)
			el.v[el.n - 1]->text = parsed->e[i]->text;
	}
	if (c.err) {
		free(caps);
		cc_free(&c);
		return CCAKIT_ERR_REGO_COMPILE;
	}
	if ((body = el_body(&c, &el, S)) == NULL) {
		free(caps);
		cc_free(&c);
		return CCAKIT_ERR_NOMEM;
	}
	if (!vs_init(&c, &bound) || !vs_init(&c, &after)) {
		free(caps);
		cc_free(&c);
		return CCAKIT_ERR_NOMEM;
	}
	if (!reorder_body(&c, body, &bound, &after, true))
		rc = CCAKIT_ERR_REGO_COMPILE;
	vs_free(&bound);
	vs_free(&after);
	if (rc != CCAKIT_OK || c.err) {
		free(caps);
		cc_free(&c);
		return CCAKIT_ERR_REGO_COMPILE;
	}
	q->body = body;
	q->nslots = c.nvars;
	/* user variables of the top scope, in order of appearance */
	nv = 0;
	q->vars = ra_zalloc(&q->ar, ((size_t)c.nvars + 1) * sizeof(*q->vars));
	q->varslots = ra_zalloc(&q->ar, ((size_t)c.nvars + 1) *
	    sizeof(*q->varslots));
	q->top = ra_zalloc(&q->ar, (parsed->n + 1) * sizeof(*q->top));
	q->topslots = ra_zalloc(&q->ar, (parsed->n + 1) *
	    sizeof(*q->topslots));
	if (q->vars == NULL || q->varslots == NULL || q->top == NULL ||
	    q->topslots == NULL) {
		free(caps);
		cc_free(&c);
		return CCAKIT_ERR_NOMEM;
	}
	for (i = 0; i < (size_t)c.nvars; i++) {
		if (c.vars[i].scope != S || c.vars[i].gen ||
		    c.vars[i].name[0] == '$')
			continue;
		q->vars[nv] = c.vars[i].name;
		q->varslots[nv++] = (int)i;
	}
	q->nvars = nv;
	q->ntop = parsed->n;
	for (i = 0; i < parsed->n; i++) {
		q->top[i] = parsed->e[i];
		q->topslots[i] = caps[i];
	}
	free(caps);
	cc_free(&c);
	return q->ar.failed ? CCAKIT_ERR_NOMEM : CCAKIT_OK;
}
