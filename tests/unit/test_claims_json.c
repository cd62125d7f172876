/*
 * Unit tests: token claims to and from Veraison's JSON claims format. The
 * claims are the emulated realm's (tokens made here) and, when the vectors
 * are present, those of the upstream tokens and Go ccatoken's JSON files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ccakit/err.h>
#include <ccakit/token.h>

#include "test_token_util.h"
#include "testutil.h"

#define PDIR "go-ccatoken/platform/json/"
#define RDIR "go-ccatoken/realm/json/"

static ccakit_token *
token_from_vector(const char *rel, uint8_t **buf)
{
	struct ccakit_errdetail d;
	ccakit_token *t;
	size_t len;

	*buf = tu_read_vector(rel, &len);
	assert_non_null(t = ccakit_token_new());
	if (ccakit_token_decode(t, *buf, len, &d) != CCAKIT_OK)
		fail_msg("%s: %s", rel, d.text);
	return t;
}

static json_t *
json_from_text(const char *s, size_t len)
{
	json_error_t e;
	json_t *j;

	if ((j = json_loadb(s, len, 0, &e)) == NULL)
		fail_msg("bad test JSON: %s", e.text);
	return j;
}

/* The claims of the emulated realm's token as JSON, in its 2023 profiles
 * or the legacy ones. */
static json_t *
emulated_json(int legacy)
{
	struct tt_buf b = tt_emulated(CCAKIT_FORMAT_399, legacy);
	ccakit_token *t = ccakit_token_new();
	char *s;
	json_t *j;

	assert_non_null(t);
	assert_int_equal(ccakit_token_decode(t, b.p, b.len, NULL), CCAKIT_OK);
	assert_int_equal(ccakit_token_to_json(t, &s), CCAKIT_OK);
	j = json_from_text(s, strlen(s));
	free(s);
	ccakit_token_free(&t);
	tt_buf_free(&b);
	return j;
}

/* The claims of cca-token-01 as JSON (a valid legacy claim set). */
static json_t *
token01_json(void)
{
	ccakit_token *t;
	uint8_t *tok;
	char *s;
	json_t *j;

	t = token_from_vector("rust-ccatoken/cca-token-01.cbor", &tok);
	assert_int_equal(ccakit_token_to_json(t, &s), CCAKIT_OK);
	j = json_from_text(s, strlen(s));
	free(s);
	free(tok);
	ccakit_token_free(&t);
	return j;
}

/* {"cca-platform-token": p, "cca-realm-delegated-token": r} as text. */
static char *
collection(json_t *p, json_t *r)
{
	json_t *c;
	char *s;

	assert_non_null(c = json_object());
	assert_int_equal(json_object_set(c, "cca-platform-token", p), 0);
	assert_int_equal(json_object_set(c, "cca-realm-delegated-token", r), 0);
	assert_non_null(s = json_dumps(c, JSON_COMPACT));
	json_decref(c);
	return s;
}

static json_t *
vector_json(const char *rel)
{
	uint8_t *b;
	size_t len;
	json_t *j;

	b = tu_read_vector(rel, &len);
	j = json_from_text((char *)b, len);
	free(b);
	return j;
}

static int
load(ccakit_claimset *c, const char *s, struct ccakit_errdetail *d)
{
	memset(d, 0, sizeof(*d));
	return ccakit_claimset_from_json(c, s, strlen(s), d);
}

/* Load the collection of pv and rv into c. */
static int
load_pr(ccakit_claimset *c, json_t *pv, json_t *rv,
    struct ccakit_errdetail *d)
{
	char *s = collection(pv, rv);
	int r;

	r = load(c, s, d);
	free(s);
	return r;
}

