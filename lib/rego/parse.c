/*
 * Lexer and recursive-descent parser for Rego v1 (OPA >= 1.0 syntax).
 *
 * The source is first cut into tokens (each knowing whether whitespace
 * or a newline preceded it, which is how Rego separates expressions and
 * ends references); the parser then works on the token array, so that
 * backtracking (OPA's parser tries comprehensions before plain
 * collections, rules before queries) is an index save/restore.
 *
 * Backtracking re-parses the tokens of a failed alternative; nested
 * alternatives would make that exponential ({y | {y | {y | ...}}}).
 * Terms are therefore memoized per token (packrat parsing): the term
 * that starts at a token, success or failure, is parsed once, and every
 * later attempt at that token takes the recorded result. The nesting cap
 * and running out of memory are fatal: no alternative is tried after
 * them, so a memoized result never depends on the depth it was parsed
 * at.
 *
 * Operators become calls named after OPA's built-ins (== is `equal`,
 * + is `plus`, `x in xs` is `internal.member_2`, ...); `=` and `:=` are
 * expressions of their own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/rego_priv.h"

enum {
	T_EOF = 0, T_IDENT, T_NUMBER, T_STRING, T_TPL, T_TPL_END,
	T_LBRACK, T_RBRACK, T_LBRACE, T_RBRACE, T_LPAREN, T_RPAREN,
	T_COMMA, T_COLON, T_ASSIGN, T_UNIFY, T_EQ, T_NEQ, T_LT, T_LTE,
	T_GT, T_GTE, T_ADD, T_SUB, T_MUL, T_QUO, T_REM, T_AND, T_OR,
	T_SEMI, T_DOT,
	/* keywords */
	T_PACKAGE, T_IMPORT, T_AS, T_DEFAULT, T_ELSE, T_NOT, T_WITH,
	T_SOME, T_IN, T_IF, T_CONTAINS, T_EVERY, T_TRUE, T_FALSE, T_NULL,
	T_ILLEGAL,
};

static const char *const tok_names[] = {
	"eof", "ident", "number", "string", "template-string",
	"template-string", "[", "]", "{", "}", "(", ")", ",", ":", ":=",
	"=", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%",
	"&", "|", ";", ".", "package", "import", "as", "default", "else",
	"not", "with", "some", "in", "if", "contains", "every", "true",
	"false", "null", "illegal",
};

static const struct {
	const char *w;
	int t;
} keywords[] = {
	{ "package", T_PACKAGE }, { "import", T_IMPORT }, { "as", T_AS },
	{ "default", T_DEFAULT }, { "else", T_ELSE }, { "not", T_NOT },
	{ "with", T_WITH }, { "some", T_SOME }, { "in", T_IN },
	{ "if", T_IF }, { "contains", T_CONTAINS }, { "every", T_EVERY },
	{ "true", T_TRUE }, { "false", T_FALSE }, { "null", T_NULL },
};

struct tok {
	uint8_t k;
	uint8_t ws;        /* whitespace or comment before */
	uint8_t nl;        /* a newline before */
	uint8_t raw;       /* template: raw (backtick) */
	int row, col;
	size_t off, end;   /* source span */
	const char *s;     /* identifier/number: source; string: decoded */
	size_t n;
};

struct lx {
	const char *src;
	size_t n, i;
	int row, col;
	struct rego_arena *a;
	struct tok *t;
	size_t nt, cap;
	/* open template expressions: depth of braces; raw flag */
	int tdepth[64];
	uint8_t traw[64];
	int ntpl;
	const char *file;
	struct rego_diags *ds;
	bool err;
	/* comments, kept for METADATA annotations */
	struct rego_comment *cm;
	size_t ncm, capcm;
};

#define LX_MAX_TOKENS (4u * 1024 * 1024)

static void
lx_error(struct lx *l, int row, int col, const char *msg)
{
	struct rego_loc loc = { l->file, row, col };

	if (!l->err)
		rd_add(l->ds, REGO_PARSE_ERR, &loc, "%s", msg);
	l->err = true;
}

static struct tok *
lx_push(struct lx *l)
{
	struct tok *nt;
	size_t nc;

	if (l->nt == l->cap) {
		if (l->cap >= LX_MAX_TOKENS) {
			lx_error(l, l->row, l->col, "too many tokens");
			return NULL;
		}
		nc = l->cap == 0 ? 256 : l->cap * 2;
		if ((nt = ra_alloc(l->a, nc * sizeof(*nt))) == NULL) {
			lx_error(l, l->row, l->col, "out of memory");
			return NULL;
		}
		if (l->nt > 0)
			memcpy(nt, l->t, l->nt * sizeof(*nt));
		l->t = nt;
		l->cap = nc;
	}
	nt = &l->t[l->nt++];
	memset(nt, 0, sizeof(*nt));
	return nt;
}

/* Advance one code point, tracking row/col (columns count code points). */
static void
lx_adv(struct lx *l)
{
	uint32_t cp;
	size_t k;

	if (l->i >= l->n)
		return;
	if (l->src[l->i] == '\n') {
		l->row++;
		l->col = 1;
		l->i++;
		return;
	}
	k = rego_utf8_dec(l->src + l->i, l->n - l->i, &cp);
	l->i += k > 0 ? k : 1;
	l->col++;
}

static bool
is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
is_dec(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Decode an escaped string body [s, s+n) (JSON escapes, plus `\{` in
 * template strings) into the arena. Returns NULL on a bad escape.
 */
static char *
unescape(struct rego_arena *a, const char *s, size_t n, bool tpl,
    size_t *outlen)
{
	char *buf = ra_alloc(a, n + 1), *o = buf;
	size_t i = 0;
	uint32_t cp, lo;
	int h, k;

	if (buf == NULL)
		return NULL;
	while (i < n) {
		char c = s[i++];

		if (c != '\\') {
			*o++ = c;
			continue;
		}
		if (i >= n)
			return NULL;
		c = s[i++];
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case '{':
			if (!tpl)
				return NULL;
			*o++ = '{';
			break;
		case 'u':
			if (n - i < 4)
				return NULL;
			cp = 0;
			for (k = 0; k < 4; k++) {
				if ((h = cki_hex_nibble(s[i++])) < 0)
					return NULL;
				cp = (cp << 4) | (uint32_t)h;
			}
			if (cp >= 0xD800 && cp <= 0xDBFF && n - i >= 6 &&
			    s[i] == '\\' && s[i + 1] == 'u') {
				lo = 0;
				for (k = 0; k < 4; k++) {
					if ((h = cki_hex_nibble(s[i + 2 + (size_t)k])) < 0)
						break;
					lo = (lo << 4) | (uint32_t)h;
				}
				if (k == 4 && lo >= 0xDC00 && lo <= 0xDFFF) {
					cp = 0x10000 + ((cp - 0xD800) << 10) +
					    (lo - 0xDC00);
					i += 6;
				}
			}
			o += rego_utf8_enc(cp, o);
			break;
		default:
			return NULL;
		}
	}
	*o = '\0';
	*outlen = (size_t)(o - buf);
	return buf;
}

/*
 * Scan a template string part starting at l->i (just after `$"`, `$``
 * or the `}` closing an expression) up to `{` (part) or the closing
 * quote (end).
 */
static void
lx_template(struct lx *l, struct tok *t, bool raw)
{
	size_t start = l->i;
	char q = raw ? '`' : '"';
	bool esc = false;
	size_t bodyend;

	t->raw = raw;
	for (;;) {
		if (l->i >= l->n || (!raw && l->src[l->i] == '\n')) {
			lx_error(l, t->row, t->col, "non-terminated string");
			return;
		}
		if (l->src[l->i] == q) {
			t->k = T_TPL_END;
			bodyend = l->i;
			lx_adv(l);
			break;
		}
		if (l->src[l->i] == '{') {
			t->k = T_TPL;
			bodyend = l->i;
			lx_adv(l);
			break;
		}
		if (l->src[l->i] == '\\') {
			char nx = l->i + 1 < l->n ? l->src[l->i + 1] : '\0';

			if (raw) {
				if (nx == '{') {
					esc = true;
					lx_adv(l);
				}
			} else {
				esc = true;
				if (!(nx == '\\' || nx == '"' || nx == '/' ||
				    nx == 'b' || nx == 'f' || nx == 'n' ||
				    nx == 'r' || nx == 't' || nx == 'u' ||
				    nx == '{')) {
					lx_error(l, l->row, l->col,
					    "illegal escape sequence");
					return;
				}
				lx_adv(l);
			}
		}
		lx_adv(l);
	}
	if (raw) {
		/* only `\{` is an escape */
		char *o = ra_alloc(l->a, bodyend - start + 1), *p = o;
		size_t i;

		if (o == NULL) {
			lx_error(l, t->row, t->col, "out of memory");
			return;
		}
		for (i = start; i < bodyend; i++) {
			if (esc && l->src[i] == '\\' && i + 1 < bodyend &&
			    l->src[i + 1] == '{')
				continue;
			*p++ = l->src[i];
		}
		*p = '\0';
		t->s = o;
		t->n = (size_t)(p - o);
	} else if (esc) {
		char *o = unescape(l->a, l->src + start, bodyend - start, true,
		    &t->n);

		if (o == NULL) {
			lx_error(l, t->row, t->col, "illegal template-string");
			return;
		}
		t->s = o;
	} else {
		t->s = l->src + start;
		t->n = bodyend - start;
	}
	t->end = l->i;
}

