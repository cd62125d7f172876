/*
 * Token decoding: the upstream vectors (spec §6), one-defect claim maps
 * built from good ones, the collection envelope, byte-exact re-encoding,
 * truncations and all 1- and 2-byte inputs. The good claims and tokens
 * are the emulated realm's, and the upstream ones too when the vectors
 * are present.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/cbor.h>
#include <ccakit/err.h>
#include <ccakit/token.h>

#include "testutil.h"
#include "test_token_util.h"

#define MAXBUF (CCAKIT_TOKEN_MAX_SIZE + 16)

/* --- full tokens --- */

static const struct {
	const char *file;
	int want;
	enum ccakit_token_format fmt;
	enum ccakit_platform_profile pprof;
	enum ccakit_realm_profile rprof;
} token_tab[] = {
	{ "rust-ccatoken/cca-token-01.cbor", CCAKIT_OK, CCAKIT_FORMAT_399,
	    CCAKIT_PLATFORM_LEGACY, CCAKIT_REALM_LEGACY },
	{ "rust-ccatoken/cca-token-02.cbor", CCAKIT_OK, CCAKIT_FORMAT_399,
	    CCAKIT_PLATFORM_LEGACY, CCAKIT_REALM_LEGACY },
	{ "rust-ccatoken/cca-token-draft-ffm-00.cbor", CCAKIT_OK,
	    CCAKIT_FORMAT_399, CCAKIT_PLATFORM_2023, CCAKIT_REALM_2023 },
	{ "rust-ccatoken/bug-33-repro.cbor", CCAKIT_OK, CCAKIT_FORMAT_399,
	    CCAKIT_PLATFORM_LEGACY, CCAKIT_REALM_LEGACY },
	{ "go-ccatoken/evidence/GoodCCAToken.cbor", CCAKIT_OK,
	    CCAKIT_FORMAT_907, CCAKIT_PLATFORM_2023, CCAKIT_REALM_2023 },
	{ "go-ccatoken/evidence/GoodLegacyCCAToken.cbor", CCAKIT_OK,
	    CCAKIT_FORMAT_399, CCAKIT_PLATFORM_2023, CCAKIT_REALM_2023 },
	{ "go-ccatoken/evidence/RMMLegacyEvidence.cbor", CCAKIT_OK,
	    CCAKIT_FORMAT_907, CCAKIT_PLATFORM_LEGACY, CCAKIT_REALM_LEGACY },
	{ "go-ccatoken/evidence/BadUnwrappedTokens.cbor",
	    CCAKIT_ERR_TOKEN_MALFORMED, 0, 0, 0 },
	{ "go-ccatoken/realm/tf-rmm/cca_token.cbor", CCAKIT_OK,
	    CCAKIT_FORMAT_399, CCAKIT_PLATFORM_LEGACY, CCAKIT_REALM_LEGACY },
};

static void
test_vector_tokens(void **state)
{
	struct ccakit_errdetail d;
	ccakit_token *t;
	struct tt_buf b;
	size_t i;
	int r;

	(void)state;
	tu_need_vectors("rust-ccatoken");
	tu_need_vectors("go-ccatoken");
	assert_non_null(t = ccakit_token_new());
	for (i = 0; i < sizeof(token_tab) / sizeof(token_tab[0]); i++) {
		b = tt_vector(token_tab[i].file);
		memset(&d, 0, sizeof(d));
		r = ccakit_token_decode(t, b.p, b.len, &d);
		if (r != token_tab[i].want)
			fail_msg("%s: got %d (%s), want %d", token_tab[i].file,
			    r, d.text, token_tab[i].want);
		if (r == CCAKIT_OK) {
			assert_int_equal(ccakit_token_get_format(t),
			    token_tab[i].fmt);
			assert_int_equal(ccakit_token_platform(t)->profile,
			    token_tab[i].pprof);
			assert_int_equal(ccakit_token_realm(t)->profile,
			    token_tab[i].rprof);
			assert_non_null(ccakit_token_platform_sign1(t));
			assert_non_null(ccakit_token_realm_sign1(t));
		} else {
			assert_int_equal(d.code, r);
			assert_null(ccakit_token_platform(t));
			assert_null(ccakit_token_realm(t));
			assert_null(ccakit_token_platform_sign1(t));
			assert_int_equal(ccakit_token_get_format(t), 0);
		}
		tt_buf_free(&b);
	}
	ccakit_token_free(&t);
	assert_null(t);
	ccakit_token_free(&t);
	ccakit_token_free(NULL);
}

/* The claims of cca-token-01 (spec §6.1), checked member by member. */
static void
test_token01_claims(void **state)
{
	static const uint8_t impl[32] = { 0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01,
	    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
	    0x00, 0x3e, 0x00, 0x01, 0x00, 0x00, 0x00, 0x50, 0x58, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00 };
	static const char *const types[] = { "BL", "M1", "M2", "M3" };
	static const char *const versions[] = { "3.4.2", "1.2", "1.2.3", "1" };
	const struct ccakit_platform_claims *pc;
	const struct ccakit_realm_claims *rc;
	const struct ccakit_cose_sign1 *ps, *rs;
	ccakit_token *t;
	struct tt_buf b;
	uint8_t zero[32];
	size_t i;

	(void)state;
	tu_need_vectors("rust-ccatoken");
	memset(zero, 0, sizeof(zero));
	t = tt_decode_vector("rust-ccatoken/cca-token-01.cbor", &b);
	pc = ccakit_token_platform(t);
	rc = ccakit_token_realm(t);
	ps = ccakit_token_platform_sign1(t);
	rs = ccakit_token_realm_sign1(t);
	assert_int_equal(ps->alg, CCAKIT_COSE_ES384);
	assert_int_equal(rs->alg, CCAKIT_COSE_ES384);
	assert_int_equal(ps->signature.len, 96);
	assert_int_equal(pc->challenge.len, 32);
	assert_true(tt_bytes_eq(pc->impl_id, impl, sizeof(impl)));
	assert_int_equal(pc->inst_id.len, 33);
	assert_int_equal(pc->inst_id.ptr[0], 0x01);
	assert_int_equal(pc->config.len, 33);
	assert_int_equal(pc->lifecycle, 12291);
	assert_true(tt_bytes_eq(pc->hash_alg, "sha-256", 7));
	assert_true(pc->present & CCAKIT_PLAT_VSI);
	assert_true(tt_bytes_eq(pc->vsi, "whatever.com", 12));
	assert_int_equal(pc->n_sw, 4);
	for (i = 0; i < 4; i++) {
		assert_true(pc->sw[i].present & CCAKIT_SWC_TYPE);
		assert_true(pc->sw[i].present & CCAKIT_SWC_VERSION);
		assert_true(tt_bytes_eq(pc->sw[i].type, types[i],
		    strlen(types[i])));
		assert_true(tt_bytes_eq(pc->sw[i].version, versions[i],
		    strlen(versions[i])));
		assert_int_equal(pc->sw[i].mval.len, 32);
		assert_int_equal(pc->sw[i].signer_id.len, 32);
	}
	assert_int_equal(rc->profile, CCAKIT_REALM_LEGACY);
	assert_int_equal(rc->challenge.len, 64);
	assert_true(tt_bytes_eq(rc->rpv, "The quick brown fox jumps over 13 "
	    "lazy dogs.The quick brown fox ", 64));
	assert_true(tt_bytes_eq(rc->rim, zero, 32));
	for (i = 0; i < CCAKIT_REM_COUNT; i++)
		assert_true(tt_bytes_eq(rc->rem[i], zero, 32));
	assert_int_equal(rc->rak.len, 97);
	assert_int_equal(rc->rak.ptr[0], 0x04);
	assert_int_equal(rc->rak.ptr[1], 0x76);
	assert_true(tt_bytes_eq(rc->rak_hash_alg, "sha-256", 7));
	assert_int_equal(rc->present, 0);
	/* views point into the caller's buffer */
	assert_true(rc->rak.ptr > b.p && rc->rak.ptr < b.p + b.len);
	assert_true(pc->impl_id.ptr > b.p && pc->impl_id.ptr < b.p + b.len);
	ccakit_token_free(&t);
	tt_buf_free(&b);
}

/* --- claims-only vectors --- */

enum which { PLAT, REALM };

