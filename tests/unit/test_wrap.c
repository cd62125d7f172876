/*
 * Unit tests: RSA key wrapping to a client's JWK (jose module, wrap.c),
 * as the key broker does it: round trips with each algorithm and modulus
 * size, the 1024-bit compatibility flag, and the JWKs refused.
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
#include <ccakit/err.h>
#include <ccakit/jose.h>

#include "testutil.h"
#include "util/util.h"

#define JWK_1024 "{\"kty\":\"RSA\",\"alg\":\"%s\",\"n\":\"%s\",\"e\":\"%s\"}"

static EVP_PKEY *rsa_keys[4];
static const unsigned rsa_bits[4] = { 1024, 2048, 3072, 4096 };

static int
setup_rsa(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++)
		if ((rsa_keys[i] = EVP_RSA_gen(rsa_bits[i])) == NULL)
			return -1;
	return 0;
}

static int
teardown_rsa(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++)
		EVP_PKEY_free(rsa_keys[i]);
	return 0;
}

static char *
b64url_bn(EVP_PKEY *pk, const char *param)
{
	BIGNUM *bn = NULL;
	uint8_t buf[1024];
	char *s;
	int n;

	assert_int_equal(EVP_PKEY_get_bn_param(pk, param, &bn), 1);
	n = BN_bn2bin(bn, buf);
	assert_true(n > 0);
	assert_non_null(s = malloc(ccakit_b64_encoded_len((size_t)n,
	    CCAKIT_B64_URL) + 1));
	assert_int_equal(ccakit_b64_encode(buf, (size_t)n, CCAKIT_B64_URL, s,
	    ccakit_b64_encoded_len((size_t)n, CCAKIT_B64_URL) + 1),
	    CCAKIT_OK);
	BN_free(bn);
	return s;
}

static char *
jwk_of(EVP_PKEY *pk, const char *alg)
{
	char *n, *e, *j;
	size_t sz;

	n = b64url_bn(pk, OSSL_PKEY_PARAM_RSA_N);
	e = b64url_bn(pk, OSSL_PKEY_PARAM_RSA_E);
	sz = strlen(n) + strlen(e) + strlen(alg) + 64;
	assert_non_null(j = malloc(sz));
	snprintf(j, sz, JWK_1024, alg, n, e);
	free(n);
	free(e);
	return j;
}

/* Decrypt with OpenSSL; md NULL means PKCS#1 v1.5. */
static int
rsa_decrypt(EVP_PKEY *pk, const char *md, const char *mgf1,
    const uint8_t *ct, size_t ctlen, uint8_t *pt, size_t *ptlen)
{
	EVP_PKEY_CTX *ctx;
	size_t outl = *ptlen;
	int ok;

	assert_non_null(ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL));
	assert_int_equal(EVP_PKEY_decrypt_init(ctx), 1);
	if (md == NULL) {
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx,
		    RSA_PKCS1_PADDING), 1);
	} else {
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx,
		    RSA_PKCS1_OAEP_PADDING), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, md,
		    NULL), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, mgf1,
		    NULL), 1);
	}
	ok = EVP_PKEY_decrypt(ctx, pt, &outl, ct, ctlen) == 1;
	EVP_PKEY_CTX_free(ctx);
	if (ok)
		*ptlen = outl;
	return ok;
}

