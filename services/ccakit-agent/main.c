/*
 * ccakit-agent: the realm side of Confidential Containers in one small
 * process: guest-components' REST API (api-server-rest on
 * 127.0.0.1:8006), its attestation agent (evidence, RCAR, tokens) and
 * its confidential data hub (resources from a KBS), configured as they
 * are. See ccakit-agent(8) and docs/agent.md.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ccakit/version.h>

#include "agent.h"
#include "conf.h"
#include "httpc.h"
#include "svcmain.h"
#include "util/util.h"

#define DEFAULT_CMDLINE         "/proc/cmdline"
#define DEFAULT_THREADS         4
#define DEFAULT_MAX_CONNS       64

enum {
	OPT_AA_CONFIG = 256, OPT_CDH_CONFIG, OPT_INITDATA, OPT_CMDLINE,
	OPT_KBS_URL, OPT_KBS_CERT, OPT_TEE_KEY_ALG, OPT_ATTESTER,
	OPT_TSM_ROOT, OPT_CLAIMS, OPT_CPAK, OPT_RAK, OPT_FORMAT,
	OPT_PER_REQUEST, OPT_REFRESH, OPT_ATTEMPTS, OPT_RETRY_DELAY,
	OPT_KBS_TIMEOUT, OPT_THREADS, OPT_MAX_CONNS, OPT_PORT_FILE, OPT_HELP,
};

static const struct option longopts[] = {
	{ "bind", required_argument, NULL, 'b' },
	{ "features", required_argument, NULL, 'f' },
	{ "aa-config", required_argument, NULL, OPT_AA_CONFIG },
	{ "cdh-config", required_argument, NULL, OPT_CDH_CONFIG },
	{ "initdata-toml", required_argument, NULL, OPT_INITDATA },
	{ "cmdline", required_argument, NULL, OPT_CMDLINE },
	{ "kbs-url", required_argument, NULL, OPT_KBS_URL },
	{ "kbs-cert", required_argument, NULL, OPT_KBS_CERT },
	{ "tee-key-algorithm", required_argument, NULL, OPT_TEE_KEY_ALG },
	{ "attester", required_argument, NULL, OPT_ATTESTER },
	{ "tsm-root", required_argument, NULL, OPT_TSM_ROOT },
	{ "claims", required_argument, NULL, OPT_CLAIMS },
	{ "platform-key", required_argument, NULL, OPT_CPAK },
	{ "realm-key", required_argument, NULL, OPT_RAK },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "token-per-request", no_argument, NULL, OPT_PER_REQUEST },
	{ "token-refresh", required_argument, NULL, OPT_REFRESH },
	{ "attest-attempts", required_argument, NULL, OPT_ATTEMPTS },
	{ "retry-delay-ms", required_argument, NULL, OPT_RETRY_DELAY },
	{ "kbs-timeout", required_argument, NULL, OPT_KBS_TIMEOUT },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "max-connections", required_argument, NULL, OPT_MAX_CONNS },
	{ "port-file", required_argument, NULL, OPT_PORT_FILE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: " AGENT_PROG " [options]\n"
"  -b, --bind ADDR:PORT          the REST API (" AGENT_DEFAULT_BIND ";\n"
"                                IPv6 as [::1]:8006); peers other than\n"
"                                loopback get 403\n"
"  -f, --features SET            resource (/cdh), attestation (/aa) or all\n"
"                                (resource)\n"
"Configuration, as guest-components reads it:\n"
"      --aa-config FILE          aa.toml: [token_configs.kbs] url, cert,\n"
"                                tee_key_algorithm; [eventlog_config]\n"
"      --cdh-config FILE         cdh.toml: [kbc] name, url, kbs_cert\n"
"      --initdata-toml FILE      init-data sent to the KBS; its [data]\n"
"                                aa.toml and cdh.toml stand in for the two\n"
"                                files above when they are not given\n"
"      --cmdline FILE            the kernel command line, for\n"
"                                agent.aa_kbc_params=cc_kbc::URL\n"
"                                (/proc/cmdline)\n"
"                                Environment: AA_KBC_PARAMS, KBS_CERT.\n"
"      --kbs-url URL             the KBS, over all of the above\n"
"      --kbs-cert FILE           its extra root certificate (PEM)\n"
"      --tee-key-algorithm ALG   ECDH-ES+A256KW-P256 (default),\n"
"                                ECDH-ES+A256KW-P521 or RSA-OAEP-256\n"
"Attester:\n"
"      --attester tsm|emulated   configfs-tsm in a realm (tsm), or the\n"
"                                emulated realm for development\n"
"      --tsm-root DIR            configfs-tsm reports\n"
"                                (/sys/kernel/config/tsm/report)\n"
"      --claims FILE             emulated realm: claims (JSON)\n"
"      --platform-key PEM        emulated realm: CPAK private key\n"
"      --realm-key PEM           emulated realm: RAK private key\n"
"      --format 399|907          emulated realm: token format (907)\n"
"KBS client:\n"
"      --token-per-request       attest for every resource, as\n"
"                                guest-components does (default: keep the\n"
"                                token while it is valid)\n"
"      --token-refresh SECONDS   renew a token this long before it expires\n"
"                                (30)\n"
"      --attest-attempts N       RCAR attempts per token (5)\n"
"      --retry-delay-ms MS       between them (1000)\n"
"      --kbs-timeout SECONDS     per KBS request (60)\n"
"Server:\n"
"      --threads N               request threads (4)\n"
"      --max-connections N       open REST connections (64)\n"
"      --port-file FILE          write the bound port there when ready\n"
"  -v, --verbose                 more logging (repeatable)\n"
"  -q, --quiet                   errors only\n"
"  -V, --version                 print the version\n"
"  -h, --help                    this text\n");
}

static int
usage_error(const char *fmt, ...) SVC_PRINTF(1, 2);

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, AGENT_PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '" AGENT_PROG " --help'.\n");
	return 2;
}

#define die(...) svc_die(AGENT_PROG, __VA_ARGS__)

struct args {
	const char *bind, *features, *aa_config, *cdh_config, *initdata;
	const char *cmdline, *kbs_url, *kbs_cert, *tee_key_alg, *attester;
	const char *tsm_root, *claims, *cpak, *rak, *port_file;
	enum ccakit_token_format format;
	bool per_request;
	unsigned long refresh, attempts, retry_delay, timeout, threads;
	unsigned long max_conns;
	int verbosity;
};

static int
number(const char *opt, const char *arg, unsigned long min,
    unsigned long max, unsigned long *out)
{
	if (!svc_parse_uint(arg, max, out) || *out < min)
		return usage_error("%s: %lu..%lu, not '%s'", opt, min, max,
		    arg);
	return 0;
}

static int
parse_args(int argc, char **argv, struct args *a)
{
	int c;

	memset(a, 0, sizeof(*a));
	a->bind = AGENT_DEFAULT_BIND;
	a->features = "resource";
	a->cmdline = DEFAULT_CMDLINE;
	a->attester = "tsm";
	a->format = CCAKIT_FORMAT_907;
	a->refresh = AGENT_REFRESH_S;
	a->attempts = AGENT_ATTEST_TRIES;
	a->retry_delay = AGENT_RETRY_DELAY_MS;
	a->timeout = 60;
	a->threads = DEFAULT_THREADS;
	a->max_conns = DEFAULT_MAX_CONNS;
	a->verbosity = SVC_LOG_WARN;
	while ((c = getopt_long(argc, argv, "b:f:vqVh", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'b': a->bind = optarg; break;
		case 'f':
			if (strcmp(optarg, "resource") != 0 &&
			    strcmp(optarg, "attestation") != 0 &&
			    strcmp(optarg, "all") != 0)
				return usage_error("Unknown features. "
				    "Supported features are: resource, "
				    "attestation, all.");
			a->features = optarg;
			break;
		case OPT_AA_CONFIG: a->aa_config = optarg; break;
		case OPT_CDH_CONFIG: a->cdh_config = optarg; break;
		case OPT_INITDATA: a->initdata = optarg; break;
		case OPT_CMDLINE: a->cmdline = optarg; break;
		case OPT_KBS_URL: a->kbs_url = optarg; break;
		case OPT_KBS_CERT: a->kbs_cert = optarg; break;
		case OPT_TEE_KEY_ALG:
			if (!agent_tee_key_algorithm_valid(optarg))
				return usage_error("--tee-key-algorithm: "
				    "ECDH-ES+A256KW-P256, ECDH-ES+A256KW-P521 "
				    "or RSA-OAEP-256, not '%s'", optarg);
			a->tee_key_alg = optarg;
			break;
		case OPT_ATTESTER:
			if (strcmp(optarg, "tsm") != 0 &&
			    strcmp(optarg, "emulated") != 0)
				return usage_error("--attester: tsm or "
				    "emulated, not '%s'", optarg);
			a->attester = optarg;
			break;
		case OPT_TSM_ROOT: a->tsm_root = optarg; break;
		case OPT_CLAIMS: a->claims = optarg; break;
		case OPT_CPAK: a->cpak = optarg; break;
		case OPT_RAK: a->rak = optarg; break;
		case OPT_FORMAT:
			if (strcmp(optarg, "399") == 0)
				a->format = CCAKIT_FORMAT_399;
			else if (strcmp(optarg, "907") == 0)
				a->format = CCAKIT_FORMAT_907;
			else
				return usage_error("--format: 399 or 907, not "
				    "'%s'", optarg);
			break;
		case OPT_PER_REQUEST: a->per_request = true; break;
		case OPT_REFRESH:
			if (number("--token-refresh", optarg, 0, 86400,
			    &a->refresh) != 0)
				return 2;
			break;
		case OPT_ATTEMPTS:
			if (number("--attest-attempts", optarg, 1, 100,
			    &a->attempts) != 0)
				return 2;
			break;
		case OPT_RETRY_DELAY:
			if (number("--retry-delay-ms", optarg, 0, 600000,
			    &a->retry_delay) != 0)
				return 2;
			break;
		case OPT_KBS_TIMEOUT:
			if (number("--kbs-timeout", optarg, 1, 3600,
			    &a->timeout) != 0)
				return 2;
			break;
		case OPT_THREADS:
			if (number("--threads", optarg, 1, 64, &a->threads) !=
			    0)
				return 2;
			break;
		case OPT_MAX_CONNS:
			if (number("--max-connections", optarg, 1, 10000,
			    &a->max_conns) != 0)
				return 2;
			break;
		case OPT_PORT_FILE: a->port_file = optarg; break;
		case 'v':
			if (a->verbosity < SVC_LOG_TRACE)
				a->verbosity++;
			break;
		case 'q': a->verbosity = SVC_LOG_ERROR; break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return -1;
		case 'V':
			printf(AGENT_PROG " (ccakit) %s\n", CCAKIT_VERSION);
			return -1;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (strcmp(a->attester, "emulated") == 0 && (a->claims == NULL ||
	    a->cpak == NULL || a->rak == NULL))
		return usage_error("--attester emulated needs --claims, "
		    "--platform-key and --realm-key");
	return 0;
}

/* The inputs of the configuration: files, environment, command line. */
struct texts {
	char *aa, *cdh, *initdata, *id_aa, *id_cdh, *cmdline, *cert;
	size_t certlen;
};

