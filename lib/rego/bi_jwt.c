/*
 * io.jwt.*: decode, decode_verify, verify_{rs,ps,es,hs}{256,384,512},
 * verify_eddsa, encode_sign, encode_sign_raw, with OPA's semantics
 * (v1/topdown/tokens.go and the jwx library it uses): the same checks
 * in the same order, the same error messages, the same constraints
 * (cert, secret, alg, iss, aud, time with exp and nbf).
 *
 * Keys: a PEM certificate or public key (one block, nothing after it),
 * or a JWK / JWK set (RSA, EC P-256/384/521, OKP Ed25519, oct). All
 * signature work goes through OpenSSL's EVP; HMAC tags are compared in
 * constant time. Tokens and keys are untrusted: sizes and nesting are
 * capped, and every OpenSSL object is freed on every path.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <ccakit/bytes.h>

#include "rego/bi_crypto.h"

/* Nested tokens (cty "JWT") followed at most this deep. */
#define JWT_MAX_NESTING  32
/* Keys taken from one JWK set. */
#define JWT_MAX_KEYS     64
/* RSA moduli OpenSSL accepts for verification. */
#define JWT_RSA_MAX_BITS 16384

/* ------------------------------------------------------------------ */
/* Algorithms.                                                          */

enum jalg_kind { JA_HMAC, JA_RSA, JA_PSS, JA_ECDSA, JA_EDDSA };

struct jalg {
	const char *name;
	enum jalg_kind kind;
	const char *md;            /* NULL for EdDSA */
};

static const struct jalg jalgs[] = {
	{ "HS256", JA_HMAC, "SHA256" },
	{ "HS384", JA_HMAC, "SHA384" },
	{ "HS512", JA_HMAC, "SHA512" },
	{ "RS256", JA_RSA, "SHA256" },
	{ "RS384", JA_RSA, "SHA384" },
	{ "RS512", JA_RSA, "SHA512" },
	{ "PS256", JA_PSS, "SHA256" },
	{ "PS384", JA_PSS, "SHA384" },
	{ "PS512", JA_PSS, "SHA512" },
	{ "ES256", JA_ECDSA, "SHA256" },
	{ "ES384", JA_ECDSA, "SHA384" },
	{ "ES512", JA_ECDSA, "SHA512" },
	{ "EdDSA", JA_EDDSA, NULL },
};

static const struct jalg *
jalg_find(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(jalgs) / sizeof(jalgs[0]); i++)
		if (strlen(jalgs[i].name) == n &&
		    memcmp(jalgs[i].name, name, n) == 0)
			return &jalgs[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Keys.                                                                */

struct vkey {
	EVP_PKEY *pk;              /* asymmetric */
	const uint8_t *secret;     /* oct (arena) */
	size_t seclen;
	const char *alg;           /* "" when the key names none */
	const char *kid;           /* "" when none */
	bool priv;                 /* a private JWK (OPA's verify_* refuse) */
};

struct keyset {
	struct vkey k[JWT_MAX_KEYS];
	size_t n;
	bool set;                  /* keys were given (maybe none usable) */
};

static void
keyset_free(struct keyset *ks)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		EVP_PKEY_free(ks->k[i].pk);
	ks->n = 0;
}

/* A base64url member of a JWK (either alphabet, padding optional, as
 * jwx reads them) into the arena; NULL when absent. */
static const uint8_t *
jwk_bytes(struct rego_arena *ar, const rv *jwk, const char *name,
    size_t *len, const char **err)
{
	const rv *v = rv_obj_gets(jwk, name, strlen(name));
	uint8_t *buf;

	*len = 0;
	if (v == NULL)
		return NULL;
	if (v->t != RV_STR) {
		*err = "key member is not a string";
		return NULL;
	}
	if ((buf = ra_alloc(ar, v->n / 4 * 3 + 4)) == NULL) {
		*err = "out of memory";
		return NULL;
	}
	if (ccakit_b64_decode(v->u.s, v->n, CCAKIT_B64_ANY, buf,
	    v->n / 4 * 3 + 4, len) != CCAKIT_OK) {
		*err = "failed to decode base64 key member";
		return NULL;
	}
	return buf;
}

static int
push_bn(OSSL_PARAM_BLD *bld, const char *key, const uint8_t *b, size_t n,
    BIGNUM **keep)
{
	BIGNUM *bn;

	if (b == NULL)
		return 1;
	if (n > INT_MAX || (bn = BN_bin2bn(b, (int)n, NULL)) == NULL)
		return 0;
	*keep = bn;
	return OSSL_PARAM_BLD_push_BN(bld, key, bn);
}

static EVP_PKEY *
from_params(const char *type, OSSL_PARAM_BLD *bld, bool priv)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *pc = NULL;
	EVP_PKEY *pk = NULL;

	if (params != NULL &&
	    (pc = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) != NULL &&
	    EVP_PKEY_fromdata_init(pc) == 1 &&
	    EVP_PKEY_fromdata(pc, &pk, priv ? EVP_PKEY_KEYPAIR :
	    EVP_PKEY_PUBLIC_KEY, params) != 1)
		pk = NULL;
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	return pk;
}

static EVP_PKEY *
rsa_from_jwk(struct rego_arena *ar, const rv *jwk, bool *priv,
    const char **err)
{
	static const char *const names[] = { "n", "e", "d", "p", "q", "dp",
		"dq", "qi" };
	static const char *const params[] = { OSSL_PKEY_PARAM_RSA_N,
		OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
		OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
		OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
		OSSL_PKEY_PARAM_RSA_COEFFICIENT1 };
	const uint8_t *v[8];
	size_t len[8], i;
	BIGNUM *bn[8] = { NULL };
	OSSL_PARAM_BLD *bld;
	EVP_PKEY *pk = NULL;
	bool ok = true, crt;

	for (i = 0; i < 8; i++) {
		v[i] = jwk_bytes(ar, jwk, names[i], &len[i], err);
		if (v[i] == NULL && *err != NULL)
			return NULL;
	}
	if (v[0] == NULL || v[1] == NULL || len[0] == 0 || len[1] == 0) {
		*err = "required field n or e is missing";
		return NULL;
	}
	if (len[0] * 8 > JWT_RSA_MAX_BITS || len[1] > 8) {
		*err = "RSA key too large";
		return NULL;
	}
	*priv = v[2] != NULL;
	crt = v[3] != NULL && v[4] != NULL && v[5] != NULL && v[6] != NULL &&
	    v[7] != NULL;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL) {
		*err = "out of memory";
		return NULL;
	}
	for (i = 0; i < 8 && ok; i++)
		if (i < 3 || crt)
			ok = push_bn(bld, params[i], v[i], len[i], &bn[i]) == 1;
	if (ok)
		pk = from_params("RSA", bld, *priv);
	OSSL_PARAM_BLD_free(bld);
	for (i = 0; i < 8; i++)
		BN_clear_free(bn[i]);
	if (pk == NULL)
		*err = "invalid RSA key";
	return pk;
}

