/*
 * Unit tests of the service layer: the HTTP server layer and client in
 * one process over loopback (routing, captures, body caps, problem+json),
 * and the request and reply parsers of keybroker-server, keybroker-app
 * and the Veraison client.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ccakit/eventlog.h>

#include "httpc.h"
#include "httpd.h"
#include "kba.h"
#include "kbs.h"
#include "veraison.h"

#define S(x) ((const uint8_t *)(x)), strlen(x)
#define T(x) (x), strlen(x)

/* --- the server layer --- */

static void
echo(void *arg, const struct svc_req *req, struct svc_resp *resp)
{
	(void)arg;
	svc_resp_json(resp, 200, json_pack("{s:s, s:s, s:i}", "a",
	    req->arg[0], "b", req->narg > 1 ? req->arg[1] : "",
	    "len", (int)req->body_len));
}

static const struct svc_route routes[] = {
	{ "POST", "/x/{}/y/{}", 16, echo },
	{ "GET", "/one/{}", 0, echo },
};

static struct svc_httpd *
start(char *base, size_t basesz)
{
	struct svc_httpd_conf c;
	struct svc_httpd *h = NULL;
	char err[128];

	memset(&c, 0, sizeof(c));
	c.addr = "127.0.0.1";
	c.threads = 1;
	c.conn_limit = 8;
	c.conn_memory = 16 * 1024;
	c.timeout_s = 5;
	c.routes = routes;
	c.nroutes = 2;
	assert_int_equal(svc_httpd_start(&c, &h, err, sizeof(err)), 0);
	assert_true(svc_httpd_port(h) != 0);
	snprintf(base, basesz, "http://127.0.0.1:%u", svc_httpd_port(h));
	return h;
}

static long
req(svc_httpc *c, const char *method, const char *base, const char *path,
    const char *body, struct svc_http_resp *r)
{
	char url[256], err[256];

	snprintf(url, sizeof(url), "%s%s", base, path);
	assert_int_equal(svc_httpc_request(c, method, url, NULL, body,
	    body != NULL ? strlen(body) : 0, r, err, sizeof(err)),
	    SVC_HTTPC_OK);
	return r->status;
}

static void
test_httpd_routing(void **state)
{
	struct svc_http_resp r;
	struct svc_httpd *h;
	svc_httpc *c;
	char base[64];

	(void)state;
	h = start(base, sizeof(base));
	assert_non_null(c = svc_httpc_new(NULL));
	assert_int_equal(req(c, "POST", base, "/x/ab/y/cd", "0123456789", &r),
	    200);
	assert_string_equal((char *)r.body, "{\"a\":\"ab\",\"b\":\"cd\","
	    "\"len\":10}");
	assert_string_equal(r.content_type, "application/json");
	svc_http_resp_clear(&r);
	/* Exactly at the cap, then one byte over it. */
	assert_int_equal(req(c, "POST", base, "/x/a/y/b", "0123456789abcdef",
	    &r), 200);
	svc_http_resp_clear(&r);
	assert_int_equal(req(c, "POST", base, "/x/a/y/b",
	    "0123456789abcdefg", &r), 413);
	assert_string_equal(r.content_type, SVC_PROBLEM_JSON);
	assert_non_null(strstr((char *)r.body, "\"status\":413"));
	assert_non_null(strstr((char *)r.body, "\"type\":\"about:blank\""));
	svc_http_resp_clear(&r);
	/* Empty segment, extra segment, trailing slash, wrong method. */
	assert_int_equal(req(c, "POST", base, "/x//y/b", "", &r), 404);
	svc_http_resp_clear(&r);
	assert_int_equal(req(c, "POST", base, "/x/a/y/b/c", "", &r), 404);
	svc_http_resp_clear(&r);
	assert_int_equal(req(c, "GET", base, "/one/a/", NULL, &r), 404);
	svc_http_resp_clear(&r);
	assert_int_equal(req(c, "GET", base, "/x/a/y/b", NULL, &r), 405);
	svc_http_resp_clear(&r);
	assert_int_equal(req(c, "GET", base, "/one/z", NULL, &r), 200);
	assert_non_null(strstr((char *)r.body, "\"a\":\"z\""));
	svc_http_resp_clear(&r);
	svc_httpc_free(&c);
	svc_httpd_stop(&h);
	assert_null(h);
}

