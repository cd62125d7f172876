/*
 * The SQLite driver.
 *
 * One connection per handle (SQLITE_OPEN_NOMUTEX), its statements
 * prepared once (persistent) and serialised by the handle's mutex: SQLite
 * writers serialise on the file anyway, and one connection never waits on
 * the file lock for its own threads (a second connection would sleep in
 * the busy handler instead). Several handles, or processes, may share a
 * file: the busy timeout (the retry budget) covers their locks.
 *
 * WAL with synchronous=NORMAL: a commit survives a crash of the process,
 * not necessarily a power cut, and costs no fsync. The request
 * connection checkpoints only when the log passes AUTOCKPT_PAGES;
 * state_housekeep() checkpoints on a connection of its own, so that the
 * fsync stays off the request path.
 *
 * The file is created owner-only and, with STATE_SECRET, kept so (its
 * -wal and -shm too); it is watched (services/common/dbfile.c): deleted or
 * replaced under the open handle, every write refuses with
 * CCAKIT_ERR_DB_GONE rather than go to an unlinked file.
 *
 * Single use comes from SQLite's own atomicity across connections and
 * processes: a challenge is taken by one DELETE ... RETURNING, a session
 * claimed by one conditional UPDATE ... RETURNING. An outcome here is
 * never unknown (no network), so nothing is retried but a lock wait.
 *
 * Schema (docs/state.md): version 1 is the schemas of the key broker's
 * and the verifier's SQLite files before this layer (a file of version 1
 * holds one or both halves); version 2 completes version 1 and adds the
 * session claim, the provisioning generation, the record table and the
 * schema_version log. PRAGMA user_version stays the version that counts:
 * older builds read it and refuse a newer file.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "state_priv.h"
#include "util/util.h"
#include "dbfile.h"

#define AUTOCKPT_PAGES  10000           /* about 40 MB of log */

/* Version 1: the key broker's challenge table, and the verifier's
 * tables, exactly as they were created before (IF NOT EXISTS: a file
 * has either half, or both). */
static const char mig1[] =
    "CREATE TABLE IF NOT EXISTS challenge ("
    " id INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 4294967295),"
    " nonce BLOB NOT NULL CHECK (length(nonce) = 64),"
    " key TEXT NOT NULL,"
    " wrapkey TEXT NOT NULL,"
    " created INTEGER NOT NULL,"
    " expires INTEGER NOT NULL) STRICT;"
    "CREATE INDEX IF NOT EXISTS challenge_expires ON challenge(expires);"
    "CREATE TABLE IF NOT EXISTS session ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 36),"
    " nonce BLOB NOT NULL CHECK (length(nonce) BETWEEN 8 AND 64),"
    " created INTEGER NOT NULL,"
    " expires INTEGER NOT NULL,"
    " status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 3),"
    " media_type TEXT,"
    " evidence BLOB,"
    " result TEXT) STRICT;"
    "CREATE INDEX IF NOT EXISTS session_expires ON session(expires);"
    "CREATE TABLE IF NOT EXISTS provisioned ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " id TEXT NOT NULL UNIQUE CHECK (length(id) = 32),"
    " class INTEGER NOT NULL CHECK (class IN (1, 2)),"
    " kind TEXT NOT NULL CHECK (kind IN ('t', 'p', 'r')),"
    " json TEXT NOT NULL,"
    " created INTEGER NOT NULL) STRICT;"
    "CREATE TABLE IF NOT EXISTS meta ("
    " name TEXT PRIMARY KEY,"
    " value BLOB NOT NULL) STRICT;";

/* Version 2 (after version 1 again, which completes a half file). */
static const char mig2[] =
    "ALTER TABLE session ADD COLUMN claim BLOB;"
    "CREATE TABLE schema_version ("
    " version INTEGER PRIMARY KEY,"
    " applied INTEGER) STRICT;"
    "CREATE TABLE counter ("
    " name TEXT PRIMARY KEY,"
    " value INTEGER NOT NULL) STRICT;"
    "INSERT INTO counter (name, value) VALUES ('prov', 0);"
    "CREATE TABLE record ("
    " ns TEXT NOT NULL,"
    " key TEXT NOT NULL,"
    " value BLOB NOT NULL,"
    " expires INTEGER,"
    " version INTEGER NOT NULL,"
    " PRIMARY KEY (ns, key)) STRICT;"
    "CREATE INDEX record_expires ON record(expires)"
    " WHERE expires IS NOT NULL;";

enum {
	CH_INSERT, CH_TAKE, CH_PURGE, CH_COUNT,
	S_INSERT, S_GET, S_CLAIM, S_FINISH, S_DELETE, S_PURGE, S_COUNT,
	P_GEN, P_BUMP, P_READ, P_EXISTS, P_UPSERT, P_DEL_ONE, P_DEL_CLASS,
	M_GET, M_ADD,
	R_PUT, R_PUT_CREATE, R_GET, R_UPDATE, R_UPDATE_KEEP, R_TAKE, R_DELETE,
	R_LIST, R_PURGE, R_COUNT,
	VERSION,
	ST_N
};

#define SESSION_COLS \
	"nonce, created, expires, status, media_type, evidence, result"

