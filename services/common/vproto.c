/*
 * Veraison challenge-response protocol pieces without I/O: nonces, media
 * types, CMW records, session ids and the session document.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <openssl/rand.h>

#include <ccakit/bytes.h>
#include <ccakit/cbor.h>
#include <ccakit/err.h>

#include "util/util.h"
#include "vproto.h"

#define JWT_MAX (256 * 1024)

const char *const svc_v_media_types[] = {
	SVC_V_MT_CCA,
	SVC_V_MT_CMW_CBOR,
	SVC_V_MT_CMW_JSON,
	NULL,
};

int
svc_v_nonce_decode(const char *s, size_t len, uint8_t *out, size_t outsz,
    size_t *outlen)
{
	char buf[2 * SVC_V_NONCE_MAX + 8];
	uint8_t tmp[SVC_V_NONCE_MAX + 3];
	size_t i, n;

	/* 64 bytes are 88 characters of base64 at most, padded. */
	if (s == NULL || len == 0 || len >= sizeof(buf))
		return CCAKIT_ERR_ENCODING;
	for (i = 0; i < len; i++)
		buf[i] = s[i] == ' ' ? '+' : s[i];
	if (ccakit_b64_decode(buf, len, CCAKIT_B64_ANY, tmp, sizeof(tmp),
	    &n) != CCAKIT_OK)
		return CCAKIT_ERR_ENCODING;
	if (n < SVC_V_NONCE_MIN || n > SVC_V_NONCE_MAX) {
		ccakit_wipe(tmp, sizeof(tmp));
		return CCAKIT_ERR_CLAIM_VALUE;
	}
	if (n > outsz) {
		ccakit_wipe(tmp, sizeof(tmp));
		return CCAKIT_ERR_BUFFER_TOO_SMALL;
	}
	memcpy(out, tmp, n);
	*outlen = n;
	return CCAKIT_OK;
}

int
svc_v_nonce_enc_from_name(const char *name)
{
	if (strcmp(name, "std") == 0)
		return SVC_V_NONCE_STD;
	if (strcmp(name, "url") == 0)
		return SVC_V_NONCE_URL;
	if (strcmp(name, "url-nopad") == 0)
		return SVC_V_NONCE_URL_NOPAD;
	return -1;
}

/* RFC 9110 §5.6.2 tchar. */
static bool
is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~",
	    c) != NULL);
}

static const char *
skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* A token; returns its end, or NULL when empty. */
static const char *
token(const char *p)
{
	const char *q = p;

	while (is_tchar(*q))
		q++;
	return q == p ? NULL : q;
}

/*
 * A quoted-string into out (unescaped); returns the position after the
 * closing quote, or NULL.
 */
static const char *
quoted(const char *p, char *out, size_t outsz)
{
	size_t n = 0;

	if (*p++ != '"')
		return NULL;
	for (; *p != '"'; p++) {
		if (*p == '\\')
			p++;
		if (*p == '\0' || (unsigned char)*p < 0x20 || *p == 0x7f ||
		    n + 1 >= outsz)
			return NULL;
		out[n++] = *p;
	}
	out[n] = '\0';
	return p + 1;
}

static bool
span_eq(const char *p, const char *end, const char *s)
{
	size_t n = (size_t)(end - p);

	return strlen(s) == n && strncasecmp(p, s, n) == 0;
}

/* The subtypes of application/ that Veraison unwraps as a CMW. */
static const char *const cmw_subtypes[] = {
	"cmw", "cmw+json", "cmw+cbor",
	"vnd.veraison.cmw", "vnd.veraison.cmw+cbor", "vnd.veraison.cmw+json",
};

