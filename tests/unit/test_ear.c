/*
 * Unit tests: EAR claims, JSON, JWT signing and verification, on EARs and
 * keys made here; the keybroker demo's EAR claims and c-ear's EAR too when
 * the vectors are present.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ccakit/bytes.h>
#include <ccakit/cose.h>
#include <ccakit/ear.h>
#include <ccakit/err.h>
#include <ccakit/jose.h>
#include <ccakit/tv.h>

#include "test_token_util.h"
#include "testutil.h"

#define NOW 1700000000

static ccakit_key *
key_text(const char *text)
{
	ccakit_key *k;

	assert_non_null(k = ccakit_key_new());
	assert_int_equal(ccakit_key_from_text(k, text, strlen(text)),
	    CCAKIT_OK);
	return k;
}

static ccakit_ear *
ear_vector(void)
{
	ccakit_ear *e;
	uint8_t *buf;
	size_t len;

	buf = tu_read_vector("keybroker-demo/ear-claims-ok.json", &len);
	assert_non_null(e = ccakit_ear_new());
	assert_int_equal(ccakit_ear_from_json(e, (const char *)buf, len, NULL),
	    CCAKIT_OK);
	free(buf);
	return e;
}

static int
from_json(const char *json, struct ccakit_errdetail *d)
{
	ccakit_ear *e;
	int r;

	assert_non_null(e = ccakit_ear_new());
	r = ccakit_ear_from_json(e, json, strlen(json), d);
	ccakit_ear_free(&e);
	assert_null(e);
	return r;
}

/* The keybroker demo's EAR claims (rust-ear JSON form). */
static void
test_vector_claims(void **state)
{
	uint8_t nonce[64], *want;
	struct ccakit_tv tv;
	enum ccakit_tier t;
	ccakit_ear *e;
	char *ae = NULL;
	size_t n, wlen;

	(void)state;
	tu_need_vectors("keybroker-demo");
	e = ear_vector();
	assert_string_equal(ccakit_ear_profile(e), CCAKIT_EAR_PROFILE);
	assert_int_equal(ccakit_ear_iat(e), 0);
	assert_string_equal(ccakit_ear_nonce_text(e),
	    "bobW2XzHE7xt1D285JGmtAMRwCeov4WjnaY-nORMEyqKEZ0pb65qaZnpvz5Ec"
	    "bDOASRdiJQkwx6JeTs7HWsVBA==");
	assert_int_equal(ccakit_ear_nonce(e, nonce, sizeof(nonce), &n),
	    CCAKIT_OK);
	want = tu_read_vector("keybroker-demo/cca-example-token-nonce.bin",
	    &wlen);
	assert_int_equal(n, wlen);
	assert_memory_equal(nonce, want, n);
	free(want);
	assert_int_equal(ccakit_ear_nonce(e, nonce, 63, &n),
	    CCAKIT_ERR_BUFFER_TOO_SMALL);

	assert_int_equal(ccakit_ear_submod_count(e), 2);
	assert_string_equal(ccakit_ear_submod_name(e, 0), "CCA_REALM");
	assert_string_equal(ccakit_ear_submod_name(e, 1), "CCA_SSD_PLATFORM");
	assert_null(ccakit_ear_submod_name(e, 2));
	assert_int_equal(ccakit_ear_submod_status(e, "CCA_SSD_PLATFORM", &t),
	    CCAKIT_OK);
	assert_int_equal(t, CCAKIT_TIER_AFFIRMING);
	assert_int_equal(ccakit_ear_submod_status(e, "CCA_REALM", &t),
	    CCAKIT_OK);
	assert_int_equal(t, CCAKIT_TIER_WARNING);
	assert_int_equal(ccakit_ear_submod_status(e, "NOPE", &t),
	    CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(ccakit_ear_submod_tv(e, "CCA_REALM", &tv), CCAKIT_OK);
	assert_int_equal(tv.set, 0xff);
	assert_int_equal(tv.v[CCAKIT_TV_INSTANCE_IDENTITY], 2);
	assert_int_equal(tv.v[CCAKIT_TV_EXECUTABLES], 33);
	assert_int_equal(ccakit_tv_tier(&tv), CCAKIT_TIER_WARNING);
	assert_int_equal(ccakit_ear_submod_tv(e, "CCA_SSD_PLATFORM", &tv),
	    CCAKIT_OK);
	assert_int_equal(tv.set, 0);
	assert_string_equal(ccakit_ear_submod_evidence_str(e, "CCA_REALM",
	    "cca-realm-initial-measurement"),
	    "MRMUq3NiA1DPdYg0rlxl2ejC3H/r5ufZZUu+hk4wDUk=");
	assert_null(ccakit_ear_submod_evidence_str(e, "CCA_REALM",
	    "cca-realm-extensible-measurements"));
	assert_null(ccakit_ear_submod_evidence_str(e, "CCA_SSD_PLATFORM",
	    "cca-realm-initial-measurement"));
	assert_int_equal(ccakit_ear_submod_annotated_evidence(e, "CCA_REALM",
	    &ae), CCAKIT_OK);
	assert_non_null(strstr(ae, "\"cca-realm-hash-algo-id\":\"sha-256\""));
	free(ae);
	assert_int_equal(ccakit_ear_submod_annotated_evidence(e,
	    "CCA_SSD_PLATFORM", &ae), CCAKIT_ERR_NOT_FOUND);
	assert_null(ae);
	assert_null(ccakit_ear_submod_policy_id(e, "CCA_REALM"));
	ccakit_ear_free(&e);
}

/* JSON out, JSON in, JSON out again: identical. */
/* JSON out, JSON in, JSON out again: identical. */
static void
json_roundtrip(ccakit_ear *e, const char *first)
{
	ccakit_ear *e2;
	char *a = NULL, *b = NULL, *p = NULL;

	assert_int_equal(ccakit_ear_to_json(e, 0, &a), CCAKIT_OK);
	/* sorted members, compact */
	assert_int_equal(strncmp(a, first, strlen(first)), 0);
	assert_non_null(e2 = ccakit_ear_new());
	assert_int_equal(ccakit_ear_from_json(e2, a, strlen(a), NULL),
	    CCAKIT_OK);
	assert_int_equal(ccakit_ear_to_json(e2, 0, &b), CCAKIT_OK);
	assert_string_equal(a, b);
	assert_int_equal(ccakit_ear_to_json(e2, CCAKIT_EAR_JSON_PRETTY, &p),
	    CCAKIT_OK);
	assert_non_null(strstr(p, "\n  \"eat_profile\": "));
	free(p);
	assert_int_equal(ccakit_ear_to_json(e2, 0x80, &p),
	    CCAKIT_ERR_INVALID_ARG);
	assert_null(p);
	free(a);
	free(b);
	ccakit_ear_free(&e2);
}

static ccakit_ear *build(void);

static void
test_json_roundtrip(void **state)
{
	ccakit_ear *e;

	(void)state;
	e = build();
	json_roundtrip(e, "{\"ear.raw-evidence\":\"2QGPoP8\",");
	ccakit_ear_free(&e);
	if (!tu_have_vectors("keybroker-demo"))
		return;
	e = ear_vector();
	json_roundtrip(e, "{\"eat_nonce\":\"bobW2");
	ccakit_ear_free(&e);
}

static ccakit_ear *
build(void)
{
	static const uint8_t nonce[64] = { 1, 2, 3 };
	static const uint8_t ev[5] = { 0xd9, 0x01, 0x8f, 0xa0, 0xff };
	struct ccakit_tv tv;
	ccakit_ear *e;

	assert_non_null(e = ccakit_ear_new());
	assert_int_equal(ccakit_ear_set_iat(e, NOW), CCAKIT_OK);
	assert_int_equal(ccakit_ear_set_verifier_id(e, "ccakit test",
	    "ccakit"), CCAKIT_OK);
	assert_int_equal(ccakit_ear_set_nonce(e, nonce, sizeof(nonce)),
	    CCAKIT_OK);
	assert_int_equal(ccakit_ear_set_raw_evidence(e, ev, sizeof(ev)),
	    CCAKIT_OK);
	assert_int_equal(ccakit_ear_add_submod(e, "CCA_REALM"), CCAKIT_OK);
	assert_int_equal(ccakit_ear_add_submod(e, "CCA_REALM"),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_ear_add_submod(e, "bad name"),
	    CCAKIT_ERR_INVALID_ARG);
	ccakit_tv_clear(&tv);
	ccakit_tv_set(&tv, CCAKIT_TV_INSTANCE_IDENTITY, 2);
	ccakit_tv_set(&tv, CCAKIT_TV_EXECUTABLES, 3);
	assert_int_equal(ccakit_ear_submod_set_tv(e, "CCA_REALM", &tv),
	    CCAKIT_OK);
	assert_int_equal(ccakit_ear_submod_set_status(e, "CCA_REALM",
	    ccakit_tv_tier(&tv)), CCAKIT_OK);
	assert_int_equal(ccakit_ear_submod_set_policy_id(e, "CCA_REALM",
	    "policy:ARM_CCA"), CCAKIT_OK);
	assert_int_equal(ccakit_ear_submod_set_annotated_evidence(e,
	    "CCA_REALM", "{\"cca-realm-initial-measurement\":\"AAAA\"}", 40),
	    CCAKIT_OK);
	assert_int_equal(ccakit_ear_submod_set_policy_claims(e, "CCA_REALM",
	    "[1]", 3), CCAKIT_ERR_JSON);
	assert_int_equal(ccakit_ear_submod_set_policy_claims(e, "NOPE",
	    "{}", 2), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_ear_submod_set_status(e, "NOPE",
	    CCAKIT_TIER_NONE), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_ear_submod_set_status(e, "CCA_REALM",
	    (enum ccakit_tier)5), CCAKIT_ERR_INVALID_ARG);
	return e;
}

static void
test_build_accessors(void **state)
{
	struct ccakit_tv tv;
	enum ccakit_tier t;
	const char *b, *d;
	uint8_t *raw = NULL;
	ccakit_ear *e;
	size_t n;
	char *s = NULL;

	(void)state;
	e = build();
	assert_int_equal(ccakit_ear_iat(e), NOW);
	ccakit_ear_verifier_id(e, &b, &d);
	assert_string_equal(b, "ccakit test");
	assert_string_equal(d, "ccakit");
	/* 64 bytes: 88 characters of padded base64url, as Veraison */
	assert_int_equal(strlen(ccakit_ear_nonce_text(e)), 88);
	assert_string_equal(ccakit_ear_nonce_text(e) + 84, "AA==");
	assert_int_equal(ccakit_ear_raw_evidence(e, &raw, &n), CCAKIT_OK);
	assert_int_equal(n, 5);
	assert_int_equal(raw[0], 0xd9);
	free(raw);
	assert_int_equal(ccakit_ear_submod_status(e, "CCA_REALM", &t),
	    CCAKIT_OK);
	assert_int_equal(t, CCAKIT_TIER_AFFIRMING);
	assert_int_equal(ccakit_ear_submod_tv(e, "CCA_REALM", &tv), CCAKIT_OK);
	assert_int_equal(tv.v[CCAKIT_TV_EXECUTABLES], 3);
	assert_string_equal(ccakit_ear_submod_policy_id(e, "CCA_REALM"),
	    "policy:ARM_CCA");
	assert_int_equal(ccakit_ear_to_json(e, 0, &s), CCAKIT_OK);
	/* all eight claims, unset ones as 0 */
	assert_non_null(strstr(s, "\"ear.trustworthiness-vector\":{"
	    "\"configuration\":0,\"executables\":3,\"file-system\":0,"
	    "\"hardware\":0,\"instance-identity\":2,\"runtime-opaque\":0,"
	    "\"sourced-data\":0,\"storage-opaque\":0}"));
	assert_non_null(strstr(s, "\"ear.raw-evidence\":\"2QGPoP8\""));
	free(s);
	/* nonce bounds */
	/* 3 bytes are 4 characters: under the 8-character minimum */
	assert_int_equal(ccakit_ear_set_nonce(e, (const uint8_t *)"abc", 3),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_ear_set_nonce(e, (const uint8_t *)"abcd", 4),
	    CCAKIT_OK);
	assert_string_equal(ccakit_ear_nonce_text(e), "YWJjZA==");
	assert_int_equal(ccakit_ear_set_nonce(e, (const uint8_t *)"abcdef", 6),
	    CCAKIT_OK);
	{
		static const uint8_t big[65];

		assert_int_equal(ccakit_ear_set_nonce(e, big, sizeof(big)),
		    CCAKIT_ERR_INVALID_ARG);
	}
	ccakit_ear_free(&e);
}

static char *
sign(const ccakit_ear *e, ccakit_key *k, int alg)
{
	char *jwt = NULL;

	assert_int_equal(ccakit_ear_sign_jwt(e, k, alg, &jwt), CCAKIT_OK);
	return jwt;
}

static int
verify(const char *jwt, const ccakit_key *k,
    const struct ccakit_ear_verify_opts *o, ccakit_ear **out)
{
	struct ccakit_errdetail d;
	ccakit_ear *e;
	int r;

	memset(&d, 0, sizeof(d));
	assert_non_null(e = ccakit_ear_new());
	r = ccakit_ear_verify_jwt(e, jwt, strlen(jwt), k, o, &d);
	assert_int_equal(d.code, r);
	if (r == CCAKIT_OK && out != NULL)
		*out = e;
	else
		ccakit_ear_free(&e);
	return r;
}

static void
test_jwt_roundtrip(void **state)
{
	static const uint8_t nonce[64] = { 1, 2, 3 };
	struct ccakit_ear_verify_opts o;
	ccakit_key *priv, *pub, *k384, *other;
	ccakit_ear *e, *v = NULL;
	char *jwt, *a = NULL, *b = NULL;

	(void)state;
	priv = tt_gen_key("P-256");
	pub = tt_pub_of(priv);
	k384 = tt_gen_key("P-384");
	other = tt_gen_key("P-256");
	e = build();
	jwt = sign(e, priv, 0);
	assert_int_equal(strncmp(jwt, "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.",
	    37), 0);

	memset(&o, 0, sizeof(o));
	o.now = NOW + 10;
	o.nonce = nonce;
	o.nonce_len = sizeof(nonce);
	assert_int_equal(verify(jwt, pub, &o, &v), CCAKIT_OK);
	assert_int_equal(ccakit_ear_to_json(e, 0, &a), CCAKIT_OK);
	assert_int_equal(ccakit_ear_to_json(v, 0, &b), CCAKIT_OK);
	assert_string_equal(a, b);
	free(a);
	free(b);
	ccakit_ear_free(&v);
	assert_int_equal(verify(jwt, pub, NULL, NULL), CCAKIT_OK);

	/* wrong nonce, wrong key, wrong pinned alg */
	o.nonce_len = 63;
	assert_int_equal(verify(jwt, pub, &o, NULL), CCAKIT_ERR_CHALLENGE);
	o.nonce_len = 64;
	assert_int_equal(verify(jwt, other, &o, NULL), CCAKIT_ERR_SIGNATURE);
	o.alg = CCAKIT_COSE_ES384;
	assert_int_equal(verify(jwt, k384, &o, NULL), CCAKIT_ERR_COSE_ALG);
	free(jwt);

	/* ES384 with a P-384 key */
	jwt = sign(e, k384, CCAKIT_COSE_ES384);
	assert_int_equal(verify(jwt, k384, &o, NULL), CCAKIT_OK);
	o.alg = 0;
	assert_int_equal(verify(jwt, pub, &o, NULL), CCAKIT_ERR_COSE_ALG);
	free(jwt);

	/* the signer refuses what a verifier would */
	assert_int_equal(ccakit_ear_sign_jwt(e, priv, CCAKIT_COSE_ES384, &jwt),
	    CCAKIT_ERR_KEY_MISMATCH);
	ccakit_ear_free(&e);
	assert_non_null(e = ccakit_ear_new());
	assert_int_equal(ccakit_ear_add_submod(e, "X"), CCAKIT_OK);
	assert_int_equal(ccakit_ear_sign_jwt(e, priv, 0, &jwt),
	    CCAKIT_ERR_CLAIM_MISSING);
	assert_int_equal(ccakit_ear_set_iat(e, NOW), CCAKIT_OK);
	assert_int_equal(ccakit_ear_sign_jwt(e, priv, 0, &jwt),
	    CCAKIT_ERR_CLAIM_MISSING);
	assert_int_equal(ccakit_ear_set_verifier_id(e, "b", "d"), CCAKIT_OK);
	jwt = sign(e, priv, 0);
	free(jwt);
	ccakit_ear_free(&e);
	assert_non_null(e = ccakit_ear_new());
	assert_int_equal(ccakit_ear_set_iat(e, NOW), CCAKIT_OK);
	assert_int_equal(ccakit_ear_set_verifier_id(e, "b", "d"), CCAKIT_OK);
	assert_int_equal(ccakit_ear_sign_jwt(e, priv, 0, &jwt),
	    CCAKIT_ERR_CLAIM_VALUE);  /* no submod */
	ccakit_ear_free(&e);
	ccakit_key_free(&priv);
	ccakit_key_free(&pub);
	ccakit_key_free(&k384);
	ccakit_key_free(&other);
}

static void
test_jwt_times(void **state)
{
	struct ccakit_ear_verify_opts o;
	ccakit_key *priv, *pub;
	ccakit_ear *e;
	char *jwt;

	(void)state;
	priv = tt_gen_key("P-256");
	pub = tt_pub_of(priv);
	e = build();
	assert_int_equal(ccakit_ear_set_exp(e, NOW + 100), CCAKIT_OK);
	jwt = sign(e, priv, 0);
	memset(&o, 0, sizeof(o));
	o.now = NOW + 99;
	assert_int_equal(verify(jwt, pub, &o, NULL), CCAKIT_OK);
	o.now = NOW + 100;
	assert_int_equal(verify(jwt, pub, &o, NULL), CCAKIT_ERR_EXPIRED);
	o.leeway = 5;
	assert_int_equal(verify(jwt, pub, &o, NULL), CCAKIT_OK);
	o.now = NOW + 105;
	assert_int_equal(verify(jwt, pub, &o, NULL), CCAKIT_ERR_EXPIRED);
	/* the real clock is far past NOW + 100 */
	assert_int_equal(verify(jwt, pub, NULL, NULL), CCAKIT_ERR_EXPIRED);
	/* max age */
	o.leeway = 0;
	o.now = NOW + 50;
	o.max_age = 60;
	assert_int_equal(verify(jwt, pub, &o, NULL), CCAKIT_OK);
	o.max_age = 49;
	assert_int_equal(verify(jwt, pub, &o, NULL), CCAKIT_ERR_EXPIRED);
	o.now = NOW - 1;     /* issued in the future */
	o.max_age = 60;
	assert_int_equal(verify(jwt, pub, &o, NULL), CCAKIT_ERR_EXPIRED);
	/* bad options */
	o.leeway = -1;
	assert_int_equal(verify(jwt, pub, &o, NULL), CCAKIT_ERR_INVALID_ARG);
	free(jwt);
	ccakit_ear_free(&e);
	ccakit_key_free(&priv);
	ccakit_key_free(&pub);
}

/* c-ear's vector: a real Veraison-shaped EAR with an integral real iat,
 * nbf, jti and key attestation. */
static void
test_cear_vector(void **state)
{
	struct ccakit_tv tv;
	enum ccakit_tier t;
	ccakit_key *pub;
	ccakit_ear *e = NULL;
	const char *b, *d;
	uint8_t *raw = NULL, nonce[64];
	size_t n;
	char *s = NULL, *jwt;

	(void)state;
	tu_need_vectors("c-ear");
	s = (char *)tu_read_vector("c-ear/cear-pkey.pem", &n);
	pub = key_text(s);
	free(s);
	s = NULL;
	jwt = (char *)tu_read_vector("c-ear/cear-ear.jwt", &n);
	jwt[strcspn(jwt, "\n")] = '\0';
	assert_int_equal(verify(jwt, pub, NULL, &e), CCAKIT_OK);
	free(jwt);
	assert_int_equal(ccakit_ear_iat(e), 1666529184);
	ccakit_ear_verifier_id(e, &b, &d);
	assert_string_equal(b, "vts 0.0.1");
	assert_string_equal(d, "https://veraison-project.org");
	assert_int_equal(ccakit_ear_submod_count(e), 1);
	assert_string_equal(ccakit_ear_submod_name(e, 0), "PARSEC_TPM");
	assert_int_equal(ccakit_ear_submod_status(e, "PARSEC_TPM", &t),
	    CCAKIT_OK);
	assert_int_equal(t, CCAKIT_TIER_AFFIRMING);
	assert_int_equal(ccakit_ear_submod_tv(e, "PARSEC_TPM", &tv),
	    CCAKIT_OK);
	assert_int_equal(tv.set, 0x15);  /* ii, executables, hardware */
	assert_int_equal(tv.v[CCAKIT_TV_HARDWARE], 2);
	assert_string_equal(ccakit_ear_submod_policy_id(e, "PARSEC_TPM"),
	    "https://veraison.example/policy/1/60a0068d");
	assert_int_equal(ccakit_ear_raw_evidence(e, &raw, &n), CCAKIT_OK);
	assert_int_equal(n, 15);
	assert_memory_equal(raw, "74726973656374\n", 15);
	free(raw);
	assert_int_equal(ccakit_ear_nonce(e, nonce, sizeof(nonce), &n),
	    CCAKIT_ERR_NOT_FOUND);
	/* unknown members are kept */
	assert_int_equal(ccakit_ear_to_json(e, 0, &s), CCAKIT_OK);
	assert_non_null(strstr(s, "\"jti\":\"55b8b3fa"));
	assert_non_null(strstr(s, "\"ear.veraison.key-attestation\":{"
	    "\"akpub\":\"MFkw"));
	free(s);
	ccakit_ear_free(&e);
	ccakit_key_free(&pub);
}

/* Every bit flip of a signed EAR fails verification. */
static void
test_jwt_flips(void **state)
{
	ccakit_key *priv, *pub;
	ccakit_ear *e;
	char *jwt;
	size_t i, n;
	int b;

	(void)state;
	priv = tt_gen_key("P-256");
	pub = tt_pub_of(priv);
	e = build();
	jwt = sign(e, priv, 0);
	n = strlen(jwt);
	for (i = 0; i < n; i++)
		for (b = 0; b < 7; b++) {
			jwt[i] = (char)(jwt[i] ^ (1 << b));
			if (verify(jwt, pub, NULL, NULL) == CCAKIT_OK)
				fail_msg("flip %d at %zu verifies", b, i);
			jwt[i] = (char)(jwt[i] ^ (1 << b));
		}
	assert_int_equal(verify(jwt, pub, NULL, NULL), CCAKIT_OK);
	free(jwt);
	ccakit_ear_free(&e);
	ccakit_key_free(&priv);
	ccakit_key_free(&pub);
}

/* alg "none" with good claims: refused before any claim is looked at. */
static void
test_alg_none(void **state)
{
	static const char hdr[] = "{\"alg\":\"none\",\"typ\":\"JWT\"}";
	ccakit_key *pub;
	ccakit_ear *e;
	char *claims = NULL, h[128], *p, jwt[4096];

	(void)state;
	pub = tt_gen_key("P-256");
	e = build();
	assert_int_equal(ccakit_ear_to_json(e, 0, &claims), CCAKIT_OK);
	assert_int_equal(ccakit_b64_encode((const uint8_t *)hdr, strlen(hdr),
	    CCAKIT_B64_URL, h, sizeof(h)), CCAKIT_OK);
	assert_non_null(p = malloc(2 * strlen(claims)));
	assert_int_equal(ccakit_b64_encode((const uint8_t *)claims,
	    strlen(claims), CCAKIT_B64_URL, p, 2 * strlen(claims)), CCAKIT_OK);
	snprintf(jwt, sizeof(jwt), "%s.%s.", h, p);
	assert_int_equal(verify(jwt, pub, NULL, NULL), CCAKIT_ERR_ENCODING);
	snprintf(jwt, sizeof(jwt), "%s.%s.AA", h, p);
	assert_int_equal(verify(jwt, pub, NULL, NULL), CCAKIT_ERR_COSE_ALG);
	free(p);
	free(claims);
	ccakit_ear_free(&e);
	ccakit_key_free(&pub);
}

#define SUB "\"submods\":{\"X\":{\"ear.status\":\"affirming\"}}"
#define PROF "\"eat_profile\":\"tag:github.com,2023:veraison/ear\""

static void
test_claims_strict(void **state)
{
	static const struct {
		const char *json;
		int want;
	} cases[] = {
		{ "{" PROF "," SUB "}", CCAKIT_OK },
		{ "{" PROF ",\"iat\":1.666529184e+09," SUB "}", CCAKIT_OK },
		{ "{" PROF ",\"x-ext\":[1,{\"a\":null}]," SUB "}", CCAKIT_OK },
		{ "[]", CCAKIT_ERR_JSON },
		{ "{" PROF "," SUB "} trailing", CCAKIT_ERR_JSON },
		{ "{" PROF "," PROF "," SUB "}", CCAKIT_ERR_JSON },
		{ "{" SUB "}", CCAKIT_ERR_CLAIM_MISSING },
		{ "{\"eat_profile\":\"tag:github.com,2024:confidential-"
		  "containers/Trustee\"," SUB "}", CCAKIT_OK },
		{ "{\"eat_profile\":\"tag:github.com,2024:confidential-"
		  "containers/trustee\"," SUB "}", CCAKIT_ERR_PROFILE_UNKNOWN },
		{ "{\"eat_profile\":1," SUB "}", CCAKIT_ERR_PROFILE_UNKNOWN },
		{ "{" PROF "}", CCAKIT_ERR_CLAIM_MISSING },
		{ "{" PROF ",\"submods\":{}}", CCAKIT_ERR_CLAIM_VALUE },
		{ "{" PROF ",\"submods\":[]}", CCAKIT_ERR_JSON },
		{ "{" PROF ",\"submods\":{\"X\":{}}}",
		  CCAKIT_ERR_CLAIM_MISSING },
		{ "{" PROF ",\"submods\":{\"X\":{\"ear.status\":\"great\"}}}",
		  CCAKIT_ERR_CLAIM_VALUE },
		{ "{" PROF ",\"submods\":{\"X\":{\"ear.status\":2}}}",
		  CCAKIT_OK },
		{ "{" PROF ",\"submods\":{\"X\":{\"ear.status\":1}}}",
		  CCAKIT_ERR_CLAIM_VALUE },
		{ "{" PROF ",\"submods\":{\"X\":{\"ear.status\":true}}}",
		  CCAKIT_ERR_CLAIM_VALUE },
		{ "{" PROF ",\"submods\":{\"\":{\"ear.status\":\"none\"}}}",
		  CCAKIT_ERR_CLAIM_VALUE },
		{ "{" PROF ",\"submods\":{\"X\":{\"ear.status\":\"none\","
		  "\"ear.trustworthiness-vector\":{\"hardware\":128}}}}",
		  CCAKIT_ERR_CLAIM_VALUE },
		{ "{" PROF ",\"submods\":{\"X\":{\"ear.status\":\"none\","
		  "\"ear.trustworthiness-vector\":{\"hardware\":-129}}}}",
		  CCAKIT_ERR_CLAIM_VALUE },
		{ "{" PROF ",\"submods\":{\"X\":{\"ear.status\":\"none\","
		  "\"ear.trustworthiness-vector\":{\"hardware\":2.5}}}}",
		  CCAKIT_ERR_CLAIM_VALUE },
		{ "{" PROF ",\"submods\":{\"X\":{\"ear.status\":\"none\","
		  "\"ear.trustworthiness-vector\":{\"hardware\":null}}}}",
		  CCAKIT_ERR_CLAIM_VALUE },
		{ "{" PROF ",\"submods\":{\"X\":{\"ear.status\":\"none\","
		  "\"ear.trustworthiness-vector\":{\"firmware\":2}}}}",
		  CCAKIT_ERR_CLAIM_VALUE },
		{ "{" PROF ",\"submods\":{\"X\":{\"ear.status\":\"none\","
		  "\"ear.trustworthiness-vector\":[]}}}", CCAKIT_ERR_JSON },
		{ "{" PROF ",\"submods\":{\"X\":{\"ear.status\":\"none\","
		  "\"ear.veraison.annotated-evidence\":\"x\"}}}",
		  CCAKIT_ERR_JSON },
		{ "{" PROF ",\"submods\":{\"X\":{\"ear.status\":\"none\","
		  "\"ear.appraisal-policy-id\":{}}}}", CCAKIT_ERR_JSON },
		{ "{" PROF ",\"iat\":-1," SUB "}", CCAKIT_ERR_CLAIM_VALUE },
		{ "{" PROF ",\"iat\":1.5," SUB "}", CCAKIT_ERR_CLAIM_VALUE },
		{ "{" PROF ",\"iat\":\"1\"," SUB "}", CCAKIT_ERR_CLAIM_VALUE },
		{ "{" PROF ",\"exp\":1e300," SUB "}", CCAKIT_ERR_CLAIM_VALUE },
		{ "{" PROF ",\"eat_nonce\":\"short\"," SUB "}",
		  CCAKIT_ERR_CLAIM_VALUE },
		{ "{" PROF ",\"eat_nonce\":[\"AAAAAAAAAAA\"]," SUB "}",
		  CCAKIT_ERR_CLAIM_TYPE },
		{ "{" PROF ",\"ear.raw-evidence\":\"AAA=\"," SUB "}",
		  CCAKIT_ERR_ENCODING },
		{ "{" PROF ",\"ear.verifier-id\":{\"build\":\"b\"}," SUB "}",
		  CCAKIT_ERR_CLAIM_VALUE },
		{ "{" PROF ",\"ear.verifier-id\":{\"build\":\"b\","
		  "\"developer\":\"d\",\"x\":1}," SUB "}",
		  CCAKIT_ERR_CLAIM_VALUE },
		{ "{" PROF ",\"x\":\"\\u0000\"," SUB "}", CCAKIT_ERR_JSON },
	};
	struct ccakit_errdetail d;
	char deep[256], *big;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&d, 0, sizeof(d));
		if (from_json(cases[i].json, &d) != cases[i].want)
			fail_msg("case %zu: got %d (%s), want %d", i, d.code,
			    d.text, cases[i].want);
	}
	/* nesting deeper than the cap */
	n = (size_t)snprintf(deep, sizeof(deep), "{" PROF "," SUB ",\"x\":");
	/* root is depth 0, so MAX_DEPTH arrays fit and one more does not */
	for (i = 0; i < CCAKIT_EAR_MAX_DEPTH; i++)
		deep[n++] = '[';
	for (i = 0; i < CCAKIT_EAR_MAX_DEPTH; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	deep[n] = '\0';
	assert_int_equal(from_json(deep, NULL), CCAKIT_OK);
	n = (size_t)snprintf(deep, sizeof(deep), "{" PROF "," SUB ",\"x\":");
	for (i = 0; i <= CCAKIT_EAR_MAX_DEPTH; i++)
		deep[n++] = '[';
	for (i = 0; i <= CCAKIT_EAR_MAX_DEPTH; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	deep[n] = '\0';
	assert_int_equal(from_json(deep, NULL), CCAKIT_ERR_JSON);
	/* over the size cap */
	n = CCAKIT_EAR_MAX_JSON + 1;
	assert_non_null(big = malloc(n + 1));
	memset(big, ' ', n);
	big[n] = '\0';
	assert_int_equal(from_json(big, NULL), CCAKIT_ERR_TOO_LARGE);
	free(big);
}

/* The tier of submod X of a claims set, or -1 when it does not parse. */
static int
status_of(const char *status_json)
{
	char json[256];
	enum ccakit_tier t;
	ccakit_ear *e;
	int r;

	snprintf(json, sizeof(json), "{" PROF ",\"submods\":{\"X\":"
	    "{\"ear.status\":%s}}}", status_json);
	assert_non_null(e = ccakit_ear_new());
	r = ccakit_ear_from_json(e, json, strlen(json), NULL);
	if (r == CCAKIT_OK)
		assert_int_equal(ccakit_ear_submod_status(e, "X", &t),
		    CCAKIT_OK);
	ccakit_ear_free(&e);
	return r == CCAKIT_OK ? (int)t : -1;
}

/* The executables claim of submod X, or 1000 when it does not parse. */
static int
claim_of(const char *claim_json)
{
	char json[256];
	struct ccakit_tv tv;
	ccakit_ear *e;
	int r;

	snprintf(json, sizeof(json), "{" PROF ",\"submods\":{\"X\":"
	    "{\"ear.status\":\"none\",\"ear.trustworthiness-vector\":"
	    "{\"executables\":%s}}}}", claim_json);
	assert_non_null(e = ccakit_ear_new());
	r = ccakit_ear_from_json(e, json, strlen(json), NULL);
	if (r == CCAKIT_OK) {
		assert_int_equal(ccakit_ear_submod_tv(e, "X", &tv), CCAKIT_OK);
		assert_true(ccakit_tv_is_set(&tv, CCAKIT_TV_EXECUTABLES));
	}
	ccakit_ear_free(&e);
	return r == CCAKIT_OK ? tv.v[CCAKIT_TV_EXECUTABLES] : 1000;
}

/*
 * veraison/ear reads ear.status as a name or a number (0, 2, 32, 96, or
 * such a number in a string) and each trust claim as a number, a number
 * in a string, or the name of a claim value (snake_case as in its
 * tables; CamelCase, '-' and '.' fold to it).
 */
static void
test_claim_forms(void **state)
{
	static const struct {
		const char *json;
		int want;
	} st[] = {
		{ "\"none\"", CCAKIT_TIER_NONE },
		{ "\"affirming\"", CCAKIT_TIER_AFFIRMING },
		{ "\"warning\"", CCAKIT_TIER_WARNING },
		{ "\"contraindicated\"", CCAKIT_TIER_CONTRAINDICATED },
		{ "0", CCAKIT_TIER_NONE },
		{ "2", CCAKIT_TIER_AFFIRMING },
		{ "32", CCAKIT_TIER_WARNING },
		{ "96", CCAKIT_TIER_CONTRAINDICATED },
		{ "32.0", CCAKIT_TIER_WARNING },
		{ "\"96\"", CCAKIT_TIER_CONTRAINDICATED },
		{ "\"+2\"", CCAKIT_TIER_AFFIRMING },
		{ "3", -1 },
		{ "-2", -1 },
		{ "2.5", -1 },
		{ "\"33\"", -1 },
		{ "\"Affirming\"", -1 },
		{ "\" 2\"", -1 },
		{ "\"\"", -1 },
		{ "null", -1 },
		{ "[2]", -1 },
	};
	static const struct {
		const char *json;
		int want;
	} tc[] = {
		{ "2", 2 },
		{ "-128", -128 },
		{ "127", 127 },
		{ "33.0", 33 },
		{ "\"33\"", 33 },
		{ "\"-1\"", -1 },
		{ "\"approved_rt\"", 2 },
		{ "\"approved_boot\"", 3 },
		{ "\"unsafe_rt\"", 32 },
		{ "\"unrecognized_rt\"", 33 },
		{ "\"contraindicated_rt\"", 96 },
		{ "\"crypto_failed\"", 99 },
		{ "\"verifier_malfunction\"", -1 },
		{ "\"no_claim\"", 0 },
		{ "\"unexected_evidence\"", 1 },
		{ "\"unrecognized_instance\"", 97 },
		{ "\"unsupportable_config\"", 96 },
		{ "\"safe_config\"", 3 },
		{ "\"isolated_rt\"", 32 },
		{ "\"sw_encrypted_secrets\"", 32 },
		{ "\"contraindicated_sources\"", 96 },
		/* a name of another claim's table, as veraison/ear allows */
		{ "\"genuine_hw\"", 2 },
		{ "\"unrecognized-rt\"", 33 },
		{ "\"unrecognized.rt\"", 33 },
		{ "\"UnrecognizedRT\"", 33 },
		{ "\"UNRECOGNIZED_RT\"", 33 },
		{ "\"hwEncryptedSecrets\"", 2 },
		{ "128", 1000 },
		{ "-129", 1000 },
		{ "\"200\"", 1000 },
		{ "2.5", 1000 },
		{ "\"warning\"", 1000 },
		{ "\"approvedrt\"", 1000 },
		{ "\"approved_rt \"", 1000 },
		{ "\"\"", 1000 },
		{ "true", 1000 },
		{ "{}", 1000 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(st) / sizeof(st[0]); i++)
		if (status_of(st[i].json) != st[i].want)
			fail_msg("ear.status %s: got %d, want %d", st[i].json,
			    status_of(st[i].json), st[i].want);
	for (i = 0; i < sizeof(tc) / sizeof(tc[0]); i++)
		if (claim_of(tc[i].json) != tc[i].want)
			fail_msg("claim %s: got %d, want %d", tc[i].json,
			    claim_of(tc[i].json), tc[i].want);
}

/* Other forms are written back in the canonical one; the profile as is. */
static void
test_claim_forms_normalised(void **state)
{
	static const char json[] = "{\"eat_profile\":\"tag:github.com,2024:"
	    "confidential-containers/Trustee\",\"submods\":{\"cpu0\":{"
	    "\"ear.status\":32,\"ear.trustworthiness-vector\":{"
	    "\"executables\":\"unrecognized_rt\",\"hardware\":\"2\","
	    "\"configuration\":36.0}}}}";
	ccakit_ear *e, *e2;
	char *a = NULL, *b = NULL;

	(void)state;
	assert_non_null(e = ccakit_ear_new());
	assert_int_equal(ccakit_ear_from_json(e, json, strlen(json), NULL),
	    CCAKIT_OK);
	assert_string_equal(ccakit_ear_profile(e), CCAKIT_EAR_PROFILE_TRUSTEE);
	assert_int_equal(ccakit_ear_to_json(e, 0, &a), CCAKIT_OK);
	assert_string_equal(a, "{\"eat_profile\":\"tag:github.com,2024:"
	    "confidential-containers/Trustee\",\"submods\":{\"cpu0\":{"
	    "\"ear.status\":\"warning\",\"ear.trustworthiness-vector\":{"
	    "\"configuration\":36,\"executables\":33,\"hardware\":2}}}}");
	assert_non_null(e2 = ccakit_ear_new());
	assert_int_equal(ccakit_ear_from_json(e2, a, strlen(a), NULL),
	    CCAKIT_OK);
	assert_int_equal(ccakit_ear_to_json(e2, 0, &b), CCAKIT_OK);
	assert_string_equal(a, b);
	free(a);
	free(b);
	ccakit_ear_free(&e);
	ccakit_ear_free(&e2);
}

/* A signed EAR with names, numbers and the Trustee profile verifies. */
static void
test_jwt_claim_forms(void **state)
{
	static const char claims[] = "{\"eat_profile\":\"tag:github.com,"
	    "2024:confidential-containers/Trustee\",\"iat\":1700000000,"
	    "\"ear.verifier-id\":{\"build\":\"b\",\"developer\":\"d\"},"
	    "\"submods\":{\"CCA_REALM\":{\"ear.status\":\"32\","
	    "\"ear.trustworthiness-vector\":{\"instance-identity\":"
	    "\"recognized_instance\",\"executables\":\"unrecognized_rt\"}},"
	    "\"CCA_SSD_PLATFORM\":{\"ear.status\":2}}}";
	struct ccakit_ear_verify_opts o;
	struct ccakit_tv tv;
	enum ccakit_tier t;
	ccakit_key *priv, *pub;
	ccakit_ear *v = NULL;
	char *jwt = NULL;

	(void)state;
	priv = tt_gen_key("P-256");
	pub = tt_pub_of(priv);
	assert_int_equal(ccakit_jws_sign(priv, CCAKIT_COSE_ES256, "JWT",
	    (const uint8_t *)claims, strlen(claims), &jwt), CCAKIT_OK);
	memset(&o, 0, sizeof(o));
	o.now = NOW + 10;
	assert_int_equal(verify(jwt, pub, &o, &v), CCAKIT_OK);
	assert_string_equal(ccakit_ear_profile(v), CCAKIT_EAR_PROFILE_TRUSTEE);
	assert_int_equal(ccakit_ear_submod_status(v, "CCA_REALM", &t),
	    CCAKIT_OK);
	assert_int_equal(t, CCAKIT_TIER_WARNING);
	assert_int_equal(ccakit_ear_submod_status(v, "CCA_SSD_PLATFORM", &t),
	    CCAKIT_OK);
	assert_int_equal(t, CCAKIT_TIER_AFFIRMING);
	assert_int_equal(ccakit_ear_submod_tv(v, "CCA_REALM", &tv), CCAKIT_OK);
	assert_int_equal(tv.v[CCAKIT_TV_INSTANCE_IDENTITY], 2);
	assert_int_equal(tv.v[CCAKIT_TV_EXECUTABLES], 33);
	ccakit_ear_free(&v);
	free(jwt);
	ccakit_key_free(&priv);
	ccakit_key_free(&pub);
}

/* A failed parse leaves the EAR as it was. */
static void
parse_atomic(ccakit_ear *e, size_t nsubmods)
{
	char *a = NULL, *b = NULL;

	assert_int_equal(ccakit_ear_to_json(e, 0, &a), CCAKIT_OK);
	assert_int_equal(ccakit_ear_from_json(e, "{}", 2, NULL),
	    CCAKIT_ERR_CLAIM_MISSING);
	assert_int_equal(ccakit_ear_to_json(e, 0, &b), CCAKIT_OK);
	assert_string_equal(a, b);
	assert_int_equal(ccakit_ear_submod_count(e), nsubmods);
	free(a);
	free(b);
}

static void
test_parse_atomic(void **state)
{
	ccakit_ear *e;

	(void)state;
	e = build();
	parse_atomic(e, 1);
	ccakit_ear_free(&e);
	if (!tu_have_vectors("keybroker-demo"))
		return;
	e = ear_vector();
	parse_atomic(e, 2);
	ccakit_ear_free(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector_claims),
		cmocka_unit_test(test_json_roundtrip),
		cmocka_unit_test(test_build_accessors),
		cmocka_unit_test(test_jwt_roundtrip),
		cmocka_unit_test(test_jwt_times),
		cmocka_unit_test(test_cear_vector),
		cmocka_unit_test(test_jwt_flips),
		cmocka_unit_test(test_alg_none),
		cmocka_unit_test(test_claims_strict),
		cmocka_unit_test(test_parse_atomic),
		cmocka_unit_test(test_claim_forms),
		cmocka_unit_test(test_claim_forms_normalised),
		cmocka_unit_test(test_jwt_claim_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
