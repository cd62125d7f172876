/*
 * Numbers: abs, ceil, floor, round, numbers.range(_step), bits.*,
 * to_number, rand.intn.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>

#include "rego/rego_priv.h"

/* Integer operand (int64), with OPA's messages (rego_priv.h). */
int
rego_bi_int_arg(ccakit_rego_bictx *ctx, args_t a, unsigned i, int64_t *out)
{
	if (a[i]->t != RV_NUM)
		return rego_bi_operr(ctx, i + 1, "number", a[i]);
	if (a[i]->nt == RN_FLT) {
		double f = a[i]->u.f;

		/* a computed integral value (no literal text) is an
		 * integer; a literal such as 2.0 is not (as in OPA) */
		if (a[i]->x == NULL && f == floor(f) && fabs(f) < 9e15) {
			*out = (int64_t)f;
			return CCAKIT_OK;
		}
		return rego_bi_typeerr(ctx, "operand %u must be integer number "
		    "but got floating-point number", i + 1);
	}
	if (a[i]->nt == RN_BIG)
		return ccakit_rego_bi_error(ctx, "operand %u is out of range",
		    i + 1);
	*out = a[i]->u.i;
	return CCAKIT_OK;
}

static int
rounding(ccakit_rego_bictx *ctx, args_t a, const rv **out, int mode)
{
	BI_NEED(ctx, a, 0, RV_NUM, "number");
	if (rv_num_round(rego_bi_arena(ctx), a[0], mode, out) != NUM_OK)
		return rego_bi_nomem(ctx);
	return CCAKIT_OK;
}

static int
bi_round(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return rounding(ctx, a, out, 0);
}

static int
bi_floor(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return rounding(ctx, a, out, 1);
}

static int
bi_ceil(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return rounding(ctx, a, out, 2);
}

static int
bi_abs(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return rounding(ctx, a, out, 3);
}

static int
range_out(ccakit_rego_bictx *ctx, int64_t x, int64_t y, uint64_t step,
    const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	uint64_t span = x <= y ? (uint64_t)y - (uint64_t)x :
	    (uint64_t)x - (uint64_t)y;
	uint64_t n = span / step + 1, i;
	const rv **v;

	if (n > (1u << 26))
		return rego_bi_nomem(ctx);
	if ((v = ra_alloc(ar, (size_t)n * sizeof(*v))) == NULL)
		return rego_bi_nomem(ctx);
	for (i = 0; i < n; i++) {
		int64_t e = x <= y ? (int64_t)((uint64_t)x + i * step) :
		    (int64_t)((uint64_t)x - i * step);

		if ((v[i] = rv_int(ar, e)) == NULL)
			return rego_bi_nomem(ctx);
	}
	if ((*out = rv_arr(ar, v, (size_t)n)) == NULL)
		return rego_bi_nomem(ctx);
	return CCAKIT_OK;
}

static int
bi_range(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	int64_t x, y;
	int rc;

	if ((rc = rego_bi_int_arg(ctx, a, 0, &x)) != CCAKIT_OK ||
	    (rc = rego_bi_int_arg(ctx, a, 1, &y)) != CCAKIT_OK)
		return rc;
	return range_out(ctx, x, y, 1, out);
}

static int
bi_range_step(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	int64_t x, y, s;
	int rc;

	if ((rc = rego_bi_int_arg(ctx, a, 0, &x)) != CCAKIT_OK ||
	    (rc = rego_bi_int_arg(ctx, a, 1, &y)) != CCAKIT_OK)
		return rc;
	if (a[2]->t == RV_NUM && a[2]->nt == RN_BIG && a[2]->u.s[0] != '-')
		return range_out(ctx, x, x, 1, out);
	if ((rc = rego_bi_int_arg(ctx, a, 2, &s)) != CCAKIT_OK)
		return rc;
	if (s <= 0)
		return ccakit_rego_bi_error(ctx,
		    "step must be a positive integer");
	return range_out(ctx, x, y, (uint64_t)s, out);
}

static int
bits2(ccakit_rego_bictx *ctx, args_t a, const rv **out, int op)
{
	int64_t x, y, r;
	int rc;

	if ((rc = rego_bi_int_arg(ctx, a, 0, &x)) != CCAKIT_OK ||
	    (rc = rego_bi_int_arg(ctx, a, 1, &y)) != CCAKIT_OK)
		return rc;
	r = op == 0 ? (x & y) : (op == 1 ? (x | y) : (x ^ y));
	if ((*out = rv_int(rego_bi_arena(ctx), r)) == NULL)
		return rego_bi_nomem(ctx);
	return CCAKIT_OK;
}

static int
bi_bits_and(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return bits2(ctx, a, out, 0);
}

static int
bi_bits_or(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return bits2(ctx, a, out, 1);
}

static int
bi_bits_xor(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return bits2(ctx, a, out, 2);
}

static int
bi_bits_negate(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	int64_t x;
	int rc;

	if ((rc = rego_bi_int_arg(ctx, a, 0, &x)) != CCAKIT_OK)
		return rc;
	if ((*out = rv_int(rego_bi_arena(ctx), ~x)) == NULL)
		return rego_bi_nomem(ctx);
	return CCAKIT_OK;
}

