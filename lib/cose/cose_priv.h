/*
 * Internal interfaces of the COSE module (not exported).
 */
#ifndef CCAKIT_COSE_PRIV_H
#define CCAKIT_COSE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nettle/ecc.h>
#include <openssl/evp.h>

#include <ccakit/cose.h>

/* Largest coordinate (P-521) and the point and signature sizes it gives. */
#define CKI_EC_COORD_MAX	66
#define CKI_EC_POINT_MAX	(1 + 2 * CKI_EC_COORD_MAX)
#define CKI_EC_RAWSIG_MAX	(2 * CKI_EC_COORD_MAX)
/*
 * DER ECDSA-Sig-Value for P-521: SEQUENCE (3-byte head) of two INTEGERs,
 * each at most 2 + 1 + 66 bytes (a leading 0x00 when the top bit is set).
 */
#define CKI_EC_DERSIG_MAX	(3 + 2 * (2 + 1 + CKI_EC_COORD_MAX))

/* The largest digest used (SHA-512). */
#define CKI_MD_MAX		64

struct ccakit_key {
	EVP_PKEY *pkey;
	int crv;			/* CCAKIT_COSE_CRV_* */
	int alg;			/* pinned algorithm, 0 if none */
	bool priv;			/* pkey holds the private scalar */
	size_t publen;			/* 1 + 2 * coordinate length */
	uint8_t pub[CKI_EC_POINT_MAX];	/* uncompressed point 04||X||Y */
	/*
	 * The same public point for nettle, built once at import so that
	 * a verification does not convert it again (ecdsa.c).
	 */
	bool has_npub;
	struct ecc_point npub;
};

/*
 * The message digest an ES algorithm signs with, fetched once per
 * process and shared by every thread; NULL for an unknown algorithm or
 * when the provider has no such digest.
 */
const EVP_MD *cki_cose_md(int alg);

/*
 * Digest of Sig_structure = ["Signature1", protected, h'', payload] for
 * an ES algorithm, hashed incrementally (no copy of the payload).
 * prot/plen is the content of the protected bstr, exactly as received.
 * md must hold CKI_MD_MAX bytes; *mdlen receives the digest length.
 */
int cki_cose_sig_digest(int alg, const uint8_t *prot, size_t plen,
    const uint8_t *payload, size_t paylen, uint8_t *md, size_t *mdlen);

/*
 * Raw r||s (each clen bytes, big endian) to a DER ECDSA-Sig-Value in
 * der[0..dersz). Zero integers encode as 02 01 00.
 */
int cki_ecdsa_raw_to_der(const uint8_t *raw, size_t clen, uint8_t *der,
    size_t dersz, size_t *derlen);

/*
 * DER ECDSA-Sig-Value (minimal encoding only) to raw r||s, each integer
 * left-padded to clen bytes into raw[0..2*clen).
 */
int cki_ecdsa_der_to_raw(const uint8_t *der, size_t derlen, size_t clen,
    uint8_t *raw);

/*
 * The algorithm must be the key's curve's and, if the key pins one, the
 * pin: CCAKIT_ERR_COSE_ALG for an algorithm that is not ES256, ES384 or
 * ES512, CCAKIT_ERR_KEY_MISMATCH otherwise.
 */
int cki_cose_check_alg(const ccakit_key *key, int alg);

/*
 * ECDSA with alg (already checked against the key) over the digest
 * md[0..mdlen). Signing writes raw r||s, 2 coordinate lengths, to raw.
 * Verifying takes raw r||s of exactly that size and returns CCAKIT_OK
 * only when the signature is valid.
 */
int cki_ecdsa_sign_digest(const ccakit_key *priv, int alg,
    const uint8_t *md, size_t mdlen, uint8_t *raw);
int cki_ecdsa_verify_digest(const ccakit_key *pub, int alg,
    const uint8_t *md, size_t mdlen, const uint8_t *raw);

/*
 * Install an OpenSSL EC key (P-256, P-384 or P-521; priv: it holds the
 * private scalar) in k after the same checks as the other constructors.
 * On success k owns pkey; on failure pkey is untouched (the caller frees
 * it) and so is k.
 */
int cki_key_from_evp(ccakit_key *k, EVP_PKEY *pkey, bool priv);

/*
 * Read a PEM private key (any type OpenSSL decodes: PKCS#8, SEC1,
 * PKCS#1) or else a public key (SubjectPublicKeyInfo); encrypted PEM is
 * refused, OpenSSL's error queue is left as it was. *out receives the key
 * (the caller frees it), *priv whether it is private. CCAKIT_ERR_KEY_INVALID
 * when there is no such key.
 */
int cki_pem_read_key(const char *pem, size_t len, EVP_PKEY **out,
    bool *priv);

/*
 * The ECDSA verifiers behind cki_ecdsa_verify_digest (ecdsa.c). AUTO is
 * the one measured fastest for the key's curve (docs/crypto.md); the
 * others force one implementation, for the differential tests, the fuzz
 * harness and the benches. Both give the same answer for every input:
 * CCAKIT_OK only for a valid signature, CCAKIT_ERR_SIGNATURE for any
 * invalid one (r or s out of [1, n-1], a digest whose length is not
 * the algorithm's, a wrong value), CCAKIT_ERR_COSE_ALG for an algorithm
 * that is not ES256/384/512. The algorithm need not be the curve's: a
 * digest longer than the group order is truncated to its leftmost bits
 * by both (FIPS 186-4 §6.4). CCAKIT_ERR_CRYPTO when a forced nettle has
 * no point for the key.
 */
enum cki_ecdsa_backend {
	CKI_ECDSA_AUTO = 0,
	CKI_ECDSA_OPENSSL,
	CKI_ECDSA_NETTLE,
};

int cki_ecdsa_verify_backend(const ccakit_key *pub, int alg,
    const uint8_t *md, size_t mdlen, const uint8_t *raw,
    enum cki_ecdsa_backend be);
/* OpenSSL EVP verification (sign1.c), the reference. */
int cki_ecdsa_verify_openssl(const ccakit_key *pub, int alg,
    const uint8_t *md, size_t mdlen, const uint8_t *raw);
/* The backend AUTO uses for a COSE curve (OpenSSL for an unknown one). */
enum cki_ecdsa_backend cki_ecdsa_backend_for(int crv);
/* "openssl", "nettle" ("auto" for AUTO). */
const char *cki_ecdsa_backend_name(enum cki_ecdsa_backend be);
/*
 * The group order of a COSE curve, big endian in a coordinate length
 * (ccakit_cose_crv_coord_len bytes); NULL for an unknown curve.
 */
const uint8_t *cki_ecdsa_order(int crv);

/*
 * The nettle copy of an uncompressed public point pub (1 + 2 * clen
 * bytes) on a COSE curve: false when nettle refuses it (never for a
 * point OpenSSL accepted) or the curve is unknown; *pt is then untouched
 * and needs no clearing.
 */
bool cki_ecdsa_nettle_point(int crv, const uint8_t *pub,
    struct ecc_point *pt);

/* The JWK "crv" name of a COSE curve; NULL for an unknown curve. */
const char *cki_cose_crv_jwk(int crv);

#endif /* CCAKIT_COSE_PRIV_H */
