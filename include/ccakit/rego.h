/*
 * Rego: a policy engine for OPA's policy language (Rego v1, OPA >= 1.0
 * syntax), with OPA's evaluation semantics.
 *
 * Life cycle:
 *   1. ccakit_rego_policy_new(), then ccakit_rego_add_module() for each
 *      .rego file and ccakit_rego_add_builtin() for custom built-ins;
 *   2. ccakit_rego_compile(): parse errors, unsafe variables, recursion
 *      and rule conflicts are reported here; afterwards the policy is
 *      immutable and may be shared by any number of threads;
 *   3. ccakit_rego_query_new() compiles a query ("data.policy.allow")
 *      against the compiled policy, once; the query is immutable too;
 *   4. per thread, a ccakit_rego_eval context (arena, limits) runs
 *      queries: ccakit_rego_eval_run() with an input and a data document
 *      (values, parsed once from JSON with ccakit_rego_doc_parse()).
 *      Results are borrowed from the context until its next run.
 *
 * Values are immutable. A value handed to an evaluation (input, data, a
 * value returned by a custom built-in) must outlive the evaluation.
 *
 * Errors: functions return CCAKIT_OK or a ccakit_err code
 * (CCAKIT_ERR_REGO_PARSE, _COMPILE, _EVAL, _LIMIT, NOMEM, INVALID_ARG,
 * ...). The optional struct ccakit_errdetail gets OPA's error code string
 * in `what` ("rego_parse_error", "eval_conflict_error", ...) and
 * "FILE:ROW: MESSAGE" in `text`; the untruncated diagnostics, with
 * locations, are available from ccakit_rego_policy_error() and
 * ccakit_rego_eval_error().
 */
#ifndef CCAKIT_REGO_H
#define CCAKIT_REGO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/err.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ccakit_rego_policy ccakit_rego_policy;
typedef struct ccakit_rego_query ccakit_rego_query;
typedef struct ccakit_rego_eval ccakit_rego_eval;
typedef struct ccakit_rego_value ccakit_rego_value;
typedef struct ccakit_rego_doc ccakit_rego_doc;
typedef struct ccakit_rego_bictx ccakit_rego_bictx;

/* Caps (named so that an operator-facing program can document them). */
#define CCAKIT_REGO_MAX_MODULE      (4u * 1024 * 1024)  /* bytes per module */
#define CCAKIT_REGO_MAX_JSON        (64u * 1024 * 1024) /* bytes per document */
#define CCAKIT_REGO_MAX_DEPTH       512     /* JSON / term nesting */
#define CCAKIT_REGO_DEFAULT_STEPS   10000000ull
#define CCAKIT_REGO_DEFAULT_MEMORY  (256u * 1024 * 1024)

/* One diagnostic, as OPA reports it: "FILE:ROW: CODE: MESSAGE". */
struct ccakit_rego_diag {
	const char *code;       /* "rego_parse_error", "eval_type_error", ...
	                           (static string) */
	char file[128];         /* "" when there is no location */
	int row, col;           /* 0 when unknown */
	char message[512];
};

/* Format a diagnostic as OPA prints it ("FILE:ROW: CODE: MESSAGE", or
 * "CODE: MESSAGE" without a location). Returns snprintf's result. */
int ccakit_rego_diag_format(const struct ccakit_rego_diag *dg, char *buf,
    size_t len);

/* --- values -------------------------------------------------------- */

enum ccakit_rego_type {
	CCAKIT_REGO_NULL = 0,
	CCAKIT_REGO_BOOLEAN,
	CCAKIT_REGO_NUMBER,
	CCAKIT_REGO_STRING,
	CCAKIT_REGO_ARRAY,
	CCAKIT_REGO_OBJECT,
	CCAKIT_REGO_SET,
};

enum ccakit_rego_type ccakit_rego_type(const ccakit_rego_value *v);
/* "null", "boolean", "number", "string", "array", "object", "set". */
const char *ccakit_rego_type_name(const ccakit_rego_value *v);
bool ccakit_rego_bool(const ccakit_rego_value *v);  /* false unless true */
/* Integer value if v is an integral number within int64 range. */
bool ccakit_rego_int64(const ccakit_rego_value *v, int64_t *out);
/* Nearest double of any number (0 for non-numbers). */
double ccakit_rego_double(const ccakit_rego_value *v);
/* String bytes (NUL-terminated; len may be NULL), NULL if not a string. */
const char *ccakit_rego_str(const ccakit_rego_value *v, size_t *len);
/* Number of elements (array, set), members (object) or bytes (string). */
size_t ccakit_rego_len(const ccakit_rego_value *v);
/* i-th element of an array or set (sets in Rego's sort order). */
const ccakit_rego_value *ccakit_rego_at(const ccakit_rego_value *v,
    size_t i);
/* i-th key and value of an object (keys in Rego's sort order). */
const ccakit_rego_value *ccakit_rego_key_at(const ccakit_rego_value *v,
    size_t i);
