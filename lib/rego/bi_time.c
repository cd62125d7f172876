/*
 * Time: time.now_ns (fixed per query), time.parse_rfc3339_ns,
 * time.parse_ns / time.format (Go layouts), time.parse_duration_ns,
 * time.date, time.clock, time.weekday, time.add_date, time.diff.
 *
 * Times are int64 nanoseconds since the Unix epoch (OPA's range:
 * 1677-09-21 to 2262-04-11). Time zones: "UTC", "" and "Local" (UTC:
 * a server's local zone must not change decisions) and IANA names read
 * from the system's zoneinfo files (TZif; the zone's last transition
 * applies after the file's last entry).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rego/rego_priv.h"

#define NS 1000000000LL

/* 128-bit intermediate results (GCC and Clang). */
__extension__ typedef __int128 i128;

/* ------------------------------------------------------------------ */
/* Civil calendar (proleptic Gregorian), days since 1970-01-01.         */

static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	*y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp + (mp < 10 ? 3 : -9);
	*y += *m <= 2;
}

static int64_t
floordiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Broken-down time. */
struct tm_ {
	int64_t year, mon, day, hour, min, sec, nsec;
	int64_t wday, yday;
	int64_t off;      /* seconds east of UTC */
	char abbr[16];
};

static void
split_ns(i128 t, int64_t off, struct tm_ *tm)
{
	i128 secs = t / NS;
	int64_t ns = (int64_t)(t % NS), days, rem;

	if (ns < 0) {
		ns += NS;
		secs--;
	}
	secs += off;
	days = (int64_t)floordiv((int64_t)secs, 86400);
	rem = (int64_t)(secs - (i128)days * 86400);
	civil_from_days(days, &tm->year, &tm->mon, &tm->day);
	tm->hour = rem / 3600;
	tm->min = rem / 60 % 60;
	tm->sec = rem % 60;
	tm->nsec = ns;
	tm->wday = ((days % 7) + 11) % 7;  /* 1970-01-01 was a Thursday */
	tm->yday = days - days_from_civil(tm->year, 1, 1) + 1;
	tm->off = off;
}

/* ns since the epoch of a civil time at offset off; false if out of
 * the int64 range. */
static bool
join_ns(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t s,
    int64_t ns, int64_t off, int64_t *out)
{
	i128 t;

	/* normalize months like Go's Date does */
	y += floordiv(mo - 1, 12);
	mo = mo - 1 - floordiv(mo - 1, 12) * 12 + 1;
	t = (i128)days_from_civil(y, mo, 1) + d - 1;
	t = t * 86400 + h * 3600 + mi * 60 + s - off;
	t = t * NS + ns;
	if (t < INT64_MIN || t > INT64_MAX)
		return false;
	*out = (int64_t)t;
	return true;
}

/* ------------------------------------------------------------------ */
/* Time zones (TZif).                                                   */

struct zone {
	int64_t *when;
	uint8_t *idx;
	size_t n;
	int32_t *off;
	uint8_t *isdst;
	uint8_t *abbri;
	size_t ntypes;
	char *abbrs;
	size_t nabbr;
};

