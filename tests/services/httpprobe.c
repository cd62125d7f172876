/*
 * httpprobe: hostile and measuring HTTP clients for the services' tests.
 *
 *   httpprobe raw PORT [-w QUIET_MS]
 *       send stdin as it is, print what comes back; exit 0 if the server
 *       closed the connection (a FIN, or a reset after what it wrote), 3
 *       if it stayed open for QUIET_MS (2000) after the last byte, 1 on
 *       another error
 *   httpprobe trickle PORT -i INTERVAL_MS -m MAX_MS
 *       one byte of a never-ending request head per interval; print the
 *       milliseconds until the server closed; exit 1 if it did not
 *       within MAX_MS
 *   httpprobe keepalive PORT -q REQUEST -i IDLE_MS
 *       the request file twice on one connection, IDLE_MS apart; print
 *       both statuses; exit 1 unless both got a whole response
 *   httpprobe slowloris PORT -n CONNS -d SECONDS -q REQUEST -s STATUS
 *       [-m MAX_MS] [-g GOOD_ADDR] [-r RECONNECT_MS] [-i INTERVAL_MS]
 *       CONNS connections from 127.0.0.1 trickle a request head (one
 *       byte per INTERVAL_MS, 2000; a dropped one reconnects after
 *       RECONNECT_MS, 1000) while a client bound to GOOD_ADDR
 *       (127.0.0.2) sends the request file on a new connection every
 *       50 ms; exit 1 unless every good request got STATUS within MAX_MS
 *       (100)
 *
 * The server is at 127.0.0.1:PORT.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rawhttp.h"

#define RESP_MAX        (1024 * 1024)
#define SLOW_HEAD       "GET /slow HTTP/1.1\r\nHost: x\r\nX-Slow: "

static const char *prog = "httpprobe";
static uint16_t port;

static void
die(const char *msg)
{
	fprintf(stderr, "%s: %s\n", prog, msg);
	exit(2);
}

static void
sleep_ms(double ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1e3);
	ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1e3) * 1e6);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static char *
read_all(FILE *f, size_t *len)
{
	char *buf = NULL, *nb;
	size_t cap = 0, n;

	*len = 0;
	for (;;) {
		if (*len + 4096 + 1 > cap) {
			cap = cap == 0 ? 65536 : cap * 2;
			if ((nb = realloc(buf, cap)) == NULL)
				die("out of memory");
			buf = nb;
		}
		n = fread(buf + *len, 1, cap - *len - 1, f);
		*len += n;
		if (n == 0)
			break;
	}
	buf[*len] = '\0';
	return buf;
}

static char *
read_path(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *s;

	if (f == NULL)
		die("cannot open the request file");
	s = read_all(f, len);
	fclose(f);
	return s;
}

/* --- raw --- */

static int
cmd_raw(int quiet_ms)
{
	size_t len, got;
	char *req = read_all(stdin, &len), *resp;
	enum raw_end e;
	int fd;

	if ((resp = malloc(RESP_MAX)) == NULL)
		die("out of memory");
	if ((fd = raw_connect(NULL, "127.0.0.1", port)) < 0)
		die("cannot connect");
	/* The server may answer and close before it has read everything. */
	(void)raw_send_all(fd, req, len);
	e = raw_read(fd, resp, RESP_MAX, &got, quiet_ms, false);
	fwrite(resp, 1, got, stdout);
	close(fd);
	free(req);
	free(resp);
	return raw_closed(e) ? 0 : e == RAW_TIMEOUT ? 3 : 1;
}

/* --- trickle --- */

static int
cmd_trickle(int interval_ms, int max_ms)
{
	static const char head[] = SLOW_HEAD;
	struct pollfd pf;
	double t0, next, now;
	size_t i = 0;
	char c, buf[4096];
	ssize_t r;
	int fd;

	if ((fd = raw_connect(NULL, "127.0.0.1", port)) < 0)
		die("cannot connect");
	t0 = raw_now_ms();
	next = t0;
	for (;;) {
		now = raw_now_ms();
		if (now - t0 > max_ms) {
			printf("open after %.0f ms\n", now - t0);
			return 1;
		}
		if (now >= next) {
			c = i < sizeof(head) - 1 ? head[i] : 'a';
			i++;
			if (send(fd, &c, 1, MSG_NOSIGNAL) != 1)
				break;
			next += interval_ms;
		}
		pf.fd = fd;
		pf.events = POLLIN;
		pf.revents = 0;
		if (poll(&pf, 1, (int)(next - raw_now_ms()) + 1) > 0) {
			r = recv(fd, buf, sizeof(buf), 0);
			if (r <= 0)
				break;
		}
	}
	printf("%.0f\n", raw_now_ms() - t0);
	close(fd);
	return 0;
}

