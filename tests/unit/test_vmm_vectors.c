/*
 * Every CLI vector of cca-realm-measurements/vectors.json, run in-process
 * through the VMM models and the measurement core: the command line of
 * each vector is split into words, its placeholders replaced by fixture
 * files, and the result compared with the expected RIM, stdout lines,
 * error message or DTB. The model-derived vectors (not produced by the
 * upstream tool) are consistency checks: disagreements are printed, not
 * failed. Skipped (exit 77) without the vectors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include <ccakit/bytes.h>
#include <ccakit/err.h>
#include <ccakit/vmm.h>

#include "testutil.h"

#define VDIR "cca-realm-measurements/"
#define MAXW 64

static char fw_path[64], initrd_path[64], out_dtb[64];
static json_t *vectors;

static void
write_tmp(char *path, size_t sz, const char *content)
{
	int fd;

	(void)snprintf(path, sz, "/tmp/ccakit-vmmv-XXXXXX");
	assert_true((fd = mkstemp(path)) >= 0);
	assert_int_equal(write(fd, content, strlen(content)),
	    (ssize_t)strlen(content));
	close(fd);
}

static int
setup(void **state)
{
	json_error_t err;

	(void)state;
	write_tmp(fw_path, sizeof(fw_path), "FW CONTENT");
	write_tmp(initrd_path, sizeof(initrd_path), "INITRD CONTENT");
	write_tmp(out_dtb, sizeof(out_dtb), "");
	vectors = json_load_file(tu_vector_path(VDIR "vectors.json"), 0, &err);
	if (vectors == NULL)
		fail_msg("vectors.json: %s", err.text);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(fw_path);
	unlink(initrd_path);
	unlink(out_dtb);
	json_decref(vectors);
	return 0;
}

/* One parsed command line. */
struct cmd {
	char *buf;
	const char *w[MAXW];
	int n;
	char *paths[8];
	int npaths;
};

static const char *
keep(struct cmd *c, const char *rel)
{
	assert_true(c->npaths < 8);
	c->paths[c->npaths] = strdup(tu_vector_path(rel));
	assert_non_null(c->paths[c->npaths]);
	return c->paths[c->npaths++];
}

static void
cmd_free(struct cmd *c)
{
	int i;

	for (i = 0; i < c->npaths; i++)
		free(c->paths[i]);
	free(c->buf);
	memset(c, 0, sizeof(*c));
}

/* Split a vector's "cli" into words and substitute the fixtures. */
static void
cmd_parse(struct cmd *c, const char *cli)
{
	char *p, *s, *e;
	const char *prev = "", *w;

	memset(c, 0, sizeof(*c));
	assert_non_null(c->buf = strdup(cli));
	for (p = c->buf; *p != '\0';) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		s = p;
		if (*p == '<') {
			/* "<file containing 'FW CONTENT'>", "<previous ...>" */
			if ((e = strchr(p, '>')) == NULL)
				fail_msg("bad placeholder in %s", cli);
			p = e + 1;
		} else
			while (*p != '\0' && *p != ' ')
				p++;
		if (*p != '\0')
			*p++ = '\0';
		if (strcmp(s, "realm-measurements") == 0 && c->n == 0)
			continue;
		w = s;
		if (strcmp(s, "...") == 0) {
			/* Elided QEMU words of the qemu_dtb test. */
			c->w[c->n++] = "-nographic";
			c->w[c->n++] = "-dtb";
			w = "output.dtb";
		} else if (*s == '<' && (strcmp(prev, "--dtb") == 0 ||
		    strcmp(prev, "--dtb-template") == 0))
			w = keep(c, VDIR "derived-dtbs/qemu-2cpu-1G.dtb");
		else if (strcmp(prev, "-f") == 0 && (strcmp(s, "FW") == 0 ||
		    *s == '<'))
			w = fw_path;
		else if (strcmp(prev, "-i") == 0 && strcmp(s, "INITRD") == 0)
			w = initrd_path;
		else if (strcmp(prev, "--output-dtb") == 0)
			w = out_dtb;
		else if (strncmp(s, "testdata/", 9) == 0 ||
		    strncmp(s, "configs/", 8) == 0) {
			char rel[128];

			(void)snprintf(rel, sizeof(rel), VDIR "%s", s);
			w = keep(c, rel);
		}
		assert_true(c->n < MAXW - 2);
		c->w[c->n++] = w;
		prev = w;
	}
}

