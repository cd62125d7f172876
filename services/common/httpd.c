/* The HTTP server layer over libmicrohttpd (see httpd.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>
#include <openssl/crypto.h>

#include "httpd.h"

struct svc_httpd {
	struct MHD_Daemon *mhd;
	const struct svc_route *routes;
	size_t nroutes;
	void *arg;
	uint16_t port;
	atomic_uint_fast64_t next_id;
};

/* Per-request state, from the first callback to the completion notice. */
struct reqstate {
	uint64_t id;
	struct timespec t0;
	const struct svc_route *route;
	char *args;                     /* copy of the path, split */
	const char *arg[SVC_ROUTE_MAX_ARGS];
	size_t narg;
	uint8_t *buf;
	size_t len, cap;
	unsigned status;                /* nonzero once a reply is queued */
	bool aborted413;                /* chunked body over the cap */
	size_t sent;
	char method[16];
	char path[128];                 /* truncated copy for the log */
	char note[160];
};

#define BODY_INITIAL_CAP 4096

const char *
svc_http_reason(unsigned status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Unknown";
	}
}

static void
resp_clear(struct svc_resp *r)
{
	size_t i;

	free(r->body);
	for (i = 0; i < r->nheaders; i++) {
		free(r->hname[i]);
		free(r->hvalue[i]);
	}
	memset(r, 0, sizeof(*r));
}

int
svc_resp_json(struct svc_resp *r, unsigned status, json_t *j)
{
	char *s;

	if (j == NULL)
		return -1;
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (s == NULL)
		return -1;
	free(r->body);
	r->body = s;
	r->body_len = strlen(s);
	r->status = status;
	r->content_type = "application/json";
	return 0;
}

int
svc_resp_problem(struct svc_resp *r, unsigned status, const char *type,
    const char *title, const char *fmt, ...)
{
	char detail[512];
	va_list ap;
	json_t *j;
	char *s;

	detail[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
	}
	if (type == NULL) {
		type = "about:blank";
		title = svc_http_reason(status);
	}
	j = json_pack("{s:s, s:s, s:i}", "type", type, "title",
	    title != NULL ? title : svc_http_reason(status), "status",
	    (int)status);
	if (j != NULL && detail[0] != '\0' &&
	    json_object_set_new(j, "detail", json_string(detail)) != 0) {
		json_decref(j);
		j = NULL;
	}
	s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (s == NULL)
		return -1;
	free(r->body);
	r->body = s;
	r->body_len = strlen(s);
	r->status = status;
	r->content_type = SVC_PROBLEM_JSON;
	return 0;
}

int
svc_resp_header(struct svc_resp *r, const char *name, const char *value)
{
	char *n, *v;

	if (r->nheaders >= SVC_RESP_MAX_HEADERS)
		return -1;
	if ((n = strdup(name)) == NULL || (v = strdup(value)) == NULL) {
		free(n);
		return -1;
	}
	r->hname[r->nheaders] = n;
	r->hvalue[r->nheaders] = v;
	r->nheaders++;
	return 0;
}

void
svc_resp_note(struct svc_resp *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->note, sizeof(r->note), fmt, ap);
	va_end(ap);
}

const char *
svc_req_query(const struct svc_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn_, MHD_GET_ARGUMENT_KIND,
	    name);
}

const char *
svc_req_header(const struct svc_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn_, MHD_HEADER_KIND, name);
}

bool
svc_httpd_tls_supported(void)
{
	return MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES;
}

/*
 * Match a path against a pattern. With st, keep a split copy of the path
 * whose {} segments are st->arg.
 */
static bool
route_match(const char *pattern, const char *path, struct reqstate *st)
{
	const char *arg[SVC_ROUTE_MAX_ARGS];
	const char *p = pattern;
	char *copy, *w;
	size_t n = 0;

	if ((copy = strdup(path)) == NULL)
		return false;
	w = copy;
	while (*p != '\0') {
		if (p[0] == '{' && p[1] == '}') {
			if (*w == '\0' || *w == '/' || n >= SVC_ROUTE_MAX_ARGS)
				goto fail;
			arg[n++] = w;
			while (*w != '\0' && *w != '/')
				w++;
			p += 2;
			if (*p == '/' && *w == '/') {
				*w++ = '\0';
				p++;
			}
		} else if (*p++ != *w++) {
			goto fail;
		}
	}
	if (*w != '\0')
		goto fail;
	if (st == NULL) {
		free(copy);
		return true;
	}
	free(st->args);
	st->args = copy;
	memcpy(st->arg, arg, n * sizeof(arg[0]));
	st->narg = n;
	return true;
fail:
	free(copy);
	return false;
}

