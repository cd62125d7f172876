/*
 * Strings: concat, contains, startswith, endswith, lower, upper, split,
 * replace, strings.replace_n, trim*, substring, indexof(_n),
 * strings.reverse, strings.count, strings.any_prefix/suffix_match,
 * format_int, sprintf (Go's fmt verbs as OPA passes values to it).
 * Indexes and lengths count code points, as OPA's runes do.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/rego_priv.h"

static int
ret_buf(ccakit_rego_bictx *ctx, struct rego_buf *b, const rv **out)
{
	if (b->oom)
		return rego_bi_nomem(ctx);
	NOMEM_IF(ctx, *out = rv_str(rego_bi_arena(ctx), rb_str(b), b->len));
	return CCAKIT_OK;
}

static int
ret_str(ccakit_rego_bictx *ctx, const char *s, size_t n, const rv **out)
{
	NOMEM_IF(ctx, *out = rv_str(rego_bi_arena(ctx), s, n));
	return CCAKIT_OK;
}

static const char *
memmem_(const char *h, size_t hn, const char *n, size_t nn)
{
	size_t i;

	if (nn == 0)
		return h;
	if (nn > hn)
		return NULL;
	for (i = 0; i + nn <= hn; i++)
		if (h[i] == n[0] && memcmp(h + i, n, nn) == 0)
			return h + i;
	return NULL;
}

static int
bi_concat(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_buf *b = rego_bi_buf(ctx);
	size_t i;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	if (a[1]->t != RV_ARR && a[1]->t != RV_SET)
		return rego_bi_operr(ctx, 2, "one of {array, set}", a[1]);
	for (i = 0; i < a[1]->n; i++) {
		const rv *x = a[1]->u.a[i];

		if (x->t != RV_STR)
			return rego_bi_typeerr(ctx, "operand 2 must be array "
			    "of strings but got %s containing %s",
			    rv_type_name(a[1]), rv_type_name(x));
		if (i > 0)
			rb_put(b, a[0]->u.s, a[0]->n);
		rb_put(b, x->u.s, x->n);
	}
	return ret_buf(ctx, b, out);
}

static int
bi_contains(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	BI_NEED(ctx, a, 0, RV_STR, "string");
	BI_NEED(ctx, a, 1, RV_STR, "string");
	*out = RV_BOOLV(memmem_(a[0]->u.s, a[0]->n, a[1]->u.s, a[1]->n) !=
	    NULL);
	return CCAKIT_OK;
}

static int
bi_startswith(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	BI_NEED(ctx, a, 0, RV_STR, "string");
	BI_NEED(ctx, a, 1, RV_STR, "string");
	*out = RV_BOOLV(a[1]->n <= a[0]->n &&
	    memcmp(a[0]->u.s, a[1]->u.s, a[1]->n) == 0);
	return CCAKIT_OK;
}

static int
bi_endswith(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	BI_NEED(ctx, a, 0, RV_STR, "string");
	BI_NEED(ctx, a, 1, RV_STR, "string");
	*out = RV_BOOLV(a[1]->n <= a[0]->n && memcmp(a[0]->u.s + a[0]->n -
	    a[1]->n, a[1]->u.s, a[1]->n) == 0);
	return CCAKIT_OK;
}

/* Simple case mapping: ASCII, Latin-1, Greek, Cyrillic. */
static uint32_t
to_lower(uint32_t c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) ||
	    (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) ||
	    (c >= 0x410 && c <= 0x42F))
		return c + 32;
	if (c >= 0x400 && c <= 0x40F)
		return c + 80;
	if (c >= 0x100 && c <= 0x17F && c % 2 == 0 && c != 0x130 &&
	    c != 0x138)
		return c + 1;
	return c;
}

static uint32_t
to_upper(uint32_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 0xE0 && c <= 0xFE && c != 0xF7) ||
	    (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) ||
	    (c >= 0x430 && c <= 0x44F))
		return c - 32;
	if (c >= 0x450 && c <= 0x45F)
		return c - 80;
	if (c >= 0x101 && c <= 0x17F && c % 2 == 1 && c != 0x131 &&
	    c != 0x149)
		return c - 1;
	return c;
}

