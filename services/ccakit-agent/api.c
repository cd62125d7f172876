/*
 * The REST API of guest-components' api-server-rest (router.rs,
 * utils.rs, client/{aa,cdh}.rs at 8246e5e), answered in process: the
 * same paths, methods, status codes, content types and bodies
 * (docs/agent.md has the table). Routing looks at the path as sent, not
 * percent-decoded, as hyper's uri.path() is; query strings are read as
 * form_urlencoded reads them (the last of a repeated key wins).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ccakit/bytes.h>
#include <ccakit/version.h>

#include "agent.h"
#include "util/util.h"

#define OCTET   "application/octet-stream"
#define JSON    "application/json"

/* A reply of a copied text; ctype NULL means no Content-Type. */
static void
reply(struct svc_resp *r, unsigned status, const char *ctype,
    const char *text)
{
	r->status = status;
	r->content_type = ctype;
	r->body_len = strlen(text);
	if ((r->body = strdup(text)) == NULL)
		r->status = 500;        /* the layer answers for itself */
}

/* A reply of a malloc'd body, which it takes. */
static void
reply_owned(struct svc_resp *r, unsigned status, const char *ctype,
    char *body, size_t len)
{
	r->status = status;
	r->content_type = ctype;
	r->body = body;
	r->body_len = len;
}

/* 500 with the error text as the body, as api-server-rest does. */
static void
reply_error(struct svc_resp *r, int code, const struct ccakit_errdetail *d,
    const char *what)
{
	reply(r, 500, NULL, d->text[0] != '\0' ? d->text :
	    ccakit_strerror(code));
	svc_resp_note(r, "%s failed: %.100s", what, r->body != NULL ? r->body :
	    "");
}

/* --- query strings (form_urlencoded) --- */

/* Percent-decode s[0..n) with '+' as a space into out; its length. */
static size_t
form_decode(const char *s, size_t n, char *out)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%' && i + 2 < n &&
		    (hi = cki_hex_nibble(s[i + 1])) >= 0 &&
		    (lo = cki_hex_nibble(s[i + 2])) >= 0) {
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	return o;
}

/*
 * The value of query argument name (the last one), decoded and made
 * valid UTF-8 as Rust's from_utf8_lossy makes it: malloc'd in *out with
 * its length, or NULL when absent.
 */
static int
query_get(const char *target, const char *name, char **out, size_t *outlen)
{
	const char *q = strchr(target, '?'), *p, *amp, *eq, *val = NULL;
	size_t nlen = strlen(name), klen, vlen = 0, n, i, o, w;
	char *dec = NULL, *key, *res, *piece;

	*out = NULL;
	*outlen = 0;
	if (q == NULL)
		return CCAKIT_OK;
	for (p = q + 1; *p != '\0'; p = *amp != '\0' ? amp + 1 : amp) {
		if ((amp = strchr(p, '&')) == NULL)
			amp = p + strlen(p);
		if (amp == p)
			continue;
		eq = memchr(p, '=', (size_t)(amp - p));
		klen = (size_t)((eq != NULL ? eq : amp) - p);
		if ((key = malloc(klen + 1)) == NULL)
			return CCAKIT_ERR_NOMEM;
		n = form_decode(p, klen, key);
		if (n == nlen && memcmp(key, name, n) == 0) {
			val = eq != NULL ? eq + 1 : amp;
			vlen = (size_t)(amp - val);
		}
		free(key);
	}
	if (val == NULL)
		return CCAKIT_OK;
	if ((dec = malloc(vlen + 1)) == NULL)
		return CCAKIT_ERR_NOMEM;
	n = form_decode(val, vlen, dec);
	dec[n] = '\0';
	/* Lossy UTF-8, piece by piece between NULs (a NUL is never part of
	 * a longer sequence); each bad byte may become 3. */
	if ((res = malloc(3 * n + 4)) == NULL) {
		free(dec);
		return CCAKIT_ERR_NOMEM;
	}
	for (i = 0, o = 0; i <= n; i += w + 1) {
		piece = dec + i;
		w = strlen(piece);
		svc_utf8_sanitize(piece, res + o, 3 * w + 4);
		o += strlen(res + o);
		if (i + w < n)
			res[o++] = '\0';
	}
	free(dec);
	*out = res;
	*outlen = o;
	return CCAKIT_OK;
}

