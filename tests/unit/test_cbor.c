/*
 * Unit tests for lib/cbor: the strict reader, the writer and the
 * diagnostic printer.
 */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/cbor.h>
#include <ccakit/err.h>

#include "testutil.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Parse hex; the bytes stay valid (so does *it) until the next call.
 */
static int
parse_hex(const char *hex, struct ccakit_cbor_item *it, size_t *off)
{
	static uint8_t *b;
	struct ccakit_cbor_item dummy;
	size_t len;

	free(b);
	b = tu_hex(hex, &len);
	return ccakit_cbor_parse(b, len, NULL, it != NULL ? it : &dummy, off);
}

static void
expect_hex(const char *hex, int want, size_t want_off)
{
	size_t off = SIZE_MAX;
	int r;

	r = parse_hex(hex, NULL, &off);
	if (r != want)
		fail_msg("%s: got %d, want %d", hex, r, want);
	if (want != 0 && off != want_off)
		fail_msg("%s: offset %zu, want %zu", hex, off, want_off);
}

/*
 * Re-encode a parsed item with the writer (floats and negative integers
 * below INT64_MIN cannot be written and make this return false).
 */
static bool
reencode(struct ccakit_cbor_writer *w, const struct ccakit_cbor_item *it)
{
	struct ccakit_cbor_iter iter;
	struct ccakit_cbor_item c;
	int64_t v;

	switch (it->type) {
	case CCAKIT_CBOR_UINT:
		ccakit_cbor_put_uint(w, it->u);
		return true;
	case CCAKIT_CBOR_NINT:
		if (ccakit_cbor_get_int(it, &v) != 0)
			return false;
		ccakit_cbor_put_int(w, v);
		return true;
	case CCAKIT_CBOR_BSTR:
		ccakit_cbor_put_bstr(w, it->data, (size_t)it->u);
		return true;
	case CCAKIT_CBOR_TSTR:
		ccakit_cbor_put_tstr(w, (const char *)it->data, (size_t)it->u);
		return true;
	case CCAKIT_CBOR_ARRAY:
	case CCAKIT_CBOR_MAP:
	case CCAKIT_CBOR_TAG:
		if (it->type == CCAKIT_CBOR_ARRAY)
			ccakit_cbor_put_array(w, (size_t)it->u);
		else if (it->type == CCAKIT_CBOR_MAP)
			ccakit_cbor_put_map(w, (size_t)it->u);
		else
			ccakit_cbor_put_tag(w, it->u);
		ccakit_cbor_iter_init(&iter, it);
		while (ccakit_cbor_iter_next(&iter, &c))
			if (!reencode(w, &c))
				return false;
		return true;
	case CCAKIT_CBOR_SIMPLE:
		if (it->u == 20 || it->u == 21)
			ccakit_cbor_put_bool(w, it->u == 21);
		else if (it->u == 22)
			ccakit_cbor_put_null(w);
		else
			return false;
		return true;
	default:
		return false;
	}
}

static char *
diag_str(const struct ccakit_cbor_item *it, bool pretty)
{
	size_t need = 0, len = 0;
	char *s;

	assert_int_equal(ccakit_cbor_diag(it, pretty, NULL, 0, &need),
	    CCAKIT_ERR_BUFFER_TOO_SMALL);
	s = malloc(need + 1);
	assert_non_null(s);
	assert_int_equal(ccakit_cbor_diag(it, pretty, s, need + 1, &len), 0);
	assert_int_equal(len, need);
	assert_int_equal(strlen(s), len);
	return s;
}

/* --- RFC 8949 Appendix A --- */

static const struct {
	const char *hex;
	const char *diag;
	bool writable;		/* the writer reproduces the bytes */
} appendix_a[] = {
	{ "00", "0", true },
	{ "01", "1", true },
	{ "0a", "10", true },
	{ "17", "23", true },
	{ "1818", "24", true },
	{ "1819", "25", true },
	{ "1864", "100", true },
	{ "1903e8", "1000", true },
	{ "1a000f4240", "1000000", true },
	{ "1b000000e8d4a51000", "1000000000000", true },
	{ "1bffffffffffffffff", "18446744073709551615", true },
	{ "c249010000000000000000", "2(h'010000000000000000')", true },
	{ "3bffffffffffffffff", "-18446744073709551616", false },
	{ "c349010000000000000000", "3(h'010000000000000000')", true },
	{ "20", "-1", true },
	{ "29", "-10", true },
	{ "3863", "-100", true },
	{ "3903e7", "-1000", true },
	{ "f90000", "0.0", false },
	{ "f98000", "-0.0", false },
	{ "f93c00", "1.0", false },
	{ "fb3ff199999999999a", "1.1", false },
	{ "f93e00", "1.5", false },
	{ "f97bff", "65504.0", false },
	{ "fa47c35000", "100000.0", false },
	{ "fa7f7fffff", "3.4028234663852886e+38", false },
	{ "fb7e37e43c8800759c", "1.0e+300", false },
	{ "f90001", "5.960464477539063e-8", false },	/* shortest */
	/* Powers of two whose shortest form is not printf's rounding. */
	{ "fb0060000000000000", "7.120236347223045e-307", false },
	{ "fb0100000000000000", "7.291122019556398e-304", false },
	{ "f90400", "0.00006103515625", false },
	{ "f9c400", "-4.0", false },
	{ "fbc010666666666666", "-4.1", false },
	{ "f97c00", "Infinity", false },
	{ "f97e00", "NaN", false },
	{ "f9fc00", "-Infinity", false },
	{ "f4", "false", true },
	{ "f5", "true", true },
	{ "f6", "null", true },
	{ "f7", "undefined", false },
	{ "f0", "simple(16)", false },
	{ "f8ff", "simple(255)", false },
	{ "c074323031332d30332d32315432303a30343a30305a",
	    "0(\"2013-03-21T20:04:00Z\")", true },
	{ "c11a514b67b0", "1(1363896240)", true },
	{ "c1fb41d452d9ec200000", "1(1363896240.5)", false },
	{ "d74401020304", "23(h'01020304')", true },
	{ "d818456449455446", "24(h'6449455446')", true },
	{ "d82076687474703a2f2f7777772e6578616d706c652e636f6d",
	    "32(\"http://www.example.com\")", true },
	{ "40", "h''", true },
	{ "4401020304", "h'01020304'", true },
	{ "60", "\"\"", true },
	{ "6161", "\"a\"", true },
	{ "6449455446", "\"IETF\"", true },
	{ "62225c", "\"\\\"\\\\\"", true },
	{ "62c3bc", "\"\xc3\xbc\"", true },
	{ "63e6b0b4", "\"\xe6\xb0\xb4\"", true },
	{ "64f0908591", "\"\xf0\x90\x85\x91\"", true },
	{ "80", "[]", true },
	{ "83010203", "[1, 2, 3]", true },
	{ "8301820203820405", "[1, [2, 3], [4, 5]]", true },
	{ "98190102030405060708090a0b0c0d0e0f101112131415161718181819",
	    "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, "
	    "18, 19, 20, 21, 22, 23, 24, 25]", true },
	{ "a0", "{}", true },
	{ "a201020304", "{1: 2, 3: 4}", true },
	{ "a26161016162820203", "{\"a\": 1, \"b\": [2, 3]}", true },
	{ "826161a161626163", "[\"a\", {\"b\": \"c\"}]", true },
	{ "a56161614161626142616361436164614461656145",
	    "{\"a\": \"A\", \"b\": \"B\", \"c\": \"C\", \"d\": \"D\", "
	    "\"e\": \"E\"}", true },
};

/* Appendix A items that are valid CBOR but outside the strict profile. */
static const struct {
	const char *hex;
	int err;
	size_t off;
} appendix_a_rejected[] = {
	/* Floats that are not in preferred serialization. */
	{ "fa7f800000", CCAKIT_ERR_CBOR_NON_PREFERRED, 0 },
	{ "fa7fc00000", CCAKIT_ERR_CBOR_NON_PREFERRED, 0 },
	{ "faff800000", CCAKIT_ERR_CBOR_NON_PREFERRED, 0 },
	{ "fb7ff0000000000000", CCAKIT_ERR_CBOR_NON_PREFERRED, 0 },
	{ "fb7ff8000000000000", CCAKIT_ERR_CBOR_NON_PREFERRED, 0 },
	{ "fbfff0000000000000", CCAKIT_ERR_CBOR_NON_PREFERRED, 0 },
	/* Indefinite lengths. */
	{ "5f42010243030405ff", CCAKIT_ERR_CBOR_INDEFINITE, 0 },
	{ "7f657374726561646d696e67ff", CCAKIT_ERR_CBOR_INDEFINITE, 0 },
	{ "9fff", CCAKIT_ERR_CBOR_INDEFINITE, 0 },
	{ "9f018202039f0405ffff", CCAKIT_ERR_CBOR_INDEFINITE, 0 },
	{ "9f01820203820405ff", CCAKIT_ERR_CBOR_INDEFINITE, 0 },
	{ "83018202039f0405ff", CCAKIT_ERR_CBOR_INDEFINITE, 5 },
	{ "83019f0203ff820405", CCAKIT_ERR_CBOR_INDEFINITE, 2 },
	{ "9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff",
	    CCAKIT_ERR_CBOR_INDEFINITE, 0 },
	{ "bf61610161629f0203ffff", CCAKIT_ERR_CBOR_INDEFINITE, 0 },
	{ "826161bf61626163ff", CCAKIT_ERR_CBOR_INDEFINITE, 3 },
	{ "bf6346756ef563416d7421ff", CCAKIT_ERR_CBOR_INDEFINITE, 0 },
};