static int
map_case(ccakit_rego_bictx *ctx, args_t a, const rv **out, bool upper)
{
	struct rego_buf *b = rego_bi_buf(ctx);
	const char *s;
	size_t n, i = 0, k;
	uint32_t cp;
	char enc[4];

	BI_STR(ctx, a, 0, s, n);
	while (i < n) {
		k = rego_utf8_dec(s + i, n - i, &cp);
		if (cp == 0xFFFD && k == 1) {
			rb_putc(b, s[i]);
			i++;
			continue;
		}
		cp = upper ? to_upper(cp) : to_lower(cp);
		rb_put(b, enc, rego_utf8_enc(cp, enc));
		i += k;
	}
	return ret_buf(ctx, b, out);
}

static int
bi_lower(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return map_case(ctx, a, out, false);
}

static int
bi_upper(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return map_case(ctx, a, out, true);
}

static int
bi_split(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	struct rv_vec vv;
	const char *s, *d, *p;
	size_t n, dn, i = 0, k;
	uint32_t cp;
	const rv *x;

	BI_STR(ctx, a, 0, s, n);
	BI_STR(ctx, a, 1, d, dn);
	rvv_init(&vv, ar);
	if (dn == 0) {
		while (i < n) {
			k = rego_utf8_dec(s + i, n - i, &cp);
			NOMEM_IF(ctx, x = rv_str(ar, s + i, k));
			if (rvv_push(&vv, x) != 0)
				return rego_bi_nomem(ctx);
			i += k;
		}
	} else {
		for (;;) {
			p = memmem_(s + i, n - i, d, dn);
			k = p != NULL ? (size_t)(p - s) - i : n - i;
			NOMEM_IF(ctx, x = rv_str(ar, s + i, k));
			if (rvv_push(&vv, x) != 0)
				return rego_bi_nomem(ctx);
			if (p == NULL)
				break;
			i += k + dn;
		}
	}
	NOMEM_IF(ctx, *out = rv_arr(ar, vv.v, vv.n));
	return CCAKIT_OK;
}

/* strings.ReplaceAll; an empty `old` inserts between code points. */
static void
replace_all(struct rego_buf *b, const char *s, size_t n, const char *o,
    size_t on, const char *r, size_t rn)
{
	size_t i = 0, k;
	uint32_t cp;
	const char *p;

	if (on == 0) {
		rb_put(b, r, rn);
		while (i < n) {
			k = rego_utf8_dec(s + i, n - i, &cp);
			rb_put(b, s + i, k);
			rb_put(b, r, rn);
			i += k;
		}
		return;
	}
	while ((p = memmem_(s + i, n - i, o, on)) != NULL) {
		rb_put(b, s + i, (size_t)(p - s) - i);
		rb_put(b, r, rn);
		i = (size_t)(p - s) + on;
	}
	rb_put(b, s + i, n - i);
}

static int
bi_replace(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_buf *b = rego_bi_buf(ctx);

	BI_NEED(ctx, a, 0, RV_STR, "string");
	BI_NEED(ctx, a, 1, RV_STR, "string");
	BI_NEED(ctx, a, 2, RV_STR, "string");
	replace_all(b, a[0]->u.s, a[0]->n, a[1]->u.s, a[1]->n, a[2]->u.s,
	    a[2]->n);
	return ret_buf(ctx, b, out);
}

/* strings.replace_n(patterns, s): Go's strings.NewReplacer with the
 * pairs in key order: at each position the first matching key wins. */
