/*
 * EAR (EAT Attestation Result) claims: build, check, serialize, sign and
 * verify as a JWT. The claims live in one jansson object, checked as a
 * whole whenever it comes from outside (ccakit_ear_from_json,
 * ccakit_ear_verify_jwt) and changed only through the setters, which
 * keep it valid. Unknown members are kept and written back.
 */
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <ccakit/bytes.h>
#include <ccakit/cose.h>
#include <ccakit/ear.h>
#include <ccakit/err.h>
#include <ccakit/jose.h>
#include <ccakit/tv.h>

#include "ear/ear_priv.h"
#include "util/util.h"

#define M_PROFILE	"eat_profile"
#define M_IAT		"iat"
#define M_EXP		"exp"
#define M_NBF		"nbf"
#define M_VID		"ear.verifier-id"
#define M_VID_BUILD	"build"
#define M_VID_DEV	"developer"
#define M_NONCE		"eat_nonce"
#define M_RAW		"ear.raw-evidence"
#define M_SUBMODS	"submods"
#define S_STATUS	"ear.status"
#define S_TV		"ear.trustworthiness-vector"
#define S_POLICY_ID	"ear.appraisal-policy-id"
#define S_EVIDENCE	"ear.veraison.annotated-evidence"
#define S_CLAIMS	"ear.veraison.policy-claims"
#define S_KEYATT	"ear.veraison.key-attestation"

#define SUBMOD_NAME_MAX	64
/* Largest integer a double holds exactly: bound for real-valued times. */
#define TIME_REAL_MAX	9007199254740992.0

struct ccakit_ear {
	json_t *root;
	size_t nsub;
	const char *names[CCAKIT_EAR_MAX_SUBMODS];  /* sorted, borrowed */
};

static const enum ccakit_tier tiers[] = {
	CCAKIT_TIER_NONE, CCAKIT_TIER_AFFIRMING, CCAKIT_TIER_WARNING,
	CCAKIT_TIER_CONTRAINDICATED,
};

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Recompute the sorted submod names (the object was checked). */
static void
index_submods(ccakit_ear *e)
{
	const json_t *subs = json_object_get(e->root, M_SUBMODS);
	const char *key;
	void *it;

	e->nsub = 0;
	if (subs == NULL)
		return;
	for (it = json_object_iter((json_t *)(uintptr_t)subs);
	    it != NULL && e->nsub < CCAKIT_EAR_MAX_SUBMODS;
	    it = json_object_iter_next((json_t *)(uintptr_t)subs, it)) {
		key = json_object_iter_key(it);
		e->names[e->nsub++] = key;
	}
	qsort(e->names, e->nsub, sizeof(e->names[0]), cmp_names);
}

static json_t *
new_root(void)
{
	json_t *root;

	if ((root = json_object()) == NULL)
		return NULL;
	if (json_object_set_new(root, M_PROFILE,
	    json_string(CCAKIT_EAR_PROFILE)) != 0 ||
	    json_object_set_new(root, M_SUBMODS, json_object()) != 0) {
		json_decref(root);
		return NULL;
	}
	return root;
}

ccakit_ear *
ccakit_ear_new(void)
{
	ccakit_ear *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if ((e->root = new_root()) == NULL) {
		free(e);
		return NULL;
	}
	return e;
}

void
ccakit_ear_free(ccakit_ear **ep)
{
	ccakit_ear *e;

	if (ep == NULL || (e = *ep) == NULL)
		return;
	json_decref(e->root);
	free(e);
	*ep = NULL;
}

/* Replace the claims with root (a checked object; reference stolen). */
static void
install(ccakit_ear *e, json_t *root)
{
	json_decref(e->root);
	e->root = root;
	index_submods(e);
}

/* --- checking --- */

static bool
depth_ok(const json_t *v, int depth)
{
	const json_t *c;
	const char *k;
	size_t i;

	if (depth > CCAKIT_EAR_MAX_DEPTH)
		return false;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)(uintptr_t)v, k, c)
			if (!depth_ok(c, depth + 1))
				return false;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, c)
			if (!depth_ok(c, depth + 1))
				return false;
	}
	return true;
}

/*
 * A time claim: an integer, or a real with an integral value (c-ear's
 * vector has "iat": 1.666529184e+09), 0 .. 2^53.
 */
static bool
time_value(const json_t *v, int64_t *out)
{
	double x;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return false;
		*out = (int64_t)json_integer_value(v);
		return true;
	}
	if (!json_is_real(v))
		return false;
	x = json_real_value(v);
	/* In range first, so that the conversion is defined. */
	if (!isfinite(x) || x < 0 || x > TIME_REAL_MAX ||
	    x != (double)(int64_t)x)
		return false;
	*out = (int64_t)x;
	return true;
}

static int
check_time(const json_t *root, const char *name, bool required,
    struct ccakit_errdetail *d)
{
	const json_t *v;
	int64_t t;

	if ((v = json_object_get(root, name)) == NULL)
		return required ? cki_detail(d, CCAKIT_ERR_CLAIM_MISSING, name,
		    "%s: missing", name) : CCAKIT_OK;
	if (!time_value(v, &t))
		return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE, name,
		    "%s: not a non-negative integral number", name);
	return CCAKIT_OK;
}