static const struct {
	enum which w;
	const char *file;
	int want;
	const char *what;
} claims_tab[] = {
	{ PLAT, "rust-ccatoken/platform-claims.cbor", CCAKIT_OK, NULL },
	{ REALM, "rust-ccatoken/realm-claims.cbor", CCAKIT_OK, NULL },
	{ REALM, "rust-ccatoken/realm-claims+spurious-numeric-key.cbor",
	    CCAKIT_OK, NULL },
	{ REALM, "rust-ccatoken/realm-claims+spurious-text-key.cbor",
	    CCAKIT_OK, NULL },
	{ REALM, "rust-ccatoken/realm-claims-missing-challenge.cbor",
	    CCAKIT_ERR_CLAIM_MISSING, "challenge" },
	{ PLAT, "go-ccatoken/platform/cbor/CcaPlatformClaimsAll.cbor",
	    CCAKIT_OK, NULL },
	{ PLAT, "go-ccatoken/platform/cbor/CcaPlatformClaimsMandatoryOnly.cbor",
	    CCAKIT_OK, NULL },
	{ PLAT, "go-ccatoken/platform/cbor/CcaPlatformLegacyClaimsAll.cbor",
	    CCAKIT_OK, NULL },
	{ PLAT,
	    "go-ccatoken/platform/cbor/CcaPlatformLegacyClaimsMandatoryOnly.cbor",
	    CCAKIT_OK, NULL },
	{ PLAT,
	    "go-ccatoken/platform/cbor/CcaPlatformClaimsInvalidMultiNonce.cbor",
	    CCAKIT_ERR_CLAIM_TYPE, "challenge" },
	{ PLAT,
	    "go-ccatoken/platform/cbor/"
	    "CcaPlatformClaimsMissingMandatoryNonce.cbor",
	    CCAKIT_ERR_CLAIM_MISSING, "challenge" },
	{ REALM, "go-ccatoken/realm/cbor/CcaRealmClaimsAll.cbor", CCAKIT_OK,
	    NULL },
	{ REALM, "go-ccatoken/realm/cbor/CcaRealmLegacyClaimsAll.cbor",
	    CCAKIT_OK, NULL },
	{ REALM, "go-ccatoken/realm/cbor/CcaRealmClaimsMissingMandNonce.cbor",
	    CCAKIT_ERR_CLAIM_MISSING, "challenge" },
	{ REALM, "go-ccatoken/realm/cbor/CcaClaimsMissingMandInitialMeas.cbor",
	    CCAKIT_ERR_CLAIM_MISSING, "initial-measurement" },
	{ REALM, "go-ccatoken/realm/cbor/CcaClaimsMissingMandHashAlgID.cbor",
	    CCAKIT_ERR_CLAIM_MISSING, "hash-algo-id" },
	{ REALM, "go-ccatoken/realm/cbor/CcaClaimsMissingMandPubKey.cbor",
	    CCAKIT_ERR_CLAIM_MISSING, "public-key" },
	{ REALM,
	    "go-ccatoken/realm/cbor/CcaClaimsMissingMandExtendedMeas.cbor",
	    CCAKIT_ERR_CLAIM_MISSING, "extensible-measurements" },
};

static int
decode_claims(enum which w, const uint8_t *p, size_t len,
    struct ccakit_errdetail *d)
{
	static struct ccakit_platform_claims pc;
	static struct ccakit_realm_claims rc;

	memset(d, 0, sizeof(*d));
	if (w == PLAT)
		return ccakit_platform_claims_decode(p, len, &pc, d);
	return ccakit_realm_claims_decode(p, len, &rc, d);
}

static void
test_vector_claims(void **state)
{
	struct ccakit_errdetail d;
	struct tt_buf b;
	size_t i;
	int r;

	(void)state;
	tu_need_vectors("rust-ccatoken");
	tu_need_vectors("go-ccatoken");
	for (i = 0; i < sizeof(claims_tab) / sizeof(claims_tab[0]); i++) {
		b = tt_vector(claims_tab[i].file);
		r = decode_claims(claims_tab[i].w, b.p, b.len, &d);
		if (r != claims_tab[i].want)
			fail_msg("%s: got %d (%s), want %d", claims_tab[i].file,
			    r, d.text, claims_tab[i].want);
		if (claims_tab[i].what != NULL)
			assert_string_equal(d.what, claims_tab[i].what);
		tt_buf_free(&b);
	}
}

/* rust-ccatoken's inline unit-test inputs. */
static void
test_rust_inline(void **state)
{
	struct ccakit_errdetail d;
	uint8_t *p;
	size_t len;
	int r;

	(void)state;
	p = tu_hex("a0", &len);
	assert_int_equal(decode_claims(REALM, p, len, &d),
	    CCAKIT_ERR_CLAIM_MISSING);
	assert_string_equal(d.what, "challenge");
	assert_string_equal(d.text, "missing claim: challenge");
	free(p);

	p = tu_hex("a10a48deadbeefdeadbeef", &len);
	assert_int_equal(decode_claims(REALM, p, len, &d),
	    CCAKIT_ERR_CLAIM_VALUE);
	assert_string_equal(d.what, "challenge");
	assert_string_equal(d.text, "challenge: expecting 64 bytes, got 8");
	free(p);

	p = tu_hex("ffffffff", &len);
	r = decode_claims(REALM, p, len, &d);
	assert_int_equal(ccakit_err_class(r), CCAKIT_CLASS_MALFORMED);
	assert_true(r >= CCAKIT_ERR_CBOR_TRUNCATED &&
	    r <= CCAKIT_ERR_CBOR_UNSUPPORTED);
	free(p);

	p = tu_hex("a10a0a", &len);
	assert_int_equal(decode_claims(REALM, p, len, &d),
	    CCAKIT_ERR_CLAIM_TYPE);
	assert_string_equal(d.what, "challenge");
	free(p);

	/* key 2400 twice: refused by the strict CBOR layer */
	p = tu_hex("a219096061781909606178", &len);
	assert_int_equal(decode_claims(PLAT, p, len, &d),
	    CCAKIT_ERR_CBOR_DUPLICATE_KEY);
	free(p);

	/* not a map */
	p = tu_hex("80", &len);
	assert_int_equal(decode_claims(PLAT, p, len, &d),
	    CCAKIT_ERR_CBOR_TYPE);
	assert_int_equal(decode_claims(REALM, p, len, &d),
	    CCAKIT_ERR_CBOR_TYPE);
	free(p);
}

/* --- one-defect claim maps --- */

enum vkind { V_DROP, V_HEX, V_RAW, V_TSTR, V_BSTR, V_SWC, V_REM, V_COSEKEY };

struct val {
	enum vkind kind;
	const char *s;		/* HEX; TSTR; SWC/COSEKEY: extra raw pairs */
	size_t n;		/* BSTR length; SWC mval; REM count; COSEKEY crv */
	size_t m;		/* BSTR fill; SWC signer; REM len; COSEKEY xlen */
	size_t extra;		/* SWC/COSEKEY: number of extra pairs */
	const uint8_t *raw;	/* RAW: encoded value */
};

#define DROP		{ .kind = V_DROP }
#define HEX(h)		{ .kind = V_HEX, .s = h }
#define TSTR(t)		{ .kind = V_TSTR, .s = t }
#define BSTR(l, f)	{ .kind = V_BSTR, .n = l, .m = f }
#define SWC(mv, si, x, nx) \
	{ .kind = V_SWC, .s = x, .n = mv, .m = si, .extra = nx }
#define REM(c, l)	{ .kind = V_REM, .n = c, .m = l }
#define COSEKEY(c, xl, x, nx) \
	{ .kind = V_COSEKEY, .s = x, .n = c, .m = xl, .extra = nx }

