/*
 * Differential test of the two ECDSA verifiers behind lib/cose's one
 * verify function (ecdsa.c): OpenSSL EVP and nettle must give the same
 * answer on every input, and AUTO (what the library uses) that answer
 * again. Inputs, all made here:
 *  - signatures made by hand (OpenSSL bignums, chosen nonces) on the
 *    three curves under the three digests, each with its edge values
 *    (r or s of 0, 1, n-1, n, n+1, r+n, all ones, high s, swapped),
 *    every bit flip of r||s, digests off by one bit or one byte long;
 *  - the corner cases of the point arithmetic: u1 G = u2 Q (the sum is
 *    a doubling), u1 G = -u2 Q (the sum is infinity), a zero digest,
 *    keys G and -G;
 *  - COSE_Sign1 messages and CCA tokens made by this library with fresh
 *    keys: every bit flip, every truncation, wrong signature lengths.
 * With the argument "vectors" it runs the upstream vectors instead:
 * every token and COSE_Sign1 under every EC key found beside them, and
 * every bit flip of the signatures that verify (exit 77 without them).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <ccakit/bytes.h>
#include <ccakit/cbor.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/token.h>

#include "cose/cose_priv.h"
#include "testutil.h"

struct tcurve {
	int crv;
	int nid;
	int alg;		/* the curve's own ES algorithm */
	size_t clen;
	const char *name;
};

static const struct tcurve tcurves[] = {
	{ CCAKIT_COSE_CRV_P256, NID_X9_62_prime256v1, CCAKIT_COSE_ES256, 32,
	    "P-256" },
	{ CCAKIT_COSE_CRV_P384, NID_secp384r1, CCAKIT_COSE_ES384, 48,
	    "P-384" },
	{ CCAKIT_COSE_CRV_P521, NID_secp521r1, CCAKIT_COSE_ES512, 66,
	    "P-521" },
};
#define NCURVES	(sizeof(tcurves) / sizeof(tcurves[0]))

static const int algs[] = {
	CCAKIT_COSE_ES256, CCAKIT_COSE_ES384, CCAKIT_COSE_ES512
};
#define NALGS	(sizeof(algs) / sizeof(algs[0]))

static size_t
alg_mdlen(int alg)
{
	return alg == CCAKIT_COSE_ES256 ? 32 : alg == CCAKIT_COSE_ES384 ? 48 :
	    64;
}

/* Comparisons made and accepted, reported at the end of each test. */
static unsigned long ndiff, naccept;

static void
hex(char *out, size_t outsz, const uint8_t *v, size_t n)
{
	size_t i;

	if (outsz == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < n && 2 * i + 3 <= outsz; i++)
		snprintf(out + 2 * i, 3, "%02x", v[i]);
}

/*
 * The answer of both verifiers, which must agree with each other and,
 * when auto, with AUTO (the bulk comparisons leave AUTO out: it is one
 * of the two, as test_dispatch checks).
 */
static int
diff_with(const ccakit_key *k, int alg, const uint8_t *md, size_t mdlen,
    const uint8_t *raw, bool with_auto)
{
	char hr[2 * CKI_EC_RAWSIG_MAX + 1], hm[2 * 80 + 1];
	int ro, rn, ra;

	ro = cki_ecdsa_verify_backend(k, alg, md, mdlen, raw,
	    CKI_ECDSA_OPENSSL);
	rn = cki_ecdsa_verify_backend(k, alg, md, mdlen, raw,
	    CKI_ECDSA_NETTLE);
	ra = with_auto ? cki_ecdsa_verify_backend(k, alg, md, mdlen, raw,
	    CKI_ECDSA_AUTO) : ro;
	if (ro != rn || ra != ro) {
		hex(hr, sizeof(hr), raw,
		    2 * ccakit_cose_crv_coord_len(ccakit_key_crv(k)));
		hex(hm, sizeof(hm), md, mdlen > 80 ? 80 : mdlen);
		fail_msg("crv %d alg %d: openssl %d, nettle %d, auto %d\n"
		    "  r||s %s\n  md[%zu] %s", ccakit_key_crv(k), alg, ro, rn,
		    ra, hr, mdlen, hm);
	}
	ndiff++;
	if (ro == CCAKIT_OK)
		naccept++;
	return ro;
}

static int
diff(const ccakit_key *k, int alg, const uint8_t *md, size_t mdlen,
    const uint8_t *raw)
{
	return diff_with(k, alg, md, mdlen, raw, true);
}

static int
diff2(const ccakit_key *k, int alg, const uint8_t *md, size_t mdlen,
    const uint8_t *raw)
{
	return diff_with(k, alg, md, mdlen, raw, false);
}

/* --- keys and signatures made by hand --- */

struct tkey {
	const struct tcurve *c;
	EC_GROUP *g;
	BIGNUM *n;		/* order (borrowed from g) */
	BIGNUM *d;		/* private scalar */
	ccakit_key *pub;
};

static BN_CTX *bnctx;

static void
tkey_from_d(struct tkey *k, const struct tcurve *c, const BIGNUM *d)
{
	uint8_t pt[CKI_EC_POINT_MAX];
	EC_POINT *q;
	size_t n;

	k->c = c;
	assert_non_null(k->g = EC_GROUP_new_by_curve_name(c->nid));
	k->n = BN_dup(EC_GROUP_get0_order(k->g));
	assert_non_null(k->n);
	assert_non_null(k->d = BN_dup(d));
	assert_non_null(q = EC_POINT_new(k->g));
	assert_int_equal(EC_POINT_mul(k->g, q, k->d, NULL, NULL, bnctx), 1);
	n = EC_POINT_point2oct(k->g, q, POINT_CONVERSION_UNCOMPRESSED, pt,
	    sizeof(pt), bnctx);
	assert_int_equal(n, 1 + 2 * c->clen);
	assert_non_null(k->pub = ccakit_key_new());
	assert_int_equal(ccakit_key_from_sec1(k->pub, c->crv, pt, n),
	    CCAKIT_OK);
	/* Both verifiers hold the key. */
	assert_true(k->pub->has_npub);
	EC_POINT_free(q);
}

