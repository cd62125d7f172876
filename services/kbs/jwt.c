/*
 * JSON Web Tokens as the KBS verifies them (Trustee's kbs/src/crypto at
 * 78962cd, jsonwebtoken underneath): compact JWS with ES256/384/512,
 * RS256/384/512, PS256/384/512 or EdDSA (Ed25519); keys from JWKs (EC,
 * RSA, OKP), JWK sets (file://, a plain path, or https:// with OpenID
 * discovery behind it) and PEM public keys. The algorithm is always the
 * key's (a JWK's "alg", or the header's for a PEM key of that type),
 * and "exp" is required, with a leeway; nbf, aud and iss are not checked
 * here (the callers check what Trustee checks).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <ccakit/bytes.h>

#include "httpc.h"
#include "jwt.h"
#include "log.h"

#define JWT_MAX         (256 * 1024)
#define JWKS_MAX        (1024 * 1024)
#define PEM_MAX         (64 * 1024)
#define JWKS_MAX_KEYS   256

struct kbs_jwks {
	json_t *keys;                   /* array of JWK objects */
	EVP_PKEY *pem[KBS_MAX_PATHS];
	size_t npem;
};

static int
jerr(struct ccakit_errdetail *d, int code, const char *fmt, ...)
    SVC_PRINTF(3, 4);

static int
jerr(struct ccakit_errdetail *d, int code, const char *fmt, ...)
{
	va_list ap;

	if (d != NULL) {
		d->code = code;
		d->what = "jwt";
		va_start(ap, fmt);
		vsnprintf(d->text, sizeof(d->text), fmt, ap);
		va_end(ap);
	}
	return code;
}

void
kbs_jwt_clear(struct kbs_jwt *t)
{
	json_decref(t->header);
	json_decref(t->claims);
	t->header = t->claims = NULL;
}

/* base64url without padding into a malloc'd buffer (NUL after). */
static uint8_t *
b64u_dec(const char *s, size_t len, size_t *out)
{
	uint8_t *p = malloc(len + 1);

	if (p == NULL)
		return NULL;
	if (ccakit_b64_decode(s, len, CCAKIT_B64_URL, p, len + 1, out) != 0) {
		free(p);
		return NULL;
	}
	p[*out] = '\0';
	return p;
}

