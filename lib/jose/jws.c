/*
 * JWS compact serialization (RFC 7515 §7.1) with ES256, ES384 and ES512
 * (RFC 7518 §3.4): the signature is raw r||s, each integer left-padded to
 * the curve's coordinate length.
 *
 * Decoding is strict (see include/ccakit/jose.h): three canonical
 * base64url segments, a small JSON header with a known alg and no
 * extension, and a signature of the curve's exact size at verification.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include <ccakit/bytes.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/jose.h>

#include "cose/cose_priv.h"
#include "jose/jose_priv.h"
#include "util/util.h"

struct ccakit_jws {
	int alg;
	char *typ;		/* NULL when absent */
	char *kid;		/* NULL when absent */
	char *input;		/* signing input: header64 '.' payload64 */
	size_t inlen;
	uint8_t *payload;	/* decoded, NUL appended (not counted) */
	size_t plen;
	uint8_t sig[CKI_EC_RAWSIG_MAX];
	size_t siglen;
};

/* The JWS names of the ES algorithms are COSE's (RFC 7518 §3.1). */
int
ccakit_jws_alg_from_name(const char *name)
{
	static const int algs[] = {
		CCAKIT_COSE_ES256, CCAKIT_COSE_ES384, CCAKIT_COSE_ES512
	};
	size_t i;

	if (name == NULL)
		return 0;
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcmp(name, ccakit_cose_alg_name(algs[i])) == 0)
			return algs[i];
	return 0;
}

const char *
ccakit_jws_alg_name(int alg)
{
	return ccakit_cose_alg_name(alg);
}

char *
cki_b64url_dup(const uint8_t *in, size_t len)
{
	size_t n;
	char *s;

	if (len > SIZE_MAX / 2)
		return NULL;
	n = ccakit_b64_encoded_len(len, CCAKIT_B64_URL) + 1;
	if ((s = malloc(n)) == NULL)
		return NULL;
	if (ccakit_b64_encode(in, len, CCAKIT_B64_URL, s, n) != CCAKIT_OK) {
		free(s);
		return NULL;
	}
	return s;
}

/* Digest of the JWS signing input with the algorithm's hash. */
static int
input_digest(int alg, const char *in, size_t inlen, uint8_t *md,
    size_t *mdlen)
{
	const EVP_MD *type;
	unsigned int n = 0;

	if ((type = cki_cose_md(alg)) == NULL)
		return CCAKIT_ERR_COSE_ALG;
	if (EVP_Digest(in, inlen, md, &n, type, NULL) != 1)
		return CCAKIT_ERR_CRYPTO;
	*mdlen = n;
	return CCAKIT_OK;
}

/* typ goes into the header verbatim: keep it to plain printable ASCII. */
static bool
typ_ok(const char *typ)
{
	size_t i, n = strlen(typ);

	if (n == 0 || n > 64)
		return false;
	for (i = 0; i < n; i++)
		if (typ[i] < 0x20 || typ[i] > 0x7e || typ[i] == '"' ||
		    typ[i] == '\\')
			return false;
	return true;
}

