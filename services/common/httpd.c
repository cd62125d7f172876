/* The HTTP server layer over libmicrohttpd (see httpd.h, docs/http.md). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <openssl/crypto.h>

#include "conns.h"
#include "httpd.h"
#include "util/util.h"

struct svc_httpd {
	struct MHD_Daemon *mhd;
	struct svc_conns *conns;        /* deadline, global cap */
	const struct svc_route *routes;
	size_t nroutes;
	void *arg;
	void (*done)(void *, const struct svc_req_done *);
	void *done_arg;
	uint16_t port;
	size_t conn_memory;
};

/* Request ids: one sequence for every server of the process. */
static atomic_uint_fast64_t next_id;

/* Per-request state, from the request line to the completion notice. */
struct reqstate {
	struct svc_httpd *h;
	uint64_t id;
	struct timespec t0;
	const struct svc_route *route;
	char *args;                     /* copy of the path, split */
	const char *arg[SVC_ROUTE_MAX_ARGS];
	size_t narg;
	uint8_t *buf;
	size_t len, cap;
	unsigned status;                /* nonzero once a reply is queued */
	unsigned early;                 /* a refusal decided on the target */
	bool started;                   /* the access handler has seen it */
	bool busy;                      /* its connection is BUSY */
	bool over_cap;                  /* a chunked body over the cap */
	bool close;                     /* reply with Connection: close */
	bool raw;                       /* the reply was written directly */
	size_t drained;                 /* bytes dropped after the cap */
	size_t sent;
	char method[16];
	char *target;                   /* the request target as sent */
	char path[200];                 /* escaped, truncated: for the log */
	char note[160];
	char outcome[48];
};

/*
 * Past the cap a chunked body is read and dropped, so that the 413
 * reaches a client still sending it, but not forever.
 */
#define DRAIN_MAX       (1024 * 1024)
/*
 * What one header field, cookie or query argument costs libmicrohttpd
 * in the connection's memory besides its text (struct MHD_HTTP_Header,
 * aligned), and what a reply needs there: a head that leaves less is
 * refused with 431 written directly (libmicrohttpd could not build the
 * reply and would close without a word).
 */
#define MHD_VALUE_COST  64
#define REPLY_RESERVE   2048

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
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Unknown";
	}
}

/* Reply bodies may hold secrets (resources, keys): wiped, then freed. */
static void
body_release(char *body, size_t len)
{
	if (body != NULL) {
		OPENSSL_cleanse(body, len);
		free(body);
	}
}

static void
resp_clear(struct svc_resp *r)
{
	size_t i;

	body_release(r->body, r->body_len);
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
	body_release(r->body, r->body_len);
	r->body = s;
	r->body_len = strlen(s);
	r->status = status;
	r->content_type = "application/json";
	return 0;
}

/*
 * The length of the well-formed UTF-8 sequence at s (Unicode table 3-7),
 * or minus the length of its maximal ill-formed subpart.
 */
static int
utf8_seq(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	int n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;      /* no surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;      /* nothing above U+10FFFF */
	} else {
		return -1;
	}
	for (i = 1; i < n; i++) {
		if (s[i] < lo || s[i] > hi)
			return -i;
		lo = 0x80;
		hi = 0xbf;
	}
	return n;
}

char *
svc_utf8_sanitize(const char *s, char *out, size_t outsz)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, k;
	int n;

	while (*p != '\0') {
		n = utf8_seq(p);
		k = n > 0 ? (size_t)n : 3;
		if (o + k >= outsz)
			break;
		memcpy(out + o, n > 0 ? (const char *)p : "\xef\xbf\xbd", k);
		o += k;
		p += n > 0 ? n : -n;
	}
	out[o] = '\0';
	return out;
}

int
svc_resp_problem(struct svc_resp *r, unsigned status, const char *type,
    const char *title, const char *fmt, ...)
{
	char detail[512], sdetail[3 * sizeof(detail)], stype[512], stitle[512];
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
	/* Request text (a path segment, a name) may be anything; jansson
	 * takes valid UTF-8 only. */
	svc_utf8_sanitize(type, stype, sizeof(stype));
	svc_utf8_sanitize(title != NULL ? title : svc_http_reason(status),
	    stitle, sizeof(stitle));
	svc_utf8_sanitize(detail, sdetail, sizeof(sdetail));
	j = json_pack("{s:s, s:s, s:i}", "type", stype, "title", stitle,
	    "status", (int)status);
	if (j != NULL && sdetail[0] != '\0' &&
	    json_object_set_new(j, "detail", json_string(sdetail)) != 0) {
		json_decref(j);
		j = NULL;
	}
	s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (s == NULL)
		return -1;
	body_release(r->body, r->body_len);
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

void
svc_resp_outcome(struct svc_resp *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->outcome, sizeof(r->outcome), fmt, ap);
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

const char *
svc_req_cookie(const struct svc_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn_, MHD_COOKIE_KIND, name);
}