static void
texts_free(struct texts *t)
{
	free(t->aa);
	free(t->cdh);
	free(t->initdata);
	free(t->id_aa);
	free(t->id_cdh);
	free(t->cmdline);
	free(t->cert);
	memset(t, 0, sizeof(*t));
}

static int
read_config(const struct args *a, struct texts *t, struct agent_conf *conf)
{
	struct agent_conf_in in;
	struct ccakit_errdetail d;
	uint8_t *buf;
	size_t len;
	int r;

	memset(&in, 0, sizeof(in));
	memset(&d, 0, sizeof(d));
	if (a->aa_config != NULL && svc_read_text(AGENT_PROG, a->aa_config,
	    AGENT_CONF_MAX_FILE, &t->aa, &len) != 0)
		return 1;
	if (a->cdh_config != NULL && svc_read_text(AGENT_PROG, a->cdh_config,
	    AGENT_CONF_MAX_FILE, &t->cdh, &len) != 0)
		return 1;
	if (a->initdata != NULL) {
		if (svc_read_text(AGENT_PROG, a->initdata, AGENT_CONF_MAX_FILE,
		    &t->initdata, &len) != 0)
			return 1;
		if ((r = agent_initdata_parse(t->initdata, len, a->initdata,
		    &t->id_aa, &t->id_cdh, &d)) != CCAKIT_OK)
			return die("%s", svc_detail_text(r, &d));
	}
	if (a->kbs_cert != NULL && svc_read_text(AGENT_PROG, a->kbs_cert,
	    AGENT_CONF_MAX_FILE, &t->cert, &t->certlen) != 0)
		return 1;
	/* An unreadable command line is no command line (as upstream). */
	if (cki_read_file(a->cmdline, AGENT_CMDLINE_MAX, &buf, &len) ==
	    CCAKIT_OK)
		t->cmdline = (char *)buf;
	in.aa_toml = t->aa != NULL ? t->aa : t->id_aa;
	in.aa_name = t->aa != NULL ? a->aa_config : "init-data aa.toml";
	in.cdh_toml = t->cdh != NULL ? t->cdh : t->id_cdh;
	in.cdh_name = t->cdh != NULL ? a->cdh_config : "init-data cdh.toml";
	in.env_kbc_params = getenv("AA_KBC_PARAMS");
	in.env_kbs_cert = getenv("KBS_CERT");
	in.cmdline = t->cmdline;
	in.url = a->kbs_url;
	in.cert = t->cert;
	in.tee_key_algorithm = a->tee_key_alg;
	if ((r = agent_conf_resolve(&in, conf, &d)) != CCAKIT_OK)
		return die("%s", svc_detail_text(r, &d));
	return 0;
}

