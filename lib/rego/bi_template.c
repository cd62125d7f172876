/*
 * strings.render_template: Go's text/template, the subset policies use.
 *
 * OPA converts the variables to Go values (objects become maps, arrays
 * slices, numbers json.Number, which is a string type) and executes the
 * template with Go's defaults; a missing map key renders "<undefined>".
 *
 * Supported: text; comment actions ("{{" slash-star ... star-slash
 * "}}"); "{{- " and " -}}" trimming;
 * pipelines with '|'; operands . .Field.Chain $ $var $var.Field, string
 * ("..." and `...`), character, number, true, false and nil constants,
 * parenthesised pipelines (with field chains); variables ($x := ...,
 * $x = ...); {{if}}/{{else if}}/{{else}}/{{end}}; {{range}} over arrays
 * and maps (keys sorted), with "$i, $v :=", {{else}}, {{break}} and
 * {{continue}}; {{with}}/{{else with}}/{{else}}; the functions and, or,
 * not, len, index, eq, ne, lt, le, gt, ge, print, println and printf
 * (verbs %v %s %d %t %q %%). Anything else ({{define}}, {{template}},
 * {{block}}, html, js, urlquery, slice, call, other verbs) is refused
 * with an error naming it.
 *
 * Execution is charged to the evaluation's step limit; the output is
 * capped by the scratch buffer (64 MiB) and the arena.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/rego_priv.h"

/* ------------------------------------------------------------------ */
/* Syntax tree.                                                         */

enum { N_TEXT, N_ACTION, N_IF, N_RANGE, N_WITH, N_BREAK, N_CONTINUE };
enum { O_DOT, O_FIELD, O_VAR, O_PIPE, O_STR, O_INT, O_FLOAT, O_BOOL,
	O_NIL, O_IDENT };

struct tnode;
struct tpipe;

struct tlist {
	struct tnode **v;
	size_t n, cap;
};

struct toper {
	int kind;
	const char *name;        /* O_VAR, O_IDENT; O_STR bytes */
	size_t len;              /* O_STR length */
	const char **chain;      /* field names after the operand */
	size_t nchain;
	int64_t i;
	double f;
	bool b;
	struct tpipe *pipe;      /* O_PIPE */
};

struct tcmd {
	struct toper **args;
	size_t n, cap;
};

struct tpipe {
	const char *decl[2];     /* declared or assigned variables */
	size_t ndecl;
	bool assign;             /* '=' rather than ':=' */
	struct tcmd **cmds;
	size_t n, cap;
	int line;
};

struct tnode {
	int kind;
	const char *text;        /* N_TEXT */
	size_t len;
	struct tpipe *pipe;
	struct tlist list, elselist;
	int line;
};

struct tparse {
	ccakit_rego_bictx *ctx;
	struct rego_arena *ar;
	const char *s;
	size_t n, i;             /* source, cursor */
	int line;
	bool trim_next;          /* the previous action ended with " -}}" */
	char err[200];
	int depth;
	int rc;                  /* evaluation error (limits) */
};

#define T_MAX_DEPTH 100

static bool
perr(struct tparse *p, const char *fmt, ...) CKI_PRINTF(2, 3);

static bool
perr(struct tparse *p, const char *fmt, ...)
{
	va_list ap;
	char msg[160];

	if (p->err[0] != '\0')
		return false;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->err, sizeof(p->err), "template: template:%d: %s",
	    p->line, msg);
	return false;
}

static bool
grow(struct rego_arena *ar, void ***v, size_t n, size_t *cap)
{
	void **nv;
	size_t nc;

	if (n < *cap)
		return true;
	nc = *cap == 0 ? 4 : *cap * 2;
	if ((nv = ra_alloc(ar, nc * sizeof(*nv))) == NULL)
		return false;
	if (n > 0)
		memcpy(nv, *v, n * sizeof(*nv));
	*v = nv;
	*cap = nc;
	return true;
}

static bool
list_add(struct tparse *p, struct tlist *l, struct tnode *x)
{
	if (x == NULL || !grow(p->ar, (void ***)&l->v, l->n, &l->cap))
		return false;
	l->v[l->n++] = x;
	return true;
}

static struct tnode *
node_new(struct tparse *p, int kind)
{
	struct tnode *x = ra_zalloc(p->ar, sizeof(*x));

	if (x != NULL) {
		x->kind = kind;
		x->line = p->line;
	}
	return x;
}

/* --- action lexer ---------------------------------------------------- */

enum { A_EOF_ACTION, A_IDENT, A_FIELD, A_VAR, A_STR, A_RAW, A_CHAR,
	A_NUM, A_LPAREN, A_RPAREN, A_PIPE, A_DECL, A_ASSIGN, A_COMMA,
	A_BAD };

struct tok {
	int k;
	const char *s;
	size_t n;
};

/* The action's text is [a, e). */
struct alex {
	const char *s;
	size_t i, e;
};

static bool
id_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' ||
	    (unsigned char)c >= 0x80;
}

static struct tok
alex_next(struct alex *x)
{
	struct tok t = { A_EOF_ACTION, NULL, 0 };
	size_t st;
	char c;

	while (x->i < x->e && isspace((unsigned char)x->s[x->i]))
		x->i++;
	if (x->i >= x->e)
		return t;
	st = x->i;
	t.s = x->s + st;
	c = x->s[x->i];
	if (c == '(' || c == ')' || c == '|' || c == ',') {
		x->i++;
		t.k = c == '(' ? A_LPAREN : c == ')' ? A_RPAREN : c == '|' ?
		    A_PIPE : A_COMMA;
	} else if (c == ':' && x->i + 1 < x->e && x->s[x->i + 1] == '=') {
		x->i += 2;
		t.k = A_DECL;
	} else if (c == '=') {
		x->i++;
		t.k = A_ASSIGN;
	} else if (c == '"' || c == '\'') {
		for (x->i++; x->i < x->e && x->s[x->i] != c; x->i++)
			if (x->s[x->i] == '\\')
				x->i++;
		if (x->i >= x->e) {
			t.k = A_BAD;
			return t;
		}
		x->i++;
		t.k = c == '"' ? A_STR : A_CHAR;
	} else if (c == '`') {
		for (x->i++; x->i < x->e && x->s[x->i] != '`'; x->i++)
			;
		if (x->i >= x->e) {
			t.k = A_BAD;
			return t;
		}
		x->i++;
		t.k = A_RAW;
	} else if (c == '.' && !(x->i + 1 < x->e &&
	    isdigit((unsigned char)x->s[x->i + 1]))) {
		/* "." or ".Field" (one segment per token) */
		for (x->i++; x->i < x->e && id_char(x->s[x->i]); x->i++)
			;
		t.k = A_FIELD;
	} else if (c == '$') {
		for (x->i++; x->i < x->e && id_char(x->s[x->i]); x->i++)
			;
		t.k = A_VAR;
	} else if (isdigit((unsigned char)c) || c == '.' || ((c == '-' ||
	    c == '+') && x->i + 1 < x->e &&
	    (isdigit((unsigned char)x->s[x->i + 1]) ||
	    x->s[x->i + 1] == '.'))) {
		for (x->i++; x->i < x->e; x->i++) {
			char d = x->s[x->i], prev = x->s[x->i - 1];

			if (!(isalnum((unsigned char)d) || d == '.' ||
			    d == '_' || ((d == '+' || d == '-') &&
			    strchr("eEpP", prev) != NULL)))
				break;
		}
		t.k = A_NUM;
	} else if (id_char(c)) {
		for (; x->i < x->e && id_char(x->s[x->i]); x->i++)
			;
		t.k = A_IDENT;
	} else {
		x->i++;
		t.k = A_BAD;
	}
	t.n = x->i - st;
	return t;
}