static void
test_valid_full(void **state)
{
	const struct ccakit_platform_claims *p;
	struct ccakit_errdetail d;
	ccakit_claimset *c;
	json_t *ref, *pv;
	char *s;

	(void)state;
	tu_need_vectors("rust-ccatoken");
	tu_need_vectors("go-ccatoken");
	ref = token01_json();
	pv = vector_json(PDIR "test-token-valid-full.json");
	s = collection(pv, json_object_get(ref, "cca-realm-delegated-token"));
	assert_non_null(c = ccakit_claimset_new());
	assert_null(ccakit_claimset_platform(c));
	assert_null(ccakit_claimset_realm(c));
	if (load(c, s, &d) != CCAKIT_OK)
		fail_msg("%s", d.text);
	assert_non_null(p = ccakit_claimset_platform(c));
	assert_non_null(ccakit_claimset_realm(c));
	assert_int_equal(p->profile, CCAKIT_PLATFORM_LEGACY);
	assert_int_equal(p->lifecycle, 12288);
	assert_int_equal(p->challenge.len, 32);
	assert_int_equal(p->inst_id.len, 33);
	assert_int_equal(p->inst_id.ptr[0], 0x01);
	assert_int_equal(p->config.len, 3);
	assert_int_equal(p->n_sw, 1);
	assert_int_equal(p->sw[0].present, 0);
	assert_int_equal(p->sw[0].mval.ptr[0], 0x03);
	assert_int_equal(p->sw[0].signer_id.ptr[31], 0x04);
	assert_true(p->present & CCAKIT_PLAT_VSI);
	assert_int_equal(p->vsi.len, strlen(
	    "https://veraison.example/v1/challenge-response"));
	free(s);
	json_decref(pv);
	json_decref(ref);
	ccakit_claimset_free(&c);
	assert_null(c);
	ccakit_claimset_free(NULL);
}

static void
test_platform_negatives(void **state)
{
	static const struct {
		const char *file;
		int code;
	} neg[] = {
		{ "test-config-missing.json", CCAKIT_ERR_CLAIM_MISSING },
		{ "test-hash-algid-invalid.json", CCAKIT_ERR_CLAIM_VALUE },
		{ "test-hash-algid-missing.json", CCAKIT_ERR_CLAIM_MISSING },
		{ "test-implementation-id-invalid-long.json",
		    CCAKIT_ERR_CLAIM_VALUE },
		{ "test-implementation-id-invalid-missing.json",
		    CCAKIT_ERR_CLAIM_MISSING },
		{ "test-instance-id-invalid.json", CCAKIT_ERR_CLAIM_VALUE },
		{ "test-instance-id-missing.json", CCAKIT_ERR_CLAIM_MISSING },
		{ "test-invalid-profile.json", CCAKIT_ERR_PROFILE_UNKNOWN },
		/* PSA names are unknown members. */
		{ "test-invalid-psa-claims.json", CCAKIT_ERR_JSON },
		{ "test-lifecycle-invalid.json", CCAKIT_ERR_CLAIM_VALUE },
		{ "test-no-sw-components.json", CCAKIT_ERR_CLAIM_MISSING },
		{ "test-nonce-invalid.json", CCAKIT_ERR_CLAIM_VALUE },
		{ "test-sw-components-invalid-combo.json", CCAKIT_ERR_ENCODING },
		{ "test-sw-components-invalid-missing.json",
		    CCAKIT_ERR_CLAIM_MISSING },
		{ "test-vsi-invalid-empty.json", CCAKIT_ERR_CLAIM_VALUE },
	};
	struct ccakit_errdetail d;
	ccakit_claimset *c;
	json_t *ref, *pv;
	char path[128], *s;
	size_t i;

	(void)state;
	tu_need_vectors("rust-ccatoken");
	tu_need_vectors("go-ccatoken");
	ref = token01_json();
	assert_non_null(c = ccakit_claimset_new());
	for (i = 0; i < sizeof(neg) / sizeof(neg[0]); i++) {
		(void)snprintf(path, sizeof(path), PDIR "%s", neg[i].file);
		pv = vector_json(path);
		s = collection(pv, json_object_get(ref,
		    "cca-realm-delegated-token"));
		if (load(c, s, &d) != neg[i].code)
			fail_msg("%s: want %d, got %d (%s)", neg[i].file,
			    neg[i].code, d.code, d.text);
		assert_true(d.text[0] != '\0');
		assert_null(ccakit_claimset_platform(c));
		free(s);
		json_decref(pv);
	}
	json_decref(ref);
	ccakit_claimset_free(&c);
}

