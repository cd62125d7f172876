/*
 * ccatoken attest: the passport model. Ask a Veraison-compatible
 * verifier for a nonce, get a token for it from configfs-tsm or the
 * emulated realm, submit it, verify the EAR the verifier signed (with
 * the key of its discovery document, the nonce, its age) and print it.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/ear.h>
#include <ccakit/tsm.h>

#include "ccatoken.h"
#include "httpc.h"
#include "veraison.h"
#include "vproto.h"

static const char attest_help[] =
    "Usage: ccatoken attest --verifier URL [--attester tsm|emulated]\n"
    "                       [--tsm-root DIR] [--claims FILE\n"
    "                       --platform-key PEM --realm-key PEM]\n"
    "                       [--format 399|907] [--nonce-size N]\n"
    "                       [--cacert PEM] [-o FILE] [--json]\n"
    "\n"
    "Attest this realm to a Veraison-compatible verifier (passport\n"
    "model): get a nonce from the verifier, the token for it from the\n"
    "attester, submit it, and verify the signed EAR that comes back with\n"
    "the verifier's published key. Prints the appraisal, or the EAR's\n"
    "claims with --json.\n"
    "\n"
    "  --verifier URL        the verifier (e.g. http://127.0.0.1:8080)\n"
    "  --attester KIND       tsm (configfs-tsm, the default) or emulated\n"
    "  --tsm-root DIR        configfs-tsm report directory\n"
    "                        (" CCAKIT_TSM_DEFAULT_ROOT ")\n"
    "  --claims FILE         emulated realm: claims (JSON)\n"
    "  --platform-key PEM    emulated realm: CPAK private key\n"
    "  --realm-key PEM       emulated realm: RAK private key\n"
    "  --format 399|907      emulated realm: token format (907)\n"
    "  --nonce-size N        nonce the verifier makes, 32..64 bytes (64)\n"
    "  --cacert PEM          extra trust root for an https verifier\n"
    "  -o, --output FILE     write the EAR (JWT) there\n"
    "  --json                print the EAR's claims as JSON\n"
    "  -h, --help            print this help\n"
    "\n"
    "Exit status: 0 the EAR verified and every submodule is affirming,\n"
    "1 usage error, 2 error (verifier, attester, an EAR that does not\n"
    "verify), 3 the EAR verified but is not affirming.\n";

enum {
	OPT_VERIFIER = 256, OPT_ATTESTER, OPT_TSM_ROOT, OPT_CLAIMS, OPT_CPAK,
	OPT_RAK, OPT_FORMAT, OPT_NONCE_SIZE, OPT_CACERT, OPT_JSON,
};

struct attest_opts {
	const char *url;                /* no trailing '/' */
	const char *kind;               /* tsm or emulated */
	const char *root, *claims, *cpak, *rak;
	enum ccakit_token_format fmt;
	unsigned long nsize;
	const char *cafile;
	const char *out;
	bool json;
};

static void
print_appraisal(const ccakit_ear *e, const char *url)
{
	struct ccakit_tv tv;
	enum ccakit_tier t;
	const char *name, *build = NULL, *dev = NULL, *pol;
	char *pc;
	size_t i;
	int c;

	ccakit_ear_verifier_id(e, &build, &dev);
	printf("EAR verified (verifier %s, %s/%s)\n", url,
	    dev != NULL ? dev : "?", build != NULL ? build : "?");
	for (i = 0; (name = ccakit_ear_submod_name(e, i)) != NULL; i++) {
		if (ccakit_ear_submod_status(e, name, &t) != CCAKIT_OK)
			t = CCAKIT_TIER_NONE;
		printf("submod %s: %s\n", name, ccakit_tier_name(t));
		if (ccakit_ear_submod_tv(e, name, &tv) == CCAKIT_OK) {
			printf("  trust vector:");
			for (c = 0; c < CCAKIT_TV_NCLAIMS; c++)
				if (ccakit_tv_is_set(&tv,
				    (enum ccakit_tv_claim)c))
					printf(" %s=%d", ccakit_tv_claim_name(
					    (enum ccakit_tv_claim)c), tv.v[c]);
			printf("\n");
		}
		if ((pol = ccakit_ear_submod_policy_id(e, name)) != NULL)
			printf("  appraisal policy: %s\n", pol);
		if (ccakit_ear_submod_policy_claims(e, name, &pc) ==
		    CCAKIT_OK) {
			printf("  policy claims: %s\n", pc);
			ccakit_free(pc);
		}
	}
}