static struct tok
alex_peek(struct alex *x)
{
	size_t save = x->i;
	struct tok t = alex_next(x);

	x->i = save;
	return t;
}

/* Go's unquoting of "..." and '...' (the common escapes). */
static bool
unquote(struct rego_arena *ar, const char *s, size_t n, char **out,
    size_t *outn)
{
	char *d = ra_alloc(ar, n + 1);
	size_t i, o = 0;

	if (d == NULL)
		return false;
	for (i = 1; i + 1 < n; i++) {
		char c = s[i];
		uint32_t cp;
		unsigned k, digits;

		if (c != '\\') {
			d[o++] = c;
			continue;
		}
		if (++i >= n - 1)
			return false;
		c = s[i];
		switch (c) {
		case 'n': d[o++] = '\n'; break;
		case 't': d[o++] = '\t'; break;
		case 'r': d[o++] = '\r'; break;
		case 'a': d[o++] = '\a'; break;
		case 'b': d[o++] = '\b'; break;
		case 'f': d[o++] = '\f'; break;
		case 'v': d[o++] = '\v'; break;
		case '\\': d[o++] = '\\'; break;
		case '"': d[o++] = '"'; break;
		case '\'': d[o++] = '\''; break;
		case 'x':
		case 'u':
		case 'U':
			digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
			cp = 0;
			for (k = 0; k < digits; k++) {
				char h;

				if (i + 1 >= n - 1)
					return false;
				h = s[++i];
				if (!isxdigit((unsigned char)h))
					return false;
				cp = cp * 16 + (uint32_t)(isdigit(
				    (unsigned char)h) ? h - '0' :
				    tolower((unsigned char)h) - 'a' + 10);
			}
			if (c == 'x')
				d[o++] = (char)cp;
			else if (cp > 0x10FFFF ||
			    (cp >= 0xD800 && cp <= 0xDFFF))
				return false;
			else
				o += rego_utf8_enc(cp, d + o);
			break;
		default:
			return false;
		}
	}
	d[o] = '\0';
	*out = d;
	*outn = o;
	return true;
}

/* A number constant: int (bases as Go) or float. */
static bool
parse_num(const char *s, size_t n, struct toper *o)
{
	char buf[80], *end;
	size_t i, k = 0;

	if (n >= sizeof(buf))
		return false;
	for (i = 0; i < n; i++)
		if (s[i] != '_')
			buf[k++] = s[i];
	buf[k] = '\0';
	if (strpbrk(buf, ".eEpP") == NULL || (k > 2 && buf[0] == '0' &&
	    (buf[1] == 'x' || buf[1] == 'X') && strpbrk(buf, ".pP") == NULL)) {
		const char *d = buf;
		int base = 10;
		bool neg = false;
		unsigned long long u;

		if (*d == '+' || *d == '-')
			neg = *d++ == '-';
		if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X')) {
			base = 16;
			d += 2;
		} else if (d[0] == '0' && (d[1] == 'o' || d[1] == 'O')) {
			base = 8;
			d += 2;
		} else if (d[0] == '0' && (d[1] == 'b' || d[1] == 'B')) {
			base = 2;
			d += 2;
		} else if (d[0] == '0' && d[1] != '\0') {
			base = 8;
			d++;
		}
		if (*d == '\0' || *d == '+' || *d == '-')
			return false;
		errno = 0;
		u = strtoull(d, &end, base);
		if (*end != '\0' || errno != 0 ||
		    u > (unsigned long long)INT64_MAX + (neg ? 1u : 0u))
			return false;
		o->kind = O_INT;
		o->i = neg ? (int64_t)(0 - u) : (int64_t)u;
		return true;
	}
	o->f = strtod(buf, &end);
	if (*end != '\0')
		return false;
	o->kind = O_FLOAT;
	return true;
}

static struct tpipe *parse_pipe_in(struct tparse *p, struct alex *x,
    bool decl_ok, bool paren);

static bool
add_chain(struct tparse *p, struct toper *o, const char *name, size_t n)
{
	const char **nc = ra_alloc(p->ar, (o->nchain + 1) * sizeof(*nc));

	if (nc == NULL)
		return false;
	if (o->nchain > 0)
		memcpy(nc, o->chain, o->nchain * sizeof(*nc));
	if ((nc[o->nchain] = ra_strndup(p->ar, name, n)) == NULL)
		return false;
	o->chain = nc;
	o->nchain++;
	return true;
}

/* Field segments directly following an operand (".a.b" with no space). */
static bool
parse_chain(struct tparse *p, struct alex *x, struct toper *o)
{
	while (x->i < x->e && x->s[x->i] == '.') {
		struct tok t = alex_next(x);

		if (t.k != A_FIELD || t.n < 2)
			return perr(p, "unexpected . after term");
		if (!add_chain(p, o, t.s + 1, t.n - 1))
			return false;
	}
	return true;
}

