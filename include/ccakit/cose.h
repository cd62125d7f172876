/*
 * COSE (RFC 9052) for CCA tokens: EC keys and COSE_Sign1 with
 * ES256/ES384/ES512 through OpenSSL 3 EVP (P-384 signatures are verified
 * with nettle, which is faster there: docs/crypto.md).
 */
#ifndef CCAKIT_COSE_H
#define CCAKIT_COSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/bytes.h>

#ifdef __cplusplus
extern "C" {
#endif

/* COSE algorithm identifiers (IANA COSE Algorithms). */
#define CCAKIT_COSE_ES256 (-7)
#define CCAKIT_COSE_ES384 (-35)
#define CCAKIT_COSE_ES512 (-36)

/* COSE elliptic curves (IANA COSE Elliptic Curves). */
#define CCAKIT_COSE_CRV_P256 1
#define CCAKIT_COSE_CRV_P384 2
#define CCAKIT_COSE_CRV_P521 3

/*
 * An EC key (public, or private with its public half) on P-256, P-384 or
 * P-521. Opaque; wraps an OpenSSL EVP_PKEY.
 */
typedef struct ccakit_key ccakit_key;
struct evp_pkey_st;

ccakit_key *ccakit_key_new(void);
void ccakit_key_free(ccakit_key **kp);

/* SEC1 uncompressed point 04||X||Y on the given COSE curve. */
int ccakit_key_from_sec1(ccakit_key *k, int crv, const uint8_t *pt,
    size_t len);
/* A CBOR COSE_Key (kty 2 = EC2, crv, x, y; d makes it private). */
int ccakit_key_from_cose_key(ccakit_key *k, const uint8_t *cbor, size_t len);
/* A JWK JSON object (kty EC, crv P-256/P-384/P-521, x, y, optional d and
 * alg). A present "alg" pins the key to that COSE algorithm. */
int ccakit_key_from_jwk(ccakit_key *k, const char *json, size_t len);
/* A PEM private key (SEC1 "EC PRIVATE KEY" or PKCS#8) or public key (SPKI). */
int ccakit_key_from_pem(ccakit_key *k, const char *pem, size_t len);

int ccakit_key_crv(const ccakit_key *k);          /* CCAKIT_COSE_CRV_* or 0 */
bool ccakit_key_has_private(const ccakit_key *k);
/* The algorithm pinned by a JWK "alg", or 0 when not pinned. */
int ccakit_key_pinned_alg(const ccakit_key *k);
/* The natural ES algorithm for the key's curve. */
int ccakit_key_default_alg(const ccakit_key *k);

/* Encodings of the public key. Each writes at most outsz bytes. */
int ccakit_key_to_sec1(const ccakit_key *k, uint8_t *out, size_t outsz,
    size_t *outlen);
/* COSE_Key {1:2, -1:crv, -2:x, -3:y} in this order (TF-RMM's encoding). */
int ccakit_key_to_cose_key(const ccakit_key *k, uint8_t *out, size_t outsz,
    size_t *outlen);
/* JWK {"kty","crv","x","y"} public members, NUL terminated. */
int ccakit_key_to_jwk(const ccakit_key *k, char *out, size_t outsz);

/* The underlying EVP_PKEY (borrowed), for callers that use OpenSSL:
 * struct evp_pkey_st is OpenSSL's EVP_PKEY (openssl/types.h), so the
 * result is an EVP_PKEY * without a cast. NULL for an empty key. */
struct evp_pkey_st *ccakit_key_evp(const ccakit_key *k);

/* Length of one coordinate (32/48/66) for a COSE curve, 0 if unknown. */
size_t ccakit_cose_crv_coord_len(int crv);
/* The curve an ES algorithm requires, 0 if unknown. */
int ccakit_cose_alg_crv(int alg);
/* "ES256"... for an alg, or NULL. */
const char *ccakit_cose_alg_name(int alg);

/*
 * A decoded COSE_Sign1_Tagged: views into the caller's buffer.
 * Strict profile: tag 18 required; protected header is a bstr-wrapped map
 * carrying alg (1) as an integer; an unprotected alg or any crit (2)
 * header is refused; payload attached and non-empty; signature a bstr.
 */
struct ccakit_cose_sign1 {
	struct ccakit_bytes protected_hdr; /* content of the protected bstr */
	struct ccakit_bytes payload;       /* content of the payload bstr */
	struct ccakit_bytes signature;     /* raw r||s */
	int alg;                           /* CCAKIT_COSE_ES* */
};

int ccakit_cose_sign1_decode(const uint8_t *buf, size_t len,
    struct ccakit_cose_sign1 *out);

/*
 * Verify with a public key: the algorithm must be supported, its curve
 * must be the key's curve, a key pinned to an algorithm must match it,
 * and the signature must be exactly 2 * coordinate length.
 * Sig_structure = ["Signature1", protected, h'', payload].
 * Returns CCAKIT_OK, CCAKIT_ERR_SIGNATURE, CCAKIT_ERR_KEY_MISMATCH or
 * CCAKIT_ERR_COSE_ALG.
 */
int ccakit_cose_sign1_verify(const struct ccakit_cose_sign1 *msg,
    const ccakit_key *key);

/*
 * Produce a COSE_Sign1_Tagged over payload with protected {1: alg} and an
 * empty unprotected map. alg 0 means the key's default algorithm.
 */
int ccakit_cose_sign1_sign(const ccakit_key *priv, int alg,
    const uint8_t *payload, size_t plen, uint8_t *out, size_t outsz,
    size_t *outlen);
/*
 * The same with the caller's protected header: prot[0..protlen) is the
 * content of the protected bstr, a strict CBOR map whose alg (1) must be
 * alg (0 is not allowed here) and which has no crit (2).
 */
int ccakit_cose_sign1_sign_prot(const ccakit_key *priv, int alg,
    const uint8_t *prot, size_t protlen, const uint8_t *payload,
    size_t plen, uint8_t *out, size_t outsz, size_t *outlen);

#ifdef __cplusplus
}
#endif

#endif /* CCAKIT_COSE_H */
