/*
 * Token claims as JSON in Veraison's claims format (evcli `cca create
 * --claims`, Go ccatoken's JSONCollection):
 *
 *   { "cca-platform-token": { "cca-platform-profile": ..., ... },
 *     "cca-realm-delegated-token": { "cca-realm-challenge": ..., ... } }
 *
 * Byte strings are standard base64 with padding (Go's encoding/json),
 * members appear in the Go structs' order, which is also the order of
 * our CBOR encoder. Claims of the 2024 profiles use the names of the Go
 * ccatoken V2 structs; extension (2404) and tbb-rotpk (2405) are carried
 * as the base64 of their CBOR encoding.
 *
 * Parsing is strict about the JSON schema (types, required and unknown
 * members) and leaves every rule about claim values to the CBOR claims
 * decoder: the claims are encoded and decoded again, so that JSON input
 * is held to exactly the rules a signed token is held to, and the views
 * of the result point into CBOR buffers the claimset owns.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ccakit/bytes.h>
#include <ccakit/err.h>
#include <ccakit/token.h>

#include "json/json_priv.h"
#include "util/util.h"

/* JSON claims are base64 of at most two token-sized claim maps. */
#define CKI_CLAIMS_JSON_MAX	(4 * CCAKIT_TOKEN_MAX_SIZE)

#define J_PLATFORM	"cca-platform-token"
#define J_REALM		"cca-realm-delegated-token"

#define JP_PROFILE	"cca-platform-profile"
#define JP_CHALLENGE	"cca-platform-challenge"
#define JP_IMPL_ID	"cca-platform-implementation-id"
#define JP_INST_ID	"cca-platform-instance-id"
#define JP_CONFIG	"cca-platform-config"
#define JP_LIFECYCLE	"cca-platform-lifecycle"
#define JP_SW_COMPS	"cca-platform-sw-components"
#define JP_VSI		"cca-platform-service-indicator"
#define JP_HASH_ALG	"cca-platform-hash-algo-id"
#define JP_CLIENT_ID	"cca-platform-client-id"
#define JP_MFG_CONFIG	"cca-platform-manufacturing-config"
#define JP_EXTENSION	"cca-platform-extension"
#define JP_TBB_ROTPK	"cca-platform-tbb-rotpk"
#define JP_PEER_SIGNERS	"cca-platform-peer-signers"

#define JS_TYPE		"measurement-type"
#define JS_MVAL		"measurement-value"
#define JS_VERSION	"version"
#define JS_SIGNER_ID	"signer-id"
#define JS_HASH_ALG	"measurement-description"

#define JR_PROFILE	"cca-realm-profile"
#define JR_CHALLENGE	"cca-realm-challenge"
#define JR_RPV		"cca-realm-personalization-value"
#define JR_RIM		"cca-realm-initial-measurement"
#define JR_REM		"cca-realm-extensible-measurements"
#define JR_HASH_ALG	"cca-realm-hash-algo-id"
#define JR_PUB_KEY	"cca-realm-public-key"
#define JR_PUB_KEY_HASH	"cca-realm-public-key-hash-algo-id"
#define JR_INSTANCE_ID	"cca-realm-instance-id"
#define JR_MEC_POLICY	"cca-realm-mec-policy"

static const char *const platform_members[] = {
	JP_PROFILE, JP_CHALLENGE, JP_IMPL_ID, JP_INST_ID, JP_CONFIG,
	JP_LIFECYCLE, JP_SW_COMPS, JP_VSI, JP_HASH_ALG, JP_CLIENT_ID,
	JP_MFG_CONFIG, JP_EXTENSION, JP_TBB_ROTPK, JP_PEER_SIGNERS,
};
static const char *const swc_members[] = {
	JS_TYPE, JS_MVAL, JS_VERSION, JS_SIGNER_ID, JS_HASH_ALG,
};
static const char *const realm_members[] = {
	JR_PROFILE, JR_CHALLENGE, JR_RPV, JR_RIM, JR_REM, JR_HASH_ALG,
	JR_PUB_KEY, JR_PUB_KEY_HASH, JR_INSTANCE_ID, JR_MEC_POLICY,
};
static const char *const top_members[] = { J_PLATFORM, J_REALM };

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct ccakit_claimset {
	struct ccakit_platform_claims platform;
	struct ccakit_realm_claims realm;
	uint8_t *pbuf;		/* encoded platform claims map (views) */
	size_t plen;
	uint8_t *rbuf;		/* encoded realm claims map (views) */
	size_t rlen;
};

