/*
 * JSON Schema: json.verify_schema, json.match_schema, with the semantics
 * and messages of the gojsonschema library OPA uses (drafts 4, 6 and 7,
 * "hybrid" when the schema names no draft in "$schema"):
 *
 * - schema checks in gojsonschema's order and words ("has a primitive
 *   type that is NOT VALID -- given: /x/ Expected valid values are:[...]",
 *   "minLength must be of an integer", ...);
 * - validation errors as objects {error, type, field, desc}, where field
 *   is the path below "(root)" and error is "FIELD: DESC"; for anyOf and
 *   oneOf the errors of the closest alternative are added, chosen by
 *   gojsonschema's score;
 * - enum and const compare the JSON texts with numbers normalised
 *   through float64, as gojsonschema does; numeric bounds and multipleOf
 *   are exact (OpenSSL BIGNUMs for multipleOf).
 *
 * Refused with a clear error (OPA would accept them):
 * - "pattern", non-empty "patternProperties" and the "regex" format:
 *   they need Go's regular expressions, not available to this family;
 * - "$ref" to anything but a JSON pointer into the same schema ("#",
 *   "#/definitions/x"): OPA fetches remote schemas (subject to its
 *   allow_net capability); the library does no network I/O.
 *
 * Formats checked: date, time, date-time, email and idn-email (RFC 5322
 * addresses, approximating Go's net/mail), hostname, ipv4, ipv6, uri,
 * iri, uri-reference, iri-reference, uri-template (approximating Go's
 * net/url), uuid, json-pointer, relative-json-pointer; other formats
 * pass, as in gojsonschema.
 *
 * Validation work is charged to the evaluation's step limit and its
 * recursion to the stack limit (a schema such as {"$ref": "#"} recurses
 * for ever in gojsonschema; here it is an eval_limit_error).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>

#include "rego/rego_priv.h"

enum { D4 = 4, D6 = 6, D7 = 7, DHYBRID = 1000 };

/* gojsonschema's JSON types, sorted (the order of its message). */
static const char *const jtypes[] = { "array", "boolean", "integer",
	"number", "null", "object", "string" };
enum { JT_ARRAY, JT_BOOLEAN, JT_INTEGER, JT_NUMBER, JT_NULL, JT_OBJECT,
	JT_STRING, JT_N };

struct js;

struct jdep {
	const rv *key;
	const rv *strs;          /* array of strings, or NULL */
	struct js *schema;
};

struct js {
	bool is_bool, pass;
	struct js *ref;
	uint8_t types[JT_N];
	size_t ntypes;
	/* object */
	const rv **pnames;
	struct js **props;
	size_t nprops;
	int addl;                /* 0 none, 1 false, 2 true, 3 schema */
	struct js *addl_schema;
	struct js *propnames;
	struct jdep *deps;
	size_t ndeps;
	const rv *required;
	bool has_minprops, has_maxprops;
	int64_t minprops, maxprops;
	/* array */
	struct js **items;
	size_t nitems;
	bool items_single;
	int addi;                /* 0 none, 1 false, 2 true, 3 schema */
	struct js *addi_schema;
	bool has_minitems, has_maxitems, unique;
	int64_t minitems, maxitems;
	struct js *contains;
	/* numbers */
	const rv *multiple, *minimum, *maximum, *xmin, *xmax;
	/* strings */
	bool has_minlen, has_maxlen;
	int64_t minlen, maxlen;
	const char *format;
	/* all */
	const char *konst;
	bool has_enum;
	const char **enums;
	size_t nenums;
	struct js **one, **any, **all;
	size_t none, nany, nall;
	struct js *not_, *if_, *then_, *else_;
};

struct jref {
	const char *ptr;
	struct js *s;
};

struct jc {
	ccakit_rego_bictx *ctx;
	struct rego_arena *ar;
	const rv *root;
	int draft;
	struct jref *refs;
	size_t nrefs, caprefs;
	char err[400];
	int rc;                  /* evaluation error (limits) */
	int depth;
};

static void *
cerr(struct jc *c, const char *fmt, ...) CKI_PRINTF(2, 3);

static void *
cerr(struct jc *c, const char *fmt, ...)
{
	va_list ap;

	if (c->err[0] == '\0' && c->rc == 0) {
		va_start(ap, fmt);
		vsnprintf(c->err, sizeof(c->err), fmt, ap);
		va_end(ap);
	}
	return NULL;
}

static void *
cnomem(struct jc *c)
{
	if (c->rc == 0)
		c->rc = rego_bi_nomem(c->ctx);
	return NULL;
}

static const rv *
kw(const rv *m, const char *name)
{
	return rv_obj_gets(m, name, strlen(name));
}

static bool
is_schema_node(const rv *v)
{
	return v->t == RV_OBJ || v->t == RV_BOOL;
}

static bool
is_array(const rv *v)
{
	return v->t == RV_ARR || v->t == RV_SET;
}

static void *
invalid_type(struct jc *c, const char *expected, const char *given)
{
	return cerr(c, "Invalid type. Expected: %s, given: %s", expected,
	    given);
}

/* --- numbers --------------------------------------------------------- */

/* Decimal text of a number as mantissa digits and a power of ten:
 * value = sign * digits * 10^exp. False if the text is not decimal. */
static bool
dec_split(const char *s, char *digits, size_t cap, bool *neg, long *exp)
{
	size_t nd = 0;
	long frac = 0, e = 0;
	bool seen_dot = false;

	*neg = false;
	if (*s == '-' || *s == '+')
		*neg = *s++ == '-';
	for (; *s != '\0' && *s != 'e' && *s != 'E'; s++) {
		if (*s == '.') {
			seen_dot = true;
			continue;
		}
		if (!isdigit((unsigned char)*s) || nd + 1 >= cap)
			return false;
		if (nd == 0 && *s == '0') {
			if (seen_dot)
				frac++;
			continue;
		}
		digits[nd++] = *s;
		if (seen_dot)
			frac++;
	}
	if (*s == 'e' || *s == 'E') {
		char *end;

		e = strtol(s + 1, &end, 10);
		if (*end != '\0' || e > 100000 || e < -100000)
			return false;
	}
	if (nd == 0)
		digits[nd++] = '0';
	digits[nd] = '\0';
	*exp = e - frac;
	return true;
}

static size_t
num_text(const rv *v, char *buf, size_t len)
{
	size_t n = rv_num_text(v, buf, len);

	return n < len ? n : 0;
}

/* big.Rat's IsInt of a JSON number. */
static bool
num_is_int(const rv *v)
{
	char text[400], d[400];
	bool neg;
	long e;
	size_t nd, i;

	if (v->nt != RN_FLT)
		return true;
	if (num_text(v, text, sizeof(text)) == 0 ||
	    !dec_split(text, d, sizeof(d), &neg, &e))
		return rv_num_dbl(v) == (double)(int64_t)rv_num_dbl(v);
	if (e >= 0)
		return true;
	nd = strlen(d);
	/* the last -e digits must be zeros */
	for (i = 0; i < nd && i < (size_t)-e; i++)
		if (d[nd - 1 - i] != '0')
			return false;
	return true;
}

/* json.Number.Int64: a plain integer literal within int64. */
static bool
num_int64(const rv *v, int64_t *out)
{
	return v->t == RV_NUM && v->nt == RN_INT && rv_num_i64(v, out);
}

/* value / m is an integer (both decimal). -1: cannot tell exactly. */
static int
multiple_of(const rv *value, const rv *m)
{
	char tv[400], tm[400], dv[400], dm[400];
	bool nv, nm;
	long ev, em, e;
	BIGNUM *a = NULL, *b = NULL, *r = NULL, *t = NULL;
	BN_CTX *bc = NULL;
	int res = -1;

	if (num_text(value, tv, sizeof(tv)) == 0 ||
	    num_text(m, tm, sizeof(tm)) == 0 ||
	    !dec_split(tv, dv, sizeof(dv), &nv, &ev) ||
	    !dec_split(tm, dm, sizeof(dm), &nm, &em) ||
	    labs(ev - em) > 4096)
		return -1;
	e = ev < em ? ev : em;
	if ((bc = BN_CTX_new()) == NULL || (a = BN_new()) == NULL ||
	    (b = BN_new()) == NULL || (r = BN_new()) == NULL ||
	    (t = BN_new()) == NULL || !BN_dec2bn(&a, dv) ||
	    !BN_dec2bn(&b, dm))
		goto out;
	if (ev - e > 0 && (!BN_set_word(t, 10) ||
	    !BN_set_word(r, (BN_ULONG)(ev - e)) || !BN_exp(t, t, r, bc) ||
	    !BN_mul(a, a, t, bc)))
		goto out;
	if (em - e > 0 && (!BN_set_word(t, 10) ||
	    !BN_set_word(r, (BN_ULONG)(em - e)) || !BN_exp(t, t, r, bc) ||
	    !BN_mul(b, b, t, bc)))
		goto out;
	if (BN_is_zero(b) || !BN_mod(r, a, b, bc))
		goto out;
	res = BN_is_zero(r) ? 1 : 0;
out:
	BN_free(a);
	BN_free(b);
	BN_free(r);
	BN_free(t);
	BN_CTX_free(bc);
	return res;
}

