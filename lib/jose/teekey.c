/*
 * TEE keys: the key pair a guest generates for an RCAR session and the
 * public JWK it sends as "tee-pubkey" (kbs-types TeePubKey), which the
 * KBS encrypts resources to. EC keys live in a ccakit_key (cose.h, with
 * its on-curve and pairwise checks), RSA keys in an OpenSSL 3 provider
 * key built with EVP_PKEY_fromdata.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <ccakit/bytes.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/jose.h>

#include "cose/cose_priv.h"
#include "jose/jose_priv.h"
#include "util/util.h"

#define ALG_ECDH   "ECDH-ES+A256KW"
#define N_MAX      (CCAKIT_TEEKEY_RSA_MAX_BITS / 8)
#define E_MAX      8

static const int curves[] = {
	CCAKIT_COSE_CRV_P256, CCAKIT_COSE_CRV_P384, CCAKIT_COSE_CRV_P521
};
#define NCURVES (sizeof(curves) / sizeof(curves[0]))

/* JWK members only a private key has (RFC 7518 §6.2.2, §6.3.2). */
static const char *const private_members[] = {
	"d", "p", "q", "dp", "dq", "qi", "oth",
};

const char *
ccakit_jwe_alg_name(enum ccakit_jwe_alg alg)
{
	switch (alg) {
	case CCAKIT_JWE_ECDH_ES_A256KW:
		return ALG_ECDH;
	case CCAKIT_JWE_RSA_OAEP_256:
		return "RSA-OAEP-256";
	case CCAKIT_JWE_RSA1_5:
		return "RSA1_5";
	}
	return NULL;
}

ccakit_teekey *
ccakit_teekey_new(void)
{
	return calloc(1, sizeof(struct ccakit_teekey));
}

static void
teekey_clear(ccakit_teekey *k)
{
	ccakit_key_free(&k->ec);
	EVP_PKEY_free(k->rsa);	/* clears the private parts */
	k->rsa = NULL;
	k->alg = 0;
	k->bits = 0;
	k->priv = false;
}

void
ccakit_teekey_free(ccakit_teekey **kp)
{
	if (kp == NULL || *kp == NULL)
		return;
	teekey_clear(*kp);
	free(*kp);
	*kp = NULL;
}

/* Move an EC key into k (replacing what k held). */
static void
install_ec(ccakit_teekey *k, ccakit_key *ec)
{
	teekey_clear(k);
	k->ec = ec;
	k->alg = CCAKIT_JWE_ECDH_ES_A256KW;
	k->bits = (unsigned)ccakit_cose_crv_coord_len(ccakit_key_crv(ec)) * 8;
	if (ccakit_key_crv(ec) == CCAKIT_COSE_CRV_P521)
		k->bits = 521;
	k->priv = ccakit_key_has_private(ec);
}

/*
 * Check an RSA key and move it into k: modulus size and parity, public
 * exponent (odd, 3 <= e < 2^64), and for a private key OpenSSL's
 * pairwise check. OpenSSL's public key check is not run: it tests the
 * modulus for primality (some 20 ms for RSA-2048), and a key the guest
 * chose badly only weakens the guest's own secret.
 */
static int
install_rsa(ccakit_teekey *k, EVP_PKEY *pkey, bool priv,
    enum ccakit_jwe_alg alg, unsigned flags, struct ccakit_errdetail *d)
{
	EVP_PKEY_CTX *ctx = NULL;
	BIGNUM *n = NULL, *e = NULL;
	unsigned bits, min;
	int r = CCAKIT_ERR_INTERNAL;

