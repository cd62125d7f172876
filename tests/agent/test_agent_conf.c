/*
 * ccakit-agent's configuration (services/ccakit-agent/conf.c) against
 * guest-components' rules: AA_KBC_PARAMS and the kernel command line,
 * aa.toml for tokens, cdh.toml for resources and who wins over whom,
 * init-data, tee_key_algorithm; and the token claims the KBS client
 * reads to know when to renew a token (kbs.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/bytes.h>

#include "conf.h"
#include "core.h"
#include "testutil.h"

static void
test_kbc_params(void **state)
{
	struct ccakit_errdetail d;
	char *kbc, *uri;

	(void)state;
	assert_int_equal(agent_kbc_params_parse("cc_kbc::http://10.0.0.1:8080",
	    &kbc, &uri, NULL), CCAKIT_OK);
	assert_string_equal(kbc, "cc_kbc");
	assert_string_equal(uri, "http://10.0.0.1:8080");
	free(kbc);
	free(uri);
	/* An IPv6 literal holds "::": split at the first. */
	assert_int_equal(agent_kbc_params_parse("cc_kbc::http://[::1]:8080",
	    &kbc, &uri, NULL), CCAKIT_OK);
	assert_string_equal(kbc, "cc_kbc");
	assert_string_equal(uri, "http://[::1]:8080");
	free(kbc);
	free(uri);
	assert_int_equal(agent_kbc_params_parse("offline_fs_kbc::", &kbc,
	    &uri, NULL), CCAKIT_OK);
	assert_string_equal(kbc, "offline_fs_kbc");
	assert_string_equal(uri, "");
	free(kbc);
	free(uri);
	memset(&d, 0, sizeof(d));
	assert_int_equal(agent_kbc_params_parse("cc_kbc:http://x", &kbc, &uri,
	    &d), CCAKIT_ERR_CONFIG);
	assert_null(kbc);
	assert_null(uri);
	assert_non_null(strstr(d.text, "illegal aa_kbc_params format"));
}

static void
test_cmdline(void **state)
{
	char *v;

	(void)state;
	assert_int_equal(agent_cmdline_kbc_params("console=hvc0 "
	    "agent.aa_kbc_params=cc_kbc::http://1.2.3.4:8080 quiet\n", &v),
	    CCAKIT_OK);
	assert_string_equal(v, "cc_kbc::http://1.2.3.4:8080");
	free(v);
	/* The first one wins; tabs and newlines separate words. */
	assert_int_equal(agent_cmdline_kbc_params("a=b\tagent.aa_kbc_params="
	    "x::1\nagent.aa_kbc_params=y::2", &v), CCAKIT_OK);
	assert_string_equal(v, "x::1");
	free(v);
	assert_int_equal(agent_cmdline_kbc_params("agent.aa_kbc_params=", &v),
	    CCAKIT_OK);
	assert_string_equal(v, "");
	free(v);
	assert_int_equal(agent_cmdline_kbc_params("xagent.aa_kbc_params=a::b "
	    "agent.aa_kbc_param=c::d", &v), CCAKIT_ERR_NOT_FOUND);
	assert_null(v);
	assert_int_equal(agent_cmdline_kbc_params("", &v),
	    CCAKIT_ERR_NOT_FOUND);
}

static int
resolve(struct agent_conf_in *in, struct agent_conf *c)
{
	struct ccakit_errdetail d;
	int r;

	memset(&d, 0, sizeof(d));
	r = agent_conf_resolve(in, c, &d);
	if (r != CCAKIT_OK)
		printf("# %s\n", d.text);
	return r;
}

#define CMDLINE "ro agent.aa_kbc_params=cc_kbc::http://cmdline:8080 quiet"
#define AA_TOML \
	"[token_configs.kbs]\n" \
	"url = \"https://aa:8080\"\n" \
	"cert = \"-----BEGIN CERTIFICATE-----\\nAA\\n" \
	"-----END CERTIFICATE-----\"\n" \
	"[token_configs.coco_as]\nurl = \"http://as:8000\"\n" \
	"[eventlog_config]\nenable_eventlog = true\ninit_pcr = 17\n" \
	"[log]\nlevel = \"debug\"\n"
