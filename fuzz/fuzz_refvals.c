/*
 * libFuzzer harness for the demo's reference-values file. Whatever loads
 * must be found again by value, and its base64 text must decode to it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include <ccakit/bytes.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ccakit_errdetail d;
	kbs_refvals *r;
	const uint8_t *v;
	const char *b;
	uint8_t buf[KBS_REFVAL_MAX_LEN];
	size_t i, len, blen;

	if ((r = kbs_refvals_new()) == NULL)
		return 0;
	if (kbs_refvals_load_json(r, (const char *)data, size, &d) !=
	    CCAKIT_OK) {
		check(d.code != CCAKIT_OK);
		check(kbs_refvals_count(r) == 0);
		goto out;
	}
	check(kbs_refvals_count(r) > 0);
	for (i = 0; i < kbs_refvals_count(r); i++) {
		check((v = kbs_refvals_get(r, i, &len)) != NULL);
		check(len == 32 || len == 48 || len == 64);
		check(kbs_refvals_contains(r, v, len));
		check((b = kbs_refvals_get_b64(r, i)) != NULL);
		check(ccakit_b64_decode(b, strlen(b), CCAKIT_B64_STD, buf,
		    sizeof(buf), &blen) == CCAKIT_OK);
		check(blen == len && memcmp(buf, v, len) == 0);
	}
 out:
	kbs_refvals_free(&r);
	return 0;
}