struct result {
	int phase;		/* 0 ok, 1 invalid args, 2 build, 3 measure */
	char err[1024];
	char out[1024];		/* stdout lines */
	struct ccakit_vmm_measurements mm;
};

static void
slot_line(char *out, size_t sz, const char *name, const uint8_t *slot,
    int b64)
{
	char buf[130];
	size_t n = strlen(out);

	if (b64)
		assert_int_equal(ccakit_b64_encode(slot, 64, CCAKIT_B64_STD,
		    buf, sizeof(buf)), CCAKIT_OK);
	else
		assert_int_equal(ccakit_hex_encode(slot, 64, buf, sizeof(buf)),
		    CCAKIT_OK);
	(void)snprintf(out + n, sz - n, "%s: %s\n", name, buf);
}

/* The tool's global options that the vectors use, then the VMM. */
static void
run(const struct cmd *c, struct result *res, int tool_rem)
{
	struct ccakit_vmm_opts o;
	struct ccakit_vmm_measure_opts mo;
	struct ccakit_errdetail m;
	struct ccakit_vmm *v = NULL;
	enum ccakit_vmm_type type;
	const char *configs[8];
	const char *output = NULL;
	int i = 0, b64 = 0, r, k;

	memset(res, 0, sizeof(*res));
	memset(&o, 0, sizeof(o));
	o.configs = configs;
	for (; i < c->n && c->w[i][0] == '-'; i++) {
		const char *a = c->w[i], *val = c->w[i + 1];
		unsigned int n = (unsigned int)atoi(val ? val : "0");

		if (strcmp(a, "--print-b64") == 0) {
			b64 = 1;
			continue;
		}
		assert_non_null(val);
		i++;
		if (strcmp(a, "--num-wps") == 0) {
			o.host.num_wps = (uint8_t)n;
			o.host.set |= CCAKIT_CAP_NUM_WPS;
		} else if (strcmp(a, "--num-bps") == 0) {
			o.host.num_bps = (uint8_t)n;
			o.host.set |= CCAKIT_CAP_NUM_BPS;
		} else if (strcmp(a, "--ipa-bits") == 0) {
			o.host.ipa_bits = (uint8_t)n;
			o.host.set |= CCAKIT_CAP_IPA_BITS;
		} else if (strcmp(a, "--pmu-num-ctrs") == 0) {
			o.host.pmu_num_ctrs = (uint8_t)n;
			o.host.set |= CCAKIT_CAP_PMU_NUM_CTRS;
		} else if (strcmp(a, "--pmu") == 0) {
			o.host.pmu = strcmp(val, "true") == 0;
			o.host.set |= CCAKIT_CAP_PMU;
		} else if (strcmp(a, "-f") == 0)
			o.firmware = val;
		else if (strcmp(a, "-k") == 0)
			o.kernel = val;
		else if (strcmp(a, "-i") == 0)
			o.initrd = val;
		else if (strcmp(a, "-c") == 0)
			configs[o.nconfigs++] = val;
		else if (strcmp(a, "--dtb") == 0)
			o.dtb = val;
		else if (strcmp(a, "--dtb-template") == 0)
			o.dtb_template = val;
		else if (strcmp(a, "--output-dtb") == 0)
			output = val;
		else
			fail_msg("option %s not handled by the test", a);
	}
	assert_true(i < c->n);
	assert_int_equal(ccakit_vmm_type_from_name(c->w[i], &type), CCAKIT_OK);
	if (o.dtb != NULL && o.dtb_template != NULL) {
		res->phase = 1;
		(void)snprintf(res->err, sizeof(res->err), "ERROR Invalid "
		    "arguments: either --dtb or --dtb-template can be set but "
		    "not both\n");
		return;
	}
	assert_non_null(v = ccakit_vmm_new());
	r = ccakit_vmm_from_args(v, type, c->n - i - 1, c->w + i + 1, &o, &m);
	if (r != CCAKIT_OK) {
		ccakit_vmm_free(&v);
		res->phase = 2;
		(void)snprintf(res->err, sizeof(res->err),
		    "ERROR Cannot build parameters: %s\n", m.text);
		return;
	}
	if (output != NULL) {
		const uint8_t *dtb;
		size_t len;
		FILE *f;

		assert_int_equal(ccakit_vmm_dtb(v, &dtb, &len, NULL), CCAKIT_OK);
		assert_non_null(f = fopen(output, "wb"));
		assert_int_equal(fwrite(dtb, 1, len, f), len);
		fclose(f);
	}
	memset(&mo, 0, sizeof(mo));
	mo.rmm_major = 1;
	mo.rem_mode = tool_rem ? CCAKIT_VMM_REM_TOOL : CCAKIT_VMM_REM_RMM;
	r = ccakit_vmm_measure(v, &mo, &res->mm, &m);
	ccakit_vmm_free(&v);
	if (r != CCAKIT_OK) {
		res->phase = 3;
		(void)snprintf(res->err, sizeof(res->err),
		    "ERROR Failed to compute measurements: %s\n", m.text);
		return;
	}
	slot_line(res->out, sizeof(res->out), "RIM", res->mm.rim, b64);
	for (k = 0; k < 4; k++) {
		char name[8];

		(void)snprintf(name, sizeof(name), "REM%d", k);
		slot_line(res->out, sizeof(res->out), name, res->mm.rem[k],
		    b64);
	}
}

