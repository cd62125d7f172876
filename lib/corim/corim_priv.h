/*
 * CoRIM and CoMID: the model (not exported).
 *
 * Everything of a CoRIM or CoMID lives in one arena. Decoded objects
 * keep a copy of their input in it and point into that copy; objects
 * built from JSON or from stores allocate their values there. Choices
 * of the CDDL's type sockets (class-id, instance, group, crypto-key,
 * mkey, svn, raw-value, ...) are kept as their encoded CBOR item
 * (struct cki_ci), checked when decoded or built: known tags have their
 * content checked, unknown tags are extensions and kept verbatim.
 */
#ifndef CCAKIT_CORIM_PRIV_H
#define CCAKIT_CORIM_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <ccakit/bytes.h>
#include <ccakit/cbor.h>
#include <ccakit/corim.h>

#include "util/util.h"

/* CBOR tags. */
#define CKI_TAG_EPOCH           1
#define CKI_TAG_COSE_SIGN1      18
#define CKI_TAG_URI             32
#define CKI_TAG_UUID            37
#define CKI_TAG_OID             111
#define CKI_TAG_CORIM_OLD       500
#define CKI_TAG_UNSIGNED_CORIM  501
#define CKI_TAG_SIGNED_OLD      502
#define CKI_TAG_UEID            550
#define CKI_TAG_SVN             552
#define CKI_TAG_MIN_SVN         553
#define CKI_TAG_PKIX_KEY        554
#define CKI_TAG_PKIX_CERT       555
#define CKI_TAG_PKIX_CERT_PATH  556
#define CKI_TAG_KEY_THUMB       557
#define CKI_TAG_COSE_KEY        558
#define CKI_TAG_CERT_THUMB      559
#define CKI_TAG_BYTES           560
#define CKI_TAG_CERT_PATH_THUMB 561
#define CKI_TAG_PKIX_ASN1DER    562
#define CKI_TAG_MASKED_RAW      563
#define CKI_TAG_INT_RANGE       564
#define CKI_TAG_CCA_IMPL_ID     600   /* legacy */
#define CKI_TAG_PSA_REFVAL_ID   601   /* legacy */
#define CKI_TAG_CCA_CONFIG_ID   602   /* legacy */

/* Caps on what one CoRIM may hold (beyond the CBOR reader's). */
#define CKI_CORIM_MAX_ITEMS     65536 /* data items in one parse */
#define CKI_CORIM_MAX_PAIRS     1024  /* pairs in one map */

/* One encoded CBOR item; p == NULL means absent. */
struct cki_ci {
	const uint8_t *p;
	size_t len;
};

/* An extension: a map pair the model does not know, kept verbatim. */
struct cki_ext {
	struct cki_ci key, val;
};
struct cki_exts {
	struct cki_ext *v;
	size_t n;
};

/* Text: not NUL terminated when it points into a decoded input. */
struct cki_text {
	const char *s;          /* NULL: absent */
	size_t len;
};

/* corim-entity-map and comid-entity-map: the same shape. */
struct cki_entity {
	struct cki_text name;
	struct cki_ci regid;    /* #6.32(tstr) */
	uint64_t *roles;
	size_t n_roles;
	struct cki_exts ext;
};

struct cki_digest {
	bool alg_text;
	int64_t alg;            /* when !alg_text */
	struct cki_text alg_name;
	struct ccakit_bytes val;
};
struct cki_digests {
	struct cki_digest *v;
	size_t n;
};

/* flags-map: 0 absent, 1 false, 2 true for keys 0..10. */
#define CKI_NFLAGS 11

struct cki_ireg {
	struct cki_ci key;      /* uint or tstr */
	struct cki_digests d;
};

/* measurement-values-map; a member is present when its bit is set. */
enum {
	CKI_MV_VERSION = 1u << 0,
	CKI_MV_SVN = 1u << 1,
	CKI_MV_DIGESTS = 1u << 2,
	CKI_MV_FLAGS = 1u << 3,
	CKI_MV_RAW = 1u << 4,
	CKI_MV_RAW_MASK = 1u << 5,
	CKI_MV_MAC = 1u << 6,
	CKI_MV_IP = 1u << 7,
	CKI_MV_SERIAL = 1u << 8,
	CKI_MV_UEID = 1u << 9,
	CKI_MV_UUID = 1u << 10,
	CKI_MV_NAME = 1u << 11,
	CKI_MV_CRYPTOKEYS = 1u << 13,
	CKI_MV_IREGS = 1u << 14,
	CKI_MV_INT_RANGE = 1u << 15,
};

