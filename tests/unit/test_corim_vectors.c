/*
 * lib/corim against the upstream CoRIM vectors ($CCAKIT_VECTORS/corim:
 * the whole binary exits 77 when they are absent).
 *
 *  - every CoRIM and CoMID with a .decoded.json decodes to exactly the
 *    values an independent decoder found (corim_render.c renders the
 *    model in that file's annotated form), or is one of the few refused
 *    on purpose, with the reason expected here;
 *  - encode(decode(x)) == x for every vector already in Veraison's
 *    current encoding; for the others (keys not in core deterministic
 *    order, pre-2025 wire formats) the encoding is a fixed point;
 *  - every CCA vector passes or fails the profile validator as Veraison
 *    decides, with the reason;
 *  - signed vectors verify against their chain (or key); a flipped bit
 *    or an untrusted root is refused;
 *  - Veraison's CoMID/CoRIM templates compile to its CoRIMs byte for
 *    byte;
 *  - Veraison's valid platform and realm CoRIMs, turned into store
 *    entries, make its cca-good.cbor token affirming.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ccakit/appraise.h>
#include <ccakit/corim.h>
#include <ccakit/ear.h>
#include <ccakit/store.h>
#include <ccakit/tv.h>

#include "corim/corim_priv.h"
#include "corim_render.h"
#include "testutil.h"

#define MAXFILES 512

static char *files[MAXFILES];
static size_t nfiles;
static size_t prefix;

static int
collect(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	size_t n = strlen(path);

	(void)st;
	(void)f;
	if (flag == FTW_F && n > 13 &&
	    strcmp(path + n - 13, ".decoded.json") == 0 && nfiles < MAXFILES)
		files[nfiles++] = strndup(path, n - 13);
	return 0;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *
rel(const char *path)
{
	return path + prefix;
}

/* A file of $CCAKIT_VECTORS/corim. */
static uint8_t *
corim_vector(const char *path, size_t *len)
{
	char p[512];

	snprintf(p, sizeof(p), "corim/%s", path);
	return tu_read_vector(p, len);
}

/* Decoder refusals: old or broken encodings, with the reason. */
static const struct {
	const char *path;
	const char *why;
} refused[] = {
	/* Payload {}: not a CoRIM (the README: "non-CoRIM payload"). */
	{ "veraison-cocli/cmd/testcases/signed-corim-invalid.cbor",
	    "unsigned-corim-map: empty map" },
	/* 2024 cocli wrote the #6.600 impl-id as text. */
	{ "veraison-cocli/cmd/testcases/signed-corim-valid.cbor",
	    "#6.600 must hold a byte string" },
	/* Pre-draft-04 verification-key-map {0: "base64"}. */
	{ "veraison-cocli/data/comid/1.cbor", "crypto-key: expected a tag" },
	/* Deliberately corrupted upstream. */
	{ "veraison-cocli/data/corim/signed-corim-bad-signature.cbor",
	    "trailing bytes" },
	/* Very old drafts: flags as an integer bit mask. */
	{ "veraison-cocli/data/corim/signed-corim.cbor",
	    "flags: expected a map" },
	/* corim-rs writes indefinite-length maps (strict CBOR refuses). */
	{ "veraison-corim-tool/test/signed-good-corim.cbor",
	    "indefinite length" },
	{ "veraison-corim-tool/test/unsigned-good-corim.cbor",
	    "indefinite length" },
	/* A CCA negative vector, refused already by the decoder. */
	{ "veraison-corim/profiles/cca/testcases/"
	    "cca-platform-invalid-digests.cbor",
	    "digests[0]: digest: sha-256 value of 31 bytes, expected 32" },
};

