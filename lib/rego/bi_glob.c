/*
 * glob.match, glob.quote_meta (OPA uses github.com/gobwas/glob v0.2.3)
 * and regex.globs_match (github.com/yashtewari/glob-intersection v0.2.0).
 *
 * glob.match: the pattern is read with gobwas's lexer and parser, whose
 * quirks decide what a pattern means (`}` and `,` are text outside
 * braces, `[!...]` negates, `\` escapes, a NUL ends the pattern, an
 * unclosed `{` closes at the end), then compiled to a small automaton
 * and matched by simulating all its states at once: time linear in the
 * text for a given pattern, no backtracking. `*` is any run of
 * non-delimiters, `**` any run, `?` one non-delimiter, `[...]` one
 * character (delimiters included), `{a,b}` alternatives; the whole text
 * must match. Compiled globs are cached (bicache.h).
 *
 * regex.globs_match: whether two "globs" (`.`, `[...]` sets, `+` and `*`
 * on single tokens) have a common match, with the library's own
 * algorithm (prefix and suffix trimming, then a recursive walk), kept
 * as is so that results equal OPA's, but memoised, so that it takes
 * polynomial time whatever the patterns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/bicache.h"
#include "rego/rego_priv.h"

#define GLOB_MAX_NEST     256      /* nested { } (C stack) */
#define GLOB_CACHE_MAX    256u
#define GI_MAX_TOKENS     500      /* regex.globs_match, per pattern */

/* ------------------------------------------------------------------ */
/* gobwas/glob lexer.                                                   */

enum {
	T_EOF = 0, T_ERROR, T_TEXT, T_ANY, T_SUPER, T_SINGLE, T_NOT, T_SEP,
	T_ROPEN, T_RCLOSE, T_RLO, T_RHI, T_RBETWEEN, T_TOPEN, T_TCLOSE,
};

struct gtok {
	uint8_t type;
	uint32_t r;              /* T_RLO, T_RHI */
	uint32_t *text;          /* T_TEXT */
	size_t ntext;
};

#define GQ 8

struct glex {
	struct rego_arena *a;
	const char *s;
	size_t n, pos;
	const char *err;
	bool nomem;
	struct gtok q[GQ];
	size_t qh, qn;
	int terms;
	uint32_t last;
	size_t lastsz;
	bool has;
};

static void
gpush(struct glex *l, uint8_t type, uint32_t r, uint32_t *text, size_t nt)
{
	struct gtok *t;

	if (l->qn == GQ) {          /* cannot happen: at most 5 queued */
		l->err = "internal error";
		return;
	}
	t = &l->q[(l->qh + l->qn++) % GQ];
	t->type = type;
	t->r = r;
	t->text = text;
	t->ntext = nt;
}

/* The rune at pos (0 at the end; an invalid or U+FFFD rune is an error,
 * as utf8.RuneError is for gobwas). */
static uint32_t
gpeek(struct glex *l, size_t *w)
{
	uint32_t cp;

	*w = 0;
	if (l->pos >= l->n)
		return 0;
	*w = rego_utf8_dec(l->s + l->pos, l->n - l->pos, &cp);
	if (cp == 0xFFFD) {
		l->err = "could not read rune";
		*w = 0;
		return 0;
	}
	return cp;
}

static uint32_t
gread(struct glex *l)
{
	uint32_t r;
	size_t w;

	if (l->has) {
		l->has = false;
		l->pos += l->lastsz;
		return l->last;
	}
	r = gpeek(l, &w);
	l->pos += w;
	l->last = r;
	l->lastsz = w;
	return r;
}

static void
gunread(struct glex *l)
{
	if (l->has) {
		l->err = "could not unread rune";
		return;
	}
	l->pos -= l->lastsz;
	l->has = true;
}

static bool
breaker(uint32_t r, const char *set)
{
	return r != 0 && r < 0x80 && strchr(set, (int)r) != NULL;
}

static void
gtext(struct glex *l, const char *breakers)
{
	uint32_t *buf = NULL, r;
	size_t n = 0, cap = 0;
	bool esc = false;

	for (;;) {
		if ((r = gread(l)) == 0)
			break;
		if (!esc) {
			if (r == '\\') {
				esc = true;
				continue;
			}
			if (breaker(r, breakers)) {
				gunread(l);
				break;
			}
		}
		esc = false;
		if (n == cap) {
			size_t nc = cap == 0 ? 16 : cap * 2;
			uint32_t *nb = ra_alloc(l->a, nc * sizeof(*nb));

			if (nb == NULL) {
				l->nomem = true;
				l->err = "out of memory";
				return;
			}
			if (n > 0)
				memcpy(nb, buf, n * sizeof(*nb));
			buf = nb;
			cap = nc;
		}
		buf[n++] = r;
	}
	if (n > 0)
		gpush(l, T_TEXT, 0, buf, n);
}

