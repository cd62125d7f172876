/*
 * The HTTP surface (Trustee's kbs/src/api_server.rs at 78962cd; addendum
 * §3): one catch-all handler for /kbs/v0/<first>/<rest...> whose first
 * segment selects a built-in endpoint or a plugin, /metrics and
 * /healthz. Errors are Trustee's ErrorInformation bodies, 401 but for
 * PluginNotFound (404), without Content-Type.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ccakit/bytes.h>
#include <ccakit/jose.h>

#include "session.h"
#include "svcmain.h"

#define ATTEST_FAILED "Attestation error: RCAR handshake Attest failed"

void
kbs_error(struct svc_resp *resp, const char *variant, const char *fmt, ...)
{
	char detail[1024], *body;
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	free(resp->body);
	resp->body = NULL;
	resp->status = strcmp(variant, "PluginNotFound") == 0 ||
	    strcmp(variant, "InvalidRequestPath") == 0 ? 404 : 401;
	resp->content_type = NULL;
	if (rcar_error_body(variant, detail, &body, &len) == CCAKIT_OK) {
		resp->body = body;
		resp->body_len = len;
	}
	svc_resp_note(resp, "%s", variant);
}

/* A reply body: a copy of p (an empty one when len is 0). */
static void
reply(struct svc_resp *resp, unsigned status, const char *ctype,
    const void *p, size_t len)
{
	free(resp->body);
	if ((resp->body = malloc(len + 1)) == NULL) {
		resp->body_len = 0;
		resp->status = 500;
		return;
	}
	if (len > 0)
		memcpy(resp->body, p, len);
	resp->body[len] = '\0';
	resp->body_len = len;
	resp->status = status;
	resp->content_type = ctype;
}

static void
reply_json(struct svc_resp *resp, json_t *j)
{
	char *s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	if (s == NULL) {
		kbs_error(resp, "SerdeError", "Serialize/Deserialize failed");
		return;
	}
	free(resp->body);
	resp->body = s;
	resp->body_len = strlen(s);
	resp->status = 200;
	resp->content_type = "application/json";
}

/* --- /auth and /attest --- */

static void
do_auth(struct kbs *k, const struct svc_req *req, struct svc_resp *resp)
{
	struct ccakit_errdetail d;
	struct rcar_request rq;
	char nonce[RCAR_NONCE_LEN + 1], id[RCAR_SESSION_ID_LEN + 1];
	char cookie[160];
	int64_t expires, now = kbs_now_ms() / 1000;
	int r;

	kbs_count(KBS_M_AUTH_REQUESTS);
	memset(&d, 0, sizeof(d));
	if (rcar_request_parse((const char *)req->body, req->body_len, &rq,
	    &d) != CCAKIT_OK) {
		kbs_count(KBS_M_AUTH_ERRORS);
		svc_debug("req=%llu /auth: %s", (unsigned long long)req->id,
		    d.text);
		kbs_error(resp, "AttestationError", "Attestation error: RCAR "
		    "handshake Auth failed: deserialize Request");
		return;
	}
	switch (rcar_version_check(rq.version)) {
	case RCAR_VERSION_UNPARSABLE:
		kbs_count(KBS_M_AUTH_ERRORS);
		kbs_error(resp, "AttestationError", "Attestation error: RCAR "
		    "handshake Auth failed: failed to parse KBS version");
		goto out;
	case RCAR_VERSION_MISMATCH:
		kbs_count(KBS_M_AUTH_ERRORS);
		kbs_error(resp, "AttestationError", "Attestation error: RCAR "
		    "handshake Auth failed: KBS Client Protocol Version "
		    "Mismatch: expect =" RCAR_PROTOCOL_VERSION " while the "
		    "request is %s", rq.version);
		goto out;
	default:
		break;
	}
	if (k->fixed_nonce != NULL)
		snprintf(nonce, sizeof(nonce), "%s", k->fixed_nonce);
	else if ((r = rcar_nonce_new(nonce)) != CCAKIT_OK) {
		kbs_count(KBS_M_AUTH_ERRORS);
		kbs_error(resp, "AttestationError", "Attestation error: RCAR "
		    "handshake Auth failed: %s", ccakit_strerror(r));
		goto out;
	}
	if ((r = kbs_session_new(k, &rq, nonce, now, id, &expires, &d)) !=
	    CCAKIT_OK) {
		kbs_count(KBS_M_AUTH_ERRORS);
		svc_warn("req=%llu /auth: the session was not stored: %s",
		    (unsigned long long)req->id, svc_detail_text(r, &d));
		if (r == CCAKIT_ERR_DB_UNAVAILABLE) {
			svc_resp_problem(resp, 503, NULL, NULL, "the storage "
			    "is unavailable; retry later");
			svc_resp_header(resp, "Retry-After", "2");
		} else {
			kbs_error(resp, "AttestationError", "Attestation "
			    "error: RCAR handshake Auth failed: %s",
			    svc_detail_text(r, &d));
		}
		goto out;
	}
	kbs_count(KBS_M_AUTH_SUCCESSES);
	kbs_cookie(id, expires, cookie, sizeof(cookie));
	reply_json(resp, rcar_challenge_build(nonce, NULL));
	svc_resp_header(resp, "Set-Cookie", cookie);
	svc_resp_note(resp, "tee=%s", rcar_tee_name(rq.tee));
out:
	rcar_request_clear(&rq);
}