static void
test_appendix_a(void **state)
{
	struct ccakit_cbor_item it;
	struct ccakit_cbor_writer w;
	uint8_t *b, out[64];
	size_t i, len, wlen;
	char *d;

	(void)state;
	for (i = 0; i < NELEM(appendix_a); i++) {
		b = tu_hex(appendix_a[i].hex, &len);
		if (ccakit_cbor_parse(b, len, NULL, &it, NULL) != 0)
			fail_msg("%s rejected", appendix_a[i].hex);
		assert_ptr_equal(it.enc, b);
		assert_int_equal(it.enclen, len);
		d = diag_str(&it, false);
		if (strcmp(d, appendix_a[i].diag) != 0)
			fail_msg("%s: diag %s, want %s", appendix_a[i].hex, d,
			    appendix_a[i].diag);
		free(d);
		ccakit_cbor_writer_init(&w, out, sizeof(out));
		if (reencode(&w, &it) != appendix_a[i].writable)
			fail_msg("%s: writability", appendix_a[i].hex);
		if (appendix_a[i].writable) {
			assert_int_equal(ccakit_cbor_writer_finish(&w, &wlen),
			    0);
			assert_int_equal(wlen, len);
			assert_memory_equal(out, b, len);
		}
		free(b);
	}
	for (i = 0; i < NELEM(appendix_a_rejected); i++)
		expect_hex(appendix_a_rejected[i].hex,
		    appendix_a_rejected[i].err, appendix_a_rejected[i].off);
}

/*
 * Every Appendix A item whose first head has an argument, re-encoded
 * with each longer argument width, and every float widened, must be
 * rejected as not preferred.
 */
static void
test_appendix_a_non_preferred(void **state)
{
	struct ccakit_cbor_item it;
	uint8_t *b, nb[128];
	size_t i, len, hl, w, k, off;
	unsigned ai, major, ai2;
	uint64_t arg;
	float f;
	double d;
	uint32_t f32;
	uint64_t f64;
	int r;

	(void)state;
	for (i = 0; i < NELEM(appendix_a); i++) {
		b = tu_hex(appendix_a[i].hex, &len);
		assert_int_equal(ccakit_cbor_parse(b, len, NULL, &it, NULL), 0);
		major = b[0] >> 5;
		ai = b[0] & 0x1f;
		if (major == 7) {
			if (it.type != CCAKIT_CBOR_FLOAT || ai == 27) {
				free(b);
				continue;
			}
			/* Widen: half -> single and double, single -> double. */
			d = it.f;
			f = (float)d;
			memcpy(&f32, &f, 4);
			memcpy(&f64, &d, 8);
			if (ai == 25) {
				nb[0] = 0xfa;
				for (k = 0; k < 4; k++)
					nb[1 + k] = (uint8_t)(f32 >> (24 - 8 * k));
				off = SIZE_MAX;
				r = ccakit_cbor_parse(nb, 5, NULL, &it, &off);
				assert_int_equal(r, CCAKIT_ERR_CBOR_NON_PREFERRED);
				assert_int_equal(off, 0);
			}
			nb[0] = 0xfb;
			for (k = 0; k < 8; k++)
				nb[1 + k] = (uint8_t)(f64 >> (56 - 8 * k));
			r = ccakit_cbor_parse(nb, 9, NULL, &it, NULL);
			assert_int_equal(r, CCAKIT_ERR_CBOR_NON_PREFERRED);
			free(b);
			continue;
		}
		if (ai < 24) {
			arg = ai;
			hl = 1;
		} else {
			hl = 1 + ((size_t)1 << (ai - 24));
			for (arg = 0, k = 1; k < hl; k++)
				arg = arg << 8 | b[k];
		}
		for (ai2 = ai < 24 ? 24 : ai + 1; ai2 <= 27; ai2++) {
			w = (size_t)1 << (ai2 - 24);
			assert_true(1 + w + len - hl <= sizeof(nb));
			nb[0] = (uint8_t)(major << 5 | ai2);
			for (k = 0; k < w; k++)
				nb[1 + k] = (uint8_t)(arg >> (8 * (w - 1 - k)));
			memcpy(nb + 1 + w, b + hl, len - hl);
			off = SIZE_MAX;
			r = ccakit_cbor_parse(nb, 1 + w + len - hl, NULL, &it,
			    &off);
			if (r != CCAKIT_ERR_CBOR_NON_PREFERRED || off != 0)
				fail_msg("%s widened to ai %u: %d",
				    appendix_a[i].hex, ai2, r);
		}
		free(b);
	}
	/* Non-preferred heads inside containers and as tag numbers. */
	expect_hex("1800", CCAKIT_ERR_CBOR_NON_PREFERRED, 0);
	expect_hex("181700", CCAKIT_ERR_CBOR_NON_PREFERRED, 0);
	expect_hex("8201190001", CCAKIT_ERR_CBOR_NON_PREFERRED, 2);
	expect_hex("a161301817", CCAKIT_ERR_CBOR_NON_PREFERRED, 3);
	expect_hex("d8010a", CCAKIT_ERR_CBOR_NON_PREFERRED, 0);
	expect_hex("980100", CCAKIT_ERR_CBOR_NON_PREFERRED, 0);
	expect_hex("b80100", CCAKIT_ERR_CBOR_NON_PREFERRED, 0);
	expect_hex("5800", CCAKIT_ERR_CBOR_NON_PREFERRED, 0);
	expect_hex("7a0000000161", CCAKIT_ERR_CBOR_NON_PREFERRED, 0);
	expect_hex("3b00000000ffffffff", CCAKIT_ERR_CBOR_NON_PREFERRED, 0);
	expect_hex("1b0000000100000000", 0, 0);
	expect_hex("3b0000000100000000", 0, 0);
	expect_hex("1a00010000", 0, 0);
	expect_hex("190100", 0, 0);
}

/* --- RFC 8949 Appendix F: not well formed --- */