	bits = (unsigned)EVP_PKEY_get_bits(pkey);
	min = (flags & CCAKIT_TEEKEY_ALLOW_RSA1024) != 0 ?
	    CCAKIT_TEEKEY_RSA_COMPAT_BITS : CCAKIT_TEEKEY_RSA_MIN_BITS;
	if (bits < min || bits > CCAKIT_TEEKEY_RSA_MAX_BITS) {
		r = cki_detail(d, CCAKIT_ERR_KEY_INVALID, "tee key",
		    "RSA-%u: the modulus must have %u to %u bits%s", bits, min,
		    CCAKIT_TEEKEY_RSA_MAX_BITS, bits < min &&
		    min == CCAKIT_TEEKEY_RSA_MIN_BITS && bits >= 1024 ?
		    " (1024 needs the compatibility flag)" : "");
		goto out;
	}
	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
	    !BN_is_odd(n)) {
		r = cki_detail(d, CCAKIT_ERR_KEY_INVALID, "tee key",
		    "RSA modulus missing or even");
		goto out;
	}
	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
		r = cki_detail(d, CCAKIT_ERR_KEY_INVALID, "tee key",
		    "RSA key without a public exponent");
		goto out;
	}
	if (!BN_is_odd(e) || BN_is_one(e) || BN_num_bits(e) > 64) {
		r = cki_detail(d, CCAKIT_ERR_KEY_INVALID, "tee key",
		    "RSA public exponent must be odd, 3 <= e < 2^64");
		goto out;
	}
	if (priv && ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) ==
	    NULL || EVP_PKEY_pairwise_check(ctx) != 1)) {
		r = cki_detail(d, CCAKIT_ERR_KEY_INVALID, "tee key",
		    "OpenSSL's RSA pairwise check failed");
		goto out;
	}
	teekey_clear(k);
	k->rsa = pkey;
	k->alg = alg;
	k->bits = bits;
	k->priv = priv;
	r = CCAKIT_OK;
out:
	EVP_PKEY_CTX_free(ctx);
	BN_free(n);
	BN_free(e);
	return r;
}

/* A required string member. */
static const char *
jwk_str(const json_t *jwk, const char *name, size_t *len,
    struct ccakit_errdetail *d, int *r)
{
	const json_t *v = json_object_get(jwk, name);

	if (v == NULL || !json_is_string(v)) {
		*r = cki_detail(d, CCAKIT_ERR_JSON, "tee key",
		    "\"%s\" missing or not a string", name);
		return NULL;
	}
	*len = json_string_length(v);
	if (strlen(json_string_value(v)) != *len) {
		*r = cki_detail(d, CCAKIT_ERR_JSON, "tee key",
		    "\"%s\" holds a NUL character", name);
		return NULL;
	}
	return json_string_value(v);
}

/* A base64url member of 1..max bytes (exactly max when exact). */
static int
jwk_bytes(const json_t *jwk, const char *name, size_t max, bool exact,
    uint8_t *out, size_t *outlen, struct ccakit_errdetail *d)
{
	const char *s;
	uint8_t *buf = NULL;
	size_t slen, n = 0;
	int r = CCAKIT_OK;

	if ((s = jwk_str(jwk, name, &slen, d, &r)) == NULL)
		return r;
	if (slen > ccakit_b64_encoded_len(max, CCAKIT_B64_URL))
		return cki_detail(d, CCAKIT_ERR_KEY_INVALID, "tee key",
		    "\"%s\" longer than %zu bytes", name, max);
	if ((r = cki_b64url_decode_dup(s, slen, &buf, &n)) != CCAKIT_OK)
		return cki_detail(d, r, "tee key",
		    "\"%s\" is not canonical base64url", name);
	if (n == 0 || n > max || (exact && n != max))
		r = cki_detail(d, CCAKIT_ERR_KEY_INVALID, "tee key",
		    "\"%s\" has %zu bytes, %s %zu", name, n,
		    exact ? "must be" : "at most", max);
	else
		memcpy(out, buf, n);
	*outlen = n;
	free(buf);
	return r;
}

