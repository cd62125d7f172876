/*
 * RFC 8785 JSON Canonicalization Scheme over jansson values (see
 * include/ccakit/jcs.h for the rules).
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ccakit/err.h>
#include <ccakit/jcs.h>

#include "util/util.h"

/* 2^53: every integer up to this magnitude is an exact double. */
#define EXACT_INT_MAX 9007199254740992LL

struct buf {
	char *p;
	size_t len, cap;
};

struct member {
	const char *key;
	size_t klen;
	const json_t *v;
};

static int
put(struct buf *b, const char *s, size_t n)
{
	size_t cap;
	char *p;

	if (n > CCAKIT_JCS_MAX_OUT - b->len)
		return CCAKIT_ERR_TOO_LARGE;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap != 0 ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL)
			return CCAKIT_ERR_NOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return CCAKIT_OK;
}

static int
puts_(struct buf *b, const char *s)
{
	return put(b, s, strlen(s));
}

/*
 * Decode one UTF-8 sequence at s[*i] (strict: shortest form, no
 * surrogates, at most U+10FFFF); false when invalid.
 */
static bool
utf8_next(const uint8_t *s, size_t len, size_t *i, uint32_t *cp)
{
	uint32_t c = s[*i], min;
	size_t n, j;

	if (c < 0x80) {
		*cp = c;
		(*i)++;
		return true;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 1;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		c &= 0x07;
		min = 0x10000;
	} else {
		return false;
	}
	if (len - *i <= n)
		return false;
	for (j = 1; j <= n; j++) {
		if ((s[*i + j] & 0xc0) != 0x80)
			return false;
		c = (c << 6) | (s[*i + j] & 0x3fu);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return false;
	*cp = c;
	*i += n + 1;
	return true;
}

static bool
utf8_valid(const char *s, size_t len)
{
	uint32_t cp;
	size_t i = 0;

	while (i < len)
		if (!utf8_next((const uint8_t *)s, len, &i, &cp))
			return false;
	return true;
}

/* A string with JSON.stringify's escapes (the input is valid UTF-8). */
static int
put_string(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char esc[8];
	const char *e;
	size_t i, run = 0;
	int r;

	if ((r = put(b, "\"", 1)) != CCAKIT_OK)
		return r;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		switch (c) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\b': e = "\\b"; break;
		case '\f': e = "\\f"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		default:
			esc[0] = '\\';
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			esc[6] = '\0';
			e = esc;
			break;
		}
		if ((r = put(b, s + run, i - run)) != CCAKIT_OK ||
		    (r = puts_(b, e)) != CCAKIT_OK)
			return r;
		run = i + 1;
	}
	if ((r = put(b, s + run, len - run)) != CCAKIT_OK)
		return r;
	return put(b, "\"", 1);
}

/* The first UTF-16 code unit of a code point. */
static uint32_t
utf16_lead(uint32_t cp)
{
	return cp < 0x10000 ? cp : 0xd800 + ((cp - 0x10000) >> 10);
}

/*
 * Order of member names by UTF-16 code units (RFC 8785 §3.2.3). Equal
 * code points give equal units; at the first difference the lead units
 * decide, and when those tie (two supplementary characters with one high
 * surrogate) the low surrogates, which follow code point order.
 */
static int
cmp_members(const void *pa, const void *pb)
{
	const struct member *a = pa, *b = pb;
	const uint8_t *sa = (const uint8_t *)a->key;
	const uint8_t *sb = (const uint8_t *)b->key;
	uint32_t ca = 0, cb = 0, la, lb;
	size_t i = 0, j = 0;

	while (i < a->klen && j < b->klen) {
		(void)utf8_next(sa, a->klen, &i, &ca);
		(void)utf8_next(sb, b->klen, &j, &cb);
		if (ca == cb)
			continue;
		la = utf16_lead(ca);
		lb = utf16_lead(cb);
		if (la != lb)
			return la < lb ? -1 : 1;
		return ca < cb ? -1 : 1;
	}
	if (i < a->klen)
		return 1;
	if (j < b->klen)
		return -1;
	return 0;
}

static int put_value(struct buf *b, const json_t *v, unsigned flags,
    unsigned depth, struct ccakit_errdetail *d);

static int
put_object(struct buf *b, const json_t *v, unsigned flags, unsigned depth,
    struct ccakit_errdetail *d)
{
	struct member *m = NULL;
	size_t n = json_object_size(v), i = 0;
	void *it;
	int r = CCAKIT_OK;