static void
attest_failed(struct svc_resp *resp, const struct svc_req *req,
    const char *why)
{
	svc_info("req=%llu /attest: %s", (unsigned long long)req->id, why);
	kbs_error(resp, "AttestationError", ATTEST_FAILED ": %s", why);
}

static void
token_reply(struct svc_resp *resp, const struct kbs_session *s,
    const char *token)
{
	char cookie[160], *body;

	kbs_cookie(s->id, s->expires, cookie, sizeof(cookie));
	if ((body = rcar_token_text(token)) == NULL) {
		kbs_error(resp, "SerdeError", "Serialize/Deserialize failed");
		return;
	}
	free(resp->body);
	resp->body = body;
	resp->body_len = strlen(body);
	resp->status = 200;
	resp->content_type = "application/json";
	svc_resp_header(resp, "Set-Cookie", cookie);
}

static void
do_attest(struct kbs *k, const struct svc_req *req, struct svc_resp *resp)
{
	struct ccakit_errdetail d;
	struct rcar_attestation a;
	struct kbs_session s, s2;
	struct kbs_as_input in;
	const char *id = svc_req_cookie(req, RCAR_COOKIE);
	char why[sizeof(d.text) + 64], *token = NULL;
	int64_t now = kbs_now_ms() / 1000;
	bool updated;
	int r;

	kbs_count(KBS_M_ATTEST_REQUESTS);
	memset(&d, 0, sizeof(d));
	memset(&s, 0, sizeof(s));
	memset(&a, 0, sizeof(a));
	if (id == NULL) {
		kbs_count(KBS_M_ATTEST_ERRORS);
		attest_failed(resp, req, "cookie not found");
		return;
	}
	if (rcar_attestation_parse((const char *)req->body, req->body_len, &a,
	    &d) != CCAKIT_OK) {
		kbs_count(KBS_M_ATTEST_ERRORS);
		snprintf(why, sizeof(why), "deserialize Attestation: %s%s%s",
		    d.what != NULL ? d.what : "", d.what != NULL ? ": " : "",
		    d.text);
		attest_failed(resp, req, why);
		return;
	}
	if ((r = kbs_session_get(k, id, now, &s, &d)) != CCAKIT_OK) {
		kbs_count(KBS_M_ATTEST_ERRORS);
		attest_failed(resp, req, r == CCAKIT_ERR_NOT_FOUND ?
		    "session not found" : svc_detail_text(r, &d));
		goto out;
	}
	if (s.attested) {
		/* Trustee: the stored token, not verified again. */
		token_reply(resp, &s, s.token);
		goto out;
	}
	if (strcmp(a.nonce, s.nonce) != 0) {
		attest_failed(resp, req, "the nonce in the handshake session "
		    "is different from the client side in KBS protocol's "
		    "Attestation message");
		goto out;
	}
	memset(&in, 0, sizeof(in));
	in.tee = s.tee;
	in.primary_evidence = a.primary_evidence;
	in.primary_len = a.primary_len;
	in.additional_evidence = a.additional_evidence;
	in.nonce = s.nonce;
	in.tee_pubkey = a.tee_pubkey;
	in.init_format = a.init_format;
	in.init_body = a.init_body;
	in.init_len = a.init_body_len;
	in.now = now;
	if ((r = kbs_as_attest(k, &in, &token, &d)) != CCAKIT_OK) {
		kbs_count_attest(s.tee, false);
		snprintf(why, sizeof(why), "verify TEE evidence failed: %s",
		    svc_detail_text(r, &d));
		attest_failed(resp, req, why);
		goto out;
	}
	if ((r = kbs_session_attest(k, &s, token, &updated, &d)) !=
	    CCAKIT_OK) {
		kbs_count(KBS_M_ATTEST_ERRORS);
		attest_failed(resp, req, svc_detail_text(r, &d));
		goto out;
	}
	if (!updated) {
		/* Another request attested this session first: its token. */
		if (kbs_session_get(k, s.id, now, &s2, &d) == CCAKIT_OK &&
		    s2.attested) {
			token_reply(resp, &s2, s2.token);
			kbs_session_clear(&s2);
		} else {
			kbs_session_clear(&s2);
			attest_failed(resp, req, "session not found");
		}
		goto out;
	}
	kbs_count_attest(s.tee, true);
	token_reply(resp, &s, token);
	svc_resp_note(resp, "tee=%s", rcar_tee_name(s.tee));
out:
	if (token != NULL) {
		ccakit_wipe(token, strlen(token));
		free(token);
	}
	kbs_session_clear(&s);
	rcar_attestation_clear(&a);
}