/* --- claims to JSON --- */

/* Sticky-error builder over jansson objects. */
struct jb {
	int err;
};

static void
jb_set(struct jb *b, json_t *obj, const char *key, json_t *v)
{
	if (b->err != 0) {
		json_decref(v);
		return;
	}
	if (v == NULL || json_object_set_new(obj, key, v) != 0)
		b->err = CCAKIT_ERR_NOMEM;
}

static void
jb_append(struct jb *b, json_t *arr, json_t *v)
{
	if (b->err != 0) {
		json_decref(v);
		return;
	}
	if (v == NULL || json_array_append_new(arr, v) != 0)
		b->err = CCAKIT_ERR_NOMEM;
}

static json_t *
j_b64enc(struct ccakit_bytes v)
{
	size_t n = ccakit_b64_encoded_len(v.len, CCAKIT_B64_STD) + 1;
	json_t *s = NULL;
	char *t;

	if ((t = malloc(n)) == NULL)
		return NULL;
	if (ccakit_b64_encode(v.ptr, v.len, CCAKIT_B64_STD, t, n) ==
	    CCAKIT_OK)
		s = json_stringn(t, n - 1);
	free(t);
	return s;
}

/* Text claims were checked to be UTF-8 by the CBOR reader. */
static json_t *
j_text(struct ccakit_bytes v)
{
	return json_stringn(v.len > 0 ? (const char *)v.ptr : "", v.len);
}

static json_t *
platform_to_json(const struct ccakit_platform_claims *c, struct jb *b)
{
	const struct ccakit_sw_component *sw;
	json_t *o, *a, *so;
	size_t i;

	if ((o = json_object()) == NULL) {
		b->err = CCAKIT_ERR_NOMEM;
		return NULL;
	}
	jb_set(b, o, JP_PROFILE,
	    json_string(ccakit_platform_profile_str(c->profile)));
	jb_set(b, o, JP_CHALLENGE, j_b64enc(c->challenge));
	jb_set(b, o, JP_IMPL_ID, j_b64enc(c->impl_id));
	jb_set(b, o, JP_INST_ID, j_b64enc(c->inst_id));
	jb_set(b, o, JP_CONFIG, j_b64enc(c->config));
	jb_set(b, o, JP_LIFECYCLE, json_integer(c->lifecycle));
	jb_set(b, o, JP_SW_COMPS, a = json_array());
	for (i = 0; b->err == 0 && i < c->n_sw; i++) {
		sw = &c->sw[i];
		jb_append(b, a, so = json_object());
		if (b->err != 0)
			break;
		if (sw->present & CCAKIT_SWC_TYPE)
			jb_set(b, so, JS_TYPE, j_text(sw->type));
		jb_set(b, so, JS_MVAL, j_b64enc(sw->mval));
		if (sw->present & CCAKIT_SWC_VERSION)
			jb_set(b, so, JS_VERSION, j_text(sw->version));
		jb_set(b, so, JS_SIGNER_ID, j_b64enc(sw->signer_id));
		if (sw->present & CCAKIT_SWC_HASH_ALG)
			jb_set(b, so, JS_HASH_ALG, j_text(sw->hash_alg));
	}
	if (c->present & CCAKIT_PLAT_VSI)
		jb_set(b, o, JP_VSI, j_text(c->vsi));
	jb_set(b, o, JP_HASH_ALG, j_text(c->hash_alg));
	if (c->present & CCAKIT_PLAT_CLIENT_ID)
		jb_set(b, o, JP_CLIENT_ID, json_integer(c->client_id));
	if (c->present & CCAKIT_PLAT_MFG_CONFIG)
		jb_set(b, o, JP_MFG_CONFIG, j_b64enc(c->mfg_config));
	if (c->present & CCAKIT_PLAT_EXTENSION)
		jb_set(b, o, JP_EXTENSION, j_b64enc(c->extension));
	if (c->present & CCAKIT_PLAT_TBB_ROTPK)
		jb_set(b, o, JP_TBB_ROTPK, j_b64enc(c->tbb_rotpk));
	if (c->present & CCAKIT_PLAT_PEER_SIGNERS)
		jb_set(b, o, JP_PEER_SIGNERS, j_b64enc(c->peer_signers));
	return o;
}

