/*
 * Fuzz the COSE boundary: COSE_Sign1 decoding (and verification of what
 * decodes, against the emulated realm's RAK), and the COSE_Key and JWK
 * key parsers on the same input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/cose.h>
#include <ccakit/err.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The emulated realm's RAK (demo/rak.pem, P-384), SEC1 uncompressed:
 * the corpus's realm messages verify. */
static const uint8_t rak_point[97] = {
	0x04,
	0xc7, 0x93, 0x25, 0x6e, 0x06, 0xe2, 0xf6, 0x42, 0xf8, 0x85, 0xdf, 0x29,
	0x4a, 0x3b, 0x6e, 0x5a, 0x04, 0xc3, 0x05, 0x64, 0x94, 0xb3, 0x7d, 0xb3,
	0x48, 0x38, 0xa1, 0x5d, 0x01, 0x08, 0xe9, 0x48, 0x69, 0xce, 0xc5, 0x7d,
	0xb8, 0xfe, 0xee, 0xbf, 0x8d, 0x1f, 0x1d, 0xc0, 0xd6, 0xb3, 0x9a, 0x54,
	0xe3, 0xd4, 0x5f, 0xbd, 0xfd, 0xeb, 0x25, 0x05, 0xb6, 0x6c, 0x7d, 0x1a,
	0x2d, 0x63, 0xef, 0xd7, 0xfd, 0x38, 0x64, 0xee, 0x0d, 0x00, 0x3a, 0x1b,
	0xa3, 0x2a, 0xaa, 0x0e, 0x8b, 0xf8, 0x42, 0x05, 0x94, 0x95, 0xf0, 0xd3,
	0xcf, 0xcc, 0x4f, 0xd3, 0xe9, 0x2f, 0x78, 0x35, 0x1c, 0xfc, 0xe6, 0xa1,
};

static const ccakit_key *
rak(void)
{
	static ccakit_key *k;

	if (k == NULL) {
		if ((k = ccakit_key_new()) == NULL ||
		    ccakit_key_from_sec1(k, CCAKIT_COSE_CRV_P384, rak_point,
		    sizeof(rak_point)) != CCAKIT_OK)
			abort();
	}
	return k;
}

/* A view must lie inside the input. */
static void
check_view(struct ccakit_bytes v, const uint8_t *data, size_t size)
{
	if (v.len == 0 || v.ptr < data || v.len > size ||
	    (size_t)(v.ptr - data) > size - v.len)
		abort();
}

static void
fuzz_sign1(const uint8_t *data, size_t size)
{
	struct ccakit_cose_sign1 m;
	int r;

	if (ccakit_cose_sign1_decode(data, size, &m) != CCAKIT_OK)
		return;
	check_view(m.protected_hdr, data, size);
	check_view(m.payload, data, size);
	check_view(m.signature, data, size);
	if (ccakit_cose_alg_crv(m.alg) == 0)
		abort();
	r = ccakit_cose_sign1_verify(&m, rak());
	if (r != CCAKIT_OK && r != CCAKIT_ERR_SIGNATURE &&
	    r != CCAKIT_ERR_KEY_MISMATCH)
		abort();
}

/* A key that loads must encode and load back to the same point. */
static void
check_key(const ccakit_key *k)
{
	uint8_t pt[140], pt2[140], ck[160];
	char jwk[300];
	ccakit_key *k2;
	size_t n, n2, cn;

	if (ccakit_key_to_sec1(k, pt, sizeof(pt), &n) != CCAKIT_OK ||
	    ccakit_key_to_cose_key(k, ck, sizeof(ck), &cn) != CCAKIT_OK ||
	    ccakit_key_to_jwk(k, jwk, sizeof(jwk)) != CCAKIT_OK)
		abort();
	if ((k2 = ccakit_key_new()) == NULL)
		return;
	if (ccakit_key_from_cose_key(k2, ck, cn) != CCAKIT_OK ||
	    ccakit_key_to_sec1(k2, pt2, sizeof(pt2), &n2) != CCAKIT_OK ||
	    n2 != n || memcmp(pt, pt2, n) != 0)
		abort();
	if (ccakit_key_from_jwk(k2, jwk, strlen(jwk)) != CCAKIT_OK ||
	    ccakit_key_to_sec1(k2, pt2, sizeof(pt2), &n2) != CCAKIT_OK ||
	    n2 != n || memcmp(pt, pt2, n) != 0)
		abort();
	ccakit_key_free(&k2);
}

static void
fuzz_keys(const uint8_t *data, size_t size)
{
	ccakit_key *k;

	if ((k = ccakit_key_new()) == NULL)
		return;
	if (ccakit_key_from_cose_key(k, data, size) == CCAKIT_OK)
		check_key(k);
	ccakit_key_free(&k);
	if ((k = ccakit_key_new()) == NULL)
		return;
	if (ccakit_key_from_jwk(k, (const char *)data, size) == CCAKIT_OK)
		check_key(k);
	ccakit_key_free(&k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_sign1(data, size);
	fuzz_keys(data, size);
	return 0;
}