/* --- admin endpoints --- */

static bool
admin_ok(struct kbs *k, const struct svc_req *req, struct svc_resp *resp,
    const char *endpoint)
{
	char why[512];

	if (kbs_admin_check(k->admin, svc_req_header(req, "Authorization"),
	    req->target, why, sizeof(why)) == CCAKIT_OK)
		return true;
	if (endpoint != NULL)
		kbs_error(resp, "AdminAuthAccess", "admin access denied for "
		    "endpoint %s: %s", endpoint, why);
	else
		kbs_error(resp, "AdminAuthInitialization", "failed to "
		    "initialize [admin] configuration: %s", why);
	return false;
}

/* base64url without padding to a malloc'd text (UTF-8 checked). */
static char *
b64url_text(const char *s, size_t *len, char *why, size_t whysz)
{
	size_t n = strlen(s);
	char *p;
	json_t *chk;

	if ((p = malloc(n + 1)) == NULL) {
		snprintf(why, whysz, "out of memory");
		return NULL;
	}
	if (ccakit_b64_decode(s, n, CCAKIT_B64_URL, (uint8_t *)p, n + 1,
	    len) != 0) {
		snprintf(why, whysz, "Invalid base64url (no padding) text");
		free(p);
		return NULL;
	}
	p[*len] = '\0';
	/* UTF-8, as Rust's String::from_utf8 requires. */
	if ((chk = json_stringn(p, *len)) == NULL) {
		snprintf(why, whysz, "invalid utf-8 sequence");
		free(p);
		return NULL;
	}
	json_decref(chk);
	return p;
}

static void
set_as_policy(struct kbs *k, const struct svc_req *req, struct svc_resp *resp)
{
	struct ccakit_errdetail d;
	const char *id, *b64;
	char why[512], key[300], *text = NULL;
	json_error_t je;
	json_t *j;
	size_t len;
	int r;

	memset(&d, 0, sizeof(d));
	j = json_loadb((const char *)req->body, req->body_len,
	    JSON_REJECT_DUPLICATES, &je);
	id = json_string_value(json_object_get(j, "policy_id"));
	b64 = json_string_value(json_object_get(j, "policy"));
	if (id == NULL || b64 == NULL) {
		snprintf(why, sizeof(why), "parse set policy request: %s",
		    j == NULL ? je.text : "policy_id and policy (strings) "
		    "expected");
		goto fail;
	}
	if (snprintf(key, sizeof(key), "%s" KBS_POLICY_SUFFIX, id) >=
	    (int)sizeof(key) || !kbs_kv_key_valid(key)) {
		snprintf(why, sizeof(why), "policy_id: [A-Za-z0-9._/-] only");
		goto fail;
	}
	if ((text = b64url_text(b64, &len, why, sizeof(why))) == NULL)
		goto fail;
	if ((r = kbs_policy_check(KBS_POLICY_AS, text, len, &d)) !=
	    CCAKIT_OK) {
		snprintf(why, sizeof(why), "Failed to load policy: %s",
		    svc_detail_text(r, &d));
		goto fail;
	}
	if ((r = kbs_kv_set(kbs_store_ns(k->store, KBS_NS_AS_POLICY),
	    KBS_NS_AS_POLICY, key, text, len, 0, true, NULL, &d)) !=
	    CCAKIT_OK) {
		snprintf(why, sizeof(why), "%s", svc_detail_text(r, &d));
		goto fail;
	}
	svc_info("req=%llu attestation policy %s set", (unsigned long long)
	    req->id, id);
	reply(resp, 200, NULL, "", 0);
	goto out;
fail:
	kbs_error(resp, "AttestationError", "Attestation error: Set "
	    "Attestation Policy failed: %s", why);
out:
	free(text);
	json_decref(j);
}

