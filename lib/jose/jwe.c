/*
 * JWE (RFC 7516) as Trustee's KBS and guest use it for resources:
 * key management ECDH-ES+A256KW (RFC 7518 §4.6, P-256/384/521) or
 * RSA-OAEP-256 (§4.3), content encryption A256GCM (§5.3), compact or
 * flattened JSON serialization (see include/ccakit/jose.h for the rules).
 *
 * Secrets (CEK, KEK, shared secret Z, the ephemeral private key) are
 * wiped or freed by OpenSSL (which clears key material) before return.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <ccakit/bytes.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/jose.h>

#include "cose/cose_priv.h"
#include "jose/jose_priv.h"
#include "util/util.h"

#define CEK_LEN		32	/* A256GCM key */
#define KEK_LEN		32	/* A256KW key */
#define IV_LEN		12
#define TAG_LEN		16
#define KW_LEN		(CEK_LEN + 8)
#define RSA_MAX_BYTES	(CCAKIT_TEEKEY_RSA_MAX_BITS / 8)
#define ENC_NAME	"A256GCM"

/* Ciphers and the KDF, fetched once per process and shared. */
static CRYPTO_ONCE fetch_once = CRYPTO_ONCE_STATIC_INIT;
static EVP_CIPHER *aes_gcm, *aes_kw;
static EVP_KDF *sskdf;

static void
fetch(void)
{
	aes_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	aes_kw = EVP_CIPHER_fetch(NULL, "AES-256-WRAP", NULL);
	sskdf = EVP_KDF_fetch(NULL, "SSKDF", NULL);
}

static bool
fetched(void)
{
	return CRYPTO_THREAD_run_once(&fetch_once, fetch) == 1 &&
	    aes_gcm != NULL && aes_kw != NULL && sskdf != NULL;
}

static void
put_u32(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * OtherInfo = AlgorithmID || PartyUInfo || PartyVInfo || SuppPubInfo,
 * each datalen-prefixed (32-bit big endian) but the last, the key length
 * in bits; SSKDF with SHA-256 is the Concat KDF of SP 800-56A.
 */
int
cki_concat_kdf(const uint8_t *z, size_t zlen, const char *alg,
    const uint8_t *apu, size_t apulen, const uint8_t *apv, size_t apvlen,
    uint8_t *key, size_t keylen)
{
	OSSL_PARAM params[4];
	EVP_KDF_CTX *kctx = NULL;
	uint8_t *info = NULL, *p;
	size_t alen = strlen(alg), ilen;
	int r = CCAKIT_ERR_CRYPTO;

	if (apulen > CCAKIT_JWE_MAX_HEADER || apvlen > CCAKIT_JWE_MAX_HEADER ||
	    keylen > 0x1fffffff)
		return CCAKIT_ERR_INVALID_ARG;
	if (!fetched())
		return CCAKIT_ERR_CRYPTO;
	ilen = 4 + alen + 4 + apulen + 4 + apvlen + 4;
	if ((info = malloc(ilen)) == NULL)
		return CCAKIT_ERR_NOMEM;
	p = info;
	put_u32(p, alen);
	memcpy(p + 4, alg, alen);
	p += 4 + alen;
	put_u32(p, apulen);
	if (apulen > 0)
		memcpy(p + 4, apu, apulen);
	p += 4 + apulen;
	put_u32(p, apvlen);
	if (apvlen > 0)
		memcpy(p + 4, apv, apvlen);
	p += 4 + apvlen;
	put_u32(p, keylen * 8);

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)(uintptr_t)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)(uintptr_t)z, zlen);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    info, ilen);
	params[3] = OSSL_PARAM_construct_end();
	ERR_set_mark();
	if ((kctx = EVP_KDF_CTX_new(sskdf)) != NULL &&
	    EVP_KDF_derive(kctx, key, keylen, params) == 1)
		r = CCAKIT_OK;
	ERR_pop_to_mark();
	EVP_KDF_CTX_free(kctx);	/* clears its copy of z */
	free(info);
	return r;
}

/* AES-256 key wrap (RFC 3394) of a CEK, or unwrap (false on failure). */
static bool
aes_kw_do(bool wrap, const uint8_t kek[KEK_LEN], const uint8_t *in,
    size_t inlen, uint8_t *out, size_t outlen)
{
	EVP_CIPHER_CTX *ctx;
	int n = 0, f = 0;
	bool ok;

	if (!fetched() || (ctx = EVP_CIPHER_CTX_new()) == NULL)
		return false;
	ERR_set_mark();
	ok = EVP_CipherInit_ex2(ctx, aes_kw, kek, NULL, wrap ? 1 : 0,
	    NULL) == 1 &&
	    EVP_CipherUpdate(ctx, out, &n, in, (int)inlen) == 1 &&
	    EVP_CipherFinal_ex(ctx, out + n, &f) == 1 &&
	    (size_t)n + (size_t)f == outlen;
	ERR_pop_to_mark();
	EVP_CIPHER_CTX_free(ctx);	/* clears the key schedule */
	return ok;
}

