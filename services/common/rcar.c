/* RCAR 0.4.0 messages (see rcar.h, docs/kbs.md). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <ccakit/bytes.h>
#include <ccakit/jcs.h>

#include "jscan.h"
#include "rcar.h"

static const char *const tee_names[RCAR_TEE_COUNT] = {
	[RCAR_TEE_AZ_SNP_VTPM] = "az-snp-vtpm",
	[RCAR_TEE_AZ_TDX_VTPM] = "az-tdx-vtpm",
	[RCAR_TEE_NVIDIA] = "nvidia",
	[RCAR_TEE_SGX] = "sgx",
	[RCAR_TEE_SNP] = "snp",
	[RCAR_TEE_TDX] = "tdx",
	[RCAR_TEE_CCA] = "cca",
	[RCAR_TEE_CSV] = "csv",
	[RCAR_TEE_SE] = "se",
	[RCAR_TEE_HYGONDCU] = "hygondcu",
	[RCAR_TEE_TPM] = "tpm",
	[RCAR_TEE_SAMPLE] = "sample",
	[RCAR_TEE_SAMPLEDEVICE] = "sampledevice",
	[RCAR_TEE_NVIDIA_DPU] = "nvidia-dpu",
};

const char *
rcar_tee_name(enum rcar_tee tee)
{
	if ((unsigned)tee >= RCAR_TEE_COUNT)
		return NULL;
	return tee_names[tee];
}

int
rcar_tee_parse(const char *name, enum rcar_tee *out)
{
	unsigned i;

	for (i = 0; i < RCAR_TEE_COUNT; i++)
		if (strcmp(name, tee_names[i]) == 0) {
			*out = (enum rcar_tee)i;
			return 0;
		}
	return -1;
}

static const char *const hash_names[] = {
	"sha256", "sha384", "sha512", "sm3",
};

const char *
rcar_hash_name(enum rcar_hash h)
{
	if ((unsigned)h > RCAR_HASH_SM3)
		return NULL;
	return hash_names[h];
}

int
rcar_hash_parse(const char *name, bool nocase, enum rcar_hash *out)
{
	unsigned i;

	for (i = 0; i <= RCAR_HASH_SM3; i++)
		if (nocase ? strcasecmp(name, hash_names[i]) == 0 :
		    strcmp(name, hash_names[i]) == 0) {
			*out = (enum rcar_hash)i;
			return 0;
		}
	return -1;
}

size_t
rcar_hash_len(enum rcar_hash h)
{
	switch (h) {
	case RCAR_HASH_SHA384: return 48;
	case RCAR_HASH_SHA512: return 64;
	default: return 32;
	}
}

int
rcar_hash(enum rcar_hash h, const void *p, size_t len,
    uint8_t out[RCAR_HASH_MAX], size_t *outlen)
{
	const char *name;
	EVP_MD *md;
	unsigned n = 0;
	int ok;

	switch (h) {
	case RCAR_HASH_SHA256: name = "SHA256"; break;
	case RCAR_HASH_SHA384: name = "SHA384"; break;
	case RCAR_HASH_SHA512: name = "SHA512"; break;
	case RCAR_HASH_SM3: name = "SM3"; break;
	default: return CCAKIT_ERR_INVALID_ARG;
	}
	if ((md = EVP_MD_fetch(NULL, name, NULL)) == NULL)
		return CCAKIT_ERR_CRYPTO;
	ok = EVP_Digest(p, len, out, &n, md, NULL);
	EVP_MD_free(md);
	if (ok != 1)
		return CCAKIT_ERR_CRYPTO;
	*outlen = n;
	return CCAKIT_OK;
}

/* --- semantic versions --- */

/* A numeric identifier: digits, no leading zero. */
static const char *
semver_number(const char *p, unsigned long long *v)
{
	const char *s = p;

	*v = 0;
	if (!isdigit((unsigned char)*p))
		return NULL;
	if (*p == '0' && isdigit((unsigned char)p[1]))
		return NULL;
	while (isdigit((unsigned char)*p)) {
		if (*v > (~0ULL - 9) / 10)
			return NULL;
		*v = *v * 10 + (unsigned)(*p++ - '0');
	}
	return p > s ? p : NULL;
}

