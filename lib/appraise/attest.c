/*
 * The embedded verifier: CCA evidence -> EAR, in the shape of Veraison
 * services' ARM_CCA scheme (scheme/arm-cca: AppraisePlatform,
 * AppraiseRealm; vts GetAttestation for the failure form). The tables
 * are in include/ccakit/appraise.h and docs/keybroker.md.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <ccakit/appraise.h>
#include <ccakit/bytes.h>
#include <ccakit/ear.h>
#include <ccakit/err.h>
#include <ccakit/store.h>
#include <ccakit/token.h>
#include <ccakit/tv.h>
#include <ccakit/version.h>

#include "ear/ear_priv.h"
#include "json/json_priv.h"
#include "util/util.h"

#define AE_PLATFORM	"cca-platform-token"
#define AE_REALM	"cca-realm-delegated-token"
#define AE_EVIDENCE	"ear.veraison.annotated-evidence"
#define AE_CLAIMS	"ear.veraison.policy-claims"

/* Lifecycle states in which the platform's secrets are protected. */
static bool
lifecycle_secured(uint16_t lc)
{
	/* secured, non-CCA-platform-debug (RMM §A7.2.3.2.5) */
	return (lc >= 0x3000 && lc <= 0x30ff) || (lc >= 0x4000 && lc <= 0x40ff);
}

static bool
bytes_eq(struct ccakit_bytes a, const uint8_t *b, size_t blen)
{
	return a.len == blen && (blen == 0 || memcmp(a.ptr, b, blen) == 0);
}

static bool
text_eq(struct ccakit_bytes a, const char *s)
{
	return bytes_eq(a, (const uint8_t *)s, strlen(s));
}

/* A token component against one reference component (RV fields that
 * are absent match anything; signer-ids of CoRIM reference values are
 * not compared, as Veraison does not: store.h). */
static bool
swc_match(const struct ccakit_sw_component *c,
    const struct ccakit_rv_sw_component *rv, enum ccakit_rv_match m)
{
	if (!bytes_eq(c->mval, rv->mval.b, rv->mval.len))
		return false;
	if (rv->signer_id.len > 0 && m != CCAKIT_RV_MATCH_CORIM &&
	    !bytes_eq(c->signer_id, rv->signer_id.b, rv->signer_id.len))
		return false;
	if (rv->type != NULL &&
	    (!(c->present & CCAKIT_SWC_TYPE) || !text_eq(c->type, rv->type)))
		return false;
	if (rv->version != NULL && (!(c->present & CCAKIT_SWC_VERSION) ||
	    !text_eq(c->version, rv->version)))
		return false;
	return true;
}

/* Every component of the token is among the RV's (in any order). */
static bool
sw_covered(const struct ccakit_platform_claims *pc,
    const struct ccakit_platform_rv *rv)
{
	size_t i, j;

	for (i = 0; i < pc->n_sw; i++) {
		for (j = 0; j < rv->n_sw; j++)
			if (swc_match(&pc->sw[i], &rv->sw[j], rv->match))
				break;
		if (j == rv->n_sw)
			return false;
	}
	return true;
}

