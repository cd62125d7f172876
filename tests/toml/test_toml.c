/*
 * lib/toml: integer and float edges, messages with positions, caps,
 * getters, unknown-key reports, date-times, paths, line ends.
 * (The toml-test suite runs in toml_suite.c.)
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#include <ccakit/toml.h>

/* ccakit_toml_new() and ccakit_toml_parse(): *out NULL on failure. */
static int
toml_parse(const char *text, size_t len, const char *name,
    const struct ccakit_toml_limits *lim, ccakit_toml **out,
    struct ccakit_errdetail *d)
{
	int r;

	if ((*out = ccakit_toml_new()) == NULL)
		return CCAKIT_ERR_NOMEM;
	if ((r = ccakit_toml_parse(*out, text, len, name, lim, d)) !=
	    CCAKIT_OK)
		ccakit_toml_free(out);
	return r;
}

/* ccakit_toml_new() and ccakit_toml_parse_file(): *out NULL on failure. */
static int
toml_parse_file(const char *path, const struct ccakit_toml_limits *lim,
    ccakit_toml **out, struct ccakit_errdetail *d)
{
	int r;

	if ((*out = ccakit_toml_new()) == NULL)
		return CCAKIT_ERR_NOMEM;
	if ((r = ccakit_toml_parse_file(*out, path, lim, d)) != CCAKIT_OK)
		ccakit_toml_free(out);
	return r;
}

static ccakit_toml *
parse_ok(const char *text)
{
	struct ccakit_errdetail d;
	ccakit_toml *doc = NULL;
	int r;

	memset(&d, 0, sizeof(d));
	r = toml_parse(text, strlen(text), "t.toml", NULL, &doc, &d);
	if (r != CCAKIT_OK)
		fail_msg("refused: %s", d.text);
	assert_non_null(doc);
	return doc;
}

/* Parse must fail with code and exactly this message. */
static void
parse_err(const char *text, size_t len, int code, const char *msg)
{
	struct ccakit_errdetail d;
	ccakit_toml *doc = (ccakit_toml *)1;
	int r;

	memset(&d, 0, sizeof(d));
	r = toml_parse(text, len, "t.toml", NULL, &doc, &d);
	if (r != code)
		fail_msg("'%s': got %d (%s), want %d", text, r, d.text, code);
	assert_null(doc);
	if (msg != NULL)
		assert_string_equal(d.text, msg);
}

#define PARSE_ERR(text, code, msg) parse_err(text, strlen(text), code, msg)

static int64_t
int_of(const char *text)
{
	ccakit_toml *doc = parse_ok(text);
	int64_t v = 0;

	assert_int_equal(ccakit_toml_get_int(ccakit_toml_root(doc), "v", &v,
	    NULL), CCAKIT_OK);
	ccakit_toml_free(&doc);
	return v;
}

static double
float_of(const char *text)
{
	ccakit_toml *doc = parse_ok(text);
	double v = 0;

	assert_int_equal(ccakit_toml_get_float(ccakit_toml_root(doc), "v", &v,
	    NULL), CCAKIT_OK);
	ccakit_toml_free(&doc);
	return v;
}

static void
test_int64_edges(void **state)
{
	(void)state;
	assert_true(int_of("v = 9223372036854775807") == INT64_MAX);
	assert_true(int_of("v = -9223372036854775808") == INT64_MIN);
	assert_true(int_of("v = +9_223_372_036_854_775_807") == INT64_MAX);
	assert_true(int_of("v = 0x7fffffffffffffff") == INT64_MAX);
	assert_true(int_of("v = 0x0000_7FFF_FFFF_FFFF_FFFF") == INT64_MAX);
	assert_true(int_of("v = 0o777777777777777777777") == INT64_MAX);
	assert_true(int_of("v = 0b" "1111111111111111111111111111111"
	    "11111111111111111111111111111111") == INT64_MAX);
	assert_true(int_of("v = -0") == 0);
	PARSE_ERR("v = 9223372036854775808", CCAKIT_ERR_TOML,
	    "t.toml:1:5: integer out of the 64-bit range "
	    "[-9223372036854775808, 9223372036854775807]");
	PARSE_ERR("v = -9223372036854775809", CCAKIT_ERR_TOML, NULL);
	PARSE_ERR("v = 18446744073709551616", CCAKIT_ERR_TOML, NULL);
	PARSE_ERR("v = 99999999999999999999999999999999", CCAKIT_ERR_TOML,
	    NULL);
	PARSE_ERR("v = 0x8000000000000000", CCAKIT_ERR_TOML, NULL);
	PARSE_ERR("v = 0xffffffffffffffff", CCAKIT_ERR_TOML, NULL);
	PARSE_ERR("v = 0o1000000000000000000000", CCAKIT_ERR_TOML, NULL);
	PARSE_ERR("v = 0b1" "000000000000000000000000000000000000000000000"
	    "000000000000000000", CCAKIT_ERR_TOML, NULL);
	/* Only decimal integers are signed; no leading zeros. */
	PARSE_ERR("v = -0x1", CCAKIT_ERR_TOML,
	    "t.toml:1:5: a sign is not allowed before 0x");
	PARSE_ERR("v = 007", CCAKIT_ERR_TOML,
	    "t.toml:1:5: leading zeros are not allowed");
	PARSE_ERR("v = 1__0", CCAKIT_ERR_TOML,
	    "t.toml:1:6: an underscore must be between two digits");
}

