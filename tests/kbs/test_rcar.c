/*
 * The RCAR module (services/common/rcar.c): the protocol version rule,
 * message parsing as serde reads kbs-types, the guest's hash negotiation,
 * the typed TEE key, the runtime-data binding (Trustee's own JCS
 * known-answer), error bodies; and Trustee's derived CCA vectors
 * (shared/vectors/trustee/derived, skipped when absent): the Request,
 * Challenge and Attestation bodies and the realm challenge they bind.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ccakit/bytes.h>
#include <ccakit/jcs.h>

#include "jscan.h"
#include "rcar.h"
#include "testutil.h"

static void
test_version(void **state)
{
	static const struct {
		const char *v;
		enum rcar_version_verdict want;
	} cases[] = {
		{ "0.4.0", RCAR_VERSION_OK },
		{ "0.4.0+anything", RCAR_VERSION_OK },
		{ "0.4.0+build.01", RCAR_VERSION_OK },
		{ "0.4.0-rc1", RCAR_VERSION_MISMATCH },
		{ "0.4.0-rc.1+b", RCAR_VERSION_MISMATCH },
		{ "0.4.1", RCAR_VERSION_MISMATCH },
		{ "0.3.0", RCAR_VERSION_MISMATCH },
		{ "1.4.0", RCAR_VERSION_MISMATCH },
		{ "v0.4.0", RCAR_VERSION_UNPARSABLE },
		{ "0.4", RCAR_VERSION_UNPARSABLE },
		{ "00.4.0", RCAR_VERSION_UNPARSABLE },
		{ "0.04.0", RCAR_VERSION_UNPARSABLE },
		{ " 0.4.0", RCAR_VERSION_UNPARSABLE },
		{ "0.4.0 ", RCAR_VERSION_UNPARSABLE },
		{ "0.4.0-", RCAR_VERSION_UNPARSABLE },
		{ "0.4.0-01", RCAR_VERSION_UNPARSABLE },
		{ "0.4.0+", RCAR_VERSION_UNPARSABLE },
		{ "0.4.0+a..b", RCAR_VERSION_UNPARSABLE },
		{ "", RCAR_VERSION_UNPARSABLE },
		{ "99999999999999999999999.4.0", RCAR_VERSION_UNPARSABLE },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (rcar_version_check(cases[i].v) != cases[i].want)
			fail_msg("version '%s': got %d, want %d", cases[i].v,
			    rcar_version_check(cases[i].v), cases[i].want);
	}
}

static void
test_request(void **state)
{
	struct ccakit_errdetail d;
	struct rcar_request r;
	const char *ok = "{\"version\":\"0.4.0\",\"tee\":\"sample\","
	    "\"extra-params\":\"\",\"unknown\":1}";
	json_t *b;
	char *s;

	(void)state;
	assert_int_equal(rcar_request_parse(ok, strlen(ok), &r, &d), CCAKIT_OK);
	assert_string_equal(r.version, "0.4.0");
	assert_int_equal(r.tee, RCAR_TEE_SAMPLE);
	assert_true(json_is_string(r.extra_params));
	rcar_request_clear(&r);
	/* Unknown TEE, missing field, wrong type, duplicate, not JSON. */
#define BAD(txt, member) do { \
		memset(&d, 0, sizeof(d)); \
		assert_int_equal(rcar_request_parse(txt, strlen(txt), &r, &d), \
		    CCAKIT_ERR_JSON); \
		if (member != NULL) \
			assert_string_equal(d.what, member); \
	} while (0)
	BAD("{\"version\":\"0.4.0\",\"tee\":\"cca2\",\"extra-params\":1}",
	    "tee");
	BAD("{\"version\":\"0.4.0\",\"tee\":\"CCA\",\"extra-params\":1}",
	    "tee");
	BAD("{\"version\":\"0.4.0\",\"tee\":\"cca\"}", "extra-params");
	BAD("{\"version\":4,\"tee\":\"cca\",\"extra-params\":1}", "version");
	BAD("{\"tee\":\"cca\",\"extra-params\":1}", "version");
	BAD("{\"version\":\"0.4.0\",\"version\":\"0.4.0\",\"tee\":\"cca\","
	    "\"extra-params\":1}", (const char *)NULL);
	BAD("[\"0.4.0\",\"cca\",1]", (const char *)NULL);
	BAD("{\"version\":", (const char *)NULL);