/* Not byte-identical after a round trip, and why. */
static const struct {
	const char *path;
	const char *why;
} not_canonical[] = {
	{ "veraison-cocli/cmd/testcases/psa-refval.cbor", "key order" },
	{ "veraison-cocli/cmd/testcases/signed-corim-valid-with-cots.cbor",
	    "2024 format: untagged payload, bstr-wrapped tags" },
	{ "veraison-cocli/cmd/testcases/test-comid.cbor", "key order" },
	{ "veraison-cocli/data/corim/corim-full.cbor", "untagged, old tags" },
	{ "veraison-cocli/data/corim/signed-corim-cbor", "untagged payload" },
	{ "veraison-cocli/data/corim/unsigned-corim.cbor",
	    "untagged, old tags" },
	{ "veraison-corim/corim/testcases/corim-roles.cbor", "key order" },
	{ "veraison-corim/corim/testcases/signed-corim-with-extensions.cbor",
	    "key order" },
	{ "veraison-corim/corim/testcases/signed-example-corim.cbor",
	    "key order" },
	{ "veraison-corim/corim/testcases/signed-good-corim.cbor",
	    "key order" },
	{ "veraison-corim/corim/testcases/unsigned-corim-with-extensions.cbor",
	    "key order" },
	{ "veraison-corim/corim/testcases/unsigned-example-corim.cbor",
	    "key order" },
	{ "veraison-corim/corim/testcases/unsigned-good-corim.cbor",
	    "key order (in its CoMID)" },
	{ "veraison-corim/profiles/cca/testcases/"
	    "cca-platform-invalid-impl-id.cbor", "key order" },
	{ "veraison-corim/profiles/cca/testcases/cca-platform-valid.cbor",
	    "key order" },
	{ "veraison-corim/profiles/cca/testcases/"
	    "cca-realm-invalid-missing-rim.cbor", "key order" },
	{ "veraison-corim/profiles/cca/testcases/"
	    "cca-realm-invalid-rim-size.cbor", "key order" },
	{ "veraison-corim/profiles/cca/testcases/cca-realm-valid.cbor",
	    "key order" },
	{ "veraison-corim/profiles/cca/testcases/no-profile.cbor",
	    "key order" },
};

#define SVC "veraison-services/scheme/arm-cca/test/corim/"
#define R08 "veraison-services-v0.0.2608/scheme/arm-cca/test/corim/"
#define L02 "veraison-services-v0.0.2602/scheme/arm-cca/test/corim/"
#define PRF "veraison-corim/profiles/cca/testcases/"

/* CCA profile validation: NULL = valid, else part of the reason. */
static const struct {
	const char *path;
	const char *why;
} cca[] = {
	{ "derived/signed-corim-cca-platform-valid.cbor", NULL },
	{ "derived/signed-corim-cca-realm-valid.cbor", NULL },
	{ PRF "cca-platform-invalid-impl-id.cbor",
	    "implementation-id must be exactly 32 bytes (got 30)" },
	{ PRF "cca-platform-valid.cbor", NULL },
	{ PRF "cca-realm-invalid-missing-rim.cbor",
	    "RIM (cca.rim) measurement is mandatory but not found" },
	{ PRF "cca-realm-invalid-rim-size.cbor",
	    "RIM must be 32, 48, or 64 bytes, got 16" },
	/* Veraison accepts a 44-byte RPV; no realm can ever match it. */
	{ PRF "cca-realm-valid.cbor",
	    "personalization value is 44 bytes" },
	{ L02 "unsignedCorimCcaComidCcaRefValFour.cbor", NULL },
	{ L02 "unsignedCorimCcaComidCcaRefValOne.cbor", NULL },
	{ L02 "unsignedCorimCcaRealmComidCcaRealm.cbor", NULL },
	{ L02 "unsignedCorimCcaRealmComidCcaRealmInvalidClass.cbor",
	    "could not extract uuid from class-id" },
	{ L02 "unsignedCorimCcaRealmComidCcaRealmInvalidInstance.cbor",
	    "expecting instance as bytes" },
	{ L02 "unsignedCorimCcaRealmComidCcaRealmNoClass.cbor", NULL },
	{ L02 "unsignedCorimCcaRealmComidCcaRealmNoInstance.cbor",
	    "expecting instance in environment" },
	{ "veraison-services/end-to-end/input/cca-endorsements.cbor", NULL },
	{ "veraison-services/end-to-end/input/cca-realm-endorsements.cbor",
	    NULL },
};