static bool
name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > SUBMOD_NAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return false;
	return true;
}

static bool
tier_from_name(const char *s, enum ccakit_tier *t)
{
	size_t i;

	for (i = 0; i < sizeof(tiers) / sizeof(tiers[0]); i++)
		if (strcmp(s, ccakit_tier_name(tiers[i])) == 0) {
			*t = tiers[i];
			return true;
		}
	return false;
}

/*
 * An integer in decimal text as Go's strconv.Atoi reads it: an optional
 * sign, then digits only. Bounded to -1000..1000 (every caller wants a
 * small range; larger values are refused as out of range anyway).
 */
static bool
atoi_small(const char *s, int *out)
{
	bool neg = false;
	int v = 0;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > 1000)
			return false;
		v = v * 10 + (*s - '0');
	}
	*out = neg ? -v : v;
	return true;
}

/* A JSON number with an integral value in lo..hi. */
static bool
json_int_in(const json_t *v, int lo, int hi, int *out)
{
	double x;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < lo || json_integer_value(v) > hi)
			return false;
		*out = (int)json_integer_value(v);
		return true;
	}
	if (!json_is_real(v))
		return false;
	x = json_real_value(v);
	if (!(x >= lo && x <= hi) || x != (double)(int)x)
		return false;
	*out = (int)x;
	return true;
}

/*
 * ear.status as veraison/ear reads it: a tier name, a tier number (0, 2,
 * 32, 96), or such a number as decimal text.
 */
static bool
status_value(const json_t *v, enum ccakit_tier *t)
{
	size_t i;
	int n;

	if (json_is_string(v)) {
		if (tier_from_name(json_string_value(v), t))
			return true;
		if (!atoi_small(json_string_value(v), &n))
			return false;
	} else if (!json_int_in(v, -1000, 1000, &n)) {
		return false;
	}
	for (i = 0; i < sizeof(tiers) / sizeof(tiers[0]); i++)
		if (n == (int)tiers[i]) {
			*t = tiers[i];
			return true;
		}
	return false;
}

/*
 * The names veraison/ear gives trust-claim values (its "tag"s, one table
 * per claim). It looks a name up in every table, whatever the claim:
 * a name means the same value wherever it appears. The misspelling of 1
 * is veraison/ear's own.
 */
static const struct {
	const char *name;
	int8_t v;
} claim_names[] = {
	{ "verifier_malfunction", -1 }, { "no_claim", 0 },
	{ "unexected_evidence", 1 }, { "crypto_failed", 99 },
	{ "recognized_instance", 2 }, { "untrustworthy_instance", 96 },
	{ "unrecognized_instance", 97 },
	{ "approved_config", 2 }, { "safe_config", 3 },
	{ "unsafe_config", 32 }, { "unsupportable_config", 96 },
	{ "approved_rt", 2 }, { "approved_boot", 3 }, { "unsafe_rt", 32 },
	{ "unrecognized_rt", 33 }, { "contraindicated_rt", 96 },
	{ "approved_fs", 2 }, { "unrecognized_fs", 32 },
	{ "contraindicated_fs", 96 },
	{ "genuine_hw", 2 }, { "unsafe_hw", 32 }, { "contraindicated_hw", 96 },
	{ "unrecognized_hw", 97 },
	{ "encrypted_rt", 2 }, { "isolated_rt", 32 }, { "visible_rt", 96 },
	{ "hw_encrypted_secrets", 2 }, { "sw_encrypted_secrets", 32 },
	{ "unencrypted_secrets", 96 },
	{ "trusted_sources", 2 }, { "untrusted_sources", 32 },
	{ "contraindicated_sources", 96 },
};

#define CLAIM_NAME_MAX 40

/*
 * A claim-value name folded to snake_case, as veraison/ear does before
 * its lookup: lower case, '-', '.' and ' ' as '_', and '_' between a
 * lower-case letter or digit and an upper-case letter (CamelCase).
 */
static bool
claim_name_fold(const char *s, size_t len, char *out, size_t outsz)
{
	size_t i, n = 0;
	char c, prev = '\0';

	for (i = 0; i < len; i++) {
		c = s[i];
		if (n + 3 > outsz)
			return false;
		if (c >= 'A' && c <= 'Z') {
			if ((prev >= 'a' && prev <= 'z') ||
			    (prev >= '0' && prev <= '9'))
				out[n++] = '_';
			out[n++] = (char)(c - 'A' + 'a');
		} else if (c == '-' || c == '.' || c == ' ') {
			out[n++] = '_';
		} else {
			out[n++] = c;
		}
		prev = c;
	}
	out[n] = '\0';
	return true;
}

/*
 * A trust claim as veraison/ear reads it: a number in -128..127 (JSON,
 * or decimal text) or a claim-value name.
 */
static bool
claim_value(const json_t *v, int8_t *out)
{
	char buf[CLAIM_NAME_MAX];
	size_t i;
	int n;

	if (!json_is_string(v)) {
		if (!json_int_in(v, INT8_MIN, INT8_MAX, &n))
			return false;
		*out = (int8_t)n;
		return true;
	}
	if (atoi_small(json_string_value(v), &n)) {
		if (n < INT8_MIN || n > INT8_MAX)
			return false;
		*out = (int8_t)n;
		return true;
	}
	if (!claim_name_fold(json_string_value(v), json_string_length(v),
	    buf, sizeof(buf)))
		return false;
	for (i = 0; i < sizeof(claim_names) / sizeof(claim_names[0]); i++)
		if (strcmp(buf, claim_names[i].name) == 0) {
			*out = claim_names[i].v;
			return true;
		}
	return false;
}

