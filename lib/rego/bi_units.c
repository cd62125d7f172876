/*
 * units.parse, units.parse_bytes: "10Ki", "1.5GB", "3.2e2MiB", ... to
 * numbers, with OPA's arithmetic:
 *
 *   - units.parse is exact (OPA: big.Rat): the amount times the unit,
 *     where milli is the double nearest 0.001 (1152921504606847 / 2^60,
 *     as OPA's big.Rat.SetFloat64(0.001) makes it); an integral result
 *     is printed as an integer, any other with 10 decimals rounded half
 *     away from zero (big.Rat.FloatString(10)). Computed here on decimal
 *     digits, in time linear in their number.
 *   - units.parse_bytes is binary floating point with a 64-bit mantissa
 *     (OPA: big.Float, default precision): the amount is rounded as Go's
 *     Float.Parse rounds it (powers of five kept to 128 bits), multiplied
 *     by the unit, rounded again, then truncated to an integer. Emulated
 *     here bit for bit with OpenSSL's BIGNUM.
 *
 * Exponents are limited to 6 digits (OPA's "exponent too large"); a byte
 * count of more than 10^30000 is refused with the same message (ccakit's
 * limit: its digits would take quadratic time to print).
 */
#include <stdint.h>
#include <string.h>

#include <openssl/bn.h>

#include "rego/rego_priv.h"

#define UNITS_MAX_EXP_DIGITS  6
#define BYTES_MAX_BITS        100000L     /* about 10^30103 */
#define BYTES_MAX_DIGITS      1000        /* mantissa digits kept */

enum { E_OK = 0, E_SPACES, E_EXPONENT, E_NOAMOUNT, E_NUMCONV, E_UNIT };

/* OPA's extractNumAndUnit: the number is the longest prefix of digits,
 * '.', '+', '-' and exponents (an 'e' followed by a digit or a sign);
 * an exponent of more than 6 digits is an error. */
static int
split_num(const char *s, size_t n, size_t *numlen)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!(c >= '0' && c <= '9') && c != '.' && c != 'e' &&
		    c != 'E' && c != '+' && c != '-')
			break;
		if (c == 'e' || c == 'E') {
			if (i == n - 1 || (!(s[i + 1] >= '0' && s[i + 1] <= '9')
			    && s[i + 1] != '+' && s[i + 1] != '-'))
				break;
			if (s[i + 1] == '+' || s[i + 1] == '-')
				i++;
			for (j = i + 1; j < n && s[j] >= '0' && s[j] <= '9';
			    j++)
				;
			if (j - (i + 1) > UNITS_MAX_EXP_DIGITS)
				return E_EXPONENT;
		}
	}
	*numlen = i;
	return E_OK;
}

/* A decimal number [+-] (digits [. digits] | . digits) [eE [+-] digits]
 * (Go's big.Rat/big.Float syntax for these characters): significant
 * digits (no leading zeros) and the power of ten that scales them. */
struct dec {
	bool neg;
	const char *num;         /* the text */
	size_t n;
	long exp10;
	size_t ndig;             /* significant digits */
};

