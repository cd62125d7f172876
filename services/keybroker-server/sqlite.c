/*
 * The SQLite challenge backend.
 *
 * One connection per handle, its prepared statements serialised by a
 * mutex. WAL mode with synchronous=NORMAL: a committed challenge
 * survives the process (a crash or a restart), though not necessarily a
 * power cut, and a commit costs no fsync. Redemption is one
 * DELETE ... RETURNING statement, so that of two concurrent redemptions
 * of one id, across connections and processes too, exactly one gets the
 * row.
 *
 * The file, its -wal and its -shm are watched: deleted or replaced
 * under the open handle, every write refuses (CCAKIT_ERR_DB_GONE) rather
 * than go to an unlinked file; the check is a stat() of each.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "chstore_priv.h"
#include "dbfile.h"
#include "util/util.h"

#define SCHEMA_VERSION 1
#define BUSY_TIMEOUT_MS 5000

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS challenge ("
    " id INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 4294967295),"
    " nonce BLOB NOT NULL CHECK (length(nonce) = 64),"
    " key TEXT NOT NULL,"
    " wrapkey TEXT NOT NULL,"
    " created INTEGER NOT NULL,"
    " expires INTEGER NOT NULL) STRICT;"
    "CREATE INDEX IF NOT EXISTS challenge_expires ON challenge(expires);"
    "PRAGMA user_version = 1;";

enum { ST_INSERT, ST_TAKE, ST_PURGE, ST_COUNT, ST_N };

static const char *const stmt_sql[ST_N] = {
	"INSERT INTO challenge (id, nonce, key, wrapkey, created, expires)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO NOTHING",
	"DELETE FROM challenge WHERE id = ?1"
	" RETURNING nonce, key, wrapkey, created, expires",
	"DELETE FROM challenge WHERE expires <= ?1",
	"SELECT count(*) FROM challenge",
};

struct sqlstore {
	pthread_mutex_t mu;
	sqlite3 *db;
	sqlite3_stmt *st[ST_N];
	svc_dbwatch *watch;             /* NULL for ":memory:" */
};

static int
sql_err(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_NOMEM:
		return CCAKIT_ERR_NOMEM;
	case SQLITE_TOOBIG:
		return CCAKIT_ERR_TOO_LARGE;
	default:
		return CCAKIT_ERR_IO;
	}
}

/*
 * Take the connection and one of its prepared statements; stmt_done()
 * resets the statement and gives both back. NULL when the lock fails.
 */
static sqlite3_stmt *
stmt_take(struct sqlstore *q, int which)
{
	if (pthread_mutex_lock(&q->mu) != 0)
		return NULL;
	return q->st[which];
}

static void
stmt_done(struct sqlstore *q, sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	pthread_mutex_unlock(&q->mu);
}

static int
sql_insert(void *ctx, const struct kbs_challenge *c, bool *exists)
{
	struct sqlstore *q = ctx;
	sqlite3_stmt *st;
	int rc, r = CCAKIT_ERR_IO;

	if ((r = svc_dbwatch_check(q->watch, NULL)) != CCAKIT_OK)
		return r;
	if ((st = stmt_take(q, ST_INSERT)) == NULL)
		return CCAKIT_ERR_INTERNAL;
	if ((rc = sqlite3_bind_int64(st, 1, (sqlite3_int64)c->id)) !=
	    SQLITE_OK ||
	    (rc = sqlite3_bind_blob(st, 2, c->nonce, (int)sizeof(c->nonce),
	    SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_bind_text(st, 3, c->key, -1, SQLITE_STATIC)) !=
	    SQLITE_OK ||
	    (rc = sqlite3_bind_text(st, 4, c->wrapkey, -1, SQLITE_STATIC)) !=
	    SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 5, c->created)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 6, c->expires)) != SQLITE_OK) {
		r = sql_err(rc);
		goto out;
	}
	if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
		r = sql_err(rc);
		goto out;
	}
	*exists = sqlite3_changes(q->db) == 0;
	r = CCAKIT_OK;
out:
	stmt_done(q, st);
	return r;
}

/* Copy a text column into a fixed buffer; a row that does not fit was not
 * written by this module. */