static int
bi_replace_n(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_buf *b = rego_bi_buf(ctx);
	const rv *pat = a[0];
	const char *s;
	size_t n, i = 0, j;

	BI_NEED(ctx, a, 0, RV_OBJ, "object");
	for (j = 0; j < pat->n; j++) {
		if (pat->u.a[j]->t != RV_STR)
			return rego_bi_typeerr(ctx, "operand 1 non-string key "
			    "found in pattern object");
		if (rv_obj_vals(pat)[j]->t != RV_STR)
			return rego_bi_typeerr(ctx, "operand 1 non-string "
			    "value found in pattern object");
	}
	BI_STR(ctx, a, 1, s, n);
	while (i < n) {
		for (j = 0; j < pat->n; j++) {
			const rv *k = pat->u.a[j];

			if (k->n > 0 && k->n <= n - i &&
			    memcmp(s + i, k->u.s, k->n) == 0)
				break;
		}
		if (j < pat->n) {
			rb_put(b, rv_obj_vals(pat)[j]->u.s,
			    rv_obj_vals(pat)[j]->n);
			i += pat->u.a[j]->n;
		} else {
			rb_putc(b, s[i]);
			i++;
		}
	}
	return ret_buf(ctx, b, out);
}

static bool
in_cutset(uint32_t cp, const char *cut, size_t cn)
{
	size_t i = 0, k;
	uint32_t c;

	while (i < cn) {
		k = rego_utf8_dec(cut + i, cn - i, &c);
		if (c == cp)
			return true;
		i += k;
	}
	return false;
}

/* Length of the last code point ending at s+n. */
static size_t
last_cp(const char *s, size_t n, uint32_t *cp)
{
	size_t k = 1;

	while (k < 4 && k < n && ((unsigned char)s[n - k] & 0xC0) == 0x80)
		k++;
	if (rego_utf8_dec(s + n - k, k, cp) != k) {
		*cp = 0xFFFD;
		return 1;
	}
	return k;
}

static int
trim_cut(ccakit_rego_bictx *ctx, args_t a, const rv **out, bool left,
    bool right)
{
	const char *s, *cut;
	size_t n, cn, i = 0, k;
	uint32_t cp;

	BI_STR(ctx, a, 0, s, n);
	BI_STR(ctx, a, 1, cut, cn);
	if (left)
		while (i < n) {
			k = rego_utf8_dec(s + i, n - i, &cp);
			if (!in_cutset(cp, cut, cn))
				break;
			i += k;
		}
	if (right)
		while (n > i) {
			k = last_cp(s + i, n - i, &cp);
			if (!in_cutset(cp, cut, cn))
				break;
			n -= k;
		}
	return ret_str(ctx, s + i, n - i, out);
}

static int
bi_trim(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return trim_cut(ctx, a, out, true, true);
}

static int
bi_trim_left(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return trim_cut(ctx, a, out, true, false);
}

static int
bi_trim_right(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return trim_cut(ctx, a, out, false, true);
}

static int
bi_trim_prefix(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	BI_NEED(ctx, a, 0, RV_STR, "string");
	BI_NEED(ctx, a, 1, RV_STR, "string");
	if (a[1]->n <= a[0]->n && memcmp(a[0]->u.s, a[1]->u.s, a[1]->n) == 0)
		return ret_str(ctx, a[0]->u.s + a[1]->n, a[0]->n - a[1]->n,
		    out);
	*out = a[0];
	return CCAKIT_OK;
}

static int
bi_trim_suffix(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	BI_NEED(ctx, a, 0, RV_STR, "string");
	BI_NEED(ctx, a, 1, RV_STR, "string");
	if (a[1]->n <= a[0]->n && memcmp(a[0]->u.s + a[0]->n - a[1]->n,
	    a[1]->u.s, a[1]->n) == 0)
		return ret_str(ctx, a[0]->u.s, a[0]->n - a[1]->n, out);
	*out = a[0];
	return CCAKIT_OK;
}

static bool
is_space(uint32_t c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 ||
	    c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
	    c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
	    c == 0x3000;
}

