/*
 * CCA realm claims (RMM §A7.2.3.1; draft-ffm-rats-cca-token): decoding
 * into views and encoding in Go ccatoken's key order.
 */
#include <string.h>

#include <ccakit/cbor.h>
#include <ccakit/err.h>
#include <ccakit/token.h>

#include "token/token_priv.h"
#include "util/util.h"

static const char *const realm_profiles[] = {
	[CCAKIT_REALM_LEGACY] = NULL,	/* no profile claim */
	[CCAKIT_REALM_2023] = "tag:arm.com,2023:realm#1.0.0",
	[CCAKIT_REALM_2024] = "tag:arm.com,2024:realm#2.0.0",
};

const char *
ccakit_realm_profile_str(enum ccakit_realm_profile p)
{
	if ((unsigned)p > CCAKIT_REALM_2024)
		return NULL;
	return realm_profiles[p];
}

/* Mandatory claims, in the order a missing one is reported. */
#define R_CHALLENGE	0x01u
#define R_RPV		0x02u
#define R_RIM		0x04u
#define R_REM		0x08u
#define R_HASH_ALG	0x10u
#define R_RAK		0x20u
#define R_RAK_HASH_ALG	0x40u
#define R_INSTANCE_ID	0x80u	/* 2024 only */

static const struct cki_claim_name realm_mandatory[] = {
	{ R_CHALLENGE, "challenge" },
	{ R_RPV, "personalization-value" },
	{ R_RIM, "initial-measurement" },
	{ R_REM, "extensible-measurements" },
	{ R_HASH_ALG, "hash-algo-id" },
	{ R_RAK, "public-key" },
	{ R_RAK_HASH_ALG, "public-key-hash-algo-id" },
	{ R_INSTANCE_ID, "instance-id" },
};

static int
decode_rem(const struct ccakit_cbor_item *a, struct ccakit_realm_claims *c,
    struct ccakit_errdetail *d)
{
	struct ccakit_cbor_iter it;
	struct ccakit_cbor_item v;
	size_t i = 0;
	int r;

	if (a->type != CCAKIT_CBOR_ARRAY)
		return cki_detail(d, CCAKIT_ERR_CLAIM_TYPE,
		    "extensible-measurements",
		    "extensible-measurements: expecting array");
	/* RMM CDDL: [ 4*4 cca-realm-measurement-type ] */
	if (a->u != CCAKIT_REM_COUNT)
		return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE,
		    "extensible-measurements",
		    "extensible-measurements: expecting %d entries, got %llu",
		    CCAKIT_REM_COUNT, (unsigned long long)a->u);
	ccakit_cbor_iter_init(&it, a);
	while (i < CCAKIT_REM_COUNT && ccakit_cbor_iter_next(&it, &v)) {
		if ((r = cki_claim_digest(&v, "extensible-measurements",
		    &c->rem[i], d)) != CCAKIT_OK)
			return r;
		i++;
	}
	return CCAKIT_OK;
}

/*
 * The RAK format depends on the profile: checked once every claim is
 * known to be present, so that a missing claim is reported as such.
 */
static int
check_rak(const struct ccakit_realm_claims *c, struct ccakit_errdetail *d)
{
	struct ccakit_bytes b = c->rak;

	if (c->profile == CCAKIT_REALM_LEGACY) {
		if (b.len != CKI_RAK_SEC1_LEN || b.ptr[0] != 0x04)
			return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE,
			    "public-key", "public-key: expecting a %d-byte "
			    "uncompressed P-384 point, got %zu bytes",
			    CKI_RAK_SEC1_LEN, b.len);
	} else if (!cki_cose_key_ok(b.ptr, b.len)) {
		return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE, "public-key",
		    "public-key: not a public EC2 COSE_Key");
	}
	return CCAKIT_OK;
}

/* MEC policy: tstr "private"/"shared" (draft-ffm-03) or int 1/0 (RMM). */
static int
decode_mec_policy(const struct ccakit_cbor_item *v, int *out,
    struct ccakit_errdetail *d)
{
	struct ccakit_bytes s;

