/*
 * Strict CBOR (RFC 8949) reader.
 *
 * ccakit_cbor_parse() is a single forward pass over the input with an
 * explicit stack of open containers (no recursion, no allocation). The
 * profile it enforces:
 *
 *  - well formed (RFC 8949 §3 and Appendix F), exactly one item, no
 *    trailing bytes;
 *  - definite lengths only;
 *  - preferred serialization of every head (RFC 8949 §4.1): shortest
 *    argument, and floats only in the shortest width that holds the
 *    value exactly, NaN only as f9 7e00;
 *  - text strings are valid UTF-8;
 *  - map keys are unique; with preferred serialization equal keys have
 *    equal encodings, so keys are compared byte for byte;
 *  - caps on nesting depth, data items and pairs per map.
 *
 * Declared lengths and counts are checked against the bytes that remain
 * before anything else happens (every child needs at least one byte), so
 * a lying length fails at once.
 *
 * Duplicate keys: the keys of all open maps (offset, length and first
 * eight bytes) live in a fixed pool used as a stack, and each new key is
 * compared with the earlier keys of its map, mostly without touching the
 * input again. When the pool is full (a map with more pairs than the
 * default cap, or large maps nested in large maps) the map stops using
 * the pool and its remaining keys are checked by rescanning the map:
 * slower (bounded by pairs x items) but it needs no memory. An encoded
 * item is prefix free, so in the rescan memcmp(earlier, new, newlen) == 0
 * means the keys are equal.
 *
 * Everything after ccakit_cbor_parse() (iterators, lookups) trusts the
 * buffer to be one that the parser accepted and only decodes heads.
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ccakit/cbor.h"
#include "ccakit/err.h"

#include "cbor/cbor_priv.h"
#include "util/util.h"

_Static_assert(sizeof(float) == 4 && sizeof(double) == 8,
    "IEEE 754 binary32/binary64 expected");

#define KEYPOOL	256	/* keys of all open maps (4 KiB of stack) */

enum {
	MT_UINT = 0,
	MT_NINT,
	MT_BSTR,
	MT_TSTR,
	MT_ARRAY,
	MT_MAP,
	MT_TAG,
	MT_SIMPLE,
};

struct frame {
	uint64_t left;		/* children still to come (a map: 2n) */
	size_t child;		/* offset of the child being parsed */
	size_t first;		/* MAP: offset of the first key */
	size_t kbase;		/* MAP: first pool slot */
	size_t nkeys;		/* MAP: keys completed */
	size_t nstored;		/* MAP: keys in the pool (a prefix) */
	bool ismap;
};

/* A map key already seen: where it is and a cheap fingerprint. */
struct key {
	uint64_t head;		/* its first (up to) 8 bytes, zero padded */
	uint32_t off;
	uint32_t len;
};

struct parser {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	unsigned max_depth;
	size_t max_items;
	size_t max_pairs;
	size_t items;
	unsigned depth;
	size_t ktop;
	struct frame stack[CKI_CBOR_DEPTH_CEIL];
	struct key pool[KEYPOOL];
};

/* --- floats --- */

double
cki_cbor_half_to_double(uint16_t h)
{
	unsigned e = (h >> 10) & 0x1f;
	uint64_t m = h & 0x3ff, bits;
	double d;

	if (e == 0)
		d = (double)m / 16777216.0;	/* m * 2^-24, exact */
	else if (e == 31)
		d = m == 0 ? (double)INFINITY : (double)NAN;
	else {
		bits = (uint64_t)(e + 1023 - 15) << 52 | m << 42;
		memcpy(&d, &bits, sizeof(d));
	}
	return (h & 0x8000) != 0 ? -d : d;
}

