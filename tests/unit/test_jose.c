/*
 * Unit tests: JWS compact ES256/384/512, JWK output, key text loading, on
 * keys and JWTs made here; c-ear's EAR too when the vectors are present.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/bytes.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/jose.h>

#include "test_token_util.h"
#include "testutil.h"

/* ccakit_jws_new() and ccakit_jws_decode(): *out NULL on failure. */
static int
jws_decode(const char *s, size_t len, ccakit_jws **out,
    struct ccakit_errdetail *d)
{
	int r;

	if ((*out = ccakit_jws_new()) == NULL)
		return CCAKIT_ERR_NOMEM;
	if ((r = ccakit_jws_decode(*out, s, len, d)) != CCAKIT_OK)
		ccakit_jws_free(out);
	return r;
}

static ccakit_key *
key_text(const char *text)
{
	ccakit_key *k;

	assert_non_null(k = ccakit_key_new());
	assert_int_equal(ccakit_key_from_text(k, text, strlen(text)),
	    CCAKIT_OK);
	return k;
}

/* An ES256 JWT signed here with k, of an EAR-shaped payload. */
static char *
sample_jwt(const ccakit_key *k)
{
	static const char payload[] = "{\"eat_profile\":"
	    "\"tag:github.com,2023:veraison/ear\",\"iat\":1700000000,"
	    "\"ear.verifier-id\":{\"build\":\"ccakit test\","
	    "\"developer\":\"https://ccakit.example\"},\"submods\":"
	    "{\"CCA_REALM\":{\"ear.status\":\"affirming\"}}}";
	char *jws = NULL;

	assert_int_equal(ccakit_jws_sign(k, CCAKIT_COSE_ES256, "JWT",
	    (const uint8_t *)payload, strlen(payload), &jws), CCAKIT_OK);
	return jws;
}

/* Compact JWS from raw header text, payload text and signature bytes. */
static char *
craft(const char *hdr, const char *payload, const uint8_t *sig,
    size_t siglen)
{
	char h[8192], p[1024], s[512], *out;
	size_t n;

	assert_int_equal(ccakit_b64_encode((const uint8_t *)hdr, strlen(hdr),
	    CCAKIT_B64_URL, h, sizeof(h)), CCAKIT_OK);
	assert_int_equal(ccakit_b64_encode((const uint8_t *)payload,
	    strlen(payload), CCAKIT_B64_URL, p, sizeof(p)), CCAKIT_OK);
	assert_int_equal(ccakit_b64_encode(sig, siglen, CCAKIT_B64_URL, s,
	    sizeof(s)), CCAKIT_OK);
	n = strlen(h) + strlen(p) + strlen(s) + 3;
	assert_non_null(out = malloc(n));
	snprintf(out, n, "%s.%s.%s", h, p, s);
	return out;
}

static int
decode_verify(const char *jws, size_t len, const ccakit_key *k, int alg)
{
	ccakit_jws *j = NULL;
	int r;

	if ((r = jws_decode(jws, len, &j, NULL)) != CCAKIT_OK) {
		assert_null(j);
		return r;
	}
	r = ccakit_jws_verify(j, k, alg, NULL);
	ccakit_jws_free(&j);
	assert_null(j);
	return r;
}

static void
test_alg_names(void **state)
{
	(void)state;
	assert_int_equal(ccakit_jws_alg_from_name("ES256"), CCAKIT_COSE_ES256);
	assert_int_equal(ccakit_jws_alg_from_name("ES384"), CCAKIT_COSE_ES384);
	assert_int_equal(ccakit_jws_alg_from_name("ES512"), CCAKIT_COSE_ES512);
	assert_int_equal(ccakit_jws_alg_from_name("none"), 0);
	assert_int_equal(ccakit_jws_alg_from_name("HS256"), 0);
	assert_int_equal(ccakit_jws_alg_from_name("es256"), 0);
	assert_int_equal(ccakit_jws_alg_from_name(NULL), 0);
	assert_string_equal(ccakit_jws_alg_name(CCAKIT_COSE_ES384), "ES384");
	assert_null(ccakit_jws_alg_name(-8));
}

