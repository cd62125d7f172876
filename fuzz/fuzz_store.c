/*
 * libFuzzer harness for the trust-anchor and reference-value loaders:
 * the same input goes to both. Whatever loads must write out as JSON
 * that loads again and writes out identically, and must answer lookups.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/err.h>
#include <ccakit/store.h>

#include "store/store_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond)
		abort();
}

static void
fuzz_ta(const char *json, size_t len)
{
	struct ccakit_errdetail d;
	ccakit_ta_store *s, *s2;
	char *out = NULL, *out2 = NULL;
	uint8_t impl[32], inst[33];

	if ((s = ccakit_ta_store_new()) == NULL)
		return;
	if (ccakit_ta_store_load_json(s, json, len, &d) != CCAKIT_OK) {
		check(d.code != CCAKIT_OK);
		check(ccakit_ta_store_count(s) == 0);
		goto out;
	}
	memset(impl, 0, sizeof(impl));
	memset(inst, 0, sizeof(inst));
	(void)ccakit_ta_store_lookup(s, impl, inst);
	if (ccakit_ta_store_to_json(s, &out) != CCAKIT_OK)
		goto out;
	if ((s2 = ccakit_ta_store_new()) == NULL)
		goto out;
	check(ccakit_ta_store_load_json(s2, out, strlen(out), NULL) ==
	    CCAKIT_OK);
	check(ccakit_ta_store_count(s2) == ccakit_ta_store_count(s));
	check(ccakit_ta_store_to_json(s2, &out2) == CCAKIT_OK);
	check(strcmp(out, out2) == 0);
	ccakit_ta_store_free(&s2);
 out:
	free(out);
	free(out2);
	ccakit_ta_store_free(&s);
}

static void
fuzz_rv(const char *json, size_t len)
{
	const struct ccakit_platform_rv *p;
	struct ccakit_errdetail d;
	ccakit_rv_store *s, *s2;
	char *out = NULL, *out2 = NULL;
	size_t i;

	if ((s = ccakit_rv_store_new()) == NULL)
		return;
	if (ccakit_rv_store_load_json(s, json, len, &d) != CCAKIT_OK) {
		check(d.code != CCAKIT_OK);
		check(ccakit_rv_store_platform_count(s) == 0);
		check(ccakit_rv_store_realm_count(s) == 0);
		goto out;
	}
	/* Every entry is found under its own key. */
	for (i = 0; i < ccakit_rv_store_platform_count(s) && i < 4; i++) {
		p = ccakit_rv_store_platform(s, s->p[i].impl_id, 0);
		check(p != NULL);
	}
	if (ccakit_rv_store_to_json(s, &out) != CCAKIT_OK)
		goto out;
	if ((s2 = ccakit_rv_store_new()) == NULL)
		goto out;
	check(ccakit_rv_store_load_json(s2, out, strlen(out), NULL) ==
	    CCAKIT_OK);
	check(ccakit_rv_store_to_json(s2, &out2) == CCAKIT_OK);
	check(strcmp(out, out2) == 0);
	ccakit_rv_store_free(&s2);
 out:
	free(out);
	free(out2);
	ccakit_rv_store_free(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_ta((const char *)data, size);
	fuzz_rv((const char *)data, size);
	return 0;
}
