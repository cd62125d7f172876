/*
 * jscan: a strict JSON scanner over text (see jscan.h). Every check
 * reads at most to s->end; recursion is bounded by JSCAN_MAX_DEPTH.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"

bool
jscan_ws(struct jscan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
	    *s->p == '\n' || *s->p == '\r'))
		s->p++;
	return s->p < s->end;
}

bool
jscan_peek(struct jscan *s, char c)
{
	return jscan_ws(s) && *s->p == c;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits after "\u"; -1 when they are not. */
static long
hex4(struct jscan *s)
{
	long v = 0;
	int i, h;

	if (s->end - s->p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if ((h = hexval((unsigned char)s->p[i])) < 0)
			return -1;
		v = v * 16 + h;
	}
	s->p += 4;
	return v;
}

/* One UTF-8 sequence starting at s->p (a byte >= 0x80): shortest form,
 * no surrogates, at most U+10FFFF. Its code point, or -1. */
static long
utf8_seq(struct jscan *s)
{
	const unsigned char *u = (const unsigned char *)s->p;
	size_t n, i, left = (size_t)(s->end - s->p);
	long cp;

	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		n = 2;
		cp = u[0] & 0x1f;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		n = 3;
		cp = u[0] & 0x0f;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		n = 4;
		cp = u[0] & 0x07;
	} else {
		return -1;
	}
	if (left < n)
		return -1;
	for (i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (u[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return -1;
	s->p += n;
	return cp;
}

/* Append code point cp to key as UTF-8 while it fits. */
static void
key_put(char *key, size_t keysz, size_t *klen, long cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (*klen == SIZE_MAX)
		return;
	if (*klen + n >= keysz) {
		*klen = SIZE_MAX;
		return;
	}
	memcpy(key + *klen, b, n);
	*klen += n;
}

/*
 * A string at s->p (its '"'), checked; decoded into key when key is not
 * NULL (see jscan_member).
 */
static bool
string(struct jscan *s, char *key, size_t keysz, size_t *klen)
{
	long cp, lo;
	unsigned char c;

	if (key != NULL)
		*klen = 0;
	s->p++;
	for (;;) {
		if (s->p >= s->end)
			return false;
		c = (unsigned char)*s->p;
		if (c == '"') {
			s->p++;
			break;
		}
		if (c < 0x20)
			return false;
		if (c >= 0x80) {
			if ((cp = utf8_seq(s)) < 0)
				return false;
		} else if (c != '\\') {
			s->p++;
			cp = c;
		} else {
			if (++s->p >= s->end)
				return false;
			switch (*s->p++) {
			case '"':	cp = '"'; break;
			case '\\':	cp = '\\'; break;
			case '/':	cp = '/'; break;
			case 'b':	cp = '\b'; break;
			case 'f':	cp = '\f'; break;
			case 'n':	cp = '\n'; break;
			case 'r':	cp = '\r'; break;
			case 't':	cp = '\t'; break;
			case 'u':
				if ((cp = hex4(s)) <= 0 ||
				    (cp >= 0xdc00 && cp <= 0xdfff))
					return false;
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (s->end - s->p < 2 || s->p[0] !=
					    '\\' || s->p[1] != 'u')
						return false;
					s->p += 2;
					if ((lo = hex4(s)) < 0xdc00 ||
					    lo > 0xdfff)
						return false;
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					    (lo - 0xdc00);
				}
				break;
			default:
				return false;
			}
		}
		if (key != NULL)
			key_put(key, keysz, klen, cp);
	}
	if (key != NULL && *klen != SIZE_MAX)
		key[*klen] = '\0';
	else if (key != NULL && keysz > 0)
		key[0] = '\0';
	return true;
}

static bool
digits(struct jscan *s)
{
	const char *p0 = s->p;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > p0;
}

/* An integer of nd digits at d fits int64 (jansson refuses others). */
static bool
int64_fits(const char *d, size_t nd, bool neg)
{
	if (nd < 19)
		return true;
	if (nd > 19)
		return false;
	return memcmp(d, neg ? "9223372036854775808" : "9223372036854775807",
	    19) <= 0;
}

/* A real number jansson reads: strtod does not overflow. */
static bool
real_fits(const char *p, size_t n)
{
	char buf[128], *t = buf, *end;
	double v;
	bool ok;

	if (n >= sizeof(buf) && (t = malloc(n + 1)) == NULL)
		return false;
	memcpy(t, p, n);
	t[n] = '\0';
	errno = 0;
	v = strtod(t, &end);
	ok = !(errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL));
	if (t != buf)
		free(t);
	return ok;
}

