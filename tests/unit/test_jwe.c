/*
 * Unit tests for the TEE keys and JWE of lib/jose, on keys the tests
 * generate. Trustee's derived vectors are in test_jwe_vectors.c, the
 * independent implementation (jwcrypto) in tests/oracle/.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ccakit/bytes.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/jose.h>

#include "jose/jose_priv.h"
#include "testutil.h"

static const char *const kinds[] = {
	"ECDH-ES+A256KW-P256", "ECDH-ES+A256KW-P384", "ECDH-ES+A256KW-P521",
	"RSA-OAEP-256",
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

/* Generated once: RSA key generation is slow. */
static ccakit_teekey *priv_keys[NKINDS], *pub_keys[NKINDS];

static ccakit_teekey *
pub_of(const ccakit_teekey *k)
{
	struct ccakit_errdetail d;
	ccakit_teekey *p = ccakit_teekey_new();
	char *jwk = NULL;

	assert_non_null(p);
	assert_int_equal(ccakit_teekey_to_jwk(k, &jwk), CCAKIT_OK);
	if (ccakit_teekey_from_jwk(p, jwk, strlen(jwk), 0, &d) != CCAKIT_OK)
		fail_msg("%s: %s", jwk, d.text);
	free(jwk);
	return p;
}

static int
setup(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NKINDS; i++) {
		priv_keys[i] = ccakit_teekey_new();
		if (priv_keys[i] == NULL ||
		    ccakit_teekey_generate(priv_keys[i], kinds[i]) != CCAKIT_OK)
			return -1;
		pub_keys[i] = pub_of(priv_keys[i]);
	}
	return 0;
}

static int
teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NKINDS; i++) {
		ccakit_teekey_free(&priv_keys[i]);
		ccakit_teekey_free(&pub_keys[i]);
	}
	return 0;
}

static int
dec(const ccakit_teekey *k, const char *jwe, size_t len, uint8_t **pt,
    size_t *ptlen, struct ccakit_errdetail *d)
{
	return ccakit_jwe_decrypt(k, jwe, len, pt, ptlen, d);
}

/* Decryption must fail with code (0: any error). */
static void
expect_refused(const ccakit_teekey *k, const char *jwe, size_t len, int code,
    const char *needle)
{
	struct ccakit_errdetail d;
	uint8_t *pt = (uint8_t *)1;
	size_t n = 7;
	int r;

	memset(&d, 0, sizeof(d));
	r = dec(k, jwe, len, &pt, &n, &d);
	if (r == CCAKIT_OK || (code != 0 && r != code))
		fail_msg("%.*s: got %d (%s) %s, want %d", (int)(len > 200 ?
		    200 : len), jwe, r, ccakit_strerror(r), d.text, code);
	assert_null(pt);
	assert_int_equal(n, 0);
	if (needle != NULL && strstr(d.text, needle) == NULL)
		fail_msg("detail \"%s\" lacks \"%s\"", d.text, needle);
}

static char *
b64u(const void *p, size_t n)
{
	size_t cap = ccakit_b64_encoded_len(n, CCAKIT_B64_URL) + 1;
	char *s = malloc(cap);

	assert_non_null(s);
	assert_int_equal(ccakit_b64_encode(p, n, CCAKIT_B64_URL, s, cap),
	    CCAKIT_OK);
	return s;
}

static uint8_t *
unb64u(const char *s, size_t len, size_t *n)
{
	uint8_t *out = NULL;

	assert_int_equal(cki_b64url_decode_dup(s, len, &out, n), CCAKIT_OK);
	return out;
}

/* The decoded protected header of a compact JWE (malloc'd string). */
static char *
header_of(const char *compact)
{
	const char *dot = strchr(compact, '.');
	size_t n;

	assert_non_null(dot);
	return (char *)unb64u(compact, (size_t)(dot - compact), &n);
}

/* A compact JWE with its header replaced by the JSON text hdr. */
static char *
with_header(const char *compact, const char *hdr)
{
	const char *dot = strchr(compact, '.');
	char *h = b64u(hdr, strlen(hdr)), *s;
	size_t n = strlen(h) + strlen(dot) + 1;

	s = malloc(n);
	assert_non_null(s);
	(void)snprintf(s, n, "%s%s", h, dot);
	free(h);
	return s;
}

static void
test_roundtrip(void **state)
{
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 1000, 65537 };
	enum ccakit_jwe_form forms[] = { CCAKIT_JWE_COMPACT,
	    CCAKIT_JWE_FLATTENED };
	struct ccakit_errdetail d;
	uint8_t *msg, *pt;
	size_t i, j, f, n;
	char *jwe;

	(void)state;
	msg = malloc(65537);
	assert_non_null(msg);
	for (i = 0; i < 65537; i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	for (i = 0; i < NKINDS; i++)
		for (f = 0; f < 2; f++)
			for (j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++) {
				assert_int_equal(ccakit_jwe_encrypt(pub_keys[i],
				    msg, sizes[j], forms[f], &jwe), CCAKIT_OK);
				if (dec(priv_keys[i], jwe, strlen(jwe), &pt, &n,
				    &d) != CCAKIT_OK)
					fail_msg("%s %zu: %s", kinds[i],
					    sizes[j], d.text);
				assert_int_equal(n, sizes[j]);
				assert_memory_equal(pt, msg, n);
				assert_int_equal(pt[n], 0);
				free(pt);
				free(jwe);
			}
	free(msg);
}

