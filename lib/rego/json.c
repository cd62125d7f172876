/*
 * JSON <-> Rego values. The reader builds values directly in an arena,
 * keeps number literals exactly (big integers stay exact, floats keep
 * their text), refuses invalid UTF-8 and caps nesting. Duplicate object
 * keys: the last one wins (as Go's encoding/json).
 *
 * The writer renders what OPA's JSON output renders: sets as sorted
 * arrays, non-string object keys as their compact JSON text, members in
 * byte order of the key text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/rego_priv.h"

struct jp {
	const char *s;
	size_t n, i;
	size_t depth, maxdepth;
	struct rego_arena *a;
	char *err;
	size_t errlen;
	bool failed;
};

static void
jerr(struct jp *p, const char *msg)
{
	if (!p->failed && p->err != NULL)
		snprintf(p->err, p->errlen, "%s at offset %zu", msg, p->i);
	p->failed = true;
}

static void
skip_ws(struct jp *p)
{
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' ||
	    p->s[p->i] == '\n' || p->s[p->i] == '\r'))
		p->i++;
}

static bool
read_u4(struct jp *p, uint32_t *out)
{
	uint32_t v = 0;
	int h, k;

	if (p->n - p->i < 4)
		return false;
	for (k = 0; k < 4; k++) {
		if ((h = cki_hex_nibble(p->s[p->i + (size_t)k])) < 0)
			return false;
		v = (v << 4) | (uint32_t)h;
	}
	p->i += 4;
	*out = v;
	return true;
}

/* Decode a string literal at p->i (at the opening quote). */
static const rv *
parse_string(struct jp *p)
{
	size_t start, j, len;
	char *buf, *o;
	uint32_t cp, lo;
	bool esc = false;

	start = ++p->i;
	for (j = start; j < p->n && p->s[j] != '"'; j++) {
		unsigned char c = (unsigned char)p->s[j];

		if (c < 0x20) {
			p->i = j;
			jerr(p, "control character in string");
			return NULL;
		}
		if (c == '\\') {
			esc = true;
			j++;
		}
	}
	if (j >= p->n) {
		jerr(p, "unterminated string");
		return NULL;
	}
	len = j - start;
	if (!rego_utf8_valid(p->s + start, len)) {
		jerr(p, "invalid UTF-8 in string");
		return NULL;
	}
	if (!esc) {
		p->i = j + 1;
		return rv_str(p->a, p->s + start, len);
	}
	if ((buf = ra_alloc(p->a, len + 1)) == NULL)
		return NULL;
	o = buf;
	p->i = start;
	while (p->i < j) {
		char c = p->s[p->i++];

		if (c != '\\') {
			*o++ = c;
			continue;
		}
		c = p->s[p->i++];
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (!read_u4(p, &cp)) {
				jerr(p, "bad \\u escape");
				return NULL;
			}
			if (cp >= 0xD800 && cp <= 0xDBFF && p->i + 6 <= j &&
			    p->s[p->i] == '\\' && p->s[p->i + 1] == 'u') {
				size_t save = p->i;

				p->i += 2;
				if (read_u4(p, &lo) && lo >= 0xDC00 &&
				    lo <= 0xDFFF)
					cp = 0x10000 + ((cp - 0xD800) << 10) +
					    (lo - 0xDC00);
				else
					p->i = save;
			}
			o += rego_utf8_enc(cp, o);
			break;
		default:
			p->i--;
			jerr(p, "bad escape in string");
			return NULL;
		}
	}
	p->i = j + 1;
	*o = '\0';
	return rv_str_ref(p->a, buf, (size_t)(o - buf));
}

static const rv *parse_value(struct jp *p);

static const rv *
parse_array(struct jp *p)
{
	struct rv_vec vv;
	const rv *x;

	p->i++;
	rvv_init(&vv, p->a);
	skip_ws(p);
	if (p->i < p->n && p->s[p->i] == ']') {
		p->i++;
		return &rv_empty_arr_v;
	}
	for (;;) {
		if ((x = parse_value(p)) == NULL)
			return NULL;
		if (rvv_push(&vv, x) != 0)
			return NULL;
		skip_ws(p);
		if (p->i < p->n && p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->i < p->n && p->s[p->i] == ']') {
			p->i++;
			break;
		}
		jerr(p, "expected ',' or ']'");
		return NULL;
	}
	return rv_arr(p->a, vv.v, vv.n);
}