bool
svc_req_from_loopback(const struct svc_req *req)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;
	const uint8_t *a;

	ci = MHD_get_connection_info(req->conn_,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return false;
	if (ci->client_addr->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)(const void *)ci->client_addr;
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	}
	if (ci->client_addr->sa_family != AF_INET6)
		return false;
	sin6 = (const struct sockaddr_in6 *)(const void *)ci->client_addr;
	a = sin6->sin6_addr.s6_addr;
	if (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
		return true;
	return memcmp(a, v4mapped, sizeof(v4mapped)) == 0 && a[12] == 127;
}

struct query_walk {
	int (*fn)(void *arg, const char *key, const char *value);
	void *arg;
	int r;
};

static enum MHD_Result
query_one(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct query_walk *w = cls;

	(void)kind;
	w->r = w->fn(w->arg, key, value != NULL ? value : "");
	return w->r == 0 ? MHD_YES : MHD_NO;
}

int
svc_req_query_each(const struct svc_req *req,
    int (*fn)(void *arg, const char *key, const char *value), void *arg)
{
	struct query_walk w = { fn, arg, 0 };

	(void)MHD_get_connection_values(req->conn_, MHD_GET_ARGUMENT_KIND,
	    query_one, &w);
	return w.r;
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
		if (strcmp(p, "{*}") == 0) {
			/* The rest of the path, whatever it is. */
			if (n >= SVC_ROUTE_MAX_ARGS)
				goto fail;
			arg[n++] = w;
			w += strlen(w);
			p += 3;
		} else if (p[0] == '{' && p[1] == '}') {
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

/* --- requests --- */

/* A reply body in libmicrohttpd's hands. */
struct sent_body {
	char *body;
	size_t len;
};

static void
sent_body_release(void *cls)
{
	struct sent_body *sb = cls;

	body_release(sb->body, sb->len);
	free(sb);
}

static enum MHD_Result
send_resp(struct MHD_Connection *c, struct reqstate *st, struct svc_resp *r)
{
	struct sent_body *sb;
	struct MHD_Response *mr;
	enum MHD_Result ret;
	size_t i;

	if (r->body == NULL && r->status == 0)
		svc_resp_problem(r, 500, NULL, NULL,
		    "the handler gave no reply");
	else if (r->body == NULL && r->status >= 400)
		svc_resp_problem(r, r->status, NULL, NULL, NULL);
	if (r->body == NULL && r->status == 0) {
		resp_clear(r);
		return MHD_NO;  /* out of memory */
	}
	if (!st->busy) {
		st->busy = true;
		if (!svc_conns_busy(st->h->conns, c)) {
			resp_clear(r);
			return MHD_NO;  /* dropped meanwhile */
		}
	}
	/* libmicrohttpd holds the body until it has sent it, then lets
	 * sent_body_release() wipe and free it. */
	if ((sb = malloc(sizeof(*sb))) == NULL) {
		resp_clear(r);
		return MHD_NO;
	}
	sb->body = r->body;
	sb->len = r->body_len;
	mr = MHD_create_response_from_buffer_with_free_callback_cls(
	    r->body_len, r->body, sent_body_release, sb);
	if (mr == NULL) {
		free(sb);
		resp_clear(r);
		return MHD_NO;
	}
	r->body = NULL;         /* owned by mr now */
	if (r->content_type != NULL)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE,
		    r->content_type);
	/* Replies may carry wrapped secrets and nonces: never cache them. */
	MHD_add_response_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (st->close)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_CONNECTION,
		    "close");
	for (i = 0; i < r->nheaders; i++)
		MHD_add_response_header(mr, r->hname[i], r->hvalue[i]);
	st->status = r->status;
	st->sent = r->body_len;
	memcpy(st->note, r->note, sizeof(st->note));
	memcpy(st->outcome, r->outcome, sizeof(st->outcome));
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

/* A problem with Connection: close. */
static enum MHD_Result
refuse(struct MHD_Connection *c, struct reqstate *st, unsigned status,
    const char *detail)
{
	st->close = true;
	return send_problem(c, st, status, detail);
}

/*
 * Write a problem reply on the connection directly and have it closed:
 * for when libmicrohttpd has no memory left to build one.
 */
static enum MHD_Result
refuse_raw(struct MHD_Connection *c, struct reqstate *st, unsigned status,
    const char *detail)
{
	const union MHD_ConnectionInfo *ci;
	struct svc_resp r;
	char *buf;
	size_t cap, n;

	memset(&r, 0, sizeof(r));
	if (svc_resp_problem(&r, status, NULL, NULL, "%s", detail) != 0)
		return MHD_NO;
	cap = r.body_len + 256;
	if ((buf = malloc(cap)) == NULL) {
		resp_clear(&r);
		return MHD_NO;
	}
	n = (size_t)snprintf(buf, cap, "HTTP/1.1 %u %s\r\nContent-Type: %s\r\n"
	    "Cache-Control: no-store\r\nConnection: close\r\n"
	    "Content-Length: %zu\r\n\r\n", status, svc_http_reason(status),
	    SVC_PROBLEM_JSON, r.body_len);
	memcpy(buf + n, r.body, r.body_len);
	n += r.body_len;
	/* Nothing of this request has been written: the socket is ours. */
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci != NULL && ci->tls_session != NULL) {
		(void)gnutls_record_send((gnutls_session_t)ci->tls_session,
		    buf, n);
	} else if ((ci = MHD_get_connection_info(c,
	    MHD_CONNECTION_INFO_CONNECTION_FD)) != NULL) {
		(void)send(ci->connect_fd, buf, n, MSG_NOSIGNAL |
		    MSG_DONTWAIT);
	}
	st->status = status;
	st->sent = r.body_len;
	st->raw = true;
	body_release(buf, n);
	resp_clear(&r);
	return MHD_NO;          /* libmicrohttpd closes the connection */
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
body_append(struct reqstate *st, const char *data, size_t n)
{
	uint8_t *nb;
	size_t ncap, max = st->route->max_body;

	if (st->len + n + 1 > st->cap) {
		ncap = st->cap == 0 ? BODY_INITIAL_CAP : st->cap;
		while (ncap < st->len + n + 1)
			ncap *= 2;
		if (ncap > max + 1)
			ncap = max + 1;
		/* Request bodies may hold secrets: no copy left behind. */
		if ((nb = cki_realloc_wiped(st->buf, st->len, ncap)) == NULL)
			return false;
		st->buf = nb;
		st->cap = ncap;
	}
	memcpy(st->buf + st->len, data, n);
	st->len += n;
	st->buf[st->len] = '\0';
	return true;
}

static void
body_free(struct reqstate *st)
{
	if (st->buf != NULL)
		OPENSSL_cleanse(st->buf, st->cap);
	free(st->buf);
	st->buf = NULL;
	st->len = st->cap = 0;
}

/* A field name is a token (RFC 9110 5.1, 5.6.2). */
static bool
is_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') ||
		    strchr("!#$%&'*+-.^_`|~", *s) != NULL))
			return false;
	return true;
}

