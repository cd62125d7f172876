/*
 * Differential fuzzing of the two ECDSA verifiers behind lib/cose's one
 * verify function (OpenSSL EVP and nettle, lib/cose/ecdsa.c): the input
 * says (curve, digest, key, signature); the harness aborts when the two
 * disagree, when AUTO disagrees with them, or when a signature it made
 * itself is refused.
 *
 * Input (short inputs are ignored):
 *   0     curve: value % 3 (P-256, P-384, P-521)
 *   1     digest: value % 3 (the lengths of ES256, ES384, ES512; the
 *         curve need not match, which exercises truncation)
 *   2     how: value % 4
 *           0 r||s taken from the input
 *           1 signed here with the nonce k from the input
 *           2 signed with nonce k for a key chosen so that u1 G = u2 Q
 *             (the sum is a doubling; the private key from the input is
 *             not used)
 *           3 s from the input for a key chosen so that u1 G = -u2 Q
 *             (the sum is infinity: never valid)
 *   3     edit: value % 16, applied to r||s or the digest
 *           0 none, 1 s = n - s, 2 r = 0, 3 s = 0, 4 r = n, 5 s = n,
 *           6 r = r + n, 7 s = s + n, 8 r and s swapped, 9 r = n - 1,
 *           10 s = n - 1, 11 r = 1, 12 flip bit p of the digest,
 *           13 digest one byte short, 14 digest one byte long,
 *           15 flip bit p of r||s
 *   4..5  p, big endian
 *   then  digest (its length), d (a coordinate length, reduced mod n,
 *         0 taken as 1), then k (a coordinate length) for how 1 and 2,
 *         r||s (two) for how 0, s (one) for how 3.
 * fuzz/corpus/ecdsa_diff is written by fuzz/corpus_ecdsa_diff.sh.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <ccakit/cose.h>
#include <ccakit/err.h>

#include "cose/cose_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEAD	6

static const struct {
	int crv, nid;
	size_t clen;
} curves[3] = {
	{ CCAKIT_COSE_CRV_P256, NID_X9_62_prime256v1, 32 },
	{ CCAKIT_COSE_CRV_P384, NID_secp384r1, 48 },
	{ CCAKIT_COSE_CRV_P521, NID_secp521r1, 66 },
};
static const struct {
	int alg;
	size_t mdlen;
} digests[3] = {
	{ CCAKIT_COSE_ES256, 32 }, { CCAKIT_COSE_ES384, 48 },
	{ CCAKIT_COSE_ES512, 64 },
};

/* Everything one input needs; the groups live for the process. */
struct run {
	const EC_GROUP *g;
	const BIGNUM *n;
	size_t clen;
	BN_CTX *bn;
	BIGNUM *d, *k, *r, *s, *e, *t;
	uint8_t raw[CKI_EC_RAWSIG_MAX];
	uint8_t md[CKI_MD_MAX + 1];
	size_t mdlen;
};

static EC_GROUP *groups[3];
static BN_CTX *bnctx;

static void
check(int ok)
{
	if (!ok)
		abort();	/* OpenSSL failed on valid arithmetic */
}

/* A scalar in [1, n-1] from clen bytes. */
static void
scalar(struct run *x, BIGNUM *v, const uint8_t *p)
{
	check(BN_bin2bn(p, (int)x->clen, v) != NULL);
	check(BN_nnmod(v, v, x->n, x->bn));
	if (BN_is_zero(v))
		check(BN_one(v));
}

/* e: the leftmost bits of the digest, as many as n has. */
static void
digest_int(struct run *x)
{
	int bits = BN_num_bits(x->n);
	size_t len = x->mdlen;

	if (len > (size_t)(bits + 7) / 8)
		len = (size_t)(bits + 7) / 8;
	check(BN_bin2bn(x->md, (int)len, x->e) != NULL);
	if (8 * (int)len > bits)
		check(BN_rshift(x->e, x->e, 8 * (int)len - bits));
}