/*
 * The protected header exactly as Trustee serialises it (the AAD), and
 * the flattened form as kbs-types' Response.
 */
static void
test_header_exact(void **state)
{
	static const struct {
		size_t i;
		const char *crv;
		size_t clen64;
	} ec[] = {
		{ 0, "P-256", 43 }, { 1, "P-384", 64 }, { 2, "P-521", 88 },
	};
	char *jwe, *h, want[256];
	json_t *root;
	const char *key;
	const char *order[] = { "protected", "encrypted_key", "iv",
	    "ciphertext", "tag" };
	size_t i, k, hl;
	void *it;

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_int_equal(ccakit_jwe_encrypt(pub_keys[ec[i].i],
		    (const uint8_t *)"s", 1, CCAKIT_JWE_COMPACT, &jwe),
		    CCAKIT_OK);
		h = header_of(jwe);
		(void)snprintf(want, sizeof(want), "{\"alg\":\"ECDH-ES+A256KW\","
		    "\"enc\":\"A256GCM\",\"epk\":{\"crv\":\"%s\",\"kty\":\"EC\","
		    "\"x\":\"", ec[i].crv);
		assert_memory_equal(h, want, strlen(want));
		hl = strlen(h);
		/* x, y fixed length; then "}} */
		assert_int_equal(hl, strlen(want) + ec[i].clen64 +
		    strlen("\",\"y\":\"") + ec[i].clen64 + 3);
		assert_string_equal(h + hl - 3, "\"}}");
		free(h);
		free(jwe);
	}
	assert_int_equal(ccakit_jwe_encrypt(pub_keys[3], (const uint8_t *)"s",
	    1, CCAKIT_JWE_COMPACT, &jwe), CCAKIT_OK);
	h = header_of(jwe);
	assert_string_equal(h, "{\"alg\":\"RSA-OAEP-256\",\"enc\":\"A256GCM\"}");
	free(h);
	free(jwe);

	/* Flattened: members in kbs-types' order, no "aad". */
	assert_int_equal(ccakit_jwe_encrypt(pub_keys[0], (const uint8_t *)"s",
	    1, CCAKIT_JWE_FLATTENED, &jwe), CCAKIT_OK);
	/* base64url of {"alg":"ECDH-ES+A256KW","enc":"A256GCM","epk":
	 * {"crv":"P-256","kty":"EC","x" (the first 75 bytes). */
	assert_memory_equal(jwe, "{\"protected\":\"eyJhbGciOiJFQ0RILUVTK0Ey"
	    "NTZLVyIsImVuYyI6IkEyNTZHQ00iLCJlcGsiOnsiY3J2IjoiUC0yNTYiLCJrdHki"
	    "OiJFQyIsIngi", 114);
	root = json_loads(jwe, JSON_PRESERVE_ORDER, NULL);
	assert_non_null(root);
	assert_int_equal(json_object_size(root), 5);
	for (it = json_object_iter(root), k = 0; it != NULL;
	    it = json_object_iter_next(root, it), k++) {
		key = json_object_iter_key(it);
		assert_string_equal(key, order[k]);
	}
	json_decref(root);
	free(jwe);
}

/* Two encryptions of one plaintext share nothing but the header shape. */
static void
test_fresh_randomness(void **state)
{
	char *a, *b;
	size_t i;

	(void)state;
	for (i = 0; i < NKINDS; i++) {
		assert_int_equal(ccakit_jwe_encrypt(pub_keys[i],
		    (const uint8_t *)"same", 4, CCAKIT_JWE_COMPACT, &a),
		    CCAKIT_OK);
		assert_int_equal(ccakit_jwe_encrypt(pub_keys[i],
		    (const uint8_t *)"same", 4, CCAKIT_JWE_COMPACT, &b),
		    CCAKIT_OK);
		assert_string_not_equal(a, b);
		/* RSA: the header is constant, the rest is not. */
		assert_string_not_equal(strchr(a, '.'), strchr(b, '.'));
		free(a);
		free(b);
	}
}

/*
 * Every bit of every character of a compact and a flattened JWE,
 * flipped, is refused; so is every truncation.
 */
static void
test_bitflips_and_truncation(void **state)
{
	size_t i, k, len, kinds_tested[] = { 0, 3 };
	enum ccakit_jwe_form forms[] = { CCAKIT_JWE_COMPACT,
	    CCAKIT_JWE_FLATTENED };
	int bit, f;
	char *jwe, *m;

	(void)state;
	for (k = 0; k < 2; k++)
		for (f = 0; f < 2; f++) {
			assert_int_equal(ccakit_jwe_encrypt(
			    pub_keys[kinds_tested[k]],
			    (const uint8_t *)"secret", 6, forms[f], &jwe),
			    CCAKIT_OK);
			len = strlen(jwe);
			m = malloc(len + 1);
			assert_non_null(m);
			/* RSA decryption is slow: two bits per byte. */
			for (i = 0; i < len; i++)
				for (bit = 0; bit < 8; bit += k == 1 ? 5 : 1) {
					memcpy(m, jwe, len + 1);
					m[i] = (char)(m[i] ^ (1 << bit));
					expect_refused(priv_keys[kinds_tested[k]],
					    m, len, 0, NULL);
				}
			for (i = 0; i < len; i++)
				expect_refused(priv_keys[kinds_tested[k]], jwe,
				    i, 0, NULL);
			free(m);
			free(jwe);
		}
}

