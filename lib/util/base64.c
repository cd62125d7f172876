/*
 * Base64 (RFC 4648): standard alphabet with padding, URL-safe alphabet
 * without padding, or a lenient decoder accepting either alphabet with
 * optional padding. Decoding is strict otherwise: no whitespace, no
 * characters outside the alphabet, no non-zero bits in the last symbol.
 */
#include <ccakit/bytes.h>
#include <ccakit/err.h>

#include "util/util.h"

static const char b64std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t
ccakit_b64_encoded_len(size_t len, enum ccakit_b64 v)
{
	if (v == CCAKIT_B64_URL)
		return (len / 3) * 4 + (len % 3 == 0 ? 0 : len % 3 + 1);
	return (len + 2) / 3 * 4;
}

int
ccakit_b64_encode(const uint8_t *in, size_t len, enum ccakit_b64 v,
    char *out, size_t outsz)
{
	const char *abc = (v == CCAKIT_B64_URL) ? b64url : b64std;
	size_t i, o = 0, need;
	uint32_t w;

	if (out == NULL || (len > 0 && in == NULL) || v == CCAKIT_B64_ANY)
		return CCAKIT_ERR_INVALID_ARG;
	if (len > SIZE_MAX / 2)
		return CCAKIT_ERR_BUFFER_TOO_SMALL;
	need = ccakit_b64_encoded_len(len, v) + 1;
	if (outsz < need)
		return CCAKIT_ERR_BUFFER_TOO_SMALL;
	for (i = 0; i + 2 < len; i += 3) {
		w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = abc[w >> 18 & 63];
		out[o++] = abc[w >> 12 & 63];
		out[o++] = abc[w >> 6 & 63];
		out[o++] = abc[w & 63];
	}
	if (len - i == 1) {
		w = (uint32_t)in[i] << 16;
		out[o++] = abc[w >> 18 & 63];
		out[o++] = abc[w >> 12 & 63];
		if (v == CCAKIT_B64_STD) {
			out[o++] = '=';
			out[o++] = '=';
		}
	} else if (len - i == 2) {
		w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = abc[w >> 18 & 63];
		out[o++] = abc[w >> 12 & 63];
		out[o++] = abc[w >> 6 & 63];
		if (v == CCAKIT_B64_STD)
			out[o++] = '=';
	}
	out[o] = '\0';
	return CCAKIT_OK;
}

/* Value of a symbol in the accepted alphabet(s), or -1. */
int
cki_b64_val(char c, enum ccakit_b64 v)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if ((c == '+' && v != CCAKIT_B64_URL) || (c == '-' && v != CCAKIT_B64_STD))
		return 62;
	if ((c == '/' && v != CCAKIT_B64_URL) || (c == '_' && v != CCAKIT_B64_STD))
		return 63;
	return -1;
}

int
ccakit_b64_decode(const char *in, size_t inlen, enum ccakit_b64 v,
    uint8_t *out, size_t outsz, size_t *outlen)
{
	size_t i, o = 0, npad = 0, nsym, rem;
	uint32_t w = 0;
	int x;

	if (outlen == NULL || (inlen > 0 && in == NULL) ||
	    (out == NULL && outsz > 0))
		return CCAKIT_ERR_INVALID_ARG;
	/* Padding: only at the end, at most two, only where allowed. */
	while (npad < inlen && npad < 2 && in[inlen - 1 - npad] == '=')
		npad++;
	if (npad > 0 && v == CCAKIT_B64_URL)
		return CCAKIT_ERR_ENCODING;
	nsym = inlen - npad;
	rem = nsym % 4;
	if (rem == 1)
		return CCAKIT_ERR_ENCODING;
	if (v == CCAKIT_B64_STD && inlen % 4 != 0)
		return CCAKIT_ERR_ENCODING;
	if (npad > 0 && (inlen % 4 != 0 || (rem == 0) ||
	    (rem == 2 && npad != 2) || (rem == 3 && npad != 1)))
		return CCAKIT_ERR_ENCODING;
	if (outsz < nsym / 4 * 3 + (rem == 0 ? 0 : rem - 1))
		return CCAKIT_ERR_BUFFER_TOO_SMALL;
	for (i = 0; i < nsym; i++) {
		if ((x = cki_b64_val(in[i], v)) < 0)
			return CCAKIT_ERR_ENCODING;
		w = w << 6 | (uint32_t)x;
		if (i % 4 == 3) {
			out[o++] = (uint8_t)(w >> 16);
			out[o++] = (uint8_t)(w >> 8);
			out[o++] = (uint8_t)w;
			w = 0;
		}
	}
	if (rem == 2) {
		if ((w & 0x0f) != 0)
			return CCAKIT_ERR_ENCODING;
		out[o++] = (uint8_t)(w >> 4);
	} else if (rem == 3) {
		if ((w & 0x03) != 0)
			return CCAKIT_ERR_ENCODING;
		out[o++] = (uint8_t)(w >> 10);
		out[o++] = (uint8_t)(w >> 2);
	}
	*outlen = o;
	return CCAKIT_OK;
}
