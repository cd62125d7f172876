/*
 * JOSE for attestation results: JWS compact serialization (RFC 7515
 * §7.1) with ECDSA (RFC 7518 §3.4: ES256, ES384, ES512, raw r||s), and
 * EC keys as JWK (RFC 7517/7518 §6.2) on top of ccakit_key (cose.h).
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
 * NUL-terminated string (free with free()).
 */
int ccakit_jws_sign(const ccakit_key *priv, int alg, const char *typ,
    const uint8_t *payload, size_t plen, char **out);

/* A decoded compact JWS; owns copies of its parts. */
typedef struct ccakit_jws ccakit_jws;

/*
 * Decode (no cryptography) under the rules above. On success *out is a
 * new object (free with ccakit_jws_free). Errors: CCAKIT_ERR_TOO_LARGE,
 * CCAKIT_ERR_ENCODING (segments), CCAKIT_ERR_JSON (header),
 * CCAKIT_ERR_COSE_ALG (missing, "none" or unsupported alg), with detail.
 */
int ccakit_jws_decode(const char *compact, size_t len, ccakit_jws **out,
    struct ccakit_errdetail *d);
void ccakit_jws_free(ccakit_jws **jp);

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

#ifdef __cplusplus
}
#endif

#endif /* CCAKIT_JOSE_H */
