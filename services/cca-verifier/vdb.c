/*
 * The verifier's database (SQLite): sessions, provisioned trust anchors
 * and reference values, the EAR signing key; and the snapshots of the
 * stores that appraisal reads.
 *
 * One connection, its prepared statements serialised by a mutex; WAL
 * with synchronous=NORMAL, as the key broker's challenge store (a
 * committed row survives a crash of the process, a commit costs no
 * fsync). A session is taken for its evidence by one conditional UPDATE
 * (waiting -> processing), so it accepts evidence once, also with
 * several processes on one file.
 *
 * Snapshots: the stores are immutable once built. Every provisioning
 * change rebuilds them from the rows inside its transaction (a change
 * the loaders refuse is rolled back), commits, and swaps the new
 * snapshot in; readers hold a reference for the duration of one
 * appraisal, so a change never waits for appraisals and an appraisal
 * never sees half a change.
 *
 * The files (database, -wal, -shm) are owner-only, and watched: once one
 * is deleted or replaced under the open connection, every write refuses
 * with CCAKIT_ERR_DB_GONE (a stat() of each path before it).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sqlite3.h>

#include <ccakit/bytes.h>
#include <ccakit/err.h>
#include <ccakit/store.h>

#include "dbfile.h"
#include "util/util.h"
#include "vdb.h"

#define SCHEMA_VERSION  1
#define BUSY_TIMEOUT_MS 5000
#define KEY_PEM_MAX     8192

static const char schema[] =
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
    " value BLOB NOT NULL) STRICT;"
    "PRAGMA user_version = 1;";

enum {
	ST_S_INSERT, ST_S_GET, ST_S_CLAIM, ST_S_FINISH, ST_S_DELETE,
	ST_S_PURGE, ST_S_COUNT, ST_P_EXISTS, ST_P_UPSERT, ST_P_DELETE,
	ST_P_CLEAR, ST_P_LIST, ST_P_GET, ST_P_ALL, ST_M_GET, ST_M_PUT, ST_N
};

static const char *const stmt_sql[ST_N] = {
	"INSERT INTO session (id, nonce, created, expires, status)"
	" VALUES (?1, ?2, ?3, ?4, 0)",
	"SELECT nonce, created, expires, status, media_type, evidence,"
	" result FROM session WHERE id = ?1",
	"UPDATE session SET status = 1 WHERE id = ?1 AND status = 0"
	" AND expires > ?2",
	"UPDATE session SET status = ?2, media_type = ?3, evidence = ?4,"
	" result = ?5 WHERE id = ?1 AND status = 1",
	"DELETE FROM session WHERE id = ?1",
	"DELETE FROM session WHERE expires <= ?1",
	"SELECT count(*) FROM session",
	"SELECT 1 FROM provisioned WHERE id = ?1",
	"INSERT INTO provisioned (id, class, kind, json, created)"
	" VALUES (?1, ?2, ?3, ?4, ?5)"
	" ON CONFLICT (id) DO UPDATE SET json = excluded.json",
	"DELETE FROM provisioned WHERE id = ?1 AND class = ?2",
	"DELETE FROM provisioned WHERE class = ?1",
	"SELECT id, kind, json FROM provisioned WHERE class = ?1"
	" ORDER BY seq",
	"SELECT kind, json FROM provisioned WHERE id = ?1 AND class = ?2",
	"SELECT kind, json FROM provisioned ORDER BY seq",
	"SELECT value FROM meta WHERE name = ?1",
	"INSERT INTO meta (name, value) VALUES (?1, ?2)"
	" ON CONFLICT (name) DO NOTHING",
};

struct snap {
	struct vdb_stores pub;        /* first: the handle readers get */
	ccakit_ta_store *tas;
	ccakit_rv_store *rvs;
	unsigned refs;                  /* readers, plus one while current */
};