static const struct {
	const char *hex;
	int err;
} appendix_f[] = {
	/* End of input in a head */
	{ "18", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "19", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "1a", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "1b", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "1901", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "1a0102", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "1b01020304050607", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "38", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "58", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "78", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "98", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "9a01ff00", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "b8", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "d8", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "f8", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "f900", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "fa0000", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "fb000000", CCAKIT_ERR_CBOR_TRUNCATED },
	/* Definite-length strings with short data */
	{ "41", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "61", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "5affffffff00", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "5bffffffffffffffff010203", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "7affffffff00", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "7b7fffffffffffffff010203", CCAKIT_ERR_CBOR_TRUNCATED },
	/* Definite-length maps and arrays not closed with enough items */
	{ "81", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "818181818181818181", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "8200", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "a1", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "a20102", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "a100", CCAKIT_ERR_CBOR_TRUNCATED },
	{ "a2000000", CCAKIT_ERR_CBOR_TRUNCATED },
	/* Tag number not followed by tag content */
	{ "c0", CCAKIT_ERR_CBOR_TRUNCATED },
	/* Indefinite-length strings not closed by a break */
	{ "5f4100", CCAKIT_ERR_CBOR_INDEFINITE },
	{ "7f6100", CCAKIT_ERR_CBOR_INDEFINITE },
	/* Indefinite-length maps and arrays not closed by a break */
	{ "9f", CCAKIT_ERR_CBOR_INDEFINITE },
	{ "9f0102", CCAKIT_ERR_CBOR_INDEFINITE },
	{ "bf", CCAKIT_ERR_CBOR_INDEFINITE },
	{ "bf01020102", CCAKIT_ERR_CBOR_INDEFINITE },
	{ "819f", CCAKIT_ERR_CBOR_INDEFINITE },
	{ "9f8000", CCAKIT_ERR_CBOR_INDEFINITE },
	{ "9f9f9f9f9fffffffff", CCAKIT_ERR_CBOR_INDEFINITE },
	{ "9f819f819f9fffffff", CCAKIT_ERR_CBOR_INDEFINITE },
	/* Reserved additional information values */
	{ "1c", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "1d", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "1e", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "3c", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "3d", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "3e", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "5c", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "5d", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "5e", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "7c", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "7d", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "7e", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "9c", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "9d", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "9e", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "bc", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "bd", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "be", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "dc", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "dd", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "de", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "fc", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "fd", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "fe", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	/* Reserved two-byte encodings of simple values */
	{ "f800", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "f801", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "f818", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "f81f", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	/* Indefinite-length string chunks not of the correct type */
	{ "5f00ff", CCAKIT_ERR_CBOR_INDEFINITE },
	{ "5f21ff", CCAKIT_ERR_CBOR_INDEFINITE },
	{ "5f6100ff", CCAKIT_ERR_CBOR_INDEFINITE },
	{ "5f80ff", CCAKIT_ERR_CBOR_INDEFINITE },
	{ "5fa0ff", CCAKIT_ERR_CBOR_INDEFINITE },
	{ "5fc000ff", CCAKIT_ERR_CBOR_INDEFINITE },
	{ "5fe0ff", CCAKIT_ERR_CBOR_INDEFINITE },
	{ "7f4100ff", CCAKIT_ERR_CBOR_INDEFINITE },
	/* Indefinite-length string chunks not definite length */
	{ "5f5f4100ffff", CCAKIT_ERR_CBOR_INDEFINITE },
	{ "7f7f6100ffff", CCAKIT_ERR_CBOR_INDEFINITE },
	/* Break occurring on its own outside of an indefinite item */
	{ "ff", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	/* Break in a definite-length array or map or a tag */
	{ "81ff", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "8200ff", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "a1ff", CCAKIT_ERR_CBOR_TRUNCATED },	/* 1 byte for a pair */
	{ "a1ff00", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "a100ff", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "a20000ff", CCAKIT_ERR_CBOR_TRUNCATED },	/* 3 bytes for 2 pairs */
	{ "9f81ff", CCAKIT_ERR_CBOR_INDEFINITE },
	{ "9f829f819f9fffffffff", CCAKIT_ERR_CBOR_INDEFINITE },
	/* Break in an indefinite-length map in a value position */
	{ "bf00ff", CCAKIT_ERR_CBOR_INDEFINITE },
	{ "bf000000ff", CCAKIT_ERR_CBOR_INDEFINITE },
	/* Major types 0, 1 and 6 with additional information 31 */
	{ "1f", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "3f", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "df", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	/* Not in the RFC table. */
	{ "c1ff", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "a1f6ff", CCAKIT_ERR_CBOR_NOT_WELL_FORMED },
	{ "", CCAKIT_ERR_CBOR_TRUNCATED },
};

static void
test_appendix_f(void **state)
{
	size_t i, off;
	int r;

	(void)state;
	for (i = 0; i < NELEM(appendix_f); i++) {
		off = SIZE_MAX;
		r = parse_hex(appendix_f[i].hex, NULL, &off);
		if (r != appendix_f[i].err)
			fail_msg("%s: got %d, want %d", appendix_f[i].hex, r,
			    appendix_f[i].err);
		assert_true(off <= strlen(appendix_f[i].hex) / 2);
	}
	/* Offsets point at the faulty head. */
	expect_hex("8200ff", CCAKIT_ERR_CBOR_NOT_WELL_FORMED, 2);
	expect_hex("820041", CCAKIT_ERR_CBOR_TRUNCATED, 2);
	expect_hex("8200", CCAKIT_ERR_CBOR_TRUNCATED, 0);	/* count check */
	expect_hex("8300001c", CCAKIT_ERR_CBOR_NOT_WELL_FORMED, 3);
	expect_hex("81819f", CCAKIT_ERR_CBOR_INDEFINITE, 2);
}

/* --- exhaustive short inputs against a reference classifier --- */

/*
 * An independent, deliberately naive acceptor for the strict profile,
 * enough for inputs of a few bytes: recursive, one item at p[0..n),
 * returns the item length or 0 when rejected.
 */
static size_t ref_item(const uint8_t *p, size_t n, int depth);

static bool
ref_utf8(const uint8_t *s, size_t n)
{
	size_t i = 0, k, need;
	uint32_t cp, min;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0)
			need = 1, cp = s[i] & 0x1fu, min = 0x80;
		else if ((s[i] & 0xf0) == 0xe0)
			need = 2, cp = s[i] & 0x0fu, min = 0x800;
		else if ((s[i] & 0xf8) == 0xf0)
			need = 3, cp = s[i] & 0x07u, min = 0x10000;
		else
			return false;
		if (n - i - 1 < need)
			return false;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3fu);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += need + 1;
	}
	return true;
}

static size_t
ref_item(const uint8_t *p, size_t n, int depth)
{
	size_t hl, used, c, k, j;
	unsigned major, ai;
	uint64_t arg = 0;
	size_t keys[8];

	if (n == 0 || depth > CCAKIT_CBOR_MAX_DEPTH)
		return 0;
	major = p[0] >> 5;
	ai = p[0] & 31;
	if (ai >= 28)
		return 0;
	hl = ai < 24 ? 1 : 1 + ((size_t)1 << (ai - 24));
	if (hl > n)
		return 0;
	if (ai < 24)
		arg = ai;
	for (k = 1; k < hl; k++)
		arg = arg << 8 | p[k];
	if (major == 7) {
		if (ai == 24)
			return arg >= 32 ? hl : 0;
		if (ai == 25) {
			/* NaN only as 7e00. */
			if ((arg & 0x7c00) == 0x7c00 && (arg & 0x3ff) != 0)
				return arg == 0x7e00 ? hl : 0;
			return hl;
		}
		if (ai == 26) {
			/* Accept only when no binary16 has this value. */
			float f;
			uint32_t u = (uint32_t)arg;
			memcpy(&f, &u, 4);
			if (isnan(f))
				return 0;
			for (k = 0; k < 65536; k++) {
				double h;
				unsigned e = (unsigned)(k >> 10) & 31, m = k & 1023;
				if (e == 31)
					h = m != 0 ? NAN : INFINITY;
				else if (e == 0)
					h = ldexp(m, -24);
				else
					h = ldexp(m + 1024, (int)e - 25);
				if (k & 0x8000)
					h = -h;
				if (h == (double)f && signbit(h) == signbit(f))
					return 0;
			}
			return hl;
		}
		if (ai == 27) {
			double d;
			memcpy(&d, &arg, 8);
			if (isnan(d) || (double)(float)d == d)
				return 0;
			return hl;
		}
		return hl;
	}
	if (ai == 24 && arg < 24)
		return 0;
	if (ai == 25 && arg < 0x100)
		return 0;
	if (ai == 26 && arg < 0x10000)
		return 0;
	if (ai == 27 && arg < 0x100000000)
		return 0;
	switch (major) {
	case 0:
	case 1:
		return hl;
	case 2:
	case 3:
		if (arg > n - hl)
			return 0;
		if (major == 3 && !ref_utf8(p + hl, (size_t)arg))
			return 0;
		return hl + (size_t)arg;
	case 4:
	case 5:
		if (arg > 4)
			return 0;	/* cannot fit the inputs used here */
		used = hl;
		for (c = 0; c < (major == 5 ? 2 * arg : arg); c++) {
			k = ref_item(p + used, n - used, depth + 1);
			if (k == 0)
				return 0;
			if (major == 5 && c % 2 == 0) {
				for (j = 0; j < c / 2; j++)
					if (memcmp(p + keys[j], p + used, k) == 0)
						return 0;
				keys[c / 2] = used;
			}
			used += k;
		}
		return used;
	default:
		k = ref_item(p + hl, n - hl, depth + 1);
		return k == 0 ? 0 : hl + k;
	}
}

static bool
ref_accept(const uint8_t *p, size_t n)
{
	return n > 0 && ref_item(p, n, 0) == n;
}

static void
check_one(const uint8_t *b, size_t n, size_t *accepted)
{
	struct ccakit_cbor_item it;
	char d[256];
	size_t off = SIZE_MAX;
	int r;

	r = ccakit_cbor_parse(b, n, NULL, &it, &off);
	if ((r == 0) != ref_accept(b, n))
		fail_msg("%02x %02x %02x (len %zu): parser %d", b[0],
		    n > 1 ? b[1] : 0, n > 2 ? b[2] : 0, n, r);
	if (r == 0) {
		(*accepted)++;
		assert_int_equal(it.enclen, n);
		assert_int_equal(ccakit_cbor_diag(&it, true, d, sizeof(d),
		    NULL), 0);
	} else {
		assert_true(r >= CCAKIT_ERR_CBOR_TRUNCATED &&
		    r <= CCAKIT_ERR_CBOR_TRAILING);
		assert_true(off <= n);
	}
}

static void
test_exhaustive_short(void **state)
{
	uint8_t b[3];
	size_t acc1 = 0, acc2 = 0, acc3 = 0;
	unsigned i;

	(void)state;
	for (i = 0; i < 0x100; i++) {
		b[0] = (uint8_t)i;
		check_one(b, 1, &acc1);
	}
	for (i = 0; i < 0x10000; i++) {
		b[0] = (uint8_t)(i >> 8);
		b[1] = (uint8_t)i;
		check_one(b, 2, &acc2);
	}
	/* And every 3-byte input. */
	for (i = 0; i < 0x1000000; i++) {
		b[0] = (uint8_t)(i >> 16);
		b[1] = (uint8_t)(i >> 8);
		b[2] = (uint8_t)i;
		check_one(b, 3, &acc3);
	}
	/*
	 * 1 byte: 0x00-0x17, 0x20-0x37, 0x40, 0x60, 0x80, 0xa0,
	 * 0xe0-0xf7 (24 + 24 + 4 + 24).
	 */
	assert_int_equal(acc1, 76);
	print_message("accepted: %zu of 1 byte, %zu of 2, %zu of 3\n",
	    acc1, acc2, acc3);
	assert_true(acc2 > 1000 && acc3 > acc2);
}

/* Every binary16 value, re-encoded wider, is not preferred. */
static void
test_floats(void **state)
{
	struct ccakit_cbor_item it;
	uint8_t b[9];
	unsigned h, e, m, k;
	double ref, d;
	float f;
	uint32_t u32;
	uint64_t u64;
	int r;

	(void)state;
	for (h = 0; h < 0x10000; h++) {
		b[0] = 0xf9;
		b[1] = (uint8_t)(h >> 8);
		b[2] = (uint8_t)h;
		r = ccakit_cbor_parse(b, 3, NULL, &it, NULL);
		e = (h >> 10) & 31;
		m = h & 1023;
		if (e == 31 && m != 0) {
			assert_int_equal(r, h == 0x7e00 ? 0 :
			    CCAKIT_ERR_CBOR_NON_PREFERRED);
			if (r == 0)
				assert_true(isnan(it.f));
			continue;
		}
		assert_int_equal(r, 0);
		assert_int_equal(it.type, CCAKIT_CBOR_FLOAT);
		if (e == 31)
			ref = INFINITY;
		else if (e == 0)
			ref = ldexp(m, -24);
		else
			ref = ldexp(m + 1024, (int)e - 25);
		if (h & 0x8000)
			ref = -ref;
		assert_true(it.f == ref && signbit(it.f) == signbit(ref));
		/* Widened to single and double: rejected. */
		f = (float)ref;
		memcpy(&u32, &f, 4);
		b[0] = 0xfa;
		for (k = 0; k < 4; k++)
			b[1 + k] = (uint8_t)(u32 >> (24 - 8 * k));
		assert_int_equal(ccakit_cbor_parse(b, 5, NULL, &it, NULL),
		    CCAKIT_ERR_CBOR_NON_PREFERRED);
		memcpy(&u64, &ref, 8);
		b[0] = 0xfb;
		for (k = 0; k < 8; k++)
			b[1 + k] = (uint8_t)(u64 >> (56 - 8 * k));
		assert_int_equal(ccakit_cbor_parse(b, 9, NULL, &it, NULL),
		    CCAKIT_ERR_CBOR_NON_PREFERRED);
	}
	/* Singles that no half holds; doubles that no single holds. */
	expect_hex("fa33000000", 0, 0);		/* 2^-25 */
	expect_hex("fa33800000", CCAKIT_ERR_CBOR_NON_PREFERRED, 0); /* 2^-24 */
	expect_hex("fa33c00000", 0, 0);		/* 1.5 * 2^-24 */
	expect_hex("fa477fe000", CCAKIT_ERR_CBOR_NON_PREFERRED, 0); /* 65504 */
	expect_hex("fa477ff000", 0, 0);		/* 65520 */
	expect_hex("fa3f801000", 0, 0);		/* 1 + 2^-11 */
	expect_hex("fa00000001", 0, 0);		/* single subnormal */
	expect_hex("fa80000000", CCAKIT_ERR_CBOR_NON_PREFERRED, 0); /* -0 */
	expect_hex("fa7f800001", CCAKIT_ERR_CBOR_NON_PREFERRED, 0); /* NaN */
	expect_hex("fb36a0000000000000", CCAKIT_ERR_CBOR_NON_PREFERRED, 0);
	expect_hex("fb3690000000000000", 0, 0);	/* 2^-150 */
	expect_hex("fb0000000000000001", 0, 0);	/* double subnormal */
	expect_hex("fb8000000000000000", CCAKIT_ERR_CBOR_NON_PREFERRED, 0);
	expect_hex("fb3ff0000010000000", 0, 0);	/* 1 + 2^-24 */
	expect_hex("fb3ff0000020000000", CCAKIT_ERR_CBOR_NON_PREFERRED, 0);
	expect_hex("fb7ff8000000000001", CCAKIT_ERR_CBOR_NON_PREFERRED, 0);
	expect_hex("fb47efffffe0000000", CCAKIT_ERR_CBOR_NON_PREFERRED, 0);
	expect_hex("fb47effffff0000000", 0, 0);	/* above FLT_MAX */
	/* Doubles: the parser agrees with the C conversion to float. */
	for (k = 0; k < 200000; k++) {
		u64 = (uint64_t)rand() << 40 ^ (uint64_t)rand() << 20 ^
		    (uint64_t)rand();
		if (k & 1)
			u64 &= ~UINT64_C(0x1fffffff);	/* often fits */
		memcpy(&d, &u64, 8);
		b[0] = 0xfb;
		for (e = 0; e < 8; e++)
			b[1 + e] = (uint8_t)(u64 >> (56 - 8 * e));
		r = ccakit_cbor_parse(b, 9, NULL, &it, NULL);
		if (isnan(d) || (double)(float)d == d)
			assert_int_equal(r, CCAKIT_ERR_CBOR_NON_PREFERRED);
		else {
			assert_int_equal(r, 0);
			assert_memory_equal(&it.f, &d, 8);
		}
	}
}

/* --- duplicate keys --- */

static void
test_duplicate_keys(void **state)
{
	static uint8_t buf[16384];
	struct ccakit_cbor_limits lim = { 0, 0, 1000 };
	struct ccakit_cbor_writer w;
	struct ccakit_cbor_item it;
	static const int64_t dups[] = { -699 /* none */, -5, -650, -255,
	    -256, -257, 0, -1, -698 };
	size_t len, off, i, pass, dupoff = 0;

	(void)state;
	expect_hex("a201000100", CCAKIT_ERR_CBOR_DUPLICATE_KEY, 3);
	expect_hex("a2616100616101", CCAKIT_ERR_CBOR_DUPLICATE_KEY, 4);
	expect_hex("a2616100616201", 0, 0);
	expect_hex("a2420102004101 00", 0, 0);
	expect_hex("a2410100420102 00", 0, 0);
	expect_hex("a3010061310041 0100", 0, 0);	/* 1, "1", h'01' */
	expect_hex("a201002000", 0, 0);			/* 1 and -1 */
	expect_hex("a2820102008201 0200", CCAKIT_ERR_CBOR_DUPLICATE_KEY, 5);
	expect_hex("a2c10100c10100", CCAKIT_ERR_CBOR_DUPLICATE_KEY, 4);
	expect_hex("a2c10100c20100", 0, 0);
	expect_hex("a2a1010200a1010200", CCAKIT_ERR_CBOR_DUPLICATE_KEY, 5);
	/* Same keys on different levels are fine. */
	expect_hex("a201a1010002a10100", 0, 0);
	/* Duplicate inside a nested map; the outer map goes on after it. */
	expect_hex("a201a20100010002 00", CCAKIT_ERR_CBOR_DUPLICATE_KEY, 5);
	/* A key repeated after a nested map closed. */
	expect_hex("a301a1010002000100", CCAKIT_ERR_CBOR_DUPLICATE_KEY, 7);

	/*
	 * Many keys (beyond the internal key pool of 256): duplicates of
	 * pooled and of rescanned keys (around the boundary, too), in one
	 * map and in a map nested in another large map (whose keys fill
	 * the pool, so the inner map is rescanned from its first key).
	 */
	for (pass = 0; pass < 2 * NELEM(dups); pass++) {
		ccakit_cbor_writer_init(&w, buf, sizeof(buf));
		if (pass >= NELEM(dups)) {
			ccakit_cbor_put_map(&w, 400);
			for (i = 0; i < 399; i++) {
				ccakit_cbor_put_uint(&w, i);
				ccakit_cbor_put_null(&w);
			}
			ccakit_cbor_put_uint(&w, 399);
		}
		ccakit_cbor_put_map(&w, 700);
		for (i = 0; i < 699; i++) {
			ccakit_cbor_put_int(&w, -(int64_t)i);
			ccakit_cbor_put_array(&w, 1);
			ccakit_cbor_put_uint(&w, i);
		}
		dupoff = w.len;
		ccakit_cbor_put_int(&w, dups[pass % NELEM(dups)]);
		ccakit_cbor_put_uint(&w, 0);
		assert_int_equal(ccakit_cbor_writer_finish(&w, &len), 0);
		off = SIZE_MAX;
		lim.max_items = 100000;
		if (pass % NELEM(dups) == 0)
			assert_int_equal(ccakit_cbor_parse(buf, len, &lim, &it,
			    &off), 0);
		else {
			assert_int_equal(ccakit_cbor_parse(buf, len, &lim, &it,
			    &off), CCAKIT_ERR_CBOR_DUPLICATE_KEY);
			assert_int_equal(off, dupoff);
		}
	}
}

/* --- UTF-8 --- */

static void
test_utf8(void **state)
{
	static const struct {
		const char *hex;
		bool ok;
	} cases[] = {
		{ "00", true }, { "7f", true },
		{ "c280", true }, { "dfbf", true },
		{ "c080", false }, { "c1bf", false }, { "c2", false },
		{ "c241", false }, { "80", false }, { "bf", false },
		{ "e0a080", true }, { "e09fbf", false }, { "e0a0", false },
		{ "ed9fbf", true }, { "eda080", false }, { "edbfbf", false },
		{ "ee8080", true }, { "efbfbf", true }, { "efbfbe", true },
		{ "e1c080", false }, { "e18041", false },
		{ "f0908080", true }, { "f08fbfbf", false },
		{ "f48fbfbf", true }, { "f4908080", false },
		{ "f5808080", false }, { "f8888080", false }, { "ff", false },
		{ "fe", false }, { "f090808041", true }, { "f0908041", false },
		{ "eda0bdedb2a9", false },	/* CESU-8 surrogate pair */
	};
	struct ccakit_cbor_item it;
	uint8_t b[128];
	size_t i, n, k, off;
	uint8_t *s;
	int r;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		s = tu_hex(cases[i].hex, &n);
		b[0] = (uint8_t)(0x60 | n);
		memcpy(b + 1, s, n);
		free(s);
		off = SIZE_MAX;
		r = ccakit_cbor_parse(b, 1 + n, NULL, &it,
		    &off);
		if (r != (cases[i].ok ? 0 : CCAKIT_ERR_CBOR_BAD_UTF8))
			fail_msg("utf8 %s: %d", cases[i].hex, r);
		/* The same bytes as a bstr are always fine. */
		b[0] = (uint8_t)(0x40 | n);
		assert_int_equal(ccakit_cbor_parse(b, 1 + n, NULL,
		    &it, NULL), 0);
	}
	/* The offset points at the bad byte, wherever the fast path is. */
	for (k = 0; k < 100; k++) {
		b[0] = 0x78;
		b[1] = 100;
		memset(b + 2, 'a', 100);
		b[2 + k] = 0xc0;
		off = SIZE_MAX;
		assert_int_equal(ccakit_cbor_parse(b, 102, NULL,
		    &it, &off),
		    CCAKIT_ERR_CBOR_BAD_UTF8);
		assert_int_equal(off, 2 + k);
		/* A 3-byte sequence cut by the end of the string. */
		b[2 + k] = 'a';
		b[101] = 0xe2;
		assert_int_equal(ccakit_cbor_parse(b, 102, NULL,
		    &it, &off),
		    CCAKIT_ERR_CBOR_BAD_UTF8);
		assert_int_equal(off, 101);
		b[101] = 'a';
		assert_int_equal(ccakit_cbor_parse(b, 102, NULL,
		    &it, NULL), 0);
	}
}