static void
put_val(struct ccakit_cbor_writer *w, const struct val *v)
{
	uint8_t buf[128], *raw;
	size_t i, len;

	switch (v->kind) {
	case V_DROP:
		break;
	case V_HEX:
		raw = tu_hex(v->s, &len);
		ccakit_cbor_put_raw(w, raw, len);
		free(raw);
		break;
	case V_RAW:
		ccakit_cbor_put_raw(w, v->raw, v->n);
		break;
	case V_TSTR:
		ccakit_cbor_put_cstr(w, v->s);
		break;
	case V_BSTR:
		assert_true(v->n <= sizeof(buf));
		memset(buf, (int)v->m, sizeof(buf));
		ccakit_cbor_put_bstr(w, buf, v->n);
		break;
	case V_SWC:
		memset(buf, 0x33, sizeof(buf));
		ccakit_cbor_put_array(w, 1);
		ccakit_cbor_put_map(w, 2 + v->extra);
		ccakit_cbor_put_uint(w, 2);
		ccakit_cbor_put_bstr(w, buf, v->n);
		ccakit_cbor_put_uint(w, 5);
		ccakit_cbor_put_bstr(w, buf, v->m);
		if (v->s != NULL) {
			raw = tu_hex(v->s, &len);
			ccakit_cbor_put_raw(w, raw, len);
			free(raw);
		}
		break;
	case V_REM:
		memset(buf, 0x43, sizeof(buf));
		ccakit_cbor_put_array(w, v->n);
		for (i = 0; i < v->n; i++)
			ccakit_cbor_put_bstr(w, buf, v->m);
		break;
	case V_COSEKEY: {
		struct ccakit_cbor_writer k;
		uint8_t key[256];

		memset(buf, 0x11, sizeof(buf));
		ccakit_cbor_writer_init(&k, key, sizeof(key));
		ccakit_cbor_put_map(&k, 4 + v->extra);
		ccakit_cbor_put_uint(&k, 1);
		ccakit_cbor_put_uint(&k, 2);
		ccakit_cbor_put_int(&k, -1);
		ccakit_cbor_put_uint(&k, v->n);
		ccakit_cbor_put_int(&k, -2);
		ccakit_cbor_put_bstr(&k, buf, v->m);
		ccakit_cbor_put_int(&k, -3);
		ccakit_cbor_put_bstr(&k, buf, v->m);
		if (v->s != NULL) {
			raw = tu_hex(v->s, &len);
			ccakit_cbor_put_raw(&k, raw, len);
			free(raw);
		}
		assert_int_equal(ccakit_cbor_writer_finish(&k, &len),
		    CCAKIT_OK);
		ccakit_cbor_put_bstr(w, key, len);
		break;
	}
	}
}

/*
 * Re-encode the claims map in[0..inlen) with the value of `key` replaced
 * by v (dropped for V_DROP); a key that is not there is appended.
 */
static size_t
remap(const uint8_t *in, size_t inlen, int64_t key, const struct val *v,
    uint8_t *out, size_t outsz)
{
	struct ccakit_cbor_writer w;
	struct ccakit_cbor_item map, k, x;
	struct ccakit_cbor_iter it;
	bool found;
	size_t n, len;

	assert_int_equal(ccakit_cbor_parse(in, inlen, NULL, &map, NULL),
	    CCAKIT_OK);
	assert_int_equal(map.type, CCAKIT_CBOR_MAP);
	found = ccakit_cbor_map_get_int(&map, key, &x);
	n = (size_t)map.u;
	if (!found && v->kind != V_DROP)
		n++;
	if (found && v->kind == V_DROP)
		n--;
	ccakit_cbor_writer_init(&w, out, outsz);
	ccakit_cbor_put_map(&w, n);
	ccakit_cbor_iter_init(&it, &map);
	while (ccakit_cbor_iter_next(&it, &k) &&
	    ccakit_cbor_iter_next(&it, &x)) {
		int64_t kv;

		if (ccakit_cbor_get_int(&k, &kv) == CCAKIT_OK && kv == key) {
			if (v->kind != V_DROP) {
				ccakit_cbor_put_raw(&w, k.enc, k.enclen);
				put_val(&w, v);
			}
			continue;
		}
		ccakit_cbor_put_raw(&w, k.enc, k.enclen);
		ccakit_cbor_put_raw(&w, x.enc, x.enclen);
	}
	if (!found && v->kind != V_DROP) {
		ccakit_cbor_put_int(&w, key);
		put_val(&w, v);
	}
	assert_int_equal(ccakit_cbor_writer_finish(&w, &len), CCAKIT_OK);
	return len;
}

struct defect {
	int64_t key;
	struct val v;
	int want;
	const char *what;
};

#define P2024 "tag:arm.com,2024:cca_platform#2.0.0"
#define R2024 "tag:arm.com,2024:realm#2.0.0"

static const struct defect platform_defects[] = {
	{ 265, TSTR("http://arm.com/PSA-SSD/1.0.0"), CCAKIT_ERR_PROFILE_UNKNOWN,
	    "profile" },
	{ 265, HEX("01"), CCAKIT_ERR_CLAIM_TYPE, "profile" },
	{ 265, DROP, CCAKIT_ERR_CLAIM_MISSING, "profile" },
	{ 265, TSTR("http://arm.com/CCA-SSD/1.0.0"), CCAKIT_OK, NULL },
	{ 265, TSTR(P2024), CCAKIT_ERR_CLAIM_MISSING, "client-id" },
	{ 10, BSTR(33, 1), CCAKIT_ERR_CLAIM_VALUE, "challenge" },
	{ 10, BSTR(0, 0), CCAKIT_ERR_CLAIM_VALUE, "challenge" },
	{ 10, BSTR(48, 1), CCAKIT_OK, NULL },
	{ 10, BSTR(64, 1), CCAKIT_OK, NULL },
	{ 10, HEX("f6"), CCAKIT_ERR_CLAIM_TYPE, "challenge" },
	{ 10, HEX("8140"), CCAKIT_ERR_CLAIM_TYPE, "challenge" },
	{ 10, DROP, CCAKIT_ERR_CLAIM_MISSING, "challenge" },
	{ 2396, BSTR(31, 0), CCAKIT_ERR_CLAIM_VALUE, "implementation-id" },
	{ 2396, BSTR(33, 0), CCAKIT_ERR_CLAIM_VALUE, "implementation-id" },
	{ 2396, TSTR("x"), CCAKIT_ERR_CLAIM_TYPE, "implementation-id" },
	{ 2396, DROP, CCAKIT_ERR_CLAIM_MISSING, "implementation-id" },
	{ 256, BSTR(33, 2), CCAKIT_ERR_CLAIM_VALUE, "instance-id" },
	{ 256, BSTR(32, 1), CCAKIT_ERR_CLAIM_VALUE, "instance-id" },
	{ 256, BSTR(34, 1), CCAKIT_ERR_CLAIM_VALUE, "instance-id" },
	{ 256, TSTR("x"), CCAKIT_ERR_CLAIM_TYPE, "instance-id" },
	{ 256, DROP, CCAKIT_ERR_CLAIM_MISSING, "instance-id" },
	{ 2401, BSTR(0, 0), CCAKIT_OK, NULL },
	{ 2401, TSTR("x"), CCAKIT_ERR_CLAIM_TYPE, "config" },
	{ 2401, DROP, CCAKIT_ERR_CLAIM_MISSING, "config" },
	{ 2395, HEX("00"), CCAKIT_OK, NULL },
	{ 2395, HEX("1860"), CCAKIT_OK, NULL },
	{ 2395, HEX("1960ff"), CCAKIT_OK, NULL },
	{ 2395, HEX("191000"), CCAKIT_OK, NULL },
	{ 2395, HEX("190100"), CCAKIT_ERR_CLAIM_VALUE, "lifecycle" },
	{ 2395, HEX("190fff"), CCAKIT_ERR_CLAIM_VALUE, "lifecycle" },
	{ 2395, HEX("193100"), CCAKIT_ERR_CLAIM_VALUE, "lifecycle" },
	{ 2395, HEX("196100"), CCAKIT_ERR_CLAIM_VALUE, "lifecycle" },
	{ 2395, HEX("197000"), CCAKIT_ERR_CLAIM_VALUE, "lifecycle" },
	{ 2395, HEX("1a00013000"), CCAKIT_ERR_CLAIM_VALUE, "lifecycle" },
	{ 2395, HEX("20"), CCAKIT_ERR_CLAIM_TYPE, "lifecycle" },
	{ 2395, TSTR("secured"), CCAKIT_ERR_CLAIM_TYPE, "lifecycle" },
	{ 2395, DROP, CCAKIT_ERR_CLAIM_MISSING, "lifecycle" },
	{ 2399, HEX("80"), CCAKIT_ERR_CLAIM_VALUE, "sw-components" },
	{ 2399, HEX("a0"), CCAKIT_ERR_CLAIM_TYPE, "sw-components" },
	{ 2399, HEX("8101"), CCAKIT_ERR_CLAIM_TYPE, "sw-components" },
	{ 2399, HEX("81a0"), CCAKIT_ERR_CLAIM_MISSING, "measurement-value" },
	{ 2399, DROP, CCAKIT_ERR_CLAIM_MISSING, "sw-components" },
	{ 2399, SWC(32, 32, NULL, 0), CCAKIT_OK, NULL },
	{ 2399, SWC(48, 64, NULL, 0), CCAKIT_OK, NULL },
	{ 2399, SWC(20, 32, NULL, 0), CCAKIT_ERR_CLAIM_VALUE,
	    "measurement-value" },
	{ 2399, SWC(32, 20, NULL, 0), CCAKIT_ERR_CLAIM_VALUE, "signer-id" },
	{ 2399, SWC(32, 32, "0162424c", 1), CCAKIT_OK, NULL },
	{ 2399, SWC(32, 32, "014161", 1), CCAKIT_ERR_CLAIM_TYPE,
	    "measurement-type" },
	{ 2399, SWC(32, 32, "0463312e30", 1), CCAKIT_OK, NULL },
	{ 2399, SWC(32, 32, "0401", 1), CCAKIT_ERR_CLAIM_TYPE, "version" },
	{ 2399, SWC(32, 32, "06677368612d333834", 1), CCAKIT_OK, NULL },
	{ 2399, SWC(32, 32, "06636d6435", 1), CCAKIT_ERR_CLAIM_VALUE,
	    "hash-algo-id" },
	{ 2399, SWC(32, 32, "0300", 1), CCAKIT_ERR_CLAIM_VALUE,
	    "sw-components" },
	{ 2399, SWC(32, 32, "0700", 1), CCAKIT_ERR_CLAIM_VALUE,
	    "sw-components" },
	{ 2399, SWC(32, 32, "2000", 1), CCAKIT_ERR_CLAIM_VALUE,
	    "sw-components" },
	{ 2399, SWC(32, 32, "617800", 1), CCAKIT_ERR_CLAIM_VALUE,
	    "sw-components" },
	{ 2400, TSTR(""), CCAKIT_ERR_CLAIM_VALUE, "verification-service" },
	{ 2400, BSTR(3, 1), CCAKIT_ERR_CLAIM_TYPE, "verification-service" },
	{ 2400, DROP, CCAKIT_OK, NULL },
	{ 2402, TSTR("sha-1"), CCAKIT_ERR_CLAIM_VALUE, "hash-algo-id" },
	{ 2402, TSTR("SHA-256"), CCAKIT_ERR_CLAIM_VALUE, "hash-algo-id" },
	{ 2402, TSTR("sha-384"), CCAKIT_OK, NULL },
	{ 2402, TSTR("sha-512"), CCAKIT_OK, NULL },
	{ 2402, BSTR(7, 0x61), CCAKIT_ERR_CLAIM_TYPE, "hash-algo-id" },
	{ 2402, DROP, CCAKIT_ERR_CLAIM_MISSING, "hash-algo-id" },
	/* unknown claims are ignored, whatever their type */
	{ 9999, HEX("f6"), CCAKIT_OK, NULL },
	{ -70000, HEX("a0"), CCAKIT_OK, NULL },
	{ 1, HEX("80"), CCAKIT_OK, NULL },
	/* 2024 claims are unknown claims for the older profiles */
	{ 2394, TSTR("x"), CCAKIT_OK, NULL },
	{ 2403, BSTR(0, 0), CCAKIT_OK, NULL },
	{ 2404, HEX("01"), CCAKIT_OK, NULL },
};