static const rv *
parse_object(struct jp *p)
{
	struct rv_vec kk, vv;
	const rv *k, *v;

	p->i++;
	rvv_init(&kk, p->a);
	rvv_init(&vv, p->a);
	skip_ws(p);
	if (p->i < p->n && p->s[p->i] == '}') {
		p->i++;
		return &rv_empty_obj_v;
	}
	for (;;) {
		skip_ws(p);
		if (p->i >= p->n || p->s[p->i] != '"') {
			jerr(p, "expected string key");
			return NULL;
		}
		if ((k = parse_string(p)) == NULL)
			return NULL;
		skip_ws(p);
		if (p->i >= p->n || p->s[p->i] != ':') {
			jerr(p, "expected ':'");
			return NULL;
		}
		p->i++;
		if ((v = parse_value(p)) == NULL)
			return NULL;
		if (rvv_push(&kk, k) != 0 || rvv_push(&vv, v) != 0)
			return NULL;
		skip_ws(p);
		if (p->i < p->n && p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->i < p->n && p->s[p->i] == '}') {
			p->i++;
			break;
		}
		jerr(p, "expected ',' or '}'");
		return NULL;
	}
	return rv_obj(p->a, kk.v, vv.v, kk.n, NULL);
}

static bool
lit(struct jp *p, const char *w)
{
	size_t n = strlen(w);

	if (p->n - p->i >= n && memcmp(p->s + p->i, w, n) == 0) {
		p->i += n;
		return true;
	}
	return false;
}

static const rv *
parse_value(struct jp *p)
{
	const rv *r = NULL;
	size_t st;
	char c;

	skip_ws(p);
	if (p->i >= p->n) {
		jerr(p, "unexpected end of input");
		return NULL;
	}
	c = p->s[p->i];
	switch (c) {
	case '{':
	case '[':
		if (++p->depth > p->maxdepth) {
			jerr(p, "nesting too deep");
			return NULL;
		}
		r = c == '{' ? parse_object(p) : parse_array(p);
		p->depth--;
		break;
	case '"':
		r = parse_string(p);
		break;
	case 't':
		if (lit(p, "true"))
			return RV_TRUE;
		break;
	case 'f':
		if (lit(p, "false"))
			return RV_FALSE;
		break;
	case 'n':
		if (lit(p, "null"))
			return RV_NULLV;
		break;
	default:
		if (c == '-' || (c >= '0' && c <= '9')) {
			st = p->i;
			if (p->s[p->i] == '-')
				p->i++;
			while (p->i < p->n && ((p->s[p->i] >= '0' &&
			    p->s[p->i] <= '9') || p->s[p->i] == '.' ||
			    p->s[p->i] == 'e' || p->s[p->i] == 'E' ||
			    p->s[p->i] == '+' || p->s[p->i] == '-'))
				p->i++;
			/* JSON forbids leading zeros ("01") */
			if ((p->s[st] == '0' && p->i - st > 1 &&
			    p->s[st + 1] >= '0' && p->s[st + 1] <= '9') ||
			    (p->s[st] == '-' && p->i - st > 2 &&
			    p->s[st + 1] == '0' && p->s[st + 2] >= '0' &&
			    p->s[st + 2] <= '9')) {
				p->i = st;
				jerr(p, "invalid number");
				return NULL;
			}
			r = rv_num_parse(p->a, p->s + st, p->i - st);
			if (r == NULL && !p->a->failed) {
				p->i = st;
				jerr(p, "invalid number");
			}
			return r;
		}
		break;
	}
	if (r == NULL && !p->failed && !p->a->failed)
		jerr(p, "unexpected character");
	return r;
}

int
rego_json_parse(struct rego_arena *a, const char *s, size_t n,
    size_t max_depth, const rv **out, char *err, size_t errlen)
{
	struct jp p;
	const rv *v;

	memset(&p, 0, sizeof(p));
	p.s = s;
	p.n = n;
	p.a = a;
	p.maxdepth = max_depth;
	p.err = err;
	p.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((v = parse_value(&p)) == NULL) {
		if (a->failed)
			return CCAKIT_ERR_NOMEM;
		return CCAKIT_ERR_JSON;
	}
	skip_ws(&p);
	if (p.i != n) {
		jerr(&p, "trailing characters");
		return CCAKIT_ERR_JSON;
	}
	*out = v;
	return CCAKIT_OK;
}

/* ------------------------------------------------------------------ */
/* Writer.                                                              */

static void
json_str(struct rego_buf *b, const char *s, size_t n, bool html)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	rb_putc(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *e = NULL;
		char u[6];

		if (c >= 0x20 && c != '"' && c != '\\' && !(html &&
		    (c == '<' || c == '>' || c == '&')) && !(html &&
		    c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
		    ((unsigned char)s[i + 2] == 0xA8 ||
		    (unsigned char)s[i + 2] == 0xA9)))
			continue;
		rb_put(b, s + run, i - run);
		run = i + 1;
		if (c == 0xE2) {
			/* U+2028, U+2029 (Go escapes them) */
			rb_puts(b, (unsigned char)s[i + 2] == 0xA8 ?
			    "\\u2028" : "\\u2029");
			i += 2;
			run = i + 1;
			continue;
		}
		switch (c) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		default:
			u[0] = '\\';
			u[1] = 'u';
			u[2] = '0';
			u[3] = '0';
			u[4] = hex[c >> 4];
			u[5] = hex[c & 15];
			rb_put(b, u, 6);
			continue;
		}
		rb_puts(b, e);
	}
	rb_put(b, s + run, n - run);
	rb_putc(b, '"');
}

