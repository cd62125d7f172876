/*
 * Prometheus metrics with Trustee's names (kbs/src/prometheus at
 * 78962cd, kbs/docs/metrics.md): counters, the request histograms, the
 * active-request gauge, per-TEE attestation outcomes and per-path
 * resource operations. /metrics is not counted (Trustee counts only
 * paths under /kbs) and needs no authorisation, as upstream.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/version.h>

#include "metrics.h"
#include "log.h"

#define NDUR 7
#define NSIZE 5
#define MAX_PATHS 1024

static const double dur_bounds[NDUR] = {
	0.0005, 0.001, 0.005, 0.01, 0.05, 0.5, 1.0,
};
static const double size_bounds[NSIZE] = { 32, 128, 512, 2048, 8192 };

struct hist {
	uint64_t b[NDUR];
	uint64_t count;
	double sum;
};

struct path_count {
	char *path;
	uint64_t n[3];
};

static struct {
	pthread_mutex_t mu;
	uint64_t c[KBS_M_NCOUNTERS];
	uint64_t att_ok[RCAR_TEE_COUNT], att_fail[RCAR_TEE_COUNT];
	struct hist dur, req, resp;
	int64_t active;
	struct path_count *paths;
	size_t npaths, cap;
	uint64_t paths_dropped;
	uint64_t pc_hit, pc_miss, tc_hit, tc_miss;
} m = { .mu = PTHREAD_MUTEX_INITIALIZER };

void
kbs_metrics_init(void)
{
}

void
kbs_metrics_free(void)
{
	size_t i;

	for (i = 0; i < m.npaths; i++)
		free(m.paths[i].path);
	free(m.paths);
	m.paths = NULL;
	m.npaths = m.cap = 0;
}

void
kbs_count(enum kbs_counter c)
{
	pthread_mutex_lock(&m.mu);
	m.c[c]++;
	pthread_mutex_unlock(&m.mu);
}

void
kbs_count_attest(enum rcar_tee tee, bool success)
{
	if ((unsigned)tee >= RCAR_TEE_COUNT)
		return;
	pthread_mutex_lock(&m.mu);
	if (success)
		m.att_ok[tee]++;
	else
		m.att_fail[tee]++;
	pthread_mutex_unlock(&m.mu);
}

void
kbs_count_resource(enum kbs_resource_op op, const char *path)
{
	struct path_count *p;
	size_t i;

	pthread_mutex_lock(&m.mu);
	for (i = 0; i < m.npaths; i++)
		if (strcmp(m.paths[i].path, path) == 0)
			break;
	if (i == m.npaths) {
		/* Paths are the admin's and the guests' choice: bounded. */
		if (m.npaths == MAX_PATHS) {
			m.paths_dropped++;
			goto out;
		}
		if (m.npaths == m.cap) {
			m.cap = m.cap != 0 ? 2 * m.cap : 16;
			if ((p = realloc(m.paths, m.cap * sizeof(*p))) == NULL)
				goto out;
			m.paths = p;
		}
		if ((m.paths[i].path = strdup(path)) == NULL)
			goto out;
		memset(m.paths[i].n, 0, sizeof(m.paths[i].n));
		m.npaths++;
	}
	m.paths[i].n[op]++;
out:
	pthread_mutex_unlock(&m.mu);
}

static void
observe(struct hist *h, const double *bounds, size_t nb, double v)
{
	size_t i;

	for (i = 0; i < nb; i++)
		if (v <= bounds[i])
			h->b[i]++;
	h->count++;
	h->sum += v;
}

void
kbs_count_tcache(void *arg, bool hit)
{
	(void)arg;
	pthread_mutex_lock(&m.mu);
	if (hit)
		m.tc_hit++;
	else
		m.tc_miss++;
	pthread_mutex_unlock(&m.mu);
}

