/*
 * Unit tests of the Rego engine's public API: values, diagnostics,
 * evaluation semantics, custom built-ins, limits and concurrent use.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/err.h>
#include <ccakit/rego.h>

#include "testutil.h"

static ccakit_rego_doc *
doc(const char *json)
{
	ccakit_rego_doc *d = NULL;

	assert_int_equal(ccakit_rego_doc_parse(json, strlen(json), &d, NULL),
	    CCAKIT_OK);
	return d;
}

static ccakit_rego_policy *
policy(const char *text, struct ccakit_rego_builtin *bi)
{
	ccakit_rego_policy *p = ccakit_rego_policy_new();
	struct ccakit_errdetail d;

	assert_non_null(p);
	if (bi != NULL)
		assert_int_equal(ccakit_rego_add_builtin(p, bi), CCAKIT_OK);
	assert_int_equal(ccakit_rego_add_module(p, "p.rego", text,
	    strlen(text), &d), CCAKIT_OK);
	assert_int_equal(ccakit_rego_compile(p, &d), CCAKIT_OK);
	return p;
}

/* Evaluate `query` and return its value as compact JSON (malloc'd), or
 * NULL when undefined. rc receives the run's status. */
static char *
eval_json(ccakit_rego_policy *p, const char *query, const char *input,
    const char *data, bool strict, int *rc_out)
{
	ccakit_rego_query *q = NULL;
	ccakit_rego_eval *ev = ccakit_rego_eval_new();
	struct ccakit_rego_eval_opts o;
	ccakit_rego_doc *in = NULL, *da = NULL;
	const ccakit_rego_value *v = NULL;
	char *out = NULL;
	int rc;

	assert_non_null(ev);
	assert_int_equal(ccakit_rego_query_new(p, query, &q, NULL),
	    CCAKIT_OK);
	memset(&o, 0, sizeof(o));
	if (input != NULL) {
		in = doc(input);
		o.input = ccakit_rego_doc_value(in);
	}
	if (data != NULL) {
		da = doc(data);
		o.data = ccakit_rego_doc_value(da);
	}
	o.strict_builtin_errors = strict;
	rc = ccakit_rego_eval_value(ev, q, &o, &v, NULL);
	if (rc_out != NULL)
		*rc_out = rc;
	if (rc == CCAKIT_OK && v != NULL)
		assert_int_equal(ccakit_rego_to_json(v, 0, &out), CCAKIT_OK);
	ccakit_rego_eval_free(&ev);
	ccakit_rego_query_free(&q);
	ccakit_rego_doc_free(&in);
	ccakit_rego_doc_free(&da);
	return out;
}

