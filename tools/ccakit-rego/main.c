/*
 * ccakit-rego: evaluate Rego policies the way `opa eval` does, and check
 * them the way `opa check` does. See ccakit-rego(1).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ccakit/rego.h>
#include <ccakit/version.h>

#include "rego/rego_priv.h"

#define EXIT_OK     0
#define EXIT_USAGE  1
#define EXIT_ERR    2

static const char *progname = "ccakit-rego";

static void
usage(FILE *f)
{
	fprintf(f,
	    "Usage: %s eval [options] QUERY\n"
	    "       %s check FILE.rego...\n"
	    "       %s --help | --version\n"
	    "\n"
	    "eval options:\n"
	    "  -d, --data PATH            policy (.rego), data (.json) or a "
	    "directory\n"
	    "                             of them (repeatable)\n"
	    "  -i, --input FILE           input document (JSON; - for stdin)\n"
	    "  -f, --format json|pretty   output format (default json)\n"
	    "      --strict-builtin-errors  built-in errors are errors, not "
	    "undefined\n"
	    "      --max-steps N          evaluation step limit (default "
	    "%llu)\n"
	    "      --max-memory BYTES     evaluation memory limit (default "
	    "%u)\n"
	    "\n"
	    "Output (json): {\"result\":[{\"expressions\":[...],\"bindings\":"
	    "{...}}]},\n"
	    "{} when undefined, {\"errors\":[...]} on errors.\n"
	    "Exit status: 0 success (defined or undefined), 1 usage error,\n"
	    "2 parse, compile, evaluation or input error.\n",
	    progname, progname, progname,
	    (unsigned long long)CCAKIT_REGO_DEFAULT_STEPS,
	    CCAKIT_REGO_DEFAULT_MEMORY);
}

/* ------------------------------------------------------------------ */
/* Loading.                                                             */

struct loader {
	ccakit_rego_policy *pol;
	struct rego_arena ar;      /* data documents */
	const rv *data;
	int nerr;
	bool json_out;
	struct rego_buf errs;      /* JSON error array body */
};

static char *
slurp(const char *path, size_t *len)
{
	uint8_t *buf;
	int rc;

	rc = cki_read_file(path, CCAKIT_REGO_MAX_JSON, &buf, len);
	if (rc != CCAKIT_OK) {
		fprintf(stderr, "%s: %s: %s\n", progname, path,
		    rc == CCAKIT_ERR_IO ? strerror(errno) :
		    ccakit_strerror(rc));
		return NULL;
	}
	return (char *)buf;
}

static void
err_json(struct rego_buf *b, const struct ccakit_rego_diag *dg)
{
	if (b->len > 0)
		rb_putc(b, ',');
	rb_puts(b, "{\"message\":");
	rego_json_str(b, dg->message, strlen(dg->message));
	rb_puts(b, ",\"code\":");
	rego_json_str(b, dg->code, strlen(dg->code));
	if (dg->row > 0 || dg->file[0] != '\0') {
		rb_puts(b, ",\"location\":{\"file\":");
		rego_json_str(b, dg->file, strlen(dg->file));
		rb_printf(b, ",\"row\":%d,\"col\":%d}", dg->row, dg->col);
	}
	rb_putc(b, '}');
}

/* Deep-merge document x into `into` (objects only); NULL on conflict. */
static const rv *
merge(struct rego_arena *a, const rv *into, const rv *x)
{
	size_t i;

	if (into == NULL)
		return x;
	if (into->t != RV_OBJ || x->t != RV_OBJ)
		return NULL;
	for (i = 0; i < x->n; i++) {
		const rv *old = rv_obj_get(into, x->u.a[i]), *m;

		m = old == NULL ? rv_obj_vals(x)[i] : merge(a, old,
		    rv_obj_vals(x)[i]);
		if (m == NULL)
			return NULL;
		if ((into = rv_obj_put(a, into, x->u.a[i], m)) == NULL)
			return NULL;
	}
	return into;
}