int
svc_v_media_split(const char *ct, struct svc_v_mt *out)
{
	const char *p, *t, *te, *st, *se, *pn, *pe;
	char val[sizeof(out->profile)];
	size_t n;

	memset(out, 0, sizeof(*out));
	if (ct == NULL)
		return CCAKIT_ERR_ENCODING;
	p = skip_ows(ct);
	t = p;
	if ((te = token(t)) == NULL || *te != '/')
		return CCAKIT_ERR_ENCODING;
	st = te + 1;
	if ((se = token(st)) == NULL)
		return CCAKIT_ERR_ENCODING;
	if ((size_t)(te - t) >= sizeof(out->type) ||
	    (size_t)(se - st) >= sizeof(out->subtype))
		return CCAKIT_ERR_ENCODING;
	for (n = 0; t + n < te; n++)
		out->type[n] = (char)tolower((unsigned char)t[n]);
	for (n = 0; st + n < se; n++)
		out->subtype[n] = (char)tolower((unsigned char)st[n]);
	p = skip_ows(se);
	while (*p == ';') {
		p = skip_ows(p + 1);
		pn = p;
		if ((pe = token(pn)) == NULL || *pe != '=')
			return CCAKIT_ERR_ENCODING;
		p = pe + 1;
		if (*p == '"') {
			if ((p = quoted(p, val, sizeof(val))) == NULL)
				return CCAKIT_ERR_ENCODING;
		} else {
			const char *ve = token(p);

			if (ve == NULL || (n = (size_t)(ve - p)) >= sizeof(val))
				return CCAKIT_ERR_ENCODING;
			memcpy(val, p, n);
			val[n] = '\0';
			p = ve;
		}
		if (span_eq(pn, pe, "profile")) {
			if (out->has_profile)
				return CCAKIT_ERR_ENCODING;
			out->has_profile = true;
			memcpy(out->profile, val, sizeof(val));
		} else {
			out->other_param = true;
		}
		p = skip_ows(p);
	}
	if (*p != '\0')
		return CCAKIT_ERR_ENCODING;
	return CCAKIT_OK;
}

int
svc_v_media_parse(const char *ct, enum svc_v_media *kind)
{
	struct svc_v_mt mt;
	size_t n;
	int r;

	if ((r = svc_v_media_split(ct, &mt)) != CCAKIT_OK)
		return r;
	if (strcmp(mt.type, "application") != 0)
		return CCAKIT_ERR_NOT_FOUND;
	if (strcmp(mt.subtype, "eat-collection") == 0 && mt.has_profile &&
	    strcmp(mt.profile, "http://arm.com/CCA-SSD/1.0.0") == 0 &&
	    !mt.other_param) {
		*kind = SVC_V_MEDIA_CCA;
		return CCAKIT_OK;
	}
	/* Veraison's CMW types, without parameters. */
	for (n = 0; !mt.has_profile && !mt.other_param &&
	    n < sizeof(cmw_subtypes) / sizeof(cmw_subtypes[0]); n++)
		if (strcmp(mt.subtype, cmw_subtypes[n]) == 0) {
			*kind = SVC_V_MEDIA_CMW;
			return CCAKIT_OK;
		}
	return CCAKIT_ERR_NOT_FOUND;
}

/*
 * The type member of a CMW record, copied into type: a media type
 * string that names CCA evidence. A media type that does not parse is
 * CCAKIT_ERR_ENCODING (Veraison: 400), another type CCAKIT_ERR_NOT_FOUND
 * (415).
 */
static int
cmw_type(const char *s, size_t len, char *type, struct ccakit_errdetail *d)
{
	enum svc_v_media k;
	int r;

	if (len > SVC_V_MEDIA_TYPE_MAX || memchr(s, '\0', len) != NULL)
		return cki_detail(d, CCAKIT_ERR_ENCODING, "cmw",
		    "record type is not a media type");
	memcpy(type, s, len);
	type[len] = '\0';
	if ((r = svc_v_media_parse(type, &k)) == CCAKIT_ERR_ENCODING)
		return cki_detail(d, r, "cmw", "record type is not a media "
		    "type");
	if (r != CCAKIT_OK || k != SVC_V_MEDIA_CCA)
		return cki_detail(d, CCAKIT_ERR_NOT_FOUND, "cmw",
		    "record type is not CCA evidence");
	return CCAKIT_OK;
}

/* A record type that is a number is a CoAP Content-Format: none is CCA's. */
static int
cmw_cf_type(bool uint16, struct ccakit_errdetail *d)
{
	if (!uint16)
		return cki_detail(d, CCAKIT_ERR_ENCODING, "cmw",
		    "record type is neither a media type nor a "
		    "Content-Format");
	return cki_detail(d, CCAKIT_ERR_NOT_FOUND, "cmw",
	    "record type is a Content-Format, not CCA evidence");
}