static const char *const stmt_sql[ST_N] = {
	[CH_INSERT] = "INSERT INTO challenge (id, nonce, key, wrapkey,"
	    " created, expires) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	    " ON CONFLICT (id) DO NOTHING",
	[CH_TAKE] = "DELETE FROM challenge WHERE id = ?1"
	    " RETURNING nonce, key, wrapkey, created, expires",
	[CH_PURGE] = "DELETE FROM challenge WHERE expires <= ?1",
	[CH_COUNT] = "SELECT count(*) FROM challenge",
	[S_INSERT] = "INSERT INTO session (id, nonce, created, expires,"
	    " status) VALUES (?1, ?2, ?3, ?4, 0) ON CONFLICT (id) DO NOTHING",
	[S_GET] = "SELECT " SESSION_COLS " FROM session WHERE id = ?1",
	[S_CLAIM] = "UPDATE session SET status = 1, claim = ?3"
	    " WHERE id = ?1 AND status = 0 AND expires > ?2"
	    " RETURNING " SESSION_COLS,
	[S_FINISH] = "UPDATE session SET status = ?3, media_type = ?4,"
	    " evidence = ?5, result = ?6 WHERE id = ?1 AND claim = ?2",
	[S_DELETE] = "DELETE FROM session WHERE id = ?1",
	[S_PURGE] = "DELETE FROM session WHERE expires <= ?1",
	[S_COUNT] = "SELECT count(*) FROM session",
	[P_GEN] = "SELECT value FROM counter WHERE name = 'prov'",
	[P_BUMP] = "UPDATE counter SET value = value + 1"
	    " WHERE name = 'prov' RETURNING value",
	/* One snapshot of the generation and the entries: a row of NULL
	 * entry columns when there is none. */
	[P_READ] = "SELECT c.value, p.id, p.class, p.kind, p.json"
	    " FROM counter AS c LEFT JOIN provisioned AS p"
	    " ON (?1 = 0 OR p.class = ?1) AND (?2 IS NULL OR p.id = ?2)"
	    " WHERE c.name = 'prov' ORDER BY p.seq",
	[P_EXISTS] = "SELECT 1 FROM provisioned WHERE id = ?1",
	[P_UPSERT] = "INSERT INTO provisioned (id, class, kind, json,"
	    " created) VALUES (?1, ?2, ?3, ?4, ?5)"
	    " ON CONFLICT (id) DO UPDATE SET json = excluded.json",
	[P_DEL_ONE] = "DELETE FROM provisioned WHERE id = ?1 AND class = ?2",
	[P_DEL_CLASS] = "DELETE FROM provisioned WHERE class = ?1",
	[M_GET] = "SELECT value FROM meta WHERE name = ?1",
	[M_ADD] = "INSERT INTO meta (name, value) VALUES (?1, ?2)"
	    " ON CONFLICT (name) DO NOTHING",
	/* A replace reads what was there first (sq_r_put); a create
	 * overwrites only an expired record (?5: now). */
	[R_PUT] = "INSERT INTO record (ns, key, value, expires, version)"
	    " VALUES (?1, ?2, ?3, ?4, 1) ON CONFLICT (ns, key) DO UPDATE"
	    " SET value = excluded.value, expires = excluded.expires,"
	    " version = version + 1 RETURNING version",
	[R_PUT_CREATE] = "INSERT INTO record (ns, key, value, expires,"
	    " version) VALUES (?1, ?2, ?3, ?4, 1) ON CONFLICT (ns, key)"
	    " DO UPDATE SET value = excluded.value,"
	    " expires = excluded.expires, version = version + 1"
	    " WHERE expires IS NOT NULL AND expires <= ?5 RETURNING version",
	[R_GET] = "SELECT value, expires, version FROM record"
	    " WHERE ns = ?1 AND key = ?2",
	[R_UPDATE] = "UPDATE record SET value = ?4, version = version + 1,"
	    " expires = ?5 WHERE ns = ?1 AND key = ?2"
	    " AND version = ?3 AND (expires IS NULL OR expires > ?6)",
	/* The expiry kept: not assigned, so that its index is not
	 * rewritten. */
	[R_UPDATE_KEEP] = "UPDATE record SET value = ?4, version = version + 1"
	    " WHERE ns = ?1 AND key = ?2"
	    " AND version = ?3 AND (expires IS NULL OR expires > ?6)",
	[R_TAKE] = "DELETE FROM record WHERE ns = ?1 AND key = ?2"
	    " AND (expires IS NULL OR expires > ?3)"
	    " RETURNING value, expires, version",
	[R_DELETE] = "DELETE FROM record WHERE ns = ?1 AND key = ?2",
	/* Keys are printable ASCII below 0x7f, compared as bytes. */
	[R_LIST] = "SELECT key, expires, version FROM record"
	    " WHERE ns = ?1 AND key >= ?2 AND key < ?2 || char(127)"
	    " AND (expires IS NULL OR expires > ?3) ORDER BY key",
	[R_PURGE] = "DELETE FROM record WHERE (?1 IS NULL OR ns = ?1)"
	    " AND expires IS NOT NULL AND expires <= ?2",
	[R_COUNT] = "SELECT count(*) FROM record WHERE ns = ?1",
	[VERSION] = "PRAGMA user_version",
};

struct sq {
	pthread_mutex_t mu;             /* the connection, its statements */
	sqlite3 *db;
	sqlite3_stmt *st[ST_N];
	sqlite3 *ckpt;                  /* checkpoints (housekeeping) */
	svc_dbwatch *watch;             /* NULL for ":memory:" */
};

/* --- helpers --- */

static int
code_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_NOMEM:
		return CCAKIT_ERR_NOMEM;
	case SQLITE_TOOBIG:
		return CCAKIT_ERR_TOO_LARGE;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return CCAKIT_ERR_DB_UNAVAILABLE;
	default:
		return CCAKIT_ERR_IO;
	}
}

/* A failure of the connection (mutex held), with SQLite's words. */
static int
fail(struct sq *q, int rc, errd *d)
{
	return cki_detail(d, code_of(rc), "database", "%s",
	    q->db != NULL ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc));
}

/* A row this layer did not write. */
static int
bad_row(errd *d, const char *what)
{
	return cki_detail(d, CCAKIT_ERR_IO, "database", "malformed %s row",
	    what);
}

/*
 * Bind the parameters by a format, one letter each: 'i' int64_t; 't'
 * text, const char * (NULL binds NULL); 'b' blob, const void * and size_t
 * (NULL binds NULL; a length of 0 an empty blob); 'n' NULL.
 */
static int
vbind(sqlite3_stmt *st, const char *fmt, va_list ap)
{
	const void *p;
	size_t n;
	int i, rc = SQLITE_OK;

	for (i = 1; *fmt != '\0' && rc == SQLITE_OK; fmt++, i++) {
		switch (*fmt) {
		case 'i':
			rc = sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
			break;
		case 't':
			p = va_arg(ap, const char *);
			rc = p != NULL ? sqlite3_bind_text(st, i, p, -1,
			    SQLITE_STATIC) : sqlite3_bind_null(st, i);
			break;
		case 'b':
			p = va_arg(ap, const void *);
			n = va_arg(ap, size_t);
			if (p == NULL)
				rc = sqlite3_bind_null(st, i);
			else if (n == 0)
				rc = sqlite3_bind_zeroblob(st, i, 0);
			else if (n > INT32_MAX)
				rc = SQLITE_TOOBIG;
			else
				rc = sqlite3_bind_blob(st, i, p, (int)n,
				    SQLITE_STATIC);
			break;
		default:
			rc = sqlite3_bind_null(st, i);
			break;
		}
	}
	return rc;
}