#define CDH_TOML \
	"socket = \"unix:///run/confidential-containers/cdh.sock\"\n" \
	"[kbc]\nname = \"cc_kbc\"\nurl = \"http://cdh:8080\"\n" \
	"kbs_cert = \"CDH PEM\"\n" \
	"[image]\nmax_concurrent_layer_downloads_per_image = 3\n" \
	"[[credentials]]\nresource_uri = \"kbs:///a/b/c\"\npath = \"/x\"\n"

static void
test_nothing(void **state)
{
	struct agent_conf_in in;
	struct agent_conf c;

	(void)state;
	memset(&in, 0, sizeof(in));
	assert_int_equal(resolve(&in, &c), CCAKIT_OK);
	assert_null(c.aa.url);
	assert_null(c.cdh.url);
	assert_non_null(strstr(c.aa.why, "no aa.toml"));
	assert_non_null(strstr(c.cdh.why, "no cdh.toml"));
	assert_string_equal(c.tee_key_algorithm, "ECDH-ES+A256KW-P256");
	assert_false(c.eventlog);
	agent_conf_clear(&c);
}

/* No files: AA_KBC_PARAMS, else the kernel command line, for both. */
static void
test_env_and_cmdline(void **state)
{
	struct agent_conf_in in;
	struct agent_conf c;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.cmdline = CMDLINE;
	assert_int_equal(resolve(&in, &c), CCAKIT_OK);
	assert_string_equal(c.aa.url, "http://cmdline:8080");
	assert_string_equal(c.cdh.url, "http://cmdline:8080");
	assert_string_equal(c.aa.source, "the kernel command line");
	agent_conf_clear(&c);
	in.env_kbc_params = "cc_kbc::http://env:8080";
	assert_int_equal(resolve(&in, &c), CCAKIT_OK);
	assert_string_equal(c.aa.url, "http://env:8080");
	assert_string_equal(c.cdh.url, "http://env:8080");
	assert_string_equal(c.cdh.source, "AA_KBC_PARAMS");
	agent_conf_clear(&c);
	/* Only cc_kbc names a KBS. */
	in.env_kbc_params = "offline_fs_kbc::null";
	assert_int_equal(resolve(&in, &c), CCAKIT_OK);
	assert_null(c.aa.url);
	assert_null(c.cdh.url);
	assert_non_null(strstr(c.cdh.why, "offline_fs_kbc"));
	agent_conf_clear(&c);
	in.env_kbc_params = "cc_kbc::";
	assert_int_equal(resolve(&in, &c), CCAKIT_OK);
	assert_null(c.cdh.url);
	assert_non_null(strstr(c.cdh.why, "without a URL"));
	agent_conf_clear(&c);
	in.env_kbc_params = "garbage";
	assert_int_equal(agent_conf_resolve(&in, &c, NULL), CCAKIT_ERR_CONFIG);
}

