/*
 * Unit tests: the embedded verifier (evidence -> EAR) and the key
 * broker's release policy (Rego: ccakit's builtin:default and
 * builtin:strict, and the demo's own arm-cca.rego from the vectors,
 * unchanged). The generic cases run on
 * the emulated realm's token (its challenge, trust anchor and RIM), then,
 * when the vectors are present, on the keybroker demo's: its static
 * token, trust anchor, nonce, EAR claims and RIMs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ccakit/appraise.h>
#include <ccakit/bytes.h>
#include <ccakit/ear.h>
#include <ccakit/err.h>
#include <ccakit/jose.h>
#include <ccakit/store.h>
#include <ccakit/token.h>
#include <ccakit/tv.h>

#include "broker.h"
#include "test_token_util.h"
#include "testutil.h"

#define KB "keybroker-demo/"

struct fx {
	struct tt_buf tok;
	struct tt_buf nonce;
	ccakit_ta_store *tas;
	bool demo;		/* the keybroker demo's vectors */
	uint8_t rim[64];	/* emulated: the token's RIM */
	size_t rim_len;
};

/* The emulated realm's token, its challenge and trust anchor. */
static int
setup_emulated(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	ccakit_token *t = ccakit_token_new();
	const struct ccakit_realm_claims *rc;

	assert_non_null(f);
	assert_non_null(t);
	f->tok = tt_emulated(CCAKIT_FORMAT_907, 0);
	assert_non_null(f->nonce.p = malloc(64));
	memcpy(f->nonce.p, tt_emulated_challenge, 64);
	f->nonce.len = 64;
	f->tas = tt_emulated_ta();
	assert_int_equal(ccakit_token_decode(t, f->tok.p, f->tok.len, NULL),
	    CCAKIT_OK);
	rc = ccakit_token_realm(t);
	assert_true(rc->rim.len <= sizeof(f->rim));
	memcpy(f->rim, rc->rim.ptr, rc->rim.len);
	f->rim_len = rc->rim.len;
	ccakit_token_free(&t);
	*state = f;
	return 0;
}

static int
setup_demo(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->demo = true;
	f->tok = tt_vector(KB "cca-example-token.cbor");
	f->nonce = tt_vector(KB "cca-example-token-nonce.bin");
	assert_int_equal(f->nonce.len, 64);
	f->tas = tt_ta_store(KB "example-token-ta.json");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	tt_buf_free(&f->tok);
	tt_buf_free(&f->nonce);
	ccakit_ta_store_free(&f->tas);
	free(f);
	return 0;
}

static ccakit_ear *
attest(const struct fx *f, const uint8_t *tok, size_t len,
    const ccakit_ta_store *tas, const ccakit_rv_store *rvs,
    const uint8_t *nonce, size_t nlen, int want_why)
{
	struct ccakit_attest_opts o;
	struct ccakit_errdetail why;
	ccakit_ear *e = NULL;

	(void)f;
	memset(&o, 0, sizeof(o));
	o.nonce = nonce;
	o.nonce_len = nlen;
	o.iat = 1700000000;
	memset(&why, 0xa5, sizeof(why));
	assert_int_equal(ccakit_attest_cca(tok, len, tas, rvs, &o, &e, &why),
	    CCAKIT_OK);
	assert_non_null(e);
	if (why.code != want_why)
		fail_msg("verdict %d (%s), want %d", why.code, why.text,
		    want_why);
	return e;
}

static void
expect_tv(const ccakit_ear *e, const char *sub, enum ccakit_tier status,
    const int8_t want[CCAKIT_TV_NCLAIMS])
{
	struct ccakit_tv tv;
	enum ccakit_tier t;
	int c;

	assert_int_equal(ccakit_ear_submod_status(e, sub, &t), CCAKIT_OK);
	assert_int_equal(t, status);
	assert_int_equal(ccakit_ear_submod_tv(e, sub, &tv), CCAKIT_OK);
	for (c = 0; c < CCAKIT_TV_NCLAIMS; c++)
		if (tv.v[c] != want[c])
			fail_msg("%s %s: %d, want %d", sub,
			    ccakit_tv_claim_name((enum ccakit_tv_claim)c),
			    tv.v[c], want[c]);
}

/* Claim order: ii, configuration, executables, file-system, hardware,
 * runtime-opaque, storage-opaque, sourced-data. */
static const int8_t plat_norv[8] = { 2, 0, 0, 0, 2, 2, 2, 0 };
static const int8_t realm_norv[8] = { 2, 0, 33, 0, 0, 0, 0, 0 };
static const int8_t all99[8] = { 99, 99, 99, 99, 99, 99, 99, 99 };