static int
hex_prefix(const uint8_t *slot, const char *want)
{
	char buf[129];

	assert_int_equal(ccakit_hex_encode(slot, 64, buf, sizeof(buf)),
	    CCAKIT_OK);
	return strncmp(buf, want, strlen(want)) == 0;
}

static int
same_file(const char *a, const char *rel)
{
	uint8_t *x, *y;
	size_t xl, yl;
	int eq;

	x = tu_read_file(a, &xl);
	y = tu_read_vector(rel, &yl);
	eq = xl == yl && memcmp(x, y, xl) == 0;
	free(x);
	free(y);
	return eq;
}

static void
test_upstream_cli(void **state)
{
	json_t *arr = json_object_get(vectors, "upstream_vectors"), *vec;
	size_t i, ran = 0;

	(void)state;
	assert_true(json_is_array(arr));
	json_array_foreach(arr, i, vec) {
		const char *id = json_string_value(json_object_get(vec, "id"));
		const char *cli = json_string_value(json_object_get(vec, "cli"));
		const char *rim = json_string_value(json_object_get(vec,
		    "expected_rim"));
		const char *out = json_string_value(json_object_get(vec,
		    "expected_stdout"));
		const char *dtb = json_string_value(json_object_get(vec, "dtb"));
		struct cmd c;
		struct result res;

		if (cli == NULL || strncmp(cli, "...", 3) == 0)
			continue;
		cmd_parse(&c, cli);
		run(&c, &res, 1);
		if (res.phase != 0)
			fail_msg("%s: %s", id, res.err);
		if (rim != NULL && !hex_prefix(res.mm.rim, rim))
			fail_msg("%s: RIM %s", id, res.out);
		if (out != NULL)
			assert_string_equal(res.out, out);
		/* The DTB written by --output-dtb is the validated one. */
		if (dtb != NULL && strstr(cli, "--output-dtb") != NULL &&
		    strstr(cli, "--dtb ") == NULL) {
			char rel[128];

			(void)snprintf(rel, sizeof(rel),
			    VDIR "derived-dtbs/%s", dtb);
			if (!same_file(out_dtb, rel))
				fail_msg("%s: output DTB differs from %s", id,
				    dtb);
		}
		if (strstr(cli, "--dtb ") != NULL && !same_file(out_dtb,
		    VDIR "derived-dtbs/qemu-2cpu-1G.dtb"))
			fail_msg("%s: --dtb not output verbatim", id);
		print_message("ok %s\n", id);
		ran++;
		cmd_free(&c);
	}
	/* The 17 RIM vectors of spec §5 plus the --print-b64 variant. */
	assert_int_equal(ran, 18);
}

