/*
 * COSE_Sign1 (RFC 9052 §4.2) with ES256/ES384/ES512: strict decoding,
 * verification and signing. Signatures travel as raw r||s (RFC 9053
 * §2.1); OpenSSL wants DER, so both conversions live here.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <ccakit/cbor.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>

#include "cose/cose_priv.h"

#define COSE_TAG_SIGN1		18
#define COSE_HDR_ALG		1
#define COSE_HDR_CRIT		2

/* Array(4) head and tstr "Signature1" that open every Sig_structure. */
static const uint8_t sig1_prefix[] = {
	0x84, 0x6a, 'S', 'i', 'g', 'n', 'a', 't', 'u', 'r', 'e', '1'
};

/* Largest CBOR head (major type and 8-byte argument). */
#define CBOR_HEAD_MAX		9

static CRYPTO_ONCE md_once = CRYPTO_ONCE_STATIC_INIT;
static EVP_MD *md_sha256, *md_sha384, *md_sha512;

/*
 * Explicit fetches, kept for the life of the process: the implicit fetch
 * behind EVP_sha384() would run at every EVP_DigestInit_ex2().
 */
static void
md_fetch(void)
{
	md_sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
	md_sha384 = EVP_MD_fetch(NULL, "SHA2-384", NULL);
	md_sha512 = EVP_MD_fetch(NULL, "SHA2-512", NULL);
}

const EVP_MD *
cki_cose_md(int alg)
{
	if (CRYPTO_THREAD_run_once(&md_once, md_fetch) != 1)
		return NULL;
	switch (alg) {
	case CCAKIT_COSE_ES256:
		return md_sha256;
	case CCAKIT_COSE_ES384:
		return md_sha384;
	case CCAKIT_COSE_ES512:
		return md_sha512;
	default:
		return NULL;
	}
}

/* Append a bstr head for a content of len bytes to p; returns its size. */
static size_t
bstr_head(uint8_t *p, size_t len)
{
	struct ccakit_cbor_writer w;
	size_t n;

	ccakit_cbor_writer_init(&w, p, CBOR_HEAD_MAX);
	ccakit_cbor_put_bstr_head(&w, len);
	if (ccakit_cbor_writer_finish(&w, &n) != CCAKIT_OK)
		return 0;	/* cannot happen: a head fits in 9 bytes */
	return n;
}

int
cki_cose_sig_digest(int alg, const uint8_t *prot, size_t plen,
    const uint8_t *payload, size_t paylen, uint8_t *md, size_t *mdlen)
{
	uint8_t head[sizeof(sig1_prefix) + CBOR_HEAD_MAX];
	uint8_t mid[1 + CBOR_HEAD_MAX];
	const EVP_MD *type;
	EVP_MD_CTX *ctx = NULL;
	size_t hlen, mlen;
	unsigned int n;
	int r = CCAKIT_ERR_INTERNAL;

	if ((type = cki_cose_md(alg)) == NULL)
		return ccakit_cose_alg_crv(alg) == 0 ? CCAKIT_ERR_COSE_ALG :
		    CCAKIT_ERR_CRYPTO;
	/*
	 * 84 6a "Signature1" <bstr head> | protected |
	 * 40 <bstr head> | payload
	 */
	memcpy(head, sig1_prefix, sizeof(sig1_prefix));
	hlen = sizeof(sig1_prefix) + bstr_head(head + sizeof(sig1_prefix),
	    plen);
	mid[0] = 0x40;
	mlen = 1 + bstr_head(mid + 1, paylen);

	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	if (EVP_DigestInit_ex2(ctx, type, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, head, hlen) != 1 ||
	    EVP_DigestUpdate(ctx, prot, plen) != 1 ||
	    EVP_DigestUpdate(ctx, mid, mlen) != 1 ||
	    EVP_DigestUpdate(ctx, payload, paylen) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, &n) != 1) {
		r = CCAKIT_ERR_CRYPTO;
		goto out;
	}
	*mdlen = n;
	r = CCAKIT_OK;
out:
	EVP_MD_CTX_free(ctx);
	return r;
}

/*
 * The minimal DER INTEGER content of the unsigned big-endian v[0..len):
 * *skip leading zero bytes dropped (one byte always kept), and whether a
 * 0x00 must precede the rest to keep it positive.
 */
