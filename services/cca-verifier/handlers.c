/*
 * cca-verifier: the routes.
 *
 * Veraison's verification API (spec §2.1, §2.2):
 *   GET    /.well-known/veraison/verification        discovery
 *   POST   /challenge-response/v1/newSession?nonce=|nonceSize=
 *                                    -> 201, Location: session/<uuid>
 *   POST   /challenge-response/v1/session/{id}       evidence -> 200
 *   GET    /challenge-response/v1/session/{id}
 *   DELETE /challenge-response/v1/session/{id}       -> 204
 * Provisioning (ours; bearer token):
 *   GET|POST|DELETE /provisioning/v1/trust-anchors[/{id}]
 *   GET|POST|DELETE /provisioning/v1/reference-values[/{id}]
 * Veraison's endorsement provisioning (CoRIMs; corim_prov.c):
 *   GET  /.well-known/veraison/provisioning
 *   POST /endorsement-provisioning/v1/submit
 *
 * Evidence requests are checked completely (media type, body, CMW
 * framing, size) before the session is taken, so a malformed request
 * leaves the session waiting; a session accepts evidence once. Evidence
 * that fails verification is not an HTTP error: the session completes
 * with a contraindicated EAR, as Veraison does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "cvs.h"
#include "ops.h"
#include "svcmain.h"

#define PROV_BODY_MAX   CCAKIT_STORE_MAX_JSON
#define SMALL_BODY_MAX  4096

int
cvs_token_hash(const char *tok, size_t len, uint8_t out[32])
{
	unsigned n = 0;

	return EVP_Digest(tok, len, out, &n, EVP_sha256(), NULL) == 1 &&
	    n == 32 ? 0 : -1;
}

/* Take ownership of a malloc'd text body. */
static void
resp_text(struct svc_resp *resp, unsigned status, const char *ctype,
    char *body)
{
	free(resp->body);
	resp->body = body;
	resp->body_len = strlen(body);
	resp->status = status;
	resp->content_type = ctype;
}

/* A failure of ours: 503 when the database is gone or unavailable
 * (d, its detail, may be NULL), else 500. */
static void
internal_d(struct svc_resp *resp, const char *what, int r,
    const struct ccakit_errdetail *d)
{
	if (svc_resp_db_error(resp, r, d))
		return;
	svc_error("%s: %s", what, svc_detail_text(r, d));
	svc_resp_problem(resp, 500, NULL, NULL, "%s failed", what);
}

void
cvs_internal(struct svc_resp *resp, const char *what, int r,
    const struct ccakit_errdetail *d)
{
	internal_d(resp, what, r, d);
}

static void
internal(struct svc_resp *resp, const char *what, int r)
{
	internal_d(resp, what, r, NULL);
}

/*
 * Content negotiation as Veraison's (gin's NegotiateFormat with one
 * offered type): no Accept header, or one with no element, admits it;
 * otherwise an element (parameters cut at ';', blanks trimmed) admits it
 * when it equals `mt` up to a '*' in either, or is a prefix of it. Case
 * sensitive; quality values are not weighed.
 */
static bool
negotiates(const struct svc_req *req, const char *mt)
{
	const char *h = svc_req_header(req, "Accept"), *p, *e, *q;
	size_t n, i, elems = 0;

	if (h == NULL)
		return true;
	for (p = h; ; p = e + 1) {
		for (e = p; *e != '\0' && *e != ','; e++)
			;
		q = memchr(p, ';', (size_t)(e - p));
		n = (size_t)((q != NULL && q > p ? q : e) - p);
		while (n > 0 && strchr(" \t\r\n\v\f", *p) != NULL) {
			p++;
			n--;
		}
		while (n > 0 && strchr(" \t\r\n\v\f", p[n - 1]) != NULL)
			n--;
		if (n > 0) {
			elems++;
			for (i = 0; i < n && mt[i] != '\0'; i++)
				if (p[i] == '*' || mt[i] == '*' ||
				    p[i] != mt[i])
					break;
			if (i == n || (i < n && mt[i] != '\0' &&
			    (p[i] == '*' || mt[i] == '*')))
				return true;
		}
		if (*e == '\0')
			break;
	}
	return elems == 0;
}