static int
bi_trim_space(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	const char *s;
	size_t n, i = 0, k;
	uint32_t cp;

	BI_STR(ctx, a, 0, s, n);
	while (i < n) {
		k = rego_utf8_dec(s + i, n - i, &cp);
		if (!is_space(cp))
			break;
		i += k;
	}
	while (n > i) {
		k = last_cp(s + i, n - i, &cp);
		if (!is_space(cp))
			break;
		n -= k;
	}
	return ret_str(ctx, s + i, n - i, out);
}

/* Byte offset of code point index `idx` (n if beyond). */
static size_t
cp_offset(const char *s, size_t n, size_t idx)
{
	size_t i = 0, c = 0;
	uint32_t cp;

	while (i < n && c < idx) {
		i += rego_utf8_dec(s + i, n - i, &cp);
		c++;
	}
	return i;
}

static int
bi_substring(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	const char *s;
	size_t n, b, e;
	int64_t off, len;

	BI_STR(ctx, a, 0, s, n);
	BI_NEED(ctx, a, 1, RV_NUM, "number");
	BI_NEED(ctx, a, 2, RV_NUM, "number");
	if (!rv_num_i64(a[1], &off) || !rv_num_i64(a[2], &len))
		return rego_bi_typeerr(ctx, "operand must be integer number "
		    "but got floating-point number");
	if (off < 0)
		return ccakit_rego_bi_error(ctx, "negative offset");
	b = cp_offset(s, n, (size_t)off);
	if (len < 0)
		e = n;
	else
		e = b + cp_offset(s + b, n - b, (size_t)len);
	return ret_str(ctx, s + b, e - b, out);
}

/* Code point index of byte offset off. */
static int64_t
cp_index(const char *s, size_t off)
{
	return (int64_t)rego_utf8_len(s, off);
}

static int
bi_indexof(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	const char *p;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	BI_NEED(ctx, a, 1, RV_STR, "string");
	p = memmem_(a[0]->u.s, a[0]->n, a[1]->u.s, a[1]->n);
	NOMEM_IF(ctx, *out = rv_int(rego_bi_arena(ctx), p == NULL ? -1 :
	    cp_index(a[0]->u.s, (size_t)(p - a[0]->u.s))));
	return CCAKIT_OK;
}

static int
bi_indexof_n(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	struct rv_vec vv;
	const char *s, *sub, *p;
	size_t n, sn, i = 0;
	const rv *x;

	BI_STR(ctx, a, 0, s, n);
	BI_STR(ctx, a, 1, sub, sn);
	rvv_init(&vv, ar);
	while (i <= n && (p = memmem_(s + i, n - i, sub, sn)) != NULL) {
		NOMEM_IF(ctx, x = rv_int(ar, cp_index(s, (size_t)(p - s))));
		if (rvv_push(&vv, x) != 0)
			return rego_bi_nomem(ctx);
		i = (size_t)(p - s) + (sn > 0 ? sn : 1);
	}
	NOMEM_IF(ctx, *out = rv_arr(ar, vv.v, vv.n));
	return CCAKIT_OK;
}

static int
bi_strings_reverse(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_buf *b = rego_bi_buf(ctx);
	const char *s;
	size_t n, k;
	uint32_t cp;

	BI_STR(ctx, a, 0, s, n);
	while (n > 0) {
		k = last_cp(s, n, &cp);
		rb_put(b, s + n - k, k);
		n -= k;
	}
	return ret_buf(ctx, b, out);
}

static int
bi_strings_count(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	const char *s, *sub, *p;
	size_t n, sn, i = 0;
	int64_t c = 0;

	BI_STR(ctx, a, 0, s, n);
	BI_STR(ctx, a, 1, sub, sn);
	if (sn == 0) {
		c = (int64_t)rego_utf8_len(s, n) + 1;
	} else {
		while ((p = memmem_(s + i, n - i, sub, sn)) != NULL) {
			c++;
			i = (size_t)(p - s) + sn;
		}
	}
	NOMEM_IF(ctx, *out = rv_int(rego_bi_arena(ctx), c));
	return CCAKIT_OK;
}

