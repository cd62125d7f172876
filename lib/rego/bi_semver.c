/*
 * semver.is_valid, semver.compare: OPA's own Semantic Versioning parser
 * (internal/semver): an optional leading "v", MAJOR.MINOR.PATCH as
 * int64 decimals (leading zeros accepted, as Go's ParseInt does), an
 * optional -PRERELEASE and +METADATA of dot-separated [0-9A-Za-z-]+
 * identifiers; precedence as semver.org item 11.
 */
#include <stdint.h>
#include <string.h>

#include "rego/rego_priv.h"

struct semver {
	int64_t v[3];
	const char *pre;         /* pre-release, without '-' */
	size_t npre;
};

/* ^[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*$ */
static bool
idents_ok(const char *s, size_t n)
{
	size_t i, run = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (run == 0)
				return false;
			run = 0;
		} else if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
		    (c >= 'a' && c <= 'z') || c == '-') {
			run++;
		} else {
			return false;
		}
	}
	return run > 0;
}

/* Go's strconv.ParseInt(s, 10, 64). */
static bool
parse_i64(const char *s, size_t n, int64_t *out)
{
	bool neg = false;
	uint64_t v = 0, lim;
	size_t i = 0;

	if (n > 0 && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == n)
		return false;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (s[i] < '0' || s[i] > '9' || v > (lim - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
	    -(int64_t)v) : (int64_t)v;
	return true;
}

static bool
semver_parse(const char *s, size_t n, struct semver *out)
{
	const char *p, *dot1, *dot2;
	size_t i, dots = 0;

	if (n > 0 && s[0] == 'v') {
		s++;
		n--;
	}
	if ((p = memchr(s, '+', n)) != NULL) {
		if (!idents_ok(p + 1, (size_t)(s + n - p - 1)) &&
		    p + 1 != s + n)
			return false;
		n = (size_t)(p - s);
	}
	out->pre = NULL;
	out->npre = 0;
	if ((p = memchr(s, '-', n)) != NULL) {
		out->pre = p + 1;
		out->npre = (size_t)(s + n - p - 1);
		if (out->npre > 0 && !idents_ok(out->pre, out->npre))
			return false;
		n = (size_t)(p - s);
	}
	for (i = 0; i < n; i++)
		dots += s[i] == '.';
	if (dots != 2)
		return false;
	dot1 = memchr(s, '.', n);
	dot2 = memchr(dot1 + 1, '.', (size_t)(s + n - dot1 - 1));
	return parse_i64(s, (size_t)(dot1 - s), &out->v[0]) &&
	    parse_i64(dot1 + 1, (size_t)(dot2 - dot1 - 1), &out->v[1]) &&
	    parse_i64(dot2 + 1, (size_t)(s + n - dot2 - 1), &out->v[2]);
}

static bool
all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

/* Go's strconv.Atoi of digits: saturates at INT64_MAX. */
static int64_t
atoi_sat(const char *s, size_t n)
{
	int64_t v;

	return parse_i64(s, n, &v) ? v : INT64_MAX;
}

static int
cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	if (c != 0)
		return c < 0 ? -1 : 1;
	return an < bn ? -1 : an > bn;
}

static int
semver_cmp(const struct semver *a, const struct semver *b)
{
	const char *pa = a->pre, *pb = b->pre, *ea, *eb;
	size_t ra = a->npre, rb = b->npre, la, lb;
	int i;

	for (i = 0; i < 3; i++)
		if (a->v[i] != b->v[i])
			return a->v[i] > b->v[i] ? 1 : -1;
	if (ra == rb && (ra == 0 || memcmp(pa, pb, ra) == 0))
		return 0;
	if (ra == 0)
		return 1;
	if (rb == 0)
		return -1;
	for (;;) {
		bool ia, ib;

		ea = memchr(pa, '.', ra);
		eb = memchr(pb, '.', rb);
		la = ea != NULL ? (size_t)(ea - pa) : ra;
		lb = eb != NULL ? (size_t)(eb - pb) : rb;
		if (la == 0 && lb != 0)
			return -1;
		if (la != 0 && lb == 0)
			return 1;
		if (la == 0 && lb == 0)
			return 0;   /* equal fields (OPA would loop for ever) */
		ia = all_digits(pa, la);
		ib = all_digits(pb, lb);
		if (ia != ib)
			return ia ? -1 : 1;
		if (ia) {
			int64_t x = atoi_sat(pa, la), y = atoi_sat(pb, lb);

			if (x != y)
				return x > y ? 1 : -1;
		} else {
			int c = cmp_bytes(pa, la, pb, lb);

			if (c != 0)
				return c;
		}
		if (ea != NULL && eb == NULL)
			return 1;
		if (ea == NULL && eb != NULL)
			return -1;
		if (ea == NULL)
			return 0;
		ra -= la + 1;
		rb -= lb + 1;
		pa = ea + 1;
		pb = eb + 1;
	}
}

static int
bi_is_valid(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct semver v;

	(void)ctx;
	*out = RV_BOOLV(a[0]->t == RV_STR &&
	    semver_parse(a[0]->u.s, a[0]->n, &v));
	return CCAKIT_OK;
}

static int
bad(ccakit_rego_bictx *ctx, unsigned pos, const rv *s)
{
	struct rego_buf b;
	int rc;

	rb_init(&b, 256);
	rego_fmt_quote(&b, s->u.s, s->n);
	rc = ccakit_rego_bi_error(ctx, "operand %u: string %s is not a "
	    "valid SemVer", pos, b.oom ? "(too long)" : rb_str(&b));
	rb_free(&b);
	return rc;
}

static int
bi_compare(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct semver x, y;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	BI_NEED(ctx, a, 1, RV_STR, "string");
	if (!semver_parse(a[0]->u.s, a[0]->n, &x))
		return bad(ctx, 1, a[0]);
	if (!semver_parse(a[1]->u.s, a[1]->n, &y))
		return bad(ctx, 2, a[1]);
	NOMEM_IF(ctx, *out = rv_int(rego_bi_arena(ctx), semver_cmp(&x, &y)));
	return CCAKIT_OK;
}

const struct rego_bi_def rego_bi_semver[] = {
	{ "semver.is_valid", 1, 0, bi_is_valid },
	{ "semver.compare", 2, 0, bi_compare },
	{ NULL, 0, 0, NULL },
};
