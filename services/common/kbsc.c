/*
 * The guest side of RCAR 0.4.0 (see kbsc.h): guest-components'
 * kbs_protocol RCAR client at 8246e5e, without its retries (a failure
 * is reported at once, with the KBS's error).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/bytes.h>
#include <ccakit/tsm.h>

#include "httpc.h"
#include "kbsc.h"

struct kbsc {
	svc_httpc *http;
	char *url;                      /* root, without a trailing '/' */
	char cookie[KBSC_COOKIE_MAX];   /* "kbs-session-id=...", or "" */
	struct svc_http_resp resp;
	struct kbsc_reply last;
};

static int
fail(struct ccakit_errdetail *d, int code, const char *what,
    const char *text)
{
	if (d != NULL) {
		d->code = code;
		d->what = what;
		snprintf(d->text, sizeof(d->text), "%s", text);
	}
	return code;
}

/* --- evidence --- */

int
kbsc_cca_evidence(void *attester, const uint8_t *rd, size_t len,
    json_t **evidence, struct ccakit_errdetail *d)
{
	uint8_t *tok;
	size_t n, i;
	json_t *arr, *ev;
	int r;

	/* guest-components' CCA attester: at most 64 bytes, then padded. */
	if (len > 64)
		return fail(d, CCAKIT_ERR_INVALID_ARG, "report data",
		    "CCA Attester: Challenge size must be 64 bytes or less.");
	if ((tok = malloc(CCAKIT_TSM_OUTBLOB_MAX)) == NULL)
		return CCAKIT_ERR_NOMEM;
	if ((r = ccakit_attester_get_evidence(attester, rd, len, tok,
	    CCAKIT_TSM_OUTBLOB_MAX, &n, d)) != CCAKIT_OK) {
		free(tok);
		return r;
	}
	if ((arr = json_array()) == NULL) {
		free(tok);
		return CCAKIT_ERR_NOMEM;
	}
	for (i = 0; i < n; i++)
		if (json_array_append_new(arr, json_integer(tok[i])) != 0) {
			json_decref(arr);
			free(tok);
			return CCAKIT_ERR_NOMEM;
		}
	free(tok);
	if ((ev = json_pack("{s:o}", "token", arr)) == NULL)
		return CCAKIT_ERR_NOMEM;
	*evidence = ev;
	return CCAKIT_OK;
}

int
kbsc_sample_evidence(void *arg, const uint8_t *rd, size_t len,
    json_t **evidence, struct ccakit_errdetail *d)
{
	char b64[4 * ((RCAR_HASH_MAX + 2) / 3) + 1];

	(void)arg;
	if (len > RCAR_HASH_MAX)
		return fail(d, CCAKIT_ERR_INVALID_ARG, "report data",
		    "longer than 64 bytes");
	if (ccakit_b64_encode(rd, len, CCAKIT_B64_STD, b64, sizeof(b64)) !=
	    CCAKIT_OK)
		return CCAKIT_ERR_INTERNAL;
	if ((*evidence = json_pack("{s:s, s:s}", "svn", "1", "report_data",
	    b64)) == NULL)
		return CCAKIT_ERR_NOMEM;
	return CCAKIT_OK;
}

/* --- the handle --- */

int
kbsc_new(const struct kbsc_opts *o, kbsc **out, struct ccakit_errdetail *d)
{
	struct svc_httpc_opts ho;
	const char *url = o != NULL && o->url != NULL ? o->url :
	    KBSC_DEFAULT_URL;
	size_t n = strlen(url);
	kbsc *c;

	*out = NULL;
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return fail(d, CCAKIT_ERR_INVALID_ARG, "url",
		    "the KBS URL must start with http:// or https://");
	while (n > 0 && url[n - 1] == '/')
		n--;
	memset(&ho, 0, sizeof(ho));
	ho.timeout_ms = o != NULL ? o->timeout_ms : 0;
	ho.max_body = KBSC_MAX_REPLY;
	ho.cafile = o != NULL ? o->cafile : NULL;
	ho.insecure = o != NULL && o->insecure;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->url = strndup(url, n)) == NULL ||
	    (c->http = svc_httpc_new(&ho)) == NULL) {
		kbsc_free(&c);
		return CCAKIT_ERR_NOMEM;
	}
	*out = c;
	return CCAKIT_OK;
}

