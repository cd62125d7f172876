/*
 * Go's regular expressions on PCRE2.
 *
 * OPA's regex built-ins use Go's regexp package: RE2 syntax, leftmost-
 * first matching, no backtracking blow-up. PCRE2 (Debian's libpcre2-8)
 * reads a different dialect, so a pattern is never handed to it as is:
 *
 *   1. it is parsed here with the rules of Go's regexp/syntax (Perl
 *      flags), into a small tree, with Go's error messages and limits
 *      (repeat counts up to 1000, nesting depth 1000, program size);
 *      everything Go refuses is refused (backreferences, look-around,
 *      possessive and atomic groups, \Z, \C, ...);
 *   2. the tree is written out as a PCRE2 pattern that means the same:
 *      every literal as \x{..}, \d \s \w \b and the POSIX classes with
 *      Go's ASCII definitions (PCRE2_UCP is off), `.` as [^\n], `^` and
 *      `$` as \A and \z (or, under (?m), as look-arounds that test for
 *      \n, as Go does), \pN as a PCRE2 property of the same set (the
 *      Script property, not Script_Extensions), (?i) as local (?i:...)
 *      groups, non-greedy repeats spelled out;
 *   3. PCRE2 compiles it (UTF mode, LF newlines) and matches with a
 *      match limit and a heap limit, so that a pattern that would
 *      backtrack for ever fails instead; a boolean match that hits the
 *      limits is decided by PCRE2's automaton matcher (pcre2_dfa_match),
 *      which does not backtrack.
 *
 * Compiled patterns are shared through a bounded process-wide cache
 * (a mutex, reference counts); match data is per thread.
 * The differences that remain are listed in docs/rego.md.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/bicache.h"
#include "rego/rego_priv.h"
#include "rego/regex.h"
#include "rego/regex_vm.h"

/* Go's limits (regexp/syntax). */
#define RE_MAX_HEIGHT   1000
#define RE_MAX_SIZE     ((int64_t)(128 << 20) / 40)
#define RE_MAX_REPEAT   1000
/* ccakit's: translated pattern text, parser memory, PCRE2 limits. */
#define RE_MAX_OUT      (4u << 20)
#define RE_PARSE_MEM    (64u << 20)
#define RE_NEST_LIMIT   1100u
#define RE_INLINE_NEST  32u      /* deeper: compiled on a big stack */
#define RE_MATCH_LIMIT  1000000u
#define RE_HEAP_LIMIT   (32u * 1024u)          /* KiB */
#define RE_CACHE_MAX    256u
#define RE_VM_MAX_INSTS 50000u   /* the Pike VM fallback's program */
#define RE_VM_MAX_SLOTS 1000000u /* its program x capture slots */

/* ------------------------------------------------------------------ */
/* Parse tree.                                                          */

#define F_FOLD       0x01u   /* (?i) */
#define F_DOTNL      0x02u   /* (?s) */
#define F_ONELINE    0x04u   /* not (?m) */
#define F_NONGREEDY  0x08u   /* (?U) */

enum {
	N_NOMATCH = 1, N_EMPTY, N_LIT, N_CLASS, N_ANYNL, N_ANY, N_BOL,
	N_EOL, N_BOT, N_EOT, N_WB, N_NWB, N_CAP, N_STAR, N_PLUS, N_QUEST,
	N_REPEAT, N_CONCAT, N_ALT,
	N_PSEUDO = 64, N_LPAREN, N_VBAR,
};

/* Class items: ranges (folded by PCRE2 under (?i)), ranges that must
 * not be folded (the complement of a folded set), Unicode properties. */
enum { CI_RANGE = 0, CI_FIXED, CI_PROP };

struct citem {
	uint8_t kind;
	uint8_t neg;             /* CI_PROP: \P */
	uint32_t lo, hi;
	const char *prop;        /* CI_PROP: PCRE2 property name */
};

struct rclass {
	bool neg, fold;
	struct citem *it;
	size_t n, cap;
};

struct rnode {
	uint8_t op;
	uint8_t fold;            /* N_LIT, N_CLASS: (?i) */
	uint8_t ng;              /* repeats: non-greedy */
	unsigned flags;          /* N_LPAREN: flags to restore */
	int min, max;            /* N_REPEAT (max -1: no upper bound) */
	int cap;                 /* N_CAP, N_LPAREN: group (0: none) */
	const char *name;        /* N_CAP, N_LPAREN: group name or NULL */
	size_t namelen;
	uint32_t r;              /* N_LIT */
	struct rclass *cls;      /* N_CLASS */
	struct rnode **sub;
	size_t nsub;
	int height;
	int64_t size;
	bool nullable;           /* can match the empty string */
	bool nloop;              /* a loop below has a nullable body */
};

struct rparser {
	struct rego_arena *a;
	const char *whole;
	size_t wlen;
	unsigned flags;
	struct rnode **stack;
	size_t n, cap;
	int ncap;
	struct rnode **named;    /* named groups, in order */
	size_t nnamed, capnamed;
	char *err;
	size_t errlen;
};

static int
perr(struct rparser *p, const char *code, const char *expr, size_t n)
{
	if (p->err != NULL)
		snprintf(p->err, p->errlen, "error parsing regexp: %s: `%.*s`",
		    code, (int)(n > 200 ? 200 : n), expr);
	return -1;
}

static int
pnomem(struct rparser *p)
{
	if (p->err != NULL)
		snprintf(p->err, p->errlen, "out of memory");
	return -1;
}

#define E_CLASS      "invalid character class"
#define E_RANGE      "invalid character class range"
#define E_ESCAPE     "invalid escape sequence"
#define E_NAMED      "invalid named capture"
#define E_PERLOP     "invalid or unsupported Perl syntax"
#define E_REPEATOP   "invalid nested repetition operator"
#define E_REPEATSIZE "invalid repeat count"
#define E_UTF8       "invalid UTF-8"
#define E_BRACKET    "missing closing ]"
#define E_PAREN      "missing closing )"
#define E_REPEATARG  "missing argument to repetition operator"
#define E_BACKSLASH  "trailing backslash at end of expression"
#define E_UNEXPPAREN "unexpected )"
#define E_DEPTH      "expression nests too deeply"
#define E_LARGE      "expression too large"

/* Next rune of [t, e): 0, or -1 (invalid UTF-8, Go's message). */
static int
next_rune(struct rparser *p, const char *t, const char *e, uint32_t *c,
    const char **rest)
{
	size_t k = rego_utf8_dec(t, (size_t)(e - t), c);

	if (k == 0) {            /* end of input: Go's RuneError, size 0 */
		*c = 0xFFFD;
		*rest = t;
		return 0;
	}
	if (*c == 0xFFFD && k == 1)
		return perr(p, E_UTF8, t, (size_t)(e - t));
	*rest = t + k;
	return 0;
}

static int
check_utf8(struct rparser *p, const char *t, const char *e)
{
	uint32_t c;

	while (t < e)
		if (next_rune(p, t, e, &c, &t) < 0)
			return -1;
	return 0;
}

static struct rnode *
nnew(struct rparser *p, uint8_t op)
{
	struct rnode *n = ra_zalloc(p->a, sizeof(*n));

	if (n != NULL) {
		n->op = op;
		n->height = 1;
		n->size = 1;
		n->nullable = op == N_EMPTY || (op >= N_BOL && op <= N_NWB);
	}
	return n;
}

/* Height and compiled size (Go's calcHeight/calcSize); whether the
 * node can match empty and whether a loop below it has a body that can
 * (where Perl's and PCRE2's rules for empty iterations differ from
 * Go's, see rego_re_exec). */
static void
dims(struct rnode *n)
{
	int64_t s = 0, sub = 0;
	bool all = true, any = false;
	int h = 0;
	size_t i;

	n->nloop = false;
	for (i = 0; i < n->nsub; i++) {
		if (n->sub[i]->height > h)
			h = n->sub[i]->height;
		s += n->sub[i]->size;
		all = all && n->sub[i]->nullable;
		any = any || n->sub[i]->nullable;
		n->nloop = n->nloop || n->sub[i]->nloop;
	}
	switch (n->op) {
	case N_CAP:
	case N_PLUS:
	case N_CONCAT:
		n->nullable = all;
		break;
	case N_ALT:
		n->nullable = any;
		break;
	case N_STAR:
	case N_QUEST:
		n->nullable = true;
		break;
	case N_REPEAT:
		n->nullable = n->min == 0 || all;
		break;
	default:
		break;
	}
	if (n->nsub > 0 && n->sub[0]->nullable && (n->op == N_STAR ||
	    n->op == N_PLUS || (n->op == N_REPEAT && (n->max > 1 ||
	    n->max == -1))))
		n->nloop = true;
	n->height = h + 1;
	if (n->nsub > 0)
		sub = n->sub[0]->size;
	switch (n->op) {
	case N_CAP:
	case N_STAR:
		s = 2 + sub;
		break;
	case N_PLUS:
	case N_QUEST:
		s = 1 + sub;
		break;
	case N_CONCAT:
		break;
	case N_ALT:
		s += (int64_t)n->nsub - 1;
		break;
	case N_REPEAT:
		if (n->max == -1)
			s = n->min == 0 ? 2 + sub : 1 + (int64_t)n->min * sub;
		else
			s = (int64_t)n->max * sub + (n->max - n->min);
		break;
	default:
		s = 1;
	}
	n->size = s < 1 ? 1 : s;
}

static int
limits(struct rparser *p, const struct rnode *n)
{
	if (n->height > RE_MAX_HEIGHT)
		return perr(p, E_DEPTH, p->whole, p->wlen);
	if (n->size > RE_MAX_SIZE)
		return perr(p, E_LARGE, p->whole, p->wlen);
	return 0;
}

