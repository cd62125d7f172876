/*
 * lib/corim with inputs the test makes itself (no upstream vectors):
 * the emulated realm of demo/ turned into CCA CoRIMs and back into
 * stores that make its token affirming, JSON templates both ways,
 * signing and chain verification with certificates made here, and the
 * strictness of the decoder and of the profile validator on
 * hand-made malformed inputs.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ccakit/appraise.h>
#include <ccakit/corim.h>
#include <ccakit/ear.h>
#include <ccakit/store.h>
#include <ccakit/token.h>
#include <ccakit/tsm.h>
#include <ccakit/tv.h>

#include "corim/corim_priv.h"
#include "corim_sample.h"
#include "testutil.h"

/* --- the emulated realm --- */

struct realm {
	uint8_t token[CCAKIT_TSM_OUTBLOB_MAX];
	size_t len;
	ccakit_ta_store *ta;
	ccakit_rv_store *rv;
};

static void
realm_init(struct realm *r)
{
	ccakit_attester *a;
	ccakit_token *t = NULL;
	uint8_t ch[64];
	uint8_t *jwk;
	size_t jlen;

	char claims[4096], cpak[4096], rak[4096];

	/* tu_src_path returns a static buffer: one copy each. */
	snprintf(claims, sizeof(claims), "%s", tu_src_path("demo/claims.json"));
	snprintf(cpak, sizeof(cpak), "%s", tu_src_path("demo/cpak.pem"));
	snprintf(rak, sizeof(rak), "%s", tu_src_path("demo/rak.pem"));
	memset(ch, 0x5a, sizeof(ch));
	assert_non_null(a = ccakit_attester_new());
	assert_int_equal(ccakit_attester_init_emulated_files(a, claims, cpak,
	    rak, 0, NULL), CCAKIT_OK);
	assert_int_equal(ccakit_attester_get_evidence(a, ch, sizeof(ch),
	    r->token, sizeof(r->token), &r->len, NULL), CCAKIT_OK);
	ccakit_attester_free(&a);
	assert_non_null(t = ccakit_token_new());
	assert_int_equal(ccakit_token_decode(t, r->token, r->len, NULL),
	    CCAKIT_OK);
	jwk = tu_read_file(tu_src_path("demo/cpak.jwk.json"), &jlen);
	assert_non_null(r->ta = ccakit_ta_store_new());
	assert_non_null(r->rv = ccakit_rv_store_new());
	assert_int_equal(ccakit_golden(t, (char *)jwk, jlen, r->ta, r->rv,
	    NULL), CCAKIT_OK);
	free(jwk);
	ccakit_token_free(&t);
}

static void
realm_free(struct realm *r)
{
	ccakit_ta_store_free(&r->ta);
	ccakit_rv_store_free(&r->rv);
}

/* The token against stores: the two tiers and executables claims. */
static void
appraise(const struct realm *r, const ccakit_ta_store *ta,
    const ccakit_rv_store *rv, int8_t pexe, int8_t rexe)
{
	ccakit_ear *ear = NULL;
	struct ccakit_errdetail d;
	struct ccakit_tv tv;

	memset(&d, 0, sizeof(d));
	assert_int_equal(ccakit_attest_cca(r->token, r->len, ta, rv, NULL,
	    &ear, &d), CCAKIT_OK);
	assert_int_equal(d.code, CCAKIT_OK);
	assert_int_equal(ccakit_ear_submod_tv(ear, "CCA_SSD_PLATFORM", &tv),
	    CCAKIT_OK);
	assert_int_equal(tv.v[CCAKIT_TV_EXECUTABLES], pexe);
	assert_int_equal(ccakit_ear_submod_tv(ear, "CCA_REALM", &tv),
	    CCAKIT_OK);
	assert_int_equal(tv.v[CCAKIT_TV_EXECUTABLES], rexe);
	ccakit_ear_free(&ear);
}

/* Round trip through CBOR: the decoder must accept what we wrote. */
static ccakit_corim *
reparse(const ccakit_corim *c)
{
	ccakit_corim *c2 = NULL;
	struct ccakit_errdetail d;
	uint8_t *enc;
	size_t len;

	assert_int_equal(ccakit_corim_encode(c, &enc, &len), CCAKIT_OK);
	memset(&d, 0, sizeof(d));
	if (ccakit_corim_decode(enc, len, &c2, &d) != CCAKIT_OK)
		fail_msg("%s", d.text);
	free(enc);
	return c2;
}

static void
test_from_stores_round_trip(void **state)
{
	struct ccakit_corim_build o;
	struct realm r;
	ccakit_corim *p = NULL, *rl = NULL, *p2, *r2;
	ccakit_ta_store *ta;
	ccakit_rv_store *rv;
	struct ccakit_errdetail d;

	(void)state;
	realm_init(&r);
	memset(&o, 0, sizeof(o));
	o.corim_id = "ccakit-test";
	o.entity_name = "ccakit";
	memset(&d, 0, sizeof(d));
	if (ccakit_corim_from_stores(r.ta, r.rv, &o, &p, &rl, &d) !=
	    CCAKIT_OK)
		fail_msg("%s", d.text);
	assert_non_null(p);
	assert_non_null(rl);
	assert_int_equal(ccakit_corim_profile(p),
	    CCAKIT_CORIM_PROFILE_CCA_PLATFORM);
	assert_int_equal(ccakit_corim_profile(rl),
	    CCAKIT_CORIM_PROFILE_CCA_REALM);
	p2 = reparse(p);
	r2 = reparse(rl);
	assert_int_equal(ccakit_corim_validate_cca(p2, NULL), CCAKIT_OK);
	assert_int_equal(ccakit_corim_validate_cca(r2, NULL), CCAKIT_OK);

	assert_non_null(ta = ccakit_ta_store_new());
	assert_non_null(rv = ccakit_rv_store_new());
	/* Without anything: the platform is unknown. */
	assert_int_equal(ccakit_corim_to_stores(p2, ta, rv, NULL), CCAKIT_OK);
	/* Platform only: realm unrecognized. */
	appraise(&r, ta, rv, CCAKIT_AR_APPROVED_RUNTIME,
	    CCAKIT_AR_UNRECOGNIZED_RUNTIME);
	assert_int_equal(ccakit_corim_to_stores(r2, ta, rv, NULL), CCAKIT_OK);
	appraise(&r, ta, rv, CCAKIT_AR_APPROVED_RUNTIME,
	    CCAKIT_AR_APPROVED_RUNTIME);
	assert_int_equal(ccakit_ta_store_count(ta), 1);
	assert_int_equal(ccakit_rv_store_platform_at(rv, 0)->match,
	    CCAKIT_RV_MATCH_CORIM);

	ccakit_ta_store_free(&ta);
	ccakit_rv_store_free(&rv);
	ccakit_corim_free(&p);
	ccakit_corim_free(&rl);
	ccakit_corim_free(&p2);
	ccakit_corim_free(&r2);
	realm_free(&r);
}

