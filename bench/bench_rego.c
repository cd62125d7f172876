/*
 * bench-rego: the Rego policies a Trustee-style key broker evaluates once
 * per attestation, against the signature work they gate.
 *
 *   (a) Trustee's attestation-service EAR policy
 *       (ear_default_policy_cpu.rego) on CCA claims: both rules the AS
 *       evaluates, data.policy.trust_claims and data.policy.extensions,
 *       with a native query_reference_value;
 *   (b) the KBS resource policy (kbs/default.rego) on an EAR:
 *       data.policy.allow.
 *
 * Policies and queries are compiled once; each evaluation runs on a
 * reused ccakit_rego_eval (as a server thread would). Printed: the cost
 * of one evaluation of each (best of three rounds), heap allocations and
 * evaluation memory per evaluation, the cost of one raw OpenSSL P-384
 * verification measured in the same run, and
 *
 *   ratio = (5 % of one raw P-384 verification) / (cost of (a) + (b))
 *
 * (the policy may cost no more than 5 % of the signature work it gates:
 * target >= 1). The policies and their inputs are upstream files read at
 * run time from $CCAKIT_VECTORS/rego/policies/trustee (default
 * ../shared/vectors beside the source tree); without them, ccakit's own
 * equivalents (bench/rego/ear-cca.rego and kbs-resource.rego, the same
 * kind of work) run on the emulated realm's claims (demo/), and the
 * output says so. Also printed, outside the ratio: (a) on the emulated
 * realm's claims, both with a new evaluation context each time, and
 * keybroker-server's own release policy (builtin:default) on the
 * embedded verifier's EAR, as the server calls it (EAR to JSON to input
 * included).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ccakit/appraise.h>
#include <ccakit/ear.h>
#include <ccakit/err.h>
#include <ccakit/rego.h>
#include <ccakit/store.h>
#include <ccakit/token.h>

#define ALLOCCOUNT_REPLACE_MALLOC
#include "alloccount.h"
#include "broker.h"
#include "loadgen.h"

#ifndef CCAKIT_SOURCE_DIR
#define CCAKIT_SOURCE_DIR "."
#endif

#define ROUND_SECONDS   1.0
#define ROUNDS          3
#define ALLOC_RUNS      1000
#define CHALLENGE_LEN   64      /* the key broker's challenge */

#define AS_DIR   "rego/policies/trustee/attestation-service"
#define KBS_DIR  "rego/policies/trustee/kbs"
#define OWN_DIR  CCAKIT_SOURCE_DIR "/bench/rego"

static void
usage(void)
{
	fprintf(stderr, "usage: bench-rego [-V VECTORS_DIR] [-d DEMO_DIR]\n");
	exit(1);
}

static char *
read_file(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL)
		lg_die("%s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n + 1)) ==
	    NULL || fread(buf, 1, (size_t)n, f) != (size_t)n)
		lg_die("%s: cannot read", path);
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

static ccakit_rego_doc *
read_doc(const char *dir, const char *name)
{
	ccakit_rego_doc *d = NULL;
	struct ccakit_errdetail ed;
	size_t len;
	char *text = read_file(dir, name, &len);

	if (ccakit_rego_doc_parse(text, len, &d, &ed) != CCAKIT_OK)
		lg_die("%s/%s: %s", dir, name, ed.text);
	free(text);
	return d;
}

static const ccakit_rego_value *
member(const ccakit_rego_doc *d, const char *key, const char *what)
{
	const ccakit_rego_value *v = ccakit_rego_get(ccakit_rego_doc_value(d),
	    key);

	if (v == NULL)
		lg_die("%s: no \"%s\"", what, key);
	return v;
}

/* Trustee's query_reference_value(id): the reference values registered
 * under id, or null (the evaluation's user pointer points to an object
 * id -> values, what RVPS would serve). */
static int
qrv(ccakit_rego_bictx *ctx, const ccakit_rego_value *const *args,
    const ccakit_rego_value **out)
{
	const ccakit_rego_value *const *user = ccakit_rego_bi_user(ctx);
	const ccakit_rego_value *rvs = *user, *v;
	const char *id = ccakit_rego_str(args[0], NULL);

	if (id == NULL)
		return ccakit_rego_bi_type_error(ctx, 1, "string", args[0]);
	v = rvs != NULL ? ccakit_rego_get(rvs, id) : NULL;
	*out = v != NULL ? v : ccakit_rego_null();
	return CCAKIT_OK;
}

