/*
 * libFuzzer harness for keybroker-app's parsers of the key broker's
 * replies (the challenge, the wrapped key, a problem); the same input
 * goes to all three.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kba_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t nonce[KBS_CHALLENGE_LEN], *w = NULL;
	char err[256], type[64], detail[128];
	size_t n, i;

	(void)kba_parse_challenge(data, size, nonce, err, sizeof(err));
	if (kba_parse_wrapped(data, size, &w, &n, err, sizeof(err)) == 0 &&
	    (w == NULL || n == 0))
		abort();
	free(w);
	kba_parse_problem(data, size, type, sizeof(type), detail,
	    sizeof(detail));
	for (i = 0; detail[i] != '\0'; i++)
		if ((unsigned char)detail[i] < 0x20)
			abort();
	return 0;
}
