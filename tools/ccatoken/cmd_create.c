/* ccatoken create: the emulated realm, a token from claims and keys. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccatoken.h"

static const char create_help[] =
    "Usage: ccatoken create --claims CLAIMS.json --platform-key PEM\n"
    "                       --realm-key PEM [--format 399|907]\n"
    "                       [--challenge HEX] -o TOKEN\n"
    "\n"
    "Create a CCA attestation token as an emulated realm would get it: the\n"
    "claims (evcli's JSON form, {\"cca-platform-token\": {...},\n"
    "\"cca-realm-delegated-token\": {...}}) are signed with the platform key\n"
    "(CPAK) and the realm key (RAK). The realm public-key claim is replaced\n"
    "by the RAK and the platform challenge by the hash of it (the binding).\n"
    "\n"
    "      --claims FILE        claims JSON, '-' for stdin\n"
    "      --platform-key FILE  CPAK private key, PEM (P-256/P-384/P-521)\n"
    "      --realm-key FILE     RAK private key, PEM (P-384 for a realm\n"
    "                           token without profile)\n"
    "      --format 399|907     collection format (default: 907, CMW)\n"
    "      --challenge HEX      realm challenge (1 to 64 bytes, zero-padded\n"
    "                           to 64), replacing the one in the claims\n"
    "  -o, --output FILE        output token, '-' for stdout\n"
    "  -h, --help               print this help\n"
    "\n"
    "Exit status: 0 success, 1 usage error, 2 malformed input.\n";

static int
load_key(const char *pfx, const char *path, ccakit_key **kp)
{
	uint8_t *buf = NULL;
	size_t len;
	int st;

	*kp = NULL;
	if ((st = load_file(pfx, path, 64 * 1024, &buf, &len)) != EXIT_OK)
		return st;
	if ((*kp = ccakit_key_new()) == NULL ||
	    ccakit_key_from_pem(*kp, (const char *)buf, len) != CCAKIT_OK ||
	    !ccakit_key_has_private(*kp)) {
		fprintf(stderr, "%s: %s: %s\n", pfx, path, *kp == NULL ?
		    "out of memory" : "not an EC private key on a supported"
		    " curve");
		ccakit_key_free(kp);
		st = EXIT_MALFORMED;
	}
	ccakit_wipe(buf, len);
	free(buf);
	return st;
}

int
cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "claims", required_argument, NULL, 'c' },
		{ "platform-key", required_argument, NULL, 'p' },
		{ "realm-key", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "challenge", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *claims = NULL, *pkey = NULL, *rkey = NULL, *output = NULL;
	const char *pfx = "create failed";
	struct ccakit_create_opts co;
	struct ccakit_realm_claims realm;
	uint8_t chal[64];
	size_t chlen = 0;
	int havechal = 0;
	struct ccakit_errdetail d;
	ccakit_claimset *cs = NULL;
	ccakit_key *cpak = NULL, *rak = NULL;
	uint8_t *js = NULL, *tok = NULL;
	size_t jslen, toklen;
	int ch, r, st, n = 0;
	char msg[256];

	memset(&co, 0, sizeof(co));
	co.format = CCAKIT_FORMAT_907;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			claims = optarg;
			break;
		case 'p':
			pkey = optarg;
			break;
		case 'r':
			rkey = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "399") == 0)
				co.format = CCAKIT_FORMAT_399;
			else if (strcmp(optarg, "907") == 0)
				co.format = CCAKIT_FORMAT_907;
			else
				return usage_error("create",
				    "--format must be 399 or 907");
			break;
		case 'o':
			output = optarg;
			break;
		case 'C':
			memset(chal, 0, sizeof(chal));
			if (ccakit_hex_decode(optarg, strlen(optarg), chal,
			    sizeof(chal), &chlen) != CCAKIT_OK || chlen == 0)
				return usage_error("create", "--challenge must "
				    "be 1 to 64 bytes of valid hex");
			havechal = 1;
			break;
		case 'h':
			fputs(create_help, stdout);
			return EXIT_OK;
		case 'V':
			printf("ccatoken %s\n", CCAKIT_VERSION);
			return EXIT_OK;
		default:
			return usage_error("create", "invalid option");
		}
	}
	if (optind != argc)
		return usage_error("create", "unexpected argument '%s'",
		    argv[optind]);
	if (claims == NULL || pkey == NULL || rkey == NULL || output == NULL)
		return usage_error("create", "--claims, --platform-key, "
		    "--realm-key and -o are required");
	n = (strcmp(claims, "-") == 0) + (strcmp(pkey, "-") == 0) +
	    (strcmp(rkey, "-") == 0);
	if (n > 1)
		return usage_error("create", "only one input can be stdin");

	if ((st = load_file(pfx, claims, CCAKIT_STORE_MAX_JSON, &js,
	    &jslen)) != EXIT_OK)
		goto out;
	st = EXIT_MALFORMED;
	memset(&d, 0, sizeof(d));
	if ((cs = ccakit_claimset_new()) == NULL)
		goto out;
	if ((r = ccakit_claimset_from_json(cs, (const char *)js, jslen,
	    &d)) != CCAKIT_OK) {
		fprintf(stderr, "%s: %s: %s\n", pfx, claims,
		    err_text(r, &d, msg, sizeof(msg)));
		goto out;
	}
	if ((st = load_key(pfx, pkey, &cpak)) != EXIT_OK ||
	    (st = load_key(pfx, rkey, &rak)) != EXIT_OK)
		goto out;
	st = EXIT_MALFORMED;
	if ((tok = malloc(CCAKIT_TOKEN_MAX_SIZE)) == NULL)
		goto out;
	realm = *ccakit_claimset_realm(cs);
	if (havechal) {
		realm.challenge.ptr = chal;
		realm.challenge.len = sizeof(chal);
	}
	if ((r = ccakit_token_create(ccakit_claimset_platform(cs),
	    &realm, cpak, rak, &co, tok,
	    CCAKIT_TOKEN_MAX_SIZE, &toklen)) != CCAKIT_OK) {
		fprintf(stderr, "%s: %s\n", pfx, ccakit_strerror(r));
		goto out;
	}
	st = save_file(pfx, output, tok, toklen);
out:
	free(tok);
	ccakit_key_free(&cpak);
	ccakit_key_free(&rak);
	ccakit_claimset_free(&cs);
	free(js);
	return st;
}