/* aa.toml decides the token side; the environment does not override it. */
static void
test_aa_toml(void **state)
{
	struct agent_conf_in in;
	struct agent_conf c;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.aa_toml = AA_TOML;
	in.env_kbc_params = "cc_kbc::http://env:8080";
	in.cmdline = CMDLINE;
	assert_int_equal(resolve(&in, &c), CCAKIT_OK);
	assert_string_equal(c.aa.url, "https://aa:8080");
	assert_string_equal(c.aa.cert, "-----BEGIN CERTIFICATE-----\nAA\n"
	    "-----END CERTIFICATE-----");
	assert_string_equal(c.aa.source, "aa.toml");
	assert_true(c.eventlog);
	/* No cdh.toml: the resource side reads the environment. */
	assert_string_equal(c.cdh.url, "http://env:8080");
	assert_null(c.cdh.cert);
	agent_conf_clear(&c);
	/* An aa.toml without [token_configs.kbs]: no token KBS at all. */
	in.aa_toml = "[eventlog_config]\nenable_eventlog = false\n";
	assert_int_equal(resolve(&in, &c), CCAKIT_OK);
	assert_null(c.aa.url);
	assert_string_equal(c.aa.why,
	    "kbs token config not configured in config file");
	assert_string_equal(c.cdh.url, "http://env:8080");
	agent_conf_clear(&c);
	in.aa_toml = "[token_configs.kbs]\nurl = \"http://a\"\n"
	    "tee_key_algorithm = \"RSA-OAEP-256\"\n";
	assert_int_equal(resolve(&in, &c), CCAKIT_OK);
	assert_string_equal(c.tee_key_algorithm, "RSA-OAEP-256");
	agent_conf_clear(&c);
	in.tee_key_algorithm = "ECDH-ES+A256KW-P521";
	assert_int_equal(resolve(&in, &c), CCAKIT_OK);
	assert_string_equal(c.tee_key_algorithm, "ECDH-ES+A256KW-P521");
	agent_conf_clear(&c);
	in.tee_key_algorithm = NULL;
}

static void
test_aa_toml_errors(void **state)
{
	struct agent_conf_in in;
	struct agent_conf c;
	struct ccakit_errdetail d;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.aa_name = "/etc/aa.toml";
	in.aa_toml = "[token_configs.kbs]\nurl = \n";
	memset(&d, 0, sizeof(d));
	assert_int_equal(agent_conf_resolve(&in, &c, &d), CCAKIT_ERR_TOML);
	assert_non_null(strstr(d.text, "/etc/aa.toml:2:"));
	in.aa_toml = "[token_configs.kbs]\ncert = \"x\"\n";
	assert_int_equal(agent_conf_resolve(&in, &c, &d),
	    CCAKIT_ERR_NOT_FOUND);
	assert_non_null(strstr(d.text, "url"));
	in.aa_toml = "[token_configs.kbs]\nurl = 8080\n";
	assert_int_equal(agent_conf_resolve(&in, &c, &d), CCAKIT_ERR_CONFIG);
	in.aa_toml = "[token_configs.kbs]\nurl = \"http://a\"\n"
	    "tee_key_algorithm = \"ECDH-ES+A256KW\"\n";
	assert_int_equal(agent_conf_resolve(&in, &c, &d), CCAKIT_ERR_CONFIG);
	assert_non_null(strstr(d.text, "ECDH-ES+A256KW-P521"));
	in.aa_toml = "[eventlog_config]\nenable_eventlog = \"yes\"\n";
	assert_int_equal(agent_conf_resolve(&in, &c, &d), CCAKIT_ERR_CONFIG);
	in.aa_toml = NULL;
	in.tee_key_algorithm = "RSA1_5";
	assert_int_equal(agent_conf_resolve(&in, &c, &d), CCAKIT_ERR_CONFIG);
}

/*
 * cdh.toml: its [kbc] for resources unless AA_KBC_PARAMS is set (the CDH
 * exports [kbc] as AA_KBC_PARAMS only when it is unset); its kbs_cert
 * over KBS_CERT; without an aa.toml its KBS issues the tokens too.
 */