static size_t
der_int_len(const uint8_t *v, size_t len, size_t *skip, bool *pad)
{
	size_t i = 0;

	while (i + 1 < len && v[i] == 0)
		i++;
	*skip = i;
	*pad = (v[i] & 0x80) != 0;
	return len - i + (*pad ? 1 : 0);
}

static size_t
der_put_int(uint8_t *p, const uint8_t *v, size_t skip, bool pad,
    size_t clen)
{
	size_t n = clen - skip, o = 0;

	p[o++] = 0x02;
	p[o++] = (uint8_t)(n + (pad ? 1 : 0));
	if (pad)
		p[o++] = 0x00;
	memcpy(p + o, v + skip, n);
	return o + n;
}

int
cki_ecdsa_raw_to_der(const uint8_t *raw, size_t clen, uint8_t *der,
    size_t dersz, size_t *derlen)
{
	size_t rskip, sskip, rlen, slen, body, o = 0;
	bool rpad, spad;

	if (raw == NULL || der == NULL || derlen == NULL || clen == 0 ||
	    clen > CKI_EC_COORD_MAX)
		return CCAKIT_ERR_INVALID_ARG;
	rlen = der_int_len(raw, clen, &rskip, &rpad);
	slen = der_int_len(raw + clen, clen, &sskip, &spad);
	/* Each INTEGER is at most 67 content bytes: short-form lengths. */
	body = 2 + rlen + 2 + slen;
	if (dersz < body + (body < 0x80 ? 2 : 3))
		return CCAKIT_ERR_BUFFER_TOO_SMALL;
	der[o++] = 0x30;
	if (body >= 0x80)
		der[o++] = 0x81;
	der[o++] = (uint8_t)body;
	o += der_put_int(der + o, raw, rskip, rpad, clen);
	o += der_put_int(der + o, raw + clen, sskip, spad, clen);
	*derlen = o;
	return CCAKIT_OK;
}

/*
 * Read one minimally encoded non-negative DER INTEGER of at most clen
 * significant bytes at der[*off..end) into out[0..clen), left-padded.
 */
static int
der_get_int(const uint8_t *der, size_t end, size_t *off, size_t clen,
    uint8_t *out)
{
	const uint8_t *v;
	size_t o = *off, n;

	if (end - o < 2 || der[o] != 0x02 || der[o + 1] >= 0x80)
		return CCAKIT_ERR_SIGNATURE;
	n = der[o + 1];
	o += 2;
	if (n == 0 || n > end - o)
		return CCAKIT_ERR_SIGNATURE;
	v = der + o;
	o += n;
	if (v[0] & 0x80)
		return CCAKIT_ERR_SIGNATURE;	/* negative */
	if (v[0] == 0x00 && n > 1) {
		if ((v[1] & 0x80) == 0)
			return CCAKIT_ERR_SIGNATURE;	/* not minimal */
		v++;
		n--;
	}
	if (n > clen)
		return CCAKIT_ERR_SIGNATURE;
	memset(out, 0, clen - n);
	memcpy(out + clen - n, v, n);
	*off = o;
	return CCAKIT_OK;
}

int
cki_ecdsa_der_to_raw(const uint8_t *der, size_t derlen, size_t clen,
    uint8_t *raw)
{
	size_t off, body;
	int r;

	if (der == NULL || raw == NULL || clen == 0 || clen > CKI_EC_COORD_MAX)
		return CCAKIT_ERR_INVALID_ARG;
	if (derlen < 2 || der[0] != 0x30)
		return CCAKIT_ERR_SIGNATURE;
	if (der[1] < 0x80) {
		body = der[1];
		off = 2;
	} else if (der[1] == 0x81 && derlen >= 3 && der[2] >= 0x80) {
		body = der[2];
		off = 3;
	} else {
		return CCAKIT_ERR_SIGNATURE;
	}
	if (body != derlen - off)
		return CCAKIT_ERR_SIGNATURE;
	if ((r = der_get_int(der, derlen, &off, clen, raw)) != CCAKIT_OK ||
	    (r = der_get_int(der, derlen, &off, clen, raw + clen)) != CCAKIT_OK)
		return r;
	if (off != derlen)
		return CCAKIT_ERR_SIGNATURE;
	return CCAKIT_OK;
}