/*
 * AES-256-GCM over in[0..len) into out (same length), with the AAD; the
 * tag is written (encrypt) or checked (decrypt: false when it differs).
 */
static bool
aes_gcm_do(bool enc, const uint8_t key[CEK_LEN], const uint8_t iv[IV_LEN],
    const char *aad, size_t aadlen, const uint8_t *in, size_t len,
    uint8_t *out, uint8_t tag[TAG_LEN])
{
	OSSL_PARAM params[2];
	EVP_CIPHER_CTX *ctx;
	int n = 0, f = 0;
	bool ok;

	if (!fetched() || (ctx = EVP_CIPHER_CTX_new()) == NULL)
		return false;
	ERR_set_mark();
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG,
	    tag, TAG_LEN);
	params[1] = OSSL_PARAM_construct_end();
	ok = EVP_CipherInit_ex2(ctx, aes_gcm, key, iv, enc ? 1 : 0,
	    NULL) == 1 &&
	    EVP_CipherUpdate(ctx, NULL, &n, (const uint8_t *)aad,
	    (int)aadlen) == 1 &&
	    (len == 0 || EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1) &&
	    (enc || EVP_CIPHER_CTX_set_params(ctx, params) == 1) &&
	    EVP_CipherFinal_ex(ctx, out + (len == 0 ? 0 : n), &f) == 1 &&
	    (!enc || EVP_CIPHER_CTX_get_params(ctx, params) == 1);
	ERR_pop_to_mark();
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

/*
 * Z = the x coordinate of priv * peer (clen bytes). Both keys were
 * checked when they were made or imported (the peer's point is on the
 * curve), so OpenSSL does not check the peer again.
 */
static int
ecdh(EVP_PKEY *priv, EVP_PKEY *peer, size_t clen, uint8_t *z, size_t zsz)
{
	EVP_PKEY_CTX *ctx;
	size_t n = zsz;
	int r = CCAKIT_ERR_CRYPTO;

	ERR_set_mark();
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL)) != NULL &&
	    EVP_PKEY_derive_init(ctx) == 1 &&
	    EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) == 1 &&
	    EVP_PKEY_derive(ctx, z, &n) == 1 && n == clen)
		r = CCAKIT_OK;
	ERR_pop_to_mark();
	EVP_PKEY_CTX_free(ctx);
	return r;
}

/* A fresh key pair on the group of peer; NULL when OpenSSL fails. */
static EVP_PKEY *
ephemeral(EVP_PKEY *peer)
{
	EVP_PKEY_CTX *c;
	EVP_PKEY *k = NULL;

	ERR_set_mark();
	if ((c = EVP_PKEY_CTX_new_from_pkey(NULL, peer, NULL)) == NULL ||
	    EVP_PKEY_keygen_init(c) != 1 || EVP_PKEY_keygen(c, &k) != 1)
		k = NULL;
	ERR_pop_to_mark();
	EVP_PKEY_CTX_free(c);
	return k;
}

/* KEK = ConcatKDF(Z) for ECDH-ES+A256KW. */
static int
ecdh_kek(EVP_PKEY *priv, EVP_PKEY *peer, int crv, const uint8_t *apu,
    size_t apulen, const uint8_t *apv, size_t apvlen, uint8_t kek[KEK_LEN])
{
	uint8_t z[CKI_EC_COORD_MAX];
	size_t zlen = ccakit_cose_crv_coord_len(crv);
	int r;

	if ((r = ecdh(priv, peer, zlen, z, sizeof(z))) == CCAKIT_OK)
		r = cki_concat_kdf(z, zlen, "ECDH-ES+A256KW", apu, apulen,
		    apv, apvlen, kek, KEK_LEN);
	ccakit_wipe(z, sizeof(z));
	return r;
}

/* RSA encryption of the CEK with the key's padding. */
static int
rsa_encrypt(const ccakit_teekey *to, const uint8_t cek[CEK_LEN],
    uint8_t *out, size_t *outlen)
{
	EVP_PKEY_CTX *ctx;
	size_t n = RSA_MAX_BYTES;
	int r = CCAKIT_ERR_CRYPTO;
	bool ok;

	ERR_set_mark();
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, to->rsa, NULL)) == NULL ||
	    EVP_PKEY_encrypt_init(ctx) != 1)
		goto out;
	if (to->alg == CCAKIT_JWE_RSA1_5)
		ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
	else
		ok = EVP_PKEY_CTX_set_rsa_padding(ctx,
		    RSA_PKCS1_OAEP_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, "SHA256", NULL) ==
		    1 &&
		    EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, "SHA256", NULL) == 1;
	if (ok && EVP_PKEY_encrypt(ctx, out, &n, cek, CEK_LEN) == 1) {
		*outlen = n;
		r = CCAKIT_OK;
	}
