/*
 * libFuzzer harness for what ccakit-agent reads from a KBS
 * (services/ccakit-agent/kbs.c over svc_kbsc and svc_rcar): the same
 * input is the reply to /auth (challenge, selected hash), the reply to
 * /attest (the token, whose exp and iat the agent reads to renew it), an
 * error body, and a bare token. The resource JWE has its own harness
 * (fuzz_jwe).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core.h"
#include "rcar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ccakit_errdetail d;
	json_t *root = NULL;
	const json_t *extra;
	const char *nonce, *token;
	char variant[64], detail[512];
	enum rcar_hash h;
	int64_t exp, iat;

	memset(&d, 0, sizeof(d));
	if (rcar_challenge_parse((const char *)data, size, &root, &nonce,
	    &extra, &d) == CCAKIT_OK) {
		if (nonce == NULL)
			abort();
		(void)rcar_selected_hash(extra, &h, &d);
	}
	json_decref(root);
	root = NULL;
	if (rcar_token_parse((const char *)data, size, &root, &token, &d) ==
	    CCAKIT_OK) {
		if (token == NULL)
			abort();
		(void)agent_token_times(token, strlen(token), &exp, &iat, &d);
	}
	json_decref(root);
	if (rcar_error_parse((const char *)data, size, variant,
	    sizeof(variant), detail, sizeof(detail)) == CCAKIT_OK &&
	    (memchr(variant, '\0', sizeof(variant)) == NULL ||
	    memchr(detail, '\0', sizeof(detail)) == NULL))
		abort();
	(void)agent_token_times((const char *)data, size, &exp, &iat, &d);
	if (memchr(d.text, '\0', sizeof(d.text)) == NULL)
		abort();
	return 0;
}