static const char *
ec_group(const rv *crv, size_t *coord)
{
	if (crv == NULL || crv->t != RV_STR)
		return NULL;
	if (strcmp(crv->u.s, "P-256") == 0) {
		*coord = 32;
		return "prime256v1";
	}
	if (strcmp(crv->u.s, "P-384") == 0) {
		*coord = 48;
		return "secp384r1";
	}
	if (strcmp(crv->u.s, "P-521") == 0) {
		*coord = 66;
		return "secp521r1";
	}
	return NULL;
}

static EVP_PKEY *
ec_from_jwk(struct rego_arena *ar, const rv *jwk, bool *priv,
    const char **err)
{
	size_t coord = 0, xn, yn, dn;
	const char *group = ec_group(rv_obj_gets(jwk, "crv", 3), &coord);
	const uint8_t *x, *y, *d;
	uint8_t pt[1 + 2 * 66];
	OSSL_PARAM_BLD *bld;
	BIGNUM *dbn = NULL;
	EVP_PKEY *pk = NULL;
	EVP_PKEY_CTX *pc;
	bool ok;

	if (group == NULL) {
		*err = "unsupported or missing elliptic curve (crv)";
		return NULL;
	}
	x = jwk_bytes(ar, jwk, "x", &xn, err);
	y = jwk_bytes(ar, jwk, "y", &yn, err);
	d = jwk_bytes(ar, jwk, "d", &dn, err);
	if (*err != NULL)
		return NULL;
	/* shorter values are left-padded (some encoders strip zeros) */
	if (x == NULL || y == NULL || xn > coord || yn > coord ||
	    (d != NULL && dn > coord)) {
		*err = "invalid EC key coordinates";
		return NULL;
	}
	*priv = d != NULL;
	memset(pt, 0, sizeof(pt));
	pt[0] = 4;
	memcpy(pt + 1 + coord - xn, x, xn);
	memcpy(pt + 1 + 2 * coord - yn, y, yn);
	if ((bld = OSSL_PARAM_BLD_new()) == NULL) {
		*err = "out of memory";
		return NULL;
	}
	ok = OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, 0) == 1 && OSSL_PARAM_BLD_push_octet_string(bld,
	    OSSL_PKEY_PARAM_PUB_KEY, pt, 1 + 2 * coord) == 1 &&
	    push_bn(bld, OSSL_PKEY_PARAM_PRIV_KEY, d, dn, &dbn) == 1;
	if (ok)
		pk = from_params("EC", bld, *priv);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(dbn);
	/* the point must be on the curve */
	if (pk != NULL) {
		pc = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
		if (pc == NULL || EVP_PKEY_public_check(pc) != 1) {
			EVP_PKEY_free(pk);
			pk = NULL;
		}
		EVP_PKEY_CTX_free(pc);
	}
	if (pk == NULL)
		*err = "invalid EC key";
	return pk;
}

/* OKP: Ed25519 (signatures) or X25519 (key agreement; accepted in a
 * set as jwx accepts it, never verifies anything). */
static EVP_PKEY *
okp_from_jwk(struct rego_arena *ar, const rv *jwk, bool *priv,
    const char **err)
{
	const rv *crv = rv_obj_gets(jwk, "crv", 3);
	const uint8_t *x, *d;
	size_t xn, dn;
	EVP_PKEY *pk;
	int type;

	if (crv != NULL && crv->t == RV_STR && strcmp(crv->u.s, "Ed25519") == 0)
		type = EVP_PKEY_ED25519;
	else if (crv != NULL && crv->t == RV_STR &&
	    strcmp(crv->u.s, "X25519") == 0)
		type = EVP_PKEY_X25519;
	else {
		*err = "unsupported OKP curve (crv)";
		return NULL;
	}
	x = jwk_bytes(ar, jwk, "x", &xn, err);
	d = jwk_bytes(ar, jwk, "d", &dn, err);
	if (*err != NULL)
		return NULL;
	if ((x == NULL && d == NULL) || (x != NULL && xn != 32) ||
	    (d != NULL && dn != 32)) {
		*err = "invalid OKP key";
		return NULL;
	}
	*priv = d != NULL;
	pk = d != NULL ? EVP_PKEY_new_raw_private_key(type, NULL, d, 32) :
	    EVP_PKEY_new_raw_public_key(type, NULL, x, 32);
	if (pk != NULL && d != NULL && x != NULL) {
		uint8_t pub[32];
		size_t pn = sizeof(pub);

		if (EVP_PKEY_get_raw_public_key(pk, pub, &pn) != 1 ||
		    memcmp(pub, x, 32) != 0) {
			EVP_PKEY_free(pk);
			pk = NULL;
		}
	}
	if (pk == NULL)
		*err = "invalid OKP key";
	return pk;
}

/* One JWK (a parsed JSON object) into *k. */
static bool
jwk_key(struct rego_arena *ar, const rv *jwk, struct vkey *k,
    const char **err)
{
	const rv *kty, *alg, *kid;

	memset(k, 0, sizeof(*k));
	*err = NULL;
	if (jwk->t != RV_OBJ) {
		*err = "a key must be a JSON object";
		return false;
	}
	kty = rv_obj_gets(jwk, "kty", 3);
	alg = rv_obj_gets(jwk, "alg", 3);
	kid = rv_obj_gets(jwk, "kid", 3);
	if (kty == NULL || kty->t != RV_STR) {
		*err = "required field kty is missing";
		return false;
	}
	if ((alg != NULL && alg->t != RV_STR) ||
	    (kid != NULL && kid->t != RV_STR)) {
		*err = "alg and kid must be strings";
		return false;
	}
	k->alg = alg != NULL ? alg->u.s : "";
	k->kid = kid != NULL ? kid->u.s : "";
	if (strcmp(kty->u.s, "oct") == 0) {
		k->secret = jwk_bytes(ar, jwk, "k", &k->seclen, err);
		if (k->secret == NULL && *err == NULL)
			*err = "required field k is missing";
		k->priv = true;
		return *err == NULL;
	}
	if (strcmp(kty->u.s, "RSA") == 0)
		k->pk = rsa_from_jwk(ar, jwk, &k->priv, err);
	else if (strcmp(kty->u.s, "EC") == 0)
		k->pk = ec_from_jwk(ar, jwk, &k->priv, err);
	else if (strcmp(kty->u.s, "OKP") == 0)
		k->pk = okp_from_jwk(ar, jwk, &k->priv, err);
	else
		*err = "invalid key type";
	return k->pk != NULL;
}

/* jwk.Parse: a key or {"keys": [...]}. With only_known, keys naming an
 * algorithm OPA does not know are skipped (getKeysFromCertOrJWK). */