/* What the header fields say about framing and size. */
struct head {
	unsigned n, ncl, nte;
	const char *te;
	bool bad_name;
	size_t cookie;
};

static enum MHD_Result
head_field(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct head *hd = cls;

	(void)kind;
	hd->n++;
	if (!is_token(key)) {
		hd->bad_name = true;
	} else if (strcasecmp(key, "Content-Length") == 0) {
		hd->ncl++;
	} else if (strcasecmp(key, "Transfer-Encoding") == 0) {
		hd->nte++;
		hd->te = value;
	} else if (strncasecmp(key, "Content-Length", 14) == 0 ||
	    strncasecmp(key, "Transfer-Encoding", 17) == 0) {
		/* libmicrohttpd appends an obs-fold continuation line to
		 * the field name: a folded length must not vanish. */
		hd->bad_name = true;
	} else if (strcasecmp(key, "Cookie") == 0 && value != NULL) {
		hd->cookie += strlen(value) + 1;
	}
	return MHD_YES;
}

/*
 * The checks of a request head before routing: 0 if fine, else the
 * status to refuse it with (the connection is closed) and *why.
 */
static unsigned
check_head(struct svc_httpd *h, struct MHD_Connection *c,
    const char *version, const char **why)
{
	const union MHD_ConnectionInfo *ci;
	struct head hd;
	size_t used;
	int nother;

	memset(&hd, 0, sizeof(hd));
	(void)MHD_get_connection_values(c, MHD_HEADER_KIND, head_field, &hd);
	nother = MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND |
	    MHD_COOKIE_KIND | MHD_FOOTER_KIND, NULL, NULL);
	ci = MHD_get_connection_info(c,
	    MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	used = (ci != NULL ? ci->header_size : 0) + hd.cookie +
	    (hd.n + (nother > 0 ? (size_t)nother : 0)) * MHD_VALUE_COST;
	if (used + REPLY_RESERVE > h->conn_memory) {
		*why = "the request head is too large";
		return 431;
	}
	if (hd.bad_name) {
		*why = "malformed header field name (white space before the "
		    "colon, or a folded line)";
		return 400;
	}
	if (hd.ncl > 1) {
		*why = "more than one Content-Length";
		return 400;
	}
	if (hd.nte > 1) {
		*why = "more than one Transfer-Encoding";
		return 400;
	}
	if (hd.nte == 1 && hd.ncl == 1) {
		*why = "both Content-Length and Transfer-Encoding";
		return 400;
	}
	if (hd.nte == 1 && strcmp(version, MHD_HTTP_VERSION_1_0) == 0) {
		*why = "Transfer-Encoding in an HTTP/1.0 request";
		return 400;
	}
	if (hd.nte == 1 && (hd.te == NULL ||
	    strcasecmp(hd.te, "chunked") != 0)) {
		*why = "the only transfer coding supported is chunked";
		return 501;
	}
	return 0;
}