static json_t *
b64u_json(const char *s, size_t len)
{
	json_error_t je;
	uint8_t *p;
	size_t n;
	json_t *j;

	if ((p = b64u_dec(s, len, &n)) == NULL)
		return NULL;
	j = json_loadb((char *)p, n, JSON_REJECT_DUPLICATES, &je);
	free(p);
	if (!json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

int
kbs_jwt_decode(const char *jwt, size_t len, struct kbs_jwt *out,
    struct ccakit_errdetail *d)
{
	const char *p1, *p2;

	memset(out, 0, sizeof(*out));
	if (len > JWT_MAX)
		return jerr(d, CCAKIT_ERR_TOO_LARGE, "token larger than %d "
		    "bytes", JWT_MAX);
	if ((p1 = memchr(jwt, '.', len)) == NULL ||
	    (p2 = memchr(p1 + 1, '.', len - (size_t)(p1 + 1 - jwt))) == NULL ||
	    memchr(p2 + 1, '.', len - (size_t)(p2 + 1 - jwt)) != NULL)
		return jerr(d, CCAKIT_ERR_ENCODING, "not three dot-separated "
		    "parts");
	if ((out->header = b64u_json(jwt, (size_t)(p1 - jwt))) == NULL)
		return jerr(d, CCAKIT_ERR_JSON, "header: not base64url JSON "
		    "object");
	if ((out->claims = b64u_json(p1 + 1, (size_t)(p2 - p1 - 1))) ==
	    NULL) {
		kbs_jwt_clear(out);
		return jerr(d, CCAKIT_ERR_JSON, "claims: not base64url JSON "
		    "object");
	}
	return CCAKIT_OK;
}

/* --- keys --- */

static BIGNUM *
b64u_bn(const json_t *jwk, const char *member, size_t want)
{
	const char *s = json_string_value(json_object_get(jwk, member));
	uint8_t *p;
	size_t n;
	BIGNUM *bn;

	if (s == NULL || (p = b64u_dec(s, strlen(s), &n)) == NULL)
		return NULL;
	if (want != 0 && n != want) {
		free(p);
		return NULL;
	}
	bn = BN_bin2bn(p, (int)n, NULL);
	free(p);
	return bn;
}

static EVP_PKEY *
fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *k = NULL;

	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
		k = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return k;
}

int
kbs_jwk_to_pkey(const json_t *jwk, void **pkey, struct ccakit_errdetail *d)
{
	const char *kty = json_string_value(json_object_get(jwk, "kty"));
	const char *crv = json_string_value(json_object_get(jwk, "crv"));
	const char *group = NULL, *xs;
	OSSL_PARAM_BLD *bld = NULL;
	BIGNUM *x = NULL, *y = NULL, *n = NULL, *e = NULL;
	uint8_t pt[1 + 2 * 66], *xb = NULL;
	size_t cl = 0, xl;
	EVP_PKEY *k = NULL;

	if (kty == NULL)
		return jerr(d, CCAKIT_ERR_KEY_INVALID, "JWK without kty");
	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		return CCAKIT_ERR_NOMEM;
	if (strcmp(kty, "EC") == 0 && crv != NULL) {
		if (strcmp(crv, "P-256") == 0) {
			group = "prime256v1";
			cl = 32;
		} else if (strcmp(crv, "P-384") == 0) {
			group = "secp384r1";
			cl = 48;
		} else if (strcmp(crv, "P-521") == 0) {
			group = "secp521r1";
			cl = 66;
		}
		if (group != NULL && (x = b64u_bn(jwk, "x", cl)) != NULL &&
		    (y = b64u_bn(jwk, "y", cl)) != NULL) {
			pt[0] = 4;
			BN_bn2binpad(x, pt + 1, (int)cl);
			BN_bn2binpad(y, pt + 1 + cl, (int)cl);
			if (OSSL_PARAM_BLD_push_utf8_string(bld,
			    OSSL_PKEY_PARAM_GROUP_NAME, group, 0) == 1 &&
			    OSSL_PARAM_BLD_push_octet_string(bld,
			    OSSL_PKEY_PARAM_PUB_KEY, pt, 1 + 2 * cl) == 1)
				k = fromdata("EC", bld);
		}
	} else if (strcmp(kty, "RSA") == 0) {
		if ((n = b64u_bn(jwk, "n", 0)) != NULL &&
		    (e = b64u_bn(jwk, "e", 0)) != NULL &&
		    BN_num_bits(n) >= 1024 && BN_num_bits(n) <= 16384 &&
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) == 1 &&
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) == 1)
			k = fromdata("RSA", bld);
	} else if (strcmp(kty, "OKP") == 0 && crv != NULL &&
	    strcmp(crv, "Ed25519") == 0 &&
	    (xs = json_string_value(json_object_get(jwk, "x"))) != NULL &&
	    (xb = b64u_dec(xs, strlen(xs), &xl)) != NULL && xl == 32) {
		k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, xb, xl);
	}
	free(xb);
	BN_free(x);
	BN_free(y);
	BN_free(n);
	BN_free(e);
	OSSL_PARAM_BLD_free(bld);
	if (k == NULL)
		return jerr(d, CCAKIT_ERR_KEY_INVALID, "unsupported or "
		    "malformed JWK (kty %.10s)", kty);
	*pkey = k;
	return CCAKIT_OK;
}

/* --- signatures --- */

struct alg {
	const char *name;
	const char *type;               /* "EC", "RSA", "ED25519" */
	const char *md;                 /* NULL for EdDSA */
	size_t coord;                   /* EC coordinate length */
	bool pss;
};

static const struct alg algs[] = {
	{ "ES256", "EC", "SHA256", 32, false },
	{ "ES384", "EC", "SHA384", 48, false },
	{ "ES512", "EC", "SHA512", 66, false },
	{ "RS256", "RSA", "SHA256", 0, false },
	{ "RS384", "RSA", "SHA384", 0, false },
	{ "RS512", "RSA", "SHA512", 0, false },
	{ "PS256", "RSA", "SHA256", 0, true },
	{ "PS384", "RSA", "SHA384", 0, true },
	{ "PS512", "RSA", "SHA512", 0, true },
	{ "EdDSA", "ED25519", NULL, 0, false },
};

static const struct alg *
find_alg(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcmp(algs[i].name, name) == 0)
			return &algs[i];
	return NULL;
}

static bool
key_fits(EVP_PKEY *k, const struct alg *a)
{
	char grp[32];
	size_t n;

	if (!EVP_PKEY_is_a(k, a->type))
		return false;
	if (a->coord == 0)
		return true;
	if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, grp,
	    sizeof(grp), &n) != 1)
		return false;
	return (a->coord == 32 && strcmp(grp, "prime256v1") == 0) ||
	    (a->coord == 48 && strcmp(grp, "secp384r1") == 0) ||
	    (a->coord == 66 && strcmp(grp, "secp521r1") == 0);
}