/* The options: text profile, text digest algorithms, masked config. */
static void
test_from_stores_options(void **state)
{
	struct ccakit_corim_build o;
	struct realm r;
	ccakit_corim *p = NULL, *rl = NULL, *p2;
	ccakit_ta_store *ta;
	ccakit_rv_store *rv;
	uint8_t *enc;
	size_t len;

	(void)state;
	realm_init(&r);
	memset(&o, 0, sizeof(o));
	o.profile_form = CCAKIT_CORIM_PROFILE_TEXT;
	o.digest_alg_text = true;
	o.config_masked = true;
	assert_int_equal(ccakit_corim_from_stores(r.ta, r.rv, &o, &p, &rl,
	    NULL), CCAKIT_OK);
	assert_int_equal(ccakit_corim_encode(p, &enc, &len), CCAKIT_OK);
	/* 501({0: bstr(16) random UUID, 1: ..., 3: "tag:..."}) */
	assert_memory_equal(enc, "\xd9\x01\xf5", 3);
	assert_non_null(memmem(enc, len, "\x78\x23" CCAKIT_CORIM_CCA_PLATFORM,
	    37));
	assert_null(memmem(enc, len, "\xd8\x20\x78\x23", 4));
	free(enc);
	p2 = reparse(p);
	assert_int_equal(ccakit_corim_validate_cca(p2, NULL), CCAKIT_OK);
	assert_non_null(ta = ccakit_ta_store_new());
	assert_non_null(rv = ccakit_rv_store_new());
	assert_int_equal(ccakit_corim_to_stores(p2, ta, rv, NULL), CCAKIT_OK);
	assert_int_equal(ccakit_corim_to_stores(rl, ta, rv, NULL), CCAKIT_OK);
	appraise(&r, ta, rv, CCAKIT_AR_APPROVED_RUNTIME,
	    CCAKIT_AR_APPROVED_RUNTIME);
	ccakit_ta_store_free(&ta);
	ccakit_rv_store_free(&rv);
	ccakit_corim_free(&p);
	ccakit_corim_free(&p2);
	ccakit_corim_free(&rl);
	realm_free(&r);
}

/* Display JSON and templates: what comes out goes back in unchanged. */
static void
test_json_round_trip(void **state)
{
	struct realm r;
	ccakit_corim *p = NULL, *rl = NULL;
	ccakit_comid *m = NULL, *m2 = NULL;
	struct ccakit_errdetail d;
	uint8_t *e1, *e2;
	size_t l1, l2, i;
	char *js;
	ccakit_corim *cs[2];

	(void)state;
	realm_init(&r);
	assert_int_equal(ccakit_corim_from_stores(r.ta, r.rv, NULL, &p, &rl,
	    NULL), CCAKIT_OK);
	cs[0] = p;
	cs[1] = rl;
	for (i = 0; i < 2; i++) {
		assert_int_equal(ccakit_corim_comid(cs[i], 0, &m, NULL),
		    CCAKIT_OK);
		assert_int_equal(ccakit_comid_to_json(m, &js), CCAKIT_OK);
		memset(&d, 0, sizeof(d));
		if (ccakit_comid_from_json(js, strlen(js), &m2, &d) !=
		    CCAKIT_OK)
			fail_msg("%s\n%s", d.text, js);
		free(js);
		assert_int_equal(ccakit_comid_encode(m, &e1, &l1), CCAKIT_OK);
		assert_int_equal(ccakit_comid_encode(m2, &e2, &l2), CCAKIT_OK);
		assert_int_equal(l1, l2);
		assert_memory_equal(e1, e2, l1);
		free(e1);
		free(e2);
		ccakit_comid_free(&m);
		ccakit_comid_free(&m2);
		assert_int_equal(ccakit_corim_to_json(cs[i], true, &js),
		    CCAKIT_OK);
		assert_non_null(strstr(js, "\"profile\""));
		free(js);
	}
	ccakit_corim_free(&p);
	ccakit_corim_free(&rl);
	realm_free(&r);
}

/* A CoMID template written for these tests, every member type. */
static const char comid_json[] = CORIM_SAMPLE_COMID_ALL;

static void
test_comid_template(void **state)
{
	ccakit_comid *m = NULL, *m2 = NULL;
	struct ccakit_errdetail d;
	uint8_t *e1, *e2;
	size_t l1, l2;
	char *js;

	(void)state;
	memset(&d, 0, sizeof(d));
	if (ccakit_comid_from_json(comid_json, strlen(comid_json), &m, &d) !=
	    CCAKIT_OK)
		fail_msg("%s", d.text);
	assert_int_equal(m->tag_version, 3);
	assert_int_equal(m->t.ref[0].m[0].mval.digests.n, 3);
	assert_true(m->t.ref[0].m[0].mval.digests.v[0].alg_text);
	assert_int_equal(m->t.ref[0].m[0].mval.digests.v[1].alg, 1);
	assert_int_equal(m->t.ref[0].m[0].mval.flags[3], 1);
	assert_int_equal(m->t.ref[0].m[0].mval.flags[1], 2);
	assert_int_equal(m->t.ref[0].m[0].mval.ext.n, 1);
	assert_int_equal(m->t.ref[0].m[0].mval.ip.len, 4);
	/* Out and in again: the same CBOR. */
	assert_int_equal(ccakit_comid_to_json(m, &js), CCAKIT_OK);
	if (ccakit_comid_from_json(js, strlen(js), &m2, &d) != CCAKIT_OK)
		fail_msg("%s\n%s", d.text, js);
	free(js);
	assert_int_equal(ccakit_comid_encode(m, &e1, &l1), CCAKIT_OK);
	assert_int_equal(ccakit_comid_encode(m2, &e2, &l2), CCAKIT_OK);
	assert_int_equal(l1, l2);
	assert_memory_equal(e1, e2, l1);
	free(e1);
	free(e2);
	ccakit_comid_free(&m);
	ccakit_comid_free(&m2);
}

static void
bad_template(const char *json, const char *why)
{
	ccakit_comid *m = NULL;
	struct ccakit_errdetail d;
	int r;

	memset(&d, 0, sizeof(d));
	r = ccakit_comid_from_json(json, strlen(json), &m, &d);
	if (r == CCAKIT_OK || strstr(d.text, why) == NULL)
		fail_msg("%s: expected \"%s\", got %d \"%s\"", json, why, r,
		    d.text);
	assert_null(m);
}