static void
appraise_platform(const struct ccakit_platform_claims *pc,
    const ccakit_rv_store *rvs, struct ccakit_tv *tv)
{
	const struct ccakit_platform_rv *rv;
	bool cfg = false, exe = false;
	int8_t v;
	size_t i;

	ccakit_tv_clear(tv);
	/* The CPAK is a trust anchor and its signature verified. */
	ccakit_tv_set(tv, CCAKIT_TV_HARDWARE, CCAKIT_AR_GENUINE_HARDWARE);
	v = lifecycle_secured(pc->lifecycle) ? 2 : 96;
	ccakit_tv_set(tv, CCAKIT_TV_INSTANCE_IDENTITY, v);
	ccakit_tv_set(tv, CCAKIT_TV_RUNTIME_OPAQUE, v);
	ccakit_tv_set(tv, CCAKIT_TV_STORAGE_OPAQUE, v);

	/* No platform reference values at all: nothing more to claim. */
	if (rvs == NULL || ccakit_rv_store_platform_count(rvs) == 0)
		return;
	for (i = 0; (rv = ccakit_rv_store_platform(rvs, pc->impl_id.ptr,
	    i)) != NULL; i++) {
		/* A CoRIM entry without configuration: legacy Veraison
		 * accepted any, current Veraison none. */
		if (rv->no_config ? rv->match == CCAKIT_RV_MATCH_CORIM_LEGACY :
		    bytes_eq(pc->config, rv->config, rv->config_len))
			cfg = true;
		if (sw_covered(pc, rv))
			exe = true;
	}
	ccakit_tv_set(tv, CCAKIT_TV_CONFIGURATION, cfg ?
	    CCAKIT_AR_APPROVED_CONFIG : CCAKIT_AR_UNSAFE_CONFIG);
	ccakit_tv_set(tv, CCAKIT_TV_EXECUTABLES, exe ?
	    CCAKIT_AR_APPROVED_RUNTIME : CCAKIT_AR_UNRECOGNIZED_RUNTIME);
}

/* The realm's executables claim for one RV with the token's RIM. */
static int8_t
realm_rv_claim(const struct ccakit_realm_claims *rc,
    const struct ccakit_realm_rv *rv)
{
	size_t k;

	if (rv->has_rpv && !bytes_eq(rc->rpv, rv->rpv, sizeof(rv->rpv)))
		return CCAKIT_AR_CONTRAINDICATED_RUNTIME;
	for (k = 0; k < rv->n_rem && k < CCAKIT_REM_COUNT; k++)
		if (rv->rem[k].len > 0 &&
		    !bytes_eq(rc->rem[k], rv->rem[k].b, rv->rem[k].len))
			return CCAKIT_AR_APPROVED_BOOT;
	return CCAKIT_AR_APPROVED_RUNTIME;
}

/* Rank of an executables value: lower is better. */
static int
exe_rank(int8_t v)
{
	switch (v) {
	case CCAKIT_AR_APPROVED_RUNTIME:
		return 0;
	case CCAKIT_AR_APPROVED_BOOT:
		return 1;
	default:
		return 2;
	}
}

static void
appraise_realm(const struct ccakit_realm_claims *rc,
    const ccakit_rv_store *rvs, struct ccakit_tv *tv)
{
	const struct ccakit_realm_rv *rv;
	int8_t best = CCAKIT_AR_UNRECOGNIZED_RUNTIME, v;
	bool found = false;
	size_t i;

	ccakit_tv_clear(tv);
	/* The RAK signature and its binding to the platform verified. */
	ccakit_tv_set(tv, CCAKIT_TV_INSTANCE_IDENTITY,
	    CCAKIT_AR_TRUSTWORTHY_INSTANCE);
	for (i = 0; rvs != NULL && (rv = ccakit_rv_store_realm(rvs,
	    rc->rim.ptr, rc->rim.len, i)) != NULL; i++) {
		v = realm_rv_claim(rc, rv);
		if (!found || exe_rank(v) < exe_rank(best))
			best = v;
		found = true;
	}
	ccakit_tv_set(tv, CCAKIT_TV_EXECUTABLES, best);
}

static int
add_submod(ccakit_ear *e, const char *name, const struct ccakit_tv *tv,
    const char *policy_id)
{
	int r;

	if ((r = ccakit_ear_add_submod(e, name)) != CCAKIT_OK ||
	    (r = ccakit_ear_submod_set_tv(e, name, tv)) != CCAKIT_OK ||
	    (r = ccakit_ear_submod_set_status(e, name,
	    ccakit_tv_tier(tv))) != CCAKIT_OK ||
	    (r = ccakit_ear_submod_set_policy_id(e, name, policy_id)) !=
	    CCAKIT_OK)
		return r;
	return CCAKIT_OK;
}