/* A flipped bit in a decoded part is a decryption failure, nothing else. */
static void
test_modified_parts(void **state)
{
	char *jwe, *seg[5], *m, *e;
	size_t i, part, n, len, k;
	uint8_t *raw;

	(void)state;
	for (k = 0; k < NKINDS; k++) {
		assert_int_equal(ccakit_jwe_encrypt(pub_keys[k],
		    (const uint8_t *)"secret value", 12, CCAKIT_JWE_COMPACT,
		    &jwe), CCAKIT_OK);
		seg[0] = jwe;
		for (i = 1; i < 5; i++) {
			seg[i] = strchr(seg[i - 1], '.');
			assert_non_null(seg[i]);
			*seg[i]++ = '\0';
		}
		for (part = 1; part < 5; part++) {
			raw = unb64u(seg[part], strlen(seg[part]), &n);
			for (i = 0; i < n * 8; i += n > 40 ? 97 : 5) {
				raw[i / 8] ^= (uint8_t)(1u << (i % 8));
				e = b64u(raw, n);
				len = strlen(jwe) + 8 + strlen(seg[1]) +
				    strlen(seg[2]) + strlen(seg[3]) +
				    strlen(seg[4]) + strlen(e);
				m = malloc(len);
				assert_non_null(m);
				(void)snprintf(m, len, "%s.%s.%s.%s.%s", seg[0],
				    part == 1 ? e : seg[1],
				    part == 2 ? e : seg[2],
				    part == 3 ? e : seg[3],
				    part == 4 ? e : seg[4]);
				expect_refused(priv_keys[k], m, strlen(m),
				    CCAKIT_ERR_DECRYPT, "wrong key");
				free(m);
				free(e);
				raw[i / 8] ^= (uint8_t)(1u << (i % 8));
			}
			free(raw);
		}
		free(jwe);
	}
}

static void
test_wrong_key_and_curve(void **state)
{
	ccakit_teekey *other = ccakit_teekey_new();
	char *jwe;
	size_t i;

	(void)state;
	for (i = 0; i < NKINDS; i++) {
		assert_int_equal(ccakit_teekey_generate(other, kinds[i]),
		    CCAKIT_OK);
		assert_int_equal(ccakit_jwe_encrypt(pub_keys[i],
		    (const uint8_t *)"x", 1, CCAKIT_JWE_COMPACT, &jwe),
		    CCAKIT_OK);
		/* Same algorithm and curve, another key. */
		expect_refused(other, jwe, strlen(jwe), CCAKIT_ERR_DECRYPT,
		    "wrong key");
		/* A public key cannot decrypt. */
		expect_refused(pub_keys[i], jwe, strlen(jwe),
		    CCAKIT_ERR_INVALID_ARG, "private");
		/* Another curve or key type. */
		expect_refused(priv_keys[(i + 1) % NKINDS], jwe, strlen(jwe),
		    CCAKIT_ERR_KEY_MISMATCH, i < 2 ? "curve" : "key");
		free(jwe);
	}
	ccakit_teekey_free(&other);
}

/* Header checks come before any cryptography. */
static void
test_header_refused(void **state)
{
	static const struct {
		const char *hdr;
		int code;
		const char *needle;
	} t[] = {
		{ "{\"alg\":\"RSA1_5\",\"enc\":\"A256GCM\"}", CCAKIT_ERR_COSE_ALG,
		    "RSA1_5" },
		{ "{\"alg\":\"dir\",\"enc\":\"A256GCM\"}", CCAKIT_ERR_COSE_ALG,
		    "dir" },
		{ "{\"alg\":\"none\",\"enc\":\"A256GCM\"}", CCAKIT_ERR_COSE_ALG,
		    "none" },
		{ "{\"alg\":\"ECDH-ES\",\"enc\":\"A256GCM\"}",
		    CCAKIT_ERR_COSE_ALG, "ECDH-ES" },
		{ "{\"alg\":\"ECDH-ES+A128KW\",\"enc\":\"A256GCM\"}",
		    CCAKIT_ERR_COSE_ALG, "A128KW" },
		{ "{\"enc\":\"A256GCM\"}", CCAKIT_ERR_COSE_ALG, "alg" },
		{ "{\"alg\":7,\"enc\":\"A256GCM\"}", CCAKIT_ERR_COSE_ALG, "alg" },
		{ "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A128GCM\"}",
		    CCAKIT_ERR_COSE_ALG, "A128GCM" },
		{ "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256CBC-HS512\"}",
		    CCAKIT_ERR_COSE_ALG, "A256CBC" },
		{ "{\"alg\":\"ECDH-ES+A256KW\"}", CCAKIT_ERR_COSE_ALG, "enc" },
		{ "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"zip\":"
		    "\"DEF\"}", CCAKIT_ERR_COSE_ALG, "zip" },
		{ "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"crit\":"
		    "[\"exp\"],\"exp\":1}", CCAKIT_ERR_COSE_ALG, "crit" },
		{ "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\"}",
		    CCAKIT_ERR_JSON, "epk" },
		{ "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"epk\":\"x\"}",
		    CCAKIT_ERR_JSON, "epk" },
		{ "{\"alg\":\"RSA-OAEP-256\",\"enc\":\"A256GCM\"}",
		    CCAKIT_ERR_KEY_MISMATCH, "RSA" },
		{ "{\"alg\":\"ECDH-ES+A256KW\",\"alg\":\"ECDH-ES+A256KW\","
		    "\"enc\":\"A256GCM\"}", CCAKIT_ERR_JSON, "duplicate" },
		{ "[\"alg\"]", CCAKIT_ERR_JSON, "object" },
		{ "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"epk\":"
		    "{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"AA\"}}",
		    CCAKIT_ERR_KEY_INVALID, "EC" },
		{ "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"epk\":"
		    "{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"AA\",\"y\":\"AA\"}}",
		    CCAKIT_ERR_KEY_MISMATCH, "P-384" },
		{ "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"epk\":"
		    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":\"AA\"}}",
		    CCAKIT_ERR_KEY_INVALID, "bytes" },
		{ "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"epk\":"
		    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AA==\",\"y\":\"AA\"}}",
		    CCAKIT_ERR_ENCODING, "base64url" },
	};
	char *jwe, *m;
	size_t i;

	(void)state;
	assert_int_equal(ccakit_jwe_encrypt(pub_keys[0], (const uint8_t *)"x",
	    1, CCAKIT_JWE_COMPACT, &jwe), CCAKIT_OK);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		m = with_header(jwe, t[i].hdr);
		expect_refused(priv_keys[0], m, strlen(m), t[i].code,
		    t[i].needle);
		free(m);
	}
	free(jwe);
}

