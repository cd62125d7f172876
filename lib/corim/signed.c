/*
 * Signed CoRIM (draft-ietf-rats-corim §4): COSE_Sign1 whose protected
 * header carries the algorithm, content-type "application/rim+cbor",
 * an optional kid, corim-meta (signer, signature validity) and an
 * optional x5chain; the payload is the #6.501 unsigned CoRIM.
 *
 * Verification builds a path from the x5chain leaf through its
 * intermediates to a configured root with OpenSSL's X509 verifier (as
 * Veraison does: any extended key usage), checks the leaf is not a CA
 * and may sign, and verifies the COSE signature with the leaf's key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ccakit/cbor.h>
#include <ccakit/corim.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>

#include "corim/corim_priv.h"
#include "util/util.h"

#define COSE_HDR_ALG      1
#define COSE_HDR_CTYPE    3
#define COSE_HDR_KID      4
#define COSE_HDR_META     8
#define COSE_HDR_CWT      15
#define COSE_HDR_X5CHAIN  33
#define CORIM_CTYPE       "application/rim+cbor"
#define X5CHAIN_MAX       16

int cki_corim_decode_unsigned(ccakit_corim *c, const uint8_t *buf,
    size_t len, struct ccakit_errdetail *d);
int cki_corim_decode_signed(ccakit_corim *c, const uint8_t *buf, size_t len,
    struct ccakit_errdetail *d);

static int
sbad(struct ccakit_errdetail *d, const char *where, const char *msg)
{
	return cki_detail(d, CCAKIT_ERR_CORIM_MALFORMED, "signed-corim",
	    "%s: %s", where, msg);
}

static int
get_time(const struct ccakit_cbor_item *it, int64_t *t)
{
	struct ccakit_cbor_item c;

	if (it->type != CCAKIT_CBOR_TAG || it->u != CKI_TAG_EPOCH)
		return CCAKIT_ERR_CORIM_MALFORMED;
	ccakit_cbor_tag_content(it, &c);
	return ccakit_cbor_get_int(&c, t) == CCAKIT_OK ? CCAKIT_OK :
	    CCAKIT_ERR_CORIM_MALFORMED;
}

/* corim-meta = {0: signer {0: name, ?1: #6.32 uri}, ?1: validity} */
static int
decode_meta(ccakit_corim *c, const uint8_t *p, size_t n,
    struct ccakit_errdetail *d)
{
	struct ccakit_cbor_item top, k, v, sk, sv;
	struct ccakit_cbor_iter i, j;
	int64_t key;
	int r;

	if ((r = ccakit_cbor_parse(p, n, NULL, &top, NULL)) != CCAKIT_OK)
		return sbad(d, "corim-meta", ccakit_strerror(r));
	if (top.type != CCAKIT_CBOR_MAP)
		return sbad(d, "corim-meta", "not a CBOR map");
	ccakit_cbor_iter_init(&i, &top);
	while (ccakit_cbor_iter_next(&i, &k) && ccakit_cbor_iter_next(&i, &v)) {
		if (ccakit_cbor_get_int(&k, &key) != CCAKIT_OK ||
		    key < 0 || key > 1)
			return sbad(d, "corim-meta", "unknown key");
		if (v.type != CCAKIT_CBOR_MAP)
			return sbad(d, "corim-meta", "expected a map");
		ccakit_cbor_iter_init(&j, &v);
		while (ccakit_cbor_iter_next(&j, &sk) &&
		    ccakit_cbor_iter_next(&j, &sv)) {
			int64_t sk_i;

			if (ccakit_cbor_get_int(&sk, &sk_i) != CCAKIT_OK ||
			    sk_i < 0 || sk_i > 1)
				return sbad(d, "corim-meta",
				    "unknown key");
			if (sv.type == CCAKIT_CBOR_TSTR && sv.u > 0 &&
			    memchr(sv.data, 0, (size_t)sv.u) != NULL)
				return sbad(d, "corim-meta", "a text string "
				    "holds a NUL character");
			if (key == 0 && sk_i == 0) {
				if (sv.type != CCAKIT_CBOR_TSTR)
					return sbad(d, "corim-meta",
					    "signer-name is not text");
				c->signer_name = cki_corim_text(&c->arena,
				    (const char *)sv.data, (size_t)sv.u);
				if (c->signer_name.s == NULL)
					return cki_detail(d,
					    CCAKIT_ERR_NOMEM, NULL, NULL);
			} else if (key == 0) {
				struct ccakit_cbor_item u;

				if (sv.type != CCAKIT_CBOR_TAG ||
				    sv.u != CKI_TAG_URI)
					return sbad(d, "corim-meta",
					    "signer-uri is not #6.32(text)");
				ccakit_cbor_tag_content(&sv, &u);
				if (u.type != CCAKIT_CBOR_TSTR || (u.u > 0 &&
				    memchr(u.data, 0, (size_t)u.u) != NULL))
					return sbad(d, "corim-meta",
					    "signer-uri is not #6.32(text)");
				c->signer_uri = cki_corim_text(&c->arena,
				    (const char *)u.data, (size_t)u.u);
				if (c->signer_uri.s == NULL)
					return cki_detail(d,
					    CCAKIT_ERR_NOMEM, NULL, NULL);
			} else if (sk_i == 0) {
				c->meta_has_nb = true;
				if (get_time(&sv, &c->meta_nb) != CCAKIT_OK)
					return sbad(d, "corim-meta",
					    "not-before is not #6.1(int)");
			} else {
				c->meta_has_na = true;
				if (get_time(&sv, &c->meta_na) != CCAKIT_OK)
					return sbad(d, "corim-meta",
					    "not-after is not #6.1(int)");
			}
		}
	}
	if (c->signer_name.s == NULL)
		return sbad(d, "corim-meta", "missing signer-name");
	if (c->meta_has_nb && !c->meta_has_na)
		return sbad(d, "corim-meta",
		    "signature-validity without not-after");
	c->has_meta = true;
	return CCAKIT_OK;
}

