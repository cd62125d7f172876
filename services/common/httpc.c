/* HTTP client over libcurl (see httpc.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "httpc.h"
#include "util/util.h"

struct svc_httpc {
	CURL *curl;
	struct svc_httpc_opts opts;
};

/* The response being received. */
struct sink {
	struct svc_http_resp *resp;
	size_t cap, max;
	bool too_large;
};

int
svc_httpc_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void
svc_httpc_global_cleanup(void)
{
	curl_global_cleanup();
}

svc_httpc *
svc_httpc_new(const struct svc_httpc_opts *opts)
{
	svc_httpc *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (opts != NULL)
		c->opts = *opts;
	if (c->opts.connect_timeout_ms <= 0)
		c->opts.connect_timeout_ms = 10000;
	if (c->opts.timeout_ms <= 0)
		c->opts.timeout_ms = 60000;
	if (c->opts.max_body == 0)
		c->opts.max_body = 1024 * 1024;
	if ((c->curl = curl_easy_init()) == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

void
svc_httpc_free(svc_httpc **cp)
{
	svc_httpc *c;

	if (cp == NULL || (c = *cp) == NULL)
		return;
	curl_easy_cleanup(c->curl);
	free(c);
	*cp = NULL;
}

void
svc_http_resp_clear(struct svc_http_resp *resp)
{
	if (resp->body != NULL) {
		/* Bodies may hold wrapped secrets or tokens. */
		OPENSSL_cleanse(resp->body, resp->body_len);
		free(resp->body);
	}
	memset(resp, 0, sizeof(*resp));
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	struct svc_http_resp *r = s->resp;
	size_t n = size * nmemb, ncap;
	uint8_t *nb;

	if (n > s->max || r->body_len > s->max - n) {
		s->too_large = true;
		return 0;               /* makes curl fail the transfer */
	}
	if (r->body_len + n + 1 > s->cap) {
		ncap = s->cap == 0 ? 4096 : s->cap;
		while (ncap < r->body_len + n + 1)
			ncap *= 2;
		/* Bodies may hold wrapped secrets: no copy left behind. */
		if ((nb = cki_realloc_wiped(r->body, r->body_len, ncap)) ==
		    NULL)
			return 0;
		r->body = nb;
		s->cap = ncap;
	}
	memcpy(r->body + r->body_len, data, n);
	r->body_len += n;
	r->body[r->body_len] = '\0';
	return n;
}

/* Copy a header value, trimmed, when the line is "name: value". */
static void
header_value(const char *line, size_t n, const char *name, char *out,
    size_t outsz)
{
	size_t nl = strlen(name), i, j;

	if (n <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return;
	for (i = nl + 1; i < n && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	for (j = n; j > i && (line[j - 1] == '\r' || line[j - 1] == '\n' ||
	    line[j - 1] == ' ' || line[j - 1] == '\t'); j--)
		;
	if (j - i >= outsz)
		return;                 /* too long: treated as absent */
	memcpy(out, line + i, j - i);
	out[j - i] = '\0';
}

static size_t
on_header(char *line, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;

	/* A new status line (after 100 Continue) starts a new header set. */
	if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		s->resp->location[0] = '\0';
		s->resp->content_type[0] = '\0';
		s->resp->set_cookie[0] = '\0';
	}
	header_value(line, n, "Location", s->resp->location,
	    sizeof(s->resp->location));
	header_value(line, n, "Content-Type", s->resp->content_type,
	    sizeof(s->resp->content_type));
	header_value(line, n, "Set-Cookie", s->resp->set_cookie,
	    sizeof(s->resp->set_cookie));
	return n;
}

int
svc_httpc_request(svc_httpc *c, const char *method, const char *url,
    const char *const *headers, const void *body, size_t len,
    struct svc_http_resp *resp, char *err, size_t errsz)
{
	char curlerr[CURL_ERROR_SIZE];
	struct curl_slist *hl = NULL, *t;
	struct sink s;
	CURL *h = c->curl;
	CURLcode cc;
	size_t i;
	int r = SVC_HTTPC_ERR_INTERNAL;

	memset(resp, 0, sizeof(*resp));
	memset(&s, 0, sizeof(s));
	s.resp = resp;
	s.max = c->opts.max_body;
	curlerr[0] = '\0';
	for (i = 0; headers != NULL && headers[i] != NULL; i++) {
		if ((t = curl_slist_append(hl, headers[i])) == NULL) {
			snprintf(err, errsz, "out of memory");
			goto out;
		}
		hl = t;
	}
	/* No "Expect: 100-continue" round trip for small bodies. */
	if ((t = curl_slist_append(hl, "Expect:")) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	hl = t;
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	    c->opts.connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->opts.timeout_ms);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curlerr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &s);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "ccakit/" "0");
	if (c->opts.cafile != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->opts.cafile);
	if (c->opts.insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
		if (strcmp(method, "POST") == 0 || body != NULL) {
			curl_easy_setopt(h, CURLOPT_POSTFIELDS,
			    body != NULL ? body : "");
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)len);
		}
	}
	cc = curl_easy_perform(h);
	if (cc != CURLE_OK) {
		if (s.too_large) {
			snprintf(err, errsz, "%s: response larger than %zu "
			    "bytes", url, s.max);
			r = SVC_HTTPC_ERR_TOO_LARGE;
		} else {
			snprintf(err, errsz, "%s: %s", url, curlerr[0] != '\0' ?
			    curlerr : curl_easy_strerror(cc));
			r = SVC_HTTPC_ERR_TRANSPORT;
		}
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	if (resp->body == NULL && (resp->body = calloc(1, 1)) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	r = SVC_HTTPC_OK;
out:
	/* The handle must not keep pointers into this call's frame. */
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(hl);
	if (r != SVC_HTTPC_OK)
		svc_http_resp_clear(resp);
	return r;
}

char *
svc_url_resolve(const char *base, const char *ref)
{
	CURLU *u;
	char *s = NULL, *out = NULL;

	if ((u = curl_url()) == NULL)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, ref, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
		out = strdup(s);
	curl_free(s);
	curl_url_cleanup(u);
	return out;
}