static void
lx_run(struct lx *l)
{
	bool ws = false, nl = false;
	struct tok *t;
	size_t st, k;
	uint32_t cp;
	char c;

	while (!l->err) {
		/* whitespace and comments */
		while (l->i < l->n) {
			c = l->src[l->i];
			if (c == ' ' || c == '\t' || c == '\r') {
				ws = true;
				lx_adv(l);
			} else if (c == '\n') {
				ws = nl = true;
				lx_adv(l);
			} else if (c == '#') {
				struct rego_comment *cm;

				ws = true;
				if (l->ncm == l->capcm) {
					size_t nc = l->capcm == 0 ? 16 :
					    l->capcm * 2;

					if ((cm = ra_alloc(l->a, nc *
					    sizeof(*cm))) == NULL) {
						lx_error(l, l->row, l->col,
						    "out of memory");
						return;
					}
					if (l->ncm > 0)
						memcpy(cm, l->cm, l->ncm *
						    sizeof(*cm));
					l->cm = cm;
					l->capcm = nc;
				}
				cm = &l->cm[l->ncm++];
				cm->row = l->row;
				cm->col = l->col;
				st = l->i + 1;
				while (l->i < l->n && l->src[l->i] != '\n')
					lx_adv(l);
				cm->text = l->src + st;
				cm->len = l->i - st;
			} else {
				break;
			}
		}
		if ((t = lx_push(l)) == NULL)
			return;
		t->ws = ws;
		t->nl = nl;
		ws = nl = false;
		t->row = l->row;
		t->col = l->col;
		t->off = l->i;
		if (l->i >= l->n) {
			t->k = T_EOF;
			t->end = l->i;
			return;
		}
		c = l->src[l->i];
		if (c == '\0') {
			lx_error(l, l->row, l->col, "illegal null character");
			return;
		}
		if ((unsigned char)c >= 0x80) {
			k = rego_utf8_dec(l->src + l->i, l->n - l->i, &cp);
			if (cp == 0xFFFD && k == 1) {
				lx_error(l, l->row, l->col,
				    "illegal utf-8 character");
				return;
			}
			if (cp == 0xFEFF && l->i == 0) {
				/* byte-order mark at the start */
				l->i += 3;
				l->nt--;
				continue;
			}
			lx_error(l, l->row, l->col, "illegal token");
			return;
		}
		if (is_letter(c)) {
			st = l->i;
			while (l->i < l->n && (is_letter(l->src[l->i]) ||
			    is_dec(l->src[l->i])))
				lx_adv(l);
			t->k = T_IDENT;
			t->s = l->src + st;
			t->n = l->i - st;
			for (k = 0; k < sizeof(keywords) / sizeof(keywords[0]);
			    k++)
				if (strlen(keywords[k].w) == t->n &&
				    memcmp(keywords[k].w, t->s, t->n) == 0)
					t->k = (uint8_t)keywords[k].t;
			t->end = l->i;
			continue;
		}
		if (is_dec(c)) {
			st = l->i;
			while (l->i < l->n && is_dec(l->src[l->i]))
				lx_adv(l);
			if (l->i < l->n && l->src[l->i] == '.') {
				lx_adv(l);
				if (!(l->i < l->n && is_dec(l->src[l->i]))) {
					lx_error(l, l->row, l->col,
					    "expected fraction");
					return;
				}
				while (l->i < l->n && is_dec(l->src[l->i]))
					lx_adv(l);
			}
			if (l->i < l->n && (l->src[l->i] == 'e' ||
			    l->src[l->i] == 'E')) {
				lx_adv(l);
				if (l->i < l->n && (l->src[l->i] == '+' ||
				    l->src[l->i] == '-'))
					lx_adv(l);
				if (!(l->i < l->n && is_dec(l->src[l->i]))) {
					lx_error(l, l->row, l->col,
					    "expected exponent");
					return;
				}
				while (l->i < l->n && is_dec(l->src[l->i]))
					lx_adv(l);
			}
			if (l->i < l->n && is_letter(l->src[l->i])) {
				lx_error(l, t->row, t->col,
				    "illegal number format");
				return;
			}
			t->k = T_NUMBER;
			t->s = l->src + st;
			t->n = l->i - st;
			t->end = l->i;
			continue;
		}
		lx_adv(l);
		switch (c) {
		case '"': {
			bool esc = false;

			st = l->i;
			for (;;) {
				if (l->i >= l->n || l->src[l->i] == '\n') {
					lx_error(l, t->row, t->col,
					    "non-terminated string");
					return;
				}
				if (l->src[l->i] == '"')
					break;
				if (l->src[l->i] == '\\') {
					char nx = l->i + 1 < l->n ?
					    l->src[l->i + 1] : '\0';

					esc = true;
					if (!(nx == '\\' || nx == '"' ||
					    nx == '/' || nx == 'b' ||
					    nx == 'f' || nx == 'n' ||
					    nx == 'r' || nx == 't' ||
					    nx == 'u')) {
						lx_error(l, l->row, l->col,
						    "illegal escape sequence");
						return;
					}
					lx_adv(l);
				}
				lx_adv(l);
			}
			t->k = T_STRING;
			if (esc) {
				char *o = unescape(l->a, l->src + st,
				    l->i - st, false, &t->n);

				if (o == NULL) {
					lx_error(l, t->row, t->col,
					    "illegal string literal");
					return;
				}
				t->s = o;
			} else {
				t->s = l->src + st;
				t->n = l->i - st;
			}
			lx_adv(l);
			break;
		}
		case '`':
			st = l->i;
			while (l->i < l->n && l->src[l->i] != '`')
				lx_adv(l);
			if (l->i >= l->n) {
				lx_error(l, t->row, t->col,
				    "non-terminated string");
				return;
			}
			t->k = T_STRING;
			t->s = l->src + st;
			t->n = l->i - st;
			lx_adv(l);
			break;
		case '$':
			if (l->i < l->n && (l->src[l->i] == '"' ||
			    l->src[l->i] == '`')) {
				bool raw = l->src[l->i] == '`';

				lx_adv(l);
				lx_template(l, t, raw);
				if (l->err)
					return;
				if (t->k == T_TPL) {
					if (l->ntpl >= 64) {
						lx_error(l, t->row, t->col,
						    "template strings nested "
						    "too deeply");
						return;
					}
					l->tdepth[l->ntpl] = 0;
					l->traw[l->ntpl++] = raw;
				}
				continue;
			}
			lx_error(l, t->row, t->col, "illegal $ character");
			return;
		case '[': t->k = T_LBRACK; break;
		case ']': t->k = T_RBRACK; break;
		case '{':
			t->k = T_LBRACE;
			if (l->ntpl > 0)
				l->tdepth[l->ntpl - 1]++;
			break;
		case '}':
			t->k = T_RBRACE;
			if (l->ntpl > 0) {
				if (l->tdepth[l->ntpl - 1] > 0) {
					l->tdepth[l->ntpl - 1]--;
				} else {
					bool raw = l->traw[--l->ntpl];
					struct tok *c2;

					t->end = l->i;
					if ((c2 = lx_push(l)) == NULL)
						return;
					c2->row = l->row;
					c2->col = l->col;
					c2->off = l->i;
					lx_template(l, c2, raw);
					if (l->err)
						return;
					if (c2->k == T_TPL) {
						l->tdepth[l->ntpl] = 0;
						l->traw[l->ntpl++] = raw;
					}
					continue;
				}
			}
			break;
		case '(': t->k = T_LPAREN; break;
		case ')': t->k = T_RPAREN; break;
		case ',': t->k = T_COMMA; break;
		case ';': t->k = T_SEMI; break;
		case '.': t->k = T_DOT; break;
		case '+': t->k = T_ADD; break;
		case '-': t->k = T_SUB; break;
		case '*': t->k = T_MUL; break;
		case '/': t->k = T_QUO; break;
		case '%': t->k = T_REM; break;
		case '&': t->k = T_AND; break;
		case '|': t->k = T_OR; break;
		case ':':
			if (l->i < l->n && l->src[l->i] == '=') {
				lx_adv(l);
				t->k = T_ASSIGN;
			} else {
				t->k = T_COLON;
			}
			break;
		case '=':
			if (l->i < l->n && l->src[l->i] == '=') {
				lx_adv(l);
				t->k = T_EQ;
			} else {
				t->k = T_UNIFY;
			}
			break;
		case '<':
			if (l->i < l->n && l->src[l->i] == '=') {
				lx_adv(l);
				t->k = T_LTE;
			} else {
				t->k = T_LT;
			}
			break;
		case '>':
			if (l->i < l->n && l->src[l->i] == '=') {
				lx_adv(l);
				t->k = T_GTE;
			} else {
				t->k = T_GT;
			}
			break;
		case '!':
			if (l->i < l->n && l->src[l->i] == '=') {
				lx_adv(l);
				t->k = T_NEQ;
				break;
			}
			lx_error(l, t->row, t->col, "illegal ! character");
			return;
		default:
			lx_error(l, t->row, t->col, "illegal token");
			return;
		}
		t->end = l->i;
	}
}

/* ------------------------------------------------------------------ */
/* Parser.                                                              */

/* A failed term: its first diagnostic, replayed on a memo hit. */
struct pfail {
	const char *code;      /* NULL: failed without a diagnostic */
	int row, col;
	char *msg;
};

/* The term parsed at a token (index = token index). */
struct pmemo {
	uint8_t state;         /* PM_* */
	uint32_t end;          /* token index after the term */
	union {
		struct rego_term *t;
		struct pfail *f;
	} u;
};
enum { PM_NONE = 0, PM_OK, PM_FAIL };

struct ps {
	struct tok *t;
	size_t nt, i;
	struct rego_arena *a;
	const char *file;
	const char *src;
	struct rego_diags *ds;
	int depth;
	bool err;
	bool fatal;            /* nesting cap or memory: no backtracking */
	bool want_text;        /* keep the source text of top literals */
	int wildcards;
	const struct rego_comment *cm;
	size_t ncm;
	struct pmemo *memo;    /* per token (scratch arena) */
	struct rego_arena scratch;
};

#define PS_MAX_DEPTH 2000

static struct tok *
cur(struct ps *p)
{
	return &p->t[p->i < p->nt ? p->i : p->nt - 1];
}

static int
tk(struct ps *p)
{
	return cur(p)->k;
}

static struct tok *
peek(struct ps *p, size_t k)
{
	size_t j = p->i + k;

	return &p->t[j < p->nt ? j : p->nt - 1];
}

static void
next(struct ps *p)
{
	if (p->i < p->nt - 1)
		p->i++;
}

static void
perr_at(struct ps *p, int row, int col, const char *fmt, ...)
    CKI_PRINTF(4, 5);

static void
perr_at(struct ps *p, int row, int col, const char *fmt, ...)
{
	struct rego_loc loc = { p->file, row, col };
	va_list ap;

	if (p->err)
		return;
	va_start(ap, fmt);
	rd_vadd(p->ds, REGO_PARSE_ERR, &loc, fmt, ap);
	va_end(ap);
	p->err = true;
}

static bool
is_keyword(int k)
{
	return k >= T_PACKAGE && k <= T_NULL;
}

/* OPA's "illegal": unexpected TOKEN token|keyword[: NOTE] */
static void
illegal(struct ps *p, const char *note)
{
	struct tok *t = cur(p);

	if (note != NULL)
		perr_at(p, t->row, t->col, "unexpected %s %s: %s",
		    tok_names[t->k], is_keyword(t->k) ? "keyword" : "token",
		    note);
	else
		perr_at(p, t->row, t->col, "unexpected %s %s",
		    tok_names[t->k], is_keyword(t->k) ? "keyword" : "token");
}

static bool
enter(struct ps *p)
{
	if (++p->depth > PS_MAX_DEPTH) {
		if (!p->err)
			perr_at(p, cur(p)->row, cur(p)->col,
			    "max parsing recursion depth reached");
		p->fatal = true;
		p->depth--;
		return false;
	}
	return true;
}

/*
 * Give up a failed (or unwanted) alternative: back to token `save`,
 * dropping the diagnostics it added. False when the failure is fatal
 * (nesting cap, memory): the caller must fail too.
 */
static bool
retry(struct ps *p, size_t save, size_t nerr)
{
	if (p->fatal || p->a->failed || p->scratch.failed) {
		p->fatal = true;
		if (!p->err)
			perr_at(p, cur(p)->row, cur(p)->col, "out of memory");
		return false;
	}
	p->err = false;
	p->ds->n = nerr;
	p->i = save;
	return true;
}

static void
leave(struct ps *p)
{
	p->depth--;
}