struct vdb {
	pthread_mutex_t mu;             /* the connection and statements */
	sqlite3 *db;
	sqlite3_stmt *st[ST_N];
	sqlite3 *ckpt;                  /* checkpoints, off the request path */
	int64_t (*now_ms)(void *);
	void *clock_arg;
	pthread_mutex_t snap_mu;        /* cur and every refs */
	struct snap *cur;
	uint64_t generation;
	svc_dbwatch *watch;             /* NULL for ":memory:" */
	unsigned fixed_mode;            /* the mode found, if changed */
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

static int64_t
real_now_ms(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
vdb_now_ms(const vdb *db)
{
	return db->now_ms(db->clock_arg);
}

void
vdb_set_clock(vdb *db, int64_t (*now_ms)(void *), void *arg)
{
	db->now_ms = now_ms != NULL ? now_ms : real_now_ms;
	db->clock_arg = arg;
}

static void
reset(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* --- snapshots --- */

static void
snap_free(struct snap *s)
{
	if (s == NULL)
		return;
	ccakit_ta_store_free(&s->tas);
	ccakit_rv_store_free(&s->rvs);
	free(s);
}

/* A growing text buffer for the store JSON. */
struct tbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void
tb_add(struct tbuf *b, const char *s, size_t n)
{
	char *np;
	size_t ncap;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		ncap = b->cap == 0 ? 1024 : b->cap;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		if ((np = realloc(b->p, ncap)) == NULL) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
tb_str(struct tbuf *b, const char *s)
{
	tb_add(b, s, strlen(s));
}

/*
 * Build stores from every provisioned row (called with db->mu held,
 * possibly inside a transaction).
 */
static int
snap_build(vdb *db, struct snap **out, struct ccakit_errdetail *d)
{
	sqlite3_stmt *st = db->st[ST_P_ALL];
	struct tbuf ta, pl, re, rv;
	struct snap *s = NULL;
	const char *kind, *json;
	size_t nta = 0, npl = 0, nre = 0;
	int rc, r = CCAKIT_ERR_IO;

	memset(&ta, 0, sizeof(ta));
	memset(&pl, 0, sizeof(pl));
	memset(&re, 0, sizeof(re));
	memset(&rv, 0, sizeof(rv));
	tb_str(&ta, "[");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		kind = (const char *)sqlite3_column_text(st, 0);
		json = (const char *)sqlite3_column_text(st, 1);
		if (kind == NULL || json == NULL)
			goto out;
		if (kind[0] == 't') {
			tb_str(&ta, nta++ > 0 ? "," : "");
			tb_str(&ta, json);
		} else if (kind[0] == 'p') {
			tb_str(&pl, npl++ > 0 ? "," : "");
			tb_str(&pl, json);
		} else if (kind[0] == 'r') {
			tb_str(&re, nre++ > 0 ? "," : "");
			tb_str(&re, json);
		}
	}
	if (rc != SQLITE_DONE) {
		r = sql_err(rc);
		goto out;
	}
	tb_str(&ta, "]");
	tb_str(&rv, "{\"platform\":[");
	tb_add(&rv, pl.p != NULL ? pl.p : "", pl.len);
	tb_str(&rv, "],\"realm\":[");
	tb_add(&rv, re.p != NULL ? re.p : "", re.len);
	tb_str(&rv, "]}");
	if (ta.oom || rv.oom || pl.oom || re.oom ||
	    (s = calloc(1, sizeof(*s))) == NULL ||
	    (s->tas = ccakit_ta_store_new()) == NULL ||
	    (s->rvs = ccakit_rv_store_new()) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	if ((r = ccakit_ta_store_load_json(s->tas, ta.p, ta.len, d)) !=
	    CCAKIT_OK ||
	    (r = ccakit_rv_store_load_json(s->rvs, rv.p, rv.len, d)) !=
	    CCAKIT_OK)
		goto out;
	s->pub.tas = s->tas;
	s->pub.rvs = s->rvs;
	s->refs = 1;
	*out = s;
	s = NULL;
	r = CCAKIT_OK;
out:
	sqlite3_reset(st);
	snap_free(s);
	free(ta.p);
	free(pl.p);
	free(re.p);
	free(rv.p);
	return r;
}

/* Make s current; the previous snapshot goes when its last reader does. */
static void
snap_swap(vdb *db, struct snap *s)
{
	struct snap *old;

	pthread_mutex_lock(&db->snap_mu);
	old = db->cur;
	s->pub.generation = ++db->generation;
	db->cur = s;
	if (old != NULL && --old->refs == 0)
		snap_free(old);
	pthread_mutex_unlock(&db->snap_mu);
}

const struct vdb_stores *
vdb_stores_get(vdb *db)
{
	struct snap *s;

	pthread_mutex_lock(&db->snap_mu);
	s = db->cur;
	s->refs++;
	pthread_mutex_unlock(&db->snap_mu);
	return &s->pub;
}

void
vdb_stores_put(vdb *db, const struct vdb_stores **sp)
{
	struct snap *s;

	if (sp == NULL || *sp == NULL)
		return;
	/* pub is the first member of struct snap. */
	s = (struct snap *)(uintptr_t)*sp;
	pthread_mutex_lock(&db->snap_mu);
	if (--s->refs == 0)
		snap_free(s);
	pthread_mutex_unlock(&db->snap_mu);
	*sp = NULL;
}

/* --- open / close --- */

static int
query_text(sqlite3 *db, const char *sql, char *out, size_t sz)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *t;
	int rc;

	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK)
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((t = sqlite3_column_text(st, 0)) == NULL) {
			rc = SQLITE_MISMATCH;
		} else {
			snprintf(out, sz, "%s", (const char *)t);
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

void
vdb_close(vdb **dbp)
{
	vdb *db;
	size_t i;

	if (dbp == NULL || (db = *dbp) == NULL)
		return;
	for (i = 0; i < ST_N; i++)
		sqlite3_finalize(db->st[i]);
	sqlite3_close(db->db);
	sqlite3_close(db->ckpt);
	svc_dbwatch_free(&db->watch);
	/* Readers must be gone by now. */
	snap_free(db->cur);
	pthread_mutex_destroy(&db->mu);
	pthread_mutex_destroy(&db->snap_mu);
	free(db);
	*dbp = NULL;
}

int
vdb_open(const char *path, vdb **out, struct ccakit_errdetail *d)
{
	vdb *db = NULL;
	struct snap *s = NULL;
	char mode[16], ver[16];
	unsigned was;
	size_t i;
	int rc, r = CCAKIT_ERR_INTERNAL;

	*out = NULL;
	if (sqlite3_libversion_number() < 3035000)
		return cki_detail(d, CCAKIT_ERR_INTERNAL, "database",
		    "SQLite %s is older than 3.35", sqlite3_libversion());
	/* Owner-only, -wal and -shm too: the EAR signing key lives here. */
	if ((r = svc_dbfile_prepare(path, true, &was, d)) != CCAKIT_OK)
		return r;
	if ((db = calloc(1, sizeof(*db))) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	db->fixed_mode = was;
	db->now_ms = real_now_ms;
	if (pthread_mutex_init(&db->mu, NULL) != 0) {
		free(db);
		return cki_detail(d, CCAKIT_ERR_INTERNAL, NULL, NULL);
	}
	if (pthread_mutex_init(&db->snap_mu, NULL) != 0) {
		pthread_mutex_destroy(&db->mu);
		free(db);
		return cki_detail(d, CCAKIT_ERR_INTERNAL, NULL, NULL);
	}
	if ((rc = sqlite3_open_v2(path, &db->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL)) != SQLITE_OK) {
		r = open_detail(d, db->db, rc, "open");
		goto out;
	}
	sqlite3_extended_result_codes(db->db, 1);
	if ((rc = sqlite3_busy_timeout(db->db, BUSY_TIMEOUT_MS)) !=
	    SQLITE_OK || (rc = query_text(db->db, "PRAGMA journal_mode = WAL",
	    mode, sizeof(mode))) != SQLITE_OK ||
	    (rc = sqlite3_exec(db->db, "PRAGMA synchronous = NORMAL;"
	    "PRAGMA wal_autocheckpoint = 0;",
	    NULL, NULL, NULL)) != SQLITE_OK ||
	    (rc = query_text(db->db, "PRAGMA user_version", ver,
	    sizeof(ver))) != SQLITE_OK) {
		r = open_detail(d, db->db, rc, "setup");
		goto out;
	}
	if (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0) {
		r = cki_detail(d, CCAKIT_ERR_IO, "database",
		    "journal mode is %s, not wal", mode);
		goto out;
	}
	if (atoi(ver) > SCHEMA_VERSION) {
		r = cki_detail(d, CCAKIT_ERR_IO, "database",
		    "schema version %s is newer than %d", ver, SCHEMA_VERSION);
		goto out;
	}
	if (atoi(ver) < SCHEMA_VERSION && (rc = sqlite3_exec(db->db,
	    "BEGIN IMMEDIATE", NULL, NULL, NULL)) == SQLITE_OK) {
		if ((rc = sqlite3_exec(db->db, schema, NULL, NULL, NULL)) ==
		    SQLITE_OK)
			rc = sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL);
		else
			sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		r = open_detail(d, db->db, rc, "schema");
		goto out;
	}
	for (i = 0; i < ST_N; i++) {
		if ((rc = sqlite3_prepare_v3(db->db, stmt_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &db->st[i], NULL)) !=
		    SQLITE_OK) {
			r = open_detail(d, db->db, rc, "prepare");
			goto out;
		}
	}
	/*
	 * The request path never checkpoints (a checkpoint fsyncs, under
	 * the connection's mutex); vdb_checkpoint does, on a connection
	 * of its own, from the service's housekeeping thread.
	 */
	if (strcmp(path, ":memory:") != 0 && ((rc = sqlite3_open_v2(path,
	    &db->ckpt, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL)) !=
	    SQLITE_OK || (rc = sqlite3_busy_timeout(db->ckpt,
	    BUSY_TIMEOUT_MS)) != SQLITE_OK)) {
		r = open_detail(d, db->ckpt, rc, "open");
		goto out;
	}
	if ((r = snap_build(db, &s, d)) != CCAKIT_OK)
		goto out;
	snap_swap(db, s);
	if ((r = svc_dbwatch_new(path, &db->watch)) != CCAKIT_OK) {
		cki_detail(d, r, NULL, NULL);
		goto out;
	}
	*out = db;
	db = NULL;
	r = CCAKIT_OK;
out:
	vdb_close(&db);
	return r;
}

unsigned
vdb_fixed_mode(const vdb *db)
{
	return db->fixed_mode;
}

int
vdb_check(vdb *db, struct ccakit_errdetail *d)
{
	return svc_dbwatch_check(db->watch, d);
}

int
vdb_checkpoint(vdb *db)
{
	int rc;

	if (db->ckpt == NULL)
		return CCAKIT_OK;
	rc = sqlite3_wal_checkpoint_v2(db->ckpt, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    NULL, NULL);
	return rc == SQLITE_OK || rc == SQLITE_BUSY ? CCAKIT_OK : sql_err(rc);
}

/* --- the EAR key --- */

static int
meta_get(vdb *db, const char *name, char **val, size_t *len)
{
	sqlite3_stmt *st = db->st[ST_M_GET];
	const void *p;
	int n, rc, r = CCAKIT_ERR_IO;

	*val = NULL;
	if ((rc = sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC)) !=
	    SQLITE_OK) {
		r = sql_err(rc);
		goto out;
	}
	if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
		r = CCAKIT_ERR_NOT_FOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = sql_err(rc);
		goto out;
	}
	p = sqlite3_column_blob(st, 0);
	n = sqlite3_column_bytes(st, 0);
	if (p == NULL || n <= 0 || n > KEY_PEM_MAX)
		goto out;
	if ((*val = malloc((size_t)n + 1)) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	memcpy(*val, p, (size_t)n);
	(*val)[n] = '\0';
	*len = (size_t)n;
	r = CCAKIT_OK;
out:
	reset(st);
	return r;
}

/* A new P-256 private key as PKCS#8 PEM. */
static int
gen_key(char **pem, size_t *len)
{
	EVP_PKEY *pk = NULL;
	BIO *b = NULL;
	char *p;
	long n;
	int r = CCAKIT_ERR_CRYPTO;

	if ((pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL ||
	    (b = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL) != 1 ||
	    (n = BIO_get_mem_data(b, &p)) <= 0 || n > KEY_PEM_MAX)
		goto out;
	if ((*pem = malloc((size_t)n + 1)) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	memcpy(*pem, p, (size_t)n);
	(*pem)[n] = '\0';
	*len = (size_t)n;
	OPENSSL_cleanse(p, (size_t)n);
	r = CCAKIT_OK;
out:
	BIO_free(b);
	EVP_PKEY_free(pk);
	return r;
}

int
vdb_ear_key(vdb *db, char **pem, size_t *len)
{
	sqlite3_stmt *st = db->st[ST_M_PUT];
	char *fresh = NULL;
	size_t flen = 0;
	int rc, r;

	*pem = NULL;
	pthread_mutex_lock(&db->mu);
	if ((r = meta_get(db, "ear-key", pem, len)) != CCAKIT_ERR_NOT_FOUND)
		goto out;
	if ((r = vdb_check(db, NULL)) != CCAKIT_OK ||
	    (r = gen_key(&fresh, &flen)) != CCAKIT_OK)
		goto out;
	/* Another process may have won: keep whichever was first. */
	if ((rc = sqlite3_bind_text(st, 1, "ear-key", -1, SQLITE_STATIC)) !=
	    SQLITE_OK || (rc = sqlite3_bind_blob(st, 2, fresh, (int)flen,
	    SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_step(st)) != SQLITE_DONE) {
		r = sql_err(rc);
		reset(st);
		goto out;
	}
	reset(st);
	r = meta_get(db, "ear-key", pem, len);
out:
	pthread_mutex_unlock(&db->mu);
	if (fresh != NULL) {
		ccakit_wipe(fresh, flen);
		free(fresh);
	}
	return r;
}

/* --- sessions --- */

/* Read a row of ST_S_GET into *s (id set by the caller). */
static int
session_row(sqlite3_stmt *st, struct svc_v_session *s)
{
	const void *p;
	int n;

	p = sqlite3_column_blob(st, 0);
	n = sqlite3_column_bytes(st, 0);
	if (p == NULL || n < SVC_V_NONCE_MIN || n > SVC_V_NONCE_MAX)
		return CCAKIT_ERR_IO;
	memcpy(s->nonce, p, (size_t)n);
	s->nonce_len = (size_t)n;
	s->created_ms = sqlite3_column_int64(st, 1);
	s->expires_ms = sqlite3_column_int64(st, 2);
	n = sqlite3_column_int(st, 3);
	if (n < SVC_V_WAITING || n > SVC_V_FAILED)
		return CCAKIT_ERR_IO;
	s->status = (enum svc_v_status)n;
	if (sqlite3_column_type(st, 4) == SQLITE_TEXT &&
	    (s->media_type = strdup((const char *)sqlite3_column_text(st,
	    4))) == NULL)
		return CCAKIT_ERR_NOMEM;
	if (sqlite3_column_type(st, 5) == SQLITE_BLOB &&
	    (n = sqlite3_column_bytes(st, 5)) > 0) {
		if (n > SVC_V_EVIDENCE_MAX)
			return CCAKIT_ERR_IO;
		if ((s->evidence = malloc((size_t)n)) == NULL)
			return CCAKIT_ERR_NOMEM;
		memcpy(s->evidence, sqlite3_column_blob(st, 5), (size_t)n);
		s->evidence_len = (size_t)n;
	}
	if (sqlite3_column_type(st, 6) == SQLITE_TEXT &&
	    (s->result = strdup((const char *)sqlite3_column_text(st,
	    6))) == NULL)
		return CCAKIT_ERR_NOMEM;
	return CCAKIT_OK;
}

/* Look a session up (db->mu held); expired ones are CCAKIT_ERR_EXPIRED. */
static int
session_get_locked(vdb *db, const char *id, struct svc_v_session *out)
{
	sqlite3_stmt *st = db->st[ST_S_GET];
	struct svc_v_session s;
	int rc, r;

	memset(&s, 0, sizeof(s));
	if (!svc_v_uuid_valid(id))
		return CCAKIT_ERR_NOT_FOUND;
	if ((rc = sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC)) !=
	    SQLITE_OK) {
		r = sql_err(rc);
		goto out;
	}
	if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
		r = CCAKIT_ERR_NOT_FOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = sql_err(rc);
		goto out;
	}
	memcpy(s.id, id, SVC_V_SESSION_ID_LEN + 1);
	if ((r = session_row(st, &s)) != CCAKIT_OK)
		goto out;
	if (s.expires_ms <= db->now_ms(db->clock_arg)) {
		r = CCAKIT_ERR_EXPIRED;
		goto out;
	}
	*out = s;
	memset(&s, 0, sizeof(s));
	r = CCAKIT_OK;
out:
	reset(st);
	svc_v_session_clear(&s);
	return r;
}

int
vdb_session_new(vdb *db, const uint8_t *nonce, size_t len,
    unsigned ttl_s, struct svc_v_session *out)
{
	sqlite3_stmt *st = db->st[ST_S_INSERT];
	struct svc_v_session s;
	int rc, r = CCAKIT_ERR_IO, tries;

	if (len < SVC_V_NONCE_MIN || len > SVC_V_NONCE_MAX || ttl_s == 0)
		return CCAKIT_ERR_INVALID_ARG;
	if ((r = vdb_check(db, NULL)) != CCAKIT_OK)
		return r;
	memset(&s, 0, sizeof(s));
	memcpy(s.nonce, nonce, len);
	s.nonce_len = len;
	s.status = SVC_V_WAITING;
	pthread_mutex_lock(&db->mu);
	s.created_ms = db->now_ms(db->clock_arg);
	s.expires_ms = s.created_ms + (int64_t)ttl_s * 1000;
	/* A random UUID collides only with a broken RNG; retry anyway. */
	for (tries = 0; tries < 4; tries++) {
		if ((r = svc_v_uuid(s.id)) != CCAKIT_OK)
			goto out;
		if ((rc = sqlite3_bind_text(st, 1, s.id, -1, SQLITE_STATIC)) !=
		    SQLITE_OK || (rc = sqlite3_bind_blob(st, 2, nonce,
		    (int)len, SQLITE_STATIC)) != SQLITE_OK ||
		    (rc = sqlite3_bind_int64(st, 3, s.created_ms)) !=
		    SQLITE_OK || (rc = sqlite3_bind_int64(st, 4,
		    s.expires_ms)) != SQLITE_OK) {
			r = sql_err(rc);
			reset(st);
			goto out;
		}
		rc = sqlite3_step(st);
		reset(st);
		if (rc == SQLITE_DONE) {
			*out = s;
			memset(&s, 0, sizeof(s));
			r = CCAKIT_OK;
			goto out;
		}
		if (rc != SQLITE_CONSTRAINT_PRIMARYKEY) {
			r = sql_err(rc);
			goto out;
		}
	}
	r = CCAKIT_ERR_INTERNAL;
out:
	pthread_mutex_unlock(&db->mu);
	ccakit_wipe(&s, sizeof(s));
	return r;
}

int
vdb_session_get(vdb *db, const char *id, struct svc_v_session *out)
{
	int r;

	pthread_mutex_lock(&db->mu);
	r = session_get_locked(db, id, out);
	pthread_mutex_unlock(&db->mu);
	return r;
}

int
vdb_session_claim(vdb *db, const char *id, bool *claimed,
    struct svc_v_session *out)
{
	sqlite3_stmt *st = db->st[ST_S_CLAIM];
	struct svc_v_session s;
	bool mine = false;
	int rc, r;

	memset(&s, 0, sizeof(s));
	if (!svc_v_uuid_valid(id))
		return CCAKIT_ERR_NOT_FOUND;
	if ((r = vdb_check(db, NULL)) != CCAKIT_OK)
		return r;
	pthread_mutex_lock(&db->mu);
	if ((r = session_get_locked(db, id, &s)) != CCAKIT_OK)
		goto out;
	if ((rc = sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC)) !=
	    SQLITE_OK || (rc = sqlite3_bind_int64(st, 2,
	    db->now_ms(db->clock_arg))) != SQLITE_OK ||
	    (rc = sqlite3_step(st)) != SQLITE_DONE) {
		r = sql_err(rc);
		reset(st);
		goto out;
	}
	reset(st);
	mine = sqlite3_changes(db->db) == 1;
	*claimed = mine;
	*out = s;
	memset(&s, 0, sizeof(s));
	r = CCAKIT_OK;
out:
	pthread_mutex_unlock(&db->mu);
	svc_v_session_clear(&s);
	return r;
}

int
vdb_session_finish(vdb *db, const char *id, const char *media_type,
    const uint8_t *ev, size_t evlen, const char *result)
{
	sqlite3_stmt *st = db->st[ST_S_FINISH];
	int rc, r = CCAKIT_OK;

	if (evlen > SVC_V_EVIDENCE_MAX)
		return CCAKIT_ERR_TOO_LARGE;
	if ((r = vdb_check(db, NULL)) != CCAKIT_OK)
		return r;
	pthread_mutex_lock(&db->mu);
	if ((rc = sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC)) !=
	    SQLITE_OK || (rc = sqlite3_bind_int(st, 2, result != NULL ?
	    SVC_V_COMPLETE : SVC_V_FAILED)) != SQLITE_OK ||
	    (rc = media_type != NULL ? sqlite3_bind_text(st, 3, media_type,
	    -1, SQLITE_STATIC) : sqlite3_bind_null(st, 3)) != SQLITE_OK ||
	    (rc = ev != NULL && evlen > 0 ? sqlite3_bind_blob(st, 4, ev,
	    (int)evlen, SQLITE_STATIC) : sqlite3_bind_null(st, 4)) !=
	    SQLITE_OK ||
	    (rc = result != NULL ? sqlite3_bind_text(st, 5, result, -1,
	    SQLITE_STATIC) : sqlite3_bind_null(st, 5)) != SQLITE_OK ||
	    (rc = sqlite3_step(st)) != SQLITE_DONE)
		r = sql_err(rc);
	else if (sqlite3_changes(db->db) != 1)
		r = CCAKIT_ERR_NOT_FOUND;
	reset(st);
	pthread_mutex_unlock(&db->mu);
	return r;
}

int
vdb_session_delete(vdb *db, const char *id)
{
	sqlite3_stmt *st = db->st[ST_S_DELETE];
	int rc, r = CCAKIT_OK;

	if (!svc_v_uuid_valid(id))
		return CCAKIT_ERR_NOT_FOUND;
	if ((r = vdb_check(db, NULL)) != CCAKIT_OK)
		return r;
	pthread_mutex_lock(&db->mu);
	if ((rc = sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC)) !=
	    SQLITE_OK || (rc = sqlite3_step(st)) != SQLITE_DONE)
		r = sql_err(rc);
	else if (sqlite3_changes(db->db) == 0)
		r = CCAKIT_ERR_NOT_FOUND;
	reset(st);
	pthread_mutex_unlock(&db->mu);
	return r;
}

int
vdb_session_purge(vdb *db, unsigned grace_s, size_t *n)
{
	sqlite3_stmt *st = db->st[ST_S_PURGE];
	int rc, r;

	if ((r = vdb_check(db, NULL)) != CCAKIT_OK)
		return r;
	pthread_mutex_lock(&db->mu);
	if ((rc = sqlite3_bind_int64(st, 1, db->now_ms(db->clock_arg) -
	    (int64_t)grace_s * 1000)) != SQLITE_OK ||
	    (rc = sqlite3_step(st)) != SQLITE_DONE)
		r = sql_err(rc);
	else
		*n = (size_t)sqlite3_changes(db->db);
	reset(st);
	pthread_mutex_unlock(&db->mu);
	return r;
}

int
vdb_session_count(vdb *db, size_t *n)
{
	sqlite3_stmt *st = db->st[ST_S_COUNT];
	int rc, r = CCAKIT_OK;

	pthread_mutex_lock(&db->mu);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW)
		r = sql_err(rc);
	else
		*n = (size_t)sqlite3_column_int64(st, 0);
	reset(st);
	pthread_mutex_unlock(&db->mu);
	return r;
}

