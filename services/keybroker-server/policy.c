/*
 * The key broker's release policy: the keybroker demo's arm-cca.rego
 * (package arm_cca, rule allow) in C. See docs/keybroker.md, "Release
 * policy", for the one deliberate difference (realm status).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <ccakit/bytes.h>
#include <ccakit/ear.h>
#include <ccakit/err.h>
#include <ccakit/tv.h>

#include "broker.h"
#include "util/util.h"

#define RIM_CLAIM	CCAKIT_EAR_REALM_RIM_CLAIM
#define RIM_MAX		64

static int
deny(struct ccakit_errdetail *why, const char *what, const char *reason)
{
	return cki_detail(why, CCAKIT_ERR_POLICY, what, "%s", reason);
}

int
kbs_policy_arm_cca(const ccakit_ear *ear,
    const struct ccakit_bytes *rims, size_t nrims, unsigned flags,
    struct ccakit_errdetail *why)
{
	uint8_t rim[RIM_MAX];
	const char *profile;
	enum ccakit_tier ps, rs;
	struct ccakit_tv rtv;
	size_t i, n = 0;

	if (ear == NULL || (rims == NULL && nrims > 0) ||
	    (flags & ~KBS_POLICY_REALM_WARNING_ONLY))
		return cki_detail(why, CCAKIT_ERR_INVALID_ARG, NULL, NULL);

	if ((profile = ccakit_ear_profile(ear)) == NULL ||
	    strcmp(profile, CCAKIT_EAR_PROFILE) != 0)
		return deny(why, "eat_profile", "unexpected EAR profile");

	if (ccakit_ear_submod_status(ear, CCAKIT_EAR_SUBMOD_PLATFORM,
	    &ps) != CCAKIT_OK)
		return deny(why, CCAKIT_EAR_SUBMOD_PLATFORM,
		    "no platform appraisal");
	if (ps != CCAKIT_TIER_AFFIRMING)
		return deny(why, CCAKIT_EAR_SUBMOD_PLATFORM,
		    "platform status is not affirming");

	if (ccakit_ear_submod_status(ear, CCAKIT_EAR_SUBMOD_REALM, &rs) !=
	    CCAKIT_OK)
		return deny(why, CCAKIT_EAR_SUBMOD_REALM, "no realm appraisal");
	if (flags & KBS_POLICY_REALM_WARNING_ONLY) {
		if (rs != CCAKIT_TIER_WARNING)
			return deny(why, CCAKIT_EAR_SUBMOD_REALM,
			    "realm status is not warning");
	} else if (rs != CCAKIT_TIER_AFFIRMING && rs != CCAKIT_TIER_WARNING)
		return deny(why, CCAKIT_EAR_SUBMOD_REALM,
		    "realm status is neither affirming nor warning");

	if (ccakit_ear_submod_tv(ear, CCAKIT_EAR_SUBMOD_REALM, &rtv) !=
	    CCAKIT_OK ||
	    !ccakit_tv_is_set(&rtv, CCAKIT_TV_INSTANCE_IDENTITY) ||
	    rtv.v[CCAKIT_TV_INSTANCE_IDENTITY] !=
	    CCAKIT_AR_TRUSTWORTHY_INSTANCE)
		return deny(why, "instance-identity",
		    "realm instance-identity is not 2 (recognized)");

	if (ccakit_ear_realm_rim(ear, rim, sizeof(rim), &n) != CCAKIT_OK)
		return deny(why, RIM_CLAIM,
		    "realm initial measurement missing or malformed");
	for (i = 0; i < nrims; i++)
		if (rims[i].len == n && rims[i].ptr != NULL &&
		    memcmp(rims[i].ptr, rim, n) == 0)
			return CCAKIT_OK;
	return deny(why, RIM_CLAIM,
	    "realm initial measurement is not among the reference values");
}