static void
roundtrip(ccakit_key *k, int alg, size_t siglen)
{
	static const char payload[] = "{\"hello\":\"world\"}";
	const uint8_t *p;
	ccakit_jws *j = NULL;
	char *jws = NULL;
	const char *dot;
	size_t n;

	assert_int_equal(ccakit_jws_sign(k, alg, "JWT",
	    (const uint8_t *)payload, strlen(payload), &jws), CCAKIT_OK);
	assert_non_null(dot = strrchr(jws, '.'));
	assert_int_equal(strlen(dot + 1), ccakit_b64_encoded_len(siglen,
	    CCAKIT_B64_URL));
	assert_int_equal(jws_decode(jws, strlen(jws), &j, NULL),
	    CCAKIT_OK);
	assert_int_equal(ccakit_jws_alg(j), alg);
	assert_string_equal(ccakit_jws_typ(j), "JWT");
	assert_null(ccakit_jws_kid(j));
	assert_non_null(p = ccakit_jws_payload(j, &n));
	assert_int_equal(n, strlen(payload));
	assert_memory_equal(p, payload, n);
	assert_int_equal(p[n], 0);
	assert_int_equal(ccakit_jws_verify(j, k, alg, NULL), CCAKIT_OK);
	/* Decoding into it again: a refusal leaves it as it was. */
	assert_int_equal(ccakit_jws_decode(j, "a.b", 3, NULL),
	    CCAKIT_ERR_ENCODING);
	assert_int_equal(ccakit_jws_alg(j), alg);
	assert_int_equal(ccakit_jws_verify(j, k, alg, NULL), CCAKIT_OK);
	assert_int_equal(ccakit_jws_decode(NULL, jws, strlen(jws), NULL),
	    CCAKIT_ERR_INVALID_ARG);
	ccakit_jws_free(&j);
	assert_null(j);
	free(jws);
}

static void
test_sign_verify(void **state)
{
	ccakit_key *k256, *k384, *k521;

	(void)state;
	k256 = tt_gen_key("P-256");
	k384 = tt_gen_key("P-384");
	k521 = tt_gen_key("P-521");
	roundtrip(k256, CCAKIT_COSE_ES256, 64);
	roundtrip(k384, CCAKIT_COSE_ES384, 96);
	roundtrip(k521, CCAKIT_COSE_ES512, 132);
	/* alg 0: the key's own */
	roundtrip(k521, 0 + CCAKIT_COSE_ES512, 132);
	ccakit_key_free(&k256);
	ccakit_key_free(&k384);
	ccakit_key_free(&k521);
}

static void
test_sign_errors(void **state)
{
	ccakit_key *k256, *pub;
	char *jws = (char *)1;

	(void)state;
	k256 = tt_gen_key("P-256");
	pub = tt_pub_of(k256);
	/* curve and algorithm disagree */
	assert_int_equal(ccakit_jws_sign(k256, CCAKIT_COSE_ES384, NULL,
	    (const uint8_t *)"x", 1, &jws), CCAKIT_ERR_KEY_MISMATCH);
	assert_null(jws);
	/* public key only */
	assert_int_equal(ccakit_jws_sign(pub, 0, NULL, (const uint8_t *)"x",
	    1, &jws), CCAKIT_ERR_KEY_INVALID);
	/* a typ that would need escaping */
	assert_int_equal(ccakit_jws_sign(k256, 0, "a\"b", (const uint8_t *)"x",
	    1, &jws), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_jws_sign(k256, 0, NULL, NULL, 1, &jws),
	    CCAKIT_ERR_INVALID_ARG);
	ccakit_key_free(&k256);
	ccakit_key_free(&pub);
}

/* The c-ear vector verifies with its PEM key, and with the JWK. */
/* The c-ear vector verifies with its PEM key, and with the JWK. */
static void
test_cear_vector(void **state)
{
	ccakit_key *pem, *jwk, *other;
	char *jwt, *t;
	size_t len, n;

	(void)state;
	tu_need_vectors("c-ear");
	t = (char *)tu_read_vector("c-ear/cear-pkey.pem", &len);
	pem = key_text(t);
	free(t);
	t = (char *)tu_read_vector("c-ear/veraison-pub.jwk", &len);
	jwk = key_text(t);
	free(t);
	jwt = (char *)tu_read_vector("c-ear/cear-ear.jwt", &len);
	n = strcspn(jwt, "\n");
	other = tt_gen_key("P-256");
	assert_int_equal(decode_verify(jwt, n, pem, CCAKIT_COSE_ES256),
	    CCAKIT_OK);
	assert_int_equal(decode_verify(jwt, n, jwk, CCAKIT_COSE_ES256),
	    CCAKIT_OK);
	/* wrong key, wrong pinned algorithm */
	assert_int_equal(decode_verify(jwt, n, other, CCAKIT_COSE_ES256),
	    CCAKIT_ERR_SIGNATURE);
	assert_int_equal(decode_verify(jwt, n, pem, CCAKIT_COSE_ES384),
	    CCAKIT_ERR_COSE_ALG);
	free(jwt);
	ccakit_key_free(&pem);
	ccakit_key_free(&jwk);
	ccakit_key_free(&other);
}

