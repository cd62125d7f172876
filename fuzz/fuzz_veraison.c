/*
 * libFuzzer harness for the Veraison client's parsers of a verifier's
 * replies (discovery document, session); the same input goes to both.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "veraison.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct svc_v_session s;
	char err[256], *jwk = NULL, *path = NULL;

	if (svc_veraison_parse_discovery(data, size, &jwk, &path, err,
	    sizeof(err)) == 0 && (jwk == NULL || path == NULL ||
	    path[0] != '/'))
		abort();
	free(jwk);
	free(path);
	if (svc_veraison_parse_session(data, size, true, &s, err,
	    sizeof(err)) == 0) {
		if (s.result == NULL || s.status != SVC_V_COMPLETE)
			abort();
		svc_v_session_clear(&s);
	}
	return 0;
}