/* big.Float's String() (%.10g) of a number. */
static void
fmt_num10(const rv *v, char *buf, size_t len)
{
	snprintf(buf, len, "%.10g", rv_num_dbl(v));
}

/* --- normalised JSON (marshalWithoutNumber) -------------------------- */

static const rv *
normalize(struct rego_arena *ar, const rv *v, int depth)
{
	const rv **items, **vals = NULL;
	size_t i;

	if (depth > CCAKIT_REGO_MAX_DEPTH)
		return NULL;
	if (v->t == RV_NUM) {
		struct rego_buf b;
		const rv *n;
		double f = rv_num_dbl(v);

		if (!isfinite(f))
			return v;
		rb_init(&b, 64);
		rego_go_json_float(&b, f);
		n = b.oom ? NULL : rv_num_parse(ar, b.p, b.len);
		rb_free(&b);
		return n;
	}
	if (v->t != RV_ARR && v->t != RV_SET && v->t != RV_OBJ)
		return v;
	if ((items = ra_alloc(ar, (v->n + 1) * sizeof(*items))) == NULL)
		return NULL;
	if (v->t == RV_OBJ &&
	    (vals = ra_alloc(ar, (v->n + 1) * sizeof(*vals))) == NULL)
		return NULL;
	for (i = 0; i < v->n; i++) {
		if (v->t == RV_OBJ) {
			items[i] = v->u.a[i];
			if ((vals[i] = normalize(ar, rv_obj_vals(v)[i],
			    depth + 1)) == NULL)
				return NULL;
		} else if ((items[i] = normalize(ar, v->u.a[i], depth + 1)) ==
		    NULL) {
			return NULL;
		}
	}
	if (v->t == RV_OBJ)
		return rv_obj_sorted(ar, items, vals, v->n);
	return rv_arr(ar, items, v->n);
}

static const char *
norm_json(struct rego_arena *ar, const rv *v)
{
	struct rego_json_opts o = { NULL, NULL, true };
	struct rego_buf b;
	const rv *n = normalize(ar, v, 0);
	const char *s;

	if (n == NULL)
		return NULL;
	rb_init(&b, CCAKIT_REGO_MAX_JSON);
	rego_json_write_opts(&b, n, &o);
	s = b.oom ? NULL : ra_strndup(ar, rb_str(&b), b.len);
	rb_free(&b);
	return s;
}

/* --- compiling -------------------------------------------------------- */

static struct js *compile(struct jc *c, const rv *node, int draft);

static bool
get_string(struct jc *c, const rv *m, const char *key, const rv **out)
{
	const rv *v = kw(m, key);

	*out = NULL;
	if (v == NULL)
		return true;
	if (v->t != RV_STR) {
		invalid_type(c, "string", key);
		return false;
	}
	*out = v;
	return true;
}

static bool
get_slice(struct jc *c, const rv *m, const char *key, const rv **out)
{
	const rv *v = kw(m, key);

	*out = NULL;
	if (v == NULL)
		return true;
	if (!is_array(v)) {
		cerr(c, "%s must be of an array", key);
		return false;
	}
	*out = v;
	return true;
}

static bool
get_int(struct jc *c, const rv *m, const char *key, bool *has, int64_t *out)
{
	const rv *v = kw(m, key);

	if (v == NULL)
		return true;
	if (v->t != RV_NUM || !num_is_int(v) || !num_int64(v, out)) {
		cerr(c, "%s must be of an integer", key);
		return false;
	}
	if (*out < 0) {
		cerr(c, "%s must be greater than or equal to 0", key);
		return false;
	}
	*has = true;
	return true;
}

static bool
get_schemas(struct jc *c, const rv *m, const char *key, int draft,
    struct js ***out, size_t *n)
{
	const rv *v;
	size_t i;

	if (!get_slice(c, m, key, &v))
		return false;
	if (v == NULL)
		return true;
	if ((*out = ra_zalloc(c->ar, (v->n + 1) * sizeof(**out))) == NULL) {
		(void)cnomem(c);
		return false;
	}
	for (i = 0; i < v->n; i++)
		if (((*out)[i] = compile(c, v->u.a[i], draft)) == NULL)
			return false;
	*n = v->n;
	return true;
}

/* A sub-schema keyword that must be a boolean or an object. */
static bool
get_sub(struct jc *c, const rv *m, const char *key, int draft,
    struct js **out)
{
	const rv *v = kw(m, key);

	if (v == NULL)
		return true;
	if (!is_schema_node(v)) {
		cerr(c, "%s must be of an object", key);
		return false;
	}
	return (*out = compile(c, v, draft)) != NULL;
}

/* Resolve a JSON pointer (percent-decoded, ~0 ~1) in the root. */
static const rv *
resolve_pointer(struct jc *c, const char *frag)
{
	const rv *node = c->root;
	char *buf, *seg;
	size_t i, o = 0, n = strlen(frag);

	if ((buf = ra_alloc(c->ar, n + 1)) == NULL)
		return cnomem(c);
	for (i = 0; i < n; i++) {
		if (frag[i] == '%' && i + 2 < n && isxdigit((unsigned char)
		    frag[i + 1]) && isxdigit((unsigned char)frag[i + 2])) {
			char h[3] = { frag[i + 1], frag[i + 2], '\0' };

			buf[o++] = (char)strtol(h, NULL, 16);
			i += 2;
		} else {
			buf[o++] = frag[i];
		}
	}
	buf[o] = '\0';
	if (buf[0] == '\0')
		return node;
	if (buf[0] != '/')
		return cerr(c, "$ref #%s: only JSON pointers into the same "
		    "schema are supported", frag);
	seg = buf + 1;
	for (;;) {
		char *end = strchr(seg, '/'), *r, *w;
		const rv *next = NULL;

		if (end != NULL)
			*end = '\0';
		for (r = w = seg; *r != '\0'; r++) {
			if (r[0] == '~' && r[1] == '1') {
				*w++ = '/';
				r++;
			} else if (r[0] == '~' && r[1] == '0') {
				*w++ = '~';
				r++;
			} else {
				*w++ = *r;
			}
		}
		*w = '\0';
		if (node->t == RV_OBJ) {
			next = rv_obj_gets(node, seg, strlen(seg));
		} else if (is_array(node)) {
			char *e;
			long k = strtol(seg, &e, 10);

			if (*seg != '\0' && *e == '\0' && k >= 0 &&
			    (size_t)k < node->n)
				next = node->u.a[k];
		}
		if (next == NULL)
			return cerr(c, "Object has no key '%s'", seg);
		node = next;
		if (end == NULL)
			break;
		seg = end + 1;
	}
	return node;
}

