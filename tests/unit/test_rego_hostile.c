/*
 * Hostile Rego: modules the parser must handle in linear time, huge
 * modules and documents, and policies and inputs that would use
 * unbounded time or memory in the evaluator unless its limits stop them
 * (eval_limit_error). Each case must end, with a clear error, in
 * seconds.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <ccakit/bytes.h>
#include <ccakit/err.h>
#include <ccakit/rego.h>

#include "testutil.h"

/* --- parser ---------------------------------------------------------- */

/* "package p\n" + prefix + open * n + mid + close * n + "\n" */
static char *
nest(const char *prefix, const char *open, const char *mid,
    const char *close, size_t n)
{
	size_t cap = strlen(prefix) + n * (strlen(open) + strlen(close)) +
	    strlen(mid) + 32, len;
	char *s = malloc(cap);
	size_t i;

	assert_non_null(s);
	len = (size_t)snprintf(s, cap, "package p\n%s", prefix);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len, "%s", open);
	len += (size_t)snprintf(s + len, cap - len, "%s", mid);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len, "%s", close);
	snprintf(s + len, cap - len, "\n");
	return s;
}

static double
cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Parse and compile; returns the status, the first message in msg. */
static int
parse_timed(const char *text, double *secs, char *msg, size_t msglen)
{
	ccakit_rego_policy *p = ccakit_rego_policy_new();
	double t0;
	int rc;

	assert_non_null(p);
	t0 = cpu_seconds();
	rc = ccakit_rego_add_module(p, "h.rego", text, strlen(text), NULL);
	if (rc == CCAKIT_OK)
		rc = ccakit_rego_compile(p, NULL);
	*secs = cpu_seconds() - t0;
	msg[0] = '\0';
	if (rc != CCAKIT_OK && ccakit_rego_policy_nerrors(p) > 0)
		snprintf(msg, msglen, "%s", ccakit_rego_policy_error(p,
		    0)->message);
	ccakit_rego_policy_free(&p);
	return rc;
}

/*
 * Nested collections whose comprehension alternative fails (or whose
 * first term is followed by an operator) were parsed again as plain
 * collections at every level: 2^n. Each shape must parse (or fail) in
 * time linear in its size.
 */
static const struct {
	const char *prefix, *open, *mid, *close;
} shapes[] = {
	{ "x := ", "{y | ", "", "}" },          /* empty bodies */
	{ "x := ", "[y | ", "", "]" },
	{ "x := ", "{a: y | ", "", "}" },
	{ "x := ", "{a: y | ", "z, 1", "}" },
	{ "x := ", "[", "a", "] + 1" },          /* operator after a term */
	{ "x := ", "{", "a", "} + 1" },
	{ "x := ", "{a: ", "b", "} + 1" },
	{ "x := ", "{y | [y | {a: y | ", "", "}]}" },
	{ "x := ", "{y | z := [y | ", "", "]}" },
	{ "x if ", "{y | ", "", "}" },           /* body or set */
	{ "x := ", "{y | not {y | ", "", "}}" },
	{ "x := ", "[y | some y in [y | ", "", "]]" },
	{ "x := ", "(a, [y | ", "b", "])" },
	{ "x := ", "{y | {y, ", "z", "}}" },
	{ "x := ", "f({y | ", "", "})" },
	{ "x := ", "{y | y[", "0", "]}" },
};

static void
test_parse_nesting_linear(void **state)
{
	char msg[600];
	double secs, total = 0;
	size_t i;

	(void)state;
	/* 24 levels: seconds to minutes when exponential */
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		char *m = nest(shapes[i].prefix, shapes[i].open,
		    shapes[i].mid, shapes[i].close, 24);

		(void)parse_timed(m, &secs, msg, sizeof(msg));
		if (secs > 0.5)
			fail_msg("shape %zu (%s...%s) at 24 levels: %.2f s",
			    i, shapes[i].open, shapes[i].close, secs);
		total += secs;
		free(m);
	}
	/* as deep as the nesting cap allows: still fast */
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		char *m = nest(shapes[i].prefix, shapes[i].open,
		    shapes[i].mid, shapes[i].close, 300);

		(void)parse_timed(m, &secs, msg, sizeof(msg));
		if (secs > 0.5)
			fail_msg("shape %zu (%s...%s) at 300 levels: %.2f s",
			    i, shapes[i].open, shapes[i].close, secs);
		total += secs;
		free(m);
	}
	assert_true(total < 2.0);
}

