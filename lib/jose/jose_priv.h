/*
 * Internal interfaces of the JOSE module (not exported).
 */
#ifndef CCAKIT_JOSE_PRIV_H
#define CCAKIT_JOSE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include <ccakit/cose.h>
#include <ccakit/jose.h>

/*
 * Base64url without padding of in[0..len) into a malloc'd NUL-terminated
 * string; NULL when out of memory.
 */
char *cki_b64url_dup(const uint8_t *in, size_t len);

/*
 * Decode canonical base64url without padding (the one encoding of its
 * bytes: no padding, no other alphabet, zero trailing bits) into a
 * malloc'd buffer with a NUL appended (not counted). CCAKIT_ERR_ENCODING
 * or CCAKIT_ERR_NOMEM.
 */
int cki_b64url_decode_dup(const char *s, size_t len, uint8_t **out,
    size_t *outlen);

/*
 * An RSA public key from big-endian n and e (a TEE key, a wrapping key):
 * CCAKIT_ERR_KEY_INVALID when OpenSSL refuses it, CCAKIT_ERR_CRYPTO when
 * it fails otherwise. OpenSSL's error queue is left as it was.
 */
int cki_rsa_from_ne(const uint8_t *n, size_t nlen, const uint8_t *e,
    size_t elen, EVP_PKEY **out);

struct ccakit_teekey {
	enum ccakit_jwe_alg alg;	/* 0 while empty */
	ccakit_key *ec;			/* EC: the key (cose.h) */
	EVP_PKEY *rsa;			/* RSA: the key */
	unsigned bits;			/* curve or modulus size */
	bool priv;
};

/*
 * Deterministic encryption for the tests (vectors with a fixed
 * ephemeral key, CEK and IV) and apu/apv, which Trustee never sends.
 * Every member may be NULL (random or absent).
 */
struct cki_jwe_fixed {
	const uint8_t *cek;		/* 32 bytes */
	const uint8_t *iv;		/* 12 bytes */
	const ccakit_key *epk;		/* private, on the TEE key's curve */
	const uint8_t *apu;		/* "apu" member and KDF input */
	size_t apulen;
	const uint8_t *apv;
	size_t apvlen;
};

int cki_jwe_encrypt(const ccakit_teekey *to, const uint8_t *pt, size_t len,
    enum ccakit_jwe_form form, const struct cki_jwe_fixed *fx, char **out);

/*
 * Concat KDF (RFC 7518 §4.6.2, NIST SP 800-56A single-step, SHA-256) of
 * the shared secret z for the algorithm name alg: keylen bytes into key.
 */
int cki_concat_kdf(const uint8_t *z, size_t zlen, const char *alg,
    const uint8_t *apu, size_t apulen, const uint8_t *apv, size_t apvlen,
    uint8_t *key, size_t keylen);

#endif /* CCAKIT_JOSE_PRIV_H */