static void
expect_failure_ear(const ccakit_ear *e)
{
	char *pc = NULL;

	assert_int_equal(ccakit_ear_submod_count(e), 1);
	assert_false(ccakit_ear_has_submod(e, CCAKIT_EAR_SUBMOD_PLATFORM));
	assert_false(ccakit_ear_has_submod(e, CCAKIT_EAR_SUBMOD_REALM));
	expect_tv(e, CCAKIT_EAR_SUBMOD_ARM_CCA, CCAKIT_TIER_CONTRAINDICATED,
	    all99);
	assert_int_equal(ccakit_ear_submod_policy_claims(e,
	    CCAKIT_EAR_SUBMOD_ARM_CCA, &pc), CCAKIT_OK);
	assert_int_equal(strncmp(pc, "{\"problem\":\"", 12), 0);
	assert_null(ccakit_ear_submod_evidence_str(e,
	    CCAKIT_EAR_SUBMOD_ARM_CCA, "cca-realm-initial-measurement"));
	free(pc);
}

/* The release policies: ccakit's two and the demo's own arm-cca.rego. */
enum pol { POL_DEFAULT, POL_STRICT, POL_DEMO, POL_N };
static kbs_policy *pols[POL_N];

static kbs_policy *
compile(const char *name, const char *text, size_t len)
{
	struct ccakit_errdetail d;
	kbs_policy *p = NULL;

	if (kbs_policy_new(name, text, len, &p, &d) != CCAKIT_OK)
		fail_msg("%s: %s", name, d.text);
	return p;
}

static const kbs_policy *
get_policy(enum pol which)
{
	const char *text;
	uint8_t *buf;
	size_t len;

	if (pols[which] != NULL)
		return pols[which];
	if (which == POL_DEMO) {
		buf = tu_read_vector(KB "arm-cca.rego", &len);
		pols[which] = compile("arm-cca.rego", (const char *)buf, len);
		free(buf);
	} else {
		text = kbs_release_policy_builtin(which == POL_DEFAULT ? "default" :
		    "strict");
		assert_non_null(text);
		pols[which] = compile(which == POL_DEFAULT ? "default.rego" :
		    "strict.rego", text, strlen(text));
	}
	return pols[which];
}

/* The decision of a policy on an EAR with the approved RIMs rims[0..n),
 * as keybroker-server makes it; the reasons of a refusal in why. */
static int
decide(const ccakit_ear *e, const struct ccakit_bytes *rims, size_t n,
    enum pol which, struct ccakit_errdetail *why)
{
	ccakit_rego_doc *data = NULL;
	int r;

	assert_int_equal(kbs_policy_data_new(rims, n, &data), CCAKIT_OK);
	memset(why, 0, sizeof(*why));
	r = kbs_policy_eval(get_policy(which), e, data, why);
	assert_int_equal(why->code, r);
	ccakit_rego_doc_free(&data);
	return r;
}

static int
policy_file(const ccakit_ear *e, const char *rims_rel, enum pol which)
{
	struct ccakit_bytes rims[8];
	uint8_t raw[8][64];
	struct ccakit_errdetail why;
	json_t *root, *arr, *v;
	json_error_t jerr;
	size_t i, n = 0;

	assert_non_null(root = json_load_file(tu_vector_path(rims_rel), 0,
	    &jerr));
	assert_non_null(arr = json_object_get(root, "reference-values"));
	json_array_foreach(arr, i, v) {
		assert_true(i < 8);
		assert_int_equal(ccakit_b64_decode(json_string_value(v),
		    json_string_length(v), CCAKIT_B64_STD, raw[i],
		    sizeof(raw[i]), &rims[i].len), CCAKIT_OK);
		rims[i].ptr = raw[i];
		n++;
	}
	json_decref(root);
	return decide(e, rims, n, which, &why);
}

/* The release policy with the fixture's approved RIMs (the token's), or
 * with RIMs that are not the token's. */
static int
policy(const struct fx *f, const ccakit_ear *e, bool matching,
    enum pol which)
{
	struct ccakit_bytes rim;
	struct ccakit_errdetail why;
	uint8_t other[64];

	if (f->demo)
		return policy_file(e, matching ? KB "rims-matching.json" :
		    KB "rims-not-matching.json", which);
	memcpy(other, f->rim, f->rim_len);
	other[0] ^= 1;
	rim.ptr = matching ? f->rim : other;
	rim.len = f->rim_len;
	return decide(e, &rim, 1, which, &why);
}