/* --- keepalive --- */

static int
exchange(int fd, const char *req, size_t len, char *resp)
{
	size_t got;

	if (raw_send_all(fd, req, len) != 0)
		return 0;
	if (raw_read(fd, resp, RESP_MAX, &got, 3000, true) != RAW_DONE)
		return 0;
	return raw_status(resp);
}

static int
cmd_keepalive(const char *reqf, int idle_ms)
{
	size_t len;
	char *req = read_path(reqf, &len), *resp;
	int fd, s1, s2;

	if ((resp = malloc(RESP_MAX)) == NULL)
		die("out of memory");
	if ((fd = raw_connect(NULL, "127.0.0.1", port)) < 0)
		die("cannot connect");
	s1 = exchange(fd, req, len, resp);
	sleep_ms(idle_ms);
	s2 = s1 != 0 ? exchange(fd, req, len, resp) : 0;
	printf("%d %d\n", s1, s2);
	close(fd);
	free(req);
	free(resp);
	return s1 != 0 && s2 != 0 ? 0 : 1;
}

/* --- slowloris --- */

struct slot {
	int fd;
	size_t pos;
	double next_send, next_connect;
};

struct loris {
	struct slot *s;
	struct pollfd *pf;
	size_t n;
	int interval_ms, reconnect_ms;
	atomic_bool stop;
	/* Statistics (the trickler thread's). */
	unsigned long connects, drops, max_open, open;
};

static void
slot_close(struct loris *l, struct slot *s, double now)
{
	close(s->fd);
	s->fd = -1;
	s->next_connect = now + l->reconnect_ms;
	l->open--;
	l->drops++;
}

static void *
trickler(void *arg)
{
	static const char head[] = SLOW_HEAD;
	struct loris *l = arg;
	struct slot *s;
	double now;
	size_t i, k;
	char c, buf[4096];
	ssize_t r;

	while (!atomic_load(&l->stop)) {
		now = raw_now_ms();
		for (i = 0; i < l->n; i++) {
			s = &l->s[i];
			if (s->fd < 0 && now >= s->next_connect) {
				/* From 127.0.0.1, the server's address. */
				s->fd = raw_connect_nb(NULL, "127.0.0.1", port);
				s->pos = 0;
				s->next_send = now + (double)(rand() %
				    l->interval_ms);
				s->next_connect = now + l->reconnect_ms;
				if (s->fd >= 0) {
					l->connects++;
					if (++l->open > l->max_open)
						l->max_open = l->open;
				}
			}
			if (s->fd < 0 || now < s->next_send)
				continue;
			c = s->pos < sizeof(head) - 1 ? head[s->pos] : 'a';
			r = send(s->fd, &c, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (r == 1) {
				s->pos++;
				s->next_send = now + l->interval_ms;
			} else if (r < 0 && errno != EAGAIN &&
			    errno != ENOTCONN && errno != EINPROGRESS) {
				slot_close(l, s, now);
			}
		}
		/* Who was closed by the server? */
		for (i = k = 0; i < l->n; i++) {
			if (l->s[i].fd < 0)
				continue;
			l->pf[k].fd = l->s[i].fd;
			l->pf[k].events = POLLIN;
			l->pf[k].revents = 0;
			k++;
		}
		if (poll(l->pf, k, 20) <= 0)
			continue;
		now = raw_now_ms();
		for (i = k = 0; i < l->n; i++) {
			s = &l->s[i];
			if (s->fd < 0)
				continue;
			if (l->pf[k++].revents == 0)
				continue;
			r = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (r == 0 || (r < 0 && errno != EAGAIN))
				slot_close(l, s, now);
		}
	}
	return NULL;
}

static int
cmd_slowloris(size_t conns, int seconds, const char *reqf, int status,
    int max_ms, const char *good_addr, int reconnect_ms, int interval_ms)
{
	struct loris l;
	pthread_t t;
	size_t len, got, i, nreq = 0, nbad = 0;
	char *req = read_path(reqf, &len), *resp;
	double t0, t1, end, worst = 0, sum = 0;
	enum raw_end e;
	unsigned long lim;
	int fd, st, rc = 0;

	lim = raw_raise_nofile(conns + 64);
	if (lim < conns + 64) {
		fprintf(stderr, "%s: RLIMIT_NOFILE is %lu, %zu needed\n", prog,
		    lim, conns + 64);
		return 2;
	}
	memset(&l, 0, sizeof(l));
	l.n = conns;
	l.interval_ms = interval_ms;
	l.reconnect_ms = reconnect_ms;
	atomic_init(&l.stop, false);
	if ((l.s = calloc(conns, sizeof(*l.s))) == NULL ||
	    (l.pf = calloc(conns, sizeof(*l.pf))) == NULL ||
	    (resp = malloc(RESP_MAX)) == NULL)
		die("out of memory");
	for (i = 0; i < conns; i++)
		l.s[i].fd = -1;
	srand(1);
	if (pthread_create(&t, NULL, trickler, &l) != 0)
		die("cannot start a thread");
	/* Let the tricklers connect and start. */
	sleep_ms(1000);
	end = raw_now_ms() + seconds * 1e3;
	while (raw_now_ms() < end) {
		t0 = raw_now_ms();
		fd = raw_connect_within(good_addr, "127.0.0.1", port,
		    max_ms * 10 + 1000);
		st = 0;
		e = RAW_ERROR;
		if (fd >= 0) {
			if (raw_send_all(fd, req, len) == 0)
				e = raw_read(fd, resp, RESP_MAX, &got,
				    max_ms * 10 + 1000, true);
			close(fd);
			if (e == RAW_DONE)
				st = raw_status(resp);
		}
		t1 = raw_now_ms() - t0;
		nreq++;
		sum += t1;
		if (t1 > worst)
			worst = t1;
		if (st != status || t1 > max_ms) {
			nbad++;
			fprintf(stderr, "%s: good request %zu: status %d in "
			    "%.1f ms (want %d within %d ms)\n", prog, nreq, st,
			    t1, status, max_ms);
		}
		sleep_ms(50);
	}
	atomic_store(&l.stop, true);
	pthread_join(t, NULL);
	printf("tricklers: %zu slots, %lu connects, %lu dropped by the "
	    "server, at most %lu open at once\n", conns, l.connects, l.drops,
	    l.max_open);
	printf("good client (%s): %zu requests, %zu bad, mean %.1f ms, "
	    "worst %.1f ms\n", good_addr, nreq, nbad, nreq > 0 ?
	    sum / (double)nreq : 0.0, worst);
	if (nbad > 0 || nreq < 5)
		rc = 1;
	for (i = 0; i < conns; i++)
		if (l.s[i].fd >= 0)
			close(l.s[i].fd);
	free(l.s);
	free(l.pf);
	free(resp);
	free(req);
	return rc;
}

static int
num(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0 || v > 10000000)
		die("bad number");
	return (int)v;
}