static json_t *
realm_to_json(const struct ccakit_realm_claims *c, struct jb *b)
{
	const char *profile;
	json_t *o, *a;
	size_t i;

	if ((o = json_object()) == NULL) {
		b->err = CCAKIT_ERR_NOMEM;
		return NULL;
	}
	if ((profile = ccakit_realm_profile_str(c->profile)) != NULL)
		jb_set(b, o, JR_PROFILE, json_string(profile));
	jb_set(b, o, JR_CHALLENGE, j_b64enc(c->challenge));
	jb_set(b, o, JR_RPV, j_b64enc(c->rpv));
	jb_set(b, o, JR_RIM, j_b64enc(c->rim));
	jb_set(b, o, JR_REM, a = json_array());
	for (i = 0; b->err == 0 && i < CCAKIT_REM_COUNT; i++)
		jb_append(b, a, j_b64enc(c->rem[i]));
	jb_set(b, o, JR_HASH_ALG, j_text(c->hash_alg));
	jb_set(b, o, JR_PUB_KEY, j_b64enc(c->rak));
	jb_set(b, o, JR_PUB_KEY_HASH, j_text(c->rak_hash_alg));
	if (c->present & CCAKIT_REALM_INSTANCE_ID)
		jb_set(b, o, JR_INSTANCE_ID, j_b64enc(c->instance_id));
	if (c->present & CCAKIT_REALM_MEC_POLICY)
		jb_set(b, o, JR_MEC_POLICY,
		    json_string(c->mec_policy ? "private" : "shared"));
	return o;
}