/* string | array of strings | set of strings */
static int
strings_arg(ccakit_rego_bictx *ctx, args_t a, unsigned i, const rv *const **v,
    size_t *n)
{
	size_t j;

	if (a[i]->t == RV_STR) {
		*v = &a[i];
		*n = 1;
		return CCAKIT_OK;
	}
	if (a[i]->t != RV_ARR && a[i]->t != RV_SET)
		return rego_bi_operr(ctx, i + 1, "one of {string, set, array}",
		    a[i]);
	for (j = 0; j < a[i]->n; j++)
		if (a[i]->u.a[j]->t != RV_STR)
			return rego_bi_typeerr(ctx, "operand %u must be array "
			    "of strings but got array containing %s", i + 1,
			    rv_type_name(a[i]->u.a[j]));
	*v = a[i]->u.a;
	*n = a[i]->n;
	return CCAKIT_OK;
}

static int
any_match(ccakit_rego_bictx *ctx, args_t a, const rv **out, bool prefix)
{
	const rv *const *s, *const *p;
	size_t ns, np, i, j;
	int rc;

	if ((rc = strings_arg(ctx, a, 0, &s, &ns)) != CCAKIT_OK ||
	    (rc = strings_arg(ctx, a, 1, &p, &np)) != CCAKIT_OK)
		return rc;
	for (i = 0; i < ns; i++)
		for (j = 0; j < np; j++) {
			const rv *x = s[i], *y = p[j];

			if (y->n > x->n)
				continue;
			if (memcmp(prefix ? x->u.s : x->u.s + x->n - y->n,
			    y->u.s, y->n) == 0) {
				*out = RV_TRUE;
				return CCAKIT_OK;
			}
		}
	*out = RV_FALSE;
	return CCAKIT_OK;
}

static int
bi_any_prefix_match(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return any_match(ctx, a, out, true);
}

static int
bi_any_suffix_match(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return any_match(ctx, a, out, false);
}

static int
bi_format_int(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	static const char digits[] = "0123456789abcdef";
	char buf[80], *p = buf + sizeof(buf);
	int64_t base, v;
	uint64_t u;
	bool neg;

	BI_NEED(ctx, a, 0, RV_NUM, "number");
	BI_NEED(ctx, a, 1, RV_NUM, "number");
	if (!rv_num_i64(a[1], &base) || (base != 2 && base != 8 &&
	    base != 10 && base != 16))
		return rego_bi_typeerr(ctx,
		    "operand 2 must be one of {2, 8, 10, 16}");
	if (a[0]->nt == RN_BIG) {
		if (base == 10)
			return ret_str(ctx, a[0]->u.s, a[0]->n, out);
		return ccakit_rego_bi_error(ctx, "number too large");
	}
	if (a[0]->nt == RN_FLT) {
		double f = trunc(a[0]->u.f);

		if (fabs(f) > 9.2e18)
			return ccakit_rego_bi_error(ctx, "number too large");
		v = (int64_t)f;
	} else {
		v = a[0]->u.i;
	}
	neg = v < 0;
	u = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	*--p = '\0';
	do {
		*--p = digits[u % (uint64_t)base];
		u /= (uint64_t)base;
	} while (u > 0);
	if (neg)
		*--p = '-';
	return ret_str(ctx, p, strlen(p), out);
}

/* ------------------------------------------------------------------ */
/* sprintf                                                              */

struct fspec {
	bool minus, plus, sharp, zero, space;
	int width, prec;           /* -1: none */
	char verb;
};

