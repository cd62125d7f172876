/*
 * libFuzzer harness for what cca-verifier reads of an evidence request
 * and a newSession query before any verification: the Content-Type (up
 * to the first NUL), the CMW record body (CBOR and JSON) and the nonce.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verifier/verifier_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum cki_v_media kind;
	const uint8_t *ev = NULL, *nul;
	uint8_t *copy = NULL, nonce[CKI_V_NONCE_MAX];
	char ct[512];
	size_t n, evlen = 0, nlen = 0;

	/* Content-Type: the bytes before the first NUL. */
	nul = memchr(data, 0, size);
	n = nul != NULL ? (size_t)(nul - data) : size;
	if (n < sizeof(ct)) {
		memcpy(ct, data, n);
		ct[n] = '\0';
		if (cki_v_media_parse(ct, &kind) == CCAKIT_OK &&
		    kind != CKI_V_MEDIA_CCA && kind != CKI_V_MEDIA_CMW_CBOR &&
		    kind != CKI_V_MEDIA_CMW_JSON)
			abort();
	}
	/* The whole input as a CMW record of either form. */
	if (cki_v_cmw_unwrap(CKI_V_MEDIA_CMW_CBOR, data, size, &ev, &evlen,
	    &copy, NULL) == CCAKIT_OK && (copy != NULL || evlen == 0 ||
	    ev < data || ev + evlen > data + size))
		abort();
	if (cki_v_cmw_unwrap(CKI_V_MEDIA_CMW_JSON, data, size, &ev, &evlen,
	    &copy, NULL) == CCAKIT_OK) {
		if (copy == NULL || ev != copy || evlen == 0)
			abort();
		free(copy);
	}
	/* The whole input as a nonce. */
	if (cki_v_nonce_decode((const char *)data, size, nonce, sizeof(nonce),
	    &nlen) == CCAKIT_OK && (nlen < CKI_V_NONCE_MIN ||
	    nlen > CKI_V_NONCE_MAX))
		abort();
	return 0;
}