/* r = x(k G) mod n. */
static void
nonce_r(struct run *x)
{
	EC_POINT *p = EC_POINT_new(x->g);

	check(p != NULL);
	check(EC_POINT_mul(x->g, p, x->k, NULL, NULL, x->bn));
	check(EC_POINT_get_affine_coordinates(x->g, p, x->r, NULL, x->bn));
	check(BN_nnmod(x->r, x->r, x->n, x->bn));
	EC_POINT_free(p);
}

/* s = (e + r d) / k mod n. */
static void
sign(struct run *x)
{
	check(BN_mod_mul(x->s, x->r, x->d, x->n, x->bn));
	check(BN_mod_add(x->s, x->s, x->e, x->n, x->bn));
	check(BN_mod_inverse(x->t, x->k, x->n, x->bn) != NULL);
	check(BN_mod_mul(x->s, x->s, x->t, x->n, x->bn));
}

/* d = (neg ? -e : e) / r mod n, 1 when that is 0. */
static void
key_for_sum(struct run *x, bool neg)
{
	check(BN_mod_inverse(x->t, x->r, x->n, x->bn) != NULL);
	check(BN_mod_mul(x->d, x->e, x->t, x->n, x->bn));
	if (neg && !BN_is_zero(x->d))
		check(BN_sub(x->d, x->n, x->d));
	if (BN_is_zero(x->d))
		check(BN_one(x->d));
}

/* The public key d G as a ccakit key. */
static ccakit_key *
pubkey(struct run *x, int crv)
{
	uint8_t pt[CKI_EC_POINT_MAX];
	EC_POINT *q = EC_POINT_new(x->g);
	ccakit_key *k = ccakit_key_new();
	size_t n;

	check(q != NULL && k != NULL);
	check(EC_POINT_mul(x->g, q, x->d, NULL, NULL, x->bn));
	n = EC_POINT_point2oct(x->g, q, POINT_CONVERSION_UNCOMPRESSED, pt,
	    sizeof(pt), x->bn);
	check(n == 1 + 2 * x->clen);
	check(ccakit_key_from_sec1(k, crv, pt, n) == CCAKIT_OK);
	EC_POINT_free(q);
	return k;
}

/* v into raw half `which`; false when it does not fit. */
static bool
put(struct run *x, const BIGNUM *v, int which)
{
	if (BN_num_bytes(v) > (int)x->clen)
		return false;
	check(BN_bn2binpad(v, x->raw + (size_t)which * x->clen,
	    (int)x->clen) == (int)x->clen);
	return true;
}

/* Edits 1..11 and 15 of r||s; false when the result does not fit. */
static bool
edit_sig(struct run *x, unsigned edit, unsigned p)
{
	size_t clen = x->clen;
	int which = (edit & 1) ? 1 : 0;	/* odd edits work on s */
	BIGNUM *v = x->t;

	if (edit >= 12 && edit != 15)
		return true;
	if (edit == 15) {
		x->raw[(p / 8) % (2 * clen)] ^= (uint8_t)(1u << (p % 8));
		return true;
	}
	if (edit == 8) {
		uint8_t tmp[CKI_EC_COORD_MAX];

		memcpy(tmp, x->raw, clen);
		memmove(x->raw, x->raw + clen, clen);
		memcpy(x->raw + clen, tmp, clen);
		return true;
	}
	if (edit == 9 || edit == 11)
		which = 0;
	if (edit == 10)
		which = 1;
	check(BN_bin2bn(x->raw + (size_t)which * clen, (int)clen, v) != NULL);
	switch (edit) {
	case 1:
		check(BN_sub(v, x->n, v));
		break;
	case 2:
	case 3:
		BN_zero(v);
		break;
	case 4:
	case 5:
		check(BN_copy(v, x->n) != NULL);
		break;
	case 6:
	case 7:
		check(BN_add(v, v, x->n));
		break;
	case 9:
	case 10:
		check(BN_copy(v, x->n) != NULL);
		check(BN_sub_word(v, 1));
		break;
	case 11:
		check(BN_one(v));
		break;
	default:
		break;
	}
	return !BN_is_negative(v) && put(x, v, which);
}