static struct rego_term *
t_new(struct ps *p, uint8_t kind, const struct tok *at)
{
	struct rego_term *t = ra_zalloc(p->a, sizeof(*t));

	if (t == NULL) {
		perr_at(p, at->row, at->col, "out of memory");
		return NULL;
	}
	t->kind = kind;
	t->row = at->row;
	t->col = at->col;
	if (kind == K_VAR)
		t->u.var.slot = -1;
	return t;
}

static struct rego_term *
t_value(struct ps *p, const rv *v, const struct tok *at)
{
	struct rego_term *t;

	if (v == NULL) {
		perr_at(p, at->row, at->col, "out of memory");
		return NULL;
	}
	if ((t = t_new(p, K_VALUE, at)) != NULL) {
		t->u.v = v;
		t->ground = 1;
	}
	return t;
}

static struct rego_term *
t_var(struct ps *p, const char *name, size_t n, const struct tok *at)
{
	struct rego_term *t = t_new(p, K_VAR, at);

	if (t == NULL)
		return NULL;
	if (n == 1 && name[0] == '_') {
		char buf[32];

		snprintf(buf, sizeof(buf), "$%d", p->wildcards++);
		t->u.var.name = ra_strndup(p->a, buf, strlen(buf));
		t->vflags = VF_WILDCARD;
	} else {
		t->u.var.name = ra_strndup(p->a, name, n);
	}
	if (t->u.var.name == NULL)
		return NULL;
	return t;
}

/* Term list builder. */
struct tl {
	struct rego_term **v;
	size_t n, cap;
};

static bool
tl_push(struct ps *p, struct tl *l, struct rego_term *t)
{
	struct rego_term **nv;
	size_t nc;

	if (t == NULL)
		return false;
	if (l->n == l->cap) {
		nc = l->cap == 0 ? 4 : l->cap * 2;
		if ((nv = ra_alloc(p->a, nc * sizeof(*nv))) == NULL) {
			perr_at(p, cur(p)->row, cur(p)->col, "out of memory");
			return false;
		}
		if (l->n > 0)
			memcpy(nv, l->v, l->n * sizeof(*nv));
		l->v = nv;
		l->cap = nc;
	}
	l->v[l->n++] = t;
	return true;
}

static struct rego_term *
t_list(struct ps *p, uint8_t kind, struct tl *l, const struct tok *at)
{
	struct rego_term *t = t_new(p, kind, at);

	if (t != NULL) {
		t->u.l.items = l->v;
		t->u.l.n = l->n;
	}
	return t;
}

/* A ref to a built-in operator: var named like OPA's built-in. */
static struct rego_term *
t_opref(struct ps *p, const char *name, const struct tok *at)
{
	struct rego_term *v = t_var(p, name, strlen(name), at);
	struct tl l = { 0 };

	if (v == NULL || !tl_push(p, &l, v))
		return NULL;
	return t_list(p, K_REF, &l, at);
}

static struct rego_term *
t_call(struct ps *p, const char *op, const struct tok *at,
    struct rego_term *a1, struct rego_term *a2, struct rego_term *a3)
{
	struct tl l = { 0 };
	struct rego_term *t;

	if (!tl_push(p, &l, t_opref(p, op, at)) || !tl_push(p, &l, a1))
		return NULL;
	if (a2 != NULL && !tl_push(p, &l, a2))
		return NULL;
	if (a3 != NULL && !tl_push(p, &l, a3))
		return NULL;
	t = t_list(p, K_CALL, &l, at);
	if (t != NULL) {
		t->row = a1->row;
		t->col = a1->col;
	}
	return t;
}

static struct rego_body *parse_body(struct ps *p, int end);
static struct rego_expr *parse_literal(struct ps *p);
static struct rego_expr *e_new(struct ps *p, uint8_t kind,
    const struct tok *at, size_t nterms);
static struct rego_term *parse_term(struct ps *p);
static struct rego_term *parse_infix(struct ps *p, bool keyval);
static struct rego_term *parse_ref(struct ps *p, struct rego_term *head);

static bool
ident_or_kw(int k)
{
	return k == T_IDENT || is_keyword(k);
}

/* A keyword used as the head of a ref: `if.foo`, `data.not[x]`. */
static bool
kw_ref_ahead(struct ps *p)
{
	struct tok *n = peek(p, 1);

	return is_keyword(tk(p)) && !n->ws && (n->k == T_DOT ||
	    n->k == T_LBRACK);
}

static struct rego_term *
parse_var(struct ps *p)
{
	struct tok *t = cur(p);

	return t_var(p, t->s, t->n, t);
}

static struct rego_term *
parse_number(struct ps *p)
{
	struct tok *st = cur(p);
	char buf[512];
	size_t n = 0;
	const rv *v;

	if (tk(p) == T_SUB) {
		buf[n++] = '-';
		next(p);
		if (cur(p)->ws || (tk(p) != T_NUMBER && tk(p) != T_DOT)) {
			illegal(p, "expected number");
			return NULL;
		}
	}
	if (tk(p) == T_DOT) {
		next(p);
		if (tk(p) != T_NUMBER) {
			illegal(p, "expected number");
			return NULL;
		}
		buf[n++] = '0';
		buf[n++] = '.';
	}
	if (cur(p)->n > 1 && cur(p)->s[0] == '0' && cur(p)->s[1] != '.' &&
	    cur(p)->s[1] != 'e' && cur(p)->s[1] != 'E' &&
	    !(n > 0 && buf[n - 1] == '.')) {
		illegal(p, "expected number without leading zero");
		return NULL;
	}
	if (cur(p)->n >= sizeof(buf) - n) {
		perr_at(p, st->row, st->col, "number too big");
		return NULL;
	}
	memcpy(buf + n, cur(p)->s, cur(p)->n);
	n += cur(p)->n;
	if ((v = rv_num_parse(p->a, buf, n)) == NULL) {
		perr_at(p, st->row, st->col, "number too big");
		return NULL;
	}
	return t_value(p, v, st);
}

static struct rego_term *
parse_string(struct ps *p)
{
	struct tok *t = cur(p);

	return t_value(p, rv_str(p->a, t->s, t->n), t);
}

/* Parse a comma-separated list up to `end` (current token after the
 * opening bracket); leaves the parser on `end`. */
static bool
parse_list(struct ps *p, int end, struct tl *l)
{
	struct rego_term *t;

	if (tk(p) == end)
		return true;
	for (;;) {
		if ((t = parse_infix(p, false)) == NULL)
			return false;
		if (!tl_push(p, l, t))
			return false;
		if (tk(p) == end)
			return true;
		if (tk(p) == T_COMMA) {
			next(p);
			if (tk(p) == end)
				return true;
			continue;
		}
		{
			char note[64];

			snprintf(note, sizeof(note), "expected \"%s\" or \"%s\"",
			    ",", tok_names[end]);
			illegal(p, note);
		}
		return false;
	}
}

static struct rego_term *
t_comp(struct ps *p, uint8_t kind, struct rego_term *key,
    struct rego_term *head, struct rego_body *body, const struct tok *at)
{
	struct rego_term *t = t_new(p, kind, at);

	if (t != NULL) {
		t->u.c.key = key;
		t->u.c.head = head;
		t->u.c.body = body;
	}
	return t;
}

static struct rego_term *
parse_array(struct ps *p)
{
	struct tok *st = cur(p);
	struct rego_term *head;
	struct rego_body *body;
	struct tl l = { 0 };
	bool pc = true;
	size_t save;
	size_t nerr;

	next(p);
	if (tk(p) == T_RBRACK)
		return t_list(p, K_ARRAY, &l, st);
	if (tk(p) == T_COMMA) {
		pc = false;
		next(p);
	}
	save = p->i;
	nerr = p->ds->n;
	if ((head = parse_term(p)) == NULL)
		return NULL;
	switch (tk(p)) {
	case T_RBRACK:
		if (!tl_push(p, &l, head))
			return NULL;
		return t_list(p, K_ARRAY, &l, st);
	case T_COMMA:
		next(p);
		if (!tl_push(p, &l, head) || !parse_list(p, T_RBRACK, &l))
			return NULL;
		return t_list(p, K_ARRAY, &l, st);
	case T_OR:
		if (pc) {
			next(p);
			if ((body = parse_body(p, T_RBRACK)) != NULL)
				return t_comp(p, K_ACOMP, NULL, head, body,
				    st);
			/* not a comprehension: retry as array */
		}
		break;
	default:
		break;
	}
	if (!retry(p, save, nerr))
		return NULL;
	if (!parse_list(p, T_RBRACK, &l))
		return NULL;
	return t_list(p, K_ARRAY, &l, st);
}

static struct rego_term *
parse_object_rest(struct ps *p, struct rego_term *k, bool pc,
    const struct tok *st)
{
	struct rego_term *v, *t;
	struct rego_body *body;
	struct tl keys = { 0 }, vals = { 0 };
	size_t save, nerr;

	next(p);  /* ':' */
	save = p->i;
	nerr = p->ds->n;
	if ((v = parse_term(p)) == NULL)
		return NULL;
	if (pc && tk(p) == T_OR) {
		next(p);
		if ((body = parse_body(p, T_RBRACE)) != NULL)
			return t_comp(p, K_OCOMP, k, v, body, st);
	}
	if (!retry(p, save, nerr))
		return NULL;
	if ((v = parse_infix(p, false)) == NULL)
		return NULL;
	if (!tl_push(p, &keys, k) || !tl_push(p, &vals, v))
		return NULL;
	for (;;) {
		if (tk(p) == T_RBRACE)
			break;
		if (tk(p) != T_COMMA) {
			illegal(p, "non-terminated object");
			return NULL;
		}
		next(p);
		if (tk(p) == T_RBRACE)
			break;
		if ((k = parse_infix(p, false)) == NULL)
			return NULL;
		if (tk(p) != T_COLON) {
			illegal(p, "expected \":\"");
			return NULL;
		}
		next(p);
		if ((v = parse_infix(p, false)) == NULL)
			return NULL;
		if (!tl_push(p, &keys, k) || !tl_push(p, &vals, v))
			return NULL;
	}
	if ((t = t_new(p, K_OBJECT, st)) == NULL)
		return NULL;
	t->u.o.keys = keys.v;
	t->u.o.vals = vals.v;
	t->u.o.n = keys.n;
	return t;
}

static struct rego_term *
parse_set_rest(struct ps *p, struct rego_term *head, bool pc, size_t save,
    const struct tok *st)
{
	struct rego_body *body;
	struct tl l = { 0 };
	size_t nerr = p->ds->n;

	switch (tk(p)) {
	case T_RBRACE:
		if (!tl_push(p, &l, head))
			return NULL;
		return t_list(p, K_SET, &l, st);
	case T_COMMA:
		next(p);
		if (!tl_push(p, &l, head) || !parse_list(p, T_RBRACE, &l))
			return NULL;
		return t_list(p, K_SET, &l, st);
	case T_OR:
		if (pc) {
			next(p);
			if ((body = parse_body(p, T_RBRACE)) != NULL)
				return t_comp(p, K_SCOMP, NULL, head, body,
				    st);
		}
		if (!retry(p, save, nerr))
			return NULL;
		if (!parse_list(p, T_RBRACE, &l))
			return NULL;
		return t_list(p, K_SET, &l, st);
	default:
		return NULL;
	}
}