static bool
jwk_parse(struct rego_arena *ar, const rv *v, struct keyset *ks,
    bool only_known, const char **err)
{
	const rv *keys;
	uint32_t i;

	ks->n = 0;
	ks->set = true;
	if (v->t != RV_OBJ) {
		*err = "a JWK must be a JSON object";
		return false;
	}
	keys = rv_obj_gets(v, "keys", 4);
	if (keys == NULL) {
		if (!jwk_key(ar, v, &ks->k[0], err))
			return false;
		ks->n = 1;
		if (only_known && ks->k[0].alg[0] != '\0' &&
		    jalg_find(ks->k[0].alg, strlen(ks->k[0].alg)) == NULL)
			keyset_free(ks);
		return true;
	}
	if (keys->t != RV_ARR) {
		*err = "keys must be an array";
		return false;
	}
	for (i = 0; i < keys->n; i++) {
		struct vkey k;

		if (!jwk_key(ar, keys->u.a[i], &k, err)) {
			keyset_free(ks);
			return false;
		}
		if (only_known && k.alg[0] != '\0' &&
		    jalg_find(k.alg, strlen(k.alg)) == NULL) {
			EVP_PKEY_free(k.pk);
			continue;
		}
		if (ks->n == JWT_MAX_KEYS) {
			EVP_PKEY_free(k.pk);
			keyset_free(ks);
			*err = "too many keys in the set";
			return false;
		}
		ks->k[ks->n++] = k;
	}
	return true;
}

/* OPA's getKeysFromCertOrJWK. */
static int
keys_from_text(ccakit_rego_bictx *ctx, const rv *text, struct keyset *ks)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	struct rego_pem blk;
	const char *err = NULL;
	const rv *v;
	char msg[128];
	size_t rest;

	ks->n = 0;
	ks->set = false;
	if (text->n > REGO_CRYPTO_MAX_INPUT)
		return ccakit_rego_bi_error(ctx, "key exceeds %u bytes",
		    REGO_CRYPTO_MAX_INPUT);
	if (rego_pem_decode(ar, text->u.s, text->n, &blk, &rest)) {
		EVP_PKEY *pk;

		if (rest != text->n)
			return ccakit_rego_bi_error(ctx,
			    "extra data after a PEM certificate block");
		if (rego_pem_is(&blk, "CERTIFICATE")) {
			if ((pk = rego_pubkey_from_der(blk.der, blk.derlen,
			    true)) == NULL)
				return ccakit_rego_bi_error(ctx, "failed to "
				    "parse a PEM certificate: x509: malformed "
				    "certificate");
		} else if (rego_pem_is(&blk, "PUBLIC KEY")) {
			if ((pk = rego_pubkey_from_der(blk.der, blk.derlen,
			    false)) == NULL)
				return ccakit_rego_bi_error(ctx, "failed to "
				    "parse a PEM public key: x509: malformed "
				    "public key");
		} else {
			return ccakit_rego_bi_error(ctx, "failed to extract a "
			    "Key from the PEM certificate");
		}
		memset(&ks->k[0], 0, sizeof(ks->k[0]));
		ks->k[0].pk = pk;
		ks->k[0].alg = "";
		ks->k[0].kid = "";
		ks->n = 1;
		ks->set = true;
		return CCAKIT_OK;
	}
	if (ar->failed)
		return rego_bi_nomem(ctx);
	if (rego_json_parse(ar, text->u.s, text->n, CCAKIT_REGO_MAX_DEPTH, &v,
	    msg, sizeof(msg)) != CCAKIT_OK) {
		if (ar->failed)
			return rego_bi_nomem(ctx);
		return ccakit_rego_bi_error(ctx, "failed to parse a JWK key "
		    "(set): %s", msg);
	}
	if (!jwk_parse(ar, v, ks, true, &err))
		return ccakit_rego_bi_error(ctx, "failed to parse a JWK key "
		    "(set): %s", err);
	return CCAKIT_OK;
}

/* ------------------------------------------------------------------ */
/* Signatures.                                                          */

static size_t
ec_coord_len(const EVP_PKEY *pk)
{
	return (size_t)(EVP_PKEY_get_bits(pk) + 7) / 8;
}

/* Raw r||s to a DER ECDSA-Sig-Value (malloc'd). */
static uint8_t *
ecdsa_der(const uint8_t *sig, size_t n, size_t *dlen)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, (int)(n / 2), NULL);
	BIGNUM *s = BN_bin2bn(sig + n / 2, (int)(n - n / 2), NULL);
	unsigned char *der = NULL;
	int len;

	if (es == NULL || r == NULL || s == NULL || !ECDSA_SIG_set0(es, r, s)) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return NULL;
	}
	len = i2d_ECDSA_SIG(es, &der);
	ECDSA_SIG_free(es);
	if (len <= 0)
		return NULL;
	*dlen = (size_t)len;
	return der;
}

/* Verify an asymmetric signature of msg. strict_len: the JWS rule that
 * an ECDSA signature is exactly twice the coordinate size (jwx);
 * OPA's verify_es* split any signature in halves. */
