/*
 * Rego engine internals shared by the files of lib/rego (not exported).
 *
 * Layers: arena (memory) -> values (rv) -> numbers, JSON, formatting ->
 * lexer/parser (AST) -> compiler (resolution, rewriting, safety, rule
 * tree) -> evaluator -> built-ins (bi_*.c, one family per file, listed
 * in builtins.c).
 */
#ifndef CCAKIT_REGO_PRIV_H
#define CCAKIT_REGO_PRIV_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/err.h>
#include <ccakit/rego.h>

#include "util/util.h"

/* ------------------------------------------------------------------ */
/* Arena: bump allocation in chunks, freed all at once, with a cap.    */

struct rego_chunk;

struct rego_arena {
	struct rego_chunk *head;  /* current chunk (list of all chunks) */
	size_t total;             /* bytes of all chunks */
	size_t cap;               /* 0: unlimited */
	bool failed;              /* an allocation failed (cap or OOM) */
};

void ra_init(struct rego_arena *a, size_t cap);
/* 8-byte aligned; NULL (and a->failed) past the cap or out of memory. */
void *ra_alloc(struct rego_arena *a, size_t n);
void *ra_zalloc(struct rego_arena *a, size_t n);
char *ra_strndup(struct rego_arena *a, const char *s, size_t n);
/* Keep the largest chunk (up to 4 MiB) for reuse, free the others. */
void ra_reset(struct rego_arena *a);
void ra_free(struct rego_arena *a);

/* ------------------------------------------------------------------ */
/* Values.                                                              */

typedef struct ccakit_rego_value rv;

/* The order of the kinds is Rego's sort order. */
enum { RV_NULL = 0, RV_BOOL, RV_NUM, RV_STR, RV_ARR, RV_OBJ, RV_SET };
enum { RN_INT = 0, RN_BIG, RN_FLT };

struct ccakit_rego_value {
	uint8_t t;        /* RV_* */
	uint8_t nt;       /* RN_* for numbers */
	uint8_t b;        /* boolean value */
	uint8_t pad;
	uint32_t n;       /* string bytes; array/set/object members */
	union {
		int64_t i;            /* RN_INT */
		double f;             /* RN_FLT */
		const char *s;        /* RV_STR bytes (NUL-terminated);
		                         RN_BIG decimal digits with sign */
		const rv **a;         /* array items; set items and object
		                         keys sorted by rv_cmp */
	} u;
	const void *x;    /* RV_OBJ: const rv ** values;
	                     RN_FLT: literal text or NULL */
};

extern const rv rv_null_v, rv_true_v, rv_false_v, rv_empty_str_v,
    rv_empty_arr_v, rv_empty_obj_v, rv_empty_set_v;
#define RV_NULLV   (&rv_null_v)
#define RV_TRUE    (&rv_true_v)
#define RV_FALSE   (&rv_false_v)
#define RV_BOOLV(b) ((b) ? RV_TRUE : RV_FALSE)

static inline const rv *const *
rv_obj_vals(const rv *o)
{
	return (const rv *const *)o->x;
}

const char *rv_type_name(const rv *v);
int rv_cmp(const rv *a, const rv *b);
bool rv_eq(const rv *a, const rv *b);
bool rv_is_false(const rv *v);  /* the boolean false */

const rv *rv_int(struct rego_arena *a, int64_t i);
const rv *rv_dbl(struct rego_arena *a, double f); /* integral -> int */
const rv *rv_str(struct rego_arena *a, const char *s, size_t n);
const rv *rv_cstr(struct rego_arena *a, const char *s);
/* A string over existing bytes (s must be NUL-terminated at n and
 * outlive the value). */
const rv *rv_str_ref(struct rego_arena *a, const char *s, size_t n);
/* Arrays take ownership of the item vector (allocated in the arena). */
const rv *rv_arr(struct rego_arena *a, const rv **items, size_t n);
const rv *rv_arr_copy(struct rego_arena *a, const rv *const *items,
    size_t n);
/* Sets/objects: the vectors are sorted and deduplicated in place. For
 * objects, a repeated key keeps the last value; *dup (may be NULL) is
 * set when a repeated key had a different value. */