static void
tkey_random(struct tkey *k, const struct tcurve *c)
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(c->nid);
	BIGNUM *d = BN_new();

	assert_non_null(g);
	assert_non_null(d);
	do
		assert_int_equal(BN_rand_range(d, EC_GROUP_get0_order(g)), 1);
	while (BN_is_zero(d));
	tkey_from_d(k, c, d);
	BN_free(d);
	EC_GROUP_free(g);
}

static void
tkey_free(struct tkey *k)
{
	ccakit_key_free(&k->pub);
	BN_free(k->d);
	BN_free(k->n);
	EC_GROUP_free(k->g);
	memset(k, 0, sizeof(*k));
}

/* e: the leftmost bits of the digest, as many as the order has. */
static BIGNUM *
digest_int(const struct tkey *k, const uint8_t *md, size_t mdlen)
{
	int bits = BN_num_bits(k->n);
	size_t n = mdlen;
	BIGNUM *e;

	if (n > (size_t)(bits + 7) / 8)
		n = (size_t)(bits + 7) / 8;
	assert_non_null(e = BN_bin2bn(md, (int)n, NULL));
	if (8 * (int)n > bits)
		assert_int_equal(BN_rshift(e, e, 8 * (int)n - bits), 1);
	return e;
}

/* raw r||s from two numbers; false when one does not fit. */
static bool
put_rs(const struct tkey *k, const BIGNUM *r, const BIGNUM *s, uint8_t *raw)
{
	int clen = (int)k->c->clen;

	if (BN_is_negative(r) || BN_is_negative(s) ||
	    BN_num_bytes(r) > clen || BN_num_bytes(s) > clen)
		return false;
	assert_int_equal(BN_bn2binpad(r, raw, clen), clen);
	assert_int_equal(BN_bn2binpad(s, raw + clen, clen), clen);
	return true;
}

/* r = x(kG) mod n for the nonce kk. */
static BIGNUM *
nonce_r(const struct tkey *k, const BIGNUM *kk)
{
	EC_POINT *p = EC_POINT_new(k->g);
	BIGNUM *x = BN_new();

	assert_non_null(p);
	assert_non_null(x);
	assert_int_equal(EC_POINT_mul(k->g, p, kk, NULL, NULL, bnctx), 1);
	assert_int_equal(EC_POINT_get_affine_coordinates(k->g, p, x, NULL,
	    bnctx), 1);
	assert_int_equal(BN_nnmod(x, x, k->n, bnctx), 1);
	EC_POINT_free(p);
	return x;
}

/*
 * ECDSA with the nonce kk: r = x(kG) mod n, s = (e + r d) / k mod n.
 * False when r or s comes out 0 (then there is no signature).
 */
static bool
sign_k(const struct tkey *k, const BIGNUM *kk, const uint8_t *md,
    size_t mdlen, uint8_t *raw)
{
	BIGNUM *r = nonce_r(k, kk), *e = digest_int(k, md, mdlen);
	BIGNUM *s = BN_new(), *ki = BN_new();
	bool ok;

	assert_non_null(s);
	assert_non_null(ki);
	assert_int_equal(BN_mod_mul(s, r, k->d, k->n, bnctx), 1);
	assert_int_equal(BN_mod_add(s, s, e, k->n, bnctx), 1);
	assert_non_null(BN_mod_inverse(ki, kk, k->n, bnctx));
	assert_int_equal(BN_mod_mul(s, s, ki, k->n, bnctx), 1);
	ok = !BN_is_zero(r) && !BN_is_zero(s) && put_rs(k, r, s, raw);
	BN_free(r);
	BN_free(e);
	BN_free(s);
	BN_free(ki);
	return ok;
}

static BIGNUM *
rand_scalar(const struct tkey *k)
{
	BIGNUM *v = BN_new();

	assert_non_null(v);
	do
		assert_int_equal(BN_rand_range(v, k->n), 1);
	while (BN_is_zero(v));
	return v;
}

/* A valid signature over md with a random nonce. */
static void
sign_rand(const struct tkey *k, const uint8_t *md, size_t mdlen,
    uint8_t *raw)
{
	BIGNUM *kk;
	bool ok;

	do {
		kk = rand_scalar(k);
		ok = sign_k(k, kk, md, mdlen, raw);
		BN_free(kk);
	} while (!ok);
}

static void
rand_bytes(uint8_t *p, size_t n)
{
	assert_int_equal(RAND_bytes(p, (int)n), 1);
}

/* --- edge values around a valid signature --- */

enum rs_edit {
	SET_ZERO, SET_ONE, SET_N_MINUS_1, SET_N, SET_N_PLUS_1, ADD_N,
	SET_ONES, NEGATE
};

/*
 * raw with r (which = 0) or s (which = 1) edited; false when the new
 * value does not fit in a coordinate length.
 */
static bool
edit(const struct tkey *k, const uint8_t *good, int which, enum rs_edit e,
    uint8_t *raw)
{
	size_t clen = k->c->clen;
	BIGNUM *v = BN_bin2bn(good + (size_t)which * clen, (int)clen, NULL);
	bool ok = true;

	assert_non_null(v);
	memcpy(raw, good, 2 * clen);
	switch (e) {
	case SET_ZERO:
		BN_zero(v);
		break;
	case SET_ONE:
		assert_int_equal(BN_one(v), 1);
		break;
	case SET_N_MINUS_1:
		assert_non_null(BN_copy(v, k->n));
		assert_int_equal(BN_sub_word(v, 1), 1);
		break;
	case SET_N:
		assert_non_null(BN_copy(v, k->n));
		break;
	case SET_N_PLUS_1:
		assert_non_null(BN_copy(v, k->n));
		assert_int_equal(BN_add_word(v, 1), 1);
		break;
	case ADD_N:
		assert_int_equal(BN_add(v, v, k->n), 1);
		break;
	case SET_ONES:
		memset(raw + (size_t)which * clen, 0xff, clen);
		BN_free(v);
		return true;
	case NEGATE:
		assert_int_equal(BN_sub(v, k->n, v), 1);
		break;
	}
	if (BN_num_bytes(v) > (int)clen)
		ok = false;
	else
		assert_int_equal(BN_bn2binpad(v, raw + (size_t)which * clen,
		    (int)clen), (int)clen);
	BN_free(v);
	return ok;
}

