/* The operator's view of a service: metrics, status page (see ops.h). */
#include <arpa/inet.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ccakit/tv.h>
#include <ccakit/version.h>

#include "ops.h"

struct rec {
	time_t when;
	uint64_t req;
	char subject[96];
	char result[20];
	char decision[16];
	char reason[120];
	size_t nsub;
	struct {
		char name[40];
		char status[20];
		struct ccakit_tv tv;
	} sub[SVC_OPS_MAX_SUBMODS];
};

static struct {
	pthread_mutex_t mu;             /* all of it but the registry's */
	svc_metrics *m;
	svc_metric *requests, *duration, *attest, *decisions, *policy;
	svc_metric *ptcache, *stores;
	char service[64];
	time_t started;
	struct timespec mono0;
	char *cfg_key[SVC_OPS_MAX_CONFIG], *cfg_val[SVC_OPS_MAX_CONFIG];
	size_t ncfg;
	struct rec recent[SVC_OPS_RECENT];
	size_t nrec, next;
	unsigned long long nattest;
	struct svc_route *routes;
	struct svc_httpd *httpd;        /* --metrics-listen */
	uint16_t port;
} g = { .mu = PTHREAD_MUTEX_INITIALIZER };

static const double dur_buckets[] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
	10,
};
static const double policy_buckets[] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.25, 0.5, 1,
};

#define NB(a) (sizeof(a) / sizeof((a)[0]))

/* The registry and the common families, made on first use (g.mu held). */
static svc_metrics *
ensure_locked(void)
{
	svc_metrics *m;

	if (g.m != NULL)
		return g.m;
	if (svc_metrics_new(&m) != 0)
		return NULL;
	g.requests = svc_metrics_counter(m, "ccakit_http_requests_total",
	    "HTTP requests by route pattern, method and status",
	    "route,method,status");
	g.duration = svc_metrics_histogram(m,
	    "ccakit_http_request_duration_seconds", "HTTP request latency, "
	    "from the request line to the reply", "route,method,status",
	    dur_buckets, NB(dur_buckets));
	g.attest = svc_metrics_counter(m, "ccakit_attestations_total",
	    "Attestations by result: the EAR's worst submod status, or error "
	    "when no attestation result was had", "result");
	g.decisions = svc_metrics_counter(m,
	    "ccakit_attestation_decisions_total", "What was decided on "
	    "attestation results (the key broker: released or denied)",
	    "decision");
	g.policy = svc_metrics_histogram(m, "ccakit_policy_evaluation_seconds",
	    "Time to evaluate the release policy on an attestation result",
	    NULL, policy_buckets, NB(policy_buckets));
	g.ptcache = svc_metrics_counter(m,
	    "ccakit_platform_token_cache_lookups_total", "Platform token "
	    "cache lookups by result (hit or miss)", "result");
	g.stores = svc_metrics_gauge(m, "ccakit_store_entries",
	    "Entries in the service's stores (challenges, sessions, trust "
	    "anchors, reference values)", "store");
	svc_metric_add(g.ptcache, (const char *const[]){ "hit" }, 0);
	svc_metric_add(g.ptcache, (const char *const[]){ "miss" }, 0);
	clock_gettime(CLOCK_MONOTONIC, &g.mono0);
	g.started = time(NULL);
	g.m = m;
	return m;
}

svc_metrics *
svc_ops_metrics(void)
{
	svc_metrics *m;

	pthread_mutex_lock(&g.mu);
	m = ensure_locked();
	pthread_mutex_unlock(&g.mu);
	return m;
}

/* The family pointers once the registry is there (NULL members else). */
static bool
ready(void)
{
	return svc_ops_metrics() != NULL;
}

/* --- configuration summary --- */

static void
config_add(const char *key, const char *value)
{
	char *k, *v;
	size_t i;

	pthread_mutex_lock(&g.mu);
	for (i = 0; i < g.ncfg; i++)
		if (strcmp(g.cfg_key[i], key) == 0)
			break;
	if (i == SVC_OPS_MAX_CONFIG)
		goto out;
	if ((k = strdup(key)) == NULL || (v = strdup(value)) == NULL) {
		free(k);
		goto out;
	}
	if (i < g.ncfg) {
		free(g.cfg_key[i]);
		free(g.cfg_val[i]);
	} else {
		g.ncfg++;
	}
	g.cfg_key[i] = k;
	g.cfg_val[i] = v;
out:
	pthread_mutex_unlock(&g.mu);
}

