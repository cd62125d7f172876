/* Prometheus metrics: registry and text exposition (see metrics.h). */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

struct series {
	char **values;                  /* one per label name */
	double value;                   /* counter, gauge; histogram sum */
	unsigned long long count;       /* histogram */
	unsigned long long *hits;       /* histogram: per bucket, +Inf last */
	double (*fn)(void *);           /* gauge read at each scrape */
	void *fnarg;
};

struct svc_metric {
	char *name, *help;
	enum svc_metric_type type;
	size_t nlabels;
	char *labels[SVC_METRIC_MAX_LABELS];
	size_t nbuckets;
	double bounds[SVC_METRIC_MAX_BUCKETS];
	struct series *s;
	size_t n, cap;
	svc_metrics *m;
};

struct svc_metrics {
	pthread_mutex_t mu;
	svc_metric **f;
	size_t n, cap;
	svc_metric *dropped;
};

static bool
name_ok(const char *s, bool colon)
{
	const char *p;

	if (s == NULL || *s == '\0')
		return false;
	for (p = s; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    *p == '_' || (colon && *p == ':'))
			continue;
		if (p != s && *p >= '0' && *p <= '9')
			continue;
		return false;
	}
	return true;
}

static void
series_clear(const svc_metric *f, struct series *s)
{
	size_t i;

	if (s->values != NULL)
		for (i = 0; i < f->nlabels; i++)
			free(s->values[i]);
	free(s->values);
	free(s->hits);
}

static void
family_free(svc_metric *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++)
		series_clear(f, &f->s[i]);
	free(f->s);
	for (i = 0; i < f->nlabels; i++)
		free(f->labels[i]);
	free(f->name);
	free(f->help);
	free(f);
}

void
svc_metrics_free(svc_metrics **mp)
{
	svc_metrics *m;
	size_t i;

	if (mp == NULL || (m = *mp) == NULL)
		return;
	for (i = 0; i < m->n; i++)
		family_free(m->f[i]);
	free(m->f);
	pthread_mutex_destroy(&m->mu);
	free(m);
	*mp = NULL;
}

int
svc_metrics_new(svc_metrics **out)
{
	svc_metrics *m;

	*out = NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -1;
	pthread_mutex_init(&m->mu, NULL);
	if ((m->dropped = svc_metrics_counter(m,
	    "ccakit_metrics_series_dropped_total", "Metric updates dropped "
	    "because their family has as many series as it may", NULL)) ==
	    NULL) {
		svc_metrics_free(&m);
		return -1;
	}
	*out = m;
	return 0;
}

/* Split "a,b,c" into f->labels; false if bad. */
static bool
parse_labels(svc_metric *f, const char *labels)
{
	const char *p = labels, *e;
	size_t k;

	if (labels == NULL || *labels == '\0')
		return true;
	for (;;) {
		e = strchr(p, ',');
		k = e != NULL ? (size_t)(e - p) : strlen(p);
		if (f->nlabels == SVC_METRIC_MAX_LABELS || k == 0)
			return false;
		if ((f->labels[f->nlabels] = strndup(p, k)) == NULL)
			return false;
		f->nlabels++;
		if (!name_ok(f->labels[f->nlabels - 1], false) ||
		    strncmp(f->labels[f->nlabels - 1], "__", 2) == 0 ||
		    (f->type == SVC_METRIC_HISTOGRAM &&
		    strcmp(f->labels[f->nlabels - 1], "le") == 0))
			return false;
		if (e == NULL)
			return true;
		p = e + 1;
	}
}

static bool
same_family(const svc_metric *a, const svc_metric *b)
{
	size_t i;

	if (a->type != b->type || a->nlabels != b->nlabels ||
	    a->nbuckets != b->nbuckets)
		return false;
	for (i = 0; i < a->nlabels; i++)
		if (strcmp(a->labels[i], b->labels[i]) != 0)
			return false;
	for (i = 0; i < a->nbuckets; i++)
		if (a->bounds[i] != b->bounds[i])
			return false;
	return true;
}

