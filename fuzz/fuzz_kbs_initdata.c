/*
 * libFuzzer harness for init-data (services/kbs/initdata.c): the TOML
 * document a guest sends with its evidence, its digest and the claims
 * made of its [data].
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kbs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ccakit_errdetail d;
	uint8_t digest[RCAR_HASH_MAX];
	size_t dlen = 0;
	json_t *claims = NULL, *j = NULL;

	memset(&d, 0, sizeof(d));
	if (kbs_initdata_parse((const char *)data, size, digest, &dlen,
	    &claims, &d) == CCAKIT_OK) {
		if (claims == NULL || (dlen != 32 && dlen != 48 && dlen != 64))
			abort();
		json_decref(claims);
	}
	if (kbs_toml_to_json((const char *)data, size, &j, &d) == CCAKIT_OK) {
		if (!json_is_object(j))
			abort();
		json_decref(j);
	}
	return 0;
}