static void
test_parse_depth_cap(void **state)
{
	char msg[600];
	double secs;
	size_t i;

	(void)state;
	/* far beyond the cap: a parse error naming it, quickly */
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		char *m = nest(shapes[i].prefix, shapes[i].open,
		    shapes[i].mid, shapes[i].close, 5000);

		assert_int_equal(parse_timed(m, &secs, msg, sizeof(msg)),
		    CCAKIT_ERR_REGO_PARSE);
		if (strstr(msg, "max parsing recursion depth reached") ==
		    NULL)
			fail_msg("shape %zu: %s", i, msg);
		assert_true(secs < 0.5);
		free(m);
	}
	/* well-formed nesting below the cap still parses and evaluates */
	{
		char *m = nest("x := ", "[y | y := ", "1", "]", 100);

		assert_int_equal(parse_timed(m, &secs, msg, sizeof(msg)),
		    CCAKIT_OK);
		free(m);
	}
}

/* --- built-ins ------------------------------------------------------ */

/* Evaluate a query over `input` (strict built-in errors); the value as
 * JSON or "error: MESSAGE" (malloc'd), NULL when undefined. */
static char *
eval_str(ccakit_rego_policy *p, const char *query, const char *input,
    uint64_t steps, size_t mem, int *rc_out)
{
	ccakit_rego_query *q = NULL;
	ccakit_rego_eval *ev = ccakit_rego_eval_new();
	struct ccakit_rego_eval_opts o;
	ccakit_rego_doc *in = NULL;
	const ccakit_rego_value *v = NULL;
	char *out = NULL;
	int rc;

	assert_non_null(ev);
	assert_int_equal(ccakit_rego_query_new(p, query, &q, NULL),
	    CCAKIT_OK);
	memset(&o, 0, sizeof(o));
	if (input != NULL) {
		assert_int_equal(ccakit_rego_doc_parse(input, strlen(input),
		    &in, NULL), CCAKIT_OK);
		o.input = ccakit_rego_doc_value(in);
	}
	o.strict_builtin_errors = true;
	o.max_steps = steps;
	o.max_memory = mem;
	rc = ccakit_rego_eval_value(ev, q, &o, &v, NULL);
	if (rc_out != NULL)
		*rc_out = rc;
	if (rc != CCAKIT_OK) {
		const struct ccakit_rego_diag *dg = ccakit_rego_eval_error(ev);
		size_t n = strlen(dg->code) + strlen(dg->message) + 4;

		assert_non_null(out = malloc(n));
		snprintf(out, n, "%s: %s", dg->code, dg->message);
	} else if (v != NULL) {
		assert_int_equal(ccakit_rego_to_json(v, 0, &out), CCAKIT_OK);
	}
	ccakit_rego_eval_free(&ev);
	ccakit_rego_query_free(&q);
	ccakit_rego_doc_free(&in);
	return out;
}

static ccakit_rego_policy *
policy(const char *text)
{
	ccakit_rego_policy *p = ccakit_rego_policy_new();
	struct ccakit_errdetail d;

	assert_non_null(p);
	assert_int_equal(ccakit_rego_add_module(p, "h.rego", text,
	    strlen(text), &d), CCAKIT_OK);
	assert_int_equal(ccakit_rego_compile(p, &d), CCAKIT_OK);
	return p;
}

/* A fresh RSA key as a JWK, with one byte of `corrupt` ("n", "d", ...)
 * changed. */
static char *
rsa_jwk(const char *corrupt)
{
	static const char *const names[] = { "n", "e", "d", "p", "q", "dp",
		"dq", "qi" };
	static const char *const params[] = { OSSL_PKEY_PARAM_RSA_N,
		OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
		OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
		OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
		OSSL_PKEY_PARAM_RSA_COEFFICIENT1 };
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	size_t len = 0, i;
	char *jwk = malloc(8192);

	assert_non_null(pk);
	assert_non_null(jwk);
	len = (size_t)snprintf(jwk, 8192, "{\"kty\": \"RSA\"");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		BIGNUM *bn = NULL;
		uint8_t buf[512];
		char b64[700];
		int n;

		assert_int_equal(EVP_PKEY_get_bn_param(pk, params[i], &bn), 1);
		n = BN_bn2bin(bn, buf);
		assert_true(n > 0);
		if (strcmp(names[i], corrupt) == 0)
			buf[n / 2] ^= 0x10;
		assert_int_equal(ccakit_b64_encode(buf, (size_t)n,
		    CCAKIT_B64_URL, b64, sizeof(b64)), CCAKIT_OK);
		len += (size_t)snprintf(jwk + len, 8192 - len,
		    ", \"%s\": \"%s\"", names[i], b64);
		BN_free(bn);
	}
	snprintf(jwk + len, 8192 - len, "}");
	EVP_PKEY_free(pk);
	return jwk;
}

