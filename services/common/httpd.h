/*
 * A small HTTP server layer over libmicrohttpd: an internal thread pool,
 * routing by method and path pattern, request bodies accumulated into a
 * buffer capped per route (a declared Content-Length over the cap is
 * refused with 413 before any byte of the body is read), RFC 9457
 * problem+json for every error the layer itself produces, optional TLS
 * (GnuTLS, through libmicrohttpd), and one structured log line per
 * request.
 *
 * Handlers run on the pool's threads and may block (verification is CPU
 * bound); they fill a struct svc_resp and return.
 */
#ifndef SVC_HTTPD_H
#define SVC_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "log.h"

#define SVC_ROUTE_MAX_ARGS  4
#define SVC_RESP_MAX_HEADERS 4
#define SVC_PROBLEM_JSON    "application/problem+json"

/* A request as a handler sees it; everything is borrowed for the call. */
struct svc_req {
	uint64_t id;                    /* request number, for logs */
	const char *method;
	const char *path;               /* without the query string */
	const char *arg[SVC_ROUTE_MAX_ARGS]; /* the {} segments, in order */
	size_t narg;
	const uint8_t *body;            /* NUL appended (not counted) */
	size_t body_len;
	const char *content_type;       /* NULL when absent */
	void *conn_;                    /* private */
};

/* A reply under construction; the layer sends and releases it. */
struct svc_resp {
	unsigned status;
	char *body;                     /* malloc'd, owned by the layer */
	size_t body_len;
	const char *content_type;       /* static string */
	size_t nheaders;
	char *hname[SVC_RESP_MAX_HEADERS];
	char *hvalue[SVC_RESP_MAX_HEADERS];
	char note[160];                 /* appended to the request log line */
};

typedef void svc_handler_fn(void *arg, const struct svc_req *req,
    struct svc_resp *resp);

/*
 * A route: method, path pattern, body cap, handler. In the pattern "{}"
 * stands for one non-empty path segment (no '/'), captured in req->arg;
 * everything else matches literally.
 */
struct svc_route {
	const char *method;
	const char *pattern;
	size_t max_body;
	svc_handler_fn *fn;
};

struct svc_httpd_conf {
	const char *addr;               /* IPv4 or IPv6 literal */
	uint16_t port;                  /* 0: any free port */
	unsigned threads;               /* pool size, >= 1 */
	unsigned conn_limit;            /* concurrent connections */
	size_t conn_memory;             /* per-connection header memory */
	unsigned timeout_s;             /* idle connection timeout */
	const char *tls_cert_pem;       /* both set: HTTPS */
	const char *tls_key_pem;
	const struct svc_route *routes;
	size_t nroutes;
	void *arg;                      /* passed to every handler */
};

struct svc_httpd;

/* Start listening; *out gets the server. err receives a reason. */
int svc_httpd_start(const struct svc_httpd_conf *conf, struct svc_httpd **out,
    char *err, size_t errsz);
/* The port actually bound (useful with port 0). */
uint16_t svc_httpd_port(const struct svc_httpd *h);
/* Stop, wait for the handlers in flight, free; accepts NULL. */
void svc_httpd_stop(struct svc_httpd **hp);
/* Whether this libmicrohttpd can serve HTTPS. */
bool svc_httpd_tls_supported(void);

/* A query-string argument of the request (decoded), or NULL. */
const char *svc_req_query(const struct svc_req *req, const char *name);
/* A request header, or NULL. */
const char *svc_req_header(const struct svc_req *req, const char *name);

/* --- replies --- */

/* Body from a JSON value (compact); consumes j even on failure. */
int svc_resp_json(struct svc_resp *r, unsigned status, json_t *j);
/*
 * An RFC 9457 problem: {"type","title","status","detail"} as
 * application/problem+json. type NULL means "about:blank", whose title
 * is the status phrase (RFC 9457 §4.2.1).
 */
int svc_resp_problem(struct svc_resp *r, unsigned status, const char *type,
    const char *title, const char *fmt, ...) SVC_PRINTF(5, 6);
/* Add a header (copied); at most SVC_RESP_MAX_HEADERS. */
int svc_resp_header(struct svc_resp *r, const char *name, const char *value);
/* Text for the request log line (replaces the previous one). */
void svc_resp_note(struct svc_resp *r, const char *fmt, ...) SVC_PRINTF(2, 3);

/* The reason phrase of a status code ("Not Found"). */
const char *svc_http_reason(unsigned status);

#endif /* SVC_HTTPD_H */