int
main(int argc, char **argv)
{
	const char *mode, *reqf = NULL, *good = "127.0.0.2";
	int c, quiet = 2000, interval = -1, max_ms = -1, n = 0, d = 0;
	int status = 0, reconnect = 1000;

	if (argc < 3)
		die("usage: httpprobe raw|trickle|keepalive|slowloris PORT "
		    "[options]");
	mode = argv[1];
	port = (uint16_t)num(argv[2]);
	optind = 3;
	while ((c = getopt(argc, argv, "w:i:m:q:n:d:s:g:r:")) != -1) {
		switch (c) {
		case 'w': quiet = num(optarg); break;
		case 'i': interval = num(optarg); break;
		case 'm': max_ms = num(optarg); break;
		case 'q': reqf = optarg; break;
		case 'n': n = num(optarg); break;
		case 'd': d = num(optarg); break;
		case 's': status = num(optarg); break;
		case 'g': good = optarg; break;
		case 'r': reconnect = num(optarg); break;
		default: die("bad option");
		}
	}
	if (strcmp(mode, "raw") == 0)
		return cmd_raw(quiet);
	if (strcmp(mode, "trickle") == 0) {
		if (interval <= 0 || max_ms <= 0)
			die("trickle needs -i and -m");
		return cmd_trickle(interval, max_ms);
	}
	if (strcmp(mode, "keepalive") == 0) {
		if (reqf == NULL || interval < 0)
			die("keepalive needs -q and -i");
		return cmd_keepalive(reqf, interval);
	}
	if (strcmp(mode, "slowloris") == 0) {
		if (n <= 0 || d <= 0 || reqf == NULL || status == 0)
			die("slowloris needs -n, -d, -q and -s");
		return cmd_slowloris((size_t)n, d, reqf, status,
		    max_ms > 0 ? max_ms : 100, good, reconnect,
		    interval > 0 ? interval : 2000);
	}
	die("unknown mode");
	return 2;
}