/*
 * The protected header: a bstr holding one strict, non-empty map with an
 * algorithm and no crit. *alg receives the algorithm when it is an
 * integer; a text algorithm is reported as 0 (unsupported).
 */
static int
decode_protected(const struct ccakit_cbor_item *bstr, int64_t *alg)
{
	struct ccakit_cbor_item hdr, v;
	int64_t a;
	int r;

	if (bstr->u == 0)
		return CCAKIT_ERR_COSE_MALFORMED;
	if ((r = ccakit_cbor_parse(bstr->data, (size_t)bstr->u, NULL, &hdr,
	    NULL)) != CCAKIT_OK)
		return r;
	if (hdr.type != CCAKIT_CBOR_MAP || hdr.u == 0)
		return CCAKIT_ERR_COSE_MALFORMED;
	/* This profile understands no critical header. */
	if (ccakit_cbor_map_get_int(&hdr, COSE_HDR_CRIT, &v))
		return CCAKIT_ERR_COSE_MALFORMED;
	if (!ccakit_cbor_map_get_int(&hdr, COSE_HDR_ALG, &v))
		return CCAKIT_ERR_COSE_ALG;
	switch (v.type) {
	case CCAKIT_CBOR_UINT:
	case CCAKIT_CBOR_NINT:
		if (ccakit_cbor_get_int(&v, &a) != CCAKIT_OK)
			a = 0;	/* out of range: unsupported */
		break;
	case CCAKIT_CBOR_TSTR:
		a = 0;		/* valid COSE; no text algorithm here */
		break;
	default:
		return CCAKIT_ERR_COSE_MALFORMED;
	}
	*alg = a;
	return CCAKIT_OK;
}

int
ccakit_cose_sign1_decode(const uint8_t *buf, size_t len,
    struct ccakit_cose_sign1 *out)
{
	struct ccakit_cbor_item top, arr, prot, unprot, payload, sig, v;
	struct ccakit_cbor_iter it;
	int64_t alg = 0;
	int r;

	if (out == NULL || (buf == NULL && len > 0))
		return CCAKIT_ERR_INVALID_ARG;
	/* Exactly one strict item: trailing bytes are refused here. */
	if ((r = ccakit_cbor_parse(buf, len, NULL, &top, NULL)) != CCAKIT_OK)
		return r;
	if (top.type != CCAKIT_CBOR_TAG || top.u != COSE_TAG_SIGN1)
		return CCAKIT_ERR_COSE_MALFORMED;
	ccakit_cbor_tag_content(&top, &arr);
	if (arr.type != CCAKIT_CBOR_ARRAY || arr.u != 4)
		return CCAKIT_ERR_COSE_MALFORMED;
	ccakit_cbor_iter_init(&it, &arr);
	if (!ccakit_cbor_iter_next(&it, &prot) ||
	    !ccakit_cbor_iter_next(&it, &unprot) ||
	    !ccakit_cbor_iter_next(&it, &payload) ||
	    !ccakit_cbor_iter_next(&it, &sig))
		return CCAKIT_ERR_COSE_MALFORMED;
	if (prot.type != CCAKIT_CBOR_BSTR || unprot.type != CCAKIT_CBOR_MAP ||
	    payload.type != CCAKIT_CBOR_BSTR || sig.type != CCAKIT_CBOR_BSTR)
		return CCAKIT_ERR_COSE_MALFORMED;
	/* Attached, non-empty payload; a signature. */
	if (payload.u == 0 || sig.u == 0)
		return CCAKIT_ERR_COSE_MALFORMED;
	if ((r = decode_protected(&prot, &alg)) != CCAKIT_OK)
		return r;
	/* The algorithm must be protected; crit is never unprotected. */
	if (ccakit_cbor_map_get_int(&unprot, COSE_HDR_ALG, &v) ||
	    ccakit_cbor_map_get_int(&unprot, COSE_HDR_CRIT, &v))
		return CCAKIT_ERR_COSE_MALFORMED;
	if (alg < INT32_MIN || alg > INT32_MAX ||
	    ccakit_cose_alg_crv((int)alg) == 0)
		return CCAKIT_ERR_COSE_ALG;

