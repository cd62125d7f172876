/*
 * kbs: JWT verification for attestation tokens and admin credentials,
 * and the attestation token verifier (module kbs_jwt).
 */
#ifndef KBS_JWT_H
#define KBS_JWT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <ccakit/err.h>

#include "config.h"

#define KBS_TOKEN_LEEWAY_S      60      /* exp leeway of every JWT */

/* --- JWTs (jwt.c): verification for tokens and admin credentials --- */

typedef struct kbs_jwks kbs_jwks;       /* keys by kid, and PEM keys */

struct kbs_jwt {
	json_t *header;
	json_t *claims;
};
void kbs_jwt_clear(struct kbs_jwt *t);

/* The parts of a compact JWS, without verification. */
int kbs_jwt_decode(const char *jwt, size_t len, struct kbs_jwt *out,
    struct ccakit_errdetail *d);
/* A public key from a JWK (EC P-256/384/521, RSA, OKP Ed25519): an
 * EVP_PKEY (EVP_PKEY_free). */
int kbs_jwk_to_pkey(const json_t *jwk, void **pkey,
    struct ccakit_errdetail *d);
/* Verify the signature of compact jwt with pkey under alg ("ES256",
 * "RS256", "PS256", "EdDSA", ...): the header's alg must be alg and
 * the key's type alg's. Then exp (required) with the leeway, and nbf
 * when present (validate_nbf: Trustee does not). */
int kbs_jwt_verify(const char *jwt, size_t len, void *pkey, const char *alg,
    int64_t now, struct kbs_jwt *out, struct ccakit_errdetail *d);
/* The same checks of a token already decoded (t, from jwt). */
int kbs_jwt_check(const struct kbs_jwt *t, const char *jwt, size_t len,
    void *pkey, const char *alg, int64_t now, struct ccakit_errdetail *d);

kbs_jwks *kbs_jwks_new(void);
void kbs_jwks_free(kbs_jwks **jp);
/* Add the keys of a JWK set from file://, https:// (or OIDC discovery
 * there) or a plain path. */
int kbs_jwks_add_uri(kbs_jwks *j, const char *uri, struct ccakit_errdetail *d);
/* A PEM public key (EC, RSA or Ed25519) from a file:// URI, a path or
 * https://. */
int kbs_jwks_add_pem_uri(kbs_jwks *j, const char *uri,
    struct ccakit_errdetail *d);
size_t kbs_jwks_count(const kbs_jwks *j);
size_t kbs_jwks_pem_count(const kbs_jwks *j);
/* The JWK with this kid (borrowed), or NULL. */
const json_t *kbs_jwks_find(const kbs_jwks *j, const char *kid);
/* Try every PEM key with the header's algorithm. */
int kbs_jwks_verify_pem(const kbs_jwks *j, const char *jwt, size_t len,
    int64_t now, struct kbs_jwt *out, struct ccakit_errdetail *d);

/* --- the attestation token verifier (token.c) --- */

typedef struct kbs_tokens kbs_tokens;

/*
 * [attestation_token]: trusted_certs_paths, trusted_jwk_sets,
 * insecure_header_jwk, extra_teekey_paths; own_jwk is the public JWK of
 * this KBS's token signing key (its tokens are always trusted).
 */
int kbs_tokens_new(const struct kbs_config *c, const json_t *own_jwk,
    size_t cache_size, kbs_tokens **out, struct ccakit_errdetail *d);
void kbs_tokens_free(kbs_tokens **tp);
/*
 * Verify as Trustee's JwtVerifier; *claims gets the claims (a reference
 * the caller releases, shared with the cache of verified tokens of
 * cache_size entries: never change it) and *text, when text is not
 * NULL, their compact JSON (malloc'd).
 */
int kbs_tokens_verify(kbs_tokens *t, const char *jwt, json_t **claims,
    char **text, struct ccakit_errdetail *d);
/* A token this KBS has just signed, with its claims and their compact
 * JSON (what it signed), into the cache: kbs_tokens_verify() of it then
 * needs no signature check. The cache takes a reference to claims:
 * nothing may change them (or what they hold) afterwards. */
void kbs_tokens_remember(kbs_tokens *t, const char *jwt,
    const json_t *claims, const char *text);
/* fn(arg, hit) at each lookup in that cache (set before use). */
void kbs_tokens_set_hook(kbs_tokens *t, void (*fn)(void *arg, bool hit),
    void *arg);
/* The TEE key at the first claim path that holds one (configured
 * extra_teekey_paths, then Trustee's five); borrowed from claims. */
const json_t *kbs_tokens_teekey(kbs_tokens *t, const json_t *claims);

#endif /* KBS_JWT_H */
