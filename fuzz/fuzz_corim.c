/*
 * libFuzzer harness for the CoRIM decoder (signed and unsigned): what
 * decodes must encode to a fixed point (encode(decode(encode(x))) ==
 * encode(x)), display as JSON, go through the CCA validator and, when
 * valid, into the stores; a signed one must go through both verifiers
 * without crashing (it cannot verify with these keys).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/corim.h>
#include <ccakit/err.h>
#include <ccakit/store.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond)
		abort();
}

/* A fixed P-256 public key (the generator point's double, any key). */
static const char jwk[] = "{\"kty\":\"EC\",\"crv\":\"P-256\","
    "\"x\":\"a9cPeJ_2jjjrPLGjeMRM_ue2TlJbxeOG4kR5IRkjm6U\","
    "\"y\":\"EjLIAvh9aYYwN0-wgvsp_yGV7pBtt3RYS4c4dIasPME\"}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ccakit_errdetail d;
	ccakit_corim *c = NULL, *c2 = NULL;
	ccakit_corim_roots *roots;
	ccakit_ta_store *ta;
	ccakit_rv_store *rv;
	ccakit_comid *m;
	ccakit_key *k;
	uint8_t *e1 = NULL, *e2 = NULL;
	size_t l1, l2, i;
	char *js = NULL;
	int r;

	memset(&d, 0, sizeof(d));
	if ((r = ccakit_corim_decode(data, size, &c, &d)) != CCAKIT_OK) {
		check(c == NULL && d.code == r && d.text[0] != '\0');
		return 0;
	}
	/* Fixed point of the encoder. */
	check(ccakit_corim_encode(c, &e1, &l1) == CCAKIT_OK);
	check(ccakit_corim_decode(e1, l1, &c2, NULL) == CCAKIT_OK);
	check(ccakit_corim_encode(c2, &e2, &l2) == CCAKIT_OK);
	check(l1 == l2 && memcmp(e1, e2, l1) == 0);
	check(ccakit_corim_tag_count(c) == ccakit_corim_tag_count(c2));
	check(ccakit_corim_profile(c) == ccakit_corim_profile(c2));
	for (i = 0; i < ccakit_corim_tag_count(c); i++) {
		m = NULL;
		if (ccakit_corim_comid(c, i, &m, NULL) == CCAKIT_OK)
			ccakit_comid_free(&m);
	}
	check(ccakit_corim_to_json(c, true, &js) == CCAKIT_OK);
	free(js);
	check(ccakit_corim_to_json(c, false, &js) == CCAKIT_OK);
	free(js);

	if (ccakit_corim_validate_cca(c, &d) == CCAKIT_OK) {
		ta = ccakit_ta_store_new();
		rv = ccakit_rv_store_new();
		if (ta != NULL && rv != NULL)
			check(ccakit_corim_to_stores(c, ta, rv, &d) ==
			    CCAKIT_OK || d.code == CCAKIT_ERR_NOMEM);
		ccakit_ta_store_free(&ta);
		ccakit_rv_store_free(&rv);
	}
	if (ccakit_corim_is_signed(c)) {
		if ((k = ccakit_key_new()) != NULL &&
		    ccakit_key_from_jwk(k, jwk, strlen(jwk)) == CCAKIT_OK)
			check(ccakit_corim_verify_key(c, k, &d) != CCAKIT_OK);
		ccakit_key_free(&k);
		if ((roots = ccakit_corim_roots_new()) != NULL)
			check(ccakit_corim_verify(c, roots, 1700000000, &d) !=
			    CCAKIT_OK);
		ccakit_corim_roots_free(&roots);
	}
	free(e1);
	free(e2);
	ccakit_corim_free(&c);
	ccakit_corim_free(&c2);
	return 0;
}