static void
expect(ccakit_rego_policy *p, const char *query, const char *input,
    const char *want)
{
	char *got = eval_json(p, query, input, NULL, false, NULL);

	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* --- values -------------------------------------------------------- */

static void
test_values(void **state)
{
	ccakit_rego_doc *a, *b;
	char *s;

	(void)state;
	/* numbers compare as numbers; big integers stay exact */
	a = doc("[1, 18446744073709551614, 2.5e0, -9223372036854775808]");
	b = doc("[1.0, 18446744073709551614, 2.5, -9223372036854775808]");
	assert_int_equal(ccakit_rego_compare(ccakit_rego_doc_value(a),
	    ccakit_rego_doc_value(b)), 0);
	assert_int_equal(ccakit_rego_to_json(ccakit_rego_doc_value(a), 0,
	    &s), CCAKIT_OK);
	assert_string_equal(s, "[1,18446744073709551614,2.5e0,"
	    "-9223372036854775808]");
	free(s);
	ccakit_rego_doc_free(&a);
	ccakit_rego_doc_free(&b);
	assert_null(a);
	/* objects: last duplicate key wins; keys sorted */
	a = doc("{\"b\": 1, \"a\": 2, \"b\": 3}");
	assert_int_equal(ccakit_rego_len(ccakit_rego_doc_value(a)), 2);
	assert_int_equal(ccakit_rego_to_json(ccakit_rego_doc_value(a), 0,
	    &s), CCAKIT_OK);
	assert_string_equal(s, "{\"a\":2,\"b\":3}");
	free(s);
	ccakit_rego_doc_free(&a);
	/* malformed and hostile JSON */
	assert_int_equal(ccakit_rego_doc_parse("[1,", 3, &a, NULL),
	    CCAKIT_ERR_JSON);
	assert_int_equal(ccakit_rego_doc_parse("\"\xff\"", 3, &a, NULL),
	    CCAKIT_ERR_JSON);
	assert_int_equal(ccakit_rego_doc_parse("01", 2, &a, NULL),
	    CCAKIT_ERR_JSON);
	{
		char deep[2 * CCAKIT_REGO_MAX_DEPTH + 4];
		size_t i, n = CCAKIT_REGO_MAX_DEPTH + 1;

		for (i = 0; i < n; i++) {
			deep[i] = '[';
			deep[2 * n - 1 - i] = ']';
		}
		assert_int_equal(ccakit_rego_doc_parse(deep, 2 * n, &a, NULL),
		    CCAKIT_ERR_JSON);
	}
}

/* Sets become sorted arrays; non-string keys their JSON text. */
static void
test_json_out(void **state)
{
	ccakit_rego_policy *p = policy("package t\n"
	    "s := {3, 1, 2}\n"
	    "o := {1: \"a\", [1]: \"b\"}\n", NULL);

	(void)state;
	expect(p, "data.t.s", NULL, "[1,2,3]");
	expect(p, "data.t.o", NULL, "{\"1\":\"a\",\"[1]\":\"b\"}");
	ccakit_rego_policy_free(&p);
}

/* --- diagnostics --------------------------------------------------- */

static void
compile_fails(const char *text, int want_rc, const char *code,
    const char *substr, int row)
{
	ccakit_rego_policy *p = ccakit_rego_policy_new();
	struct ccakit_errdetail d;
	const struct ccakit_rego_diag *dg;
	int rc;

	rc = ccakit_rego_add_module(p, "x.rego", text, strlen(text), &d);
	if (rc == CCAKIT_OK)
		rc = ccakit_rego_compile(p, &d);
	assert_int_equal(rc, want_rc);
	assert_non_null(dg = ccakit_rego_policy_error(p, 0));
	assert_string_equal(dg->code, code);
	if (strstr(dg->message, substr) == NULL)
		fail_msg("message '%s' lacks '%s'", dg->message, substr);
	assert_string_equal(dg->file, "x.rego");
	assert_int_equal(dg->row, row);
	assert_string_equal(d.what, code);
	ccakit_rego_policy_free(&p);
}

static void
test_compile_errors(void **state)
{
	(void)state;
	compile_fails("package p\n\nq := [1, 2", CCAKIT_ERR_REGO_PARSE,
	    "rego_parse_error", "unexpected eof", 3);
	compile_fails("package p\n\nq if {\n\tx > 1\n}\n",
	    CCAKIT_ERR_REGO_COMPILE, "rego_unsafe_var_error",
	    "var x is unsafe", 4);
	compile_fails("package p\n\nq if r\nr if q\n",
	    CCAKIT_ERR_REGO_COMPILE, "rego_recursion_error",
	    "is recursive", 3);
	compile_fails("package p\n\nq := nosuchfn(1)\n",
	    CCAKIT_ERR_REGO_COMPILE, "rego_type_error",
	    "undefined function nosuchfn", 3);
	compile_fails("package p\n\ndefault q := 1\ndefault q := 2\n",
	    CCAKIT_ERR_REGO_COMPILE, "rego_type_error",
	    "multiple default rules data.p.q found", 4);
	compile_fails("package p\n\nq := 1\nq contains 2\n",
	    CCAKIT_ERR_REGO_COMPILE, "rego_type_error",
	    "conflicting rules data.p.q found", 3);
	compile_fails("package p\n\nq if {\n\tx := 1\n\tx := 2\n}\n",
	    CCAKIT_ERR_REGO_COMPILE, "rego_compile_error",
	    "var x assigned above", 5);
	compile_fails("package p\n\ninput := 1\n", CCAKIT_ERR_REGO_COMPILE,
	    "rego_compile_error", "rule name input conflicts", 3);
	/* v1 syntax: `if` before bodies */
	compile_fails("package p\n\nq { true }\n", CCAKIT_ERR_REGO_PARSE,
	    "rego_parse_error", "`if` keyword is required", 3);
}

/* --- evaluation ---------------------------------------------------- */

static void
test_semantics(void **state)
{
	ccakit_rego_policy *p = policy(
	    "package t\n"
	    "import rego.v1\n"
	    "default allow := false\n"
	    "allow if {\n"
	    "\tinput.user == \"alice\"\n"
	    "\tsome role in input.roles\n"
	    "\trole == \"admin\"\n"
	    "}\n"
	    "names contains n if some n in [\"b\", \"a\", \"b\"]\n"
	    "obj[k] := v if some k, v in {\"x\": 1, \"y\": 2}\n"
	    "f(x) := x * 2 if x > 0\n"
	    "f(x) := 0 if x <= 0\n"
	    "g := f(21)\n"
	    "every_ok if every x in [1, 2] { x > 0 }\n"
	    "neg if not input.missing\n"
	    "w := y if y := input.user with input.user as \"bob\"\n"
	    "in_null := 1 in null\n"
	    "cmp_null := 4 >= null\n"
	    "big := 18446744073709551615 + 1\n"
	    "frac := 7 / 2\n"
	    "tpl := $\"{input.user} has {count(input.roles)} roles\"\n"
	    "p.q[r].s := 1 if r := \"k\"\n"
	    "pr if { print(\"x\", input.missing, [1]) }\n"
	    "u := [x, y] if { [x, 1] = [y, x] }\n", NULL);
	const char *in = "{\"user\": \"alice\", \"roles\": [\"dev\", "
	    "\"admin\"]}";

	(void)state;
	expect(p, "data.t.allow", in, "true");
	expect(p, "data.t.allow", "{\"user\": \"eve\"}", "false");
	expect(p, "data.t.names", NULL, "[\"a\",\"b\"]");
	expect(p, "data.t.obj", NULL, "{\"x\":1,\"y\":2}");
	expect(p, "data.t.g", NULL, "42");
	expect(p, "data.t.every_ok", NULL, "true");
	expect(p, "data.t.neg", "{}", "true");
	expect(p, "data.t.w", in, "\"bob\"");
	expect(p, "data.t.in_null", NULL, "false");
	expect(p, "data.t.cmp_null", NULL, "true");
	expect(p, "data.t.big", NULL, "18446744073709551616");
	expect(p, "data.t.frac", NULL, "3.5");
	expect(p, "data.t.tpl", in, "\"alice has 2 roles\"");
	expect(p, "data.t.p", NULL, "{\"q\":{\"k\":{\"s\":1}}}");
	expect(p, "data.t.nothing", NULL, NULL);
	expect(p, "data.t.pr", NULL, "true");
	expect(p, "data.t.u", NULL, "[1,1]");
	/* a false top-level value is defined (opa eval captures it) */
	expect(p, "data.t.allow == true", "{}", "false");
	ccakit_rego_policy_free(&p);
}

static void
eval_error(ccakit_rego_policy *p, const char *query, bool strict,
    const char *code, const char *substr)
{
	ccakit_rego_query *q = NULL;
	ccakit_rego_eval *ev = ccakit_rego_eval_new();
	struct ccakit_rego_eval_opts o;
	struct ccakit_errdetail d;
	const struct ccakit_rego_diag *dg;
	char line[1024];

	assert_int_equal(ccakit_rego_query_new(p, query, &q, NULL),
	    CCAKIT_OK);
	memset(&o, 0, sizeof(o));
	o.strict_builtin_errors = strict;
	assert_int_equal(ccakit_rego_eval_run(ev, q, &o, &d),
	    CCAKIT_ERR_REGO_EVAL);
	assert_non_null(dg = ccakit_rego_eval_error(ev));
	assert_string_equal(dg->code, code);
	ccakit_rego_diag_format(dg, line, sizeof(line));
	if (strstr(line, substr) == NULL)
		fail_msg("'%s' lacks '%s'", line, substr);
	assert_int_equal(ccakit_rego_eval_nresults(ev), 0);
	ccakit_rego_eval_free(&ev);
	ccakit_rego_query_free(&q);
}

static void
test_eval_errors(void **state)
{
	ccakit_rego_policy *p = policy(
	    "package t\n"
	    "p := 1\n"
	    "p := 2 if true\n"
	    "d := 1 / 0\n"
	    "c := count(5)\n"
	    "o[k] := v if { some v in [1, 2]; k := \"a\" }\n"
	    "h := http.send({\"method\": \"get\", \"url\": \"http://x\"})\n"
	    "hbad := http.send({\"method\": \"get\"})\n"
	    "hsoft := http.send({\"method\": \"get\", \"url\": \"http://x\","
	    " \"raise_error\": false}).status_code\n"
	    "hmock := r if r := http.send({}) with http.send as {\"ok\": 1}\n",
	    NULL);
	int rc;
	char *got;

	(void)state;
	eval_error(p, "data.t.p", false, "eval_conflict_error",
	    "p.rego:3: eval_conflict_error: complete rules must not "
	    "produce multiple outputs");
	eval_error(p, "data.t.o", false, "eval_conflict_error",
	    "object keys must be unique");
	eval_error(p, "data.t.d", true, "eval_builtin_error",
	    "p.rego:4: eval_builtin_error: div: divide by zero");
	eval_error(p, "data.t.c", true, "eval_type_error",
	    "count: operand 1 must be one of {array, object, set, string} "
	    "but got number");
	/* no network from the library: http.send validates, then fails */
	eval_error(p, "data.t.h", true, "eval_builtin_error",
	    "http.send: network access is not available");
	eval_error(p, "data.t.hbad", true, "eval_type_error",
	    "missing required request parameters(s): {\"url\"}");
	got = eval_json(p, "data.t.hsoft", NULL, NULL, true, &rc);
	assert_string_equal(got, "0");
	free(got);
	got = eval_json(p, "data.t.hmock", NULL, NULL, true, &rc);
	assert_string_equal(got, "{\"ok\":1}");
	free(got);
	/* non-strict: built-in errors make the expression undefined */
	got = eval_json(p, "data.t.d", NULL, NULL, false, &rc);
	assert_int_equal(rc, CCAKIT_OK);
	assert_null(got);
	ccakit_rego_policy_free(&p);
}

/* query_reference_value as Trustee registers it: the registered values
 * under the id, or null. */
static int
qrv(ccakit_rego_bictx *ctx, const ccakit_rego_value *const *args,
    const ccakit_rego_value **out)
{
	const ccakit_rego_value *rvs = ccakit_rego_bi_user(ctx), *v;
	const char *id = ccakit_rego_str(args[0], NULL);

	if (id == NULL)
		return ccakit_rego_bi_type_error(ctx, 1, "string", args[0]);
	if (strcmp(id, "fail") == 0)
		return ccakit_rego_bi_error(ctx, "RVPS unavailable");
	v = ccakit_rego_get(rvs, id);
	*out = v != NULL ? v : ccakit_rego_null();
	return CCAKIT_OK;
}

static void
test_custom_builtin(void **state)
{
	struct ccakit_rego_builtin bi = { "query_reference_value", 1, qrv,
		0 };
	ccakit_rego_policy *p = policy(
	    "package policy\n"
	    "default hw := 97\n"
	    "hw := 2 if input.svn in query_reference_value(\"svn\")\n"
	    "ex := 3 if input.d in query_reference_value(\"none\")\n"
	    "broken := query_reference_value(\"fail\")\n", &bi);
	ccakit_rego_doc *rvs = doc("{\"svn\": [\"1\", \"2\"]}"), *in;
	ccakit_rego_query *q = NULL;
	ccakit_rego_eval *ev = ccakit_rego_eval_new();
	struct ccakit_rego_eval_opts o;
	const ccakit_rego_value *v;
	int64_t i;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.user = (void *)(uintptr_t)ccakit_rego_doc_value(rvs);
	in = doc("{\"svn\": \"2\", \"d\": \"x\"}");
	o.input = ccakit_rego_doc_value(in);
	assert_int_equal(ccakit_rego_query_new(p, "data.policy.hw", &q, NULL),
	    CCAKIT_OK);
	assert_int_equal(ccakit_rego_eval_value(ev, q, &o, &v, NULL),
	    CCAKIT_OK);
	assert_true(ccakit_rego_int64(v, &i));
	assert_int_equal(i, 2);
	ccakit_rego_query_free(&q);
	/* `x in null` is false: the rule is undefined */
	assert_int_equal(ccakit_rego_query_new(p, "data.policy.ex", &q, NULL),
	    CCAKIT_OK);
	assert_int_equal(ccakit_rego_eval_value(ev, q, &o, &v, NULL),
	    CCAKIT_OK);
	assert_null(v);
	ccakit_rego_query_free(&q);
	/* a custom built-in's error, strict */
	o.strict_builtin_errors = true;
	assert_int_equal(ccakit_rego_query_new(p, "data.policy.broken", &q,
	    NULL), CCAKIT_OK);
	assert_int_equal(ccakit_rego_eval_value(ev, q, &o, &v, NULL),
	    CCAKIT_ERR_REGO_EVAL);
	assert_string_equal(ccakit_rego_eval_error(ev)->message,
	    "query_reference_value: RVPS unavailable");
	ccakit_rego_query_free(&q);
	ccakit_rego_eval_free(&ev);
	ccakit_rego_doc_free(&rvs);
	ccakit_rego_doc_free(&in);
	ccakit_rego_policy_free(&p);
}

/* --- limits -------------------------------------------------------- */

static int
run_limited(ccakit_rego_policy *p, const char *query, uint64_t steps,
    size_t mem, size_t stack)
{
	ccakit_rego_query *q = NULL;
	ccakit_rego_eval *ev = ccakit_rego_eval_new();
	struct ccakit_rego_eval_opts o;
	int rc;

	assert_int_equal(ccakit_rego_query_new(p, query, &q, NULL),
	    CCAKIT_OK);
	memset(&o, 0, sizeof(o));
	o.max_steps = steps;
	o.max_memory = mem;
	o.max_stack = stack;
	rc = ccakit_rego_eval_run(ev, q, &o, NULL);
	if (rc == CCAKIT_ERR_REGO_LIMIT)
		assert_string_equal(ccakit_rego_eval_error(ev)->code,
		    "eval_limit_error");
	ccakit_rego_eval_free(&ev);
	ccakit_rego_query_free(&q);
	return rc;
}

/* package t: p0 := p1 + 1, ..., p<n> := 0 */
static ccakit_rego_policy *
chain(size_t n)
{
	struct ccakit_errdetail d;
	ccakit_rego_policy *p = ccakit_rego_policy_new();
	size_t i, len, cap = 64 * (n + 2);
	char *text = malloc(cap);

	assert_non_null(text);
	len = (size_t)snprintf(text, cap, "package t\n");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len,
		    "p%zu := p%zu + 1\n", i, i + 1);
	len += (size_t)snprintf(text + len, cap - len, "p%zu := 0\n", n);
	assert_int_equal(ccakit_rego_add_module(p, "d.rego", text, len, &d),
	    CCAKIT_OK);
	assert_int_equal(ccakit_rego_compile(p, &d), CCAKIT_OK);
	free(text);
	return p;
}