static void
set_resource_policy(struct kbs *k, const struct svc_req *req,
    struct svc_resp *resp)
{
	struct ccakit_errdetail d;
	const json_t *p;
	char why[512], key[64], *text = NULL;
	json_error_t je;
	json_t *j;
	size_t len;
	int r;

	memset(&d, 0, sizeof(d));
	if ((j = json_loadb((const char *)req->body, req->body_len,
	    JSON_DECODE_ANY, &je)) == NULL) {
		kbs_error(resp, "ParsePolicyError", "Failed to parse policy: "
		    "Illegal SetPolicy Request Json");
		return;
	}
	if ((p = json_object_get(j, "policy")) == NULL) {
		kbs_error(resp, "ParsePolicyError", "Failed to parse policy: "
		    "No `policy` field inside SetPolicy Request Json");
		goto out;
	}
	if (!json_is_string(p)) {
		kbs_error(resp, "ParsePolicyError", "Failed to parse policy: "
		    "`policy` field is not a string in SetPolicy Request Json");
		goto out;
	}
	if ((text = b64url_text(json_string_value(p), &len, why,
	    sizeof(why))) == NULL) {
		kbs_error(resp, "ParsePolicyError", "Failed to parse policy: "
		    "Failed to decode policy: %s", why);
		goto out;
	}
	if ((r = kbs_policy_check(KBS_POLICY_RESOURCE, text, len, &d)) !=
	    CCAKIT_OK) {
		kbs_error(resp, "PolicyEngineError", "Policy engine error: "
		    "Failed to load policy: %s", svc_detail_text(r, &d));
		goto out;
	}
	snprintf(key, sizeof(key), "%s" KBS_POLICY_SUFFIX,
	    KBS_RESOURCE_POLICY_ID);
	if ((r = kbs_kv_set(kbs_store_ns(k->store, KBS_NS_KBS), KBS_NS_KBS,
	    key, text, len, 0, true, NULL, &d)) != CCAKIT_OK) {
		kbs_error(resp, "PolicyEngineError", "Policy engine error: %s",
		    svc_detail_text(r, &d));
		goto out;
	}
	svc_info("req=%llu resource policy set", (unsigned long long)req->id);
	reply(resp, 200, NULL, "", 0);
out:
	free(text);
	json_decref(j);
}

static int
list_policy(void *arg, const char *key)
{
	size_t n = strlen(key), s = strlen(KBS_POLICY_SUFFIX);

	if (n <= s || strcmp(key + n - s, KBS_POLICY_SUFFIX) != 0)
		return CCAKIT_ERR_IO;   /* Trustee: MalformedPolicy */
	return json_array_append_new(arg, json_stringn(key, n - s)) == 0 ?
	    0 : CCAKIT_ERR_NOMEM;
}

static void
list_resource_policies(struct kbs *k, struct svc_resp *resp)
{
	struct ccakit_errdetail d;
	json_t *a = json_array();
	int r;

	memset(&d, 0, sizeof(d));
	if (a == NULL || (r = kbs_kv_list(kbs_store_ns(k->store, KBS_NS_KBS),
	    KBS_NS_KBS, list_policy, a, &d)) != CCAKIT_OK) {
		json_decref(a);
		kbs_error(resp, "PolicyEngineError", "Policy engine error: "
		    "There is at least one policy in the storage with invalid "
		    "name.");
		return;
	}
	reply_json(resp, a);
}

static void
get_reference_value(struct kbs *k, const char *id, struct svc_resp *resp)
{
	struct ccakit_errdetail d;
	char *json = NULL;
	int r;

	memset(&d, 0, sizeof(d));
	if ((r = kbs_rvps_query(k, id, &json, &d)) != CCAKIT_OK) {
		if (r == CCAKIT_ERR_NOT_FOUND)
			kbs_error(resp, "RvpsError", "RVPS configuration "
			    "failed: Failed to get reference_values: No "
			    "reference value found for the given id: %.200s",
			    id);
		else
			kbs_error(resp, "RvpsError", "RVPS configuration "
			    "failed: Failed to get reference_values: %s",
			    svc_detail_text(r, &d));
		return;
	}
	free(resp->body);
	resp->body = json;
	resp->body_len = strlen(json);
	resp->status = 200;
	resp->content_type = "application/json";
}

