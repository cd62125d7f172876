/*
 * EC keys for COSE on P-256, P-384 and P-521: construction from a SEC1
 * point, a COSE_Key, a JWK or PEM, and the public encodings back. Keys
 * are OpenSSL 3 provider keys made with EVP_PKEY_fromdata (no EC_KEY);
 * a public key copies its group from a parameters-only key kept per
 * curve, which costs a sixth of building the group from its name.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <ccakit/bytes.h>
#include <ccakit/cbor.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>

#include "cose/cose_priv.h"

/* Cap on JWK and PEM text. */
#define KEY_TEXT_MAX	(64 * 1024)

/* COSE_Key labels (RFC 9052 §7.1, RFC 9053 §7.1.1). */
#define COSE_KEY_KTY	1
#define COSE_KEY_ALG	3
#define COSE_KEY_CRV	(-1)
#define COSE_KEY_X	(-2)
#define COSE_KEY_Y	(-3)
#define COSE_KEY_D	(-4)
#define COSE_KTY_EC2	2

struct curve {
	int crv;		/* COSE curve */
	int alg;		/* the ES algorithm of that curve */
	size_t clen;		/* coordinate length */
	const char *jwk;	/* JWK "crv" */
	const char *group;	/* OpenSSL group name */
	const char *algname;	/* JWK "alg" */
};

static const struct curve curves[] = {
	{ CCAKIT_COSE_CRV_P256, CCAKIT_COSE_ES256, 32, "P-256", "prime256v1",
	    "ES256" },
	{ CCAKIT_COSE_CRV_P384, CCAKIT_COSE_ES384, 48, "P-384", "secp384r1",
	    "ES384" },
	{ CCAKIT_COSE_CRV_P521, CCAKIT_COSE_ES512, 66, "P-521", "secp521r1",
	    "ES512" },
};
#define NCURVES	(sizeof(curves) / sizeof(curves[0]))

static const struct curve *
curve_by_crv(int64_t crv)
{
	size_t i;

	for (i = 0; i < NCURVES; i++)
		if (curves[i].crv == crv)
			return &curves[i];
	return NULL;
}

static const struct curve *
curve_by_alg(int64_t alg)
{
	size_t i;

	for (i = 0; i < NCURVES; i++)
		if (curves[i].alg == alg)
			return &curves[i];
	return NULL;
}

static const struct curve *
curve_by_group(const char *group)
{
	size_t i;

	for (i = 0; i < NCURVES; i++)
		if (strcmp(curves[i].group, group) == 0)
			return &curves[i];
	return NULL;
}

static const struct curve *
curve_by_jwk(const char *name)
{
	size_t i;

	for (i = 0; i < NCURVES; i++)
		if (strcmp(curves[i].jwk, name) == 0)
			return &curves[i];
	return NULL;
}

size_t
ccakit_cose_crv_coord_len(int crv)
{
	const struct curve *c = curve_by_crv(crv);

	return c != NULL ? c->clen : 0;
}

int
ccakit_cose_alg_crv(int alg)
{
	const struct curve *c = curve_by_alg(alg);

	return c != NULL ? c->crv : 0;
}

const char *
ccakit_cose_alg_name(int alg)
{
	const struct curve *c = curve_by_alg(alg);

	return c != NULL ? c->algname : NULL;
}

const char *
cki_cose_crv_jwk(int crv)
{
	const struct curve *c = curve_by_crv(crv);

	return c != NULL ? c->jwk : NULL;
}

ccakit_key *
ccakit_key_new(void)
{
	return calloc(1, sizeof(ccakit_key));
}

void
ccakit_key_free(ccakit_key **kp)
{
	ccakit_key *k;

	if (kp == NULL || (k = *kp) == NULL)
		return;
	EVP_PKEY_free(k->pkey);	/* clears the private scalar */
	if (k->has_npub)
		ecc_point_clear(&k->npub);
	free(k);
	*kp = NULL;
}

