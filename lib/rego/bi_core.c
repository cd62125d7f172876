/*
 * Operators: comparison (==, !=, <, <=, >, >=), arithmetic (+ - * / %,
 * `-` also set difference), set `&` and `|`, membership (`in`) and
 * template strings.
 */
#include <string.h>

#include "rego/rego_priv.h"

static int
cmp_op(const rv *const *a, const rv **out, int op)
{
	int c = rv_cmp(a[0], a[1]);
	bool r;

	switch (op) {
	case 0: r = c == 0; break;
	case 1: r = c != 0; break;
	case 2: r = c < 0; break;
	case 3: r = c <= 0; break;
	case 4: r = c > 0; break;
	default: r = c >= 0; break;
	}
	*out = RV_BOOLV(r);
	return CCAKIT_OK;
}

static int
bi_equal(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	(void)ctx;
	return cmp_op(a, out, 0);
}

static int
bi_neq(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	(void)ctx;
	return cmp_op(a, out, 1);
}

static int
bi_lt(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	(void)ctx;
	return cmp_op(a, out, 2);
}

static int
bi_lte(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	(void)ctx;
	return cmp_op(a, out, 3);
}

static int
bi_gt(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	(void)ctx;
	return cmp_op(a, out, 4);
}

static int
bi_gte(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	(void)ctx;
	return cmp_op(a, out, 5);
}

/* Result of a number operation. */
static int
num_result(ccakit_rego_bictx *ctx, int rc)
{
	switch (rc) {
	case NUM_OK:
		return CCAKIT_OK;
	case NUM_EDIVZERO:
		return ccakit_rego_bi_error(ctx, "divide by zero");
	case NUM_EMODZERO:
		return ccakit_rego_bi_error(ctx, "modulo by zero");
	case NUM_EMODFLOAT:
		return ccakit_rego_bi_error(ctx,
		    "modulo on floating-point number");
	case NUM_ERANGE:
		return ccakit_rego_bi_error(ctx, "number out of range");
	default:
		return rego_bi_nomem(ctx);
	}
}

static int
arith(ccakit_rego_bictx *ctx, args_t a, const rv **out,
    int (*op)(struct rego_arena *, const rv *, const rv *, const rv **))
{
	BI_NEED(ctx, a, 0, RV_NUM, "number");
	BI_NEED(ctx, a, 1, RV_NUM, "number");
	return num_result(ctx, op(rego_bi_arena(ctx), a[0], a[1], out));
}

static int
bi_plus(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return arith(ctx, a, out, rv_num_add);
}

static int
bi_mul(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return arith(ctx, a, out, rv_num_mul);
}

static int
bi_div(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return arith(ctx, a, out, rv_num_div);
}

static int
bi_rem(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return arith(ctx, a, out, rv_num_rem);
}

/* Set operations on sorted member vectors. */
static const rv *
set_op(struct rego_arena *ar, const rv *x, const rv *y, int op)
{
	const rv **v;
	size_t i = 0, j = 0, n = 0;
	int c;

	if ((v = ra_alloc(ar, (x->n + y->n + 1) * sizeof(*v))) == NULL)
		return NULL;
	while (i < x->n || j < y->n) {
		if (i == x->n)
			c = 1;
		else if (j == y->n)
			c = -1;
		else
			c = rv_cmp(x->u.a[i], y->u.a[j]);
		if (c < 0) {
			if (op != 1)  /* union, difference keep x-only */
				v[n++] = x->u.a[i];
			i++;
		} else if (c > 0) {
			if (op == 0)  /* union keeps y-only */
				v[n++] = y->u.a[j];
			j++;
		} else {
			if (op != 2)  /* union, intersection keep both */
				v[n++] = x->u.a[i];
			i++;
			j++;
		}
	}
	return rv_set_sorted(ar, v, n);
}

const rv *rego_set_union(struct rego_arena *ar, const rv *x, const rv *y);
const rv *rego_set_intersect(struct rego_arena *ar, const rv *x,
    const rv *y);

const rv *
rego_set_union(struct rego_arena *ar, const rv *x, const rv *y)
{
	return set_op(ar, x, y, 0);
}

const rv *
rego_set_intersect(struct rego_arena *ar, const rv *x, const rv *y)
{
	return set_op(ar, x, y, 1);
}

static int
bi_minus(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	if (a[0]->t == RV_NUM) {
		BI_NEED(ctx, a, 1, RV_NUM, "number");
		return num_result(ctx, rv_num_sub(rego_bi_arena(ctx), a[0],
		    a[1], out));
	}
	if (a[0]->t == RV_SET) {
		BI_NEED(ctx, a, 1, RV_SET, "set");
		if ((*out = set_op(rego_bi_arena(ctx), a[0], a[1], 2)) ==
		    NULL)
			return rego_bi_nomem(ctx);
		return CCAKIT_OK;
	}
	return rego_bi_operr(ctx, 1, "one of {number, set}", a[0]);
}

