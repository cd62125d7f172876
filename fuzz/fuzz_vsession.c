/*
 * libFuzzer harness for the session document as a client reads it
 * (`ccatoken attest`): status, nonce in any base64 variant, result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct svc_v_session s;
	char *out = NULL;

	memset(&s, 0, sizeof(s));
	if (svc_v_session_from_json((const char *)data, size, &s, NULL) !=
	    CCAKIT_OK)
		return 0;
	if (s.nonce_len < SVC_V_NONCE_MIN || s.nonce_len > SVC_V_NONCE_MAX ||
	    s.status > SVC_V_FAILED)
		abort();
	/* What we read, we can write, and read back the same. */
	if (svc_v_session_to_json(&s, SVC_V_NONCE_URL_NOPAD, &out) ==
	    CCAKIT_OK) {
		struct svc_v_session t;

		memset(&t, 0, sizeof(t));
		if (svc_v_session_from_json(out, strlen(out), &t, NULL) !=
		    CCAKIT_OK || t.nonce_len != s.nonce_len ||
		    memcmp(t.nonce, s.nonce, s.nonce_len) != 0 ||
		    t.status != s.status ||
		    (s.result == NULL) != (t.result == NULL))
			abort();
		svc_v_session_clear(&t);
		free(out);
	}
	svc_v_session_clear(&s);
	return 0;
}