/* The same 18 names in services main and in v0.0.2608. */
static const struct {
	const char *name;
	const char *why;
} svc[] = {
	{ "corim-cca-platform-bad-no-class.cbor",
	    "environment.class is required" },
	{ "corim-cca-platform-bad-refval-cryptokeys.cbor",
	    "cryptokeys (signer-id) must be of type bytes (#6.560), got "
	    "pkix-base64-key" },
	{ "corim-cca-platform-bad-refval-instance.cbor",
	    "environment has an instance" },
	{ "corim-cca-platform-bad-refval-mkey-string.cbor",
	    "invalid mkey \"cca.bad-component\"" },
	{ "corim-cca-platform-bad-refval-mkey.cbor",
	    "mkey must be of type 'string', got 'uint'" },
	{ "corim-cca-platform-bad-refval-no-digests.cbor",
	    "digests field is mandatory but not set" },
	{ "corim-cca-platform-bad-refval-no-mkey.cbor",
	    "mkey is mandatory but not set" },
	{ "corim-cca-platform-bad-refval-no-raw-value.cbor",
	    "raw-value is mandatory for cca.platform-config" },
	{ "corim-cca-platform-bad-ta-cert.cbor",
	    "verification-key must be of type pkix-base64-key (#6.554), got "
	    "pkix-base64-cert" },
	{ "corim-cca-platform-bad-ta-instance.cbor",
	    "instance-id must be of type ueid (#6.550), got bytes" },
	{ "corim-cca-platform-bad-ta-no-instance.cbor",
	    "environment.instance (instance-id) is required" },
	{ "corim-cca-platform-valid.cbor", NULL },
	{ "corim-cca-realm-bad-instance.cbor",
	    "RIM must be of type bytes (#6.560), got uuid" },
	{ "corim-cca-realm-bad-no-instance.cbor",
	    "environment.class is required" },
	{ "corim-cca-realm-bad-no-integ-regs.cbor",
	    "RIM measurement: digests field is mandatory" },
	{ "corim-cca-realm-bad-no-raw-value.cbor",
	    "raw-value is mandatory for cca.rpv" },
	{ "corim-cca-realm-bad-no-rim.cbor",
	    "RIM (cca.rim) measurement is mandatory but not found" },
	{ "corim-cca-realm-valid.cbor", NULL },
};

static const char *
refusal_of(const char *r)
{
	size_t i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (strcmp(refused[i].path, r) == 0)
			return refused[i].why;
	return NULL;
}

static bool
is_not_canonical(const char *r)
{
	size_t i;

	for (i = 0; i < sizeof(not_canonical) / sizeof(not_canonical[0]);
	    i++)
		if (strcmp(not_canonical[i].path, r) == 0)
			return true;
	return false;
}

static void
diff(json_t *a, json_t *b, const char *path)
{
	const char *k;
	json_t *v;
	size_t i;
	char p[1024];
	char *x, *y;

	if (json_equal(a, b))
		return;
	if (json_is_object(a) && json_is_object(b)) {
		json_object_foreach(a, k, v) {
			snprintf(p, sizeof(p), "%s/%s", path, k);
			if (json_object_get(b, k) == NULL)
				print_message("   only in expected: %s\n", p);
			else
				diff(v, json_object_get(b, k), p);
		}
		json_object_foreach(b, k, v)
			if (json_object_get(a, k) == NULL)
				print_message("   only in ours: %s/%s\n", path,
				    k);
		return;
	}
	if (json_is_array(a) && json_is_array(b) &&
	    json_array_size(a) == json_array_size(b)) {
		for (i = 0; i < json_array_size(a); i++) {
			snprintf(p, sizeof(p), "%s[%zu]", path, i);
			diff(json_array_get(a, i), json_array_get(b, i), p);
		}
		return;
	}
	x = json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY);
	y = json_dumps(b, JSON_COMPACT | JSON_ENCODE_ANY);
	print_message("   %s: expected %.200s, ours %.200s\n", path, x, y);
	free(x);
	free(y);
}

/* Kind of a vector from its .decoded.json; 0 skip, 1 CoRIM, 2 CoMID. */
static int
kind_of(const char *path, json_t **exp)
{
	char jp[1100];
	const char *k;

	snprintf(jp, sizeof(jp), "%s.decoded.json", path);
	assert_non_null(*exp = json_load_file(jp, 0, NULL));
	k = json_string_value(json_object_get(*exp, "kind"));
	assert_non_null(k);
	if (strstr(k, "token") != NULL || strcmp(k, "other CBOR") == 0)
		return 0;
	return strstr(k, "CoMID") != NULL ? 2 : 1;
}

