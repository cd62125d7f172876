/* The Veraison client (see veraison.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ccakit/bytes.h>
#include <ccakit/cose.h>
#include <ccakit/ear.h>
#include <ccakit/err.h>
#include <ccakit/token.h>

#include "veraison.h"

#define DISCOVERY_MAX   (64 * 1024)
#define REPLY_MAX       (CCAKIT_EAR_MAX_JSON * 2 + 2 * CCAKIT_TOKEN_MAX_SIZE)

struct svc_veraison {
	char *base;                     /* no trailing '/' */
	int64_t max_age;
	svc_httpc *hc;
	ccakit_key *key;                /* after discovery */
	char *session_path;
};

static const char *const accept_discovery[] = {
	"Accept: " SVC_V_MT_DISCOVERY, NULL };
static const char *const accept_session[] = {
	"Accept: " SVC_V_MT_SESSION, NULL };

svc_veraison *
svc_veraison_new(const struct svc_veraison_opts *o)
{
	struct svc_httpc_opts ho;
	svc_veraison *v;
	size_t n;

	if (o == NULL || o->base_url == NULL ||
	    (v = calloc(1, sizeof(*v))) == NULL)
		return NULL;
	memset(&ho, 0, sizeof(ho));
	ho.cafile = o->cafile;
	ho.timeout_ms = o->timeout_ms;
	ho.max_body = REPLY_MAX;
	v->max_age = o->max_age > 0 ? o->max_age : SVC_VERAISON_MAX_AGE;
	if ((v->base = strdup(o->base_url)) == NULL ||
	    (v->hc = svc_httpc_new(&ho)) == NULL) {
		svc_veraison_free(&v);
		return NULL;
	}
	while ((n = strlen(v->base)) > 1 && v->base[n - 1] == '/')
		v->base[n - 1] = '\0';
	return v;
}

void
svc_veraison_free(svc_veraison **vp)
{
	svc_veraison *v;

	if (vp == NULL || (v = *vp) == NULL)
		return;
	svc_httpc_free(&v->hc);
	ccakit_key_free(&v->key);
	free(v->session_path);
	free(v->base);
	free(v);
	*vp = NULL;
}

const ccakit_key *
svc_veraison_key(const svc_veraison *v)
{
	return v != NULL ? v->key : NULL;
}

void
svc_veraison_session_clear(struct svc_veraison_session *s)
{
	if (s == NULL)
		return;
	free(s->url);
	s->url = NULL;
	svc_v_session_clear(&s->doc);
}

static json_t *
load_object(const uint8_t *body, size_t len, const char *what, char *err,
    size_t errsz)
{
	json_error_t je;
	json_t *j;

	j = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL) {
		snprintf(err, errsz, "%s is not JSON: %s", what, je.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		snprintf(err, errsz, "%s is not a JSON object", what);
		json_decref(j);
		return NULL;
	}
	return j;
}

int
svc_veraison_parse_discovery(const uint8_t *body, size_t len, char **jwk,
    char **session_path, char *err, size_t errsz)
{
	static const char *const states[] = { "UNSPECIFIED", "DOWN",
	    "INITIALIZING", "READY", "TERMINATING", "UNKNOWN" };
	json_t *j, *key, *eps, *sp, *st;
	char *k = NULL, *p = NULL;
	size_t i;
	int r = -1;

	*jwk = NULL;
	*session_path = NULL;
	if ((j = load_object(body, len, "discovery document", err,
	    errsz)) == NULL)
		return -1;
	key = json_object_get(j, "ear-verification-key");
	eps = json_object_get(j, "api-endpoints");
	sp = json_object_get(eps, "newChallengeResponseSession");
	st = json_object_get(j, "service-state");
	if (!json_is_object(key) || !json_is_string(sp) ||
	    !json_is_string(st)) {
		snprintf(err, errsz, "discovery document lacks "
		    "ear-verification-key, service-state or "
		    "api-endpoints.newChallengeResponseSession");
		goto out;
	}
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(json_string_value(st), states[i]) == 0)
			break;
	if (i == sizeof(states) / sizeof(states[0])) {
		snprintf(err, errsz, "unknown service-state");
		goto out;
	}
	if (strcmp(json_string_value(st), "READY") != 0) {
		snprintf(err, errsz, "the verifier is %.20s, not READY",
		    json_string_value(st));
		goto out;
	}
	if (json_string_value(sp)[0] != '/') {
		snprintf(err, errsz, "newChallengeResponseSession is not an "
		    "absolute path");
		goto out;
	}
	if ((k = json_dumps(key, JSON_COMPACT)) == NULL ||
	    (p = strdup(json_string_value(sp))) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	*jwk = k;
	*session_path = p;
	k = p = NULL;
	r = 0;
out:
	free(k);
	free(p);
	json_decref(j);
	return r;
}

