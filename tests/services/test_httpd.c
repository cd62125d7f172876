/*
 * The HTTP server layer against hostile clients, in one process over
 * loopback with raw sockets (rawhttp.c): heads that fill the connection's
 * memory, query argument floods, request smuggling, chunked bodies over
 * the cap, paths that are not UTF-8, the request deadline, and the
 * per-address and global connection caps.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "httpd.h"
#include "rawhttp.h"

#define RESP_MAX        (256 * 1024)
#define CONN_MEMORY     (16 * 1024)

static char resp[RESP_MAX];
static size_t resp_len;

static void
ok_handler(void *arg, const struct svc_req *req, struct svc_resp *r)
{
	(void)arg;
	svc_resp_json(r, 200, json_pack("{s:i}", "len", (int)req->body_len));
}

static void
problem_handler(void *arg, const struct svc_req *req, struct svc_resp *r)
{
	(void)arg;
	svc_resp_problem(r, 404, "tag:test,2024:nothing", "No thing",
	    "no thing named '%s'", req->arg[0]);
	svc_resp_note(r, "thing=%s", req->arg[0]);
}

static void
slow_handler(void *arg, const struct svc_req *req, struct svc_resp *r)
{
	struct timespec ts = { 1, 500000000 };

	(void)arg;
	(void)req;
	nanosleep(&ts, NULL);
	svc_resp_json(r, 200, json_pack("{s:b}", "slow", 1));
}

static int
query_add(void *arg, const char *k, const char *v)
{
	json_array_append_new(arg, json_pack("[s,s]", k, v));
	return 0;
}

/* What a catch-all route sees: method, rest of the path, raw target,
 * cookie and every query argument in order. */
static void
rest_handler(void *arg, const struct svc_req *req, struct svc_resp *r)
{
	json_t *q = json_array();
	const char *ck = svc_req_cookie(req, "kbs-session-id");

	(void)arg;
	svc_req_query_each(req, query_add, q);
	svc_resp_json(r, 200, json_pack("{s:s, s:s, s:s, s:s?, s:o}",
	    "method", req->method, "rest", req->arg[0], "target", req->target,
	    "cookie", ck, "query", q));
}

static const struct svc_route routes[] = {
	{ "*", "/any/v0/{*}", 16, rest_handler },
	{ "POST", "/echo/{}", 16, ok_handler },
	{ "GET", "/ok", 0, ok_handler },
	{ "GET", "/problem/{}", 0, problem_handler },
	{ "GET", "/slow", 0, slow_handler },
};

static struct svc_httpd_conf
conf_default(void)
{
	struct svc_httpd_conf c;

	memset(&c, 0, sizeof(c));
	c.addr = "127.0.0.1";
	c.threads = 2;
	c.conn_limit = 64;
	c.conn_memory = CONN_MEMORY;
	c.timeout_s = 30;
	c.routes = routes;
	c.nroutes = sizeof(routes) / sizeof(routes[0]);
	return c;
}

static struct svc_httpd *
start_conf(const struct svc_httpd_conf *c, uint16_t *port)
{
	struct svc_httpd *h = NULL;
	char err[256];

	if (svc_httpd_start(c, &h, err, sizeof(err)) != 0)
		fail_msg("svc_httpd_start: %s", err);
	*port = svc_httpd_port(h);
	return h;
}

static struct svc_httpd *
start(uint16_t *port)
{
	struct svc_httpd_conf c = conf_default();

	return start_conf(&c, port);
}

/* Send req on a new connection; read until the server closes (or 3 s). */
static enum raw_end
send_raw(uint16_t port, const char *req, size_t len)
{
	enum raw_end e;
	int fd;

	assert_true((fd = raw_connect(NULL, "127.0.0.1", port)) >= 0);
	(void)raw_send_all(fd, req, len);
	e = raw_read(fd, resp, sizeof(resp), &resp_len, 3000, false);
	close(fd);
	return e;
}

static enum raw_end
send_str(uint16_t port, const char *req)
{
	return send_raw(port, req, strlen(req));
}