static void
pad(struct rego_buf *b, const struct fspec *f, const char *s, size_t n)
{
	size_t w = f->width > 0 ? (size_t)f->width : 0;
	size_t len = rego_utf8_len(s, n), i;

	if (len >= w) {
		rb_put(b, s, n);
		return;
	}
	if (f->minus) {
		rb_put(b, s, n);
		for (i = len; i < w; i++)
			rb_putc(b, ' ');
		return;
	}
	if (f->zero && n > 0 && (s[0] == '-' || s[0] == '+')) {
		rb_putc(b, s[0]);
		for (i = len; i < w; i++)
			rb_putc(b, '0');
		rb_put(b, s + 1, n - 1);
		return;
	}
	for (i = len; i < w; i++)
		rb_putc(b, f->zero ? '0' : ' ');
	rb_put(b, s, n);
}

/* Go's "%!v(type=value)" for a bad verb. */
static void
bad_verb(struct rego_buf *b, const struct fspec *f, const char *gotype,
    const char *val)
{
	rb_printf(b, "%%!%c(%s=%s)", f->verb, gotype, val);
}

static void
fmt_int(struct rego_buf *b, const struct fspec *f, const rv *v)
{
	char tmp[420], *d;
	const char *digits;
	bool neg;
	int base;

	if (f->verb == 'v' || f->verb == 'd' || (f->verb == 's' &&
	    v->nt == RN_BIG)) {
		rv_num_text(v, tmp, sizeof(tmp));
		if (f->plus && tmp[0] != '-') {
			char t2[sizeof(tmp) + 1];

			t2[0] = '+';
			memcpy(t2 + 1, tmp, strlen(tmp) + 1);
			pad(b, f, t2, strlen(t2));
			return;
		}
		if (f->prec >= 0) {
			/* minimum digits */
			char t2[420];
			size_t nd = strlen(tmp) - (tmp[0] == '-' ? 1 : 0);
			size_t want = (size_t)f->prec, k = 0, z;

			if (tmp[0] == '-')
				t2[k++] = '-';
			for (z = nd; z < want && k < sizeof(t2) - 2; z++)
				t2[k++] = '0';
			snprintf(t2 + k, sizeof(t2) - k, "%s",
			    tmp + (tmp[0] == '-' ? 1 : 0));
			pad(b, f, t2, strlen(t2));
			return;
		}
		pad(b, f, tmp, strlen(tmp));
		return;
	}
	if (v->nt == RN_BIG && (f->verb == 'x' || f->verb == 'X' ||
	    f->verb == 'o' || f->verb == 'b')) {
		rv_num_text(v, tmp, sizeof(tmp));
		bad_verb(b, f, "big.Int", tmp);
		return;
	}
	switch (f->verb) {
	case 'x': base = 16; digits = "0123456789abcdef"; break;
	case 'X': base = 16; digits = "0123456789ABCDEF"; break;
	case 'o': base = 8; digits = "01234567"; break;
	case 'b': base = 2; digits = "01"; break;
	case 'c': {
		char enc[4];

		pad(b, f, enc, rego_utf8_enc((uint32_t)v->u.i, enc));
		return;
	}
	case 'q': {
		struct rego_buf q;
		char enc[4];

		rb_init(&q, 0);
		rb_putc(&q, '\'');
		rb_put(&q, enc, rego_utf8_enc((uint32_t)v->u.i, enc));
		rb_putc(&q, '\'');
		pad(b, f, rb_str(&q), q.len);
		rb_free(&q);
		return;
	}
	case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': {
		char num[64];

		rv_num_text(v, num, sizeof(num));
		bad_verb(b, f, "int", num);
		return;
	}
	default:
		rv_num_text(v, tmp, sizeof(tmp));
		bad_verb(b, f, "int", tmp);
		return;
	}
	{
		uint64_t u;
		char out[100], *p = out + sizeof(out);

		neg = v->u.i < 0;
		u = neg ? (uint64_t)0 - (uint64_t)v->u.i : (uint64_t)v->u.i;
		*--p = '\0';
		do {
			*--p = digits[u % (uint64_t)base];
			u /= (uint64_t)base;
		} while (u > 0);
		if (f->sharp) {
			if (base == 16) {
				*--p = f->verb;
				*--p = '0';
			} else if (base == 8) {
				*--p = '0';
			}
		}
		if (neg)
			*--p = '-';
		d = p;
		pad(b, f, d, strlen(d));
	}
}