static struct toper *
parse_operand(struct tparse *p, struct alex *x, struct tok t)
{
	struct toper *o = ra_zalloc(p->ar, sizeof(*o));
	char *str;
	size_t sl;

	if (o == NULL)
		return NULL;
	switch (t.k) {
	case A_FIELD:
		if (t.n == 1) {
			o->kind = O_DOT;
		} else {
			o->kind = O_FIELD;
			if (!add_chain(p, o, t.s + 1, t.n - 1))
				return NULL;
		}
		break;
	case A_VAR:
		o->kind = O_VAR;
		if ((o->name = ra_strndup(p->ar, t.s, t.n)) == NULL)
			return NULL;
		break;
	case A_STR:
	case A_RAW:
		o->kind = O_STR;
		if (t.k == A_RAW) {
			str = ra_strndup(p->ar, t.s + 1, t.n - 2);
			sl = t.n - 2;
			if (str == NULL)
				return NULL;
		} else if (!unquote(p->ar, t.s, t.n, &str, &sl)) {
			perr(p, "invalid syntax: %.*s", (int)t.n, t.s);
			return NULL;
		}
		o->name = str;
		o->len = sl;
		return o;   /* no field chain on constants */
	case A_CHAR: {
		uint32_t cp;

		if (!unquote(p->ar, t.s, t.n, &str, &sl) || sl == 0 ||
		    rego_utf8_dec(str, sl, &cp) != sl) {
			perr(p, "malformed character constant: %.*s",
			    (int)t.n, t.s);
			return NULL;
		}
		o->kind = O_INT;
		o->i = cp;
		return o;
	}
	case A_NUM:
		if (!parse_num(t.s, t.n, o)) {
			perr(p, "bad number syntax: %.*s", (int)t.n, t.s);
			return NULL;
		}
		return o;
	case A_IDENT:
		if (t.n == 4 && memcmp(t.s, "true", 4) == 0) {
			o->kind = O_BOOL;
			o->b = true;
		} else if (t.n == 5 && memcmp(t.s, "false", 5) == 0) {
			o->kind = O_BOOL;
		} else if (t.n == 3 && memcmp(t.s, "nil", 3) == 0) {
			o->kind = O_NIL;
		} else {
			o->kind = O_IDENT;
			if ((o->name = ra_strndup(p->ar, t.s, t.n)) == NULL)
				return NULL;
		}
		return o;
	case A_LPAREN:
		o->kind = O_PIPE;
		if ((o->pipe = parse_pipe_in(p, x, false, true)) == NULL)
			return NULL;
		break;
	default:
		perr(p, "unexpected \"%.*s\" in command", (int)t.n, t.s);
		return NULL;
	}
	if (!parse_chain(p, x, o))
		return NULL;
	return o;
}

/* A pipeline up to the end of the action (or ')' when paren). */
static struct tpipe *
parse_pipe_in(struct tparse *p, struct alex *x, bool decl_ok, bool paren)
{
	struct tpipe *pp = ra_zalloc(p->ar, sizeof(*pp));
	struct tcmd *cmd = NULL;
	struct tok t;

	if (pp == NULL)
		return NULL;
	pp->line = p->line;
	if (++p->depth > T_MAX_DEPTH) {
		perr(p, "pipeline nested too deeply");
		return NULL;
	}
	/* Declarations: $x :=, $x =, $i, $v := */
	if (decl_ok) {
		size_t save = x->i;
		struct tok v1 = alex_next(x), op = alex_next(x);

		if (v1.k == A_VAR && (op.k == A_DECL || op.k == A_ASSIGN)) {
			pp->decl[0] = ra_strndup(p->ar, v1.s, v1.n);
			pp->ndecl = 1;
			pp->assign = op.k == A_ASSIGN;
		} else if (v1.k == A_VAR && op.k == A_COMMA) {
			struct tok v2 = alex_next(x), op2 = alex_next(x);

			if (v2.k != A_VAR || (op2.k != A_DECL &&
			    op2.k != A_ASSIGN)) {
				perr(p, "missing := after variables");
				return NULL;
			}
			pp->decl[0] = ra_strndup(p->ar, v1.s, v1.n);
			pp->decl[1] = ra_strndup(p->ar, v2.s, v2.n);
			pp->ndecl = 2;
			pp->assign = op2.k == A_ASSIGN;
		} else {
			x->i = save;
		}
	}
	for (;;) {
		t = alex_next(x);
		if (t.k == A_EOF_ACTION || (paren && t.k == A_RPAREN)) {
			if (paren && t.k != A_RPAREN) {
				perr(p, "unclosed left paren");
				return NULL;
			}
			if (cmd == NULL || cmd->n == 0) {
				perr(p, "missing value for command");
				return NULL;
			}
			break;
		}
		if (t.k == A_PIPE) {
			if (cmd == NULL || cmd->n == 0) {
				perr(p, "missing value for command");
				return NULL;
			}
			cmd = NULL;
			continue;
		}
		if (t.k == A_BAD) {
			perr(p, "unexpected \"%.*s\" in command", (int)t.n,
			    t.s);
			return NULL;
		}
		if (cmd == NULL) {
			if ((cmd = ra_zalloc(p->ar, sizeof(*cmd))) == NULL ||
			    !grow(p->ar, (void ***)&pp->cmds, pp->n, &pp->cap))
				return NULL;
			pp->cmds[pp->n++] = cmd;
		}
		if (!grow(p->ar, (void ***)&cmd->args, cmd->n, &cmd->cap))
			return NULL;
		if ((cmd->args[cmd->n] = parse_operand(p, x, t)) == NULL)
			return NULL;
		cmd->n++;
	}
	p->depth--;
	return pp;
}

/* --- template structure ---------------------------------------------- */

/* The first "xy" pair in s[0, n), or NULL. */
static const char *
find2(const char *s, size_t n, char x, char y)
{
	size_t i;

	for (i = 0; i + 1 < n; i++)
		if (s[i] == x && s[i + 1] == y)
			return s + i;
	return NULL;
}

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

enum { END_EOF, END_END, END_ELSE, END_ERR };

/*
 * Parse a list of nodes until {{end}}, {{else ...}} or the end of the
 * template. For END_ELSE, *else_x is the rest of the else action.
 */
static int parse_list(struct tparse *p, struct tlist *l, struct alex *else_x,
    bool in_range);

static bool
parse_control(struct tparse *p, struct tlist *l, int kind, struct alex *x,
    bool in_range)
{
	struct tnode *nd = node_new(p, kind);
	struct alex ex;
	int end;

	if (nd == NULL)
		return false;
	if ((nd->pipe = parse_pipe_in(p, x, true, false)) == NULL)
		return false;
	if (++p->depth > T_MAX_DEPTH)
		return perr(p, "template nested too deeply");
	end = parse_list(p, &nd->list, &ex, in_range || kind == N_RANGE);
	if (end == END_ERR)
		return false;
	if (end == END_EOF)
		return perr(p, "unexpected EOF");
	if (end == END_ELSE) {
		struct tok t = alex_peek(&ex);

		/* {{else if ...}} / {{else with ...}}: a nested control
		 * that shares our {{end}}. */
		if (t.k == A_IDENT && ((kind == N_IF && t.n == 2 &&
		    memcmp(t.s, "if", 2) == 0) || (kind == N_WITH &&
		    t.n == 4 && memcmp(t.s, "with", 4) == 0))) {
			(void)alex_next(&ex);
			if (!parse_control(p, &nd->elselist, kind, &ex,
			    in_range))
				return false;
			p->depth--;
			return list_add(p, l, nd);
		}
		if (alex_peek(&ex).k != A_EOF_ACTION)
			return perr(p, "unexpected tokens after else");
		end = parse_list(p, &nd->elselist, &ex, in_range ||
		    kind == N_RANGE);
		if (end == END_ERR)
			return false;
		if (end != END_END)
			return perr(p, end == END_EOF ? "unexpected EOF" :
			    "expected end; found {{else}}");
	}
	p->depth--;
	return list_add(p, l, nd);
}