static bool
sig_verify(EVP_PKEY *pk, const struct jalg *al, const uint8_t *msg,
    size_t mlen, const uint8_t *sig, size_t slen, bool strict_len)
{
	EVP_MD_CTX *mc = NULL;
	EVP_PKEY_CTX *pc = NULL;
	uint8_t *der = NULL;
	int id = EVP_PKEY_get_base_id(pk);
	bool ok = false;

	if (slen > INT_MAX)
		return false;
	switch (al->kind) {
	case JA_RSA:
	case JA_PSS:
		if (id != EVP_PKEY_RSA)
			return false;
		break;
	case JA_ECDSA:
		if (id != EVP_PKEY_EC || slen == 0 || (strict_len &&
		    slen != 2 * ec_coord_len(pk)))
			return false;
		if ((der = ecdsa_der(sig, slen, &slen)) == NULL)
			return false;
		sig = der;
		break;
	case JA_EDDSA:
		if (id != EVP_PKEY_ED25519)
			return false;
		break;
	default:
		return false;
	}
	if ((mc = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit_ex(mc, &pc, al->md, NULL, NULL, pk, NULL) != 1)
		goto out;
	if (al->kind == JA_PSS && (EVP_PKEY_CTX_set_rsa_padding(pc,
	    RSA_PKCS1_PSS_PADDING) != 1 || EVP_PKEY_CTX_set_rsa_pss_saltlen(pc,
	    RSA_PSS_SALTLEN_AUTO) != 1))
		goto out;
	if (al->kind == JA_RSA && EVP_PKEY_CTX_set_rsa_padding(pc,
	    RSA_PKCS1_PADDING) != 1)
		goto out;
	ok = EVP_DigestVerify(mc, sig, slen, msg, mlen) == 1;
out:
	EVP_MD_CTX_free(mc);
	OPENSSL_free(der);
	return ok;
}

static bool
hmac_verify(const struct jalg *al, const uint8_t *key, size_t klen,
    const uint8_t *msg, size_t mlen, const uint8_t *sig, size_t slen)
{
	unsigned char tag[EVP_MAX_MD_SIZE];
	size_t n = 0;
	bool ok;

	if (EVP_Q_mac(NULL, "HMAC", NULL, al->md, NULL, key != NULL ? key :
	    (const uint8_t *)"", klen, msg, mlen, tag, sizeof(tag), &n) == NULL)
		return false;
	ok = n == slen && ccakit_ct_memcmp(tag, sig, n) == 0;
	OPENSSL_cleanse(tag, sizeof(tag));
	return ok;
}

/* jwsbb.Verify: the algorithm named in the header with one key. */
static bool
jws_verify(const struct vkey *k, const char *alg, const uint8_t *msg,
    size_t mlen, const uint8_t *sig, size_t slen)
{
	const struct jalg *al = jalg_find(alg, strlen(alg));

	if (al == NULL)
		return false;
	if (al->kind == JA_HMAC)
		return k->pk == NULL && hmac_verify(al, k->secret, k->seclen,
		    msg, mlen, sig, slen);
	return k->pk != NULL && sig_verify(k->pk, al, msg, mlen, sig, slen,
	    true);
}

/* jwsbb.Sign: a compact signature of msg with a JWK. */
static int
jws_sign(ccakit_rego_bictx *ctx, const struct vkey *k, const struct jalg *al,
    const uint8_t *msg, size_t mlen, uint8_t **sig, size_t *slen)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	EVP_MD_CTX *mc = NULL;
	EVP_PKEY_CTX *pc = NULL;
	unsigned char *der = NULL;
	int id = k->pk != NULL ? EVP_PKEY_get_base_id(k->pk) : 0;
	size_t n = 0;
	int rc = CCAKIT_OK;

	if (al->kind == JA_HMAC) {
		if (k->pk != NULL)
			return ccakit_rego_bi_error(ctx, "failed to sign "
			    "payload: %s requires an oct (symmetric) key",
			    al->name);
		NOMEM_IF(ctx, *sig = ra_alloc(ar, EVP_MAX_MD_SIZE));
		if (EVP_Q_mac(NULL, "HMAC", NULL, al->md, NULL, k->secret !=
		    NULL ? k->secret : (const uint8_t *)"", k->seclen, msg, mlen,
		    *sig, EVP_MAX_MD_SIZE, slen) == NULL)
			return ccakit_rego_bi_error(ctx, "failed to sign "
			    "payload: HMAC failed");
		return CCAKIT_OK;
	}
	if (k->pk == NULL || !k->priv ||
	    ((al->kind == JA_RSA || al->kind == JA_PSS) && id != EVP_PKEY_RSA) ||
	    (al->kind == JA_ECDSA && id != EVP_PKEY_EC) ||
	    (al->kind == JA_EDDSA && id != EVP_PKEY_ED25519))
		return ccakit_rego_bi_error(ctx, "failed to sign payload: %s "
		    "requires a private %s key", al->name, al->kind == JA_ECDSA ?
		    "EC" : al->kind == JA_EDDSA ? "Ed25519" : "RSA");
	if ((mc = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit_ex(mc, &pc, al->md, NULL, NULL, k->pk,
	    NULL) != 1 ||
	    (al->kind == JA_PSS && (EVP_PKEY_CTX_set_rsa_padding(pc,
	    RSA_PKCS1_PSS_PADDING) != 1 || EVP_PKEY_CTX_set_rsa_pss_saltlen(pc,
	    RSA_PSS_SALTLEN_DIGEST) != 1)) ||
	    (al->kind == JA_RSA && EVP_PKEY_CTX_set_rsa_padding(pc,
	    RSA_PKCS1_PADDING) != 1) ||
	    EVP_DigestSign(mc, NULL, &n, msg, mlen) != 1 ||
	    (der = OPENSSL_malloc(n)) == NULL ||
	    EVP_DigestSign(mc, der, &n, msg, mlen) != 1) {
		rc = ccakit_rego_bi_error(ctx, "failed to sign payload");
		goto out;
	}
	if (al->kind == JA_ECDSA) {
		const unsigned char *p = der;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)n);
		size_t c = ec_coord_len(k->pk);

		if (es == NULL || (*sig = ra_zalloc(ar, 2 * c)) == NULL ||
		    BN_bn2binpad(ECDSA_SIG_get0_r(es), *sig, (int)c) < 0 ||
		    BN_bn2binpad(ECDSA_SIG_get0_s(es), *sig + c, (int)c) < 0)
			rc = ar->failed ? rego_bi_nomem(ctx) :
			    ccakit_rego_bi_error(ctx, "failed to sign payload");
		*slen = 2 * c;
		ECDSA_SIG_free(es);
		goto out;
	}
	if ((*sig = ra_alloc(ar, n)) == NULL) {
		rc = rego_bi_nomem(ctx);
		goto out;
	}
	memcpy(*sig, der, n);
	*slen = n;
out:
	OPENSSL_free(der);
	EVP_MD_CTX_free(mc);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Tokens.                                                              */

struct jwt {
	const char *hdr, *pay, *sig;   /* the three sections */
	size_t hn, pn, sn;
	const rv *header;              /* decoded header (object) */
};

/* OPA's decodeJWT: three sections separated by periods. */
static int
jwt_split(ccakit_rego_bictx *ctx, const rv *tok, struct jwt *t)
{
	const char *s, *d1, *d2;
	size_t n, i, dots = 0;

	memset(t, 0, sizeof(*t));
	if (tok->t != RV_STR)
		return rego_bi_operr(ctx, 1, "string", tok);
	s = tok->u.s;
	n = tok->n;
	if (n > REGO_CRYPTO_MAX_INPUT)
		return ccakit_rego_bi_error(ctx, "encoded JWT exceeds %u bytes",
		    REGO_CRYPTO_MAX_INPUT);
	for (i = 0; i < n; i++)
		if (s[i] == '.')
			dots++;
	if (dots == 0)
		return ccakit_rego_bi_error(ctx,
		    "encoded JWT had no period separators");
	if (dots != 2)
		return ccakit_rego_bi_error(ctx, "encoded JWT must have 3 "
		    "sections, found %zu", dots + 1);
	d1 = memchr(s, '.', n);
	d2 = memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - s));
	t->hdr = s;
	t->hn = (size_t)(d1 - s);
	t->pay = d1 + 1;
	t->pn = (size_t)(d2 - d1 - 1);
	t->sig = d2 + 1;
	t->sn = n - (size_t)(d2 + 1 - s);
	return CCAKIT_OK;
}

/* OPA's base64url.decode (padding added when missing): bytes in the
 * arena, NUL-terminated; false with Go's message in err. */