/* --- caps --- */

static size_t
nest(uint8_t *b, size_t depth, uint8_t head, uint8_t leaf)
{
	memset(b, head, depth);
	b[depth] = leaf;
	return depth + 1;
}

static void
test_depth(void **state)
{
	struct ccakit_cbor_limits lim = { 0, 0, 0 };
	struct ccakit_cbor_item it;
	uint8_t b[64];
	size_t n, off;
	char d[512];

	(void)state;
	n = nest(b, CCAKIT_CBOR_MAX_DEPTH, 0x81, 0x00);
	assert_int_equal(ccakit_cbor_parse(b, n, NULL, &it, NULL), 0);
	assert_int_equal(ccakit_cbor_diag(&it, false, d, sizeof(d), NULL), 0);
	assert_string_equal(d, "[[[[[[[[[[[[[[[[0]]]]]]]]]]]]]]]]");
	n = nest(b, CCAKIT_CBOR_MAX_DEPTH + 1, 0x81, 0x00);
	off = SIZE_MAX;
	assert_int_equal(ccakit_cbor_parse(b, n, NULL, &it, &off),
	    CCAKIT_ERR_CBOR_TOO_DEEP);
	assert_int_equal(off, CCAKIT_CBOR_MAX_DEPTH);
	/* An empty container counts as a level. */
	n = nest(b, CCAKIT_CBOR_MAX_DEPTH - 1, 0x81, 0x80);
	assert_int_equal(ccakit_cbor_parse(b, n, NULL, &it, NULL), 0);
	n = nest(b, CCAKIT_CBOR_MAX_DEPTH, 0x81, 0xa0);
	assert_int_equal(ccakit_cbor_parse(b, n, NULL, &it, NULL),
	    CCAKIT_ERR_CBOR_TOO_DEEP);
	/* Tags nest too. */
	n = nest(b, CCAKIT_CBOR_MAX_DEPTH, 0xc1, 0x00);
	assert_int_equal(ccakit_cbor_parse(b, n, NULL, &it, NULL), 0);
	n = nest(b, CCAKIT_CBOR_MAX_DEPTH + 1, 0xc1, 0x00);
	assert_int_equal(ccakit_cbor_parse(b, n, NULL, &it, NULL),
	    CCAKIT_ERR_CBOR_TOO_DEEP);
	/* Maps: {0: {0: ... 0}} */
	for (n = 0; n < CCAKIT_CBOR_MAX_DEPTH; n++) {
		b[2 * n] = 0xa1;
		b[2 * n + 1] = 0x00;
	}
	b[2 * n] = 0x00;
	assert_int_equal(ccakit_cbor_parse(b, 2 * n + 1, NULL, &it, NULL), 0);
	b[2 * n] = 0xa1;
	b[2 * n + 1] = 0x00;
	b[2 * n + 2] = 0x00;
	assert_int_equal(ccakit_cbor_parse(b, 2 * n + 3, NULL, &it, NULL),
	    CCAKIT_ERR_CBOR_TOO_DEEP);
	/* Custom limits, up to the ceiling. */
	lim.max_depth = 1;
	assert_int_equal(ccakit_cbor_parse(b, nest(b, 1, 0x81, 0x00), &lim,
	    &it, NULL), 0);
	assert_int_equal(ccakit_cbor_parse(b, nest(b, 2, 0x81, 0x00), &lim,
	    &it, NULL), CCAKIT_ERR_CBOR_TOO_DEEP);
	lim.max_depth = 32;
	assert_int_equal(ccakit_cbor_parse(b, nest(b, 32, 0x81, 0x00), &lim,
	    &it, NULL), 0);
	assert_int_equal(ccakit_cbor_diag(&it, false, d, sizeof(d), NULL), 0);
	assert_int_equal(strlen(d), 65);
	assert_int_equal(ccakit_cbor_parse(b, nest(b, 33, 0x81, 0x00), &lim,
	    &it, NULL), CCAKIT_ERR_CBOR_TOO_DEEP);
	lim.max_depth = 33;
	assert_int_equal(ccakit_cbor_parse(b, 1, &lim, &it, NULL),
	    CCAKIT_ERR_INVALID_ARG);
}

