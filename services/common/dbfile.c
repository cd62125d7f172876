/*
 * The SQLite files of the services (the key broker's challenges, the
 * verifier's database), on the file-system side: created owner-only,
 * and watched, so that a file deleted or replaced under a running
 * server is noticed instead of written to while unlinked.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dbfile.h"
#include "util/util.h"

/* The database, its write-ahead log and its shared-memory index. */
static const char *const suffix[SVC_DB_NFILES] = { "", "-wal", "-shm" };
static const char *const which[SVC_DB_NFILES] = {
	"the file", "its -wal file", "its -shm file",
};
static const char *const label[SVC_DB_NFILES] = {
	"", "-wal file: ", "-shm file: ",
};

/* path + suffix[i] in a malloc'd string. */
static char *
companion(const char *path, int i)
{
	size_t n = strlen(path), m = strlen(suffix[i]);
	char *p;

	if ((p = malloc(n + m + 1)) == NULL)
		return NULL;
	memcpy(p, path, n);
	memcpy(p + n, suffix[i], m + 1);
	return p;
}

/*
 * Error texts name the file as which[i] does, without the path, which
 * the caller prints before them.
 */
static int
fail(struct ccakit_errdetail *d, int i, const char *why)
{
	return cki_detail(d, CCAKIT_ERR_IO, "database", "%s%s", label[i],
	    why);
}

/* fd, open on file i, is a regular file (*sb filled); else it is closed
 * and the error says so. */
static int
regular(int fd, int i, struct stat *sb, struct ccakit_errdetail *d)
{
	const char *why = NULL;

	if (fstat(fd, sb) != 0)
		why = strerror(errno);
	else if (!S_ISREG(sb->st_mode))
		why = "not a regular file";
	if (why == NULL)
		return CCAKIT_OK;
	close(fd);
	return fail(d, i, why);
}

/* Make the file owner-only when group or others may access it (as root,
 * whoever owns it); *was gets the first mode changed. */
static int
owner_only_fd(int fd, int i, const struct stat *sb, unsigned *was,
    struct ccakit_errdetail *d)
{
	char why[128];

	if ((sb->st_mode & 077) == 0)
		return CCAKIT_OK;
	if (fchmod(fd, 0600) != 0) {
		snprintf(why, sizeof(why), "mode 0%o lets group or others in "
		    "and cannot be changed: %s",
		    (unsigned)(sb->st_mode & 0777), strerror(errno));
		return fail(d, i, why);
	}
	if (*was == 0)
		*was = (unsigned)(sb->st_mode & 0777);
	return CCAKIT_OK;
}

/* An existing -wal or -shm (file i of path): owner-only. */
static int
side_owner_only(const char *path, int i, unsigned *was,
    struct ccakit_errdetail *d)
{
	struct stat sb;
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) < 0)
		return errno == ENOENT ? CCAKIT_OK : fail(d, i,
		    strerror(errno));
	if ((r = regular(fd, i, &sb, d)) != CCAKIT_OK)
		return r;
	r = owner_only_fd(fd, i, &sb, was, d);
	close(fd);
	return r;
}

int
svc_dbfile_prepare(const char *path, bool owner_only, unsigned *was,
    struct ccakit_errdetail *d)
{
	struct stat sb;
	bool created = true;
	char *p;
	int fd, i, r;

	*was = 0;
	if (strcmp(path, ":memory:") == 0)
		return CCAKIT_OK;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0 && errno == EEXIST) {
		created = false;
		fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return fail(d, 0, strerror(errno));
	if ((r = regular(fd, 0, &sb, d)) != CCAKIT_OK)
		return r;
	/* open() left out what the umask takes away: 0600 exactly. */
	if (created && (sb.st_mode & 0777) != 0600 && fchmod(fd, 0600) != 0)
		r = fail(d, 0, strerror(errno));
	else if (!created && owner_only)
		r = owner_only_fd(fd, 0, &sb, was, d);
	close(fd);
	/* SQLite gives a new -wal and -shm the database's mode; old ones
	 * (left by a crash, or copied) keep theirs. */
	for (i = 1; r == CCAKIT_OK && owner_only && i < SVC_DB_NFILES; i++) {
		if ((p = companion(path, i)) == NULL)
			return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		r = side_owner_only(p, i, was, d);
		free(p);
	}
	return r;
}

