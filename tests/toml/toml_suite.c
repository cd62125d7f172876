/*
 * TOML conformance: runs the toml-test suite (TOML 1.0.0 cases listed in
 * files-toml-1.0.0) from $CCAKIT_VECTORS/toml-test.
 *
 * Every valid/X.toml must parse and equal valid/X.json (toml-test's
 * tagged JSON) under toml-test's comparison rules: tables by key set,
 * arrays in order, strings and integers exactly, floats as numbers (NaN
 * sign ignored), booleans, offset date-times as instants and local
 * date-times, dates and times by value. Every invalid/X.toml must be
 * refused with a "file:line:col: reason" message.
 *
 * Prints one line per failure and a summary; exits 0 when every case
 * passes, 1 otherwise, 77 when the suite is absent.
 */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <jansson.h>

#include <ccakit/toml.h>

#include "testvec.h"

static char dir[4096];

static char *
read_all(const char *path, size_t *len)
{
	FILE *f;
	char *buf = NULL, *nb;
	size_t cap = 0, n = 0, k;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (cap - n < 4096) {
			cap = cap == 0 ? 8192 : cap * 2;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		k = fread(buf + n, 1, cap - n - 1, f);
		n += k;
		if (k == 0)
			break;
	}
	fclose(f);
	/* Exact-size copy so that ASan sees reads past the end. */
	if ((nb = malloc(n > 0 ? n : 1)) != NULL && n > 0)
		memcpy(nb, buf, n);
	free(buf);
	*len = n;
	return nb;
}

/*
 * jansson cannot hold U+0000 in an object key: the expected JSON's
 * \u0000 escapes become U+10FFFE (absent from the suite) and so do the
 * NUL bytes of our keys and strings before they are compared.
 */
#define NUL_STANDIN "\xf4\x8f\xbf\xbe"

static char *
nul_xlat(const char *s, size_t n, size_t *outlen)
{
	char *o, *q;
	size_t i;

	if ((o = malloc(4 * n + 1)) == NULL)
		abort();
	for (i = 0, q = o; i < n; i++) {
		if (s[i] == '\0') {
			memcpy(q, NUL_STANDIN, 4);
			q += 4;
		} else
			*q++ = s[i];
	}
	*q = '\0';
	*outlen = (size_t)(q - o);
	return o;
}

static json_t *
load_expected(const char *path, char *err, size_t esz)
{
	json_error_t je;
	char *text, *o, *q;
	size_t len, i;
	json_t *j;

	if ((text = read_all(path, &len)) == NULL) {
		(void)snprintf(err, esz, "cannot read");
		return NULL;
	}
	if ((o = malloc(2 * len + 1)) == NULL)
		abort();
	for (i = 0, q = o; i < len; i++) {
		if (text[i] == '\\' && i + 1 < len && text[i + 1] == '\\') {
			*q++ = text[i++];
			*q++ = text[i];
		} else if (text[i] == '\\' && len - i >= 6 &&
		    memcmp(text + i, "\\u0000", 6) == 0) {
			memcpy(q, "\\udbff\\udffe", 12);
			q += 12;
			i += 5;
		} else
			*q++ = text[i];
	}
	free(text);
	j = json_loadb(o, (size_t)(q - o), 0, &je);
	free(o);
	if (j == NULL)
		(void)snprintf(err, esz, "%s", je.text);
	return j;
}

/* --- date-times from the expected strings, parsed independently --- */

struct dtv {
	int y, mo, d, h, mi, s;
	long ns;
	int off;   /* minutes */
};

static int
num(const char **p, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return v;
}

/* "YYYY-MM-DD", "[date T]HH:MM:SS[.f][Z|+HH:MM]" per the kind. */
static int
parse_dt(const char *s, int hasdate, int hastime, int hasoff, struct dtv *o)
{
	const char *p = s;
	long scale = 100000000;
	int sign, oh, om;

	memset(o, 0, sizeof(*o));
	if (hasdate) {
		if ((o->y = num(&p, 4)) < 0 || *p++ != '-' ||
		    (o->mo = num(&p, 2)) < 0 || *p++ != '-' ||
		    (o->d = num(&p, 2)) < 0)
			return -1;
		if (hastime && *p != 'T' && *p != 't' && *p != ' ')
			return -1;
		if (hastime)
			p++;
	}
	if (hastime) {
		if ((o->h = num(&p, 2)) < 0 || *p++ != ':' ||
		    (o->mi = num(&p, 2)) < 0 || *p++ != ':' ||
		    (o->s = num(&p, 2)) < 0)
			return -1;
		if (*p == '.') {
			for (p++; isdigit((unsigned char)*p); p++) {
				o->ns += (*p - '0') * scale;
				scale /= 10;
			}
		}
	}
	if (hasoff) {
		if (*p == 'Z' || *p == 'z')
			p++;
		else if (*p == '+' || *p == '-') {
			sign = *p++ == '-' ? -1 : 1;
			if ((oh = num(&p, 2)) < 0 || *p++ != ':' ||
			    (om = num(&p, 2)) < 0)
				return -1;
			o->off = sign * (oh * 60 + om);
		} else
			return -1;
	}
	return *p == '\0' ? 0 : -1;
}