int
cki_token_claims_json(const ccakit_token *t, json_t **out)
{
	const struct ccakit_platform_claims *pc;
	const struct ccakit_realm_claims *rc;
	struct jb b = { 0 };
	json_t *root = NULL;
	int r = CCAKIT_ERR_INTERNAL;

	if (t == NULL || out == NULL ||
	    (pc = ccakit_token_platform(t)) == NULL ||
	    (rc = ccakit_token_realm(t)) == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if ((root = json_object()) == NULL)
		return CCAKIT_ERR_NOMEM;
	jb_set(&b, root, J_PLATFORM, platform_to_json(pc, &b));
	jb_set(&b, root, J_REALM, realm_to_json(rc, &b));
	if ((r = b.err) != CCAKIT_OK)
		goto out;
	*out = root;
	root = NULL;
	r = CCAKIT_OK;
 out:
	json_decref(root);
	return r;
}

int
ccakit_token_to_json(const ccakit_token *t, char **out)
{
	json_t *root = NULL;
	char *s;
	int r = CCAKIT_ERR_INTERNAL;

	if (out == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	*out = NULL;
	if ((r = cki_token_claims_json(t, &root)) != CCAKIT_OK)
		return r;
	if ((s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) ==
	    NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	*out = s;
	r = CCAKIT_OK;
 out:
	json_decref(root);
	return r;
}

/* --- claims from JSON --- */

/*
 * Decoded base64 lives in one arena sized by the input, so that claim
 * views stay valid until the claims are encoded (no reallocation).
 */
struct arena {
	uint8_t *buf;
	size_t len;
	size_t cap;
};

/* Unknown members are refused: a misspelt optional claim would
 * otherwise vanish silently. */
static int
j_members(json_t *obj, const char *const *names, size_t n,
    const char *ctx, struct ccakit_errdetail *d)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(obj, key, v) {
		for (i = 0; i < n; i++)
			if (strcmp(key, names[i]) == 0)
				break;
		if (i == n)
			return cki_detail(d, CCAKIT_ERR_JSON, NULL,
			    "%s: unknown member \"%.64s\"", ctx, key);
	}
	return CCAKIT_OK;
}

/* Member lookup: *v NULL when absent and optional. */
static int
j_get(const json_t *obj, const char *name, bool required, json_t **v,
    struct ccakit_errdetail *d)
{
	*v = json_object_get(obj, name);
	if (*v == NULL && required)
		return cki_detail(d, CCAKIT_ERR_CLAIM_MISSING, name,
		    "missing claim: %s", name);
	return CCAKIT_OK;
}

static int
j_b64val(const json_t *v, const char *name, struct arena *a,
    struct ccakit_bytes *out, struct ccakit_errdetail *d)
{
	size_t n;

	if (!json_is_string(v))
		return cki_detail(d, CCAKIT_ERR_JSON, name,
		    "%s: expecting a base64 string", name);
	if (ccakit_b64_decode(json_string_value(v), json_string_length(v),
	    CCAKIT_B64_STD, a->buf + a->len, a->cap - a->len, &n) !=
	    CCAKIT_OK)
		return cki_detail(d, CCAKIT_ERR_ENCODING, name,
		    "%s: not padded standard base64", name);
	out->ptr = a->buf + a->len;
	out->len = n;
	a->len += n;
	return CCAKIT_OK;
}

/* A base64 member; returns CCAKIT_OK with *present false when absent. */
static int
j_b64(const json_t *obj, const char *name, bool required, struct arena *a,
    struct ccakit_bytes *out, bool *present, struct ccakit_errdetail *d)
{
	json_t *v;
	int r;

	*present = false;
	if ((r = j_get(obj, name, required, &v, d)) != CCAKIT_OK ||
	    v == NULL)
		return r;
	if ((r = j_b64val(v, name, a, out, d)) != CCAKIT_OK)
		return r;
	*present = true;
	return CCAKIT_OK;
}

/* A text member, viewed in place (the JSON tree outlives the views). */
static int
j_text_in(const json_t *obj, const char *name, bool required,
    struct ccakit_bytes *out, bool *present, struct ccakit_errdetail *d)
{
	json_t *v;
	int r;

	*present = false;
	if ((r = j_get(obj, name, required, &v, d)) != CCAKIT_OK ||
	    v == NULL)
		return r;
	if (!json_is_string(v))
		return cki_detail(d, CCAKIT_ERR_JSON, name,
		    "%s: expecting a string", name);
	out->ptr = (const uint8_t *)json_string_value(v);
	out->len = json_string_length(v);
	*present = true;
	return CCAKIT_OK;
}

static int
j_int(const json_t *obj, const char *name, bool required, json_int_t *out,
    bool *present, struct ccakit_errdetail *d)
{
	json_t *v;
	int r;

	*present = false;
	if ((r = j_get(obj, name, required, &v, d)) != CCAKIT_OK ||
	    v == NULL)
		return r;
	if (!json_is_integer(v))
		return cki_detail(d, CCAKIT_ERR_JSON, name,
		    "%s: expecting an integer", name);
	*out = json_integer_value(v);
	*present = true;
	return CCAKIT_OK;
}

static int
swc_from_json(json_t *o, size_t idx, struct arena *a,
    struct ccakit_sw_component *sw, struct ccakit_errdetail *d)
{
	bool have;
	int r;

	if (!json_is_object(o))
		return cki_detail(d, CCAKIT_ERR_JSON, JP_SW_COMPS,
		    "%s[%zu]: expecting an object", JP_SW_COMPS, idx);
	if ((r = j_members(o, swc_members, NELEM(swc_members), JP_SW_COMPS,
	    d)) != CCAKIT_OK)
		return r;
	if ((r = j_text_in(o, JS_TYPE, false, &sw->type, &have, d)) !=
	    CCAKIT_OK)
		return r;
	if (have)
		sw->present |= CCAKIT_SWC_TYPE;
	if ((r = j_b64(o, JS_MVAL, true, a, &sw->mval, &have, d)) !=
	    CCAKIT_OK)
		return r;
	if ((r = j_text_in(o, JS_VERSION, false, &sw->version, &have, d)) !=
	    CCAKIT_OK)
		return r;
	if (have)
		sw->present |= CCAKIT_SWC_VERSION;
	if ((r = j_b64(o, JS_SIGNER_ID, true, a, &sw->signer_id, &have,
	    d)) != CCAKIT_OK)
		return r;
	if ((r = j_text_in(o, JS_HASH_ALG, false, &sw->hash_alg, &have,
	    d)) != CCAKIT_OK)
		return r;
	if (have)
		sw->present |= CCAKIT_SWC_HASH_ALG;
	return CCAKIT_OK;
}

static const char *
platform_profile_name(int i)
{
	return ccakit_platform_profile_str((enum ccakit_platform_profile)i);
}

static const char *
realm_profile_name(int i)
{
	return ccakit_realm_profile_str((enum ccakit_realm_profile)i);
}

/*
 * A profile member: *p receives the i in [lo, hi] whose name(i) it is, or
 * -1 when the member is absent and optional.
 */
static int
j_profile(const json_t *o, const char *member, bool required,
    const char *(*name)(int), int lo, int hi, int *p,
    struct ccakit_errdetail *d)
{
	struct ccakit_bytes s;
	const char *n;
	bool have;
	int i, r;

	*p = -1;
	if ((r = j_text_in(o, member, required, &s, &have, d)) !=
	    CCAKIT_OK || !have)
		return r;
	for (i = lo; i <= hi; i++) {
		n = name(i);
		if (n != NULL && cki_bytes_eq(s, (const uint8_t *)n,
		    strlen(n))) {
			*p = i;
			return CCAKIT_OK;
		}
	}
	return cki_detail(d, CCAKIT_ERR_PROFILE_UNKNOWN, member,
	    "%s: \"%.64s\"", member, (const char *)s.ptr);
}

static int
platform_from_json(json_t *o, struct arena *a,
    struct ccakit_platform_claims *c, struct ccakit_errdetail *d)
{
	json_t *sw;
	json_int_t iv = 0;
	bool have;
	size_t i;
	int profile, r;

	if (!json_is_object(o))
		return cki_detail(d, CCAKIT_ERR_JSON, J_PLATFORM,
		    "%s: expecting an object", J_PLATFORM);
	if ((r = j_members(o, platform_members, NELEM(platform_members),
	    J_PLATFORM, d)) != CCAKIT_OK)
		return r;
	if ((r = j_profile(o, JP_PROFILE, true, platform_profile_name,
	    CCAKIT_PLATFORM_LEGACY, CCAKIT_PLATFORM_2024, &profile, d)) !=
	    CCAKIT_OK)
		return r;
	c->profile = (enum ccakit_platform_profile)profile;
	if ((r = j_b64(o, JP_CHALLENGE, true, a, &c->challenge, &have,
	    d)) != CCAKIT_OK ||
	    (r = j_b64(o, JP_IMPL_ID, true, a, &c->impl_id, &have, d)) !=
	    CCAKIT_OK ||
	    (r = j_b64(o, JP_INST_ID, true, a, &c->inst_id, &have, d)) !=
	    CCAKIT_OK ||
	    (r = j_b64(o, JP_CONFIG, true, a, &c->config, &have, d)) !=
	    CCAKIT_OK ||
	    (r = j_int(o, JP_LIFECYCLE, true, &iv, &have, d)) != CCAKIT_OK)
		return r;
	if (iv < 0 || iv > UINT16_MAX)
		return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE, JP_LIFECYCLE,
		    "%s: %lld out of range", JP_LIFECYCLE, (long long)iv);
	c->lifecycle = (uint16_t)iv;

	if ((r = j_get(o, JP_SW_COMPS, true, &sw, d)) != CCAKIT_OK)
		return r;
	if (!json_is_array(sw))
		return cki_detail(d, CCAKIT_ERR_JSON, JP_SW_COMPS,
		    "%s: expecting an array", JP_SW_COMPS);
	c->n_sw = json_array_size(sw);
	if (c->n_sw == 0 || c->n_sw > CCAKIT_MAX_SW_COMPONENTS)
		return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE, JP_SW_COMPS,
		    "%s: %zu components, expecting 1 to %d", JP_SW_COMPS,
		    c->n_sw, CCAKIT_MAX_SW_COMPONENTS);
	for (i = 0; i < c->n_sw; i++)
		if ((r = swc_from_json(json_array_get(sw, i), i, a, &c->sw[i],
		    d)) != CCAKIT_OK)
			return r;

	if ((r = j_text_in(o, JP_VSI, false, &c->vsi, &have, d)) !=
	    CCAKIT_OK)
		return r;
	if (have)
		c->present |= CCAKIT_PLAT_VSI;
	if ((r = j_text_in(o, JP_HASH_ALG, true, &c->hash_alg, &have, d)) !=
	    CCAKIT_OK)
		return r;

	/* 2024 profile claims; the round trip refuses them elsewhere. */
	if ((r = j_int(o, JP_CLIENT_ID, false, &iv, &have, d)) != CCAKIT_OK)
		return r;
	if (have) {
		c->client_id = (int64_t)iv;
		c->present |= CCAKIT_PLAT_CLIENT_ID;
	}
	if ((r = j_b64(o, JP_MFG_CONFIG, false, a, &c->mfg_config, &have,
	    d)) != CCAKIT_OK)
		return r;
	if (have)
		c->present |= CCAKIT_PLAT_MFG_CONFIG;
	if ((r = j_b64(o, JP_EXTENSION, false, a, &c->extension, &have,
	    d)) != CCAKIT_OK)
		return r;
	if (have)
		c->present |= CCAKIT_PLAT_EXTENSION;
	if ((r = j_b64(o, JP_TBB_ROTPK, false, a, &c->tbb_rotpk, &have,
	    d)) != CCAKIT_OK)
		return r;
	if (have)
		c->present |= CCAKIT_PLAT_TBB_ROTPK;
	if ((r = j_b64(o, JP_PEER_SIGNERS, false, a, &c->peer_signers,
	    &have, d)) != CCAKIT_OK)
		return r;
	if (have)
		c->present |= CCAKIT_PLAT_PEER_SIGNERS;
	return CCAKIT_OK;
}