/* The demo's static token with its IAK as trust anchor: Veraison's EAR. */
static void
test_example_token(void **state)
{
	struct fx *f = *state;
	ccakit_ear *e, *want;
	uint8_t nonce[64];
	size_t n, wlen;
	enum pol i;
	struct ccakit_errdetail why;
	char *ae = NULL, *wae = NULL;
	uint8_t *wbuf;
	const char *b, *d;
	json_t *j1, *j2;
	json_error_t jerr;

	e = attest(f, f->tok.p, f->tok.len, f->tas, NULL, f->nonce.p, 64,
	    CCAKIT_OK);
	assert_int_equal(ccakit_ear_submod_count(e), 2);
	expect_tv(e, CCAKIT_EAR_SUBMOD_PLATFORM, CCAKIT_TIER_AFFIRMING,
	    plat_norv);
	expect_tv(e, CCAKIT_EAR_SUBMOD_REALM, CCAKIT_TIER_WARNING,
	    realm_norv);
	assert_string_equal(ccakit_ear_submod_policy_id(e,
	    CCAKIT_EAR_SUBMOD_REALM), "policy:ARM_CCA");
	assert_int_equal(ccakit_ear_iat(e), 1700000000);
	ccakit_ear_verifier_id(e, &b, &d);
	assert_int_equal(strncmp(b, "ccakit ", 7), 0);
	assert_string_equal(d, "ccakit");
	assert_int_equal(ccakit_ear_nonce(e, nonce, sizeof(nonce), &n),
	    CCAKIT_OK);
	assert_int_equal(n, 64);
	assert_memory_equal(nonce, f->nonce.p, 64);

	/* Same nonce text and realm annotated evidence as Veraison's EAR
	 * for this token (ear-claims-ok.json). */
	wbuf = tu_read_vector(KB "ear-claims-ok.json", &wlen);
	assert_non_null(want = ccakit_ear_new());
	assert_int_equal(ccakit_ear_from_json(want, (const char *)wbuf, wlen,
	    NULL), CCAKIT_OK);
	free(wbuf);
	assert_string_equal(ccakit_ear_nonce_text(e),
	    ccakit_ear_nonce_text(want));
	assert_int_equal(ccakit_ear_submod_annotated_evidence(e,
	    CCAKIT_EAR_SUBMOD_REALM, &ae), CCAKIT_OK);
	assert_int_equal(ccakit_ear_submod_annotated_evidence(want,
	    CCAKIT_EAR_SUBMOD_REALM, &wae), CCAKIT_OK);
	assert_non_null(j1 = json_loads(ae, 0, &jerr));
	assert_non_null(j2 = json_loads(wae, 0, &jerr));
	if (!json_equal(j1, j2))
		fail_msg("realm annotated evidence differs:\n%s\n%s", ae, wae);
	json_decref(j1);
	json_decref(j2);
	free(ae);
	free(wae);
	/* the platform's claims are annotated too */
	assert_string_equal(ccakit_ear_submod_evidence_str(e,
	    CCAKIT_EAR_SUBMOD_PLATFORM, "cca-platform-profile"),
	    "http://arm.com/CCA-SSD/1.0.0");

	/* the release policies, as the demo's unit tests */
	for (i = 0; i < POL_N; i++) {
		assert_int_equal(policy_file(e, KB "rims-matching.json", i),
		    CCAKIT_OK);
		assert_int_equal(policy_file(e, KB "rims-not-matching.json",
		    i), CCAKIT_ERR_POLICY);
		assert_int_equal(decide(e, NULL, 0, i, &why),
		    CCAKIT_ERR_POLICY);
	}
	ccakit_ear_free(&want);
	ccakit_ear_free(&e);
}