static int
bind(sqlite3_stmt *st, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vbind(st, fmt, ap);
	va_end(ap);
	return rc;
}

static sqlite3_stmt *
take(struct sq *q, int which)
{
	pthread_mutex_lock(&q->mu);
	return q->st[which];
}

static void
done(struct sq *q, sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	pthread_mutex_unlock(&q->mu);
}

/* Reset a statement used while the mutex stays held. */
static void
reset(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static const void *
col_blob(sqlite3_stmt *st, int i, size_t *n)
{
	const void *p;

	if (sqlite3_column_type(st, i) != SQLITE_BLOB)
		return NULL;
	p = sqlite3_column_blob(st, i);
	*n = (size_t)sqlite3_column_bytes(st, i);
	/* An empty blob has no pointer: give a valid one. */
	return p != NULL ? p : (const void *)"";
}

static const char *
col_text(sqlite3_stmt *st, int i, size_t *n)
{
	const char *p;

	if (sqlite3_column_type(st, i) != SQLITE_TEXT)
		return NULL;
	p = (const char *)sqlite3_column_text(st, i);
	*n = (size_t)sqlite3_column_bytes(st, i);
	return p;
}

static bool
col_int(sqlite3_stmt *st, int i, int64_t *v)
{
	if (sqlite3_column_type(st, i) != SQLITE_INTEGER)
		return false;
	*v = sqlite3_column_int64(st, i);
	return true;
}

/* Run a statement with no result rows (mutex held); *changes if set. */
static int
exec_done(struct sq *q, sqlite3_stmt *st, size_t *changes, errd *d)
{
	int rc;

	if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		return fail(q, rc, d);
	if (changes != NULL)
		*changes = (size_t)sqlite3_changes(q->db);
	return CCAKIT_OK;
}

static int
exec_sql(struct sq *q, const char *sql, errd *d)
{
	int rc;

	if ((rc = sqlite3_exec(q->db, sql, NULL, NULL, NULL)) != SQLITE_OK)
		return fail(q, rc, d);
	return CCAKIT_OK;
}

/*
 * A statement that writes and returns no rows, as one call: the file
 * checked, the parameters bound (vbind's format), run; *changes (may be
 * NULL) gets the rows it changed.
 */
static int
write_stmt(struct sq *q, int which, size_t *changes, errd *d,
    const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc, r;

	if ((r = svc_dbwatch_check(q->watch, d)) != CCAKIT_OK)
		return r;
	st = take(q, which);
	va_start(ap, fmt);
	rc = vbind(st, fmt, ap);
	va_end(ap);
	r = rc != SQLITE_OK ? fail(q, rc, d) : exec_done(q, st, changes, d);
	done(q, st);
	return r;
}

static int
count_of(struct sq *q, int which, const char *ns, size_t *n, errd *d)
{
	sqlite3_stmt *st = take(q, which);
	int64_t v = 0;
	int rc, r = CCAKIT_OK;

	if (ns != NULL && (rc = bind(st, "t", ns)) != SQLITE_OK)
		r = fail(q, rc, d);
	else if ((rc = sqlite3_step(st)) != SQLITE_ROW)
		r = fail(q, rc, d);
	else if (!col_int(st, 0, &v) || v < 0)
		r = bad_row(d, "count");
	else
		*n = (size_t)v;
	done(q, st);
	return r;
}

/* --- open, migrate, close --- */

static int
query_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK)
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

