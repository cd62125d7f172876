/*
 * Raw HTTP/1.1 over TCP for the tests: the hostile clients libcurl will
 * not be (trickling heads, duplicate Content-Length headers, bytes that
 * are not UTF-8), and a client whose source address can be chosen.
 */
#ifndef RAWHTTP_H
#define RAWHTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* How a read ended. */
enum raw_end {
	RAW_DONE,       /* one whole response (by Content-Length) */
	RAW_EOF,        /* the server closed the connection */
	RAW_RESET,      /* ECONNRESET */
	RAW_TIMEOUT,    /* nothing for the quiet time: still open */
	RAW_ERROR,
};

/* Monotonic milliseconds. */
double raw_now_ms(void);

/*
 * A blocking TCP connection to dst:port (IPv4 literals) from src (NULL:
 * the kernel's choice), given up after 10 s; -1 on failure.
 */
int raw_connect(const char *src, const char *dst, uint16_t port);

/* The same, non-blocking: the connect may still be in progress. */
int raw_connect_nb(const char *src, const char *dst, uint16_t port);

/* raw_connect() that gives up after ms milliseconds. */
int raw_connect_within(const char *src, const char *dst, uint16_t port,
    int ms);

/* Send all of p; -1 on failure (EPIPE, ECONNRESET...). */
int raw_send_all(int fd, const void *p, size_t n);

/*
 * Read a response into buf (NUL-terminated; cap includes the NUL). With
 * whole, stop after one complete response (Content-Length body); else
 * read until the server closes or is quiet for quiet_ms. *len gets the
 * bytes read.
 */
enum raw_end raw_read(int fd, char *buf, size_t cap, size_t *len,
    int quiet_ms, bool whole);

/* Whether the server closed the connection (a FIN, or a reset). */
bool raw_closed(enum raw_end e);

/* The status code of a response, 0 if none. */
int raw_status(const char *resp);

/* A header's value (copied into out, trimmed), false if absent. */
bool raw_header(const char *resp, const char *name, char *out, size_t outsz);

/* The body of a response (after the blank line), or NULL. */
const char *raw_body(const char *resp);

/* Raise RLIMIT_NOFILE's soft limit to at least want (or the hard one). */
unsigned long raw_raise_nofile(unsigned long want);

#endif /* RAWHTTP_H */