/*
 * Everything around the valid signature good over md: it verifies,
 * with s negated too (ECDSA has no low-s rule here); every edge value
 * of r and s, r and s swapped, the digest one bit off or one byte long
 * or short, and (when flips) every bit flip of r||s: both must agree.
 */
static void
around(const struct tkey *k, int alg, const uint8_t *md, size_t mdlen,
    const uint8_t *good, bool flips)
{
	static const enum rs_edit edits[] = {
		SET_ZERO, SET_ONE, SET_N_MINUS_1, SET_N, SET_N_PLUS_1, ADD_N,
		SET_ONES, NEGATE
	};
	uint8_t raw[CKI_EC_RAWSIG_MAX], m[CKI_MD_MAX + 2];
	size_t clen = k->c->clen, i, j;
	int which;

	assert_int_equal(diff(k->pub, alg, md, mdlen, good), CCAKIT_OK);
	for (which = 0; which < 2; which++) {
		for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
			if (!edit(k, good, which, edits[i], raw))
				continue;
			/* Only s negated keeps the signature valid. */
			if (which == 1 && edits[i] == NEGATE)
				assert_int_equal(diff(k->pub, alg, md, mdlen,
				    raw), CCAKIT_OK);
			else
				(void)diff(k->pub, alg, md, mdlen, raw);
		}
	}
	memcpy(raw, good + clen, clen);
	memcpy(raw + clen, good, clen);
	(void)diff(k->pub, alg, md, mdlen, raw);
	memset(raw, 0, 2 * clen);
	(void)diff(k->pub, alg, md, mdlen, raw);

	/* The digest: one bit off at each end, a byte short or long. */
	memcpy(m, md, mdlen);
	m[mdlen] = 0;
	m[mdlen - 1] ^= 1;
	(void)diff(k->pub, alg, m, mdlen, good);
	m[mdlen - 1] ^= 1;
	m[0] ^= 0x80;
	assert_int_equal(diff(k->pub, alg, m, mdlen, good),
	    CCAKIT_ERR_SIGNATURE);
	m[0] ^= 0x80;
	assert_int_equal(diff(k->pub, alg, m, mdlen - 1, good),
	    CCAKIT_ERR_SIGNATURE);
	assert_int_equal(diff(k->pub, alg, m, mdlen + 1, good),
	    CCAKIT_ERR_SIGNATURE);
	assert_int_equal(diff(k->pub, alg, NULL, 0, good),
	    CCAKIT_ERR_SIGNATURE);

	if (!flips)
		return;
	memcpy(raw, good, 2 * clen);
	for (i = 0; i < 2 * clen; i++) {
		for (j = 0; j < 8; j++) {
			raw[i] ^= (uint8_t)(1u << j);
			assert_int_not_equal(diff2(k->pub, alg, md, mdlen,
			    raw), CCAKIT_OK);
			raw[i] ^= (uint8_t)(1u << j);
		}
	}
}

static void
report(const char *what)
{
	print_message("%s: %lu comparisons, %lu accepted by both\n", what,
	    ndiff, naccept);
	ndiff = naccept = 0;
}

/* --- tests on signatures made by hand --- */

/* The group orders ecdsa.c range-checks against are OpenSSL's. */
static void
test_orders(void **state)
{
	uint8_t want[CKI_EC_COORD_MAX];
	size_t i, clen;
	EC_GROUP *g;

	(void)state;
	for (i = 0; i < NCURVES; i++) {
		clen = tcurves[i].clen;
		assert_non_null(g = EC_GROUP_new_by_curve_name(tcurves[i].nid));
		assert_int_equal(BN_bn2binpad(EC_GROUP_get0_order(g), want,
		    (int)clen), (int)clen);
		assert_non_null(cki_ecdsa_order(tcurves[i].crv));
		assert_memory_equal(cki_ecdsa_order(tcurves[i].crv), want,
		    clen);
		EC_GROUP_free(g);
	}
	assert_null(cki_ecdsa_order(0));
}

/*
 * Random keys and digests on every curve under every digest (a digest
 * longer than the order is truncated, a shorter one is not): valid
 * signatures and everything around them.
 */
static void
test_random(void **state)
{
	uint8_t md[CKI_MD_MAX], raw[CKI_EC_RAWSIG_MAX];
	struct tkey k;
	size_t c, a, i, mdlen;

	(void)state;
	for (c = 0; c < NCURVES; c++) {
		for (i = 0; i < 3; i++) {
			tkey_random(&k, &tcurves[c]);
			for (a = 0; a < NALGS; a++) {
				mdlen = alg_mdlen(algs[a]);
				rand_bytes(md, mdlen);
				sign_rand(&k, md, mdlen, raw);
				/* Every bit flip once per curve. */
				around(&k, algs[a], md, mdlen, raw, i == 0 &&
				    algs[a] == k.c->alg);
				/* Random r, s in range: invalid. */
				rand_bytes(raw, 2 * k.c->clen);
				raw[0] &= 0x7f;
				raw[k.c->clen] &= 0x7f;
				if (k.c->clen == 66) {
					raw[0] &= 1;
					raw[66] &= 1;
				}
				assert_int_not_equal(diff(k.pub, algs[a], md,
				    mdlen, raw), CCAKIT_OK);
			}
			tkey_free(&k);
		}
	}
	report("random");
}

/*
 * A digest longer than the order counts by its leftmost bits only: with
 * SHA-512 on P-256 or P-384, changing a byte past the order's length
 * keeps a signature valid, for both.
 */
static void
test_truncated_digest(void **state)
{
	uint8_t md[64], raw[CKI_EC_RAWSIG_MAX];
	struct tkey k;
	size_t c;

	(void)state;
	for (c = 0; c < 2; c++) {
		tkey_random(&k, &tcurves[c]);
		rand_bytes(md, sizeof(md));
		sign_rand(&k, md, sizeof(md), raw);
		assert_int_equal(diff(k.pub, CCAKIT_COSE_ES512, md, sizeof(md),
		    raw), CCAKIT_OK);
		md[63] ^= 0xff;
		md[k.c->clen] ^= 0x01;
		assert_int_equal(diff(k.pub, CCAKIT_COSE_ES512, md, sizeof(md),
		    raw), CCAKIT_OK);
		md[k.c->clen - 1] ^= 0x01;
		assert_int_equal(diff(k.pub, CCAKIT_COSE_ES512, md, sizeof(md),
		    raw), CCAKIT_ERR_SIGNATURE);
		tkey_free(&k);
	}
	report("truncated digest");
}

