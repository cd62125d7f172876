/*
 * libFuzzer harness for the KBS configuration (services/kbs/config.c):
 * Trustee's TOML file as kbs reads it, then the unknown-key check and the
 * TLS keys' mapping to GnuTLS priorities.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kbs_config c;
	struct ccakit_errdetail d;
	ccakit_toml *doc = NULL;
	char prio[512], err[256];
	size_t i;

	memset(&d, 0, sizeof(d));
	if (kbs_config_parse((const char *)data, size, "fuzz.toml", &c, &doc,
	    &d) != CCAKIT_OK) {
		if (doc != NULL || memchr(d.text, 0, sizeof(d.text)) == NULL)
			abort();
		return 0;
	}
	if (c.nsockets > KBS_MAX_SOCKETS || c.nplugins > KBS_MAX_PLUGINS ||
	    c.nidps > KBS_MAX_IDPS || c.nacls > KBS_MAX_ACLS)
		abort();
	for (i = 0; i < c.nplugins; i++)
		if (c.plugins[i].name == NULL)
			abort();
	(void)kbs_config_tls_priorities(&c, prio, sizeof(prio), err,
	    sizeof(err));
	(void)kbs_config_check_unused(doc, &d);
	ccakit_toml_free(&doc);
	return 0;
}
