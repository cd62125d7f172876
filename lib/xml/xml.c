/*
 * A strict XML 1.0 + Namespaces parser (include/ccakit/xml.h): one pass
 * over input checked first to be UTF-8 made of XML characters, an
 * explicit stack of open elements (no recursion), the tree built as an
 * array of elements in document order (an element's descendants are the
 * elements that follow it up to its `end`), strings in an arena.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/xml.h>

#include "util/util.h"

#define NS_XMLNS "http://www.w3.org/2000/xmlns/"
#define NONE SIZE_MAX

struct xml_attr {
	const char *ns, *local, *value;
};

struct ccakit_xml_elem {
	const ccakit_xml *doc;
	size_t parent;                  /* NONE for the root */
	size_t end;                     /* past the last descendant */
	const char *ns, *local, *text;
	struct xml_attr *attrs;
	size_t nattrs;
};

struct ccakit_xml {
	struct cki_arena arena;
	struct ccakit_xml_elem *el;
	size_t nel;
};

/* An open element. */
struct open {
	size_t el;
	const uint8_t *qn;              /* its name as written */
	size_t qlen;
	size_t nsmark;                  /* bindings before its own */
	size_t textmark;                /* its text starts there in tb */
};

/* A namespace binding in scope: prefix ("" for the default) -> uri
 * ("" undeclares the default namespace). */
struct nsb {
	const uint8_t *prefix;
	size_t plen;
	const char *uri;
};

/* An attribute of the start tag being read, before names are resolved. */
struct rawattr {
	const uint8_t *qn;
	size_t qlen, colon;             /* colon: offset of ':' or 0 */
	const char *value;
	const uint8_t *at;
};

/* A growable byte buffer. */
struct buf {
	char *p;
	size_t len, cap;
};

struct P {
	const uint8_t *s, *p, *end;
	const char *name;
	struct ccakit_errdetail *d;
	struct ccakit_xml_limits lim;
	ccakit_xml *x;
	size_t elcap;
	struct open *stk;
	size_t depth, stkcap;
	struct nsb ns[CCAKIT_XML_MAX_NS_SCOPE];
	size_t nns;
	struct rawattr *ra;
	size_t nra, racap;
	struct buf sb;                  /* an attribute value */
	struct buf tb;                  /* the open elements' text */
	bool root_seen;
};

/* --- errors --- */

static int
perr(struct P *P, int code, const uint8_t *at, const char *fmt, ...)
    CKI_PRINTF(4, 5);

static int
perr(struct P *P, int code, const uint8_t *at, const char *fmt, ...)
{
	const uint8_t *q;
	unsigned line = 1, col = 1;
	char why[400];
	va_list ap;

	for (q = P->s; q < at && q < P->end; q++) {
		if (*q == '\n' || (*q == '\r' && (q + 1 >= P->end ||
		    q[1] != '\n'))) {
			line++;
			col = 1;
		} else if (*q != '\r' && (*q & 0xc0) != 0x80)
			col++;
	}
	va_start(ap, fmt);
	(void)vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return cki_detail(P->d, code, "xml", "%s%s%u:%u: %s",
	    P->name != NULL ? P->name : "", P->name != NULL ? ":" : "", line,
	    col, why);
}

#define BAD(P, at, ...) perr((P), CCAKIT_ERR_XML, (at), __VA_ARGS__)

static int
nomem(struct P *P)
{
	return cki_detail(P->d, CCAKIT_ERR_NOMEM, "xml", "out of memory");
}

/* --- buffers --- */

