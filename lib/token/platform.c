/*
 * CCA platform claims (RMM §A7.2.3.2; draft-ffm-rats-cca-token): decoding
 * into views and encoding in Go ccatoken's key order.
 */
#include <string.h>

#include <ccakit/cbor.h>
#include <ccakit/err.h>
#include <ccakit/token.h>

#include "token/token_priv.h"
#include "util/util.h"

static const char *const platform_profiles[] = {
	[CCAKIT_PLATFORM_LEGACY] = "http://arm.com/CCA-SSD/1.0.0",
	[CCAKIT_PLATFORM_2023] = "tag:arm.com,2023:cca_platform#1.0.0",
	[CCAKIT_PLATFORM_2024] = "tag:arm.com,2024:cca_platform#2.0.0",
};

const char *
ccakit_platform_profile_str(enum ccakit_platform_profile p)
{
	if (p < CCAKIT_PLATFORM_LEGACY || p > CCAKIT_PLATFORM_2024)
		return NULL;
	return platform_profiles[p];
}

/* Mandatory claims, in the order a missing one is reported. */
#define P_PROFILE	0x001u
#define P_CHALLENGE	0x002u
#define P_IMPL_ID	0x004u
#define P_INST_ID	0x008u
#define P_CONFIG	0x010u
#define P_LIFECYCLE	0x020u
#define P_SW_COMPS	0x040u
#define P_HASH_ALG	0x080u
#define P_CLIENT_ID	0x100u	/* 2024 only */

static const struct cki_claim_name platform_mandatory[] = {
	{ P_PROFILE, "profile" },
	{ P_CHALLENGE, "challenge" },
	{ P_IMPL_ID, "implementation-id" },
	{ P_INST_ID, "instance-id" },
	{ P_CONFIG, "config" },
	{ P_LIFECYCLE, "lifecycle" },
	{ P_SW_COMPS, "sw-components" },
	{ P_HASH_ALG, "hash-algo-id" },
	{ P_CLIENT_ID, "client-id" },
};

/* RMM §A7.2.3.2.6: state in bits 15:8, IMPLEMENTATION DEFINED 7:0. */
static bool
lifecycle_ok(uint64_t v)
{
	uint64_t state = v >> 8;

	return v <= 0x60ff && (state & 0x0f) == 0;
}

static int
decode_sw_component(const struct ccakit_cbor_item *m, size_t idx,
    struct ccakit_sw_component *sw, struct ccakit_errdetail *d)
{
	struct ccakit_cbor_iter it;
	struct ccakit_cbor_item k, v;
	bool have_mval = false, have_signer = false;
	int r = CCAKIT_OK;

	if (m->type != CCAKIT_CBOR_MAP)
		return cki_detail(d, CCAKIT_ERR_CLAIM_TYPE, "sw-components",
		    "sw-components[%zu]: expecting map", idx);
	memset(sw, 0, sizeof(*sw));
	ccakit_cbor_iter_init(&it, m);
	while (ccakit_cbor_iter_next(&it, &k) &&
	    ccakit_cbor_iter_next(&it, &v)) {
		if (k.type != CCAKIT_CBOR_UINT)
			return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE,
			    "sw-components",
			    "sw-components[%zu]: unexpected key", idx);
		switch (k.u) {
		case 1:
			r = cki_claim_tstr(&v, "measurement-type", &sw->type,
			    d);
			sw->present |= CCAKIT_SWC_TYPE;
			break;
		case 2:
			r = cki_claim_digest(&v, "measurement-value",
			    &sw->mval, d);
			have_mval = true;
			break;
		case 4:
			r = cki_claim_tstr(&v, "version", &sw->version, d);
			sw->present |= CCAKIT_SWC_VERSION;
			break;
		case 5:
			r = cki_claim_digest(&v, "signer-id", &sw->signer_id,
			    d);
			have_signer = true;
			break;
		case 6:
			r = cki_claim_hash_alg(&v, "hash-algo-id",
			    &sw->hash_alg, d);
			sw->present |= CCAKIT_SWC_HASH_ALG;
			break;
		default:
			return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE,
			    "sw-components",
			    "sw-components[%zu]: unknown key %llu", idx,
			    (unsigned long long)k.u);
		}
		if (r != CCAKIT_OK)
			return r;
	}
	if (!have_mval)
		return cki_detail(d, CCAKIT_ERR_CLAIM_MISSING,
		    "measurement-value",
		    "sw-components[%zu]: missing measurement-value", idx);
	if (!have_signer)
		return cki_detail(d, CCAKIT_ERR_CLAIM_MISSING, "signer-id",
		    "sw-components[%zu]: missing signer-id", idx);
	return CCAKIT_OK;
}