#define TI "\"tag-identity\": {\"id\": \"t\"}, "
#define ENV "\"environment\": {\"class\": {\"vendor\": \"v\"}}"

static void
test_comid_template_errors(void **state)
{
	(void)state;
	bad_template("[]", "a CoMID template is a JSON object");
	bad_template("{\"tag-identity\": {\"id\": \"t\"}, \"x\": 1}",
	    "unknown member \"x\"");
	bad_template("{\"tag-identity\": {\"id\": \"t\"}}",
	    "missing triples");
	bad_template("{" TI "\"triples\": {}}", "triples: empty map");
	bad_template("{" TI "\"triples\": {\"reference-values\": [{" ENV
	    ", \"measurements\": [{\"value\": {\"digests\": [1, \"AQ\"]}}]}]}}",
	    "an array of digests");
	bad_template("{" TI "\"triples\": {\"reference-values\": [{" ENV
	    ", \"measurements\": [{\"value\": {\"digests\": [[1, \"AQ\"]]}}]}]}}",
	    "sha-256 value of 1 bytes, expected 32");
	bad_template("{" TI "\"triples\": {\"reference-values\": [{" ENV
	    ", \"measurements\": [{\"value\": {\"digests\": [[1, \"**\"]]}}]}]}}",
	    "not base64");
	bad_template("{" TI "\"triples\": {\"reference-values\": [{" ENV
	    ", \"measurements\": [{\"value\": {\"flags\": {\"is-fast\": true}}}]}]}}",
	    "unknown flag");
	bad_template("{" TI "\"triples\": {\"reference-values\": [{" ENV
	    ", \"measurements\": [{\"key\": {\"type\": \"uint\", \"value\": 1}}]}]}}",
	    "missing \"value\"");
	bad_template("{" TI "\"triples\": {\"membership-triples\": []}}",
	    "not supported in templates");
	bad_template("{" TI "\"triples\": {\"reference-values\": [{"
	    "\"environment\": {\"class\": {\"id\": {\"type\": \"uuid\","
	    " \"value\": \"not-a-uuid\"}}}, \"measurements\": [{\"value\":"
	    " {\"name\": \"x\"}}]}]}}", "not a UUID");
	bad_template("{" TI "\"triples\": {\"reference-values\": [{" ENV
	    ", \"measurements\": [{\"value\": {\"raw-value\": {\"type\":"
	    " \"cbor\", \"value\": \"ff\"}}}]}]}}",
	    "not one strict CBOR item");
	bad_template("{\"tag-identity\": {\"id\": \"t\"}, \"lang\": \"a\","
	    " \"lang\": \"b\"}", "duplicate");
	bad_template("{" TI "\"triples\": {\"reference-values\": [{" ENV
	    ", \"measurements\": [{\"value\": {\"version\": {\"value\":"
	    " \"1\", \"scheme\": \"roman\"}}}]}]}}", "unknown scheme");
}

/*
 * A version scheme is any int in CBOR ($version-scheme /= int): one
 * without a name, negative ones too, goes to JSON as its number and
 * back (found by fuzz_comid: -16385 did not come back).
 */
static void
test_version_scheme_int(void **state)
{
	static const int64_t ids[] = { -16385, -1, 0, 77, 16384 };
	ccakit_comid *m = NULL, *m2 = NULL, *m3 = NULL;
	struct ccakit_errdetail d;
	uint8_t *e1, *e2, *e3;
	size_t l1, l2, l3, i;
	char tpl[512], *js;

	(void)state;
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		snprintf(tpl, sizeof(tpl), "{" TI "\"triples\": "
		    "{\"reference-values\": [{" ENV ", \"measurements\": "
		    "[{\"value\": {\"version\": {\"value\": \"1\", "
		    "\"scheme\": %lld}}}]}]}}", (long long)ids[i]);
		memset(&d, 0, sizeof(d));
		if (ccakit_comid_from_json(tpl, strlen(tpl), &m, &d) !=
		    CCAKIT_OK)
			fail_msg("scheme %lld: %s", (long long)ids[i], d.text);
		assert_int_equal(ccakit_comid_encode(m, &e1, &l1), CCAKIT_OK);
		assert_int_equal(ccakit_comid_decode(e1, l1, &m2, NULL),
		    CCAKIT_OK);
		assert_int_equal(ccakit_comid_encode(m2, &e2, &l2), CCAKIT_OK);
		assert_int_equal(l1, l2);
		assert_memory_equal(e1, e2, l1);
		assert_int_equal(ccakit_comid_to_json(m2, &js), CCAKIT_OK);
		memset(&d, 0, sizeof(d));
		if (ccakit_comid_from_json(js, strlen(js), &m3, &d) !=
		    CCAKIT_OK)
			fail_msg("scheme %lld back from JSON: %s\n%s",
			    (long long)ids[i], d.text, js);
		free(js);
		assert_int_equal(ccakit_comid_encode(m3, &e3, &l3), CCAKIT_OK);
		assert_int_equal(l1, l3);
		assert_memory_equal(e1, e3, l1);
		free(e1);
		free(e2);
		free(e3);
		ccakit_comid_free(&m);
		ccakit_comid_free(&m2);
		ccakit_comid_free(&m3);
	}
}