static int
buf_put(struct P *P, struct buf *b, const void *s, size_t n)
{
	size_t ncap;
	char *np;

	if (b->cap - b->len < n + 1) {
		ncap = b->cap == 0 ? 64 : b->cap;
		while (ncap - b->len < n + 1) {
			if (ncap > SIZE_MAX / 2)
				return nomem(P);
			ncap *= 2;
		}
		if ((np = realloc(b->p, ncap)) == NULL)
			return nomem(P);
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return CCAKIT_OK;
}

static int
buf_cp(struct P *P, struct buf *b, uint32_t cp)
{
	char u[4];

	return buf_put(P, b, u, cki_utf8_encode(cp, u));
}

/* A NUL-terminated copy of s[0..n) in the document's arena. */
static const char *
dup(struct P *P, const void *s, size_t n)
{
	char *c;

	if ((c = cki_arena_alloc(&P->x->arena, n + 1)) == NULL)
		return NULL;
	memcpy(c, s, n);
	c[n] = '\0';
	return c;
}

/* --- characters (the input is valid UTF-8) --- */

static uint32_t
cp_at(const uint8_t *q, size_t *len)
{
	if (q[0] < 0x80) {
		*len = 1;
		return q[0];
	}
	if (q[0] < 0xe0) {
		*len = 2;
		return ((uint32_t)(q[0] & 0x1f) << 6) | (q[1] & 0x3fu);
	}
	if (q[0] < 0xf0) {
		*len = 3;
		return ((uint32_t)(q[0] & 0x0f) << 12) |
		    ((uint32_t)(q[1] & 0x3f) << 6) | (q[2] & 0x3fu);
	}
	*len = 4;
	return ((uint32_t)(q[0] & 0x07) << 18) |
	    ((uint32_t)(q[1] & 0x3f) << 12) | ((uint32_t)(q[2] & 0x3f) << 6) |
	    (q[3] & 0x3fu);
}

/* Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
 * [#x10000-#x10FFFF] (surrogates are not UTF-8). */
static bool
is_char(uint32_t c)
{
	if (c < 0x20)
		return c == 0x9 || c == 0xa || c == 0xd;
	return c <= 0xd7ff || (c >= 0xe000 && c <= 0xfffd) ||
	    (c >= 0x10000 && c <= 0x10ffff);
}

static bool
is_name_start(uint32_t c)
{
	if (c < 0x80)
		return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    c == '_' || c == ':';
	return (c >= 0xc0 && c <= 0xd6) || (c >= 0xd8 && c <= 0xf6) ||
	    (c >= 0xf8 && c <= 0x2ff) || (c >= 0x370 && c <= 0x37d) ||
	    (c >= 0x37f && c <= 0x1fff) || (c >= 0x200c && c <= 0x200d) ||
	    (c >= 0x2070 && c <= 0x218f) || (c >= 0x2c00 && c <= 0x2fef) ||
	    (c >= 0x3001 && c <= 0xd7ff) || (c >= 0xf900 && c <= 0xfdcf) ||
	    (c >= 0xfdf0 && c <= 0xfffd) || (c >= 0x10000 && c <= 0xeffff);
}

static bool
is_name_char(uint32_t c)
{
	if (c < 0x80)
		return is_name_start(c) || c == '-' || c == '.' ||
		    (c >= '0' && c <= '9');
	return is_name_start(c) || c == 0xb7 || (c >= 0x300 && c <= 0x36f) ||
	    (c >= 0x203f && c <= 0x2040);
}

static bool
is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool
at(struct P *P, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(P->end - P->p) >= n && memcmp(P->p, lit, n) == 0;
}

/* Skip white space; whether there was any. */
static bool
skip_space(struct P *P)
{
	const uint8_t *q = P->p;

	while (P->p < P->end && is_space(*P->p))
		P->p++;
	return P->p > q;
}

/* A description of the character at q for messages. */
static const char *
chdesc(struct P *P, const uint8_t *q, char *buf, size_t size)
{
	size_t n;
	uint32_t c;

	if (q >= P->end)
		return "end of input";
	c = cp_at(q, &n);
	if (c > 0x20 && c < 0x7f)
		(void)snprintf(buf, size, "'%c'", (char)c);
	else
		(void)snprintf(buf, size, "U+%04X", (unsigned)c);
	return buf;
}

#define CH(P, q) chdesc((P), (q), chbuf, sizeof(chbuf))

/* The whole input: UTF-8 made of XML characters. */
static int
check_chars(struct P *P)
{
	size_t bad, n;
	const uint8_t *q;
	uint32_t c;

	if ((bad = cki_utf8_check(P->s, (size_t)(P->end - P->s))) <
	    (size_t)(P->end - P->s))
		return BAD(P, P->s + bad, "invalid UTF-8 (byte 0x%02X)",
		    P->s[bad]);
	for (q = P->s; q < P->end; q += n) {
		if (*q >= 0x20 && *q < 0x80) {
			n = 1;
			continue;
		}
		c = cp_at(q, &n);
		if (!is_char(c))
			return BAD(P, q, "character U+%04X is not allowed in "
			    "XML", (unsigned)c);
	}
	return CCAKIT_OK;
}

/* A Name at P->p: its length (0 when none starts there). */
static size_t
name_len(struct P *P)
{
	const uint8_t *q = P->p;
	size_t n;

	if (q >= P->end || !is_name_start(cp_at(q, &n)))
		return 0;
	for (q += n; q < P->end && is_name_char(cp_at(q, &n)); q += n)
		;
	return (size_t)(q - P->p);
}

/*
 * A QName at P->p (NCName or NCName:NCName), consumed: its start and
 * length, and where its colon is (0: none).
 */
static int
qname(struct P *P, const char *what, const uint8_t **qn, size_t *len,
    size_t *colon)
{
	char chbuf[16];
	const uint8_t *c;
	size_t n = name_len(P);

	if (n == 0)
		return BAD(P, P->p, "expected %s, found %s", what,
		    CH(P, P->p));
	*qn = P->p;
	*len = n;
	*colon = 0;
	if ((c = memchr(P->p, ':', n)) != NULL) {
		if (c == P->p || c == P->p + n - 1 ||
		    memchr(c + 1, ':', n - (size_t)(c - P->p) - 1) != NULL)
			return BAD(P, P->p, "%s '%.*s' is not a qualified name "
			    "(prefix:local)", what, (int)(n > 64 ? 64 : n),
			    (const char *)P->p);
		*colon = (size_t)(c - P->p);
	}
	P->p += n;
	return CCAKIT_OK;
}

/* --- references --- */

/*
 * A reference at P->p ('&'), consumed; the character it stands for in
 * *out. Only the predefined entities exist (no DTD).
 */
static int
reference(struct P *P, uint32_t *out)
{
	static const struct {
		const char *name;
		uint32_t c;
	} pre[] = { { "lt", '<' }, { "gt", '>' }, { "amp", '&' },
	    { "apos", '\'' }, { "quot", '"' } };
	const uint8_t *start = P->p, *q;
	uint32_t v = 0;
	size_t n, i;
	bool hex;

	P->p++;
	if (P->p < P->end && *P->p == '#') {
		P->p++;
		hex = P->p < P->end && *P->p == 'x';
		if (hex)
			P->p++;
		for (q = P->p; P->p < P->end; P->p++) {
			int dv = hex ? cki_hex_nibble(*P->p) : (*P->p >= '0' &&
			    *P->p <= '9' ? *P->p - '0' : -1);

			if (dv < 0)
				break;
			if (v <= 0x10ffff)
				v = v * (hex ? 16u : 10u) + (uint32_t)dv;
		}
		if (P->p == q || P->p >= P->end || *P->p != ';')
			return BAD(P, start, "malformed character reference "
			    "(&#N; or &#xH;)");
		P->p++;
		if (!is_char(v))
			return BAD(P, start, "character reference &%.*s to a "
			    "code point that is not an XML character",
			    (int)(P->p - start - 1 > 16 ? 16 :
			    P->p - start - 1), (const char *)start + 1);
		*out = v;
		return CCAKIT_OK;
	}
	if ((n = name_len(P)) == 0 || (size_t)(P->end - P->p) <= n ||
	    P->p[n] != ';')
		return BAD(P, start, "'&' not followed by a reference (write "
		    "&amp; for '&')");
	for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
		if (strlen(pre[i].name) == n && memcmp(pre[i].name, P->p, n) ==
		    0) {
			P->p += n + 1;
			*out = pre[i].c;
			return CCAKIT_OK;
		}
	return BAD(P, start, "unknown entity '&%.*s;' (no DTD: only &lt; "
	    "&gt; &amp; &apos; &quot;)", (int)(n > 64 ? 64 : n),
	    (const char *)P->p);
}

/* --- comments, processing instructions, the XML declaration --- */

static int
comment(struct P *P)
{
	const uint8_t *start = P->p, *q;

	for (q = P->p + 4; q + 1 < P->end; q++) {
		if (q[0] != '-' || q[1] != '-')
			continue;
		if (q + 2 < P->end && q[2] == '>') {
			P->p = q + 3;
			return CCAKIT_OK;
		}
		return BAD(P, q, "'--' inside a comment");
	}
	return BAD(P, start, "comment not closed ('-->')");
}

static int
pi(struct P *P)
{
	char chbuf[16];
	const uint8_t *start = P->p, *q;
	size_t n;

	P->p += 2;
	if ((n = name_len(P)) == 0)
		return BAD(P, P->p, "expected a processing instruction target, "
		    "found %s", CH(P, P->p));
	if (n == 3 && (P->p[0] | 0x20) == 'x' && (P->p[1] | 0x20) == 'm' &&
	    (P->p[2] | 0x20) == 'l')
		return BAD(P, start, "'<?%.3s' is reserved: an XML declaration "
		    "only at the very start", (const char *)P->p);
	if (memchr(P->p, ':', n) != NULL)
		return BAD(P, P->p, "a processing instruction target with ':'");
	P->p += n;
	if (!at(P, "?>") && !skip_space(P))
		return BAD(P, P->p, "expected white space or '?>' after the "
		    "target, found %s", CH(P, P->p));
	for (q = P->p; q + 1 < P->end; q++)
		if (q[0] == '?' && q[1] == '>') {
			P->p = q + 2;
			return CCAKIT_OK;
		}
	return BAD(P, start, "processing instruction not closed ('?>')");
}

/* A pseudo-attribute of the XML declaration: name = 'value'. */
static int
decl_attr(struct P *P, const char *name, const uint8_t **v, size_t *vlen)
{
	char chbuf[16];
	const uint8_t *q;
	uint8_t quote;

	P->p += strlen(name);
	skip_space(P);
	if (P->p >= P->end || *P->p != '=')
		return BAD(P, P->p, "expected '=' after %s, found %s", name,
		    CH(P, P->p));
	P->p++;
	skip_space(P);
	if (P->p >= P->end || (*P->p != '"' && *P->p != '\''))
		return BAD(P, P->p, "expected a quoted %s, found %s", name,
		    CH(P, P->p));
	quote = *P->p++;
	for (q = P->p; q < P->end && *q != quote; q++)
		;
	if (q >= P->end)
		return BAD(P, P->p - 1, "%s not closed", name);
	*v = P->p;
	*vlen = (size_t)(q - P->p);
	P->p = q + 1;
	return CCAKIT_OK;
}

static int
xmldecl(struct P *P)
{
	char chbuf[16];
	const uint8_t *v;
	size_t n, i;
	int r;

	P->p += 5;
	if (!skip_space(P) || !at(P, "version"))
		return BAD(P, P->p, "the XML declaration starts with version");
	if ((r = decl_attr(P, "version", &v, &n)) != CCAKIT_OK)
		return r;
	for (i = 2; i < n && v[i] >= '0' && v[i] <= '9'; i++)
		;
	if (n < 3 || v[0] != '1' || v[1] != '.' || i != n)
		return BAD(P, v, "version '%.*s': XML 1.x only",
		    (int)(n > 16 ? 16 : n), (const char *)v);
	if (skip_space(P) && at(P, "encoding")) {
		if ((r = decl_attr(P, "encoding", &v, &n)) != CCAKIT_OK)
			return r;
		if (n != 5 || (v[0] | 0x20) != 'u' || (v[1] | 0x20) != 't' ||
		    (v[2] | 0x20) != 'f' || v[3] != '-' || v[4] != '8')
			return BAD(P, v, "encoding '%.*s' refused: UTF-8 only",
			    (int)(n > 32 ? 32 : n), (const char *)v);
		skip_space(P);
	}
	if (at(P, "standalone")) {
		if (P->p[-1] != ' ' && P->p[-1] != '\t' && P->p[-1] != '\n' &&
		    P->p[-1] != '\r')
			return BAD(P, P->p, "expected white space before "
			    "standalone");
		if ((r = decl_attr(P, "standalone", &v, &n)) != CCAKIT_OK)
			return r;
		if (!((n == 3 && memcmp(v, "yes", 3) == 0) || (n == 2 &&
		    memcmp(v, "no", 2) == 0)))
			return BAD(P, v, "standalone is 'yes' or 'no'");
		skip_space(P);
	}
	if (!at(P, "?>"))
		return BAD(P, P->p, "expected '?>' to end the XML declaration "
		    "(at %s)", CH(P, P->p));
	P->p += 2;
	return CCAKIT_OK;
}

/* --- elements --- */

/* The URI bound to prefix p[0..n) ("" for the default namespace);
 * NULL when unbound. */
static const char *
lookup(struct P *P, const uint8_t *p, size_t n)
{
	size_t i;

	if (n == 3 && memcmp(p, "xml", 3) == 0)
		return CCAKIT_XML_NS_XML;
	for (i = P->nns; i-- > 0;)
		if (P->ns[i].plen == n && memcmp(P->ns[i].prefix, p, n) == 0)
			return P->ns[i].uri;
	return n == 0 ? "" : NULL;
}

/* An attribute value at P->p (the quote), normalised into P->sb. */
static int
attr_value(struct P *P)
{
	char chbuf[16];
	const uint8_t *start = P->p, *q;
	uint8_t quote;
	uint32_t c;
	int r;

	if (P->p >= P->end || (*P->p != '"' && *P->p != '\''))
		return BAD(P, P->p, "expected a quoted attribute value, found "
		    "%s", CH(P, P->p));
	quote = *P->p++;
	P->sb.len = 0;
	if ((r = buf_put(P, &P->sb, "", 0)) != CCAKIT_OK)
		return r;
	for (;;) {
		for (q = P->p; q < P->end && *q != quote && *q != '<' &&
		    *q != '&' && *q != '\r' && *q != '\n' && *q != '\t'; q++)
			;
		if ((r = buf_put(P, &P->sb, P->p, (size_t)(q - P->p))) !=
		    CCAKIT_OK)
			return r;
		P->p = q;
		if (q >= P->end)
			return BAD(P, start, "attribute value not closed");
		if (*q == quote) {
			P->p++;
			return CCAKIT_OK;
		}
		if (*q == '<')
			return BAD(P, q, "'<' in an attribute value (write "
			    "&lt;)");
		if (*q == '&') {
			if ((r = reference(P, &c)) != CCAKIT_OK ||
			    (r = buf_cp(P, &P->sb, c)) != CCAKIT_OK)
				return r;
			continue;
		}
		/* White space and line ends become one space each. */
		if (*q == '\r' && q + 1 < P->end && q[1] == '\n')
			P->p++;
		P->p++;
		if ((r = buf_put(P, &P->sb, " ", 1)) != CCAKIT_OK)
			return r;
	}
}

/* A namespace declaration of the start tag: its checks, its binding. */
static int
declare(struct P *P, const struct rawattr *a)
{
	const uint8_t *pfx = a->colon ? a->qn + 6 : a->qn;
	size_t plen = a->colon ? a->qlen - 6 : 0;
	bool xmlp = plen == 3 && memcmp(pfx, "xml", 3) == 0;
	bool is_xml = strcmp(a->value, CCAKIT_XML_NS_XML) == 0;
	size_t i;

	if (plen == 5 && memcmp(pfx, "xmlns", 5) == 0)
		return BAD(P, a->at, "the prefix xmlns cannot be declared");
	if (strcmp(a->value, NS_XMLNS) == 0)
		return BAD(P, a->at, "the namespace %s cannot be declared",
		    NS_XMLNS);
	if (xmlp != is_xml)
		return BAD(P, a->at, xmlp ? "the prefix xml is bound to %s "
		    "only" : "the namespace %s is bound to the prefix xml only",
		    CCAKIT_XML_NS_XML);
	if (xmlp)
		return CCAKIT_OK;
	if (plen > 0 && a->value[0] == '\0')
		return BAD(P, a->at, "xmlns:%.*s=\"\": a prefix cannot be "
		    "undeclared in XML 1.0", (int)(plen > 64 ? 64 : plen),
		    (const char *)pfx);
	for (i = P->stk[P->depth - 1].nsmark; i < P->nns; i++)
		if (P->ns[i].plen == plen && memcmp(P->ns[i].prefix, pfx,
		    plen) == 0)
			return BAD(P, a->at, "namespace declared twice on one "
			    "element");
	if (P->nns >= CCAKIT_XML_MAX_NS_SCOPE)
		return perr(P, CCAKIT_ERR_TOO_LARGE, a->at, "more than %d "
		    "namespace declarations in scope",
		    CCAKIT_XML_MAX_NS_SCOPE);
	P->ns[P->nns].prefix = pfx;
	P->ns[P->nns].plen = plen;
	P->ns[P->nns].uri = a->value;
	P->nns++;
	return CCAKIT_OK;
}

/* Close the element on top of the stack. */
static int
close_top(struct P *P)
{
	struct open *o = &P->stk[P->depth - 1];
	struct ccakit_xml_elem *e = &P->x->el[o->el];

	e->end = P->x->nel;
	if (P->tb.len == o->textmark)
		e->text = "";
	else if ((e->text = dup(P, P->tb.p + o->textmark, P->tb.len -
	    o->textmark)) == NULL)
		return nomem(P);
	P->tb.len = o->textmark;
	P->nns = o->nsmark;
	P->depth--;
	return CCAKIT_OK;
}

/* A start tag at P->p ('<'). */
static int
start_tag(struct P *P)
{
	char chbuf[16];
	const uint8_t *start = P->p, *qn;
	struct ccakit_xml_elem *e;
	struct rawattr *a;
	struct open *o;
	size_t qlen, colon, i, j, n, natt;
	bool empty;
	const char *uri;
	int r;

	P->p++;
	if ((r = qname(P, "an element name", &qn, &qlen, &colon)) !=
	    CCAKIT_OK)
		return r;
	/* The raw attributes. */
	P->nra = 0;
	for (;;) {
		bool sp = skip_space(P);

		if (at(P, "/>") || at(P, ">"))
			break;
		if (P->p >= P->end)
			return BAD(P, start, "start tag not closed");
		if (!sp)
			return BAD(P, P->p, "expected white space, '>' or "
			    "'/>', found %s", CH(P, P->p));
		if (P->nra >= P->lim.max_attrs)
			return perr(P, CCAKIT_ERR_TOO_LARGE, P->p, "more than "
			    "%u attributes on an element", P->lim.max_attrs);
		if (P->nra == P->racap) {
			size_t nc = P->racap == 0 ? 16 : P->racap * 2;

			if ((a = realloc(P->ra, nc * sizeof(*a))) == NULL)
				return nomem(P);
			P->ra = a;
			P->racap = nc;
		}
		a = &P->ra[P->nra];
		a->at = P->p;
		if ((r = qname(P, "an attribute name", &a->qn, &a->qlen,
		    &a->colon)) != CCAKIT_OK)
			return r;
		skip_space(P);
		if (P->p >= P->end || *P->p != '=')
			return BAD(P, P->p, "expected '=' after attribute "
			    "'%.*s', found %s", (int)(a->qlen > 64 ? 64 :
			    a->qlen), (const char *)a->qn, CH(P, P->p));
		P->p++;
		skip_space(P);
		if ((r = attr_value(P)) != CCAKIT_OK)
			return r;
		if ((a->value = dup(P, P->sb.p, P->sb.len)) == NULL)
			return nomem(P);
		for (i = 0; i < P->nra; i++)
			if (P->ra[i].qlen == a->qlen && memcmp(P->ra[i].qn,
			    a->qn, a->qlen) == 0)
				return BAD(P, a->at, "duplicate attribute "
				    "'%.*s'", (int)(a->qlen > 64 ? 64 :
				    a->qlen), (const char *)a->qn);
		P->nra++;
	}
	empty = *P->p == '/';
	P->p += empty ? 2 : 1;

	/* The element: depth, count, then its namespace declarations. */
	if (P->depth >= P->lim.max_depth)
		return perr(P, CCAKIT_ERR_TOO_LARGE, start, "elements nested "
		    "deeper than %u", P->lim.max_depth);
	if (P->x->nel >= P->lim.max_elements)
		return perr(P, CCAKIT_ERR_TOO_LARGE, start, "more than %zu "
		    "elements", P->lim.max_elements);
	if (P->x->nel == P->elcap) {
		size_t nc = P->elcap == 0 ? 64 : P->elcap * 2;

		if ((e = realloc(P->x->el, nc * sizeof(*e))) == NULL)
			return nomem(P);
		P->x->el = e;
		P->elcap = nc;
	}
	if (P->depth == P->stkcap) {
		size_t nc = P->stkcap == 0 ? 16 : P->stkcap * 2;

		if ((o = realloc(P->stk, nc * sizeof(*o))) == NULL)
			return nomem(P);
		P->stk = o;
		P->stkcap = nc;
	}
	o = &P->stk[P->depth];
	o->el = P->x->nel;
	o->qn = qn;
	o->qlen = qlen;
	o->nsmark = P->nns;
	o->textmark = P->tb.len;
	e = &P->x->el[P->x->nel];
	memset(e, 0, sizeof(*e));
	e->doc = P->x;
	e->parent = P->depth > 0 ? P->stk[P->depth - 1].el : NONE;
	P->x->nel++;
	P->depth++;
	natt = 0;
	for (i = 0; i < P->nra; i++) {
		a = &P->ra[i];
		if ((a->qlen == 5 && memcmp(a->qn, "xmlns", 5) == 0) ||
		    (a->colon == 5 && memcmp(a->qn, "xmlns", 5) == 0)) {
			if ((r = declare(P, a)) != CCAKIT_OK)
				return r;
		} else
			natt++;
	}

	/* Its name. */
	if (colon == 5 && memcmp(qn, "xmlns", 5) == 0)
		return BAD(P, qn, "an element name with the prefix xmlns");
	if ((uri = lookup(P, qn, colon)) == NULL)
		return BAD(P, qn, "unbound prefix '%.*s'", (int)colon,
		    (const char *)qn);
	e->ns = uri;
	n = colon ? colon + 1 : 0;
	if ((e->local = dup(P, qn + n, qlen - n)) == NULL)
		return nomem(P);

	/* Its attributes, by expanded name. */
	if (natt > 0 && (e->attrs = cki_arena_alloc(&P->x->arena, natt *
	    sizeof(*e->attrs))) == NULL)
		return nomem(P);
	for (i = 0; i < P->nra; i++) {
		struct xml_attr *ea;

		a = &P->ra[i];
		if ((a->qlen == 5 && memcmp(a->qn, "xmlns", 5) == 0) ||
		    (a->colon == 5 && memcmp(a->qn, "xmlns", 5) == 0))
			continue;
		ea = &e->attrs[e->nattrs];
		if (a->colon == 0)
			ea->ns = "";
		else if ((ea->ns = lookup(P, a->qn, a->colon)) == NULL)
			return BAD(P, a->at, "unbound prefix '%.*s'",
			    (int)a->colon, (const char *)a->qn);
		n = a->colon ? a->colon + 1 : 0;
		if ((ea->local = dup(P, a->qn + n, a->qlen - n)) == NULL)
			return nomem(P);
		ea->value = a->value;
		for (j = 0; j < e->nattrs; j++)
			if (strcmp(e->attrs[j].local, ea->local) == 0 &&
			    strcmp(e->attrs[j].ns, ea->ns) == 0)
				return BAD(P, a->at, "duplicate attribute "
				    "{%.200s}%.64s (the same namespace "
				    "through two prefixes)", ea->ns,
				    ea->local);
		e->nattrs++;
	}
	if (P->depth == 1)
		P->root_seen = true;
	return empty ? close_top(P) : CCAKIT_OK;
}

/* An end tag at P->p ("</"). */
static int
end_tag(struct P *P)
{
	char chbuf[16];
	const uint8_t *start = P->p, *qn;
	struct open *o;
	size_t qlen, colon;
	int r;

	P->p += 2;
	if ((r = qname(P, "an element name", &qn, &qlen, &colon)) !=
	    CCAKIT_OK)
		return r;
	skip_space(P);
	if (P->p >= P->end || *P->p != '>')
		return BAD(P, P->p, "expected '>' to end the end tag, found %s",
		    CH(P, P->p));
	P->p++;
	if (P->depth == 0)
		return BAD(P, start, "end tag </%.*s> without a start tag",
		    (int)(qlen > 64 ? 64 : qlen), (const char *)qn);
	o = &P->stk[P->depth - 1];
	if (o->qlen != qlen || memcmp(o->qn, qn, qlen) != 0)
		return BAD(P, start, "end tag </%.*s> does not match <%.*s>",
		    (int)(qlen > 64 ? 64 : qlen), (const char *)qn,
		    (int)(o->qlen > 64 ? 64 : o->qlen), (const char *)o->qn);
	return close_top(P);
}

/* Character data up to the next '<' or '&', line ends normalised. */
static int
chardata(struct P *P)
{
	const uint8_t *q;
	int r;

	for (;;) {
		for (q = P->p; q < P->end && *q != '<' && *q != '&' &&
		    *q != '\r' && *q != ']'; q++)
			;
		if ((r = buf_put(P, &P->tb, P->p, (size_t)(q - P->p))) !=
		    CCAKIT_OK)
			return r;
		P->p = q;
		if (q >= P->end || *q == '<' || *q == '&')
			return CCAKIT_OK;
		if (*q == ']') {
			if (at(P, "]]>"))
				return BAD(P, q, "']]>' in text (write "
				    "]]&gt;)");
			r = buf_put(P, &P->tb, "]", 1);
		} else {
			if (q + 1 < P->end && q[1] == '\n')
				P->p++;
			r = buf_put(P, &P->tb, "\n", 1);
		}
		if (r != CCAKIT_OK)
			return r;
		P->p++;
	}
}

static int
cdata(struct P *P)
{
	const uint8_t *start = P->p, *q, *run;
	int r;

	for (run = q = P->p + 9; q + 2 < P->end; q++) {
		if (q[0] == ']' && q[1] == ']' && q[2] == '>') {
			if ((r = buf_put(P, &P->tb, run, (size_t)(q - run))) !=
			    CCAKIT_OK)
				return r;
			P->p = q + 3;
			return CCAKIT_OK;
		}
		if (q[0] == '\r') {
			if ((r = buf_put(P, &P->tb, run, (size_t)(q - run))) !=
			    CCAKIT_OK || (r = buf_put(P, &P->tb, "\n", 1)) !=
			    CCAKIT_OK)
				return r;
			if (q[1] == '\n')
				q++;
			run = q + 1;
		}
	}
	return BAD(P, start, "CDATA section not closed (']]>')");
}

/* Everything after the XML declaration. */
static int
document(struct P *P)
{
	char chbuf[16];
	uint32_t c;
	int r;

	while (P->p < P->end) {
		if (P->depth == 0) {
			skip_space(P);
			if (P->p >= P->end)
				break;
		}
		if (*P->p == '<') {
			if (at(P, "<!--"))
				r = comment(P);
			else if (at(P, "<?"))
				r = pi(P);
			else if (at(P, "</"))
				r = end_tag(P);
			else if (at(P, "<!DOCTYPE"))
				return BAD(P, P->p, "DOCTYPE refused: no document "
				    "type declarations (no DTD, no entities)");
			else if (at(P, "<![CDATA[")) {
				if (P->depth == 0)
					return BAD(P, P->p, "CDATA section "
					    "outside the root element");
				r = cdata(P);
			} else if (at(P, "<!"))
				return BAD(P, P->p, "unexpected '<!' (a "
				    "comment, CDATA section or DOCTYPE?)");
			else if (P->depth == 0 && P->root_seen)
				return BAD(P, P->p, "a second root element");
			else
				r = start_tag(P);
		} else if (P->depth == 0)
			return BAD(P, P->p, "text outside the root element "
			    "(at %s)", CH(P, P->p));
		else if (*P->p == '&') {
			if ((r = reference(P, &c)) == CCAKIT_OK)
				r = buf_cp(P, &P->tb, c);
		} else
			r = chardata(P);
		if (r != CCAKIT_OK)
			return r;
	}
	if (P->depth > 0)
		return BAD(P, P->end, "element <%.*s> not closed",
		    (int)(P->stk[P->depth - 1].qlen > 64 ? 64 :
		    P->stk[P->depth - 1].qlen),
		    (const char *)P->stk[P->depth - 1].qn);
	if (!P->root_seen)
		return BAD(P, P->end, "no root element");
	return CCAKIT_OK;
}

/* --- API --- */

int
ccakit_xml_parse(const char *text, size_t len, const char *name,
    const struct ccakit_xml_limits *lim, ccakit_xml **out,
    struct ccakit_errdetail *d)
{
	struct P P;
	int r;

	if (out == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "xml", "no output");
	*out = NULL;
	if (text == NULL && len > 0)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "xml", "no input");
	memset(&P, 0, sizeof(P));
	if (lim != NULL)
		P.lim = *lim;
	if (P.lim.max_size == 0)
		P.lim.max_size = CCAKIT_XML_MAX_SIZE;
	if (P.lim.max_depth == 0)
		P.lim.max_depth = CCAKIT_XML_MAX_DEPTH;
	if (P.lim.max_attrs == 0)
		P.lim.max_attrs = CCAKIT_XML_MAX_ATTRS;
	if (P.lim.max_elements == 0)
		P.lim.max_elements = CCAKIT_XML_MAX_ELEMENTS;
	if (P.lim.max_depth > CCAKIT_XML_DEPTH_LIMIT ||
	    P.lim.max_attrs > CCAKIT_XML_ATTRS_LIMIT)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "xml", "depth cap "
		    "over %d or attribute cap over %d", CCAKIT_XML_DEPTH_LIMIT,
		    CCAKIT_XML_ATTRS_LIMIT);
	if (len > P.lim.max_size)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "xml", "%s%sXML "
		    "document of %zu bytes (at most %zu)", name != NULL ? name :
		    "", name != NULL ? ": " : "", len, P.lim.max_size);
	P.s = P.p = (const uint8_t *)(text != NULL ? text : "");
	P.end = P.s + len;
	P.name = name;
	P.d = d;
	if ((P.x = calloc(1, sizeof(*P.x))) == NULL)
		return nomem(&P);
	cki_arena_init(&P.x->arena, len < 256 ? 256 : len);
	if ((r = check_chars(&P)) != CCAKIT_OK)
		goto out;
	if (at(&P, "\xef\xbb\xbf"))
		P.p += 3;
	if ((at(&P, "<?xml") && (size_t)(P.end - P.p) > 5 && (is_space(P.p[5])
	    || P.p[5] == '?')) && (r = xmldecl(&P)) != CCAKIT_OK)
		goto out;
	if ((r = document(&P)) != CCAKIT_OK)
		goto out;
	*out = P.x;
	P.x = NULL;