static void
test_limits(void **state)
{
	/* 10^12 iterations: must stop at the step limit */
	ccakit_rego_policy *p = policy(
	    "package t\n"
	    "r := numbers.range(1, 1000000)\n"
	    "loop if { r[a]; r[b]; a + b < 0 }\n"
	    "mem := [x | some x in numbers.range(1, 100000000)]\n", NULL);
	ccakit_rego_policy *deep;

	(void)state;
	assert_int_equal(run_limited(p, "data.t.loop", 100000, 0, 0),
	    CCAKIT_ERR_REGO_LIMIT);
	assert_int_equal(run_limited(p, "data.t.mem", 0, 32u << 20, 0),
	    CCAKIT_ERR_REGO_LIMIT);
	ccakit_rego_policy_free(&p);
	/* rule chains: deep ones stop at the depth limit instead of
	 * overflowing the stack; shallow ones run */
	deep = chain(2500);
	assert_int_equal(run_limited(deep, "data.t.p0", 0, 0, 64 * 1024),
	    CCAKIT_ERR_REGO_LIMIT);
	assert_int_equal(run_limited(deep, "data.t.p0", 0, 0, 0),
	    CCAKIT_ERR_REGO_LIMIT);
	ccakit_rego_policy_free(&deep);
	deep = chain(100);
	assert_int_equal(run_limited(deep, "data.t.p0", 0, 0, 0),
	    CCAKIT_OK);
	ccakit_rego_policy_free(&deep);
}

