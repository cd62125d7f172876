/* corim sign | verify */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corimtool.h"

static const char sign_help[] =
"Usage: corim sign -f FILE -k KEY -m META [-c CERT] [--intermediates FILE]\n"
"                  [-o FILE]\n"
"\n"
"Sign an unsigned CoRIM: COSE_Sign1 with protected {alg, content-type\n"
"\"application/rim+cbor\", kid (the JWK's \"kid\"), corim-meta, x5chain}.\n"
"\n"
"  -f, --file FILE          the unsigned CoRIM (CBOR)\n"
"  -k, --key FILE           the signing key: EC private JWK (cocli) or PEM;\n"
"                           ES256/384/512 by its curve\n"
"  -m, --meta FILE          the meta template (JSON): {\"signer\": {\"name\",\n"
"                           \"uri\"}, \"validity\": {\"not-before\",\n"
"                           \"not-after\"}}\n"
"  -c, --cert FILE          the signing certificate (DER or PEM): puts an\n"
"                           x5chain in the header; its key must be the key's\n"
"      --intermediates FILE intermediate certificates (concatenated DER, or\n"
"                           PEM), after the leaf in x5chain; needs --cert\n"
"  -o, --output FILE        the signed CoRIM (default: signed-<file>)\n"
"\n"
"Exit status: 0 success, 1 usage error, 2 malformed input or I/O error.\n";

int
cmd_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "key", required_argument, NULL, 'k' },
		{ "meta", required_argument, NULL, 'm' },
		{ "cert", required_argument, NULL, 'c' },
		{ "intermediates", required_argument, NULL, 1000 },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL, *keyf = NULL, *metaf = NULL, *cert = NULL;
	const char *inter = NULL, *out = NULL;
	struct ccakit_corim_meta meta;
	struct ccakit_errdetail d;
	struct ccakit_bytes *certs = NULL;
	ccakit_corim *c = NULL;
	ccakit_key *k = NULL;
	uint8_t *buf = NULL, *sig = NULL;
	char *kid = NULL, *name = NULL, *uri = NULL, *def = NULL;
	size_t len, ncerts = 0;
	int ch, r, st;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:k:m:c:o:h", opts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'f':
			file = optarg;
			break;
		case 'k':
			keyf = optarg;
			break;
		case 'm':
			metaf = optarg;
			break;
		case 'c':
			cert = optarg;
			break;
		case 1000:
			inter = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(sign_help, stdout);
			return EXIT_OK;
		default:
			return usage_error("sign", "invalid option");
		}
	}
	if (optind != argc)
		return usage_error("sign", "unexpected argument '%s'",
		    argv[optind]);
	if (file == NULL)
		return usage_error("sign", "no CoRIM supplied");
	if (keyf == NULL)
		return usage_error("sign", "no key supplied");
	if (metaf == NULL)
		return usage_error("sign", "no CoRIM Meta supplied");
	if (inter != NULL && cert == NULL)
		return usage_error("sign", "--intermediates needs --cert");

	if ((st = load_corim("sign", file, &c)) != EXIT_OK)
		goto out;
	if (ccakit_corim_is_signed(c)) {
		st = fail(EXIT_MALFORMED, "sign", "%s is signed already", file);
		goto out;
	}
	if ((st = read_input("sign", metaf, SMALL_FILE_MAX, &buf, &len)) !=
	    EXIT_OK)
		goto out;
	memset(&d, 0, sizeof(d));
	if ((r = ccakit_corim_meta_from_json((const char *)buf, len, &meta,
	    &name, &uri, &d)) != CCAKIT_OK) {
		st = fail(EXIT_MALFORMED, "sign", "error decoding CoRIM Meta "
		    "from %s: %s", metaf, why(r, &d));
		goto out;
	}
	if ((st = load_key("sign", keyf, &k, &kid)) != EXIT_OK)
		goto out;
	if (cert != NULL && (st = load_certs("sign", cert, &certs,
	    &ncerts)) != EXIT_OK)
		goto out;
	if (inter != NULL && (st = load_certs("sign", inter, &certs,
	    &ncerts)) != EXIT_OK)
		goto out;
	memset(&d, 0, sizeof(d));
	if ((r = ccakit_corim_sign(c, k, 0, &meta, certs, ncerts,
	    (const uint8_t *)kid, kid != NULL ? strlen(kid) : 0, &sig, &len,
	    &d)) != CCAKIT_OK) {
		st = fail(EXIT_MALFORMED, "sign", "error signing CoRIM: %s",
		    why(r, &d));
		goto out;
	}
	if (out == NULL) {
		/* cocli: signed-<file> beside the input */
		const char *slash = strrchr(file, '/');

		if (asprintf(&def, "%.*ssigned-%s", slash != NULL ?
		    (int)(slash - file + 1) : 0, file, slash != NULL ?
		    slash + 1 : file) < 0) {
			def = NULL;
			st = EXIT_MALFORMED;
			goto out;
		}
		out = def;
	}
	if ((st = write_output("sign", out, sig, len)) == EXIT_OK &&
	    strcmp(out, "-") != 0)
		printf(">> \"%s\" signed and saved to \"%s\"\n", file, out);
 out:
	free(def);
	ccakit_free(sig);
	free(buf);
	free(name);
	free(uri);
	free(kid);
	free_certs(certs, ncerts);
	ccakit_key_free(&k);
	ccakit_corim_free(&c);
	return st;
}

