/*
 * Token verification: trust anchor, platform signature, realm signature,
 * binding of the RAK to the platform challenge, freshness.
 *
 * The trust vectors follow rust-ccatoken's Evidence::verify (with its
 * bug #33 fix); unlike rust-ccatoken the first failure is also returned
 * as an error code (docs/strictness.md).
 */
#include <string.h>

#include <ccakit/appraise.h>
#include <ccakit/bytes.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/store.h>
#include <ccakit/token.h>
#include <ccakit/tv.h>

#include "appraise/pcache.h"
#include "store/store_priv.h"
#include "token/token_priv.h"
#include "util/util.h"

static bool
opts_ok(const struct ccakit_verify_opts *opts)
{
	if (opts == NULL || opts->challenge == NULL)
		return true;
	return opts->challenge_len >= 1 &&
	    opts->challenge_len <= CKI_REALM_CHALLENGE_LEN;
}

/* The parts of a decoded token that verification reads. */
struct parts {
	const struct ccakit_platform_claims *pc;
	const struct ccakit_realm_claims *rc;
	const struct ccakit_cose_sign1 *ps;
	const struct ccakit_cose_sign1 *rs;
};

/* false when t is not a decoded token. */
static bool
get_parts(const ccakit_token *t, struct parts *p)
{
	p->pc = ccakit_token_platform(t);
	p->rc = ccakit_token_realm(t);
	p->ps = ccakit_token_platform_sign1(t);
	p->rs = ccakit_token_realm_sign1(t);
	return p->pc != NULL && p->rc != NULL && p->ps != NULL &&
	    p->rs != NULL;
}

/* platform.challenge == H(RAK bytes as carried), H from claim 44240. */
static int
check_binding(const struct parts *p, struct ccakit_errdetail *d)
{
	const struct ccakit_realm_claims *rc = p->rc;
	const struct ccakit_platform_claims *pc = p->pc;
	uint8_t md[CKI_DIGEST_MAX];
	size_t mdlen = 0;
	enum ccakit_hash_algo h;
	int r;

	/* Decoding admitted only known names. */
	if (cki_hash_from_claim(rc->rak_hash_alg, &h) != CCAKIT_OK)
		return cki_detail(d, CCAKIT_ERR_INTERNAL,
		    "public-key-hash-algo-id", NULL);
	if ((r = cki_hash_digest(h, rc->rak.ptr, rc->rak.len, md, &mdlen)) !=
	    CCAKIT_OK)
		return cki_detail(d, r, "binding", "cannot hash the RAK");
	if (pc->challenge.len != mdlen ||
	    ccakit_ct_memcmp(pc->challenge.ptr, md, mdlen) != 0)
		return cki_detail(d, CCAKIT_ERR_BINDING, "binding",
		    "platform challenge does not match the %s hash of the "
		    "RAK", ccakit_hash_algo_name(h));
	return CCAKIT_OK;
}

/* The realm challenge against the expected nonce, zero-padded to 64. */
static int
check_freshness(const struct parts *p, const struct ccakit_verify_opts *o,
    struct ccakit_errdetail *d)
{
	uint8_t want[CKI_REALM_CHALLENGE_LEN];

	if (o == NULL || o->challenge == NULL)
		return CCAKIT_OK;
	memset(want, 0, sizeof(want));
	memcpy(want, o->challenge, o->challenge_len);
	if (p->rc->challenge.len != sizeof(want) ||
	    ccakit_ct_memcmp(p->rc->challenge.ptr, want, sizeof(want)) != 0)
		return cki_detail(d, CCAKIT_ERR_CHALLENGE, "challenge",
		    "realm challenge does not match");
	return CCAKIT_OK;
}

/*
 * The platform signature, through the cache when opts has one: a hit
 * stands for a signature that verified under this CPAK before; only a
 * good one is remembered. stamp: the trust-anchor store's, or 0.
 */
static int
verify_platform(const struct parts *p, const ccakit_key *cpak,
    const struct ccakit_verify_opts *opts, uint64_t stamp)
{
	ccakit_platform_cache *c = opts != NULL ? opts->platform_cache : NULL;
	uint8_t key[CKI_PCACHE_KEY_LEN];
	int r;

	if (c == NULL || !cki_pcache_key(cpak, p->ps, key))
		return ccakit_cose_sign1_verify(p->ps, cpak);
	if (cki_pcache_lookup(c, key, stamp))
		return CCAKIT_OK;
	if ((r = ccakit_cose_sign1_verify(p->ps, cpak)) == CCAKIT_OK)
		cki_pcache_insert(c, key, stamp);
	return r;
}