static struct js *
compile_ref(struct jc *c, const rv *ref, struct js *s)
{
	const char *r = ref->u.s;
	const rv *target;
	size_t i;

	if (r[0] != '#')
		return cerr(c, "$ref %s: only references within the schema "
		    "(\"#/...\") are supported", r);
	for (i = 0; i < c->nrefs; i++)
		if (strcmp(c->refs[i].ptr, r) == 0) {
			s->ref = c->refs[i].s;
			return s;
		}
	if (c->nrefs == c->caprefs) {
		size_t nc = c->caprefs == 0 ? 8 : c->caprefs * 2;
		struct jref *nr = ra_alloc(c->ar, nc * sizeof(*nr));

		if (nr == NULL)
			return cnomem(c);
		if (c->nrefs > 0)
			memcpy(nr, c->refs, c->nrefs * sizeof(*nr));
		c->refs = nr;
		c->caprefs = nc;
	}
	/* Registered before compiling: references may be recursive. */
	if ((s->ref = ra_zalloc(c->ar, sizeof(*s->ref))) == NULL)
		return cnomem(c);
	c->refs[c->nrefs].ptr = r;
	c->refs[c->nrefs].s = s->ref;
	c->nrefs++;
	if ((target = resolve_pointer(c, r + 1)) == NULL)
		return NULL;
	if (!is_schema_node(target))
		return cerr(c, "valid schema must be of type object");
	{
		struct js *t = compile(c, target, c->draft);

		if (t == NULL)
			return NULL;
		*s->ref = *t;
	}
	return s;
}

static bool
add_type(struct jc *c, struct js *s, const rv *t)
{
	size_t k, i;

	for (k = 0; k < JT_N; k++)
		if (strlen(jtypes[k]) == t->n && memcmp(jtypes[k], t->u.s,
		    t->n) == 0)
			break;
	if (k == JT_N) {
		cerr(c, "has a primitive type that is NOT VALID -- given: "
		    "/%s/ Expected valid values are:[array boolean integer "
		    "number null object string]", t->u.s);
		return false;
	}
	for (i = 0; i < s->ntypes; i++)
		if (s->types[i] == k) {
			cerr(c, "%s type is duplicated", jtypes[k]);
			return false;
		}
	s->types[s->ntypes++] = (uint8_t)k;
	return true;
}

static bool
compile_number_bounds(struct jc *c, const rv *m, struct js *s, int draft,
    bool upper)
{
	const char *kb = upper ? "maximum" : "minimum";
	const char *kx = upper ? "exclusiveMaximum" : "exclusiveMinimum";
	const rv *b = kw(m, kb), *x = kw(m, kx);
	const rv **bound = upper ? &s->maximum : &s->minimum;
	const rv **xbound = upper ? &s->xmax : &s->xmin;

	if (b != NULL) {
		if (b->t != RV_NUM) {
			cerr(c, "%s must be of a number", kb);
			return false;
		}
		*bound = b;
	}
	if (x == NULL)
		return true;
	if (x->t == RV_BOOL && (draft == D4 || draft == DHYBRID)) {
		if (*bound == NULL) {
			cerr(c, "%s cannot be used without %s", kx, kb);
			return false;
		}
		if (x->b) {
			*xbound = *bound;
			*bound = NULL;
		}
		return true;
	}
	if (x->t == RV_NUM && draft != D4) {
		*xbound = x;
		return true;
	}
	invalid_type(c, draft == D4 ? "boolean" : draft == DHYBRID ?
	    "boolean/number" : "number", kx);
	return false;
}

/* additionalProperties / additionalItems: a boolean or a schema;
 * *kind 0 absent, 1 false, 2 true, 3 schema. */
static bool
compile_additional(struct jc *c, const rv *node, const char *key, int draft,
    int *kind, struct js **schema)
{
	const rv *v = kw(node, key);

	if (v == NULL)
		return true;
	if (v->t == RV_BOOL) {
		*kind = v->b ? 2 : 1;
		return true;
	}
	if (v->t == RV_OBJ) {
		*kind = 3;
		return (*schema = compile(c, v, draft)) != NULL;
	}
	invalid_type(c, "boolean/valid schema", key);
	return false;
}