void
svc_ops_config(const char *key, const char *fmt, ...)
{
	char v[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	config_add(key, v);
}

void
svc_ops_config_url(const char *key, const char *url)
{
	const char *s, *at, *end;
	char v[512];
	size_t k;

	/* scheme://[user[:password]@]host... : the user information
	 * goes, and the query (libpq takes passwords there too). */
	s = strstr(url, "://");
	s = s != NULL ? s + 3 : url;
	end = s + strcspn(s, "/?#");
	at = memchr(s, '@', (size_t)(end - s));
	k = (size_t)(s - url);
	if (k >= sizeof(v))
		k = sizeof(v) - 1;
	memcpy(v, url, k);
	snprintf(v + k, sizeof(v) - k, "%s%.*s", at != NULL ? "***@" : "",
	    (int)strcspn(at != NULL ? at + 1 : s, "?#"),
	    at != NULL ? at + 1 : s);
	config_add(key, v);
}

/* --- metrics fed by the services --- */

int
svc_ops_store_gauge(const char *store, double (*fn)(void *arg), void *arg)
{
	if (!ready())
		return -1;
	return svc_metric_gauge_fn(g.stores, (const char *const[]){ store },
	    fn, arg);
}

struct timespec
svc_ops_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t;
}

static double
since(struct timespec t0)
{
	struct timespec t1 = svc_ops_now();

	return (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

void
svc_ops_policy_time(struct timespec t0)
{
	if (ready())
		svc_metric_observe(g.policy, NULL, since(t0));
}

void
svc_ops_ptcache(void *arg, bool hit)
{
	(void)arg;
	if (ready())
		svc_metric_add(g.ptcache, (const char *const[]){ hit ? "hit" :
		    "miss" }, 1);
}

/* A tier's name, from ccakit (never NULL). */
static const char *
tier(enum ccakit_tier t)
{
	const char *s = ccakit_tier_name(t);

	return s != NULL ? s : "none";
}

void
svc_ops_attestation(struct svc_resp *resp, const struct svc_attestation *a)
{
	enum ccakit_tier worst = CCAKIT_TIER_NONE, t;
	const char *name;
	struct rec r;
	size_t i;

	memset(&r, 0, sizeof(r));
	r.when = time(NULL);
	r.req = a->req;
	snprintf(r.subject, sizeof(r.subject), "%s", a->subject != NULL ?
	    a->subject : "");
	snprintf(r.decision, sizeof(r.decision), "%s", a->decision != NULL ?
	    a->decision : "");
	snprintf(r.reason, sizeof(r.reason), "%s", a->reason != NULL ?
	    a->reason : "");
	if (a->ear == NULL) {
		snprintf(r.result, sizeof(r.result), "error");
	} else {
		for (i = 0; (name = ccakit_ear_submod_name(a->ear, i)) !=
		    NULL; i++) {
			if (ccakit_ear_submod_status(a->ear, name, &t) !=
			    CCAKIT_OK)
				t = CCAKIT_TIER_NONE;
			if ((int)t > (int)worst)
				worst = t;
			if (r.nsub == SVC_OPS_MAX_SUBMODS)
				continue;
			snprintf(r.sub[r.nsub].name,
			    sizeof(r.sub[r.nsub].name), "%s", name);
			snprintf(r.sub[r.nsub].status,
			    sizeof(r.sub[r.nsub].status), "%s", tier(t));
			if (ccakit_ear_submod_tv(a->ear, name,
			    &r.sub[r.nsub].tv) != CCAKIT_OK)
				ccakit_tv_clear(&r.sub[r.nsub].tv);
			r.nsub++;
		}
		snprintf(r.result, sizeof(r.result), "%s", tier(worst));
	}
	if (resp != NULL)
		svc_resp_outcome(resp, "%s%s%s", r.result, r.decision[0] !=
		    '\0' ? "/" : "", r.decision);
	if (!ready())
		return;
	svc_metric_add(g.attest, (const char *const[]){ r.result }, 1);
	if (r.decision[0] != '\0')
		svc_metric_add(g.decisions,
		    (const char *const[]){ r.decision }, 1);
	pthread_mutex_lock(&g.mu);
	g.recent[g.next] = r;
	g.next = (g.next + 1) % SVC_OPS_RECENT;
	if (g.nrec < SVC_OPS_RECENT)
		g.nrec++;
	g.nattest++;
	pthread_mutex_unlock(&g.mu);
}

/* --- the request hook --- */

/* Methods are the client's text: a bounded set of label values. */
static const char *
method_label(const char *m)
{
	static const char *const known[] = {
		"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH",
	};
	size_t i;

	for (i = 0; i < NB(known); i++)
		if (strcmp(m, known[i]) == 0)
			return known[i];
	return "other";
}

static void
request_done(void *arg, const struct svc_req_done *d)
{
	char status[8];
	const char *v[3];

	(void)arg;
	if (!ready())
		return;
	snprintf(status, sizeof(status), "%u", d->status);
	v[0] = d->route != NULL ? d->route : "none";
	v[1] = method_label(d->method);
	v[2] = status;
	svc_metric_add(g.requests, v, 1);
	svc_metric_observe(g.duration, v, d->seconds);
}

/* --- the pages --- */

static void
metrics_page(void *arg, const struct svc_req *req, struct svc_resp *resp)
{
	char *text;
	size_t len;

	(void)arg;
	(void)req;
	if (!ready() || svc_metrics_write(g.m, &text, &len) != 0) {
		svc_resp_problem(resp, 500, NULL, NULL, "out of memory");
		return;
	}
	free(resp->body);
	resp->body = text;
	resp->body_len = len;
	resp->status = 200;
	resp->content_type = SVC_METRICS_CONTENT_TYPE;
}

static void hprintf(struct svc_text *h, const char *fmt, ...)
    SVC_PRINTF(2, 3);

static void
hprintf(struct svc_text *h, const char *fmt, ...)
{
	char s[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	svc_text_str(h, s);
}

/* Text as HTML: markup characters as entities, control bytes as '?'. */
static void
hesc(struct svc_text *h, const char *s)
{
	char c[2] = { 0, 0 };

	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': svc_text_str(h, "&amp;"); break;
		case '<': svc_text_str(h, "&lt;"); break;
		case '>': svc_text_str(h, "&gt;"); break;
		case '"': svc_text_str(h, "&quot;"); break;
		case '\'': svc_text_str(h, "&#39;"); break;
		default:
			c[0] = (unsigned char)*s < 0x20 ? '?' : *s;
			svc_text_str(h, c);
		}
	}
}

static void
stamp(time_t t, char *out, size_t outsz)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, outsz, "%Y-%m-%d %H:%M:%SZ", &tm);
}