#undef BAD
	/* The guest's request, member order as sent. */
	assert_non_null(b = rcar_request_build(RCAR_PROTOCOL_VERSION,
	    RCAR_TEE_CCA, NULL));
	assert_non_null(s = json_dumps(b, JSON_COMPACT));
	assert_string_equal(s, "{\"version\":\"0.4.0\",\"tee\":\"cca\","
	    "\"extra-params\":\"\"}");
	free(s);
	json_decref(b);
}

static void
test_tee_names(void **state)
{
	enum rcar_tee t;
	unsigned i;

	(void)state;
	for (i = 0; i < RCAR_TEE_COUNT; i++) {
		assert_int_equal(rcar_tee_parse(rcar_tee_name(
		    (enum rcar_tee)i), &t), 0);
		assert_int_equal(t, i);
	}
	assert_int_equal(rcar_tee_parse("az-snp-vtpm", &t), 0);
	assert_int_equal(t, RCAR_TEE_AZ_SNP_VTPM);
	assert_int_equal(rcar_tee_parse("Sample", &t), -1);
	assert_null(rcar_tee_name(RCAR_TEE_COUNT));
}

/* guest-components' negotiation table (kbs_protocol unit tests). */
static void
test_selected_hash(void **state)
{
	static const char *const good[] = {
		"{\"selected-hash-algorithm\":\"sha256\"}",
		"{\"selected-hash-algorithm\":\"SHA384\"}",
		"{\"selected-hash-algorithm\":\"Sha512\"}",
		"{\"selected-hash-algorithm\":\"sm3\"}",
	};
	static const enum rcar_hash want[] = {
		RCAR_HASH_SHA256, RCAR_HASH_SHA384, RCAR_HASH_SHA512,
		RCAR_HASH_SM3,
	};
	static const char *const badv[] = {
		"\"\"", "\"foo\"", "[]", "{}", "true", "1", "1.5", "null",
	};
	enum rcar_hash h;
	char buf[128];
	json_t *j;
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		assert_non_null(j = json_loads(good[i], 0, NULL));
		assert_int_equal(rcar_selected_hash(j, &h, NULL), CCAKIT_OK);
		assert_int_equal(h, want[i]);
		json_decref(j);
	}
	for (i = 0; i < sizeof(badv) / sizeof(badv[0]); i++) {
		snprintf(buf, sizeof(buf), "{\"selected-hash-algorithm\":%s}",
		    badv[i]);
		assert_non_null(j = json_loads(buf, 0, NULL));
		assert_int_equal(rcar_selected_hash(j, &h, NULL),
		    CCAKIT_ERR_JSON);
		json_decref(j);
	}
	/* No such member, or extra-params "": SHA-384. */
	assert_non_null(j = json_string(""));
	assert_int_equal(rcar_selected_hash(j, &h, NULL), CCAKIT_OK);
	assert_int_equal(h, RCAR_HASH_SHA384);
	json_decref(j);
}