	switch (v->type) {
	case CCAKIT_CBOR_TSTR:
		s.ptr = v->data;
		s.len = (size_t)v->u;
		if (cki_bytes_eq(s, (const uint8_t *)"private", 7)) {
			*out = 1;
			return CCAKIT_OK;
		}
		if (cki_bytes_eq(s, (const uint8_t *)"shared", 6)) {
			*out = 0;
			return CCAKIT_OK;
		}
		break;
	case CCAKIT_CBOR_UINT:
		if (v->u <= 1) {
			*out = (int)v->u;
			return CCAKIT_OK;
		}
		break;
	case CCAKIT_CBOR_NINT:
		break;
	default:
		return cki_detail(d, CCAKIT_ERR_CLAIM_TYPE, "mec-policy",
		    "mec-policy: expecting tstr or int");
	}
	return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE, "mec-policy",
	    "mec-policy: expecting \"private\"/\"shared\" or 1/0");
}

/* One claim of the map (a cki_claim_fn); unknown keys are left alone. */
static int
decode_claim(uint64_t key, const struct ccakit_cbor_item *v, void *claims,
    unsigned *bit, struct ccakit_errdetail *d)
{
	struct ccakit_realm_claims *c = claims;
	bool v2 = c->profile == CCAKIT_REALM_2024;
	int r;

	switch (key) {
	case CCAKIT_CLAIM_CHALLENGE:
		*bit = R_CHALLENGE;
		return cki_claim_bstr_size(v, "challenge",
		    CKI_REALM_CHALLENGE_LEN, &c->challenge, d);
	case CCAKIT_CLAIM_REALM_RPV:
		*bit = R_RPV;
		return cki_claim_bstr_size(v, "personalization-value",
		    CKI_RPV_LEN, &c->rpv, d);
	case CCAKIT_CLAIM_REALM_RIM:
		*bit = R_RIM;
		return cki_claim_digest(v, "initial-measurement", &c->rim, d);
	case CCAKIT_CLAIM_REALM_REM:
		*bit = R_REM;
		return decode_rem(v, c, d);
	case CCAKIT_CLAIM_REALM_HASH_ALG:
		*bit = R_HASH_ALG;
		return cki_claim_hash_alg(v, "hash-algo-id", &c->hash_alg, d);
	case CCAKIT_CLAIM_REALM_PUB_KEY:
		*bit = R_RAK;
		return cki_claim_bstr(v, "public-key", &c->rak, d);
	case CCAKIT_CLAIM_REALM_PUB_KEY_HASH_ALG:
		*bit = R_RAK_HASH_ALG;
		return cki_claim_hash_alg(v, "public-key-hash-algo-id",
		    &c->rak_hash_alg, d);
	}
	if (!v2)
		return CCAKIT_OK;
	switch (key) {
	case CCAKIT_CLAIM_REALM_INSTANCE_ID:
		*bit = R_INSTANCE_ID;
		if ((r = cki_claim_ueid(v, "instance-id", &c->instance_id,
		    d)) != CCAKIT_OK)
			return r;
		c->present |= CCAKIT_REALM_INSTANCE_ID;
		return CCAKIT_OK;
	case CCAKIT_CLAIM_REALM_MEC_POLICY:
		if ((r = decode_mec_policy(v, &c->mec_policy, d)) !=
		    CCAKIT_OK)
			return r;
		c->present |= CCAKIT_REALM_MEC_POLICY;
		return CCAKIT_OK;
	}
	return CCAKIT_OK;
}

static int
realm_from_map(const struct ccakit_cbor_item *map,
    struct ccakit_realm_claims *c, struct ccakit_errdetail *d)
{
	unsigned seen = 0, required = ~R_INSTANCE_ID;
	int profile, r;

	memset(c, 0, sizeof(*c));
	/* The profile decides the RAK format: read it first. */
	if ((r = cki_claims_profile(map, realm_profiles,
	    sizeof(realm_profiles) / sizeof(realm_profiles[0]), "realm",
	    &profile, d)) != CCAKIT_OK)
		return r;
	c->profile = profile < 0 ? CCAKIT_REALM_LEGACY :
	    (enum ccakit_realm_profile)profile;
	if (c->profile == CCAKIT_REALM_2024)
		required |= R_INSTANCE_ID;
	if ((r = cki_claims_walk(map, decode_claim, c, &seen, d)) !=
	    CCAKIT_OK)
		return r;
	if ((r = cki_claims_missing(seen, required, realm_mandatory,
	    sizeof(realm_mandatory) / sizeof(realm_mandatory[0]), d)) !=
	    CCAKIT_OK)
		return r;
	return check_rak(c, d);
}

