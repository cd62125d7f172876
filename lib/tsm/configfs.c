/*
 * The configfs-tsm attester (Linux Documentation/ABI/testing/
 * configfs-tsm-report): one report entry per request, so that no other
 * process shares it, and the generation counter checked around it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "tsm/tsm_priv.h"
#include "util/util.h"

#define ENTRY_PATH_MAX 4096
#define SMALL_ATTR_MAX 64       /* provider, generation */
#define MKDIR_TRIES 4

int
ccakit_attester_init_tsm(ccakit_attester *a, const char *root,
    struct ccakit_errdetail *d)
{
	struct stat sb;

	if (a == NULL || a->kind != 0)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (root == NULL)
		root = CCAKIT_TSM_DEFAULT_ROOT;
	if (strlen(root) > ENTRY_PATH_MAX - 64)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "configfs-tsm",
		    "root path too long");
	if (stat(root, &sb) != 0)
		return cki_detail(d, CCAKIT_ERR_IO, "configfs-tsm",
		    "%s: %s", root, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return cki_detail(d, CCAKIT_ERR_IO, "configfs-tsm",
		    "%s: not a directory", root);
	if ((a->root = strdup(root)) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	a->kind = CCAKIT_ATTESTER_TSM;
	return CCAKIT_OK;
}

void
cki_tsm_set_hook(ccakit_attester *a, cki_tsm_hook *hook, void *arg)
{
	a->hook = hook;
	a->hook_arg = arg;
}

static int
run_hook(ccakit_attester *a, enum cki_tsm_step step, const char *entry,
    struct ccakit_errdetail *d)
{
	if (a->hook != NULL && a->hook(step, entry, a->hook_arg) != 0)
		return cki_detail(d, CCAKIT_ERR_IO, "configfs-tsm",
		    "emulation hook failed");
	return CCAKIT_OK;
}

static int
attr_path(char *buf, const char *entry, const char *attr)
{
	int n;

	n = snprintf(buf, ENTRY_PATH_MAX, "%s/%s", entry, attr);
	return n < 0 || n >= ENTRY_PATH_MAX ? -1 : 0;
}

/*
 * Read an attribute into buf (at most sz bytes); *len gets the total size
 * when it is at most max, or max + 1 when it is larger. configfs fills a
 * binary attribute's buffer on the first read; plain reads to EOF work.
 */
static int
read_attr(const char *entry, const char *attr, uint8_t *buf, size_t sz,
    size_t max, size_t *len, struct ccakit_errdetail *d)
{
	char path[ENTRY_PATH_MAX];
	uint8_t scratch[4096];
	size_t total = 0;
	ssize_t n;
	int fd, r = CCAKIT_ERR_IO;

	if (attr_path(path, entry, attr) != 0)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "configfs-tsm",
		    "path too long");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return cki_detail(d, CCAKIT_ERR_IO, attr, "open: %s",
		    strerror(errno));
	for (;;) {
		if (total < sz && total < max)
			n = read(fd, buf + total, (sz < max ? sz : max) -
			    total);
		else
			n = read(fd, scratch, sizeof(scratch));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = cki_detail(d, CCAKIT_ERR_IO, attr, "read: %s",
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		total += (size_t)n;
		if (total > max) {
			total = max + 1;
			break;
		}
	}
	*len = total;
	r = CCAKIT_OK;
out:
	close(fd);
	return r;
}

/* A decimal attribute such as generation ("<n>\n"). */
static int
read_u64(const char *entry, const char *attr, uint64_t *v,
    struct ccakit_errdetail *d)
{
	uint8_t buf[SMALL_ATTR_MAX];
	uint64_t x = 0;
	size_t len, i;
	int r;

	if ((r = read_attr(entry, attr, buf, sizeof(buf), sizeof(buf), &len,
	    d)) != CCAKIT_OK)
		return r;
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len == 0 || len > 20)
		return cki_detail(d, CCAKIT_ERR_IO, attr, "not a number");
	for (i = 0; i < len; i++) {
		if (buf[i] < '0' || buf[i] > '9' ||
		    x > (UINT64_MAX - (uint64_t)(buf[i] - '0')) / 10)
			return cki_detail(d, CCAKIT_ERR_IO, attr,
			    "not a number");
		x = x * 10 + (uint64_t)(buf[i] - '0');
	}
	*v = x;
	return CCAKIT_OK;
}

static int
check_provider(const char *entry, struct ccakit_errdetail *d)
{
	static const char want[] = CCAKIT_TSM_PROVIDER_CCA;
	uint8_t buf[SMALL_ATTR_MAX];
	size_t len;
	int r;

	if ((r = read_attr(entry, "provider", buf, sizeof(buf), sizeof(buf),
	    &len, d)) != CCAKIT_OK)
		return r;
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len != sizeof(want) - 1 || memcmp(buf, want, len) != 0) {
		if (len > 32)
			len = 32;
		return cki_detail(d, CCAKIT_ERR_IO, "provider",
		    "'%.*s', not " CCAKIT_TSM_PROVIDER_CCA " (not a CCA "
		    "realm?)", (int)len, (const char *)buf);
	}
	return CCAKIT_OK;
}

