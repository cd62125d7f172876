/*
 * TOML documents: the read API, typed getters with used-key marking,
 * unknown-key reports and messages with positions.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml/toml_priv.h"
#include "util/util.h"

/* --- messages --- */

int
cki_toml_vdetail(struct ccakit_errdetail *d, int code, const char *name,
    uint32_t line, uint32_t col, const char *fmt, va_list ap)
{
	char msg[sizeof(d->text)], nm[64];
	size_t len;
	const char *n = name;

	if (d == NULL)
		return code;
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	nm[0] = '\0';
	if (n != NULL) {
		/* Keep the end of a long name: "...dir/kbs-config.toml". */
		if ((len = strlen(n)) > sizeof(nm) - 1) {
			n += len - (sizeof(nm) - 4);
			while ((*n & 0xc0) == 0x80)
				n++;
			(void)snprintf(nm, sizeof(nm), "...%s", n);
		} else
			(void)snprintf(nm, sizeof(nm), "%s", n);
	}
	if (line > 0)
		return cki_detail(d, code, NULL, "%s%s%u:%u: %s", nm,
		    nm[0] != '\0' ? ":" : "", (unsigned)line, (unsigned)col,
		    msg);
	return cki_detail(d, code, NULL, "%s%s%s", nm,
	    nm[0] != '\0' ? ": " : "", msg);
}

static int vmsg(const ccakit_toml_value *v, int code,
    struct ccakit_errdetail *d, uint32_t line, uint32_t col,
    const char *fmt, ...) CKI_PRINTF(6, 7);

static int
vmsg(const ccakit_toml_value *v, int code, struct ccakit_errdetail *d,
    uint32_t line, uint32_t col, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = cki_toml_vdetail(d, code, cki_toml_doc(v)->name, line, col, fmt,
	    ap);
	va_end(ap);
	return r;
}

int
ccakit_toml_error(const ccakit_toml_value *v, int code,
    struct ccakit_errdetail *d, const char *fmt, ...)
{
	char path[96], msg[sizeof(d->text)];
	va_list ap;

	if (v == NULL || d == NULL)
		return code;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(void)ccakit_toml_path(v, path, sizeof(path));
	return vmsg(v, code, d, v->line, v->col, "%s%s%s", path,
	    path[0] != '\0' ? ": " : "", msg);
}

/* --- navigation --- */

ccakit_toml_value *
ccakit_toml_root(ccakit_toml *t)
{
	return t != NULL ? &t->root : NULL;
}

enum ccakit_toml_type
ccakit_toml_type(const ccakit_toml_value *v)
{
	return v != NULL ? (enum ccakit_toml_type)v->type :
	    (enum ccakit_toml_type)0;
}

const char *
ccakit_toml_type_name(enum ccakit_toml_type type)
{
	switch (type) {
	case CCAKIT_TOML_STRING: return "string";
	case CCAKIT_TOML_INTEGER: return "integer";
	case CCAKIT_TOML_FLOAT: return "float";
	case CCAKIT_TOML_BOOL: return "boolean";
	case CCAKIT_TOML_DATETIME: return "offset date-time";
	case CCAKIT_TOML_DATETIME_LOCAL: return "local date-time";
	case CCAKIT_TOML_DATE_LOCAL: return "local date";
	case CCAKIT_TOML_TIME_LOCAL: return "local time";
	case CCAKIT_TOML_ARRAY: return "array";
	case CCAKIT_TOML_TABLE: return "table";
	}
	return "nothing";
}

void
ccakit_toml_pos(const ccakit_toml_value *v, unsigned *line, unsigned *col)
{
	if (line != NULL)
		*line = v != NULL ? v->line : 0;
	if (col != NULL)
		*col = v != NULL ? v->col : 0;
}

