/*
 * OPA's topdown conformance suite, judged as OPA's runner
 * (v1/topdown/exported_test.go) judges it:
 *   - the modules of a case are files test-0.rego, test-1.rego, ...;
 *   - `want_result` is compared as a set of binding rows (values as Rego
 *     values, after a JSON round trip as ast.JSON does; with
 *     `sort_bindings` the top-level arrays of our rows are sorted);
 *   - `want_error_code` must equal the error's code and `want_error` be
 *     a substring of "FILE:ROW: CODE: MESSAGE";
 *   - `strict_error` turns on strict built-in errors.
 *
 * Usage: rego-conformance [--threshold PCT] [--only FOLDER] [--verbose]
 *        [DIR]   (default $CCAKIT_VECTORS/rego/cases)
 * Exits 77 when the vectors are absent, 1 below the threshold (percent
 * of the cases outside the out-of-scope folders).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rego/rego_priv.h"
#include "testvec.h"

static const char *const out_of_scope[] = { "graphql", "providers-aws",
	"netlookupipaddr" };

struct folder {
	char name[128];
	int pass, total;
	bool oos;
};

struct missing {
	char name[96];
	int cases;
};

static struct folder folders[256];
static int nfolders;
static struct missing missing[256];
static int nmissing;
static bool verbose;

static void
add_missing(const char *name)
{
	int i;

	for (i = 0; i < nmissing; i++)
		if (strcmp(missing[i].name, name) == 0) {
			missing[i].cases++;
			return;
		}
	if (nmissing < 256) {
		snprintf(missing[nmissing].name, sizeof(missing[0].name), "%s",
		    name);
		missing[nmissing++].cases = 1;
	}
}

/* A whole file, NUL-terminated (NULL on error). */
static char *
read_all(const char *path, size_t *len)
{
	uint8_t *buf;

	if (cki_read_file(path, 256u * 1024 * 1024, &buf, len) != CCAKIT_OK)
		return NULL;
	return (char *)buf;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted entries of a directory (malloc'd names). */
static char **
list_dir(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL, **nv;
	size_t cnt = 0;

	*n = 0;
	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((nv = realloc(v, (cnt + 1) * sizeof(*v))) == NULL)
			break;
		v = nv;
		if ((v[cnt] = strdup(de->d_name)) == NULL)
			break;
		cnt++;
	}
	closedir(d);
	if (cnt > 0)
		qsort(v, cnt, sizeof(*v), cmp_str);
	*n = cnt;
	return v;
}

/* Value after OPA's JSON round trip (sets become arrays, non-string
 * keys strings), sorted top-level arrays when asked. */
static const rv *
jsonify(struct rego_arena *a, const rv *v, bool sort)
{
	struct rego_buf b;
	const rv *r = NULL;
	char err[64];

	rb_init(&b, 0);
	rego_json_write(&b, v, false, 0);
	if (rego_json_parse(a, rb_str(&b), b.len, 10000, &r, err,
	    sizeof(err)) != CCAKIT_OK)
		r = NULL;
	rb_free(&b);
	if (r != NULL && sort && r->t == RV_ARR && r->n > 1) {
		const rv **items = ra_alloc(a, r->n * sizeof(*items));
		const rv *s;

		if (items == NULL)
			return r;
		memcpy(items, r->u.a, r->n * sizeof(*items));
		/* sort via a set, keeping duplicates: insertion sort */
		for (size_t i = 1; i < r->n; i++) {
			const rv *x = items[i];
			size_t j = i;

			while (j > 0 && rv_cmp(items[j - 1], x) > 0) {
				items[j] = items[j - 1];
				j--;
			}
			items[j] = x;
		}
		s = rv_arr(a, items, r->n);
		r = s;
	}
	return r;
}

static void
fmt_value(struct rego_buf *b, const rv *v)
{
	rego_json_write(b, v, false, 0);
}

static const rv *
getk(const rv *o, const char *k)
{
	return rv_obj_gets(o, k, strlen(k));
}

/* test.sleep(duration): a test-only built-in of OPA's suite; a no-op
 * here (the suite only checks that time.now_ns stays fixed). */
static int
bi_test_sleep(ccakit_rego_bictx *ctx, const ccakit_rego_value *const *args,
    const ccakit_rego_value **out)
{
	(void)ctx;
	(void)args;
	*out = ccakit_rego_null();
	return CCAKIT_OK;
}

/* Run one case; returns true on pass, fills why. */
static bool
run_case(const rv *c, struct rego_buf *why)
{
	struct rego_arena a;
	const rv *modules = getk(c, "modules"), *query = getk(c, "query");
	const rv *data = getk(c, "data"), *input = getk(c, "input");
	const rv *input_term = getk(c, "input_term");
	const rv *want = getk(c, "want_result");
	const rv *wcode = getk(c, "want_error_code");
	const rv *werr = getk(c, "want_error");
	const rv *strict = getk(c, "strict_error");
	const rv *sortb = getk(c, "sort_bindings");
	ccakit_rego_policy *p = NULL;
	struct ccakit_rego_query *q = NULL;
	ccakit_rego_eval *ev = NULL;
	struct ccakit_rego_eval_opts o;
	struct ccakit_errdetail d;
	struct rego_diags ds = { 0 };
	char name[32], errtext[1200];
	bool ok = false;
	size_t i;
	int rc;

	ra_init(&a, 0);
	memset(&o, 0, sizeof(o));
	if ((p = ccakit_rego_policy_new()) == NULL)
		goto out;
	{
		struct ccakit_rego_builtin sleep = { "test.sleep", 1,
			bi_test_sleep, CCAKIT_REGO_BI_NONDET };

		(void)ccakit_rego_add_builtin(p, &sleep);
	}
	for (i = 0; modules != NULL && i < modules->n; i++) {
		const rv *m = modules->u.a[i];

		snprintf(name, sizeof(name), "test-%zu.rego", i);
		(void)ccakit_rego_add_module(p, name, m->u.s, m->n, &d);
	}
	if (ccakit_rego_compile(p, &d) != CCAKIT_OK) {
		const struct ccakit_rego_diag *dg = ccakit_rego_policy_error(p,
		    0);

		if (dg != NULL && strncmp(dg->message, "undefined function ",
		    19) == 0 && rego_bi_known_missing(dg->message + 19)) {
			rb_printf(why, "missing builtin %s", dg->message + 19);
			add_missing(dg->message + 19);
		} else if (dg != NULL) {
			ccakit_rego_diag_format(dg, errtext, sizeof(errtext));
			rb_printf(why, "compile error: %s", errtext);
		} else {
			rb_printf(why, "compile error: %s", d.text);
		}
		goto out;
	}
	rc = rego_query_compile(p, query->u.s, query->n, 0, &q);
	if (rc != CCAKIT_OK) {
		if (q != NULL && q->diags.n > 0) {
			const struct ccakit_rego_diag *dg = &q->diags.d[0];

			if (strncmp(dg->message, "undefined function ", 19) ==
			    0 && rego_bi_known_missing(dg->message + 19)) {
				rb_printf(why, "missing builtin %s",
				    dg->message + 19);
				add_missing(dg->message + 19);
				goto out;
			}
			ccakit_rego_diag_format(dg, errtext, sizeof(errtext));
		} else {
			snprintf(errtext, sizeof(errtext), "%d", rc);
		}
		rb_printf(why, "query compile error: %s", errtext);
		goto out;
	}
	if (input_term != NULL) {
		if (rego_parse_value(&a, input_term->u.s, input_term->n,
		    &o.input, &ds) != CCAKIT_OK) {
			rb_printf(why, "bad input_term");
			goto out;
		}
	} else {
		o.input = input;
	}
	o.data = data;
	o.strict_builtin_errors = strict != NULL && strict->t == RV_BOOL &&
	    strict->b;
	o.max_steps = 50000000;
	if ((ev = ccakit_rego_eval_new()) == NULL)
		goto out;
	rc = ccakit_rego_eval_run(ev, q, &o, &d);
	if (rc != CCAKIT_OK) {
		const struct ccakit_rego_diag *dg = ccakit_rego_eval_error(ev);

		if (dg != NULL)
			ccakit_rego_diag_format(dg, errtext, sizeof(errtext));
		else
			snprintf(errtext, sizeof(errtext), "%s",
			    ccakit_strerror(rc));
		if (wcode == NULL && werr == NULL) {
			rb_printf(why, "unexpected error: %s", errtext);
			goto out;
		}
		if (wcode != NULL && (dg == NULL || dg->code == NULL ||
		    strcmp(dg->code, wcode->u.s) != 0)) {
			rb_printf(why, "error mismatch: want code %s, got %s",
			    wcode->u.s, errtext);
			goto out;
		}
		if (werr != NULL && strstr(errtext, werr->u.s) == NULL) {
			rb_printf(why, "error mismatch: want \"%s\", got %s",
			    werr->u.s, errtext);
			goto out;
		}
		ok = true;
		goto out;
	}
	if (wcode != NULL || werr != NULL) {
		rb_printf(why, "error mismatch: want %s %s, got success (%zu "
		    "rows)", wcode != NULL ? wcode->u.s : "",
		    werr != NULL ? werr->u.s : "", ev->nrows);
		goto out;
	}
	if (want != NULL) {
		/* expected rows as a set of objects; ours likewise */
		const rv **erows, **grows;
		const rv *eset, *gset;
		size_t r, v;

		erows = ra_alloc(&a, (want->n + 1) * sizeof(*erows));
		grows = ra_alloc(&a, (ev->nrows + 1) * sizeof(*grows));
		if (erows == NULL || grows == NULL)
			goto out;
		for (r = 0; r < want->n; r++)
			erows[r] = want->u.a[r];
		for (r = 0; r < ev->nrows; r++) {
			const rv **k = ra_alloc(&a, (q->nvars + 1) *
			    sizeof(*k));
			const rv **vv = ra_alloc(&a, (q->nvars + 1) *
			    sizeof(*vv));
			size_t nk = 0;

			if (k == NULL || vv == NULL)
				goto out;
			for (v = 0; v < q->nvars; v++) {
				const rv *x = ev->rows[r].vals[v];

				if (x == NULL)
					continue;
				k[nk] = rv_cstr(&a, q->vars[v]);
				vv[nk++] = jsonify(&a, x, sortb != NULL &&
				    sortb->t == RV_BOOL && sortb->b);
				if (vv[nk - 1] == NULL) {
					rb_printf(why, "result not JSON");
					goto out;
				}
			}
			grows[r] = rv_obj(&a, k, vv, nk, NULL);
		}
		eset = rv_set(&a, erows, want->n);
		gset = rv_set(&a, grows, ev->nrows);
		if (eset == NULL || gset == NULL)
			goto out;
		if (rv_cmp(eset, gset) != 0) {
			rb_puts(why, "wrong result: want ");
			fmt_value(why, eset);
			rb_puts(why, " got ");
			fmt_value(why, gset);
			goto out;
		}
	}
	ok = true;
out:
	ccakit_rego_eval_free(&ev);
	ccakit_rego_query_free(&q);
	ccakit_rego_policy_free(&p);
	rd_free(&ds);
	ra_free(&a);
	return ok;
}

int
main(int argc, char **argv)
{
	const char *only = NULL;
	char dir[4096], sub[4608], path[8192];
	double threshold = 0;
	char **fnames, **files;
	size_t nf, nfi, i, j, k;
	int in_pass = 0, in_total = 0, all_pass = 0, all_total = 0;
	int argi;

	for (argi = 1; argi < argc; argi++) {
		if (strcmp(argv[argi], "--threshold") == 0 &&
		    argi + 1 < argc)
			threshold = atof(argv[++argi]);
		else if (strcmp(argv[argi], "--only") == 0 && argi + 1 < argc)
			only = argv[++argi];
		else if (strcmp(argv[argi], "--verbose") == 0)
			verbose = true;
		else
			break;
	}
	if (argi < argc)
		snprintf(dir, sizeof(dir), "%s", argv[argi]);
	else
		snprintf(dir, sizeof(dir), "%s/rego/cases",
		    testvec_dir());
	if ((fnames = list_dir(dir, &nf)) == NULL || nf == 0) {
		printf("skipped: %s not found\n", dir);
		return 77;
	}
	for (i = 0; i < nf; i++) {
		struct folder *fo;
		struct stat st;

		snprintf(sub, sizeof(sub), "%s/%s", dir, fnames[i]);
		if (stat(sub, &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		if (only != NULL && strcmp(only, fnames[i]) != 0)
			continue;
		if (nfolders >= 256)
			break;
		fo = &folders[nfolders++];
		snprintf(fo->name, sizeof(fo->name), "%s", fnames[i]);
		for (k = 0; k < sizeof(out_of_scope) / sizeof(out_of_scope[0]);
		    k++)
			if (strcmp(fnames[i], out_of_scope[k]) == 0)
				fo->oos = true;
		files = list_dir(sub, &nfi);
		for (j = 0; j < nfi; j++) {
			struct rego_arena a;
			const rv *doc, *cases;
			char err[128];
			size_t len, ci;
			char *text;

			snprintf(path, sizeof(path), "%s/%s", sub, files[j]);
			if ((text = read_all(path, &len)) == NULL)
				continue;
			ra_init(&a, 0);
			if (rego_json_parse(&a, text, len, 1000, &doc, err,
			    sizeof(err)) != CCAKIT_OK ||
			    (cases = getk(doc, "cases")) == NULL) {
				printf("%s: bad JSON: %s\n", path, err);
				free(text);
				ra_free(&a);
				continue;
			}
			for (ci = 0; ci < cases->n; ci++) {
				struct rego_buf why;
				const rv *note = getk(cases->u.a[ci], "note");
				bool pass;

				rb_init(&why, 0);
				pass = run_case(cases->u.a[ci], &why);
				fo->total++;
				if (pass)
					fo->pass++;
				else if (!fo->oos || verbose)
					printf("FAIL %s/%s [%s]: %.600s\n",
					    fo->name, files[j], note != NULL ?
					    note->u.s : "?", rb_str(&why));
				rb_free(&why);
			}
			free(text);
			ra_free(&a);
		}
		for (j = 0; j < nfi; j++)
			free(files[j]);
		free(files);
	}
	for (i = 0; i < nf; i++)
		free(fnames[i]);
	free(fnames);
	printf("\n%-40s %6s %6s\n", "folder", "pass", "total");
	for (i = 0; i < (size_t)nfolders; i++) {
		printf("%-40s %6d %6d%s\n", folders[i].name, folders[i].pass,
		    folders[i].total, folders[i].oos ? "  (out of scope)" :
		    (folders[i].pass < folders[i].total ? "  *" : ""));
		all_pass += folders[i].pass;
		all_total += folders[i].total;
		if (!folders[i].oos) {
			in_pass += folders[i].pass;
			in_total += folders[i].total;
		}
	}
	printf("\nmissing built-ins (cases blocked):\n");
	for (i = 0; i < (size_t)nmissing; i++)
		printf("  %-44s %d\n", missing[i].name, missing[i].cases);
	printf("\nin scope: %d/%d (%.1f%%); all folders: %d/%d\n", in_pass,
	    in_total, in_total > 0 ? 100.0 * in_pass / in_total : 0.0,
	    all_pass, all_total);
	if (in_total > 0 && 100.0 * in_pass / in_total < threshold) {
		printf("below the threshold of %.1f%%\n", threshold);
		return 1;
	}
	return 0;
}
