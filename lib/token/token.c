/*
 * The CCA attestation token collection: tag 399 (legacy EAT collection,
 * RMM 1.0 §A7.2.3) or tag 907 (CMW collection, newer RMM §A7.2.3), each
 * holding a platform and a realm COSE_Sign1_Tagged.
 *
 *   #6.399({ 44234: bstr, 44241: bstr })
 *   #6.907({ 44234: [263, bstr], 44241: [263, bstr] })
 */
#include <stdlib.h>
#include <string.h>

#include <ccakit/cbor.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/token.h>

#include "token/token_priv.h"
#include "util/util.h"

ccakit_token *
ccakit_token_new(void)
{
	return calloc(1, sizeof(struct ccakit_token));
}

void
ccakit_token_free(ccakit_token **tp)
{
	if (tp == NULL || *tp == NULL)
		return;
	free(*tp);
	*tp = NULL;
}

/*
 * One entry of the collection: a bstr (399) or [263, bstr] (907), whose
 * content must not be empty.
 */
static int
collection_entry(enum ccakit_token_format fmt, const struct ccakit_cbor_item *v,
    const char *what, struct ccakit_bytes *out, struct ccakit_errdetail *d)
{
	struct ccakit_cbor_iter it;
	struct ccakit_cbor_item type, tok;

	if (fmt == CCAKIT_FORMAT_907) {
		if (v->type != CCAKIT_CBOR_ARRAY || v->u != 2)
			return cki_detail(d, CCAKIT_ERR_TOKEN_MALFORMED, what,
			    "%s: expecting [263, bstr]", what);
		ccakit_cbor_iter_init(&it, v);
		if (!ccakit_cbor_iter_next(&it, &type) ||
		    !ccakit_cbor_iter_next(&it, &tok))
			return cki_detail(d, CCAKIT_ERR_INTERNAL, what, NULL);
		if (type.type != CCAKIT_CBOR_UINT ||
		    type.u != CCAKIT_COAP_EAT_CWT)
			return cki_detail(d, CCAKIT_ERR_TOKEN_MALFORMED, what,
			    "%s: expecting CoAP content-format 263", what);
	} else {
		tok = *v;
	}
	if (tok.type != CCAKIT_CBOR_BSTR)
		return cki_detail(d, CCAKIT_ERR_TOKEN_MALFORMED, what,
		    "%s: expecting bstr", what);
	if (tok.u == 0)
		return cki_detail(d, CCAKIT_ERR_TOKEN_MALFORMED, what,
		    "missing %s", what);
	out->ptr = tok.data;
	out->len = (size_t)tok.u;
	return CCAKIT_OK;
}

static int
decode_collection(const uint8_t *buf, size_t len,
    enum ccakit_token_format *fmt, struct ccakit_bytes *ptok,
    struct ccakit_bytes *rtok, struct ccakit_errdetail *d)
{
	struct ccakit_cbor_item top, map, k, v;
	struct ccakit_cbor_iter it;
	size_t off = 0;
	int r;

	memset(ptok, 0, sizeof(*ptok));
	memset(rtok, 0, sizeof(*rtok));
	if ((r = ccakit_cbor_parse(buf, len, NULL, &top, &off)) != CCAKIT_OK)
		return cki_detail(d, r, "token", "token: %s at offset %zu",
		    ccakit_strerror(r), off);
	if (top.type != CCAKIT_CBOR_TAG)
		return cki_detail(d, CCAKIT_ERR_TOKEN_MALFORMED, "token",
		    "expecting tag 399 or 907, got major type %d",
		    top.type == CCAKIT_CBOR_FLOAT ? 7 : (int)top.type);
	if (top.u != CCAKIT_TAG_CCA_TOKEN_LEGACY &&
	    top.u != CCAKIT_TAG_CCA_TOKEN_CMW)
		return cki_detail(d, CCAKIT_ERR_TOKEN_MALFORMED, "token",
		    "expecting tag 399 or 907, got %llu",
		    (unsigned long long)top.u);
	*fmt = (enum ccakit_token_format)top.u;
	ccakit_cbor_tag_content(&top, &map);
	if (map.type != CCAKIT_CBOR_MAP)
		return cki_detail(d, CCAKIT_ERR_TOKEN_MALFORMED, "token",
		    "collection: expecting map");
	ccakit_cbor_iter_init(&it, &map);
	while (ccakit_cbor_iter_next(&it, &k) &&
	    ccakit_cbor_iter_next(&it, &v)) {
		/* Strict like rust-ccatoken: only the two known entries. */
		if (k.type == CCAKIT_CBOR_UINT &&
		    k.u == CCAKIT_COLL_PLATFORM)
			r = collection_entry(*fmt, &v, "platform token", ptok,
			    d);
		else if (k.type == CCAKIT_CBOR_UINT &&
		    k.u == CCAKIT_COLL_REALM)
			r = collection_entry(*fmt, &v, "realm token", rtok, d);
		else if (k.type == CCAKIT_CBOR_UINT)
			return cki_detail(d, CCAKIT_ERR_TOKEN_MALFORMED,
			    "token", "unknown key %llu in collection",
			    (unsigned long long)k.u);
		else
			return cki_detail(d, CCAKIT_ERR_TOKEN_MALFORMED,
			    "token", "collection: expecting integer key");
		if (r != CCAKIT_OK)
			return r;
	}
	if (ptok->len == 0)
		return cki_detail(d, CCAKIT_ERR_TOKEN_MALFORMED,
		    "platform token", "missing platform token");
	if (rtok->len == 0)
		return cki_detail(d, CCAKIT_ERR_TOKEN_MALFORMED,
		    "realm token", "missing realm token");
	return CCAKIT_OK;
}

