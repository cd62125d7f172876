/*
 * JSON helpers of the store module: a small pretty writer that lays out
 * text exactly as serde_json::to_string_pretty does (so that our stores
 * are byte-identical to those `ccatoken golden` writes and a JWK can be
 * embedded verbatim), and typed readers over jansson values.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/bytes.h>
#include <ccakit/err.h>

#include "store/store_priv.h"
#include "util/util.h"

void
cki_jw_init(struct cki_jw *w)
{
	memset(w, 0, sizeof(*w));
}

static void
jw_put(struct cki_jw *w, const char *s, size_t len)
{
	size_t ncap;
	char *nbuf;

	if (w->err != 0)
		return;
	if (len > CKI_JW_MAX_SIZE || w->len > CKI_JW_MAX_SIZE - len - 1) {
		w->err = CCAKIT_ERR_TOO_LARGE;
		return;
	}
	if (w->len + len + 1 > w->cap) {
		ncap = w->cap == 0 ? 1024 : w->cap;
		while (ncap < w->len + len + 1)
			ncap *= 2;
		if (ncap > CKI_JW_MAX_SIZE)
			ncap = CKI_JW_MAX_SIZE;
		if ((nbuf = realloc(w->buf, ncap)) == NULL) {
			w->err = CCAKIT_ERR_NOMEM;
			return;
		}
		w->buf = nbuf;
		w->cap = ncap;
	}
	memcpy(w->buf + w->len, s, len);
	w->len += len;
	w->buf[w->len] = '\0';
}

static void
jw_putc(struct cki_jw *w, char c)
{
	jw_put(w, &c, 1);
}

/* Start a member or element of the current container: ",\n" + indent. */
static void
jw_sep(struct cki_jw *w)
{
	unsigned i, bit;

	if (w->depth == 0) {
		w->err = CCAKIT_ERR_INTERNAL;
		return;
	}
	bit = 1u << (w->depth - 1);
	if (w->nonempty & bit)
		jw_putc(w, ',');
	jw_putc(w, '\n');
	w->nonempty |= bit;
	for (i = 0; i < w->depth; i++)
		jw_put(w, "  ", 2);
}

void
cki_jw_open(struct cki_jw *w, char c)
{
	if (w->depth >= CKI_JW_MAX_DEPTH) {
		w->err = CCAKIT_ERR_INTERNAL;
		return;
	}
	jw_putc(w, c);
	w->depth++;
	w->nonempty &= ~(1u << (w->depth - 1));
}

void
cki_jw_close(struct cki_jw *w, char c)
{
	unsigned i, bit;

	if (w->depth == 0) {
		w->err = CCAKIT_ERR_INTERNAL;
		return;
	}
	bit = 1u << (w->depth - 1);
	w->depth--;
	if (w->nonempty & bit) {
		jw_putc(w, '\n');
		for (i = 0; i < w->depth; i++)
			jw_put(w, "  ", 2);
	}
	jw_putc(w, c);
}

void
cki_jw_str(struct cki_jw *w, const char *s, size_t len)
{
	static const char hexdig[] = "0123456789abcdef";
	char esc[6];
	size_t i, run = 0;
	unsigned char c;

	jw_putc(w, '"');
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jw_put(w, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"':
			jw_put(w, "\\\"", 2);
			break;
		case '\\':
			jw_put(w, "\\\\", 2);
			break;
		case '\b':
			jw_put(w, "\\b", 2);
			break;
		case '\f':
			jw_put(w, "\\f", 2);
			break;
		case '\n':
			jw_put(w, "\\n", 2);
			break;
		case '\r':
			jw_put(w, "\\r", 2);
			break;
		case '\t':
			jw_put(w, "\\t", 2);
			break;
		default:
			/* serde_json writes other controls as \u00xx. */
			memcpy(esc, "\\u00", 4);
			esc[4] = hexdig[c >> 4];
			esc[5] = hexdig[c & 0x0f];
			jw_put(w, esc, 6);
			break;
		}
	}
	jw_put(w, s + run, len - run);
	jw_putc(w, '"');
}

void
cki_jw_key(struct cki_jw *w, const char *name)
{
	jw_sep(w);
	cki_jw_str(w, name, strlen(name));
	jw_put(w, ": ", 2);
}

void
cki_jw_elem(struct cki_jw *w)
{
	jw_sep(w);
}