/* now_ns is fixed for a query (and settable). */
static void
test_now_fixed(void **state)
{
	ccakit_rego_policy *p = policy("package t\n"
	    "same if { a := time.now_ns(); b := [time.now_ns() | "
	    "numbers.range(1, 50)[_]]; every t in b { t == a } }\n"
	    "now := time.now_ns()\n", NULL);
	ccakit_rego_query *q = NULL;
	ccakit_rego_eval *ev = ccakit_rego_eval_new();
	struct ccakit_rego_eval_opts o;
	const ccakit_rego_value *v;
	int64_t i;

	(void)state;
	expect(p, "data.t.same", NULL, "true");
	memset(&o, 0, sizeof(o));
	o.now_ns = 1234567;
	assert_int_equal(ccakit_rego_query_new(p, "data.t.now", &q, NULL),
	    CCAKIT_OK);
	assert_int_equal(ccakit_rego_eval_value(ev, q, &o, &v, NULL),
	    CCAKIT_OK);
	assert_true(ccakit_rego_int64(v, &i));
	assert_int_equal(i, 1234567);
	ccakit_rego_query_free(&q);
	ccakit_rego_eval_free(&ev);
	ccakit_rego_policy_free(&p);
}

/* --- concurrency --------------------------------------------------- */

struct worker {
	const ccakit_rego_query *q;
	const ccakit_rego_value *input;
	int ok;
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	ccakit_rego_eval *ev = ccakit_rego_eval_new();
	struct ccakit_rego_eval_opts o;
	const ccakit_rego_value *v;
	int64_t n;
	int i;

	memset(&o, 0, sizeof(o));
	o.input = w->input;
	for (i = 0; i < 300; i++) {
		if (ccakit_rego_eval_value(ev, w->q, &o, &v, NULL) ==
		    CCAKIT_OK && ccakit_rego_int64(v, &n) && n == 4950)
			w->ok++;
	}
	ccakit_rego_eval_free(&ev);
	return NULL;
}