static int
ec_from_jwk(ccakit_teekey *k, const json_t *jwk, struct ccakit_errdetail *d)
{
	uint8_t pt[CKI_EC_POINT_MAX];
	ccakit_key *ec = NULL;
	const char *crv;
	size_t i, clen, n, slen;
	int c = 0, r = CCAKIT_OK;

	if ((crv = jwk_str(jwk, "crv", &slen, d, &r)) == NULL)
		return r;
	for (i = 0; i < NCURVES; i++)
		if (strcmp(crv, cki_cose_crv_jwk(curves[i])) == 0)
			c = curves[i];
	if (c == 0)
		return cki_detail(d, CCAKIT_ERR_KEY_INVALID, "tee key",
		    "curve \"%.16s\" is not P-256, P-384 or P-521", crv);
	clen = ccakit_cose_crv_coord_len(c);
	pt[0] = 0x04;
	if ((r = jwk_bytes(jwk, "x", clen, true, pt + 1, &n, d)) !=
	    CCAKIT_OK ||
	    (r = jwk_bytes(jwk, "y", clen, true, pt + 1 + clen, &n, d)) !=
	    CCAKIT_OK)
		return r;
	if ((ec = ccakit_key_new()) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	if ((r = ccakit_key_from_sec1(ec, c, pt, 1 + 2 * clen)) !=
	    CCAKIT_OK) {
		ccakit_key_free(&ec);
		return cki_detail(d, r == CCAKIT_ERR_NOMEM ? r :
		    CCAKIT_ERR_KEY_INVALID, "tee key",
		    "(x, y) is not a point on %s", crv);
	}
	install_ec(k, ec);
	return CCAKIT_OK;
}

int
cki_rsa_from_ne(const uint8_t *n, size_t nlen, const uint8_t *e, size_t elen,
    EVP_PKEY **out)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	BIGNUM *bn = NULL, *be = NULL;
	int r = CCAKIT_ERR_KEY_INVALID;

	ERR_set_mark();
	if ((bn = BN_bin2bn(n, (int)nlen, NULL)) == NULL ||
	    (be = BN_bin2bn(e, (int)elen, NULL)) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1) {
		r = CCAKIT_ERR_CRYPTO;
		goto out;
	}
	if (EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) == 1)
		r = CCAKIT_OK;
out:
	ERR_pop_to_mark();
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	return r;
}

static int
rsa_from_jwk(ccakit_teekey *k, const json_t *jwk, enum ccakit_jwe_alg alg,
    unsigned flags, struct ccakit_errdetail *d)
{
	uint8_t n[N_MAX], e[E_MAX];
	size_t nlen, elen;
	EVP_PKEY *pkey = NULL;
	int r;

	if ((r = jwk_bytes(jwk, "n", sizeof(n), false, n, &nlen, d)) !=
	    CCAKIT_OK ||
	    (r = jwk_bytes(jwk, "e", sizeof(e), false, e, &elen, d)) !=
	    CCAKIT_OK)
		return r;
	if (n[0] == 0 || e[0] == 0)
		return cki_detail(d, CCAKIT_ERR_KEY_INVALID, "tee key",
		    "\"%s\" has a leading zero octet", n[0] == 0 ? "n" : "e");
	if ((r = cki_rsa_from_ne(n, nlen, e, elen, &pkey)) != CCAKIT_OK)
		return cki_detail(d, r, "tee key", "OpenSSL refused the key");
	if ((r = install_rsa(k, pkey, false, alg, flags, d)) != CCAKIT_OK)
		EVP_PKEY_free(pkey);
	return r;
}