static void
grange(struct glex *l)
{
	bool want_hi = false, want_close = false, seen_not = false;
	uint32_t r, nx;
	size_t w;

	for (;;) {
		if ((r = gread(l)) == 0) {
			if (l->err == NULL)
				l->err = "unexpected end of input";
			return;
		}
		if (want_close) {
			if (r != ']')
				l->err = "expected close range character";
			else
				gpush(l, T_RCLOSE, 0, NULL, 0);
			return;
		}
		if (want_hi) {
			gpush(l, T_RHI, r, NULL, 0);
			want_close = true;
			continue;
		}
		if (!seen_not && r == '!') {
			gpush(l, T_NOT, 0, NULL, 0);
			seen_not = true;
			continue;
		}
		if ((nx = gpeek(l, &w)) == '-') {
			l->pos += w;
			gpush(l, T_RLO, r, NULL, 0);
			gpush(l, T_RBETWEEN, 0, NULL, 0);
			want_hi = true;
			continue;
		}
		gunread(l);
		gtext(l, "]");
		want_close = true;
	}
}

static void
gfetch(struct glex *l)
{
	uint32_t r = gread(l);

	if (r == 0) {
		gpush(l, T_EOF, 0, NULL, 0);
	} else if (r == '{') {
		l->terms++;
		gpush(l, T_TOPEN, 0, NULL, 0);
	} else if (r == ',' && l->terms > 0) {
		gpush(l, T_SEP, 0, NULL, 0);
	} else if (r == '}' && l->terms > 0) {
		gpush(l, T_TCLOSE, 0, NULL, 0);
		l->terms--;
	} else if (r == '[') {
		gpush(l, T_ROPEN, 0, NULL, 0);
		grange(l);
	} else if (r == '?') {
		gpush(l, T_SINGLE, 0, NULL, 0);
	} else if (r == '*') {
		if (gread(l) == '*') {
			gpush(l, T_SUPER, 0, NULL, 0);
		} else {
			gunread(l);
			gpush(l, T_ANY, 0, NULL, 0);
		}
	} else {
		gunread(l);
		gtext(l, l->terms > 0 ? "?*[{}," : "?*[{");
	}
}

/* The next token; once the lexer failed, always the error. */
static struct gtok
gnext(struct glex *l)
{
	struct gtok t;

	for (;;) {
		if (l->err != NULL) {
			memset(&t, 0, sizeof(t));
			t.type = T_ERROR;
			return t;
		}
		if (l->qn > 0) {
			t = l->q[l->qh];
			l->qh = (l->qh + 1) % GQ;
			l->qn--;
			return t;
		}
		gfetch(l);
	}
}

/* ------------------------------------------------------------------ */
/* gobwas/glob parser: a tree of patterns and alternatives.             */

enum { G_PATTERN, G_ANYOF, G_TEXT, G_ANY, G_SUPER, G_SINGLE, G_LIST,
	G_RANGE };

struct gnode {
	uint8_t kind;
	bool not;
	uint32_t lo, hi;          /* G_RANGE */
	uint32_t *runes;          /* G_TEXT, G_LIST */
	size_t nr;
	struct gnode *parent;
	struct gnode **kids;
	size_t nkids, capkids;
	int depth;
};

struct gparse {
	struct rego_arena *a;
	char err[160];
	bool nomem;
};

static struct gnode *
ginsert(struct gparse *p, struct gnode *parent, uint8_t kind)
{
	struct gnode *n = ra_zalloc(p->a, sizeof(*n));

	if (n == NULL) {
		p->nomem = true;
		return NULL;
	}
	n->kind = kind;
	n->parent = parent;
	n->depth = parent != NULL ? parent->depth + 1 : 0;
	if (parent == NULL)
		return n;
	if (parent->nkids == parent->capkids) {
		size_t nc = parent->capkids == 0 ? 4 : parent->capkids * 2;
		struct gnode **nk = ra_alloc(p->a, nc * sizeof(*nk));

		if (nk == NULL) {
			p->nomem = true;
			return NULL;
		}
		if (parent->nkids > 0)
			memcpy(nk, parent->kids, parent->nkids * sizeof(*nk));
		parent->kids = nk;
		parent->capkids = nc;
	}
	parent->kids[parent->nkids++] = n;
	return n;
}

static int
gerr(struct gparse *p, const char *msg)
{
	snprintf(p->err, sizeof(p->err), "%s", msg);
	return -1;
}

static void
rune_str(uint32_t r, char out[5])
{
	out[rego_utf8_enc(r, out)] = '\0';
}

static int
gparse_range(struct gparse *p, struct glex *l, struct gnode *tree)
{
	uint32_t lo = 0, hi = 0, *chars = NULL;
	size_t nchars = 0;
	bool not = false;
	struct gnode *n;
	struct gtok t;

	for (;;) {
		t = gnext(l);
		switch (t.type) {
		case T_EOF:
			return gerr(p, "unexpected end");
		case T_ERROR:
			p->nomem = l->nomem;
			return gerr(p, l->err);
		case T_NOT:
			not = true;
			break;
		case T_RLO:
			lo = t.r;
			break;
		case T_RHI:
			hi = t.r;
			if (hi < lo) {
				char a[5], b[5];

				rune_str(hi, a);
				rune_str(lo, b);
				snprintf(p->err, sizeof(p->err), "hi character "
				    "'%s' should be greater than lo '%s'", a, b);
				return -1;
			}
			break;
		case T_TEXT:
			chars = t.text;
			nchars = t.ntext;
			break;
		case T_RCLOSE:
			if ((nchars > 0) == (lo != 0 && hi != 0))
				return gerr(p, "could not parse range");
			if ((n = ginsert(p, tree, nchars > 0 ? G_LIST :
			    G_RANGE)) == NULL)
				return -1;
			n->not = not;
			n->lo = lo;
			n->hi = hi;
			n->runes = chars;
			n->nr = nchars;
			return 0;
		default:
			break;
		}
	}
}

