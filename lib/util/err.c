/* Error codes: descriptions and classes. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <ccakit/err.h>

#include "util/util.h"

struct errdesc {
	int code;
	const char *text;
};

static const struct errdesc errtab[] = {
	{ CCAKIT_OK, "success" },
	{ CCAKIT_ERR_CBOR_TRUNCATED, "CBOR: input truncated" },
	{ CCAKIT_ERR_CBOR_NOT_WELL_FORMED, "CBOR: not well formed" },
	{ CCAKIT_ERR_CBOR_INDEFINITE, "CBOR: indefinite length not allowed" },
	{ CCAKIT_ERR_CBOR_NON_PREFERRED,
	    "CBOR: not in preferred serialization" },
	{ CCAKIT_ERR_CBOR_BAD_UTF8, "CBOR: text string is not valid UTF-8" },
	{ CCAKIT_ERR_CBOR_DUPLICATE_KEY, "CBOR: duplicate map key" },
	{ CCAKIT_ERR_CBOR_TOO_DEEP, "CBOR: nesting too deep" },
	{ CCAKIT_ERR_CBOR_TOO_MANY, "CBOR: too many items" },
	{ CCAKIT_ERR_CBOR_TRAILING, "CBOR: trailing bytes after the item" },
	{ CCAKIT_ERR_CBOR_TYPE, "CBOR: unexpected type" },
	{ CCAKIT_ERR_CBOR_UNSUPPORTED, "CBOR: unsupported item" },
	{ CCAKIT_ERR_COSE_MALFORMED, "COSE: malformed COSE_Sign1" },
	{ CCAKIT_ERR_COSE_ALG, "COSE: unsupported or missing algorithm" },
	{ CCAKIT_ERR_TOKEN_MALFORMED, "token: malformed collection" },
	{ CCAKIT_ERR_CLAIM_MISSING, "missing claim" },
	{ CCAKIT_ERR_CLAIM_TYPE, "claim type mismatch" },
	{ CCAKIT_ERR_CLAIM_VALUE, "invalid claim value" },
	{ CCAKIT_ERR_PROFILE_UNKNOWN, "unknown profile" },
	{ CCAKIT_ERR_JSON, "JSON syntax or schema error" },
	{ CCAKIT_ERR_ENCODING, "bad hex or base64 encoding" },
	{ CCAKIT_ERR_KEY_INVALID, "invalid key" },
	{ CCAKIT_ERR_EVLOG_MALFORMED, "malformed measurement event log" },
	{ CCAKIT_ERR_TOML, "TOML: syntax or structure error" },
	{ CCAKIT_ERR_CONFIG, "invalid configuration" },
	{ CCAKIT_ERR_REGO_PARSE, "Rego: parse error" },
	{ CCAKIT_ERR_REGO_COMPILE, "Rego: compile error" },
	{ CCAKIT_ERR_REGO_EVAL, "Rego: evaluation error" },
	{ CCAKIT_ERR_CORIM_MALFORMED, "CoRIM: malformed" },
	{ CCAKIT_ERR_CORIM_PROFILE, "CoRIM: refused by its profile" },
	{ CCAKIT_ERR_XML, "XML: not well formed or refused" },
	{ CCAKIT_ERR_SIGNATURE, "signature verification failed" },
	{ CCAKIT_ERR_BINDING,
	    "binding failed: platform challenge does not match RAK hash" },
	{ CCAKIT_ERR_TA_UNKNOWN, "no trust anchor for this platform" },
	{ CCAKIT_ERR_CHALLENGE, "challenge (nonce) does not match" },
	{ CCAKIT_ERR_KEY_MISMATCH, "key type and algorithm disagree" },
	{ CCAKIT_ERR_NOT_FOUND, "not found" },
	{ CCAKIT_ERR_POLICY, "refused by the appraisal policy" },
	{ CCAKIT_ERR_EXPIRED, "not valid at this time" },
	{ CCAKIT_ERR_DECRYPT,
	    "decryption failed: wrong key or modified ciphertext" },
	{ CCAKIT_ERR_NOMEM, "out of memory" },
	{ CCAKIT_ERR_TOO_LARGE, "input too large" },
	{ CCAKIT_ERR_IO, "I/O error" },
	{ CCAKIT_ERR_BUFFER_TOO_SMALL, "output buffer too small" },
	{ CCAKIT_ERR_DB_GONE,
	    "database file deleted or replaced while in use" },
	{ CCAKIT_ERR_DB_UNAVAILABLE,
	    "database unavailable (connection lost or locked): retry later" },
	{ CCAKIT_ERR_REGO_LIMIT, "Rego: evaluation limit exceeded" },
	{ CCAKIT_ERR_INVALID_ARG, "invalid argument" },
	{ CCAKIT_ERR_CRYPTO, "cryptographic library failure" },
	{ CCAKIT_ERR_INTERNAL, "internal error" },
};

const char *
ccakit_strerror(int err)
{
	size_t i;

	for (i = 0; i < sizeof(errtab) / sizeof(errtab[0]); i++)
		if (errtab[i].code == err)
			return errtab[i].text;
	return "unknown error";
}

enum ccakit_err_class
ccakit_err_class(int err)
{
	if (err == CCAKIT_OK)
		return CCAKIT_CLASS_OK;
	if (err >= 100 && err < 200)
		return CCAKIT_CLASS_MALFORMED;
	if (err >= 200 && err < 300)
		return CCAKIT_CLASS_REJECTED;
	if (err >= 300 && err < 400)
		return CCAKIT_CLASS_RESOURCE;
	return CCAKIT_CLASS_INTERNAL;
}

int
cki_detail(struct ccakit_errdetail *d, int code, const char *what,
    const char *fmt, ...)
{
	va_list ap;

	if (d == NULL)
		return code;
	d->code = code;
	d->what = what;
	d->text[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		(void)vsnprintf(d->text, sizeof(d->text), fmt, ap);
		va_end(ap);
	}
	return code;
}

int
cki_bytes_eq(struct ccakit_bytes a, const uint8_t *b, size_t blen)
{
	if (a.len != blen)
		return 0;
	return blen == 0 || memcmp(a.ptr, b, blen) == 0;
}
