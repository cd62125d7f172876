/*
 * Rego metadata: rego.metadata.chain, rego.metadata.rule (annotations in
 * "# METADATA" comment blocks) and rego.parse_module (a module's AST in
 * OPA's JSON shape).
 *
 * Annotations follow OPA: a block starts with a comment "# METADATA" and
 * goes on over comments on the following lines that start in column 1;
 * the rest of each line (one leading space dropped) is YAML (read as
 * yaml.unmarshal reads it). A block belongs to the first package, import
 * or rule that starts on a later line; its scope defaults to "rule"
 * ("document" for an entrypoint) on a rule and "package" on a package.
 * rego.metadata.chain() in a rule returns, as OPA's compiler builds it:
 * the rule's own annotations (closest block first; a path-only entry when
 * it has none), the "document" annotations of its path, the "package"
 * annotations of its package (from any module) and the "subpackages"
 * annotations of the package and its ancestors, closest first; paths
 * without the leading "data". rego.metadata.rule() is the rule's closest
 * annotation, or {}.
 *
 * OPA checks annotations when it parses a module; here the blocks of a
 * module are read when a rego.metadata call needs them, so a malformed
 * block is reported by that call (eval_builtin_error, with OPA's
 * rego_parse_error text), not when the policy is compiled.
 *
 * The rule a call belongs to is found by position: the top-level rule of
 * the call's module that starts last before the call (a call in an
 * "else" branch belongs to that else rule, which, as in OPA, has no
 * annotations of its own).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/rego_priv.h"

enum { S_NONE, S_RULE, S_DOCUMENT, S_PACKAGE, S_SUBPACKAGES, S_IMPORT };
enum { N_NONE, N_PACKAGE, N_IMPORT, N_RULE };

struct annot {
	const struct rego_module *mod;
	int row, col;            /* the "# METADATA" comment */
	int scope;
	int node;                /* N_* */
	const struct rego_rule *rule;
	const rv *obj;           /* annotations object (toObject) */
};

struct annots {
	struct annot *v;
	size_t n, cap;
};

struct meta {
	ccakit_rego_bictx *ctx;
	struct rego_arena *ar;
	char err[400];
	int rc;
};

static int
merr(struct meta *m, const char *fmt, ...) CKI_PRINTF(2, 3);