static void
test_wrap_roundtrip(void **state)
{
	static const char *const algs[] = {
		"RSA1_5", "RSA-OAEP", "RSA-OAEP-256",
	};
	static const char secret[] = "May the force be with you.";
	uint8_t ct[512], pt[512], big[512];
	struct ccakit_errdetail d;
	ccakit_wrapkey *k;
	size_t i, a, ctlen, ptlen, max;
	unsigned flags;
	char *jwk;

	(void)state;
	memset(big, 0x5a, sizeof(big));
	for (i = 0; i < 4; i++) {
		for (a = 0; a < 3; a++) {
			jwk = jwk_of(rsa_keys[i], algs[a]);
			assert_non_null(k = ccakit_wrapkey_new());
			flags = rsa_bits[i] < 2048 ?
			    CCAKIT_WRAPKEY_ALLOW_1024 : 0;
			memset(&d, 0, sizeof(d));
			if (ccakit_wrapkey_from_jwk(k, jwk, strlen(jwk), flags,
			    &d) != CCAKIT_OK)
				fail_msg("%u %s: %s", rsa_bits[i], algs[a],
				    d.text);
			assert_int_equal(ccakit_wrapkey_bits(k), rsa_bits[i]);
			assert_int_equal(ccakit_wrapkey_alg(k), (int)a + 1);
			assert_string_equal(ccakit_wrap_alg_str(
			    ccakit_wrapkey_alg(k)), algs[a]);
			assert_int_equal(ccakit_wrap(k,
			    (const uint8_t *)secret, sizeof(secret) - 1, ct,
			    sizeof(ct), &ctlen), CCAKIT_OK);
			assert_int_equal(ctlen, rsa_bits[i] / 8);
			ptlen = sizeof(pt);
			assert_true(rsa_decrypt(rsa_keys[i], a == 0 ? NULL :
			    "SHA256", "SHA256", ct, ctlen, pt, &ptlen));
			assert_int_equal(ptlen, sizeof(secret) - 1);
			assert_memory_equal(pt, secret, ptlen);
			if (a != 0) {
				/* Not JWA's SHA-1 RSA-OAEP, nor SHA-256
				 * with MGF1-SHA-1. */
				ptlen = sizeof(pt);
				assert_false(rsa_decrypt(rsa_keys[i], "SHA1",
				    "SHA1", ct, ctlen, pt, &ptlen));
				ptlen = sizeof(pt);
				assert_false(rsa_decrypt(rsa_keys[i],
				    "SHA256", "SHA1", ct, ctlen, pt, &ptlen));
			}
			/* The largest secret the padding allows, and one
			 * more. */
			max = ccakit_wrapkey_max_secret(k);
			assert_int_equal(max, rsa_bits[i] / 8 -
			    (a == 0 ? 11 : 66));
			assert_int_equal(ccakit_wrap(k, big, max, ct,
			    sizeof(ct), &ctlen), CCAKIT_OK);
			ptlen = sizeof(pt);
			assert_true(rsa_decrypt(rsa_keys[i], a == 0 ? NULL :
			    "SHA256", "SHA256", ct, ctlen, pt, &ptlen));
			assert_int_equal(ptlen, max);
			assert_memory_equal(pt, big, max);
			assert_int_equal(ccakit_wrap(k, big, max + 1, ct,
			    sizeof(ct), &ctlen), CCAKIT_ERR_TOO_LARGE);
			assert_int_equal(ccakit_wrap(k, big, 1, ct,
			    rsa_bits[i] / 8 - 1, &ctlen),
			    CCAKIT_ERR_BUFFER_TOO_SMALL);
			ccakit_wrapkey_free(&k);
			free(jwk);
		}
	}
}

/* The demo client's key is RSA-1024: refused unless allowed. */
static void
test_wrap_1024_needs_flag(void **state)
{
	struct ccakit_errdetail d;
	ccakit_wrapkey *k;
	char *jwk;

	(void)state;
	jwk = jwk_of(rsa_keys[0], "RSA1_5");
	assert_non_null(k = ccakit_wrapkey_new());
	memset(&d, 0, sizeof(d));
	assert_int_equal(ccakit_wrapkey_from_jwk(k, jwk, strlen(jwk), 0, &d),
	    CCAKIT_ERR_KEY_INVALID);
	assert_non_null(strstr(d.text, "RSA-1024"));
	assert_int_equal(ccakit_wrapkey_bits(k), 0);
	assert_int_equal(ccakit_wrapkey_from_jwk(k, jwk, strlen(jwk), 0x80,
	    &d), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_wrapkey_from_jwk(k, jwk, strlen(jwk),
	    CCAKIT_WRAPKEY_ALLOW_1024, &d), CCAKIT_OK);
	ccakit_wrapkey_free(&k);
	free(jwk);
}

/* base64url of n bytes: top byte `top`, then 0x55..., last byte `last`. */
static char *
fake_modulus(size_t n, uint8_t top, uint8_t last)
{
	uint8_t *b;
	char *s;
	size_t sl = ccakit_b64_encoded_len(n, CCAKIT_B64_URL) + 1;

	assert_non_null(b = malloc(n));
	memset(b, 0x55, n);
	b[0] = top;
	b[n - 1] = last;
	assert_non_null(s = malloc(sl));
	assert_int_equal(ccakit_b64_encode(b, n, CCAKIT_B64_URL, s, sl),
	    CCAKIT_OK);
	free(b);
	return s;
}