static void
test_teepubkey(void **state)
{
	json_t *in, *out;
	char *s;

	(void)state;
	/* Members in kbs-types' order, unknown ones dropped. */
	assert_non_null(in = json_loads("{\"y\":\"Y\",\"x\":\"X\",\"use\":"
	    "\"enc\",\"alg\":\"ECDH-ES+A256KW\",\"crv\":\"P-256\",\"kty\":"
	    "\"EC\",\"kid\":\"k\"}", 0, NULL));
	assert_int_equal(rcar_teepubkey_canon(in, &out, NULL), CCAKIT_OK);
	assert_non_null(s = json_dumps(out, JSON_COMPACT));
	assert_string_equal(s, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":"
	    "\"ECDH-ES+A256KW\",\"x\":\"X\",\"y\":\"Y\"}");
	free(s);
	json_decref(out);
	json_decref(in);
	assert_non_null(in = json_loads("{\"e\":\"AQAB\",\"n\":\"nn\",\"alg\":"
	    "\"RSA-OAEP-256\",\"kty\":\"RSA\"}", 0, NULL));
	assert_int_equal(rcar_teepubkey_canon(in, &out, NULL), CCAKIT_OK);
	assert_non_null(s = json_dumps(out, JSON_COMPACT));
	assert_string_equal(s, "{\"kty\":\"RSA\",\"alg\":\"RSA-OAEP-256\","
	    "\"n\":\"nn\",\"e\":\"AQAB\"}");
	free(s);
	json_decref(out);
	json_decref(in);
	/* Missing members, unknown kty. */
	assert_non_null(in = json_loads("{\"kty\":\"EC\",\"crv\":\"P-256\","
	    "\"x\":\"X\",\"y\":\"Y\"}", 0, NULL));
	assert_int_equal(rcar_teepubkey_canon(in, &out, NULL),
	    CCAKIT_ERR_JSON);
	json_decref(in);
	assert_non_null(in = json_loads("{\"kty\":\"OKP\",\"alg\":\"x\"}", 0,
	    NULL));
	assert_int_equal(rcar_teepubkey_canon(in, &out, NULL),
	    CCAKIT_ERR_JSON);
	json_decref(in);
}

/* Trustee's attestation-service known answer (lib.rs tests). */
static void
test_jcs_known_answer(void **state)
{
	uint8_t h[RCAR_HASH_MAX];
	size_t hl;
	json_t *j;
	char hex[2 * RCAR_HASH_MAX + 1];

	(void)state;
	assert_non_null(j = json_loads("{\"b\": 1, \"a\": \"test\", \"c\": "
	    "{\"d\": \"e\"}}", 0, NULL));
	assert_int_equal(rcar_runtime_digest(j, RCAR_HASH_SHA384, h, &hl,
	    NULL), CCAKIT_OK);
	assert_int_equal(hl, 48);
	assert_int_equal(ccakit_hex_encode(h, hl, hex, sizeof(hex)), 0);
	assert_string_equal(hex, "e71ce8e70d814ba6639c3612ebee0ff1f76f650f8db"
	    "b5e47157e0f3f525cd22c4597480a186427c813ca941da78870c3");
	json_decref(j);
}

