/*
 * Appraisal against reference values (no cryptography).
 *
 * Platform: exactly rust-ccatoken's Evidence::appraise_platform.
 * Realm: Veraison services' semantics (RIM, then RPV, then REMs) instead
 * of rust-ccatoken's, which never compares the RPV, cannot reach
 * "approved boot" and reports the non-AR4SI value -97 for an unknown RIM
 * (docs/strictness.md).
 */
#include <string.h>

#include <ccakit/appraise.h>
#include <ccakit/err.h>
#include <ccakit/store.h>
#include <ccakit/token.h>
#include <ccakit/tv.h>

#include "util/util.h"

static bool
rv_bytes_eq(const struct ccakit_rv_bytes *rv, struct ccakit_bytes b)
{
	return cki_bytes_eq(b, rv->b, rv->len) != 0;
}

/* An RV text member, when given, must equal the token's (present) one. */
static bool
rv_text_ok(const char *rv, bool present, struct ccakit_bytes b)
{
	if (rv == NULL)
		return true;
	return present && cki_bytes_eq(b, (const uint8_t *)rv, strlen(rv));
}

/* A software component against a CoRIM reference value (CORIM modes). */
static bool
corim_swc_matches(const struct ccakit_rv_sw_component *r,
    const struct ccakit_sw_component *s, enum ccakit_rv_match m)
{
	return rv_bytes_eq(&r->mval, s->mval) &&
	    rv_text_ok(r->type, (s->present & CCAKIT_SWC_TYPE) != 0,
	    s->type) &&
	    rv_text_ok(r->version, (s->present & CCAKIT_SWC_VERSION) != 0,
	    s->version) &&
	    (m != CCAKIT_RV_MATCH_CORIM_LEGACY || r->signer_id.len == 0 ||
	    rv_bytes_eq(&r->signer_id, s->signer_id));
}

/*
 * Veraison's matching of CoRIM reference values (store.h): every
 * component of the token is one of the entry's; the configuration is
 * the entry's (legacy: when the entry has one).
 */
static bool
corim_rv_matches(const struct ccakit_platform_rv *rv,
    const struct ccakit_platform_claims *pc)
{
	size_t i, k;

	if (rv->no_config) {
		if (rv->match != CCAKIT_RV_MATCH_CORIM_LEGACY)
			return false;
	} else if (!cki_bytes_eq(pc->config, rv->config, rv->config_len))
		return false;
	for (i = 0; i < pc->n_sw; i++) {
		for (k = 0; k < rv->n_sw; k++)
			if (corim_swc_matches(&rv->sw[k], &pc->sw[i],
			    rv->match))
				break;
		if (k == rv->n_sw)
			return false;
	}
	return true;
}

static bool
platform_rv_matches(const struct ccakit_platform_rv *rv,
    const struct ccakit_platform_claims *pc)
{
	const struct ccakit_rv_sw_component *r;
	const struct ccakit_sw_component *s;
	size_t i;

	if (rv->match != CCAKIT_RV_MATCH_TOKEN)
		return corim_rv_matches(rv, pc);
	if (!cki_bytes_eq(pc->config, rv->config, rv->config_len))
		return false;
	if (rv->n_sw != pc->n_sw)
		return false;
	for (i = 0; i < pc->n_sw; i++) {
		r = &rv->sw[i];
		s = &pc->sw[i];
		if (!rv_bytes_eq(&r->mval, s->mval) ||
		    !rv_bytes_eq(&r->signer_id, s->signer_id) ||
		    !rv_text_ok(r->type, (s->present & CCAKIT_SWC_TYPE) != 0,
		    s->type) ||
		    !rv_text_ok(r->version,
		    (s->present & CCAKIT_SWC_VERSION) != 0, s->version))
			return false;
	}
	return true;
}

static bool
appraise_platform(const struct ccakit_platform_claims *pc,
    const ccakit_rv_store *rvs,
    struct ccakit_tv *tv)
{
	const struct ccakit_platform_rv *rv;
	size_t i;