	out->protected_hdr.ptr = prot.data;
	out->protected_hdr.len = (size_t)prot.u;
	out->payload.ptr = payload.data;
	out->payload.len = (size_t)payload.u;
	out->signature.ptr = sig.data;
	out->signature.len = (size_t)sig.u;
	out->alg = (int)alg;
	return CCAKIT_OK;
}

int
cki_cose_check_alg(const ccakit_key *key, int alg)
{
	int crv;

	if ((crv = ccakit_cose_alg_crv(alg)) == 0)
		return CCAKIT_ERR_COSE_ALG;
	if (crv != key->crv || (key->alg != 0 && key->alg != alg))
		return CCAKIT_ERR_KEY_MISMATCH;
	return CCAKIT_OK;
}

int
cki_ecdsa_sign_digest(const ccakit_key *priv, int alg, const uint8_t *md,
    size_t mdlen, uint8_t *raw)
{
	uint8_t der[CKI_EC_DERSIG_MAX];
	EVP_PKEY_CTX *ctx = NULL;
	size_t derlen = sizeof(der);
	int r = CCAKIT_ERR_INTERNAL;

	ERR_set_mark();
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv->pkey,
	    NULL)) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	if (EVP_PKEY_sign_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, cki_cose_md(alg)) != 1 ||
	    EVP_PKEY_sign(ctx, der, &derlen, md, mdlen) != 1 ||
	    cki_ecdsa_der_to_raw(der, derlen,
	    ccakit_cose_crv_coord_len(priv->crv), raw) != CCAKIT_OK) {
		r = CCAKIT_ERR_CRYPTO;
		goto out;
	}
	r = CCAKIT_OK;
out:
	ERR_pop_to_mark();
	EVP_PKEY_CTX_free(ctx);
	return r;
}

int
cki_ecdsa_verify_openssl(const ccakit_key *pub, int alg, const uint8_t *md,
    size_t mdlen, const uint8_t *raw)
{
	uint8_t der[CKI_EC_DERSIG_MAX];
	EVP_PKEY_CTX *ctx = NULL;
	size_t derlen;
	int r = CCAKIT_ERR_INTERNAL;

	if ((r = cki_ecdsa_raw_to_der(raw, ccakit_cose_crv_coord_len(pub->crv),
	    der, sizeof(der), &derlen)) != CCAKIT_OK)
		return r;
	ERR_set_mark();
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub->pkey, NULL)) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	if (EVP_PKEY_verify_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, cki_cose_md(alg)) != 1) {
		r = CCAKIT_ERR_CRYPTO;
		goto out;
	}
	/* 1 is the only success; 0 and negative values are failures. */
	r = EVP_PKEY_verify(ctx, der, derlen, md, mdlen) == 1 ? CCAKIT_OK :
	    CCAKIT_ERR_SIGNATURE;
out:
	ERR_pop_to_mark();
	EVP_PKEY_CTX_free(ctx);
	return r;
}

int
ccakit_cose_sign1_verify(const struct ccakit_cose_sign1 *msg,
    const ccakit_key *key)
{
	uint8_t md[CKI_MD_MAX];
	size_t mdlen;
	int r;

	if (msg == NULL || key == NULL || key->pkey == NULL ||
	    (msg->protected_hdr.ptr == NULL && msg->protected_hdr.len > 0) ||
	    (msg->payload.ptr == NULL && msg->payload.len > 0))
		return CCAKIT_ERR_INVALID_ARG;
	if ((r = cki_cose_check_alg(key, msg->alg)) != CCAKIT_OK)
		return r;
	if (msg->signature.ptr == NULL ||
	    msg->signature.len != 2 * ccakit_cose_crv_coord_len(key->crv))
		return CCAKIT_ERR_SIGNATURE;
	if ((r = cki_cose_sig_digest(msg->alg, msg->protected_hdr.ptr,
	    msg->protected_hdr.len, msg->payload.ptr, msg->payload.len, md,
	    &mdlen)) != CCAKIT_OK)
		return r;
	return cki_ecdsa_verify_digest(key, msg->alg, md, mdlen,
	    msg->signature.ptr);
}

