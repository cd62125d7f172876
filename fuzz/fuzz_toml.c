/*
 * libFuzzer harness for the TOML parser (lib/toml). Any input either
 * fails with a "name:line:col: reason" message or gives a document that
 *  - can be walked whole (types, positions, paths, getters);
 *  - finds every key again through a quoted getter path;
 *  - written back as TOML (inline tables and arrays on one line) parses
 *    again to an equal document;
 *  - reports an unused key before anything is read, none once all is.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/toml.h>

#include "fuzz_buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A basic string with every control character escaped. */
static void
quoted(struct buf *b, const char *s, size_t n)
{
	char esc[8];
	size_t i;

	put(b, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(b, esc, 2);
		} else if (c < 0x20 || c == 0x7f) {
			(void)snprintf(esc, sizeof(esc), "\\u%04X", c);
			put(b, esc, 6);
		} else
			put(b, s + i, 1);
	}
	put(b, "\"", 1);
}

static void
emit(struct buf *b, ccakit_toml_value *v)
{
	struct ccakit_toml_datetime dt;
	const char *s, *key;
	char num[64];
	size_t n, i, klen;
	int64_t iv;
	double f;
	bool bv;

	switch (ccakit_toml_type(v)) {
	case CCAKIT_TOML_STRING:
		s = ccakit_toml_string(v, &n);
		quoted(b, s, n);
		return;
	case CCAKIT_TOML_INTEGER:
		check(ccakit_toml_get_int(v, NULL, &iv, NULL) == CCAKIT_OK);
		(void)snprintf(num, sizeof(num), "%" PRId64, iv);
		puts_(b, num);
		return;
	case CCAKIT_TOML_FLOAT:
		check(ccakit_toml_get_float(v, NULL, &f, NULL) == CCAKIT_OK);
		if (isnan(f))
			puts_(b, "nan");
		else if (isinf(f))
			puts_(b, f < 0 ? "-inf" : "inf");
		else {
			(void)snprintf(num, sizeof(num), "%.17g", f);
			puts_(b, num);
			if (strpbrk(num, ".e") == NULL)
				puts_(b, ".0");
		}
		return;
	case CCAKIT_TOML_BOOL:
		check(ccakit_toml_get_bool(v, NULL, &bv, NULL) == CCAKIT_OK);
		puts_(b, bv ? "true" : "false");
		return;
	case CCAKIT_TOML_DATETIME:
	case CCAKIT_TOML_DATETIME_LOCAL:
	case CCAKIT_TOML_DATE_LOCAL:
	case CCAKIT_TOML_TIME_LOCAL:
		check(ccakit_toml_get_datetime(v, NULL, &dt, NULL) ==
		    CCAKIT_OK);
		check(dt.kind == ccakit_toml_type(v));
		puts_(b, dt.text);
		return;
	case CCAKIT_TOML_ARRAY:
		puts_(b, "[");
		for (i = 0; i < ccakit_toml_array_len(v); i++) {
			if (i > 0)
				puts_(b, ", ");
			emit(b, ccakit_toml_array_at(v, i));
		}
		puts_(b, "]");
		return;
	case CCAKIT_TOML_TABLE:
		puts_(b, "{");
		for (i = 0; i < ccakit_toml_table_len(v); i++) {
			ccakit_toml_value *c = ccakit_toml_table_at(v, i, &key,
			    &klen);
			puts_(b, i > 0 ? ", " : " ");
			quoted(b, key, klen);
			puts_(b, " = ");
			emit(b, c);
		}
		puts_(b, i > 0 ? " }" : "}");
		return;
	}
	abort();
}

/* Walk everything; each key is found again through a quoted path. */
static void
walk(ccakit_toml_value *v, unsigned depth)
{
	struct buf path = { NULL, 0, 0 };
	ccakit_toml_value *c, *x;
	struct ccakit_errdetail d;
	char p[64];
	const char *key, *s;
	size_t i, klen;
	unsigned line, col;
	int r;

	check(depth <= CCAKIT_TOML_MAX_DEPTH + 1);
	ccakit_toml_pos(v, &line, &col);
	check(line > 0 && col > 0);
	(void)ccakit_toml_path(v, p, sizeof(p));
	check(strlen(p) < sizeof(p));
	r = ccakit_toml_get_string(v, NULL, &s, &d);
	check(r == CCAKIT_OK || r == CCAKIT_ERR_CONFIG);
	if (ccakit_toml_type(v) == CCAKIT_TOML_ARRAY) {
		for (i = 0; i < ccakit_toml_array_len(v); i++)
			walk(ccakit_toml_array_at(v, i), depth + 1);
		check(ccakit_toml_array_at(v, i) == NULL);
	}
	if (ccakit_toml_type(v) != CCAKIT_TOML_TABLE)
		return;
	for (i = 0; i < ccakit_toml_table_len(v); i++) {
		c = ccakit_toml_table_at(v, i, &key, &klen);
		check(c != NULL && key != NULL && key[klen] == '\0');
		path.len = 0;
		quoted(&path, key, klen);
		check(ccakit_toml_lookup(v, path.p) == c);
		check(ccakit_toml_get_table(v, path.p, &x, &d) ==
		    (ccakit_toml_type(c) == CCAKIT_TOML_TABLE ? CCAKIT_OK :
		    CCAKIT_ERR_CONFIG));
		walk(c, depth + 1);
	}
	free(path.p);
}