static uint64_t
be(const unsigned char *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static bool
zone_load(const char *name, struct rego_arena *ar, struct zone *z)
{
	char path[512];
	unsigned char *buf = NULL;
	const unsigned char *p;
	size_t len, i, off, tsz;
	uint64_t cnt[6];
	FILE *f;
	long sz;

	if (strstr(name, "..") != NULL || name[0] == '/' || strlen(name) > 200)
		return false;
	for (i = 0; name[i] != '\0'; i++)
		if (!isalnum((unsigned char)name[i]) && strchr("/_-+",
		    name[i]) == NULL)
			return false;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name);
	if ((f = fopen(path, "rb")) == NULL)
		return false;
	if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 44 ||
	    sz > 1024 * 1024 || fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)sz)) == NULL ||
	    fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
		fclose(f);
		free(buf);
		return false;
	}
	fclose(f);
	len = (size_t)sz;
	if (memcmp(buf, "TZif", 4) != 0)
		goto bad;
	off = 0;
	tsz = 4;
	if (buf[4] >= '2') {
		/* skip the 32-bit block */
		for (i = 0; i < 6; i++)
			cnt[i] = be(buf + 20 + i * 4, 4);
		off = 44 + cnt[3] * 5 + cnt[4] * 6 + cnt[5] + cnt[2] * 8 +
		    cnt[1] + cnt[0];
		if (off + 44 > len || memcmp(buf + off, "TZif", 4) != 0)
			goto bad;
		tsz = 8;
	}
	/* counts: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt */
	for (i = 0; i < 6; i++)
		cnt[i] = be(buf + off + 20 + i * 4, 4);
	p = buf + off + 44;
	if (cnt[3] > 100000 || cnt[4] > 256 || cnt[4] == 0 ||
	    cnt[5] > 4096 || (size_t)(p - buf) + cnt[3] * (tsz + 1) +
	    cnt[4] * 6 + cnt[5] > len)
		goto bad;
	z->n = (size_t)cnt[3];
	z->ntypes = (size_t)cnt[4];
	z->nabbr = (size_t)cnt[5];
	z->when = ra_alloc(ar, (z->n + 1) * sizeof(*z->when));
	z->idx = ra_alloc(ar, z->n + 1);
	z->off = ra_alloc(ar, z->ntypes * sizeof(*z->off));
	z->isdst = ra_alloc(ar, z->ntypes);
	z->abbri = ra_alloc(ar, z->ntypes);
	z->abbrs = ra_alloc(ar, z->nabbr + 1);
	if (z->when == NULL || z->idx == NULL || z->off == NULL ||
	    z->isdst == NULL || z->abbri == NULL || z->abbrs == NULL)
		goto bad;
	for (i = 0; i < z->n; i++, p += tsz)
		z->when[i] = tsz == 8 ? (int64_t)be(p, 8) :
		    (int64_t)(int32_t)be(p, 4);
	for (i = 0; i < z->n; i++, p++) {
		z->idx[i] = *p;
		if (*p >= z->ntypes)
			goto bad;
	}
	for (i = 0; i < z->ntypes; i++, p += 6) {
		z->off[i] = (int32_t)be(p, 4);
		z->isdst[i] = p[4];
		z->abbri[i] = p[5];
	}
	memcpy(z->abbrs, p, z->nabbr);
	z->abbrs[z->nabbr] = '\0';
	free(buf);
	return true;
bad:
	free(buf);
	return false;
}

/* Offset (and abbreviation) of a zone at UTC seconds t. */
static int64_t
zone_offset(const struct zone *z, int64_t t, char *abbr, size_t alen)
{
	size_t lo = 0, hi = z->n, type = 0, i;

	if (z->n == 0 || t < z->when[0]) {
		for (i = 0; i < z->ntypes; i++)
			if (!z->isdst[i]) {
				type = i;
				break;
			}
	} else {
		while (hi - lo > 1) {
			size_t mid = (lo + hi) / 2;

			if (z->when[mid] <= t)
				lo = mid;
			else
				hi = mid;
		}
		type = z->idx[lo];
	}
	if (abbr != NULL && z->abbri[type] < z->nabbr)
		snprintf(abbr, alen, "%s", z->abbrs + z->abbri[type]);
	return z->off[type];
}

/* Resolve a zone name; off is the offset at time t (ns). */
static int
tz_offset(ccakit_rego_bictx *ctx, const rv *name, int64_t t, int64_t *off,
    char *abbr, size_t alen)
{
	struct zone z;

	if (name == NULL || name->n == 0 || strcmp(name->u.s, "UTC") == 0 ||
	    strcmp(name->u.s, "Local") == 0) {
		*off = 0;
		if (abbr != NULL)
			snprintf(abbr, alen, "UTC");
		return CCAKIT_OK;
	}
	memset(&z, 0, sizeof(z));
	if (!zone_load(name->u.s, rego_bi_arena(ctx), &z))
		return ccakit_rego_bi_error(ctx, "unknown time zone %s",
		    name->u.s);
	*off = zone_offset(&z, (int64_t)floordiv(t, NS), abbr, alen);
	return CCAKIT_OK;
}

/* Operand: ns, or [ns, tz], or [ns, tz, layout]. */
static int
time_arg(ccakit_rego_bictx *ctx, const rv *x, int64_t *ns, const rv **tz,
    const rv **layout)
{
	const rv *n = x;

	*tz = NULL;
	if (layout != NULL)
		*layout = NULL;
	if (x->t == RV_ARR) {
		if (x->n < 1 || x->n > (layout != NULL ? 3u : 2u))
			return rego_bi_typeerr(ctx, "operand 1 must be a number "
			    "or an array [ns, tz]");
		n = x->u.a[0];
		if (x->n > 1) {
			if (x->u.a[1]->t != RV_STR)
				return rego_bi_typeerr(ctx, "time zone must be "
				    "a string");
			*tz = x->u.a[1];
		}
		if (x->n > 2) {
			if (x->u.a[2]->t != RV_STR)
				return rego_bi_typeerr(ctx, "layout must be a "
				    "string");
			*layout = x->u.a[2];
		}
	}
	if (n->t != RV_NUM)
		return rego_bi_operr(ctx, 1, "number", n);
	if (n->nt == RN_BIG || (n->nt == RN_FLT && (n->u.f > 9.2e18 ||
	    n->u.f < -9.2e18)))
		return ccakit_rego_bi_error(ctx, "timestamp too big");
	*ns = n->nt == RN_INT ? n->u.i : (int64_t)n->u.f;
	return CCAKIT_OK;
}

