/*
 * Unit tests of the Rego engine's public API: values, diagnostics,
 * evaluation semantics, custom built-ins, limits and concurrent use.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ccakit/bytes.h>
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

/*
 * Built-ins over untrusted documents (yaml, graph, JSON schema,
 * templates, rego.parse_module): hostile input ends in a clear error,
 * never a crash, a hang or unbounded memory.
 */
static int
run_err(ccakit_rego_policy *p, const char *query, const char *input,
    uint64_t steps, size_t stack, char *msg, size_t msglen)
{
	ccakit_rego_query *q = NULL;
	ccakit_rego_eval *ev = ccakit_rego_eval_new();
	struct ccakit_rego_eval_opts o;
	ccakit_rego_doc *in = NULL;
	int rc;

	assert_non_null(ev);
	assert_int_equal(ccakit_rego_query_new(p, query, &q, NULL),
	    CCAKIT_OK);
	memset(&o, 0, sizeof(o));
	if (input != NULL) {
		in = doc(input);
		o.input = ccakit_rego_doc_value(in);
	}
	o.strict_builtin_errors = true;
	o.max_steps = steps;
	o.max_stack = stack;
	rc = ccakit_rego_eval_run(ev, q, &o, NULL);
	msg[0] = '\0';
	if (rc != CCAKIT_OK)
		snprintf(msg, msglen, "%s: %s",
		    ccakit_rego_eval_error(ev)->code,
		    ccakit_rego_eval_error(ev)->message);
	ccakit_rego_eval_free(&ev);
	ccakit_rego_query_free(&q);
	ccakit_rego_doc_free(&in);
	return rc;
}

/* A JSON string literal of n copies of unit (n * strlen(unit) bytes). */
static char *
repeat_json(const char *key, const char *unit, size_t n, const char *tail)
{
	size_t ul = strlen(unit), cap = n * ul + strlen(key) +
	    strlen(tail) + 16, i, len;
	char *s = malloc(cap);

	assert_non_null(s);
	len = (size_t)snprintf(s, cap, "{\"%s\": \"", key);
	for (i = 0; i < n; i++) {
		memcpy(s + len, unit, ul);
		len += ul;
	}
	snprintf(s + len, cap - len, "%s\"}", tail);
	return s;
}