static int
is_bare_key(const char *k, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		char c = k[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

/* Append text to buf (always NUL-terminated when size > 0). */
static void
put(char *buf, size_t size, size_t *n, const char *s, size_t len)
{
	size_t room;

	if (*n < size) {
		room = size - *n - 1;
		if (len < room)
			room = len;
		memcpy(buf + *n, s, room);
		buf[*n + room] = '\0';
	}
	*n += len;
}

size_t
cki_toml_key_text(const char *key, size_t len, char *buf, size_t size)
{
	size_t n = 0, i;
	char esc[8];
	unsigned char c;

	if (size > 0)
		buf[0] = '\0';
	if (is_bare_key(key, len)) {
		put(buf, size, &n, key, len);
		return n;
	}
	put(buf, size, &n, "\"", 1);
	for (i = 0; i < len; i++) {
		c = (unsigned char)key[i];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(buf, size, &n, esc, 2);
		} else if (c < 0x20 || c == 0x7f) {
			(void)snprintf(esc, sizeof(esc), "\\u%04X", c);
			put(buf, size, &n, esc, 6);
		} else
			put(buf, size, &n, key + i, 1);
	}
	put(buf, size, &n, "\"", 1);
	return n;
}

size_t
ccakit_toml_path(const ccakit_toml_value *v, char *buf, size_t size)
{
	const ccakit_toml_value *chain[CCAKIT_TOML_DEPTH_LIMIT + 2];
	const ccakit_toml_value *x, *p;
	size_t n = 0, len = 0, i, k;
	char ix[32];
	int w;

	if (size > 0)
		buf[0] = '\0';
	for (x = v; x != NULL && x->parent != NULL &&
	    n < sizeof(chain) / sizeof(chain[0]); x = x->parent)
		chain[n++] = x;
	while (n-- > 0) {
		x = chain[n];
		p = x->parent;
		if (p->type == CCAKIT_TOML_ARRAY) {
			for (k = 0; k < p->u.vec.len && p->u.vec.v[k] != x;
			    k++)
				;
			w = snprintf(ix, sizeof(ix), "[%zu]", k);
			put(buf, size, &len, ix, (size_t)w);
			continue;
		}
		if (len > 0)
			put(buf, size, &len, ".", 1);
		i = cki_toml_key_text(x->key, x->keylen,
		    len < size ? buf + len : NULL, len < size ? size - len : 0);
		len += i;
	}
	return len;
}

size_t
ccakit_toml_table_len(const ccakit_toml_value *t)
{
	return t != NULL && t->type == CCAKIT_TOML_TABLE ? t->u.vec.len : 0;
}

ccakit_toml_value *
ccakit_toml_table_at(ccakit_toml_value *t, size_t i, const char **key,
    size_t *keylen)
{
	ccakit_toml_value *v;

	if (t == NULL || t->type != CCAKIT_TOML_TABLE || i >= t->u.vec.len)
		return NULL;
	v = t->u.vec.v[i];
	if (key != NULL)
		*key = v->key;
	if (keylen != NULL)
		*keylen = v->keylen;
	return v;
}

size_t
ccakit_toml_array_len(const ccakit_toml_value *a)
{
	return a != NULL && a->type == CCAKIT_TOML_ARRAY ? a->u.vec.len : 0;
}

ccakit_toml_value *
ccakit_toml_array_at(ccakit_toml_value *a, size_t i)
{
	if (a == NULL || a->type != CCAKIT_TOML_ARRAY || i >= a->u.vec.len)
		return NULL;
	return a->u.vec.v[i];
}

const char *
ccakit_toml_string(const ccakit_toml_value *v, size_t *len)
{
	if (v == NULL || v->type != CCAKIT_TOML_STRING)
		return NULL;
	if (len != NULL)
		*len = v->u.str.len;
	return v->u.str.s;
}

/*
 * Walk path below t. *out: the value, or on CCAKIT_ERR_NOT_FOUND the
 * deepest table reached. Marks what it goes through when mark is set.
 * Errors other than NOT_FOUND are reported in d; NOT_FOUND is not.
 */
static int
walk(ccakit_toml_value *t, const char *path, int mark,
    ccakit_toml_value **out, struct ccakit_errdetail *d)
{
	struct cki_tkey segs[CCAKIT_TOML_DEPTH_LIMIT];
	struct cki_arena a;
	const ccakit_toml *doc;
	ccakit_toml_value *v = t, *c;
	size_t n, i;
	int r;

	*out = t;
	if (t == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, "no value");
	if (path == NULL) {
		if (mark)
			t->used = 1;
		return CCAKIT_OK;
	}
	cki_arena_init(&a, 2 * strlen(path) + 64);
	r = cki_toml_parse_path(&a, path, segs, sizeof(segs) / sizeof(segs[0]),
	    &n);
	if (r != CCAKIT_OK) {
		cki_arena_free(&a);
		if (r == CCAKIT_ERR_INVALID_ARG)
			return cki_detail(d, r, NULL, "invalid key path '%s'",
			    path);
		return cki_detail(d, r, NULL, NULL);
	}
	doc = cki_toml_doc(t);
	for (i = 0; i < n; i++) {
		if (v->type != CCAKIT_TOML_TABLE) {
			char p[96];

			(void)ccakit_toml_path(v, p, sizeof(p));
			r = vmsg(v, CCAKIT_ERR_CONFIG, d, v->line, v->col,
			    "%s: expected a table, found %s", p,
			    ccakit_toml_type_name(v->type));
			break;
		}
		if ((c = cki_toml_find(doc, v, segs[i].s, segs[i].len)) ==
		    NULL) {
			r = CCAKIT_ERR_NOT_FOUND;
			break;
		}
		if (mark)
			c->used = 1;
		v = c;
	}
	cki_arena_free(&a);
	*out = v;
	return r;
}

static int
get(ccakit_toml_value *t, const char *path, int want,
    ccakit_toml_value **out, struct ccakit_errdetail *d)
{
	ccakit_toml_value *v;
	char p[96];
	const char *wname;
	int r;

	if ((r = walk(t, path, 1, &v, d)) == CCAKIT_ERR_NOT_FOUND) {
		(void)ccakit_toml_path(t, p, sizeof(p));
		if (v == &cki_toml_doc(v)->root)
			return vmsg(v, r, d, 0, 0, "missing key '%s%s%s'", p,
			    p[0] != '\0' ? "." : "", path);
		return vmsg(v, r, d, v->line, v->col, "missing key '%s%s%s'",
		    p, p[0] != '\0' ? "." : "", path);
	}
	if (r != CCAKIT_OK)
		return r;
	if (want == 0 || v->type == want ||
	    (want == CCAKIT_TOML_FLOAT && v->type == CCAKIT_TOML_INTEGER) ||
	    (want == -1 && v->type >= CCAKIT_TOML_DATETIME &&
	    v->type <= CCAKIT_TOML_TIME_LOCAL)) {
		*out = v;
		return CCAKIT_OK;
	}
	wname = want == -1 ? "date-time" :
	    ccakit_toml_type_name((enum ccakit_toml_type)want);
	return ccakit_toml_error(v, CCAKIT_ERR_CONFIG, d,
	    "expected %s %s, found %s", want == CCAKIT_TOML_INTEGER ||
	    want == CCAKIT_TOML_ARRAY ? "an" : "a", wname,
	    ccakit_toml_type_name(v->type));
}

ccakit_toml_value *
ccakit_toml_lookup(ccakit_toml_value *t, const char *path)
{
	ccakit_toml_value *v;

	if (path == NULL || walk(t, path, 0, &v, NULL) != CCAKIT_OK)
		return NULL;
	return v;
}

int
ccakit_toml_get_string(ccakit_toml_value *t, const char *path,
    const char **out, struct ccakit_errdetail *d)
{
	ccakit_toml_value *v;
	int r;

	if (out == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if ((r = get(t, path, CCAKIT_TOML_STRING, &v, d)) != CCAKIT_OK)
		return r;
	if (memchr(v->u.str.s, '\0', v->u.str.len) != NULL)
		return ccakit_toml_error(v, CCAKIT_ERR_CONFIG, d,
		    "string contains U+0000");
	*out = v->u.str.s;
	return CCAKIT_OK;
}

int
ccakit_toml_get_int(ccakit_toml_value *t, const char *path, int64_t *out,
    struct ccakit_errdetail *d)
{
	ccakit_toml_value *v;
	int r;

	if (out == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if ((r = get(t, path, CCAKIT_TOML_INTEGER, &v, d)) != CCAKIT_OK)
		return r;
	*out = v->u.i;
	return CCAKIT_OK;
}

int
ccakit_toml_get_int_range(ccakit_toml_value *t, const char *path,
    int64_t min, int64_t max, int64_t *out, struct ccakit_errdetail *d)
{
	ccakit_toml_value *v;
	int r;

	if (out == NULL || min > max)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if ((r = get(t, path, CCAKIT_TOML_INTEGER, &v, d)) != CCAKIT_OK)
		return r;
	if (v->u.i < min || v->u.i > max)
		return ccakit_toml_error(v, CCAKIT_ERR_CONFIG, d,
		    "%" PRId64 " is out of range [%" PRId64 ", %" PRId64 "]",
		    v->u.i, min, max);
	*out = v->u.i;
	return CCAKIT_OK;
}

int
ccakit_toml_get_float(ccakit_toml_value *t, const char *path, double *out,
    struct ccakit_errdetail *d)
{
	const int64_t exact = (int64_t)1 << 53;
	ccakit_toml_value *v;
	int r;

	if (out == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if ((r = get(t, path, CCAKIT_TOML_FLOAT, &v, d)) != CCAKIT_OK)
		return r;
	if (v->type == CCAKIT_TOML_FLOAT) {
		*out = v->u.f;
		return CCAKIT_OK;
	}
	if (v->u.i < -exact || v->u.i > exact)
		return ccakit_toml_error(v, CCAKIT_ERR_CONFIG, d,
		    "integer %" PRId64 " is not exactly representable as a "
		    "float", v->u.i);
	*out = (double)v->u.i;
	return CCAKIT_OK;
}

int
ccakit_toml_get_bool(ccakit_toml_value *t, const char *path, bool *out,
    struct ccakit_errdetail *d)
{
	ccakit_toml_value *v;
	int r;

	if (out == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if ((r = get(t, path, CCAKIT_TOML_BOOL, &v, d)) != CCAKIT_OK)
		return r;
	*out = v->u.b;
	return CCAKIT_OK;
}

int
ccakit_toml_get_datetime(ccakit_toml_value *t, const char *path,
    struct ccakit_toml_datetime *out, struct ccakit_errdetail *d)
{
	ccakit_toml_value *v;
	int r;

	if (out == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if ((r = get(t, path, -1, &v, d)) != CCAKIT_OK)
		return r;
	*out = *v->u.dt;
	return CCAKIT_OK;
}

int
ccakit_toml_get_array(ccakit_toml_value *t, const char *path,
    ccakit_toml_value **out, struct ccakit_errdetail *d)
{
	if (out == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	return get(t, path, CCAKIT_TOML_ARRAY, out, d);
}

int
ccakit_toml_get_table(ccakit_toml_value *t, const char *path,
    ccakit_toml_value **out, struct ccakit_errdetail *d)
{
	if (out == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	return get(t, path, CCAKIT_TOML_TABLE, out, d);
}

/* --- unknown keys --- */

void
ccakit_toml_mark_used(ccakit_toml_value *v, bool recursive)
{
	size_t i;

	if (v == NULL)
		return;
	v->used = 1;
	if (!recursive || (v->type != CCAKIT_TOML_TABLE &&
	    v->type != CCAKIT_TOML_ARRAY))
		return;
	/* Depth is capped at parse time, so is this recursion. */
	for (i = 0; i < v->u.vec.len; i++)
		ccakit_toml_mark_used(v->u.vec.v[i], true);
}

static ccakit_toml_value *
first_unused(ccakit_toml_value *v)
{
	ccakit_toml_value *c, *r;
	size_t i;

	if (v->type != CCAKIT_TOML_TABLE && v->type != CCAKIT_TOML_ARRAY)
		return NULL;
	for (i = 0; i < v->u.vec.len; i++) {
		c = v->u.vec.v[i];
		/* Array elements are not keys; their tables' keys are. */
		if (v->type == CCAKIT_TOML_TABLE && !c->used)
			return c;
		if ((r = first_unused(c)) != NULL)
			return r;
	}
	return NULL;
}

int
ccakit_toml_check_unused(ccakit_toml_value *t, ccakit_toml_value **first,
    struct ccakit_errdetail *d)
{
	ccakit_toml_value *u;
	char p[128];

	if (first != NULL)
		*first = NULL;
	if (t == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if ((u = first_unused(t)) == NULL)
		return CCAKIT_OK;
	if (first != NULL)
		*first = u;
	(void)ccakit_toml_path(u, p, sizeof(p));
	return vmsg(u, CCAKIT_ERR_CONFIG, d, u->kline, u->kcol,
	    "unknown key '%s'", p);
}