static int
broken_down(ccakit_rego_bictx *ctx, const rv *x, struct tm_ *tm,
    const rv **layout)
{
	const rv *tz;
	int64_t ns = 0, off = 0;
	int rc;

	if ((rc = time_arg(ctx, x, &ns, &tz, layout)) != CCAKIT_OK)
		return rc;
	memset(tm, 0, sizeof(*tm));
	if ((rc = tz_offset(ctx, tz, ns, &off, tm->abbr,
	    sizeof(tm->abbr))) != CCAKIT_OK)
		return rc;
	split_ns(ns, off, tm);
	return CCAKIT_OK;
}

/* ------------------------------------------------------------------ */
/* Go layouts.                                                          */

static const char *const months[] = { "January", "February", "March",
	"April", "May", "June", "July", "August", "September", "October",
	"November", "December" };
static const char *const days[] = { "Sunday", "Monday", "Tuesday",
	"Wednesday", "Thursday", "Friday", "Saturday" };

static const struct {
	const char *name, *layout;
} named_layouts[] = {
	{ "ANSIC", "Mon Jan _2 15:04:05 2006" },
	{ "UnixDate", "Mon Jan _2 15:04:05 MST 2006" },
	{ "RubyDate", "Mon Jan 02 15:04:05 -0700 2006" },
	{ "RFC822", "02 Jan 06 15:04 MST" },
	{ "RFC822Z", "02 Jan 06 15:04 -0700" },
	{ "RFC850", "Monday, 02-Jan-06 15:04:05 MST" },
	{ "RFC1123", "Mon, 02 Jan 2006 15:04:05 MST" },
	{ "RFC1123Z", "Mon, 02 Jan 2006 15:04:05 -0700" },
	{ "RFC3339", "2006-01-02T15:04:05Z07:00" },
	{ "RFC3339Nano", "2006-01-02T15:04:05.999999999Z07:00" },
	{ "Kitchen", "3:04PM" },
	{ "Stamp", "Jan _2 15:04:05" },
	{ "StampMilli", "Jan _2 15:04:05.000" },
	{ "StampMicro", "Jan _2 15:04:05.000000" },
	{ "StampNano", "Jan _2 15:04:05.000000000" },
	{ "DateTime", "2006-01-02 15:04:05" },
	{ "DateOnly", "2006-01-02" },
	{ "TimeOnly", "15:04:05" },
};

static const char *
resolve_layout(const char *l)
{
	size_t i;

	for (i = 0; i < sizeof(named_layouts) / sizeof(named_layouts[0]);
	    i++)
		if (strcmp(named_layouts[i].name, l) == 0)
			return named_layouts[i].layout;
	return l;
}

enum {
	L_NONE = 0, L_YEAR4, L_YEAR2, L_MON2, L_MON, L_MONNAME, L_MONABBR,
	L_DAY2, L_DAY, L_DAYSP, L_YDAY, L_HOUR24, L_HOUR12_2, L_HOUR12,
	L_MIN2, L_MIN, L_SEC2, L_SEC, L_PM, L_pm, L_WDAY, L_WDAYABBR, L_TZ,
	L_ISO_COLON, L_ISO, L_ISO_SHORT, L_ISO_COLON_SEC, L_NUM_COLON,
	L_NUM, L_NUM_SHORT, L_NUM_COLON_SEC, L_FRAC0, L_FRAC9,
};

/* Next layout element at l: returns its kind and length (*n); L_NONE
 * means a literal byte. digits: for fractions, their count. */