static int
shift(ccakit_rego_bictx *ctx, args_t a, const rv **out, bool left)
{
	int64_t s;
	int rc;

	BI_NEED(ctx, a, 0, RV_NUM, "number");
	if (a[0]->nt == RN_FLT)
		return rego_bi_typeerr(ctx, "operand 1 must be integer number "
		    "but got floating-point number");
	if ((rc = rego_bi_int_arg(ctx, a, 1, &s)) != CCAKIT_OK)
		return rc;
	if (s < 0)
		return rego_bi_typeerr(ctx, "operand 2 must be an unsigned "
		    "integer number but got a negative integer");
	rc = rv_num_shift(rego_bi_arena(ctx), a[0], (uint64_t)s, left, out);
	if (rc == NUM_ENOMEM)
		return rego_bi_nomem(ctx);
	if (rc != NUM_OK)
		return ccakit_rego_bi_error(ctx, "shift out of range");
	return CCAKIT_OK;
}

static int
bi_bits_lsh(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return shift(ctx, a, out, true);
}

static int
bi_bits_rsh(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return shift(ctx, a, out, false);
}

/* Go's strconv.ParseFloat syntax check (decimal; "inf"/"nan" rejected
 * by the caller). */
static int
bi_to_number(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	const char *s;
	char *end, buf[128];
	size_t n, i, j = 0;
	double f;

	switch (a[0]->t) {
	case RV_NULL:
		*out = rv_int(ar, 0);
		return CCAKIT_OK;
	case RV_BOOL:
		*out = rv_int(ar, a[0]->b ? 1 : 0);
		return CCAKIT_OK;
	case RV_NUM:
		*out = a[0];
		return CCAKIT_OK;
	case RV_STR:
		break;
	default:
		return rego_bi_operr(ctx, 1,
		    "one of {boolean, null, number, string}", a[0]);
	}
	s = a[0]->u.s;
	n = a[0]->n;
	{
		const char *t = s;
		size_t tn = n;

		if (tn > 0 && (t[0] == '+' || t[0] == '-')) {
			t++;
			tn--;
		}
		if ((tn == 3 && (strncasecmp(t, "nan", 3) == 0 ||
		    strncasecmp(t, "inf", 3) == 0)) || (tn == 8 &&
		    strncasecmp(t, "infinity", 8) == 0))
			return rego_bi_typeerr(ctx, "operand 1 must be a "
			    "valid number string but got %.*s", (int)n, s);
	}
	if (n == 0 || n >= sizeof(buf))
		return ccakit_rego_bi_error(ctx, "strconv.ParseFloat: parsing "
		    "%.*s: invalid syntax", (int)(n > 64 ? 64 : n), s);
	/* "+1" is accepted by ParseFloat; the number keeps no '+' */
	if (s[0] == '+')
		i = 1;
	else
		i = 0;
	for (; i < n; i++)
		buf[j++] = s[i];
	buf[j] = '\0';
	errno = 0;
	f = strtod(buf, &end);
	if (*end != '\0' || end == buf || buf[0] == ' ' ||
	    (buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X')))
		return ccakit_rego_bi_error(ctx, "strconv.ParseFloat: parsing "
		    "%s: invalid syntax", buf);
	if ((*out = rv_num_parse(ar, buf, j)) == NULL) {
		if (ar->failed)
			return rego_bi_nomem(ctx);
		if ((*out = rv_dbl(ar, f)) == NULL)
			return rego_bi_nomem(ctx);
	}
	return CCAKIT_OK;
}

/* rand.intn(str, n): a random integer in [0, n), the same for the same
 * arguments within one query. */
static int
bi_rand_intn(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	const rv *key, *k[3];
	uint64_t r;
	int64_t n;
	int rc;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	if ((rc = rego_bi_int_arg(ctx, a, 1, &n)) != CCAKIT_OK)
		return rc;
	if (n == 0) {
		*out = rv_int(ar, 0);
		return CCAKIT_OK;
	}
	if (n < 0)
		n = -n;
	k[0] = rv_cstr(ar, "rand.intn");
	k[1] = a[0];
	k[2] = a[1];
	if (k[0] == NULL || (key = rv_arr_copy(ar, k, 3)) == NULL)
		return rego_bi_nomem(ctx);
	if ((*out = rego_bi_memo_get(ctx, key)) != NULL)
		return CCAKIT_OK;
	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		return ccakit_rego_bi_error(ctx, "random source failed");
	if ((*out = rv_int(ar, (int64_t)(r % (uint64_t)n))) == NULL)
		return rego_bi_nomem(ctx);
	return rego_bi_memo_put(ctx, key, *out);
}

const struct rego_bi_def rego_bi_numbers[] = {
	{ "abs", 1, 0, bi_abs },
	{ "ceil", 1, 0, bi_ceil },
	{ "floor", 1, 0, bi_floor },
	{ "round", 1, 0, bi_round },
	{ "numbers.range", 2, 0, bi_range },
	{ "numbers.range_step", 3, 0, bi_range_step },
	{ "bits.and", 2, 0, bi_bits_and },
	{ "bits.or", 2, 0, bi_bits_or },
	{ "bits.xor", 2, 0, bi_bits_xor },
	{ "bits.negate", 1, 0, bi_bits_negate },
	{ "bits.lsh", 2, 0, bi_bits_lsh },
	{ "bits.rsh", 2, 0, bi_bits_rsh },
	{ "to_number", 1, 0, bi_to_number },
	{ "rand.intn", 2, CCAKIT_REGO_BI_NONDET, bi_rand_intn },
	{ NULL, 0, 0, NULL },
};