/* ear-claims-ok.json and variants through the policy. */
static void
test_policy_vector(void **state)
{
	static const struct {
		const char *from, *to;
		int want, want_strict;
	} edits[] = {
		{ NULL, NULL, CCAKIT_OK, CCAKIT_OK },
		/* realm affirming: the rego refuses, ccakit allows */
		{ "\"ear.status\": \"warning\"", "\"ear.status\": \"affirming\"",
		  CCAKIT_OK, CCAKIT_ERR_POLICY },
		{ "\"ear.status\": \"warning\"",
		  "\"ear.status\": \"contraindicated\"", CCAKIT_ERR_POLICY,
		  CCAKIT_ERR_POLICY },
		{ "\"ear.status\": \"warning\"", "\"ear.status\": \"none\"",
		  CCAKIT_ERR_POLICY, CCAKIT_ERR_POLICY },
		{ "\"ear.status\": \"affirming\"", "\"ear.status\": \"warning\"",
		  CCAKIT_ERR_POLICY, CCAKIT_ERR_POLICY },
		{ "\"instance-identity\": 2", "\"instance-identity\": 3",
		  CCAKIT_ERR_POLICY, CCAKIT_ERR_POLICY },
		{ "\"instance-identity\": 2,", "", CCAKIT_ERR_POLICY,
		  CCAKIT_ERR_POLICY },
		{ "\"CCA_SSD_PLATFORM\"", "\"CCA_SSD_PLATFORM_X\"",
		  CCAKIT_ERR_POLICY, CCAKIT_ERR_POLICY },
		{ "\"CCA_REALM\"", "\"CCA_REALMX\"", CCAKIT_ERR_POLICY,
		  CCAKIT_ERR_POLICY },
		{ "cca-realm-initial-measurement", "cca-realm-rim",
		  CCAKIT_ERR_POLICY, CCAKIT_ERR_POLICY },
		/* the same RIM in another encoding is not the rego's string */
		{ "MRMUq3NiA1DPdYg0rlxl2ejC3H/r5ufZZUu+hk4wDUk=",
		  "MRMUq3NiA1DPdYg0rlxl2ejC3H_r5ufZZUu-hk4wDUk",
		  CCAKIT_ERR_POLICY, CCAKIT_ERR_POLICY },
	};
	ccakit_ear *e;
	uint8_t *buf;
	char *s, *p;
	size_t len, i, n;

	(void)state;
	buf = tu_read_vector(KB "ear-claims-ok.json", &len);
	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		assert_non_null(s = malloc(len + 64));
		memcpy(s, buf, len + 1);
		if (edits[i].from != NULL) {
			assert_non_null(p = strstr(s, edits[i].from));
			n = strlen(edits[i].from);
			memmove(p + strlen(edits[i].to), p + n,
			    strlen(p + n) + 1);
			memcpy(p, edits[i].to, strlen(edits[i].to));
		}
		assert_non_null(e = ccakit_ear_new());
		assert_int_equal(ccakit_ear_from_json(e, s, strlen(s), NULL),
		    CCAKIT_OK);
		if (policy_file(e, KB "rims-matching.json", POL_DEFAULT) !=
		    edits[i].want)
			fail_msg("edit %zu: unexpected verdict", i);
		if (policy_file(e, KB "rims-matching.json", POL_STRICT) !=
		    edits[i].want_strict)
			fail_msg("edit %zu: unexpected strict verdict", i);
		/* the demo's own policy decides as builtin:strict */
		if (policy_file(e, KB "rims-matching.json", POL_DEMO) !=
		    edits[i].want_strict)
			fail_msg("edit %zu: unexpected arm-cca.rego verdict", i);
		assert_int_equal(policy_file(e, KB "rims-not-matching.json",
		    POL_DEFAULT), CCAKIT_ERR_POLICY);
		assert_int_equal(policy_file(e, KB "rims-not-matching.json",
		    POL_DEMO), CCAKIT_ERR_POLICY);
		ccakit_ear_free(&e);
		free(s);
	}
	free(buf);
}

/* Freshness, trust anchor, malformed evidence: never affirming. */
static void
test_rejections(void **state)
{
	struct fx *f = *state;
	ccakit_ta_store *empty;
	uint8_t other[64];
	ccakit_ear *e;

	memcpy(other, f->nonce.p, 64);
	other[63] ^= 1;
	e = attest(f, f->tok.p, f->tok.len, f->tas, NULL, other, 64,
	    CCAKIT_ERR_CHALLENGE);
	expect_failure_ear(e);
	assert_int_equal(policy(f, e, true, POL_DEFAULT), CCAKIT_ERR_POLICY);
	ccakit_ear_free(&e);

	/* a shorter nonce is zero-padded to 64: this one cannot match */
	e = attest(f, f->tok.p, f->tok.len, f->tas, NULL, f->nonce.p, 32,
	    CCAKIT_ERR_CHALLENGE);
	expect_failure_ear(e);
	ccakit_ear_free(&e);

	assert_non_null(empty = ccakit_ta_store_new());
	e = attest(f, f->tok.p, f->tok.len, empty, NULL, NULL, 0,
	    CCAKIT_ERR_TA_UNKNOWN);
	expect_failure_ear(e);
	assert_null(ccakit_ear_nonce_text(e));
	ccakit_ear_free(&e);
	ccakit_ta_store_free(&empty);

	e = attest(f, (const uint8_t *)"\xa0", 1, f->tas, NULL, NULL, 0,
	    CCAKIT_ERR_TOKEN_MALFORMED);
	expect_failure_ear(e);
	ccakit_ear_free(&e);
}

/* One bit flipped in every byte: verified only if the claims are intact,
 * and never affirming otherwise. */
