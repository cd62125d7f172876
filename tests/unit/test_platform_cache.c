/*
 * The platform-token cache (ccakit/appraise.h, docs/crypto.md): what it
 * may never serve (a changed byte of the platform token, another CPAK, a
 * trust anchor that is gone or replaced), what it serves (the same
 * platform COSE_Sign1 under the same CPAK), its LRU order, its counters
 * and many threads at once. Every verification through the cache is
 * compared with one without it.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/appraise.h>
#include <ccakit/cose.h>
#include <ccakit/ear.h>
#include <ccakit/err.h>
#include <ccakit/store.h>
#include <ccakit/token.h>
#include <ccakit/tv.h>

#include "appraise/pcache.h"
#include "testutil.h"
#include "test_token_util.h"

/* --- helpers --- */

static struct ccakit_platform_cache_stats
stats(ccakit_platform_cache *c)
{
	struct ccakit_platform_cache_stats s;

	ccakit_platform_cache_stats(c, &s);
	return s;
}

/* A fresh token of the emulated realm: its own platform signature. */
static struct tt_buf
fresh(void)
{
	return tt_emulated(CCAKIT_FORMAT_907, 0);
}

/* The writable byte of b that the view v points to. */
static uint8_t *
wr(struct tt_buf *b, const uint8_t *v)
{
	return b->p + (v - b->p);
}

/* The platform COSE_Sign1 of a token, as views into its buffer. */
static struct ccakit_cose_sign1
platform_of(const struct tt_buf *b)
{
	struct ccakit_cose_sign1 s;
	ccakit_token *t = ccakit_token_new();

	assert_non_null(t);
	assert_int_equal(ccakit_token_decode(t, b->p, b->len, NULL),
	    CCAKIT_OK);
	s = *ccakit_token_platform_sign1(t);
	ccakit_token_free(&t);
	return s;
}

/*
 * Give b the platform signature of a: both tokens come from the same
 * claims and keys, so their platform COSE_Sign1 then are the same bytes
 * (as for two realms of one machine) while their realm tokens differ.
 */
static void
share_platform(const struct tt_buf *a, struct tt_buf *b)
{
	struct ccakit_cose_sign1 sa = platform_of(a), sb = platform_of(b);

	assert_int_equal(sa.signature.len, sb.signature.len);
	assert_int_equal(sa.signature.ptr - a->p, sb.signature.ptr - b->p);
	memcpy(wr(b, sb.signature.ptr), sa.signature.ptr, sa.signature.len);
}

struct outcome {
	int r;
	char ptv[256], rtv[256];
};

/*
 * Decode and verify (with the store, else with cpak), through the cache
 * c when not NULL. Returns false when the bytes do not decode.
 */
static bool
run(const uint8_t *p, size_t len, const ccakit_ta_store *tas,
    const ccakit_key *cpak, ccakit_platform_cache *c, struct outcome *o)
{
	struct ccakit_verify_opts vo;
	struct ccakit_verify_result res;
	ccakit_token *t = ccakit_token_new();
	bool decoded;

	assert_non_null(t);
	memset(o, 0, sizeof(*o));
	memset(&vo, 0, sizeof(vo));
	vo.challenge = tt_emulated_challenge;
	vo.challenge_len = sizeof(tt_emulated_challenge);
	vo.platform_cache = c;
	decoded = ccakit_token_decode(t, p, len, NULL) == CCAKIT_OK;
	if (decoded) {
		o->r = tas != NULL ?
		    ccakit_token_verify(t, tas, &vo, &res, NULL) :
		    ccakit_token_verify_with_key(t, cpak, &vo, &res, NULL);
		assert_int_equal(ccakit_tv_to_json(&res.platform, o->ptv,
		    sizeof(o->ptv)), CCAKIT_OK);
		assert_int_equal(ccakit_tv_to_json(&res.realm, o->rtv,
		    sizeof(o->rtv)), CCAKIT_OK);
	}
	ccakit_token_free(&t);
	return decoded;
}