/* An epk off the curve, or with a private part, is refused. */
static void
test_invalid_point(void **state)
{
	char *jwe, *h, *m, *p, *y;
	uint8_t *raw;
	size_t n;

	(void)state;
	assert_int_equal(ccakit_jwe_encrypt(pub_keys[0], (const uint8_t *)"x",
	    1, CCAKIT_JWE_COMPACT, &jwe), CCAKIT_OK);
	h = header_of(jwe);
	/* Change the last byte of y: (x, y') is not on P-256. */
	p = strstr(h, "\"y\":\"");
	assert_non_null(p);
	p += 5;
	raw = unb64u(p, 43, &n);
	assert_int_equal(n, 32);
	raw[31] ^= 1;
	y = b64u(raw, 32);
	memcpy(p, y, 43);
	m = with_header(jwe, h);
	expect_refused(priv_keys[0], m, strlen(m), CCAKIT_ERR_KEY_INVALID,
	    "not a point on P-256");
	free(m);
	free(y);
	free(raw);
	free(h);

	/* The point at infinity has no affine form: all-zero coordinates. */
	m = with_header(jwe, "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\","
	    "\"epk\":{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"AAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"y\":\"AAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAA\"}}");
	expect_refused(priv_keys[0], m, strlen(m), CCAKIT_ERR_KEY_INVALID,
	    "point");
	free(m);

	h = header_of(jwe);
	p = strstr(h, "\"kty\"");
	assert_non_null(p);
	n = strlen(h) + 16;
	m = malloc(n);
	assert_non_null(m);
	(void)snprintf(m, n, "%.*s\"d\":\"AA\",%s", (int)(p - h), h, p);
	free(h);
	h = with_header(jwe, m);
	expect_refused(priv_keys[0], h, strlen(h), CCAKIT_ERR_KEY_INVALID,
	    "private");
	free(h);
	free(m);
	free(jwe);
}