static int
decode_x5chain(ccakit_corim *c, const struct ccakit_cbor_item *v,
    struct ccakit_errdetail *d)
{
	struct ccakit_cbor_item e;
	struct ccakit_cbor_iter i;
	size_t n = 0;

	if (v->type == CCAKIT_CBOR_BSTR) {
		if ((c->x5chain = cki_corim_alloc(&c->arena, 1,
		    sizeof(*c->x5chain))) == NULL)
			return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		c->x5chain[0].ptr = v->data;
		c->x5chain[0].len = (size_t)v->u;
		c->n_x5 = 1;
		return CCAKIT_OK;
	}
	if (v->type != CCAKIT_CBOR_ARRAY || v->u == 0)
		return sbad(d, "x5chain", "expected a certificate or an "
		    "array of certificates");
	if (v->u > X5CHAIN_MAX)
		return sbad(d, "x5chain", "too many certificates");
	if ((c->x5chain = cki_corim_alloc(&c->arena, (size_t)v->u,
	    sizeof(*c->x5chain))) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	ccakit_cbor_iter_init(&i, v);
	while (ccakit_cbor_iter_next(&i, &e)) {
		if (e.type != CCAKIT_CBOR_BSTR || e.u == 0)
			return sbad(d, "x5chain", "a certificate is not a "
			    "non-empty byte string");
		c->x5chain[n].ptr = e.data;
		c->x5chain[n].len = (size_t)e.u;
		n++;
	}
	c->n_x5 = n;
	return CCAKIT_OK;
}

static int
decode_protected(ccakit_corim *c, struct ccakit_bytes prot,
    struct ccakit_errdetail *d)
{
	struct ccakit_cbor_item hdr, k, v;
	struct ccakit_cbor_iter i;
	int64_t key;
	int r;