static int
try_jwk(const char *fmt, ...) CKI_PRINTF(1, 2);

static int
try_jwk(const char *fmt, ...)
{
	char buf[8192];
	va_list ap;
	ccakit_wrapkey *k;
	int r;

	va_start(ap, fmt);
	assert_true(vsnprintf(buf, sizeof(buf), fmt, ap) < (int)sizeof(buf));
	va_end(ap);
	assert_non_null(k = ccakit_wrapkey_new());
	r = ccakit_wrapkey_from_jwk(k, buf, strlen(buf), 0, NULL);
	ccakit_wrapkey_free(&k);
	return r;
}

static void
test_wrap_refusals(void **state)
{
	char *n2048, *n2047, *neven, *n8192, *n8200, *nz;
	char *good;
	ccakit_wrapkey *k;

	(void)state;
	n2048 = fake_modulus(256, 0xc1, 0x01);
	n2047 = fake_modulus(256, 0x41, 0x01);
	neven = fake_modulus(256, 0xc1, 0x02);
	n8192 = fake_modulus(1024, 0x81, 0x01);
	n8200 = fake_modulus(1025, 0x01, 0x01);
	nz = fake_modulus(257, 0x00, 0x01);

	assert_int_equal(try_jwk(JWK_1024, "RSA-OAEP-256", n2048, "AQAB"),
	    CCAKIT_OK);
	assert_int_equal(try_jwk(JWK_1024, "RSA-OAEP-256", n8192, "AQAB"),
	    CCAKIT_OK);
	assert_int_equal(try_jwk(JWK_1024, "RSA-OAEP-256", n2048, "Aw"),
	    CCAKIT_OK);
	/* Sizes. */
	assert_int_equal(try_jwk(JWK_1024, "RSA1_5", n2047, "AQAB"),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(try_jwk(JWK_1024, "RSA1_5", n8200, "AQAB"),
	    CCAKIT_ERR_KEY_INVALID);
	/* Values. */
	assert_int_equal(try_jwk(JWK_1024, "RSA1_5", neven, "AQAB"),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(try_jwk(JWK_1024, "RSA1_5", n2048, "AQ"),
	    CCAKIT_ERR_KEY_INVALID);            /* e = 1 */
	assert_int_equal(try_jwk(JWK_1024, "RSA1_5", n2048, "Ag"),
	    CCAKIT_ERR_KEY_INVALID);            /* e = 2 */
	assert_int_equal(try_jwk(JWK_1024, "RSA1_5", n2048, "AQAA"),
	    CCAKIT_ERR_KEY_INVALID);            /* e = 65536 */
	assert_int_equal(try_jwk(JWK_1024, "RSA1_5", n2048, "AAEAAQ"),
	    CCAKIT_ERR_ENCODING);               /* leading zero */
	assert_int_equal(try_jwk(JWK_1024, "RSA1_5", n2048,
	    "AQEBAQEBAQEB"), CCAKIT_ERR_KEY_INVALID); /* e of 9 octets */
	assert_int_equal(try_jwk(JWK_1024, "RSA1_5", nz, "AQAB"),
	    CCAKIT_ERR_ENCODING);               /* n not minimal */
	/* Encodings. */
	assert_int_equal(try_jwk(JWK_1024, "RSA1_5", n2048, "AQAB=="),
	    CCAKIT_ERR_ENCODING);
	assert_int_equal(try_jwk(JWK_1024, "RSA1_5", n2048, "AQ+B"),
	    CCAKIT_ERR_ENCODING);
	assert_int_equal(try_jwk(JWK_1024, "RSA1_5", n2048, ""),
	    CCAKIT_ERR_ENCODING);
	assert_int_equal(try_jwk("{\"kty\":\"RSA\",\"alg\":\"RSA1_5\","
	    "\"n\":\"%s=\",\"e\":\"AQAB\"}", n2048), CCAKIT_ERR_ENCODING);
	/* Algorithms and key types. */
	assert_int_equal(try_jwk(JWK_1024, "RSA-OAEP-384", n2048, "AQAB"),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(try_jwk(JWK_1024, "none", n2048, "AQAB"),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(try_jwk(JWK_1024, "rsa1_5", n2048, "AQAB"),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(try_jwk("{\"kty\":\"RSA\",\"n\":\"%s\","
	    "\"e\":\"AQAB\"}", n2048), CCAKIT_ERR_JSON);
	assert_int_equal(try_jwk("{\"kty\":\"EC\",\"alg\":\"RSA1_5\","
	    "\"n\":\"%s\",\"e\":\"AQAB\"}", n2048), CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(try_jwk("{\"alg\":\"RSA1_5\",\"n\":\"%s\","
	    "\"e\":\"AQAB\"}", n2048), CCAKIT_ERR_JSON);
	assert_int_equal(try_jwk("{\"kty\":\"RSA\",\"alg\":\"RSA1_5\","
	    "\"n\":\"%s\"}", n2048), CCAKIT_ERR_JSON);
	assert_int_equal(try_jwk("{\"kty\":\"RSA\",\"alg\":\"RSA1_5\","
	    "\"n\":\"%s\",\"e\":65537}", n2048), CCAKIT_ERR_JSON);
	/* Private members, use, duplicates, other members. */
	assert_int_equal(try_jwk("{\"kty\":\"RSA\",\"alg\":\"RSA1_5\","
	    "\"n\":\"%s\",\"e\":\"AQAB\",\"d\":\"AQAB\"}", n2048),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(try_jwk("{\"kty\":\"RSA\",\"alg\":\"RSA1_5\","
	    "\"n\":\"%s\",\"e\":\"AQAB\",\"use\":\"sig\"}", n2048),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(try_jwk("{\"kty\":\"RSA\",\"alg\":\"RSA1_5\","
	    "\"n\":\"%s\",\"e\":\"AQAB\",\"use\":\"enc\",\"kid\":\"x\"}",
	    n2048), CCAKIT_OK);
	assert_int_equal(try_jwk("{\"kty\":\"RSA\",\"alg\":\"RSA1_5\","
	    "\"n\":\"%s\",\"e\":\"AQAB\",\"e\":\"Aw\"}", n2048),
	    CCAKIT_ERR_JSON);
	/* Not JSON, not an object, trailing bytes. */
	assert_int_equal(try_jwk("[\"%s\"]", n2048), CCAKIT_ERR_JSON);
	assert_int_equal(try_jwk("{\"kty\":\"RSA\",\"alg\":\"RSA1_5\","
	    "\"n\":\"%s\",\"e\":\"AQAB\"} {}", n2048), CCAKIT_ERR_JSON);
	assert_int_equal(try_jwk("%s", ""), CCAKIT_ERR_JSON);

	/* A failed parse leaves a loaded key as it was. */
	assert_non_null(k = ccakit_wrapkey_new());
	assert_non_null(good = malloc(4096));
	snprintf(good, 4096, JWK_1024, "RSA-OAEP", n2048, "AQAB");
	assert_int_equal(ccakit_wrapkey_from_jwk(k, good, strlen(good), 0,
	    NULL), CCAKIT_OK);
	snprintf(good, 4096, JWK_1024, "RSA1_5", n2047, "AQAB");
	assert_int_equal(ccakit_wrapkey_from_jwk(k, good, strlen(good), 0,
	    NULL), CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(ccakit_wrapkey_alg(k), CCAKIT_WRAP_RSA_OAEP);
	assert_int_equal(ccakit_wrapkey_bits(k), 2048);
	/* Oversized input. */
	assert_int_equal(ccakit_wrapkey_from_jwk(k, good,
	    CCAKIT_WRAPKEY_JWK_MAX + 1, 0, NULL), CCAKIT_ERR_TOO_LARGE);
	free(good);
	ccakit_wrapkey_free(&k);
	/* No key loaded. */
	assert_non_null(k = ccakit_wrapkey_new());
	assert_int_equal(ccakit_wrapkey_max_secret(k), 0);
	{
		uint8_t out[16];
		size_t olen;

		assert_int_equal(ccakit_wrap(k, (const uint8_t *)"x", 1, out,
		    sizeof(out), &olen), CCAKIT_ERR_INVALID_ARG);
	}
	ccakit_wrapkey_free(&k);
	free(n2048);
	free(n2047);
	free(neven);
	free(n8192);
	free(n8200);
	free(nz);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrap_roundtrip),
		cmocka_unit_test(test_wrap_1024_needs_flag),
		cmocka_unit_test(test_wrap_refusals),
	};

	return cmocka_run_group_tests(tests, setup_rsa, teardown_rsa);
}