static struct js *
compile(struct jc *c, const rv *node, int draft)
{
	struct js *s;
	const rv *v, *t;
	size_t i;

	if ((c->rc = rego_bi_step(c->ctx, 1)) != CCAKIT_OK)
		return NULL;
	if (++c->depth > CCAKIT_REGO_MAX_DEPTH)
		return cerr(c, "schema nested deeper than %d",
		    CCAKIT_REGO_MAX_DEPTH);
	if ((s = ra_zalloc(c->ar, sizeof(*s))) == NULL)
		return cnomem(c);
	if (draft >= D6 && node->t == RV_BOOL) {
		s->is_bool = true;
		s->pass = node->b;
		c->depth--;
		return s;
	}
	if (node->t != RV_OBJ)
		return cerr(c, "Expected: valid schema, given: Invalid JSON");
	/* id / $id */
	if (!get_string(c, node, draft == D4 ? "id" : (draft == DHYBRID &&
	    kw(node, "id") != NULL) ? "id" : "$id", &v))
		return NULL;
	/* definitions */
	if ((v = kw(node, "definitions")) != NULL) {
		if (v->t != RV_OBJ)
			return invalid_type(c, "array of schemas",
			    "definitions");
		for (i = 0; i < v->n; i++) {
			const rv *d = rv_obj_vals(v)[i];

			if (!is_schema_node(d))
				return invalid_type(c, "array of schemas",
				    "definitions");
			if (compile(c, d, draft) == NULL)
				return NULL;
		}
	}
	if (!get_string(c, node, "title", &v) ||
	    !get_string(c, node, "description", &v) ||
	    !get_string(c, node, "$ref", &v))
		return NULL;
	if (v != NULL) {
		/* gojsonschema ignores every other keyword next to $ref */
		s = compile_ref(c, v, s);
		c->depth--;
		return s;
	}
	/* type */
	if ((t = kw(node, "type")) != NULL) {
		if (t->t == RV_STR) {
			if (!add_type(c, s, t))
				return NULL;
		} else if (is_array(t)) {
			for (i = 0; i < t->n; i++) {
				if (t->u.a[i]->t != RV_STR)
					return invalid_type(c, "type",
					    "string/array of strings");
				if (!add_type(c, s, t->u.a[i]))
					return NULL;
			}
		} else {
			return invalid_type(c, "type",
			    "string/array of strings");
		}
	}
	/* properties */
	if ((v = kw(node, "properties")) != NULL) {
		if (v->t != RV_OBJ)
			return cerr(c, "properties must be of type object");
		s->nprops = v->n;
		if ((s->pnames = ra_alloc(c->ar, (v->n + 1) *
		    sizeof(*s->pnames))) == NULL ||
		    (s->props = ra_alloc(c->ar, (v->n + 1) *
		    sizeof(*s->props))) == NULL)
			return cnomem(c);
		for (i = 0; i < v->n; i++) {
			s->pnames[i] = v->u.a[i];
			if ((s->props[i] = compile(c, rv_obj_vals(v)[i],
			    draft)) == NULL)
				return NULL;
		}
	}
	if (!compile_additional(c, node, "additionalProperties", draft,
	    &s->addl, &s->addl_schema))
		return NULL;
	if ((v = kw(node, "patternProperties")) != NULL) {
		if (v->t != RV_OBJ)
			return invalid_type(c, "valid schema",
			    "patternProperties");
		if (v->n > 0)
			return cerr(c, "patternProperties is not supported "
			    "(Go regular expressions are not available)");
	}
	if (draft >= D6 && (v = kw(node, "propertyNames")) != NULL) {
		if (!is_schema_node(v))
			return invalid_type(c, "valid schema",
			    "patternProperties");
		if ((s->propnames = compile(c, v, draft)) == NULL)
			return NULL;
	}
	if ((v = kw(node, "dependencies")) != NULL) {
		if (v->t != RV_OBJ)
			return cerr(c, "dependencies must be of type object");
		s->ndeps = v->n;
		if ((s->deps = ra_zalloc(c->ar, (v->n + 1) *
		    sizeof(*s->deps))) == NULL)
			return cnomem(c);
		for (i = 0; i < v->n; i++) {
			const rv *d = rv_obj_vals(v)[i];
			size_t j;

			s->deps[i].key = v->u.a[i];
			if (is_array(d)) {
				for (j = 0; j < d->n; j++)
					if (d->u.a[j]->t != RV_STR)
						return cerr(c, "dependency "
						    "must be of type schema or "
						    "array of strings");
				s->deps[i].strs = d;
			} else if (is_schema_node(d)) {
				if ((s->deps[i].schema = compile(c, d,
				    draft)) == NULL)
					return NULL;
			} else {
				return cerr(c, "dependency must be of type "
				    "schema or array of strings");
			}
		}
	}
	if ((v = kw(node, "items")) != NULL) {
		if (is_array(v)) {
			s->nitems = v->n;
			if ((s->items = ra_alloc(c->ar, (v->n + 1) *
			    sizeof(*s->items))) == NULL)
				return cnomem(c);
			for (i = 0; i < v->n; i++) {
				if (!is_schema_node(v->u.a[i]))
					return invalid_type(c, "valid schema/"
					    "array of schemas", "items");
				if ((s->items[i] = compile(c, v->u.a[i],
				    draft)) == NULL)
					return NULL;
			}
		} else if (is_schema_node(v)) {
			s->nitems = 1;
			s->items_single = true;
			if ((s->items = ra_alloc(c->ar,
			    sizeof(*s->items))) == NULL)
				return cnomem(c);
			if ((s->items[0] = compile(c, v, draft)) == NULL)
				return NULL;
		} else {
			return invalid_type(c, "valid schema/array of schemas",
			    "items");
		}
	}
	if (!compile_additional(c, node, "additionalItems", draft, &s->addi,
	    &s->addi_schema))
		return NULL;
	if ((v = kw(node, "multipleOf")) != NULL) {
		if (v->t != RV_NUM)
			return invalid_type(c, "number", "multipleOf");
		if (rv_num_cmp(v, rv_int(c->ar, 0)) <= 0)
			return cerr(c, "multipleOf must be strictly greater "
			    "than 0");
		s->multiple = v;
	}
	if (!compile_number_bounds(c, node, s, draft, false) ||
	    !compile_number_bounds(c, node, s, draft, true) ||
	    !get_int(c, node, "minLength", &s->has_minlen, &s->minlen) ||
	    !get_int(c, node, "maxLength", &s->has_maxlen, &s->maxlen))
		return NULL;
	if (s->has_minlen && s->has_maxlen && s->minlen > s->maxlen)
		return cerr(c, "minLength cannot be greater than maxLength");
	if (!get_string(c, node, "pattern", &v))
		return NULL;
	if (v != NULL)
		return cerr(c, "pattern is not supported (Go regular "
		    "expressions are not available)");
	if (!get_string(c, node, "format", &v))
		return NULL;
	if (v != NULL) {
		if (strcmp(v->u.s, "regex") == 0)
			return cerr(c, "format \"regex\" is not supported (Go "
			    "regular expressions are not available)");
		s->format = v->u.s;
	}
	if (!get_int(c, node, "minProperties", &s->has_minprops,
	    &s->minprops) || !get_int(c, node, "maxProperties",
	    &s->has_maxprops, &s->maxprops))
		return NULL;
	if (s->has_minprops && s->has_maxprops && s->minprops > s->maxprops)
		return cerr(c, "minProperties cannot be greater than "
		    "maxProperties");
	if (!get_slice(c, node, "required", &v))
		return NULL;
	if (v != NULL) {
		for (i = 0; i < v->n; i++) {
			size_t j;

			if (v->u.a[i]->t != RV_STR)
				return invalid_type(c, "string", "required");
			for (j = 0; j < i; j++)
				if (rv_eq(v->u.a[j], v->u.a[i]))
					return cerr(c, "required items must "
					    "be unique");
		}
		s->required = v;
	}
	if (!get_int(c, node, "minItems", &s->has_minitems, &s->minitems) ||
	    !get_int(c, node, "maxItems", &s->has_maxitems, &s->maxitems))
		return NULL;
	if ((v = kw(node, "uniqueItems")) != NULL) {
		if (v->t != RV_BOOL)
			return cerr(c, "uniqueItems must be of a boolean");
		s->unique = v->b;
	}
	if (draft >= D6 && (v = kw(node, "contains")) != NULL &&
	    (s->contains = compile(c, v, draft)) == NULL)
		return NULL;
	if (draft >= D6 && (v = kw(node, "const")) != NULL &&
	    (s->konst = norm_json(c->ar, v)) == NULL)
		return cnomem(c);
	if (!get_slice(c, node, "enum", &v))
		return NULL;
	if (v != NULL) {
		s->has_enum = true;
		if ((s->enums = ra_alloc(c->ar, (v->n + 1) *
		    sizeof(*s->enums))) == NULL)
			return cnomem(c);
		for (i = 0; i < v->n; i++) {
			size_t j;

			if ((s->enums[i] = norm_json(c->ar, v->u.a[i])) == NULL)
				return cnomem(c);
			for (j = 0; j < i; j++)
				if (strcmp(s->enums[j], s->enums[i]) == 0)
					return cerr(c, "enum items must be "
					    "unique");
		}
		s->nenums = v->n;
	}
	if (!get_schemas(c, node, "oneOf", draft, &s->one, &s->none) ||
	    !get_schemas(c, node, "anyOf", draft, &s->any, &s->nany) ||
	    !get_schemas(c, node, "allOf", draft, &s->all, &s->nall) ||
	    !get_sub(c, node, "not", draft, &s->not_))
		return NULL;
	if (draft >= D7 && (!get_sub(c, node, "if", draft, &s->if_) ||
	    !get_sub(c, node, "then", draft, &s->then_) ||
	    !get_sub(c, node, "else", draft, &s->else_)))
		return NULL;
	c->depth--;
	return s;
}

/* The draft named by "$schema" (DHYBRID when none or unknown). */
static bool
schema_draft(struct jc *c, const rv *doc, int *draft)
{
	static const struct {
		const char *url;
		int d;
	} known[] = {
		{ "http://json-schema.org/draft-04/schema", D4 },
		{ "http://json-schema.org/draft-06/schema", D6 },
		{ "http://json-schema.org/draft-07/schema", D7 },
	};
	const rv *v;
	size_t i, n;

	*draft = DHYBRID;
	if (doc->t != RV_OBJ || (v = kw(doc, "$schema")) == NULL)
		return true;
	if (v->t != RV_STR) {
		cerr(c, "$schema must be of type string");
		return false;
	}
	n = v->n;
	if (n > 0 && v->u.s[n - 1] == '#')
		n--;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strlen(known[i].url) == n &&
		    memcmp(known[i].url, v->u.s, n) == 0)
			*draft = known[i].d;
	return true;
}

/* A schema or document operand: a JSON string, an object or an array. */
static bool
load(struct jc *c, const rv *arg, const rv **out)
{
	char err[120];
	int rc;

	if (arg->t == RV_STR) {
		rc = rego_json_parse(c->ar, arg->u.s, arg->n,
		    CCAKIT_REGO_MAX_DEPTH, out, err, sizeof(err));
		if (rc == CCAKIT_ERR_NOMEM) {
			(void)cnomem(c);
			return false;
		}
		if (rc != CCAKIT_OK) {
			cerr(c, "invalid JSON string");
			return false;
		}
		return true;
	}
	if (arg->t == RV_OBJ || is_array(arg)) {
		*out = arg;
		return true;
	}
	cerr(c, "wrong type, expected string or object");
	return false;
}

static struct js *
compile_root(struct jc *c, const rv *arg)
{
	const rv *doc;

	if (!load(c, arg, &doc) || !schema_draft(c, doc, &c->draft))
		return NULL;
	c->root = doc;
	return compile(c, doc, c->draft);
}

/* --- validating ------------------------------------------------------- */

struct jerr {
	const char *type, *field, *desc;
};

struct jres {
	struct jerr *e;
	size_t n, cap;
	long score;
};

struct jv {
	ccakit_rego_bictx *ctx;
	struct rego_arena *ar;
	int rc;
};

/* Context path: "(root)", "(root).a.0". */
static const char *
ctx_child(struct jv *v, const char *ctx, const char *key, size_t n)
{
	size_t l = strlen(ctx);
	char *s = ra_alloc(v->ar, l + n + 2);

	if (s == NULL)
		return NULL;
	memcpy(s, ctx, l);
	s[l] = '.';
	memcpy(s + l + 1, key, n);
	s[l + 1 + n] = '\0';
	return s;
}

static const char *
ctx_index(struct jv *v, const char *ctx, size_t i)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%zu", i);

	return ctx_child(v, ctx, buf, (size_t)n);
}

static const char *
field_of(const char *ctx)
{
	return strncmp(ctx, "(root).", 7) == 0 ? ctx + 7 : ctx;
}

static int
add_err(struct jv *v, struct jres *r, const char *type, const char *ctx,
    const char *fmt, ...) CKI_PRINTF(5, 6);