/* Dot-separated identifiers of [0-9A-Za-z-] up to end or stop;
 * numeric ones without leading zeros when strict. */
static const char *
semver_idents(const char *p, char stop, bool strict)
{
	const char *start;
	bool digits;

	for (;;) {
		start = p;
		digits = true;
		while (isalnum((unsigned char)*p) || *p == '-') {
			if (!isdigit((unsigned char)*p))
				digits = false;
			p++;
		}
		if (p == start)
			return NULL;
		if (strict && digits && *start == '0' && p - start > 1)
			return NULL;
		if (*p != '.')
			break;
		p++;
	}
	if (*p != '\0' && *p != stop)
		return NULL;
	return p;
}

enum rcar_version_verdict
rcar_version_check(const char *v)
{
	unsigned long long major, minor, patch;
	const char *p = v;
	bool pre = false;

	if ((p = semver_number(p, &major)) == NULL || *p++ != '.' ||
	    (p = semver_number(p, &minor)) == NULL || *p++ != '.' ||
	    (p = semver_number(p, &patch)) == NULL)
		return RCAR_VERSION_UNPARSABLE;
	if (*p == '-') {
		pre = true;
		if ((p = semver_idents(p + 1, '+', true)) == NULL)
			return RCAR_VERSION_UNPARSABLE;
	}
	if (*p == '+' && (p = semver_idents(p + 1, '\0', false)) == NULL)
		return RCAR_VERSION_UNPARSABLE;
	if (*p != '\0')
		return RCAR_VERSION_UNPARSABLE;
	if (major != 0 || minor != 4 || patch != 0 || pre)
		return RCAR_VERSION_MISMATCH;
	return RCAR_VERSION_OK;
}

/* --- JSON helpers --- */

static int bad(struct ccakit_errdetail *d, const char *what,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
bad(struct ccakit_errdetail *d, const char *what, const char *fmt, ...)
{
	va_list ap;

	if (d != NULL) {
		d->code = CCAKIT_ERR_JSON;
		d->what = what;
		va_start(ap, fmt);
		vsnprintf(d->text, sizeof(d->text), fmt, ap);
		va_end(ap);
	}
	return CCAKIT_ERR_JSON;
}

static bool
depth_ok(const json_t *v, unsigned depth)
{
	const char *k;
	json_t *m;
	size_t i;

	if (depth > RCAR_MAX_DEPTH)
		return false;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)(uintptr_t)v, k, m)
			if (!depth_ok(m, depth + 1))
				return false;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, m)
			if (!depth_ok(m, depth + 1))
				return false;
	}
	return true;
}

/* One JSON object, no duplicate members, bounded. */
static int
parse_object(const char *body, size_t len, const char *what, json_t **out,
    struct ccakit_errdetail *d)
{
	json_error_t e;
	json_t *j;

	if (len > RCAR_MAX_MESSAGE) {
		if (d != NULL) {
			d->code = CCAKIT_ERR_TOO_LARGE;
			d->what = what;
			snprintf(d->text, sizeof(d->text), "larger than %u "
			    "bytes", RCAR_MAX_MESSAGE);
		}
		return CCAKIT_ERR_TOO_LARGE;
	}
	if ((j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &e)) == NULL)
		return bad(d, what, "%s", e.text);
	if (!json_is_object(j)) {
		json_decref(j);
		return bad(d, what, "not a JSON object");
	}
	if (!depth_ok(j, 0)) {
		json_decref(j);
		return bad(d, what, "nested too deeply");
	}
	*out = j;
	return CCAKIT_OK;
}

/* A required string member. */
static int
get_str(const json_t *o, const char *name, const char **out, size_t *len,
    struct ccakit_errdetail *d)
{
	json_t *m = json_object_get(o, name);

	if (m == NULL)
		return bad(d, name, "missing field `%s`", name);
	if (!json_is_string(m))
		return bad(d, name, "`%s`: not a string", name);
	*out = json_string_value(m);
	if (len != NULL)
		*len = json_string_length(m);
	return CCAKIT_OK;
}

/* --- Request --- */