static void
test_doc_builtin_limits(void **state)
{
	ccakit_rego_policy *p = policy(
	    "package t\n"
	    "y := yaml.unmarshal(input.doc)\n"
	    "paths := graph.reachable_paths(input.g, [\"n0\"])\n"
	    "reach := graph.reachable(input.g, [\"n0\"])\n"
	    "schema := json.match_schema({\"a\": 1}, {\"$ref\": \"#\"})\n"
	    "tpl := strings.render_template(input.t, {\"xs\": "
	    "numbers.range(1, 2000)})\n"
	    "ast := rego.parse_module(\"x.rego\", input.m)\n"
	    "meta := rego.metadata.rule()\n", NULL);
	char msg[600], *in, *g;
	size_t i, len, cap;

	(void)state;
	/* billion laughs: refused, not expanded */
	in = malloc(4096);
	assert_non_null(in);
	len = (size_t)snprintf(in, 4096, "{\"doc\": \"a: &a [1,1,1,1,1,1,1,"
	    "1,1,1]\\n");
	for (i = 0; i < 8; i++)
		len += (size_t)snprintf(in + len, 4096 - len, "%c: &%c [*%c,"
		    "*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c]\\n", 'b' + (int)i,
		    'b' + (int)i, 'a' + (int)i, 'a' + (int)i, 'a' + (int)i,
		    'a' + (int)i, 'a' + (int)i, 'a' + (int)i, 'a' + (int)i,
		    'a' + (int)i, 'a' + (int)i, 'a' + (int)i);
	snprintf(in + len, 4096 - len, "\"}");
	assert_int_equal(run_err(p, "data.t.y", in, 0, 0, msg, sizeof(msg)),
	    CCAKIT_ERR_REGO_EVAL);
	assert_non_null(strstr(msg, "excessive aliasing"));
	free(in);
	/* an alias of its own anchor, an unknown anchor */
	assert_int_equal(run_err(p, "data.t.y", "{\"doc\": \"a: &x [1, *x]\"}",
	    0, 0, msg, sizeof(msg)), CCAKIT_ERR_REGO_EVAL);
	assert_non_null(strstr(msg, "anchor 'x' value contains itself"));
	assert_int_equal(run_err(p, "data.t.y", "{\"doc\": \"[*nope]\"}",
	    0, 0, msg, sizeof(msg)), CCAKIT_ERR_REGO_EVAL);
	assert_non_null(strstr(msg, "unknown anchor 'nope' referenced"));
	/* nesting far beyond the cap */
	in = repeat_json("doc", "[", 200000, "");
	assert_int_equal(run_err(p, "data.t.y", in, 0, 0, msg, sizeof(msg)),
	    CCAKIT_ERR_REGO_EVAL);
	assert_non_null(strstr(msg, "exceeded max depth of 512"));
	free(in);
	/* a path graph 20000 long: the stack limit, not a crash */
	cap = 20000 * 40 + 64;
	g = malloc(cap);
	assert_non_null(g);
	len = (size_t)snprintf(g, cap, "{\"g\": {");
	for (i = 0; i < 20000; i++)
		len += (size_t)snprintf(g + len, cap - len, "%s\"n%zu\": "
		    "[\"n%zu\"]", i > 0 ? ", " : "", i, i + 1);
	snprintf(g + len, cap - len, "}}");
	assert_int_equal(run_err(p, "data.t.paths", g, 0, 64 * 1024, msg,
	    sizeof(msg)), CCAKIT_ERR_REGO_LIMIT);
	assert_int_equal(run_err(p, "data.t.reach", g, 0, 0, msg,
	    sizeof(msg)), CCAKIT_OK);
	assert_int_equal(run_err(p, "data.t.reach", g, 5000, 0, msg,
	    sizeof(msg)), CCAKIT_ERR_REGO_LIMIT);
	assert_non_null(strstr(msg, "eval_limit_error"));
	free(g);
	/* a schema that refers to itself for ever */
	assert_int_equal(run_err(p, "data.t.schema", NULL, 0, 0, msg,
	    sizeof(msg)), CCAKIT_ERR_REGO_LIMIT);
	/* 2000 x 2000 template iterations: stopped by the step limit */
	assert_int_equal(run_err(p, "data.t.tpl", "{\"t\": \"{{range .xs}}"
	    "{{range $.xs}}.{{end}}{{end}}\"}", 100000, 0, msg, sizeof(msg)),
	    CCAKIT_ERR_REGO_LIMIT);
	assert_int_equal(run_err(p, "data.t.tpl", "{\"t\": \"{{range "
	    "1000000000}}x{{end}}\"}", 100000, 0, msg, sizeof(msg)),
	    CCAKIT_ERR_REGO_LIMIT);
	/* a module nested deeper than the AST converter goes */
	in = repeat_json("m", "[", 1500, "");
	len = strlen(in);
	in[len - 2] = '\0';
	{
		char *m = malloc(len + 3200);

		assert_non_null(m);
		snprintf(m, len + 3200, "{\"m\": \"package x\\np := %s",
		    in + 8);
		len = strlen(m);
		for (i = 0; i < 1500; i++)
			m[len++] = ']';
		snprintf(m + len, 16, "\"}");
		assert_int_equal(run_err(p, "data.t.ast", m, 0, 0, msg,
		    sizeof(msg)), CCAKIT_ERR_REGO_EVAL);
		assert_non_null(strstr(msg, "rego.parse_module"));
		free(m);
	}
	free(in);
	/* rego.metadata outside of a rule's body is an error, not a
	 * guess */
	assert_int_equal(run_err(p, "rego.metadata.chain()", NULL, 0, 0, msg,
	    sizeof(msg)), CCAKIT_ERR_REGO_EVAL);
	assert_non_null(strstr(msg, "not called from a rule"));
	ccakit_rego_policy_free(&p);
}