out:
	free(P.stk);
	free(P.ra);
	free(P.sb.p);
	free(P.tb.p);
	ccakit_xml_free(&P.x);
	return r;
}

void
ccakit_xml_free(ccakit_xml **xp)
{
	if (xp == NULL || *xp == NULL)
		return;
	cki_arena_free(&(*xp)->arena);
	free((*xp)->el);
	free(*xp);
	*xp = NULL;
}

const ccakit_xml_elem *
ccakit_xml_root(const ccakit_xml *x)
{
	return x != NULL && x->nel > 0 ? &x->el[0] : NULL;
}

const char *
ccakit_xml_local(const ccakit_xml_elem *e)
{
	return e != NULL ? e->local : NULL;
}

const char *
ccakit_xml_ns(const ccakit_xml_elem *e)
{
	return e != NULL ? e->ns : NULL;
}

const char *
ccakit_xml_attr(const ccakit_xml_elem *e, const char *ns, const char *local)
{
	size_t i;

	if (e == NULL || local == NULL)
		return NULL;
	if (ns == NULL)
		ns = "";
	for (i = 0; i < e->nattrs; i++)
		if (strcmp(e->attrs[i].local, local) == 0 &&
		    strcmp(e->attrs[i].ns, ns) == 0)
			return e->attrs[i].value;
	return NULL;
}