/* Find or make series of f with these values (lock held); NULL if full. */
static struct series *
series_get(svc_metric *f, const char *const *values)
{
	struct series *s, *ns;
	size_t i, j;

	for (i = 0; i < f->n; i++) {
		for (j = 0; j < f->nlabels; j++)
			if (strcmp(f->s[i].values[j], values[j] != NULL ?
			    values[j] : "") != 0)
				break;
		if (j == f->nlabels)
			return &f->s[i];
	}
	if (f->n == SVC_METRIC_MAX_SERIES)
		return NULL;
	if (f->n == f->cap) {
		size_t ncap = f->cap == 0 ? 4 : 2 * f->cap;

		if ((ns = realloc(f->s, ncap * sizeof(*ns))) == NULL)
			return NULL;
		f->s = ns;
		f->cap = ncap;
	}
	s = &f->s[f->n];
	memset(s, 0, sizeof(*s));
	if ((f->nlabels > 0 && (s->values = calloc(f->nlabels,
	    sizeof(*s->values))) == NULL) ||
	    (f->type == SVC_METRIC_HISTOGRAM && (s->hits = calloc(
	    f->nbuckets + 1, sizeof(*s->hits))) == NULL))
		goto fail;
	for (j = 0; j < f->nlabels; j++)
		if ((s->values[j] = strdup(values[j] != NULL ? values[j] :
		    "")) == NULL)
			goto fail;
	f->n++;
	return s;
fail:
	series_clear(f, s);
	return NULL;
}

static svc_metric *
family_new(svc_metrics *m, enum svc_metric_type type, const char *name,
    const char *help, const char *labels, const double *buckets,
    size_t nbuckets)
{
	svc_metric *f, *old = NULL;
	svc_metric **nf;
	size_t i;

	if (m == NULL || !name_ok(name, true))
		return NULL;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->type = type;
	f->m = m;
	if (!parse_labels(f, labels))
		goto fail;
	if (type == SVC_METRIC_HISTOGRAM) {
		if (buckets == NULL || nbuckets == 0 ||
		    nbuckets > SVC_METRIC_MAX_BUCKETS)
			goto fail;
		for (i = 0; i < nbuckets; i++)
			if (!isfinite(buckets[i]) ||
			    (i > 0 && buckets[i] <= buckets[i - 1]))
				goto fail;
		memcpy(f->bounds, buckets, nbuckets * sizeof(*buckets));
		f->nbuckets = nbuckets;
	}
	if ((f->name = strdup(name)) == NULL ||
	    (f->help = strdup(help != NULL ? help : "")) == NULL)
		goto fail;
	pthread_mutex_lock(&m->mu);
	for (i = 0; i < m->n; i++)
		if (strcmp(m->f[i]->name, name) == 0)
			old = m->f[i];
	if (old != NULL) {
		pthread_mutex_unlock(&m->mu);
		if (!same_family(old, f))
			old = NULL;
		family_free(f);
		return old;
	}
	if (m->n == m->cap) {
		size_t ncap = m->cap == 0 ? 16 : 2 * m->cap;

		if ((nf = realloc(m->f, ncap * sizeof(*nf))) == NULL) {
			pthread_mutex_unlock(&m->mu);
			goto fail;
		}
		m->f = nf;
		m->cap = ncap;
	}
	if (f->nlabels == 0 && series_get(f, NULL) == NULL) {
		pthread_mutex_unlock(&m->mu);
		goto fail;
	}
	m->f[m->n++] = f;
	pthread_mutex_unlock(&m->mu);
	return f;
fail:
	family_free(f);
	return NULL;
}

svc_metric *
svc_metrics_counter(svc_metrics *m, const char *name, const char *help,
    const char *labels)
{
	return family_new(m, SVC_METRIC_COUNTER, name, help, labels, NULL, 0);
}

svc_metric *
svc_metrics_gauge(svc_metrics *m, const char *name, const char *help,
    const char *labels)
{
	return family_new(m, SVC_METRIC_GAUGE, name, help, labels, NULL, 0);
}

svc_metric *
svc_metrics_histogram(svc_metrics *m, const char *name, const char *help,
    const char *labels, const double *buckets, size_t nbuckets)
{
	return family_new(m, SVC_METRIC_HISTOGRAM, name, help, labels,
	    buckets, nbuckets);
}

/* The series to update (lock held), counting a drop when full. */
static struct series *
series_for_update(svc_metric *f, const char *const *values)
{
	struct series *s;

	if ((s = series_get(f, values)) == NULL && f != f->m->dropped &&
	    f->m->dropped->n == 1)
		f->m->dropped->s[0].value += 1;
	return s;
}