out:
	ERR_pop_to_mark();
	EVP_PKEY_CTX_free(ctx);
	return r;
}

/*
 * RSA-OAEP-256 decryption of the CEK. Whatever happens a CEK comes out:
 * the real one, or a random one when the padding is wrong (RFC 7516
 * §11.5), chosen without a branch; the tag check then fails.
 */
static void
rsa_oaep_decrypt(const ccakit_teekey *key, const uint8_t *ek, size_t eklen,
    uint8_t cek[CEK_LEN])
{
	uint8_t buf[RSA_MAX_BYTES], fake[CEK_LEN], mask;
	EVP_PKEY_CTX *ctx;
	size_t n = sizeof(buf), i;
	int ok;

	if (RAND_priv_bytes(fake, sizeof(fake)) != 1)
		memset(fake, 0x5a, sizeof(fake));	/* still fails the tag */
	memset(buf, 0, sizeof(buf));
	ERR_set_mark();
	ok = (ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->rsa, NULL)) !=
	    NULL &&
	    EVP_PKEY_decrypt_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
	    EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, "SHA256", NULL) == 1 &&
	    EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, "SHA256", NULL) == 1 &&
	    EVP_PKEY_decrypt(ctx, buf, &n, ek, eklen) == 1 && n == CEK_LEN;
	ERR_pop_to_mark();
	EVP_PKEY_CTX_free(ctx);
	mask = (uint8_t)(0u - (unsigned)ok);
	for (i = 0; i < CEK_LEN; i++)
		cek[i] = (uint8_t)((buf[i] & mask) | (fake[i] & ~mask));
	ccakit_wipe(buf, sizeof(buf));
	ccakit_wipe(fake, sizeof(fake));
}

/* ",\"<name>\":\"<b64url>\"" for an optional header member. */
static char *
member_b64(const char *name, const uint8_t *v, size_t len)
{
	char *b, *s;
	size_t n;

	if (v == NULL)
		return strdup("");
	if ((b = cki_b64url_dup(v, len)) == NULL)
		return NULL;
	n = strlen(name) + strlen(b) + 8;
	if ((s = malloc(n)) != NULL)
		(void)snprintf(s, n, ",\"%s\":\"%s\"", name, b);
	free(b);
	return s;
}

/*
 * The protected header, as Trustee's kbs-types ProtectedHeader
 * serialises: alg, enc, then the other members in name order (serde_json
 * maps are sorted), epk's members in name order. epk is the ephemeral
 * key on curve crv (ECDH-ES only).
 */
static char *
build_header(const ccakit_teekey *to, EVP_PKEY *epk, int crv,
    const struct cki_jwe_fixed *fx)
{
	uint8_t pt[CKI_EC_POINT_MAX];
	char *x = NULL, *y = NULL, *apu = NULL, *apv = NULL, *h = NULL;
	size_t ptlen = 0, clen = ccakit_cose_crv_coord_len(crv), n;

	if (to->alg != CCAKIT_JWE_ECDH_ES_A256KW) {
		n = 64;
		if ((h = malloc(n)) != NULL)
			(void)snprintf(h, n, "{\"alg\":\"%s\",\"enc\":\""
			    ENC_NAME "\"}", ccakit_jwe_alg_name(to->alg));
		return h;
	}
	if (EVP_PKEY_get_octet_string_param(epk, OSSL_PKEY_PARAM_PUB_KEY, pt,
	    sizeof(pt), &ptlen) != 1 || ptlen != 1 + 2 * clen ||
	    pt[0] != 0x04)
		return NULL;
	if ((x = cki_b64url_dup(pt + 1, clen)) == NULL ||
	    (y = cki_b64url_dup(pt + 1 + clen, clen)) == NULL ||
	    (apu = member_b64("apu", fx->apu, fx->apulen)) == NULL ||
	    (apv = member_b64("apv", fx->apv, fx->apvlen)) == NULL)
		goto out;
	n = 128 + strlen(x) + strlen(y) + strlen(apu) + strlen(apv);
	if ((h = malloc(n)) != NULL)
		(void)snprintf(h, n, "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\""
		    ENC_NAME "\"%s%s,\"epk\":{\"crv\":\"%s\",\"kty\":\"EC\","
		    "\"x\":\"%s\",\"y\":\"%s\"}}", apu, apv,
		    cki_cose_crv_jwk(crv), x, y);
out:
	free(x);
	free(y);
	free(apu);
	free(apv);
	return h;
}

