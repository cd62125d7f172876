/* UTF-8 validation and encoding (RFC 3629), shared by the parsers of
 * text formats. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/util.h"

size_t
cki_utf8_check(const uint8_t *s, size_t len)
{
	size_t i = 0;
	uint64_t w;
	uint8_t c, lo, hi;

	while (i < len) {
		/* ASCII fast path, eight bytes at a time. */
		while (len - i >= 8) {
			memcpy(&w, s + i, sizeof(w));
			if ((w & UINT64_C(0x8080808080808080)) != 0)
				break;
			i += 8;
		}
		if (i == len)
			break;
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		/* Unicode 15, Table 3-7: well-formed byte sequences. */
		if (c < 0xc2)
			return i;	/* continuation byte or overlong */
		if (c < 0xe0) {
			if (len - i < 2 || (s[i + 1] & 0xc0) != 0x80)
				return i;
			i += 2;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (c < 0xf0) {
			if (c == 0xe0)
				lo = 0xa0;	/* overlong */
			else if (c == 0xed)
				hi = 0x9f;	/* surrogates */
			if (len - i < 3 || s[i + 1] < lo || s[i + 1] > hi ||
			    (s[i + 2] & 0xc0) != 0x80)
				return i;
			i += 3;
			continue;
		}
		if (c > 0xf4)
			return i;		/* above U+10FFFF */
		if (c == 0xf0)
			lo = 0x90;		/* overlong */
		else if (c == 0xf4)
			hi = 0x8f;		/* above U+10FFFF */
		if (len - i < 4 || s[i + 1] < lo || s[i + 1] > hi ||
		    (s[i + 2] & 0xc0) != 0x80 || (s[i + 3] & 0xc0) != 0x80)
			return i;
		i += 4;
	}
	return len;
}

size_t
cki_utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}
