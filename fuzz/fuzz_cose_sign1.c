/*
 * Fuzz the COSE boundary: COSE_Sign1 decoding (and verification of what
 * decodes, against the RAK of cca-token-01), and the COSE_Key and JWK
 * key parsers on the same input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/cose.h>
#include <ccakit/err.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The sample RAK (P-384) carried by cca-token-01, SEC1 uncompressed. */
static const uint8_t rak_point[97] = {
	0x04,
	0x76, 0xf9, 0x88, 0x09, 0x1b, 0xe5, 0x85, 0xed, 0x41, 0x80, 0x1a, 0xec,
	0xfa, 0xb8, 0x58, 0x54, 0x8c, 0x63, 0x05, 0x7e, 0x16, 0xb0, 0xe6, 0x76,
	0x12, 0x0b, 0xbd, 0x0d, 0x2f, 0x9c, 0x29, 0xe0, 0x56, 0xc5, 0xd4, 0x1a,
	0x01, 0x30, 0xeb, 0x9c, 0x21, 0x51, 0x78, 0x99, 0xdc, 0x23, 0x14, 0x6b,
	0x28, 0xe1, 0xb0, 0x62, 0xbd, 0x3e, 0xa4, 0xb3, 0x15, 0xfd, 0x21, 0x9f,
	0x1c, 0xbb, 0x52, 0x8c, 0xb6, 0xe7, 0x4c, 0xa4, 0x9b, 0xe1, 0x67, 0x73,
	0x73, 0x4f, 0x61, 0xa1, 0xca, 0x61, 0x03, 0x1b, 0x2b, 0xbf, 0x3d, 0x91,
	0x8f, 0x2f, 0x94, 0xff, 0xc4, 0x22, 0x8e, 0x50, 0x91, 0x95, 0x44, 0xae,
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