/* Through the cache, and the same as without it; the result code. */
static int
verify_cmp(const struct tt_buf *b, const ccakit_ta_store *tas,
    const ccakit_key *cpak, ccakit_platform_cache *c)
{
	struct outcome with, without;

	assert_true(run(b->p, b->len, tas, cpak, c, &with));
	assert_true(run(b->p, b->len, tas, cpak, NULL, &without));
	assert_int_equal(with.r, without.r);
	assert_string_equal(with.ptv, without.ptv);
	assert_string_equal(with.rtv, without.rtv);
	return with.r;
}

static ccakit_platform_cache *
cache_of(size_t cap)
{
	ccakit_platform_cache *c = ccakit_platform_cache_new();

	assert_non_null(c);
	assert_int_equal(ccakit_platform_cache_set_capacity(c, cap),
	    CCAKIT_OK);
	return c;
}

/* A store of one trust anchor: the demo platform's ids with key k. */
static ccakit_ta_store *
store_with(const ccakit_key *k)
{
	const struct ccakit_platform_claims *pc;
	struct tt_buf b = fresh();
	ccakit_token *t = ccakit_token_new();
	ccakit_ta_store *s = ccakit_ta_store_new();
	char jwk[512];

	assert_non_null(t);
	assert_non_null(s);
	assert_int_equal(ccakit_token_decode(t, b.p, b.len, NULL), CCAKIT_OK);
	pc = ccakit_token_platform(t);
	assert_int_equal(ccakit_key_to_jwk(k, jwk, sizeof(jwk)), CCAKIT_OK);
	assert_int_equal(ccakit_ta_store_add(s, pc->impl_id.ptr,
	    pc->inst_id.ptr, jwk, strlen(jwk)), CCAKIT_OK);
	ccakit_token_free(&t);
	tt_buf_free(&b);
	return s;
}

/* --- the API --- */