static void
test_attestation_errors(void **state)
{
	struct ccakit_errdetail d;
	struct rcar_attestation a;
	static const char *const bad[] = {
		/* no runtime-data */
		"{\"tee-evidence\":{\"primary_evidence\":1,"
		    "\"additional_evidence\":\"\"}}",
		/* init-data neither null nor an object */
		"{\"init-data\":\"x\",\"runtime-data\":{\"nonce\":\"n\","
		    "\"tee-pubkey\":{\"kty\":\"RSA\",\"alg\":\"a\",\"n\":\"n\","
		    "\"e\":\"e\"}},\"tee-evidence\":{\"primary_evidence\":1,"
		    "\"additional_evidence\":\"\"}}",
		/* init-data without body */
		"{\"init-data\":{\"format\":\"toml\"},\"runtime-data\":{"
		    "\"nonce\":\"n\",\"tee-pubkey\":{\"kty\":\"RSA\",\"alg\":"
		    "\"a\",\"n\":\"n\",\"e\":\"e\"}},\"tee-evidence\":{"
		    "\"primary_evidence\":1,\"additional_evidence\":\"\"}}",
		/* additional_evidence not a string */
		"{\"runtime-data\":{\"nonce\":\"n\",\"tee-pubkey\":{\"kty\":"
		    "\"RSA\",\"alg\":\"a\",\"n\":\"n\",\"e\":\"e\"}},"
		    "\"tee-evidence\":{\"primary_evidence\":1,"
		    "\"additional_evidence\":{}}}",
		/* no primary_evidence */
		"{\"runtime-data\":{\"nonce\":\"n\",\"tee-pubkey\":{\"kty\":"
		    "\"RSA\",\"alg\":\"a\",\"n\":\"n\",\"e\":\"e\"}},"
		    "\"tee-evidence\":{\"additional_evidence\":\"\"}}",
		/* nonce a number */
		"{\"runtime-data\":{\"nonce\":1,\"tee-pubkey\":{\"kty\":"
		    "\"RSA\",\"alg\":\"a\",\"n\":\"n\",\"e\":\"e\"}},"
		    "\"tee-evidence\":{\"primary_evidence\":1,"
		    "\"additional_evidence\":\"\"}}",
	};
	const char *ok = "{\"runtime-data\":{\"nonce\":\"n\",\"tee-pubkey\":{"
	    "\"kty\":\"RSA\",\"alg\":\"a\",\"n\":\"n\",\"e\":\"e\"}},"
	    "\"tee-evidence\":{\"primary_evidence\":[1,2],"
	    "\"additional_evidence\":\"\"}}";
	size_t i, n;
	char deep[400];

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&d, 0, sizeof(d));
		if (rcar_attestation_parse(bad[i], strlen(bad[i]), &a, &d) !=
		    CCAKIT_ERR_JSON)
			fail_msg("case %zu parsed", i);
		assert_non_null(d.what);
	}
	/* init-data may be absent. */
	assert_int_equal(rcar_attestation_parse(ok, strlen(ok), &a, NULL),
	    CCAKIT_OK);
	assert_null(a.init_format);
	assert_string_equal(a.additional_evidence, "");
	rcar_attestation_clear(&a);
	/* Nesting is capped. */
	n = (size_t)snprintf(deep, sizeof(deep), "{\"a\":");
	for (i = 0; i < 100; i++)
		deep[n++] = '[';
	for (i = 0; i < 100; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	assert_int_equal(rcar_attestation_parse(deep, n, &a, NULL),
	    CCAKIT_ERR_JSON);
}

/* An Attestation around evidence text ev. */
static char *
attestation_with(const char *ev)
{
	static const char head[] = "{\"runtime-data\":{\"nonce\":\"n\","
	    "\"tee-pubkey\":{\"kty\":\"RSA\",\"alg\":\"a\",\"n\":\"n\",\"e\":"
	    "\"e\"}},\"tee-evidence\":{\"primary_evidence\": ";
	static const char tail[] = " ,\"additional_evidence\":\"\"}}";
	char *s;

	/* (room for a test to lengthen a member name) */
	assert_non_null(s = malloc(strlen(head) + strlen(ev) +
	    strlen(tail) + 8));
	strcpy(s, head);
	strcat(s, ev);
	strcat(s, tail);
	return s;
}

/*
 * The evidence is kept as text, checked as strictly as jansson checks
 * the rest: what jansson refuses is refused, what it accepts comes back
 * as the same value.
 */