/* A CoRIM template: corim-id, profile forms, validity, entities. */
static void
test_corim_template(void **state)
{
	static const char tpl[] = "{\"corim-id\": "
	    "\"5c57e8f4-46cd-421b-91c9-08cf93e13cfc\", \"profile\": "
	    "{\"type\": \"uri\", \"value\": \"" CCAKIT_CORIM_CCA_REALM "\"},"
	    " \"validity\": {\"not-before\": \"2021-12-31T00:00:00Z\","
	    " \"not-after\": \"2030-01-01T01:00:00+01:00\"},"
	    " \"dependent-rims\": [{\"href\": \"https://x.example/r\","
	    " \"thumbprint\": \"sha-256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}],"
	    " \"entities\": [{\"name\": \"ACME\", \"regid\": "
	    "\"https://acme.example\", \"roles\": [\"manifestCreator\","
	    " \"manifestSigner\"]}]}";
	static const char old[] = "{\"corim-id\": \"text id\", \"profile\":"
	    " \"" CCAKIT_CORIM_CCA_PLATFORM "\"}";
	ccakit_corim *c = NULL;
	struct ccakit_errdetail d;
	char *js;

	(void)state;
	memset(&d, 0, sizeof(d));
	if (ccakit_corim_from_json(tpl, strlen(tpl), &c, &d) != CCAKIT_OK)
		fail_msg("%s", d.text);
	assert_int_equal(ccakit_corim_profile(c),
	    CCAKIT_CORIM_PROFILE_CCA_REALM);
	assert_int_equal(c->pform, CCAKIT_CORIM_PROFILE_URI);
	assert_true(c->has_validity && c->has_nb);
	assert_int_equal(c->nb, 1640908800);
	assert_int_equal(c->na, 1893456000);
	{
		bool hnb = false;
		int64_t nb = 0, na = 0;

		assert_true(ccakit_corim_validity(c, &hnb, &nb, &na));
		assert_true(hnb);
		assert_int_equal(nb, 1640908800);
		assert_int_equal(na, 1893456000);
	}
	assert_int_equal(c->n_ent, 1);
	assert_int_equal(c->ent[0].n_roles, 2);
	assert_int_equal(c->id.len, 17);	/* bstr(16) */
	/* Without tags it cannot be encoded yet. */
	assert_int_not_equal(ccakit_corim_encode(c, (uint8_t **)&js,
	    (size_t *)&d.code), CCAKIT_OK);
	assert_int_equal(ccakit_corim_to_json(c, false, &js), CCAKIT_OK);
	assert_non_null(strstr(js, "\"not-after\": \"2030-01-01T00:00:00Z\""));
	assert_non_null(strstr(js, "5c57e8f4-46cd-421b-91c9-08cf93e13cfc"));
	free(js);
	ccakit_corim_free(&c);

	/* A plain string profile stays a tstr (Veraison v0.0.2605-2608). */
	assert_int_equal(ccakit_corim_from_json(old, strlen(old), &c, NULL),
	    CCAKIT_OK);
	assert_int_equal(c->pform, CCAKIT_CORIM_PROFILE_TEXT);
	assert_false(ccakit_corim_validity(c, NULL, NULL, NULL));
	assert_int_equal(ccakit_corim_set_profile_form(c,
	    CCAKIT_CORIM_PROFILE_URI), CCAKIT_OK);
	ccakit_corim_free(&c);

	assert_int_not_equal(ccakit_corim_from_json("{\"profile\": \"x\"}", 16,
	    &c, &d), CCAKIT_OK);
	assert_non_null(strstr(d.text, "missing corim-id"));
	{
		static const char t2[] = "{\"corim-id\": \"x\", \"validity\": "
		    "{\"not-after\": \"tomorrow\"}}";

		assert_int_not_equal(ccakit_corim_from_json(t2, strlen(t2),
		    &c, &d), CCAKIT_OK);
	}
	assert_non_null(strstr(d.text, "RFC 3339"));
}

/* --- decoder strictness --- */

static void
bad_cbor(const char *hex, const char *why, int code)
{
	ccakit_corim *c = NULL;
	struct ccakit_errdetail d;
	uint8_t *buf;
	size_t len;
	int r;

	buf = tu_hex(hex, &len);
	memset(&d, 0, sizeof(d));
	r = ccakit_corim_decode(buf, len, &c, &d);
	if (r != code || strstr(d.text, why) == NULL)
		fail_msg("%s: expected %d \"%s\", got %d \"%s\"", hex, code,
		    why, r, d.text);
	assert_null(c);
	free(buf);
}

/* A minimal CoMID {1: {0: "t"}, 4: {0: [[{0: {1: "v"}}, [{1: MVAL}]]]}}
 * around the hex of an mval. */
#define COMID(mval) "a201a100617404a10081" "82a100a1016176" "81a101" mval

/* #6.501({0: "i", 1: [#6.506(bstr .cbor comid)]}) in hex. */
static const char *
corim_hex(const char *comid)
{
	static char out[4096];
	size_t n = strlen(comid) / 2;

	if (n < 24)
		snprintf(out, sizeof(out), "d901f5a200616901" "81d901fa%02zx%s",
		    0x40 + n, comid);
	else
		snprintf(out, sizeof(out), "d901f5a200616901"
		    "81d901fa58%02zx%s", n, comid);
	return out;
}

#define ZERO32 \
	"0000000000000000000000000000000000000000000000000000000000000000"

