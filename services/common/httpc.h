/*
 * HTTP client over libcurl for the tools and the remote-verifier client:
 * one reusable handle (keep-alive), a cap on the response body, connect
 * and total timeouts, http and https only, no redirects.
 */
#ifndef SVC_HTTPC_H
#define SVC_HTTPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct svc_httpc_opts {
	long connect_timeout_ms;        /* 0: 10 s */
	long timeout_ms;                /* 0: 60 s */
	size_t max_body;                /* 0: 1 MiB */
	const char *cafile;             /* extra trust root (PEM), or NULL */
	bool insecure;                  /* skip TLS verification (tests) */
};

#define SVC_HTTPC_LOCATION_MAX 2048
#define SVC_HTTPC_CTYPE_MAX    256
#define SVC_HTTPC_COOKIE_MAX   1024

struct svc_http_resp {
	long status;
	uint8_t *body;                  /* NUL appended (not counted) */
	size_t body_len;
	char location[SVC_HTTPC_LOCATION_MAX]; /* "" when absent */
	char content_type[SVC_HTTPC_CTYPE_MAX];
	char set_cookie[SVC_HTTPC_COOKIE_MAX]; /* the last Set-Cookie, or "" */
};

enum {
	SVC_HTTPC_OK = 0,
	SVC_HTTPC_ERR_TRANSPORT = -1,   /* connect, TLS, timeout, ... */
	SVC_HTTPC_ERR_TOO_LARGE = -2,   /* response body over the cap */
	SVC_HTTPC_ERR_INTERNAL = -3,
};

typedef struct svc_httpc svc_httpc;

/* Once per program, before any thread starts. */
int svc_httpc_global_init(void);
void svc_httpc_global_cleanup(void);

svc_httpc *svc_httpc_new(const struct svc_httpc_opts *opts);
void svc_httpc_free(svc_httpc **cp);

/*
 * One request. headers is NULL or a NULL-terminated list of
 * "Name: value" lines; body may be NULL when len is 0. *resp is filled
 * (release it with svc_http_resp_clear) on SVC_HTTPC_OK, whatever the
 * status; otherwise err says why.
 */
int svc_httpc_request(svc_httpc *c, const char *method, const char *url,
    const char *const *headers, const void *body, size_t len,
    struct svc_http_resp *resp, char *err, size_t errsz);
void svc_http_resp_clear(struct svc_http_resp *resp);

/* Resolve a (possibly relative) reference against a base URL into a
 * malloc'd absolute URL; NULL on failure. */
char *svc_url_resolve(const char *base, const char *ref);

#endif /* SVC_HTTPC_H */