/* One open, write, close: configfs commits a binary attribute at close. */
static int
write_inblob(const char *entry, const uint8_t *chal, size_t len,
    struct ccakit_errdetail *d)
{
	char path[ENTRY_PATH_MAX];
	size_t off = 0;
	ssize_t n;
	int fd;

	if (attr_path(path, entry, "inblob") != 0)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "configfs-tsm",
		    "path too long");
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return cki_detail(d, CCAKIT_ERR_IO, "inblob", "open: %s",
		    strerror(errno));
	while (off < len) {
		if ((n = write(fd, chal + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return cki_detail(d, CCAKIT_ERR_IO, "inblob",
			    "write: %s", strerror(errno));
		}
		off += (size_t)n;
	}
	if (close(fd) != 0)
		return cki_detail(d, CCAKIT_ERR_IO, "inblob", "close: %s",
		    strerror(errno));
	return CCAKIT_OK;
}

static int
make_entry(const char *root, char *entry, struct ccakit_errdetail *d)
{
	uint8_t rnd[6];
	char hex[2 * sizeof(rnd) + 1];
	int i, n;

	for (i = 0; i < MKDIR_TRIES; i++) {
		if (RAND_bytes(rnd, (int)sizeof(rnd)) != 1 ||
		    ccakit_hex_encode(rnd, sizeof(rnd), hex, sizeof(hex)) !=
		    CCAKIT_OK)
			return cki_detail(d, CCAKIT_ERR_CRYPTO, NULL, NULL);
		n = snprintf(entry, ENTRY_PATH_MAX, "%s/ccakit-%ld-%s", root,
		    (long)getpid(), hex);
		if (n < 0 || n >= ENTRY_PATH_MAX)
			return cki_detail(d, CCAKIT_ERR_INVALID_ARG,
			    "configfs-tsm", "path too long");
		if (mkdir(entry, 0700) == 0)
			return CCAKIT_OK;
		if (errno != EEXIST)
			break;
	}
	return cki_detail(d, CCAKIT_ERR_IO, "mkdir", "%s: %s", entry,
	    errno == ENXIO ? "no TSM provider registered" : strerror(errno));
}

int
cki_tsm_get_evidence(ccakit_attester *a, const uint8_t chal[64],
    uint8_t *out, size_t outsz, size_t *outlen, struct ccakit_errdetail *d)
{
	char entry[ENTRY_PATH_MAX];
	uint64_t gen0, gen1;
	size_t len;
	int r;

	if ((r = make_entry(a->root, entry, d)) != CCAKIT_OK)
		return r;
	if ((r = run_hook(a, CKI_TSM_MKDIR, entry, d)) != CCAKIT_OK ||
	    (r = check_provider(entry, d)) != CCAKIT_OK ||
	    (r = read_u64(entry, "generation", &gen0, d)) != CCAKIT_OK ||
	    (r = write_inblob(entry, chal, CCAKIT_TSM_INBLOB_MAX, d)) !=
	    CCAKIT_OK ||
	    (r = run_hook(a, CKI_TSM_INBLOB, entry, d)) != CCAKIT_OK ||
	    (r = read_attr(entry, "outblob", out, outsz,
	    CCAKIT_TSM_OUTBLOB_MAX, &len, d)) != CCAKIT_OK ||
	    (r = run_hook(a, CKI_TSM_OUTBLOB, entry, d)) != CCAKIT_OK ||
	    (r = read_u64(entry, "generation", &gen1, d)) != CCAKIT_OK)
		goto out;
	if (len == 0) {
		r = cki_detail(d, CCAKIT_ERR_IO, "outblob", "empty");
		goto out;
	}
	if (len > CCAKIT_TSM_OUTBLOB_MAX) {
		r = cki_detail(d, CCAKIT_ERR_TOO_LARGE, "outblob",
		    "larger than %d bytes", CCAKIT_TSM_OUTBLOB_MAX);
		goto out;
	}
	if (len > outsz) {
		r = cki_detail(d, CCAKIT_ERR_BUFFER_TOO_SMALL, "outblob",
		    "%zu bytes, buffer of %zu", len, outsz);
		goto out;
	}
	/* Our single write must be the only one since the entry was made. */
	if (gen0 == UINT64_MAX || gen1 != gen0 + 1) {
		r = cki_detail(d, CCAKIT_ERR_IO, "generation",
		    "moved from %" PRIu64 " to %" PRIu64 ": another writer "
		    "used the report entry", gen0, gen1);
		goto out;
	}
	*outlen = len;
	r = CCAKIT_OK;
out:
	/* The entry is removed whatever happened. Failing to remove it
	 * does not spoil a good token: a leftover entry only costs the
	 * kernel a little memory. */
	(void)run_hook(a, CKI_TSM_RMDIR, entry, NULL);
	(void)rmdir(entry);
	return r;
}