static int
query_text(sqlite3 *db, const char *sql, char *out, size_t sz)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *t;
	int rc;

	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK)
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((t = sqlite3_column_text(st, 0)) == NULL)
			rc = SQLITE_MISMATCH;
		else {
			snprintf(out, sz, "%s", (const char *)t);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

static int
open_fail(sqlite3 *db, int rc, const char *step, errd *d)
{
	return cki_detail(d, code_of(rc), "database", "%s: %s", step,
	    db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

/*
 * Bring the schema to version upto, in one transaction taken with the
 * write lock (another process migrating at the same time waits, then
 * finds the work done).
 */
static int
migrate(sqlite3 *db, int upto, errd *d)
{
	char sql[160];
	int64_t ver = 0;
	int rc, r, v;

	if ((rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) !=
	    SQLITE_OK)
		return open_fail(db, rc, "schema", d);
	if ((rc = query_int(db, "PRAGMA user_version", &ver)) != SQLITE_OK)
		goto fail;
	if (ver > STATE_SCHEMA_VERSION || ver < 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return cki_detail(d, CCAKIT_ERR_IO, "database", "schema version "
		    "%lld is newer than this build's %d: use a newer ccakit",
		    (long long)ver, STATE_SCHEMA_VERSION);
	}
	for (v = (int)ver + 1; v <= upto; v++) {
		/* Version 2 begins by completing version 1. */
		if ((rc = sqlite3_exec(db, mig1, NULL, NULL, NULL)) !=
		    SQLITE_OK || (v == 2 && (rc = sqlite3_exec(db, mig2,
		    NULL, NULL, NULL)) != SQLITE_OK))
			goto fail;
	}
	if (upto > ver) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", upto);
		if ((rc = sqlite3_exec(db, sql, NULL, NULL, NULL)) != SQLITE_OK)
			goto fail;
		/* The log: when each version was applied, if known. */
		for (v = 1; upto >= 2 && v <= upto; v++) {
			snprintf(sql, sizeof(sql), "INSERT OR IGNORE INTO "
			    "schema_version (version, applied) VALUES (%d, "
			    "%s)", v, v > ver ? "unixepoch()" : "NULL");
			if ((rc = sqlite3_exec(db, sql, NULL, NULL, NULL)) !=
			    SQLITE_OK)
				goto fail;
		}
	}
	if ((rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
		goto fail;
	return CCAKIT_OK;
fail:
	r = open_fail(db, rc, "schema", d);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

/*
 * The connection's set-up: WAL and its settings. Switching a new file to
 * WAL needs the file to itself, and SQLite answers "database is locked"
 * at once, without its busy handler, while another connection opens the
 * same new file (test_concurrent_open met it): tried again until
 * budget_ms have passed.
 */
static int
setup_db(sqlite3 *db, unsigned budget_ms, char *mode, size_t modesz)
{
	int64_t until = state_mono_ms() + budget_ms;
	unsigned attempt;
	int rc;

	for (attempt = 0;; attempt++) {
		if ((rc = query_text(db, "PRAGMA journal_mode = WAL", mode,
		    modesz)) == SQLITE_OK)
			rc = sqlite3_exec(db, "PRAGMA synchronous = NORMAL;"
			    "PRAGMA wal_autocheckpoint = 10000;", NULL, NULL,
			    NULL);
		if (((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) !=
		    SQLITE_LOCKED) || state_mono_ms() >= until)
			return rc;
		state_sleep_ms(state_backoff_ms(attempt));
	}
}

/* Open a connection, WAL, the busy timeout. */
static int
connect_db(const char *path, unsigned busy_ms, sqlite3 **out, errd *d)
{
	sqlite3 *db = NULL;
	char mode[16];
	int rc;

	*out = NULL;
	if ((rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL)) != SQLITE_OK) {
		open_fail(db, rc, "open", d);
		sqlite3_close(db);
		return code_of(rc);
	}
	sqlite3_extended_result_codes(db, 1);
	if ((rc = sqlite3_busy_timeout(db, (int)busy_ms)) != SQLITE_OK ||
	    (rc = setup_db(db, busy_ms, mode, sizeof(mode))) != SQLITE_OK) {
		open_fail(db, rc, "setup", d);
		sqlite3_close(db);
		return code_of(rc);
	}
	if (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0) {
		sqlite3_close(db);
		return cki_detail(d, CCAKIT_ERR_IO, "database",
		    "journal mode is %s, not wal", mode);
	}
	*out = db;
	return CCAKIT_OK;
}

int
state_sqlite_migrate_to(const char *path, int upto, errd *d)
{
	sqlite3 *db;
	unsigned was;
	int r;

	if (upto < 0 || upto > STATE_SCHEMA_VERSION)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if ((r = svc_dbfile_prepare(path, false, &was, d)) != CCAKIT_OK ||
	    (r = connect_db(path, 5000, &db, d)) != CCAKIT_OK)
		return r;
	r = migrate(db, upto, d);
	sqlite3_close(db);
	return r;
}

static void
sq_close(void *ctx)
{
	struct sq *q = ctx;
	size_t i;

	if (q == NULL)
		return;
	for (i = 0; i < ST_N; i++)
		sqlite3_finalize(q->st[i]);
	sqlite3_close(q->db);
	sqlite3_close(q->ckpt);
	svc_dbwatch_free(&q->watch);
	pthread_mutex_destroy(&q->mu);
	free(q);
}

static const struct state_ops sq_ops;

int
state_sqlite_open(const char *path, const struct state_opts *o,
    const struct state_ops **ops, void **ctx, unsigned *fixed_mode, errd *d)
{
	struct sq *q = NULL;
	bool mem = strcmp(path, ":memory:") == 0;
	size_t i;
	int rc, r;

	if (sqlite3_libversion_number() < 3035000)
		return cki_detail(d, CCAKIT_ERR_INTERNAL, "database",
		    "SQLite %s is older than 3.35", sqlite3_libversion());
	/* Owner-only; with STATE_SECRET an existing file, -wal and -shm
	 * too (made so, or refused). */
	if ((r = svc_dbfile_prepare(path, (o->flags & STATE_SECRET) != 0,
	    fixed_mode, d)) != CCAKIT_OK)
		return r;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	if (pthread_mutex_init(&q->mu, NULL) != 0) {
		free(q);
		return cki_detail(d, CCAKIT_ERR_INTERNAL, NULL, NULL);
	}
	if ((r = connect_db(path, o->retry_ms, &q->db, d)) != CCAKIT_OK ||
	    (r = migrate(q->db, STATE_SCHEMA_VERSION, d)) != CCAKIT_OK)
		goto out;
	for (i = 0; i < ST_N; i++) {
		if ((rc = sqlite3_prepare_v3(q->db, stmt_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &q->st[i], NULL)) !=
		    SQLITE_OK) {
			r = open_fail(q->db, rc, "prepare", d);
			goto out;
		}
	}
	if (!mem && ((rc = sqlite3_open_v2(path, &q->ckpt,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL)) !=
	    SQLITE_OK || (rc = sqlite3_busy_timeout(q->ckpt,
	    (int)o->retry_ms)) != SQLITE_OK)) {
		r = open_fail(q->ckpt, rc, "open", d);
		goto out;
	}
	if ((r = svc_dbwatch_new(path, &q->watch)) != CCAKIT_OK) {
		cki_detail(d, r, NULL, NULL);
		goto out;
	}
	*ops = &sq_ops;
	*ctx = q;
	q = NULL;
	r = CCAKIT_OK;
out:
	sq_close(q);
	return r;
}

static int
sq_version(void *ctx, int *v, errd *d)
{
	struct sq *q = ctx;
	sqlite3_stmt *st = take(q, VERSION);
	int64_t x = 0;
	int rc, r = CCAKIT_OK;

	if ((rc = sqlite3_step(st)) != SQLITE_ROW)
		r = fail(q, rc, d);
	else if (!col_int(st, 0, &x) || x < 0 || x > 1000)
		r = bad_row(d, "version");
	else
		*v = (int)x;
	done(q, st);
	return r;
}

static int
sq_check(void *ctx, errd *d)
{
	struct sq *q = ctx;

	return svc_dbwatch_check(q->watch, d);
}

static int
sq_housekeep(void *ctx, errd *d)
{
	struct sq *q = ctx;
	int rc;

	if (q->ckpt == NULL)
		return CCAKIT_OK;
	rc = sqlite3_wal_checkpoint_v2(q->ckpt, NULL,
	    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		return cki_detail(d, code_of(rc), "database", "checkpoint: %s",
		    sqlite3_errmsg(q->ckpt));
	return CCAKIT_OK;
}

/* --- challenges --- */

static int
sq_ch_insert(void *ctx, const struct state_challenge *c, bool *exists,
    errd *d)
{
	size_t n = 0;
	int r;

	if ((r = write_stmt(ctx, CH_INSERT, &n, d, "ibttii", (int64_t)c->id,
	    c->nonce, sizeof(c->nonce), c->key, c->wrapkey, c->created,
	    c->expires)) == CCAKIT_OK)
		*exists = n == 0;
	return r;
}

static int
sq_ch_take(void *ctx, uint32_t id, struct state_challenge *out, errd *d)
{
	struct sq *q = ctx;
	struct state_challenge c;
	sqlite3_stmt *st;
	const void *nonce;
	const char *key, *wk;
	size_t nn = 0, kn = 0, wn = 0;
	int rc, r;

	if ((r = svc_dbwatch_check(q->watch, d)) != CCAKIT_OK)
		return r;
	memset(&c, 0, sizeof(c));
	st = take(q, CH_TAKE);
	if ((rc = bind(st, "i", (int64_t)id)) != SQLITE_OK) {
		r = fail(q, rc, d);
		goto out;
	}
	/* The row is deleted at the first step. */
	if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
		r = cki_detail(d, CCAKIT_ERR_NOT_FOUND, "challenge",
		    "unknown or already redeemed");
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = fail(q, rc, d);
		goto out;
	}
	c.id = id;
	nonce = col_blob(st, 0, &nn);
	key = col_text(st, 1, &kn);
	wk = col_text(st, 2, &wn);
	if (nonce == NULL || nn != sizeof(c.nonce) ||
	    !state_copy_text(c.key, sizeof(c.key), key, kn) ||
	    !state_copy_text(c.wrapkey, sizeof(c.wrapkey), wk, wn) ||
	    !col_int(st, 3, &c.created) || !col_int(st, 4, &c.expires)) {
		r = bad_row(d, "challenge");
		goto out;
	}
	memcpy(c.nonce, nonce, sizeof(c.nonce));
	if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
		r = fail(q, rc, d);
		goto out;
	}
	*out = c;
	r = CCAKIT_OK;
out:
	done(q, st);
	memset(&c, 0, sizeof(c));
	return r;
}

static int
sq_ch_purge(void *ctx, int64_t now_s, size_t *n, errd *d)
{
	return write_stmt(ctx, CH_PURGE, n, d, "i", now_s);
}

static int
sq_ch_count(void *ctx, size_t *n, errd *d)
{
	return count_of(ctx, CH_COUNT, NULL, n, d);
}

/* --- sessions --- */

/* A session from the SESSION_COLS of the current row. */
static int
session_row(sqlite3_stmt *st, const char *id, struct state_session *s,
    errd *d)
{
	const void *nonce, *ev;
	const char *mt, *res;
	size_t nn = 0, en = 0, mn = 0, rn = 0;
	int64_t created, expires, status;
	int r;

	nonce = col_blob(st, 0, &nn);
	mt = col_text(st, 4, &mn);
	ev = col_blob(st, 5, &en);
	res = col_text(st, 6, &rn);
	if (!col_int(st, 1, &created) || !col_int(st, 2, &expires) ||
	    !col_int(st, 3, &status))
		return bad_row(d, "session");
	r = state_session_fill(s, id, nonce, nn, created, expires, status, mt,
	    mn, ev, en, res, rn);
	if (r == CCAKIT_ERR_IO)
		return bad_row(d, "session");
	return r != CCAKIT_OK ? cki_detail(d, r, "session", NULL) : r;
}

static int
sq_s_insert(void *ctx, const struct state_session *s, bool *exists,
    errd *d)
{
	size_t n = 0;
	int r;

	if ((r = write_stmt(ctx, S_INSERT, &n, d, "tbii", s->id, s->nonce,
	    s->nonce_len, s->created_ms, s->expires_ms)) == CCAKIT_OK)
		*exists = n == 0;
	return r;
}

static int
sq_s_get(void *ctx, const char *id, struct state_session *out, errd *d)
{
	struct sq *q = ctx;
	sqlite3_stmt *st = take(q, S_GET);
	int rc, r;

	if ((rc = bind(st, "t", id)) != SQLITE_OK)
		r = fail(q, rc, d);
	else if ((rc = sqlite3_step(st)) == SQLITE_DONE)
		r = cki_detail(d, CCAKIT_ERR_NOT_FOUND, "session",
		    "no such session");
	else if (rc != SQLITE_ROW)
		r = fail(q, rc, d);
	else
		r = session_row(st, id, out, d);
	done(q, st);
	return r;
}

static int
sq_s_claim(void *ctx, const char *id, int64_t now_ms,
    const uint8_t claim[STATE_CLAIM_LEN], bool *claimed,
    struct state_session *out, errd *d)
{
	struct sq *q = ctx;
	sqlite3_stmt *st;
	int rc, r;

	if ((r = svc_dbwatch_check(q->watch, d)) != CCAKIT_OK)
		return r;
	st = take(q, S_CLAIM);
	if ((rc = bind(st, "tib", id, now_ms, claim,
	    (size_t)STATE_CLAIM_LEN)) != SQLITE_OK) {
		r = fail(q, rc, d);
		done(q, st);
		return r;
	}
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = session_row(st, id, out, d)) == CCAKIT_OK &&
		    (rc = sqlite3_step(st)) != SQLITE_DONE) {
			state_session_clear(out);
			r = fail(q, rc, d);
		}
		*claimed = r == CCAKIT_OK;
		done(q, st);
		return r;
	}
	if (rc != SQLITE_DONE) {
		r = fail(q, rc, d);
		done(q, st);
		return r;
	}
	done(q, st);
	/* Not claimed: what is it, then? */
	*claimed = false;
	return sq_s_get(ctx, id, out, d);
}