static void
test_decode(void **state)
{
	size_t i, n = 0, nref = 0, bad = 0, len;
	struct ccakit_errdetail d;
	const char *why;
	json_t *exp, *ours;
	uint8_t *buf;
	int kind, r;

	(void)state;
	for (i = 0; i < nfiles; i++) {
		ccakit_corim *c = NULL;
		ccakit_comid *m = NULL;

		if ((kind = kind_of(files[i], &exp)) == 0) {
			json_decref(exp);
			continue;
		}
		n++;
		buf = tu_read_file(files[i], &len);
		memset(&d, 0, sizeof(d));
		r = kind == 2 ? ccakit_comid_decode(buf, len, &m, &d) :
		    ccakit_corim_decode(buf, len, &c, &d);
		why = refusal_of(rel(files[i]));
		if (why != NULL) {
			nref++;
			if (r == CCAKIT_OK || strstr(d.text, why) == NULL) {
				print_message("%s: expected refusal \"%s\", "
				    "got %d \"%s\"\n", rel(files[i]), why, r,
				    d.text);
				bad++;
			}
		} else if (r != CCAKIT_OK) {
			print_message("%s: refused: %s\n", rel(files[i]),
			    d.text);
			bad++;
		} else {
			ours = c != NULL ? render_corim(c) :
			    render_comid(m);
			if (!json_equal(json_object_get(exp, "decoded"),
			    ours)) {
				print_message("%s: values differ\n",
				    rel(files[i]));
				diff(json_object_get(exp, "decoded"), ours,
				    "");
				bad++;
			}
			json_decref(ours);
		}
		ccakit_corim_free(&c);
		ccakit_comid_free(&m);
		free(buf);
		json_decref(exp);
	}
	print_message("%zu CoRIM/CoMID vectors: %zu decoded to their "
	    ".decoded.json, %zu refused as expected\n", n, n - nref, nref);
	assert_int_equal(bad, 0);
	assert_int_equal(nref, sizeof(refused) / sizeof(refused[0]));
	assert_true(n >= 117);
}

static void
test_roundtrip(void **state)
{
	size_t i, len, elen, elen2, wlen, neq = 0, bad = 0;
	uint8_t *buf, *enc, *enc2;
	const uint8_t *want;
	json_t *exp;
	int kind;

	(void)state;
	for (i = 0; i < nfiles; i++) {
		ccakit_corim *c = NULL, *c2 = NULL;
		ccakit_comid *m = NULL, *m2 = NULL;

		kind = kind_of(files[i], &exp);
		json_decref(exp);
		if (kind == 0 || refusal_of(rel(files[i])) != NULL)
			continue;
		buf = tu_read_file(files[i], &len);
		if (kind == 2) {
			assert_int_equal(ccakit_comid_decode(buf, len, &m,
			    NULL), CCAKIT_OK);
			assert_int_equal(ccakit_comid_encode(m, &enc, &elen),
			    CCAKIT_OK);
			assert_int_equal(ccakit_comid_decode(enc, elen, &m2,
			    NULL), CCAKIT_OK);
			assert_int_equal(ccakit_comid_encode(m2, &enc2,
			    &elen2), CCAKIT_OK);
			want = buf;
			wlen = len;
		} else {
			assert_int_equal(ccakit_corim_decode(buf, len, &c,
			    NULL), CCAKIT_OK);
			assert_int_equal(ccakit_corim_encode(c, &enc, &elen),
			    CCAKIT_OK);
			assert_int_equal(ccakit_corim_decode(enc, elen, &c2,
			    NULL), CCAKIT_OK);
			assert_int_equal(ccakit_corim_encode(c2, &enc2,
			    &elen2), CCAKIT_OK);
			want = buf;
			wlen = len;
			if (c->is_signed) {
				struct ccakit_cose_sign1 s;

				assert_int_equal(ccakit_cose_sign1_decode(
				    c->sign1.ptr, c->sign1.len, &s), 0);
				want = s.payload.ptr;
				wlen = s.payload.len;
			}
		}
		/* The encoding is a fixed point, always. */
		assert_int_equal(elen, elen2);
		assert_memory_equal(enc, enc2, elen);
		if (is_not_canonical(rel(files[i]))) {
			if (elen == wlen && memcmp(enc, want, wlen) == 0) {
				print_message("%s: listed as not canonical but "
				    "round-trips\n", rel(files[i]));
				bad++;
			}
		} else if (elen != wlen || memcmp(enc, want, wlen) != 0) {
			print_message("%s: encode(decode(x)) != x\n",
			    rel(files[i]));
			bad++;
		} else
			neq++;
		free(enc);
		free(enc2);
		free(buf);
		ccakit_corim_free(&c);
		ccakit_corim_free(&c2);
		ccakit_comid_free(&m);
		ccakit_comid_free(&m2);
	}
	print_message("%zu vectors round-trip byte for byte\n", neq);
	assert_int_equal(bad, 0);
	assert_true(neq >= 90);
}