static void
test_decoder_strict(void **state)
{
	ccakit_corim *c = NULL;
	uint8_t *buf;
	size_t len;

	(void)state;
	/* The minimal good one: {2: [[1, 32 bytes]]} */
	buf = tu_hex(corim_hex(COMID("a1028182015820" ZERO32)), &len);
	assert_int_equal(ccakit_corim_decode(buf, len, &c, NULL), CCAKIT_OK);
	ccakit_corim_free(&c);
	free(buf);

	/* Not a CoRIM at all. */
	bad_cbor("01", "expected #6.501", CCAKIT_ERR_CORIM_MALFORMED);
	bad_cbor("d901f4a0", "COSE_Sign1", CCAKIT_ERR_CORIM_MALFORMED);
	/* CBOR level: indefinite, duplicate keys, trailing bytes. */
	bad_cbor("d901f5bf00616901ff", "indefinite",
	    CCAKIT_ERR_CBOR_INDEFINITE);
	bad_cbor("d901f5a2006169006169", "duplicate",
	    CCAKIT_ERR_CBOR_DUPLICATE_KEY);
	bad_cbor("d901f5a1006169 00", "trailing", CCAKIT_ERR_CBOR_TRAILING);
	/* Declared lengths far beyond the input are refused before any
	 * allocation (the reader checks them against what remains). */
	bad_cbor("d901f5a2006169019bffffffffffffffff", "truncated",
	    CCAKIT_ERR_CBOR_TRUNCATED);
	bad_cbor("d901f5a20061690181d901fa5bffffffffffffff00", "truncated",
	    CCAKIT_ERR_CBOR_TRUNCATED);
	/* Structure. */
	bad_cbor("d901f5a1006169", "missing tags (key 1)",
	    CCAKIT_ERR_CORIM_MALFORMED);
	bad_cbor("d901f5a20061690180", "tags: empty array",
	    CCAKIT_ERR_CORIM_MALFORMED);
	bad_cbor("d901f5a20061690181d901fd40", "unknown concise tag #6.509",
	    CCAKIT_ERR_CORIM_MALFORMED);
	bad_cbor("d901f5a20061690181d901fa01", "must hold a byte string",
	    CCAKIT_ERR_CORIM_MALFORMED);
	bad_cbor("d901f5a3006169 0301 0181d901fa41a0", "profile: expected",
	    CCAKIT_ERR_CORIM_MALFORMED);
	bad_cbor(corim_hex("a1006174"), "missing tag-identity",
	    CCAKIT_ERR_CORIM_MALFORMED);
	bad_cbor(corim_hex("a201a100617404a0"), "triples: empty map",
	    CCAKIT_ERR_CORIM_MALFORMED);
	/* A closed map (environment) with an unknown key. */
	bad_cbor(corim_hex("a201a100617404a10081" "82a100a1016176"
	    "81a101a10b6178" "00"), "", CCAKIT_ERR_CBOR_TRAILING);
	bad_cbor(corim_hex("a201a100617404a10081" "82a200a101617609f6"
	    "81a101a10b6178"), "environment: unknown key 9",
	    CCAKIT_ERR_CORIM_MALFORMED);
	/* Digests. */
	bad_cbor(corim_hex(COMID("a102818201581f"
	    "00000000000000000000000000000000000000000000000000000000000000")),
	    "mval.digests[0]: digest: sha-256 value of 31 bytes, expected 32",
	    CCAKIT_ERR_CORIM_MALFORMED);
	bad_cbor(corim_hex(COMID("a10281820c4101")),
	    "sha3-512 value of 1 bytes", CCAKIT_ERR_CORIM_MALFORMED);
	bad_cbor(corim_hex(COMID("a102818218634101")),
	    "unknown algorithm 99", CCAKIT_ERR_CORIM_MALFORMED);
	bad_cbor(corim_hex(COMID("a1028182616140")), "empty value",
	    CCAKIT_ERR_CORIM_MALFORMED);
	bad_cbor(corim_hex(COMID("a10280")), "digests: empty array",
	    CCAKIT_ERR_CORIM_MALFORMED);
	/* Crypto keys: tagged, with the content their tag says. */
	bad_cbor(corim_hex(COMID("a10d814101")), "crypto-key: expected a tag",
	    CCAKIT_ERR_CORIM_MALFORMED);
	bad_cbor(corim_hex(COMID("a10d81d9022a01")), "must hold a text",
	    CCAKIT_ERR_CORIM_MALFORMED);
	/* Measurement values. */
	bad_cbor(corim_hex(COMID("a10a4101")), "uuid: 16 bytes, got 1",
	    CCAKIT_ERR_CORIM_MALFORMED);
	bad_cbor(corim_hex(COMID("a1064101")), "mac-addr: 6 or 8 bytes",
	    CCAKIT_ERR_CORIM_MALFORMED);
	bad_cbor(corim_hex(COMID("a103a103f6")), "flag 3: expected a boolean",
	    CCAKIT_ERR_CORIM_MALFORMED);
	bad_cbor(corim_hex(COMID("a101d902286161")), "svn: expected",
	    CCAKIT_ERR_CORIM_MALFORMED);
	bad_cbor(corim_hex(COMID("a104d90233820102")), "#6.563 value and mask",
	    CCAKIT_ERR_CORIM_MALFORMED);
	bad_cbor(corim_hex(COMID("a0")), "measurement-values-map: empty map",
	    CCAKIT_ERR_CORIM_MALFORMED);
	/* A class-id OID that is not one (found by fuzz_comid: its JSON
	 * form was lost). */
	bad_cbor(corim_hex("a201a100617404a1008182a100a100d86f4201ff"
	    "81a101a10b6178"), "does not hold a well-formed OID",
	    CCAKIT_ERR_CORIM_MALFORMED);
	bad_cbor(corim_hex("a201a100617404a1008182a100a100d86f43068001"
	    "81a101a10b6178"), "does not hold a well-formed OID",
	    CCAKIT_ERR_CORIM_MALFORMED);
	/* A NUL inside a text string (found by fuzz_comid: the JSON form
	 * could not carry it, and C strings would be cut). */
	bad_cbor(corim_hex(COMID("a10b63610062")), "holds a NUL character",
	    CCAKIT_ERR_CORIM_MALFORMED);
	bad_cbor("d901f5a20063690069018 1d901fa41a0", "holds a NUL character",
	    CCAKIT_ERR_CORIM_MALFORMED);
}

/* --- the CCA validator on hand-made CoMIDs --- */

static void
cca_case(const char *profile_hex, const char *comid, const char *why)
{
	ccakit_corim *c = NULL;
	struct ccakit_errdetail d;
	char hex[8192], cm[4096];
	uint8_t *buf;
	size_t len, n, i, k = 0;
	int r;

	for (i = 0; comid[i] != '\0' && k + 1 < sizeof(cm); i++)
		if (comid[i] != ' ')
			cm[k++] = comid[i];
	cm[k] = '\0';
	n = k / 2;
	snprintf(hex, sizeof(hex), "d901f5a3006169 03%s 0181d901fa58%02zx%s",
	    profile_hex, n, cm);
	buf = tu_hex(hex, &len);
	memset(&d, 0, sizeof(d));
	if ((r = ccakit_corim_decode(buf, len, &c, &d)) != CCAKIT_OK)
		fail_msg("%s", d.text);
	r = ccakit_corim_validate_cca(c, &d);
	if (why == NULL ? r != CCAKIT_OK : r != CCAKIT_ERR_CORIM_PROFILE ||
	    strstr(d.text, why) == NULL)
		fail_msg("expected \"%s\", got %d \"%s\"", why ? why : "valid",
		    r, d.text);
	ccakit_corim_free(&c);
	free(buf);
}

/* #6.32(tstr) of the profiles */
#define PLAT "d820782374" "61673a61726d2e636f6d2c323032353a6363615f706c6174666f726d23312e302e30"
#define REALM "d8207820" "7461673a61726d2e636f6d2c323032353a6363615f7265616c6d23312e302e30"

/* {1: {0: "t"}, 4: {0: [[{0: {0: 560(RIM32)}}, [MEAS...]]]}} */
#define RCOMID(n, meas) "a201a100617404a10081" "82a100a100d90230" "5820" \
	ZERO32 n meas
#define RIMM "a200676363612e72696d01a1028182015820" ZERO32
#define REM0 "a200686363612e72656d3001a1028182015820" ZERO32
#define RPVM(len, bytes) "a200676363612e72707601a104d90230" len bytes