static void
test_api(void **state)
{
	struct ccakit_platform_cache_stats s;
	ccakit_platform_cache *c = ccakit_platform_cache_new();

	(void)state;
	assert_non_null(c);
	s = stats(c);
	assert_int_equal(s.capacity, CCAKIT_PLATFORM_CACHE_DEFAULT);
	assert_int_equal(s.entries + s.hits + s.misses + s.inserts +
	    s.evictions + s.flushes, 0);
	assert_int_equal(ccakit_platform_cache_set_capacity(c, 0),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_platform_cache_set_capacity(c,
	    CCAKIT_PLATFORM_CACHE_MAX + 1), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_platform_cache_set_capacity(NULL, 8),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(stats(c).capacity, CCAKIT_PLATFORM_CACHE_DEFAULT);
	assert_int_equal(ccakit_platform_cache_set_capacity(c,
	    CCAKIT_PLATFORM_CACHE_MAX), CCAKIT_OK);
	assert_int_equal(stats(c).capacity, CCAKIT_PLATFORM_CACHE_MAX);
	assert_true(cki_pcache_consistent(c));
	ccakit_platform_cache_flush(c);
	assert_int_equal(stats(c).flushes, 1);
	ccakit_platform_cache_flush(NULL);
	ccakit_platform_cache_stats(NULL, &s);
	assert_int_equal(s.capacity, 0);
	ccakit_platform_cache_stats(c, NULL);
	ccakit_platform_cache_free(&c);
	assert_null(c);
	ccakit_platform_cache_free(&c);
	ccakit_platform_cache_free(NULL);
}

/* --- what it serves --- */

struct hook_counts {
	unsigned hits, misses;
};

static void
hook(void *arg, bool hit)
{
	struct hook_counts *h = arg;

	if (hit)
		h->hits++;
	else
		h->misses++;
}

/* The same platform token under the same CPAK: the second time and for
 * another realm token of the same platform, from the cache. */
static void
test_hit(void **state)
{
	struct tt_buf a = fresh(), b = fresh();
	ccakit_ta_store *tas = tt_emulated_ta();
	ccakit_platform_cache *c = cache_of(8);
	struct ccakit_platform_cache_stats s;
	struct hook_counts h = { 0, 0 };

	(void)state;
	ccakit_platform_cache_set_hook(c, hook, &h);
	ccakit_platform_cache_set_hook(NULL, hook, &h);
	share_platform(&a, &b);
	assert_int_equal(verify_cmp(&a, tas, NULL, c), CCAKIT_OK);
	s = stats(c);
	assert_int_equal(s.misses, 1);
	assert_int_equal(s.hits, 0);
	assert_int_equal(s.inserts, 1);
	assert_int_equal(s.entries, 1);
	assert_int_equal(verify_cmp(&a, tas, NULL, c), CCAKIT_OK);
	assert_int_equal(verify_cmp(&b, tas, NULL, c), CCAKIT_OK);
	s = stats(c);
	assert_int_equal(s.misses, 1);
	assert_int_equal(s.hits, 2);
	assert_int_equal(s.inserts, 1);
	assert_int_equal(s.entries, 1);
	/* The hook saw every lookup. */
	assert_int_equal(h.hits, 2);
	assert_int_equal(h.misses, 1);
	ccakit_platform_cache_set_hook(c, NULL, NULL);
	assert_int_equal(verify_cmp(&a, tas, NULL, c), CCAKIT_OK);
	assert_int_equal(h.hits, 2);
	assert_true(cki_pcache_consistent(c));
	ccakit_platform_cache_free(&c);
	ccakit_ta_store_free(&tas);
	tt_buf_free(&a);
	tt_buf_free(&b);
}

/* A bad platform signature is never remembered. */
static void
test_failure_not_cached(void **state)
{
	struct tt_buf a = fresh();
	struct ccakit_cose_sign1 ps = platform_of(&a);
	ccakit_ta_store *tas = tt_emulated_ta();
	ccakit_platform_cache *c = cache_of(8);
	int i;

	(void)state;
	wr(&a, ps.signature.ptr)[5] ^= 0x10;
	for (i = 0; i < 3; i++)
		assert_int_equal(verify_cmp(&a, tas, NULL, c),
		    CCAKIT_ERR_SIGNATURE);
	assert_int_equal(stats(c).misses, 3);
	assert_int_equal(stats(c).hits, 0);
	assert_int_equal(stats(c).inserts, 0);
	assert_int_equal(stats(c).entries, 0);
	ccakit_platform_cache_free(&c);
	ccakit_ta_store_free(&tas);
	tt_buf_free(&a);
}

/* A cached platform token spares the platform signature only: a bad
 * realm signature, a RAK the platform challenge does not bind, a wrong
 * challenge are still refused. */
static void
test_realm_still_checked(void **state)
{
	struct tt_buf a = fresh(), b = fresh();
	struct ccakit_cose_sign1 rs;
	struct ccakit_verify_opts vo;
	struct ccakit_verify_result res;
	ccakit_ta_store *tas = tt_emulated_ta();
	ccakit_platform_cache *c = cache_of(8);
	ccakit_token *t = ccakit_token_new();
	uint8_t other[64];

	(void)state;
	assert_non_null(t);
	share_platform(&a, &b);
	assert_int_equal(verify_cmp(&a, tas, NULL, c), CCAKIT_OK);
	/* b's realm signature broken; its platform token is a's. */
	assert_int_equal(ccakit_token_decode(t, b.p, b.len, NULL), CCAKIT_OK);
	rs = *ccakit_token_realm_sign1(t);
	wr(&b, rs.signature.ptr)[7] ^= 0x01;
	assert_int_equal(verify_cmp(&b, tas, NULL, c), CCAKIT_ERR_SIGNATURE);
	assert_int_equal(stats(c).hits, 1);
	/* freshness */
	memset(&vo, 0, sizeof(vo));
	memset(other, 0x5a, sizeof(other));
	vo.challenge = other;
	vo.challenge_len = sizeof(other);
	vo.platform_cache = c;
	assert_int_equal(ccakit_token_decode(t, a.p, a.len, NULL), CCAKIT_OK);
	assert_int_equal(ccakit_token_verify(t, tas, &vo, &res, NULL),
	    CCAKIT_ERR_CHALLENGE);
	assert_int_equal(stats(c).hits, 2);
	ccakit_token_free(&t);
	ccakit_platform_cache_free(&c);
	ccakit_ta_store_free(&tas);
	tt_buf_free(&a);
	tt_buf_free(&b);
}

/* --- what it never serves --- */

/*
 * Every byte of the platform COSE_Sign1 (tag, header, payload,
 * signature, their lengths) changed in turn, with the original in the
 * cache: the result is the one without the cache, and nothing whose
 * protected header, payload or signature differs is a hit.
 */
static void
test_changed_byte(void **state)
{
	struct tt_buf a = fresh(), orig;
	struct ccakit_cose_sign1 ps = platform_of(&a), ms;
	ccakit_ta_store *tas = tt_emulated_ta();
	ccakit_platform_cache *c = cache_of(64);
	ccakit_token *t = ccakit_token_new();
	struct outcome with, without;
	uint64_t hits;
	size_t start, end, i, ndecoded = 0;
	unsigned m;
	static const uint8_t masks[] = { 0x01, 0x80 };
	bool same;

	(void)state;
	assert_non_null(t);
	/* The views of the original, in a copy nothing changes. */
	assert_non_null(orig.p = malloc(a.len));
	memcpy(orig.p, a.p, a.len);
	orig.len = a.len;
	ps = platform_of(&orig);
	/* The COSE_Sign1 starts with tag 18 and an array of 4: d2 84. */
	start = (size_t)(ps.protected_hdr.ptr - orig.p);
	while (start > 0 && !(a.p[start] == 0xd2 && a.p[start + 1] == 0x84))
		start--;
	assert_int_equal(a.p[start], 0xd2);
	end = (size_t)(ps.signature.ptr - orig.p) + ps.signature.len;
	assert_int_equal(verify_cmp(&a, tas, NULL, c), CCAKIT_OK);
	for (i = start; i < end; i++) {
		for (m = 0; m < sizeof(masks); m++) {
			a.p[i] ^= masks[m];
			hits = stats(c).hits;
			if (run(a.p, a.len, tas, NULL, c, &with)) {
				ndecoded++;
				assert_true(run(a.p, a.len, tas, NULL, NULL,
				    &without));
				if (with.r != without.r ||
				    strcmp(with.ptv, without.ptv) != 0 ||
				    strcmp(with.rtv, without.rtv) != 0)
					fail_msg("byte %zu ^ 0x%02x: %d with the "
					    "cache, %d without", i - start,
					    masks[m], with.r, without.r);
				assert_int_equal(ccakit_token_decode(t, a.p,
				    a.len, NULL), CCAKIT_OK);
				ms = *ccakit_token_platform_sign1(t);
				same = tt_bytes_eq(ms.protected_hdr,
				    ps.protected_hdr.ptr, ps.protected_hdr.len) &&
				    tt_bytes_eq(ms.payload, ps.payload.ptr,
				    ps.payload.len) && tt_bytes_eq(ms.signature,
				    ps.signature.ptr, ps.signature.len);
				if (!same && stats(c).hits != hits)
					fail_msg("byte %zu ^ 0x%02x: changed "
					    "platform token served from the "
					    "cache", i - start, masks[m]);
				if (with.r == CCAKIT_OK && !same)
					fail_msg("byte %zu ^ 0x%02x verifies",
					    i - start, masks[m]);
			}
			a.p[i] ^= masks[m];
		}
	}
	/* Most changes reach the signature check. */
	assert_true(ndecoded > (end - start));
	/* And the original is still served. */
	hits = stats(c).hits;
	assert_int_equal(verify_cmp(&a, tas, NULL, c), CCAKIT_OK);
	assert_int_equal(stats(c).hits, hits + 1);
	assert_true(cki_pcache_consistent(c));
	ccakit_token_free(&t);
	ccakit_platform_cache_free(&c);
	ccakit_ta_store_free(&tas);
	tt_buf_free(&a);
	tt_buf_free(&orig);
}

/* The same platform token under another CPAK: verified, and refused. */
static void
test_changed_cpak(void **state)
{
	struct tt_buf a = fresh();
	ccakit_key *demo = tt_demo_cpak(), *cpak = tt_pub_of(demo);
	ccakit_key *other = tt_gen_key("P-384"), *p256 = tt_gen_key("P-256");
	ccakit_ta_store *tas = tt_emulated_ta(), *tas2;
	ccakit_platform_cache *c = cache_of(8);

	(void)state;
	assert_int_equal(verify_cmp(&a, NULL, cpak, c), CCAKIT_OK);
	assert_int_equal(verify_cmp(&a, NULL, cpak, c), CCAKIT_OK);
	assert_int_equal(stats(c).hits, 1);
	/* The private key of the same CPAK: the same public key. */
	assert_int_equal(verify_cmp(&a, NULL, demo, c), CCAKIT_OK);
	assert_int_equal(stats(c).hits, 2);
	assert_int_equal(verify_cmp(&a, NULL, other, c), CCAKIT_ERR_SIGNATURE);
	assert_int_equal(verify_cmp(&a, NULL, p256, c),
	    CCAKIT_ERR_KEY_MISMATCH);
	assert_int_equal(stats(c).hits, 2);
	/* Through stores: cached under the demo CPAK (the first store
	 * seen empties the cache), then the same ids with another key (the
	 * CPAK replaced). */
	assert_int_equal(verify_cmp(&a, tas, NULL, c), CCAKIT_OK);
	assert_int_equal(stats(c).hits, 2);
	assert_int_equal(verify_cmp(&a, tas, NULL, c), CCAKIT_OK);
	assert_int_equal(stats(c).hits, 3);
	tas2 = store_with(other);
	assert_int_equal(verify_cmp(&a, tas2, NULL, c), CCAKIT_ERR_SIGNATURE);
	assert_int_equal(stats(c).hits, 3);
	ccakit_ta_store_free(&tas2);
	ccakit_key_free(&demo);
	ccakit_key_free(&cpak);
	ccakit_key_free(&other);
	ccakit_key_free(&p256);
	ccakit_platform_cache_free(&c);
	ccakit_ta_store_free(&tas);
	tt_buf_free(&a);
}

/*
 * Trust anchors changed: a store without the anchor (it was revoked),
 * a store changed in place, a newer store of the same anchors, an
 * explicit flush: nothing is served from before; an older store is
 * verified without the cache and does not empty it.
 */
static void
test_store_changed(void **state)
{
	struct tt_buf a = fresh();
	ccakit_key *demo = tt_demo_cpak(), *other = tt_gen_key("P-384");
	ccakit_ta_store *s1 = tt_emulated_ta(), *gone, *s3;
	ccakit_platform_cache *c = cache_of(8);
	struct ccakit_platform_cache_stats st;
	char jwk[512];
	uint8_t impl[32], inst[33];

	(void)state;
	assert_int_equal(verify_cmp(&a, s1, NULL, c), CCAKIT_OK);
	assert_int_equal(verify_cmp(&a, s1, NULL, c), CCAKIT_OK);
	assert_int_equal(stats(c).hits, 1);

	/* Revoked: the anchor is not in the new store. */
	assert_non_null(gone = ccakit_ta_store_new());
	assert_int_equal(verify_cmp(&a, gone, NULL, c),
	    CCAKIT_ERR_TA_UNKNOWN);
	st = stats(c);
	assert_int_equal(st.hits, 1);

	/* Provisioned again, later: verified again, not served. */
	s3 = store_with(demo);
	assert_int_equal(verify_cmp(&a, s3, NULL, c), CCAKIT_OK);
	st = stats(c);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.flushes, 1);
	assert_int_equal(st.entries, 1);
	assert_int_equal(verify_cmp(&a, s3, NULL, c), CCAKIT_OK);
	assert_int_equal(stats(c).hits, 2);

	/* The old store, still held by some request: verified without the
	 * cache, which keeps what the newer store put there. */
	assert_int_equal(verify_cmp(&a, s1, NULL, c), CCAKIT_OK);
	st = stats(c);
	assert_int_equal(st.hits, 2);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.flushes, 1);
	assert_int_equal(verify_cmp(&a, s3, NULL, c), CCAKIT_OK);
	assert_int_equal(stats(c).hits, 3);

	/* s3 changed in place (another anchor added): emptied. */
	memset(impl, 0x01, sizeof(impl));
	memset(inst, 0x01, sizeof(inst));
	assert_int_equal(ccakit_key_to_jwk(other, jwk, sizeof(jwk)),
	    CCAKIT_OK);
	assert_int_equal(ccakit_ta_store_add(s3, impl, inst, jwk,
	    strlen(jwk)), CCAKIT_OK);
	assert_int_equal(verify_cmp(&a, s3, NULL, c), CCAKIT_OK);
	st = stats(c);
	assert_int_equal(st.hits, 3);
	assert_int_equal(st.flushes, 2);

	/* The anchor replaced in place by another key: refused. */
	ccakit_ta_store_free(&gone);
	gone = store_with(demo);
	assert_int_equal(verify_cmp(&a, gone, NULL, c), CCAKIT_OK);
	assert_int_equal(verify_cmp(&a, gone, NULL, c), CCAKIT_OK);
	assert_int_equal(stats(c).hits, 4);
	{
		ccakit_token *t = ccakit_token_new();
		const struct ccakit_platform_claims *pc;

		assert_non_null(t);
		assert_int_equal(ccakit_token_decode(t, a.p, a.len, NULL),
		    CCAKIT_OK);
		pc = ccakit_token_platform(t);
		assert_int_equal(ccakit_ta_store_add(gone, pc->impl_id.ptr,
		    pc->inst_id.ptr, jwk, strlen(jwk)), CCAKIT_OK);
		ccakit_token_free(&t);
	}
	assert_int_equal(verify_cmp(&a, gone, NULL, c), CCAKIT_ERR_SIGNATURE);
	assert_int_equal(stats(c).hits, 4);

	/* An explicit flush (s3 is older than gone now: a newer store). */
	ccakit_ta_store_free(&s3);
	s3 = store_with(demo);
	assert_int_equal(verify_cmp(&a, s3, NULL, c), CCAKIT_OK);
	assert_int_equal(verify_cmp(&a, s3, NULL, c), CCAKIT_OK);
	assert_int_equal(stats(c).hits, 5);
	ccakit_platform_cache_flush(c);
	assert_int_equal(stats(c).entries, 0);
	assert_int_equal(verify_cmp(&a, s3, NULL, c), CCAKIT_OK);
	assert_int_equal(stats(c).hits, 5);
	assert_int_equal(verify_cmp(&a, s3, NULL, c), CCAKIT_OK);
	assert_int_equal(stats(c).hits, 6);
	assert_true(cki_pcache_consistent(c));

	ccakit_key_free(&demo);
	ccakit_key_free(&other);
	ccakit_ta_store_free(&s1);
	ccakit_ta_store_free(&gone);
	ccakit_ta_store_free(&s3);
	ccakit_platform_cache_free(&c);
	tt_buf_free(&a);
}

