/*
 * Key wrapping: a secret encrypted to the client's RSA public JWK with
 * RSAES-PKCS1-v1_5 or RSAES-OAEP (RFC 8017), as the demo's keystore does.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <ccakit/bytes.h>
#include <ccakit/err.h>
#include <ccakit/jose.h>

#include "jose/jose_priv.h"
#include "util/util.h"

#define N_MAX_OCTETS (CCAKIT_WRAPKEY_MAX_BITS / 8)
#define E_MAX_OCTETS 8
/* Octets of PKCS#1 v1.5 and OAEP-SHA-256 padding overhead. */
#define PKCS1_OVERHEAD 11
#define OAEP256_OVERHEAD (2 * 32 + 2)

struct ccakit_wrapkey {
	EVP_PKEY *pkey;
	enum ccakit_wrap_alg alg;
	unsigned bits;
};

static const struct {
	enum ccakit_wrap_alg alg;
	const char *name;
} algs[] = {
	{ CCAKIT_WRAP_RSA1_5, "RSA1_5" },
	{ CCAKIT_WRAP_RSA_OAEP, "RSA-OAEP" },
	{ CCAKIT_WRAP_RSA_OAEP_256, "RSA-OAEP-256" },
};

/* JWK members that only a private key has (RFC 7518 §6.3.2). */
static const char *const private_members[] = {
	"d", "p", "q", "dp", "dq", "qi", "oth",
};

const char *
ccakit_wrap_alg_str(enum ccakit_wrap_alg alg)
{
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (algs[i].alg == alg)
			return algs[i].name;
	return NULL;
}

ccakit_wrapkey *
ccakit_wrapkey_new(void)
{
	return calloc(1, sizeof(struct ccakit_wrapkey));
}

void
ccakit_wrapkey_free(ccakit_wrapkey **kp)
{
	ccakit_wrapkey *k;

	if (kp == NULL || (k = *kp) == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
	*kp = NULL;
}

/* A big-endian unsigned integer member in minimal base64url. */
static int
jwk_uint(const json_t *jwk, const char *name, uint8_t *out, size_t outsz,
    size_t *outlen, struct ccakit_errdetail *d)
{
	const json_t *v;
	size_t slen;
	int r;

	if ((v = json_object_get(jwk, name)) == NULL)
		return cki_detail(d, CCAKIT_ERR_JSON, "wrapping key",
		    "\"%s\" missing", name);
	if (!json_is_string(v))
		return cki_detail(d, CCAKIT_ERR_JSON, "wrapping key",
		    "\"%s\" is not a string", name);
	slen = json_string_length(v);
	if (slen > ccakit_b64_encoded_len(outsz, CCAKIT_B64_URL))
		return cki_detail(d, CCAKIT_ERR_KEY_INVALID, "wrapping key",
		    "\"%s\" longer than %zu octets", name, outsz);
	if ((r = ccakit_b64_decode(json_string_value(v), slen,
	    CCAKIT_B64_URL, out, outsz, outlen)) != CCAKIT_OK)
		return cki_detail(d, CCAKIT_ERR_ENCODING, "wrapping key",
		    "\"%s\" is not base64url without padding", name);
	if (*outlen == 0 || out[0] == 0)
		return cki_detail(d, CCAKIT_ERR_ENCODING, "wrapping key",
		    "\"%s\" is empty or has a leading zero octet", name);
	return CCAKIT_OK;
}

static unsigned
bitlen(const uint8_t *p, size_t len)
{
	unsigned b = 0;
	uint8_t top = p[0];

	while (top != 0) {
		b++;
		top >>= 1;
	}
	return (unsigned)(len - 1) * 8 + b;
}

static int
jwk_check_members(const json_t *jwk, enum ccakit_wrap_alg *alg,
    struct ccakit_errdetail *d)
{
	const json_t *v;
	const char *s;
	size_t i;

	if ((v = json_object_get(jwk, "kty")) == NULL || !json_is_string(v))
		return cki_detail(d, CCAKIT_ERR_JSON, "wrapping key",
		    "\"kty\" missing or not a string");
	if (strcmp(json_string_value(v), "RSA") != 0)
		return cki_detail(d, CCAKIT_ERR_KEY_INVALID, "wrapping key",
		    "kty must be RSA");
	if ((v = json_object_get(jwk, "alg")) == NULL || !json_is_string(v))
		return cki_detail(d, CCAKIT_ERR_JSON, "wrapping key",
		    "\"alg\" missing or not a string");
	s = json_string_value(v);
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcmp(s, algs[i].name) == 0)
			break;
	if (i == sizeof(algs) / sizeof(algs[0]))
		return cki_detail(d, CCAKIT_ERR_KEY_INVALID, "wrapping key",
		    "alg must be RSA1_5, RSA-OAEP or RSA-OAEP-256");
	*alg = algs[i].alg;
	for (i = 0; i < sizeof(private_members) / sizeof(private_members[0]);
	    i++)
		if (json_object_get(jwk, private_members[i]) != NULL)
			return cki_detail(d, CCAKIT_ERR_KEY_INVALID,
			    "wrapping key", "private member \"%s\" in a "
			    "public key", private_members[i]);
	if ((v = json_object_get(jwk, "use")) != NULL && (!json_is_string(v) ||
	    strcmp(json_string_value(v), "enc") != 0))
		return cki_detail(d, CCAKIT_ERR_KEY_INVALID, "wrapping key",
		    "\"use\" must be \"enc\"");
	return CCAKIT_OK;
}