/* Segment structure, sizes and the flattened form's members. */
static void
test_structure_refused(void **state)
{
	char *jwe, *m, *seg[5];
	size_t i, n;
	json_t *root;
	char *s;

	(void)state;
	assert_int_equal(ccakit_jwe_encrypt(pub_keys[0], (const uint8_t *)"x",
	    1, CCAKIT_JWE_COMPACT, &jwe), CCAKIT_OK);
	n = strlen(jwe) + 64;
	m = malloc(n);
	assert_non_null(m);
	(void)snprintf(m, n, "%s.", jwe);
	expect_refused(priv_keys[0], m, strlen(m), CCAKIT_ERR_ENCODING,
	    "five");
	(void)snprintf(m, n, " %s", jwe);
	expect_refused(priv_keys[0], m, strlen(m), CCAKIT_ERR_ENCODING, NULL);
	(void)snprintf(m, n, "%s\n", jwe);
	expect_refused(priv_keys[0], m, strlen(m), CCAKIT_ERR_ENCODING, NULL);
	expect_refused(priv_keys[0], "....", 4, CCAKIT_ERR_ENCODING, "empty");
	expect_refused(priv_keys[0], "", 0, CCAKIT_ERR_ENCODING, "five");
	expect_refused(priv_keys[0], jwe, CCAKIT_JWE_MAX_LEN + 1,
	    CCAKIT_ERR_TOO_LARGE, NULL);
	/* Sizes: a 11-byte iv, a 15-byte tag, a 39-byte key. */
	seg[0] = jwe;
	for (i = 1; i < 5; i++) {
		seg[i] = strchr(seg[i - 1], '.');
		*seg[i]++ = '\0';
	}
	(void)snprintf(m, n, "%s.%s.%.14s.%s.%s", seg[0], seg[1], seg[2],
	    seg[3], seg[4]);
	expect_refused(priv_keys[0], m, strlen(m), CCAKIT_ERR_ENCODING, "iv");
	(void)snprintf(m, n, "%s.%s.%s.%s.%.20s", seg[0], seg[1], seg[2],
	    seg[3], seg[4]);
	expect_refused(priv_keys[0], m, strlen(m), CCAKIT_ERR_ENCODING, "tag");
	(void)snprintf(m, n, "%s.%.52s.%s.%s.%s", seg[0], seg[1], seg[2],
	    seg[3], seg[4]);
	expect_refused(priv_keys[0], m, strlen(m), CCAKIT_ERR_ENCODING,
	    "encrypted_key");
	free(m);
	free(jwe);

	/* Flattened: unsupported or missing members. */
	assert_int_equal(ccakit_jwe_encrypt(pub_keys[0], (const uint8_t *)"x",
	    1, CCAKIT_JWE_FLATTENED, &jwe), CCAKIT_OK);
	{
		static const char *const extra[][2] = {
			{ "aad", "aad" }, { "header", "unprotected" },
			{ "unprotected", "unprotected" },
			{ "recipients", "general" },
		};
		static const char *const need[] = { "protected",
		    "encrypted_key", "iv", "ciphertext", "tag" };

		for (i = 0; i < 4; i++) {
			root = json_loads(jwe, 0, NULL);
			json_object_set_new(root, extra[i][0], json_string("x"));
			s = json_dumps(root, JSON_COMPACT);
			expect_refused(priv_keys[0], s, strlen(s),
			    CCAKIT_ERR_JSON, extra[i][1]);
			free(s);
			json_decref(root);
		}
		for (i = 0; i < 5; i++) {
			root = json_loads(jwe, 0, NULL);
			json_object_del(root, need[i]);
			s = json_dumps(root, JSON_COMPACT);
			expect_refused(priv_keys[0], s, strlen(s),
			    CCAKIT_ERR_JSON, need[i]);
			free(s);
			json_decref(root);
		}
		/* Unknown members are ignored (RFC 7516 §7.2). */
		root = json_loads(jwe, 0, NULL);
		json_object_set_new(root, "note", json_string("ignored"));
		s = json_dumps(root, JSON_COMPACT | JSON_INDENT(2));
		{
			uint8_t *pt;
			size_t ptlen;

			assert_int_equal(dec(priv_keys[0], s, strlen(s), &pt,
			    &ptlen, NULL), CCAKIT_OK);
			assert_int_equal(ptlen, 1);
			free(pt);
		}
		free(s);
		json_decref(root);
	}
	expect_refused(priv_keys[0], "{\"protected\":1}", 15, CCAKIT_ERR_JSON,
	    "protected");
	expect_refused(priv_keys[0], "{", 1, CCAKIT_ERR_JSON, NULL);
	expect_refused(priv_keys[0], "{\"a\":1,\"a\":1}", 13, CCAKIT_ERR_JSON,
	    "duplicate");
	free(jwe);
}

/*
 * apu and apv enter the Concat KDF: a JWE made with them decrypts, and
 * one whose apu is changed in the header (AAD changes too, but the key
 * unwrap fails first) does not.
 */
static void
test_apu_apv(void **state)
{
	struct cki_jwe_fixed fx;
	uint8_t *pt;
	size_t n;
	char *jwe, *h, *m;

	(void)state;
	memset(&fx, 0, sizeof(fx));
	fx.apu = (const uint8_t *)"Alice";
	fx.apulen = 5;
	fx.apv = (const uint8_t *)"Bob";
	fx.apvlen = 3;
	assert_int_equal(cki_jwe_encrypt(pub_keys[1], (const uint8_t *)"hi", 2,
	    CCAKIT_JWE_COMPACT, &fx, &jwe), CCAKIT_OK);
	h = header_of(jwe);
	assert_non_null(strstr(h, "\"enc\":\"A256GCM\",\"apu\":\"QWxpY2U\","
	    "\"apv\":\"Qm9i\",\"epk\":{"));
	assert_int_equal(dec(priv_keys[1], jwe, strlen(jwe), &pt, &n, NULL),
	    CCAKIT_OK);
	assert_int_equal(n, 2);
	free(pt);
	m = strstr(h, "QWxpY2U");
	m[0] = 'R';	/* "Elice" */
	m = with_header(jwe, h);
	expect_refused(priv_keys[1], m, strlen(m), CCAKIT_ERR_DECRYPT, NULL);
	free(m);
	/* Not base64url. */
	m = strstr(h, "RWxpY2U");
	m[0] = '*';
	m = with_header(jwe, h);
	expect_refused(priv_keys[1], m, strlen(m), CCAKIT_ERR_ENCODING, "apu");
	free(m);
	free(h);
	free(jwe);
}

/* RFC 7518 Appendix C: the Concat KDF with apu "Alice", apv "Bob". */
static void
test_concat_kdf_rfc7518(void **state)
{
	static const uint8_t z[] = {
		158, 86, 217, 29, 129, 113, 53, 211, 114, 131, 66, 131, 191,
		132, 38, 156, 251, 49, 110, 163, 218, 128, 106, 72, 246, 218,
		167, 121, 140, 254, 144, 196,
	};
	uint8_t key[16];
	char *s;

	(void)state;
	assert_int_equal(cki_concat_kdf(z, sizeof(z), "A128GCM",
	    (const uint8_t *)"Alice", 5, (const uint8_t *)"Bob", 3, key,
	    sizeof(key)), CCAKIT_OK);
	s = b64u(key, sizeof(key));
	assert_string_equal(s, "VqqN6vgjbSBcIijNcacQGg");
	free(s);
}

