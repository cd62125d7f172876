/*
 * JOSE for attestation results: JWS compact serialization (RFC 7515
 * §7.1) with ECDSA (RFC 7518 §3.4: ES256, ES384, ES512, raw r||s), and
 * EC keys as JWK (RFC 7517/7518 §6.2) on top of ccakit_key (cose.h).
 * JWE for RCAR resources (Trustee's KBS and guest) is further below.
 *
 * Algorithms use the COSE identifiers of cose.h (CCAKIT_COSE_ES256...),
 * so that one key type and one algorithm namespace serve COSE and JOSE.
 * The verifier always pins the algorithm: the header's "alg" must equal
 * the caller's, "none" and every non-ECDSA algorithm are refused, and the
 * key's curve must be the algorithm's (RSA wrapping keys as JWK live in
 * broker.h: ccakit_wrapkey_from_jwk).
 *
 * Strict parsing of untrusted input:
 *  - exactly three segments, each base64url without padding, and no
 *    whitespace anywhere; the whole compact form is at most
 *    CCAKIT_JWS_MAX_LEN bytes, the protected header at most
 *    CCAKIT_JWS_MAX_HEADER bytes of JSON;
 *  - the header is one JSON object without duplicate members; "alg" is
 *    required; "crit" and "b64" are refused (no extension is
 *    understood); "jwk", "jku", "x5u", "x5c" are ignored, never used to
 *    find a key; "typ" and "cty", when present, must be strings;
 *  - the signature is exactly 2 x the curve's coordinate length.
 */
#ifndef CCAKIT_JOSE_H
#define CCAKIT_JOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/cose.h>
#include <ccakit/err.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CCAKIT_JWS_MAX_LEN     (256 * 1024)  /* whole compact JWS */
#define CCAKIT_JWS_MAX_HEADER  4096          /* decoded protected header */
#define CCAKIT_JWK_MAX_LEN     (16 * 1024)   /* JWK JSON text */

/* "ES256" -> CCAKIT_COSE_ES256, ...; 0 for anything else ("none"!). */
int ccakit_jws_alg_from_name(const char *name);
/* The JWS name of an ES algorithm ("ES256"...), or NULL. */
const char *ccakit_jws_alg_name(int alg);

/*
 * Sign payload as a compact JWS with the protected header
 * {"alg":"<alg>","typ":"<typ>"} (typ omitted when NULL).
 * alg 0 means the key's default algorithm; an algorithm whose curve is
 * not the key's is CCAKIT_ERR_KEY_MISMATCH. *out receives a malloc'd
 * NUL-terminated string (ccakit_free).
 */
int ccakit_jws_sign(const ccakit_key *priv, int alg, const char *typ,
    const uint8_t *payload, size_t plen, char **out);

/* A decoded compact JWS; owns copies of its parts. */
typedef struct ccakit_jws ccakit_jws;

/* An empty JWS, or NULL when out of memory. */
ccakit_jws *ccakit_jws_new(void);
/* Accepts NULL, sets *jp to NULL. */
void ccakit_jws_free(ccakit_jws **jp);

/*
 * Decode (no cryptography) under the rules above into j, whose content is
 * replaced only on success. Errors: CCAKIT_ERR_TOO_LARGE,
 * CCAKIT_ERR_ENCODING (segments), CCAKIT_ERR_JSON (header),
 * CCAKIT_ERR_COSE_ALG (missing, "none" or unsupported alg), with detail.
 */
int ccakit_jws_decode(ccakit_jws *j, const char *compact, size_t len,
    struct ccakit_errdetail *d);

/* The header's algorithm (CCAKIT_COSE_ES*). */
int ccakit_jws_alg(const ccakit_jws *j);
/* The header's "typ", "kid" member, or NULL when absent. Borrowed. */
const char *ccakit_jws_typ(const ccakit_jws *j);
const char *ccakit_jws_kid(const ccakit_jws *j);
/*
 * The decoded payload (borrowed, NUL-terminated one byte past *len so
 * that JSON text can be used directly). UNVERIFIED until
 * ccakit_jws_verify() returned CCAKIT_OK.
 */
const uint8_t *ccakit_jws_payload(const ccakit_jws *j, size_t *len);

/*
 * Verify the signature with a public key and the caller's algorithm:
 * the header alg must equal alg, alg's curve must be the key's, a key
 * pinned by its JWK "alg" must agree. Returns CCAKIT_OK,
 * CCAKIT_ERR_COSE_ALG (header alg differs from the pinned one),
 * CCAKIT_ERR_KEY_MISMATCH or CCAKIT_ERR_SIGNATURE.
 */
