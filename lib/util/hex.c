/* Hex encoding and decoding. */
#include <ccakit/bytes.h>
#include <ccakit/err.h>

#include "util/util.h"

static const char hexdig[] = "0123456789abcdef";

int
ccakit_hex_encode(const uint8_t *in, size_t len, char *out, size_t outsz)
{
	size_t i;

	if (out == NULL || (len > 0 && in == NULL))
		return CCAKIT_ERR_INVALID_ARG;
	if (len > (SIZE_MAX - 1) / 2 || outsz < 2 * len + 1)
		return CCAKIT_ERR_BUFFER_TOO_SMALL;
	for (i = 0; i < len; i++) {
		out[2 * i] = hexdig[in[i] >> 4];
		out[2 * i + 1] = hexdig[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
	return CCAKIT_OK;
}

int
cki_hex_nibble(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
ccakit_hex_decode(const char *in, size_t inlen, uint8_t *out, size_t outsz,
    size_t *outlen)
{
	size_t i;
	int hi, lo;

	if (outlen == NULL || (inlen > 0 && in == NULL) ||
	    (out == NULL && outsz > 0))
		return CCAKIT_ERR_INVALID_ARG;
	if (inlen % 2 != 0)
		return CCAKIT_ERR_ENCODING;
	if (outsz < inlen / 2)
		return CCAKIT_ERR_BUFFER_TOO_SMALL;
	for (i = 0; i < inlen; i += 2) {
		if ((hi = cki_hex_nibble(in[i])) < 0 ||
		    (lo = cki_hex_nibble(in[i + 1])) < 0)
			return CCAKIT_ERR_ENCODING;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*outlen = inlen / 2;
	return CCAKIT_OK;
}