static void
fmt_float(struct rego_buf *b, const struct fspec *f, double x)
{
	char tmp[400], cf[32];
	int k = 0;

	switch (f->verb) {
	case 'v':
	case 'g':
	case 'G':
		if (f->prec < 0) {
			(void)rv_fmt_double(x, tmp, sizeof(tmp), f->verb == 'G');
			if (f->plus && x >= 0) {
				char t2[sizeof(tmp) + 1];

				t2[0] = '+';
				memcpy(t2 + 1, tmp, strlen(tmp) + 1);
				pad(b, f, t2, strlen(t2));
				return;
			}
			pad(b, f, tmp, strlen(tmp));
			return;
		}
		break;
	case 'e': case 'E': case 'f': case 'F':
		break;
	default:
		(void)rv_fmt_double(x, tmp, sizeof(tmp), false);
		bad_verb(b, f, "float64", tmp);
		return;
	}
	(void)cf;
	(void)k;
	{
		int p = f->prec >= 0 ? f->prec : 6;
		char *o = tmp;

		if (x >= 0 && (f->plus || f->space))
			*o++ = f->plus ? '+' : ' ';
		switch (f->verb) {
		case 'e': snprintf(o, 380, "%.*e", p, x); break;
		case 'E': snprintf(o, 380, "%.*E", p, x); break;
		case 'f':
		case 'F': snprintf(o, 380, "%.*f", p, x); break;
		case 'G': snprintf(o, 380, "%.*G", p, x); break;
		default: snprintf(o, 380, "%.*g", p, x); break;
		}
	}
	pad(b, f, tmp, strlen(tmp));
}

static void
fmt_string(struct rego_buf *b, const struct fspec *f, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef", HEX[] =
	    "0123456789ABCDEF";
	struct rego_buf t;
	size_t i;

	switch (f->verb) {
	case 'v':
	case 's':
		if (f->prec >= 0)
			n = cp_offset(s, n, (size_t)f->prec);
		pad(b, f, s, n);
		return;
	case 'q':
		rb_init(&t, 0);
		rego_fmt_quote(&t, s, n);
		pad(b, f, rb_str(&t), t.len);
		rb_free(&t);
		return;
	case 'x':
	case 'X':
		rb_init(&t, 0);
		for (i = 0; i < n; i++) {
			const char *h = f->verb == 'x' ? hex : HEX;

			rb_putc(&t, h[(unsigned char)s[i] >> 4]);
			rb_putc(&t, h[(unsigned char)s[i] & 15]);
		}
		pad(b, f, rb_str(&t), t.len);
		rb_free(&t);
		return;
	default:
		rb_init(&t, 0);
		rb_put(&t, s, n);
		bad_verb(b, f, "string", rb_str(&t));
		rb_free(&t);
		return;
	}
}

static void
fmt_arg(struct rego_buf *b, const struct fspec *f, const rv *v)
{
	struct rego_buf t;

	switch (v->t) {
	case RV_NUM:
		if (v->nt != RN_FLT) {
			if (f->verb == 's' && v->nt == RN_INT) {
				char num[40];

				rv_num_text(v, num, sizeof(num));
				bad_verb(b, f, "int", num);
				return;
			}
			fmt_int(b, f, v);
			return;
		}
		if (isinf(v->u.f) && v->x != NULL) {
			/* beyond float64: printed from its text */
			fmt_string(b, f, (const char *)v->x,
			    strlen((const char *)v->x));
			return;
		}
		fmt_float(b, f, v->u.f);
		return;
	case RV_STR:
		fmt_string(b, f, v->u.s, v->n);
		return;
	default:
		rb_init(&t, 0);
		rego_fmt_term(&t, v);
		fmt_string(b, f, rb_str(&t), t.len);
		rb_free(&t);
		return;
	}
}