static const char page_style[] =
"body{font:15px/1.45 system-ui,sans-serif;margin:1.5em auto;max-width:72em;"
"padding:0 1em;color:#1d232a;background:#fafbfc}"
"h1{font-size:1.6em;margin:0}h2{font-size:1.15em;margin:1.6em 0 .5em;"
"border-bottom:1px solid #d0d7de;padding-bottom:.2em}"
"header p{margin:.2em 0;color:#57606a}"
"table{border-collapse:collapse;width:100%;background:#fff}"
"th,td{text-align:left;padding:.3em .6em;border:1px solid #d0d7de;"
"vertical-align:top}"
"th{background:#f0f3f6;font-weight:600}"
"td.num{text-align:right;font-variant-numeric:tabular-nums}"
"table.kv th{width:14em}"
".t{display:inline-block;padding:0 .45em;border-radius:.3em;"
"font-weight:600}"
".affirming{background:#dafbe1;color:#116329}"
".warning{background:#fff8c5;color:#7d4e00}"
".contraindicated,.error,.denied{background:#ffebe9;color:#a40e26}"
".none{background:#eaeef2;color:#424a53}"
".released{background:#dafbe1;color:#116329}"
".sub{margin:.15em 0}.sub b{font-family:ui-monospace,monospace;"
"font-size:.9em}"
".claims{font-size:.85em;color:#424a53}"
".claims span{display:inline-block;margin:.1em .5em .1em 0}"
"footer{margin:2em 0;color:#57606a;font-size:.9em}";

static void
page_head(struct svc_text *h, time_t now, double up)
{
	char since[40];
	unsigned long s = up > 0 ? (unsigned long)up : 0;

	stamp(g.started, since, sizeof(since));
	svc_text_str(h, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width\"><title>");
	hesc(h, g.service);
	svc_text_str(h, " status</title><style>");
	svc_text_str(h, page_style);
	svc_text_str(h, "</style></head><body>\n<header><h1 id=\"service\">");
	hesc(h, g.service);
	svc_text_str(h, "</h1><p id=\"version\">ccakit ");
	hesc(h, CCAKIT_VERSION);
	hprintf(h, "</p><p id=\"uptime\">up %lud %02luh %02lum %02lus, "
	    "since %s</p>", s / 86400, s / 3600 % 24, s / 60 % 60, s % 60,
	    since);
	stamp(now, since, sizeof(since));
	hprintf(h, "<p>page made %s</p></header>\n", since);
}