static void
test_cca_validator(void **state)
{
	(void)state;
	cca_case(REALM, RCOMID("81", RIMM), NULL);
	cca_case(REALM, RCOMID("82", RIMM REM0), NULL);
	cca_case(REALM, RCOMID("81", REM0), "RIM (cca.rim) measurement is "
	    "mandatory");
	cca_case(REALM, RCOMID("82", RIMM RIMM), "cca.rim given twice");
	cca_case(REALM, RCOMID("82", RIMM RPVM("43", "010203")),
	    "personalization value is 3 bytes");
	/* A cca.rim different from the class-id RIM. */
	cca_case(REALM, "a201a100617404a10081" "82a100a100d90230" "5820"
	    ZERO32 "81" "a200676363612e72696d01a1028182015820"
	    "0100000000000000000000000000000000000000000000000000000000000000",
	    "cca.rim differs from the RIM");
	/* The realm profile has no attestation keys. */
	cca_case(REALM, "a201a100617404a103" "81" "82a100a100d902305820"
	    ZERO32 "81d9022a6178", "attestation keys do not belong");
	/* Platform: a config-only triple, two digests. */
	cca_case(PLAT, "a201a100617404a10081" "82a100a100d90230" "5820"
	    ZERO32 "81" "a200736363612e706c6174666f726d2d636f6e666967"
	    "01a204d90230410105 4101",
	    "at least one software component");
	cca_case(PLAT, "a201a100617404a10081" "82a100a100d90230" "5820"
	    ZERO32 "81" "a200 76 6363612e736f6674776172652d636f6d706f6e656e74"
	    "01a202 82 82015820" ZERO32 "82015820" ZERO32
	    "0d81d902305820" ZERO32, "takes exactly one per software "
	    "component");
	/* Not CCA. */
	{
		ccakit_corim *c = NULL;
		struct ccakit_errdetail d;
		uint8_t *buf;
		size_t len;

		buf = tu_hex(corim_hex(COMID("a10b6178")), &len);
		assert_int_equal(ccakit_corim_decode(buf, len, &c, NULL), 0);
		assert_int_equal(ccakit_corim_validate_cca(c, &d),
		    CCAKIT_ERR_PROFILE_UNKNOWN);
		assert_non_null(strstr(d.text, "has no profile"));
		ccakit_corim_free(&c);
		free(buf);
	}
}

/* --- the match modes of CoRIM reference values (store.h) --- */

/* A copy of the golden platform entry in mode m, changed by `how`. */
enum change { NONE, SIGNER, NO_CONFIG, REORDER, EXTRA, NAME };

static ccakit_rv_store *
variant(const struct realm *r, enum ccakit_rv_match m, enum change how)
{
	const struct ccakit_platform_rv *g;
	struct ccakit_platform_rv p;
	struct ccakit_rv_sw_component sw[CCAKIT_MAX_SW_COMPONENTS + 1];
	ccakit_rv_store *s;
	size_t i;

	assert_non_null(g = ccakit_rv_store_platform_at(r->rv, 0));
	p = *g;
	assert_true(g->n_sw >= 2);
	memcpy(sw, g->sw, g->n_sw * sizeof(sw[0]));
	p.sw = sw;
	p.match = m;
	switch (how) {
	case SIGNER:
		sw[0].signer_id.b[0] ^= 1;
		break;
	case NO_CONFIG:
		p.no_config = true;
		p.config = NULL;
		p.config_len = 0;
		break;
	case REORDER:
		sw[0] = g->sw[1];
		sw[1] = g->sw[0];
		break;
	case EXTRA:
		sw[p.n_sw] = g->sw[0];
		sw[p.n_sw].mval.b[0] ^= 1;
		p.n_sw++;
		break;
	case NAME:
		sw[0].type = (char *)(uintptr_t)"not-the-name";
		break;
	default:
		break;
	}
	assert_non_null(s = ccakit_rv_store_new());
	assert_int_equal(ccakit_rv_store_add_platform(s, &p), CCAKIT_OK);
	for (i = 0; i < ccakit_rv_store_realm_count(r->rv); i++)
		assert_int_equal(ccakit_rv_store_add_realm(s,
		    ccakit_rv_store_realm_at(r->rv, i)), CCAKIT_OK);
	return s;
}

/* Both appraisers: the verifier's (attest) and ccatoken's (appraise). */
static void
both(const struct realm *r, enum ccakit_rv_match m, enum change how,
    bool exe_ok, bool cfg_ok, bool rust_ok)
{
	ccakit_rv_store *s = variant(r, m, how);
	struct ccakit_appraisal res;
	ccakit_ear *ear = NULL;
	ccakit_token *t;
	struct ccakit_tv tv;

	assert_int_equal(ccakit_attest_cca(r->token, r->len, r->ta, s, NULL,
	    &ear, NULL), CCAKIT_OK);
	assert_int_equal(ccakit_ear_submod_tv(ear, "CCA_SSD_PLATFORM", &tv),
	    CCAKIT_OK);
	assert_int_equal(tv.v[CCAKIT_TV_EXECUTABLES], exe_ok ?
	    CCAKIT_AR_APPROVED_RUNTIME : CCAKIT_AR_UNRECOGNIZED_RUNTIME);
	assert_int_equal(tv.v[CCAKIT_TV_CONFIGURATION], cfg_ok ?
	    CCAKIT_AR_APPROVED_CONFIG : CCAKIT_AR_UNSAFE_CONFIG);
	ccakit_ear_free(&ear);
	assert_non_null(t = ccakit_token_new());
	assert_int_equal(ccakit_token_decode(t, r->token, r->len, NULL), 0);
	assert_int_equal(ccakit_token_appraise(t, s, &res), CCAKIT_OK);
	assert_int_equal(res.platform.v[CCAKIT_TV_EXECUTABLES], rust_ok ?
	    CCAKIT_AR_APPROVED_BOOT : 0);
	ccakit_token_free(&t);
	ccakit_rv_store_free(&s);
}