static int
parse_list(struct tparse *p, struct tlist *l, struct alex *else_x,
    bool in_range)
{
	for (;;) {
		const char *open;
		size_t ts = p->i, te, as, ae, k;
		bool ltrim = false, rtrim = false;
		struct alex x;
		struct tok t;

		if ((p->rc = rego_bi_step(p->ctx, 1)) != CCAKIT_OK)
			return END_ERR;
		open = p->i < p->n ? find2(p->s + p->i, p->n - p->i, '{', '{') :
		    NULL;
		te = open != NULL ? (size_t)(open - p->s) : p->n;
		if (p->trim_next)
			while (ts < te && is_ws(p->s[ts]))
				ts++;
		p->trim_next = false;
		as = te + 2;
		if (open != NULL && as + 1 < p->n && p->s[as] == '-' &&
		    is_ws(p->s[as + 1])) {
			ltrim = true;
			as += 2;
		}
		if (ltrim)
			while (te > ts && is_ws(p->s[te - 1]))
				te--;
		if (te > ts) {
			struct tnode *tx = node_new(p, N_TEXT);

			if (tx == NULL)
				return END_ERR;
			tx->text = p->s + ts;
			tx->len = te - ts;
			if (!list_add(p, l, tx))
				return END_ERR;
		}
		for (k = p->i; k < (open != NULL ? (size_t)(open - p->s) :
		    p->n); k++)
			if (p->s[k] == '\n')
				p->line++;
		if (open == NULL) {
			p->i = p->n;
			return END_EOF;
		}
		/* The action: comments first. */
		if (as + 1 < p->n && p->s[as] == '/' && p->s[as + 1] == '*') {
			const char *ce = find2(p->s + as + 2, p->n - as - 2,
			    '*', '/');
			size_t c;

			if (ce == NULL)
				return perr(p, "unclosed comment"), END_ERR;
			c = (size_t)(ce - p->s) + 2;
			if (c + 3 < p->n && p->s[c] == ' ' && p->s[c + 1] ==
			    '-' && p->s[c + 2] == '}' && p->s[c + 3] == '}') {
				p->trim_next = true;
				c += 4;
			} else if (c + 1 < p->n && p->s[c] == '}' &&
			    p->s[c + 1] == '}') {
				c += 2;
			} else {
				return perr(p, "comment ends before closing "
				    "delimiter"), END_ERR;
			}
			for (k = as; k < c; k++)
				if (p->s[k] == '\n')
					p->line++;
			p->i = c;
			continue;
		}
		/* Find the closing "}}" outside quotes. */
		for (ae = as; ae + 1 < p->n; ae++) {
			char c = p->s[ae];

			if (c == '"' || c == '\'' || c == '`') {
				for (ae++; ae < p->n && p->s[ae] != c; ae++)
					if (c != '`' && p->s[ae] == '\\')
						ae++;
				if (ae >= p->n)
					break;
				continue;
			}
			if (c == '}' && p->s[ae + 1] == '}')
				break;
		}
		if (ae + 1 >= p->n)
			return perr(p, "unclosed action"), END_ERR;
		p->i = ae + 2;
		if (ae >= as + 2 && p->s[ae - 1] == '-' &&
		    is_ws(p->s[ae - 2])) {
			rtrim = true;
			ae -= 2;
		}
		p->trim_next = rtrim;
		x.s = p->s;
		x.i = as;
		x.e = ae;
		t = alex_peek(&x);
		if (t.k == A_IDENT) {
#define KW(w) (t.n == sizeof(w) - 1 && memcmp(t.s, w, t.n) == 0)
			if (KW("end") || KW("else")) {
				(void)alex_next(&x);
				if (KW("end")) {
					if (alex_peek(&x).k != A_EOF_ACTION)
						return perr(p, "unexpected "
						    "tokens in end"), END_ERR;
					return END_END;
				}
				*else_x = x;
				return END_ELSE;
			}
			if (KW("if") || KW("range") || KW("with")) {
				int kind = KW("if") ? N_IF : KW("range") ?
				    N_RANGE : N_WITH;

				(void)alex_next(&x);
				if (!parse_control(p, l, kind, &x, in_range))
					return END_ERR;
				continue;
			}
			if (KW("break") || KW("continue")) {
				struct tnode *b;

				(void)alex_next(&x);
				if (!in_range)
					return perr(p, "{{%.*s}} outside "
					    "{{range}}", (int)t.n, t.s),
					    END_ERR;
				if ((b = node_new(p, KW("break") ? N_BREAK :
				    N_CONTINUE)) == NULL || !list_add(p, l, b))
					return END_ERR;
				continue;
			}
			if (KW("define") || KW("template") || KW("block"))
				return perr(p, "{{%.*s}} is not supported",
				    (int)t.n, t.s), END_ERR;
#undef KW
		}
		{
			struct tnode *a = node_new(p, N_ACTION);

			if (a == NULL || (a->pipe = parse_pipe_in(p, &x, true,
			    false)) == NULL || !list_add(p, l, a))
				return END_ERR;
		}
		for (k = as; k < ae; k++)
			if (p->s[k] == '\n')
				p->line++;
	}
}

/* ------------------------------------------------------------------ */
/* Values and execution.                                                */

enum { TV_INVALID, TV_NIL, TV_BOOL, TV_INT, TV_FLOAT, TV_STR, TV_NUMSTR,
	TV_ARR, TV_MAP };

struct tv {
	int k;
	bool b;
	int64_t i;
	double f;
	const char *s;
	size_t n;
	const rv *v;             /* TV_ARR, TV_MAP */
};

struct tvar {
	const char *name;
	struct tv v;
};

struct texec {
	ccakit_rego_bictx *ctx;
	struct rego_arena *ar;
	struct rego_buf *out;
	struct tvar *vars;
	size_t nvars, capvars;
	char err[240];
	int rc;                  /* evaluation error (limits) */
	int line;
	int depth;
};

enum { X_OK = 0, X_ERR, X_BREAK, X_CONTINUE };

static int
xerr(struct texec *x, const char *fmt, ...) CKI_PRINTF(2, 3);