static void
not_acceptable(struct svc_resp *resp, const char *mt)
{
	svc_resp_problem(resp, 406, NULL, NULL, "the only reply type is %s",
	    mt);
	svc_resp_note(resp, "not-acceptable");
}

/* The canonical session id of a request, or a 400 reply. */
static bool
session_id(const struct svc_req *req, struct svc_resp *resp,
    char id[SVC_V_SESSION_ID_LEN + 1])
{
	if (svc_v_uuid_parse(req->arg[0], id))
		return true;
	svc_resp_problem(resp, 400, NULL, NULL, "the session id %.40s is not "
	    "a UUID", req->arg[0]);
	svc_resp_note(resp, "bad-session-id");
	return false;
}

/* --- discovery --- */

static void
discovery(void *arg, const struct svc_req *req, struct svc_resp *resp)
{
	struct cvs *v = arg;
	json_t *j = NULL, *eps, *mts, *key;
	size_t i;
	int bad = 0;

	if (!negotiates(req, SVC_V_MT_DISCOVERY)) {
		not_acceptable(resp, SVC_V_MT_DISCOVERY);
		return;
	}
	/*
	 * Members in the order of Veraison's Go struct (WellKnownInfo;
	 * "attestation-schemes" is empty there, so omitted).
	 */
	if ((j = json_object()) == NULL ||
	    (key = json_loads(v->ear_jwk, 0, NULL)) == NULL ||
	    json_object_set_new(j, "ear-verification-key", key) != 0 ||
	    (mts = json_array()) == NULL ||
	    json_object_set_new(j, "media-types", mts) != 0) {
		json_decref(j);
		internal(resp, "discovery", CCAKIT_ERR_NOMEM);
		return;
	}
	for (i = 0; svc_v_media_types[i] != NULL; i++)
		bad |= json_array_append_new(mts,
		    json_string(svc_v_media_types[i]));
	bad |= json_object_set_new(j, "version", json_string(v->version));
	bad |= json_object_set_new(j, "service-state", json_string("READY"));
	if ((eps = json_object()) == NULL ||
	    json_object_set_new(j, "api-endpoints", eps) != 0 ||
	    json_object_set_new(eps, "newChallengeResponseSession",
	    json_string(CVS_NEW_SESSION_PATH)) != 0)
		bad = 1;
	if (bad != 0 || svc_resp_json(resp, 200, j) != 0) {
		if (bad != 0)
			json_decref(j);
		internal(resp, "discovery", CCAKIT_ERR_NOMEM);
		return;
	}
	resp->content_type = SVC_V_MT_DISCOVERY;
}

/* --- sessions --- */

static void
session_reply(struct cvs *v, struct svc_resp *resp, unsigned status,
    const struct svc_v_session *s)
{
	char *txt;
	int r;

	if ((r = svc_v_session_to_json(s, v->nonce_enc, &txt)) != CCAKIT_OK) {
		internal(resp, "session document", r);
		return;
	}
	resp_text(resp, status, SVC_V_MT_SESSION, txt);
}

static void
session_missing(struct svc_resp *resp, int r, const char *id,
    const struct ccakit_errdetail *d)
{
	if (r == CCAKIT_ERR_EXPIRED) {
		svc_resp_problem(resp, 404, NULL, NULL,
		    "session %.40s has expired", id);
		svc_resp_note(resp, "session=%.8s expired", id);
	} else if (r == CCAKIT_ERR_NOT_FOUND) {
		svc_resp_problem(resp, 404, NULL, NULL,
		    "no session %.40s", id);
		svc_resp_note(resp, "session=%.8s unknown", id);
	} else {
		internal_d(resp, "session lookup", r, d);
	}
}

