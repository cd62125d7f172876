/*
 * Unit tests for lib/jcs (RFC 8785). The expected outputs are written
 * here from the RFC's rules: members by UTF-16 code units, JSON.stringify
 * escapes, ECMAScript Number::toString.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ccakit/err.h>
#include <ccakit/jcs.h>

#include "testutil.h"
#include "util/util.h"

static char *
jcs_ok(const char *json, unsigned flags)
{
	struct ccakit_errdetail d;
	char *out = NULL;
	size_t n = 0;
	int r;

	r = ccakit_jcs_text(json, strlen(json), flags, &out, &n, &d);
	if (r != CCAKIT_OK)
		fail_msg("jcs(%s): %s: %s", json, ccakit_strerror(r), d.text);
	assert_int_equal(strlen(out), n);
	return out;
}

static void
expect_jcs(const char *json, const char *want)
{
	char *out = jcs_ok(json, 0);

	assert_string_equal(out, want);
	free(out);
}

static double
from_bits(uint64_t u)
{
	double x;

	memcpy(&x, &u, sizeof(x));
	return x;
}

static void
expect_num(double x, const char *want)
{
	char s[CCAKIT_JCS_NUMBER_MAX];

	assert_int_equal(ccakit_jcs_number(x, s, sizeof(s)), CCAKIT_OK);
	assert_string_equal(s, want);
}

/* RFC 8785 §3.2.2: whitespace, literals, numbers and string escapes. */
static void
test_rfc_example(void **state)
{
	(void)state;
	expect_jcs("{\n"
	    "  \"numbers\": [333333333.33333329, 1E30, 4.50,\n"
	    "              2e-3, 0.000000000000000000000000001],\n"
	    "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c"
	    "\\\\\\\"\\/\",\n"
	    "  \"literals\": [null, true, false]\n"
	    "}",
	    "{\"literals\":[null,true,false],"
	    "\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
	    "\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

/* RFC 8785 §3.2.3: sorting by UTF-16 code units, not code points. */
static void
test_rfc_sorting(void **state)
{
	(void)state;
	expect_jcs("{\n"
	    "  \"\\u20ac\": \"Euro Sign\",\n"
	    "  \"\\r\": \"Carriage Return\",\n"
	    "  \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\",\n"
	    "  \"1\": \"One\",\n"
	    "  \"\\ud83d\\ude00\": \"Emoji: Grinning Face\",\n"
	    "  \"\\u0080\": \"Control\",\n"
	    "  \"\\u00f6\": \"Latin Small Letter O With Diaeresis\"\n"
	    "}",
	    "{\"\\r\":\"Carriage Return\",\"1\":\"One\","
	    "\"\xc2\x80\":\"Control\","
	    "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
	    "\"\xe2\x82\xac\":\"Euro Sign\","
	    "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
	    "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
}

/*
 * Non-BMP names: U+1F600 (D83D DE00) sorts before U+FF61 (one unit
 * above D83D) although its code point and UTF-8 bytes are larger; two
 * characters sharing the high surrogate D83D order by their low ones;
 * a prefix sorts first.
 */
static void
test_sort_non_bmp(void **state)
{
	(void)state;
	expect_jcs("{\"\\uff61\":1,\"\\ud83d\\ude00\":2,\"\\ud83d\\ude01\":3,"
	    "\"\\ud83c\\udf00\":4,\"\\ud83d\\ude00a\":5,\"\\ue000\":6,"
	    "\"\\ud7ff\":7}",
	    "{\"\xed\x9f\xbf\":7,"			/* U+D7FF */
	    "\"\xf0\x9f\x8c\x80\":4,"			/* D83C DF00 */
	    "\"\xf0\x9f\x98\x80\":2,"			/* D83D DE00 */
	    "\"\xf0\x9f\x98\x80" "a\":5,"
	    "\"\xf0\x9f\x98\x81\":3,"			/* D83D DE01 */
	    "\"\xee\x80\x80\":6,"			/* U+E000 */
	    "\"\xef\xbd\xa1\":1}");			/* U+FF61 */
}

/* Nested objects are sorted too; arrays keep their order. */
static void
test_nested(void **state)
{
	(void)state;
	expect_jcs("[ {\"b\": [3, {\"z\": 0, \"a\": []}], \"a\": {}} , \"x\" ]",
	    "[{\"a\":{},\"b\":[3,{\"a\":[],\"z\":0}]},\"x\"]");
	expect_jcs("  \"top\"  ", "\"top\"");
	expect_jcs("17", "17");
	expect_jcs("null", "null");
}

/* JSON.stringify's escapes: every control, nothing else. */
static void
test_escapes(void **state)
{
	char in[256], want[512], *out = NULL;
	json_t *v;
	int c;

	(void)state;
	expect_jcs("\"\\u0000\\u0001\\u0008\\u0009\\u000a\\u000b\\u000c"
	    "\\u000d\\u001f\\u0020\\u007f\\u2028\\u2029/\\/\"",
	    "\"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f \x7f"
	    "\xe2\x80\xa8\xe2\x80\xa9//\"");
	/* Every control character, one at a time. */
	for (c = 0; c < 0x20; c++) {
		const char *e;
		char esc[8];

		(void)snprintf(in, sizeof(in), "[\"\\u%04x\"]", c);
		switch (c) {
		case 8: e = "\\b"; break;
		case 9: e = "\\t"; break;
		case 10: e = "\\n"; break;
		case 12: e = "\\f"; break;
		case 13: e = "\\r"; break;
		default:
			(void)snprintf(esc, sizeof(esc), "\\u%04x", c);
			e = esc;
		}
		(void)snprintf(want, sizeof(want), "[\"%s\"]", e);
		expect_jcs(in, want);
	}
	/* A NUL inside a member name (jansson's parser refuses those, a
	 * value built with json_object_setn can hold one). */
	v = json_object();
	json_object_setn_new(v, "a\0b", 3, json_integer(1));
	json_object_setn_new(v, "a", 1, json_integer(2));
	assert_int_equal(ccakit_jcs_value(v, 0, &out, NULL, NULL), CCAKIT_OK);
	assert_string_equal(out, "{\"a\":2,\"a\\u0000b\":1}");
	free(out);
	json_decref(v);
}

/*
 * ECMAScript Number::toString: the values of RFC 8785 Appendix B as IEEE
 * 754 bit patterns, with outputs worked out from ECMA-262 §6.1.6.1.20.
 */
static void
test_numbers_ieee(void **state)
{
	static const struct {
		uint64_t bits;
		const char *want;
	} t[] = {
		{ 0x0000000000000000u, "0" },
		{ 0x8000000000000000u, "0" },			/* -0 */
		{ 0x0000000000000001u, "5e-324" },
		{ 0x8000000000000001u, "-5e-324" },
		{ 0x7fefffffffffffffu, "1.7976931348623157e+308" },
		{ 0xffefffffffffffffu, "-1.7976931348623157e+308" },
		{ 0x4340000000000000u, "9007199254740992" },
		{ 0xc340000000000000u, "-9007199254740992" },
		{ 0x4430000000000000u, "295147905179352830000" },
		{ 0x44b52d02c7e14af5u, "9.999999999999997e+22" },
		{ 0x44b52d02c7e14af6u, "1e+23" },
		{ 0x44b52d02c7e14af7u, "1.0000000000000001e+23" },
		{ 0x444b1ae4d6e2ef4eu, "999999999999999700000" },
		{ 0x444b1ae4d6e2ef4fu, "999999999999999900000" },
		{ 0x444b1ae4d6e2ef50u, "1e+21" },
		{ 0x3eb0c6f7a0b5ed8cu, "9.999999999999997e-7" },
		{ 0x3eb0c6f7a0b5ed8du, "0.000001" },
		{ 0x41b3de4355555553u, "333333333.3333332" },
		{ 0x41b3de4355555554u, "333333333.33333325" },
		{ 0x41b3de4355555555u, "333333333.3333333" },
		{ 0x41b3de4355555556u, "333333333.3333334" },
		{ 0x41b3de4355555557u, "333333333.33333343" },
		{ 0xbecbf647612f3696u, "-0.0000033333333333333333" },
		{ 0x43143ff3c1cb0959u, "1424953923781206.2" },
		/* Powers of two whose shortest form is not printf's. */
		{ 0x0060000000000000u, "7.120236347223045e-307" },	/* 2^-1017 */
		{ 0x0100000000000000u, "7.291122019556398e-304" },	/* 2^-1007 */
		{ 0x0010000000000000u, "2.2250738585072014e-308" },
		{ 0x000fffffffffffffu, "2.225073858507201e-308" },
		{ 0x3fb999999999999au, "0.1" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		expect_num(from_bits(t[i].bits), t[i].want);
}

/* The edges of positional notation, and the text path. */
static void
test_numbers_text(void **state)
{
	char s[CCAKIT_JCS_NUMBER_MAX];

	(void)state;
	expect_num(1e21, "1e+21");
	expect_num(1e20, "100000000000000000000");
	expect_num(123e18, "123000000000000000000");
	expect_num(1e-7, "1e-7");
	expect_num(1e-6, "0.000001");
	expect_num(-1.5e-7, "-1.5e-7");
	expect_num(0.1 + 0.2, "0.30000000000000004");
	expect_num(-0.0, "0");
	expect_num(1.0, "1");
	expect_num(-123.456, "-123.456");
	expect_num(1e300 * 10, "1e+301");
	assert_int_equal(ccakit_jcs_number(NAN, s, sizeof(s)),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_jcs_number(INFINITY, s, sizeof(s)),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_jcs_number(1.0, s, 8), CCAKIT_ERR_INVALID_ARG);

	expect_jcs("[1E21, 1e-7, -0, -0.0, 0.0, 5e-324, 1.0, 10.50, 1e+2]",
	    "[1e+21,1e-7,0,0,0,5e-324,1,10.5,100]");
	/* Past 2^53 integers are doubles: rounded as JSON.parse does. */
	expect_jcs("[9007199254740992, 9007199254740993, -9007199254740993,"
	    "1152921504606846976, 18446744073709551616]",
	    "[9007199254740992,9007199254740992,-9007199254740992,"
	    "1152921504606847000,18446744073709552000]");
	expect_jcs("[123456789012345678901234567890]",
	    "[1.2345678901234568e+29]");
	/* Below 2^53 the digits are the integer's own. */
	expect_jcs("[9007199254740991, -9007199254740991, 4294967297]",
	    "[9007199254740991,-9007199254740991,4294967297]");
}

/* CCAKIT_JCS_EXACT: an integer no double holds is refused. */
static void
test_exact_integers(void **state)
{
	struct ccakit_errdetail d;
	json_t *v;
	char *out = NULL;

	(void)state;
	out = jcs_ok("[9007199254740992, 9007199254740994, -9223372036854775808,"
	    " 1152921504606846976]", CCAKIT_JCS_EXACT);
	assert_string_equal(out, "[9007199254740992,9007199254740994,"
	    "-9223372036854776000,1152921504606847000]");
	free(out);
	assert_int_equal(ccakit_jcs_text("[9007199254740993]", 18,
	    CCAKIT_JCS_EXACT, &out, NULL, &d), CCAKIT_ERR_JSON);
	assert_null(out);
	assert_non_null(strstr(d.text, "9007199254740993"));
	assert_int_equal(ccakit_jcs_text("9223372036854775807", 19,
	    CCAKIT_JCS_EXACT, &out, NULL, &d), CCAKIT_ERR_JSON);
	/* Beyond int64 jansson has no integer: refused as well. */
	assert_int_equal(ccakit_jcs_text("18446744073709551616", 20,
	    CCAKIT_JCS_EXACT, &out, NULL, &d), CCAKIT_ERR_JSON);
	/* The value API: a jansson integer, rounded or refused. */
	v = json_integer(9007199254740993LL);
	assert_int_equal(ccakit_jcs_value(v, 0, &out, NULL, &d), CCAKIT_OK);
	assert_string_equal(out, "9007199254740992");
	free(out);
	assert_int_equal(ccakit_jcs_value(v, CCAKIT_JCS_EXACT, &out, NULL,
	    &d), CCAKIT_ERR_JSON);
	json_decref(v);
}

static void
expect_refused(const char *json, size_t len, int code)
{
	struct ccakit_errdetail d;
	char *out = (char *)1;

	assert_int_equal(ccakit_jcs_text(json, len, 0, &out, NULL, &d), code);
	assert_null(out);
}

static void
test_refused(void **state)
{
	json_t *v, *a;
	char *out = NULL;
	struct ccakit_errdetail d;
	int i;

	(void)state;
	expect_refused("{\"a\":1,\"a\":2}", 13, CCAKIT_ERR_JSON);	/* dup */
	expect_refused("[1e400]", 7, CCAKIT_ERR_JSON);		/* overflow */
	expect_refused("[NaN]", 5, CCAKIT_ERR_JSON);
	expect_refused("[\"\\ud800\"]", 10, CCAKIT_ERR_JSON);	/* lone */
	expect_refused("[\"\xc0\xaf\"]", 6, CCAKIT_ERR_JSON);	/* overlong */
	expect_refused("[\"\xed\xa0\x80\"]", 7, CCAKIT_ERR_JSON); /* surrog. */
	expect_refused("[1,]", 4, CCAKIT_ERR_JSON);
	expect_refused("", 0, CCAKIT_ERR_JSON);
	expect_refused("[1] [2]", 7, CCAKIT_ERR_JSON);
	expect_refused("[]", CCAKIT_JCS_MAX_IN + 1, CCAKIT_ERR_TOO_LARGE);
	assert_int_equal(ccakit_jcs_text("[]", 2, 0x80, &out, NULL, &d),
	    CCAKIT_ERR_INVALID_ARG);

	/* Invalid UTF-8 smuggled in by the caller's jansson value. */
	v = json_object();
	json_object_set_new_nocheck(v, "\xff", json_true());
	assert_int_equal(ccakit_jcs_value(v, 0, &out, NULL, &d),
	    CCAKIT_ERR_JSON);
	json_decref(v);
	v = json_stringn_nocheck("\xed\xa0\x80", 3);
	assert_int_equal(ccakit_jcs_value(v, 0, &out, NULL, &d),
	    CCAKIT_ERR_JSON);
	json_decref(v);
	v = json_real(NAN);	/* jansson refuses: NULL */
	if (v != NULL) {
		assert_int_equal(ccakit_jcs_value(v, 0, &out, NULL, &d),
		    CCAKIT_ERR_JSON);
		json_decref(v);
	}

	/* Nesting deeper than the cap. */
	v = a = json_array();
	for (i = 0; i < CCAKIT_JCS_MAX_DEPTH + 1; i++) {
		json_t *n = json_array();

		json_array_append_new(a, n);
		a = n;
	}
	assert_int_equal(ccakit_jcs_value(v, 0, &out, NULL, &d),
	    CCAKIT_ERR_JSON);
	assert_non_null(strstr(d.text, "deeper"));
	json_decref(v);
}

/* Canonicalising the canonical form changes nothing. */
static void
test_idempotent(void **state)
{
	static const char *const in[] = {
		"{\"b\":[1.5e300,{\"\\u00e9\":\"\\u0000\",\"e\":null}],\"a\":-0}",
		"[0.1,0.2,0.30000000000000004,1e21,1e-7,\"\\ud834\\udd1e\"]",
		"{\"\\ud83d\\ude00\":{\"\\uffff\":[true,false]}}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		char *a = jcs_ok(in[i], 0), *b = jcs_ok(a, 0);

		assert_string_equal(a, b);
		free(a);
		free(b);
	}
}

/*
 * Random doubles: the output reads back as the same double and the
 * correctly rounded decimal one digit shorter does not (the complete
 * comparison with another implementation is tests/oracle/jose_oracle.py).
 */
static void
test_numbers_random(void **state)
{
	uint64_t x = 0x243f6a8885a308d3u;
	char s[CCAKIT_JCS_NUMBER_MAX], dig[CKI_DIGITS_MAX], t[64];
	int i, k, e10;

	(void)state;
	for (i = 0; i < 20000; i++) {
		double v;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v = from_bits(x);
		if (!isfinite(v) || v == 0)
			continue;
		assert_int_equal(ccakit_jcs_number(v, s, sizeof(s)), CCAKIT_OK);
		assert_true(strtod(s, NULL) == v);
		cki_shortest_digits(fabs(v), dig, &k, &e10);
		if (k > 1) {
			/* The k-1 digit decimals below and above |v|. */
			(void)snprintf(t, sizeof(t), "%.*e", k - 2, fabs(v));
			assert_true(strtod(t, NULL) != fabs(v));
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_example),
		cmocka_unit_test(test_rfc_sorting),
		cmocka_unit_test(test_sort_non_bmp),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_numbers_ieee),
		cmocka_unit_test(test_numbers_text),
		cmocka_unit_test(test_exact_integers),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_numbers_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
