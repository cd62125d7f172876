/*
 * YAML: yaml.unmarshal, yaml.is_valid, yaml.marshal, with the semantics
 * OPA gets from sigs.k8s.io/yaml over go-yaml v2:
 *
 * - in: the first document of the stream, YAML 1.1 resolution of plain
 *   scalars (null/~, true/yes/on/y, false/no/off/n, ints in bases 2, 8,
 *   10 and 16 with '_' separators, floats, .inf/.nan), merge keys
 *   ("<<"), anchors and aliases; then converted to JSON: keys become
 *   strings (numbers and booleans as their text), floats print as Go's
 *   encoding/json does, and infinities or NaN are refused as Go's JSON
 *   encoder refuses them;
 * - out: the value as JSON (sets as arrays, non-string keys as their
 *   JSON text), emitted in block style with keys in go-yaml's "natural"
 *   order and go-yaml's choice of quoting (a string that would read back
 *   as another type is double-quoted; multi-line strings are literal
 *   blocks).
 *
 * libyaml (Debian's libyaml-0-2) does the scanning, parsing and emitting;
 * go-yaml is a port of it, so error messages are the same
 * ("yaml: line 1: did not find expected ',' or ']'").
 *
 * Limits against hostile documents: the input size
 * (CCAKIT_REGO_MAX_JSON), the nesting depth (CCAKIT_REGO_MAX_DEPTH), and
 * the size of the document with every alias expanded (YAML_MAX_NODES):
 * an alias shares the anchored value (values are immutable), so a
 * "billion laughs" document costs no memory here, but it is refused
 * before it can reach a consumer that would expand it. Every event is
 * charged to the evaluation's step limit.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include <ccakit/bytes.h>

#include "rego/rego_priv.h"

/* Nodes of a document with its aliases expanded. */
#define YAML_MAX_NODES 10000000u

/* ------------------------------------------------------------------ */
/* Go's float formatting.                                               */

/* Shortest decimal digits of f > 0 (bits: 64 or 32) that read back as
 * f: f = 0.DIGITS x 10^dp. Returns the number of digits. */
static size_t
shortest_digits(double f, int bits, char *digits, int *dp)
{
	char buf[40];
	int prec, exp10 = 0, k;
	size_t nd = 0, i;

	if (bits == 64) {
		cki_shortest_digits(f, digits, &k, &exp10);
		digits[k] = '\0';
		*dp = exp10 + 1;
		return (size_t)k;
	}
	/* float32 (YAML map keys): the shortest %e that reads back */
	for (prec = 1; prec <= 9; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, f);
		if (strtof(buf, NULL) == (float)f)
			break;
	}
	for (i = 0; buf[i] != '\0' && buf[i] != 'e'; i++)
		if (buf[i] >= '0' && buf[i] <= '9')
			digits[nd++] = buf[i];
	if (buf[i] == 'e')
		exp10 = atoi(buf + i + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	*dp = exp10 + 1;
	return nd;
}

/* strconv.FormatFloat(f, fmt, -1, bits) for fmt 'e', 'f' and 'g'. */
void
rego_go_fmt_float(struct rego_buf *b, double f, char fmt, int bits)
{
	char d[24];
	int dp, exp10, i;
	size_t nd;

	if (isnan(f)) {
		rb_puts(b, "NaN");
		return;
	}
	if (isinf(f)) {
		rb_puts(b, f > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (signbit(f)) {
		rb_putc(b, '-');
		f = -f;
	}
	if (f == 0) {
		d[0] = '0';
		d[1] = '\0';
		nd = 1;
		dp = 1;
	} else {
		nd = shortest_digits(f, bits, d, &dp);
	}
	exp10 = dp - 1;
	if (fmt == 'g')
		fmt = exp10 < -4 || exp10 >= 6 ? 'e' : 'f';
	if (fmt == 'e') {
		rb_putc(b, d[0]);
		if (nd > 1) {
			rb_putc(b, '.');
			rb_put(b, d + 1, nd - 1);
		}
		rb_printf(b, "e%c%02d", exp10 < 0 ? '-' : '+',
		    exp10 < 0 ? -exp10 : exp10);
		return;
	}
	if (dp <= 0) {
		rb_puts(b, "0.");
		for (i = 0; i < -dp; i++)
			rb_putc(b, '0');
		rb_put(b, d, nd);
	} else if ((size_t)dp >= nd) {
		rb_put(b, d, nd);
		for (i = 0; i < dp - (int)nd; i++)
			rb_putc(b, '0');
	} else {
		rb_put(b, d, (size_t)dp);
		rb_putc(b, '.');
		rb_put(b, d + dp, nd - (size_t)dp);
	}
}

/* encoding/json's rendering of a float64 (finite). */
void
rego_go_json_float(struct rego_buf *b, double f)
{
	double a = fabs(f);
	size_t start = b->len;

	if (a != 0 && (a < 1e-6 || a >= 1e21)) {
		rego_go_fmt_float(b, f, 'e', 64);
		/* e-07 -> e-7 */
		if (!b->oom && b->len - start >= 4 &&
		    b->p[b->len - 4] == 'e' && b->p[b->len - 3] == '-' &&
		    b->p[b->len - 2] == '0') {
			b->p[b->len - 2] = b->p[b->len - 1];
			b->len--;
			b->p[b->len] = '\0';
		}
	} else {
		rego_go_fmt_float(b, f, 'f', 64);
	}
}

/* ------------------------------------------------------------------ */
/* go-yaml v2's resolution of plain scalars.                            */

enum ytype { Y_NULL, Y_BOOL, Y_INT, Y_UINT, Y_FLOAT, Y_STR, Y_MERGE,
	Y_TIMESTAMP };

struct yscalar {
	enum ytype t;
	bool b;
	int64_t i;
	uint64_t u;
	double f;
};

static bool
in_list(const char *s, size_t n, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == n && memcmp(*list, s, n) == 0)
			return true;
	return false;
}

/* strconv.ParseUint/ParseInt(s, 0, 64) on text without '_'. */
static bool
go_parse_int(const char *s, size_t n, bool sign_ok, int64_t *iv,
    uint64_t *uv, bool *is_neg)
{
	size_t i = 0;
	unsigned base = 10;
	uint64_t x = 0;
	bool neg = false;

	if (n == 0)
		return false;
	if (s[0] == '+' || s[0] == '-') {
		if (!sign_ok)
			return false;
		neg = s[0] == '-';
		i++;
	}
	if (i + 1 < n && s[i] == '0') {
		char c = (char)tolower((unsigned char)s[i + 1]);

		if (c == 'x' || c == 'o' || c == 'b') {
			base = c == 'x' ? 16 : c == 'o' ? 8 : 2;
			i += 2;
		} else {
			base = 8;
			i++;
		}
	}
	if (i >= n)
		return false;       /* a sign or a base prefix alone */
	for (; i < n; i++) {
		unsigned d;
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		if (d >= base || x > (UINT64_MAX - d) / base)
			return false;
		x = x * base + d;
	}
	*is_neg = neg;
	if (!sign_ok) {
		*uv = x;
		return true;
	}
	if (neg ? x > (uint64_t)INT64_MAX + 1 : x > (uint64_t)INT64_MAX)
		return false;
	*iv = neg ? (x == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
	    -(int64_t)x) : (int64_t)x;
	return true;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool
yaml_style_float(const char *s, size_t n)
{
	size_t i = 0, d;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i < n && s[i] == '.') {
		i++;
		for (d = i; i < n && isdigit((unsigned char)s[i]); i++)
			;
		if (i == d)
			return false;
	} else {
		for (d = i; i < n && isdigit((unsigned char)s[i]); i++)
			;
		if (i == d)
			return false;
		if (i < n && s[i] == '.')
			for (i++; i < n && isdigit((unsigned char)s[i]); i++)
				;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = i; i < n && isdigit((unsigned char)s[i]); i++)
			;
		if (i == d)
			return false;
	}
	return i == n;
}