static void
check_cca(const char *path, const char *why, size_t *bad)
{
	struct ccakit_errdetail d;
	ccakit_corim *c = NULL;
	uint8_t *buf;
	size_t len;
	int r;

	buf = corim_vector(path, &len);
	memset(&d, 0, sizeof(d));
	assert_int_equal(ccakit_corim_decode(buf, len, &c, &d), CCAKIT_OK);
	r = ccakit_corim_validate_cca(c, &d);
	if (why == NULL && r != CCAKIT_OK) {
		print_message("%s: refused: %s\n", path, d.text);
		(*bad)++;
	} else if (why != NULL && (r != CCAKIT_ERR_CORIM_PROFILE ||
	    strstr(d.text, why) == NULL)) {
		print_message("%s: expected \"%s\", got %d \"%s\"\n", path,
		    why, r, d.text);
		(*bad)++;
	}
	ccakit_corim_free(&c);
	free(buf);
}

static void
test_cca_profiles(void **state)
{
	char p[256];
	size_t i, bad = 0, n = 0, k, len;
	enum ccakit_corim_profile prof;
	struct ccakit_errdetail d;
	ccakit_corim *c;
	uint8_t *buf;
	json_t *exp;
	bool listed;

	(void)state;
	for (i = 0; i < sizeof(cca) / sizeof(cca[0]); i++, n++)
		check_cca(cca[i].path, cca[i].why, &bad);
	for (i = 0; i < sizeof(svc) / sizeof(svc[0]); i++, n += 2) {
		snprintf(p, sizeof(p), SVC "%s", svc[i].name);
		check_cca(p, svc[i].why, &bad);
		snprintf(p, sizeof(p), R08 "%s", svc[i].name);
		check_cca(p, svc[i].why, &bad);
	}
	/* Every CoRIM with a CCA profile is in the tables; the others are
	 * not CCA CoRIMs for the validator. */
	for (i = 0; i < nfiles; i++) {
		if (kind_of(files[i], &exp) != 1 ||
		    refusal_of(rel(files[i])) != NULL) {
			json_decref(exp);
			continue;
		}
		json_decref(exp);
		buf = tu_read_file(files[i], &len);
		c = NULL;
		assert_int_equal(ccakit_corim_decode(buf, len, &c, NULL), 0);
		prof = ccakit_corim_profile(c);
		listed = false;
		for (k = 0; k < sizeof(cca) / sizeof(cca[0]); k++)
			listed |= strcmp(cca[k].path, rel(files[i])) == 0;
		for (k = 0; k < sizeof(svc) / sizeof(svc[0]); k++)
			listed |= strstr(files[i], svc[k].name) != NULL;
		if (prof >= CCAKIT_CORIM_PROFILE_CCA_PLATFORM && !listed) {
			print_message("%s: a CCA CoRIM missing from the "
			    "tables\n", rel(files[i]));
			bad++;
		}
		if (prof < CCAKIT_CORIM_PROFILE_CCA_PLATFORM) {
			memset(&d, 0, sizeof(d));
			assert_int_equal(ccakit_corim_validate_cca(c, &d),
			    CCAKIT_ERR_PROFILE_UNKNOWN);
			assert_non_null(strstr(d.text, "profile"));
		}
		ccakit_corim_free(&c);
		free(buf);
	}
	print_message("%zu CCA CoRIMs validated as expected\n", n);
	assert_int_equal(bad, 0);
}

/* Verify with the roots in `root` (PEM or DER file) or the key in
 * `key` (JWK or PEM). */
static int
verify_with(const uint8_t *cor, size_t len, const char *root,
    const char *key, struct ccakit_errdetail *d)
{
	ccakit_corim_roots *roots = NULL;
	ccakit_corim *c = NULL;
	ccakit_key *k = NULL;
	uint8_t *f;
	size_t flen;
	int r;

	if ((r = ccakit_corim_decode(cor, len, &c, d)) != CCAKIT_OK)
		return r;
	f = corim_vector(root != NULL ? root : key, &flen);
	if (root != NULL) {
		assert_non_null(roots = ccakit_corim_roots_new());
		assert_int_equal(ccakit_corim_roots_add(roots, f, flen, NULL),
		    CCAKIT_OK);
		r = ccakit_corim_verify(c, roots, 0, d);
	} else {
		assert_non_null(k = ccakit_key_new());
		if (f[0] == '{')
			assert_int_equal(ccakit_key_from_jwk(k, (char *)f,
			    flen), CCAKIT_OK);
		else
			assert_int_equal(ccakit_key_from_pem(k, (char *)f,
			    flen), CCAKIT_OK);
		r = ccakit_corim_verify_key(c, k, d);
	}
	free(f);
	ccakit_corim_roots_free(&roots);
	ccakit_key_free(&k);
	ccakit_corim_free(&c);
	return r;
}

#define CS "veraison-corim-store/sample/corim/"
#define DOCKER_CA "veraison-services/deployments/docker/src/certs/corimCA.crt"