/* --- eviction --- */

/* hit (1) or miss (0) of verifying tokens[i]. */
static int
step(struct tt_buf *tok, size_t i, const ccakit_ta_store *tas,
    ccakit_platform_cache *c)
{
	uint64_t h = stats(c).hits;

	assert_int_equal(verify_cmp(&tok[i], tas, NULL, c), CCAKIT_OK);
	assert_true(cki_pcache_consistent(c));
	return stats(c).hits > h;
}

/* Capacity 3: the least recently used entry goes, a hit makes an entry
 * the most recently used. */
static void
test_eviction_order(void **state)
{
	struct tt_buf tok[5];
	ccakit_ta_store *tas = tt_emulated_ta();
	ccakit_platform_cache *c = cache_of(3);
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++)
		tok[i] = fresh();
	/* 0 1 2 in: MRU 2 1 0 */
	assert_int_equal(step(tok, 0, tas, c), 0);
	assert_int_equal(step(tok, 1, tas, c), 0);
	assert_int_equal(step(tok, 2, tas, c), 0);
	assert_int_equal(stats(c).evictions, 0);
	/* 0 used: 0 2 1 */
	assert_int_equal(step(tok, 0, tas, c), 1);
	/* 3 in, 1 out: 3 0 2 */
	assert_int_equal(step(tok, 3, tas, c), 0);
	assert_int_equal(stats(c).evictions, 1);
	assert_int_equal(step(tok, 2, tas, c), 1);      /* 2 3 0 */
	assert_int_equal(step(tok, 0, tas, c), 1);      /* 0 2 3 */
	/* 1 in again, 3 out: 1 0 2 */
	assert_int_equal(step(tok, 1, tas, c), 0);
	assert_int_equal(stats(c).evictions, 2);
	assert_int_equal(step(tok, 2, tas, c), 1);      /* 2 1 0 */
	assert_int_equal(step(tok, 1, tas, c), 1);      /* 1 2 0 */
	/* 4 in, 0 out: 4 1 2; then 3 in, 2 out: 3 4 1 */
	assert_int_equal(step(tok, 4, tas, c), 0);
	assert_int_equal(step(tok, 3, tas, c), 0);
	assert_int_equal(step(tok, 1, tas, c), 1);
	assert_int_equal(step(tok, 4, tas, c), 1);
	assert_int_equal(step(tok, 0, tas, c), 0);      /* 0 4 1, 3 out */
	assert_int_equal(step(tok, 2, tas, c), 0);      /* 2 0 4, 1 out */
	assert_int_equal(step(tok, 4, tas, c), 1);
	assert_int_equal(stats(c).evictions, 6);
	assert_int_equal(stats(c).entries, 3);
	assert_int_equal(stats(c).inserts, 9);
	/* set_capacity empties it */
	assert_int_equal(ccakit_platform_cache_set_capacity(c, 2), CCAKIT_OK);
	assert_int_equal(stats(c).entries, 0);
	assert_int_equal(step(tok, 4, tas, c), 0);
	for (i = 0; i < 5; i++)
		tt_buf_free(&tok[i]);
	ccakit_platform_cache_free(&c);
	ccakit_ta_store_free(&tas);
}