static bool
b64url(struct rego_arena *ar, const char *s, size_t n, uint8_t **out,
    size_t *outlen, char *err, size_t errlen)
{
	char *buf;
	size_t m = n, errpos;

	if (n == 0 || s[n - 1] != '=') {
		if (n % 4 == 1) {
			snprintf(err, errlen, "illegal base64url string: %.*s",
			    (int)(n > 64 ? 64 : n), s);
			return false;
		}
		m = n + (n % 4 == 2 ? 2 : n % 4 == 3 ? 1 : 0);
	}
	if ((buf = ra_alloc(ar, m + 1)) == NULL ||
	    (*out = ra_alloc(ar, m / 4 * 3 + 4)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	memcpy(buf, s, n);
	memset(buf + n, '=', m - n);
	if (!rego_go_b64dec(buf, m, REGO_B64_URL, *out, outlen, &errpos)) {
		snprintf(err, errlen, "illegal base64 data at input byte %zu",
		    errpos);
		return false;
	}
	(*out)[*outlen] = '\0';
	return true;
}

/* OPA's extractJSONObject. */
static int
json_object(ccakit_rego_bictx *ctx, const uint8_t *s, size_t n,
    const char *prefix, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	char msg[128];

	if (rego_json_parse(ar, (const char *)s, n, CCAKIT_REGO_MAX_DEPTH,
	    out, msg, sizeof(msg)) != CCAKIT_OK) {
		if (ar->failed)
			return rego_bi_nomem(ctx);
		return ccakit_rego_bi_error(ctx, "%sinvalid JSON: %s", prefix,
		    msg);
	}
	if ((*out)->t != RV_OBJ)
		return ccakit_rego_bi_error(ctx, "%sdecoded JSON type was not "
		    "an Object", prefix);
	return CCAKIT_OK;
}

/* OPA's decodeHeader / validateJWTHeader. */
static int
jwt_header(ccakit_rego_bictx *ctx, struct jwt *t)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	uint8_t *h;
	size_t hn;
	char err[160];
	int rc;

	if (!b64url(ar, t->hdr, t->hn, &h, &hn, err, sizeof(err))) {
		if (ar->failed)
			return rego_bi_nomem(ctx);
		return ccakit_rego_bi_error(ctx, "JWT header had invalid "
		    "encoding: %s", err);
	}
	if ((rc = json_object(ctx, h, hn, "bad JWT header: ", &t->header)) !=
	    CCAKIT_OK)
		return rc;
	if (rv_obj_gets(t->header, "enc", 3) != NULL)
		return ccakit_rego_bi_error(ctx,
		    "JWT is a JWE object, which is not supported");
	return CCAKIT_OK;
}

static int
jwt_part(ccakit_rego_bictx *ctx, const char *s, size_t n, const char *what,
    uint8_t **out, size_t *outlen)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	char err[160];

	if (b64url(ar, s, n, out, outlen, err, sizeof(err)))
		return CCAKIT_OK;
	if (ar->failed)
		return rego_bi_nomem(ctx);
	if (what == NULL)
		return ccakit_rego_bi_error(ctx, "%s", err);
	return ccakit_rego_bi_error(ctx, "JWT %s had invalid encoding: %s",
	    what, err);
}

/* OPA's parseTokenHeader and valid(). */
struct theader {
	const char *alg, *kid, *cty;
	bool valid;
};

static int
token_header(ccakit_rego_bictx *ctx, const rv *h, struct theader *th)
{
	static const char *const strs[] = { "alg", "kid", "typ", "cty" };
	const rv *crit = NULL;
	uint32_t i, j;
	size_t s;

	memset(th, 0, sizeof(*th));
	th->alg = th->kid = th->cty = "";
	for (i = 0; i < h->n; i++) {
		const rv *k = h->u.a[i], *v = rv_obj_vals(h)[i];

		for (s = 0; s < 4; s++)
			if (strcmp(k->u.s, strs[s]) == 0)
				break;
		if (s < 4) {
			if (v->t != RV_STR)
				return ccakit_rego_bi_error(ctx,
				    "%s: must be a string", strs[s]);
			if (s == 0)
				th->alg = v->u.s;
			else if (s == 1)
				th->kid = v->u.s;
			else if (s == 3)
				th->cty = v->u.s;
			continue;
		}
		if (strcmp(k->u.s, "crit") == 0) {
			if (v->t != RV_ARR)
				return ccakit_rego_bi_error(ctx,
				    "crit: must be a list");
			crit = v;
			for (j = 0; j < v->n && v->u.a[j]->t == RV_STR; j++)
				;
			if (j == 0)
				return ccakit_rego_bi_error(ctx,
				    "crit: must be a nonempty list");
		}
	}
	th->valid = th->alg[0] != '\0';
	/* a critical parameter we do not understand invalidates it */
	for (j = 0; th->valid && crit != NULL && j < crit->n; j++) {
		const rv *c = crit->u.a[j];

		if (c->t != RV_STR)
			break;
		for (s = 0; s < 4; s++)
			if (strcmp(c->u.s, strs[s]) == 0)
				break;
		if (s == 4 && strcmp(c->u.s, "crit") != 0 &&
		    rv_obj_get(h, c) != NULL)
			th->valid = false;
	}
	return CCAKIT_OK;
}

/* ------------------------------------------------------------------ */
/* io.jwt.decode                                                        */

static int
decode(ccakit_rego_bictx *ctx, const rv *tok, int depth, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	struct jwt t;
	const rv *cty, *payload, *items[3];
	uint8_t *p, *sig;
	size_t pn, sn;
	char *hex;
	int rc;

	if ((rc = jwt_split(ctx, tok, &t)) != CCAKIT_OK ||
	    (rc = jwt_header(ctx, &t)) != CCAKIT_OK ||
	    (rc = jwt_part(ctx, t.pay, t.pn, "payload", &p, &pn)) != CCAKIT_OK)
		return rc;
	cty = rv_obj_gets(t.header, "cty", 3);
	if (cty != NULL && cty->t == RV_STR && strcmp(cty->u.s, "JWT") == 0) {
		const rv *inner;
		size_t a = 0, b = pn;

		if (depth >= JWT_MAX_NESTING)
			return ccakit_rego_bi_error(ctx, "nested JWT deeper "
			    "than %d", JWT_MAX_NESTING);
		/* jwt.io quotes a nested token: trim quotes */
		while (a < b && (p[a] == '"' || p[a] == '\''))
			a++;
		while (b > a && (p[b - 1] == '"' || p[b - 1] == '\''))
			b--;
		NOMEM_IF(ctx, inner = rv_str(ar, (const char *)p + a, b - a));
		return decode(ctx, inner, depth + 1, out);
	}
	if ((rc = json_object(ctx, p, pn, "", &payload)) != CCAKIT_OK ||
	    (rc = jwt_part(ctx, t.sig, t.sn, "signature", &sig, &sn)) !=
	    CCAKIT_OK)
		return rc;
	NOMEM_IF(ctx, hex = ra_alloc(ar, 2 * sn + 1));
	if (ccakit_hex_encode(sig, sn, hex, 2 * sn + 1) != CCAKIT_OK)
		return ccakit_rego_bi_error(ctx, "hex encoding failed");
	items[0] = t.header;
	items[1] = payload;
	NOMEM_IF(ctx, items[2] = rv_str(ar, hex, 2 * sn));
	NOMEM_IF(ctx, *out = rv_arr_copy(ar, items, 3));
	return CCAKIT_OK;
}

static int
bi_decode(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return decode(ctx, a[0], 0, out);
}

/* ------------------------------------------------------------------ */
/* io.jwt.verify_*                                                      */

/* The signing input "header.payload" of a token (views its text). */
static const uint8_t *
signing_input(const struct jwt *t, size_t *n)
{
	*n = t->hn + 1 + t->pn;
	return (const uint8_t *)t->hdr;
}