static int
add_err(struct jv *v, struct jres *r, const char *type, const char *ctx,
    const char *fmt, ...)
{
	char buf[600];
	va_list ap;

	if (ctx == NULL)
		return -1;
	if (r->n == r->cap) {
		size_t nc = r->cap == 0 ? 4 : r->cap * 2;
		struct jerr *ne = ra_alloc(v->ar, nc * sizeof(*ne));

		if (ne == NULL)
			return -1;
		if (r->n > 0)
			memcpy(ne, r->e, r->n * sizeof(*ne));
		r->e = ne;
		r->cap = nc;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	r->e[r->n].type = type;
	r->e[r->n].field = field_of(ctx);
	if ((r->e[r->n].desc = ra_strndup(v->ar, buf, strlen(buf))) == NULL)
		return -1;
	r->n++;
	r->score -= 2;
	return 0;
}

static int
merge(struct jv *v, struct jres *r, const struct jres *o)
{
	size_t i;

	for (i = 0; i < o->n; i++) {
		if (r->n == r->cap) {
			size_t nc = r->cap == 0 ? 4 : r->cap * 2;
			struct jerr *ne = ra_alloc(v->ar, nc * sizeof(*ne));

			if (ne == NULL)
				return -1;
			if (r->n > 0)
				memcpy(ne, r->e, r->n * sizeof(*ne));
			r->e = ne;
			r->cap = nc;
		}
		r->e[r->n++] = o->e[i];
	}
	r->score += o->score;
	return 0;
}

static int validate(struct jv *v, const struct js *s, const rv *node,
    struct jres *r, const char *ctx);

static int
sub_validate(struct jv *v, const struct js *s, const rv *node,
    const char *ctx, struct jres *out)
{
	memset(out, 0, sizeof(*out));
	return validate(v, s, node, out, ctx);
}

static bool
has_type(const struct js *s, int t)
{
	size_t i;

	for (i = 0; i < s->ntypes; i++)
		if (s->types[i] == t)
			return true;
	return false;
}

static const char *
types_str(struct jv *v, const struct js *s)
{
	char buf[128];
	size_t i, o = 0;

	if (s->ntypes == 1)
		return jtypes[s->types[0]];
	buf[o++] = '[';
	for (i = 0; i < s->ntypes; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s",
		    i > 0 ? "," : "", jtypes[s->types[i]]);
	buf[o++] = ']';
	buf[o] = '\0';
	return ra_strndup(v->ar, buf, o);
}

/* --- formats --- */

static bool
digits(const char *s, size_t n, size_t at, size_t k, int *val)
{
	size_t i;

	*val = 0;
	if (at + k > n)
		return false;
	for (i = 0; i < k; i++) {
		if (!isdigit((unsigned char)s[at + i]))
			return false;
		*val = *val * 10 + (s[at + i] - '0');
	}
	return true;
}

/* "2006-01-02" at s; returns the length or 0. */
static size_t
fmt_date(const char *s, size_t n)
{
	static const int md[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30,
		31 };
	int y, m, d;

	if (!digits(s, n, 0, 4, &y) || n < 10 || s[4] != '-' ||
	    !digits(s, n, 5, 2, &m) || s[7] != '-' || !digits(s, n, 8, 2, &d))
		return 0;
	if (m < 1 || m > 12 || d < 1 || d > md[m - 1] || (m == 2 && d == 29 &&
	    !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)))
		return 0;
	return 10;
}

/* "15:04:05" (fraction allowed, as Go's parser does), then "Z07:00" if
 * zone: returns the length or 0. */
static size_t
fmt_time(const char *s, size_t n, bool zone)
{
	int h, m, sec;
	size_t i = 8;

	if (!digits(s, n, 0, 2, &h) || n < 8 || s[2] != ':' ||
	    !digits(s, n, 3, 2, &m) || s[5] != ':' ||
	    !digits(s, n, 6, 2, &sec) || h > 23 || m > 59 || sec > 59)
		return 0;
	if (i < n && (s[i] == '.' || s[i] == ',') && i + 1 < n &&
	    isdigit((unsigned char)s[i + 1]))
		for (i++; i < n && isdigit((unsigned char)s[i]); i++)
			;
	if (!zone)
		return i;
	if (i < n && s[i] == 'Z')
		return i + 1;
	if (i < n && (s[i] == '+' || s[i] == '-')) {
		int zh, zm;

		if (!digits(s, n, i + 1, 2, &zh) || i + 3 >= n ||
		    s[i + 3] != ':' || !digits(s, n, i + 4, 2, &zm) ||
		    zh > 23 || zm > 59)
			return 0;
		return i + 6;
	}
	return 0;
}

static bool
is_atext(unsigned char c)
{
	return isalnum(c) || strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL ||
	    c >= 0x80;
}

/* dot-atom at s[*i]: atoms separated by single dots. */
static bool
dot_atom(const char *s, size_t n, size_t *i)
{
	size_t st = *i;

	for (;;) {
		size_t a = *i;

		while (*i < n && is_atext((unsigned char)s[*i]))
			(*i)++;
		if (*i == a)
			return false;
		if (*i < n && s[*i] == '.' && *i + 1 < n) {
			(*i)++;
			continue;
		}
		return *i > st;
	}
}

static bool
quoted_string(const char *s, size_t n, size_t *i)
{
	if (*i >= n || s[*i] != '"')
		return false;
	for ((*i)++; *i < n && s[*i] != '"'; (*i)++) {
		if (s[*i] == '\\') {
			(*i)++;
			if (*i >= n)
				return false;
		} else if ((unsigned char)s[*i] < 0x20 &&
		    s[*i] != '\t') {
			return false;
		}
	}
	if (*i >= n)
		return false;
	(*i)++;
	return true;
}

static bool
addr_spec(const char *s, size_t n, size_t *i)
{
	if (*i < n && s[*i] == '"') {
		if (!quoted_string(s, n, i))
			return false;
	} else if (!dot_atom(s, n, i)) {
		return false;
	}
	if (*i >= n || s[*i] != '@')
		return false;
	(*i)++;
	if (*i < n && s[*i] == '[') {
		for ((*i)++; *i < n && s[*i] != ']'; (*i)++)
			if (s[*i] == '[' || s[*i] == '\\' ||
			    (unsigned char)s[*i] < 0x21)
				return false;
		if (*i >= n)
			return false;
		(*i)++;
		return true;
	}
	return dot_atom(s, n, i);
}

/* Go's net/mail.ParseAddress (without comments). */
static bool
fmt_email(const char *s, size_t n)
{
	size_t i = 0, save;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	save = i;
	if (addr_spec(s, n, &i)) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == n)
			return true;
	}
	/* [display-name] "<" addr-spec ">" */
	i = save;
	while (i < n && s[i] != '<') {
		if (s[i] == '"') {
			if (!quoted_string(s, n, &i))
				return false;
			continue;
		}
		if (!is_atext((unsigned char)s[i]) && s[i] != ' ' &&
		    s[i] != '\t' && s[i] != '.')
			return false;
		i++;
	}
	if (i >= n)
		return false;
	i++;
	if (!addr_spec(s, n, &i) || i >= n || s[i] != '>')
		return false;
	for (i++; i < n && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	return i == n;
}

static bool
fmt_ip(const char *s, size_t n, bool v4)
{
	char buf[64];
	unsigned char out[16];

	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, out) != 1 &&
	    inet_pton(AF_INET6, buf, out) != 1)
		return false;
	return memchr(s, v4 ? '.' : ':', n) != NULL;
}

static bool
fmt_hostname(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || n >= 256)
		return false;
	for (;;) {
		size_t st = i;

		while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '-'))
			i++;
		if (i == st || i - st > 63 || s[st] == '-' || s[i - 1] == '-')
			return false;
		if (i == n)
			return true;
		if (s[i] != '.')
			return false;
		i++;
	}
}

static bool
fmt_uuid(const char *s, size_t n)
{
	size_t i;

	if (n != 36)
		return false;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

/* ^(?:/(?:[^~/]|~0|~1)*)*$ from position i */
static bool
json_pointer_from(const char *s, size_t n, size_t i)
{
	if (i < n && s[i] != '/')
		return false;
	for (; i < n; i++)
		if (s[i] == '~' && (i + 1 >= n || (s[i + 1] != '0' &&
		    s[i + 1] != '1')))
			return false;
	return true;
}

static bool
fmt_rel_json_pointer(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || !isdigit((unsigned char)s[0]))
		return false;
	if (s[0] == '0')
		i = 1;
	else
		while (i < n && isdigit((unsigned char)s[i]))
			i++;
	if (i < n && s[i] == '#')
		return i + 1 == n;
	return json_pointer_from(s, n, i);
}

