/* ccatoken verify: signatures, binding and freshness against a TA store. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ccatoken.h"

static const char verify_help[] =
    "Usage: ccatoken verify [-e TOKEN] [-t TASTORE]\n"
    "                       [--challenge HEX | --challenge-b64 B64] [--json]\n"
    "\n"
    "Verify the platform signature (CPAK from the trust-anchor store, found\n"
    "by implementation-id and instance-id), the realm signature (RAK from\n"
    "the realm claims) and the binding between them; with a challenge, also\n"
    "check the realm challenge (zero-padded to 64 bytes).\n"
    "\n"
    "  -e, --evidence FILE      token (CBOR, tag 399 or 907), '-' for stdin\n"
    "                           (default: token.cbor)\n"
    "  -t, --tastore FILE       trust anchors, rust-ccatoken ta.json format\n"
    "                           (default: tastore.json)\n"
    "      --challenge HEX      expected challenge, 1 to 64 bytes in hex\n"
    "      --challenge-b64 B64  expected challenge in base64 (either alphabet)\n"
    "      --json               print the result as JSON\n"
    "  -h, --help               print this help\n"
    "\n"
    "Exit status: 0 verified, 1 usage error, 2 malformed input,\n"
    "3 evidence rejected.\n";

static int
parse_challenge(const char *s, int b64, uint8_t *out, size_t *outlen)
{
	size_t l = strlen(s);
	int r;

	if (b64)
		r = ccakit_b64_decode(s, l, CCAKIT_B64_ANY, out, 64, outlen);
	else
		r = ccakit_hex_decode(s, l, out, 64, outlen);
	if (r != CCAKIT_OK || *outlen == 0)
		return -1;
	return 0;
}

int
cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "evidence", required_argument, NULL, 'e' },
		{ "tastore", required_argument, NULL, 't' },
		{ "challenge", required_argument, NULL, 'c' },
		{ "challenge-b64", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *evidence = "token.cbor", *tastore = "tastore.json";
	const char *pfx = "verification failed";
	struct ccakit_verify_opts vo;
	struct ccakit_verify_result res;
	struct ccakit_errdetail d;
	ccakit_ta_store *tas = NULL;
	ccakit_token *tok = NULL;
	uint8_t *tokbuf = NULL, chal[64];
	size_t chlen = 0;
	int ch, json = 0, havechal = 0, r, st;
	char msg[256];

	memset(&vo, 0, sizeof(vo));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "e:t:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'e':
			evidence = optarg;
			break;
		case 't':
			tastore = optarg;
			break;
		case 'c':
		case 'b':
			if (havechal++)
				return usage_error("verify",
				    "only one challenge may be given");
			if (parse_challenge(optarg, ch == 'b', chal,
			    &chlen) != 0)
				return usage_error("verify", "challenge must be"
				    " 1 to 64 bytes of valid %s",
				    ch == 'b' ? "base64" : "hex");
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			fputs(verify_help, stdout);
			return EXIT_OK;
		case 'V':
			printf("ccatoken %s\n", CCAKIT_VERSION);
			return EXIT_OK;
		default:
			return usage_error("verify", "invalid option");
		}
	}
	if (optind != argc)
		return usage_error("verify", "unexpected argument '%s'",
		    argv[optind]);
	if (strcmp(evidence, "-") == 0 && strcmp(tastore, "-") == 0)
		return usage_error("verify", "only one input can be stdin");
	if (havechal) {
		vo.challenge = chal;
		vo.challenge_len = chlen;
	}

	if ((st = load_ta_store(pfx, tastore, &tas)) != EXIT_OK)
		goto out;
	if ((st = load_token(pfx, evidence, &tok, &tokbuf, NULL)) != EXIT_OK)
		goto out;

	memset(&d, 0, sizeof(d));
	r = ccakit_token_verify(tok, tas, &vo, &res, &d);
	if (ccakit_err_class(r) != CCAKIT_CLASS_OK &&
	    ccakit_err_class(r) != CCAKIT_CLASS_REJECTED) {
		fprintf(stderr, "%s: %s\n", pfx,
		    err_text(r, &d, msg, sizeof(msg)));
		st = exit_for(r);
		goto out;
	}
	if (json) {
		json_t *o = json_object();
		if (o != NULL) {
			json_object_set_new(o, "verified",
			    json_boolean(r == CCAKIT_OK));
			if (r != CCAKIT_OK)
				json_object_set_new(o, "error", json_string(
				    err_text(r, &d, msg, sizeof(msg))));
			json_object_set_new(o, "platform-trust-vector",
			    tv_json(&res.platform));
			json_object_set_new(o, "realm-trust-vector",
			    tv_json(&res.realm));
		}
		if ((st = print_json(o)) != EXIT_OK)
			goto out;
	} else {
		printf("verification completed\n");
		print_tv("platform trust vector", &res.platform);
		print_tv("realm trust vector", &res.realm);
	}
	if (r != CCAKIT_OK)
		fprintf(stderr, "evidence rejected: %s\n",
		    err_text(r, &d, msg, sizeof(msg)));
	st = exit_for(r);
out:
	ccakit_token_free(&tok);
	ccakit_ta_store_free(&tas);
	free(tokbuf);
	return st;
}