static int
cmw_cbor(const uint8_t *body, size_t len, const uint8_t **ev, size_t *evlen,
    char *type, struct ccakit_errdetail *d)
{
	struct ccakit_cbor_item top, it;
	struct ccakit_cbor_iter iter;
	struct ccakit_cbor_limits lim = { 4, 8, 0 };
	const uint8_t *v = NULL;
	size_t vlen = 0;
	int r;

	if ((r = ccakit_cbor_parse(body, len, &lim, &top, NULL)) != CCAKIT_OK)
		return cki_detail(d, r, "cmw", "%s", ccakit_strerror(r));
	if (top.type != CCAKIT_CBOR_ARRAY || top.u < 2 || top.u > 3)
		return cki_detail(d, CCAKIT_ERR_ENCODING, "cmw",
		    "not a CMW record [type, value, ?ind]");
	ccakit_cbor_iter_init(&iter, &top);
	(void)ccakit_cbor_iter_next(&iter, &it);
	if (it.type == CCAKIT_CBOR_UINT)
		return cmw_cf_type(it.u <= UINT16_MAX, d);
	if (it.type != CCAKIT_CBOR_TSTR)
		return cmw_cf_type(false, d);
	if ((r = cmw_type((const char *)it.data, (size_t)it.u, type, d)) !=
	    CCAKIT_OK)
		return r;
	if (!ccakit_cbor_iter_next(&iter, &it) ||
	    it.type != CCAKIT_CBOR_BSTR)
		return cki_detail(d, CCAKIT_ERR_ENCODING, "cmw",
		    "record value is not a byte string");
	v = it.data;
	vlen = (size_t)it.u;
	if (ccakit_cbor_iter_next(&iter, &it) && it.type != CCAKIT_CBOR_UINT)
		return cki_detail(d, CCAKIT_ERR_ENCODING, "cmw",
		    "record indicator is not an unsigned integer");
	if (vlen == 0)
		return cki_detail(d, CCAKIT_ERR_ENCODING, "cmw",
		    "empty record value");
	*ev = v;
	*evlen = vlen;
	return CCAKIT_OK;
}

static int
cmw_json(const uint8_t *body, size_t len, uint8_t **copy, size_t *evlen,
    char *type, struct ccakit_errdetail *d)
{
	json_error_t je;
	json_t *j, *t, *v, *ind;
	uint8_t *buf = NULL;
	size_t n, vl;
	int r = CCAKIT_ERR_INTERNAL;

	j = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL)
		return cki_detail(d, CCAKIT_ERR_JSON, "cmw", "%s", je.text);
	if (!json_is_array(j) || json_array_size(j) < 2 ||
	    json_array_size(j) > 3) {
		r = cki_detail(d, CCAKIT_ERR_JSON, "cmw",
		    "not a CMW record [type, value, ?ind]");
		goto out;
	}
	t = json_array_get(j, 0);
	v = json_array_get(j, 1);
	ind = json_array_get(j, 2);
	if (!json_is_string(t)) {
		r = cmw_cf_type(json_is_integer(t) &&
		    json_integer_value(t) >= 0 &&
		    json_integer_value(t) <= UINT16_MAX, d);
		goto out;
	}
	if ((r = cmw_type(json_string_value(t), json_string_length(t), type,
	    d)) != CCAKIT_OK)
		goto out;
	if (!json_is_string(v) || (vl = json_string_length(v)) == 0 ||
	    (ind != NULL && (!json_is_integer(ind) ||
	    json_integer_value(ind) < 0))) {
		r = cki_detail(d, CCAKIT_ERR_JSON, "cmw",
		    "record value is not a string, or bad indicator");
		goto out;
	}
	if (vl > (size_t)SVC_V_EVIDENCE_MAX / 3 * 4 + 4) {
		r = cki_detail(d, CCAKIT_ERR_TOO_LARGE, "cmw",
		    "record value too large");
		goto out;
	}
	if ((buf = malloc(vl)) == NULL) {
		r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		goto out;
	}
	if (ccakit_b64_decode(json_string_value(v), vl, CCAKIT_B64_URL, buf,
	    vl, &n) != CCAKIT_OK || n == 0) {
		r = cki_detail(d, CCAKIT_ERR_ENCODING, "cmw",
		    "record value is not base64url");
		goto out;
	}
	*copy = buf;
	*evlen = n;
	buf = NULL;
	r = CCAKIT_OK;
