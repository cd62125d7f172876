/*
 * Secrets in HTTP bodies are wiped before their memory is released: the
 * server layer's reply bodies (a handler's malloc'd body, which
 * libmicrohttpd holds until it has sent it), the request bodies it
 * accumulates (every time the buffer grows, not only at the end), and
 * the client's response bodies (svc_httpc), and JSON values once
 * svc_json_wipe() has made jansson wipe what it frees.
 *
 * The secret bodies begin with a marker that nothing else in the process
 * holds, and every block released in this process is looked at just
 * before it goes back to the allocator: a block that still begins with
 * the marker is a body that was not wiped, and is counted; the count
 * must stay 0. (Only the start of a block is looked at: the libraries'
 * own buffers, libcurl's receive buffer say, may hold a copy of part of
 * a body elsewhere, and what they hold is theirs to release.) Without a sanitizer this
 * program defines free() and realloc() itself, over glibc's (the
 * libraries' calls come here too: libmicrohttpd frees a reply body
 * itself); under AddressSanitizer it installs the sanitizer's free hook,
 * which runs before a block is freed or poisoned (realloc frees through
 * it too). The last test checks that the detector sees an unwiped block.
 *
 * The server runs with 64 KiB of connection memory, as the services do,
 * so libmicrohttpd's own connection buffers are mapped pages, not heap
 * blocks; what they hold is libmicrohttpd's to release.
 */
#include <stdatomic.h>
#include <stddef.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "httpc.h"
#include "httpd.h"
#include "rawhttp.h"
#include "svcmain.h"

#if defined(__SANITIZE_ADDRESS__)
#define WIPE_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WIPE_TEST_ASAN 1
#endif
#endif

#ifdef WIPE_TEST_ASAN
#include <sanitizer/allocator_interface.h>
#else
#include <malloc.h>
#endif

/* What no other byte string of the process holds: a heap copy is ours. */
static const char marker[] = "wipe-test:0c9f5e2a7b3d4816a1e8f07c5d92b3e4";
#define MARKER_LEN      (sizeof(marker) - 1)

#define CONN_MEMORY     (64 * 1024)
#define BIG             (48 * 1024)     /* grows a body buffer a few times */

static atomic_uint unwiped;

/* Whether p[0..n) begins with the marker (no library call: this runs
 * inside free()). */
static int
holds_marker(const volatile unsigned char *p, size_t n)
{
	size_t j;

	if (p == NULL || n < MARKER_LEN)
		return 0;
	for (j = 0; j < MARKER_LEN && p[j] == (unsigned char)marker[j]; j++)
		;
	return j == MARKER_LEN;
}

/* memset() that a free() after it does not make dead. */
static void
wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n-- > 0)
		*v++ = 0;
}

#ifdef WIPE_TEST_ASAN
static void
on_malloc(const volatile void *p, size_t n)
{
	(void)p;
	(void)n;
}

static void
on_free(const volatile void *p)
{
	if (holds_marker(p, __sanitizer_get_allocated_size(p)))
		atomic_fetch_add(&unwiped, 1);
}

static void
detector_install(void)
{
	__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
}
#else
void __libc_free(void *p);
void *__libc_realloc(void *p, size_t n);

void
free(void *p)
{
	if (p != NULL && holds_marker(p, malloc_usable_size(p)))
		atomic_fetch_add(&unwiped, 1);
	__libc_free(p);
}

void *
realloc(void *p, size_t n)
{
	if (p != NULL && holds_marker(p, malloc_usable_size(p)))
		atomic_fetch_add(&unwiped, 1);
	return __libc_realloc(p, n);
}

static void
detector_install(void)
{
}
#endif

/* n >= MARKER_LEN bytes of secret: the marker, then filler. */
static char *
secret_text(size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memcpy(s, marker, MARKER_LEN);
	memset(s + MARKER_LEN, 's', n - MARKER_LEN);
	s[n] = '\0';
	return s;
}

#define SECRET_LEN      (MARKER_LEN * 1000)

