/*
 * libFuzzer harness for what cca-verifier reads of an evidence request
 * and a newSession query before any verification: the Content-Type and
 * the session id (up to the first NUL), the CMW body (every form) and
 * the nonce.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum svc_v_media kind;
	const uint8_t *ev = NULL, *nul;
	uint8_t *copy = NULL, nonce[SVC_V_NONCE_MAX];
	char ct[512], type[SVC_V_MEDIA_TYPE_MAX + 1], id[SVC_V_SESSION_ID_LEN +
	    1];
	size_t n, evlen = 0, nlen = 0;

	/* Content-Type: the bytes before the first NUL; also a session id. */
	nul = memchr(data, 0, size);
	n = nul != NULL ? (size_t)(nul - data) : size;
	if (n < sizeof(ct)) {
		memcpy(ct, data, n);
		ct[n] = '\0';
		if (svc_v_media_parse(ct, &kind) == CCAKIT_OK &&
		    kind != SVC_V_MEDIA_CCA && kind != SVC_V_MEDIA_CMW)
			abort();
		if (svc_v_uuid_parse(ct, id) && !svc_v_uuid_valid(id))
			abort();
	}
	/* The whole input as a CMW: a CBOR record is a view, a JSON one a
	 * copy, and the type found is the CCA media type. */
	if (svc_v_cmw_unwrap(data, size, &ev, &evlen, &copy, type, NULL) ==
	    CCAKIT_OK) {
		if (evlen == 0 || (copy != NULL ? ev != copy : ev < data ||
		    ev + evlen > data + size) ||
		    svc_v_media_parse(type, &kind) != CCAKIT_OK ||
		    kind != SVC_V_MEDIA_CCA)
			abort();
		free(copy);
	}
	/* The whole input as a nonce. */
	if (svc_v_nonce_decode((const char *)data, size, nonce, sizeof(nonce),
	    &nlen) == CCAKIT_OK && (nlen < SVC_V_NONCE_MIN ||
	    nlen > SVC_V_NONCE_MAX))
		abort();
	return 0;
}
