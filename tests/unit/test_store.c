/*
 * Unit tests: trust-anchor and reference-value stores, golden values. The
 * stores, keys and tokens are made here (the emulated realm's); the
 * upstream files of rust-ccatoken too when the vectors are present.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/appraise.h>
#include <ccakit/bytes.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/store.h>
#include <ccakit/token.h>

#include "store/store_priv.h"
#include "test_token_util.h"
#include "testutil.h"
#include "util/util.h"

#define TFA_IMPL "7f454c4602010100000000000000000003003e00010000005058000000000000"
#define TFA_INST "0107060504030201000f0e0d0c0b0a090817161514131211101f1e1d1c1b1a1918"
#define P256_X "TKRFE_RwSXooI8DdatPOYg_uiKm2XrtT_uEMEvqQZrw"
#define P256_Y "CRx3H8NHN1lcxqKi92P0OsZBxX3VFaktllpD3SjtN7s"
#define AA32 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define M32 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

/* A malloc'd formatted string (asprintf is not in C11/POSIX). */
static int xprintf(char **, const char *, ...) CKI_PRINTF(2, 3);

static int
xprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	assert_non_null(*out = malloc((size_t)n + 1));
	va_start(ap, fmt);
	assert_int_equal(vsnprintf(*out, (size_t)n + 1, fmt, ap), n);
	va_end(ap);
	return n;
}

static ccakit_ta_store *
ta_from_vector(const char *rel)
{
	ccakit_ta_store *s;
	struct ccakit_errdetail d;
	uint8_t *j;
	size_t len;

	j = tu_read_vector(rel, &len);
	assert_non_null(s = ccakit_ta_store_new());
	memset(&d, 0, sizeof(d));
	if (ccakit_ta_store_load_json(s, (char *)j, len, &d) != CCAKIT_OK)
		fail_msg("%s: %s", rel, d.text);
	free(j);
	return s;
}

static ccakit_rv_store *
rv_from_vector(const char *rel)
{
	ccakit_rv_store *s;
	struct ccakit_errdetail d;
	uint8_t *j;
	size_t len;

	j = tu_read_vector(rel, &len);
	assert_non_null(s = ccakit_rv_store_new());
	memset(&d, 0, sizeof(d));
	if (ccakit_rv_store_load_json(s, (char *)j, len, &d) != CCAKIT_OK)
		fail_msg("%s: %s", rel, d.text);
	free(j);
	return s;
}

/* Public point of a key, for comparisons. */
static size_t
key_point(const ccakit_key *k, uint8_t *pt, size_t sz)
{
	size_t n = 0;

	assert_int_equal(ccakit_key_to_sec1(k, pt, sz, &n), CCAKIT_OK);
	return n;
}

static void
assert_same_key(const ccakit_key *a, const char *jwk)
{
	uint8_t pa[133], pb[133];
	ccakit_key *b;
	size_t na, nb;

	assert_non_null(a);
	assert_non_null(b = ccakit_key_new());
	assert_int_equal(ccakit_key_from_jwk(b, jwk, strlen(jwk)), CCAKIT_OK);
	na = key_point(a, pa, sizeof(pa));
	nb = key_point(b, pb, sizeof(pb));
	assert_int_equal(na, nb);
	assert_memory_equal(pa, pb, na);
	ccakit_key_free(&b);
}

static void
test_ta_load_vectors(void **state)
{
	static const char *const files[] = {
		"rust-ccatoken/ta.json", "rust-ccatoken/ta-02-ok.json",
		"rust-ccatoken/ta-02-bad.json", "rust-ccatoken/ta-tfa.json",
	};
	ccakit_ta_store *s;
	size_t i;

	(void)state;
	tu_need_vectors("rust-ccatoken");
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		s = ta_from_vector(files[i]);
		assert_int_equal(ccakit_ta_store_count(s), 1);
		ccakit_ta_store_free(&s);
		assert_null(s);
	}
	ccakit_ta_store_free(NULL);
	ccakit_ta_store_free(&s);
}

static void
test_ta_lookup(void **state)
{
	ccakit_ta_store *s;
	uint8_t *inst, *impl, *pkey;
	size_t ilen, mlen, plen;

	(void)state;
	tu_need_vectors("rust-ccatoken");
	s = ta_from_vector("rust-ccatoken/ta.json");
	inst = tu_read_vector("rust-ccatoken/inst-id.bin", &ilen);
	impl = tu_read_vector("rust-ccatoken/impl-id.bin", &mlen);
	pkey = tu_read_vector("rust-ccatoken/pkey.json", &plen);
	assert_int_equal(ilen, 33);
	assert_int_equal(mlen, 32);
	assert_same_key(ccakit_ta_store_lookup(s, impl, inst), (char *)pkey);

	/* Both identifiers take part in the lookup. */
	inst[32] ^= 1;
	assert_null(ccakit_ta_store_lookup(s, impl, inst));
	assert_false(cki_ta_store_find(s, impl, inst, NULL));
	inst[32] ^= 1;
	impl[0] ^= 0x80;
	assert_null(ccakit_ta_store_lookup(s, impl, inst));
	impl[0] ^= 0x80;
	assert_non_null(ccakit_ta_store_lookup(s, impl, inst));
	assert_null(ccakit_ta_store_lookup(NULL, impl, inst));
	free(inst);
	free(impl);
	free(pkey);
	ccakit_ta_store_free(&s);
}

static char *ta_json(const char *inst, const char *impl, const char *pkey);

/* A public JWK of a fresh key on curve, or, with off_curve, its x and
 * another key's y: a point that is not on the curve. */
static char *
gen_jwk(const char *curve, bool off_curve)
{
	ccakit_key *a = tt_gen_key(curve), *b = tt_gen_key(curve);
	char ja[512], jb[512], *x, *xe, *y, *ye, *out;

	assert_int_equal(ccakit_key_to_jwk(a, ja, sizeof(ja)), CCAKIT_OK);
	assert_int_equal(ccakit_key_to_jwk(b, jb, sizeof(jb)), CCAKIT_OK);
	assert_non_null(x = strstr(ja, "\"x\":\""));
	assert_non_null(xe = strchr(x + 5, '"'));
	assert_non_null(y = strstr(off_curve ? jb : ja, "\"y\":\""));
	assert_non_null(ye = strchr(y + 5, '"'));
	assert_true(xprintf(&out, "{\"kty\":\"EC\",\"crv\":\"%s\",%.*s,%.*s}",
	    curve, (int)(xe + 1 - x), x, (int)(ye + 1 - y), y) > 0);
	ccakit_key_free(&a);
	ccakit_key_free(&b);
	return out;
}

