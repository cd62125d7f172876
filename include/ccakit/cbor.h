/*
 * Strict CBOR (RFC 8949) reader and writer.
 *
 * Reader: ccakit_cbor_parse() validates a whole buffer as exactly one
 * well-formed item under the strict profile (definite lengths only,
 * preferred serialization of every head, valid UTF-8 in text strings, no
 * duplicate map keys, depth and item-count caps, no trailing bytes). It
 * never allocates. Items are views into the input; once an item came out
 * of a successful parse, navigating it (iterators, map lookups) cannot
 * fail on malformed data, only on type mismatches.
 *
 * Writer: appends to a caller buffer, always in preferred serialization,
 * with a sticky error (CCAKIT_ERR_BUFFER_TOO_SMALL when it does not fit).
 */
#ifndef CCAKIT_CBOR_H
#define CCAKIT_CBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CCAKIT_CBOR_MAX_DEPTH      16    /* nesting of arrays/maps/tags */
#define CCAKIT_CBOR_MAX_ITEMS      8192  /* data items in one parse */
#define CCAKIT_CBOR_MAX_MAP_PAIRS  256   /* pairs in one map */

enum ccakit_cbor_type {
	CCAKIT_CBOR_UINT = 0,   /* major 0 */
	CCAKIT_CBOR_NINT = 1,   /* major 1: value is -1 - u */
	CCAKIT_CBOR_BSTR = 2,
	CCAKIT_CBOR_TSTR = 3,
	CCAKIT_CBOR_ARRAY = 4,
	CCAKIT_CBOR_MAP = 5,
	CCAKIT_CBOR_TAG = 6,
	CCAKIT_CBOR_SIMPLE = 7, /* false/true/null/undefined/simple(n) */
	CCAKIT_CBOR_FLOAT = 8,  /* major 7 with a 16/32/64-bit float */
};

struct ccakit_cbor_item {
	enum ccakit_cbor_type type;
	/*
	 * UINT/NINT: the argument; TAG: tag number; SIMPLE: simple value
	 * (20 false, 21 true, 22 null, 23 undefined); ARRAY: element count;
	 * MAP: pair count; BSTR/TSTR: length.
	 */
	uint64_t u;
	double f;            /* FLOAT only */
	const uint8_t *data; /* BSTR/TSTR: content; ARRAY/MAP/TAG: first child */
	const uint8_t *enc;  /* the whole encoded item, head included */
	size_t enclen;
};

struct ccakit_cbor_limits {
	unsigned max_depth;     /* 0 = CCAKIT_CBOR_MAX_DEPTH */
	size_t max_items;       /* 0 = CCAKIT_CBOR_MAX_ITEMS */
	size_t max_map_pairs;   /* 0 = CCAKIT_CBOR_MAX_MAP_PAIRS */
};

/*
 * Validate buf[0..len) as exactly one strict item and describe it in *top.
 * lim may be NULL for the defaults. On failure returns a CCAKIT_ERR_CBOR_*
 * code and, when off is not NULL, the byte offset where it was detected.
 */
int ccakit_cbor_parse(const uint8_t *buf, size_t len,
    const struct ccakit_cbor_limits *lim, struct ccakit_cbor_item *top,
    size_t *off);

/*
 * Children of a parsed ARRAY or MAP (a map yields key, value, key, ...)
 * or the single child of a TAG.
 */
struct ccakit_cbor_iter {
	const uint8_t *p;
	size_t remaining;
};
void ccakit_cbor_iter_init(struct ccakit_cbor_iter *it,
    const struct ccakit_cbor_item *container);
/* Returns true and fills *out while children remain. */
bool ccakit_cbor_iter_next(struct ccakit_cbor_iter *it,
    struct ccakit_cbor_item *out);

/* The content of a TAG item. */
void ccakit_cbor_tag_content(const struct ccakit_cbor_item *tag,
    struct ccakit_cbor_item *out);

/*
 * Look up an integer key in a parsed MAP. Returns true and fills *val
 * when found. Integer keys only match UINT/NINT keys of equal value.
 */
bool ccakit_cbor_map_get_int(const struct ccakit_cbor_item *map,
    int64_t key, struct ccakit_cbor_item *val);

/* Integer value of a UINT/NINT item; CCAKIT_ERR_CBOR_TYPE if it does not
 * fit in int64_t or the item is not an integer. */
int ccakit_cbor_get_int(const struct ccakit_cbor_item *it, int64_t *v);

/* CBOR diagnostic notation (RFC 8949 §8) of a parsed item into a caller
 * buffer, NUL terminated. Byte strings as h'..', indented when pretty. */
int ccakit_cbor_diag(const struct ccakit_cbor_item *it, bool pretty,
    char *out, size_t outsz, size_t *outlen);
#define CCAKIT_DIAG_PRETTY   0x1u  /* one entry per line, indented */
#define CCAKIT_DIAG_EMBEDDED 0x2u  /* bstr holding CBOR as <<item>> */
int ccakit_cbor_diag_ex(const struct ccakit_cbor_item *it, unsigned flags,
    char *out, size_t outsz, size_t *outlen);

/* --- writer --- */

struct ccakit_cbor_writer {
	uint8_t *buf;    /* may be NULL to only measure */
	size_t cap;
	size_t len;      /* bytes written (or needed, when measuring) */
	int err;         /* sticky: first error */
};

void ccakit_cbor_writer_init(struct ccakit_cbor_writer *w, uint8_t *buf,
    size_t cap);
void ccakit_cbor_put_uint(struct ccakit_cbor_writer *w, uint64_t v);
void ccakit_cbor_put_int(struct ccakit_cbor_writer *w, int64_t v);
void ccakit_cbor_put_bstr(struct ccakit_cbor_writer *w, const uint8_t *p,
    size_t len);
void ccakit_cbor_put_tstr(struct ccakit_cbor_writer *w, const char *s,
    size_t len);
void ccakit_cbor_put_cstr(struct ccakit_cbor_writer *w, const char *s);
void ccakit_cbor_put_array(struct ccakit_cbor_writer *w, size_t n);
void ccakit_cbor_put_map(struct ccakit_cbor_writer *w, size_t n);
void ccakit_cbor_put_tag(struct ccakit_cbor_writer *w, uint64_t tag);
void ccakit_cbor_put_bool(struct ccakit_cbor_writer *w, bool v);
void ccakit_cbor_put_null(struct ccakit_cbor_writer *w);
/* Append pre-encoded CBOR verbatim. */
void ccakit_cbor_put_raw(struct ccakit_cbor_writer *w, const uint8_t *p,
    size_t len);
/* Append only a bstr head of length len (content follows by put_raw). */
void ccakit_cbor_put_bstr_head(struct ccakit_cbor_writer *w, size_t len);
/* 0 or the sticky error. */
int ccakit_cbor_writer_finish(const struct ccakit_cbor_writer *w,
    size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* CCAKIT_CBOR_H */