static struct rego_term *
parse_set_or_object(struct ps *p)
{
	struct tok *st = cur(p);
	struct rego_term *head;
	bool pc = true;
	size_t save;

	next(p);
	if (tk(p) == T_RBRACE) {
		struct rego_term *t = t_new(p, K_OBJECT, st);

		return t;
	}
	if (tk(p) == T_COMMA) {
		pc = false;
		next(p);
	}
	save = p->i;
	if ((head = parse_term(p)) == NULL)
		return NULL;
	switch (tk(p)) {
	case T_OR:
		if (pc)
			return parse_set_rest(p, head, pc, save, st);
		break;
	case T_RBRACE:
	case T_COMMA:
		return parse_set_rest(p, head, pc, save, st);
	case T_COLON:
		return parse_object_rest(p, head, pc, st);
	default:
		break;
	}
	p->i = save;
	if ((head = parse_infix(p, false)) == NULL)
		return NULL;
	switch (tk(p)) {
	case T_RBRACE:
	case T_COMMA:
		return parse_set_rest(p, head, false, save, st);
	case T_COLON:
		return parse_object_rest(p, head, pc, st);
	default:
		illegal(p, "non-terminated set");
		return NULL;
	}
}

static struct rego_term *
parse_template(struct ps *p)
{
	struct tok *st = cur(p);
	struct tl parts = { 0 };
	struct rego_expr *e;
	struct rego_term *t;

	for (;;) {
		struct tok *pt = cur(p);

		if (pt->n > 0 && !tl_push(p, &parts, t_value(p,
		    rv_str(p->a, pt->s, pt->n), pt)))
			return NULL;
		if (pt->k == T_TPL_END)
			break;
		next(p);
		if ((e = parse_literal(p)) == NULL) {
			if (!p->err)
				perr_at(p, cur(p)->row, cur(p)->col,
				    "invalid template-string expression");
			return NULL;
		}
		if (e->negated) {
			perr_at(p, e->row, e->col, "unexpected negation "
			    "('not') in template-string expression");
			return NULL;
		}
		if (e->kind == E_UNIFY) {
			perr_at(p, e->row, e->col, "unexpected unification "
			    "('=') in template-string expression");
			return NULL;
		}
		if (e->kind == E_ASSIGN) {
			perr_at(p, e->row, e->col, "unexpected assignment "
			    "(':=') in template-string expression");
			return NULL;
		}
		if (e->kind == E_EVERY || e->kind == E_SOME) {
			perr_at(p, e->row, e->col, "unexpected '%s' in "
			    "template-string expression",
			    e->kind == E_EVERY ? "every" : "some");
			return NULL;
		}
		if (e->kind == E_TERM && e->nwith == 0 &&
		    e->terms[0]->kind == K_VALUE &&
		    e->terms[0]->u.v->t <= RV_STR) {
			if (!tl_push(p, &parts, e->terms[0]))
				return NULL;
		} else {
			if ((t = t_new(p, K_TPLEXPR, st)) == NULL)
				return NULL;
			t->u.e = e;
			if (!tl_push(p, &parts, t))
				return NULL;
		}
		if (tk(p) != T_RBRACE) {
			perr_at(p, cur(p)->row, cur(p)->col,
			    "expected } to end template string expression");
			return NULL;
		}
		next(p);
		if (tk(p) != T_TPL && tk(p) != T_TPL_END) {
			perr_at(p, cur(p)->row, cur(p)->col,
			    "non-terminated template string");
			return NULL;
		}
	}
	return t_list(p, K_TEMPLATE, &parts, st);
}

/* After a term: `(`, `.` or `[` directly attached make a ref/call. */
static struct rego_term *
parse_term_finish(struct ps *p, struct rego_term *head)
{
	struct tl l = { 0 };

	if (head == NULL)
		return NULL;
	if (!cur(p)->ws && (tk(p) == T_LPAREN || tk(p) == T_DOT ||
	    tk(p) == T_LBRACK))
		return parse_ref(p, head);
	if (head->kind == K_VAR && (strcmp(head->u.var.name, "data") == 0 ||
	    strcmp(head->u.var.name, "input") == 0)) {
		if (!tl_push(p, &l, head))
			return NULL;
		return t_list(p, K_REF, &l, &(struct tok){ .row = head->row,
		    .col = head->col });
	}
	return head;
}

static struct rego_term *
parse_term_at(struct ps *p)
{
	struct rego_term *t = NULL;
	struct tok *st = cur(p);

	if (!enter(p))
		return NULL;
	if (kw_ref_ahead(p)) {
		t = parse_var(p);
		next(p);
		t = parse_term_finish(p, t);
		leave(p);
		return t;
	}
	switch (tk(p)) {
	case T_NULL:
		t = t_value(p, RV_NULLV, st);
		next(p);
		break;
	case T_TRUE:
		t = t_value(p, RV_TRUE, st);
		next(p);
		break;
	case T_FALSE:
		t = t_value(p, RV_FALSE, st);
		next(p);
		break;
	case T_SUB:
	case T_DOT:
	case T_NUMBER:
		t = parse_number(p);
		if (t != NULL)
			next(p);
		break;
	case T_STRING:
		t = parse_string(p);
		next(p);
		break;
	case T_TPL:
	case T_TPL_END:
		t = parse_template(p);
		if (t != NULL)
			next(p);
		break;
	case T_IDENT:
	case T_CONTAINS:
		t = parse_var(p);
		next(p);
		break;
	case T_LBRACK:
		t = parse_array(p);
		if (t != NULL)
			next(p);
		break;
	case T_LBRACE:
		t = parse_set_or_object(p);
		if (t != NULL)
			next(p);
		break;
	case T_LPAREN:
		next(p);
		if ((t = parse_infix(p, true)) != NULL) {
			if (tk(p) == T_RPAREN) {
				next(p);
			} else {
				perr_at(p, cur(p)->row, cur(p)->col,
				    "non-terminated expression");
				t = NULL;
			}
		}
		break;
	default:
		illegal(p, NULL);
		break;
	}
	t = parse_term_finish(p, t);
	leave(p);
	return t;
}

/*
 * A term, memoized per token (see the top of the file): the result of the
 * first parse at a token, a term or a failure with its diagnostic, is
 * what every later parse at that token gets. The parse of a term does
 * not depend on what surrounds it, only on the tokens from its start.
 */
static struct rego_term *
parse_term(struct ps *p)
{
	size_t start = p->i, nerr = p->ds->n;
	struct pmemo *m;
	struct pfail *f;
	struct rego_term *t;

	if (p->err || p->memo == NULL)
		return parse_term_at(p);
	m = &p->memo[start];
	if (m->state == PM_OK) {
		p->i = m->end;
		return m->u.t;
	}
	if (m->state == PM_FAIL) {
		f = m->u.f;
		if (f->code != NULL) {
			struct rego_loc loc = { p->file, f->row, f->col };

			rd_add(p->ds, f->code, &loc, "%s", f->msg);
			p->err = true;
		}
		p->i = m->end;
		return NULL;
	}
	t = parse_term_at(p);
	if (p->fatal || p->a->failed)
		return t;
	if (t != NULL && !p->err && p->ds->n == nerr) {
		m->state = PM_OK;
		m->u.t = t;
	} else if (t == NULL) {
		if ((f = ra_zalloc(&p->scratch, sizeof(*f))) == NULL)
			return NULL;
		if (p->ds->n > nerr) {
			const struct ccakit_rego_diag *dg = &p->ds->d[nerr];

			f->code = dg->code;
			f->row = dg->row;
			f->col = dg->col;
			if ((f->msg = ra_strndup(&p->scratch, dg->message,
			    strlen(dg->message))) == NULL)
				return NULL;
		}
		m->state = PM_FAIL;
		m->u.f = f;
	} else {
		return t;
	}
	m->end = (uint32_t)p->i;
	return t;
}

/*
 * print(a, b, ...): its operands are formatted as the expressions of a
 * template string ("<undefined>" when undefined) and joined by spaces;
 * the call is print(<that string>).
 */
static struct rego_term *
print_call(struct ps *p, struct tl *args, const struct rego_term *head)
{
	struct tok at = { .row = head->row, .col = head->col };
	struct tl parts = { 0 }, call = { 0 };
	struct rego_term *t;
	struct rego_expr *e;
	size_t i;

	for (i = 1; i < args->n; i++) {
		if (i > 1 && !tl_push(p, &parts, t_value(p, rv_str(p->a, " ",
		    1), &at)))
			return NULL;
		if ((e = e_new(p, args->v[i]->kind == K_CALL ? E_CALL : E_TERM,
		    &at, args->v[i]->kind == K_CALL ? 0 : 1)) == NULL)
			return NULL;
		if (args->v[i]->kind == K_CALL) {
			e->terms = args->v[i]->u.l.items;
			e->nterms = args->v[i]->u.l.n;
		} else {
			e->terms[0] = args->v[i];
		}
		if ((t = t_new(p, K_TPLEXPR, &at)) == NULL)
			return NULL;
		t->u.e = e;
		if (!tl_push(p, &parts, t))
			return NULL;
	}
	if (!tl_push(p, &call, args->v[0]) ||
	    !tl_push(p, &call, t_list(p, K_TEMPLATE, &parts, &at)))
		return NULL;
	return t_list(p, K_CALL, &call, &at);
}