int
svc_veraison_parse_session(const uint8_t *body, size_t len, bool complete,
    struct svc_v_session *s, char *err, size_t errsz)
{
	struct ccakit_errdetail d;
	int r;

	memset(&d, 0, sizeof(d));
	memset(s, 0, sizeof(*s));
	if ((r = svc_v_session_from_json((const char *)body, len, s, &d)) !=
	    CCAKIT_OK) {
		snprintf(err, errsz, "session: %s%s%s", d.what != NULL ?
		    d.what : "", d.what != NULL ? ": " : "", d.text[0] != '\0' ?
		    d.text : ccakit_strerror(r));
		return -1;
	}
	if (!complete)
		return 0;
	if (s->status != SVC_V_COMPLETE)
		snprintf(err, errsz, "the session is %s, not complete",
		    svc_v_status_name(s->status));
	else if (s->result == NULL)
		snprintf(err, errsz, "the session has no result");
	else
		return 0;
	svc_v_session_clear(s);
	return -1;
}

/* ": <detail or title>" of a problem+json body, for messages. */
static const char *
problem_text(const struct svc_http_resp *resp, char *out, size_t outsz)
{
	json_t *j, *t;

	out[0] = '\0';
	j = json_loadb((const char *)resp->body, resp->body_len, 0, NULL);
	if ((t = json_object_get(j, "detail")) == NULL)
		t = json_object_get(j, "title");
	if (json_is_string(t))
		snprintf(out, outsz, ": %.200s", json_string_value(t));
	json_decref(j);
	return out;
}

/* One request; "<step>: <transport error>" on failure. */
static int
request(svc_veraison *v, const char *step, const char *method,
    const char *url, const char *const *hdr, const void *body, size_t len,
    struct svc_http_resp *resp, char *err, size_t errsz)
{
	char e[256];

	memset(resp, 0, sizeof(*resp));
	if (svc_httpc_request(v->hc, method, url, hdr, body, len, resp, e,
	    sizeof(e)) == SVC_HTTPC_OK)
		return 0;
	snprintf(err, errsz, "%s: %s", step, e);
	return -1;
}

int
svc_veraison_discover(svc_veraison *v, char *err, size_t errsz)
{
	struct svc_http_resp resp;
	char *url = NULL, *jwk = NULL, *path = NULL, pt[220], e[256];
	size_t n;
	int r = -1;

	if (v->key != NULL)
		return 0;
	n = strlen(v->base) + sizeof(SVC_VERAISON_DISCOVERY_PATH);
	if ((url = malloc(n)) == NULL) {
		snprintf(err, errsz, "discovery: out of memory");
		return -1;
	}
	snprintf(url, n, "%s%s", v->base, SVC_VERAISON_DISCOVERY_PATH);
	if (request(v, "discovery", "GET", url, accept_discovery, NULL, 0,
	    &resp, err, errsz) != 0)
		goto out;
	if (resp.status != 200) {
		snprintf(err, errsz, "discovery: HTTP %ld%s", resp.status,
		    problem_text(&resp, pt, sizeof(pt)));
		goto out;
	}
	if (resp.body_len > DISCOVERY_MAX) {
		snprintf(err, errsz, "discovery: the document is over %d "
		    "bytes", DISCOVERY_MAX);
		goto out;
	}
	if (svc_veraison_parse_discovery(resp.body, resp.body_len, &jwk,
	    &path, e, sizeof(e)) != 0) {
		snprintf(err, errsz, "discovery: %s", e);
		goto out;
	}
	if ((v->key = ccakit_key_new()) == NULL ||
	    ccakit_key_from_jwk(v->key, jwk, strlen(jwk)) != CCAKIT_OK) {
		ccakit_key_free(&v->key);
		snprintf(err, errsz, "discovery: the EAR verification key is "
		    "not an EC JWK");
		goto out;
	}
	v->session_path = path;
	path = NULL;
	r = 0;
out:
	svc_http_resp_clear(&resp);
	free(url);
	free(jwk);
	free(path);
	return r;
}

