/*
 * Differential test of the strict reader against libcbor (test oracle
 * only; the library does not use libcbor).
 *
 *  - Whatever we accept, libcbor loads completely and serializes back to
 *    the same bytes (our profile is a subset of CBOR and libcbor keeps
 *    the shape of what it decoded).
 *  - Whatever libcbor rejects, we reject.
 *  - When libcbor loads the whole input and we reject it, the reason is
 *    one that libcbor does not check (indefinite length, preferred
 *    serialization, UTF-8, duplicate keys, limits, reserved simple
 *    values) and the offset points at a plausible byte.
 *
 * Inputs: every 1- and 2-byte string, random short strings, and random
 * mutations (bit flips, byte changes, truncations, insertions) of the
 * claims vectors.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include <ccakit/cbor.h>
#include <ccakit/err.h>

#include "testutil.h"

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32);
}

struct stats {
	size_t inputs, accepted, oracle_only, gap;
};

/*
 * libcbor 0.8 reports the unassigned simple values (e0..f3, f8 20..ff)
 * and the one-byte heads of tags 6..20 (c6..d4) as malformed; RFC 8949
 * says they are well formed and we accept them. Such inputs cannot be
 * compared.
 */
static bool
libcbor_gap(const uint8_t *b, size_t n, const struct cbor_load_result *res)
{
	size_t p = res->error.position;

	return res->error.code == CBOR_ERR_MALFORMATED && p < n &&
	    ((b[p] >= 0xe0 && b[p] <= 0xf3) || b[p] == 0xf8 ||
	    (b[p] >= 0xc6 && b[p] <= 0xd4));
}

/*
 * Whether a head declares more elements than there are bytes (and more
 * than a few thousand): libcbor
 * allocates for the declared size up front, so such inputs are kept
 * away from it (we reject them as truncated). The heads of an encoded
 * item come in order, separated only by string contents, so the walk
 * needs no stack.
 */
static bool
huge_count(const uint8_t *b, size_t n)
{
	size_t i = 0, k, w;
	uint64_t v;
	unsigned major, ai;

	while (i < n) {
		major = b[i] >> 5;
		ai = b[i] & 0x1f;
		i++;
		if (ai < 24)
			v = ai;
		else if (ai < 28) {
			w = (size_t)1 << (ai - 24);
			if (n - i < w)
				return false;
			for (v = 0, k = 0; k < w; k++)
				v = v << 8 | b[i + k];
			i += w;
		} else
			continue;
		if (major >= 2 && major <= 5 && v > n && v > 4096)
			return true;
		if (major == 2 || major == 3)
			i += (size_t)v;
	}
	return false;
}

/*
 * libcbor 0.8 decodes binary16 subnormals right but encodes them wrong
 * (f9 01f6 comes back as f9 0100). Whether every difference between
 * the input and libcbor's encoding is inside such a half float.
 */
static bool
only_half_subnormals_differ(const uint8_t *b, const uint8_t *ser, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (b[i] == ser[i])
			continue;
		if (i >= 1 && b[i - 1] == 0xf9)
			j = i - 1;
		else if (i >= 2 && b[i - 2] == 0xf9)
			j = i - 2;
		else
			return false;
		if ((b[j + 1] & 0x7c) != 0)
			return false;
	}
	return true;
}

static void
compare(const uint8_t *b, size_t n, struct stats *st)
{
	struct ccakit_cbor_item top;
	struct cbor_load_result res;
	cbor_item_t *item;
	unsigned char *ser = NULL;
	size_t off = SIZE_MAX, sersz = 0, serlen = 0;
	bool full;
	int r;

	st->inputs++;
	r = ccakit_cbor_parse(b, n, NULL, &top, &off);
	if (huge_count(b, n)) {
		st->gap++;
		return;
	}
	memset(&res, 0, sizeof(res));
	item = n > 0 ? cbor_load(b, n, &res) : NULL;
	full = item != NULL && res.read == n;
	if (item == NULL && libcbor_gap(b, n, &res)) {
		st->gap++;
		return;
	}
	if (item != NULL && full)
		serlen = cbor_serialize_alloc(item, &ser, &sersz);
	if (r == 0) {
		st->accepted++;
		if (!full)
			fail_msg("accepted, libcbor: error %d read %zu of %zu "
			    "(%02x, %02x at %zu)", (int)res.error.code, res.read,
			    n, b[0], res.error.position < n ?
			    b[res.error.position] : 0, res.error.position);
		if (serlen != n || (memcmp(ser, b, n) != 0 &&
		    !only_half_subnormals_differ(b, ser, n)))
			fail_msg("accepted, libcbor re-encodes differently "
			    "(%zu bytes, %02x %02x %02x)", n, b[0],
			    n > 1 ? b[1] : 0, n > 2 ? b[2] : 0);
	} else if (full) {
		st->oracle_only++;
		assert_true(off < n);
		switch (r) {
		case CCAKIT_ERR_CBOR_INDEFINITE:
			assert_int_equal(b[off] & 0x1f, 31);
			break;
		case CCAKIT_ERR_CBOR_NON_PREFERRED:
			/* ints keep their width in libcbor; floats too */
			assert_true(b[off] >> 5 == 0 || b[off] >> 5 == 1 ||
			    b[off] == 0xf9 || b[off] == 0xfa ||
			    b[off] == 0xfb || serlen != n ||
			    memcmp(ser, b, n) != 0);
			break;
		case CCAKIT_ERR_CBOR_NOT_WELL_FORMED:
			/* only f8 00..1f, which libcbor 0.8 tolerates */
			assert_int_equal(b[off], 0xf8);
			break;
		case CCAKIT_ERR_CBOR_BAD_UTF8:
		case CCAKIT_ERR_CBOR_DUPLICATE_KEY:
		case CCAKIT_ERR_CBOR_TOO_DEEP:
		case CCAKIT_ERR_CBOR_TOO_MANY:
			break;
		default:
			fail_msg("libcbor loads %zu bytes (first %02x), we say "
			    "%d at %zu", n, b[0], r, off);
		}
	}
	free(ser);
	if (item != NULL)
		cbor_decref(&item);
}