/* Days since 1970-01-01 (proleptic Gregorian). */
static long
days(int y, int m, int d)
{
	long yy = y - (m <= 2);
	long era = (yy >= 0 ? yy : yy - 399) / 400;
	long yoe = yy - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static long
instant(const struct dtv *v)
{
	return days(v->y, v->mo, v->d) * 86400 + v->h * 3600 + v->mi * 60 +
	    v->s - v->off * 60;
}

/* --- comparison --- */

static int fail(char *why, size_t wsz, const char *path, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static int
fail(char *why, size_t wsz, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(void)snprintf(why, wsz, "at '%s': %s", path, msg);
	return -1;
}

static int
is_scalar(json_t *j)
{
	json_t *t, *v;

	return json_is_object(j) && json_object_size(j) == 2 &&
	    (t = json_object_get(j, "type")) != NULL && json_is_string(t) &&
	    (v = json_object_get(j, "value")) != NULL && json_is_string(v);
}

static int
cmp_scalar(ccakit_toml_value *v, json_t *j, char *why, size_t wsz,
    const char *path)
{
	const char *type = json_string_value(json_object_get(j, "type"));
	json_t *jv = json_object_get(j, "value");
	const char *ev = json_string_value(jv);
	size_t elen = json_string_length(jv), slen;
	enum ccakit_toml_type want;
	struct ccakit_toml_datetime dt;
	struct dtv e, a;
	char buf[64], low[64], *x;
	const char *s;
	int64_t i;
	double f, ef;
	bool b;
	size_t k;

	if (strcmp(type, "string") == 0)
		want = CCAKIT_TOML_STRING;
	else if (strcmp(type, "integer") == 0)
		want = CCAKIT_TOML_INTEGER;
	else if (strcmp(type, "float") == 0)
		want = CCAKIT_TOML_FLOAT;
	else if (strcmp(type, "bool") == 0)
		want = CCAKIT_TOML_BOOL;
	else if (strcmp(type, "datetime") == 0)
		want = CCAKIT_TOML_DATETIME;
	else if (strcmp(type, "datetime-local") == 0)
		want = CCAKIT_TOML_DATETIME_LOCAL;
	else if (strcmp(type, "date-local") == 0)
		want = CCAKIT_TOML_DATE_LOCAL;
	else if (strcmp(type, "time-local") == 0)
		want = CCAKIT_TOML_TIME_LOCAL;
	else
		return fail(why, wsz, path, "unknown expected type %s", type);
	if (ccakit_toml_type(v) != want)
		return fail(why, wsz, path, "type %s, expected %s",
		    ccakit_toml_type_name(ccakit_toml_type(v)), type);
	switch (want) {
	case CCAKIT_TOML_STRING:
		if ((s = ccakit_toml_string(v, &slen)) == NULL)
			return fail(why, wsz, path, "no string");
		x = nul_xlat(s, slen, &slen);
		k = slen != elen || memcmp(x, ev, elen) != 0;
		free(x);
		if (k)
			return fail(why, wsz, path, "string \"%s\", expected "
			    "\"%s\"", s, ev);
		return 0;
	case CCAKIT_TOML_INTEGER:
		if (ccakit_toml_get_int(v, NULL, &i, NULL) != CCAKIT_OK)
			return fail(why, wsz, path, "get_int failed");
		(void)snprintf(buf, sizeof(buf), "%" PRId64, i);
		if (strcmp(buf, ev) != 0)
			return fail(why, wsz, path, "integer %s, expected %s",
			    buf, ev);
		return 0;
	case CCAKIT_TOML_FLOAT:
		if (ccakit_toml_get_float(v, NULL, &f, NULL) != CCAKIT_OK)
			return fail(why, wsz, path, "get_float failed");
		for (k = 0; k + 1 < sizeof(low) && ev[k] != '\0'; k++)
			low[k] = (char)tolower((unsigned char)ev[k]);
		low[k] = '\0';
		if (k >= 3 && strcmp(low + k - 3, "nan") == 0) {
			if (!isnan(f))
				return fail(why, wsz, path, "float %g, expected "
				    "nan", f);
			return 0;
		}
		ef = strtod(low, NULL);
		if (isnan(f) || f != ef)
			return fail(why, wsz, path, "float %.17g, expected %s",
			    f, ev);
		return 0;
	case CCAKIT_TOML_BOOL:
		if (ccakit_toml_get_bool(v, NULL, &b, NULL) != CCAKIT_OK)
			return fail(why, wsz, path, "get_bool failed");
		if (strcasecmp(ev, b ? "true" : "false") != 0)
			return fail(why, wsz, path, "bool %d, expected %s", b,
			    ev);
		return 0;
	default:
		break;
	}
	if (ccakit_toml_get_datetime(v, NULL, &dt, NULL) != CCAKIT_OK ||
	    dt.kind != want)
		return fail(why, wsz, path, "get_datetime failed");
	if (parse_dt(ev, want != CCAKIT_TOML_TIME_LOCAL,
	    want != CCAKIT_TOML_DATE_LOCAL, want == CCAKIT_TOML_DATETIME,
	    &e) != 0)
		return fail(why, wsz, path, "cannot read expected %s", ev);
	a.y = dt.year;
	a.mo = dt.month;
	a.d = dt.day;
	a.h = dt.hour;
	a.mi = dt.minute;
	a.s = dt.second;
	a.ns = (long)dt.nanosecond;
	a.off = dt.offset_minutes;
	if (want == CCAKIT_TOML_DATETIME ? instant(&a) != instant(&e) ||
	    a.ns != e.ns : a.y != e.y || a.mo != e.mo || a.d != e.d ||
	    a.h != e.h || a.mi != e.mi || a.s != e.s || a.ns != e.ns)
		return fail(why, wsz, path, "%s %s, expected %s", type,
		    dt.text, ev);
	return 0;
}

static int
cmp(ccakit_toml_value *v, json_t *j, char *why, size_t wsz, char *path,
    size_t psz)
{
	size_t n, i, plen = strlen(path), klen;
	ccakit_toml_value *c;
	const char *key;
	char *xk;
	json_t *jc;
	int r;

	if (is_scalar(j))
		return cmp_scalar(v, j, why, wsz, path);
	if (json_is_object(j)) {
		if (ccakit_toml_type(v) != CCAKIT_TOML_TABLE)
			return fail(why, wsz, path, "%s, expected a table",
			    ccakit_toml_type_name(ccakit_toml_type(v)));
		n = ccakit_toml_table_len(v);
		if (n != json_object_size(j))
			return fail(why, wsz, path, "%zu keys, expected %zu", n,
			    json_object_size(j));
		for (i = 0; i < n; i++) {
			c = ccakit_toml_table_at(v, i, &key, &klen);
			(void)snprintf(path + plen, psz - plen, "%s%s",
			    plen > 0 ? "." : "", key);
			xk = nul_xlat(key, klen, &klen);
			jc = json_object_getn(j, xk, klen);
			free(xk);
			if (jc == NULL)
				return fail(why, wsz, path, "unexpected key");
			if ((r = cmp(c, jc, why, wsz, path, psz)) != 0)
				return r;
			path[plen] = '\0';
		}
		return 0;
	}
	if (json_is_array(j)) {
		if (ccakit_toml_type(v) != CCAKIT_TOML_ARRAY)
			return fail(why, wsz, path, "%s, expected an array",
			    ccakit_toml_type_name(ccakit_toml_type(v)));
		n = ccakit_toml_array_len(v);
		if (n != json_array_size(j))
			return fail(why, wsz, path, "%zu elements, expected "
			    "%zu", n, json_array_size(j));
		for (i = 0; i < n; i++) {
			(void)snprintf(path + plen, psz - plen, "[%zu]", i);
			if ((r = cmp(ccakit_toml_array_at(v, i),
			    json_array_get(j, i), why, wsz, path, psz)) != 0)
				return r;
			path[plen] = '\0';
		}
		return 0;
	}
	return fail(why, wsz, path, "unexpected JSON in the expected file");
}

/* "name:line:col: reason" (a long name keeps its end: "...e.toml:") */
static int
has_position(const char *text, const char *name)
{
	size_t n = strlen(name);
	const char *p;
	unsigned line, col;
	char c;

	if (strncmp(text, name, n) == 0)
		p = text + n;
	else if (strncmp(text, "...", 3) == 0 &&
	    (p = strstr(text, ".toml:")) != NULL)
		p += 5;
	else
		return 0;
	return sscanf(p, ":%u:%u:%c", &line, &col, &c) == 3 && line > 0 &&
	    col > 0;
}

static int
run_valid(const char *rel, char *why, size_t wsz)
{
	struct ccakit_errdetail d;
	char path[8192], jpath[8192], kpath[1024] = "", err[256];
	ccakit_toml *doc = NULL;
	json_t *j;
	char *text;
	size_t len;
	int r;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, rel);
	(void)snprintf(jpath, sizeof(jpath), "%s", path);
	strcpy(jpath + strlen(jpath) - 5, ".json");
	if ((text = read_all(path, &len)) == NULL)
		return fail(why, wsz, "", "cannot read %s", path);
	memset(&d, 0, sizeof(d));
	if ((doc = ccakit_toml_new()) == NULL) {
		free(text);
		return fail(why, wsz, "", "out of memory");
	}
	r = ccakit_toml_parse(doc, text, len, rel, NULL, &d);
	free(text);
	if (r != CCAKIT_OK) {
		ccakit_toml_free(&doc);
		return fail(why, wsz, "", "refused: %s", d.text);
	}
	if ((j = load_expected(jpath, err, sizeof(err))) == NULL) {
		ccakit_toml_free(&doc);
		return fail(why, wsz, "", "%s: %s", jpath, err);
	}
	r = cmp(ccakit_toml_root(doc), j, why, wsz, kpath, sizeof(kpath));
	json_decref(j);
	ccakit_toml_free(&doc);
	return r;
}

static int
run_invalid(const char *rel, char *why, size_t wsz)
{
	struct ccakit_errdetail d;
	char path[8192];
	ccakit_toml *doc = NULL;
	char *text;
	size_t len;
	int r;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if ((text = read_all(path, &len)) == NULL)
		return fail(why, wsz, "", "cannot read %s", path);
	memset(&d, 0, sizeof(d));
	if ((doc = ccakit_toml_new()) == NULL) {
		free(text);
		return fail(why, wsz, "", "out of memory");
	}
	r = ccakit_toml_parse(doc, text, len, rel, NULL, &d);
	free(text);
	ccakit_toml_free(&doc);
	if (r == CCAKIT_OK)
		return fail(why, wsz, "", "accepted");
	if (r != CCAKIT_ERR_TOML)
		return fail(why, wsz, "", "error %d (%s)", r, d.text);
	if (!has_position(d.text, rel))
		return fail(why, wsz, "", "no file:line:col in \"%s\"", d.text);
	if (getenv("TOML_SUITE_VERBOSE") != NULL)
		printf("ok %s\n", d.text);
	return 0;
}

int
main(void)
{
	char list[8192], line[4096], why[1024];
	unsigned nv = 0, pv = 0, ni = 0, pi = 0;
	struct stat st;
	size_t n;
	FILE *f;

	(void)snprintf(dir, sizeof(dir), "%s/toml-test", testvec_dir());
	(void)snprintf(list, sizeof(list), "%s/files-toml-1.0.0", dir);
	if (stat(list, &st) != 0) {
		printf("skipped: %s not found\n", dir);
		return 77;
	}
	if ((f = fopen(list, "r")) == NULL) {
		fprintf(stderr, "%s: %s\n", list, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		n = strcspn(line, "\r\n");
		line[n] = '\0';
		if (n < 6 || strcmp(line + n - 5, ".toml") != 0)
			continue;
		why[0] = '\0';
		if (strncmp(line, "valid/", 6) == 0) {
			nv++;
			if (run_valid(line, why, sizeof(why)) == 0)
				pv++;
			else
				printf("FAIL %s: %s\n", line, why);
		} else if (strncmp(line, "invalid/", 8) == 0) {
			ni++;
			if (run_invalid(line, why, sizeof(why)) == 0)
				pi++;
			else
				printf("FAIL %s: %s\n", line, why);
		}
	}
	fclose(f);
	printf("toml-test (TOML 1.0.0): valid %u/%u, invalid %u/%u\n", pv, nv,
	    pi, ni);
	return nv > 0 && ni > 0 && pv == nv && pi == ni ? 0 : 1;
}
