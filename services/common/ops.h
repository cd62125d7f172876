/*
 * What an operator sees of a running service (docs/operations.md): the
 * Prometheus metrics (GET /metrics), the status page (GET /), the
 * attestation outcomes behind both, and the request log's counters.
 *
 * One per process: svc_ops_serve() starts the service's listener with
 * the request hook and, as configured, the two pages on it (--metrics)
 * or on a listener of their own (--metrics-listen ADDR:PORT); neither
 * is served by default. Everything else may be called from any thread
 * at any time, before svc_ops_serve() too; registrations (gauges,
 * counters, configuration lines) belong before it.
 *
 * The metrics (all with the prefix ccakit_): build_info{service,version},
 * start_time_seconds, http_requests_total and
 * http_request_duration_seconds{route,method,status} (route: the
 * pattern, "none" when none matched), attestations_total{result}
 * (affirming, warning, contraindicated, none; error when no result was
 * had), attestation_decisions_total{decision}, policy_evaluation_seconds,
 * platform_token_cache_lookups_total{result} (hit, miss), the services'
 * store_entries{store} gauges, metrics_series_dropped_total.
 */
#ifndef SVC_OPS_H
#define SVC_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <ccakit/ear.h>

#include "httpd.h"
#include "log.h"
#include "metrics.h"

/* The attestation outcomes the status page keeps. */
#define SVC_OPS_RECENT          20
#define SVC_OPS_MAX_SUBMODS     4
#define SVC_OPS_MAX_CONFIG      32

struct svc_ops_conf {
	bool metrics;                   /* --metrics: on the main listener */
	const char *listen;             /* --metrics-listen ADDR:PORT */
};

/*
 * Check an --metrics-listen value: an IPv4 address or an IPv6 one in
 * brackets, a colon, a port (0: any free one). false with a reason.
 */
bool svc_ops_listen_valid(const char *s, char *err, size_t errsz);

/*
 * Start the service's listener (svc_httpd_start()) for service with
 * version CCAKIT_VERSION, as svc_httpd_start() does, plus the request
 * hook and the pages as oc says; with oc->listen, their own listener
 * (plain HTTP, one thread, small limits). On failure err says why, and
 * nothing is left running.
 */
int svc_ops_serve(const char *service, const struct svc_ops_conf *oc,
    struct svc_httpd_conf *hc, struct svc_httpd **out, char *err,
    size_t errsz);
/* The port of the --metrics-listen listener, 0 without one. */
uint16_t svc_ops_port(void);
/* Stop the listeners (*hp too, as svc_httpd_stop()) and free it all. */
void svc_ops_stop(struct svc_httpd **hp);

/*
 * A line of the status page's configuration summary; never a secret:
 * give counts of secrets and keys, not their values.
 * svc_ops_config_url() gives a URL without its user information and
 * query (a PostgreSQL URL's password, say).
 */
void svc_ops_config(const char *key, const char *fmt, ...) SVC_PRINTF(2, 3);
void svc_ops_config_url(const char *key, const char *url);

/* The process's registry, for a module's own families. */
svc_metrics *svc_ops_metrics(void);

/*
 * A ccakit_store_entries{store="<store>"} series read at each scrape
 * with fn(arg) (NaN: unknown). -1 when out of memory.
 */
int svc_ops_store_gauge(const char *store, double (*fn)(void *arg),
    void *arg);

/*
 * An attestation's outcome: counted, kept for the status page and, with
 * resp, given to the request's log line ("affirming", or with a decision
 * "affirming/released"; "error" without an EAR). subject and reason are
 * short texts for the page, never a secret, nonce or token.
 */
struct svc_attestation {
	uint64_t req;                   /* request id, 0: unknown */
	const char *subject;            /* "key skywalker", "session 1a2b" */
	const ccakit_ear *ear;          /* NULL: no attestation result */
	const char *decision;           /* "released", "denied" or NULL */
	const char *reason;             /* why, short; NULL */
};
void svc_ops_attestation(struct svc_resp *resp,
    const struct svc_attestation *a);

/*
 * The time a policy evaluation took (ccakit_policy_evaluation_seconds):
 * t0 = svc_ops_now() before it, svc_ops_policy_time(t0) after.
 */
struct timespec svc_ops_now(void);
void svc_ops_policy_time(struct timespec t0);

/*
 * A platform-token cache lookup (ccakit_platform_token_cache_lookups_
 * total{result="hit"|"miss"}); arg is unused, so that this can be a
 * cache's callback as it is.
 */
void svc_ops_ptcache(void *arg, bool hit);

#endif /* SVC_OPS_H */
