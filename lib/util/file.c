/* Reading whole files (or stdin) with a size cap. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

int
cki_read_file(const char *path, size_t max, uint8_t **bufp, size_t *lenp)
{
	FILE *f = NULL;
	uint8_t *buf = NULL, *nb;
	size_t cap = 0, len = 0, n;
	int r = CCAKIT_ERR_IO, saved;

	if (path == NULL || bufp == NULL || lenp == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	*bufp = NULL;
	*lenp = 0;
	if (strcmp(path, "-") == 0)
		f = stdin;
	else if ((f = fopen(path, "rb")) == NULL)
		return CCAKIT_ERR_IO;
	for (;;) {
		if (cap - len < 2) {
			size_t ncap = (cap == 0) ? 4096 : cap * 2;
			if (ncap > max + 2)
				ncap = max + 2;
			if (ncap <= cap) {
				r = CCAKIT_ERR_TOO_LARGE;
				goto out;
			}
			if ((nb = realloc(buf, ncap)) == NULL) {
				r = CCAKIT_ERR_NOMEM;
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (len > max) {
			r = CCAKIT_ERR_TOO_LARGE;
			goto out;
		}
		if (n == 0) {
			if (ferror(f))
				goto out;
			break;
		}
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	buf = NULL;
	r = CCAKIT_OK;
out:
	saved = errno;
	free(buf);
	if (f != NULL && f != stdin)
		fclose(f);
	errno = saved;
	return r;
}