/* base + path + "?nonce=" + padded base64url of the nonce, '=' as %3D,
 * or "?nonceSize=N". */
static char *
session_url(const char *base, const char *path, const uint8_t *nonce,
    size_t len, size_t size)
{
	char b64[100], *url, *w;
	size_t n, i;

	if (nonce == NULL) {
		n = strlen(base) + strlen(path) + sizeof("?nonceSize=") + 24;
		if ((url = malloc(n)) != NULL)
			snprintf(url, n, "%s%s?nonceSize=%zu", base, path, size);
		return url;
	}
	if (ccakit_b64_encode(nonce, len, CCAKIT_B64_URL, b64, sizeof(b64)) !=
	    CCAKIT_OK)
		return NULL;
	n = strlen(base) + strlen(path) + sizeof("?nonce=") + 3 * strlen(b64) +
	    3 * 2;
	if ((url = malloc(n)) == NULL)
		return NULL;
	w = url + snprintf(url, n, "%s%s?nonce=%s", base, path, b64);
	for (i = strlen(b64); i % 4 != 0; i++) {
		memcpy(w, "%3D", 4);
		w += 3;
	}
	return url;
}

int
svc_veraison_session_new(svc_veraison *v, const uint8_t *nonce,
    size_t nonce_len, size_t nonce_size, struct svc_veraison_session *s,
    char *err, size_t errsz)
{
	struct svc_veraison_session t;
	struct svc_http_resp resp;
	char *url = NULL, pt[220], e[256];
	int r = -1;

	memset(&t, 0, sizeof(t));
	memset(&resp, 0, sizeof(resp));
	if (svc_veraison_discover(v, err, errsz) != 0)
		return -1;
	if ((url = session_url(v->base, v->session_path, nonce, nonce_len,
	    nonce_size)) == NULL) {
		snprintf(err, errsz, "newSession: cannot build the URL");
		goto out;
	}
	if (request(v, "newSession", "POST", url, accept_session, NULL, 0,
	    &resp, err, errsz) != 0)
		goto out;
	if (resp.status != 201 || resp.location[0] == '\0') {
		snprintf(err, errsz, "newSession: HTTP %ld%s%s", resp.status,
		    resp.location[0] == '\0' && resp.status == 201 ?
		    " without Location" : "",
		    problem_text(&resp, pt, sizeof(pt)));
		goto out;
	}
	if (svc_veraison_parse_session(resp.body, resp.body_len, false,
	    &t.doc, e, sizeof(e)) != 0) {
		snprintf(err, errsz, "newSession: %s", e);
		goto out;
	}
	if (t.doc.status != SVC_V_WAITING || (nonce == NULL &&
	    t.doc.nonce_len != nonce_size)) {
		snprintf(err, errsz, "newSession: the session is %s with a "
		    "%zu-byte nonce", svc_v_status_name(t.doc.status),
		    t.doc.nonce_len);
		goto out;
	}
	if ((t.url = svc_url_resolve(url, resp.location)) == NULL) {
		snprintf(err, errsz, "newSession: bad Location");
		goto out;
	}
	*s = t;
	memset(&t, 0, sizeof(t));
	r = 0;
out:
	svc_http_resp_clear(&resp);
	svc_veraison_session_clear(&t);
	free(url);
	return r;
}

