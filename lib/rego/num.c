/*
 * Rego numbers. OPA keeps numbers as decimal text and computes exactly
 * on integers (big.Int) and in floating point otherwise. Here:
 *   RN_INT  int64 (the common case, no allocation for 0..255 and -1);
 *   RN_BIG  an integer outside int64: canonical decimal digits, computed
 *           with OpenSSL's BIGNUM on the rare occasions it is needed;
 *   RN_FLT  a double, with the literal text kept for printing.
 * A floating-point result that is integral and below 1e6 becomes an
 * integer, as OPA's FloatToNumber (big.Float.Text('g', -1)) does.
 */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>

#include "rego/rego_priv.h"

static rv *
num_alloc(struct rego_arena *a)
{
	rv *v = ra_alloc(a, sizeof(*v));

	if (v != NULL) {
		memset(v, 0, sizeof(*v));
		v->t = RV_NUM;
	}
	return v;
}

/* An integer from canonical decimal digits (optional '-'). */
static const rv *
int_from_digits(struct rego_arena *a, const char *s, size_t n)
{
	bool neg = false;
	uint64_t acc = 0;
	size_t i = 0;
	rv *v;

	if (n > 0 && s[0] == '-') {
		neg = true;
		i = 1;
	}
	while (i < n - 1 && s[i] == '0')
		i++;  /* leading zeros */
	if (n - i <= 19) {
		for (size_t j = i; j < n; j++)
			acc = acc * 10 + (uint64_t)(s[j] - '0');
		if (!neg && acc <= (uint64_t)INT64_MAX)
			return rv_int(a, (int64_t)acc);
		if (neg && acc <= (uint64_t)INT64_MAX + 1u)
			return rv_int(a, acc == (uint64_t)INT64_MAX + 1u ?
			    INT64_MIN : -(int64_t)acc);
	}
	if ((v = num_alloc(a)) == NULL)
		return NULL;
	v->nt = RN_BIG;
	if (neg) {
		char *p = ra_alloc(a, n - i + 2);

		if (p == NULL)
			return NULL;
		p[0] = '-';
		memcpy(p + 1, s + i, n - i);
		p[n - i + 1] = '\0';
		v->u.s = p;
		v->n = (uint32_t)(n - i + 1);
	} else {
		if ((v->u.s = ra_strndup(a, s + i, n - i)) == NULL)
			return NULL;
		v->n = (uint32_t)(n - i);
	}
	return v;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Validate JSON/Rego number syntax; *isint when no fraction/exponent. */
static bool
num_syntax(const char *s, size_t n, bool *isint)
{
	size_t i = 0, d;

	*isint = true;
	if (i < n && s[i] == '-')
		i++;
	d = i;
	while (i < n && is_digit(s[i]))
		i++;
	if (i == d && !(i < n && s[i] == '.'))
		return false;
	if (i < n && s[i] == '.') {
		*isint = false;
		i++;
		d = i;
		while (i < n && is_digit(s[i]))
			i++;
		if (i == d)
			return false;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		*isint = false;
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		d = i;
		while (i < n && is_digit(s[i]))
			i++;
		if (i == d)
			return false;
	}
	return i == n;
}

const rv *
rv_num_parse(struct rego_arena *a, const char *s, size_t n)
{
	bool isint;
	char buf[64], *tmp = NULL;
	const char *p;
	double f;
	rv *v;

	if (n == 0 || !num_syntax(s, n, &isint))
		return NULL;
	if (isint)
		return int_from_digits(a, s, n);
	if (n < sizeof(buf)) {
		memcpy(buf, s, n);
		buf[n] = '\0';
		p = buf;
	} else {
		if ((tmp = malloc(n + 1)) == NULL) {
			a->failed = true;
			return NULL;
		}
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		p = tmp;
	}
	errno = 0;
	f = strtod(p, NULL);
	free(tmp);
	if (isnan(f))
		return NULL;
	/* beyond double range (2e308): kept, printed from its text */
	if ((v = num_alloc(a)) == NULL)
		return NULL;
	v->nt = RN_FLT;
	v->u.f = f == 0 ? 0.0 : f;
	if ((v->x = ra_strndup(a, s, n)) == NULL)
		return NULL;
	return v;
}

bool
rv_num_is_int(const rv *v)
{
	return v->t == RV_NUM && v->nt != RN_FLT;
}

bool
rv_num_i64(const rv *v, int64_t *out)
{
	if (v->t != RV_NUM || v->nt != RN_INT)
		return false;
	*out = v->u.i;
	return true;
}

double
rv_num_dbl(const rv *v)
{
	if (v->t != RV_NUM)
		return 0;
	switch (v->nt) {
	case RN_INT:
		return (double)v->u.i;
	case RN_BIG:
		return strtod(v->u.s, NULL);
	default:
		return v->u.f;
	}
}

static long double
num_ld(const rv *v)
{
	switch (v->nt) {
	case RN_INT:
		return (long double)v->u.i;
	case RN_BIG:
		return strtold(v->u.s, NULL);
	default:
		return (long double)v->u.f;
	}
}

static int
big_sign(const rv *v)
{
	return v->u.s[0] == '-' ? -1 : 1;
}

static int
big_cmp(const rv *a, const rv *b)
{
	int sa = big_sign(a), sb = big_sign(b), c;

	if (sa != sb)
		return sa < sb ? -1 : 1;
	if (a->n != b->n)
		c = a->n < b->n ? -1 : 1;
	else
		c = memcmp(a->u.s, b->u.s, a->n) < 0 ? -1 :
		    (memcmp(a->u.s, b->u.s, a->n) > 0 ? 1 : 0);
	return sa < 0 ? -c : c;
}

int
rv_num_cmp(const rv *a, const rv *b)
{
	long double x, y;

	if (a->nt == RN_INT && b->nt == RN_INT)
		return a->u.i < b->u.i ? -1 : (a->u.i > b->u.i ? 1 : 0);
	if (a->nt == RN_BIG && b->nt == RN_BIG)
		return big_cmp(a, b);
	if (a->nt == RN_BIG && b->nt == RN_INT)
		return big_sign(a);
	if (a->nt == RN_INT && b->nt == RN_BIG)
		return -big_sign(b);
	x = num_ld(a);
	y = num_ld(b);
	return x < y ? -1 : (x > y ? 1 : 0);
}

size_t
rv_fmt_double(double f, char *buf, size_t len, bool upper)
{
	char tmp[40];
	int prec, e;
	char *ep;

	if (f == 0)
		return (size_t)snprintf(buf, len, "0");
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, f);
		if (strtod(tmp, NULL) == f)
			break;
	}
	/* tmp: d.ddddde±XX */
	ep = strchr(tmp, 'e');
	e = ep != NULL ? atoi(ep + 1) : 0;
	if (e < -4 || e >= 21) {
		/* mantissa without trailing zeros, exponent as Go: e+21 */
		char mant[32];
		size_t ml = (size_t)(ep - tmp);

		memcpy(mant, tmp, ml);
		mant[ml] = '\0';
		if (strchr(mant, '.') != NULL) {
			while (ml > 0 && mant[ml - 1] == '0')
				mant[--ml] = '\0';
			if (ml > 0 && mant[ml - 1] == '.')
				mant[--ml] = '\0';
		}
		return (size_t)snprintf(buf, len, "%s%c%c%02d", mant,
		    upper ? 'E' : 'e', e < 0 ? '-' : '+', e < 0 ? -e : e);
	}
	prec = prec - 1 - e;
	if (prec < 0)
		prec = 0;
	return (size_t)snprintf(buf, len, "%.*f", prec, f);
}

