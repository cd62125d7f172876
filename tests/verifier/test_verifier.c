/*
 * Unit tests of lib/verifier: nonces, media types, CMW records, session
 * ids and documents, provisioning bodies, and the database (sessions,
 * single use, expiry, provisioning with copy-on-write snapshots,
 * persistence, the EAR key).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include <ccakit/bytes.h>
#include <ccakit/cbor.h>
#include <ccakit/cose.h>
#include <ccakit/jose.h>
#include <ccakit/store.h>

#include "vdb.h"

#define MT SVC_V_MT_CCA
#define IMPL "a38dae63db04f783a67235e9563367fe28fadfea8189b63b41a6c086dc6ef53b"
#define INST "01f1306dbb26fb861ac687b28b387054527102" \
	"0ac8c83bab99e68876cfc54d939a"

/* --- nonces --- */

static void
test_nonce_encodings(void **state)
{
	static const char *const forms[] = {
		"+/8AAQIDBAUGBwgJ+/8=",       /* standard, padded */
		"+/8AAQIDBAUGBwgJ+/8",        /* standard, unpadded */
		"-_8AAQIDBAUGBwgJ-_8=",       /* base64url, padded */
		"-_8AAQIDBAUGBwgJ-_8",        /* base64url, unpadded */
		" /8AAQIDBAUGBwgJ /8=",       /* '+' turned into ' ' */
	};
	static const uint8_t want[] = { 0xfb, 0xff, 0, 1, 2, 3, 4, 5, 6, 7,
	    8, 9, 0xfb, 0xff };
	uint8_t out[64];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		n = 0;
		assert_int_equal(svc_v_nonce_decode(forms[i], strlen(forms[i]),
		    out, sizeof(out), &n), CCAKIT_OK);
		assert_int_equal(n, sizeof(want));
		assert_memory_equal(out, want, n);
	}
}

static void
test_nonce_bad(void **state)
{
	char b[200];
	uint8_t out[64], z[65];
	size_t n;

	(void)state;
	/* 7 bytes, 65 bytes: sizes. */
	memset(z, 0, sizeof(z));
	assert_int_equal(ccakit_b64_encode(z, 7, CCAKIT_B64_URL, b,
	    sizeof(b)), CCAKIT_OK);
	assert_int_equal(svc_v_nonce_decode(b, strlen(b), out, sizeof(out),
	    &n), CCAKIT_ERR_CLAIM_VALUE);
	assert_int_equal(ccakit_b64_encode(z, 8, CCAKIT_B64_URL, b,
	    sizeof(b)), CCAKIT_OK);
	assert_int_equal(svc_v_nonce_decode(b, strlen(b), out, sizeof(out),
	    &n), CCAKIT_OK);
	assert_int_equal(ccakit_b64_encode(z, 65, CCAKIT_B64_URL, b,
	    sizeof(b)), CCAKIT_OK);
	assert_int_not_equal(svc_v_nonce_decode(b, strlen(b), out,
	    sizeof(out), &n), CCAKIT_OK);
	/* Not base64, empty, mixed alphabets, bad padding. */
	assert_int_equal(svc_v_nonce_decode("****AAAAAAAA", 12, out,
	    sizeof(out), &n), CCAKIT_ERR_ENCODING);
	assert_int_equal(svc_v_nonce_decode("", 0, out, sizeof(out), &n),
	    CCAKIT_ERR_ENCODING);
	assert_int_not_equal(svc_v_nonce_decode("AAAAAAAAAAA===", 14, out,
	    sizeof(out), &n), CCAKIT_OK);
	/* The output buffer is respected. */
	assert_int_equal(svc_v_nonce_decode("AAAAAAAAAAAAAAAAAAAAAA", 22, out,
	    8, &n), CCAKIT_ERR_BUFFER_TOO_SMALL);
}

/* --- media types and CMW --- */

static void
test_media(void **state)
{
	static const struct {
		const char *ct;
		int r;
		enum svc_v_media kind;
	} t[] = {
		{ MT, CCAKIT_OK, SVC_V_MEDIA_CCA },
		{ "Application/EAT-Collection;PROFILE=\"http://arm.com/"
		    "CCA-SSD/1.0.0\"", CCAKIT_OK, SVC_V_MEDIA_CCA },
		{ "application/eat-collection ; profile=\"http://arm.com/"
		    "CCA-SSD/1.0.0\" ", CCAKIT_OK, SVC_V_MEDIA_CCA },
		/* The CMW types Veraison unwraps (its Go apiclient sends the
		 * vnd.veraison ones). */
		{ "application/cmw+cbor", CCAKIT_OK, SVC_V_MEDIA_CMW },
		{ "application/cmw+json", CCAKIT_OK, SVC_V_MEDIA_CMW },
		{ "application/cmw", CCAKIT_OK, SVC_V_MEDIA_CMW },
		{ "application/vnd.veraison.cmw+cbor", CCAKIT_OK,
		    SVC_V_MEDIA_CMW },
		{ "application/vnd.veraison.cmw+json", CCAKIT_OK,
		    SVC_V_MEDIA_CMW },
		{ "application/vnd.veraison.cmw", CCAKIT_OK, SVC_V_MEDIA_CMW },
		/* Go's mime.ParseMediaType refuses these: 400. */
		{ "application/eat-collection; profile=http://arm.com/"
		    "CCA-SSD/1.0.0", CCAKIT_ERR_ENCODING, 0 },
		{ "", CCAKIT_ERR_ENCODING, 0 },
		{ "application", CCAKIT_ERR_ENCODING, 0 },
		{ "application/", CCAKIT_ERR_ENCODING, 0 },
		{ MT "; profile=\"x\"", CCAKIT_ERR_ENCODING, 0 },
		{ MT " junk", CCAKIT_ERR_ENCODING, 0 },
		{ "application/eat-collection; profile=\"unterminated",
		    CCAKIT_ERR_ENCODING, 0 },
		/* Parsed but not ours: 415. */
		{ "application/json", CCAKIT_ERR_NOT_FOUND, 0 },
		{ "application/eat-collection", CCAKIT_ERR_NOT_FOUND, 0 },
		{ "application/eat-collection; profile=\"http://arm.com/"
		    "CCA-SSD/1.0.1\"", CCAKIT_ERR_NOT_FOUND, 0 },
		{ MT "; charset=utf-8", CCAKIT_ERR_NOT_FOUND, 0 },
		{ "application/cmw+cbor; cmwc_t=\"x\"", CCAKIT_ERR_NOT_FOUND,
		    0 },
		{ "application/vnd.veraison.cmw+cbor; x=y",
		    CCAKIT_ERR_NOT_FOUND, 0 },
		{ "application/vnd.veraison.cmw+xml", CCAKIT_ERR_NOT_FOUND, 0 },
		{ "text/eat-collection; profile=\"http://arm.com/CCA-SSD/"
		    "1.0.0\"", CCAKIT_ERR_NOT_FOUND, 0 },
	};
	enum svc_v_media k;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		k = 0;
		assert_int_equal(svc_v_media_parse(t[i].ct, &k), t[i].r);
		if (t[i].r == CCAKIT_OK)
			assert_int_equal(k, t[i].kind);
	}
	assert_int_equal(svc_v_media_parse(NULL, &k), CCAKIT_ERR_ENCODING);
	/* Every advertised type is supported. */
	for (i = 0; svc_v_media_types[i] != NULL; i++)
		assert_int_equal(svc_v_media_parse(svc_v_media_types[i], &k),
		    CCAKIT_OK);
	assert_int_equal(i, 3);
}