static int
column_text(sqlite3_stmt *st, int col, char *buf, size_t sz)
{
	const unsigned char *p;
	int n;

	if (sqlite3_column_type(st, col) != SQLITE_TEXT)
		return CCAKIT_ERR_IO;
	p = sqlite3_column_text(st, col);
	n = sqlite3_column_bytes(st, col);
	if (p == NULL || n <= 0 || (size_t)n >= sz ||
	    memchr(p, '\0', (size_t)n) != NULL)
		return CCAKIT_ERR_IO;
	memcpy(buf, p, (size_t)n);
	buf[n] = '\0';
	return CCAKIT_OK;
}

static int
sql_take(void *ctx, uint32_t id, struct kbs_challenge *out)
{
	struct sqlstore *q = ctx;
	sqlite3_stmt *st;
	struct kbs_challenge c;
	const void *nonce;
	int rc, r = CCAKIT_ERR_IO;

	if ((r = svc_dbwatch_check(q->watch, NULL)) != CCAKIT_OK)
		return r;
	memset(&c, 0, sizeof(c));
	if ((st = stmt_take(q, ST_TAKE)) == NULL)
		return CCAKIT_ERR_INTERNAL;
	if ((rc = sqlite3_bind_int64(st, 1, (sqlite3_int64)id)) !=
	    SQLITE_OK) {
		r = sql_err(rc);
		goto out;
	}
	/* The row is deleted during the first step, RETURNING or not. */
	if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
		r = CCAKIT_ERR_NOT_FOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = sql_err(rc);
		goto out;
	}
	c.id = id;
	nonce = sqlite3_column_blob(st, 0);
	if (nonce == NULL ||
	    sqlite3_column_bytes(st, 0) != (int)sizeof(c.nonce) ||
	    column_text(st, 1, c.key, sizeof(c.key)) != CCAKIT_OK ||
	    column_text(st, 2, c.wrapkey, sizeof(c.wrapkey)) != CCAKIT_OK ||
	    sqlite3_column_type(st, 3) != SQLITE_INTEGER ||
	    sqlite3_column_type(st, 4) != SQLITE_INTEGER)
		goto out;
	memcpy(c.nonce, nonce, sizeof(c.nonce));
	c.created = sqlite3_column_int64(st, 3);
	c.expires = sqlite3_column_int64(st, 4);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
		r = sql_err(rc);
		goto out;
	}
	*out = c;
	r = CCAKIT_OK;
out:
	stmt_done(q, st);
	ccakit_wipe(&c, sizeof(c));
	return r;
}

static int
sql_purge(void *ctx, int64_t now, size_t *n)
{
	struct sqlstore *q = ctx;
	sqlite3_stmt *st;
	int rc, r = CCAKIT_ERR_IO;

	if ((r = svc_dbwatch_check(q->watch, NULL)) != CCAKIT_OK)
		return r;
	if ((st = stmt_take(q, ST_PURGE)) == NULL)
		return CCAKIT_ERR_INTERNAL;
	if ((rc = sqlite3_bind_int64(st, 1, now)) != SQLITE_OK ||
	    (rc = sqlite3_step(st)) != SQLITE_DONE) {
		r = sql_err(rc);
		goto out;
	}
	*n = (size_t)sqlite3_changes(q->db);
	r = CCAKIT_OK;
out:
	stmt_done(q, st);
	return r;
}

static int
sql_count(void *ctx, size_t *n)
{
	struct sqlstore *q = ctx;
	sqlite3_stmt *st;
	sqlite3_int64 v;
	int rc, r = CCAKIT_ERR_IO;

	if ((st = stmt_take(q, ST_COUNT)) == NULL)
		return CCAKIT_ERR_INTERNAL;
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		r = sql_err(rc);
		goto out;
	}
	if ((v = sqlite3_column_int64(st, 0)) < 0)
		goto out;
	*n = (size_t)v;
	r = CCAKIT_OK;
out:
	stmt_done(q, st);
	return r;
}

static void
sql_close(void *ctx)
{
	struct sqlstore *q = ctx;
	size_t i;

	if (q == NULL)
		return;
	for (i = 0; i < ST_N; i++)
		sqlite3_finalize(q->st[i]);
	sqlite3_close(q->db);
	svc_dbwatch_free(&q->watch);
	pthread_mutex_destroy(&q->mu);
	free(q);
}