static int
xerr(struct texec *x, const char *fmt, ...)
{
	va_list ap;
	char msg[180];

	if (x->err[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		snprintf(x->err, sizeof(x->err), "template: template:%d: "
		    "executing \"template\": %s", x->line, msg);
	}
	return X_ERR;
}

static struct tv
tv_of(struct texec *x, const rv *v)
{
	struct tv t;
	char buf[64];
	size_t n;

	memset(&t, 0, sizeof(t));
	switch (v->t) {
	case RV_NULL:
		t.k = TV_NIL;
		break;
	case RV_BOOL:
		t.k = TV_BOOL;
		t.b = v->b;
		break;
	case RV_NUM:
		t.k = TV_NUMSTR;
		n = rv_num_text(v, buf, sizeof(buf));
		if (n >= sizeof(buf)) {
			t.s = "0";
			t.n = 1;
		} else {
			t.s = ra_strndup(x->ar, buf, n);
			t.n = n;
			if (t.s == NULL)
				t.k = TV_INVALID;
		}
		break;
	case RV_STR:
		t.k = TV_STR;
		t.s = v->u.s;
		t.n = v->n;
		break;
	case RV_OBJ:
		t.k = TV_MAP;
		t.v = v;
		break;
	default:
		t.k = TV_ARR;
		t.v = v;
		break;
	}
	return t;
}

static const char *
tv_type(const struct tv *t)
{
	switch (t->k) {
	case TV_INVALID: return "<no value>";
	case TV_NIL: return "interface {}";
	case TV_BOOL: return "bool";
	case TV_INT: return "int";
	case TV_FLOAT: return "float64";
	case TV_STR: return "string";
	case TV_NUMSTR: return "json.Number";
	case TV_ARR: return "[]interface {}";
	default: return "map[string]interface {}";
	}
}

/* Go's isTrue. */
static bool
tv_truth(const struct tv *t)
{
	switch (t->k) {
	case TV_BOOL: return t->b;
	case TV_INT: return t->i != 0;
	case TV_FLOAT: return t->f != 0;
	case TV_STR:
	case TV_NUMSTR: return t->n > 0;
	case TV_ARR:
	case TV_MAP: return t->v->n > 0;
	default: return false;
	}
}

static int
sort_keys_cmp(const void *a, const void *b)
{
	const rv *ka = *(const rv *const *)a, *kb = *(const rv *const *)b;
	size_t n = ka->n < kb->n ? ka->n : kb->n;
	int c = memcmp(ka->u.s, kb->u.s, n);

	if (c != 0)
		return c;
	return ka->n < kb->n ? -1 : ka->n > kb->n ? 1 : 0;
}

/* fmt's %v of a value (top: a missing value prints OPA's marker). */
static void
tv_print(struct texec *x, struct rego_buf *b, const struct tv *t, int depth)
{
	size_t i;

	switch (t->k) {
	case TV_INVALID:
		rb_puts(b, "<undefined>");
		break;
	case TV_NIL:
		rb_puts(b, "<nil>");
		break;
	case TV_BOOL:
		rb_puts(b, t->b ? "true" : "false");
		break;
	case TV_INT:
		rb_printf(b, "%lld", (long long)t->i);
		break;
	case TV_FLOAT:
		rego_go_fmt_float(b, t->f, 'g', 64);
		break;
	case TV_STR:
	case TV_NUMSTR:
		rb_put(b, t->s, t->n);
		break;
	case TV_ARR:
		rb_putc(b, '[');
		for (i = 0; i < t->v->n && depth < CCAKIT_REGO_MAX_DEPTH; i++) {
			struct tv e = tv_of(x, t->v->u.a[i]);

			if (i > 0)
				rb_putc(b, ' ');
			tv_print(x, b, &e, depth + 1);
		}
		rb_putc(b, ']');
		break;
	case TV_MAP: {
		const rv **keys = ra_alloc(x->ar, (t->v->n + 1) *
		    sizeof(*keys));
		size_t nk = 0;

		rb_puts(b, "map[");
		if (keys == NULL) {
			b->oom = true;
			break;
		}
		for (i = 0; i < t->v->n; i++)
			if (t->v->u.a[i]->t == RV_STR)
				keys[nk++] = t->v->u.a[i];
		qsort(keys, nk, sizeof(*keys), sort_keys_cmp);
		for (i = 0; i < nk && depth < CCAKIT_REGO_MAX_DEPTH; i++) {
			struct tv e = tv_of(x, rv_obj_get(t->v, keys[i]));

			if (i > 0)
				rb_putc(b, ' ');
			rb_put(b, keys[i]->u.s, keys[i]->n);
			rb_putc(b, ':');
			tv_print(x, b, &e, depth + 1);
		}
		rb_putc(b, ']');
		break;
	}
	default:
		break;
	}
}

/* Go's basicKind for comparisons: 1 bool, 2 int, 3 float, 4 string. */
static int
basic_kind(const struct tv *t)
{
	switch (t->k) {
	case TV_BOOL: return 1;
	case TV_INT: return 2;
	case TV_FLOAT: return 3;
	case TV_STR:
	case TV_NUMSTR: return 4;
	default: return 0;
	}
}

static int
str_cmp(const struct tv *a, const struct tv *b)
{
	size_t n = a->n < b->n ? a->n : b->n;
	int c = memcmp(a->s, b->s, n);

	if (c != 0)
		return c < 0 ? -1 : 1;
	return a->n < b->n ? -1 : a->n > b->n ? 1 : 0;
}

/* eq / lt: 0 ok with *res set, else X_ERR. */
static int
compare(struct texec *x, const struct tv *a, const struct tv *b, bool lt,
    bool *res)
{
	int ka = basic_kind(a), kb = basic_kind(b);

	if (ka == 0 || kb == 0) {
		if (!lt && (a->k == TV_NIL || b->k == TV_NIL)) {
			*res = a->k == b->k;
			return X_OK;
		}
		return xerr(x, "error calling %s: %s type for comparison",
		    lt ? "lt" : "eq", "invalid");
	}
	if (ka != kb)
		return xerr(x, "error calling %s: incompatible types for "
		    "comparison", lt ? "lt" : "eq");
	if (lt && ka == 1)
		return xerr(x, "error calling lt: invalid type for "
		    "comparison");
	switch (ka) {
	case 1: *res = a->b == b->b; break;
	case 2: *res = lt ? a->i < b->i : a->i == b->i; break;
	case 3: *res = lt ? a->f < b->f : a->f == b->f; break;
	default:
		*res = lt ? str_cmp(a, b) < 0 : str_cmp(a, b) == 0;
		break;
	}
	return X_OK;
}

static int eval_pipe(struct texec *x, struct tpipe *pp, const struct tv *dot,
    struct tv *out);
static int call_func(struct texec *x, const struct tcmd *c,
    const struct tv *dot, const struct tv *fin, struct tv *out);

/* Field chain on a value. */
static int
walk_chain(struct texec *x, struct tv *v, const char *const *chain,
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const rv *m;

		if (v->k == TV_INVALID)
			return X_OK;    /* missing stays missing */
		if (v->k == TV_NIL)
			return xerr(x, "nil pointer evaluating interface "
			    "{}.%s", chain[i]);
		if (v->k != TV_MAP)
			return xerr(x, "can't evaluate field %s in type %s",
			    chain[i], tv_type(v));
		m = rv_obj_gets(v->v, chain[i], strlen(chain[i]));
		if (m == NULL) {
			memset(v, 0, sizeof(*v));
			v->k = TV_INVALID;
		} else {
			*v = tv_of(x, m);
		}
	}
	return X_OK;
}