/*
 * Signatures whose r or s has leading zero bytes (short DER integers
 * for OpenSSL, high zero limbs for nettle): found by trying nonces.
 */
static void
test_short_scalars(void **state)
{
	uint8_t md[CKI_MD_MAX], raw[CKI_EC_RAWSIG_MAX];
	struct tkey k;
	BIGNUM *kk;
	size_t c, mdlen, tries;
	bool short_r, short_s;
	int found;

	(void)state;
	for (c = 0; c < NCURVES; c++) {
		tkey_random(&k, &tcurves[c]);
		mdlen = alg_mdlen(k.c->alg);
		rand_bytes(md, mdlen);
		found = 0;
		for (tries = 0; tries < 4000 && found != 3; tries++) {
			kk = rand_scalar(&k);
			if (sign_k(&k, kk, md, mdlen, raw)) {
				short_r = raw[0] == 0 && (found & 1) == 0;
				short_s = raw[k.c->clen] == 0 &&
				    (found & 2) == 0;
				if (short_r || short_s) {
					around(&k, k.c->alg, md, mdlen, raw,
					    false);
					found |= (short_r ? 1 : 0) |
					    (short_s ? 2 : 0);
				}
			}
			BN_free(kk);
		}
		assert_int_equal(found, 3);
		tkey_free(&k);
	}
	report("short r, s");
}

/*
 * A key for a random nonce *kk (r = x(kk G) mod n, in *r) and the digest
 * md that makes the sum R = u1 G + u2 Q of the verification a doubling
 * (u1 G = u2 Q: Q = d G with e = r d) or, when neg, the point at
 * infinity (u1 G = -u2 Q: e = -r d). The signer knows d and picks it
 * after e and r.
 */
static void
sum_key(struct tkey *k, const struct tcurve *c, const uint8_t *md,
    size_t mdlen, bool neg, BIGNUM **kk, BIGNUM **r)
{
	struct tkey tmp;
	BIGNUM *e, *d, *ri;

	tkey_random(&tmp, c);
	*kk = rand_scalar(&tmp);
	*r = nonce_r(&tmp, *kk);
	e = digest_int(&tmp, md, mdlen);
	assert_non_null(d = BN_new());
	assert_non_null(ri = BN_mod_inverse(NULL, *r, tmp.n, bnctx));
	assert_int_equal(BN_mod_mul(d, e, ri, tmp.n, bnctx), 1);
	if (neg)
		assert_int_equal(BN_sub(d, tmp.n, d), 1);
	assert_false(BN_is_zero(d));
	tkey_from_d(k, c, d);
	BN_free(e);
	BN_free(d);
	BN_free(ri);
	tkey_free(&tmp);
}

/*
 * u1 G = u2 Q, where R is a doubling: the usual s = (e + r d) / k is
 * then 2 e / k. The signature is valid; nettle 3.8's addition gets it
 * wrong (fixed upstream in 3.9), which ecdsa.c must make good.
 */
static void
test_doubling(void **state)
{
	uint8_t md[CKI_MD_MAX], raw[CKI_EC_RAWSIG_MAX];
	struct tkey k;
	BIGNUM *kk, *r, *s, *e;
	size_t c, a, i, mdlen;

	(void)state;
	for (c = 0; c < NCURVES; c++) {
		for (a = 0; a < NALGS; a++) {
			for (i = 0; i < 2; i++) {
				mdlen = alg_mdlen(algs[a]);
				rand_bytes(md, mdlen);
				sum_key(&k, &tcurves[c], md, mdlen, false, &kk,
				    &r);
				assert_true(sign_k(&k, kk, md, mdlen, raw));
				/* s = 2 e / k indeed. */
				e = digest_int(&k, md, mdlen);
				assert_non_null(s = BN_mod_inverse(NULL, kk,
				    k.n, bnctx));
				assert_int_equal(BN_mod_lshift1(e, e, k.n,
				    bnctx), 1);
				assert_int_equal(BN_mod_mul(s, s, e, k.n,
				    bnctx), 1);
				assert_int_equal(BN_cmp(s, BN_bin2bn(raw +
				    k.c->clen, (int)k.c->clen, e)), 0);
				around(&k, algs[a], md, mdlen, raw, false);
				BN_free(kk);
				BN_free(r);
				BN_free(s);
				BN_free(e);
				tkey_free(&k);
			}
		}
	}
	report("doubling");
}

/*
 * u1 G = -u2 Q, where R is the point at infinity: no s makes a valid
 * signature; both refuse.
 */
static void
test_infinity(void **state)
{
	uint8_t md[CKI_MD_MAX], raw[CKI_EC_RAWSIG_MAX];
	struct tkey k;
	BIGNUM *kk, *r, *s;
	size_t c, a, mdlen;

	(void)state;
	for (c = 0; c < NCURVES; c++) {
		for (a = 0; a < NALGS; a++) {
			mdlen = alg_mdlen(algs[a]);
			rand_bytes(md, mdlen);
			sum_key(&k, &tcurves[c], md, mdlen, true, &kk, &r);
			s = rand_scalar(&k);
			assert_true(put_rs(&k, r, s, raw));
			assert_int_equal(diff(k.pub, algs[a], md, mdlen, raw),
			    CCAKIT_ERR_SIGNATURE);
			BN_free(kk);
			BN_free(r);
			BN_free(s);
			tkey_free(&k);
		}
	}
	report("infinity");
}

/*
 * A digest that is 0 mod n (all zeros, or n itself where the digest is
 * as long as the order) makes u1 = 0; keys G, -G and 2G.
 */