static int
same(ccakit_toml_value *a, ccakit_toml_value *b)
{
	struct ccakit_toml_datetime da, db;
	const char *ka, *kb, *sa, *sb;
	size_t i, la, lb;
	int64_t ia, ib;
	double fa, fb;
	bool ba, bb;

	if (ccakit_toml_type(a) != ccakit_toml_type(b))
		return 0;
	switch (ccakit_toml_type(a)) {
	case CCAKIT_TOML_STRING:
		sa = ccakit_toml_string(a, &la);
		sb = ccakit_toml_string(b, &lb);
		return la == lb && memcmp(sa, sb, la) == 0;
	case CCAKIT_TOML_INTEGER:
		(void)ccakit_toml_get_int(a, NULL, &ia, NULL);
		(void)ccakit_toml_get_int(b, NULL, &ib, NULL);
		return ia == ib;
	case CCAKIT_TOML_FLOAT:
		(void)ccakit_toml_get_float(a, NULL, &fa, NULL);
		(void)ccakit_toml_get_float(b, NULL, &fb, NULL);
		return (isnan(fa) && isnan(fb)) || fa == fb;
	case CCAKIT_TOML_BOOL:
		(void)ccakit_toml_get_bool(a, NULL, &ba, NULL);
		(void)ccakit_toml_get_bool(b, NULL, &bb, NULL);
		return ba == bb;
	case CCAKIT_TOML_ARRAY:
		if (ccakit_toml_array_len(a) != ccakit_toml_array_len(b))
			return 0;
		for (i = 0; i < ccakit_toml_array_len(a); i++)
			if (!same(ccakit_toml_array_at(a, i),
			    ccakit_toml_array_at(b, i)))
				return 0;
		return 1;
	case CCAKIT_TOML_TABLE:
		if (ccakit_toml_table_len(a) != ccakit_toml_table_len(b))
			return 0;
		for (i = 0; i < ccakit_toml_table_len(a); i++) {
			ccakit_toml_value *ca = ccakit_toml_table_at(a, i, &ka,
			    &la);
			ccakit_toml_value *cb = ccakit_toml_table_at(b, i, &kb,
			    &lb);

			if (la != lb || memcmp(ka, kb, la) != 0 ||
			    !same(ca, cb))
				return 0;
		}
		return 1;
	default:
		(void)ccakit_toml_get_datetime(a, NULL, &da, NULL);
		(void)ccakit_toml_get_datetime(b, NULL, &db, NULL);
		return da.year == db.year && da.month == db.month &&
		    da.day == db.day && da.hour == db.hour &&
		    da.minute == db.minute && da.second == db.second &&
		    da.nanosecond == db.nanosecond &&
		    da.offset_minutes == db.offset_minutes &&
		    strcmp(da.text, db.text) == 0;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ccakit_toml_limits big = { 64 * 1024 * 1024, 0 };
	struct ccakit_errdetail d;
	struct buf out = { NULL, 0, 0 };
	ccakit_toml *doc = NULL, *doc2 = NULL;
	ccakit_toml_value *root, *first, *c;
	unsigned line, col;
	const char *key;
	size_t i, klen;
	char ch;
	int r;

	memset(&d, 0, sizeof(d));
	if ((doc = ccakit_toml_new()) == NULL)
		abort();
	r = ccakit_toml_parse(doc, (const char *)data, size, "f", NULL, &d);
	if (r != CCAKIT_OK) {
		check(ccakit_toml_table_len(ccakit_toml_root(doc)) == 0);
		ccakit_toml_free(&doc);
		check(r == CCAKIT_ERR_TOML || r == CCAKIT_ERR_TOO_LARGE);
		if (r == CCAKIT_ERR_TOML)
			check(sscanf(d.text, "f:%u:%u: %c", &line, &col,
			    &ch) == 3 && line > 0 && col > 0);
		return 0;
	}
	root = ccakit_toml_root(doc);
	/* Nothing read yet: any key is unused. */
	r = ccakit_toml_check_unused(root, &first, &d);
	check(ccakit_toml_table_len(root) == 0 ? r == CCAKIT_OK &&
	    first == NULL : r == CCAKIT_ERR_CONFIG && first != NULL);
	walk(root, 0);

	/* Written back, read again: the same document. */
	for (i = 0; i < ccakit_toml_table_len(root); i++) {
		c = ccakit_toml_table_at(root, i, &key, &klen);
		quoted(&out, key, klen);
		puts_(&out, " = ");
		emit(&out, c);
		puts_(&out, "\n");
	}
	if ((doc2 = ccakit_toml_new()) == NULL)
		abort();
	r = ccakit_toml_parse(doc2, out.p != NULL ? out.p : "", out.len, "g",
	    &big, &d);
	if (r != CCAKIT_OK)
		abort();
	check(same(root, ccakit_toml_root(doc2)));
	ccakit_toml_free(&doc2);
	free(out.p);

	ccakit_toml_mark_used(root, true);
	check(ccakit_toml_check_unused(root, &first, &d) == CCAKIT_OK);
	ccakit_toml_free(&doc);
	return 0;
}