/* Steps 2..6, with the CPAK already chosen. res was cleared. */
static int
verify_with_cpak(const ccakit_token *t, const struct parts *p,
    const ccakit_key *cpak, uint64_t stamp,
    const struct ccakit_verify_opts *opts, struct ccakit_verify_result *res,
    struct ccakit_errdetail *d)
{
	ccakit_key *rak = NULL;
	int r = CCAKIT_ERR_INTERNAL;

	if ((r = verify_platform(p, cpak, opts, stamp)) != CCAKIT_OK) {
		ccakit_tv_set_all(&res->platform, CCAKIT_AR_CRYPTO_FAILED);
		ccakit_tv_set_all(&res->realm, CCAKIT_AR_NO_CLAIM);
		r = cki_detail(d, r, "platform token",
		    "platform token: %s", ccakit_strerror(r));
		goto out;
	}
	ccakit_tv_set(&res->platform, CCAKIT_TV_INSTANCE_IDENTITY,
	    CCAKIT_AR_TRUSTWORTHY_INSTANCE);

	if ((rak = ccakit_key_new()) == NULL) {
		ccakit_tv_set_all(&res->realm, CCAKIT_AR_VERIFIER_MALFUNCTION);
		r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		goto out;
	}
	if ((r = ccakit_token_rak(t, rak)) != CCAKIT_OK) {
		ccakit_tv_set_all(&res->realm, r == CCAKIT_ERR_KEY_INVALID ?
		    CCAKIT_AR_UNEXPECTED_EVIDENCE :
		    CCAKIT_AR_VERIFIER_MALFUNCTION);
		r = cki_detail(d, r, "public-key",
		    "public-key: the realm attestation key is unusable");
		goto out;
	}
	if ((r = ccakit_cose_sign1_verify(p->rs, rak)) != CCAKIT_OK) {
		ccakit_tv_set_all(&res->realm, CCAKIT_AR_CRYPTO_FAILED);
		r = cki_detail(d, r, "realm token", "realm token: %s",
		    ccakit_strerror(r));
		goto out;
	}
	if ((r = check_binding(p, d)) != CCAKIT_OK) {
		ccakit_tv_set_all(&res->realm, r == CCAKIT_ERR_BINDING ?
		    CCAKIT_AR_CRYPTO_FAILED : CCAKIT_AR_VERIFIER_MALFUNCTION);
		goto out;
	}
	ccakit_tv_set(&res->realm, CCAKIT_TV_INSTANCE_IDENTITY,
	    CCAKIT_AR_TRUSTWORTHY_INSTANCE);

	/* Freshness leaves the trust vectors as they are. */
	r = check_freshness(p, opts, d);
out:
	ccakit_key_free(&rak);
	return r;
}

int
ccakit_token_verify(const ccakit_token *t, const ccakit_ta_store *tas,
    const struct ccakit_verify_opts *opts, struct ccakit_verify_result *res,
    struct ccakit_errdetail *d)
{
	const ccakit_key *cpak = NULL;
	struct parts p;

	if (res != NULL)
		memset(res, 0, sizeof(*res));
	if (!get_parts(t, &p) || tas == NULL || res == NULL || !opts_ok(opts))
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);

	/* Lengths were checked at decode time (32 and 33 bytes). */
	if (!cki_ta_store_find(tas, p.pc->impl_id.ptr, p.pc->inst_id.ptr,
	    &cpak)) {
		ccakit_tv_set(&res->platform, CCAKIT_TV_INSTANCE_IDENTITY,
		    CCAKIT_AR_UNRECOGNIZED_INSTANCE);
		ccakit_tv_set_all(&res->realm, CCAKIT_AR_NO_CLAIM);
		return cki_detail(d, CCAKIT_ERR_TA_UNKNOWN, "trust anchor",
		    "no trust anchor for this implementation-id and "
		    "instance-id");
	}
	if (cpak == NULL) {
		ccakit_tv_set_all(&res->platform, CCAKIT_AR_CRYPTO_FAILED);
		ccakit_tv_set_all(&res->realm, CCAKIT_AR_NO_CLAIM);
		return cki_detail(d, CCAKIT_ERR_SIGNATURE, "trust anchor",
		    "trust anchor key unusable");
	}
	return verify_with_cpak(t, &p, cpak, tas->stamp, opts, res, d);
}

int
ccakit_token_verify_with_key(const ccakit_token *t, const ccakit_key *cpak,
    const struct ccakit_verify_opts *opts, struct ccakit_verify_result *res,
    struct ccakit_errdetail *d)
{
	struct parts p;

	if (res != NULL)
		memset(res, 0, sizeof(*res));
	if (!get_parts(t, &p) || cpak == NULL || res == NULL || !opts_ok(opts))
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	return verify_with_cpak(t, &p, cpak, 0, opts, res, d);
}