/* A reply whose body is a secret, handed to the layer (as ccakit-agent's
 * /cdh/resource does). */
static void
secret_handler(void *arg, const struct svc_req *req, struct svc_resp *r)
{
	(void)arg;
	(void)req;
	r->status = 200;
	r->content_type = "application/octet-stream";
	r->body = secret_text(SECRET_LEN);
	r->body_len = SECRET_LEN;
}

/* A reply built and then replaced (svc_resp_json over an earlier body). */
static void
replaced_handler(void *arg, const struct svc_req *req, struct svc_resp *r)
{
	(void)arg;
	(void)req;
	r->body = secret_text(MARKER_LEN * 4);
	r->body_len = MARKER_LEN * 4;
	svc_resp_problem(r, 403, NULL, NULL, "not for you");
}

/* How much of a secret request body arrived. */
static void
len_handler(void *arg, const struct svc_req *req, struct svc_resp *r)
{
	(void)arg;
	svc_resp_json(r, 200, json_pack("{s:i, s:b}", "len",
	    (int)req->body_len, "marker", holds_marker(req->body,
	    req->body_len)));
}

static const struct svc_route routes[] = {
	{ "GET", "/secret", 0, secret_handler },
	{ "GET", "/replaced", 0, replaced_handler },
	{ "PUT", "/upload", 2 * BIG, len_handler },
};

static struct svc_httpd *
start(uint16_t *port)
{
	struct svc_httpd_conf c;
	struct svc_httpd *h = NULL;
	char err[256];

	memset(&c, 0, sizeof(c));
	c.addr = "127.0.0.1";
	c.threads = 2;
	c.conn_limit = 16;
	c.conn_memory = CONN_MEMORY;
	c.timeout_s = 30;
	c.routes = routes;
	c.nroutes = sizeof(routes) / sizeof(routes[0]);
	if (svc_httpd_start(&c, &h, err, sizeof(err)) != 0)
		fail_msg("svc_httpd_start: %s", err);
	*port = svc_httpd_port(h);
	return h;
}

static char resp[256 * 1024];
static char reqbuf[BIG + 512];

/* One request on a new connection, the reply read whole into resp. */
static void
exchange(uint16_t port, const char *req, size_t len)
{
	size_t n;
	int fd;

	assert_true((fd = raw_connect(NULL, "127.0.0.1", port)) >= 0);
	assert_int_equal(raw_send_all(fd, req, len), 0);
	assert_int_equal(raw_read(fd, resp, sizeof(resp), &n, 5000, true),
	    RAW_DONE);
	close(fd);
}

/* The detector sees a block freed with the secret still in it. */
static void
test_detector(void **state)
{
	unsigned before = atomic_load(&unwiped);
	char *s = secret_text(MARKER_LEN * 2);

	(void)state;
	free(s);
	assert_int_equal(atomic_load(&unwiped), before + 1);
	s = secret_text(MARKER_LEN * 2);
	s = realloc(s, 1 << 20);
	assert_non_null(s);
	assert_int_equal(atomic_load(&unwiped), before + 2);
	wipe(s, MARKER_LEN * 2);
	free(s);
	atomic_store(&unwiped, 0);
}

/* A reply body the handler hands over, sent and released by the layer. */
static void
test_reply_body(void **state)
{
	static const char req[] = "GET /secret HTTP/1.1\r\nHost: x\r\n"
	    "Connection: close\r\n\r\n";
	static const char req2[] = "GET /replaced HTTP/1.1\r\nHost: x\r\n"
	    "Connection: close\r\n\r\n";
	struct svc_httpd *h;
	uint16_t port;

	(void)state;
	atomic_store(&unwiped, 0);
	h = start(&port);
	exchange(port, req, sizeof(req) - 1);
	assert_int_equal(raw_status(resp), 200);
	assert_int_equal(strlen(raw_body(resp)), SECRET_LEN);
	assert_true(holds_marker((const unsigned char *)raw_body(resp),
	    SECRET_LEN));
	exchange(port, req2, sizeof(req2) - 1);
	assert_int_equal(raw_status(resp), 403);
	/* Every reply released (stopping waits for that). */
	svc_httpd_stop(&h);
	assert_int_equal(atomic_load(&unwiped), 0);
}

