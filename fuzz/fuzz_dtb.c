/*
 * DTB template reader and surgery (lib/vmm/dtb.c): any input must either
 * fail cleanly or give a DTB that the reader accepts again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/vmm_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Replace "cpus", drop "pmu", keep the rest; rewrite memory reg. */
static int
node(void *arg, struct cki_fdt *f, const char *name)
{
	(void)arg;
	if (strcmp(name, "cpus") == 0) {
		cki_fdt_begin(f, "cpus");
		cki_fdt_prop_u32(f, "#address-cells", 1);
		cki_fdt_prop_phandle(f, 0x8001);
		cki_fdt_end(f);
		return 1;
	}
	return strcmp(name, "pmu") == 0;
}

static int
prop(void *arg, struct cki_fdt *f, const char *node, const char *name,
    const uint8_t *val, size_t len)
{
	(void)arg;
	(void)val;
	(void)len;
	if (strcmp(name, "phandle") == 0) {
		cki_fdt_prop_phandle(f, 0x8002);
		return 1;
	}
	return cki_dtb_common_prop(f, node, name, 0x40000000, 0x8000000, 1,
	    0x48000000, 14, "console=hvc0");
}

static int
keep_node(void *arg, struct cki_fdt *f, const char *name)
{
	(void)arg;
	(void)f;
	(void)name;
	return 0;
}

static int
keep_prop(void *arg, struct cki_fdt *f, const char *node, const char *name,
    const uint8_t *val, size_t len)
{
	(void)arg;
	(void)f;
	(void)node;
	(void)name;
	(void)val;
	(void)len;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cki_dtb_surgeon s = { NULL, node, prop };
	struct cki_dtb_surgeon id = { NULL, keep_node, keep_prop };
	struct ccakit_errdetail m;
	uint8_t *out = NULL, *again = NULL;
	size_t len, len2;

	if (cki_dtb_surgery(data, size, &s, &out, &len, &m) == CCAKIT_OK) {
		/* The output is well formed: copying it is the identity. */
		if (cki_dtb_surgery(out, len, &id, &again, &len2, &m) !=
		    CCAKIT_OK || len2 != len || memcmp(out, again, len) != 0)
			abort();
		free(again);
		free(out);
	} else if (out != NULL)
		abort();
	return 0;
}