static int
decode_sw_components(const struct ccakit_cbor_item *a,
    struct ccakit_platform_claims *c, struct ccakit_errdetail *d)
{
	struct ccakit_cbor_iter it;
	struct ccakit_cbor_item m;
	size_t i = 0;
	int r;

	if (a->type != CCAKIT_CBOR_ARRAY)
		return cki_detail(d, CCAKIT_ERR_CLAIM_TYPE, "sw-components",
		    "sw-components: expecting array");
	if (a->u == 0)
		return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE, "sw-components",
		    "sw-components: expecting at least one component");
	if (a->u > CCAKIT_MAX_SW_COMPONENTS)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "sw-components",
		    "sw-components: %llu components, the limit is %d",
		    (unsigned long long)a->u, CCAKIT_MAX_SW_COMPONENTS);
	ccakit_cbor_iter_init(&it, a);
	while (ccakit_cbor_iter_next(&it, &m)) {
		if ((r = decode_sw_component(&m, i, &c->sw[i], d)) !=
		    CCAKIT_OK)
			return r;
		i++;
	}
	c->n_sw = i;
	return CCAKIT_OK;
}

static int
decode_lifecycle(const struct ccakit_cbor_item *v, uint16_t *out,
    struct ccakit_errdetail *d)
{
	if (v->type != CCAKIT_CBOR_UINT)
		return cki_detail(d, CCAKIT_ERR_CLAIM_TYPE, "lifecycle",
		    "lifecycle: expecting uint");
	if (!lifecycle_ok(v->u))
		return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE, "lifecycle",
		    "lifecycle: unknown lifecycle %llu",
		    (unsigned long long)v->u);
	*out = (uint16_t)v->u;
	return CCAKIT_OK;
}

static int
decode_array_view(const struct ccakit_cbor_item *v, const char *what,
    struct ccakit_bytes *out, struct ccakit_errdetail *d)
{
	if (v->type != CCAKIT_CBOR_ARRAY)
		return cki_detail(d, CCAKIT_ERR_CLAIM_TYPE, what,
		    "%s: expecting array", what);
	out->ptr = v->enc;
	out->len = v->enclen;
	return CCAKIT_OK;
}

/* One claim of the map (a cki_claim_fn); unknown keys are left alone. */
static int
decode_claim(uint64_t key, const struct ccakit_cbor_item *v, void *claims,
    unsigned *bit, struct ccakit_errdetail *d)
{
	struct ccakit_platform_claims *c = claims;
	bool v2 = c->profile == CCAKIT_PLATFORM_2024;
	int r;

	switch (key) {
	case CCAKIT_CLAIM_CHALLENGE:
		*bit = P_CHALLENGE;
		return cki_claim_digest(v, "challenge", &c->challenge, d);
	case CCAKIT_CLAIM_PLAT_IMPL_ID:
		*bit = P_IMPL_ID;
		return cki_claim_bstr_size(v, "implementation-id",
		    CKI_IMPL_ID_LEN, &c->impl_id, d);
	case CCAKIT_CLAIM_PLAT_INSTANCE_ID:
		*bit = P_INST_ID;
		return cki_claim_ueid(v, "instance-id", &c->inst_id, d);
	case CCAKIT_CLAIM_PLAT_CONFIG:
		*bit = P_CONFIG;
		if (v2)
			return cki_claim_bstr_nonempty(v, "config",
			    &c->config, d);
		return cki_claim_bstr(v, "config", &c->config, d);
	case CCAKIT_CLAIM_PLAT_LIFECYCLE:
		*bit = P_LIFECYCLE;
		return decode_lifecycle(v, &c->lifecycle, d);
	case CCAKIT_CLAIM_PLAT_SW_COMPS:
		*bit = P_SW_COMPS;
		return decode_sw_components(v, c, d);
	case CCAKIT_CLAIM_PLAT_VSI:
		if ((r = cki_claim_tstr(v, "verification-service", &c->vsi,
		    d)) != CCAKIT_OK)
			return r;
		if (c->vsi.len == 0)
			return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE,
			    "verification-service",
			    "verification-service: must not be empty");
		c->present |= CCAKIT_PLAT_VSI;
		return CCAKIT_OK;
	case CCAKIT_CLAIM_PLAT_HASH_ALG:
		*bit = P_HASH_ALG;
		return cki_claim_hash_alg(v, "hash-algo-id", &c->hash_alg, d);
	}
	if (!v2)
		return CCAKIT_OK;
	switch (key) {
	case CCAKIT_CLAIM_PLAT_CLIENT_ID:
		*bit = P_CLIENT_ID;
		if (ccakit_cbor_get_int(v, &c->client_id) != CCAKIT_OK)
			return cki_detail(d, CCAKIT_ERR_CLAIM_TYPE,
			    "client-id", "client-id: expecting int");
		c->present |= CCAKIT_PLAT_CLIENT_ID;
		return CCAKIT_OK;
	case CCAKIT_CLAIM_PLAT_MFG_CONFIG:
		c->present |= CCAKIT_PLAT_MFG_CONFIG;
		return cki_claim_bstr_nonempty(v, "manufacturing-config",
		    &c->mfg_config, d);
	case CCAKIT_CLAIM_PLAT_EXTENSION:
		c->present |= CCAKIT_PLAT_EXTENSION;
		return decode_array_view(v, "extension", &c->extension, d);
	case CCAKIT_CLAIM_PLAT_TBB_ROTPK:
		c->present |= CCAKIT_PLAT_TBB_ROTPK;
		return decode_array_view(v, "tbb-rotpk", &c->tbb_rotpk, d);
	case CCAKIT_CLAIM_PLAT_PEER_SIGNERS:
		c->present |= CCAKIT_PLAT_PEER_SIGNERS;
		return cki_claim_bstr(v, "peer-signers", &c->peer_signers, d);
	}
	return CCAKIT_OK;
}

