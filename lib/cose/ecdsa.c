/*
 * ECDSA verification for ES256/ES384/ES512 behind one function, with two
 * implementations: OpenSSL EVP (sign1.c, the reference) and nettle's
 * hogweed (here). Each curve uses the one measured fastest on the target
 * machine (docs/crypto.md); both answer alike for every input, which the
 * differential test (test_ecdsa_diff) and fuzz_ecdsa_diff check.
 *
 * Verification handles public data only: nothing here needs to run in
 * constant time.
 */
#include <string.h>

#include <gmp.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <nettle/ecdsa.h>

#include <ccakit/cose.h>
#include <ccakit/err.h>

#include "cose/cose_priv.h"

#if GMP_NAIL_BITS != 0
#error "the limb conversion assumes GMP without nail bits"
#endif

/* Limbs of the largest coordinate or scalar (66 bytes for P-521). */
#define NLIMBS_MAX \
	((CKI_EC_COORD_MAX * 8 + GMP_NUMB_BITS - 1) / GMP_NUMB_BITS)
/*
 * Scratch of ecc_ecdsa_verify on the stack: nettle 3.8.1 asks for 549
 * limbs for P-521 with 64-bit limbs (1,088 with 32-bit ones). A nettle
 * that wants more is not used (OpenSSL verifies instead).
 */
#define SCRATCH_MAX	1200

struct ecdsa_curve {
	int crv;				/* CCAKIT_COSE_CRV_* */
	size_t clen;				/* coordinate length */
	unsigned qbits;				/* bits of the order n */
	const struct ecc_curve *(*nettle)(void);
	enum cki_ecdsa_backend fast;		/* what AUTO uses */
	uint8_t order[CKI_EC_COORD_MAX];	/* n, big endian, clen bytes */
};

/*
 * The dispatch table: fast is the verifier with the lower cost on the
 * target (Debian bookworm: OpenSSL 3.0.19, nettle 3.8.1; x86-64),
 * measured by bench-ecdsa, CPU microseconds per valid / invalid
 * signature, best of 15 rounds, three runs alike (docs/crypto.md):
 *
 *          OpenSSL        nettle
 *   P-256   74 /  74      154 / 189   OpenSSL (its P-256 is assembly)
 *   P-384  760 / 760      400 / 495   nettle (OpenSSL 3.0 has only the
 *                                     generic bignum path for P-384)
 *   P-521  569 / 569      770 / 952   OpenSSL
 *
 * nettle's invalid figure includes the corner-case check below.
 */
static const struct ecdsa_curve curves[] = {
	{ CCAKIT_COSE_CRV_P256, 32, 256, nettle_get_secp_256r1,
	    CKI_ECDSA_OPENSSL, {
	    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
	    0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51 } },
	{ CCAKIT_COSE_CRV_P384, 48, 384, nettle_get_secp_384r1,
	    CKI_ECDSA_NETTLE, {
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf, 0x58,
	    0x1a, 0x0d, 0xb2, 0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a,
	    0xcc, 0xc5, 0x29, 0x73 } },
	{ CCAKIT_COSE_CRV_P521, 66, 521, nettle_get_secp_521r1,
	    CKI_ECDSA_OPENSSL, {
	    0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xfa, 0x51, 0x86, 0x87, 0x83, 0xbf, 0x2f, 0x96, 0x6b, 0x7f, 0xcc,
	    0x01, 0x48, 0xf7, 0x09, 0xa5, 0xd0, 0x3b, 0xb5, 0xc9, 0xb8, 0x89,
	    0x9c, 0x47, 0xae, 0xbb, 0x6f, 0xb7, 0x1e, 0x91, 0x38, 0x64,
	    0x09 } },
};
#define NCURVES	(sizeof(curves) / sizeof(curves[0]))

static const struct ecdsa_curve *
curve_of(int crv)
{
	size_t i;

	for (i = 0; i < NCURVES; i++)
		if (curves[i].crv == crv)
			return &curves[i];
	return NULL;
}

const uint8_t *
cki_ecdsa_order(int crv)
{
	const struct ecdsa_curve *c = curve_of(crv);

	return c != NULL ? c->order : NULL;
}

enum cki_ecdsa_backend
cki_ecdsa_backend_for(int crv)
{
	const struct ecdsa_curve *c = curve_of(crv);

	return c != NULL ? c->fast : CKI_ECDSA_OPENSSL;
}