static const struct defect realm_defects[] = {
	{ 265, TSTR("tag:arm.com,2025:realm#1.0.0"),
	    CCAKIT_ERR_PROFILE_UNKNOWN, "profile" },
	{ 265, TSTR(""), CCAKIT_ERR_PROFILE_UNKNOWN, "profile" },
	{ 265, HEX("01"), CCAKIT_ERR_CLAIM_TYPE, "profile" },
	/* no profile: legacy, and the COSE_Key RAK is not a raw point */
	{ 265, DROP, CCAKIT_ERR_CLAIM_VALUE, "public-key" },
	{ 265, TSTR(R2024), CCAKIT_ERR_CLAIM_MISSING, "instance-id" },
	{ 10, BSTR(32, 1), CCAKIT_ERR_CLAIM_VALUE, "challenge" },
	{ 10, BSTR(65, 1), CCAKIT_ERR_CLAIM_VALUE, "challenge" },
	{ 10, HEX("8140"), CCAKIT_ERR_CLAIM_TYPE, "challenge" },
	{ 10, DROP, CCAKIT_ERR_CLAIM_MISSING, "challenge" },
	{ 44235, BSTR(32, 1), CCAKIT_ERR_CLAIM_VALUE, "personalization-value" },
	{ 44235, TSTR("x"), CCAKIT_ERR_CLAIM_TYPE, "personalization-value" },
	{ 44235, DROP, CCAKIT_ERR_CLAIM_MISSING, "personalization-value" },
	{ 44238, BSTR(20, 1), CCAKIT_ERR_CLAIM_VALUE, "initial-measurement" },
	{ 44238, BSTR(32, 1), CCAKIT_OK, NULL },
	{ 44238, BSTR(48, 1), CCAKIT_OK, NULL },
	{ 44238, DROP, CCAKIT_ERR_CLAIM_MISSING, "initial-measurement" },
	{ 44239, REM(4, 32), CCAKIT_OK, NULL },
	{ 44239, REM(4, 48), CCAKIT_OK, NULL },
	{ 44239, REM(3, 64), CCAKIT_ERR_CLAIM_VALUE,
	    "extensible-measurements" },
	{ 44239, REM(5, 64), CCAKIT_ERR_CLAIM_VALUE,
	    "extensible-measurements" },
	{ 44239, REM(0, 64), CCAKIT_ERR_CLAIM_VALUE,
	    "extensible-measurements" },
	{ 44239, REM(4, 20), CCAKIT_ERR_CLAIM_VALUE,
	    "extensible-measurements" },
	{ 44239, HEX("a0"), CCAKIT_ERR_CLAIM_TYPE, "extensible-measurements" },
	{ 44239, HEX("8401020304"), CCAKIT_ERR_CLAIM_TYPE,
	    "extensible-measurements" },
	{ 44239, DROP, CCAKIT_ERR_CLAIM_MISSING, "extensible-measurements" },
	{ 44236, TSTR("sha-1"), CCAKIT_ERR_CLAIM_VALUE, "hash-algo-id" },
	{ 44236, TSTR("sha-384"), CCAKIT_OK, NULL },
	{ 44236, DROP, CCAKIT_ERR_CLAIM_MISSING, "hash-algo-id" },
	{ 44237, BSTR(97, 4), CCAKIT_ERR_CLAIM_VALUE, "public-key" },
	{ 44237, BSTR(0, 0), CCAKIT_ERR_CLAIM_VALUE, "public-key" },
	{ 44237, TSTR("key"), CCAKIT_ERR_CLAIM_TYPE, "public-key" },
	{ 44237, COSEKEY(2, 48, NULL, 0), CCAKIT_OK, NULL },
	{ 44237, COSEKEY(1, 32, NULL, 0), CCAKIT_OK, NULL },
	{ 44237, COSEKEY(3, 66, NULL, 0), CCAKIT_OK, NULL },
	/* kid, alg: other COSE_Key members are allowed */
	{ 44237, COSEKEY(2, 48, "0241aa033822", 2), CCAKIT_OK, NULL },
	{ 44237, COSEKEY(2, 32, NULL, 0), CCAKIT_ERR_CLAIM_VALUE,
	    "public-key" },
	{ 44237, COSEKEY(4, 48, NULL, 0), CCAKIT_ERR_CLAIM_VALUE,
	    "public-key" },
	{ 44237, COSEKEY(2, 48, "2341aa", 1), CCAKIT_ERR_CLAIM_VALUE,
	    "public-key" },
	{ 44237, DROP, CCAKIT_ERR_CLAIM_MISSING, "public-key" },
	{ 44240, TSTR("sha-1"), CCAKIT_ERR_CLAIM_VALUE,
	    "public-key-hash-algo-id" },
	{ 44240, TSTR("sha-256"), CCAKIT_OK, NULL },
	{ 44240, DROP, CCAKIT_ERR_CLAIM_MISSING, "public-key-hash-algo-id" },
	/* 2024 claims are unknown claims for the older profiles */
	{ 256, BSTR(3, 0), CCAKIT_OK, NULL },
	{ 44243, TSTR("nonsense"), CCAKIT_OK, NULL },
	{ 1234567, HEX("f6"), CCAKIT_OK, NULL },
};

static const struct defect realm_legacy_defects[] = {
	{ 44237, BSTR(97, 4), CCAKIT_OK, NULL },
	{ 44237, BSTR(96, 4), CCAKIT_ERR_CLAIM_VALUE, "public-key" },
	{ 44237, BSTR(98, 4), CCAKIT_ERR_CLAIM_VALUE, "public-key" },
	{ 44237, BSTR(97, 2), CCAKIT_ERR_CLAIM_VALUE, "public-key" },
	{ 44237, COSEKEY(2, 48, NULL, 0), CCAKIT_ERR_CLAIM_VALUE,
	    "public-key" },
	{ 265, TSTR("tag:arm.com,2023:realm#1.0.0"), CCAKIT_ERR_CLAIM_VALUE,
	    "public-key" },
};