static void
test_exhaustive(void **state)
{
	struct stats st = { 0, 0, 0, 0 };
	uint8_t b[2];
	unsigned i;

	(void)state;
	for (i = 0; i < 0x100; i++) {
		b[0] = (uint8_t)i;
		compare(b, 1, &st);
	}
	for (i = 0; i < 0x10000; i++) {
		b[0] = (uint8_t)(i >> 8);
		b[1] = (uint8_t)i;
		compare(b, 2, &st);
	}
	print_message("%zu inputs, %zu accepted, %zu only by libcbor, "
	    "%zu not comparable\n", st.inputs, st.accepted, st.oracle_only,
	    st.gap);
	assert_true(st.accepted > 1000);
}

static void
test_random_short(void **state)
{
	struct stats st = { 0, 0, 0, 0 };
	uint8_t b[12];
	size_t n, i, k;

	(void)state;
	for (i = 0; i < 300000; i++) {
		n = 1 + rnd() % sizeof(b);
		for (k = 0; k < n; k++) {
			/* Bias towards small heads so that items nest. */
			b[k] = (uint8_t)rnd();
			if (rnd() % 2 == 0)
				b[k] &= 0xe3;
		}
		compare(b, n, &st);
	}
	print_message("%zu inputs, %zu accepted, %zu only by libcbor, "
	    "%zu not comparable\n", st.inputs, st.accepted, st.oracle_only,
	    st.gap);
	assert_true(st.accepted > 1000);
}

/* Mutations of real CBOR: the project's own seeds (fuzz/corpus, made by
 * fuzz/mkcorpus from the emulated realm), then upstream's when present. */
static void
test_mutations(void **state)
{
	static const char *const seeds[] = {
		"fuzz/corpus/token/emu-platform-claims.cbor",
		"fuzz/corpus/token/emu-realm-claims-legacy.cbor",
		"fuzz/corpus/token/emu-399.cbor",
	};
	static const char *const files[] = {
		"rust-ccatoken/platform-claims.cbor",
		"rust-ccatoken/realm-claims.cbor",
		"go-ccatoken/platform/cbor/CcaPlatformClaimsAll.cbor",
		"rust-ccatoken/cca-token-01.cbor",
	};
	const size_t nseeds = sizeof(seeds) / sizeof(seeds[0]);
	struct stats st = { 0, 0, 0, 0 };
	uint8_t *orig, *b;
	size_t len, n, i, f, pos, nfiles = nseeds;

	(void)state;
	if (tu_have_vectors("rust-ccatoken") && tu_have_vectors("go-ccatoken"))
		nfiles += sizeof(files) / sizeof(files[0]);
	for (f = 0; f < nfiles; f++) {
		orig = f < nseeds ? tu_read_file(tu_src_path(seeds[f]), &len) :
		    tu_read_vector(files[f - nseeds], &len);
		b = malloc(len + 1);
		assert_non_null(b);
		compare(orig, len, &st);
		for (i = 0; i < 20000; i++) {
			memcpy(b, orig, len);
			n = len;
			pos = rnd() % len;
			switch (rnd() % 4) {
			case 0:
				b[pos] ^= (uint8_t)(1u << (rnd() % 8));
				break;
			case 1:
				b[pos] = (uint8_t)rnd();
				break;
			case 2:
				n = pos;
				break;
			default:
				memmove(b + pos + 1, b + pos, len - pos);
				b[pos] = (uint8_t)rnd();
				n = len + 1;
				break;
			}
			compare(b, n, &st);
		}
		free(b);
		free(orig);
	}
	print_message("%zu inputs, %zu accepted, %zu only by libcbor, "
	    "%zu not comparable\n", st.inputs, st.accepted, st.oracle_only,
	    st.gap);
	assert_true(st.accepted > 100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exhaustive),
		cmocka_unit_test(test_random_short),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