static void
new_session(void *arg, const struct svc_req *req, struct svc_resp *resp)
{
	struct cvs *v = arg;
	struct svc_v_session s;
	struct ccakit_errdetail d;
	const char *qn = svc_req_query(req, "nonce");
	const char *qs = svc_req_query(req, "nonceSize");
	uint8_t nonce[SVC_V_NONCE_MAX];
	char loc[64], *end;
	size_t n = SVC_V_NONCE_DEFAULT;
	unsigned long sz;
	int r;

	memset(&s, 0, sizeof(s));
	memset(&d, 0, sizeof(d));
	if (!negotiates(req, SVC_V_MT_SESSION)) {
		not_acceptable(resp, SVC_V_MT_SESSION);
		return;
	}
	if (qn != NULL && qs != NULL) {
		svc_resp_problem(resp, 400, NULL, NULL, "nonce and nonceSize "
		    "are mutually exclusive");
		return;
	}
	if (qn != NULL) {
		if ((r = svc_v_nonce_decode(qn, strlen(qn), nonce,
		    sizeof(nonce), &n)) != CCAKIT_OK) {
			svc_resp_problem(resp, 400, NULL, NULL, "nonce: %s",
			    r == CCAKIT_ERR_ENCODING ? "not base64 or "
			    "base64url" : "must be 8 to 64 bytes");
			return;
		}
	} else {
		if (qs != NULL) {
			sz = strtoul(qs, &end, 10);
			if (qs[0] < '0' || qs[0] > '9' || *end != '\0' ||
			    sz < SVC_V_NONCE_MIN || sz > SVC_V_NONCE_MAX) {
				svc_resp_problem(resp, 400, NULL, NULL,
				    "nonceSize must be 8 to 64");
				return;
			}
			n = sz;
		}
		if (RAND_bytes(nonce, (int)n) != 1) {
			internal(resp, "nonce", CCAKIT_ERR_CRYPTO);
			return;
		}
	}
	if ((r = vdb_session_new(v->db, nonce, n, v->ttl, &s, &d)) !=
	    CCAKIT_OK) {
		internal_d(resp, "new session", r, &d);
		goto out;
	}
	snprintf(loc, sizeof(loc), "session/%s", s.id);
	session_reply(v, resp, 201, &s);
	if (resp->status == 201)
		svc_resp_header(resp, "Location", loc);
	svc_resp_note(resp, "session=%.8s nonce=%zuB%s", s.id, n,
	    qn != NULL ? " (caller's)" : "");
out:
	svc_v_session_clear(&s);
	ccakit_wipe(nonce, sizeof(nonce));
}

static void
get_session(void *arg, const struct svc_req *req, struct svc_resp *resp)
{
	struct cvs *v = arg;
	struct svc_v_session s;
	struct ccakit_errdetail d;
	char id[SVC_V_SESSION_ID_LEN + 1];
	int r;

	memset(&s, 0, sizeof(s));
	memset(&d, 0, sizeof(d));
	if (!negotiates(req, SVC_V_MT_SESSION)) {
		not_acceptable(resp, SVC_V_MT_SESSION);
		return;
	}
	if (!session_id(req, resp, id))
		return;
	if ((r = vdb_session_get(v->db, id, &s, &d)) != CCAKIT_OK) {
		session_missing(resp, r, id, &d);
		return;
	}
	session_reply(v, resp, 200, &s);
	svc_v_session_clear(&s);
}

/* 204 whether or not the session was there, as Veraison's cache does. */
static void
delete_session(void *arg, const struct svc_req *req, struct svc_resp *resp)
{
	struct cvs *v = arg;
	struct ccakit_errdetail d;
	char id[SVC_V_SESSION_ID_LEN + 1];
	int r;

	memset(&d, 0, sizeof(d));
	if (!session_id(req, resp, id))
		return;
	if ((r = vdb_session_delete(v->db, id, &d)) != CCAKIT_OK &&
	    r != CCAKIT_ERR_NOT_FOUND) {
		internal_d(resp, "session delete", r, &d);
		return;
	}
	resp->status = 204;
	svc_resp_note(resp, "session=%.8s %s", id, r == CCAKIT_OK ?
	    "deleted" : "absent");
}