const char *
cki_ecdsa_backend_name(enum cki_ecdsa_backend be)
{
	switch (be) {
	case CKI_ECDSA_OPENSSL:
		return "openssl";
	case CKI_ECDSA_NETTLE:
		return "nettle";
	default:
		return "auto";
	}
}

/* The digest length of an ES algorithm, 0 for another algorithm. */
static size_t
alg_mdlen(int alg)
{
	switch (alg) {
	case CCAKIT_COSE_ES256:
		return 32;
	case CCAKIT_COSE_ES384:
		return 48;
	case CCAKIT_COSE_ES512:
		return 64;
	default:
		return 0;
	}
}

/* Whether size limbs hold a clen-byte number (always, for these curves). */
static bool
limbs_fit(mp_size_t size, size_t clen)
{
	return size > 0 && (size_t)size <= NLIMBS_MAX &&
	    (size_t)size * GMP_NUMB_BITS >= 8 * clen;
}

/* Big-endian v[0..len) into size little-endian limbs (they must fit). */
static void
be_to_limbs(mp_limb_t *out, mp_size_t size, const uint8_t *v, size_t len)
{
	size_t i, bit;

	memset(out, 0, (size_t)size * sizeof(*out));
	for (i = 0; i < len; i++) {
		bit = 8 * (len - 1 - i);
		out[bit / GMP_NUMB_BITS] |=
		    (mp_limb_t)v[i] << (bit % GMP_NUMB_BITS);
	}
}

bool
cki_ecdsa_nettle_point(int crv, const uint8_t *pub, struct ecc_point *pt)
{
	const struct ecdsa_curve *c = curve_of(crv);
	const struct ecc_curve *ecc;
	mp_limb_t x[NLIMBS_MAX], y[NLIMBS_MAX];
	mpz_t xz, yz;
	mp_size_t size;

	if (c == NULL || pub == NULL || pub[0] != 0x04)
		return false;
	ecc = c->nettle();
	size = ecc_size(ecc);
	if (!limbs_fit(size, c->clen))
		return false;
	be_to_limbs(x, size, pub + 1, c->clen);
	be_to_limbs(y, size, pub + 1 + c->clen, c->clen);
	/* Read-only views of the limbs: nothing to free. */
	mpz_roinit_n(xz, x, size);
	mpz_roinit_n(yz, y, size);
	ecc_point_init(pt, ecc);
	/* Refuses coordinates >= p and points off the curve. */
	if (ecc_point_set(pt, xz, yz) != 1) {
		ecc_point_clear(pt);
		return false;
	}
	return true;
}

/* 1 <= v < n for the clen-byte big-endian v. */
static bool
scalar_in_range(const uint8_t *v, const struct ecdsa_curve *c)
{
	size_t i;
	uint8_t any = 0;

	for (i = 0; i < c->clen; i++)
		any |= v[i];
	return any != 0 && memcmp(v, c->order, c->clen) < 0;
}

/*
 * Whether nettle's rejection may be its corner-case error. nettle 3.8
 * adds u1 G and u2 Q with a formula that is wrong when the two points
 * are equal (the sum is a doubling) and then refuses a valid signature;
 * 3.9 fixed it (ecc_nonsec_add_jjj). With e the digest as a number,
 * u1 = e / s and u2 = r / s, so u1 G = +-u2 Q exactly when Q = +-(e / r) G
 * (e = 0 mod n skips the addition). Rejections only pay this fixed-base
 * multiplication, well below an OpenSSL verification; a signature that
 * hits the case (only one made with the private key and a digest chosen
 * for it can) is decided by OpenSSL.
 */
