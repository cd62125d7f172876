/*
 * Encodings: base64(url), hex, JSON (marshal, marshal_with_options,
 * unmarshal, is_valid), URL query strings.
 */
#include <stdlib.h>
#include <string.h>

#include <ccakit/bytes.h>

#include "rego/rego_priv.h"

static int
ret_bytes(ccakit_rego_bictx *ctx, const void *p, size_t n, const rv **out)
{
	NOMEM_IF(ctx, *out = rv_str(rego_bi_arena(ctx), p, n));
	return CCAKIT_OK;
}

static int
b64_enc(ccakit_rego_bictx *ctx, args_t a, const rv **out, bool url,
    bool pad)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	size_t n, i;
	char *buf;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	n = ccakit_b64_encoded_len(a[0]->n, CCAKIT_B64_STD);
	NOMEM_IF(ctx, buf = ra_alloc(ar, n + 1));
	if (ccakit_b64_encode((const uint8_t *)a[0]->u.s, a[0]->n,
	    CCAKIT_B64_STD, buf, n + 1) != CCAKIT_OK)
		return ccakit_rego_bi_error(ctx, "base64 encoding failed");
	n = strlen(buf);
	if (url)
		for (i = 0; i < n; i++) {
			if (buf[i] == '+')
				buf[i] = '-';
			else if (buf[i] == '/')
				buf[i] = '_';
		}
	if (!pad)
		while (n > 0 && buf[n - 1] == '=')
			n--;
	return ret_bytes(ctx, buf, n, out);
}

static int
bi_b64_encode(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return b64_enc(ctx, a, out, false, true);
}

static int
bi_b64url_encode(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return b64_enc(ctx, a, out, true, true);
}

static int
bi_b64url_encode_no_pad(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return b64_enc(ctx, a, out, true, false);
}

/* Index of the first byte Go's decoder would reject (approximation). */
static size_t
b64_bad_at(const char *s, size_t n, bool url)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '=')
			continue;
		if (!url && (c == '+' || c == '/'))
			continue;
		if (url && (c == '-' || c == '_'))
			continue;
		return i;
	}
	return n - (n % 4 == 0 ? 0 : n % 4);
}

/* Decode; url: URL alphabet, padding optional. */
static int
b64_dec(ccakit_rego_bictx *ctx, const rv *x, bool url, const rv **out,
    bool *valid)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	uint8_t *buf;
	size_t n;
	int rc;

	NOMEM_IF(ctx, buf = ra_alloc(ar, x->n / 4 * 3 + 4));
	if (url) {
		size_t i;
		bool std = false;

		for (i = 0; i < x->n; i++)
			if (x->u.s[i] == '+' || x->u.s[i] == '/')
				std = true;
		rc = std ? CCAKIT_ERR_ENCODING : ccakit_b64_decode(x->u.s,
		    x->n, CCAKIT_B64_ANY, buf, x->n / 4 * 3 + 4, &n);
	} else {
		rc = ccakit_b64_decode(x->u.s, x->n, CCAKIT_B64_STD, buf,
		    x->n / 4 * 3 + 4, &n);
	}
	if (valid != NULL) {
		*valid = rc == CCAKIT_OK;
		return CCAKIT_OK;
	}
	if (rc != CCAKIT_OK)
		return ccakit_rego_bi_error(ctx, "illegal base64 data at input "
		    "byte %zu", b64_bad_at(x->u.s, x->n, url));
	return ret_bytes(ctx, buf, n, out);
}

static int
bi_b64_decode(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	BI_NEED(ctx, a, 0, RV_STR, "string");
	return b64_dec(ctx, a[0], false, out, NULL);
}

static int
bi_b64url_decode(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	BI_NEED(ctx, a, 0, RV_STR, "string");
	return b64_dec(ctx, a[0], true, out, NULL);
}