/* Every supported type, for a 415's Accept header. */
static void
accept_header(struct svc_resp *resp)
{
	char buf[512];
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; svc_v_media_types[i] != NULL; i++)
		n += (size_t)snprintf(buf + n, n < sizeof(buf) ?
		    sizeof(buf) - n : 0, "%s%s", i > 0 ? ", " : "",
		    svc_v_media_types[i]);
	svc_resp_header(resp, "Accept", buf);
}

/* Appraise evidence for a session: an EAR JWT, or NULL on failure. */
static char *
appraise(struct cvs *v, const struct svc_v_session *s, const uint8_t *ev,
    size_t evlen, char *note, size_t notesz, const struct svc_req *req,
    struct svc_resp *resp)
{
	const struct vdb_stores *st;
	struct ccakit_attest_opts ao;
	struct ccakit_errdetail why;
	enum ccakit_tier t;
	struct svc_attestation att;
	ccakit_ear *ear = NULL;
	const char *name;
	char *jwt = NULL, subject[40];
	size_t i, n = 0;
	int r;

	memset(&ao, 0, sizeof(ao));
	memset(&why, 0, sizeof(why));
	ao.nonce = s->nonce;
	ao.nonce_len = s->nonce_len;
	ao.platform_cache = v->pcache;
	st = vdb_stores_get(v->db);
	r = ccakit_attest_cca(ev, evlen, st->tas, st->rvs, &ao, &ear, &why);
	vdb_stores_put(v->db, &st);
	if (r != CCAKIT_OK) {
		svc_error("session %.8s: appraisal: %s", s->id,
		    ccakit_strerror(r));
		goto out;
	}
	if ((r = ccakit_ear_sign_jwt(ear, v->ear_key, v->ear_alg, &jwt)) !=
	    CCAKIT_OK) {
		svc_error("session %.8s: signing the EAR: %s", s->id,
		    ccakit_strerror(r));
		goto out;
	}
	/* The log line: each submod's status, and why evidence failed. */
	note[0] = '\0';
	for (i = 0; (name = ccakit_ear_submod_name(ear, i)) != NULL; i++) {
		if (ccakit_ear_submod_status(ear, name, &t) != CCAKIT_OK)
			t = CCAKIT_TIER_NONE;
		n += (size_t)snprintf(note + n, n < notesz ? notesz - n : 0,
		    "%s%s=%s", i > 0 ? "," : "", name, ccakit_tier_name(t));
	}
	if (why.code != CCAKIT_OK && n < notesz)
		snprintf(note + n, notesz - n, " (%s)",
		    ccakit_strerror(why.code));
out:
	/* The status page's and the metrics' record of it. */
	snprintf(subject, sizeof(subject), "session %.8s", s->id);
	memset(&att, 0, sizeof(att));
	att.req = req->id;
	att.subject = subject;
	att.ear = jwt != NULL ? ear : NULL;
	att.reason = why.code != CCAKIT_OK ? ccakit_strerror(why.code) : NULL;
	svc_ops_attestation(resp, &att);
	ccakit_ear_free(&ear);
	return jwt;
}

