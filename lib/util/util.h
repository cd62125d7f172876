/* Internal helpers shared by the library modules (not exported). */
#ifndef CCAKIT_UTIL_PRIV_H
#define CCAKIT_UTIL_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include <ccakit/bytes.h>
#include <ccakit/err.h>

#if defined(__GNUC__)
#define CKI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CKI_PRINTF(f, a)
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

/* The value of a hexadecimal digit (either case), or -1. */
int cki_hex_nibble(int c);

/* Bytes view equality (length and content), not constant time. */
int cki_bytes_eq(struct ccakit_bytes a, const uint8_t *b, size_t blen);

#endif