static int
realm_from_json(json_t *o, struct arena *a,
    struct ccakit_realm_claims *c, struct ccakit_errdetail *d)
{
	struct ccakit_bytes mec;
	json_t *rem;
	bool have;
	size_t i;
	int profile, r;

	if (!json_is_object(o))
		return cki_detail(d, CCAKIT_ERR_JSON, J_REALM,
		    "%s: expecting an object", J_REALM);
	if ((r = j_members(o, realm_members, NELEM(realm_members), J_REALM,
	    d)) != CCAKIT_OK)
		return r;
	if ((r = j_profile(o, JR_PROFILE, false, realm_profile_name,
	    CCAKIT_REALM_2023, CCAKIT_REALM_2024, &profile, d)) != CCAKIT_OK)
		return r;
	/* No profile claim is the legacy realm token, as in CBOR. */
	c->profile = profile < 0 ? CCAKIT_REALM_LEGACY :
	    (enum ccakit_realm_profile)profile;
	if ((r = j_b64(o, JR_CHALLENGE, true, a, &c->challenge, &have,
	    d)) != CCAKIT_OK ||
	    (r = j_b64(o, JR_RPV, true, a, &c->rpv, &have, d)) !=
	    CCAKIT_OK ||
	    (r = j_b64(o, JR_RIM, true, a, &c->rim, &have, d)) != CCAKIT_OK)
		return r;
	if ((r = j_get(o, JR_REM, true, &rem, d)) != CCAKIT_OK)
		return r;
	if (!json_is_array(rem))
		return cki_detail(d, CCAKIT_ERR_JSON, JR_REM,
		    "%s: expecting an array", JR_REM);
	if (json_array_size(rem) != CCAKIT_REM_COUNT)
		return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE, JR_REM,
		    "%s: %zu entries, expecting %d", JR_REM,
		    json_array_size(rem), CCAKIT_REM_COUNT);
	for (i = 0; i < CCAKIT_REM_COUNT; i++)
		if ((r = j_b64val(json_array_get(rem, i), JR_REM, a,
		    &c->rem[i], d)) != CCAKIT_OK)
			return r;
	/* The public key is required although `create` replaces it. */
	if ((r = j_text_in(o, JR_HASH_ALG, true, &c->hash_alg, &have, d)) !=
	    CCAKIT_OK ||
	    (r = j_b64(o, JR_PUB_KEY, true, a, &c->rak, &have, d)) !=
	    CCAKIT_OK ||
	    (r = j_text_in(o, JR_PUB_KEY_HASH, true, &c->rak_hash_alg,
	    &have, d)) != CCAKIT_OK)
		return r;

	if ((r = j_b64(o, JR_INSTANCE_ID, false, a, &c->instance_id, &have,
	    d)) != CCAKIT_OK)
		return r;
	if (have)
		c->present |= CCAKIT_REALM_INSTANCE_ID;
	if ((r = j_text_in(o, JR_MEC_POLICY, false, &mec, &have, d)) !=
	    CCAKIT_OK)
		return r;
	if (have) {
		if (cki_bytes_eq(mec, (const uint8_t *)"private", 7))
			c->mec_policy = 1;
		else if (cki_bytes_eq(mec, (const uint8_t *)"shared", 6))
			c->mec_policy = 0;
		else
			return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE,
			    JR_MEC_POLICY, "%s: expecting \"private\" or "
			    "\"shared\"", JR_MEC_POLICY);
		c->present |= CCAKIT_REALM_MEC_POLICY;
	}
	return CCAKIT_OK;
}