static void
test_evidence_text(void **state)
{
	static const char *const good[] = {
		"{\"token\":[217,1,143]}", "[1,2]", "null", "\"s\"",
		"{\"token\":[ 0 , 255 ],\"x\":{\"y\":[1.5e3,-0,true]}}",
		"{\"t\\u00e9\\ud83d\\ude00\":\"\\u00e9\\n\"}",
		"1e308", "-9223372036854775808", "{}", "[]",
		"\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
	};
	static const char *const bad[] = {
		"{\"token\":[1,2,]}", "[01]", "{\"a\" 1}", "\"\\u0000\"",
		"\"\\ud800\"", "\"\\udc00\\ud800\"", "\"\x01\"",
		"\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"",
		"1e999", "9223372036854775808", "-9223372036854775809",
		"tru", "[1 2]", "{\"a\":1,}", "\"\\x\"", "- 1", "1.", ".5",
		"{\"a\":1}}", "\"abc",
	};
	struct rcar_attestation a;
	struct ccakit_errdetail d;
	json_t *want, *got;
	char *body, *esc, deep[300];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		body = attestation_with(good[i]);
		if (rcar_attestation_parse(body, strlen(body), &a, &d) !=
		    CCAKIT_OK)
			fail_msg("good %zu refused: %s", i, d.text);
		/* A span of the body, not a copy. */
		assert_ptr_equal(a.primary_evidence, strstr(body, good[i]));
		assert_int_equal(a.primary_len, strlen(good[i]));
		want = json_loads(good[i], JSON_DECODE_ANY, NULL);
		got = json_loadb(a.primary_evidence, a.primary_len,
		    JSON_DECODE_ANY, NULL);
		assert_true(want != NULL && got != NULL && json_equal(want,
		    got));
		json_decref(want);
		json_decref(got);
		rcar_attestation_clear(&a);
		free(body);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* jansson refuses each too: the oracle of this list */
		assert_null(json_loads(bad[i], JSON_DECODE_ANY, NULL));
		body = attestation_with(bad[i]);
		memset(&d, 0, sizeof(d));
		if (rcar_attestation_parse(body, strlen(body), &a, &d) !=
		    CCAKIT_ERR_JSON)
			fail_msg("bad %zu accepted", i);
		/* jansson's words about the message */
		assert_string_equal(d.what, "Attestation");
		assert_true(d.text[0] != '\0');
		free(body);
	}
	/* Nesting inside the evidence counts against the cap. */
	n = 0;
	for (i = 0; i < 64; i++)
		deep[n++] = '[';
	for (i = 0; i < 64; i++)
		deep[n++] = ']';
	deep[n] = '\0';
	body = attestation_with(deep);
	assert_int_equal(rcar_attestation_parse(body, strlen(body), &a, NULL),
	    CCAKIT_ERR_JSON);
	free(body);
	deep[0] = ' ';
	deep[n - 1] = ' ';
	body = attestation_with(deep);
	assert_int_equal(rcar_attestation_parse(body, strlen(body), &a, NULL),
	    CCAKIT_OK);
	rcar_attestation_clear(&a);
	free(body);
	/* Written with an escape, the member is still found. */
	body = attestation_with("[1]");
	esc = strstr(body, "primary_evidence");
	memmove(esc + 12, esc + 7, strlen(esc + 7) + 1);
	memcpy(esc + 7, "\\u005f", 6);
	assert_non_null(strstr(body, "\"primary\\u005fevidence\": [1] ,"));
	assert_int_equal(rcar_attestation_parse(body, strlen(body), &a, NULL),
	    CCAKIT_OK);
	assert_ptr_equal(a.primary_evidence, strstr(body, "[1]"));
	rcar_attestation_clear(&a);
	free(body);
}

/* jscan's strings, decoded (the session records' reader). */
static void
test_jscan_strings(void **state)
{
	static const char text[] = " \"a\\u00e9\\\"\\/\\ud83d\\ude00b\" ";
	struct jscan s = { text, text + sizeof(text) - 1 };
	char buf[16], *dup;
	size_t n;

	(void)state;
	assert_true(jscan_string(&s, buf, sizeof(buf), &n));
	assert_int_equal(n, 10);
	assert_string_equal(buf, "a\xc3\xa9\"/\xf0\x9f\x98\x80" "b");
	s.p = text;
	assert_false(jscan_string(&s, buf, 10, &n));    /* no room */
	s.p = text;
	assert_true(jscan_string(&s, buf, sizeof(buf), &n));
	s.p = text;
	assert_non_null(dup = jscan_string_dup(&s, &n));
	assert_int_equal(n, 10);
	assert_memory_equal(dup, buf, 11);
	free(dup);
	assert_false(jscan_ws(&s));
	s.p = "\"\\ud800\"";
	s.end = s.p + 8;
	assert_null(jscan_string_dup(&s, &n));
	s.p = "12";
	s.end = s.p + 2;
	assert_false(jscan_string(&s, buf, sizeof(buf), &n));
}