static const struct {
	const char *path;
	const char *root;
	const char *key;
} signed_vectors[] = {
	{ "derived/signed-corim-cca-platform-valid.cbor", DOCKER_CA, NULL },
	{ "derived/signed-corim-cca-realm-valid.cbor", DOCKER_CA, NULL },
	{ CS "signed-with-cert-cca-ref-plat.cose", CS "certs/root.cert.pem",
	    NULL },
	{ CS "signed-with-cert-cca-ref-realm.cose", CS "certs/root.cert.der",
	    NULL },
	{ CS "signed-with-cert-cca-ta.cose", CS "certs/root.cert.pem", NULL },
	{ CS "signed-cca-ref-plat.cose", NULL, CS "key.pub.pem" },
	{ CS "signed-cca-ref-realm.cose", NULL, CS "key.pub.jwk" },
	{ CS "signed-cca-ta.cose", NULL, CS "key.pub.pem" },
	{ "veraison-corim/corim/testcases/signed-good-corim.cbor", NULL,
	    "veraison-corim/corim/testcases/src/ec-p256.jwk" },
	{ "veraison-corim/corim/testcases/signed-example-corim.cbor", NULL,
	    "veraison-corim/corim/testcases/src/ec-p256.jwk" },
	{ "veraison-corim/corim/testcases/"
	    "signed-corim-with-extensions.cbor", NULL,
	    "veraison-corim/corim/testcases/src/ec-p256.jwk" },
	{ "veraison-cocli/data/corim/signed-corim-cbor", NULL,
	    "veraison-cocli/data/keys/ec-p256.jwk" },
	{ "veraison-cocli/cmd/testcases/signed-corim-valid-with-cots.cbor",
	    NULL, "veraison-cocli/cmd/testcases/ec-p256.jwk" },
};

static void
test_signed(void **state)
{
	struct ccakit_errdetail d;
	uint8_t *buf;
	size_t i, len, k;
	int r;

	(void)state;
	for (i = 0; i < sizeof(signed_vectors) / sizeof(signed_vectors[0]);
	    i++) {
		buf = corim_vector(signed_vectors[i].path, &len);
		memset(&d, 0, sizeof(d));
		r = verify_with(buf, len, signed_vectors[i].root,
		    signed_vectors[i].key, &d);
		if (r != CCAKIT_OK)
			print_message("%s: %s\n", signed_vectors[i].path,
			    d.text);
		assert_int_equal(r, CCAKIT_OK);
		/* A flipped bit in the signature, then in the payload. */
		buf[len - 1] ^= 0x01;
		assert_int_equal(verify_with(buf, len, signed_vectors[i].root,
		    signed_vectors[i].key, &d), CCAKIT_ERR_SIGNATURE);
		buf[len - 1] ^= 0x01;
		/* The last byte of the corim-id or of a tag: somewhere in
		 * the payload's middle, inside a byte string. */
		k = len / 2;
		buf[k] ^= 0x01;
		r = verify_with(buf, len, signed_vectors[i].root,
		    signed_vectors[i].key, &d);
		assert_int_not_equal(r, CCAKIT_OK);
		buf[k] ^= 0x01;
		free(buf);
	}

	/* An untrusted root: the derived chain against corim-store's. */
	buf = corim_vector("derived/signed-corim-cca-platform-valid.cbor",
	    &len);
	memset(&d, 0, sizeof(d));
	assert_int_equal(verify_with(buf, len, CS "certs/root.cert.pem", NULL,
	    &d), CCAKIT_ERR_TA_UNKNOWN);
	assert_non_null(strstr(d.text, "does not lead to a trusted root"));
	/* ... and its signature with another key. */
	assert_int_equal(verify_with(buf, len, NULL, CS "key.pub.pem", &d),
	    CCAKIT_ERR_SIGNATURE);
	free(buf);
	/* No x5chain: there is nothing to build a path from. */
	buf = corim_vector(CS "signed-cca-ta.cose", &len);
	assert_int_equal(verify_with(buf, len, DOCKER_CA, NULL, &d),
	    CCAKIT_ERR_NOT_FOUND);
	assert_non_null(strstr(d.text, "no signing certificate found"));
	free(buf);
	/* An unsigned CoRIM is not signed. */
	buf = corim_vector(SVC "corim-cca-platform-valid.cbor", &len);
	assert_int_equal(verify_with(buf, len, DOCKER_CA, NULL, &d),
	    CCAKIT_ERR_NOT_FOUND);
	free(buf);
}

/* Veraison's generate-corims: each CoRIM of the yaml gets the template's
 * corim-id with its last group replaced by its 1-based position in 13
 * digits (so it is text, not a UUID). */