int
ccakit_realm_claims_decode(const uint8_t *buf, size_t len,
    struct ccakit_realm_claims *out, struct ccakit_errdetail *d)
{
	struct ccakit_cbor_item map;
	int r;

	if ((buf == NULL && len != 0) || out == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if ((r = cki_claims_map(buf, len, "realm claims", &map, d)) ==
	    CCAKIT_OK)
		r = realm_from_map(&map, out, d);
	if (r != CCAKIT_OK)
		memset(out, 0, sizeof(*out));
	return r;
}

int
ccakit_realm_claims_encode(const struct ccakit_realm_claims *c,
    uint8_t *out, size_t outsz, size_t *outlen)
{
	struct ccakit_cbor_writer w;
	const char *profile;
	unsigned optional = 0;
	size_t i, n, len;
	int r;

	if (c == NULL || outlen == NULL || (out == NULL && outsz != 0))
		return CCAKIT_ERR_INVALID_ARG;
	if ((unsigned)c->profile > CCAKIT_REALM_2024)
		return CCAKIT_ERR_PROFILE_UNKNOWN;
	profile = ccakit_realm_profile_str(c->profile);
	/* The optional members exist in the 2024 profile only. */
	if (c->profile == CCAKIT_REALM_2024)
		optional = c->present &
		    (CCAKIT_REALM_INSTANCE_ID | CCAKIT_REALM_MEC_POLICY);
	n = 7 + cki_nbits(optional);
	if (profile != NULL)
		n++;

	ccakit_cbor_writer_init(&w, out, outsz);
	ccakit_cbor_put_map(&w, n);
	if (profile != NULL) {
		ccakit_cbor_put_uint(&w, CCAKIT_CLAIM_PROFILE);
		ccakit_cbor_put_cstr(&w, profile);
	}
	ccakit_cbor_put_uint(&w, CCAKIT_CLAIM_CHALLENGE);
	cki_put_bytes(&w, c->challenge);
	ccakit_cbor_put_uint(&w, CCAKIT_CLAIM_REALM_RPV);
	cki_put_bytes(&w, c->rpv);
	ccakit_cbor_put_uint(&w, CCAKIT_CLAIM_REALM_RIM);
	cki_put_bytes(&w, c->rim);
	ccakit_cbor_put_uint(&w, CCAKIT_CLAIM_REALM_REM);
	ccakit_cbor_put_array(&w, CCAKIT_REM_COUNT);
	for (i = 0; i < CCAKIT_REM_COUNT; i++)
		cki_put_bytes(&w, c->rem[i]);
	ccakit_cbor_put_uint(&w, CCAKIT_CLAIM_REALM_HASH_ALG);
	cki_put_text(&w, c->hash_alg);
	ccakit_cbor_put_uint(&w, CCAKIT_CLAIM_REALM_PUB_KEY);
	cki_put_bytes(&w, c->rak);
	ccakit_cbor_put_uint(&w, CCAKIT_CLAIM_REALM_PUB_KEY_HASH_ALG);
	cki_put_text(&w, c->rak_hash_alg);
	if (optional & CCAKIT_REALM_INSTANCE_ID) {
		ccakit_cbor_put_uint(&w, CCAKIT_CLAIM_REALM_INSTANCE_ID);
		cki_put_bytes(&w, c->instance_id);
	}
	if (optional & CCAKIT_REALM_MEC_POLICY) {
		ccakit_cbor_put_uint(&w, CCAKIT_CLAIM_REALM_MEC_POLICY);
		ccakit_cbor_put_uint(&w, c->mec_policy ? 1 : 0);
	}
	if ((r = ccakit_cbor_writer_finish(&w, &len)) != CCAKIT_OK)
		return r;
	*outlen = len;
	return CCAKIT_OK;
}
