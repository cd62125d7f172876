/* Aggregates: count, sum, product, max, min, sort. */
#include <string.h>

#include "rego/rego_priv.h"

static int
bi_count(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	size_t n;

	switch (a[0]->t) {
	case RV_ARR:
	case RV_OBJ:
	case RV_SET:
		n = a[0]->n;
		break;
	case RV_STR:
		n = rego_utf8_len(a[0]->u.s, a[0]->n);
		break;
	default:
		return rego_bi_operr(ctx, 1,
		    "one of {array, object, set, string}", a[0]);
	}
	if ((*out = rv_int(rego_bi_arena(ctx), (int64_t)n)) == NULL)
		return rego_bi_nomem(ctx);
	return CCAKIT_OK;
}

static int
fold_num(ccakit_rego_bictx *ctx, args_t a, const rv **out, bool mul)
{
	const rv *acc = rv_int(rego_bi_arena(ctx), mul ? 1 : 0);
	size_t i;
	int rc;

	if (a[0]->t != RV_ARR && a[0]->t != RV_SET)
		return rego_bi_operr(ctx, 1, "one of {array, set}", a[0]);
	for (i = 0; i < a[0]->n; i++) {
		const rv *x = a[0]->u.a[i];

		if (x->t != RV_NUM)
			return rego_bi_operr(ctx, 1, mul ?
			    "array or set of numbers" :
			    "array or set of numbers", x);
		rc = mul ? rv_num_mul(rego_bi_arena(ctx), acc, x, &acc) :
		    rv_num_add(rego_bi_arena(ctx), acc, x, &acc);
		if (rc == NUM_ENOMEM)
			return rego_bi_nomem(ctx);
		if (rc != NUM_OK)
			return ccakit_rego_bi_error(ctx, "number out of range");
	}
	*out = acc;
	return CCAKIT_OK;
}

static int
bi_sum(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return fold_num(ctx, a, out, false);
}

static int
bi_product(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return fold_num(ctx, a, out, true);
}

static int
extreme(ccakit_rego_bictx *ctx, args_t a, const rv **out, int sign)
{
	const rv *best = NULL;
	size_t i;

	if (a[0]->t != RV_ARR && a[0]->t != RV_SET)
		return rego_bi_operr(ctx, 1, "one of {array, set}", a[0]);
	if (a[0]->t == RV_SET && a[0]->n > 0) {
		*out = a[0]->u.a[sign > 0 ? a[0]->n - 1 : 0];
		return CCAKIT_OK;
	}
	for (i = 0; i < a[0]->n; i++)
		if (best == NULL || rv_cmp(a[0]->u.a[i], best) * sign > 0)
			best = a[0]->u.a[i];
	*out = best;  /* undefined for an empty collection */
	return CCAKIT_OK;
}

static int
bi_max(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return extreme(ctx, a, out, 1);
}

static int
bi_min(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return extreme(ctx, a, out, -1);
}

static int
bi_sort(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	const rv **v;
	size_t i, j, n = a[0]->n;

	if (a[0]->t == RV_SET) {
		*out = rv_arr_copy(ar, a[0]->u.a, n);
		return *out == NULL ? rego_bi_nomem(ctx) : CCAKIT_OK;
	}
	if (a[0]->t != RV_ARR)
		return rego_bi_operr(ctx, 1, "one of {array, set}", a[0]);
	if ((v = ra_alloc(ar, (n + 1) * sizeof(*v))) == NULL)
		return rego_bi_nomem(ctx);
	/* stable merge via a set would drop duplicates: insertion sort for
	 * small arrays, else merge sort on a copy */
	if (n > 0)
		memcpy(v, a[0]->u.a, n * sizeof(*v));
	if (n > 32) {
		const rv **tmp = ra_alloc(ar, n * sizeof(*tmp));
		size_t width, lo;

		if (tmp == NULL)
			return rego_bi_nomem(ctx);
		for (width = 1; width < n; width *= 2) {
			for (lo = 0; lo < n; lo += 2 * width) {
				size_t mid = lo + width < n ? lo + width : n;
				size_t hi = lo + 2 * width < n ? lo + 2 * width :
				    n, x = lo, y = mid, o = lo;

				while (x < mid && y < hi)
					tmp[o++] = rv_cmp(v[y], v[x]) < 0 ?
					    v[y++] : v[x++];
				while (x < mid)
					tmp[o++] = v[x++];
				while (y < hi)
					tmp[o++] = v[y++];
			}
			memcpy(v, tmp, n * sizeof(*v));
		}
	} else {
		for (i = 1; i < n; i++) {
			const rv *x = v[i];

			for (j = i; j > 0 && rv_cmp(v[j - 1], x) > 0; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
	}
	if ((*out = rv_arr(ar, v, n)) == NULL)
		return rego_bi_nomem(ctx);
	return CCAKIT_OK;
}

const struct rego_bi_def rego_bi_agg[] = {
	{ "count", 1, 0, bi_count },
	{ "sum", 1, 0, bi_sum },
	{ "product", 1, 0, bi_product },
	{ "max", 1, 0, bi_max },
	{ "min", 1, 0, bi_min },
	{ "sort", 1, 0, bi_sort },
	{ NULL, 0, 0, NULL },
};
