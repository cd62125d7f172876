/*
 * TOML 1.0.0 documents: a strict parser and a read API for configuration
 * loaders ("read every key or refuse with a clear message; unknown keys
 * refused").
 *
 * A document is parsed whole into a tree that the caller reads through
 * borrowed value handles. Every getter takes a table and a path written
 * in TOML key syntax (`http_server.sockets`, `a."b.c"`), checks the type
 * and marks the keys it went through as used; ccakit_toml_check_unused()
 * then names the first key the loader did not read, with its file, line
 * and column. A loader therefore reads:
 *
 *	ccakit_toml *doc = ccakit_toml_new();
 *	ccakit_toml_value *root;
 *	int64_t workers = 4;
 *	bool insecure = false;
 *
 *	if ((r = ccakit_toml_parse_file(doc, path, NULL, d)) != CCAKIT_OK)
 *		return r;                // "kbs.toml:3:9: expected '='"
 *	root = ccakit_toml_root(doc);
 *	r = ccakit_toml_get_int_range(root, "http_server.worker_count",
 *	    1, 1024, &workers, d);
 *	if (r == CCAKIT_OK || r == CCAKIT_ERR_NOT_FOUND)  // optional key
 *		r = ccakit_toml_get_bool(root, "http_server.insecure_http",
 *		    &insecure, d);
 *	...
 *	if (r == CCAKIT_OK || r == CCAKIT_ERR_NOT_FOUND)
 *		r = ccakit_toml_check_unused(root, NULL, d);
 *	// "kbs.toml:7:1: unknown key 'http_server.sokets'"
 *
 * A getter leaves *out untouched unless it returns CCAKIT_OK, so a
 * default stored there beforehand survives an absent key.
 *
 * Strictness (see docs/toml.md): TOML 1.0.0 exactly, not 1.1: valid UTF-8
 * (one leading BOM skipped), no control characters other than tab in
 * strings and comments, LF or CRLF line ends (a bare CR is refused), all
 * escape, integer, float and date-time rules, 64-bit integers (overflow
 * refused), finite floats (a literal that overflows binary64 is refused;
 * inf and nan spelled as such are accepted), no duplicate keys, no table
 * defined twice, dotted keys never extend a table defined elsewhere,
 * inline tables and static arrays are closed.
 *
 * Bounds: input size (CCAKIT_TOML_MAX_SIZE by default) and nesting depth
 * of tables and arrays, counting key segments and inline values alike
 * (CCAKIT_TOML_MAX_DEPTH by default); memory is linear in the input and
 * time linear in the input (keys are found through a keyed hash table).
 *
 * Getters write the used-key marks: one thread at a time per document.
 */
#ifndef CCAKIT_TOML_H
#define CCAKIT_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/err.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CCAKIT_TOML_MAX_SIZE   (1024 * 1024)  /* default input cap, bytes */
#define CCAKIT_TOML_MAX_DEPTH  128            /* default nesting cap */
#define CCAKIT_TOML_DEPTH_LIMIT 512           /* largest cap accepted */

/* A parsed document; owns every value, key and string in it. */
typedef struct ccakit_toml ccakit_toml;
/* A table, array or scalar inside a document (borrowed from it). */
typedef struct ccakit_toml_value ccakit_toml_value;

/* Caps; a zero member means its default. */
struct ccakit_toml_limits {
	size_t max_size;      /* input bytes */
	unsigned max_depth;   /* 1..CCAKIT_TOML_DEPTH_LIMIT */
};

/* An empty document (an empty root table), or NULL when out of memory. */
ccakit_toml *ccakit_toml_new(void);
/* Accepts NULL, sets *tp to NULL. */
void ccakit_toml_free(ccakit_toml **tp);

/*
 * Parse a document into doc, which must be empty (a document is parsed
 * into once: CCAKIT_ERR_INVALID_ARG otherwise; a failed parse leaves it
 * empty). `name` (may be NULL) is how errors name the input, e.g. the
 * file name; lim may be NULL for the defaults. Errors, with
 * "name:line:col: reason" in d->text (column in characters, 1-based):
 * CCAKIT_ERR_TOML (syntax, structure, nesting cap), CCAKIT_ERR_TOO_LARGE
 * (size cap), CCAKIT_ERR_NOMEM, CCAKIT_ERR_INVALID_ARG.
 */
int ccakit_toml_parse(ccakit_toml *doc, const char *text, size_t len,
    const char *name, const struct ccakit_toml_limits *lim,
    struct ccakit_errdetail *d);
/* Read a file (or stdin for "-") under the size cap and parse it; the
 * path names the input in errors. CCAKIT_ERR_IO when unreadable. */
int ccakit_toml_parse_file(ccakit_toml *doc, const char *path,
    const struct ccakit_toml_limits *lim, struct ccakit_errdetail *d);

/* The top-level table. */
ccakit_toml_value *ccakit_toml_root(ccakit_toml *t);

enum ccakit_toml_type {
	CCAKIT_TOML_STRING = 1,
	CCAKIT_TOML_INTEGER,
	CCAKIT_TOML_FLOAT,
	CCAKIT_TOML_BOOL,
	CCAKIT_TOML_DATETIME,        /* offset date-time: 1979-05-27T07:32:00Z */
	CCAKIT_TOML_DATETIME_LOCAL,  /* local date-time: 1979-05-27T07:32:00 */
	CCAKIT_TOML_DATE_LOCAL,      /* local date: 1979-05-27 */
	CCAKIT_TOML_TIME_LOCAL,      /* local time: 07:32:00 */
	CCAKIT_TOML_ARRAY,
	CCAKIT_TOML_TABLE,
};