int ccakit_jws_verify(const ccakit_jws *j, const ccakit_key *pub, int alg,
    struct ccakit_errdetail *d);

/*
 * Public EC JWK with members in lexical order, as Go's encoder and
 * Veraison's discovery document write it:
 * {"alg":"ES256","crv":"P-256","kty":"EC","x":"...","y":"..."}
 * ("alg" omitted when alg is 0). malloc'd in *out.
 */
int ccakit_jwk_from_key(const ccakit_key *k, int alg, char **out);

/*
 * An EC key from text that is either a JWK (starts with '{') or PEM
 * (SPKI public key, SEC1 or PKCS#8 private key), as ccakit_key_from_jwk
 * and ccakit_key_from_pem read them. At most CCAKIT_JWK_MAX_LEN bytes.
 */
int ccakit_key_from_text(ccakit_key *k, const char *text, size_t len);

/* --- TEE keys and JWE (RFC 7516) for RCAR resource responses --- */

/*
 * Key management algorithms (RFC 7518 §4). Content encryption is always
 * A256GCM, as in Trustee.
 */
enum ccakit_jwe_alg {
	CCAKIT_JWE_ECDH_ES_A256KW = 1,	/* "ECDH-ES+A256KW", P-256/384/521 */
	CCAKIT_JWE_RSA_OAEP_256,	/* "RSA-OAEP-256" */
	CCAKIT_JWE_RSA1_5,		/* "RSA1_5": encryption to it only */
};
/* The JWA name of an algorithm, or NULL. */
const char *ccakit_jwe_alg_name(enum ccakit_jwe_alg alg);

/*
 * A TEE key: the key a guest puts in the RCAR runtime data
 * ("tee-pubkey") and the KBS encrypts resources to. An EC key on P-256,
 * P-384 or P-521 for ECDH-ES+A256KW, or an RSA key for RSA-OAEP-256;
 * public, or private with its public half (the guest's side).
 */
typedef struct ccakit_teekey ccakit_teekey;

#define CCAKIT_TEEKEY_JWK_MAX          8192   /* JWK text */
#define CCAKIT_TEEKEY_PEM_MAX          (64 * 1024)
#define CCAKIT_TEEKEY_RSA_MIN_BITS     2048
#define CCAKIT_TEEKEY_RSA_COMPAT_BITS  1024
#define CCAKIT_TEEKEY_RSA_MAX_BITS     8192

/* Accept RSA moduli of 1024..2047 bits. */
#define CCAKIT_TEEKEY_ALLOW_RSA1024    0x01u
/* Accept alg "RSA1_5" (deprecated; Trustee's KBS still encrypts to it). */
#define CCAKIT_TEEKEY_ALLOW_RSA1_5     0x02u

ccakit_teekey *ccakit_teekey_new(void);
/* Frees the key (OpenSSL clears private parts); accepts NULL. */
void ccakit_teekey_free(ccakit_teekey **kp);

/*
 * The JWK a guest sends as "tee-pubkey" (kbs-types TeePubKey):
 *   {"kty":"EC","crv":"P-256"|"P-384"|"P-521","alg":"ECDH-ES+A256KW",
 *    "x":...,"y":...}  or  {"kty":"RSA","alg":"RSA-OAEP-256","n":...,"e":...}
 * Strict: one JSON object without duplicate members; kty, alg and the
 * key members are required strings; alg must be the key type's (EC:
 * ECDH-ES+A256KW; RSA: RSA-OAEP-256, RSA1_5 only with the flag);
 * coordinates are canonical base64url of exactly the curve's length and
 * the point must be on the curve; n and e are canonical base64url
 * without leading zero octets, n odd of 2048 (1024 with the flag) to
 * 8192 bits, e odd, 3 <= e < 2^64 (OpenSSL's RSA public check, a
 * primality test of n costing some 20 ms, is not run); private members (d, p, q, dp, dq, qi, oth) are refused, as is a "use"
 * other than "enc"; other members are ignored (Trustee drops them too).
 * Errors: CCAKIT_ERR_TOO_LARGE, CCAKIT_ERR_JSON, CCAKIT_ERR_ENCODING,
 * CCAKIT_ERR_KEY_INVALID (unsupported kty/crv/alg, off-curve point,
 * small or malformed RSA key), with detail.
 */
int ccakit_teekey_from_jwk(ccakit_teekey *k, const char *json, size_t len,
    unsigned flags, struct ccakit_errdetail *d);