int
ccakit_wrapkey_from_jwk(ccakit_wrapkey *k, const char *json, size_t len,
    unsigned flags, struct ccakit_errdetail *d)
{
	uint8_t n[N_MAX_OCTETS], e[E_MAX_OCTETS];
	size_t nlen, elen;
	enum ccakit_wrap_alg alg = CCAKIT_WRAP_RSA1_5;
	json_error_t jerr;
	json_t *jwk = NULL;
	EVP_PKEY *pkey = NULL;
	unsigned bits, min;
	int r = CCAKIT_ERR_INTERNAL;

	if (k == NULL || (json == NULL && len > 0) ||
	    (flags & ~CCAKIT_WRAPKEY_ALLOW_1024) != 0)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (len > CCAKIT_WRAPKEY_JWK_MAX)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "wrapping key",
		    "%zu bytes, at most %d", len, CCAKIT_WRAPKEY_JWK_MAX);
	if ((jwk = json_loadb(json != NULL ? json : "", len,
	    JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return cki_detail(d, CCAKIT_ERR_JSON, "wrapping key",
		    "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
	if (!json_is_object(jwk)) {
		r = cki_detail(d, CCAKIT_ERR_JSON, "wrapping key",
		    "not a JSON object");
		goto out;
	}
	if ((r = jwk_check_members(jwk, &alg, d)) != CCAKIT_OK ||
	    (r = jwk_uint(jwk, "n", n, sizeof(n), &nlen, d)) != CCAKIT_OK ||
	    (r = jwk_uint(jwk, "e", e, sizeof(e), &elen, d)) != CCAKIT_OK)
		goto out;
	bits = bitlen(n, nlen);
	min = (flags & CCAKIT_WRAPKEY_ALLOW_1024) != 0 ?
	    CCAKIT_WRAPKEY_COMPAT_MIN_BITS : CCAKIT_WRAPKEY_MIN_BITS;
	if (bits < min) {
		r = cki_detail(d, CCAKIT_ERR_KEY_INVALID, "wrapping key",
		    "RSA-%u is too small (at least %u bits%s)", bits, min,
		    min == CCAKIT_WRAPKEY_MIN_BITS ? "; 1024 needs the "
		    "compatibility option" : "");
		goto out;
	}
	if ((n[nlen - 1] & 1) == 0) {
		r = cki_detail(d, CCAKIT_ERR_KEY_INVALID, "wrapping key",
		    "even modulus");
		goto out;
	}
	if ((e[elen - 1] & 1) == 0 || (elen == 1 && e[0] < 3)) {
		r = cki_detail(d, CCAKIT_ERR_KEY_INVALID, "wrapping key",
		    "public exponent must be odd and at least 3");
		goto out;
	}
	if ((r = cki_rsa_from_ne(n, nlen, e, elen, &pkey)) != CCAKIT_OK) {
		r = cki_detail(d, r, "wrapping key", "OpenSSL refused the key");
		goto out;
	}
	EVP_PKEY_free(k->pkey);
	k->pkey = pkey;
	k->alg = alg;
	k->bits = bits;
	r = CCAKIT_OK;
out:
	json_decref(jwk);
	return r;
}

enum ccakit_wrap_alg
ccakit_wrapkey_alg(const ccakit_wrapkey *k)
{
	return k != NULL ? k->alg : 0;
}

unsigned
ccakit_wrapkey_bits(const ccakit_wrapkey *k)
{
	return k != NULL ? k->bits : 0;
}

size_t
ccakit_wrapkey_max_secret(const ccakit_wrapkey *k)
{
	size_t klen, over;

	if (k == NULL || k->pkey == NULL)
		return 0;
	klen = (k->bits + 7) / 8;
	over = k->alg == CCAKIT_WRAP_RSA1_5 ? PKCS1_OVERHEAD :
	    OAEP256_OVERHEAD;
	return klen > over ? klen - over : 0;
}

int
ccakit_wrap(const ccakit_wrapkey *k, const uint8_t *secret, size_t len,
    uint8_t *out, size_t outsz, size_t *outlen)
{
	EVP_PKEY_CTX *ctx = NULL;
	size_t klen, olen;
	int r = CCAKIT_ERR_CRYPTO;

	if (k == NULL || k->pkey == NULL || secret == NULL || len == 0 ||
	    out == NULL || outlen == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	klen = (k->bits + 7) / 8;
	if (len > ccakit_wrapkey_max_secret(k))
		return CCAKIT_ERR_TOO_LARGE;
	if (outsz < klen)
		return CCAKIT_ERR_BUFFER_TOO_SMALL;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL)) == NULL ||
	    EVP_PKEY_encrypt_init(ctx) != 1)
		goto out;
	if (k->alg == CCAKIT_WRAP_RSA1_5) {
		if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1)
			goto out;
	} else {
		/* Both OAEP names mean SHA-256 and MGF1-SHA-256 here (the
		 * demo's RSA-OAEP departs from JWA's SHA-1). */
		if (EVP_PKEY_CTX_set_rsa_padding(ctx,
		    RSA_PKCS1_OAEP_PADDING) != 1 ||
		    EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, "SHA256",
		    NULL) != 1 ||
		    EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, "SHA256",
		    NULL) != 1)
			goto out;
	}
	olen = outsz;
	if (EVP_PKEY_encrypt(ctx, out, &olen, secret, len) != 1 ||
	    olen != klen)
		goto out;
	*outlen = olen;
	r = CCAKIT_OK;
out:
	EVP_PKEY_CTX_free(ctx);
	return r;
}