int
rcar_request_parse(const char *body, size_t len, struct rcar_request *out,
    struct ccakit_errdetail *d)
{
	const char *version, *tee;
	json_t *j, *extra;
	enum rcar_tee t;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = parse_object(body, len, "Request", &j, d)) != CCAKIT_OK)
		return r;
	if ((r = get_str(j, "version", &version, NULL, d)) != CCAKIT_OK ||
	    (r = get_str(j, "tee", &tee, NULL, d)) != CCAKIT_OK)
		goto out;
	if (rcar_tee_parse(tee, &t) != 0) {
		r = bad(d, "tee", "unknown variant `%.60s`", tee);
		goto out;
	}
	if ((extra = json_object_get(j, "extra-params")) == NULL) {
		r = bad(d, "extra-params", "missing field `extra-params`");
		goto out;
	}
	snprintf(out->version, sizeof(out->version), "%s", version);
	out->tee = t;
	out->extra_params = json_incref(extra);
out:
	json_decref(j);
	return r;
}

void
rcar_request_clear(struct rcar_request *r)
{
	json_decref(r->extra_params);
	memset(r, 0, sizeof(*r));
}

json_t *
rcar_request_build(const char *version, enum rcar_tee tee,
    const json_t *extra)
{
	const char *name = rcar_tee_name(tee);
	json_t *e;

	if (name == NULL)
		return NULL;
	e = extra != NULL ? json_incref((json_t *)(uintptr_t)extra) :
	    json_string("");
	return json_pack("{s:s, s:s, s:o}", "version", version, "tee", name,
	    "extra-params", e);
}

/* --- Challenge --- */

int
rcar_nonce_new(char out[RCAR_NONCE_LEN + 1])
{
	uint8_t b[RCAR_NONCE_BYTES];
	int r;

	if (RAND_bytes(b, sizeof(b)) != 1)
		return CCAKIT_ERR_CRYPTO;
	r = ccakit_b64_encode(b, sizeof(b), CCAKIT_B64_STD, out,
	    RCAR_NONCE_LEN + 1);
	ccakit_wipe(b, sizeof(b));
	return r;
}

json_t *
rcar_challenge_build(const char *nonce, const json_t *extra)
{
	json_t *e = extra != NULL ? json_incref((json_t *)(uintptr_t)extra) :
	    json_string("");

	return json_pack("{s:s, s:o}", "nonce", nonce, "extra-params", e);
}

int
rcar_challenge_parse(const char *body, size_t len, json_t **root,
    const char **nonce, const json_t **extra, struct ccakit_errdetail *d)
{
	json_t *j, *e;
	int r;

	if ((r = parse_object(body, len, "Challenge", &j, d)) != CCAKIT_OK)
		return r;
	if ((r = get_str(j, "nonce", nonce, NULL, d)) != CCAKIT_OK) {
		json_decref(j);
		return r;
	}
	if ((e = json_object_get(j, "extra-params")) == NULL) {
		json_decref(j);
		return bad(d, "extra-params", "missing field `extra-params`");
	}
	*extra = e;
	*root = j;
	return CCAKIT_OK;
}

int
rcar_selected_hash(const json_t *extra, enum rcar_hash *out,
    struct ccakit_errdetail *d)
{
	const json_t *m;

	*out = RCAR_HASH_SHA384;
	if (!json_is_object(extra) || (m = json_object_get(extra,
	    "selected-hash-algorithm")) == NULL)
		return CCAKIT_OK;
	if (!json_is_string(m) || rcar_hash_parse(json_string_value(m), true,
	    out) != 0)
		return bad(d, "selected-hash-algorithm", "not a hash algorithm "
		    "the guest knows");
	return CCAKIT_OK;
}

/* --- TeePubKey --- */

int
rcar_teepubkey_canon(const json_t *in, json_t **out,
    struct ccakit_errdetail *d)
{
	static const char *const ec[] = { "crv", "alg", "x", "y", NULL };
	static const char *const rsa[] = { "alg", "n", "e", NULL };
	static const char *const akp[] = { "alg", "pub", NULL };
	const char *const *members;
	const char *kty, *s;
	json_t *o;
	size_t i;
	int r;