const rv *rv_set(struct rego_arena *a, const rv **items, size_t n);
const rv *rv_obj(struct rego_arena *a, const rv **keys, const rv **vals,
    size_t n, bool *dup);
/* Already sorted and unique (no check). */
const rv *rv_set_sorted(struct rego_arena *a, const rv **items, size_t n);
const rv *rv_obj_sorted(struct rego_arena *a, const rv **keys,
    const rv **vals, size_t n);

/* Index of key in a sorted vector (set items, object keys), or -1. */
long rv_bsearch(const rv *const *k, size_t n, const rv *key);
/* Lookups: object member, set member, array element by number. */
const rv *rv_obj_get(const rv *o, const rv *key);
const rv *rv_obj_gets(const rv *o, const char *key, size_t n);
bool rv_set_has(const rv *s, const rv *v);
/* ref-style lookup: array index, object key, set member; NULL if none */
const rv *rv_get(const rv *coll, const rv *key);

/* Object update helpers (return new values). */
const rv *rv_obj_put(struct rego_arena *a, const rv *o, const rv *key,
    const rv *val);

/* A growable vector of values in an arena. */
struct rv_vec {
	const rv **v;
	size_t n, cap;
	struct rego_arena *a;
};
void rvv_init(struct rv_vec *vv, struct rego_arena *a);
int rvv_push(struct rv_vec *vv, const rv *x);   /* 0 or -1 (memory) */

/* ------------------------------------------------------------------ */
/* Numbers (num.c).                                                     */

/* Literal text (JSON / Rego number syntax) to a number; NULL if the
 * text is not a number or the arena is full (a->failed then). */
const rv *rv_num_parse(struct rego_arena *a, const char *s, size_t n);
int rv_num_cmp(const rv *a, const rv *b);
bool rv_num_is_int(const rv *v);                 /* int or big */
bool rv_num_i64(const rv *v, int64_t *out);      /* integral, in range */
double rv_num_dbl(const rv *v);
/* Decimal text of a number (OPA's rendering); returns length. */
size_t rv_num_text(const rv *v, char *buf, size_t len);
/* Go's strconv.FormatFloat(f, 'g', -1, 64): shortest round-trip digits,
 * exponent form below 1e-4 and from 1e21 ('E' when upper). */
size_t rv_fmt_double(double f, char *buf, size_t len, bool upper);

enum { NUM_OK = 0, NUM_EDIVZERO, NUM_EMODZERO, NUM_EMODFLOAT, NUM_ENOMEM,
	NUM_ERANGE };
int rv_num_add(struct rego_arena *a, const rv *x, const rv *y,
    const rv **out);
int rv_num_sub(struct rego_arena *a, const rv *x, const rv *y,
    const rv **out);
int rv_num_mul(struct rego_arena *a, const rv *x, const rv *y,
    const rv **out);
int rv_num_div(struct rego_arena *a, const rv *x, const rv *y,
    const rv **out);
int rv_num_rem(struct rego_arena *a, const rv *x, const rv *y,
    const rv **out);
int rv_num_neg(struct rego_arena *a, const rv *x, const rv **out);
int rv_num_shift(struct rego_arena *a, const rv *x, uint64_t s, bool left,
    const rv **out);
/* For integral numbers: round/floor/ceil/abs. */
int rv_num_round(struct rego_arena *a, const rv *x, int mode,
    const rv **out);  /* mode: 0 round, 1 floor, 2 ceil, 3 abs */

/* ------------------------------------------------------------------ */
/* Text buffers (malloc'd, capped).                                     */

struct rego_buf {
	char *p;
	size_t len, cap, max;
	bool oom;
};
void rb_init(struct rego_buf *b, size_t max);
void rb_free(struct rego_buf *b);
void rb_putc(struct rego_buf *b, char c);
void rb_put(struct rego_buf *b, const char *s, size_t n);
void rb_puts(struct rego_buf *b, const char *s);
void rb_printf(struct rego_buf *b, const char *fmt, ...) CKI_PRINTF(2, 3);
/* NUL-terminated contents ("" when empty). */
const char *rb_str(struct rego_buf *b);

