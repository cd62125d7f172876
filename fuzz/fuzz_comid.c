/*
 * libFuzzer harness for the CoMID decoder: what decodes must encode to
 * a fixed point and survive its JSON form (to_json, from_json) with the
 * same encoding: the JSON format is lossless.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/corim.h>
#include <ccakit/err.h>

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
	ccakit_comid *m = NULL, *m2 = NULL, *m3 = NULL;
	uint8_t *e1 = NULL, *e2 = NULL, *e3 = NULL;
	size_t l1, l2, l3;
	char *js = NULL;
	int r;

	memset(&d, 0, sizeof(d));
	if ((r = ccakit_comid_decode(data, size, &m, &d)) != CCAKIT_OK) {
		check(m == NULL && d.code == r && d.text[0] != '\0');
		return 0;
	}
	check(ccakit_comid_encode(m, &e1, &l1) == CCAKIT_OK);
	check(ccakit_comid_decode(e1, l1, &m2, NULL) == CCAKIT_OK);
	check(ccakit_comid_encode(m2, &e2, &l2) == CCAKIT_OK);
	check(l1 == l2 && memcmp(e1, e2, l1) == 0);
	/* JSON both ways: the same CoMID. */
	check(ccakit_comid_to_json(m, &js) == CCAKIT_OK);
	r = ccakit_comid_from_json(js, strlen(js), &m3, &d);
	check(r == CCAKIT_OK || r == CCAKIT_ERR_NOMEM);
	if (r == CCAKIT_OK) {
		check(ccakit_comid_encode(m3, &e3, &l3) == CCAKIT_OK);
		check(l1 == l3 && memcmp(e1, e3, l1) == 0);
	}
	free(js);
	free(e1);
	free(e2);
	free(e3);
	ccakit_comid_free(&m);
	ccakit_comid_free(&m2);
	ccakit_comid_free(&m3);
	return 0;
}