static void
evidence(void *arg, const struct svc_req *req, struct svc_resp *resp)
{
	struct cvs *v = arg;
	struct svc_v_session s;
	struct ccakit_errdetail d;
	enum svc_v_media kind;
	const uint8_t *ev = req->body;
	const char *mt = req->content_type;
	uint8_t *copy = NULL, claim[VDB_CLAIM_LEN];
	size_t evlen = req->body_len;
	char id[SVC_V_SESSION_ID_LEN + 1], inner[SVC_V_MEDIA_TYPE_MAX + 1];
	char note[120], *jwt = NULL;
	bool claimed = false;
	int r;

	/*
	 * Veraison's order: the reply type, the body, the media type (a
	 * CMW unwrapped first), the session id, the session.
	 */
	memset(&s, 0, sizeof(s));
	memset(&d, 0, sizeof(d));
	if (!negotiates(req, SVC_V_MT_SESSION)) {
		not_acceptable(resp, SVC_V_MT_SESSION);
		goto out;
	}
	if (req->body_len == 0) {
		svc_resp_problem(resp, 400, NULL, NULL, "no evidence");
		svc_resp_note(resp, "empty");
		goto out;
	}
	if ((r = svc_v_media_parse(req->content_type, &kind)) ==
	    CCAKIT_ERR_ENCODING) {
		svc_resp_problem(resp, 400, NULL, NULL, "the Content-Type is "
		    "missing or not a media type (quote a URI profile)");
		svc_resp_note(resp, "bad-media-type");
		goto out;
	}
	if (r == CCAKIT_OK && kind == SVC_V_MEDIA_CMW) {
		if ((r = svc_v_cmw_unwrap(req->body, req->body_len, &ev,
		    &evlen, &copy, inner, &d)) != CCAKIT_OK) {
			svc_resp_problem(resp, r == CCAKIT_ERR_NOT_FOUND ?
			    415 : r == CCAKIT_ERR_TOO_LARGE ? 413 : 400, NULL,
			    NULL, "%s", d.text[0] != '\0' ? d.text :
			    ccakit_strerror(r));
			if (r == CCAKIT_ERR_NOT_FOUND)
				accept_header(resp);
			svc_resp_note(resp, "bad-cmw");
			goto out;
		}
		mt = inner;
	} else if (r != CCAKIT_OK) {
		svc_resp_problem(resp, 415, NULL, NULL, "unsupported evidence "
		    "media type: %.200s", req->content_type);
		accept_header(resp);
		svc_resp_note(resp, "unsupported-media-type");
		goto out;
	}
	if (evlen > SVC_V_EVIDENCE_MAX) {
		svc_resp_problem(resp, 413, NULL, NULL, "evidence over %d "
		    "bytes", SVC_V_EVIDENCE_MAX);
		svc_resp_note(resp, "too-large");
		goto out;
	}
	if (!session_id(req, resp, id))
		goto out;
	memset(&d, 0, sizeof(d));
	if ((r = vdb_session_claim(v->db, id, &claimed, &s, claim, &d)) !=
	    CCAKIT_OK) {
		session_missing(resp, r, id, &d);
		goto out;
	}
	if (!claimed) {
		svc_resp_problem(resp, 409, NULL, NULL, "session %.40s is %s: "
		    "it accepts evidence once", id,
		    svc_v_status_name(s.status));
		svc_resp_note(resp, "session=%.8s reused", id);
		goto out;
	}
	note[0] = '\0';
	jwt = appraise(v, &s, ev, evlen, note, sizeof(note), req, resp);
	/* Recorded as Veraison records it: the type as sent (the record's
	 * for a CMW) and the token (unwrapped). */
	if ((r = vdb_session_finish(v->db, id, claim, mt, ev, evlen, jwt,
	    &d)) != CCAKIT_OK) {
		internal_d(resp, "session update", r, &d);
		goto out;
	}
	if (jwt == NULL) {
		svc_resp_problem(resp, 500, NULL, NULL, "the evidence could "
		    "not be appraised");
		svc_resp_note(resp, "session=%.8s failed", id);
		goto out;
	}
	s.status = SVC_V_COMPLETE;
	s.media_type = strdup(mt);
	if ((s.evidence = malloc(evlen)) != NULL) {
		memcpy(s.evidence, ev, evlen);
		s.evidence_len = evlen;
	}
	s.result = jwt;
	jwt = NULL;
	if (s.media_type == NULL || s.evidence == NULL) {
		internal(resp, "session document", CCAKIT_ERR_NOMEM);
		goto out;
	}
	session_reply(v, resp, 200, &s);
	svc_resp_note(resp, "session=%.8s %s", id, note);
out:
	free(copy);
	free(jwt);
	svc_v_session_clear(&s);
}

/* --- provisioning --- */