/*
 * A PEM key, as kbs-client's --tee-key-file: private RSA (PKCS#1 or
 * PKCS#8; alg RSA-OAEP-256) or EC P-256/384/521 (PKCS#8 or SEC1; alg
 * ECDH-ES+A256KW), or a public SubjectPublicKeyInfo. Encrypted PEM is
 * refused. A private key must pass OpenSSL's pairwise check.
 */
int ccakit_teekey_from_pem(ccakit_teekey *k, const char *pem, size_t len,
    unsigned flags, struct ccakit_errdetail *d);

/*
 * A fresh key pair, named as guest-components' tee_key_algorithm:
 * "ECDH-ES+A256KW-P256" (also NULL: the default), "ECDH-ES+A256KW-P384",
 * "ECDH-ES+A256KW-P521" or "RSA-OAEP-256" (2048 bits).
 */
int ccakit_teekey_generate(ccakit_teekey *k, const char *algorithm);

/*
 * The public key as the guest sends it, members in kbs-types' order:
 * {"kty":"EC","crv":...,"alg":...,"x":...,"y":...} or
 * {"kty":"RSA","alg":...,"n":...,"e":...}. This is also the form
 * Trustee's KBS rebuilds for the runtime-data hash (unknown members
 * dropped). malloc'd NUL-terminated string in *out.
 */
int ccakit_teekey_to_jwk(const ccakit_teekey *k, char **out);

/*
 * PEM as guest-components writes it: a private RSA key as PKCS#1, a
 * private EC key as PKCS#8, a public key as SubjectPublicKeyInfo.
 * malloc'd in *out; wipe it (ccakit_wipe) before ccakit_free() when private.
 */
int ccakit_teekey_to_pem(const ccakit_teekey *k, char **out);

enum ccakit_jwe_alg ccakit_teekey_alg(const ccakit_teekey *k);
int ccakit_teekey_crv(const ccakit_teekey *k);	/* CCAKIT_COSE_CRV_*, 0 RSA */
unsigned ccakit_teekey_bits(const ccakit_teekey *k); /* curve or modulus */
bool ccakit_teekey_has_private(const ccakit_teekey *k);

/* Serializations (RFC 7516 §7): compact, or Trustee's flattened JSON. */
enum ccakit_jwe_form {
	CCAKIT_JWE_COMPACT = 1,
	CCAKIT_JWE_FLATTENED,
};

#define CCAKIT_JWE_MAX_PLAINTEXT  (8 * 1024 * 1024)
#define CCAKIT_JWE_MAX_LEN        (12 * 1024 * 1024)  /* JWE text */
#define CCAKIT_JWE_MAX_HEADER     4096                /* decoded header */

/*
 * Encrypt to a (public) TEE key with a random CEK and IV, A256GCM, and
 * the key's algorithm, the protected header exactly as Trustee's KBS
 * serialises it (the GCM AAD is its base64url form):
 *   {"alg":"ECDH-ES+A256KW","enc":"A256GCM",
 *    "epk":{"crv":"P-256","kty":"EC","x":"...","y":"..."}}
 *   {"alg":"RSA-OAEP-256","enc":"A256GCM"}
 * ECDH-ES uses a fresh ephemeral key on the TEE key's curve and the
 * Concat KDF (SHA-256) with empty apu and apv. The flattened form is
 * kbs-types' Response: {"protected","encrypted_key","iv","ciphertext",
 * "tag"} in this order, no "aad". *out receives a malloc'd
 * NUL-terminated string.
 */
int ccakit_jwe_encrypt(const ccakit_teekey *to, const uint8_t *pt,
    size_t len, enum ccakit_jwe_form form, char **out);