/* Every submod affirming (and at least one). */
static bool
all_affirming(const ccakit_ear *e)
{
	enum ccakit_tier t;
	const char *name;
	size_t i;

	for (i = 0; (name = ccakit_ear_submod_name(e, i)) != NULL; i++)
		if (ccakit_ear_submod_status(e, name, &t) != CCAKIT_OK ||
		    t != CCAKIT_TIER_AFFIRMING)
			return false;
	return i > 0;
}

static int
make_attester(const char *kind, const char *root, const char *claims,
    const char *cpak, const char *rak, enum ccakit_token_format fmt,
    ccakit_attester **a)
{
	struct ccakit_errdetail d;
	int r;

	memset(&d, 0, sizeof(d));
	if ((*a = ccakit_attester_new()) == NULL)
		r = CCAKIT_ERR_NOMEM;
	else if (strcmp(kind, "emulated") == 0)
		r = ccakit_attester_init_emulated_files(*a, claims, cpak, rak,
		    fmt, &d);
	else
		r = ccakit_attester_init_tsm(*a, root, &d);
	if (r != CCAKIT_OK) {
		ccakit_attester_free(a);
		return fail(EXIT_MALFORMED, "attest", "%s attester: %s", kind,
		    d.text[0] != '\0' ? d.text : ccakit_strerror(r));
	}
	return EXIT_OK;
}

/* The command line into *o: -1 to go on, else the exit status. */
static int
parse_args(int argc, char **argv, struct attest_opts *o)
{
	static const struct option opts[] = {
		{ "verifier", required_argument, NULL, OPT_VERIFIER },
		{ "attester", required_argument, NULL, OPT_ATTESTER },
		{ "tsm-root", required_argument, NULL, OPT_TSM_ROOT },
		{ "claims", required_argument, NULL, OPT_CLAIMS },
		{ "platform-key", required_argument, NULL, OPT_CPAK },
		{ "realm-key", required_argument, NULL, OPT_RAK },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "nonce-size", required_argument, NULL, OPT_NONCE_SIZE },
		{ "cacert", required_argument, NULL, OPT_CACERT },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int ch;

	memset(o, 0, sizeof(*o));
	o->kind = "tsm";
	o->fmt = CCAKIT_FORMAT_907;
	o->nsize = 64;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_VERIFIER:
			o->url = optarg;
			break;
		case OPT_ATTESTER:
			o->kind = optarg;
			if (strcmp(o->kind, "tsm") != 0 &&
			    strcmp(o->kind, "emulated") != 0)
				return usage_error("attest", "--attester must "
				    "be tsm or emulated");
			break;
		case OPT_TSM_ROOT:
			o->root = optarg;
			break;
		case OPT_CLAIMS:
			o->claims = optarg;
			break;
		case OPT_CPAK:
			o->cpak = optarg;
			break;
		case OPT_RAK:
			o->rak = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "399") == 0)
				o->fmt = CCAKIT_FORMAT_399;
			else if (strcmp(optarg, "907") == 0)
				o->fmt = CCAKIT_FORMAT_907;
			else
				return usage_error("attest", "--format must "
				    "be 399 or 907");
			break;
		case OPT_NONCE_SIZE:
			o->nsize = strtoul(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' ||
			    o->nsize < CCAKIT_TSM_INBLOB_MIN ||
			    o->nsize > CCAKIT_TSM_INBLOB_MAX)
				return usage_error("attest", "--nonce-size "
				    "must be 32 to 64");
			break;
		case OPT_CACERT:
			o->cafile = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case 'h':
			fputs(attest_help, stdout);
			return EXIT_OK;
		default:
			fputs(attest_help, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return usage_error("attest", "unexpected argument '%s'",
		    argv[optind]);
	if (o->url == NULL)
		return usage_error("attest", "--verifier URL is required");
	if (strcmp(o->kind, "emulated") == 0 && (o->claims == NULL ||
	    o->cpak == NULL || o->rak == NULL))
		return usage_error("attest", "the emulated attester needs "
		    "--claims, --platform-key and --realm-key");
	return -1;
}