const ccakit_rego_value *ccakit_rego_value_at(const ccakit_rego_value *v,
    size_t i);
/* Object member by string key, NULL when absent or not an object. */
const ccakit_rego_value *ccakit_rego_get(const ccakit_rego_value *v,
    const char *key);
/* Rego's total order (null < boolean < number < string < array <
 * object < set); 0 when equal (1 == 1.0). */
int ccakit_rego_compare(const ccakit_rego_value *a,
    const ccakit_rego_value *b);

/* Serialize as JSON (sets as sorted arrays, non-string object keys as
 * their JSON text); malloc'd NUL-terminated string in *out. */
#define CCAKIT_REGO_JSON_PRETTY  0x01u  /* 2-space indentation */
int ccakit_rego_to_json(const ccakit_rego_value *v, unsigned flags,
    char **out);

/* A document: an immutable value tree that owns its memory. */
int ccakit_rego_doc_parse(const char *json, size_t len, ccakit_rego_doc **out,
    struct ccakit_errdetail *d);
const ccakit_rego_value *ccakit_rego_doc_value(const ccakit_rego_doc *doc);
void ccakit_rego_doc_free(ccakit_rego_doc **docp);

/* --- built-ins ----------------------------------------------------- */

/*
 * A built-in function: args[0..arity-1] are the evaluated operands.
 * Return CCAKIT_OK with *out set to the result, or with *out NULL for
 * "undefined"; on failure return the result of ccakit_rego_bi_error()
 * or ccakit_rego_bi_type_error(). Built-ins must be pure and
 * thread-safe; values they create come from the context
 * (ccakit_rego_new_*) or must outlive the evaluation.
 */
typedef int (*ccakit_rego_builtin_fn)(ccakit_rego_bictx *ctx,
    const ccakit_rego_value *const *args, const ccakit_rego_value **out);

struct ccakit_rego_builtin {
	const char *name;       /* "query_reference_value", "x.y" */
	unsigned arity;         /* 0..8 */
	ccakit_rego_builtin_fn fn;
	unsigned flags;         /* CCAKIT_REGO_BI_* */
};
/* Non-deterministic (not folded at compile time; e.g. time, random). */
#define CCAKIT_REGO_BI_NONDET  0x01u

/* Register a custom built-in before ccakit_rego_compile(); it shadows a
 * standard built-in of the same name. `bi` is copied (name too). */
int ccakit_rego_add_builtin(ccakit_rego_policy *p,
    const struct ccakit_rego_builtin *bi);

/* In a built-in: the opaque pointer given to ccakit_rego_eval_run(). */
void *ccakit_rego_bi_user(ccakit_rego_bictx *ctx);
/* In a built-in: the query's fixed time (ns since the Unix epoch). */
int64_t ccakit_rego_bi_now_ns(ccakit_rego_bictx *ctx);
/* Fail the call with eval_builtin_error "NAME: MESSAGE". Returns the
 * code to return from the built-in. */