/* YAML 1.1 as go-yaml v2 reads it (beyond the conformance cases). */
static void
test_yaml_semantics(void **state)
{
	ccakit_rego_policy *p = policy("package t\n"
	    "u := yaml.unmarshal(input.d)\n"
	    "m := yaml.marshal(input.v)\n"
	    "bin := yaml.marshal(base64.decode(\"/w==\"))\n", NULL);

	(void)state;
	expect(p, "data.t.u", "{\"d\": \"[yes, off, ~, 0x1F, 017, 1_000, "
	    "1e3, .5, 2001-12-14, '1']\"}",
	    "[true,false,null,31,15,1000,1000,0.5,\"2001-12-14\",\"1\"]");
	/* keys become strings; merge keys; the first document only */
	expect(p, "data.t.u", "{\"d\": \"b: &b {x: 1, z: 2}\\nc:\\n  <<: *b\\n"
	    "  z: 3\\n1: one\\ntrue: t\\n---\\n[\"}",
	    "{\"1\":\"one\",\"b\":{\"x\":1,\"z\":2},\"c\":{\"x\":1,\"z\":3},"
	    "\"true\":\"t\"}");
	/* infinities have no JSON form */
	expect(p, "data.t.u", "{\"d\": \"x: .inf\"}", NULL);
	/* strings that would read back as something else are quoted;
	 * keys in go-yaml's natural order */
	expect(p, "data.t.m", "{\"v\": {\"a10\": \"yes\", \"a9\": \"1.5\", "
	    "\"b\": [\"\", \"x\", \"a: b\", 1.5, 1000000.0]}}",
	    "\"a9: \\\"1.5\\\"\\na10: \\\"yes\\\"\\nb:\\n- \\\"\\\"\\n- x\\n- "
	    "'a: b'\\n- 1.5\\n- 1e+06\\n\"");
	/* bytes that are not UTF-8 become U+FFFD, as Go's JSON encoder */
	expect(p, "data.t.bin", NULL, "\"\xef\xbf\xbd\\n\"");
	ccakit_rego_policy_free(&p);
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

/* --- net.cidr_* (behaviour the conformance suite does not cover) ---- */

static void
test_net_cidr(void **state)
{
	ccakit_rego_policy *p = policy("package t\n"
	    "big := net.cidr_expand(\"::/0\")\n"
	    "v4big := net.cidr_expand(\"10.0.0.0/8\")\n"
	    "edge := count(net.cidr_expand(\"10.0.0.0/12\"))\n"
	    "v6 := net.cidr_expand(\"2001:db8::/127\")\n"
	    "fam := [net.cidr_contains(\"::/0\", \"1.2.3.4\"),\n"
	    "  net.cidr_contains(\"::ffff:0:0/96\", \"1.2.3.4\"),\n"
	    "  net.cidr_contains(\"0.0.0.0/0\", \"::1\")]\n"
	    "bare := net.cidr_merge([\"10.1.2.3\"])\n"
	    "valid := [net.cidr_is_valid(\"1.2.3.04/8\"),\n"
	    "  net.cidr_is_valid(\"fe80::1%eth0/64\"),\n"
	    "  net.cidr_is_valid(\"1:2:3:4:5:6:7::8/64\"),\n"
	    "  net.cidr_is_valid(\"::1.2.3.4/128\")]\n", NULL);

	(void)state;
	/* a huge range is refused at once instead of exhausting memory */
	eval_error(p, "data.t.big", true, "eval_builtin_error",
	    "net.cidr_expand: ::/0 has more than 1048576 addresses");
	eval_error(p, "data.t.v4big", true, "eval_builtin_error",
	    "more than 1048576 addresses");
	expect(p, "data.t.edge", NULL, "1048576");
	expect(p, "data.t.v6", NULL, "[\"2001:db8::\",\"2001:db8::1\"]");
	/* Go's IPNet.Contains: IPv4 never inside an IPv6 network */
	expect(p, "data.t.fam", NULL, "[false,true,false]");
	/* a bare IPv4 address takes its class mask, unmasked (Go) */
	expect(p, "data.t.bare", NULL, "[\"10.1.2.3/8\"]");
	expect(p, "data.t.valid", NULL, "[false,false,false,true]");
	ccakit_rego_policy_free(&p);
}

/* Large inputs: one pass for net.cidr_merge, a cap on the pairs of
 * net.cidr_contains_matches. */
static void
test_net_cidr_large(void **state)
{
	ccakit_rego_policy *p = policy("package t\n"
	    "merged := count(net.cidr_merge(input.nets))\n"
	    "matches := net.cidr_contains_matches(input.nets, input.nets)\n",
	    NULL);
	size_t n = 100000, i, len = 2 * n * 24 + 64, o = 0;
	char *in = malloc(len), *got;
	struct timespec t0, t1;
	int rc;

	(void)state;
	assert_non_null(in);
	/* n copies of one network below n separate /32s: every fold
	 * happens with a long unmerged tail after it */
	o += (size_t)snprintf(in + o, len - o, "{\"nets\": [");
	for (i = 0; i < n; i++) {
		uint32_t a = 0x0B000000u + 2u * (uint32_t)i;

		o += (size_t)snprintf(in + o, len - o, "\"10.0.0.0/16\","
		    "\"%u.%u.%u.%u/32\"%s", a >> 24, (a >> 16) & 255,
		    (a >> 8) & 255, a & 255, i + 1 < n ? "," : "");
	}
	o += (size_t)snprintf(in + o, len - o, "]}");
	assert_true(o < len);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	got = eval_json(p, "data.t.merged", in, NULL, true, &rc);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_non_null(got);
	assert_string_equal(got, "100001");
	free(got);
	assert_true(t1.tv_sec - t0.tv_sec < 10);
	/* 200000 x 200000 pairs: refused */
	got = eval_json(p, "data.t.matches", in, NULL, true, &rc);
	assert_null(got);
	assert_int_equal(rc, CCAKIT_ERR_REGO_EVAL);
	free(in);
	ccakit_rego_policy_free(&p);
}

/* --- io.jwt, crypto.x509 (keys and certificates made here) -------- */

static char *
pem_of(EVP_PKEY *k, bool priv)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out;
	long n;

	assert_non_null(b);
	if (priv)
		assert_int_equal(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0,
		    NULL, NULL), 1);
	else
		assert_int_equal(PEM_write_bio_PUBKEY(b, k), 1);
	n = BIO_get_mem_data(b, &data);
	assert_true(n > 0);
	out = strndup(data, (size_t)n);
	BIO_free(b);
	return out;
}