/* OPA's builtinJWTVerify for the asymmetric algorithms. */
static int
verify_asym(ccakit_rego_bictx *ctx, args_t a, const char *alg,
    const rv **out)
{
	const struct jalg *al = jalg_find(alg, strlen(alg));
	struct keyset ks;
	struct theader th;
	struct jwt t;
	const uint8_t *msg;
	uint8_t *sig;
	size_t mlen, sn, i;
	bool ok = false;
	int rc;

	if ((rc = jwt_split(ctx, a[0], &t)) != CCAKIT_OK)
		return rc;
	BI_NEED(ctx, a, 1, RV_STR, "string");
	if ((rc = keys_from_text(ctx, a[1], &ks)) != CCAKIT_OK)
		return rc;
	if ((rc = jwt_part(ctx, t.sig, t.sn, NULL, &sig, &sn)) != CCAKIT_OK ||
	    (rc = jwt_header(ctx, &t)) != CCAKIT_OK ||
	    (rc = token_header(ctx, t.header, &th)) != CCAKIT_OK)
		goto out;
	msg = signing_input(&t, &mlen);
	/* a key with the token's kid is the only one tried */
	for (i = 0; th.kid[0] != '\0' && i < ks.n; i++)
		if (strcmp(ks.k[i].kid, th.kid) == 0)
			break;
	if (th.kid[0] != '\0' && i < ks.n) {
		ok = ks.k[i].pk != NULL && !ks.k[i].priv &&
		    sig_verify(ks.k[i].pk, al, msg, mlen, sig, sn, false);
		goto out;
	}
	for (i = 0; i < ks.n && !ok; i++) {
		const struct vkey *k = &ks.k[i];

		if (k->alg[0] != '\0' && strcmp(k->alg, th.alg) != 0)
			continue;
		ok = k->pk != NULL && !k->priv &&
		    sig_verify(k->pk, al, msg, mlen, sig, sn, false);
	}
out:
	keyset_free(&ks);
	if (rc == CCAKIT_OK)
		*out = RV_BOOLV(ok);
	return rc;
}

#define VERIFY_FN(fn, alg) \
	static int \
	fn(ccakit_rego_bictx *ctx, args_t a, const rv **out) \
	{ \
		return verify_asym(ctx, a, alg, out); \
	}

VERIFY_FN(bi_verify_rs256, "RS256")
VERIFY_FN(bi_verify_rs384, "RS384")
VERIFY_FN(bi_verify_rs512, "RS512")
VERIFY_FN(bi_verify_ps256, "PS256")
VERIFY_FN(bi_verify_ps384, "PS384")
VERIFY_FN(bi_verify_ps512, "PS512")
VERIFY_FN(bi_verify_es256, "ES256")
VERIFY_FN(bi_verify_es384, "ES384")
VERIFY_FN(bi_verify_es512, "ES512")
VERIFY_FN(bi_verify_eddsa, "EdDSA")

/* OPA's builtinJWTVerifyHS. */
static int
verify_hs(ccakit_rego_bictx *ctx, args_t a, const char *alg, const rv **out)
{
	struct jwt t;
	const uint8_t *msg;
	uint8_t *sig;
	size_t mlen, sn;
	int rc;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	BI_NEED(ctx, a, 1, RV_STR, "string");
	if ((rc = jwt_split(ctx, a[0], &t)) != CCAKIT_OK ||
	    (rc = jwt_part(ctx, t.sig, t.sn, NULL, &sig, &sn)) != CCAKIT_OK)
		return rc;
	msg = signing_input(&t, &mlen);
	*out = RV_BOOLV(hmac_verify(jalg_find(alg, strlen(alg)),
	    (const uint8_t *)a[1]->u.s, a[1]->n, msg, mlen, sig, sn));
	return CCAKIT_OK;
}

static int
bi_verify_hs256(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return verify_hs(ctx, a, "HS256", out);
}

static int
bi_verify_hs384(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return verify_hs(ctx, a, "HS384", out);
}

static int
bi_verify_hs512(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return verify_hs(ctx, a, "HS512", out);
}

/* ------------------------------------------------------------------ */
/* io.jwt.decode_verify                                                 */

struct constraints {
	struct keyset keys;
	const rv *secret;
	const char *alg, *iss, *aud;
	double time;               /* ns */
	bool has_time;
};

static int
time_value(ccakit_rego_bictx *ctx, const rv *v, double *t)
{
	if (v->t != RV_NUM)
		return ccakit_rego_bi_error(ctx,
		    "token time constraint: must be a number");
	*t = rv_num_dbl(v);
	if (*t < 0)
		return ccakit_rego_bi_error(ctx,
		    "token time constraint: must not be negative");
	return CCAKIT_OK;
}

/* OPA's parseTokenConstraints and validate(). */
static int
parse_constraints(ccakit_rego_bictx *ctx, const rv *o, struct constraints *c)
{
	static const char *const strs[] = { "alg", "iss", "aud" };
	uint32_t i;
	size_t s;
	int rc;

	memset(c, 0, sizeof(*c));
	c->alg = c->iss = c->aud = "";
	for (i = 0; i < o->n; i++) {
		const rv *k = o->u.a[i], *v = rv_obj_vals(o)[i];
		const char *name = k->t == RV_STR ? k->u.s : "";

		if (strcmp(name, "cert") == 0) {
			if (v->t != RV_STR)
				return ccakit_rego_bi_error(ctx,
				    "cert constraint: must be a string");
			keyset_free(&c->keys);
			if ((rc = keys_from_text(ctx, v, &c->keys)) !=
			    CCAKIT_OK)
				return rc;
			continue;
		}
		if (strcmp(name, "secret") == 0) {
			if (v->t != RV_STR)
				return ccakit_rego_bi_error(ctx,
				    "secret constraint: must be a string");
			c->secret = v->n > 0 ? v : NULL;
			continue;
		}
		if (strcmp(name, "time") == 0) {
			if ((rc = time_value(ctx, v, &c->time)) != CCAKIT_OK)
				return rc;
			c->has_time = true;
			continue;
		}
		for (s = 0; s < 3; s++)
			if (strcmp(name, strs[s]) == 0)
				break;
		if (s == 3) {
			struct rego_buf *b = rego_bi_buf(ctx);

			rego_fmt_value(b, k);
			return ccakit_rego_bi_error(ctx, "unknown token "
			    "validation constraint: %s", rb_str(b));
		}
		if (v->t != RV_STR)
			return ccakit_rego_bi_error(ctx,
			    "%s constraint: must be a string", strs[s]);
		if (s == 0)
			c->alg = v->u.s;
		else if (s == 1)
			c->iss = v->u.s;
		else
			c->aud = v->u.s;
	}
	if (!c->has_time)
		c->time = (double)ccakit_rego_bi_now_ns(ctx);
	if (c->keys.set && c->secret != NULL)
		return ccakit_rego_bi_error(ctx, "duplicate key constraints");
	if (!c->keys.set && c->secret == NULL)
		return ccakit_rego_bi_error(ctx, "no key constraint");
	return CCAKIT_OK;
}

/* constraints.verify: true when a trusted key verifies the token. */
static bool
constraints_verify(const struct constraints *c, const struct theader *th,
    const uint8_t *msg, size_t mlen, const uint8_t *sig, size_t slen)
{
	size_t i;

	if (c->keys.set) {
		for (i = 0; th->kid[0] != '\0' && i < c->keys.n; i++)
			if (strcmp(c->keys.k[i].kid, th->kid) == 0)
				return jws_verify(&c->keys.k[i], th->alg, msg,
				    mlen, sig, slen);
		for (i = 0; i < c->keys.n; i++) {
			const struct vkey *k = &c->keys.k[i];

			if (k->alg[0] != '\0' && strcmp(k->alg, th->alg) != 0)
				continue;
			if (jws_verify(k, th->alg, msg, mlen, sig, slen))
				return true;
		}
		return false;
	}
	{
		struct vkey k;

		memset(&k, 0, sizeof(k));
		k.secret = (const uint8_t *)c->secret->u.s;
		k.seclen = c->secret->n;
		return jws_verify(&k, th->alg, msg, mlen, sig, slen);
	}
}