void
kbsc_free(kbsc **cp)
{
	kbsc *c = cp != NULL ? *cp : NULL;

	if (c == NULL)
		return;
	if (c->resp.body != NULL)
		ccakit_wipe(c->resp.body, c->resp.body_len);
	svc_http_resp_clear(&c->resp);
	svc_httpc_free(&c->http);
	free(c->url);
	ccakit_wipe(c->cookie, sizeof(c->cookie));
	free(c);
	*cp = NULL;
}

const struct kbsc_reply *
kbsc_last(const kbsc *c)
{
	return &c->last;
}

/* Keep "kbs-session-id=<value>" of a Set-Cookie header. */
static void
keep_cookie(kbsc *c, const char *set_cookie)
{
	size_t nl = strlen(RCAR_COOKIE), n;

	if (strncmp(set_cookie, RCAR_COOKIE, nl) != 0 || set_cookie[nl] != '=')
		return;
	n = strcspn(set_cookie, ";");
	while (n > 0 && (set_cookie[n - 1] == ' ' || set_cookie[n - 1] == '\t'))
		n--;
	if (n >= sizeof(c->cookie))
		return;
	memcpy(c->cookie, set_cookie, n);
	c->cookie[n] = '\0';
}

/*
 * One request to <url>/kbs/v0/<path>. CCAKIT_OK for a 200, else the
 * KBS's refusal or the transport's failure; the reply stays in c.
 */
static int
call(kbsc *c, const char *method, const char *path, const char *ctype,
    const void *body, size_t len, const char *bearer, bool cookie,
    struct ccakit_errdetail *d)
{
	char *url = NULL, *hauth = NULL, hct[160], hck[KBSC_COOKIE_MAX + 16];
	const char *hdrs[5];
	char err[512];
	size_t nh = 0, n;
	int r;

	if (c->resp.body != NULL)
		ccakit_wipe(c->resp.body, c->resp.body_len);
	svc_http_resp_clear(&c->resp);
	memset(&c->last, 0, sizeof(c->last));
	n = strlen(c->url) + strlen(KBSC_PREFIX) + strlen(path) + 1;
	if ((url = malloc(n)) == NULL)
		return CCAKIT_ERR_NOMEM;
	snprintf(url, n, "%s%s%s", c->url, KBSC_PREFIX, path);
	if (ctype != NULL) {
		snprintf(hct, sizeof(hct), "Content-Type: %s", ctype);
		hdrs[nh++] = hct;
	}
	if (cookie && c->cookie[0] != '\0') {
		snprintf(hck, sizeof(hck), "Cookie: %s", c->cookie);
		hdrs[nh++] = hck;
	}
	if (bearer != NULL) {
		n = strlen(bearer) + 32;
		if ((hauth = malloc(n)) == NULL) {
			free(url);
			return CCAKIT_ERR_NOMEM;
		}
		snprintf(hauth, n, "Authorization: Bearer %s", bearer);
		hdrs[nh++] = hauth;
	}
	hdrs[nh] = NULL;
	r = svc_httpc_request(c->http, method, url, hdrs, body, len,
	    &c->resp, err, sizeof(err));
	free(url);
	if (hauth != NULL) {
		ccakit_wipe(hauth, strlen(hauth));
		free(hauth);
	}
	if (r != SVC_HTTPC_OK)
		return fail(d, r == SVC_HTTPC_ERR_TOO_LARGE ?
		    CCAKIT_ERR_TOO_LARGE : CCAKIT_ERR_IO, "KBS", err);
	c->last.status = c->resp.status;
	c->last.body = c->resp.body;
	c->last.body_len = c->resp.body_len;
	if (c->resp.set_cookie[0] != '\0')
		keep_cookie(c, c->resp.set_cookie);
	if (c->resp.status == 200)
		return CCAKIT_OK;
	if (rcar_error_parse((const char *)c->resp.body, c->resp.body_len,
	    c->last.variant, sizeof(c->last.variant), c->last.detail,
	    sizeof(c->last.detail)) != CCAKIT_OK) {
		c->last.variant[0] = c->last.detail[0] = '\0';
		if (d != NULL) {
			d->code = CCAKIT_ERR_POLICY;
			d->what = "KBS";
			snprintf(d->text, sizeof(d->text), "KBS: %ld (no error "
			    "information in the reply)", c->resp.status);
		}
	} else if (d != NULL) {
		int w;

		d->code = CCAKIT_ERR_POLICY;
		d->what = "KBS";
		w = snprintf(d->text, sizeof(d->text), "KBS: %ld %s: ",
		    c->resp.status, c->last.variant);
		if (w > 0 && (size_t)w < sizeof(d->text))
			snprintf(d->text + w, sizeof(d->text) - (size_t)w, "%.*s",
			    (int)(sizeof(d->text) - (size_t)w - 1),
			    c->last.detail);
	}
	if (d != NULL && c->resp.status == 404)
		d->code = CCAKIT_ERR_NOT_FOUND;
	return c->resp.status == 404 ? CCAKIT_ERR_NOT_FOUND :
	    CCAKIT_ERR_POLICY;
}

