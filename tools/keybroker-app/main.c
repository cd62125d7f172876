/*
 * keybroker-app: asks a key broker for a secret, proving with an
 * attestation token that it runs in a genuine realm with an approved
 * initial measurement. The flags and exit statuses of Veraison's demo
 * app, plus a choice of attester. See keybroker-app(1).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/eventlog.h>
#include <ccakit/version.h>

#include "httpc.h"
#include "kba.h"
#include "util/util.h"

#define PROG "keybroker-app"

enum {
	OPT_ATTESTER = 256, OPT_CLAIMS, OPT_CPAK, OPT_RAK, OPT_TSM_ROOT,
	OPT_FORMAT, OPT_ALG, OPT_BITS, OPT_CACERT, OPT_EVLOG, OPT_MOCK_TOKEN,
	OPT_HELP,
};

static const struct option longopts[] = {
	{ "endpoint", required_argument, NULL, 'e' },
	{ "mock-evidence", no_argument, NULL, 'm' },
	{ "mock-token", required_argument, NULL, OPT_MOCK_TOKEN },
	{ "verbose", no_argument, NULL, 'v' },
	{ "verbosity", no_argument, NULL, 'v' },        /* upstream's name */
	{ "quiet", no_argument, NULL, 'q' },
	{ "output", required_argument, NULL, 'o' },
	{ "attester", required_argument, NULL, OPT_ATTESTER },
	{ "claims", required_argument, NULL, OPT_CLAIMS },
	{ "platform-key", required_argument, NULL, OPT_CPAK },
	{ "realm-key", required_argument, NULL, OPT_RAK },
	{ "tsm-root", required_argument, NULL, OPT_TSM_ROOT },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "alg", required_argument, NULL, OPT_ALG },
	{ "key-bits", required_argument, NULL, OPT_BITS },
	{ "cacert", required_argument, NULL, OPT_CACERT },
	{ "event-log", required_argument, NULL, OPT_EVLOG },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: " PROG " [options] KEY-NAME\n"
"  -e, --endpoint URL        key broker (http://127.0.0.1:8088)\n"
"  -m, --mock-evidence       send the token of --mock-token, as it is\n"
"      --mock-token FILE     the token for -m (implies -m): the demo's is\n"
"                            keybroker-demo's CCA_EXAMPLE_TOKEN, see\n"
"                            keybroker-app(1)\n"
"      --attester tsm|emulated   where evidence comes from (tsm)\n"
"      --tsm-root DIR        configfs-tsm report directory\n"
"                            (/sys/kernel/config/tsm/report)\n"
"      --claims FILE         emulated realm: claims (JSON)\n"
"      --platform-key PEM    emulated realm: CPAK private key\n"
"      --realm-key PEM       emulated realm: RAK private key\n"
"      --format 399|907      emulated realm: token format (907)\n"
"      --alg ALG             RSA1_5 (default), RSA-OAEP, RSA-OAEP-256\n"
"      --key-bits N          wrapping key size (2048)\n"
"      --cacert PEM          trust root for an https key broker\n"
"      --event-log FILE      send the realm's measurement event log too\n"
"                            (CCEL: /sys/firmware/acpi/tables/data/CCEL)\n"
"  -o, --output FILE         write the secret there, exactly (mode 0600)\n"
"  -v, --verbose             tell what happens (also --verbosity)\n"
"  -q, --quiet               no messages\n"
"  -V, --version             print the version\n"
"  -h, --help                this text\n"
"Exit status: 0 key released, 1 attestation refused, 2 other error.\n");
}

static int
usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '" PROG " --help'.\n");
	return KBA_EXIT_ERROR;
}

/*
 * The secret on stdout with a newline, or exactly into a file: owner-only
 * (a regular file is replaced by a new 0600 one; a symbolic link is
 * followed, its target made 0600 first; a FIFO or a device is written
 * in place). -1 and errno on failure.
 */
static int
write_secret(const char *path, const uint8_t *p, size_t len)
{
	int r;

	if (path == NULL) {
		if (fwrite(p, 1, len, stdout) != len || fputc('\n', stdout) ==
		    EOF || fflush(stdout) != 0)
			return -1;
		return 0;
	}
	if ((r = cki_write_file(path, p, len, 0600)) == CCAKIT_OK)
		return 0;
	if (r != CCAKIT_ERR_IO)
		errno = r == CCAKIT_ERR_NOMEM ? ENOMEM : EINVAL;
	return -1;
}