/* Go's url.Parse (approximation): false when it would fail. */
static bool
go_url_parse(const char *s, size_t n, bool *has_scheme, const char **path,
    size_t *pathlen)
{
	size_t i, end = n, sc = 0, q;
	bool scheme = false;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	/* fragment */
	for (i = 0; i < n; i++)
		if (s[i] == '#') {
			end = i;
			break;
		}
	for (i = 0; i < n; i++)
		if (s[i] == '%' && (i + 2 >= n ||
		    !isxdigit((unsigned char)s[i + 1]) ||
		    !isxdigit((unsigned char)s[i + 2])))
			return false;
	/* scheme */
	for (i = 0; i < end; i++) {
		char c = s[i];

		if (isalpha((unsigned char)c))
			continue;
		if (i > 0 && (isdigit((unsigned char)c) || c == '+' ||
		    c == '-' || c == '.'))
			continue;
		if (c == ':') {
			if (i == 0)
				return false;   /* missing protocol scheme */
			scheme = true;
			sc = i + 1;
		}
		break;
	}
	*has_scheme = scheme;
	q = sc;
	for (i = sc; i < end; i++)
		if (s[i] == '?') {
			end = i;
			break;
		}
	if (!scheme) {
		/* first path segment must not contain ':' */
		for (i = 0; i < end && s[i] != '/'; i++)
			if (s[i] == ':')
				return false;
	}
	if (q + 1 < end && s[q] == '/' && s[q + 1] == '/') {
		size_t a = q + 2, h;

		for (h = a; h < end && s[h] != '/'; h++)
			;
		/* host[:port]; userinfo before '@' */
		for (i = h; i > a; i--)
			if (s[i - 1] == '@') {
				a = i;
				break;
			}
		if (a < h && s[a] == '[') {
			for (i = a; i < h && s[i] != ']'; i++)
				;
			if (i >= h)
				return false;
			i++;
		} else {
			for (i = a; i < h && s[i] != ':'; i++)
				if (!(isalnum((unsigned char)s[i]) ||
				    strchr("-._~!$&'()*+,;=%", s[i]) != NULL ||
				    (unsigned char)s[i] >= 0x80))
					return false;
		}
		if (i < h) {
			if (s[i] != ':')
				return false;
			for (i++; i < h; i++)
				if (!isdigit((unsigned char)s[i]))
					return false;
		}
		q = h;
	}
	*path = s + q;
	*pathlen = end - q;
	return true;
}

static bool
fmt_uri(const char *s, size_t n, int kind)
{
	bool scheme;
	const char *path;
	size_t pl, i;
	int depth = 0;

	if (memchr(s, '\\', n) != NULL ||
	    !go_url_parse(s, n, &scheme, &path, &pl))
		return false;
	if (kind == 0)
		return scheme;
	if (kind == 1)
		return true;
	/* uri-template: balanced, non-nested braces in the path */
	for (i = 0; i < pl; i++) {
		if (path[i] == '{') {
			if (depth++ > 0)
				return false;
		} else if (path[i] == '}') {
			if (depth-- == 0)
				return false;
		}
	}
	return depth == 0;
}

static bool
format_ok(const char *f, const rv *node)
{
	const char *s;
	size_t n;

	if (node->t != RV_STR)
		return true;
	s = node->u.s;
	n = node->n;
	if (strcmp(f, "date") == 0)
		return fmt_date(s, n) == n;
	if (strcmp(f, "time") == 0)
		return fmt_time(s, n, true) == n || fmt_time(s, n, false) == n;
	if (strcmp(f, "date-time") == 0) {
		size_t d = fmt_date(s, n);

		if (fmt_time(s, n, false) == n || fmt_time(s, n, true) == n ||
		    d == n)
			return true;
		return d == 10 && n > 11 && s[10] == 'T' &&
		    fmt_time(s + 11, n - 11, true) == n - 11;
	}
	if (strcmp(f, "email") == 0 || strcmp(f, "idn-email") == 0)
		return fmt_email(s, n);
	if (strcmp(f, "ipv4") == 0 || strcmp(f, "ipv6") == 0)
		return fmt_ip(s, n, f[3] == '4');
	if (strcmp(f, "hostname") == 0)
		return fmt_hostname(s, n);
	if (strcmp(f, "uuid") == 0)
		return fmt_uuid(s, n);
	if (strcmp(f, "uri") == 0 || strcmp(f, "iri") == 0)
		return fmt_uri(s, n, 0);
	if (strcmp(f, "uri-reference") == 0 ||
	    strcmp(f, "iri-reference") == 0)
		return fmt_uri(s, n, 1);
	if (strcmp(f, "uri-template") == 0)
		return fmt_uri(s, n, 2);
	if (strcmp(f, "json-pointer") == 0)
		return json_pointer_from(s, n, 0);
	if (strcmp(f, "relative-json-pointer") == 0)
		return fmt_rel_json_pointer(s, n);
	return true;    /* unknown formats pass */
}

/* --- keyword groups --- */

#define CHECK(x) do { if ((x) != 0) return -1; } while (0)

static int
validate_schema(struct jv *v, const struct js *s, const rv *node,
    struct jres *r, const char *ctx)
{
	struct jres sub, best;
	size_t i, ok;
	bool have_best;

	if (s->nany > 0) {
		bool valid = false;

		have_best = false;
		for (i = 0; i < s->nany && !valid; i++) {
			CHECK(sub_validate(v, s->any[i], node, ctx, &sub));
			valid = sub.n == 0;
			if (!valid && (!have_best || sub.score > best.score)) {
				best = sub;
				have_best = true;
			}
		}
		if (!valid) {
			CHECK(add_err(v, r, "number_any_of", ctx,
			    "Must validate at least one schema (anyOf)"));
			if (have_best)
				CHECK(merge(v, r, &best));
		}
	}
	if (s->none > 0) {
		ok = 0;
		have_best = false;
		for (i = 0; i < s->none; i++) {
			CHECK(sub_validate(v, s->one[i], node, ctx, &sub));
			if (sub.n == 0)
				ok++;
			else if (ok == 0 && (!have_best ||
			    sub.score > best.score)) {
				best = sub;
				have_best = true;
			}
		}
		if (ok != 1) {
			CHECK(add_err(v, r, "number_one_of", ctx,
			    "Must validate one and only one schema (oneOf)"));
			if (ok == 0 && have_best)
				CHECK(merge(v, r, &best));
		}
	}
	if (s->nall > 0) {
		ok = 0;
		for (i = 0; i < s->nall; i++) {
			CHECK(sub_validate(v, s->all[i], node, ctx, &sub));
			if (sub.n == 0)
				ok++;
			CHECK(merge(v, r, &sub));
		}
		if (ok != s->nall)
			CHECK(add_err(v, r, "number_all_of", ctx,
			    "Must validate all the schemas (allOf)"));
	}
	if (s->not_ != NULL) {
		CHECK(sub_validate(v, s->not_, node, ctx, &sub));
		if (sub.n == 0)
			CHECK(add_err(v, r, "number_not", ctx,
			    "Must not validate the schema (not)"));
	}
	if (s->ndeps > 0 && node->t == RV_OBJ) {
		for (i = 0; i < s->ndeps; i++) {
			const struct jdep *d = &s->deps[i];
			size_t j;

			if (rv_obj_get(node, d->key) == NULL)
				continue;
			if (d->strs != NULL) {
				for (j = 0; j < d->strs->n; j++)
					if (rv_obj_get(node, d->strs->u.a[j]) ==
					    NULL)
						CHECK(add_err(v, r,
						    "missing_dependency", ctx,
						    "Has a dependency on %s",
						    d->strs->u.a[j]->u.s));
			} else {
				CHECK(validate(v, d->schema, node, r, ctx));
			}
		}
	}
	if (s->if_ != NULL) {
		struct jres ri;

		CHECK(sub_validate(v, s->if_, node, ctx, &ri));
		if (s->then_ != NULL && ri.n == 0) {
			CHECK(sub_validate(v, s->then_, node, ctx, &sub));
			if (sub.n > 0) {
				CHECK(add_err(v, r, "condition_then", ctx,
				    "Must validate \"then\" as \"if\" was "
				    "valid"));
				CHECK(merge(v, r, &sub));
			}
		}
		if (s->else_ != NULL && ri.n > 0) {
			CHECK(sub_validate(v, s->else_, node, ctx, &sub));
			if (sub.n > 0) {
				CHECK(add_err(v, r, "condition_else", ctx,
				    "Must validate \"else\" as \"if\" was not "
				    "valid"));
				CHECK(merge(v, r, &sub));
			}
		}
	}
	r->score++;
	return 0;
}