static void
test_special(void **state)
{
	uint8_t md[CKI_MD_MAX], raw[CKI_EC_RAWSIG_MAX];
	struct tkey k;
	BIGNUM *d;
	size_t c, a, mdlen;
	int which;

	(void)state;
	for (c = 0; c < NCURVES; c++) {
		tkey_random(&k, &tcurves[c]);
		for (a = 0; a < NALGS; a++) {
			mdlen = alg_mdlen(algs[a]);
			memset(md, 0, mdlen);
			sign_rand(&k, md, mdlen, raw);
			around(&k, algs[a], md, mdlen, raw, false);
			if (mdlen == k.c->clen) {
				assert_int_equal(BN_bn2binpad(k.n, md,
				    (int)mdlen), (int)mdlen);
				sign_rand(&k, md, mdlen, raw);
				around(&k, algs[a], md, mdlen, raw, false);
			}
		}
		tkey_free(&k);
		for (which = 0; which < 3; which++) {
			assert_non_null(d = BN_new());
			if (which == 0) {
				assert_int_equal(BN_one(d), 1);
			} else if (which == 1) {
				EC_GROUP *g = EC_GROUP_new_by_curve_name(
				    tcurves[c].nid);

				assert_non_null(g);
				assert_non_null(BN_copy(d,
				    EC_GROUP_get0_order(g)));
				assert_int_equal(BN_sub_word(d, 1), 1);
				EC_GROUP_free(g);
			} else {
				assert_int_equal(BN_set_word(d, 2), 1);
			}
			tkey_from_d(&k, &tcurves[c], d);
			mdlen = alg_mdlen(k.c->alg);
			rand_bytes(md, mdlen);
			sign_rand(&k, md, mdlen, raw);
			around(&k, k.c->alg, md, mdlen, raw, false);
			tkey_free(&k);
			BN_free(d);
		}
	}
	report("special");
}

/*
 * AUTO uses the verifier measured faster on each curve (bench-ecdsa,
 * docs/crypto.md): OpenSSL's P-256 and P-521, nettle's P-384.
 */
static void
test_dispatch(void **state)
{
	uint8_t md[CKI_MD_MAX], raw[CKI_EC_RAWSIG_MAX];
	struct tkey k;
	size_t c, mdlen;

	(void)state;
	assert_int_equal(cki_ecdsa_backend_for(CCAKIT_COSE_CRV_P256),
	    CKI_ECDSA_OPENSSL);
	assert_int_equal(cki_ecdsa_backend_for(CCAKIT_COSE_CRV_P384),
	    CKI_ECDSA_NETTLE);
	assert_int_equal(cki_ecdsa_backend_for(CCAKIT_COSE_CRV_P521),
	    CKI_ECDSA_OPENSSL);
	for (c = 0; c < NCURVES; c++) {
		tkey_random(&k, &tcurves[c]);
		mdlen = alg_mdlen(k.c->alg);
		rand_bytes(md, mdlen);
		sign_rand(&k, md, mdlen, raw);
		assert_int_equal(cki_ecdsa_verify_digest(k.pub, k.c->alg, md,
		    mdlen, raw), CCAKIT_OK);
		raw[0] ^= 1;
		assert_int_equal(cki_ecdsa_verify_digest(k.pub, k.c->alg, md,
		    mdlen, raw), CCAKIT_ERR_SIGNATURE);
		/* A key without nettle's point falls back to OpenSSL. */
		raw[0] ^= 1;
		ecc_point_clear(&k.pub->npub);
		k.pub->has_npub = false;
		assert_int_equal(cki_ecdsa_verify_digest(k.pub, k.c->alg, md,
		    mdlen, raw), CCAKIT_OK);
		assert_int_equal(cki_ecdsa_verify_backend(k.pub, k.c->alg, md,
		    mdlen, raw, CKI_ECDSA_NETTLE), CCAKIT_ERR_CRYPTO);
		tkey_free(&k);
	}
}

/* The arguments both refuse before any arithmetic. */
static void
test_args(void **state)
{
	uint8_t md[48] = { 0 }, raw[96] = { 1 };
	struct tkey k;

	(void)state;
	tkey_random(&k, &tcurves[1]);
	assert_int_equal(diff(k.pub, -8, md, sizeof(md), raw),
	    CCAKIT_ERR_COSE_ALG);
	assert_int_equal(cki_ecdsa_verify_backend(NULL, CCAKIT_COSE_ES384, md,
	    sizeof(md), raw, CKI_ECDSA_NETTLE), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(cki_ecdsa_verify_backend(k.pub, CCAKIT_COSE_ES384,
	    md, sizeof(md), NULL, CKI_ECDSA_NETTLE), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(cki_ecdsa_verify_backend(k.pub, CCAKIT_COSE_ES384,
	    NULL, 48, raw, CKI_ECDSA_OPENSSL), CCAKIT_ERR_INVALID_ARG);
	assert_string_equal(cki_ecdsa_backend_name(CKI_ECDSA_NETTLE),
	    "nettle");
	assert_string_equal(cki_ecdsa_backend_name(CKI_ECDSA_OPENSSL),
	    "openssl");
	assert_int_equal(cki_ecdsa_backend_for(0), CKI_ECDSA_OPENSSL);
	tkey_free(&k);
}

/* --- COSE_Sign1 and tokens made by this library --- */

/*
 * The answer for m under k: both verifiers when the message reaches
 * them, and ccakit_cose_sign1_verify (which uses AUTO) when public or
 * when the message is refused before either verifier.
 */
static int
diff_sign1_with(const struct ccakit_cose_sign1 *m, const ccakit_key *k,
    bool public)
{
	uint8_t md[CKI_MD_MAX];
	size_t mdlen;
	int r;

	if (cki_cose_check_alg(k, m->alg) != CCAKIT_OK ||
	    m->signature.len != 2 * ccakit_cose_crv_coord_len(
	    ccakit_key_crv(k))) {
		/* Refused before either verifier. */
		r = ccakit_cose_sign1_verify(m, k);
		assert_int_not_equal(r, CCAKIT_OK);
		return r;
	}
	assert_int_equal(cki_cose_sig_digest(m->alg, m->protected_hdr.ptr,
	    m->protected_hdr.len, m->payload.ptr, m->payload.len, md, &mdlen),
	    CCAKIT_OK);
	r = diff2(k, m->alg, md, mdlen, m->signature.ptr);
	if (public)
		assert_int_equal(ccakit_cose_sign1_verify(m, k), r);
	return r;
}

static int
diff_sign1(const struct ccakit_cose_sign1 *m, const ccakit_key *k)
{
	return diff_sign1_with(m, k, true);
}

/* Bulk: the two verifiers only. */
static int
diff_sign1_2(const struct ccakit_cose_sign1 *m, const ccakit_key *k)
{
	return diff_sign1_with(m, k, false);
}

/* A fresh private key on a curve, through PEM as a user would load it. */
static ccakit_key *
gen_key(const struct tcurve *c)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", c->name);
	BIO *bio = BIO_new(BIO_s_mem());
	ccakit_key *k = ccakit_key_new();
	char *pem;
	long n;

	assert_non_null(pkey);
	assert_non_null(bio);
	assert_non_null(k);
	assert_int_equal(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0,
	    NULL, NULL), 1);
	n = BIO_get_mem_data(bio, &pem);
	assert_int_equal(ccakit_key_from_pem(k, pem, (size_t)n), CCAKIT_OK);
	assert_true(k->has_npub);
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	return k;
}