static int
merr(struct meta *m, const char *fmt, ...)
{
	va_list ap;

	if (m->err[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(m->err, sizeof(m->err), fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
mnomem(struct meta *m)
{
	if (m->rc == 0)
		m->rc = rego_bi_nomem(m->ctx);
	return -1;
}

static const rv *
str(struct meta *m, const char *s)
{
	return rv_cstr(m->ar, s);
}

/* A scalar as the string go-yaml would decode into a string field. */
static const rv *
as_string(struct meta *m, const rv *v)
{
	char buf[400];
	size_t n;

	switch (v->t) {
	case RV_STR:
		return v;
	case RV_NUM:
		n = rv_num_text(v, buf, sizeof(buf));
		return n < sizeof(buf) ? rv_str(m->ar, buf, n) : NULL;
	case RV_BOOL:
		return str(m, v->b ? "true" : "false");
	case RV_NULL:
		return &rv_empty_str_v;
	default:
		return NULL;
	}
}

/* OPA's parseAuthor. */
static const rv *
author(struct meta *m, const rv *a, const char *where)
{
	const rv *name = NULL, *email = NULL, *k[2], *vals[2];
	size_t n = 0;

	if (a->t == RV_STR) {
		/* fields; a trailing "<...>" is the e-mail */
		const char *s = a->u.s, *e = s + a->n, *last, *le;
		struct rego_buf b;

		while (e > s && (e[-1] == ' ' || e[-1] == '\t' ||
		    e[-1] == '\n' || e[-1] == '\r'))
			e--;
		while (s < e && (*s == ' ' || *s == '\t' || *s == '\n' ||
		    *s == '\r'))
			s++;
		if (s == e) {
			merr(m, "%s: invalid author: author is an empty "
			    "string", where);
			return NULL;
		}
		for (last = e; last > s && last[-1] != ' ' &&
		    last[-1] != '\t'; last--)
			;
		le = e;
		if (le - last >= 2 && last[0] == '<' && le[-1] == '>') {
			email = rv_str(m->ar, last + 1,
			    (size_t)(le - last - 2));
			e = last;
		}
		/* join the name fields with single spaces */
		rb_init(&b, 4096);
		while (s < e) {
			const char *w = s;

			while (s < e && *s != ' ' && *s != '\t')
				s++;
			if (s > w) {
				if (b.len > 0)
					rb_putc(&b, ' ');
				rb_put(&b, w, (size_t)(s - w));
			}
			while (s < e && (*s == ' ' || *s == '\t'))
				s++;
		}
		if (b.len > 0)
			name = rv_str(m->ar, rb_str(&b), b.len);
		rb_free(&b);
	} else if (a->t == RV_OBJ) {
		const rv *x;

		if ((x = rv_obj_gets(a, "name", 4)) != NULL && x->t == RV_STR &&
		    x->n > 0)
			name = x;
		if ((x = rv_obj_gets(a, "email", 5)) != NULL &&
		    x->t == RV_STR && x->n > 0)
			email = x;
		if (name == NULL && email == NULL) {
			merr(m, "%s: invalid author: 'name' and/or 'email' "
			    "values required in object", where);
			return NULL;
		}
	} else {
		merr(m, "%s: invalid author: invalid value type", where);
		return NULL;
	}
	if (name != NULL) {
		k[n] = str(m, "name");
		vals[n++] = name;
	}
	if (email != NULL) {
		k[n] = str(m, "email");
		vals[n++] = email;
	}
	{
		const rv **kk = ra_alloc(m->ar, 4 * sizeof(*kk));

		if (kk == NULL)
			return NULL;
		memcpy(kk, k, n * sizeof(*kk));
		memcpy(kk + 2, vals, n * sizeof(*kk));
		return rv_obj(m->ar, kk, kk + 2, n, NULL);
	}
}

static const rv *
related_resource(struct meta *m, const rv *r, const char *where)
{
	const rv **kv = ra_alloc(m->ar, 4 * sizeof(*kv));
	const rv *ref = NULL, *desc = NULL;
	size_t n = 0;

	if (kv == NULL)
		return NULL;
	if (r->t == RV_STR) {
		ref = r;
	} else if (r->t == RV_OBJ) {
		ref = rv_obj_gets(r, "ref", 3);
		desc = rv_obj_gets(r, "description", 11);
		if (ref == NULL || ref->t != RV_STR) {
			merr(m, "%s: invalid related-resource: '%s' value "
			    "required in object", where, "ref");
			return NULL;
		}
		if (desc != NULL && (desc->t != RV_STR || desc->n == 0))
			desc = NULL;
	} else {
		merr(m, "%s: invalid related-resource: invalid value type",
		    where);
		return NULL;
	}
	if (ref->n == 0) {
		merr(m, "%s: invalid related-resource: ref URL may not be "
		    "empty string", where);
		return NULL;
	}
	kv[n] = str(m, "ref");
	kv[2 + n++] = ref;
	if (desc != NULL) {
		kv[n] = str(m, "description");
		kv[2 + n++] = desc;
	}
	return rv_obj(m->ar, kv, kv + 2, n, NULL);
}

/* "a.b.c" as ["a", "b", "c"] (OPA's Ref.toArray of a parsed ref). */
static const rv *
ref_array(struct meta *m, const char *s, size_t n)
{
	struct rv_vec v;
	size_t i = 0;

	rvv_init(&v, m->ar);
	while (i <= n) {
		size_t j = i;
		const rv *seg;

		while (j < n && s[j] != '.')
			j++;
		if ((seg = rv_str(m->ar, s + i, j - i)) == NULL ||
		    rvv_push(&v, seg) != 0)
			return NULL;
		i = j + 1;
	}
	return rv_arr(m->ar, v.v, v.n);
}

static const rv *
schema_entry(struct meta *m, const rv *e, const char *where)
{
	const rv **kv = ra_alloc(m->ar, 4 * sizeof(*kv)), *key, *val;

	if (kv == NULL)
		return NULL;
	if (e->t != RV_OBJ || e->n != 1 || e->u.a[0]->t != RV_STR) {
		merr(m, "%s: invalid schema annotation", where);
		return NULL;
	}
	key = e->u.a[0];
	val = rv_obj_vals(e)[0];
	kv[0] = str(m, "path");
	kv[2] = ref_array(m, key->u.s, key->n);
	if (val->t == RV_STR) {
		kv[1] = str(m, "schema");
		kv[3] = ref_array(m, val->u.s, val->n);
	} else if (val->t == RV_OBJ) {
		kv[1] = str(m, "definition");
		kv[3] = val;
	} else {
		merr(m, "%s: invalid schema annotation", where);
		return NULL;
	}
	return rv_obj(m->ar, kv, kv + 2, 2, NULL);
}

static int
scope_of(const rv *s)
{
	static const char *const names[] = { "", "rule", "document",
		"package", "subpackages" };
	int i;

	for (i = 1; i < 5; i++)
		if (strlen(names[i]) == s->n && memcmp(names[i], s->u.s,
		    s->n) == 0)
			return i;
	return -1;
}

/* The annotations object of a parsed block (OPA's toObject), scope
 * resolved once the node is known. */
static int
build_annot(struct meta *m, struct annot *a, const rv *y, const char *where)
{
	struct rv_vec ks, vs;
	const rv *v, *x;
	size_t i;
	bool entry = false;
	static const char *const scope_names[] = { "", "rule", "document",
		"package", "subpackages", "import" };

	if (y->t != RV_OBJ)
		return merr(m, "%s: yaml: unmarshal errors: the METADATA block "
		    "is not a mapping", where);
	rvv_init(&ks, m->ar);
	rvv_init(&vs, m->ar);
	a->scope = S_NONE;
	if ((v = rv_obj_gets(y, "scope", 5)) != NULL) {
		if ((x = as_string(m, v)) == NULL ||
		    (a->scope = scope_of(x)) < 0)
			return merr(m, "%s: invalid annotation scope '%s'. Use "
			    "one of 'rule', 'document', 'package', or "
			    "'subpackages'", where, x != NULL ? x->u.s : "?");
	}
	if ((v = rv_obj_gets(y, "entrypoint", 10)) != NULL) {
		if (v->t != RV_BOOL)
			return merr(m, "%s: yaml: cannot unmarshal entrypoint "
			    "into bool", where);
		entry = v->b;
	}
	if (a->scope == S_NONE)
		a->scope = a->node == N_RULE ? (entry ? S_DOCUMENT : S_RULE) :
		    a->node == N_PACKAGE ? S_PACKAGE : S_IMPORT;
	if ((a->scope == S_RULE || a->scope == S_DOCUMENT) &&
	    a->node != N_RULE)
		return merr(m, "%s: annotation scope '%s' must be applied to "
		    "rule (annotation applied to %s)", where,
		    scope_names[a->scope], a->node == N_PACKAGE ? "package" :
		    a->node == N_IMPORT ? "import" : "nothing");
	if ((a->scope == S_PACKAGE || a->scope == S_SUBPACKAGES) &&
	    a->node != N_PACKAGE)
		return merr(m, "%s: annotation scope '%s' must be applied to "
		    "package (annotation applied to %s)", where,
		    scope_names[a->scope], a->node == N_RULE ? "rule" :
		    a->node == N_IMPORT ? "import" : "nothing");
	if (a->scope == S_IMPORT)
		return merr(m, "%s: invalid annotation scope 'import'. Use one "
		    "of 'rule', 'document', 'package', or 'subpackages'",
		    where);
	if (entry && a->scope != S_DOCUMENT && a->scope != S_PACKAGE)
		return merr(m, "%s: annotation entrypoint applied to "
		    "non-document or package scope '%s'", where,
		    scope_names[a->scope]);
#define PUT(key, val) \
	do { \
		const rv *k_ = str(m, key), *v_ = (val); \
		if (k_ == NULL || v_ == NULL || rvv_push(&ks, k_) != 0 || \
		    rvv_push(&vs, v_) != 0) \
			return m->err[0] != '\0' ? -1 : mnomem(m); \
	} while (0)
	PUT("scope", str(m, scope_names[a->scope]));
	if ((v = rv_obj_gets(y, "title", 5)) != NULL &&
	    (x = as_string(m, v)) != NULL && x->n > 0)
		PUT("title", x);
	if (entry)
		PUT("entrypoint", RV_TRUE);
	if ((v = rv_obj_gets(y, "description", 11)) != NULL &&
	    (x = as_string(m, v)) != NULL && x->n > 0)
		PUT("description", x);
	if ((v = rv_obj_gets(y, "organizations", 13)) != NULL &&
	    v->t == RV_ARR && v->n > 0) {
		const rv **o = ra_alloc(m->ar, v->n * sizeof(*o));

		if (o == NULL)
			return mnomem(m);
		for (i = 0; i < v->n; i++)
			if ((o[i] = as_string(m, v->u.a[i])) == NULL)
				return merr(m, "%s: invalid organization",
				    where);
		PUT("organizations", rv_arr(m->ar, o, v->n));
	}
	if ((v = rv_obj_gets(y, "related_resources", 17)) != NULL &&
	    v->t == RV_ARR && v->n > 0) {
		const rv **o = ra_alloc(m->ar, v->n * sizeof(*o));

		if (o == NULL)
			return mnomem(m);
		for (i = 0; i < v->n; i++)
			if ((o[i] = related_resource(m, v->u.a[i], where)) ==
			    NULL)
				return -1;
		PUT("related_resources", rv_arr(m->ar, o, v->n));
	}
	if ((v = rv_obj_gets(y, "authors", 7)) != NULL && v->t == RV_ARR &&
	    v->n > 0) {
		const rv **o = ra_alloc(m->ar, v->n * sizeof(*o));

		if (o == NULL)
			return mnomem(m);
		for (i = 0; i < v->n; i++)
			if ((o[i] = author(m, v->u.a[i], where)) == NULL)
				return -1;
		PUT("authors", rv_arr(m->ar, o, v->n));
	}
	if ((v = rv_obj_gets(y, "schemas", 7)) != NULL && v->t == RV_ARR &&
	    v->n > 0) {
		const rv **o = ra_alloc(m->ar, v->n * sizeof(*o));

		if (o == NULL)
			return mnomem(m);
		for (i = 0; i < v->n; i++)
			if ((o[i] = schema_entry(m, v->u.a[i], where)) == NULL)
				return -1;
		PUT("schemas", rv_arr(m->ar, o, v->n));
	}
	if ((v = rv_obj_gets(y, "custom", 6)) != NULL && v->t == RV_OBJ &&
	    v->n > 0)
		PUT("custom", v);
#undef PUT
	if ((a->obj = rv_obj(m->ar, ks.v, vs.v, ks.n, NULL)) == NULL)
		return mnomem(m);
	return 0;
}

/* Statements of a module in source order: (row, kind, rule). */
static void
attach(const struct rego_module *mod, struct annot *a)
{
	int best = 0;
	size_t i;

	a->node = N_NONE;
	a->rule = NULL;
	if (mod->pkg != NULL && mod->pkg->row > a->row) {
		best = mod->pkg->row;
		a->node = N_PACKAGE;
	}
	for (i = 0; i < mod->nimports; i++) {
		int r = mod->imports[i]->row;

		if (r > a->row && (best == 0 || r < best)) {
			best = r;
			a->node = N_IMPORT;
		}
	}
	for (i = 0; i < mod->nrules; i++) {
		int r = mod->rules[i]->row;

		if (r > a->row && (best == 0 || r < best)) {
			best = r;
			a->node = N_RULE;
			a->rule = mod->rules[i];
		}
	}
}

/* Parse the METADATA blocks of one module into list. */
static int
module_annots(struct meta *m, const struct rego_module *mod,
    struct annots *list)
{
	size_t i = 0;
	char where[200];

	while (i < mod->ncomments) {
		const struct rego_comment *c = &mod->comments[i];
		const char *t = c->text, *e = t + c->len;
		struct rego_buf b;
		struct annot *a;
		const rv *y;
		char yerr[300];
		size_t j;
		int rc;

		while (t < e && (*t == ' ' || *t == '\t' || *t == '\r'))
			t++;
		if ((size_t)(e - t) < 8 || memcmp(t, "METADATA", 8) != 0) {
			i++;
			continue;
		}
		rb_init(&b, CCAKIT_REGO_MAX_MODULE);
		for (j = i + 1; j < mod->ncomments &&
		    mod->comments[j].row == mod->comments[j - 1].row + 1 &&
		    mod->comments[j].col == 1; j++) {
			const char *lt = mod->comments[j].text;
			size_t ll = mod->comments[j].len;

			if (ll > 0 && lt[0] == ' ') {
				lt++;
				ll--;
			}
			while (ll > 0 && lt[ll - 1] == '\r')
				ll--;
			rb_put(&b, lt, ll);
			rb_putc(&b, '\n');
		}
		snprintf(where, sizeof(where), "%s:%d: rego_parse_error",
		    mod->file, c->row);
		if (b.oom) {
			rb_free(&b);
			return mnomem(m);
		}
		{
			const char *p = rb_str(&b);
			size_t k;

			for (k = 0; k < b.len && (p[k] == ' ' || p[k] == '\n' ||
			    p[k] == '\t' || p[k] == '\r'); k++)
				;
			if (k == b.len) {
				rb_free(&b);
				return merr(m, "%s: expected METADATA block, "
				    "found whitespace", where);
			}
		}
		rc = rego_yaml_load(m->ctx, rb_str(&b), b.len, &y, yerr,
		    sizeof(yerr));
		rb_free(&b);
		if (rc == CCAKIT_ERR_JSON || rc == CCAKIT_ERR_TOO_LARGE)
			return merr(m, "%s: %s", where, yerr);
		if (rc != CCAKIT_OK) {
			m->rc = rc;
			return -1;
		}
		if (list->n == list->cap) {
			size_t nc = list->cap == 0 ? 8 : list->cap * 2;
			struct annot *nv = ra_alloc(m->ar, nc * sizeof(*nv));

			if (nv == NULL)
				return mnomem(m);
			if (list->n > 0)
				memcpy(nv, list->v, list->n * sizeof(*nv));
			list->v = nv;
			list->cap = nc;
		}
		a = &list->v[list->n++];
		memset(a, 0, sizeof(*a));
		a->mod = mod;
		a->row = c->row;
		a->col = c->col;
		attach(mod, a);
		if (build_annot(m, a, y, where) != 0)
			return -1;
		i = j;
	}
	return 0;
}

static bool
path_eq(const rv *const *a, size_t na, const rv *const *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (!rv_eq(a[i], b[i]))
			return false;
	return true;
}

/* The path of an annotation's target (below data). */
static void
target_path(const struct annot *a, const rv *const **p, size_t *n)
{
	if (a->node == N_RULE) {
		*p = a->rule->path;
		*n = a->rule->nground;
	} else {
		/* pkgpath starts with "data" */
		*p = a->mod->pkgpath + 1;
		*n = a->mod->npkg - 1;
	}
}

static const rv *
path_value(struct meta *m, const rv *const *p, size_t n)
{
	const rv **items = ra_alloc(m->ar, (n + 1) * sizeof(*items));
	size_t i;

	if (items == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (p[i]->t == RV_STR) {
			items[i] = p[i];
		} else {
			struct rego_buf b;

			rb_init(&b, 4096);
			rego_fmt_term(&b, p[i]);
			items[i] = b.oom ? NULL : rv_str(m->ar, rb_str(&b),
			    b.len);
			rb_free(&b);
			if (items[i] == NULL)
				return NULL;
		}
	}
	return rv_arr(m->ar, items, n);
}

static int
chain_push(struct meta *m, struct rv_vec *out, const rv *const *p, size_t n,
    const rv *annots)
{
	const rv **kv = ra_alloc(m->ar, 4 * sizeof(*kv)), *o;
	size_t k = 0;

	if (kv == NULL)
		return -1;
	if (annots != NULL) {
		kv[k] = str(m, "annotations");
		kv[2 + k++] = annots;
	}
	kv[k] = str(m, "path");
	kv[2 + k++] = path_value(m, p, n);
	if (kv[k - 1] == NULL || kv[2 + k - 1] == NULL ||
	    (o = rv_obj_sorted(m->ar, kv, kv + 2, k)) == NULL ||
	    rvv_push(out, o) != 0)
		return -1;
	return 0;
}

/* The rule (or else rule) a call at file:row:col belongs to. */
static const struct rego_rule *
rule_at(const struct ccakit_rego_policy *pol, const char *file, int row,
    int col, const struct rego_module **modp)
{
	const struct rego_rule *best = NULL, *r;
	size_t i, j;

	if (file == NULL)
		return NULL;
	for (i = 0; i < pol->nmods; i++) {
		const struct rego_module *mod = pol->mods[i];

		if (mod->file == NULL || strcmp(mod->file, file) != 0)
			continue;
		for (j = 0; j < mod->nrules; j++) {
			r = mod->rules[j];
			if (r->row < row || (r->row == row && r->col <= col))
				if (best == NULL || r->row > best->row ||
				    (r->row == best->row && r->col > best->col))
					best = r;
		}
		*modp = mod;
		break;
	}
	if (best == NULL)
		return NULL;
	for (r = best->else_; r != NULL; r = r->else_)
		if (r->row < row || (r->row == row && r->col <= col))
			best = r;
	return best;
}

static int
annot_cmp_desc(const void *x, const void *y)
{
	const struct annot *a = *(const struct annot *const *)x;
	const struct annot *b = *(const struct annot *const *)y;

	if (a->row != b->row)
		return a->row > b->row ? -1 : 1;
	return a->col > b->col ? -1 : a->col < b->col ? 1 : 0;
}

/* OPA's AnnotationSet.Chain. */
static int
chain(struct meta *m, const struct rego_rule *rule,
    const struct rego_module *mod, struct rv_vec *out)
{
	const struct ccakit_rego_policy *pol = rego_bi_policy(m->ctx);
	struct annots all;
	const struct annot **own;
	size_t i, nown = 0, k;

	memset(&all, 0, sizeof(all));
	for (i = 0; i < pol->nmods; i++)
		if (module_annots(m, pol->mods[i], &all) != 0)
			return -1;
	if ((own = ra_alloc(m->ar, (all.n + 1) * sizeof(*own))) == NULL)
		return mnomem(m);
	for (i = 0; i < all.n; i++)
		if (all.v[i].scope == S_RULE && all.v[i].rule == rule)
			own[nown++] = &all.v[i];
	qsort(own, nown, sizeof(*own), annot_cmp_desc);
	if (nown == 0) {
		if (chain_push(m, out, rule->path, rule->nground, NULL) != 0)
			return mnomem(m);
	}
	for (i = 0; i < nown; i++)
		if (chain_push(m, out, rule->path, rule->nground,
		    own[i]->obj) != 0)
			return mnomem(m);
	/* document scope of the rule's path */
	for (i = 0; i < all.n; i++) {
		const rv *const *p;
		size_t n;

		if (all.v[i].scope != S_DOCUMENT)
			continue;
		target_path(&all.v[i], &p, &n);
		if (path_eq(p, n, rule->path, rule->nground)) {
			if (chain_push(m, out, p, n, all.v[i].obj) != 0)
				return mnomem(m);
			break;
		}
	}
	/* package scope */
	for (i = 0; i < all.n; i++) {
		if (all.v[i].scope != S_PACKAGE)
			continue;
		if (path_eq(all.v[i].mod->pkgpath, all.v[i].mod->npkg,
		    mod->pkgpath, mod->npkg)) {
			if (chain_push(m, out, mod->pkgpath + 1, mod->npkg - 1,
			    all.v[i].obj) != 0)
				return mnomem(m);
			break;
		}
	}
	/* subpackages (and document) annotations of the package and its
	 * ancestors, closest first */
	for (k = mod->npkg - 1; k > 0; k--)
		for (i = 0; i < all.n; i++) {
			const rv *const *p;
			size_t n;

			if (all.v[i].scope != S_SUBPACKAGES &&
			    all.v[i].scope != S_DOCUMENT)
				continue;
			target_path(&all.v[i], &p, &n);
			if (path_eq(p, n, mod->pkgpath + 1, k)) {
				if (chain_push(m, out, p, n,
				    all.v[i].obj) != 0)
					return mnomem(m);
				break;
			}
		}
	return 0;
}

static int
metadata(ccakit_rego_bictx *ctx, const rv **out, bool whole)
{
	struct meta m;
	struct rv_vec v;
	const struct rego_module *mod = NULL;
	const struct rego_rule *rule;

	const rv *key, *items[4], *memo;

	memset(&m, 0, sizeof(m));
	m.ctx = ctx;
	m.ar = rego_bi_arena(ctx);
	/* One computation per call site and evaluation. */
	items[0] = rv_cstr(m.ar, ctx->file != NULL ? ctx->file : "");
	items[1] = rv_int(m.ar, ctx->row);
	items[2] = rv_int(m.ar, ctx->col);
	items[3] = rv_cstr(m.ar, whole ? "rego.metadata.chain" :
	    "rego.metadata.rule");
	NOMEM_IF(ctx, items[0] != NULL && items[1] != NULL &&
	    items[2] != NULL && items[3] != NULL ? items[0] : NULL);
	NOMEM_IF(ctx, key = rv_arr_copy(m.ar, items, 4));
	if ((memo = rego_bi_memo_get(ctx, key)) != NULL) {
		*out = memo;
		return CCAKIT_OK;
	}
	rule = rule_at(rego_bi_policy(ctx), ctx->file, ctx->row, ctx->col,
	    &mod);
	if (rule == NULL || mod == NULL)
		return ccakit_rego_bi_error(ctx, "not called from a rule");
	rvv_init(&v, m.ar);
	if (chain(&m, rule, mod, &v) != 0) {
		if (m.rc != 0)
			return m.rc;
		return ccakit_rego_bi_error(ctx, "%s", m.err);
	}
	if (whole) {
		NOMEM_IF(ctx, *out = rv_arr(m.ar, v.v, v.n));
	} else {
		/* the rule's own closest annotation, or {} */
		*out = &rv_empty_obj_v;
		if (v.n > 0) {
			const rv *a = rv_obj_gets(v.v[0], "annotations", 11);

			if (a != NULL)
				*out = a;
		}
	}
	return rego_bi_memo_put(ctx, key, *out);
}

static int
bi_metadata_chain(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	(void)a;
	return metadata(ctx, out, true);
}

static int
bi_metadata_rule(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	(void)a;
	return metadata(ctx, out, false);
}

/* ------------------------------------------------------------------ */
/* rego.parse_module: OPA's AST JSON.                                   */

struct aj {
	ccakit_rego_bictx *ctx;
	struct rego_arena *ar;
	bool oom;
	int depth;
};

static const rv *term_json(struct aj *j, const struct rego_term *t);
static const rv *body_json(struct aj *j, const struct rego_body *b);

/* An object from key/value pairs (key names static). */
static const rv *
jobj(struct aj *j, size_t n, const char *const *keys, const rv *const *vals)
{
	const rv **k = ra_alloc(j->ar, (2 * n + 1) * sizeof(*k));
	size_t i, o = 0;

	if (k == NULL) {
		j->oom = true;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (vals[i] == NULL)
			continue;
		if ((k[o] = rv_cstr(j->ar, keys[i])) == NULL) {
			j->oom = true;
			return NULL;
		}
		k[n + o] = vals[i];
		o++;
	}
	memmove(k + o, k + n, o * sizeof(*k));
	return rv_obj(j->ar, k, k + o, o, NULL);
}

static const rv *
typed(struct aj *j, const char *type, const rv *value)
{
	const char *const keys[] = { "type", "value" };
	const rv *vals[2];

	if (value == NULL)
		return NULL;
	vals[0] = rv_cstr(j->ar, type);
	vals[1] = value;
	if (vals[0] == NULL)
		return NULL;
	return jobj(j, 2, keys, vals);
}

/* A constant value as a term. */
static const rv *
value_json(struct aj *j, const rv *v)
{
	const rv **items;
	size_t i;

	if (++j->depth > CCAKIT_REGO_MAX_DEPTH)
		return NULL;
	switch (v->t) {
	case RV_NULL:
		j->depth--;
		return typed(j, "null", RV_NULLV);
	case RV_BOOL:
		j->depth--;
		return typed(j, "boolean", v);
	case RV_NUM:
		j->depth--;
		return typed(j, "number", v);
	case RV_STR:
		j->depth--;
		return typed(j, "string", v);
	default:
		break;
	}
	if ((items = ra_alloc(j->ar, (v->n + 1) * sizeof(*items))) == NULL)
		return NULL;
	for (i = 0; i < v->n; i++) {
		if (v->t == RV_OBJ) {
			const rv *pair[2];

			pair[0] = value_json(j, v->u.a[i]);
			pair[1] = value_json(j, rv_obj_vals(v)[i]);
			if (pair[0] == NULL || pair[1] == NULL ||
			    (items[i] = rv_arr_copy(j->ar, pair, 2)) == NULL)
				return NULL;
		} else if ((items[i] = value_json(j, v->u.a[i])) == NULL) {
			return NULL;
		}
	}
	j->depth--;
	return typed(j, v->t == RV_ARR ? "array" : v->t == RV_SET ? "set" :
	    "object", rv_arr(j->ar, items, v->n));
}

/* A ref operator named "a.b.c" (as the parser names built-ins). */
static const rv *
opref_json(struct aj *j, const char *name)
{
	struct rv_vec v;
	const char *s = name;
	bool first = true;

	rvv_init(&v, j->ar);
	for (;;) {
		const char *dot = strchr(s, '.');
		size_t n = dot != NULL ? (size_t)(dot - s) : strlen(s);
		const rv *seg = rv_str(j->ar, s, n), *t;

		if (seg == NULL || (t = typed(j, first ? "var" : "string",
		    seg)) == NULL || rvv_push(&v, t) != 0)
			return NULL;
		first = false;
		if (dot == NULL)
			break;
		s = dot + 1;
	}
	return typed(j, "ref", rv_arr(j->ar, v.v, v.n));
}

static const rv *
terms_json(struct aj *j, struct rego_term *const *t, size_t n,
    const rv *first)
{
	const rv **items = ra_alloc(j->ar, (n + 2) * sizeof(*items));
	size_t i, o = 0;

	if (items == NULL)
		return NULL;
	if (first != NULL)
		items[o++] = first;
	for (i = 0; i < n; i++)
		if ((items[o++] = term_json(j, t[i])) == NULL)
			return NULL;
	return rv_arr(j->ar, items, o);
}

static const rv *
term_json(struct aj *j, const struct rego_term *t)
{
	const rv *r = NULL;

	if (t == NULL || ++j->depth > CCAKIT_REGO_MAX_DEPTH)
		return NULL;
	switch (t->kind) {
	case K_VALUE:
		r = value_json(j, t->u.v);
		break;
	case K_VAR:
		r = typed(j, "var", rv_cstr(j->ar, t->u.var.name));
		break;
	case K_REF:
		if (t->u.l.n == 1 && t->u.l.items[0]->kind == K_VAR &&
		    strchr(t->u.l.items[0]->u.var.name, '.') != NULL) {
			r = opref_json(j, t->u.l.items[0]->u.var.name);
			break;
		}
		r = typed(j, "ref", terms_json(j, t->u.l.items, t->u.l.n,
		    NULL));
		break;
	case K_ARRAY:
		r = typed(j, "array", terms_json(j, t->u.l.items, t->u.l.n,
		    NULL));
		break;
	case K_SET:
		r = typed(j, "set", terms_json(j, t->u.l.items, t->u.l.n,
		    NULL));
		break;
	case K_CALL:
		r = typed(j, "call", terms_json(j, t->u.l.items, t->u.l.n,
		    NULL));
		break;
	case K_TEMPLATE:
		r = typed(j, "templatestring", terms_json(j, t->u.l.items,
		    t->u.l.n, NULL));
		break;
	case K_TPLEXPR: {
		const char *const keys[] = { "expr" };
		const rv *vals[1];

		vals[0] = t->u.e != NULL && t->u.e->nterms > 0 ?
		    term_json(j, t->u.e->terms[0]) : NULL;
		r = vals[0] != NULL ? jobj(j, 1, keys, vals) : NULL;
		break;
	}
	case K_OBJECT: {
		const rv **pairs = ra_alloc(j->ar, (t->u.o.n + 1) *
		    sizeof(*pairs));
		size_t i;

		if (pairs == NULL)
			return NULL;
		for (i = 0; i < t->u.o.n; i++) {
			const rv *pair[2];

			pair[0] = term_json(j, t->u.o.keys[i]);
			pair[1] = term_json(j, t->u.o.vals[i]);
			if (pair[0] == NULL || pair[1] == NULL ||
			    (pairs[i] = rv_arr_copy(j->ar, pair, 2)) == NULL)
				return NULL;
		}
		r = typed(j, "object", rv_arr(j->ar, pairs, t->u.o.n));
		break;
	}
	case K_ACOMP:
	case K_SCOMP: {
		const char *const keys[] = { "body", "term" };
		const rv *vals[2];

		vals[0] = body_json(j, t->u.c.body);
		vals[1] = term_json(j, t->u.c.head);
		r = vals[0] != NULL && vals[1] != NULL ? typed(j,
		    t->kind == K_ACOMP ? "arraycomprehension" :
		    "setcomprehension", jobj(j, 2, keys, vals)) : NULL;
		break;
	}
	case K_OCOMP: {
		const char *const keys[] = { "body", "key", "value" };
		const rv *vals[3];

		vals[0] = body_json(j, t->u.c.body);
		vals[1] = term_json(j, t->u.c.key);
		vals[2] = term_json(j, t->u.c.head);
		r = vals[0] != NULL && vals[1] != NULL && vals[2] != NULL ?
		    typed(j, "objectcomprehension", jobj(j, 3, keys, vals)) :
		    NULL;
		break;
	}
	default:
		break;
	}
	j->depth--;
	return r;
}

static const rv *
expr_json(struct aj *j, const struct rego_expr *e, size_t index)
{
	const char *const keys[] = { "generated", "index", "negated",
		"terms", "with" };
	const rv *vals[5] = { NULL, NULL, NULL, NULL, NULL };
	size_t i;

	/* vals[0] "generated": only the compiler generates expressions;
	 * a parsed module has none (the `true` body of a rule without one
	 * is not marked in OPA either). */
	vals[1] = rv_int(j->ar, (int64_t)index);
	vals[2] = e->negated ? RV_TRUE : NULL;
	switch (e->kind) {
	case E_TERM:
		vals[3] = e->nterms > 0 ? term_json(j, e->terms[0]) : NULL;
		break;
	case E_CALL:
		vals[3] = terms_json(j, e->terms, e->nterms, NULL);
		break;
	case E_UNIFY:
	case E_ASSIGN:
		vals[3] = terms_json(j, e->terms, e->nterms, opref_json(j,
		    e->kind == E_UNIFY ? "eq" : "assign"));
		break;
	case E_SOME: {
		const char *const sk[] = { "symbols" };
		const rv *sv[1];

		sv[0] = terms_json(j, e->terms, e->nterms, NULL);
		vals[3] = sv[0] != NULL ? jobj(j, 1, sk, sv) : NULL;
		break;
	}
	case E_EVERY: {
		const char *const ek[] = { "body", "domain", "key", "value" };
		const rv *ev[4];

		ev[0] = body_json(j, e->every.body);
		ev[1] = term_json(j, e->every.domain);
		ev[2] = e->every.key != NULL ? term_json(j, e->every.key) :
		    NULL;
		ev[3] = term_json(j, e->every.value);
		vals[3] = ev[0] != NULL && ev[1] != NULL && ev[3] != NULL ?
		    jobj(j, 4, ek, ev) : NULL;
		break;
	}
	default:
		break;
	}
	if (vals[3] == NULL)
		return NULL;
	if (e->nwith > 0) {
		const rv **w = ra_alloc(j->ar, e->nwith * sizeof(*w));

		if (w == NULL)
			return NULL;
		for (i = 0; i < e->nwith; i++) {
			const char *const wk[] = { "target", "value" };
			const rv *wv[2];

			wv[0] = term_json(j, e->with[i]->target);
			wv[1] = term_json(j, e->with[i]->value);
			if (wv[0] == NULL || wv[1] == NULL ||
			    (w[i] = jobj(j, 2, wk, wv)) == NULL)
				return NULL;
		}
		vals[4] = rv_arr(j->ar, w, e->nwith);
	}
	return jobj(j, 5, keys, vals);
}

static const rv *
body_json(struct aj *j, const struct rego_body *b)
{
	const rv **items;
	size_t i;

	if (b == NULL)
		return &rv_empty_arr_v;
	if ((items = ra_alloc(j->ar, (b->n + 1) * sizeof(*items))) == NULL)
		return NULL;
	for (i = 0; i < b->n; i++)
		if ((items[i] = expr_json(j, b->e[i], i)) == NULL)
			return NULL;
	return rv_arr(j->ar, items, b->n);
}

static const rv *
rule_json(struct aj *j, const struct rego_rule *r)
{
	const char *const hk[] = { "args", "assign", "key", "name", "ref",
		"value" };
	const rv *hv[6] = { NULL, NULL, NULL, NULL, NULL, NULL };
	const char *const rk[] = { "body", "default", "else", "head" };
	const rv *rv_[4] = { NULL, NULL, NULL, NULL };

	if (r->is_func)
		hv[0] = terms_json(j, r->args, r->nargs, NULL);
	hv[1] = r->assign ? RV_TRUE : NULL;
	if (r->key != NULL)
		hv[2] = term_json(j, r->key);
	if (r->ref->kind == K_VAR)
		hv[3] = rv_cstr(j->ar, r->ref->u.var.name);
	else if (r->ref->u.l.n == 1)
		hv[3] = rv_cstr(j->ar, r->ref->u.l.items[0]->u.var.name);
	hv[4] = r->ref->kind == K_VAR ? terms_json(j,
	    (struct rego_term *const *)&r->ref, 1, NULL) :
	    terms_json(j, r->ref->u.l.items, r->ref->u.l.n, NULL);
	if (r->value != NULL)
		hv[5] = term_json(j, r->value);
	rv_[0] = body_json(j, r->body);
	rv_[1] = r->is_default ? RV_TRUE : NULL;
	rv_[2] = r->else_ != NULL ? rule_json(j, r->else_) : NULL;
	rv_[3] = jobj(j, 6, hk, hv);
	if (rv_[0] == NULL || rv_[3] == NULL ||
	    (r->else_ != NULL && rv_[2] == NULL))
		return NULL;
	return jobj(j, 4, rk, rv_);
}

static const rv *
module_json(struct aj *j, const struct rego_module *m)
{
	const char *const mk[] = { "imports", "package", "rules" };
	const rv *mv[3] = { NULL, NULL, NULL };
	const char *const pk[] = { "path" };
	const rv *pv[1];
	const rv **items;
	size_t i;

	/* data.a.b: the var data, then strings */
	if ((items = ra_alloc(j->ar, (m->npkg + 1) * sizeof(*items))) == NULL)
		return NULL;
	for (i = 0; i < m->npkg; i++)
		if ((items[i] = typed(j, i == 0 ? "var" : "string",
		    m->pkgpath[i])) == NULL)
			return NULL;
	pv[0] = rv_arr(j->ar, items, m->npkg);
	if (pv[0] == NULL || (mv[1] = jobj(j, 1, pk, pv)) == NULL)
		return NULL;
	if (m->nimports > 0) {
		if ((items = ra_alloc(j->ar, m->nimports *
		    sizeof(*items))) == NULL)
			return NULL;
		for (i = 0; i < m->nimports; i++) {
			const char *const ik[] = { "alias", "path" };
			const rv *iv[2];

			iv[0] = m->imports[i]->alias != NULL ? rv_cstr(j->ar,
			    m->imports[i]->alias) : NULL;
			iv[1] = term_json(j, m->imports[i]->path);
			if (iv[1] == NULL ||
			    (items[i] = jobj(j, 2, ik, iv)) == NULL)
				return NULL;
		}
		mv[0] = rv_arr(j->ar, items, m->nimports);
	}
	if (m->nrules > 0) {
		if ((items = ra_alloc(j->ar, m->nrules *
		    sizeof(*items))) == NULL)
			return NULL;
		for (i = 0; i < m->nrules; i++) {
			if ((rego_bi_step(j->ctx, 1)) != CCAKIT_OK ||
			    (items[i] = rule_json(j, m->rules[i])) == NULL)
				return NULL;
		}
		mv[2] = rv_arr(j->ar, items, m->nrules);
	}
	return jobj(j, 3, mk, mv);
}

static int
bi_parse_module(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	struct rego_diags ds;
	struct rego_module *m = NULL;
	struct aj j;
	char *file;
	int rc;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	BI_NEED(ctx, a, 1, RV_STR, "string");
	if (a[1]->n > CCAKIT_REGO_MAX_MODULE)
		return ccakit_rego_bi_error(ctx, "module larger than %u bytes",
		    CCAKIT_REGO_MAX_MODULE);
	NOMEM_IF(ctx, file = ra_strndup(ar, a[0]->u.s, a[0]->n));
	memset(&ds, 0, sizeof(ds));
	rc = rego_parse_module(ar, file, a[1]->u.s, a[1]->n, &m, &ds);
	if (rc != CCAKIT_OK) {
		char buf[700];

		if (ds.n > 0)
			ccakit_rego_diag_format(&ds.d[0], buf, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "%s", "parse error");
		rd_free(&ds);
		if (rc == CCAKIT_ERR_NOMEM || ar->failed)
			return rego_bi_nomem(ctx);
		return ccakit_rego_bi_error(ctx, "1 error occurred: %s", buf);
	}
	rd_free(&ds);
	memset(&j, 0, sizeof(j));
	j.ctx = ctx;
	j.ar = ar;
	if ((*out = module_json(&j, m)) == NULL) {
		if ((rc = rego_bi_step(ctx, 1)) != CCAKIT_OK)
			return rc;
		return ar->failed ? rego_bi_nomem(ctx) :
		    ccakit_rego_bi_error(ctx, "module too deeply nested");
	}
	return CCAKIT_OK;
}

const struct rego_bi_def rego_bi_meta[] = {
	{ "rego.metadata.chain", 0, 0, bi_metadata_chain },
	{ "rego.metadata.rule", 0, 0, bi_metadata_rule },
	{ "rego.parse_module", 2, 0, bi_parse_module },
	{ NULL, 0, 0, NULL },
};
