/*
 * keybroker-app's reply parsers (a library of their own for the fuzz
 * harnesses and the key broker's bench). The key broker's protocol
 * constants and media types: kbs_parse.h.
 */
#ifndef KBA_PARSE_H
#define KBA_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "kbs_parse.h"

#define KBA_RESP_MAX      (64 * 1024)

/* --- response parsers (fuzzed: fuzz/fuzz_kba_response.c) --- */

/* {"challenge": b64url(64 bytes), "accept": [strings]}. */
int kba_parse_challenge(const uint8_t *body, size_t len,
    uint8_t nonce[KBS_CHALLENGE_LEN], char *err, size_t errsz);
/* {"data": b64url}: the decoded bytes into a malloc'd buffer. */
int kba_parse_wrapped(const uint8_t *body, size_t len, uint8_t **data,
    size_t *dlen, char *err, size_t errsz);
/* A problem body's "type" and "detail" (empty strings when absent). */
void kba_parse_problem(const uint8_t *body, size_t len, char *type,
    size_t typesz, char *detail, size_t detailsz);

#endif /* KBA_PARSE_H */