/* Every bit flip of a COSE_Sign1 under k (none verifies). */
static void
flip_sign1(uint8_t *buf, size_t len, const ccakit_key *k)
{
	struct ccakit_cose_sign1 m;
	size_t i;
	unsigned b;

	assert_int_equal(ccakit_cose_sign1_decode(buf, len, &m), CCAKIT_OK);
	assert_int_equal(diff_sign1(&m, k), CCAKIT_OK);
	for (i = 0; i < len; i++) {
		for (b = 0; b < 8; b++) {
			buf[i] ^= (uint8_t)(1u << b);
			if (ccakit_cose_sign1_decode(buf, len, &m) ==
			    CCAKIT_OK && diff_sign1_2(&m, k) == CCAKIT_OK)
				fail_msg("flip of bit %u of byte %zu verifies",
				    b, i);
			buf[i] ^= (uint8_t)(1u << b);
		}
	}
}

/*
 * COSE_Sign1 messages the library signs, on every curve: every bit
 * flip and truncation, and the signature re-encoded one byte short or
 * long (refused before either verifier).
 */
static void
test_sign1(void **state)
{
	uint8_t payload[300], buf[600], *t;
	struct ccakit_cose_sign1 m;
	struct ccakit_cbor_writer w;
	ccakit_key *k;
	size_t c, len, n, slen;

	(void)state;
	/* A CBOR map {1: bstr} as payload, the size of a realm token. */
	payload[0] = 0xa1;
	payload[1] = 0x01;
	payload[2] = 0x59;
	payload[3] = 0x01;
	payload[4] = (uint8_t)(sizeof(payload) - 5 - 256);
	for (c = 0; c < NCURVES; c++) {
		rand_bytes(payload + 5, sizeof(payload) - 5);
		k = gen_key(&tcurves[c]);
		assert_int_equal(ccakit_cose_sign1_sign(k, 0, payload,
		    sizeof(payload), buf, sizeof(buf), &len), CCAKIT_OK);
		flip_sign1(buf, len, k);
		for (n = 0; n < len; n++) {
			assert_non_null(t = malloc(n > 0 ? n : 1));
			memcpy(t, buf, n);
			assert_int_not_equal(ccakit_cose_sign1_decode(t, n, &m),
			    CCAKIT_OK);
			free(t);
		}
		/* Signature one byte short, one byte long. */
		assert_int_equal(ccakit_cose_sign1_decode(buf, len, &m),
		    CCAKIT_OK);
		for (slen = m.signature.len - 1; slen <= m.signature.len + 1;
		    slen += 2) {
			uint8_t sig[CKI_EC_RAWSIG_MAX + 1], out[700];
			struct ccakit_cose_sign1 m2;

			memset(sig, 0, sizeof(sig));
			memcpy(sig, m.signature.ptr, m.signature.len);
			ccakit_cbor_writer_init(&w, out, sizeof(out));
			ccakit_cbor_put_tag(&w, 18);
			ccakit_cbor_put_array(&w, 4);
			ccakit_cbor_put_bstr(&w, m.protected_hdr.ptr,
			    m.protected_hdr.len);
			ccakit_cbor_put_map(&w, 0);
			ccakit_cbor_put_bstr(&w, m.payload.ptr, m.payload.len);
			ccakit_cbor_put_bstr(&w, sig, slen);
			assert_int_equal(ccakit_cbor_writer_finish(&w, &n),
			    CCAKIT_OK);
			assert_int_equal(ccakit_cose_sign1_decode(out, n, &m2),
			    CCAKIT_OK);
			assert_int_equal(diff_sign1(&m2, k),
			    CCAKIT_ERR_SIGNATURE);
		}
		ccakit_key_free(&k);
	}
	report("COSE_Sign1");
}

static uint8_t filler[64];

#define V(p, n)	((struct ccakit_bytes){ (p), (n) })

/* The smallest claims ccakit_token_create accepts, of real sizes. */
static void
min_claims(struct ccakit_platform_claims *p, struct ccakit_realm_claims *r)
{
	static uint8_t inst[33] = { 0x01 };
	size_t i;

	memset(filler, 0x5a, sizeof(filler));
	memset(p, 0, sizeof(*p));
	p->profile = CCAKIT_PLATFORM_2023;
	p->impl_id = V(filler, 32);
	memset(inst + 1, 0x42, 32);
	p->inst_id = V(inst, 33);
	p->config = V(filler, 4);
	p->lifecycle = 0x3000;
	p->hash_alg = V((const uint8_t *)"sha-256", 7);
	p->n_sw = 1;
	p->sw[0].mval = V(filler, 32);
	p->sw[0].signer_id = V(filler, 32);
	memset(r, 0, sizeof(*r));
	r->profile = CCAKIT_REALM_2023;
	r->challenge = V(filler, 64);
	r->rpv = V(filler, 64);
	r->rim = V(filler, 48);
	for (i = 0; i < CCAKIT_REM_COUNT; i++)
		r->rem[i] = V(filler, 48);
	r->hash_alg = V((const uint8_t *)"sha-384", 7);
}

/* Whether byte i of buf lies in the signed parts of m. */
static bool
inside(const struct ccakit_cose_sign1 *m, const uint8_t *buf, size_t i)
{
	const uint8_t *lo = m->protected_hdr.ptr;
	const uint8_t *hi = m->signature.ptr + m->signature.len;

	return buf + i >= lo && buf + i < hi;
}

