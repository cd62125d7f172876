/*
 * A small HTTP server layer over libmicrohttpd: an internal thread pool,
 * routing by method and path pattern, request bodies accumulated into a
 * buffer capped per route (a declared Content-Length over the cap is
 * refused with 413 before any byte of the body is read, a chunked body
 * with 413 once it passes the cap), RFC 9457 problem+json for every
 * error the layer itself produces, optional TLS (GnuTLS, through
 * libmicrohttpd; TLS 1.2 and 1.3 with forward-secret AEAD suites by
 * default), and one structured log line per request (svc_log_fields():
 * id, method, path, route, status, bytes, duration, outcome, note).
 *
 * Hostile clients (docs/http.md): a whole request head and body must
 * arrive within a deadline counted from its first byte; connections per
 * client address are capped; at the global cap the oldest idle or
 * incomplete connections make room for new ones (never one whose handler
 * runs). Heads that would exhaust a connection's memory get 414 or 431,
 * requests that could be read two ways (duplicate Content-Length,
 * Content-Length with Transfer-Encoding, white space before a colon)
 * 400, unknown transfer codings 501; all of these close the connection.
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

/* Requests with more query arguments, or longer targets, get 414. */
#define SVC_MAX_QUERY_ARGS  64
#define SVC_MAX_TARGET      8192

/*
 * The default TLS priorities: TLS 1.3 and 1.2 only, ECDHE key exchange
 * (forward secrecy), AEAD ciphers only, no SHA-1 signatures.
 */
#define SVC_TLS_PRIORITIES \
	"NONE:+VERS-TLS1.3:+VERS-TLS1.2:+ECDHE-ECDSA:+ECDHE-RSA:" \
	"+AES-256-GCM:+CHACHA20-POLY1305:+AES-128-GCM:+AEAD:" \
	"+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:+GROUP-SECP521R1:" \
	"+SIGN-ALL:-SIGN-RSA-SHA1:-SIGN-ECDSA-SHA1:-SIGN-DSA-SHA1:" \
	"+COMP-NULL:+CTYPE-X509:%SERVER_PRECEDENCE"

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
	const char *target;             /* the request target as sent (path
					   and query, not decoded) */
	void *conn_;                    /* private */
};

/* A reply under construction; the layer sends and releases it. */
struct svc_resp {
	unsigned status;
	char *body;                     /* malloc'd, owned by the layer
					   (wiped before it is freed) */
	size_t body_len;
	const char *content_type;       /* static string */
	size_t nheaders;
	char *hname[SVC_RESP_MAX_HEADERS];
	char *hvalue[SVC_RESP_MAX_HEADERS];
	char note[160];                 /* appended to the request log line */
	char outcome[48];               /* the attestation outcome, if any,
					   for the log line and the metrics */
};

typedef void svc_handler_fn(void *arg, const struct svc_req *req,
    struct svc_resp *resp);

/*
 * A request as it ended, for svc_httpd_conf.done: route is the pattern
 * of the route it matched (NULL: none did); outcome and note are the
 * handler's (empty when none).
 */
struct svc_req_done {
	uint64_t id;
	const char *method;
	const char *route;
	unsigned status;                /* 0: no reply was sent */
	double seconds;                 /* from the request line to the end */
	size_t bytes;                   /* reply body */
	const char *outcome;
	const char *note;
};

/*
 * A route: method, path pattern, body cap, handler. In the pattern "{}"
 * stands for one non-empty path segment (no '/'), captured in req->arg;
 * "{*}" at the end of a pattern stands for the rest of the path, empty or
 * not, slashes included (captured too); everything else matches
 * literally. Method "*" matches any method.
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
	unsigned conn_limit;            /* concurrent connections (the
					   oldest idle or incomplete ones
					   make room beyond it) */
	unsigned conn_per_ip;           /* per client address; 0: no cap */
	unsigned request_timeout_s;     /* a request's head and body, from
					   its first byte; 0: no deadline */
	size_t conn_memory;             /* per-connection header memory */
	unsigned timeout_s;             /* idle connection timeout */
	const char *tls_cert_pem;       /* both set: HTTPS */
	const char *tls_key_pem;
	const char *tls_priorities;     /* GnuTLS priority string; NULL:
					   SVC_TLS_PRIORITIES */
	const struct svc_route *routes;
	size_t nroutes;
	void *arg;                      /* passed to every handler */
	/* Called when each request ends, after its log line (on a pool
	 * thread; may be NULL). */
	void (*done)(void *done_arg, const struct svc_req_done *d);
	void *done_arg;
};

struct svc_httpd;

/*
 * Whether a GnuTLS priority string is valid; if not, err says where it
 * goes wrong. Always true without TLS support.
 */
bool svc_tls_priorities_valid(const char *prio, char *err, size_t errsz);

/*
 * The file descriptors the server needs for conf (its connections at
 * most, the listening socket, the pool's polling and wake-up ones).
 */
unsigned long svc_httpd_fds(const struct svc_httpd_conf *conf);

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
/* A cookie of the request (decoded by libmicrohttpd), or NULL. */
const char *svc_req_cookie(const struct svc_req *req, const char *name);
/*
 * Whether the request comes from a loopback address: 127.0.0.0/8, ::1,
 * or 127.0.0.0/8 mapped into IPv6 (::ffff:127.x.y.z). False when the
 * address is unknown.
 */
bool svc_req_from_loopback(const struct svc_req *req);
/*
 * Every query-string argument in order (decoded; value "" for a key
 * without '='): fn's nonzero return stops the walk and is returned.
 */
int svc_req_query_each(const struct svc_req *req,
    int (*fn)(void *arg, const char *key, const char *value), void *arg);

/* --- replies --- */

/* Body from a JSON value (compact); consumes j even on failure. */
int svc_resp_json(struct svc_resp *r, unsigned status, json_t *j);
/*
 * An RFC 9457 problem: {"type","title","status","detail"} as
 * application/problem+json. type NULL means "about:blank", whose title
 * is the status phrase (RFC 9457 §4.2.1). Text that is not UTF-8 (from
 * a request, say) is repaired with svc_utf8_sanitize().
 */
int svc_resp_problem(struct svc_resp *r, unsigned status, const char *type,
    const char *title, const char *fmt, ...) SVC_PRINTF(5, 6);
/* Add a header (copied); at most SVC_RESP_MAX_HEADERS. */
int svc_resp_header(struct svc_resp *r, const char *name, const char *value);
/*
 * Copy s into out (size outsz >= 4) as valid UTF-8: every ill-formed
 * sequence (its maximal subpart, as Unicode recommends) becomes U+FFFD;
 * truncated at a character boundary. Returns out.
 */
char *svc_utf8_sanitize(const char *s, char *out, size_t outsz);

/* Text for the request log line (replaces the previous one). */
void svc_resp_note(struct svc_resp *r, const char *fmt, ...) SVC_PRINTF(2, 3);
/* The attestation outcome for the request log line ("affirming"). */
void svc_resp_outcome(struct svc_resp *r, const char *fmt, ...)
    SVC_PRINTF(2, 3);

/* The reason phrase of a status code ("Not Found"). */
const char *svc_http_reason(unsigned status);

#endif /* SVC_HTTPD_H */