static void
test_flips(void **state)
{
	struct fx *f = *state;
	struct ccakit_attest_opts o;
	struct ccakit_errdetail why;
	enum ccakit_tier t;
	ccakit_ear *e;
	uint8_t *m;
	size_t i, k, nok = 0;

	assert_non_null(m = malloc(f->tok.len));
	memcpy(m, f->tok.p, f->tok.len);
	memset(&o, 0, sizeof(o));
	o.nonce = f->nonce.p;
	o.nonce_len = 64;
	for (i = 0; i < f->tok.len; i++) {
		m[i] ^= (uint8_t)(1u << (i % 8));
		e = NULL;
		assert_int_equal(ccakit_attest_cca(m, f->tok.len, f->tas, NULL,
		    &o, &e, &why), CCAKIT_OK);
		if (why.code == CCAKIT_OK) {
			nok++;
			assert_int_equal(policy(f, e, true, POL_DEFAULT),
			    CCAKIT_OK);
		} else {
			for (k = 0; k < ccakit_ear_submod_count(e); k++) {
				assert_int_equal(ccakit_ear_submod_status(e,
				    ccakit_ear_submod_name(e, k), &t),
				    CCAKIT_OK);
				assert_int_not_equal(t, CCAKIT_TIER_AFFIRMING);
			}
		}
		ccakit_ear_free(&e);
		m[i] = f->tok.p[i];
	}
	/* only the unprotected parts may change without failing */
	assert_true(nok < 16);
	free(m);
}

static ccakit_rv_store *
realm_rvs(const ccakit_token *t, int rpv_delta, int rem_delta, bool rems)
{
	const struct ccakit_realm_claims *rc = ccakit_token_realm(t);
	struct ccakit_realm_rv rv;
	ccakit_rv_store *s;
	size_t k;

	memset(&rv, 0, sizeof(rv));
	rv.rim.len = rc->rim.len;
	memcpy(rv.rim.b, rc->rim.ptr, rc->rim.len);
	if (rpv_delta >= 0) {
		rv.has_rpv = true;
		memcpy(rv.rpv, rc->rpv.ptr, 64);
		rv.rpv[0] ^= (uint8_t)rpv_delta;
	}
	if (rems) {
		rv.n_rem = CCAKIT_REM_COUNT;
		for (k = 0; k < CCAKIT_REM_COUNT; k++) {
			rv.rem[k].len = rc->rem[k].len;
			memcpy(rv.rem[k].b, rc->rem[k].ptr, rc->rem[k].len);
		}
		rv.rem[3].b[0] ^= (uint8_t)rem_delta;
	}
	assert_non_null(s = ccakit_rv_store_new());
	assert_int_equal(ccakit_rv_store_add_realm(s, &rv), CCAKIT_OK);
	return s;
}

static void
test_realm_rvs(void **state)
{
	struct fx *f = *state;
	static const int8_t boot[8] = { 2, 0, 3, 0, 0, 0, 0, 0 };
	static const int8_t rt[8] = { 2, 0, 2, 0, 0, 0, 0, 0 };
	static const int8_t bad[8] = { 2, 0, 96, 0, 0, 0, 0, 0 };
	ccakit_token *t;
	ccakit_rv_store *s;
	ccakit_ear *e;

	assert_non_null(t = ccakit_token_new());
	assert_int_equal(ccakit_token_decode(t, f->tok.p, f->tok.len, NULL),
	    CCAKIT_OK);
#define CASE(rpv, remd, rems, st, tv) do {				\
	s = realm_rvs(t, rpv, remd, rems);				\
	e = attest(f, f->tok.p, f->tok.len, f->tas, s, f->nonce.p, 64,	\
	    CCAKIT_OK);							\
	expect_tv(e, CCAKIT_EAR_SUBMOD_REALM, st, tv);			\
	expect_tv(e, CCAKIT_EAR_SUBMOD_PLATFORM, CCAKIT_TIER_AFFIRMING,	\
	    plat_norv);							\
	ccakit_ear_free(&e);						\
	ccakit_rv_store_free(&s);					\
} while (0)
	/* no REMs in the RV: every REM is a wildcard */
	CASE(-1, 0, false, CCAKIT_TIER_AFFIRMING, rt);    /* RIM only */
	CASE(0, 0, false, CCAKIT_TIER_AFFIRMING, rt);     /* + RPV */
	CASE(0, 0, true, CCAKIT_TIER_AFFIRMING, rt);      /* + REMs */
	CASE(-1, 0, true, CCAKIT_TIER_AFFIRMING, rt);
	CASE(0, 1, true, CCAKIT_TIER_AFFIRMING, boot);    /* REM differs */
	CASE(1, 0, true, CCAKIT_TIER_CONTRAINDICATED, bad); /* RPV differs */