/*
 * Check pkey and move it into k (which then owns it). pt, when not NULL,
 * is the uncompressed point the key was built from; otherwise the point
 * is read back from the key. Fails without touching k or pkey.
 */
static int
key_install(ccakit_key *k, EVP_PKEY *pkey, bool priv, int alg,
    const uint8_t *pt)
{
	const struct curve *c;
	EVP_PKEY_CTX *ctx = NULL;
	BIGNUM *bx = NULL, *by = NULL;
	uint8_t pub[CKI_EC_POINT_MAX];
	struct ecc_point npub;
	char group[64];
	size_t glen, publen;
	bool has_npub;
	int ok, r = CCAKIT_ERR_INTERNAL;

	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC ||
	    EVP_PKEY_get_group_name(pkey, group, sizeof(group), &glen) != 1 ||
	    (c = curve_by_group(group)) == NULL) {
		r = CCAKIT_ERR_KEY_INVALID;
		goto out;
	}
	publen = 1 + 2 * c->clen;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	/*
	 * The curves have cofactor 1, so a point on the curve that is not
	 * at infinity has the group order: the quick check is complete for
	 * a public key. The pairwise check of a private key also runs the
	 * public and private range checks.
	 */
	if (priv)
		ok = EVP_PKEY_pairwise_check(ctx) == 1;
	else
		ok = EVP_PKEY_public_check_quick(ctx) == 1;
	if (!ok) {
		r = CCAKIT_ERR_KEY_INVALID;
		goto out;
	}
	if (pt != NULL) {
		memcpy(pub, pt, publen);
	} else {
		if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X,
		    &bx) != 1 ||
		    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y,
		    &by) != 1) {
			r = CCAKIT_ERR_CRYPTO;
			goto out;
		}
		pub[0] = 0x04;
		if (BN_bn2binpad(bx, pub + 1, (int)c->clen) < 0 ||
		    BN_bn2binpad(by, pub + 1 + c->clen, (int)c->clen) < 0) {
			r = CCAKIT_ERR_KEY_INVALID;
			goto out;
		}
	}

	/*
	 * nettle's copy of the point, on every curve (the tests force
	 * either verifier on any key). Without it (never for a point
	 * OpenSSL accepted) OpenSSL verifies.
	 */
	has_npub = cki_ecdsa_nettle_point(c->crv, pub, &npub);

	EVP_PKEY_free(k->pkey);
	if (k->has_npub)
		ecc_point_clear(&k->npub);
	k->has_npub = has_npub;
	if (has_npub)
		k->npub = npub;
	k->pkey = pkey;
	k->crv = c->crv;
	k->alg = alg;
	k->priv = priv;
	k->publen = publen;
	memcpy(k->pub, pub, publen);
	r = CCAKIT_OK;
out:
	BN_free(bx);
	BN_free(by);
	EVP_PKEY_CTX_free(ctx);
	return r;
}

/*
 * The curve's parameters-only key, made on first use and kept for the
 * life of the process (NULL when OpenSSL cannot make it).
 */
static _Atomic(EVP_PKEY *) templates[NCURVES];

static EVP_PKEY *
curve_template(const struct curve *c)
{
	_Atomic(EVP_PKEY *) *slot = &templates[c - curves];
	EVP_PKEY *t, *n = NULL;
	EVP_PKEY_CTX *ctx;
	OSSL_PARAM p[2];

	if ((t = atomic_load_explicit(slot, memory_order_acquire)) != NULL)
		return t;
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	    (char *)(uintptr_t)c->group, 0);
	p[1] = OSSL_PARAM_construct_end();
	ERR_set_mark();
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &n, EVP_PKEY_KEY_PARAMETERS, p) != 1)
		n = NULL;
	ERR_pop_to_mark();
	EVP_PKEY_CTX_free(ctx);
	if (n == NULL)
		return NULL;
	/* Another thread may have been first: keep its key. */
	if (!atomic_compare_exchange_strong(slot, &t, n)) {
		EVP_PKEY_free(n);
		return t;
	}
	return n;
}