void
kbs_count_pcache(void *arg, bool hit)
{
	(void)arg;
	pthread_mutex_lock(&m.mu);
	if (hit)
		m.pc_hit++;
	else
		m.pc_miss++;
	pthread_mutex_unlock(&m.mu);
}

void
kbs_observe_request(double seconds, size_t req_size, size_t resp_size)
{
	pthread_mutex_lock(&m.mu);
	m.c[KBS_M_HTTP_REQUESTS]++;
	observe(&m.dur, dur_bounds, NDUR, seconds);
	observe(&m.req, size_bounds, NSIZE, (double)req_size);
	/* Trustee observes response sizes into the request histogram (a
	 * slip in its middleware); here each goes to its own. */
	observe(&m.resp, size_bounds, NSIZE, (double)resp_size);
	pthread_mutex_unlock(&m.mu);
}

void
kbs_active_requests(int delta)
{
	pthread_mutex_lock(&m.mu);
	m.active += delta;
	pthread_mutex_unlock(&m.mu);
}

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void
put(struct buf *b, const char *fmt, ...) SVC_PRINTF(2, 3);

static void
put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *np;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		if ((np = realloc(b->p, 2 * b->cap + (size_t)n)) == NULL) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = 2 * b->cap + (size_t)n;
	}
}

static void
counter(struct buf *b, const char *name, const char *help, uint64_t v)
{
	put(b, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name,
	    name, (unsigned long long)v);
}

static void
histogram(struct buf *b, const char *name, const char *help,
    const struct hist *h, const double *bounds, size_t nb)
{
	size_t i;

	put(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	for (i = 0; i < nb; i++)
		put(b, "%s_bucket{le=\"%g\"} %llu\n", name, bounds[i],
		    (unsigned long long)h->b[i]);
	put(b, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.9g\n%s_count %llu\n",
	    name, (unsigned long long)h->count, name, h->sum, name,
	    (unsigned long long)h->count);
}

/* A label value with \, " and newline escaped. */
static void
label(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			put(b, "\\%c", *s);
		else if (*s == '\n')
			put(b, "\\n");
		else
			put(b, "%c", *s);
	}
}