static struct reqstate *
req_new(struct svc_httpd *h)
{
	struct reqstate *st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	st->h = h;
	st->id = atomic_fetch_add(&next_id, 1) + 1;
	clock_gettime(CLOCK_MONOTONIC, &st->t0);
	snprintf(st->method, sizeof(st->method), "-");
	return st;
}

/*
 * The request line has arrived (its target as sent, before libmicrohttpd
 * parses the query): the request's state starts here.
 */
static void *
uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct svc_httpd *h = cls;
	struct reqstate *st;
	const char *q, *p;
	size_t nargs;

	svc_conns_request(h->conns, c);
	if ((st = req_new(h)) == NULL)
		return NULL;
	svc_log_escape(uri, '?', "\\", st->path, sizeof(st->path));
	if (strlen(uri) > SVC_MAX_TARGET)
		st->early = 414;
	else
		st->target = strdup(uri);
	if ((q = strchr(uri, '?')) != NULL && q[1] != '\0') {
		for (nargs = 1, p = q + 1; *p != '\0'; p++)
			nargs += *p == '&';
		if (nargs > SVC_MAX_QUERY_ARGS) {
			st->early = 414;
			/*
			 * libmicrohttpd 0.9.75 parses the arguments into the
			 * connection's memory right after this callback, and
			 * when they exhaust it, it neither answers nor
			 * closes. uri lies in its (writable) read buffer:
			 * end the query there; the request is refused.
			 */
			((char *)(uintptr_t)q)[1] = '\0';
		}
	}
	return st;
}