static void
compile(const char *corim_tpl, const char *const *comids, size_t ncomid,
    size_t pos, const char *expect)
{
	char p[256], id[128], *tpl;
	json_t *root;
	ccakit_corim *c = NULL;
	ccakit_comid *m;
	uint8_t *buf, *enc, *want;
	size_t i, len, elen, wlen;
	struct ccakit_errdetail d;

	snprintf(p, sizeof(p), SVC "src/%s", corim_tpl);
	buf = corim_vector(p, &len);
	assert_non_null(root = json_loadb((char *)buf, len, 0, NULL));
	free(buf);
	snprintf(id, sizeof(id), "%.24s%013zu", json_string_value(
	    json_object_get(root, "corim-id")), pos);
	json_object_set_new(root, "corim-id", json_string(id));
	tpl = json_dumps(root, 0);
	json_decref(root);
	memset(&d, 0, sizeof(d));
	if (ccakit_corim_from_json(tpl, strlen(tpl), &c, &d) != CCAKIT_OK)
		fail_msg("%s: %s", corim_tpl, d.text);
	free(tpl);
	for (i = 0; i < ncomid; i++) {
		snprintf(p, sizeof(p), SVC "src/%s.json", comids[i]);
		buf = corim_vector(p, &len);
		if (ccakit_comid_from_json((char *)buf, len, &m, &d) !=
		    CCAKIT_OK)
			fail_msg("%s: %s", comids[i], d.text);
		assert_int_equal(ccakit_corim_add_comid(c, m), CCAKIT_OK);
		ccakit_comid_free(&m);
		free(buf);
	}
	assert_int_equal(ccakit_corim_encode(c, &enc, &elen), CCAKIT_OK);
	snprintf(p, sizeof(p), SVC "%s", expect);
	want = corim_vector(p, &wlen);
	if (elen != wlen || memcmp(enc, want, wlen) != 0)
		fail_msg("%s: the templates do not compile to it", expect);
	free(enc);
	free(want);
	ccakit_corim_free(&c);
}

static void
test_templates(void **state)
{
	static const char *const pv[] = { "comid-cca-platform-refval",
	    "comid-cca-platform-ta" };
	static const struct {
		const char *comid, *out;
	} plat[] = {
		{ "comid-cca-platform-bad-no-class",
		    "corim-cca-platform-bad-no-class.cbor" },
		{ "comid-cca-platform-bad-ta-no-instance",
		    "corim-cca-platform-bad-ta-no-instance.cbor" },
		{ "comid-cca-platform-bad-ta-instance",
		    "corim-cca-platform-bad-ta-instance.cbor" },
		{ "comid-cca-platform-bad-ta-cert",
		    "corim-cca-platform-bad-ta-cert.cbor" },
		{ "comid-cca-platform-bad-refval-no-mkey",
		    "corim-cca-platform-bad-refval-no-mkey.cbor" },
		{ "comid-cca-platform-bad-refval-mkey",
		    "corim-cca-platform-bad-refval-mkey.cbor" },
		{ "comid-cca-platform-bad-refval-mkey-string",
		    "corim-cca-platform-bad-refval-mkey-string.cbor" },
		{ "comid-cca-platform-bad-refval-cryptokeys",
		    "corim-cca-platform-bad-refval-cryptokeys.cbor" },
		{ "comid-cca-platform-bad-refval-no-digests",
		    "corim-cca-platform-bad-refval-no-digests.cbor" },
		{ "comid-cca-platform-bad-refval-no-raw-value",
		    "corim-cca-platform-bad-refval-no-raw-value.cbor" },
	}, realm[] = {
		{ "comid-cca-realm-refval", "corim-cca-realm-valid.cbor" },
		{ "comid-cca-realm-bad-instance",
		    "corim-cca-realm-bad-instance.cbor" },
		{ "comid-cca-realm-bad-no-instance",
		    "corim-cca-realm-bad-no-instance.cbor" },
		{ "comid-cca-realm-bad-no-rim",
		    "corim-cca-realm-bad-no-rim.cbor" },
		{ "comid-cca-realm-bad-no-integ-regs",
		    "corim-cca-realm-bad-no-integ-regs.cbor" },
		{ "comid-cca-realm-bad-no-raw-value",
		    "corim-cca-realm-bad-no-raw-value.cbor" },
	};
	size_t i;

	(void)state;
	compile("corim-cca-platform.json", pv, 2, 1,
	    "corim-cca-platform-valid.cbor");
	for (i = 0; i < sizeof(plat) / sizeof(plat[0]); i++)
		compile("corim-cca-platform.json", &plat[i].comid, 1, i + 2,
		    plat[i].out);
	for (i = 0; i < sizeof(realm) / sizeof(realm[0]); i++)
		compile("corim-cca-realm.json", &realm[i].comid, 1, i + 1,
		    realm[i].out);
}

