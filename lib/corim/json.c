/*
 * CoRIM and CoMID in JSON: the templates of Veraison's corim library and
 * cocli (docs/corim.md) in, and the same format out for display.
 *
 * A template becomes CBOR here and is then decoded by the strict
 * decoder, so that a template is held to exactly the rules of a CoRIM
 * received on the wire. Choices this format has no name for (extension
 * tags, extension keys, the triples CCA does not use) travel as
 * {"type": "cbor", "value": "<hex of the CBOR item>"} and
 * "cbor-extensions": [["<hex key>", "<hex value>"], ...], so that
 * display and re-creation lose nothing.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <ccakit/bytes.h>
#include <ccakit/cbor.h>
#include <ccakit/corim.h>
#include <ccakit/err.h>

#include "corim/corim_priv.h"
#include "util/util.h"

int cki_corim_decode_template(ccakit_corim *c, const uint8_t *buf,
    size_t len, struct ccakit_errdetail *d);
ccakit_corim *cki_corim_new(void);

#define JERR CCAKIT_ERR_JSON

struct jx {
	struct ccakit_errdetail *d;
	int err;
};

static int jbad(struct jx *x, const char *fmt, ...) CKI_PRINTF(2, 3);

static int
jbad(struct jx *x, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	if (x->err != 0)
		return x->err;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	x->err = cki_detail(x->d, JERR, "json", "%s", msg);
	return x->err;
}

/* --- small parsers --- */

static int
hexval(int c)
{
	return cki_hex_nibble(c);
}

/* 8-4-4-4-12 hex digits (either case), optionally in braces or after
 * urn:uuid:, as Go's uuid.Parse. */
static bool
parse_uuid(const char *s, uint8_t out[16])
{
	size_t n = strlen(s), i, k = 0;
	int hi, lo;

	if (n == 45 && strncmp(s, "urn:uuid:", 9) == 0) {
		s += 9;
		n -= 9;
	} else if (n == 38 && (s[0] == '{' && s[37] == '}')) {
		s++;
		n -= 2;
	}
	if (n != 36)
		return false;
	for (i = 0; i < 36;) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
			i++;
			continue;
		}
		if ((hi = hexval(s[i])) < 0 || (lo = hexval(s[i + 1])) < 0)
			return false;
		out[k++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	return k == 16;
}

static void
uuid_str(const uint8_t u[16], char out[37])
{
	(void)snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3],
	    u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
	    u[14], u[15]);
}

/* Base64 of any alphabet, padded or not; malloc'd. */
static int
b64dec(struct jx *x, const char *s, const char *what, uint8_t **out,
    size_t *len)
{
	size_t n = strlen(s);

	if ((*out = malloc(n * 3 / 4 + 3)) == NULL)
		return x->err = CCAKIT_ERR_NOMEM;
	if (ccakit_b64_decode(s, n, CCAKIT_B64_ANY, *out, n * 3 / 4 + 3,
	    len) != CCAKIT_OK) {
		free(*out);
		*out = NULL;
		return jbad(x, "%s: not base64: \"%.60s\"", what, s);
	}
	return CCAKIT_OK;
}

static int
hexdec(struct jx *x, const char *s, const char *what, uint8_t **out,
    size_t *len)
{
	size_t n = strlen(s);

	if ((*out = malloc(n / 2 + 1)) == NULL)
		return x->err = CCAKIT_ERR_NOMEM;
	if (n % 2 != 0 || ccakit_hex_decode(s, n, *out, n / 2 + 1, len) !=
	    CCAKIT_OK) {
		free(*out);
		*out = NULL;
		return jbad(x, "%s: not hex: \"%.60s\"", what, s);
	}
	return CCAKIT_OK;
}

/* Days from the civil date (Howard Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool
digits(const char *s, int n, unsigned *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return true;
}

/* RFC 3339 date-time to seconds since the epoch (fractions dropped). */
static bool
rfc3339(const char *s, int64_t *t)
{
	unsigned y, mo, d, h, mi, se, oh, om;
	const char *p;
	int64_t off = 0;

	if (strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' ||
	    !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    !digits(s + 11, 2, &h) || s[13] != ':' ||
	    !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &se))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    se > 60)
		return false;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if ((*p == '+' || *p == '-') && digits(p + 1, 2, &oh) &&
	    p[3] == ':' && digits(p + 4, 2, &om) && oh < 24 && om < 60) {
		off = (int64_t)(oh * 3600 + om * 60);
		if (*p == '+')
			off = -off;
		p += 6;
	} else
		return false;
	if (*p != '\0')
		return false;
	*t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se +
	    off;
	return true;
}

static json_t *
time_json(int64_t t)
{
	char buf[40];
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return json_integer(t);
	return json_string(buf);
}

/* Dotted OID to BER content octets. */
static int
oid_ber(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	uint64_t arcs[64], v;
	size_t n = 0, o = 0, i;
	uint8_t tmp[10];
	int k;
	char *end;

	while (*s != '\0' && n < 64) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = strtoull(s, &end, 10);
		arcs[n++] = v;
		s = end;
		if (*s == '.')
			s++;
		else if (*s != '\0')
			return -1;
	}
	if (n < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39) ||
	    arcs[1] > UINT64_MAX - 80)
		return -1;
	arcs[1] += arcs[0] * 40;
	for (i = 1; i < n; i++) {
		v = arcs[i];
		k = 0;
		do {
			tmp[k++] = (uint8_t)(v & 0x7f);
			v >>= 7;
		} while (v != 0);
		while (k > 0) {
			if (o >= cap)
				return -1;
			k--;
			out[o++] = (uint8_t)(tmp[k] | (k > 0 ? 0x80 : 0));
		}
	}
	*len = o;
	return 0;
}

/* --- JSON to CBOR --- */

static const char *
jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void
cb_cstr(struct cki_buf *b, const char *s)
{
	struct cki_text t = { s, strlen(s) };

	cki_cb_text(b, t);
}

static int
need_string(struct jx *x, json_t *v, const char *what, const char **s)
{
	*s = "";
	if (!json_is_string(v))
		return jbad(x, "%s: expected a string", what);
	*s = json_string_value(v);
	return CCAKIT_OK;
}

/* Raw CBOR given as hex (the "cbor" type): one strict item. */
static int
cb_rawhex(struct jx *x, struct cki_buf *b, json_t *v, const char *what)
{
	struct ccakit_cbor_limits lim = { 24, CKI_CORIM_MAX_ITEMS,
	    CKI_CORIM_MAX_PAIRS };
	struct ccakit_cbor_item it;
	const char *s;
	uint8_t *p = NULL;
	size_t n;

	if (need_string(x, v, what, &s) != CCAKIT_OK ||
	    hexdec(x, s, what, &p, &n) != CCAKIT_OK)
		return x->err;
	if (ccakit_cbor_parse(p, n, &lim, &it, NULL) != CCAKIT_OK) {
		free(p);
		return jbad(x, "%s: the \"cbor\" value is not one strict "
		    "CBOR item", what);
	}
	cki_buf_put(b, p, n);
	free(p);
	return CCAKIT_OK;
}

static int
cb_b64(struct jx *x, struct cki_buf *b, json_t *v, const char *what,
    uint64_t tag)
{
	const char *s;
	uint8_t *p = NULL;
	size_t n;

	if (need_string(x, v, what, &s) != CCAKIT_OK ||
	    b64dec(x, s, what, &p, &n) != CCAKIT_OK)
		return x->err;
	if (tag != 0)
		cki_cb_head(b, H_TAG, tag);
	cki_cb_bstr(b, p, n);
	free(p);
	return CCAKIT_OK;
}

static int
cb_uuid(struct jx *x, struct cki_buf *b, json_t *v, const char *what,
    uint64_t tag)
{
	const char *s;
	uint8_t u[16];

	if (need_string(x, v, what, &s) != CCAKIT_OK)
		return x->err;
	if (!parse_uuid(s, u))
		return jbad(x, "%s: not a UUID: \"%.60s\"", what, s);
	if (tag != 0)
		cki_cb_head(b, H_TAG, tag);
	cki_cb_bstr(b, u, sizeof(u));
	return CCAKIT_OK;
}

static int
cb_oid(struct jx *x, struct cki_buf *b, json_t *v, const char *what)
{
	const char *s;
	uint8_t o[256];
	size_t n;

	if (need_string(x, v, what, &s) != CCAKIT_OK)
		return x->err;
	if (oid_ber(s, o, sizeof(o), &n) != 0)
		return jbad(x, "%s: not a dotted OID: \"%.60s\"", what, s);
	cki_cb_head(b, H_TAG, CKI_TAG_OID);
	cki_cb_bstr(b, o, n);
	return CCAKIT_OK;
}

/* uuid string -> bstr(16), anything else -> tstr (tag-id, corim-id). */
static int
cb_id(struct jx *x, struct cki_buf *b, json_t *v, const char *what)
{
	const char *s;
	uint8_t u[16];

	if (need_string(x, v, what, &s) != CCAKIT_OK)
		return x->err;
	if (*s == '\0')
		return jbad(x, "%s: empty", what);
	if (parse_uuid(s, u))
		cki_cb_bstr(b, u, sizeof(u));
	else
		cb_cstr(b, s);
	return CCAKIT_OK;
}

static int
cb_uri(struct jx *x, struct cki_buf *b, json_t *v, const char *what)
{
	const char *s;

	if (need_string(x, v, what, &s) != CCAKIT_OK)
		return x->err;
	cki_cb_head(b, H_TAG, CKI_TAG_URI);
	cb_cstr(b, s);
	return CCAKIT_OK;
}