/* ccakit_platform_claims_encode or ccakit_realm_claims_encode. */
typedef int claims_encode_fn(const void *in, uint8_t *out, size_t outsz,
    size_t *outlen);

static int
platform_encode(const void *in, uint8_t *out, size_t outsz, size_t *outlen)
{
	return ccakit_platform_claims_encode(in, out, outsz, outlen);
}

static int
realm_encode(const void *in, uint8_t *out, size_t outsz, size_t *outlen)
{
	return ccakit_realm_claims_encode(in, out, outsz, outlen);
}

/*
 * Encode claims into a fresh buffer of the exact size. Encoder refusals
 * are bad claim values; what names the claims in the detail.
 */
static int
encode_alloc(claims_encode_fn *encode, const void *in, const char *what,
    uint8_t **buf, size_t *len, struct ccakit_errdetail *d)
{
	uint8_t *b = NULL;
	size_t n = 0;
	int r = CCAKIT_ERR_INTERNAL;

	if ((r = encode(in, NULL, 0, &n)) != CCAKIT_OK) {
		r = cki_detail(d, r == CCAKIT_ERR_INVALID_ARG ?
		    CCAKIT_ERR_CLAIM_VALUE : r, NULL,
		    "%s cannot be encoded", what);
		goto out;
	}
	if (n > CCAKIT_TOKEN_MAX_SIZE) {
		r = cki_detail(d, CCAKIT_ERR_TOO_LARGE, NULL,
		    "%s: %zu bytes", what, n);
		goto out;
	}
	if ((b = malloc(n)) == NULL) {
		r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		goto out;
	}
	if ((r = encode(in, b, n, &n)) != CCAKIT_OK) {
		r = cki_detail(d, r, NULL, "%s: encoding", what);
		goto out;
	}
	*buf = b;
	*len = n;
	b = NULL;
	r = CCAKIT_OK;
 out:
	free(b);
	return r;
}