/* The verified EAR: saved (-o), printed, and the exit status. */
static int
report(const struct attest_opts *o, const ccakit_ear *ear, const char *jwt)
{
	char *js = NULL;
	int r, st;

	if (o->out != NULL && (st = save_file("ccatoken attest", o->out, jwt,
	    strlen(jwt))) != EXIT_OK)
		return st;
	if (o->json) {
		if ((r = ccakit_ear_to_json(ear, CCAKIT_EAR_JSON_PRETTY,
		    &js)) != CCAKIT_OK)
			return fail(EXIT_MALFORMED, "attest", "%s",
			    ccakit_strerror(r));
		printf("%s\n", js);
		ccakit_free(js);
	} else {
		print_appraisal(ear, o->url);
	}
	return all_affirming(ear) ? EXIT_OK : EXIT_REJECTED;
}

/* The passport model, with the Veraison client: the verifier's nonce, the
 * token for it, the EAR for the token, checked. */
static int
attest(const struct attest_opts *o)
{
	struct svc_veraison_opts vo;
	struct svc_veraison_session s;
	struct ccakit_errdetail d;
	ccakit_attester *att = NULL;
	svc_veraison *v = NULL;
	ccakit_ear *ear = NULL;
	uint8_t *tok = NULL;
	size_t toklen;
	char err[512];
	int r, st;

	memset(&s, 0, sizeof(s));
	memset(&d, 0, sizeof(d));
	if ((st = make_attester(o->kind, o->root, o->claims, o->cpak, o->rak,
	    o->fmt, &att)) != EXIT_OK)
		return st;
	st = EXIT_MALFORMED;
	memset(&vo, 0, sizeof(vo));
	vo.base_url = o->url;
	vo.cafile = o->cafile;
	if ((v = svc_veraison_new(&vo)) == NULL ||
	    (tok = malloc(CCAKIT_TSM_OUTBLOB_MAX)) == NULL) {
		fail(EXIT_MALFORMED, "attest", "out of memory");
		goto out;
	}
	if (svc_veraison_session_new(v, NULL, 0, o->nsize, &s, err,
	    sizeof(err)) != 0) {
		fail(EXIT_MALFORMED, "attest", "%s", err);
		goto out;
	}
	if ((r = ccakit_attester_get_evidence(att, s.doc.nonce,
	    s.doc.nonce_len, tok, CCAKIT_TSM_OUTBLOB_MAX, &toklen, &d)) !=
	    CCAKIT_OK) {
		fail(EXIT_MALFORMED, "attest", "%s attester: %s", o->kind,
		    d.text[0] != '\0' ? d.text : ccakit_strerror(r));
		goto out;
	}
	if (svc_veraison_submit(v, &s, SVC_V_MT_CCA, tok, toklen, NULL, err,
	    sizeof(err)) != 0 || svc_veraison_check_ear(v, s.doc.result,
	    s.doc.nonce, s.doc.nonce_len, &ear, err, sizeof(err)) != 0) {
		fail(EXIT_MALFORMED, "attest", "%s", err);
		goto out;
	}
	st = report(o, ear, s.doc.result);
out:
	ccakit_ear_free(&ear);
	ccakit_attester_free(&att);
	svc_veraison_session_clear(&s);
	svc_veraison_free(&v);
	free(tok);
	return st;
}

int
cmd_attest(int argc, char **argv)
{
	struct attest_opts o;
	char *base;
	int st;

	if ((st = parse_args(argc, argv, &o)) >= 0)
		return st;
	if ((base = strdup(o.url)) == NULL)
		return fail(EXIT_MALFORMED, "attest", "out of memory");
	while (strlen(base) > 1 && base[strlen(base) - 1] == '/')
		base[strlen(base) - 1] = '\0';
	o.url = base;
	if (svc_httpc_global_init() != 0) {
		free(base);
		return fail(EXIT_MALFORMED, "attest", "libcurl initialisation "
		    "failed");
	}
	st = attest(&o);
	svc_httpc_global_cleanup();
	free(base);
	return st;
}