/* A digest: [alg, "b64"], "name:b64" or "name;b64". */
static int
cb_digest(struct jx *x, struct cki_buf *b, json_t *v, const char *what)
{
	const char *s, *sep;
	json_t *alg, *val;
	char name[64];
	int64_t id;

	cki_cb_head(b, H_ARRAY, 2);
	if (json_is_array(v)) {
		if (json_array_size(v) != 2)
			return jbad(x, "%s: a digest is [algorithm, value]",
			    what);
		alg = json_array_get(v, 0);
		val = json_array_get(v, 1);
		if (json_is_integer(alg))
			cki_cb_int(b, (int64_t)json_integer_value(alg));
		else if (json_is_string(alg))
			cb_cstr(b, json_string_value(alg));
		else
			return jbad(x, "%s: a digest algorithm is a number or "
			    "a name", what);
		return cb_b64(x, b, val, what, 0);
	}
	if (need_string(x, v, what, &s) != CCAKIT_OK)
		return x->err;
	if ((sep = strpbrk(s, ":;")) == NULL || (size_t)(sep - s) >=
	    sizeof(name))
		return jbad(x, "%s: a digest is [alg, \"base64\"] or "
		    "\"alg:base64\"", what);
	memcpy(name, s, (size_t)(sep - s));
	name[sep - s] = '\0';
	if ((id = cki_corim_alg_from_name(name, strlen(name))) >= 0)
		cki_cb_int(b, id);
	else
		cb_cstr(b, name);
	{
		json_t *t = json_string(sep + 1);
		int r = cb_b64(x, b, t, what, 0);

		json_decref(t);
		return r;
	}
}

static int
cb_digests(struct jx *x, struct cki_buf *b, json_t *v, const char *what)
{
	size_t i;

	if (!json_is_array(v) || json_array_size(v) == 0)
		return jbad(x, "%s: expected a non-empty array of digests",
		    what);
	/* One digest as a flat [alg, value]? */
	if (json_array_size(v) == 2 &&
	    (json_is_integer(json_array_get(v, 0)) ||
	    (json_is_string(json_array_get(v, 0)) &&
	    strpbrk(json_string_value(json_array_get(v, 0)), ":;") == NULL &&
	    json_is_string(json_array_get(v, 1)) &&
	    cki_corim_alg_from_name(json_string_value(json_array_get(v, 0)),
	    strlen(json_string_value(json_array_get(v, 0)))) >= 0)))
		return jbad(x, "%s: digests is an array of digests: "
		    "[[alg, value]], not [alg, value]", what);
	cki_cb_head(b, H_ARRAY, json_array_size(v));
	for (i = 0; i < json_array_size(v); i++)
		if (cb_digest(x, b, json_array_get(v, i), what) != CCAKIT_OK)
			return x->err;
	return CCAKIT_OK;
}

/* {"type": T, "value": V} */
static int
typed(struct jx *x, json_t *o, const char *what, const char **type,
    json_t **value)
{
	if (!json_is_object(o) || (*type = jstr(o, "type")) == NULL ||
	    (*value = json_object_get(o, "value")) == NULL)
		return jbad(x, "%s: expected {\"type\": ..., \"value\": ...}",
		    what);
	return CCAKIT_OK;
}

static int
cb_key(struct jx *x, struct cki_buf *b, json_t *o, const char *what)
{
	static const struct {
		const char *name;
		uint64_t tag;
		int kind;	/* 0 text, 1 base64 bytes, 2 digest, 3 cbor */
	} keys[] = {
		{ "pkix-base64-key", CKI_TAG_PKIX_KEY, 0 },
		{ "pkix-base64-cert", CKI_TAG_PKIX_CERT, 0 },
		{ "pkix-base64-cert-path", CKI_TAG_PKIX_CERT_PATH, 0 },
		{ "thumbprint", CKI_TAG_KEY_THUMB, 2 },
		{ "key-thumbprint", CKI_TAG_KEY_THUMB, 2 },
		{ "cose-key", CKI_TAG_COSE_KEY, 3 },
		{ "cert-thumbprint", CKI_TAG_CERT_THUMB, 2 },
		{ "bytes", CKI_TAG_BYTES, 1 },
		{ "cert-path-thumbprint", CKI_TAG_CERT_PATH_THUMB, 2 },
		{ "pkix-asn1der-cert", CKI_TAG_PKIX_ASN1DER, 1 },
	};
	const char *t, *s;
	json_t *v;
	size_t i;
	uint8_t *p = NULL;
	size_t n;

	if (typed(x, o, what, &t, &v) != CCAKIT_OK)
		return x->err;
	if (strcmp(t, "cbor") == 0)
		return cb_rawhex(x, b, v, what);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(t, keys[i].name) != 0)
			continue;
		switch (keys[i].kind) {
		case 0:
			if (need_string(x, v, what, &s) != CCAKIT_OK)
				return x->err;
			cki_cb_head(b, H_TAG, keys[i].tag);
			cb_cstr(b, s);
			return CCAKIT_OK;
		case 1:
			return cb_b64(x, b, v, what, keys[i].tag);
		case 2:
			cki_cb_head(b, H_TAG, keys[i].tag);
			return cb_digest(x, b, v, what);
		default:
			/* COSE_Key: base64 of its CBOR */
			if (need_string(x, v, what, &s) != CCAKIT_OK ||
			    b64dec(x, s, what, &p, &n) != CCAKIT_OK)
				return x->err;
			cki_cb_head(b, H_TAG, keys[i].tag);
			cki_buf_put(b, p, n);
			free(p);
			return CCAKIT_OK;
		}
	}
	return jbad(x, "%s: unknown key type \"%.40s\"", what, t);
}

static int
cb_keys(struct jx *x, struct cki_buf *b, json_t *v, const char *what)
{
	size_t i;

	if (!json_is_array(v) || json_array_size(v) == 0)
		return jbad(x, "%s: expected a non-empty array of keys", what);
	cki_cb_head(b, H_ARRAY, json_array_size(v));
	for (i = 0; i < json_array_size(v); i++)
		if (cb_key(x, b, json_array_get(v, i), what) != CCAKIT_OK)
			return x->err;
	return CCAKIT_OK;
}

/* class-id, instance, group */
static int
cb_envid(struct jx *x, struct cki_buf *b, json_t *o, const char *what,
    bool instance)
{
	const char *t;
	json_t *v;

	if (typed(x, o, what, &t, &v) != CCAKIT_OK)
		return x->err;
	if (strcmp(t, "cbor") == 0)
		return cb_rawhex(x, b, v, what);
	if (strcmp(t, "bytes") == 0)
		return cb_b64(x, b, v, what, CKI_TAG_BYTES);
	if (strcmp(t, "uuid") == 0)
		return cb_uuid(x, b, v, what, CKI_TAG_UUID);
	if (!instance && strcmp(t, "oid") == 0)
		return cb_oid(x, b, v, what);
	if (!instance && (strcmp(t, "psa.impl-id") == 0 ||
	    strcmp(t, "cca.impl-id") == 0))
		return cb_b64(x, b, v, what, CKI_TAG_CCA_IMPL_ID);
	if (instance && strcmp(t, "ueid") == 0)
		return cb_b64(x, b, v, what, CKI_TAG_UEID);
	if (instance)
		return cb_key(x, b, o, what);
	return jbad(x, "%s: unknown type \"%.40s\"", what, t);
}

static int
cb_env(struct jx *x, struct cki_buf *b, json_t *o, const char *what)
{
	struct cki_mapw m CKI_MAPW_SCOPED = { 0 }, cm CKI_MAPW_SCOPED = { 0 };
	struct cki_buf *v, *w;
	json_t *cl, *e;
	const char *k;

	if (!json_is_object(o))
		return jbad(x, "%s: environment: expected an object", what);
	json_object_foreach(o, k, e) {
		if (strcmp(k, "class") != 0 && strcmp(k, "instance") != 0 &&
		    strcmp(k, "group") != 0)
			return jbad(x, "%s: environment: unknown member "
			    "\"%.40s\"", what, k);
	}
	if ((cl = json_object_get(o, "class")) != NULL &&
	    (v = cki_mw_int(&m, 0)) != NULL) {
		if (!json_is_object(cl))
			return jbad(x, "%s: class: expected an object", what);
		json_object_foreach(cl, k, e) {
			if (strcmp(k, "id") == 0) {
				if ((w = cki_mw_int(&cm, 0)) != NULL)
					cb_envid(x, w, e, what, false);
			} else if (strcmp(k, "vendor") == 0 ||
			    strcmp(k, "model") == 0) {
				if (!json_is_string(e))
					return jbad(x, "%s: class.%s: expected "
					    "a string", what, k);
				if ((w = cki_mw_int(&cm, k[0] == 'v' ? 1 : 2)) !=
				    NULL)
					cb_cstr(w, json_string_value(e));
			} else if (strcmp(k, "layer") == 0 ||
			    strcmp(k, "index") == 0) {
				if (!json_is_integer(e) ||
				    json_integer_value(e) < 0)
					return jbad(x, "%s: class.%s: expected "
					    "an unsigned integer", what, k);
				if ((w = cki_mw_int(&cm, k[0] == 'l' ? 3 : 4)) !=
				    NULL)
					cki_cb_int(w, json_integer_value(e));
			} else
				return jbad(x, "%s: class: unknown member "
				    "\"%.40s\"", what, k);
		}
		cki_mw_finish(&cm, v);
	}
	if ((e = json_object_get(o, "instance")) != NULL &&
	    (v = cki_mw_int(&m, 1)) != NULL)
		cb_envid(x, v, e, what, true);
	if ((e = json_object_get(o, "group")) != NULL &&
	    (v = cki_mw_int(&m, 2)) != NULL)
		cb_envid(x, v, e, what, false);
	cki_mw_finish(&m, b);
	return x->err;
}