/*
 * Decrypt a JWE in either serialization (flattened when the text starts
 * with '{') with a private TEE key. Strict, and every check is made
 * before the plaintext is released:
 *  - compact: five canonical base64url segments, no whitespace;
 *    flattened: one JSON object with string members protected,
 *    encrypted_key, iv, ciphertext and tag; "aad", "header",
 *    "unprotected" and the general form's "recipients" are refused;
 *  - the protected header (at most CCAKIT_JWE_MAX_HEADER bytes): a JSON
 *    object without duplicates; "enc" must be A256GCM; "alg" must be the
 *    key's (ECDH-ES+A256KW for an EC key, RSA-OAEP-256 for RSA; RSA1_5 is
 *    never decrypted); "zip" and "crit" are refused; for ECDH-ES, "epk"
 *    is a public EC JWK on the key's curve whose point is on the curve,
 *    and "apu"/"apv", when present, are base64url and enter the KDF;
 *  - iv 12 bytes, tag 16, encrypted_key 40 (A256KW) or the modulus size;
 *  - the GCM AAD is the protected member exactly as received.
 * A wrong key or any modified byte is CCAKIT_ERR_DECRYPT (one error for
 * the key unwrap and the tag; an RSA-OAEP failure continues with a random
 * CEK, RFC 7516 §11.5). Other errors: CCAKIT_ERR_TOO_LARGE,
 * CCAKIT_ERR_ENCODING, CCAKIT_ERR_JSON, CCAKIT_ERR_COSE_ALG (alg, enc,
 * zip, crit), CCAKIT_ERR_KEY_MISMATCH (alg or curve not the key's),
 * CCAKIT_ERR_KEY_INVALID (epk), with detail. On success *pt is a
 * malloc'd buffer of *ptlen bytes with a NUL after them (not counted);
 * wipe it before ccakit_free() when it holds a secret.
 */
int ccakit_jwe_decrypt(const ccakit_teekey *key, const char *jwe,
    size_t len, uint8_t **pt, size_t *ptlen, struct ccakit_errdetail *d);

/* --- RSA key wrapping to a client's JWK (the key broker demo) --- */

#define CCAKIT_WRAPKEY_JWK_MAX      4096    /* wrapping-key JWK text */

enum ccakit_wrap_alg {
	CCAKIT_WRAP_RSA1_5 = 1,     /* "RSA1_5": RSAES-PKCS1-v1_5 */
	CCAKIT_WRAP_RSA_OAEP,       /* "RSA-OAEP" as the demo does it:
	                             * OAEP, SHA-256 and MGF1-SHA-256 (JWA's
	                             * RSA-OAEP would be SHA-1) */
	CCAKIT_WRAP_RSA_OAEP_256,   /* "RSA-OAEP-256": OAEP, SHA-256 */
};

/* The JWK "alg" name, or NULL. */
const char *ccakit_wrap_alg_str(enum ccakit_wrap_alg alg);

#define CCAKIT_WRAPKEY_MIN_BITS         2048
#define CCAKIT_WRAPKEY_COMPAT_MIN_BITS  1024
#define CCAKIT_WRAPKEY_MAX_BITS         8192

/* Accept moduli of 1024..2047 bits (the demo client's key is 1024). */
#define CCAKIT_WRAPKEY_ALLOW_1024       0x01u

typedef struct ccakit_wrapkey ccakit_wrapkey;

ccakit_wrapkey *ccakit_wrapkey_new(void);
void ccakit_wrapkey_free(ccakit_wrapkey **kp);

/*
 * An RSA public JWK {"kty":"RSA","alg":...,"n":...,"e":...}: alg one of
 * the three above (required), n and e base64url without padding and
 * minimal (no leading zero octet), e odd, 3 <= e < 2^64, n odd of
 * CCAKIT_WRAPKEY_MIN_BITS (or 1024 with CCAKIT_WRAPKEY_ALLOW_1024) to
 * CCAKIT_WRAPKEY_MAX_BITS. Duplicate members, private-key members and a
 * "use" other than "enc" are refused; other members are ignored. An
 * unsupported or undersized key is CCAKIT_ERR_KEY_INVALID, a malformed
 * one CCAKIT_ERR_JSON or CCAKIT_ERR_ENCODING.
 */
int ccakit_wrapkey_from_jwk(ccakit_wrapkey *k, const char *json, size_t len,
    unsigned flags, struct ccakit_errdetail *d);

enum ccakit_wrap_alg ccakit_wrapkey_alg(const ccakit_wrapkey *k);
/* Modulus size in bits, which is also the ciphertext size. */
unsigned ccakit_wrapkey_bits(const ccakit_wrapkey *k);
/* Largest secret the key can wrap (k - 11 or k - 66 octets). */
size_t ccakit_wrapkey_max_secret(const ccakit_wrapkey *k);

/*
 * Encrypt a secret to the key: out receives (bits + 7) / 8 bytes, which
 * the caller encodes (the demo: base64url without padding). A secret
 * too long for the key and padding is CCAKIT_ERR_TOO_LARGE.
 */
int ccakit_wrap(const ccakit_wrapkey *k, const uint8_t *secret, size_t len,
    uint8_t *out, size_t outsz, size_t *outlen);

#ifdef __cplusplus
}
#endif

#endif /* CCAKIT_JOSE_H */