static size_t
count_replies(void)
{
	const char *p = resp;
	size_t n = 0;

	while ((p = strstr(p, "HTTP/1.1 ")) != NULL) {
		n++;
		p++;
	}
	return n;
}

static void
assert_problem(unsigned status)
{
	char ct[128];
	json_t *j;

	assert_int_equal(raw_status(resp), status);
	assert_true(raw_header(resp, "Content-Type", ct, sizeof(ct)));
	assert_string_equal(ct, SVC_PROBLEM_JSON);
	j = json_loads(raw_body(resp), 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "status")),
	    status);
	json_decref(j);
}

/* Whether the server has closed fd (EOF or reset), waiting up to ms. */
static bool
closed_by_server(int fd, int ms)
{
	struct pollfd pf = { fd, POLLIN, 0 };
	char b[256];
	ssize_t r;

	if (poll(&pf, 1, ms) <= 0)
		return false;
	r = recv(fd, b, sizeof(b), MSG_DONTWAIT);
	return r == 0 || (r < 0 && errno == ECONNRESET);
}

/* --- routing --- */

static json_t *
get_json(uint16_t port, const char *req)
{
	json_t *j;

	assert_true(raw_closed(send_str(port, req)));
	assert_int_equal(raw_status(resp), 200);
	assert_non_null(j = json_loads(raw_body(resp), 0, NULL));
	return j;
}

static void
test_catch_all(void **state)
{
	struct svc_httpd *h;
	uint16_t port;
	json_t *j;

	(void)state;
	h = start(&port);
	/* The rest of the path with its slashes, empty segments kept; the
	 * raw target; the cookie; repeated query keys in order. */
	j = get_json(port, "DELETE /any/v0/a//b/c?x=1&y&x=%32 HTTP/1.1\r\n"
	    "Host: t\r\nCookie: other=1; kbs-session-id=abc\r\n"
	    "Connection: close\r\n\r\n");
	assert_string_equal(json_string_value(json_object_get(j, "method")),
	    "DELETE");
	assert_string_equal(json_string_value(json_object_get(j, "rest")),
	    "a//b/c");
	assert_string_equal(json_string_value(json_object_get(j, "target")),
	    "/any/v0/a//b/c?x=1&y&x=%32");
	assert_string_equal(json_string_value(json_object_get(j, "cookie")),
	    "abc");
	assert_int_equal(json_array_size(json_object_get(j, "query")), 3);
	assert_string_equal(json_string_value(json_array_get(json_array_get(
	    json_object_get(j, "query"), 2), 1)), "2");
	assert_string_equal(json_string_value(json_array_get(json_array_get(
	    json_object_get(j, "query"), 1), 1)), "");
	json_decref(j);
	/* An empty rest, any method. */
	j = get_json(port, "PUT /any/v0/ HTTP/1.1\r\nHost: t\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n");
	assert_string_equal(json_string_value(json_object_get(j, "rest")), "");
	assert_true(json_is_null(json_object_get(j, "cookie")));
	json_decref(j);
	/* The prefix alone is not the route. */
	assert_true(raw_closed(send_str(port, "GET /any/v0 HTTP/1.1\r\n"
	    "Host: t\r\nConnection: close\r\n\r\n")));
	assert_problem(404);
	svc_httpd_stop(&h);
}

/* --- heads and query strings --- */