static int
gparse(struct gparse *p, const char *s, size_t n, struct gnode **root)
{
	struct glex l;
	struct gnode *tree, *x;
	struct gtok t;

	memset(&l, 0, sizeof(l));
	l.a = p->a;
	l.s = s;
	l.n = n;
	if ((*root = tree = ginsert(p, NULL, G_PATTERN)) == NULL)
		return -1;
	for (;;) {
		t = gnext(&l);
		switch (t.type) {
		case T_EOF:
			return 0;
		case T_ERROR:
			p->nomem = l.nomem;
			return gerr(p, l.err);
		case T_TEXT:
			if ((x = ginsert(p, tree, G_TEXT)) == NULL)
				return -1;
			x->runes = t.text;
			x->nr = t.ntext;
			break;
		case T_ANY:
		case T_SUPER:
		case T_SINGLE:
			if (ginsert(p, tree, t.type == T_ANY ? G_ANY :
			    t.type == T_SUPER ? G_SUPER : G_SINGLE) == NULL)
				return -1;
			break;
		case T_ROPEN:
			if (gparse_range(p, &l, tree) < 0)
				return -1;
			break;
		case T_TOPEN:
			if ((x = ginsert(p, tree, G_ANYOF)) == NULL ||
			    (tree = ginsert(p, x, G_PATTERN)) == NULL)
				return -1;
			if (tree->depth > 2 * GLOB_MAX_NEST)
				return gerr(p, "pattern nests too deeply");
			break;
		case T_SEP:
			if ((tree = ginsert(p, tree->parent, G_PATTERN)) ==
			    NULL)
				return -1;
			break;
		case T_TCLOSE:
			tree = tree->parent->parent;
			break;
		default:
			return gerr(p, "unexpected token");
		}
	}
}

/* ------------------------------------------------------------------ */
/* Automaton.                                                           */

enum { I_CHAR, I_LIST, I_RANGE, I_SINGLE, I_SUPER, I_SPLIT, I_JMP,
	I_MATCH };

struct ginst {
	uint8_t op;
	uint8_t not;
	uint32_t x, y;           /* rune, range, jump targets, set offset */
	uint32_t nset;
};

struct glob {
	struct rego_centry ent;  /* first: the cache's head */
	struct ginst *prog;
	size_t n;
	uint32_t *runes;         /* list sets */
	uint32_t *seps;
	size_t nseps;
};

struct gbuild {
	struct ginst *prog;
	size_t n, cap;
	uint32_t *runes;
	size_t nr, capr;
	bool nomem;
};

static size_t
gemit(struct gbuild *b, uint8_t op, uint32_t x, uint32_t y)
{
	if (b->n == b->cap) {
		size_t nc = b->cap == 0 ? 32 : b->cap * 2;
		struct ginst *np = realloc(b->prog, nc * sizeof(*np));

		if (np == NULL) {
			b->nomem = true;
			return 0;
		}
		b->prog = np;
		b->cap = nc;
	}
	memset(&b->prog[b->n], 0, sizeof(b->prog[0]));
	b->prog[b->n].op = op;
	b->prog[b->n].x = x;
	b->prog[b->n].y = y;
	return b->n++;
}

/* Recursion depth: the nesting of { }, capped by the parser. */
static void
gcompile(struct gbuild *b, const struct gnode *n)
{
	size_t i, pc, *jmps;

	if (b->nomem)
		return;
	switch (n->kind) {
	case G_PATTERN:
		for (i = 0; i < n->nkids; i++)
			gcompile(b, n->kids[i]);
		break;
	case G_TEXT:
		for (i = 0; i < n->nr; i++)
			gemit(b, I_CHAR, n->runes[i], 0);
		break;
	case G_ANY:
	case G_SUPER:
		/* L: split L+1, L+3; L+1: one char; L+2: jmp L */
		pc = gemit(b, I_SPLIT, 0, 0);
		b->prog[pc].x = (uint32_t)pc + 1;
		b->prog[pc].y = (uint32_t)pc + 3;
		gemit(b, n->kind == G_ANY ? I_SINGLE : I_SUPER, 0, 0);
		gemit(b, I_JMP, (uint32_t)pc, 0);
		break;
	case G_SINGLE:
		gemit(b, I_SINGLE, 0, 0);
		break;
	case G_RANGE:
		pc = gemit(b, I_RANGE, n->lo, n->hi);
		if (!b->nomem)
			b->prog[pc].not = n->not;
		break;
	case G_LIST:
		if (b->nr + n->nr > b->capr) {
			size_t nc = (b->nr + n->nr) * 2;
			uint32_t *nr = realloc(b->runes, nc * sizeof(*nr));

			if (nr == NULL) {
				b->nomem = true;
				return;
			}
			b->runes = nr;
			b->capr = nc;
		}
		memcpy(b->runes + b->nr, n->runes, n->nr * sizeof(*n->runes));
		pc = gemit(b, I_LIST, (uint32_t)b->nr, 0);
		if (!b->nomem) {
			b->prog[pc].nset = (uint32_t)n->nr;
			b->prog[pc].not = n->not;
		}
		b->nr += n->nr;
		break;
	case G_ANYOF:
		if ((jmps = calloc(n->nkids + 1, sizeof(*jmps))) == NULL) {
			b->nomem = true;
			return;
		}
		for (i = 0; i < n->nkids && !b->nomem; i++) {
			size_t split = 0;

			if (i + 1 < n->nkids)
				split = gemit(b, I_SPLIT, (uint32_t)b->n + 1, 0);
			gcompile(b, n->kids[i]);
			if (i + 1 < n->nkids) {
				jmps[i] = gemit(b, I_JMP, 0, 0);
				if (!b->nomem)
					b->prog[split].y = (uint32_t)b->n;
			}
		}
		for (i = 0; i + 1 < n->nkids && !b->nomem; i++)
			b->prog[jmps[i]].x = (uint32_t)b->n;
		free(jmps);
		break;
	default:
		break;
	}
}