void
rego_json_str(struct rego_buf *b, const char *s, size_t n)
{
	json_str(b, s, n, false);
}

static void
nl_indent(struct rego_buf *b, const struct rego_json_opts *o, int level)
{
	int i;

	if (o->indent == NULL)
		return;
	rb_putc(b, '\n');
	if (o->prefix != NULL)
		rb_puts(b, o->prefix);
	for (i = 0; i < level; i++)
		rb_puts(b, o->indent);
}

struct jkey {
	const char *s;
	char *own;
	size_t n;
	size_t idx;
};

static int
jkey_cmp(const void *x, const void *y)
{
	const struct jkey *a = x, *b = y;
	size_t n = a->n < b->n ? a->n : b->n;
	int c = memcmp(a->s, b->s, n);

	if (c != 0)
		return c;
	return a->n < b->n ? -1 : (a->n > b->n ? 1 : 0);
}

static void
json_write(struct rego_buf *b, const rv *v, const struct rego_json_opts *o,
    int level)
{
	char num[400];
	size_t i, n;
	const char *sep = o->indent != NULL ? ": " : ":";

	switch (v->t) {
	case RV_NULL:
		rb_puts(b, "null");
		return;
	case RV_BOOL:
		rb_puts(b, v->b ? "true" : "false");
		return;
	case RV_NUM:
		n = rv_num_text(v, num, sizeof(num));
		rb_put(b, num, n < sizeof(num) ? n : sizeof(num) - 1);
		return;
	case RV_STR:
		json_str(b, v->u.s, v->n, o->html);
		return;
	case RV_ARR:
	case RV_SET:
		if (v->n == 0) {
			rb_puts(b, "[]");
			return;
		}
		rb_putc(b, '[');
		for (i = 0; i < v->n; i++) {
			if (i > 0)
				rb_putc(b, ',');
			nl_indent(b, o, level + 1);
			json_write(b, v->u.a[i], o, level + 1);
		}
		nl_indent(b, o, level);
		rb_putc(b, ']');
		return;
	case RV_OBJ:
		break;
	default:
		return;
	}
	if (v->n == 0) {
		rb_puts(b, "{}");
		return;
	}
	rb_putc(b, '{');
	/* all-string keys are already in byte order */
	if (v->u.a[v->n - 1]->t == RV_STR && v->u.a[0]->t == RV_STR) {
		for (i = 0; i < v->n; i++) {
			if (i > 0)
				rb_putc(b, ',');
			nl_indent(b, o, level + 1);
			json_str(b, v->u.a[i]->u.s, v->u.a[i]->n, o->html);
			rb_puts(b, sep);
			json_write(b, rv_obj_vals(v)[i], o, level + 1);
		}
	} else {
		struct jkey *keys = calloc(v->n, sizeof(*keys));
		struct rego_json_opts ko = { NULL, NULL, false };
		struct rego_buf kb;

		if (keys == NULL) {
			b->oom = true;
			return;
		}
		for (i = 0; i < v->n; i++) {
			const rv *k = v->u.a[i];

			keys[i].idx = i;
			if (k->t == RV_STR) {
				keys[i].s = k->u.s;
				keys[i].n = k->n;
				continue;
			}
			rb_init(&kb, b->max);
			json_write(&kb, k, &ko, 0);
			keys[i].n = kb.len;
			keys[i].own = kb.p;
			keys[i].s = kb.p != NULL ? kb.p : "";
			if (kb.oom)
				b->oom = true;
		}
		qsort(keys, v->n, sizeof(*keys), jkey_cmp);
		for (i = 0; i < v->n; i++) {
			if (i > 0)
				rb_putc(b, ',');
			nl_indent(b, o, level + 1);
			json_str(b, keys[i].s, keys[i].n, o->html);
			rb_puts(b, sep);
			json_write(b, rv_obj_vals(v)[keys[i].idx], o,
			    level + 1);
		}
		for (i = 0; i < v->n; i++)
			free(keys[i].own);
		free(keys);
	}
	nl_indent(b, o, level);
	rb_putc(b, '}');
}

void
rego_json_write_opts(struct rego_buf *b, const rv *v,
    const struct rego_json_opts *o)
{
	if (o->prefix != NULL && o->indent != NULL)
		rb_puts(b, o->prefix);
	json_write(b, v, o, 0);
}

void
rego_json_write(struct rego_buf *b, const rv *v, bool pretty, int indent)
{
	struct rego_json_opts o = { NULL, pretty ? "  " : NULL, false };

	json_write(b, v, &o, indent);
}
