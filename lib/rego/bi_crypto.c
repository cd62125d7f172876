/*
 * crypto.*: hashes (md5, sha1, sha256) and HMAC (md5, sha1, sha256,
 * sha512, equal) through OpenSSL's EVP; and the decoders the crypto and
 * io.jwt families share (bi_crypto.h): Go's base64 and PEM, public keys
 * from DER.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <ccakit/bytes.h>

#include "rego/bi_crypto.h"

/* ------------------------------------------------------------------ */
/* Hashes and HMAC.                                                     */

static int
hex_out(ccakit_rego_bictx *ctx, const uint8_t *d, size_t n, const rv **out)
{
	char buf[2 * EVP_MAX_MD_SIZE + 1];

	if (ccakit_hex_encode(d, n, buf, sizeof(buf)) != CCAKIT_OK)
		return ccakit_rego_bi_error(ctx, "hex encoding failed");
	NOMEM_IF(ctx, *out = rv_str(rego_bi_arena(ctx), buf, 2 * n));
	return CCAKIT_OK;
}

static int
digest(ccakit_rego_bictx *ctx, args_t a, const char *md, const rv **out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	size_t n = 0;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	if (!EVP_Q_digest(NULL, md, NULL, a[0]->u.s, a[0]->n, d, &n))
		return ccakit_rego_bi_error(ctx, "%s is not available", md);
	return hex_out(ctx, d, n, out);
}

static int
bi_md5(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return digest(ctx, a, "MD5", out);
}

static int
bi_sha1(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return digest(ctx, a, "SHA1", out);
}

static int
bi_sha256(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return digest(ctx, a, "SHA256", out);
}

/* crypto.hmac.*(message, key) */
static int
hmac(ccakit_rego_bictx *ctx, args_t a, const char *md, const rv **out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	size_t n = 0;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	BI_NEED(ctx, a, 1, RV_STR, "string");
	if (EVP_Q_mac(NULL, "HMAC", NULL, md, NULL, a[1]->u.s, a[1]->n,
	    (const unsigned char *)a[0]->u.s, a[0]->n, d, sizeof(d),
	    &n) == NULL)
		return ccakit_rego_bi_error(ctx, "HMAC-%s failed", md);
	return hex_out(ctx, d, n, out);
}

static int
bi_hmac_md5(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return hmac(ctx, a, "MD5", out);
}

static int
bi_hmac_sha1(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return hmac(ctx, a, "SHA1", out);
}

static int
bi_hmac_sha256(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return hmac(ctx, a, "SHA256", out);
}

static int
bi_hmac_sha512(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return hmac(ctx, a, "SHA512", out);
}

/* Go's hmac.Equal: constant time for equal lengths. */
static int
bi_hmac_equal(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	BI_NEED(ctx, a, 0, RV_STR, "string");
	BI_NEED(ctx, a, 1, RV_STR, "string");
	*out = RV_BOOLV(a[0]->n == a[1]->n &&
	    ccakit_ct_memcmp(a[0]->u.s, a[1]->u.s, a[0]->n) == 0);
	return CCAKIT_OK;
}

/* ------------------------------------------------------------------ */
/* Go's base64 and PEM.                                                 */

static bool
b64_skip(unsigned char c, unsigned flags)
{
	return c == '\n' || c == '\r' || ((flags & REGO_B64_BLANKS) &&
	    (c == ' ' || c == '\t'));
}

bool
rego_go_b64dec(const char *s, size_t n, unsigned flags, uint8_t *out,
    size_t *outlen, size_t *errpos)
{
	const unsigned char *src = (const unsigned char *)s;
	bool url = (flags & REGO_B64_URL) != 0;
	size_t si = 0, o = 0;

	while (si < n) {
		unsigned d[4] = { 0, 0, 0, 0 };
		size_t dlen = 4, j;
		bool trailing = false;

		for (j = 0; j < 4; j++) {
			int v;

			if (si == n) {
				if (j == 0)
					goto done;
				*errpos = si - j;
				return false;
			}
			v = cki_b64_val((char)src[si], url ? CCAKIT_B64_URL :
			    CCAKIT_B64_STD);
			si++;
			if (v >= 0) {
				d[j] = (unsigned)v;
				continue;
			}
			if (b64_skip(src[si - 1], flags)) {
				j--;
				continue;
			}
			if (src[si - 1] != '=' || j < 2) {
				*errpos = si - 1;
				return false;
			}
			if (j == 2) {
				while (si < n && b64_skip(src[si], flags))
					si++;
				if (si == n) {
					*errpos = n;
					return false;
				}
				if (src[si] != '=') {
					*errpos = si - 1;
					return false;
				}
				si++;
			}
			while (si < n && b64_skip(src[si], flags))
				si++;
			if (si < n)
				trailing = true;
			dlen = j;
			break;
		}
		if (out != NULL) {
			unsigned v = d[0] << 18 | d[1] << 12 | d[2] << 6 | d[3];

			out[o] = (uint8_t)(v >> 16);
			if (dlen >= 3)
				out[o + 1] = (uint8_t)(v >> 8);
			if (dlen == 4)
				out[o + 2] = (uint8_t)v;
		}
		o += dlen - 1;
		if (trailing) {
			*errpos = si;
			return false;
		}
	}
done:
	*outlen = o;
	return true;
}

/* Go's getLine: the line (CR LF or LF stripped, trailing blanks cut)
 * and the offset after it. */