/* --- TEE keys --- */

static int
jwk_load(const char *jwk, unsigned flags, struct ccakit_errdetail *d)
{
	ccakit_teekey *k = ccakit_teekey_new();
	int r;

	assert_non_null(k);
	memset(d, 0, sizeof(*d));
	r = ccakit_teekey_from_jwk(k, jwk, strlen(jwk), flags, d);
	ccakit_teekey_free(&k);
	return r;
}

static void
expect_jwk(const char *jwk, unsigned flags, int code, const char *needle)
{
	struct ccakit_errdetail d;
	int r = jwk_load(jwk, flags, &d);

	if (r != code)
		fail_msg("%s: got %d (%s), want %d", jwk, r, d.text, code);
	if (needle != NULL && strstr(d.text, needle) == NULL)
		fail_msg("%s: detail \"%s\" lacks \"%s\"", jwk, d.text, needle);
}

/* The JWK of key i with member name set to value (NULL: removed). */
static char *
jwk_with(size_t i, const char *name, const char *value)
{
	char *jwk, *s;
	json_t *root;

	assert_int_equal(ccakit_teekey_to_jwk(pub_keys[i], &jwk), CCAKIT_OK);
	root = json_loads(jwk, JSON_PRESERVE_ORDER, NULL);
	assert_non_null(root);
	if (value == NULL)
		json_object_del(root, name);
	else
		json_object_set_new(root, name, json_string(value));
	s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	free(jwk);
	return s;
}

static void
test_teekey_jwk_forms(void **state)
{
	char *jwk;
	json_t *root;
	const char *key;
	void *it;
	size_t i, k;
	static const char *const ec_order[] = { "kty", "crv", "alg", "x",
	    "y" };
	static const char *const rsa_order[] = { "kty", "alg", "n", "e" };

	(void)state;
	for (i = 0; i < NKINDS; i++) {
		assert_int_equal(ccakit_teekey_to_jwk(priv_keys[i], &jwk),
		    CCAKIT_OK);
		root = json_loads(jwk, JSON_PRESERVE_ORDER, NULL);
		assert_non_null(root);
		for (it = json_object_iter(root), k = 0; it != NULL;
		    it = json_object_iter_next(root, it), k++) {
			key = json_object_iter_key(it);
			assert_string_equal(key, i < 3 ? ec_order[k] :
			    rsa_order[k]);
		}
		assert_int_equal(k, i < 3 ? 5 : 4);
		json_decref(root);
		free(jwk);
		assert_int_equal(ccakit_teekey_alg(priv_keys[i]), i < 3 ?
		    CCAKIT_JWE_ECDH_ES_A256KW : CCAKIT_JWE_RSA_OAEP_256);
		assert_true(ccakit_teekey_has_private(priv_keys[i]));
		assert_false(ccakit_teekey_has_private(pub_keys[i]));
	}
	assert_int_equal(ccakit_teekey_bits(priv_keys[0]), 256);
	assert_int_equal(ccakit_teekey_bits(priv_keys[2]), 521);
	assert_int_equal(ccakit_teekey_bits(priv_keys[3]), 2048);
	assert_int_equal(ccakit_teekey_crv(priv_keys[1]), CCAKIT_COSE_CRV_P384);
	assert_int_equal(ccakit_teekey_crv(priv_keys[3]), 0);
	/* Extra members are ignored and dropped from the typed form. */
	jwk = jwk_with(0, "kid", "tee");
	expect_jwk(jwk, 0, CCAKIT_OK, NULL);
	free(jwk);
	jwk = jwk_with(0, "use", "enc");
	expect_jwk(jwk, 0, CCAKIT_OK, NULL);
	free(jwk);
}