/* strconv.ParseFloat of text already checked to be decimal: false when
 * out of range. */
static bool
go_parse_float(const char *s, size_t n, double *f)
{
	char buf[128], *end;

	if (n >= sizeof(buf)) {
		char *tmp = malloc(n + 1);
		bool ok;

		if (tmp == NULL)
			return false;
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		errno = 0;
		*f = strtod(tmp, &end);
		ok = *end == '\0' && !isinf(*f);
		free(tmp);
		return ok;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	*f = strtod(buf, &end);
	return *end == '\0' && !isinf(*f);
}

static size_t
digits_at(const char *s, size_t n, size_t i, size_t min, size_t max,
    int *v)
{
	size_t k = 0;

	*v = 0;
	while (i + k < n && k < max && isdigit((unsigned char)s[i + k])) {
		*v = *v * 10 + (s[i + k] - '0');
		k++;
	}
	return k >= min ? k : 0;
}

/* go-yaml's parseTimestamp: "2006-1-2", "2006-1-2T15:4:5.999999999Z07:00"
 * (or 't'), "2006-1-2 15:4:5.999999999". */
static bool
is_timestamp(const char *s, size_t n)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	size_t i = 0, k;
	int y, mo, d, h, mi, se;
	char sep;

	if ((k = digits_at(s, n, i, 4, 4, &y)) == 0 || i + k >= n ||
	    s[i + k] != '-')
		return false;
	i += k + 1;
	if ((k = digits_at(s, n, i, 1, 2, &mo)) == 0 || mo < 1 || mo > 12)
		return false;
	i += k;
	if (i >= n || s[i] != '-')
		return false;
	i++;
	if ((k = digits_at(s, n, i, 1, 2, &d)) == 0 || d < 1 ||
	    d > mdays[mo - 1] || (mo == 2 && d == 29 && !((y % 4 == 0 &&
	    y % 100 != 0) || y % 400 == 0)))
		return false;
	i += k;
	if (i == n)
		return true;
	sep = s[i++];
	if (sep != 'T' && sep != 't' && sep != ' ')
		return false;
	if ((k = digits_at(s, n, i, 1, 2, &h)) == 0 || h > 23)
		return false;
	i += k;
	if (i >= n || s[i++] != ':' ||
	    (k = digits_at(s, n, i, 1, 2, &mi)) == 0 || mi > 59)
		return false;
	i += k;
	if (i >= n || s[i++] != ':' ||
	    (k = digits_at(s, n, i, 1, 2, &se)) == 0 || se > 59)
		return false;
	i += k;
	if (i < n && s[i] == '.') {
		for (k = ++i; i < n && isdigit((unsigned char)s[i]); i++)
			;
		if (i == k)
			return false;
	}
	if (sep == ' ')
		return i == n;
	if (i < n && s[i] == 'Z')
		return i + 1 == n;
	if (i < n && (s[i] == '+' || s[i] == '-')) {
		int zh, zm;

		i++;
		if (digits_at(s, n, i, 2, 2, &zh) != 2 || zh > 23 ||
		    i + 2 >= n || s[i + 2] != ':' ||
		    digits_at(s, n, i + 3, 2, 2, &zm) != 2 || zm > 59)
			return false;
		return i + 5 == n;
	}
	return false;
}