static int
cb_mkey(struct jx *x, struct cki_buf *b, json_t *o, const char *what)
{
	struct cki_mapw m CKI_MAPW_SCOPED = { 0 };
	struct cki_buf *w;
	const char *t, *s;
	json_t *v;

	if (typed(x, o, what, &t, &v) != CCAKIT_OK)
		return x->err;
	if (strcmp(t, "cbor") == 0)
		return cb_rawhex(x, b, v, what);
	if (strcmp(t, "string") == 0) {
		if (need_string(x, v, what, &s) != CCAKIT_OK)
			return x->err;
		cb_cstr(b, s);
		return CCAKIT_OK;
	}
	if (strcmp(t, "uint") == 0) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return jbad(x, "%s: a uint mkey is a non-negative "
			    "integer", what);
		cki_cb_int(b, json_integer_value(v));
		return CCAKIT_OK;
	}
	if (strcmp(t, "uuid") == 0)
		return cb_uuid(x, b, v, what, CKI_TAG_UUID);
	if (strcmp(t, "oid") == 0)
		return cb_oid(x, b, v, what);
	if (strcmp(t, "cca.platform-config-id") == 0) {
		if (need_string(x, v, what, &s) != CCAKIT_OK)
			return x->err;
		cki_cb_head(b, H_TAG, CKI_TAG_CCA_CONFIG_ID);
		cb_cstr(b, s);
		return CCAKIT_OK;
	}
	if (strcmp(t, "psa.refval-id") == 0) {
		if (!json_is_object(v))
			return jbad(x, "%s: psa.refval-id: expected an object",
			    what);
		if ((s = jstr(v, "label")) != NULL &&
		    (w = cki_mw_int(&m, 1)) != NULL)
			cb_cstr(w, s);
		if ((s = jstr(v, "version")) != NULL &&
		    (w = cki_mw_int(&m, 4)) != NULL)
			cb_cstr(w, s);
		if (json_object_get(v, "signer-id") != NULL &&
		    (w = cki_mw_int(&m, 5)) != NULL)
			cb_b64(x, w, json_object_get(v, "signer-id"), what, 0);
		cki_cb_head(b, H_TAG, CKI_TAG_PSA_REFVAL_ID);
		cki_mw_finish(&m, b);
		return x->err;
	}
	return jbad(x, "%s: unknown mkey type \"%.40s\"", what, t);
}

static const char *const flagnames[CKI_NFLAGS] = {
	"is-configured", "is-secure", "is-recovery", "is-debug",
	"is-replay-protected", "is-integrity-protected", "is-runtime-meas",
	"is-immutable", "is-tcb", "is-confidentiality-protected",
	"is-runtime-updatable",
};

static const struct {
	const char *name;
	int64_t id;
} vschemes[] = {
	{ "multipartnumeric", 1 }, { "multipartnumeric+suffix", 2 },
	{ "alphanumeric", 3 }, { "decimal", 4 }, { "semver", 16384 },
};

static int
cb_exts(struct jx *x, struct cki_mapw *m, json_t *a, const char *what)
{
	struct cki_buf kb = { 0 }, *v;
	struct cki_ci ck;
	json_t *e;
	size_t i;

	if (!json_is_array(a))
		return jbad(x, "%s: cbor-extensions: expected an array", what);
	for (i = 0; i < json_array_size(a); i++) {
		e = json_array_get(a, i);
		if (!json_is_array(e) || json_array_size(e) != 2)
			return jbad(x, "%s: cbor-extensions: expected [key, "
			    "value] pairs", what);
		memset(&kb, 0, sizeof(kb));
		if (cb_rawhex(x, &kb, json_array_get(e, 0), what) !=
		    CCAKIT_OK) {
			free(kb.p);
			return x->err;
		}
		ck.p = kb.p;
		ck.len = kb.len;
		if ((v = cki_mw_raw(m, ck)) != NULL)
			cb_rawhex(x, v, json_array_get(e, 1), what);
		free(kb.p);
	}
	return x->err;
}

static int
cb_mval(struct jx *x, struct cki_buf *b, json_t *o, const char *what)
{
	struct cki_mapw m CKI_MAPW_SCOPED = { 0 }, sub CKI_MAPW_SCOPED = { 0 };
	struct cki_buf *v, *w;
	const char *k, *s, *t;
	json_t *e, *f, *val;
	uint8_t ip[16], *p;
	size_t i, n;

	if (!json_is_object(o))
		return jbad(x, "%s: value: expected an object", what);
	json_object_foreach(o, k, e) {
		if (x->err != 0)
			break;
		if (strcmp(k, "version") == 0) {
			if ((v = cki_mw_int(&m, 0)) == NULL)
				break;
			memset(&sub, 0, sizeof(sub));
			if ((s = jstr(e, "value")) == NULL)
				return jbad(x, "%s: version: expected "
				    "{\"value\": ..., \"scheme\": ...}", what);
			if ((w = cki_mw_int(&sub, 0)) != NULL)
				cb_cstr(w, s);
			if ((f = json_object_get(e, "scheme")) != NULL) {
				/* Any int, as in CBOR; a name. */
				int64_t id = 0;
				bool known = json_is_integer(f);

				if (known)
					id = json_integer_value(f);
				else if (json_is_string(f))
					for (i = 0; i < sizeof(vschemes) /
					    sizeof(vschemes[0]); i++)
						if (strcmp(vschemes[i].name,
						    json_string_value(f)) == 0) {
							id = vschemes[i].id;
							known = true;
						}
				if (!known)
					return jbad(x, "%s: version: unknown "
					    "scheme", what);
				if ((w = cki_mw_int(&sub, 1)) != NULL)
					cki_cb_int(w, id);
			}
			cki_mw_finish(&sub, v);
		} else if (strcmp(k, "svn") == 0) {
			if ((v = cki_mw_int(&m, 1)) == NULL)
				break;
			if (json_is_integer(e) && json_integer_value(e) >= 0) {
				cki_cb_int(v, json_integer_value(e));
				continue;
			}
			if (typed(x, e, what, &t, &val) != CCAKIT_OK)
				break;
			if (!json_is_integer(val) || json_integer_value(val) < 0)
				return jbad(x, "%s: svn: expected a "
				    "non-negative integer", what);
			if (strcmp(t, "exact-value") == 0)
				cki_cb_head(v, H_TAG, CKI_TAG_SVN);
			else if (strcmp(t, "min-value") == 0)
				cki_cb_head(v, H_TAG, CKI_TAG_MIN_SVN);
			else if (strcmp(t, "uint") != 0)
				return jbad(x, "%s: svn: unknown type", what);
			cki_cb_int(v, json_integer_value(val));
		} else if (strcmp(k, "digests") == 0) {
			if ((v = cki_mw_int(&m, 2)) != NULL)
				cb_digests(x, v, e, what);
		} else if (strcmp(k, "flags") == 0) {
			if ((v = cki_mw_int(&m, 3)) == NULL)
				break;
			if (!json_is_object(e))
				return jbad(x, "%s: flags: expected an object",
				    what);
			memset(&sub, 0, sizeof(sub));
			json_object_foreach(e, s, f) {
				if (strcmp(s, "cbor-extensions") == 0) {
					cb_exts(x, &sub, f, what);
					continue;
				}
				for (i = 0; i < CKI_NFLAGS &&
				    strcmp(flagnames[i], s) != 0; i++)
					;
				if (i == CKI_NFLAGS || !json_is_boolean(f))
					return jbad(x, "%s: flags: unknown "
					    "flag or not a boolean: \"%.40s\"",
					    what, s);
				if ((w = cki_mw_int(&sub, (int64_t)i)) != NULL)
					cki_cb_bool(w, json_is_true(f));
			}
			cki_mw_finish(&sub, v);
		} else if (strcmp(k, "raw-value") == 0) {
			if ((v = cki_mw_int(&m, 4)) == NULL ||
			    typed(x, e, what, &t, &val) != CCAKIT_OK)
				break;
			if (strcmp(t, "bytes") == 0)
				cb_b64(x, v, val, what, CKI_TAG_BYTES);
			else if (strcmp(t, "masked") == 0) {
				if (!json_is_object(val))
					return jbad(x, "%s: masked raw-value: "
					    "expected {\"value\", \"mask\"}",
					    what);
				cki_cb_head(v, H_TAG, CKI_TAG_MASKED_RAW);
				cki_cb_head(v, H_ARRAY, 2);
				cb_b64(x, v, json_object_get(val, "value"),
				    what, 0);
				cb_b64(x, v, json_object_get(val, "mask"),
				    what, 0);
			} else if (strcmp(t, "cbor") == 0)
				cb_rawhex(x, v, val, what);
			else
				return jbad(x, "%s: raw-value: unknown type "
				    "\"%.40s\"", what, t);
		} else if (strcmp(k, "raw-value-mask") == 0) {
			if ((v = cki_mw_int(&m, 5)) != NULL)
				cb_b64(x, v, e, what, 0);
		} else if (strcmp(k, "mac-addr") == 0) {
			uint8_t mac[8];

			if (need_string(x, e, what, &s) != CCAKIT_OK)
				break;
			for (n = 0; n < 8 && hexval(s[0]) >= 0 &&
			    hexval(s[1]) >= 0; n++) {
				mac[n] = (uint8_t)(hexval(s[0]) << 4 |
				    hexval(s[1]));
				s += 2;
				if (*s != ':' && *s != '-')
					break;
				s++;
			}
			if (*s != '\0' || (n + 1 != 6 && n + 1 != 8))
				return jbad(x, "%s: mac-addr: expected "
				    "aa:bb:cc:dd:ee:ff", what);
			if ((v = cki_mw_int(&m, 6)) != NULL)
				cki_cb_bstr(v, mac, n + 1);
		} else if (strcmp(k, "ip-addr") == 0) {
			if (need_string(x, e, what, &s) != CCAKIT_OK)
				break;
			if ((v = cki_mw_int(&m, 7)) == NULL)
				break;
			if (inet_pton(AF_INET, s, ip) == 1)
				cki_cb_bstr(v, ip, 4);
			else if (inet_pton(AF_INET6, s, ip) == 1)
				cki_cb_bstr(v, ip, 16);
			else
				return jbad(x, "%s: ip-addr: not an address",
				    what);
		} else if (strcmp(k, "serial-number") == 0 ||
		    strcmp(k, "name") == 0) {
			if (need_string(x, e, what, &s) != CCAKIT_OK)
				break;
			if ((v = cki_mw_int(&m, k[0] == 's' ? 8 : 11)) != NULL)
				cb_cstr(v, s);
		} else if (strcmp(k, "ueid") == 0) {
			if ((v = cki_mw_int(&m, 9)) != NULL)
				cb_b64(x, v, e, what, 0);
		} else if (strcmp(k, "uuid") == 0) {
			if ((v = cki_mw_int(&m, 10)) != NULL)
				cb_uuid(x, v, e, what, 0);
		} else if (strcmp(k, "cryptokeys") == 0) {
			if ((v = cki_mw_int(&m, 13)) != NULL)
				cb_keys(x, v, e, what);
		} else if (strcmp(k, "integrity-registers") == 0) {
			if ((v = cki_mw_int(&m, 14)) == NULL)
				break;
			if (!json_is_object(e))
				return jbad(x, "%s: integrity-registers: "
				    "expected an object", what);
			memset(&sub, 0, sizeof(sub));
			json_object_foreach(e, s, f) {
				struct cki_buf kb = { 0 };
				struct cki_ci ck;
				const char *kt = jstr(f, "key-type");
				char *end;
				unsigned long long idx;

				if (kt != NULL && strcmp(kt, "uint") == 0) {
					idx = strtoull(s, &end, 10);
					if (*s == '\0' || *end != '\0')
						return jbad(x, "%s: register "
						    "\"%.20s\" is not a uint",
						    what, s);
					cki_cb_int(&kb, (int64_t)idx);
				} else
					cb_cstr(&kb, s);
				ck.p = kb.p;
				ck.len = kb.len;
				if ((w = cki_mw_raw(&sub, ck)) != NULL)
					cb_digests(x, w, json_object_get(f,
					    "value"), what);
				free(kb.p);
			}
			cki_mw_finish(&sub, v);
		} else if (strcmp(k, "int-range") == 0) {
			if ((v = cki_mw_int(&m, 15)) == NULL)
				break;
			if (json_is_integer(e)) {
				cki_cb_int(v, json_integer_value(e));
				continue;
			}
			if (!json_is_object(e))
				return jbad(x, "%s: int-range: expected an "
				    "integer or {\"min\", \"max\"}", what);
			cki_cb_head(v, H_TAG, CKI_TAG_INT_RANGE);
			cki_cb_head(v, H_ARRAY, 2);
			for (i = 0; i < 2; i++) {
				f = json_object_get(e, i == 0 ? "min" : "max");
				if (f == NULL || json_is_null(f))
					cki_buf_put(v, "\xf6", 1);
				else if (json_is_integer(f))
					cki_cb_int(v, json_integer_value(f));
				else
					return jbad(x, "%s: int-range: bounds "
					    "are integers or null", what);
			}
		} else if (strcmp(k, "cbor-extensions") == 0)
			cb_exts(x, &m, e, what);
		else
			return jbad(x, "%s: value: unknown member \"%.40s\"",
			    what, k);
	}
	cki_mw_finish(&m, b);
	(void)p;
	return x->err;
}

