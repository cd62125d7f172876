/* Helpers shared by the unit tests. */
#ifndef CCAKIT_TESTUTIL_H
#define CCAKIT_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/*
 * The upstream test vectors live outside the project: $CCAKIT_VECTORS,
 * by default ../shared/vectors beside the source tree. A test that needs
 * them and cannot find them is skipped, with one line naming the missing
 * directory (docs/testing.md).
 */
const char *tu_vectors_dir(void);
/* Whether $CCAKIT_VECTORS/<sub> is a directory. When it is not, prints
 * "skipped: <dir> not found" (once per process). */
bool tu_have_vectors(const char *sub);
/* In a test case: skip the case (cmocka skip()) unless tu_have_vectors. */
void tu_need_vectors(const char *sub);
/* In main(), for a binary that needs the vectors for every case: exit 77
 * (ctest SKIP_RETURN_CODE) unless tu_have_vectors. */
void tu_require_vectors(const char *sub);
/* Path of an upstream vector: $CCAKIT_VECTORS/<rel>. Static buffer. */
const char *tu_vector_path(const char *rel);
/* Path of a file in the source tree ($CCAKIT_SRCDIR, by default the tree
 * this was built from). Static buffer. */
const char *tu_src_path(const char *rel);
/* Read a whole file (malloc'd, NUL appended, not counted); fails the test
 * when the file cannot be read. */
uint8_t *tu_read_file(const char *path, size_t *len);
/* Same for a vector (tu_vector_path + tu_read_file). */
uint8_t *tu_read_vector(const char *rel, size_t *len);
/* Decode a hex string (whitespace ignored) into a malloc'd buffer. */
uint8_t *tu_hex(const char *hex, size_t *len);

#endif