char *
kbs_metrics_text(size_t *len)
{
	static const char *const res_names[3] = {
		"kbs_resource_reads_total", "kbs_resource_writes_total",
		"kbs_resource_deletes_total",
	};
	static const char *const res_help[3] = {
		"KBS resource read count", "KBS resource write count",
		"KBS resource delete count",
	};
	struct buf b = { NULL, 0, 4096, false };
	bool any;
	size_t i, op;

	if ((b.p = malloc(b.cap)) == NULL)
		return NULL;
	b.p[0] = '\0';
	pthread_mutex_lock(&m.mu);
	put(&b, "# HELP kbs_build_info KBS binary build information\n"
	    "# TYPE kbs_build_info gauge\n"
	    "kbs_build_info{build_date=\"\",git_hash=\"\",version=\"ccakit "
	    "%s\"} 1\n", CCAKIT_VERSION);
	counter(&b, "kbs_http_requests_total", "Total HTTP requests count",
	    m.c[KBS_M_HTTP_REQUESTS]);
	histogram(&b, "kbs_http_request_duration_seconds", "Distribution of "
	    "request handling duration", &m.dur, dur_bounds, NDUR);
	histogram(&b, "kbs_http_request_size_bytes", "Distribution of request "
	    "body sizes", &m.req, size_bounds, NSIZE);
	histogram(&b, "kbs_http_response_size_bytes", "Distribution of "
	    "response body sizes", &m.resp, size_bounds, NSIZE);
	put(&b, "# HELP kbs_http_active_connections Count of HTTP connections "
	    "currently being processed\n# TYPE kbs_http_active_connections "
	    "gauge\nkbs_http_active_connections %lld\n", (long long)m.active);
	counter(&b, "kbs_policy_evaluations_total", "Total count of KBS policy "
	    "evaluations", m.c[KBS_M_POLICY_EVALS]);
	counter(&b, "kbs_policy_approvals_total", "Total count of requests "
	    "approved by KBS policy", m.c[KBS_M_POLICY_APPROVALS]);
	counter(&b, "kbs_policy_violations_total", "Total count of requests "
	    "denied by KBS policy", m.c[KBS_M_POLICY_VIOLATIONS]);
	counter(&b, "kbs_policy_errors_total", "Total count of errors during "
	    "KBS evaluation", m.c[KBS_M_POLICY_ERRORS]);
	counter(&b, "kbs_attestation_requests_total", "Total count of "
	    "attestation requests", m.c[KBS_M_ATTEST_REQUESTS]);
	counter(&b, "kbs_attestation_errors_total", "Total count of errors "
	    "during attestation processing", m.c[KBS_M_ATTEST_ERRORS]);
	for (op = 0; op < 2; op++) {
		const uint64_t *v = op == 0 ? m.att_ok : m.att_fail;
		const char *name = op == 0 ? "kbs_attestation_successes_total" :
		    "kbs_attestation_failures_total";

		for (i = 0, any = false; i < RCAR_TEE_COUNT; i++)
			any |= v[i] != 0;
		if (!any)
			continue;
		put(&b, "# HELP %s Total count of attestation %s\n# TYPE %s "
		    "counter\n", name, op == 0 ? "successes" : "failures",
		    name);
		for (i = 0; i < RCAR_TEE_COUNT; i++)
			if (v[i] != 0)
				put(&b, "%s{tee_type=\"%s\"} %llu\n", name,
				    rcar_tee_name((enum rcar_tee)i),
				    (unsigned long long)v[i]);
	}
	put(&b, "# HELP ccakit_platform_token_cache_lookups_total Platform "
	    "token cache lookups by result (hit or miss)\n# TYPE "
	    "ccakit_platform_token_cache_lookups_total counter\n"
	    "ccakit_platform_token_cache_lookups_total{result=\"hit\"} %llu\n"
	    "ccakit_platform_token_cache_lookups_total{result=\"miss\"} "
	    "%llu\n", (unsigned long long)m.pc_hit,
	    (unsigned long long)m.pc_miss);
	put(&b, "# HELP ccakit_token_cache_lookups_total Verified attestation "
	    "token cache lookups by result (hit or miss)\n# TYPE "
	    "ccakit_token_cache_lookups_total counter\n"
	    "ccakit_token_cache_lookups_total{result=\"hit\"} %llu\n"
	    "ccakit_token_cache_lookups_total{result=\"miss\"} %llu\n",
	    (unsigned long long)m.tc_hit, (unsigned long long)m.tc_miss);
	counter(&b, "kbs_auth_requests_total", "Total count of auth requests",
	    m.c[KBS_M_AUTH_REQUESTS]);
	counter(&b, "kbs_auth_successes_total", "Total count of successfully "
	    "authenticated requests", m.c[KBS_M_AUTH_SUCCESSES]);
	counter(&b, "kbs_auth_errors_total", "Total count of errors during "
	    "auth processing", m.c[KBS_M_AUTH_ERRORS]);
	for (op = 0; op < 3; op++) {
		for (i = 0, any = false; i < m.npaths; i++)
			any |= m.paths[i].n[op] != 0;
		if (!any)
			continue;
		put(&b, "# HELP %s %s\n# TYPE %s counter\n", res_names[op],
		    res_help[op], res_names[op]);
		for (i = 0; i < m.npaths; i++) {
			if (m.paths[i].n[op] == 0)
				continue;
			put(&b, "%s{resource_path=\"", res_names[op]);
			label(&b, m.paths[i].path);
			put(&b, "\"} %llu\n", (unsigned long long)
			    m.paths[i].n[op]);
		}
	}
	pthread_mutex_unlock(&m.mu);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}