static int
bi_sprintf(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_buf *b = rego_bi_buf(ctx);
	const char *s;
	size_t n, i = 0, argi = 0;

	BI_STR(ctx, a, 0, s, n);
	BI_NEED(ctx, a, 1, RV_ARR, "array");
	while (i < n) {
		struct fspec f;

		if (s[i] != '%') {
			rb_putc(b, s[i++]);
			continue;
		}
		i++;
		if (i < n && s[i] == '%') {
			rb_putc(b, '%');
			i++;
			continue;
		}
		memset(&f, 0, sizeof(f));
		f.prec = -1;
		for (; i < n; i++) {
			if (s[i] == '-')
				f.minus = true;
			else if (s[i] == '+')
				f.plus = true;
			else if (s[i] == '#')
				f.sharp = true;
			else if (s[i] == '0')
				f.zero = !f.minus;
			else if (s[i] == ' ')
				f.space = true;
			else
				break;
		}
		while (i < n && s[i] >= '0' && s[i] <= '9' && f.width < 10000)
			f.width = f.width * 10 + (s[i++] - '0');
		if (i < n && s[i] == '.') {
			i++;
			f.prec = 0;
			while (i < n && s[i] >= '0' && s[i] <= '9' &&
			    f.prec < 10000)
				f.prec = f.prec * 10 + (s[i++] - '0');
		}
		if (i >= n) {
			rb_puts(b, "%!(NOVERB)");
			break;
		}
		f.verb = s[i++];
		if (argi >= a[1]->n) {
			rb_printf(b, "%%!%c(MISSING)", f.verb);
			continue;
		}
		if (f.verb == 't') {
			const rv *v = a[1]->u.a[argi++];

			if (v->t == RV_BOOL)
				pad(b, &f, v->b ? "true" : "false",
				    v->b ? 4 : 5);
			else
				rb_puts(b, "%!t(?)");
			continue;
		}
		fmt_arg(b, &f, a[1]->u.a[argi++]);
	}
	if (argi < a[1]->n) {
		rb_puts(b, "%!(EXTRA ");
		for (; argi < a[1]->n; argi++) {
			struct fspec f;

			memset(&f, 0, sizeof(f));
			f.prec = -1;
			f.verb = 'v';
			fmt_arg(b, &f, a[1]->u.a[argi]);
			if (argi + 1 < a[1]->n)
				rb_puts(b, ", ");
		}
		rb_putc(b, ')');
	}
	return ret_buf(ctx, b, out);
}

const struct rego_bi_def rego_bi_strings[] = {
	{ "concat", 2, 0, bi_concat },
	{ "contains", 2, 0, bi_contains },
	{ "startswith", 2, 0, bi_startswith },
	{ "endswith", 2, 0, bi_endswith },
	{ "lower", 1, 0, bi_lower },
	{ "upper", 1, 0, bi_upper },
	{ "split", 2, 0, bi_split },
	{ "replace", 3, 0, bi_replace },
	{ "strings.replace_n", 2, 0, bi_replace_n },
	{ "trim", 2, 0, bi_trim },
	{ "trim_left", 2, 0, bi_trim_left },
	{ "trim_right", 2, 0, bi_trim_right },
	{ "trim_prefix", 2, 0, bi_trim_prefix },
	{ "trim_suffix", 2, 0, bi_trim_suffix },
	{ "trim_space", 1, 0, bi_trim_space },
	{ "substring", 3, 0, bi_substring },
	{ "indexof", 2, 0, bi_indexof },
	{ "indexof_n", 2, 0, bi_indexof_n },
	{ "strings.reverse", 1, 0, bi_strings_reverse },
	{ "strings.count", 2, 0, bi_strings_count },
	{ "strings.any_prefix_match", 2, 0, bi_any_prefix_match },
	{ "strings.any_suffix_match", 2, 0, bi_any_suffix_match },
	{ "format_int", 2, 0, bi_format_int },
	{ "sprintf", 2, 0, bi_sprintf },
	{ NULL, 0, 0, NULL },
};