static void
run_defects(enum which w, const char *base, struct tt_buf b,
    const struct defect *tab, size_t n)
{
	struct ccakit_errdetail d;
	uint8_t *buf = malloc(MAXBUF);
	size_t i, len;
	int r;

	assert_non_null(buf);
	assert_int_equal(decode_claims(w, b.p, b.len, &d), CCAKIT_OK);
	for (i = 0; i < n; i++) {
		len = remap(b.p, b.len, tab[i].key, &tab[i].v, buf, MAXBUF);
		r = decode_claims(w, buf, len, &d);
		if (r != tab[i].want)
			fail_msg("%s: defect %zu (key %lld): got %d (%s), "
			    "want %d", base, i, (long long)tab[i].key, r,
			    d.text, tab[i].want);
		if (tab[i].what != NULL && strcmp(d.what, tab[i].what) != 0)
			fail_msg("%s: defect %zu: what %s, want %s", base, i,
			    d.what, tab[i].what);
		if (r != CCAKIT_OK) {
			assert_int_equal(d.code, r);
			assert_true(d.text[0] != '\0');
		}
	}
	free(buf);
}

/* The defects on the emulated realm's claims (2023 or legacy profiles),
 * then on the vector's when the vectors are present. */
static void
run_defects_on(enum which w, int legacy, const char *vector,
    const struct defect *tab, size_t n)
{
	struct tt_buf b = tt_emulated_claims(w == REALM, legacy);

	run_defects(w, legacy ? "emulated (legacy)" : "emulated", b, tab, n);
	tt_buf_free(&b);
	if (!tu_have_vectors("go-ccatoken"))
		return;
	b = tt_vector(vector);
	run_defects(w, vector, b, tab, n);
	tt_buf_free(&b);
}

static void
test_platform_defects(void **state)
{
	(void)state;
	run_defects_on(PLAT, 0,
	    "go-ccatoken/platform/cbor/CcaPlatformClaimsAll.cbor",
	    platform_defects,
	    sizeof(platform_defects) / sizeof(platform_defects[0]));
	run_defects_on(PLAT, 1,
	    "go-ccatoken/platform/cbor/CcaPlatformLegacyClaimsAll.cbor",
	    platform_defects,
	    sizeof(platform_defects) / sizeof(platform_defects[0]));
}

static void
test_realm_defects(void **state)
{
	(void)state;
	run_defects_on(REALM, 0, "go-ccatoken/realm/cbor/CcaRealmClaimsAll.cbor",
	    realm_defects, sizeof(realm_defects) / sizeof(realm_defects[0]));
	run_defects_on(REALM, 1,
	    "go-ccatoken/realm/cbor/CcaRealmLegacyClaimsAll.cbor",
	    realm_legacy_defects,
	    sizeof(realm_legacy_defects) / sizeof(realm_legacy_defects[0]));
}

/* sw-components: the cap, and a text key at the top level. */
static void
platform_limits(struct tt_buf b)
{
	struct ccakit_cbor_writer w;
	struct ccakit_errdetail d;
	struct ccakit_platform_claims *pc;
	uint8_t *buf = malloc(MAXBUF), *enc = malloc(MAXBUF), m[32];
	size_t len, n, i;
	struct val v = { .kind = V_RAW };

	assert_non_null(buf);
	assert_non_null(enc);
	assert_non_null(pc = malloc(sizeof(*pc)));
	memset(m, 0x5a, sizeof(m));
	for (n = CCAKIT_MAX_SW_COMPONENTS; n <= CCAKIT_MAX_SW_COMPONENTS + 1;
	    n++) {
		ccakit_cbor_writer_init(&w, enc, MAXBUF);
		ccakit_cbor_put_array(&w, n);
		for (i = 0; i < n; i++) {
			ccakit_cbor_put_map(&w, 2);
			ccakit_cbor_put_uint(&w, 2);
			ccakit_cbor_put_bstr(&w, m, sizeof(m));
			ccakit_cbor_put_uint(&w, 5);
			ccakit_cbor_put_bstr(&w, m, sizeof(m));
		}
		assert_int_equal(ccakit_cbor_writer_finish(&w, &len),
		    CCAKIT_OK);
		v.raw = enc;
		v.n = len;
		len = remap(b.p, b.len, 2399, &v, buf, MAXBUF);
		memset(&d, 0, sizeof(d));
		if (n == CCAKIT_MAX_SW_COMPONENTS) {
			assert_int_equal(ccakit_platform_claims_decode(buf,
			    len, pc, &d), CCAKIT_OK);
			assert_int_equal(pc->n_sw, n);
		} else {
			assert_int_equal(ccakit_platform_claims_decode(buf,
			    len, pc, &d), CCAKIT_ERR_TOO_LARGE);
			assert_string_equal(d.what, "sw-components");
			/* no half-decoded output */
			assert_int_equal(pc->n_sw, 0);
			assert_int_equal(pc->challenge.len, 0);
		}
	}

	/* a text key at the top level is an unknown claim */
	ccakit_cbor_writer_init(&w, buf, MAXBUF);
	{
		struct ccakit_cbor_item map;

		assert_int_equal(ccakit_cbor_parse(b.p, b.len, NULL, &map,
		    NULL), CCAKIT_OK);
		ccakit_cbor_put_map(&w, (size_t)map.u + 1);
		ccakit_cbor_put_cstr(&w, "unknown-key");
		ccakit_cbor_put_uint(&w, 1);
		ccakit_cbor_put_raw(&w, b.p + 1, b.len - 1);
	}
	assert_int_equal(ccakit_cbor_writer_finish(&w, &len), CCAKIT_OK);
	assert_int_equal(ccakit_platform_claims_decode(buf, len, pc, &d),
	    CCAKIT_OK);

	/* too large */
	assert_int_equal(ccakit_platform_claims_decode(buf,
	    CCAKIT_TOKEN_MAX_SIZE + 1, pc, &d), CCAKIT_ERR_TOO_LARGE);
	assert_int_equal(ccakit_platform_claims_decode(NULL, 1, pc, &d),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_platform_claims_decode(buf, len, NULL, &d),
	    CCAKIT_ERR_INVALID_ARG);
	free(pc);
	free(enc);
	free(buf);
}

static void
test_platform_limits(void **state)
{
	struct tt_buf b = tt_emulated_claims(0, 0);

	(void)state;
	platform_limits(b);
	tt_buf_free(&b);
	if (!tu_have_vectors("go-ccatoken"))
		return;
	b = tt_vector("go-ccatoken/platform/cbor/CcaPlatformClaimsAll.cbor");
	platform_limits(b);
	tt_buf_free(&b);
}

