/*
 * TOML 1.0.0 parser: one pass over the bytes, recursive descent bounded
 * by the nesting cap, building the tree of toml_priv.h.
 *
 * Redefinition rules (TOML 1.0.0 "Table" and "Array of Tables"):
 *  - [a.b.c] creates a and b as implicit tables when absent; descending
 *    goes through tables (not inline ones) and into the last element of
 *    an array of tables; a static array or a scalar stops it;
 *  - [x] defines x once: an implicit table may be defined, nothing else;
 *  - [[x]] appends to an array of tables, or creates one when absent;
 *  - dotted keys create tables (kind TK_DOTTED) and may only go through
 *    tables created by dotted keys, so they never extend a table defined
 *    by a header, an implicit one, an inline table or an array element;
 *  - a plain key is defined once in its table.
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml/toml_priv.h"
#include "util/util.h"

struct pos {
	uint32_t line, col;
};

struct P {
	const uint8_t *s, *p, *end;
	uint32_t line;
	const uint8_t *ls;          /* start of the current line */
	const uint8_t *cptr;        /* column cache: cptr is at column ccol */
	uint32_t ccol;
	ccakit_toml *doc;           /* NULL when parsing a getter's path */
	struct cki_arena *arena;    /* where decoded keys go */
	unsigned max_depth;
	struct cki_tkey *segs;
	size_t maxsegs;
	char *sb;                   /* scratch for strings and numbers */
	size_t sblen, sbcap;
	const char *name;
	struct ccakit_errdetail *d;
};

#define AT_END(P) ((P)->p >= (P)->end)