/* The access handler's first call: the head is in. */
static enum MHD_Result
first_call(struct svc_httpd *h, struct MHD_Connection *c,
    struct reqstate *st, const char *url, const char *method,
    const char *version)
{
	const char *cl, *why = NULL;
	bool path_known = false;
	long long declared;
	unsigned code;
	size_t i;

	st->started = true;
	snprintf(st->method, sizeof(st->method), "%s", method);
	svc_log_escape(url, '\0', "\\", st->path, sizeof(st->path));
	if (st->early != 0)
		return refuse(c, st, st->early, "too many query arguments, or "
		    "too long a request target");
	if ((code = check_head(h, c, version, &why)) == 431)
		return refuse_raw(c, st, code, why);
	if (code != 0)
		return refuse(c, st, code, why);
	for (i = 0; i < h->nroutes; i++) {
		if (!route_match(h->routes[i].pattern, url, NULL))
			continue;
		path_known = true;
		st->route = &h->routes[i];
		if (strcmp(h->routes[i].method, method) == 0 ||
		    strcmp(h->routes[i].method, "*") == 0)
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
			return refuse(c, st, 400, "malformed Content-Length");
		if ((unsigned long long)declared > st->route->max_body)
			return send_problem(c, st, 413,
			    "the request body is larger than the limit");
	}
	return MHD_YES;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct svc_httpd *h = cls;
	struct reqstate *st = *con_cls;
	struct svc_req req;
	struct svc_resp resp;
	size_t i;

	if (st == NULL) {
		/* No state from the request line (out of memory then). */
		if ((st = req_new(h)) == NULL)
			return MHD_NO;
		*con_cls = st;
	}
	if (!st->started)
		return first_call(h, c, st, url, method, version);
	if (st->status != 0) {
		/* A reply was queued at the first call: drop the body. */
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		if (!st->over_cap &&
		    *upload_size > st->route->max_body - st->len) {
			/*
			 * Only a chunked body gets here (a declared length
			 * was checked at the first call). libmicrohttpd
			 * cannot reply before the body is in: drop the rest
			 * and answer 413 then.
			 */
			st->over_cap = true;
			body_free(st);
		}
		if (st->over_cap) {
			st->drained += *upload_size;
			*upload_size = 0;
			if (st->drained > DRAIN_MAX)
				return refuse_raw(c, st, 413, "the request "
				    "body is larger than the limit");
			return MHD_YES;
		}
		if (!body_append(st, upload, *upload_size))
			return MHD_NO;  /* out of memory */
		*upload_size = 0;
		return MHD_YES;
	}
	if (st->over_cap)
		return refuse(c, st, 413,
		    "the request body is larger than the limit");
	st->busy = true;
	if (!svc_conns_busy(h->conns, c))
		return MHD_NO;          /* dropped at the deadline */
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
	req.target = st->target != NULL ? st->target : url;
	req.conn_ = c;
	st->route->fn(h->arg, &req, &resp);
	return send_resp(c, st, &resp);
}

/*
 * The request's log line: never a body, a header, a query string (the
 * path is logged without it) or a secret; the handler's note and outcome
 * say what happened.
 */
static void
log_request(int level, const struct reqstate *st, double secs,
    const char *end)
{
	char id[24], status[8], bytes[24], ms[32];
	const char *route = st->route != NULL ? st->route->pattern : "";
	struct svc_log_field f[] = {
		{ "req", id, SVC_LOG_NUM },
		{ "method", st->method, SVC_LOG_BARE },
		{ "path", st->path, SVC_LOG_BARE },
		{ "status", status, SVC_LOG_NUM },
		{ "bytes", bytes, SVC_LOG_NUM },
		{ "ms", ms, SVC_LOG_NUM },
		{ "route", route, 0 },
		{ "outcome", st->outcome, 0 },
		{ "end", end[0] == ' ' ? end + 1 : end, SVC_LOG_BARE },
		{ "note", st->note, SVC_LOG_BARE },
	};

	if (level > svc_log_level())
		return;
	snprintf(id, sizeof(id), "%llu", (unsigned long long)st->id);
	snprintf(status, sizeof(status), "%u", st->status);
	snprintf(bytes, sizeof(bytes), "%zu", st->sent);
	snprintf(ms, sizeof(ms), "%.1f", secs * 1e3);
	svc_log_fields(level, NULL, f, sizeof(f) / sizeof(f[0]));
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode why)
{
	struct svc_httpd *h = cls;
	struct reqstate *st = *con_cls;
	enum svc_conn_drop dropped = svc_conns_idle(h->conns, c);
	const union MHD_ConnectionInfo *ci;
	struct timespec t1;
	struct svc_req_done d;
	const char *end = "";
	int level = SVC_LOG_INFO;
	double secs;

	if (st == NULL)
		return;
	if (st->status == 0 && (ci = MHD_get_connection_info(c,
	    MHD_CONNECTION_INFO_HTTP_STATUS)) != NULL) {
		/* Refused by libmicrohttpd as it parsed the request. */
		st->status = ci->http_status;
		st->raw = true;
		end = " (libmicrohttpd)";
	}
	if (why != MHD_REQUEST_TERMINATED_COMPLETED_OK && !st->raw) {
		if (dropped == SVC_DROP_DEADLINE) {
			end = " dropped: not received within the request "
			    "timeout";
		} else if (dropped == SVC_DROP_EVICTED) {
			end = " dropped: connection cap";
		} else {
			end = " aborted";
			level = SVC_LOG_WARN;
		}
	}
	if (st->status >= 500)
		level = SVC_LOG_WARN;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - st->t0.tv_sec) +
	    (double)(t1.tv_nsec - st->t0.tv_nsec) / 1e9;
	log_request(level, st, secs, end);
	if (h->done != NULL) {
		memset(&d, 0, sizeof(d));
		d.id = st->id;
		d.method = st->method;
		d.route = st->route != NULL ? st->route->pattern : NULL;
		d.status = st->status;
		d.seconds = secs;
		d.bytes = st->sent;
		d.outcome = st->outcome;
		d.note = st->note;
		h->done(h->done_arg, &d);
	}
	body_free(st);
	free(st->args);
	free(st->target);
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