static ccakit_rego_policy *
compile_policy(const char *dir, const char *name, bool with_qrv)
{
	struct ccakit_rego_builtin bi = { "query_reference_value", 1, qrv, 0 };
	ccakit_rego_policy *p = ccakit_rego_policy_new();
	struct ccakit_errdetail ed;
	size_t len;
	char *text = read_file(dir, name, &len);

	if (p == NULL || (with_qrv && ccakit_rego_add_builtin(p, &bi) !=
	    CCAKIT_OK) || ccakit_rego_add_module(p, name, text, len, &ed) !=
	    CCAKIT_OK || ccakit_rego_compile(p, &ed) != CCAKIT_OK)
		lg_die("%s/%s: %s", dir, name, ed.text);
	free(text);
	return p;
}

static ccakit_rego_query *
compile_query(const ccakit_rego_policy *p, const char *text)
{
	ccakit_rego_query *q = NULL;
	struct ccakit_errdetail ed;

	if (ccakit_rego_query_new(p, text, &q, &ed) != CCAKIT_OK)
		lg_die("query %s: %s", text, ed.text);
	return q;
}

/* One policy decision: the queries evaluated in turn. */
struct job {
	const char *name;
	ccakit_rego_query *q[2];
	size_t nq;
	struct ccakit_rego_eval_opts o;
	ccakit_rego_eval *ev;
	bool fresh;             /* a new context per evaluation */
	/* results */
	double us;              /* per evaluation (all queries) */
	double allocs;          /* heap allocations per evaluation */
	size_t mem;             /* evaluation memory (arena bytes, max) */
	uint64_t steps;         /* all queries */
};

/* Evaluate the queries; the first one's value is checked against want
 * (when not NULL) before the next run replaces it. */
static void
job_run(struct job *j, const ccakit_rego_value *want)
{
	struct ccakit_errdetail ed;
	const ccakit_rego_value *v;
	char *js = NULL;
	size_t i;

	if (j->fresh) {
		ccakit_rego_eval_free(&j->ev);
		if ((j->ev = ccakit_rego_eval_new()) == NULL)
			lg_die("out of memory");
	}
	for (i = 0; i < j->nq; i++) {
		if (ccakit_rego_eval_value(j->ev, j->q[i], &j->o, &v, &ed) !=
		    CCAKIT_OK)
			lg_die("%s: %s", j->name, ed.text);
		if (v == NULL)
			lg_die("%s: query %zu undefined", j->name, i);
		if (i == 0)
			j->steps = 0;
		j->steps += ccakit_rego_eval_steps(j->ev);
		if (ccakit_rego_eval_memory(j->ev) > j->mem)
			j->mem = ccakit_rego_eval_memory(j->ev);
		if (i == 0 && want != NULL && ccakit_rego_compare(v, want) !=
		    0) {
			(void)ccakit_rego_to_json(v, 0, &js);
			lg_die("%s: unexpected result %s", j->name,
			    js != NULL ? js : "?");
		}
	}
}

/* The cost of fn(arg) (best of ROUNDS rounds) and its heap allocations,
 * per call. */
static void
measure(void (*fn)(void *), void *arg, double *us, double *allocs)
{
	double t0, t, best = 0, rate;
	size_t n, i;
	int round;

	for (round = 0; round < ROUNDS; round++) {
		t0 = lg_now();
		for (n = 0; (t = lg_now() - t0) < ROUND_SECONDS; n++)
			fn(arg);
		if ((rate = (double)n / t) > best)
			best = rate;
	}
	*us = 1e6 / best;
	ac_start();
	for (i = 0; i < ALLOC_RUNS; i++)
		fn(arg);
	*allocs = (double)ac_stop() / ALLOC_RUNS;
}

static void
job_once(void *arg)
{
	job_run(arg, NULL);
}

static void
job_measure(struct job *j)
{
	measure(job_once, j, &j->us, &j->allocs);
}

