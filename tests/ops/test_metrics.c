/*
 * svc_metrics (the Prometheus registry and its exposition text) and the
 * log lines of svc_base in both formats (svc_log, svc_log_fields).
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "log.h"
#include "metrics.h"

static svc_metrics *
reg(void)
{
	svc_metrics *m = NULL;

	assert_int_equal(svc_metrics_new(&m), 0);
	assert_non_null(m);
	return m;
}

static char *
text(svc_metrics *m)
{
	char *t = NULL;
	size_t len = 0;

	assert_int_equal(svc_metrics_write(m, &t, &len), 0);
	assert_int_equal(strlen(t), len);
	return t;
}

static void
test_register(void **state)
{
	static const double b[] = { 1, 2 }, bad[] = { 2, 1 };
	svc_metrics *m = reg();
	svc_metric *c;

	(void)state;
	assert_null(svc_metrics_counter(m, "1abc", "", NULL));
	assert_null(svc_metrics_counter(m, "a-b", "", NULL));
	assert_null(svc_metrics_counter(m, "", "", NULL));
	assert_null(svc_metrics_counter(m, "x_total", "", "a,,b"));
	assert_null(svc_metrics_counter(m, "x_total", "", "__a"));
	assert_null(svc_metrics_counter(m, "x_total", "", "a:b"));
	assert_null(svc_metrics_counter(m, "x_total", "", "a,b,c,d,e"));
	assert_null(svc_metrics_histogram(m, "h", "", "le", b, 2));
	assert_null(svc_metrics_histogram(m, "h", "", NULL, bad, 2));
	assert_null(svc_metrics_histogram(m, "h", "", NULL, b, 0));
	assert_non_null(c = svc_metrics_counter(m, "ns:x_total", "h", "a,b"));
	/* The same again: the same family; otherwise a clash. */
	assert_ptr_equal(svc_metrics_counter(m, "ns:x_total", "h", "a,b"), c);
	assert_null(svc_metrics_counter(m, "ns:x_total", "h", "a"));
	assert_null(svc_metrics_gauge(m, "ns:x_total", "h", "a,b"));
	/* A NULL family is ignored. */
	svc_metric_add(NULL, NULL, 1);
	svc_metric_observe(NULL, NULL, 1);
	svc_metrics_free(&m);
	assert_null(m);
}

static void
test_exposition(void **state)
{
	static const double b[] = { 0.1, 1, 10 };
	svc_metrics *m = reg();
	svc_metric *c, *g, *h;
	char *t;

	(void)state;
	c = svc_metrics_counter(m, "req_total", "Requests\nby \\ route",
	    "route,status");
	g = svc_metrics_gauge(m, "temp", "A gauge", NULL);
	h = svc_metrics_histogram(m, "lat_seconds", "Latency", "r", b, 3);
	svc_metric_add(c, (const char *const[]){ "/a", "200" }, 2);
	svc_metric_add(c, (const char *const[]){ "/a", "200" }, 1);
	svc_metric_add(c, (const char *const[]){ "q\"b\\s\nn\x01\xc3\xa9",
	    "404" }, 1);
	svc_metric_add(c, (const char *const[]){ "/a", "200" }, -5);
	svc_metric_set(g, NULL, -2.5);
	svc_metric_observe(h, (const char *const[]){ "x" }, 0.05);
	svc_metric_observe(h, (const char *const[]){ "x" }, 0.1);
	svc_metric_observe(h, (const char *const[]){ "x" }, 5);
	svc_metric_observe(h, (const char *const[]){ "x" }, 50);
	t = text(m);
	assert_string_equal(t,
	    "# HELP ccakit_metrics_series_dropped_total Metric updates "
	    "dropped because their family has as many series as it may\n"
	    "# TYPE ccakit_metrics_series_dropped_total counter\n"
	    "ccakit_metrics_series_dropped_total 0\n"
	    "# HELP req_total Requests\\nby \\\\ route\n"
	    "# TYPE req_total counter\n"
	    "req_total{route=\"/a\",status=\"200\"} 3\n"
	    "req_total{route=\"q\\\"b\\\\s\\nn???\",status=\"404\"} 1\n"
	    "# HELP temp A gauge\n"
	    "# TYPE temp gauge\n"
	    "temp -2.5\n"
	    "# HELP lat_seconds Latency\n"
	    "# TYPE lat_seconds histogram\n"
	    "lat_seconds_bucket{r=\"x\",le=\"0.1\"} 2\n"
	    "lat_seconds_bucket{r=\"x\",le=\"1\"} 2\n"
	    "lat_seconds_bucket{r=\"x\",le=\"10\"} 3\n"
	    "lat_seconds_bucket{r=\"x\",le=\"+Inf\"} 4\n"
	    "lat_seconds_sum{r=\"x\"} 55.15\n"
	    "lat_seconds_count{r=\"x\"} 4\n");
	free(t);
	svc_metrics_free(&m);
}

