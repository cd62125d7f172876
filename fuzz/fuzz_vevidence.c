/*
 * libFuzzer harness for what cca-verifier reads of an evidence request
 * and a newSession query before any verification: the Content-Type and
 * the session id (up to the first NUL), the CMW body (every form) and
 * the nonce.
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
	char ct[512], type[CKI_V_MEDIA_TYPE_MAX + 1], id[CKI_V_SESSION_ID_LEN +
	    1];
	size_t n, evlen = 0, nlen = 0;

	/* Content-Type: the bytes before the first NUL; also a session id. */
	nul = memchr(data, 0, size);
	n = nul != NULL ? (size_t)(nul - data) : size;
	if (n < sizeof(ct)) {
		memcpy(ct, data, n);
		ct[n] = '\0';
		if (cki_v_media_parse(ct, &kind) == CCAKIT_OK &&
		    kind != CKI_V_MEDIA_CCA && kind != CKI_V_MEDIA_CMW)
			abort();
		if (cki_v_uuid_parse(ct, id) && !cki_v_uuid_valid(id))
			abort();
	}
	/* The whole input as a CMW: a CBOR record is a view, a JSON one a
	 * copy, and the type found is the CCA media type. */
	if (cki_v_cmw_unwrap(data, size, &ev, &evlen, &copy, type, NULL) ==
	    CCAKIT_OK) {
		if (evlen == 0 || (copy != NULL ? ev != copy : ev < data ||
		    ev + evlen > data + size) ||
		    cki_v_media_parse(type, &kind) != CCAKIT_OK ||
		    kind != CKI_V_MEDIA_CCA)
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