static int
decode_sign1(struct ccakit_bytes b, const char *what,
    struct ccakit_cose_sign1 *out, struct ccakit_errdetail *d)
{
	int r;

	if ((r = ccakit_cose_sign1_decode(b.ptr, b.len, out)) != CCAKIT_OK)
		return cki_detail(d, r, what, "%s: %s", what,
		    ccakit_strerror(r));
	return CCAKIT_OK;
}

int
ccakit_token_decode(ccakit_token *t, const uint8_t *buf, size_t len,
    struct ccakit_errdetail *d)
{
	struct ccakit_bytes ptok, rtok;
	enum ccakit_token_format fmt = CCAKIT_FORMAT_399;
	int r = CCAKIT_ERR_INTERNAL;

	if (t == NULL || (buf == NULL && len != 0))
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	memset(t, 0, sizeof(*t));
	if (len > CCAKIT_TOKEN_MAX_SIZE) {
		r = cki_detail(d, CCAKIT_ERR_TOO_LARGE, "token",
		    "token: %zu bytes, the limit is %d", len,
		    CCAKIT_TOKEN_MAX_SIZE);
		goto out;
	}
	if ((r = decode_collection(buf, len, &fmt, &ptok, &rtok, d)) !=
	    CCAKIT_OK)
		goto out;
	if ((r = decode_sign1(ptok, "platform token", &t->psign, d)) !=
	    CCAKIT_OK)
		goto out;
	if ((r = ccakit_platform_claims_decode(t->psign.payload.ptr,
	    t->psign.payload.len, &t->platform, d)) != CCAKIT_OK)
		goto out;
	if ((r = decode_sign1(rtok, "realm token", &t->rsign, d)) !=
	    CCAKIT_OK)
		goto out;
	if ((r = ccakit_realm_claims_decode(t->rsign.payload.ptr,
	    t->rsign.payload.len, &t->realm, d)) != CCAKIT_OK)
		goto out;
	t->format = fmt;
	t->valid = true;
	r = CCAKIT_OK;
out:
	if (r != CCAKIT_OK)
		memset(t, 0, sizeof(*t));
	return r;
}

enum ccakit_token_format
ccakit_token_get_format(const ccakit_token *t)
{
	if (t == NULL || !t->valid)
		return (enum ccakit_token_format)0;
	return t->format;
}

const struct ccakit_platform_claims *
ccakit_token_platform(const ccakit_token *t)
{
	return (t != NULL && t->valid) ? &t->platform : NULL;
}

const struct ccakit_realm_claims *
ccakit_token_realm(const ccakit_token *t)
{
	return (t != NULL && t->valid) ? &t->realm : NULL;
}

const struct ccakit_cose_sign1 *
ccakit_token_platform_sign1(const ccakit_token *t)
{
	return (t != NULL && t->valid) ? &t->psign : NULL;
}

const struct ccakit_cose_sign1 *
ccakit_token_realm_sign1(const ccakit_token *t)
{
	return (t != NULL && t->valid) ? &t->rsign : NULL;
}

int
ccakit_token_rak(const ccakit_token *t, ccakit_key *out)
{
	const struct ccakit_realm_claims *rc;
	int r;

	if (t == NULL || !t->valid || out == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	rc = &t->realm;
	if (rc->profile == CCAKIT_REALM_LEGACY)
		r = ccakit_key_from_sec1(out, CCAKIT_COSE_CRV_P384,
		    rc->rak.ptr, rc->rak.len);
	else
		r = ccakit_key_from_cose_key(out, rc->rak.ptr, rc->rak.len);
	if (r != CCAKIT_OK && r != CCAKIT_ERR_NOMEM && r != CCAKIT_ERR_CRYPTO)
		r = CCAKIT_ERR_KEY_INVALID;
	return r;
}