static void
test_items_and_pairs(void **state)
{
	static uint8_t b[3 + 2 * 8192 + 2];
	struct ccakit_cbor_limits lim = { 0, 3, 0 };
	struct ccakit_cbor_item it;
	size_t off;
	unsigned i;

	(void)state;
	/* [0 x 8191] is 8192 items. */
	b[0] = 0x99;
	b[1] = 0x1f;
	b[2] = 0xff;
	memset(b + 3, 0, 8191);
	assert_int_equal(ccakit_cbor_parse(b, 3 + 8191, NULL, &it, NULL), 0);
	b[2] = 0x00;
	b[1] = 0x20;
	memset(b + 3, 0, 8192);
	off = SIZE_MAX;
	assert_int_equal(ccakit_cbor_parse(b, 3 + 8192, NULL, &it, &off),
	    CCAKIT_ERR_CBOR_TOO_MANY);
	assert_int_equal(off, 0);
	/* Items counted across containers: [[0 x 4095], [0 x 4094]]. */
	b[0] = 0x82;
	b[1] = 0x99; b[2] = 0x0f; b[3] = 0xff;
	memset(b + 4, 0, 4095);
	b[4 + 4095] = 0x99; b[4 + 4096] = 0x0f; b[4 + 4097] = 0xfe;
	memset(b + 4 + 4098, 0, 4094);
	assert_int_equal(ccakit_cbor_parse(b, 4 + 4098 + 4094, NULL, &it,
	    NULL), 0);
	b[4 + 4097] = 0xff;
	b[4 + 4098 + 4094] = 0;
	off = SIZE_MAX;
	assert_int_equal(ccakit_cbor_parse(b, 4 + 4098 + 4095, NULL, &it,
	    &off), CCAKIT_ERR_CBOR_TOO_MANY);
	assert_int_equal(off, 4 + 4095);
	/* Tags are items. */
	expect_hex("c1c100", 0, 0);
	assert_int_equal(ccakit_cbor_parse((const uint8_t *)"\xc1\xc1\x00",
	    3, &lim, &it, NULL), 0);
	assert_int_equal(ccakit_cbor_parse((const uint8_t *)"\xc1\xc1\xc1\x00",
	    4, &lim, &it, &off), CCAKIT_ERR_CBOR_TOO_MANY);
	assert_int_equal(off, 3);
	assert_int_equal(ccakit_cbor_parse((const uint8_t *)"\x82\x00\x00",
	    3, &lim, &it, NULL), 0);
	assert_int_equal(ccakit_cbor_parse((const uint8_t *)"\x83\x00\x00\x00",
	    4, &lim, &it, &off), CCAKIT_ERR_CBOR_TOO_MANY);
	assert_int_equal(off, 0);
	/* Pairs per map. */
	b[0] = 0xb9;
	b[1] = 0x01;
	b[2] = 0x00;
	for (i = 0; i < 256; i++) {
		b[3 + 4 * i] = 0x19;
		b[4 + 4 * i] = (uint8_t)(0x01 + (i >> 8));
		b[5 + 4 * i] = (uint8_t)i;
		b[6 + 4 * i] = 0xf6;
	}
	assert_int_equal(ccakit_cbor_parse(b, 3 + 4 * 256, NULL, &it, NULL),
	    0);
	assert_int_equal(it.type, CCAKIT_CBOR_MAP);
	assert_int_equal(it.u, 256);
	b[2] = 0x01;
	b[3 + 4 * 256] = 0x19;
	b[4 + 4 * 256] = 0x02;
	b[5 + 4 * 256] = 0x00;
	b[6 + 4 * 256] = 0xf6;
	assert_int_equal(ccakit_cbor_parse(b, 3 + 4 * 257, NULL, &it, &off),
	    CCAKIT_ERR_CBOR_TOO_MANY);
	lim.max_items = 0;
	lim.max_map_pairs = 300;
	assert_int_equal(ccakit_cbor_parse(b, 3 + 4 * 257, &lim, &it, NULL),
	    0);
	lim.max_map_pairs = 1;
	expect_hex("a10000", 0, 0);
	assert_int_equal(ccakit_cbor_parse((const uint8_t *)"\xa2\x00\x00\x01"
	    "\x00", 5, &lim, &it, NULL), CCAKIT_ERR_CBOR_TOO_MANY);
}

static void
test_huge_lengths(void **state)
{
	static const char *const hex[] = {
		"9bffffffffffffffff",
		"9bffffffffffffffff00",
		"bbffffffffffffffff0000",
		"bb8000000000000000",
		"5b0000000100000000",
		"5bffffffffffffffff",
		"7bffffffffffffffff00",
		"9affffffff",
		"ba7fffffff",
		"8182",
		"a201",
		"a20102",
		"590100",
		"c19bffffffffffffffff",
		"81d9ffff9b7fffffffffffffff",
	};
	size_t i, off;

	(void)state;
	for (i = 0; i < NELEM(hex); i++) {
		off = SIZE_MAX;
		if (parse_hex(hex[i], NULL, &off) != CCAKIT_ERR_CBOR_TRUNCATED)
			fail_msg("%s not truncated", hex[i]);
		assert_true(off < strlen(hex[i]) / 2);
	}
	/* A map needs two bytes per pair: a2 00 00 00 is one short. */
	expect_hex("a30000010002", CCAKIT_ERR_CBOR_TRUNCATED, 0);
	expect_hex("a3000001000200", 0, 0);
}

