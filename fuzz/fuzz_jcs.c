/*
 * libFuzzer harness for RFC 8785 canonicalisation (ccakit_jcs_text).
 * Properties: JCS is idempotent (the canonical form of the canonical
 * form is itself); whatever is accepted with CCAKIT_JCS_EXACT gives the
 * same bytes as without it; a refusal fills the detail with its code.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/err.h>
#include <ccakit/jcs.h>

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
	char *a = NULL, *b = NULL, *c = NULL;
	size_t alen = 0, blen = 0, clen = 0;
	int r;

	memset(&d, 0, sizeof(d));
	r = ccakit_jcs_text((const char *)data, size, 0, &a, &alen, &d);
	if (r != CCAKIT_OK) {
		check(a == NULL && d.code == r);
	} else {
		check(a != NULL && strlen(a) == alen);
		check(ccakit_jcs_text(a, alen, 0, &b, &blen, NULL) ==
		    CCAKIT_OK);
		check(blen == alen && memcmp(a, b, alen) == 0);
	}
	if (ccakit_jcs_text((const char *)data, size, CCAKIT_JCS_EXACT, &c,
	    &clen, NULL) == CCAKIT_OK)
		check(r == CCAKIT_OK && clen == alen &&
		    memcmp(a, c, alen) == 0);
	free(a);
	free(b);
	free(c);
	return 0;
}