static void
test_cdh_toml(void **state)
{
	struct agent_conf_in in;
	struct agent_conf c;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.cdh_toml = CDH_TOML;
	in.cmdline = CMDLINE;
	in.env_kbs_cert = "ENV PEM";
	assert_int_equal(resolve(&in, &c), CCAKIT_OK);
	assert_string_equal(c.cdh.url, "http://cdh:8080");
	assert_string_equal(c.cdh.cert, "CDH PEM");
	assert_string_equal(c.cdh.source, "cdh.toml");
	/* The AA reads the command line, not cdh.toml. */
	assert_string_equal(c.aa.url, "http://cmdline:8080");
	assert_null(c.aa.cert);
	agent_conf_clear(&c);
	in.cmdline = NULL;
	assert_int_equal(resolve(&in, &c), CCAKIT_OK);
	assert_string_equal(c.aa.url, "http://cdh:8080");
	assert_string_equal(c.aa.cert, "CDH PEM");
	agent_conf_clear(&c);
	in.env_kbc_params = "cc_kbc::http://env:8080";
	assert_int_equal(resolve(&in, &c), CCAKIT_OK);
	assert_string_equal(c.cdh.url, "http://env:8080");
	assert_string_equal(c.cdh.source, "AA_KBC_PARAMS");
	assert_string_equal(c.cdh.cert, "CDH PEM");
	agent_conf_clear(&c);
	in.env_kbc_params = NULL;
	in.cdh_toml = "[kbc]\nname = \"cc_kbc\"\nurl = \"http://cdh\"\n"
	    "kbs_cert = \"\"\n";
	assert_int_equal(resolve(&in, &c), CCAKIT_OK);
	assert_string_equal(c.cdh.cert, "ENV PEM");
	agent_conf_clear(&c);
	in.cdh_toml = "[kbc]\nname = \"offline_fs_kbc\"\nurl = \"\"\n";
	assert_int_equal(resolve(&in, &c), CCAKIT_OK);
	assert_null(c.cdh.url);
	assert_non_null(strstr(c.cdh.why, "offline_fs_kbc"));
	agent_conf_clear(&c);
	in.cdh_toml = "[kbc]\nurl = \"http://cdh\"\n";
	assert_int_equal(agent_conf_resolve(&in, &c, NULL),
	    CCAKIT_ERR_NOT_FOUND);
}

static void
test_overrides(void **state)
{
	struct agent_conf_in in;
	struct agent_conf c;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.aa_toml = AA_TOML;
	in.cdh_toml = CDH_TOML;
	in.env_kbc_params = "cc_kbc::http://env:8080";
	in.url = "http://cli:8080";
	in.cert = "CLI PEM";
	assert_int_equal(resolve(&in, &c), CCAKIT_OK);
	assert_string_equal(c.aa.url, "http://cli:8080");
	assert_string_equal(c.cdh.url, "http://cli:8080");
	assert_string_equal(c.aa.cert, "CLI PEM");
	assert_string_equal(c.cdh.cert, "CLI PEM");
	assert_string_equal(c.cdh.source, "--kbs-url");
	agent_conf_clear(&c);
}

static int
initdata(const char *text, char **aa, char **cdh, struct ccakit_errdetail *d)
{
	return agent_initdata_parse(text, strlen(text), "id.toml", aa, cdh, d);
}