static bool
valid_audience(const rv *aud, const char *want)
{
	uint32_t i;

	if (aud->t == RV_STR)
		return strcmp(aud->u.s, want) == 0;
	if (aud->t != RV_ARR)
		return false;
	for (i = 0; i < aud->n; i++)
		if (aud->u.a[i]->t == RV_STR &&
		    strcmp(aud->u.a[i]->u.s, want) == 0)
			return true;
	return false;
}

/* The time constraint in seconds as a number (Go's FormatFloat 'g'). */
static const rv *
seconds(struct rego_arena *ar, double ns)
{
	char buf[40];
	size_t n = rv_fmt_double(ns / 1e9, buf, sizeof(buf), false);

	return rv_num_parse(ar, buf, n);
}

static int
decode_verify(ccakit_rego_bictx *ctx, args_t a, struct constraints *c,
    const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	const rv *unverified[3] = { RV_FALSE, &rv_empty_obj_v,
		&rv_empty_obj_v };
	const rv *tok = a[0], *payload, *header = NULL, *v, *now, *res[3];
	struct theader th;
	struct jwt t;
	const uint8_t *msg;
	uint8_t *p = NULL, *sig;
	size_t pn = 0, sn, mlen;
	int rc, depth;

	for (depth = 0;; depth++) {
		if (depth > JWT_MAX_NESTING)
			return ccakit_rego_bi_error(ctx, "nested JWT deeper "
			    "than %d", JWT_MAX_NESTING);
		if ((rc = jwt_split(ctx, tok, &t)) != CCAKIT_OK ||
		    (rc = jwt_header(ctx, &t)) != CCAKIT_OK ||
		    (rc = token_header(ctx, t.header, &th)) != CCAKIT_OK)
			return rc;
		if (!th.valid || (c->alg[0] != '\0' &&
		    strcmp(c->alg, th.alg) != 0))
			goto unverified;
		if ((rc = jwt_part(ctx, t.sig, t.sn, NULL, &sig, &sn)) !=
		    CCAKIT_OK)
			return rc;
		msg = signing_input(&t, &mlen);
		if (!constraints_verify(c, &th, msg, mlen, sig, sn))
			goto unverified;
		if ((rc = jwt_part(ctx, t.pay, t.pn, "payload", &p, &pn)) !=
		    CCAKIT_OK)
			return rc;
		header = t.header;
		if (strcasecmp(th.cty, "JWT") != 0)
			break;
		NOMEM_IF(ctx, tok = rv_str(ar, (const char *)p, pn));
	}
	if ((rc = json_object(ctx, p, pn, "", &payload)) != CCAKIT_OK)
		return rc;
	if (c->iss[0] != '\0') {
		v = rv_obj_gets(payload, "iss", 3);
		if (v == NULL || v->t != RV_STR || strcmp(v->u.s, c->iss) != 0)
			goto unverified;
	}
	if ((v = rv_obj_gets(payload, "aud", 3)) != NULL) {
		if (!valid_audience(v, c->aud))
			goto unverified;
	} else if (c->aud[0] != '\0') {
		goto unverified;
	}
	NOMEM_IF(ctx, now = seconds(ar, c->time));
	if ((v = rv_obj_gets(payload, "exp", 3)) != NULL) {
		if (v->t != RV_NUM)
			return ccakit_rego_bi_error(ctx,
			    "exp value must be a number");
		if (rv_num_cmp(now, v) != -1)
			goto unverified;
	}
	if ((v = rv_obj_gets(payload, "nbf", 3)) != NULL) {
		if (v->t != RV_NUM)
			return ccakit_rego_bi_error(ctx,
			    "nbf value must be a number");
		if (rv_num_cmp(now, v) == -1)
			goto unverified;
	}
	res[0] = RV_TRUE;
	res[1] = header;
	res[2] = payload;
	NOMEM_IF(ctx, *out = rv_arr_copy(ar, res, 3));
	return CCAKIT_OK;
unverified:
	NOMEM_IF(ctx, *out = rv_arr_copy(ar, unverified, 3));
	return CCAKIT_OK;
}

static int
bi_decode_verify(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct constraints c;
	int rc;

	BI_NEED(ctx, a, 1, RV_OBJ, "object");
	if ((rc = parse_constraints(ctx, a[1], &c)) == CCAKIT_OK)
		rc = decode_verify(ctx, a, &c, out);
	keyset_free(&c.keys);
	return rc;
}

/* ------------------------------------------------------------------ */
/* io.jwt.encode_sign, io.jwt.encode_sign_raw                           */

static bool
numberish(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '-' || s[i] == '+' || s[i] == 'e' || s[i] == 'E'))
			return false;
	return n > 0;
}

/* jwsbb.HeaderGetString(HeaderParse(h), name): 0 with *out, 1 when not
 * found, -1 with err set when the header is not JSON. */
static int
header_string(struct rego_arena *ar, const char *h, size_t n,
    const char *name, const char **out, char *err, size_t errlen)
{
	const rv *v, *m;
	char msg[128];
	size_t a = 0, b = n;

	while (a < b && (h[a] == ' ' || h[a] == '\t' || h[a] == '\n' ||
	    h[a] == '\r'))
		a++;
	while (b > a && (h[b - 1] == ' ' || h[b - 1] == '\t' ||
	    h[b - 1] == '\n' || h[b - 1] == '\r'))
		b--;
	if (a == b) {
		snprintf(err, errlen, "cannot parse JSON: cannot parse empty "
		    "string");
		return -1;
	}
	if (rego_json_parse(ar, h, n, CCAKIT_REGO_MAX_DEPTH, &v, msg,
	    sizeof(msg)) != CCAKIT_OK) {
		if (numberish(h + a, b - a))
			goto notfound;
		snprintf(err, errlen, "cannot parse JSON: %s", msg);
		return -1;
	}
	if (v->t == RV_OBJ && (m = rv_obj_gets(v, name, strlen(name))) != NULL &&
	    m->t == RV_STR) {
		*out = m->u.s;
		return 0;
	}
notfound:
	snprintf(err, errlen, "jwsbb: header \"%s\" not found", name);
	return 1;
}

static char *
b64url_text(struct rego_arena *ar, const uint8_t *d, size_t n, size_t *len)
{
	size_t cap = ccakit_b64_encoded_len(n, CCAKIT_B64_URL) + 1;
	char *s = ra_alloc(ar, cap);

	if (s == NULL || ccakit_b64_encode(d, n, CCAKIT_B64_URL, s, cap) !=
	    CCAKIT_OK)
		return NULL;
	*len = strlen(s);
	return s;
}