static enum MHD_Result
send_resp(struct MHD_Connection *c, struct reqstate *st, struct svc_resp *r)
{
	struct MHD_Response *mr;
	enum MHD_Result ret;
	size_t i;

	if (r->body == NULL && r->status == 0)
		svc_resp_problem(r, 500, NULL, NULL, "the handler gave no reply");
	mr = MHD_create_response_from_buffer(r->body_len, r->body,
	    MHD_RESPMEM_MUST_FREE);
	if (mr == NULL) {
		resp_clear(r);
		return MHD_NO;
	}
	r->body = NULL;         /* owned by mr now */
	if (r->content_type != NULL)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE,
		    r->content_type);
	/* Replies may carry wrapped secrets and nonces: never cache them. */
	MHD_add_response_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	for (i = 0; i < r->nheaders; i++)
		MHD_add_response_header(mr, r->hname[i], r->hvalue[i]);
	st->status = r->status;
	st->sent = r->body_len;
	memcpy(st->note, r->note, sizeof(st->note));
	ret = MHD_queue_response(c, r->status, mr);
	MHD_destroy_response(mr);
	resp_clear(r);
	return ret;
}

static enum MHD_Result
send_problem(struct MHD_Connection *c, struct reqstate *st, unsigned status,
    const char *detail)
{
	struct svc_resp r;

	memset(&r, 0, sizeof(r));
	if (svc_resp_problem(&r, status, NULL, NULL, "%s", detail) != 0)
		return MHD_NO;
	if (status == 405 && st->route != NULL)
		svc_resp_header(&r, "Allow", st->route->method);
	return send_resp(c, st, &r);
}

/* A strict decimal Content-Length; -1 when malformed. */
static long long
parse_length(const char *s)
{
	long long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (1LL << 40))
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static bool
body_append(struct reqstate *st, const char *data, size_t n, size_t max)
{
	uint8_t *nb;
	size_t ncap;

	if (n > max || st->len > max - n)
		return false;
	if (st->len + n + 1 > st->cap) {
		ncap = st->cap == 0 ? BODY_INITIAL_CAP : st->cap;
		while (ncap < st->len + n + 1)
			ncap *= 2;
		if (ncap > max + 1)
			ncap = max + 1;
		if ((nb = realloc(st->buf, ncap)) == NULL)
			return false;
		st->buf = nb;
		st->cap = ncap;
	}
	memcpy(st->buf + st->len, data, n);
	st->len += n;
	st->buf[st->len] = '\0';
	return true;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct svc_httpd *h = cls;
	struct reqstate *st = *con_cls;
	const char *cl;
	struct svc_req req;
	struct svc_resp resp;
	bool path_known = false;
	long long declared;
	size_t i;

	(void)version;
	if (st == NULL) {
		if ((st = calloc(1, sizeof(*st))) == NULL)
			return MHD_NO;
		*con_cls = st;
		st->id = atomic_fetch_add(&h->next_id, 1) + 1;
		clock_gettime(CLOCK_MONOTONIC, &st->t0);
		snprintf(st->method, sizeof(st->method), "%s", method);
		snprintf(st->path, sizeof(st->path), "%s", url);
		for (i = 0; i < h->nroutes; i++) {
			if (!route_match(h->routes[i].pattern, url, NULL))
				continue;
			path_known = true;
			st->route = &h->routes[i];
			if (strcmp(h->routes[i].method, method) == 0)
				break;
		}
		if (i == h->nroutes) {
			if (path_known)
				return send_problem(c, st, 405,
				    "method not allowed on this resource");
			st->route = NULL;
			return send_problem(c, st, 404, "no such resource");
		}
		if (!route_match(st->route->pattern, url, st))
			return send_problem(c, st, 500, "out of memory");
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL) {
			if ((declared = parse_length(cl)) < 0)
				return send_problem(c, st, 400,
				    "malformed Content-Length");
			if ((unsigned long long)declared > st->route->max_body)
				return send_problem(c, st, 413,
				    "the request body is larger than the limit");
		}
		return MHD_YES;
	}
	if (st->status != 0) {
		/* A reply was queued at the first call: drop the body. */
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		if (!body_append(st, upload, *upload_size,
		    st->route->max_body)) {
			/*
			 * Only a chunked body can get here (a declared length
			 * was checked above), and libmicrohttpd cannot queue
			 * a reply mid-upload: close the connection.
			 */
			svc_warn("req=%llu %s %s: body over %zu bytes, closed",
			    (unsigned long long)st->id, st->method, st->path,
			    st->route->max_body);
			st->aborted413 = true;
			return MHD_NO;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.id = st->id;
	req.method = method;
	req.path = url;
	for (i = 0; i < st->narg; i++)
		req.arg[i] = st->arg[i];
	req.narg = st->narg;
	req.body = st->buf != NULL ? st->buf : (const uint8_t *)"";
	req.body_len = st->len;
	req.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	req.conn_ = c;
	st->route->fn(h->arg, &req, &resp);
	return send_resp(c, st, &resp);
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode why)
{
	struct reqstate *st = *con_cls;
	struct timespec t1;
	double ms;

	(void)cls;
	(void)c;
	if (st == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - st->t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - st->t0.tv_nsec) / 1e6;
	svc_log(st->status >= 500 || why != MHD_REQUEST_TERMINATED_COMPLETED_OK
	    ? SVC_LOG_WARN : SVC_LOG_INFO,
	    "req=%llu %s %s status=%u bytes=%zu ms=%.1f%s%s%s",
	    (unsigned long long)st->id, st->method, st->path,
	    st->aborted413 ? 413 : st->status, st->sent, ms,
	    why == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted",
	    st->note[0] != '\0' ? " " : "", st->note);
	if (st->buf != NULL)
		OPENSSL_cleanse(st->buf, st->cap);
	free(st->buf);
	free(st->args);
	free(st);
	*con_cls = NULL;
}

static void
mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf,
    2, 0)));

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	svc_debug("libmicrohttpd: %s", line);
}