void
svc_metric_add(svc_metric *f, const char *const *values, double v)
{
	struct series *s;

	if (f == NULL || !(v >= 0) || f->type == SVC_METRIC_HISTOGRAM)
		return;
	pthread_mutex_lock(&f->m->mu);
	if ((s = series_for_update(f, values)) != NULL)
		s->value += v;
	pthread_mutex_unlock(&f->m->mu);
}

void
svc_metric_set(svc_metric *f, const char *const *values, double v)
{
	struct series *s;

	if (f == NULL || f->type != SVC_METRIC_GAUGE)
		return;
	pthread_mutex_lock(&f->m->mu);
	if ((s = series_for_update(f, values)) != NULL)
		s->value = v;
	pthread_mutex_unlock(&f->m->mu);
}

void
svc_metric_observe(svc_metric *f, const char *const *values, double v)
{
	struct series *s;
	size_t i;

	if (f == NULL || f->type != SVC_METRIC_HISTOGRAM || isnan(v))
		return;
	pthread_mutex_lock(&f->m->mu);
	if ((s = series_for_update(f, values)) != NULL) {
		for (i = 0; i < f->nbuckets && v > f->bounds[i]; i++)
			;
		s->hits[i]++;
		s->count++;
		s->value += v;
	}
	pthread_mutex_unlock(&f->m->mu);
}

int
svc_metric_gauge_fn(svc_metric *f, const char *const *values,
    double (*fn)(void *arg), void *arg)
{
	struct series *s;

	if (f == NULL || f->type != SVC_METRIC_GAUGE || fn == NULL)
		return -1;
	pthread_mutex_lock(&f->m->mu);
	if ((s = series_get(f, values)) != NULL) {
		s->fn = fn;
		s->fnarg = arg;
		s->value = NAN;
	}
	pthread_mutex_unlock(&f->m->mu);
	return s != NULL ? 0 : -1;
}

struct reading {
	size_t fi, si;
	double (*fn)(void *);
	void *arg;
	double v;
};

void
svc_metrics_refresh(svc_metrics *m)
{
	struct reading *r = NULL;
	size_t i, j, n = 0, k = 0;

	pthread_mutex_lock(&m->mu);
	for (i = 0; i < m->n; i++)
		for (j = 0; j < m->f[i]->n; j++)
			n += m->f[i]->s[j].fn != NULL;
	if (n > 0 && (r = calloc(n, sizeof(*r))) != NULL) {
		for (i = 0; i < m->n; i++)
			for (j = 0; j < m->f[i]->n; j++)
				if (m->f[i]->s[j].fn != NULL)
					r[k++] = (struct reading){ i, j,
					    m->f[i]->s[j].fn,
					    m->f[i]->s[j].fnarg, 0 };
	}
	pthread_mutex_unlock(&m->mu);
	/* Families and series are only added: the indices stay good. */
	for (i = 0; i < k; i++)
		r[i].v = r[i].fn(r[i].arg);
	pthread_mutex_lock(&m->mu);
	for (i = 0; i < k; i++)
		m->f[r[i].fi]->s[r[i].si].value = r[i].v;
	pthread_mutex_unlock(&m->mu);
	free(r);
}

char *
svc_metrics_number(double v, char out[32])
{
	int p;

	if (isnan(v)) {
		snprintf(out, 32, "NaN");
	} else if (isinf(v)) {
		snprintf(out, 32, v > 0 ? "+Inf" : "-Inf");
	} else if (v > -1e15 && v < 1e15 && v == (double)(long long)v) {
		snprintf(out, 32, "%.0f", v);
	} else {
		for (p = 1; p <= 17; p++) {
			snprintf(out, 32, "%.*g", p, v);
			if (strtod(out, NULL) == v)
				break;
		}
	}
	return out;
}

/* --- the exposition text --- */

void
svc_text_put(struct svc_text *t, const char *s, size_t len)
{
	char *np;
	size_t ncap;

	if (t->oom)
		return;
	if (t->n + len + 1 > t->cap) {
		ncap = t->cap == 0 ? 4096 : t->cap;
		while (ncap < t->n + len + 1)
			ncap *= 2;
		if ((np = realloc(t->p, ncap)) == NULL) {
			t->oom = true;
			return;
		}
		t->p = np;
		t->cap = ncap;
	}
	memcpy(t->p + t->n, s, len);
	t->n += len;
	t->p[t->n] = '\0';
}

