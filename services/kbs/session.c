/*
 * RCAR sessions (Trustee's kbs/src/attestation/session.rs at 78962cd):
 * records in namespace kbs_protocol_session under the session id, the
 * JSON Trustee keeps there:
 *   {"Authed":{"request":{...},"challenge":{...},"id":"<32 hex>",
 *              "timeout":"<RFC 3339>"}}
 *   {"Attested":{"token":"...","id":"...","timeout":"..."}}
 * An expired record reads as absent and is deleted (and purged by the
 * housekeeping). Authed -> Attested happens once across replicas (a
 * compare-and-set on the record's version).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "jscan.h"
#include "session.h"

int
kbs_session_id(char id[RCAR_SESSION_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t u[16];
	size_t i;

	if (RAND_bytes(u, sizeof(u)) != 1)
		return CCAKIT_ERR_CRYPTO;
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);         /* version 4 */
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);         /* RFC 4122 */
	for (i = 0; i < 16; i++) {
		id[2 * i] = hex[u[i] >> 4];
		id[2 * i + 1] = hex[u[i] & 15];
	}
	id[32] = '\0';
	return CCAKIT_OK;
}

static void
rfc3339(int64_t t, char *out, size_t outsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "YYYY-MM-DDTHH:MM:SS[.frac](Z|+00:00)" */
static bool
parse_rfc3339(const char *s, int64_t *out)
{
	struct tm tm;
	const char *p;
	int n = 0;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n == 0)
		return false;
	p = s + n;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = (int64_t)timegm(&tm);
	return true;
}