/* Every single-bit flip and every truncation fails. */
/* Every single-bit flip and every truncation fails. */
static void
mutations(const char *jwt, size_t n, const ccakit_key *pub)
{
	char *m;
	size_t i;
	int b;

	assert_int_equal(decode_verify(jwt, n, pub, CCAKIT_COSE_ES256),
	    CCAKIT_OK);
	assert_non_null(m = malloc(n + 1));
	memcpy(m, jwt, n);
	m[n] = '\0';
	for (i = 0; i < n; i++) {
		for (b = 0; b < 8; b++) {
			m[i] = (char)(m[i] ^ (1 << b));
			if (decode_verify(m, n, pub, CCAKIT_COSE_ES256) ==
			    CCAKIT_OK)
				fail_msg("flip of bit %d at %zu verifies", b, i);
			m[i] = jwt[i];
		}
	}
	for (i = 0; i < n; i++)
		if (decode_verify(jwt, i, pub, CCAKIT_COSE_ES256) ==
		    CCAKIT_OK)
			fail_msg("truncation to %zu verifies", i);
	free(m);
}

static void
test_mutations(void **state)
{
	ccakit_key *k = tt_gen_key("P-256"), *pub = tt_pub_of(k);
	char *jwt = sample_jwt(k), *t;
	size_t len;

	(void)state;
	mutations(jwt, strlen(jwt), pub);
	free(jwt);
	ccakit_key_free(&k);
	ccakit_key_free(&pub);
	if (!tu_have_vectors("c-ear"))
		return;
	t = (char *)tu_read_vector("c-ear/cear-pkey.pem", &len);
	pub = key_text(t);
	free(t);
	jwt = (char *)tu_read_vector("c-ear/cear-ear.jwt", &len);
	mutations(jwt, strcspn(jwt, "\n"), pub);
	free(jwt);
	ccakit_key_free(&pub);
}

static void
expect_decode(const char *jws, int want)
{
	struct ccakit_errdetail d;
	ccakit_jws *j = (ccakit_jws *)1;

	memset(&d, 0, sizeof(d));
	assert_int_equal(jws_decode(jws, strlen(jws), &j, &d), want);
	assert_null(j);
	assert_int_equal(d.code, want);
}