/* go-yaml v2's resolve("", s) for a plain scalar. */
static void
resolve_plain(const char *s, size_t n, struct yscalar *out)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL",
		NULL };
	static const char *const trues[] = { "y", "Y", "yes", "Yes", "YES",
		"true", "True", "TRUE", "on", "On", "ON", NULL };
	static const char *const falses[] = { "n", "N", "no", "No", "NO",
		"false", "False", "FALSE", "off", "Off", "OFF", NULL };
	static const char *const nans[] = { ".nan", ".NaN", ".NAN", NULL };
	static const char *const pinfs[] = { ".inf", ".Inf", ".INF", "+.inf",
		"+.Inf", "+.INF", NULL };
	static const char *const ninfs[] = { "-.inf", "-.Inf", "-.INF",
		NULL };
	char c = n > 0 ? s[0] : 'N';
	char *plain;
	size_t pn, i;
	bool neg;

	memset(out, 0, sizeof(*out));
	out->t = Y_STR;
	if (!(c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9') ||
	    strchr("yYnNtTfFoO~N<", c) != NULL))
		return;
	if (in_list(s, n, nulls)) {
		out->t = Y_NULL;
		return;
	}
	if (in_list(s, n, trues) || in_list(s, n, falses)) {
		out->t = Y_BOOL;
		out->b = in_list(s, n, trues);
		return;
	}
	if (in_list(s, n, nans)) {
		out->t = Y_FLOAT;
		out->f = NAN;
		return;
	}
	if (in_list(s, n, pinfs) || in_list(s, n, ninfs)) {
		out->t = Y_FLOAT;
		out->f = in_list(s, n, pinfs) ? INFINITY : -INFINITY;
		return;
	}
	if (n == 2 && s[0] == '<' && s[1] == '<') {
		out->t = Y_MERGE;
		return;
	}
	if (c == '.') {
		if (yaml_style_float(s, n) && go_parse_float(s, n, &out->f))
			out->t = Y_FLOAT;
		return;
	}
	if (!(c == '+' || c == '-' || (c >= '0' && c <= '9')))
		return;
	if (is_timestamp(s, n)) {
		out->t = Y_TIMESTAMP;   /* kept as the string, as go-yaml v2 */
		return;
	}
	if ((plain = malloc(n + 1)) == NULL)
		return;
	for (i = pn = 0; i < n; i++)
		if (s[i] != '_')
			plain[pn++] = s[i];
	plain[pn] = '\0';
	if (go_parse_int(plain, pn, true, &out->i, &out->u, &neg))
		out->t = Y_INT;
	else if (go_parse_int(plain, pn, false, &out->i, &out->u, &neg))
		out->t = Y_UINT;
	else if (yaml_style_float(plain, pn) &&
	    go_parse_float(plain, pn, &out->f))
		out->t = Y_FLOAT;
	free(plain);
}

/* ------------------------------------------------------------------ */
/* Loading: libyaml events -> values.                                   */

struct yanchor {
	const char *name;        /* NULL: free slot */
	const rv *v;             /* NULL while its node is being built */
	uint64_t size;           /* nodes with aliases expanded */
	bool scalar;
	struct yscalar ys;       /* scalar anchors: for use as keys */
};

struct yframe {
	bool map;
	const char *anchor;
	struct rv_vec items;     /* map: key, value, key, value, ... */
	size_t *mpos;            /* map: positions of "<<" keys */
	size_t nm, capm;
	uint64_t size;
};

struct yload {
	ccakit_rego_bictx *ctx;
	struct rego_arena *ar;
	struct yframe *st;
	size_t depth;
	struct yanchor *anch;
	size_t capanch, nanch;
	uint64_t total;          /* expanded nodes so far */
	const rv *result;
	bool done;
	char *err;
	size_t errlen;
	int rc;                  /* evaluation error (limits) */
};

static uint64_t
str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static struct yanchor *
anchor_find(struct yload *l, const char *name, bool add)
{
	size_t i;

	if (l->capanch == 0 || (add && (l->nanch + 1) * 2 > l->capanch)) {
		size_t nc = l->capanch == 0 ? 16 : l->capanch * 2, j;
		struct yanchor *na = ra_zalloc(l->ar, nc * sizeof(*na));

		if (na == NULL)
			return NULL;
		for (j = 0; j < l->capanch; j++) {
			struct yanchor *o = &l->anch[j];

			if (o->name == NULL)
				continue;
			for (i = (size_t)(str_hash(o->name) % nc);
			    na[i].name != NULL; i = (i + 1) % nc)
				;
			na[i] = *o;
		}
		l->anch = na;
		l->capanch = nc;
	}
	for (i = (size_t)(str_hash(name) % l->capanch);
	    l->anch[i].name != NULL; i = (i + 1) % l->capanch)
		if (strcmp(l->anch[i].name, name) == 0)
			return &l->anch[i];
	if (!add)
		return NULL;
	if ((l->anch[i].name = ra_strndup(l->ar, name, strlen(name))) == NULL)
		return NULL;
	l->nanch++;
	return &l->anch[i];
}

/* s with every invalid UTF-8 byte replaced by U+FFFD, in the arena
 * (s itself when valid). */
static const char *
utf8_fix(struct rego_arena *ar, const char *s, size_t n, size_t *outn)
{
	size_t off = 0, o = 0;
	char *d;

	*outn = n;
	if (rego_utf8_valid(s, n))
		return s;
	if ((d = ra_alloc(ar, n * 3 + 1)) == NULL)
		return NULL;
	while (off < n) {
		uint32_t cp;

		off += rego_utf8_dec(s + off, n - off, &cp);
		o += rego_utf8_enc(cp, d + o);
	}
	d[o] = '\0';
	*outn = o;
	return d;
}