static int
bi_b64_is_valid(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	bool valid = false;
	int rc;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	if ((rc = b64_dec(ctx, a[0], false, out, &valid)) != CCAKIT_OK)
		return rc;
	*out = RV_BOOLV(valid);
	return CCAKIT_OK;
}

static int
bi_hex_encode(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	char *buf;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	NOMEM_IF(ctx, buf = ra_alloc(ar, 2 * a[0]->n + 1));
	if (ccakit_hex_encode((const uint8_t *)a[0]->u.s, a[0]->n, buf,
	    2 * a[0]->n + 1) != CCAKIT_OK)
		return ccakit_rego_bi_error(ctx, "hex encoding failed");
	return ret_bytes(ctx, buf, 2 * a[0]->n, out);
}

static bool
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static int
bi_hex_decode(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	uint8_t *buf;
	size_t n, i;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	for (i = 0; i < a[0]->n; i++)
		if (!is_hex(a[0]->u.s[i])) {
			unsigned char c = (unsigned char)a[0]->u.s[i];

			return ccakit_rego_bi_error(ctx, "encoding/hex: invalid "
			    "byte: U+%04X '%c'", c, c >= 0x20 && c < 0x7F ?
			    (char)c : '?');
		}
	if (a[0]->n % 2 != 0)
		return ccakit_rego_bi_error(ctx,
		    "encoding/hex: odd length hex string");
	NOMEM_IF(ctx, buf = ra_alloc(ar, a[0]->n / 2 + 1));
	if (ccakit_hex_decode(a[0]->u.s, a[0]->n, buf, a[0]->n / 2 + 1,
	    &n) != CCAKIT_OK)
		return ccakit_rego_bi_error(ctx, "invalid hex");
	return ret_bytes(ctx, buf, n, out);
}

/* JSON. */

static int
marshal(ccakit_rego_bictx *ctx, const rv *v, const struct rego_json_opts *o,
    const rv **out)
{
	struct rego_buf *b = rego_bi_buf(ctx);

	rego_json_write_opts(b, v, o);
	if (b->oom)
		return rego_bi_nomem(ctx);
	return ret_bytes(ctx, rb_str(b), b->len, out);
}

static int
bi_json_marshal(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_json_opts o = { NULL, NULL, true };

	return marshal(ctx, a[0], &o, out);
}

static int
bi_json_marshal_opts(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_json_opts o = { NULL, NULL, true };
	const rv *opts = a[1];
	bool pretty = false, pretty_set = false;
	const char *prefix = NULL, *indent = NULL;
	size_t i;

	BI_NEED(ctx, a, 1, RV_OBJ, "object");
	for (i = 0; i < opts->n; i++) {
		const rv *k = opts->u.a[i], *v = rv_obj_vals(opts)[i];

		if (k->t != RV_STR)
			return rego_bi_typeerr(ctx, "object contained "
			    "non-string key");
		if (strcmp(k->u.s, "pretty") == 0) {
			if (v->t != RV_BOOL)
				return rego_bi_typeerr(ctx, "pretty must be a "
				    "boolean");
			pretty = v->b;
			pretty_set = true;
		} else if (strcmp(k->u.s, "indent") == 0) {
			if (v->t != RV_STR)
				return rego_bi_typeerr(ctx, "indent must be a "
				    "string");
			indent = v->u.s;
		} else if (strcmp(k->u.s, "prefix") == 0) {
			if (v->t != RV_STR)
				return rego_bi_typeerr(ctx, "prefix must be a "
				    "string");
			prefix = v->u.s;
		} else {
			return rego_bi_typeerr(ctx, "object contained unknown "
			    "key \"%s\"", k->u.s);
		}
	}
	if (!pretty_set)
		pretty = indent != NULL || prefix != NULL;
	if (pretty) {
		o.indent = indent != NULL ? indent : "\t";
		o.prefix = prefix;
	}
	return marshal(ctx, a[0], &o, out);
}