static void
test_decode_strict(void **state)
{
	static const uint8_t sig[64] = { 1 };
	char *s, big[CCAKIT_JWS_MAX_HEADER + 64];
	ccakit_key *k;
	size_t i;

	(void)state;
	expect_decode("", CCAKIT_ERR_ENCODING);
	expect_decode("abc", CCAKIT_ERR_ENCODING);
	expect_decode("a.b", CCAKIT_ERR_ENCODING);
	expect_decode("a.b.c.d", CCAKIT_ERR_ENCODING);
	expect_decode(".e30.AQ", CCAKIT_ERR_ENCODING);
	expect_decode("e30.e30.", CCAKIT_ERR_ENCODING);
	/* padding, standard alphabet, whitespace */
	expect_decode("eyJhbGciOiJFUzI1NiJ9.e30=.AQ", CCAKIT_ERR_ENCODING);
	expect_decode("eyJhbGciOiJFUzI1NiJ9.e30.A+", CCAKIT_ERR_ENCODING);
	expect_decode("eyJhbGciOiJFUzI1NiJ9 .e30.AQ", CCAKIT_ERR_ENCODING);
	/* non-canonical last symbol (AR decodes like AQ but has extra bits) */
	expect_decode("eyJhbGciOiJFUzI1NiJ9.e30.AR", CCAKIT_ERR_ENCODING);

#define HDR(h, want) do {						\
	s = craft(h, "{}", sig, sizeof(sig));				\
	expect_decode(s, want);						\
	free(s);							\
} while (0)
	HDR("{\"alg\":\"none\"}", CCAKIT_ERR_COSE_ALG);
	HDR("{\"alg\":\"HS256\"}", CCAKIT_ERR_COSE_ALG);
	HDR("{\"alg\":\"RS256\"}", CCAKIT_ERR_COSE_ALG);
	HDR("{\"typ\":\"JWT\"}", CCAKIT_ERR_COSE_ALG);
	HDR("{\"alg\":7}", CCAKIT_ERR_COSE_ALG);
	HDR("{\"alg\":\"ES256\",\"alg\":\"ES256\"}", CCAKIT_ERR_JSON);
	HDR("{\"alg\":\"ES256\",\"crit\":[\"exp\"],\"exp\":1}",
	    CCAKIT_ERR_JSON);
	HDR("{\"alg\":\"ES256\",\"b64\":false}", CCAKIT_ERR_JSON);
	HDR("{\"alg\":\"ES256\",\"typ\":1}", CCAKIT_ERR_JSON);
	HDR("[\"ES256\"]", CCAKIT_ERR_JSON);
	HDR("{\"alg\":\"ES256\"", CCAKIT_ERR_JSON);
	HDR("{\"alg\":\"ES256\"} x", CCAKIT_ERR_JSON);
	/* an embedded key is ignored, never used */
	s = craft("{\"alg\":\"ES256\",\"jwk\":{\"kty\":\"EC\"},\"kid\":\"k1\"}",
	    "{}", sig, sizeof(sig));
	{
		ccakit_jws *j = NULL;

		assert_int_equal(jws_decode(s, strlen(s), &j, NULL),
		    CCAKIT_OK);
		assert_string_equal(ccakit_jws_kid(j), "k1");
		k = tt_gen_key("P-256");
		assert_int_equal(ccakit_jws_verify(j, k, CCAKIT_COSE_ES256,
		    NULL), CCAKIT_ERR_SIGNATURE);
		ccakit_key_free(&k);
		ccakit_jws_free(&j);
	}
	free(s);
	/* oversized header */
	memset(big, 0, sizeof(big));
	strcpy(big, "{\"alg\":\"ES256\",\"x\":\"");
	for (i = strlen(big); i < sizeof(big) - 3; i++)
		big[i] = 'a';
	strcpy(big + i, "\"}");
	HDR(big, CCAKIT_ERR_TOO_LARGE);
#undef HDR
	/* a signature longer than any curve's */
	{
		static const uint8_t longsig[140] = { 0 };

		s = craft("{\"alg\":\"ES512\"}", "{}", longsig,
		    sizeof(longsig));
		expect_decode(s, CCAKIT_ERR_ENCODING);
		free(s);
	}
}

/* Signature size must be exactly the curve's. */
static void
test_sig_size(void **state)
{
	ccakit_key *k;
	ccakit_jws *j = NULL;
	char *s;
	uint8_t sig[66];

	(void)state;
	memset(sig, 1, sizeof(sig));
	k = tt_gen_key("P-256");
	s = craft("{\"alg\":\"ES256\"}", "{}", sig, 63);
	assert_int_equal(jws_decode(s, strlen(s), &j, NULL), CCAKIT_OK);
	assert_int_equal(ccakit_jws_verify(j, k, CCAKIT_COSE_ES256, NULL),
	    CCAKIT_ERR_SIGNATURE);
	ccakit_jws_free(&j);
	free(s);
	s = craft("{\"alg\":\"ES256\"}", "{}", sig, 65);
	assert_int_equal(jws_decode(s, strlen(s), &j, NULL), CCAKIT_OK);
	assert_int_equal(ccakit_jws_verify(j, k, CCAKIT_COSE_ES256, NULL),
	    CCAKIT_ERR_SIGNATURE);
	ccakit_jws_free(&j);
	free(s);
	ccakit_key_free(&k);
}

