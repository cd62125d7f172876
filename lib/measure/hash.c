/*
 * Hash helpers: explicit fetches (no implicit per-call fetch), and
 * struct cki_fast_md, a one-shot digest on a context reused for every
 * call.
 *
 * Why not just EVP_MD_CTX: with OpenSSL 3.0 every EVP_DigestInit_ex2()
 * frees the provider's digest context, allocates a new one and cleanses
 * the old (about 42 ns per call; EVP_MD_CTX_copy_ex() reallocates too).
 * A realm costs two digests per 4 KiB granule (the granule and the
 * 256-byte descriptor), so that is about 3 % of the time.
 *
 * The public provider API avoids it: the provider that implements the
 * fetched EVP_MD lists its digests (OSSL_PROVIDER_query_operation()), and
 * the entry of the same algorithm gives the provider-digest(7) functions.
 * A context is created once with newctx and every digest is init, update,
 * final on it. provider-digest(7) documents init on a newly created
 * context; the default provider's init resets the whole state (it is
 * SHAx_Init()), which test_measure checks against EVP for every algorithm.
 * Any other provider (FIPS, third party), or a missing function, uses the
 * plain EVP path: same digests, only slower.
 *
 * A cki_fast_md is used by one thread at a time. It holds a reference to
 * the EVP_MD, so the provider and its dispatch table outlive it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include "measure/measure_priv.h"

/* The only provider whose digest init is known to reset a used context. */
#define FAST_PROVIDER   "default"

struct cki_fast_md {
	EVP_MD *md;                     /* a reference of our own */
	size_t hlen;
	/* Fast path: all set, or prov == NULL. */
	const OSSL_PROVIDER *prov;
	const OSSL_ALGORITHM *algs;     /* to unquery */
	void *dctx;
	OSSL_FUNC_digest_init_fn *init;
	OSSL_FUNC_digest_update_fn *update;
	OSSL_FUNC_digest_final_fn *final;
	OSSL_FUNC_digest_freectx_fn *freectx;
	/* Fallback. */
	EVP_MD_CTX *ctx;
};

EVP_MD *
cki_meas_md_fetch(enum ccakit_hash_algo a)
{
	switch (a) {
	case CCAKIT_HASH_SHA256:
		return EVP_MD_fetch(NULL, "SHA2-256", NULL);
	case CCAKIT_HASH_SHA512:
		return EVP_MD_fetch(NULL, "SHA2-512", NULL);
	case CCAKIT_HASH_SHA384:
		return EVP_MD_fetch(NULL, "SHA2-384", NULL);
	}
	return NULL;
}

/* Whether name is one of the colon-separated names of an algorithm. */
static bool
names_have(const char *names, const char *name)
{
	size_t n = strlen(name), k;

	while (*names != '\0') {
		k = strcspn(names, ":");
		if (k == n && strncasecmp(names, name, n) == 0)
			return true;
		names += k;
		if (*names == ':')
			names++;
	}
	return false;
}