static int
push(struct rparser *p, struct rnode *n)
{
	if (n == NULL)
		return pnomem(p);
	if (p->n == p->cap) {
		size_t nc = p->cap == 0 ? 32 : p->cap * 2;
		struct rnode **ns = ra_alloc(p->a, nc * sizeof(*ns));

		if (ns == NULL)
			return pnomem(p);
		if (p->n > 0)
			memcpy(ns, p->stack, p->n * sizeof(*ns));
		p->stack = ns;
		p->cap = nc;
	}
	p->stack[p->n++] = n;
	return limits(p, n);
}

static int
push_op(struct rparser *p, uint8_t op)
{
	struct rnode *n = nnew(p, op);

	if (n != NULL)
		n->flags = p->flags;
	return push(p, n);
}

static int
literal(struct rparser *p, uint32_t r)
{
	struct rnode *n = nnew(p, N_LIT);

	if (n != NULL) {
		n->r = r;
		n->fold = (p->flags & F_FOLD) != 0;
	}
	return push(p, n);
}

/* subs[0..cnt) collapsed into op, nested ops of the same kind flattened
 * (Go's collapse, without the factoring of alternations). */
static struct rnode *
collapse(struct rparser *p, struct rnode **subs, size_t cnt, uint8_t op)
{
	struct rnode *n;
	size_t i, k = 0, tot = 0;

	if (cnt == 1)
		return subs[0];
	for (i = 0; i < cnt; i++)
		tot += subs[i]->op == op ? subs[i]->nsub : 1;
	if ((n = nnew(p, op)) == NULL ||
	    (n->sub = ra_alloc(p->a, tot * sizeof(*n->sub))) == NULL)
		return NULL;
	for (i = 0; i < cnt; i++) {
		if (subs[i]->op == op) {
			memcpy(n->sub + k, subs[i]->sub,
			    subs[i]->nsub * sizeof(*n->sub));
			k += subs[i]->nsub;
		} else {
			n->sub[k++] = subs[i];
		}
	}
	n->nsub = tot;
	dims(n);
	return n;
}

static size_t
top_pseudo(const struct rparser *p)
{
	size_t i = p->n;

	while (i > 0 && p->stack[i - 1]->op < N_PSEUDO)
		i--;
	return i;
}

static int
concat(struct rparser *p)
{
	size_t i = top_pseudo(p), cnt = p->n - i;

	p->n = i;
	if (cnt == 0)
		return push(p, nnew(p, N_EMPTY));
	return push(p, collapse(p, p->stack + i, cnt, N_CONCAT));
}

static int
alternate(struct rparser *p)
{
	size_t i = top_pseudo(p), cnt = p->n - i;

	p->n = i;
	if (cnt == 0)
		return push(p, nnew(p, N_NOMATCH));
	return push(p, collapse(p, p->stack + i, cnt, N_ALT));
}

/* An alternative on top of a `|`: swap them (things below the bar
 * become the alternation). */
static bool
swap_vbar(struct rparser *p)
{
	if (p->n >= 2 && p->stack[p->n - 2]->op == N_VBAR) {
		struct rnode *t = p->stack[p->n - 1];

		p->stack[p->n - 1] = p->stack[p->n - 2];
		p->stack[p->n - 2] = t;
		return true;
	}
	return false;
}

static int
parse_vbar(struct rparser *p)
{
	if (concat(p) < 0)
		return -1;
	if (!swap_vbar(p))
		return push_op(p, N_VBAR);
	return 0;
}

static int
parse_rparen(struct rparser *p)
{
	struct rnode *re1, *re2;

	if (concat(p) < 0)
		return -1;
	if (swap_vbar(p))
		p->n--;
	if (alternate(p) < 0)
		return -1;
	if (p->n < 2)
		return perr(p, E_UNEXPPAREN, p->whole, p->wlen);
	re1 = p->stack[p->n - 1];
	re2 = p->stack[p->n - 2];
	p->n -= 2;
	if (re2->op != N_LPAREN)
		return perr(p, E_UNEXPPAREN, p->whole, p->wlen);
	p->flags = re2->flags;
	if (re2->cap == 0)
		return push(p, re1);
	re2->op = N_CAP;
	if ((re2->sub = ra_alloc(p->a, sizeof(*re2->sub))) == NULL)
		return pnomem(p);
	re2->sub[0] = re1;
	re2->nsub = 1;
	dims(re2);
	return push(p, re2);
}

/* Go's repeatIsValid: nested repeats at most n copies of the
 * innermost thing. */
static bool
repeat_valid(const struct rnode *n, int lim)
{
	size_t i;

	if (n->op == N_REPEAT) {
		int m = n->max;

		if (m == 0)
			return true;
		if (m < 0)
			m = n->min;
		if (m > lim)
			return false;
		if (m > 0)
			lim /= m;
	}
	for (i = 0; i < n->nsub; i++)
		if (!repeat_valid(n->sub[i], lim))
			return false;
	return true;
}

/* The repetition operator that starts at `before` and ends at `after`
 * applied to the top of the stack. */
static int
repeat(struct rparser *p, uint8_t op, int min, int max, const char *before,
    const char *after, const char *e, const char *last, const char **rest)
{
	unsigned flags = p->flags;
	struct rnode *sub, *n;

	if (after < e && *after == '?') {
		after++;
		flags ^= F_NONGREEDY;
	}
	if (last != NULL)
		return perr(p, E_REPEATOP, last, (size_t)(after - last));
	if (p->n == 0 || (sub = p->stack[p->n - 1])->op >= N_PSEUDO)
		return perr(p, E_REPEATARG, before, (size_t)(after - before));
	if ((n = nnew(p, op)) == NULL ||
	    (n->sub = ra_alloc(p->a, sizeof(*n->sub))) == NULL)
		return pnomem(p);
	n->min = min;
	n->max = max;
	n->ng = (flags & F_NONGREEDY) != 0;
	n->sub[0] = sub;
	n->nsub = 1;
	dims(n);
	p->stack[p->n - 1] = n;
	if (limits(p, n) < 0)
		return -1;
	if (op == N_REPEAT && (min >= 2 || max >= 2) &&
	    !repeat_valid(n, RE_MAX_REPEAT))
		return perr(p, E_REPEATSIZE, before, (size_t)(after - before));
	*rest = after;
	return 0;
}

/* Go's parseInt: decimal, no leading zeros; -1 when too big. */
static bool
parse_int(const char *t, const char *e, int *v, const char **rest)
{
	const char *s = t;
	int n = 0;

	if (t >= e || *t < '0' || *t > '9')
		return false;
	if (e - t >= 2 && t[0] == '0' && t[1] >= '0' && t[1] <= '9')
		return false;
	while (t < e && *t >= '0' && *t <= '9')
		t++;
	for (; s < t; s++) {
		if (n >= 100000000) {
			n = -1;
			break;
		}
		n = n * 10 + (*s - '0');
	}
	*v = n;
	*rest = t;
	return true;
}

/* {min}, {min,}, {min,max}: false when t does not have that form. */
static bool
parse_repeat(const char *t, const char *e, int *min, int *max,
    const char **rest)
{
	if (t >= e || *t != '{')
		return false;
	t++;
	if (!parse_int(t, e, min, &t) || t >= e)
		return false;
	if (*t != ',') {
		*max = *min;
	} else {
		t++;
		if (t >= e)
			return false;
		if (*t == '}') {
			*max = -1;
		} else {
			if (!parse_int(t, e, max, &t))
				return false;
			if (*max < 0)
				*min = -1;
		}
	}
	if (t >= e || *t != '}')
		return false;
	*rest = t + 1;
	return true;
}

static bool
is_alnum(uint32_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z');
}

static int
unhex(uint32_t c)
{
	return c < 0x80 ? cki_hex_nibble((int)c) : -1;
}

/* Go's parseEscape: s at the backslash. */
static int
parse_escape(struct rparser *p, const char *s, const char *e, uint32_t *r,
    const char **rest)
{
	const char *t = s + 1;
	uint32_t c, v = 0;
	int x, y, nhex;

	if (t >= e)
		return perr(p, E_BACKSLASH, "", 0);
	if (next_rune(p, t, e, &c, &t) < 0)
		return -1;
	/* octal: \0, \0nn, \nnn; a single non-zero digit would be a
	 * backreference, which Go refuses */
	if (c >= '0' && c <= '7') {
		if (c != '0' && (t >= e || *t < '0' || *t > '7'))
			goto bad;
		v = c - '0';
		for (x = 1; x < 3 && t < e && *t >= '0' && *t <= '7'; x++)
			v = v * 8 + (uint32_t)(*t++ - '0');
		*r = v;
		*rest = t;
		return 0;
	}
	switch (c) {
	case 'x':
		if (t >= e)
			break;
		if (next_rune(p, t, e, &c, &t) < 0)
			return -1;
		if (c == '{') {
			nhex = 0;
			for (;;) {
				if (t >= e)
					goto bad;
				if (next_rune(p, t, e, &c, &t) < 0)
					return -1;
				if (c == '}')
					break;
				if ((x = unhex(c)) < 0)
					goto bad;
				v = v * 16 + (uint32_t)x;
				if (v > 0x10FFFF)
					goto bad;
				nhex++;
			}
			if (nhex == 0)
				goto bad;
			*r = v;
			*rest = t;
			return 0;
		}
		x = unhex(c);
		if (next_rune(p, t, e, &c, &t) < 0)
			return -1;
		y = unhex(c);
		if (x < 0 || y < 0)
			break;
		*r = (uint32_t)(x * 16 + y);
		*rest = t;
		return 0;
	case 'a': *r = 7; *rest = t; return 0;
	case 'f': *r = 12; *rest = t; return 0;
	case 'n': *r = 10; *rest = t; return 0;
	case 'r': *r = 13; *rest = t; return 0;
	case 't': *r = 9; *rest = t; return 0;
	case 'v': *r = 11; *rest = t; return 0;
	default:
		if (c < 0x80 && !is_alnum(c)) {
			*r = c;
			*rest = t;
			return 0;
		}
	}
bad:
	return perr(p, E_ESCAPE, s, (size_t)(t - s));
}

