/* ccatoken show: claims as JSON (Veraison names) or CBOR diagnostics. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccatoken.h"

static const char show_help[] =
    "Usage: ccatoken show [--diag] TOKEN\n"
    "\n"
    "Decode a token (CBOR, tag 399 or 907; '-' for stdin) and print its\n"
    "claims as JSON with Veraison's claim names (byte strings in base64),\n"
    "or the token in CBOR diagnostic notation with embedded CBOR expanded.\n"
    "\n"
    "      --diag     print CBOR diagnostic notation instead of JSON\n"
    "  -h, --help     print this help\n"
    "\n"
    "Exit status: 0 success, 1 usage error, 2 malformed input.\n";

int
cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "diag", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pfx = "show failed";
	struct ccakit_cbor_item top;
	ccakit_token *tok = NULL;
	uint8_t *buf = NULL;
	char *out = NULL, *dg = NULL;
	size_t outlen = 0, cap, len;
	int ch, diag = 0, r, st;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			diag = 1;
			break;
		case 'h':
			fputs(show_help, stdout);
			return EXIT_OK;
		case 'V':
			printf("ccatoken %s\n", CCAKIT_VERSION);
			return EXIT_OK;
		default:
			return usage_error("show", "invalid option");
		}
	}
	if (argc - optind != 1)
		return usage_error("show", "expecting exactly one TOKEN");
	if ((st = load_token(pfx, argv[optind], &tok, &buf, &len)) != EXIT_OK)
		goto out;
	st = EXIT_MALFORMED;
	if (diag) {
		if ((r = ccakit_cbor_parse(buf, len, NULL, &top,
		    NULL)) != CCAKIT_OK) {
			fprintf(stderr, "%s: %s\n", pfx, ccakit_strerror(r));
			goto out;
		}
		cap = 64 * 1024;
		for (;;) {
			if ((dg = malloc(cap)) == NULL)
				goto out;
			r = ccakit_cbor_diag_ex(&top, CCAKIT_DIAG_PRETTY |
			    CCAKIT_DIAG_EMBEDDED, dg, cap, &outlen);
			if (r != CCAKIT_ERR_BUFFER_TOO_SMALL || cap >= 8u << 20)
				break;
			free(dg);
			dg = NULL;
			cap *= 4;
		}
		if (r != CCAKIT_OK) {
			fprintf(stderr, "%s: %s\n", pfx, ccakit_strerror(r));
			goto out;
		}
		printf("%s\n", dg);
	} else {
		if ((r = ccakit_token_to_json(tok, &out)) != CCAKIT_OK) {
			fprintf(stderr, "%s: %s\n", pfx, ccakit_strerror(r));
			goto out;
		}
		printf("%s\n", out);
	}
	st = fflush(stdout) == 0 ? EXIT_OK : EXIT_MALFORMED;
out:
	free(dg);
	ccakit_free(out);
	ccakit_token_free(&tok);
	free(buf);
	return st;
}