/* Veraison's valid CoRIMs as store entries endorse its test token. */
static void
test_stores_endorse_token(void **state)
{
	static const char *const corims[] = {
		SVC "corim-cca-platform-valid.cbor",
		SVC "corim-cca-realm-valid.cbor",
	};
	struct ccakit_errdetail d;
	ccakit_ta_store *ta;
	ccakit_rv_store *rv;
	ccakit_corim *c;
	ccakit_ear *ear = NULL;
	struct ccakit_tv tv;
	enum ccakit_tier tier;
	uint8_t *buf, *tok;
	size_t i, len, tlen;
	char *js;

	(void)state;
	assert_non_null(ta = ccakit_ta_store_new());
	assert_non_null(rv = ccakit_rv_store_new());
	for (i = 0; i < 2; i++) {
		buf = corim_vector(corims[i], &len);
		assert_int_equal(ccakit_corim_decode(buf, len, &c, NULL), 0);
		memset(&d, 0, sizeof(d));
		if (ccakit_corim_to_stores(c, ta, rv, &d) != CCAKIT_OK)
			fail_msg("%s: %s", corims[i], d.text);
		ccakit_corim_free(&c);
		free(buf);
	}
	assert_int_equal(ccakit_ta_store_count(ta), 1);
	assert_int_equal(ccakit_rv_store_platform_count(rv), 1);
	assert_int_equal(ccakit_rv_store_realm_count(rv), 1);
	assert_int_equal(ccakit_rv_store_platform_at(rv, 0)->match,
	    CCAKIT_RV_MATCH_CORIM);
	assert_int_equal(ccakit_rv_store_platform_at(rv, 0)->n_sw, 4);
	/* The stores survive their JSON form (rv.json with "match"). */
	assert_int_equal(ccakit_rv_store_to_json(rv, &js), CCAKIT_OK);
	assert_non_null(strstr(js, "\"match\": \"corim\""));
	free(js);

	tok = corim_vector("veraison-services/scheme/arm-cca/test/evidence/"
	    "cca-good.cbor", &tlen);
	memset(&d, 0, sizeof(d));
	assert_int_equal(ccakit_attest_cca(tok, tlen, ta, rv, NULL, &ear, &d),
	    CCAKIT_OK);
	assert_int_equal(d.code, CCAKIT_OK);
	assert_int_equal(ccakit_ear_submod_status(ear, "CCA_SSD_PLATFORM",
	    &tier), CCAKIT_OK);
	assert_int_equal(tier, CCAKIT_TIER_AFFIRMING);
	assert_int_equal(ccakit_ear_submod_tv(ear, "CCA_SSD_PLATFORM", &tv),
	    CCAKIT_OK);
	assert_int_equal(tv.v[CCAKIT_TV_EXECUTABLES],
	    CCAKIT_AR_APPROVED_RUNTIME);
	assert_int_equal(tv.v[CCAKIT_TV_CONFIGURATION],
	    CCAKIT_AR_APPROVED_CONFIG);
	assert_int_equal(ccakit_ear_submod_status(ear, "CCA_REALM", &tier),
	    CCAKIT_OK);
	assert_int_equal(tier, CCAKIT_TIER_AFFIRMING);
	assert_int_equal(ccakit_ear_submod_tv(ear, "CCA_REALM", &tv),
	    CCAKIT_OK);
	assert_int_equal(tv.v[CCAKIT_TV_EXECUTABLES],
	    CCAKIT_AR_APPROVED_RUNTIME);
	ccakit_ear_free(&ear);
	free(tok);
	ccakit_ta_store_free(&ta);
	ccakit_rv_store_free(&rv);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_cca_profiles),
		cmocka_unit_test(test_signed),
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_stores_endorse_token),
	};
	int r;
	size_t i;

	tu_require_vectors("corim");
	nftw(tu_vector_path("corim"), collect, 16, FTW_PHYS);
	qsort(files, nfiles, sizeof(files[0]), cmp);
	prefix = strlen(tu_vector_path("corim")) + 1;
	r = cmocka_run_group_tests(tests, NULL, NULL);
	for (i = 0; i < nfiles; i++)
		free(files[i]);
	return r;
}