/*
 * Fuzz find: RS256 with a private key whose parts do not fit together
 * (one byte of n changed) gave a different signature each time (RSA
 * blinding over inconsistent parameters). Signing now checks the
 * signature with the public key, as Go's crypto/rsa does: an error,
 * the same each time. Other broken parts are repaired by OpenSSL's own
 * fault check (a CRT part) or unused (d): a valid signature, the same
 * each time.
 */
static void
test_jwt_sign_inconsistent_key(void **state)
{
	ccakit_rego_policy *p = policy("package t\n"
	    "tok := io.jwt.encode_sign({\"alg\": input.alg}, {\"a\": 1}, "
	    "input.k)\n");
	static const char *const algs[] = { "RS256", "PS384" };
	static const char *const parts[] = { "n", "e", "d", "q", "dp" };
	size_t i, j;

	(void)state;
	for (i = 0; i < 2; i++)
		for (j = 0; j < 5; j++) {
			char *jwk = rsa_jwk(parts[j]), *in, *a, *b;
			size_t n = strlen(jwk) + 64;

			assert_non_null(in = malloc(n));
			snprintf(in, n, "{\"alg\": \"%s\", \"k\": %s}", algs[i],
			    jwk);
			a = eval_str(p, "data.t.tok", in, 0, 0, NULL);
			b = eval_str(p, "data.t.tok", in, 0, 0, NULL);
			assert_non_null(a);
			assert_non_null(b);
			if (j < 2 && strstr(a, "verification error") == NULL)
				fail_msg("%s, %s corrupted: %s", algs[i],
				    parts[j], a);
			if (i == 0)     /* PSS signatures are randomized */
				assert_string_equal(a, b);
			free(a);
			free(b);
			free(in);
			free(jwk);
		}
	ccakit_rego_policy_free(&p);
}

/* --- huge inputs ----------------------------------------------------- */

/* A growing buffer for generated text. */
struct gbuf {
	char *p;
	size_t n, cap;
};

static void gput(struct gbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
gput(struct gbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->p == NULL) {
		b->cap = 4096;
		assert_non_null(b->p = malloc(b->cap));
		b->n = 0;
	}
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
		va_end(ap);
		assert_true(n >= 0);
		if ((size_t)n < b->cap - b->n)
			break;
		b->cap = b->cap * 2 + (size_t)n + 64;
		assert_non_null(b->p = realloc(b->p, b->cap));
	}
	b->n += (size_t)n;
}

static void
gfill(struct gbuf *b, char c, size_t n)
{
	if (b->p == NULL || b->n + n + 1 > b->cap) {
		b->cap = b->n + n + 1;
		assert_non_null(b->p = realloc(b->p, b->cap));
	}
	memset(b->p + b->n, c, n);
	b->n += n;
	b->p[b->n] = '\0';
}

/*
 * Large modules parse and compile in time linear in their size, and a
 * module over the cap is refused before parsing: many rules, a long
 * string, a long else chain, a long operator chain, a long body.
 */