/* Whether the binary32 value f is exactly a binary16 value (not NaN). */
static bool
single_fits_half(uint32_t f)
{
	uint32_t e = (f >> 23) & 0xff, m = f & 0x7fffff;
	int x;

	if (e == 0xff)
		return m == 0;			/* infinities */
	if (e == 0)
		return m == 0;			/* zeros; subnormals are too small */
	x = (int)e - 127;
	if (x >= -14 && x <= 15)
		return (m & 0x1fff) == 0;	/* half normal */
	if (x >= -24 && x < -14)		/* half subnormal */
		return ((m | 0x800000) & ((UINT32_C(1) << (-1 - x)) - 1)) == 0;
	return false;
}

/* Whether the binary64 value d is exactly a binary32 value (not NaN). */
static bool
double_fits_single(uint64_t d)
{
	uint64_t e = (d >> 52) & 0x7ff, m = d & UINT64_C(0xfffffffffffff);
	int x;

	if (e == 0x7ff)
		return m == 0;
	if (e == 0)
		return m == 0;
	x = (int)e - 1023;
	if (x >= -126 && x <= 127)
		return (m & UINT64_C(0x1fffffff)) == 0;
	if (x >= -149 && x < -126)
		return ((m | UINT64_C(1) << 52) &
		    ((UINT64_C(1) << (-97 - x)) - 1)) == 0;
	return false;
}

/*
 * Check a float head (ai 25, 26, 27 with its argument) for preferred
 * serialization and convert it.
 */
static int
read_float(unsigned ai, uint64_t arg, double *out)
{
	uint32_t u32;
	float f;

	switch (ai) {
	case 25:
		if ((arg & 0x7c00) == 0x7c00 && (arg & 0x3ff) != 0 &&
		    arg != 0x7e00)
			return CCAKIT_ERR_CBOR_NON_PREFERRED;
		*out = cki_cbor_half_to_double((uint16_t)arg);
		return 0;
	case 26:
		u32 = (uint32_t)arg;
		if ((u32 & 0x7f800000) == 0x7f800000 && (u32 & 0x7fffff) != 0)
			return CCAKIT_ERR_CBOR_NON_PREFERRED;	/* NaN */
		if (single_fits_half(u32))
			return CCAKIT_ERR_CBOR_NON_PREFERRED;
		memcpy(&f, &u32, sizeof(f));
		*out = (double)f;
		return 0;
	default:
		if ((arg & UINT64_C(0x7ff0000000000000)) ==
		    UINT64_C(0x7ff0000000000000) &&
		    (arg & UINT64_C(0xfffffffffffff)) != 0)
			return CCAKIT_ERR_CBOR_NON_PREFERRED;	/* NaN */
		if (double_fits_single(arg))
			return CCAKIT_ERR_CBOR_NON_PREFERRED;
		memcpy(out, &arg, sizeof(*out));
		return 0;
	}
}

/* --- heads of validated items --- */

static inline const uint8_t *
peek_head(const uint8_t *p, uint8_t *ib, uint64_t *arg)
{
	unsigned ai, n, i;
	uint64_t v;

	*ib = *p++;
	ai = *ib & 0x1f;
	if (ai < 24) {
		*arg = ai;
		return p;
	}
	n = 1u << (ai - 24);
	for (v = 0, i = 0; i < n; i++)
		v = v << 8 | p[i];
	*arg = v;
	return p + n;
}

/* Skip `todo` consecutive validated items starting at p. */
static const uint8_t *
skip_items(const uint8_t *p, uint64_t todo)
{
	uint8_t ib;
	uint64_t arg;

	while (todo > 0) {
		todo--;
		p = peek_head(p, &ib, &arg);
		switch (ib >> 5) {
		case MT_BSTR:
		case MT_TSTR:
			p += arg;
			break;
		case MT_ARRAY:
			todo += arg;
			break;
		case MT_MAP:
			todo += 2 * arg;
			break;
		case MT_TAG:
			todo++;
			break;
		default:
			break;
		}
	}
	return p;
}