/* JSON (json.c). */
int rego_json_parse(struct rego_arena *a, const char *s, size_t n,
    size_t max_depth, const rv **out, char *err, size_t errlen);
/* JSON text of v (sets as arrays, non-string keys as JSON text). */
void rego_json_write(struct rego_buf *b, const rv *v, bool pretty,
    int indent);
/* JSON with Go's MarshalIndent layout: each line after the first
 * starts with prefix + indent per level (indent NULL: compact); html:
 * escape <, >, & as Go's encoder does. */
struct rego_json_opts {
	const char *prefix;
	const char *indent;
	bool html;
};
void rego_json_write_opts(struct rego_buf *b, const rv *v,
    const struct rego_json_opts *o);
/* JSON string literal (with quotes) of bytes. */
void rego_json_str(struct rego_buf *b, const char *s, size_t n);

/* Go's strconv.FormatFloat(f, fmt, -1, bits) for fmt 'e', 'f', 'g'
 * (bi_yaml.c): shortest digits; 'g' switches to 'e' below 1e-4 and from
 * 1e6 (fmt's %v of a float64). */
void rego_go_fmt_float(struct rego_buf *b, double f, char fmt, int bits);
/* Go's encoding/json text of a finite float64 (bi_yaml.c). */
void rego_go_json_float(struct rego_buf *b, double f);

/* Rego term text (fmt.c): strings quoted, sets as {..} / set(). */
void rego_fmt_term(struct rego_buf *b, const rv *v);
/* As above, but a top-level string is printed raw (sprintf %v). */
void rego_fmt_value(struct rego_buf *b, const rv *v);
/* Go's strconv.Quote. */
void rego_fmt_quote(struct rego_buf *b, const char *s, size_t n);

/* UTF-8 helpers. */
size_t rego_utf8_len(const char *s, size_t n);    /* code points */
/* Decode one code point at s (n bytes left); returns bytes consumed
 * (1 for invalid bytes, *cp = 0xFFFD). */
size_t rego_utf8_dec(const char *s, size_t n, uint32_t *cp);
size_t rego_utf8_enc(uint32_t cp, char *out);
bool rego_utf8_valid(const char *s, size_t n);

/* ------------------------------------------------------------------ */
/* Diagnostics.                                                         */

#define REGO_PARSE_ERR     "rego_parse_error"
#define REGO_COMPILE_ERR   "rego_compile_error"
#define REGO_TYPE_ERR      "rego_type_error"
#define REGO_UNSAFE_ERR    "rego_unsafe_var_error"
#define REGO_RECURSION_ERR "rego_recursion_error"
#define EVAL_CONFLICT_ERR  "eval_conflict_error"
#define EVAL_TYPE_ERR      "eval_type_error"
#define EVAL_BUILTIN_ERR   "eval_builtin_error"
#define EVAL_INTERNAL_ERR  "eval_internal_error"
#define EVAL_LIMIT_ERR     "eval_limit_error"

struct rego_loc {
	const char *file;
	int row, col;
};

struct rego_diags {
	struct ccakit_rego_diag *d;
	size_t n, cap;
};
void rd_add(struct rego_diags *ds, const char *code,
    const struct rego_loc *loc, const char *fmt, ...) CKI_PRINTF(4, 5);
void rd_vadd(struct rego_diags *ds, const char *code,
    const struct rego_loc *loc, const char *fmt, va_list ap)
    CKI_PRINTF(4, 0);
void rd_free(struct rego_diags *ds);
void rego_diag_set(struct ccakit_rego_diag *dg, const char *code,
    const struct rego_loc *loc, const char *fmt, va_list ap)
    CKI_PRINTF(4, 0);
/* Fill an errdetail from a diagnostic; returns code. */
int rego_detail(struct ccakit_errdetail *d, int code,
    const struct ccakit_rego_diag *dg);

/* ------------------------------------------------------------------ */
/* AST.                                                                 */