#undef CASE
	/* a contraindicated realm is refused even with the RIM approved */
	s = realm_rvs(t, 1, 0, false);
	e = attest(f, f->tok.p, f->tok.len, f->tas, s, f->nonce.p, 64,
	    CCAKIT_OK);
	assert_int_equal(policy(f, e, true, POL_DEFAULT), CCAKIT_ERR_POLICY);
	ccakit_ear_free(&e);
	ccakit_rv_store_free(&s);
	ccakit_token_free(&t);
}

static void
test_platform_rvs(void **state)
{
	struct fx *f = *state;
	static const int8_t good[8] = { 2, 2, 2, 0, 2, 2, 2, 0 };
	static const int8_t badsw[8] = { 2, 2, 33, 0, 2, 2, 2, 0 };
	static const int8_t other[8] = { 2, 32, 33, 0, 2, 2, 2, 0 };
	const struct ccakit_platform_claims *pc;
	struct ccakit_rv_sw_component sw[CCAKIT_MAX_SW_COMPONENTS];
	struct ccakit_platform_rv rv;
	ccakit_rv_store *s;
	ccakit_token *t;
	ccakit_ear *e;
	size_t i;

	assert_non_null(t = ccakit_token_new());
	assert_int_equal(ccakit_token_decode(t, f->tok.p, f->tok.len, NULL),
	    CCAKIT_OK);
	pc = ccakit_token_platform(t);
	memset(&rv, 0, sizeof(rv));
	memset(sw, 0, sizeof(sw));
	memcpy(rv.impl_id, pc->impl_id.ptr, 32);
	rv.config = (uint8_t *)(uintptr_t)pc->config.ptr;
	rv.config_len = pc->config.len;
	/* reversed order: the match is a set match */
	for (i = 0; i < pc->n_sw; i++) {
		sw[pc->n_sw - 1 - i].mval.len = pc->sw[i].mval.len;
		memcpy(sw[pc->n_sw - 1 - i].mval.b, pc->sw[i].mval.ptr,
		    pc->sw[i].mval.len);
		sw[pc->n_sw - 1 - i].signer_id.len = pc->sw[i].signer_id.len;
		memcpy(sw[pc->n_sw - 1 - i].signer_id.b,
		    pc->sw[i].signer_id.ptr, pc->sw[i].signer_id.len);
	}
	rv.n_sw = pc->n_sw;
	rv.sw = sw;

	assert_non_null(s = ccakit_rv_store_new());
	assert_int_equal(ccakit_rv_store_add_platform(s, &rv), CCAKIT_OK);
	e = attest(f, f->tok.p, f->tok.len, f->tas, s, f->nonce.p, 64,
	    CCAKIT_OK);
	expect_tv(e, CCAKIT_EAR_SUBMOD_PLATFORM, CCAKIT_TIER_AFFIRMING, good);
	ccakit_ear_free(&e);
	ccakit_rv_store_free(&s);

	/* one measurement unknown */
	sw[0].mval.b[0] ^= 1;
	assert_non_null(s = ccakit_rv_store_new());
	assert_int_equal(ccakit_rv_store_add_platform(s, &rv), CCAKIT_OK);
	e = attest(f, f->tok.p, f->tok.len, f->tas, s, f->nonce.p, 64,
	    CCAKIT_OK);
	expect_tv(e, CCAKIT_EAR_SUBMOD_PLATFORM, CCAKIT_TIER_WARNING, badsw);
	assert_int_equal(policy(f, e, true, POL_DEFAULT), CCAKIT_ERR_POLICY);
	ccakit_ear_free(&e);
	ccakit_rv_store_free(&s);
	sw[0].mval.b[0] ^= 1;

	/* platform RVs exist, none for this implementation */
	rv.impl_id[0] ^= 1;
	assert_non_null(s = ccakit_rv_store_new());
	assert_int_equal(ccakit_rv_store_add_platform(s, &rv), CCAKIT_OK);
	e = attest(f, f->tok.p, f->tok.len, f->tas, s, f->nonce.p, 64,
	    CCAKIT_OK);
	expect_tv(e, CCAKIT_EAR_SUBMOD_PLATFORM, CCAKIT_TIER_WARNING, other);
	ccakit_ear_free(&e);
	ccakit_rv_store_free(&s);
	ccakit_token_free(&t);
}

