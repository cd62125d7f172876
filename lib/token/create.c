/*
 * Token creation (an emulated realm): encode both claim sets, bind the
 * RAK to the platform challenge, sign, wrap in the collection.
 */
#include <stdlib.h>
#include <string.h>

#include <ccakit/cbor.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/token.h>

#include "token/token_priv.h"
#include "util/util.h"

/* Working memory, allocated once per call (too large for the stack). */
struct create_ctx {
	struct ccakit_platform_claims pc;
	struct ccakit_realm_claims rc;
	union {
		struct ccakit_platform_claims p;
		struct ccakit_realm_claims r;
	} check;
	uint8_t rak[CKI_RAK_MAX];
	uint8_t md[CKI_DIGEST_MAX];
	uint8_t payload[CCAKIT_TOKEN_MAX_SIZE];
	uint8_t sign1[CCAKIT_TOKEN_MAX_SIZE];
};

/* The RAK claim in the form the realm profile requires. */
static int
encode_rak(const ccakit_key *rak, enum ccakit_realm_profile profile,
    uint8_t *out, size_t outsz, size_t *outlen)
{
	if (profile == CCAKIT_REALM_LEGACY) {
		/* Legacy: raw SEC1 point, P-384 only (RMM 1.0 EAC). */
		if (ccakit_key_crv(rak) != CCAKIT_COSE_CRV_P384)
			return CCAKIT_ERR_KEY_MISMATCH;
		return ccakit_key_to_sec1(rak, out, outsz, outlen);
	}
	return ccakit_key_to_cose_key(rak, out, outsz, outlen);
}

/* Append one collection entry: bstr (399) or [263, bstr] (907). */
static void
put_entry(struct ccakit_cbor_writer *w, enum ccakit_token_format fmt,
    uint64_t key, const uint8_t *sign1, size_t len)
{
	ccakit_cbor_put_uint(w, key);
	if (fmt == CCAKIT_FORMAT_907) {
		ccakit_cbor_put_array(w, 2);
		ccakit_cbor_put_uint(w, CCAKIT_COAP_EAT_CWT);
	}
	ccakit_cbor_put_bstr(w, sign1, len);
}

int
ccakit_token_create(const struct ccakit_platform_claims *platform,
    const struct ccakit_realm_claims *realm, const ccakit_key *cpak,
    const ccakit_key *rak, const struct ccakit_create_opts *opts,
    uint8_t *out, size_t outsz, size_t *outlen)
{
	struct create_ctx *x = NULL;
	struct ccakit_cbor_writer w;
	enum ccakit_token_format fmt = CCAKIT_FORMAT_907;
	enum ccakit_hash_algo h = CCAKIT_HASH_SHA256;
	size_t raklen = 0, mdlen = 0, plen = 0, slen = 0, len = 0;
	int r = CCAKIT_ERR_INTERNAL;

	if (platform == NULL || realm == NULL || cpak == NULL ||
	    rak == NULL || out == NULL || outlen == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if (opts != NULL && opts->format != 0)
		fmt = opts->format;
	if (fmt != CCAKIT_FORMAT_399 && fmt != CCAKIT_FORMAT_907)
		return CCAKIT_ERR_INVALID_ARG;
	if (!ccakit_key_has_private(cpak) || !ccakit_key_has_private(rak))
		return CCAKIT_ERR_INVALID_ARG;
	if (realm->rak_hash_alg.len != 0 &&
	    cki_hash_from_claim(realm->rak_hash_alg, &h) != CCAKIT_OK)
		return CCAKIT_ERR_CLAIM_VALUE;
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return CCAKIT_ERR_NOMEM;
	x->pc = *platform;
	x->rc = *realm;

	/* The binding: platform challenge := H(RAK claim bytes). */
	if ((r = encode_rak(rak, x->rc.profile, x->rak, sizeof(x->rak),
	    &raklen)) != CCAKIT_OK)
		goto out;
	if ((r = cki_hash_digest(h, x->rak, raklen, x->md, &mdlen)) !=
	    CCAKIT_OK)
		goto out;
	x->rc.rak.ptr = x->rak;
	x->rc.rak.len = raklen;
	x->rc.rak_hash_alg.ptr = (const uint8_t *)ccakit_hash_algo_name(h);
	x->rc.rak_hash_alg.len = strlen(ccakit_hash_algo_name(h));
	x->pc.challenge.ptr = x->md;
	x->pc.challenge.len = mdlen;

	ccakit_cbor_writer_init(&w, out, outsz);
	ccakit_cbor_put_tag(&w, (uint64_t)fmt);
	ccakit_cbor_put_map(&w, 2);

	/*
	 * Each claim set must decode under our own rules before it is
	 * signed: what we sign is what a verifier accepts.
	 */
	if ((r = ccakit_platform_claims_encode(&x->pc, x->payload,
	    sizeof(x->payload), &plen)) != CCAKIT_OK ||
	    (r = ccakit_platform_claims_decode(x->payload, plen, &x->check.p,
	    NULL)) != CCAKIT_OK ||
	    (r = ccakit_cose_sign1_sign(cpak, 0, x->payload, plen, x->sign1,
	    sizeof(x->sign1), &slen)) != CCAKIT_OK)
		goto out;
	put_entry(&w, fmt, CCAKIT_COLL_PLATFORM, x->sign1, slen);

	if ((r = ccakit_realm_claims_encode(&x->rc, x->payload,
	    sizeof(x->payload), &plen)) != CCAKIT_OK ||
	    (r = ccakit_realm_claims_decode(x->payload, plen, &x->check.r,
	    NULL)) != CCAKIT_OK ||
	    (r = ccakit_cose_sign1_sign(rak, 0, x->payload, plen, x->sign1,
	    sizeof(x->sign1), &slen)) != CCAKIT_OK)
		goto out;
	put_entry(&w, fmt, CCAKIT_COLL_REALM, x->sign1, slen);

	if ((r = ccakit_cbor_writer_finish(&w, &len)) != CCAKIT_OK)
		goto out;
	if (len > CCAKIT_TOKEN_MAX_SIZE) {
		r = CCAKIT_ERR_TOO_LARGE;
		goto out;
	}
	*outlen = len;
	r = CCAKIT_OK;
out:
	free(x);
	return r;
}
