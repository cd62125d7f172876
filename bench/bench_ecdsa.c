/*
 * bench-ecdsa: the cost of one ECDSA verification through each verifier
 * of lib/cose (OpenSSL EVP, nettle) on each curve, digest given: a valid
 * signature, an invalid one (a flipped bit of s), and the import of a
 * public key (SEC1), with the part of it that builds nettle's copy of
 * the point. The
 * backends run interleaved, round after round, each figure is the best
 * round and time is the thread's CPU time, so that the load of a shared
 * machine weighs on both alike.
 * The last column says which one the dispatch table in lib/cose/ecdsa.c
 * uses; a table that no longer picks the faster one is reported.
 *
 * Usage: bench-ecdsa [CPU seconds per measurement, default 0.2] [rounds,
 * default 10]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <ccakit/cose.h>
#include <ccakit/err.h>

#include "cose/cose_priv.h"

static const struct {
	int crv;
	int alg;
	const char *name;
} curves[] = {
	{ CCAKIT_COSE_CRV_P256, CCAKIT_COSE_ES256, "P-256" },
	{ CCAKIT_COSE_CRV_P384, CCAKIT_COSE_ES384, "P-384" },
	{ CCAKIT_COSE_CRV_P521, CCAKIT_COSE_ES512, "P-521" },
};
#define NCURVES	(sizeof(curves) / sizeof(curves[0]))

static const enum cki_ecdsa_backend backends[] = {
	CKI_ECDSA_OPENSSL, CKI_ECDSA_NETTLE
};
#define NBACKENDS (sizeof(backends) / sizeof(backends[0]))

/*
 * CPU time of this thread: time spent descheduled on a shared machine
 * does not count (cache and frequency effects still do).
 */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what, int r)
{
	fprintf(stderr, "bench-ecdsa: %s: %s\n", what, ccakit_strerror(r));
	exit(1);
}

struct setup {
	ccakit_key *key;
	uint8_t pub[CKI_EC_POINT_MAX];
	size_t publen;
	uint8_t md[CKI_MD_MAX];
	size_t mdlen;
	uint8_t good[CKI_EC_RAWSIG_MAX];
	uint8_t bad[CKI_EC_RAWSIG_MAX];
};

static void
setup(struct setup *s, size_t c)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curves[c].name);
	BIO *b = BIO_new(BIO_s_mem());
	size_t clen = ccakit_cose_crv_coord_len(curves[c].crv);
	char *pem;
	long n;
	int r;

	if (pk == NULL || b == NULL || (s->key = ccakit_key_new()) == NULL ||
	    !PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL))
		die("keygen", CCAKIT_ERR_CRYPTO);
	n = BIO_get_mem_data(b, &pem);
	if ((r = ccakit_key_from_pem(s->key, pem, (size_t)n)) != CCAKIT_OK)
		die("key_from_pem", r);
	if ((r = ccakit_key_to_sec1(s->key, s->pub, sizeof(s->pub),
	    &s->publen)) != CCAKIT_OK)
		die("key_to_sec1", r);
	if ((r = cki_cose_sig_digest(curves[c].alg, (const uint8_t *)"hdr", 3,
	    (const uint8_t *)"payload", 7, s->md, &s->mdlen)) != CCAKIT_OK)
		die("digest", r);
	if ((r = cki_ecdsa_sign_digest(s->key, curves[c].alg, s->md,
	    s->mdlen, s->good)) != CCAKIT_OK)
		die("sign", r);
	memcpy(s->bad, s->good, 2 * clen);
	s->bad[2 * clen - 1] ^= 0x01;
	BIO_free(b);
	EVP_PKEY_free(pk);
}

/* Microseconds per call of one measurement, for at least secs. */
static double
run_verify(const struct setup *s, int alg, enum cki_ecdsa_backend be,
    const uint8_t *raw, int want, double secs)
{
	double t0 = now(), t;
	size_t n;

	for (n = 0; (t = now() - t0) < secs; n++)
		if (cki_ecdsa_verify_backend(s->key, alg, s->md, s->mdlen, raw,
		    be) != want)
			die("verify", CCAKIT_ERR_INTERNAL);
	return t * 1e6 / (double)n;
}