/* ------------------------------------------------------------------ */
/* Character classes.                                                   */

static int
cadd(struct rparser *p, struct rclass *c, uint8_t kind, uint32_t lo,
    uint32_t hi, const char *prop, bool neg)
{
	if (c->n == c->cap) {
		size_t nc = c->cap == 0 ? 8 : c->cap * 2;
		struct citem *ni = ra_alloc(p->a, nc * sizeof(*ni));

		if (ni == NULL)
			return pnomem(p);
		if (c->n > 0)
			memcpy(ni, c->it, c->n * sizeof(*ni));
		c->it = ni;
		c->cap = nc;
	}
	c->it[c->n].kind = kind;
	c->it[c->n].lo = lo;
	c->it[c->n].hi = hi;
	c->it[c->n].prop = prop;
	c->it[c->n].neg = neg;
	c->n++;
	return 0;
}

/* Go's ASCII class groups: (lo, hi) pairs, 0-terminated by lo > hi. */
struct grp {
	const char *name;
	uint8_t r[12];
};

static const struct grp perl_groups[] = {
	{ "d", { '0', '9', 1, 0 } },
	{ "s", { '\t', '\n', '\f', '\r', ' ', ' ', 1, 0 } },
	{ "w", { '0', '9', 'A', 'Z', '_', '_', 'a', 'z', 1, 0 } },
};

static const struct grp posix_groups[] = {
	{ "alnum", { '0', '9', 'A', 'Z', 'a', 'z', 1, 0 } },
	{ "alpha", { 'A', 'Z', 'a', 'z', 1, 0 } },
	{ "ascii", { 0, 0x7f, 1, 0 } },
	{ "blank", { '\t', '\t', ' ', ' ', 1, 0 } },
	{ "cntrl", { 0, 0x1f, 0x7f, 0x7f, 1, 0 } },
	{ "digit", { '0', '9', 1, 0 } },
	{ "graph", { '!', '~', 1, 0 } },
	{ "lower", { 'a', 'z', 1, 0 } },
	{ "print", { ' ', '~', 1, 0 } },
	{ "punct", { '!', '/', ':', '@', '[', '`', '{', '~', 1, 0 } },
	{ "space", { '\t', '\r', ' ', ' ', 1, 0 } },
	{ "upper", { 'A', 'Z', 1, 0 } },
	{ "word", { '0', '9', 'A', 'Z', '_', '_', 'a', 'z', 1, 0 } },
	{ "xdigit", { '0', '9', 'A', 'F', 'a', 'f', 1, 0 } },
};

/* Append a group: as ranges when positive (PCRE2 folds them under (?i)
 * as Go does); when negated, the complement of the (folded) set, which
 * PCRE2 must not fold again. Under (?i) Go folds ASCII letters to their
 * other case, `k` also to U+212A (Kelvin) and `s` to U+017F (long s). */
static int
add_group(struct rparser *p, struct rclass *c, const struct grp *g,
    bool negate)
{
	bool in[128], fs = false, fk = false;
	uint32_t lo, prev;
	size_t i;
	int ch;

	if (!negate) {
		for (i = 0; g->r[i] <= g->r[i + 1]; i += 2)
			if (cadd(p, c, CI_RANGE, g->r[i], g->r[i + 1], NULL,
			    false) < 0)
				return -1;
		return 0;
	}
	memset(in, 0, sizeof(in));
	for (i = 0; g->r[i] <= g->r[i + 1]; i += 2)
		for (ch = g->r[i]; ch <= g->r[i + 1]; ch++)
			in[ch] = true;
	if (c->fold) {
		for (ch = 'a'; ch <= 'z'; ch++)
			if (in[ch] || in[ch - 32])
				in[ch] = in[ch - 32] = true;
		fs = in['s'];
		fk = in['k'];
	}
	/* complement */
	lo = 0;
	for (ch = 0; ch < 128; ch++) {
		if (!in[ch])
			continue;
		if ((uint32_t)ch > lo && cadd(p, c, CI_FIXED, lo,
		    (uint32_t)ch - 1, NULL, false) < 0)
			return -1;
		lo = (uint32_t)ch + 1;
	}
	prev = lo;
	if (fs) {
		if (cadd(p, c, CI_FIXED, prev, 0x17E, NULL, false) < 0)
			return -1;
		prev = 0x180;
	}
	if (fk) {
		if (cadd(p, c, CI_FIXED, prev, 0x2129, NULL, false) < 0)
			return -1;
		prev = 0x212B;
	}
	return cadd(p, c, CI_FIXED, prev, 0x10FFFF, NULL, false);
}

/* Unicode classes: Go's names (general categories, scripts, their
 * aliases, Any, Assigned, ASCII), matched loosely as Go does (case,
 * `_`, `-` and spaces ignored). */
static const char *const categories[] = {
	"C", "Cc", "Cf", "Cn", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu",
	"M", "Mc", "Me", "Mn", "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe",
	"Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm", "So", "Z", "Zl", "Zp",
	"Zs",
};

static const char *const cat_aliases[][2] = {
	{ "Cased_Letter", "LC" }, { "Close_Punctuation", "Pe" },
	{ "Combining_Mark", "M" }, { "Connector_Punctuation", "Pc" },
	{ "Control", "Cc" }, { "cntrl", "Cc" },
	{ "Currency_Symbol", "Sc" }, { "Dash_Punctuation", "Pd" },
	{ "Decimal_Number", "Nd" }, { "digit", "Nd" },
	{ "Enclosing_Mark", "Me" }, { "Final_Punctuation", "Pf" },
	{ "Format", "Cf" }, { "Initial_Punctuation", "Pi" },
	{ "Letter", "L" }, { "Letter_Number", "Nl" },
	{ "Line_Separator", "Zl" }, { "Lowercase_Letter", "Ll" },
	{ "Mark", "M" }, { "Math_Symbol", "Sm" },
	{ "Modifier_Letter", "Lm" }, { "Modifier_Symbol", "Sk" },
	{ "Nonspacing_Mark", "Mn" }, { "Number", "N" },
	{ "Open_Punctuation", "Ps" }, { "Other", "C" },
	{ "Other_Letter", "Lo" }, { "Other_Number", "No" },
	{ "Other_Punctuation", "Po" }, { "Other_Symbol", "So" },
	{ "Paragraph_Separator", "Zp" }, { "Private_Use", "Co" },
	{ "Punctuation", "P" }, { "punct", "P" }, { "Separator", "Z" },
	{ "Space_Separator", "Zs" }, { "Spacing_Mark", "Mc" },
	{ "Surrogate", "Cs" }, { "Symbol", "S" },
	{ "Titlecase_Letter", "Lt" }, { "Unassigned", "Cn" },
	{ "Uppercase_Letter", "Lu" },
};

/* Go's unicode.Scripts (Unicode 15.0), as PCRE2 Script properties. */
static const char *const scripts[] = {
	"sc:Adlam", "sc:Ahom", "sc:Anatolian_Hieroglyphs", "sc:Arabic",
	"sc:Armenian", "sc:Avestan", "sc:Balinese", "sc:Bamum",
	"sc:Bassa_Vah", "sc:Batak", "sc:Bengali", "sc:Bhaiksuki",
	"sc:Bopomofo", "sc:Brahmi", "sc:Braille", "sc:Buginese", "sc:Buhid",
	"sc:Canadian_Aboriginal", "sc:Carian", "sc:Caucasian_Albanian",
	"sc:Chakma", "sc:Cham", "sc:Cherokee", "sc:Chorasmian", "sc:Common",
	"sc:Coptic", "sc:Cuneiform", "sc:Cypriot", "sc:Cypro_Minoan",
	"sc:Cyrillic", "sc:Deseret", "sc:Devanagari", "sc:Dives_Akuru",
	"sc:Dogra", "sc:Duployan", "sc:Egyptian_Hieroglyphs", "sc:Elbasan",
	"sc:Elymaic", "sc:Ethiopic", "sc:Georgian", "sc:Glagolitic",
	"sc:Gothic", "sc:Grantha", "sc:Greek", "sc:Gujarati",
	"sc:Gunjala_Gondi", "sc:Gurmukhi", "sc:Han", "sc:Hangul",
	"sc:Hanifi_Rohingya", "sc:Hanunoo", "sc:Hatran", "sc:Hebrew",
	"sc:Hiragana", "sc:Imperial_Aramaic", "sc:Inherited",
	"sc:Inscriptional_Pahlavi", "sc:Inscriptional_Parthian",
	"sc:Javanese", "sc:Kaithi", "sc:Kannada", "sc:Katakana", "sc:Kawi",
	"sc:Kayah_Li", "sc:Kharoshthi", "sc:Khitan_Small_Script", "sc:Khmer",
	"sc:Khojki", "sc:Khudawadi", "sc:Lao", "sc:Latin", "sc:Lepcha",
	"sc:Limbu", "sc:Linear_A", "sc:Linear_B", "sc:Lisu", "sc:Lycian",
	"sc:Lydian", "sc:Mahajani", "sc:Makasar", "sc:Malayalam",
	"sc:Mandaic", "sc:Manichaean", "sc:Marchen", "sc:Masaram_Gondi",
	"sc:Medefaidrin", "sc:Meetei_Mayek", "sc:Mende_Kikakui",
	"sc:Meroitic_Cursive", "sc:Meroitic_Hieroglyphs", "sc:Miao",
	"sc:Modi", "sc:Mongolian", "sc:Mro", "sc:Multani", "sc:Myanmar",
	"sc:Nabataean", "sc:Nag_Mundari", "sc:Nandinagari", "sc:New_Tai_Lue",
	"sc:Newa", "sc:Nko", "sc:Nushu", "sc:Nyiakeng_Puachue_Hmong",
	"sc:Ogham", "sc:Ol_Chiki", "sc:Old_Hungarian", "sc:Old_Italic",
	"sc:Old_North_Arabian", "sc:Old_Permic", "sc:Old_Persian",
	"sc:Old_Sogdian", "sc:Old_South_Arabian", "sc:Old_Turkic",
	"sc:Old_Uyghur", "sc:Oriya", "sc:Osage", "sc:Osmanya",
	"sc:Pahawh_Hmong", "sc:Palmyrene", "sc:Pau_Cin_Hau", "sc:Phags_Pa",
	"sc:Phoenician", "sc:Psalter_Pahlavi", "sc:Rejang", "sc:Runic",
	"sc:Samaritan", "sc:Saurashtra", "sc:Sharada", "sc:Shavian",
	"sc:Siddham", "sc:SignWriting", "sc:Sinhala", "sc:Sogdian",
	"sc:Sora_Sompeng", "sc:Soyombo", "sc:Sundanese", "sc:Syloti_Nagri",
	"sc:Syriac", "sc:Tagalog", "sc:Tagbanwa", "sc:Tai_Le", "sc:Tai_Tham",
	"sc:Tai_Viet", "sc:Takri", "sc:Tamil", "sc:Tangsa", "sc:Tangut",
	"sc:Telugu", "sc:Thaana", "sc:Thai", "sc:Tibetan", "sc:Tifinagh",
	"sc:Tirhuta", "sc:Toto", "sc:Ugaritic", "sc:Vai", "sc:Vithkuqi",
	"sc:Wancho", "sc:Warang_Citi", "sc:Yezidi", "sc:Yi",
	"sc:Zanabazar_Square",
};

