/*
 * Internal interfaces of the token module (not exported).
 */
#ifndef CCAKIT_TOKEN_PRIV_H
#define CCAKIT_TOKEN_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/cbor.h>
#include <ccakit/cose.h>
#include <ccakit/hash.h>
#include <ccakit/token.h>

/* The largest digest a claim may carry (SHA-512). */
#define CKI_DIGEST_MAX		64
/* Legacy RAK: SEC1 uncompressed P-384 point 04||X||Y. */
#define CKI_RAK_SEC1_LEN	97
/* Room for a public COSE_Key or SEC1 point on any supported curve. */
#define CKI_RAK_MAX		256
/* Platform and realm instance-id: RAND UEID 0x01 || 32 bytes. */
#define CKI_UEID_LEN		33
#define CKI_UEID_RAND		0x01
#define CKI_IMPL_ID_LEN		32
#define CKI_REALM_CHALLENGE_LEN	64
#define CKI_RPV_LEN		64

/*
 * A decoded token. The claims and the COSE_Sign1 members are views into
 * the buffer given to ccakit_token_decode(); valid is true only after a
 * successful decode.
 */
struct ccakit_token {
	bool valid;
	enum ccakit_token_format format;
	struct ccakit_cose_sign1 psign;
	struct ccakit_cose_sign1 rsign;
	struct ccakit_platform_claims platform;
	struct ccakit_realm_claims realm;
};

/* The hash algorithm a claim names ("sha-256", ...): CCAKIT_OK or
 * CCAKIT_ERR_NOT_FOUND. */
int cki_hash_from_claim(struct ccakit_bytes name, enum ccakit_hash_algo *a);
/* md must hold CKI_DIGEST_MAX bytes; *mdlen receives the length. */
int cki_hash_digest(enum ccakit_hash_algo a, const uint8_t *p, size_t len,
    uint8_t *md, size_t *mdlen);

/*
 * Claim checkers: each verifies the type and size of one claim value and
 * fills the view, or returns CCAKIT_ERR_CLAIM_TYPE / CCAKIT_ERR_CLAIM_VALUE
 * with a detail naming the claim (what must be a static string).
 */
int cki_claim_bstr(const struct ccakit_cbor_item *v, const char *what,
    struct ccakit_bytes *out, struct ccakit_errdetail *d);
int cki_claim_bstr_nonempty(const struct ccakit_cbor_item *v,
    const char *what, struct ccakit_bytes *out, struct ccakit_errdetail *d);
int cki_claim_bstr_size(const struct ccakit_cbor_item *v, const char *what,
    size_t size, struct ccakit_bytes *out, struct ccakit_errdetail *d);
/* A measurement or challenge: bstr of 32, 48 or 64 bytes. */
int cki_claim_digest(const struct ccakit_cbor_item *v, const char *what,
    struct ccakit_bytes *out, struct ccakit_errdetail *d);
/* A RAND UEID: bstr of 33 bytes starting with 0x01. */
int cki_claim_ueid(const struct ccakit_cbor_item *v, const char *what,
    struct ccakit_bytes *out, struct ccakit_errdetail *d);
int cki_claim_tstr(const struct ccakit_cbor_item *v, const char *what,
    struct ccakit_bytes *out, struct ccakit_errdetail *d);
/* A tstr naming one of sha-256, sha-384, sha-512. */
int cki_claim_hash_alg(const struct ccakit_cbor_item *v, const char *what,
    struct ccakit_bytes *out, struct ccakit_errdetail *d);

/*
 * Parse buf as one strict CBOR item that must be a map (a claims set);
 * what names it in the detail.
 */
int cki_claims_map(const uint8_t *buf, size_t len, const char *what,
    struct ccakit_cbor_item *map, struct ccakit_errdetail *d);

/*
 * The profile claim of a claims map, matched against names[0..n) (NULL
 * entries never match): *idx receives the index of the match, or -1 when
 * the map has no profile claim. An unknown profile is
 * CCAKIT_ERR_PROFILE_UNKNOWN; kind ("platform", "realm") names it.
 */
int cki_claims_profile(const struct ccakit_cbor_item *map,
    const char *const *names, size_t n, const char *kind, int *idx,
    struct ccakit_errdetail *d);

/*
 * Decodes one claim into claims; *bit receives the mandatory-claim bit the
 * claim fills (it is 0 on entry, left so for an optional claim).
 */
typedef int cki_claim_fn(uint64_t key, const struct ccakit_cbor_item *v,
    void *claims, unsigned *bit, struct ccakit_errdetail *d);

/*
 * Call fn for each claim of a claims map, accumulating the bits in *seen.
 * Keys other than unsigned integers, and the profile (which the caller
 * reads first), are skipped: unknown claims are ignored (EAT).
 */
int cki_claims_walk(const struct ccakit_cbor_item *map, cki_claim_fn *fn,
    void *claims, unsigned *seen, struct ccakit_errdetail *d);

/* A mandatory claim: its bit in the walk's seen set, and its name. */
struct cki_claim_name {
	unsigned bit;
	const char *name;
};

/*
 * CCAKIT_ERR_CLAIM_MISSING naming the first entry of names[] whose bit is
 * in required but not in seen (names[] is in reporting order).
 */
int cki_claims_missing(unsigned seen, unsigned required,
    const struct cki_claim_name *names, size_t n, struct ccakit_errdetail *d);

/* The number of bits set in m. */
size_t cki_nbits(unsigned m);

/*
 * Structural check of a public COSE_Key carried in the RAK claim: a strict
 * CBOR map with kty 2 (EC2), crv 1/2/3, x and y byte strings of the
 * curve's coordinate length and no private part. No cryptography.
 */
bool cki_cose_key_ok(const uint8_t *p, size_t len);

/* Append a byte string or a text string from a view. */
void cki_put_bytes(struct ccakit_cbor_writer *w, struct ccakit_bytes b);
void cki_put_text(struct ccakit_cbor_writer *w, struct ccakit_bytes b);

#endif /* CCAKIT_TOKEN_PRIV_H */