/* Claim index of a trust-vector member name, or -1. */
static int
tv_index(const char *s)
{
	int c;

	for (c = 0; c < CCAKIT_TV_NCLAIMS; c++)
		if (strcmp(s, ccakit_tv_claim_name(
		    (enum ccakit_tv_claim)c)) == 0)
			return c;
	return -1;
}

static int
check_tv(const json_t *tv, struct ccakit_errdetail *d)
{
	const json_t *v;
	const char *k;
	int8_t x;

	if (!json_is_object(tv))
		return cki_detail(d, CCAKIT_ERR_JSON, S_TV,
		    "%s: not an object", S_TV);
	json_object_foreach((json_t *)(uintptr_t)tv, k, v) {
		if (tv_index(k) < 0)
			return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE, S_TV,
			    "%s: unknown claim \"%.40s\"", S_TV, k);
		if (!claim_value(v, &x))
			return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE, S_TV,
			    "%s: %s is neither an integer in -128..127 nor "
			    "a claim name", S_TV, k);
	}
	return CCAKIT_OK;
}

static int
check_submod(const char *name, const json_t *s, struct ccakit_errdetail *d)
{
	static const char *const objects[] = { S_EVIDENCE, S_CLAIMS,
	    S_KEYATT };
	enum ccakit_tier t;
	const json_t *v;
	size_t i;
	int r;

	if (!name_ok(name))
		return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE, M_SUBMODS,
		    "submods: bad name");
	if (!json_is_object(s))
		return cki_detail(d, CCAKIT_ERR_JSON, M_SUBMODS,
		    "submods: %s is not an object", name);
	if ((v = json_object_get(s, S_STATUS)) == NULL)
		return cki_detail(d, CCAKIT_ERR_CLAIM_MISSING, S_STATUS,
		    "%s: missing %s", name, S_STATUS);
	if (!status_value(v, &t))
		return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE, S_STATUS,
		    "%s: %s is not a known status", name, S_STATUS);
	if ((v = json_object_get(s, S_TV)) != NULL &&
	    (r = check_tv(v, d)) != CCAKIT_OK)
		return r;
	if ((v = json_object_get(s, S_POLICY_ID)) != NULL &&
	    !json_is_string(v))
		return cki_detail(d, CCAKIT_ERR_JSON, S_POLICY_ID,
		    "%s: %s is not a string", name, S_POLICY_ID);
	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		if ((v = json_object_get(s, objects[i])) != NULL &&
		    !json_is_object(v))
			return cki_detail(d, CCAKIT_ERR_JSON, objects[i],
			    "%s: %s is not an object", name, objects[i]);
	return CCAKIT_OK;
}

static int
check_verifier_id(const json_t *v, struct ccakit_errdetail *d)
{
	const json_t *b, *dev;

	if (!json_is_object(v) || json_object_size(v) != 2 ||
	    (b = json_object_get(v, M_VID_BUILD)) == NULL ||
	    (dev = json_object_get(v, M_VID_DEV)) == NULL ||
	    !json_is_string(b) || !json_is_string(dev) ||
	    json_string_length(b) == 0 || json_string_length(dev) == 0)
		return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE, M_VID,
		    "%s: must be {\"build\": text, \"developer\": text}",
		    M_VID);
	return CCAKIT_OK;
}