/* Loose name equality: ASCII case, `_`, `-` and ' ' ignored. */
static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool
loose_eq(const char *a, size_t an, const char *b)
{
	size_t i = 0;

	for (;;) {
		while (i < an && (a[i] == '_' || a[i] == '-' || a[i] == ' '))
			i++;
		while (*b == '_' || *b == '-' || *b == ' ')
			b++;
		if (i == an || *b == '\0')
			return i == an && *b == '\0';
		if (lower((unsigned char)a[i]) != lower((unsigned char)*b))
			return false;
		i++;
		b++;
	}
}

/* Add the Unicode class `name` (sign: +1 \p, -1 \P); false if unknown. */
static int
add_unicode(struct rparser *p, struct rclass *c, const char *name,
    size_t nl, int sign, bool *known)
{
	static const char *const c_parts[] = { "Cc", "Cf", "Co", "Cs" };
	static const char *const c_rest[] = { "L", "M", "N", "P", "S", "Z",
		"Cn" };
	const char *cat = NULL;
	size_t i;

	*known = true;
	if (loose_eq(name, nl, "Any"))
		return sign > 0 ? cadd(p, c, CI_RANGE, 0, 0x10FFFF, NULL,
		    false) : 0;
	if (loose_eq(name, nl, "Assigned"))
		return cadd(p, c, CI_PROP, 0, 0, "Cn", sign > 0);
	if (loose_eq(name, nl, "ASCII")) {
		static const struct grp ascii = { "ascii", { 0, 0x7f, 1, 0 } };

		return add_group(p, c, &ascii, sign < 0);
	}
	if (loose_eq(name, nl, "LC"))
		cat = "LC";
	for (i = 0; cat == NULL && i < sizeof(categories) /
	    sizeof(categories[0]); i++)
		if (loose_eq(name, nl, categories[i]))
			cat = categories[i];
	for (i = 0; cat == NULL && i < sizeof(scripts) / sizeof(scripts[0]);
	    i++)
		if (loose_eq(name, nl, scripts[i] + 3))
			return cadd(p, c, CI_PROP, 0, 0, scripts[i], sign < 0);
	for (i = 0; cat == NULL && i < sizeof(cat_aliases) /
	    sizeof(cat_aliases[0]); i++)
		if (loose_eq(name, nl, cat_aliases[i][0]))
			cat = cat_aliases[i][1];
	if (cat == NULL) {
		*known = false;
		return 0;
	}
	/* Go's C is Cc|Cf|Co|Cs (PCRE2's also has Cn); the categories
	 * partition the code space, so \P{C} is the union of the rest. */
	if (strcmp(cat, "C") == 0) {
		if (sign > 0) {
			for (i = 0; i < 4; i++)
				if (cadd(p, c, CI_PROP, 0, 0, c_parts[i],
				    false) < 0)
					return -1;
			return 0;
		}
		for (i = 0; i < 7; i++)
			if (cadd(p, c, CI_PROP, 0, 0, c_rest[i], false) < 0)
				return -1;
		return 0;
	}
	/* Under (?i) Go widens a class by its case-fold equivalents;
	 * PCRE2 does not fold properties: the cased-letter categories
	 * become all cased letters (see docs/rego.md). */
	if (strcmp(cat, "LC") == 0 || (c->fold && (strcmp(cat, "Lu") == 0 ||
	    strcmp(cat, "Ll") == 0 || strcmp(cat, "Lt") == 0)))
		cat = "L&";
	return cadd(p, c, CI_PROP, 0, 0, cat, sign < 0);
}

/* Go's parseUnicodeClass: 0 not a \p, 1 parsed (rest set), -1 error. */
static int
parse_uclass(struct rparser *p, struct rclass *c, const char *s,
    const char *e, const char **rest)
{
	const char *t, *seq_end, *name, *end;
	size_t nl;
	uint32_t ch;
	int sign;
	bool known;

	if (e - s < 2 || s[0] != '\\' || (s[1] != 'p' && s[1] != 'P'))
		return 0;
	sign = s[1] == 'P' ? -1 : 1;
	if (next_rune(p, s + 2, e, &ch, &t) < 0)
		return -1;
	if (ch != '{' || t == s + 2) {
		seq_end = t;
		name = s + 2;
		nl = (size_t)(t - name);
	} else {
		end = memchr(s, '}', (size_t)(e - s));
		if (end == NULL) {
			if (check_utf8(p, s, e) < 0)
				return -1;
			return perr(p, E_RANGE, s, (size_t)(e - s));
		}
		seq_end = end + 1;
		t = end + 1;
		name = s + 3;
		nl = (size_t)(end - name);
		if (check_utf8(p, name, end) < 0)
			return -1;
	}
	if (nl > 0 && name[0] == '^') {
		sign = -sign;
		name++;
		nl--;
	}
	if (add_unicode(p, c, name, nl, sign, &known) < 0)
		return -1;
	if (!known)
		return perr(p, E_RANGE, s, (size_t)(seq_end - s));
	*rest = t;
	return 1;
}

/* \d \D \s \S \w \W: 0 none, 1 parsed. */
static int
parse_perl(struct rparser *p, struct rclass *c, const char *s,
    const char *e, const char **rest)
{
	size_t i;
	char k;

	if (e - s < 2 || s[0] != '\\')
		return 0;
	k = (char)(s[1] | 0x20);
	for (i = 0; i < 3; i++)
		if (perl_groups[i].name[0] == k && (s[1] == k ||
		    s[1] == (char)(k - 32))) {
			if (add_group(p, c, &perl_groups[i], s[1] != k) < 0)
				return -1;
			*rest = s + 2;
			return 1;
		}
	return 0;
}

/* [:alpha:] etc.: 0 none, 1 parsed, -1 error. */
static int
parse_named(struct rparser *p, struct rclass *c, const char *s,
    const char *e, const char **rest)
{
	const char *q;
	size_t i, nl;
	bool neg;

	if (e - s < 2 || s[0] != '[' || s[1] != ':')
		return 0;
	for (q = s + 2; q + 1 < e; q++)
		if (q[0] == ':' && q[1] == ']')
			break;
	if (q + 1 >= e)
		return 0;
	neg = s[2] == '^';
	nl = (size_t)(q - (s + 2 + neg));
	for (i = 0; i < sizeof(posix_groups) / sizeof(posix_groups[0]); i++)
		if (strlen(posix_groups[i].name) == nl &&
		    memcmp(posix_groups[i].name, s + 2 + neg, nl) == 0) {
			if (add_group(p, c, &posix_groups[i], neg) < 0)
				return -1;
			*rest = q + 2;
			return 1;
		}
	return perr(p, E_RANGE, s, (size_t)(q + 2 - s));
}

static int
parse_class_char(struct rparser *p, const char *t, const char *e,
    const char *whole, uint32_t *r, const char **rest)
{
	if (t >= e)
		return perr(p, E_BRACKET, whole, (size_t)(e - whole));
	if (*t == '\\')
		return parse_escape(p, t, e, r, rest);
	return next_rune(p, t, e, r, rest);
}

static struct rclass *
class_new(struct rparser *p)
{
	struct rclass *c = ra_zalloc(p->a, sizeof(*c));

	if (c != NULL)
		c->fold = (p->flags & F_FOLD) != 0;
	return c;
}

static int
push_class(struct rparser *p, struct rclass *c)
{
	struct rnode *n = nnew(p, N_CLASS);

	if (n != NULL) {
		n->cls = c;
		n->fold = c->fold;
	}
	return push(p, n);
}