/* The full embedded path: attest, sign, verify with nonce, policy. */
static void
test_signed_path(void **state)
{
	struct fx *f = *state;
	struct ccakit_ear_verify_opts vo;
	struct ccakit_attest_opts o;
	ccakit_ear *e = NULL, *v;
	ccakit_key *k;
	uint8_t *raw = NULL;
	size_t n;
	char *jwt = NULL;

	memset(&o, 0, sizeof(o));
	o.nonce = f->nonce.p;
	o.nonce_len = 64;
	o.flags = CCAKIT_ATTEST_RAW_EVIDENCE;
	o.build = "test";
	o.policy_id = "policy:ARM_CCA/kb";
	assert_int_equal(ccakit_attest_cca(f->tok.p, f->tok.len, f->tas, NULL,
	    &o, &e, NULL), CCAKIT_OK);
	assert_int_equal(ccakit_ear_raw_evidence(e, &raw, &n), CCAKIT_OK);
	assert_int_equal(n, f->tok.len);
	assert_memory_equal(raw, f->tok.p, n);
	free(raw);
	k = tt_gen_key("P-256");
	assert_int_equal(ccakit_ear_sign_jwt(e, k, 0, &jwt), CCAKIT_OK);
	memset(&vo, 0, sizeof(vo));
	vo.nonce = f->nonce.p;
	vo.nonce_len = 64;
	assert_non_null(v = ccakit_ear_new());
	assert_int_equal(ccakit_ear_verify_jwt(v, jwt, strlen(jwt), k, &vo,
	    NULL), CCAKIT_OK);
	assert_string_equal(ccakit_ear_submod_policy_id(v,
	    CCAKIT_EAR_SUBMOD_PLATFORM), "policy:ARM_CCA/kb");
	assert_int_equal(policy(f, v, true, POL_DEFAULT), CCAKIT_OK);
	assert_int_equal(policy(f, v, false, POL_DEFAULT), CCAKIT_ERR_POLICY);
	free(jwt);
	ccakit_ear_free(&v);
	ccakit_ear_free(&e);
	ccakit_key_free(&k);
}

/*
 * The policy is data: a custom policy changes the decision; invalid Rego
 * and a policy without data.arm_cca.allow fail to compile, with where
 * and why; a policy that fails or runs away gives no decision (an error,
 * quickly); a refusal says why when the policy does.
 */