static int
sq_s_finish(void *ctx, const char *id, const uint8_t claim[STATE_CLAIM_LEN],
    int status, const char *media_type, const uint8_t *ev, size_t evlen,
    const char *result, errd *d)
{
	size_t n = 0;
	int r;

	if ((r = write_stmt(ctx, S_FINISH, &n, d, "tbitbt", id, claim,
	    (size_t)STATE_CLAIM_LEN, (int64_t)status, media_type,
	    evlen > 0 ? ev : NULL, evlen, result)) == CCAKIT_OK && n == 0)
		r = cki_detail(d, CCAKIT_ERR_NOT_FOUND, "session",
		    "no such session claimed by this caller");
	return r;
}

static int
sq_s_delete(void *ctx, const char *id, errd *d)
{
	size_t n = 0;
	int r;

	if ((r = write_stmt(ctx, S_DELETE, &n, d, "t", id)) == CCAKIT_OK &&
	    n == 0)
		r = cki_detail(d, CCAKIT_ERR_NOT_FOUND, "session",
		    "no such session");
	return r;
}

static int
sq_s_purge(void *ctx, int64_t before_ms, size_t *n, errd *d)
{
	return write_stmt(ctx, S_PURGE, n, d, "i", before_ms);
}

static int
sq_s_count(void *ctx, size_t *n, errd *d)
{
	return count_of(ctx, S_COUNT, NULL, n, d);
}