/* The value's type; 0 for NULL. */
enum ccakit_toml_type ccakit_toml_type(const ccakit_toml_value *v);
/* "string", "integer", "float", "boolean", "offset date-time",
 * "local date-time", "local date", "local time", "array", "table". */
const char *ccakit_toml_type_name(enum ccakit_toml_type type);

/* Any of the four date-time kinds, fields as written. */
struct ccakit_toml_datetime {
	enum ccakit_toml_type kind;
	int year, month, day;        /* 0 for a local time */
	int hour, minute, second;    /* 0 for a local date; second <= 60 */
	uint32_t nanosecond;         /* fraction; digits past the 9th dropped */
	int offset_minutes;          /* offset date-time: east of UTC (Z: 0) */
	const char *text;            /* the literal as written (borrowed) */
};

/*
 * Where a value is: 1-based line and column (in characters). For a
 * table defined by a [header] or by dotted keys, and for an array of
 * tables, that is where its key is written; for any other value, where
 * the value starts.
 */
void ccakit_toml_pos(const ccakit_toml_value *v, unsigned *line,
    unsigned *col);
/*
 * The value's path from the root for messages: keys joined by '.', a key
 * that is not bare in double quotes, array elements as [i]:
 * `plugins[1].name`, `a."b.c"`. Truncated to fit size (always
 * NUL-terminated when size > 0); returns the full length.
 */
size_t ccakit_toml_path(const ccakit_toml_value *v, char *buf, size_t size);

/* --- tables and arrays (no marking) --- */

/* Number of keys (0 for a non-table). */
size_t ccakit_toml_table_len(const ccakit_toml_value *t);
/* The i-th key in document order and its value (NULL past the end).
 * keylen (may be NULL) receives the key's length: a quoted key may
 * contain U+0000. */
ccakit_toml_value *ccakit_toml_table_at(ccakit_toml_value *t, size_t i,
    const char **key, size_t *keylen);
/* Number of elements (0 for a non-array) and the i-th (NULL past end). */
size_t ccakit_toml_array_len(const ccakit_toml_value *a);
ccakit_toml_value *ccakit_toml_array_at(ccakit_toml_value *a, size_t i);
/* Look up a path (TOML key syntax) below table t without marking it;
 * NULL when absent, when a segment is not a table or the path is bad. */
ccakit_toml_value *ccakit_toml_lookup(ccakit_toml_value *t,
    const char *path);

/* A string value's bytes (NUL-terminated; *len may count inner NULs), or
 * NULL for a non-string. No marking. */
const char *ccakit_toml_string(const ccakit_toml_value *v, size_t *len);

/*
 * --- typed getters ---
 *
 * Look up `path` (TOML key syntax) below table t, or take t itself when
 * path is NULL (e.g. an array element), check the type, mark every key
 * on the way as used and store the value in *out. Returns:
 *  CCAKIT_OK;
 *  CCAKIT_ERR_NOT_FOUND when the key is absent, d: "missing key 'x.y'"
 *    (the table's position when it has one);
 *  CCAKIT_ERR_CONFIG for a value of the wrong type, a segment that is not
 *    a table, a value out of range, a string with U+0000, d:
 *    "name:line:col: x.y: expected string, found integer";
 *  CCAKIT_ERR_INVALID_ARG when path is not a valid TOML key.
 * Strings are NUL-terminated and borrowed from the document.
 */
int ccakit_toml_get_string(ccakit_toml_value *t, const char *path,
    const char **out, struct ccakit_errdetail *d);
int ccakit_toml_get_int(ccakit_toml_value *t, const char *path,
    int64_t *out, struct ccakit_errdetail *d);
/* An integer in [min, max], else CCAKIT_ERR_CONFIG naming the range. */
int ccakit_toml_get_int_range(ccakit_toml_value *t, const char *path,
    int64_t min, int64_t max, int64_t *out, struct ccakit_errdetail *d);
/* A float; an integer is accepted too and converted (as serde does for
 * f64 fields) when it is exactly representable. */
int ccakit_toml_get_float(ccakit_toml_value *t, const char *path,
    double *out, struct ccakit_errdetail *d);
int ccakit_toml_get_bool(ccakit_toml_value *t, const char *path,
    bool *out, struct ccakit_errdetail *d);
/* Any of the four date-time kinds; out->kind says which. */
int ccakit_toml_get_datetime(ccakit_toml_value *t, const char *path,
    struct ccakit_toml_datetime *out, struct ccakit_errdetail *d);
int ccakit_toml_get_array(ccakit_toml_value *t, const char *path,
    ccakit_toml_value **out, struct ccakit_errdetail *d);
int ccakit_toml_get_table(ccakit_toml_value *t, const char *path,
    ccakit_toml_value **out, struct ccakit_errdetail *d);

/* --- unknown keys --- */

/* Mark a value as used (and everything below it when recursive), e.g. a
 * sub-table the caller passes on as a whole. */
void ccakit_toml_mark_used(ccakit_toml_value *v, bool recursive);
/*
 * The first key below t, in document order and depth first (through
 * used tables, arrays of tables and inline tables in arrays), that no
 * getter read and ccakit_toml_mark_used did not mark. CCAKIT_OK when
 * there is none; else CCAKIT_ERR_CONFIG, *first (may be NULL) the value
 * and d: "name:line:col: unknown key 'plugins[1].nmae'".
 */
int ccakit_toml_check_unused(ccakit_toml_value *t,
    ccakit_toml_value **first, struct ccakit_errdetail *d);

/*
 * A loader's own verdict on a value, in the same form as the getters':
 * d->text = "name:line:col: <path>: <message>". Returns code.
 */
int ccakit_toml_error(const ccakit_toml_value *v, int code,
    struct ccakit_errdetail *d, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#ifdef __cplusplus
}
#endif

#endif /* CCAKIT_TOML_H */