/*
 * runtime_data, raw or (encoding=base64) base64url without padding:
 * 400 when absent or undecodable. *rd malloc'd.
 */
static bool
runtime_data(const struct svc_req *req, struct svc_resp *resp, uint8_t **rd,
    size_t *len)
{
	char *v = NULL, *enc = NULL;
	size_t vlen, elen;
	uint8_t *b;

	*rd = NULL;
	if (query_get(req->target, "runtime_data", &v, &vlen) != CCAKIT_OK ||
	    query_get(req->target, "encoding", &enc, &elen) != CCAKIT_OK) {
		free(v);
		reply(resp, 500, NULL, "out of memory");
		return false;
	}
	if (v == NULL)
		goto bad;
	if (enc == NULL) {
		*rd = (uint8_t *)v;
		*len = vlen;
		return true;
	}
	if (strcmp(enc, "base64") != 0 || elen != strlen(enc))
		goto bad;
	if ((b = malloc(vlen + 1)) == NULL ||
	    ccakit_b64_decode(v, vlen, CCAKIT_B64_URL, b, vlen + 1, len) !=
	    CCAKIT_OK) {
		free(b);
		goto bad;
	}
	free(v);
	free(enc);
	*rd = b;
	return true;
bad:
	free(v);
	free(enc);
	reply(resp, 400, NULL, "BAD REQUEST");
	return false;
}

/* --- endpoints --- */

static void
info(struct agent *ag, struct svc_resp *resp)
{
	json_t *j = json_object();

	if (j == NULL || json_object_set_new(j, "version",
	    json_string(AGENT_PROG " " CCAKIT_VERSION)) != 0 ||
	    (ag->aa_on && json_object_set_new(j, "tee", json_string("cca")) !=
	    0) ||
	    json_object_set_new(j, "feature", json_string(ag->features)) != 0) {
		json_decref(j);
		reply(resp, 500, NULL, "out of memory");
		return;
	}
	if (svc_resp_json(resp, 200, j) != 0)
		reply(resp, 500, NULL, "out of memory");
}

static void
aa_token(struct agent *ag, const struct svc_req *req, struct svc_resp *resp)
{
	struct ccakit_errdetail d;
	char *type = NULL, *body = NULL;
	size_t len;
	int r;

	memset(&d, 0, sizeof(d));
	if (query_get(req->target, "token_type", &type, &len) != CCAKIT_OK) {
		reply(resp, 500, NULL, "out of memory");
		return;
	}
	if (type == NULL) {
		reply(resp, 400, NULL, "BAD REQUEST");
		return;
	}
	if (strcmp(type, "kbs") != 0 || len != 3) {
		reply(resp, 500, NULL, "Unsupported token type");
		free(type);
		return;
	}
	free(type);
	if ((r = agent_kbs_token(ag->kbs, &body, &len, &d)) != CCAKIT_OK) {
		reply_error(resp, r, &d, "token");
		return;
	}
	/* The body holds the TEE private key: the layer frees it. */
	reply_owned(resp, 200, OCTET, body, len);
}

static void
aa_evidence(struct agent *ag, const struct svc_req *req,
    struct svc_resp *resp, bool additional)
{
	struct ccakit_errdetail d;
	uint8_t *rd;
	char *ev;
	size_t len, evlen;
	int r;

	memset(&d, 0, sizeof(d));
	if (!runtime_data(req, resp, &rd, &len))
		return;
	if (additional) {
		/* No additional devices in a realm: an empty body. */
		free(rd);
		reply(resp, 200, OCTET, "");
		return;
	}
	r = agent_evidence_json(ag->attester, rd, len, &ev, &evlen, &d);
	free(rd);
	if (r != CCAKIT_OK) {
		reply_error(resp, r, &d, "evidence");
		return;
	}
	reply_owned(resp, 200, OCTET, ev, evlen);
}