static void
glob_destroy(struct rego_centry *e)
{
	struct glob *g = (struct glob *)e;

	free(g->prog);
	free(g->runes);
	free(g);
}

/* Cache key: the delimiters (count, then runes), then the pattern. */
struct gkey {
	const uint32_t *seps;
	size_t nseps;
	const char *pat;
	size_t plen;
	char err[160];
	bool nomem;
};

static struct rego_centry *
glob_build(const char *key, size_t n, void *arg, char *err, size_t errlen)
{
	struct gkey *k = arg;
	struct rego_arena ar;
	struct gparse p;
	struct gnode *root;
	struct gbuild b;
	struct glob *g;

	(void)key;
	(void)n;
	ra_init(&ar, 64u << 20);
	memset(&p, 0, sizeof(p));
	p.a = &ar;
	if (gparse(&p, k->pat, k->plen, &root) < 0 || p.nomem) {
		k->nomem = p.nomem;
		snprintf(err, errlen, "%s", p.nomem ? "out of memory" : p.err);
		ra_free(&ar);
		return NULL;
	}
	memset(&b, 0, sizeof(b));
	gcompile(&b, root);
	gemit(&b, I_MATCH, 0, 0);
	ra_free(&ar);
	if (b.nomem || b.n > UINT32_MAX / 4 ||
	    (g = calloc(1, sizeof(*g) + k->nseps * sizeof(uint32_t))) ==
	    NULL) {
		free(b.prog);
		free(b.runes);
		k->nomem = true;
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	g->prog = b.prog;
	g->n = b.n;
	g->runes = b.runes;
	g->seps = (uint32_t *)(g + 1);
	if (k->nseps > 0)
		memcpy(g->seps, k->seps, k->nseps * sizeof(uint32_t));
	g->nseps = k->nseps;
	return &g->ent;
}

static struct rego_cache glob_cache = REGO_CACHE_INIT(glob_destroy,
    GLOB_CACHE_MAX);

/* A sparse set of program counters. */
struct sset {
	uint32_t *dense, *sparse;
	size_t n;
};

static bool
ss_has(const struct sset *s, uint32_t pc)
{
	uint32_t i = s->sparse[pc];

	return i < s->n && s->dense[i] == pc;
}

/* Add pc and everything reachable from it without input. */
static void
ss_add(const struct glob *g, struct sset *s, uint32_t pc, uint32_t *stack)
{
	size_t sp = 0;

	stack[sp++] = pc;
	while (sp > 0) {
		pc = stack[--sp];
		if (ss_has(s, pc))
			continue;
		s->sparse[pc] = (uint32_t)s->n;
		s->dense[s->n++] = pc;
		if (g->prog[pc].op == I_SPLIT) {
			stack[sp++] = g->prog[pc].y;
			stack[sp++] = g->prog[pc].x;
		} else if (g->prog[pc].op == I_JMP) {
			stack[sp++] = g->prog[pc].x;
		}
	}
}

static bool
is_sep(const struct glob *g, uint32_t c)
{
	size_t i;

	for (i = 0; i < g->nseps; i++)
		if (g->seps[i] == c)
			return true;
	return false;
}

static bool
in_list(const struct glob *g, const struct ginst *in, uint32_t c)
{
	uint32_t i;

	for (i = 0; i < in->nset; i++)
		if (g->runes[in->x + i] == c)
			return true;
	return false;
}

/* Whether the whole of s matches; -1 out of memory. */
static int
glob_run(struct rego_arena *a, const struct glob *g, const char *s,
    size_t n)
{
	struct sset cur, nxt, tmp;
	uint32_t *mem, *stack, c, pc;
	size_t m = g->n, i, k, j;
	bool ok;

	/* each pc is pushed at most once per edge into it: 2 per pc */
	if ((mem = ra_zalloc(a, (6 * m + 2) * sizeof(*mem))) == NULL)
		return -1;
	cur.dense = mem;
	cur.sparse = mem + m;
	nxt.dense = mem + 2 * m;
	nxt.sparse = mem + 3 * m;
	stack = mem + 4 * m;
	cur.n = nxt.n = 0;
	ss_add(g, &cur, 0, stack);
	for (i = 0; i < n && cur.n > 0; i += k) {
		k = rego_utf8_dec(s + i, n - i, &c);
		nxt.n = 0;
		for (j = 0; j < cur.n; j++) {
			const struct ginst *in = &g->prog[cur.dense[j]];

			pc = cur.dense[j];
			switch (in->op) {
			case I_CHAR:
				ok = c == in->x;
				break;
			case I_LIST:
				ok = in_list(g, in, c) != in->not;
				break;
			case I_RANGE:
				ok = (c >= in->x && c <= in->y) != in->not;
				break;
			case I_SINGLE:
				ok = !is_sep(g, c);
				break;
			case I_SUPER:
				ok = true;
				break;
			default:
				ok = false;
			}
			if (ok)
				ss_add(g, &nxt, pc + 1, stack);
		}
		tmp = cur;
		cur = nxt;
		nxt = tmp;
	}
	if (i < n)
		return 0;
	for (j = 0; j < cur.n; j++)
		if (g->prog[cur.dense[j]].op == I_MATCH)
			return 1;
	return 0;
}

/* glob.match(pattern, delimiters, match). */
static int
bi_glob_match(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	struct rego_centry *e;
	struct gkey k;
	uint32_t *seps = NULL, dot = '.', nk;
	size_t nseps = 0, i;
	char *key;
	int r;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	if (a[1]->t == RV_ARR) {
		if ((seps = ra_alloc(ar, (a[1]->n + 1) * sizeof(*seps))) ==
		    NULL)
			return rego_bi_nomem(ctx);
		for (i = 0; i < a[1]->n; i++) {
			const rv *d = a[1]->u.a[i];
			uint32_t cp = 0;

			if (d->t != RV_STR)
				return rego_bi_typeerr(ctx, "operand 2 must be "
				    "array of strings but got array "
				    "containing %s", rv_type_name(d));
			/* one rune: that rune; otherwise NUL (as OPA) */
			if (d->n > 0 && rego_utf8_dec(d->u.s, d->n, &cp) !=
			    d->n)
				cp = 0;
			seps[nseps++] = cp;
		}
		if (nseps == 0) {
			seps = &dot;
			nseps = 1;
		}
	} else if (a[1]->t != RV_NULL) {
		return rego_bi_typeerr(ctx, "operand 2 must be one of {array, "
		    "null} but got %s", rv_type_name(a[1]));
	}
	BI_NEED(ctx, a, 2, RV_STR, "string");
	/* key: delimiter count and runes, then the pattern */
	if ((key = ra_alloc(ar, (nseps + 1) * 4 + a[0]->n)) == NULL)
		return rego_bi_nomem(ctx);
	nk = (uint32_t)nseps;
	memcpy(key, &nk, 4);
	if (nseps > 0)
		memcpy(key + 4, seps, nseps * 4);
	memcpy(key + 4 + nseps * 4, a[0]->u.s, a[0]->n);
	memset(&k, 0, sizeof(k));
	k.seps = seps;
	k.nseps = nseps;
	k.pat = a[0]->u.s;
	k.plen = a[0]->n;
	if ((e = rego_cache_get(&glob_cache, key, (nseps + 1) * 4 + a[0]->n,
	    glob_build, &k, k.err, sizeof(k.err))) == NULL) {
		if (k.nomem)
			return rego_bi_nomem(ctx);
		return ccakit_rego_bi_error(ctx, "%s", k.err);
	}
	r = glob_run(ar, (const struct glob *)e, a[2]->u.s, a[2]->n);
	rego_cache_put(&glob_cache, e);
	if (r < 0)
		return rego_bi_nomem(ctx);
	*out = RV_BOOLV(r == 1);
	return CCAKIT_OK;
}

/* gobwas's QuoteMeta: a backslash before * ? \ [ ] { }. */
static int
bi_quote_meta(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_buf *b;
	size_t i;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	b = rego_bi_buf(ctx);
	for (i = 0; i < a[0]->n; i++) {
		char c = a[0]->u.s[i];

		if (c != '\0' && strchr("*?\\[]{}", c) != NULL)
			rb_putc(b, '\\');
		rb_putc(b, c);
	}
	if (b->oom)
		return rego_bi_nomem(ctx);
	NOMEM_IF(ctx, *out = rv_str(rego_bi_arena(ctx), rb_str(b), b->len));
	return CCAKIT_OK;
}

/* ------------------------------------------------------------------ */
/* regex.globs_match: glob-intersection v0.2.0.                         */

enum { TT_CHAR = 0, TT_DOT, TT_SET };
enum { FL_NONE = 0, FL_PLUS, FL_STAR };

struct itok {
	uint8_t type, flag;
	uint32_t r;
	uint32_t *set;           /* sorted, merged (lo, hi) pairs */
	size_t nset;
};

struct iglob {
	struct itok *t;
	size_t n;
};

struct itz {
	struct rego_arena *a;
	const uint32_t *in;      /* the input as runes */
	size_t n;
	char err[512];
	bool nomem;
};

static int
iz_err(struct itz *z, size_t pos, const char *fmt, ...) CKI_PRINTF(3, 4);

/* "input:INPUT, pos:POS, MESSAGE: the input provided is invalid" */
static int
iz_err(struct itz *z, size_t pos, const char *fmt, ...)
{
	struct rego_buf b;
	char msg[200], enc[4];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* the input in full, as the library does, unless it is long */
	rb_init(&b, 0);
	rb_puts(&b, "input:");
	for (i = 0; i < z->n && i < 120; i++)
		rb_put(&b, enc, rego_utf8_enc(z->in[i], enc));
	if (i < z->n)
		rb_puts(&b, "...");
	rb_printf(&b, ", pos:%zu, %s: the input provided is invalid", pos,
	    msg);
	snprintf(z->err, sizeof(z->err), "%s", b.oom ? "out of memory" :
	    rb_str(&b));
	rb_free(&b);
	return -1;
}

/* Go's nextRune: 1 a rune, 0 end of input, -1 error. */
static int
iz_rune(struct itz *z, size_t i, size_t *ni, uint32_t *r, bool *esc)
{
	*esc = false;
	if (i >= z->n) {
		*ni = i;
		return 0;
	}
	if (z->in[i] == '\\') {
		if (i + 1 < z->n) {
			*ni = i + 2;
			*r = z->in[i + 1];
			*esc = true;
			return 1;
		}
		return iz_err(z, i, "input ends with a \\ (escape) character");
	}
	*ni = i + 1;
	*r = z->in[i];
	return 1;
}

static int
cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

/* Sort and merge (lo, hi) pairs in place; returns the new pair count. */
static size_t
merge_pairs(uint32_t *p, size_t np)
{
	size_t i, w = 0;

	if (np == 0)
		return 0;
	qsort(p, np, 2 * sizeof(uint32_t), cmp_u32);
	for (i = 1; i < np; i++) {
		if (p[2 * i] <= p[2 * w + 1] + 1) {
			if (p[2 * i + 1] > p[2 * w + 1])
				p[2 * w + 1] = p[2 * i + 1];
		} else {
			w++;
			p[2 * w] = p[2 * i];
			p[2 * w + 1] = p[2 * i + 1];
		}
	}
	return w + 1;
}

/* nextTokenSet: i just after '['. */
static int
iz_set(struct itz *z, size_t i, size_t *ni, struct itok *t)
{
	uint32_t r = 0, prev = 0, *p = NULL;
	size_t np = 0, cap = 0;
	bool esc, complete = false, have_prev = false;
	int rc;

	rc = iz_rune(z, i, ni, &r, &esc);
	for (; rc != 0; rc = iz_rune(z, *ni, ni, &r, &esc)) {
		uint32_t lo, hi;

		if (rc < 0)
			return -1;
		lo = hi = r;
		if (!esc && r == '-') {
			if (!have_prev)
				return iz_err(z, *ni, "range character '-' must "
				    "be preceded by a Unicode character");
			if (*ni + 1 >= z->n)
				return iz_err(z, *ni, "range character '-' must "
				    "be followed by a Unicode character");
			(void)iz_rune(z, *ni, ni, &r, &esc);
			if (!esc && (r == ']' || r == '-'))
				return iz_err(z, *ni, "range character '-' "
				    "cannot be followed by a special symbol");
			if (r < prev) {
				char a1[5], a2[5];

				rune_str(r, a1);
				rune_str(prev, a2);
				return iz_err(z, *ni, "range is out of order: "
				    "'%s' comes before '%s' in Unicode", a1, a2);
			}
			lo = prev;
			hi = r;
			have_prev = false;
		} else if (!esc && r == ']') {
			complete = true;
			break;
		} else {
			prev = r;
			have_prev = true;
		}
		if (np == cap) {
			size_t nc = cap == 0 ? 8 : cap * 2;
			uint32_t *pp = ra_alloc(z->a, 2 * nc * sizeof(*pp));

			if (pp == NULL) {
				z->nomem = true;
				return -1;
			}
			if (np > 0)
				memcpy(pp, p, 2 * np * sizeof(*pp));
			p = pp;
			cap = nc;
		}
		p[2 * np] = lo;
		p[2 * np + 1] = hi;
		np++;
	}
	if (!complete)
		return iz_err(z, *ni, "found [ without matching ]");
	t->type = TT_SET;
	t->set = p;
	t->nset = merge_pairs(p, np);
	return 0;
}

static int
itokenize(struct itz *z, struct iglob *g)
{
	size_t i = 0, ni, cap = 0;
	uint32_t r;
	bool esc;
	int rc;

	g->t = NULL;
	g->n = 0;
	for (;;) {
		struct itok t;

		if ((rc = iz_rune(z, i, &ni, &r, &esc)) <= 0)
			return rc;
		memset(&t, 0, sizeof(t));
		t.type = TT_CHAR;
		t.r = r;
		if (!esc && r == '.') {
			t.type = TT_DOT;
		} else if (!esc && r == ']') {
			return iz_err(z, ni, "set-close ']' with no preceding "
			    "'['");
		} else if (!esc && r == '[') {
			if (iz_set(z, ni, &ni, &t) < 0)
				return -1;
		} else if (!esc && (r == '+' || r == '*')) {
			return iz_err(z, ni, "flag '%c' must be preceded by a "
			    "non-flag", (char)r);
		}
		/* an optional flag */
		i = ni;
		if ((rc = iz_rune(z, i, &ni, &r, &esc)) < 0)
			return -1;
		if (rc > 0 && !esc && (r == '+' || r == '*')) {
			t.flag = r == '+' ? FL_PLUS : FL_STAR;
			i = ni;
		}
		if (g->n == GI_MAX_TOKENS)
			return iz_err(z, i, "more than %d tokens",
			    GI_MAX_TOKENS);
		if (g->n == cap) {
			size_t nc = cap == 0 ? 16 : cap * 2;
			struct itok *nt = ra_alloc(z->a, nc * sizeof(*nt));

			if (nt == NULL) {
				z->nomem = true;
				return -1;
			}
			if (g->n > 0)
				memcpy(nt, g->t, g->n * sizeof(*nt));
			g->t = nt;
			cap = nc;
		}
		g->t[g->n++] = t;
	}
}

static bool
tok_equal(const struct itok *a, const struct itok *b)
{
	if (a->type != b->type)
		return false;
	if (a->type == TT_CHAR)
		return a->r == b->r;
	if (a->type == TT_DOT)
		return true;
	return a->nset == b->nset && (a->nset == 0 ||
	    memcmp(a->set, b->set, 2 * a->nset * sizeof(uint32_t)) == 0);
}

/* Simplify: t+t*, t*t*, ... of equal tokens become one. */
static void
isimplify(struct iglob *g)
{
	size_t i, w = 0;

	for (i = 1; i < g->n; i++) {
		struct itok *last = &g->t[w];

		if (g->t[i].flag != FL_NONE && last->flag != FL_NONE &&
		    tok_equal(&g->t[i], last)) {
			if (g->t[i].flag == FL_PLUS || last->flag == FL_PLUS)
				last->flag = FL_PLUS;
			else
				last->flag = FL_STAR;
			continue;
		}
		g->t[++w] = g->t[i];
	}
	if (g->n > 0)
		g->n = w + 1;
}

static bool
set_has(const struct itok *s, uint32_t r)
{
	size_t i;

	for (i = 0; i < s->nset; i++)
		if (r >= s->set[2 * i] && r <= s->set[2 * i + 1])
			return true;
	return false;
}

/* Token match, flags ignored (a dot matches any set, even empty). */
static bool
tok_match(const struct itok *a, const struct itok *b)
{
	size_t i, j;

	if (a->type > b->type) {
		const struct itok *t = a;

		a = b;
		b = t;
	}
	if (a->type == TT_CHAR) {
		if (b->type == TT_CHAR)
			return a->r == b->r;
		if (b->type == TT_DOT)
			return true;
		return set_has(b, a->r);
	}
	if (a->type == TT_DOT)
		return true;
	for (i = 0, j = 0; i < a->nset && j < b->nset;) {
		if (a->set[2 * i + 1] < b->set[2 * j])
			i++;
		else if (b->set[2 * j + 1] < a->set[2 * i])
			j++;
		else
			return true;
	}
	return false;
}

/* The walk. A view is a suffix of one of the two trimmed globs: the
 * first operand is glob `ga` from offset a, the second the other glob
 * from offset b. Results are memoised per (function, ga, a, b). */
struct iwalk {
	struct iglob g[2];
	size_t end[2];
	uint8_t *memo;           /* 0 unknown, 1 false, 2 true */
};

enum { FN_NORMAL, FN_SPECIAL, FN_PLUS, FN_STAR };

static uint8_t *
memo_at(struct iwalk *w, int fn, int ga, size_t a, size_t b)
{
	size_t o0 = ga == 0 ? a : b, o1 = ga == 0 ? b : a;
	size_t n0 = w->g[0].n + 1, n1 = w->g[1].n + 1;

	return &w->memo[(((size_t)fn * 2 + (size_t)ga) * n0 + o0) * n1 + o1];
}

static bool walk(struct iwalk *w, int fn, int ga, size_t a, size_t b);

static bool
w_normal(struct iwalk *w, int ga, size_t a, size_t b)
{
	const struct itok *A = w->g[ga].t, *B = w->g[1 - ga].t;
	size_t ea = w->end[ga], eb = w->end[1 - ga];

	for (; a < ea && b < eb; a++, b++) {
		if (A[a].flag == FL_NONE && B[b].flag == FL_NONE) {
			if (!tok_match(&A[a], &B[b]))
				return false;
		} else {
			return walk(w, FN_SPECIAL, ga, a, b);
		}
	}
	return a == ea && b == eb;
}

static bool
w_special(struct iwalk *w, int ga, size_t a, size_t b)
{
	const struct itok *A = &w->g[ga].t[a], *B = &w->g[1 - ga].t[b];

	if (A->flag != FL_NONE)
		return walk(w, A->flag == FL_PLUS ? FN_PLUS : FN_STAR, ga, a,
		    b);
	if (B->flag != FL_NONE)
		return walk(w, B->flag == FL_PLUS ? FN_PLUS : FN_STAR, 1 - ga,
		    b, a);
	return false;
}

/* A (plussed) and B (other), both non-empty. */
static bool
w_plus(struct iwalk *w, int ga, size_t a, size_t b)
{
	const struct itok *A = w->g[ga].t, *B = w->g[1 - ga].t;

	if (!tok_match(&A[a], &B[b]))
		return false;
	if (walk(w, FN_STAR, ga, a, b + 1))
		return true;
	return B[b].flag != FL_NONE && walk(w, FN_NORMAL, ga, a + 1, b);
}

/* A (starred, non-empty) and B (other). */
static bool
w_star(struct iwalk *w, int ga, size_t a, size_t b)
{
	const struct itok *A = w->g[ga].t, *B = w->g[1 - ga].t;
	const struct itok *star = &A[a], *next = NULL;
	size_t eb = w->end[1 - ga], i;

	if (a + 1 < w->end[ga])
		next = &A[a + 1];
	for (i = b; i < eb; i++) {
		if (next != NULL && tok_match(&B[i], next)) {
			if (walk(w, FN_NORMAL, ga, a + 1, i))
				return true;
			if (!tok_match(&B[i], star))
				return false;
		} else if (!tok_match(&B[i], star)) {
			return false;
		}
	}
	return next == NULL;
}

static bool
walk(struct iwalk *w, int fn, int ga, size_t a, size_t b)
{
	uint8_t *m = memo_at(w, fn, ga, a, b);
	bool r;

	if (*m != 0)
		return *m == 2;
	switch (fn) {
	case FN_NORMAL:
		r = w_normal(w, ga, a, b);
		break;
	case FN_SPECIAL:
		r = w_special(w, ga, a, b);
		break;
	case FN_PLUS:
		r = w_plus(w, ga, a, b);
		break;
	default:
		r = w_star(w, ga, a, b);
	}
	*m = r ? 2 : 1;
	return r;
}

/* Runes of a string (invalid bytes as U+FFFD, as Go's []rune(s)). */
static uint32_t *
to_runes(struct rego_arena *a, const char *s, size_t n, size_t *cnt)
{
	uint32_t *out = ra_alloc(a, (n + 1) * sizeof(*out));
	size_t i = 0;

	*cnt = 0;
	if (out == NULL)
		return NULL;
	while (i < n)
		i += rego_utf8_dec(s + i, n - i, &out[(*cnt)++]);
	return out;
}

static int
bi_globs_match(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	struct iwalk w;
	struct itz z;
	long l, r1, r2, n0, n1;
	int i;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	BI_NEED(ctx, a, 1, RV_STR, "string");
	memset(&w, 0, sizeof(w));
	for (i = 0; i < 2; i++) {
		memset(&z, 0, sizeof(z));
		z.a = ar;
		if ((z.in = to_runes(ar, a[i]->u.s, a[i]->n, &z.n)) == NULL)
			return rego_bi_nomem(ctx);
		if (itokenize(&z, &w.g[i]) < 0) {
			if (z.nomem)
				return rego_bi_nomem(ctx);
			return ccakit_rego_bi_error(ctx, "%s", z.err);
		}
		isimplify(&w.g[i]);
	}
	/* trimGlobs: equal unflagged prefixes and suffixes go, but one
	 * token of each stays */
	n0 = (long)w.g[0].n;
	n1 = (long)w.g[1].n;
	for (l = 0; l < n0 && l < n1 && w.g[0].t[l].flag == FL_NONE &&
	    w.g[1].t[l].flag == FL_NONE; l++)
		if (!tok_match(&w.g[0].t[l], &w.g[1].t[l])) {
			*out = RV_FALSE;
			return CCAKIT_OK;
		}
	if (l > 0)
		l--;
	for (r1 = n0 - 1, r2 = n1 - 1; r1 >= 0 && r1 >= l && r2 >= 0 &&
	    r2 >= l && w.g[0].t[r1].flag == FL_NONE &&
	    w.g[1].t[r2].flag == FL_NONE; r1--, r2--)
		if (!tok_match(&w.g[0].t[r1], &w.g[1].t[r2])) {
			*out = RV_FALSE;
			return CCAKIT_OK;
		}
	if (r1 < n0 - 1) {
		r1++;
		r2++;
	}
	w.end[0] = (size_t)(r1 + 1);
	w.end[1] = (size_t)(r2 + 1);
	if ((w.memo = ra_zalloc(ar, 8 * (w.g[0].n + 1) * (w.g[1].n + 1))) ==
	    NULL)
		return rego_bi_nomem(ctx);
	*out = RV_BOOLV(walk(&w, FN_NORMAL, 0, (size_t)l, (size_t)l));
	return CCAKIT_OK;
}

const struct rego_bi_def rego_bi_glob[] = {
	{ "glob.match", 3, 0, bi_glob_match },
	{ "glob.quote_meta", 1, 0, bi_quote_meta },
	{ "regex.globs_match", 2, 0, bi_globs_match },
	{ NULL, 0, 0, NULL },
};
