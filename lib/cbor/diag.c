/*
 * CBOR diagnostic notation (RFC 8949 §8) of a parsed item.
 *
 * Byte strings are h'..' in lower-case hex, text strings are quoted with
 * JSON escapes, floats use the shortest decimal form that reads back to
 * the same value (always with a fraction or an exponent, e.g. 1.0,
 * 1.0e+300), Infinity, -Infinity and NaN. Pretty output puts each array
 * element and map entry on its own line, indented by two spaces per
 * level; a tag around a non-empty container opens a level as well.
 *
 * The output is always NUL terminated when outsz > 0. On success and on
 * CCAKIT_ERR_BUFFER_TOO_SMALL, *outlen is the length of the complete
 * text without the NUL, so a buffer of *outlen + 1 bytes is enough (the
 * same contract as snprintf); out may be NULL with outsz 0 to measure.
 * When the buffer is too small it holds the truncated text.
 */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccakit/cbor.h"
#include "ccakit/err.h"

#include "cbor/cbor_priv.h"
#include "util/util.h"

struct out {
	char *buf;
	size_t cap;		/* room including the NUL */
	size_t len;		/* length of the complete text so far */
};

static void
emit(struct out *o, const char *s, size_t n)
{
	size_t room;

	if (o->cap > 0 && o->len < o->cap - 1) {
		room = o->cap - 1 - o->len;
		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len = n > SIZE_MAX - o->len ? SIZE_MAX : o->len + n;
}

static void
emits(struct out *o, const char *s)
{
	emit(o, s, strlen(s));
}

static void
indent(struct out *o, unsigned level)
{
	static const char sp[] = "                                ";
	size_t n = (size_t)level * 2;

	while (n > 0) {
		emit(o, sp, n < sizeof(sp) - 1 ? n : sizeof(sp) - 1);
		n -= n < sizeof(sp) - 1 ? n : sizeof(sp) - 1;
	}
}

static void
emit_hex(struct out *o, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char chunk[64];
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		chunk[k++] = digits[p[i] >> 4];
		chunk[k++] = digits[p[i] & 0xf];
		if (k == sizeof(chunk)) {
			emit(o, chunk, k);
			k = 0;
		}
	}
	emit(o, chunk, k);
}

