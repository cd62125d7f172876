/* ccatoken appraise: match the claims against reference values. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ccatoken.h"

static const char appraise_help[] =
    "Usage: ccatoken appraise [-e TOKEN] [-r RVSTORE] [--json]\n"
    "\n"
    "Appraise the claims of a token against reference values and print the\n"
    "platform and realm AR4SI trust vectors. No signature is checked: run\n"
    "'ccatoken verify' for that.\n"
    "\n"
    "  -e, --evidence FILE   token (CBOR, tag 399 or 907), '-' for stdin\n"
    "                        (default: token.cbor)\n"
    "  -r, --rvstore FILE    reference values, rust-ccatoken rv.json format\n"
    "                        (default: rvstore.json)\n"
    "      --json            print the result as JSON\n"
    "  -h, --help            print this help\n"
    "\n"
    "Exit status: 0 when no trust claim is contraindicated and the realm's\n"
    "executables are approved, 1 usage error, 2 malformed input,\n"
    "3 evidence not approved.\n";

/* Approved: nothing contraindicated, realm executables affirming. */
static int
approved(const struct ccakit_appraisal *a)
{
	if (ccakit_tv_tier(&a->platform) == CCAKIT_TIER_CONTRAINDICATED ||
	    ccakit_tv_tier(&a->realm) == CCAKIT_TIER_CONTRAINDICATED)
		return 0;
	if (!ccakit_tv_is_set(&a->realm, CCAKIT_TV_EXECUTABLES))
		return 0;
	return ccakit_tier_of(a->realm.v[CCAKIT_TV_EXECUTABLES]) ==
	    CCAKIT_TIER_AFFIRMING;
}

int
cmd_appraise(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "evidence", required_argument, NULL, 'e' },
		{ "rvstore", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *evidence = "token.cbor", *rvstore = "rvstore.json";
	const char *pfx = "appraisal failed";
	struct ccakit_appraisal res;
	ccakit_rv_store *rvs = NULL;
	ccakit_token *tok = NULL;
	uint8_t *tokbuf = NULL;
	int ch, json = 0, r, st, ok;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "e:r:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'e':
			evidence = optarg;
			break;
		case 'r':
			rvstore = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			fputs(appraise_help, stdout);
			return EXIT_OK;
		case 'V':
			printf("ccatoken %s\n", CCAKIT_VERSION);
			return EXIT_OK;
		default:
			return usage_error("appraise", "invalid option");
		}
	}
	if (optind != argc)
		return usage_error("appraise", "unexpected argument '%s'",
		    argv[optind]);
	if (strcmp(evidence, "-") == 0 && strcmp(rvstore, "-") == 0)
		return usage_error("appraise", "only one input can be stdin");

	if ((st = load_rv_store(pfx, rvstore, &rvs)) != EXIT_OK)
		goto out;
	if ((st = load_token(pfx, evidence, &tok, &tokbuf, NULL)) != EXIT_OK)
		goto out;
	if ((r = ccakit_token_appraise(tok, rvs, &res)) != CCAKIT_OK) {
		fprintf(stderr, "%s: %s\n", pfx, ccakit_strerror(r));
		st = EXIT_MALFORMED;
		goto out;
	}
	ok = approved(&res);
	if (json) {
		json_t *o = json_object();
		if (o != NULL) {
			json_object_set_new(o, "approved", json_boolean(ok));
			json_object_set_new(o, "platform-trust-vector",
			    tv_json(&res.platform));
			json_object_set_new(o, "realm-trust-vector",
			    tv_json(&res.realm));
		}
		if ((st = print_json(o)) != EXIT_OK)
			goto out;
	} else {
		printf("appraisal completed\n");
		print_tv("platform trust vector", &res.platform);
		print_tv("realm trust vector", &res.realm);
	}
	st = ok ? EXIT_OK : EXIT_REJECTED;
out:
	ccakit_token_free(&tok);
	ccakit_rv_store_free(&rvs);
	free(tokbuf);
	return st;
}
