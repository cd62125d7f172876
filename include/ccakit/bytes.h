/*
 * Borrowed byte views and small byte helpers.
 */
#ifndef CCAKIT_BYTES_H
#define CCAKIT_BYTES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A borrowed view: ptr may be NULL only when len is 0. */
struct ccakit_bytes {
	const uint8_t *ptr;
	size_t len;
};

/* Lower-case hex; out must hold 2*len+1 bytes. Returns 0 or an error. */
int ccakit_hex_encode(const uint8_t *in, size_t len, char *out, size_t outsz);
/* Accepts upper and lower case; *outlen receives the decoded length. */
int ccakit_hex_decode(const char *in, size_t inlen, uint8_t *out,
    size_t outsz, size_t *outlen);

/* Base64, standard (RFC 4648 §4) or URL-safe (§5) alphabet. */
enum ccakit_b64 {
	CCAKIT_B64_STD,        /* padded on output, padding required in */
	CCAKIT_B64_URL,        /* no padding on output, padding refused in */
	CCAKIT_B64_ANY,        /* decode only: either alphabet, padding optional */
};
size_t ccakit_b64_encoded_len(size_t len, enum ccakit_b64 v);
int ccakit_b64_encode(const uint8_t *in, size_t len, enum ccakit_b64 v,
    char *out, size_t outsz);
int ccakit_b64_decode(const char *in, size_t inlen, enum ccakit_b64 v,
    uint8_t *out, size_t outsz, size_t *outlen);

/* Constant-time comparison of two equal-length buffers: 0 when equal. */
int ccakit_ct_memcmp(const void *a, const void *b, size_t len);

/* Wipe memory that held a secret; never optimised away. */
void ccakit_wipe(void *p, size_t len);

/*
 * Release memory the library returned (the char ** and uint8_t **
 * outputs: JSON, JWTs, PEM, decrypted plaintext, ...); NULL is fine.
 * Such memory comes from malloc(), and ccakit_free() is free() there,
 * whatever allocator the caller's own code uses. Wipe secrets first.
 */
void ccakit_free(void *p);

#ifdef __cplusplus
}
#endif

#endif /* CCAKIT_BYTES_H */