static void
test_threads(void **state)
{
	ccakit_rego_policy *p = policy("package t\n"
	    "total := sum([x | some x in numbers.range(0, input.n)])\n",
	    NULL);
	ccakit_rego_doc *in = doc("{\"n\": 99}");
	ccakit_rego_query *q = NULL;
	struct worker w[4];
	pthread_t th[4];
	int i;

	(void)state;
	assert_int_equal(ccakit_rego_query_new(p, "data.t.total", &q, NULL),
	    CCAKIT_OK);
	for (i = 0; i < 4; i++) {
		w[i].q = q;
		w[i].input = ccakit_rego_doc_value(in);
		w[i].ok = 0;
		assert_int_equal(pthread_create(&th[i], NULL, worker_run,
		    &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].ok, 300);
	}
	ccakit_rego_query_free(&q);
	ccakit_rego_doc_free(&in);
	ccakit_rego_policy_free(&p);
}

/* --- regex, glob, units, semver, uuid built-ins ---------------------- */

/* JSON of `x := EXPR` (NULL when undefined), the input given. */
static char *
xval(const char *expr, const char *input)
{
	char text[8192];
	ccakit_rego_policy *p;
	char *got;

	snprintf(text, sizeof(text), "package t\nx := %s\n", expr);
	p = policy(text, NULL);
	got = eval_json(p, "data.t.x", input, NULL, false, NULL);
	ccakit_rego_policy_free(&p);
	return got;
}

static void
xexpect(const char *expr, const char *want)
{
	char *got = xval(expr, NULL);

	if (want == NULL) {
		if (got != NULL)
			fail_msg("%s: want undefined, got %s", expr, got);
		return;
	}
	if (got == NULL || strcmp(got, want) != 0)
		fail_msg("%s: want %s, got %s", expr, want,
		    got != NULL ? got : "undefined");
	free(got);
}

/* `x := EXPR` fails (strict built-in errors) with code and message. */
static void
xerror(const char *expr, const char *code, const char *substr)
{
	char text[8192];
	ccakit_rego_policy *p;

	snprintf(text, sizeof(text), "package t\nx := %s\n", expr);
	p = policy(text, NULL);
	eval_error(p, "data.t.x", true, code, substr);
	ccakit_rego_policy_free(&p);
}