int
svc_httpd_start(const struct svc_httpd_conf *conf, struct svc_httpd **out,
    char *err, size_t errsz)
{
	struct MHD_OptionItem opts[16];
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	const union MHD_DaemonInfo *info;
	struct svc_httpd *h = NULL;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	size_t n = 0;
	int r = -1;

	*out = NULL;
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, conf->addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(conf->port);
	} else if (inet_pton(AF_INET6, conf->addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(conf->port);
		flags |= MHD_USE_IPv6;
	} else {
		snprintf(err, errsz, "%s: not an IPv4 or IPv6 address",
		    conf->addr);
		goto out;
	}
	if ((conf->tls_cert_pem == NULL) != (conf->tls_key_pem == NULL)) {
		snprintf(err, errsz, "TLS needs both a certificate and a key");
		goto out;
	}
	if (conf->tls_cert_pem != NULL) {
		if (!svc_httpd_tls_supported()) {
			snprintf(err, errsz, "this libmicrohttpd has no TLS");
			goto out;
		}
		flags |= MHD_USE_TLS;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	h->routes = conf->routes;
	h->nroutes = conf->nroutes;
	h->arg = conf->arg;
	atomic_init(&h->next_id, 0);
#define OPT(o, v, p) opts[n++] = (struct MHD_OptionItem){ (o), (v), (p) }
	OPT(MHD_OPTION_SOCK_ADDR, 0, &ss);
	OPT(MHD_OPTION_THREAD_POOL_SIZE, conf->threads > 0 ?
	    (intptr_t)conf->threads : 1, NULL);
	OPT(MHD_OPTION_CONNECTION_LIMIT, (intptr_t)conf->conn_limit, NULL);
	OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)conf->conn_memory,
	    NULL);
	OPT(MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)conf->timeout_s, NULL);
	OPT(MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL);
	OPT(MHD_OPTION_LISTEN_BACKLOG_SIZE, 256, NULL);
	OPT(MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed, h);
	if (conf->tls_cert_pem != NULL) {
		OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)(uintptr_t)
		    conf->tls_cert_pem);
		OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)(uintptr_t)
		    conf->tls_key_pem);
	}
	OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
	/* The logger goes first, so that no option's message escapes it. */
	h->mhd = MHD_start_daemon(flags, conf->port, NULL, NULL, handle, h,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_ARRAY, opts,
	    MHD_OPTION_END);
	if (h->mhd == NULL) {
		snprintf(err, errsz, "cannot listen on %s port %u (address in "
		    "use, or a bad TLS certificate or key)", conf->addr,
		    conf->port);
		goto out;
	}
	if ((info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT)) !=
	    NULL)
		h->port = info->port;
	*out = h;
	h = NULL;
	r = 0;
out:
	svc_httpd_stop(&h);
	return r;
}

uint16_t
svc_httpd_port(const struct svc_httpd *h)
{
	return h->port;
}

void
svc_httpd_stop(struct svc_httpd **hp)
{
	struct svc_httpd *h;

	if (hp == NULL || (h = *hp) == NULL)
		return;
	if (h->mhd != NULL)
		MHD_stop_daemon(h->mhd);
	free(h);
	*hp = NULL;
}
