/*
 * libFuzzer harness for the Rego parser and compiler: the input is a
 * module (then, if it compiles, also a query against it). Properties:
 * no crash, a failure always carries a diagnostic with OPA's code, and
 * compiling is deterministic.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/err.h>
#include <ccakit/rego.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond)
		abort();
}

static int
compile(const char *text, size_t size, ccakit_rego_policy **out)
{
	ccakit_rego_policy *p = ccakit_rego_policy_new();
	struct ccakit_errdetail d;
	int rc;

	check(p != NULL);
	rc = ccakit_rego_add_module(p, "fuzz.rego", text, size, &d);
	if (rc == CCAKIT_OK)
		rc = ccakit_rego_compile(p, &d);
	if (rc == CCAKIT_ERR_REGO_PARSE || rc == CCAKIT_ERR_REGO_COMPILE) {
		check(ccakit_rego_policy_nerrors(p) > 0);
		check(ccakit_rego_policy_error(p, 0)->code != NULL);
		check(d.what != NULL);
	}
	*out = p;
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ccakit_rego_policy *p, *p2;
	ccakit_rego_query *q = NULL;
	char *text;
	int r1, r2;

	if (size > 64 * 1024)
		return 0;
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	r1 = compile(text, size, &p);
	r2 = compile(text, size, &p2);
	check(r1 == r2);
	ccakit_rego_policy_free(&p2);
	if (r1 != CCAKIT_OK) {
		/* the text as a query against an empty policy */
		ccakit_rego_policy_free(&p);
		p = ccakit_rego_policy_new();
		check(p != NULL);
		if (ccakit_rego_compile(p, NULL) == CCAKIT_OK &&
		    memchr(text, '\0', size) == NULL &&
		    ccakit_rego_query_new(p, text, &q, NULL) != CCAKIT_OK)
			check(ccakit_rego_query_nerrors(q) > 0);
	} else if (ccakit_rego_query_new(p, "data", &q, NULL) != CCAKIT_OK) {
		abort();
	}
	ccakit_rego_query_free(&q);
	ccakit_rego_policy_free(&p);
	free(text);
	return 0;
}
