/*
 * bench-verify: CCA token verification throughput on one core against
 * the bound measured in the same run (two raw OpenSSL P-384 ECDSA
 * verifications per token, the signature math that verification cannot
 * avoid), decode-only throughput, heap allocations on the decode path,
 * and peak RSS. Ends with "ratio <verify/bound>". It also prints the
 * raw cost of every P-384 verifier it can use (OpenSSL, nettle), each
 * as its users call it, so that the real limit shows beside the bound.
 *
 * Before the ratio, "cached-ratio X": the same against the bound for the
 * steady state of a verifier with the platform-token cache, tokens of
 * one platform (one platform COSE_Sign1, as an RMM signs it once per
 * boot) each with its own realm token and challenge.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <ccakit/appraise.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/store.h>
#include <ccakit/token.h>

#include "cose/cose_priv.h"
#include "p384raw.h"

#define ALLOCCOUNT_REPLACE_MALLOC
#include "alloccount.h"

#define ROUND_SECONDS 1.5
#define ROUNDS 3
#define NPOOL 64                /* tokens of one platform, cached runs */

/* The process's CPU time (one thread): the rates are per second of CPU,
 * so that the other jobs of a shared machine count as little as they
 * can. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what, int r)
{
	fprintf(stderr, "bench-verify: %s: %s\n", what, ccakit_strerror(r));
	exit(1);
}

/* A fresh P-384 key as a ccakit_key (through PEM, as a user would). */
static ccakit_key *
gen_key(void)
{
	BIO *b = BIO_new(BIO_s_mem());
	EVP_PKEY *evp = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	char *pem;
	long n;
	ccakit_key *k = ccakit_key_new();
	int r;

	if (b == NULL || k == NULL || evp == NULL ||
	    !PEM_write_bio_PrivateKey(b, evp, NULL, NULL, 0, NULL, NULL))
		die("keygen", CCAKIT_ERR_CRYPTO);
	n = BIO_get_mem_data(b, &pem);
	if ((r = ccakit_key_from_pem(k, pem, (size_t)n)) != CCAKIT_OK)
		die("key_from_pem", r);
	BIO_free(b);
	EVP_PKEY_free(evp);
	return k;
}

static uint8_t impl_id[32], inst_id[33], mval[4][32], signer[32];
static uint8_t rpv[64], rim[48], rem[4][48], chal[64], cfg[4] = { 0xcf,
    0xcf, 0xcf, 0xcf };

#define B(p, n) ((struct ccakit_bytes){ (const uint8_t *)(p), (n) })

static uint8_t pool_ch[NPOOL][64];      /* the pool's realm challenges */

static void
claims(struct ccakit_platform_claims *p, struct ccakit_realm_claims *r)
{
	static const char *types[4] = { "RSE_BL1_2", "BL2", "BL31", "RMM" };
	size_t i;

	memset(impl_id, 0x7f, sizeof(impl_id));
	inst_id[0] = 0x01;
	memset(inst_id + 1, 0x42, 32);
	memset(p, 0, sizeof(*p));
	p->profile = CCAKIT_PLATFORM_2023;
	p->challenge = B(chal, 48);
	p->impl_id = B(impl_id, 32);
	p->inst_id = B(inst_id, 33);
	p->config = B(cfg, sizeof(cfg));
	p->lifecycle = 0x3000;
	p->hash_alg = B("sha-384", 7);
	p->n_sw = 4;
	for (i = 0; i < 4; i++) {
		memset(mval[i], (int)i + 1, 32);
		p->sw[i].present = CCAKIT_SWC_TYPE | CCAKIT_SWC_VERSION;
		p->sw[i].type = B(types[i], strlen(types[i]));
		p->sw[i].mval = B(mval[i], 32);
		p->sw[i].version = B("1.0.0", 5);
		p->sw[i].signer_id = B(signer, 32);
	}
	memset(r, 0, sizeof(*r));
	r->profile = CCAKIT_REALM_2023;
	memset(chal, 0xc1, sizeof(chal));
	r->challenge = B(chal, 64);
	r->rpv = B(rpv, 64);
	memset(rim, 0x11, sizeof(rim));
	r->rim = B(rim, 48);
	for (i = 0; i < 4; i++)
		r->rem[i] = B(rem[i], 48);
	r->hash_alg = B("sha-384", 7);
	r->rak_hash_alg = B("sha-384", 7);
}

/*
 * n tokens of one platform: each made with its own realm challenge, then
 * given the platform signature of the first. The platform COSE_Sign1s
 * differ in nothing else (same claims, same RAK, a fixed-size raw
 * signature), so all carry the first one's bytes.
 */