int
svc_veraison_submit(svc_veraison *v, struct svc_veraison_session *s,
    const char *media_type, const uint8_t *ev, size_t len, long *status,
    char *err, size_t errsz)
{
	struct svc_http_resp resp;
	struct svc_v_session doc;
	const char *hdr[3];
	char ctline[300], pt[220], e[256];
	int r = -1;

	if (status != NULL)
		*status = 0;
	if (strlen(media_type) > sizeof(ctline) - sizeof("Content-Type: ")) {
		snprintf(err, errsz, "evidence: media type too long");
		return -1;
	}
	snprintf(ctline, sizeof(ctline), "Content-Type: %s", media_type);
	hdr[0] = accept_session[0];
	hdr[1] = ctline;
	hdr[2] = NULL;
	if (request(v, "evidence", "POST", s->url, hdr, ev, len, &resp, err,
	    errsz) != 0)
		return -1;
	if (status != NULL)
		*status = resp.status;
	if (resp.status != 200) {
		snprintf(err, errsz, "evidence: HTTP %ld%s", resp.status,
		    problem_text(&resp, pt, sizeof(pt)));
		goto out;
	}
	if (svc_veraison_parse_session(resp.body, resp.body_len, true, &doc,
	    e, sizeof(e)) != 0) {
		snprintf(err, errsz, "evidence: %s", e);
		goto out;
	}
	svc_v_session_clear(&s->doc);
	s->doc = doc;
	r = 0;
out:
	svc_http_resp_clear(&resp);
	return r;
}

int
svc_veraison_check_ear(svc_veraison *v, const char *jwt,
    const uint8_t *nonce, size_t nonce_len, ccakit_ear **out, char *err,
    size_t errsz)
{
	struct ccakit_ear_verify_opts vo;
	struct ccakit_errdetail d;
	ccakit_ear *ear = NULL;
	int e;

	*out = NULL;
	if (svc_veraison_discover(v, err, errsz) != 0)
		return -1;
	memset(&vo, 0, sizeof(vo));
	memset(&d, 0, sizeof(d));
	if ((vo.alg = ccakit_key_pinned_alg(v->key)) == 0)
		vo.alg = ccakit_key_default_alg(v->key);
	vo.leeway = SVC_VERAISON_LEEWAY;
	vo.max_age = v->max_age;
	vo.nonce = nonce;
	vo.nonce_len = nonce_len;
	if ((ear = ccakit_ear_new()) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	if ((e = ccakit_ear_verify_jwt(ear, jwt, strlen(jwt), v->key, &vo,
	    &d)) != CCAKIT_OK) {
		snprintf(err, errsz, "the EAR does not verify: %s%s%s",
		    ccakit_strerror(e), d.text[0] != '\0' ? ": " : "", d.text);
		ccakit_ear_free(&ear);
		return -1;
	}
	*out = ear;
	return 0;
}

int
svc_veraison_appraise(const struct svc_veraison_opts *o,
    const uint8_t *nonce, size_t nonce_len, const char *media_type,
    const uint8_t *ev, size_t evlen, ccakit_ear **out, char *err,
    size_t errsz)
{
	struct svc_veraison_session s;
	svc_veraison *v;
	int r = -1;

	*out = NULL;
	memset(&s, 0, sizeof(s));
	if ((v = svc_veraison_new(o)) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	if (svc_veraison_session_new(v, nonce, nonce_len, 0, &s, err,
	    errsz) == 0 && svc_veraison_submit(v, &s, media_type, ev, evlen,
	    NULL, err, errsz) == 0 && svc_veraison_check_ear(v,
	    s.doc.result, nonce, nonce_len, out, err, errsz) == 0)
		r = 0;
	svc_veraison_session_clear(&s);
	svc_veraison_free(&v);
	return r;
}
