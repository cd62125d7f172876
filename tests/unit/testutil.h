/* Helpers shared by the unit tests. */
#ifndef CCAKIT_TESTUTIL_H
#define CCAKIT_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* Path of an upstream vector: $CCAKIT_VECTORS/<rel>. Static buffer. */
const char *tu_vector_path(const char *rel);
/* Path of a file in the source tree ($CCAKIT_SRCDIR). Static buffer. */
const char *tu_src_path(const char *rel);
/* Path of a file under tests/data. Static buffer. */
const char *tu_data_path(const char *rel);
/* Read a whole file (malloc'd, NUL appended, not counted); fails the test
 * when the file cannot be read. */
uint8_t *tu_read_file(const char *path, size_t *len);
/* Same for a vector (tu_vector_path + tu_read_file). */
uint8_t *tu_read_vector(const char *rel, size_t *len);
/* Decode a hex string (whitespace ignored) into a malloc'd buffer. */
uint8_t *tu_hex(const char *hex, size_t *len);

#endif