size_t
rv_num_text(const rv *v, char *buf, size_t len)
{
	switch (v->nt) {
	case RN_INT:
		return (size_t)snprintf(buf, len, "%" PRId64, v->u.i);
	case RN_BIG:
		return (size_t)snprintf(buf, len, "%s", v->u.s);
	default:
		if (v->x != NULL)
			return (size_t)snprintf(buf, len, "%s",
			    (const char *)v->x);
		return rv_fmt_double(v->u.f, buf, len, false);
	}
}

const rv *
rv_dbl(struct rego_arena *a, double f)
{
	rv *v;

	if (f == 0)
		return rv_int(a, 0);
	if (f == floor(f) && fabs(f) < 9.2e18)
		return rv_int(a, (int64_t)f);
	if (f == floor(f) && isfinite(f)) {
		char buf[400];

		snprintf(buf, sizeof(buf), "%.0f", f);
		return int_from_digits(a, buf, strlen(buf));
	}
	if ((v = num_alloc(a)) == NULL)
		return NULL;
	v->nt = RN_FLT;
	v->u.f = f;
	return v;
}

/* ------------------------------------------------------------------ */
/* BIGNUM bridge.                                                       */

static BIGNUM *
to_bn(const rv *v)
{
	BIGNUM *bn = NULL;
	char buf[32];

	if (v->nt == RN_INT) {
		snprintf(buf, sizeof(buf), "%" PRId64, v->u.i);
		if (BN_dec2bn(&bn, buf) == 0)
			return NULL;
	} else if (BN_dec2bn(&bn, v->u.s) == 0) {
		return NULL;
	}
	return bn;
}

