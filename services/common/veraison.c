/* Client of a Veraison-compatible verification service (see veraison.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ccakit/bytes.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/token.h>
#include <ccakit/ear.h>
#include <ccakit/jose.h>

#include "veraison.h"

#define DISCOVERY_MAX   (64 * 1024)
#define SESSION_MAX     (CCAKIT_EAR_MAX_JSON * 2 + 2 * CCAKIT_TOKEN_MAX_SIZE)

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
svc_veraison_parse_session(const uint8_t *body, size_t len, char **result,
    char *err, size_t errsz)
{
	json_t *j, *st, *res;
	int r = -1;

	*result = NULL;
	if ((j = load_object(body, len, "session", err, errsz)) == NULL)
		return -1;
	st = json_object_get(j, "status");
	res = json_object_get(j, "result");
	if (!json_is_string(st)) {
		snprintf(err, errsz, "session has no status");
	} else if (strcmp(json_string_value(st), "complete") != 0) {
		snprintf(err, errsz, "session status is %.20s, not complete",
		    json_string_value(st));
	} else if (!json_is_string(res)) {
		snprintf(err, errsz, "session has no result");
	} else if ((*result = strdup(json_string_value(res))) == NULL) {
		snprintf(err, errsz, "out of memory");
	} else {
		r = 0;
	}
	json_decref(j);
	return r;
}

/* The "detail" (or "title") of a problem+json body, for messages. */
static void
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
}

/* base + path + "?nonce=" + padded base64url of the nonce, '=' as %3D. */
static char *
session_url(const char *base, const char *path, const uint8_t *nonce,
    size_t len)
{
	char b64[100], *url, *w;
	size_t n, i;

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
svc_veraison_appraise(const struct svc_veraison_opts *o,
    const uint8_t *nonce, size_t nonce_len, const char *media_type,
    const uint8_t *ev, size_t evlen, ccakit_ear **out, char *err,
    size_t errsz)
{
	static const char *const disc_hdr[] = {
	    "Accept: " SVC_VERAISON_DISCOVERY_MT, NULL };
	static const char *const sess_hdr[] = {
	    "Accept: " SVC_VERAISON_SESSION_MT, NULL };
	struct svc_httpc_opts ho;
	struct svc_http_resp resp;
	struct ccakit_ear_verify_opts vo;
	struct ccakit_errdetail d;
	const char *ev_hdr[3];
	svc_httpc *hc = NULL;
	ccakit_key *key = NULL;
	ccakit_ear *ear = NULL;
	char *url = NULL, *jwk = NULL, *path = NULL, *sess = NULL;
	char *jwt = NULL, ctline[300], pt[220];
	size_t n;
	int r = -1, e;

	*out = NULL;
	memset(&resp, 0, sizeof(resp));
	memset(&d, 0, sizeof(d));
	memset(&ho, 0, sizeof(ho));
	ho.cafile = o->cafile;
	ho.timeout_ms = o->timeout_ms;
	ho.max_body = SESSION_MAX;
	if ((hc = svc_httpc_new(&ho)) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	/* 1. Discovery: the EAR key and the session endpoint. */
	n = strlen(o->base_url) + sizeof(SVC_VERAISON_DISCOVERY_PATH);
	if ((url = malloc(n)) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	snprintf(url, n, "%s%s", o->base_url, SVC_VERAISON_DISCOVERY_PATH);
	if (svc_httpc_request(hc, "GET", url, disc_hdr, NULL, 0, &resp, err,
	    errsz) != SVC_HTTPC_OK)
		goto out;
	if (resp.status != 200) {
		problem_text(&resp, pt, sizeof(pt));
		snprintf(err, errsz, "verifier discovery: HTTP %ld%s",
		    resp.status, pt);
		goto out;
	}
	if (resp.body_len > DISCOVERY_MAX ||
	    svc_veraison_parse_discovery(resp.body, resp.body_len, &jwk,
	    &path, err, errsz) != 0)
		goto out;
	svc_http_resp_clear(&resp);
	if ((key = ccakit_key_new()) == NULL ||
	    (e = ccakit_key_from_jwk(key, jwk, strlen(jwk))) != CCAKIT_OK) {
		snprintf(err, errsz, "verifier discovery: bad EAR key");
		goto out;
	}
	/* 2. A session with our nonce: padded base64url, which every
	 * Veraison version accepts, its '=' percent-encoded. */
	free(url);
	if ((url = session_url(o->base_url, path, nonce, nonce_len)) == NULL) {
		snprintf(err, errsz, "cannot build the session URL");
		goto out;
	}
	if (svc_httpc_request(hc, "POST", url, sess_hdr, NULL, 0, &resp, err,
	    errsz) != SVC_HTTPC_OK)
		goto out;
	if (resp.status != 201 || resp.location[0] == '\0') {
		problem_text(&resp, pt, sizeof(pt));
		snprintf(err, errsz, "verifier newSession: HTTP %ld%s%s",
		    resp.status, resp.location[0] == '\0' && resp.status ==
		    201 ? " without Location" : "", pt);
		goto out;
	}
	if ((sess = svc_url_resolve(url, resp.location)) == NULL) {
		snprintf(err, errsz, "verifier newSession: bad Location");
		goto out;
	}
	svc_http_resp_clear(&resp);
	/* 3. The evidence. */
	snprintf(ctline, sizeof(ctline), "Content-Type: %s", media_type);
	ev_hdr[0] = sess_hdr[0];
	ev_hdr[1] = ctline;
	ev_hdr[2] = NULL;
	if (svc_httpc_request(hc, "POST", sess, ev_hdr, ev, evlen, &resp, err,
	    errsz) != SVC_HTTPC_OK)
		goto out;
	if (resp.status != 200) {
		problem_text(&resp, pt, sizeof(pt));
		snprintf(err, errsz, "verifier evidence: HTTP %ld%s",
		    resp.status, pt);
		goto out;
	}
	if (svc_veraison_parse_session(resp.body, resp.body_len, &jwt, err,
	    errsz) != 0)
		goto out;
	/* 4. The EAR: signature with the discovery key, nonce, age. */
	memset(&vo, 0, sizeof(vo));
	vo.alg = ccakit_key_default_alg(key);
	vo.leeway = 60;
	vo.nonce = nonce;
	vo.nonce_len = nonce_len;
	vo.max_age = o->max_age > 0 ? o->max_age : 300;
	if ((ear = ccakit_ear_new()) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	if ((e = ccakit_ear_verify_jwt(ear, jwt, strlen(jwt), key, &vo,
	    &d)) != CCAKIT_OK) {
		snprintf(err, errsz, "attestation result does not verify: "
		    "%s%s%s", ccakit_strerror(e), d.text[0] != '\0' ? ": " :
		    "", d.text);
		goto out;
	}
	*out = ear;
	ear = NULL;
	r = 0;
out:
	svc_http_resp_clear(&resp);
	ccakit_ear_free(&ear);
	ccakit_key_free(&key);
	svc_httpc_free(&hc);
	free(url);
	free(jwk);
	free(path);
	free(sess);
	free(jwt);
	return r;
}