/* Edits 12..14 of the digest. */
static void
edit_digest(struct run *x, unsigned edit, unsigned p)
{
	if (edit == 12)
		x->md[(p / 8) % x->mdlen] ^= (uint8_t)(1u << (p % 8));
	else if (edit == 13)
		x->mdlen--;
	else if (edit == 14)
		x->md[x->mdlen++] = (uint8_t)p;
}

static void
setup(void)
{
	size_t i;

	if (bnctx != NULL)
		return;
	check((bnctx = BN_CTX_new()) != NULL);
	for (i = 0; i < 3; i++)
		check((groups[i] = EC_GROUP_new_by_curve_name(
		    curves[i].nid)) != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run x;
	ccakit_key *key = NULL;
	unsigned ci, di, how, edit, p;
	size_t need;
	int ro, rn, ra;
	bool made = false, fits = true;

	setup();
	if (size < HEAD)
		return 0;
	ci = data[0] % 3u;
	di = data[1] % 3u;
	how = data[2] % 4u;
	edit = data[3] % 16u;
	p = (unsigned)data[4] << 8 | data[5];
	memset(&x, 0, sizeof(x));
	x.g = groups[ci];
	x.n = EC_GROUP_get0_order(x.g);
	x.clen = curves[ci].clen;
	x.mdlen = digests[di].mdlen;
	need = HEAD + x.mdlen + x.clen + (how == 0 ? 2 : 1) * x.clen;
	if (size < need)
		return 0;
	data += HEAD;
	memcpy(x.md, data, x.mdlen);
	data += x.mdlen;
	x.bn = bnctx;
	check((x.d = BN_new()) != NULL && (x.k = BN_new()) != NULL &&
	    (x.r = BN_new()) != NULL && (x.s = BN_new()) != NULL &&
	    (x.e = BN_new()) != NULL && (x.t = BN_new()) != NULL);
	scalar(&x, x.d, data);
	data += x.clen;
	digest_int(&x);

	switch (how) {
	case 0:
		memcpy(x.raw, data, 2 * x.clen);
		break;
	case 1:
	case 2:
		scalar(&x, x.k, data);
		nonce_r(&x);
		if (BN_is_zero(x.r)) {
			fits = false;	/* no signature with this nonce */
			break;
		}
		if (how == 2)
			key_for_sum(&x, false);
		sign(&x);
		made = !BN_is_zero(x.r) && !BN_is_zero(x.s);
		fits = put(&x, x.r, 0) && put(&x, x.s, 1);
		break;
	default:
		scalar(&x, x.k, data);
		nonce_r(&x);
		if (BN_is_zero(x.r)) {
			fits = false;
			break;
		}
		key_for_sum(&x, true);
		fits = put(&x, x.r, 0);
		memcpy(x.raw + x.clen, data, x.clen);
		break;
	}
	if (fits && edit_sig(&x, edit, p)) {
		edit_digest(&x, edit, p);
		key = pubkey(&x, curves[ci].crv);
		ro = cki_ecdsa_verify_backend(key, digests[di].alg, x.md,
		    x.mdlen, x.raw, CKI_ECDSA_OPENSSL);
		rn = cki_ecdsa_verify_backend(key, digests[di].alg, x.md,
		    x.mdlen, x.raw, CKI_ECDSA_NETTLE);
		ra = cki_ecdsa_verify_backend(key, digests[di].alg, x.md,
		    x.mdlen, x.raw, CKI_ECDSA_AUTO);
		if (ro != rn || ra != ro)
			abort();
		if (ro != CCAKIT_OK && ro != CCAKIT_ERR_SIGNATURE)
			abort();
		/* What was signed here verifies, s negated too. */
		if (made && edit <= 1 && ro != CCAKIT_OK)
			abort();
		/* A sum at infinity never does. */
		if (how == 3 && edit <= 1 && ro == CCAKIT_OK)
			abort();
	}
	ccakit_key_free(&key);
	BN_free(x.d);
	BN_free(x.k);
	BN_free(x.r);
	BN_free(x.s);
	BN_free(x.e);
	BN_free(x.t);
	return 0;
}