int
main(int argc, char **argv)
{
	struct kba_opts o;
	struct kba_result res;
	struct ccakit_errdetail d;
	const char *attester = "tsm", *claims = NULL, *cpak = NULL;
	const char *rak = NULL, *tsm_root = NULL, *out = NULL, *evlog = NULL;
	const char *mock_path = NULL;
	uint8_t *log = NULL, *mock_token = NULL;
	size_t loglen;
	bool mock = false;
	enum ccakit_token_format fmt = CCAKIT_FORMAT_907;
	char *end;
	unsigned long v;
	int c, r, rc = KBA_EXIT_ERROR;

	memset(&o, 0, sizeof(o));
	memset(&d, 0, sizeof(d));
	o.endpoint = "http://127.0.0.1:8088";
	o.alg = CCAKIT_WRAP_RSA1_5;
	o.bits = 2048;
	while ((c = getopt_long(argc, argv, "e:mvqo:Vh", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'e':
			o.endpoint = optarg;
			break;
		case 'm':
			mock = true;
			break;
		case OPT_MOCK_TOKEN:
			mock_path = optarg;
			break;
		case 'v':
			kba_verbosity = 2;
			break;
		case 'q':
			kba_verbosity = 0;
			break;
		case 'o':
			out = optarg;
			break;
		case OPT_ATTESTER:
			if (strcmp(optarg, "tsm") != 0 &&
			    strcmp(optarg, "emulated") != 0)
				return usage_error("--attester: tsm or "
				    "emulated, not '%s'", optarg);
			attester = optarg;
			break;
		case OPT_CLAIMS:
			claims = optarg;
			break;
		case OPT_CPAK:
			cpak = optarg;
			break;
		case OPT_RAK:
			rak = optarg;
			break;
		case OPT_TSM_ROOT:
			tsm_root = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "399") == 0)
				fmt = CCAKIT_FORMAT_399;
			else if (strcmp(optarg, "907") == 0)
				fmt = CCAKIT_FORMAT_907;
			else
				return usage_error("--format: 399 or 907, not "
				    "'%s'", optarg);
			break;
		case OPT_ALG:
			if (strcmp(optarg, "RSA1_5") == 0)
				o.alg = CCAKIT_WRAP_RSA1_5;
			else if (strcmp(optarg, "RSA-OAEP") == 0)
				o.alg = CCAKIT_WRAP_RSA_OAEP;
			else if (strcmp(optarg, "RSA-OAEP-256") == 0)
				o.alg = CCAKIT_WRAP_RSA_OAEP_256;
			else
				return usage_error("--alg: unknown '%s'",
				    optarg);
			break;
		case OPT_BITS:
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || v < 1024 ||
			    v > CCAKIT_WRAPKEY_MAX_BITS)
				return usage_error("--key-bits: 1024..8192, not "
				    "'%s'", optarg);
			o.bits = (unsigned)v;
			break;
		case OPT_CACERT:
			o.cafile = optarg;
			break;
		case OPT_EVLOG:
			evlog = optarg;
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return KBA_EXIT_OK;
		case 'V':
			printf(PROG " %s\n", CCAKIT_VERSION);
			return KBA_EXIT_OK;
		default:
			usage(stderr);
			return KBA_EXIT_ERROR;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return KBA_EXIT_ERROR;
	}
	o.key = argv[optind];
	if (!kbs_name_valid(o.key))
		return usage_error("'%s' is not a valid key name", o.key);
	if (mock && mock_path == NULL)
		return usage_error("-m needs --mock-token FILE (the demo's "
		    "token; see keybroker-app(1))");
	if (mock_path != NULL) {
		if ((r = cki_read_file(mock_path, CCAKIT_TOKEN_MAX_SIZE,
		    &mock_token, &o.mock_token_len)) != CCAKIT_OK) {
			kba_log(1, "%s: %s", mock_path, r == CCAKIT_ERR_IO ?
			    strerror(errno) : ccakit_strerror(r));
			return KBA_EXIT_ERROR;
		}
		o.mock_token = mock_token;
	} else {
		if (strcmp(attester, "emulated") == 0) {
			if (claims == NULL || cpak == NULL || rak == NULL)
				return usage_error("--attester emulated "
				    "needs --claims, --platform-key and "
				    "--realm-key");
			r = (o.attester = ccakit_attester_new()) == NULL ?
			    CCAKIT_ERR_NOMEM :
			    ccakit_attester_init_emulated_files(o.attester,
			    claims, cpak, rak, fmt, &d);
		} else {
			r = (o.attester = ccakit_attester_new()) == NULL ?
			    CCAKIT_ERR_NOMEM :
			    ccakit_attester_init_tsm(o.attester, tsm_root, &d);
		}
		if (r != CCAKIT_OK) {
			ccakit_attester_free(&o.attester);
			kba_log(1, "%s attester: %s%s%s", attester,
			    ccakit_strerror(r), d.text[0] != '\0' ? ": " : "",
			    d.text);
			return KBA_EXIT_ERROR;
		}
	}
	if (evlog != NULL) {
		if ((r = cki_read_file(evlog, CCAKIT_EVLOG_MAX_SIZE, &log,
		    &loglen)) != CCAKIT_OK) {
			kba_log(1, "%s: %s", evlog, r == CCAKIT_ERR_IO ?
			    strerror(errno) : ccakit_strerror(r));
			goto out;
		}
		o.event_log = log;
		o.event_log_len = loglen;
	}
	if (svc_httpc_global_init() != 0) {
		kba_log(1, "libcurl initialisation failed");
		goto out;
	}
	kba_get_key(&o, &res);
	switch (res.status) {
	case KBA_EXIT_OK:
		kba_log(2, "Attestation success :-) ! The key returned from "
		    "the keybroker is '%.*s'", (int)res.secret_len,
		    (const char *)res.secret);
		if (write_secret(out, res.secret, res.secret_len) != 0) {
			kba_log(1, "%s: %s", out != NULL ? out : "stdout",
			    strerror(errno));
			break;
		}
		rc = KBA_EXIT_OK;
		break;
	case KBA_EXIT_REFUSED:
		kba_log(1, "Attestation failure :-( ! %s: %s", res.type,
		    res.detail);
		rc = KBA_EXIT_REFUSED;
		break;
	default:
		kba_log(1, "The key request failed with: %s", res.detail);
		break;
	}
	if (res.secret != NULL) {
		ccakit_wipe(res.secret, res.secret_len);
		free(res.secret);
	}
	svc_httpc_global_cleanup();
out:
	ccakit_attester_free(&o.attester);
	free(log);
	free(mock_token);
	return rc;
}