/* Join the five parts in the requested serialization. */
static int
serialize(enum ccakit_jwe_form form, const char *h64, const uint8_t *ek,
    size_t eklen, const uint8_t *iv, const uint8_t *ct, size_t ctlen,
    const uint8_t *tag, char **out)
{
	char *k64 = NULL, *i64 = NULL, *c64 = NULL, *t64 = NULL, *res = NULL;
	size_t n;
	int r = CCAKIT_ERR_NOMEM;

	if ((k64 = cki_b64url_dup(ek, eklen)) == NULL ||
	    (i64 = cki_b64url_dup(iv, IV_LEN)) == NULL ||
	    (c64 = cki_b64url_dup(ct, ctlen)) == NULL ||
	    (t64 = cki_b64url_dup(tag, TAG_LEN)) == NULL)
		goto out;
	n = strlen(h64) + strlen(k64) + strlen(i64) + strlen(c64) +
	    strlen(t64) + 96;
	if ((res = malloc(n)) == NULL)
		goto out;
	if (form == CCAKIT_JWE_COMPACT)
		(void)snprintf(res, n, "%s.%s.%s.%s.%s", h64, k64, i64, c64,
		    t64);
	else
		(void)snprintf(res, n, "{\"protected\":\"%s\","
		    "\"encrypted_key\":\"%s\",\"iv\":\"%s\","
		    "\"ciphertext\":\"%s\",\"tag\":\"%s\"}", h64, k64, i64,
		    c64, t64);
	*out = res;
	r = CCAKIT_OK;
out:
	free(k64);
	free(i64);
	free(c64);
	free(t64);
	return r;
}

int
cki_jwe_encrypt(const ccakit_teekey *to, const uint8_t *pt, size_t len,
    enum ccakit_jwe_form form, const struct cki_jwe_fixed *fx, char **out)
{
	static const struct cki_jwe_fixed none;
	uint8_t cek[CEK_LEN], kek[KEK_LEN], iv[IV_LEN], tag[TAG_LEN];
	uint8_t ek[RSA_MAX_BYTES];
	size_t eklen = 0;
	EVP_PKEY *eph = NULL, *epk = NULL;
	int crv = 0;
	uint8_t *ct = NULL;
	char *hdr = NULL, *h64 = NULL;
	int r = CCAKIT_ERR_INTERNAL;

	if (out != NULL)
		*out = NULL;
	if (to == NULL || to->alg == 0 || out == NULL ||
	    (pt == NULL && len > 0) ||
	    (form != CCAKIT_JWE_COMPACT && form != CCAKIT_JWE_FLATTENED))
		return CCAKIT_ERR_INVALID_ARG;
	if (len > CCAKIT_JWE_MAX_PLAINTEXT)
		return CCAKIT_ERR_TOO_LARGE;
	if (fx == NULL)
		fx = &none;
	if (!fetched())
		return CCAKIT_ERR_CRYPTO;
	if (fx->cek != NULL)
		memcpy(cek, fx->cek, CEK_LEN);
	else if (RAND_priv_bytes(cek, CEK_LEN) != 1)
		return CCAKIT_ERR_CRYPTO;
	if (fx->iv != NULL)
		memcpy(iv, fx->iv, IV_LEN);
	else if (RAND_bytes(iv, IV_LEN) != 1) {
		r = CCAKIT_ERR_CRYPTO;
		goto out;
	}

	if (to->alg == CCAKIT_JWE_ECDH_ES_A256KW) {
		crv = ccakit_key_crv(to->ec);
		if (fx->epk != NULL) {
			if (ccakit_key_crv(fx->epk) != crv ||
			    !ccakit_key_has_private(fx->epk)) {
				r = CCAKIT_ERR_INVALID_ARG;
				goto out;
			}
			epk = ccakit_key_evp(fx->epk);
		} else {
			/* A fresh key from OpenSSL needs no pairwise check;
			 * made on the recipient's group (copied, not built
			 * again from its name). */
			if ((epk = eph = ephemeral(ccakit_key_evp(to->ec))) ==
			    NULL) {
				r = CCAKIT_ERR_CRYPTO;
				goto out;
			}
		}
		if ((r = ecdh_kek(epk, ccakit_key_evp(to->ec), crv, fx->apu,
		    fx->apulen, fx->apv, fx->apvlen, kek)) != CCAKIT_OK)
			goto out;
		if (!aes_kw_do(true, kek, cek, CEK_LEN, ek, KW_LEN)) {
			r = CCAKIT_ERR_CRYPTO;
			goto out;
		}
		eklen = KW_LEN;
	} else if ((r = rsa_encrypt(to, cek, ek, &eklen)) != CCAKIT_OK) {
		goto out;
	}