static int
bi_and(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	BI_NEED(ctx, a, 0, RV_SET, "set");
	BI_NEED(ctx, a, 1, RV_SET, "set");
	if ((*out = set_op(rego_bi_arena(ctx), a[0], a[1], 1)) == NULL)
		return rego_bi_nomem(ctx);
	return CCAKIT_OK;
}

static int
bi_or(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	BI_NEED(ctx, a, 0, RV_SET, "set");
	BI_NEED(ctx, a, 1, RV_SET, "set");
	if ((*out = set_op(rego_bi_arena(ctx), a[0], a[1], 0)) == NULL)
		return rego_bi_nomem(ctx);
	return CCAKIT_OK;
}

/* x in xs: values of arrays and objects, members of sets; false for
 * anything else (null included). */
static int
bi_member2(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	const rv *c = a[1];
	size_t i;
	bool r = false;

	(void)ctx;
	switch (c->t) {
	case RV_ARR:
		for (i = 0; i < c->n && !r; i++)
			r = rv_eq(c->u.a[i], a[0]);
		break;
	case RV_OBJ:
		for (i = 0; i < c->n && !r; i++)
			r = rv_eq(rv_obj_vals(c)[i], a[0]);
		break;
	case RV_SET:
		r = rv_set_has(c, a[0]);
		break;
	default:
		break;
	}
	*out = RV_BOOLV(r);
	return CCAKIT_OK;
}

/* k, v in xs */
static int
bi_member3(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	const rv *c = a[2], *v;
	bool r = false;

	(void)ctx;
	if (c->t == RV_ARR || c->t == RV_OBJ || c->t == RV_SET) {
		if ((v = rv_get(c, a[0])) != NULL)
			r = rv_eq(v, a[1]);
	}
	*out = RV_BOOLV(r);
	return CCAKIT_OK;
}

/* $"..{x}..": parts are strings and sets (the values of each
 * expression: none prints <undefined>). */
static int
bi_template_string(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_buf *b = rego_bi_buf(ctx);
	const rv *arr = a[0], *p;
	size_t i;

	BI_NEED(ctx, a, 0, RV_ARR, "array");
	for (i = 0; i < arr->n; i++) {
		p = arr->u.a[i];
		if (p->t == RV_STR) {
			rb_put(b, p->u.s, p->n);
			continue;
		}
		if (p->t != RV_SET) {
			rego_fmt_value(b, p);
			continue;
		}
		if (p->n == 0) {
			rb_puts(b, "<undefined>");
			continue;
		}
		if (p->n > 1)
			return rego_bi_conflict(ctx, "template-strings must "
			    "not produce multiple outputs");
		rego_fmt_value(b, p->u.a[0]);
	}
	if (b->oom)
		return rego_bi_nomem(ctx);
	if ((*out = rv_str(rego_bi_arena(ctx), rb_str(b), b->len)) == NULL)
		return rego_bi_nomem(ctx);
	return CCAKIT_OK;
}

/* opa.runtime(): no environment, configuration or version is exposed
 * to policies. */
static int
bi_opa_runtime(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	(void)ctx;
	(void)a;
	*out = &rv_empty_obj_v;
	return CCAKIT_OK;
}

/* print(msg): the library never prints; the operands are evaluated and
 * formatted (see the parser), the message is dropped. */
static int
bi_print(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	(void)ctx;
	(void)a;
	*out = RV_TRUE;
	return CCAKIT_OK;
}

const struct rego_bi_def rego_bi_core[] = {
	{ "print", 1, CCAKIT_REGO_BI_NONDET, bi_print },
	{ "opa.runtime", 0, 0, bi_opa_runtime },
	{ "equal", 2, 0, bi_equal },
	{ "neq", 2, 0, bi_neq },
	{ "lt", 2, 0, bi_lt },
	{ "lte", 2, 0, bi_lte },
	{ "gt", 2, 0, bi_gt },
	{ "gte", 2, 0, bi_gte },
	{ "plus", 2, 0, bi_plus },
	{ "minus", 2, 0, bi_minus },
	{ "mul", 2, 0, bi_mul },
	{ "div", 2, 0, bi_div },
	{ "rem", 2, 0, bi_rem },
	{ "and", 2, 0, bi_and },
	{ "or", 2, 0, bi_or },
	{ "internal.member_2", 2, 0, bi_member2 },
	{ "internal.member_3", 3, 0, bi_member3 },
	{ "internal.template_string", 1, 0, bi_template_string },
	{ NULL, 0, 0, NULL },
};