/* --- the embedded verifier --- */

static void
test_attest(void **state)
{
	struct tt_buf a = fresh();
	struct ccakit_attest_opts ao;
	struct ccakit_errdetail why;
	ccakit_ta_store *tas = tt_emulated_ta();
	ccakit_rv_store *rvs = ccakit_rv_store_new();
	ccakit_platform_cache *c = cache_of(4);
	ccakit_ear *e = NULL;
	int i;

	(void)state;
	assert_non_null(rvs);
	memset(&ao, 0, sizeof(ao));
	ao.nonce = tt_emulated_challenge;
	ao.nonce_len = sizeof(tt_emulated_challenge);
	ao.platform_cache = c;
	for (i = 0; i < 2; i++) {
		memset(&why, 0, sizeof(why));
		assert_int_equal(ccakit_attest_cca(a.p, a.len, tas, rvs, &ao,
		    &e, &why), CCAKIT_OK);
		assert_int_equal(why.code, CCAKIT_OK);
		ccakit_ear_free(&e);
	}
	assert_int_equal(stats(c).misses, 1);
	assert_int_equal(stats(c).hits, 1);
	ccakit_platform_cache_free(&c);
	ccakit_rv_store_free(&rvs);
	ccakit_ta_store_free(&tas);
	tt_buf_free(&a);
}