static void
page_config(struct svc_text *h)
{
	size_t i;

	svc_text_str(h, "<section id=\"config\"><h2>Configuration</h2>"
	    "<table class=\"kv\">");
	for (i = 0; i < g.ncfg; i++) {
		svc_text_str(h, "<tr><th>");
		hesc(h, g.cfg_key[i]);
		svc_text_str(h, "</th><td>");
		hesc(h, g.cfg_val[i]);
		svc_text_str(h, "</td></tr>");
	}
	svc_text_str(h, "</table></section>\n");
}

static void
page_tv(struct svc_text *h, const struct rec *r)
{
	const struct ccakit_tv *tv;
	size_t i;
	int c;

	for (i = 0; i < r->nsub; i++) {
		tv = &r->sub[i].tv;
		svc_text_str(h, "<div class=\"sub\"><b>");
		hesc(h, r->sub[i].name);
		svc_text_str(h, "</b> <span class=\"t ");
		hesc(h, r->sub[i].status);
		svc_text_str(h, "\">");
		hesc(h, r->sub[i].status);
		svc_text_str(h, "</span><div class=\"claims\">");
		for (c = 0; c < CCAKIT_TV_NCLAIMS; c++) {
			if (!ccakit_tv_is_set(tv, (enum ccakit_tv_claim)c))
				continue;
			hprintf(h, "<span class=\"%s\" title=\"%s\">%s %d"
			    "</span>", tier(ccakit_tier_of(tv->v[c])),
			    tier(ccakit_tier_of(tv->v[c])),
			    ccakit_tv_claim_name((enum ccakit_tv_claim)c),
			    tv->v[c]);
		}
		svc_text_str(h, "</div></div>");
	}
	if (r->nsub == 0)
		svc_text_str(h, "&mdash;");
}

static void
page_recent(struct svc_text *h)
{
	const struct rec *r;
	char when[40];
	size_t i;

	hprintf(h, "<section id=\"attestations\"><h2>Last attestations "
	    "(%zu of %llu)</h2>", g.nrec, g.nattest);
	if (g.nrec == 0) {
		svc_text_str(h, "<p>None yet.</p></section>\n");
		return;
	}
	svc_text_str(h, "<table><thead><tr><th>time</th><th>request</th>"
	    "<th>subject</th><th>result</th><th>decision</th>"
	    "<th>trust vectors</th></tr></thead><tbody>");
	/* Newest first. */
	for (i = 0; i < g.nrec; i++) {
		r = &g.recent[(g.next + SVC_OPS_RECENT - 1 - i) %
		    SVC_OPS_RECENT];
		stamp(r->when, when, sizeof(when));
		hprintf(h, "<tr class=\"att\"><td>%s</td><td class=\"num\">"
		    "%llu</td><td>", when, (unsigned long long)r->req);
		hesc(h, r->subject);
		svc_text_str(h, "</td><td><span class=\"t ");
		hesc(h, r->result);
		svc_text_str(h, "\">");
		hesc(h, r->result);
		svc_text_str(h, "</span></td><td>");
		if (r->decision[0] != '\0') {
			svc_text_str(h, "<span class=\"t ");
			hesc(h, r->decision);
			svc_text_str(h, "\">");
			hesc(h, r->decision);
			svc_text_str(h, "</span>");
		}
		if (r->reason[0] != '\0') {
			svc_text_str(h, "<div class=\"claims\">");
			hesc(h, r->reason);
			svc_text_str(h, "</div>");
		}
		svc_text_str(h, "</td><td>");
		page_tv(h, r);
		svc_text_str(h, "</td></tr>");
	}
	svc_text_str(h, "</tbody></table></section>\n");
}

struct counters_ctx {
	struct svc_text *h;
	const char *last;
};