static int
load_json(struct loader *l, const char *path, const char *const *prefix,
    size_t nprefix)
{
	char *text, err[160];
	const rv *v, *m;
	size_t len, i;

	if ((text = slurp(path, &len)) == NULL)
		return -1;
	if (rego_json_parse(&l->ar, text, len, CCAKIT_REGO_MAX_DEPTH, &v, err,
	    sizeof(err)) != CCAKIT_OK) {
		fprintf(stderr, "%s: %s: %s\n", progname, path, err);
		free(text);
		return -1;
	}
	free(text);
	for (i = nprefix; i-- > 0;) {
		const rv *k = rv_cstr(&l->ar, prefix[i]), *o;

		o = rv_obj_put(&l->ar, &rv_empty_obj_v, k, v);
		v = o;
	}
	if ((m = merge(&l->ar, l->data, v)) == NULL) {
		fprintf(stderr, "%s: %s: merge error: conflicting data\n",
		    progname, path);
		return -1;
	}
	l->data = m;
	return 0;
}

static int
load_rego(struct loader *l, const char *path)
{
	struct ccakit_errdetail d;
	size_t len, before = ccakit_rego_policy_nerrors(l->pol), i;
	char *text;
	int rc;

	if ((text = slurp(path, &len)) == NULL)
		return -1;
	rc = ccakit_rego_add_module(l->pol, path, text, len, &d);
	free(text);
	if (rc != CCAKIT_OK) {
		for (i = before; i < ccakit_rego_policy_nerrors(l->pol); i++)
			l->nerr++;
		if (ccakit_rego_policy_nerrors(l->pol) == before) {
			fprintf(stderr, "%s: %s: %s\n", progname, path,
			    ccakit_strerror(rc));
			return -1;
		}
	}
	return 0;
}

static bool
has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcmp(s + n - m, suf) == 0;
}

static int load_path(struct loader *l, const char *path,
    const char **prefix, size_t nprefix, int depth);