static struct tvar *
var_find(struct texec *x, const char *name)
{
	size_t i;

	for (i = x->nvars; i > 0; i--)
		if (strcmp(x->vars[i - 1].name, name) == 0)
			return &x->vars[i - 1];
	return NULL;
}

static int
var_push(struct texec *x, const char *name, const struct tv *v)
{
	if (x->nvars == x->capvars) {
		size_t nc = x->capvars == 0 ? 8 : x->capvars * 2;
		struct tvar *nv = ra_alloc(x->ar, nc * sizeof(*nv));

		if (nv == NULL) {
			x->rc = rego_bi_nomem(x->ctx);
			return X_ERR;
		}
		if (x->nvars > 0)
			memcpy(nv, x->vars, x->nvars * sizeof(*nv));
		x->vars = nv;
		x->capvars = nc;
	}
	x->vars[x->nvars].name = name;
	x->vars[x->nvars].v = *v;
	x->nvars++;
	return X_OK;
}

static int
eval_operand(struct texec *x, const struct toper *o, const struct tv *dot,
    struct tv *out)
{
	struct tvar *var;
	int rc;

	memset(out, 0, sizeof(*out));
	switch (o->kind) {
	case O_DOT:
		*out = *dot;
		return X_OK;
	case O_FIELD:
		*out = *dot;
		break;
	case O_VAR:
		if ((var = var_find(x, o->name)) == NULL)
			return xerr(x, "undefined variable: %s", o->name);
		*out = var->v;
		break;
	case O_PIPE:
		if ((rc = eval_pipe(x, o->pipe, dot, out)) != X_OK)
			return rc;
		break;
	case O_STR:
		out->k = TV_STR;
		out->s = o->name;
		out->n = o->len;
		return X_OK;
	case O_INT:
		out->k = TV_INT;
		out->i = o->i;
		return X_OK;
	case O_FLOAT:
		out->k = TV_FLOAT;
		out->f = o->f;
		return X_OK;
	case O_BOOL:
		out->k = TV_BOOL;
		out->b = o->b;
		return X_OK;
	case O_NIL:
		out->k = TV_NIL;
		return X_OK;
	default: {
		/* A function name as an operand: a call without
		 * arguments. */
		struct toper *one[1];
		struct tcmd c;

		one[0] = (struct toper *)(uintptr_t)o;
		memset(&c, 0, sizeof(c));
		c.args = one;
		c.n = 1;
		return call_func(x, &c, dot, NULL, out);
	}
	}
	return walk_chain(x, out, o->chain, o->nchain);
}

static int
tv_len(struct texec *x, const struct tv *a, int64_t *n)
{
	switch (a->k) {
	case TV_STR:
	case TV_NUMSTR:
		*n = (int64_t)a->n;
		return X_OK;
	case TV_ARR:
	case TV_MAP:
		*n = (int64_t)a->v->n;
		return X_OK;
	case TV_INVALID:
	case TV_NIL:
		return xerr(x, "error calling len: len of nil pointer");
	default:
		return xerr(x, "error calling len: len of type %s",
		    tv_type(a));
	}
}

static int
tv_index(struct texec *x, struct tv *v, const struct tv *ix)
{
	if (v->k == TV_MAP) {
		const rv *m;

		if (ix->k != TV_STR)
			return xerr(x, "error calling index: value has type "
			    "%s; should be string", tv_type(ix));
		m = rv_obj_gets(v->v, ix->s, ix->n);
		if (m == NULL) {
			/* The zero value of the element type: nil. */
			memset(v, 0, sizeof(*v));
			v->k = TV_NIL;
		} else {
			*v = tv_of(x, m);
		}
		return X_OK;
	}
	if (v->k == TV_ARR || v->k == TV_STR || v->k == TV_NUMSTR) {
		int64_t len = v->k == TV_ARR ? (int64_t)v->v->n : (int64_t)v->n;

		if (ix->k != TV_INT)
			return xerr(x, "error calling index: cannot index "
			    "slice/array with type %s", tv_type(ix));
		if (ix->i < 0 || ix->i >= len)
			return xerr(x, "error calling index: index out of "
			    "range: %lld", (long long)ix->i);
		if (v->k == TV_ARR) {
			*v = tv_of(x, v->v->u.a[ix->i]);
		} else {
			struct tv c;

			memset(&c, 0, sizeof(c));
			c.k = TV_INT;
			c.i = (unsigned char)v->s[ix->i];
			*v = c;
		}
		return X_OK;
	}
	if (v->k == TV_NIL || v->k == TV_INVALID)
		return xerr(x, "error calling index: index of untyped nil");
	return xerr(x, "error calling index: can't index item of type %s",
	    tv_type(v));
}

/* fmt.Sprint's spacing: a space between operands when neither is a
 * string. */
static void
tv_sprint(struct texec *x, struct rego_buf *b, const struct tv *a, size_t n,
    bool ln)
{
	size_t i;

	for (i = 0; i < n; i++) {
		bool as = a[i].k == TV_STR || a[i].k == TV_NUMSTR;

		if (i > 0 && (ln || (!as && !(a[i - 1].k == TV_STR ||
		    a[i - 1].k == TV_NUMSTR))))
			rb_putc(b, ' ');
		if (a[i].k == TV_INVALID)
			rb_puts(b, "<nil>");
		else
			tv_print(x, b, &a[i], 0);
	}
	if (ln)
		rb_putc(b, '\n');
}

static int
tv_printf(struct texec *x, struct rego_buf *b, const struct tv *a, size_t n)
{
	const char *f;
	size_t fl, i, ai = 1;

	if (n == 0 || a[0].k != TV_STR)
		return xerr(x, "error calling printf: format must be a string");
	f = a[0].s;
	fl = a[0].n;
	for (i = 0; i < fl; i++) {
		char c = f[i];

		if (c != '%') {
			rb_putc(b, c);
			continue;
		}
		if (++i >= fl) {
			rb_puts(b, "%!(NOVERB)");
			break;
		}
		c = f[i];
		if (c == '%') {
			rb_putc(b, '%');
			continue;
		}
		if (strchr("vsdtq", c) == NULL)
			return xerr(x, "error calling printf: verb %%%c is not "
			    "supported", c);
		if (ai >= n) {
			rb_printf(b, "%%!%c(MISSING)", c);
			continue;
		}
		if (c == 'd' && a[ai].k != TV_INT)
			rb_printf(b, "%%!d(%s=", tv_type(&a[ai]));
		else if (c == 't' && a[ai].k != TV_BOOL)
			rb_printf(b, "%%!t(%s=", tv_type(&a[ai]));
		if (c == 'q' && (a[ai].k == TV_STR || a[ai].k == TV_NUMSTR))
			rego_fmt_quote(b, a[ai].s, a[ai].n);
		else
			tv_print(x, b, &a[ai], 0);
		if ((c == 'd' && a[ai].k != TV_INT) ||
		    (c == 't' && a[ai].k != TV_BOOL))
			rb_putc(b, ')');
		ai++;
	}
	if (ai < n)
		rb_puts(b, "%!(EXTRA)");
	return X_OK;
}