const uint8_t *
cki_cbor_decode(const uint8_t *p, struct ccakit_cbor_item *out)
{
	const uint8_t *q, *end;
	uint8_t ib;
	uint64_t arg;
	unsigned ai;

	q = peek_head(p, &ib, &arg);
	ai = ib & 0x1f;
	memset(out, 0, sizeof(*out));
	out->type = (enum ccakit_cbor_type)(ib >> 5);
	out->u = arg;
	out->data = q;
	out->enc = p;
	switch (ib >> 5) {
	case MT_BSTR:
	case MT_TSTR:
		end = q + arg;
		break;
	case MT_ARRAY:
		end = skip_items(q, arg);
		break;
	case MT_MAP:
		end = skip_items(q, 2 * arg);
		break;
	case MT_TAG:
		end = skip_items(q, 1);
		break;
	case MT_SIMPLE:
		if (ai >= 25) {
			out->type = CCAKIT_CBOR_FLOAT;
			out->u = 0;
			(void)read_float(ai, arg, &out->f);
		}
		end = q;
		break;
	default:
		end = q;
		break;
	}
	out->enclen = (size_t)(end - p);
	return end;
}

/* --- the parser --- */

/* Compare the key that just ended at ps->pos with the earlier keys. */
static int
check_key(struct parser *ps, struct frame *f)
{
	const uint8_t *key = ps->buf + f->child, *p;
	size_t klen = ps->pos - f->child, i;
	uint64_t head = 0, j;
	const struct key *k;

	memcpy(&head, key, klen < sizeof(head) ? klen : sizeof(head));
	for (i = 0; i < f->nstored; i++) {
		k = &ps->pool[f->kbase + i];
		if (k->head == head && k->len == klen &&
		    (klen <= sizeof(head) ||
		    memcmp(ps->buf + k->off, key, klen) == 0))
			return CCAKIT_ERR_CBOR_DUPLICATE_KEY;
	}
	if (f->nstored == f->nkeys && ps->ktop < KEYPOOL &&
	    ps->pos <= UINT32_MAX) {
		ps->pool[ps->ktop].head = head;
		ps->pool[ps->ktop].off = (uint32_t)f->child;
		ps->pool[ps->ktop].len = (uint32_t)klen;
		ps->ktop++;
		f->nstored++;
	} else if (f->nkeys > f->nstored) {
		/* Pool overflow: rescan the keys that are not pooled. */
		p = ps->buf + f->first;
		for (j = 0; j < f->nkeys; j++) {
			if (j >= f->nstored && *p == key[0] &&
			    memcmp(p, key, klen) == 0)
				return CCAKIT_ERR_CBOR_DUPLICATE_KEY;
			p = skip_items(p, 2);
		}
	}
	f->nkeys++;
	return 0;
}

/* Open a container whose head ended at ps->pos. */
static int
open_container(struct parser *ps, unsigned major, uint64_t n)
{
	size_t rem = ps->len - ps->pos, room = ps->max_items - ps->items;
	struct frame *f;

	if (ps->depth >= ps->max_depth)
		return CCAKIT_ERR_CBOR_TOO_DEEP;
	switch (major) {
	case MT_ARRAY:
		if (n > rem)
			return CCAKIT_ERR_CBOR_TRUNCATED;
		if (n > room)
			return CCAKIT_ERR_CBOR_TOO_MANY;
		break;
	case MT_MAP:
		if (n > rem / 2)
			return CCAKIT_ERR_CBOR_TRUNCATED;
		if (n > ps->max_pairs || n > room / 2)
			return CCAKIT_ERR_CBOR_TOO_MANY;
		n *= 2;
		break;
	default:
		n = 1;
		break;
	}
	if (n == 0)
		return 0;
	f = &ps->stack[ps->depth++];
	f->left = n;
	f->ismap = major == MT_MAP;
	f->first = ps->pos;
	f->kbase = ps->ktop;
	f->nkeys = 0;
	f->nstored = 0;
	return 0;
}

/*
 * Parse one head at ps->pos and, for strings, its content. On error
 * ps->pos is left where the error was detected.
 */