static void
test_floats(void **state)
{
	double f;

	(void)state;
	assert_true(float_of("v = 1.7976931348623157e308") == 1.7976931348623157e308);
	assert_true(float_of("v = 1e-400") == 0.0);
	assert_true(float_of("v = 6.626e-34") == 6.626e-34);
	assert_true(float_of("v = 1_000.5_5") == 1000.55);
	assert_true(float_of("v = 5e+2_2") == 5e22);
	f = float_of("v = -inf");
	assert_true(isinf(f) && f < 0);
	assert_true(isnan(float_of("v = -nan")));
	/* An integer where a float is read, as serde does. */
	assert_true(float_of("v = 3") == 3.0);
	assert_true(float_of("v = 9007199254740992") == 9007199254740992.0);
	PARSE_ERR("v = 1e309", CCAKIT_ERR_TOML,
	    "t.toml:1:5: float out of the binary64 range");
	PARSE_ERR("v = -1.8e308", CCAKIT_ERR_TOML, NULL);
	PARSE_ERR("v = 1.", CCAKIT_ERR_TOML, NULL);
	PARSE_ERR("v = .5", CCAKIT_ERR_TOML, NULL);
	PARSE_ERR("v = 01.5", CCAKIT_ERR_TOML, NULL);
	PARSE_ERR("v = 1e", CCAKIT_ERR_TOML, NULL);
	PARSE_ERR("v = Inf", CCAKIT_ERR_TOML, NULL);
}

static void
test_float_not_exact(void **state)
{
	struct ccakit_errdetail d;
	ccakit_toml *doc = parse_ok("v = 9007199254740993");
	double f = 7;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(ccakit_toml_get_float(ccakit_toml_root(doc), "v", &f,
	    &d), CCAKIT_ERR_CONFIG);
	assert_string_equal(d.text, "t.toml:1:5: v: integer 9007199254740993 "
	    "is not exactly representable as a float");
	assert_true(f == 7);
	ccakit_toml_free(&doc);
}

static void
test_messages(void **state)
{
	(void)state;
	PARSE_ERR("a = 1\nb = \n", CCAKIT_ERR_TOML,
	    "t.toml:2:5: expected a value, found end of line");
	/* Columns count characters, not bytes. */
	PARSE_ERR("\"\xc3\xa9t\xc3\xa9\" = 1 2", CCAKIT_ERR_TOML,
	    "t.toml:1:11: expected end of line after the value, found '2'");
	PARSE_ERR("a = 1\r\nb = 2\rc = 3", CCAKIT_ERR_TOML,
	    "t.toml:2:6: carriage return without line feed");
	PARSE_ERR("a = 1\n[t]\nx = 1\n[t]\n", CCAKIT_ERR_TOML,
	    "t.toml:4:2: table 't' defined twice (first at line 2)");
	PARSE_ERR("a = 1\na = 2\n", CCAKIT_ERR_TOML,
	    "t.toml:2:1: duplicate key 'a' (first defined at line 1)");
	PARSE_ERR("s = \"\\q\"", CCAKIT_ERR_TOML,
	    "t.toml:1:6: invalid escape sequence \\q");
	PARSE_ERR("s = \"\\uD800\"", CCAKIT_ERR_TOML,
	    "t.toml:1:6: escape \\uD800 is not a Unicode scalar value");
	PARSE_ERR("# ok\n\n  s = 'a\x01'", CCAKIT_ERR_TOML,
	    "t.toml:3:9: control character U+0001 in a string");
	PARSE_ERR("x = 1 # \x7f", CCAKIT_ERR_TOML,
	    "t.toml:1:9: control character U+007F in a comment");
	parse_err("a = \"\xff\"", 8, CCAKIT_ERR_TOML,
	    "t.toml:1:6: invalid UTF-8 (byte 0xFF)");
	parse_err("a = 1\nb = \"\xed\xa0\x80\"", 14, CCAKIT_ERR_TOML,
	    "t.toml:2:6: invalid UTF-8 (byte 0xED)");
	PARSE_ERR("d = 2023-02-29", CCAKIT_ERR_TOML,
	    "t.toml:1:5: no such date: 2023-02-29");
	PARSE_ERR("t = {a = 1,}", CCAKIT_ERR_TOML,
	    "t.toml:1:12: trailing comma in an inline table");
	PARSE_ERR("t = {a = 1,\n b = 2}", CCAKIT_ERR_TOML,
	    "t.toml:1:12: expected a key, found end of line");
	PARSE_ERR("[a]\nb = 1\n[a.b]", CCAKIT_ERR_TOML,
	    "t.toml:3:4: 'a.b' is an integer (line 2), not a table");
}