static void
test_realm_negatives(void **state)
{
	static const struct {
		const char *file;
		int code;
		const char *what;
	} neg[] = {
		{ "test-invalid-extended-meas.json", CCAKIT_ERR_CLAIM_VALUE,
		    "extensible-measurements" },
		{ "test-invalid-initial-meas.json", CCAKIT_ERR_CLAIM_VALUE,
		    "initial-measurement" },
		{ "test-invalid-nonce.json", CCAKIT_ERR_CLAIM_VALUE,
		    "challenge" },
		{ "test-invalid-personalization-val.json",
		    CCAKIT_ERR_CLAIM_VALUE, "personalization-value" },
		{ "test-invalid-public-key.json", CCAKIT_ERR_CLAIM_VALUE,
		    "public-key" },
		{ "test-missing-extended-meas.json", CCAKIT_ERR_CLAIM_MISSING,
		    "cca-realm-extensible-measurements" },
		{ "test-missing-hash-alg-id.json", CCAKIT_ERR_CLAIM_MISSING,
		    "cca-realm-hash-algo-id" },
		{ "test-missing-initial-meas.json", CCAKIT_ERR_CLAIM_MISSING,
		    "cca-realm-initial-measurement" },
		{ "test-missing-nonce.json", CCAKIT_ERR_CLAIM_MISSING,
		    "cca-realm-challenge" },
		{ "test-missing-personalization-val.json",
		    CCAKIT_ERR_CLAIM_MISSING, "cca-realm-personalization-value" },
		{ "test-missing-public-key-alg-id.json",
		    CCAKIT_ERR_CLAIM_MISSING,
		    "cca-realm-public-key-hash-algo-id" },
		{ "test-missing-public-key.json", CCAKIT_ERR_CLAIM_MISSING,
		    "cca-realm-public-key" },
		/*
		 * Spec §6.2 caveat: the "valid" file carries 97 bytes that
		 * are not a P-384 point where the legacy profile (no profile
		 * claim) requires one, so it fails on the public key.
		 */
		{ "test-cca-claims-all-valid.json", CCAKIT_ERR_CLAIM_VALUE,
		    "public-key" },
	};
	struct ccakit_errdetail d;
	ccakit_claimset *c;
	json_t *pv, *rv;
	char path[128];
	size_t i;

	(void)state;
	tu_need_vectors("go-ccatoken");
	pv = vector_json(PDIR "test-token-valid-full.json");
	assert_non_null(c = ccakit_claimset_new());
	for (i = 0; i < sizeof(neg) / sizeof(neg[0]); i++) {
		(void)snprintf(path, sizeof(path), RDIR "%s", neg[i].file);
		rv = vector_json(path);
		if (load_pr(c, pv, rv, &d) != neg[i].code)
			fail_msg("%s: want %d, got %d (%s)", neg[i].file,
			    neg[i].code, d.code, d.text);
		assert_non_null(d.what);
		assert_string_equal(d.what, neg[i].what);
		json_decref(rv);
	}
	json_decref(pv);
	ccakit_claimset_free(&c);
}

/* With a real RAK, the "all valid" realm claims are valid indeed. */
static void
test_realm_all_valid_with_point(void **state)
{
	const struct ccakit_realm_claims *r;
	struct ccakit_errdetail d;
	ccakit_claimset *c;
	json_t *ref, *pv, *rv;
	char *s;

	(void)state;
	tu_need_vectors("rust-ccatoken");
	tu_need_vectors("go-ccatoken");
	ref = token01_json();
	pv = vector_json(PDIR "test-token-valid-full.json");
	rv = vector_json(RDIR "test-cca-claims-all-valid.json");
	assert_int_equal(json_object_set(rv, "cca-realm-public-key",
	    json_object_get(json_object_get(ref, "cca-realm-delegated-token"),
	    "cca-realm-public-key")), 0);
	s = collection(pv, rv);
	assert_non_null(c = ccakit_claimset_new());
	if (load(c, s, &d) != CCAKIT_OK)
		fail_msg("%s", d.text);
	assert_non_null(r = ccakit_claimset_realm(c));
	assert_int_equal(r->profile, CCAKIT_REALM_LEGACY);
	assert_int_equal(r->challenge.len, 64);
	assert_int_equal(r->rim.len, 64);
	assert_int_equal(r->rem[3].ptr[63], 'C');
	assert_int_equal(r->rak.len, 97);
	assert_int_equal(r->rak_hash_alg.len, 7);
	assert_memory_equal(r->rak_hash_alg.ptr, "sha-512", 7);
	free(s);
	json_decref(rv);
	json_decref(pv);
	json_decref(ref);
	ccakit_claimset_free(&c);
}