static int
cb_meas(struct jx *x, struct cki_buf *b, json_t *o, const char *what)
{
	struct cki_mapw m CKI_MAPW_SCOPED = { 0 };
	struct cki_buf *v;
	json_t *e;
	const char *k;

	if (!json_is_object(o))
		return jbad(x, "%s: expected an object", what);
	json_object_foreach(o, k, e)
		if (strcmp(k, "key") != 0 && strcmp(k, "value") != 0 &&
		    strcmp(k, "authorized-by") != 0)
			return jbad(x, "%s: unknown member \"%.40s\"", what, k);
	if ((e = json_object_get(o, "key")) != NULL &&
	    (v = cki_mw_int(&m, 0)) != NULL)
		cb_mkey(x, v, e, what);
	if ((e = json_object_get(o, "value")) == NULL)
		return jbad(x, "%s: missing \"value\"", what);
	if ((v = cki_mw_int(&m, 1)) != NULL)
		cb_mval(x, v, e, what);
	if ((e = json_object_get(o, "authorized-by")) != NULL &&
	    (v = cki_mw_int(&m, 2)) != NULL)
		cb_keys(x, v, e, what);
	cki_mw_finish(&m, b);
	return x->err;
}

static int
cb_vtriples(struct jx *x, struct cki_buf *b, json_t *a, const char *name)
{
	char what[96];
	json_t *t, *ms;
	size_t i, j;

	if (!json_is_array(a) || json_array_size(a) == 0)
		return jbad(x, "triples.%s: expected a non-empty array", name);
	cki_cb_head(b, H_ARRAY, json_array_size(a));
	for (i = 0; i < json_array_size(a) && x->err == 0; i++) {
		(void)snprintf(what, sizeof(what), "triples.%s[%zu]", name, i);
		t = json_array_get(a, i);
		if (!json_is_object(t) ||
		    (ms = json_object_get(t, "measurements")) == NULL ||
		    !json_is_array(ms) || json_array_size(ms) == 0)
			return jbad(x, "%s: expected {\"environment\", "
			    "\"measurements\": [...]}", what);
		cki_cb_head(b, H_ARRAY, 2);
		cb_env(x, b, json_object_get(t, "environment"), what);
		cki_cb_head(b, H_ARRAY, json_array_size(ms));
		for (j = 0; j < json_array_size(ms) && x->err == 0; j++) {
			(void)snprintf(what, sizeof(what),
			    "triples.%s[%zu].measurements[%zu]", name, i, j);
			cb_meas(x, b, json_array_get(ms, j), what);
		}
	}
	return x->err;
}

static int
cb_ktriples(struct jx *x, struct cki_buf *b, json_t *a, const char *name)
{
	char what[96];
	json_t *t, *c;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) == 0)
		return jbad(x, "triples.%s: expected a non-empty array", name);
	cki_cb_head(b, H_ARRAY, json_array_size(a));
	for (i = 0; i < json_array_size(a) && x->err == 0; i++) {
		(void)snprintf(what, sizeof(what), "triples.%s[%zu]", name, i);
		t = json_array_get(a, i);
		if (!json_is_object(t))
			return jbad(x, "%s: expected an object", what);
		c = json_object_get(t, "conditions");
		cki_cb_head(b, H_ARRAY, c != NULL ? 3 : 2);
		cb_env(x, b, json_object_get(t, "environment"), what);
		cb_keys(x, b, json_object_get(t, "verification-keys"), what);
		if (c != NULL) {
			if (!json_is_object(c) || json_object_get(c, "cbor") ==
			    NULL)
				return jbad(x, "%s: conditions: only "
				    "{\"cbor\": \"<hex>\"} is supported",
				    what);
			cb_rawhex(x, b, json_object_get(c, "cbor"), what);
		}
	}
	return x->err;
}

static int
cb_entities(struct jx *x, struct cki_buf *b, json_t *a, bool corim)
{
	struct cki_mapw m CKI_MAPW_SCOPED = { 0 };
	struct cki_buf *v;
	json_t *e, *roles, *r;
	const char *s;
	size_t i, j;
	int64_t id;

	if (!json_is_array(a) || json_array_size(a) == 0)
		return jbad(x, "entities: expected a non-empty array");
	cki_cb_head(b, H_ARRAY, json_array_size(a));
	for (i = 0; i < json_array_size(a) && x->err == 0; i++) {
		e = json_array_get(a, i);
		memset(&m, 0, sizeof(m));
		if ((s = jstr(e, "name")) == NULL)
			return jbad(x, "entities[%zu]: missing name", i);
		if ((v = cki_mw_int(&m, 0)) != NULL)
			cb_cstr(v, s);
		if (json_object_get(e, "regid") != NULL &&
		    (v = cki_mw_int(&m, 1)) != NULL)
			cb_uri(x, v, json_object_get(e, "regid"), "regid");
		roles = json_object_get(e, "roles");
		if (!json_is_array(roles) || json_array_size(roles) == 0)
			return jbad(x, "entities[%zu]: roles: expected a "
			    "non-empty array", i);
		if ((v = cki_mw_int(&m, 2)) == NULL)
			break;
		cki_cb_head(v, H_ARRAY, json_array_size(roles));
		for (j = 0; j < json_array_size(roles); j++) {
			r = json_array_get(roles, j);
			id = -1;
			if (json_is_integer(r))
				id = json_integer_value(r);
			else if (json_is_string(r)) {
				s = json_string_value(r);
				if (corim)
					id = strcmp(s, "manifestCreator") == 0 ?
					    1 : strcmp(s, "manifestSigner") ==
					    0 ? 2 : -1;
				else
					id = strcmp(s, "tagCreator") == 0 ? 0 :
					    strcmp(s, "creator") == 0 ? 1 :
					    strcmp(s, "maintainer") == 0 ? 2 :
					    -1;
			}
			if (id < 0)
				return jbad(x, "entities[%zu]: unknown role",
				    i);
			cki_cb_int(v, id);
		}
		if (json_object_get(e, "cbor-extensions") != NULL)
			cb_exts(x, &m, json_object_get(e, "cbor-extensions"),
			    "entity");
		cki_mw_finish(&m, b);
	}
	return x->err;
}