static void
test_initdata(void **state)
{
	static const char id[] =
	    "version = \"0.1.0\"\nalgorithm = \"sha384\"\n[data]\n"
	    "\"aa.toml\" = '''\n[token_configs.kbs]\nurl = \"http://i\"\n'''\n"
	    "\"cdh.toml\" = '''\n[kbc]\nname = \"cc_kbc\"\nurl = \"http://i\"\n"
	    "'''\n\"policy.rego\" = \"package agent_policy\"\n";
	struct ccakit_errdetail d;
	char *aa, *cdh;

	(void)state;
	assert_int_equal(agent_initdata_parse(id, sizeof(id) - 1, "id.toml",
	    &aa, &cdh, NULL), CCAKIT_OK);
	assert_string_equal(aa, "[token_configs.kbs]\nurl = \"http://i\"\n");
	assert_non_null(strstr(cdh, "name = \"cc_kbc\""));
	free(aa);
	free(cdh);
	assert_int_equal(initdata("version = \"0.1.0\"\n"
	    "algorithm = \"sha512\"\n[data]\n", &aa, &cdh, NULL), CCAKIT_OK);
	assert_null(aa);
	assert_null(cdh);
	memset(&d, 0, sizeof(d));
	assert_int_equal(initdata("version = \"0.1.0\"\n"
	    "algorithm = \"sha-256\"\n[data]\n", &aa, &cdh, &d),
	    CCAKIT_ERR_CONFIG);
	assert_non_null(strstr(d.text, "id.toml:2:"));
	assert_int_equal(initdata("version = \"0.1.0\"\n"
	    "algorithm = \"sha256\"\n", &aa, &cdh, &d), CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(initdata("version = \"0.1.0\"\n"
	    "algorithm = \"sha256\"\n[data]\n\"aa.toml\" = 1\n", &aa, &cdh,
	    &d), CCAKIT_ERR_CONFIG);
	assert_null(aa);
}

/* A JWS with payload p (signature bytes do not matter here). */
static char *
jws(const char *p)
{
	char *out, b[1024];

	assert_int_equal(ccakit_b64_encode((const uint8_t *)p, strlen(p),
	    CCAKIT_B64_URL, b, sizeof(b)), CCAKIT_OK);
	out = malloc(strlen(b) + 64);
	sprintf(out, "eyJhbGciOiJFUzI1NiJ9.%s.c2ln", b);
	return out;
}

static void
test_token_times(void **state)
{
	static const struct {
		const char *payload;
		int r;
		int64_t exp, iat;
	} cases[] = {
		{ "{\"exp\":1700000300,\"iat\":1700000000}", CCAKIT_OK,
		    1700000300, 1700000000 },
		{ "{\"exp\":1700000300.9}", CCAKIT_OK, 1700000300, 0 },
		{ "{\"sub\":\"x\"}", CCAKIT_OK, 0, 0 },
		{ "{\"exp\":\"1700000300\"}", CCAKIT_ERR_JSON, 0, 0 },
		{ "{\"exp\":1e300}", CCAKIT_ERR_JSON, 0, 0 },
		{ "{\"exp\":1,\"exp\":2}", CCAKIT_ERR_JSON, 0, 0 },
		{ "[1]", CCAKIT_ERR_JSON, 0, 0 },
		{ "not json", CCAKIT_ERR_JSON, 0, 0 },
	};
	int64_t exp, iat;
	size_t i;
	char *t;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = jws(cases[i].payload);
		if (agent_token_times(t, strlen(t), &exp, &iat, NULL) !=
		    cases[i].r)
			fail_msg("payload %s", cases[i].payload);
		if (cases[i].r == CCAKIT_OK &&
		    (exp != cases[i].exp || iat != cases[i].iat))
			fail_msg("payload %s: exp %lld iat %lld",
			    cases[i].payload, (long long)exp, (long long)iat);
		free(t);
	}
	assert_int_equal(agent_token_times("a.b", 3, &exp, &iat, NULL),
	    CCAKIT_ERR_ENCODING);
	assert_int_equal(agent_token_times("a.b.c.d", 7, &exp, &iat, NULL),
	    CCAKIT_ERR_ENCODING);
	assert_int_equal(agent_token_times("a.!!.c", 6, &exp, &iat, NULL),
	    CCAKIT_ERR_ENCODING);
	assert_int_equal(agent_token_times("a..c", 4, &exp, &iat, NULL),
	    CCAKIT_ERR_JSON);
	assert_int_equal(agent_token_times("a.b.c", AGENT_TOKEN_MAX + 1, &exp,
	    &iat, NULL), CCAKIT_ERR_TOO_LARGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kbc_params),
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_nothing),
		cmocka_unit_test(test_env_and_cmdline),
		cmocka_unit_test(test_aa_toml),
		cmocka_unit_test(test_aa_toml_errors),
		cmocka_unit_test(test_cdh_toml),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_initdata),
		cmocka_unit_test(test_token_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