static int
validate_common(struct jv *v, const struct js *s, const rv *node,
    struct jres *r, const char *ctx)
{
	const char *j = NULL;
	size_t i;

	if (s->konst != NULL || s->has_enum)
		if ((j = norm_json(v->ar, node)) == NULL)
			return -1;
	if (s->konst != NULL && strcmp(j, s->konst) != 0)
		CHECK(add_err(v, r, "const", ctx, "%s does not match: %s",
		    field_of(ctx), s->konst));
	if (s->has_enum) {
		for (i = 0; i < s->nenums; i++)
			if (strcmp(s->enums[i], j) == 0)
				break;
		if (i == s->nenums) {
			struct rego_buf b;

			rb_init(&b, 4096);
			for (i = 0; i < s->nenums; i++) {
				if (i > 0)
					rb_puts(&b, ", ");
				rb_puts(&b, s->enums[i]);
			}
			CHECK(add_err(v, r, "enum", ctx,
			    "%s must be one of the following: %s",
			    field_of(ctx), s->nenums == 0 ? "(none)" :
			    rb_str(&b)));
			rb_free(&b);
		}
	}
	if (s->format != NULL && !format_ok(s->format, node))
		CHECK(add_err(v, r, "format", ctx,
		    "Does not match format '%s'", s->format));
	r->score++;
	return 0;
}

static int
validate_array(struct jv *v, const struct js *s, const rv *node,
    struct jres *r, const char *ctx)
{
	struct jres sub, best;
	size_t i, j;

	if (s->items_single) {
		for (i = 0; i < node->n; i++) {
			CHECK(sub_validate(v, s->items[0], node->u.a[i],
			    ctx_index(v, ctx, i), &sub));
			CHECK(merge(v, r, &sub));
		}
	} else if (s->nitems > 0) {
		for (i = 0; i < s->nitems && i < node->n; i++) {
			CHECK(sub_validate(v, s->items[i], node->u.a[i],
			    ctx_index(v, ctx, i), &sub));
			CHECK(merge(v, r, &sub));
		}
		if (s->nitems < node->n) {
			if (s->addi == 1) {
				CHECK(add_err(v, r, "array_no_additional_items",
				    ctx, "No additional items allowed on "
				    "array"));
			} else if (s->addi == 3) {
				for (i = s->nitems; i < node->n; i++) {
					CHECK(sub_validate(v, s->addi_schema,
					    node->u.a[i], ctx_index(v, ctx, i),
					    &sub));
					CHECK(merge(v, r, &sub));
				}
			}
		}
	}
	if (s->has_minitems && (int64_t)node->n < s->minitems)
		CHECK(add_err(v, r, "array_min_items", ctx,
		    "Array must have at least %lld items",
		    (long long)s->minitems));
	if (s->has_maxitems && (int64_t)node->n > s->maxitems)
		CHECK(add_err(v, r, "array_max_items", ctx,
		    "Array must have at most %lld items",
		    (long long)s->maxitems));
	if (s->unique) {
		const char **texts = ra_alloc(v->ar, (node->n + 1) *
		    sizeof(*texts));

		if (texts == NULL)
			return -1;
		for (j = 0; j < node->n; j++) {
			if ((texts[j] = norm_json(v->ar, node->u.a[j])) ==
			    NULL)
				return -1;
			if ((v->rc = rego_bi_step(v->ctx, j + 1)) != CCAKIT_OK)
				return -1;
			/* the latest earlier duplicate, as Go's map keeps
			 * the last index */
			for (i = j; i > 0; i--)
				if (strcmp(texts[i - 1], texts[j]) == 0) {
					CHECK(add_err(v, r, "unique", ctx,
					    "array items[%zu,%zu] must be "
					    "unique", i - 1, j));
					break;
				}
		}
	}
	if (s->contains != NULL) {
		bool one = false, have_best = false;

		for (i = 0; i < node->n && !one; i++) {
			CHECK(sub_validate(v, s->contains, node->u.a[i],
			    ctx_index(v, ctx, i), &sub));
			if (sub.n == 0)
				one = true;
			else if (!have_best || sub.score > best.score) {
				best = sub;
				have_best = true;
			}
		}
		if (!one) {
			CHECK(add_err(v, r, "contains", ctx,
			    "At least one of the items must match"));
			if (have_best)
				CHECK(merge(v, r, &best));
		}
	}
	r->score++;
	return 0;
}

static bool
prop_declared(const struct js *s, const rv *key)
{
	return rv_bsearch(s->pnames, s->nprops, key) >= 0;
}

static int
validate_object(struct jv *v, const struct js *s, const rv *node,
    struct jres *r, const char *ctx)
{
	struct jres sub;
	size_t i;

	if (s->has_minprops && (int64_t)node->n < s->minprops)
		CHECK(add_err(v, r, "array_min_properties", ctx,
		    "Must have at least %lld properties",
		    (long long)s->minprops));
	if (s->has_maxprops && (int64_t)node->n > s->maxprops)
		CHECK(add_err(v, r, "array_max_properties", ctx,
		    "Must have at most %lld properties",
		    (long long)s->maxprops));
	if (s->required != NULL)
		for (i = 0; i < s->required->n; i++) {
			if (rv_obj_get(node, s->required->u.a[i]) != NULL)
				r->score++;
			else
				CHECK(add_err(v, r, "required", ctx,
				    "%s is required",
				    s->required->u.a[i]->u.s));
		}
	for (i = 0; i < node->n; i++) {
		const rv *k = node->u.a[i];

		if (prop_declared(s, k))
			continue;
		if (s->addl == 1) {
			CHECK(add_err(v, r, "additional_property_not_allowed",
			    ctx, "Additional property %s is not allowed",
			    k->t == RV_STR ? k->u.s : "?"));
		} else if (s->addl == 3) {
			CHECK(sub_validate(v, s->addl_schema,
			    rv_obj_vals(node)[i], k->t == RV_STR ?
			    ctx_child(v, ctx, k->u.s, k->n) : ctx, &sub));
			CHECK(merge(v, r, &sub));
		}
	}
	if (s->propnames != NULL)
		for (i = 0; i < node->n; i++) {
			CHECK(sub_validate(v, s->propnames, node->u.a[i], ctx,
			    &sub));
			if (sub.n > 0) {
				CHECK(add_err(v, r, "invalid_property_name",
				    ctx, "Property name of \"%s\" does not "
				    "match", node->u.a[i]->t == RV_STR ?
				    node->u.a[i]->u.s : "?"));
				CHECK(merge(v, r, &sub));
			}
		}
	r->score++;
	return 0;
}

static int
validate_string(struct jv *v, const struct js *s, const rv *node,
    struct jres *r, const char *ctx)
{
	size_t len = rego_utf8_len(node->u.s, node->n);

	if (s->has_minlen && (int64_t)len < s->minlen)
		CHECK(add_err(v, r, "string_gte", ctx,
		    "String length must be greater than or equal to %lld",
		    (long long)s->minlen));
	if (s->has_maxlen && (int64_t)len > s->maxlen)
		CHECK(add_err(v, r, "string_lte", ctx,
		    "String length must be less than or equal to %lld",
		    (long long)s->maxlen));
	r->score++;
	return 0;
}

static int
validate_number(struct jv *v, const struct js *s, const rv *node,
    struct jres *r, const char *ctx)
{
	char b[64];