/*
 * The database itself is looked at by every check; -wal and -shm, which
 * are seldom deleted alone, at most once a CKI_DB_SIDE_MS, so that a
 * check costs one stat() (about a microsecond), not three.
 */
#define CKI_DB_SIDE_MS 1000

struct svc_dbwatch {
	char *path[SVC_DB_NFILES];
	bool set[SVC_DB_NFILES];
	dev_t dev[SVC_DB_NFILES];
	ino_t ino[SVC_DB_NFILES];
	/* 0 while fine; once lost, for good, 1 + 2 * file + replaced. */
	atomic_int lost;
	/* When -wal and -shm are next due, monotonic milliseconds. */
	atomic_llong side_due;
};

static long long
coarse_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0)
		return 0;
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 0, or the verdict on file i: 1 + 2 * i deleted, 2 + 2 * i replaced. */
static int
look(const svc_dbwatch *w, int i)
{
	struct stat sb;

	if (!w->set[i])
		return 0;
	/* Other failures (EACCES, ENOMEM) say nothing of the file. */
	if (stat(w->path[i], &sb) != 0)
		return errno == ENOENT || errno == ENOTDIR ? 1 + 2 * i : 0;
	return sb.st_dev != w->dev[i] || sb.st_ino != w->ino[i] ? 2 + 2 * i :
	    0;
}

int
svc_dbwatch_new(const char *path, svc_dbwatch **out)
{
	svc_dbwatch *w;
	struct stat sb;
	int i;

	*out = NULL;
	if (strcmp(path, ":memory:") == 0)
		return CCAKIT_OK;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return CCAKIT_ERR_NOMEM;
	atomic_init(&w->lost, 0);
	atomic_init(&w->side_due, 0);
	for (i = 0; i < SVC_DB_NFILES; i++) {
		if ((w->path[i] = companion(path, i)) == NULL) {
			svc_dbwatch_free(&w);
			return CCAKIT_ERR_NOMEM;
		}
		/* In WAL mode, -wal and -shm exist while a connection is
		 * open; one that does not now is not watched. */
		if (stat(w->path[i], &sb) == 0) {
			w->set[i] = true;
			w->dev[i] = sb.st_dev;
			w->ino[i] = sb.st_ino;
		}
	}
	*out = w;
	return CCAKIT_OK;
}

void
svc_dbwatch_free(svc_dbwatch **wp)
{
	svc_dbwatch *w;
	int i;

	if (wp == NULL || (w = *wp) == NULL)
		return;
	for (i = 0; i < SVC_DB_NFILES; i++)
		free(w->path[i]);
	free(w);
	*wp = NULL;
}

int
svc_dbwatch_check(svc_dbwatch *w, struct ccakit_errdetail *d)
{
	long long t, due;
	int i, lost, now;

	if (w == NULL)
		return CCAKIT_OK;
	if ((lost = atomic_load_explicit(&w->lost, memory_order_relaxed)) ==
	    0) {
		now = look(w, 0);
		t = coarse_ms();
		due = atomic_load_explicit(&w->side_due, memory_order_relaxed);
		/* One thread does the side files when due. */
		if (now == 0 && t >= due &&
		    atomic_compare_exchange_strong(&w->side_due, &due,
		    t + CKI_DB_SIDE_MS)) {
			for (i = 1; i < SVC_DB_NFILES && now == 0; i++)
				now = look(w, i);
		}
		if (now == 0)
			return CCAKIT_OK;
		/* The first verdict stays. */
		if (atomic_compare_exchange_strong(&w->lost, &lost, now))
			lost = now;
	}
	return cki_detail(d, CCAKIT_ERR_DB_GONE, "database", "%s was %s",
	    which[(lost - 1) / 2], (lost - 1) % 2 == 0 ? "deleted" :
	    "replaced by another file");
}
