/* TOML documents: the tree, its arena and key index (not exported). */
#ifndef CCAKIT_TOML_PRIV_H
#define CCAKIT_TOML_PRIV_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/toml.h>

#include "util/util.h"

/* How a table or an array came to be (the redefinition rules). */
enum cki_tkind {
	TK_NONE = 0,    /* scalars */
	TK_IMPLICIT,    /* table: parent named by a [header], not defined */
	TK_HEADER,      /* table: root, [header], [[header]] element */
	TK_DOTTED,      /* table: created by dotted keys */
	TK_INLINE,      /* table: inline {...}; array: static [...] */
	TK_AOT,         /* array: of tables, [[header]] */
};

struct ccakit_toml_value {
	uint8_t type;             /* enum ccakit_toml_type */
	uint8_t kind;             /* enum cki_tkind */
	uint8_t used;
	uint32_t depth;           /* root 0 */
	uint32_t line, col;       /* ccakit_toml_pos */
	uint32_t kline, kcol;     /* the key (the value, for elements) */
	struct ccakit_toml_value *parent;
	const char *key;          /* NUL-terminated; NULL: root, element */
	size_t keylen;
	union {
		struct {
			const char *s;
			size_t len;
		} str;
		int64_t i;
		double f;
		bool b;
		struct ccakit_toml_datetime *dt;
		struct {          /* array elements, table values in order */
			struct ccakit_toml_value **v;
			size_t len, cap;
		} vec;
	} u;
};

struct cki_tslot {
	struct ccakit_toml_value *n;
	uint64_t h;
};

struct ccakit_toml {
	struct cki_arena arena;
	struct cki_tslot *slots;  /* (parent, key) -> child, open addressing */
	size_t nslots, count;
	uint64_t k0, k1;          /* SipHash key, random per document */
	char *name;               /* for messages; NULL when unnamed */
	bool parsed;              /* a document is parsed into once */
	ccakit_toml_value root;   /* so that any value leads to its document */
};

/* The document a value belongs to. */
ccakit_toml *cki_toml_doc(const ccakit_toml_value *v);

/*
 * Fill d with "name:line:col: message" (no position when line is 0, no
 * name when name is NULL) and return code.
 */
int cki_toml_vdetail(struct ccakit_errdetail *d, int code, const char *name,
    uint32_t line, uint32_t col, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 0)))
#endif
    ;

/* A new empty document (root table); NULL when out of memory. */
/* Name a new, empty document and size its arena for a parse; reset it to
 * empty again (a failed parse). */
int cki_toml_prepare(ccakit_toml *doc, const char *name, size_t hint);
void cki_toml_reset(ccakit_toml *doc);
/* A new node (zeroed but for type, kind, depth), NULL when out of memory. */
ccakit_toml_value *cki_toml_node(ccakit_toml *doc, uint8_t type,
    uint8_t kind, uint32_t depth);
/* The child of table t named key, or NULL. */
ccakit_toml_value *cki_toml_find(const ccakit_toml *doc,
    const ccakit_toml_value *t, const char *key, size_t keylen);
/* Append n under table t as key (a copy in the arena): CCAKIT_OK or
 * CCAKIT_ERR_NOMEM. The caller has checked that the key is new. */
int cki_toml_insert(ccakit_toml *doc, ccakit_toml_value *t,
    ccakit_toml_value *n, const char *key, size_t keylen);
/* Append n to array a: CCAKIT_OK or CCAKIT_ERR_NOMEM. */
int cki_toml_push(ccakit_toml *doc, ccakit_toml_value *a,
    ccakit_toml_value *n);

/* Key parsing shared by the parser and the getters' paths. */
struct cki_tkey {
	const char *s;            /* decoded, NUL-terminated, in the arena */
	size_t len;
	uint32_t line, col;
};

/*
 * Parse the dotted key `path` (TOML key syntax, whole string) into at
 * most max segments allocated in a: CCAKIT_OK, CCAKIT_ERR_INVALID_ARG
 * (bad key), CCAKIT_ERR_NOMEM.
 */
int cki_toml_parse_path(struct cki_arena *a, const char *path,
    struct cki_tkey *segs, size_t max, size_t *n);

/* Write a key as it appears in a path (bare or double-quoted). */
size_t cki_toml_key_text(const char *key, size_t len, char *buf,
    size_t size);

#endif