/* --- provisioning --- */

static int
sq_p_gen(void *ctx, uint64_t *gen, errd *d)
{
	struct sq *q = ctx;
	sqlite3_stmt *st = take(q, P_GEN);
	int64_t v = 0;
	int rc, r = CCAKIT_OK;

	if ((rc = sqlite3_step(st)) != SQLITE_ROW)
		r = rc == SQLITE_DONE ? bad_row(d, "counter") : fail(q, rc, d);
	else if (!col_int(st, 0, &v) || v < 0)
		r = bad_row(d, "counter");
	else
		*gen = (uint64_t)v;
	done(q, st);
	return r;
}

/*
 * Walk the entries of P_READ (mutex held): begin, row for each, end with
 * the generation. *found: whether there was an entry.
 */
static int
walk(struct sq *q, enum state_prov_class cls, const char *id,
    const struct state_prov_visitor *v, bool *found, errd *d)
{
	sqlite3_stmt *st = q->st[P_READ];
	struct state_prov_row row;
	const char *pid, *kind, *json;
	size_t idn = 0, kn = 0, jn = 0;
	int64_t gen = -1, c = 0;
	int rc, r = CCAKIT_OK;

	*found = false;
	if ((rc = bind(st, "it", (int64_t)cls, id)) != SQLITE_OK) {
		r = fail(q, rc, d);
		goto out;
	}
	if (v != NULL && v->begin != NULL && (r = v->begin(v->arg)) !=
	    CCAKIT_OK)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!col_int(st, 0, &gen) || gen < 0) {
			r = bad_row(d, "counter");
			goto out;
		}
		if (sqlite3_column_type(st, 1) == SQLITE_NULL)
			continue;
		pid = col_text(st, 1, &idn);
		kind = col_text(st, 3, &kn);
		json = col_text(st, 4, &jn);
		if (pid == NULL || idn != STATE_PROV_ID_LEN ||
		    !col_int(st, 2, &c) || (c != STATE_PROV_TA &&
		    c != STATE_PROV_RV) || kind == NULL || kn != 1 ||
		    json == NULL || jn == 0 || json[0] != '{') {
			r = bad_row(d, "provisioned");
			goto out;
		}
		*found = true;
		row.id = pid;
		row.cls = (enum state_prov_class)c;
		row.kind = kind[0];
		row.json = json;
		row.json_len = jn;
		if (v != NULL && v->row != NULL && (r = v->row(v->arg,
		    &row)) != CCAKIT_OK)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		r = fail(q, rc, d);
		goto out;
	}
	if (gen < 0) {
		r = bad_row(d, "counter");
		goto out;
	}
	if (v != NULL && v->end != NULL)
		r = v->end(v->arg, (uint64_t)gen);
out:
	reset(st);
	return r;
}

static int
sq_p_read(void *ctx, enum state_prov_class cls, const char *id,
    const struct state_prov_visitor *v, errd *d)
{
	struct sq *q = ctx;
	bool found = false;
	int r;

	pthread_mutex_lock(&q->mu);
	if ((r = walk(q, cls, id, v, &found, d)) == CCAKIT_OK && id != NULL &&
	    !found)
		r = cki_detail(d, CCAKIT_ERR_NOT_FOUND, "provisioning",
		    "no such entry");
	pthread_mutex_unlock(&q->mu);
	return r;
}

/* Apply a change inside the open transaction (mutex held). */
static int
apply(struct sq *q, const struct state_pchange *ch, size_t *count, errd *d)
{
	sqlite3_stmt *ex = q->st[P_EXISTS], *up = q->st[P_UPSERT], *st;
	char kind[2] = { 0, 0 };
	size_t i, n = 0;
	int rc, r = CCAKIT_OK;

	if (ch->del) {
		st = q->st[ch->id != NULL ? P_DEL_ONE : P_DEL_CLASS];
		rc = ch->id != NULL ? bind(st, "ti", ch->id,
		    (int64_t)ch->cls) : bind(st, "i", (int64_t)ch->cls);
		r = rc != SQLITE_OK ? fail(q, rc, d) : exec_done(q, st, &n, d);
		reset(st);
		if (r == CCAKIT_OK && ch->id != NULL && n == 0)
			r = cki_detail(d, CCAKIT_ERR_NOT_FOUND,
			    "provisioning", "no such entry");
		*count = n;
		return r;
	}
	for (i = 0; i < ch->n && r == CCAKIT_OK; i++) {
		kind[0] = ch->e[i].kind;
		if ((rc = bind(ex, "t", ch->e[i].id)) != SQLITE_OK ||
		    ((rc = sqlite3_step(ex)) != SQLITE_ROW &&
		    rc != SQLITE_DONE))
			r = fail(q, rc, d);
		n += rc == SQLITE_DONE;
		reset(ex);
		if (r != CCAKIT_OK)
			break;
		if ((rc = bind(up, "titti", ch->e[i].id, (int64_t)ch->cls,
		    kind, ch->e[i].json, (int64_t)time(NULL))) != SQLITE_OK)
			r = fail(q, rc, d);
		else
			r = exec_done(q, up, NULL, d);
		reset(up);
	}
	*count = n;
	return r;
}

static int
sq_p_change(void *ctx, const struct state_pchange *ch,
    const struct state_prov_visitor *v, size_t *count, uint64_t *gen,
    errd *d)
{
	struct sq *q = ctx;
	sqlite3_stmt *st;
	int64_t g = 0;
	bool found;
	int rc, r;

	if ((r = svc_dbwatch_check(q->watch, d)) != CCAKIT_OK)
		return r;
	pthread_mutex_lock(&q->mu);
	if ((r = exec_sql(q, "BEGIN IMMEDIATE", d)) != CCAKIT_OK)
		goto out;
	st = q->st[P_BUMP];
	if ((rc = sqlite3_step(st)) != SQLITE_ROW)
		r = fail(q, rc, d);
	else if (!col_int(st, 0, &g) || g < 0 ||
	    (rc = sqlite3_step(st)) != SQLITE_DONE)
		r = bad_row(d, "counter");
	reset(st);
	if (r == CCAKIT_OK)
		r = apply(q, ch, count, d);
	/* What will commit, walked before it does (and refused by end). */
	if (r == CCAKIT_OK && v != NULL)
		r = walk(q, 0, NULL, v, &found, d);
	if (r == CCAKIT_OK)
		r = exec_sql(q, "COMMIT", d);
	if (r != CCAKIT_OK)
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
	else
		*gen = (uint64_t)g;
out:
	pthread_mutex_unlock(&q->mu);
	return r;
}