	if (n > 0 && (m = calloc(n, sizeof(*m))) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	for (it = json_object_iter((json_t *)(uintptr_t)v); it != NULL && i < n;
	    it = json_object_iter_next((json_t *)(uintptr_t)v, it), i++) {
		m[i].key = json_object_iter_key(it);
		m[i].klen = json_object_iter_key_len(it);
		m[i].v = json_object_iter_value(it);
		if (!utf8_valid(m[i].key, m[i].klen)) {
			r = cki_detail(d, CCAKIT_ERR_JSON, "jcs",
			    "member name is not valid UTF-8");
			goto out;
		}
	}
	n = i;
	if (n > 1)
		qsort(m, n, sizeof(*m), cmp_members);
	if ((r = put(b, "{", 1)) != CCAKIT_OK)
		goto out;
	for (i = 0; i < n; i++) {
		if ((i > 0 && (r = put(b, ",", 1)) != CCAKIT_OK) ||
		    (r = put_string(b, m[i].key, m[i].klen)) != CCAKIT_OK ||
		    (r = put(b, ":", 1)) != CCAKIT_OK ||
		    (r = put_value(b, m[i].v, flags, depth + 1, d)) !=
		    CCAKIT_OK)
			goto out;
	}
	r = put(b, "}", 1);
out:
	free(m);
	return r;
}

static int
put_number(struct buf *b, double x, struct ccakit_errdetail *d)
{
	char s[CCAKIT_JCS_NUMBER_MAX];

	if (ccakit_jcs_number(x, s, sizeof(s)) != CCAKIT_OK)
		return cki_detail(d, CCAKIT_ERR_JSON, "jcs",
		    "NaN or an infinity has no JSON form");
	return puts_(b, s);
}

static int
put_integer(struct buf *b, json_int_t i, unsigned flags,
    struct ccakit_errdetail *d)
{
	char s[32];
	double x;

	if (i >= -EXACT_INT_MAX && i <= EXACT_INT_MAX) {
		/* Exact, and Number::toString writes its decimal digits. */
		(void)snprintf(s, sizeof(s), "%" JSON_INTEGER_FORMAT, i);
		return puts_(b, s);
	}
	x = (double)i;
	if ((flags & CCAKIT_JCS_EXACT) != 0 &&
	    (x >= 9223372036854775808.0 || (json_int_t)x != i))
		return cki_detail(d, CCAKIT_ERR_JSON, "jcs",
		    "integer %" JSON_INTEGER_FORMAT " is not exactly an "
		    "IEEE 754 double", i);
	return put_number(b, x, d);
}

static int
put_value(struct buf *b, const json_t *v, unsigned flags, unsigned depth,
    struct ccakit_errdetail *d)
{
	size_t i, n;
	int r;

	if (depth > CCAKIT_JCS_MAX_DEPTH)
		return cki_detail(d, CCAKIT_ERR_JSON, "jcs",
		    "nested deeper than %d", CCAKIT_JCS_MAX_DEPTH);
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return put_object(b, v, flags, depth, d);
	case JSON_ARRAY:
		if ((r = put(b, "[", 1)) != CCAKIT_OK)
			return r;
		n = json_array_size(v);
		for (i = 0; i < n; i++)
			if ((i > 0 && (r = put(b, ",", 1)) != CCAKIT_OK) ||
			    (r = put_value(b, json_array_get(v, i), flags,
			    depth + 1, d)) != CCAKIT_OK)
				return r;
		return put(b, "]", 1);
	case JSON_STRING:
		if (!utf8_valid(json_string_value(v), json_string_length(v)))
			return cki_detail(d, CCAKIT_ERR_JSON, "jcs",
			    "string is not valid UTF-8");
		return put_string(b, json_string_value(v),
		    json_string_length(v));
	case JSON_INTEGER:
		return put_integer(b, json_integer_value(v), flags, d);
	case JSON_REAL:
		return put_number(b, json_real_value(v), d);
	case JSON_TRUE:
		return puts_(b, "true");
	case JSON_FALSE:
		return puts_(b, "false");
	case JSON_NULL:
		return puts_(b, "null");
	}
	return cki_detail(d, CCAKIT_ERR_INTERNAL, NULL, NULL);
}

int
ccakit_jcs_value(const json_t *v, unsigned flags, char **out, size_t *outlen,
    struct ccakit_errdetail *d)
{
	struct buf b = { NULL, 0, 0 };
	int r;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (v == NULL || out == NULL || (flags & ~CCAKIT_JCS_EXACT) != 0)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if ((r = put_value(&b, v, flags, 0, d)) != CCAKIT_OK) {
		free(b.p);
		if (r == CCAKIT_ERR_TOO_LARGE)
			return cki_detail(d, r, "jcs",
			    "canonical form larger than %d bytes",
			    CCAKIT_JCS_MAX_OUT);
		return r == CCAKIT_ERR_NOMEM ?
		    cki_detail(d, r, NULL, NULL) : r;
	}
	*out = b.p;
	if (outlen != NULL)
		*outlen = b.len;
	return CCAKIT_OK;
}

int
ccakit_jcs_text(const char *json, size_t len, unsigned flags, char **out,
    size_t *outlen, struct ccakit_errdetail *d)
{
	json_error_t jerr;
	json_t *v;
	size_t jflags = JSON_REJECT_DUPLICATES | JSON_DECODE_ANY |
	    JSON_ALLOW_NUL;
	int r;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if ((json == NULL && len > 0) || out == NULL ||
	    (flags & ~CCAKIT_JCS_EXACT) != 0)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (len > CCAKIT_JCS_MAX_IN)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "jcs",
		    "JSON text larger than %d bytes", CCAKIT_JCS_MAX_IN);
	/* Read integers as doubles (JSON.parse) unless they must be exact. */
	if ((flags & CCAKIT_JCS_EXACT) == 0)
		jflags |= JSON_DECODE_INT_AS_REAL;
	if ((v = json_loadb(json != NULL ? json : "", len, jflags,
	    &jerr)) == NULL)
		return cki_detail(d, CCAKIT_ERR_JSON, "jcs",
		    "line %d column %d: %s", jerr.line, jerr.column,
		    jerr.text);
	r = ccakit_jcs_value(v, flags, out, outlen, d);
	json_decref(v);
	return r;
}