static void
test_parse_huge(void **state)
{
	struct gbuf b = { NULL, 0, 0 };
	char msg[600];
	double secs, t[2];
	size_t i, n;
	int rc;

	(void)state;
	/* 100,000 rules (about 2 MiB): ten times the work of 10,000, not a
	 * hundred (the ratio holds in sanitizer builds too) */
	for (n = 10000; n <= 100000; n *= 10) {
		b.n = 0;
		gput(&b, "package p\n");
		for (i = 0; i < n; i++)
			gput(&b, "r%zu := %zu\n", i, i);
		assert_int_equal(parse_timed(b.p, &t[n / 100000], msg,
		    sizeof(msg)), CCAKIT_OK);
	}
	if (t[1] > 30 * t[0] + 0.05 || t[1] > 20.0)
		fail_msg("10,000 rules: %.3f s, 100,000: %.3f s", t[0], t[1]);
	/* over CCAKIT_REGO_MAX_MODULE: refused at once */
	b.n = 0;
	gput(&b, "package p\nx := \"");
	gfill(&b, 'a', CCAKIT_REGO_MAX_MODULE);
	gput(&b, "\"\n");
	assert_int_equal(parse_timed(b.p, &secs, msg, sizeof(msg)),
	    CCAKIT_ERR_TOO_LARGE);
	assert_true(secs < 0.5);
	/* a 3 MiB string literal */
	b.n = 0;
	gput(&b, "package p\nx := \"");
	gfill(&b, 'a', 3u << 20);
	gput(&b, "\"\n");
	assert_int_equal(parse_timed(b.p, &secs, msg, sizeof(msg)),
	    CCAKIT_OK);
	assert_true(secs < 2.0);
	/* 20,000 else branches (parsed iteratively, not recursively) */
	b.n = 0;
	gput(&b, "package p\nf(x) := 0 if x == 0\n");
	for (i = 1; i < 20000; i++)
		gput(&b, "else := %zu if x == %zu\n", i, i);
	gput(&b, "else := -1\n");
	rc = parse_timed(b.p, &secs, msg, sizeof(msg));
	if (rc != CCAKIT_OK)
		fail_msg("else chain: %s", msg);
	if (secs > 3.0)
		fail_msg("20,000 else branches: %.2f s", secs);
	/* 200,000 operands of +, folded into a tree as deep (the compiler
	 * overflowed its stack): refused as deep nesting, quickly; in a
	 * module, a query and a value. 1,000 operands are fine. */
	b.n = 0;
	gput(&b, "package p\nx := 1");
	for (i = 0; i < 200000; i++)
		gput(&b, " + 1");
	gput(&b, "\n");
	assert_int_equal(parse_timed(b.p, &secs, msg, sizeof(msg)),
	    CCAKIT_ERR_REGO_PARSE);
	if (strstr(msg, "max parsing recursion depth reached") == NULL)
		fail_msg("200,000 operands: %s", msg);
	if (secs > 3.0)
		fail_msg("200,000 operands: %.2f s", secs);
	{
		ccakit_rego_policy *pol = policy("package p\n");
		ccakit_rego_query *q = NULL;

		assert_int_equal(ccakit_rego_query_new(pol, b.p +
		    strlen("package p\nx := "), &q, NULL),
		    CCAKIT_ERR_REGO_PARSE);
		ccakit_rego_query_free(&q);
		ccakit_rego_policy_free(&pol);
	}
	/* shorter chains compile; 200 operands evaluate, 1,500 evaluate or
	 * stop at the evaluation's stack limit (sanitizer builds) */
	for (n = 200; n <= 1500; n += 1300) {
		ccakit_rego_policy *pol;
		char *out, want[16];

		b.n = 0;
		gput(&b, "package p\nx := 1");
		for (i = 0; i < n; i++)
			gput(&b, " + 1");
		gput(&b, "\n");
		pol = policy(b.p);
		out = eval_str(pol, "data.p.x", NULL, 0, 0, &rc);
		snprintf(want, sizeof(want), "%zu", n + 1);
		if (n == 200 || rc == CCAKIT_OK)
			assert_string_equal(out, want);
		else
			assert_string_equal(out, "eval_limit_error: evaluation "
			    "exceeded its depth limit");
		free(out);
		ccakit_rego_policy_free(&pol);
	}
	b.n = 0;
	/* one body of 20,000 expressions (the safety analysis costs
	 * expressions x variables / 64: a few seconds for the largest body
	 * a module can hold) */
	gput(&b, "package p\nallow if {\n");
	for (i = 0; i < 20000; i++)
		gput(&b, "\tinput.a%zu == %zu\n", i % 100, i);
	gput(&b, "}\n");
	assert_int_equal(parse_timed(b.p, &secs, msg, sizeof(msg)),
	    CCAKIT_OK);
	if (secs > 5.0)
		fail_msg("a body of 20,000 expressions: %.2f s", secs);
	free(b.p);
}

/* Input documents: huge and deeply nested JSON is refused with a clear
 * error, a large one is parsed in linear time. */
