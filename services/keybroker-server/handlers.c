/*
 * keybroker-server: the two routes of the demo's API.
 *
 *   POST /keys/v1/key/{name}       {"pubkey": JWK}
 *     -> 201, Location: <endpoint>/keys/v1/evidence/<id>,
 *        {"challenge": b64url(nonce), "accept": [media type]}
 *   POST /keys/v1/evidence/{id}    b64url(token)
 *     -> 200 {"data": b64url(wrapped secret)}
 *
 * Requests are checked completely before a challenge is redeemed, so a
 * malformed request (400, 413, 415) leaves the challenge usable; every
 * verification attempt consumes it. An unknown, used or expired challenge
 * is 403 AttestationFailure, as the demo's server answers it (its app
 * then exits 1); a challenge id that is not a number is 404 (actix's
 * answer to a path that does not parse).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbs.h"
#include "svcmain.h"

static void
key_request(void *arg, const struct svc_req *req, struct svc_resp *resp)
{
	struct kbs *k = arg;
	struct ccakit_errdetail d;
	struct kbs_challenge c;
	ccakit_wrapkey *wk = NULL;
	const uint8_t *secret;
	const char *name = req->arg[0];
	char err[256], loc[700], chal[100], fp[SVC_LOG_FP_SIZE];
	char *jwk = NULL;
	size_t slen;
	json_t *j;
	int r;

	memset(&d, 0, sizeof(d));
	/* JSON only, as upstream's Json extractor (which answers 400). */
	if (!kbs_json_media_type(req->content_type)) {
		svc_resp_problem(resp, 415, NULL, NULL, "the key request "
		    "Content-Type must be application/json (or a +json "
		    "type)");
		svc_resp_header(resp, "Accept", "application/json");
		svc_resp_note(resp, "bad-media-type");
		goto out;
	}
	if (!kbs_name_valid(name) ||
	    kbs_secrets_get(k->secrets, name, &secret, &slen) != CCAKIT_OK) {
		svc_resp_problem(resp, 404, KBS_PT_UNKNOWN_KEY, "Unknown key",
		    "No key named '%.128s' is held by this key broker.", name);
		svc_resp_note(resp, "unknown-key");
		goto out;
	}
	if (kbs_parse_key_request(req->body, req->body_len, &jwk, err,
	    sizeof(err)) != 0) {
		svc_resp_problem(resp, 400, KBS_PT_BAD_REQUEST,
		    "Malformed request", "%s", err);
		svc_resp_note(resp, "bad-body");
		goto out;
	}
	if ((wk = ccakit_wrapkey_new()) == NULL) {
		svc_resp_problem(resp, 500, KBS_PT_INTERNAL, "Internal error",
		    "out of memory");
		goto out;
	}
	if ((r = ccakit_wrapkey_from_jwk(wk, jwk, strlen(jwk), k->wrap_flags,
	    &d)) != CCAKIT_OK) {
		svc_resp_problem(resp, 400, KBS_PT_BAD_WRAPKEY,
		    "Unsupported wrapping key", "%s%s%s", ccakit_strerror(r),
		    d.text[0] != '\0' ? ": " : "", d.text);
		svc_resp_note(resp, "bad-wrapkey");
		goto out;
	}
	if (slen > ccakit_wrapkey_max_secret(wk)) {
		svc_resp_problem(resp, 400, KBS_PT_BAD_WRAPKEY,
		    "Unsupported wrapping key", "the secret is too long for "
		    "a %u-bit key with %s", ccakit_wrapkey_bits(wk),
		    ccakit_wrap_alg_str(ccakit_wrapkey_alg(wk)));
		svc_resp_note(resp, "wrapkey-too-small");
		goto out;
	}
	if ((r = kbs_chstore_issue(k->chs, name, jwk,
	    k->mock ? kbs_mock_nonce : NULL, &c)) == CCAKIT_ERR_DB_GONE) {
		svc_resp_db_lost(resp);
		goto out;
	}
	if (r != CCAKIT_OK) {
		svc_resp_problem(resp, 500, KBS_PT_INTERNAL, "Internal error",
		    "cannot issue a challenge");
		svc_error("req=%llu: issue: %s", (unsigned long long)req->id,
		    ccakit_strerror(r));
		goto out;
	}
	if (ccakit_b64_encode(c.nonce, sizeof(c.nonce), CCAKIT_B64_URL, chal,
	    sizeof(chal)) != CCAKIT_OK)
		goto internal;
	snprintf(loc, sizeof(loc), "%s/keys/v1/evidence/%u", k->endpoint,
	    c.id);
	j = k->nimages > 0 ? json_pack("{s:s, s:[s, s]}", "challenge", chal,
	    "accept", KBS_ACCEPT_CCA, KBS_MEDIA_TYPE_CMW) :
	    json_pack("{s:s, s:[s]}", "challenge", chal, "accept",
	    KBS_ACCEPT_CCA);
	if (svc_resp_json(resp, 201, j) != 0 ||
	    svc_resp_header(resp, "Location", loc) != 0)
		goto internal;
	svc_resp_note(resp, "challenge=%u key=%s nonce=%s", c.id, name,
	    svc_log_fp(c.nonce, sizeof(c.nonce), fp));
	goto out;