static void
job_print(const struct job *j)
{
	printf("%-34s %9.2f us  %7.1f allocs  %7zu B arena  %5llu steps\n",
	    j->name, j->us, j->allocs, j->mem,
	    (unsigned long long)j->steps);
}

/* The value of x in the query `x := ...` over input, as a document. */
static ccakit_rego_doc *
reshape(const ccakit_rego_value *input, const char *query)
{
	ccakit_rego_policy *p = ccakit_rego_policy_new();
	ccakit_rego_eval *ev = ccakit_rego_eval_new();
	ccakit_rego_doc *out = NULL;
	struct ccakit_rego_eval_opts o;
	ccakit_rego_query *q;
	char *x = NULL;
	size_t var;

	if (p == NULL || ev == NULL || ccakit_rego_compile(p, NULL) !=
	    CCAKIT_OK)
		lg_die("out of memory");
	q = compile_query(p, query);
	for (var = 0; var < ccakit_rego_query_nvars(q) &&
	    strcmp(ccakit_rego_query_var(q, var), "x") != 0; var++)
		;
	memset(&o, 0, sizeof(o));
	o.input = input;
	if (ccakit_rego_eval_run(ev, q, &o, NULL) != CCAKIT_OK ||
	    ccakit_rego_eval_nresults(ev) != 1 ||
	    ccakit_rego_to_json(ccakit_rego_eval_binding(ev, 0, var), 0,
	    &x) != CCAKIT_OK || ccakit_rego_doc_parse(x, strlen(x), &out,
	    NULL) != CCAKIT_OK)
		lg_die("cannot evaluate %s", query);
	free(x);
	ccakit_rego_query_free(&q);
	ccakit_rego_eval_free(&ev);
	ccakit_rego_policy_free(&p);
	return out;
}

static ccakit_rego_doc *
json_doc(const char *json, const char *what)
{
	ccakit_rego_doc *d = NULL;
	struct ccakit_errdetail ed;

	if (ccakit_rego_doc_parse(json, strlen(json), &d, &ed) != CCAKIT_OK)
		lg_die("%s: %s", what, ed.text);
	return d;
}

/* A token of the emulated realm for the challenge 0x5a... */
static uint8_t *
emulated_token(size_t *len)
{
	uint8_t nonce[CHALLENGE_LEN], *buf;

	memset(nonce, 0x5a, sizeof(nonce));
	if ((buf = malloc(CCAKIT_TOKEN_MAX_SIZE)) == NULL ||
	    lg_realm_token(nonce, buf, CCAKIT_TOKEN_MAX_SIZE, len) != 0)
		lg_die("cannot make a token of the emulated realm");
	return buf;
}

/*
 * The emulated realm's claims in the shape Trustee's CCA verifier gives
 * the AS: {"cca": {"platform": {...}, "realm": {...}}, "report_data":
 * hex of the challenge, "init_data": ""}.
 */
static ccakit_rego_doc *
emulated_input(void)
{
	static const char shape[] =
	    "x := {\"cca\": {\"platform\": input[\"cca-platform-token\"], "
	    "\"realm\": input[\"cca-realm-delegated-token\"]}, "
	    "\"report_data\": hex.encode(base64.decode("
	    "input[\"cca-realm-delegated-token\"][\"cca-realm-challenge\"])), "
	    "\"init_data\": \"\"}";
	ccakit_token *t = ccakit_token_new();
	ccakit_rego_doc *tokdoc, *out;
	char *json = NULL;
	size_t len;
	uint8_t *buf = emulated_token(&len);

	if (t == NULL || ccakit_token_decode(t, buf, len, NULL) != CCAKIT_OK ||
	    ccakit_token_to_json(t, &json) != CCAKIT_OK)
		lg_die("cannot decode the emulated realm's token");
	tokdoc = json_doc(json, "the emulated realm's claims");
	out = reshape(ccakit_rego_doc_value(tokdoc), shape);
	free(json);
	free(buf);
	ccakit_token_free(&t);
	ccakit_rego_doc_free(&tokdoc);
	return out;
}

/* ccakit's stand-ins, on the emulated realm: the reference values of
 * its claims for (a), an EAR of (a)'s trust claims for (b). */