int
kbsc_request(kbsc *c, const char *method, const char *path,
    const char *ctype, const void *body, size_t len, const char *bearer,
    struct ccakit_errdetail *d)
{
	return call(c, method, path, ctype, body, len, bearer, false, d);
}

/* POST a JSON value. */
static int
post_json(kbsc *c, const char *path, const json_t *v,
    struct ccakit_errdetail *d)
{
	char *s;
	int r;

	if ((s = json_dumps(v, JSON_COMPACT)) == NULL)
		return CCAKIT_ERR_NOMEM;
	r = call(c, "POST", path, "application/json", s, strlen(s), NULL,
	    true, d);
	free(s);
	return r;
}

int
kbsc_attest(kbsc *c, const struct kbsc_attester *a, const ccakit_teekey *key,
    const char *init_data, char **token, struct ccakit_errdetail *d)
{
	json_t *req = NULL, *chal = NULL, *pub = NULL, *rd = NULL, *ev = NULL;
	json_t *att = NULL, *tokroot = NULL;
	const json_t *extra;
	const char *nonce, *t;
	char *jwk = NULL;
	uint8_t digest[RCAR_HASH_MAX];
	size_t dlen;
	enum rcar_hash h;
	json_error_t je;
	int r;

	*token = NULL;
	c->cookie[0] = '\0';
	/* /auth: a new session (the cookie replaces any earlier one). */
	if ((req = rcar_request_build(RCAR_PROTOCOL_VERSION, a->tee, NULL)) ==
	    NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	if ((r = post_json(c, "auth", req, d)) != CCAKIT_OK)
		goto out;
	if (c->cookie[0] == '\0') {
		r = fail(d, CCAKIT_ERR_JSON, "KBS",
		    "the reply to /auth sets no " RCAR_COOKIE " cookie");
		goto out;
	}
	if ((r = rcar_challenge_parse((const char *)c->resp.body,
	    c->resp.body_len, &chal, &nonce, &extra, d)) != CCAKIT_OK ||
	    (r = rcar_selected_hash(extra, &h, d)) != CCAKIT_OK)
		goto out;
	/* The runtime data and its digest, the evidence's report data. */
	if ((r = ccakit_teekey_to_jwk(key, &jwk)) != CCAKIT_OK)
		goto out;
	if ((pub = json_loads(jwk, 0, &je)) == NULL) {
		r = CCAKIT_ERR_INTERNAL;
		goto out;
	}
	if ((rd = rcar_runtime_data(nonce, pub, "")) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	if ((r = rcar_runtime_digest(rd, h, digest, &dlen, d)) != CCAKIT_OK ||
	    (r = a->evidence(a->arg, digest, dlen, &ev, d)) != CCAKIT_OK)
		goto out;
	if ((att = rcar_attestation_build(nonce, pub, ev, "",
	    init_data != NULL ? "toml" : NULL, init_data)) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	if ((r = post_json(c, "attest", att, d)) != CCAKIT_OK ||
	    (r = rcar_token_parse((const char *)c->resp.body,
	    c->resp.body_len, &tokroot, &t, d)) != CCAKIT_OK)
		goto out;
	if ((*token = strdup(t)) == NULL)
		r = CCAKIT_ERR_NOMEM;
out:
	json_decref(tokroot);
	json_decref(att);
	json_decref(ev);
	json_decref(rd);
	json_decref(pub);
	json_decref(chal);
	json_decref(req);
	ccakit_free(jwk);
	return r;
}

int
kbsc_get_resource(kbsc *c, const char *path, const char *bearer,
    const ccakit_teekey *key, uint8_t **out, size_t *outlen,
    struct ccakit_errdetail *d)
{
	int r;

	*out = NULL;
	*outlen = 0;
	if ((r = call(c, "GET", path, NULL, NULL, 0, bearer, bearer == NULL,
	    d)) != CCAKIT_OK)
		return r;
	return ccakit_jwe_decrypt(key, (const char *)c->resp.body,
	    c->resp.body_len, out, outlen, d);
}
