/* corim create | display | extract | validate */
#define _GNU_SOURCE
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "corimtool.h"
#include "util/util.h"

/* --- create --- */

static const char create_help[] =
"Usage: corim create -t TEMPLATE [-m COMID...] [-M DIR...] [-s COSWID...]\n"
"                    [-S DIR...] [-c COTS...] [-C DIR...] [-o FILE]\n"
"                    [--profile-encoding as-is|uri|text]\n"
"\n"
"Wrap CBOR CoMIDs (and CoSWIDs, CoTSs) into the CoRIM of a JSON template\n"
"(corim-id, profile, validity, dependent-rims, entities) and write it as\n"
"#6.501 CBOR.\n"
"\n"
"  -t, --template FILE      the CoRIM template (JSON)\n"
"  -m, --comid FILE         a CBOR CoMID (repeatable)\n"
"  -M, --comid-dir DIR      every *.cbor of DIR (repeatable)\n"
"  -s, --coswid FILE        a CBOR CoSWID (repeatable)\n"
"  -S, --coswid-dir DIR     every *.cbor of DIR (repeatable)\n"
"  -c, --cots FILE          a CBOR CoTS (repeatable)\n"
"  -C, --cots-dir DIR       every *.cbor of DIR (repeatable)\n"
"  -o, --output FILE        the CoRIM (default: the template's name with\n"
"                           .cbor), '-' for stdout\n"
"      --profile-encoding as-is|uri|text\n"
"                           the profile as the template gives it (a string\n"
"                           is text, {\"type\": \"uri\"} is #6.32, the\n"
"                           default), or forced to #6.32(uri) (Veraison\n"
"                           main) or to text (v0.0.2605 to v0.0.2608)\n"
"\n"
"Exit status: 0 success, 1 usage error, 2 malformed input or I/O error.\n";

static int
add_tags(const char *cmd, ccakit_corim *c, unsigned tag,
    const struct flist *l, const char *what)
{
	struct ccakit_errdetail d;
	uint8_t *buf;
	size_t i, len;
	int r, st;

	for (i = 0; i < l->n; i++) {
		if ((st = read_input(cmd, l->v[i], CCAKIT_CORIM_MAX_SIZE, &buf,
		    &len)) != EXIT_OK)
			return st;
		memset(&d, 0, sizeof(d));
		r = ccakit_corim_add_tag(c, tag, buf, len, &d);
		free(buf);
		if (r != CCAKIT_OK)
			return fail(exit_for(r), cmd, "error loading %s from "
			    "%s: %s", what, l->v[i], why(r, &d));
	}
	return EXIT_OK;
}