static void
test_unnamed_and_long_name(void **state)
{
	struct ccakit_errdetail d;
	ccakit_toml *doc = NULL;
	char name[200];

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(toml_parse("x", 1, NULL, NULL, &doc, &d),
	    CCAKIT_ERR_TOML);
	assert_string_equal(d.text, "1:2: expected '=' after a key, found "
	    "end of input");
	memset(name, 'd', sizeof(name));
	memcpy(name + sizeof(name) - 12, "/config.toml", 12);
	name[sizeof(name) - 1] = '\0';
	name[sizeof(name) - 13] = '/';
	assert_int_equal(toml_parse("x", 1, name, NULL, &doc, &d),
	    CCAKIT_ERR_TOML);
	/* The end of a long name is kept. */
	assert_non_null(strstr(d.text, "/config.tom:1:2: expected"));
	assert_memory_equal(d.text, "...", 3);
}

static void
test_depth_caps(void **state)
{
	struct ccakit_toml_limits lim = { 0, 4 };
	struct ccakit_errdetail d;
	ccakit_toml *doc = NULL;
	char *big;
	size_t n, i;

	(void)state;
	/* Default cap (128): a key's value at depth 1, so 128 arrays. */
	n = 4 + 2 * CCAKIT_TOML_MAX_DEPTH;
	big = malloc(n + 8);
	assert_non_null(big);
	memcpy(big, "a = ", 4);
	for (i = 0; i < CCAKIT_TOML_MAX_DEPTH; i++) {
		big[4 + i] = '[';
		big[4 + CCAKIT_TOML_MAX_DEPTH + i] = ']';
	}
	assert_int_equal(toml_parse(big, n, "t.toml", NULL, &doc, &d),
	    CCAKIT_OK);
	ccakit_toml_free(&doc);
	/* One more level. */
	memmove(big + 5, big + 4, n - 4);
	big[4] = '[';
	big[n + 1] = ']';
	assert_int_equal(toml_parse(big, n + 2, "t.toml", NULL, &doc,
	    &d), CCAKIT_ERR_TOML);
	assert_string_equal(d.text, "t.toml:1:133: nesting deeper than 128 "
	    "levels");
	free(big);

	/* A hostile file: a million '[' must not exhaust the stack. */
	n = 1000000;
	big = malloc(n);
	assert_non_null(big);
	memset(big, '[', n);
	memcpy(big, "a = ", 4);
	assert_int_equal(toml_parse(big, n, "t.toml", NULL, &doc, &d),
	    CCAKIT_ERR_TOML);
	memset(big, '{', n);
	memcpy(big, "a = ", 4);
	for (i = 4; i + 4 < n; i += 4)
		memcpy(big + i, "{a=", 3);
	assert_int_equal(toml_parse(big, n, "t.toml", NULL, &doc, &d),
	    CCAKIT_ERR_TOML);
	/* Key depth: [a.a.a...] and a.a.a... = 1. */
	memset(big, 'a', n);
	big[0] = '[';
	for (i = 2; i + 1 < n; i += 2)
		big[i] = '.';
	big[n - 1] = ']';
	assert_int_equal(toml_parse(big, n, "t.toml", NULL, &doc, &d),
	    CCAKIT_ERR_TOML);
	assert_string_equal(d.text, "t.toml:1:258: key with more than 128 "
	    "parts (nesting limit)");
	free(big);

	/* A custom cap counts tables, arrays and inline tables alike. */
	doc = NULL;
	assert_int_equal(toml_parse("[a.b.c.d]", 9, NULL, &lim, &doc,
	    &d), CCAKIT_OK);
	ccakit_toml_free(&doc);
	assert_int_equal(toml_parse("[a.b.c.d.e]", 11, NULL, &lim, &doc,
	    &d), CCAKIT_ERR_TOML);
	assert_int_equal(toml_parse("[a.b.c]\nd = [1]", 15, NULL, &lim,
	    &doc, &d), CCAKIT_OK);
	ccakit_toml_free(&doc);
	assert_int_equal(toml_parse("[a.b.c]\nd = [[1]]", 17, NULL,
	    &lim, &doc, &d), CCAKIT_ERR_TOML);
	assert_string_equal(d.text, "2:6: nesting deeper than 4 levels");
	assert_int_equal(toml_parse("[a.b]\nc.d.e = 1", 15, NULL,
	    &lim, &doc, &d), CCAKIT_OK);
	ccakit_toml_free(&doc);
	assert_int_equal(toml_parse("[a.b]\nc.d.e.f = 1", 17, NULL,
	    &lim, &doc, &d), CCAKIT_ERR_TOML);
	assert_int_equal(toml_parse("a = {b = {c = {d = {}}}}", 24,
	    NULL, &lim, &doc, &d), CCAKIT_OK);
	ccakit_toml_free(&doc);
	assert_int_equal(toml_parse("a = {b = {c = {d = {e = {}}}}}",
	    30, NULL, &lim, &doc, &d), CCAKIT_ERR_TOML);
	assert_int_equal(toml_parse("[[a.b.c]]\n[[a.b.c]]", 19, NULL,
	    &lim, &doc, &d), CCAKIT_OK);
	ccakit_toml_free(&doc);
	assert_int_equal(toml_parse("[[a.b.c.d]]", 11, NULL, &lim, &doc,
	    &d), CCAKIT_ERR_TOML);
	/* Caps above the hard limit are refused. */
	lim.max_depth = CCAKIT_TOML_DEPTH_LIMIT + 1;
	assert_int_equal(toml_parse("", 0, NULL, &lim, &doc, &d),
	    CCAKIT_ERR_INVALID_ARG);
	lim.max_depth = CCAKIT_TOML_DEPTH_LIMIT;
	assert_int_equal(toml_parse("", 0, NULL, &lim, &doc, &d),
	    CCAKIT_OK);
	ccakit_toml_free(&doc);
}