static void
test_policy_custom(void **state)
{
	static const char allow_all[] = "package arm_cca\nallow := true\n";
	static const char platform_only[] = "package arm_cca\n"
	    "import rego.v1\n"
	    "allow if input.submods.CCA_SSD_PLATFORM[\"ear.status\"] == "
	    "\"affirming\"\n";
	static const char conflict[] = "package arm_cca\n"
	    "allow := true if input.eat_profile\n"
	    "allow := false if input.submods\n";
	static const char endless[] = "package arm_cca\nimport rego.v1\n"
	    "allow if count([x | some x in numbers.range(1, 100000000)]) > 0\n";
	static const char not_bool[] = "package arm_cca\nallow := \"true\"\n";
	static const char *const no_allow[] = {
		"package arm_cca\nallowed := true\n",
		"package keybroker\nallow := true\n",
	};
	struct fx *f = *state;
	struct ccakit_errdetail why;
	struct ccakit_bytes rim = { f->rim, f->rim_len };
	ccakit_rego_doc *data = NULL, *none = NULL;
	kbs_policy *p = NULL;
	ccakit_ear *e;
	uint8_t big[65];
	size_t i;
	int r;

	if (f->demo)
		return;         /* the emulated realm's RIM is the fixture's */
	e = attest(f, f->tok.p, f->tok.len, f->tas, NULL, f->nonce.p, 64,
	    CCAKIT_OK);
	assert_int_equal(kbs_policy_data_new(&rim, 1, &data), CCAKIT_OK);
	assert_int_equal(kbs_policy_data_new(NULL, 0, &none), CCAKIT_OK);

	/* the default refuses unapproved RIMs, and says why */
	memset(&why, 0, sizeof(why));
	assert_int_equal(kbs_policy_eval(get_policy(POL_DEFAULT), e, none,
	    &why), CCAKIT_ERR_POLICY);
	assert_non_null(strstr(why.text, "cca-realm-initial-measurement: "
	    "not among the reference values"));
	assert_int_equal(kbs_policy_eval(get_policy(POL_DEFAULT), e, data,
	    &why), CCAKIT_OK);
	/* custom policies decide otherwise */
	p = compile("allow-all.rego", allow_all, strlen(allow_all));
	assert_int_equal(kbs_policy_eval(p, e, none, &why), CCAKIT_OK);
	kbs_policy_free(&p);
	p = compile("platform.rego", platform_only, strlen(platform_only));
	assert_int_equal(kbs_policy_eval(p, e, none, &why), CCAKIT_OK);
	kbs_policy_free(&p);
	p = compile("not-bool.rego", not_bool, strlen(not_bool));
	assert_int_equal(kbs_policy_eval(p, e, data, &why),
	    CCAKIT_ERR_POLICY);
	assert_non_null(strstr(why.text, "not a boolean"));
	kbs_policy_free(&p);

	/* no decision: an evaluation error, a limit */
	p = compile("conflict.rego", conflict, strlen(conflict));
	assert_int_equal(kbs_policy_eval(p, e, data, &why),
	    CCAKIT_ERR_REGO_EVAL);
	assert_string_equal(why.what, "eval_conflict_error");
	kbs_policy_free(&p);
	p = compile("endless.rego", endless, strlen(endless));
	assert_int_equal(kbs_policy_eval(p, e, data, &why),
	    CCAKIT_ERR_REGO_LIMIT);
	kbs_policy_free(&p);

	/* refused at start */
	r = kbs_policy_new("bad.rego", "package arm_cca\nallow if {\n", 27,
	    &p, &why);
	assert_int_equal(r, CCAKIT_ERR_REGO_PARSE);
	assert_null(p);
	if (strncmp(why.text, "bad.rego:", 9) != 0)
		fail_msg("%s", why.text);
	for (i = 0; i < sizeof(no_allow) / sizeof(no_allow[0]); i++) {
		assert_int_equal(kbs_policy_new("x.rego", no_allow[i],
		    strlen(no_allow[i]), &p, &why), CCAKIT_ERR_POLICY);
		assert_null(p);
		assert_non_null(strstr(why.text, "no rule allow in package "
		    "arm_cca"));
	}
	assert_null(kbs_release_policy_builtin("nope"));
	assert_null(kbs_release_policy_builtin(NULL));
	assert_int_equal(kbs_policy_new(NULL, "", 0, &p, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(kbs_policy_eval(NULL, e, data, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(kbs_policy_eval(get_policy(POL_DEFAULT), NULL, data,
	    NULL), CCAKIT_ERR_INVALID_ARG);
	memset(big, 1, sizeof(big));
	rim.ptr = big;
	rim.len = sizeof(big);
	ccakit_rego_doc_free(&none);
	assert_int_equal(kbs_policy_data_new(&rim, 1, &none),
	    CCAKIT_ERR_INVALID_ARG);
	assert_null(none);
	ccakit_rego_doc_free(&data);
	ccakit_ear_free(&e);
}

static void
test_args(void **state)
{
	struct fx *f = *state;
	struct ccakit_attest_opts o;
	struct ccakit_errdetail why;
	ccakit_ear *e = (ccakit_ear *)1;
	uint8_t *big;

	memset(&o, 0, sizeof(o));
	assert_int_equal(ccakit_attest_cca(NULL, 0, f->tas, NULL, &o, &e,
	    &why), CCAKIT_ERR_INVALID_ARG);
	assert_null(e);
	o.nonce = f->nonce.p;
	o.nonce_len = 65;
	assert_int_equal(ccakit_attest_cca(f->tok.p, f->tok.len, f->tas, NULL,
	    &o, &e, &why), CCAKIT_ERR_INVALID_ARG);
	o.nonce_len = 64;
	o.flags = 0x80;
	assert_int_equal(ccakit_attest_cca(f->tok.p, f->tok.len, f->tas, NULL,
	    &o, &e, &why), CCAKIT_ERR_INVALID_ARG);
	assert_non_null(big = calloc(1, CCAKIT_TOKEN_MAX_SIZE + 1));
	assert_int_equal(ccakit_attest_cca(big, CCAKIT_TOKEN_MAX_SIZE + 1,
	    f->tas, NULL, NULL, &e, &why), CCAKIT_ERR_TOO_LARGE);
	assert_null(e);
	free(big);
}

int
main(void)
{
	/* The cases that any good token serves. */
	const struct CMUnitTest generic[] = {
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_flips),
		cmocka_unit_test(test_realm_rvs),
		cmocka_unit_test(test_platform_rvs),
		cmocka_unit_test(test_signed_path),
		cmocka_unit_test(test_policy_custom),
		cmocka_unit_test(test_args),
	};
	/* Veraison's EAR and the demo's RIM files for its static token. */
	const struct CMUnitTest demo[] = {
		cmocka_unit_test(test_example_token),
		cmocka_unit_test(test_policy_vector),
	};
	size_t i;
	int r;

	r = cmocka_run_group_tests_name("emulated realm", generic,
	    setup_emulated, teardown);
	if (tu_have_vectors(KB)) {
		r += cmocka_run_group_tests_name("keybroker demo", generic,
		    setup_demo, teardown);
		r += cmocka_run_group_tests_name("keybroker demo vectors",
		    demo, setup_demo, teardown);
	}
	for (i = 0; i < POL_N; i++)
		kbs_policy_free(&pols[i]);
	return r;
}