static size_t
pem_line(const char *s, size_t n, size_t at, size_t *lineend)
{
	const char *nl = memchr(s + at, '\n', n - at);
	size_t i = nl != NULL ? (size_t)(nl - s) : n;
	size_t next = nl != NULL ? i + 1 : n;

	if (nl != NULL && i > at && s[i - 1] == '\r')
		i--;
	while (i > at && (s[i - 1] == ' ' || s[i - 1] == '\t'))
		i--;
	*lineend = i;
	return next;
}

static const char *
find_str(const char *h, size_t hn, const char *needle)
{
	size_t nn = strlen(needle), i;

	for (i = 0; i + nn <= hn; i++)
		if (h[i] == needle[0] && memcmp(h + i, needle, nn) == 0)
			return h + i;
	return NULL;
}

bool
rego_pem_decode(struct rego_arena *ar, const char *s, size_t n,
    struct rego_pem *blk, size_t *rest)
{
	static const char begin[] = "\n-----BEGIN ", end[] = "\n-----END ";
	/* The first END at or after end_from: failed blocks share it, so
	 * each search starts where the last one stopped (Go searches
	 * again each time, quadratic on hostile input). */
	size_t at = 0, end_from = 0, end_at = SIZE_MAX;
	bool end_known = false;

	for (;;) {
		size_t tstart, tend, lend, body, endi, trail, tlen, derlen,
		    errpos, le;
		const char *p;
		bool headers = false;

		if (n - at >= sizeof(begin) - 2 &&
		    memcmp(s + at, begin + 1, sizeof(begin) - 2) == 0) {
			at += sizeof(begin) - 2;
		} else if ((p = find_str(s + at, n - at, begin)) != NULL) {
			at = (size_t)(p - s) + sizeof(begin) - 1;
		} else {
			return false;
		}
		tstart = at;
		at = pem_line(s, n, at, &lend);
		if (lend - tstart < 5 || memcmp(s + lend - 5, "-----", 5) != 0)
			continue;
		tend = lend - 5;
		tlen = tend - tstart;
		/* Headers ("Key: value" lines) up to the first other line. */
		for (;;) {
			size_t next;

			if (at == n)
				return false;
			next = pem_line(s, n, at, &le);
			if (memchr(s + at, ':', le - at) == NULL)
				break;
			headers = true;
			at = next;
		}
		body = at;
		if (!headers && n - at >= sizeof(end) - 2 &&
		    memcmp(s + at, end + 1, sizeof(end) - 2) == 0) {
			endi = at;
			trail = at + sizeof(end) - 2;
		} else {
			if (!end_known || at < end_from || at > end_at) {
				p = find_str(s + at, n - at, end);
				end_known = true;
				end_from = at;
				end_at = p != NULL ? (size_t)(p - s) : SIZE_MAX;
			}
			if (end_at == SIZE_MAX)
				continue;
			endi = end_at;
			trail = endi + sizeof(end) - 1;
		}
		if (n - trail < tlen + 5 ||
		    memcmp(s + trail, s + tstart, tlen) != 0 ||
		    memcmp(s + trail + tlen, "-----", 5) != 0)
			continue;
		(void)pem_line(s, n, trail + tlen + 5, &le);
		if (le != trail + tlen + 5)
			continue;
		/* Go removes spaces and tabs, then decodes (CR and LF are
		 * skipped by the decoder): check first, then decode into a
		 * buffer of the exact size. */
		if (!rego_go_b64dec(s + body, endi - body, REGO_B64_BLANKS,
		    NULL, &derlen, &errpos))
			continue;
		if ((blk->der = ra_alloc(ar, derlen + 1)) == NULL)
			return false;
		(void)rego_go_b64dec(s + body, endi - body, REGO_B64_BLANKS,
		    blk->der, &blk->derlen, &errpos);
		blk->type = s + tstart;
		blk->typelen = tlen;
		*rest = pem_line(s, n, endi + sizeof(end) - 2, &le);
		return true;
	}
}

bool
rego_pem_is(const struct rego_pem *blk, const char *type)
{
	return blk->typelen == strlen(type) &&
	    memcmp(blk->type, type, blk->typelen) == 0;
}

/* ------------------------------------------------------------------ */
/* Keys.                                                                */

EVP_PKEY *
rego_pubkey_from_der(const uint8_t *der, size_t n, bool cert)
{
	const unsigned char *p = der;
	EVP_PKEY *k;

	if (n > LONG_MAX)
		return NULL;
	if (cert) {
		X509 *x = d2i_X509(NULL, &p, (long)n);

		if (x == NULL)
			return NULL;
		k = X509_get_pubkey(x);
		X509_free(x);
	} else {
		k = d2i_PUBKEY(NULL, &p, (long)n);
	}
	return k;
}

const struct rego_bi_def rego_bi_crypto[] = {
	{ "crypto.md5", 1, 0, bi_md5 },
	{ "crypto.sha1", 1, 0, bi_sha1 },
	{ "crypto.sha256", 1, 0, bi_sha256 },
	{ "crypto.hmac.md5", 2, 0, bi_hmac_md5 },
	{ "crypto.hmac.sha1", 2, 0, bi_hmac_sha1 },
	{ "crypto.hmac.sha256", 2, 0, bi_hmac_sha256 },
	{ "crypto.hmac.sha512", 2, 0, bi_hmac_sha512 },
	{ "crypto.hmac.equal", 2, 0, bi_hmac_equal },
	{ NULL, 0, 0, NULL },
};
