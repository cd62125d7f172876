/*
 * keybroker-app: one key request, as the demo's keybroker-client does it:
 * an ephemeral RSA wrapping key, POST /keys/v1/key/<name>, evidence for
 * the challenge, POST to the Location, unwrap the secret.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <ccakit/bytes.h>
#include <ccakit/cbor.h>

#include "httpc.h"
#include "kba.h"

int kba_verbosity = 1;

void
kba_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > kba_verbosity)
		return;
	fputs("keybroker-app: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
bn_b64url(EVP_PKEY *pk, const char *param, char *out, size_t outsz)
{
	uint8_t buf[CCAKIT_WRAPKEY_MAX_BITS / 8];
	BIGNUM *bn = NULL;
	int n, r = -1;

	if (EVP_PKEY_get_bn_param(pk, param, &bn) != 1)
		return -1;
	if ((n = BN_num_bytes(bn)) > 0 && (size_t)n <= sizeof(buf) &&
	    BN_bn2bin(bn, buf) == n &&
	    ccakit_b64_encode(buf, (size_t)n, CCAKIT_B64_URL, out, outsz) ==
	    CCAKIT_OK)
		r = 0;
	BN_free(bn);
	return r;
}

/* {"pubkey":{"kty":"RSA","alg":...,"n":...,"e":...}} */
static char *
key_request_body(EVP_PKEY *pk, enum ccakit_wrap_alg alg)
{
	char n[CCAKIT_WRAPKEY_MAX_BITS / 6 + 4], e[16], *s = NULL;
	size_t len;

	if (bn_b64url(pk, OSSL_PKEY_PARAM_RSA_N, n, sizeof(n)) != 0 ||
	    bn_b64url(pk, OSSL_PKEY_PARAM_RSA_E, e, sizeof(e)) != 0)
		return NULL;
	len = strlen(n) + strlen(e) + 128;
	if ((s = malloc(len)) == NULL)
		return NULL;
	snprintf(s, len, "{\"pubkey\":{\"kty\":\"RSA\",\"alg\":\"%s\","
	    "\"n\":\"%s\",\"e\":\"%s\"}}", ccakit_wrap_alg_str(alg), n, e);
	return s;
}

static int
unwrap(EVP_PKEY *pk, enum ccakit_wrap_alg alg, const uint8_t *ct,
    size_t ctlen, uint8_t **out, size_t *outlen)
{
	EVP_PKEY_CTX *c;
	uint8_t *buf = NULL;
	size_t n = 0;
	int r = -1;

	if ((c = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL)) == NULL ||
	    EVP_PKEY_decrypt_init(c) != 1)
		goto out;
	if (alg == CCAKIT_WRAP_RSA1_5) {
		if (EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) != 1)
			goto out;
	} else if (EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) !=
	    1 || EVP_PKEY_CTX_set_rsa_oaep_md_name(c, "SHA256", NULL) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md_name(c, "SHA256", NULL) != 1) {
		goto out;
	}
	if (EVP_PKEY_decrypt(c, NULL, &n, ct, ctlen) != 1 ||
	    (buf = malloc(n + 1)) == NULL ||
	    EVP_PKEY_decrypt(c, buf, &n, ct, ctlen) != 1)
		goto out;
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	buf = NULL;
	r = 0;
out:
	if (buf != NULL) {
		ccakit_wipe(buf, n);
		free(buf);
	}
	EVP_PKEY_CTX_free(c);
	return r;
}

/*
 * Token and event log as one CMW: {"evidence": [type, token],
 * "event_log": [type, log]} (the dynamic-RIM prototype's wire format, with
 * byte strings).
 */
