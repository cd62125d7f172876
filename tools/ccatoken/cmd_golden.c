/* ccatoken golden: trust anchor and reference values from a good token. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccatoken.h"

static const char golden_help[] =
    "Usage: ccatoken golden [-e TOKEN] [-c CPAK] [-t TA_OUT] [-r RV_OUT]\n"
    "\n"
    "Verify a token with the given CPAK and write a trust-anchor store with\n"
    "that CPAK and a reference-value store with the token's platform and\n"
    "realm measurements, in rust-ccatoken's JSON formats.\n"
    "\n"
    "  -e, --evidence FILE   token (CBOR, tag 399 or 907), '-' for stdin\n"
    "                        (default: token.cbor)\n"
    "  -c, --cpak FILE       the CPAK public key as a JWK (default: cpak.json)\n"
    "  -t, --tastore FILE    output trust-anchor store, '-' for stdout\n"
    "                        (default: tastore.json)\n"
    "  -r, --rvstore FILE    output reference-value store, '-' for stdout\n"
    "                        (default: rvstore.json)\n"
    "  -h, --help            print this help\n"
    "\n"
    "Exit status: 0 success, 1 usage error, 2 malformed input or output\n"
    "error, 3 the token does not verify with the CPAK.\n";

int
cmd_golden(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "evidence", required_argument, NULL, 'e' },
		{ "cpak", required_argument, NULL, 'c' },
		{ "tastore", required_argument, NULL, 't' },
		{ "rvstore", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *evidence = "token.cbor", *cpak = "cpak.json";
	const char *taout = "tastore.json", *rvout = "rvstore.json";
	const char *pfx = "golden values extraction failed";
	struct ccakit_errdetail d;
	ccakit_ta_store *tas = NULL;
	ccakit_rv_store *rvs = NULL;
	ccakit_token *tok = NULL;
	uint8_t *jwk = NULL, *tokbuf = NULL;
	char *tajs = NULL, *rvjs = NULL, msg[256];
	size_t jwklen;
	int ch, r, st;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "e:c:t:r:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'e':
			evidence = optarg;
			break;
		case 'c':
			cpak = optarg;
			break;
		case 't':
			taout = optarg;
			break;
		case 'r':
			rvout = optarg;
			break;
		case 'h':
			fputs(golden_help, stdout);
			return EXIT_OK;
		case 'V':
			printf("ccatoken %s\n", CCAKIT_VERSION);
			return EXIT_OK;
		default:
			return usage_error("golden", "invalid option");
		}
	}
	if (optind != argc)
		return usage_error("golden", "unexpected argument '%s'",
		    argv[optind]);
	if (strcmp(evidence, "-") == 0 && strcmp(cpak, "-") == 0)
		return usage_error("golden", "only one input can be stdin");
	if (strcmp(taout, rvout) == 0)
		return usage_error("golden", "the two outputs must differ");

	if ((st = load_file(pfx, cpak, CCAKIT_STORE_MAX_JSON, &jwk,
	    &jwklen)) != EXIT_OK)
		goto out;
	if ((st = load_token(pfx, evidence, &tok, &tokbuf, NULL)) != EXIT_OK)
		goto out;
	st = EXIT_MALFORMED;
	if ((tas = ccakit_ta_store_new()) == NULL ||
	    (rvs = ccakit_rv_store_new()) == NULL)
		goto out;
	memset(&d, 0, sizeof(d));
	if ((r = ccakit_golden(tok, (const char *)jwk, jwklen, tas, rvs,
	    &d)) != CCAKIT_OK) {
		fprintf(stderr, "%s: %s\n", pfx,
		    err_text(r, &d, msg, sizeof(msg)));
		st = exit_for(r);
		goto out;
	}
	if ((r = ccakit_ta_store_to_json(tas, &tajs)) != CCAKIT_OK ||
	    (r = ccakit_rv_store_to_json(rvs, &rvjs)) != CCAKIT_OK) {
		fprintf(stderr, "%s: %s\n", pfx, ccakit_strerror(r));
		goto out;
	}
	if ((st = save_file(pfx, rvout, rvjs, strlen(rvjs))) != EXIT_OK ||
	    (st = save_file(pfx, taout, tajs, strlen(tajs))) != EXIT_OK)
		goto out;
	if (strcmp(taout, "-") != 0 && strcmp(rvout, "-") != 0)
		printf("golden values extraction successful\n");
	else
		fprintf(stderr, "golden values extraction successful\n");
out:
	ccakit_free(tajs);
	ccakit_free(rvjs);
	ccakit_ta_store_free(&tas);
	ccakit_rv_store_free(&rvs);
	ccakit_token_free(&tok);
	free(tokbuf);
	free(jwk);
	return st;
}