static void
aa_aael(struct agent *ag, const struct svc_req *req, struct svc_resp *resp)
{
	json_error_t je;
	json_t *j;
	const char *k[] = { "domain", "operation", "content" };
	char msg[300];
	size_t i;

	j = json_loadb((const char *)req->body, req->body_len, 0, &je);
	if (j == NULL || !json_is_object(j)) {
		snprintf(msg, sizeof(msg), "Illegal AAEL eventry format: %s",
		    j == NULL ? je.text : "expected a JSON object");
		json_decref(j);
		reply(resp, 500, NULL, msg);
		return;
	}
	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if (!json_is_string(json_object_get(j, k[i]))) {
			snprintf(msg, sizeof(msg), "Illegal AAEL eventry "
			    "format: %s field `%s`", json_object_get(j, k[i]) ==
			    NULL ? "missing" : "invalid type for", k[i]);
			json_decref(j);
			reply(resp, 500, NULL, msg);
			return;
		}
	json_decref(j);
	/* The attestation agent's answers, byte for byte (note the string
	 * "false" and the space after "message":). A realm has no runtime
	 * measurement registers for the event log. */
	reply(resp, 200, JSON, ag->eventlog ?
	    "{\"success\":\"false\",\"message\": \"The platform does not "
	    "support runtime measurement\"}" :
	    "{\"success\":\"false\",\"message\": \"Attestation Agent does "
	    "not enable eventlog recording\"}");
}

static void
cdh_resource(struct agent *ag, const char *path, struct svc_resp *resp)
{
	struct ccakit_errdetail d;
	uint8_t *pt = NULL;
	size_t len;
	int r;

	memset(&d, 0, sizeof(d));
	/* path is "/<repo>/<type>/<tag>": kbs:///<repo>/<type>/<tag>. */
	if ((r = agent_kbs_resource(ag->kbs, path + 1, &pt, &len, &d)) !=
	    CCAKIT_OK) {
		reply_error(resp, r, &d, "resource");
		return;
	}
	reply_owned(resp, 200, OCTET, (char *)pt, len);
	svc_resp_note(resp, "released %zu bytes", len);
}

/*
 * api-server-rest's split_nth_slash(s, 2): the text before the second
 * '/' and the rest from it; false without a second '/'.
 */
static bool
split2(const char *s, size_t n, size_t *at)
{
	const char *p = memchr(s, '/', n);

	if (p == NULL || (p = memchr(p + 1, '/', n - (size_t)(p + 1 - s))) ==
	    NULL)
		return false;
	*at = (size_t)(p - s);
	return true;
}

static bool
seg_is(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

void
agent_handle(void *arg, const struct svc_req *req, struct svc_resp *resp)
{
	struct agent *ag = arg;
	const char *path = req->target, *rest;
	char *cpath = NULL;
	size_t plen, at, rlen, at2;
	bool get = strcmp(req->method, "GET") == 0;

	if (!svc_req_from_loopback(req)) {
		reply(resp, 403, NULL, "Forbidden");
		return;
	}
	plen = strcspn(path, "?");
	if (seg_is(path, plen, "/info")) {
		if (!get)
			reply(resp, 405, NULL, "Method Not Allowed");
		else
			info(ag, resp);
		return;
	}
	if (!split2(path, plen, &at))
		goto not_found;
	rest = path + at;
	rlen = plen - at;
	if (seg_is(path, at, "/aa")) {
		if (!ag->aa_on) {
			reply(resp, 404, NULL, "Attestation Feature Not "
			    "Enabled");
			return;
		}
		if (get && seg_is(rest, rlen, "/token"))
			aa_token(ag, req, resp);
		else if (get && seg_is(rest, rlen, "/evidence"))
			aa_evidence(ag, req, resp, false);
		else if (get && seg_is(rest, rlen, "/additional-evidence"))
			aa_evidence(ag, req, resp, true);
		else if (strcmp(req->method, "POST") == 0 &&
		    seg_is(rest, rlen, "/aael"))
			aa_aael(ag, req, resp);
		else
			goto not_found;
		return;
	}
	if (seg_is(path, at, "/cdh")) {
		if (!ag->cdh_on) {
			reply(resp, 404, NULL, "Resource Feature Not Enabled");
			return;
		}
		if (!split2(rest, rlen, &at2) ||
		    !seg_is(rest, at2, "/resource"))
			goto not_found;
		if ((cpath = strndup(rest + at2, rlen - at2)) == NULL) {
			reply(resp, 500, NULL, "out of memory");
			return;
		}
		cdh_resource(ag, cpath, resp);
		free(cpath);
		return;
	}
not_found:
	reply(resp, 404, NULL, "URL NOT FOUND");
}