static void
test_series_cap(void **state)
{
	svc_metrics *m = reg();
	svc_metric *c;
	char v[16], *t;
	int i;

	(void)state;
	c = svc_metrics_counter(m, "c_total", "", "v");
	for (i = 0; i < SVC_METRIC_MAX_SERIES + 3; i++) {
		snprintf(v, sizeof(v), "%d", i);
		svc_metric_add(c, (const char *const[]){ v }, 1);
	}
	/* Old series still count. */
	svc_metric_add(c, (const char *const[]){ "0" }, 1);
	t = text(m);
	assert_non_null(strstr(t, "\nccakit_metrics_series_dropped_total 3\n"));
	assert_non_null(strstr(t, "\nc_total{v=\"0\"} 2\n"));
	assert_non_null(strstr(t, "\nc_total{v=\"511\"} 1\n"));
	assert_null(strstr(t, "c_total{v=\"512\"}"));
	free(t);
	svc_metrics_free(&m);
}

static int calls;

static double
fortytwo(void *arg)
{
	calls++;
	return arg != NULL ? 42 : NAN;
}

static void
test_gauge_fn(void **state)
{
	svc_metrics *m = reg();
	svc_metric *g, *c;
	char *t;

	(void)state;
	g = svc_metrics_gauge(m, "entries", "", "store");
	c = svc_metrics_counter(m, "n_total", "", NULL);
	assert_int_equal(svc_metric_gauge_fn(g, (const char *const[]){ "a" },
	    fortytwo, &calls), 0);
	assert_int_equal(svc_metric_gauge_fn(g, (const char *const[]){ "b" },
	    fortytwo, NULL), 0);
	assert_int_equal(svc_metric_gauge_fn(c, NULL, fortytwo, NULL), -1);
	calls = 0;
	t = text(m);
	assert_int_equal(calls, 2);
	assert_non_null(strstr(t, "\nentries{store=\"a\"} 42\n"));
	assert_non_null(strstr(t, "\nentries{store=\"b\"} NaN\n"));
	free(t);
	svc_metrics_free(&m);
}

static void
test_numbers(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(svc_metrics_number(0.1, b), "0.1");
	assert_string_equal(svc_metrics_number(10, b), "10");
	assert_string_equal(svc_metrics_number(0, b), "0");
	assert_string_equal(svc_metrics_number(1e-7, b), "1e-07");
	assert_string_equal(svc_metrics_number(1.0 / 3, b),
	    "0.3333333333333333");
	assert_string_equal(svc_metrics_number(1152921504606846976.0, b),
	    "1.152921504606847e+18");
	assert_string_equal(svc_metrics_number(NAN, b), "NaN");
	assert_string_equal(svc_metrics_number(INFINITY, b), "+Inf");
	assert_string_equal(svc_metrics_number(-INFINITY, b), "-Inf");
}

static svc_metric *shared_c;
static svc_metric *shared_h;

static void *
hammer(void *arg)
{
	static const char *const route[] = { "/r" };
	int i;

	(void)arg;
	for (i = 0; i < 20000; i++) {
		svc_metric_add(shared_c, route, 1);
		svc_metric_observe(shared_h, NULL, 0.5);
	}
	return NULL;
}

static void
test_threads(void **state)
{
	static const double b[] = { 1 };
	svc_metrics *m = reg();
	pthread_t t[4];
	char *s;
	int i;

	(void)state;
	shared_c = svc_metrics_counter(m, "t_total", "", "route");
	shared_h = svc_metrics_histogram(m, "t_seconds", "", NULL, b, 1);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, NULL), 0);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	s = text(m);
	assert_non_null(strstr(s, "\nt_total{route=\"/r\"} 80000\n"));
	assert_non_null(strstr(s, "\nt_seconds_count 80000\n"));
	assert_non_null(strstr(s, "\nt_seconds_sum 40000\n"));
	free(s);
	svc_metrics_free(&m);
}