/* Go's RE2 dialect on PCRE2: what differs between the two is Go's. */
static void
test_regex_dialect(void **state)
{
	(void)state;
	/* $ is end of text, not before a final newline; (?m) lines */
	xexpect("regex.match(`^a$`, \"a\\n\")", "false");
	xexpect("regex.find_n(`(?m)^`, \"a\\n\", -1)", "[\"\",\"\"]");
	xexpect("regex.find_n(`(?m)a$`, \"a\\na\\n\", -1)", "[\"a\",\"a\"]");
	/* ASCII \d \s \w \b; \v is a vertical tab; . stops at \n */
	xexpect("regex.match(`\\d`, \"\u0663\")", "false");
	xexpect("regex.match(`\\s`, \"\\u000b\")", "false");
	xexpect("regex.match(`^\\v$`, \"\\u000b\")", "true");
	xexpect("regex.match(`\\w`, \"\u00e9\")", "false");
	xexpect("regex.match(`\\b`, \"\u00e9\")", "false");
	xexpect("regex.match(`a.b`, \"a\\nb\")", "false");
	xexpect("regex.match(`(?s)a.b`, \"a\\nb\")", "true");
	xexpect("regex.match(`[[:alpha:]]`, \"\u00e9\")", "false");
	/* (?i): simple case folding, the Kelvin sign included */
	xexpect("regex.match(`(?i)k`, \"\u212a\")", "true");
	xexpect("regex.match(`(?i)[^k]`, \"\u212a\")", "false");
	xexpect("regex.match(`(?i)\\W`, \"\u212a\")", "false");
	xexpect("regex.match(`(?i)\\W`, \"s\")", "false");
	xexpect("regex.match(`(?i)[^\\W]`, \"\u017f\")", "true");
	xexpect("regex.match(`(?i:A)b`, \"aB\")", "false");
	/* Unicode classes: Go's names, the Script (not Script_Extensions)
	 * property, loose matching, negation */
	xexpect("regex.match(`^\\p{Greek}+$`, \"\u03b1\u03b2\")", "true");
	xexpect("regex.match(`\\p{Greek}`, \"\u0342\")", "false");
	xexpect("regex.match(`^\\pL\\PL\\p{^L}$`, \"a1-\")", "true");
	xexpect("regex.match(`\\p{Lu}`, \"\u00c9\")", "true");
	xexpect("regex.match(`\\p{C}`, \"\\u0001\")", "true");
	xexpect("regex.match(`\\p{Any}`, \"\\n\")", "true");
	/* escapes */
	xexpect("regex.match(`^\\101\\x41\\x{41}\\Q.*\\E$`, \"AAA.*\")",
	    "true");
	/* groups: named in both syntaxes, names may start with a digit */
	xexpect("regex.find_all_string_submatch_n(`(?P<x>a)(?<1y>b)?`, "
	    "\"a ab\", -1)", "[[\"a\",\"a\",\"\"],[\"ab\",\"a\",\"b\"]]");
	xexpect("regex.replace(\"abc abd\", `a(?P<n>b)(c)?`, "
	    "\"[$n|$2|${1}x|$1x|$$]\")", "\"[b|c|bx||$] [b||bx||$]d\"");
	/* repetition: greedy, lazy, (?U) */
	xexpect("regex.find_n(`a+?`, \"aaa\", -1)", "[\"a\",\"a\",\"a\"]");
	xexpect("regex.find_n(`(?U)a+`, \"aaa\", 1)", "[\"a\"]");
	xexpect("regex.find_n(`(?U)a+?`, \"aaa\", 1)", "[\"aaa\"]");
	xexpect("regex.match(`^a{0}$`, \"\")", "true");
	/* Go's empty-match rules in find, split and replace */
	xexpect("regex.find_n(`a|`, \"baaac\", -1)",
	    "[\"\",\"a\",\"a\",\"a\",\"\"]");
	xexpect("regex.split(`x*`, \"axbxxc\")", "[\"a\",\"b\",\"c\"]");
	xexpect("regex.split(``, \"\")", "[]");
	xexpect("regex.replace(\"abc\", `x*`, \"-\")", "\"-a-b-c-\"");
	/* an invalid UTF-8 byte is one U+FFFD, as in Go */
	xexpect("count(regex.find_n(`.`, base64.decode(\"Yf9i\"), -1))",
	    "3");
	xexpect("regex.match(`^\\x{FFFD}$`, base64.decode(\"/w==\"))",
	    "true");
	/* what Go refuses is refused, with Go's messages */
	xerror("regex.match(`(a)\\1`, \"aa\")", "eval_builtin_error",
	    "regex.match: error parsing regexp: invalid escape sequence: "
	    "`\\1`");
	xerror("regex.match(`(?=a)`, \"a\")", "eval_builtin_error",
	    "invalid or unsupported Perl syntax: `(?=`");
	xerror("regex.match(`(?<=a)b`, \"ab\")", "eval_builtin_error",
	    "invalid named capture");
	xerror("regex.match(`(?>a)`, \"a\")", "eval_builtin_error",
	    "invalid or unsupported Perl syntax: `(?>`");
	xerror("regex.match(`a*+`, \"a\")", "eval_builtin_error",
	    "invalid nested repetition operator: `*+`");
	xerror("regex.match(`a\\Z`, \"a\")", "eval_builtin_error",
	    "invalid escape sequence: `\\Z`");
	xerror("regex.match(`\\C`, \"a\")", "eval_builtin_error",
	    "invalid escape sequence: `\\C`");
	xerror("regex.match(`*a`, \"a\")", "eval_builtin_error",
	    "missing argument to repetition operator: `*`");
	xerror("regex.match(`a{1001}`, \"a\")", "eval_builtin_error",
	    "invalid repeat count: `{1001}`");
	xerror("regex.match(`(a{100}){100}`, \"a\")", "eval_builtin_error",
	    "invalid repeat count: `{100}`");
	xerror("regex.match(`[z-a]`, \"a\")", "eval_builtin_error",
	    "invalid character class range: `z-a`");
	xerror("regex.match(`\\p{Latn}`, \"a\")", "eval_builtin_error",
	    "invalid character class range: `\\p{Latn}`");
	xerror("regex.match(`[[:foo:]]`, \"a\")", "eval_builtin_error",
	    "invalid character class range: `[:foo:]`");
	xerror("regex.match(`(a`, \"a\")", "eval_builtin_error",
	    "missing closing ): `(a`");
	xerror("regex.match(`a)`, \"a\")", "eval_builtin_error",
	    "unexpected ): `a)`");
	xerror("regex.match(`[a`, \"a\")", "eval_builtin_error",
	    "missing closing ]: `[a`");
	xerror("regex.match(`a\\`, \"a\")", "eval_builtin_error",
	    "trailing backslash at end of expression: ``");
	xexpect("regex.is_valid(`(?P<n>a)\\pN[[:^space:]]`)", "true");
	xexpect("regex.is_valid(`(?P<n>a)(?P<n>`)", "false");
	xerror("regex.template_match(\"a{b\", \"ab\", \"{\", \"}\")",
	    "eval_builtin_error", "unbalanced braces in \"a{b\"");
	xerror("regex.template_match(\"a{b}\", \"ab\", \"{{\", \"}\")",
	    "eval_builtin_error", "start delimiter has to be exactly one "
	    "character long but is 2 long");
	xexpect("regex.template_match(\"a.{[0-9]+}.b\", \"a.12.b\", \"{\", "
	    "\"}\")", "true");
	xexpect("regex.template_match(\"a.{[0-9]+}.b\", \"aX12.b\", \"{\", "
	    "\"}\")", "false");
}

/* "aaa...a" (n) followed by tail, as a Rego expression */
static void
long_str(char *out, size_t cap, const char *unit, int n, const char *tail)
{
	snprintf(out, cap, "concat(\"\", [concat(\"\", [s | "
	    "numbers.range(1, %d)[_]; s := \"%s\"]), \"%s\"])", n, unit,
	    tail);
}

/* Hostile patterns and inputs end quickly, with an answer or a clear
 * error; pattern size and nesting are bounded. */
