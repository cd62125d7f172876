/*
 * libFuzzer harness for JWS compact parsing and EAR JWT verification
 * (ccakit_jws_decode, ccakit_jws_verify, ccakit_ear_verify_jwt). A
 * decoded JWS exposes a known algorithm and a NUL-terminated payload;
 * verification is deterministic; a failure leaves the EAR untouched.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/cose.h>
#include <ccakit/ear.h>
#include <ccakit/err.h>
#include <ccakit/jose.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char veraison_pub[] = "{\"kty\":\"EC\",\"crv\":\"P-256\","
    "\"x\":\"usWxHK2PmfnHKwXPS54m0kTcGJ90UiglWiGahtagnv8\","
    "\"y\":\"IBOL-C3BttVivg-lSreASjpkttcsz-1rb7btKLv8EX4\"}";

static void
check(int cond)
{
	if (!cond)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ccakit_key *key;
	struct ccakit_ear_verify_opts o;
	struct ccakit_errdetail d;
	const uint8_t *p;
	ccakit_jws *j = NULL;
	ccakit_ear *e;
	size_t n;
	int r, r2;

	if (key == NULL) {
		if ((key = ccakit_key_new()) == NULL ||
		    ccakit_key_from_jwk(key, veraison_pub,
		    strlen(veraison_pub)) != CCAKIT_OK)
			abort();
	}
	if ((r = ccakit_jws_decode((const char *)data, size, &j, &d)) !=
	    CCAKIT_OK) {
		check(j == NULL && d.code == r);
	} else {
		check(ccakit_jws_alg_name(ccakit_jws_alg(j)) != NULL);
		check((p = ccakit_jws_payload(j, &n)) != NULL && p[n] == 0);
		r = ccakit_jws_verify(j, key, CCAKIT_COSE_ES256, NULL);
		r2 = ccakit_jws_verify(j, key, CCAKIT_COSE_ES256, NULL);
		check(r == r2);
		ccakit_jws_free(&j);
		check(j == NULL);
	}

	if ((e = ccakit_ear_new()) == NULL)
		return 0;
	memset(&o, 0, sizeof(o));
	o.now = 1700000000;
	r = ccakit_ear_verify_jwt(e, (const char *)data, size, key, &o, &d);
	if (r == CCAKIT_OK)
		check(ccakit_ear_submod_count(e) >= 1);
	else
		check(d.code == r && ccakit_ear_submod_count(e) == 0);
	ccakit_ear_free(&e);
	return 0;
}