int
cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "template", required_argument, NULL, 't' },
		{ "comid", required_argument, NULL, 'm' },
		{ "comid-dir", required_argument, NULL, 'M' },
		{ "coswid", required_argument, NULL, 's' },
		{ "coswid-dir", required_argument, NULL, 'S' },
		{ "cots", required_argument, NULL, 'c' },
		{ "cots-dir", required_argument, NULL, 'C' },
		{ "output", required_argument, NULL, 'o' },
		{ "profile-encoding", required_argument, NULL, 1000 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct flist comids = { 0 }, coswids = { 0 }, cots = { 0 }, *l;
	enum ccakit_corim_profile_form pf = CCAKIT_CORIM_PROFILE_AS_IS;
	const char *tmpl = NULL, *out = NULL;
	struct ccakit_errdetail d;
	ccakit_corim *c = NULL;
	uint8_t *buf = NULL, *enc = NULL;
	char *def = NULL, *copy, *base;
	size_t len;
	int ch, r, st = EXIT_USAGE;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "t:m:M:s:S:c:C:o:h", opts,
	    NULL)) != -1) {
		r = CCAKIT_OK;
		switch (ch) {
		case 't':
			tmpl = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'm':
		case 's':
		case 'c':
			l = ch == 'm' ? &comids : ch == 's' ? &coswids : &cots;
			r = flist_add(l, optarg);
			break;
		case 'M':
		case 'S':
		case 'C':
			l = ch == 'M' ? &comids : ch == 'S' ? &coswids : &cots;
			if ((r = flist_add_dir(l, optarg, ".cbor")) ==
			    CCAKIT_ERR_IO) {
				st = fail(EXIT_MALFORMED, "create", "%s: not a "
				    "readable directory", optarg);
				goto out;
			}
			break;
		case 1000:
			if (strcmp(optarg, "uri") == 0)
				pf = CCAKIT_CORIM_PROFILE_URI;
			else if (strcmp(optarg, "text") == 0)
				pf = CCAKIT_CORIM_PROFILE_TEXT;
			else if (strcmp(optarg, "as-is") != 0) {
				st = usage_error("create", "--profile-encoding:"
				    " as-is, uri or text");
				goto out;
			}
			break;
		case 'h':
			fputs(create_help, stdout);
			st = EXIT_OK;
			goto out;
		default:
			st = usage_error("create", "invalid option");
			goto out;
		}
		if (r != CCAKIT_OK) {
			st = fail(EXIT_MALFORMED, "create", "out of memory");
			goto out;
		}
	}
	if (optind != argc) {
		st = usage_error("create", "unexpected argument '%s'",
		    argv[optind]);
		goto out;
	}
	if (tmpl == NULL) {
		st = usage_error("create", "no CoRIM template supplied");
		goto out;
	}
	if (comids.n + coswids.n + cots.n == 0) {
		st = usage_error("create", "no CoMID, CoSWID or CoTS files or "
		    "folders supplied");
		goto out;
	}
	if ((st = read_input("create", tmpl, CCAKIT_CORIM_MAX_JSON, &buf,
	    &len)) != EXIT_OK)
		goto out;
	memset(&d, 0, sizeof(d));
	if ((r = ccakit_corim_from_json((const char *)buf, len, &c, &d)) !=
	    CCAKIT_OK) {
		st = fail(exit_for(r), "create", "error decoding template from "
		    "%s: %s", tmpl, why(r, &d));
		goto out;
	}
	if ((st = add_tags("create", c, CCAKIT_CORIM_TAG_COMID, &comids,
	    "CoMID")) != EXIT_OK ||
	    (st = add_tags("create", c, CCAKIT_CORIM_TAG_COSWID, &coswids,
	    "CoSWID")) != EXIT_OK ||
	    (st = add_tags("create", c, CCAKIT_CORIM_TAG_COTS, &cots,
	    "CoTS")) != EXIT_OK)
		goto out;
	if (pf != CCAKIT_CORIM_PROFILE_AS_IS &&
	    ccakit_corim_set_profile_form(c, pf) != CCAKIT_OK) {
		st = usage_error("create", "--profile-encoding: the template "
		    "has no profile");
		goto out;
	}
	if ((r = ccakit_corim_encode(c, &enc, &len)) != CCAKIT_OK) {
		st = fail(EXIT_MALFORMED, "create", "error encoding CoRIM to "
		    "CBOR: %s", ccakit_strerror(r));
		goto out;
	}
	if (out == NULL) {
		/* cocli: the template's name with .cbor */
		if ((copy = strdup(tmpl)) == NULL) {
			st = EXIT_MALFORMED;
			goto out;
		}
		base = basename(copy);
		if (strlen(base) > 5 &&
		    strcmp(base + strlen(base) - 5, ".json") == 0)
			base[strlen(base) - 5] = '\0';
		if (asprintf(&def, "%s.cbor", base) < 0)
			def = NULL;
		free(copy);
		if ((out = def) == NULL) {
			st = EXIT_MALFORMED;
			goto out;
		}
	}
	if ((st = write_output("create", out, enc, len)) == EXIT_OK &&
	    strcmp(out, "-") != 0)
		printf(">> created \"%s\" from \"%s\"\n", out, tmpl);
 out:
	ccakit_free(enc);
	free(buf);
	free(def);
	ccakit_corim_free(&c);
	flist_free(&comids);
	flist_free(&coswids);
	flist_free(&cots);
	return st;
}

/* --- display --- */