/* --- meta --- */

static int
sq_m_get(void *ctx, const char *name, uint8_t **val, size_t *len, errd *d)
{
	struct sq *q = ctx;
	sqlite3_stmt *st = take(q, M_GET);
	const void *p;
	size_t n = 0;
	int rc, r = CCAKIT_OK;

	if ((rc = bind(st, "t", name)) != SQLITE_OK)
		r = fail(q, rc, d);
	else if ((rc = sqlite3_step(st)) == SQLITE_DONE)
		r = cki_detail(d, CCAKIT_ERR_NOT_FOUND, "meta", "no value");
	else if (rc != SQLITE_ROW)
		r = fail(q, rc, d);
	else if ((p = col_blob(st, 0, &n)) == NULL || n == 0 ||
	    n > STATE_META_VALUE_MAX)
		r = bad_row(d, "meta");
	else if ((*val = state_dup(p, n)) == NULL)
		r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	else
		*len = n;
	done(q, st);
	return r;
}

static int
sq_m_add(void *ctx, const char *name, const void *val, size_t len,
    bool *added, errd *d)
{
	size_t n = 0;
	int r;

	if ((r = write_stmt(ctx, M_ADD, &n, d, "tb", name, val, len)) ==
	    CCAKIT_OK)
		*added = n == 1;
	return r;
}

/* --- records --- */

/* A record from columns value, expires, version at i. */
static int
rec_row(sqlite3_stmt *st, int i, struct state_rec *out, errd *d)
{
	const void *p;
	size_t n = 0;
	int64_t ver = 0, exp = 0;

	memset(out, 0, sizeof(*out));
	if ((p = col_blob(st, i, &n)) == NULL || n > STATE_VALUE_MAX ||
	    (sqlite3_column_type(st, i + 1) != SQLITE_NULL &&
	    (!col_int(st, i + 1, &exp) || exp <= 0)) ||
	    !col_int(st, i + 2, &ver) || ver <= 0)
		return bad_row(d, "record");
	if ((out->value = state_dup(p, n)) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	out->len = n;
	out->expires_ms = exp;
	out->version = (uint64_t)ver;
	return CCAKIT_OK;
}

/* Parameters ns, key, value, expires (0: NULL, never) and, for a
 * statement that has it, now. */
static int
bind_rec(sqlite3_stmt *st, const char *ns, const char *key, const void *val,
    size_t len, int64_t expires_ms, int64_t now_ms)
{
	int rc;

	if ((rc = bind(st, "ttb", ns, key, val, len)) != SQLITE_OK)
		return rc;
	rc = expires_ms != 0 ? sqlite3_bind_int64(st, 4, expires_ms) :
	    sqlite3_bind_null(st, 4);
	if (rc == SQLITE_OK && sqlite3_bind_parameter_count(st) >= 5)
		rc = sqlite3_bind_int64(st, 5, now_ms);
	return rc;
}

/* Whether a live record is at ns/key (mutex held). */
static int
live(struct sq *q, const char *ns, const char *key, int64_t now_ms,
    bool *is, bool *expired, errd *d)
{
	sqlite3_stmt *st = q->st[R_GET];
	int64_t exp = 0;
	int rc, r = CCAKIT_OK;

	*is = *expired = false;
	if ((rc = bind(st, "tt", ns, key)) != SQLITE_OK)
		r = fail(q, rc, d);
	else if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 1) != SQLITE_NULL &&
		    (!col_int(st, 1, &exp) || exp <= now_ms))
			*expired = true;
		else
			*is = true;
	} else if (rc != SQLITE_DONE)
		r = fail(q, rc, d);
	reset(st);
	return r;
}

static int
sq_r_put(void *ctx, const char *ns, const char *key, const void *val,
    size_t len, int64_t expires_ms, enum state_put_mode mode, int64_t now_ms,
    bool *created, uint64_t *version, errd *d)
{
	struct sq *q = ctx;
	sqlite3_stmt *st;
	bool was = false, expired;
	int64_t v = 0;
	int rc, r;

	if ((r = svc_dbwatch_check(q->watch, d)) != CCAKIT_OK)
		return r;
	pthread_mutex_lock(&q->mu);
	/* A replace reads what was there in the same transaction. */
	if (mode == STATE_PUT_REPLACE && ((r = exec_sql(q, "BEGIN IMMEDIATE",
	    d)) != CCAKIT_OK || (r = live(q, ns, key, now_ms, &was, &expired,
	    d)) != CCAKIT_OK))
		goto out;
	st = q->st[mode == STATE_PUT_REPLACE ? R_PUT : R_PUT_CREATE];
	if ((rc = bind_rec(st, ns, key, val, len, expires_ms, now_ms)) !=
	    SQLITE_OK)
		r = fail(q, rc, d);
	else if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!col_int(st, 0, &v) || v <= 0)
			r = bad_row(d, "record");
		else if ((rc = sqlite3_step(st)) != SQLITE_DONE)
			r = fail(q, rc, d);
		*created = mode == STATE_PUT_CREATE || !was;
		*version = (uint64_t)v;
	} else if (rc == SQLITE_DONE) {
		*created = false;       /* create: a live one is there */
		*version = 0;
	} else
		r = fail(q, rc, d);
	reset(st);
	if (mode == STATE_PUT_REPLACE) {
		if (r == CCAKIT_OK)
			r = exec_sql(q, "COMMIT", d);
		if (r != CCAKIT_OK)
			sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
	}
out:
	if (r != CCAKIT_OK && mode == STATE_PUT_REPLACE &&
	    !sqlite3_get_autocommit(q->db))
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&q->mu);
	return r;
}