/* 2024 profiles: the new claims, built on 2023 claims. */
static void
profiles_2024(struct tt_buf pb, struct tt_buf rb)
{
	static const struct val p2024 = TSTR(P2024), r2024 = TSTR(R2024);
	static const struct val cid = HEX("01"), mfg = BSTR(4, 0xee);
	static const struct val ext = HEX("81a10163736861"), rot = HEX("8101");
	static const struct val peers = BSTR(0, 0);
	static const struct val inst = BSTR(33, 1);
	struct ccakit_platform_claims *pc;
	struct ccakit_realm_claims rc;
	struct ccakit_errdetail d;
	uint8_t *a = malloc(MAXBUF), *b = malloc(MAXBUF), *c = malloc(MAXBUF);
	size_t alen, blen, clen;
	static const struct {
		int64_t key;
		struct val v;
		int want;
		const char *what;
		int mec;
	} rtab[] = {
		{ 44243, TSTR("private"), CCAKIT_OK, NULL, 1 },
		{ 44243, TSTR("shared"), CCAKIT_OK, NULL, 0 },
		{ 44243, HEX("01"), CCAKIT_OK, NULL, 1 },
		{ 44243, HEX("00"), CCAKIT_OK, NULL, 0 },
		{ 44243, HEX("02"), CCAKIT_ERR_CLAIM_VALUE, "mec-policy", 0 },
		{ 44243, HEX("20"), CCAKIT_ERR_CLAIM_VALUE, "mec-policy", 0 },
		{ 44243, TSTR("public"), CCAKIT_ERR_CLAIM_VALUE, "mec-policy",
		    0 },
		{ 44243, BSTR(1, 1), CCAKIT_ERR_CLAIM_TYPE, "mec-policy", 0 },
		{ 256, BSTR(33, 2), CCAKIT_ERR_CLAIM_VALUE, "instance-id", 0 },
		{ 256, DROP, CCAKIT_ERR_CLAIM_MISSING, "instance-id", 0 },
	};
	size_t i;

	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_non_null(pc = malloc(sizeof(*pc)));

	/* platform: 2024 profile + client-id + every optional claim */
	alen = remap(pb.p, pb.len, 265, &p2024, a, MAXBUF);
	blen = remap(a, alen, 2394, &cid, b, MAXBUF);
	assert_int_equal(ccakit_platform_claims_decode(b, blen, pc, &d),
	    CCAKIT_OK);
	assert_int_equal(pc->profile, CCAKIT_PLATFORM_2024);
	assert_int_equal(pc->client_id, 1);
	assert_int_equal(pc->present, CCAKIT_PLAT_CLIENT_ID | CCAKIT_PLAT_VSI);
	alen = remap(b, blen, 2403, &mfg, a, MAXBUF);
	blen = remap(a, alen, 2404, &ext, b, MAXBUF);
	alen = remap(b, blen, 2405, &rot, a, MAXBUF);
	blen = remap(a, alen, 2406, &peers, b, MAXBUF);
	assert_int_equal(ccakit_platform_claims_decode(b, blen, pc, &d),
	    CCAKIT_OK);
	assert_int_equal(pc->present, CCAKIT_PLAT_CLIENT_ID | CCAKIT_PLAT_VSI |
	    CCAKIT_PLAT_MFG_CONFIG | CCAKIT_PLAT_EXTENSION |
	    CCAKIT_PLAT_TBB_ROTPK | CCAKIT_PLAT_PEER_SIGNERS);
	assert_int_equal(pc->mfg_config.len, 4);
	assert_int_equal(pc->extension.len, 7);
	assert_int_equal(pc->extension.ptr[0], 0x81);
	assert_int_equal(pc->tbb_rotpk.len, 2);
	assert_int_equal(pc->peer_signers.len, 0);
	/* appended in Go's key order: re-encoding is byte exact */
	assert_int_equal(ccakit_platform_claims_encode(pc, c, MAXBUF, &clen),
	    CCAKIT_OK);
	assert_int_equal(clen, blen);
	assert_memory_equal(c, b, blen);
	/* 2024 defects */
	{
		static const struct val empty = BSTR(0, 0), txt = TSTR("1");
		static const struct val arr = HEX("a0");

		alen = remap(b, blen, 2401, &empty, a, MAXBUF);
		assert_int_equal(ccakit_platform_claims_decode(a, alen, pc,
		    &d), CCAKIT_ERR_CLAIM_VALUE);
		assert_string_equal(d.what, "config");
		alen = remap(b, blen, 2403, &empty, a, MAXBUF);
		assert_int_equal(ccakit_platform_claims_decode(a, alen, pc,
		    &d), CCAKIT_ERR_CLAIM_VALUE);
		alen = remap(b, blen, 2394, &txt, a, MAXBUF);
		assert_int_equal(ccakit_platform_claims_decode(a, alen, pc,
		    &d), CCAKIT_ERR_CLAIM_TYPE);
		assert_string_equal(d.what, "client-id");
		alen = remap(b, blen, 2404, &arr, a, MAXBUF);
		assert_int_equal(ccakit_platform_claims_decode(a, alen, pc,
		    &d), CCAKIT_ERR_CLAIM_TYPE);
		alen = remap(b, blen, 2405, &arr, a, MAXBUF);
		assert_int_equal(ccakit_platform_claims_decode(a, alen, pc,
		    &d), CCAKIT_ERR_CLAIM_TYPE);
		alen = remap(b, blen, 2406, &txt, a, MAXBUF);
		assert_int_equal(ccakit_platform_claims_decode(a, alen, pc,
		    &d), CCAKIT_ERR_CLAIM_TYPE);
	}

	/* realm: 2024 profile + instance-id (+ MEC policy) */
	alen = remap(rb.p, rb.len, 265, &r2024, a, MAXBUF);
	blen = remap(a, alen, 256, &inst, b, MAXBUF);
	assert_int_equal(ccakit_realm_claims_decode(b, blen, &rc, &d),
	    CCAKIT_OK);
	assert_int_equal(rc.profile, CCAKIT_REALM_2024);
	assert_int_equal(rc.present, CCAKIT_REALM_INSTANCE_ID);
	assert_int_equal(rc.instance_id.len, 33);
	assert_int_equal(ccakit_realm_claims_encode(&rc, c, MAXBUF, &clen),
	    CCAKIT_OK);
	assert_int_equal(clen, blen);
	assert_memory_equal(c, b, blen);
	for (i = 0; i < sizeof(rtab) / sizeof(rtab[0]); i++) {
		alen = remap(b, blen, rtab[i].key, &rtab[i].v, a, MAXBUF);
		memset(&d, 0, sizeof(d));
		if (ccakit_realm_claims_decode(a, alen, &rc, &d) !=
		    rtab[i].want)
			fail_msg("2024 realm case %zu: %s", i, d.text);
		if (rtab[i].what != NULL)
			assert_string_equal(d.what, rtab[i].what);
		if (rtab[i].want == CCAKIT_OK) {
			assert_true(rc.present & CCAKIT_REALM_MEC_POLICY);
			assert_int_equal(rc.mec_policy, rtab[i].mec);
			/* MEC policy is always re-encoded as an int */
			assert_int_equal(ccakit_realm_claims_encode(&rc, c,
			    MAXBUF, &clen), CCAKIT_OK);
			assert_int_equal(c[clen - 1], rtab[i].mec);
		}
	}
	free(pc);
	free(a);
	free(b);
	free(c);
}

static void
test_profiles_2024(void **state)
{
	struct tt_buf pb = tt_emulated_claims(0, 0);
	struct tt_buf rb = tt_emulated_claims(1, 0);

	(void)state;
	profiles_2024(pb, rb);
	tt_buf_free(&pb);
	tt_buf_free(&rb);
	if (!tu_have_vectors("go-ccatoken"))
		return;
	pb = tt_vector("go-ccatoken/platform/cbor/CcaPlatformClaimsAll.cbor");
	rb = tt_vector("go-ccatoken/realm/cbor/CcaRealmClaimsAll.cbor");
	profiles_2024(pb, rb);
	tt_buf_free(&pb);
	tt_buf_free(&rb);
}

/* --- encoders --- */