static int
cb_comid(struct jx *x, struct cki_buf *b, json_t *o)
{
	struct cki_mapw m CKI_MAPW_SCOPED = { 0 };
	struct cki_mapw ti CKI_MAPW_SCOPED = { 0 };
	struct cki_mapw tr CKI_MAPW_SCOPED = { 0 };
	struct cki_mapw lk CKI_MAPW_SCOPED = { 0 };
	struct cki_buf *v, *w;
	json_t *e, *f, *t;
	const char *k, *s;
	size_t i;

	if (!json_is_object(o))
		return jbad(x, "a CoMID template is a JSON object");
	json_object_foreach(o, k, e) {
		if (strcmp(k, "lang") == 0) {
			if (need_string(x, e, "lang", &s) == CCAKIT_OK &&
			    (v = cki_mw_int(&m, 0)) != NULL)
				cb_cstr(v, s);
		} else if (strcmp(k, "tag-identity") == 0) {
			if ((v = cki_mw_int(&m, 1)) == NULL)
				break;
			if ((f = json_object_get(e, "id")) == NULL)
				return jbad(x, "tag-identity: missing id");
			if ((w = cki_mw_int(&ti, 0)) != NULL)
				cb_id(x, w, f, "tag-identity.id");
			/* version 0 is the default: Veraison omits it. */
			if ((f = json_object_get(e, "version")) != NULL) {
				if (!json_is_integer(f) ||
				    json_integer_value(f) < 0)
					return jbad(x, "tag-identity.version: "
					    "expected an unsigned integer");
				if (json_integer_value(f) != 0 &&
				    (w = cki_mw_int(&ti, 1)) != NULL)
					cki_cb_int(w, json_integer_value(f));
			}
			cki_mw_finish(&ti, v);
		} else if (strcmp(k, "entities") == 0) {
			if ((v = cki_mw_int(&m, 2)) != NULL)
				cb_entities(x, v, e, false);
		} else if (strcmp(k, "linked-tags") == 0) {
			if ((v = cki_mw_int(&m, 3)) == NULL)
				break;
			if (!json_is_array(e) || json_array_size(e) == 0)
				return jbad(x, "linked-tags: expected a "
				    "non-empty array");
			cki_cb_head(v, H_ARRAY, json_array_size(e));
			for (i = 0; i < json_array_size(e); i++) {
				f = json_array_get(e, i);
				memset(&lk, 0, sizeof(lk));
				if ((w = cki_mw_int(&lk, 0)) != NULL)
					cb_id(x, w, json_object_get(f,
					    "target"), "linked-tags.target");
				t = json_object_get(f, "rel");
				if ((w = cki_mw_int(&lk, 1)) == NULL)
					break;
				if (json_is_integer(t))
					cki_cb_int(w, json_integer_value(t));
				else if ((s = json_string_value(t)) != NULL &&
				    (strcmp(s, "supplements") == 0 ||
				    strcmp(s, "replaces") == 0))
					cki_cb_int(w, s[0] == 's' ? 0 : 1);
				else
					return jbad(x, "linked-tags.rel: "
					    "supplements or replaces");
				cki_mw_finish(&lk, v);
			}
		} else if (strcmp(k, "triples") == 0) {
			if ((v = cki_mw_int(&m, 4)) == NULL)
				break;
			if (!json_is_object(e))
				return jbad(x, "triples: expected an object");
			json_object_foreach(e, s, f) {
				if (x->err != 0)
					break;
				if (strcmp(s, "reference-values") == 0) {
					if ((w = cki_mw_int(&tr, 0)) != NULL)
						cb_vtriples(x, w, f, s);
				} else if (strcmp(s, "endorsed-values") == 0) {
					if ((w = cki_mw_int(&tr, 1)) != NULL)
						cb_vtriples(x, w, f, s);
				} else if (strcmp(s, "dev-identity-keys") ==
				    0) {
					if ((w = cki_mw_int(&tr, 2)) != NULL)
						cb_ktriples(x, w, f, s);
				} else if (strcmp(s,
				    "attester-verification-keys") == 0) {
					if ((w = cki_mw_int(&tr, 3)) != NULL)
						cb_ktriples(x, w, f, s);
				} else if (strcmp(s, "cbor-extensions") == 0)
					cb_exts(x, &tr, f, "triples");
				else
					return jbad(x, "triples: \"%.40s\" is "
					    "not supported in templates (use "
					    "cbor-extensions)", s);
			}
			cki_mw_finish(&tr, v);
		} else if (strcmp(k, "cbor-extensions") == 0)
			cb_exts(x, &m, e, "comid");
		else
			return jbad(x, "unknown member \"%.40s\"", k);
		if (x->err != 0)
			break;
	}
	cki_mw_finish(&m, b);
	if (b->err != 0 && x->err == 0)
		x->err = b->err;
	return x->err;
}

static int
load(struct jx *x, const char *json, size_t len, json_t **out)
{
	json_error_t e;

	if (len > CCAKIT_CORIM_MAX_JSON)
		return x->err = cki_detail(x->d, CCAKIT_ERR_TOO_LARGE, "json",
		    "template of %zu bytes, at most %d", len,
		    CCAKIT_CORIM_MAX_JSON);
	if ((*out = json_loadb(json, len, JSON_REJECT_DUPLICATES, &e)) ==
	    NULL)
		return jbad(x, "line %d: %s", e.line, e.text);
	return CCAKIT_OK;
}

int
ccakit_comid_from_json(const char *json, size_t len, ccakit_comid **out,
    struct ccakit_errdetail *d)
{
	struct jx x = { d, 0 };
	struct cki_buf b = { 0 };
	json_t *root = NULL;
	int r;

	if (out != NULL)
		*out = NULL;
	if (json == NULL || out == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (load(&x, json, len, &root) != CCAKIT_OK)
		return x.err;
	if (cb_comid(&x, &b, root) != CCAKIT_OK) {
		r = x.err;
		goto out;
	}
	r = ccakit_comid_decode(b.p, b.len, out, d);
 out:
	free(b.p);
	json_decref(root);
	return r;
}

int
ccakit_corim_from_json(const char *json, size_t len, ccakit_corim **out,
    struct ccakit_errdetail *d)
{
	struct jx x = { d, 0 };
	struct cki_buf b = { 0 };
	struct cki_mapw m CKI_MAPW_SCOPED = { 0 };
	struct cki_mapw vm CKI_MAPW_SCOPED = { 0 };
	struct cki_mapw lm CKI_MAPW_SCOPED = { 0 };
	struct cki_buf *v, *w;
	ccakit_corim *c = NULL;
	json_t *root = NULL, *e, *f;
	const char *k, *s, *t;
	uint8_t *copy;
	int64_t tm;
	size_t i;
	int r;

	if (out != NULL)
		*out = NULL;
	if (json == NULL || out == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (load(&x, json, len, &root) != CCAKIT_OK)
		return x.err;
	if (!json_is_object(root)) {
		r = jbad(&x, "a CoRIM template is a JSON object");
		goto out;
	}
	if (json_object_get(root, "corim-id") == NULL) {
		r = jbad(&x, "missing corim-id");
		goto out;
	}
	json_object_foreach(root, k, e) {
		if (x.err != 0)
			break;
		if (strcmp(k, "corim-id") == 0) {
			if ((v = cki_mw_int(&m, 0)) != NULL)
				cb_id(&x, v, e, "corim-id");
		} else if (strcmp(k, "profile") == 0) {
			if ((v = cki_mw_int(&m, 3)) == NULL)
				break;
			if (json_is_string(e))
				cb_cstr(v, json_string_value(e));
			else if (typed(&x, e, "profile", &t, &f) !=
			    CCAKIT_OK)
				break;
			else if (strcmp(t, "uri") == 0)
				cb_uri(&x, v, f, "profile");
			else if (strcmp(t, "oid") == 0)
				cb_oid(&x, v, f, "profile");
			else
				jbad(&x, "profile: type is uri or oid");
		} else if (strcmp(k, "validity") == 0) {
			if ((v = cki_mw_int(&m, 4)) == NULL)
				break;
			for (i = 0; i < 2; i++) {
				f = json_object_get(e, i == 0 ? "not-before" :
				    "not-after");
				if (f == NULL && i == 0)
					continue;
				if ((s = json_string_value(f)) == NULL ||
				    !rfc3339(s, &tm)) {
					jbad(&x, "validity.%s: expected an RFC "
					    "3339 time", i == 0 ? "not-before" :
					    "not-after");
					break;
				}
				if ((w = cki_mw_int(&vm, (int64_t)i)) != NULL) {
					cki_cb_head(w, H_TAG, CKI_TAG_EPOCH);
					cki_cb_int(w, tm);
				}
			}
			cki_mw_finish(&vm, v);
		} else if (strcmp(k, "dependent-rims") == 0) {
			if ((v = cki_mw_int(&m, 2)) == NULL)
				break;
			if (!json_is_array(e) || json_array_size(e) == 0) {
				jbad(&x, "dependent-rims: expected a non-empty "
				    "array");
				break;
			}
			cki_cb_head(v, H_ARRAY, json_array_size(e));
			for (i = 0; i < json_array_size(e); i++) {
				f = json_array_get(e, i);
				memset(&lm, 0, sizeof(lm));
				if ((w = cki_mw_int(&lm, 0)) != NULL)
					cb_uri(&x, w, json_object_get(f,
					    "href"), "dependent-rims.href");
				if (json_object_get(f, "thumbprint") != NULL &&
				    (w = cki_mw_int(&lm, 1)) != NULL)
					cb_digest(&x, w, json_object_get(f,
					    "thumbprint"),
					    "dependent-rims.thumbprint");
				cki_mw_finish(&lm, v);
			}
		} else if (strcmp(k, "entities") == 0) {
			if ((v = cki_mw_int(&m, 5)) != NULL)
				cb_entities(&x, v, e, true);
		} else if (strcmp(k, "cbor-extensions") == 0)
			cb_exts(&x, &m, e, "corim");
		else
			jbad(&x, "unknown member \"%.40s\"", k);
	}
	cki_mw_finish(&m, &b);
	if (x.err != 0 || b.err != 0) {
		r = x.err != 0 ? x.err : cki_detail(d, b.err, NULL, NULL);
		goto out;
	}
	if ((c = cki_corim_new()) == NULL ||
	    (copy = cki_corim_dup(&c->arena, b.p, b.len)) == NULL) {
		r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		goto out;
	}
	if ((r = cki_corim_decode_template(c, copy, b.len, d)) != CCAKIT_OK)
		goto out;
	*out = c;
	c = NULL;
 out:
	ccakit_corim_free(&c);
	free(b.p);
	json_decref(root);
	return r;
}

int
ccakit_corim_meta_from_json(const char *json, size_t len,
    struct ccakit_corim_meta *m, char **name, char **uri,
    struct ccakit_errdetail *d)
{
	struct jx x = { d, 0 };
	json_t *root = NULL, *sg, *va, *f;
	const char *s;
	int64_t t;

