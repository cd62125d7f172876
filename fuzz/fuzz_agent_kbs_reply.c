/*
 * libFuzzer harness for what ccakit-agent itself reads of a KBS's replies
 * (services/ccakit-agent/kbs.c): the token of the reply to /attest, whose
 * exp and iat the agent reads to know when to renew it; the same input
 * is also read as a bare token. The RCAR messages themselves (challenge,
 * token body, error body) have fuzz_rcar, the resource JWE fuzz_jwe.
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
	const char *token;
	int64_t exp, iat;

	memset(&d, 0, sizeof(d));
	if (rcar_token_parse((const char *)data, size, &root, &token, &d) ==
	    CCAKIT_OK) {
		if (token == NULL)
			abort();
		(void)agent_token_times(token, strlen(token), &exp, &iat, &d);
	}
	json_decref(root);
	(void)agent_token_times((const char *)data, size, &exp, &iat, &d);
	if (memchr(d.text, '\0', sizeof(d.text)) == NULL)
		abort();
	return 0;
}
