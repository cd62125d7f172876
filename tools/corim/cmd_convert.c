/* corim from-token | from-json | to-json: CCA CoRIMs and ccakit's stores. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/appraise.h>
#include <ccakit/store.h>
#include <ccakit/token.h>

#include "corimtool.h"

#define BUILD_OPTIONS \
	{ "platform", required_argument, NULL, 1000 }, \
	{ "realm", required_argument, NULL, 1001 }, \
	{ "profile-encoding", required_argument, NULL, 1002 }, \
	{ "digest-alg", required_argument, NULL, 1003 }, \
	{ "config-form", required_argument, NULL, 1004 }, \
	{ "corim-id", required_argument, NULL, 1005 }, \
	{ "entity", required_argument, NULL, 1006 }, \
	{ "regid", required_argument, NULL, 1007 }

static void
build_defaults(struct build_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->platform_out = "corim-cca-platform.cbor";
	o->realm_out = "corim-cca-realm.cbor";
	o->b.profile_form = CCAKIT_CORIM_PROFILE_URI;
}

static const char from_token_help[] =
"Usage: corim from-token -e TOKEN -c CPAK [options]\n"
"\n"
"The CCA CoRIMs a known-good token implies (as `ccatoken golden` gives\n"
"the JSON stores): the token is verified with the CPAK, then a platform\n"
"CoRIM (reference values: its software components and configuration;\n"
"attestation key: the CPAK for its implementation and instance ids) and\n"
"a realm CoRIM (its RIM, REMs and personalization value) are written,\n"
"in the current CCA profiles, ready for `corim sign` and `corim submit`.\n"
"\n"
"  -e, --evidence FILE      the token (CBOR, tag 399 or 907)\n"
"  -c, --cpak FILE          the CPAK public key as a JWK\n";

int
cmd_from_token(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "evidence", required_argument, NULL, 'e' },
		{ "cpak", required_argument, NULL, 'c' },
		BUILD_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ev = NULL, *cpak = NULL;
	struct build_opts o;
	struct ccakit_errdetail d;
	ccakit_ta_store *ta = NULL;
	ccakit_rv_store *rv = NULL;
	ccakit_token *t = NULL;
	uint8_t *tok = NULL, *jwk = NULL;
	size_t tlen, jlen;
	int ch, r, st;

	build_defaults(&o);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "e:c:h", opts, NULL)) != -1) {
		if ((r = build_option("from-token", ch, optarg, &o)) == 1)
			continue;
		if (r > 1)
			return r - 1;
		switch (ch) {
		case 'e':
			ev = optarg;
			break;
		case 'c':
			cpak = optarg;
			break;
		case 'h':
			printf("%s%s\nExit status: 0 success, 1 usage error, 2 "
			    "malformed input or I/O error,\n3 the token does "
			    "not verify with the CPAK.\n", from_token_help,
			    build_help);
			return EXIT_OK;
		default:
			return usage_error("from-token", "invalid option");
		}
	}
	if (optind != argc)
		return usage_error("from-token", "unexpected argument '%s'",
		    argv[optind]);
	if (ev == NULL || cpak == NULL)
		return usage_error("from-token", "-e TOKEN and -c CPAK are "
		    "needed");
	if ((st = read_input("from-token", ev, CCAKIT_TOKEN_MAX_SIZE, &tok,
	    &tlen)) != EXIT_OK ||
	    (st = read_input("from-token", cpak, SMALL_FILE_MAX, &jwk,
	    &jlen)) != EXIT_OK)
		goto out;
	st = EXIT_MALFORMED;
	if ((t = ccakit_token_new()) == NULL ||
	    (ta = ccakit_ta_store_new()) == NULL ||
	    (rv = ccakit_rv_store_new()) == NULL)
		goto out;
	memset(&d, 0, sizeof(d));
	if ((r = ccakit_token_decode(t, tok, tlen, &d)) != CCAKIT_OK) {
		st = fail(EXIT_MALFORMED, "from-token", "%s: %s", ev,
		    why(r, &d));
		goto out;
	}
	memset(&d, 0, sizeof(d));
	if ((r = ccakit_golden(t, (const char *)jwk, jlen, ta, rv, &d)) !=
	    CCAKIT_OK) {
		st = fail(exit_for(r), "from-token", "%s", why(r, &d));
		goto out;
	}
	st = build_write("from-token", ta, rv, &o);
 out:
	ccakit_ta_store_free(&ta);
	ccakit_rv_store_free(&rv);
	ccakit_token_free(&t);
	free(tok);
	free(jwk);
	return st;
}

static const char from_json_help[] =
"Usage: corim from-json [-t TA.json] [-r RV.json] [options]\n"
"\n"
"CCA CoRIMs from rust-ccatoken's JSON stores (ccatoken golden's, or\n"
"cca-verifier's listings): trust anchors become attestation keys of\n"
"the platform CoRIM, platform reference values its reference values,\n"
"realm reference values the realm CoRIM.\n"
"\n"
"  -t, --tastore FILE       trust anchors (ta.json)\n"
"  -r, --rvstore FILE       reference values (rv.json)\n";

static int
load_stores(const char *cmd, const char *tap, const char *rvp,
    ccakit_ta_store *ta, ccakit_rv_store *rv)
{
	struct ccakit_errdetail d;
	uint8_t *buf;
	size_t len;
	int r, st;

	if (tap != NULL) {
		if ((st = read_input(cmd, tap, CCAKIT_STORE_MAX_JSON, &buf,
		    &len)) != EXIT_OK)
			return st;
		memset(&d, 0, sizeof(d));
		r = ccakit_ta_store_load_json(ta, (const char *)buf, len, &d);
		free(buf);
		if (r != CCAKIT_OK)
			return fail(EXIT_MALFORMED, cmd, "%s: %s", tap,
			    why(r, &d));
	}
	if (rvp != NULL) {
		if ((st = read_input(cmd, rvp, CCAKIT_STORE_MAX_JSON, &buf,
		    &len)) != EXIT_OK)
			return st;
		memset(&d, 0, sizeof(d));
		r = ccakit_rv_store_load_json(rv, (const char *)buf, len, &d);
		free(buf);
		if (r != CCAKIT_OK)
			return fail(EXIT_MALFORMED, cmd, "%s: %s", rvp,
			    why(r, &d));
	}
	return EXIT_OK;
}

int
cmd_from_json(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tastore", required_argument, NULL, 't' },
		{ "rvstore", required_argument, NULL, 'r' },
		BUILD_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *tap = NULL, *rvp = NULL;
	struct build_opts o;
	ccakit_ta_store *ta = NULL;
	ccakit_rv_store *rv = NULL;
	int ch, r, st;

	build_defaults(&o);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "t:r:h", opts, NULL)) != -1) {
		if ((r = build_option("from-json", ch, optarg, &o)) == 1)
			continue;
		if (r > 1)
			return r - 1;
		switch (ch) {
		case 't':
			tap = optarg;
			break;
		case 'r':
			rvp = optarg;
			break;
		case 'h':
			printf("%s%s\nExit status: 0 success, 1 usage error, 2 "
			    "malformed input or I/O error.\n", from_json_help,
			    build_help);
			return EXIT_OK;
		default:
			return usage_error("from-json", "invalid option");
		}
	}
	if (optind != argc)
		return usage_error("from-json", "unexpected argument '%s'",
		    argv[optind]);
	if (tap == NULL && rvp == NULL)
		return usage_error("from-json", "-t TA.json or -r RV.json is "
		    "needed");
	if ((ta = ccakit_ta_store_new()) == NULL ||
	    (rv = ccakit_rv_store_new()) == NULL)
		st = fail(EXIT_MALFORMED, "from-json", "out of memory");
	else if ((st = load_stores("from-json", tap, rvp, ta, rv)) == EXIT_OK)
		st = build_write("from-json", ta, rv, &o);
	ccakit_ta_store_free(&ta);
	ccakit_rv_store_free(&rv);
	return st;
}

static const char to_json_help[] =
"Usage: corim to-json -f FILE... [-t TA_OUT] [-r RV_OUT]\n"
"\n"
"The trust anchors and reference values of CCA CoRIMs (checked against\n"
"their profile; signatures are not verified here) as rust-ccatoken's JSON\n"
"stores, for `ccatoken verify -t` and `ccatoken appraise -r`. Platform\n"
"reference values carry \"match\": \"corim\" (Veraison's matching rules).\n"
"\n"
"  -f, --file FILE          a CCA CoRIM (repeatable)\n"
"  -t, --tastore FILE       trust anchors out (default: ta.json; '-' for\n"
"                           stdout)\n"
"  -r, --rvstore FILE       reference values out (default: rv.json)\n"
"\n"
"Exit status: 0 success, 1 usage error, 2 malformed input or I/O error,\n"
"3 a CoRIM breaks its profile.\n";

int
cmd_to_json(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "tastore", required_argument, NULL, 't' },
		{ "rvstore", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *tap = "ta.json", *rvp = "rv.json";
	struct flist files = { 0 };
	struct ccakit_errdetail d;
	ccakit_ta_store *ta = NULL;
	ccakit_rv_store *rv = NULL;
	ccakit_corim *c;
	char *js = NULL;
	size_t i;
	int ch, r, st = EXIT_OK;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:t:r:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (flist_add(&files, optarg) != CCAKIT_OK) {
				flist_free(&files);
				return fail(EXIT_MALFORMED, "to-json",
				    "out of memory");
			}
			break;
		case 't':
			tap = optarg;
			break;
		case 'r':
			rvp = optarg;
			break;
		case 'h':
			fputs(to_json_help, stdout);
			flist_free(&files);
			return EXIT_OK;
		default:
			flist_free(&files);
			return usage_error("to-json", "invalid option");
		}
	}
	if (optind != argc || files.n == 0 || strcmp(tap, rvp) == 0) {
		flist_free(&files);
		return usage_error("to-json", optind != argc ? "unexpected "
		    "argument" : files.n == 0 ? "no CoRIM supplied" :
		    "the two outputs must differ");
	}
	if ((ta = ccakit_ta_store_new()) == NULL ||
	    (rv = ccakit_rv_store_new()) == NULL) {
		st = fail(EXIT_MALFORMED, "to-json", "out of memory");
		goto out;
	}
	for (i = 0; i < files.n && st == EXIT_OK; i++) {
		if ((st = load_corim("to-json", files.v[i], &c)) != EXIT_OK)
			break;
		memset(&d, 0, sizeof(d));
		if ((r = ccakit_corim_to_stores(c, ta, rv, &d)) != CCAKIT_OK)
			st = fail(exit_for(r), "to-json", "%s: %s", files.v[i],
			    why(r, &d));
		ccakit_corim_free(&c);
	}
	if (st != EXIT_OK)
		goto out;
	if (ccakit_ta_store_to_json(ta, &js) != CCAKIT_OK ||
	    (st = write_output("to-json", tap, js, strlen(js))) != EXIT_OK)
		goto out;
	ccakit_free(js);
	js = NULL;
	if (ccakit_rv_store_to_json(rv, &js) != CCAKIT_OK ||
	    (st = write_output("to-json", rvp, js, strlen(js))) != EXIT_OK)
		goto out;
	if (strcmp(tap, "-") != 0 && strcmp(rvp, "-") != 0)
		printf(">> wrote \"%s\" (%zu trust anchors) and \"%s\" (%zu "
		    "platform, %zu realm reference values)\n", tap,
		    ccakit_ta_store_count(ta), rvp,
		    ccakit_rv_store_platform_count(rv),
		    ccakit_rv_store_realm_count(rv));
 out:
	ccakit_free(js);
	ccakit_ta_store_free(&ta);
	ccakit_rv_store_free(&rv);
	flist_free(&files);
	return st;
}