static void
test_teekey_jwk_refused(void **state)
{
	static const struct {
		size_t key;		/* 0 EC P-256, 3 RSA */
		const char *name, *value;
		int code;
		const char *needle;
	} t[] = {
		{ 0, "alg", "ES256", CCAKIT_ERR_KEY_INVALID, "ECDH-ES+A256KW" },
		{ 0, "alg", NULL, CCAKIT_ERR_JSON, "alg" },
		{ 0, "kty", "OKP", CCAKIT_ERR_KEY_INVALID, "OKP" },
		{ 0, "kty", "AKP", CCAKIT_ERR_KEY_INVALID, "AKP" },
		{ 0, "kty", NULL, CCAKIT_ERR_JSON, "kty" },
		{ 0, "crv", "P-192", CCAKIT_ERR_KEY_INVALID, "P-192" },
		{ 0, "crv", "secp256k1", CCAKIT_ERR_KEY_INVALID, "curve" },
		{ 0, "x", "AAAA", CCAKIT_ERR_KEY_INVALID, "32" },
		{ 0, "x", NULL, CCAKIT_ERR_JSON, "\"x\"" },
		{ 0, "y", "AA==", CCAKIT_ERR_ENCODING, "base64url" },
		{ 0, "d", "AAAA", CCAKIT_ERR_KEY_INVALID, "private" },
		{ 0, "use", "sig", CCAKIT_ERR_KEY_INVALID, "use" },
		{ 3, "alg", "RSA-OAEP", CCAKIT_ERR_KEY_INVALID, "RSA-OAEP-256" },
		{ 3, "alg", "RSA1_5", CCAKIT_ERR_KEY_INVALID, "RSA-OAEP-256" },
		{ 3, "alg", "ECDH-ES+A256KW", CCAKIT_ERR_KEY_INVALID, "RSA" },
		{ 3, "e", "AAEAAQ", CCAKIT_ERR_KEY_INVALID, "leading zero" },
		{ 3, "e", "AQA", CCAKIT_ERR_KEY_INVALID, "odd" },
		{ 3, "e", "AQ", CCAKIT_ERR_KEY_INVALID, "3 <= e" },
		{ 3, "e", "AQAAAAAAAAAB", CCAKIT_ERR_KEY_INVALID, "8 bytes" },
		{ 3, "e", "AQAB=", CCAKIT_ERR_ENCODING, "base64url" },
		{ 3, "n", "AQAB", CCAKIT_ERR_KEY_INVALID, "RSA-17" },
		{ 3, "p", "AQAB", CCAKIT_ERR_KEY_INVALID, "private" },
		{ 3, "n", NULL, CCAKIT_ERR_JSON, "\"n\"" },
	};
	struct ccakit_errdetail d;
	char *jwk;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		jwk = jwk_with(t[i].key, t[i].name, t[i].value);
		expect_jwk(jwk, 0, t[i].code, t[i].needle);
		free(jwk);
	}
	/* RSA1_5 only with the flag. */
	jwk = jwk_with(3, "alg", "RSA1_5");
	expect_jwk(jwk, CCAKIT_TEEKEY_ALLOW_RSA1_5, CCAKIT_OK, NULL);
	free(jwk);
	expect_jwk("{\"kty\":\"EC\",\"kty\":\"EC\"}", 0, CCAKIT_ERR_JSON,
	    "duplicate");
	expect_jwk("[]", 0, CCAKIT_ERR_JSON, "object");
	expect_jwk("", 0, CCAKIT_ERR_JSON, NULL);
	assert_int_equal(jwk_load("{}", 0x80, &d), CCAKIT_ERR_INVALID_ARG);
	{
		char big[CCAKIT_TEEKEY_JWK_MAX + 2];

		memset(big, ' ', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		expect_jwk(big, 0, CCAKIT_ERR_TOO_LARGE, NULL);
	}
	/* A point off the curve: y + 1. */
	{
		char *x;
		uint8_t *raw;
		size_t n;
		json_t *root;

		assert_int_equal(ccakit_teekey_to_jwk(pub_keys[2], &x),
		    CCAKIT_OK);
		root = json_loads(x, 0, NULL);
		free(x);
		raw = unb64u(json_string_value(json_object_get(root, "y")),
		    88, &n);
		raw[65] ^= 1;
		x = b64u(raw, n);
		json_object_set_new(root, "y", json_string(x));
		free(x);
		free(raw);
		x = json_dumps(root, 0);
		expect_jwk(x, 0, CCAKIT_ERR_KEY_INVALID, "not a point on P-521");
		free(x);
		json_decref(root);
	}
}

/* RSA-1024 only with the flag; an even modulus never. */
static void
test_teekey_rsa_sizes(void **state)
{
	ccakit_teekey *k = ccakit_teekey_new();
	struct ccakit_errdetail d;
	uint8_t n[128];
	char *n64, jwk[512];

	(void)state;
	/* A 1024-bit odd modulus with no small factor: 2^1023 + 2^10 + 1
	 * need not be a product of two primes for the public check. */
	memset(n, 0, sizeof(n));
	n[0] = 0xc7;
	n[127] = 0x01;
	memset(n + 1, 0x5b, 100);
	n64 = b64u(n, sizeof(n));
	(void)snprintf(jwk, sizeof(jwk), "{\"kty\":\"RSA\",\"alg\":"
	    "\"RSA-OAEP-256\",\"n\":\"%s\",\"e\":\"AQAB\"}", n64);
	assert_int_equal(ccakit_teekey_from_jwk(k, jwk, strlen(jwk), 0, &d),
	    CCAKIT_ERR_KEY_INVALID);
	assert_non_null(strstr(d.text, "RSA-1024"));
	assert_non_null(strstr(d.text, "compatibility"));
	free(n64);
	n[127] = 0x02;	/* even */
	n64 = b64u(n, sizeof(n));
	(void)snprintf(jwk, sizeof(jwk), "{\"kty\":\"RSA\",\"alg\":"
	    "\"RSA-OAEP-256\",\"n\":\"%s\",\"e\":\"AQAB\"}", n64);
	assert_int_equal(ccakit_teekey_from_jwk(k, jwk, strlen(jwk),
	    CCAKIT_TEEKEY_ALLOW_RSA1024, &d), CCAKIT_ERR_KEY_INVALID);
	free(n64);
	ccakit_teekey_free(&k);
}