static void
test_query_args(void **state)
{
	struct svc_httpd *h;
	char *req;
	size_t n = 0, cap = 64 * 1024;
	uint16_t port;
	int i;

	(void)state;
	h = start(&port);
	assert_non_null(req = malloc(cap));
	/* 1,000 arguments: 414, a problem, closed. */
	n = (size_t)snprintf(req, cap, "GET /ok?");
	for (i = 0; i < 1000; i++)
		n += (size_t)snprintf(req + n, cap - n, "%sa%d=b", i ? "&" : "",
		    i);
	n += (size_t)snprintf(req + n, cap - n, " HTTP/1.1\r\nHost: t\r\n\r\n");
	assert_true(raw_closed(send_raw(port, req, n)));
	assert_problem(414);
	/* 64 arguments are fine. */
	n = (size_t)snprintf(req, cap, "GET /ok?");
	for (i = 0; i < 64; i++)
		n += (size_t)snprintf(req + n, cap - n, "%sa%d", i ? "&" : "",
		    i);
	n += (size_t)snprintf(req + n, cap - n,
	    " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	assert_true(raw_closed(send_raw(port, req, n)));
	assert_int_equal(raw_status(resp), 200);
	free(req);
	svc_httpd_stop(&h);
}

/*
 * Heads around the size of the connection's memory: every one gets an
 * answer with a body, a head too large for the memory 431 (or 414).
 */
static void
test_head_sizes(void **state)
{
	struct svc_httpd *h;
	char *req;
	size_t n, cap = 64 * 1024, k;
	uint16_t port;
	int st;

	(void)state;
	h = start(&port);
	assert_non_null(req = malloc(cap));
	/* Many small header fields. */
	for (k = 150; k < 260; k++) {
		n = (size_t)snprintf(req, cap, "GET /ok HTTP/1.1\r\nHost: t\r\n"
		    "Connection: close\r\n");
		while (k > 0 && n + 8 < cap && (n - 36) / 5 < k)
			n += (size_t)snprintf(req + n, cap - n, "X:y\r\n");
		n += (size_t)snprintf(req + n, cap - n, "\r\n");
		send_raw(port, req, n);
		st = raw_status(resp);
		if (st != 200 && st != 431)
			fail_msg("%zu header fields: status %d, %zu bytes", k,
			    st, resp_len);
		assert_non_null(raw_body(resp));
		assert_true(strlen(raw_body(resp)) > 0);
	}
	/* One large header field. */
	for (k = CONN_MEMORY - 1200; k < CONN_MEMORY + 200; k += 8) {
		n = (size_t)snprintf(req, cap, "GET /ok HTTP/1.1\r\nHost: t\r\n"
		    "Connection: close\r\nX: ");
		memset(req + n, 'a', k);
		n += k;
		n += (size_t)snprintf(req + n, cap - n, "\r\n\r\n");
		send_raw(port, req, n);
		st = raw_status(resp);
		if (st != 200 && st != 431)
			fail_msg("a %zu-byte header field: status %d, %zu "
			    "bytes", k, st, resp_len);
		assert_true(strlen(raw_body(resp)) > 0);
	}
	free(req);
	svc_httpd_stop(&h);
}

/* --- request smuggling --- */

static void
test_smuggling(void **state)
{
	static const struct {
		const char *req;
		unsigned status;
	} cases[] = {
		{ "POST /echo/a HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n"
		  "Content-Length: 40\r\n\r\n{}GET /ok HTTP/1.1\r\nHost: t\r\n"
		  "\r\n", 400 },
		{ "POST /echo/a HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n"
		  "Content-Length: 2\r\n\r\n{}GET /ok HTTP/1.1\r\nHost: t\r\n"
		  "\r\n", 400 },
		{ "POST /echo/a HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
		  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /ok HTTP/1.1"
		  "\r\nHost: t\r\n\r\n", 400 },
		{ "POST /echo/a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
		  "chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n"
		  "GET /ok HTTP/1.1\r\nHost: t\r\n\r\n", 400 },
		{ "POST /echo/a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
		  "gzip, chunked\r\n\r\n0\r\n\r\n", 501 },
		{ "POST /echo/a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
		  "identity\r\n\r\nGET /ok HTTP/1.1\r\nHost: t\r\n\r\n", 501 },
		{ "POST /echo/a HTTP/1.1\r\nHost: t\r\nContent-Length : 2\r\n"
		  "\r\n{}GET /ok HTTP/1.1\r\nHost: t\r\n\r\n", 400 },
		{ "POST /echo/a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding\t: "
		  "chunked\r\n\r\n0\r\n\r\nGET /ok HTTP/1.1\r\nHost: t\r\n"
		  "\r\n", 400 },
		/* obs-fold: libmicrohttpd appends the continuation to the
		 * field name, so the length would vanish. */
		{ "POST /echo/a HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n"
		  " 3\r\n\r\n{}GET /ok HTTP/1.1\r\nHost: t\r\n\r\n", 400 },
		{ "POST /echo/a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "0\r\n\r\n", 400 },
	};
	struct svc_httpd *h;
	uint16_t port;
	size_t i;

	(void)state;
	h = start(&port);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!raw_closed(send_str(port, cases[i].req)))
			fail_msg("case %zu: not closed", i);
		if (raw_status(resp) != (int)cases[i].status ||
		    count_replies() != 1)
			fail_msg("case %zu: status %d, %zu replies", i,
			    raw_status(resp), count_replies());
		assert_problem(cases[i].status);
		assert_non_null(strstr(resp, "\r\nConnection: close\r\n"));
	}
	/* One Content-Length, one chunked body: fine. */
	assert_true(raw_closed(send_str(port, "POST /echo/a HTTP/1.1\r\n"
	    "Host: t\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")));
	assert_int_equal(raw_status(resp), 200);
	assert_true(raw_closed(send_str(port, "POST /echo/a HTTP/1.1\r\n"
	    "Host: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
	    "\r\n2\r\n{}\r\n0\r\n\r\n")));
	assert_int_equal(raw_status(resp), 200);
	assert_non_null(strstr(resp, "\"len\":2"));
	svc_httpd_stop(&h);
}