static const char display_help[] =
"Usage: corim display -f FILE [-v] [--json]\n"
"\n"
"Print a CoRIM (signed or not) as cocli does: \"Meta:\" and the signer of\n"
"a signed one, \"Corim:\" and its JSON with the tags in base64, and with\n"
"-v \"Tags:\" and each tag decoded.\n"
"\n"
"  -f, --file FILE          the CoRIM (CBOR), '-' for stdin\n"
"  -v, --show-tags          decode the tags too\n"
"      --json               one JSON document with everything instead\n"
"\n"
"Exit status: 0 success, 1 usage error, 2 malformed input.\n";

static void
print_part(const char *heading, json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	printf("%s\n%s\n", heading, s != NULL ? s : "null");
	free(s);
}

int
cmd_display(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "show-tags", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 1000 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL;
	bool tags = false, whole = false;
	struct ccakit_bytes content;
	ccakit_corim *c = NULL;
	ccakit_comid *m;
	json_t *root, *meta, *sig, *t;
	unsigned tag;
	char *js = NULL;
	size_t i;
	int ch, st;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			file = optarg;
			break;
		case 'v':
			tags = true;
			break;
		case 1000:
			whole = true;
			break;
		case 'h':
			fputs(display_help, stdout);
			return EXIT_OK;
		default:
			return usage_error("display", "invalid option");
		}
	}
	if (optind != argc)
		return usage_error("display", "unexpected argument '%s'",
		    argv[optind]);
	if (file == NULL)
		return usage_error("display", "no CoRIM supplied");
	if ((st = load_corim("display", file, &c)) != EXIT_OK)
		return st;
	if (ccakit_corim_to_json(c, whole && tags, &js) != CCAKIT_OK ||
	    (root = json_loads(js, JSON_DECODE_ANY, NULL)) == NULL) {
		ccakit_free(js);
		ccakit_corim_free(&c);
		return fail(EXIT_MALFORMED, "display", "out of memory");
	}
	if (whole) {
		printf("%s\n", js);
		goto out;
	}
	meta = json_incref(json_object_get(root, "meta"));
	sig = json_incref(json_object_get(root, "signature"));
	json_object_del(root, "meta");
	json_object_del(root, "signature");
	if (meta != NULL) {
		json_object_set_new(meta, "signature", sig);
		print_part("Meta:", meta);
		json_decref(meta);
	}
	print_part("Corim:", root);
	if (tags) {
		printf("Tags:\n");
		for (i = 0; i < ccakit_corim_tag_count(c); i++) {
			(void)ccakit_corim_tag(c, i, &tag, &content);
			if (tag != CCAKIT_CORIM_TAG_COMID) {
				printf(">> [%s] %zu bytes of CBOR (not "
				    "decoded)\n",
				    tag == CCAKIT_CORIM_TAG_COSWID ? "CoSWID" :
				    tag == CCAKIT_CORIM_TAG_COTS ? "CoTS" :
				    "CoTL", content.len);
				continue;
			}
			m = NULL;
			if (ccakit_corim_comid(c, i, &m, NULL) != CCAKIT_OK) {
				printf(">> skipping malformed CoMID tag at "
				    "index %zu\n", i);
				continue;
			}
			ccakit_free(js);
			js = NULL;
			if (ccakit_comid_to_json(m, &js) == CCAKIT_OK &&
			    (t = json_loads(js, 0, NULL)) != NULL) {
				print_part(">> [CoMID]", t);
				json_decref(t);
			}
			ccakit_comid_free(&m);
		}
	}
 out:
	json_decref(root);
	ccakit_free(js);
	ccakit_corim_free(&c);
	return EXIT_OK;
}

/* --- extract --- */

static const char extract_help[] =
"Usage: corim extract -f FILE [-o DIR]\n"
"\n"
"Write each tag of a CoRIM to DIR: 000000-comid.cbor, 000001-coswid.cbor,\n"
"000002-cots.cbor, ... (cocli's names).\n"
"\n"
"  -f, --file FILE          the CoRIM (CBOR, signed or not)\n"
"  -o, --output-dir DIR     where the tags go (default: .)\n"
"\n"
"Exit status: 0 success, 1 usage error, 2 malformed input or I/O error.\n";