/* Go's parseClass: s at '['. */
static int
parse_class(struct rparser *p, const char *s, const char *e,
    const char **rest)
{
	struct rclass *c = class_new(p);
	const char *t = s + 1, *nt, *rng;
	bool first = true;
	uint32_t lo, hi;
	int r;

	if (c == NULL)
		return pnomem(p);
	if (t < e && *t == '^') {
		c->neg = true;
		t++;
	}
	while (t >= e || *t != ']' || first) {
		first = false;
		if (e - t > 2 && t[0] == '[' && t[1] == ':') {
			if ((r = parse_named(p, c, t, e, &nt)) < 0)
				return -1;
			if (r > 0) {
				t = nt;
				continue;
			}
		}
		if ((r = parse_uclass(p, c, t, e, &nt)) < 0)
			return -1;
		if (r > 0) {
			t = nt;
			continue;
		}
		if ((r = parse_perl(p, c, t, e, &nt)) < 0)
			return -1;
		if (r > 0) {
			t = nt;
			continue;
		}
		rng = t;
		if (parse_class_char(p, t, e, s, &lo, &t) < 0)
			return -1;
		hi = lo;
		if (e - t >= 2 && t[0] == '-' && t[1] != ']') {
			t++;
			if (parse_class_char(p, t, e, s, &hi, &t) < 0)
				return -1;
			if (hi < lo)
				return perr(p, E_RANGE, rng, (size_t)(t - rng));
		}
		if (cadd(p, c, CI_RANGE, lo, hi, NULL, false) < 0)
			return -1;
	}
	*rest = t + 1;
	return push_class(p, c);
}

/* Go's parsePerlFlags: s at "(?". */
static int
parse_perl_flags(struct rparser *p, const char *s, const char *e,
    const char **rest)
{
	const char *t = s, *end, *name;
	unsigned flags = p->flags;
	bool sawflag = false, withp, withname;
	int sign = 1;
	uint32_t c;
	struct rnode *n;

	withp = e - t > 4 && t[2] == 'P' && t[3] == '<';
	withname = e - t > 3 && t[2] == '<';
	if (withp || withname) {
		name = t + (withp ? 4 : 3);
		if ((end = memchr(t, '>', (size_t)(e - t))) == NULL) {
			if (check_utf8(p, t, e) < 0)
				return -1;
			return perr(p, E_NAMED, s, (size_t)(e - s));
		}
		if (check_utf8(p, name, end) < 0)
			return -1;
		if (name >= end)
			return perr(p, E_NAMED, t, (size_t)(end + 1 - t));
		for (const char *q = name; q < end; q++)
			if (*q != '_' && !is_alnum((unsigned char)*q))
				return perr(p, E_NAMED, t,
				    (size_t)(end + 1 - t));
		p->ncap++;
		if ((n = nnew(p, N_LPAREN)) == NULL)
			return pnomem(p);
		n->flags = p->flags;
		n->cap = p->ncap;
		n->name = name;
		n->namelen = (size_t)(end - name);
		if (p->nnamed == p->capnamed) {
			size_t nc = p->capnamed == 0 ? 8 : 2 * p->capnamed;
			struct rnode **nn = ra_alloc(p->a, nc * sizeof(*nn));

			if (nn == NULL)
				return pnomem(p);
			if (p->nnamed > 0)
				memcpy(nn, p->named, p->nnamed * sizeof(*nn));
			p->named = nn;
			p->capnamed = nc;
		}
		p->named[p->nnamed++] = n;
		*rest = end + 1;
		return push(p, n);
	}
	t += 2;
	while (t < e) {
		if (next_rune(p, t, e, &c, &t) < 0)
			return -1;
		switch (c) {
		case 'i':
			flags |= F_FOLD;
			sawflag = true;
			continue;
		case 'm':
			flags &= ~F_ONELINE;
			sawflag = true;
			continue;
		case 's':
			flags |= F_DOTNL;
			sawflag = true;
			continue;
		case 'U':
			flags |= F_NONGREEDY;
			sawflag = true;
			continue;
		case '-':
			if (sign < 0)
				break;
			sign = -1;
			flags = ~flags;
			sawflag = false;
			continue;
		case ':':
		case ')':
			if (sign < 0) {
				if (!sawflag)
					break;
				flags = ~flags;
			}
			if (c == ':') {
				if ((n = nnew(p, N_LPAREN)) == NULL)
					return pnomem(p);
				n->flags = p->flags;
				if (push(p, n) < 0)
					return -1;
			}
			p->flags = flags & (F_FOLD | F_DOTNL | F_ONELINE |
			    F_NONGREEDY);
			*rest = t;
			return 0;
		default:
			break;
		}
		break;
	}
	return perr(p, E_PERLOP, s, (size_t)(t - s));
}

/* Go's syntax.Parse(s, syntax.Perl): the tree in *root. */
static int
re_parse(struct rparser *p, const char *s, size_t len, struct rnode **root)
{
	const char *t = s, *e = s + len, *last = NULL, *rep, *after;
	struct rclass *c;
	uint32_t ch;
	int min, max, r;
	uint8_t op;

	p->whole = s;
	p->wlen = len;
	p->flags = F_ONELINE;
	while (t < e) {
		rep = NULL;
		switch (*t) {
		case '(':
			if (e - t >= 2 && t[1] == '?') {
				if (parse_perl_flags(p, t, e, &t) < 0)
					return -1;
				break;
			}
			p->ncap++;
			{
				struct rnode *n = nnew(p, N_LPAREN);

				if (n == NULL)
					return pnomem(p);
				n->flags = p->flags;
				n->cap = p->ncap;
				if (push(p, n) < 0)
					return -1;
			}
			t++;
			break;
		case '|':
			if (parse_vbar(p) < 0)
				return -1;
			t++;
			break;
		case ')':
			if (parse_rparen(p) < 0)
				return -1;
			t++;
			break;
		case '^':
			if (push_op(p, p->flags & F_ONELINE ? N_BOT : N_BOL) < 0)
				return -1;
			t++;
			break;
		case '$':
			if (push_op(p, p->flags & F_ONELINE ? N_EOT : N_EOL) < 0)
				return -1;
			t++;
			break;
		case '.':
			if (push_op(p, p->flags & F_DOTNL ? N_ANY : N_ANYNL) < 0)
				return -1;
			t++;
			break;
		case '[':
			if (parse_class(p, t, e, &t) < 0)
				return -1;
			break;
		case '*':
		case '+':
		case '?':
			op = *t == '*' ? N_STAR : *t == '+' ? N_PLUS : N_QUEST;
			if (repeat(p, op, 0, 0, t, t + 1, e, last, &after) < 0)
				return -1;
			rep = t;
			t = after;
			break;
		case '{':
			if (!parse_repeat(t, e, &min, &max, &after)) {
				if (literal(p, '{') < 0)
					return -1;
				t++;
				break;
			}
			if (min < 0 || min > RE_MAX_REPEAT ||
			    max > RE_MAX_REPEAT || (max >= 0 && min > max))
				return perr(p, E_REPEATSIZE, t,
				    (size_t)(after - t));
			if (repeat(p, N_REPEAT, min, max, t, after, e, last,
			    &after) < 0)
				return -1;
			rep = t;
			t = after;
			break;
		case '\\':
			if (e - t >= 2) {
				switch (t[1]) {
				case 'A':
					op = N_BOT;
					goto simple;
				case 'b':
					op = N_WB;
					goto simple;
				case 'B':
					op = N_NWB;
					goto simple;
				case 'z':
					op = N_EOT;
					goto simple;
				case 'C':
					return perr(p, E_ESCAPE, t, 2);
				case 'Q': {
					const char *q = t + 2, *qe = q;

					while (qe + 1 < e && !(qe[0] == '\\' &&
					    qe[1] == 'E'))
						qe++;
					if (qe + 1 >= e)
						qe = e;
					while (q < qe) {
						if (next_rune(p, q, qe, &ch,
						    &q) < 0 ||
						    literal(p, ch) < 0)
							return -1;
					}
					t = qe < e ? qe + 2 : e;
					goto done;
				}
				default:
					break;
				}
			}
			if ((c = class_new(p)) == NULL)
				return pnomem(p);
			if ((r = parse_uclass(p, c, t, e, &after)) < 0)
				return -1;
			if (r == 0 && (r = parse_perl(p, c, t, e, &after)) < 0)
				return -1;
			if (r > 0) {
				if (push_class(p, c) < 0)
					return -1;
				t = after;
				break;
			}
			if (parse_escape(p, t, e, &ch, &t) < 0 ||
			    literal(p, ch) < 0)
				return -1;
			break;
simple:
			if (push_op(p, op) < 0)
				return -1;
			t += 2;
			break;
		default:
			if (next_rune(p, t, e, &ch, &t) < 0 ||
			    literal(p, ch) < 0)
				return -1;
			break;
		}
done:
		last = rep;
	}
	if (concat(p) < 0)
		return -1;
	if (swap_vbar(p))
		p->n--;
	if (alternate(p) < 0)
		return -1;
	if (p->n != 1)
		return perr(p, E_PAREN, s, len);
	*root = p->stack[0];
	return 0;
}

/* ------------------------------------------------------------------ */
/* PCRE2 pattern text.                                                  */

static void
put_cp(struct rego_buf *b, uint32_t cp)
{
	rb_printf(b, "\\x{%x}", (unsigned)cp);
}

/* One range of a PCRE2 class, without the surrogates (PCRE2 refuses
 * them in UTF mode; no UTF-8 text contains them). */
static bool
put_range(struct rego_buf *b, uint32_t lo, uint32_t hi)
{
	if (lo >= 0xD800 && lo <= 0xDFFF)
		lo = 0xE000;
	if (hi >= 0xD800 && hi <= 0xDFFF)
		hi = 0xD7FF;
	if (lo > hi)
		return false;
	put_cp(b, lo);
	if (hi != lo) {
		rb_putc(b, '-');
		put_cp(b, hi);
	}
	return true;
}