int
ccakit_teekey_from_jwk(ccakit_teekey *k, const char *json, size_t len,
    unsigned flags, struct ccakit_errdetail *d)
{
	const unsigned known = CCAKIT_TEEKEY_ALLOW_RSA1024 |
	    CCAKIT_TEEKEY_ALLOW_RSA1_5;
	json_error_t jerr;
	json_t *jwk = NULL;
	const json_t *v;
	const char *kty, *alg;
	size_t i, slen;
	int r = CCAKIT_OK;

	if (k == NULL || (json == NULL && len > 0) || (flags & ~known) != 0)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (len > CCAKIT_TEEKEY_JWK_MAX)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "tee key",
		    "JWK of %zu bytes, at most %d", len,
		    CCAKIT_TEEKEY_JWK_MAX);
	if ((jwk = json_loadb(json != NULL ? json : "", len,
	    JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return cki_detail(d, CCAKIT_ERR_JSON, "tee key",
		    "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
	if (!json_is_object(jwk)) {
		r = cki_detail(d, CCAKIT_ERR_JSON, "tee key",
		    "a JWK is a JSON object");
		goto out;
	}
	for (i = 0; i < sizeof(private_members) / sizeof(private_members[0]);
	    i++)
		if (json_object_get(jwk, private_members[i]) != NULL) {
			r = cki_detail(d, CCAKIT_ERR_KEY_INVALID, "tee key",
			    "private member \"%s\" in a public key",
			    private_members[i]);
			goto out;
		}
	if ((v = json_object_get(jwk, "use")) != NULL &&
	    (!json_is_string(v) || strcmp(json_string_value(v), "enc") != 0)) {
		r = cki_detail(d, CCAKIT_ERR_KEY_INVALID, "tee key",
		    "\"use\" must be \"enc\"");
		goto out;
	}
	if ((kty = jwk_str(jwk, "kty", &slen, d, &r)) == NULL ||
	    (alg = jwk_str(jwk, "alg", &slen, d, &r)) == NULL)
		goto out;
	if (strcmp(kty, "EC") == 0) {
		if (strcmp(alg, ALG_ECDH) != 0) {
			r = cki_detail(d, CCAKIT_ERR_KEY_INVALID, "tee key",
			    "an EC key's alg must be " ALG_ECDH ", not "
			    "\"%.32s\"", alg);
			goto out;
		}
		r = ec_from_jwk(k, jwk, d);
	} else if (strcmp(kty, "RSA") == 0) {
		if (strcmp(alg, "RSA-OAEP-256") == 0) {
			r = rsa_from_jwk(k, jwk, CCAKIT_JWE_RSA_OAEP_256,
			    flags, d);
		} else if (strcmp(alg, "RSA1_5") == 0 &&
		    (flags & CCAKIT_TEEKEY_ALLOW_RSA1_5) != 0) {
			r = rsa_from_jwk(k, jwk, CCAKIT_JWE_RSA1_5, flags, d);
		} else {
			r = cki_detail(d, CCAKIT_ERR_KEY_INVALID, "tee key",
			    "an RSA key's alg must be RSA-OAEP-256, not "
			    "\"%.32s\"", alg);
		}
	} else {
		r = cki_detail(d, CCAKIT_ERR_KEY_INVALID, "tee key",
		    "kty \"%.16s\" is not supported (EC or RSA)", kty);
	}
out:
	json_decref(jwk);
	return r;
}

int
ccakit_teekey_from_pem(ccakit_teekey *k, const char *pem, size_t len,
    unsigned flags, struct ccakit_errdetail *d)
{
	EVP_PKEY *pkey = NULL;
	ccakit_key *ec = NULL;
	bool priv = false;
	int r = CCAKIT_ERR_INTERNAL;

	if (k == NULL || pem == NULL ||
	    (flags & ~CCAKIT_TEEKEY_ALLOW_RSA1024) != 0)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (len > CCAKIT_TEEKEY_PEM_MAX)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "tee key",
		    "PEM of %zu bytes, at most %d", len, CCAKIT_TEEKEY_PEM_MAX);
	if ((r = cki_pem_read_key(pem, len, &pkey, &priv)) != CCAKIT_OK)
		return cki_detail(d, r, "tee key", "no unencrypted PEM "
		    "private key or public key");
	ERR_set_mark();
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_EC:
		if ((ec = ccakit_key_new()) == NULL) {
			r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
			break;
		}
		if (cki_key_from_evp(ec, pkey, priv) != CCAKIT_OK) {
			r = cki_detail(d, CCAKIT_ERR_KEY_INVALID, "tee key",
			    "EC key not on P-256, P-384 or P-521, or "
			    "inconsistent");
			break;
		}
		pkey = NULL;
		install_ec(k, ec);
		ec = NULL;
		r = CCAKIT_OK;
		break;
	case EVP_PKEY_RSA:
		if ((r = install_rsa(k, pkey, priv, CCAKIT_JWE_RSA_OAEP_256,
		    flags, d)) == CCAKIT_OK)
			pkey = NULL;
		break;
	default:
		r = cki_detail(d, CCAKIT_ERR_KEY_INVALID, "tee key",
		    "not an RSA or EC key");
		break;
	}
	ERR_pop_to_mark();
	ccakit_key_free(&ec);
	EVP_PKEY_free(pkey);
	return r;
}

int
ccakit_teekey_generate(ccakit_teekey *k, const char *algorithm)
{
	static const struct {
		const char *name;
		int crv;		/* 0: RSA-2048 */
	} algs[] = {
		{ "ECDH-ES+A256KW-P256", CCAKIT_COSE_CRV_P256 },
		{ "ECDH-ES+A256KW-P384", CCAKIT_COSE_CRV_P384 },
		{ "ECDH-ES+A256KW-P521", CCAKIT_COSE_CRV_P521 },
		{ "RSA-OAEP-256", 0 },
	};
	EVP_PKEY *pkey = NULL;
	ccakit_key *ec = NULL;
	size_t i;
	int r = CCAKIT_ERR_CRYPTO;

	if (k == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if (algorithm == NULL)
		algorithm = algs[0].name;
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcmp(algorithm, algs[i].name) == 0)
			break;
	if (i == sizeof(algs) / sizeof(algs[0]))
		return CCAKIT_ERR_INVALID_ARG;
	ERR_set_mark();
	if (algs[i].crv != 0) {
		if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC",
		    cki_cose_crv_jwk(algs[i].crv))) == NULL)
			goto out;
		if ((ec = ccakit_key_new()) == NULL) {
			r = CCAKIT_ERR_NOMEM;
			goto out;
		}
		if ((r = cki_key_from_evp(ec, pkey, true)) != CCAKIT_OK)
			goto out;
		pkey = NULL;
		install_ec(k, ec);
		ec = NULL;
	} else {
		if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
		    (size_t)CCAKIT_TEEKEY_RSA_MIN_BITS)) == NULL)
			goto out;
		if ((r = install_rsa(k, pkey, true, CCAKIT_JWE_RSA_OAEP_256, 0,
		    NULL)) != CCAKIT_OK)
			goto out;
		pkey = NULL;
	}
	r = CCAKIT_OK;
