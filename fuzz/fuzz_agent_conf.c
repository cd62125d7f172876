/*
 * libFuzzer harness for ccakit-agent's configuration
 * (services/ccakit-agent/conf.c): the input is read as aa.toml, as
 * cdh.toml, as init-data, as AA_KBC_PARAMS and as the kernel command
 * line, alone and together. Whatever it holds, a resolved configuration
 * names a KBS URL or says why not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
resolve(const struct agent_conf_in *in)
{
	struct agent_conf c;

	if (agent_conf_resolve(in, &c, NULL) != CCAKIT_OK)
		return;
	if ((c.aa.url == NULL && c.aa.why[0] == '\0') ||
	    (c.cdh.url == NULL && c.cdh.why[0] == '\0') ||
	    c.tee_key_algorithm == NULL ||
	    !agent_tee_key_algorithm_valid(c.tee_key_algorithm))
		abort();
	agent_conf_clear(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent_conf_in in;
	char *s, *a = NULL, *b = NULL;

	if (size > AGENT_CONF_MAX_FILE)
		return 0;
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (agent_kbc_params_parse(s, &a, &b, NULL) == CCAKIT_OK &&
	    (a == NULL || b == NULL))
		abort();
	free(a);
	free(b);
	if (agent_cmdline_kbc_params(s, &a) == CCAKIT_OK && a == NULL)
		abort();
	free(a);
	if (agent_initdata_parse(s, size, "fuzz", &a, &b, NULL) == CCAKIT_OK) {
		memset(&in, 0, sizeof(in));
		in.aa_toml = a;
		in.cdh_toml = b;
		resolve(&in);
		free(a);
		free(b);
	}
	memset(&in, 0, sizeof(in));
	in.aa_toml = s;
	resolve(&in);
	memset(&in, 0, sizeof(in));
	in.cdh_toml = s;
	in.cmdline = s;
	resolve(&in);
	memset(&in, 0, sizeof(in));
	in.env_kbc_params = s;
	in.env_kbs_cert = s;
	resolve(&in);
	free(s);
	return 0;
}