static void
test_size_caps(void **state)
{
	struct ccakit_toml_limits lim = { 16, 0 };
	struct ccakit_errdetail d;
	ccakit_toml *doc = NULL;
	char path[] = "/tmp/test_toml_XXXXXX", *big;
	FILE *f;
	int fd;

	(void)state;
	assert_int_equal(toml_parse("a = 1234567890123", 17, "t.toml",
	    &lim, &doc, &d), CCAKIT_ERR_TOO_LARGE);
	assert_string_equal(d.text, "t.toml: 17 bytes, more than the limit "
	    "of 16");
	assert_int_equal(toml_parse("a = 123456789012", 16, "t.toml",
	    &lim, &doc, &d), CCAKIT_OK);
	ccakit_toml_free(&doc);
	/* Default cap: 1 MiB. */
	big = malloc(CCAKIT_TOML_MAX_SIZE + 1);
	assert_non_null(big);
	memset(big, '\n', CCAKIT_TOML_MAX_SIZE + 1);
	assert_int_equal(toml_parse(big, CCAKIT_TOML_MAX_SIZE, NULL,
	    NULL, &doc, &d), CCAKIT_OK);
	ccakit_toml_free(&doc);
	assert_int_equal(toml_parse(big, CCAKIT_TOML_MAX_SIZE + 1,
	    NULL, NULL, &doc, &d), CCAKIT_ERR_TOO_LARGE);
	free(big);

	/* Files: the cap, read errors, the path in messages. */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("a = 1\nb = 'x'\nc = [\n", f);
	fclose(f);
	assert_int_equal(toml_parse_file(path, &lim, &doc, &d),
	    CCAKIT_ERR_TOO_LARGE);
	assert_non_null(strstr(d.text, ": larger than the limit of 16 bytes"));
	assert_int_equal(toml_parse_file(path, NULL, &doc, &d),
	    CCAKIT_ERR_TOML);
	assert_memory_equal(d.text, path, strlen(path));
	assert_string_equal(d.text + strlen(path),
	    ":3:5: unterminated array");
	unlink(path);
	assert_int_equal(toml_parse_file(path, NULL, &doc, &d),
	    CCAKIT_ERR_IO);
	assert_non_null(strstr(d.text, "No such file or directory"));
	assert_null(doc);
}

/* Keys per table and elements per array cost hashing, not scans. */
static void
test_linear_time(void **state)
{
	const size_t keys = 60000;
	struct ccakit_errdetail d;
	ccakit_toml *doc = NULL;
	char *text, *p;
	size_t i;
	clock_t t0;
	double secs;
	int64_t v;

	(void)state;
	text = malloc(keys * 24 + 64);
	assert_non_null(text);
	p = text;
	for (i = 0; i < keys; i++)
		p += sprintf(p, "k%zu = %zu\n", i, i);
	p += sprintf(p, "[[t]]\n[[t]]\n");
	t0 = clock();
	assert_int_equal(toml_parse(text, (size_t)(p - text), NULL,
	    NULL, &doc, &d), CCAKIT_OK);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	assert_int_equal(ccakit_toml_table_len(ccakit_toml_root(doc)),
	    keys + 1);
	assert_int_equal(ccakit_toml_get_int(ccakit_toml_root(doc), "k59999",
	    &v, NULL), CCAKIT_OK);
	assert_true(v == 59999);
	ccakit_toml_free(&doc);
	free(text);
	/* Quadratic lookups would take minutes; linear takes milliseconds
	 * (a generous bound for sanitizers and a loaded machine). */
	assert_true(secs < 10.0);
}

static const char kbs_config[] =
    "# a key broker\n"
    "[http_server]\n"
    "sockets = [\"0.0.0.0:8080\", \"[::]:8080\"]\n"
    "insecure_http = true\n"
    "worker_count = 4\n"
    "\n"
    "[attestation_token]\n"
    "insecure_header_jwk = true\n"
    "trusted_certs_paths = []\n"
    "\n"
    "[attestation_service.attestation_token_broker]\n"
    "duration_min = 5\n"
    "signer = { key_path = \"/etc/kbs/as.key\", cert_path = \"/etc/kbs/as.pem\" }\n"
    "\n"
    "[[plugins]]\n"
    "name = \"resource\"\n"
    "storage_backend_type = \"kvstorage\"\n"
    "\n"
    "[[plugins]]\n"
    "nmae = \"sample\"\n"
    "item = \"x\"\n";

