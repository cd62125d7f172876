/*
 * AR4SI trust vectors (draft-ietf-rats-ar4si §2.3) as the ear crate and
 * Veraison represent them.
 */
#include <stdio.h>
#include <string.h>

#include <ccakit/err.h>
#include <ccakit/tv.h>

static const char *const claim_names[CCAKIT_TV_NCLAIMS] = {
	"instance-identity",
	"configuration",
	"executables",
	"file-system",
	"hardware",
	"runtime-opaque",
	"storage-opaque",
	"sourced-data",
};

void
ccakit_tv_clear(struct ccakit_tv *tv)
{
	if (tv != NULL)
		memset(tv, 0, sizeof(*tv));
}

void
ccakit_tv_set(struct ccakit_tv *tv, enum ccakit_tv_claim c, int8_t v)
{
	if (tv == NULL || (unsigned)c >= CCAKIT_TV_NCLAIMS)
		return;
	tv->v[c] = v;
	tv->set = (uint8_t)(tv->set | (1u << c));
}

void
ccakit_tv_set_all(struct ccakit_tv *tv, int8_t v)
{
	size_t i;

	if (tv == NULL)
		return;
	for (i = 0; i < CCAKIT_TV_NCLAIMS; i++)
		tv->v[i] = v;
	tv->set = (uint8_t)((1u << CCAKIT_TV_NCLAIMS) - 1);
}

bool
ccakit_tv_is_set(const struct ccakit_tv *tv, enum ccakit_tv_claim c)
{
	if (tv == NULL || (unsigned)c >= CCAKIT_TV_NCLAIMS)
		return false;
	return (tv->set & (1u << c)) != 0;
}

const char *
ccakit_tv_claim_name(enum ccakit_tv_claim c)
{
	if ((unsigned)c >= CCAKIT_TV_NCLAIMS)
		return NULL;
	return claim_names[c];
}

/* ear crate TrustClaim::tier: the value ranges of AR4SI §2.3.3. */
enum ccakit_tier
ccakit_tier_of(int v)
{
	if (v >= -1 && v <= 1)
		return CCAKIT_TIER_NONE;
	if (v >= -32 && v <= 31)
		return CCAKIT_TIER_AFFIRMING;
	if (v >= -96 && v <= 95)
		return CCAKIT_TIER_WARNING;
	return CCAKIT_TIER_CONTRAINDICATED;
}

enum ccakit_tier
ccakit_tv_tier(const struct ccakit_tv *tv)
{
	enum ccakit_tier worst = CCAKIT_TIER_NONE, t;
	size_t i;

	if (tv == NULL)
		return CCAKIT_TIER_NONE;
	for (i = 0; i < CCAKIT_TV_NCLAIMS; i++) {
		if ((tv->set & (1u << i)) == 0)
			continue;
		/* The enum values are ordered none < ... < contraindicated. */
		if ((t = ccakit_tier_of(tv->v[i])) > worst)
			worst = t;
	}
	return worst;
}

const char *
ccakit_tier_name(enum ccakit_tier t)
{
	switch (t) {
	case CCAKIT_TIER_NONE:
		return "none";
	case CCAKIT_TIER_AFFIRMING:
		return "affirming";
	case CCAKIT_TIER_WARNING:
		return "warning";
	case CCAKIT_TIER_CONTRAINDICATED:
		return "contraindicated";
	}
	return "unknown";
}

/*
 * serde_json::to_string_pretty of the ear crate's TrustVector: the set
 * claims only, in claim order, two-space indent; "{}" when none is set.
 */
int
ccakit_tv_to_json(const struct ccakit_tv *tv, char *out, size_t outsz)
{
	size_t i, len = 0;
	bool first = true;
	int n;

	if (tv == NULL || out == NULL || outsz == 0)
		return CCAKIT_ERR_INVALID_ARG;
	if (tv->set == 0) {
		if (outsz < 3)
			return CCAKIT_ERR_BUFFER_TOO_SMALL;
		memcpy(out, "{}", 3);
		return CCAKIT_OK;
	}
	out[len++] = '{';
	for (i = 0; i < CCAKIT_TV_NCLAIMS; i++) {
		if ((tv->set & (1u << i)) == 0)
			continue;
		if (len >= outsz)
			goto toosmall;
		n = snprintf(out + len, outsz - len, "%s\n  \"%s\": %d",
		    first ? "" : ",", claim_names[i], tv->v[i]);
		if (n < 0 || (size_t)n >= outsz - len)
			goto toosmall;
		len += (size_t)n;
		first = false;
	}
	if (outsz - len < 3)
		goto toosmall;
	memcpy(out + len, "\n}", 3);
	return CCAKIT_OK;
toosmall:
	out[0] = '\0';
	return CCAKIT_ERR_BUFFER_TOO_SMALL;
}