static bool
sig_ok(EVP_PKEY *k, const struct alg *a, const uint8_t *msg, size_t mlen,
    const uint8_t *sig, size_t slen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *s = NULL;
	uint8_t *der = NULL;
	int dl = 0;
	bool ok = false;

	if (md == NULL)
		return false;
	if (a->coord != 0) {
		/* raw r || s to DER */
		if (slen != 2 * a->coord ||
		    (r = BN_bin2bn(sig, (int)a->coord, NULL)) == NULL ||
		    (s = BN_bin2bn(sig + a->coord, (int)a->coord,
		    NULL)) == NULL || (es = ECDSA_SIG_new()) == NULL ||
		    ECDSA_SIG_set0(es, r, s) != 1)
			goto out;
		r = s = NULL;
		if ((dl = i2d_ECDSA_SIG(es, &der)) <= 0)
			goto out;
		sig = der;
		slen = (size_t)dl;
	}
	if (EVP_DigestVerifyInit_ex(md, &pctx, a->md, NULL, NULL, k, NULL) !=
	    1)
		goto out;
	if (a->pss && (EVP_PKEY_CTX_set_rsa_padding(pctx,
	    RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) !=
	    1))
		goto out;
	ok = EVP_DigestVerify(md, sig, slen, msg, mlen) == 1;
out:
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	BN_free(r);
	BN_free(s);
	EVP_MD_CTX_free(md);
	return ok;
}

int
kbs_jwt_check(const struct kbs_jwt *t, const char *jwt, size_t len,
    void *pkey, const char *alg, int64_t now, struct ccakit_errdetail *d)
{
	const struct alg *a = find_alg(alg);
	const char *halg, *dot;
	const json_t *exp;
	uint8_t *sig;
	size_t slen;

	halg = json_string_value(json_object_get(t->header, "alg"));
	if (a == NULL || halg == NULL || strcmp(halg, alg) != 0)
		return jerr(d, CCAKIT_ERR_COSE_ALG, "InvalidAlgorithm: the "
		    "header's alg is not the key's (%.20s)", alg != NULL ? alg :
		    "-");
	if (!key_fits(pkey, a))
		return jerr(d, CCAKIT_ERR_KEY_MISMATCH, "the key is not one "
		    "for %s", alg);
	/* decoding checked there are exactly two dots */
	if ((dot = memchr(jwt, '.', len)) == NULL || (dot = memchr(dot + 1,
	    '.', len - (size_t)(dot + 1 - jwt))) == NULL)
		return jerr(d, CCAKIT_ERR_ENCODING, "not three dot-separated "
		    "parts");
	if ((sig = b64u_dec(dot + 1, len - (size_t)(dot + 1 - jwt), &slen)) ==
	    NULL)
		return jerr(d, CCAKIT_ERR_ENCODING, "signature: not base64url");
	if (!sig_ok(pkey, a, (const uint8_t *)jwt, (size_t)(dot - jwt), sig,
	    slen)) {
		free(sig);
		return jerr(d, CCAKIT_ERR_SIGNATURE, "InvalidSignature");
	}
	free(sig);
	exp = json_object_get(t->claims, "exp");
	if (exp == NULL)
		return jerr(d, CCAKIT_ERR_EXPIRED, "MissingRequiredClaim: exp");
	if (!json_is_integer(exp) || json_integer_value(exp) < 0)
		return jerr(d, CCAKIT_ERR_EXPIRED, "exp: not a number of "
		    "seconds");
	if (now > json_integer_value(exp) + KBS_TOKEN_LEEWAY_S)
		return jerr(d, CCAKIT_ERR_EXPIRED, "ExpiredSignature");
	return CCAKIT_OK;
}

int
kbs_jwt_verify(const char *jwt, size_t len, void *pkey, const char *alg,
    int64_t now, struct kbs_jwt *out, struct ccakit_errdetail *d)
{
	int r;

	if ((r = kbs_jwt_decode(jwt, len, out, d)) != CCAKIT_OK)
		return r;
	if ((r = kbs_jwt_check(out, jwt, len, pkey, alg, now, d)) !=
	    CCAKIT_OK)
		kbs_jwt_clear(out);
	return r;
}

/* --- key sets --- */

kbs_jwks *
kbs_jwks_new(void)
{
	kbs_jwks *j = calloc(1, sizeof(*j));

	if (j != NULL && (j->keys = json_array()) == NULL) {
		free(j);
		return NULL;
	}
	return j;
}