/* A P-384 key cannot verify ES256, and a pinned key only its alg. */
/* A P-384 key cannot verify ES256, and a pinned key only its alg. */
static void
test_key_alg_mismatch(void **state)
{
	ccakit_key *k = tt_gen_key("P-256"), *k384, *pinned;
	ccakit_jws *j = NULL;
	char *jwt = sample_jwt(k), *jwk = NULL;

	(void)state;
	k384 = tt_gen_key("P-384");
	assert_int_equal(jws_decode(jwt, strlen(jwt), &j, NULL),
	    CCAKIT_OK);
	assert_int_equal(ccakit_jws_verify(j, k384, CCAKIT_COSE_ES256, NULL),
	    CCAKIT_ERR_KEY_MISMATCH);
	assert_int_equal(ccakit_jws_verify(j, k384, 0, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_jwk_from_key(k, CCAKIT_COSE_ES256, &jwk),
	    CCAKIT_OK);
	pinned = key_text(jwk);
	assert_int_equal(ccakit_key_pinned_alg(pinned), CCAKIT_COSE_ES256);
	assert_int_equal(ccakit_jws_verify(j, pinned, CCAKIT_COSE_ES256, NULL),
	    CCAKIT_OK);
	ccakit_jws_free(&j);
	free(jwk);
	free(jwt);
	ccakit_key_free(&k);
	ccakit_key_free(&k384);
	ccakit_key_free(&pinned);
}

static void
test_jwk_out(void **state)
{
	ccakit_key *k, *k2, *k384;
	uint8_t a[200], b[200];
	size_t alen, blen;
	char *jwk = NULL;

	(void)state;
	k = tt_gen_key("P-256");
	assert_int_equal(ccakit_jwk_from_key(k, CCAKIT_COSE_ES256, &jwk),
	    CCAKIT_OK);
	/* As Veraison's discovery document has it: sorted members, the
	 * coordinates as ccakit_key_to_jwk writes them. */
	{
		char plain[512], want[600];
		const char *xy;

		assert_int_equal(ccakit_key_to_jwk(k, plain, sizeof(plain)),
		    CCAKIT_OK);
		assert_non_null(xy = strstr(plain, "\"x\":"));
		(void)snprintf(want, sizeof(want), "{\"alg\":\"ES256\","
		    "\"crv\":\"P-256\",\"kty\":\"EC\",%s", xy);
		assert_string_equal(jwk, want);
	}
	k2 = key_text(jwk);
	assert_false(ccakit_key_has_private(k2));
	assert_int_equal(ccakit_key_pinned_alg(k2), CCAKIT_COSE_ES256);
	assert_int_equal(ccakit_key_to_sec1(k, a, sizeof(a), &alen),
	    CCAKIT_OK);
	assert_int_equal(ccakit_key_to_sec1(k2, b, sizeof(b), &blen),
	    CCAKIT_OK);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	free(jwk);
	jwk = NULL;
	assert_int_equal(ccakit_jwk_from_key(k, 0, &jwk), CCAKIT_OK);
	assert_null(strstr(jwk, "alg"));
	assert_null(strstr(jwk, "\"d\""));
	free(jwk);
	jwk = NULL;
	k384 = tt_gen_key("P-384");
	assert_int_equal(ccakit_jwk_from_key(k384, CCAKIT_COSE_ES256, &jwk),
	    CCAKIT_ERR_KEY_MISMATCH);
	assert_null(jwk);
	/* key text: leading whitespace, garbage, oversize */
	ccakit_key_free(&k2);
	assert_non_null(k2 = ccakit_key_new());
	assert_int_equal(ccakit_key_from_text(k2, " \n{\"kty\":\"EC\"}",
	    strlen(" \n{\"kty\":\"EC\"}")), CCAKIT_ERR_KEY_INVALID);
	assert_int_not_equal(ccakit_key_from_text(k2, "hello", 5), CCAKIT_OK);
	{
		char big[CCAKIT_JWK_MAX_LEN + 2];

		memset(big, ' ', sizeof(big));
		memcpy(big, "-----BEGIN PUBLIC KEY-----\n", 27);
		assert_int_equal(ccakit_key_from_text(k2, big,
		    CCAKIT_JWK_MAX_LEN + 1), CCAKIT_ERR_TOO_LARGE);
	}
	ccakit_key_free(&k);
	ccakit_key_free(&k2);
	ccakit_key_free(&k384);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alg_names),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_sign_errors),
		cmocka_unit_test(test_cear_vector),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_decode_strict),
		cmocka_unit_test(test_sig_size),
		cmocka_unit_test(test_key_alg_mismatch),
		cmocka_unit_test(test_jwk_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
