/*
 * jscan: a strict JSON (RFC 8259) scanner over text, for the RCAR
 * messages whose evidence is large: it finds where a value is and
 * checks it without building it, so that an array of thousands of bytes
 * costs one pass and no allocation. Strict as jansson is: UTF-8 only,
 * no control characters or NUL (\u0000) in strings, surrogates only in
 * pairs, numbers by the grammar and in range (integers in int64,
 * reals that do not overflow a double), nesting at most JSCAN_MAX_DEPTH.
 * Part of svc_rcar, for it and the services above it.
 */
#ifndef CCAKIT_SVC_JSCAN_H
#define CCAKIT_SVC_JSCAN_H

#include <stdbool.h>
#include <stddef.h>

#define JSCAN_MAX_DEPTH         64

struct jscan {
	const char *p;          /* the next byte */
	const char *end;
};

/* Skip white space; true when bytes are left. */
bool jscan_ws(struct jscan *s);
/* One value at nesting depth (the outermost is 0), checked, and the
 * white space before it; false when the text is not JSON there or a
 * value in it is deeper than JSCAN_MAX_DEPTH. */
bool jscan_value(struct jscan *s, unsigned depth);
/* The '{' of an object (after white space); false when not one. */
bool jscan_object(struct jscan *s);
/*
 * The next member of the object opened by jscan_object(): 1 with its
 * name decoded into key (NUL-terminated; *klen is SIZE_MAX when it did
 * not fit in keysz - 1 bytes) and s->p at the value's white space; 0 at
 * the closing '}' (consumed); -1 when the text is not JSON. *first is
 * true before the first member and set false by the call.
 */
int jscan_member(struct jscan *s, bool *first, char *key, size_t keysz,
    size_t *klen);
/* Whether the next value (after white space) starts with c. */
bool jscan_peek(struct jscan *s, char c);
/* The next value, a string, decoded into buf (NUL-terminated, *len
 * bytes); false when it is not one or does not fit in bufsz - 1. */
bool jscan_string(struct jscan *s, char *buf, size_t bufsz, size_t *len);
/* The same into a new buffer (free()); NULL when not a string. */
char *jscan_string_dup(struct jscan *s, size_t *len);

#endif /* CCAKIT_SVC_JSCAN_H */