static void
register_reference_value(struct kbs *k, const struct svc_req *req,
    struct svc_resp *resp)
{
	struct ccakit_errdetail d;
	int r;

	memset(&d, 0, sizeof(d));
	if ((r = kbs_rvps_register(k, (const char *)req->body, req->body_len,
	    &d)) != CCAKIT_OK) {
		kbs_error(resp, "RvpsError", "RVPS configuration failed: "
		    "Failed to register reference value: %s",
		    svc_detail_text(r, &d));
		return;
	}
	reply(resp, 200, "application/json", "", 0);
}

/* --- plugins --- */

struct qcollect {
	struct kbs_query_arg *q;
	size_t n;
};

static int
query_one(void *arg, const char *key, const char *value)
{
	struct qcollect *c = arg;

	if (c->n < KBS_PLUGIN_MAX_QUERY) {
		c->q[c->n].key = key;
		c->q[c->n].value = value;
		c->n++;
	}
	return 0;
}

/* The policy's data: {"plugin", "resource-path", "query"} (a repeated
 * query key: the last value). */
static char *
policy_data(const char *plugin, const struct kbs_plugin_req *r)
{
	json_t *d, *path, *q;
	char *s;
	size_t i;

	d = json_object();
	path = json_array();
	q = json_object();
	if (d == NULL || path == NULL || q == NULL)
		goto fail;
	for (i = 0; i < r->npath; i++)
		if (json_array_append_new(path, json_string(r->path[i])) != 0)
			goto fail;
	for (i = 0; i < r->nquery; i++)
		if (json_object_set_new(q, r->query[i].key,
		    json_string(r->query[i].value)) != 0)
			goto fail;
	json_object_set_new(d, "plugin", json_string(plugin));
	json_object_set_new(d, "resource-path", path);
	json_object_set_new(d, "query", q);
	s = json_dumps(d, JSON_COMPACT);
	json_decref(d);
	return s;
fail:
	json_decref(d);
	json_decref(path);
	json_decref(q);
	return NULL;
}

/* The caller's token: an attested, unexpired session's, else Bearer. */
static char *
caller_token(struct kbs *k, const struct svc_req *req)
{
	struct kbs_session s;
	const char *id = svc_req_cookie(req, RCAR_COOKIE);
	const char *h = svc_req_header(req, "Authorization");
	char *t = NULL;

	if (id != NULL && kbs_session_get(k, id, kbs_now_ms() / 1000, &s,
	    NULL) == CCAKIT_OK) {
		if (s.attested)
			t = strdup(s.token);
		kbs_session_clear(&s);
		if (t != NULL)
			return t;
	}
	if (h != NULL && strncmp(h, "Bearer ", 7) == 0 && h[7] != '\0')
		return strdup(h + 7);
	return NULL;
}

static void
out_clear(struct kbs_plugin_out *o)
{
	if (o->body != NULL)
		ccakit_wipe(o->body, o->len);
	free(o->body);
	memset(o, 0, sizeof(*o));
}

static void
jwe_reply(struct kbs *k, const json_t *claims, struct kbs_plugin_out *o,
    struct svc_resp *resp)
{
	struct ccakit_errdetail d;
	const json_t *key = kbs_tokens_teekey(k->tokens, claims);
	ccakit_teekey *tk = NULL;
	json_t *canon = NULL;
	char *jwk = NULL, *jwe = NULL;
	int r;