static void
make_pool(struct ccakit_platform_claims *pc, struct ccakit_realm_claims *rc,
    const ccakit_key *cpak, const ccakit_key *rak, uint8_t **tok,
    size_t *toklen, size_t n)
{
	struct ccakit_create_opts co = { CCAKIT_FORMAT_907 };
	const struct ccakit_cose_sign1 *ps;
	const uint8_t *sig0 = NULL;
	size_t i, off0 = 0;
	ccakit_token *t = ccakit_token_new();
	int r;

	if (t == NULL)
		die("token_new", CCAKIT_ERR_NOMEM);
	for (i = 0; i < n; i++) {
		memset(pool_ch[i], 0xa0, sizeof(pool_ch[i]));
		memcpy(pool_ch[i], &i, sizeof(i));
		rc->challenge = B(pool_ch[i], 64);
		if ((tok[i] = malloc(CCAKIT_TOKEN_MAX_SIZE)) == NULL)
			die("malloc", CCAKIT_ERR_NOMEM);
		if ((r = ccakit_token_create(pc, rc, cpak, rak, &co, tok[i],
		    CCAKIT_TOKEN_MAX_SIZE, &toklen[i])) != CCAKIT_OK ||
		    (r = ccakit_token_decode(t, tok[i], toklen[i], NULL)) !=
		    CCAKIT_OK)
			die("pool token", r);
		ps = ccakit_token_platform_sign1(t);
		if (i == 0) {
			sig0 = ps->signature.ptr;
			off0 = (size_t)(sig0 - tok[0]);
		} else if ((size_t)(ps->signature.ptr - tok[i]) != off0 ||
		    toklen[i] != toklen[0]) {
			die("pool token layout", CCAKIT_ERR_INTERNAL);
		} else {
			memcpy(tok[i] + off0, sig0, ps->signature.len);
		}
	}
	rc->challenge = B(chal, 64);
	ccakit_token_free(&t);
}