out:
	ERR_pop_to_mark();
	ccakit_key_free(&ec);
	EVP_PKEY_free(pkey);
	return r;
}

/* A BIGNUM parameter as minimal base64url (malloc'd). */
static char *
bn_b64(const EVP_PKEY *pkey, const char *param)
{
	uint8_t buf[N_MAX];
	BIGNUM *bn = NULL;
	char *s = NULL;
	int n;

	if (EVP_PKEY_get_bn_param(pkey, param, &bn) == 1 &&
	    BN_num_bytes(bn) <= (int)sizeof(buf) &&
	    (n = BN_bn2bin(bn, buf)) > 0)
		s = cki_b64url_dup(buf, (size_t)n);
	BN_free(bn);
	return s;
}

int
ccakit_teekey_to_jwk(const ccakit_teekey *k, char **out)
{
	uint8_t pt[CKI_EC_POINT_MAX];
	char *a = NULL, *b = NULL, *res = NULL;
	size_t ptlen, clen, n;
	int w, r = CCAKIT_ERR_NOMEM;

	if (out != NULL)
		*out = NULL;
	if (k == NULL || out == NULL || k->alg == 0)
		return CCAKIT_ERR_INVALID_ARG;
	if (k->ec != NULL) {
		if ((r = ccakit_key_to_sec1(k->ec, pt, sizeof(pt), &ptlen)) !=
		    CCAKIT_OK)
			return r;
		clen = (ptlen - 1) / 2;
		a = cki_b64url_dup(pt + 1, clen);
		b = cki_b64url_dup(pt + 1 + clen, clen);
	} else {
		a = bn_b64(k->rsa, OSSL_PKEY_PARAM_RSA_N);
		b = bn_b64(k->rsa, OSSL_PKEY_PARAM_RSA_E);
	}
	if (a == NULL || b == NULL)
		goto out;
	n = 96 + strlen(a) + strlen(b);
	if ((res = malloc(n)) == NULL)
		goto out;
	if (k->ec != NULL)
		w = snprintf(res, n, "{\"kty\":\"EC\",\"crv\":\"%s\","
		    "\"alg\":\"%s\",\"x\":\"%s\",\"y\":\"%s\"}",
		    cki_cose_crv_jwk(ccakit_key_crv(k->ec)),
		    ccakit_jwe_alg_name(k->alg), a, b);
	else
		w = snprintf(res, n, "{\"kty\":\"RSA\",\"alg\":\"%s\","
		    "\"n\":\"%s\",\"e\":\"%s\"}", ccakit_jwe_alg_name(k->alg),
		    a, b);
	if (w < 0 || (size_t)w >= n) {
		r = CCAKIT_ERR_INTERNAL;
		goto out;
	}
	*out = res;
	res = NULL;
	r = CCAKIT_OK;
out:
	free(a);
	free(b);
	free(res);
	return r;
}