static double
run_import(const struct setup *s, int crv, double secs)
{
	ccakit_key *k = ccakit_key_new();
	double t0 = now(), t;
	size_t n;
	int r;

	if (k == NULL)
		die("key_new", CCAKIT_ERR_NOMEM);
	for (n = 0; (t = now() - t0) < secs; n++)
		if ((r = ccakit_key_from_sec1(k, crv, s->pub, s->publen)) !=
		    CCAKIT_OK)
			die("key_from_sec1", r);
	ccakit_key_free(&k);
	return t * 1e6 / (double)n;
}

/* The part of an import that builds nettle's copy of the point. */
static double
run_npoint(const struct setup *s, int crv, double secs)
{
	struct ecc_point pt;
	double t0 = now(), t;
	size_t n;

	for (n = 0; (t = now() - t0) < secs; n++) {
		if (!cki_ecdsa_nettle_point(crv, s->pub, &pt))
			die("nettle point", CCAKIT_ERR_KEY_INVALID);
		ecc_point_clear(&pt);
	}
	return t * 1e6 / (double)n;
}

static void
keep_min(double *best, double v)
{
	if (*best == 0 || v < *best)
		*best = v;
}

int
main(int argc, char **argv)
{
	struct setup s[NCURVES];
	double good[NCURVES][NBACKENDS] = { { 0 } };
	double bad[NCURVES][NBACKENDS] = { { 0 } };
	double import[NCURVES] = { 0 }, npoint[NCURVES] = { 0 };
	double secs = argc > 1 ? atof(argv[1]) : 0.2;
	int rounds = argc > 2 ? atoi(argv[2]) : 10, round, stale = 0;
	size_t c, b, fast;

	if (secs <= 0 || rounds <= 0) {
		fprintf(stderr, "usage: bench-ecdsa [seconds] [rounds]\n");
		return 2;
	}
	for (c = 0; c < NCURVES; c++)
		setup(&s[c], c);
	for (round = 0; round < rounds; round++) {
		for (c = 0; c < NCURVES; c++) {
			for (b = 0; b < NBACKENDS; b++) {
				keep_min(&good[c][b], run_verify(&s[c],
				    curves[c].alg, backends[b], s[c].good,
				    CCAKIT_OK, secs));
				keep_min(&bad[c][b], run_verify(&s[c],
				    curves[c].alg, backends[b], s[c].bad,
				    CCAKIT_ERR_SIGNATURE, secs / 2));
			}
			keep_min(&import[c], run_import(&s[c], curves[c].crv,
			    secs / 2));
			keep_min(&npoint[c], run_npoint(&s[c], curves[c].crv,
			    secs / 4));
		}
	}
	printf("ECDSA verify, CPU us per call (best of %d rounds; digest "
	    "given)\n", rounds);
	printf("curve  %-22s %-22s key import (nettle point)  table\n",
	    "openssl valid/invalid", "nettle valid/invalid");
	for (c = 0; c < NCURVES; c++) {
		fast = good[c][1] < good[c][0] ? 1 : 0;
		printf("%-6s %9.1f / %-9.1f  %9.1f / %-9.1f  %9.1f (%5.1f)"
		    "          %s%s\n", curves[c].name, good[c][0], bad[c][0],
		    good[c][1], bad[c][1], import[c], npoint[c],
		    cki_ecdsa_backend_name(cki_ecdsa_backend_for(
		    curves[c].crv)),
		    backends[fast] == cki_ecdsa_backend_for(curves[c].crv) ?
		    "" : " (measured faster: the other)");
		if (backends[fast] != cki_ecdsa_backend_for(curves[c].crv))
			stale++;
	}
	for (c = 0; c < NCURVES; c++)
		ccakit_key_free(&s[c].key);
	printf("table %s\n", stale == 0 ? "agrees" : "disagrees");
	return 0;
}