/* Token → JSON → claims: the same claims, encoded byte for byte alike. */
static void
roundtrip(const char *rel, struct tt_buf tok)
{
	uint8_t a[8192], b[8192];
	size_t alen, blen;
	struct ccakit_errdetail d;
	ccakit_claimset *c;
	ccakit_token *t;
	char *s;

	assert_non_null(t = ccakit_token_new());
	if (ccakit_token_decode(t, tok.p, tok.len, &d) != CCAKIT_OK)
		fail_msg("%s: %s", rel, d.text);
	assert_int_equal(ccakit_token_to_json(t, &s), CCAKIT_OK);
	assert_non_null(c = ccakit_claimset_new());
	if (load(c, s, &d) != CCAKIT_OK)
		fail_msg("%s: %s", rel, d.text);
	assert_int_equal(ccakit_platform_claims_encode(ccakit_token_platform(t),
	    a, sizeof(a), &alen), CCAKIT_OK);
	assert_int_equal(ccakit_platform_claims_encode(
	    ccakit_claimset_platform(c), b, sizeof(b), &blen), CCAKIT_OK);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	assert_int_equal(ccakit_realm_claims_encode(ccakit_token_realm(t),
	    a, sizeof(a), &alen), CCAKIT_OK);
	assert_int_equal(ccakit_realm_claims_encode(ccakit_claimset_realm(c),
	    b, sizeof(b), &blen), CCAKIT_OK);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	/* The claimset owns its bytes: the token buffer can go. */
	memset(tok.p, 0, 64);
	assert_int_equal(ccakit_realm_claims_encode(ccakit_claimset_realm(c),
	    a, sizeof(a), &alen), CCAKIT_OK);
	assert_memory_equal(a, b, alen);
	/* Loading what we wrote again is stable. */
	assert_int_equal(load(c, s, &d), CCAKIT_OK);
	free(s);
	ccakit_token_free(&t);
	ccakit_claimset_free(&c);
}

static void
test_roundtrip(void **state)
{
	static const char *const files[] = {
		"rust-ccatoken/cca-token-01.cbor",
		"rust-ccatoken/cca-token-02.cbor",
		"rust-ccatoken/cca-token-draft-ffm-00.cbor",
		"rust-ccatoken/bug-33-repro.cbor",
		"go-ccatoken/evidence/GoodCCAToken.cbor",
	};

	(void)state;
	tt_for_each_token(roundtrip, files, sizeof(files) / sizeof(files[0]));
}

static void
test_to_json_layout(void **state)
{
	static const char head[] =
	    "{\n"
	    "  \"cca-platform-token\": {\n"
	    "    \"cca-platform-profile\": \"http://arm.com/CCA-SSD/1.0.0\",\n"
	    "    \"cca-platform-challenge\": ";
	ccakit_token *t;
	uint8_t *tok;
	char *s, *p, *r;

	(void)state;
	tu_need_vectors("rust-ccatoken");
	tu_need_vectors("go-ccatoken");
	t = token_from_vector("rust-ccatoken/cca-token-01.cbor", &tok);
	assert_int_equal(ccakit_token_to_json(t, &s), CCAKIT_OK);
	assert_memory_equal(s, head, strlen(head));
	/* Padded standard base64; lifecycle as a number; order. */
	assert_non_null(strstr(s, "\"cca-platform-implementation-id\": "
	    "\"f0VMRgIBAQAAAAAAAAAAAAMAPgABAAAAUFgAAAAAAAA=\",\n"));
	assert_non_null(strstr(s, "\"cca-platform-lifecycle\": 12291,\n"));
	assert_non_null(strstr(s, "\"measurement-type\": \"BL\",\n"));
	assert_non_null(p = strstr(s, "\"cca-platform-service-indicator\""));
	assert_non_null(r = strstr(s, "\"cca-realm-delegated-token\""));
	assert_true(p < r);
	assert_null(strstr(s, "cca-realm-profile"));
	assert_non_null(strstr(s, "\"cca-realm-public-key-hash-algo-id\": "
	    "\"sha-256\"\n  }\n}"));
	free(s);
	assert_int_equal(ccakit_token_to_json(NULL, &s), CCAKIT_ERR_INVALID_ARG);
	assert_null(s);
	free(tok);
	ccakit_token_free(&t);
	t = token_from_vector("rust-ccatoken/cca-token-draft-ffm-00.cbor",
	    &tok);
	assert_int_equal(ccakit_token_to_json(t, &s), CCAKIT_OK);
	assert_non_null(strstr(s, "\"cca-realm-profile\": "
	    "\"tag:arm.com,2023:realm#1.0.0\",\n"));
	free(s);
	free(tok);
	ccakit_token_free(&t);
}