int
main(void)
{
	struct ccakit_platform_claims pc;
	struct ccakit_realm_claims rc;
	struct ccakit_create_opts co = { CCAKIT_FORMAT_907 };
	struct ccakit_verify_opts vo = { .challenge = chal,
	    .challenge_len = 64 };
	struct ccakit_verify_opts cvo;
	struct ccakit_verify_result res;
	struct ccakit_platform_cache_stats cst;
	ccakit_platform_cache *pcache;
	uint8_t *pool[NPOOL];
	size_t poollen[NPOOL];
	struct rusage ru;
	p384raw *raw;
	ccakit_key *cpak, *rak;
	ccakit_ta_store *tas;
	ccakit_token *tok;
	uint8_t *buf = malloc(CCAKIT_TOKEN_MAX_SIZE);
	char jwk[512];
	size_t len, n;
	double t0, t, best_raw = 0, best_nraw = 0, best_ver = 0, best_dec = 0;
	double rate, best_cached = 0;
	unsigned long allocs, allocs_ver, allocs_cached;
	int r, round;

	cpak = gen_key();
	rak = gen_key();
	claims(&pc, &rc);
	if (buf == NULL)
		die("malloc", CCAKIT_ERR_NOMEM);
	if ((r = ccakit_token_create(&pc, &rc, cpak, rak, &co, buf,
	    CCAKIT_TOKEN_MAX_SIZE, &len)) != CCAKIT_OK)
		die("create", r);
	if ((r = ccakit_key_to_jwk(cpak, jwk, sizeof(jwk))) != CCAKIT_OK)
		die("jwk", r);
	if ((tas = ccakit_ta_store_new()) == NULL ||
	    (r = ccakit_ta_store_add(tas, impl_id, inst_id, jwk,
	    strlen(jwk))) != CCAKIT_OK)
		die("ta store", r);
	if ((tok = ccakit_token_new()) == NULL)
		die("token_new", CCAKIT_ERR_NOMEM);
	if ((r = ccakit_token_decode(tok, buf, len, NULL)) != CCAKIT_OK)
		die("decode", r);
	if ((r = ccakit_token_verify(tok, tas, &vo, &res, NULL)) != CCAKIT_OK)
		die("verify", r);
	/* The bound signs messages of the sizes the token signs. */
	if ((raw = p384raw_new(ccakit_token_platform_sign1(tok)->payload.len +
	    20, ccakit_token_realm_sign1(tok)->payload.len + 20)) == NULL)
		die("raw P-384 keys", CCAKIT_ERR_CRYPTO);
	/* The cached steady state: one platform, a realm token each. */
	make_pool(&pc, &rc, cpak, rak, pool, poollen, NPOOL);
	if ((pcache = ccakit_platform_cache_new()) == NULL)
		die("platform cache", CCAKIT_ERR_NOMEM);
	cvo = vo;
	cvo.platform_cache = pcache;

	printf("token: %zu bytes, CMW (907), platform ES384, realm ES384\n",
	    len);
	for (round = 0; round < ROUNDS; round++) {
		if ((rate = p384raw_openssl_rate(raw, ROUND_SECONDS)) < 0)
			die("raw verify", CCAKIT_ERR_SIGNATURE);
		if (rate > best_raw)
			best_raw = rate;
		if ((rate = p384raw_nettle_rate(raw, ROUND_SECONDS)) < 0)
			die("raw nettle verify", CCAKIT_ERR_SIGNATURE);
		if (rate > best_nraw)
			best_nraw = rate;
		t0 = now();
		for (n = 0; (t = now() - t0) < ROUND_SECONDS; n++) {
			if (ccakit_token_decode(tok, buf, len, NULL) !=
			    CCAKIT_OK || ccakit_token_verify(tok, tas, &vo,
			    &res, NULL) != CCAKIT_OK)
				die("verify loop", CCAKIT_ERR_SIGNATURE);
		}
		if ((rate = (double)n / t) > best_ver)
			best_ver = rate;
		t0 = now();
		for (n = 0; (t = now() - t0) < ROUND_SECONDS; n++) {
			cvo.challenge = pool_ch[n % NPOOL];
			if (ccakit_token_decode(tok, pool[n % NPOOL],
			    poollen[n % NPOOL], NULL) != CCAKIT_OK ||
			    ccakit_token_verify(tok, tas, &cvo, &res, NULL) !=
			    CCAKIT_OK)
				die("cached verify loop", CCAKIT_ERR_SIGNATURE);
		}
		if ((rate = (double)n / t) > best_cached)
			best_cached = rate;
	}
	t0 = now();
	for (n = 0; (t = now() - t0) < 1.0; n++)
		if (ccakit_token_decode(tok, buf, len, NULL) != CCAKIT_OK)
			die("decode loop", CCAKIT_ERR_INTERNAL);
	best_dec = (double)n / t;
	ac_start();
	for (n = 0; n < 1000; n++)
		(void)ccakit_token_decode(tok, buf, len, NULL);
	allocs = ac_stop();
	ac_start();
	for (n = 0; n < 100; n++)
		(void)ccakit_token_verify(tok, tas, &vo, &res, NULL);
	allocs_ver = ac_stop();
	(void)ccakit_token_decode(tok, pool[0], poollen[0], NULL);
	cvo.challenge = pool_ch[0];
	ac_start();
	for (n = 0; n < 100; n++)
		(void)ccakit_token_verify(tok, tas, &cvo, &res, NULL);
	allocs_cached = ac_stop();
	getrusage(RUSAGE_SELF, &ru);
	ccakit_platform_cache_stats(pcache, &cst);

	printf("raw P-384 verify, OpenSSL (EVP):      %10.1f us\n",
	    1e6 / (2 * best_raw));
	printf("raw P-384 verify, nettle (hogweed):   %10.1f us\n",
	    1e6 / (2 * best_nraw));
	printf("ccakit verifies P-384 with:           %10s\n",
	    cki_ecdsa_backend_name(cki_ecdsa_backend_for(
	    CCAKIT_COSE_CRV_P384)));
	printf("2 raw nettle P-384 verifies:          %10.1f tokens/s "
	    "(verify at %.3f of it)\n", best_nraw, best_ver / best_nraw);
	printf("bound (2 raw OpenSSL P-384 verifies): %10.1f tokens/s\n",
	    best_raw);
	printf("ccakit decode+verify:                 %10.1f tokens/s\n",
	    best_ver);
	printf("ccakit decode+verify, platform cached:%10.1f tokens/s "
	    "(%d realm tokens, one platform)\n", best_cached, NPOOL);
	printf("platform cache: %llu hits, %llu misses, %llu flushes "
	    "(hit rate %.4f)\n", (unsigned long long)cst.hits,
	    (unsigned long long)cst.misses, (unsigned long long)cst.flushes,
	    cst.hits + cst.misses > 0 ? (double)cst.hits /
	    (double)(cst.hits + cst.misses) : 0.0);
	printf("ccakit decode only:                   %10.1f tokens/s "
	    "(%.2f us/token)\n", best_dec, 1e6 / best_dec);
	if (ac_enabled()) {
		printf("heap allocations in 1000 decodes:     %10lu\n",
		    allocs);
		printf("heap allocations per verify:          %10.1f uncached, "
		    "%.1f cached\n", (double)allocs_ver / 100,
		    (double)allocs_cached / 100);
	} else
		printf("heap allocations in 1000 decodes:     not counted\n");
	printf("peak RSS:                             %10ld KiB\n",
	    ru.ru_maxrss);
	printf("cached-ratio %.3f\n", best_cached / best_raw);
	printf("ratio %.3f\n", best_ver / best_raw);

	for (n = 0; n < NPOOL; n++)
		free(pool[n]);
	ccakit_platform_cache_free(&pcache);

	ccakit_token_free(&tok);
	ccakit_ta_store_free(&tas);
	ccakit_key_free(&cpak);
	ccakit_key_free(&rak);
	p384raw_free(&raw);
	free(buf);
	return 0;
}
