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

/* The emulated realm's CPAK (demo/cpak.jwk.json), which signs the
 * corpus's EARs (ES384). */
static const char demo_pub[] = "{\"kty\":\"EC\",\"crv\":\"P-384\","
    "\"x\":\"X9q3djS_V54ABamxoQtag6oixYTCJwv2-TIay211UgNYWSzICqo4d79z5Rbh"
    "iZ9u\","
    "\"y\":\"v4UMjwWRRAaP0EBKRTc-aiOkkgj7MR7_R_G_R_cKLbY50y6wYFiQYTkR7cNA"
    "9jAi\"}";

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
		    ccakit_key_from_jwk(key, demo_pub,
		    strlen(demo_pub)) != CCAKIT_OK)
			abort();
	}
	if ((j = ccakit_jws_new()) == NULL)
		abort();
	if ((r = ccakit_jws_decode(j, (const char *)data, size, &d)) !=
	    CCAKIT_OK) {
		check(ccakit_jws_alg(j) == 0 && d.code == r);
		ccakit_jws_free(&j);
	} else {
		check(ccakit_jws_alg_name(ccakit_jws_alg(j)) != NULL);
		check((p = ccakit_jws_payload(j, &n)) != NULL && p[n] == 0);
		r = ccakit_jws_verify(j, key, CCAKIT_COSE_ES384, NULL);
		r2 = ccakit_jws_verify(j, key, CCAKIT_COSE_ES384, NULL);
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