static int
next_elem(const char *l, size_t *n, int *digits)
{
	static const struct {
		const char *s;
		int k;
	} e[] = {
		{ "January", L_MONNAME }, { "Jan", L_MONABBR },
		{ "Monday", L_WDAY }, { "Mon", L_WDAYABBR }, { "MST", L_TZ },
		{ "2006", L_YEAR4 }, { "01", L_MON2 }, { "02", L_DAY2 },
		{ "_2", L_DAYSP }, { "002", L_YDAY }, { "06", L_YEAR2 },
		{ "15", L_HOUR24 }, { "03", L_HOUR12_2 }, { "04", L_MIN2 },
		{ "05", L_SEC2 }, { "PM", L_PM }, { "pm", L_pm },
		{ "Z07:00:00", L_ISO_COLON_SEC }, { "Z07:00", L_ISO_COLON },
		{ "Z0700", L_ISO }, { "Z07", L_ISO_SHORT },
		{ "-07:00:00", L_NUM_COLON_SEC }, { "-07:00", L_NUM_COLON },
		{ "-0700", L_NUM }, { "-07", L_NUM_SHORT },
		{ "1", L_MON }, { "2", L_DAY }, { "3", L_HOUR12 },
		{ "4", L_MIN }, { "5", L_SEC },
	};
	size_t i, k;

	if ((l[0] == '.' || l[0] == ',') && (l[1] == '0' || l[1] == '9')) {
		char d = l[1];

		for (k = 1; l[k] == d; k++)
			;
		if (!isdigit((unsigned char)l[k])) {
			*n = k;
			*digits = (int)k - 1;
			return d == '0' ? L_FRAC0 : L_FRAC9;
		}
	}
	for (i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		k = strlen(e[i].s);
		if (strncmp(l, e[i].s, k) == 0) {
			/* "Jan" in "January": handled by order; "1" etc.
			 * only when not part of "15"/"01" (order) */
			*n = k;
			return e[i].k;
		}
	}
	*n = 1;
	return L_NONE;
}

static void
put_num(struct rego_buf *b, int64_t v, int width, char padc)
{
	char tmp[32];
	int len;

	len = snprintf(tmp, sizeof(tmp), "%lld", (long long)(v < 0 ? -v : v));
	if (v < 0)
		rb_putc(b, '-');
	for (; len < width; len++)
		rb_putc(b, padc);
	rb_puts(b, tmp);
}

static void
put_zone(struct rego_buf *b, int64_t off, bool z, bool colon, int parts)
{
	int64_t a = off < 0 ? -off : off;

	if (z && off == 0) {
		rb_putc(b, 'Z');
		return;
	}
	rb_putc(b, off < 0 ? '-' : '+');
	put_num(b, a / 3600, 2, '0');
	if (parts >= 2) {
		if (colon)
			rb_putc(b, ':');
		put_num(b, a / 60 % 60, 2, '0');
	}
	if (parts >= 3) {
		if (colon)
			rb_putc(b, ':');
		put_num(b, a % 60, 2, '0');
	}
}

static void
go_format(struct rego_buf *b, const struct tm_ *tm, const char *l)
{
	size_t n;
	int k, digits = 0;

	while (*l != '\0') {
		k = next_elem(l, &n, &digits);
		switch (k) {
		case L_NONE: rb_put(b, l, 1); break;
		case L_YEAR4: put_num(b, tm->year, 4, '0'); break;
		case L_YEAR2: put_num(b, tm->year % 100, 2, '0'); break;
		case L_MON2: put_num(b, tm->mon, 2, '0'); break;
		case L_MON: put_num(b, tm->mon, 0, '0'); break;
		case L_MONNAME: rb_puts(b, months[tm->mon - 1]); break;
		case L_MONABBR: rb_put(b, months[tm->mon - 1], 3); break;
		case L_DAY2: put_num(b, tm->day, 2, '0'); break;
		case L_DAY: put_num(b, tm->day, 0, '0'); break;
		case L_DAYSP: put_num(b, tm->day, 2, ' '); break;
		case L_YDAY: put_num(b, tm->yday, 3, '0'); break;
		case L_HOUR24: put_num(b, tm->hour, 2, '0'); break;
		case L_HOUR12_2:
			put_num(b, tm->hour % 12 == 0 ? 12 : tm->hour % 12, 2,
			    '0');
			break;
		case L_HOUR12:
			put_num(b, tm->hour % 12 == 0 ? 12 : tm->hour % 12, 0,
			    '0');
			break;
		case L_MIN2: put_num(b, tm->min, 2, '0'); break;
		case L_MIN: put_num(b, tm->min, 0, '0'); break;
		case L_SEC2: put_num(b, tm->sec, 2, '0'); break;
		case L_SEC: put_num(b, tm->sec, 0, '0'); break;
		case L_PM: rb_puts(b, tm->hour >= 12 ? "PM" : "AM"); break;
		case L_pm: rb_puts(b, tm->hour >= 12 ? "pm" : "am"); break;
		case L_WDAY: rb_puts(b, days[tm->wday]); break;
		case L_WDAYABBR: rb_put(b, days[tm->wday], 3); break;
		case L_TZ:
			if (tm->abbr[0] != '\0')
				rb_puts(b, tm->abbr);
			else
				put_zone(b, tm->off, false, false, 2);
			break;
		case L_ISO_COLON: put_zone(b, tm->off, true, true, 2); break;
		case L_ISO: put_zone(b, tm->off, true, false, 2); break;
		case L_ISO_SHORT: put_zone(b, tm->off, true, false, 1); break;
		case L_ISO_COLON_SEC: put_zone(b, tm->off, true, true, 3); break;
		case L_NUM_COLON: put_zone(b, tm->off, false, true, 2); break;
		case L_NUM: put_zone(b, tm->off, false, false, 2); break;
		case L_NUM_SHORT: put_zone(b, tm->off, false, false, 1); break;
		case L_NUM_COLON_SEC:
			put_zone(b, tm->off, false, true, 3);
			break;
		case L_FRAC0:
		case L_FRAC9: {
			char fr[16];
			int i, last = digits;

			snprintf(fr, sizeof(fr), "%09lld",
			    (long long)tm->nsec);
			fr[digits < 9 ? digits : 9] = '\0';
			if (k == L_FRAC9) {
				last = (int)strlen(fr);
				while (last > 0 && fr[last - 1] == '0')
					last--;
				fr[last] = '\0';
				if (last == 0)
					break;
			}
			rb_putc(b, l[0]);
			for (i = 0; fr[i] != '\0'; i++)
				rb_putc(b, fr[i]);
			break;
		}
		default:
			break;
		}
		l += n;
	}
}