void
kbs_jwks_free(kbs_jwks **jp)
{
	kbs_jwks *j;
	size_t i;

	if (jp == NULL || (j = *jp) == NULL)
		return;
	json_decref(j->keys);
	for (i = 0; i < j->npem; i++)
		EVP_PKEY_free(j->pem[i]);
	free(j);
	*jp = NULL;
}

size_t
kbs_jwks_count(const kbs_jwks *j)
{
	return json_array_size(j->keys);
}

size_t
kbs_jwks_pem_count(const kbs_jwks *j)
{
	return j->npem;
}

const json_t *
kbs_jwks_find(const kbs_jwks *j, const char *kid)
{
	const json_t *k;
	const char *s;
	size_t i;

	json_array_foreach(j->keys, i, k)
		if ((s = json_string_value(json_object_get(k, "kid"))) != NULL &&
		    strcmp(s, kid) == 0)
			return k;
	return NULL;
}

/* GET an https:// URL (a body of at most max bytes, status 200). */
static int
fetch(const char *url, size_t max, uint8_t **body, size_t *len,
    struct ccakit_errdetail *d)
{
	struct svc_httpc_opts o;
	struct svc_http_resp resp;
	svc_httpc *c;
	char err[256];
	int r;

	memset(&o, 0, sizeof(o));
	o.max_body = max;
	o.timeout_ms = 30000;
	if ((c = svc_httpc_new(&o)) == NULL)
		return CCAKIT_ERR_NOMEM;
	memset(&resp, 0, sizeof(resp));
	r = svc_httpc_request(c, "GET", url, NULL, NULL, 0, &resp, err,
	    sizeof(err));
	svc_httpc_free(&c);
	if (r != SVC_HTTPC_OK)
		return jerr(d, CCAKIT_ERR_IO, "%s: %s", url, err);
	if (resp.status != 200) {
		svc_http_resp_clear(&resp);
		return jerr(d, CCAKIT_ERR_IO, "%s: HTTP status %ld", url,
		    resp.status);
	}
	*body = resp.body;
	*len = resp.body_len;
	resp.body = NULL;
	svc_http_resp_clear(&resp);
	return CCAKIT_OK;
}

/* A local file (file:// URI or a plain path). */
static int
read_local(const char *uri, size_t max, uint8_t **body, size_t *len,
    struct ccakit_errdetail *d)
{
	const char *path = uri;
	FILE *f;
	uint8_t *p;
	size_t n;

	if (strncmp(uri, "file://", 7) == 0)
		path = uri + 7;
	else if (strstr(uri, "://") != NULL)
		return jerr(d, CCAKIT_ERR_CONFIG, "%s: unsupported scheme "
		    "(file://, https:// or a path)", uri);
	if ((f = fopen(path, "re")) == NULL)
		return jerr(d, CCAKIT_ERR_IO, "open %s: cannot read it", path);
	if ((p = malloc(max + 1)) == NULL) {
		fclose(f);
		return CCAKIT_ERR_NOMEM;
	}
	n = fread(p, 1, max + 1, f);
	fclose(f);
	if (n > max) {
		free(p);
		return jerr(d, CCAKIT_ERR_TOO_LARGE, "%s: larger than %zu "
		    "bytes", path, max);
	}
	p[n] = '\0';
	*body = p;
	*len = n;
	return CCAKIT_OK;
}

/* A JWK set's keys, checked as jsonwebtoken's JwkSet reads them. */
static int
add_set(kbs_jwks *j, const uint8_t *body, size_t len, const char *uri,
    struct ccakit_errdetail *d)
{
	json_error_t je;
	json_t *set, *keys, *k;
	void *pk;
	size_t i;
	int r;

	set = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je);
	keys = json_object_get(set, "keys");
	if (!json_is_array(keys) || json_array_size(keys) > JWKS_MAX_KEYS) {
		json_decref(set);
		return jerr(d, CCAKIT_ERR_JSON, "%s: failed to deserialize JWK "
		    "set ({\"keys\": [...]})", uri);
	}
	json_array_foreach(keys, i, k) {
		if ((r = kbs_jwk_to_pkey(k, &pk, d)) != CCAKIT_OK) {
			json_decref(set);
			return jerr(d, r, "%s: key %zu: %s", uri, i,
			    d != NULL ? d->text : "");
		}
		EVP_PKEY_free(pk);
		json_array_append(j->keys, k);
	}
	json_decref(set);
	return CCAKIT_OK;
}