/* A number by the grammar, and within what jansson reads: an integer in
 * int64, a real that does not overflow a double. */
static bool
number(struct jscan *s)
{
	const char *p0 = s->p, *d;
	bool neg = false, real = false;

	if (*s->p == '-') {
		neg = true;
		s->p++;
	}
	if (s->p >= s->end)
		return false;
	d = s->p;
	if (*s->p == '0')
		s->p++;
	else if (!digits(s))
		return false;
	if (s->p < s->end && *s->p == '.') {
		real = true;
		s->p++;
		if (!digits(s))
			return false;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		real = true;
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (!digits(s))
			return false;
	}
	if (real)
		return real_fits(p0, (size_t)(s->p - p0));
	return int64_fits(d, (size_t)(s->p - d), neg);
}

static bool
literal(struct jscan *s, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n) != 0)
		return false;
	s->p += n;
	return true;
}

bool
jscan_object(struct jscan *s)
{
	if (!jscan_peek(s, '{'))
		return false;
	s->p++;
	return true;
}

int
jscan_member(struct jscan *s, bool *first, char *key, size_t keysz,
    size_t *klen)
{
	if (!jscan_ws(s))
		return -1;
	if (*s->p == '}') {
		s->p++;
		return 0;
	}
	if (!*first) {
		if (*s->p != ',')
			return -1;
		s->p++;
		if (!jscan_ws(s))
			return -1;
	}
	*first = false;
	if (*s->p != '"' || !string(s, key, keysz, klen) || !jscan_ws(s) ||
	    *s->p != ':')
		return -1;
	s->p++;
	return 1;
}

bool
jscan_value(struct jscan *s, unsigned depth)
{
	bool first = true;
	size_t klen;
	int m;

	if (depth > JSCAN_MAX_DEPTH || !jscan_ws(s))
		return false;
	switch (*s->p) {
	case '{':
		s->p++;
		while ((m = jscan_member(s, &first, NULL, 0, &klen)) == 1)
			if (!jscan_value(s, depth + 1))
				return false;
		return m == 0;
	case '[':
		s->p++;
		if (jscan_peek(s, ']')) {
			s->p++;
			return true;
		}
		for (;;) {
			if (!jscan_value(s, depth + 1) || !jscan_ws(s))
				return false;
			if (*s->p == ']') {
				s->p++;
				return true;
			}
			if (*s->p++ != ',')
				return false;
		}
	case '"':
		return string(s, NULL, 0, NULL);
	case 't':
		return literal(s, "true");
	case 'f':
		return literal(s, "false");
	case 'n':
		return literal(s, "null");
	default:
		return (*s->p == '-' || (*s->p >= '0' && *s->p <= '9')) &&
		    number(s);
	}
}

bool
jscan_string(struct jscan *s, char *buf, size_t bufsz, size_t *len)
{
	if (!jscan_peek(s, '"') || !string(s, buf, bufsz, len))
		return false;
	return *len != SIZE_MAX;
}

char *
jscan_string_dup(struct jscan *s, size_t *len)
{
	const char *p0;
	size_t n;
	char *b;

	if (!jscan_peek(s, '"'))
		return NULL;
	p0 = s->p;
	if (!string(s, NULL, 0, NULL))
		return NULL;
	/* Decoding never lengthens: the text's length is room enough. */
	n = (size_t)(s->p - p0);
	if ((b = malloc(n)) == NULL)
		return NULL;
	s->p = p0;
	if (!string(s, b, n, len) || *len == SIZE_MAX) {
		free(b);
		return NULL;
	}
	return b;
}