static void
counter_row(void *arg, const struct svc_metric_sample *s)
{
	struct counters_ctx *c = arg;
	char num[32];
	size_t i;

	svc_text_str(c->h, "<tr><td>");
	if (c->last == NULL || strcmp(c->last, s->family) != 0) {
		svc_text_str(c->h, "<b title=\"");
		hesc(c->h, s->help);
		svc_text_str(c->h, "\">");
		hesc(c->h, s->family);
		svc_text_str(c->h, "</b>");
	}
	c->last = s->family;
	svc_text_str(c->h, "</td><td>");
	for (i = 0; i < s->nlabels; i++) {
		hesc(c->h, i > 0 ? ", " : "");
		hesc(c->h, s->labels[i]);
		svc_text_str(c->h, "=");
		hesc(c->h, s->values[i]);
	}
	if (s->type == SVC_METRIC_HISTOGRAM) {
		hprintf(c->h, "</td><td class=\"num\">%llu</td><td class="
		    "\"num\">", s->count);
		if (s->count > 0)
			hprintf(c->h, "%.3f ms", s->value * 1e3 /
			    (double)s->count);
	} else {
		hprintf(c->h, "</td><td class=\"num\">%s</td><td>",
		    svc_metrics_number(s->value, num));
	}
	svc_text_str(c->h, "</td></tr>");
}

static void
page_counters(struct svc_text *h)
{
	struct counters_ctx c = { h, NULL };

	svc_text_str(h, "<section id=\"counters\"><h2>Counters</h2>"
	    "<table><thead><tr><th>metric</th><th>labels</th>"
	    "<th>value (count)</th><th>mean</th></tr></thead><tbody>");
	svc_metrics_each(g.m, counter_row, &c);
	svc_text_str(h, "</tbody></table></section>\n");
}

static void
status_page(void *arg, const struct svc_req *req, struct svc_resp *resp)
{
	struct svc_text h = { NULL, 0, 0, false };
	time_t now = time(NULL);
	double up;

	(void)arg;
	(void)req;
	if (!ready()) {
		svc_resp_problem(resp, 500, NULL, NULL, "out of memory");
		return;
	}
	svc_metrics_refresh(g.m);
	pthread_mutex_lock(&g.mu);
	up = since(g.mono0);
	page_head(&h, now, up);
	page_config(&h);
	page_recent(&h);
	pthread_mutex_unlock(&g.mu);
	page_counters(&h);
	svc_text_str(&h, "<footer>Prometheus metrics: <a href=\"metrics\">"
	    "/metrics</a>. This page has no scripts and loads nothing else."
	    "</footer>\n</body></html>\n");
	if (h.oom) {
		free(h.p);
		svc_resp_problem(resp, 500, NULL, NULL, "out of memory");
		return;
	}
	free(resp->body);
	resp->body = h.p;
	resp->body_len = h.n;
	resp->status = 200;
	resp->content_type = "text/html; charset=utf-8";
	svc_resp_header(resp, "Content-Security-Policy", "default-src "
	    "'none'; style-src 'unsafe-inline'; base-uri 'none'; "
	    "form-action 'none'; frame-ancestors 'none'");
	svc_resp_header(resp, "X-Content-Type-Options", "nosniff");
}

static const struct svc_route ops_routes[] = {
	{ "GET", "/metrics", 0, metrics_page },
	{ "GET", "/", 0, status_page },
};

/* --- listeners --- */

/* Split ADDR:PORT ([v6]:PORT); false with a reason. */
static bool
split_listen(const char *s, char *addr, size_t addrsz, uint16_t *port,
    char *err, size_t errsz)
{
	unsigned char bin[16];
	const char *colon, *a = s;
	unsigned long p = 0;
	size_t k;
	char *end;

	if (*s == '[') {
		if ((colon = strstr(s, "]:")) == NULL)
			goto bad;
		a = s + 1;
		k = (size_t)(colon - a);
		colon++;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			goto bad;
		k = (size_t)(colon - s);
	}
	if (k == 0 || k >= addrsz)
		goto bad;
	memcpy(addr, a, k);
	addr[k] = '\0';
	if (inet_pton(*s == '[' ? AF_INET6 : AF_INET, addr, bin) != 1)
		goto bad;
	if (colon[1] < '0' || colon[1] > '9')
		goto bad;
	p = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || p > 65535)
		goto bad;
	*port = (uint16_t)p;
	return true;
bad:
	snprintf(err, errsz, "'%.80s' is not ADDRESS:PORT (an IPv4 address, "
	    "or an IPv6 address in brackets; port 0..65535)", s);
	return false;
}

bool
svc_ops_listen_valid(const char *s, char *err, size_t errsz)
{
	char addr[64];
	uint16_t port;

	return split_listen(s, addr, sizeof(addr), &port, err, errsz);
}

static void
url_of(char *out, size_t outsz, bool tls, const char *addr, unsigned port)
{
	bool v6 = strchr(addr, ':') != NULL;

	snprintf(out, outsz, "%s://%s%s%s:%u", tls ? "https" : "http",
	    v6 ? "[" : "", addr, v6 ? "]" : "", port);
}