static void
test_encode_exact(void **state)
{
	static const struct {
		enum which w;
		const char *file;
	} tab[] = {
		{ PLAT, "go-ccatoken/platform/cbor/CcaPlatformClaimsAll.cbor" },
		{ PLAT,
		    "go-ccatoken/platform/cbor/"
		    "CcaPlatformClaimsMandatoryOnly.cbor" },
		{ PLAT,
		    "go-ccatoken/platform/cbor/"
		    "CcaPlatformLegacyClaimsAll.cbor" },
		{ PLAT,
		    "go-ccatoken/platform/cbor/"
		    "CcaPlatformLegacyClaimsMandatoryOnly.cbor" },
		{ REALM, "go-ccatoken/realm/cbor/CcaRealmClaimsAll.cbor" },
		{ REALM,
		    "go-ccatoken/realm/cbor/CcaRealmLegacyClaimsAll.cbor" },
	};
	struct ccakit_platform_claims *pc;
	struct ccakit_realm_claims rc;
	struct ccakit_errdetail d;
	uint8_t *out;
	struct tt_buf b;
	size_t i, len, n;

	(void)state;
	tu_need_vectors("go-ccatoken");
	assert_non_null(pc = malloc(sizeof(*pc)));
	assert_non_null(out = malloc(MAXBUF));
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		b = tt_vector(tab[i].file);
		if (tab[i].w == PLAT) {
			assert_int_equal(ccakit_platform_claims_decode(b.p,
			    b.len, pc, &d), CCAKIT_OK);
			assert_int_equal(ccakit_platform_claims_encode(pc, out,
			    MAXBUF, &len), CCAKIT_OK);
		} else {
			assert_int_equal(ccakit_realm_claims_decode(b.p,
			    b.len, &rc, &d), CCAKIT_OK);
			assert_int_equal(ccakit_realm_claims_encode(&rc, out,
			    MAXBUF, &len), CCAKIT_OK);
		}
		if (len != b.len || memcmp(out, b.p, len) != 0)
			fail_msg("%s: re-encoding differs", tab[i].file);
		/* every short buffer is refused */
		for (n = 0; n < len; n++) {
			int r = tab[i].w == PLAT ?
			    ccakit_platform_claims_encode(pc, out, n, &len) :
			    ccakit_realm_claims_encode(&rc, out, n, &len);
			assert_int_equal(r, CCAKIT_ERR_BUFFER_TOO_SMALL);
			assert_int_equal(len, b.len);
		}
		tt_buf_free(&b);
	}
	/* invalid structures */
	b = tt_vector("go-ccatoken/platform/cbor/CcaPlatformClaimsAll.cbor");
	assert_int_equal(ccakit_platform_claims_decode(b.p, b.len, pc, &d),
	    CCAKIT_OK);
	pc->n_sw = 0;
	assert_int_equal(ccakit_platform_claims_encode(pc, out, MAXBUF, &len),
	    CCAKIT_ERR_INVALID_ARG);
	pc->n_sw = CCAKIT_MAX_SW_COMPONENTS + 1;
	assert_int_equal(ccakit_platform_claims_encode(pc, out, MAXBUF, &len),
	    CCAKIT_ERR_INVALID_ARG);
	pc->n_sw = 1;
	pc->profile = (enum ccakit_platform_profile)0;
	assert_int_equal(ccakit_platform_claims_encode(pc, out, MAXBUF, &len),
	    CCAKIT_ERR_PROFILE_UNKNOWN);
	assert_int_equal(ccakit_platform_claims_encode(NULL, out, MAXBUF,
	    &len), CCAKIT_ERR_INVALID_ARG);
	tt_buf_free(&b);
	rc.profile = (enum ccakit_realm_profile)7;
	assert_int_equal(ccakit_realm_claims_encode(&rc, out, MAXBUF, &len),
	    CCAKIT_ERR_PROFILE_UNKNOWN);
	free(out);
	free(pc);
}

static void
test_profile_strings(void **state)
{
	(void)state;
	assert_string_equal(ccakit_platform_profile_str(CCAKIT_PLATFORM_LEGACY),
	    "http://arm.com/CCA-SSD/1.0.0");
	assert_string_equal(ccakit_platform_profile_str(CCAKIT_PLATFORM_2023),
	    "tag:arm.com,2023:cca_platform#1.0.0");
	assert_string_equal(ccakit_platform_profile_str(CCAKIT_PLATFORM_2024),
	    "tag:arm.com,2024:cca_platform#2.0.0");
	assert_null(ccakit_platform_profile_str(
	    (enum ccakit_platform_profile)0));
	assert_null(ccakit_platform_profile_str(
	    (enum ccakit_platform_profile)4));
	assert_null(ccakit_realm_profile_str(CCAKIT_REALM_LEGACY));
	assert_string_equal(ccakit_realm_profile_str(CCAKIT_REALM_2023),
	    "tag:arm.com,2023:realm#1.0.0");
	assert_string_equal(ccakit_realm_profile_str(CCAKIT_REALM_2024),
	    "tag:arm.com,2024:realm#2.0.0");
	assert_null(ccakit_realm_profile_str((enum ccakit_realm_profile)3));
}

/* --- the collection envelope --- */

struct parts {
	struct ccakit_bytes p, r;	/* COSE_Sign1 bytes of each token */
};

static void
split_token(const uint8_t *buf, size_t len, struct parts *out)
{
	struct ccakit_cbor_item top, map, k, v;
	struct ccakit_cbor_iter it;

	assert_int_equal(ccakit_cbor_parse(buf, len, NULL, &top, NULL),
	    CCAKIT_OK);
	ccakit_cbor_tag_content(&top, &map);
	ccakit_cbor_iter_init(&it, &map);
	while (ccakit_cbor_iter_next(&it, &k) &&
	    ccakit_cbor_iter_next(&it, &v)) {
		assert_int_equal(v.type, CCAKIT_CBOR_BSTR);
		if (k.u == CCAKIT_COLL_PLATFORM) {
			out->p.ptr = v.data;
			out->p.len = (size_t)v.u;
		} else {
			out->r.ptr = v.data;
			out->r.len = (size_t)v.u;
		}
	}
}

enum env {
	ENV_OK,
	ENV_TAG,		/* another tag */
	ENV_UNTAGGED,		/* bare map */
	ENV_NOT_MAP,		/* tag over an array */
	ENV_EXTRA_KEY,		/* a third (device) entry */
	ENV_TEXT_KEY,
	ENV_NO_REALM,
	ENV_NO_PLATFORM,
	ENV_EMPTY_PLATFORM,
	ENV_EMPTY_REALM,
	ENV_WRONG_SHAPE,	/* 907 entries in 399 and vice versa */
	ENV_COAP_TYPE,		/* 907: [264, bstr] */
	ENV_THREE,		/* 907: [263, bstr, 0] */
	ENV_SWAPPED,		/* realm token under the platform key */
	ENV_REVERSED,		/* realm entry first: allowed */
	ENV_TRAILING,
	ENV_NINT_TYPE,		/* 907: [-1, bstr] */
};

static void
put_entry(struct ccakit_cbor_writer *w, bool cmw, uint64_t type,
    struct ccakit_bytes b, bool three)
{
	three = three && cmw;
	if (cmw) {
		ccakit_cbor_put_array(w, three ? 3 : 2);
		ccakit_cbor_put_uint(w, type);
	}
	ccakit_cbor_put_bstr(w, b.ptr, b.len);
	if (three)
		ccakit_cbor_put_uint(w, 0);
}

static size_t
build_env(const struct parts *pt, uint64_t tag, enum env e, uint8_t *out,
    size_t outsz)
{
	struct ccakit_cbor_writer w;
	struct ccakit_bytes empty = { NULL, 0 };
	bool cmw = tag == CCAKIT_TAG_CCA_TOKEN_CMW;
	uint64_t type = CCAKIT_COAP_EAT_CWT;
	size_t n = 2, len;

	if (e == ENV_WRONG_SHAPE)
		cmw = !cmw;
	if (e == ENV_COAP_TYPE)
		type = 264;
	if (e == ENV_EXTRA_KEY || e == ENV_TEXT_KEY)
		n = 3;
	if (e == ENV_NO_REALM || e == ENV_NO_PLATFORM)
		n = 1;
	ccakit_cbor_writer_init(&w, out, outsz);
	if (e == ENV_TAG)
		ccakit_cbor_put_tag(&w, 398);
	else if (e != ENV_UNTAGGED)
		ccakit_cbor_put_tag(&w, tag);
	if (e == ENV_NOT_MAP) {
		ccakit_cbor_put_array(&w, 2);
		ccakit_cbor_put_bstr(&w, pt->p.ptr, pt->p.len);
		ccakit_cbor_put_bstr(&w, pt->r.ptr, pt->r.len);
		goto done;
	}
	ccakit_cbor_put_map(&w, n);
	if (e == ENV_REVERSED) {
		ccakit_cbor_put_uint(&w, CCAKIT_COLL_REALM);
		put_entry(&w, cmw, type, pt->r, false);
		ccakit_cbor_put_uint(&w, CCAKIT_COLL_PLATFORM);
		put_entry(&w, cmw, type, pt->p, false);
		goto done;
	}
	if (e != ENV_NO_PLATFORM) {
		ccakit_cbor_put_uint(&w, CCAKIT_COLL_PLATFORM);
		if (e == ENV_NINT_TYPE) {
			ccakit_cbor_put_array(&w, 2);
			ccakit_cbor_put_int(&w, -1);
			ccakit_cbor_put_bstr(&w, pt->p.ptr, pt->p.len);
		} else {
			put_entry(&w, cmw, type, e == ENV_EMPTY_PLATFORM ?
			    empty : e == ENV_SWAPPED ? pt->r : pt->p,
			    e == ENV_THREE);
		}
	}
	if (e != ENV_NO_REALM) {
		ccakit_cbor_put_uint(&w, CCAKIT_COLL_REALM);
		put_entry(&w, cmw, type, e == ENV_EMPTY_REALM ? empty :
		    e == ENV_SWAPPED ? pt->p : pt->r, false);
	}
	if (e == ENV_EXTRA_KEY) {
		ccakit_cbor_put_uint(&w, 44258);
		put_entry(&w, cmw, 601, pt->p, false);
	}
	if (e == ENV_TEXT_KEY) {
		ccakit_cbor_put_cstr(&w, "x");
		ccakit_cbor_put_uint(&w, 0);
	}
done:
	if (e == ENV_TRAILING)
		ccakit_cbor_put_uint(&w, 0);
	assert_int_equal(ccakit_cbor_writer_finish(&w, &len), CCAKIT_OK);
	return len;
}