int
kbs_jwks_add_uri(kbs_jwks *j, const char *uri, struct ccakit_errdetail *d)
{
	json_error_t je;
	uint8_t *body = NULL;
	char url[2048];
	const char *ju;
	json_t *oidc;
	size_t len;
	int r;

	if (strncmp(uri, "https://", 8) != 0) {
		if ((r = read_local(uri, JWKS_MAX, &body, &len, d)) ==
		    CCAKIT_OK)
			r = add_set(j, body, len, uri, d);
		free(body);
		return r;
	}
	/* A JWK set at the URL, else OpenID discovery below it. */
	if (fetch(uri, JWKS_MAX, &body, &len, NULL) == CCAKIT_OK) {
		size_t before = json_array_size(j->keys);

		r = add_set(j, body, len, uri, NULL);
		free(body);
		body = NULL;
		if (r == CCAKIT_OK && json_array_size(j->keys) > before)
			return CCAKIT_OK;
	}
	snprintf(url, sizeof(url), "%s%s.well-known/openid-configuration", uri,
	    uri[strlen(uri) - 1] == '/' ? "" : "/");
	if ((r = fetch(url, JWKS_MAX, &body, &len, d)) != CCAKIT_OK)
		return r;
	oidc = json_loadb((const char *)body, len, 0, &je);
	free(body);
	body = NULL;
	if ((ju = json_string_value(json_object_get(oidc, "jwks_uri"))) ==
	    NULL || strncmp(ju, "https://", 8) != 0) {
		json_decref(oidc);
		return jerr(d, CCAKIT_ERR_JSON, "%s: no https jwks_uri", url);
	}
	snprintf(url, sizeof(url), "%s", ju);
	json_decref(oidc);
	if ((r = fetch(url, JWKS_MAX, &body, &len, d)) != CCAKIT_OK)
		return r;
	r = add_set(j, body, len, url, d);
	free(body);
	return r;
}

int
kbs_jwks_add_pem_uri(kbs_jwks *j, const char *uri, struct ccakit_errdetail *d)
{
	OSSL_DECODER_CTX *dc;
	EVP_PKEY *k = NULL;
	const uint8_t *p;
	uint8_t *body = NULL;
	size_t len;
	int r;

	if (j->npem == KBS_MAX_PATHS)
		return jerr(d, CCAKIT_ERR_CONFIG, "too many keys");
	r = strncmp(uri, "https://", 8) == 0 ? fetch(uri, PEM_MAX, &body, &len,
	    d) : read_local(uri, PEM_MAX, &body, &len, d);
	if (r != CCAKIT_OK)
		return r;
	/* SubjectPublicKeyInfo (EC, RSA, Ed25519) or PKCS#1 RSA. */
	dc = OSSL_DECODER_CTX_new_for_pkey(&k, "PEM", NULL, NULL,
	    EVP_PKEY_PUBLIC_KEY, NULL, NULL);
	p = body;
	if (dc == NULL || OSSL_DECODER_from_data(dc, &p, &len) != 1)
		k = NULL;
	OSSL_DECODER_CTX_free(dc);
	free(body);
	if (k == NULL || (!EVP_PKEY_is_a(k, "EC") && !EVP_PKEY_is_a(k, "RSA") &&
	    !EVP_PKEY_is_a(k, "ED25519"))) {
		EVP_PKEY_free(k);
		return jerr(d, CCAKIT_ERR_KEY_INVALID, "%s: failed to decode "
		    "PEM public key (EC, RSA or Ed25519)", uri);
	}
	j->pem[j->npem++] = k;
	return CCAKIT_OK;
}

int
kbs_jwks_verify_pem(const kbs_jwks *j, const char *jwt, size_t len,
    int64_t now, struct kbs_jwt *out, struct ccakit_errdetail *d)
{
	struct kbs_jwt h;
	const char *alg;
	size_t i;
	int r = CCAKIT_ERR_SIGNATURE;

	if ((r = kbs_jwt_decode(jwt, len, &h, d)) != CCAKIT_OK)
		return r;
	alg = json_string_value(json_object_get(h.header, "alg"));
	r = jerr(d, CCAKIT_ERR_SIGNATURE, "Cannot verify token with any "
	    "provided key");
	for (i = 0; alg != NULL && i < j->npem; i++)
		if ((r = kbs_jwt_verify(jwt, len, j->pem[i], alg, now, out,
		    d)) == CCAKIT_OK)
			break;
	kbs_jwt_clear(&h);
	return r;
}