static int
platform_from_map(const struct ccakit_cbor_item *map,
    struct ccakit_platform_claims *c, struct ccakit_errdetail *d)
{
	unsigned seen = 0, required = ~P_CLIENT_ID;
	int profile, r;

	memset(c, 0, sizeof(*c));
	/* The profile decides which keys are claims: read it first. */
	if ((r = cki_claims_profile(map, platform_profiles,
	    sizeof(platform_profiles) / sizeof(platform_profiles[0]),
	    "platform", &profile, d)) != CCAKIT_OK)
		return r;
	c->profile = CCAKIT_PLATFORM_LEGACY;
	if (profile >= 0) {
		c->profile = (enum ccakit_platform_profile)profile;
		seen |= P_PROFILE;
	}
	if (c->profile == CCAKIT_PLATFORM_2024)
		required |= P_CLIENT_ID;
	if ((r = cki_claims_walk(map, decode_claim, c, &seen, d)) !=
	    CCAKIT_OK)
		return r;
	return cki_claims_missing(seen, required, platform_mandatory,
	    sizeof(platform_mandatory) / sizeof(platform_mandatory[0]), d);
}

int
ccakit_platform_claims_decode(const uint8_t *buf, size_t len,
    struct ccakit_platform_claims *out, struct ccakit_errdetail *d)
{
	struct ccakit_cbor_item map;
	int r;

	if ((buf == NULL && len != 0) || out == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if ((r = cki_claims_map(buf, len, "platform claims", &map, d)) ==
	    CCAKIT_OK)
		r = platform_from_map(&map, out, d);
	if (r != CCAKIT_OK)
		memset(out, 0, sizeof(*out));
	return r;
}

static void
encode_sw_component(struct ccakit_cbor_writer *w,
    const struct ccakit_sw_component *sw)
{
	unsigned optional = sw->present &
	    (CCAKIT_SWC_TYPE | CCAKIT_SWC_VERSION | CCAKIT_SWC_HASH_ALG);

	/* measurement-value and signer-id, then the optional members. */
	ccakit_cbor_put_map(w, 2 + cki_nbits(optional));
	if (optional & CCAKIT_SWC_TYPE) {
		ccakit_cbor_put_uint(w, 1);
		cki_put_text(w, sw->type);
	}
	ccakit_cbor_put_uint(w, 2);
	cki_put_bytes(w, sw->mval);
	if (optional & CCAKIT_SWC_VERSION) {
		ccakit_cbor_put_uint(w, 4);
		cki_put_text(w, sw->version);
	}
	ccakit_cbor_put_uint(w, 5);
	cki_put_bytes(w, sw->signer_id);
	if (optional & CCAKIT_SWC_HASH_ALG) {
		ccakit_cbor_put_uint(w, 6);
		cki_put_text(w, sw->hash_alg);
	}
}

/* Optional members emitted for the 2024 profile only. */
#define PLAT_2024_OPTIONAL	(CCAKIT_PLAT_CLIENT_ID | \
	CCAKIT_PLAT_MFG_CONFIG | CCAKIT_PLAT_EXTENSION | \
	CCAKIT_PLAT_TBB_ROTPK | CCAKIT_PLAT_PEER_SIGNERS)

