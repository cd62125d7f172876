/*
 * keybroker-server: parsers of the request bodies and URL parts. Pure
 * functions of their input (fuzzed by fuzz/fuzz_kb_keyreq.c and
 * fuzz/fuzz_kb_evidence.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include <ccakit/bytes.h>
#include <ccakit/cbor.h>
#include <ccakit/eventlog.h>
#include <ccakit/jose.h>

#include "kbs_parse.h"

bool
kbs_name_valid(const char *name)
{
	size_t i;
	char c;

	if (name == NULL || name[0] == '\0' || name[0] == '.')
		return false;
	for (i = 0; name[i] != '\0'; i++) {
		if (i >= KBS_NAME_MAX)
			return false;
		c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-'))
			return false;
	}
	return true;
}

int
kbs_parse_key_request(const uint8_t *body, size_t len, char **jwk,
    char *err, size_t errsz)
{
	json_error_t je;
	json_t *root = NULL, *pk;
	char *s = NULL;
	int r = -1;

	*jwk = NULL;
	if (len > KBS_KEYREQ_MAX) {
		snprintf(err, errsz, "key request larger than %d bytes",
		    KBS_KEYREQ_MAX);
		goto out;
	}
	root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		snprintf(err, errsz, "key request is not JSON: %s (line %d)",
		    je.text, je.line);
		goto out;
	}
	/* Other members are ignored, as serde ignores them upstream. */
	if (!json_is_object(root) ||
	    (pk = json_object_get(root, "pubkey")) == NULL) {
		snprintf(err, errsz, "key request has no \"pubkey\" member");
		goto out;
	}
	if (!json_is_object(pk)) {
		snprintf(err, errsz, "\"pubkey\" is not a JSON object");
		goto out;
	}
	if ((s = json_dumps(pk, JSON_COMPACT)) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	if (strlen(s) > CCAKIT_WRAPKEY_JWK_MAX) {
		snprintf(err, errsz, "\"pubkey\" larger than %d bytes",
		    CCAKIT_WRAPKEY_JWK_MAX);
		goto out;
	}
	*jwk = s;
	s = NULL;
	r = 0;
out:
	free(s);
	json_decref(root);
	return r;
}