static int
bi_json_unmarshal(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	char err[120];
	int rc;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	rc = rego_json_parse(rego_bi_arena(ctx), a[0]->u.s, a[0]->n,
	    CCAKIT_REGO_MAX_DEPTH, out, err, sizeof(err));
	if (rc == CCAKIT_ERR_NOMEM)
		return rego_bi_nomem(ctx);
	if (rc != CCAKIT_OK)
		return ccakit_rego_bi_error(ctx, "%s", err);
	return CCAKIT_OK;
}

static int
bi_json_is_valid(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	const rv *v;
	int rc;

	if (a[0]->t != RV_STR) {
		*out = RV_FALSE;
		return CCAKIT_OK;
	}
	rc = rego_json_parse(rego_bi_arena(ctx), a[0]->u.s, a[0]->n,
	    CCAKIT_REGO_MAX_DEPTH, &v, NULL, 0);
	if (rc == CCAKIT_ERR_NOMEM)
		return rego_bi_nomem(ctx);
	*out = RV_BOOLV(rc == CCAKIT_OK);
	return CCAKIT_OK;
}

/* URL query strings (Go's url.QueryEscape / QueryUnescape). */

static void
query_escape(struct rego_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~') {
			rb_putc(b, (char)c);
		} else if (c == ' ') {
			rb_putc(b, '+');
		} else {
			rb_putc(b, '%');
			rb_putc(b, hex[c >> 4]);
			rb_putc(b, hex[c & 15]);
		}
	}
}

/* 0 or the offset of a bad escape + 1. */
static size_t
query_unescape(struct rego_buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '+') {
			rb_putc(b, ' ');
		} else if (s[i] == '%') {
			int h, l;

			if (i + 2 >= n || (h = cki_hex_nibble(s[i + 1])) < 0 ||
			    (l = cki_hex_nibble(s[i + 2])) < 0)
				return i + 1;
			rb_putc(b, (char)(h << 4 | l));
			i += 2;
		} else {
			rb_putc(b, s[i]);
		}
	}
	return 0;
}

static int
bi_urlquery_encode(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_buf *b = rego_bi_buf(ctx);

	BI_NEED(ctx, a, 0, RV_STR, "string");
	query_escape(b, a[0]->u.s, a[0]->n);
	if (b->oom)
		return rego_bi_nomem(ctx);
	return ret_bytes(ctx, rb_str(b), b->len, out);
}

static int
bi_urlquery_decode(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_buf *b = rego_bi_buf(ctx);
	size_t bad;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	if ((bad = query_unescape(b, a[0]->u.s, a[0]->n)) != 0)
		return ccakit_rego_bi_error(ctx, "invalid URL escape \"%.3s\"",
		    a[0]->u.s + bad - 1);
	if (b->oom)
		return rego_bi_nomem(ctx);
	return ret_bytes(ctx, rb_str(b), b->len, out);
}

static int
bi_urlquery_encode_object(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_buf *b = rego_bi_buf(ctx);
	const rv *o = a[0];
	size_t i, j;
	bool first = true;

	BI_NEED(ctx, a, 0, RV_OBJ, "object");
	for (i = 0; i < o->n; i++) {
		const rv *k = o->u.a[i], *v = rv_obj_vals(o)[i];
		const rv *const *vals;
		size_t nv;

		if (k->t != RV_STR)
			return rego_bi_operr(ctx, 1, "object[string]", k);
		if (v->t == RV_STR) {
			vals = &rv_obj_vals(o)[i];
			nv = 1;
		} else if (v->t == RV_ARR || v->t == RV_SET) {
			vals = v->u.a;
			nv = v->n;
		} else {
			return rego_bi_typeerr(ctx, "operand 1 must be "
			    "object[string: string | array[string] | "
			    "set[string]]");
		}
		for (j = 0; j < nv; j++) {
			if (vals[j]->t != RV_STR)
				return rego_bi_typeerr(ctx, "operand 1 must be "
				    "object[string: string | array[string] | "
				    "set[string]]");
			if (!first)
				rb_putc(b, '&');
			first = false;
			query_escape(b, k->u.s, k->n);
			rb_putc(b, '=');
			query_escape(b, vals[j]->u.s, vals[j]->n);
		}
	}
	if (b->oom)
		return rego_bi_nomem(ctx);
	return ret_bytes(ctx, rb_str(b), b->len, out);
}