static void
test_getters(void **state)
{
	struct ccakit_errdetail d;
	ccakit_toml *doc = parse_ok(kbs_config);
	ccakit_toml_value *root = ccakit_toml_root(doc), *a, *t;
	const char *s = "unset";
	int64_t i = 42;
	bool b = false;
	double f = 0;
	unsigned line, col;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(ccakit_toml_get_bool(root, "http_server.insecure_http",
	    &b, &d), CCAKIT_OK);
	assert_true(b);
	assert_int_equal(ccakit_toml_get_int_range(root,
	    "http_server.worker_count", 1, 1024, &i, &d), CCAKIT_OK);
	assert_true(i == 4);
	assert_int_equal(ccakit_toml_get_int_range(root,
	    "http_server.worker_count", 8, 1024, &i, &d), CCAKIT_ERR_CONFIG);
	assert_string_equal(d.text, "t.toml:5:16: http_server.worker_count: 4 "
	    "is out of range [8, 1024]");
	/* Absent: NOT_FOUND, *out untouched (the default survives). */
	i = 42;
	assert_int_equal(ccakit_toml_get_int(root, "http_server.timeout", &i,
	    &d), CCAKIT_ERR_NOT_FOUND);
	assert_true(i == 42);
	assert_string_equal(d.text, "t.toml:2:2: missing key "
	    "'http_server.timeout'");
	assert_int_equal(ccakit_toml_get_int(root, "admin.mode", &i, &d),
	    CCAKIT_ERR_NOT_FOUND);
	assert_string_equal(d.text, "t.toml: missing key 'admin.mode'");
	/* Wrong type. */
	assert_int_equal(ccakit_toml_get_string(root,
	    "http_server.worker_count", &s, &d), CCAKIT_ERR_CONFIG);
	assert_string_equal(d.text, "t.toml:5:16: http_server.worker_count: "
	    "expected a string, found integer");
	assert_string_equal(s, "unset");
	assert_int_equal(ccakit_toml_get_float(root, "http_server.sockets", &f,
	    &d), CCAKIT_ERR_CONFIG);
	assert_string_equal(d.text, "t.toml:3:11: http_server.sockets: "
	    "expected a float, found array");
	assert_int_equal(ccakit_toml_get_int(root, "http_server.sockets.x", &i,
	    &d), CCAKIT_ERR_CONFIG);
	assert_string_equal(d.text, "t.toml:3:11: http_server.sockets: "
	    "expected a table, found array");
	/* Arrays: elements through path NULL. */
	assert_int_equal(ccakit_toml_get_array(root, "http_server.sockets", &a,
	    &d), CCAKIT_OK);
	assert_int_equal(ccakit_toml_array_len(a), 2);
	assert_int_equal(ccakit_toml_get_string(ccakit_toml_array_at(a, 1),
	    NULL, &s, &d), CCAKIT_OK);
	assert_string_equal(s, "[::]:8080");
	assert_null(ccakit_toml_array_at(a, 2));
	/* Inline table reached by a dotted path. */
	assert_int_equal(ccakit_toml_get_string(root,
	    "attestation_service.attestation_token_broker.signer.key_path", &s,
	    &d), CCAKIT_OK);
	assert_string_equal(s, "/etc/kbs/as.key");
	/* Paths in TOML key syntax; a bad path is a caller error. */
	assert_int_equal(ccakit_toml_get_table(root,
	    " \"attestation_service\" . 'attestation_token_broker' ", &t, &d),
	    CCAKIT_OK);
	assert_int_equal(ccakit_toml_get_int(t, "duration_min", &i, &d),
	    CCAKIT_OK);
	assert_true(i == 5);
	ccakit_toml_pos(t, &line, &col);
	assert_int_equal(line, 11);
	assert_int_equal(col, 22);
	assert_int_equal(ccakit_toml_get_int(root, "a..b", &i, &d),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_toml_get_int(root, "a = b", &i, &d),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_toml_get_int(root, "", &i, &d),
	    CCAKIT_ERR_INVALID_ARG);
	assert_non_null(ccakit_toml_lookup(root, "plugins"));
	assert_null(ccakit_toml_lookup(root, "plugins.name"));
	ccakit_toml_free(&doc);
}