/*
 * A public key from the uncompressed point pt (1 + 2 * c->clen bytes);
 * NULL when the point is not on the curve (OpenSSL's point decoding
 * checks it) or OpenSSL fails.
 */
static EVP_PKEY *
public_from_point(const struct curve *c, const uint8_t *pt, size_t len)
{
	EVP_PKEY *t, *pkey;

	if ((t = curve_template(c)) == NULL || (pkey = EVP_PKEY_new()) ==
	    NULL)
		return NULL;
	ERR_set_mark();
	if (EVP_PKEY_copy_parameters(pkey, t) != 1 ||
	    EVP_PKEY_set1_encoded_public_key(pkey, pt, len) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	ERR_pop_to_mark();
	return pkey;
}

/*
 * Build a key from coordinates x, y (and the scalar d when not NULL),
 * each c->clen bytes big endian, check it and install it in k.
 */
static int
key_from_coords(ccakit_key *k, const struct curve *c, const uint8_t *x,
    const uint8_t *y, const uint8_t *d, int alg)
{
	uint8_t pt[CKI_EC_POINT_MAX];
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *bd = NULL;
	size_t publen = 1 + 2 * c->clen;
	int r = CCAKIT_ERR_INTERNAL;

	pt[0] = 0x04;
	memcpy(pt + 1, x, c->clen);
	memcpy(pt + 1 + c->clen, y, c->clen);
	if (d == NULL) {
		if ((pkey = public_from_point(c, pt, publen)) == NULL)
			return CCAKIT_ERR_KEY_INVALID;
		if ((r = key_install(k, pkey, false, alg, pt)) != CCAKIT_OK)
			EVP_PKEY_free(pkey);
		return r;
	}

	ERR_set_mark();
	if ((bld = OSSL_PARAM_BLD_new()) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    c->group, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt,
	    publen) != 1) {
		r = CCAKIT_ERR_CRYPTO;
		goto out;
	}
	if (d != NULL) {
		/* Secure heap BIGNUM: the builder keeps it there too. */
		if ((bd = BN_secure_new()) == NULL ||
		    BN_bin2bn(d, (int)c->clen, bd) == NULL ||
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY,
		    bd) != 1) {
			r = CCAKIT_ERR_CRYPTO;
			goto out;
		}
	}
	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1) {
		r = CCAKIT_ERR_CRYPTO;
		goto out;
	}
	/* Import decodes the point and refuses one off the curve. */
	if (EVP_PKEY_fromdata(ctx, &pkey, d != NULL ? EVP_PKEY_KEYPAIR :
	    EVP_PKEY_PUBLIC_KEY, params) != 1) {
		r = CCAKIT_ERR_KEY_INVALID;
		goto out;
	}
	if ((r = key_install(k, pkey, d != NULL, alg, pt)) == CCAKIT_OK)
		pkey = NULL;
out:
	ERR_pop_to_mark();
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);	/* clears the secure part */
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(bd);
	return r;
}