static void
emit_text(struct out *o, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char esc[7];
	size_t i, run = 0;
	uint8_t c;

	emit(o, "\"", 1);
	for (i = 0; i < n; i++) {
		c = p[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		emit(o, (const char *)p + run, i - run);
		run = i + 1;
		esc[0] = '\\';
		esc[2] = '\0';
		switch (c) {
		case '"':
		case '\\':
			esc[1] = (char)c;
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = digits[c >> 4];
			esc[5] = digits[c & 0xf];
			esc[6] = '\0';
			break;
		}
		emits(o, esc);
	}
	emit(o, (const char *)p + run, n - run);
	emit(o, "\"", 1);
}

/*
 * The shortest decimal that reads back as d (util's shortest digits), in
 * positional notation when the decimal exponent is in [-5, 17), else as
 * d.ddde[+-]x; there is always a fraction (1.0, 1.0e+300).
 */
static void
emit_float(struct out *o, double d)
{
	char dig[CKI_DIGITS_MAX], b[48];
	int k, x, i, n = 0;

	if (isnan(d)) {
		emits(o, "NaN");
		return;
	}
	if (isinf(d)) {
		emits(o, d < 0 ? "-Infinity" : "Infinity");
		return;
	}
	if (signbit(d))
		b[n++] = '-';
	if (d == 0) {
		b[n++] = '0';
		b[n++] = '.';
		b[n++] = '0';
		emit(o, b, (size_t)n);
		return;
	}
	cki_shortest_digits(fabs(d), dig, &k, &x);
	if (x >= -5 && x < 17) {
		if (x < 0) {
			b[n++] = '0';
			b[n++] = '.';
			for (i = x + 1; i < 0; i++)
				b[n++] = '0';
			for (i = 0; i < k; i++)
				b[n++] = dig[i];
		} else {
			for (i = 0; i <= x; i++)
				b[n++] = i < k ? dig[i] : '0';
			b[n++] = '.';
			if (k <= x + 1)
				b[n++] = '0';
			for (i = x + 1; i < k; i++)
				b[n++] = dig[i];
		}
		emit(o, b, (size_t)n);
		return;
	}
	b[n++] = dig[0];
	b[n++] = '.';
	if (k == 1)
		b[n++] = '0';
	for (i = 1; i < k; i++)
		b[n++] = dig[i];
	n += snprintf(b + n, sizeof(b) - (size_t)n, "e%c%d", x < 0 ? '-' : '+',
	    x < 0 ? -x : x);
	emit(o, b, (size_t)n);
}

static void
emit_uint(struct out *o, const char *pfx, uint64_t v, const char *sfx)
{
	char b[32];

	(void)snprintf(b, sizeof(b), "%s%" PRIu64 "%s", pfx, v, sfx);
	emits(o, b);
}

/*
 * With CCAKIT_DIAG_EMBEDDED, a byte string holding exactly one strict
 * CBOR array, map or tag (a COSE structure, a claims map, a protected
 * header) is shown as <<item>> (RFC 8610 Appendix G.3). Scalars are not
 * expanded: a hash that happens to be valid CBOR stays hex.
 */
static bool
embedded(const struct ccakit_cbor_item *it, unsigned flags, unsigned level,
    struct ccakit_cbor_item *inner)
{
	if ((flags & CCAKIT_DIAG_EMBEDDED) == 0 || it->u == 0 ||
	    level + 1 + CCAKIT_CBOR_MAX_DEPTH > CKI_CBOR_DEPTH_CEIL)
		return false;
	if (ccakit_cbor_parse(it->data, (size_t)it->u, NULL, inner,
	    NULL) != CCAKIT_OK)
		return false;
	return inner->type == CCAKIT_CBOR_ARRAY ||
	    inner->type == CCAKIT_CBOR_MAP || inner->type == CCAKIT_CBOR_TAG;
}

static int
diag(struct out *o, const struct ccakit_cbor_item *it, unsigned flags,
    unsigned level)
{
	bool pretty = (flags & CCAKIT_DIAG_PRETTY) != 0;
	static const char *const simple[] = {
		"false", "true", "null", "undefined"
	};
	struct ccakit_cbor_iter iter;
	struct ccakit_cbor_item child;
	uint64_t i, n;
	bool ismap = it->type == CCAKIT_CBOR_MAP, nl;
	int r;

	if (level > CKI_CBOR_DEPTH_CEIL)
		return CCAKIT_ERR_CBOR_TOO_DEEP;
	switch (it->type) {
	case CCAKIT_CBOR_UINT:
		emit_uint(o, "", it->u, "");
		break;
	case CCAKIT_CBOR_NINT:
		if (it->u == UINT64_MAX)
			emits(o, "-18446744073709551616");
		else
			emit_uint(o, "-", it->u + 1, "");
		break;
	case CCAKIT_CBOR_BSTR:
		if (embedded(it, flags, level, &child)) {
			emit(o, "<< ", 3);
			if ((r = diag(o, &child, flags, level + 1)) != 0)
				return r;
			emit(o, " >>", 3);
			break;
		}
		emit(o, "h'", 2);
		emit_hex(o, it->data, (size_t)it->u);
		emit(o, "'", 1);
		break;
	case CCAKIT_CBOR_TSTR:
		emit_text(o, it->data, (size_t)it->u);
		break;
	case CCAKIT_CBOR_ARRAY:
	case CCAKIT_CBOR_MAP:
		emit(o, ismap ? "{" : "[", 1);
		n = ismap ? it->u * 2 : it->u;
		nl = pretty && n > 0;
		ccakit_cbor_iter_init(&iter, it);
		for (i = 0; i < n && ccakit_cbor_iter_next(&iter, &child); i++) {
			if (!ismap || (i & 1) == 0) {
				if (i > 0)
					emit(o, ",", 1);
				if (nl) {
					emit(o, "\n", 1);
					indent(o, level + 1);
				} else if (i > 0)
					emit(o, " ", 1);
			} else
				emit(o, ": ", 2);
			if ((r = diag(o, &child, flags, level + 1)) != 0)
				return r;
		}
		if (nl) {
			emit(o, "\n", 1);
			indent(o, level);
		}
		emit(o, ismap ? "}" : "]", 1);
		break;
	case CCAKIT_CBOR_TAG:
		emit_uint(o, "", it->u, "(");
		ccakit_cbor_tag_content(it, &child);
		nl = pretty && (child.type == CCAKIT_CBOR_ARRAY ||
		    child.type == CCAKIT_CBOR_MAP) && child.u > 0;
		if (nl) {
			emit(o, "\n", 1);
			indent(o, level + 1);
		}
		if ((r = diag(o, &child, flags, level + (nl ? 1 : 0))) != 0)
			return r;
		if (nl) {
			emit(o, "\n", 1);
			indent(o, level);
		}
		emit(o, ")", 1);
		break;
	case CCAKIT_CBOR_SIMPLE:
		if (it->u >= 20 && it->u <= 23)
			emits(o, simple[it->u - 20]);
		else
			emit_uint(o, "simple(", it->u, ")");
		break;
	case CCAKIT_CBOR_FLOAT:
		emit_float(o, it->f);
		break;
	default:
		return CCAKIT_ERR_CBOR_TYPE;
	}
	return 0;
}

int
ccakit_cbor_diag(const struct ccakit_cbor_item *it, bool pretty, char *out,
    size_t outsz, size_t *outlen)
{
	return ccakit_cbor_diag_ex(it, pretty ? CCAKIT_DIAG_PRETTY : 0, out,
	    outsz, outlen);
}

int
ccakit_cbor_diag_ex(const struct ccakit_cbor_item *it, unsigned flags,
    char *out, size_t outsz, size_t *outlen)
{
	struct out o;
	int r;

	if (it == NULL || (out == NULL && outsz != 0))
		return CCAKIT_ERR_INVALID_ARG;
	o.buf = out;
	o.cap = outsz;
	o.len = 0;
	r = diag(&o, it, flags, 0);
	if (outsz > 0)
		out[o.len < outsz ? o.len : outsz - 1] = '\0';
	if (r != 0)
		return r;
	if (outlen != NULL)
		*outlen = o.len;
	return o.len < outsz ? 0 : CCAKIT_ERR_BUFFER_TOO_SMALL;
}
