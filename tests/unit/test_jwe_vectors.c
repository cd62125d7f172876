/*
 * Trustee's derived vectors (shared/vectors/trustee/derived, read at
 * test time from $CCAKIT_VECTORS): the runtime-data JCS and the realm
 * challenge it gives, the TEE key's typed JWK, and the resource JWE,
 * decrypted and reproduced byte for byte from its fixed ephemeral key,
 * CEK and IV. Skipped (exit 77) when the vectors are absent.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include <ccakit/bytes.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/jcs.h>
#include <ccakit/jose.h>

#include "jose/jose_priv.h"
#include "testutil.h"

#define DIR "trustee/derived/"

static json_t *
load_json(const char *rel)
{
	json_error_t e;
	json_t *v = json_load_file(tu_vector_path(rel), JSON_PRESERVE_ORDER,
	    &e);

	if (v == NULL)
		fail_msg("%s: %s", rel, e.text);
	return v;
}

static ccakit_teekey *
tee_key(void)
{
	struct ccakit_errdetail d;
	ccakit_teekey *k = ccakit_teekey_new();
	uint8_t *pem;
	size_t n;

	pem = tu_read_vector(DIR "derived-tee-key.pem", &n);
	if (ccakit_teekey_from_pem(k, (const char *)pem, n, 0, &d) !=
	    CCAKIT_OK)
		fail_msg("derived-tee-key.pem: %s", d.text);
	free(pem);
	return k;
}

static const char *
str_at(const json_t *o, const char *a, const char *b)
{
	const json_t *v = json_object_get(o, a);

	if (b != NULL)
		v = json_object_get(v, b);
	if (!json_is_string(v))
		fail_msg("%s/%s is not a string", a, b != NULL ? b : "");
	return json_string_value(v);
}

static void
sha256(const char *s, uint8_t out[32])
{
	unsigned int n = 0;

	assert_int_equal(EVP_Digest(s, strlen(s), out, &n, EVP_sha256(), NULL),
	    1);
	assert_int_equal(n, 32);
}

static void
expect_hex(const uint8_t *p, size_t n, const char *hex)
{
	char s[256];

	assert_true(2 * n < sizeof(s));
	assert_int_equal(ccakit_hex_encode(p, n, s, sizeof(s)), CCAKIT_OK);
	assert_string_equal(s, hex);
}

/* The private key's public JWK is the attestation's "tee-pubkey". */
static void
test_tee_key_jwk(void **state)
{
	ccakit_teekey *k = tee_key();
	json_t *att = load_json(DIR "derived-kbs-attestation.json");
	char *ours, *theirs;

	(void)state;
	assert_int_equal(ccakit_teekey_to_jwk(k, &ours), CCAKIT_OK);
	theirs = json_dumps(json_object_get(json_object_get(att,
	    "runtime-data"), "tee-pubkey"), JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(ours, theirs);
	free(ours);
	free(theirs);
	json_decref(att);
	ccakit_teekey_free(&k);
}

/*
 * Rebuild the runtime data from the /attest body as Trustee's KBS does
 * (typed TeePubKey, the session nonce, tee-evidence.additional_evidence),
 * canonicalise it, hash with SHA-384, pad to 64: the realm challenge.
 */
static void
test_runtime_data_challenge(void **state)
{
	struct ccakit_errdetail d;
	json_t *att = load_json(DIR "derived-kbs-attestation.json");
	json_t *chal = load_json(DIR "derived-kbs-challenge.json");
	json_t *rd, *pk;
	ccakit_teekey *k = ccakit_teekey_new();
	char *jwk, *jcs = NULL, *hex, *p;
	uint8_t *want, md[64], *expect;
	size_t n, wantlen, jcslen, elen;
	unsigned int mdlen = 0;

	(void)state;
	assert_string_equal(str_at(att, "runtime-data", "nonce"),
	    str_at(chal, "nonce", NULL));
	jwk = json_dumps(json_object_get(json_object_get(att, "runtime-data"),
	    "tee-pubkey"), JSON_COMPACT);
	if (ccakit_teekey_from_jwk(k, jwk, strlen(jwk), 0, &d) != CCAKIT_OK)
		fail_msg("tee-pubkey: %s", d.text);
	free(jwk);
	assert_int_equal(ccakit_teekey_to_jwk(k, &jwk), CCAKIT_OK);
	pk = json_loads(jwk, 0, NULL);
	assert_non_null(pk);
	free(jwk);
	rd = json_object();
	json_object_set_new(rd, "tee-pubkey", pk);
	json_object_set_new(rd, "nonce",
	    json_string(str_at(chal, "nonce", NULL)));
	json_object_set_new(rd, "additional-evidence",
	    json_string(str_at(att, "tee-evidence", "additional_evidence")));
	assert_int_equal(ccakit_jcs_value(rd, 0, &jcs, &jcslen, &d),
	    CCAKIT_OK);
	want = tu_read_vector(DIR "derived-runtime-data.jcs", &wantlen);
	assert_int_equal(jcslen, wantlen);
	assert_memory_equal(jcs, want, wantlen);

	memset(md, 0, sizeof(md));
	assert_int_equal(EVP_Digest(jcs, jcslen, md, &mdlen, EVP_sha384(),
	    NULL), 1);
	assert_int_equal(mdlen, 48);
	hex = (char *)tu_read_vector(DIR "derived-expected-realm-challenge.hex",
	    &n);
	for (p = hex + n; p > hex && (p[-1] == '\n' || p[-1] == ' ' ||
	    p[-1] == '\r'); p--)
		p[-1] = '\0';
	expect = tu_hex(hex, &elen);
	assert_int_equal(elen, 64);
	assert_memory_equal(md, expect, 64);

	free(expect);
	free(hex);
	free(want);
	free(jcs);
	json_decref(rd);
	json_decref(att);
	json_decref(chal);
	ccakit_teekey_free(&k);
}

/* The KBS's JWE decrypts with the TEE key. */
static void
test_decrypt(void **state)
{
	struct ccakit_errdetail d;
	ccakit_teekey *k = tee_key();
	json_t *im = load_json(DIR "derived-jwe-intermediates.json");
	uint8_t *jwe, *pt;
	size_t n, ptlen;

	(void)state;
	jwe = tu_read_vector(DIR "derived-jwe-ecdh-es-a256kw-p256.json", &n);
	if (ccakit_jwe_decrypt(k, (const char *)jwe, n, &pt, &ptlen, &d) !=
	    CCAKIT_OK)
		fail_msg("decrypt: %s", d.text);
	assert_int_equal(ptlen, strlen(str_at(im, "plaintext_utf8", NULL)));
	assert_memory_equal(pt, str_at(im, "plaintext_utf8", NULL), ptlen);
	free(pt);
	free(jwe);
	json_decref(im);
	ccakit_teekey_free(&k);
}

/* A private P-256 key from its scalar: the public point is d * G. */
static ccakit_key *
key_from_scalar(const uint8_t seed[32])
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	EC_POINT *q = EC_POINT_new(g);
	BIGNUM *d = BN_bin2bn(seed, 32, NULL);
	BN_CTX *ctx = BN_CTX_new();
	uint8_t pt[65], db[32];
	char *x, *y, *ds, jwk[512];
	ccakit_key *k = ccakit_key_new();

	assert_non_null(g);
	assert_int_equal(BN_nnmod(d, d, EC_GROUP_get0_order(g), ctx), 1);
	assert_int_equal(EC_POINT_mul(g, q, d, NULL, NULL, ctx), 1);
	assert_int_equal(EC_POINT_point2oct(g, q,
	    POINT_CONVERSION_UNCOMPRESSED, pt, sizeof(pt), ctx), 65);
	assert_int_equal(BN_bn2binpad(d, db, 32), 32);
	x = cki_b64url_dup(pt + 1, 32);
	y = cki_b64url_dup(pt + 33, 32);
	ds = cki_b64url_dup(db, 32);
	(void)snprintf(jwk, sizeof(jwk), "{\"kty\":\"EC\",\"crv\":\"P-256\","
	    "\"x\":\"%s\",\"y\":\"%s\",\"d\":\"%s\"}", x, y, ds);
	assert_int_equal(ccakit_key_from_jwk(k, jwk, strlen(jwk)), CCAKIT_OK);
	free(x);
	free(y);
	free(ds);
	BN_CTX_free(ctx);
	BN_clear_free(d);
	EC_POINT_free(q);
	EC_GROUP_free(g);
	return k;
}