/* serde's Vec<u8> read from text: each element an integer 0..255. */
static void
test_json_bytes(void **state)
{
	struct ccakit_errdetail d;
	uint8_t *b;
	size_t n;
	static const char ok[] = "{\"x\":[300],\"token\":[0, 255 ,-0,7]}";

	(void)state;
	assert_int_equal(rcar_json_bytes(ok, strlen(ok), "token", 16, &b, &n,
	    &d), CCAKIT_OK);
	assert_int_equal(n, 4);
	assert_int_equal(b[0], 0);
	assert_int_equal(b[1], 255);
	assert_int_equal(b[2], 0);
	assert_int_equal(b[3], 7);
	free(b);
	assert_int_equal(rcar_json_bytes("{\"token\":[]}", 12, "token", 16,
	    &b, &n, &d), CCAKIT_OK);
	assert_int_equal(n, 0);
	free(b);
#define NOTOK(in, code, words) do {					\
	memset(&d, 0, sizeof(d));					\
	assert_int_equal(rcar_json_bytes(in, strlen(in), "token", 4,	\
	    &b, &n, &d), code);						\
	assert_null(b);							\
	if (strstr(d.text, words) == NULL)				\
		fail_msg("%s: \"%s\"", in, d.text);			\
} while (0)
	NOTOK("{\"token\":[256]}", CCAKIT_ERR_JSON, "token[0] is not a byte");
	NOTOK("{\"token\":[1,-1]}", CCAKIT_ERR_JSON, "token[1] is not a byte");
	NOTOK("{\"token\":[1.0]}", CCAKIT_ERR_JSON, "token[0] is not a byte");
	NOTOK("{\"token\":[1e0]}", CCAKIT_ERR_JSON, "token[0] is not a byte");
	NOTOK("{\"token\":[\"1\"]}", CCAKIT_ERR_JSON, "not a byte");
	NOTOK("{\"token\":[01]}", CCAKIT_ERR_JSON, "not");
	NOTOK("{\"token\":[1,]}", CCAKIT_ERR_JSON, "not JSON");
	NOTOK("{\"token\":[1,2,3,4,5]}", CCAKIT_ERR_TOO_LARGE, "more than 4");
	NOTOK("{\"token\":[1],\"token\":[2]}", CCAKIT_ERR_JSON,
	    "duplicate field `token`");
	NOTOK("{\"token\":\"AQI=\"}", CCAKIT_ERR_NOT_FOUND, "not an array");
	NOTOK("{\"tok\":[1]}", CCAKIT_ERR_NOT_FOUND, "missing field `token`");
	NOTOK("[1]", CCAKIT_ERR_NOT_FOUND, "not an object");
	NOTOK("{\"token\":[1]} x", CCAKIT_ERR_JSON, "not JSON");
	NOTOK("{\"token\":[1]", CCAKIT_ERR_JSON, "not JSON");
	NOTOK("{\"x\":\"\\ud800\",\"token\":[1]}", CCAKIT_ERR_JSON, "not JSON");
#undef NOTOK
}

static void
test_error_body(void **state)
{
	char *s, v[64], det[128];
	size_t n;

	(void)state;
	assert_int_equal(rcar_error_body("AttestationError", "Attestation "
	    "error: RCAR handshake Attest failed", &s, &n), CCAKIT_OK);
	assert_string_equal(s, "{\"type\":\"https://github.com/"
	    "confidential-containers/kbs/errors/AttestationError\","
	    "\"detail\":\"Attestation error: RCAR handshake Attest failed\"}");
	assert_int_equal(rcar_error_parse(s, n, v, sizeof(v), det,
	    sizeof(det)), CCAKIT_OK);
	assert_string_equal(v, "AttestationError");
	free(s);
	/* Bytes that are not UTF-8 do not make an invalid body. */
	assert_int_equal(rcar_error_body("PluginNotFound", "Plugin \xff\xfe "
	    "not found", &s, &n), CCAKIT_OK);
	assert_non_null(strstr(s, "\"Plugin ?? not found\"}"));
	free(s);
}

/* --- Trustee's derived CCA vectors --- */

#define DIR "trustee/derived/"