static struct rego_term *
parse_ref(struct ps *p, struct rego_term *head)
{
	struct tl l = { 0 };
	struct rego_term *t, *call;
	struct tok *st;

	if (!enter(p))
		return NULL;
	switch (head->kind) {
	case K_VAR:
	case K_ARRAY:
	case K_OBJECT:
	case K_SET:
	case K_ACOMP:
	case K_OCOMP:
	case K_SCOMP:
	case K_CALL:
		break;
	default:
		perr_at(p, head->row, head->col,
		    "illegal ref (head cannot be %s)",
		    head->kind == K_VALUE ? rv_type_name(head->u.v) : "term");
		leave(p);
		return NULL;
	}
	if (!tl_push(p, &l, head)) {
		leave(p);
		return NULL;
	}
	for (;;) {
		st = cur(p);
		if (st->ws)
			break;
		if (tk(p) == T_DOT) {
			next(p);
			if (cur(p)->ws || !ident_or_kw(tk(p))) {
				illegal(p, "expected ident");
				leave(p);
				return NULL;
			}
			if (!tl_push(p, &l, t_value(p, rv_str_ref(p->a,
			    ra_strndup(p->a, cur(p)->s, cur(p)->n),
			    cur(p)->n), cur(p)))) {
				leave(p);
				return NULL;
			}
			next(p);
		} else if (tk(p) == T_LPAREN) {
			struct tl args = { 0 };
			struct rego_term *op;

			op = t_list(p, K_REF, &l, &(struct tok){
			    .row = head->row, .col = head->col });
			if (op == NULL || !tl_push(p, &args, op)) {
				leave(p);
				return NULL;
			}
			next(p);
			if (!parse_list(p, T_RPAREN, &args)) {
				leave(p);
				return NULL;
			}
			next(p);  /* ')' */
			if (args.n == 1 && op->u.l.n == 1 &&
			    op->u.l.items[0]->kind == K_VAR &&
			    strcmp(op->u.l.items[0]->u.var.name, "set") == 0) {
				call = t_new(p, K_SET, &(struct tok){
				    .row = head->row, .col = head->col });
			} else if (op->u.l.n == 1 &&
			    op->u.l.items[0]->kind == K_VAR &&
			    strcmp(op->u.l.items[0]->u.var.name, "print") ==
			    0) {
				call = print_call(p, &args, head);
			} else {
				call = t_list(p, K_CALL, &args,
				    &(struct tok){ .row = head->row,
				    .col = head->col });
			}
			if (call == NULL) {
				leave(p);
				return NULL;
			}
			if (!cur(p)->ws && (tk(p) == T_DOT ||
			    tk(p) == T_LBRACK)) {
				t = parse_ref(p, call);
				leave(p);
				return t;
			}
			leave(p);
			return call;
		} else if (tk(p) == T_LBRACK) {
			next(p);
			if ((t = parse_infix(p, true)) == NULL) {
				leave(p);
				return NULL;
			}
			if (tk(p) != T_RBRACK) {
				illegal(p, "expected [");
				leave(p);
				return NULL;
			}
			if (!tl_push(p, &l, t)) {
				leave(p);
				return NULL;
			}
			next(p);
		} else {
			break;
		}
	}
	t = t_list(p, K_REF, &l, &(struct tok){ .row = head->row,
	    .col = head->col });
	leave(p);
	return t;
}

/* Binary operator levels. */
static struct rego_term *
parse_factor(struct ps *p)
{
	struct rego_term *lhs, *rhs;
	const char *op;
	struct tok *ot;

	if ((lhs = parse_term(p)) == NULL)
		return NULL;
	while (tk(p) == T_MUL || tk(p) == T_QUO || tk(p) == T_REM) {
		ot = cur(p);
		op = tk(p) == T_MUL ? "mul" : (tk(p) == T_QUO ? "div" : "rem");
		next(p);
		if ((rhs = parse_term(p)) == NULL)
			return NULL;
		if ((lhs = t_call(p, op, ot, lhs, rhs, NULL)) == NULL)
			return NULL;
	}
	return lhs;
}

static struct rego_term *
parse_arith(struct ps *p)
{
	struct rego_term *lhs, *rhs;
	const char *op;
	struct tok *ot;

	if ((lhs = parse_factor(p)) == NULL)
		return NULL;
	while (tk(p) == T_ADD || tk(p) == T_SUB) {
		ot = cur(p);
		op = tk(p) == T_ADD ? "plus" : "minus";
		next(p);
		if ((rhs = parse_factor(p)) == NULL)
			return NULL;
		if ((lhs = t_call(p, op, ot, lhs, rhs, NULL)) == NULL)
			return NULL;
	}
	return lhs;
}

static struct rego_term *
parse_and(struct ps *p)
{
	struct rego_term *lhs, *rhs;
	struct tok *ot;

	if ((lhs = parse_arith(p)) == NULL)
		return NULL;
	while (tk(p) == T_AND) {
		ot = cur(p);
		next(p);
		if ((rhs = parse_arith(p)) == NULL)
			return NULL;
		if ((lhs = t_call(p, "and", ot, lhs, rhs, NULL)) == NULL)
			return NULL;
	}
	return lhs;
}

static struct rego_term *
parse_or(struct ps *p)
{
	struct rego_term *lhs, *rhs;
	struct tok *ot;

	if ((lhs = parse_and(p)) == NULL)
		return NULL;
	while (tk(p) == T_OR) {
		ot = cur(p);
		next(p);
		if ((rhs = parse_and(p)) == NULL)
			return NULL;
		if ((lhs = t_call(p, "or", ot, lhs, rhs, NULL)) == NULL)
			return NULL;
	}
	return lhs;
}

static const char *
rel_op(int k)
{
	switch (k) {
	case T_EQ: return "equal";
	case T_NEQ: return "neq";
	case T_LT: return "lt";
	case T_LTE: return "lte";
	case T_GT: return "gt";
	case T_GTE: return "gte";
	default: return NULL;
	}
}

static struct rego_term *
parse_relation(struct ps *p)
{
	struct rego_term *lhs, *rhs;
	const char *op;
	struct tok *ot;

	if ((lhs = parse_or(p)) == NULL)
		return NULL;
	while ((op = rel_op(tk(p))) != NULL) {
		ot = cur(p);
		next(p);
		if ((rhs = parse_or(p)) == NULL)
			return NULL;
		if ((lhs = t_call(p, op, ot, lhs, rhs, NULL)) == NULL)
			return NULL;
	}
	return lhs;
}

/* `in` (lowest precedence): `x in xs`, `k, v in xs` (keyval). */
static struct rego_term *
parse_infix(struct ps *p, bool keyval)
{
	struct rego_term *lhs, *mhs, *rhs;
	struct tok *ot;
	size_t save, nerr;

	if (!enter(p))
		return NULL;
	if ((lhs = parse_relation(p)) == NULL) {
		leave(p);
		return NULL;
	}
	for (;;) {
		if (keyval && tk(p) == T_COMMA) {
			save = p->i;
			nerr = p->ds->n;
			next(p);
			if ((mhs = parse_relation(p)) != NULL &&
			    tk(p) == T_IN) {
				ot = cur(p);
				next(p);
				if ((rhs = parse_relation(p)) != NULL) {
					lhs = t_call(p, "internal.member_3", ot,
					    lhs, mhs, rhs);
					if (lhs == NULL) {
						leave(p);
						return NULL;
					}
					continue;
				}
			}
			if (!retry(p, save, nerr)) {
				leave(p);
				return NULL;
			}
		}
		if (tk(p) == T_IN && !kw_ref_ahead(p)) {
			ot = cur(p);
			next(p);
			if ((rhs = parse_relation(p)) == NULL) {
				leave(p);
				return NULL;
			}
			if ((lhs = t_call(p, "internal.member_2", ot, lhs, rhs,
			    NULL)) == NULL) {
				leave(p);
				return NULL;
			}
			continue;
		}
		break;
	}
	leave(p);
	return lhs;
}

static struct rego_expr *
e_new(struct ps *p, uint8_t kind, const struct tok *at, size_t nterms)
{
	struct rego_expr *e = ra_zalloc(p->a, sizeof(*e));

	if (e == NULL) {
		perr_at(p, at->row, at->col, "out of memory");
		return NULL;
	}
	e->kind = kind;
	e->row = at->row;
	e->col = at->col;
	e->capture_slot = -1;
	if (nterms > 0 && (e->terms = ra_zalloc(p->a,
	    nterms * sizeof(*e->terms))) == NULL) {
		perr_at(p, at->row, at->col, "out of memory");
		return NULL;
	}
	e->nterms = nterms;
	return e;
}

static bool
is_call_named(const struct rego_term *t, const char *name)
{
	const struct rego_term *op;

	if (t == NULL || t->kind != K_CALL)
		return false;
	op = t->u.l.items[0];
	return op->kind == K_REF && op->u.l.n == 1 &&
	    op->u.l.items[0]->kind == K_VAR &&
	    strcmp(op->u.l.items[0]->u.var.name, name) == 0;
}

static struct rego_expr *
parse_expr(struct ps *p)
{
	struct tok *st = cur(p);
	struct rego_term *lhs, *rhs;
	struct rego_expr *e;
	int op;

	if ((lhs = parse_infix(p, true)) == NULL)
		return NULL;
	if (tk(p) == T_ASSIGN || tk(p) == T_UNIFY) {
		op = tk(p);
		next(p);
		if ((rhs = parse_infix(p, true)) == NULL)
			return NULL;
		if ((e = e_new(p, op == T_ASSIGN ? E_ASSIGN : E_UNIFY, st,
		    2)) == NULL)
			return NULL;
		e->terms[0] = lhs;
		e->terms[1] = rhs;
		return e;
	}
	if (lhs->kind == K_CALL) {
		if ((e = e_new(p, E_CALL, st, 0)) == NULL)
			return NULL;
		e->terms = lhs->u.l.items;
		e->nterms = lhs->u.l.n;
		return e;
	}
	if ((e = e_new(p, E_TERM, st, 1)) == NULL)
		return NULL;
	e->terms[0] = lhs;
	return e;
}

static bool
parse_with(struct ps *p, struct rego_expr *e)
{
	struct rego_with *w, **nw;

	while (tk(p) == T_WITH && !kw_ref_ahead(p)) {
		struct tok *st = cur(p);

		if ((w = ra_zalloc(p->a, sizeof(*w))) == NULL)
			return false;
		w->row = st->row;
		w->col = st->col;
		next(p);
		if (tk(p) != T_IDENT && !kw_ref_ahead(p)) {
			illegal(p, "expected ident");
			return false;
		}
		if ((w->target = parse_term(p)) == NULL)
			return false;
		if (w->target->kind != K_REF && w->target->kind != K_VAR) {
			illegal(p, "expected with target path");
			return false;
		}
		if (tk(p) != T_AS) {
			illegal(p, "expected as keyword");
			return false;
		}
		next(p);
		if ((w->value = parse_infix(p, true)) == NULL)
			return false;
		if ((nw = ra_alloc(p->a, (e->nwith + 1) * sizeof(*nw))) ==
		    NULL)
			return false;
		if (e->nwith > 0)
			memcpy(nw, e->with, e->nwith * sizeof(*nw));
		nw[e->nwith++] = w;
		e->with = nw;
	}
	return true;
}

static struct rego_expr *
parse_some(struct ps *p)
{
	struct tok *st = cur(p);
	struct rego_term *t;
	struct rego_expr *e;
	struct tl vars = { 0 };
	size_t save, nerr;

	save = p->i;
	nerr = p->ds->n;
	next(p);
	if ((t = parse_infix(p, true)) != NULL &&
	    (is_call_named(t, "internal.member_2") ||
	    is_call_named(t, "internal.member_3"))) {
		if ((e = e_new(p, E_SOME, st, 1)) == NULL)
			return NULL;
		e->terms[0] = t;
		if (tk(p) == T_WITH && !kw_ref_ahead(p) && !parse_with(p, e))
			return NULL;
		return e;
	}
	if (!retry(p, save, nerr))
		return NULL;
	for (;;) {
		next(p);
		if (tk(p) != T_IDENT) {
			illegal(p, "expected var");
			return NULL;
		}
		if (!tl_push(p, &vars, parse_var(p)))
			return NULL;
		next(p);
		if (tk(p) != T_COMMA)
			break;
	}
	if ((e = e_new(p, E_SOME, st, 0)) == NULL)
		return NULL;
	e->terms = vars.v;
	e->nterms = vars.n;
	return e;
}