	if (name != NULL)
		*name = NULL;
	if (uri != NULL)
		*uri = NULL;
	if (json == NULL || m == NULL || name == NULL || uri == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	memset(m, 0, sizeof(*m));
	if (load(&x, json, len, &root) != CCAKIT_OK)
		return x.err;
	sg = json_object_get(root, "signer");
	if ((s = jstr(sg, "name")) == NULL) {
		jbad(&x, "meta: missing signer.name");
		goto out;
	}
	if ((*name = strdup(s)) == NULL) {
		x.err = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		goto out;
	}
	m->signer_name = *name;
	if ((s = jstr(sg, "uri")) != NULL) {
		if ((*uri = strdup(s)) == NULL) {
			x.err = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
			goto out;
		}
		m->signer_uri = *uri;
	}
	if ((va = json_object_get(root, "validity")) != NULL) {
		if ((f = json_object_get(va, "not-before")) != NULL) {
			if (!json_is_string(f) ||
			    !rfc3339(json_string_value(f), &t)) {
				jbad(&x, "meta: validity.not-before: expected "
				    "an RFC 3339 time");
				goto out;
			}
			m->has_not_before = true;
			m->not_before = t;
		}
		if ((f = json_object_get(va, "not-after")) == NULL ||
		    !json_is_string(f) || !rfc3339(json_string_value(f), &t)) {
			jbad(&x, "meta: validity.not-after: expected an RFC "
			    "3339 time");
			goto out;
		}
		m->has_not_after = true;
		m->not_after = t;
	}
 out:
	json_decref(root);
	if (x.err != 0) {
		free(*name);
		free(*uri);
		*name = *uri = NULL;
		memset(m, 0, sizeof(*m));
	}
	return x.err;
}

/* --- model to JSON --- */

static json_t *
b64(const uint8_t *p, size_t n, enum ccakit_b64 v)
{
	size_t sz = ccakit_b64_encoded_len(n, v) + 1;
	char *s = malloc(sz);
	json_t *j = NULL;

	if (s != NULL && ccakit_b64_encode(p, n, v, s, sz) == CCAKIT_OK)
		j = json_string(s);
	free(s);
	return j;
}

static json_t *
hex_json(const uint8_t *p, size_t n)
{
	char *s = malloc(2 * n + 1);
	json_t *j = NULL;

	if (s != NULL && ccakit_hex_encode(p, n, s, 2 * n + 1) == CCAKIT_OK)
		j = json_string(s);
	free(s);
	return j;
}

static json_t *
txt(const char *s, size_t n)
{
	return json_stringn(n > 0 ? s : "", n);
}

static json_t *
pair(const char *type, json_t *value)
{
	return json_pack("{s:s,s:o}", "type", type, "value", value);
}

static json_t *
raw_cbor(struct cki_ci c)
{
	return pair("cbor", hex_json(c.p, c.len));
}

static json_t *
oid_json(struct cki_arena *a, const struct ccakit_cbor_item *c)
{
	struct cki_buf b = { 0 };
	struct cki_ci ci;
	char *s;

	cki_cb_head(&b, H_TAG, CKI_TAG_OID);
	cki_cb_bstr(&b, c->data, (size_t)c->u);
	ci.p = b.p;
	ci.len = b.len;
	s = cki_corim_profile_string(a, ci);
	free(b.p);
	return s != NULL ? json_string(s) : NULL;
}

static json_t *
digest_json(const struct cki_digest *dg)
{
	return json_pack("[o,o]", dg->alg_text ?
	    txt(dg->alg_name.s, dg->alg_name.len) : json_integer(dg->alg),
	    b64(dg->val.ptr, dg->val.len, CCAKIT_B64_URL));
}

static json_t *
digests_json(const struct cki_digests *d)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < d->n; i++)
		json_array_append_new(a, digest_json(&d->v[i]));
	return a;
}

/* A digest item (#6.557 content etc.) back to JSON. */
static json_t *
digest_item_json(const struct ccakit_cbor_item *c)
{
	struct ccakit_cbor_item alg, val;
	struct ccakit_cbor_iter i;
	int64_t a;

	ccakit_cbor_iter_init(&i, c);
	if (!ccakit_cbor_iter_next(&i, &alg) ||
	    !ccakit_cbor_iter_next(&i, &val))
		return NULL;
	return json_pack("[o,o]", ccakit_cbor_get_int(&alg, &a) == CCAKIT_OK ?
	    json_integer(a) : txt((const char *)alg.data, (size_t)alg.u),
	    b64(val.data, (size_t)val.u, CCAKIT_B64_URL));
}

static json_t *
key_json(struct cki_ci k)
{
	struct ccakit_cbor_item c;
	uint64_t t;

	if (!cki_ci_tag(k, &t, &c))
		return raw_cbor(k);
	switch (t) {
	case CKI_TAG_PKIX_KEY:
		return pair("pkix-base64-key", txt((const char *)c.data,
		    (size_t)c.u));
	case CKI_TAG_PKIX_CERT:
		return pair("pkix-base64-cert", txt((const char *)c.data,
		    (size_t)c.u));
	case CKI_TAG_PKIX_CERT_PATH:
		return pair("pkix-base64-cert-path", txt((const char *)c.data,
		    (size_t)c.u));
	case CKI_TAG_KEY_THUMB:
		return pair("thumbprint", digest_item_json(&c));
	case CKI_TAG_CERT_THUMB:
		return pair("cert-thumbprint", digest_item_json(&c));
	case CKI_TAG_CERT_PATH_THUMB:
		return pair("cert-path-thumbprint", digest_item_json(&c));
	case CKI_TAG_COSE_KEY:
		return pair("cose-key", b64(c.enc, c.enclen, CCAKIT_B64_STD));
	case CKI_TAG_BYTES:
		return pair("bytes", b64(c.data, (size_t)c.u,
		    CCAKIT_B64_STD));
	case CKI_TAG_PKIX_ASN1DER:
		return pair("pkix-asn1der-cert", b64(c.data, (size_t)c.u,
		    CCAKIT_B64_STD));
	default:
		return raw_cbor(k);
	}
}

static json_t *
keys_json(const struct cki_ci *k, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, key_json(k[i]));
	return a;
}

static json_t *
uuid_json(const uint8_t *p)
{
	char s[37];

	uuid_str(p, s);
	return json_string(s);
}

static json_t *
envid_json(struct cki_arena *a, struct cki_ci id, bool instance)
{
	struct ccakit_cbor_item c;
	json_t *v;
	uint64_t t;

	if (!cki_ci_tag(id, &t, &c))
		return raw_cbor(id);
	if (t == CKI_TAG_BYTES && c.type == CCAKIT_CBOR_BSTR)
		return pair("bytes", b64(c.data, (size_t)c.u, CCAKIT_B64_STD));
	if (t == CKI_TAG_UUID && c.type == CCAKIT_CBOR_BSTR && c.u == 16)
		return pair("uuid", uuid_json(c.data));
	if (!instance && t == CKI_TAG_OID && c.type == CCAKIT_CBOR_BSTR &&
	    (v = oid_json(a, &c)) != NULL)
		return pair("oid", v);
	if (!instance && t == CKI_TAG_CCA_IMPL_ID &&
	    c.type == CCAKIT_CBOR_BSTR)
		return pair("psa.impl-id", b64(c.data, (size_t)c.u,
		    CCAKIT_B64_STD));
	if (instance && t == CKI_TAG_UEID && c.type == CCAKIT_CBOR_BSTR)
		return pair("ueid", b64(c.data, (size_t)c.u, CCAKIT_B64_STD));
	if (instance && t >= CKI_TAG_PKIX_KEY && t <= CKI_TAG_PKIX_ASN1DER)
		return key_json(id);
	return raw_cbor(id);
}

static json_t *
env_json(struct cki_arena *a, const struct cki_env *e)
{
	json_t *o = json_object(), *c;

	if (e->has_class) {
		c = json_object();
		if (e->class.id.p != NULL)
			json_object_set_new(c, "id", envid_json(a, e->class.id,
			    false));
		if (e->class.vendor.s != NULL)
			json_object_set_new(c, "vendor", txt(e->class.vendor.s,
			    e->class.vendor.len));
		if (e->class.model.s != NULL)
			json_object_set_new(c, "model", txt(e->class.model.s,
			    e->class.model.len));
		if (e->class.has_layer)
			json_object_set_new(c, "layer",
			    json_integer((json_int_t)e->class.layer));
		if (e->class.has_index)
			json_object_set_new(c, "index",
			    json_integer((json_int_t)e->class.index));
		json_object_set_new(o, "class", c);
	}
	if (e->instance.p != NULL)
		json_object_set_new(o, "instance", envid_json(a, e->instance,
		    true));
	if (e->group.p != NULL)
		json_object_set_new(o, "group", envid_json(a, e->group, true));
	return o;
}

