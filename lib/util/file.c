/*
 * Reading whole files (or stdin) with a size cap; writing output files
 * without replacing what is not a regular file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Write all of buf to fd. */
static int
write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A new file next to path, renamed over it once complete. */
static int
write_new(const char *path, const uint8_t *buf, size_t len, unsigned mode)
{
	size_t n = strlen(path);
	char *tmp;
	int fd, saved;

	if ((tmp = malloc(n + sizeof(".XXXXXX"))) == NULL)
		return CCAKIT_ERR_NOMEM;
	memcpy(tmp, path, n);
	memcpy(tmp + n, ".XXXXXX", sizeof(".XXXXXX"));
	/* mkstemp: O_EXCL, mode 0600, so a secret is never readable. */
	if ((fd = mkstemp(tmp)) < 0) {
		saved = errno;
		free(tmp);
		errno = saved;
		return CCAKIT_ERR_IO;
	}
	if (write_all(fd, buf, len) != 0 || fchmod(fd, (mode_t)mode) != 0 ||
	    fsync(fd) != 0) {
		saved = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		saved = errno;
		goto fail;
	}
	free(tmp);
	return CCAKIT_OK;
fail:
	unlink(tmp);
	free(tmp);
	errno = saved;
	return CCAKIT_ERR_IO;
}

/* Through a symbolic link, or into a FIFO or a device: in place. */
static int
write_in_place(const char *path, const uint8_t *buf, size_t len,
    unsigned mode)
{
	struct stat sb;
	int fd, saved;

	/* No O_CREAT (a dangling link is an error), no O_TRUNC (which
	 * only a regular file needs). */
	if ((fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC)) < 0)
		return CCAKIT_ERR_IO;
	if (fstat(fd, &sb) != 0)
		goto fail;
	if (S_ISREG(sb.st_mode)) {
		/* A private output must not land in a file others read. */
		if ((mode & 077) == 0 && (sb.st_mode & 077) != 0 &&
		    fchmod(fd, sb.st_mode & 0700) != 0)
			goto fail;
		if (ftruncate(fd, 0) != 0)
			goto fail;
	}
	if (write_all(fd, buf, len) != 0)
		goto fail;
	if (close(fd) != 0)
		return CCAKIT_ERR_IO;
	return CCAKIT_OK;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return CCAKIT_ERR_IO;
}

int
cki_write_file(const char *path, const void *buf, size_t len, unsigned mode)
{
	struct stat sb;

	if (path == NULL || (buf == NULL && len > 0) || path[0] == '\0' ||
	    (mode & ~0777u) != 0)
		return CCAKIT_ERR_INVALID_ARG;
	if (lstat(path, &sb) != 0) {
		if (errno != ENOENT)
			return CCAKIT_ERR_IO;
		return write_new(path, buf, len, mode);
	}
	if (S_ISREG(sb.st_mode))
		return write_new(path, buf, len, mode);
	if (S_ISDIR(sb.st_mode)) {
		errno = EISDIR;
		return CCAKIT_ERR_IO;
	}
	return write_in_place(path, buf, len, mode);
}