static const rv *
from_bn(struct rego_arena *a, const BIGNUM *bn)
{
	char *s = BN_bn2dec(bn);
	const rv *r;

	if (s == NULL) {
		a->failed = true;
		return NULL;
	}
	r = int_from_digits(a, s, strlen(s));
	OPENSSL_free(s);
	return r;
}

enum { BOP_ADD, BOP_SUB, BOP_MUL, BOP_DIV, BOP_REM };

/* Integer op on big numbers; for BOP_DIV *exact tells whether the
 * remainder was zero. */
static int
big_op(struct rego_arena *a, int op, const rv *x, const rv *y,
    const rv **out, bool *exact)
{
	BIGNUM *bx = to_bn(x), *by = to_bn(y), *r = BN_new(), *rem = BN_new();
	BN_CTX *ctx = BN_CTX_new();
	int ok = 0, rc = NUM_ENOMEM;

	if (bx == NULL || by == NULL || r == NULL || rem == NULL ||
	    ctx == NULL)
		goto out;
	switch (op) {
	case BOP_ADD:
		ok = BN_add(r, bx, by);
		break;
	case BOP_SUB:
		ok = BN_sub(r, bx, by);
		break;
	case BOP_MUL:
		ok = BN_mul(r, bx, by, ctx);
		break;
	case BOP_DIV:
	case BOP_REM:
		if (BN_is_zero(by)) {
			rc = op == BOP_DIV ? NUM_EDIVZERO : NUM_EMODZERO;
			goto out;
		}
		/* BN_div truncates toward zero, like Go's Quo/Rem */
		ok = BN_div(op == BOP_DIV ? r : NULL, op == BOP_REM ? r : rem,
		    bx, by, ctx);
		if (ok && op == BOP_DIV && exact != NULL)
			*exact = BN_is_zero(rem);
		break;
	default:
		break;
	}
	if (!ok)
		goto out;
	if ((*out = from_bn(a, r)) != NULL)
		rc = NUM_OK;
out:
	BN_free(bx);
	BN_free(by);
	BN_free(r);
	BN_free(rem);
	BN_CTX_free(ctx);
	return rc;
}

static int
flt_result(struct rego_arena *a, double f, const rv **out)
{
	if (isinf(f) || isnan(f))
		return NUM_ERANGE;
	if ((*out = rv_dbl(a, f)) == NULL)
		return NUM_ENOMEM;
	return NUM_OK;
}

static int
int_result(struct rego_arena *a, int64_t i, const rv **out)
{
	if ((*out = rv_int(a, i)) == NULL)
		return NUM_ENOMEM;
	return NUM_OK;
}

int
rv_num_add(struct rego_arena *a, const rv *x, const rv *y, const rv **out)
{
	int64_t r;

	if (x->nt == RN_INT && y->nt == RN_INT &&
	    !__builtin_add_overflow(x->u.i, y->u.i, &r))
		return int_result(a, r, out);
	if (x->nt != RN_FLT && y->nt != RN_FLT)
		return big_op(a, BOP_ADD, x, y, out, NULL);
	return flt_result(a, rv_num_dbl(x) + rv_num_dbl(y), out);
}

int
rv_num_sub(struct rego_arena *a, const rv *x, const rv *y, const rv **out)
{
	int64_t r;

	if (x->nt == RN_INT && y->nt == RN_INT &&
	    !__builtin_sub_overflow(x->u.i, y->u.i, &r))
		return int_result(a, r, out);
	if (x->nt != RN_FLT && y->nt != RN_FLT)
		return big_op(a, BOP_SUB, x, y, out, NULL);
	return flt_result(a, rv_num_dbl(x) - rv_num_dbl(y), out);
}

int
rv_num_mul(struct rego_arena *a, const rv *x, const rv *y, const rv **out)
{
	int64_t r;

	if (x->nt == RN_INT && y->nt == RN_INT &&
	    !__builtin_mul_overflow(x->u.i, y->u.i, &r))
		return int_result(a, r, out);
	if (x->nt != RN_FLT && y->nt != RN_FLT)
		return big_op(a, BOP_MUL, x, y, out, NULL);
	return flt_result(a, rv_num_dbl(x) * rv_num_dbl(y), out);
}