static json_t *
mkey_json(struct cki_arena *a, struct cki_ci k)
{
	struct ccakit_cbor_item it, c, kk, v;
	struct ccakit_cbor_iter i;
	json_t *o;
	int64_t key;

	if (!cki_ci_item(k, &it))
		return NULL;
	if (it.type == CCAKIT_CBOR_TSTR)
		return pair("string", txt((const char *)it.data,
		    (size_t)it.u));
	if (it.type == CCAKIT_CBOR_UINT && it.u <= INT64_MAX)
		return pair("uint", json_integer((json_int_t)it.u));
	if (it.type == CCAKIT_CBOR_TAG) {
		ccakit_cbor_tag_content(&it, &c);
		if (it.u == CKI_TAG_UUID && c.u == 16)
			return pair("uuid", uuid_json(c.data));
		if (it.u == CKI_TAG_OID && (o = oid_json(a, &c)) != NULL)
			return pair("oid", o);
		if (it.u == CKI_TAG_CCA_CONFIG_ID &&
		    c.type == CCAKIT_CBOR_TSTR)
			return pair("cca.platform-config-id",
			    txt((const char *)c.data, (size_t)c.u));
		if (it.u == CKI_TAG_PSA_REFVAL_ID &&
		    c.type == CCAKIT_CBOR_MAP) {
			o = json_object();
			ccakit_cbor_iter_init(&i, &c);
			while (ccakit_cbor_iter_next(&i, &kk) &&
			    ccakit_cbor_iter_next(&i, &v)) {
				if (ccakit_cbor_get_int(&kk, &key) !=
				    CCAKIT_OK) {
					json_decref(o);
					return raw_cbor(k);
				}
				if (key == 1 && v.type == CCAKIT_CBOR_TSTR)
					json_object_set_new(o, "label",
					    txt((const char *)v.data,
					    (size_t)v.u));
				else if (key == 4 && v.type == CCAKIT_CBOR_TSTR)
					json_object_set_new(o, "version",
					    txt((const char *)v.data,
					    (size_t)v.u));
				else if (key == 5 && v.type == CCAKIT_CBOR_BSTR)
					json_object_set_new(o, "signer-id",
					    b64(v.data, (size_t)v.u,
					    CCAKIT_B64_STD));
				else {
					json_decref(o);
					return raw_cbor(k);
				}
			}
			return pair("psa.refval-id", o);
		}
	}
	return raw_cbor(k);
}

static json_t *
exts_json(const struct cki_exts *e)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < e->n; i++)
		json_array_append_new(a, json_pack("[o,o]",
		    hex_json(e->v[i].key.p, e->v[i].key.len),
		    hex_json(e->v[i].val.p, e->v[i].val.len)));
	return a;
}

static json_t *
mval_json(struct cki_arena *a, const struct cki_mval *m)
{
	json_t *o = json_object(), *v, *f;
	struct ccakit_cbor_item it, c, e;
	struct ccakit_cbor_iter ii;
	char buf[64];
	size_t i;

	if (m->present & CKI_MV_VERSION) {
		v = json_pack("{s:o}", "value", txt(m->version.s,
		    m->version.len));
		if (m->has_vscheme) {
			const char *name = NULL;

			for (i = 0; i < sizeof(vschemes) / sizeof(vschemes[0]);
			    i++)
				if (vschemes[i].id == m->vscheme)
					name = vschemes[i].name;
			json_object_set_new(v, "scheme", name != NULL ?
			    json_string(name) : json_integer(m->vscheme));
		}
		json_object_set_new(o, "version", v);
	}
	if ((m->present & CKI_MV_SVN) && cki_ci_item(m->svn, &it)) {
		if (it.type == CCAKIT_CBOR_UINT)
			json_object_set_new(o, "svn", pair("uint",
			    json_integer((json_int_t)it.u)));
		else {
			ccakit_cbor_tag_content(&it, &c);
			json_object_set_new(o, "svn", pair(it.u == CKI_TAG_SVN ?
			    "exact-value" : "min-value",
			    json_integer((json_int_t)c.u)));
		}
	}
	if (m->present & CKI_MV_DIGESTS)
		json_object_set_new(o, "digests", digests_json(&m->digests));
	if (m->present & CKI_MV_FLAGS) {
		f = json_object();
		for (i = 0; i < CKI_NFLAGS; i++)
			if (m->flags[i] != 0)
				json_object_set_new(f, flagnames[i],
				    json_boolean(m->flags[i] == 2));
		if (m->flags_ext.n > 0)
			json_object_set_new(f, "cbor-extensions",
			    exts_json(&m->flags_ext));
		json_object_set_new(o, "flags", f);
	}
	if ((m->present & CKI_MV_RAW) && cki_ci_item(m->raw, &it)) {
		ccakit_cbor_tag_content(&it, &c);
		if (it.u == CKI_TAG_BYTES)
			json_object_set_new(o, "raw-value", pair("bytes",
			    b64(c.data, (size_t)c.u, CCAKIT_B64_STD)));
		else if (it.u == CKI_TAG_MASKED_RAW) {
			struct ccakit_cbor_item val, mask;

			ccakit_cbor_iter_init(&ii, &c);
			(void)ccakit_cbor_iter_next(&ii, &val);
			(void)ccakit_cbor_iter_next(&ii, &mask);
			json_object_set_new(o, "raw-value", pair("masked",
			    json_pack("{s:o,s:o}", "value", b64(val.data,
			    (size_t)val.u, CCAKIT_B64_STD), "mask",
			    b64(mask.data, (size_t)mask.u,
			    CCAKIT_B64_STD))));
		} else
			json_object_set_new(o, "raw-value", raw_cbor(m->raw));
	}
	if (m->present & CKI_MV_RAW_MASK)
		json_object_set_new(o, "raw-value-mask", b64(m->raw_mask.ptr,
		    m->raw_mask.len, CCAKIT_B64_STD));
	if (m->present & CKI_MV_MAC) {
		for (i = 0; i < m->mac.len; i++)
			(void)snprintf(buf + 3 * i, 4, i + 1 < m->mac.len ?
			    "%02x:" : "%02x", m->mac.ptr[i]);
		json_object_set_new(o, "mac-addr", json_string(buf));
	}
	if (m->present & CKI_MV_IP) {
		if (inet_ntop(m->ip.len == 4 ? AF_INET : AF_INET6, m->ip.ptr,
		    buf, sizeof(buf)) != NULL)
			json_object_set_new(o, "ip-addr", json_string(buf));
	}
	if (m->present & CKI_MV_SERIAL)
		json_object_set_new(o, "serial-number", txt(m->serial.s,
		    m->serial.len));
	if (m->present & CKI_MV_UEID)
		json_object_set_new(o, "ueid", b64(m->ueid.ptr, m->ueid.len,
		    CCAKIT_B64_STD));
	if (m->present & CKI_MV_UUID)
		json_object_set_new(o, "uuid", uuid_json(m->uuid.ptr));
	if (m->present & CKI_MV_NAME)
		json_object_set_new(o, "name", txt(m->name.s, m->name.len));
	if (m->present & CKI_MV_CRYPTOKEYS)
		json_object_set_new(o, "cryptokeys", keys_json(m->keys,
		    m->n_keys));
	if (m->present & CKI_MV_IREGS) {
		v = json_object();
		for (i = 0; i < m->n_iregs; i++) {
			if (!cki_ci_item(m->iregs[i].key, &it))
				continue;
			if (it.type == CCAKIT_CBOR_UINT) {
				(void)snprintf(buf, sizeof(buf), "%llu",
				    (unsigned long long)it.u);
				json_object_set_new(v, buf, json_pack(
				    "{s:s,s:o}", "key-type", "uint", "value",
				    digests_json(&m->iregs[i].d)));
			} else {
				char *k = strndup((const char *)it.data,
				    (size_t)it.u);

				if (k != NULL)
					json_object_set_new(v, k, json_pack(
					    "{s:s,s:o}", "key-type", "text",
					    "value",
					    digests_json(&m->iregs[i].d)));
				free(k);
			}
		}
		json_object_set_new(o, "integrity-registers", v);
	}
	if ((m->present & CKI_MV_INT_RANGE) &&
	    cki_ci_item(m->int_range, &it)) {
		int64_t iv;

		if (ccakit_cbor_get_int(&it, &iv) == CCAKIT_OK)
			json_object_set_new(o, "int-range", json_integer(iv));
		else {
			ccakit_cbor_tag_content(&it, &c);
			v = json_object();
			ccakit_cbor_iter_init(&ii, &c);
			for (i = 0; ccakit_cbor_iter_next(&ii, &e); i++)
				json_object_set_new(v, i == 0 ? "min" : "max",
				    ccakit_cbor_get_int(&e, &iv) == CCAKIT_OK ?
				    json_integer(iv) : json_null());
			json_object_set_new(o, "int-range", v);
		}
	}
	if (m->ext.n > 0)
		json_object_set_new(o, "cbor-extensions", exts_json(&m->ext));
	(void)a;
	return o;
}

static json_t *
vtriples_json(struct cki_arena *a, const struct cki_vtriple *t, size_t n)
{
	json_t *arr = json_array(), *ms, *m;
	size_t i, j;

	for (i = 0; i < n; i++) {
		ms = json_array();
		for (j = 0; j < t[i].n; j++) {
			m = json_object();
			if (t[i].m[j].mkey.p != NULL)
				json_object_set_new(m, "key", mkey_json(a,
				    t[i].m[j].mkey));
			json_object_set_new(m, "value", mval_json(a,
			    &t[i].m[j].mval));
			if (t[i].m[j].has_authby)
				json_object_set_new(m, "authorized-by",
				    keys_json(t[i].m[j].authby,
				    t[i].m[j].n_authby));
			json_array_append_new(ms, m);
		}
		json_array_append_new(arr, json_pack("{s:o,s:o}",
		    "environment", env_json(a, &t[i].env), "measurements", ms));
	}
	return arr;
}