	memset(&d, 0, sizeof(d));
	if (key == NULL) {
		kbs_error(resp, "TokenVerifierError", "Token Verifier error");
		svc_info("no TEE public key in the token");
		return;
	}
	if (rcar_teepubkey_canon(key, &canon, &d) != CCAKIT_OK) {
		kbs_error(resp, "TokenVerifierError", "Token Verifier error");
		svc_info("the token's TEE public key: %s", d.text);
		return;
	}
	if ((jwk = json_dumps(canon, JSON_COMPACT)) == NULL ||
	    (tk = ccakit_teekey_new()) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto fail;
	}
	if ((r = ccakit_teekey_from_jwk(tk, jwk, strlen(jwk),
	    CCAKIT_TEEKEY_ALLOW_RSA1_5, &d)) != CCAKIT_OK ||
	    (r = ccakit_jwe_encrypt(tk, o->body, o->len, CCAKIT_JWE_FLATTENED,
	    &jwe)) != CCAKIT_OK)
		goto fail;
	free(resp->body);
	resp->body = jwe;
	resp->body_len = strlen(jwe);
	resp->status = 200;
	resp->content_type = "application/json";
	goto out;
fail:
	svc_info("JWE: %s", svc_detail_text(r, &d));
	kbs_error(resp, "JweError", "JWE failed");
out:
	ccakit_teekey_free(&tk);
	json_decref(canon);
	free(jwk);
}

static void
do_plugin(struct kbs *k, const struct svc_req *req, struct svc_resp *resp,
    const char *name, const char *const *segs, size_t nsegs)
{
	struct kbs_query_arg q[KBS_PLUGIN_MAX_QUERY];
	struct qcollect qc = { q, 0 };
	struct ccakit_errdetail d;
	const struct kbs_plugin *p = kbs_plugins_get(k->plugins, name);
	struct kbs_plugin_req r;
	struct kbs_plugin_out o;
	char why[256] = "", *token = NULL, *claims_text = NULL;
	char *data = NULL;
	json_t *claims = NULL;
	bool allow;
	int rc;

	if (p == NULL) {
		kbs_error(resp, "PluginNotFound", "Plugin %.200s not found",
		    name);
		return;
	}
	memset(&d, 0, sizeof(d));
	memset(&o, 0, sizeof(o));
	svc_req_query_each(req, query_one, &qc);
	memset(&r, 0, sizeof(r));
	r.method = req->method;
	r.path = segs;
	r.npath = nsegs;
	r.query = q;
	r.nquery = qc.n;
	r.body = req->body;
	r.body_len = req->body_len;
	if (p->ops->admin(p->self, &r)) {
		if (!admin_ok(k, req, resp, NULL))
			return;
		if (p->ops->handle(p->self, k, &r, &o, why, sizeof(why)) !=
		    CCAKIT_OK) {
			svc_info("req=%llu plugin %s: %s", (unsigned long long)
			    req->id, name, why);
			kbs_error(resp, "PluginInternalError", "Plugin internal "
			    "error");
			return;
		}
		reply(resp, 200, o.content_type != NULL ? o.content_type :
		    "text/xml", o.body != NULL ? (const void *)o.body : "", o.len);
		out_clear(&o);
		return;
	}
	if ((token = caller_token(k, req)) == NULL) {
		kbs_error(resp, "TokenNotFound", "Attestation Token not found");
		return;
	}
	if ((rc = kbs_tokens_verify(k->tokens, token, &claims, &claims_text,
	    &d)) != CCAKIT_OK) {
		svc_info("req=%llu token: %s", (unsigned long long)req->id,
		    svc_detail_text(rc, &d));
		kbs_error(resp, "TokenVerifierError", "Token Verifier error");
		goto out;
	}
	if ((data = policy_data(name, &r)) == NULL) {
		kbs_error(resp, "SerdeError", "Serialize/Deserialize failed");
		goto out;
	}
	kbs_count(KBS_M_POLICY_EVALS);
	if ((rc = kbs_policy_resource(k, claims_text, strlen(claims_text),
	    data, strlen(data), &allow, &d)) != CCAKIT_OK) {
		kbs_count(KBS_M_POLICY_ERRORS);
		kbs_error(resp, "PolicyEngineError", "Policy engine error: %s",
		    svc_detail_text(rc, &d));
		goto out;
	}
	if (!allow) {
		kbs_count(KBS_M_POLICY_VIOLATIONS);
		kbs_error(resp, "PolicyDeny", "Access denied by policy");
		goto out;
	}
	kbs_count(KBS_M_POLICY_APPROVALS);
	r.init_data_claims = json_object_get(json_object_get(json_object_get(
	    json_object_get(claims, "submods"), "cpu0"),
	    "ear.veraison.annotated-evidence"), "init_data_claims");
	if (p->ops->handle(p->self, k, &r, &o, why, sizeof(why)) !=
	    CCAKIT_OK) {
		svc_info("req=%llu plugin %s: %s", (unsigned long long)req->id,
		    name, why);
		kbs_error(resp, "PluginInternalError", "Plugin internal error");
		goto out;
	}
	if (p->ops->encrypted(p->self, &r))
		jwe_reply(k, claims, &o, resp);
	else
		reply(resp, 200, o.content_type != NULL ? o.content_type :
		    "text/xml", o.body != NULL ? (const void *)o.body : "", o.len);
out:
	out_clear(&o);
	if (token != NULL) {
		ccakit_wipe(token, strlen(token));
		free(token);
	}
	free(claims_text);
	free(data);
	json_decref(claims);
}