/* Z = x(d_tee * Q_epk), the first intermediate. */
static void
check_z(const ccakit_teekey *tee, const ccakit_key *epk, const char *hex)
{
	EVP_PKEY_CTX *ctx;
	uint8_t z[32];
	size_t n = sizeof(z);

	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, ccakit_key_evp(tee->ec), NULL);
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_derive_init(ctx), 1);
	assert_int_equal(EVP_PKEY_derive_set_peer(ctx, ccakit_key_evp(epk)), 1);
	assert_int_equal(EVP_PKEY_derive(ctx, z, &n), 1);
	assert_int_equal(n, 32);
	expect_hex(z, 32, hex);
	EVP_PKEY_CTX_free(ctx);
}

/*
 * The vector's recipe with ccakit's encryption: the ephemeral scalar,
 * CEK and IV fixed; every intermediate and the whole flattened JWE (as
 * compact JSON) come out identical.
 */
static void
test_reproduce(void **state)
{
	json_t *im = load_json(DIR "derived-jwe-intermediates.json");
	json_t *file = load_json(DIR "derived-jwe-ecdh-es-a256kw-p256.json");
	ccakit_teekey *tee = tee_key();
	struct cki_jwe_fixed fx;
	uint8_t seed[32], cek[32], iv[32], kek[32], *z;
	ccakit_key *epk;
	const char *pt = str_at(im, "plaintext_utf8", NULL);
	char *ours, *theirs, *h;
	size_t n;
	json_t *o;

	(void)state;
	sha256("trustee-kbs-vector-epk", seed);
	sha256("trustee-kbs-vector-cek", cek);
	sha256("trustee-kbs-vector-iv", iv);
	expect_hex(cek, 32, str_at(im, "CEK", NULL));
	expect_hex(iv, 12, str_at(im, "IV", NULL));
	epk = key_from_scalar(seed);
	check_z(tee, epk, str_at(im, "Z_ecdh_x_coordinate", NULL));
	z = tu_hex(str_at(im, "Z_ecdh_x_coordinate", NULL), &n);
	assert_int_equal(cki_concat_kdf(z, n, "ECDH-ES+A256KW", NULL, 0, NULL,
	    0, kek, 32), CCAKIT_OK);
	expect_hex(kek, 32, str_at(im, "KEK", NULL));

	memset(&fx, 0, sizeof(fx));
	fx.cek = cek;
	fx.iv = iv;
	fx.epk = epk;
	assert_int_equal(cki_jwe_encrypt(tee, (const uint8_t *)pt, strlen(pt),
	    CCAKIT_JWE_FLATTENED, &fx, &ours), CCAKIT_OK);
	theirs = json_dumps(file, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(ours, theirs);
	/* The header is the intermediate's JSON text. */
	o = json_loads(ours, 0, NULL);
	assert_int_equal(cki_b64url_decode_dup(str_at(o, "protected", NULL),
	    strlen(str_at(o, "protected", NULL)), (uint8_t **)&h, &n),
	    CCAKIT_OK);
	assert_string_equal(h, str_at(im, "protected_header_json", NULL));
	/* The compact form carries the same five parts. */
	free(ours);
	assert_int_equal(cki_jwe_encrypt(tee, (const uint8_t *)pt, strlen(pt),
	    CCAKIT_JWE_COMPACT, &fx, &ours), CCAKIT_OK);
	assert_memory_equal(ours, str_at(o, "protected", NULL),
	    strlen(str_at(o, "protected", NULL)));

	free(h);
	json_decref(o);
	free(ours);
	free(theirs);
	free(z);
	ccakit_key_free(&epk);
	ccakit_teekey_free(&tee);
	json_decref(im);
	json_decref(file);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tee_key_jwk),
		cmocka_unit_test(test_runtime_data_challenge),
		cmocka_unit_test(test_decrypt),
		cmocka_unit_test(test_reproduce),
	};
	struct stat st;
	const char *dir = tu_vector_path("trustee/derived");

	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		printf("skipped: %s not found\n", dir);
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