static void
test_match_modes(void **state)
{
	struct realm r;
	ccakit_rv_store *s;
	char *js;

	(void)state;
	realm_init(&r);
	/* rv.json entries: rust-ccatoken's exact ordered list for
	 * ccatoken appraise, the verifier's any-order rule (unchanged). */
	both(&r, CCAKIT_RV_MATCH_TOKEN, NONE, true, true, true);
	both(&r, CCAKIT_RV_MATCH_TOKEN, REORDER, true, true, false);
	both(&r, CCAKIT_RV_MATCH_TOKEN, SIGNER, false, true, false);
	/* Veraison main: signer-ids not compared, order free, a component
	 * the token does not have is fine, names compared, a missing
	 * configuration approves nothing; the same in both appraisers. */
	both(&r, CCAKIT_RV_MATCH_CORIM, SIGNER, true, true, true);
	both(&r, CCAKIT_RV_MATCH_CORIM, REORDER, true, true, true);
	both(&r, CCAKIT_RV_MATCH_CORIM, EXTRA, true, true, true);
	both(&r, CCAKIT_RV_MATCH_CORIM, NAME, false, true, false);
	both(&r, CCAKIT_RV_MATCH_CORIM, NO_CONFIG, true, false, false);
	/* Legacy Veraison: signer-ids compared, no configuration = any. */
	both(&r, CCAKIT_RV_MATCH_CORIM_LEGACY, SIGNER, false, true, false);
	both(&r, CCAKIT_RV_MATCH_CORIM_LEGACY, NO_CONFIG, true, true, true);

	/* rv.json keeps the mode and the missing configuration. */
	s = variant(&r, CCAKIT_RV_MATCH_CORIM_LEGACY, NO_CONFIG);
	assert_int_equal(ccakit_rv_store_to_json(s, &js), CCAKIT_OK);
	assert_non_null(strstr(js, "\"platform-configuration\": null"));
	assert_non_null(strstr(js, "\"match\": \"corim-legacy\""));
	ccakit_rv_store_free(&s);
	assert_non_null(s = ccakit_rv_store_new());
	assert_int_equal(ccakit_rv_store_load_json(s, js, strlen(js), NULL),
	    CCAKIT_OK);
	assert_int_equal(ccakit_rv_store_platform_at(s, 0)->match,
	    CCAKIT_RV_MATCH_CORIM_LEGACY);
	assert_true(ccakit_rv_store_platform_at(s, 0)->no_config);
	free(js);
	ccakit_rv_store_free(&s);
	realm_free(&r);
}

/* --- signing and x5chain verification --- */

struct cert {
	EVP_PKEY *key;
	X509 *x;
	uint8_t der[2048];
	size_t len;
};

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	assert_non_null(e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value));
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

/* A P-256 certificate named cn, signed by issuer (NULL: self-signed),
 * valid from now - 1 day for `days` days. */