/* Items of one kind set (mask of CI_* bits) as a class body; returns
 * how many were written. */
static size_t
put_items(struct rego_buf *b, const struct rclass *c, unsigned mask)
{
	size_t i, cnt = 0;

	for (i = 0; i < c->n; i++) {
		const struct citem *it = &c->it[i];

		if (!(mask & (1u << it->kind)))
			continue;
		if (it->kind == CI_PROP) {
			rb_printf(b, "\\%c{%s}", it->neg ? 'P' : 'p', it->prop);
			cnt++;
		} else if (put_range(b, it->lo, it->hi)) {
			cnt++;
		}
	}
	return cnt;
}

static void
rb_trunc(struct rego_buf *b, size_t len)
{
	b->len = len;
	if (b->p != NULL)
		b->p[len] = '\0';
}

/* A class. Without (?i), or with (?i) but nothing that must stay
 * unfolded: one PCRE2 class. Otherwise the union of the folded part and
 * the unfolded part as an alternation (negated: any character that
 * matches neither). */
static void
emit_class(struct rego_buf *b, const struct rclass *c)
{
	const unsigned folded = 1u << CI_RANGE | 1u << CI_PROP;
	const unsigned fixed = 1u << CI_FIXED;
	size_t mark = b->len, m, i;
	bool split = false;
	int alts = 0;

	for (i = 0; i < c->n && c->fold; i++)
		if (c->it[i].kind == CI_FIXED)
			split = true;
	if (!split) {
		rb_puts(b, c->fold ? "(?i:[" : "[");
		if (c->neg)
			rb_putc(b, '^');
		if (put_items(b, c, folded | fixed) == 0)
			goto empty;
		rb_puts(b, c->fold ? "])" : "]");
		return;
	}
	rb_puts(b, c->neg ? "(?:(?!" : "(?:");
	m = b->len;
	rb_puts(b, "(?i:[");
	if (put_items(b, c, folded) == 0) {
		rb_trunc(b, m);
	} else {
		rb_puts(b, "])");
		alts++;
	}
	m = b->len;
	rb_puts(b, alts > 0 ? "|[" : "[");
	if (put_items(b, c, fixed) == 0) {
		rb_trunc(b, m);
	} else {
		rb_putc(b, ']');
		alts++;
	}
	if (alts == 0)
		goto empty;
	rb_puts(b, c->neg ? ")(?s:.))" : ")");
	return;
empty:
	rb_trunc(b, mark);
	rb_puts(b, c->neg ? "(?s:.)" : "(?!)");
}

static void
put_lit(struct rego_buf *b, uint32_t r)
{
	if (r < 0x80 && is_alnum(r))
		rb_putc(b, (char)r);
	else
		put_cp(b, r);
}

static bool
surrogate(uint32_t r)
{
	return r >= 0xD800 && r <= 0xDFFF;
}

static void emit(struct rego_buf *b, const struct rnode *n);

static bool
atomic(const struct rnode *n)
{
	return n->op == N_LIT || n->op == N_CLASS || n->op == N_ANY ||
	    n->op == N_ANYNL || n->op == N_CAP || n->op == N_EMPTY;
}

static void
emit_body(struct rego_buf *b, const struct rnode *n)
{
	size_t i;

	if (n->op != N_ALT) {
		emit(b, n);
		return;
	}
	for (i = 0; i < n->nsub; i++) {
		if (i > 0)
			rb_putc(b, '|');
		emit(b, n->sub[i]);
	}
}