static int
parse_item(struct parser *ps, struct ccakit_cbor_item *it)
{
	const uint8_t *buf = ps->buf;
	size_t start = ps->pos, i = start, n, bad;
	unsigned major, ai, k;
	uint64_t arg;
	double f = 0;
	int r;

	if (i >= ps->len)
		return CCAKIT_ERR_CBOR_TRUNCATED;
	if (++ps->items > ps->max_items)
		return CCAKIT_ERR_CBOR_TOO_MANY;
	major = buf[i] >> 5;
	ai = buf[i] & 0x1f;
	i++;
	if (ai < 24)
		arg = ai;
	else if (ai < 28) {
		n = (size_t)1 << (ai - 24);
		if (ps->len - i < n)
			return CCAKIT_ERR_CBOR_TRUNCATED;
		for (arg = 0, k = 0; k < n; k++)
			arg = arg << 8 | buf[i + k];
		i += n;
		if (major == MT_SIMPLE) {
			if (ai == 24 && arg < 32)
				return CCAKIT_ERR_CBOR_NOT_WELL_FORMED;
			if (ai > 24 && (r = read_float(ai, arg, &f)) != 0)
				return r;
		} else if (arg < (ai == 24 ? 24 : UINT64_C(1) << (n * 4)))
			return CCAKIT_ERR_CBOR_NON_PREFERRED;
	} else if (ai == 31 && major >= MT_BSTR && major <= MT_MAP)
		return CCAKIT_ERR_CBOR_INDEFINITE;
	else
		return CCAKIT_ERR_CBOR_NOT_WELL_FORMED;	/* 28-30, break */
	ps->pos = i;

	switch (major) {
	case MT_BSTR:
	case MT_TSTR:
		if (arg > ps->len - i) {
			ps->pos = start;
			return CCAKIT_ERR_CBOR_TRUNCATED;
		}
		if (major == MT_TSTR &&
		    (bad = cki_utf8_check(buf + i, (size_t)arg)) != arg) {
			ps->pos = i + bad;
			return CCAKIT_ERR_CBOR_BAD_UTF8;
		}
		ps->pos = i + (size_t)arg;
		break;
	case MT_ARRAY:
	case MT_MAP:
	case MT_TAG:
		if ((r = open_container(ps, major, arg)) != 0) {
			ps->pos = start;
			return r;
		}
		break;
	default:
		break;
	}
	if (it != NULL) {
		it->type = major == MT_SIMPLE && ai > 24 && ai < 28 ?
		    CCAKIT_CBOR_FLOAT : (enum ccakit_cbor_type)major;
		it->u = it->type == CCAKIT_CBOR_FLOAT ? 0 : arg;
		it->f = f;
		it->data = buf + i;
	}
	return 0;
}

static int
parse(struct parser *ps, struct ccakit_cbor_item *top)
{
	struct frame *f;
	unsigned depth;
	int r;

	for (;;) {
		depth = ps->depth;
		if (depth > 0)
			ps->stack[depth - 1].child = ps->pos;
		if ((r = parse_item(ps, depth == 0 ? top : NULL)) != 0)
			return r;
		if (ps->depth > depth)
			continue;	/* opened a container */
		/* The item is complete: close what it completes. */
		while (ps->depth > 0) {
			f = &ps->stack[ps->depth - 1];
			if (f->ismap && (f->left & 1) == 0 &&
			    (r = check_key(ps, f)) != 0) {
				ps->pos = f->child;
				return r;
			}
			if (--f->left > 0)
				break;
			ps->ktop = f->kbase;
			ps->depth--;
		}
		if (ps->depth == 0)
			break;
	}
	if (ps->pos != ps->len)
		return CCAKIT_ERR_CBOR_TRAILING;
	return 0;
}