	for (i = 0; (rv = ccakit_rv_store_platform(rvs,
	    pc->impl_id.ptr, i)) != NULL; i++) {
		if (!platform_rv_matches(rv, pc))
			continue;
		ccakit_tv_set(tv, CCAKIT_TV_INSTANCE_IDENTITY,
		    CCAKIT_AR_TRUSTWORTHY_INSTANCE);
		ccakit_tv_set(tv, CCAKIT_TV_CONFIGURATION,
		    CCAKIT_AR_APPROVED_CONFIG);
		ccakit_tv_set(tv, CCAKIT_TV_EXECUTABLES,
		    CCAKIT_AR_APPROVED_BOOT);
		ccakit_tv_set(tv, CCAKIT_TV_HARDWARE,
		    CCAKIT_AR_GENUINE_HARDWARE);
		ccakit_tv_set(tv, CCAKIT_TV_RUNTIME_OPAQUE,
		    CCAKIT_AR_ISOLATED_MEMORY);
		return true;
	}
	ccakit_tv_set(tv, CCAKIT_TV_HARDWARE, CCAKIT_AR_UNRECOGNIZED_HARDWARE);
	return false;
}

static bool
rems_match(const struct ccakit_realm_rv *rv,
    const struct ccakit_realm_claims *rc)
{
	size_t i;

	if (rv->n_rem == 0)
		return true;
	if (rv->n_rem != CCAKIT_REM_COUNT)
		return false;
	/* A REM of length 0 is not endorsed: not compared. */
	for (i = 0; i < CCAKIT_REM_COUNT; i++)
		if (rv->rem[i].len != 0 && !rv_bytes_eq(&rv->rem[i],
		    rc->rem[i]))
			return false;
	return true;
}

static void
appraise_realm(const struct ccakit_realm_claims *rc,
    const ccakit_rv_store *rvs, struct ccakit_tv *tv)
{
	const struct ccakit_realm_rv *rv;
	bool rim_known = false, rpv_ok = false;
	size_t i;

	for (i = 0; (rv = ccakit_rv_store_realm(rvs, rc->rim.ptr,
	    rc->rim.len, i)) != NULL; i++) {
		rim_known = true;
		if (rv->has_rpv && !cki_bytes_eq(rc->rpv, rv->rpv,
		    sizeof(rv->rpv)))
			continue;
		rpv_ok = true;
		if (rems_match(rv, rc)) {
			ccakit_tv_set(tv, CCAKIT_TV_EXECUTABLES,
			    CCAKIT_AR_APPROVED_RUNTIME);
			return;
		}
	}
	if (!rim_known)
		ccakit_tv_set(tv, CCAKIT_TV_EXECUTABLES,
		    CCAKIT_AR_UNRECOGNIZED_RUNTIME);
	else if (!rpv_ok)
		ccakit_tv_set(tv, CCAKIT_TV_EXECUTABLES,
		    CCAKIT_AR_CONTRAINDICATED_RUNTIME);
	else
		ccakit_tv_set(tv, CCAKIT_TV_EXECUTABLES,
		    CCAKIT_AR_APPROVED_BOOT);
}

int
ccakit_token_appraise(const ccakit_token *t, const ccakit_rv_store *rvs,
    struct ccakit_appraisal *res)
{
	const struct ccakit_platform_claims *pc;
	const struct ccakit_realm_claims *rc;

	if (res == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	memset(res, 0, sizeof(*res));
	pc = ccakit_token_platform(t);
	rc = ccakit_token_realm(t);
	if (pc == NULL || rc == NULL || rvs == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if (!appraise_platform(pc, rvs, &res->platform)) {
		ccakit_tv_set_all(&res->realm, CCAKIT_AR_NO_CLAIM);
		return CCAKIT_OK;
	}
	appraise_realm(rc, rvs, &res->realm);
	return CCAKIT_OK;
}