static int
set_str_result(struct texec *x, struct rego_buf *b, struct tv *out)
{
	if (b->oom) {
		rb_free(b);
		x->rc = rego_bi_nomem(x->ctx);
		return X_ERR;
	}
	memset(out, 0, sizeof(*out));
	out->k = TV_STR;
	out->n = b->len;
	out->s = ra_strndup(x->ar, rb_str(b), b->len);
	rb_free(b);
	if (out->s == NULL) {
		x->rc = rego_bi_nomem(x->ctx);
		return X_ERR;
	}
	return X_OK;
}

/* A function call: args[1..n) evaluated here (and/or short-circuit),
 * plus the piped value `fin` as the last argument. */
static int
call_func(struct texec *x, const struct tcmd *c, const struct tv *dot,
    const struct tv *fin, struct tv *out)
{
	const char *fn = c->args[0]->name;
	size_t na = c->n - 1 + (fin != NULL ? 1 : 0), i;
	struct tv *a;
	int rc;
	bool lazy = strcmp(fn, "and") == 0 || strcmp(fn, "or") == 0;

	memset(out, 0, sizeof(*out));
	if ((a = ra_zalloc(x->ar, (na + 1) * sizeof(*a))) == NULL) {
		x->rc = rego_bi_nomem(x->ctx);
		return X_ERR;
	}
	if (lazy) {
		bool is_and = fn[0] == 'a';

		if (na == 0)
			return xerr(x, "wrong number of args for %s: want at "
			    "least 1 got 0", fn);
		for (i = 0; i < na; i++) {
			if (i + 1 < c->n) {
				if ((rc = eval_operand(x, c->args[i + 1], dot,
				    &a[i])) != X_OK)
					return rc;
			} else {
				a[i] = *fin;
			}
			*out = a[i];
			if (tv_truth(&a[i]) != is_and)
				return X_OK;
		}
		return X_OK;
	}
	for (i = 0; i + 1 < c->n; i++)
		if ((rc = eval_operand(x, c->args[i + 1], dot, &a[i])) != X_OK)
			return rc;
	if (fin != NULL)
		a[na - 1] = *fin;
#define ARGS(k) \
	do { \
		if (na != (k)) \
			return xerr(x, "wrong number of args for %s: want %d " \
			    "got %zu", fn, (k), na); \
	} while (0)
	if (strcmp(fn, "not") == 0) {
		ARGS(1);
		out->k = TV_BOOL;
		out->b = !tv_truth(&a[0]);
		return X_OK;
	}
	if (strcmp(fn, "len") == 0) {
		ARGS(1);
		out->k = TV_INT;
		return tv_len(x, &a[0], &out->i);
	}
	if (strcmp(fn, "index") == 0) {
		if (na == 0)
			return xerr(x, "wrong number of args for index: want "
			    "at least 1 got 0");
		*out = a[0];
		for (i = 1; i < na; i++)
			if ((rc = tv_index(x, out, &a[i])) != X_OK)
				return rc;
		return X_OK;
	}
	if (strcmp(fn, "eq") == 0) {
		bool r = false;

		if (na < 2)
			return xerr(x, "wrong number of args for eq: want at "
			    "least 2 got %zu", na);
		for (i = 1; i < na && !r; i++)
			if ((rc = compare(x, &a[0], &a[i], false, &r)) != X_OK)
				return rc;
		out->k = TV_BOOL;
		out->b = r;
		return X_OK;
	}
	if (strcmp(fn, "ne") == 0 || strcmp(fn, "lt") == 0 ||
	    strcmp(fn, "le") == 0 || strcmp(fn, "gt") == 0 ||
	    strcmp(fn, "ge") == 0) {
		bool lt = false, eq = false;

		ARGS(2);
		if (strcmp(fn, "ne") != 0 &&
		    (rc = compare(x, &a[0], &a[1], true, &lt)) != X_OK)
			return rc;
		if ((rc = compare(x, &a[0], &a[1], false, &eq)) != X_OK)
			return rc;
		out->k = TV_BOOL;
		if (fn[0] == 'n')
			out->b = !eq;
		else if (fn[0] == 'l')
			out->b = fn[1] == 't' ? lt : lt || eq;
		else
			out->b = fn[1] == 't' ? !lt && !eq : !lt;
		return X_OK;
	}
	if (strcmp(fn, "print") == 0 || strcmp(fn, "println") == 0 ||
	    strcmp(fn, "printf") == 0) {
		struct rego_buf b;

		rb_init(&b, CCAKIT_REGO_MAX_JSON);
		if (fn[5] == 'f') {
			if ((rc = tv_printf(x, &b, a, na)) != X_OK) {
				rb_free(&b);
				return rc;
			}
		} else {
			tv_sprint(x, &b, a, na, fn[5] == 'l');
		}
		return set_str_result(x, &b, out);
	}
#undef ARGS
	if (strcmp(fn, "html") == 0 || strcmp(fn, "js") == 0 ||
	    strcmp(fn, "urlquery") == 0 || strcmp(fn, "slice") == 0 ||
	    strcmp(fn, "call") == 0)
		return xerr(x, "function \"%s\" is not supported", fn);
	return xerr(x, "function \"%s\" not defined", fn);
}

static int
eval_cmd(struct texec *x, const struct tcmd *c, const struct tv *dot,
    const struct tv *fin, struct tv *out)
{
	if (c->args[0]->kind == O_IDENT)
		return call_func(x, c, dot, fin, out);
	if (c->args[0]->kind == O_NIL)
		return xerr(x, "nil is not a command");
	if (c->n > 1 || fin != NULL) {
		if (c->args[0]->kind == O_FIELD)
			return xerr(x, "can't give argument to non-function "
			    "%s", c->args[0]->chain[c->args[0]->nchain - 1]);
		return xerr(x, "can't give argument to non-function");
	}
	return eval_operand(x, c->args[0], dot, out);
}

/* Evaluate a pipeline; declarations bind in the current scope. */
static int
eval_pipe(struct texec *x, struct tpipe *pp, const struct tv *dot,
    struct tv *out)
{
	struct tv v;
	size_t i;
	int rc;

	if ((x->rc = rego_bi_step(x->ctx, 1)) != CCAKIT_OK)
		return X_ERR;
	if (++x->depth > T_MAX_DEPTH * 2)
		return xerr(x, "pipeline nested too deeply");
	x->line = pp->line;
	memset(&v, 0, sizeof(v));
	for (i = 0; i < pp->n; i++) {
		struct tv prev = v;

		if ((rc = eval_cmd(x, pp->cmds[i], dot, i > 0 ? &prev : NULL,
		    &v)) != X_OK)
			return rc;
	}
	x->depth--;
	if (pp->ndecl == 1) {
		if (pp->assign) {
			struct tvar *var = var_find(x, pp->decl[0]);

			if (var == NULL)
				return xerr(x, "undefined variable: %s",
				    pp->decl[0]);
			var->v = v;
		} else if ((rc = var_push(x, pp->decl[0], &v)) != X_OK) {
			return rc;
		}
	}
	*out = v;
	return X_OK;
}