void
svc_text_str(struct svc_text *t, const char *s)
{
	svc_text_put(t, s, strlen(s));
}

/*
 * Escaped text: backslash and newline always, the double quote in label
 * values; other control characters and bytes outside ASCII (the values
 * are the program's own) as '?'.
 */
static void
besc(struct svc_text *b, const char *s, bool quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			svc_text_str(b, "\\\\");
		else if (*s == '\n')
			svc_text_str(b, "\\n");
		else if (quote && *s == '"')
			svc_text_str(b, "\\\"");
		else if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			svc_text_str(b, "?");
		else
			svc_text_put(b, s, 1);
	}
}

/* name{l1="v1",...[,le="x"]} value\n */
static void
sample(struct svc_text *b, const svc_metric *f, const struct series *s,
    const char *suffix, const char *le, double v)
{
	char num[32];
	size_t i;

	svc_text_str(b, f->name);
	svc_text_str(b, suffix);
	if (f->nlabels > 0 || le != NULL) {
		svc_text_str(b, "{");
		for (i = 0; i < f->nlabels; i++) {
			if (i > 0)
				svc_text_str(b, ",");
			svc_text_str(b, f->labels[i]);
			svc_text_str(b, "=\"");
			besc(b, s->values[i], true);
			svc_text_str(b, "\"");
		}
		if (le != NULL) {
			if (f->nlabels > 0)
				svc_text_str(b, ",");
			svc_text_str(b, "le=\"");
			svc_text_str(b, le);
			svc_text_str(b, "\"");
		}
		svc_text_str(b, "}");
	}
	svc_text_str(b, " ");
	svc_text_str(b, svc_metrics_number(v, num));
	svc_text_str(b, "\n");
}

static const char *const type_names[] = { "counter", "gauge", "histogram" };

int
svc_metrics_write(svc_metrics *m, char **out, size_t *len)
{
	struct svc_text b = { NULL, 0, 0, false };
	const svc_metric *f;
	const struct series *s;
	unsigned long long cum;
	char le[32];
	size_t i, j, k;

	*out = NULL;
	*len = 0;
	svc_metrics_refresh(m);
	pthread_mutex_lock(&m->mu);
	for (i = 0; i < m->n; i++) {
		f = m->f[i];
		svc_text_str(&b, "# HELP ");
		svc_text_str(&b, f->name);
		svc_text_str(&b, " ");
		besc(&b, f->help, false);
		svc_text_str(&b, "\n# TYPE ");
		svc_text_str(&b, f->name);
		svc_text_str(&b, " ");
		svc_text_str(&b, type_names[f->type]);
		svc_text_str(&b, "\n");
		for (j = 0; j < f->n; j++) {
			s = &f->s[j];
			if (f->type != SVC_METRIC_HISTOGRAM) {
				sample(&b, f, s, "", NULL, s->value);
				continue;
			}
			for (cum = 0, k = 0; k <= f->nbuckets; k++) {
				cum += s->hits[k];
				if (k < f->nbuckets)
					svc_metrics_number(f->bounds[k], le);
				else
					snprintf(le, sizeof(le), "+Inf");
				sample(&b, f, s, "_bucket", le, (double)cum);
			}
			sample(&b, f, s, "_sum", NULL, s->value);
			sample(&b, f, s, "_count", NULL, (double)s->count);
		}
	}
	pthread_mutex_unlock(&m->mu);
	if (b.oom || b.p == NULL) {
		free(b.p);
		return -1;
	}
	*out = b.p;
	*len = b.n;
	return 0;
}

void
svc_metrics_each(svc_metrics *m,
    void (*fn)(void *arg, const struct svc_metric_sample *s), void *arg)
{
	struct svc_metric_sample smp;
	const svc_metric *f;
	size_t i, j;

	pthread_mutex_lock(&m->mu);
	for (i = 0; i < m->n; i++) {
		f = m->f[i];
		for (j = 0; j < f->n; j++) {
			memset(&smp, 0, sizeof(smp));
			smp.family = f->name;
			smp.help = f->help;
			smp.type = f->type;
			smp.nlabels = f->nlabels;
			smp.labels = (const char *const *)f->labels;
			smp.values = (const char *const *)f->s[j].values;
			smp.value = f->s[j].value;
			smp.count = f->s[j].count;
			fn(arg, &smp);
		}
	}
	pthread_mutex_unlock(&m->mu);
}