/* --- the handlers --- */

#define MAX_SEGMENTS (KBS_PLUGIN_MAX_SEGMENTS + 1)

void
kbs_api(void *arg, const struct svc_req *req, struct svc_resp *resp)
{
	struct kbs *k = arg;
	const char *segs[MAX_SEGMENTS];
	struct timespec t0, t1;
	const char *m = req->method;
	char *path, *p;
	size_t n = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	kbs_active_requests(1);
	if ((path = strdup(req->arg[0])) == NULL) {
		svc_resp_problem(resp, 500, NULL, NULL, "out of memory");
		goto done;
	}
	/* Split on '/', empty segments kept (Rust's str::split). */
	segs[n++] = path;
	for (p = path; *p != '\0'; p++)
		if (*p == '/') {
			*p = '\0';
			if (n == MAX_SEGMENTS) {
				kbs_error(resp, "InvalidRequestPath", "Request "
				    "path %.200s is invalid", req->arg[0]);
				goto done;
			}
			segs[n++] = p + 1;
		}
	if (strcmp(segs[0], "auth") == 0 && strcmp(m, "POST") == 0)
		do_auth(k, req, resp);
	else if (strcmp(segs[0], "attest") == 0 && strcmp(m, "POST") == 0)
		do_attest(k, req, resp);
	else if (strcmp(segs[0], "attestation-policy") == 0 &&
	    strcmp(m, "POST") == 0) {
		if (admin_ok(k, req, resp, "attestation-policy"))
			set_as_policy(k, req, resp);
	} else if (strcmp(segs[0], "reference-value") == 0 &&
	    strcmp(m, "GET") == 0) {
		if (admin_ok(k, req, resp, "reference-value")) {
			/* The id: the rest of the path, re-joined. */
			const char *id = strchr(req->arg[0], '/');

			get_reference_value(k, id != NULL ? id + 1 : "", resp);
		}
	} else if (strcmp(segs[0], "reference-value") == 0 &&
	    strcmp(m, "POST") == 0) {
		if (admin_ok(k, req, resp, "reference-value"))
			register_reference_value(k, req, resp);
	} else if (strcmp(segs[0], "resource-policy") == 0 &&
	    strcmp(m, "POST") == 0) {
		if (admin_ok(k, req, resp, "resource-policy"))
			set_resource_policy(k, req, resp);
	} else if (strcmp(segs[0], "resource-policy") == 0 &&
	    strcmp(m, "GET") == 0) {
		if (admin_ok(k, req, resp, "resource-policy"))
			list_resource_policies(k, resp);
	} else {
		do_plugin(k, req, resp, segs[0], segs + 1, n - 1);
	}
done:
	free(path);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	kbs_observe_request((double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, req->body_len,
	    resp->body_len);
	kbs_active_requests(-1);
}

void
kbs_metrics_handler(void *arg, const struct svc_req *req,
    struct svc_resp *resp)
{
	size_t len;
	char *text;

	(void)arg;
	if (strcmp(req->method, "POST") == 0) {
		svc_resp_problem(resp, 405, NULL, NULL, "GET only");
		svc_resp_header(resp, "Allow", "GET");
		return;
	}
	if (strcmp(req->method, "GET") != 0) {
		svc_resp_problem(resp, 404, NULL, NULL, "no such resource");
		return;
	}
	if ((text = kbs_metrics_text(&len)) == NULL) {
		kbs_error(resp, "PrometheusError", "Prometheus error");
		return;
	}
	free(resp->body);
	resp->body = text;
	resp->body_len = len;
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

void
kbs_healthz(void *arg, const struct svc_req *req, struct svc_resp *resp)
{
	(void)arg;
	if (strcmp(req->method, "GET") != 0) {
		svc_resp_problem(resp, 404, NULL, NULL, "no such resource");
		return;
	}
	reply(resp, 200, NULL, "", 0);
}