/* A certificate for subject cn (with a DNS SAN and an extended key
 * usage) signed by issuer_key under issuer (self-signed when NULL). */
static X509 *
make_cert(EVP_PKEY *key, const char *cn, EVP_PKEY *issuer_key, X509 *issuer,
    bool ca, const char *eku, long not_after)
{
	X509 *x = X509_new();
	X509V3_CTX v3;
	X509_EXTENSION *e;
	char san[128];

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), (long)strlen(cn));
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), not_after);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : X509_get_subject_name(x));
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
	    ca ? "critical,CA:TRUE" : "CA:FALSE");
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	if (!ca) {
		snprintf(san, sizeof(san), "DNS:%s", cn);
		e = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
		e = X509V3_EXT_conf_nid(NULL, &v3, NID_ext_key_usage, eku);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	assert_true(X509_sign(x, issuer_key, EVP_sha256()) > 0);
	return x;
}

static void
append_cert(char *buf, size_t len, X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;

	assert_int_equal(PEM_write_bio_X509(b, x), 1);
	n = BIO_get_mem_data(b, &data);
	assert_true(strlen(buf) + (size_t)n < len);
	strncat(buf, data, (size_t)n);
	BIO_free(b);
}

static void
test_jwt_roundtrip(void **state)
{
	static const char *const algs[][3] = {
		{ "RS256", "rsa", "rs256" }, { "RS384", "rsa", "rs384" },
		{ "RS512", "rsa", "rs512" }, { "PS256", "rsa", "ps256" },
		{ "PS384", "rsa", "ps384" }, { "PS512", "rsa", "ps512" },
		{ "ES256", "p256", "es256" }, { "ES384", "p384", "es384" },
		{ "ES512", "p521", "es512" },
	};
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	EVP_PKEY *p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	EVP_PKEY *p521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	EVP_PKEY *keys[] = { rsa, p256, p384, p521 };
	const char *names[] = { "rsa", "p256", "p384", "p521" };
	uint8_t raw[32];
	char edd[64], edx[64], *text, *got, q[256];
	size_t n, i, len = 64 * 1024, o = 0;
	ccakit_rego_policy *p;

	(void)state;
	assert_non_null(rsa);
	assert_non_null(p256);
	assert_non_null(p384);
	assert_non_null(p521);
	assert_non_null(ed);
	text = malloc(len);
	assert_non_null(text);
	o += (size_t)snprintf(text + o, len - o, "package t\n");
	for (i = 0; i < 4; i++) {
		char *priv = pem_of(keys[i], true), *pub = pem_of(keys[i], false);

		o += (size_t)snprintf(text + o, len - o, "%s := `%s`\n"
		    "%s_pub := `%s`\n", names[i], priv, names[i], pub);
		free(priv);
		free(pub);
	}
	n = sizeof(raw);
	assert_int_equal(EVP_PKEY_get_raw_private_key(ed, raw, &n), 1);
	assert_int_equal(ccakit_b64_encode(raw, 32, CCAKIT_B64_URL, edd,
	    sizeof(edd)), CCAKIT_OK);
	n = sizeof(raw);
	assert_int_equal(EVP_PKEY_get_raw_public_key(ed, raw, &n), 1);
	assert_int_equal(ccakit_b64_encode(raw, 32, CCAKIT_B64_URL, edx,
	    sizeof(edx)), CCAKIT_OK);
	{
		char *pub = pem_of(ed, false);

		o += (size_t)snprintf(text + o, len - o, "ed := {\"kty\": "
		    "\"OKP\", \"crv\": \"Ed25519\", \"d\": \"%s\", \"x\": "
		    "\"%s\"}\ned_pub := `%s`\n", edd, edx, pub);
		free(pub);
	}
	o += (size_t)snprintf(text + o, len - o,
	    "tok(alg, key) := io.jwt.encode_sign({\"alg\": alg}, "
	    "{\"iss\": \"me\", \"exp\": 4102444800}, "
	    "crypto.x509.parse_rsa_private_key(key))\n"
	    "dv(alg, key, pub) := io.jwt.decode_verify(tok(alg, key), "
	    "{\"cert\": pub, \"iss\": \"me\", \"alg\": alg})[0]\n"
	    "edtok := io.jwt.encode_sign({\"alg\": \"EdDSA\"}, {}, ed)\n"
	    /* a JWK set: the key whose kid the token names is used */
	    "jwks := json.marshal({\"keys\": [\n"
	    "  object.union(crypto.x509.parse_rsa_private_key(p256), "
	    "{\"kid\": \"a\"}),\n"
	    "  object.union(crypto.x509.parse_rsa_private_key(p384), "
	    "{\"kid\": \"b\", \"alg\": \"ES384\"})]})\n"
	    "kidtok := io.jwt.encode_sign({\"alg\": \"ES384\", \"kid\": "
	    "\"b\"}, {}, crypto.x509.parse_rsa_private_key(p384))\n"
	    /* verify_* refuse private JWKs (OPA: wrong key type) */
	    "privjwk := io.jwt.verify_es256(tok(\"ES256\", p256), "
	    "json.marshal(crypto.x509.parse_rsa_private_key(p256)))\n"
	    "tampered := io.jwt.decode_verify(concat(\".\", [s[0], "
	    "base64url.encode_no_pad(`{\"iss\":\"you\"}`), s[2]]), "
	    "{\"cert\": p256_pub})[0] if s := split(tok(\"ES256\", p256), "
	    "\".\")\n");
	assert_true(o < len);
	p = policy(text, NULL);
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		snprintf(q, sizeof(q), "[io.jwt.verify_%s(data.t.tok(\"%s\", "
		    "data.t.%s), data.t.%s_pub), data.t.dv(\"%s\", data.t.%s, "
		    "data.t.%s_pub), io.jwt.verify_%s(data.t.tok(\"%s\", "
		    "data.t.%s), data.t.ed_pub)]", algs[i][2], algs[i][0],
		    algs[i][1], algs[i][1], algs[i][0], algs[i][1], algs[i][1],
		    algs[i][2], algs[i][0], algs[i][1]);
		got = eval_json(p, q, NULL, NULL, true, NULL);
		if (got == NULL || strcmp(got, "[true,true,false]") != 0)
			fail_msg("%s: %s", algs[i][0], got != NULL ? got :
			    "undefined");
		free(got);
	}
	expect(p, "[io.jwt.verify_eddsa(data.t.edtok, data.t.ed_pub), "
	    "io.jwt.decode_verify(data.t.edtok, {\"cert\": data.t.ed_pub})[0], "
	    "io.jwt.verify_eddsa(data.t.edtok, data.t.p256_pub)]", NULL,
	    "[true,true,false]");
	expect(p, "io.jwt.decode_verify(data.t.kidtok, {\"cert\": "
	    "data.t.jwks})[0]", NULL, "true");
	expect(p, "data.t.privjwk", NULL, "false");
	/* tampered payload, wrong secret, expired */
	expect(p, "data.t.tampered", NULL, "false");
	expect(p, "io.jwt.decode_verify(io.jwt.encode_sign({\"alg\": "
	    "\"HS256\"}, {\"exp\": 1}, {\"kty\": \"oct\", \"k\": \"c2s\"}), "
	    "{\"secret\": \"sk\"})[0]", NULL, "false");
	expect(p, "io.jwt.decode_verify(io.jwt.encode_sign({\"alg\": "
	    "\"HS256\"}, {\"exp\": 4102444800}, {\"kty\": \"oct\", \"k\": "
	    "\"c2s\"}), {\"secret\": \"sk\"})[0]", NULL, "true");
	ccakit_rego_policy_free(&p);
	free(text);
	for (i = 0; i < 4; i++)
		EVP_PKEY_free(keys[i]);
	EVP_PKEY_free(ed);
}

