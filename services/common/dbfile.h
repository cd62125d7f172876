/*
 * The SQLite files of the services (the key broker's challenges, the
 * verifier's database), on the file-system side: created owner-only, and
 * watched, so that a file deleted or replaced under a running server is
 * noticed instead of written to while unlinked. No SQLite here.
 */
#ifndef SVC_DBFILE_H
#define SVC_DBFILE_H

#include <stdbool.h>

#include <ccakit/err.h>

/*
 * The SQLite files of a service, before SQLite opens them (dbfile.c).
 * path is created if missing, with mode 0600 whatever the umask; it must
 * be a regular file (a symbolic link is not followed). With owner_only,
 * an existing database, -wal or -shm file that group or others may access
 * is made 0600 and *was gets its old mode (else 0); one whose mode cannot
 * be changed (another owner) fails. ":memory:" is left alone. Error
 * texts do not repeat the path ("mode 0666 lets group or others in and
 * cannot be changed: ...", "-wal file: not a regular file").
 */
#define SVC_DB_NFILES 3                 /* the file, -wal, -shm */
int svc_dbfile_prepare(const char *path, bool owner_only, unsigned *was,
    struct ccakit_errdetail *d);

/*
 * A watch on the files of an open SQLite database in WAL mode (the file,
 * -wal and -shm, which exist while a connection is open): their device
 * and inode now, compared at each check with what the paths name then.
 * A file deleted, or replaced by a rename, makes every later check fail
 * with CCAKIT_ERR_DB_GONE and the reason in d ("the file was deleted",
 * "its -wal file was replaced by another file"); the first verdict stays.
 * A check takes no lock and costs one stat() of the database; -wal and
 * -shm are looked at too when a second has passed since they last were
 * (the first check does all three). NULL (":memory:") always passes.
 */
typedef struct svc_dbwatch svc_dbwatch;
int svc_dbwatch_new(const char *path, svc_dbwatch **out);
int svc_dbwatch_check(svc_dbwatch *w, struct ccakit_errdetail *d);
void svc_dbwatch_free(svc_dbwatch **wp);

#endif /* SVC_DBFILE_H */