static int
sq_r_get(void *ctx, const char *ns, const char *key, struct state_rec *out,
    errd *d)
{
	struct sq *q = ctx;
	sqlite3_stmt *st = take(q, R_GET);
	int rc, r;

	if ((rc = bind(st, "tt", ns, key)) != SQLITE_OK)
		r = fail(q, rc, d);
	else if ((rc = sqlite3_step(st)) == SQLITE_DONE)
		r = cki_detail(d, CCAKIT_ERR_NOT_FOUND, "record",
		    "no such record");
	else if (rc != SQLITE_ROW)
		r = fail(q, rc, d);
	else
		r = rec_row(st, 0, out, d);
	done(q, st);
	return r;
}

static int
sq_r_update(void *ctx, const char *ns, const char *key, uint64_t expect,
    const void *val, size_t len, int64_t expires_ms, int64_t now_ms,
    bool *updated, errd *d)
{
	struct sq *q = ctx;
	sqlite3_stmt *st;
	bool is = false, expired = false;
	size_t n = 0;
	int rc, r;

	if ((r = svc_dbwatch_check(q->watch, d)) != CCAKIT_OK)
		return r;
	st = take(q, expires_ms != 0 ? R_UPDATE : R_UPDATE_KEEP);
	if ((rc = bind(st, "ttib", ns, key, (int64_t)expect, val, len)) !=
	    SQLITE_OK || (expires_ms != 0 && (rc = sqlite3_bind_int64(st, 5,
	    expires_ms)) != SQLITE_OK) ||
	    (rc = sqlite3_bind_int64(st, 6, now_ms)) != SQLITE_OK)
		r = fail(q, rc, d);
	else
		r = exec_done(q, st, &n, d);
	reset(st);
	if (r == CCAKIT_OK && n == 0 && (r = live(q, ns, key, now_ms, &is,
	    &expired, d)) == CCAKIT_OK && !is)
		r = cki_detail(d, CCAKIT_ERR_NOT_FOUND, "record",
		    expired ? "expired" : "no such record");
	if (r == CCAKIT_OK)
		*updated = n == 1;
	pthread_mutex_unlock(&q->mu);
	return r;
}

static int
sq_r_take(void *ctx, const char *ns, const char *key, int64_t now_ms,
    struct state_rec *out, errd *d)
{
	struct sq *q = ctx;
	sqlite3_stmt *st;
	bool is = false, expired = false;
	int rc, r;

	if ((r = svc_dbwatch_check(q->watch, d)) != CCAKIT_OK)
		return r;
	st = take(q, R_TAKE);
	if ((rc = bind(st, "tti", ns, key, now_ms)) != SQLITE_OK)
		r = fail(q, rc, d);
	else if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = rec_row(st, 0, out, d)) == CCAKIT_OK &&
		    (rc = sqlite3_step(st)) != SQLITE_DONE) {
			state_rec_clear(out);
			r = fail(q, rc, d);
		}
	} else if (rc != SQLITE_DONE)
		r = fail(q, rc, d);
	else
		r = CCAKIT_ERR_NOT_FOUND;
	reset(st);
	if (r == CCAKIT_ERR_NOT_FOUND) {
		if ((r = live(q, ns, key, now_ms, &is, &expired, d)) ==
		    CCAKIT_OK)
			r = expired ? cki_detail(d, CCAKIT_ERR_EXPIRED,
			    "record", "expired") : cki_detail(d,
			    CCAKIT_ERR_NOT_FOUND, "record", "no such record");
	}
	pthread_mutex_unlock(&q->mu);
	return r;
}

static int
sq_r_delete(void *ctx, const char *ns, const char *key, errd *d)
{
	size_t n = 0;
	int r;

	if ((r = write_stmt(ctx, R_DELETE, &n, d, "tt", ns, key)) ==
	    CCAKIT_OK && n == 0)
		r = cki_detail(d, CCAKIT_ERR_NOT_FOUND, "record",
		    "no such record");
	return r;
}

static int
sq_r_list(void *ctx, const char *ns, const char *prefix, int64_t now_ms,
    int (*fn)(void *, const char *, int64_t, uint64_t), void *arg, errd *d)
{
	struct sq *q = ctx;
	sqlite3_stmt *st = take(q, R_LIST);
	const char *key;
	size_t kn = 0;
	int64_t exp, ver;
	int rc, r = CCAKIT_OK;

	if ((rc = bind(st, "tti", ns, prefix, now_ms)) != SQLITE_OK) {
		r = fail(q, rc, d);
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		exp = 0;
		if ((key = col_text(st, 0, &kn)) == NULL || kn == 0 ||
		    kn > STATE_KEY_MAX || (sqlite3_column_type(st, 1) !=
		    SQLITE_NULL && !col_int(st, 1, &exp)) ||
		    !col_int(st, 2, &ver) || ver <= 0) {
			r = bad_row(d, "record");
			goto out;
		}
		if ((r = fn(arg, key, exp, (uint64_t)ver)) != CCAKIT_OK)
			goto out;
	}
	if (rc != SQLITE_DONE)
		r = fail(q, rc, d);
out:
	done(q, st);
	return r;
}

static int
sq_r_purge(void *ctx, const char *ns, int64_t now_ms, size_t *n, errd *d)
{
	return write_stmt(ctx, R_PURGE, n, d, "ti", ns, now_ms);
}

static int
sq_r_count(void *ctx, const char *ns, size_t *n, errd *d)
{
	return count_of(ctx, R_COUNT, ns, n, d);
}

static const struct state_ops sq_ops = {
	.close = sq_close,
	.version = sq_version,
	.check = sq_check,
	.housekeep = sq_housekeep,
	.ch_insert = sq_ch_insert,
	.ch_take = sq_ch_take,
	.ch_purge = sq_ch_purge,
	.ch_count = sq_ch_count,
	.s_insert = sq_s_insert,
	.s_get = sq_s_get,
	.s_claim = sq_s_claim,
	.s_finish = sq_s_finish,
	.s_delete = sq_s_delete,
	.s_purge = sq_s_purge,
	.s_count = sq_s_count,
	.p_gen = sq_p_gen,
	.p_read = sq_p_read,
	.p_change = sq_p_change,
	.m_get = sq_m_get,
	.m_add = sq_m_add,
	.r_put = sq_r_put,
	.r_get = sq_r_get,
	.r_update = sq_r_update,
	.r_take = sq_r_take,
	.r_delete = sq_r_delete,
	.r_list = sq_r_list,
	.r_purge = sq_r_purge,
	.r_count = sq_r_count,
};