	if (s->multiple != NULL) {
		int m = multiple_of(node, s->multiple);

		if (m < 0) {
			double q = rv_num_dbl(node) / rv_num_dbl(s->multiple);

			m = q == (double)(int64_t)q;
		}
		if (m == 0) {
			fmt_num10(s->multiple, b, sizeof(b));
			CHECK(add_err(v, r, "multiple_of", ctx,
			    "Must be a multiple of %s", b));
		}
	}
	if (s->maximum != NULL && rv_num_cmp(node, s->maximum) > 0) {
		fmt_num10(s->maximum, b, sizeof(b));
		CHECK(add_err(v, r, "number_lte", ctx,
		    "Must be less than or equal to %s", b));
	}
	if (s->xmax != NULL && rv_num_cmp(node, s->xmax) >= 0) {
		fmt_num10(s->xmax, b, sizeof(b));
		CHECK(add_err(v, r, "number_lt", ctx, "Must be less than %s",
		    b));
	}
	if (s->minimum != NULL && rv_num_cmp(node, s->minimum) < 0) {
		fmt_num10(s->minimum, b, sizeof(b));
		CHECK(add_err(v, r, "number_gte", ctx,
		    "Must be greater than or equal to %s", b));
	}
	if (s->xmin != NULL && rv_num_cmp(node, s->xmin) <= 0) {
		fmt_num10(s->xmin, b, sizeof(b));
		CHECK(add_err(v, r, "number_gt", ctx,
		    "Must be greater than %s", b));
	}
	r->score++;
	return 0;
}

static int
type_err(struct jv *v, const struct js *s, struct jres *r, const char *ctx,
    const char *given)
{
	const char *exp = types_str(v, s);

	if (exp == NULL)
		return -1;
	return add_err(v, r, "invalid_type", ctx,
	    "Invalid type. Expected: %s, given: %s", exp, given);
}

/* gojsonschema's validateRecursive. */
static int
validate(struct jv *v, const struct js *s, const rv *node, struct jres *r,
    const char *ctx)
{
	size_t i;

	if (ctx == NULL || (v->rc = rego_bi_step(v->ctx, 1)) != CCAKIT_OK)
		return -1;
	if (s->is_bool) {
		if (!s->pass)
			CHECK(add_err(v, r, "false", ctx,
			    "False always fails validation"));
		return 0;
	}
	if (s->ref != NULL)
		return validate(v, s->ref, node, r, ctx);
	switch (node->t) {
	case RV_NULL:
		if (s->ntypes > 0 && !has_type(s, JT_NULL))
			return type_err(v, s, r, ctx, "null");
		CHECK(validate_schema(v, s, node, r, ctx));
		CHECK(validate_common(v, s, node, r, ctx));
		break;
	case RV_NUM: {
		bool isint = num_is_int(node);

		if (s->ntypes > 0 && !has_type(s, JT_NUMBER) &&
		    !(isint && has_type(s, JT_INTEGER)))
			return type_err(v, s, r, ctx, isint ? "integer" :
			    "number");
		CHECK(validate_schema(v, s, node, r, ctx));
		CHECK(validate_number(v, s, node, r, ctx));
		CHECK(validate_common(v, s, node, r, ctx));
		break;
	}
	case RV_ARR:
	case RV_SET:
		if (s->ntypes > 0 && !has_type(s, JT_ARRAY))
			return type_err(v, s, r, ctx, "array");
		CHECK(validate_schema(v, s, node, r, ctx));
		CHECK(validate_array(v, s, node, r, ctx));
		CHECK(validate_common(v, s, node, r, ctx));
		break;
	case RV_OBJ:
		if (s->ntypes > 0 && !has_type(s, JT_OBJECT))
			return type_err(v, s, r, ctx, "object");
		CHECK(validate_schema(v, s, node, r, ctx));
		CHECK(validate_object(v, s, node, r, ctx));
		CHECK(validate_common(v, s, node, r, ctx));
		for (i = 0; i < s->nprops; i++) {
			const rv *child = rv_obj_get(node, s->pnames[i]);

			if (child != NULL)
				CHECK(validate(v, s->props[i], child, r,
				    ctx_child(v, ctx, s->pnames[i]->u.s,
				    s->pnames[i]->n)));
		}
		break;
	case RV_BOOL:
		if (s->ntypes > 0 && !has_type(s, JT_BOOLEAN))
			return type_err(v, s, r, ctx, "boolean");
		CHECK(validate_schema(v, s, node, r, ctx));
		CHECK(validate_common(v, s, node, r, ctx));
		break;
	default:
		if (s->ntypes > 0 && !has_type(s, JT_STRING))
			return type_err(v, s, r, ctx, "string");
		CHECK(validate_schema(v, s, node, r, ctx));
		CHECK(validate_common(v, s, node, r, ctx));
		CHECK(validate_string(v, s, node, r, ctx));
		break;
	}
	r->score++;
	return 0;
}

/* --- built-ins --------------------------------------------------------- */

static int
result_pair(ccakit_rego_bictx *ctx, bool ok, const rv *second,
    const rv **out)
{
	const rv *items[2];

	NOMEM_IF(ctx, second);
	items[0] = RV_BOOLV(ok);
	items[1] = second;
	NOMEM_IF(ctx, *out = rv_arr_copy(rego_bi_arena(ctx), items, 2));
	return CCAKIT_OK;
}

static void
jc_init(struct jc *c, ccakit_rego_bictx *ctx)
{
	memset(c, 0, sizeof(*c));
	c->ctx = ctx;
	c->ar = rego_bi_arena(ctx);
}

static int
bi_verify_schema(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct jc c;
	char msg[440];

	jc_init(&c, ctx);
	if (compile_root(&c, a[0]) != NULL)
		return result_pair(ctx, true, RV_NULLV, out);
	if (c.rc != 0)
		return c.rc;
	snprintf(msg, sizeof(msg), "jsonschema: %s", c.err);
	return result_pair(ctx, false, rv_cstr(c.ar, msg), out);
}

static int
bi_match_schema(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	struct jc c;
	struct jv v;
	struct jres r;
	const rv *doc, **items;
	struct js *s;
	size_t i;

	jc_init(&c, ctx);
	if (!load(&c, a[0], &doc))
		return c.rc != 0 ? c.rc : ccakit_rego_bi_error(ctx, "%s",
		    c.err);
	if ((s = compile_root(&c, a[1])) == NULL)
		return c.rc != 0 ? c.rc : ccakit_rego_bi_error(ctx, "%s",
		    c.err);
	memset(&v, 0, sizeof(v));
	v.ctx = ctx;
	v.ar = ar;
	memset(&r, 0, sizeof(r));
	if (validate(&v, s, doc, &r, "(root)") != 0)
		return v.rc != 0 ? v.rc : rego_bi_nomem(ctx);
	NOMEM_IF(ctx, items = ra_alloc(ar, (r.n + 1) * sizeof(*items)));
	for (i = 0; i < r.n; i++) {
		const rv **k, **vals;
		char *e;
		size_t fl = strlen(r.e[i].field), dl = strlen(r.e[i].desc), j;

		NOMEM_IF(ctx, e = ra_alloc(ar, fl + dl + 3));
		NOMEM_IF(ctx, k = ra_alloc(ar, 8 * sizeof(*k)));
		vals = k + 4;
		memcpy(e, r.e[i].field, fl);
		memcpy(e + fl, ": ", 2);
		memcpy(e + fl + 2, r.e[i].desc, dl + 1);
		/* keys in Rego's order */
		k[0] = rv_cstr(ar, "desc");
		vals[0] = rv_cstr(ar, r.e[i].desc);
		k[1] = rv_cstr(ar, "error");
		vals[1] = rv_str_ref(ar, e, fl + dl + 2);
		k[2] = rv_cstr(ar, "field");
		vals[2] = rv_cstr(ar, r.e[i].field);
		k[3] = rv_cstr(ar, "type");
		vals[3] = rv_cstr(ar, r.e[i].type);
		for (j = 0; j < 4; j++)
			NOMEM_IF(ctx, k[j] != NULL ? vals[j] : NULL);
		NOMEM_IF(ctx, items[i] = rv_obj_sorted(ar, k, vals, 4));
	}
	return result_pair(ctx, r.n == 0, rv_arr(ar, items, r.n), out);
}

const struct rego_bi_def rego_bi_jsonschema[] = {
	{ "json.verify_schema", 1, 0, bi_verify_schema },
	{ "json.match_schema", 2, 0, bi_match_schema },
	{ NULL, 0, 0, NULL },
};