/* [MT, h'value', ?ind] by hand. */
static size_t
cmw_cbor(uint8_t *out, const char *type, const uint8_t *v, size_t vlen,
    int ind)
{
	struct ccakit_cbor_writer w;
	size_t n;

	ccakit_cbor_writer_init(&w, out, 4096);
	ccakit_cbor_put_array(&w, ind >= 0 ? 3 : 2);
	ccakit_cbor_put_cstr(&w, type);
	ccakit_cbor_put_bstr(&w, v, vlen);
	if (ind >= 0)
		ccakit_cbor_put_uint(&w, (uint64_t)ind);
	assert_int_equal(ccakit_cbor_writer_finish(&w, &n), 0);
	return n;
}

/* svc_v_cmw_unwrap of a text body. */
static int
unwrap_text(const char *body, const uint8_t **ev, size_t *evlen,
    uint8_t **copy, char *type)
{
	return svc_v_cmw_unwrap((const uint8_t *)body, strlen(body), ev, evlen,
	    copy, type, NULL);
}

static void
test_cmw(void **state)
{
	static const uint8_t tok[] = { 0xd9, 0x03, 0x8b, 0xa0, 1, 2, 3 };
	/* 1668547081 = TN(263), the tag of a CoAP Content-Format. */
	static const uint8_t tag[] = { 0xda, 0x63, 0x74, 0x02, 0x09, 0x43, 1,
	    2, 3 };
	static const uint8_t tag399[] = { 0xd9, 0x01, 0x8f, 0x43, 1, 2, 3 };
	static const uint8_t tagint[] = { 0xda, 0x63, 0x74, 0x02, 0x09, 1 };
	static const uint8_t map[] = { 0xa1, 0x61, 'a', 0x82, 0x61, 'x', 0x41,
	    1 };
	static const uint8_t cf[] = { 0x82, 0x19, 0x01, 0x07, 0x41, 1 };
	static const uint8_t cfbig[] = { 0x82, 0x1a, 0, 1, 0, 0, 0x41, 1 };
	uint8_t buf[4096], *copy;
	const uint8_t *ev;
	char json[512], type[SVC_V_MEDIA_TYPE_MAX + 1];
	size_t n, evlen;

	(void)state;
	n = cmw_cbor(buf, MT, tok, sizeof(tok), -1);
	assert_int_equal(svc_v_cmw_unwrap(buf, n, &ev, &evlen, &copy, type,
	    NULL), CCAKIT_OK);
	assert_null(copy);
	assert_int_equal(evlen, sizeof(tok));
	assert_memory_equal(ev, tok, evlen);
	assert_true(ev > buf && ev + evlen <= buf + n);
	assert_string_equal(type, MT);
	/* The Go apiclient's record: indicator 4 (evidence); the type kept
	 * as written. */
	n = cmw_cbor(buf, "Application/EAT-Collection; PROFILE=\"http://"
	    "arm.com/CCA-SSD/1.0.0\"", tok, sizeof(tok), 4);
	assert_int_equal(svc_v_cmw_unwrap(buf, n, &ev, &evlen, &copy, type,
	    NULL), CCAKIT_OK);
	assert_string_equal(type, "Application/EAT-Collection; PROFILE=\""
	    "http://arm.com/CCA-SSD/1.0.0\"");
	/* Another type inside: not CCA evidence (415); not a type: 400. */
	n = cmw_cbor(buf, "application/json", tok, sizeof(tok), -1);
	assert_int_equal(svc_v_cmw_unwrap(buf, n, &ev, &evlen, &copy, type,
	    NULL), CCAKIT_ERR_NOT_FOUND);
	n = cmw_cbor(buf, "application/eat-collection; profile=http://arm.com"
	    "/CCA-SSD/1.0.0", tok, sizeof(tok), -1);
	assert_int_equal(svc_v_cmw_unwrap(buf, n, &ev, &evlen, &copy, type,
	    NULL), CCAKIT_ERR_ENCODING);
	/* A Content-Format number as the type: 415 (none is CCA's); out of
	 * the 16-bit range: 400. */
	assert_int_equal(svc_v_cmw_unwrap(cf, sizeof(cf), &ev, &evlen, &copy,
	    type, NULL), CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(svc_v_cmw_unwrap(cfbig, sizeof(cfbig), &ev, &evlen,
	    &copy, type, NULL), CCAKIT_ERR_ENCODING);
	/* Trailing byte, truncation, empty value: malformed. */
	n = cmw_cbor(buf, MT, tok, sizeof(tok), -1);
	buf[n] = 0;
	assert_int_not_equal(svc_v_cmw_unwrap(buf, n + 1, &ev, &evlen, &copy,
	    type, NULL), CCAKIT_OK);
	assert_int_not_equal(svc_v_cmw_unwrap(buf, n - 1, &ev, &evlen, &copy,
	    type, NULL), CCAKIT_OK);
	n = cmw_cbor(buf, MT, tok, 0, -1);
	assert_int_equal(svc_v_cmw_unwrap(buf, n, &ev, &evlen, &copy, type,
	    NULL), CCAKIT_ERR_ENCODING);
	/* Collections and CBOR tags: well formed, no CCA record (415). */
	assert_int_equal(svc_v_cmw_unwrap(map, sizeof(map), &ev, &evlen,
	    &copy, type, NULL), CCAKIT_ERR_NOT_FOUND);
	assert_int_not_equal(svc_v_cmw_unwrap(map, sizeof(map) - 1, &ev,
	    &evlen, &copy, type, NULL), CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(svc_v_cmw_unwrap(tag, sizeof(tag), &ev, &evlen,
	    &copy, type, NULL), CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(svc_v_cmw_unwrap(tagint, sizeof(tagint), &ev, &evlen,
	    &copy, type, NULL), CCAKIT_ERR_ENCODING);
	/* A bare token (tag 399) is not a CMW. */
	assert_int_equal(svc_v_cmw_unwrap(tag399, sizeof(tag399), &ev, &evlen,
	    &copy, type, NULL), CCAKIT_ERR_ENCODING);
	assert_int_equal(unwrap_text("{\"a\":[\"t/x\",\"AA\"]}", &ev,
	    &evlen, &copy, type), CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(unwrap_text("{\"a\":", &ev, &evlen, &copy, type),
	    CCAKIT_ERR_JSON);
	assert_int_equal(unwrap_text("garbage", &ev, &evlen, &copy, type),
	    CCAKIT_ERR_ENCODING);

	/* JSON: base64url without padding; the form does not depend on the
	 * Content-Type, only on the first byte. */
	snprintf(json, sizeof(json), "[\"%s\",\"2QOLoAECAw\",4]",
	    "application/eat-collection; profile=\\\"http://arm.com/"
	    "CCA-SSD/1.0.0\\\"");
	assert_int_equal(unwrap_text(json, &ev, &evlen, &copy, type),
	    CCAKIT_OK);
	assert_non_null(copy);
	assert_int_equal(evlen, sizeof(tok));
	assert_memory_equal(ev, tok, evlen);
	assert_string_equal(type, MT);
	free(copy);
	snprintf(json, sizeof(json), "[\"%s\",\"2QOLoAECAw==\"]",
	    "application/eat-collection; profile=\\\"http://arm.com/"
	    "CCA-SSD/1.0.0\\\"");
	assert_int_equal(unwrap_text(json, &ev, &evlen, &copy, type),
	    CCAKIT_ERR_ENCODING);
	assert_int_equal(unwrap_text("[1,\"AA\"]", &ev, &evlen, &copy, type),
	    CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(unwrap_text("[70000,\"AA\"]", &ev, &evlen, &copy,
	    type), CCAKIT_ERR_ENCODING);
	assert_int_equal(unwrap_text("[]", &ev, &evlen, &copy, type),
	    CCAKIT_ERR_JSON);
}

/* --- session ids and documents --- */

static void
test_uuid(void **state)
{
	char a[SVC_V_SESSION_ID_LEN + 1], b[SVC_V_SESSION_ID_LEN + 1];

	(void)state;
	assert_int_equal(svc_v_uuid(a), CCAKIT_OK);
	assert_int_equal(svc_v_uuid(b), CCAKIT_OK);
	assert_true(svc_v_uuid_valid(a));
	assert_string_not_equal(a, b);
	assert_int_equal(a[14], '4');
	assert_non_null(strchr("89ab", a[19]));
	assert_false(svc_v_uuid_valid("00000000-0000-4000-8000-00000000000"));
	assert_false(svc_v_uuid_valid("00000000-0000-4000-8000-00000000000A"));
	assert_false(svc_v_uuid_valid("00000000x0000-4000-8000-000000000000"));
	assert_false(svc_v_uuid_valid("../../../../../../../../../../etc/pa"));
	assert_false(svc_v_uuid_valid(NULL));
}

/* Session ids in a URL, as Go's uuid.Parse reads them. */
static void
test_uuid_parse(void **state)
{
	static const char canon[] = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
	static const char *const good[] = {
		"6ba7b810-9dad-11d1-80b4-00c04fd430c8",
		"6BA7B810-9DAD-11D1-80B4-00C04FD430C8",
		"urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8",
		"URN:UUID:6ba7b810-9dad-11d1-80b4-00c04fd430C8",
		"{6ba7b810-9dad-11d1-80b4-00c04fd430c8}",
		"x6ba7b810-9dad-11d1-80b4-00c04fd430c8y",
		"6ba7b8109dad11d180b400c04fd430c8",
	};
	static const char *const bad[] = {
		"", "6ba7b810-9dad-11d1-80b4-00c04fd430c",
		"6ba7b810-9dad-11d1-80b4-00c04fd430c8a",
		"6ba7b810x9dad-11d1-80b4-00c04fd430c8",
		"6ba7b810-9dad-11d1-80b400-c04fd430c8",
		"6ba7b810-9dad-11d1-80b4-00c04fd430cg",
		"urn:uuix:6ba7b810-9dad-11d1-80b4-00c04fd430c8",
		"6ba7b8109dad11d180b400c04fd430cz",
		"6ba7b810-9dad-11d1-80b4-00c04fd430",
		"../../../../../../../../../../etc/pa",
	};
	char out[SVC_V_SESSION_ID_LEN + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(out, 'z', sizeof(out));
		if (!svc_v_uuid_parse(good[i], out))
			fail_msg("refused: %s", good[i]);
		assert_string_equal(out, canon);
		assert_true(svc_v_uuid_valid(out));
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (svc_v_uuid_parse(bad[i], out))
			fail_msg("accepted: %s", bad[i]);
	assert_false(svc_v_uuid_parse(NULL, out));
}

static int
from_json(const char *s, struct svc_v_session *t)
{
	memset(t, 0, sizeof(*t));
	return svc_v_session_from_json(s, strlen(s), t, NULL);
}

static void
test_session_json(void **state)
{
	struct svc_v_session s, t;
	char *out;
	int e;

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(s.nonce, 0xfb, 16);
	s.nonce_len = 16;
	s.expires_ms = 1700000000120;
	s.status = SVC_V_WAITING;
	assert_int_equal(svc_v_session_to_json(&s, SVC_V_NONCE_STD, &out),
	    CCAKIT_OK);
	assert_string_equal(out, "{\"status\":\"waiting\",\"nonce\":"
	    "\"+/v7+/v7+/v7+/v7+/v7+w==\",\"expiry\":"
	    "\"2023-11-14T22:13:20.12Z\",\"accept\":[\"application/"
	    "eat-collection; profile=\\\"http://arm.com/CCA-SSD/1.0.0\\\"\","
	    "\"application/cmw+cbor\",\"application/cmw+json\"]}");
	free(out);
	for (e = SVC_V_NONCE_STD; e <= SVC_V_NONCE_URL_NOPAD; e++) {
		assert_int_equal(svc_v_session_to_json(&s,
		    (enum svc_v_nonce_enc)e, &out), CCAKIT_OK);
		assert_true(e != SVC_V_NONCE_URL_NOPAD ||
		    strstr(out, "\"-_v7-_v7-_v7-_v7-_v7-w\"") != NULL);
		assert_true(e != SVC_V_NONCE_URL ||
		    strstr(out, "\"-_v7-_v7-_v7-_v7-_v7-w==\"") != NULL);
		memset(&t, 0, sizeof(t));
		assert_int_equal(svc_v_session_from_json(out, strlen(out), &t,
		    NULL), CCAKIT_OK);
		assert_int_equal(t.nonce_len, 16);
		assert_memory_equal(t.nonce, s.nonce, 16);
		assert_int_equal(t.status, SVC_V_WAITING);
		assert_null(t.result);
		svc_v_session_clear(&t);
		free(out);
	}
	/* Complete, with evidence and result, members in Veraison's order. */
	s.status = SVC_V_COMPLETE;
	s.media_type = strdup(MT);
	s.evidence = malloc(3);
	memcpy(s.evidence, "abc", 3);
	s.evidence_len = 3;
	s.result = strdup("a.b.c");
	assert_int_equal(svc_v_session_to_json(&s, SVC_V_NONCE_STD, &out),
	    CCAKIT_OK);
	assert_non_null(strstr(out, "],\"evidence\":{\"type\":"));
	assert_non_null(strstr(out, "\"value\":\"YWJj\"},\"result\":"
	    "\"a.b.c\"}"));
	memset(&t, 0, sizeof(t));
	assert_int_equal(svc_v_session_from_json(out, strlen(out), &t, NULL),
	    CCAKIT_OK);
	assert_int_equal(t.status, SVC_V_COMPLETE);
	assert_string_equal(t.result, "a.b.c");
	svc_v_session_clear(&t);
	free(out);
	svc_v_session_clear(&s);
	/* A client refuses what it cannot trust. */
	assert_int_equal(from_json("{\"status\":\"done\","
	    "\"nonce\":\"AAAAAAAAAAA\"}", &t), CCAKIT_ERR_JSON);
	assert_int_equal(from_json("{\"status\":\"waiting\","
	    "\"nonce\":\"AAAA\"}", &t), CCAKIT_ERR_ENCODING);
	assert_int_equal(from_json("{\"status\":\"waiting\","
	    "\"status\":\"waiting\",\"nonce\":\"AAAAAAAAAAA\"}", &t),
	    CCAKIT_ERR_JSON);
	assert_int_equal(from_json("{\"status\":\"complete\","
	    "\"nonce\":\"AAAAAAAAAAA\",\"result\":7}", &t),
	    CCAKIT_ERR_JSON);
	assert_int_equal(from_json("{\"status\":\"complete\","
	    "\"nonce\":\"AAAAAAAAAAA\",\"result\":\"a\\u0000b\"}", &t),
	    CCAKIT_ERR_JSON);
	assert_int_equal(from_json("[]", &t), CCAKIT_ERR_JSON);
	assert_int_equal(from_json("{\"status\":\"waiting\","
	    "\"nonce\":\"AAAAAAAAAAA\"}", &t), CCAKIT_OK);
	svc_v_session_clear(&t);
	/* Without a nonce (some verifiers leave it out when the relying
	 * party gave its own): read, nonce_len 0; the client decides. */
	assert_int_equal(from_json("{\"status\":\"complete\","
	    "\"result\":\"a.b.c\"}", &t), CCAKIT_OK);
	assert_int_equal(t.nonce_len, 0);
	assert_string_equal(t.result, "a.b.c");
	svc_v_session_clear(&t);
	assert_int_equal(from_json("{\"status\":\"waiting\","
	    "\"nonce\":null}", &t), CCAKIT_OK);
	assert_int_equal(t.nonce_len, 0);
	assert_int_equal(from_json("{\"status\":\"waiting\","
	    "\"nonce\":7}", &t), CCAKIT_ERR_ENCODING);
}

/* --- provisioning bodies --- */

static char *
ta_json(bool upper, bool array)
{
	char *jwk, *out, impl[65], inst[67];
	size_t len, i;

	jwk = (char *)tu_read_file(tu_src_path("demo/cpak.jwk.json"), &len);
	snprintf(impl, sizeof(impl), "%s", IMPL);
	snprintf(inst, sizeof(inst), "%s", INST);
	for (i = 0; upper && impl[i] != '\0'; i++)
		if (impl[i] >= 'a' && impl[i] <= 'f')
			impl[i] = (char)(impl[i] - 'a' + 'A');
	out = malloc(len + 400);
	assert_non_null(out);
	sprintf(out, "%s{\"implementation-id\":\"%s\",\"instance-id\":\"%s\","
	    "\"pkey\":%s,\"unknown\":1}%s", array ? "[" : "", impl, inst, jwk,
	    array ? "]" : "");
	free(jwk);
	return out;
}

#define REALM_RV "{\"initial-measurement\":\"%s\"," \
	"\"rak-hash-algorithm\":\"sha-256\"}"

static char *
realm_rv(char fill)
{
	char rim[65], *out = malloc(256);

	memset(rim, fill, 64);
	rim[64] = '\0';
	assert_non_null(out);
	snprintf(out, 256, REALM_RV, rim);
	return out;
}

static void
test_batch(void **state)
{
	struct vdb_batch a, b, c;
	char *t1 = ta_json(false, true), *t2 = ta_json(true, false);
	char *r1 = realm_rv('a'), *r2 = realm_rv('b'), store[1024];
	struct ccakit_errdetail d;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	assert_int_equal(vdb_batch_parse(VDB_TA, t1, strlen(t1), &a,
	    NULL), CCAKIT_OK);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.e[0].kind, 't');
	assert_int_equal(strlen(a.e[0].id), VDB_ENTRY_ID_LEN);
	/* Normalised: unknown members dropped, hex lower case. */
	assert_null(strstr(a.e[0].json, "unknown"));
	/* The same platform, upper-case hex, as an entry: the same id. */
	assert_int_equal(vdb_batch_parse(VDB_TA, t2, strlen(t2), &b,
	    NULL), CCAKIT_OK);
	assert_string_equal(a.e[0].id, b.e[0].id);
	assert_string_equal(a.e[0].json, b.e[0].json);
	vdb_batch_clear(&b);

	/* RV: a store with two realm entries, one of them twice. */
	snprintf(store, sizeof(store), "{\"realm\":[%s,%s,%s]}", r1, r2, r1);
	assert_int_equal(vdb_batch_parse(VDB_RV, store, strlen(store),
	    &b, NULL), CCAKIT_OK);
	assert_int_equal(b.n, 2);
	assert_int_equal(b.e[0].kind, 'r');
	assert_string_not_equal(b.e[0].id, b.e[1].id);
	/* One entry alone: the same id as in the store. */
	assert_int_equal(vdb_batch_parse(VDB_RV, r2, strlen(r2), &c,
	    NULL), CCAKIT_OK);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.e[0].id, b.e[1].id);
	vdb_batch_clear(&c);
	/* A TA body is not an RV body and vice versa. */
	memset(&d, 0, sizeof(d));
	assert_int_not_equal(vdb_batch_parse(VDB_RV, t1, strlen(t1), &c,
	    &d), CCAKIT_OK);
	assert_int_not_equal(vdb_batch_parse(VDB_TA, r1, strlen(r1), &c,
	    NULL), CCAKIT_OK);
	/* One bad entry fails the whole body. */
	snprintf(store, sizeof(store), "{\"realm\":[%s,{\"initial-"
	    "measurement\":\"zz\"}]}", r1);
	assert_int_equal(vdb_batch_parse(VDB_RV, store, strlen(store),
	    &c, &d), CCAKIT_ERR_ENCODING);
	assert_int_equal(c.n, 0);
	assert_int_equal(vdb_batch_parse(VDB_RV, "{\"realm\":[]}", 12,
	    &c, NULL), CCAKIT_ERR_JSON);
	assert_int_equal(vdb_batch_parse(VDB_RV, "{\"x\":1}", 7, &c,
	    NULL), CCAKIT_ERR_JSON);
	assert_int_equal(vdb_batch_parse(VDB_TA, "[{\"instance-id\":1}]",
	    19, &c, NULL), CCAKIT_ERR_JSON);
	assert_int_equal(vdb_batch_parse(VDB_TA, "[", 1, &c, NULL),
	    CCAKIT_ERR_JSON);
	assert_int_equal(vdb_batch_parse(VDB_TA, "{\"a\":1,\"a\":1}",
	    13, &c, NULL), CCAKIT_ERR_JSON);
	vdb_batch_clear(&a);
	vdb_batch_clear(&b);
	free(t1);
	free(t2);
	free(r1);
	free(r2);
}

/* --- the database --- */

struct fixture {
	char dir[64];
	char path[96];
	int64_t now;
};

static int64_t
fake_now(void *arg)
{
	return ((struct fixture *)arg)->now;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_verifier.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/v.db", f->dir);
	f->now = 1700000000000;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static vdb *
open_db(struct fixture *f)
{
	vdb *db = NULL;

	assert_int_equal(vdb_open(f->path, &db, NULL), CCAKIT_OK);
	vdb_set_clock(db, fake_now, f);
	return db;
}

static void
test_sessions(void **state)
{
	struct fixture *f = *state;
	struct svc_v_session s, g, c;
	uint8_t nonce[32];
	vdb *db = open_db(f);
	struct stat sb;
	char id[SVC_V_SESSION_ID_LEN + 1];
	bool claimed;
	size_t n;

	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	memset(nonce, 7, sizeof(nonce));
	memset(&s, 0, sizeof(s));
	assert_int_equal(vdb_session_new(db, nonce, 7, 150, &s),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(vdb_session_new(db, nonce, sizeof(nonce), 150,
	    &s), CCAKIT_OK);
	assert_true(svc_v_uuid_valid(s.id));
	assert_int_equal(s.expires_ms, f->now + 150000);
	memcpy(id, s.id, sizeof(id));
	memset(&g, 0, sizeof(g));
	assert_int_equal(vdb_session_get(db, id, &g), CCAKIT_OK);
	assert_int_equal(g.status, SVC_V_WAITING);
	assert_int_equal(g.nonce_len, 32);
	assert_memory_equal(g.nonce, nonce, 32);
	svc_v_session_clear(&g);

	/* Single use: one claim wins, the next sees it processing. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(vdb_session_claim(db, id, &claimed, &c),
	    CCAKIT_OK);
	assert_true(claimed);
	svc_v_session_clear(&c);
	assert_int_equal(vdb_session_claim(db, id, &claimed, &c),
	    CCAKIT_OK);
	assert_false(claimed);
	assert_int_equal(c.status, SVC_V_PROCESSING);
	svc_v_session_clear(&c);
	assert_int_equal(vdb_session_finish(db, id, MT,
	    (const uint8_t *)"tok", 3, "x.y.z"), CCAKIT_OK);
	/* Finishing twice is refused (it is no longer processing). */
	assert_int_equal(vdb_session_finish(db, id, MT,
	    (const uint8_t *)"tok", 3, "x.y.z"), CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(vdb_session_get(db, id, &g), CCAKIT_OK);
	assert_int_equal(g.status, SVC_V_COMPLETE);
	assert_string_equal(g.result, "x.y.z");
	assert_string_equal(g.media_type, MT);
	assert_int_equal(g.evidence_len, 3);
	svc_v_session_clear(&g);
	assert_int_equal(vdb_session_claim(db, id, &claimed, &c),
	    CCAKIT_OK);
	assert_false(claimed);
	svc_v_session_clear(&c);

	/* Unknown and malformed ids. */
	assert_int_equal(vdb_session_get(db,
	    "00000000-0000-4000-8000-000000000000", &g), CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(vdb_session_get(db, "x", &g),
	    CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(vdb_session_claim(db, "' OR 1=1 --", &claimed,
	    &c), CCAKIT_ERR_NOT_FOUND);

	/* Expiry: at expires_ms exactly, the session is gone. */
	assert_int_equal(vdb_session_new(db, nonce, 8, 1, &s), CCAKIT_OK);
	memcpy(id, s.id, sizeof(id));
	svc_v_session_clear(&s);
	f->now += 999;
	assert_int_equal(vdb_session_get(db, id, &g), CCAKIT_OK);
	svc_v_session_clear(&g);
	f->now += 1;
	assert_int_equal(vdb_session_get(db, id, &g),
	    CCAKIT_ERR_EXPIRED);
	assert_int_equal(vdb_session_claim(db, id, &claimed, &c),
	    CCAKIT_ERR_EXPIRED);
	assert_int_equal(vdb_session_count(db, &n), CCAKIT_OK);
	assert_int_equal(n, 2);
	assert_int_equal(vdb_session_purge(db, 60, &n), CCAKIT_OK);
	assert_int_equal(n, 0);
	f->now += 60000;
	assert_int_equal(vdb_session_purge(db, 60, &n), CCAKIT_OK);
	assert_int_equal(n, 1);
	assert_int_equal(vdb_session_get(db, id, &g),
	    CCAKIT_ERR_NOT_FOUND);

	/* Delete. */
	assert_int_equal(vdb_session_new(db, nonce, 64 > sizeof(nonce) ?
	    sizeof(nonce) : 64, 150, &s), CCAKIT_OK);
	assert_int_equal(vdb_session_delete(db, s.id), CCAKIT_OK);
	assert_int_equal(vdb_session_delete(db, s.id),
	    CCAKIT_ERR_NOT_FOUND);
	svc_v_session_clear(&s);

	/* A session survives a reopen. */
	assert_int_equal(vdb_session_new(db, nonce, 16, 150, &s),
	    CCAKIT_OK);
	vdb_close(&db);
	assert_null(db);
	db = open_db(f);
	assert_int_equal(vdb_session_get(db, s.id, &g), CCAKIT_OK);
	assert_int_equal(g.status, SVC_V_WAITING);
	assert_int_equal(g.nonce_len, 16);
	svc_v_session_clear(&g);
	svc_v_session_clear(&s);
	vdb_close(&db);
}

struct racer {
	vdb *db;
	const char *id;
	bool claimed;
};

static void *
race(void *arg)
{
	struct racer *r = arg;
	struct svc_v_session s;

	memset(&s, 0, sizeof(s));
	if (vdb_session_claim(r->db, r->id, &r->claimed, &s) != CCAKIT_OK)
		r->claimed = false;
	svc_v_session_clear(&s);
	return NULL;
}

static void
test_claim_race(void **state)
{
	struct fixture *f = *state;
	struct racer r[8];
	pthread_t th[8];
	struct svc_v_session s;
	uint8_t nonce[16] = { 1 };
	vdb *db = open_db(f), *db2 = open_db(f);
	int i, round, won;

	for (round = 0; round < 20; round++) {
		memset(&s, 0, sizeof(s));
		assert_int_equal(vdb_session_new(db, nonce, sizeof(nonce),
		    150, &s), CCAKIT_OK);
		for (i = 0; i < 8; i++) {
			/* Two connections: atomicity is SQLite's. */
			r[i].db = (i & 1) ? db2 : db;
			r[i].id = s.id;
			r[i].claimed = false;
			assert_int_equal(pthread_create(&th[i], NULL, race,
			    &r[i]), 0);
		}
		for (won = 0, i = 0; i < 8; i++) {
			pthread_join(th[i], NULL);
			won += r[i].claimed;
		}
		assert_int_equal(won, 1);
		svc_v_session_clear(&s);
	}
	vdb_close(&db);
	vdb_close(&db2);
}

static void
test_provisioning(void **state)
{
	struct fixture *f = *state;
	const struct vdb_stores *st, *old;
	struct vdb_batch ta, rv;
	vdb *db = open_db(f);
	char *t = ta_json(false, true), *r1 = realm_rv('c'), *r2 = realm_rv('d');
	char body[1024], *list, *one;
	uint8_t impl[32], inst[33];
	uint64_t gen;
	size_t n, added;

	memset(&ta, 0, sizeof(ta));
	memset(&rv, 0, sizeof(rv));
	assert_int_equal(ccakit_hex_decode(IMPL, 64, impl, sizeof(impl), &n),
	    CCAKIT_OK);
	assert_int_equal(ccakit_hex_decode(INST, 66, inst, sizeof(inst), &n),
	    CCAKIT_OK);
	st = vdb_stores_get(db);
	assert_int_equal(ccakit_ta_store_count(st->tas), 0);
	gen = st->generation;
	old = st;

	/* Add: visible in the next snapshot, not in the one held. */
	assert_int_equal(vdb_batch_parse(VDB_TA, t, strlen(t), &ta, NULL),
	    CCAKIT_OK);
	assert_int_equal(vdb_prov_add(db, &ta, &added, NULL), CCAKIT_OK);
	assert_int_equal(added, 1);
	assert_int_equal(ccakit_ta_store_count(old->tas), 0);
	st = vdb_stores_get(db);
	assert_true(st->generation > gen);
	assert_int_equal(ccakit_ta_store_count(st->tas), 1);
	assert_non_null(ccakit_ta_store_lookup(st->tas, impl, inst));
	vdb_stores_put(db, &st);
	assert_null(st);
	vdb_stores_put(db, &old);
	/* Again: replaced, nothing new. */
	assert_int_equal(vdb_prov_add(db, &ta, &added, NULL), CCAKIT_OK);
	assert_int_equal(added, 0);

	snprintf(body, sizeof(body), "{\"realm\":[%s,%s]}", r1, r2);
	assert_int_equal(vdb_batch_parse(VDB_RV, body, strlen(body), &rv,
	    NULL), CCAKIT_OK);
	assert_int_equal(vdb_prov_add(db, &rv, &added, NULL), CCAKIT_OK);
	assert_int_equal(added, 2);
	st = vdb_stores_get(db);
	assert_int_equal(ccakit_rv_store_realm_count(st->rvs), 2);
	vdb_stores_put(db, &st);

	/* List: the store format with ids; the TA listing loads as ta.json. */
	assert_int_equal(vdb_prov_list(db, VDB_TA, &list), CCAKIT_OK);
	assert_non_null(strstr(list, ta.e[0].id));
	{
		ccakit_ta_store *s = ccakit_ta_store_new();

		assert_int_equal(ccakit_ta_store_load_json(s, list,
		    strlen(list), NULL), CCAKIT_OK);
		assert_int_equal(ccakit_ta_store_count(s), 1);
		ccakit_ta_store_free(&s);
	}
	free(list);
	assert_int_equal(vdb_prov_list(db, VDB_RV, &list), CCAKIT_OK);
	assert_non_null(strstr(list, "{\"platform\":[],\"realm\":[{\"id\":"));
	free(list);
	assert_int_equal(vdb_prov_get(db, VDB_RV, rv.e[1].id, &one),
	    CCAKIT_OK);
	assert_non_null(strstr(one, rv.e[1].id));
	free(one);
	/* An id of the other class is not found. */
	assert_int_equal(vdb_prov_get(db, VDB_TA, rv.e[1].id, &one),
	    CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(vdb_prov_remove(db, VDB_TA, rv.e[1].id),
	    CCAKIT_ERR_NOT_FOUND);

	/* Remove one: visible at once. */
	assert_int_equal(vdb_prov_remove(db, VDB_RV, rv.e[0].id),
	    CCAKIT_OK);
	assert_int_equal(vdb_prov_remove(db, VDB_RV, rv.e[0].id),
	    CCAKIT_ERR_NOT_FOUND);
	st = vdb_stores_get(db);
	assert_int_equal(ccakit_rv_store_realm_count(st->rvs), 1);
	vdb_stores_put(db, &st);

	/* Persisted: a reopen sees the same stores. */
	vdb_close(&db);
	db = open_db(f);
	st = vdb_stores_get(db);
	assert_int_equal(ccakit_ta_store_count(st->tas), 1);
	assert_int_equal(ccakit_rv_store_realm_count(st->rvs), 1);
	vdb_stores_put(db, &st);

	/* Clear a class. */
	assert_int_equal(vdb_prov_clear(db, VDB_TA, &n), CCAKIT_OK);
	assert_int_equal(n, 1);
	st = vdb_stores_get(db);
	assert_int_equal(ccakit_ta_store_count(st->tas), 0);
	assert_int_equal(ccakit_rv_store_realm_count(st->rvs), 1);
	vdb_stores_put(db, &st);
	vdb_close(&db);
	vdb_batch_clear(&ta);
	vdb_batch_clear(&rv);
	free(t);
	free(r1);
	free(r2);
}

static void
test_ear_key(void **state)
{
	struct fixture *f = *state;
	vdb *db = open_db(f);
	ccakit_key *k = ccakit_key_new();
	char *pem1, *pem2;
	size_t l1, l2;

	assert_int_equal(vdb_ear_key(db, &pem1, &l1), CCAKIT_OK);
	assert_int_equal(vdb_ear_key(db, &pem2, &l2), CCAKIT_OK);
	assert_int_equal(l1, l2);
	assert_memory_equal(pem1, pem2, l1);
	free(pem2);
	vdb_close(&db);
	db = open_db(f);
	assert_int_equal(vdb_ear_key(db, &pem2, &l2), CCAKIT_OK);
	assert_string_equal(pem1, pem2);
	assert_int_equal(ccakit_key_from_pem(k, pem1, l1), CCAKIT_OK);
	assert_true(ccakit_key_has_private(k));
	assert_int_equal(ccakit_key_crv(k), CCAKIT_COSE_CRV_P256);
	ccakit_key_free(&k);
	free(pem1);
	free(pem2);
	vdb_close(&db);
}

/*
 * The file deleted or replaced under the open database: every write
 * refuses with CCAKIT_ERR_DB_GONE (it would go to an unlinked file),
 * reads still answer.
 */
static void
test_db_gone(void **state)
{
	struct fixture *f = *state;
	struct svc_v_session s, g;
	struct vdb_batch rv;
	struct ccakit_errdetail d;
	uint8_t nonce[32];
	char *r1 = realm_rv('e'), path[128], *pem;
	bool claimed;
	size_t n, len;
	vdb *db = open_db(f);
	int i;

	memset(&rv, 0, sizeof(rv));
	memset(nonce, 7, sizeof(nonce));
	assert_int_equal(vdb_check(db, NULL), CCAKIT_OK);
	assert_int_equal(vdb_session_new(db, nonce, sizeof(nonce), 60,
	    &s), CCAKIT_OK);
	assert_int_equal(unlink(f->path), 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(vdb_check(db, &d), CCAKIT_ERR_DB_GONE);
	assert_non_null(strstr(d.text, "the file was deleted"));
	assert_int_equal(vdb_session_new(db, nonce, sizeof(nonce), 60,
	    &g), CCAKIT_ERR_DB_GONE);
	assert_int_equal(vdb_session_claim(db, s.id, &claimed, &g),
	    CCAKIT_ERR_DB_GONE);
	assert_int_equal(vdb_session_finish(db, s.id, NULL, NULL, 0,
	    NULL), CCAKIT_ERR_DB_GONE);
	assert_int_equal(vdb_session_delete(db, s.id),
	    CCAKIT_ERR_DB_GONE);
	assert_int_equal(vdb_session_purge(db, 0, &n), CCAKIT_ERR_DB_GONE);
	assert_int_equal(vdb_batch_parse(VDB_RV, r1, strlen(r1), &rv,
	    NULL), CCAKIT_OK);
	memset(&d, 0, sizeof(d));
	assert_int_equal(vdb_prov_add(db, &rv, &n, &d), CCAKIT_ERR_DB_GONE);
	assert_non_null(strstr(d.text, "deleted"));
	assert_int_equal(vdb_prov_clear(db, VDB_RV, &n),
	    CCAKIT_ERR_DB_GONE);
	assert_int_equal(vdb_prov_remove(db, VDB_RV, rv.e[0].id),
	    CCAKIT_ERR_DB_GONE);
	assert_int_equal(vdb_ear_key(db, &pem, &len), CCAKIT_ERR_DB_GONE);
	/* Reads: the open file is still consistent. */
	assert_int_equal(vdb_session_get(db, s.id, &g), CCAKIT_OK);
	svc_v_session_clear(&g);
	assert_int_equal(vdb_session_count(db, &n), CCAKIT_OK);
	assert_int_equal(n, 1);
	svc_v_session_clear(&s);
	vdb_close(&db);

	/* Replaced by a rename, and each companion file deleted. */
	for (i = 0; i < 3; i++) {
		static const char *const sfx[] = { ".copy", "-wal", "-shm" };
		static const char *const why[] = { "the file was replaced",
			"its -wal file was deleted",
			"its -shm file was deleted" };

		db = open_db(f);
		snprintf(path, sizeof(path), "%s%s", f->path, sfx[i]);
		if (i == 0) {
			FILE *fp = fopen(path, "w");

			assert_non_null(fp);
			fclose(fp);
			assert_int_equal(rename(path, f->path), 0);
		} else {
			assert_int_equal(unlink(path), 0);
			/* -wal and -shm are looked at once a second. */
			usleep(1100 * 1000);
		}
		memset(&d, 0, sizeof(d));
		assert_int_equal(vdb_session_new(db, nonce, sizeof(nonce),
		    60, &s), CCAKIT_ERR_DB_GONE);
		assert_int_equal(vdb_check(db, &d), CCAKIT_ERR_DB_GONE);
		if (strstr(d.text, why[i]) == NULL)
			fail_msg("'%s' does not say '%s'", d.text, why[i]);
		vdb_close(&db);
		unlink(f->path);
	}
	vdb_batch_clear(&rv);
	free(r1);
}

/* The EAR key lives in the database: owner-only, whatever was there. */
static void
test_db_mode(void **state)
{
	struct fixture *f = *state;
	vdb *db;
	struct stat sb;
	char path[128];
	mode_t old;
	int i, fd;

	old = umask(0277);
	db = open_db(f);
	umask(old);
	assert_int_equal(vdb_fixed_mode(db), 0);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	vdb_close(&db);
	/* A world-readable database with -wal and -shm (not empty, as a
	 * crash leaves them; SQLite itself fixes the mode of empty ones). */
	assert_int_equal(chmod(f->path, 0644), 0);
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s%s", f->path,
		    i == 0 ? "-wal" : "-shm");
		assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC,
		    0644)) >= 0);
		assert_int_equal(write(fd, "x", 1), 1);
		close(fd);
		assert_int_equal(chmod(path, 0640), 0);
	}
	db = open_db(f);
	assert_int_equal(vdb_fixed_mode(db), 0644);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s", f->path,
		    i == 0 ? "" : i == 1 ? "-wal" : "-shm");
		assert_int_equal(stat(path, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, 0600);
	}
	vdb_close(&db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nonce_encodings),
		cmocka_unit_test(test_nonce_bad),
		cmocka_unit_test(test_media),
		cmocka_unit_test(test_cmw),
		cmocka_unit_test(test_uuid_parse),
		cmocka_unit_test(test_uuid),
		cmocka_unit_test(test_session_json),
		cmocka_unit_test(test_batch),
		cmocka_unit_test_setup_teardown(test_sessions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_claim_race, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_provisioning, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ear_key, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_db_gone, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_db_mode, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
