/* ccatoken ear-verify: check an EAR (JWT) and print its appraisal. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/ear.h>
#include <ccakit/jose.h>

#include "ccatoken.h"

static const char ear_help[] =
    "Usage: ccatoken ear-verify -k KEY [--alg ES256|ES384|ES512]\n"
    "                           [--nonce HEX | --nonce-b64 B64]\n"
    "                           [--max-age SECONDS] [--json] EAR\n"
    "\n"
    "Verify an EAR (EAT Attestation Result, a JWT as Veraison issues it)\n"
    "with the verifier's public key and print its claims and, for each\n"
    "submodule, the status and the AR4SI trust vector. EAR is a file\n"
    "holding the compact JWT, '-' for stdin.\n"
    "\n"
    "  -k, --key FILE        verification key: JWK (as published by the\n"
    "                        verifier's discovery document) or PEM\n"
    "      --alg NAME        signature algorithm (default: ES256)\n"
    "      --nonce HEX       require eat_nonce to be these bytes\n"
    "      --nonce-b64 B64   the same in base64 (either alphabet)\n"
    "      --max-age SECONDS refuse an EAR issued longer ago than this\n"
    "      --json            print the verified claims as JSON\n"
    "  -h, --help            print this help\n"
    "\n"
    "Exit status: 0 verified, 1 usage error, 2 malformed input,\n"
    "3 rejected (bad signature, wrong nonce, expired).\n";

/* A JWK (first non-blank byte '{') or a PEM key. */
static int
load_pubkey(const char *pfx, const char *path, ccakit_key **kp)
{
	uint8_t *buf = NULL;
	size_t len, i = 0;
	int st, r;

	*kp = NULL;
	if ((st = load_file(pfx, path, CCAKIT_JWK_MAX_LEN, &buf, &len)) !=
	    EXIT_OK)
		return st;
	while (i < len && (buf[i] == ' ' || buf[i] == '\n' ||
	    buf[i] == '\t' || buf[i] == '\r'))
		i++;
	if ((*kp = ccakit_key_new()) == NULL)
		r = CCAKIT_ERR_NOMEM;
	else if (i < len && buf[i] == '{')
		r = ccakit_key_from_jwk(*kp, (const char *)buf, len);
	else
		r = ccakit_key_from_pem(*kp, (const char *)buf, len);
	free(buf);
	if (r != CCAKIT_OK) {
		fprintf(stderr, "%s: %s: %s\n", pfx, path, ccakit_strerror(r));
		ccakit_key_free(kp);
		return EXIT_MALFORMED;
	}
	return EXIT_OK;
}

static void
print_submods(const ccakit_ear *e)
{
	struct ccakit_tv tv;
	enum ccakit_tier tier;
	const char *name, *pol;
	size_t i;
	int c;

	for (i = 0; i < ccakit_ear_submod_count(e); i++) {
		name = ccakit_ear_submod_name(e, i);
		if (ccakit_ear_submod_status(e, name, &tier) != CCAKIT_OK)
			tier = CCAKIT_TIER_NONE;
		printf("submod %s: %s\n", name, ccakit_tier_name(tier));
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
	}
}