static void
test_trailing_and_args(void **state)
{
	struct ccakit_cbor_item it, keep;
	size_t off = 77;

	(void)state;
	expect_hex("0000", CCAKIT_ERR_CBOR_TRAILING, 1);
	expect_hex("80ff", CCAKIT_ERR_CBOR_TRAILING, 1);
	expect_hex("820102 03", CCAKIT_ERR_CBOR_TRAILING, 3);
	expect_hex("4100 00", CCAKIT_ERR_CBOR_TRAILING, 2);
	/* Outputs are untouched on failure. */
	memset(&keep, 0x5a, sizeof(keep));
	it = keep;
	assert_int_equal(ccakit_cbor_parse((const uint8_t *)"\x00\x00", 2,
	    NULL, &it, NULL), CCAKIT_ERR_CBOR_TRAILING);
	assert_memory_equal(&it, &keep, sizeof(it));
	assert_int_equal(ccakit_cbor_parse(NULL, 0, NULL, &it, &off),
	    CCAKIT_ERR_CBOR_TRUNCATED);
	assert_int_equal(off, 0);
	assert_int_equal(ccakit_cbor_parse(NULL, 1, NULL, &it, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_cbor_parse((const uint8_t *)"", 1, NULL, NULL,
	    NULL), CCAKIT_ERR_INVALID_ARG);
}

/* --- navigation --- */

static void
test_iterators(void **state)
{
	struct ccakit_cbor_item top, c, v;
	struct ccakit_cbor_iter it;
	uint8_t *b;
	size_t len, n;
	int64_t x;

	(void)state;
	/* 6(["a", {1: h'ff', 2: [3]}, -2]) */
	b = tu_hex("c6 83 6161 a2 01 41ff 02 8103 21", &len);
	assert_int_equal(ccakit_cbor_parse(b, len, NULL, &top, NULL), 0);
	assert_int_equal(top.type, CCAKIT_CBOR_TAG);
	assert_int_equal(top.u, 6);
	ccakit_cbor_iter_init(&it, &top);
	assert_true(ccakit_cbor_iter_next(&it, &c));
	assert_false(ccakit_cbor_iter_next(&it, &v));
	assert_int_equal(c.type, CCAKIT_CBOR_ARRAY);
	assert_ptr_equal(c.enc, b + 1);
	assert_int_equal(c.enclen, len - 1);
	ccakit_cbor_tag_content(&top, &v);
	assert_memory_equal(&c, &v, sizeof(c));

	ccakit_cbor_iter_init(&it, &c);
	assert_true(ccakit_cbor_iter_next(&it, &v));
	assert_int_equal(v.type, CCAKIT_CBOR_TSTR);
	assert_int_equal(v.u, 1);
	assert_memory_equal(v.data, "a", 1);
	assert_true(ccakit_cbor_iter_next(&it, &v));
	assert_int_equal(v.type, CCAKIT_CBOR_MAP);
	assert_int_equal(v.u, 2);
	assert_int_equal(v.enclen, 7);
	assert_ptr_equal(v.enc, b + 4);
	assert_ptr_equal(v.data, b + 5);
	{
		struct ccakit_cbor_iter mi;
		struct ccakit_cbor_item k;

		ccakit_cbor_iter_init(&mi, &v);
		for (n = 0; ccakit_cbor_iter_next(&mi, &k); n++)
			;
		assert_int_equal(n, 4);
		assert_true(ccakit_cbor_map_get_int(&v, 2, &k));
		assert_int_equal(k.type, CCAKIT_CBOR_ARRAY);
		assert_int_equal(k.enclen, 2);
		assert_true(ccakit_cbor_map_get_int(&v, 1, &k));
		assert_int_equal(k.type, CCAKIT_CBOR_BSTR);
		assert_int_equal(k.data[0], 0xff);
	}
	assert_true(ccakit_cbor_iter_next(&it, &v));
	assert_int_equal(v.type, CCAKIT_CBOR_NINT);
	assert_int_equal(ccakit_cbor_get_int(&v, &x), 0);
	assert_int_equal(x, -2);
	assert_false(ccakit_cbor_iter_next(&it, &v));
	assert_false(ccakit_cbor_iter_next(&it, &v));

	/* Scalars have no children; the content of a non-tag is undefined. */
	ccakit_cbor_iter_init(&it, &v);
	assert_false(ccakit_cbor_iter_next(&it, &c));
	ccakit_cbor_tag_content(&v, &c);
	assert_int_equal(c.type, CCAKIT_CBOR_SIMPLE);
	assert_int_equal(c.u, 23);
	assert_int_equal(c.enclen, 1);
	assert_int_equal(c.enc[0], 0xf7);
	free(b);
}

static void
test_map_get_int(void **state)
{
	static const int64_t keys[] = { 1, -1, -7, 0, 24, -25, INT64_MIN,
	    INT64_MAX, 1000000, -1000000 };
	static const int64_t misses[] = { 2, -2, 25, -24, 23, -26,
	    INT64_MIN + 1, INT64_MAX - 1, 7, 999999 };
	uint8_t buf[256];
	struct ccakit_cbor_writer w;
	struct ccakit_cbor_item map, v, arr;
	size_t len, i;
	int64_t x;

	(void)state;
	ccakit_cbor_writer_init(&w, buf, sizeof(buf));
	ccakit_cbor_put_map(&w, NELEM(keys) + 2);
	ccakit_cbor_put_cstr(&w, "x");
	ccakit_cbor_put_uint(&w, 99);
	for (i = 0; i < NELEM(keys); i++) {
		ccakit_cbor_put_int(&w, keys[i]);
		ccakit_cbor_put_array(&w, 1);
		ccakit_cbor_put_uint(&w, i);
	}
	/* A key that is a byte string equal to a head of an int key. */
	ccakit_cbor_put_bstr(&w, (const uint8_t *)"\x02", 1);
	ccakit_cbor_put_uint(&w, 98);
	assert_int_equal(ccakit_cbor_writer_finish(&w, &len), 0);
	assert_int_equal(ccakit_cbor_parse(buf, len, NULL, &map, NULL), 0);
	for (i = 0; i < NELEM(keys); i++) {
		assert_true(ccakit_cbor_map_get_int(&map, keys[i], &v));
		assert_int_equal(v.type, CCAKIT_CBOR_ARRAY);
		{
			struct ccakit_cbor_iter it;

			ccakit_cbor_iter_init(&it, &v);
			assert_true(ccakit_cbor_iter_next(&it, &arr));
		}
		assert_int_equal(ccakit_cbor_get_int(&arr, &x), 0);
		assert_int_equal(x, (int64_t)i);
	}
	for (i = 0; i < NELEM(misses); i++)
		assert_false(ccakit_cbor_map_get_int(&map, misses[i], &v));
	/* Not a map. */
	assert_int_equal(ccakit_cbor_parse((const uint8_t *)"\x82\x01\x02", 3,
	    NULL, &arr, NULL), 0);
	assert_false(ccakit_cbor_map_get_int(&arr, 1, &v));
	assert_int_equal(ccakit_cbor_parse((const uint8_t *)"\xa0", 1, NULL,
	    &arr, NULL), 0);
	assert_false(ccakit_cbor_map_get_int(&arr, 0, &v));
}

static void
test_get_int(void **state)
{
	static const struct {
		const char *hex;
		int r;
		int64_t v;
	} cases[] = {
		{ "00", 0, 0 },
		{ "17", 0, 23 },
		{ "20", 0, -1 },
		{ "1b7fffffffffffffff", 0, INT64_MAX },
		{ "1b8000000000000000", CCAKIT_ERR_CBOR_TYPE, 0 },
		{ "1bffffffffffffffff", CCAKIT_ERR_CBOR_TYPE, 0 },
		{ "3b7ffffffffffffffe", 0, INT64_MIN + 1 },
		{ "3b7fffffffffffffff", 0, INT64_MIN },
		{ "3b8000000000000000", CCAKIT_ERR_CBOR_TYPE, 0 },
		{ "3bffffffffffffffff", CCAKIT_ERR_CBOR_TYPE, 0 },
		{ "4100", CCAKIT_ERR_CBOR_TYPE, 0 },
		{ "f4", CCAKIT_ERR_CBOR_TYPE, 0 },
		{ "f93c00", CCAKIT_ERR_CBOR_TYPE, 0 },
		{ "c100", CCAKIT_ERR_CBOR_TYPE, 0 },
	};
	struct ccakit_cbor_item it;
	size_t i;
	int64_t v;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		assert_int_equal(parse_hex(cases[i].hex, &it, NULL), 0);
		v = 12345;
		assert_int_equal(ccakit_cbor_get_int(&it, &v), cases[i].r);
		assert_true(v == (cases[i].r == 0 ? cases[i].v : 12345));
	}
}

/* --- diagnostic notation --- */