/* COSE_Sign1_Tagged [prot, {}, payload, sig] into w. */
static void
put_sign1(struct ccakit_cbor_writer *w, const uint8_t *prot, size_t plen,
    const uint8_t *payload, size_t paylen, const uint8_t *sig, size_t slen)
{
	ccakit_cbor_put_tag(w, COSE_TAG_SIGN1);
	ccakit_cbor_put_array(w, 4);
	ccakit_cbor_put_bstr(w, prot, plen);
	ccakit_cbor_put_map(w, 0);
	ccakit_cbor_put_bstr(w, payload, paylen);
	ccakit_cbor_put_bstr(w, sig, slen);
}

int
ccakit_cose_sign1_sign_prot(const ccakit_key *priv, int alg,
    const uint8_t *prot, size_t protlen, const uint8_t *payload,
    size_t plen, uint8_t *out, size_t outsz, size_t *outlen)
{
	uint8_t md[CKI_MD_MAX], raw[CKI_EC_RAWSIG_MAX];
	struct ccakit_cbor_writer w;
	struct ccakit_cbor_item hdr, v;
	size_t mdlen, clen, need, n;
	int64_t a;
	int r = CCAKIT_ERR_INTERNAL;

	if (priv == NULL || priv->pkey == NULL || payload == NULL ||
	    plen == 0 || prot == NULL || out == NULL || outlen == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if (!priv->priv)
		return CCAKIT_ERR_KEY_INVALID;
	if ((r = cki_cose_check_alg(priv, alg)) != CCAKIT_OK)
		return r;
	/* The header must be a strict map naming this algorithm, no crit. */
	if (ccakit_cbor_parse(prot, protlen, NULL, &hdr, NULL) != CCAKIT_OK ||
	    hdr.type != CCAKIT_CBOR_MAP ||
	    !ccakit_cbor_map_get_int(&hdr, COSE_HDR_ALG, &v) ||
	    ccakit_cbor_get_int(&v, &a) != CCAKIT_OK || a != alg ||
	    ccakit_cbor_map_get_int(&hdr, COSE_HDR_CRIT, &v))
		return CCAKIT_ERR_INVALID_ARG;
	clen = ccakit_cose_crv_coord_len(priv->crv);

	/* The size is known before signing: fail early when it won't fit. */
	ccakit_cbor_writer_init(&w, NULL, 0);
	put_sign1(&w, prot, protlen, payload, plen, raw, 2 * clen);
	if ((r = ccakit_cbor_writer_finish(&w, &need)) != CCAKIT_OK)
		return r;
	if (need > outsz)
		return CCAKIT_ERR_BUFFER_TOO_SMALL;

	if ((r = cki_cose_sig_digest(alg, prot, protlen, payload, plen, md,
	    &mdlen)) != CCAKIT_OK ||
	    (r = cki_ecdsa_sign_digest(priv, alg, md, mdlen, raw)) !=
	    CCAKIT_OK)
		return r;
	ccakit_cbor_writer_init(&w, out, outsz);
	put_sign1(&w, prot, protlen, payload, plen, raw, 2 * clen);
	if ((r = ccakit_cbor_writer_finish(&w, &n)) != CCAKIT_OK)
		return r;
	*outlen = n;
	return CCAKIT_OK;
}

int
ccakit_cose_sign1_sign(const ccakit_key *priv, int alg,
    const uint8_t *payload, size_t plen, uint8_t *out, size_t outsz,
    size_t *outlen)
{
	uint8_t prot[16];
	struct ccakit_cbor_writer w;
	size_t protlen;
	int r;

	if (priv == NULL || priv->pkey == NULL || payload == NULL ||
	    plen == 0 || out == NULL || outlen == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if (!priv->priv)
		return CCAKIT_ERR_KEY_INVALID;
	if (alg == 0)
		alg = ccakit_key_default_alg(priv);
	if ((r = cki_cose_check_alg(priv, alg)) != CCAKIT_OK)
		return r;

	/* Protected header {1: alg}. */
	ccakit_cbor_writer_init(&w, prot, sizeof(prot));
	ccakit_cbor_put_map(&w, 1);
	ccakit_cbor_put_int(&w, COSE_HDR_ALG);
	ccakit_cbor_put_int(&w, alg);
	if (ccakit_cbor_writer_finish(&w, &protlen) != CCAKIT_OK)
		return CCAKIT_ERR_INTERNAL;
	return ccakit_cose_sign1_sign_prot(priv, alg, prot, protlen, payload,
	    plen, out, outsz, outlen);
}