/* --- provisioning --- */

/* Rebuild the stores inside the open transaction, then commit and swap
 * them in; roll back when they cannot be built. db->mu held. */
static int
commit_and_swap(vdb *db, struct ccakit_errdetail *d)
{
	struct snap *s = NULL;
	int r, rc;

	if ((r = snap_build(db, &s, d)) != CCAKIT_OK) {
		sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
		return r;
	}
	if ((rc = sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL)) !=
	    SQLITE_OK) {
		sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
		snap_free(s);
		return cki_detail(d, sql_err(rc), "database", "commit: %s",
		    sqlite3_errmsg(db->db));
	}
	snap_swap(db, s);
	return CCAKIT_OK;
}

static int
begin(vdb *db, struct ccakit_errdetail *d)
{
	int rc;

	if ((rc = sqlite3_exec(db->db, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL)) != SQLITE_OK)
		return cki_detail(d, sql_err(rc), "database", "begin: %s",
		    sqlite3_errmsg(db->db));
	return CCAKIT_OK;
}

int
vdb_prov_add(vdb *db, const struct vdb_batch *b, size_t *added,
    struct ccakit_errdetail *d)
{
	sqlite3_stmt *ex = db->st[ST_P_EXISTS], *up = db->st[ST_P_UPSERT];
	char kind[2] = { 0, 0 };
	size_t i, n = 0;
	int64_t now;
	int rc, r;