/*
 * Encode the built claims and decode them from the encoding: the decoder
 * is the one place where claim values are judged. A member the profile
 * does not define is dropped by the encoder, and so refused here.
 */
static int
platform_roundtrip(const struct ccakit_platform_claims *in, uint8_t **buf,
    size_t *len, struct ccakit_platform_claims *out,
    struct ccakit_errdetail *d)
{
	uint8_t *b = NULL;
	size_t n = 0;
	int r = CCAKIT_ERR_INTERNAL;

	if ((r = encode_alloc(platform_encode, in, "platform claims", &b, &n,
	    d)) != CCAKIT_OK)
		goto out;
	if ((r = ccakit_platform_claims_decode(b, n, out, d)) != CCAKIT_OK)
		goto out;
	if ((in->present & ~out->present) != 0) {
		r = cki_detail(d, CCAKIT_ERR_CLAIM_VALUE, NULL,
		    "platform claims not defined by profile %s",
		    ccakit_platform_profile_str(in->profile));
		goto out;
	}
	*buf = b;
	*len = n;
	b = NULL;
	r = CCAKIT_OK;
 out:
	free(b);
	return r;
}

static int
realm_roundtrip(const struct ccakit_realm_claims *in, uint8_t **buf,
    size_t *len, struct ccakit_realm_claims *out, struct ccakit_errdetail *d)
{
	uint8_t *b = NULL;
	size_t n = 0;
	int r = CCAKIT_ERR_INTERNAL;

	if ((r = encode_alloc(realm_encode, in, "realm claims", &b, &n, d)) !=
	    CCAKIT_OK)
		goto out;
	if ((r = ccakit_realm_claims_decode(b, n, out, d)) != CCAKIT_OK)
		goto out;
	if ((in->present & ~out->present) != 0) {
		r = cki_detail(d, CCAKIT_ERR_CLAIM_VALUE, NULL,
		    "realm claims not defined by %s",
		    in->profile == CCAKIT_REALM_LEGACY ? "the legacy profile" :
		    ccakit_realm_profile_str(in->profile));
		goto out;
	}
	*buf = b;
	*len = n;
	b = NULL;
	r = CCAKIT_OK;
 out:
	free(b);
	return r;
}