/* Bearer token check; false when a reply was made. */
static bool
authorized(struct cvs *v, const struct svc_req *req, struct svc_resp *resp)
{
	const char *h = svc_req_header(req, "Authorization");
	uint8_t md[32];
	size_t n;
	bool ok;

	if (!v->prov_enabled) {
		svc_resp_problem(resp, 403, NULL, NULL, "provisioning is "
		    "disabled (no --provisioning-token)");
		return false;
	}
	ok = h != NULL && strncasecmp(h, "Bearer ", 7) == 0;
	if (ok) {
		for (h += 7; *h == ' '; h++)
			;
		n = strlen(h);
		while (n > 0 && h[n - 1] == ' ')
			n--;
		ok = n > 0 && n <= CVS_PROV_TOKEN_MAX &&
		    cvs_token_hash(h, n, md) == 0 &&
		    ccakit_ct_memcmp(md, v->prov_hash, sizeof(md)) == 0;
	}
	if (!ok) {
		svc_resp_problem(resp, 401, NULL, NULL, "a valid bearer token "
		    "is required");
		svc_resp_header(resp, "WWW-Authenticate",
		    "Bearer realm=\"cca-verifier provisioning\"");
		svc_resp_note(resp, "unauthorized");
	}
	return ok;
}

static enum vdb_class
class_of(const struct svc_req *req)
{
	return strstr(req->path, "/trust-anchors") != NULL ? VDB_TA :
	    VDB_RV;
}

static void
prov_list(void *arg, const struct svc_req *req, struct svc_resp *resp)
{
	struct cvs *v = arg;
	struct ccakit_errdetail d;
	char *txt;
	int r;

	memset(&d, 0, sizeof(d));
	if (!authorized(v, req, resp))
		return;
	if ((r = vdb_prov_list(v->db, class_of(req), &txt, &d)) !=
	    CCAKIT_OK) {
		internal_d(resp, "provisioning list", r, &d);
		return;
	}
	resp_text(resp, 200, "application/json", txt);
}

static void
prov_add(void *arg, const struct svc_req *req, struct svc_resp *resp)
{
	struct cvs *v = arg;
	struct vdb_batch b;
	struct ccakit_errdetail d;
	json_t *j, *ids;
	size_t i, added = 0;
	int r, bad = 0;

	memset(&b, 0, sizeof(b));
	memset(&d, 0, sizeof(d));
	if (!authorized(v, req, resp))
		return;
	if ((r = vdb_batch_parse(class_of(req), (const char *)req->body,
	    req->body_len, &b, &d)) != CCAKIT_OK) {
		svc_resp_problem(resp, r == CCAKIT_ERR_TOO_LARGE ? 413 : 400,
		    NULL, NULL, "%s", d.text[0] != '\0' ? d.text :
		    ccakit_strerror(r));
		svc_resp_note(resp, "bad-body");
		goto out;
	}
	if ((r = vdb_prov_add(v->db, &b, &added, &d)) != CCAKIT_OK) {
		if (ccakit_err_class(r) == CCAKIT_CLASS_MALFORMED ||
		    r == CCAKIT_ERR_TOO_LARGE) {
			svc_resp_problem(resp, 409, NULL, NULL, "the stores "
			    "would not load: %s", d.text[0] != '\0' ? d.text :
			    ccakit_strerror(r));
		} else {
			internal_d(resp, "provisioning", r, &d);
		}
		goto out;
	}
	j = json_object();
	ids = json_array();
	for (i = 0; ids != NULL && i < b.n; i++)
		bad |= json_array_append_new(ids, json_string(b.e[i].id));
	bad |= json_object_set_new(j, "added", json_integer((json_int_t)
	    added));
	bad |= json_object_set_new(j, "ids", ids);
	if (bad != 0) {
		json_decref(j);
		internal(resp, "provisioning reply", CCAKIT_ERR_NOMEM);
		goto out;
	}
	svc_resp_json(resp, added > 0 ? 201 : 200, j);
	svc_resp_note(resp, "provisioned %zu entr%s (%zu new)", b.n,
	    b.n == 1 ? "y" : "ies", added);
	svc_info("provisioning: %zu %s entr%s, %zu new", b.n,
	    b.cls == VDB_TA ? "trust-anchor" : "reference-value",
	    b.n == 1 ? "y" : "ies", added);
out:
	vdb_batch_clear(&b);
}