/* OPA's commonBuiltinJWTEncodeSign. */
static int
encode_sign(ccakit_rego_bictx *ctx, const char *hdr, size_t hn,
    const char *pay, size_t pn, const rv *jwk, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	struct keyset ks;
	const struct jalg *al;
	const char *alg = NULL, *typ = NULL, *err = NULL;
	char msg[160];
	char *h64, *p64, *s64, *res, *tok;
	uint8_t *sig = NULL;
	size_t h64n, p64n, s64n, sn = 0;
	const rv *dummy;
	int rc;

	if (!jwk_parse(ar, jwk, &ks, false, &err))
		return ccakit_rego_bi_error(ctx, "failed to parse jwk: %s",
		    err);
	if (ks.n == 0) {
		rc = ccakit_rego_bi_error(ctx, "no keys found in JWK set");
		goto out;
	}
	if (header_string(ar, hdr, hn, "alg", &alg, msg, sizeof(msg)) != 0) {
		rc = ccakit_rego_bi_error(ctx, "missing or invalid 'alg' "
		    "header: %s", msg);
		goto out;
	}
	if ((al = jalg_find(alg, strlen(alg))) == NULL) {
		rc = ccakit_rego_bi_error(ctx, "unknown JWS algorithm: %s", alg);
		goto out;
	}
	if ((header_string(ar, hdr, hn, "typ", &typ, msg, sizeof(msg)) != 0 ||
	    strcmp(typ, "JWT") == 0) && rego_json_parse(ar, pay, pn,
	    CCAKIT_REGO_MAX_DEPTH, &dummy, msg, sizeof(msg)) != CCAKIT_OK) {
		rc = ar->failed ? rego_bi_nomem(ctx) : ccakit_rego_bi_error(ctx,
		    "type is JWT but payload is not JSON");
		goto out;
	}
	if ((h64 = b64url_text(ar, (const uint8_t *)hdr, hn, &h64n)) == NULL ||
	    (p64 = b64url_text(ar, (const uint8_t *)pay, pn, &p64n)) == NULL ||
	    (res = ra_alloc(ar, h64n + p64n + 2)) == NULL) {
		rc = rego_bi_nomem(ctx);
		goto out;
	}
	memcpy(res, h64, h64n);
	res[h64n] = '.';
	memcpy(res + h64n + 1, p64, p64n);
	if ((rc = jws_sign(ctx, &ks.k[0], al, (const uint8_t *)res,
	    h64n + 1 + p64n, &sig, &sn)) != CCAKIT_OK)
		goto out;
	if ((s64 = b64url_text(ar, sig, sn, &s64n)) == NULL ||
	    (tok = ra_alloc(ar, h64n + p64n + s64n + 3)) == NULL) {
		rc = rego_bi_nomem(ctx);
		goto out;
	}
	memcpy(tok, res, h64n + 1 + p64n);
	tok[h64n + 1 + p64n] = '.';
	memcpy(tok + h64n + 2 + p64n, s64, s64n);
	tok[h64n + p64n + s64n + 2] = '\0';
	if ((*out = rv_str_ref(ar, tok, h64n + p64n + s64n + 2)) == NULL)
		rc = rego_bi_nomem(ctx);
out:
	keyset_free(&ks);
	return rc;
}

/* ast.JSON + json.Marshal of an operand. */
static int
marshal(ccakit_rego_bictx *ctx, const rv *v, const char *what,
    const char **out, size_t *n)
{
	struct rego_json_opts o = { NULL, NULL, true };
	struct rego_buf b;

	rb_init(&b, REGO_CRYPTO_MAX_INPUT);
	rego_json_write_opts(&b, v, &o);
	if (b.oom) {
		rb_free(&b);
		return ccakit_rego_bi_error(ctx, "failed to marshal JWT %s: "
		    "too large", what);
	}
	*out = ra_strndup(rego_bi_arena(ctx), rb_str(&b), b.len);
	*n = b.len;
	rb_free(&b);
	NOMEM_IF(ctx, *out);
	return CCAKIT_OK;
}

static int
bi_encode_sign(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	const char *h, *p;
	size_t hn, pn;
	int rc;

	if ((rc = marshal(ctx, a[0], "headers", &h, &hn)) != CCAKIT_OK ||
	    (rc = marshal(ctx, a[1], "payload", &p, &pn)) != CCAKIT_OK)
		return rc;
	return encode_sign(ctx, h, hn, p, pn, a[2], out);
}

static int
bi_encode_sign_raw(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	const rv *jwk;
	char msg[128];

	BI_NEED(ctx, a, 2, RV_STR, "string");
	BI_NEED(ctx, a, 0, RV_STR, "string");
	BI_NEED(ctx, a, 1, RV_STR, "string");
	if (a[0]->n > REGO_CRYPTO_MAX_INPUT || a[1]->n > REGO_CRYPTO_MAX_INPUT ||
	    a[2]->n > REGO_CRYPTO_MAX_INPUT)
		return ccakit_rego_bi_error(ctx, "operand exceeds %u bytes",
		    REGO_CRYPTO_MAX_INPUT);
	if (rego_json_parse(ar, a[2]->u.s, a[2]->n, CCAKIT_REGO_MAX_DEPTH, &jwk,
	    msg, sizeof(msg)) != CCAKIT_OK) {
		if (ar->failed)
			return rego_bi_nomem(ctx);
		return ccakit_rego_bi_error(ctx, "failed to parse jwk: %s",
		    msg);
	}
	return encode_sign(ctx, a[0]->u.s, a[0]->n, a[1]->u.s, a[1]->n, jwk,
	    out);
}

const struct rego_bi_def rego_bi_jwt[] = {
	{ "io.jwt.decode", 1, 0, bi_decode },
	{ "io.jwt.decode_verify", 2, CCAKIT_REGO_BI_NONDET, bi_decode_verify },
	{ "io.jwt.verify_rs256", 2, 0, bi_verify_rs256 },
	{ "io.jwt.verify_rs384", 2, 0, bi_verify_rs384 },
	{ "io.jwt.verify_rs512", 2, 0, bi_verify_rs512 },
	{ "io.jwt.verify_ps256", 2, 0, bi_verify_ps256 },
	{ "io.jwt.verify_ps384", 2, 0, bi_verify_ps384 },
	{ "io.jwt.verify_ps512", 2, 0, bi_verify_ps512 },
	{ "io.jwt.verify_es256", 2, 0, bi_verify_es256 },
	{ "io.jwt.verify_es384", 2, 0, bi_verify_es384 },
	{ "io.jwt.verify_es512", 2, 0, bi_verify_es512 },
	{ "io.jwt.verify_eddsa", 2, 0, bi_verify_eddsa },
	{ "io.jwt.verify_hs256", 2, 0, bi_verify_hs256 },
	{ "io.jwt.verify_hs384", 2, 0, bi_verify_hs384 },
	{ "io.jwt.verify_hs512", 2, 0, bi_verify_hs512 },
	{ "io.jwt.encode_sign", 3, 0, bi_encode_sign },
	{ "io.jwt.encode_sign_raw", 3, 0, bi_encode_sign_raw },
	{ NULL, 0, 0, NULL },
};