enum {
	K_VALUE = 0,   /* constant (scalar or ground composite): u.v */
	K_VAR,         /* u.var */
	K_REF,         /* u.l: items[0] head (var, call, composite), rest */
	K_ARRAY,       /* u.l */
	K_SET,         /* u.l */
	K_OBJECT,      /* u.o */
	K_ACOMP,       /* u.c: head, body */
	K_SCOMP,       /* u.c */
	K_OCOMP,       /* u.c: key, head (value), body */
	K_CALL,        /* u.l: items[0] operator (ref or var), args */
	K_TEMPLATE,    /* u.l: parts: K_VALUE strings, K_TPLEXPR */
	K_TPLEXPR,     /* u.e: one template expression */
};

/* Variable flags. */
#define VF_WILDCARD  0x01u   /* `_` */
#define VF_GEN       0x02u   /* compiler generated */

struct rego_expr;
struct rego_body;
struct rego_callee;

struct rego_term {
	uint8_t kind;
	uint8_t vflags;          /* K_VAR: VF_* */
	uint8_t ground;          /* compile: no vars below */
	uint8_t pad;
	int row, col;
	union {
		const rv *v;
		struct {
			const char *name;
			int slot;            /* frame slot after compile */
			int id;              /* resolution id */
		} var;
		struct {
			struct rego_term **items;
			size_t n;
		} l;
		struct {
			struct rego_term **keys, **vals;
			size_t n;
		} o;
		struct {
			struct rego_term *key, *head;
			struct rego_body *body;
		} c;
		struct rego_expr *e;
	} u;
	const struct rego_callee *callee;  /* K_CALL after compile */
};

enum {
	E_TERM = 0,    /* terms[0] */
	E_CALL,        /* terms[0] operator, terms[1..] args (+ output) */
	E_UNIFY,       /* terms[0] = terms[1] */
	E_ASSIGN,      /* terms[0] := terms[1] */
	E_SOME,        /* some x, y: terms = vars; some x in xs: terms[0]
	                  is a member call */
	E_EVERY,       /* every */
	E_NOT,         /* compiled: sub */
	E_WITH,        /* compiled: sub under withs */
};

struct rego_with {
	struct rego_term *target, *value;
	int row, col;
	/* compiled */
	uint8_t kind;            /* W_INPUT, W_DATA, W_FUNC */
	const rv **path;         /* W_INPUT/W_DATA: path below the root */
	size_t npath;
	const struct rego_callee *fn;     /* W_FUNC: replaced function */
	const struct rego_callee *repl;   /* W_FUNC: replacement function
	                                     (NULL: value) */
};
enum { W_INPUT = 0, W_DATA, W_FUNC };

struct rego_expr {
	uint8_t kind;
	uint8_t negated;
	uint8_t gen;             /* generated by the compiler */
	uint8_t capture;         /* query: top-level value captured */
	int row, col;
	const char *text;        /* source text (query expressions) */
	struct rego_term **terms;
	size_t nterms;
	struct rego_with **with;
	size_t nwith;
	struct {
		struct rego_term *key, *value, *domain;
		struct rego_body *body;
	} every;
	struct rego_body *sub;   /* E_NOT, E_WITH */
	int capture_slot;        /* query capture var slot or -1 */
	int scope;               /* compile: scope of a template expr */
	const struct rego_callee *callee;  /* E_CALL after compile */
	uint8_t nargs;           /* E_CALL: operands (terms[1..nargs]) */
	uint8_t has_out;         /* E_CALL: terms[nargs + 1] is output */
};

struct rego_body {
	struct rego_expr **e;
	size_t n;
	int scope;               /* compile: scope id */
};

/* Frame slots of the root documents in K_VAR terms (refs' heads). */
#define SLOT_INPUT  (-2)
#define SLOT_DATA   (-3)

struct rego_import {
	struct rego_term *path;      /* K_REF */
	const char *alias;
	int row, col;
};

struct rego_module;