static ccakit_rego_doc *
own_refvals(const ccakit_rego_doc *emu)
{
	static const char shape[] = "p := input.cca.platform; "
	    "r := input.cca.realm; "
	    "x := {\"cca.realm.rim\": [r[\"cca-realm-initial-measurement\"]], "
	    "\"cca.realm.rpv\": [r[\"cca-realm-personalization-value\"]], "
	    "\"cca.platform.implementation-id\": "
	    "[p[\"cca-platform-implementation-id\"]], "
	    "\"cca.platform.instance-id\": [p[\"cca-platform-instance-id\"]], "
	    "\"cca.platform.config\": [p[\"cca-platform-config\"]], "
	    "\"cca.platform.sw-measurement\": [c[\"measurement-value\"] | "
	    "some c in p[\"cca-platform-sw-components\"]]}";

	return reshape(ccakit_rego_doc_value(emu), shape);
}

static ccakit_rego_doc *
own_ear(const ccakit_rego_value *trust_claims, const ccakit_rego_doc *emu)
{
	char *tc = NULL, *ev = NULL, *json;
	ccakit_rego_doc *d;
	size_t n;

	if (ccakit_rego_to_json(trust_claims, 0, &tc) != CCAKIT_OK ||
	    ccakit_rego_to_json(ccakit_rego_doc_value(emu), 0, &ev) !=
	    CCAKIT_OK || (json = malloc(n = strlen(tc) + strlen(ev) +
	    256)) == NULL)
		lg_die("out of memory");
	snprintf(json, n, "{\"eat_profile\": "
	    "\"tag:github.com,2024:confidential-containers/Trustee\", "
	    "\"iat\": 1700000000, \"submods\": {\"cpu0\": {\"ear.status\": "
	    "\"affirming\", \"ear.trustworthiness-vector\": %s, "
	    "\"ear.veraison.annotated-evidence\": %s}}}", tc, ev);
	d = json_doc(json, "the EAR");
	free(json);
	free(tc);
	free(ev);
	return d;
}

/* keybroker-server's release policy (builtin:default) on the embedded
 * verifier's EAR of an emulated token, as the server calls it. */
struct kb {
	kbs_policy *pol;
	ccakit_rego_doc *data;
	ccakit_ear *ear;
	double us, allocs;
};

static void
kb_setup(struct kb *k)
{
	struct ccakit_attest_opts ao;
	struct ccakit_errdetail ed;
	struct ccakit_bytes rim;
	ccakit_ta_store *tas = ccakit_ta_store_new();
	ccakit_token *t = ccakit_token_new();
	char dir[4096], ta[4200];
	const char *text = kbs_release_policy_builtin("default");
	uint8_t nonce[CHALLENGE_LEN], *buf, *tajson;
	size_t len, talen;

	lg_mkdtemp(dir, sizeof(dir));
	snprintf(ta, sizeof(ta), "%s/ta.json", dir);
	lg_realm_setup(CCAKIT_SOURCE_DIR "/demo", ta, NULL);
	tajson = (uint8_t *)read_file(dir, "ta.json", &talen);
	lg_rmdir(dir);
	buf = emulated_token(&len);
	memset(nonce, 0x5a, sizeof(nonce));
	memset(&ao, 0, sizeof(ao));
	ao.nonce = nonce;
	ao.nonce_len = sizeof(nonce);
	if (tas == NULL || t == NULL || text == NULL ||
	    ccakit_ta_store_load_json(tas, (const char *)tajson, talen,
	    NULL) != CCAKIT_OK ||
	    ccakit_token_decode(t, buf, len, NULL) != CCAKIT_OK ||
	    ccakit_attest_cca(buf, len, tas, NULL, &ao, &k->ear, &ed) !=
	    CCAKIT_OK || ed.code != CCAKIT_OK)
		lg_die("the embedded verifier refused the emulated realm");
	rim = ccakit_token_realm(t)->rim;
	if (kbs_policy_new("default.rego", text, strlen(text), &k->pol,
	    &ed) != CCAKIT_OK || kbs_policy_data_new(&rim, 1, &k->data) !=
	    CCAKIT_OK || kbs_policy_eval(k->pol, k->ear, k->data, &ed) !=
	    CCAKIT_OK)
		lg_die("builtin:default does not release: %s", ed.text);
	free(tajson);
	free(buf);
	ccakit_token_free(&t);
	ccakit_ta_store_free(&tas);
}