out:
	free(buf);
	json_decref(j);
	return r;
}

/*
 * A CMW collection (JSON object, CBOR map) or a CBOR-tag CMW (a tag
 * derived from a CoAP Content-Format, RFC 9277, around a byte string)
 * carries no record of the CCA type: CCAKIT_ERR_NOT_FOUND when it is
 * well formed, as Veraison answers 415 after decoding it.
 */
#define CMW_TN_MIN 1668546817u          /* TN(0) */
#define CMW_TN_MAX 1668612095u          /* TN(65024) */

static int
cmw_other(const uint8_t *body, size_t len, struct ccakit_errdetail *d)
{
	struct ccakit_cbor_item top, c;
	json_error_t je;
	json_t *j;
	bool ok;
	int r;

	if (body[0] == '{') {
		if ((j = json_loadb((const char *)body, len,
		    JSON_REJECT_DUPLICATES, &je)) == NULL)
			return cki_detail(d, CCAKIT_ERR_JSON, "cmw", "%s",
			    je.text);
		json_decref(j);
		return cki_detail(d, CCAKIT_ERR_NOT_FOUND, "cmw",
		    "a CMW collection, not a record of CCA evidence");
	}
	if ((r = ccakit_cbor_parse(body, len, NULL, &top, NULL)) != CCAKIT_OK)
		return cki_detail(d, r, "cmw", "%s", ccakit_strerror(r));
	if (top.type == CCAKIT_CBOR_MAP)
		return cki_detail(d, CCAKIT_ERR_NOT_FOUND, "cmw",
		    "a CMW collection, not a record of CCA evidence");
	ok = top.type == CCAKIT_CBOR_TAG && top.u >= CMW_TN_MIN &&
	    top.u <= CMW_TN_MAX;
	if (ok) {
		ccakit_cbor_tag_content(&top, &c);
		ok = c.type == CCAKIT_CBOR_BSTR;
	}
	if (!ok)
		return cki_detail(d, CCAKIT_ERR_ENCODING, "cmw",
		    "not a CMW (record, collection or tag)");
	return cki_detail(d, CCAKIT_ERR_NOT_FOUND, "cmw",
	    "a CMW tag (a Content-Format), not CCA evidence");
}

int
svc_v_cmw_unwrap(const uint8_t *body, size_t len, const uint8_t **ev,
    size_t *evlen, uint8_t **copy, char type[SVC_V_MEDIA_TYPE_MAX + 1],
    struct ccakit_errdetail *d)
{
	uint8_t *c = NULL;
	size_t n;
	int r;

	*copy = NULL;
	if (body == NULL || len == 0)
		return cki_detail(d, CCAKIT_ERR_ENCODING, "cmw", "empty");
	if (len > SVC_V_BODY_MAX)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "cmw", "too large");
	/* The form from the first byte, as Veraison's CMW library does. */
	switch (body[0]) {
	case '[':
		if ((r = cmw_json(body, len, &c, &n, type, d)) != CCAKIT_OK)
			return r;
		*ev = c;
		*evlen = n;
		*copy = c;
		return CCAKIT_OK;
	case 0x82:
	case 0x83:
	case 0x9f:
		return cmw_cbor(body, len, ev, evlen, type, d);
	default:
		if (body[0] == '{' || (body[0] >= 0xa0 && body[0] <= 0xbb) ||
		    body[0] == 0xbf || body[0] >= 0xda)
			return cmw_other(body, len, d);
		return cki_detail(d, CCAKIT_ERR_ENCODING, "cmw",
		    "not a CMW: unexpected first byte 0x%02x", body[0]);
	}
}

/* 16 bytes as a lower-case UUID. */
static int
uuid_text(const uint8_t b[16], char out[SVC_V_SESSION_ID_LEN + 1])
{
	char hex[33];

	if (ccakit_hex_encode(b, 16, hex, sizeof(hex)) != CCAKIT_OK)
		return CCAKIT_ERR_INTERNAL;
	snprintf(out, SVC_V_SESSION_ID_LEN + 1, "%.8s-%.4s-%.4s-%.4s-%.12s",
	    hex, hex + 8, hex + 12, hex + 16, hex + 20);
	return CCAKIT_OK;
}

