/* Raw HTTP/1.1 over TCP for the tests (see rawhttp.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rawhttp.h"

double
raw_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
open_socket(const char *src, const char *dst, uint16_t port,
    struct sockaddr_in *to)
{
	struct sockaddr_in from;
	int fd, one = 1;

	memset(to, 0, sizeof(*to));
	to->sin_family = AF_INET;
	to->sin_port = htons(port);
	if (inet_pton(AF_INET, dst, &to->sin_addr) != 1)
		return -1;
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (src != NULL) {
		memset(&from, 0, sizeof(from));
		from.sin_family = AF_INET;
		if (inet_pton(AF_INET, src, &from.sin_addr) != 1 ||
		    bind(fd, (struct sockaddr *)&from, sizeof(from)) != 0) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

int
raw_connect_nb(const char *src, const char *dst, uint16_t port)
{
	struct sockaddr_in to;
	int fd;

	if ((fd = open_socket(src, dst, port, &to)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

int
raw_connect_within(const char *src, const char *dst, uint16_t port, int ms)
{
	struct pollfd pf;
	socklen_t sl = sizeof(int);
	int fd, err = 0, fl;

	if ((fd = raw_connect_nb(src, dst, port)) < 0)
		return -1;
	pf.fd = fd;
	pf.events = POLLOUT;
	pf.revents = 0;
	if (poll(&pf, 1, ms) != 1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) != 0 || err != 0 ||
	    (fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
raw_connect(const char *src, const char *dst, uint16_t port)
{
	return raw_connect_within(src, dst, port, 10000);
}

int
raw_send_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		w = send(fd, c, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pf = { fd, POLLOUT, 0 };

			if (poll(&pf, 1, 5000) <= 0)
				return -1;
			continue;
		}
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Whether buf holds one whole response (head and Content-Length body). */
static bool
complete(const char *buf, size_t len)
{
	const char *end = strstr(buf, "\r\n\r\n");
	char v[32];
	size_t head;

	if (end == NULL)
		return false;
	head = (size_t)(end - buf) + 4;
	if (!raw_header(buf, "Content-Length", v, sizeof(v)))
		return false;
	return len >= head + strtoul(v, NULL, 10);
}

enum raw_end
raw_read(int fd, char *buf, size_t cap, size_t *len, int quiet_ms, bool whole)
{
	struct pollfd pf = { fd, POLLIN, 0 };
	ssize_t r;
	int p;

	*len = 0;
	buf[0] = '\0';
	for (;;) {
		if (whole && complete(buf, *len))
			return RAW_DONE;
		p = poll(&pf, 1, quiet_ms);
		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			return RAW_ERROR;
		if (p == 0)
			return RAW_TIMEOUT;
		if (*len + 1 >= cap)
			return RAW_ERROR;
		r = recv(fd, buf + *len, cap - 1 - *len, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			return errno == ECONNRESET ? RAW_RESET : RAW_ERROR;
		if (r == 0)
			return RAW_EOF;
		*len += (size_t)r;
		buf[*len] = '\0';
	}
}

bool
raw_closed(enum raw_end e)
{
	/* A server that closes with bytes of the request unread resets the
	 * connection; what it wrote before is still read first. */
	return e == RAW_EOF || e == RAW_RESET;
}

int
raw_status(const char *resp)
{
	int st;

	if (sscanf(resp, "HTTP/1.%*1[01] %3d", &st) != 1)
		return 0;
	return st;
}

bool
raw_header(const char *resp, const char *name, char *out, size_t outsz)
{
	const char *end = strstr(resp, "\r\n\r\n"), *p, *e;
	size_t n = strlen(name), m;

	if (end == NULL)
		end = resp + strlen(resp);
	for (p = strstr(resp, "\r\n"); p != NULL && p < end;
	    p = strstr(p + 2, "\r\n")) {
		if (strncasecmp(p + 2, name, n) != 0 || p[2 + n] != ':')
			continue;
		p += 3 + n;
		while (*p == ' ' || *p == '\t')
			p++;
		e = strstr(p, "\r\n");
		m = e != NULL ? (size_t)(e - p) : strlen(p);
		if (m >= outsz)
			m = outsz - 1;
		memcpy(out, p, m);
		out[m] = '\0';
		return true;
	}
	return false;
}

const char *
raw_body(const char *resp)
{
	const char *e = strstr(resp, "\r\n\r\n");

	return e != NULL ? e + 4 : NULL;
}

unsigned long
raw_raise_nofile(unsigned long want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 0;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	return (unsigned long)rl.rlim_cur;
}