static int
bi_urlquery_decode_object(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	struct rv_vec keys, vals;
	const char *s;
	size_t n, i = 0, j;

	BI_STR(ctx, a, 0, s, n);
	rvv_init(&keys, ar);
	rvv_init(&vals, ar);
	while (i < n) {
		size_t e = i, eq;
		struct rego_buf kb, vb;
		const rv *k, *v;

		while (e < n && s[e] != '&')
			e++;
		if (e == i) {
			i = e + 1;
			continue;
		}
		for (eq = i; eq < e && s[eq] != '='; eq++)
			;
		rb_init(&kb, 0);
		rb_init(&vb, 0);
		if (query_unescape(&kb, s + i, eq - i) != 0 ||
		    (eq < e && query_unescape(&vb, s + eq + 1, e - eq - 1) !=
		    0)) {
			rb_free(&kb);
			rb_free(&vb);
			return ccakit_rego_bi_error(ctx, "invalid URL escape");
		}
		k = rv_str(ar, rb_str(&kb), kb.len);
		v = rv_str(ar, rb_str(&vb), vb.len);
		rb_free(&kb);
		rb_free(&vb);
		NOMEM_IF(ctx, k);
		NOMEM_IF(ctx, v);
		for (j = 0; j < keys.n; j++)
			if (rv_eq(keys.v[j], k))
				break;
		if (j == keys.n) {
			if (rvv_push(&keys, k) != 0 ||
			    rvv_push(&vals, NULL) != 0)
				return rego_bi_nomem(ctx);
		}
		{
			/* append v to the array at j */
			const rv *old = vals.v[j];
			const rv **items;
			size_t on = old != NULL ? old->n : 0;

			NOMEM_IF(ctx, items = ra_alloc(ar, (on + 1) *
			    sizeof(*items)));
			if (on > 0)
				memcpy(items, old->u.a, on * sizeof(*items));
			items[on] = v;
			NOMEM_IF(ctx, vals.v[j] = rv_arr(ar, items, on + 1));
		}
		i = e + 1;
	}
	NOMEM_IF(ctx, *out = rv_obj(ar, keys.v, vals.v, keys.n, NULL));
	return CCAKIT_OK;
}

const struct rego_bi_def rego_bi_encoding[] = {
	{ "base64.encode", 1, 0, bi_b64_encode },
	{ "base64.decode", 1, 0, bi_b64_decode },
	{ "base64.is_valid", 1, 0, bi_b64_is_valid },
	{ "base64url.encode", 1, 0, bi_b64url_encode },
	{ "base64url.encode_no_pad", 1, 0, bi_b64url_encode_no_pad },
	{ "base64url.decode", 1, 0, bi_b64url_decode },
	{ "hex.encode", 1, 0, bi_hex_encode },
	{ "hex.decode", 1, 0, bi_hex_decode },
	{ "json.marshal", 1, 0, bi_json_marshal },
	{ "json.marshal_with_options", 2, 0, bi_json_marshal_opts },
	{ "json.unmarshal", 1, 0, bi_json_unmarshal },
	{ "json.is_valid", 1, 0, bi_json_is_valid },
	{ "urlquery.encode", 1, 0, bi_urlquery_encode },
	{ "urlquery.decode", 1, 0, bi_urlquery_decode },
	{ "urlquery.encode_object", 1, 0, bi_urlquery_encode_object },
	{ "urlquery.decode_object", 1, 0, bi_urlquery_decode_object },
	{ NULL, 0, 0, NULL },
};
