/* corim comid create | display | validate (cocli's comid commands). */
#define _GNU_SOURCE
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "corimtool.h"
#include "util/util.h"

static const char comid_help[] =
"Usage: corim comid create -t TEMPLATE... [-T DIR...] [-o DIR]\n"
"       corim comid display -f FILE... [-d DIR...]\n"
"       corim comid validate -f FILE... [-d DIR...]\n"
"\n"
"create: each CoMID JSON template (Veraison corim / cocli format) is\n"
"checked and written as CBOR to DIR/<template name>.cbor.\n"
"  -t, --template FILE      a CoMID template (repeatable)\n"
"  -T, --template-dir DIR   every *.json of DIR (repeatable)\n"
"  -o, --output-dir DIR     where the CBOR files go (default: .)\n"
"\n"
"display: print each CBOR CoMID as JSON (the template format).\n"
"validate: decode each CBOR CoMID and say [valid] or [invalid].\n"
"  -f, --file FILE          a CBOR CoMID (repeatable)\n"
"  -d, --dir DIR            every *.cbor of DIR (repeatable)\n"
"\n"
"Exit status: 0 success, 1 usage error, 2 a file failed.\n";

/* dir/<basename of tmpl without .json>.cbor */
static char *
cbor_name(const char *dir, const char *tmpl)
{
	char *copy = strdup(tmpl), *base, *out = NULL;
	size_t n;

	if (copy == NULL)
		return NULL;
	base = basename(copy);
	n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".json") == 0)
		base[n - 5] = '\0';
	if (asprintf(&out, "%s/%s.cbor", dir, base) < 0)
		out = NULL;
	free(copy);
	return out;
}

static int
create_one(const char *tmpl, const char *outdir, char **outp)
{
	struct ccakit_errdetail d;
	ccakit_comid *m = NULL;
	uint8_t *buf, *enc = NULL;
	size_t len, elen;
	char *out;
	int r;

	*outp = NULL;
	if (cki_read_file(tmpl, CCAKIT_CORIM_MAX_JSON, &buf, &len) !=
	    CCAKIT_OK) {
		printf(">> creation failed for %s: cannot read the template\n",
		    tmpl);
		return -1;
	}
	memset(&d, 0, sizeof(d));
	r = ccakit_comid_from_json((const char *)buf, len, &m, &d);
	free(buf);
	if (r != CCAKIT_OK) {
		printf(">> creation failed for \"%s\": error validating "
		    "template %s: %s\n", tmpl, tmpl, why(r, &d));
		return -1;
	}
	if ((out = cbor_name(outdir, tmpl)) == NULL ||
	    ccakit_comid_encode(m, &enc, &elen) != CCAKIT_OK ||
	    write_output("comid create", out, enc, elen) != EXIT_OK) {
		printf(">> creation failed for \"%s\"\n", out ? out : tmpl);
		free(out);
		ccakit_free(enc);
		ccakit_comid_free(&m);
		return -1;
	}
	ccakit_free(enc);
	ccakit_comid_free(&m);
	*outp = out;
	return 0;
}

static int
read_comid(const char *path, ccakit_comid **m, struct ccakit_errdetail *d)
{
	uint8_t *buf;
	size_t len;
	int r;

	if ((r = cki_read_file(path, CCAKIT_CORIM_MAX_SIZE, &buf,
	    &len)) != CCAKIT_OK)
		return cki_detail(d, r, NULL, "cannot read the file");
	r = ccakit_comid_decode(buf, len, m, d);
	free(buf);
	return r;
}

int
cmd_comid(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "template", required_argument, NULL, 't' },
		{ "template-dir", required_argument, NULL, 'T' },
		{ "output-dir", required_argument, NULL, 'o' },
		{ "file", required_argument, NULL, 'f' },
		{ "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct flist files = { 0 };
	struct ccakit_errdetail d;
	const char *sub, *outdir = ".";
	char cmd[32], *out, *js;
	ccakit_comid *m;
	struct stat st;
	size_t i, errs = 0;
	int ch, r;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(comid_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	sub = argv[1];
	if (strcmp(sub, "create") != 0 && strcmp(sub, "display") != 0 &&
	    strcmp(sub, "validate") != 0)
		return usage_error("comid", "unknown subcommand '%s'", sub);
	snprintf(cmd, sizeof(cmd), "comid %s", sub);
	argc--;
	argv++;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "t:T:o:f:d:h", opts, NULL)) !=
	    -1) {
		switch (ch) {
		case 't':
		case 'f':
			if ((sub[0] == 'c') != (ch == 't')) {
				flist_free(&files);
				return usage_error(cmd, "-%c does not apply",
				    ch);
			}
			r = flist_add(&files, optarg);
			break;
		case 'T':
		case 'd':
			if ((sub[0] == 'c') != (ch == 'T')) {
				flist_free(&files);
				return usage_error(cmd, "-%c does not apply",
				    ch);
			}
			r = flist_add_dir(&files, optarg, ch == 'T' ? ".json" :
			    ".cbor");
			if (r == CCAKIT_ERR_IO) {
				flist_free(&files);
				return fail(EXIT_MALFORMED, cmd, "%s: not a "
				    "readable directory", optarg);
			}
			break;
		case 'o':
			outdir = optarg;
			r = CCAKIT_OK;
			break;
		case 'h':
			fputs(comid_help, stdout);
			flist_free(&files);
			return EXIT_OK;
		default:
			flist_free(&files);
			return usage_error(cmd, "invalid option");
		}
		if (r != CCAKIT_OK) {
			flist_free(&files);
			return fail(EXIT_MALFORMED, cmd, "out of memory");
		}
	}
	if (optind != argc) {
		flist_free(&files);
		return usage_error(cmd, "unexpected argument '%s'",
		    argv[optind]);
	}
	if (files.n == 0) {
		flist_free(&files);
		return usage_error(cmd, "no %s supplied", sub[0] == 'c' ?
		    "templates" : "files");
	}
	if (sub[0] == 'c' && (stat(outdir, &st) != 0 || !S_ISDIR(st.st_mode))) {
		flist_free(&files);
		return fail(EXIT_MALFORMED, cmd, "%s: not a directory", outdir);
	}
	for (i = 0; i < files.n; i++) {
		if (sub[0] == 'c') {
			if (create_one(files.v[i], outdir, &out) != 0) {
				errs++;
				continue;
			}
			printf(">> created \"%s\" from \"%s\"\n", out,
			    files.v[i]);
			free(out);
			continue;
		}
		memset(&d, 0, sizeof(d));
		m = NULL;
		r = read_comid(files.v[i], &m, &d);
		if (sub[0] == 'v') {
			if (r != CCAKIT_OK) {
				printf("[invalid] \"%s\": %s\n", files.v[i],
				    why(r, &d));
				errs++;
			} else
				printf("[valid] \"%s\"\n", files.v[i]);
		} else if (r != CCAKIT_OK) {
			printf(">> failed displaying \"%s\": %s\n", files.v[i],
			    why(r, &d));
			errs++;
		} else if (ccakit_comid_to_json(m, &js) == CCAKIT_OK) {
			printf(">> [%s]\n%s\n", files.v[i], js);
			ccakit_free(js);
		} else
			errs++;
		ccakit_comid_free(&m);
	}
	if (errs > 0)
		fprintf(stderr, "%s %s: %zu/%zu %s failed\n", progname, cmd,
		    errs, files.n, sub[0] == 'c' ? "creation(s)" :
		    sub[0] == 'v' ? "validation(s)" : "display(s)");
	flist_free(&files);
	return errs > 0 ? EXIT_MALFORMED : EXIT_OK;
}