static bool
nettle_corner_case(const ccakit_key *pub, const struct ecdsa_curve *c,
    const uint8_t *md, size_t mdlen, const uint8_t *raw)
{
	const struct ecc_curve *ecc = pub->npub.ecc;
	struct ecc_scalar k;
	struct ecc_point t;
	mpz_t e, r, n, x, y, qx;
	size_t len = mdlen;
	bool hit = false;

	mpz_inits(e, r, n, x, y, qx, NULL);
	/* e: the leftmost qbits bits of the digest (ecc_hash). */
	if (len > (c->qbits + 7) / 8)
		len = (c->qbits + 7) / 8;
	mpz_import(e, len, 1, 1, 0, 0, md);
	if (8 * len > c->qbits)
		mpz_tdiv_q_2exp(e, e, 8 * len - c->qbits);
	mpz_import(n, c->clen, 1, 1, 0, 0, c->order);
	mpz_import(r, c->clen, 1, 1, 0, 0, raw);
	mpz_import(qx, c->clen, 1, 1, 0, 0, pub->pub + 1);
	if (mpz_invert(r, r, n) != 0) {
		mpz_mul(e, e, r);
		mpz_mod(e, e, n);
		ecc_scalar_init(&k, ecc);
		ecc_point_init(&t, ecc);
		/* ecc_scalar_set refuses 0: the addition was skipped. */
		if (ecc_scalar_set(&k, e) == 1) {
			ecc_point_mul_g(&t, &k);
			ecc_point_get(&t, x, y);
			hit = mpz_cmp(x, qx) == 0;
		}
		ecc_point_clear(&t);
		ecc_scalar_clear(&k);
	}
	mpz_clears(e, r, n, x, y, qx, NULL);
	return hit;
}

static int
verify_nettle(const ccakit_key *pub, const struct ecdsa_curve *c, int alg,
    const uint8_t *md, size_t mdlen, const uint8_t *raw)
{
	mp_limb_t rp[NLIMBS_MAX], sp[NLIMBS_MAX], scratch[SCRATCH_MAX];
	const struct ecc_curve *ecc = pub->npub.ecc;
	mp_size_t size = ecc_size(ecc);

	/*
	 * As OpenSSL's verify with the algorithm's digest set: a digest of
	 * another length is a failed verification.
	 */
	if (mdlen != alg_mdlen(alg))
		return CCAKIT_ERR_SIGNATURE;
	/* nettle checks the range too; this does not rely on it. */
	if (!scalar_in_range(raw, c) || !scalar_in_range(raw + c->clen, c))
		return CCAKIT_ERR_SIGNATURE;
	be_to_limbs(rp, size, raw, c->clen);
	be_to_limbs(sp, size, raw + c->clen, c->clen);
	/*
	 * The digest is truncated to the leftmost qbits bits inside, as
	 * OpenSSL does (ecc_hash).
	 */
	if (ecc_ecdsa_verify(ecc, pub->npub.p, mdlen, md, rp, sp,
	    scratch) == 1)
		return CCAKIT_OK;
	if (nettle_corner_case(pub, c, md, mdlen, raw))
		return cki_ecdsa_verify_openssl(pub, alg, md, mdlen, raw);
	return CCAKIT_ERR_SIGNATURE;
}

/* Whether nettle can verify with this key (and fits the scratch). */
static bool
nettle_usable(const ccakit_key *pub, const struct ecdsa_curve *c)
{
	const struct ecc_curve *ecc = c->nettle();

	return pub->has_npub && pub->npub.ecc == ecc &&
	    limbs_fit(ecc_size(ecc), c->clen) &&
	    ecc_ecdsa_verify_itch(ecc) <= SCRATCH_MAX;
}

int
cki_ecdsa_verify_backend(const ccakit_key *pub, int alg, const uint8_t *md,
    size_t mdlen, const uint8_t *raw, enum cki_ecdsa_backend be)
{
	const struct ecdsa_curve *c;

	if (pub == NULL || pub->pkey == NULL || raw == NULL ||
	    (md == NULL && mdlen > 0))
		return CCAKIT_ERR_INVALID_ARG;
	if (alg_mdlen(alg) == 0)
		return CCAKIT_ERR_COSE_ALG;
	if ((c = curve_of(pub->crv)) == NULL)
		return CCAKIT_ERR_KEY_INVALID;
	if (be == CKI_ECDSA_AUTO)
		be = nettle_usable(pub, c) ? c->fast : CKI_ECDSA_OPENSSL;
	switch (be) {
	case CKI_ECDSA_OPENSSL:
		return cki_ecdsa_verify_openssl(pub, alg, md, mdlen, raw);
	case CKI_ECDSA_NETTLE:
		if (!nettle_usable(pub, c))
			return CCAKIT_ERR_CRYPTO;
		return verify_nettle(pub, c, alg, md, mdlen, raw);
	default:
		return CCAKIT_ERR_INVALID_ARG;
	}
}

int
cki_ecdsa_verify_digest(const ccakit_key *pub, int alg, const uint8_t *md,
    size_t mdlen, const uint8_t *raw)
{
	return cki_ecdsa_verify_backend(pub, alg, md, mdlen, raw,
	    CKI_ECDSA_AUTO);
}