/* A request body accumulated as it arrives (the buffer grows). */
static void
test_request_body(void **state)
{
	struct svc_httpd *h;
	uint16_t port;
	char *body;
	int n;

	(void)state;
	atomic_store(&unwiped, 0);
	h = start(&port);
	n = snprintf(reqbuf, sizeof(reqbuf), "PUT /upload HTTP/1.1\r\n"
	    "Host: x\r\nConnection: close\r\nContent-Type: text/plain\r\n"
	    "Content-Length: %zu\r\n\r\n", (size_t)SECRET_LEN);
	assert_true(n > 0 && (size_t)n + SECRET_LEN < sizeof(reqbuf));
	body = secret_text(SECRET_LEN);
	memcpy(reqbuf + n, body, SECRET_LEN);
	wipe(body, SECRET_LEN);
	free(body);
	exchange(port, reqbuf, (size_t)n + SECRET_LEN);
	assert_int_equal(raw_status(resp), 200);
	assert_non_null(strstr(raw_body(resp), "\"marker\":true"));
	svc_httpd_stop(&h);
	wipe(reqbuf, sizeof(reqbuf));
	assert_int_equal(atomic_load(&unwiped), 0);
}

/* The client's response body (it grows as the reply arrives). */
static void
test_client_body(void **state)
{
	struct svc_httpc_opts o = { 0 };
	struct svc_http_resp r;
	struct svc_httpd *h;
	svc_httpc *c;
	char url[64], err[256];
	uint16_t port;

	(void)state;
	h = start(&port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/secret",
	    (unsigned)port);
	assert_non_null(c = svc_httpc_new(&o));
	atomic_store(&unwiped, 0);
	assert_int_equal(svc_httpc_request(c, "GET", url, NULL, NULL, 0, &r,
	    err, sizeof(err)), SVC_HTTPC_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, SECRET_LEN);
	svc_http_resp_clear(&r);
	svc_httpd_stop(&h);
	assert_int_equal(atomic_load(&unwiped), 0);
	/* libcurl's own receive buffer is libcurl's to release. */
	svc_httpc_free(&c);
}

/* JSON values and the parser's buffers (svc_json_wipe()). */
static void
test_json_values(void **state)
{
	char *text, *quoted;
	json_t *j;
	size_t n = 4 * 1024;

	(void)state;
	text = secret_text(n);
	assert_non_null(quoted = malloc(n + 3));
	quoted[0] = '"';
	memcpy(quoted + 1, text, n);
	quoted[n + 1] = '"';
	quoted[n + 2] = '\0';
	svc_json_wipe();
	atomic_store(&unwiped, 0);
	/* A string value made, one parsed (its buffer grows), both freed. */
	assert_non_null(j = json_string(text));
	json_decref(j);
	assert_non_null(j = json_loads(quoted, JSON_DECODE_ANY, NULL));
	json_decref(j);
	assert_non_null(j = json_pack("{s:s}", "k", text));
	json_decref(j);
	wipe(text, n);
	free(text);
	wipe(quoted, n + 2);
	free(quoted);
	assert_int_equal(atomic_load(&unwiped), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_body),
		cmocka_unit_test(test_request_body),
		cmocka_unit_test(test_client_body),
		cmocka_unit_test(test_json_values),
		/* Last: the blocks it frees unwiped stay in the heap's free
		 * memory, where a later block's slack could show them. */
		cmocka_unit_test(test_detector),
	};
	int r;

	detector_install();
	svc_log_init("test", SVC_LOG_ERROR);
	if (svc_httpc_global_init() != 0)
		return 1;
	r = cmocka_run_group_tests(tests, NULL, NULL);
	svc_httpc_global_cleanup();
	return r;
}