/* The 2024 optional members, in key order. */
static void
encode_2024(struct ccakit_cbor_writer *w,
    const struct ccakit_platform_claims *c)
{
	if (c->profile != CCAKIT_PLATFORM_2024)
		return;
	if (c->present & CCAKIT_PLAT_CLIENT_ID) {
		ccakit_cbor_put_uint(w, CCAKIT_CLAIM_PLAT_CLIENT_ID);
		ccakit_cbor_put_int(w, c->client_id);
	}
	if (c->present & CCAKIT_PLAT_MFG_CONFIG) {
		ccakit_cbor_put_uint(w, CCAKIT_CLAIM_PLAT_MFG_CONFIG);
		cki_put_bytes(w, c->mfg_config);
	}
	if (c->present & CCAKIT_PLAT_EXTENSION) {
		ccakit_cbor_put_uint(w, CCAKIT_CLAIM_PLAT_EXTENSION);
		ccakit_cbor_put_raw(w, c->extension.ptr, c->extension.len);
	}
	if (c->present & CCAKIT_PLAT_TBB_ROTPK) {
		ccakit_cbor_put_uint(w, CCAKIT_CLAIM_PLAT_TBB_ROTPK);
		ccakit_cbor_put_raw(w, c->tbb_rotpk.ptr, c->tbb_rotpk.len);
	}
	if (c->present & CCAKIT_PLAT_PEER_SIGNERS) {
		ccakit_cbor_put_uint(w, CCAKIT_CLAIM_PLAT_PEER_SIGNERS);
		cki_put_bytes(w, c->peer_signers);
	}
}

/* Pre-encoded members must be one well-formed array each. */
static bool
raw_array_ok(struct ccakit_bytes b)
{
	struct ccakit_cbor_item it;

	return ccakit_cbor_parse(b.ptr, b.len, NULL, &it, NULL) ==
	    CCAKIT_OK && it.type == CCAKIT_CBOR_ARRAY;
}

int
ccakit_platform_claims_encode(const struct ccakit_platform_claims *c,
    uint8_t *out, size_t outsz, size_t *outlen)
{
	struct ccakit_cbor_writer w;
	const char *profile;
	size_t i, n, len;
	int r;

	if (c == NULL || outlen == NULL || (out == NULL && outsz != 0))
		return CCAKIT_ERR_INVALID_ARG;
	if ((profile = ccakit_platform_profile_str(c->profile)) == NULL)
		return CCAKIT_ERR_PROFILE_UNKNOWN;
	if (c->n_sw == 0 || c->n_sw > CCAKIT_MAX_SW_COMPONENTS)
		return CCAKIT_ERR_INVALID_ARG;
	if (c->profile == CCAKIT_PLATFORM_2024 &&
	    (((c->present & CCAKIT_PLAT_EXTENSION) &&
	    !raw_array_ok(c->extension)) ||
	    ((c->present & CCAKIT_PLAT_TBB_ROTPK) &&
	    !raw_array_ok(c->tbb_rotpk))))
		return CCAKIT_ERR_INVALID_ARG;

	n = 8 + cki_nbits(c->present & CCAKIT_PLAT_VSI);
	if (c->profile == CCAKIT_PLATFORM_2024)
		n += cki_nbits(c->present & PLAT_2024_OPTIONAL);
	ccakit_cbor_writer_init(&w, out, outsz);
	ccakit_cbor_put_map(&w, n);
	ccakit_cbor_put_uint(&w, CCAKIT_CLAIM_PROFILE);
	ccakit_cbor_put_cstr(&w, profile);
	ccakit_cbor_put_uint(&w, CCAKIT_CLAIM_CHALLENGE);
	cki_put_bytes(&w, c->challenge);
	ccakit_cbor_put_uint(&w, CCAKIT_CLAIM_PLAT_IMPL_ID);
	cki_put_bytes(&w, c->impl_id);
	ccakit_cbor_put_uint(&w, CCAKIT_CLAIM_PLAT_INSTANCE_ID);
	cki_put_bytes(&w, c->inst_id);
	ccakit_cbor_put_uint(&w, CCAKIT_CLAIM_PLAT_CONFIG);
	cki_put_bytes(&w, c->config);
	ccakit_cbor_put_uint(&w, CCAKIT_CLAIM_PLAT_LIFECYCLE);
	ccakit_cbor_put_uint(&w, c->lifecycle);
	ccakit_cbor_put_uint(&w, CCAKIT_CLAIM_PLAT_SW_COMPS);
	ccakit_cbor_put_array(&w, c->n_sw);
	for (i = 0; i < c->n_sw; i++)
		encode_sw_component(&w, &c->sw[i]);
	if (c->present & CCAKIT_PLAT_VSI) {
		ccakit_cbor_put_uint(&w, CCAKIT_CLAIM_PLAT_VSI);
		cki_put_text(&w, c->vsi);
	}
	ccakit_cbor_put_uint(&w, CCAKIT_CLAIM_PLAT_HASH_ALG);
	cki_put_text(&w, c->hash_alg);
	encode_2024(&w, c);
	if ((r = ccakit_cbor_writer_finish(&w, &len)) != CCAKIT_OK)
		return r;
	*outlen = len;
	return CCAKIT_OK;
}