static json_t *
ktriples_json(struct cki_arena *a, const struct cki_ktriple *t, size_t n)
{
	json_t *arr = json_array(), *o;
	size_t i;

	for (i = 0; i < n; i++) {
		o = json_pack("{s:o,s:o}", "environment", env_json(a,
		    &t[i].env), "verification-keys", keys_json(t[i].keys,
		    t[i].n_keys));
		if (t[i].conditions.p != NULL)
			json_object_set_new(o, "conditions", json_pack("{s:o}",
			    "cbor", hex_json(t[i].conditions.p,
			    t[i].conditions.len)));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *
id_json(struct cki_ci id)
{
	struct ccakit_cbor_item it;

	if (!cki_ci_item(id, &it))
		return NULL;
	if (it.type == CCAKIT_CBOR_BSTR && it.u == 16)
		return uuid_json(it.data);
	return txt((const char *)it.data, (size_t)it.u);
}

static json_t *
uri_json(struct cki_ci u)
{
	struct ccakit_cbor_item c;
	uint64_t t;

	if (!cki_ci_tag(u, &t, &c) || c.type != CCAKIT_CBOR_TSTR)
		return hex_json(u.p, u.len);
	return txt((const char *)c.data, (size_t)c.u);
}

static json_t *
entities_json(const struct cki_entity *e, size_t n, bool corim)
{
	static const char *const corim_roles[] = { NULL, "manifestCreator",
	    "manifestSigner" };
	static const char *const comid_roles[] = { "tagCreator", "creator",
	    "maintainer" };
	json_t *a = json_array(), *o, *r;
	size_t i, k;
	const char *name;

	for (i = 0; i < n; i++) {
		o = json_pack("{s:o}", "name", txt(e[i].name.s,
		    e[i].name.len));
		if (e[i].regid.p != NULL)
			json_object_set_new(o, "regid", uri_json(e[i].regid));
		r = json_array();
		for (k = 0; k < e[i].n_roles; k++) {
			name = e[i].roles[k] > 2 ? NULL : corim ?
			    corim_roles[e[i].roles[k]] :
			    comid_roles[e[i].roles[k]];
			json_array_append_new(r, name != NULL ?
			    json_string(name) :
			    json_integer((json_int_t)e[i].roles[k]));
		}
		json_object_set_new(o, "roles", r);
		if (e[i].ext.n > 0)
			json_object_set_new(o, "cbor-extensions",
			    exts_json(&e[i].ext));
		json_array_append_new(a, o);
	}
	return a;
}

json_t *
cki_comid_json(const ccakit_comid *c)
{
	struct cki_arena *a = (struct cki_arena *)(uintptr_t)&c->arena;
	json_t *o = json_object(), *ti, *tr, *l;
	size_t i;

	if (c->lang.s != NULL)
		json_object_set_new(o, "lang", txt(c->lang.s, c->lang.len));
	ti = json_pack("{s:o}", "id", id_json(c->tag_id));
	json_object_set_new(ti, "version", json_integer(c->has_tag_version ?
	    (json_int_t)c->tag_version : 0));
	json_object_set_new(o, "tag-identity", ti);
	if (c->n_ent > 0)
		json_object_set_new(o, "entities", entities_json(c->ent,
		    c->n_ent, false));
	if (c->has_linked) {
		l = json_array();
		for (i = 0; i < c->n_linked; i++)
			json_array_append_new(l, json_pack("{s:o,s:o}",
			    "target", id_json(c->linked[i].id), "rel",
			    c->linked[i].rel == 0 ? json_string("supplements") :
			    c->linked[i].rel == 1 ? json_string("replaces") :
			    json_integer((json_int_t)c->linked[i].rel)));
		json_object_set_new(o, "linked-tags", l);
	}
	tr = json_object();
	if (c->t.has_ref)
		json_object_set_new(tr, "reference-values", vtriples_json(a,
		    c->t.ref, c->t.n_ref));
	if (c->t.has_end)
		json_object_set_new(tr, "endorsed-values", vtriples_json(a,
		    c->t.end, c->t.n_end));
	if (c->t.has_ident)
		json_object_set_new(tr, "dev-identity-keys", ktriples_json(a,
		    c->t.ident, c->t.n_ident));
	if (c->t.has_ak)
		json_object_set_new(tr, "attester-verification-keys",
		    ktriples_json(a, c->t.ak, c->t.n_ak));
	if (c->t.other.n > 0)
		json_object_set_new(tr, "cbor-extensions",
		    exts_json(&c->t.other));
	json_object_set_new(o, "triples", tr);
	if (c->ext.n > 0)
		json_object_set_new(o, "cbor-extensions", exts_json(&c->ext));
	return o;
}

static int
dump(json_t *j, char **out)
{
	if (j == NULL)
		return CCAKIT_ERR_NOMEM;
	*out = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	return *out == NULL ? CCAKIT_ERR_NOMEM : CCAKIT_OK;
}

int
ccakit_comid_to_json(const ccakit_comid *c, char **out)
{
	if (out != NULL)
		*out = NULL;
	if (c == NULL || out == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	return dump(cki_comid_json(c), out);
}

int
ccakit_corim_to_json(const ccakit_corim *c, bool expand, char **out)
{
	struct cki_arena *a;
	struct ccakit_cbor_item it, pc;
	json_t *o, *tags, *t, *deps, *v, *meta, *sig, *x5;
	uint64_t tag;
	size_t i;

	if (out != NULL)
		*out = NULL;
	if (c == NULL || out == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	a = (struct cki_arena *)(uintptr_t)&c->arena;
	o = json_object();
	json_object_set_new(o, "corim-id", id_json(c->id));
	if (c->profile.p != NULL && cki_ci_item(c->profile, &it)) {
		if (it.type == CCAKIT_CBOR_TSTR)
			json_object_set_new(o, "profile", json_string(
			    c->profile_str));
		else if (cki_ci_tag(c->profile, &tag, &pc) &&
		    tag == CKI_TAG_OID)
			json_object_set_new(o, "profile", pair("oid",
			    json_string(c->profile_str)));
		else
			json_object_set_new(o, "profile", pair("uri",
			    json_string(c->profile_str)));
	}
	if (c->has_validity) {
		v = json_object();
		if (c->has_nb)
			json_object_set_new(v, "not-before", time_json(c->nb));
		json_object_set_new(v, "not-after", time_json(c->na));
		json_object_set_new(o, "validity", v);
	}
	if (c->n_deps > 0) {
		deps = json_array();
		for (i = 0; i < c->n_deps; i++) {
			t = json_pack("{s:o}", "href", uri_json(
			    c->deps[i].href));
			if (c->deps[i].thumb.p != NULL &&
			    cki_ci_item(c->deps[i].thumb, &it))
				json_object_set_new(t, "thumbprint",
				    it.type == CCAKIT_CBOR_ARRAY && it.u == 2 ?
				    digest_item_json(&it) :
				    hex_json(c->deps[i].thumb.p,
				    c->deps[i].thumb.len));
			json_array_append_new(deps, t);
		}
		json_object_set_new(o, "dependent-rims", deps);
	}
	if (c->n_ent > 0)
		json_object_set_new(o, "entities", entities_json(c->ent,
		    c->n_ent, true));
	tags = json_array();
	for (i = 0; i < c->n_tags; i++) {
		const char *kind = c->tags[i].tag == CCAKIT_CORIM_TAG_COMID ?
		    "comid" : c->tags[i].tag == CCAKIT_CORIM_TAG_COSWID ?
		    "coswid" : c->tags[i].tag == CCAKIT_CORIM_TAG_COTS ?
		    "cots" : "cotl";

		if (expand && c->tags[i].comid != NULL)
			t = json_pack("{s:s,s:o}", "type", kind, "value",
			    cki_comid_json(c->tags[i].comid));
		else if (expand)
			t = json_pack("{s:s,s:o}", "type", kind, "value",
			    hex_json(c->tags[i].content.ptr,
			    c->tags[i].content.len));
		else
			t = b64(c->tags[i].content.ptr, c->tags[i].content.len,
			    CCAKIT_B64_STD);
		json_array_append_new(tags, t);
	}
	json_object_set_new(o, "tags", tags);
	if (c->ext.n > 0)
		json_object_set_new(o, "cbor-extensions", exts_json(&c->ext));
	if (c->is_signed) {
		meta = json_object();
		json_object_set_new(meta, "signer", json_pack("{s:o}", "name",
		    txt(c->signer_name.s, c->signer_name.len)));
		if (c->signer_uri.s != NULL)
			json_object_set_new(json_object_get(meta, "signer"),
			    "uri", txt(c->signer_uri.s, c->signer_uri.len));
		if (c->meta_has_na) {
			v = json_object();
			if (c->meta_has_nb)
				json_object_set_new(v, "not-before",
				    time_json(c->meta_nb));
			json_object_set_new(v, "not-after",
			    time_json(c->meta_na));
			json_object_set_new(meta, "validity", v);
		}
		sig = json_pack("{s:s}", "alg", ccakit_cose_alg_name(c->alg));
		if (c->kid.ptr != NULL)
			json_object_set_new(sig, "kid", b64(c->kid.ptr,
			    c->kid.len, CCAKIT_B64_STD));
		if (c->n_x5 > 0) {
			x5 = json_array();
			for (i = 0; i < c->n_x5; i++)
				json_array_append_new(x5, b64(c->x5chain[i].ptr,
				    c->x5chain[i].len, CCAKIT_B64_STD));
			json_object_set_new(sig, "x5chain", x5);
		}
		json_object_set_new(o, "meta", meta);
		json_object_set_new(o, "signature", sig);
	}
	(void)a;
	return dump(o, out);
}