static int
check_raw_evidence(const json_t *v, struct ccakit_errdetail *d)
{
	uint8_t *buf = NULL;
	size_t n = 0, cap;
	int r;

	if (!json_is_string(v))
		return cki_detail(d, CCAKIT_ERR_JSON, M_RAW,
		    "%s: not a string", M_RAW);
	cap = json_string_length(v) / 4 * 3 + 3;
	if ((buf = malloc(cap)) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	r = ccakit_b64_decode(json_string_value(v), json_string_length(v),
	    CCAKIT_B64_URL, buf, cap, &n);
	free(buf);
	if (r != CCAKIT_OK)
		return cki_detail(d, CCAKIT_ERR_ENCODING, M_RAW,
		    "%s: not base64url without padding", M_RAW);
	return CCAKIT_OK;
}

/* The whole claims set. `jwt` requires what a signed EAR must carry. */
static int
check_claims(const json_t *root, bool jwt, struct ccakit_errdetail *d)
{
	const json_t *v, *subs, *s;
	const char *k;
	size_t n;
	int r;

	if (!json_is_object(root))
		return cki_detail(d, CCAKIT_ERR_JSON, NULL,
		    "EAR claims are not a JSON object");
	if (!depth_ok(root, 0))
		return cki_detail(d, CCAKIT_ERR_JSON, NULL,
		    "EAR claims nested deeper than %d", CCAKIT_EAR_MAX_DEPTH);
	if ((v = json_object_get(root, M_PROFILE)) == NULL)
		return cki_detail(d, CCAKIT_ERR_CLAIM_MISSING, M_PROFILE,
		    "%s: missing", M_PROFILE);
	if (!json_is_string(v) ||
	    (strcmp(json_string_value(v), CCAKIT_EAR_PROFILE) != 0 &&
	    strcmp(json_string_value(v), CCAKIT_EAR_PROFILE_TRUSTEE) != 0))
		return cki_detail(d, CCAKIT_ERR_PROFILE_UNKNOWN, M_PROFILE,
		    "%s: neither %s nor %s", M_PROFILE, CCAKIT_EAR_PROFILE,
		    CCAKIT_EAR_PROFILE_TRUSTEE);
	if ((r = check_time(root, M_IAT, jwt, d)) != CCAKIT_OK ||
	    (r = check_time(root, M_EXP, false, d)) != CCAKIT_OK ||
	    (r = check_time(root, M_NBF, false, d)) != CCAKIT_OK)
		return r;
	if ((v = json_object_get(root, M_VID)) == NULL) {
		if (jwt)
			return cki_detail(d, CCAKIT_ERR_CLAIM_MISSING, M_VID,
			    "%s: missing", M_VID);
	} else if ((r = check_verifier_id(v, d)) != CCAKIT_OK)
		return r;
	if ((v = json_object_get(root, M_NONCE)) != NULL) {
		if (!json_is_string(v))
			return cki_detail(d, CCAKIT_ERR_CLAIM_TYPE, M_NONCE,
			    "%s: not a string (one nonce only)", M_NONCE);
		n = json_string_length(v);
		if (n < CCAKIT_EAR_NONCE_MIN || n > CCAKIT_EAR_NONCE_MAX)
			return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE, M_NONCE,
			    "%s: %zu characters, not %d..%d", M_NONCE, n,
			    CCAKIT_EAR_NONCE_MIN, CCAKIT_EAR_NONCE_MAX);
	}
	if ((v = json_object_get(root, M_RAW)) != NULL &&
	    (r = check_raw_evidence(v, d)) != CCAKIT_OK)
		return r;
	if ((subs = json_object_get(root, M_SUBMODS)) == NULL)
		return cki_detail(d, CCAKIT_ERR_CLAIM_MISSING, M_SUBMODS,
		    "%s: missing", M_SUBMODS);
	if (!json_is_object(subs))
		return cki_detail(d, CCAKIT_ERR_JSON, M_SUBMODS,
		    "%s: not an object", M_SUBMODS);
	n = json_object_size(subs);
	if (n == 0 || n > CCAKIT_EAR_MAX_SUBMODS)
		return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE, M_SUBMODS,
		    "%s: %zu entries, not 1..%d", M_SUBMODS, n,
		    CCAKIT_EAR_MAX_SUBMODS);
	json_object_foreach((json_t *)(uintptr_t)subs, k, s)
		if ((r = check_submod(k, s, d)) != CCAKIT_OK)
			return r;
	return CCAKIT_OK;
}

/*
 * Write ear.status and the trust claims of checked claims in their
 * canonical forms (a tier name, integers), as veraison/ear writes them
 * back, so that accessors and output see one form.
 */
static int
normalise(json_t *root)
{
	json_t *subs = json_object_get(root, M_SUBMODS), *s, *v, *tv;
	enum ccakit_tier t;
	const char *k, *c;
	int8_t x;

	json_object_foreach(subs, k, s) {
		v = json_object_get(s, S_STATUS);
		if (!(json_is_string(v) && tier_from_name(json_string_value(v),
		    &t)) && status_value(v, &t) && json_object_set_new(s,
		    S_STATUS, json_string(ccakit_tier_name(t))) != 0)
			return CCAKIT_ERR_NOMEM;
		if ((tv = json_object_get(s, S_TV)) == NULL)
			continue;
		json_object_foreach(tv, c, v)
			if (!json_is_integer(v) && claim_value(v, &x) &&
			    json_object_set_new(tv, c, json_integer(x)) != 0)
				return CCAKIT_ERR_NOMEM;
	}
	return CCAKIT_OK;
}

/* Parse and check claims text; *out receives the new object. */
static int
parse_claims(const char *json, size_t len, bool jwt, json_t **out,
    struct ccakit_errdetail *d)
{
	json_error_t jerr;
	json_t *root;
	int r;