static void
test_regex_limits(void **state)
{
	char s[256], e[1024];

	(void)state;
	/* catastrophic backtracking: a boolean match is still decided */
	long_str(s, sizeof(s), "a", 5000, "b");
	snprintf(e, sizeof(e), "regex.match(`^(a+)+$`, %s)", s);
	xexpect(e, "false");
	snprintf(e, sizeof(e), "regex.match(`^(a|aa)+$`, %s)", s);
	xexpect(e, "false");
	long_str(s, sizeof(s), "word ", 40, "!");
	snprintf(e, sizeof(e), "regex.match(`^(\\w+\\s?)*$`, %s)", s);
	xexpect(e, "false");
	/* ... and so are positions and submatches (Go's machine) */
	snprintf(e, sizeof(e), "regex.find_n(`^(\\w+\\s?)*$`, %s, -1)", s);
	xexpect(e, "[]");
	snprintf(e, sizeof(e), "regex.replace(%s, `(\\w+\\s?)*\\?`, \"x\") "
	    "== %s", s, s);
	xexpect(e, "true");
	snprintf(e, sizeof(e), "regex.find_all_string_submatch_n("
	    "`(\\w+\\s?)*!`, %s, -1)", s);
	xexpect(e, "[[\"word word word word word word word word word word word "
	    "word word word word word word word word word word word word word "
	    "word word word word word word word word word word word word word "
	    "word word word !\",\"word \"]]");
	/* Go's limits on the pattern, and PCRE2's program size */
	snprintf(e, sizeof(e), "regex.match(concat(\"\", [concat(\"\", [s | "
	    "numbers.range(1, 1001)[_]; s := \"(\"]), \"a\", concat(\"\", "
	    "[s | numbers.range(1, 1001)[_]; s := \")\"])]), \"a\")");
	xerror(e, "eval_builtin_error", "expression nests too deeply");
	long_str(s, sizeof(s), "(", 1001, "");
	snprintf(e, sizeof(e), "regex.match(concat(\"\", [%s, \"a\"]), "
	    "\"a\")", s);
	xerror(e, "eval_builtin_error", "missing closing ): `((((");
	/* deep but allowed nesting compiles (on a stack of its own) */
	snprintf(e, sizeof(e), "regex.match(concat(\"\", [concat(\"\", [s | "
	    "numbers.range(1, 900)[_]; s := \"(\"]), \"a\", concat(\"\", "
	    "[s | numbers.range(1, 900)[_]; s := \")\"])]), \"a\")");
	xexpect(e, "true");
	xerror("regex.match(`((a|b|c|d|e|f|g|h|i|j|k|l)(x|y)){1000}`, \"a\")",
	    "eval_builtin_error", "expression too large");
}

/* Many patterns from many threads: the shared cache evicts entries
 * that other evaluations still use. */
static void *
regex_worker(void *arg)
{
	const ccakit_rego_query *q = arg;
	ccakit_rego_eval *ev = ccakit_rego_eval_new();
	struct ccakit_rego_eval_opts o;
	const ccakit_rego_value *v;
	ccakit_rego_doc *in;
	char json[64];
	int i, ok = 0;

	memset(&o, 0, sizeof(o));
	for (i = 0; i < 600; i++) {
		snprintf(json, sizeof(json), "{\"n\": %d}", i);
		if (ccakit_rego_doc_parse(json, strlen(json), &in, NULL) !=
		    CCAKIT_OK)
			continue;
		o.input = ccakit_rego_doc_value(in);
		if (ccakit_rego_eval_value(ev, q, &o, &v, NULL) ==
		    CCAKIT_OK && v != NULL && ccakit_rego_bool(v))
			ok++;
		ccakit_rego_doc_free(&in);
	}
	ccakit_rego_eval_free(&ev);
	return (void *)(intptr_t)ok;
}

static void
test_regex_threads(void **state)
{
	ccakit_rego_policy *p = policy("package t\n"
	    "ok if {\n"
	    "\tpat := sprintf(\"^x%d(y|z)+$\", [input.n])\n"
	    "\tregex.match(pat, sprintf(\"x%dyzy\", [input.n]))\n"
	    "\tnot regex.match(pat, \"x\")\n"
	    "\tglob.match(sprintf(\"*.%d\", [input.n]), [\".\"], "
	    "sprintf(\"a.%d\", [input.n]))\n"
	    "}\n", NULL);
	ccakit_rego_query *q = NULL;
	pthread_t th[4];
	void *ret;
	int i;

	(void)state;
	assert_int_equal(ccakit_rego_query_new(p, "data.t.ok", &q, NULL),
	    CCAKIT_OK);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, regex_worker, q),
		    0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], &ret), 0);
		assert_int_equal((intptr_t)ret, 600);
	}
	ccakit_rego_query_free(&q);
	ccakit_rego_policy_free(&p);
}