struct cki_mval {
	unsigned present;
	struct cki_text version;
	bool has_vscheme;
	int64_t vscheme;
	struct cki_ci svn;          /* uint / #6.552 / #6.553 */
	struct cki_digests digests;
	uint8_t flags[CKI_NFLAGS];
	struct cki_exts flags_ext;
	struct cki_ci raw;          /* #6.560(bstr) / #6.563([bstr, bstr]) */
	struct ccakit_bytes raw_mask;
	struct ccakit_bytes mac, ip, ueid, uuid;
	struct cki_text serial, name;
	struct cki_ci *keys;        /* cryptokeys */
	size_t n_keys;
	struct cki_ireg *iregs;
	size_t n_iregs;
	struct cki_ci int_range;    /* int / #6.564 */
	struct cki_exts ext;
};

struct cki_meas {
	struct cki_ci mkey;         /* absent, uint, tstr, or a tag */
	struct cki_mval mval;
	bool has_authby;
	struct cki_ci *authby;      /* authorized-by: crypto-keys */
	size_t n_authby;
};

struct cki_class {
	struct cki_ci id;           /* class-id */
	struct cki_text vendor, model;
	bool has_layer, has_index;
	uint64_t layer, index;
};

struct cki_env {
	bool has_class;
	struct cki_class class;
	struct cki_ci instance;
	struct cki_ci group;
};

/* reference and endorsed triples */
struct cki_vtriple {
	struct cki_env env;
	struct cki_meas *m;
	size_t n;
};
/* identity and attest-key triples */
struct cki_ktriple {
	struct cki_env env;
	struct cki_ci *keys;
	size_t n_keys;
	struct cki_ci conditions;   /* optional map, kept verbatim */
};

struct cki_triples {
	bool has_ref, has_end, has_ident, has_ak;
	struct cki_vtriple *ref;
	size_t n_ref;
	struct cki_vtriple *end;
	size_t n_end;
	struct cki_ktriple *ident;
	size_t n_ident;
	struct cki_ktriple *ak;
	size_t n_ak;
	struct cki_exts other;      /* 4.. and extensions, verbatim */
};

struct cki_linked {
	struct cki_ci id;           /* tstr or bstr(16) */
	uint64_t rel;
};

struct ccakit_comid {
	struct cki_arena arena;
	struct cki_text lang;
	struct cki_ci tag_id;       /* tstr or bstr(16) */
	bool has_tag_version;
	uint64_t tag_version;
	struct cki_entity *ent;
	size_t n_ent;
	bool has_linked;
	struct cki_linked *linked;
	size_t n_linked;
	struct cki_triples t;
	struct cki_exts ext;
};

/* One entry of a CoRIM's tags array. */
struct cki_ctag {
	uint64_t tag;               /* 505..508 */
	bool legacy_wrap;           /* bstr(#6.50x(item)), pre-2025 */
	struct ccakit_bytes content;/* the tag's CBOR content */
	ccakit_comid *comid;        /* decoded when tag == 506 */
};

struct cki_locator {
	struct cki_ci href;         /* #6.32(tstr) or [+ uri] */
	struct cki_ci thumb;        /* digest or [+ digest], optional */
};

struct ccakit_corim {
	struct cki_arena arena;
	bool legacy_untagged;       /* no #6.501 */
	struct cki_ci id;           /* tstr or bstr(16) */
	struct cki_ctag *tags;
	size_t n_tags, cap_tags;
	struct cki_locator *deps;
	size_t n_deps;
	struct cki_ci profile;      /* #6.32 / #6.111 / tstr / [tstr] */
	char *profile_str;          /* NUL terminated, NULL when absent */
	enum ccakit_corim_profile_form pform;
	bool has_validity, has_nb;
	int64_t nb, na;
	struct cki_entity *ent;
	size_t n_ent;
	struct cki_exts ext;