int
kbs_chstore_sqlite_check(void *ctx, struct ccakit_errdetail *d)
{
	struct sqlstore *q = ctx;

	return svc_dbwatch_check(q->watch, d);
}

/* A single-value query such as a PRAGMA; *out gets the first column. */
static int
query_int(sqlite3 *db, const char *sql, sqlite3_int64 *out)
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
		t = sqlite3_column_text(st, 0);
		if (t == NULL)
			rc = SQLITE_MISMATCH;
		else {
			strncpy(out, (const char *)t, sz - 1);
			out[sz - 1] = '\0';
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

static int
open_detail(struct ccakit_errdetail *d, sqlite3 *db, int rc,
    const char *step)
{
	return cki_detail(d, sql_err(rc), "database", "%s: %s", step,
	    db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

int
kbs_chstore_sqlite_init(const char *path, struct kbs_chstore_ops *ops,
    void **ctx, struct ccakit_errdetail *d)
{
	struct sqlstore *q = NULL;
	sqlite3_int64 ver = 0;
	char mode[16];
	unsigned was;
	size_t i;
	int rc, r = CCAKIT_ERR_INTERNAL;

	if (sqlite3_libversion_number() < 3035000)
		return cki_detail(d, CCAKIT_ERR_INTERNAL, "database",
		    "SQLite %s is older than 3.35", sqlite3_libversion());
	/* Create the file owner-only; SQLite gives its WAL the same mode.
	 * An existing file keeps its mode: no secret is kept here. */
	if ((r = svc_dbfile_prepare(path, false, &was, d)) != CCAKIT_OK)
		return r;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	if (pthread_mutex_init(&q->mu, NULL) != 0) {
		free(q);
		return cki_detail(d, CCAKIT_ERR_INTERNAL, NULL, NULL);
	}
	if ((rc = sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL)) != SQLITE_OK) {
		r = open_detail(d, q->db, rc, "open");
		goto out;
	}
	sqlite3_extended_result_codes(q->db, 1);
	if ((rc = sqlite3_busy_timeout(q->db, BUSY_TIMEOUT_MS)) != SQLITE_OK ||
	    (rc = query_text(q->db, "PRAGMA journal_mode = WAL", mode,
	    sizeof(mode))) != SQLITE_OK ||
	    (rc = sqlite3_exec(q->db, "PRAGMA synchronous = NORMAL;"
	    "PRAGMA foreign_keys = OFF;", NULL, NULL, NULL)) != SQLITE_OK ||
	    (rc = query_int(q->db, "PRAGMA user_version", &ver)) !=
	    SQLITE_OK) {
		r = open_detail(d, q->db, rc, "setup");
		goto out;
	}
	if (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0) {
		r = cki_detail(d, CCAKIT_ERR_IO, "database",
		    "journal mode is %s, not wal", mode);
		goto out;
	}
	if (ver > SCHEMA_VERSION) {
		r = cki_detail(d, CCAKIT_ERR_IO, "database",
		    "schema version %lld is newer than %d", (long long)ver,
		    SCHEMA_VERSION);
		goto out;
	}
	if (ver < SCHEMA_VERSION && (rc = sqlite3_exec(q->db,
	    "BEGIN IMMEDIATE", NULL, NULL, NULL)) == SQLITE_OK) {
		if ((rc = sqlite3_exec(q->db, schema, NULL, NULL, NULL)) ==
		    SQLITE_OK)
			rc = sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
		else
			sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		r = open_detail(d, q->db, rc, "schema");
		goto out;
	}
	for (i = 0; i < ST_N; i++) {
		if ((rc = sqlite3_prepare_v3(q->db, stmt_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &q->st[i], NULL)) !=
		    SQLITE_OK) {
			r = open_detail(d, q->db, rc, "prepare");
			goto out;
		}
	}
	if ((r = svc_dbwatch_new(path, &q->watch)) != CCAKIT_OK) {
		cki_detail(d, r, NULL, NULL);
		goto out;
	}
	ops->insert = sql_insert;
	ops->take = sql_take;
	ops->purge = sql_purge;
	ops->count = sql_count;
	ops->close = sql_close;
	*ctx = q;
	q = NULL;
	r = CCAKIT_OK;
out:
	sql_close(q);
	return r;
}