static void
test_diag(void **state)
{
	static const struct {
		const char *hex;
		const char *compact;
		const char *pretty;
	} cases[] = {
		{ "a201820203028120", "{1: [2, 3], 2: [-1]}",
		    "{\n  1: [\n    2,\n    3\n  ],\n  2: [\n    -1\n  ]\n}" },
		{ "d9018fa119acca4101", "399({44234: h'01'})",
		    "399(\n  {\n    44234: h'01'\n  }\n)" },
		{ "c11a514b67b0", "1(1363896240)", "1(1363896240)" },
		{ "6a0a09220d085c1f7f2f41", "\"\\n\\t\\\"\\r\\b\\\\\\u001f\x7f/A\"",
		    NULL },
		{ "6100", "\"\\u0000\"", NULL },
		{ "82a080", "[{}, []]", "[\n  {},\n  []\n]" },
		{ "c1a0", "1({})", "1({})" },
		{ "f8ff", "simple(255)", NULL },
		{ "e0", "simple(0)", NULL },
		{ "f3", "simple(19)", NULL },
		{ "f8 20", "simple(32)", NULL },
		{ "44deadbeef", "h'deadbeef'", NULL },
		{ "fa3fc00001", "1.5000001192092896", NULL },
		{ "fb3fb999999999999a", "0.1", NULL },
		{ "fb4341c37937e08000", "10000000000000000.0", NULL },
		{ "fb43abc16d674ec800", "1.0e+18", NULL },
		{ "fb3ee4f8b588e368f1", "0.00001", NULL },
		{ "fb3eb0c6f7a0b5ed8d", "1.0e-6", NULL },
		{ "fa7f7fffff", "3.4028234663852886e+38", NULL },
		{ "fb0000000000000001", "5.0e-324", NULL },
		{ "fbffefffffffffffff", "-1.7976931348623157e+308", NULL },
		{ "3bffffffffffffffff", "-18446744073709551616", NULL },
		{ "3b7fffffffffffffff", "-9223372036854775808", NULL },
		{ "3b8000000000000000", "-9223372036854775809", NULL },
	};
	struct ccakit_cbor_item it;
	char buf[128], *s;
	size_t i, len;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		if (parse_hex(cases[i].hex, &it, NULL) != 0)
			fail_msg("%s rejected", cases[i].hex);
		s = diag_str(&it, false);
		if (strcmp(s, cases[i].compact) != 0)
			fail_msg("%s: [%s] want [%s]", cases[i].hex, s,
			    cases[i].compact);
		free(s);
		s = diag_str(&it, true);
		assert_string_equal(s, cases[i].pretty != NULL ?
		    cases[i].pretty : cases[i].compact);
		free(s);
	}
	/* Too small: truncated, terminated, and the needed size. */
	assert_int_equal(parse_hex("a201820203028120", &it, NULL), 0);
	memset(buf, 'X', sizeof(buf));
	len = 0;
	assert_int_equal(ccakit_cbor_diag(&it, false, buf, 5, &len),
	    CCAKIT_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(len, strlen("{1: [2, 3], 2: [-1]}"));
	assert_string_equal(buf, "{1: ");
	assert_int_equal(buf[5], 'X');
	assert_int_equal(ccakit_cbor_diag(&it, false, buf, len, NULL),
	    CCAKIT_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(strlen(buf), len - 1);
	assert_int_equal(ccakit_cbor_diag(&it, false, buf, len + 1, NULL), 0);
	assert_string_equal(buf, "{1: [2, 3], 2: [-1]}");
	assert_int_equal(ccakit_cbor_diag(&it, false, buf, 1, NULL),
	    CCAKIT_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(ccakit_cbor_diag(&it, false, NULL, 1, NULL),
	    CCAKIT_ERR_INVALID_ARG);
}

/*
 * Normalise diagnostic text for comparison: drop / comments / and white
 * space outside strings, lower-case everything outside text strings.
 */
static char *
diag_normalize(const char *s)
{
	char *o = malloc(strlen(s) + 1), *p = o;
	bool str = false;

	assert_non_null(o);
	for (; *s != '\0'; s++) {
		if (str) {
			*p++ = *s;
			if (*s == '\\' && s[1] != '\0')
				*p++ = *++s;
			else if (*s == '"')
				str = false;
		} else if (*s == '"') {
			*p++ = *s;
			str = true;
		} else if (*s == '/') {
			while (s[1] != '\0' && s[1] != '/')
				s++;
			if (s[1] == '/')
				s++;
		} else if (*s != ' ' && *s != '\n' && *s != '\t' && *s != '\r')
			*p++ = (char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s);
	}
	*p = '\0';
	return o;
}

/* Upstream's tokens and claim sets, and their diagnostic notation. */
static void
test_vectors(void **state)
{
	static const char *const files[] = {
		"rust-ccatoken/cca-token-01",
		"rust-ccatoken/cca-token-02",
		"rust-ccatoken/platform-claims",
		"rust-ccatoken/realm-claims",
		"rust-ccatoken/realm-claims+spurious-numeric-key",
		"rust-ccatoken/realm-claims+spurious-text-key",
		"rust-ccatoken/realm-claims-missing-challenge",
	};
	static const char *const others[] = {
		"rust-ccatoken/cca-token-draft-ffm-00.cbor",
		"rust-ccatoken/bug-33-repro.cbor",
		"go-ccatoken/evidence/GoodCCAToken.cbor",
		"go-ccatoken/evidence/GoodLegacyCCAToken.cbor",
		"go-ccatoken/evidence/RMMLegacyEvidence.cbor",
		"go-ccatoken/realm/tf-rmm/cca_token.cbor",
		"go-ccatoken/platform/cbor/CcaPlatformClaimsAll.cbor",
		"go-ccatoken/realm/cbor/CcaRealmClaimsAll.cbor",
	};
	struct ccakit_cbor_item top, c, v, inner;
	struct ccakit_cbor_writer w;
	char path[256], *d, *n1, *n2;
	const char *pfx;
	uint8_t *b, *dtext, *out;
	size_t len, dlen, i, olen, off;

	(void)state;
	tu_need_vectors("rust-ccatoken");
	tu_need_vectors("go-ccatoken");
	/* The token of the brief: tag 399 around a map of two bstrs. */
	b = tu_read_vector("rust-ccatoken/cca-token-01.cbor", &len);
	assert_int_equal(len, 1222);
	assert_int_equal(ccakit_cbor_parse(b, len, NULL, &top, NULL), 0);
	assert_int_equal(top.type, CCAKIT_CBOR_TAG);
	assert_int_equal(top.u, 399);
	ccakit_cbor_tag_content(&top, &c);
	assert_int_equal(c.type, CCAKIT_CBOR_MAP);
	assert_int_equal(c.u, 2);
	assert_true(ccakit_cbor_map_get_int(&c, 44234, &v));
	assert_int_equal(v.type, CCAKIT_CBOR_BSTR);
	assert_int_equal(v.u, 659);
	/* The bstr holds a COSE_Sign1: tag 18 around an array of 4. */
	assert_int_equal(ccakit_cbor_parse(v.data, (size_t)v.u, NULL, &inner,
	    NULL), 0);
	assert_int_equal(inner.type, CCAKIT_CBOR_TAG);
	assert_int_equal(inner.u, 18);
	assert_true(ccakit_cbor_map_get_int(&c, 44241, &v));
	assert_int_equal(v.type, CCAKIT_CBOR_BSTR);
	assert_false(ccakit_cbor_map_get_int(&c, 44235, &v));
	d = diag_str(&top, true);
	pfx = "399(\n  {\n    44234: h'd28444a1013822a0";
	assert_true(strncmp(d, pfx, strlen(pfx)) == 0);
	free(d);
	/* Every 1-byte truncation and a few flips are rejected. */
	for (i = 0; i < len; i++)
		assert_int_not_equal(ccakit_cbor_parse(b, i, NULL, &v, NULL),
		    0);
	b[3] ^= 0x01;		/* map(2) -> map(3) */
	off = 0;
	assert_int_equal(ccakit_cbor_parse(b, len, NULL, &v, &off),
	    CCAKIT_ERR_CBOR_TRUNCATED);
	assert_int_equal(off, len);
	b[3] ^= 0x01;
	b[7] = 0x5a;		/* bstr(659) as bstr with a 4-byte length */
	assert_int_not_equal(ccakit_cbor_parse(b, len, NULL, &v, NULL), 0);
	free(b);

	/* Each vector with a .diag: our diag equals it modulo layout. */
	for (i = 0; i < NELEM(files); i++) {
		(void)snprintf(path, sizeof(path), "%s.cbor", files[i]);
		b = tu_read_vector(path, &len);
		if (ccakit_cbor_parse(b, len, NULL, &top, &off) != 0)
			fail_msg("%s rejected at %zu", path, off);
		(void)snprintf(path, sizeof(path), "%s.diag", files[i]);
		dtext = tu_read_vector(path, &dlen);
		d = diag_str(&top, true);
		n1 = diag_normalize(d);
		n2 = diag_normalize((const char *)dtext);
		if (strcmp(n1, n2) != 0)
			fail_msg("%s: diag differs\n%s\n%s", path, n1, n2);
		free(n1);
		free(n2);
		free(d);
		free(dtext);
		/* The writer re-encodes the vector byte for byte. */
		out = malloc(len);
		assert_non_null(out);
		ccakit_cbor_writer_init(&w, out, len);
		assert_true(reencode(&w, &top));
		assert_int_equal(ccakit_cbor_writer_finish(&w, &olen), 0);
		assert_int_equal(olen, len);
		assert_memory_equal(out, b, len);
		free(out);
		free(b);
	}
	for (i = 0; i < NELEM(others); i++) {
		b = tu_read_vector(others[i], &len);
		if (ccakit_cbor_parse(b, len, NULL, &top, &off) != 0)
			fail_msg("%s rejected at %zu", others[i], off);
		free(b);
	}
}

/* --- writer --- */

static void
test_writer_heads(void **state)
{
	static const struct {
		uint64_t v;
		const char *hex;
	} ucases[] = {
		{ 0, "00" }, { 23, "17" }, { 24, "1818" }, { 255, "18ff" },
		{ 256, "190100" }, { 65535, "19ffff" },
		{ 65536, "1a00010000" }, { 0xffffffff, "1affffffff" },
		{ UINT64_C(0x100000000), "1b0000000100000000" },
		{ UINT64_MAX, "1bffffffffffffffff" },
	};
	static const struct {
		int64_t v;
		const char *hex;
	} icases[] = {
		{ -1, "20" }, { -24, "37" }, { -25, "3818" },
		{ -256, "38ff" }, { -257, "390100" },
		{ -65537, "3a00010000" },
		{ INT64_MIN, "3b7fffffffffffffff" },
		{ INT64_MAX, "1b7fffffffffffffff" },
		{ 0, "00" },
	};
	struct ccakit_cbor_writer w;
	uint8_t buf[16], *want;
	size_t i, len, wl;

	(void)state;
	for (i = 0; i < NELEM(ucases); i++) {
		ccakit_cbor_writer_init(&w, buf, sizeof(buf));
		ccakit_cbor_put_uint(&w, ucases[i].v);
		assert_int_equal(ccakit_cbor_writer_finish(&w, &len), 0);
		want = tu_hex(ucases[i].hex, &wl);
		assert_int_equal(len, wl);
		assert_memory_equal(buf, want, wl);
		free(want);
		/* The same argument as tag, array, map, bstr head. */
		ccakit_cbor_writer_init(&w, NULL, 0);
		ccakit_cbor_put_tag(&w, ucases[i].v);
		ccakit_cbor_put_array(&w, (size_t)ucases[i].v);
		ccakit_cbor_put_map(&w, (size_t)ucases[i].v);
		ccakit_cbor_put_bstr_head(&w, (size_t)ucases[i].v);
		assert_int_equal(ccakit_cbor_writer_finish(&w, &len), 0);
		assert_int_equal(len, 4 * wl);
	}
	for (i = 0; i < NELEM(icases); i++) {
		ccakit_cbor_writer_init(&w, buf, sizeof(buf));
		ccakit_cbor_put_int(&w, icases[i].v);
		assert_int_equal(ccakit_cbor_writer_finish(&w, &len), 0);
		want = tu_hex(icases[i].hex, &wl);
		assert_int_equal(len, wl);
		assert_memory_equal(buf, want, wl);
		free(want);
	}
}

static void
test_writer_roundtrip(void **state)
{
	static const uint8_t blob[300] = { 1, 2, 3 };
	uint8_t buf[1024], small[20];
	struct ccakit_cbor_writer w;
	struct ccakit_cbor_item top, v;
	size_t len, need, i;
	int64_t x;
	const char *tail;
	char *d;

	(void)state;
	for (i = 0; i < 2; i++) {
		ccakit_cbor_writer_init(&w, i == 0 ? NULL : buf,
		    i == 0 ? 0 : sizeof(buf));
		ccakit_cbor_put_tag(&w, 399);
		ccakit_cbor_put_map(&w, 7);
		ccakit_cbor_put_int(&w, -3);
		ccakit_cbor_put_bstr(&w, blob, sizeof(blob));
		ccakit_cbor_put_uint(&w, 10);
		ccakit_cbor_put_cstr(&w, "h\xc3\xa9llo");
		ccakit_cbor_put_cstr(&w, "arr");
		ccakit_cbor_put_array(&w, 4);
		ccakit_cbor_put_bool(&w, true);
		ccakit_cbor_put_bool(&w, false);
		ccakit_cbor_put_null(&w);
		ccakit_cbor_put_tstr(&w, NULL, 0);
		ccakit_cbor_put_int(&w, INT64_MIN);
		ccakit_cbor_put_bstr(&w, NULL, 0);
		ccakit_cbor_put_uint(&w, 44234);
		ccakit_cbor_put_bstr_head(&w, 3);
		ccakit_cbor_put_raw(&w, (const uint8_t *)"\xa1\x01\x26", 3);
		ccakit_cbor_put_int(&w, INT64_MAX);
		ccakit_cbor_put_map(&w, 0);
		ccakit_cbor_put_tstr(&w, "k", 1);
		ccakit_cbor_put_raw(&w, NULL, 0);
		ccakit_cbor_put_tag(&w, UINT64_MAX);
		ccakit_cbor_put_uint(&w, UINT64_MAX);
		assert_int_equal(ccakit_cbor_writer_finish(&w, &len), 0);
		if (i == 0)
			need = len;
		else
			assert_int_equal(len, need);
	}
	assert_int_equal(ccakit_cbor_parse(buf, len, NULL, &top, NULL), 0);
	d = diag_str(&top, false);
	tail = ", 10: \"h\xc3\xa9llo\", \"arr\": [true, false, null, \"\"], "
	    "-9223372036854775808: h'', 44234: h'a10126', "
	    "9223372036854775807: {}, \"k\": "
	    "18446744073709551615(18446744073709551615)})";
	assert_true(strncmp(d, "399({-3: h'010203000000", 23) == 0);
	assert_true(strlen(d) > strlen(tail));
	assert_string_equal(d + strlen(d) - strlen(tail), tail);
	free(d);
	ccakit_cbor_tag_content(&top, &v);
	assert_true(ccakit_cbor_map_get_int(&v, INT64_MIN, &top));
	assert_int_equal(top.type, CCAKIT_CBOR_BSTR);
	assert_int_equal(top.u, 0);
	assert_true(ccakit_cbor_map_get_int(&v, -3, &top));
	assert_int_equal(top.u, sizeof(blob));
	assert_memory_equal(top.data, blob, sizeof(blob));
	assert_true(ccakit_cbor_map_get_int(&v, 44234, &top));
	assert_int_equal(top.enclen, 4);
	assert_false(ccakit_cbor_map_get_int(&v, 0, &top));
	assert_int_equal(ccakit_cbor_get_int(&v, &x), CCAKIT_ERR_CBOR_TYPE);

	/* Too small: sticky error, nothing past cap, w.len = needed. */
	memset(small, 0xee, sizeof(small));
	ccakit_cbor_writer_init(&w, small, 8);
	ccakit_cbor_put_array(&w, 2);
	ccakit_cbor_put_bstr(&w, blob, 10);
	ccakit_cbor_put_uint(&w, 1);
	assert_int_equal(ccakit_cbor_writer_finish(&w, &len),
	    CCAKIT_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(w.len, 1 + 11 + 1);
	assert_int_equal(small[0], 0x82);
	for (i = 8; i < sizeof(small); i++)
		assert_int_equal(small[i], 0xee);
	/* Exact fit. */
	ccakit_cbor_writer_init(&w, small, 13);
	ccakit_cbor_put_array(&w, 2);
	ccakit_cbor_put_bstr(&w, blob, 10);
	ccakit_cbor_put_uint(&w, 1);
	assert_int_equal(ccakit_cbor_writer_finish(&w, &len), 0);
	assert_int_equal(len, 13);
	assert_int_equal(small[13], 0xee);
	assert_int_equal(ccakit_cbor_parse(small, len, NULL, &top, NULL), 0);
	/* Invalid text and NULL pointers are caller errors, sticky. */
	ccakit_cbor_writer_init(&w, buf, sizeof(buf));
	ccakit_cbor_put_tstr(&w, "\xc0\x80", 2);
	ccakit_cbor_put_uint(&w, 1);
	assert_int_equal(ccakit_cbor_writer_finish(&w, &len),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(w.len, 0);
	ccakit_cbor_writer_init(&w, buf, sizeof(buf));
	ccakit_cbor_put_bstr(&w, NULL, 1);
	assert_int_equal(ccakit_cbor_writer_finish(&w, &len),
	    CCAKIT_ERR_INVALID_ARG);
	ccakit_cbor_writer_init(&w, buf, sizeof(buf));
	ccakit_cbor_put_cstr(&w, NULL);
	assert_int_equal(ccakit_cbor_writer_finish(&w, &len),
	    CCAKIT_ERR_INVALID_ARG);
	ccakit_cbor_writer_init(&w, buf, sizeof(buf));
	ccakit_cbor_put_raw(&w, NULL, 2);
	assert_int_equal(ccakit_cbor_writer_finish(&w, &len),
	    CCAKIT_ERR_INVALID_ARG);
	/* Measuring cannot overflow silently. */
	ccakit_cbor_writer_init(&w, NULL, 0);
	ccakit_cbor_put_raw(&w, blob, 1);
	ccakit_cbor_put_raw(&w, blob, SIZE_MAX);
	assert_int_equal(ccakit_cbor_writer_finish(&w, &len),
	    CCAKIT_ERR_TOO_LARGE);
}

/* Embedded CBOR (<<item>>) in diagnostic notation. */
static void
test_diag_embedded(void **state)
{
	/* [h'a10102', h'05', h'', h'a1'] */
	static const uint8_t in[] = { 0x84, 0x43, 0xa1, 0x01, 0x02, 0x41,
	    0x05, 0x40, 0x41, 0xa1 };
	/* A 9-deep chain of bstr-wrapped single-element arrays. */
	uint8_t deep[64];
	struct ccakit_cbor_item top;
	char out[256];
	size_t n, i, len;

	(void)state;
	assert_int_equal(ccakit_cbor_parse(in, sizeof(in), NULL, &top, NULL),
	    0);
	assert_int_equal(ccakit_cbor_diag_ex(&top, CCAKIT_DIAG_EMBEDDED, out,
	    sizeof(out), &n), 0);
	/* Containers are expanded, a scalar and broken CBOR stay hex. */
	assert_string_equal(out, "[<< {1: 2} >>, h'05', h'', h'a1']");
	assert_int_equal(n, strlen(out));
	assert_int_equal(ccakit_cbor_diag_ex(&top, 0, out, sizeof(out), &n),
	    0);
	assert_string_equal(out, "[h'a10102', h'05', h'', h'a1']");
	/* Deep embedding never fails: past the bound it stays hex. */
	deep[0] = 0x80;
	len = 1;
	for (i = 0; i < 30; i++) {
		memmove(deep + 2, deep, len);
		deep[0] = 0x81;
		deep[1] = (uint8_t)(0x40 + len);
		len += 2;
		if (len + 2 > 23)
			break;
	}
	assert_int_equal(ccakit_cbor_parse(deep, len, NULL, &top, NULL), 0);
	assert_int_equal(ccakit_cbor_diag_ex(&top, CCAKIT_DIAG_EMBEDDED, out,
	    sizeof(out), &n), 0);
	/* Expanded near the top, hex once deeper than the bound. */
	assert_int_equal(strncmp(out, "[<< [<< [", 9), 0);
	assert_non_null(strstr(out, "h'81"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_appendix_a),
		cmocka_unit_test(test_appendix_a_non_preferred),
		cmocka_unit_test(test_appendix_f),
		cmocka_unit_test(test_exhaustive_short),
		cmocka_unit_test(test_floats),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_items_and_pairs),
		cmocka_unit_test(test_huge_lengths),
		cmocka_unit_test(test_trailing_and_args),
		cmocka_unit_test(test_iterators),
		cmocka_unit_test(test_map_get_int),
		cmocka_unit_test(test_get_int),
		cmocka_unit_test(test_diag),
		cmocka_unit_test(test_diag_embedded),
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_writer_heads),
		cmocka_unit_test(test_writer_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