static void
test_unknown_keys(void **state)
{
	struct ccakit_errdetail d;
	ccakit_toml *doc = parse_ok(kbs_config);
	ccakit_toml_value *root = ccakit_toml_root(doc), *a, *first, *p;
	const char *s;
	int64_t i;
	bool b;
	size_t k;

	(void)state;
	memset(&d, 0, sizeof(d));
	/* Nothing read: the first key of the file. */
	assert_int_equal(ccakit_toml_check_unused(root, &first, &d),
	    CCAKIT_ERR_CONFIG);
	assert_string_equal(d.text, "t.toml:2:2: unknown key 'http_server'");
	assert_ptr_equal(first, ccakit_toml_lookup(root, "http_server"));
	/* A loader reading part of the file. */
	assert_int_equal(ccakit_toml_get_array(root, "http_server.sockets", &a,
	    &d), CCAKIT_OK);
	assert_int_equal(ccakit_toml_get_bool(root, "http_server.insecure_http",
	    &b, &d), CCAKIT_OK);
	assert_int_equal(ccakit_toml_check_unused(root, NULL, &d),
	    CCAKIT_ERR_CONFIG);
	assert_string_equal(d.text,
	    "t.toml:5:1: unknown key 'http_server.worker_count'");
	assert_int_equal(ccakit_toml_get_int(root, "http_server.worker_count",
	    &i, &d), CCAKIT_OK);
	assert_int_equal(ccakit_toml_get_bool(root,
	    "attestation_token.insecure_header_jwk", &b, &d), CCAKIT_OK);
	assert_int_equal(ccakit_toml_get_array(root,
	    "attestation_token.trusted_certs_paths", &a, &d), CCAKIT_OK);
	assert_int_equal(ccakit_toml_get_int(root, "attestation_service."
	    "attestation_token_broker.duration_min", &i, &d), CCAKIT_OK);
	assert_int_equal(ccakit_toml_check_unused(root, NULL, &d),
	    CCAKIT_ERR_CONFIG);
	assert_string_equal(d.text, "t.toml:13:1: unknown key "
	    "'attestation_service.attestation_token_broker.signer'");
	/* A sub-table taken as a whole. */
	ccakit_toml_mark_used(ccakit_toml_lookup(root, "attestation_service."
	    "attestation_token_broker.signer"), true);
	/* Arrays of tables: keys inside elements. */
	assert_int_equal(ccakit_toml_get_array(root, "plugins", &a, &d),
	    CCAKIT_OK);
	for (k = 0; k < ccakit_toml_array_len(a); k++) {
		p = ccakit_toml_array_at(a, k);
		if (ccakit_toml_get_string(p, "name", &s, &d) != CCAKIT_OK)
			break;
		if (strcmp(s, "resource") == 0)
			assert_int_equal(ccakit_toml_get_string(p,
			    "storage_backend_type", &s, &d), CCAKIT_OK);
	}
	assert_int_equal(k, 1);
	assert_string_equal(d.text, "t.toml:19:3: missing key "
	    "'plugins[1].name'");
	assert_int_equal(ccakit_toml_check_unused(root, NULL, &d),
	    CCAKIT_ERR_CONFIG);
	assert_string_equal(d.text, "t.toml:20:1: unknown key "
	    "'plugins[1].nmae'");
	ccakit_toml_mark_used(ccakit_toml_array_at(a, 1), true);
	assert_int_equal(ccakit_toml_check_unused(root, &first, &d), CCAKIT_OK);
	assert_null(first);
	ccakit_toml_free(&doc);
}

static void
test_loader_error(void **state)
{
	struct ccakit_errdetail d;
	ccakit_toml *doc = parse_ok("[admin]\nmode = 'Sometimes'\n");
	ccakit_toml_value *v;

	(void)state;
	v = ccakit_toml_lookup(ccakit_toml_root(doc), "admin.mode");
	assert_non_null(v);
	assert_int_equal(ccakit_toml_error(v, CCAKIT_ERR_CONFIG, &d,
	    "unknown mode '%s'", ccakit_toml_string(v, NULL)),
	    CCAKIT_ERR_CONFIG);
	assert_string_equal(d.text, "t.toml:2:8: admin.mode: unknown mode "
	    "'Sometimes'");
	ccakit_toml_free(&doc);
}

static void
test_strings(void **state)
{
	struct ccakit_errdetail d;
	ccakit_toml *doc;
	ccakit_toml_value *root;
	const char *s;
	size_t len;

	(void)state;
	doc = parse_ok("\xef\xbb\xbf" "a = \"\"\"\r\nx\r\ny\\\r\n   z\"\"\"\r\n"
	    "b = '''\n\\n'''''\n"
	    "c = \"nul\\u0000inside\"\n"
	    "d = \"\\U0001F600\\t\\\"\"\n");
	root = ccakit_toml_root(doc);
	/* CRLF inside a multi-line string reads as LF. */
	assert_int_equal(ccakit_toml_get_string(root, "a", &s, NULL),
	    CCAKIT_OK);
	assert_string_equal(s, "x\nyz");
	assert_int_equal(ccakit_toml_get_string(root, "b", &s, NULL),
	    CCAKIT_OK);
	assert_string_equal(s, "\\n''");
	assert_string_equal(ccakit_toml_string(ccakit_toml_lookup(root, "d"),
	    NULL), "\xf0\x9f\x98\x80\t\"");
	/* U+0000 is readable raw, refused by the getter. */
	s = ccakit_toml_string(ccakit_toml_lookup(root, "c"), &len);
	assert_int_equal(len, 10);
	assert_memory_equal(s, "nul\0inside", 10);
	assert_int_equal(ccakit_toml_get_string(root, "c", &s, &d),
	    CCAKIT_ERR_CONFIG);
	assert_string_equal(d.text, "t.toml:7:5: c: string contains U+0000");
	ccakit_toml_free(&doc);
	PARSE_ERR("a = \"\"\"x\ry\"\"\"", CCAKIT_ERR_TOML,
	    "t.toml:1:9: carriage return without line feed in a string");
	PARSE_ERR("a = '''x''''''", CCAKIT_ERR_TOML,
	    "t.toml:1:14: too many quotes at the end of a multi-line string");
	PARSE_ERR("a = \"\"\"x\\ y\"\"\"", CCAKIT_ERR_TOML,
	    "t.toml:1:9: a backslash followed by whitespace must end the "
	    "line");
	/* TOML 1.1 additions are refused. */
	PARSE_ERR("a = \"\\e\"", CCAKIT_ERR_TOML, NULL);
	PARSE_ERR("a = \"\\x41\"", CCAKIT_ERR_TOML, NULL);
	PARSE_ERR("a = 07:32", CCAKIT_ERR_TOML, NULL);
	PARSE_ERR("a = {\nb = 1}", CCAKIT_ERR_TOML, NULL);
	PARSE_ERR("a = {b = 1,}", CCAKIT_ERR_TOML, NULL);
	PARSE_ERR("a = {b = 1 # c\n}", CCAKIT_ERR_TOML,
	    "t.toml:1:12: expected ',' or '}' in an inline table, found '#'");
}