/* Veraison's form for evidence that cannot be verified. */
static int
failure_ear(ccakit_ear *e, const char *policy_id, const char *problem)
{
	struct ccakit_tv tv;
	json_t *pc;
	int r;

	ccakit_tv_set_all(&tv, CCAKIT_AR_CRYPTO_FAILED);
	if ((r = add_submod(e, CCAKIT_EAR_SUBMOD_ARM_CCA, &tv, policy_id)) !=
	    CCAKIT_OK)
		return r;
	/* json_pack fails on invalid UTF-8: the text is ours, ASCII. */
	if ((pc = json_pack("{s:s}", "problem", problem)) == NULL)
		return CCAKIT_ERR_NOMEM;
	return cki_ear_submod_set_object(e, CCAKIT_EAR_SUBMOD_ARM_CCA,
	    AE_CLAIMS, pc);
}

/*
 * Whether a string in v holds U+0000. The claims used to reach the EAR
 * through JSON text, which jansson reads back only without it: such a
 * text claim stays an error, as it was.
 */
static bool
has_nul(const json_t *v)
{
	const char *key;
	const json_t *m;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return memchr(json_string_value(v), '\0',
		    json_string_length(v)) != NULL;
	case JSON_ARRAY:
		for (i = 0; i < json_array_size(v); i++)
			if (has_nul(json_array_get(v, i)))
				return true;
		return false;
	case JSON_OBJECT:
		json_object_foreach((json_t *)(uintptr_t)v, key, m)
			if (has_nul(m))
				return true;
		return false;
	default:
		return false;
	}
}

/* The token's claims in Veraison's names, one object per submod. */
static int
annotate(ccakit_ear *e, const ccakit_token *t)
{
	static const struct {
		const char *member;
		const char *submod;
	} parts[] = {
		{ AE_PLATFORM, CCAKIT_EAR_SUBMOD_PLATFORM },
		{ AE_REALM, CCAKIT_EAR_SUBMOD_REALM },
	};
	json_t *root = NULL, *o;
	size_t i;
	int r = CCAKIT_ERR_INTERNAL;

	if ((r = cki_token_claims_json(t, &root)) != CCAKIT_OK)
		return r;
	if (has_nul(root)) {
		r = CCAKIT_ERR_INTERNAL;
		goto out;
	}
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if ((o = json_object_get(root, parts[i].member)) == NULL) {
			r = CCAKIT_ERR_INTERNAL;
			goto out;
		}
		if ((r = cki_ear_submod_set_object(e, parts[i].submod,
		    AE_EVIDENCE, json_incref(o))) != CCAKIT_OK)
			goto out;
	}
	r = CCAKIT_OK;
out:
	json_decref(root);
	return r;
}

static int
header(ccakit_ear *e, const uint8_t *evidence, size_t len,
    const struct ccakit_attest_opts *o)
{
	char build[64];
	int64_t iat;
	int r;

	iat = o->iat != 0 ? o->iat : (int64_t)time(NULL);
	if (o->build == NULL)
		(void)snprintf(build, sizeof(build), "ccakit %s",
		    CCAKIT_VERSION);
	if ((r = ccakit_ear_set_iat(e, iat)) != CCAKIT_OK ||
	    (r = ccakit_ear_set_verifier_id(e, o->build != NULL ? o->build :
	    build, o->developer != NULL ? o->developer :
	    CCAKIT_ATTEST_DEVELOPER)) != CCAKIT_OK)
		return r;
	if (o->nonce != NULL &&
	    (r = ccakit_ear_set_nonce(e, o->nonce, o->nonce_len)) != CCAKIT_OK)
		return r;
	if ((o->flags & CCAKIT_ATTEST_RAW_EVIDENCE) &&
	    (r = ccakit_ear_set_raw_evidence(e, evidence, len)) != CCAKIT_OK)
		return r;
	return CCAKIT_OK;
}

