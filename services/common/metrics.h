/*
 * Prometheus metrics: a registry of metric families (counters, gauges,
 * histograms), each with up to SVC_METRIC_MAX_LABELS label names, written
 * in the text exposition format, version 0.0.4 (docs/operations.md).
 *
 * A family is registered once, before the server starts; its series (one
 * per combination of label values) are made on first use, at most
 * SVC_METRIC_MAX_SERIES per family (beyond, updates are dropped and
 * counted in ccakit_metrics_series_dropped_total): label values must come
 * from bounded sets (route patterns, status codes, results), never from
 * a request's text. Updates and the writer are thread-safe (one mutex);
 * a gauge series may instead be read at each scrape from a callback.
 *
 * Registration after the server has started, and callbacks that call
 * back into the registry, are not supported.
 */
#ifndef SVC_METRICS_H
#define SVC_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#define SVC_METRIC_MAX_LABELS   4
#define SVC_METRIC_MAX_SERIES   512
#define SVC_METRIC_MAX_BUCKETS  32

/* The media type of svc_metrics_write()'s text. */
#define SVC_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

typedef struct svc_metrics svc_metrics;
typedef struct svc_metric svc_metric;   /* a family */

enum svc_metric_type {
	SVC_METRIC_COUNTER = 0,
	SVC_METRIC_GAUGE,
	SVC_METRIC_HISTOGRAM,
};

/* A new, empty registry; -1 when out of memory. */
int svc_metrics_new(svc_metrics **out);
void svc_metrics_free(svc_metrics **mp);

/*
 * Register a family. name: [a-zA-Z_:][a-zA-Z0-9_:]*; labels: NULL or a
 * comma-separated list of label names ([a-zA-Z_][a-zA-Z0-9_]*, not
 * starting "__", not "le" for a histogram); a histogram's buckets: 1 to
 * SVC_METRIC_MAX_BUCKETS finite upper bounds in increasing order (+Inf
 * is added). A family without labels has its one series from the start.
 * Registering a name again gives the same family if type and labels
 * agree. NULL for a bad name, labels or buckets, a clash, or no memory.
 */
svc_metric *svc_metrics_counter(svc_metrics *m, const char *name,
    const char *help, const char *labels);
svc_metric *svc_metrics_gauge(svc_metrics *m, const char *name,
    const char *help, const char *labels);
svc_metric *svc_metrics_histogram(svc_metrics *m, const char *name,
    const char *help, const char *labels, const double *buckets,
    size_t nbuckets);

/*
 * Updates: values holds one label value per label name, in order (NULL
 * for a family without labels). A NULL family is ignored, so that
 * optional metrics cost a caller nothing. Counters only go up (v >= 0).
 */
void svc_metric_add(svc_metric *f, const char *const *values, double v);
void svc_metric_set(svc_metric *f, const char *const *values, double v);
void svc_metric_observe(svc_metric *f, const char *const *values, double v);

/*
 * Have the series of gauge f with these label values read fn(arg) at
 * each scrape (NaN when it cannot tell). fn runs without the registry's
 * lock, on the scraping thread. -1 if f is not a gauge or no memory.
 */
int svc_metric_gauge_fn(svc_metric *f, const char *const *values,
    double (*fn)(void *arg), void *arg);

/* The exposition text (malloc'd, NUL-terminated); -1 when out of memory. */
int svc_metrics_write(svc_metrics *m, char **out, size_t *len);

/*
 * Every series of every family, in registration order, under the lock
 * (fn must not call the registry): for counters and gauges value is the
 * value, for histograms count and sum are given (value is the sum).
 * Callback gauges give the value of the last scrape or read
 * (svc_metrics_refresh()).
 */
struct svc_metric_sample {
	const char *family;
	const char *help;
	enum svc_metric_type type;
	size_t nlabels;
	const char *const *labels;      /* names */
	const char *const *values;
	double value;
	unsigned long long count;       /* histograms */
};
void svc_metrics_each(svc_metrics *m,
    void (*fn)(void *arg, const struct svc_metric_sample *s), void *arg);
/* Read the callback gauges now. */
void svc_metrics_refresh(svc_metrics *m);

/*
 * A growing NUL-terminated text (the exposition, the status page): start
 * it zeroed; an append that finds no memory sets oom and the text stays
 * as it was (free p either way).
 */
struct svc_text {
	char *p;
	size_t n, cap;
	bool oom;
};
void svc_text_put(struct svc_text *t, const char *s, size_t len);
void svc_text_str(struct svc_text *t, const char *s);

/*
 * A number as the exposition format writes it: the shortest decimal
 * that reads back the same, "+Inf", "-Inf" or "NaN". out holds 32 bytes.
 */
char *svc_metrics_number(double v, char out[32]);

#endif /* SVC_METRICS_H */