int
ccakit_teekey_to_pem(const ccakit_teekey *k, char **out)
{
	OSSL_ENCODER_CTX *ectx = NULL;
	EVP_PKEY *pkey;
	BIO *bio = NULL;
	char *data = NULL, *res = NULL;
	long n;
	int ok, r = CCAKIT_ERR_CRYPTO;

	if (out != NULL)
		*out = NULL;
	if (k == NULL || out == NULL || k->alg == 0)
		return CCAKIT_ERR_INVALID_ARG;
	pkey = k->ec != NULL ? ccakit_key_evp(k->ec) : k->rsa;
	ERR_set_mark();
	/* A secure-heap BIO: the private key text is cleared on free. */
	if ((bio = BIO_new(k->priv ? BIO_s_secmem() : BIO_s_mem())) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	if (!k->priv) {
		ok = PEM_write_bio_PUBKEY(bio, pkey) == 1;
	} else if (k->ec != NULL) {
		ok = PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL,
		    NULL) == 1;
	} else {
		/* PKCS#1 "RSA PRIVATE KEY", as guest-components writes. */
		ok = (ectx = OSSL_ENCODER_CTX_new_for_pkey(pkey,
		    OSSL_KEYMGMT_SELECT_KEYPAIR, "PEM", "type-specific",
		    NULL)) != NULL && OSSL_ENCODER_to_bio(ectx, bio) == 1;
	}
	if (!ok || (n = BIO_get_mem_data(bio, &data)) <= 0)
		goto out;
	if ((res = malloc((size_t)n + 1)) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	memcpy(res, data, (size_t)n);
	res[n] = '\0';
	*out = res;
	r = CCAKIT_OK;
out:
	ERR_pop_to_mark();
	OSSL_ENCODER_CTX_free(ectx);
	BIO_free(bio);
	return r;
}

enum ccakit_jwe_alg
ccakit_teekey_alg(const ccakit_teekey *k)
{
	return k != NULL ? k->alg : 0;
}

int
ccakit_teekey_crv(const ccakit_teekey *k)
{
	return k != NULL && k->ec != NULL ? ccakit_key_crv(k->ec) : 0;
}

unsigned
ccakit_teekey_bits(const ccakit_teekey *k)
{
	return k != NULL ? k->bits : 0;
}

bool
ccakit_teekey_has_private(const ccakit_teekey *k)
{
	return k != NULL && k->priv;
}