static void
test_x509_verify(void **state)
{
	EVP_PKEY *ck = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *ik = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *lk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *ca = make_cert(ck, "Root", ck, NULL, true, NULL, 86400);
	X509 *mid = make_cert(ik, "Mid", ck, ca, true, NULL, 86400);
	X509 *leaf = make_cert(lk, "leaf.example", ik, mid, false,
	    "clientAuth", 86400);
	X509 *srv = make_cert(lk, "srv.example", ik, mid, false,
	    "serverAuth", 86400);
	char *chain = calloc(1, 16384), *srvchain = calloc(1, 16384);
	char *text = malloc(65536);
	ccakit_rego_policy *p;

	(void)state;
	assert_non_null(chain);
	assert_non_null(srvchain);
	assert_non_null(text);
	append_cert(chain, 16384, ca);
	append_cert(chain, 16384, mid);
	strcpy(srvchain, chain);
	append_cert(chain, 16384, leaf);
	append_cert(srvchain, 16384, srv);
	snprintf(text, 65536, "package t\n"
	    "c := `%s`\ns := `%s`\n"
	    "v(certs, o) := [r[0], [x.Subject.CommonName | some x in r[1]]] "
	    "if r := crypto.x509.parse_and_verify_certificates_with_options("
	    "certs, o)\n", chain, srvchain);
	p = policy(text, NULL);
	/* Go's default usage is serverAuth: a clientAuth leaf fails... */
	expect(p, "crypto.x509.parse_and_verify_certificates(data.t.c)",
	    NULL, "[false,[]]");
	expect(p, "[x.Subject.CommonName | some x in "
	    "crypto.x509.parse_and_verify_certificates(data.t.s)[1]]", NULL,
	    "[\"srv.example\",\"Mid\",\"Root\"]");
	/* ...unless asked for clientAuth (or any) */
	expect(p, "data.t.v(data.t.c, {\"KeyUsages\": "
	    "[\"KeyUsageClientAuth\"]})", NULL,
	    "[true,[\"leaf.example\",\"Mid\",\"Root\"]]");
	expect(p, "data.t.v(data.t.c, {\"KeyUsages\": {\"KeyUsageAny\"}})[0]",
	    NULL, "true");
	/* host name and time */
	expect(p, "[data.t.v(data.t.s, {\"DNSName\": \"srv.example\"})[0], "
	    "data.t.v(data.t.s, {\"DNSName\": \"other.example\"})[0], "
	    "data.t.v(data.t.s, {\"CurrentTime\": 0})[0]]", NULL,
	    "[true,false,false]");
	eval_error(p, "data.t.v(data.t.s, {\"KeyUsages\": [\"bogus\", "
	    "\"KeyUsageAny\", \"more\"]})", true, "eval_builtin_error",
	    "invalid entries for 'KeyUsages' found: [bogus more]");
	eval_error(p, "data.t.v(data.t.s, {\"Other\": 1})", true,
	    "eval_builtin_error", "invalid key option");
	/* one certificate cannot be verified */
	expect(p, "crypto.x509.parse_and_verify_certificates(concat(\"\", "
	    "[\"-----BEGIN\", split(data.t.s, \"-----BEGIN\")[1]]))", NULL,
	    "[false,[]]");
	ccakit_rego_policy_free(&p);
	X509_free(ca);
	X509_free(mid);
	X509_free(leaf);
	X509_free(srv);
	EVP_PKEY_free(ck);
	EVP_PKEY_free(ik);
	EVP_PKEY_free(lk);
	free(chain);
	free(srvchain);
	free(text);
}