	if ((r = ccakit_cbor_parse(prot.ptr, prot.len, NULL, &hdr, NULL)) !=
	    CCAKIT_OK)
		return sbad(d, "protected header", ccakit_strerror(r));
	ccakit_cbor_iter_init(&i, &hdr);
	while (ccakit_cbor_iter_next(&i, &k) && ccakit_cbor_iter_next(&i, &v)) {
		if (ccakit_cbor_get_int(&k, &key) != CCAKIT_OK)
			continue;	/* text labels: not critical, ignored */
		switch (key) {
		case COSE_HDR_CTYPE:
			if (v.type != CCAKIT_CBOR_TSTR)
				return sbad(d, "content-type",
				    "expected \"" CORIM_CTYPE "\"");
			c->content_type.s = (const char *)v.data;
			c->content_type.len = (size_t)v.u;
			break;
		case COSE_HDR_KID:
			if (v.type != CCAKIT_CBOR_BSTR)
				return sbad(d, "kid", "not a byte string");
			c->kid.ptr = v.data != NULL ? v.data :
			    (const uint8_t *)"";
			c->kid.len = (size_t)v.u;
			break;
		case COSE_HDR_META:
			if (v.type != CCAKIT_CBOR_BSTR)
				return sbad(d, "corim-meta",
				    "not a byte string (bstr .cbor)");
			if ((r = decode_meta(c, v.data, (size_t)v.u, d)) !=
			    CCAKIT_OK)
				return r;
			break;
		case COSE_HDR_X5CHAIN:
			if ((r = decode_x5chain(c, &v, d)) != CCAKIT_OK)
				return r;
			break;
		case COSE_HDR_CWT:
			return sbad(d, "protected header", "CWT-Claims "
			    "(15) instead of corim-meta is not supported "
			    "(as by Veraison)");
		case 258:
		case 259:
		case 260:
			return sbad(d, "protected header", "the "
			    "hash-envelope form is not supported");
		default:
			break;
		}
	}
	if (c->content_type.s == NULL ||
	    c->content_type.len != strlen(CORIM_CTYPE) ||
	    memcmp(c->content_type.s, CORIM_CTYPE,
	    c->content_type.len) != 0)
		return sbad(d, "content-type", "must be \"" CORIM_CTYPE
		    "\"");
	if (!c->has_meta)
		return sbad(d, "protected header",
		    "missing corim-meta (8)");
	return CCAKIT_OK;
}

int
cki_corim_decode_signed(ccakit_corim *c, const uint8_t *buf, size_t len,
    struct ccakit_errdetail *d)
{
	struct ccakit_cbor_limits lim = { 24, CKI_CORIM_MAX_ITEMS,
	    CKI_CORIM_MAX_PAIRS };
	struct ccakit_cbor_item top, in, unprot, k, v;
	struct ccakit_cbor_iter i;
	struct ccakit_cose_sign1 s;
	size_t off = 0;
	int r;