struct rego_rule {
	struct rego_module *mod;
	int row, col;
	struct rego_term *ref;       /* head ref (K_REF of var + parts) or
	                                K_VAR */
	struct rego_term **args;     /* functions */
	size_t nargs;
	bool is_func;
	bool is_default;
	bool is_multi;               /* `contains` (partial set) */
	bool assign;                 /* `:=` */
	struct rego_term *key;       /* multi-value: element term */
	struct rego_term *value;     /* single-value: value term */
	struct rego_body *body;
	struct rego_rule *else_;     /* else chain */
	/* compiled */
	const rv **path;             /* full path below data */
	size_t npath;
	size_t nground;              /* ground prefix length of path */
	struct rego_term **dynpath;  /* path terms after the ground prefix */
	size_t ndyn;
	int nslots;
	int id;
	bool const_value;            /* value term ground: early exit */
	struct rego_dnode *node;
};

/* A comment: the text after '#' (not NUL-terminated). */
struct rego_comment {
	int row, col;
	const char *text;
	size_t len;
};

struct rego_module {
	const char *file;
	struct rego_term *pkg;        /* K_REF data.a.b */
	const rv **pkgpath;
	size_t npkg;
	struct rego_import **imports;
	size_t nimports;
	struct rego_rule **rules;
	size_t nrules;
	const char *text;
	size_t textlen;
	const struct rego_comment *comments;   /* in source order */
	size_t ncomments;
};

/* Parser (parse.c). Everything allocated in `a`; errors appended. */
int rego_parse_module(struct rego_arena *a, const char *file,
    const char *text, size_t len, struct rego_module **out,
    struct rego_diags *ds);
int rego_parse_query(struct rego_arena *a, const char *text, size_t len,
    struct rego_body **out, struct rego_diags *ds);
/* A single Rego term (e.g. an input_term); only constants allowed. */
int rego_parse_value(struct rego_arena *a, const char *text, size_t len,
    const rv **out, struct rego_diags *ds);

/* ------------------------------------------------------------------ */
/* Built-ins.                                                           */

struct rego_bi_def {
	const char *name;
	uint8_t arity;
	uint8_t flags;            /* CCAKIT_REGO_BI_*, REGO_BI_RELATION */
	ccakit_rego_builtin_fn fn;
};
/* A relation (walk): the function returns an array of results and the
 * call has one solution per element. */
#define REGO_BI_RELATION  0x80u

/* Each family (bi_<family>.c) defines a table ending with {NULL}. */
extern const struct rego_bi_def rego_bi_core[];      /* bi_core.c */
extern const struct rego_bi_def rego_bi_numbers[];   /* bi_numbers.c */
extern const struct rego_bi_def rego_bi_agg[];       /* bi_agg.c */
extern const struct rego_bi_def rego_bi_strings[];   /* bi_strings.c */
extern const struct rego_bi_def rego_bi_objects[];   /* bi_objects.c */
extern const struct rego_bi_def rego_bi_types[];     /* bi_types.c */
extern const struct rego_bi_def rego_bi_time[];      /* bi_time.c */
extern const struct rego_bi_def rego_bi_encoding[];  /* bi_encoding.c */
extern const struct rego_bi_def rego_bi_http[];      /* bi_http.c */
extern const struct rego_bi_def rego_bi_graph[];     /* bi_graph.c */
extern const struct rego_bi_def rego_bi_jsonpatch[]; /* bi_jsonpatch.c */
extern const struct rego_bi_def rego_bi_yaml[];      /* bi_yaml.c */
extern const struct rego_bi_def rego_bi_template[];  /* bi_template.c */
extern const struct rego_bi_def rego_bi_jsonschema[]; /* bi_jsonschema.c */
extern const struct rego_bi_def rego_bi_meta[];      /* bi_meta.c */

extern const struct rego_bi_def rego_bi_net[];       /* bi_net.c */
extern const struct rego_bi_def rego_bi_crypto[];    /* bi_crypto.c */
extern const struct rego_bi_def rego_bi_x509[];      /* bi_x509.c */
extern const struct rego_bi_def rego_bi_jwt[];       /* bi_jwt.c */

