/*
 * EC keys as JWK text (RFC 7517, RFC 7518 §6.2), and a loader that takes
 * either a JWK or PEM: Veraison publishes its EAR key as a JWK, c-ear
 * and most deployments keep it as PEM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/bytes.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/jose.h>

#include "cose/cose_priv.h"
#include "jose/jose_priv.h"

int
ccakit_jwk_from_key(const ccakit_key *k, int alg, char **out)
{
	uint8_t pt[CKI_EC_POINT_MAX];
	char *x = NULL, *y = NULL, *res = NULL;
	const char *crv, *algname = NULL;
	size_t ptlen, clen, n;
	int w, r = CCAKIT_ERR_INTERNAL;

	if (out != NULL)
		*out = NULL;
	if (k == NULL || out == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if ((crv = cki_cose_crv_jwk(ccakit_key_crv(k))) == NULL)
		return CCAKIT_ERR_KEY_INVALID;
	if (alg != 0) {
		if ((algname = ccakit_jws_alg_name(alg)) == NULL)
			return CCAKIT_ERR_INVALID_ARG;
		if (ccakit_cose_alg_crv(alg) != ccakit_key_crv(k))
			return CCAKIT_ERR_KEY_MISMATCH;
	}
	if ((r = ccakit_key_to_sec1(k, pt, sizeof(pt), &ptlen)) != CCAKIT_OK)
		return r;
	clen = ccakit_cose_crv_coord_len(ccakit_key_crv(k));
	if (ptlen != 1 + 2 * clen)
		return CCAKIT_ERR_INTERNAL;
	if ((x = cki_b64url_dup(pt + 1, clen)) == NULL ||
	    (y = cki_b64url_dup(pt + 1 + clen, clen)) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	n = 96 + strlen(x) + strlen(y);
	if ((res = malloc(n)) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	if (algname != NULL)
		w = snprintf(res, n, "{\"alg\":\"%s\",\"crv\":\"%s\","
		    "\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}", algname, crv,
		    x, y);
	else
		w = snprintf(res, n, "{\"crv\":\"%s\",\"kty\":\"EC\","
		    "\"x\":\"%s\",\"y\":\"%s\"}", crv, x, y);
	if (w < 0 || (size_t)w >= n) {
		r = CCAKIT_ERR_INTERNAL;
		goto out;
	}
	*out = res;
	res = NULL;
	r = CCAKIT_OK;
out:
	free(x);
	free(y);
	free(res);
	return r;
}

int
ccakit_key_from_text(ccakit_key *k, const char *text, size_t len)
{
	size_t i;

	if (k == NULL || text == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if (len > CCAKIT_JWK_MAX_LEN)
		return CCAKIT_ERR_TOO_LARGE;
	for (i = 0; i < len && (text[i] == ' ' || text[i] == '\t' ||
	    text[i] == '\r' || text[i] == '\n'); i++)
		;
	if (i < len && text[i] == '{')
		return ccakit_key_from_jwk(k, text, len);
	return ccakit_key_from_pem(k, text, len);
}