static int
make_attester(const struct args *a, struct agent_attester *aa)
{
	struct ccakit_errdetail d;
	ccakit_attester *at;
	int r;

	memset(&d, 0, sizeof(d));
	if ((at = ccakit_attester_new()) == NULL)
		return die("out of memory");
	if (strcmp(a->attester, "emulated") == 0)
		r = ccakit_attester_init_emulated_files(at, a->claims, a->cpak,
		    a->rak, a->format, &d);
	else
		r = ccakit_attester_init_tsm(at, a->tsm_root, &d);
	if (r != CCAKIT_OK) {
		ccakit_attester_free(&at);
		return die("%s attester: %s%s", a->attester,
		    svc_detail_text(r, &d), strcmp(a->attester, "tsm") == 0 ?
		    " (outside a realm, use --attester emulated)" : "");
	}
	if (agent_attester_init(aa, at) != CCAKIT_OK) {
		ccakit_attester_free(&at);
		return die("cannot initialise a mutex");
	}
	return 0;
}

static void
log_side(const char *what, const struct agent_kbs_conf *k)
{
	if (k->url != NULL)
		svc_info("%s: KBS %s (from %s%s)", what, k->url, k->source,
		    k->cert != NULL ? ", with an extra root certificate" : "");
	else
		svc_info("%s: no KBS: %s", what, k->why);
}

