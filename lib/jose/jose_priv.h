/*
 * Internal interfaces of the JOSE module (not exported).
 */
#ifndef CCAKIT_JOSE_PRIV_H
#define CCAKIT_JOSE_PRIV_H

#include <stddef.h>
#include <stdint.h>

/*
 * Base64url without padding of in[0..len) into a malloc'd NUL-terminated
 * string; NULL when out of memory.
 */
char *cki_b64url_dup(const uint8_t *in, size_t len);

#endif /* CCAKIT_JOSE_PRIV_H */