static int
load_dir(struct loader *l, const char *dir, const char **prefix,
    size_t nprefix, int depth)
{
	struct dirent *de;
	DIR *d;
	char sub[4096];
	char **names = NULL, **nn;
	size_t n = 0, i;
	int rc = 0;

	if (depth > 32 || nprefix >= 60) {
		fprintf(stderr, "%s: %s: directories nested too deeply\n",
		    progname, dir);
		return -1;
	}
	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", progname, dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((nn = realloc(names, (n + 1) * sizeof(*names))) == NULL)
			break;
		names = nn;
		if ((names[n] = strdup(de->d_name)) != NULL)
			n++;
	}
	closedir(d);
	for (i = 0; i < n; i++) {
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(names[j], names[i]) < 0) {
				char *t = names[i];

				names[i] = names[j];
				names[j] = t;
			}
	}
	for (i = 0; i < n && rc == 0; i++) {
		struct stat st;

		snprintf(sub, sizeof(sub), "%s/%s", dir, names[i]);
		if (stat(sub, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			prefix[nprefix] = names[i];
			rc = load_dir(l, sub, prefix, nprefix + 1, depth + 1);
		} else if (has_suffix(names[i], ".rego") ||
		    has_suffix(names[i], ".json")) {
			rc = load_path(l, sub, prefix, nprefix, depth);
		}
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static int
load_path(struct loader *l, const char *path, const char **prefix,
    size_t nprefix, int depth)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "%s: %s: %s\n", progname, path,
		    strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return load_dir(l, path, prefix, nprefix, depth);
	if (has_suffix(path, ".json"))
		return load_json(l, path, prefix, nprefix);
	return load_rego(l, path);
}

/* ------------------------------------------------------------------ */
/* Output.                                                              */

static void
print_errors(const struct ccakit_rego_diag *const *dg, size_t n, bool json)
{
	struct rego_buf b;
	char line[1200];
	size_t i;

	if (json) {
		rb_init(&b, 0);
		for (i = 0; i < n; i++)
			err_json(&b, dg[i]);
		printf("{\n  \"errors\": [");
		/* re-indent: one error per line */
		for (i = 0; i < n; i++) {
			struct rego_buf one;

			rb_init(&one, 0);
			err_json(&one, dg[i]);
			printf("%s\n    %s", i > 0 ? "," : "", rb_str(&one));
			rb_free(&one);
		}
		printf("\n  ]\n}\n");
		rb_free(&b);
		return;
	}
	fprintf(stderr, "%zu error%s occurred%s\n", n, n == 1 ? "" : "s",
	    n > 0 ? ":" : "");
	for (i = 0; i < n; i++) {
		ccakit_rego_diag_format(dg[i], line, sizeof(line));
		fprintf(stderr, "%s\n", line);
	}
}

static int
policy_errors(ccakit_rego_policy *p, bool json)
{
	const struct ccakit_rego_diag *dg[64];
	size_t n = ccakit_rego_policy_nerrors(p), i;

	if (n > 64)
		n = 64;
	for (i = 0; i < n; i++)
		dg[i] = ccakit_rego_policy_error(p, i);
	print_errors(dg, n, json);
	return EXIT_ERR;
}

static void
indent(struct rego_buf *b, int n)
{
	int i;

	for (i = 0; i < n; i++)
		rb_puts(b, "  ");
}

/* JSON value at an indentation level (re-indented pretty output). */
static void
put_value(struct rego_buf *b, const rv *v, int level)
{
	struct rego_buf vb;
	size_t i;

	rb_init(&vb, 0);
	rego_json_write(&vb, v, true, 0);
	for (i = 0; i < vb.len; i++) {
		rb_putc(b, vb.p[i]);
		if (vb.p[i] == '\n')
			indent(b, level);
	}
	rb_free(&vb);
}

static void
print_json(const ccakit_rego_query *q, const ccakit_rego_eval *ev)
{
	size_t nrows = ccakit_rego_eval_nresults(ev), r, i;
	size_t nx = ccakit_rego_query_nexprs(q), nv = ccakit_rego_query_nvars(q);
	struct rego_buf b;
	int row, col;

	if (nrows == 0) {
		printf("{}\n");
		return;
	}
	rb_init(&b, 0);
	rb_puts(&b, "{\n  \"result\": [\n");
	for (r = 0; r < nrows; r++) {
		rb_puts(&b, "    {\n      \"expressions\": [\n");
		for (i = 0; i < nx; i++) {
			const char *text = ccakit_rego_query_expr_text(q, i,
			    &row, &col);

			rb_puts(&b, "        {\n          \"value\": ");
			put_value(&b, ccakit_rego_eval_expr(ev, r, i), 5);
			rb_puts(&b, ",\n          \"text\": ");
			rego_json_str(&b, text, strlen(text));
			rb_printf(&b, ",\n          \"location\": {\n"
			    "            \"row\": %d,\n            \"col\": %d\n"
			    "          }\n        }%s\n", row, col,
			    i + 1 < nx ? "," : "");
		}
		rb_puts(&b, "      ]");
		if (nv > 0) {
			size_t shown = 0;

			rb_puts(&b, ",\n      \"bindings\": {\n");
			for (i = 0; i < nv; i++) {
				const rv *v = ccakit_rego_eval_binding(ev, r,
				    i);
				const char *name = ccakit_rego_query_var(q, i);

				if (v == NULL)
					continue;
				if (shown++ > 0)
					rb_puts(&b, ",\n");
				rb_puts(&b, "        ");
				rego_json_str(&b, name, strlen(name));
				rb_puts(&b, ": ");
				put_value(&b, v, 4);
			}
			rb_puts(&b, "\n      }");
		}
		rb_printf(&b, "\n    }%s\n", r + 1 < nrows ? "," : "");
	}
	rb_puts(&b, "  ]\n}\n");
	fputs(rb_str(&b), stdout);
	rb_free(&b);
}

static void
print_pretty(const ccakit_rego_query *q, const ccakit_rego_eval *ev)
{
	size_t nrows = ccakit_rego_eval_nresults(ev), r, i;
	size_t nv = ccakit_rego_query_nvars(q);
	struct rego_buf b;

	if (nrows == 0) {
		printf("undefined\n");
		return;
	}
	rb_init(&b, 0);
	if (nv == 0 && ccakit_rego_query_nexprs(q) == 1) {
		for (r = 0; r < nrows; r++) {
			rego_json_write(&b, ccakit_rego_eval_expr(ev, r, 0),
			    true, 0);
			rb_putc(&b, '\n');
		}
	} else {
		for (r = 0; r < nrows; r++) {
			for (i = 0; i < nv; i++) {
				const rv *v = ccakit_rego_eval_binding(ev, r,
				    i);

				if (v == NULL)
					continue;
				rb_printf(&b, "%s = ",
				    ccakit_rego_query_var(q, i));
				rego_json_write(&b, v, false, 0);
				rb_putc(&b, '\n');
			}
			if (nv == 0)
				rb_puts(&b, "true\n");
			if (r + 1 < nrows)
				rb_putc(&b, '\n');
		}
	}
	fputs(rb_str(&b), stdout);
	rb_free(&b);
}

/* ------------------------------------------------------------------ */
/* Commands.                                                            */

static int
parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

static int
cmd_eval(int argc, char **argv)
{
	struct loader l;
	const char *input_path = NULL, *query = NULL;
	const char *prefix[64];
	bool json = true, strict = false;
	uint64_t max_steps = 0, max_mem = 0;
	ccakit_rego_query *q = NULL;
	ccakit_rego_eval *ev = NULL;
	struct ccakit_rego_eval_opts o;
	struct ccakit_errdetail d;
	const rv *input = NULL;
	int i, rc, status = EXIT_ERR;
	char **paths;
	int npaths = 0;

	memset(&l, 0, sizeof(l));
	ra_init(&l.ar, 0);
	if ((paths = calloc((size_t)argc + 1, sizeof(*paths))) == NULL)
		return EXIT_ERR;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			free(paths);
			return EXIT_OK;
		}
		if ((strcmp(a, "-d") == 0 || strcmp(a, "--data") == 0) &&
		    i + 1 < argc) {
			paths[npaths++] = argv[++i];
		} else if ((strcmp(a, "-i") == 0 ||
		    strcmp(a, "--input") == 0) && i + 1 < argc) {
			input_path = argv[++i];
		} else if ((strcmp(a, "-f") == 0 ||
		    strcmp(a, "--format") == 0) && i + 1 < argc) {
			a = argv[++i];
			if (strcmp(a, "json") == 0) {
				json = true;
			} else if (strcmp(a, "pretty") == 0) {
				json = false;
			} else {
				fprintf(stderr, "%s: unknown format '%s'\n",
				    progname, a);
				free(paths);
				return EXIT_USAGE;
			}
		} else if (strncmp(a, "--format=", 9) == 0) {
			json = strcmp(a + 9, "pretty") != 0;
		} else if (strcmp(a, "--strict-builtin-errors") == 0) {
			strict = true;
		} else if (strcmp(a, "--max-steps") == 0 && i + 1 < argc) {
			if (parse_u64(argv[++i], &max_steps) != 0) {
				fprintf(stderr, "%s: bad --max-steps\n",
				    progname);
				free(paths);
				return EXIT_USAGE;
			}
		} else if (strcmp(a, "--max-memory") == 0 && i + 1 < argc) {
			if (parse_u64(argv[++i], &max_mem) != 0) {
				fprintf(stderr, "%s: bad --max-memory\n",
				    progname);
				free(paths);
				return EXIT_USAGE;
			}
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "%s: unknown option '%s'\n", progname,
			    a);
			usage(stderr);
			free(paths);
			return EXIT_USAGE;
		} else if (query == NULL) {
			query = a;
		} else {
			fprintf(stderr, "%s: more than one query\n", progname);
			free(paths);
			return EXIT_USAGE;
		}
	}
	if (query == NULL) {
		fprintf(stderr, "%s: eval: missing QUERY\n", progname);
		usage(stderr);
		free(paths);
		return EXIT_USAGE;
	}
	if ((l.pol = ccakit_rego_policy_new()) == NULL)
		goto out;
	for (i = 0; i < npaths; i++)
		if (load_path(&l, paths[i], prefix, 0, 0) != 0)
			goto out;
	if (ccakit_rego_policy_nerrors(l.pol) > 0) {
		status = policy_errors(l.pol, json);
		goto out;
	}
	if (input_path != NULL) {
		char *text, err[160];
		size_t len;

		if ((text = slurp(input_path, &len)) == NULL)
			goto out;
		if (rego_json_parse(&l.ar, text, len, CCAKIT_REGO_MAX_DEPTH,
		    &input, err, sizeof(err)) != CCAKIT_OK) {
			fprintf(stderr, "%s: %s: %s\n", progname, input_path,
			    err);
			free(text);
			goto out;
		}
		free(text);
	}
	if (ccakit_rego_compile(l.pol, &d) != CCAKIT_OK) {
		status = policy_errors(l.pol, json);
		goto out;
	}
	if ((rc = ccakit_rego_query_new(l.pol, query, &q, &d)) != CCAKIT_OK) {
		const struct ccakit_rego_diag *dg[64];
		size_t n = ccakit_rego_query_nerrors(q), k;

		if (n > 64)
			n = 64;
		for (k = 0; k < n; k++)
			dg[k] = ccakit_rego_query_error(q, k);
		if (n == 0) {
			fprintf(stderr, "%s: %s\n", progname,
			    ccakit_strerror(rc));
			goto out;
		}
		print_errors(dg, n, json);
		goto out;
	}
	if ((ev = ccakit_rego_eval_new()) == NULL)
		goto out;
	memset(&o, 0, sizeof(o));
	o.input = input;
	o.data = l.data;
	o.strict_builtin_errors = strict;
	o.max_steps = max_steps;
	o.max_memory = (size_t)max_mem;
	if ((rc = ccakit_rego_eval_run(ev, q, &o, &d)) != CCAKIT_OK) {
		const struct ccakit_rego_diag *dg = ccakit_rego_eval_error(ev);

		if (dg == NULL) {
			fprintf(stderr, "%s: %s\n", progname,
			    ccakit_strerror(rc));
			goto out;
		}
		print_errors(&dg, 1, json);
		goto out;
	}
	if (json)
		print_json(q, ev);
	else
		print_pretty(q, ev);
	status = EXIT_OK;