static void
make_cert(struct cert *c, const char *cn, const struct cert *issuer,
    bool ca, long days)
{
	unsigned char *p;
	X509_NAME *n;
	int len;

	memset(c, 0, sizeof(*c));
	assert_non_null(c->key = EVP_EC_gen("P-256"));
	assert_non_null(c->x = X509_new());
	X509_set_version(c->x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c->x), (long)(random() + 1));
	n = X509_get_subject_name(c->x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(c->x, issuer != NULL ?
	    X509_get_subject_name(issuer->x) : n);
	X509_gmtime_adj(X509_getm_notBefore(c->x), -86400);
	X509_gmtime_adj(X509_getm_notAfter(c->x), days * 86400);
	X509_set_pubkey(c->x, c->key);
	add_ext(c->x, issuer != NULL ? issuer->x : c->x,
	    NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
	add_ext(c->x, issuer != NULL ? issuer->x : c->x, NID_key_usage,
	    ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
	assert_true(X509_sign(c->x, issuer != NULL ? issuer->key : c->key,
	    EVP_sha256()) > 0);
	p = c->der;
	assert_true((len = i2d_X509(c->x, NULL)) > 0 &&
	    (size_t)len <= sizeof(c->der));
	assert_int_equal(i2d_X509(c->x, &p), len);
	c->len = (size_t)len;
}

static void
free_cert(struct cert *c)
{
	EVP_PKEY_free(c->key);
	X509_free(c->x);
}

static ccakit_key *
cert_private(const struct cert *c)
{
	ccakit_key *k;
	BIO *b;
	char *pem;
	long n;

	assert_non_null(b = BIO_new(BIO_s_mem()));
	assert_int_equal(PEM_write_bio_PrivateKey(b, c->key, NULL, NULL, 0,
	    NULL, NULL), 1);
	n = BIO_get_mem_data(b, &pem);
	assert_non_null(k = ccakit_key_new());
	assert_int_equal(ccakit_key_from_pem(k, pem, (size_t)n), CCAKIT_OK);
	BIO_free(b);
	return k;
}

static ccakit_corim_roots *
roots_of(const struct cert *c)
{
	ccakit_corim_roots *r;

	assert_non_null(r = ccakit_corim_roots_new());
	assert_int_equal(ccakit_corim_roots_add(r, c->der, c->len, NULL),
	    CCAKIT_OK);
	assert_int_equal(ccakit_corim_roots_count(r), 1);
	return r;
}

static int
verify_bytes(const uint8_t *b, size_t len, const ccakit_corim_roots *r,
    int64_t now, struct ccakit_errdetail *d)
{
	ccakit_corim *c = NULL;
	int rc;

	if ((rc = ccakit_corim_decode(b, len, &c, d)) != CCAKIT_OK)
		return rc;
	rc = ccakit_corim_verify(c, r, now, d);
	ccakit_corim_free(&c);
	return rc;
}

static void
test_sign_verify(void **state)
{
	struct cert root, inter, leaf, other, rogue_leaf;
	struct ccakit_corim_meta meta, got;
	struct ccakit_bytes chain[2];
	struct ccakit_errdetail d;
	ccakit_corim_roots *roots, *wrong;
	ccakit_corim *p = NULL, *c = NULL;
	ccakit_key *k, *ik;
	struct realm r;
	uint8_t *sig;
	size_t len;
	int64_t now = (int64_t)time(NULL);

	(void)state;
	realm_init(&r);
	assert_int_equal(ccakit_corim_from_stores(r.ta, r.rv, NULL, &p, NULL,
	    NULL), CCAKIT_OK);
	make_cert(&root, "ccakit test root", NULL, true, 365);
	make_cert(&inter, "ccakit test intermediate", &root, true, 365);
	make_cert(&leaf, "ccakit test signer", &inter, false, 30);
	make_cert(&other, "another root", NULL, true, 365);
	roots = roots_of(&root);
	wrong = roots_of(&other);
	k = cert_private(&leaf);
	chain[0].ptr = leaf.der;
	chain[0].len = leaf.len;
	chain[1].ptr = inter.der;
	chain[1].len = inter.len;
	memset(&meta, 0, sizeof(meta));
	meta.signer_name = "ccakit test signer";
	meta.signer_uri = "https://ccakit.example";
	meta.has_not_before = meta.has_not_after = true;
	meta.not_before = now - 3600;
	meta.not_after = now + 3600;

	memset(&d, 0, sizeof(d));
	if (ccakit_corim_sign(p, k, 0, &meta, chain, 2, (const uint8_t *)"k1",
	    2, &sig, &len, &d) != CCAKIT_OK)
		fail_msg("%s", d.text);
	assert_int_equal(verify_bytes(sig, len, roots, 0, &d), CCAKIT_OK);
	/* What was signed is what decodes, with its meta. */
	assert_int_equal(ccakit_corim_decode(sig, len, &c, NULL), CCAKIT_OK);
	assert_true(ccakit_corim_is_signed(c));
	assert_int_equal(ccakit_corim_meta(c, &got), CCAKIT_OK);
	assert_string_equal(got.signer_name, "ccakit test signer");
	assert_string_equal(got.signer_uri, "https://ccakit.example");
	assert_int_equal(got.not_after, now + 3600);
	assert_int_equal(c->n_x5, 2);
	assert_int_equal(c->kid.len, 2);
	assert_int_equal(ccakit_corim_validate_cca(c, NULL), CCAKIT_OK);
	ccakit_corim_free(&c);
	/* Outside the signature validity; the certificate's validity. */
	assert_int_equal(verify_bytes(sig, len, roots, now + 7200, &d),
	    CCAKIT_ERR_EXPIRED);
	assert_int_equal(verify_bytes(sig, len, roots, now - 7200, &d),
	    CCAKIT_ERR_EXPIRED);
	/* Another root; the intermediate alone is not a root either. */
	assert_int_equal(verify_bytes(sig, len, wrong, 0, &d),
	    CCAKIT_ERR_TA_UNKNOWN);
	/* A flipped bit anywhere in the signature. */
	sig[len - 5] ^= 0x40;
	assert_int_equal(verify_bytes(sig, len, roots, 0, &d),
	    CCAKIT_ERR_SIGNATURE);
	free(sig);

	/* One certificate only: the intermediate is then missing. */
	assert_int_equal(ccakit_corim_sign(p, k, 0, &meta, chain, 1, NULL, 0,
	    &sig, &len, &d), CCAKIT_OK);
	assert_int_equal(verify_bytes(sig, len, roots, 0, &d),
	    CCAKIT_ERR_TA_UNKNOWN);
	free(sig);

	/* The key must be the leaf's. */
	ik = cert_private(&inter);
	assert_int_equal(ccakit_corim_sign(p, ik, 0, &meta, chain, 2, NULL, 0,
	    &sig, &len, &d), CCAKIT_ERR_KEY_MISMATCH);
	/* A CA certificate as the signer is refused at verification. */
	chain[0].ptr = inter.der;
	chain[0].len = inter.len;
	assert_int_equal(ccakit_corim_sign(p, ik, 0, &meta, chain, 1, NULL, 0,
	    &sig, &len, &d), CCAKIT_OK);
	assert_int_equal(verify_bytes(sig, len, roots, 0, &d),
	    CCAKIT_ERR_SIGNATURE);
	assert_non_null(strstr(d.text, "CA certificate"));
	free(sig);
	/* A leaf signed by a rogue CA that claims the intermediate's name. */
	make_cert(&rogue_leaf, "ccakit test signer", &other, false, 30);
	ccakit_key_free(&ik);
	ik = cert_private(&rogue_leaf);
	chain[0].ptr = rogue_leaf.der;
	chain[0].len = rogue_leaf.len;
	chain[1].ptr = inter.der;
	chain[1].len = inter.len;
	assert_int_equal(ccakit_corim_sign(p, ik, 0, &meta, chain, 2, NULL, 0,
	    &sig, &len, &d), CCAKIT_OK);
	assert_int_equal(verify_bytes(sig, len, roots, 0, &d),
	    CCAKIT_ERR_TA_UNKNOWN);
	free(sig);

	/* With a key rather than a chain (cocli's verify --key). */
	assert_int_equal(ccakit_corim_sign(p, k, 0, &meta, NULL, 0, NULL, 0,
	    &sig, &len, &d), CCAKIT_OK);
	assert_int_equal(ccakit_corim_decode(sig, len, &c, NULL), CCAKIT_OK);
	assert_int_equal(ccakit_corim_verify_key(c, k, &d), CCAKIT_OK);
	assert_int_equal(ccakit_corim_verify_key(c, ik, &d),
	    CCAKIT_ERR_SIGNATURE);
	assert_int_equal(ccakit_corim_verify(c, roots, 0, &d),
	    CCAKIT_ERR_NOT_FOUND);
	ccakit_corim_free(&c);
	free(sig);

	/* meta needs a signer; a public key cannot sign. */
	meta.signer_name = NULL;
	assert_int_equal(ccakit_corim_sign(p, k, 0, &meta, NULL, 0, NULL, 0,
	    &sig, &len, &d), CCAKIT_ERR_INVALID_ARG);

	ccakit_key_free(&k);
	ccakit_key_free(&ik);
	ccakit_corim_roots_free(&roots);
	ccakit_corim_roots_free(&wrong);
	free_cert(&root);
	free_cert(&inter);
	free_cert(&leaf);
	free_cert(&other);
	free_cert(&rogue_leaf);
	ccakit_corim_free(&p);
	realm_free(&r);
}

/* A signed CoRIM's protected header: what ccakit refuses. */
static void
test_signed_header(void **state)
{
	(void)state;
	/* Tag 18 around [h'a10126' (alg ES256 only), {}, payload, sig]:
	 * no content-type, no meta. */
	bad_cbor("d28443a10126a0 4101 4101", "content-type",
	    CCAKIT_ERR_CORIM_MALFORMED);
	/* content-type other than application/rim+cbor */
	bad_cbor("d2 84 4f a2 0126 036a 746578742f706c61696e a0 4101 4101",
	    "must be \"application/rim+cbor\"", CCAKIT_ERR_CORIM_MALFORMED);
	/* x5chain unprotected */
	bad_cbor("d28443a10126a11821414141014101", "must be protected",
	    CCAKIT_ERR_CORIM_MALFORMED);
	/* CWT claims (15) instead of corim-meta */
	bad_cbor("d2 84 45 a2 0126 0fa0 a0 4101 4101", "CWT-Claims",
	    CCAKIT_ERR_CORIM_MALFORMED);
	/* EdDSA: decoded as COSE but not an algorithm ccakit verifies */
	bad_cbor("d28443a10127a041014101", "ES256, ES384 and ES512",
	    CCAKIT_ERR_COSE_ALG);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_stores_round_trip),
		cmocka_unit_test(test_from_stores_options),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_comid_template),
		cmocka_unit_test(test_comid_template_errors),
		cmocka_unit_test(test_version_scheme_int),
		cmocka_unit_test(test_corim_template),
		cmocka_unit_test(test_decoder_strict),
		cmocka_unit_test(test_cca_validator),
		cmocka_unit_test(test_match_modes),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_signed_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