/* The provider's digest functions for f->md, or nothing set (fallback). */
static void
fast_lookup(struct cki_fast_md *f)
{
	const OSSL_PROVIDER *prov;
	const OSSL_ALGORITHM *algs, *a;
	const OSSL_DISPATCH *fn;
	OSSL_FUNC_digest_newctx_fn *newctx = NULL;
	const char *name, *pname;
	void *provctx;
	int no_store = 0;

	if ((prov = EVP_MD_get0_provider(f->md)) == NULL ||
	    (pname = OSSL_PROVIDER_get0_name(prov)) == NULL ||
	    strcmp(pname, FAST_PROVIDER) != 0 ||
	    (name = EVP_MD_get0_name(f->md)) == NULL ||
	    (algs = OSSL_PROVIDER_query_operation(prov, OSSL_OP_DIGEST,
	    &no_store)) == NULL)
		return;
	for (a = algs; a->algorithm_names != NULL; a++) {
		if (names_have(a->algorithm_names, name))
			break;
	}
	if (a->algorithm_names != NULL) {
		for (fn = a->implementation; fn->function_id != 0; fn++) {
			switch (fn->function_id) {
			case OSSL_FUNC_DIGEST_NEWCTX:
				newctx = OSSL_FUNC_digest_newctx(fn);
				break;
			case OSSL_FUNC_DIGEST_INIT:
				f->init = OSSL_FUNC_digest_init(fn);
				break;
			case OSSL_FUNC_DIGEST_UPDATE:
				f->update = OSSL_FUNC_digest_update(fn);
				break;
			case OSSL_FUNC_DIGEST_FINAL:
				f->final = OSSL_FUNC_digest_final(fn);
				break;
			case OSSL_FUNC_DIGEST_FREECTX:
				f->freectx = OSSL_FUNC_digest_freectx(fn);
				break;
			default:
				break;
			}
		}
	}
	if (newctx != NULL && f->init != NULL && f->update != NULL &&
	    f->final != NULL && f->freectx != NULL &&
	    (provctx = OSSL_PROVIDER_get0_provider_ctx(prov)) != NULL &&
	    (f->dctx = newctx(provctx)) != NULL) {
		f->prov = prov;
		f->algs = algs;
		return;
	}
	OSSL_PROVIDER_unquery_operation(prov, OSSL_OP_DIGEST, algs);
	f->init = NULL;
	f->update = NULL;
	f->final = NULL;
	f->freectx = NULL;
}

struct cki_fast_md *
cki_fast_md_new(EVP_MD *md, bool fast)
{
	struct cki_fast_md *f;
	int hlen;

	if ((hlen = EVP_MD_get_size(md)) <= 0 ||
	    (f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	if (EVP_MD_up_ref(md) != 1) {
		free(f);
		return NULL;
	}
	f->md = md;
	f->hlen = (size_t)hlen;
	if (fast)
		fast_lookup(f);
	if (f->prov == NULL && (f->ctx = EVP_MD_CTX_new()) == NULL) {
		cki_fast_md_free(&f);
		return NULL;
	}
	return f;
}

void
cki_fast_md_free(struct cki_fast_md **fp)
{
	struct cki_fast_md *f;

	if (fp == NULL || (f = *fp) == NULL)
		return;
	*fp = NULL;
	if (f->prov != NULL) {
		f->freectx(f->dctx);    /* cleanses the state */
		OSSL_PROVIDER_unquery_operation(f->prov, OSSL_OP_DIGEST,
		    f->algs);
	}
	EVP_MD_CTX_free(f->ctx);
	EVP_MD_free(f->md);
	free(f);
}

bool
cki_fast_md_is_fast(const struct cki_fast_md *f)
{
	return f->prov != NULL;
}

int
cki_fast_md_digest(struct cki_fast_md *f, const void *data, size_t len,
    uint8_t *out)
{
	size_t outl = 0;

	if (f->prov == NULL) {
		if (EVP_DigestInit_ex2(f->ctx, f->md, NULL) != 1 ||
		    EVP_DigestUpdate(f->ctx, data, len) != 1 ||
		    EVP_DigestFinal_ex(f->ctx, out, NULL) != 1)
			return -1;
		return 0;
	}
	if (f->init(f->dctx, NULL) != 1 ||
	    f->update(f->dctx, data, len) != 1 ||
	    f->final(f->dctx, out, &outl, f->hlen) != 1 || outl != f->hlen)
		return -1;
	return 0;
}

uint16_t
cki_meas_tcg_alg(enum ccakit_hash_algo a)
{
	switch (a) {
	case CCAKIT_HASH_SHA256:
		return 0x000B;
	case CCAKIT_HASH_SHA512:
		return 0x000D;
	case CCAKIT_HASH_SHA384:
		return 0x000C;
	}
	return 0;
}

int
cki_meas_algo_from_tcg(uint16_t tcg)
{
	switch (tcg) {
	case 0x000B:
		return CCAKIT_HASH_SHA256;
	case 0x000C:
		return CCAKIT_HASH_SHA384;
	case 0x000D:
		return CCAKIT_HASH_SHA512;
	default:
		return -1;
	}
}

unsigned
cki_meas_online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	if (n > (long)CCAKIT_REALM_MAX_THREADS)
		return CCAKIT_REALM_MAX_THREADS;
	return (unsigned)n;
}