/* Hostile or odd inputs: bounded work, Go's error offsets. */
static void
test_crypto_inputs(void **state)
{
	ccakit_rego_policy *p = policy("package t\n"
	    "hs := io.jwt.encode_sign({\"alg\": \"HS256\"}, {}, "
	    "{\"kty\": \"oct\", \"k\": \"c2s\"})\n", NULL);
	char *text, *q, *tok, *got;
	size_t i, n, len = 8u << 20;

	(void)state;
	/* Go's base64: missing padding, trailing data, CR/LF skipped */
	eval_error(p, "crypto.x509.parse_certificates(\"YQ\")", true,
	    "eval_builtin_error", "illegal base64 data at input byte 0");
	eval_error(p, "crypto.x509.parse_certificates(\"YQ==YQ==\")", true,
	    "eval_builtin_error", "illegal base64 data at input byte 4");
	eval_error(p, "crypto.x509.parse_certificates(\"Y\\nQ==\")", true,
	    "eval_builtin_error", "x509: malformed certificate");
	expect(p, "crypto.x509.parse_certificates(\"\")", NULL, "[]");
	/* many BEGIN lines sharing one END: linear, not quadratic (Go's
	 * pem.Decode searches again from each) */
	text = malloc(len);
	assert_non_null(text);
	snprintf(text, len, "package t\nc := `");
	n = strlen(text);
	for (i = 0; n + 40 < (2u << 20); i++) {
		memcpy(text + n, "-----BEGIN A-----\nQUJD\n", 23);
		n += 23;
	}
	snprintf(text + n, len - n, "-----BEGIN CERTIFICATE-----\nMAA=\n"
	    "-----END CERTIFICATE-----\n`\n");
	{
		ccakit_rego_policy *pj = policy(text, NULL);
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		/* the one block found is the CERTIFICATE (DER 30 00) */
		eval_error(pj, "crypto.x509.parse_certificates(data.t.c)", true,
		    "eval_builtin_error", "x509: malformed certificate");
		clock_gettime(CLOCK_MONOTONIC, &t1);
		assert_true(t1.tv_sec - t0.tv_sec < 10);
		ccakit_rego_policy_free(&pj);
	}
	free(text);
	expect(p, "[crypto.hmac.equal(\"abc\", \"abcd\"), "
	    "crypto.hmac.equal(\"\", \"\"), crypto.hmac.equal(\"ab\", \"ac\")]",
	    NULL, "[false,true,false]");
	eval_error(p, "io.jwt.verify_hs256(data.t.hs, 5)", true,
	    "eval_type_error", "operand 2 must be string but got number");
	eval_error(p, "io.jwt.decode_verify(data.t.hs, {\"secret\": \"k\", "
	    "\"cert\": \"{\\\"kty\\\": \\\"oct\\\", \\\"k\\\": \\\"c2s\\\"}\"})",
	    true, "eval_builtin_error", "duplicate key constraints");
	eval_error(p, "io.jwt.decode_verify(data.t.hs, {\"secret\": \"k\", "
	    "\"time\": -1})", true, "eval_builtin_error",
	    "token time constraint: must not be negative");
	eval_error(p, "io.jwt.decode_verify(data.t.hs, {\"secrets\": \"k\"})",
	    true, "eval_builtin_error",
	    "unknown token validation constraint: secrets");
	/* nested tokens (cty JWT) stop at a fixed depth */
	text = malloc(len);
	q = malloc(len + 64);
	assert_non_null(text);
	assert_non_null(q);
	strcpy(text, "e30.e30.");
	for (i = 0; i < 34; i++) {
		static const char hdr[] = "eyJjdHkiOiJKV1QifQ";  /* cty JWT */

		n = ccakit_b64_encoded_len(strlen(text), CCAKIT_B64_URL);
		tok = malloc(sizeof(hdr) + n + 4);
		assert_non_null(tok);
		memcpy(tok, hdr, sizeof(hdr) - 1);
		tok[sizeof(hdr) - 1] = '.';
		assert_int_equal(ccakit_b64_encode((const uint8_t *)text,
		    strlen(text), CCAKIT_B64_URL, tok + sizeof(hdr),
		    n + 1), CCAKIT_OK);
		strcat(tok, ".");
		assert_true(strlen(tok) < len);
		strcpy(text, tok);
		free(tok);
	}
	snprintf(q, len + 64, "io.jwt.decode(\"%s\")", text);
	eval_error(p, q, true, "eval_builtin_error",
	    "io.jwt.decode: nested JWT deeper than 32");
	/* an oversized token is refused before any decoding */
	memset(text, 'A', len - 1);
	text[len - 1] = '\0';
	text[10] = '.';
	text[20] = '.';
	snprintf(q, len + 64, "io.jwt.decode(\"%s\")", text);
	got = eval_json(p, q, NULL, NULL, false, NULL);
	assert_null(got);
	eval_error(p, q, true, "eval_builtin_error",
	    "encoded JWT exceeds 4194304 bytes");
	free(text);
	free(q);
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
		cmocka_unit_test(test_doc_builtin_limits),
		cmocka_unit_test(test_yaml_semantics),
		cmocka_unit_test(test_now_fixed),
		cmocka_unit_test(test_net_cidr),
		cmocka_unit_test(test_net_cidr_large),
		cmocka_unit_test(test_jwt_roundtrip),
		cmocka_unit_test(test_x509_verify),
		cmocka_unit_test(test_crypto_inputs),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_regex_dialect),
		cmocka_unit_test(test_regex_limits),
		cmocka_unit_test(test_regex_threads),
		cmocka_unit_test(test_glob),
		cmocka_unit_test(test_units_semver_uuid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