/* Parse digits: exactly w (w > 0) or 1..max (w == 0). */
static bool
get_num(const char **v, int w, int max, int64_t *out)
{
	const char *s = *v;
	int64_t x = 0;
	int i;

	for (i = 0; (w > 0 ? i < w : i < max) && isdigit((unsigned char)s[i]);
	    i++)
		x = x * 10 + (s[i] - '0');
	if (i == 0 || (w > 0 && i != w))
		return false;
	*v = s + i;
	*out = x;
	return true;
}

static bool
get_name(const char **v, const char *const *names, size_t n, size_t len,
    int64_t *out)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		k = len > 0 ? len : strlen(names[i]);
		if (strncasecmp(*v, names[i], k) == 0) {
			*v += k;
			*out = (int64_t)i;
			return true;
		}
	}
	return false;
}

static bool
get_zone(const char **v, bool z, bool colon, int parts, int64_t *off)
{
	const char *s = *v;
	int64_t h = 0, m = 0, sec = 0;
	int sign;

	if (z && *s == 'Z') {
		*v = s + 1;
		*off = 0;
		return true;
	}
	if (*s != '+' && *s != '-')
		return false;
	sign = *s == '-' ? -1 : 1;
	s++;
	if (!get_num(&s, 2, 2, &h))
		return false;
	if (parts >= 2) {
		if (colon && *s++ != ':')
			return false;
		if (!get_num(&s, 2, 2, &m))
			return false;
	}
	if (parts >= 3) {
		if (colon && *s++ != ':')
			return false;
		if (!get_num(&s, 2, 2, &sec))
			return false;
	}
	*v = s;
	*off = sign * (h * 3600 + m * 60 + sec);
	return true;
}