	if (!json_is_object(in))
		return bad(d, "tee-pubkey", "not a JSON object");
	if ((r = get_str(in, "kty", &kty, NULL, d)) != CCAKIT_OK)
		return r;
	if (strcmp(kty, "EC") == 0)
		members = ec;
	else if (strcmp(kty, "RSA") == 0)
		members = rsa;
	else if (strcmp(kty, "AKP") == 0)
		members = akp;
	else
		return bad(d, "kty", "unknown variant `%.40s`", kty);
	if ((o = json_pack("{s:s}", "kty", kty)) == NULL)
		return CCAKIT_ERR_NOMEM;
	for (i = 0; members[i] != NULL; i++) {
		if ((r = get_str(in, members[i], &s, NULL, d)) != CCAKIT_OK) {
			json_decref(o);
			return r;
		}
		if (json_object_set_new(o, members[i],
		    json_string(s)) != 0) {
			json_decref(o);
			return CCAKIT_ERR_NOMEM;
		}
	}
	*out = o;
	return CCAKIT_OK;
}

/* --- Attestation --- */

/*
 * Where the value of tee-evidence's primary_evidence is in body: true
 * with it at [*s, *e), checked, when the body scans as an object holding
 * one (whether the rest is JSON is left to jansson).
 */
static bool
evidence_span(const char *body, size_t len, size_t *s, size_t *e)
{
	struct jscan j = { body, body + len };
	bool first = true, tfirst;
	const char *start;
	char key[32];
	size_t klen;
	int m, t;

	if (!jscan_object(&j))
		return false;
	while ((m = jscan_member(&j, &first, key, sizeof(key), &klen)) == 1) {
		if (strcmp(key, "tee-evidence") != 0 || !jscan_object(&j)) {
			if (!jscan_value(&j, 1))
				return false;
			continue;
		}
		tfirst = true;
		while ((t = jscan_member(&j, &tfirst, key, sizeof(key),
		    &klen)) == 1) {
			if (!jscan_ws(&j))
				return false;
			start = j.p;
			if (!jscan_value(&j, 2))
				return false;
			if (strcmp(key, "primary_evidence") == 0) {
				*s = (size_t)(start - body);
				*e = (size_t)(j.p - body);
				return true;
			}
		}
		if (t < 0)
			return false;
	}
	return false;
}

/*
 * The message as jansson's tree; the primary evidence's value, when the
 * scan found it (*pe_s < *pe_e), replaced by null in it: a CCA token is
 * thousands of numbers, each a jansson value otherwise.
 */
static int
attestation_tree(const char *body, size_t len, size_t *pe_s, size_t *pe_e,
    json_t **out, struct ccakit_errdetail *d)
{
	size_t s, e, n;
	char *copy;
	int r;

	*pe_s = *pe_e = 0;
	if (len <= RCAR_MAX_MESSAGE && evidence_span(body, len, &s, &e)) {
		n = len - (e - s) + 4;
		if ((copy = malloc(n)) == NULL)
			return CCAKIT_ERR_NOMEM;
		memcpy(copy, body, s);
		memcpy(copy + s, "null", 4);
		memcpy(copy + s + 4, body + e, len - e);
		r = parse_object(copy, n, "Attestation", out, NULL);
		free(copy);
		if (r == CCAKIT_OK) {
			*pe_s = s;
			*pe_e = e;
			return CCAKIT_OK;
		}
	}
	/* Without the scan; and jansson's words on a bad message as sent. */
	return parse_object(body, len, "Attestation", out, d);
}