ccakit_claimset *
ccakit_claimset_new(void)
{
	return calloc(1, sizeof(ccakit_claimset));
}

void
ccakit_claimset_free(ccakit_claimset **cp)
{
	ccakit_claimset *c;

	if (cp == NULL || (c = *cp) == NULL)
		return;
	free(c->pbuf);
	free(c->rbuf);
	free(c);
	*cp = NULL;
}

const struct ccakit_platform_claims *
ccakit_claimset_platform(const ccakit_claimset *c)
{
	return (c == NULL || c->pbuf == NULL) ? NULL : &c->platform;
}

const struct ccakit_realm_claims *
ccakit_claimset_realm(const ccakit_claimset *c)
{
	return (c == NULL || c->rbuf == NULL) ? NULL : &c->realm;
}

int
ccakit_claimset_from_json(ccakit_claimset *c, const char *json, size_t len,
    struct ccakit_errdetail *d)
{
	struct work {
		struct ccakit_platform_claims pin, pout;
		struct ccakit_realm_claims rin, rout;
	} *w = NULL;
	struct arena a = { NULL, 0, 0 };
	json_error_t jerr;
	json_t *root = NULL;
	json_t *po, *ro;
	uint8_t *pbuf = NULL, *rbuf = NULL;
	size_t plen = 0, rlen = 0;
	int r = CCAKIT_ERR_INTERNAL;

	if (c == NULL || (json == NULL && len > 0)) {
		r = cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
		goto out;
	}
	if (len > CKI_CLAIMS_JSON_MAX) {
		r = cki_detail(d, CCAKIT_ERR_TOO_LARGE, NULL,
		    "%zu bytes, at most %d", len, CKI_CLAIMS_JSON_MAX);
		goto out;
	}
	if ((root = json_loadb(json != NULL ? json : "", len,
	    JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		r = cki_detail(d, CCAKIT_ERR_JSON, NULL,
		    "line %d column %d: %s", jerr.line, jerr.column,
		    jerr.text);
		goto out;
	}
	if (!json_is_object(root)) {
		r = cki_detail(d, CCAKIT_ERR_JSON, NULL,
		    "expecting an object with %s and %s", J_PLATFORM,
		    J_REALM);
		goto out;
	}
	if ((r = j_members(root, top_members, NELEM(top_members), "claims",
	    d)) != CCAKIT_OK)
		goto out;
	if ((r = j_get(root, J_PLATFORM, true, &po, d)) != CCAKIT_OK ||
	    (r = j_get(root, J_REALM, true, &ro, d)) != CCAKIT_OK)
		goto out;
	/* Decoded base64 is shorter than the text it comes from. */
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (a.buf = malloc(len > 0 ? len : 1)) == NULL) {
		r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		goto out;
	}
	a.cap = len;
	if ((r = platform_from_json(po, &a, &w->pin, d)) != CCAKIT_OK ||
	    (r = realm_from_json(ro, &a, &w->rin, d)) != CCAKIT_OK)
		goto out;
	if ((r = platform_roundtrip(&w->pin, &pbuf, &plen, &w->pout, d)) !=
	    CCAKIT_OK ||
	    (r = realm_roundtrip(&w->rin, &rbuf, &rlen, &w->rout, d)) !=
	    CCAKIT_OK)
		goto out;

	/* The views in pout/rout point into pbuf/rbuf, which move over. */
	free(c->pbuf);
	free(c->rbuf);
	c->platform = w->pout;
	c->realm = w->rout;
	c->pbuf = pbuf;
	c->plen = plen;
	c->rbuf = rbuf;
	c->rlen = rlen;
	pbuf = rbuf = NULL;
	r = CCAKIT_OK;
 out:
	free(pbuf);
	free(rbuf);
	free(a.buf);
	free(w);
	json_decref(root);
	return r;
}
