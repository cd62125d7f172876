/*
 * Helpers shared by the crypto and io.jwt built-ins (bi_crypto.c,
 * bi_jwt.c): Go's base64 and PEM decoding, as OPA's inputs are read
 * with them (same accepted inputs, same error offsets), and public keys
 * from PEM text.
 */
#ifndef CCAKIT_REGO_BI_CRYPTO_H
#define CCAKIT_REGO_BI_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "rego/rego_priv.h"

/* Largest key, certificate or token text the built-ins read. */
#define REGO_CRYPTO_MAX_INPUT  (4u << 20)

/*
 * Go's base64.StdEncoding / URLEncoding Decode (padding required, CR
 * and LF ignored): out needs n / 4 * 3 + 3 bytes, or is NULL to only
 * check and count. False with *errpos, the offset Go reports ("illegal
 * base64 data at input byte N").
 */
#define REGO_B64_URL     0x01u  /* URL alphabet */
#define REGO_B64_BLANKS  0x02u  /* spaces and tabs ignored too (PEM) */
bool rego_go_b64dec(const char *s, size_t n, unsigned flags, uint8_t *out,
    size_t *outlen, size_t *errpos);

/* One PEM block as Go's pem.Decode finds it; der in the arena. */
struct rego_pem {
	const char *type;
	size_t typelen;
	uint8_t *der;
	size_t derlen;
};

/*
 * Go's pem.Decode of s[0..n): true with the block and *rest (offset of
 * the text after the block's END line); false when no block is found
 * (or the arena is full: ar->failed).
 */
bool rego_pem_decode(struct rego_arena *ar, const char *s, size_t n,
    struct rego_pem *blk, size_t *rest);

bool rego_pem_is(const struct rego_pem *blk, const char *type);

/*
 * The public key of DER: an X.509 certificate (cert) or a
 * SubjectPublicKeyInfo. NULL when it does not parse.
 */
EVP_PKEY *rego_pubkey_from_der(const uint8_t *der, size_t n, bool cert);

/* Go's net.IP.String() of a 4- or 16-byte address (bi_net.c). */
size_t rego_fmt_ip(const uint8_t *ip, size_t len, char *buf, size_t buflen);

#endif /* CCAKIT_REGO_BI_CRYPTO_H */