static void
test_vectors(void **state)
{
	struct rcar_request req;
	struct rcar_attestation att;
	struct ccakit_errdetail d;
	uint8_t *body, *jcs, *hexv, h[RCAR_HASH_MAX], rd64[64], *want, *tok;
	size_t len, jlen, hl, wl, toklen;
	char *canon, *s;
	json_t *rd, *ch, *file;

	(void)state;
	tu_need_vectors("trustee/derived");
	/* The Request the attestation agent sends. */
	body = tu_read_vector(DIR "derived-kbs-auth-request.json", &len);
	assert_int_equal(rcar_request_parse((char *)body, len, &req, &d),
	    CCAKIT_OK);
	assert_int_equal(rcar_version_check(req.version), RCAR_VERSION_OK);
	assert_int_equal(req.tee, RCAR_TEE_CCA);
	assert_true(json_is_object(req.extra_params));
	rcar_request_clear(&req);
	free(body);
	/* The Challenge a KBS returns for the fixed nonce. */
	body = tu_read_vector(DIR "derived-kbs-challenge.json", &len);
	assert_non_null(file = json_loadb((char *)body, len, 0, NULL));
	assert_non_null(ch = rcar_challenge_build(json_string_value(
	    json_object_get(file, "nonce")), NULL));
	assert_true(json_equal(ch, file));
	assert_non_null(s = json_dumps(ch, JSON_COMPACT));
	assert_string_equal(s, "{\"nonce\":\"8y+U9eo/E0X5xDf7O7N//eiJINOJz3ql"
	    "ZLVVEs2uRKM=\",\"extra-params\":\"\"}");
	free(s);
	json_decref(ch);
	json_decref(file);
	free(body);
	/* The Attestation: runtime data rebuilt from the typed fields. */
	body = tu_read_vector(DIR "derived-kbs-attestation.json", &len);
	assert_int_equal(rcar_attestation_parse((char *)body, len, &att, &d),
	    CCAKIT_OK);
	assert_null(att.init_format);
	assert_string_equal(att.nonce, "8y+U9eo/E0X5xDf7O7N//eiJINOJz3qlZLVVEs2"
	    "uRKM=");
	/* The evidence stays text, the token read from it as bytes. */
	assert_int_equal(rcar_json_bytes(att.primary_evidence,
	    att.primary_len, "token", 65536, &tok, &toklen,
	    &d), CCAKIT_OK);
	assert_true(toklen > 1000);
	assert_int_equal(tok[0], 0xd9);
	free(tok);
	assert_non_null(rd = rcar_runtime_data(att.nonce, att.tee_pubkey,
	    att.additional_evidence));
	assert_int_equal(ccakit_jcs_value((const struct json_t *)rd, 0, &canon,
	    &hl, NULL), CCAKIT_OK);
	jcs = tu_read_vector(DIR "derived-runtime-data.jcs", &jlen);
	assert_int_equal(hl, jlen);
	assert_memory_equal(canon, jcs, jlen);
	free(canon);
	free(jcs);
	assert_int_equal(rcar_runtime_digest(rd, RCAR_HASH_SHA384, h, &hl,
	    NULL), CCAKIT_OK);
	rcar_regularize(h, hl, rd64, sizeof(rd64));
	hexv = tu_read_vector(DIR "derived-expected-realm-challenge.hex", &wl);
	while (wl > 0 && (hexv[wl - 1] == '\n' || hexv[wl - 1] == ' '))
		hexv[--wl] = '\0';
	want = tu_hex((char *)hexv, &wl);
	assert_int_equal(wl, 64);
	assert_memory_equal(rd64, want, 64);
	free(want);
	free(hexv);
	json_decref(rd);
	rcar_attestation_clear(&att);
	free(body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_tee_names),
		cmocka_unit_test(test_selected_hash),
		cmocka_unit_test(test_teepubkey),
		cmocka_unit_test(test_jcs_known_answer),
		cmocka_unit_test(test_attestation_errors),
		cmocka_unit_test(test_evidence_text),
		cmocka_unit_test(test_json_bytes),
		cmocka_unit_test(test_jscan_strings),
		cmocka_unit_test(test_error_body),
		cmocka_unit_test(test_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