static int
is_ws(int c)
{
	return c == ' ' || c == '\t';
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_bare(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    is_digit(c) || c == '-' || c == '_';
}

static int
is_ctrl(int c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* --- positions and errors --- */

static struct pos
at(struct P *P, const uint8_t *q)
{
	const uint8_t *from;
	uint32_t col;
	struct pos r;

	if (q < P->ls) {
		/* Not on the current line (never asked for today). */
		r.line = P->line;
		r.col = 1;
		return r;
	}
	if (P->cptr >= P->ls && P->cptr <= q) {
		from = P->cptr;
		col = P->ccol;
	} else {
		from = P->ls;
		col = 1;
	}
	for (; from < q; from++)
		if ((*from & 0xc0) != 0x80)
			col++;
	P->cptr = q;
	P->ccol = col;
	r.line = P->line;
	r.col = col;
	return r;
}

static struct pos
here(struct P *P)
{
	return at(P, P->p);
}

/* A newline ended just before q. */
static void
newline(struct P *P, const uint8_t *q)
{
	P->line++;
	P->ls = P->cptr = q;
	P->ccol = 1;
}

static int perr(struct P *P, struct pos ps, const char *fmt, ...)
    CKI_PRINTF(3, 4);

static int
perr(struct P *P, struct pos ps, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (P->doc == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	va_start(ap, fmt);
	r = cki_toml_vdetail(P->d, CCAKIT_ERR_TOML, P->name, ps.line, ps.col,
	    fmt, ap);
	va_end(ap);
	return r;
}

static int
nomem(struct P *P)
{
	return cki_detail(P->d, CCAKIT_ERR_NOMEM, NULL, "%s%sout of memory",
	    P->name != NULL ? P->name : "", P->name != NULL ? ": " : "");
}

/* A printable description of the character at q. */
static const char *
chdesc(struct P *P, const uint8_t *q, char *buf, size_t size)
{
	uint32_t cp;
	int n, i;

	if (q >= P->end)
		return "end of input";
	if (*q == '\n')
		return "end of line";
	if (*q == '\r')
		return "carriage return";
	if (*q >= 0x21 && *q < 0x7f) {
		(void)snprintf(buf, size, "'%c'", *q);
		return buf;
	}
	if (*q < 0x80) {
		(void)snprintf(buf, size, "U+%04X", *q);
		return buf;
	}
	/* Valid UTF-8 (checked before parsing). */
	n = *q >= 0xf0 ? 3 : *q >= 0xe0 ? 2 : 1;
	cp = (uint32_t)*q & (0x3fu >> n);
	for (i = 1; i <= n && q + i < P->end; i++)
		cp = (cp << 6) | (q[i] & 0x3fu);
	(void)snprintf(buf, size, "U+%04X", (unsigned)cp);
	return buf;
}

#define CH(P, q) chdesc((P), (q), chbuf, sizeof(chbuf))

/* --- scratch buffer --- */

static int
sb_put(struct P *P, const void *b, size_t n)
{
	char *nb;
	size_t ncap;

	if (P->sbcap - P->sblen < n + 1) {
		ncap = P->sbcap == 0 ? 64 : P->sbcap;
		while (ncap - P->sblen < n + 1) {
			if (ncap > SIZE_MAX / 2)
				return nomem(P);
			ncap *= 2;
		}
		if ((nb = realloc(P->sb, ncap)) == NULL)
			return nomem(P);
		P->sb = nb;
		P->sbcap = ncap;
	}
	memcpy(P->sb + P->sblen, b, n);
	P->sblen += n;
	P->sb[P->sblen] = '\0';
	return CCAKIT_OK;
}

static int
sb_ch(struct P *P, char c)
{
	return sb_put(P, &c, 1);
}

static int
sb_utf8(struct P *P, uint32_t cp)
{
	char b[4];

	return sb_put(P, b, cki_utf8_encode(cp, b));
}

/* Copy the scratch buffer into the arena, NUL-terminated. */
static int
sb_take(struct P *P, const char **out, size_t *len)
{
	char *s;

	if ((s = cki_arena_alloc(P->arena, P->sblen + 1)) == NULL)
		return nomem(P);
	memcpy(s, P->sb, P->sblen + 1);
	*out = s;
	*len = P->sblen;
	return CCAKIT_OK;
}

/* --- whitespace, comments, line ends --- */

static void
skip_ws(struct P *P)
{
	while (!AT_END(P) && is_ws(*P->p))
		P->p++;
}

/* At '#': skip the comment up to (not including) its line end. */
static int
comment(struct P *P)
{
	const uint8_t *q;

	for (q = P->p + 1; q < P->end; q++) {
		if (*q == '\n')
			break;
		if (*q == '\r') {
			if (q + 1 < P->end && q[1] == '\n')
				break;
			return perr(P, at(P, q),
			    "carriage return without line feed in a comment");
		}
		if (is_ctrl(*q))
			return perr(P, at(P, q),
			    "control character U+%04X in a comment", *q);
	}
	P->p = q;
	return CCAKIT_OK;
}

/* Consume one line end (LF or CRLF) if there is one: 1, 0, or < 0. */
static int
line_end(struct P *P)
{
	if (AT_END(P))
		return 0;
	if (*P->p == '\n') {
		P->p++;
		newline(P, P->p);
		return 1;
	}
	if (*P->p == '\r') {
		if (P->p + 1 < P->end && P->p[1] == '\n') {
			P->p += 2;
			newline(P, P->p);
			return 1;
		}
		return -perr(P, here(P), "carriage return without line feed");
	}
	return 0;
}

/* After an expression: whitespace, an optional comment, a line end. */
static int
end_of_line(struct P *P, const char *after)
{
	char chbuf[16];
	int r;

	skip_ws(P);
	if (!AT_END(P) && *P->p == '#' && (r = comment(P)) != CCAKIT_OK)
		return r;
	if (AT_END(P))
		return CCAKIT_OK;
	if ((r = line_end(P)) < 0)
		return -r;
	if (r == 1)
		return CCAKIT_OK;
	return perr(P, here(P), "expected end of line after %s, found %s",
	    after, CH(P, P->p));
}

/* Whitespace, comments and line ends (inside arrays). */
static int
skip_wscn(struct P *P)
{
	int r;

	for (;;) {
		skip_ws(P);
		if (AT_END(P))
			return CCAKIT_OK;
		if (*P->p == '#') {
			if ((r = comment(P)) != CCAKIT_OK)
				return r;
			continue;
		}
		if ((r = line_end(P)) < 0)
			return -r;
		if (r == 0)
			return CCAKIT_OK;
	}
}

/* --- strings --- */

/* At '\\' in a basic string: decode one escape into the scratch. */
static int
escape(struct P *P, int ml)
{
	static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
	const uint8_t *q = P->p;
	struct pos ep = here(P);
	const char *e;
	char chbuf[16];
	uint32_t cp = 0;
	int n, i, h;

	if (q + 1 >= P->end)
		return perr(P, ep, "unterminated string");
	if (q[1] != '\0' && (e = strchr(from, q[1])) != NULL) {
		P->p = q + 2;
		return sb_ch(P, to[e - from]);
	}
	if (q[1] == 'u' || q[1] == 'U') {
		n = q[1] == 'u' ? 4 : 8;
		for (i = 0; i < n; i++) {
			if (q + 2 + i >= P->end ||
			    (h = cki_hex_nibble(q[2 + i])) < 0)
				return perr(P, ep, "escape \\%c needs %d "
				    "hexadecimal digits", q[1], n);
			cp = (cp << 4) | (uint32_t)h;
		}
		if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return perr(P, ep, "escape \\%c%.*s is not a Unicode "
			    "scalar value", q[1], n, (const char *)q + 2);
		P->p = q + 2 + n;
		return sb_utf8(P, cp);
	}
	if (ml && (is_ws(q[1]) || q[1] == '\n' || q[1] == '\r')) {
		/* Line-ending backslash: whitespace, a line end, then
		 * every whitespace and line end up to the next text. */
		for (q++; q < P->end && is_ws(*q); q++)
			;
		if (q >= P->end || !(*q == '\n' || (*q == '\r' &&
		    q + 1 < P->end && q[1] == '\n')))
			return perr(P, ep, "a backslash followed by "
			    "whitespace must end the line");
		P->p = q;
		for (;;) {
			skip_ws(P);
			if ((n = line_end(P)) < 0)
				return -n;
			if (n == 0)
				return CCAKIT_OK;
		}
	}
	if (q[1] >= 0x21 && q[1] < 0x7f)
		return perr(P, ep, "invalid escape sequence \\%c", q[1]);
	return perr(P, ep, "invalid escape: backslash before %s",
	    CH(P, q + 1));
}

/*
 * A string at P->p (its opening quote): basic or literal, single- or
 * multi-line. The decoded text is left in the scratch buffer.
 */
static int
string(struct P *P, int literal, int ml)
{
	const uint8_t q = literal ? '\'' : '"';
	struct pos start = here(P);
	char chbuf[16];
	size_t run;
	int r;

	P->sblen = 0;
	if (sb_put(P, "", 0) != CCAKIT_OK)
		return CCAKIT_ERR_NOMEM;
	P->p += ml ? 3 : 1;
	if (ml && (r = line_end(P)) < 0)    /* newline after the opening */
		return -r;
	for (;;) {
		const uint8_t *s = P->p;

		if (AT_END(P))
			return perr(P, start, "unterminated string");
		/* Plain run. */
		while (!AT_END(P) && *P->p != q && *P->p != '\\' &&
		    *P->p != '\n' && *P->p != '\r' && !is_ctrl(*P->p))
			P->p++;
		if (P->p > s && (r = sb_put(P, s, (size_t)(P->p - s))) !=
		    CCAKIT_OK)
			return r;
		if (AT_END(P))
			return perr(P, start, "unterminated string");
		if (*P->p == q) {
			if (!ml) {
				P->p++;
				return CCAKIT_OK;
			}
			for (run = 0; P->p + run < P->end && P->p[run] == q;
			    run++)
				;
			if (run >= 3) {
				if (run > 5)
					return perr(P, at(P, P->p + 5),
					    "too many quotes at the end of a "
					    "multi-line string");
				if ((r = sb_put(P, P->p, run - 3)) !=
				    CCAKIT_OK)
					return r;
				P->p += run;
				return CCAKIT_OK;
			}
			if ((r = sb_put(P, P->p, run)) != CCAKIT_OK)
				return r;
			P->p += run;
			continue;
		}
		if (*P->p == '\\' && !literal) {
			if ((r = escape(P, ml)) != CCAKIT_OK)
				return r;
			continue;
		}
		if (*P->p == '\\') {
			if ((r = sb_ch(P, '\\')) != CCAKIT_OK)
				return r;
			P->p++;
			continue;
		}
		if (*P->p == '\r' && !(P->p + 1 < P->end && P->p[1] == '\n'))
			return perr(P, here(P), "carriage return without line "
			    "feed in a string");
		if (*P->p == '\n' || *P->p == '\r') {
			if (!ml)
				return perr(P, here(P), "%s in a single-line "
				    "string (unterminated string?)",
				    CH(P, P->p));
			if ((r = line_end(P)) < 0)
				return -r;
			/* CRLF is read as LF, as toml-rs does. */
			if ((r = sb_ch(P, '\n')) != CCAKIT_OK)
				return r;
			continue;
		}
		return perr(P, here(P), "control character U+%04X in a string"
		    "%s", *P->p, literal ? "" : " (write it as an escape)");
	}
}

/* --- keys --- */

static int
simple_key(struct P *P, struct cki_tkey *k)
{
	struct pos ps = here(P);
	const uint8_t *s = P->p;
	char chbuf[16];
	int r;

	k->line = ps.line;
	k->col = ps.col;
	if (AT_END(P))
		return perr(P, ps, "expected a key, found end of input");
	if (*P->p == '"' || *P->p == '\'') {
		if (P->end - P->p >= 3 && P->p[1] == *P->p &&
		    P->p[2] == *P->p)
			return perr(P, ps, "a multi-line string cannot be a "
			    "key");
		if ((r = string(P, *P->p == '\'', 0)) != CCAKIT_OK)
			return r;
	} else if (is_bare(*P->p)) {
		while (!AT_END(P) && is_bare(*P->p))
			P->p++;
		P->sblen = 0;
		if ((r = sb_put(P, s, (size_t)(P->p - s))) != CCAKIT_OK)
			return r;
	} else
		return perr(P, ps, "expected a key, found %s", CH(P, P->p));
	return sb_take(P, &k->s, &k->len);
}

/* A possibly dotted key into P->segs; trailing whitespace skipped. */
static int
key(struct P *P, size_t *n)
{
	int r;

	*n = 0;
	for (;;) {
		if (*n == P->maxsegs)
			return perr(P, here(P), "key with more than %zu parts "
			    "(nesting limit)", P->maxsegs);
		if ((r = simple_key(P, &P->segs[*n])) != CCAKIT_OK)
			return r;
		(*n)++;
		skip_ws(P);
		if (AT_END(P) || *P->p != '.')
			return CCAKIT_OK;
		P->p++;
		skip_ws(P);
	}
}

/* --- tree building --- */

static int
path_text(const ccakit_toml_value *v, const struct cki_tkey *k, char *buf,
    size_t size)
{
	size_t n = ccakit_toml_path(v, buf, size);

	if (k != NULL && n < size) {
		if (n > 0 && n + 1 < size)
			buf[n++] = '.';
		(void)cki_toml_key_text(k->s, k->len, buf + n, size - n);
	}
	return 0;
}

/* Where a table was needed and v was found. */
enum cx {
	CX_DOTTED,       /* a dotted key's prefix */
	CX_HEADER,       /* a [header]: its path or the table it defines */
	CX_AOT,          /* the array a [[header]] appends to */
};

static const char *
a_type(uint8_t type)
{
	switch (type) {
	case CCAKIT_TOML_INTEGER: return "an integer";
	case CCAKIT_TOML_DATETIME: return "an offset date-time";
	case CCAKIT_TOML_ARRAY: return "an array";
	case CCAKIT_TOML_STRING: return "a string";
	case CCAKIT_TOML_FLOAT: return "a float";
	case CCAKIT_TOML_BOOL: return "a boolean";
	case CCAKIT_TOML_DATETIME_LOCAL: return "a local date-time";
	case CCAKIT_TOML_DATE_LOCAL: return "a local date";
	case CCAKIT_TOML_TIME_LOCAL: return "a local time";
	default: return "a table";
	}
}

/* Why v cannot be used as the context needs. */
static int
conflict(struct P *P, const ccakit_toml_value *v, const struct cki_tkey *k,
    enum cx cx)
{
	struct pos ps = { k->line, k->col };
	char path[96];

	(void)path_text(v, NULL, path, sizeof(path));
	if (v->type == CCAKIT_TOML_TABLE && v->kind == TK_INLINE)
		return perr(P, ps, "inline table '%s' (line %u) cannot be "
		    "extended", path, v->kline);
	if (v->type == CCAKIT_TOML_TABLE && cx == CX_DOTTED)
		return perr(P, ps, "table '%s' is %s by a header (line %u); "
		    "dotted keys cannot add to it", path, v->kind ==
		    TK_IMPLICIT ? "created" : "defined", v->kline);
	if (v->type == CCAKIT_TOML_TABLE && cx == CX_HEADER)
		return perr(P, ps, "table '%s' is already defined by dotted "
		    "keys (line %u)", path, v->kline);
	if (v->type == CCAKIT_TOML_ARRAY && v->kind == TK_AOT)
		return perr(P, ps, "'%s' is an array of tables (line %u)%s",
		    path, v->kline, cx == CX_DOTTED ? "; dotted keys cannot "
		    "add to it" : ", not a table");
	if (v->type == CCAKIT_TOML_ARRAY && cx == CX_AOT)
		return perr(P, ps, "'%s' is a static array (line %u); [[%s]] "
		    "cannot extend it", path, v->kline, path);
	return perr(P, ps, "'%s' is %s (line %u), not %s", path,
	    a_type(v->type), v->kline, cx == CX_AOT ? "an array of tables" :
	    "a table");
}

static int
too_deep(struct P *P, struct pos ps)
{
	return perr(P, ps, "nesting deeper than %u levels", P->max_depth);
}

/* A new table under t named k (already checked absent). */
static int
new_table(struct P *P, ccakit_toml_value *t, const struct cki_tkey *k,
    uint8_t kind, ccakit_toml_value **out)
{
	ccakit_toml_value *n;
	struct pos ps = { k->line, k->col };

	if (t->depth + 1 > P->max_depth)
		return too_deep(P, ps);
	if ((n = cki_toml_node(P->doc, CCAKIT_TOML_TABLE, kind,
	    t->depth + 1)) == NULL)
		return nomem(P);
	n->line = n->kline = k->line;
	n->col = n->kcol = k->col;
	if (cki_toml_insert(P->doc, t, n, k->s, k->len) != CCAKIT_OK)
		return nomem(P);
	*out = n;
	return CCAKIT_OK;
}

static int value(struct P *P, uint32_t depth, ccakit_toml_value **out);

/* key = value, into table t (a section's table or an inline table). */
static int
keyval(struct P *P, ccakit_toml_value *t)
{
	ccakit_toml_value *c, *v;
	struct cki_tkey *k, last;
	char chbuf[16], path[96];
	size_t n, i;
	int r;

	if ((r = key(P, &n)) != CCAKIT_OK)
		return r;
	if (AT_END(P) || *P->p != '=')
		return perr(P, here(P), "expected '=' after a key, found %s",
		    CH(P, P->p));
	P->p++;
	skip_ws(P);
	for (i = 0; i + 1 < n; i++) {
		k = &P->segs[i];
		if ((c = cki_toml_find(P->doc, t, k->s, k->len)) == NULL) {
			if ((r = new_table(P, t, k, TK_DOTTED, &c)) !=
			    CCAKIT_OK)
				return r;
		} else if (c->type != CCAKIT_TOML_TABLE ||
		    c->kind != TK_DOTTED)
			return conflict(P, c, k, CX_DOTTED);
		t = c;
	}
	/* A copy: an inline table in the value reuses P->segs. */
	last = P->segs[n - 1];
	if ((c = cki_toml_find(P->doc, t, last.s, last.len)) != NULL) {
		(void)path_text(c, NULL, path, sizeof(path));
		return perr(P, (struct pos){ last.line, last.col },
		    "duplicate key '%s' (first defined at line %u)", path,
		    c->kline);
	}
	if ((r = value(P, t->depth + 1, &v)) != CCAKIT_OK)
		return r;
	v->kline = last.line;
	v->kcol = last.col;
	if (cki_toml_insert(P->doc, t, v, last.s, last.len) != CCAKIT_OK)
		return nomem(P);
	return CCAKIT_OK;
}

/* [header] or [[header]]: *cur becomes the table that follows. */
static int
header(struct P *P, ccakit_toml_value **cur)
{
	ccakit_toml_value *t = &P->doc->root, *c, *a;
	struct cki_tkey *k;
	char chbuf[16];
	size_t n, i;
	int aot, r;

	aot = P->p + 1 < P->end && P->p[1] == '[';
	P->p += aot ? 2 : 1;
	skip_ws(P);
	if ((r = key(P, &n)) != CCAKIT_OK)
		return r;
	if (AT_END(P) || *P->p != ']' || (aot && (P->p + 1 >= P->end ||
	    P->p[1] != ']')))
		return perr(P, here(P), "expected '%s' to close the %s header,"
		    " found %s", aot ? "]]" : "]", aot ? "array of tables" :
		    "table", CH(P, P->p));
	P->p += aot ? 2 : 1;
	for (i = 0; i + 1 < n; i++) {
		k = &P->segs[i];
		if ((c = cki_toml_find(P->doc, t, k->s, k->len)) == NULL) {
			if ((r = new_table(P, t, k, TK_IMPLICIT, &c)) !=
			    CCAKIT_OK)
				return r;
		} else if (c->type == CCAKIT_TOML_ARRAY && c->kind == TK_AOT)
			c = c->u.vec.v[c->u.vec.len - 1];
		else if (c->type != CCAKIT_TOML_TABLE || c->kind == TK_INLINE)
			return conflict(P, c, k, CX_HEADER);
		t = c;
	}
	k = &P->segs[n - 1];
	c = cki_toml_find(P->doc, t, k->s, k->len);
	if (!aot) {
		if (c == NULL) {
			if ((r = new_table(P, t, k, TK_HEADER, &c)) !=
			    CCAKIT_OK)
				return r;
		} else if (c->type == CCAKIT_TOML_TABLE &&
		    c->kind == TK_IMPLICIT) {
			c->kind = TK_HEADER;
			c->line = c->kline = k->line;
			c->col = c->kcol = k->col;
		} else if (c->type == CCAKIT_TOML_TABLE &&
		    c->kind == TK_HEADER) {
			char path[96];

			(void)path_text(c, NULL, path, sizeof(path));
			return perr(P, (struct pos){ k->line, k->col },
			    "table '%s' defined twice (first at line %u)",
			    path, c->kline);
		} else
			return conflict(P, c, k, CX_HEADER);
		*cur = c;
		return CCAKIT_OK;
	}
	if (c == NULL) {
		if (t->depth + 1 > P->max_depth)
			return too_deep(P, (struct pos){ k->line, k->col });
		if ((a = cki_toml_node(P->doc, CCAKIT_TOML_ARRAY, TK_AOT,
		    t->depth + 1)) == NULL)
			return nomem(P);
		a->line = a->kline = k->line;
		a->col = a->kcol = k->col;
		if (cki_toml_insert(P->doc, t, a, k->s, k->len) != CCAKIT_OK)
			return nomem(P);
	} else if (c->type == CCAKIT_TOML_ARRAY && c->kind == TK_AOT)
		a = c;
	else
		return conflict(P, c, k, CX_AOT);
	if (a->depth + 1 > P->max_depth)
		return too_deep(P, (struct pos){ k->line, k->col });
	if ((c = cki_toml_node(P->doc, CCAKIT_TOML_TABLE, TK_HEADER,
	    a->depth + 1)) == NULL)
		return nomem(P);
	c->line = c->kline = k->line;
	c->col = c->kcol = k->col;
	if (cki_toml_push(P->doc, a, c) != CCAKIT_OK)
		return nomem(P);
	*cur = c;
	return CCAKIT_OK;
}

/* --- values --- */

static ccakit_toml_value *
scalar(struct P *P, uint8_t type, uint32_t depth, struct pos ps)
{
	ccakit_toml_value *v;

	if ((v = cki_toml_node(P->doc, type, TK_NONE, depth)) == NULL)
		return NULL;
	v->line = v->kline = ps.line;
	v->col = v->kcol = ps.col;
	return v;
}

static int
is_digit_radix(int c, int radix)
{
	if (radix == 16)
		return cki_hex_nibble(c) >= 0;
	return c >= '0' && c < '0' + radix;
}

/* Digits of a radix with single underscores between them, appended to
 * the scratch without the underscores. *nd: number of digits. */
static int
digits(struct P *P, int radix, size_t *nd)
{
	int r;

	*nd = 0;
	for (;;) {
		if (!AT_END(P) && is_digit_radix(*P->p, radix)) {
			if ((r = sb_ch(P, (char)*P->p)) != CCAKIT_OK)
				return r;
			P->p++;
			(*nd)++;
		} else if (!AT_END(P) && *P->p == '_') {
			if (*nd == 0 || P->p + 1 >= P->end ||
			    !is_digit_radix(P->p[1], radix))
				return perr(P, here(P), "an underscore must "
				    "be between two digits");
			P->p++;
		} else if (!AT_END(P) && radix < 10 && is_digit(*P->p))
			return perr(P, here(P), "digit '%c' in a base-%d "
			    "integer", *P->p, radix);
		else
			return CCAKIT_OK;
	}
}

static int
integer_value(struct P *P, const char *dig, int radix, int neg,
    struct pos ps, int64_t *out)
{
	uint64_t mag = 0, lim, dv;

	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; *dig != '\0'; dig++) {
		dv = (uint64_t)cki_hex_nibble(*dig);
		if (mag > (lim - dv) / (uint64_t)radix)
			return perr(P, ps, "integer out of the 64-bit range "
			    "[-9223372036854775808, 9223372036854775807]");
		mag = mag * (uint64_t)radix + dv;
	}
	if (neg)
		*out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
		    -(int64_t)mag;
	else
		*out = (int64_t)mag;
	return CCAKIT_OK;
}

static int
float_value(struct P *P, struct pos ps, double *out)
{
	const char *dp = localeconv()->decimal_point;
	char *e, *dot;
	double f;
	int r;

	/* strtod follows LC_NUMERIC: write its decimal point. */
	if (dp != NULL && strcmp(dp, ".") != 0 && dp[0] != '\0' &&
	    (dot = strchr(P->sb, '.')) != NULL) {
		size_t off = (size_t)(dot - P->sb), dl = strlen(dp);
		size_t tail = P->sblen - off - 1;

		if ((r = sb_put(P, dp, dl)) != CCAKIT_OK)   /* make room */
			return r;
		memmove(P->sb + off + dl, P->sb + off + 1, tail);
		memcpy(P->sb + off, dp, dl);
		P->sblen = off + dl + tail;
		P->sb[P->sblen] = '\0';
	}
	errno = 0;
	f = strtod(P->sb, &e);
	if (*e != '\0')
		return perr(P, ps, "malformed float");
	if (errno == ERANGE && isinf(f))
		return perr(P, ps, "float out of the binary64 range");
	*out = f;
	return CCAKIT_OK;
}

static int
ndigits(const uint8_t *p, const uint8_t *end, int n)
{
	int v = 0, i;

	if (end - p < n)
		return -1;
	for (i = 0; i < n; i++) {
		if (!is_digit(p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

static int
days_in_month(int y, int m)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

/* A date-time of any kind; P->p at its first digit. */
static int
datetime(struct P *P, int hasdate, uint32_t depth, ccakit_toml_value **out)
{
	struct ccakit_toml_datetime *dt;
	const uint8_t *st = P->p, *p;
	struct pos ps = here(P);
	ccakit_toml_value *v;
	size_t len;
	int sign, oh, om, n;
	uint32_t scale;

	if ((dt = cki_arena_alloc(&P->doc->arena, sizeof(*dt))) == NULL)
		return nomem(P);
	memset(dt, 0, sizeof(*dt));
	p = P->p;
	if (hasdate) {
		if ((dt->year = ndigits(p, P->end, 4)) < 0 || p[4] != '-' ||
		    (dt->month = ndigits(p + 5, P->end, 2)) < 0 ||
		    P->end - p < 8 || p[7] != '-' ||
		    (dt->day = ndigits(p + 8, P->end, 2)) < 0)
			return perr(P, ps, "malformed date (YYYY-MM-DD)");
		if (dt->month < 1 || dt->month > 12 || dt->day < 1 ||
		    dt->day > days_in_month(dt->year, dt->month))
			return perr(P, ps, "no such date: %.10s",
			    (const char *)p);
		p += 10;
		dt->kind = CCAKIT_TOML_DATE_LOCAL;
		if (p < P->end && (*p == 'T' || *p == 't'))
			p++;
		else if (P->end - p >= 4 && *p == ' ' && is_digit(p[1]) &&
		    is_digit(p[2]) && p[3] == ':')
			p++;
		else
			goto done;
	}
	if ((dt->hour = ndigits(p, P->end, 2)) < 0 || P->end - p < 3 ||
	    p[2] != ':' || (dt->minute = ndigits(p + 3, P->end, 2)) < 0 ||
	    P->end - p < 6 || p[5] != ':' ||
	    (dt->second = ndigits(p + 6, P->end, 2)) < 0)
		return perr(P, at(P, p), "malformed time (HH:MM:SS)");
	if (dt->hour > 23 || dt->minute > 59 || dt->second > 60)
		return perr(P, at(P, p), "no such time: %.8s",
		    (const char *)p);
	p += 8;
	if (p < P->end && *p == '.') {
		p++;
		if (p >= P->end || !is_digit(*p))
			return perr(P, at(P, p), "expected a digit after the "
			    "decimal point of the seconds");
		for (n = 0, scale = 100000000; p < P->end && is_digit(*p);
		    p++, n++) {
			if (n < 9) {
				dt->nanosecond += (uint32_t)(*p - '0') * scale;
				scale /= 10;
			}
		}
	}
	if (!hasdate)
		dt->kind = CCAKIT_TOML_TIME_LOCAL;
	else if (p < P->end && (*p == 'Z' || *p == 'z')) {
		p++;
		dt->kind = CCAKIT_TOML_DATETIME;
	} else if (p < P->end && (*p == '+' || *p == '-')) {
		sign = *p == '-' ? -1 : 1;
		if ((oh = ndigits(p + 1, P->end, 2)) < 0 || P->end - p < 4 ||
		    p[3] != ':' || (om = ndigits(p + 4, P->end, 2)) < 0)
			return perr(P, at(P, p), "malformed offset (Z or "
			    "+HH:MM)");
		if (oh > 23 || om > 59)
			return perr(P, at(P, p), "no such offset: %.6s",
			    (const char *)p);
		dt->offset_minutes = sign * (oh * 60 + om);
		dt->kind = CCAKIT_TOML_DATETIME;
		p += 6;
	} else
		dt->kind = CCAKIT_TOML_DATETIME_LOCAL;
done:
	P->p = p;
	len = (size_t)(p - st);
	P->sblen = 0;
	if (sb_put(P, st, len) != CCAKIT_OK ||
	    sb_take(P, &dt->text, &len) != CCAKIT_OK)
		return CCAKIT_ERR_NOMEM;
	if ((v = scalar(P, (uint8_t)dt->kind, depth, ps)) == NULL)
		return nomem(P);
	v->u.dt = dt;
	*out = v;
	return CCAKIT_OK;
}

/* An integer, a float or a date-time. */
static int
number(struct P *P, uint32_t depth, ccakit_toml_value **out)
{
	struct pos ps = here(P);
	ccakit_toml_value *v;
	const uint8_t *p = P->p;
	int neg = 0, sign = 0, isfloat = 0, radix = 10, r;
	char chbuf[16];
	size_t nd;
	int64_t i = 0;
	double f = 0;

	if (ndigits(p, P->end, 4) >= 0 && P->end - p > 4 && p[4] == '-')
		return datetime(P, 1, depth, out);
	if (ndigits(p, P->end, 2) >= 0 && P->end - p > 2 && p[2] == ':')
		return datetime(P, 0, depth, out);
	P->sblen = 0;
	if ((r = sb_put(P, "", 0)) != CCAKIT_OK)
		return r;
	if (*p == '+' || *p == '-') {
		neg = *p == '-';
		sign = 1;
		if ((r = sb_ch(P, (char)*p)) != CCAKIT_OK)
			return r;
		p++;
	}
	P->p = p;
	if (P->end - p >= 3 && (memcmp(p, "inf", 3) == 0 ||
	    memcmp(p, "nan", 3) == 0)) {
		f = *p == 'i' ? (double)INFINITY : (double)NAN;
		if (neg)
			f = -f;
		P->p += 3;
		isfloat = 1;
		goto make;
	}
	if (P->end - p >= 2 && p[0] == '0' &&
	    (p[1] == 'x' || p[1] == 'o' || p[1] == 'b')) {
		if (sign)
			return perr(P, ps, "a sign is not allowed before "
			    "0%c", p[1]);
		radix = p[1] == 'x' ? 16 : p[1] == 'o' ? 8 : 2;
		P->p += 2;
		P->sblen = 0;
		if ((r = digits(P, radix, &nd)) != CCAKIT_OK)
			return r;
		if (nd == 0)
			return perr(P, ps, "expected digits after 0%c", p[1]);
		if ((r = integer_value(P, P->sb, radix, 0, ps, &i)) !=
		    CCAKIT_OK)
			return r;
		goto make;
	}
	if ((r = digits(P, 10, &nd)) != CCAKIT_OK)
		return r;
	if (nd == 0)
		return sign ? perr(P, ps, "expected a digit, inf or nan after "
		    "the sign") : perr(P, ps, "expected a value, found %s",
		    CH(P, p));
	if (nd > 1 && p[0] == '0')
		return perr(P, ps, "leading zeros are not allowed");
	if (!AT_END(P) && *P->p == '.') {
		isfloat = 1;
		P->p++;
		if ((r = sb_ch(P, '.')) != CCAKIT_OK ||
		    (r = digits(P, 10, &nd)) != CCAKIT_OK)
			return r;
		if (nd == 0)
			return perr(P, here(P), "expected a digit after the "
			    "decimal point");
	}
	if (!AT_END(P) && (*P->p == 'e' || *P->p == 'E')) {
		isfloat = 1;
		P->p++;
		if ((r = sb_ch(P, 'e')) != CCAKIT_OK)
			return r;
		if (!AT_END(P) && (*P->p == '+' || *P->p == '-')) {
			if ((r = sb_ch(P, (char)*P->p)) != CCAKIT_OK)
				return r;
			P->p++;
		}
		if ((r = digits(P, 10, &nd)) != CCAKIT_OK)
			return r;
		if (nd == 0)
			return perr(P, here(P), "expected a digit in the "
			    "exponent");
	}
	if (isfloat)
		r = float_value(P, ps, &f);
	else
		r = integer_value(P, P->sb + sign, 10, neg, ps, &i);
	if (r != CCAKIT_OK)
		return r;
make:
	if ((v = scalar(P, isfloat ? CCAKIT_TOML_FLOAT : CCAKIT_TOML_INTEGER,
	    depth, ps)) == NULL)
		return nomem(P);
	if (isfloat)
		v->u.f = f;
	else
		v->u.i = i;
	*out = v;
	return CCAKIT_OK;
}

static int
array(struct P *P, uint32_t depth, ccakit_toml_value **out)
{
	struct pos ps = here(P);
	ccakit_toml_value *a, *e;
	char chbuf[16];
	int r;

	if (depth > P->max_depth)
		return too_deep(P, ps);
	if ((a = scalar(P, CCAKIT_TOML_ARRAY, depth, ps)) == NULL)
		return nomem(P);
	a->kind = TK_INLINE;
	P->p++;
	for (;;) {
		if ((r = skip_wscn(P)) != CCAKIT_OK)
			return r;
		if (AT_END(P))
			return perr(P, ps, "unterminated array");
		if (*P->p == ']')
			break;
		if ((r = value(P, depth + 1, &e)) != CCAKIT_OK)
			return r;
		if (cki_toml_push(P->doc, a, e) != CCAKIT_OK)
			return nomem(P);
		if ((r = skip_wscn(P)) != CCAKIT_OK)
			return r;
		if (AT_END(P))
			return perr(P, ps, "unterminated array");
		if (*P->p == ',') {
			P->p++;
			continue;
		}
		if (*P->p == ']')
			break;
		return perr(P, here(P), "expected ',' or ']' in an array, "
		    "found %s", CH(P, P->p));
	}
	P->p++;
	*out = a;
	return CCAKIT_OK;
}

static int
inline_table(struct P *P, uint32_t depth, ccakit_toml_value **out)
{
	struct pos ps = here(P);
	ccakit_toml_value *t;
	char chbuf[16];
	int r;

	if (depth > P->max_depth)
		return too_deep(P, ps);
	if ((t = scalar(P, CCAKIT_TOML_TABLE, depth, ps)) == NULL)
		return nomem(P);
	t->kind = TK_INLINE;
	P->p++;
	skip_ws(P);
	if (!AT_END(P) && *P->p == '}') {
		P->p++;
		*out = t;
		return CCAKIT_OK;
	}
	for (;;) {
		if ((r = keyval(P, t)) != CCAKIT_OK)
			return r;
		skip_ws(P);
		if (AT_END(P))
			return perr(P, ps, "unterminated inline table");
		if (*P->p == ',') {
			P->p++;
			skip_ws(P);
			if (!AT_END(P) && *P->p == '}')
				return perr(P, here(P), "trailing comma in an "
				    "inline table");
			continue;
		}
		if (*P->p == '}')
			break;
		if (*P->p == '\n' || *P->p == '\r')
			return perr(P, here(P), "line end in an inline table "
			    "(TOML 1.0 inline tables are on one line)");
		return perr(P, here(P), "expected ',' or '}' in an inline "
		    "table, found %s", CH(P, P->p));
	}
	P->p++;
	*out = t;
	return CCAKIT_OK;
}

static int
value(struct P *P, uint32_t depth, ccakit_toml_value **out)
{
	struct pos ps = here(P);
	ccakit_toml_value *v;
	const uint8_t *p = P->p;
	char chbuf[16];
	int r, ml;

	if (AT_END(P))
		return perr(P, ps, "expected a value, found end of input");
	switch (*p) {
	case '"':
	case '\'':
		ml = P->end - p >= 3 && p[1] == *p && p[2] == *p;
		if ((r = string(P, *p == '\'', ml)) != CCAKIT_OK)
			return r;
		if ((v = scalar(P, CCAKIT_TOML_STRING, depth, ps)) == NULL ||
		    sb_take(P, &v->u.str.s, &v->u.str.len) != CCAKIT_OK)
			return nomem(P);
		*out = v;
		return CCAKIT_OK;
	case '[':
		return array(P, depth, out);
	case '{':
		return inline_table(P, depth, out);
	case 't':
	case 'f':
		if (P->end - p >= 4 && memcmp(p, "true", 4) == 0) {
			P->p += 4;
			r = 1;
		} else if (P->end - p >= 5 && memcmp(p, "false", 5) == 0) {
			P->p += 5;
			r = 0;
		} else
			break;
		if ((v = scalar(P, CCAKIT_TOML_BOOL, depth, ps)) == NULL)
			return nomem(P);
		v->u.b = r != 0;
		*out = v;
		return CCAKIT_OK;
	case 'i':
	case 'n':
	case '+':
	case '-':
		return number(P, depth, out);
	default:
		if (is_digit(*p))
			return number(P, depth, out);
		break;
	}
	return perr(P, ps, "expected a value, found %s", CH(P, p));
}

/* --- documents --- */

static int
document(struct P *P)
{
	ccakit_toml_value *cur = &P->doc->root;
	const char *after;
	int r;

	if (P->end - P->p >= 3 && memcmp(P->p, "\xef\xbb\xbf", 3) == 0)
		P->p += 3;
	P->ls = P->cptr = P->p;
	while (!AT_END(P)) {
		skip_ws(P);
		after = "the value";
		if (!AT_END(P) && *P->p == '[') {
			if ((r = header(P, &cur)) != CCAKIT_OK)
				return r;
			after = "the header";
		} else if (!AT_END(P) && *P->p != '#' && *P->p != '\n' &&
		    *P->p != '\r') {
			if ((r = keyval(P, cur)) != CCAKIT_OK)
				return r;
		}
		if ((r = end_of_line(P, after)) != CCAKIT_OK)
			return r;
	}
	return CCAKIT_OK;
}

static void
init(struct P *P, const uint8_t *s, size_t len)
{
	memset(P, 0, sizeof(*P));
	P->s = P->p = P->ls = P->cptr = s;
	P->end = s + len;
	P->line = 1;
	P->ccol = 1;
}

int
ccakit_toml_parse(ccakit_toml *doc, const char *text, size_t len,
    const char *name, const struct ccakit_toml_limits *lim,
    struct ccakit_errdetail *d)
{
	struct P P;
	size_t max_size = CCAKIT_TOML_MAX_SIZE, bad, i;
	unsigned max_depth = CCAKIT_TOML_MAX_DEPTH;
	const uint8_t *s = (const uint8_t *)text;
	int r;

	if (doc == NULL || doc->parsed || (text == NULL && len > 0))
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (name != NULL && name[0] == '\0')
		name = NULL;
	if (lim != NULL && lim->max_size != 0)
		max_size = lim->max_size;
	if (lim != NULL && lim->max_depth != 0)
		max_depth = lim->max_depth;
	if (max_depth > CCAKIT_TOML_DEPTH_LIMIT)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL,
		    "nesting limit %u above %u", max_depth,
		    CCAKIT_TOML_DEPTH_LIMIT);
	if (len > max_size)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, NULL, "%s%s%zu "
		    "bytes, more than the limit of %zu", name != NULL ? name :
		    "", name != NULL ? ": " : "", len, max_size);
	if (s == NULL)
		s = (const uint8_t *)"";
	init(&P, s, len);
	P.name = name;
	P.d = d;
	P.max_depth = max_depth;
	if (cki_toml_prepare(doc, name, len < SIZE_MAX / 2 ? 2 * len : len) !=
	    CCAKIT_OK) {
		cki_toml_reset(doc);
		return nomem(&P);
	}
	P.doc = doc;
	P.name = doc->name;
	P.arena = &doc->arena;
	P.maxsegs = max_depth;
	if ((P.segs = calloc(P.maxsegs, sizeof(*P.segs))) == NULL) {
		r = nomem(&P);
		goto out;
	}
	if ((bad = cki_utf8_check(s, len)) < len) {
		/* Position of the bad byte: one scan, on the error path. */
		for (i = 0; i < bad; i++)
			if (s[i] == '\n')
				newline(&P, s + i + 1);
		r = perr(&P, at(&P, s + bad), "invalid UTF-8 (byte 0x%02X)",
		    s[bad]);
		goto out;
	}
	r = document(&P);
out:
	free(P.segs);
	free(P.sb);
	if (r != CCAKIT_OK)
		cki_toml_reset(doc);
	else
		doc->parsed = true;
	return r;
}

int
ccakit_toml_parse_file(ccakit_toml *doc, const char *path,
    const struct ccakit_toml_limits *lim, struct ccakit_errdetail *d)
{
	size_t max_size = CCAKIT_TOML_MAX_SIZE, len;
	const char *name;
	uint8_t *buf;
	int r;

	if (path == NULL || doc == NULL || doc->parsed)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	if (lim != NULL && lim->max_size != 0)
		max_size = lim->max_size;
	if ((r = cki_read_file(path, max_size, &buf, &len)) != CCAKIT_OK) {
		if (r == CCAKIT_ERR_TOO_LARGE)
			return cki_detail(d, r, NULL, "%s: larger than the "
			    "limit of %zu bytes", name, max_size);
		if (r == CCAKIT_ERR_IO)
			return cki_detail(d, r, NULL, "%s: %s", name,
			    strerror(errno));
		return cki_detail(d, r, NULL, "%s: %s", name,
		    ccakit_strerror(r));
	}
	r = ccakit_toml_parse(doc, (const char *)buf, len, name, lim, d);
	free(buf);
	return r;
}

int
cki_toml_parse_path(struct cki_arena *a, const char *path,
    struct cki_tkey *segs, size_t max, size_t *n)
{
	struct P P;
	size_t len;
	int r;

	if (path == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	len = strlen(path);
	if (cki_utf8_check((const uint8_t *)path, len) != len)
		return CCAKIT_ERR_INVALID_ARG;
	init(&P, (const uint8_t *)path, len);
	P.arena = a;
	P.segs = segs;
	P.maxsegs = max;
	skip_ws(&P);
	r = key(&P, n);
	free(P.sb);
	if (r != CCAKIT_OK)
		return r;
	return AT_END(&P) ? CCAKIT_OK : CCAKIT_ERR_INVALID_ARG;
}
