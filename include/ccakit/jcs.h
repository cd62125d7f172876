/*
 * JSON Canonicalization Scheme (RFC 8785): the one byte sequence of a
 * JSON value that two parties hash or sign. Trustee's KBS and its guest
 * hash the JCS form of the RCAR runtime data; ccakit does the same.
 *
 *  - no whitespace; object members sorted by the UTF-16 code units of
 *    their names (not by UTF-8 bytes: U+FF61 sorts after U+1F600's high
 *    surrogate D83D), recursively; array order kept;
 *  - strings: UTF-8, escaped as ECMAScript's JSON.stringify does:
 *    \" \\ \b \f \n \r \t, other controls below U+0020 as \u00xx (lower
 *    case hex), everything else (including '/', DEL, U+2028) verbatim;
 *  - numbers: IEEE 754 doubles written as ECMAScript Number::toString
 *    writes them: the shortest digits that read back to the same double
 *    (ties to the closer, then the even one), positional notation for
 *    1e-6 <= |x| < 1e21, else d.ddde+x / d.ddde-x; -0 is "0"; NaN and
 *    infinities cannot occur (JSON has none, jansson refuses overflow).
 *
 * Integers: JSON numbers are doubles in RFC 8785 (I-JSON), so an integer
 * that a double cannot hold exactly (beyond +/-2^53, e.g. 2^53 + 1) is
 * rounded to the nearest double, as ECMAScript's JSON.parse and Trustee's
 * serde_json_canonicalizer do (2^53 + 1 -> 9007199254740992; 2^60 ->
 * 1152921504606847000). CCAKIT_JCS_EXACT refuses such integers instead.
 *
 * Duplicate member names are refused (I-JSON); nesting is capped at
 * CCAKIT_JCS_MAX_DEPTH and the output at CCAKIT_JCS_MAX_OUT bytes.
 */
#ifndef CCAKIT_JCS_H
#define CCAKIT_JCS_H

#include <stddef.h>

#include <ccakit/err.h>

#ifdef __cplusplus
extern "C" {
#endif

/* jansson's value type (jansson.h need not be included to use this). */
struct json_t;

#define CCAKIT_JCS_MAX_DEPTH  256                /* nested arrays/objects */
#define CCAKIT_JCS_MAX_IN     (16 * 1024 * 1024) /* JSON text input */
#define CCAKIT_JCS_MAX_OUT    (16 * 1024 * 1024) /* canonical output */
/* Longest number text: "-1.2345678901234567e-308" plus the NUL. */
#define CCAKIT_JCS_NUMBER_MAX 32

/* Refuse an integer that no double holds exactly (instead of rounding). */
#define CCAKIT_JCS_EXACT      0x01u

/*
 * The canonical form of a jansson value: *out receives a malloc'd
 * NUL-terminated string (ccakit_free), *outlen (may be NULL) its
 * length. Errors: CCAKIT_ERR_JSON (invalid UTF-8 in a string or a name,
 * an inexact integer under CCAKIT_JCS_EXACT, nesting too deep, a
 * non-finite real), CCAKIT_ERR_TOO_LARGE, CCAKIT_ERR_NOMEM.
 */
int ccakit_jcs_value(const struct json_t *v, unsigned flags, char **out,
    size_t *outlen, struct ccakit_errdetail *d);

/*
 * Parse JSON text (one value, at most CCAKIT_JCS_MAX_IN bytes, no
 * duplicate names; strings may hold \u0000) and canonicalise it.
 */
int ccakit_jcs_text(const char *json, size_t len, unsigned flags, char **out,
    size_t *outlen, struct ccakit_errdetail *d);

/*
 * ECMAScript Number::toString of a finite double into out (at least
 * CCAKIT_JCS_NUMBER_MAX bytes, NUL terminated). CCAKIT_ERR_INVALID_ARG
 * for NaN and the infinities.
 */
int ccakit_jcs_number(double v, char *out, size_t outsz);

#ifdef __cplusplus
}
#endif

#endif /* CCAKIT_JCS_H */