int
rv_num_div(struct rego_arena *a, const rv *x, const rv *y, const rv **out)
{
	double d;
	bool exact = false;
	int rc;

	if (x->nt == RN_INT && y->nt == RN_INT) {
		if (y->u.i == 0)
			return NUM_EDIVZERO;
		if (!(x->u.i == INT64_MIN && y->u.i == -1) &&
		    x->u.i % y->u.i == 0)
			return int_result(a, x->u.i / y->u.i, out);
	} else if (x->nt != RN_FLT && y->nt != RN_FLT) {
		if ((rc = big_op(a, BOP_DIV, x, y, out, &exact)) != NUM_OK)
			return rc;
		if (exact)
			return NUM_OK;
	}
	d = rv_num_dbl(y);
	if (d == 0)
		return NUM_EDIVZERO;
	return flt_result(a, rv_num_dbl(x) / d, out);
}

int
rv_num_rem(struct rego_arena *a, const rv *x, const rv *y, const rv **out)
{
	if (x->nt == RN_FLT || y->nt == RN_FLT)
		return NUM_EMODFLOAT;
	if (x->nt == RN_INT && y->nt == RN_INT) {
		if (y->u.i == 0)
			return NUM_EMODZERO;
		if (y->u.i == -1)
			return int_result(a, 0, out);
		return int_result(a, x->u.i % y->u.i, out);
	}
	return big_op(a, BOP_REM, x, y, out, NULL);
}

int
rv_num_neg(struct rego_arena *a, const rv *x, const rv **out)
{
	return rv_num_sub(a, rv_int(a, 0), x, out);
}

int
rv_num_round(struct rego_arena *a, const rv *x, int mode, const rv **out)
{
	double f, r;

	if (x->nt != RN_FLT) {
		if (mode == 3 && ((x->nt == RN_INT && x->u.i < 0) ||
		    (x->nt == RN_BIG && x->u.s[0] == '-')))
			return rv_num_neg(a, x, out);
		*out = x;
		return NUM_OK;
	}
	f = x->u.f;
	switch (mode) {
	case 0:
		r = round(f);
		break;
	case 1:
		r = floor(f);
		break;
	case 2:
		r = ceil(f);
		break;
	default:
		r = fabs(f);
		if (r != floor(r)) {
			rv *v = num_alloc(a);

			if (v == NULL)
				return NUM_ENOMEM;
			v->nt = RN_FLT;
			v->u.f = r;
			*out = v;
			return NUM_OK;
		}
		break;
	}
	if (fabs(r) < 9.2e18) {
		return int_result(a, (int64_t)r, out);
	} else {
		char buf[400];

		snprintf(buf, sizeof(buf), "%.0f", r);
		if ((*out = int_from_digits(a, buf, strlen(buf))) == NULL)
			return NUM_ENOMEM;
		return NUM_OK;
	}
}

/* x << s (left) or x >> s (arithmetic) for integers; s >= 0. */
int
rv_num_shift(struct rego_arena *a, const rv *x, uint64_t s, bool left,
    const rv **out)
{
	BIGNUM *bx;
	int ok, rc = NUM_ENOMEM;
	bool neg;

	if (x->nt == RN_FLT)
		return NUM_ERANGE;
	if (x->nt == RN_INT) {
		int64_t v = x->u.i;

		if (!left) {
			if (s >= 63)
				return int_result(a, v < 0 ? -1 : 0, out);
			return int_result(a, v < 0 ? ~(~v >> s) : v >> s, out);
		}
		if (v == 0)
			return int_result(a, 0, out);
		if (s < 62 && v > -((int64_t)1 << (62 - s)) &&
		    v < ((int64_t)1 << (62 - s)))
			return int_result(a, (int64_t)((uint64_t)v << s), out);
	}
	if (s > 1u << 20)
		return NUM_ERANGE;
	if ((bx = to_bn(x)) == NULL)
		return NUM_ENOMEM;
	neg = BN_is_negative(bx);
	if (left) {
		ok = BN_lshift(bx, bx, (int)s);
	} else if (!neg) {
		ok = BN_rshift(bx, bx, (int)s);
	} else {
		/* floor(x / 2^s) for negative x: -((-x - 1) >> s) - 1 */
		BN_set_negative(bx, 0);
		ok = BN_sub_word(bx, 1) && BN_rshift(bx, bx, (int)s) &&
		    BN_add_word(bx, 1);
		BN_set_negative(bx, 1);
	}
	if (ok && (*out = from_bn(a, bx)) != NULL)
		rc = NUM_OK;
	BN_free(bx);
	return rc;
}