static void
test_httpc_cap(void **state)
{
	struct svc_httpc_opts o = { 0, 0, 8, NULL, false };
	struct svc_http_resp r;
	struct svc_httpd *h;
	svc_httpc *c;
	char base[64], url[128], err[256];

	(void)state;
	h = start(base, sizeof(base));
	assert_non_null(c = svc_httpc_new(&o));
	snprintf(url, sizeof(url), "%s/one/abc", base);
	assert_int_equal(svc_httpc_request(c, "GET", url, NULL, NULL, 0, &r,
	    err, sizeof(err)), SVC_HTTPC_ERR_TOO_LARGE);
	assert_null(r.body);
	svc_httpc_free(&c);
	svc_httpd_stop(&h);
	/* Nobody listens any more. */
	assert_non_null(c = svc_httpc_new(NULL));
	assert_int_equal(svc_httpc_request(c, "GET", url, NULL, NULL, 0, &r,
	    err, sizeof(err)), SVC_HTTPC_ERR_TRANSPORT);
	svc_httpc_free(&c);
}

static void
test_url_resolve(void **state)
{
	char *u;

	(void)state;
	u = svc_url_resolve("http://v:8080/challenge-response/v1/newSession"
	    "?nonce=x", "session/1234");
	assert_string_equal(u, "http://v:8080/challenge-response/v1/session/"
	    "1234");
	free(u);
	u = svc_url_resolve("http://a/b", "https://c/d");
	assert_string_equal(u, "https://c/d");
	free(u);
}

/* --- keybroker-server parsers --- */

static void
test_key_request(void **state)
{
	char err[256], *jwk;

	(void)state;
	assert_int_equal(kbs_parse_key_request(S("{\"pubkey\":{\"kty\":"
	    "\"RSA\",\"n\":\"AQAB\"}}"), &jwk, err, sizeof(err)), 0);
	assert_string_equal(jwk, "{\"kty\":\"RSA\",\"n\":\"AQAB\"}");
	free(jwk);
	assert_int_equal(kbs_parse_key_request(S("{\"pubkey\":{},\"pubkey\":"
	    "{}}"), &jwk, err, sizeof(err)), -1);
	assert_null(jwk);
	/* Other members are ignored (serde), "pubkey" is still required. */
	assert_int_equal(kbs_parse_key_request(S("{\"x\":[1],\"pubkey\":"
	    "{\"kty\":\"RSA\"},\"y\":{\"z\":null}}"), &jwk, err,
	    sizeof(err)), 0);
	assert_string_equal(jwk, "{\"kty\":\"RSA\"}");
	free(jwk);
	assert_int_equal(kbs_parse_key_request(S("{\"x\":{}}"), &jwk, err,
	    sizeof(err)), -1);
	assert_int_equal(kbs_parse_key_request(S("{\"pubkey\":\"k\"}"), &jwk,
	    err, sizeof(err)), -1);
	assert_int_equal(kbs_parse_key_request(S("[{\"pubkey\":{}}]"), &jwk,
	    err, sizeof(err)), -1);
	assert_int_equal(kbs_parse_key_request(S("{\"pubkey\":{}"), &jwk,
	    err, sizeof(err)), -1);
	assert_int_equal(kbs_parse_key_request(S(""), &jwk, err, sizeof(err)),
	    -1);
}