extern const struct rego_bi_def rego_bi_regex[];     /* bi_regex.c */
extern const struct rego_bi_def rego_bi_glob[];      /* bi_glob.c */
extern const struct rego_bi_def rego_bi_units[];     /* bi_units.c */
extern const struct rego_bi_def rego_bi_semver[];    /* bi_semver.c */
extern const struct rego_bi_def rego_bi_uuid[];      /* bi_uuid.c */

/* YAML text to a value as yaml.unmarshal reads it (bi_yaml.c), in the
 * evaluation's memory: CCAKIT_OK; CCAKIT_ERR_JSON or
 * CCAKIT_ERR_TOO_LARGE with go-yaml's message in err; or an evaluation
 * error (limits) to return from the built-in. */
int rego_yaml_load(ccakit_rego_bictx *ctx, const char *text, size_t len,
    const rv **out, char *err, size_t errlen);

/* Lookup in the standard library (NULL if unknown). */
const struct rego_bi_def *rego_bi_lookup(const char *name);
/* Names of OPA built-ins not implemented here (for error messages). */
bool rego_bi_known_missing(const char *name);

/* What a call resolves to. */
struct rego_callee {
	uint8_t kind;             /* CALLEE_BI, CALLEE_FUNC */
	uint8_t arity;
	const char *name;         /* "count", "data.a.f" */
	const struct rego_bi_def *bi;
	struct rego_dnode *node;  /* functions at this path */
	int id;                   /* index for `with` replacement */
};
enum { CALLEE_BI = 0, CALLEE_FUNC };

/* The context a built-in sees. */
struct ccakit_rego_bictx {
	struct rego_ev *ev;
	const char *name;
	int row, col;
	const char *file;
};

struct rego_arena *rego_bi_arena(ccakit_rego_bictx *ctx);
/* Type-error helper with OPA's wording: "operand POS must be WANT but
 * got TYPE". */
int rego_bi_operr(ccakit_rego_bictx *ctx, unsigned pos, const char *want,
    const rv *got);
/* Type error with a free message (eval_type_error "NAME: MSG"). */
int rego_bi_typeerr(ccakit_rego_bictx *ctx, const char *fmt, ...)
    CKI_PRINTF(2, 3);
/* Return value for "out of memory / limit" inside a built-in. */
int rego_bi_nomem(ccakit_rego_bictx *ctx);
/* Scratch buffer reused per evaluation (emptied by this call). */
struct rego_buf *rego_bi_buf(ccakit_rego_bictx *ctx);
/* --strict-builtin-errors in effect? */
bool rego_bi_strict(ccakit_rego_bictx *ctx);
/* Fail with eval_conflict_error (never swallowed in non-strict mode). */
int rego_bi_conflict(ccakit_rego_bictx *ctx, const char *fmt, ...)
    CKI_PRINTF(2, 3);
/* Call a function (user-defined or built-in) from a built-in. */
int rego_bi_call_func(ccakit_rego_bictx *ctx, const struct rego_callee *ce,
    const rv *const *args, const rv **out);
const struct ccakit_rego_policy *rego_bi_policy(ccakit_rego_bictx *ctx);
/* Per-query memo for non-deterministic built-ins (rand.intn, ...):
 * the value stored under key (compared as a Rego value), or NULL. */
const rv *rego_bi_memo_get(ccakit_rego_bictx *ctx, const rv *key);
int rego_bi_memo_put(ccakit_rego_bictx *ctx, const rv *key, const rv *val);
/* Charge n steps of work to the evaluation's step limit and check its
 * stack and memory limits: CCAKIT_OK, or the limit error to return
 * (for built-ins whose work depends on their input: graphs, schemas). */
int rego_bi_step(ccakit_rego_bictx *ctx, uint64_t n);

/* Operands of a built-in. */
typedef const rv *const *args_t;

/* Operand i (0-based) as an int64, with OPA's messages (bi_numbers.c). */
int rego_bi_int_arg(ccakit_rego_bictx *ctx, args_t a, unsigned i,
    int64_t *out);

/* Return the "out of memory / limit" error when x is NULL. */
#define NOMEM_IF(ctx, x) \
	do { \
		if ((x) == NULL) \
			return rego_bi_nomem(ctx); \
	} while (0)