static void
test_datetimes(void **state)
{
	struct ccakit_toml_datetime dt;
	ccakit_toml *doc;
	ccakit_toml_value *root;

	(void)state;
	doc = parse_ok("odt = 1979-05-27t00:32:00.1234567891-07:30\n"
	    "ldt = 1979-05-27 07:32:60\n"
	    "ld = 2000-02-29\n"
	    "lt = 23:59:59.5\n");
	root = ccakit_toml_root(doc);
	assert_int_equal(ccakit_toml_get_datetime(root, "odt", &dt, NULL),
	    CCAKIT_OK);
	assert_int_equal(dt.kind, CCAKIT_TOML_DATETIME);
	assert_int_equal(dt.year, 1979);
	assert_int_equal(dt.month, 5);
	assert_int_equal(dt.day, 27);
	assert_int_equal(dt.minute, 32);
	/* Digits past the ninth are dropped, not rounded. */
	assert_int_equal(dt.nanosecond, 123456789);
	assert_int_equal(dt.offset_minutes, -450);
	assert_string_equal(dt.text, "1979-05-27t00:32:00.1234567891-07:30");
	assert_int_equal(ccakit_toml_get_datetime(root, "ldt", &dt, NULL),
	    CCAKIT_OK);
	assert_int_equal(dt.kind, CCAKIT_TOML_DATETIME_LOCAL);
	assert_int_equal(dt.second, 60);
	assert_string_equal(dt.text, "1979-05-27 07:32:60");
	assert_int_equal(ccakit_toml_get_datetime(root, "ld", &dt, NULL),
	    CCAKIT_OK);
	assert_int_equal(dt.kind, CCAKIT_TOML_DATE_LOCAL);
	assert_int_equal(dt.day, 29);
	assert_int_equal(ccakit_toml_get_datetime(root, "lt", &dt, NULL),
	    CCAKIT_OK);
	assert_int_equal(dt.kind, CCAKIT_TOML_TIME_LOCAL);
	assert_int_equal(dt.hour, 23);
	assert_int_equal(dt.nanosecond, 500000000);
	assert_int_equal(ccakit_toml_type(ccakit_toml_lookup(root, "lt")),
	    CCAKIT_TOML_TIME_LOCAL);
	ccakit_toml_free(&doc);
	PARSE_ERR("d = 1900-02-29", CCAKIT_ERR_TOML, NULL);
	PARSE_ERR("d = 1979-05-27T07:32:00+24:00", CCAKIT_ERR_TOML, NULL);
	PARSE_ERR("d = 07:32:00Z", CCAKIT_ERR_TOML, NULL);
}

static void
test_iteration_and_paths(void **state)
{
	ccakit_toml *doc;
	ccakit_toml_value *root, *v, *e;
	const char *key;
	size_t klen;
	char buf[64];

	(void)state;
	doc = parse_ok("z = 1\n\"\\u0000\" = 2\na.\"b.c\" = [{ \"x y\" = 3 }]\n"
	    "[[t]]\n[t.u]\n");
	root = ccakit_toml_root(doc);
	assert_int_equal(ccakit_toml_table_len(root), 4);
	v = ccakit_toml_table_at(root, 0, &key, &klen);
	assert_string_equal(key, "z");
	assert_int_equal(ccakit_toml_type(v), CCAKIT_TOML_INTEGER);
	v = ccakit_toml_table_at(root, 1, &key, &klen);
	assert_int_equal(klen, 1);
	assert_int_equal(key[0], '\0');
	assert_int_equal(ccakit_toml_path(v, buf, sizeof(buf)), 8);
	assert_string_equal(buf, "\"\\u0000\"");
	assert_null(ccakit_toml_table_at(root, 4, &key, &klen));
	e = ccakit_toml_array_at(ccakit_toml_lookup(root, "a.'b.c'"), 0);
	v = ccakit_toml_lookup(e, "\"x y\"");
	assert_non_null(v);
	assert_int_equal(ccakit_toml_path(v, buf, sizeof(buf)), 16);
	assert_string_equal(buf, "a.\"b.c\"[0].\"x y\"");
	/* Truncated but terminated, full length returned. */
	assert_int_equal(ccakit_toml_path(v, buf, 5), 16);
	assert_string_equal(buf, "a.\"b");
	v = ccakit_toml_lookup(ccakit_toml_array_at(ccakit_toml_lookup(root,
	    "t"), 0), "u");
	assert_int_equal(ccakit_toml_path(v, buf, sizeof(buf)), 6);
	assert_string_equal(buf, "t[0].u");
	assert_int_equal(ccakit_toml_path(root, buf, sizeof(buf)), 0);
	assert_string_equal(ccakit_toml_type_name(CCAKIT_TOML_DATETIME),
	    "offset date-time");
	ccakit_toml_free(&doc);
	ccakit_toml_free(&doc);   /* NULL after the first call */
}