/* --- chunked bodies over the cap --- */

static void
test_chunked_413(void **state)
{
	struct svc_httpd *h;
	char *req;
	size_t n, cap = 512 * 1024, i;
	uint16_t port;

	(void)state;
	h = start(&port);
	assert_non_null(req = malloc(cap));
	/* 16 bytes is the cap. */
	assert_true(raw_closed(send_str(port, "POST /echo/a HTTP/1.1\r\n"
	    "Host: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
	    "\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n")));
	assert_int_equal(raw_status(resp), 200);
	assert_true(raw_closed(send_str(port, "POST /echo/a HTTP/1.1\r\n"
	    "Host: t\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "10\r\n0123456789abcdef\r\n1\r\ng\r\n0\r\n\r\n")));
	assert_problem(413);
	/* 400 KiB in 4 KiB chunks. */
	n = (size_t)snprintf(req, cap, "POST /echo/a HTTP/1.1\r\nHost: t\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n");
	for (i = 0; i < 100; i++) {
		n += (size_t)snprintf(req + n, cap - n, "1000\r\n");
		memset(req + n, 'x', 4096);
		n += 4096;
		n += (size_t)snprintf(req + n, cap - n, "\r\n");
	}
	n += (size_t)snprintf(req + n, cap - n, "0\r\n\r\n");
	assert_true(raw_closed(send_raw(port, req, n)));
	assert_problem(413);
	free(req);
	svc_httpd_stop(&h);
}

/* --- text that is not UTF-8 --- */

static void
test_problem_utf8(void **state)
{
	struct svc_resp r;
	json_t *j;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(svc_resp_problem(&r, 404, NULL, NULL, "no %s here",
	    "\xff\xfe\xc3"), 0);
	assert_non_null(j = json_loads(r.body, 0, NULL));
	assert_string_equal(json_string_value(json_object_get(j, "detail")),
	    "no \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd here");
	json_decref(j);
	/* Valid UTF-8 stays as it is; overlong forms and surrogates not. */
	assert_int_equal(svc_resp_problem(&r, 400, "t", "caf\xc3\xa9",
	    "\xe2\x82\xac \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80"), 0);
	assert_non_null(j = json_loads(r.body, 0, NULL));
	assert_string_equal(json_string_value(json_object_get(j, "title")),
	    "caf\xc3\xa9");
	assert_string_equal(json_string_value(json_object_get(j, "detail")),
	    "\xe2\x82\xac \xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	json_decref(j);
	free(r.body);
}

static void
test_path_utf8(void **state)
{
	static const char *const paths[] = {
		"/problem/\xff\xfe", "/problem/%C3", "/problem/a%E2%82",
		"/problem/%F0%9F%98",
	};
	struct svc_httpd *h;
	enum { n = sizeof(paths) / sizeof(paths[0]) };
	char req[256], logf[] = "/tmp/test_httpd.XXXXXX", line[4096];
	static char got[n][2048];
	enum raw_end end[n];
	uint16_t port;
	size_t i;
	FILE *f;
	int fd, saved;
	bool found = false;

	(void)state;
	h = start(&port);
	/* The request log goes to stderr: catch it (and assert nothing
	 * until stderr is back). */
	assert_true((fd = mkstemp(logf)) >= 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	svc_log_init("test", SVC_LOG_INFO);
	for (i = 0; i < n; i++) {
		snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n"
		    "Connection: close\r\n\r\n", paths[i]);
		end[i] = send_str(port, req);
		memcpy(got[i], resp, sizeof(got[i]) - 1);
		got[i][sizeof(got[i]) - 1] = '\0';
	}
	svc_httpd_stop(&h);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	svc_log_init("test", SVC_LOG_ERROR);
	for (i = 0; i < n; i++) {
		assert_true(raw_closed(end[i]));
		memcpy(resp, got[i], sizeof(got[i]));
		assert_problem(404);
		assert_non_null(strstr(raw_body(resp), "\xef\xbf\xbd"));
	}
	assert_non_null(f = fdopen(fd, "r"));
	rewind(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		for (i = 0; line[i] != '\0'; i++)
			if ((unsigned char)line[i] >= 0x80 ||
			    ((unsigned char)line[i] < 0x20 && line[i] != '\n'))
				fail_msg("a raw byte 0x%02x in the log: %s",
				    (unsigned char)line[i], line);
		if (strstr(line, "GET /problem/\\xff\\xfe status=404") != NULL)
			found = true;
	}
	fclose(f);
	unlink(logf);
	assert_true(found);
}

/* --- slow clients --- */

static void
test_deadline(void **state)
{
	struct svc_httpd_conf c = conf_default();
	static const char head[] = "GET /ok HTTP/1.1\r\nHost: t\r\nX: ";
	static const char ok[] = "GET /ok HTTP/1.1\r\nHost: t\r\n\r\n";
	static const char slow[] = "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n";
	struct svc_httpd *h;
	double t0, t;
	uint16_t port;
	size_t i;
	int fd;

	(void)state;
	c.request_timeout_s = 1;
	h = start_conf(&c, &port);
	/* One byte every 100 ms: dropped about 1 s after the first. */
	assert_true((fd = raw_connect(NULL, "127.0.0.1", port)) >= 0);
	t0 = raw_now_ms();
	for (i = 0; i < 60; i++) {
		if (raw_send_all(fd, i < sizeof(head) - 1 ? &head[i] : "a",
		    1) != 0 || closed_by_server(fd, 100))
			break;
	}
	t = raw_now_ms() - t0;
	close(fd);
	if (t < 900 || t > 2600)
		fail_msg("a trickling request dropped after %.0f ms", t);
	/* An idle keep-alive connection is not a slow request. */
	assert_true((fd = raw_connect(NULL, "127.0.0.1", port)) >= 0);
	assert_int_equal(raw_send_all(fd, ok, strlen(ok)), 0);
	assert_int_equal(raw_read(fd, resp, sizeof(resp), &resp_len, 2000,
	    true), RAW_DONE);
	assert_int_equal(raw_status(resp), 200);
	assert_false(closed_by_server(fd, 1800));
	assert_int_equal(raw_send_all(fd, ok, strlen(ok)), 0);
	assert_int_equal(raw_read(fd, resp, sizeof(resp), &resp_len, 2000,
	    true), RAW_DONE);
	assert_int_equal(raw_status(resp), 200);
	/* Nor is a handler that runs longer than the deadline. */
	assert_int_equal(raw_send_all(fd, slow, strlen(slow)), 0);
	assert_int_equal(raw_read(fd, resp, sizeof(resp), &resp_len, 4000,
	    true), RAW_DONE);
	assert_int_equal(raw_status(resp), 200);
	close(fd);
	svc_httpd_stop(&h);
}

/* A request from 127.0.0.2 on a new connection: its status, or 0. */
static int
newcomer(uint16_t port)
{
	static const char ok[] = "GET /ok HTTP/1.1\r\nHost: t\r\n"
	    "Connection: close\r\n\r\n";
	int g;

	if ((g = raw_connect("127.0.0.2", "127.0.0.1", port)) < 0)
		return 0;
	if (raw_send_all(g, ok, strlen(ok)) != 0 ||
	    !raw_closed(raw_read(g, resp, sizeof(resp), &resp_len, 2000,
	    false))) {
		close(g);
		return 0;
	}
	close(g);
	return raw_status(resp);
}

static void
test_per_address_cap(void **state)
{
	struct svc_httpd_conf c = conf_default();
	struct svc_httpd *h;
	uint16_t port;
	int fd[4];
	size_t i;

	(void)state;
	c.conn_per_ip = 3;
	h = start_conf(&c, &port);
	for (i = 0; i < 4; i++)
		assert_true((fd[i] = raw_connect(NULL, "127.0.0.1", port)) >=
		    0);
	assert_true(closed_by_server(fd[3], 1000));
	assert_false(closed_by_server(fd[0], 100));
	/* Another address still gets in. */
	assert_int_equal(newcomer(port), 200);
	for (i = 0; i < 4; i++)
		close(fd[i]);
	svc_httpd_stop(&h);
}

static void
test_global_cap(void **state)
{
	struct svc_httpd_conf c = conf_default();
	static const char slow[] = "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n";
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	struct svc_httpd *h;
	uint16_t port;
	int fd[9], more[10], s;
	size_t i;

	(void)state;
	c.conn_limit = 8;
	c.conn_per_ip = 0;
	h = start_conf(&c, &port);
	/* Eight connections, oldest first: idle ones and incomplete ones. */
	for (i = 0; i < 8; i++) {
		assert_true((fd[i] = raw_connect(NULL, "127.0.0.1", port)) >=
		    0);
		if (i % 2 == 1)
			assert_int_equal(raw_send_all(fd[i], "GET /ok HTTP/1.1",
			    16), 0);
		nanosleep(&pause, NULL);
	}
	/* A newcomer is served; the oldest made room for it. */
	assert_int_equal(newcomer(port), 200);
	assert_true(closed_by_server(fd[0], 1000));
	/* Full again (the newcomer has gone): the next oldest goes. */
	assert_true((fd[8] = raw_connect(NULL, "127.0.0.1", port)) >= 0);
	nanosleep(&pause, NULL);
	assert_int_equal(newcomer(port), 200);
	assert_true(closed_by_server(fd[1], 1000));
	assert_false(closed_by_server(fd[2], 100));
	assert_false(closed_by_server(fd[8], 100));
	for (i = 0; i < 9; i++)
		close(fd[i]);
	nanosleep(&pause, NULL);
	/* A connection whose handler runs is never dropped. */
	assert_true((s = raw_connect(NULL, "127.0.0.1", port)) >= 0);
	assert_int_equal(raw_send_all(s, slow, strlen(slow)), 0);
	nanosleep(&pause, NULL);
	for (i = 0; i < 10; i++) {
		assert_true((more[i] = raw_connect(NULL, "127.0.0.1", port)) >=
		    0);
		nanosleep(&pause, NULL);
	}
	assert_int_equal(raw_read(s, resp, sizeof(resp), &resp_len, 4000,
	    true), RAW_DONE);
	assert_int_equal(raw_status(resp), 200);
	close(s);
	for (i = 0; i < 10; i++)
		close(more[i]);
	svc_httpd_stop(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catch_all),
		cmocka_unit_test(test_query_args),
		cmocka_unit_test(test_head_sizes),
		cmocka_unit_test(test_smuggling),
		cmocka_unit_test(test_chunked_413),
		cmocka_unit_test(test_problem_utf8),
		cmocka_unit_test(test_path_utf8),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_per_address_cap),
		cmocka_unit_test(test_global_cap),
	};

	svc_log_init("test", SVC_LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