int
ccakit_jws_sign(const ccakit_key *priv, int alg, const char *typ,
    const uint8_t *payload, size_t plen, char **out)
{
	uint8_t md[CKI_MD_MAX], raw[CKI_EC_RAWSIG_MAX];
	char hdr[128];
	char *h64 = NULL, *p64 = NULL, *s64 = NULL, *input = NULL, *res = NULL;
	size_t mdlen, clen, inlen, n;
	int hlen, r = CCAKIT_ERR_INTERNAL;

	if (out != NULL)
		*out = NULL;
	if (priv == NULL || priv->pkey == NULL || out == NULL ||
	    (payload == NULL && plen > 0) || (typ != NULL && !typ_ok(typ)))
		return CCAKIT_ERR_INVALID_ARG;
	if (plen > CCAKIT_JWS_MAX_LEN)
		return CCAKIT_ERR_TOO_LARGE;
	if (!priv->priv)
		return CCAKIT_ERR_KEY_INVALID;
	if (alg == 0)
		alg = ccakit_key_default_alg(priv);
	if ((r = cki_cose_check_alg(priv, alg)) != CCAKIT_OK)
		return r;
	clen = ccakit_cose_crv_coord_len(priv->crv);

	if (typ != NULL)
		hlen = snprintf(hdr, sizeof(hdr), "{\"alg\":\"%s\",\"typ\":\"%s\"}",
		    ccakit_jws_alg_name(alg), typ);
	else
		hlen = snprintf(hdr, sizeof(hdr), "{\"alg\":\"%s\"}",
		    ccakit_jws_alg_name(alg));
	if (hlen < 0 || (size_t)hlen >= sizeof(hdr))
		return CCAKIT_ERR_INTERNAL;

	if ((h64 = cki_b64url_dup((const uint8_t *)hdr, (size_t)hlen)) ==
	    NULL || (p64 = cki_b64url_dup(payload, plen)) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	inlen = strlen(h64) + 1 + strlen(p64);
	if ((input = malloc(inlen + 1)) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	(void)snprintf(input, inlen + 1, "%s.%s", h64, p64);
	if ((r = input_digest(alg, input, inlen, md, &mdlen)) != CCAKIT_OK ||
	    (r = cki_ecdsa_sign_digest(priv, alg, md, mdlen, raw)) !=
	    CCAKIT_OK)
		goto out;
	if ((s64 = cki_b64url_dup(raw, 2 * clen)) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	n = inlen + 1 + strlen(s64) + 1;
	if ((res = malloc(n)) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	(void)snprintf(res, n, "%s.%s", input, s64);
	*out = res;
	res = NULL;
	r = CCAKIT_OK;
out:
	free(h64);
	free(p64);
	free(s64);
	free(input);
	free(res);
	return r;
}

ccakit_jws *
ccakit_jws_new(void)
{
	return calloc(1, sizeof(ccakit_jws));
}

static void
jws_clear(ccakit_jws *j)
{
	free(j->typ);
	free(j->kid);
	free(j->input);
	free(j->payload);
	memset(j, 0, sizeof(*j));
}

void
ccakit_jws_free(ccakit_jws **jp)
{
	ccakit_jws *j;

	if (jp == NULL || (j = *jp) == NULL)
		return;
	jws_clear(j);
	free(j);
	*jp = NULL;
}

/*
 * The decoder refuses padding, the standard alphabet, stray characters
 * and non-zero trailing bits, so every accepted segment is the one
 * canonical encoding of its bytes.
 */
int
cki_b64url_decode_dup(const char *s, size_t len, uint8_t **out,
    size_t *outlen)
{
	uint8_t *buf;
	size_t cap = len / 4 * 3 + 3, n = 0;
	int r;

	if ((buf = malloc(cap + 1)) == NULL)
		return CCAKIT_ERR_NOMEM;
	if ((r = ccakit_b64_decode(s, len, CCAKIT_B64_URL, buf, cap,
	    &n)) != CCAKIT_OK) {
		free(buf);
		return r == CCAKIT_ERR_BUFFER_TOO_SMALL ? CCAKIT_ERR_INTERNAL :
		    CCAKIT_ERR_ENCODING;
	}
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return CCAKIT_OK;
}

/* An optional string member; *out NULL when absent. */
static int
hdr_str(const json_t *hdr, const char *name, char **out,
    struct ccakit_errdetail *d)
{
	const json_t *v;

	*out = NULL;
	if ((v = json_object_get(hdr, name)) == NULL)
		return CCAKIT_OK;
	if (!json_is_string(v))
		return cki_detail(d, CCAKIT_ERR_JSON, "header",
		    "JWS header member \"%s\" is not a string", name);
	if ((*out = strdup(json_string_value(v))) == NULL)
		return CCAKIT_ERR_NOMEM;
	return CCAKIT_OK;
}

static int
parse_header(ccakit_jws *j, const uint8_t *h, size_t hlen,
    struct ccakit_errdetail *d)
{
	static const char *const refused[] = { "crit", "b64" };
	json_t *root = NULL;
	json_error_t jerr;
	const json_t *v;
	char *cty = NULL;
	size_t i;
	int r = CCAKIT_ERR_INTERNAL;

	if (hlen > CCAKIT_JWS_MAX_HEADER)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "header",
		    "JWS header larger than %d bytes", CCAKIT_JWS_MAX_HEADER);
	if ((root = json_loadb((const char *)h, hlen, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		r = cki_detail(d, CCAKIT_ERR_JSON, "header",
		    "JWS header: %s", jerr.text);
		goto out;
	}
	if (!json_is_object(root)) {
		r = cki_detail(d, CCAKIT_ERR_JSON, "header",
		    "JWS header is not a JSON object");
		goto out;
	}
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (json_object_get(root, refused[i]) != NULL) {
			r = cki_detail(d, CCAKIT_ERR_JSON, "header",
			    "JWS header member \"%s\" is not supported",
			    refused[i]);
			goto out;
		}
	if ((v = json_object_get(root, "alg")) == NULL ||
	    !json_is_string(v)) {
		r = cki_detail(d, CCAKIT_ERR_COSE_ALG, "alg",
		    "JWS header has no alg string");
		goto out;
	}
	if ((j->alg = ccakit_jws_alg_from_name(json_string_value(v))) == 0) {
		r = cki_detail(d, CCAKIT_ERR_COSE_ALG, "alg",
		    "JWS alg \"%.32s\" is not accepted", json_string_value(v));
		goto out;
	}
	if ((r = hdr_str(root, "typ", &j->typ, d)) != CCAKIT_OK ||
	    (r = hdr_str(root, "kid", &j->kid, d)) != CCAKIT_OK ||
	    (r = hdr_str(root, "cty", &cty, d)) != CCAKIT_OK)
		goto out;
	r = CCAKIT_OK;
out:
	free(cty);
	json_decref(root);
	return r;
}

int
ccakit_jws_decode(ccakit_jws *out, const char *compact, size_t len,
    struct ccakit_errdetail *d)
{
	const char *dot1, *dot2;
	uint8_t *hdr = NULL, *sig = NULL;
	size_t hlen = 0, siglen = 0;
	ccakit_jws t, *j = &t;
	int r = CCAKIT_ERR_INTERNAL;

	memset(&t, 0, sizeof(t));
	if (compact == NULL || out == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (len > CCAKIT_JWS_MAX_LEN)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "jws",
		    "JWS larger than %d bytes", CCAKIT_JWS_MAX_LEN);
	if ((dot1 = memchr(compact, '.', len)) == NULL ||
	    (dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 -
	    compact))) == NULL ||
	    memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - compact)) != NULL)
		return cki_detail(d, CCAKIT_ERR_ENCODING, "jws",
		    "a compact JWS has exactly three segments");
	if (dot1 == compact || dot2 + 1 == compact + len)
		return cki_detail(d, CCAKIT_ERR_ENCODING, "jws",
		    "empty JWS header or signature");

	if ((r = cki_b64url_decode_dup(compact, (size_t)(dot1 - compact), &hdr,
	    &hlen)) != CCAKIT_OK) {
		r = cki_detail(d, r, "header", "JWS header: bad base64url");
		goto out;
	}
	if ((r = cki_b64url_decode_dup(dot1 + 1, (size_t)(dot2 - dot1 - 1), &j->payload,
	    &j->plen)) != CCAKIT_OK) {
		r = cki_detail(d, r, "payload", "JWS payload: bad base64url");
		goto out;
	}
	if ((r = cki_b64url_decode_dup(dot2 + 1, len - (size_t)(dot2 + 1 - compact), &sig,
	    &siglen)) != CCAKIT_OK) {
		r = cki_detail(d, r, "signature",
		    "JWS signature: bad base64url");
		goto out;
	}
	if (siglen > sizeof(j->sig)) {
		r = cki_detail(d, CCAKIT_ERR_ENCODING, "signature",
		    "JWS signature too long");
		goto out;
	}
	memcpy(j->sig, sig, siglen);
	j->siglen = siglen;
	if ((r = parse_header(j, hdr, hlen, d)) != CCAKIT_OK)
		goto out;
	j->inlen = (size_t)(dot2 - compact);
	if ((j->input = malloc(j->inlen + 1)) == NULL) {
		r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		goto out;
	}
	memcpy(j->input, compact, j->inlen);
	j->input[j->inlen] = '\0';
	jws_clear(out);
	*out = t;
	memset(&t, 0, sizeof(t));
	r = CCAKIT_OK;
out:
	free(hdr);
	free(sig);
	jws_clear(&t);
	return r;
}

int
ccakit_jws_alg(const ccakit_jws *j)
{
	return j != NULL ? j->alg : 0;
}

const char *
ccakit_jws_typ(const ccakit_jws *j)
{
	return j != NULL ? j->typ : NULL;
}

const char *
ccakit_jws_kid(const ccakit_jws *j)
{
	return j != NULL ? j->kid : NULL;
}

const uint8_t *
ccakit_jws_payload(const ccakit_jws *j, size_t *len)
{
	if (j == NULL || len == NULL)
		return NULL;
	*len = j->plen;
	return j->payload;
}

int
ccakit_jws_verify(const ccakit_jws *j, const ccakit_key *pub, int alg,
    struct ccakit_errdetail *d)
{
	uint8_t md[CKI_MD_MAX];
	size_t mdlen, clen;
	int r = CCAKIT_ERR_INTERNAL;

	if (j == NULL || pub == NULL || pub->pkey == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (ccakit_cose_alg_crv(alg) == 0)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "alg",
		    "pinned algorithm is not ES256, ES384 or ES512");
	if (j->alg != alg)
		return cki_detail(d, CCAKIT_ERR_COSE_ALG, "alg",
		    "JWS alg %s, expected %s", ccakit_jws_alg_name(j->alg),
		    ccakit_jws_alg_name(alg));
	if ((r = cki_cose_check_alg(pub, alg)) != CCAKIT_OK)
		return cki_detail(d, r, "key",
		    "the key cannot verify %s", ccakit_jws_alg_name(alg));
	clen = ccakit_cose_crv_coord_len(pub->crv);
	if (j->siglen != 2 * clen)
		return cki_detail(d, CCAKIT_ERR_SIGNATURE, "signature",
		    "%s signature must be %zu bytes, not %zu",
		    ccakit_jws_alg_name(alg), 2 * clen, j->siglen);
	if ((r = input_digest(alg, j->input, j->inlen, md, &mdlen)) !=
	    CCAKIT_OK)
		return cki_detail(d, r, NULL, NULL);
	if ((r = cki_ecdsa_verify_digest(pub, alg, md, mdlen, j->sig)) !=
	    CCAKIT_OK)
		(void)cki_detail(d, r, "signature", "JWS signature: %s",
		    ccakit_strerror(r));
	return r;
}