/* The 2024 profiles and their claims, from 2023 claims (j). */
static void
profile_2024(json_t *j)
{
	const struct ccakit_platform_claims *p;
	const struct ccakit_realm_claims *r;
	struct ccakit_errdetail d;
	ccakit_claimset *c;
	json_t *pv, *rv;
	char *s;

	pv = json_object_get(j, "cca-platform-token");
	rv = json_object_get(j, "cca-realm-delegated-token");
	assert_int_equal(json_object_set_new(pv, "cca-platform-profile",
	    json_string("tag:arm.com,2024:cca_platform#2.0.0")), 0);
	assert_int_equal(json_object_set_new(rv, "cca-realm-profile",
	    json_string("tag:arm.com,2024:realm#2.0.0")), 0);
	assert_int_equal(json_object_set_new(pv, "cca-platform-client-id",
	    json_integer(1)), 0);
	assert_int_equal(json_object_set_new(pv,
	    "cca-platform-manufacturing-config", json_string("AQID")), 0);
	/* Empty CBOR arrays (0x80). */
	assert_int_equal(json_object_set_new(pv, "cca-platform-extension",
	    json_string("gA==")), 0);
	assert_int_equal(json_object_set_new(pv, "cca-platform-tbb-rotpk",
	    json_string("gA==")), 0);
	assert_int_equal(json_object_set_new(pv, "cca-platform-peer-signers",
	    json_string("BAU=")), 0);
	assert_int_equal(json_object_set(rv, "cca-realm-instance-id",
	    json_object_get(pv, "cca-platform-instance-id")), 0);
	assert_int_equal(json_object_set_new(rv, "cca-realm-mec-policy",
	    json_string("shared")), 0);
	s = collection(pv, rv);
	assert_non_null(c = ccakit_claimset_new());
	if (load(c, s, &d) != CCAKIT_OK)
		fail_msg("%s", d.text);
	free(s);
	p = ccakit_claimset_platform(c);
	r = ccakit_claimset_realm(c);
	assert_int_equal(p->profile, CCAKIT_PLATFORM_2024);
	assert_int_equal(p->present & ~CCAKIT_PLAT_VSI, CCAKIT_PLAT_CLIENT_ID |
	    CCAKIT_PLAT_MFG_CONFIG | CCAKIT_PLAT_EXTENSION |
	    CCAKIT_PLAT_TBB_ROTPK | CCAKIT_PLAT_PEER_SIGNERS);
	assert_int_equal(p->client_id, 1);
	assert_int_equal(p->extension.len, 1);
	assert_int_equal(p->extension.ptr[0], 0x80);
	assert_int_equal(p->peer_signers.len, 2);
	assert_int_equal(r->profile, CCAKIT_REALM_2024);
	assert_int_equal(r->present, CCAKIT_REALM_INSTANCE_ID |
	    CCAKIT_REALM_MEC_POLICY);
	assert_int_equal(r->mec_policy, 0);
	assert_int_equal(r->instance_id.len, 33);

	/* A bad value in each of the new claims. */
	assert_int_equal(json_object_set_new(pv, "cca-platform-extension",
	    json_string("oA==")), 0);
	assert_int_not_equal(load_pr(c, pv, rv, &d), CCAKIT_OK);
	assert_int_equal(json_object_set_new(pv, "cca-platform-extension",
	    json_string("gA==")), 0);
	assert_int_equal(json_object_set_new(rv, "cca-realm-mec-policy",
	    json_string("public")), 0);
	assert_int_equal(load_pr(c, pv, rv, &d), CCAKIT_ERR_CLAIM_VALUE);
	assert_int_equal(json_object_del(rv, "cca-realm-mec-policy"), 0);
	assert_int_equal(json_object_del(pv, "cca-platform-client-id"), 0);
	assert_int_equal(load_pr(c, pv, rv, &d), CCAKIT_ERR_CLAIM_MISSING);
	assert_string_equal(d.what, "client-id");
	/* The first load stands. */
	assert_int_equal(ccakit_claimset_platform(c)->client_id, 1);
	ccakit_claimset_free(&c);
}