/* Stricter than toml-rs: dotted keys never enter a table a header made. */
static void
test_redefinitions(void **state)
{
	ccakit_toml *doc;

	(void)state;
	PARSE_ERR("[a.b.c]\n[a]\nb.x.y = 1", CCAKIT_ERR_TOML,
	    "t.toml:3:1: table 'a.b' is created by a header (line 1); dotted "
	    "keys cannot add to it");
	PARSE_ERR("[[a.b]]\n[a]\nb.c.d = 1", CCAKIT_ERR_TOML, NULL);
	PARSE_ERR("a = []\n[[a]]", CCAKIT_ERR_TOML,
	    "t.toml:2:3: 'a' is a static array (line 1); [[a]] cannot extend "
	    "it");
	PARSE_ERR("[a]\n[[a]]", CCAKIT_ERR_TOML,
	    "t.toml:2:3: 'a' is a table (line 1), not an array of tables");
	PARSE_ERR("a.b = 1\n[a]", CCAKIT_ERR_TOML,
	    "t.toml:2:2: table 'a' is already defined by dotted keys (line 1)");
	doc = parse_ok("a.b.c = 1\na.d = 2\n[a.b.e]\n[x.y]\n[x]\n"
	    "[[arr]]\nk.l = 1\n[arr.t]\n[[arr]]\nk.l = 2\n[arr.t]\n");
	ccakit_toml_free(&doc);
}

static void
test_error_codes(void **state)
{
	(void)state;
	assert_string_equal(ccakit_strerror(CCAKIT_ERR_TOML),
	    "TOML: syntax or structure error");
	assert_string_equal(ccakit_strerror(CCAKIT_ERR_CONFIG),
	    "invalid configuration");
	assert_int_equal(ccakit_err_class(CCAKIT_ERR_TOML),
	    CCAKIT_CLASS_MALFORMED);
	assert_int_equal(ccakit_err_class(CCAKIT_ERR_CONFIG),
	    CCAKIT_CLASS_MALFORMED);
}

/* One constructor style: new, then parse once; a failed parse leaves
 * the document empty, and it can be parsed into again. */
static void
test_doc_handle(void **state)
{
	struct ccakit_errdetail d;
	ccakit_toml *doc;
	int64_t v = 0;

	(void)state;
	assert_non_null(doc = ccakit_toml_new());
	assert_int_equal(ccakit_toml_get_int(ccakit_toml_root(doc), "a", &v,
	    &d), CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(ccakit_toml_parse(doc, "a = ", 4, "t.toml", NULL,
	    &d), CCAKIT_ERR_TOML);
	assert_int_equal(ccakit_toml_get_int(ccakit_toml_root(doc), "a", &v,
	    &d), CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(ccakit_toml_parse(doc, "a = 7", 5, "t.toml", NULL,
	    &d), CCAKIT_OK);
	assert_int_equal(ccakit_toml_get_int(ccakit_toml_root(doc), "a", &v,
	    &d), CCAKIT_OK);
	assert_int_equal(v, 7);
	assert_int_equal(ccakit_toml_parse(doc, "a = 8", 5, "t.toml", NULL,
	    &d), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_toml_parse_file(doc, "/nonexistent", NULL,
	    &d), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_toml_get_int(ccakit_toml_root(doc), "a", &v,
	    &d), CCAKIT_OK);
	assert_int_equal(v, 7);
	ccakit_toml_free(&doc);
	assert_null(doc);
	assert_int_equal(ccakit_toml_parse(NULL, "a = 1", 5, NULL, NULL, &d),
	    CCAKIT_ERR_INVALID_ARG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doc_handle),
		cmocka_unit_test(test_int64_edges),
		cmocka_unit_test(test_floats),
		cmocka_unit_test(test_float_not_exact),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_unnamed_and_long_name),
		cmocka_unit_test(test_depth_caps),
		cmocka_unit_test(test_size_caps),
		cmocka_unit_test(test_linear_time),
		cmocka_unit_test(test_getters),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_loader_error),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_datetimes),
		cmocka_unit_test(test_iteration_and_paths),
		cmocka_unit_test(test_redefinitions),
		cmocka_unit_test(test_error_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