static void
test_upstream_errors(void **state)
{
	json_t *arr = json_object_get(vectors, "upstream_vectors"), *vec, *cs,
	    *cse;
	size_t i, j, ran = 0;

	(void)state;
	json_array_foreach(arr, i, vec) {
		if ((cs = json_object_get(vec, "cases")) == NULL)
			continue;
		json_array_foreach(cs, j, cse) {
			const char *cli = json_string_value(json_array_get(cse,
			    0));
			const char *exp = json_string_value(json_array_get(cse,
			    1));
			char want[512], *q;
			struct cmd c;
			struct result res;

			/* Usage-level cases are in tests/cli. */
			if (strncmp(exp, "stderr == '", 11) != 0 ||
			    (strstr(cli, "...") != NULL &&
			    strncmp(cli, "--dtb", 5) != 0))
				continue;
			(void)snprintf(want, sizeof(want), "%s", exp + 11);
			if ((q = strstr(want, "\\n'")) == NULL)
				fail_msg("bad expectation %s", exp);
			q[0] = '\n';
			q[1] = '\0';
			if (strncmp(cli, "--dtb X --dtb-template X", 24) == 0)
				cmd_parse(&c, "--dtb <a> --dtb-template <b> "
				    "qemu");
			else
				cmd_parse(&c, cli);
			run(&c, &res, 1);
			assert_string_equal(res.err, want);
			cmd_free(&c);
			ran++;
		}
	}
	assert_int_equal(ran, 5);
}

/* Not produced by upstream: report disagreements, do not fail. */
static void
test_model_derived(void **state)
{
	json_t *obj = json_object_get(vectors,
	    "model_derived_vectors_UNVERIFIED"), *vec;
	const char *key;
	size_t agree = 0, total = 0;

	(void)state;
	json_object_foreach(obj, key, vec) {
		const char *cli = json_string_value(json_object_get(vec, "cli"));
		const char *rim = json_string_value(json_object_get(vec, "rim"));
		const char *rem_tool = json_string_value(json_object_get(vec,
		    "rem0_as_tool_computes"));
		const char *rem_rmm = json_string_value(json_object_get(vec,
		    "rem0_if_RMM_semantics"));
		struct cmd c;
		struct result res, res_rmm;
		int ok;

		if (cli == NULL)
			continue;
		total++;
		cmd_parse(&c, cli);
		run(&c, &res, 1);
		run(&c, &res_rmm, 0);
		ok = res.phase == 0 && res_rmm.phase == 0 &&
		    hex_prefix(res.mm.rim, rim) &&
		    (rem_tool == NULL || hex_prefix(res.mm.rem[0], rem_tool)) &&
		    (rem_rmm == NULL || hex_prefix(res_rmm.mm.rem[0], rem_rmm));
		if (ok)
			agree++;
		else
			print_message("MODEL disagreement: %s: %s%s\n", key,
			    res.err, res.out);
		cmd_free(&c);
	}
	print_message("model-derived vectors: %zu of %zu agree\n", agree,
	    total);
	assert_true(total >= 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upstream_cli),
		cmocka_unit_test(test_upstream_errors),
		cmocka_unit_test(test_model_derived),
	};

	/* Every case is an upstream vector. */
	tu_require_vectors(VDIR);
	return cmocka_run_group_tests(tests, setup, teardown);
}