/* Argument helpers: fetch operand i (0-based) as a type or fail. */
#define BI_STR(ctx, args, i, sp, lp) \
	do { \
		if ((args)[i]->t != RV_STR) \
			return rego_bi_operr((ctx), (i) + 1, "string", \
			    (args)[i]); \
		(sp) = (args)[i]->u.s; \
		(lp) = (args)[i]->n; \
	} while (0)
#define BI_NEED(ctx, args, i, type, want) \
	do { \
		if ((args)[i]->t != (type)) \
			return rego_bi_operr((ctx), (i) + 1, (want), \
			    (args)[i]); \
	} while (0)

/* ------------------------------------------------------------------ */
/* Policy, rule tree, compiled query.                                   */

struct rego_dnode {
	const rv *key;                  /* path element */
	struct rego_dnode *parent;
	struct rego_dnode **kids;       /* sorted by key */
	size_t nkids, capkids;
	struct rego_rule **rules;       /* non-function rules whose ground
	                                   prefix ends here */
	size_t nrules, caprules;
	struct rego_rule **funcs;       /* function definitions here */
	size_t nfuncs, capfuncs;
	struct rego_rule *deflt;        /* default rule */
	struct rego_rule *deflt_func;   /* default function */
	bool is_pkg;                    /* a package path */
	bool subtree_rules;             /* rules here or below */
	int id;
	int depth;
	const rv **path;                /* from data (excluding "data") */
	struct rego_callee callee;      /* for functions */
};

struct ccakit_rego_policy {
	struct rego_arena ar;
	struct rego_module **mods;
	size_t nmods, capmods;
	struct ccakit_rego_builtin *custom;
	struct rego_bi_def *custom_defs;
	size_t ncustom;
	struct rego_diags diags;
	bool compiled;
	struct rego_dnode *root;        /* data */
	int ndnodes;
	int nrules;
	int ncallees;
	struct rego_callee **bicallees; /* interned built-in callees */
	size_t nbicallees, capbicallees;
	int maxslots;
};

struct ccakit_rego_query {
	struct rego_arena ar;
	const struct ccakit_rego_policy *pol;
	struct rego_body *body;
	int nslots;
	const char **vars;              /* user-visible vars */
	int *varslots;
	size_t nvars;
	struct rego_expr **top;         /* top-level expressions */
	int *topslots;                  /* capture slot per expression */
	size_t ntop;
	struct rego_diags diags;
};

/* Compiler (compile.c). */
int rego_compile(struct ccakit_rego_policy *p);
/* flags: REGO_Q_CAPTURE: top-level term/call expressions capture
 * their value even when false (opa eval); else topdown semantics. */
#define REGO_Q_CAPTURE  0x01u
int rego_query_compile(const struct ccakit_rego_policy *p, const char *text,
    size_t len, unsigned flags, struct ccakit_rego_query **out);
const struct rego_callee *rego_callee_for_bi(struct ccakit_rego_policy *p,
    const struct rego_bi_def *bi);

/* ------------------------------------------------------------------ */
/* Evaluator (eval.c).                                                  */

struct rego_ev;

struct rego_row {
	const rv **vals;   /* nvars bindings then ntop expression values */
};

struct ccakit_rego_eval {
	struct rego_ev *ev;
	struct rego_arena ar;
	struct rego_row *rows;
	size_t nrows, caprows;
	const struct ccakit_rego_query *q;
	struct ccakit_rego_diag err;
	bool has_err;
	uint64_t steps;
	size_t mem;
};

int rego_eval_query(struct ccakit_rego_eval *ctx, const struct
    ccakit_rego_query *q, const struct ccakit_rego_eval_opts *o);
void rego_ev_free(struct rego_ev *ev);
/* Child of a rule-tree node by key (NULL if none). */
struct rego_dnode *rego_dn_child(const struct rego_dnode *n, const rv *key);

/* Value of `internal.template_string` parts etc. share fmt. */

#endif /* CCAKIT_REGO_PRIV_H */