static void
emit(struct rego_buf *b, const struct rnode *n)
{
	size_t i, j;

	switch (n->op) {
	case N_NOMATCH:
		rb_puts(b, "(?!)");
		break;
	case N_EMPTY:
		rb_puts(b, "(?:)");
		break;
	case N_LIT:
		if (surrogate(n->r)) {
			rb_puts(b, "(?!)");
		} else if (n->fold) {
			rb_puts(b, "(?i:");
			put_lit(b, n->r);
			rb_putc(b, ')');
		} else {
			put_lit(b, n->r);
		}
		break;
	case N_CLASS:
		emit_class(b, n->cls);
		break;
	case N_ANYNL:
		rb_puts(b, "[^\\n]");
		break;
	case N_ANY:
		rb_puts(b, "(?s:.)");
		break;
	case N_BOL:
		rb_puts(b, "(?<![^\\n])");
		break;
	case N_EOL:
		rb_puts(b, "(?![^\\n])");
		break;
	case N_BOT:
		rb_puts(b, "\\A");
		break;
	case N_EOT:
		rb_puts(b, "\\z");
		break;
	case N_WB:
		rb_puts(b, "\\b");
		break;
	case N_NWB:
		rb_puts(b, "\\B");
		break;
	case N_CAP:
		rb_putc(b, '(');
		emit_body(b, n->sub[0]);
		rb_putc(b, ')');
		break;
	case N_STAR:
	case N_PLUS:
	case N_QUEST:
	case N_REPEAT:
		if (atomic(n->sub[0])) {
			emit(b, n->sub[0]);
		} else {
			rb_puts(b, "(?:");
			emit_body(b, n->sub[0]);
			rb_putc(b, ')');
		}
		if (n->op == N_STAR)
			rb_putc(b, '*');
		else if (n->op == N_PLUS)
			rb_putc(b, '+');
		else if (n->op == N_QUEST)
			rb_putc(b, '?');
		else if (n->max == -1)
			rb_printf(b, "{%d,}", n->min);
		else if (n->max == n->min)
			rb_printf(b, "{%d}", n->min);
		else
			rb_printf(b, "{%d,%d}", n->min, n->max);
		if (n->ng)
			rb_putc(b, '?');
		break;
	case N_CONCAT:
		for (i = 0; i < n->nsub; i++) {
			const struct rnode *s = n->sub[i];

			if (s->op == N_ALT) {
				rb_puts(b, "(?:");
				emit_body(b, s);
				rb_putc(b, ')');
			} else if (s->op == N_LIT && s->fold &&
			    !surrogate(s->r)) {
				/* a run of (?i) literals in one group */
				rb_puts(b, "(?i:");
				for (j = i; j < n->nsub && n->sub[j]->op ==
				    N_LIT && n->sub[j]->fold &&
				    !surrogate(n->sub[j]->r); j++)
					put_lit(b, n->sub[j]->r);
				rb_putc(b, ')');
				i = j - 1;
			} else {
				emit(b, s);
			}
		}
		break;
	case N_ALT:
		rb_puts(b, "(?:");
		emit_body(b, n);
		rb_putc(b, ')');
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Compiled patterns, cache, per-thread match data.                     */

struct rego_re {
	struct rego_centry ent;  /* first: the cache's head */
	size_t srclen;
	pcre2_code *code;
	unsigned ncap;
	char **names;            /* [ncap + 1] */
	struct rego_revm *vm;    /* linear-time fallback, or NULL */
	bool vm_first;           /* positions from the VM (see exec) */
};

struct re_tls {
	pcre2_match_data *md;
	uint32_t pairs;
};

static void re_destroy(struct rego_centry *e);

static pthread_once_t re_once = PTHREAD_ONCE_INIT;
static pthread_key_t re_key;
static bool re_ready;
static pcre2_compile_context *re_cctx;
static pcre2_match_context *re_mctx;
static pcre2_code *re_word;
static struct rego_cache re_cache = REGO_CACHE_INIT(re_destroy,
    RE_CACHE_MAX);

static void
tls_free(void *arg)
{
	struct re_tls *t = arg;

	if (t != NULL) {
		pcre2_match_data_free(t->md);
		free(t);
	}
}

static void
re_init(void)
{
	int ec;
	PCRE2_SIZE eo;

	if (pthread_key_create(&re_key, tls_free) != 0)
		return;
	re_cctx = pcre2_compile_context_create(NULL);
	re_mctx = pcre2_match_context_create(NULL);
	if (re_cctx == NULL || re_mctx == NULL)
		return;
	pcre2_set_newline(re_cctx, PCRE2_NEWLINE_LF);
	pcre2_set_parens_nest_limit(re_cctx, RE_NEST_LIMIT);
	pcre2_set_max_pattern_length(re_cctx, RE_MAX_OUT);
	pcre2_set_match_limit(re_mctx, RE_MATCH_LIMIT);
	pcre2_set_heap_limit(re_mctx, RE_HEAP_LIMIT);
	re_word = pcre2_compile((PCRE2_SPTR)"[\\p{L}\\p{Nd}_]",
	    PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_ANCHORED, &ec, &eo,
	    re_cctx);
	if (re_word == NULL)
		return;
	re_ready = true;
}

static bool
ready(void)
{
	return pthread_once(&re_once, re_init) == 0 && re_ready;
}

static struct re_tls *
tls_get(uint32_t pairs)
{
	struct re_tls *t = pthread_getspecific(re_key);

	if (t == NULL) {
		if ((t = calloc(1, sizeof(*t))) == NULL)
			return NULL;
		if (pthread_setspecific(re_key, t) != 0) {
			free(t);
			return NULL;
		}
	}
	if (pairs < 16)
		pairs = 16;
	if (t->md == NULL || t->pairs < pairs) {
		pcre2_match_data_free(t->md);
		t->pairs = 0;
		if ((t->md = pcre2_match_data_create(pairs, NULL)) == NULL)
			return NULL;
		t->pairs = pairs;
	}
	return t;
}

static void
re_free(struct rego_re *re)
{
	unsigned i;

	if (re == NULL)
		return;
	pcre2_code_free(re->code);
	if (re->names != NULL)
		for (i = 0; i <= re->ncap; i++)
			free(re->names[i]);
	free(re->names);
	rego_revm_free(re->vm);
	free(re);
}

static void
re_destroy(struct rego_centry *e)
{
	re_free((struct rego_re *)e);
}

/* ------------------------------------------------------------------ */
/* The tree as a Pike VM program (regex_vm.h), Go's compile.go: the    */
/* fallback when backtracking reaches its limits.                       */

struct vmc {
	struct rego_revm *vm;
	struct rego_buf tmp;
	bool fail;
};

static long
vm_op(struct vmc *c, uint8_t op, uint32_t x, uint32_t y)
{
	long pc = c->fail ? -1 : rego_revm_emit(c->vm, op, x, y);

	if (pc < 0)
		c->fail = true;
	return pc;
}

static uint32_t
vm_here(const struct vmc *c)
{
	return (uint32_t)rego_revm_len(c->vm);
}

/* A one-character item as a predicate: its PCRE2 text in c->tmp. */
static void
vm_pred(struct vmc *c)
{
	long k;

	if (c->tmp.oom ||
	    (k = rego_revm_pred(c->vm, rb_str(&c->tmp), c->tmp.len)) < 0) {
		c->fail = true;
		return;
	}
	(void)vm_op(c, RV_PRED, (uint32_t)k, 0);
}

static void vm_node(struct vmc *c, const struct rnode *n);

/* Patch the split at pc: `body` first unless non-greedy. */
static void
vm_split(struct vmc *c, long pc, uint32_t body, uint32_t next, bool ng)
{
	if (!c->fail)
		rego_revm_patch(c->vm, (size_t)pc, ng ? next : body,
		    ng ? body : next);
}

/* x+: x, then a split back to x (Go's plus/loop). */
static void
vm_plus(struct vmc *c, const struct rnode *x, bool ng)
{
	uint32_t body = vm_here(c);
	long at;

	vm_node(c, x);
	at = vm_op(c, RV_SPLIT, 0, 0);
	vm_split(c, at, body, (uint32_t)at + 1, ng);
}

/* x* with x not nullable: L: split x, next; x; jmp L. */
static void
vm_star(struct vmc *c, const struct rnode *x, bool ng)
{
	long at = vm_op(c, RV_SPLIT, 0, 0);

	vm_node(c, x);
	(void)vm_op(c, RV_JMP, (uint32_t)at, 0);
	vm_split(c, at, (uint32_t)at + 1, vm_here(c), ng);
}

/* x? (or (x+)? when plus): split x, next. */
static void
vm_quest(struct vmc *c, const struct rnode *x, bool ng, bool plus)
{
	long at = vm_op(c, RV_SPLIT, 0, 0);

	if (plus)
		vm_plus(c, x, ng);
	else
		vm_node(c, x);
	vm_split(c, at, (uint32_t)at + 1, vm_here(c), ng);
}

static void
vm_node(struct vmc *c, const struct rnode *n)
{
	static const uint8_t asserts[] = { [N_BOL] = RV_BOL,
		[N_EOL] = RV_EOL, [N_BOT] = RV_BOT, [N_EOT] = RV_EOT,
		[N_WB] = RV_WB, [N_NWB] = RV_NWB };
	long at;
	size_t i;
	int k;

	if (c->fail)
		return;
	switch (n->op) {
	case N_NOMATCH:
		(void)vm_op(c, RV_FAIL, 0, 0);
		break;
	case N_EMPTY:
		break;
	case N_LIT:
		if (surrogate(n->r)) {
			(void)vm_op(c, RV_FAIL, 0, 0);
		} else if (n->fold) {
			rb_trunc(&c->tmp, 0);
			emit(&c->tmp, n);
			vm_pred(c);
		} else {
			(void)vm_op(c, RV_CHAR, n->r, 0);
		}
		break;
	case N_CLASS:
		rb_trunc(&c->tmp, 0);
		emit_class(&c->tmp, n->cls);
		vm_pred(c);
		break;
	case N_ANYNL:
		(void)vm_op(c, RV_ANYNL, 0, 0);
		break;
	case N_ANY:
		(void)vm_op(c, RV_ANY, 0, 0);
		break;
	case N_BOL:
	case N_EOL:
	case N_BOT:
	case N_EOT:
	case N_WB:
	case N_NWB:
		(void)vm_op(c, asserts[n->op], 0, 0);
		break;
	case N_CAP:
		(void)vm_op(c, RV_SAVE, 2 * (uint32_t)n->cap, 0);
		vm_node(c, n->sub[0]);
		(void)vm_op(c, RV_SAVE, 2 * (uint32_t)n->cap + 1, 0);
		break;
	case N_CONCAT:
		for (i = 0; i < n->nsub; i++)
			vm_node(c, n->sub[i]);
		break;
	case N_ALT: {
		long *jmps = calloc(n->nsub, sizeof(*jmps));

		if (jmps == NULL) {
			c->fail = true;
			break;
		}
		for (i = 0; i + 1 < n->nsub && !c->fail; i++) {
			at = vm_op(c, RV_SPLIT, 0, 0);
			vm_node(c, n->sub[i]);
			jmps[i] = vm_op(c, RV_JMP, 0, 0);
			if (!c->fail)
				rego_revm_patch(c->vm, (size_t)at,
				    (uint32_t)at + 1, vm_here(c));
		}
		vm_node(c, n->sub[n->nsub - 1]);
		for (i = 0; i + 1 < n->nsub && !c->fail; i++)
			rego_revm_patch(c->vm, (size_t)jmps[i], vm_here(c), 0);
		free(jmps);
		break;
	}
	case N_QUEST:
		vm_quest(c, n->sub[0], n->ng, false);
		break;
	case N_STAR:
		/* Go: x* with a nullable x is (x+)?, for Go's priorities */
		if (n->sub[0]->nullable)
			vm_quest(c, n->sub[0], n->ng, true);
		else
			vm_star(c, n->sub[0], n->ng);
		break;
	case N_PLUS:
		vm_plus(c, n->sub[0], n->ng);
		break;
	case N_REPEAT: {
		/* Go's simplify: x{n,} is n-1 copies and x+ (x{0,} is x*);
		 * x{n,m} is n copies and m-n optional ones, each skipping
		 * to the end when it does not match */
		long *opt;

		if (n->max == -1) {
			if (n->min == 0) {
				if (n->sub[0]->nullable)
					vm_quest(c, n->sub[0], n->ng, true);
				else
					vm_star(c, n->sub[0], n->ng);
				break;
			}
			for (k = 0; k < n->min - 1; k++)
				vm_node(c, n->sub[0]);
			vm_plus(c, n->sub[0], n->ng);
			break;
		}
		for (k = 0; k < n->min; k++)
			vm_node(c, n->sub[0]);
		if (n->max <= n->min)
			break;
		if ((opt = calloc((size_t)(n->max - n->min),
		    sizeof(*opt))) == NULL) {
			c->fail = true;
			break;
		}
		for (k = 0; k < n->max - n->min && !c->fail; k++) {
			opt[k] = vm_op(c, RV_SPLIT, 0, 0);
			vm_node(c, n->sub[0]);
		}
		for (k = 0; k < n->max - n->min && !c->fail; k++)
			vm_split(c, opt[k], (uint32_t)opt[k] + 1, vm_here(c),
			    n->ng);
		free(opt);
		break;
	}
	default:
		break;
	}
}

/* The fallback program, or NULL when it would be too large. */
static struct rego_revm *
vm_build(const struct rnode *root, unsigned ncap)
{
	struct vmc c;

	memset(&c, 0, sizeof(c));
	if (root->size > (int64_t)RE_VM_MAX_INSTS ||
	    (uint64_t)root->size * (ncap + 1u) > RE_VM_MAX_SLOTS)
		return NULL;
	if ((c.vm = rego_revm_new(ncap, RE_VM_MAX_INSTS)) == NULL)
		return NULL;
	rb_init(&c.tmp, 1u << 20);
	(void)vm_op(&c, RV_SAVE, 0, 0);
	vm_node(&c, root);
	(void)vm_op(&c, RV_SAVE, 1, 0);
	(void)vm_op(&c, RV_MATCH, 0, 0);
	rb_free(&c.tmp);
	if (c.fail) {
		rego_revm_free(c.vm);
		return NULL;
	}
	return c.vm;
}

/* Parse and translate; *out the PCRE2 text (malloc'd via rb). */
static int
translate(const char *pat, size_t len, struct rego_buf *out,
    struct rego_re *re, char *err, size_t errlen)
{
	struct rego_arena ar;
	struct rparser p;
	struct rnode *root = NULL;
	int rc = -1;

	ra_init(&ar, RE_PARSE_MEM);
	memset(&p, 0, sizeof(p));
	p.a = &ar;
	p.err = err;
	p.errlen = errlen;
	if (re_parse(&p, pat, len, &root) < 0)
		goto out;
	if (out == NULL) {
		rc = 0;
		goto out;
	}
	emit_body(out, root);
	if (out->oom) {
		snprintf(err, errlen, "error parsing regexp: %s: `%.*s`",
		    E_LARGE, (int)(len > 200 ? 200 : len), pat);
		goto out;
	}
	re->ncap = (unsigned)p.ncap;
	if ((re->names = calloc((size_t)p.ncap + 1, sizeof(char *))) ==
	    NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < p.nnamed; i++) {
		const struct rnode *n = p.named[i];

		if ((re->names[n->cap] = strndup(n->name, n->namelen)) ==
		    NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	re->vm = vm_build(root, re->ncap);
	re->vm_first = re->vm != NULL && root->nloop;
	rc = 0;
out:
	ra_free(&ar);
	return rc;
}

int
rego_re_check(const char *pat, size_t len, char *err, size_t errlen)
{
	return translate(pat, len, NULL, NULL, err, errlen);
}

/* PCRE2 compiles nested groups recursively, with about 1 KiB of C
 * stack per level: a deeply nested pattern is compiled on a thread of
 * its own with a stack large enough, whatever the caller's stack. */
struct pcjob {
	const char *pat;
	size_t len;
	pcre2_code *code;
	int ec;
};

static void *
pcompile_job(void *arg)
{
	struct pcjob *j = arg;
	PCRE2_SIZE eo;

	j->code = pcre2_compile((PCRE2_SPTR)j->pat, j->len, PCRE2_UTF |
	    PCRE2_NO_UTF_CHECK | PCRE2_NEVER_BACKSLASH_C | PCRE2_NEVER_UCP,
	    &j->ec, &eo, re_cctx);
	return NULL;
}

static int
pcompile(const char *pat, size_t len, pcre2_code **code, int *ec)
{
	struct pcjob j = { pat, len, NULL, 0 };
	size_t i, depth = 0, max = 0;
	pthread_attr_t at;
	pthread_t th;
	int rc;

	/* the translation escapes every literal: parentheses are groups */
	for (i = 0; i < len; i++) {
		if (pat[i] == '(' && (i == 0 || pat[i - 1] != '\\')) {
			if (++depth > max)
				max = depth;
		} else if (pat[i] == ')' && (i == 0 || pat[i - 1] != '\\')) {
			depth--;
		}
	}
	if (max <= RE_INLINE_NEST) {
		pcompile_job(&j);
	} else {
		if (max > RE_NEST_LIMIT)
			max = RE_NEST_LIMIT;
		if (pthread_attr_init(&at) != 0)
			return -1;
		rc = pthread_attr_setstacksize(&at, (256u << 10) + max * 2048u);
		if (rc == 0)
			rc = pthread_create(&th, &at, pcompile_job, &j);
		pthread_attr_destroy(&at);
		if (rc != 0 || pthread_join(th, NULL) != 0)
			return -1;
	}
	*code = j.code;
	*ec = j.ec;
	return 0;
}

static struct rego_centry *
re_build(const char *pat, size_t len, void *arg, char *err, size_t errlen)
{
	struct rego_re *re = calloc(1, sizeof(*re));
	struct rego_buf out;
	int ec, cut = (int)(len > 200 ? 200 : len);

	(void)arg;
	rb_init(&out, RE_MAX_OUT);
	if (re == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	re->srclen = len;
	if (translate(pat, len, &out, re, err, errlen) < 0)
		goto fail;
	if (pcompile(rb_str(&out), out.len, &re->code, &ec) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (re->code == NULL) {
		char msg[160];

		if (ec == PCRE2_ERROR_PATTERN_TOO_LARGE ||
		    ec == PCRE2_ERROR_TOO_MANY_CAPTURES ||
		    ec == PCRE2_ERROR_PATTERN_TOO_COMPLICATED ||
		    ec == PCRE2_ERROR_HEAP_FAILED) {
			snprintf(err, errlen, "error parsing regexp: %s: "
			    "`%.*s`", E_LARGE, cut, pat);
		} else if (ec == PCRE2_ERROR_PARENTHESES_NEST_TOO_DEEP) {
			snprintf(err, errlen, "error parsing regexp: %s: "
			    "`%.*s`", E_DEPTH, cut, pat);
		} else {
			pcre2_get_error_message(ec, (PCRE2_UCHAR *)msg,
			    sizeof(msg));
			snprintf(err, errlen, "error compiling regexp: %s: "
			    "`%.*s`", msg, cut, pat);
		}
		goto fail;
	}
	rb_free(&out);
	return &re->ent;
fail:
	rb_free(&out);
	re_free(re);
	return NULL;
}

struct rego_re *
rego_re_get(const char *pat, size_t len, char *err, size_t errlen)
{
	if (!ready()) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return (struct rego_re *)rego_cache_get(&re_cache, pat, len,
	    re_build, NULL, err, errlen);
}

void
rego_re_put(struct rego_re *re)
{
	if (re != NULL)
		rego_cache_put(&re_cache, &re->ent);
}

unsigned
rego_re_ncap(const struct rego_re *re)
{
	return re->ncap;
}

const char *
rego_re_name(const struct rego_re *re, unsigned i)
{
	return i <= re->ncap ? re->names[i] : NULL;
}

size_t
rego_re_srclen(const struct rego_re *re)
{
	return re->srclen;
}

/* ------------------------------------------------------------------ */
/* Matching.                                                            */

int
rego_re_subj_init(struct rego_re_subj *sj, struct rego_arena *a,
    const char *s, size_t n)
{
	size_t i, k, out = 0, o;
	uint32_t cp, *map;
	char *buf;

	sj->orig = s;
	sj->olen = n;
	sj->s = s;
	sj->n = n;
	sj->map = NULL;
	if (rego_utf8_valid(s, n))
		return 0;
	for (i = 0; i < n; i += k) {
		k = rego_utf8_dec(s + i, n - i, &cp);
		out += cp == 0xFFFD && k == 1 ? 3 : k;
	}
	if (out >= UINT32_MAX ||
	    (buf = ra_alloc(a, out + 1)) == NULL ||
	    (map = ra_alloc(a, (out + 1) * sizeof(*map))) == NULL)
		return -1;
	for (i = 0, o = 0; i < n; i += k) {
		k = rego_utf8_dec(s + i, n - i, &cp);
		if (cp == 0xFFFD && k == 1) {
			memcpy(buf + o, "\xEF\xBF\xBD", 3);
			map[o] = map[o + 1] = map[o + 2] = (uint32_t)i;
			o += 3;
		} else {
			for (size_t j = 0; j < k; j++) {
				buf[o] = s[i + j];
				map[o++] = (uint32_t)(i + j);
			}
		}
	}
	buf[o] = '\0';
	map[o] = (uint32_t)n;
	sj->s = buf;
	sj->n = out;
	sj->map = map;
	return 0;
}

static bool
limit_rc(int rc)
{
	return rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_HEAPLIMIT;
}

static int
map_rc(int rc)
{
	if (rc == PCRE2_ERROR_NOMATCH)
		return REGO_RE_NOMATCH;
	if (rc == PCRE2_ERROR_NOMEMORY)
		return REGO_RE_ENOMEM;
	return REGO_RE_ELIMIT;
}

/* Backtracking gave up: the Pike VM decides, in linear time. */
static int
fallback(const struct rego_re *re, const struct rego_re_subj *sj,
    size_t from, size_t *ov)
{
	int rc;

	if (re->vm == NULL)
		return REGO_RE_ELIMIT;
	rc = rego_revm_exec(re->vm, sj->s, sj->n, from, ov);
	return rc < 0 ? REGO_RE_ENOMEM : rc;
}

static int
exec_pcre2(const struct rego_re *re, const struct rego_re_subj *sj,
    size_t from, size_t *ov, bool fb)
{
	struct re_tls *t = tls_get(re->ncap + 1);
	PCRE2_SIZE *v;
	unsigned i;
	int rc;

	if (t == NULL)
		return REGO_RE_ENOMEM;
	rc = pcre2_match(re->code, (PCRE2_SPTR)sj->s, sj->n, from,
	    PCRE2_NO_UTF_CHECK, t->md, re_mctx);
	if (limit_rc(rc) && fb)
		return fallback(re, sj, from, ov);
	if (rc < 0)
		return map_rc(rc);
	v = pcre2_get_ovector_pointer(t->md);
	for (i = 0; i < 2 * (re->ncap + 1); i++)
		ov[i] = (i < 2 * (unsigned)rc && v[i] != PCRE2_UNSET) ?
		    (size_t)v[i] : SIZE_MAX;
	return REGO_RE_MATCH;
}

int
rego_re_exec(const struct rego_re *re, const struct rego_re_subj *sj,
    size_t from, size_t *ov)
{
	/* A loop whose body can match empty: Perl and PCRE2 keep an empty
	 * iteration (and its captures), Go drops it; which match and which
	 * submatches are found can differ, so Go's machine decides. */
	if (re->vm_first)
		return fallback(re, sj, from, ov);
	return exec_pcre2(re, sj, from, ov, true);
}

int
rego_re_exec_via(const struct rego_re *re, const struct rego_re_subj *sj,
    size_t from, size_t *ov, int engine)
{
	if (engine == 0)
		return exec_pcre2(re, sj, from, ov, false);
	return fallback(re, sj, from, ov);
}

bool
rego_re_vm_first(const struct rego_re *re)
{
	return re->vm_first;
}

int
rego_re_test(const struct rego_re *re, const struct rego_re_subj *sj)
{
	struct re_tls *t = tls_get(1);
	int rc;

	if (t == NULL)
		return REGO_RE_ENOMEM;
	rc = pcre2_match(re->code, (PCRE2_SPTR)sj->s, sj->n, 0,
	    PCRE2_NO_UTF_CHECK, t->md, re_mctx);
	if (rc >= 0)
		return REGO_RE_MATCH;
	if (limit_rc(rc))
		return fallback(re, sj, 0, NULL);
	return map_rc(rc);
}

size_t
rego_re_width(const char *s, size_t n)
{
	uint32_t cp;

	return rego_utf8_dec(s, n, &cp);
}

bool
rego_re_is_word_rune(uint32_t cp)
{
	char enc[4];
	size_t k;
	struct re_tls *t;

	if (cp < 0x80)
		return is_alnum(cp) || cp == '_';
	if (cp == 0xFFFD || !ready() || (t = tls_get(1)) == NULL)
		return false;
	k = rego_utf8_enc(cp, enc);
	return pcre2_match(re_word, (PCRE2_SPTR)enc, k, 0,
	    PCRE2_NO_UTF_CHECK, t->md, NULL) >= 0;
}