int
svc_v_uuid(char out[SVC_V_SESSION_ID_LEN + 1])
{
	uint8_t b[16];

	if (RAND_bytes(b, sizeof(b)) != 1)
		return CCAKIT_ERR_CRYPTO;
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);         /* version 4 */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);         /* RFC 9562 variant */
	return uuid_text(b, out);
}

bool
svc_v_uuid_valid(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != SVC_V_SESSION_ID_LEN)
		return false;
	for (i = 0; i < SVC_V_SESSION_ID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f'))) {
			return false;
		}
	}
	return true;
}

bool
svc_v_uuid_parse(const char *s, char out[SVC_V_SESSION_ID_LEN + 1])
{
	char hex[33];
	uint8_t b[16];
	size_t len, i, n = 0, end = SVC_V_SESSION_ID_LEN;

	if (s == NULL)
		return false;
	len = strlen(s);
	if (len == SVC_V_SESSION_ID_LEN + 9) {
		if (strncasecmp(s, "urn:uuid:", 9) != 0)
			return false;
		s += 9;
	} else if (len == SVC_V_SESSION_ID_LEN + 2) {
		s++;    /* Go skips the first byte and ignores the last */
	} else if (len == 32) {
		end = 32;
	} else if (len != SVC_V_SESSION_ID_LEN) {
		return false;
	}
	for (i = 0; i < end; i++) {
		if (end != 32 && (i == 8 || i == 13 || i == 18 || i == 23)) {
			if (s[i] != '-')
				return false;
			continue;
		}
		hex[n++] = s[i];
	}
	if (ccakit_hex_decode(hex, 32, b, sizeof(b), &n) != CCAKIT_OK ||
	    n != sizeof(b))
		return false;
	return uuid_text(b, out) == CCAKIT_OK;
}

const char *
svc_v_status_name(enum svc_v_status s)
{
	switch (s) {
	case SVC_V_WAITING:
		return "waiting";
	case SVC_V_PROCESSING:
		return "processing";
	case SVC_V_COMPLETE:
		return "complete";
	case SVC_V_FAILED:
		return "failed";
	}
	return "unknown";
}

void
svc_v_session_clear(struct svc_v_session *s)
{
	if (s == NULL)
		return;
	free(s->media_type);
	if (s->evidence != NULL)
		ccakit_wipe(s->evidence, s->evidence_len);
	free(s->evidence);
	free(s->result);
	ccakit_wipe(s, sizeof(*s));
}

/* RFC 3339 in UTC with milliseconds, trailing zeros trimmed as Go's
 * RFC3339Nano does. */
static void
rfc3339(int64_t ms, char *out, size_t outsz)
{
	time_t t = (time_t)(ms / 1000);
	int frac = (int)(ms % 1000);
	struct tm tm;
	char f[8];
	size_t n;

	if (frac < 0) {
		frac += 1000;
		t--;
	}
	gmtime_r(&t, &tm);
	n = strftime(out, outsz, "%Y-%m-%dT%H:%M:%S", &tm);
	f[0] = '\0';
	if (frac != 0) {
		snprintf(f, sizeof(f), ".%03d", frac);
		while (f[strlen(f) - 1] == '0')
			f[strlen(f) - 1] = '\0';
	}
	snprintf(out + n, outsz - n, "%sZ", f);
}

static json_t *
b64_json(const uint8_t *p, size_t len, enum ccakit_b64 v, bool pad)
{
	size_t cap = ccakit_b64_encoded_len(len, CCAKIT_B64_STD) + 1, n;
	json_t *j = NULL;
	char *s;

	if ((s = malloc(cap)) == NULL)
		return NULL;
	if (ccakit_b64_encode(p, len, v, s, cap) == CCAKIT_OK) {
		if (pad)
			for (n = strlen(s); n % 4 != 0; n++)
				s[n] = '=';
		else
			n = strlen(s);
		j = json_stringn(s, n);
	}
	free(s);
	return j;
}

/* json_object_set_new that always consumes v (even when o is NULL). */
static int
set_new(json_t *o, const char *k, json_t *v)
{
	if (o == NULL || v == NULL) {
		json_decref(v);
		return -1;
	}
	return json_object_set_new(o, k, v);
}

int
svc_v_session_to_json(const struct svc_v_session *s,
    enum svc_v_nonce_enc enc, char **out)
{
	json_t *j, *acc, *ev, *nonce;
	char when[48], *txt;
	size_t i;
	int r = CCAKIT_ERR_NOMEM, bad = 0;