static int
yfail(struct yload *l, const char *fmt, ...) CKI_PRINTF(2, 3);

static int
yfail(struct yload *l, const char *fmt, ...)
{
	va_list ap;

	if (l->err != NULL && l->errlen > 0 && l->err[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(l->err, l->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A JSON-compatible value of a resolved scalar (NULL + message: the
 * value has no JSON form). */
static const rv *
scalar_value(struct yload *l, const struct yscalar *ys, const char *s,
    size_t n)
{
	struct rego_buf b;
	const rv *v;

	switch (ys->t) {
	case Y_NULL:
		return RV_NULLV;
	case Y_BOOL:
		return RV_BOOLV(ys->b);
	case Y_INT:
		return rv_int(l->ar, ys->i);
	case Y_UINT:
	case Y_FLOAT:
		if (ys->t == Y_FLOAT && (isnan(ys->f) || isinf(ys->f))) {
			yfail(l, "json: unsupported value: %s",
			    isnan(ys->f) ? "NaN" : ys->f > 0 ? "+Inf" :
			    "-Inf");
			return NULL;
		}
		rb_init(&b, 64);
		if (ys->t == Y_UINT)
			rb_printf(&b, "%llu", (unsigned long long)ys->u);
		else
			rego_go_json_float(&b, ys->f);
		v = b.oom ? NULL : rv_num_parse(l->ar, b.p, b.len);
		rb_free(&b);
		return v;
	default:
		return rv_str(l->ar, s, n);
	}
}

/* A map key as sigs.k8s.io/yaml converts it to a JSON key. */
static const rv *
scalar_key(struct yload *l, const struct yscalar *ys, const char *s,
    size_t n)
{
	struct rego_buf b;
	const rv *v;

	switch (ys->t) {
	case Y_STR:
	case Y_TIMESTAMP:
	case Y_MERGE:
		return rv_str(l->ar, s, n);
	case Y_BOOL:
		return rv_cstr(l->ar, ys->b ? "true" : "false");
	case Y_INT:
	case Y_FLOAT:
		rb_init(&b, 64);
		if (ys->t == Y_INT)
			rb_printf(&b, "%lld", (long long)ys->i);
		else if (isnan(ys->f))
			rb_puts(&b, ".nan");
		else if (isinf(ys->f))
			rb_puts(&b, ys->f > 0 ? ".inf" : "-.inf");
		else
			rego_go_fmt_float(&b, ys->f, 'g', 32);
		v = b.oom ? NULL : rv_str(l->ar, b.p, b.len);
		rb_free(&b);
		return v;
	default:
		yfail(l, "yaml: unsupported map key: %s", ys->t == Y_NULL ?
		    "null" : "unsigned integer out of range");
		return NULL;
	}
}

/* Add a finished node to its parent (or make it the result). */
static int
yadd(struct yload *l, const rv *v, uint64_t size, const char *anchor,
    const struct yscalar *ys, bool merge_key)
{
	struct yframe *f;

	if (v == NULL)
		return l->ar->failed ? -2 : -1;
	if (anchor != NULL) {
		struct yanchor *a = anchor_find(l, anchor, true);

		if (a == NULL)
			return -2;
		a->v = v;
		a->size = size;
		a->scalar = ys != NULL;
		if (ys != NULL)
			a->ys = *ys;
	}
	l->total += size;
	if (l->total > YAML_MAX_NODES)
		return yfail(l, "yaml: document contains excessive aliasing");
	if (l->depth == 0) {
		l->result = v;
		return 0;
	}
	f = &l->st[l->depth - 1];
	f->size += size;
	if (f->map && f->items.n % 2 == 0 && merge_key) {
		if (f->nm == f->capm) {
			size_t nc = f->capm == 0 ? 4 : f->capm * 2;
			size_t *np = ra_alloc(l->ar, nc * sizeof(*np));

			if (np == NULL)
				return -2;
			if (f->nm > 0)
				memcpy(np, f->mpos, f->nm * sizeof(*np));
			f->mpos = np;
			f->capm = nc;
		}
		f->mpos[f->nm++] = f->items.n;
	}
	if (rvv_push(&f->items, v) != 0)
		return -2;
	return 0;
}

/* Key position in the innermost open mapping? */
static bool
at_key(const struct yload *l)
{
	return l->depth > 0 && l->st[l->depth - 1].map &&
	    l->st[l->depth - 1].items.n % 2 == 0;
}

static const char *
anchor_of(const unsigned char *a)
{
	return (const char *)a;
}

static bool
tag_is(const unsigned char *tag, const char *name)
{
	static const char pfx[] = "tag:yaml.org,2002:";

	return tag != NULL && strncmp((const char *)tag, pfx,
	    sizeof(pfx) - 1) == 0 && strcmp((const char *)tag +
	    sizeof(pfx) - 1, name) == 0;
}

static const char *
short_tag(enum ytype t)
{
	switch (t) {
	case Y_NULL: return "!!null";
	case Y_BOOL: return "!!bool";
	case Y_INT:
	case Y_UINT: return "!!int";
	case Y_FLOAT: return "!!float";
	case Y_TIMESTAMP: return "!!timestamp";
	case Y_MERGE: return "!!merge";
	default: return "!!str";
	}
}

static int
on_scalar(struct yload *l, const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	const unsigned char *tag = ev->data.scalar.tag;
	struct yscalar ys;
	const rv *v;
	bool key = at_key(l);

	memset(&ys, 0, sizeof(ys));
	ys.t = Y_STR;
	if (tag == NULL && !ev->data.scalar.plain_implicit) {
		/* quoted or block scalar: a string */
	} else if (tag == NULL || tag_is(tag, "bool") || tag_is(tag, "int") ||
	    tag_is(tag, "float") || tag_is(tag, "null") ||
	    tag_is(tag, "timestamp") || tag_is(tag, "merge")) {
		resolve_plain(s, n, &ys);
		if (tag != NULL) {
			bool ok = (tag_is(tag, "bool") && ys.t == Y_BOOL) ||
			    (tag_is(tag, "int") && (ys.t == Y_INT ||
			    ys.t == Y_UINT)) ||
			    (tag_is(tag, "float") && (ys.t == Y_FLOAT ||
			    ys.t == Y_INT || ys.t == Y_UINT)) ||
			    (tag_is(tag, "null") && ys.t == Y_NULL) ||
			    (tag_is(tag, "timestamp") &&
			    ys.t == Y_TIMESTAMP) ||
			    (tag_is(tag, "merge") && ys.t == Y_MERGE);

			if (!ok)
				return yfail(l, "yaml: cannot decode %s `%.*s` "
				    "as a !!%s", short_tag(ys.t),
				    (int)(n > 100 ? 100 : n), s,
				    (const char *)tag + 18);
			if (tag_is(tag, "float") && ys.t == Y_INT) {
				ys.t = Y_FLOAT;
				ys.f = (double)ys.i;
			} else if (tag_is(tag, "float") && ys.t == Y_UINT) {
				ys.t = Y_FLOAT;
				ys.f = (double)ys.u;
			}
		}
	} else if (tag_is(tag, "binary")) {
		size_t cap = n / 4 * 3 + 4, dn = 0, i, bn = 0;
		uint8_t *d = ra_alloc(l->ar, cap + 1);
		char *b64 = ra_alloc(l->ar, n + 1);

		if (d == NULL || b64 == NULL)
			return -2;
		/* Go's decoder skips line breaks. */
		for (i = 0; i < n; i++)
			if (s[i] != '\r' && s[i] != '\n')
				b64[bn++] = s[i];
		if (ccakit_b64_decode(b64, bn, CCAKIT_B64_STD, d, cap, &dn) !=
		    CCAKIT_OK)
			return yfail(l, "yaml: !!binary value contains "
			    "invalid base64 data");
		d[dn] = '\0';
		/* Bytes that are not UTF-8 become U+FFFD (Go's JSON
		 * encoder). */
		if ((s = utf8_fix(l->ar, (const char *)d, dn, &n)) == NULL)
			return -2;
	}
	/* Any other tag (!!str, "!", application tags): the text. */
	if (key)
		v = scalar_key(l, &ys, s, n);
	else
		v = scalar_value(l, &ys, s, n);
	return yadd(l, v, 1, anchor_of(ev->data.scalar.anchor), &ys,
	    key && ys.t == Y_MERGE);
}

static int
on_alias(struct yload *l, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	struct yanchor *a = anchor_find(l, name, false);

	if (a == NULL)
		return yfail(l, "yaml: unknown anchor '%s' referenced", name);
	if (a->v == NULL)
		return yfail(l, "yaml: anchor '%s' value contains itself",
		    name);
	if (at_key(l)) {
		const rv *k;

		if (!a->scalar)
			return yfail(l, "yaml: invalid map key: an alias of a "
			    "collection");
		if (a->v->t == RV_STR)
			k = a->v;
		else if (a->v->t == RV_NULL)
			return yfail(l, "yaml: unsupported map key: null");
		else if (a->v->t == RV_BOOL)
			k = rv_cstr(l->ar, a->v->b ? "true" : "false");
		else
			k = scalar_key(l, &a->ys, "", 0);
		return yadd(l, k, a->size, NULL, NULL, false);
	}
	return yadd(l, a->v, a->size, NULL, NULL, false);
}

static int
on_start(struct yload *l, const unsigned char *anchor, bool map)
{
	struct yframe *f;

	if (at_key(l))
		return yfail(l, "yaml: invalid map key: a %s",
		    map ? "mapping" : "sequence");
	if (l->depth >= CCAKIT_REGO_MAX_DEPTH)
		return yfail(l, "yaml: exceeded max depth of %d",
		    CCAKIT_REGO_MAX_DEPTH);
	f = &l->st[l->depth++];
	memset(f, 0, sizeof(*f));
	f->map = map;
	rvv_init(&f->items, l->ar);
	if (anchor != NULL) {
		struct yanchor *a = anchor_find(l, (const char *)anchor, true);

		if (a == NULL)
			return -2;
		a->v = NULL;    /* in progress */
		if ((f->anchor = ra_strndup(l->ar, (const char *)anchor,
		    strlen((const char *)anchor))) == NULL)
			return -2;
	}
	return 0;
}

/* Append the members of merged mapping m to keys/vals. */
static int
merge_into(struct yload *l, struct rv_vec *kv, const rv *m)
{
	size_t i;

	if (m->t != RV_OBJ)
		return yfail(l, "yaml: map merge requires map or sequence "
		    "of maps as the value");
	for (i = 0; i < m->n; i++)
		if (rvv_push(kv, m->u.a[i]) != 0 ||
		    rvv_push(kv, rv_obj_vals(m)[i]) != 0)
			return -2;
	return 0;
}

static int
on_end(struct yload *l)
{
	struct yframe *f = &l->st[l->depth - 1];
	const rv *v;
	uint64_t size = f->size + 1;
	const char *anchor = f->anchor;
	size_t i, j, mi = 0;

	if (!f->map) {
		v = rv_arr(l->ar, f->items.v, f->items.n);
	} else {
		struct rv_vec kv, ks, vs;

		rvv_init(&kv, l->ar);
		rvv_init(&ks, l->ar);
		rvv_init(&vs, l->ar);
		for (i = 0; i + 1 < f->items.n; i += 2) {
			const rv *k = f->items.v[i], *x = f->items.v[i + 1];
			bool merge = mi < f->nm && f->mpos[mi] == i;

			if (!merge) {
				if (rvv_push(&kv, k) != 0 ||
				    rvv_push(&kv, x) != 0)
					return -2;
				continue;
			}
			mi++;
			if (x->t == RV_ARR) {
				/* Earlier maps win: merge the last first. */
				for (j = x->n; j > 0; j--)
					if (merge_into(l, &kv, x->u.a[j - 1]) !=
					    0)
						return -1;
			} else if (merge_into(l, &kv, x) != 0) {
				return -1;
			}
		}
		for (i = 0; i + 1 < kv.n; i += 2)
			if (rvv_push(&ks, kv.v[i]) != 0 ||
			    rvv_push(&vs, kv.v[i + 1]) != 0)
				return -2;
		v = rv_obj(l->ar, ks.v, vs.v, ks.n, NULL);
	}
	l->depth--;
	return yadd(l, v, size, anchor, NULL, false);
}

static void
parser_error(struct yload *l, const yaml_parser_t *p)
{
	size_t line = 0;

	if (p->error == YAML_MEMORY_ERROR) {
		yfail(l, "yaml: out of memory");
		return;
	}
	if (p->problem_mark.line != 0) {
		line = p->problem_mark.line;
		if (p->error == YAML_SCANNER_ERROR)
			line++;
	} else if (p->context_mark.line != 0) {
		line = p->context_mark.line;
	}
	if (line != 0)
		yfail(l, "yaml: line %zu: %s", line, p->problem != NULL ?
		    p->problem : "unknown problem parsing YAML content");
	else
		yfail(l, "yaml: %s", p->problem != NULL ? p->problem :
		    "unknown problem parsing YAML content");
}

int
rego_yaml_load(ccakit_rego_bictx *ctx, const char *text, size_t len,
    const rv **out, char *err, size_t errlen)
{
	yaml_parser_t p;
	yaml_event_t ev;
	struct yload l;
	int rc = 0;

	memset(&l, 0, sizeof(l));
	l.ctx = ctx;
	l.ar = rego_bi_arena(ctx);
	l.err = err;
	l.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	*out = NULL;
	if (len > CCAKIT_REGO_MAX_JSON) {
		yfail(&l, "yaml: document larger than %u bytes",
		    CCAKIT_REGO_MAX_JSON);
		return CCAKIT_ERR_TOO_LARGE;
	}
	if ((l.st = ra_alloc(l.ar, (CCAKIT_REGO_MAX_DEPTH + 1) *
	    sizeof(*l.st))) == NULL)
		return rego_bi_nomem(ctx);
	if (!yaml_parser_initialize(&p))
		return rego_bi_nomem(ctx);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	l.result = RV_NULLV;    /* an empty stream is null */
	while (!l.done && rc == 0) {
		if ((rc = rego_bi_step(ctx, 1)) != CCAKIT_OK) {
			yaml_parser_delete(&p);
			return rc;
		}
		if (!yaml_parser_parse(&p, &ev)) {
			parser_error(&l, &p);
			rc = -1;
			break;
		}
		switch (ev.type) {
		case YAML_SCALAR_EVENT:
			rc = on_scalar(&l, &ev);
			break;
		case YAML_ALIAS_EVENT:
			rc = on_alias(&l, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			rc = on_start(&l, ev.data.sequence_start.anchor, false);
			break;
		case YAML_MAPPING_START_EVENT:
			rc = on_start(&l, ev.data.mapping_start.anchor, true);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			rc = on_end(&l);
			break;
		case YAML_DOCUMENT_END_EVENT:
		case YAML_STREAM_END_EVENT:
			l.done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (rc == -2 || l.ar->failed)
		return rego_bi_nomem(ctx);
	if (rc != 0)
		return CCAKIT_ERR_JSON;
	*out = l.result;
	return CCAKIT_OK;
}

static int
bi_yaml_unmarshal(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	char err[300];
	int rc;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	rc = rego_yaml_load(ctx, a[0]->u.s, a[0]->n, out, err, sizeof(err));
	if (rc == CCAKIT_ERR_JSON || rc == CCAKIT_ERR_TOO_LARGE)
		return ccakit_rego_bi_error(ctx, "%s", err);
	return rc;
}

static int
bi_yaml_is_valid(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	const rv *v;
	int rc;

	if (a[0]->t != RV_STR) {
		*out = RV_FALSE;
		return CCAKIT_OK;
	}
	rc = rego_yaml_load(ctx, a[0]->u.s, a[0]->n, &v, NULL, 0);
	if (rc == CCAKIT_ERR_JSON || rc == CCAKIT_ERR_TOO_LARGE) {
		*out = RV_FALSE;
		return CCAKIT_OK;
	}
	if (rc != CCAKIT_OK)
		return rc;
	*out = RV_TRUE;
	return CCAKIT_OK;
}

/* ------------------------------------------------------------------ */
/* Emitting.                                                            */

/* go-yaml v2's isBase60Float:
 * ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$ */
static bool
is_base60_float(const char *s, size_t n)
{
	size_t i = 0, groups = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i >= n || !isdigit((unsigned char)s[i]))
		return false;
	for (i++; i < n && (isdigit((unsigned char)s[i]) || s[i] == '_'); i++)
		;
	while (i < n && s[i] == ':') {
		size_t d = ++i;

		while (i < n && isdigit((unsigned char)s[i]) && i - d < 2)
			i++;
		if (i == d || (i - d == 2 && s[d] > '5'))
			return false;
		groups++;
	}
	if (groups == 0)
		return false;
	if (i < n && s[i] == '.')
		for (i++; i < n && (isdigit((unsigned char)s[i]) ||
		    s[i] == '_'); i++)
			;
	return i == n;
}

struct yemit {
	ccakit_rego_bictx *ctx;
	yaml_emitter_t em;
	struct rego_buf *out;
	struct rego_buf tmp;     /* key texts, numbers */
	int rc;
};

static int
y_write(void *data, unsigned char *buf, size_t n)
{
	struct rego_buf *b = data;

	rb_put(b, (const char *)buf, n);
	return b->oom ? 0 : 1;
}

static int
emit(struct yemit *e, yaml_event_t *ev)
{
	if (!yaml_emitter_emit(&e->em, ev)) {
		if (e->rc == 0)
			e->rc = e->out->oom ? rego_bi_nomem(e->ctx) :
			    ccakit_rego_bi_error(e->ctx, "yaml: %s",
			    e->em.problem != NULL ? e->em.problem :
			    "emitter error");
		return -1;
	}
	return 0;
}

static int
emit_scalar(struct yemit *e, const char *s, size_t n,
    yaml_scalar_style_t style)
{
	yaml_event_t ev;

	if (n > INT32_MAX || !yaml_scalar_event_initialize(&ev, NULL, NULL,
	    (yaml_char_t *)(uintptr_t)s, (int)n, 1, 1, style)) {
		e->rc = rego_bi_nomem(e->ctx);
		return -1;
	}
	return emit(e, &ev);
}

/* go-yaml v2's stringv: the style a string gets. */
static int
emit_string(struct yemit *e, const char *s, size_t n)
{
	struct yscalar ys;

	if (memchr(s, '\n', n) != NULL)
		return emit_scalar(e, s, n, YAML_LITERAL_SCALAR_STYLE);
	resolve_plain(s, n, &ys);
	if (ys.t == Y_STR && !is_base60_float(s, n))
		return emit_scalar(e, s, n, YAML_PLAIN_SCALAR_STYLE);
	return emit_scalar(e, s, n, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
}

/* A number as go-yaml prints what it read from JSON: integers as
 * integers (int64, then uint64), the rest as floats ('g', shortest). */
static int
emit_number(struct yemit *e, const rv *v)
{
	struct yscalar ys;
	char text[64];
	size_t n = rv_num_text(v, text, sizeof(text));
	int rc;

	if (n >= sizeof(text)) {
		ys.t = Y_FLOAT;
		ys.f = rv_num_dbl(v);
	} else {
		resolve_plain(text, n, &ys);
	}
	if (ys.t == Y_INT || ys.t == Y_UINT)
		return emit_scalar(e, text, n, YAML_PLAIN_SCALAR_STYLE);
	if (ys.t != Y_FLOAT)
		ys.f = rv_num_dbl(v);
	e->tmp.len = 0;
	e->tmp.oom = false;
	if (isnan(ys.f))
		rb_puts(&e->tmp, ".nan");
	else if (isinf(ys.f))
		rb_puts(&e->tmp, ys.f > 0 ? ".inf" : "-.inf");
	else
		rego_go_fmt_float(&e->tmp, ys.f, 'g', 64);
	if (e->tmp.oom) {
		e->rc = rego_bi_nomem(e->ctx);
		return -1;
	}
	rc = emit_scalar(e, rb_str(&e->tmp), e->tmp.len,
	    YAML_PLAIN_SCALAR_STYLE);
	return rc;
}

/* go-yaml v2's key order: runs of digits compare as numbers, letters
 * after other characters. Letters are ASCII letters and any non-ASCII
 * code point (Go's unicode.IsLetter, approximated). */
static bool
y_letter(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0xAA;
}

static bool
y_digit(uint32_t c)
{
	return c >= '0' && c <= '9';
}

struct ykey {
	const char *s;
	size_t n;
	size_t idx;
};

static int
ykey_cmp(const void *pa, const void *pb)
{
	const struct ykey *ka = pa, *kb = pb;
	size_t ia = 0, ib = 0;

	/* Rune by rune; runs of digits on the byte level (ASCII). */
	while (ia < ka->n && ib < kb->n) {
		uint32_t ca, cb;
		size_t la = rego_utf8_dec(ka->s + ia, ka->n - ia, &ca);
		size_t lb = rego_utf8_dec(kb->s + ib, kb->n - ib, &cb);
		bool al, bl;
		size_t ja, jb;
		uint64_t an = 0, bn = 0;

		if (ca == cb) {
			ia += la;
			ib += lb;
			continue;
		}
		al = y_letter(ca);
		bl = y_letter(cb);
		if (al && bl)
			return ca < cb ? -1 : 1;
		if (al || bl)
			return bl ? -1 : 1;
		if (ca == '0' || cb == '0') {
			/* A zero inside a number with a non-zero digit
			 * before it counts as a digit. */
			size_t j = ia;

			while (j > 0 && y_digit((unsigned char)ka->s[j - 1])) {
				if (ka->s[j - 1] != '0') {
					an = bn = 1;
					break;
				}
				j--;
			}
		}
		for (ja = ia; ja < ka->n && y_digit((unsigned char)ka->s[ja]);
		    ja++)
			an = an * 10 + (uint64_t)(ka->s[ja] - '0');
		for (jb = ib; jb < kb->n && y_digit((unsigned char)kb->s[jb]);
		    jb++)
			bn = bn * 10 + (uint64_t)(kb->s[jb] - '0');
		if (an != bn)
			return an < bn ? -1 : 1;
		if (ja - ia != jb - ib)
			return ja - ia < jb - ib ? -1 : 1;
		return ca < cb ? -1 : 1;
	}
	/* Go compares rune counts. */
	{
		size_t ra = rego_utf8_len(ka->s, ka->n);
		size_t rb = rego_utf8_len(kb->s, kb->n);

		if (ra != rb)
			return ra < rb ? -1 : 1;
	}
	return 0;
}

static int emit_value(struct yemit *e, const rv *v, size_t depth);

static int
emit_map(struct yemit *e, const rv *v, size_t depth)
{
	struct rego_arena *ar = rego_bi_arena(e->ctx);
	struct ykey *keys;
	yaml_event_t ev;
	size_t i;

	if ((keys = ra_alloc(ar, (v->n + 1) * sizeof(*keys))) == NULL) {
		e->rc = rego_bi_nomem(e->ctx);
		return -1;
	}
	for (i = 0; i < v->n; i++) {
		const rv *k = v->u.a[i];

		keys[i].idx = i;
		if (k->t == RV_STR) {
			keys[i].s = k->u.s;
			keys[i].n = k->n;
		} else {
			struct rego_buf kb;

			rb_init(&kb, CCAKIT_REGO_MAX_JSON);
			rego_json_write(&kb, k, false, 0);
			keys[i].s = kb.oom ? NULL : ra_strndup(ar, rb_str(&kb),
			    kb.len);
			keys[i].n = kb.len;
			rb_free(&kb);
			if (keys[i].s == NULL) {
				e->rc = rego_bi_nomem(e->ctx);
				return -1;
			}
		}
	}
	qsort(keys, v->n, sizeof(*keys), ykey_cmp);
	yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
	    YAML_BLOCK_MAPPING_STYLE);
	if (emit(e, &ev) != 0)
		return -1;
	for (i = 0; i < v->n; i++) {
		/* Keys that differ only as JSON text of equal values
		 * cannot happen: keys are distinct values. */
		if (emit_string(e, keys[i].s, keys[i].n) != 0 ||
		    emit_value(e, rv_obj_vals(v)[keys[i].idx], depth + 1) != 0)
			return -1;
	}
	yaml_mapping_end_event_initialize(&ev);
	return emit(e, &ev);
}

static int
emit_value(struct yemit *e, const rv *v, size_t depth)
{
	yaml_event_t ev;
	size_t i;

	if ((e->rc = rego_bi_step(e->ctx, 1)) != CCAKIT_OK)
		return -1;
	if (depth > CCAKIT_REGO_MAX_DEPTH) {
		e->rc = ccakit_rego_bi_error(e->ctx, "value nested deeper "
		    "than %d", CCAKIT_REGO_MAX_DEPTH);
		return -1;
	}
	switch (v->t) {
	case RV_NULL:
		return emit_scalar(e, "null", 4, YAML_PLAIN_SCALAR_STYLE);
	case RV_BOOL:
		return v->b ? emit_scalar(e, "true", 4,
		    YAML_PLAIN_SCALAR_STYLE) : emit_scalar(e, "false", 5,
		    YAML_PLAIN_SCALAR_STYLE);
	case RV_NUM:
		return emit_number(e, v);
	case RV_STR: {
		/* Go's JSON encoder replaces invalid bytes by U+FFFD. */
		size_t n;
		const char *s = utf8_fix(rego_bi_arena(e->ctx), v->u.s, v->n,
		    &n);

		if (s == NULL) {
			e->rc = rego_bi_nomem(e->ctx);
			return -1;
		}
		return emit_string(e, s, n);
	}
	case RV_OBJ:
		return emit_map(e, v, depth);
	default:
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
		    YAML_BLOCK_SEQUENCE_STYLE);
		if (emit(e, &ev) != 0)
			return -1;
		for (i = 0; i < v->n; i++)
			if (emit_value(e, v->u.a[i], depth + 1) != 0)
				return -1;
		yaml_sequence_end_event_initialize(&ev);
		return emit(e, &ev);
	}
}

static int
bi_yaml_marshal(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct yemit e;
	yaml_event_t ev;
	int ok = 0;

	memset(&e, 0, sizeof(e));
	e.ctx = ctx;
	e.out = rego_bi_buf(ctx);
	rb_init(&e.tmp, 256);
	if (!yaml_emitter_initialize(&e.em))
		return rego_bi_nomem(ctx);
	yaml_emitter_set_output(&e.em, y_write, e.out);
	yaml_emitter_set_unicode(&e.em, 1);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	if (emit(&e, &ev) == 0 &&
	    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
	    emit(&e, &ev) == 0 && emit_value(&e, a[0], 0) == 0 &&
	    yaml_document_end_event_initialize(&ev, 1) &&
	    emit(&e, &ev) == 0 && yaml_stream_end_event_initialize(&ev) &&
	    emit(&e, &ev) == 0 && yaml_emitter_flush(&e.em))
		ok = 1;
	yaml_emitter_delete(&e.em);
	rb_free(&e.tmp);
	if (!ok)
		return e.rc != 0 ? e.rc : e.out->oom ? rego_bi_nomem(ctx) :
		    ccakit_rego_bi_error(ctx, "yaml: emitter error");
	NOMEM_IF(ctx, *out = rv_str(rego_bi_arena(ctx), rb_str(e.out),
	    e.out->len));
	return CCAKIT_OK;
}

const struct rego_bi_def rego_bi_yaml[] = {
	{ "yaml.marshal", 1, 0, bi_yaml_marshal },
	{ "yaml.unmarshal", 1, 0, bi_yaml_unmarshal },
	{ "yaml.is_valid", 1, 0, bi_yaml_is_valid },
	{ NULL, 0, 0, NULL },
};