/*
 * Tokens the library creates, with the CPAK on each curve and the RAK
 * on P-384: every bit flip (each message that decodes is compared under
 * the CPAK and under the RAK it carries; the realm message only once,
 * in the P-384 token) and every truncation.
 */
static void
test_tokens(void **state)
{
	struct ccakit_platform_claims pc;
	struct ccakit_realm_claims rc;
	struct ccakit_cose_sign1 p0, r0;
	struct ccakit_create_opts co = { CCAKIT_FORMAT_907 };
	ccakit_token *t;
	ccakit_key *cpak, *rak, *rak2;
	uint8_t *buf;
	size_t c, len, i, n, ndec;
	unsigned b;

	(void)state;
	min_claims(&pc, &rc);
	assert_non_null(t = ccakit_token_new());
	assert_non_null(rak2 = ccakit_key_new());
	assert_non_null(buf = malloc(CCAKIT_TOKEN_MAX_SIZE));
	rak = gen_key(&tcurves[1]);
	for (c = 0; c < NCURVES; c++) {
		cpak = gen_key(&tcurves[c]);
		co.format = c == 0 ? CCAKIT_FORMAT_399 : CCAKIT_FORMAT_907;
		assert_int_equal(ccakit_token_create(&pc, &rc, cpak, rak, &co,
		    buf, CCAKIT_TOKEN_MAX_SIZE, &len), CCAKIT_OK);
		assert_int_equal(ccakit_token_decode(t, buf, len, NULL),
		    CCAKIT_OK);
		p0 = *ccakit_token_platform_sign1(t);
		r0 = *ccakit_token_realm_sign1(t);
		assert_int_equal(diff_sign1(&p0, cpak), CCAKIT_OK);
		assert_int_equal(diff_sign1(&r0, rak), CCAKIT_OK);
		ndec = 0;
		for (i = 0; i < len; i++) {
			if (inside(&r0, buf, i) &&
			    tcurves[c].crv != CCAKIT_COSE_CRV_P384)
				continue;
			for (b = 0; b < 8; b++) {
				buf[i] ^= (uint8_t)(1u << b);
				if (ccakit_token_decode(t, buf, len, NULL) !=
				    CCAKIT_OK)
					goto next;
				ndec++;
				/*
				 * The message the flip is in (both when it
				 * is in the envelope).
				 */
				if (!inside(&r0, buf, i) &&
				    diff_sign1_2(ccakit_token_platform_sign1(t),
				    cpak) == CCAKIT_OK)
					fail_msg("platform: flip of bit %u of "
					    "byte %zu verifies", b, i);
				if (inside(&p0, buf, i))
					goto next;
				if (ccakit_token_rak(t, rak2) != CCAKIT_OK)
					goto next;
				if (diff_sign1_2(ccakit_token_realm_sign1(t),
				    rak2) == CCAKIT_OK)
					fail_msg("realm: flip of bit %u of "
					    "byte %zu verifies", b, i);
next:
				buf[i] ^= (uint8_t)(1u << b);
			}
		}
		/* Most flips reach the verifiers. */
		assert_true(ndec > (size_t)(p0.signature.ptr +
		    p0.signature.len - p0.protected_hdr.ptr));
		for (n = 0; n < len; n++)
			assert_int_not_equal(ccakit_token_decode(t, buf, n,
			    NULL), CCAKIT_OK);
		ccakit_key_free(&cpak);
	}
	ccakit_key_free(&rak);
	ccakit_key_free(&rak2);
	ccakit_token_free(&t);
	free(buf);
	report("tokens");
}

/* --- upstream vectors --- */

#define MAX_KEYS	64
#define MAX_FILES	2048
#define MAX_DEPTH	8

static ccakit_key *vkeys[MAX_KEYS];
static size_t nvkeys;
static char *vfiles[MAX_FILES];
static size_t nvfiles;

static bool
has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcmp(s + n - m, suf) == 0;
}

/* Every file under dir, recursively, in vfiles. */
static void
walk(const char *dir, int depth)
{
	struct dirent *de;
	struct stat st;
	char path[4096];
	DIR *d;

	if (depth > MAX_DEPTH || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    de->d_name) >= sizeof(path) || stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			walk(path, depth + 1);
		else if (S_ISREG(st.st_mode) && nvfiles < MAX_FILES &&
		    st.st_size < 1024 * 1024)
			assert_non_null(vfiles[nvfiles++] = strdup(path));
	}
	closedir(d);
}

/* Keep k unless the same public key is already kept. */
static void
add_key(ccakit_key *k)
{
	uint8_t a[CKI_EC_POINT_MAX], b[CKI_EC_POINT_MAX];
	size_t i, na, nb;

	assert_int_equal(ccakit_key_to_sec1(k, a, sizeof(a), &na), CCAKIT_OK);
	for (i = 0; i < nvkeys; i++) {
		assert_int_equal(ccakit_key_to_sec1(vkeys[i], b, sizeof(b),
		    &nb), CCAKIT_OK);
		if (na == nb && memcmp(a, b, na) == 0) {
			ccakit_key_free(&k);
			return;
		}
	}
	if (nvkeys < MAX_KEYS)
		vkeys[nvkeys++] = k;
	else
		ccakit_key_free(&k);
}

static void
add_key_jwk(const json_t *jwk)
{
	char *s;
	ccakit_key *k;

	if (!json_is_object(jwk) ||
	    (s = json_dumps(jwk, JSON_COMPACT)) == NULL)
		return;
	assert_non_null(k = ccakit_key_new());
	if (ccakit_key_from_jwk(k, s, strlen(s)) == CCAKIT_OK)
		add_key(k);
	else
		ccakit_key_free(&k);
	free(s);
}