static bool
dec_parse(const char *s, size_t n, struct dec *d)
{
	size_t i = 0, digits = 0, frac = 0;
	bool dot = false, lead = true;
	long e = 0;

	memset(d, 0, sizeof(*d));
	if (i < n && (s[i] == '+' || s[i] == '-'))
		d->neg = s[i++] == '-';
	d->num = s + i;
	for (; i < n; i++) {
		if (s[i] == '.' && !dot) {
			dot = true;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			break;
		digits++;
		if (dot)
			frac++;
		if (s[i] != '0')
			lead = false;
		if (!lead)
			d->ndig++;
	}
	d->n = (size_t)(s + i - d->num);
	if (digits == 0)
		return false;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		bool eneg = false;
		size_t j;

		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		for (j = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			if (e < 100000000)
				e = e * 10 + (s[i] - '0');
		if (i == j)
			return false;
		if (eneg)
			e = -e;
	}
	if (i != n)
		return false;
	d->exp10 = e - (long)frac;
	return true;
}

/* The first k significant digits of d as text (NUL-terminated), and
 * whether any of the others is not zero. */
static void
dec_digits(const struct dec *d, char *out, size_t k, bool *sticky)
{
	size_t i, n = 0;
	bool lead = true;

	*sticky = false;
	for (i = 0; i < d->n; i++) {
		char c = d->num[i];

		if (c == '.' || (lead && c == '0'))
			continue;
		lead = false;
		if (n < k) {
			out[n++] = c;
		} else if (c != '0') {
			*sticky = true;
			break;
		}
	}
	out[n] = '\0';
}

/* ------------------------------------------------------------------ */
/* units.parse: exact decimal arithmetic.                               */

/* Digits, most significant first, with room to grow at the front. */
struct digits {
	uint8_t *d;
	size_t start, end;       /* d[start..end) */
};

/* x = x * m + 0, m < 2^60 */
static void
dig_mul(struct digits *x, uint64_t m)
{
	uint64_t carry = 0;
	size_t i;

	for (i = x->end; i > x->start; i--) {
		uint64_t v = (uint64_t)x->d[i - 1] * m + carry;

		x->d[i - 1] = (uint8_t)(v % 10);
		carry = v / 10;
	}
	while (carry > 0) {
		x->d[--x->start] = (uint8_t)(carry % 10);
		carry /= 10;
	}
}

static int
units_value(ccakit_rego_bictx *ctx, const struct dec *dc, uint64_t mul,
    bool milli, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	struct digits x;
	size_t room = 120, len, i, k, intlen, tz;
	long e = dc->exp10;
	char *txt, *p;
	bool neg = dc->neg, up;

	if (dc->ndig == 0) {
		NOMEM_IF(ctx, *out = rv_int(ar, 0));
		return CCAKIT_OK;
	}
	if ((x.d = ra_alloc(ar, room + dc->ndig)) == NULL)
		return rego_bi_nomem(ctx);
	x.start = room;
	x.end = room + dc->ndig;
	for (i = 0, k = 0; k < dc->n; k++) {
		char c = dc->num[k];

		if (c == '.' || (i == 0 && c == '0'))
			continue;
		x.d[room + i++] = (uint8_t)(c - '0');
	}
	if (milli) {
		/* 0.001 as a double: 1152921504606847 / 2^60; /2^60 is
		 * *5^60 and ten to the -60 */
		dig_mul(&x, 1152921504606847u);
		for (i = 0; i < 3; i++)
			dig_mul(&x, 95367431640625u);           /* 5^20 */
		e -= 60;
	} else {
		/* the unit: 1024^k (a power of two) or a power of ten */
		while ((mul & (mul - 1)) == 0 && mul > 1) {
			dig_mul(&x, 1024);
			mul /= 1024;
		}
		while (mul > 1) {
			e++;
			mul /= 10;
		}
	}
	len = x.end - x.start;
	for (tz = 0; tz < len && x.d[x.end - 1 - tz] == 0; tz++)
		;
	if (e >= 0 || tz >= (size_t)-e) {
		/* an integer */
		size_t cut = e >= 0 ? 0 : (size_t)-e;
		size_t zeros = e >= 0 ? (size_t)e : 0;

		if ((txt = ra_alloc(ar, len - cut + zeros + 2)) == NULL)
			return rego_bi_nomem(ctx);
		p = txt;
		if (neg)
			*p++ = '-';
		for (i = 0; i < len - cut; i++)
			*p++ = (char)('0' + x.d[x.start + i]);
		memset(p, '0', zeros);
		p += zeros;
	} else {
		/* FloatString(10): 10 decimals, half away from zero */
		size_t fr = (size_t)-e;         /* fractional digits */

		intlen = len > fr ? len - fr : 0;
		if ((txt = ra_alloc(ar, intlen + 16)) == NULL)
			return rego_bi_nomem(ctx);
		p = txt;
		if (neg)
			*p++ = '-';
		{
			char frac[11];
			size_t j;
			int carry;

			for (j = 0; j < 11; j++) {
				/* fractional digit j: position len - fr + j */
				long pos = (long)len - (long)fr + (long)j;

				frac[j] = (char)(pos < 0 || pos >= (long)len ?
				    0 : x.d[x.start + (size_t)pos]);
			}
			up = frac[10] >= 5;
			carry = up;
			for (j = 10; j-- > 0 && carry;) {
				frac[j] = (char)(frac[j] + 1);
				carry = frac[j] == 10;
				if (carry)
					frac[j] = 0;
			}
			/* integer part, plus a carry out of the fraction */
			if (intlen == 0) {
				*p++ = (char)('0' + carry);
			} else {
				char *ib = p;

				for (j = 0; j < intlen; j++)
					*p++ = (char)('0' + x.d[x.start + j]);
				for (j = intlen; j-- > 0 && carry;) {
					ib[j] = (char)(ib[j] + 1);
					carry = ib[j] > '9';
					if (carry)
						ib[j] = '0';
				}
				if (carry) {
					memmove(ib + 1, ib, intlen);
					ib[0] = '1';
					p++;
				}
			}
			*p++ = '.';
			for (j = 0; j < 10; j++)
				*p++ = (char)('0' + frac[j]);
		}
	}
	NOMEM_IF(ctx, *out = rv_num_parse(ar, txt, (size_t)(p - txt)));
	return CCAKIT_OK;
}

/* ------------------------------------------------------------------ */
/* units.parse_bytes: Go's big.Float with a 64-bit mantissa.           */

/* m * 2^e rounded to prec bits, to nearest, ties to even; sticky: the
 * exact value is a little more than m * 2^e. */
static bool
bf_round(BIGNUM *m, long *e, int prec, bool sticky)
{
	int bits = BN_num_bits(m), sh, k;
	bool half, below = sticky;

	if (bits <= prec)
		return true;
	sh = bits - prec;
	half = BN_is_bit_set(m, sh - 1);
	for (k = 0; k < sh - 1 && !below; k++)
		below = BN_is_bit_set(m, k);
	if (!BN_rshift(m, m, sh))
		return false;
	*e += sh;
	if (half && (below || BN_is_odd(m))) {
		if (!BN_add_word(m, 1))
			return false;
		if (BN_num_bits(m) > prec) {
			if (!BN_rshift1(m, m))
				return false;
			(*e)++;
		}
	}
	return true;
}

/* r = a * b, rounded to prec bits (r may be a or b). */
static bool
bf_mul(BIGNUM *r, long *re, const BIGNUM *a, long ae, const BIGNUM *b,
    long be, int prec, BN_CTX *bc)
{
	*re = ae + be;
	return BN_mul(r, a, b, bc) && bf_round(r, re, prec, false);
}

/* Go's Float.pow5 at precision 128: exact up to 5^27, then a product
 * of squares of 5 kept to 192 bits, rounded to 128 at each step. */
static bool
bf_pow5(BIGNUM *z, long *ze, unsigned long n, BN_CTX *bc)
{
	BIGNUM *f = BN_new();
	long fe = 0;
	bool ok = f != NULL;

	*ze = 0;
	ok = ok && BN_set_word(z, 1);
	if (ok && n <= 27) {
		while (n-- > 0 && ok)
			ok = BN_mul_word(z, 5) == 1;
		BN_free(f);
		return ok;
	}
	ok = ok && BN_set_word(z, 7450580596923828125u);     /* 5^27 */
	n -= 27;
	ok = ok && BN_set_word(f, 5);
	while (ok && n > 0) {
		if (n & 1)
			ok = bf_mul(z, ze, z, *ze, f, fe, 128, bc);
		ok = ok && bf_mul(f, &fe, f, fe, f, fe, 192, bc);
		n >>= 1;
	}
	BN_free(f);
	return ok;
}

/* q = a / b correctly rounded to prec bits (Go's uquo). */
static bool
bf_quo(BIGNUM *q, long *qe, const BIGNUM *a, long ae, const BIGNUM *b,
    long be, int prec, BN_CTX *bc)
{
	BIGNUM *num = BN_new(), *rem = BN_new();
	int k = prec + 2 + BN_num_bits(b) - BN_num_bits(a);
	bool ok;

	if (k < 0)
		k = 0;
	ok = num != NULL && rem != NULL && BN_lshift(num, a, k) &&
	    BN_div(q, rem, num, b, bc);
	*qe = ae - k - be;
	ok = ok && bf_round(q, qe, prec, !BN_is_zero(rem));
	BN_free(num);
	BN_free(rem);
	return ok;
}

static int
bytes_value(ccakit_rego_bictx *ctx, const struct dec *dc, uint64_t unit,
    const rv **out)
{
	BN_CTX *bc = BN_CTX_new();
	BIGNUM *m = BN_new(), *p = BN_new(), *u = BN_new();
	char *digits = NULL, *txt = NULL;
	long e = 0, pe = 0, exp10 = dc->exp10;
	size_t nd = dc->ndig;
	bool sticky;
	int rc = CCAKIT_OK;

	if (bc == NULL || m == NULL || p == NULL || u == NULL)
		goto nomem;
	if (dc->ndig == 0) {
		NOMEM_IF(ctx, *out = rv_int(rego_bi_arena(ctx), 0));
		goto out;
	}
	/* the significant digits; beyond BYTES_MAX_DIGITS only whether
	 * any of the rest is non-zero matters for the rounding */
	if (nd > BYTES_MAX_DIGITS)
		nd = BYTES_MAX_DIGITS;
	if ((digits = ra_alloc(rego_bi_arena(ctx), nd + 2)) == NULL)
		goto nomem;
	dec_digits(dc, digits, nd, &sticky);
	if (nd < dc->ndig) {
		digits[nd++] = sticky ? '1' : '0';
		digits[nd] = '\0';
		exp10 += (long)(dc->ndig - nd);
	}
	if (BN_dec2bn(&m, digits) == 0)
		goto nomem;
	/* Float.Parse: the mantissa times 2^exp10 * 5^exp10, rounded */
	if (exp10 == 0) {
		if (!bf_round(m, &e, 64, false))
			goto nomem;
	} else if (exp10 > 0) {
		if (!bf_pow5(p, &pe, (unsigned long)exp10, bc) ||
		    !bf_mul(m, &e, m, 0, p, pe, 64, bc))
			goto nomem;
		e += exp10;
	} else {
		if (!bf_pow5(p, &pe, (unsigned long)-exp10, bc) ||
		    !bf_quo(m, &e, m, 0, p, pe, 64, bc))
			goto nomem;
		e += exp10;
	}
	/* times the unit, rounded, truncated to an integer */
	if (!BN_set_word(u, unit) || !bf_mul(m, &e, m, e, u, 0, 64, bc))
		goto nomem;
	if (e > BYTES_MAX_BITS) {
		rc = ccakit_rego_bi_error(ctx, "units.parse_bytes: exponent "
		    "too large");
		goto out;
	}
	if (e >= 0) {
		if (!BN_lshift(m, m, (int)e))
			goto nomem;
	} else if (e < -(long)BN_num_bits(m)) {
		BN_zero(m);
	} else if (!BN_rshift(m, m, (int)-e)) {
		goto nomem;
	}
	if (dc->neg && !BN_is_zero(m))
		BN_set_negative(m, 1);
	if ((txt = BN_bn2dec(m)) == NULL)
		goto nomem;
	if ((*out = rv_num_parse(rego_bi_arena(ctx), txt, strlen(txt))) ==
	    NULL)
		goto nomem;
	goto out;
nomem:
	rc = rego_bi_nomem(ctx);
out:
	OPENSSL_free(txt);
	BN_free(m);
	BN_free(p);
	BN_free(u);
	BN_CTX_free(bc);
	return rc;
}

/* ------------------------------------------------------------------ */

struct unit {
	const char *name;
	uint64_t mul;
};

#define KI 1024ull
#define KB 1000ull

static const struct unit si_units[] = {
	{ "", 1 }, { "k", KB }, { "K", KB }, { "ki", KI }, { "Ki", KI },
	{ "M", KB * KB }, { "mi", KI * KI }, { "Mi", KI * KI },
	{ "g", KB * KB * KB }, { "G", KB * KB * KB },
	{ "gi", KI * KI * KI }, { "Gi", KI * KI * KI },
	{ "t", KB * KB * KB * KB }, { "T", KB * KB * KB * KB },
	{ "ti", KI * KI * KI * KI }, { "Ti", KI * KI * KI * KI },
	{ "p", KB * KB * KB * KB * KB }, { "P", KB * KB * KB * KB * KB },
	{ "pi", KI * KI * KI * KI * KI }, { "Pi", KI * KI * KI * KI * KI },
	{ "e", KB * KB * KB * KB * KB * KB },
	{ "E", KB * KB * KB * KB * KB * KB },
	{ "ei", KI * KI * KI * KI * KI * KI },
	{ "Ei", KI * KI * KI * KI * KI * KI },
};

static const struct unit byte_units[] = {
	{ "", 1 }, { "kb", KB }, { "k", KB }, { "kib", KI }, { "ki", KI },
	{ "mb", KB * KB }, { "m", KB * KB }, { "mib", KI * KI },
	{ "mi", KI * KI }, { "gb", KB * KB * KB }, { "g", KB * KB * KB },
	{ "gib", KI * KI * KI }, { "gi", KI * KI * KI },
	{ "tb", KB * KB * KB * KB }, { "t", KB * KB * KB * KB },
	{ "tib", KI * KI * KI * KI }, { "ti", KI * KI * KI * KI },
	{ "pb", KB * KB * KB * KB * KB }, { "p", KB * KB * KB * KB * KB },
	{ "pib", KI * KI * KI * KI * KI }, { "pi", KI * KI * KI * KI * KI },
	{ "eb", KB * KB * KB * KB * KB * KB },
	{ "e", KB * KB * KB * KB * KB * KB },
	{ "eib", KI * KI * KI * KI * KI * KI },
	{ "ei", KI * KI * KI * KI * KI * KI },
};

static const struct unit *
find_unit(const struct unit *t, size_t n, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(t[i].name) == len && memcmp(t[i].name, s, len) == 0)
			return &t[i];
	return NULL;
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* The operand without '"' (and lower-cased for bytes), in the arena. */
static char *
clean(struct rego_arena *ar, const rv *v, bool lower_all, size_t *len)
{
	char *s = ra_alloc(ar, (size_t)v->n + 1);
	size_t i, n = 0;

	if (s == NULL)
		return NULL;
	for (i = 0; i < v->n; i++)
		if (v->u.s[i] != '"')
			s[n++] = lower_all ? lower(v->u.s[i]) : v->u.s[i];
	s[n] = '\0';
	*len = n;
	return s;
}

static int
fail(ccakit_rego_bictx *ctx, bool bytes, int what, const char *unit,
    size_t ulen)
{
	/* OPA's messages carry the built-in's name, and OPA prefixes it
	 * once more */
	const char *name = bytes ? "units.parse_bytes" : "units.parse";

	switch (what) {
	case E_SPACES:
		return ccakit_rego_bi_error(ctx, "%s: spaces not allowed in "
		    "resource strings", name);
	case E_EXPONENT:
		return ccakit_rego_bi_error(ctx, "%s: exponent too large", name);
	case E_NOAMOUNT:
		return ccakit_rego_bi_error(ctx, "%s: no %samount provided",
		    name, bytes ? "byte " : "");
	case E_NUMCONV:
		return ccakit_rego_bi_error(ctx, "%s: could not parse %samount "
		    "to a number", name, bytes ? "byte " : "");
	default:
		return ccakit_rego_bi_error(ctx, "%s: %sunit %.*s not "
		    "recognized", name, bytes ? "byte " : "",
		    (int)(ulen > 100 ? 100 : ulen), unit);
	}
}

static int
parse_common(ccakit_rego_bictx *ctx, args_t a, const rv **out, bool bytes)
{
	const struct unit *un;
	struct dec dc;
	size_t n, numlen, i;
	char *s, *unit;
	int rc;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	if ((s = clean(rego_bi_arena(ctx), a[0], bytes, &n)) == NULL)
		return rego_bi_nomem(ctx);
	if (memchr(s, ' ', n) != NULL)
		return fail(ctx, bytes, E_SPACES, NULL, 0);
	if ((rc = split_num(s, n, &numlen)) != E_OK)
		return fail(ctx, bytes, rc, NULL, 0);
	if (numlen == 0)
		return fail(ctx, bytes, E_NOAMOUNT, NULL, 0);
	unit = s + numlen;
	if (!bytes)   /* after its first byte, the unit is lower-cased */
		for (i = 1; i < n - numlen; i++)
			unit[i] = lower(unit[i]);
	if (bytes)
		un = find_unit(byte_units, sizeof(byte_units) /
		    sizeof(byte_units[0]), unit, n - numlen);
	else
		un = find_unit(si_units, sizeof(si_units) / sizeof(si_units[0]),
		    unit, n - numlen);
	if (un == NULL && !(!bytes && n - numlen == 1 && unit[0] == 'm'))
		return fail(ctx, bytes, E_UNIT, unit, n - numlen);
	/* big.Rat refuses decimal exponents beyond a million */
	if (!dec_parse(s, numlen, &dc) || (!bytes && (dc.exp10 > 1000000 ||
	    dc.exp10 < -1000000)))
		return fail(ctx, bytes, E_NUMCONV, NULL, 0);
	if (bytes)
		return bytes_value(ctx, &dc, un->mul, out);
	return units_value(ctx, &dc, un != NULL ? un->mul : 1, un == NULL,
	    out);
}

static int
bi_units_parse(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return parse_common(ctx, a, out, false);
}

static int
bi_units_parse_bytes(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return parse_common(ctx, a, out, true);
}

const struct rego_bi_def rego_bi_units[] = {
	{ "units.parse", 1, 0, bi_units_parse },
	{ "units.parse_bytes", 1, 0, bi_units_parse_bytes },
	{ NULL, 0, 0, NULL },
};