static int exec_list(struct texec *x, const struct tlist *l,
    const struct tv *dot);

static int
exec_range(struct texec *x, const struct tnode *nd, const struct tv *dot)
{
	size_t mark = x->nvars, i, nvals;
	struct tv val, k, e;
	struct tpipe *pp = nd->pipe;
	const rv **keys = NULL;
	int rc;

	/* The declared variables are set per iteration, not to the
	 * pipeline's value. */
	{
		struct tpipe tmp = *pp;

		tmp.ndecl = 0;
		if ((rc = eval_pipe(x, &tmp, dot, &val)) != X_OK)
			return rc;
	}
	if (val.k == TV_INVALID || val.k == TV_NIL) {
		nvals = 0;
	} else if (val.k == TV_ARR || val.k == TV_MAP) {
		nvals = val.v->n;
		if (val.k == TV_MAP) {
			size_t nk = 0;

			if ((keys = ra_alloc(x->ar, (nvals + 1) *
			    sizeof(*keys))) == NULL) {
				x->rc = rego_bi_nomem(x->ctx);
				return X_ERR;
			}
			for (i = 0; i < nvals; i++)
				if (val.v->u.a[i]->t == RV_STR)
					keys[nk++] = val.v->u.a[i];
			qsort(keys, nk, sizeof(*keys), sort_keys_cmp);
			nvals = nk;
		}
	} else if (val.k == TV_INT) {
		if (val.i < 0)
			return xerr(x, "range can't iterate over %lld",
			    (long long)val.i);
		nvals = (size_t)val.i;
	} else {
		return xerr(x, "range can't iterate over %s",
		    val.k == TV_STR || val.k == TV_NUMSTR ? "a string" :
		    tv_type(&val));
	}
	if (nvals == 0) {
		x->nvars = mark;
		rc = exec_list(x, &nd->elselist, dot);
		x->nvars = mark;
		return rc;
	}
	for (i = 0; i < nvals; i++) {
		memset(&k, 0, sizeof(k));
		if (val.k == TV_MAP) {
			k = tv_of(x, keys[i]);
			e = tv_of(x, rv_obj_get(val.v, keys[i]));
		} else if (val.k == TV_ARR) {
			k.k = TV_INT;
			k.i = (int64_t)i;
			e = tv_of(x, val.v->u.a[i]);
		} else {
			k.k = TV_INT;
			k.i = (int64_t)i;
			e = k;
		}
		x->nvars = mark;
		if (pp->ndecl == 1) {
			if ((rc = var_push(x, pp->decl[0], &e)) != X_OK)
				return rc;
		} else if (pp->ndecl == 2) {
			if ((rc = var_push(x, pp->decl[0], &k)) != X_OK ||
			    (rc = var_push(x, pp->decl[1], &e)) != X_OK)
				return rc;
		}
		rc = exec_list(x, &nd->list, &e);
		if (rc == X_BREAK)
			break;
		if (rc != X_OK && rc != X_CONTINUE)
			return rc;
	}
	x->nvars = mark;
	return X_OK;
}

static int
exec_list(struct texec *x, const struct tlist *l, const struct tv *dot)
{
	size_t i, mark;
	struct tv v;
	int rc = X_OK;

	for (i = 0; i < l->n; i++) {
		const struct tnode *nd = l->v[i];

		if ((x->rc = rego_bi_step(x->ctx, 1)) != CCAKIT_OK)
			return X_ERR;
		x->line = nd->line;
		switch (nd->kind) {
		case N_TEXT:
			rb_put(x->out, nd->text, nd->len);
			break;
		case N_ACTION:
			if ((rc = eval_pipe(x, nd->pipe, dot, &v)) != X_OK)
				return rc;
			if (nd->pipe->ndecl == 0)
				tv_print(x, x->out, &v, 0);
			break;
		case N_IF:
		case N_WITH:
			mark = x->nvars;
			if ((rc = eval_pipe(x, nd->pipe, dot, &v)) != X_OK)
				return rc;
			if (tv_truth(&v))
				rc = exec_list(x, &nd->list,
				    nd->kind == N_WITH ? &v : dot);
			else
				rc = exec_list(x, &nd->elselist, dot);
			x->nvars = mark;
			if (rc != X_OK)
				return rc;
			break;
		case N_RANGE:
			if ((rc = exec_range(x, nd, dot)) != X_OK)
				return rc;
			break;
		case N_BREAK:
			return X_BREAK;
		case N_CONTINUE:
			return X_CONTINUE;
		default:
			break;
		}
		if (x->out->oom) {
			x->rc = rego_bi_nomem(x->ctx);
			return X_ERR;
		}
	}
	return X_OK;
}

static int
bi_render_template(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct tparse p;
	struct texec x;
	struct tlist root;
	struct alex dummy;
	struct tv dot;
	int end, rc;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	BI_NEED(ctx, a, 1, RV_OBJ, "object");
	memset(&p, 0, sizeof(p));
	memset(&root, 0, sizeof(root));
	p.ctx = ctx;
	p.ar = rego_bi_arena(ctx);
	p.s = a[0]->u.s;
	p.n = a[0]->n;
	p.line = 1;
	end = parse_list(&p, &root, &dummy, false);
	if (end != END_EOF) {
		if (p.err[0] != '\0')
			return ccakit_rego_bi_error(ctx, "%s", p.err);
		if (end == END_END || end == END_ELSE) {
			perr(&p, "unexpected {{%s}}", end == END_END ? "end" :
			    "else");
			return ccakit_rego_bi_error(ctx, "%s", p.err);
		}
		return p.rc != CCAKIT_OK ? p.rc : rego_bi_nomem(ctx);
	}
	memset(&x, 0, sizeof(x));
	x.ctx = ctx;
	x.ar = p.ar;
	x.out = rego_bi_buf(ctx);
	dot = tv_of(&x, a[1]);
	if (var_push(&x, "$", &dot) != X_OK)
		return x.rc;
	rc = exec_list(&x, &root, &dot);
	if (rc == X_ERR) {
		if (x.rc != 0)
			return x.rc;
		return ccakit_rego_bi_error(ctx, "%s", x.err);
	}
	if (x.out->oom)
		return rego_bi_nomem(ctx);
	NOMEM_IF(ctx, *out = rv_str(p.ar, rb_str(x.out), x.out->len));
	return CCAKIT_OK;
}

const struct rego_bi_def rego_bi_template[] = {
	{ "strings.render_template", 2, 0, bi_render_template },
	{ NULL, 0, 0, NULL },
};