static void
prov_clear(void *arg, const struct svc_req *req, struct svc_resp *resp)
{
	struct cvs *v = arg;
	struct ccakit_errdetail d;
	size_t n = 0;
	int r;

	memset(&d, 0, sizeof(d));
	if (!authorized(v, req, resp))
		return;
	if ((r = vdb_prov_clear(v->db, class_of(req), &n, &d)) !=
	    CCAKIT_OK) {
		internal_d(resp, "provisioning clear", r, &d);
		return;
	}
	svc_resp_json(resp, 200, json_pack("{s:I}", "removed",
	    (json_int_t)n));
	svc_resp_note(resp, "removed %zu", n);
}

static void
prov_get(void *arg, const struct svc_req *req, struct svc_resp *resp)
{
	struct cvs *v = arg;
	struct ccakit_errdetail d;
	char *txt;
	int r;

	memset(&d, 0, sizeof(d));
	if (!authorized(v, req, resp))
		return;
	if ((r = vdb_prov_get(v->db, class_of(req), req->arg[0], &txt,
	    &d)) == CCAKIT_ERR_NOT_FOUND) {
		svc_resp_problem(resp, 404, NULL, NULL, "no entry %.40s",
		    req->arg[0]);
		return;
	}
	if (r != CCAKIT_OK) {
		internal_d(resp, "provisioning get", r, &d);
		return;
	}
	resp_text(resp, 200, "application/json", txt);
}

static void
prov_remove(void *arg, const struct svc_req *req, struct svc_resp *resp)
{
	struct cvs *v = arg;
	struct ccakit_errdetail d;
	int r;

	memset(&d, 0, sizeof(d));
	if (!authorized(v, req, resp))
		return;
	if ((r = vdb_prov_remove(v->db, class_of(req), req->arg[0], &d)) ==
	    CCAKIT_ERR_NOT_FOUND) {
		svc_resp_problem(resp, 404, NULL, NULL, "no entry %.40s",
		    req->arg[0]);
		return;
	}
	if (r != CCAKIT_OK) {
		internal_d(resp, "provisioning remove", r, &d);
		return;
	}
	resp->status = 204;
	svc_resp_note(resp, "removed %.12s", req->arg[0]);
	svc_info("provisioning: removed %.40s", req->arg[0]);
}

#define TA "/provisioning/v1/trust-anchors"
#define RV "/provisioning/v1/reference-values"

/* For corim_prov.c. */
bool
cvs_authorized(struct cvs *v, const struct svc_req *req,
    struct svc_resp *resp)
{
	return authorized(v, req, resp);
}

bool
cvs_negotiates(const struct svc_req *req, const char *mt)
{
	return negotiates(req, mt);
}

void
cvs_not_acceptable(struct svc_resp *resp, const char *mt)
{
	not_acceptable(resp, mt);
}

const struct svc_route cvs_routes[] = {
	{ "GET", "/.well-known/veraison/verification", 0, discovery },
	{ "POST", CVS_NEW_SESSION_PATH, SMALL_BODY_MAX, new_session },
	{ "POST", "/challenge-response/v1/session/{}", SVC_V_BODY_MAX,
	    evidence },
	{ "GET", "/challenge-response/v1/session/{}", 0, get_session },
	{ "DELETE", "/challenge-response/v1/session/{}", 0, delete_session },
	{ "GET", TA, 0, prov_list },
	{ "POST", TA, PROV_BODY_MAX, prov_add },
	{ "DELETE", TA, 0, prov_clear },
	{ "GET", TA "/{}", 0, prov_get },
	{ "DELETE", TA "/{}", 0, prov_remove },
	{ "GET", RV, 0, prov_list },
	{ "POST", RV, PROV_BODY_MAX, prov_add },
	{ "DELETE", RV, 0, prov_clear },
	{ "GET", RV "/{}", 0, prov_get },
	{ "DELETE", RV "/{}", 0, prov_remove },
	{ "GET", CVS_CORIM_DISCOVERY_PATH, 0, cvs_corim_discovery },
	{ "POST", CVS_CORIM_SUBMIT_PATH, CCAKIT_CORIM_MAX_SIZE,
	    cvs_corim_submit },
};
const size_t cvs_nroutes = sizeof(cvs_routes) / sizeof(cvs_routes[0]);