static struct rego_expr *
parse_every(struct ps *p)
{
	struct tok *st = cur(p);
	struct rego_term *t;
	struct rego_expr *e;

	next(p);
	if ((t = parse_infix(p, true)) == NULL)
		return NULL;
	if ((e = e_new(p, E_EVERY, st, 0)) == NULL)
		return NULL;
	if (is_call_named(t, "internal.member_2")) {
		e->every.value = t->u.l.items[1];
		e->every.domain = t->u.l.items[2];
	} else if (is_call_named(t, "internal.member_3")) {
		e->every.key = t->u.l.items[1];
		e->every.value = t->u.l.items[2];
		e->every.domain = t->u.l.items[3];
		if (e->every.key->kind != K_VAR) {
			illegal(p, "expected key to be a variable");
			return NULL;
		}
	} else {
		illegal(p, "expected `x[, y] in xs { ... }` expression");
		return NULL;
	}
	if (e->every.value->kind != K_VAR) {
		illegal(p, "expected value to be a variable");
		return NULL;
	}
	if (tk(p) != T_LBRACE) {
		illegal(p, "missing body");
		return NULL;
	}
	next(p);
	if ((e->every.body = parse_body(p, T_RBRACE)) == NULL)
		return NULL;
	next(p);
	if (tk(p) == T_WITH && !kw_ref_ahead(p) && !parse_with(p, e))
		return NULL;
	return e;
}

static struct rego_expr *
parse_literal(struct ps *p)
{
	struct tok *st = cur(p);
	struct rego_expr *e;
	bool negated = false;

	if (!enter(p))
		return NULL;
	if (kw_ref_ahead(p)) {
		e = parse_expr(p);
		goto with;
	}
	if (tk(p) == T_NOT) {
		next(p);
		negated = true;
	}
	switch (tk(p)) {
	case T_SOME:
		if (negated) {
			illegal(p, "illegal negation of 'some'");
			leave(p);
			return NULL;
		}
		e = parse_some(p);
		leave(p);
		if (e != NULL) {
			e->row = st->row;
			e->col = st->col;
		}
		return e;
	case T_EVERY:
		if (negated) {
			illegal(p, "illegal negation of 'every'");
			leave(p);
			return NULL;
		}
		e = parse_every(p);
		leave(p);
		if (e != NULL) {
			e->row = st->row;
			e->col = st->col;
		}
		return e;
	default:
		e = parse_expr(p);
		break;
	}
with:
	if (e != NULL) {
		e->negated = negated;
		e->row = st->row;
		e->col = st->col;
		if (tk(p) == T_WITH && !kw_ref_ahead(p) && !parse_with(p, e))
			e = NULL;
	}
	leave(p);
	return e;
}

/* Body: literals separated by `;` or newlines, up to `end`. */
static struct rego_body *
parse_query(struct ps *p, bool require_semi, int end)
{
	struct rego_body *b;
	struct rego_expr *e, **ne;
	size_t cap = 0;
	/* the source text of the expressions of a query (not of nested
	 * bodies: copying those would be quadratic) */
	bool text = p->want_text;
	struct tok *st;

	p->want_text = false;
	if (tk(p) == end) {
		perr_at(p, cur(p)->row, cur(p)->col, "found empty body");
		return NULL;
	}
	if ((b = ra_zalloc(p->a, sizeof(*b))) == NULL)
		return NULL;
	for (;;) {
		st = cur(p);
		if ((e = parse_literal(p)) == NULL)
			return NULL;
		if (text) {
			size_t end_off = p->t[p->i > 0 ? p->i - 1 : 0].end;

			if (end_off > st->off && (e->text = ra_strndup(p->a,
			    p->src + st->off, end_off - st->off)) == NULL)
				return NULL;
		}
		if (b->n == cap) {
			cap = cap == 0 ? 4 : cap * 2;
			if ((ne = ra_alloc(p->a, cap * sizeof(*ne))) == NULL)
				return NULL;
			if (b->n > 0)
				memcpy(ne, b->e, b->n * sizeof(*ne));
			b->e = ne;
		}
		b->e[b->n++] = e;
		if (tk(p) == T_SEMI) {
			next(p);
			continue;
		}
		if (tk(p) == end || require_semi)
			return b;
		if (!cur(p)->nl) {
			char note[64];

			snprintf(note, sizeof(note), "expected \\n or ; or %s",
			    tok_names[end]);
			illegal(p, note);
			return NULL;
		}
	}
}

static struct rego_body *
parse_body(struct ps *p, int end)
{
	struct rego_body *b;

	if (!enter(p))
		return NULL;
	b = parse_query(p, false, end);
	leave(p);
	return b;
}

/* ------------------------------------------------------------------ */
/* Modules.                                                             */

static struct rego_body *
body_true(struct ps *p, const struct tok *at)
{
	struct rego_body *b = ra_zalloc(p->a, sizeof(*b));
	struct rego_expr *e = e_new(p, E_TERM, at, 1);

	if (b == NULL || e == NULL)
		return NULL;
	if ((e->terms[0] = t_value(p, RV_TRUE, at)) == NULL)
		return NULL;
	e->gen = 1;
	if ((b->e = ra_alloc(p->a, sizeof(*b->e))) == NULL)
		return NULL;
	b->e[0] = e;
	b->n = 1;
	return b;
}

static bool
term_has_dynamic(const struct rego_term *t)
{
	size_t i;

	if (t == NULL)
		return false;
	switch (t->kind) {
	case K_VAR:
	case K_REF:
	case K_CALL:
		return true;
	case K_ARRAY:
	case K_SET:
		for (i = 0; i < t->u.l.n; i++)
			if (term_has_dynamic(t->u.l.items[i]))
				return true;
		return false;
	case K_OBJECT:
		for (i = 0; i < t->u.o.n; i++)
			if (term_has_dynamic(t->u.o.keys[i]) ||
			    term_has_dynamic(t->u.o.vals[i]))
				return true;
		return false;
	case K_TEMPLATE:
		return true;
	default:
		return false;
	}
}

static const char *
term_kind_name(const struct rego_term *t)
{
	switch (t->kind) {
	case K_VAR: return "var";
	case K_REF: return "ref";
	case K_CALL: return "call";
	default: return "term";
	}
}

/* Rule list builder. */
struct rl {
	struct rego_rule **v;
	size_t n, cap;
};

/*
 * The depth of the trees a parse built. The parser's own recursion is
 * capped (enter()), but operator chains (1 + 1 + ... + 1) are folded in
 * loops into trees as deep as they are long, and the compiler and the
 * evaluator walk trees recursively: a long chain would overflow their
 * stack. So each rule and query is measured (the walk stops at the cap)
 * and a deeper one refused as deep nesting is.
 */
#define PS_MAX_TREE PS_MAX_DEPTH

static bool tree_expr_ok(const struct rego_expr *e, int d);

static bool
tree_body_ok(const struct rego_body *b, int d)
{
	size_t i;

	for (i = 0; b != NULL && i < b->n; i++)
		if (!tree_expr_ok(b->e[i], d))
			return false;
	return true;
}

static bool
tree_term_ok(const struct rego_term *t, int d)
{
	size_t i;

	if (t == NULL)
		return true;
	if (d > PS_MAX_TREE)
		return false;
	switch (t->kind) {
	case K_REF:
	case K_ARRAY:
	case K_SET:
	case K_CALL:
	case K_TEMPLATE:
		for (i = 0; i < t->u.l.n; i++)
			if (!tree_term_ok(t->u.l.items[i], d + 1))
				return false;
		return true;
	case K_OBJECT:
		for (i = 0; i < t->u.o.n; i++)
			if (!tree_term_ok(t->u.o.keys[i], d + 1) ||
			    !tree_term_ok(t->u.o.vals[i], d + 1))
				return false;
		return true;
	case K_ACOMP:
	case K_SCOMP:
	case K_OCOMP:
		return tree_term_ok(t->u.c.key, d + 1) &&
		    tree_term_ok(t->u.c.head, d + 1) &&
		    tree_body_ok(t->u.c.body, d + 1);
	case K_TPLEXPR:
		return tree_expr_ok(t->u.e, d + 1);
	default:
		return true;
	}
}

static bool
tree_expr_ok(const struct rego_expr *e, int d)
{
	size_t i;

	if (e == NULL)
		return true;
	if (d > PS_MAX_TREE)
		return false;
	for (i = 0; i < e->nterms; i++)
		if (!tree_term_ok(e->terms[i], d + 1))
			return false;
	for (i = 0; i < e->nwith; i++)
		if (!tree_term_ok(e->with[i]->target, d + 1) ||
		    !tree_term_ok(e->with[i]->value, d + 1))
			return false;
	return tree_term_ok(e->every.key, d + 1) &&
	    tree_term_ok(e->every.value, d + 1) &&
	    tree_term_ok(e->every.domain, d + 1) &&
	    tree_body_ok(e->every.body, d + 1) && tree_body_ok(e->sub, d + 1);
}

/* A rule with its else chain; false after a parse error. */
static bool
tree_rule_ok(struct ps *p, const struct rego_rule *r)
{
	size_t i;

	for (; r != NULL; r = r->else_) {
		bool ok = tree_term_ok(r->ref, 0) &&
		    tree_term_ok(r->key, 0) && tree_term_ok(r->value, 0) &&
		    tree_body_ok(r->body, 0);

		for (i = 0; ok && i < r->nargs; i++)
			ok = tree_term_ok(r->args[i], 0);
		if (!ok) {
			perr_at(p, r->row, r->col,
			    "max parsing recursion depth reached");
			return false;
		}
	}
	return true;
}

static bool
rl_push(struct ps *p, struct rl *l, struct rego_rule *r)
{
	struct rego_rule **nv;
	size_t nc;

	if (!tree_rule_ok(p, r))
		return false;

	if (l->n == l->cap) {
		nc = l->cap == 0 ? 8 : l->cap * 2;
		if ((nv = ra_alloc(p->a, nc * sizeof(*nv))) == NULL) {
			perr_at(p, cur(p)->row, cur(p)->col, "out of memory");
			return false;
		}
		if (l->n > 0)
			memcpy(nv, l->v, l->n * sizeof(*nv));
		l->v = nv;
		l->cap = nc;
	}
	l->v[l->n++] = r;
	return true;
}

/* Copy of a head (for `p if {..} {..}` chains and else rules). */
static struct rego_rule *
rule_copy_head(struct ps *p, const struct rego_rule *r)
{
	struct rego_rule *n = ra_zalloc(p->a, sizeof(*n));

	if (n == NULL)
		return NULL;
	*n = *r;
	n->body = NULL;
	n->else_ = NULL;
	return n;
}