int
rcar_attestation_parse(const char *body, size_t len,
    struct rcar_attestation *out, struct ccakit_errdetail *d)
{
	json_t *j, *init, *rd, *te, *pe;
	size_t pe_s, pe_e;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = attestation_tree(body, len, &pe_s, &pe_e, &j, d)) !=
	    CCAKIT_OK)
		return r;
	out->root = j;
	init = json_object_get(j, "init-data");
	if (init != NULL && !json_is_null(init)) {
		if (!json_is_object(init)) {
			r = bad(d, "init-data", "not an object or null");
			goto fail;
		}
		if ((r = get_str(init, "format", &out->init_format, NULL,
		    d)) != CCAKIT_OK ||
		    (r = get_str(init, "body", &out->init_body,
		    &out->init_body_len, d)) != CCAKIT_OK)
			goto fail;
	}
	if ((rd = json_object_get(j, "runtime-data")) == NULL) {
		r = bad(d, "runtime-data", "missing field `runtime-data`");
		goto fail;
	}
	if (!json_is_object(rd)) {
		r = bad(d, "runtime-data", "not an object");
		goto fail;
	}
	if ((r = get_str(rd, "nonce", &out->nonce, NULL, d)) != CCAKIT_OK)
		goto fail;
	if (json_object_get(rd, "tee-pubkey") == NULL) {
		r = bad(d, "tee-pubkey", "missing field `tee-pubkey`");
		goto fail;
	}
	if ((r = rcar_teepubkey_canon(json_object_get(rd, "tee-pubkey"),
	    &out->tee_pubkey, d)) != CCAKIT_OK)
		goto fail;
	if ((te = json_object_get(j, "tee-evidence")) == NULL) {
		r = bad(d, "tee-evidence", "missing field `tee-evidence`");
		goto fail;
	}
	if (!json_is_object(te)) {
		r = bad(d, "tee-evidence", "not an object");
		goto fail;
	}
	if ((pe = json_object_get(te, "primary_evidence")) == NULL) {
		r = bad(d, "primary_evidence", "missing field "
		    "`primary_evidence`");
		goto fail;
	}
	if (pe_e > pe_s) {
		out->primary_evidence = body + pe_s;
		out->primary_len = pe_e - pe_s;
	} else {
		if ((out->owned = json_dumps(pe, JSON_COMPACT |
		    JSON_ENCODE_ANY)) == NULL) {
			r = CCAKIT_ERR_NOMEM;
			goto fail;
		}
		out->primary_evidence = out->owned;
		out->primary_len = strlen(out->owned);
	}
	if ((r = get_str(te, "additional_evidence", &out->additional_evidence,
	    &out->additional_len, d)) != CCAKIT_OK)
		goto fail;
	return CCAKIT_OK;
fail:
	rcar_attestation_clear(out);
	return r;
}

void
rcar_attestation_clear(struct rcar_attestation *a)
{
	json_decref(a->tee_pubkey);
	json_decref(a->root);
	free(a->owned);
	memset(a, 0, sizeof(*a));
}

