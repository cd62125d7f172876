/*
 * libFuzzer harness for Rego evaluation: the input is a module, a line
 * "---", then an input document (JSON). A module that compiles is
 * evaluated (the whole `data` document, under small limits) in strict
 * and non-strict modes. Properties: no crash or hang, every error is a
 * Rego evaluation error or a limit, results are deterministic, so that a
 * replay gives what the fuzzer saw. The non-deterministic built-ins are
 * therefore skipped: rand.intn and uuid.rfc4122 are shadowed by custom
 * built-ins that are undefined, time.now_ns (and the clock of
 * io.jwt.decode_verify and the x509 verifiers) is fixed by the
 * evaluation's now_ns, http.send never reaches the network. ECDSA and
 * RSA-PSS signatures (io.jwt.encode_sign*) are randomized by design:
 * for a module that signs, only the outcome must repeat.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/err.h>
#include <ccakit/rego.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *
find(const uint8_t *h, size_t hn, const char *n, size_t nn)
{
	size_t i;

	for (i = 0; i + nn <= hn; i++)
		if (memcmp(h + i, n, nn) == 0)
			return h + i;
	return NULL;
}

/* A skipped built-in: undefined. */
static int
skipped(ccakit_rego_bictx *ctx, const ccakit_rego_value *const *args,
    const ccakit_rego_value **out)
{
	(void)ctx;
	(void)args;
	*out = NULL;
	return CCAKIT_OK;
}

/* The built-ins whose results differ from one evaluation to the next. */
static const struct ccakit_rego_builtin skip[] = {
	{ "rand.intn", 2, skipped, CCAKIT_REGO_BI_NONDET },
	{ "uuid.rfc4122", 1, skipped, CCAKIT_REGO_BI_NONDET },
};

/* Signatures that differ each time (the module may sign). */
static bool
signs(const uint8_t *m, size_t n)
{
	return find(m, n, "encode_sign", strlen("encode_sign")) != NULL;
}

static void
check(int cond)
{
	if (!cond)
		abort();
}

static char *
run(const ccakit_rego_query *q, const ccakit_rego_value *input,
    bool strict, int *rc)
{
	ccakit_rego_eval *ev = ccakit_rego_eval_new();
	struct ccakit_rego_eval_opts o;
	const ccakit_rego_value *v = NULL;
	char *json = NULL;

	check(ev != NULL);
	memset(&o, 0, sizeof(o));
	o.input = input;
	o.strict_builtin_errors = strict;
	o.max_steps = 200000;
	o.max_memory = 32u << 20;
	o.max_stack = 256 * 1024;
	o.now_ns = 1700000000000000000LL;
	*rc = ccakit_rego_eval_value(ev, q, &o, &v, NULL);
	check(*rc == CCAKIT_OK || *rc == CCAKIT_ERR_REGO_EVAL ||
	    *rc == CCAKIT_ERR_REGO_LIMIT);
	if (*rc != CCAKIT_OK)
		check(ccakit_rego_eval_error(ev) != NULL);
	else if (v != NULL && ccakit_rego_to_json(v, 0, &json) != CCAKIT_OK)
		json = NULL;
	ccakit_rego_eval_free(&ev);
	return json;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *sep = "\n---\n";
	const uint8_t *mid;
	ccakit_rego_policy *p;
	ccakit_rego_query *q = NULL;
	ccakit_rego_doc *in = NULL;
	size_t mlen;
	int strict, r1, r2;
	bool random;
	size_t i;

	if (size > 64 * 1024)
		return 0;
	mid = find(data, size, sep, strlen(sep));
	mlen = mid != NULL ? (size_t)(mid - data) : size;
	if ((p = ccakit_rego_policy_new()) == NULL)
		return 0;
	for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		check(ccakit_rego_add_builtin(p, &skip[i]) == CCAKIT_OK);
	if (ccakit_rego_add_module(p, "fuzz.rego", (const char *)data, mlen,
	    NULL) != CCAKIT_OK || ccakit_rego_compile(p, NULL) != CCAKIT_OK ||
	    ccakit_rego_query_new(p, "data", &q, NULL) != CCAKIT_OK)
		goto out;
	random = signs(data, mlen);
	if (mid != NULL)
		(void)ccakit_rego_doc_parse((const char *)mid + strlen(sep),
		    size - mlen - strlen(sep), &in, NULL);
	for (strict = 0; strict < 2; strict++) {
		char *a = run(q, ccakit_rego_doc_value(in), strict, &r1);
		char *b;

		if (r1 == CCAKIT_ERR_REGO_LIMIT) {
			free(a);
			continue;  /* limits depend on the allocator state */
		}
		b = run(q, ccakit_rego_doc_value(in), strict, &r2);
		check(r1 == r2 || r2 == CCAKIT_ERR_REGO_LIMIT);
		if (r1 == CCAKIT_OK && r2 == CCAKIT_OK && !random)
			check((a == NULL && b == NULL) || (a != NULL &&
			    b != NULL && strcmp(a, b) == 0));
		free(a);
		free(b);
	}
out:
	ccakit_rego_doc_free(&in);
	ccakit_rego_query_free(&q);
	ccakit_rego_policy_free(&p);
	return 0;
}