int ccakit_rego_bi_error(ccakit_rego_bictx *ctx, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Fail with eval_type_error "NAME: operand POS must be WANT but got
 * TYPE" (pos counts from 1). */
int ccakit_rego_bi_type_error(ccakit_rego_bictx *ctx, unsigned pos,
    const char *want, const ccakit_rego_value *got);

/* Constructors for built-ins (memory from the evaluation; NULL when the
 * evaluation's memory limit is reached, the built-in then returns
 * CCAKIT_ERR_REGO_LIMIT). */
const ccakit_rego_value *ccakit_rego_null(void);
const ccakit_rego_value *ccakit_rego_boolean(bool b);
const ccakit_rego_value *ccakit_rego_new_int(ccakit_rego_bictx *ctx,
    int64_t i);
const ccakit_rego_value *ccakit_rego_new_double(ccakit_rego_bictx *ctx,
    double f);
const ccakit_rego_value *ccakit_rego_new_string(ccakit_rego_bictx *ctx,
    const char *s, size_t len);
const ccakit_rego_value *ccakit_rego_new_array(ccakit_rego_bictx *ctx,
    const ccakit_rego_value *const *items, size_t n);
/* Keys may repeat: the last one wins. */
const ccakit_rego_value *ccakit_rego_new_object(ccakit_rego_bictx *ctx,
    const ccakit_rego_value *const *keys,
    const ccakit_rego_value *const *vals, size_t n);
const ccakit_rego_value *ccakit_rego_new_set(ccakit_rego_bictx *ctx,
    const ccakit_rego_value *const *items, size_t n);
/* Parse JSON into the evaluation's memory (CCAKIT_ERR_JSON). */
int ccakit_rego_new_json(ccakit_rego_bictx *ctx, const char *json,
    size_t len, const ccakit_rego_value **out);

/* --- policies ------------------------------------------------------ */

ccakit_rego_policy *ccakit_rego_policy_new(void);
void ccakit_rego_policy_free(ccakit_rego_policy **pp);

/* Parse a module (the text is copied). `filename` appears in errors. */
int ccakit_rego_add_module(ccakit_rego_policy *p, const char *filename,
    const char *text, size_t len, struct ccakit_errdetail *d);
/* Compile all modules. CCAKIT_ERR_REGO_PARSE / _COMPILE with every
 * diagnostic available from ccakit_rego_policy_error(). */
int ccakit_rego_compile(ccakit_rego_policy *p, struct ccakit_errdetail *d);
size_t ccakit_rego_policy_nerrors(const ccakit_rego_policy *p);
const struct ccakit_rego_diag *ccakit_rego_policy_error(
    const ccakit_rego_policy *p, size_t i);
/* Whether a compiled policy defines the rule, function or package at
 * `path` below data, in dots ("arm_cca.allow"): a rule, a default or a
 * function there, or rules below it. */
bool ccakit_rego_policy_defines(const ccakit_rego_policy *p,
    const char *path);

/* --- queries ------------------------------------------------------- */

/* Compile a query (a Rego body: "data.x.allow", "x := data.a[_]; x > 1")
 * against a compiled policy (safe from several threads at once). On
 * failure *out is still set when diagnostics exist
 * (ccakit_rego_query_error()); free it with ccakit_rego_query_free(). */
int ccakit_rego_query_new(const ccakit_rego_policy *p, const char *query,
    ccakit_rego_query **out, struct ccakit_errdetail *d);
void ccakit_rego_query_free(ccakit_rego_query **qp);
size_t ccakit_rego_query_nerrors(const ccakit_rego_query *q);
const struct ccakit_rego_diag *ccakit_rego_query_error(
    const ccakit_rego_query *q, size_t i);
/* Names of the query's variables in the order result bindings use. */
size_t ccakit_rego_query_nvars(const ccakit_rego_query *q);
const char *ccakit_rego_query_var(const ccakit_rego_query *q, size_t i);
/* Number of top-level expressions of the query. */
size_t ccakit_rego_query_nexprs(const ccakit_rego_query *q);
/* Source text of expression i (as OPA prints it in "text"). */
const char *ccakit_rego_query_expr_text(const ccakit_rego_query *q,
    size_t i, int *row, int *col);

/* --- evaluation ---------------------------------------------------- */

struct ccakit_rego_eval_opts {
	const ccakit_rego_value *input;   /* NULL: no input (undefined) */
	const ccakit_rego_value *data;    /* NULL: empty base document */
	bool strict_builtin_errors;       /* OPA --strict-builtin-errors */
	uint64_t max_steps;               /* 0: CCAKIT_REGO_DEFAULT_STEPS */
	size_t max_memory;                /* 0: CCAKIT_REGO_DEFAULT_MEMORY */
	size_t max_stack;                 /* bytes of C stack; 0: 1 MiB */
	int64_t now_ns;                   /* 0: the current time */
	void *user;                       /* for custom built-ins */
};

ccakit_rego_eval *ccakit_rego_eval_new(void);
void ccakit_rego_eval_free(ccakit_rego_eval **ep);

/*
 * Run a query. CCAKIT_OK: the results (possibly none: "undefined") are
 * available until the next run. CCAKIT_ERR_REGO_EVAL: an evaluation
 * error (ccakit_rego_eval_error() has OPA's code, message and location);
 * CCAKIT_ERR_REGO_LIMIT: steps, memory or depth exceeded.
 */
int ccakit_rego_eval_run(ccakit_rego_eval *ev, const ccakit_rego_query *q,
    const struct ccakit_rego_eval_opts *opts, struct ccakit_errdetail *d);
const struct ccakit_rego_diag *ccakit_rego_eval_error(
    const ccakit_rego_eval *ev);
/* Number of results (rows); 0 means undefined. */
size_t ccakit_rego_eval_nresults(const ccakit_rego_eval *ev);
/* Value of query variable `var` (index as ccakit_rego_query_var) in row i. */
const ccakit_rego_value *ccakit_rego_eval_binding(const ccakit_rego_eval *ev,
    size_t row, size_t var);
/* Value of top-level expression `expr` in row i (true for conditions). */
const ccakit_rego_value *ccakit_rego_eval_expr(const ccakit_rego_eval *ev,
    size_t row, size_t expr);
/* Statistics of the last run. */
uint64_t ccakit_rego_eval_steps(const ccakit_rego_eval *ev);
size_t ccakit_rego_eval_memory(const ccakit_rego_eval *ev);

/*
 * Convenience: evaluate a query that is one reference ("data.p.allow")
 * and return its value in *out (NULL when undefined; valid until the
 * next run of ev). Errors as ccakit_rego_eval_run.
 */
int ccakit_rego_eval_value(ccakit_rego_eval *ev, const ccakit_rego_query *q,
    const struct ccakit_rego_eval_opts *opts, const ccakit_rego_value **out,
    struct ccakit_errdetail *d);

#ifdef __cplusplus
}
#endif

#endif /* CCAKIT_REGO_H */