/* --- threads --- */

#define NTHREADS 6
#define NGOOD 6
#define NTOK (2 * NGOOD + 2)

struct mt {
	struct tt_buf tok[NTOK];
	int want[NTOK];
	ccakit_ta_store *tas[2];        /* an older and a newer store */
	ccakit_platform_cache *c;
	unsigned iters;
	unsigned long bad;              /* wrong results */
	unsigned long done;
	pthread_mutex_t mu;
};

static void *
mt_worker(void *arg)
{
	struct mt *m = arg;
	struct outcome o;
	unsigned i, seed = (unsigned)(uintptr_t)&o, k;
	unsigned long bad = 0;

	for (i = 0; i < m->iters; i++) {
		seed = seed * 1103515245u + 12345u;
		k = (seed >> 8) % NTOK;
		if (!run(m->tok[k].p, m->tok[k].len,
		    m->tas[(seed >> 20) % 4 == 0 ? 0 : 1], NULL, m->c, &o) ||
		    o.r != m->want[k])
			bad++;
	}
	pthread_mutex_lock(&m->mu);
	m->bad += bad;
	m->done += m->iters;
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

/*
 * Threads verifying good tokens of several platforms (more than the
 * cache holds), tokens with a broken platform or realm signature, with
 * an older and a newer store: every result is right, every lookup is
 * counted once, and the table is whole afterwards.
 */
static void
test_threads(void **state)
{
	struct mt m;
	struct ccakit_cose_sign1 s;
	struct ccakit_platform_cache_stats st;
	pthread_t th[NTHREADS];
	ccakit_token *t = ccakit_token_new();
	size_t i;

	(void)state;
	assert_non_null(t);
	memset(&m, 0, sizeof(m));
	pthread_mutex_init(&m.mu, NULL);
	m.tas[0] = tt_emulated_ta();
	m.tas[1] = tt_emulated_ta();
	m.c = cache_of(3);
	m.iters = 40;
	for (i = 0; i < NGOOD; i++) {
		m.tok[i] = fresh();
		m.want[i] = CCAKIT_OK;
		/* Its platform token with a broken signature. */
		m.tok[NGOOD + i] = fresh();
		s = platform_of(&m.tok[NGOOD + i]);
		wr(&m.tok[NGOOD + i], s.signature.ptr)[i] ^= 0x04;
		m.want[NGOOD + i] = CCAKIT_ERR_SIGNATURE;
	}
	/* Good platform tokens (those of 0 and 1), broken realm tokens. */
	for (i = 0; i < 2; i++) {
		m.tok[2 * NGOOD + i] = fresh();
		share_platform(&m.tok[i], &m.tok[2 * NGOOD + i]);
		assert_int_equal(ccakit_token_decode(t,
		    m.tok[2 * NGOOD + i].p, m.tok[2 * NGOOD + i].len, NULL),
		    CCAKIT_OK);
		s = *ccakit_token_realm_sign1(t);
		wr(&m.tok[2 * NGOOD + i], s.signature.ptr)[0] ^= 0x20;
		m.want[2 * NGOOD + i] = CCAKIT_ERR_SIGNATURE;
	}
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, mt_worker, &m), 0);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	st = stats(m.c);
	assert_int_equal(m.bad, 0);
	assert_int_equal(st.hits + st.misses, m.done);
	assert_true(st.hits > 0);
	assert_true(st.entries <= 3);
	assert_true(cki_pcache_consistent(m.c));
	for (i = 0; i < NTOK; i++)
		tt_buf_free(&m.tok[i]);
	ccakit_ta_store_free(&m.tas[0]);
	ccakit_ta_store_free(&m.tas[1]);
	ccakit_platform_cache_free(&m.c);
	ccakit_token_free(&t);
	pthread_mutex_destroy(&m.mu);
}