	if ((r = vdb_check(db, d)) != CCAKIT_OK)
		return r;
	pthread_mutex_lock(&db->mu);
	if ((r = begin(db, d)) != CCAKIT_OK)
		goto out;
	now = db->now_ms(db->clock_arg) / 1000;
	for (i = 0; i < b->n; i++) {
		kind[0] = b->e[i].kind;
		if ((rc = sqlite3_bind_text(ex, 1, b->e[i].id, -1,
		    SQLITE_STATIC)) != SQLITE_OK ||
		    ((rc = sqlite3_step(ex)) != SQLITE_ROW &&
		    rc != SQLITE_DONE)) {
			reset(ex);
			goto fail;
		}
		n += rc == SQLITE_DONE;
		reset(ex);
		if ((rc = sqlite3_bind_text(up, 1, b->e[i].id, -1,
		    SQLITE_STATIC)) != SQLITE_OK ||
		    (rc = sqlite3_bind_int(up, 2, (int)b->cls)) != SQLITE_OK ||
		    (rc = sqlite3_bind_text(up, 3, kind, 1, SQLITE_STATIC)) !=
		    SQLITE_OK || (rc = sqlite3_bind_text(up, 4, b->e[i].json,
		    -1, SQLITE_STATIC)) != SQLITE_OK ||
		    (rc = sqlite3_bind_int64(up, 5, now)) != SQLITE_OK ||
		    (rc = sqlite3_step(up)) != SQLITE_DONE) {
			reset(up);
			goto fail;
		}
		reset(up);
	}
	if ((r = commit_and_swap(db, d)) == CCAKIT_OK)
		*added = n;
	goto out;
fail:
	r = cki_detail(d, sql_err(rc), "database", "%s",
	    sqlite3_errmsg(db->db));
	sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
out:
	pthread_mutex_unlock(&db->mu);
	return r;
}