	if ((hdr = build_header(to, epk, crv, fx)) == NULL ||
	    (h64 = cki_b64url_dup((const uint8_t *)hdr, strlen(hdr))) ==
	    NULL || (ct = malloc(len > 0 ? len : 1)) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	if (!aes_gcm_do(true, cek, iv, h64, strlen(h64), pt, len, ct, tag)) {
		r = CCAKIT_ERR_CRYPTO;
		goto out;
	}
	r = serialize(form, h64, ek, eklen, iv, ct, len, tag, out);
out:
	ccakit_wipe(cek, sizeof(cek));
	ccakit_wipe(kek, sizeof(kek));
	EVP_PKEY_free(eph);	/* OpenSSL clears the private scalar */
	free(ct);
	free(hdr);
	free(h64);
	return r;
}

int
ccakit_jwe_encrypt(const ccakit_teekey *to, const uint8_t *pt, size_t len,
    enum ccakit_jwe_form form, char **out)
{
	return cki_jwe_encrypt(to, pt, len, form, NULL, out);
}

/* --- decryption --- */

/* The five parts of a JWE: the header text as received, the rest decoded. */
struct parts {
	const char *prot;	/* base64url text: the AAD */
	size_t protlen;
	uint8_t *ek, *iv, *ct, *tag;
	size_t eklen, ivlen, ctlen, taglen;
};

static void
parts_free(struct parts *p)
{
	free(p->ek);
	free(p->iv);
	free(p->ct);
	free(p->tag);
}

static int
decode_part(const char *name, const char *s, size_t len, uint8_t **out,
    size_t *outlen, struct ccakit_errdetail *d)
{
	int r;

	if ((r = cki_b64url_decode_dup(s, len, out, outlen)) != CCAKIT_OK)
		return cki_detail(d, r, "jwe", "JWE %s is not canonical "
		    "base64url", name);
	return CCAKIT_OK;
}

static int
parse_compact(const char *jwe, size_t len, struct parts *p,
    struct ccakit_errdetail *d)
{
	const char *seg[5];
	size_t slen[5], i, n = 0, start = 0;
	int r;

	for (i = 0; i <= len; i++) {
		if (i < len && jwe[i] != '.')
			continue;
		if (n == 5)
			return cki_detail(d, CCAKIT_ERR_ENCODING, "jwe",
			    "a compact JWE has exactly five segments");
		seg[n] = jwe + start;
		slen[n] = i - start;
		n++;
		start = i + 1;
	}
	if (n != 5)
		return cki_detail(d, CCAKIT_ERR_ENCODING, "jwe",
		    "a compact JWE has exactly five segments, not %zu", n);
	if (slen[0] == 0)
		return cki_detail(d, CCAKIT_ERR_ENCODING, "jwe",
		    "empty JWE protected header");
	p->prot = seg[0];
	p->protlen = slen[0];
	if ((r = decode_part("encrypted_key", seg[1], slen[1], &p->ek,
	    &p->eklen, d)) != CCAKIT_OK ||
	    (r = decode_part("iv", seg[2], slen[2], &p->iv, &p->ivlen,
	    d)) != CCAKIT_OK ||
	    (r = decode_part("ciphertext", seg[3], slen[3], &p->ct,
	    &p->ctlen, d)) != CCAKIT_OK ||
	    (r = decode_part("tag", seg[4], slen[4], &p->tag, &p->taglen,
	    d)) != CCAKIT_OK)
		return r;
	return CCAKIT_OK;
}

/* A required string member of the flattened form. */
static int
json_part(const json_t *root, const char *name, const char **s, size_t *len,
    struct ccakit_errdetail *d)
{
	const json_t *v = json_object_get(root, name);

	if (v == NULL || !json_is_string(v))
		return cki_detail(d, CCAKIT_ERR_JSON, "jwe",
		    "JWE member \"%s\" missing or not a string", name);
	*s = json_string_value(v);
	*len = json_string_length(v);
	return CCAKIT_OK;
}

/* root stays alive while p->prot is used. */
static int
parse_flattened(const char *jwe, size_t len, json_t **root, struct parts *p,
    struct ccakit_errdetail *d)
{
	static const char *const refused[][2] = {
		{ "recipients", "the general JSON serialization is not "
		    "supported (one recipient, flattened)" },
		{ "aad", "JWE \"aad\" is not supported" },
		{ "header", "unprotected JWE header members are not "
		    "supported" },
		{ "unprotected", "unprotected JWE header members are not "
		    "supported" },
	};
	json_error_t jerr;
	const char *s;
	size_t i, n;
	int r;