int
main(int argc, char **argv)
{
	struct args a;
	struct texts t;
	struct agent_conf conf;
	struct agent_attester attester;
	struct agent ag;
	struct agent_kbs_opts ko;
	struct svc_httpd_conf hc;
	struct svc_httpd *httpd = NULL;
	struct svc_route route = { "*", "{*}", AGENT_AAEL_MAX, agent_handle };
	struct ccakit_errdetail d;
	char addr[64], err[256];
	uint16_t port;
	sigset_t sigs;
	bool have_attester = false;
	int r, rc = 1, sig;

	svc_json_wipe();
	memset(&t, 0, sizeof(t));
	memset(&conf, 0, sizeof(conf));
	memset(&ag, 0, sizeof(ag));
	memset(&d, 0, sizeof(d));
	if ((r = parse_args(argc, argv, &a)) != 0)
		return r < 0 ? 0 : r;
	if (svc_parse_socket(a.bind, addr, sizeof(addr), &port) != 0)
		return usage_error("--bind: '%s' is not ADDRESS:PORT", a.bind);
	svc_log_init(AGENT_PROG, a.verbosity);
	if (read_config(&a, &t, &conf) != 0)
		goto out;
	if (make_attester(&a, &attester) != 0)
		goto out;
	have_attester = true;
	svc_block_signals(&sigs);
	if (svc_httpc_global_init() != 0) {
		die("libcurl initialisation failed");
		goto out;
	}
	ag.features = a.features;
	ag.aa_on = strcmp(a.features, "resource") != 0;
	ag.cdh_on = strcmp(a.features, "attestation") != 0;
	ag.eventlog = conf.eventlog;
	ag.attester = &attester;
	memset(&ko, 0, sizeof(ko));
	ko.aa_url = conf.aa.url;
	ko.aa_cert = conf.aa.cert;
	ko.aa_why = conf.aa.why;
	ko.cdh_url = conf.cdh.url;
	ko.cdh_cert = conf.cdh.cert;
	ko.cdh_why = conf.cdh.why;
	ko.tee_key_algorithm = conf.tee_key_algorithm;
	ko.init_data = t.initdata;
	ko.attester = &attester;
	ko.timeout_ms = (long)a.timeout * 1000;
	ko.attest_tries = (unsigned)a.attempts;
	ko.retry_delay_ms = (unsigned)a.retry_delay;
	ko.refresh_s = (unsigned)a.refresh;
	ko.max_conns = (unsigned)a.threads;
	ko.token_per_request = a.per_request;
	if ((r = agent_kbs_new(&ko, &ag.kbs, &d)) != CCAKIT_OK) {
		die("%s", svc_detail_text(r, &d));
		goto out_curl;
	}
	log_side("tokens", &conf.aa);
	log_side("resources", &conf.cdh);
	memset(&hc, 0, sizeof(hc));
	hc.addr = addr;
	hc.port = port;
	hc.threads = (unsigned)a.threads;
	hc.conn_limit = (unsigned)a.max_conns;
	hc.request_timeout_s = SVC_HTTP_REQ_TIMEOUT;
	hc.timeout_s = SVC_HTTP_IDLE_TIMEOUT;
	hc.conn_memory = SVC_HTTP_CONN_MEMORY;
	hc.routes = &route;
	hc.nroutes = 1;
	hc.arg = &ag;
	if (svc_httpd_start(&hc, &httpd, err, sizeof(err)) != 0) {
		die("%s", err);
		goto out_kbs;
	}
	if (a.port_file != NULL &&
	    svc_write_port_file(a.port_file, svc_httpd_port(httpd)) != 0) {
		die("%s: %s", a.port_file, strerror(errno));
		goto out_kbs;
	}
	svc_info("REST API on %s port %u, features %s%s", addr,
	    svc_httpd_port(httpd), a.features, a.per_request ?
	    ", a token per request" : "");
	for (;;) {
		sig = sigwaitinfo(&sigs, NULL);
		if (sig == SIGINT || sig == SIGTERM)
			break;
	}
	svc_info("signal %d: stopping", sig);
	rc = 0;
out_kbs:
	svc_httpd_stop(&httpd);
	if (a.port_file != NULL && rc == 0)
		unlink(a.port_file);
	agent_kbs_free(&ag.kbs);
out_curl:
	svc_httpc_global_cleanup();
out:
	if (have_attester)
		agent_attester_clear(&attester);
	agent_conf_clear(&conf);
	texts_free(&t);
	return rc;
}