/* Delete one (id) or all (id NULL) entries of a class. */
static int
prov_delete(vdb *db, enum vdb_class cls, const char *id, size_t *n)
{
	sqlite3_stmt *st = db->st[id != NULL ? ST_P_DELETE : ST_P_CLEAR];
	size_t changed = 0;
	int rc, r;

	if ((r = vdb_check(db, NULL)) != CCAKIT_OK)
		return r;
	pthread_mutex_lock(&db->mu);
	if ((r = begin(db, NULL)) != CCAKIT_OK)
		goto out;
	if (id != NULL)
		rc = sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC) ==
		    SQLITE_OK ? sqlite3_bind_int(st, 2, (int)cls) : SQLITE_ERROR;
	else
		rc = sqlite3_bind_int(st, 1, (int)cls);
	if (rc != SQLITE_OK || (rc = sqlite3_step(st)) != SQLITE_DONE) {
		reset(st);
		sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
		r = sql_err(rc);
		goto out;
	}
	reset(st);
	changed = (size_t)sqlite3_changes(db->db);
	if (id != NULL && changed == 0) {
		sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
		r = CCAKIT_ERR_NOT_FOUND;
		goto out;
	}
	if ((r = commit_and_swap(db, NULL)) == CCAKIT_OK && n != NULL)
		*n = changed;