	if ((r = ccakit_cbor_parse(buf, len, &lim, &top, &off)) != CCAKIT_OK)
		return cki_detail(d, r, "signed-corim", "%s at offset %zu",
		    ccakit_strerror(r), off);
	/* #6.500(#6.502(COSE_Sign1)) of old drafts: strip the wrappers. */
	if (top.type == CCAKIT_CBOR_TAG && top.u == CKI_TAG_CORIM_OLD) {
		ccakit_cbor_tag_content(&top, &in);
		top = in;
	}
	if (top.type == CCAKIT_CBOR_TAG && top.u == CKI_TAG_SIGNED_OLD) {
		ccakit_cbor_tag_content(&top, &in);
		top = in;
	}
	if ((r = ccakit_cose_sign1_decode(top.enc, top.enclen, &s)) !=
	    CCAKIT_OK)
		return cki_detail(d, r == CCAKIT_ERR_COSE_ALG ?
		    CCAKIT_ERR_COSE_ALG : CCAKIT_ERR_CORIM_MALFORMED,
		    "signed-corim", "COSE_Sign1: %s%s", ccakit_strerror(r),
		    r == CCAKIT_ERR_COSE_ALG ? " (ccakit signs and verifies "
		    "CoRIMs with ES256, ES384 and ES512)" : "");
	/* x5chain and the others must be protected. */
	ccakit_cbor_tag_content(&top, &in);
	ccakit_cbor_iter_init(&i, &in);
	(void)ccakit_cbor_iter_next(&i, &unprot);
	(void)ccakit_cbor_iter_next(&i, &unprot);
	ccakit_cbor_iter_init(&i, &unprot);
	while (ccakit_cbor_iter_next(&i, &k) && ccakit_cbor_iter_next(&i, &v)) {
		int64_t key;

		if (ccakit_cbor_get_int(&k, &key) == CCAKIT_OK &&
		    (key == COSE_HDR_X5CHAIN || key == COSE_HDR_META ||
		    key == COSE_HDR_CTYPE))
			return sbad(d, "unprotected header", "x5chain, "
			    "corim-meta and content-type must be protected");
	}
	c->is_signed = true;
	c->sign1.ptr = top.enc;
	c->sign1.len = top.enclen;
	c->alg = s.alg;
	if ((r = decode_protected(c, s.protected_hdr, d)) != CCAKIT_OK)
		return r;
	return cki_corim_decode_unsigned(c, s.payload.ptr, s.payload.len, d);
}

int
ccakit_corim_meta(const ccakit_corim *c, struct ccakit_corim_meta *m)
{
	if (c == NULL || m == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	memset(m, 0, sizeof(*m));
	if (!c->is_signed || !c->has_meta)
		return CCAKIT_ERR_NOT_FOUND;
	/* Copies made at decoding: NUL terminated. */
	m->signer_name = c->signer_name.s;
	m->signer_uri = c->signer_uri.s;
	m->has_not_before = c->meta_has_nb;
	m->not_before = c->meta_nb;
	m->has_not_after = c->meta_has_na;
	m->not_after = c->meta_na;
	return CCAKIT_OK;
}

/* --- roots --- */

struct ccakit_corim_roots {
	X509_STORE *store;
	size_t n;
};

ccakit_corim_roots *
ccakit_corim_roots_new(void)
{
	ccakit_corim_roots *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->store = X509_STORE_new()) == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

void
ccakit_corim_roots_free(ccakit_corim_roots **rp)
{
	if (rp == NULL || *rp == NULL)
		return;
	X509_STORE_free((*rp)->store);
	free(*rp);
	*rp = NULL;
}

size_t
ccakit_corim_roots_count(const ccakit_corim_roots *r)
{
	return r == NULL ? 0 : r->n;
}

int
ccakit_corim_roots_add(ccakit_corim_roots *r, const uint8_t *buf,
    size_t len, struct ccakit_errdetail *d)
{
	const unsigned char *p = buf;
	X509 *x;
	BIO *bio;
	size_t added = 0;
	int rc = CCAKIT_OK;

	if (r == NULL || buf == NULL || len == 0 || len > INT32_MAX)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	ERR_set_mark();
	if (len > 0 && buf[0] == 0x30) {	/* DER */
		if ((x = d2i_X509(NULL, &p, (long)len)) == NULL ||
		    p != buf + len) {
			X509_free(x);
			rc = cki_detail(d, CCAKIT_ERR_KEY_INVALID, "roots",
			    "not a DER certificate");
			goto out;
		}
		if (X509_STORE_add_cert(r->store, x) != 1)
			rc = cki_detail(d, CCAKIT_ERR_CRYPTO, "roots",
			    "cannot add the certificate");
		else
			added++;
		X509_free(x);
		goto out;
	}
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL) {
		rc = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		goto out;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (X509_STORE_add_cert(r->store, x) != 1) {
			X509_free(x);
			rc = cki_detail(d, CCAKIT_ERR_CRYPTO, "roots",
			    "cannot add a certificate");
			break;
		}
		X509_free(x);
		added++;
	}
	BIO_free(bio);
	if (rc == CCAKIT_OK && added == 0)
		rc = cki_detail(d, CCAKIT_ERR_KEY_INVALID, "roots",
		    "no PEM certificate found");
 out:
	ERR_pop_to_mark();
	r->n += added;
	return rc;
}

/* --- verification --- */

static X509 *
der_cert(struct ccakit_bytes b)
{
	const unsigned char *p = b.ptr;
	X509 *x;

	if (b.len == 0 || b.len > INT32_MAX)
		return NULL;
	if ((x = d2i_X509(NULL, &p, (long)b.len)) == NULL)
		return NULL;
	if (p != b.ptr + b.len) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* The certificate's public key as a ccakit key (EC only). */
static int
cert_key(X509 *x, ccakit_key **out)
{
	EVP_PKEY *pk;
	BIO *bio = NULL;
	char *pem;
	long n;
	ccakit_key *k = NULL;
	int r = CCAKIT_ERR_KEY_INVALID;

	if ((pk = X509_get0_pubkey(x)) == NULL)
		return CCAKIT_ERR_KEY_INVALID;
	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return CCAKIT_ERR_NOMEM;
	if (PEM_write_bio_PUBKEY(bio, pk) != 1 ||
	    (n = BIO_get_mem_data(bio, &pem)) <= 0)
		goto out;
	if ((k = ccakit_key_new()) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	if ((r = ccakit_key_from_pem(k, pem, (size_t)n)) != CCAKIT_OK) {
		ccakit_key_free(&k);
		goto out;
	}
	*out = k;
 out:
	BIO_free(bio);
	return r;
}

static int
check_validity(const ccakit_corim *c, int64_t now, struct ccakit_errdetail *d)
{
	if (c->meta_has_na && now > c->meta_na)
		return cki_detail(d, CCAKIT_ERR_EXPIRED, "signature-validity",
		    "the signature expired (not-after %lld)",
		    (long long)c->meta_na);
	if (c->meta_has_nb && now < c->meta_nb)
		return cki_detail(d, CCAKIT_ERR_EXPIRED, "signature-validity",
		    "the signature is not valid yet (not-before %lld)",
		    (long long)c->meta_nb);
	return CCAKIT_OK;
}

static int
verify_sig(const ccakit_corim *c, const ccakit_key *k,
    struct ccakit_errdetail *d)
{
	struct ccakit_cose_sign1 s;
	int r;

	if ((r = ccakit_cose_sign1_decode(c->sign1.ptr, c->sign1.len, &s)) !=
	    CCAKIT_OK)
		return cki_detail(d, r, "signed-corim", "COSE_Sign1: %s",
		    ccakit_strerror(r));
	if ((r = ccakit_cose_sign1_verify(&s, k)) != CCAKIT_OK)
		return cki_detail(d, r == CCAKIT_ERR_KEY_MISMATCH ? r :
		    CCAKIT_ERR_SIGNATURE, "signature",
		    "the COSE signature does not verify with the %s key (%s)",
		    c->n_x5 > 0 ? "x5chain leaf's" : "given",
		    ccakit_strerror(r));
	return CCAKIT_OK;
}

int
ccakit_corim_verify_key(const ccakit_corim *c, const ccakit_key *k,
    struct ccakit_errdetail *d)
{
	if (c == NULL || k == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (!c->is_signed)
		return cki_detail(d, CCAKIT_ERR_NOT_FOUND, "signature",
		    "the CoRIM is not signed");
	return verify_sig(c, k, d);
}

/* The leaf must be an end entity that may sign (Veraison corim's leaf
 * policy). */
static int
leaf_policy(X509 *leaf, struct ccakit_errdetail *d)
{
	uint32_t ku;

	if (X509_check_ca(leaf) != 0)
		return cki_detail(d, CCAKIT_ERR_SIGNATURE, "x5chain",
		    "the signing certificate is a CA certificate");
	ku = X509_get_key_usage(leaf);
	if (ku != UINT32_MAX && (ku & KU_DIGITAL_SIGNATURE) == 0)
		return cki_detail(d, CCAKIT_ERR_SIGNATURE, "x5chain",
		    "the signing certificate's key usage does not allow "
		    "digitalSignature");
	return CCAKIT_OK;
}

int
ccakit_corim_verify(const ccakit_corim *c, const ccakit_corim_roots *roots,
    int64_t now, struct ccakit_errdetail *d)
{
	X509 *leaf = NULL, *x;
	STACK_OF(X509) *untrusted = NULL;
	X509_STORE_CTX *ctx = NULL;
	X509_VERIFY_PARAM *vp;
	ccakit_key *k = NULL;
	size_t i;
	int r = CCAKIT_ERR_INTERNAL, verr;

	if (c == NULL || roots == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (!c->is_signed)
		return cki_detail(d, CCAKIT_ERR_NOT_FOUND, "signature",
		    "the CoRIM is not signed");
	if (c->n_x5 == 0)
		return cki_detail(d, CCAKIT_ERR_NOT_FOUND, "x5chain",
		    "no signing certificate found (the signed CoRIM has no "
		    "x5chain)");
	if (now == 0)
		now = (int64_t)time(NULL);
	if ((r = check_validity(c, now, d)) != CCAKIT_OK)
		return r;
	ERR_set_mark();
	if ((leaf = der_cert(c->x5chain[0])) == NULL) {
		r = cki_detail(d, CCAKIT_ERR_CORIM_MALFORMED, "x5chain",
		    "x5chain[0] is not a DER certificate");
		goto out;
	}
	if ((untrusted = sk_X509_new_null()) == NULL) {
		r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		goto out;
	}
	for (i = 1; i < c->n_x5; i++) {
		if ((x = der_cert(c->x5chain[i])) == NULL) {
			r = cki_detail(d, CCAKIT_ERR_CORIM_MALFORMED,
			    "x5chain", "x5chain[%zu] is not a DER "
			    "certificate", i);
			goto out;
		}
		if (sk_X509_push(untrusted, x) <= 0) {
			X509_free(x);
			r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
			goto out;
		}
	}
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, roots->store, leaf, untrusted) != 1) {
		r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		goto out;
	}
	vp = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_time(vp, (time_t)now);
	X509_VERIFY_PARAM_set_purpose(vp, X509_PURPOSE_ANY);
	if (X509_verify_cert(ctx) != 1) {
		verr = X509_STORE_CTX_get_error(ctx);
		r = cki_detail(d, verr == X509_V_ERR_CERT_HAS_EXPIRED ||
		    verr == X509_V_ERR_CERT_NOT_YET_VALID ?
		    CCAKIT_ERR_EXPIRED : CCAKIT_ERR_TA_UNKNOWN, "x5chain",
		    "the x5chain does not lead to a trusted root: %s",
		    X509_verify_cert_error_string(verr));
		goto out;
	}
	if ((r = leaf_policy(leaf, d)) != CCAKIT_OK)
		goto out;
	if ((r = cert_key(leaf, &k)) != CCAKIT_OK) {
		r = cki_detail(d, CCAKIT_ERR_KEY_INVALID, "x5chain",
		    "the signing certificate's key is not an EC key on "
		    "P-256, P-384 or P-521");
		goto out;
	}
	r = verify_sig(c, k, d);
 out:
	ERR_pop_to_mark();
	ccakit_key_free(&k);
	X509_STORE_CTX_free(ctx);
	sk_X509_pop_free(untrusted, X509_free);
	X509_free(leaf);
	return r;
}

/* --- signing --- */

static void
put_raw(struct cki_buf *b, const void *p, size_t n)
{
	cki_buf_put(b, p, n);
}

static void
text(struct cki_buf *b, const char *s)
{
	cki_cb_head(b, H_TSTR, strlen(s));
	put_raw(b, s, strlen(s));
}

static void
epoch(struct cki_buf *b, int64_t t)
{
	cki_cb_head(b, H_TAG, CKI_TAG_EPOCH);
	cki_cb_int(b, t);
}

static int
meta_cbor(const struct ccakit_corim_meta *m, struct cki_buf *b)
{
	cki_cb_head(b, H_MAP, m->has_not_after ? 2 : 1);
	cki_cb_head(b, H_UINT, 0);
	cki_cb_head(b, H_MAP, m->signer_uri != NULL ? 2 : 1);
	cki_cb_head(b, H_UINT, 0);
	text(b, m->signer_name);
	if (m->signer_uri != NULL) {
		cki_cb_head(b, H_UINT, 1);
		cki_cb_head(b, H_TAG, CKI_TAG_URI);
		text(b, m->signer_uri);
	}
	if (m->has_not_after) {
		cki_cb_head(b, H_UINT, 1);
		cki_cb_head(b, H_MAP, m->has_not_before ? 2 : 1);
		if (m->has_not_before) {
			cki_cb_head(b, H_UINT, 0);
			epoch(b, m->not_before);
		}
		cki_cb_head(b, H_UINT, 1);
		epoch(b, m->not_after);
	}
	return b->err;
}

static int
alg_int(struct cki_buf *b, int alg)
{
	struct ccakit_cbor_writer w;
	uint8_t h[9];
	size_t n;

	ccakit_cbor_writer_init(&w, h, sizeof(h));
	ccakit_cbor_put_int(&w, alg);
	if (ccakit_cbor_writer_finish(&w, &n) != CCAKIT_OK)
		return CCAKIT_ERR_INTERNAL;
	put_raw(b, h, n);
	return CCAKIT_OK;
}

int
ccakit_corim_sign(const ccakit_corim *c, const ccakit_key *key, int alg,
    const struct ccakit_corim_meta *meta, const struct ccakit_bytes *certs,
    size_t ncerts, const uint8_t *kid, size_t kidlen, uint8_t **out,
    size_t *outlen, struct ccakit_errdetail *d)
{
	struct cki_buf payload = { 0 }, mb = { 0 }, prot = { 0 };
	X509 *leaf = NULL;
	uint8_t *sig = NULL;
	size_t i, cap, n;
	int r;

	if (out != NULL)
		*out = NULL;
	if (c == NULL || key == NULL || meta == NULL || out == NULL ||
	    outlen == NULL || (ncerts > 0 && certs == NULL) ||
	    (kid == NULL && kidlen > 0))
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (meta->signer_name == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "meta",
		    "corim-meta needs a signer name");
	if (meta->has_not_before && !meta->has_not_after)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "meta",
		    "signature validity needs not-after");
	if (ncerts > X5CHAIN_MAX)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "x5chain",
		    "at most %d certificates", X5CHAIN_MAX);
	if (!ccakit_key_has_private(key))
		return cki_detail(d, CCAKIT_ERR_KEY_INVALID, "key",
		    "signing needs a private key");
	if (alg == 0)
		alg = ccakit_key_default_alg(key);
	if (ncerts > 0) {
		ERR_set_mark();
		leaf = der_cert(certs[0]);
		r = leaf == NULL ? 0 : EVP_PKEY_eq(X509_get0_pubkey(leaf),
		    ccakit_key_evp(key));
		X509_free(leaf);
		ERR_pop_to_mark();
		if (leaf == NULL)
			return cki_detail(d, CCAKIT_ERR_KEY_INVALID, "x5chain",
			    "the leaf is not a DER certificate");
		if (r != 1)
			return cki_detail(d, CCAKIT_ERR_KEY_MISMATCH,
			    "x5chain", "the leaf certificate is not the "
			    "signing key's");
		for (i = 1; i < ncerts; i++) {
			ERR_set_mark();
			leaf = der_cert(certs[i]);
			X509_free(leaf);
			ERR_pop_to_mark();
			if (leaf == NULL)
				return cki_detail(d, CCAKIT_ERR_KEY_INVALID,
				    "x5chain", "certificate %zu is not DER",
				    i);
		}
	}
	if ((r = cki_corim_encode_buf(c, &payload)) != CCAKIT_OK ||
	    (r = meta_cbor(meta, &mb)) != CCAKIT_OK) {
		r = cki_detail(d, r, NULL, "cannot encode the CoRIM");
		goto out;
	}
	/* {1: alg, 3: ctype, ?4: kid, 8: meta, ?33: x5chain}: sorted. */
	cki_cb_head(&prot, H_MAP, 3u + (kid != NULL ? 1u : 0u) +
	    (ncerts > 0 ? 1u : 0u));
	cki_cb_head(&prot, H_UINT, COSE_HDR_ALG);
	if ((r = alg_int(&prot, alg)) != CCAKIT_OK)
		goto out;
	cki_cb_head(&prot, H_UINT, COSE_HDR_CTYPE);
	text(&prot, CORIM_CTYPE);
	if (kid != NULL) {
		cki_cb_head(&prot, H_UINT, COSE_HDR_KID);
		cki_cb_head(&prot, H_BSTR, kidlen);
		put_raw(&prot, kid, kidlen);
	}
	cki_cb_head(&prot, H_UINT, COSE_HDR_META);
	cki_cb_head(&prot, H_BSTR, mb.len);
	put_raw(&prot, mb.p, mb.len);
	if (ncerts > 0) {
		cki_cb_head(&prot, H_UINT, COSE_HDR_X5CHAIN);
		if (ncerts > 1)
			cki_cb_head(&prot, H_ARRAY, ncerts);
		for (i = 0; i < ncerts; i++) {
			cki_cb_head(&prot, H_BSTR, certs[i].len);
			put_raw(&prot, certs[i].ptr, certs[i].len);
		}
	}
	if (prot.err != 0) {
		r = cki_detail(d, prot.err, NULL, NULL);
		goto out;
	}
	cap = payload.len + prot.len + 256;
	if ((sig = malloc(cap)) == NULL) {
		r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		goto out;
	}
	if ((r = ccakit_cose_sign1_sign_prot(key, alg, prot.p, prot.len,
	    payload.p, payload.len, sig, cap, &n)) != CCAKIT_OK) {
		r = cki_detail(d, r, "sign", "cannot sign: %s",
		    ccakit_strerror(r));
		goto out;
	}
	*out = sig;
	*outlen = n;
	sig = NULL;
	r = CCAKIT_OK;
 out:
	free(sig);
	free(payload.p);
	free(mb.p);
	free(prot.p);
	return r;
}
