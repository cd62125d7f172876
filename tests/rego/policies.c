/*
 * The real policies (Trustee AS/KBS, integration tests, keybroker demo)
 * with their checks: the *.test.json files below
 * $CCAKIT_VECTORS/rego/policies.
 * Each check gives a policy, optional extra modules, data, input, a
 * query and the expected value (or expected_undefined).
 *
 * Trustee's custom built-in query_reference_value(id) is native here:
 * it returns data.reference_values[id] or null (what RVPS would serve),
 * so the shim module the checks name is not loaded.
 *
 * Exits 77 when the vectors are absent, 1 if a check fails.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rego/rego_priv.h"
#include "testvec.h"

static int npass, nfail;

/* A whole file, NUL-terminated (NULL on error). */
static char *
read_all(const char *path, size_t *len)
{
	uint8_t *buf;

	if (cki_read_file(path, 256u * 1024 * 1024, &buf, len) != CCAKIT_OK)
		return NULL;
	return (char *)buf;
}

static const rv *
getk(const rv *o, const char *k)
{
	return o != NULL ? rv_obj_gets(o, k, strlen(k)) : NULL;
}

/* query_reference_value(id): the reference values registered under id,
 * or null. The evaluation's user pointer is the data document. */
static int
qrv(ccakit_rego_bictx *ctx, const ccakit_rego_value *const *args,
    const ccakit_rego_value **out)
{
	const ccakit_rego_value *data = ccakit_rego_bi_user(ctx), *rvs, *v;
	size_t n;
	const char *id = ccakit_rego_str(args[0], &n);

	if (id == NULL)
		return ccakit_rego_bi_type_error(ctx, 1, "string", args[0]);
	rvs = ccakit_rego_get(data, "reference_values");
	v = rvs != NULL ? ccakit_rego_get(rvs, id) : NULL;
	*out = v != NULL ? v : ccakit_rego_null();
	return CCAKIT_OK;
}

static void
run_check(const char *dir, const char *name)
{
	char path[4096], ppath[4608], err[200];
	struct rego_arena a;
	const rv *t, *policy, *modules, *custom, *data, *input, *query;
	const rv *expected, *undef;
	ccakit_rego_policy *p = NULL;
	ccakit_rego_query *q = NULL;
	ccakit_rego_eval *ev = NULL;
	struct ccakit_rego_eval_opts o;
	struct ccakit_errdetail d;
	const ccakit_rego_value *got = NULL;
	char *text = NULL, *ptext;
	size_t len, plen, i;
	bool ok = false;
	const char *why = "";
	char whybuf[2048];

	ra_init(&a, 0);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((text = read_all(path, &len)) == NULL ||
	    rego_json_parse(&a, text, len, 1000, &t, err, sizeof(err)) !=
	    CCAKIT_OK) {
		why = "cannot read the check";
		goto out;
	}
	policy = getk(t, "policy");
	modules = getk(t, "modules");
	custom = getk(t, "custom_builtins");
	data = getk(t, "data");
	input = getk(t, "input");
	query = getk(t, "query");
	expected = getk(t, "expected");
	undef = getk(t, "expected_undefined");
	if ((p = ccakit_rego_policy_new()) == NULL)
		goto out;
	if (custom != NULL && getk(custom, "query_reference_value") != NULL) {
		struct ccakit_rego_builtin bi = { "query_reference_value", 1,
			qrv, 0 };

		if (ccakit_rego_add_builtin(p, &bi) != CCAKIT_OK)
			goto out;
	}
	for (i = 0; i <= (modules != NULL ? modules->n : 0); i++) {
		const rv *m = i == 0 ? policy : modules->u.a[i - 1];

		if (i > 0 && custom != NULL &&
		    strstr(m->u.s, "shim/query_reference_value") != NULL)
			continue;  /* native built-in instead */
		snprintf(ppath, sizeof(ppath), "%s/%s", dir, m->u.s);
		if ((ptext = read_all(ppath, &plen)) == NULL) {
			snprintf(whybuf, sizeof(whybuf), "cannot read %.1900s",
			    ppath);
			why = whybuf;
			goto out;
		}
		if (ccakit_rego_add_module(p, m->u.s, ptext, plen, &d) !=
		    CCAKIT_OK) {
			free(ptext);
			snprintf(whybuf, sizeof(whybuf), "%s", d.text);
			why = whybuf;
			goto out;
		}
		free(ptext);
	}
	if (ccakit_rego_compile(p, &d) != CCAKIT_OK) {
		snprintf(whybuf, sizeof(whybuf), "compile: %s", d.text);
		why = whybuf;
		goto out;
	}
	if (ccakit_rego_query_new(p, query->u.s, &q, &d) != CCAKIT_OK) {
		snprintf(whybuf, sizeof(whybuf), "query: %s", d.text);
		why = whybuf;
		goto out;
	}
	if ((ev = ccakit_rego_eval_new()) == NULL)
		goto out;
	memset(&o, 0, sizeof(o));
	o.input = input;
	o.data = data;
	o.user = (void *)(uintptr_t)data;
	if (ccakit_rego_eval_value(ev, q, &o, &got, &d) != CCAKIT_OK) {
		snprintf(whybuf, sizeof(whybuf), "eval: %s", d.text);
		why = whybuf;
		goto out;
	}
	if (undef != NULL && undef->t == RV_BOOL && undef->b) {
		ok = got == NULL;
		why = "expected undefined";
	} else if (got == NULL) {
		why = "undefined";
	} else {
		struct rego_buf b;
		const rv *g;

		rb_init(&b, 0);
		rego_json_write(&b, got, false, 0);
		if (rego_json_parse(&a, rb_str(&b), b.len, 1000, &g, err,
		    sizeof(err)) == CCAKIT_OK && expected != NULL &&
		    rv_cmp(g, expected) == 0)
			ok = true;
		snprintf(whybuf, sizeof(whybuf), "got %.1500s", rb_str(&b));
		why = whybuf;
		rb_free(&b);
	}
out:
	if (ok) {
		npass++;
		printf("ok   %s\n", path);
	} else {
		nfail++;
		printf("FAIL %s: %s\n", path, why);
	}
	ccakit_rego_eval_free(&ev);
	ccakit_rego_query_free(&q);
	ccakit_rego_policy_free(&p);
	free(text);
	ra_free(&a);
}

static void
walk_dir(const char *dir, int depth)
{
	struct dirent *de;
	DIR *d;
	char sub[4096];
	char **names = NULL, **nn;
	size_t n = 0, i, j;

	if (depth > 8 || (d = opendir(dir)) == NULL)
		return;
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
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (strcmp(names[j], names[i]) < 0) {
				char *tmp = names[i];

				names[i] = names[j];
				names[j] = tmp;
			}
	for (i = 0; i < n; i++) {
		struct stat st;
		size_t l = strlen(names[i]);

		snprintf(sub, sizeof(sub), "%s/%s", dir, names[i]);
		if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			walk_dir(sub, depth + 1);
		else if (l > 10 && strcmp(names[i] + l - 10, ".test.json") == 0)
			run_check(dir, names[i]);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	char dir[4096];
	struct stat st;

	if (argc > 1)
		snprintf(dir, sizeof(dir), "%s", argv[1]);
	else
		snprintf(dir, sizeof(dir), "%s/rego/policies",
		    testvec_dir());
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		printf("skipped: %s not found\n", dir);
		return 77;
	}
	walk_dir(dir, 0);
	printf("\n%d passed, %d failed\n", npass, nfail);
	return nfail > 0 || npass == 0 ? 1 : 0;
}