/* A store whose key is off the curve loads; find() knows the entry,
 * lookup() gives no key. */
static void
test_ta_unusable_key(void **state)
{
	ccakit_ta_store *bad, *ok;
	const ccakit_key *k = (const ccakit_key *)1;
	uint8_t impl[32], inst[33];
	char *pkey, *j;
	size_t n;
	uint8_t *bi, *bn;

	(void)state;
	bi = tu_hex(M32, &n);
	bn = tu_hex("01" AA32, &n);
	pkey = gen_jwk("P-256", true);
	j = ta_json("01" AA32, M32, pkey);
	assert_non_null(bad = ccakit_ta_store_new());
	assert_int_equal(ccakit_ta_store_load_json(bad, j, strlen(j), NULL),
	    CCAKIT_OK);
	assert_true(cki_ta_store_find(bad, bi, bn, &k));
	assert_null(k);
	assert_null(ccakit_ta_store_lookup(bad, bi, bn));
	ccakit_ta_store_free(&bad);
	free(j);
	free(pkey);
	free(bi);
	free(bn);
	if (!tu_have_vectors("rust-ccatoken"))
		return;

	memset(impl, 0, sizeof(impl));
	memset(inst, 0x02, sizeof(inst));
	inst[0] = 0x01;
	/* ta-02-bad.json loads; its point is off the curve. */
	bad = ta_from_vector("rust-ccatoken/ta-02-bad.json");
	assert_true(cki_ta_store_find(bad, impl, inst, &k));
	assert_null(k);
	assert_null(ccakit_ta_store_lookup(bad, impl, inst));
	ok = ta_from_vector("rust-ccatoken/ta-02-ok.json");
	assert_true(cki_ta_store_find(ok, impl, inst, &k));
	assert_non_null(k);
	assert_int_equal(ccakit_key_crv(k), CCAKIT_COSE_CRV_P256);
	ccakit_ta_store_free(&bad);
	ccakit_ta_store_free(&ok);
}

static char *
ta_json(const char *inst, const char *impl, const char *pkey)
{
	char *s;
	int n;

	n = xprintf(&s, "[{\"instance-id\": \"%s\", \"implementation-id\": "
	    "\"%s\", \"pkey\": %s}]", inst, impl, pkey);
	assert_true(n > 0);
	return s;
}

#define PKEY_OK "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" P256_X \
    "\",\"y\":\"" P256_Y "\"}"