static struct rego_rule *
parse_else(struct ps *p, const struct rego_rule *head)
{
	struct tok *st = cur(p);
	struct rego_rule *r = rule_copy_head(p, head);
	struct rego_expr *e;

	if (r == NULL)
		return NULL;
	r->row = st->row;
	r->col = st->col;
	next(p);  /* else */
	switch (tk(p)) {
	case T_LBRACE:
	case T_IF:
		r->value = t_value(p, RV_TRUE, st);
		break;
	case T_ASSIGN:
	case T_UNIFY:
		r->assign = tk(p) == T_ASSIGN;
		next(p);
		if ((r->value = parse_infix(p, true)) == NULL)
			return NULL;
		break;
	default:
		illegal(p, "expected else value term or rule body");
		return NULL;
	}
	if (tk(p) != T_IF && tk(p) != T_LBRACE) {
		if ((r->body = body_true(p, st)) == NULL)
			return NULL;
	} else {
		if (tk(p) == T_IF)
			next(p);
		if (tk(p) == T_LBRACE) {
			next(p);
			if ((r->body = parse_body(p, T_RBRACE)) == NULL)
				return NULL;
			next(p);
		} else if (tk(p) != T_EOF) {
			if ((e = parse_literal(p)) == NULL)
				return NULL;
			if ((r->body = ra_zalloc(p->a, sizeof(*r->body))) ==
			    NULL || (r->body->e = ra_alloc(p->a,
			    sizeof(*r->body->e))) == NULL)
				return NULL;
			r->body->e[0] = e;
			r->body->n = 1;
		} else {
			illegal(p, "rule body expected");
			return NULL;
		}
	}
	return r;
}

/* Ref of a rule head: var, or ref starting with a var. */
static size_t
head_reflen(const struct rego_term *ref)
{
	return ref->kind == K_VAR ? 1 : ref->u.l.n;
}

static const struct rego_term *
head_ref_at(const struct rego_term *ref, size_t i)
{
	return ref->kind == K_VAR ? ref : ref->u.l.items[i];
}

/* Parse rules (one statement may yield several: `p if {} {}`). */
static bool
parse_rules(struct ps *p, struct rego_module *m, struct rl *rules_out)
{
	struct tok *st = cur(p);
	struct rego_rule *r;
	struct rego_term *head;
	bool has_if;
	struct rego_expr *e;

	if ((r = ra_zalloc(p->a, sizeof(*r))) == NULL)
		return false;
	r->mod = m;
	r->row = st->row;
	r->col = st->col;
	if (tk(p) == T_DEFAULT && !kw_ref_ahead(p)) {
		r->is_default = true;
		next(p);
	}
	if (tk(p) != T_IDENT && !kw_ref_ahead(p)) {
		illegal(p, NULL);
		return false;
	}
	/* head: var, then `.x`, `[t]`, `(args)` */
	if ((head = parse_var(p)) == NULL)
		return false;
	next(p);
	if (!cur(p)->ws && (tk(p) == T_ADD || tk(p) == T_SUB ||
	    tk(p) == T_MUL || tk(p) == T_QUO || tk(p) == T_REM ||
	    tk(p) == T_AND || tk(p) == T_OR || tk(p) == T_EQ ||
	    tk(p) == T_NEQ || tk(p) == T_GT || tk(p) == T_GTE ||
	    tk(p) == T_LT || tk(p) == T_LTE)) {
		illegal(p, NULL);
		return false;
	}
	if (!cur(p)->ws && (tk(p) == T_LPAREN || tk(p) == T_DOT ||
	    tk(p) == T_LBRACK)) {
		if ((head = parse_ref(p, head)) == NULL)
			return false;
	}
	if (head->kind == K_CALL) {
		r->is_func = true;
		r->ref = head->u.l.items[0];
		if (r->ref->kind == K_REF && r->ref->u.l.n == 1)
			r->ref = r->ref->u.l.items[0];
		r->args = head->u.l.items + 1;
		r->nargs = head->u.l.n - 1;
	} else if (head->kind == K_VAR || head->kind == K_REF) {
		r->ref = head;
	} else if (head->kind == K_SET && head->u.l.n == 0) {
		illegal(p, "expected rule head name");
		return false;
	} else {
		illegal(p, "expected rule head name");
		return false;
	}
	if (r->ref->kind == K_REF && r->ref->u.l.items[0]->kind != K_VAR) {
		illegal(p, "rule head ref invalid");
		return false;
	}
	switch (tk(p)) {
	case T_CONTAINS:
		if (r->is_func) {
			illegal(p, "the contains keyword can only be used with "
			    "multi-value rule definitions");
			return false;
		}
		next(p);
		r->is_multi = true;
		if ((r->key = parse_infix(p, true)) == NULL)
			return false;
		break;
	case T_UNIFY:
	case T_ASSIGN:
		r->assign = tk(p) == T_ASSIGN;
		next(p);
		if ((r->value = parse_infix(p, true)) == NULL)
			return false;
		break;
	default:
		break;
	}
	if (r->value == NULL && r->key == NULL) {
		if (head_reflen(r->ref) != 2 || r->is_func) {
			if ((r->value = t_value(p, RV_TRUE, st)) == NULL)
				return false;
		}
	}
	if (r->is_default) {
		size_t i;

		if (r->value == NULL) {
			perr_at(p, r->row, r->col,
			    "illegal default rule (must have a value)");
			return false;
		}
		if (term_has_dynamic(r->value)) {
			perr_at(p, r->row, r->col, "illegal default rule "
			    "(value cannot contain %s)",
			    term_kind_name(r->value));
			return false;
		}
		for (i = 0; i < r->nargs; i++)
			if (r->args[i]->kind != K_VAR) {
				perr_at(p, r->row, r->col, "illegal default "
				    "rule (arguments cannot contain %s)",
				    r->args[i]->kind == K_VALUE ?
				    rv_type_name(r->args[i]->u.v) : "term");
				return false;
			}
		if ((r->body = body_true(p, st)) == NULL)
			return false;
		return rl_push(p, rules_out, r);
	}
	has_if = tk(p) == T_IF && !kw_ref_ahead(p);
	if (!has_if && !r->is_multi && r->value == NULL) {
		/* v0 style `p[x]` (partial set without `contains`) */
		if (tk(p) == T_LBRACE)
			perr_at(p, cur(p)->row, cur(p)->col, "`if` keyword "
			    "is required before rule body");
		else
			perr_at(p, r->row, r->col, "`contains` keyword is "
			    "required for partial set rules");
		return false;
	}
	if (has_if && !r->is_multi && r->value == NULL &&
	    head_reflen(r->ref) == 2) {
		/* `p[x] if ...`: single-value rule with value true */
		if ((r->value = t_value(p, RV_TRUE, st)) == NULL)
			return false;
	}
	if (has_if) {
		size_t save;

		next(p);
		save = p->i;
		if (tk(p) != T_LBRACE) {
			if ((e = parse_literal(p)) == NULL)
				return false;
			if ((r->body = ra_zalloc(p->a, sizeof(*r->body))) ==
			    NULL || (r->body->e = ra_alloc(p->a,
			    sizeof(*r->body->e))) == NULL)
				return false;
			r->body->e[0] = e;
			r->body->n = 1;
		} else {
			/* `{ ... }` is a body unless it parses as a
			 * literal that is not a set: OPA tries the literal
			 * first; a set literal would never be a useful
			 * condition, so a brace starts a body. */
			size_t nerr = p->ds->n;

			e = parse_literal(p);
			if (e != NULL && !(e->kind == E_TERM &&
			    e->terms[0]->kind == K_SET)) {
				if ((r->body = ra_zalloc(p->a,
				    sizeof(*r->body))) == NULL ||
				    (r->body->e = ra_alloc(p->a,
				    sizeof(*r->body->e))) == NULL)
					return false;
				r->body->e[0] = e;
				r->body->n = 1;
			} else {
				if (!retry(p, save, nerr))
					return false;
				next(p);
				if ((r->body = parse_body(p, T_RBRACE)) ==
				    NULL)
					return false;
				next(p);
			}
		}
	} else if (tk(p) == T_LBRACE) {
		perr_at(p, cur(p)->row, cur(p)->col,
		    "`if` keyword is required before rule body");
		return false;
	} else if (r->value != NULL || r->is_multi) {
		if ((r->body = body_true(p, st)) == NULL)
			return false;
		return rl_push(p, rules_out, r);
	} else {
		illegal(p, NULL);
		return false;
	}
	if (tk(p) == T_ELSE && !kw_ref_ahead(p)) {
		size_t i;

		for (i = 1; i < head_reflen(r->ref); i++)
			if (head_ref_at(r->ref, i)->kind != K_VALUE) {
				perr_at(p, cur(p)->row, cur(p)->col, "else "
				    "keyword cannot be used on rules with "
				    "variables in head");
				return false;
			}
		if (r->is_multi) {
			perr_at(p, cur(p)->row, cur(p)->col, "else keyword "
			    "cannot be used on multi-value rules");
			return false;
		}
		/* a chain, parsed iteratively (it can be long) */
		struct rego_rule **tail = &r->else_;

		do {
			if ((*tail = parse_else(p, r)) == NULL)
				return false;
			tail = &(*tail)->else_;
		} while (tk(p) == T_ELSE);
	}
	if (!rl_push(p, rules_out, r))
		return false;
	while (tk(p) == T_LBRACE) {
		struct rego_rule *n;

		if (r->else_ != NULL) {
			perr_at(p, cur(p)->row, cur(p)->col,
			    "expected else keyword");
			return false;
		}
		if ((n = rule_copy_head(p, r)) == NULL)
			return false;
		n->row = cur(p)->row;
		n->col = cur(p)->col;
		next(p);
		if ((n->body = parse_body(p, T_RBRACE)) == NULL)
			return false;
		next(p);
		if (!rl_push(p, rules_out, n))
			return false;
	}
	return true;
}

static bool
ref_to_path(struct ps *p, struct rego_term *t, bool allow_root_var,
    struct tl *path)
{
	size_t i;

	(void)allow_root_var;
	if (t->kind == K_VAR)
		return tl_push(p, path, t);
	if (t->kind != K_REF)
		return false;
	for (i = 0; i < t->u.l.n; i++) {
		struct rego_term *x = t->u.l.items[i];

		if (i > 0 && (x->kind != K_VALUE || x->u.v->t != RV_STR)) {
			perr_at(p, x->row, x->col, "unexpected %s token: "
			    "expecting string", x->kind == K_VALUE ?
			    rv_type_name(x->u.v) : term_kind_name(x));
			return false;
		}
		if (!tl_push(p, path, x))
			return false;
	}
	return true;
}

static bool
parse_package(struct ps *p, struct rego_module *m)
{
	struct tok *st = cur(p);
	struct rego_term *t;
	struct tl path = { 0 };
	size_t i;

	next(p);
	if (!ident_or_kw(tk(p))) {
		illegal(p, NULL);
		return false;
	}
	if (is_keyword(tk(p))) {
		t = parse_var(p);
		next(p);
		t = parse_term_finish(p, t);
	} else {
		t = parse_term(p);
	}
	if (t == NULL)
		return false;
	if (!ref_to_path(p, t, true, &path))
		return false;
	if (path.v[0]->kind != K_VAR) {
		perr_at(p, st->row, st->col, "unexpected token: expecting "
		    "var");
		return false;
	}
	/* pkgpath: "data", then the package's components */
	if ((m->pkgpath = ra_alloc(p->a, (path.n + 1) *
	    sizeof(*m->pkgpath))) == NULL)
		return false;
	m->pkgpath[0] = rv_cstr(p->a, "data");
	m->pkgpath[1] = rv_cstr(p->a, path.v[0]->u.var.name);
	for (i = 1; i < path.n; i++)
		m->pkgpath[i + 1] = path.v[i]->u.v;
	m->npkg = path.n + 1;
	m->pkg = t;
	return true;
}