/* glob.match: gobwas/glob's syntax; linear time whatever the pattern. */
static void
test_glob(void **state)
{
	char s[256], e[1024];

	(void)state;
	xexpect("glob.match(\"{a,b\", [], \"b\")", "true");
	xexpect("glob.match(\"a}b,c\", [], \"a}b,c\")", "true");
	xexpect("glob.match(\"[!a]\", [\".\"], \".\")", "true");
	xexpect("glob.match(\"?\", [\".\"], \".\")", "false");
	xexpect("glob.match(\"a\\\\*\", null, \"a*\")", "true");
	xexpect("glob.match(\"a\\\\*\", null, \"ab\")", "false");
	xexpect("glob.match(\"**.com\", [\".\"], \"a.b.com\")", "true");
	xexpect("glob.match(\"*.com\", [\".\"], \"a.b.com\")", "false");
	xexpect("glob.match(\"*\", [\"ab\"], \"x\\u0000y\")", "false");
	xexpect("glob.quote_meta(\"{a,b}[c]*?\\\\\")",
	    "\"\\\\{a,b\\\\}\\\\[c\\\\]\\\\*\\\\?\\\\\\\\\"");
	xerror("glob.match(\"[a-z\", [], \"a\")", "eval_builtin_error",
	    "glob.match: unexpected end of input");
	xerror("glob.match(\"[z-a]\", [], \"a\")", "eval_builtin_error",
	    "glob.match: hi character 'a' should be greater than lo 'z'");
	xerror("glob.match(\"[]\", [], \"a\")", "eval_builtin_error",
	    "glob.match: could not parse range");
	xerror("glob.match(\"x\", [1], \"a\")", "eval_type_error",
	    "glob.match: operand 2 must be array of strings but got array "
	    "containing number");
	xerror("glob.match(\"x\", \"y\", \"a\")", "eval_type_error",
	    "operand 2 must be one of {array, null} but got string");
	/* a pattern that backtracking matchers take exponential time on */
	long_str(s, sizeof(s), "a", 20000, "");
	snprintf(e, sizeof(e), "glob.match(\"*a*a*a*a*a*a*a*a*a*a*a*a*b\", "
	    "[], %s)", s);
	xexpect(e, "false");
	long_str(s, sizeof(s), "{", 300, "");
	snprintf(e, sizeof(e), "glob.match(%s, [], \"a\")", s);
	xerror(e, "eval_builtin_error", "pattern nests too deeply");
	/* regex.globs_match: the library's answers (even where the
	 * exact intersection differs), its messages, bounded work */
	xexpect("regex.globs_match(\"a*\", \"b*a\")", "false");
	xexpect("regex.globs_match(\"\", \"\")", "true");
	xexpect("regex.globs_match(\".*\", \"abc\")", "true");
	xerror("regex.globs_match(\"a[b-\", \"b\")", "eval_builtin_error",
	    "input:a[b-, pos:4, range character '-' must be followed by a "
	    "Unicode character: the input provided is invalid");
	xerror("regex.globs_match(\"a\\\\\", \"b\")", "eval_builtin_error",
	    "input:a\\, pos:1, input ends with a \\ (escape) character");
	long_str(s, sizeof(s), "a*.", 160, "b");
	snprintf(e, sizeof(e), "regex.globs_match(%s, %s)", s, s);
	xexpect(e, "true");
	long_str(s, sizeof(s), "a*b+", 160, "c");
	snprintf(e, sizeof(e), "regex.globs_match(%s, \"aaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaad\")",
	    s);
	xexpect(e, "false");
	long_str(s, sizeof(s), "a", 501, "");
	snprintf(e, sizeof(e), "regex.globs_match(%s, \"a\")", s);
	xerror(e, "eval_builtin_error", "more than 500 tokens");
}

/* units, semver, uuid: what OPA's arithmetic and parsers give. */
static void
test_units_semver_uuid(void **state)
{
	char *got;

	(void)state;
	/* milli is the double nearest 0.001, exactly, as in OPA */
	xexpect("units.parse(\"1152921504606846976m\")", "1152921504606847");
	xexpect("units.parse(\"1.1Ki\")", "1126.4000000000");
	xexpect("units.parse(\"-0.00000000001m\")", "-0.0000000000");
	xexpect("units.parse(\"9.99999999995\")", "10.0000000000");
	/* parse_bytes: a 64-bit mantissa, rounded as Go's big.Float */
	xexpect("units.parse_bytes(\"123456789012345678901\")",
	    "123456789012345678904");
	xexpect("units.parse_bytes(\"1e40\")",
	    "9999999999999999999783686092270256259072");
	xexpect("units.parse_bytes(\"0.29999999999999999999kb\")", "299");
	/* exponents: 6 digits at most (OPA); huge byte counts refused */
	xexpect("units.parse(\"1e999999\") > 1e308", "true");
	xerror("units.parse(\"1e1000000\")", "eval_builtin_error",
	    "units.parse: exponent too large");
	xerror("units.parse_bytes(\"1e99999\")", "eval_builtin_error",
	    "units.parse_bytes: exponent too large");
	xexpect("units.parse_bytes(\"1e-999999\")", "0");
	xerror("units.parse(\"12zz\")", "eval_builtin_error",
	    "units.parse: unit zz not recognized");
	xerror("units.parse_bytes(\"12ZZ\")", "eval_builtin_error",
	    "units.parse_bytes: byte unit zz not recognized");
	/* semver: "v" prefix; equal numeric fields end the comparison
	 * (OPA's loop would not) */
	xexpect("semver.is_valid(\"v1.0.0-rc.1+build.5\")", "true");
	xexpect("semver.is_valid(\"1.0.0-rc..1\")", "false");
	xexpect("semver.compare(\"1.0.0-01\", \"1.0.0-1\")", "0");
	xexpect("semver.compare(\"1.0.0-alpha.1\", \"1.0.0-alpha.beta\")",
	    "-1");
	xexpect("semver.compare(\"1.0.0-rc.1\", \"1.0.0\")", "-1");
	xexpect("semver.compare(\"1.10.0\", \"1.9.0\")", "1");
	/* uuid */
	xexpect("regex.match(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-"
	    "[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, uuid.rfc4122(\"k\"))", "true");
	xexpect("[uuid.rfc4122(\"k\") == uuid.rfc4122(\"k\"), "
	    "uuid.rfc4122(\"k\") == uuid.rfc4122(\"j\")]", "[true,false]");
	xexpect("uuid.parse(\"00000000-0000-4000-8000-00000000000\")", NULL);
	xexpect("uuid.parse(\"{00000000-0000-4000-8000-000000000000)\")",
	    "{\"variant\":\"RFC4122\",\"version\":4}");
	got = xval("uuid.parse(\"6ba7b810-9dad-11d1-80b4-00c04fd430c8\")",
	    NULL);
	assert_non_null(got);
	assert_string_equal(got, "{\"clocksequence\":180,\"macvariables\":"
	    "\"global:unicast\",\"nodeid\":\"00-c0-4f-d4-30-c8\",\"time\":"
	    "886630433151182400,\"variant\":\"RFC4122\",\"version\":1}");
	free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_json_out),
		cmocka_unit_test(test_compile_errors),
		cmocka_unit_test(test_semantics),
		cmocka_unit_test(test_eval_errors),
		cmocka_unit_test(test_custom_builtin),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_now_fixed),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_regex_dialect),
		cmocka_unit_test(test_regex_limits),
		cmocka_unit_test(test_regex_threads),
		cmocka_unit_test(test_glob),
		cmocka_unit_test(test_units_semver_uuid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