int
svc_ops_serve(const char *service, const struct svc_ops_conf *oc,
    struct svc_httpd_conf *hc, struct svc_httpd **out, char *err,
    size_t errsz)
{
	struct svc_httpd_conf mc;
	const struct svc_route *orig = hc->routes;
	size_t norig = hc->nroutes;
	char addr[64], url[160];
	bool tls = hc->tls_cert_pem != NULL;
	uint16_t port = 0;
	svc_metric *build;

	*out = NULL;
	if (!ready()) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	if (oc->listen != NULL && !split_listen(oc->listen, addr,
	    sizeof(addr), &port, err, errsz))
		return -1;
	snprintf(g.service, sizeof(g.service), "%s", service);
	build = svc_metrics_gauge(g.m, "ccakit_build_info", "The service "
	    "and its ccakit version (always 1)", "service,version");
	svc_metric_set(build, (const char *const[]){ service,
	    CCAKIT_VERSION }, 1);
	svc_metric_set(svc_metrics_gauge(g.m, "ccakit_start_time_seconds",
	    "When the service started, in seconds since the epoch", NULL),
	    NULL, (double)g.started);
	if (oc->metrics) {
		if ((g.routes = calloc(norig + NB(ops_routes),
		    sizeof(*g.routes))) == NULL) {
			snprintf(err, errsz, "out of memory");
			return -1;
		}
		memcpy(g.routes, orig, norig * sizeof(*orig));
		memcpy(g.routes + norig, ops_routes, sizeof(ops_routes));
		hc->routes = g.routes;
		hc->nroutes = norig + NB(ops_routes);
	}
	hc->done = request_done;
	hc->done_arg = NULL;
	if (svc_httpd_start(hc, out, err, errsz) != 0)
		goto fail;
	url_of(url, sizeof(url), tls, hc->addr, svc_httpd_port(*out));
	svc_ops_config("listen", "%s", url);
	svc_ops_config("TLS", "%s", !tls ? "off" : hc->tls_priorities !=
	    NULL ? "on (priorities given)" : "on (TLS 1.2 and 1.3, ECDHE, "
	    "AEAD)");
	svc_ops_config("worker threads", "%u", hc->threads);
	svc_ops_config("connections", "%u at most, %u per address%s",
	    hc->conn_limit, hc->conn_per_ip, hc->conn_per_ip == 0 ?
	    " (no cap)" : "");
	svc_ops_config("request timeout", "%u s", hc->request_timeout_s);
	if (oc->listen != NULL) {
		memset(&mc, 0, sizeof(mc));
		mc.addr = addr;
		mc.port = port;
		mc.threads = 1;
		mc.conn_limit = 64;
		mc.conn_per_ip = 0;
		mc.request_timeout_s = 10;
		mc.timeout_s = 30;
		mc.routes = ops_routes;
		mc.nroutes = NB(ops_routes);
		mc.done = request_done;
		if (svc_httpd_start(&mc, &g.httpd, err, errsz) != 0) {
			svc_httpd_stop(out);
			goto fail;
		}
		g.port = svc_httpd_port(g.httpd);
		url_of(url, sizeof(url), false, addr, g.port);
		svc_ops_config("metrics and status", "%s/metrics and %s/ "
		    "(--metrics-listen)%s", url, url, oc->metrics ? ", and on "
		    "the service's listener" : "");
	} else {
		svc_ops_config("metrics and status", "%s", oc->metrics ?
		    "/metrics and / on the service's listener (--metrics)" :
		    "off");
	}
	return 0;
fail:
	hc->routes = orig;
	hc->nroutes = norig;
	free(g.routes);
	g.routes = NULL;
	return -1;
}

uint16_t
svc_ops_port(void)
{
	return g.port;
}

void
svc_ops_stop(struct svc_httpd **hp)
{
	size_t i;

	svc_httpd_stop(&g.httpd);
	svc_httpd_stop(hp);
	pthread_mutex_lock(&g.mu);
	free(g.routes);
	g.routes = NULL;
	g.port = 0;
	for (i = 0; i < g.ncfg; i++) {
		free(g.cfg_key[i]);
		free(g.cfg_val[i]);
	}
	g.ncfg = 0;
	g.nrec = g.next = 0;
	g.nattest = 0;
	svc_metrics_free(&g.m);
	pthread_mutex_unlock(&g.mu);
}