static int
bytes_err(struct ccakit_errdetail *d, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
bytes_err(struct ccakit_errdetail *d, int code, const char *fmt, ...)
{
	va_list ap;

	if (d != NULL) {
		d->code = code;
		d->what = "evidence";
		va_start(ap, fmt);
		vsnprintf(d->text, sizeof(d->text), fmt, ap);
		va_end(ap);
	}
	return code;
}

/* The array at s->p (its '['), each element a byte, into b (cap bytes:
 * an element costs at least two bytes of text). */
static int
byte_array(struct jscan *s, const char *name, size_t max, uint8_t *b,
    size_t cap, size_t *n, struct ccakit_errdetail *d)
{
	const char *p0;
	unsigned v;

	*n = 0;
	s->p++;
	if (jscan_peek(s, ']')) {
		s->p++;
		return CCAKIT_OK;
	}
	for (;;) {
		if (!jscan_ws(s))
			return bytes_err(d, CCAKIT_ERR_JSON, "\"%s\" is not "
			    "JSON", name);
		/* An integer as jansson reads it ("-0" is 0); anything
		 * else is checked as JSON only to say which. */
		p0 = s->p;
		v = 0;
		if (*s->p == '-' && s->end - s->p > 1 && s->p[1] == '0')
			s->p += 2;
		else if (*s->p == '0')
			s->p++;
		else
			while (s->p < s->end && *s->p >= '0' && *s->p <= '9' &&
			    v <= 255)
				v = v * 10 + (unsigned)(*s->p++ - '0');
		if (s->p == p0 || v > 255 || (s->p < s->end && (*s->p == '.' ||
		    *s->p == 'e' || *s->p == 'E' || (*s->p >= '0' &&
		    *s->p <= '9')))) {
			s->p = p0;
			if (!jscan_value(s, 2))
				return bytes_err(d, CCAKIT_ERR_JSON, "\"%s\" is "
				    "not JSON", name);
			return bytes_err(d, CCAKIT_ERR_JSON, "%s[%zu] is not a "
			    "byte", name, *n);
		}
		if (*n == max)
			return bytes_err(d, CCAKIT_ERR_TOO_LARGE, "%s of more "
			    "than %zu bytes", name, max);
		if (*n == cap)
			return bytes_err(d, CCAKIT_ERR_JSON, "\"%s\" is not "
			    "JSON", name);
		b[(*n)++] = (uint8_t)v;
		if (!jscan_ws(s))
			return bytes_err(d, CCAKIT_ERR_JSON, "\"%s\" is not "
			    "JSON", name);
		if (*s->p == ']') {
			s->p++;
			return CCAKIT_OK;
		}
		if (*s->p++ != ',')
			return bytes_err(d, CCAKIT_ERR_JSON, "\"%s\" is not "
			    "JSON", name);
	}
}

int
rcar_json_bytes(const char *text, size_t len, const char *name,
    size_t max, uint8_t **out, size_t *outlen, struct ccakit_errdetail *d)
{
	struct jscan s = { text, text + len };
	uint8_t *b = NULL;
	bool first = true, seen = false;
	char key[64];
	size_t klen, n = 0, cap;
	int m, r;

	*out = NULL;
	*outlen = 0;
	if (!jscan_object(&s)) {
		s.p = text;
		return jscan_value(&s, 0) && !jscan_ws(&s) ?
		    bytes_err(d, CCAKIT_ERR_NOT_FOUND, "not an object") :
		    bytes_err(d, CCAKIT_ERR_JSON, "not JSON");
	}
	while ((m = jscan_member(&s, &first, key, sizeof(key), &klen)) == 1) {
		if (strcmp(key, name) != 0) {
			if (!jscan_value(&s, 1))
				break;
			continue;
		}
		if (seen) {
			r = bytes_err(d, CCAKIT_ERR_JSON, "duplicate field `%s`",
			    name);
			goto fail;
		}
		seen = true;
		if (!jscan_peek(&s, '[')) {
			if (!jscan_value(&s, 1))
				break;
			r = bytes_err(d, CCAKIT_ERR_NOT_FOUND, "\"%s\" is not "
			    "an array", name);
			goto fail;
		}
		/* Room for what the rest of the text can hold (two bytes
		 * of it an element at least), never above max + 1. */
		cap = (size_t)(s.end - s.p) / 2 + 1;
		if (cap > max + 1)
			cap = max + 1;
		if ((b = malloc(cap)) == NULL)
			return CCAKIT_ERR_NOMEM;
		if ((r = byte_array(&s, name, max, b, cap, &n, d)) !=
		    CCAKIT_OK)
			goto fail;
	}
	if (m != 0 || jscan_ws(&s)) {
		r = bytes_err(d, CCAKIT_ERR_JSON, "not JSON");
		goto fail;
	}
	if (!seen)
		return bytes_err(d, CCAKIT_ERR_NOT_FOUND, "missing field `%s`",
		    name);
	*out = b;
	*outlen = n;
	return CCAKIT_OK;
fail:
	free(b);
	return r;
}

json_t *
rcar_attestation_build(const char *nonce, const json_t *tee_pubkey,
    const json_t *primary_evidence, const char *additional_evidence,
    const char *init_format, const char *init_body)
{
	json_t *init;

	init = init_format != NULL ? json_pack("{s:s, s:s}", "format",
	    init_format, "body", init_body != NULL ? init_body : "") :
	    json_null();
	return json_pack("{s:o, s:{s:s, s:O}, s:{s:O, s:s}}",
	    "init-data", init,
	    "runtime-data", "nonce", nonce, "tee-pubkey", tee_pubkey,
	    "tee-evidence", "primary_evidence", primary_evidence,
	    "additional_evidence", additional_evidence != NULL ?
	    additional_evidence : "");
}

/* --- runtime data --- */

json_t *
rcar_runtime_data(const char *nonce, const json_t *tee_pubkey,
    const char *additional)
{
	json_t *o;

	o = json_pack("{s:O, s:s}", "tee-pubkey", tee_pubkey, "nonce", nonce);
	if (o != NULL && additional != NULL &&
	    json_object_set_new(o, "additional-evidence",
	    json_string(additional)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int
rcar_runtime_digest(const json_t *rd, enum rcar_hash h,
    uint8_t out[RCAR_HASH_MAX], size_t *outlen, struct ccakit_errdetail *d)
{
	char *canon = NULL;
	size_t clen;
	int r;

	if ((r = ccakit_jcs_value((const struct json_t *)rd, 0, &canon,
	    &clen, d)) != CCAKIT_OK)
		return r;
	r = rcar_hash(h, canon, clen, out, outlen);
	ccakit_free(canon);
	return r;
}

void
rcar_regularize(const uint8_t *p, size_t len, uint8_t *out, size_t n)
{
	memset(out, 0, n);
	memcpy(out, p, len < n ? len : n);
}

/* --- tokens and errors --- */

json_t *
rcar_token_body(const char *token)
{
	return json_pack("{s:s}", "token", token);
}

bool
rcar_json_plain(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\')
			return false;
	return true;
}

char *
rcar_token_text(const char *token)
{
	size_t n;
	char *s;
	json_t *j;

	if (!rcar_json_plain(token)) {
		j = rcar_token_body(token);
		s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
		return s;
	}
	n = strlen(token) + sizeof("{\"token\":\"\"}");
	if ((s = malloc(n)) != NULL)
		snprintf(s, n, "{\"token\":\"%s\"}", token);
	return s;
}

int
rcar_token_parse(const char *body, size_t len, json_t **root,
    const char **token, struct ccakit_errdetail *d)
{
	json_t *j;
	int r;

	if ((r = parse_object(body, len, "token", &j, d)) != CCAKIT_OK)
		return r;
	if ((r = get_str(j, "token", token, NULL, d)) != CCAKIT_OK) {
		json_decref(j);
		return r;
	}
	*root = j;
	return CCAKIT_OK;
}

int
rcar_error_body(const char *variant, const char *detail, char **out,
    size_t *outlen)
{
	char type[256], sdetail[2048];
	json_t *j, *dj;
	char *s;
	size_t i;

	snprintf(type, sizeof(type), RCAR_ERROR_TYPE "%s", variant);
	snprintf(sdetail, sizeof(sdetail), "%s", detail);
	if ((dj = json_string(sdetail)) == NULL) {
		/* Not UTF-8 (text from a request): bytes above ASCII go. */
		for (i = 0; sdetail[i] != '\0'; i++)
			if ((unsigned char)sdetail[i] >= 0x80)
				sdetail[i] = '?';
		dj = json_string(sdetail);
	}
	if (dj == NULL || (j = json_pack("{s:s, s:o}", "type", type, "detail",
	    dj)) == NULL)
		return CCAKIT_ERR_NOMEM;
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (s == NULL)
		return CCAKIT_ERR_NOMEM;
	*out = s;
	if (outlen != NULL)
		*outlen = strlen(s);
	return CCAKIT_OK;
}

int
rcar_error_parse(const char *body, size_t len, char *variant, size_t varsz,
    char *detail, size_t detsz)
{
	const char *type, *det;
	json_t *j;
	size_t plen = strlen(RCAR_ERROR_TYPE);
	int r;

	if ((r = parse_object(body, len, "ErrorInformation", &j,
	    NULL)) != CCAKIT_OK)
		return r;
	if ((r = get_str(j, "type", &type, NULL, NULL)) != CCAKIT_OK ||
	    (r = get_str(j, "detail", &det, NULL, NULL)) != CCAKIT_OK) {
		json_decref(j);
		return r;
	}
	if (strncmp(type, RCAR_ERROR_TYPE, plen) == 0)
		type += plen;
	snprintf(variant, varsz, "%s", type);
	snprintf(detail, detsz, "%s", det);
	json_decref(j);
	return CCAKIT_OK;
}