int
cmd_ear_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "alg", required_argument, NULL, 'a' },
		{ "nonce", required_argument, NULL, 'n' },
		{ "nonce-b64", required_argument, NULL, 'b' },
		{ "max-age", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *keyfile = NULL, *pfx = "EAR verification failed";
	const char *build = NULL, *dev = NULL, *nonce;
	struct ccakit_ear_verify_opts vo;
	struct ccakit_errdetail d;
	ccakit_key *key = NULL;
	ccakit_ear *ear = NULL;
	uint8_t *jwt = NULL, nb[64];
	size_t jlen, nlen;
	char *end, *js = NULL, msg[256];
	int ch, json = 0, r, st;
	long long age;

	memset(&vo, 0, sizeof(vo));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "k:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			keyfile = optarg;
			break;
		case 'a':
			if ((vo.alg = ccakit_jws_alg_from_name(optarg)) == 0)
				return usage_error("ear-verify", "--alg must be"
				    " ES256, ES384 or ES512");
			break;
		case 'n':
		case 'b':
			if (vo.nonce != NULL)
				return usage_error("ear-verify",
				    "only one nonce may be given");
			r = (ch == 'b') ? ccakit_b64_decode(optarg,
			    strlen(optarg), CCAKIT_B64_ANY, nb, sizeof(nb),
			    &nlen) : ccakit_hex_decode(optarg, strlen(optarg),
			    nb, sizeof(nb), &nlen);
			if (r != CCAKIT_OK || nlen == 0)
				return usage_error("ear-verify", "the nonce "
				    "must be 1 to 64 bytes of valid %s",
				    ch == 'b' ? "base64" : "hex");
			vo.nonce = nb;
			vo.nonce_len = nlen;
			break;
		case 'm':
			age = strtoll(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || age <= 0)
				return usage_error("ear-verify",
				    "--max-age must be a positive number");
			vo.max_age = (int64_t)age;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			fputs(ear_help, stdout);
			return EXIT_OK;
		case 'V':
			printf("ccatoken %s\n", CCAKIT_VERSION);
			return EXIT_OK;
		default:
			return usage_error("ear-verify", "invalid option");
		}
	}
	if (argc - optind != 1)
		return usage_error("ear-verify", "expecting exactly one EAR");
	if (keyfile == NULL)
		return usage_error("ear-verify", "-k KEY is required");
	if (strcmp(keyfile, "-") == 0 && strcmp(argv[optind], "-") == 0)
		return usage_error("ear-verify", "only one input can be stdin");

	if ((st = load_pubkey(pfx, keyfile, &key)) != EXIT_OK)
		goto out;
	if ((st = load_file(pfx, argv[optind], CCAKIT_JWS_MAX_LEN + 2, &jwt,
	    &jlen)) != EXIT_OK)
		goto out;
	while (jlen > 0 && (jwt[jlen - 1] == '\n' || jwt[jlen - 1] == '\r'))
		jlen--;
	st = EXIT_MALFORMED;
	if ((ear = ccakit_ear_new()) == NULL)
		goto out;
	memset(&d, 0, sizeof(d));
	if ((r = ccakit_ear_verify_jwt(ear, (const char *)jwt, jlen, key, &vo,
	    &d)) != CCAKIT_OK) {
		fprintf(stderr, "%s: %s\n", pfx,
		    err_text(r, &d, msg, sizeof(msg)));
		st = (ccakit_err_class(r) == CCAKIT_CLASS_REJECTED) ?
		    EXIT_REJECTED : EXIT_MALFORMED;
		goto out;
	}
	if (json) {
		if ((r = ccakit_ear_to_json(ear, CCAKIT_EAR_JSON_PRETTY,
		    &js)) != CCAKIT_OK) {
			fprintf(stderr, "%s: %s\n", pfx, ccakit_strerror(r));
			goto out;
		}
		printf("%s\n", js);
	} else {
		printf("EAR verified\n");
		printf("eat_profile: %s\n", ccakit_ear_profile(ear));
		printf("iat: %lld\n", (long long)ccakit_ear_iat(ear));
		ccakit_ear_verifier_id(ear, &build, &dev);
		if (build != NULL || dev != NULL)
			printf("verifier-id: %s (%s)\n", build != NULL ?
			    build : "?", dev != NULL ? dev : "?");
		if ((nonce = ccakit_ear_nonce_text(ear)) != NULL)
			printf("eat_nonce: %s\n", nonce);
		print_submods(ear);
	}
	st = fflush(stdout) == 0 ? EXIT_OK : EXIT_MALFORMED;
out:
	ccakit_free(js);
	free(jwt);
	ccakit_ear_free(&ear);
	ccakit_key_free(&key);
	return st;
}
