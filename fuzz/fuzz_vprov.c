/*
 * libFuzzer harness for cca-verifier's provisioning bodies (trust
 * anchors and reference values, stores or entries): the first byte picks
 * the class, the rest is the body. Every entry that comes out must carry
 * a 32-hex-digit id and normalised JSON that parses as the same class.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vdb_batch b, again;
	enum vdb_class cls;
	size_t i;

	if (size < 1)
		return 0;
	cls = (data[0] & 1) ? VDB_RV : VDB_TA;
	memset(&b, 0, sizeof(b));
	if (vdb_batch_parse(cls, (const char *)data + 1, size - 1, &b,
	    NULL) != CCAKIT_OK)
		return 0;
	if (b.n == 0 || b.cls != cls)
		abort();
	for (i = 0; i < b.n; i++) {
		if (strlen(b.e[i].id) != VDB_ENTRY_ID_LEN ||
		    b.e[i].json == NULL || b.e[i].json[0] != '{')
			abort();
		/* A normalised entry is itself a valid body, same id. */
		memset(&again, 0, sizeof(again));
		if (vdb_batch_parse(cls, b.e[i].json, strlen(b.e[i].json),
		    &again, NULL) != CCAKIT_OK || again.n != 1 ||
		    strcmp(again.e[0].id, b.e[i].id) != 0)
			abort();
		vdb_batch_clear(&again);
	}
	vdb_batch_clear(&b);
	return 0;
}