	if ((*root = json_loadb(jwe, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL)
		return cki_detail(d, CCAKIT_ERR_JSON, "jwe",
		    "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
	if (!json_is_object(*root))
		return cki_detail(d, CCAKIT_ERR_JSON, "jwe",
		    "a JSON JWE is an object");
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (json_object_get(*root, refused[i][0]) != NULL)
			return cki_detail(d, CCAKIT_ERR_JSON, "jwe", "%s",
			    refused[i][1]);
	if ((r = json_part(*root, "protected", &p->prot, &p->protlen, d)) !=
	    CCAKIT_OK)
		return r;
	if (p->protlen == 0)
		return cki_detail(d, CCAKIT_ERR_ENCODING, "jwe",
		    "empty JWE protected header");
	if ((r = json_part(*root, "encrypted_key", &s, &n, d)) != CCAKIT_OK ||
	    (r = decode_part("encrypted_key", s, n, &p->ek, &p->eklen, d)) !=
	    CCAKIT_OK ||
	    (r = json_part(*root, "iv", &s, &n, d)) != CCAKIT_OK ||
	    (r = decode_part("iv", s, n, &p->iv, &p->ivlen, d)) !=
	    CCAKIT_OK ||
	    (r = json_part(*root, "ciphertext", &s, &n, d)) != CCAKIT_OK ||
	    (r = decode_part("ciphertext", s, n, &p->ct, &p->ctlen, d)) !=
	    CCAKIT_OK ||
	    (r = json_part(*root, "tag", &s, &n, d)) != CCAKIT_OK ||
	    (r = decode_part("tag", s, n, &p->tag, &p->taglen, d)) !=
	    CCAKIT_OK)
		return r;
	return CCAKIT_OK;
}

/* What the protected header says, checked against the key. */
struct header {
	ccakit_key *epk;
	uint8_t *apu, *apv;
	size_t apulen, apvlen;
};

static void
header_free(struct header *h)
{
	ccakit_key_free(&h->epk);
	free(h->apu);
	free(h->apv);
}

/* An optional base64url member (apu, apv). */
static int
hdr_bytes(const json_t *hdr, const char *name, uint8_t **out, size_t *len,
    struct ccakit_errdetail *d)
{
	const json_t *v = json_object_get(hdr, name);
	int r;

	if (v == NULL)
		return CCAKIT_OK;
	if (!json_is_string(v))
		return cki_detail(d, CCAKIT_ERR_JSON, "header",
		    "JWE header member \"%s\" is not a string", name);
	if ((r = cki_b64url_decode_dup(json_string_value(v),
	    json_string_length(v), out, len)) != CCAKIT_OK)
		return cki_detail(d, r, "header", "JWE header member \"%s\" "
		    "is not canonical base64url", name);
	return CCAKIT_OK;
}

/* The ephemeral public key: an EC JWK on the recipient's curve. */
static int
parse_epk(const json_t *hdr, const ccakit_key *key, struct header *h,
    struct ccakit_errdetail *d)
{
	uint8_t pt[CKI_EC_POINT_MAX];
	const json_t *epk, *v;
	const char *crv = cki_cose_crv_jwk(ccakit_key_crv(key));
	size_t clen = ccakit_cose_crv_coord_len(ccakit_key_crv(key));
	uint8_t *c = NULL;
	size_t n = 0, i;
	static const char *const coord[] = { "x", "y" };
	int r;

	if ((epk = json_object_get(hdr, "epk")) == NULL ||
	    !json_is_object(epk))
		return cki_detail(d, CCAKIT_ERR_JSON, "epk",
		    "ECDH-ES JWE header without an \"epk\" object");
	if ((v = json_object_get(epk, "kty")) == NULL || !json_is_string(v) ||
	    strcmp(json_string_value(v), "EC") != 0)
		return cki_detail(d, CCAKIT_ERR_KEY_INVALID, "epk",
		    "\"epk\" is not an EC key (kty \"EC\")");
	if (json_object_get(epk, "d") != NULL)
		return cki_detail(d, CCAKIT_ERR_KEY_INVALID, "epk",
		    "\"epk\" holds a private key");
	if ((v = json_object_get(epk, "crv")) == NULL || !json_is_string(v))
		return cki_detail(d, CCAKIT_ERR_JSON, "epk",
		    "\"epk\" without a \"crv\" string");
	if (strcmp(json_string_value(v), crv) != 0 ||
	    json_string_length(v) != strlen(crv))
		return cki_detail(d, CCAKIT_ERR_KEY_MISMATCH, "epk",
		    "\"epk\" on curve \"%.16s\", the key is on %s",
		    json_string_value(v), crv);
	pt[0] = 0x04;
	for (i = 0; i < 2; i++) {
		if ((v = json_object_get(epk, coord[i])) == NULL ||
		    !json_is_string(v))
			return cki_detail(d, CCAKIT_ERR_JSON, "epk",
			    "\"epk\" without an \"%s\" string", coord[i]);
		if ((r = cki_b64url_decode_dup(json_string_value(v),
		    json_string_length(v), &c, &n)) != CCAKIT_OK)
			return cki_detail(d, r, "epk", "\"epk\" \"%s\" is not "
			    "canonical base64url", coord[i]);
		if (n != clen) {
			free(c);
			return cki_detail(d, CCAKIT_ERR_KEY_INVALID, "epk",
			    "\"epk\" \"%s\" has %zu bytes, %s needs %zu",
			    coord[i], n, crv, clen);
		}
		memcpy(pt + 1 + i * clen, c, clen);
		free(c);
	}
	if ((h->epk = ccakit_key_new()) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	if ((r = ccakit_key_from_sec1(h->epk, ccakit_key_crv(key), pt,
	    1 + 2 * clen)) != CCAKIT_OK)
		return cki_detail(d, r == CCAKIT_ERR_NOMEM ? r :
		    CCAKIT_ERR_KEY_INVALID, "epk",
		    "\"epk\" is not a point on %s", crv);
	return CCAKIT_OK;
}

static int
parse_header(const struct parts *p, const ccakit_teekey *key,
    struct header *h, struct ccakit_errdetail *d)
{
	uint8_t *txt = NULL;
	size_t tlen = 0;
	json_t *hdr = NULL;
	json_error_t jerr;
	const json_t *v;
	const char *alg;
	enum ccakit_jwe_alg a = 0;
	int r;

	if (p->protlen > ccakit_b64_encoded_len(CCAKIT_JWE_MAX_HEADER,
	    CCAKIT_B64_URL))
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "header",
		    "JWE header larger than %d bytes", CCAKIT_JWE_MAX_HEADER);
	if ((r = cki_b64url_decode_dup(p->prot, p->protlen, &txt, &tlen)) !=
	    CCAKIT_OK)
		return cki_detail(d, r, "header",
		    "JWE protected header is not canonical base64url");
	if ((hdr = json_loadb((const char *)txt, tlen, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		r = cki_detail(d, CCAKIT_ERR_JSON, "header",
		    "JWE header: %s", jerr.text);
		goto out;
	}
	if (!json_is_object(hdr)) {
		r = cki_detail(d, CCAKIT_ERR_JSON, "header",
		    "JWE header is not a JSON object");
		goto out;
	}
	if (json_object_get(hdr, "crit") != NULL) {
		r = cki_detail(d, CCAKIT_ERR_COSE_ALG, "crit",
		    "JWE header \"crit\": no extension is supported");
		goto out;
	}
	if (json_object_get(hdr, "zip") != NULL) {
		r = cki_detail(d, CCAKIT_ERR_COSE_ALG, "zip",
		    "compressed JWE (\"zip\") is not supported");
		goto out;
	}
	if ((v = json_object_get(hdr, "enc")) == NULL || !json_is_string(v)) {
		r = cki_detail(d, CCAKIT_ERR_COSE_ALG, "enc",
		    "JWE header has no \"enc\" string");
		goto out;
	}
	if (strcmp(json_string_value(v), ENC_NAME) != 0 ||
	    json_string_length(v) != strlen(ENC_NAME)) {
		r = cki_detail(d, CCAKIT_ERR_COSE_ALG, "enc",
		    "JWE enc \"%.32s\" is not supported (" ENC_NAME ")",
		    json_string_value(v));
		goto out;
	}
	if ((v = json_object_get(hdr, "alg")) == NULL || !json_is_string(v)) {
		r = cki_detail(d, CCAKIT_ERR_COSE_ALG, "alg",
		    "JWE header has no \"alg\" string");
		goto out;
	}
	alg = json_string_value(v);
	/* RSA1_5 is never decrypted (Bleichenbacher's padding oracle). */
	if (strcmp(alg, "ECDH-ES+A256KW") == 0)
		a = CCAKIT_JWE_ECDH_ES_A256KW;
	else if (strcmp(alg, "RSA-OAEP-256") == 0)
		a = CCAKIT_JWE_RSA_OAEP_256;
	if (a == 0 || json_string_length(v) != strlen(alg)) {
		r = cki_detail(d, CCAKIT_ERR_COSE_ALG, "alg",
		    "JWE alg \"%.32s\" is not supported (ECDH-ES+A256KW, "
		    "RSA-OAEP-256)", alg);
		goto out;
	}
	if ((a == CCAKIT_JWE_ECDH_ES_A256KW) != (key->ec != NULL)) {
		r = cki_detail(d, CCAKIT_ERR_KEY_MISMATCH, "alg",
		    "JWE alg %s needs an %s key, this is an %s key", alg,
		    a == CCAKIT_JWE_ECDH_ES_A256KW ? "EC" : "RSA",
		    key->ec != NULL ? "EC" : "RSA");
		goto out;
	}
	if (a == CCAKIT_JWE_ECDH_ES_A256KW &&
	    ((r = parse_epk(hdr, key->ec, h, d)) != CCAKIT_OK ||
	    (r = hdr_bytes(hdr, "apu", &h->apu, &h->apulen, d)) !=
	    CCAKIT_OK ||
	    (r = hdr_bytes(hdr, "apv", &h->apv, &h->apvlen, d)) != CCAKIT_OK))
		goto out;
	r = CCAKIT_OK;
out:
	json_decref(hdr);
	free(txt);
	return r;
}

/* Sizes that do not depend on secrets. */
static int
check_sizes(const struct parts *p, const ccakit_teekey *key,
    struct ccakit_errdetail *d)
{
	size_t want = key->ec != NULL ? KW_LEN : (key->bits + 7) / 8;

	if (p->ivlen != IV_LEN)
		return cki_detail(d, CCAKIT_ERR_ENCODING, "iv",
		    "JWE iv has %zu bytes, A256GCM needs %d", p->ivlen,
		    IV_LEN);
	if (p->taglen != TAG_LEN)
		return cki_detail(d, CCAKIT_ERR_ENCODING, "tag",
		    "JWE tag has %zu bytes, A256GCM needs %d", p->taglen,
		    TAG_LEN);
	if (p->eklen != want)
		return cki_detail(d, CCAKIT_ERR_ENCODING, "encrypted_key",
		    "JWE encrypted_key has %zu bytes, %s needs %zu",
		    p->eklen, key->ec != NULL ? "A256KW" : "this RSA key",
		    want);
	if (p->ctlen > CCAKIT_JWE_MAX_PLAINTEXT)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "ciphertext",
		    "JWE ciphertext larger than %d bytes",
		    CCAKIT_JWE_MAX_PLAINTEXT);
	return CCAKIT_OK;
}

int
ccakit_jwe_decrypt(const ccakit_teekey *key, const char *jwe, size_t len,
    uint8_t **pt, size_t *ptlen, struct ccakit_errdetail *d)
{
	struct parts p;
	struct header h;
	uint8_t cek[CEK_LEN], kek[KEK_LEN];
	json_t *root = NULL;
	uint8_t *out = NULL;
	size_t i;
	int r;

	memset(&p, 0, sizeof(p));
	memset(&h, 0, sizeof(h));
	if (pt != NULL)
		*pt = NULL;
	if (ptlen != NULL)
		*ptlen = 0;
	if (key == NULL || key->alg == 0 || (jwe == NULL && len > 0) ||
	    pt == NULL || ptlen == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (!key->priv)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "key",
		    "decryption needs the private key");
	if (len > CCAKIT_JWE_MAX_LEN)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "jwe",
		    "JWE larger than %d bytes", CCAKIT_JWE_MAX_LEN);
	for (i = 0; i < len && (jwe[i] == ' ' || jwe[i] == '\t' ||
	    jwe[i] == '\r' || jwe[i] == '\n'); i++)
		;
	if (i < len && jwe[i] == '{')
		r = parse_flattened(jwe, len, &root, &p, d);
	else
		r = parse_compact(jwe != NULL ? jwe : "", len, &p, d);
	if (r != CCAKIT_OK || (r = parse_header(&p, key, &h, d)) !=
	    CCAKIT_OK || (r = check_sizes(&p, key, d)) != CCAKIT_OK)
		goto out;
	if (!fetched()) {
		r = cki_detail(d, CCAKIT_ERR_CRYPTO, NULL, NULL);
		goto out;
	}

	if (key->ec != NULL) {
		if ((r = ecdh_kek(ccakit_key_evp(key->ec),
		    ccakit_key_evp(h.epk), ccakit_key_crv(key->ec), h.apu,
		    h.apulen, h.apv, h.apvlen, kek)) != CCAKIT_OK) {
			r = cki_detail(d, r, NULL, NULL);
			goto out;
		}
		if (!aes_kw_do(false, kek, p.ek, p.eklen, cek, CEK_LEN)) {
			r = cki_detail(d, CCAKIT_ERR_DECRYPT, "jwe",
			    "JWE does not decrypt with this key (wrong key or "
			    "modified data)");
			goto out;
		}
	} else {
		rsa_oaep_decrypt(key, p.ek, p.eklen, cek);
	}
	if ((out = malloc(p.ctlen + 1)) == NULL) {
		r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		goto out;
	}
	if (!aes_gcm_do(false, cek, p.iv, p.prot, p.protlen, p.ct, p.ctlen,
	    out, p.tag)) {
		ccakit_wipe(out, p.ctlen);
		free(out);
		out = NULL;
		r = cki_detail(d, CCAKIT_ERR_DECRYPT, "jwe",
		    "JWE does not decrypt with this key (wrong key or "
		    "modified data)");
		goto out;
	}
	out[p.ctlen] = '\0';
	*pt = out;
	*ptlen = p.ctlen;
	r = CCAKIT_OK;
out:
	ccakit_wipe(cek, sizeof(cek));
	ccakit_wipe(kek, sizeof(kek));
	header_free(&h);
	parts_free(&p);
	json_decref(root);
	return r;
}