size_t
ccakit_xml_attr_count(const ccakit_xml_elem *e)
{
	return e != NULL ? e->nattrs : 0;
}

const char *
ccakit_xml_attr_at(const ccakit_xml_elem *e, size_t i, const char **ns,
    const char **local)
{
	if (e == NULL || i >= e->nattrs)
		return NULL;
	if (ns != NULL)
		*ns = e->attrs[i].ns;
	if (local != NULL)
		*local = e->attrs[i].local;
	return e->attrs[i].value;
}

const char *
ccakit_xml_text(const ccakit_xml_elem *e)
{
	return e != NULL ? e->text : NULL;
}

const ccakit_xml_elem *
ccakit_xml_parent(const ccakit_xml_elem *e)
{
	if (e == NULL || e->parent == NONE)
		return NULL;
	return &e->doc->el[e->parent];
}

const ccakit_xml_elem *
ccakit_xml_first_child(const ccakit_xml_elem *e)
{
	size_t i;

	if (e == NULL)
		return NULL;
	i = (size_t)(e - e->doc->el);
	return i + 1 < e->end ? &e->doc->el[i + 1] : NULL;
}

const ccakit_xml_elem *
ccakit_xml_next_sibling(const ccakit_xml_elem *e)
{
	const ccakit_xml_elem *p = ccakit_xml_parent(e);

	return p != NULL && e->end < p->end ? &e->doc->el[e->end] : NULL;
}

const ccakit_xml_elem *
ccakit_xml_find(const ccakit_xml_elem *top, const ccakit_xml_elem *after,
    const char *ns, const char *local)
{
	const ccakit_xml_elem *el;
	size_t i, t;

	if (top == NULL)
		return NULL;
	el = top->doc->el;
	t = (size_t)(top - el);
	i = t;
	if (after != NULL) {
		if (after->doc != top->doc || after < top ||
		    (size_t)(after - el) >= top->end)
			return NULL;
		i = (size_t)(after - el) + 1;
	}
	if (ns == NULL)
		ns = "";
	for (; i < top->end; i++)
		if (local == NULL || (strcmp(el[i].local, local) == 0 &&
		    strcmp(el[i].ns, ns) == 0))
			return &el[i];
	return NULL;
}