out:
	pthread_mutex_unlock(&db->mu);
	return r;
}

int
vdb_prov_remove(vdb *db, enum vdb_class cls, const char *id)
{
	if (id == NULL || strlen(id) != VDB_ENTRY_ID_LEN)
		return CCAKIT_ERR_NOT_FOUND;
	return prov_delete(db, cls, id, NULL);
}

int
vdb_prov_clear(vdb *db, enum vdb_class cls, size_t *n)
{
	return prov_delete(db, cls, NULL, n);
}

/* {"id": id, <members of entry json>} compact, appended to b. */
static void
entry_with_id(struct tbuf *b, const char *id, const char *json)
{
	tb_str(b, "{\"id\":\"");
	tb_str(b, id);
	tb_str(b, "\"");
	/* json is a non-empty object written by jansson: "{...}". */
	if (json[0] == '{' && json[1] != '}')
		tb_str(b, ",");
	tb_str(b, json + 1);
}

int
vdb_prov_list(vdb *db, enum vdb_class cls, char **out)
{
	sqlite3_stmt *st = db->st[ST_P_LIST];
	struct tbuf ta, pl, re;
	const char *id, *kind, *json;
	size_t npl = 0, nre = 0, nta = 0;
	int rc, r = CCAKIT_ERR_IO;

	*out = NULL;
	memset(&ta, 0, sizeof(ta));
	memset(&pl, 0, sizeof(pl));
	memset(&re, 0, sizeof(re));
	pthread_mutex_lock(&db->mu);
	if ((rc = sqlite3_bind_int(st, 1, (int)cls)) != SQLITE_OK) {
		r = sql_err(rc);
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = (const char *)sqlite3_column_text(st, 0);
		kind = (const char *)sqlite3_column_text(st, 1);
		json = (const char *)sqlite3_column_text(st, 2);
		if (id == NULL || kind == NULL || json == NULL ||
		    json[0] != '{')
			goto out;
		if (kind[0] == 't') {
			tb_str(&ta, nta++ > 0 ? "," : "");
			entry_with_id(&ta, id, json);
		} else if (kind[0] == 'p') {
			tb_str(&pl, npl++ > 0 ? "," : "");
			entry_with_id(&pl, id, json);
		} else {
			tb_str(&re, nre++ > 0 ? "," : "");
			entry_with_id(&re, id, json);
		}
	}
	if (rc != SQLITE_DONE) {
		r = sql_err(rc);
		goto out;
	}
	if (cls == VDB_TA) {
		struct tbuf o;

		memset(&o, 0, sizeof(o));
		tb_str(&o, "[");
		tb_add(&o, ta.p != NULL ? ta.p : "", ta.len);
		tb_str(&o, "]");
		if (o.oom || ta.oom) {
			free(o.p);
			r = CCAKIT_ERR_NOMEM;
			goto out;
		}
		*out = o.p;
	} else {
		struct tbuf o;

		memset(&o, 0, sizeof(o));
		tb_str(&o, "{\"platform\":[");
		tb_add(&o, pl.p != NULL ? pl.p : "", pl.len);
		tb_str(&o, "],\"realm\":[");
		tb_add(&o, re.p != NULL ? re.p : "", re.len);
		tb_str(&o, "]}");
		if (o.oom || pl.oom || re.oom) {
			free(o.p);
			r = CCAKIT_ERR_NOMEM;
			goto out;
		}
		*out = o.p;
	}
	r = CCAKIT_OK;
out:
	reset(st);
	pthread_mutex_unlock(&db->mu);
	free(ta.p);
	free(pl.p);
	free(re.p);
	return r;
}

int
vdb_prov_get(vdb *db, enum vdb_class cls, const char *id,
    char **out)
{
	sqlite3_stmt *st = db->st[ST_P_GET];
	const char *json;
	struct tbuf o;
	int rc, r = CCAKIT_ERR_IO;

	*out = NULL;
	if (id == NULL || strlen(id) != VDB_ENTRY_ID_LEN)
		return CCAKIT_ERR_NOT_FOUND;
	memset(&o, 0, sizeof(o));
	pthread_mutex_lock(&db->mu);
	if ((rc = sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC)) !=
	    SQLITE_OK || (rc = sqlite3_bind_int(st, 2, (int)cls)) !=
	    SQLITE_OK) {
		r = sql_err(rc);
		goto out;
	}
	if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
		r = CCAKIT_ERR_NOT_FOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = sql_err(rc);
		goto out;
	}
	json = (const char *)sqlite3_column_text(st, 1);
	if (json == NULL || json[0] != '{')
		goto out;
	entry_with_id(&o, id, json);
	if (o.oom) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	*out = o.p;
	o.p = NULL;
	r = CCAKIT_OK;
out:
	reset(st);
	pthread_mutex_unlock(&db->mu);
	free(o.p);
	return r;
}