internal:
	svc_resp_problem(resp, 500, KBS_PT_INTERNAL, "Internal error",
	    "cannot build the reply");
out:
	ccakit_wrapkey_free(&wk);
	free(jwk);
}

static void
dump_evidence(uint32_t id, const uint8_t *tok, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "evidence-%u.cbor", id);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(tok, 1, len, f) != len || fclose(f) != 0)
		svc_warn("cannot write %s", path);
	else
		svc_info("evidence for challenge %u written to %s", id, path);
}

static void
evidence(void *arg, const struct svc_req *req, struct svc_resp *resp)
{
	struct kbs *k = arg;
	struct ccakit_errdetail d;
	struct kbs_challenge c;
	ccakit_wrapkey *wk = NULL;
	const uint8_t *secret;
	uint8_t *tok = NULL, *ev = NULL, *log = NULL;
	uint8_t wrapped[CCAKIT_WRAPKEY_MAX_BITS / 8];
	char err[256], detail[512], note[128], *data = NULL;
	size_t toklen = 0, evlen, loglen = 0, slen, wlen;
	enum kbs_evidence_kind kind;
	uint32_t id;
	int r;

	memset(&c, 0, sizeof(c));
	memset(&d, 0, sizeof(d));
	if (!kbs_parse_challenge_id(req->arg[0], &id)) {
		svc_resp_problem(resp, 404, KBS_PT_UNKNOWN_CHAL,
		    "Unknown challenge", "'%.32s' is not a challenge "
		    "identifier.", req->arg[0]);
		svc_resp_note(resp, "bad-id");
		goto out;
	}
	kind = kbs_media_type(req->content_type);
	if (kind == KBS_EV_NONE || (kind == KBS_EV_CMW && k->nimages == 0)) {
		svc_resp_problem(resp, 415, NULL, NULL,
		    "the evidence Content-Type "
		    "must be %s%s%s", KBS_MEDIA_TYPE_CCA, k->nimages > 0 ?
		    " or " : "", k->nimages > 0 ? KBS_MEDIA_TYPE_CMW : "");
		svc_resp_note(resp, "challenge=%u bad-media-type", id);
		goto out;
	}
	if (kbs_parse_evidence(req->body, req->body_len, &ev, &evlen, err,
	    sizeof(err)) != 0 || (kind == KBS_EV_CMW && kbs_parse_cmw(ev,
	    evlen, &tok, &toklen, &log, &loglen, err, sizeof(err)) != 0)) {
		svc_resp_problem(resp, 400, KBS_PT_BAD_REQUEST,
		    "Malformed request", "%s", err);
		svc_resp_note(resp, "challenge=%u bad-body", id);
		goto out;
	}
	if (kind == KBS_EV_CCA) {
		if (evlen > CCAKIT_TOKEN_MAX_SIZE) {
			svc_resp_problem(resp, 413, NULL, NULL,
			    "a token has at most %d bytes",
			    CCAKIT_TOKEN_MAX_SIZE);
			svc_resp_note(resp, "challenge=%u too-large", id);
			goto out;
		}
		tok = ev;
		toklen = evlen;
		ev = NULL;
	}
	/* From here on the challenge is spent, whatever happens. */
	if ((r = kbs_chstore_redeem(k->chs, id, &c, &d)) != CCAKIT_OK) {
		if (r == CCAKIT_ERR_NOT_FOUND) {
			svc_resp_problem(resp, 403, KBS_PT_ATTESTATION,
			    "Attestation failure", "The challenge identifier "
			    "did not match any issued challenge (%s).",
			    d.text[0] != '\0' ? d.text : "unknown or used");
			svc_resp_note(resp, "challenge=%u %s", id,
			    strstr(d.text, "expired") != NULL ? "expired" :
			    "unknown-or-used");
		} else if (r == CCAKIT_ERR_DB_GONE) {
			svc_resp_db_lost(resp);
		} else {
			svc_resp_problem(resp, 500, KBS_PT_INTERNAL,
			    "Internal error", "challenge store failure");
			svc_error("req=%llu: redeem: %s",
			    (unsigned long long)req->id, ccakit_strerror(r));
		}
		goto out;
	}
	if (k->dump_evidence)
		dump_evidence(id, tok, toklen);
	if (log != NULL)
		svc_debug("challenge %u: event log of %zu bytes", id, loglen);
	switch (kbs_appraise(k, &c, tok, toklen, log, loglen, detail,
	    sizeof(detail), note, sizeof(note))) {
	case KBS_ALLOW:
		break;
	case KBS_DENY:
		svc_resp_problem(resp, 403, KBS_PT_ATTESTATION,
		    "Attestation failure", "%s", detail);
		svc_resp_note(resp, "challenge=%u key=%s denied %s", id,
		    c.key, note);
		svc_info("evidence for challenge %u: %s", id, detail);
		goto out;
	case KBS_VERIFIER_ERROR:
		svc_resp_problem(resp, 502, KBS_PT_VERIFIER,
		    "Verifier unavailable", "No attestation result was "
		    "obtained. %s", detail);
		svc_resp_note(resp, "challenge=%u verifier-error", id);
		svc_warn("evidence for challenge %u: %s", id, detail);
		goto out;
	default:
		svc_resp_problem(resp, 500, KBS_PT_INTERNAL, "Internal error",
		    "%s", detail);
		goto out;
	}
	/* Allowed: wrap the secret to the key given with the request. */
	if ((r = kbs_secrets_get(k->secrets, c.key, &secret, &slen)) !=
	    CCAKIT_OK) {
		svc_resp_problem(resp, 404, KBS_PT_UNKNOWN_KEY, "Unknown key",
		    "No key named '%s' is held by this key broker.", c.key);
		goto out;
	}
	if ((wk = ccakit_wrapkey_new()) == NULL ||
	    (r = ccakit_wrapkey_from_jwk(wk, c.wrapkey, strlen(c.wrapkey),
	    k->wrap_flags, NULL)) != CCAKIT_OK ||
	    (r = ccakit_wrap(wk, secret, slen, wrapped, sizeof(wrapped),
	    &wlen)) != CCAKIT_OK) {
		svc_resp_problem(resp, 500, KBS_PT_INTERNAL, "Internal error",
		    "cannot wrap the secret");
		svc_error("challenge %u: wrap: %s", id, ccakit_strerror(r));
		goto out;
	}
	if ((data = malloc(ccakit_b64_encoded_len(wlen, CCAKIT_B64_URL) +
	    1)) == NULL || ccakit_b64_encode(wrapped, wlen, CCAKIT_B64_URL,
	    data, ccakit_b64_encoded_len(wlen, CCAKIT_B64_URL) + 1) !=
	    CCAKIT_OK || svc_resp_json(resp, 200, json_pack("{s:s}", "data",
	    data)) != 0) {
		svc_resp_problem(resp, 500, KBS_PT_INTERNAL, "Internal error",
		    "cannot build the reply");
		goto out;
	}
	svc_resp_note(resp, "challenge=%u key=%s released %s", id, c.key,
	    note);
	svc_info("evidence for challenge %u: verification succeeded, key "
	    "'%s' released", id, c.key);
out:
	ccakit_wipe(wrapped, sizeof(wrapped));
	ccakit_wipe(&c, sizeof(c));
	ccakit_wrapkey_free(&wk);
	free(data);
	free(tok);
	free(ev);
	free(log);
}

const struct svc_route kbs_routes[] = {
	{ "POST", "/keys/v1/key/{}", KBS_KEYREQ_MAX, key_request },
	{ "POST", "/keys/v1/evidence/{}", KBS_EVIDENCE_MAX, evidence },
};
const size_t kbs_nroutes = sizeof(kbs_routes) / sizeof(kbs_routes[0]);