/* On the emulated realm's claims, and on draft-ffm-00's. */
static void
test_profile_2024(void **state)
{
	ccakit_token *t;
	uint8_t *tok;
	json_t *j;
	char *s;

	(void)state;
	j = emulated_json(0);
	profile_2024(j);
	json_decref(j);
	if (!tu_have_vectors("rust-ccatoken"))
		return;
	t = token_from_vector("rust-ccatoken/cca-token-draft-ffm-00.cbor",
	    &tok);
	assert_int_equal(ccakit_token_to_json(t, &s), CCAKIT_OK);
	j = json_from_text(s, strlen(s));
	free(s);
	profile_2024(j);
	json_decref(j);
	free(tok);
	ccakit_token_free(&t);
}

/* Schema errors, each on an otherwise valid legacy claim set (ref, whose
 * lifecycle is given). */
static void
schema(json_t *ref, json_int_t lifecycle)
{
	struct ccakit_errdetail d;
	ccakit_claimset *c;
	json_t *pv, *rv, *sw, *bad;
	char *s;

	assert_non_null(c = ccakit_claimset_new());
	assert_int_equal(load(c, "[]", &d), CCAKIT_ERR_JSON);
	assert_int_equal(load(c, "{", &d), CCAKIT_ERR_JSON);
	assert_int_equal(load(c, "{\"cca-platform-token\": {}}", &d),
	    CCAKIT_ERR_CLAIM_MISSING);
	assert_int_equal(load(c, "{\"x\": 1}", &d), CCAKIT_ERR_JSON);
	assert_int_equal(load(c, "{\"cca-platform-token\": 1, "
	    "\"cca-realm-delegated-token\": {}}", &d), CCAKIT_ERR_JSON);
	assert_int_equal(ccakit_claimset_from_json(c, "{}",
	    4 * CCAKIT_TOKEN_MAX_SIZE + 1, &d), CCAKIT_ERR_TOO_LARGE);
	assert_int_equal(ccakit_claimset_from_json(NULL, "{}", 2, &d),
	    CCAKIT_ERR_INVALID_ARG);

	/* A good load, then failures that must leave it in place. */
	s = json_dumps(ref, JSON_COMPACT);
	assert_int_equal(load(c, s, &d), CCAKIT_OK);
	free(s);

#define MUTATE(obj, key, val, want) do {				\
	pv = json_deep_copy(json_object_get(ref, "cca-platform-token"));	\
	rv = json_deep_copy(json_object_get(ref,			\
	    "cca-realm-delegated-token"));				\
	assert_int_equal(json_object_set_new(obj, key, val), 0);	\
	if (load_pr(c, pv, rv, &d) != (want))				\
		fail_msg("%s: want %d, got %d (%s)", key, want, d.code,	\
		    d.text);						\
	json_decref(pv);						\
	json_decref(rv);						\
} while (0)

	/* Unpadded base64 is refused, and so are URL-safe symbols. */
	MUTATE(pv, "cca-platform-implementation-id",
	    json_string("f0VMRgIBAQAAAAAAAAAAAAMAPgABAAAAUFgAAAAAAAA"),
	    CCAKIT_ERR_ENCODING);
	MUTATE(pv, "cca-platform-config", json_string("-_-_"),
	    CCAKIT_ERR_ENCODING);
	MUTATE(pv, "cca-platform-lifecycle", json_string("12288"),
	    CCAKIT_ERR_JSON);
	MUTATE(pv, "cca-platform-lifecycle", json_integer(70000),
	    CCAKIT_ERR_CLAIM_VALUE);
	MUTATE(pv, "cca-platform-lifecycle", json_integer(-1),
	    CCAKIT_ERR_CLAIM_VALUE);
	MUTATE(pv, "cca-platform-profile", json_integer(1), CCAKIT_ERR_JSON);
	MUTATE(pv, "cca-platform-sw-components", json_array(),
	    CCAKIT_ERR_CLAIM_VALUE);
	MUTATE(pv, "cca-platform-sw-components", json_object(),
	    CCAKIT_ERR_JSON);
	/* 2024 claims under the legacy profile would be dropped. */
	MUTATE(pv, "cca-platform-client-id", json_integer(1),
	    CCAKIT_ERR_CLAIM_VALUE);
	MUTATE(pv, "cca-platform-typo", json_integer(1), CCAKIT_ERR_JSON);
	MUTATE(rv, "cca-realm-mec-policy", json_string("private"),
	    CCAKIT_ERR_CLAIM_VALUE);
	MUTATE(rv, "cca-realm-profile", json_string("tag:arm.com,2022:realm"),
	    CCAKIT_ERR_PROFILE_UNKNOWN);
	/* The 2023 profile needs a COSE_Key RAK. */
	MUTATE(rv, "cca-realm-profile",
	    json_string("tag:arm.com,2023:realm#1.0.0"),
	    CCAKIT_ERR_CLAIM_VALUE);
	MUTATE(rv, "cca-realm-hash-algo-id", json_string("md5"),
	    CCAKIT_ERR_CLAIM_VALUE);
	assert_non_null(bad = json_array());
	MUTATE(rv, "cca-realm-extensible-measurements", bad,
	    CCAKIT_ERR_CLAIM_VALUE);
	MUTATE(rv, "cca-realm-extensible-measurements", json_string("x"),
	    CCAKIT_ERR_JSON);

	/* Members of sw components. */
	pv = json_deep_copy(json_object_get(ref, "cca-platform-token"));
	rv = json_deep_copy(json_object_get(ref, "cca-realm-delegated-token"));
	sw = json_array_get(json_object_get(pv, "cca-platform-sw-components"),
	    1);
	assert_int_equal(json_object_set_new(sw, "measurement-type",
	    json_integer(3)), 0);
	assert_int_equal(load_pr(c, pv, rv, &d), CCAKIT_ERR_JSON);
	assert_int_equal(json_object_del(sw, "measurement-type"), 0);
	assert_int_equal(json_object_del(sw, "signer-id"), 0);
	assert_int_equal(load_pr(c, pv, rv, &d), CCAKIT_ERR_CLAIM_MISSING);
	assert_string_equal(d.what, "signer-id");
	json_decref(pv);
	json_decref(rv);

	/* Still the first, good claims. */
	assert_non_null(ccakit_claimset_platform(c));
	assert_int_equal(ccakit_claimset_platform(c)->lifecycle, lifecycle);
	ccakit_claimset_free(&c);
}