int
kbs_parse_evidence(const uint8_t *body, size_t len, uint8_t **tok,
    size_t *toklen, char *err, size_t errsz)
{
	uint8_t *buf = NULL;
	size_t n;
	int r = -1, e;

	*tok = NULL;
	*toklen = 0;
	if (len == 0) {
		snprintf(err, errsz, "empty evidence");
		goto out;
	}
	if (len > KBS_EVIDENCE_MAX) {
		snprintf(err, errsz, "evidence larger than %d bytes",
		    KBS_EVIDENCE_MAX);
		goto out;
	}
	n = len / 4 * 3 + 3;
	if ((buf = malloc(n)) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	if ((e = ccakit_b64_decode((const char *)body, len, CCAKIT_B64_URL,
	    buf, n, &n)) != CCAKIT_OK) {
		snprintf(err, errsz, "evidence is not base64url without "
		    "padding: %s", ccakit_strerror(e));
		goto out;
	}
	if (n > KBS_CMW_MAX) {
		snprintf(err, errsz, "evidence larger than %d bytes",
		    KBS_CMW_MAX);
		goto out;
	}
	*tok = buf;
	*toklen = n;
	buf = NULL;
	r = 0;
out:
	free(buf);
	return r;
}

bool
kbs_parse_challenge_id(const char *s, uint32_t *id)
{
	uint64_t v = 0;
	size_t i;

	if (*s == '+')
		s++;
	if (*s == '\0')
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*id = (uint32_t)v;
	return true;
}

enum kbs_evidence_kind
kbs_media_type(const char *ct)
{
	if (ct == NULL)
		return KBS_EV_NONE;
	if (strcmp(ct, KBS_MEDIA_TYPE_CCA) == 0 ||
	    strcmp(ct, KBS_ACCEPT_CCA) == 0)
		return KBS_EV_CCA;
	if (strcmp(ct, KBS_MEDIA_TYPE_CMW) == 0)
		return KBS_EV_CMW;
	return KBS_EV_NONE;
}

/* RFC 9110 token characters. */
static bool
tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

bool
kbs_json_media_type(const char *ct)
{
	const char *t, *st;
	size_t n;

	if (ct == NULL)
		return false;
	for (t = ct; *t == ' ' || *t == '\t'; t++)
		;
	for (st = t; tchar(*st); st++)
		;
	if (st == t || *st++ != '/')
		return false;
	for (n = 0; tchar(st[n]); n++)
		;
	if (n == 0)
		return false;
	t = st + n;
	while (*t == ' ' || *t == '\t')
		t++;
	if (*t != '\0' && *t != ';')
		return false;
	return (n == 4 && strncasecmp(st, "json", 4) == 0) ||
	    (n > 5 && strncasecmp(st + n - 5, "+json", 5) == 0);
}

static bool
tstr_is(const struct ccakit_cbor_item *it, const char *s)
{
	return it->type == CCAKIT_CBOR_TSTR && it->u == strlen(s) &&
	    memcmp(it->data, s, it->u) == 0;
}

/* One CMW record [media type, content] into a malloc'd copy. */
static int
cmw_record(const struct ccakit_cbor_item *rec, const char *mt, uint8_t **out,
    size_t *outlen, char *err, size_t errsz)
{
	struct ccakit_cbor_iter it;
	struct ccakit_cbor_item t, c, b;
	uint8_t *buf;
	size_t n = 0;

	if (rec->type != CCAKIT_CBOR_ARRAY || rec->u != 2) {
		snprintf(err, errsz, "a CMW record is not [type, value]");
		return -1;
	}
	ccakit_cbor_iter_init(&it, rec);
	ccakit_cbor_iter_next(&it, &t);
	ccakit_cbor_iter_next(&it, &c);
	if (!tstr_is(&t, mt)) {
		snprintf(err, errsz, "a CMW record is not of type %s", mt);
		return -1;
	}
	if (c.type == CCAKIT_CBOR_BSTR) {
		n = (size_t)c.u;
		if ((buf = malloc(n > 0 ? n : 1)) == NULL)
			goto nomem;
		memcpy(buf, c.data, n);
	} else if (c.type == CCAKIT_CBOR_ARRAY) {
		/* serde's Vec<u8>: the parse capped the count already. */
		if ((buf = malloc(c.u > 0 ? (size_t)c.u : 1)) == NULL)
			goto nomem;
		ccakit_cbor_iter_init(&it, &c);
		while (ccakit_cbor_iter_next(&it, &b)) {
			if (b.type != CCAKIT_CBOR_UINT || b.u > 255) {
				free(buf);
				snprintf(err, errsz, "a CMW byte array holds "
				    "something other than bytes");
				return -1;
			}
			buf[n++] = (uint8_t)b.u;
		}
	} else {
		snprintf(err, errsz, "a CMW value is not a byte string");
		return -1;
	}
	if (n == 0) {
		free(buf);
		snprintf(err, errsz, "a CMW value is empty");
		return -1;
	}
	*out = buf;
	*outlen = n;
	return 0;
nomem:
	snprintf(err, errsz, "out of memory");
	return -1;
}

int
kbs_parse_cmw(const uint8_t *buf, size_t len, uint8_t **tok, size_t *toklen,
    uint8_t **log, size_t *loglen, char *err, size_t errsz)
{
	struct ccakit_cbor_limits lim = { 0, CCAKIT_TOKEN_MAX_SIZE + 16, 0 };
	struct ccakit_cbor_item top, k, v, ev, lg;
	struct ccakit_cbor_iter it;
	uint8_t *t = NULL, *l = NULL;
	size_t tl, ll, off = 0;
	bool have_ev = false, have_lg = false;
	int e;

	*tok = *log = NULL;
	*toklen = *loglen = 0;
	if ((e = ccakit_cbor_parse(buf, len, &lim, &top, &off)) != CCAKIT_OK) {
		snprintf(err, errsz, "evidence is not a CMW: %s at offset %zu",
		    ccakit_strerror(e), off);
		return -1;
	}
	if (top.type != CCAKIT_CBOR_MAP || top.u != 2) {
		snprintf(err, errsz, "the CMW is not a map of evidence and "
		    "event_log");
		return -1;
	}
	ccakit_cbor_iter_init(&it, &top);
	while (ccakit_cbor_iter_next(&it, &k) &&
	    ccakit_cbor_iter_next(&it, &v)) {
		if (tstr_is(&k, "evidence")) {
			ev = v;
			have_ev = true;
		} else if (tstr_is(&k, "event_log")) {
			lg = v;
			have_lg = true;
		}
	}
	if (!have_ev || !have_lg) {
		snprintf(err, errsz, "the CMW is not a map of evidence and "
		    "event_log");
		return -1;
	}
	if (cmw_record(&ev, KBS_MEDIA_TYPE_CCA, &t, &tl, err, errsz) != 0)
		return -1;
	if (tl > CCAKIT_TOKEN_MAX_SIZE) {
		free(t);
		snprintf(err, errsz, "token larger than %d bytes",
		    CCAKIT_TOKEN_MAX_SIZE);
		return -1;
	}
	if (cmw_record(&lg, KBS_MEDIA_TYPE_EVLOG, &l, &ll, err, errsz) != 0) {
		free(t);
		return -1;
	}
	*tok = t;
	*toklen = tl;
	*log = l;
	*loglen = ll;
	return 0;
}

void
kbs_images_free(struct ccakit_trusted_image *im, size_t n)
{
	size_t i;

	for (i = 0; im != NULL && i < n; i++) {
		free((void *)(uintptr_t)im[i].digest);
		free((void *)(uintptr_t)im[i].src.path);
	}
	free(im);
}

int
kbs_parse_images(const char *text, size_t len, const char *dir,
    struct ccakit_trusted_image **out, size_t *n, char *err, size_t errsz)
{
	struct ccakit_trusted_image *im = NULL, *t;
	const char *p = text, *end = text + len, *eol, *q, *path;
	uint8_t *dg = NULL;
	char *fp = NULL;
	size_t cnt = 0, cap = 0, hexlen, dlen, plen, line = 0;

	*out = NULL;
	*n = 0;
	for (; p < end; p = eol + 1) {
		line++;
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if (p == eol || *p == '#')
			continue;
		for (q = p; q < eol && ((*q >= '0' && *q <= '9') ||
		    (*q >= 'a' && *q <= 'f') || (*q >= 'A' && *q <= 'F')); q++)
			;
		hexlen = (size_t)(q - p);
		if ((hexlen != 64 && hexlen != 96 && hexlen != 128) ||
		    q + 2 > eol || q[0] != ' ' || (q[1] != ' ' && q[1] != '*'))
			goto bad;
		path = q + 2;
		plen = (size_t)(eol - path);
		if (plen == 0 || memchr(path, '\0', plen) != NULL)
			goto bad;
		if (cnt == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			if (cap > 4096 || (t = realloc(im, cap *
			    sizeof(*im))) == NULL) {
				snprintf(err, errsz, "too many images");
				goto fail;
			}
			im = t;
		}
		dlen = hexlen / 2;
		if ((dg = malloc(dlen)) == NULL ||
		    ccakit_hex_decode(p, hexlen, dg, dlen, &dlen) != CCAKIT_OK)
			goto bad;
		if ((fp = malloc(strlen(dir) + plen + 2)) == NULL)
			goto bad;
		if (path[0] == '/')
			snprintf(fp, plen + 1, "%.*s", (int)plen, path);
		else
			snprintf(fp, strlen(dir) + plen + 2, "%s/%.*s", dir,
			    (int)plen, path);
		memset(&im[cnt], 0, sizeof(im[cnt]));
		im[cnt].alg = dlen == 32 ? CCAKIT_TCG_ALG_SHA256 : dlen == 48 ?
		    CCAKIT_TCG_ALG_SHA384 : CCAKIT_TCG_ALG_SHA512;
		im[cnt].digest = dg;
		im[cnt].digest_len = dlen;
		im[cnt].src.kind = CCAKIT_SRC_PATH;
		im[cnt].src.path = fp;
		cnt++;
		dg = NULL;
		fp = NULL;
	}
	if (cnt == 0) {
		snprintf(err, errsz, "no image");
		goto fail;
	}
	*out = im;
	*n = cnt;
	return 0;
bad:
	snprintf(err, errsz, "line %zu: not \"<hex digest>  <path>\"", line);
fail:
	free(dg);
	free(fp);
	kbs_images_free(im, cnt);
	return -1;
}