	/* signed */
	bool is_signed;
	struct ccakit_bytes sign1;      /* the whole COSE_Sign1 */
	int alg;
	struct ccakit_bytes kid;        /* ptr NULL when absent */
	struct cki_text content_type;
	bool has_meta;
	struct cki_text signer_name, signer_uri;
	bool meta_has_nb, meta_has_na;
	int64_t meta_nb, meta_na;
	struct ccakit_bytes *x5chain;   /* leaf first */
	size_t n_x5;
};

/* --- arena helpers --- */
void *cki_corim_alloc(struct cki_arena *a, size_t n, size_t sz);
uint8_t *cki_corim_dup(struct cki_arena *a, const void *p, size_t n);
struct cki_text cki_corim_text(struct cki_arena *a, const char *s,
    size_t len);

/* --- decoding (decode.c) --- */
int cki_comid_decode_into(ccakit_comid *c, const uint8_t *buf, size_t len,
    struct ccakit_errdetail *d);
/* The string form of a profile item into the arena, or NULL. */
char *cki_corim_profile_string(struct cki_arena *a, struct cki_ci prof);
/* Check one crypto-key item (tag 554..562 with its content). */
int cki_corim_check_key(const struct ccakit_cbor_item *it, const char *ctx,
    struct ccakit_errdetail *d);
int cki_corim_check_digests(const struct ccakit_cbor_item *it,
    const char *ctx, struct ccakit_errdetail *d);
/* The expected length of a named-info algorithm id (0: unknown). */
size_t cki_corim_alg_len(int64_t alg);
/* The named-info id of a text algorithm name, or -1. */
int64_t cki_corim_alg_from_name(const char *s, size_t len);
const char *cki_corim_alg_name(int64_t alg);

/* --- encoding (encode.c) --- */
/* A growable buffer in the arena-free heap. */
struct cki_buf {
	uint8_t *p;
	size_t len, cap;
	int err;
};
void cki_buf_put(struct cki_buf *b, const void *p, size_t n);
/* CBOR items into a buffer (preferred serialization). */
enum { H_UINT, H_NINT, H_BSTR, H_TSTR, H_ARRAY, H_MAP, H_TAG };
void cki_cb_head(struct cki_buf *b, int kind, uint64_t v);
void cki_cb_int(struct cki_buf *b, int64_t v);
void cki_cb_bstr(struct cki_buf *b, const uint8_t *p, size_t n);
void cki_cb_text(struct cki_buf *b, struct cki_text t);
void cki_cb_bool(struct cki_buf *b, bool v);
/* A map written with its keys sorted (core deterministic): each
 * cki_mw_* adds a pair and returns the buffer its value goes to, to be
 * filled before the next pair is added; cki_mw_finish writes the map
 * into b and releases the pairs. A zero-initialised cki_mapw is empty. */
struct cki_pair {
	struct cki_buf k, v;
};
struct cki_mapw {
	struct cki_pair *p;
	size_t n, cap;
	int err;
};
struct cki_buf *cki_mw_int(struct cki_mapw *m, int64_t key);
struct cki_buf *cki_mw_raw(struct cki_mapw *m, struct cki_ci key);
void cki_mw_finish(struct cki_mapw *m, struct cki_buf *b);
/* Release the pairs without writing them (nothing after cki_mw_finish). */
void cki_mw_release(struct cki_mapw *m);
/* A map writer released whichever way its scope is left: for builders
 * that return early on an error. */
#define CKI_MAPW_SCOPED __attribute__((cleanup(cki_mw_release)))
int cki_comid_encode_buf(const ccakit_comid *c, struct cki_buf *b);
int cki_corim_encode_buf(const ccakit_corim *c, struct cki_buf *b);

/* --- JSON (json.c) --- */
json_t *cki_comid_json(const ccakit_comid *c);

/* --- item views --- */
/* Parse a stored item again (it was validated when stored). */
bool cki_ci_item(struct cki_ci ci, struct ccakit_cbor_item *it);
/* Tag number and content of a stored item; false when not a tag. */
bool cki_ci_tag(struct cki_ci ci, uint64_t *tag, struct ccakit_cbor_item *c);
/* The bytes of #6.<tag>(bstr); false otherwise. */
bool cki_ci_tagged_bytes(struct cki_ci ci, uint64_t tag,
    struct ccakit_bytes *b);
bool cki_ci_is_text(struct cki_ci ci, const char *s);
struct cki_ci cki_ci_of(const struct ccakit_cbor_item *it);

#endif /* CCAKIT_CORIM_PRIV_H */