int
cmd_extract(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "output-dir", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL, *dir = ".";
	struct ccakit_bytes content;
	ccakit_corim *c = NULL;
	unsigned tag;
	char path[4096];
	struct stat sb;
	size_t i;
	int ch, st;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			file = optarg;
			break;
		case 'o':
			dir = optarg;
			break;
		case 'h':
			fputs(extract_help, stdout);
			return EXIT_OK;
		default:
			return usage_error("extract", "invalid option");
		}
	}
	if (optind != argc)
		return usage_error("extract", "unexpected argument '%s'",
		    argv[optind]);
	if (file == NULL)
		return usage_error("extract", "no CoRIM supplied");
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return fail(EXIT_MALFORMED, "extract", "%s: not a directory",
		    dir);
	if ((st = load_corim("extract", file, &c)) != EXIT_OK)
		return st;
	for (i = 0; i < ccakit_corim_tag_count(c) && st == EXIT_OK; i++) {
		(void)ccakit_corim_tag(c, i, &tag, &content);
		snprintf(path, sizeof(path), "%s/%06zu-%s.cbor", dir, i,
		    tag == CCAKIT_CORIM_TAG_COMID ? "comid" :
		    tag == CCAKIT_CORIM_TAG_COSWID ? "coswid" :
		    tag == CCAKIT_CORIM_TAG_COTS ? "cots" : "cotl");
		if ((st = write_output("extract", path, content.ptr,
		    content.len)) == EXIT_OK)
			printf(">> wrote \"%s\"\n", path);
	}
	ccakit_corim_free(&c);
	return st;
}

/* --- validate (CCA profiles) --- */

static const char validate_help[] =
"Usage: corim validate -f FILE... [-d DIR...]\n"
"\n"
"Check CoRIMs (signed or not; a signature is not verified here) against\n"
"the Arm CCA profiles, current and legacy, as Veraison's validator does,\n"
"and say [valid] or [invalid] with the reason.\n"
"\n"
"  -f, --file FILE          a CoRIM (repeatable)\n"
"  -d, --dir DIR            every *.cbor of DIR (repeatable)\n"
"\n"
"Exit status: 0 all valid, 1 usage error, 2 a file does not decode,\n"
"3 a CoRIM breaks its profile (or has no CCA profile).\n";

int
cmd_validate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct flist files = { 0 };
	struct ccakit_errdetail d;
	ccakit_corim *c;
	size_t i, bad = 0;
	int ch, r, st = EXIT_OK, s;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:d:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			r = flist_add(&files, optarg);
			break;
		case 'd':
			r = flist_add_dir(&files, optarg, ".cbor");
			break;
		case 'h':
			fputs(validate_help, stdout);
			flist_free(&files);
			return EXIT_OK;
		default:
			flist_free(&files);
			return usage_error("validate", "invalid option");
		}
		if (r != CCAKIT_OK) {
			flist_free(&files);
			return fail(EXIT_MALFORMED, "validate", "%s: %s",
			    optarg, r == CCAKIT_ERR_IO ? "not a readable "
			    "directory" : ccakit_strerror(r));
		}
	}
	if (optind != argc || files.n == 0) {
		flist_free(&files);
		return usage_error("validate", optind != argc ?
		    "unexpected argument" : "no files supplied");
	}
	for (i = 0; i < files.n; i++) {
		if ((s = load_corim("validate", files.v[i], &c)) != EXIT_OK) {
			printf("[invalid] \"%s\": does not decode\n",
			    files.v[i]);
			st = st == EXIT_OK || st == EXIT_REJECTED ? s : st;
			bad++;
			continue;
		}
		memset(&d, 0, sizeof(d));
		if ((r = ccakit_corim_validate_cca(c, &d)) == CCAKIT_OK)
			printf("[valid] \"%s\" (%s)\n", files.v[i],
			    ccakit_corim_profile_str(c));
		else {
			printf("[invalid] \"%s\": %s\n", files.v[i],
			    why(r, &d));
			if (st == EXIT_OK)
				st = EXIT_REJECTED;
			bad++;
		}
		ccakit_corim_free(&c);
	}
	if (bad > 0)
		fprintf(stderr, "%s validate: %zu/%zu validation(s) failed\n",
		    progname, bad, files.n);
	flist_free(&files);
	return st;
}