static void
test_ta_errors(void **state)
{
	static const struct {
		const char *inst, *impl, *pkey;
		int code;
		const char *text;
	} bad[] = {
		{ "01" AA32, AA32 "00", PKEY_OK, CCAKIT_ERR_JSON,
		    "[0].implementation-id" },
		{ AA32, AA32, PKEY_OK, CCAKIT_ERR_JSON, "[0].instance-id" },
		{ "01" AA32 "00", AA32, PKEY_OK, CCAKIT_ERR_JSON,
		    "instance-id" },
		{ "0Z" AA32, AA32, PKEY_OK, CCAKIT_ERR_ENCODING,
		    "instance-id" },
		{ "01" AA32, "G" AA32 "0", PKEY_OK, CCAKIT_ERR_JSON, NULL },
		{ "01" AA32, AA32, "\"" P256_X "\"", CCAKIT_ERR_JSON, "pkey" },
		{ "01" AA32, AA32, "{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}",
		    CCAKIT_ERR_KEY_INVALID, "kty" },
		{ "01" AA32, AA32, "{\"kty\":\"EC\",\"crv\":\"P-192\",\"x\":\"AA\","
		    "\"y\":\"AA\"}", CCAKIT_ERR_KEY_INVALID, "crv" },
		{ "01" AA32, AA32, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\""
		    P256_X "\"}", CCAKIT_ERR_KEY_INVALID, "x and y" },
		{ "01" AA32, AA32, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\""
		    P256_X "\",\"y\":\"" P256_Y "\",\"d\":\"AA\"}",
		    CCAKIT_ERR_KEY_INVALID, "private" },
	};
	static const char *const syntax[] = {
		"", "{}", "[1]", "[[]]", "[{}]", "null", "[{\"instance-id\": 1}]",
		"[{\"a\":1,\"a\":2}]", "[] x", "[{\"pkey\": {}}",
	};
	struct ccakit_errdetail d;
	ccakit_ta_store *s;
	char *j, *g;
	size_t i;

	(void)state;
	/* A store with one entry: failed loads must leave it alone. */
	j = ta_json("01" AA32, M32, PKEY_OK);
	assert_non_null(s = ccakit_ta_store_new());
	assert_int_equal(ccakit_ta_store_load_json(s, j, strlen(j), NULL),
	    CCAKIT_OK);
	free(j);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = ta_json(bad[i].inst, bad[i].impl, bad[i].pkey);
		memset(&d, 0, sizeof(d));
		assert_int_equal(ccakit_ta_store_load_json(s, j, strlen(j), &d),
		    bad[i].code);
		assert_int_equal(d.code, bad[i].code);
		if (bad[i].text != NULL && strstr(d.text, bad[i].text) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, d.text,
			    bad[i].text);
		free(j);
	}
	for (i = 0; i < sizeof(syntax) / sizeof(syntax[0]); i++) {
		assert_int_equal(ccakit_ta_store_load_json(s, syntax[i],
		    strlen(syntax[i]), NULL), CCAKIT_ERR_JSON);
	}
	/* A good entry followed by a bad one adds nothing. */
	j = ta_json("01" AA32, AA32, PKEY_OK);
	assert_true(xprintf(&g, "[%.*s, {\"instance-id\": \"01\"}]",
	    (int)strlen(j) - 2, j + 1) > 0);
	assert_int_equal(ccakit_ta_store_load_json(s, g, strlen(g), &d),
	    CCAKIT_ERR_JSON);
	assert_non_null(strstr(d.text, "[1].instance-id"));
	assert_int_equal(ccakit_ta_store_count(s), 1);
	assert_int_equal(ccakit_ta_store_load_json(s, j, strlen(j), &d),
	    CCAKIT_OK);
	assert_int_equal(ccakit_ta_store_count(s), 2);
	free(g);
	free(j);

	/* Size cap before parsing; bad arguments. */
	assert_int_equal(ccakit_ta_store_load_json(s, "[]",
	    (size_t)CCAKIT_STORE_MAX_JSON + 1, &d), CCAKIT_ERR_TOO_LARGE);
	assert_int_equal(ccakit_ta_store_load_json(NULL, "[]", 2, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_ta_store_load_json(s, NULL, 2, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_ta_store_load_json(s, "[]", 2, NULL),
	    CCAKIT_OK);
	assert_int_equal(ccakit_ta_store_count(s), 2);
	ccakit_ta_store_free(&s);
}

static void
test_ta_duplicates(void **state)
{
	static const char okpkey[] = "{\"kty\":\"EC\",\"crv\":\"P-256\","
	    "\"x\":\"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4\","
	    "\"y\":\"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM\"}";
	ccakit_ta_store *s;
	uint8_t *impl, *inst;
	char *j;
	size_t n;

	(void)state;
	impl = tu_hex(AA32, &n);
	inst = tu_hex("01" AA32, &n);
	/* Within one load and across loads, the last entry wins. */
	assert_true(xprintf(&j, "[{\"instance-id\": \"01%s\", "
	    "\"implementation-id\": \"%s\", \"pkey\": %s}, "
	    "{\"instance-id\": \"01%s\", \"implementation-id\": \"%s\", "
	    "\"pkey\": %s}]", AA32, AA32, PKEY_OK, AA32, AA32, okpkey) > 0);
	assert_non_null(s = ccakit_ta_store_new());
	assert_int_equal(ccakit_ta_store_load_json(s, j, strlen(j), NULL),
	    CCAKIT_OK);
	assert_int_equal(ccakit_ta_store_count(s), 1);
	assert_same_key(ccakit_ta_store_lookup(s, impl, inst), okpkey);
	free(j);
	j = ta_json("01" AA32, AA32, PKEY_OK);
	assert_int_equal(ccakit_ta_store_load_json(s, j, strlen(j), NULL),
	    CCAKIT_OK);
	assert_int_equal(ccakit_ta_store_count(s), 1);
	assert_same_key(ccakit_ta_store_lookup(s, impl, inst), PKEY_OK);
	/* The same instance-id under another implementation-id is new. */
	free(j);
	j = ta_json("01" AA32, M32, PKEY_OK);
	assert_int_equal(ccakit_ta_store_load_json(s, j, strlen(j), NULL),
	    CCAKIT_OK);
	assert_int_equal(ccakit_ta_store_count(s), 2);
	free(j);
	free(impl);
	free(inst);
	ccakit_ta_store_free(&s);
}

static void
test_ta_caps(void **state)
{
	ccakit_ta_store *s;
	char *j, *p, *last = NULL;
	size_t i, cap, n = CCAKIT_STORE_MAX_ENTRIES + 1;
	uint8_t impl[32], inst[33];

	(void)state;
	/* n distinct entries: 4097 is refused, 4096 fill the store. */
	cap = n * 320 + 16;
	assert_non_null(j = malloc(cap));
	p = j;
	*p++ = '[';
	for (i = 0; i < n; i++) {
		last = p;
		p += snprintf(p, cap - (size_t)(p - j), "%s{\"instance-id\":"
		    "\"01%064zx\",\"implementation-id\":\"%s\",\"pkey\":%s}",
		    i > 0 ? "," : "", i, AA32, PKEY_OK);
	}
	*p++ = ']';
	assert_non_null(s = ccakit_ta_store_new());
	assert_int_equal(ccakit_ta_store_load_json(s, j, (size_t)(p - j),
	    NULL), CCAKIT_ERR_TOO_LARGE);
	assert_int_equal(ccakit_ta_store_count(s), 0);
	/* Drop the last entry. */
	*last++ = ']';
	assert_int_equal(ccakit_ta_store_load_json(s, j, (size_t)(last - j),
	    NULL), CCAKIT_OK);
	assert_int_equal(ccakit_ta_store_count(s), CCAKIT_STORE_MAX_ENTRIES);
	memset(impl, 0xaa, sizeof(impl));
	memset(inst, 0xbb, sizeof(inst));
	assert_int_equal(ccakit_ta_store_add(s, impl, inst, PKEY_OK,
	    strlen(PKEY_OK)), CCAKIT_ERR_TOO_LARGE);
	/* Replacing an existing entry needs no room. */
	memset(inst, 0, sizeof(inst));
	inst[0] = 0x01;
	assert_int_equal(ccakit_ta_store_add(s, impl, inst, PKEY_OK,
	    strlen(PKEY_OK)), CCAKIT_OK);
	assert_int_equal(ccakit_ta_store_count(s), CCAKIT_STORE_MAX_ENTRIES);
	free(j);
	ccakit_ta_store_free(&s);
}

static void
test_ta_to_json(void **state)
{
	static const char expect[] =
	    "[\n"
	    "  {\n"
	    "    \"pkey\": {\"crv\":\"P-384\",\"kty\":\"EC\","
	    "\"x\":\"IShnxS4rlQiwpCCpBWDzlNLfqiG911FP8akBr-fh94uxHU5m-Kijivp2r2oxxN6M\","
	    "\"y\":\"hM4tr8mWQli1P61xh3T0ViDREbF26DGOEYfbAjWjGNN7pZf-6A4OTHYqEryz6m7U\"},\n"
	    "    \"implementation-id\": \"" TFA_IMPL "\",\n"
	    "    \"instance-id\": \"" TFA_INST "\"\n"
	    "  }\n"
	    "]";
	ccakit_ta_store *s, *s2;
	char *out = NULL, *out2 = NULL;

	(void)state;
	assert_non_null(s = ccakit_ta_store_new());
	assert_int_equal(ccakit_ta_store_to_json(s, &out), CCAKIT_OK);
	assert_string_equal(out, "[]");
	free(out);
	ccakit_ta_store_free(&s);
	if (!tu_have_vectors("rust-ccatoken"))
		return;

	s = ta_from_vector("rust-ccatoken/ta-tfa.json");
	assert_int_equal(ccakit_ta_store_to_json(s, &out), CCAKIT_OK);
	assert_string_equal(out, expect);
	/* What we write loads back to the same store. */
	assert_non_null(s2 = ccakit_ta_store_new());
	assert_int_equal(ccakit_ta_store_load_json(s2, out, strlen(out),
	    NULL), CCAKIT_OK);
	assert_int_equal(ccakit_ta_store_to_json(s2, &out2), CCAKIT_OK);
	assert_string_equal(out, out2);
	assert_int_equal(ccakit_ta_store_to_json(s, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	free(out);
	free(out2);
	ccakit_ta_store_free(&s);
	ccakit_ta_store_free(&s2);
}

static void
test_ta_add(void **state)
{
	static const char priv[] = "{\"kty\":\"EC\",\"crv\":\"P-384\","
	    "\"x\":\"dvmICRvlhe1BgBrs-rhYVIxjBX4WsOZ2Egu9DS-cKeBWxdQaATDrnCFReJncIxRr\","
	    "\"y\":\"KOGwYr0-pLMV_SGfHLtSjLbnTKSb4Wdzc09hocphAxsrvz2Rjy-U_8QijlCRlUSu\","
	    "\"d\":\"IBHH8DzuQyUXblJPAzwM4eIadubBpPC4Oaod9h4OilyKBXQPm2nvp-saQYW9EX9o\"}";
	ccakit_ta_store *s;
	uint8_t *cpak, *impl, *inst;
	char *out, *expect;
	size_t clen, n;

	(void)state;
	/* A CPAK's JWK made here, with a trailing newline as in a file. */
	out = gen_jwk("P-384", false);
	assert_true(xprintf((char **)&cpak, "%s\n", out) > 0);
	clen = strlen((char *)cpak);
	free(out);
	impl = tu_hex(TFA_IMPL, &n);
	inst = tu_hex(TFA_INST, &n);
	assert_non_null(s = ccakit_ta_store_new());
	assert_int_equal(ccakit_ta_store_add(s, impl, inst, (char *)cpak,
	    clen), CCAKIT_OK);
	assert_same_key(ccakit_ta_store_lookup(s, impl, inst), (char *)cpak);
	/* The JWK is written as given, less the trailing newline. */
	assert_int_equal(ccakit_ta_store_to_json(s, &out), CCAKIT_OK);
	assert_int_equal(cpak[clen - 1], '\n');
	assert_true(xprintf(&expect, "[\n  {\n    \"pkey\": %.*s,\n"
	    "    \"implementation-id\": \"%s\",\n    \"instance-id\": \"%s\"\n"
	    "  }\n]", (int)clen - 1, (char *)cpak, TFA_IMPL, TFA_INST) > 0);
	assert_string_equal(out, expect);
	free(out);
	free(expect);

	assert_int_equal(ccakit_ta_store_add(s, impl, inst, priv,
	    strlen(priv)), CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(ccakit_ta_store_add(s, impl, inst, "{}", 2),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(ccakit_ta_store_add(s, impl, inst, NULL, 0),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_ta_store_count(s), 1);
	free(cpak);
	free(impl);
	free(inst);
	ccakit_ta_store_free(&s);
}

/* --- reference values --- */

static void
test_rv_load(void **state)
{
	const struct ccakit_platform_rv *p;
	const struct ccakit_realm_rv *r;
	ccakit_rv_store *s;
	uint8_t aa[32], zero[64], deadbeef[4] = { 0xde, 0xad, 0xbe, 0xef };
	uint8_t *impl;
	size_t n;

	(void)state;
	tu_need_vectors("rust-ccatoken");
	s = rv_from_vector("rust-ccatoken/rv.json");
	assert_int_equal(ccakit_rv_store_platform_count(s), 2);
	assert_int_equal(ccakit_rv_store_realm_count(s), 1);
	memset(aa, 0xaa, sizeof(aa));
	assert_non_null(p = ccakit_rv_store_platform(s, aa, 0));
	assert_null(ccakit_rv_store_platform(s, aa, 1));
	assert_int_equal(p->config_len, 4);
	assert_memory_equal(p->config, "\xcf\xcf\xcf\xcf", 4);
	assert_int_equal(p->n_sw, 1);
	assert_string_equal(p->sw[0].type, "BL");
	assert_string_equal(p->sw[0].version, "1.0.2rc5");
	assert_int_equal(p->sw[0].mval.len, 32);
	assert_memory_equal(p->sw[0].mval.b, aa, 32);
	assert_memory_equal(p->sw[0].signer_id.b, aa, 32);

	impl = tu_hex(TFA_IMPL, &n);
	assert_non_null(p = ccakit_rv_store_platform(s, impl, 0));
	assert_int_equal(p->n_sw, 4);
	assert_string_equal(p->sw[3].type, "M3");
	assert_string_equal(p->sw[3].version, "1");
	assert_int_equal(p->config_len, 33);
	free(impl);

	assert_null(ccakit_rv_store_realm(s, deadbeef, sizeof(deadbeef), 0));
	memset(zero, 0, sizeof(zero));
	assert_null(ccakit_rv_store_realm(s, zero, 64, 0));
	assert_non_null(r = ccakit_rv_store_realm(s, zero, 32, 0));
	assert_null(ccakit_rv_store_realm(s, zero, 32, 1));
	assert_int_equal(r->n_rem, 4);
	assert_int_equal(r->rem[3].len, 32);
	assert_true(r->has_rpv);
	assert_memory_equal(r->rpv, "The quick brown fox", 19);
	assert_string_equal(r->rak_hash_alg, "sha-256");
	ccakit_rv_store_free(&s);
	assert_null(s);
	ccakit_rv_store_free(NULL);
}

static void
test_rv_errors(void **state)
{
	static const struct {
		const char *json;
		int code;
		const char *text;
	} bad[] = {
		{ "", CCAKIT_ERR_JSON, NULL },
		{ "[]", CCAKIT_ERR_JSON, NULL },
		{ "{\"platform\": {}}", CCAKIT_ERR_JSON, "platform" },
		{ "{\"realm\": 1}", CCAKIT_ERR_JSON, "realm" },
		{ "{\"platform\": [1]}", CCAKIT_ERR_JSON, "platform[0]" },
		{ "{\"platform\": [{\"implementation-id\": \"" AA32 "\", "
		    "\"platform-configuration\": \"\"}]}", CCAKIT_ERR_JSON,
		    "sw-components" },
		{ "{\"platform\": [{\"implementation-id\": \"" AA32 "AA\", "
		    "\"platform-configuration\": \"\", \"sw-components\": []}]}",
		    CCAKIT_ERR_JSON, "platform[0].implementation-id" },
		{ "{\"platform\": [{\"implementation-id\": \"AA\", "
		    "\"platform-configuration\": \"\", \"sw-components\": []}]}",
		    CCAKIT_ERR_JSON, "implementation-id" },
		{ "{\"platform\": [{\"implementation-id\": \"" AA32 "\", "
		    "\"sw-components\": []}]}", CCAKIT_ERR_JSON,
		    "platform-configuration: missing" },
		{ "{\"platform\": [{\"implementation-id\": \"" AA32 "\", "
		    "\"platform-configuration\": \"ABC\", \"sw-components\": []}]}",
		    CCAKIT_ERR_ENCODING, "platform-configuration" },
		{ "{\"platform\": [{\"implementation-id\": \"" AA32 "\", "
		    "\"platform-configuration\": \"\", \"sw-components\": "
		    "[{\"measurement-value\": \"AABB\", \"signer-id\": \"" AA32
		    "\"}]}]}", CCAKIT_ERR_JSON,
		    "platform[0].sw-components[0].measurement-value: 2 bytes" },
		{ "{\"platform\": [{\"implementation-id\": \"" AA32 "\", "
		    "\"platform-configuration\": \"\", \"sw-components\": "
		    "[{\"measurement-value\": \"" AA32 "\"}]}]}", CCAKIT_ERR_JSON,
		    "signer-id: missing" },
		{ "{\"platform\": [{\"implementation-id\": \"" AA32 "\", "
		    "\"platform-configuration\": \"\", \"sw-components\": "
		    "[{\"measurement-value\": \"" AA32 "\", \"signer-id\": \""
		    AA32 "\", \"version\": 1}]}]}", CCAKIT_ERR_JSON, "version" },
		{ "{\"platform\": [{\"implementation-id\": \"" AA32 "\", "
		    "\"platform-configuration\": \"\", \"sw-components\": "
		    "[{\"measurement-value\": \"" AA32 "x\", \"signer-id\": \""
		    AA32 "\"}]}]}", CCAKIT_ERR_ENCODING, "odd" },
		{ "{\"realm\": [{}]}", CCAKIT_ERR_JSON,
		    "realm[0].initial-measurement: missing" },
		{ "{\"realm\": [{\"initial-measurement\": \"" M32 M32 M32 "\"}]}",
		    CCAKIT_ERR_JSON, "96 bytes" },
		{ "{\"realm\": [{\"initial-measurement\": \"" M32 "\", "
		    "\"extensible-measurements\": [\"" M32 "\"]}]}",
		    CCAKIT_ERR_JSON, "extensible-measurements" },
		{ "{\"realm\": [{\"initial-measurement\": \"" M32 "\", "
		    "\"extensible-measurements\": [\"" M32 "\", \"" M32 "\", \""
		    M32 "\", \"00\"]}]}", CCAKIT_ERR_JSON,
		    "realm[0].extensible-measurements[3]: 1 bytes" },
		{ "{\"realm\": [{\"initial-measurement\": \"" M32 "\", "
		    "\"personalization-value\": \"" M32 "\"}]}", CCAKIT_ERR_JSON,
		    "personalization-value" },
		{ "{\"realm\": [{\"initial-measurement\": \"" M32 "\", "
		    "\"rak-hash-algorithm\": []}]}", CCAKIT_ERR_JSON,
		    "rak-hash-algorithm" },
		{ "{\"realm\": [{\"initial-measurement\": \"" M32 "\", "
		    "\"rak-hash-algorithm\": \"a\\u0000b\"}]}", CCAKIT_ERR_JSON,
		    NULL },
		{ "{\"realm\": [], \"realm\": []}", CCAKIT_ERR_JSON, NULL },
	};
	struct ccakit_errdetail d;
	ccakit_rv_store *s;
	const char *base;
	char *j;
	size_t i, n;

	(void)state;
	/* Two platform entries, one realm entry: failed loads leave them. */
	assert_non_null(s = ccakit_rv_store_new());
	base = "{\"platform\": [{\"implementation-id\": \"" AA32 "\", "
	    "\"platform-configuration\": \"\", \"sw-components\": "
	    "[{\"measurement-value\": \"" M32 "\", \"signer-id\": \"" AA32
	    "\"}]}, {\"implementation-id\": \"" M32 "\", "
	    "\"platform-configuration\": \"cfcf\", \"sw-components\": "
	    "[{\"measurement-value\": \"" AA32 "\", \"signer-id\": \"" M32
	    "\"}]}], \"realm\": [{\"initial-measurement\": \"" M32 "\"}]}";
	assert_int_equal(ccakit_rv_store_load_json(s, base, strlen(base),
	    NULL), CCAKIT_OK);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&d, 0, sizeof(d));
		if (ccakit_rv_store_load_json(s, bad[i].json,
		    strlen(bad[i].json), &d) != bad[i].code)
			fail_msg("case %zu: want %d, got %d (%s)", i,
			    bad[i].code, d.code, d.text);
		if (bad[i].text != NULL && strstr(d.text, bad[i].text) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, d.text,
			    bad[i].text);
	}
	assert_int_equal(ccakit_rv_store_platform_count(s), 2);
	assert_int_equal(ccakit_rv_store_realm_count(s), 1);

	/* 65 components can never match a token. */
	assert_non_null(j = malloc(65 * 200 + 256));
	n = (size_t)sprintf(j, "{\"platform\": [{\"implementation-id\": \""
	    AA32 "\", \"platform-configuration\": \"\", \"sw-components\": [");
	for (i = 0; i < 65; i++)
		n += (size_t)sprintf(j + n, "%s{\"measurement-value\": \"" M32
		    "\", \"signer-id\": \"" M32 "\"}", i > 0 ? "," : "");
	n += (size_t)sprintf(j + n, "]}]}");
	assert_int_equal(ccakit_rv_store_load_json(s, j, n, &d),
	    CCAKIT_ERR_TOO_LARGE);
	assert_int_equal(ccakit_rv_store_load_json(s, j,
	    (size_t)CCAKIT_STORE_MAX_JSON + 1, &d), CCAKIT_ERR_TOO_LARGE);
	assert_int_equal(ccakit_rv_store_platform_count(s), 2);
	free(j);
	ccakit_rv_store_free(&s);
}

static void
test_rv_optional(void **state)
{
	static const char in[] =
	    "{\"realm\": [{\"initial-measurement\": \"" M32 "\", "
	    "\"extensible-measurements\": null, \"unknown\": [1, 2]}], "
	    "\"platform\": null, \"other\": {}}";
	static const char expect[] =
	    "{\n"
	    "  \"platform\": [],\n"
	    "  \"realm\": [\n"
	    "    {\n"
	    "      \"initial-measurement\": \"" M32 "\"\n"
	    "    }\n"
	    "  ]\n"
	    "}";
	const struct ccakit_realm_rv *r;
	ccakit_rv_store *s;
	uint8_t *rim;
	char *out;
	size_t n;

	(void)state;
	assert_non_null(s = ccakit_rv_store_new());
	assert_int_equal(ccakit_rv_store_to_json(s, &out), CCAKIT_OK);
	assert_string_equal(out, "{\n  \"platform\": [],\n  \"realm\": []\n}");
	free(out);
	assert_int_equal(ccakit_rv_store_load_json(s, in, strlen(in), NULL),
	    CCAKIT_OK);
	rim = tu_hex(M32, &n);
	assert_non_null(r = ccakit_rv_store_realm(s, rim, n, 0));
	assert_int_equal(r->n_rem, 0);
	assert_false(r->has_rpv);
	assert_null(r->rak_hash_alg);
	assert_int_equal(ccakit_rv_store_to_json(s, &out), CCAKIT_OK);
	assert_string_equal(out, expect);
	free(out);
	free(rim);
	ccakit_rv_store_free(&s);
}

static void
test_rv_to_json(void **state)
{
	static const char expect[] =
	    "{\n"
	    "  \"platform\": [\n"
	    "    {\n"
	    "      \"implementation-id\": \"" M32 "\",\n"
	    "      \"sw-components\": [\n"
	    "        {\n"
	    "          \"measurement-value\": \"" M32 "\",\n"
	    "          \"signer-id\": \"" M32 "\",\n"
	    "          \"version\": null,\n"
	    "          \"component-type\": \"tab\\there \\\"q\\\" \\u0001\"\n"
	    "        }\n"
	    "      ],\n"
	    "      \"platform-configuration\": \"\"\n"
	    "    }\n"
	    "  ],\n"
	    "  \"realm\": []\n"
	    "}";
	ccakit_rv_store *s, *s2;
	char *out, *out2;
	uint8_t *j;
	size_t len;

	(void)state;
	/* Layout, nulls, escapes. */
	assert_non_null(s = ccakit_rv_store_new());
	assert_int_equal(ccakit_rv_store_load_json(s, expect, strlen(expect),
	    NULL), CCAKIT_OK);
	assert_int_equal(ccakit_rv_store_to_json(s, &out), CCAKIT_OK);
	assert_string_equal(out, expect);
	free(out);
	ccakit_rv_store_free(&s);
	if (!tu_have_vectors("rust-ccatoken"))
		return;

	/* rv.json: upper-case hex in, lower-case out, round trip. */
	s = rv_from_vector("rust-ccatoken/rv.json");
	assert_int_equal(ccakit_rv_store_to_json(s, &out), CCAKIT_OK);
	assert_null(strstr(out, "CF"));
	assert_non_null(strstr(out, "\"platform-configuration\": \"cfcfcfcf\""));
	assert_non_null(strstr(out, "\"version\": \"3.4.2\",\n"
	    "          \"component-type\": \"BL\""));
	assert_non_null(s2 = ccakit_rv_store_new());
	assert_int_equal(ccakit_rv_store_load_json(s2, out, strlen(out), NULL),
	    CCAKIT_OK);
	assert_int_equal(ccakit_rv_store_to_json(s2, &out2), CCAKIT_OK);
	assert_string_equal(out, out2);
	/* Loading twice keeps both copies, in order. */
	j = (uint8_t *)out;
	len = strlen(out);
	assert_int_equal(ccakit_rv_store_load_json(s2, (char *)j, len, NULL),
	    CCAKIT_OK);
	assert_int_equal(ccakit_rv_store_platform_count(s2), 4);
	assert_int_equal(ccakit_rv_store_realm_count(s2), 2);
	free(out);
	free(out2);
	ccakit_rv_store_free(&s);
	ccakit_rv_store_free(&s2);
}

static void
test_rv_add(void **state)
{
	struct ccakit_rv_sw_component sw[2];
	struct ccakit_platform_rv p;
	struct ccakit_realm_rv r;
	const struct ccakit_platform_rv *got;
	ccakit_rv_store *s;
	uint8_t cfg[3] = { 1, 2, 3 };
	char version[] = "1.0";

	(void)state;
	assert_non_null(s = ccakit_rv_store_new());
	memset(&p, 0, sizeof(p));
	memset(sw, 0, sizeof(sw));
	memset(p.impl_id, 0x11, sizeof(p.impl_id));
	p.config = cfg;
	p.config_len = sizeof(cfg);
	p.sw = sw;
	p.n_sw = 1;
	sw[0].mval.len = 48;
	sw[0].signer_id.len = 32;
	sw[0].version = version;
	assert_int_equal(ccakit_rv_store_add_platform(s, &p), CCAKIT_OK);
	/* Deep copies. */
	cfg[0] = 9;
	version[0] = '9';
	assert_non_null(got = ccakit_rv_store_platform(s, p.impl_id, 0));
	assert_int_equal(got->config[0], 1);
	assert_string_equal(got->sw[0].version, "1.0");
	assert_null(got->sw[0].type);

	sw[0].signer_id.len = 33;
	assert_int_equal(ccakit_rv_store_add_platform(s, &p),
	    CCAKIT_ERR_INVALID_ARG);
	sw[0].signer_id.len = 65;
	assert_int_equal(ccakit_rv_store_add_platform(s, &p),
	    CCAKIT_ERR_INVALID_ARG);
	p.sw = NULL;
	assert_int_equal(ccakit_rv_store_add_platform(s, &p),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_rv_store_platform_count(s), 1);

	memset(&r, 0, sizeof(r));
	r.rim.len = 64;
	assert_int_equal(ccakit_rv_store_add_realm(s, &r), CCAKIT_OK);
	r.n_rem = 3;
	assert_int_equal(ccakit_rv_store_add_realm(s, &r),
	    CCAKIT_ERR_INVALID_ARG);
	r.n_rem = 4;
	r.rem[2].len = 20;
	assert_int_equal(ccakit_rv_store_add_realm(s, &r),
	    CCAKIT_ERR_INVALID_ARG);
	r.rem[0].len = r.rem[1].len = r.rem[2].len = r.rem[3].len = 48;
	r.rak_hash_alg = version;
	assert_int_equal(ccakit_rv_store_add_realm(s, &r), CCAKIT_OK);
	r.rim.len = 20;
	assert_int_equal(ccakit_rv_store_add_realm(s, &r),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_rv_store_realm_count(s), 2);
	assert_null(ccakit_rv_store_realm(s, r.rim.b, 64, 2));
	assert_non_null(ccakit_rv_store_realm(s, r.rim.b, 64, 1));
	ccakit_rv_store_free(&s);
}

/* --- golden values (needs the token module) --- */

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

/*
 * Golden values of t with the CPAK JWK: one trust anchor and one platform
 * and one realm reference value, which verify and appraise t; both stores
 * write JSON that loads again to the same stores. The appraisal and the
 * JSON texts are returned for the caller's checks.
 */
static void
golden_check(const ccakit_token *t, const char *cpak, size_t clen,
    struct ccakit_appraisal *got, char **ta_out, char **rv_out)
{
	struct ccakit_appraisal got2;
	struct ccakit_verify_result res;
	struct ccakit_errdetail d;
	ccakit_ta_store *tas, *tas2;
	ccakit_rv_store *rvs, *rvs2;
	char *out2;

	assert_non_null(tas = ccakit_ta_store_new());
	assert_non_null(rvs = ccakit_rv_store_new());
	memset(&d, 0, sizeof(d));
	if (ccakit_golden(t, cpak, clen, tas, rvs, &d) != CCAKIT_OK)
		fail_msg("golden: %s", d.text);
	assert_int_equal(ccakit_ta_store_count(tas), 1);
	assert_int_equal(ccakit_rv_store_platform_count(rvs), 1);
	assert_int_equal(ccakit_rv_store_realm_count(rvs), 1);

	/* The TA store verifies the token and round-trips. */
	assert_int_equal(ccakit_token_verify(t, tas, NULL, &res, NULL),
	    CCAKIT_OK);
	assert_int_equal(ccakit_ta_store_to_json(tas, ta_out), CCAKIT_OK);
	assert_non_null(tas2 = ccakit_ta_store_new());
	assert_int_equal(ccakit_ta_store_load_json(tas2, *ta_out,
	    strlen(*ta_out), NULL), CCAKIT_OK);
	assert_int_equal(ccakit_token_verify(t, tas2, NULL, &res, NULL),
	    CCAKIT_OK);

	/* The RV store appraises the token, and round-trips. */
	assert_int_equal(ccakit_token_appraise(t, rvs, got), CCAKIT_OK);
	assert_int_equal(ccakit_rv_store_to_json(rvs, rv_out), CCAKIT_OK);
	assert_non_null(rvs2 = ccakit_rv_store_new());
	assert_int_equal(ccakit_rv_store_load_json(rvs2, *rv_out,
	    strlen(*rv_out), NULL), CCAKIT_OK);
	assert_int_equal(ccakit_rv_store_to_json(rvs2, &out2), CCAKIT_OK);
	assert_string_equal(*rv_out, out2);
	memset(&got2, 0, sizeof(got2));
	assert_int_equal(ccakit_token_appraise(t, rvs2, &got2), CCAKIT_OK);
	assert_memory_equal(got, &got2, sizeof(got2));
	free(out2);
	ccakit_ta_store_free(&tas);
	ccakit_ta_store_free(&tas2);
	ccakit_rv_store_free(&rvs);
	ccakit_rv_store_free(&rvs2);
}

/* The emulated realm's token and the demo's CPAK JWK: a full match. */
static void
test_golden_emulated(void **state)
{
	struct ccakit_appraisal got;
	struct tt_buf b = tt_emulated(CCAKIT_FORMAT_907, 0);
	ccakit_token *t = ccakit_token_new();
	uint8_t *cpak;
	char *ta_out, *rv_out;
	size_t clen;

	(void)state;
	assert_non_null(t);
	assert_int_equal(ccakit_token_decode(t, b.p, b.len, NULL), CCAKIT_OK);
	cpak = tu_read_file(tu_src_path("demo/cpak.jwk.json"), &clen);
	golden_check(t, (char *)cpak, clen, &got, &ta_out, &rv_out);
	assert_int_equal(got.platform.v[CCAKIT_TV_EXECUTABLES], 3);
	assert_int_equal(got.realm.v[CCAKIT_TV_EXECUTABLES], 2);
	free(ta_out);
	free(rv_out);
	free(cpak);
	tt_buf_free(&b);
	ccakit_token_free(&t);
}

/* cca-token-01's golden values appraise it as rv.json does. */
static void
test_golden(void **state)
{
	struct ccakit_appraisal want, got;
	ccakit_rv_store *ref;
	ccakit_token *t;
	uint8_t *tok, *cpak;
	char *ta_out, *rv_out;
	size_t clen;

	(void)state;
	tu_need_vectors("rust-ccatoken");
	t = token_from_vector("rust-ccatoken/cca-token-01.cbor", &tok);
	cpak = tu_read_vector("rust-ccatoken/cpak.json", &clen);
	golden_check(t, (char *)cpak, clen, &got, &ta_out, &rv_out);
	assert_non_null(strstr(ta_out, "\"pkey\": {\n  \"crv\": \"P-384\",\n"));
	assert_non_null(strstr(ta_out, "\"instance-id\": \"" TFA_INST "\""));
	assert_non_null(strstr(rv_out, "\"rak-hash-algorithm\": \"sha-256\""));
	assert_non_null(strstr(rv_out, "\"personalization-value\": "
	    "\"54686520717569636b"));
	ref = rv_from_vector("rust-ccatoken/rv.json");
	assert_int_equal(ccakit_token_appraise(t, ref, &want), CCAKIT_OK);
	assert_int_equal(want.platform.v[CCAKIT_TV_EXECUTABLES], 3);
	assert_int_equal(want.realm.v[CCAKIT_TV_EXECUTABLES], 2);
	assert_memory_equal(&want, &got, sizeof(want));
	free(ta_out);
	free(rv_out);
	free(tok);
	free(cpak);
	ccakit_token_free(&t);
	ccakit_rv_store_free(&ref);
}

static void
test_golden_refused(void **state)
{
	struct tt_buf b = tt_emulated(CCAKIT_FORMAT_399, 0);
	ccakit_ta_store *tas;
	ccakit_rv_store *rvs;
	ccakit_token *t = ccakit_token_new();
	uint8_t *tok, *cpak, *pkey;
	size_t clen, plen;
	char *other;
	int r;

	(void)state;
	cpak = tu_read_file(tu_src_path("demo/cpak.jwk.json"), &clen);
	assert_non_null(tas = ccakit_ta_store_new());
	assert_non_null(rvs = ccakit_rv_store_new());

	/* Wrong CPAK: another P-384 key; a P-256 key for an ES384 token. */
	assert_non_null(t);
	assert_int_equal(ccakit_token_decode(t, b.p, b.len, NULL), CCAKIT_OK);
	other = gen_jwk("P-384", false);
	assert_int_equal(ccakit_golden(t, other, strlen(other), tas, rvs,
	    NULL), CCAKIT_ERR_SIGNATURE);
	free(other);
	other = gen_jwk("P-256", false);
	r = ccakit_golden(t, other, strlen(other), tas, rvs, NULL);
	assert_true(r == CCAKIT_ERR_SIGNATURE || r == CCAKIT_ERR_KEY_MISMATCH);
	free(other);
	assert_int_equal(ccakit_golden(t, "{}", 2, tas, rvs, NULL),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(ccakit_golden(t, (char *)cpak, clen, NULL, rvs, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	ccakit_token_free(&t);
	tt_buf_free(&b);
	free(cpak);

	if (tu_have_vectors("rust-ccatoken")) {
		cpak = tu_read_vector("rust-ccatoken/cpak.json", &clen);
		pkey = tu_read_vector("rust-ccatoken/pkey.json", &plen);
		/* Wrong CPAK (and a P-256 key for an ES384 token). */
		t = token_from_vector("rust-ccatoken/cca-token-01.cbor", &tok);
		r = ccakit_golden(t, (char *)pkey, plen, tas, rvs, NULL);
		assert_true(r == CCAKIT_ERR_SIGNATURE ||
		    r == CCAKIT_ERR_KEY_MISMATCH);
		ccakit_token_free(&t);
		free(tok);
		/* Both signatures verify but the binding does not. */
		t = token_from_vector("rust-ccatoken/bug-33-repro.cbor", &tok);
		assert_int_equal(ccakit_golden(t, (char *)cpak, clen, tas, rvs,
		    NULL), CCAKIT_ERR_BINDING);
		ccakit_token_free(&t);
		free(tok);
		free(cpak);
		free(pkey);
	}

	/* Nothing was added. */
	assert_int_equal(ccakit_ta_store_count(tas), 0);
	assert_int_equal(ccakit_rv_store_platform_count(rvs), 0);
	assert_int_equal(ccakit_rv_store_realm_count(rvs), 0);
	ccakit_ta_store_free(&tas);
	ccakit_rv_store_free(&rvs);
}

/* The verifier tells "no such anchor" from "anchor with a bad key". */
static void
test_verify_bad_anchor(void **state)
{
	struct ccakit_verify_result res;
	struct tt_buf b = tt_emulated(CCAKIT_FORMAT_907, 0);
	const struct ccakit_platform_claims *pc;
	ccakit_ta_store *bad, *ok;
	ccakit_token *t = ccakit_token_new();
	uint8_t *tok;
	char *pkey;

	(void)state;
	/* The emulated realm's token; its anchor, then the same entry with
	 * a point off the curve, then no entry for it. */
	assert_non_null(t);
	assert_int_equal(ccakit_token_decode(t, b.p, b.len, NULL), CCAKIT_OK);
	pc = ccakit_token_platform(t);
	ok = tt_emulated_ta();
	assert_int_equal(ccakit_token_verify(t, ok, NULL, &res, NULL),
	    CCAKIT_OK);
	pkey = gen_jwk("P-384", true);
	assert_non_null(bad = ccakit_ta_store_new());
	assert_int_equal(ccakit_ta_store_add(bad, pc->impl_id.ptr,
	    pc->inst_id.ptr, pkey, strlen(pkey)), CCAKIT_ERR_KEY_INVALID);
	{
		char *j, ihex[67], mhex[65];
		size_t i;

		for (i = 0; i < 33; i++)
			snprintf(ihex + 2 * i, 3, "%02x", pc->inst_id.ptr[i]);
		for (i = 0; i < 32; i++)
			snprintf(mhex + 2 * i, 3, "%02x", pc->impl_id.ptr[i]);
		j = ta_json(ihex, mhex, pkey);
		assert_int_equal(ccakit_ta_store_load_json(bad, j, strlen(j),
		    NULL), CCAKIT_OK);
		free(j);
	}
	assert_int_not_equal(ccakit_token_verify(t, bad, NULL, &res, NULL),
	    CCAKIT_ERR_TA_UNKNOWN);
	assert_int_equal(res.platform.v[CCAKIT_TV_INSTANCE_IDENTITY], 99);
	ccakit_ta_store_free(&bad);
	assert_non_null(bad = ccakit_ta_store_new());
	assert_int_equal(ccakit_token_verify(t, bad, NULL, &res, NULL),
	    CCAKIT_ERR_TA_UNKNOWN);
	assert_int_equal(res.platform.v[CCAKIT_TV_INSTANCE_IDENTITY], 97);
	free(pkey);
	ccakit_ta_store_free(&ok);
	ccakit_ta_store_free(&bad);
	ccakit_token_free(&t);
	tt_buf_free(&b);
	if (!tu_have_vectors("rust-ccatoken"))
		return;

	t = token_from_vector("rust-ccatoken/cca-token-02.cbor", &tok);
	ok = ta_from_vector("rust-ccatoken/ta-02-ok.json");
	bad = ta_from_vector("rust-ccatoken/ta-02-bad.json");
	assert_int_equal(ccakit_token_verify(t, ok, NULL, &res, NULL),
	    CCAKIT_OK);
	assert_int_not_equal(ccakit_token_verify(t, bad, NULL, &res, NULL),
	    CCAKIT_ERR_TA_UNKNOWN);
	assert_int_equal(res.platform.v[CCAKIT_TV_INSTANCE_IDENTITY], 99);
	ccakit_ta_store_free(&ok);
	ok = ta_from_vector("rust-ccatoken/ta-tfa.json");
	assert_int_equal(ccakit_token_verify(t, ok, NULL, &res, NULL),
	    CCAKIT_ERR_TA_UNKNOWN);
	assert_int_equal(res.platform.v[CCAKIT_TV_INSTANCE_IDENTITY], 97);
	ccakit_ta_store_free(&ok);
	ccakit_ta_store_free(&bad);
	ccakit_token_free(&t);
	free(tok);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ta_load_vectors),
		cmocka_unit_test(test_ta_lookup),
		cmocka_unit_test(test_ta_unusable_key),
		cmocka_unit_test(test_ta_errors),
		cmocka_unit_test(test_ta_duplicates),
		cmocka_unit_test(test_ta_caps),
		cmocka_unit_test(test_ta_to_json),
		cmocka_unit_test(test_ta_add),
		cmocka_unit_test(test_rv_load),
		cmocka_unit_test(test_rv_errors),
		cmocka_unit_test(test_rv_optional),
		cmocka_unit_test(test_rv_to_json),
		cmocka_unit_test(test_rv_add),
		cmocka_unit_test(test_golden_emulated),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_golden_refused),
		cmocka_unit_test(test_verify_bad_anchor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
