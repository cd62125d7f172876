/*
 * libFuzzer harness for EAR claims in JSON (ccakit_ear_from_json). An
 * accepted claims set serializes, the serialization parses, and parsing
 * it again gives the same text; every accessor works on it. Then the
 * release policy (builtin:default, Rego) runs on it: it must decide,
 * never fail.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/bytes.h>
#include <ccakit/ear.h>
#include <ccakit/err.h>
#include <ccakit/rego.h>
#include <ccakit/tv.h>

#include "broker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond)
		abort();
}

/* The default policy with one approved RIM, compiled once. */
static kbs_policy *pol;
static ccakit_rego_doc *pdata;

static void
policy_init(void)
{
	static const uint8_t rim[32];
	struct ccakit_bytes rims[1] = { { rim, sizeof(rim) } };
	const char *text = kbs_release_policy_builtin("default");

	if (pol != NULL)
		return;
	check(text != NULL);
	check(kbs_policy_new("default.rego", text, strlen(text), &pol,
	    NULL) == CCAKIT_OK);
	check(kbs_policy_data_new(rims, 1, &pdata) == CCAKIT_OK);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ccakit_errdetail d;
	struct ccakit_tv tv;
	enum ccakit_tier t;
	ccakit_ear *e = NULL, *e2 = NULL;
	char *a = NULL, *b = NULL, *s = NULL;
	uint8_t buf[128];
	const char *name;
	size_t i, n;
	int r;

	if ((e = ccakit_ear_new()) == NULL || (e2 = ccakit_ear_new()) == NULL)
		goto out;
	if ((r = ccakit_ear_from_json(e, (const char *)data, size, &d)) !=
	    CCAKIT_OK) {
		check(d.code == r && ccakit_ear_submod_count(e) == 0);
		goto out;
	}
	check(ccakit_ear_submod_count(e) >= 1 &&
	    ccakit_ear_submod_count(e) <= CCAKIT_EAR_MAX_SUBMODS);
	for (i = 0; (name = ccakit_ear_submod_name(e, i)) != NULL; i++) {
		check(ccakit_ear_submod_status(e, name, &t) == CCAKIT_OK);
		check(ccakit_ear_submod_tv(e, name, &tv) == CCAKIT_OK);
		if (ccakit_ear_submod_annotated_evidence(e, name, &s) ==
		    CCAKIT_OK)
			free(s);
		s = NULL;
	}
	(void)ccakit_ear_nonce(e, buf, sizeof(buf), &n);
	policy_init();
	r = kbs_policy_eval(pol, e, pdata, NULL);
	check(r == CCAKIT_OK || r == CCAKIT_ERR_POLICY);
	check(ccakit_ear_to_json(e, 0, &a) == CCAKIT_OK);
	check(ccakit_ear_from_json(e2, a, strlen(a), NULL) == CCAKIT_OK);
	check(ccakit_ear_to_json(e2, 0, &b) == CCAKIT_OK);
	check(strcmp(a, b) == 0);
out:
	free(a);
	free(b);
	ccakit_ear_free(&e);
	ccakit_ear_free(&e2);
	return 0;
}