/* --- log lines --- */

/* Run fn with stderr in a file; the file's text (free()). */
static char *
capture(void (*fn)(void))
{
	char path[] = "/tmp/test_metrics_log.XXXXXX", *buf;
	FILE *f;
	long n;
	int fd, saved;

	assert_true((fd = mkstemp(path)) >= 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_non_null(f = fdopen(fd, "r"));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	assert_non_null(buf = calloc(1, (size_t)n + 1));
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	unlink(path);
	return buf;
}

static void
log_some(void)
{
	struct svc_log_field f[] = {
		{ "req", "7", SVC_LOG_NUM },
		{ "method", "GET", SVC_LOG_BARE },
		{ "path", "/a\"b\\c\x01\xff", SVC_LOG_BARE },
		{ "status", "200", SVC_LOG_NUM },
		{ "empty", "", 0 },
		{ "none", NULL, 0 },
		{ "outcome", "affirming/released", 0 },
	};

	svc_log_init("tprog", SVC_LOG_INFO);
	svc_log(SVC_LOG_WARN, "hello \"world\" \\ %d\n", 5);
	svc_log_fields(SVC_LOG_INFO, NULL, f, sizeof(f) / sizeof(f[0]));
	svc_log_fields(SVC_LOG_DEBUG, "dropped", f, 1);
	svc_log_init("tprog", SVC_LOG_ERROR);
}

static void
test_log_text(void **state)
{
	char *t, *l2;

	(void)state;
	svc_log_set_format(SVC_LOG_TEXT);
	t = capture(log_some);
	assert_non_null(l2 = strchr(t, '\n'));
	*l2++ = '\0';
	/* 2024-01-02T03:04:05.678Z tprog[warn]: ... */
	assert_int_equal(strlen(t) > 25, 1);
	assert_string_equal(t + 24, " tprog[warn]: hello \"world\" \\ 5\\x0a");
	assert_non_null(strstr(l2, " tprog[info]: req=7 GET "
	    "/a\"b\\c\\x01\\xff status=200 outcome=affirming/released\n"));
	assert_null(strstr(l2, "dropped"));
	assert_null(strstr(l2, "empty"));
	free(t);
}

static void
test_log_json(void **state)
{
	json_error_t e;
	json_t *j;
	char *t, *l2;

	(void)state;
	svc_log_set_format(SVC_LOG_JSON);
	t = capture(log_some);
	svc_log_set_format(SVC_LOG_TEXT);
	assert_non_null(l2 = strchr(t, '\n'));
	*l2++ = '\0';
	assert_non_null(j = json_loads(t, 0, &e));
	assert_string_equal(json_string_value(json_object_get(j, "level")),
	    "warn");
	assert_string_equal(json_string_value(json_object_get(j, "service")),
	    "tprog");
	assert_string_equal(json_string_value(json_object_get(j, "msg")),
	    "hello \"world\" \\ 5\\x0a");
	assert_int_equal(strlen(json_string_value(json_object_get(j,
	    "time"))), 24);
	json_decref(j);
	assert_non_null(strchr(l2, '\n'));
	*strchr(l2, '\n') = '\0';
	assert_non_null(j = json_loads(l2, 0, &e));
	assert_int_equal(json_integer_value(json_object_get(j, "req")), 7);
	assert_int_equal(json_integer_value(json_object_get(j, "status")),
	    200);
	assert_string_equal(json_string_value(json_object_get(j, "path")),
	    "/a\"b\\c\\x01\\xff");
	assert_string_equal(json_string_value(json_object_get(j, "outcome")),
	    "affirming/released");
	assert_null(json_object_get(j, "empty"));
	assert_null(json_object_get(j, "none"));
	assert_int_equal(json_object_size(j), 8);
	json_decref(j);
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_exposition),
		cmocka_unit_test(test_series_cap),
		cmocka_unit_test(test_gauge_fn),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_log_text),
		cmocka_unit_test(test_log_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
