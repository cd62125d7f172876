/*
 * p384raw: raw P-384 verifications for the benches' bounds (p384raw.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gmp.h>
#include <nettle/dsa.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <nettle/ecdsa.h>
#include <nettle/sha2.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <ccakit/err.h>

#include "cose/cose_priv.h"
#include "p384raw.h"

#define MSG_MAX 8192

struct rawsig {
	EVP_PKEY *pk;
	uint8_t msg[MSG_MAX];
	size_t msglen;
	uint8_t sig[128];               /* DER, for OpenSSL */
	size_t siglen;
	uint8_t raw[96];                /* r||s, for nettle */
	struct ecc_point pub;
	int has_pub;
};

struct p384raw {
	struct rawsig s[2];
};

/* CPU time of the calling thread: a busy machine slows the clock on the
 * wall, much less the CPU time a verification takes. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The public point for nettle, from OpenSSL's key. */
static int
nettle_point(struct rawsig *s)
{
	BIGNUM *bx = NULL, *by = NULL;
	uint8_t x[48], y[48];
	mpz_t mx, my;
	int ok;

	ok = EVP_PKEY_get_bn_param(s->pk, OSSL_PKEY_PARAM_EC_PUB_X, &bx) ==
	    1 && EVP_PKEY_get_bn_param(s->pk, OSSL_PKEY_PARAM_EC_PUB_Y, &by) ==
	    1 && BN_bn2binpad(bx, x, 48) == 48 && BN_bn2binpad(by, y, 48) == 48;
	BN_free(bx);
	BN_free(by);
	if (!ok)
		return -1;
	mpz_inits(mx, my, NULL);
	mpz_import(mx, 48, 1, 1, 0, 0, x);
	mpz_import(my, 48, 1, 1, 0, 0, y);
	ecc_point_init(&s->pub, nettle_get_secp_384r1());
	s->has_pub = 1;
	ok = ecc_point_set(&s->pub, mx, my) == 1;
	mpz_clears(mx, my, NULL);
	return ok ? 0 : -1;
}

static int
rawsig_make(struct rawsig *s, size_t msglen)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok;

	s->msglen = msglen < sizeof(s->msg) ? msglen : sizeof(s->msg);
	memset(s->msg, 0x5a, s->msglen);
	s->siglen = sizeof(s->sig);
	ok = c != NULL &&
	    (s->pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384")) != NULL &&
	    EVP_DigestSignInit_ex(c, NULL, "SHA384", NULL, NULL, s->pk,
	    NULL) == 1 && EVP_DigestSign(c, s->sig, &s->siglen, s->msg,
	    s->msglen) == 1 && cki_ecdsa_der_to_raw(s->sig, s->siglen, 48,
	    s->raw) == CCAKIT_OK;
	EVP_MD_CTX_free(c);
	return ok ? nettle_point(s) : -1;
}

p384raw *
p384raw_new(size_t len0, size_t len1)
{
	p384raw *r = calloc(1, sizeof(*r));

	if (r != NULL && (rawsig_make(&r->s[0], len0) != 0 ||
	    rawsig_make(&r->s[1], len1) != 0))
		p384raw_free(&r);
	return r;
}

void
p384raw_free(p384raw **rp)
{
	p384raw *r;
	int i;

	if (rp == NULL || (r = *rp) == NULL)
		return;
	for (i = 0; i < 2; i++) {
		EVP_PKEY_free(r->s[i].pk);
		if (r->s[i].has_pub)
			ecc_point_clear(&r->s[i].pub);
	}
	free(r);
	*rp = NULL;
}

/* One verification as OpenSSL users write it. */
static int
openssl_verify(const struct rawsig *s)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok;

	ok = c != NULL && EVP_DigestVerifyInit_ex(c, NULL, "SHA384", NULL,
	    NULL, s->pk, NULL) == 1 && EVP_DigestVerify(c, s->sig, s->siglen,
	    s->msg, s->msglen) == 1;
	EVP_MD_CTX_free(c);
	return ok ? 0 : -1;
}

/* The same with nettle, as its users write it. */
static int
nettle_verify(const struct rawsig *s)
{
	struct sha384_ctx h;
	struct dsa_signature sig;
	uint8_t md[SHA384_DIGEST_SIZE];
	int ok;

	sha384_init(&h);
	sha384_update(&h, s->msglen, s->msg);
	sha384_digest(&h, sizeof(md), md);
	dsa_signature_init(&sig);
	mpz_import(sig.r, 48, 1, 1, 0, 0, s->raw);
	mpz_import(sig.s, 48, 1, 1, 0, 0, s->raw + 48);
	ok = ecdsa_verify(&s->pub, sizeof(md), md, &sig) == 1;
	dsa_signature_clear(&sig);
	return ok ? 0 : -1;
}

static double
rate(const p384raw *r, double seconds, int (*fn)(const struct rawsig *))
{
	double t0 = now(), t;
	size_t n;

	for (n = 0; (t = now() - t0) < seconds; n++)
		if (fn(&r->s[0]) != 0 || fn(&r->s[1]) != 0)
			return -1;
	return (double)n / t;
}

double
p384raw_openssl_rate(const p384raw *r, double seconds)
{
	return rate(r, seconds, openssl_verify);
}

double
p384raw_nettle_rate(const p384raw *r, double seconds)
{
	return rate(r, seconds, nettle_verify);
}