int
ccakit_key_from_sec1(ccakit_key *k, int crv, const uint8_t *pt, size_t len)
{
	const struct curve *c;

	if (k == NULL || pt == NULL || (c = curve_by_crv(crv)) == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if (len != 1 + 2 * c->clen || pt[0] != 0x04)
		return CCAKIT_ERR_KEY_INVALID;
	return key_from_coords(k, c, pt + 1, pt + 1 + c->clen, NULL, 0);
}

/* A bstr of exactly n bytes under label in a parsed map, or NULL. */
static const uint8_t *
cose_key_coord(const struct ccakit_cbor_item *map, int64_t label, size_t n)
{
	struct ccakit_cbor_item v;

	if (!ccakit_cbor_map_get_int(map, label, &v) ||
	    v.type != CCAKIT_CBOR_BSTR || v.u != n)
		return NULL;
	return v.data;
}

int
ccakit_key_from_cose_key(ccakit_key *k, const uint8_t *cbor, size_t len)
{
	struct ccakit_cbor_item map, v;
	const struct curve *c;
	const uint8_t *x, *y, *d = NULL;
	int64_t kty, crv, alg = 0;
	int r;

	if (k == NULL || (cbor == NULL && len > 0))
		return CCAKIT_ERR_INVALID_ARG;
	if ((r = ccakit_cbor_parse(cbor, len, NULL, &map, NULL)) != CCAKIT_OK)
		return r;
	if (map.type != CCAKIT_CBOR_MAP)
		return CCAKIT_ERR_KEY_INVALID;
	if (!ccakit_cbor_map_get_int(&map, COSE_KEY_KTY, &v) ||
	    ccakit_cbor_get_int(&v, &kty) != CCAKIT_OK || kty != COSE_KTY_EC2)
		return CCAKIT_ERR_KEY_INVALID;
	if (!ccakit_cbor_map_get_int(&map, COSE_KEY_CRV, &v) ||
	    ccakit_cbor_get_int(&v, &crv) != CCAKIT_OK ||
	    (c = curve_by_crv(crv)) == NULL)
		return CCAKIT_ERR_KEY_INVALID;
	/* A boolean y (point compression) is not a bstr: refused here. */
	if ((x = cose_key_coord(&map, COSE_KEY_X, c->clen)) == NULL ||
	    (y = cose_key_coord(&map, COSE_KEY_Y, c->clen)) == NULL)
		return CCAKIT_ERR_KEY_INVALID;
	if (ccakit_cbor_map_get_int(&map, COSE_KEY_D, &v) &&
	    (d = cose_key_coord(&map, COSE_KEY_D, c->clen)) == NULL)
		return CCAKIT_ERR_KEY_INVALID;
	/* An alg pins the key; it must be the curve's own algorithm. */
	if (ccakit_cbor_map_get_int(&map, COSE_KEY_ALG, &v) &&
	    (ccakit_cbor_get_int(&v, &alg) != CCAKIT_OK || alg != c->alg))
		return CCAKIT_ERR_KEY_INVALID;
	return key_from_coords(k, c, x, y, d, (int)alg);
}

/* A string member of a JSON object, or NULL. */
static const char *
jwk_str(const json_t *obj, const char *name, size_t *len)
{
	const json_t *v = json_object_get(obj, name);

	if (v == NULL || !json_is_string(v))
		return NULL;
	*len = json_string_length(v);
	return json_string_value(v);
}

/* Decode a base64url (no padding) member into exactly n bytes. */
static int
jwk_coord(const json_t *obj, const char *name, size_t n, uint8_t *out)
{
	const char *s;
	size_t slen, olen;

	if ((s = jwk_str(obj, name, &slen)) == NULL ||
	    ccakit_b64_decode(s, slen, CCAKIT_B64_URL, out, n,
	    &olen) != CCAKIT_OK || olen != n)
		return CCAKIT_ERR_KEY_INVALID;
	return CCAKIT_OK;
}

/* Best-effort wipe of a JSON string that held a secret. */
static void
jwk_wipe_member(json_t *obj, const char *name)
{
	json_t *v = json_object_get(obj, name);

	/*
	 * jansson owns the string in writable heap memory; it only hands
	 * out a const pointer.
	 */
	if (v != NULL && json_is_string(v))
		ccakit_wipe((char *)(uintptr_t)json_string_value(v),
		    json_string_length(v));
}

int
ccakit_key_from_jwk(ccakit_key *k, const char *json, size_t len)
{
	uint8_t x[CKI_EC_COORD_MAX], y[CKI_EC_COORD_MAX];
	uint8_t d[CKI_EC_COORD_MAX];
	const struct curve *c;
	json_t *root = NULL;
	json_error_t jerr;
	const char *s;
	size_t slen;
	bool priv = false;
	int alg = 0, r = CCAKIT_ERR_INTERNAL;

	if (k == NULL || json == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if (len > KEY_TEXT_MAX)
		return CCAKIT_ERR_TOO_LARGE;
	if ((root = json_loadb(json, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		r = CCAKIT_ERR_JSON;
		goto out;
	}
	if (!json_is_object(root) ||
	    (s = jwk_str(root, "kty", &slen)) == NULL || strcmp(s, "EC") != 0 ||
	    (s = jwk_str(root, "crv", &slen)) == NULL) {
		r = CCAKIT_ERR_KEY_INVALID;
		goto out;
	}
	if ((c = curve_by_jwk(s)) == NULL) {
		r = CCAKIT_ERR_KEY_INVALID;
		goto out;
	}
	if (json_object_get(root, "alg") != NULL) {
		/* Only the curve's own algorithm may pin the key. */
		if ((s = jwk_str(root, "alg", &slen)) == NULL ||
		    strcmp(s, c->algname) != 0) {
			r = CCAKIT_ERR_KEY_INVALID;
			goto out;
		}
		alg = c->alg;
	}
	if ((r = jwk_coord(root, "x", c->clen, x)) != CCAKIT_OK ||
	    (r = jwk_coord(root, "y", c->clen, y)) != CCAKIT_OK)
		goto out;
	if (json_object_get(root, "d") != NULL) {
		if ((r = jwk_coord(root, "d", c->clen, d)) != CCAKIT_OK)
			goto out;
		priv = true;
	}
	r = key_from_coords(k, c, x, y, priv ? d : NULL, alg);
out:
	ccakit_wipe(d, sizeof(d));
	if (root != NULL) {
		jwk_wipe_member(root, "d");
		json_decref(root);
	}
	return r;
}

/* Never prompt for a passphrase: encrypted PEM is refused. */
static int
pem_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

int
cki_pem_read_key(const char *pem, size_t len, EVP_PKEY **out, bool *priv)
{
	EVP_PKEY *pkey = NULL;
	BIO *bio = NULL;
	int r = CCAKIT_ERR_KEY_INVALID;

	*out = NULL;
	*priv = false;
	if (len > INT32_MAX)
		return CCAKIT_ERR_TOO_LARGE;
	ERR_set_mark();
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	if ((pkey = PEM_read_bio_PrivateKey_ex(bio, NULL, pem_no_passphrase,
	    NULL, NULL, NULL)) != NULL) {
		*priv = true;
	} else if (BIO_reset(bio) != 1 ||	/* mem BIO: 1 is success */
	    (pkey = PEM_read_bio_PUBKEY_ex(bio, NULL, pem_no_passphrase, NULL,
	    NULL, NULL)) == NULL) {
		goto out;
	}
	*out = pkey;
	r = CCAKIT_OK;
out:
	ERR_pop_to_mark();
	BIO_free(bio);
	return r;
}

int
ccakit_key_from_pem(ccakit_key *k, const char *pem, size_t len)
{
	EVP_PKEY *pkey = NULL;
	bool priv = false;
	int r;

	if (k == NULL || pem == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if (len > KEY_TEXT_MAX)
		return CCAKIT_ERR_TOO_LARGE;
	if ((r = cki_pem_read_key(pem, len, &pkey, &priv)) != CCAKIT_OK)
		return r;
	ERR_set_mark();
	if ((r = key_install(k, pkey, priv, 0, NULL)) == CCAKIT_OK)
		pkey = NULL;
	ERR_pop_to_mark();
	EVP_PKEY_free(pkey);
	return r;
}

int
cki_key_from_evp(ccakit_key *k, EVP_PKEY *pkey, bool priv)
{
	if (k == NULL || pkey == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	return key_install(k, pkey, priv, 0, NULL);
}

int
ccakit_key_crv(const ccakit_key *k)
{
	return (k != NULL && k->pkey != NULL) ? k->crv : 0;
}

bool
ccakit_key_has_private(const ccakit_key *k)
{
	return k != NULL && k->pkey != NULL && k->priv;
}

int
ccakit_key_pinned_alg(const ccakit_key *k)
{
	return (k != NULL && k->pkey != NULL) ? k->alg : 0;
}

int
ccakit_key_default_alg(const ccakit_key *k)
{
	const struct curve *c;

	if (k == NULL || k->pkey == NULL || (c = curve_by_crv(k->crv)) == NULL)
		return 0;
	return c->alg;
}

EVP_PKEY *
ccakit_key_evp(const ccakit_key *k)
{
	return k != NULL ? k->pkey : NULL;
}

int
ccakit_key_to_sec1(const ccakit_key *k, uint8_t *out, size_t outsz,
    size_t *outlen)
{
	if (k == NULL || k->pkey == NULL || out == NULL || outlen == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if (outsz < k->publen)
		return CCAKIT_ERR_BUFFER_TOO_SMALL;
	memcpy(out, k->pub, k->publen);
	*outlen = k->publen;
	return CCAKIT_OK;
}

/* COSE_Key {1: 2, -1: crv, -2: x, -3: y} into w. */
static void
put_cose_key(struct ccakit_cbor_writer *w, const ccakit_key *k, size_t clen)
{
	ccakit_cbor_put_map(w, 4);
	ccakit_cbor_put_int(w, COSE_KEY_KTY);
	ccakit_cbor_put_int(w, COSE_KTY_EC2);
	ccakit_cbor_put_int(w, COSE_KEY_CRV);
	ccakit_cbor_put_int(w, k->crv);
	ccakit_cbor_put_int(w, COSE_KEY_X);
	ccakit_cbor_put_bstr(w, k->pub + 1, clen);
	ccakit_cbor_put_int(w, COSE_KEY_Y);
	ccakit_cbor_put_bstr(w, k->pub + 1 + clen, clen);
}

int
ccakit_key_to_cose_key(const ccakit_key *k, uint8_t *out, size_t outsz,
    size_t *outlen)
{
	struct ccakit_cbor_writer w;
	size_t clen, need, n;
	int r;

	if (k == NULL || k->pkey == NULL || out == NULL || outlen == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	clen = (k->publen - 1) / 2;
	/* Measure first so that nothing is written when it does not fit. */
	ccakit_cbor_writer_init(&w, NULL, 0);
	put_cose_key(&w, k, clen);
	if ((r = ccakit_cbor_writer_finish(&w, &need)) != CCAKIT_OK)
		return r;
	if (need > outsz)
		return CCAKIT_ERR_BUFFER_TOO_SMALL;
	ccakit_cbor_writer_init(&w, out, outsz);
	put_cose_key(&w, k, clen);
	if ((r = ccakit_cbor_writer_finish(&w, &n)) != CCAKIT_OK)
		return r;
	*outlen = n;
	return CCAKIT_OK;
}

int
ccakit_key_to_jwk(const ccakit_key *k, char *out, size_t outsz)
{
	char x[((CKI_EC_COORD_MAX + 2) / 3) * 4 + 1];
	char y[sizeof(x)];
	char buf[64 + 2 * sizeof(x)];
	const struct curve *c;
	int n, r;

	if (k == NULL || k->pkey == NULL || out == NULL ||
	    (c = curve_by_crv(k->crv)) == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if ((r = ccakit_b64_encode(k->pub + 1, c->clen, CCAKIT_B64_URL, x,
	    sizeof(x))) != CCAKIT_OK ||
	    (r = ccakit_b64_encode(k->pub + 1 + c->clen, c->clen,
	    CCAKIT_B64_URL, y, sizeof(y))) != CCAKIT_OK)
		return r;
	n = snprintf(buf, sizeof(buf),
	    "{\"kty\":\"EC\",\"crv\":\"%s\",\"x\":\"%s\",\"y\":\"%s\"}",
	    c->jwk, x, y);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return CCAKIT_ERR_INTERNAL;
	if ((size_t)n >= outsz)
		return CCAKIT_ERR_BUFFER_TOO_SMALL;
	memcpy(out, buf, (size_t)n + 1);
	return CCAKIT_OK;
}