int
ccakit_cbor_parse(const uint8_t *buf, size_t len,
    const struct ccakit_cbor_limits *lim, struct ccakit_cbor_item *top,
    size_t *off)
{
	struct parser ps;
	struct ccakit_cbor_item it;
	int r;

	if ((buf == NULL && len != 0) || top == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	memset(&ps, 0, offsetof(struct parser, stack));
	ps.buf = buf;
	ps.len = len;
	ps.max_depth = CCAKIT_CBOR_MAX_DEPTH;
	ps.max_items = CCAKIT_CBOR_MAX_ITEMS;
	ps.max_pairs = CCAKIT_CBOR_MAX_MAP_PAIRS;
	if (lim != NULL) {
		if (lim->max_depth > CKI_CBOR_DEPTH_CEIL)
			return CCAKIT_ERR_INVALID_ARG;
		if (lim->max_depth != 0)
			ps.max_depth = lim->max_depth;
		if (lim->max_items != 0)
			ps.max_items = lim->max_items;
		if (lim->max_map_pairs != 0)
			ps.max_pairs = lim->max_map_pairs;
	}
	memset(&it, 0, sizeof(it));
	if ((r = parse(&ps, &it)) != 0) {
		if (off != NULL)
			*off = ps.pos;
		return r;
	}
	it.enc = buf;
	it.enclen = len;
	*top = it;
	return 0;
}

/* --- navigation of parsed items --- */

void
ccakit_cbor_iter_init(struct ccakit_cbor_iter *it,
    const struct ccakit_cbor_item *container)
{
	it->p = container->data;
	switch (container->type) {
	case CCAKIT_CBOR_ARRAY:
		it->remaining = (size_t)container->u;
		break;
	case CCAKIT_CBOR_MAP:
		it->remaining = (size_t)container->u * 2;
		break;
	case CCAKIT_CBOR_TAG:
		it->remaining = 1;
		break;
	default:
		it->p = NULL;
		it->remaining = 0;
		break;
	}
}

bool
ccakit_cbor_iter_next(struct ccakit_cbor_iter *it,
    struct ccakit_cbor_item *out)
{
	if (it->remaining == 0)
		return false;
	it->p = cki_cbor_decode(it->p, out);
	it->remaining--;
	return true;
}

void
ccakit_cbor_tag_content(const struct ccakit_cbor_item *tag,
    struct ccakit_cbor_item *out)
{
	static const uint8_t undef = 0xf7;

	if (tag->type != CCAKIT_CBOR_TAG) {
		/* Not a tag: the content is `undefined`, a valid item. */
		memset(out, 0, sizeof(*out));
		out->type = CCAKIT_CBOR_SIMPLE;
		out->u = 23;
		out->data = &undef + 1;
		out->enc = &undef;
		out->enclen = 1;
		return;
	}
	(void)cki_cbor_decode(tag->data, out);
}

bool
ccakit_cbor_map_get_int(const struct ccakit_cbor_item *map, int64_t key,
    struct ccakit_cbor_item *val)
{
	const uint8_t *p;
	uint8_t ib, want;
	uint64_t arg, karg, i;

	if (map->type != CCAKIT_CBOR_MAP)
		return false;
	if (key >= 0) {
		want = MT_UINT;
		karg = (uint64_t)key;
	} else {
		want = MT_NINT;
		karg = (uint64_t)(-1 - key);
	}
	p = map->data;
	for (i = 0; i < map->u; i++) {
		if ((*p >> 5) == want) {
			p = peek_head(p, &ib, &arg);
			if (arg == karg) {
				(void)cki_cbor_decode(p, val);
				return true;
			}
			p = skip_items(p, 1);
		} else
			p = skip_items(p, 2);
	}
	return false;
}

int
ccakit_cbor_get_int(const struct ccakit_cbor_item *it, int64_t *v)
{
	if ((it->type != CCAKIT_CBOR_UINT && it->type != CCAKIT_CBOR_NINT) ||
	    it->u > INT64_MAX)
		return CCAKIT_ERR_CBOR_TYPE;
	*v = it->type == CCAKIT_CBOR_UINT ? (int64_t)it->u :
	    -1 - (int64_t)it->u;
	return 0;
}