static void
kb_once(void *arg)
{
	struct kb *k = arg;

	if (kbs_policy_eval(k->pol, k->ear, k->data, NULL) != CCAKIT_OK)
		lg_die("builtin:default: no release");
}

int
main(int argc, char **argv)
{
	static const char own_expected[] = "{\"executables\": 2, "
	    "\"hardware\": 2, \"configuration\": 2, \"file-system\": 0, "
	    "\"instance-identity\": 2, \"runtime-opaque\": 2, "
	    "\"storage-opaque\": 0, \"sourced-data\": 0}";
	static const char own_kbs_data[] = "{\"plugin\": \"resource\", "
	    "\"resource-path\": [\"default\", \"key\", \"1\"], \"query\": {}}";
	const char *vec = getenv("CCAKIT_VECTORS");
	const char *demo = CCAKIT_SOURCE_DIR "/demo";
	char as_dir[4096], kbs_dir[4096], missing[4096];
	ccakit_rego_policy *pa, *pb;
	ccakit_rego_doc *ta = NULL, *tb = NULL, *emu, *own_rv = NULL;
	ccakit_rego_doc *own_want = NULL, *own_in = NULL, *own_data = NULL;
	const ccakit_rego_value *rvs, *want_a, *v;
	struct job a, b, e, fa, fb;
	struct kb kb;
	struct stat st;
	double bound, verify_us, ratio;
	struct lg_bound raw = { 0, 0 };
	bool upstream;
	int c;

	lg_init("bench-rego");
	if (vec == NULL || vec[0] == '\0')
		vec = CCAKIT_SOURCE_DIR "/../shared/vectors";
	while ((c = getopt(argc, argv, "V:d:")) != -1) {
		switch (c) {
		case 'V':
			vec = optarg;
			break;
		case 'd':
			demo = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	snprintf(as_dir, sizeof(as_dir), "%s/%s", vec, AS_DIR);
	snprintf(kbs_dir, sizeof(kbs_dir), "%s/%s", vec, KBS_DIR);
	upstream = stat(as_dir, &st) == 0 && stat(kbs_dir, &st) == 0;
	if (!upstream)
		snprintf(missing, sizeof(missing), "%s",
		    stat(as_dir, &st) != 0 ? as_dir : kbs_dir);
	lg_realm_setup(demo, NULL, NULL);
	emu = emulated_input();
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));

	/* (a) the AS EAR policy on CCA claims */
	a.q[1] = NULL;
	if (upstream) {
		pa = compile_policy(as_dir, "ear_default_policy_cpu.rego",
		    true);
		ta = read_doc(as_dir, "ear_default_policy_cpu.cca."
		    "trust_claims.test.json");
		a.name = "(a) AS ear_default_policy_cpu";
		a.o.input = member(ta, "input", "AS check");
		rvs = ccakit_rego_get(member(ta, "data", "AS check"),
		    "reference_values");
		want_a = member(ta, "expected", "AS check");
	} else {
		pa = compile_policy(OWN_DIR, "ear-cca.rego", true);
		a.name = "(a) ccakit's ear-cca.rego";
		a.o.input = ccakit_rego_doc_value(emu);
		own_rv = own_refvals(emu);
		rvs = ccakit_rego_doc_value(own_rv);
		own_want = json_doc(own_expected, "expected trust claims");
		want_a = ccakit_rego_doc_value(own_want);
	}
	a.q[0] = compile_query(pa, "data.policy.trust_claims");
	a.q[1] = compile_query(pa, "data.policy.extensions");
	a.nq = 2;
	a.o.user = &rvs;
	if ((a.ev = ccakit_rego_eval_new()) == NULL)
		lg_die("out of memory");
	job_run(&a, want_a);

	/* (b) the KBS resource policy on an EAR */
	if (upstream) {
		pb = compile_policy(kbs_dir, "default.rego", false);
		tb = read_doc(kbs_dir, "default.cca-evidence-allowed.test.json");
		b.name = "(b) KBS default.rego";
		b.o.input = member(tb, "input", "KBS check");
		b.o.data = member(tb, "data", "KBS check");
		v = member(tb, "expected", "KBS check");
	} else {
		const ccakit_rego_value *tc;

		pb = compile_policy(OWN_DIR, "kbs-resource.rego", false);
		b.name = "(b) ccakit's kbs-resource.rego";
		if (ccakit_rego_eval_value(a.ev, a.q[0], &a.o, &tc, NULL) !=
		    CCAKIT_OK || tc == NULL)
			lg_die("(a): no trust claims");
		own_in = own_ear(tc, emu);
		own_data = json_doc(own_kbs_data, "the resource path");
		b.o.input = ccakit_rego_doc_value(own_in);
		b.o.data = ccakit_rego_doc_value(own_data);
		v = ccakit_rego_boolean(true);
	}
	b.q[0] = compile_query(pb, "data.policy.allow");
	b.nq = 1;
	if ((b.ev = ccakit_rego_eval_new()) == NULL)
		lg_die("out of memory");
	job_run(&b, v);

	/* (a) on the emulated realm's claims (upstream: the vector's
	 * reference values) */
	e = a;
	e.name = "(a) on the emulated realm's claims";
	e.o.input = ccakit_rego_doc_value(emu);
	if ((e.ev = ccakit_rego_eval_new()) == NULL)
		lg_die("out of memory");
	job_run(&e, want_a);

	/* (a) and (b) with a new context per evaluation */
	fa = a;
	fa.name = "(a) with a new context each time";
	fa.fresh = true;
	fa.ev = NULL;
	fb = b;
	fb.name = "(b) with a new context each time";
	fb.fresh = true;
	fb.ev = NULL;

	/* keybroker-server's own release policy */
	memset(&kb, 0, sizeof(kb));
	kb_setup(&kb);

	lg_measure_bound(&raw);
	bound = raw.openssl;            /* tokens/s: 2 verifies each */
	verify_us = 1e6 / (2 * bound);
	job_measure(&a);
	job_measure(&b);
	if (upstream)
		job_measure(&e);
	job_measure(&fa);
	job_measure(&fb);
	measure(kb_once, &kb, &kb.us, &kb.allocs);

	if (upstream)
		printf("policies: Trustee's, from %s/rego/policies/trustee\n",
		    vec);
	else
		printf("policies: %s not found: ccakit's equivalents "
		    "(bench/rego/ear-cca.rego, kbs-resource.rego) on the "
		    "emulated realm, not Trustee's policies\n", missing);
	printf("policies and queries compiled once; per evaluation%s:\n",
	    ac_enabled() ? "" : " (allocations not counted)");
	job_print(&a);
	job_print(&b);
	if (upstream)
		job_print(&e);
	job_print(&fa);
	job_print(&fb);
	printf("%-34s %9.2f us  %7.1f allocs  (EAR to input included)\n",
	    "keybroker-server builtin:default", kb.us, kb.allocs);
	printf("%-34s %9.2f us\n", "(a) + (b)", a.us + b.us);
	printf("%-34s %9.2f us\n", "raw P-384 verify, OpenSSL (EVP)",
	    verify_us);
	printf("%-34s %9.2f us\n", "5 % of it (the budget)",
	    0.05 * verify_us);
	ratio = 0.05 * verify_us / (a.us + b.us);
	printf("ratio %.3f\n", ratio);

	ccakit_rego_eval_free(&a.ev);
	ccakit_rego_eval_free(&b.ev);
	ccakit_rego_eval_free(&e.ev);
	ccakit_rego_eval_free(&fa.ev);
	ccakit_rego_eval_free(&fb.ev);
	ccakit_rego_query_free(&a.q[0]);
	ccakit_rego_query_free(&a.q[1]);
	ccakit_rego_query_free(&b.q[0]);
	ccakit_rego_doc_free(&ta);
	ccakit_rego_doc_free(&tb);
	ccakit_rego_doc_free(&emu);
	ccakit_rego_doc_free(&own_rv);
	ccakit_rego_doc_free(&own_want);
	ccakit_rego_doc_free(&own_in);
	ccakit_rego_doc_free(&own_data);
	ccakit_rego_policy_free(&pa);
	ccakit_rego_policy_free(&pb);
	kbs_policy_free(&kb.pol);
	ccakit_rego_doc_free(&kb.data);
	ccakit_ear_free(&kb.ear);
	lg_cleanup();
	return 0;
}
