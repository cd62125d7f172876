/* Internal helpers shared by the library modules (not exported). */
#ifndef CCAKIT_UTIL_PRIV_H
#define CCAKIT_UTIL_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/bytes.h>
#include <ccakit/err.h>

#if defined(__GNUC__)
#define CKI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CKI_PRINTF(f, a)
/*
 * The shortest decimal digits of a finite a > 0 that read back as a
 * (ties to the closer, then to the even: ECMAScript's and Python's
 * repr's digits): dig[0..*k), no trailing zero, a ~ d.ddd x 10^*e10.
 * dig is not NUL terminated.
 */
#define CKI_DIGITS_MAX 17
void cki_shortest_digits(double a, char dig[CKI_DIGITS_MAX], int *k,
    int *e10);

#endif

/*
 * Fill an optional error detail (d may be NULL) and return code, so that
 * a failure reads `return cki_detail(d, CCAKIT_ERR_X, "what", "...")`.
 * `what` must be a static string (or NULL); fmt may be NULL.
 */
int cki_detail(struct ccakit_errdetail *d, int code, const char *what,
    const char *fmt, ...) CKI_PRINTF(4, 5);

/*
 * Read a whole file (or stdin for "-") into a malloc'd buffer with a NUL
 * appended (not counted in *len). Files larger than max fail with
 * CCAKIT_ERR_TOO_LARGE; I/O errors give CCAKIT_ERR_IO with errno kept.
 */
int cki_read_file(const char *path, size_t max, uint8_t **buf, size_t *len);

/*
 * Write len bytes to an output file named on a command line. A regular
 * file at path, or none, is replaced atomically: the bytes go to a new
 * file beside it (path.XXXXXX, mode 0600 while written), which is synced,
 * given exactly `mode` (whatever the umask) and renamed to path, so that
 * a reader never sees half a file and a failure leaves the old one.
 * Anything else is written in place and stays what it is: a FIFO, a
 * device such as /dev/null, a symbolic link (followed; a dangling one is
 * an error; a regular file behind it is truncated and written, and made
 * owner-only first when mode is). A directory is EISDIR. On failure
 * CCAKIT_ERR_IO with errno kept; CCAKIT_ERR_NOMEM; CCAKIT_ERR_INVALID_ARG.
 */
int cki_write_file(const char *path, const void *buf, size_t len,
    unsigned mode);

/* The value of a hexadecimal digit (either case), or -1. */
int cki_hex_nibble(int c);

/* The value of a base64 symbol of alphabet v (CCAKIT_B64_ANY: either
 * alphabet), or -1; '=' is not a symbol. */
int cki_b64_val(char c, enum ccakit_b64 v);

/*
 * realloc() for a buffer that may hold a secret: p[0..len) moves to a
 * new block of ncap >= len bytes and p is wiped and freed, so that no
 * copy is left behind in freed memory. NULL when out of memory (p is
 * then untouched); p NULL is malloc(ncap).
 */
void *cki_realloc_wiped(void *p, size_t len, size_t ncap);

/* Bytes view equality (length and content), not constant time. */
int cki_bytes_eq(struct ccakit_bytes a, const uint8_t *b, size_t blen);

/*
 * The shortest decimal digits of a finite a > 0 that read back as a
 * (ties to the closer, then to the even: ECMAScript's and Python's
 * repr's digits): dig[0..*k), no trailing zero, a ~ d.ddd x 10^*e10.
 * dig is not NUL terminated.
 */
#define CKI_DIGITS_MAX 17
void cki_shortest_digits(double a, char dig[CKI_DIGITS_MAX], int *k,
    int *e10);

/*
 * Length of the longest valid UTF-8 prefix of s[0..len): len when the
 * whole string is valid, else the offset of the first byte of the first
 * ill-formed sequence (RFC 3629: no overlongs, no surrogates, nothing
 * above U+10FFFF, no truncated sequence).
 */
size_t cki_utf8_check(const uint8_t *s, size_t len);
/* The UTF-8 bytes of code point cp (at most U+10FFFF, not a surrogate)
 * in out; their number. */
size_t cki_utf8_encode(uint32_t cp, char out[4]);

/*
 * Bump allocator (arena.c): blocks aligned for any type, all freed at
 * once by cki_arena_free(). An arena is initialised with the size of its
 * first chunk (clamped to 256 B .. 64 KiB); alloc returns NULL when out
 * of memory. A zero-initialised arena is not valid: call init.
 */
struct cki_arena_chunk;
struct cki_arena {
	struct cki_arena_chunk *head;
	size_t chunk;             /* size of the next ordinary chunk */
};
void cki_arena_init(struct cki_arena *a, size_t first);
void *cki_arena_alloc(struct cki_arena *a, size_t size);
void cki_arena_free(struct cki_arena *a);

#endif