/* EC keys of the vectors: JWKs, TA stores ([{..., "pkey": JWK}]), PEM. */
static void
collect_keys(void)
{
	json_error_t jerr;
	json_t *root, *v;
	ccakit_key *k;
	uint8_t *buf;
	size_t i, j, len;

	for (i = 0; i < nvfiles; i++) {
		if (has_suffix(vfiles[i], ".json") ||
		    has_suffix(vfiles[i], ".jwk")) {
			root = json_load_file(vfiles[i], 0, &jerr);
			if (root == NULL)
				continue;
			if (json_is_array(root)) {
				json_array_foreach(root, j, v)
					add_key_jwk(json_object_get(v, "pkey"));
			} else {
				add_key_jwk(root);
			}
			json_decref(root);
		} else if (has_suffix(vfiles[i], ".pem")) {
			buf = tu_read_file(vfiles[i], &len);
			assert_non_null(k = ccakit_key_new());
			if (ccakit_key_from_pem(k, (const char *)buf, len) ==
			    CCAKIT_OK)
				add_key(k);
			else
				ccakit_key_free(&k);
			free(buf);
		}
	}
}

/* A message that verifies: every bit flip of its signature. */
static void
flip_signature(const struct ccakit_cose_sign1 *m, const ccakit_key *k)
{
	struct ccakit_cose_sign1 f = *m;
	uint8_t sig[CKI_EC_RAWSIG_MAX];
	size_t i;
	unsigned b;

	memcpy(sig, m->signature.ptr, m->signature.len);
	f.signature.ptr = sig;
	for (i = 0; i < m->signature.len; i++) {
		for (b = 0; b < 8; b++) {
			sig[i] ^= (uint8_t)(1u << b);
			assert_int_not_equal(diff_sign1_2(&f, k), CCAKIT_OK);
			sig[i] ^= (uint8_t)(1u << b);
		}
	}
}

/* Signatures already compared (the vectors hold copies). */
#define MAX_SEEN	256
static uint8_t seen[MAX_SEEN][CKI_EC_RAWSIG_MAX];
static size_t seenlen[MAX_SEEN], nseen;

static bool
seen_before(const struct ccakit_cose_sign1 *m)
{
	size_t i, n = m->signature.len;

	if (n > CKI_EC_RAWSIG_MAX)
		return false;
	for (i = 0; i < nseen; i++)
		if (seenlen[i] == n &&
		    memcmp(seen[i], m->signature.ptr, n) == 0)
			return true;
	if (nseen < MAX_SEEN) {
		memcpy(seen[nseen], m->signature.ptr, n);
		seenlen[nseen++] = n;
	}
	return false;
}

/* One COSE_Sign1 under every key; returns how many keys verify it. */
static size_t
sign1_all_keys(const struct ccakit_cose_sign1 *m, const ccakit_key *extra)
{
	size_t i, ok = 0;

	if (seen_before(m))
		return 0;

	/* Every bit flip of the signature under the first key that verifies. */
	for (i = 0; i < nvkeys; i++) {
		if (diff_sign1(m, vkeys[i]) == CCAKIT_OK && ok++ == 0)
			flip_signature(m, vkeys[i]);
	}
	if (extra != NULL && diff_sign1(m, extra) == CCAKIT_OK && ok++ == 0)
		flip_signature(m, extra);
	return ok;
}

static void
test_vectors(void **state)
{
	struct ccakit_cose_sign1 m;
	ccakit_token *t;
	/* Where tokens, COSE_Sign1 messages and their keys are. */
	static const char *vdirs[] = {
		"rust-ccatoken", "go-ccatoken", "corim", "c-ear",
		"keybroker-demo", "trustee"
	};
	ccakit_key *rak;
	uint8_t *buf;
	char *dir;
	size_t i, len, ntok = 0, nsign1 = 0, nverified = 0;

	(void)state;
	for (i = 0; i < sizeof(vdirs) / sizeof(vdirs[0]); i++) {
		assert_non_null(dir = strdup(tu_vector_path(vdirs[i])));
		walk(dir, 0);
		free(dir);
	}
	collect_keys();
	assert_true(nvkeys > 0);
	assert_non_null(t = ccakit_token_new());
	assert_non_null(rak = ccakit_key_new());
	for (i = 0; i < nvfiles; i++) {
		if (!has_suffix(vfiles[i], ".cbor") &&
		    !has_suffix(vfiles[i], ".cose"))
			continue;
		buf = tu_read_file(vfiles[i], &len);
		if (ccakit_token_decode(t, buf, len, NULL) == CCAKIT_OK) {
			ntok++;
			nverified += sign1_all_keys(
			    ccakit_token_platform_sign1(t), NULL) > 0;
			nverified += sign1_all_keys(
			    ccakit_token_realm_sign1(t),
			    ccakit_token_rak(t, rak) == CCAKIT_OK ? rak :
			    NULL) > 0;
		} else if (ccakit_cose_sign1_decode(buf, len, &m) ==
		    CCAKIT_OK) {
			nsign1++;
			nverified += sign1_all_keys(&m, NULL) > 0;
		}
		free(buf);
	}
	print_message("vectors: %zu files, %zu EC keys, %zu tokens, "
	    "%zu other COSE_Sign1, %zu distinct messages verify\n",
	    nvfiles, nvkeys, ntok, nsign1, nverified);
	/* cca-token-01, -02 and draft-ffm-00 at least, both messages. */
	assert_true(ntok >= 3);
	assert_true(nverified >= 6);
	report("vectors");
	for (i = 0; i < nvkeys; i++)
		ccakit_key_free(&vkeys[i]);
	for (i = 0; i < nvfiles; i++)
		free(vfiles[i]);
	ccakit_key_free(&rak);
	ccakit_token_free(&t);
}

static int
setup(void **state)
{
	(void)state;
	return (bnctx = BN_CTX_new()) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	BN_CTX_free(bnctx);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_orders),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_truncated_digest),
		cmocka_unit_test(test_short_scalars),
		cmocka_unit_test(test_doubling),
		cmocka_unit_test(test_infinity),
		cmocka_unit_test(test_special),
		cmocka_unit_test(test_sign1),
		cmocka_unit_test(test_tokens),
	};
	const struct CMUnitTest vtests[] = {
		cmocka_unit_test(test_vectors),
	};
	struct stat st;
	const char *dir;

	if (argc > 1 && strcmp(argv[1], "vectors") == 0) {
		dir = tu_vector_path("rust-ccatoken");
		if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
			dir = tu_vector_path("");
			printf("skipped: %.*s not found\n",
			    (int)strlen(dir) - 1, dir);	/* no final '/' */
			return 77;
		}
		return cmocka_run_group_tests(vtests, setup, teardown);
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