static void
test_teekey_pem(void **state)
{
	struct ccakit_errdetail d;
	ccakit_teekey *k;
	char *pem, *a, *b, *jwe;
	uint8_t *pt;
	size_t i, n;

	(void)state;
	for (i = 0; i < NKINDS; i++) {
		assert_int_equal(ccakit_teekey_to_pem(priv_keys[i], &pem),
		    CCAKIT_OK);
		assert_non_null(strstr(pem, i < 3 ?
		    "-----BEGIN PRIVATE KEY-----" :
		    "-----BEGIN RSA PRIVATE KEY-----"));
		k = ccakit_teekey_new();
		if (ccakit_teekey_from_pem(k, pem, strlen(pem), 0, &d) !=
		    CCAKIT_OK)
			fail_msg("%s: %s", kinds[i], d.text);
		ccakit_wipe(pem, strlen(pem));
		free(pem);
		assert_true(ccakit_teekey_has_private(k));
		assert_int_equal(ccakit_teekey_to_jwk(k, &a), CCAKIT_OK);
		assert_int_equal(ccakit_teekey_to_jwk(priv_keys[i], &b),
		    CCAKIT_OK);
		assert_string_equal(a, b);
		free(a);
		free(b);
		/* The reloaded key decrypts what was made for the original. */
		assert_int_equal(ccakit_jwe_encrypt(pub_keys[i],
		    (const uint8_t *)"pem", 3, CCAKIT_JWE_COMPACT, &jwe),
		    CCAKIT_OK);
		assert_int_equal(dec(k, jwe, strlen(jwe), &pt, &n, &d),
		    CCAKIT_OK);
		free(pt);
		free(jwe);
		ccakit_teekey_free(&k);

		/* Public: SubjectPublicKeyInfo. */
		assert_int_equal(ccakit_teekey_to_pem(pub_keys[i], &pem),
		    CCAKIT_OK);
		assert_non_null(strstr(pem, "-----BEGIN PUBLIC KEY-----"));
		k = ccakit_teekey_new();
		assert_int_equal(ccakit_teekey_from_pem(k, pem, strlen(pem), 0,
		    &d), CCAKIT_OK);
		assert_false(ccakit_teekey_has_private(k));
		free(pem);
		ccakit_teekey_free(&k);
	}
	k = ccakit_teekey_new();
	assert_int_equal(ccakit_teekey_from_pem(k, "junk", 4, 0, &d),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(ccakit_teekey_generate(k, "X25519"),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_teekey_generate(k, NULL), CCAKIT_OK);
	assert_int_equal(ccakit_teekey_crv(k), CCAKIT_COSE_CRV_P256);
	ccakit_teekey_free(&k);
}

/* An RSA1_5 key can be encrypted to (Trustee still does) but ccakit
 * never decrypts RSA1_5. */
static void
test_rsa1_5(void **state)
{
	ccakit_teekey *k = ccakit_teekey_new();
	char *jwk, *jwe, *h;

	(void)state;
	jwk = jwk_with(3, "alg", "RSA1_5");
	assert_int_equal(ccakit_teekey_from_jwk(k, jwk, strlen(jwk),
	    CCAKIT_TEEKEY_ALLOW_RSA1_5, NULL), CCAKIT_OK);
	assert_int_equal(ccakit_jwe_encrypt(k, (const uint8_t *)"x", 1,
	    CCAKIT_JWE_COMPACT, &jwe), CCAKIT_OK);
	h = header_of(jwe);
	assert_string_equal(h, "{\"alg\":\"RSA1_5\",\"enc\":\"A256GCM\"}");
	expect_refused(priv_keys[3], jwe, strlen(jwe), CCAKIT_ERR_COSE_ALG,
	    "RSA1_5");
	free(h);
	free(jwe);
	free(jwk);
	ccakit_teekey_free(&k);
}

static void
test_args(void **state)
{
	char *out = (char *)1;
	uint8_t *pt;
	size_t n;
	ccakit_teekey *empty = ccakit_teekey_new();

	(void)state;
	assert_int_equal(ccakit_jwe_encrypt(NULL, (const uint8_t *)"x", 1,
	    CCAKIT_JWE_COMPACT, &out), CCAKIT_ERR_INVALID_ARG);
	assert_null(out);
	assert_int_equal(ccakit_jwe_encrypt(empty, (const uint8_t *)"x", 1,
	    CCAKIT_JWE_COMPACT, &out), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_jwe_encrypt(pub_keys[0], (const uint8_t *)"x",
	    1, (enum ccakit_jwe_form)9, &out), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_jwe_encrypt(pub_keys[0], NULL,
	    CCAKIT_JWE_MAX_PLAINTEXT + 1, CCAKIT_JWE_COMPACT, &out),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_jwe_decrypt(NULL, "x", 1, &pt, &n, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_teekey_to_jwk(empty, &out),
	    CCAKIT_ERR_INVALID_ARG);
	assert_null(ccakit_jwe_alg_name((enum ccakit_jwe_alg)0));
	assert_string_equal(ccakit_jwe_alg_name(CCAKIT_JWE_RSA_OAEP_256),
	    "RSA-OAEP-256");
	ccakit_teekey_free(&empty);
	ccakit_teekey_free(&empty);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_header_exact),
		cmocka_unit_test(test_fresh_randomness),
		cmocka_unit_test(test_bitflips_and_truncation),
		cmocka_unit_test(test_modified_parts),
		cmocka_unit_test(test_wrong_key_and_curve),
		cmocka_unit_test(test_header_refused),
		cmocka_unit_test(test_invalid_point),
		cmocka_unit_test(test_structure_refused),
		cmocka_unit_test(test_apu_apv),
		cmocka_unit_test(test_concat_kdf_rfc7518),
		cmocka_unit_test(test_teekey_jwk_forms),
		cmocka_unit_test(test_teekey_jwk_refused),
		cmocka_unit_test(test_teekey_rsa_sizes),
		cmocka_unit_test(test_teekey_pem),
		cmocka_unit_test(test_rsa1_5),
		cmocka_unit_test(test_args),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