/* Go's time.Parse (UTC when the value has no zone). */
static bool
go_parse(const char *l, const char *v, int64_t *ns, bool *range_err)
{
	int64_t y = 1, mo = 1, d = 1, h = 0, mi = 0, s = 0, frac = 0,
	    off = 0, x;
	bool pm = false, pmset = false;
	size_t n;
	int k, digits;

	*range_err = false;
	while (*l != '\0') {
		k = next_elem(l, &n, &digits);
		switch (k) {
		case L_NONE:
			if (*v != *l)
				return false;
			v++;
			break;
		case L_YEAR4:
			if (!get_num(&v, 4, 4, &y))
				return false;
			break;
		case L_YEAR2:
			if (!get_num(&v, 2, 2, &y))
				return false;
			y += y >= 69 ? 1900 : 2000;
			break;
		case L_MON2:
			if (!get_num(&v, 2, 2, &mo))
				return false;
			break;
		case L_MON:
			if (!get_num(&v, 0, 2, &mo))
				return false;
			break;
		case L_MONNAME:
			if (!get_name(&v, months, 12, 0, &mo))
				return false;
			mo++;
			break;
		case L_MONABBR:
			if (!get_name(&v, months, 12, 3, &mo))
				return false;
			mo++;
			break;
		case L_DAY2:
			if (!get_num(&v, 2, 2, &d))
				return false;
			break;
		case L_DAYSP:
			if (*v == ' ')
				v++;
			if (!get_num(&v, 0, 2, &d))
				return false;
			break;
		case L_DAY:
			if (!get_num(&v, 0, 2, &d))
				return false;
			break;
		case L_YDAY:
			if (!get_num(&v, 3, 3, &x))
				return false;
			break;
		case L_HOUR24:
			if (!get_num(&v, 2, 2, &h))
				return false;
			break;
		case L_HOUR12_2:
			if (!get_num(&v, 2, 2, &h))
				return false;
			break;
		case L_HOUR12:
			if (!get_num(&v, 0, 2, &h))
				return false;
			break;
		case L_MIN2:
			if (!get_num(&v, 2, 2, &mi))
				return false;
			break;
		case L_MIN:
			if (!get_num(&v, 0, 2, &mi))
				return false;
			break;
		case L_SEC2:
		case L_SEC:
			if (!get_num(&v, k == L_SEC2 ? 2 : 0, 2, &s))
				return false;
			/* a fraction may follow even if the layout has
			 * none */
			if ((*v == '.' || *v == ',') &&
			    isdigit((unsigned char)v[1]) &&
			    !((l[n] == '.' || l[n] == ',') &&
			    (l[n + 1] == '0' || l[n + 1] == '9'))) {
				int nd = 0;

				v++;
				frac = 0;
				while (isdigit((unsigned char)*v)) {
					if (nd < 9) {
						frac = frac * 10 + (*v - '0');
						nd++;
					}
					v++;
				}
				for (; nd < 9; nd++)
					frac *= 10;
			}
			break;
		case L_PM:
		case L_pm:
			if (strncasecmp(v, "PM", 2) == 0)
				pm = true;
			else if (strncasecmp(v, "AM", 2) != 0)
				return false;
			pmset = true;
			v += 2;
			break;
		case L_WDAY:
			if (!get_name(&v, days, 7, 0, &x))
				return false;
			break;
		case L_WDAYABBR:
			if (!get_name(&v, days, 7, 3, &x))
				return false;
			break;
		case L_TZ:
			if (strncmp(v, "UTC", 3) == 0) {
				v += 3;
			} else {
				while (isupper((unsigned char)*v))
					v++;
			}
			break;
		case L_ISO_COLON:
		case L_ISO:
		case L_ISO_SHORT:
		case L_ISO_COLON_SEC:
		case L_NUM_COLON:
		case L_NUM:
		case L_NUM_SHORT:
		case L_NUM_COLON_SEC:
			if (!get_zone(&v, k >= L_ISO_COLON && k <=
			    L_ISO_COLON_SEC, k == L_ISO_COLON ||
			    k == L_ISO_COLON_SEC || k == L_NUM_COLON ||
			    k == L_NUM_COLON_SEC, k == L_ISO_SHORT ||
			    k == L_NUM_SHORT ? 1 : (k == L_ISO_COLON_SEC ||
			    k == L_NUM_COLON_SEC ? 3 : 2), &off))
				return false;
			break;
		case L_FRAC0:
		case L_FRAC9:
			if (*v == l[0] || (k == L_FRAC9 && *v != l[0])) {
				int nd = 0;

				if (*v != l[0])
					break;  /* optional .999 */
				v++;
				frac = 0;
				while (isdigit((unsigned char)*v)) {
					if (nd < 9) {
						frac = frac * 10 + (*v - '0');
						nd++;
					}
					v++;
				}
				if (k == L_FRAC0 && nd != digits)
					return false;
				for (; nd < 9; nd++)
					frac *= 10;
			} else {
				return false;
			}
			break;
		default:
			break;
		}
		l += n;
	}
	if (*v != '\0')
		return false;
	if (pmset) {
		if (h < 1 || h > 12)
			return false;
		if (pm && h < 12)
			h += 12;
		else if (!pm && h == 12)
			h = 0;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    s > 59)
		return false;
	{
		int64_t dim = days_from_civil(mo == 12 ? y + 1 : y,
		    mo == 12 ? 1 : mo + 1, 1) - days_from_civil(y, mo, 1);

		if (d > dim)
			return false;
	}
	if (!join_ns(y, mo, d, h, mi, s, frac, off, ns)) {
		*range_err = true;
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Built-ins.                                                           */

static int
ret_int(ccakit_rego_bictx *ctx, int64_t v, const rv **out)
{
	NOMEM_IF(ctx, *out = rv_int(rego_bi_arena(ctx), v));
	return CCAKIT_OK;
}

static int
bi_now_ns(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	(void)a;
	return ret_int(ctx, ccakit_rego_bi_now_ns(ctx), out);
}

static int
parse_with(ccakit_rego_bictx *ctx, const char *layout, const rv *v,
    const rv **out)
{
	int64_t ns;
	bool range;

	if (!go_parse(layout, v->u.s, &ns, &range)) {
		if (range)
			return ccakit_rego_bi_error(ctx,
			    "time outside of valid range");
		return ccakit_rego_bi_error(ctx, "parsing time \"%.100s\" as "
		    "\"%.100s\": cannot parse", v->u.s, layout);
	}
	return ret_int(ctx, ns, out);
}

static int
bi_parse_rfc3339_ns(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	BI_NEED(ctx, a, 0, RV_STR, "string");
	return parse_with(ctx, "2006-01-02T15:04:05Z07:00", a[0], out);
}

static int
bi_parse_ns(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	BI_NEED(ctx, a, 0, RV_STR, "string");
	BI_NEED(ctx, a, 1, RV_STR, "string");
	return parse_with(ctx, resolve_layout(a[0]->u.s), a[1], out);
}

static int
bi_format(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_buf *b = rego_bi_buf(ctx);
	const rv *layout;
	struct tm_ tm;
	int rc;

	if ((rc = broken_down(ctx, a[0], &tm, &layout)) != CCAKIT_OK)
		return rc;
	go_format(b, &tm, layout != NULL ? resolve_layout(layout->u.s) :
	    "2006-01-02T15:04:05.999999999Z07:00");
	if (b->oom)
		return rego_bi_nomem(ctx);
	NOMEM_IF(ctx, *out = rv_str(rego_bi_arena(ctx), rb_str(b), b->len));
	return CCAKIT_OK;
}

static int
triple(ccakit_rego_bictx *ctx, int64_t x, int64_t y, int64_t z,
    const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	const rv *v[3];

	NOMEM_IF(ctx, v[0] = rv_int(ar, x));
	NOMEM_IF(ctx, v[1] = rv_int(ar, y));
	NOMEM_IF(ctx, v[2] = rv_int(ar, z));
	NOMEM_IF(ctx, *out = rv_arr_copy(ar, v, 3));
	return CCAKIT_OK;
}

static int
bi_date(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct tm_ tm;
	int rc;

	if ((rc = broken_down(ctx, a[0], &tm, NULL)) != CCAKIT_OK)
		return rc;
	return triple(ctx, tm.year, tm.mon, tm.day, out);
}

static int
bi_clock(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct tm_ tm;
	int rc;

	if ((rc = broken_down(ctx, a[0], &tm, NULL)) != CCAKIT_OK)
		return rc;
	return triple(ctx, tm.hour, tm.min, tm.sec, out);
}

static int
bi_weekday(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct tm_ tm;
	int rc;

	if ((rc = broken_down(ctx, a[0], &tm, NULL)) != CCAKIT_OK)
		return rc;
	NOMEM_IF(ctx, *out = rv_cstr(rego_bi_arena(ctx), days[tm.wday]));
	return CCAKIT_OK;
}

static int
bi_add_date(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	int64_t ns, y, m, d, res;
	struct tm_ tm;
	unsigned i;

	for (i = 0; i < 4; i++) {
		BI_NEED(ctx, a, i, RV_NUM, "number");
		if (a[i]->nt != RN_INT)
			return ccakit_rego_bi_error(ctx,
			    "time outside of valid range");
	}
	ns = a[0]->u.i;
	y = a[1]->u.i;
	m = a[2]->u.i;
	d = a[3]->u.i;
	split_ns(ns, 0, &tm);
	if (y > 1000000 || y < -1000000 || m > 12000000 || m < -12000000 ||
	    d > 400000000 || d < -400000000 ||
	    !join_ns(tm.year + y, tm.mon + m, tm.day + d, tm.hour, tm.min,
	    tm.sec, tm.nsec, 0, &res))
		return ccakit_rego_bi_error(ctx, "time outside of valid range");
	return ret_int(ctx, res, out);
}

static int
bi_diff(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	struct tm_ t1, t2;
	int64_t r[6], dim;
	const rv *v[6];
	int rc, i;

	if ((rc = broken_down(ctx, a[0], &t1, NULL)) != CCAKIT_OK ||
	    (rc = broken_down(ctx, a[1], &t2, NULL)) != CCAKIT_OK)
		return rc;
	/* order so that t1 <= t2, both in t1's offset */
	{
		i128 a1 = ((i128)days_from_civil(t1.year, t1.mon, t1.day) *
		    86400 + t1.hour * 3600 + t1.min * 60 + t1.sec - t1.off) *
		    NS + t1.nsec;
		i128 a2 = ((i128)days_from_civil(t2.year, t2.mon, t2.day) *
		    86400 + t2.hour * 3600 + t2.min * 60 + t2.sec - t2.off) *
		    NS + t2.nsec;
		int64_t off = t1.off;

		if (a1 > a2) {
			i128 x = a1;

			a1 = a2;
			a2 = x;
			off = t2.off;
		}
		split_ns(a1, off, &t1);
		split_ns(a2, off, &t2);
	}
	r[0] = t2.year - t1.year;
	r[1] = t2.mon - t1.mon;
	r[2] = t2.day - t1.day;
	r[3] = t2.hour - t1.hour;
	r[4] = t2.min - t1.min;
	r[5] = t2.sec - t1.sec;
	if (t2.nsec < t1.nsec)
		r[5]--;
	if (r[5] < 0) {
		r[5] += 60;
		r[4]--;
	}
	if (r[4] < 0) {
		r[4] += 60;
		r[3]--;
	}
	if (r[3] < 0) {
		r[3] += 24;
		r[2]--;
	}
	if (r[2] < 0) {
		/* days in t1's month (as OPA computes it) */
		int64_t pm = t1.mon, py = t1.year;

		dim = days_from_civil(pm == 12 ? py + 1 : py, pm == 12 ? 1 :
		    pm + 1, 1) - days_from_civil(py, pm, 1);
		r[2] += dim;
		r[1]--;
	}
	if (r[1] < 0) {
		r[1] += 12;
		r[0]--;
	}
	for (i = 0; i < 6; i++)
		NOMEM_IF(ctx, v[i] = rv_int(ar, r[i]));
	NOMEM_IF(ctx, *out = rv_arr_copy(ar, v, 6));
	return CCAKIT_OK;
}

/* Go's time.ParseDuration. */
static int
bi_parse_duration_ns(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	static const struct {
		const char *u;
		double mult;
	} units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 },
		{ "\xce\xbcs", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
		{ "m", 60e9 }, { "h", 3600e9 },
	};
	const char *s;
	size_t n, i = 0, k;
	double total = 0;
	bool neg = false;

	BI_STR(ctx, a, 0, s, n);
	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	if (n - i == 1 && s[i] == '0')
		return ret_int(ctx, 0, out);
	if (i == n)
		goto bad;
	while (i < n) {
		double v = 0, scale = 1;
		bool any = false;

		while (i < n && isdigit((unsigned char)s[i])) {
			v = v * 10 + (s[i++] - '0');
			any = true;
		}
		if (i < n && s[i] == '.') {
			i++;
			while (i < n && isdigit((unsigned char)s[i])) {
				scale /= 10;
				v += (s[i++] - '0') * scale;
				any = true;
			}
		}
		if (!any)
			goto bad;
		for (k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
			size_t ul = strlen(units[k].u);

			if (n - i >= ul && strncmp(s + i, units[k].u, ul) == 0 &&
			    !(ul == 1 && i + 1 < n && (s[i + 1] == 's') &&
			    units[k].u[0] == 'm')) {
				i += ul;
				total += v * units[k].mult;
				break;
			}
		}
		if (k == sizeof(units) / sizeof(units[0]))
			goto bad;
	}
	if (total > 9.2e18)
		return ccakit_rego_bi_error(ctx, "time: invalid duration "
		    "\"%.64s\"", s);
	return ret_int(ctx, (int64_t)(neg ? -total : total), out);
bad:
	return ccakit_rego_bi_error(ctx, "time: invalid duration \"%.64s\"",
	    s);
}

const struct rego_bi_def rego_bi_time[] = {
	{ "time.now_ns", 0, CCAKIT_REGO_BI_NONDET, bi_now_ns },
	{ "time.parse_rfc3339_ns", 1, 0, bi_parse_rfc3339_ns },
	{ "time.parse_ns", 2, 0, bi_parse_ns },
	{ "time.parse_duration_ns", 1, 0, bi_parse_duration_ns },
	{ "time.format", 1, 0, bi_format },
	{ "time.date", 1, 0, bi_date },
	{ "time.clock", 1, 0, bi_clock },
	{ "time.weekday", 1, 0, bi_weekday },
	{ "time.add_date", 4, 0, bi_add_date },
	{ "time.diff", 2, 0, bi_diff },
	{ NULL, 0, 0, NULL },
};