out:
	ccakit_rego_eval_free(&ev);
	ccakit_rego_query_free(&q);
	ccakit_rego_policy_free(&l.pol);
	ra_free(&l.ar);
	free(paths);
	return status;
}

static int
cmd_check(int argc, char **argv)
{
	struct loader l;
	struct ccakit_errdetail d;
	const char *prefix[64];
	int i, nfiles = 0, status = EXIT_OK;

	memset(&l, 0, sizeof(l));
	ra_init(&l.ar, 0);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return EXIT_OK;
		}
		if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "%s: unknown option '%s'\n", progname,
			    argv[i]);
			return EXIT_USAGE;
		}
		nfiles++;
	}
	if (nfiles == 0) {
		fprintf(stderr, "%s: check: missing FILE\n", progname);
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((l.pol = ccakit_rego_policy_new()) == NULL)
		return EXIT_ERR;
	for (i = 1; i < argc; i++)
		if (load_path(&l, argv[i], prefix, 0, 0) != 0) {
			status = EXIT_ERR;
			goto out;
		}
	if (ccakit_rego_policy_nerrors(l.pol) > 0 ||
	    ccakit_rego_compile(l.pol, &d) != CCAKIT_OK) {
		status = policy_errors(l.pol, false);
		goto out;
	}
out:
	ccakit_rego_policy_free(&l.pol);
	ra_free(&l.ar);
	return status;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("%s %s\n", progname, CCAKIT_VERSION);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "eval") == 0)
		return cmd_eval(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s'\n", progname, argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
