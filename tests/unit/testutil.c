/* Helpers shared by the unit tests. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static const char *
tu_join(const char *envname, const char *dflt, const char *rel)
{
	static char path[4096];
	const char *base = getenv(envname);
	int n;

	if (base == NULL || *base == '\0')
		base = dflt;
	n = snprintf(path, sizeof(path), "%s/%s", base, rel);
	if (n < 0 || (size_t)n >= sizeof(path))
		fail_msg("path too long: %s/%s", base, rel);
	return path;
}

const char *
tu_vector_path(const char *rel)
{
	return tu_join("CCAKIT_VECTORS", "../shared/vectors", rel);
}

const char *
tu_src_path(const char *rel)
{
	return tu_join("CCAKIT_SRCDIR", ".", rel);
}

const char *
tu_data_path(const char *rel)
{
	return tu_join("CCAKIT_TESTDATA", "tests/data", rel);
}

uint8_t *
tu_read_file(const char *path, size_t *len)
{
	FILE *f;
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0, r;

	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = (cap == 0) ? 8192 : cap * 2;
			if ((buf = realloc(buf, cap)) == NULL)
				fail_msg("out of memory");
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f))
		fail_msg("cannot read %s", path);
	fclose(f);
	buf[n] = 0;
	*len = n;
	return buf;
}

uint8_t *
tu_read_vector(const char *rel, size_t *len)
{
	return tu_read_file(tu_vector_path(rel), len);
}

static int
tu_nibble(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

uint8_t *
tu_hex(const char *hex, size_t *len)
{
	size_t cap = strlen(hex) / 2 + 1, n = 0;
	uint8_t *out = malloc(cap);
	int hi = -1;

	if (out == NULL)
		fail_msg("out of memory");
	for (; *hex != '\0'; hex++) {
		int v;
		if (isspace((unsigned char)*hex))
			continue;
		if ((v = tu_nibble((unsigned char)*hex)) < 0)
			fail_msg("bad hex digit '%c'", *hex);
		if (hi < 0) {
			hi = v;
		} else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0)
		fail_msg("odd number of hex digits");
	*len = n;
	return out;
}