/* The table itself, hammered by threads without any cryptography in
 * between: lookups, insertions, newer stamps and flushes. */
struct hammer {
	ccakit_platform_cache *c;
	unsigned long lookups;
	pthread_mutex_t mu;
};

#define HAMMER_ITERS 200000
#define HAMMER_KEYS 24

static void *
hammer_worker(void *arg)
{
	struct hammer *h = arg;
	uint8_t key[CKI_PCACHE_KEY_LEN];
	unsigned long i, n = 0;
	unsigned seed = (unsigned)(uintptr_t)&key, k;

	for (i = 0; i < HAMMER_ITERS; i++) {
		seed = seed * 1103515245u + 12345u;
		k = (seed >> 8) % HAMMER_KEYS;
		memset(key, (int)k, sizeof(key));
		/* Keys that share a bucket: the chains are used too. */
		key[0] = (uint8_t)(k % 3);
		if ((seed >> 16) % 1024 == 0) {
			ccakit_platform_cache_flush(h->c);
			continue;
		}
		n++;
		if (!cki_pcache_lookup(h->c, key, 0))
			cki_pcache_insert(h->c, key, 0);
	}
	pthread_mutex_lock(&h->mu);
	h->lookups += n;
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

static void
test_hammer(void **state)
{
	struct hammer h;
	struct ccakit_platform_cache_stats st;
	pthread_t th[NTHREADS];
	size_t i;

	(void)state;
	memset(&h, 0, sizeof(h));
	pthread_mutex_init(&h.mu, NULL);
	h.c = cache_of(8);
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, hammer_worker,
		    &h), 0);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	st = stats(h.c);
	assert_true(cki_pcache_consistent(h.c));
	assert_int_equal(st.hits + st.misses, h.lookups);
	assert_true(st.entries <= 8);
	assert_true(st.inserts >= st.evictions + st.entries);
	ccakit_platform_cache_free(&h.c);
	pthread_mutex_destroy(&h.mu);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api),
		cmocka_unit_test(test_hit),
		cmocka_unit_test(test_failure_not_cached),
		cmocka_unit_test(test_realm_still_checked),
		cmocka_unit_test(test_changed_byte),
		cmocka_unit_test(test_changed_cpak),
		cmocka_unit_test(test_store_changed),
		cmocka_unit_test(test_eviction_order),
		cmocka_unit_test(test_attest),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_hammer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