void
cki_jw_hex(struct cki_jw *w, const uint8_t *p, size_t len)
{
	char tmp[2 * CCAKIT_RV_MAX_BYTES + 1];
	size_t i, n;

	jw_putc(w, '"');
	for (i = 0; i < len; i += n) {
		n = len - i < CCAKIT_RV_MAX_BYTES ? len - i :
		    CCAKIT_RV_MAX_BYTES;
		if (ccakit_hex_encode(p + i, n, tmp, sizeof(tmp)) != CCAKIT_OK) {
			w->err = CCAKIT_ERR_INTERNAL;
			return;
		}
		jw_put(w, tmp, 2 * n);
	}
	jw_putc(w, '"');
}

void
cki_jw_null(struct cki_jw *w)
{
	jw_put(w, "null", 4);
}

void
cki_jw_raw(struct cki_jw *w, const char *s, size_t len)
{
	jw_put(w, s, len);
}

int
cki_jw_finish(struct cki_jw *w, char **out)
{
	int r;

	if (w->err == 0 && w->depth != 0)
		w->err = CCAKIT_ERR_INTERNAL;
	if (w->err == 0 && w->buf == NULL)
		w->err = CCAKIT_ERR_INTERNAL;
	if ((r = w->err) != 0) {
		free(w->buf);
		cki_jw_init(w);
		return r;
	}
	*out = w->buf;
	cki_jw_init(w);
	return CCAKIT_OK;
}

int
cki_json_load(const char *json, size_t len, json_t **root,
    struct ccakit_errdetail *d)
{
	json_error_t jerr;
	json_t *j;

	if (json == NULL && len > 0)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (len > CCAKIT_STORE_MAX_JSON)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, NULL,
		    "%zu bytes, at most %d", len, CCAKIT_STORE_MAX_JSON);
	if ((j = json_loadb(json != NULL ? json : "", len,
	    JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return cki_detail(d, CCAKIT_ERR_JSON, NULL,
		    "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
	*root = j;
	return CCAKIT_OK;
}

int
cki_json_hexval(const json_t *v, const char *what, const char *label,
    uint8_t *out, size_t outsz, size_t *outlen, struct ccakit_errdetail *d)
{
	size_t slen;

	if (v == NULL)
		return cki_detail(d, CCAKIT_ERR_JSON, what, "%s: missing",
		    label);
	if (!json_is_string(v))
		return cki_detail(d, CCAKIT_ERR_JSON, what,
		    "%s: expected a hex string", label);
	slen = json_string_length(v);
	if (slen % 2 != 0)
		return cki_detail(d, CCAKIT_ERR_ENCODING, what,
		    "%s: odd number of hex digits", label);
	if (slen / 2 > outsz)
		return cki_detail(d, CCAKIT_ERR_JSON, what,
		    "%s: %zu bytes, expected at most %zu", label, slen / 2,
		    outsz);
	if (ccakit_hex_decode(json_string_value(v), slen, out, outsz,
	    outlen) != CCAKIT_OK)
		return cki_detail(d, CCAKIT_ERR_ENCODING, what,
		    "%s: not a hex string", label);
	return CCAKIT_OK;
}

int
cki_json_hex(const json_t *obj, const char *what, const char *ctx,
    uint8_t *out, size_t outsz, size_t *outlen, struct ccakit_errdetail *d)
{
	char label[128];

	(void)snprintf(label, sizeof(label), "%s.%s", ctx, what);
	return cki_json_hexval(json_object_get(obj, what), what, label, out,
	    outsz, outlen, d);
}

int
cki_json_opt_text(const json_t *obj, const char *what, const char *ctx,
    char **out, struct ccakit_errdetail *d)
{
	const json_t *v;
	size_t len;
	char *s;

	*out = NULL;
	if ((v = json_object_get(obj, what)) == NULL || json_is_null(v))
		return CCAKIT_OK;
	if (!json_is_string(v))
		return cki_detail(d, CCAKIT_ERR_JSON, what,
		    "%s.%s: expected a string", ctx, what);
	/* jansson refuses \u0000 unless asked, so C strings are exact. */
	len = json_string_length(v);
	if ((s = malloc(len + 1)) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	memcpy(s, json_string_value(v), len + 1);
	*out = s;
	return CCAKIT_OK;
}