static const char verify_help[] =
"Usage: corim verify -f FILE (-k KEY | -r ROOTS...) [--time SECONDS]\n"
"\n"
"Verify a signed CoRIM with a key (cocli's way), or its x5chain against\n"
"trusted roots (Veraison's way: a path from the leaf through the\n"
"intermediates to a root, the leaf not a CA, the signature with the\n"
"leaf's key, the corim-meta signature validity).\n"
"\n"
"  -f, --file FILE          the signed CoRIM\n"
"  -k, --key FILE           the public key (JWK or PEM)\n"
"  -r, --roots FILE         trusted roots (PEM, one or more, or DER;\n"
"                           repeatable)\n"
"      --time SECONDS       verify as at this time (seconds since the\n"
"                           epoch; default: now)\n"
"\n"
"Exit status: 0 verified, 1 usage error, 2 malformed input,\n"
"3 the signature or the chain does not verify.\n";

int
cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "key", required_argument, NULL, 'k' },
		{ "roots", required_argument, NULL, 'r' },
		{ "time", required_argument, NULL, 1000 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL, *keyf = NULL;
	struct flist roots = { 0 };
	struct ccakit_errdetail d;
	ccakit_corim_roots *rs = NULL;
	ccakit_corim *c = NULL;
	ccakit_key *k = NULL;
	long long t = 0;
	uint8_t *buf;
	size_t i, len;
	char *end;
	int ch, r, st = EXIT_USAGE;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:k:r:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			file = optarg;
			break;
		case 'k':
			keyf = optarg;
			break;
		case 'r':
			if (flist_add(&roots, optarg) != CCAKIT_OK)
				goto out;
			break;
		case 1000:
			t = strtoll(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || t <= 0) {
				st = usage_error("verify", "--time: seconds "
				    "since the epoch");
				goto out;
			}
			break;
		case 'h':
			fputs(verify_help, stdout);
			st = EXIT_OK;
			goto out;
		default:
			st = usage_error("verify", "invalid option");
			goto out;
		}
	}
	if (optind != argc) {
		st = usage_error("verify", "unexpected argument '%s'",
		    argv[optind]);
		goto out;
	}
	if (file == NULL) {
		st = usage_error("verify", "no CoRIM supplied");
		goto out;
	}
	if ((keyf == NULL) == (roots.n == 0)) {
		st = usage_error("verify", keyf == NULL ? "no key supplied "
		    "(-k KEY or -r ROOTS)" : "-k and -r exclude each other");
		goto out;
	}
	if ((st = load_corim("verify", file, &c)) != EXIT_OK)
		goto out;
	if (!ccakit_corim_is_signed(c)) {
		st = fail(EXIT_MALFORMED, "verify", "%s is not a signed CoRIM",
		    file);
		goto out;
	}
	memset(&d, 0, sizeof(d));
	if (keyf != NULL) {
		if ((st = load_key("verify", keyf, &k, NULL)) != EXIT_OK)
			goto out;
		r = ccakit_corim_verify_key(c, k, &d);
	} else {
		if ((rs = ccakit_corim_roots_new()) == NULL) {
			st = fail(EXIT_MALFORMED, "verify", "out of memory");
			goto out;
		}
		for (i = 0; i < roots.n; i++) {
			if ((st = read_input("verify", roots.v[i],
			    SMALL_FILE_MAX, &buf, &len)) != EXIT_OK)
				goto out;
			r = ccakit_corim_roots_add(rs, buf, len, &d);
			free(buf);
			if (r != CCAKIT_OK) {
				st = fail(EXIT_MALFORMED, "verify", "%s: %s",
				    roots.v[i], why(r, &d));
				goto out;
			}
		}
		r = ccakit_corim_verify(c, rs, (int64_t)t, &d);
	}
	if (r != CCAKIT_OK) {
		st = fail(r == CCAKIT_ERR_CORIM_MALFORMED ? EXIT_MALFORMED :
		    EXIT_REJECTED, "verify", "error verifying %s: %s", file,
		    why(r, &d));
		goto out;
	}
	printf(">> \"%s\" verified\n", file);
	st = EXIT_OK;
 out:
	flist_free(&roots);
	ccakit_corim_roots_free(&rs);
	ccakit_key_free(&k);
	ccakit_corim_free(&c);
	return st;
}