void
kbs_cookie(const char *id, int64_t expires, char *out, size_t outsz)
{
	time_t tt = (time_t)expires;
	struct tm tm;
	char date[64];

	gmtime_r(&tt, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	snprintf(out, outsz, RCAR_COOKIE "=%s; Expires=%s", id, date);
}

int
kbs_session_new(struct kbs *k, const struct rcar_request *req,
    const char *nonce, int64_t now, char id[RCAR_SESSION_ID_LEN + 1],
    int64_t *expires, struct ccakit_errdetail *d)
{
	json_t *rec, *rq;
	char ts[40], *text;
	bool created = false;
	int r, tries;

	*expires = now + 60 * k->conf.session_timeout_min;
	rfc3339(*expires, ts, sizeof(ts));
	if ((rq = rcar_request_build(req->version, req->tee,
	    req->extra_params)) == NULL)
		return CCAKIT_ERR_NOMEM;
	for (tries = 0; tries < 4 && !created; tries++) {
		if ((r = kbs_session_id(id)) != CCAKIT_OK)
			break;
		rec = json_pack("{s:{s:O, s:o, s:s, s:s}}", "Authed",
		    "request", rq, "challenge", rcar_challenge_build(nonce,
		    NULL), "id", id, "timeout", ts);
		text = rec != NULL ? json_dumps(rec, JSON_COMPACT) : NULL;
		json_decref(rec);
		if (text == NULL) {
			r = CCAKIT_ERR_NOMEM;
			break;
		}
		r = kbs_kv_set(kbs_store_ns(k->store, KBS_NS_SESSION),
		    KBS_NS_SESSION, id, text, strlen(text), *expires * 1000,
		    false, &created, d);
		free(text);
		if (r != CCAKIT_OK)
			break;
	}
	json_decref(rq);
	if (r == CCAKIT_OK && !created)
		r = CCAKIT_ERR_INTERNAL;
	return r;
}

void
kbs_session_clear(struct kbs_session *s)
{
	json_decref(s->root);
	free(s->owned);
	memset(s, 0, sizeof(*s));
}

/*
 * An Attested record read without jansson (its token is kilobytes of
 * text): exactly {"Attested":{...}} with string members "token" and
 * "timeout" (others checked and ignored). false when the text is not
 * that, for jansson to read.
 */
static bool
attested_text(const char *p, size_t n, char **token, char *ts, size_t tssz)
{
	struct jscan s = { p, p + n };
	bool first = true, ifirst = true;
	char key[16], *tok = NULL;
	size_t klen, len;
	int m;

	ts[0] = '\0';
	if (!jscan_object(&s) || jscan_member(&s, &first, key, sizeof(key),
	    &klen) != 1 || strcmp(key, "Attested") != 0 || !jscan_object(&s))
		return false;
	while ((m = jscan_member(&s, &ifirst, key, sizeof(key), &klen)) ==
	    1) {
		if (strcmp(key, "token") == 0 && tok == NULL) {
			if ((tok = jscan_string_dup(&s, &len)) == NULL)
				break;
		} else if (strcmp(key, "timeout") == 0 && ts[0] == '\0') {
			if (!jscan_string(&s, ts, tssz, &len))
				break;
		} else if (!jscan_value(&s, 2)) {
			break;
		}
	}
	if (m != 0 || tok == NULL || ts[0] == '\0' || jscan_member(&s, &first,
	    key, sizeof(key), &klen) != 0 || jscan_ws(&s)) {
		free(tok);
		return false;
	}
	*token = tok;
	return true;
}

/* Not expired: its id in; else gone (and deleted). */
static int
session_live(kbs_kv *kv, const char *id, int64_t now,
    struct kbs_session *out)
{
	if (out->expires <= now) {
		kbs_session_clear(out);
		(void)kbs_kv_delete(kv, KBS_NS_SESSION, id, NULL);
		return CCAKIT_ERR_NOT_FOUND;
	}
	snprintf(out->id, sizeof(out->id), "%s", id);
	return CCAKIT_OK;
}

int
kbs_session_get(struct kbs *k, const char *id, int64_t now,
    struct kbs_session *out, struct ccakit_errdetail *d)
{
	kbs_kv *kv = kbs_store_ns(k->store, KBS_NS_SESSION);
	struct kbs_val v;
	json_error_t je;
	json_t *j, *body, *ch;
	const char *ts_j;
	char ts[40];
	int r;

	memset(out, 0, sizeof(*out));
	if (!kbs_kv_key_valid(id))
		return CCAKIT_ERR_NOT_FOUND;
	memset(&v, 0, sizeof(v));
	if ((r = kbs_kv_get(kv, KBS_NS_SESSION, id, &v, d)) != CCAKIT_OK)
		return r;
	if (attested_text((const char *)v.p, v.len, &out->owned, ts,
	    sizeof(ts))) {
		out->version = v.version;
		kbs_val_clear(&v);
		out->attested = true;
		out->token = out->owned;
		if (!parse_rfc3339(ts, &out->expires)) {
			kbs_session_clear(out);
			return CCAKIT_ERR_NOT_FOUND;
		}
		return session_live(kv, id, now, out);
	}
	j = json_loadb((const char *)v.p, v.len, 0, &je);
	out->version = v.version;
	kbs_val_clear(&v);
	if ((body = json_object_get(j, "Authed")) != NULL) {
		out->attested = false;
	} else if ((body = json_object_get(j, "Attested")) != NULL) {
		out->attested = true;
	} else {
		json_decref(j);
		return CCAKIT_ERR_NOT_FOUND;
	}
	out->root = j;
	if ((ts_j = json_string_value(json_object_get(body, "timeout"))) ==
	    NULL || !parse_rfc3339(ts_j, &out->expires)) {
		kbs_session_clear(out);
		return CCAKIT_ERR_NOT_FOUND;
	}
	if ((r = session_live(kv, id, now, out)) != CCAKIT_OK)
		return r;
	if (out->attested) {
		out->token = json_string_value(json_object_get(body, "token"));
		if (out->token == NULL) {
			kbs_session_clear(out);
			return CCAKIT_ERR_NOT_FOUND;
		}
	} else {
		ch = json_object_get(body, "challenge");
		out->nonce = json_string_value(json_object_get(ch, "nonce"));
		if (out->nonce == NULL || rcar_tee_parse(json_string_value(
		    json_object_get(json_object_get(body, "request"), "tee")),
		    &out->tee) != 0) {
			kbs_session_clear(out);
			return CCAKIT_ERR_NOT_FOUND;
		}
	}
	return CCAKIT_OK;
}

int
kbs_session_attest(struct kbs *k, const struct kbs_session *s,
    const char *token, bool *updated, struct ccakit_errdetail *d)
{
	char ts[40], *text;
	json_t *rec = NULL;
	size_t n;
	int r;

	rfc3339(s->expires, ts, sizeof(ts));
	if (rcar_json_plain(token) && rcar_json_plain(s->id)) {
		/* What json_dumps() writes, without building it. */
		n = strlen(token) + strlen(s->id) + strlen(ts) + 64;
		if ((text = malloc(n)) == NULL)
			return CCAKIT_ERR_NOMEM;
		snprintf(text, n, "{\"Attested\":{\"token\":\"%s\",\"id\":"
		    "\"%s\",\"timeout\":\"%s\"}}", token, s->id, ts);
	} else if ((rec = json_pack("{s:{s:s, s:s, s:s}}", "Attested",
	    "token", token, "id", s->id, "timeout", ts)) == NULL ||
	    (text = json_dumps(rec, JSON_COMPACT)) == NULL) {
		json_decref(rec);
		return CCAKIT_ERR_NOMEM;
	} else {
		json_decref(rec);
	}
	r = kbs_kv_update(kbs_store_ns(k->store, KBS_NS_SESSION),
	    KBS_NS_SESSION, s->id, s->version, text, strlen(text), updated, d);
	free(text);
	return r;
}