static void
test_input_huge(void **state)
{
	struct gbuf b = { NULL, 0, 0 };
	struct ccakit_errdetail d;
	ccakit_rego_doc *doc = NULL;
	double t0, secs;
	size_t i;

	(void)state;
	/* 100,000 levels of nesting: refused at the cap */
	gfill(&b, '[', 100000);
	gfill(&b, ']', 100000);
	t0 = cpu_seconds();
	assert_int_equal(ccakit_rego_doc_parse(b.p, b.n, &doc, &d),
	    CCAKIT_ERR_JSON);
	assert_null(doc);
	assert_true(cpu_seconds() - t0 < 0.5);
	/* over CCAKIT_REGO_MAX_JSON: refused before parsing */
	assert_int_equal(ccakit_rego_doc_parse(b.p,
	    (size_t)CCAKIT_REGO_MAX_JSON + 1, &doc, &d), CCAKIT_ERR_TOO_LARGE);
	/* an object of 500,000 members (about 10 MiB) */
	b.n = 0;
	gput(&b, "{");
	for (i = 0; i < 500000; i++)
		gput(&b, "%s\"k%zu\": [%zu, \"v\"]", i > 0 ? "," : "", i, i);
	gput(&b, "}");
	t0 = cpu_seconds();
	assert_int_equal(ccakit_rego_doc_parse(b.p, b.n, &doc, &d), CCAKIT_OK);
	secs = cpu_seconds() - t0;
	if (secs > 3.0)
		fail_msg("10 MiB of JSON: %.2f s", secs);
	assert_int_equal(ccakit_rego_len(ccakit_rego_doc_value(doc)), 500000);
	ccakit_rego_doc_free(&doc);
	free(b.p);
}

/*
 * A policy that would run for ever or fill the memory, on a small or a
 * large input, stops at the evaluation's limits with eval_limit_error and
 * a message that names the limit, with the default limits too, in
 * seconds.
 */
static void
test_eval_limits(void **state)
{
	static const char text[] = "package h\n"
	    "import rego.v1\n"
	    "n := numbers.range(1, 1000000)\n"
	    "spin if { n[a]; n[b]; a + b < 0 }\n"
	    "grow := [x | some x in numbers.range(1, 1000000000)]\n"
	    "pairs := count([1 | input.xs[_]; input.xs[_]; input.xs[_]])\n"
	    "strs := concat(\"\", [s | some i in numbers.range(1, 100000); "
	    "s := concat(\"\", [input.s, input.s, input.s, input.s])])\n";
	struct gbuf b = { NULL, 0, 0 };
	ccakit_rego_policy *p = policy(text);
	double t0, secs;
	char *out;
	size_t i;
	int rc;

	(void)state;
	/* the step limit: given, and the default (10^7) */
	t0 = cpu_seconds();
	out = eval_str(p, "data.h.spin", NULL, 100000, 0, &rc);
	assert_int_equal(rc, CCAKIT_ERR_REGO_LIMIT);
	assert_string_equal(out, "eval_limit_error: evaluation exceeded its "
	    "step limit (100000)");
	free(out);
	out = eval_str(p, "data.h.spin", NULL, 0, 0, &rc);
	assert_int_equal(rc, CCAKIT_ERR_REGO_LIMIT);
	assert_non_null(strstr(out, "step limit (10000000)"));
	free(out);
	/* the memory limit: given, and the default (256 MiB) */
	out = eval_str(p, "data.h.grow", NULL, 0, 16u << 20, &rc);
	assert_int_equal(rc, CCAKIT_ERR_REGO_LIMIT);
	assert_string_equal(out, "eval_limit_error: evaluation exceeded its "
	    "memory limit");
	free(out);
	out = eval_str(p, "data.h.grow", NULL, 0, 0, &rc);
	assert_int_equal(rc, CCAKIT_ERR_REGO_LIMIT);
	free(out);
	/* a large input: 3,000 elements cubed */
	gput(&b, "{\"s\": \"");
	gfill(&b, 'x', 1u << 20);
	gput(&b, "\", \"xs\": [");
	for (i = 0; i < 3000; i++)
		gput(&b, "%s%zu", i > 0 ? "," : "", i);
	gput(&b, "]}");
	out = eval_str(p, "data.h.pairs", b.p, 0, 0, &rc);
	assert_int_equal(rc, CCAKIT_ERR_REGO_LIMIT);
	free(out);
	/* strings built from a 1 MiB input string: the memory limit */
	out = eval_str(p, "data.h.strs", b.p, 0, 64u << 20, &rc);
	assert_int_equal(rc, CCAKIT_ERR_REGO_LIMIT);
	assert_non_null(strstr(out, "memory limit"));
	free(out);
	secs = cpu_seconds() - t0;
	if (secs > 10.0)
		fail_msg("the limits took %.2f s", secs);
	free(b.p);
	ccakit_rego_policy_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_nesting_linear),
		cmocka_unit_test(test_parse_depth_cap),
		cmocka_unit_test(test_parse_huge),
		cmocka_unit_test(test_input_huge),
		cmocka_unit_test(test_eval_limits),
		cmocka_unit_test(test_jwt_sign_inconsistent_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