static void
envelope(struct tt_buf b)
{
	static const struct {
		enum env e;
		int want;
		const char *text;	/* NULL: not checked */
	} tab[] = {
		{ ENV_OK, CCAKIT_OK, NULL },
		{ ENV_REVERSED, CCAKIT_OK, NULL },
		{ ENV_TAG, CCAKIT_ERR_TOKEN_MALFORMED,
		    "expecting tag 399 or 907, got 398" },
		{ ENV_UNTAGGED, CCAKIT_ERR_TOKEN_MALFORMED,
		    "expecting tag 399 or 907, got major type 5" },
		{ ENV_NOT_MAP, CCAKIT_ERR_TOKEN_MALFORMED, NULL },
		{ ENV_EXTRA_KEY, CCAKIT_ERR_TOKEN_MALFORMED,
		    "unknown key 44258 in collection" },
		{ ENV_TEXT_KEY, CCAKIT_ERR_TOKEN_MALFORMED, NULL },
		{ ENV_NO_REALM, CCAKIT_ERR_TOKEN_MALFORMED,
		    "missing realm token" },
		{ ENV_NO_PLATFORM, CCAKIT_ERR_TOKEN_MALFORMED,
		    "missing platform token" },
		{ ENV_EMPTY_PLATFORM, CCAKIT_ERR_TOKEN_MALFORMED,
		    "missing platform token" },
		{ ENV_EMPTY_REALM, CCAKIT_ERR_TOKEN_MALFORMED,
		    "missing realm token" },
		{ ENV_WRONG_SHAPE, CCAKIT_ERR_TOKEN_MALFORMED, NULL },
		{ ENV_COAP_TYPE, -1, NULL },	/* 907 only */
		{ ENV_THREE, -1, NULL },	/* 907 only */
		{ ENV_NINT_TYPE, CCAKIT_ERR_TOKEN_MALFORMED, NULL },
		{ ENV_TRAILING, CCAKIT_ERR_CBOR_TRAILING, NULL },
	};
	static const uint64_t tags[] = { CCAKIT_TAG_CCA_TOKEN_LEGACY,
	    CCAKIT_TAG_CCA_TOKEN_CMW };
	struct ccakit_errdetail d;
	uint8_t *buf = malloc(MAXBUF);
	ccakit_token *t = ccakit_token_new();
	struct parts pt = { 0 };
	size_t i, j, len;
	int r, want;

	assert_non_null(buf);
	assert_non_null(t);
	split_token(b.p, b.len, &pt);
	for (j = 0; j < 2; j++) {
		for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
			want = tab[i].want;
			if (want == -1)
				want = tags[j] == CCAKIT_TAG_CCA_TOKEN_CMW ?
				    CCAKIT_ERR_TOKEN_MALFORMED : CCAKIT_OK;
			len = build_env(&pt, tags[j], tab[i].e, buf, MAXBUF);
			memset(&d, 0, sizeof(d));
			r = ccakit_token_decode(t, buf, len, &d);
			if (r != want)
				fail_msg("tag %llu case %zu: got %d (%s), "
				    "want %d", (unsigned long long)tags[j], i,
				    r, d.text, want);
			if (r == CCAKIT_OK)
				assert_int_equal(ccakit_token_get_format(t),
				    tags[j]);
			if (tab[i].text != NULL)
				assert_string_equal(d.text, tab[i].text);
		}
	}
	/* the swapped entries fail in the claims decoders */
	len = build_env(&pt, CCAKIT_TAG_CCA_TOKEN_LEGACY, ENV_SWAPPED, buf,
	    MAXBUF);
	r = ccakit_token_decode(t, buf, len, &d);
	assert_int_not_equal(r, CCAKIT_OK);
	assert_null(ccakit_token_platform(t));

	/* size cap and arguments */
	memset(buf, 0, MAXBUF);
	assert_int_equal(ccakit_token_decode(t, buf, CCAKIT_TOKEN_MAX_SIZE + 1,
	    &d), CCAKIT_ERR_TOO_LARGE);
	assert_int_equal(ccakit_token_decode(t, NULL, 1, &d),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_token_decode(NULL, buf, 1, &d),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_not_equal(ccakit_token_decode(t, NULL, 0, &d), CCAKIT_OK);

	/* a token is reusable: a failed decode leaves nothing behind */
	assert_int_equal(ccakit_token_decode(t, b.p, b.len, &d), CCAKIT_OK);
	assert_non_null(ccakit_token_platform(t));
	assert_int_not_equal(ccakit_token_decode(t, b.p, b.len - 1, &d),
	    CCAKIT_OK);
	assert_null(ccakit_token_platform(t));
	assert_int_equal(ccakit_token_decode(t, b.p, b.len, &d), CCAKIT_OK);
	ccakit_token_free(&t);
	free(buf);
}

/* The envelope cases, around an emulated token's parts and around
 * cca-token-01's when the vectors are present. */
static void
test_envelope(void **state)
{
	struct tt_buf b = tt_emulated(CCAKIT_FORMAT_399, 0);

	(void)state;
	envelope(b);
	tt_buf_free(&b);
	if (!tu_have_vectors("rust-ccatoken"))
		return;
	b = tt_vector("rust-ccatoken/cca-token-01.cbor");
	envelope(b);
	tt_buf_free(&b);
}

/* --- exhaustive small inputs and truncations --- */

static void
test_small_inputs(void **state)
{
	struct ccakit_platform_claims *pc = malloc(sizeof(*pc));
	struct ccakit_realm_claims rc;
	ccakit_token *t = ccakit_token_new();
	uint8_t in[2];
	unsigned i;

	(void)state;
	assert_non_null(t);
	assert_non_null(pc);
	for (i = 0; i < 256; i++) {
		in[0] = (uint8_t)i;
		assert_int_not_equal(ccakit_token_decode(t, in, 1, NULL),
		    CCAKIT_OK);
		assert_int_not_equal(ccakit_platform_claims_decode(in, 1, pc,
		    NULL), CCAKIT_OK);
		assert_int_not_equal(ccakit_realm_claims_decode(in, 1, &rc,
		    NULL), CCAKIT_OK);
	}
	for (i = 0; i < 65536; i++) {
		in[0] = (uint8_t)(i >> 8);
		in[1] = (uint8_t)i;
		assert_int_not_equal(ccakit_token_decode(t, in, 2, NULL),
		    CCAKIT_OK);
		assert_int_not_equal(ccakit_platform_claims_decode(in, 2, pc,
		    NULL), CCAKIT_OK);
		assert_int_not_equal(ccakit_realm_claims_decode(in, 2, &rc,
		    NULL), CCAKIT_OK);
	}
	free(pc);
	ccakit_token_free(&t);
}

static void
truncations(const char *name, struct tt_buf b)
{
	ccakit_token *t = ccakit_token_new();
	uint8_t *copy;
	size_t n;

	assert_non_null(t);
	for (n = 0; n < b.len; n++) {
		/* exact-size copy so that ASan sees any overread */
		assert_non_null(copy = malloc(n + 1));
		memcpy(copy, b.p, n);
		if (ccakit_token_decode(t, copy, n, NULL) == CCAKIT_OK)
			fail_msg("%s: prefix of %zu bytes decodes", name, n);
		free(copy);
	}
	ccakit_token_free(&t);
}

static void
test_truncations(void **state)
{
	static const char *const files[] = {
		"rust-ccatoken/cca-token-01.cbor",
		"rust-ccatoken/cca-token-draft-ffm-00.cbor",
		"go-ccatoken/evidence/GoodCCAToken.cbor",
	};

	(void)state;
	tt_for_each_token(truncations, files, sizeof(files) / sizeof(files[0]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector_tokens),
		cmocka_unit_test(test_token01_claims),
		cmocka_unit_test(test_vector_claims),
		cmocka_unit_test(test_rust_inline),
		cmocka_unit_test(test_platform_defects),
		cmocka_unit_test(test_realm_defects),
		cmocka_unit_test(test_platform_limits),
		cmocka_unit_test(test_profiles_2024),
		cmocka_unit_test(test_encode_exact),
		cmocka_unit_test(test_profile_strings),
		cmocka_unit_test(test_envelope),
		cmocka_unit_test(test_small_inputs),
		cmocka_unit_test(test_truncations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