	if (len > CCAKIT_EAR_MAX_JSON)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, NULL,
		    "EAR claims larger than %d bytes", CCAKIT_EAR_MAX_JSON);
	if ((root = json_loadb(json, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL)
		return cki_detail(d, CCAKIT_ERR_JSON, NULL, "EAR claims: %s",
		    jerr.text);
	if ((r = check_claims(root, jwt, d)) != CCAKIT_OK) {
		json_decref(root);
		return r;
	}
	if ((r = normalise(root)) != CCAKIT_OK) {
		json_decref(root);
		return cki_detail(d, r, NULL, NULL);
	}
	*out = root;
	return CCAKIT_OK;
}

int
ccakit_ear_from_json(ccakit_ear *e, const char *json, size_t len,
    struct ccakit_errdetail *d)
{
	json_t *root = NULL;
	int r;

	if (e == NULL || json == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if ((r = parse_claims(json, len, false, &root, d)) != CCAKIT_OK)
		return r;
	install(e, root);
	return CCAKIT_OK;
}

/* --- building --- */

static int
set_member(json_t *obj, const char *name, json_t *v)
{
	if (v == NULL)
		return CCAKIT_ERR_NOMEM;
	return json_object_set_new(obj, name, v) == 0 ? CCAKIT_OK :
	    CCAKIT_ERR_NOMEM;
}

int
ccakit_ear_set_iat(ccakit_ear *e, int64_t iat)
{
	if (e == NULL || iat < 0)
		return CCAKIT_ERR_INVALID_ARG;
	return set_member(e->root, M_IAT, json_integer((json_int_t)iat));
}

int
ccakit_ear_set_exp(ccakit_ear *e, int64_t exp)
{
	if (e == NULL || exp < 0)
		return CCAKIT_ERR_INVALID_ARG;
	if (exp == 0) {
		(void)json_object_del(e->root, M_EXP);
		return CCAKIT_OK;
	}
	return set_member(e->root, M_EXP, json_integer((json_int_t)exp));
}

int
ccakit_ear_set_verifier_id(ccakit_ear *e, const char *build,
    const char *developer)
{
	json_t *v;

	if (e == NULL || build == NULL || developer == NULL ||
	    *build == '\0' || *developer == '\0')
		return CCAKIT_ERR_INVALID_ARG;
	if ((v = json_pack("{s:s, s:s}", M_VID_BUILD, build, M_VID_DEV,
	    developer)) == NULL)
		return CCAKIT_ERR_INVALID_ARG;  /* bad UTF-8, or no memory */
	return set_member(e->root, M_VID, v);
}

int
ccakit_ear_set_nonce(ccakit_ear *e, const uint8_t *nonce, size_t len)
{
	char buf[CCAKIT_EAR_NONCE_MAX + 1];
	size_t n;

	if (e == NULL || nonce == NULL || len == 0 ||
	    len > CCAKIT_EAR_NONCE_MAX_BYTES)
		return CCAKIT_ERR_INVALID_ARG;
	if (ccakit_b64_encode(nonce, len, CCAKIT_B64_URL, buf,
	    sizeof(buf)) != CCAKIT_OK)
		return CCAKIT_ERR_INTERNAL;
	/* Veraison's Go base64.URLEncoding: the URL alphabet, padded. */
	for (n = strlen(buf); n % 4 != 0; n++)
		buf[n] = '=';
	buf[n] = '\0';
	if (n < CCAKIT_EAR_NONCE_MIN)
		return CCAKIT_ERR_INVALID_ARG;
	return set_member(e->root, M_NONCE, json_string(buf));
}

int
ccakit_ear_set_raw_evidence(ccakit_ear *e, const uint8_t *ev, size_t len)
{
	size_t n;
	char *s;
	int r;

	if (e == NULL || ev == NULL || len == 0 || len > CCAKIT_EAR_MAX_JSON)
		return CCAKIT_ERR_INVALID_ARG;
	n = ccakit_b64_encoded_len(len, CCAKIT_B64_URL) + 1;
	if ((s = malloc(n)) == NULL)
		return CCAKIT_ERR_NOMEM;
	if (ccakit_b64_encode(ev, len, CCAKIT_B64_URL, s, n) != CCAKIT_OK) {
		free(s);
		return CCAKIT_ERR_INTERNAL;
	}
	r = set_member(e->root, M_RAW, json_string(s));
	free(s);
	return r;
}

static json_t *
submod_mut(ccakit_ear *e, const char *name)
{
	json_t *subs;

	if (e == NULL || name == NULL ||
	    (subs = json_object_get(e->root, M_SUBMODS)) == NULL)
		return NULL;
	return json_object_get(subs, name);
}

const json_t *
cki_ear_submod(const ccakit_ear *e, const char *name)
{
	const json_t *subs;

	if (e == NULL || name == NULL ||
	    (subs = json_object_get(e->root, M_SUBMODS)) == NULL)
		return NULL;
	return json_object_get(subs, name);
}

int
ccakit_ear_add_submod(ccakit_ear *e, const char *name)
{
	json_t *subs, *s;

	if (e == NULL || name == NULL || !name_ok(name) ||
	    (subs = json_object_get(e->root, M_SUBMODS)) == NULL ||
	    json_object_get(subs, name) != NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if (json_object_size(subs) >= CCAKIT_EAR_MAX_SUBMODS)
		return CCAKIT_ERR_TOO_LARGE;
	if ((s = json_pack("{s:s}", S_STATUS,
	    ccakit_tier_name(CCAKIT_TIER_NONE))) == NULL)
		return CCAKIT_ERR_NOMEM;
	if (json_object_set_new(subs, name, s) != 0)
		return CCAKIT_ERR_NOMEM;
	index_submods(e);
	return CCAKIT_OK;
}

int
ccakit_ear_submod_set_status(ccakit_ear *e, const char *name,
    enum ccakit_tier status)
{
	enum ccakit_tier t;
	json_t *s;

	if ((s = submod_mut(e, name)) == NULL ||
	    !tier_from_name(ccakit_tier_name(status), &t) || t != status)
		return CCAKIT_ERR_INVALID_ARG;
	return set_member(s, S_STATUS, json_string(ccakit_tier_name(status)));
}

int
ccakit_ear_submod_set_tv(ccakit_ear *e, const char *name,
    const struct ccakit_tv *tv)
{
	json_t *s, *o;
	int c;

	if ((s = submod_mut(e, name)) == NULL || tv == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if ((o = json_object()) == NULL)
		return CCAKIT_ERR_NOMEM;
	/* All eight, unset ones as 0 (no claim), as Veraison writes it. */
	for (c = 0; c < CCAKIT_TV_NCLAIMS; c++)
		if (json_object_set_new(o, ccakit_tv_claim_name(
		    (enum ccakit_tv_claim)c), json_integer(ccakit_tv_is_set(tv,
		    (enum ccakit_tv_claim)c) ? tv->v[c] : 0)) != 0) {
			json_decref(o);
			return CCAKIT_ERR_NOMEM;
		}
	return set_member(s, S_TV, o);
}

int
ccakit_ear_submod_set_policy_id(ccakit_ear *e, const char *name,
    const char *policy_id)
{
	json_t *s, *v;

	if ((s = submod_mut(e, name)) == NULL || policy_id == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if ((v = json_string(policy_id)) == NULL)
		return CCAKIT_ERR_INVALID_ARG;  /* bad UTF-8, or no memory */
	return set_member(s, S_POLICY_ID, v);
}

int
cki_ear_submod_set_object(ccakit_ear *e, const char *name,
    const char *member, json_t *obj)
{
	json_t *s;

	if ((s = submod_mut(e, name)) == NULL || !json_is_object(obj) ||
	    !depth_ok(obj, 3)) {
		json_decref(obj);
		return obj == NULL ? CCAKIT_ERR_NOMEM : CCAKIT_ERR_INVALID_ARG;
	}
	return set_member(s, member, obj);
}

static int
set_object_text(ccakit_ear *e, const char *name, const char *member,
    const char *json, size_t len)
{
	json_error_t jerr;
	json_t *o;

	if (submod_mut(e, name) == NULL || json == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if (len > CCAKIT_EAR_MAX_JSON)
		return CCAKIT_ERR_TOO_LARGE;
	if ((o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL)
		return CCAKIT_ERR_JSON;
	if (!json_is_object(o) || !depth_ok(o, 3)) {
		json_decref(o);
		return CCAKIT_ERR_JSON;
	}
	return cki_ear_submod_set_object(e, name, member, o);
}

int
ccakit_ear_submod_set_annotated_evidence(ccakit_ear *e, const char *name,
    const char *json, size_t len)
{
	return set_object_text(e, name, S_EVIDENCE, json, len);
}

int
ccakit_ear_submod_set_policy_claims(ccakit_ear *e, const char *name,
    const char *json, size_t len)
{
	return set_object_text(e, name, S_CLAIMS, json, len);
}

/* --- serialization and JWT --- */

static char *
dump(const json_t *root, unsigned flags)
{
	size_t f = JSON_SORT_KEYS | JSON_REAL_PRECISION(17);

	f |= (flags & CCAKIT_EAR_JSON_PRETTY) ? JSON_INDENT(2) : JSON_COMPACT;
	return json_dumps(root, f);
}

int
ccakit_ear_to_json(const ccakit_ear *e, unsigned flags, char **out)
{
	char *s;

	if (out != NULL)
		*out = NULL;
	if (e == NULL || out == NULL || (flags & ~CCAKIT_EAR_JSON_PRETTY))
		return CCAKIT_ERR_INVALID_ARG;
	if ((s = dump(e->root, flags)) == NULL)
		return CCAKIT_ERR_NOMEM;
	*out = s;
	return CCAKIT_OK;
}

int
ccakit_ear_sign_jwt(const ccakit_ear *e, const ccakit_key *priv, int alg,
    char **out)
{
	char *claims = NULL;
	int r = CCAKIT_ERR_INTERNAL;

	if (out != NULL)
		*out = NULL;
	if (e == NULL || priv == NULL || out == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if (alg == 0)
		alg = CCAKIT_COSE_ES256;
	/* Never sign what a verifier would refuse. */
	if ((r = check_claims(e->root, true, NULL)) != CCAKIT_OK)
		return r;
	if ((claims = dump(e->root, 0)) == NULL)
		return CCAKIT_ERR_NOMEM;
	r = ccakit_jws_sign(priv, alg, "JWT", (const uint8_t *)claims,
	    strlen(claims), out);
	free(claims);
	return r;
}

static int
check_times(const json_t *root, const struct ccakit_ear_verify_opts *o,
    struct ccakit_errdetail *d)
{
	int64_t now, leeway, t;
	const json_t *v;

	now = o->now != 0 ? o->now : (int64_t)time(NULL);
	leeway = o->leeway;
	/* Every time, bound and leeway is within 0..2^53: no sum below
	 * overflows. */
	if ((v = json_object_get(root, M_EXP)) != NULL &&
	    time_value(v, &t) && now >= t + leeway)
		return cki_detail(d, CCAKIT_ERR_EXPIRED, M_EXP,
		    "EAR expired");
	if ((v = json_object_get(root, M_NBF)) != NULL &&
	    time_value(v, &t) && now + leeway < t)
		return cki_detail(d, CCAKIT_ERR_EXPIRED, M_NBF,
		    "EAR not valid yet");
	if (o->max_age > 0 && (v = json_object_get(root, M_IAT)) != NULL &&
	    time_value(v, &t) && (t > now + leeway ||
	    now - t > o->max_age + leeway))
		return cki_detail(d, CCAKIT_ERR_EXPIRED, M_IAT,
		    "EAR issued outside the accepted window");
	return CCAKIT_OK;
}

/* eat_nonce decoded: any base64 alphabet, padding optional. */
static int
nonce_bytes(const json_t *root, uint8_t *out, size_t outsz, size_t *outlen)
{
	const json_t *v;

	if ((v = json_object_get(root, M_NONCE)) == NULL)
		return CCAKIT_ERR_NOT_FOUND;
	if (ccakit_b64_decode(json_string_value(v), json_string_length(v),
	    CCAKIT_B64_ANY, out, outsz, outlen) != CCAKIT_OK)
		return CCAKIT_ERR_ENCODING;
	return CCAKIT_OK;
}

static int
check_nonce(const json_t *root, const struct ccakit_ear_verify_opts *o,
    struct ccakit_errdetail *d)
{
	uint8_t got[CCAKIT_EAR_NONCE_MAX];
	size_t n = 0;

	if (o->nonce == NULL)
		return CCAKIT_OK;
	if (nonce_bytes(root, got, sizeof(got), &n) != CCAKIT_OK ||
	    n != o->nonce_len || ccakit_ct_memcmp(got, o->nonce, n) != 0)
		return cki_detail(d, CCAKIT_ERR_CHALLENGE, M_NONCE,
		    "%s: missing or not the expected nonce", M_NONCE);
	return CCAKIT_OK;
}

int
ccakit_ear_verify_jwt(ccakit_ear *e, const char *jwt, size_t len,
    const ccakit_key *pub, const struct ccakit_ear_verify_opts *opts,
    struct ccakit_errdetail *d)
{
	struct ccakit_ear_verify_opts o;
	ccakit_jws *j = NULL;
	json_t *root = NULL;
	const uint8_t *payload;
	size_t plen;
	int r = CCAKIT_ERR_INTERNAL;

	if (e == NULL || jwt == NULL || pub == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	memset(&o, 0, sizeof(o));
	if (opts != NULL)
		o = *opts;
	if (o.alg == 0)
		o.alg = CCAKIT_COSE_ES256;
	if (o.leeway < 0 || o.leeway > 86400 || o.max_age < 0 ||
	    o.max_age > (int64_t)TIME_REAL_MAX || o.now < 0 ||
	    o.now > (int64_t)TIME_REAL_MAX || (o.nonce != NULL && (o.nonce_len == 0 ||
	    o.nonce_len > CCAKIT_EAR_NONCE_MAX_BYTES)))
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);

	if ((j = ccakit_jws_new()) == NULL) {
		r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		goto out;
	}
	if ((r = ccakit_jws_decode(j, jwt, len, d)) != CCAKIT_OK)
		goto out;
	if ((r = ccakit_jws_verify(j, pub, o.alg, d)) != CCAKIT_OK)
		goto out;
	payload = ccakit_jws_payload(j, &plen);
	if ((r = parse_claims((const char *)payload, plen, true, &root, d)) !=
	    CCAKIT_OK)
		goto out;
	if ((r = check_times(root, &o, d)) != CCAKIT_OK ||
	    (r = check_nonce(root, &o, d)) != CCAKIT_OK)
		goto out;
	install(e, root);
	root = NULL;
	r = CCAKIT_OK;
out:
	json_decref(root);
	ccakit_jws_free(&j);
	return r;
}

/* --- accessors --- */

static const char *
str_member(const json_t *obj, const char *name)
{
	const json_t *v;

	if (obj == NULL || (v = json_object_get(obj, name)) == NULL ||
	    !json_is_string(v))
		return NULL;
	return json_string_value(v);
}

const char *
ccakit_ear_profile(const ccakit_ear *e)
{
	return e != NULL ? str_member(e->root, M_PROFILE) : NULL;
}

int64_t
ccakit_ear_iat(const ccakit_ear *e)
{
	const json_t *v;
	int64_t t;

	if (e == NULL || (v = json_object_get(e->root, M_IAT)) == NULL ||
	    !time_value(v, &t))
		return 0;
	return t;
}

void
ccakit_ear_verifier_id(const ccakit_ear *e, const char **build,
    const char **developer)
{
	const json_t *v = e != NULL ? json_object_get(e->root, M_VID) : NULL;

	if (build != NULL)
		*build = str_member(v, M_VID_BUILD);
	if (developer != NULL)
		*developer = str_member(v, M_VID_DEV);
}

const char *
ccakit_ear_nonce_text(const ccakit_ear *e)
{
	return e != NULL ? str_member(e->root, M_NONCE) : NULL;
}

int
ccakit_ear_nonce(const ccakit_ear *e, uint8_t *out, size_t outsz,
    size_t *outlen)
{
	uint8_t buf[CCAKIT_EAR_NONCE_MAX];
	size_t n = 0;
	int r;

	if (e == NULL || out == NULL || outlen == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if ((r = nonce_bytes(e->root, buf, sizeof(buf), &n)) != CCAKIT_OK)
		return r;
	if (n > outsz)
		return CCAKIT_ERR_BUFFER_TOO_SMALL;
	memcpy(out, buf, n);
	*outlen = n;
	return CCAKIT_OK;
}

int
ccakit_ear_raw_evidence(const ccakit_ear *e, uint8_t **out, size_t *outlen)
{
	const char *s;
	uint8_t *buf;
	size_t n = 0, cap, slen;

	if (out != NULL)
		*out = NULL;
	if (e == NULL || out == NULL || outlen == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if ((s = str_member(e->root, M_RAW)) == NULL)
		return CCAKIT_ERR_NOT_FOUND;
	slen = strlen(s);
	cap = slen / 4 * 3 + 3;
	if ((buf = malloc(cap)) == NULL)
		return CCAKIT_ERR_NOMEM;
	if (ccakit_b64_decode(s, slen, CCAKIT_B64_URL, buf, cap, &n) !=
	    CCAKIT_OK) {
		free(buf);
		return CCAKIT_ERR_ENCODING;
	}
	*out = buf;
	*outlen = n;
	return CCAKIT_OK;
}

size_t
ccakit_ear_submod_count(const ccakit_ear *e)
{
	return e != NULL ? e->nsub : 0;
}

const char *
ccakit_ear_submod_name(const ccakit_ear *e, size_t i)
{
	if (e == NULL || i >= e->nsub)
		return NULL;
	return e->names[i];
}

bool
ccakit_ear_has_submod(const ccakit_ear *e, const char *name)
{
	return cki_ear_submod(e, name) != NULL;
}

int
ccakit_ear_submod_status(const ccakit_ear *e, const char *name,
    enum ccakit_tier *status)
{
	const char *s;
	enum ccakit_tier t;

	if (status == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if ((s = str_member(cki_ear_submod(e, name), S_STATUS)) == NULL)
		return CCAKIT_ERR_NOT_FOUND;
	if (!tier_from_name(s, &t))
		return CCAKIT_ERR_INTERNAL;   /* checked on the way in */
	*status = t;
	return CCAKIT_OK;
}

int
ccakit_ear_submod_tv(const ccakit_ear *e, const char *name,
    struct ccakit_tv *tv)
{
	const json_t *s, *o, *v;
	struct ccakit_tv res;
	const char *k;
	int c;

	if (tv == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if ((s = cki_ear_submod(e, name)) == NULL)
		return CCAKIT_ERR_NOT_FOUND;
	ccakit_tv_clear(&res);
	if ((o = json_object_get(s, S_TV)) != NULL) {
		json_object_foreach((json_t *)(uintptr_t)o, k, v) {
			if ((c = tv_index(k)) < 0 || !json_is_integer(v))
				return CCAKIT_ERR_INTERNAL;
			ccakit_tv_set(&res, (enum ccakit_tv_claim)c,
			    (int8_t)json_integer_value(v));
		}
	}
	*tv = res;
	return CCAKIT_OK;
}

const char *
ccakit_ear_submod_policy_id(const ccakit_ear *e, const char *name)
{
	return str_member(cki_ear_submod(e, name), S_POLICY_ID);
}

static int
object_json(const ccakit_ear *e, const char *name, const char *member,
    char **json)
{
	const json_t *o;
	char *s;

	if (json != NULL)
		*json = NULL;
	if (json == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if ((o = json_object_get(cki_ear_submod(e, name), member)) == NULL)
		return CCAKIT_ERR_NOT_FOUND;
	if ((s = dump(o, 0)) == NULL)
		return CCAKIT_ERR_NOMEM;
	*json = s;
	return CCAKIT_OK;
}

int
ccakit_ear_submod_annotated_evidence(const ccakit_ear *e, const char *name,
    char **json)
{
	return object_json(e, name, S_EVIDENCE, json);
}

int
ccakit_ear_submod_policy_claims(const ccakit_ear *e, const char *name,
    char **json)
{
	return object_json(e, name, S_CLAIMS, json);
}

const char *
ccakit_ear_submod_evidence_str(const ccakit_ear *e, const char *name,
    const char *claim)
{
	const json_t *o;

	if (claim == NULL ||
	    (o = json_object_get(cki_ear_submod(e, name), S_EVIDENCE)) ==
	    NULL)
		return NULL;
	return str_member(o, claim);
}

int
ccakit_ear_realm_rim(const ccakit_ear *ear, uint8_t *out, size_t outsz,
    size_t *outlen)
{
	uint8_t buf[64 + 3];
	const char *s;
	size_t n = 0;

	if (ear == NULL || out == NULL || outlen == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if ((s = ccakit_ear_submod_evidence_str(ear, CCAKIT_EAR_SUBMOD_REALM,
	    CCAKIT_EAR_REALM_RIM_CLAIM)) == NULL)
		return CCAKIT_ERR_NOT_FOUND;
	/* Padded standard base64 (Go's []byte), and canonical: one string
	 * per RIM, so comparing bytes is comparing the Rego's strings. */
	if (ccakit_b64_decode(s, strlen(s), CCAKIT_B64_STD, buf, sizeof(buf),
	    &n) != CCAKIT_OK || (n != 32 && n != 48 && n != 64))
		return CCAKIT_ERR_ENCODING;
	if (n > outsz)
		return CCAKIT_ERR_BUFFER_TOO_SMALL;
	memcpy(out, buf, n);
	*outlen = n;
	return CCAKIT_OK;
}