int
ccakit_attest_cca(const uint8_t *evidence, size_t len,
    const ccakit_ta_store *tas, const ccakit_rv_store *rvs,
    const struct ccakit_attest_opts *opts, ccakit_ear **out,
    struct ccakit_errdetail *why)
{
	struct ccakit_attest_opts o;
	struct ccakit_verify_opts vo;
	struct ccakit_verify_result vr;
	struct ccakit_errdetail vd;
	struct ccakit_tv ptv, rtv;
	const char *policy_id;
	ccakit_token *t = NULL;
	ccakit_ear *e = NULL;
	int r = CCAKIT_ERR_INTERNAL, verdict;

	if (out != NULL)
		*out = NULL;
	memset(&o, 0, sizeof(o));
	if (opts != NULL)
		o = *opts;
	if (evidence == NULL || tas == NULL || out == NULL ||
	    (o.nonce != NULL && (o.nonce_len == 0 || o.nonce_len > 64)) ||
	    o.iat < 0 || (o.flags & ~CCAKIT_ATTEST_RAW_EVIDENCE))
		return cki_detail(why, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (len > CCAKIT_TOKEN_MAX_SIZE)
		return cki_detail(why, CCAKIT_ERR_TOO_LARGE, "evidence",
		    "evidence larger than %d bytes", CCAKIT_TOKEN_MAX_SIZE);
	policy_id = o.policy_id != NULL ? o.policy_id :
	    CCAKIT_ATTEST_POLICY_ID;

	if ((e = ccakit_ear_new()) == NULL || (t = ccakit_token_new()) ==
	    NULL) {
		r = cki_detail(why, CCAKIT_ERR_NOMEM, NULL, NULL);
		goto out;
	}
	if ((r = header(e, evidence, len, &o)) != CCAKIT_OK) {
		r = cki_detail(why, r, NULL, "cannot build the EAR");
		goto out;
	}

	memset(&vd, 0, sizeof(vd));
	memset(&vo, 0, sizeof(vo));
	vo.challenge = o.nonce;
	vo.challenge_len = o.nonce_len;
	vo.platform_cache = o.platform_cache;
	if ((verdict = ccakit_token_decode(t, evidence, len, &vd)) ==
	    CCAKIT_OK)
		verdict = ccakit_token_verify(t, tas, &vo, &vr, &vd);
	if (verdict != CCAKIT_OK) {
		if (vd.code == CCAKIT_OK) {
			vd.code = verdict;
			vd.what = NULL;
			(void)snprintf(vd.text, sizeof(vd.text), "%s",
			    ccakit_strerror(verdict));
		}
		if ((r = failure_ear(e, policy_id, vd.text[0] != '\0' ?
		    vd.text : ccakit_strerror(verdict))) != CCAKIT_OK) {
			r = cki_detail(why, r, NULL, "cannot build the EAR");
			goto out;
		}
	} else {
		appraise_platform(ccakit_token_platform(t), rvs, &ptv);
		appraise_realm(ccakit_token_realm(t), rvs, &rtv);
		if ((r = add_submod(e, CCAKIT_EAR_SUBMOD_PLATFORM, &ptv,
		    policy_id)) != CCAKIT_OK ||
		    (r = add_submod(e, CCAKIT_EAR_SUBMOD_REALM, &rtv,
		    policy_id)) != CCAKIT_OK ||
		    (r = annotate(e, t)) != CCAKIT_OK) {
			r = cki_detail(why, r, NULL, "cannot build the EAR");
			goto out;
		}
		memset(&vd, 0, sizeof(vd));
	}
	if (why != NULL)
		*why = vd;
	*out = e;
	e = NULL;
	r = CCAKIT_OK;
out:
	ccakit_token_free(&t);
	ccakit_ear_free(&e);
	return r;
}