static int
cmw_wrap(const uint8_t *tok, size_t toklen, const uint8_t *log, size_t loglen,
    uint8_t **out, size_t *outlen)
{
	struct ccakit_cbor_writer w;
	size_t cap = toklen + loglen + 256;
	uint8_t *buf;

	if ((buf = malloc(cap)) == NULL)
		return -1;
	ccakit_cbor_writer_init(&w, buf, cap);
	ccakit_cbor_put_map(&w, 2);
	ccakit_cbor_put_cstr(&w, "evidence");
	ccakit_cbor_put_array(&w, 2);
	ccakit_cbor_put_cstr(&w, KBS_MEDIA_TYPE_CCA);
	ccakit_cbor_put_bstr(&w, tok, toklen);
	ccakit_cbor_put_cstr(&w, "event_log");
	ccakit_cbor_put_array(&w, 2);
	ccakit_cbor_put_cstr(&w, KBS_MEDIA_TYPE_EVLOG);
	ccakit_cbor_put_bstr(&w, log, loglen);
	if (ccakit_cbor_writer_finish(&w, outlen) != 0) {
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

void
kba_get_key(const struct kba_opts *o, struct kba_result *res)
{
	static const char *const json_hdr[] = {
	    "Content-Type: application/json", "Accept: application/json",
	    NULL };
	static const char *const ev_hdr[] = {
	    "Content-Type: " KBS_MEDIA_TYPE_CCA, "Accept: application/json",
	    NULL };
	static const char *const cmw_hdr[] = {
	    "Content-Type: " KBS_MEDIA_TYPE_CMW, "Accept: application/json",
	    NULL };
	struct svc_httpc_opts ho;
	struct svc_http_resp resp;
	struct ccakit_errdetail d;
	uint8_t nonce[KBS_CHALLENGE_LEN], *tok = NULL, *ct = NULL;
	uint8_t *cmw = NULL;
	const uint8_t *ev;
	svc_httpc *hc = NULL;
	EVP_PKEY *pk = NULL;
	char *body = NULL, *url = NULL, *b64 = NULL, err[256];
	size_t evlen, ctlen, n;
	int r;

	memset(res, 0, sizeof(*res));
	memset(&resp, 0, sizeof(resp));
	memset(&d, 0, sizeof(d));
	res->status = KBA_EXIT_ERROR;
	memset(&ho, 0, sizeof(ho));
	ho.cafile = o->cafile;
	ho.insecure = o->insecure;
	ho.max_body = KBA_RESP_MAX;
	if ((hc = svc_httpc_new(&ho)) == NULL) {
		snprintf(res->detail, sizeof(res->detail), "out of memory");
		goto out;
	}
	/* 1. An ephemeral wrapping key. */
	if ((pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)o->bits)) ==
	    NULL || (body = key_request_body(pk, o->alg)) == NULL) {
		snprintf(res->detail, sizeof(res->detail), "cannot make an "
		    "RSA-%u wrapping key", o->bits);
		goto out;
	}
	/* 2. The key request. */
	n = strlen(o->endpoint) + strlen(o->key) + 32;
	if ((url = malloc(n)) == NULL) {
		snprintf(res->detail, sizeof(res->detail), "out of memory");
		goto out;
	}
	snprintf(url, n, "%s/keys/v1/key/%s", o->endpoint, o->key);
	kba_log(2, "Requesting key named '%s' from the keybroker server "
	    "with URL %s", o->key, url);
	if (svc_httpc_request(hc, "POST", url, json_hdr, body, strlen(body),
	    &resp, err, sizeof(err)) != SVC_HTTPC_OK) {
		snprintf(res->detail, sizeof(res->detail), "HTTP connection "
		    "failed: %s", err);
		goto out;
	}
	if (resp.status != 201) {
		kba_parse_problem(resp.body, resp.body_len, res->type,
		    sizeof(res->type), res->detail, sizeof(res->detail));
		if (resp.status == 403)
			res->status = KBA_EXIT_REFUSED;
		else if (res->detail[0] == '\0')
			snprintf(res->detail, sizeof(res->detail),
			    "Unhandled HTTP response: %ld", resp.status);
		goto out;
	}
	if (resp.location[0] == '\0') {
		snprintf(res->detail, sizeof(res->detail), "Missing location "
		    "field in HTTP request");
		goto out;
	}
	if (kba_parse_challenge(resp.body, resp.body_len, nonce, err,
	    sizeof(err)) != 0) {
		snprintf(res->detail, sizeof(res->detail), "Challenge "
		    "retrieval error: %s", err);
		goto out;
	}
	free(url);
	if ((url = svc_url_resolve(o->endpoint, resp.location)) == NULL) {
		snprintf(res->detail, sizeof(res->detail), "bad Location");
		goto out;
	}
	svc_http_resp_clear(&resp);
	/* 3. Evidence for the challenge. */
	if (o->mock_token != NULL) {
		ev = o->mock_token;
		evlen = o->mock_token_len;
	} else {
		if ((tok = malloc(CCAKIT_TSM_OUTBLOB_MAX)) == NULL) {
			snprintf(res->detail, sizeof(res->detail),
			    "out of memory");
			goto out;
		}
		if ((r = ccakit_attester_get_evidence(o->attester, nonce,
		    sizeof(nonce), tok, CCAKIT_TSM_OUTBLOB_MAX, &evlen, &d)) !=
		    CCAKIT_OK) {
			snprintf(res->detail, sizeof(res->detail), "Evidence "
			    "generation error: %s%s%.400s", ccakit_strerror(r),
			    d.text[0] != '\0' ? ": " : "", d.text);
			goto out;
		}
		ev = tok;
	}
	if (o->event_log != NULL) {
		if (cmw_wrap(ev, evlen, o->event_log, o->event_log_len, &cmw,
		    &evlen) != 0) {
			snprintf(res->detail, sizeof(res->detail),
			    "out of memory");
			goto out;
		}
		ev = cmw;
	}
	n = ccakit_b64_encoded_len(evlen, CCAKIT_B64_URL) + 1;
	if ((b64 = malloc(n)) == NULL || ccakit_b64_encode(ev, evlen,
	    CCAKIT_B64_URL, b64, n) != CCAKIT_OK) {
		snprintf(res->detail, sizeof(res->detail), "out of memory");
		goto out;
	}
	/* 4. Submit it. */
	kba_log(2, "Submitting evidence to URL %s", url);
	if (svc_httpc_request(hc, "POST", url, cmw != NULL ? cmw_hdr : ev_hdr,
	    b64, strlen(b64), &resp, err, sizeof(err)) != SVC_HTTPC_OK) {
		snprintf(res->detail, sizeof(res->detail), "HTTP connection "
		    "failed: %s", err);
		goto out;
	}
	if (resp.status != 200) {
		kba_parse_problem(resp.body, resp.body_len, res->type,
		    sizeof(res->type), res->detail, sizeof(res->detail));
		if (resp.status == 403)
			res->status = KBA_EXIT_REFUSED;
		else
			snprintf(res->detail + strlen(res->detail),
			    sizeof(res->detail) - strlen(res->detail),
			    "%sHTTP status %ld", res->detail[0] != '\0' ?
			    "; " : "", resp.status);
		goto out;
	}
	if (kba_parse_wrapped(resp.body, resp.body_len, &ct, &ctlen, err,
	    sizeof(err)) != 0) {
		snprintf(res->detail, sizeof(res->detail), "%s", err);
		goto out;
	}
	/* 5. Unwrap. */
	if (unwrap(pk, o->alg, ct, ctlen, &res->secret, &res->secret_len) !=
	    0) {
		snprintf(res->detail, sizeof(res->detail), "Failed to decrypt "
		    "the wrapped key");
		goto out;
	}
	res->status = KBA_EXIT_OK;
out:
	svc_http_resp_clear(&resp);
	svc_httpc_free(&hc);
	EVP_PKEY_free(pk);
	free(body);
	free(url);
	free(b64);
	free(ct);
	free(tok);
	free(cmw);
}