bool
svc_tls_priorities_valid(const char *prio, char *err, size_t errsz)
{
	gnutls_priority_t p;
	const char *where = NULL;
	int r;

	if (!svc_httpd_tls_supported())
		return true;
	if ((r = gnutls_priority_init(&p, prio, &where)) != GNUTLS_E_SUCCESS) {
		if (where != NULL)
			snprintf(err, errsz, "not a valid GnuTLS priority "
			    "string at \"%.60s\"", where);
		else
			snprintf(err, errsz, "%s", gnutls_strerror(r));
		return false;
	}
	gnutls_priority_deinit(p);
	return true;
}

static unsigned
pool_size(const struct svc_httpd_conf *conf)
{
	return conf->threads > 0 ? conf->threads : 1;
}

static unsigned
cap_of(const struct svc_httpd_conf *conf)
{
	return conf->conn_limit > 0 ? conf->conn_limit : 1024;
}

/*
 * libmicrohttpd's own cap (split between the pool's threads): above
 * ours, so that it keeps accepting while the connections dropped to
 * make room close.
 */
static unsigned
mhd_cap(const struct svc_httpd_conf *conf)
{
	return cap_of(conf) + cap_of(conf) / 4 + 4 * pool_size(conf);
}

unsigned long
svc_httpd_fds(const struct svc_httpd_conf *conf)
{
	/* The connections, the listening socket, and per thread of the
	 * pool an epoll and a wake-up descriptor. */
	return (unsigned long)mhd_cap(conf) + 1 + 2UL * pool_size(conf) + 4;
}

int
svc_httpd_start(const struct svc_httpd_conf *conf, struct svc_httpd **out,
    char *err, size_t errsz)
{
	struct MHD_OptionItem opts[24];
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	const union MHD_DaemonInfo *info;
	struct svc_httpd *h = NULL;
	const char *prio = NULL;
	char why[160];
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
		prio = conf->tls_priorities != NULL ? conf->tls_priorities :
		    SVC_TLS_PRIORITIES;
		if (!svc_tls_priorities_valid(prio, why, sizeof(why))) {
			snprintf(err, errsz, "TLS priorities: %s", why);
			goto out;
		}
	}
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	h->routes = conf->routes;
	h->nroutes = conf->nroutes;
	h->arg = conf->arg;
	h->done = conf->done;
	h->done_arg = conf->done_arg;
	/* libmicrohttpd's default, when not given. */
	h->conn_memory = conf->conn_memory > 0 ? conf->conn_memory :
	    32 * 1024;
	if (svc_conns_new(cap_of(conf), conf->request_timeout_s,
	    &h->conns) != 0) {
		snprintf(err, errsz, "out of memory, or cannot start a thread");
		goto out;
	}
#define OPT(o, v, p) opts[n++] = (struct MHD_OptionItem){ (o), (v), (p) }
	OPT(MHD_OPTION_SOCK_ADDR, 0, &ss);
	OPT(MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)pool_size(conf), NULL);
	OPT(MHD_OPTION_CONNECTION_LIMIT, (intptr_t)mhd_cap(conf), NULL);
	OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)conf->conn_per_ip,
	    NULL);
	OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)h->conn_memory,
	    NULL);
	OPT(MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)conf->timeout_s, NULL);
	OPT(MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL);
	OPT(MHD_OPTION_LISTEN_BACKLOG_SIZE, 256, NULL);
	OPT(MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed, h);
	OPT(MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)svc_conns_notify,
	    h->conns);
	OPT(MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_log, h);
	if (conf->tls_cert_pem != NULL) {
		OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)(uintptr_t)
		    conf->tls_cert_pem);
		OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)(uintptr_t)
		    conf->tls_key_pem);
		OPT(MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)(uintptr_t)prio);
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
	svc_conns_free(&h->conns);
	free(h);
	*hp = NULL;
}