static void
test_schema(void **state)
{
	json_t *ref;

	(void)state;
	ref = emulated_json(1);
	schema(ref, 12288);	/* demo/claims.json */
	json_decref(ref);
	if (!tu_have_vectors("rust-ccatoken"))
		return;
	ref = token01_json();
	schema(ref, 12291);
	json_decref(ref);
}

/* Every truncation of a valid claim set fails cleanly. */
static void
truncations(json_t *ref)
{
	struct ccakit_errdetail d;
	ccakit_claimset *c;
	char *s;
	size_t i, n;

	s = json_dumps(ref, JSON_COMPACT);
	n = strlen(s);
	assert_non_null(c = ccakit_claimset_new());
	for (i = 0; i < n; i++)
		assert_int_not_equal(ccakit_claimset_from_json(c, s, i, &d),
		    CCAKIT_OK);
	assert_null(ccakit_claimset_platform(c));
	assert_int_equal(ccakit_claimset_from_json(c, s, n, &d), CCAKIT_OK);
	free(s);
	ccakit_claimset_free(&c);
}

static void
test_truncations(void **state)
{
	json_t *ref;

	(void)state;
	ref = emulated_json(0);
	truncations(ref);
	json_decref(ref);
	if (!tu_have_vectors("rust-ccatoken"))
		return;
	ref = token01_json();
	truncations(ref);
	json_decref(ref);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_full),
		cmocka_unit_test(test_platform_negatives),
		cmocka_unit_test(test_realm_negatives),
		cmocka_unit_test(test_realm_all_valid_with_point),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_to_json_layout),
		cmocka_unit_test(test_profile_2024),
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_truncations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