static bool
parse_import(struct ps *p, struct rego_module *m)
{
	struct tok *st = cur(p);
	struct rego_import *im, **ni;
	struct rego_term *t;
	struct tl path = { 0 };
	const char *root;

	next(p);
	if (!ident_or_kw(tk(p))) {
		illegal(p, NULL);
		return false;
	}
	{
		/* keywords may appear in import paths (future.keywords.in) */
		struct rego_term *h = parse_var(p);

		next(p);
		if (h == NULL || (t = parse_term_finish(p, h)) == NULL)
			return false;
	}
	if (!ref_to_path(p, t, true, &path))
		return false;
	root = path.v[0]->kind == K_VAR ? path.v[0]->u.var.name : "";
	if (strcmp(root, "data") != 0 && strcmp(root, "input") != 0 &&
	    strcmp(root, "future") != 0 && strcmp(root, "rego") != 0) {
		perr_at(p, t->row, t->col, "unexpected import path, must "
		    "begin with one of: {data, future, input, rego}, got: %s",
		    root);
		return false;
	}
	if ((im = ra_zalloc(p->a, sizeof(*im))) == NULL)
		return false;
	im->path = t;
	im->row = st->row;
	im->col = st->col;
	if (tk(p) == T_AS) {
		next(p);
		if (tk(p) != T_IDENT) {
			illegal(p, "expected var");
			return false;
		}
		im->alias = ra_strndup(p->a, cur(p)->s, cur(p)->n);
		next(p);
	}
	if (strcmp(root, "future") == 0) {
		if (path.n < 2 || strcmp(path.v[1]->u.v->u.s, "keywords") !=
		    0) {
			perr_at(p, t->row, t->col, "invalid import, must be "
			    "`future.keywords`");
			return false;
		}
		return true;  /* no-op in Rego v1 */
	}
	if (strcmp(root, "rego") == 0) {
		if (path.n != 2 || strcmp(path.v[1]->u.v->u.s, "v1") != 0) {
			perr_at(p, t->row, t->col, "invalid import `%s`, must "
			    "be `rego.v1`", "rego");
			return false;
		}
		return true;  /* no-op */
	}
	if ((ni = ra_alloc(p->a, (m->nimports + 1) * sizeof(*ni))) == NULL)
		return false;
	if (m->nimports > 0)
		memcpy(ni, m->imports, m->nimports * sizeof(*ni));
	ni[m->nimports++] = im;
	m->imports = ni;
	return true;
}

static int
lex(struct rego_arena *a, const char *file, const char *text, size_t len,
    struct rego_diags *ds, struct ps *p)
{
	struct lx l;

	memset(&l, 0, sizeof(l));
	l.src = text;
	l.n = len;
	l.row = 1;
	l.col = 1;
	l.a = a;
	l.file = file;
	l.ds = ds;
	lx_run(&l);
	if (l.err)
		return CCAKIT_ERR_REGO_PARSE;
	if (l.ntpl > 0) {
		struct rego_loc loc = { file, l.row, l.col };

		rd_add(ds, REGO_PARSE_ERR, &loc, "non-terminated template "
		    "string");
		return CCAKIT_ERR_REGO_PARSE;
	}
	memset(p, 0, sizeof(*p));
	p->t = l.t;
	p->nt = l.nt;
	p->a = a;
	p->file = file;
	p->src = text;
	p->ds = ds;
	p->cm = l.cm;
	p->ncm = l.ncm;
	return CCAKIT_OK;
}

static int
ps_parse_module(struct ps *p, struct rego_arena *a, const char *file,
    const char *text, size_t len, struct rego_module **out,
    struct rego_diags *ds)
{
	struct rego_module *m;
	struct rl rules = { 0 };
	size_t i;

	if ((m = ra_zalloc(a, sizeof(*m))) == NULL)
		return CCAKIT_ERR_NOMEM;
	m->file = file;
	m->text = text;
	m->textlen = len;
	m->comments = p->cm;
	m->ncomments = p->ncm;
	if (tk(p) != T_PACKAGE || kw_ref_ahead(p)) {
		struct rego_loc loc = { file, cur(p)->row, cur(p)->col };

		if (tk(p) == T_EOF)
			rd_add(ds, REGO_PARSE_ERR, &loc, "empty module");
		else
			rd_add(ds, REGO_PARSE_ERR, &loc, "package expected");
		return CCAKIT_ERR_REGO_PARSE;
	}
	if (!parse_package(p, m))
		goto fail;
	while (tk(p) == T_IMPORT && !kw_ref_ahead(p))
		if (!parse_import(p, m))
			goto fail;
	while (tk(p) != T_EOF) {
		if (tk(p) == T_PACKAGE && !kw_ref_ahead(p)) {
			perr_at(p, cur(p)->row, cur(p)->col,
			    "unexpected package keyword");
			goto fail;
		}
		if (tk(p) == T_IMPORT && !kw_ref_ahead(p)) {
			if (!parse_import(p, m))
				goto fail;
			continue;
		}
		if (!parse_rules(p, m, &rules)) {
			if (!p->err)
				illegal(p, NULL);
			goto fail;
		}
	}
	m->rules = rules.v;
	m->nrules = rules.n;
	for (i = 0; i < m->nrules; i++)
		m->rules[i]->mod = m;
	*out = m;
	return CCAKIT_OK;
fail:
	if (!p->err) {
		struct rego_loc loc = { file, cur(p)->row, cur(p)->col };

		rd_add(ds, REGO_PARSE_ERR, &loc, "parse error");
	}
	return a->failed ? CCAKIT_ERR_NOMEM : CCAKIT_ERR_REGO_PARSE;
}

static int
ps_parse_query(struct ps *p, struct rego_arena *a, struct rego_body **out,
    struct rego_diags *ds)
{
	struct rego_body *b;

	if (tk(p) == T_EOF) {
		struct rego_loc loc = { "", 1, 1 };

		rd_add(ds, REGO_PARSE_ERR, &loc, "empty query");
		return CCAKIT_ERR_REGO_PARSE;
	}
	if ((b = parse_query(p, false, T_EOF)) == NULL)
		return a->failed ? CCAKIT_ERR_NOMEM : CCAKIT_ERR_REGO_PARSE;
	if (tk(p) != T_EOF) {
		illegal(p, NULL);
		return CCAKIT_ERR_REGO_PARSE;
	}
	if (!tree_body_ok(b, 0)) {
		perr_at(p, 1, 1, "max parsing recursion depth reached");
		return CCAKIT_ERR_REGO_PARSE;
	}
	*out = b;
	return CCAKIT_OK;
}

/* Constant term -> value (no vars, refs or calls). */
static const rv *
const_value(struct rego_arena *a, const struct rego_term *t)
{
	const rv **k, **v;
	size_t i;

	switch (t->kind) {
	case K_VALUE:
		return t->u.v;
	case K_ARRAY:
	case K_SET:
		if ((k = ra_alloc(a, (t->u.l.n + 1) * sizeof(*k))) == NULL)
			return NULL;
		for (i = 0; i < t->u.l.n; i++)
			if ((k[i] = const_value(a, t->u.l.items[i])) == NULL)
				return NULL;
		return t->kind == K_ARRAY ? rv_arr(a, k, t->u.l.n) :
		    rv_set(a, k, t->u.l.n);
	case K_OBJECT:
		if ((k = ra_alloc(a, 2 * (t->u.o.n + 1) * sizeof(*k))) == NULL)
			return NULL;
		v = k + t->u.o.n + 1;
		for (i = 0; i < t->u.o.n; i++)
			if ((k[i] = const_value(a, t->u.o.keys[i])) == NULL ||
			    (v[i] = const_value(a, t->u.o.vals[i])) == NULL)
				return NULL;
		return rv_obj(a, k, v, t->u.o.n, NULL);
	default:
		return NULL;
	}
}

static int
ps_parse_value(struct ps *p, struct rego_arena *a, const rv **out,
    struct rego_diags *ds)
{
	struct rego_term *t;

	if ((t = parse_infix(p, false)) == NULL)
		return CCAKIT_ERR_REGO_PARSE;
	if (tk(p) != T_EOF) {
		illegal(p, NULL);
		return CCAKIT_ERR_REGO_PARSE;
	}
	if (!tree_term_ok(t, 0)) {
		perr_at(p, 1, 1, "max parsing recursion depth reached");
		return CCAKIT_ERR_REGO_PARSE;
	}
	if ((*out = const_value(a, t)) == NULL) {
		struct rego_loc loc = { "", t->row, t->col };

		rd_add(ds, REGO_PARSE_ERR, &loc, "not a constant value");
		return CCAKIT_ERR_REGO_PARSE;
	}
	return CCAKIT_OK;
}

/* Lex, then parse with the memo of terms (freed after the parse). */
static int
ps_begin(struct ps *p, struct rego_arena *a, const char *file,
    const char *text, size_t len, struct rego_diags *ds)
{
	int rc;

	if ((rc = lex(a, file, text, len, ds, p)) != CCAKIT_OK)
		return rc;
	ra_init(&p->scratch, a->cap);
	if ((p->memo = ra_zalloc(&p->scratch, p->nt *
	    sizeof(*p->memo))) == NULL) {
		struct rego_loc loc = { file, 1, 1 };

		ra_free(&p->scratch);
		rd_add(ds, REGO_PARSE_ERR, &loc, "out of memory");
		return CCAKIT_ERR_NOMEM;
	}
	return CCAKIT_OK;
}

int
rego_parse_module(struct rego_arena *a, const char *file, const char *text,
    size_t len, struct rego_module **out, struct rego_diags *ds)
{
	struct ps p;
	int rc;

	if ((rc = ps_begin(&p, a, file, text, len, ds)) != CCAKIT_OK)
		return rc;
	rc = ps_parse_module(&p, a, file, text, len, out, ds);
	ra_free(&p.scratch);
	return rc;
}

int
rego_parse_query(struct rego_arena *a, const char *text, size_t len,
    struct rego_body **out, struct rego_diags *ds)
{
	struct ps p;
	int rc;

	if ((rc = ps_begin(&p, a, "", text, len, ds)) != CCAKIT_OK)
		return rc;
	p.want_text = true;
	rc = ps_parse_query(&p, a, out, ds);
	ra_free(&p.scratch);
	return rc;
}

int
rego_parse_value(struct rego_arena *a, const char *text, size_t len,
    const rv **out, struct rego_diags *ds)
{
	struct ps p;
	int rc;

	if ((rc = ps_begin(&p, a, "", text, len, ds)) != CCAKIT_OK)
		return rc;
	rc = ps_parse_value(&p, a, out, ds);
	ra_free(&p.scratch);
	return rc;
}
