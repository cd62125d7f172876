/*
 * Host capability files (lib/vmm/conf.c): parse, then apply with the
 * range checks of restrict and update; nothing may crash or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/vmm.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ccakit_realm_caps caps, acc;
	struct ccakit_errdetail m;

	memset(&acc, 0, sizeof(acc));
	if (ccakit_realm_caps_parse(&caps, (const char *)data, size, &m) !=
	    CCAKIT_OK)
		return 0;
	if ((caps.set & ~0x7fu) != 0)
		abort();
	(void)ccakit_realm_caps_restrict(&acc, &caps, &m);
	(void)ccakit_realm_caps_update(&acc, &caps, &m);
	return 0;
}