	*out = NULL;
	switch (enc) {
	case SVC_V_NONCE_URL:
		nonce = b64_json(s->nonce, s->nonce_len, CCAKIT_B64_URL, true);
		break;
	case SVC_V_NONCE_URL_NOPAD:
		nonce = b64_json(s->nonce, s->nonce_len, CCAKIT_B64_URL, false);
		break;
	default:
		nonce = b64_json(s->nonce, s->nonce_len, CCAKIT_B64_STD, false);
		break;
	}
	rfc3339(s->expires_ms, when, sizeof(when));
	j = json_object();
	bad |= set_new(j, "status", json_string(svc_v_status_name(s->status)));
	bad |= set_new(j, "nonce", nonce);
	bad |= set_new(j, "expiry", json_string(when));
	acc = json_array();
	for (i = 0; acc != NULL && svc_v_media_types[i] != NULL; i++)
		bad |= json_array_append_new(acc,
		    json_string(svc_v_media_types[i]));
	bad |= set_new(j, "accept", acc);
	if (s->media_type != NULL && s->evidence != NULL) {
		ev = json_object();
		bad |= set_new(ev, "type", json_string(s->media_type));
		bad |= set_new(ev, "value", b64_json(s->evidence,
		    s->evidence_len, CCAKIT_B64_STD, false));
		bad |= set_new(j, "evidence", ev);
	}
	if (s->result != NULL)
		bad |= set_new(j, "result", json_string(s->result));
	if (bad == 0 && (txt = json_dumps(j, JSON_COMPACT)) != NULL) {
		*out = txt;
		r = CCAKIT_OK;
	}
	json_decref(j);
	return r;
}

int
svc_v_session_from_json(const char *json, size_t len,
    struct svc_v_session *s, struct ccakit_errdetail *d)
{
	struct svc_v_session t;
	json_error_t je;
	json_t *j, *st, *nonce, *res;
	const char *name;
	int r, i;

	memset(&t, 0, sizeof(t));
	if (len > SVC_V_SESSION_JSON_MAX)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "session", NULL);
	j = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL)
		return cki_detail(d, CCAKIT_ERR_JSON, "session", "%s", je.text);
	if (!json_is_object(j)) {
		r = cki_detail(d, CCAKIT_ERR_JSON, "session",
		    "not a JSON object");
		goto out;
	}
	st = json_object_get(j, "status");
	nonce = json_object_get(j, "nonce");
	res = json_object_get(j, "result");
	if (!json_is_string(st)) {
		r = cki_detail(d, CCAKIT_ERR_JSON, "status", "missing");
		goto out;
	}
	name = json_string_value(st);
	for (i = SVC_V_WAITING; i <= SVC_V_FAILED; i++)
		if (strcmp(name, svc_v_status_name((enum svc_v_status)i)) ==
		    0)
			break;
	if (i > SVC_V_FAILED) {
		r = cki_detail(d, CCAKIT_ERR_JSON, "status", "unknown status");
		goto out;
	}
	t.status = (enum svc_v_status)i;
	if (nonce != NULL && !json_is_null(nonce) && (!json_is_string(nonce) ||
	    svc_v_nonce_decode(json_string_value(nonce),
	    json_string_length(nonce), t.nonce, sizeof(t.nonce),
	    &t.nonce_len) != CCAKIT_OK)) {
		r = cki_detail(d, CCAKIT_ERR_ENCODING, "nonce",
		    "not base64 of 8..64 bytes");
		goto out;
	}
	if (res != NULL && !json_is_null(res)) {
		if (!json_is_string(res) || json_string_length(res) == 0 ||
		    json_string_length(res) > JWT_MAX ||
		    strlen(json_string_value(res)) !=
		    json_string_length(res)) {
			r = cki_detail(d, CCAKIT_ERR_JSON, "result",
			    "not a JWT string");
			goto out;
		}
		if ((t.result = strdup(json_string_value(res))) == NULL) {
			r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
			goto out;
		}
	}
	*s = t;
	memset(&t, 0, sizeof(t));
	r = CCAKIT_OK;
out:
	svc_v_session_clear(&t);
	json_decref(j);
	return r;
}