static void
test_evidence_body(void **state)
{
	char err[256];
	uint8_t *tok;
	size_t len;

	(void)state;
	assert_int_equal(kbs_parse_evidence(S("2YGP"), &tok, &len, err,
	    sizeof(err)), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(tok, "\xd9\x81\x8f", 3);
	free(tok);
	assert_int_equal(kbs_parse_evidence(S("2YE"), &tok, &len, err,
	    sizeof(err)), 0);
	free(tok);
	assert_int_equal(kbs_parse_evidence(S("2YE="), &tok, &len, err,
	    sizeof(err)), -1);
	assert_null(tok);
	assert_int_equal(kbs_parse_evidence(S("2YGP\n"), &tok, &len, err,
	    sizeof(err)), -1);
	assert_int_equal(kbs_parse_evidence(S("2Y+P"), &tok, &len, err,
	    sizeof(err)), -1);
	assert_int_equal(kbs_parse_evidence(S(""), &tok, &len, err,
	    sizeof(err)), -1);
}

static void
test_challenge_id(void **state)
{
	/* Rust's u32 FromStr, as the demo's server parses the path. */
	static const char *const bad[] = { "4294967296", "-1", "1a", "",
	    " 1", "+", "++1", "99999999999", "0x10" };
	uint32_t id;
	size_t i;

	(void)state;
	assert_true(kbs_parse_challenge_id("1", &id));
	assert_int_equal(id, 1);
	assert_true(kbs_parse_challenge_id("4294967295", &id));
	assert_int_equal(id, 4294967295u);
	assert_true(kbs_parse_challenge_id("0", &id));
	assert_int_equal(id, 0);
	assert_true(kbs_parse_challenge_id("+007", &id));
	assert_int_equal(id, 7);
	assert_true(kbs_parse_challenge_id("000000000000004294967295", &id));
	assert_int_equal(id, 4294967295u);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(kbs_parse_challenge_id(bad[i], &id));
}

static void
test_media_type(void **state)
{
	(void)state;
	assert_int_equal(kbs_media_type("application/eat-collection; "
	    "profile=\"http://arm.com/CCA-SSD/1.0.0\""), KBS_EV_CCA);
	assert_int_equal(kbs_media_type("application/cmw+cbor; "
	    "cmwc_t=\"tag:linaro.org,2024:eat+log\""), KBS_EV_CMW);
	/* The unquoted form the broker advertises in "accept". */
	assert_int_equal(kbs_media_type(KBS_ACCEPT_CCA), KBS_EV_CCA);
	assert_int_equal(kbs_media_type("application/eat-collection; "
	    "profile=http://arm.com/CCA-SSD/1.0.1"), KBS_EV_NONE);
	assert_int_equal(kbs_media_type("application/json"), KBS_EV_NONE);
	assert_int_equal(kbs_media_type(NULL), KBS_EV_NONE);
}

static void
test_json_media_type(void **state)
{
	static const char *const good[] = {
		"application/json",
		"Application/JSON",
		"application/json; charset=utf-8",
		"application/json;charset=UTF-8",
		" application/json ",
		("application/vnd.veraison.keybroker.background-check-key-"
		    "request+json"),
		"application/problem+JSON",
		"text/json",
	};
	static const char *const bad[] = {
		"", "text/plain", "application/x-www-form-urlencoded",
		"application/jsonx", "application/+json", "application",
		"application/", "/json", "json", "application/json x",
		"application/json,text/plain", "application/cbor+json/x",
		"multipart/form-data; boundary=json",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!kbs_json_media_type(good[i]))
			fail_msg("refused: %s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (kbs_json_media_type(bad[i]))
			fail_msg("accepted: %s", bad[i]);
	assert_false(kbs_json_media_type(NULL));
}

static void
test_cmw(void **state)
{
	/* {"evidence": [MT, h'0102'], "event_log": [LT, [3, 255]]} */
	static const char mt[] = KBS_MEDIA_TYPE_CCA, lt[] = KBS_MEDIA_TYPE_EVLOG;
	uint8_t buf[256], *tok, *log;
	char err[256];
	size_t n = 0, tl, ll;

	(void)state;
	buf[n++] = 0xa2;
	buf[n++] = 0x68;
	memcpy(buf + n, "evidence", 8);
	n += 8;
	buf[n++] = 0x82;
	buf[n++] = 0x78;
	buf[n++] = (uint8_t)strlen(mt);
	memcpy(buf + n, mt, strlen(mt));
	n += strlen(mt);
	buf[n++] = 0x42;
	buf[n++] = 0x01;
	buf[n++] = 0x02;
	buf[n++] = 0x69;
	memcpy(buf + n, "event_log", 9);
	n += 9;
	buf[n++] = 0x82;
	buf[n++] = 0x78;
	buf[n++] = (uint8_t)strlen(lt);
	memcpy(buf + n, lt, strlen(lt));
	n += strlen(lt);
	buf[n++] = 0x82;
	buf[n++] = 0x03;
	buf[n++] = 0x18;
	buf[n++] = 0xff;
	assert_int_equal(kbs_parse_cmw(buf, n, &tok, &tl, &log, &ll, err,
	    sizeof(err)), 0);
	assert_int_equal(tl, 2);
	assert_memory_equal(tok, "\x01\x02", 2);
	assert_int_equal(ll, 2);
	assert_memory_equal(log, "\x03\xff", 2);
	free(tok);
	free(log);
	/* A 256 in the byte array; then a truncated map. */
	buf[n - 2] = 0x19;
	buf[n - 1] = 0x01;
	buf[n++] = 0x00;
	assert_int_equal(kbs_parse_cmw(buf, n, &tok, &tl, &log, &ll, err,
	    sizeof(err)), -1);
	assert_null(tok);
	assert_null(log);
	assert_int_equal(kbs_parse_cmw(buf, n - 4, &tok, &tl, &log, &ll, err,
	    sizeof(err)), -1);
	/* Wrong inner media type. */
	buf[15] ^= 0x20;
	assert_int_equal(kbs_parse_cmw(buf, n, &tok, &tl, &log, &ll, err,
	    sizeof(err)), -1);
}

static void
test_images(void **state)
{
	static const char ok[] =
	    "# trusted\n"
	    "1d0044ddd0cf027fb02e3c60e80c36fb624b6c515b17a33d15507c9b66b5db1f"
	    "  kernel.img\n\n"
	    "6c215c4d767020e72fbfcb8fd53c237e30f4ab2c931e47b763d5ed5f476ae21f"
	    " */abs/vm.dtb\n";
	struct ccakit_trusted_image *im;
	char err[256];
	size_t n;

	(void)state;
	assert_int_equal(kbs_parse_images(ok, strlen(ok), "/d", &im, &n, err,
	    sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_int_equal(im[0].alg, CCAKIT_TCG_ALG_SHA256);
	assert_int_equal(im[0].digest_len, 32);
	assert_int_equal(im[0].digest[0], 0x1d);
	assert_string_equal(im[0].src.path, "/d/kernel.img");
	assert_string_equal(im[1].src.path, "/abs/vm.dtb");
	kbs_images_free(im, n);
	assert_int_equal(kbs_parse_images(T("abcd  x\n"), "/d", &im, &n, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "line 1"));
	assert_int_equal(kbs_parse_images(T("# nothing\n"), "/d", &im, &n,
	    err, sizeof(err)), -1);
	assert_int_equal(kbs_parse_images(T(
	    "1d0044ddd0cf027fb02e3c60e80c36fb624b6c515b17a33d15507c9b66b5db1f"
	    "\tkernel\n"), "/d", &im, &n, err, sizeof(err)), -1);
}

/* --- keybroker-app parsers --- */

static void
test_app_replies(void **state)
{
	uint8_t nonce[64], *w;
	char err[256], type[32], detail[64], body[256];
	size_t n;

	(void)state;
	snprintf(body, sizeof(body), "{\"challenge\":\"%s\",\"accept\":"
	    "[\"x\"]}", "bobW2XzHE7xt1D285JGmtAMRwCeov4WjnaY-nORMEyqKEZ0pb65q"
	    "aZnpvz5EcbDOASRdiJQkwx6JeTs7HWsVBA");
	assert_int_equal(kba_parse_challenge(S(body), nonce, err,
	    sizeof(err)), 0);
	assert_memory_equal(nonce, kbs_mock_nonce, 64);
	/* 63 bytes, a number in accept, no challenge. */
	assert_int_equal(kba_parse_challenge(S("{\"challenge\":\"bobW2XzHE7"
	    "xt1D285JGmtAMRwCeov4WjnaY-nORMEyqKEZ0pb65qaZnpvz5EcbDOASRdiJQkw"
	    "x6JeTs7HWsV\"}"), nonce, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "expecting 64"));
	assert_int_equal(kba_parse_challenge(S("{\"challenge\":\"AA\","
	    "\"accept\":[1]}"), nonce, err, sizeof(err)), -1);
	assert_int_equal(kba_parse_challenge(S("{}"), nonce, err,
	    sizeof(err)), -1);
	assert_int_equal(kba_parse_wrapped(S("{\"data\":\"AQID\"}"), &w, &n,
	    err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	free(w);
	assert_int_equal(kba_parse_wrapped(S("{\"data\":\"\"}"), &w, &n,
	    err, sizeof(err)), -1);
	assert_int_equal(kba_parse_wrapped(S("{\"data\":1}"), &w, &n, err,
	    sizeof(err)), -1);
	kba_parse_problem(S("{\"type\":\"T\",\"detail\":\"a\\u001b[2Jb\"}"),
	    type, sizeof(type), detail, sizeof(detail));
	assert_string_equal(type, "T");
	assert_string_equal(detail, "a?[2Jb");
	kba_parse_problem(S("<html>"), type, sizeof(type), detail,
	    sizeof(detail));
	assert_string_equal(type, "");
	assert_string_equal(detail, "");
}

/* --- Veraison client parsers --- */

#define DISCOVERY(state, path) \
	"{\"ear-verification-key\":{\"alg\":\"ES256\",\"crv\":\"P-256\"," \
	"\"kty\":\"EC\",\"x\":\"usWxHK2PmfnHKwXPS54m0kTcGJ90UiglWiGahtagnv8\"," \
	"\"y\":\"IBOL-C3BttVivg-lSreASjpkttcsz-1rb7btKLv8EX4\"}," \
	"\"media-types\":[],\"version\":\"v\",\"service-state\":\"" state \
	"\",\"api-endpoints\":{\"newChallengeResponseSession\":\"" path "\"}}"

static void
test_veraison_parsers(void **state)
{
	struct svc_v_session ss;
	char err[256], *jwk, *path;
	ccakit_key *k;

	(void)state;
	assert_int_equal(svc_veraison_parse_discovery(S(DISCOVERY("READY",
	    "/challenge-response/v1/newSession")), &jwk, &path, err,
	    sizeof(err)), 0);
	assert_string_equal(path, "/challenge-response/v1/newSession");
	assert_non_null(k = ccakit_key_new());
	assert_int_equal(ccakit_key_from_jwk(k, jwk, strlen(jwk)), CCAKIT_OK);
	ccakit_key_free(&k);
	free(jwk);
	free(path);
	assert_int_equal(svc_veraison_parse_discovery(S(DISCOVERY("DOWN",
	    "/n")), &jwk, &path, err, sizeof(err)), -1);
	assert_null(jwk);
	assert_int_equal(svc_veraison_parse_discovery(S(DISCOVERY("BUSY",
	    "/n")), &jwk, &path, err, sizeof(err)), -1);
	assert_int_equal(svc_veraison_parse_discovery(S(DISCOVERY("READY",
	    "http://evil/n")), &jwk, &path, err, sizeof(err)), -1);
	assert_int_equal(svc_veraison_parse_session(S("{\"status\":"
	    "\"complete\",\"result\":\"a.b.c\"}"), true, &ss, err,
	    sizeof(err)), 0);
	assert_string_equal(ss.result, "a.b.c");
	svc_v_session_clear(&ss);
	assert_int_equal(svc_veraison_parse_session(S("{\"status\":"
	    "\"processing\",\"result\":\"a.b.c\"}"), true, &ss, err,
	    sizeof(err)), -1);
	assert_null(ss.result);
	assert_int_equal(svc_veraison_parse_session(S("{\"status\":"
	    "\"complete\"}"), true, &ss, err, sizeof(err)), -1);
	/* A waiting session is what newSession answers. */
	assert_int_equal(svc_veraison_parse_session(S("{\"status\":"
	    "\"waiting\",\"nonce\":\"AAAAAAAAAAA=\"}"), false, &ss, err,
	    sizeof(err)), 0);
	assert_int_equal(ss.nonce_len, 8);
	svc_v_session_clear(&ss);
	assert_int_equal(svc_veraison_parse_session(S("{\"status\":"
	    "\"waiting\",\"nonce\":\"AAAA\"}"), false, &ss, err,
	    sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_httpd_routing),
		cmocka_unit_test(test_httpc_cap),
		cmocka_unit_test(test_url_resolve),
		cmocka_unit_test(test_key_request),
		cmocka_unit_test(test_evidence_body),
		cmocka_unit_test(test_challenge_id),
		cmocka_unit_test(test_media_type),
		cmocka_unit_test(test_json_media_type),
		cmocka_unit_test(test_cmw),
		cmocka_unit_test(test_images),
		cmocka_unit_test(test_app_replies),
		cmocka_unit_test(test_veraison_parsers),
	};

	svc_log_init("test", SVC_LOG_ERROR);
	if (svc_httpc_global_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
