/*
 * The PostgreSQL driver (libpq).
 *
 * A pool of connections, opened as needed up to state_opts.pool (the
 * worker threads plus one): a call takes a free connection for its
 * duration and gives it back, waiting when none is free. Statements are
 * prepared once per connection, when first used there (one extra round
 * trip, once), then each call is one PQexecPrepared: one round trip, with
 * parameters and results in binary (no escaping, no hex).
 *
 * Failures are sorted by what they say about the statement:
 *  - a serialisation failure or deadlock (40001, 40P01): it did not
 *    happen; it is run again;
 *  - the connection lost (no reply, class 08, 57P01-03, 53xxx, libpq's own
 *    errors): it may or may not have happened. The connection is dropped,
 *    a new one made (with backoff: 2, 4, ... 256 ms) and the statement
 *    sent again;
 *  - anything else: an error (CCAKIT_ERR_IO, SQLSTATE and message).
 * Both retries last at most state_opts.retry_ms per call; then
 * CCAKIT_ERR_DB_UNAVAILABLE.
 *
 * Sending again is safe because every statement here is idempotent: sent
 * twice it has the effect of sending it once. Single-use operations get
 * that from a random token of the call, written by the statement that
 * wins and matched by its repetition: a challenge is taken by
 *   UPDATE challenge SET taken = $tok WHERE id = $1
 *     AND (taken IS NULL OR taken = $tok) RETURNING ...
 * so that a take whose reply was lost finds, when sent again, the row it
 * took, rather than nothing (a DELETE could not tell "I took it" from
 * "someone did"); a concurrent take from another replica waits for the
 * row lock, then finds it taken. Sessions are claimed, records taken and
 * records updated at a version the same way (session.claim, record.taken,
 * record.writer). Inserts of fresh random ids (challenges, sessions) are
 * ON CONFLICT DO NOTHING: sent again after a lost reply, one reports
 * "exists" and the caller draws another id; the first row stays, unseen
 * by any client, until it expires. A delete sent again that finds nothing
 * reports success (the first one most likely deleted it). A provisioning
 * change is one transaction of upserts and deletes, run again whole.
 * Taken challenges stay (invisible) until they expire: purge deletes them
 * with the expired ones.
 *
 * Schema (docs/state.md): version 1 holds the tables of the key broker
 * and the verifier as SQLite version 1 has them; version 2 the additions
 * of this layer. Migrations run in one transaction under an advisory
 * lock, so that replicas starting at once migrate once; schema_version
 * records each version applied.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "state_priv.h"
#include "util/util.h"

/* pg_advisory_xact_lock key of the migrations: "ccakit" in ASCII. */
#define MIGRATE_LOCK    "109278487341428"

static const char mig1[] =
    "CREATE TABLE challenge ("
    " id bigint PRIMARY KEY CHECK (id BETWEEN 1 AND 4294967295),"
    " nonce bytea NOT NULL CHECK (length(nonce) = 64),"
    " key text NOT NULL,"
    " wrapkey text NOT NULL,"
    " created bigint NOT NULL,"
    " expires bigint NOT NULL);"
    "CREATE INDEX challenge_expires ON challenge (expires);"
    "CREATE TABLE session ("
    " id text PRIMARY KEY CHECK (length(id) = 36),"
    " nonce bytea NOT NULL CHECK (length(nonce) BETWEEN 8 AND 64),"
    " created bigint NOT NULL,"
    " expires bigint NOT NULL,"
    " status smallint NOT NULL CHECK (status BETWEEN 0 AND 3),"
    " media_type text,"
    " evidence bytea,"
    " result text);"
    "CREATE INDEX session_expires ON session (expires);"
    "CREATE TABLE provisioned ("
    " seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " id text NOT NULL UNIQUE CHECK (length(id) = 32),"
    " class smallint NOT NULL CHECK (class IN (1, 2)),"
    " kind text NOT NULL CHECK (kind IN ('t', 'p', 'r')),"
    " json text NOT NULL,"
    " created bigint NOT NULL);"
    "CREATE TABLE meta ("
    " name text PRIMARY KEY,"
    " value bytea NOT NULL);";

/* Room on each page for the update that takes a challenge or claims a
 * session, so that it stays on the page (a HOT update: no index entry,
 * little WAL). */
static const char mig2[] =
    "ALTER TABLE challenge ADD COLUMN taken bytea;"
    "ALTER TABLE challenge SET (fillfactor = 70);"
    "ALTER TABLE session ADD COLUMN claim bytea;"
    "ALTER TABLE session SET (fillfactor = 70);"
    "CREATE TABLE counter ("
    " name text PRIMARY KEY,"
    " value bigint NOT NULL);"
    "INSERT INTO counter (name, value) VALUES ('prov', 0);"
    "CREATE TABLE record ("
    " ns text COLLATE \"C\" NOT NULL,"
    " key text COLLATE \"C\" NOT NULL,"
    " value bytea NOT NULL,"
    " expires bigint,"
    " version bigint NOT NULL,"
    " writer bytea,"
    " taken bytea,"
    " taken_at timestamptz,"
    " PRIMARY KEY (ns, key));"
    "CREATE INDEX record_expires ON record (expires)"
    " WHERE expires IS NOT NULL;"
    "CREATE INDEX record_taken ON record (taken_at)"
    " WHERE taken_at IS NOT NULL;";

static const char *const migrations[] = { NULL, mig1, mig2 };

enum {
	CH_INSERT, CH_TAKE, CH_PURGE, CH_COUNT,
	S_INSERT, S_GET, S_CLAIM, S_FINISH, S_DELETE, S_PURGE, S_COUNT,
	P_GEN, P_BUMP, P_READ, P_UPSERT, P_DEL_ONE, P_DEL_CLASS,
	M_GET, M_ADD,
	R_PUT, R_PUT_CREATE, R_GET, R_UPDATE, R_TAKE, R_DELETE, R_LIST,
	R_PURGE, R_COUNT,
	VERSION,
	ST_N
};

#define SESSION_COLS "nonce, created, expires, status::bigint," \
	" media_type, evidence, result"
/* A record's own writes: the same token again is the same write. */
#define REC_UPSERT \
	"INSERT INTO record AS r (ns, key, value, expires, version, writer)" \
	" VALUES ($1::text, $2::text, $3::bytea, $4::bigint, 1, $6::bytea)" \
	" ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value," \
	" expires = excluded.expires, taken = NULL, taken_at = NULL," \
	" version = CASE WHEN r.writer = excluded.writer AND" \
	" r.taken IS NULL THEN r.version ELSE r.version + 1 END," \
	" writer = excluded.writer"

static const char *const stmt_sql[ST_N] = {
	[CH_INSERT] = "INSERT INTO challenge (id, nonce, key, wrapkey,"
	    " created, expires) VALUES ($1::bigint, $2::bytea, $3::text,"
	    " $4::text, $5::bigint, $6::bigint) ON CONFLICT (id) DO NOTHING",
	[CH_TAKE] = "UPDATE challenge SET taken = $2::bytea"
	    " WHERE id = $1::bigint AND (taken IS NULL OR taken = $2)"
	    " RETURNING nonce, key, wrapkey, created, expires",
	[CH_PURGE] = "WITH d AS (DELETE FROM challenge"
	    " WHERE expires <= $1::bigint RETURNING taken)"
	    " SELECT count(*) FILTER (WHERE taken IS NULL) FROM d",
	[CH_COUNT] = "SELECT count(*) FROM challenge WHERE taken IS NULL",
	[S_INSERT] = "INSERT INTO session (id, nonce, created, expires,"
	    " status) VALUES ($1::text, $2::bytea, $3::bigint, $4::bigint, 0)"
	    " ON CONFLICT (id) DO NOTHING",
	[S_GET] = "SELECT " SESSION_COLS " FROM session WHERE id = $1::text",
	[S_CLAIM] = "UPDATE session SET status = 1, claim = $3::bytea"
	    " WHERE id = $1::text AND expires > $2::bigint"
	    " AND (status = 0 OR (status = 1 AND claim = $3))"
	    " RETURNING " SESSION_COLS,
	[S_FINISH] = "UPDATE session SET status = $3::bigint,"
	    " media_type = $4::text, evidence = $5::bytea, result = $6::text"
	    " WHERE id = $1::text AND claim = $2::bytea",
	[S_DELETE] = "DELETE FROM session WHERE id = $1::text",
	[S_PURGE] = "DELETE FROM session WHERE expires <= $1::bigint",
	[S_COUNT] = "SELECT count(*) FROM session",
	[P_GEN] = "SELECT value FROM counter WHERE name = 'prov'",
	/* Also the lock that serialises provisioning changes. */
	[P_BUMP] = "UPDATE counter SET value = value + 1"
	    " WHERE name = 'prov' RETURNING value",
	[P_READ] = "SELECT c.value, p.id, p.class::bigint, p.kind, p.json"
	    " FROM counter AS c LEFT JOIN provisioned AS p"
	    " ON ($1::bigint = 0 OR p.class = $1)"
	    " AND ($2::text IS NULL OR p.id = $2)"
	    " WHERE c.name = 'prov' ORDER BY p.seq",
	[P_UPSERT] = "INSERT INTO provisioned (id, class, kind, json,"
	    " created) VALUES ($1::text, $2::bigint, $3::text, $4::text,"
	    " $5::bigint) ON CONFLICT (id) DO UPDATE SET json = excluded.json"
	    " RETURNING xmax = 0",
	[P_DEL_ONE] = "DELETE FROM provisioned"
	    " WHERE id = $1::text AND class = $2::bigint",
	[P_DEL_CLASS] = "DELETE FROM provisioned WHERE class = $1::bigint",
	[M_GET] = "SELECT value FROM meta WHERE name = $1::text",
	[M_ADD] = "INSERT INTO meta (name, value)"
	    " VALUES ($1::text, $2::bytea) ON CONFLICT (name) DO NOTHING",
	/* The last column: no live record was there (the statement's
	 * snapshot, before its write). */
	[R_PUT] = "WITH old AS (SELECT expires FROM record"
	    " WHERE ns = $1::text AND key = $2::text AND taken IS NULL"
	    " AND (expires IS NULL OR expires > $5::bigint)) "
	    REC_UPSERT " RETURNING version, NOT EXISTS (SELECT 1 FROM old)",
	[R_PUT_CREATE] = REC_UPSERT
	    " WHERE r.writer = excluded.writer OR r.taken IS NOT NULL"
	    " OR (r.expires IS NOT NULL AND r.expires <= $5::bigint)"
	    " RETURNING version, true",
	[R_GET] = "SELECT value, expires, version FROM record"
	    " WHERE ns = $1::text AND key = $2::text AND taken IS NULL",
	[R_UPDATE] = "UPDATE record SET value = $4::bytea,"
	    " version = $3::bigint + 1, writer = $7::bytea,"
	    " expires = coalesce($5::bigint, expires)"
	    " WHERE ns = $1::text AND key = $2::text AND taken IS NULL"
	    " AND (expires IS NULL OR expires > $6::bigint)"
	    " AND (version = $3 OR (version = $3 + 1 AND writer = $7))",
	[R_TAKE] = "UPDATE record SET taken = $4::bytea, taken_at = now()"
	    " WHERE ns = $1::text AND key = $2::text AND (taken = $4 OR"
	    " (taken IS NULL AND (expires IS NULL OR expires > $3::bigint)))"
	    " RETURNING value, expires, version",
	[R_DELETE] = "WITH d AS (DELETE FROM record"
	    " WHERE ns = $1::text AND key = $2::text RETURNING taken)"
	    " SELECT count(*) FILTER (WHERE taken IS NULL) FROM d",
	[R_LIST] = "SELECT key, expires, version FROM record"
	    " WHERE ns = $1::text AND key >= $2::text"
	    " AND key < $2::text || chr(127) AND taken IS NULL"
	    " AND (expires IS NULL OR expires > $3::bigint) ORDER BY key",
	/* Taken records go with the expired ones, or a minute after the
	 * take when they do not expire. */
	[R_PURGE] = "WITH d AS (DELETE FROM record"
	    " WHERE ($1::text IS NULL OR ns = $1)"
	    " AND ((expires IS NOT NULL AND expires <= $2::bigint)"
	    " OR taken_at < now() - interval '60 seconds') RETURNING taken)"
	    " SELECT count(*) FILTER (WHERE taken IS NULL) FROM d",
	[R_COUNT] = "SELECT count(*) FROM record"
	    " WHERE ns = $1::text AND taken IS NULL",
	[VERSION] = "SELECT coalesce(max(version), 0)::bigint"
	    " FROM schema_version",
};

/* Statement names on the server: "ccakit<n>". */
#define STMT_NAME_MAX 16

struct pconn {
	PGconn *c;                      /* NULL until connected */
	bool prepared[ST_N];
	struct pconn *next;             /* free list */
};

struct pg {
	char *url;
	unsigned retry_ms;
	pthread_mutex_t mu;
	pthread_cond_t cv;              /* a connection was given back */
	struct pconn *conns;
	unsigned n;
	struct pconn *free;
};

/* Tests: one reply in n is lost (0: none); see state_pg_test_lose. */
static atomic_uint lose_every;
static atomic_uint lose_count;

void
state_pg_test_lose(unsigned every)
{
	atomic_store(&lose_every, every);
}

/* What an attempt says beyond a ccakit code. */
#define X_LOST  (-1)                    /* connection lost: maybe ran */
#define X_AGAIN (-2)                    /* did not run: run it again */

/* --- parameters and results --- */

#define NPARAM 8

struct params {
	int n;
	const char *v[NPARAM];
	int l[NPARAM];
	int f[NPARAM];
	char ib[NPARAM][8];             /* int8 values, big-endian */
};

static void
p_int(struct params *p, int64_t x)
{
	uint64_t u = (uint64_t)x;
	int i;

	for (i = 0; i < 8; i++)
		p->ib[p->n][i] = (char)(uint8_t)(u >> (56 - 8 * i));
	p->v[p->n] = p->ib[p->n];
	p->l[p->n] = 8;
	p->f[p->n] = 1;
	p->n++;
}

static void
p_bytes(struct params *p, const void *b, size_t len)
{
	p->v[p->n] = b;
	p->l[p->n] = (int)len;
	p->f[p->n] = 1;
	p->n++;
}

/* Text in binary form is its bytes; NULL is SQL NULL. */
static void
p_text(struct params *p, const char *s)
{
	p_bytes(p, s, s != NULL ? strlen(s) : 0);
}

static void
p_null(struct params *p)
{
	p_bytes(p, NULL, 0);
}

static bool
g_int(const PGresult *res, int row, int col, int64_t *v)
{
	const uint8_t *b;
	uint64_t u = 0;
	int i;

	if (PQgetisnull(res, row, col) || PQgetlength(res, row, col) != 8)
		return false;
	b = (const uint8_t *)PQgetvalue(res, row, col);
	for (i = 0; i < 8; i++)
		u = u << 8 | b[i];
	*v = (int64_t)u;
	return true;
}

static bool
g_bool(const PGresult *res, int row, int col, bool *v)
{
	if (PQgetisnull(res, row, col) || PQgetlength(res, row, col) != 1)
		return false;
	*v = PQgetvalue(res, row, col)[0] != 0;
	return true;
}

/* A bytea or text value (NUL-terminated by libpq), or NULL. */
static const char *
g_bytes(const PGresult *res, int row, int col, size_t *n)
{
	if (PQgetisnull(res, row, col))
		return NULL;
	*n = (size_t)PQgetlength(res, row, col);
	return PQgetvalue(res, row, col);
}

/* Rows changed by a command. */
static size_t
changed(PGresult *res)
{
	const char *t = PQcmdTuples(res);

	return t != NULL && t[0] != '\0' ? (size_t)strtoull(t, NULL, 10) : 0;
}

static int
bad_row(errd *d, const char *what)
{
	return cki_detail(d, CCAKIT_ERR_IO, "database", "malformed %s row",
	    what);
}

/* --- connections --- */

static void
quiet(void *arg, const char *msg)
{
	/* The layer never prints: NOTICEs ("relation exists") dropped. */
	(void)arg;
	(void)msg;
}

/* libpq's message, its first line (the rest is context). */
static int
conn_fail(errd *d, int code, const char *msg)
{
	size_t n = strcspn(msg != NULL ? msg : "", "\n");

	return cki_detail(d, code, "database", "%.*s", (int)n,
	    msg != NULL ? msg : "");
}

static void
drop(struct pconn *k)
{
	PQfinish(k->c);
	k->c = NULL;
	memset(k->prepared, 0, sizeof(k->prepared));
}

static int
connect_one(const char *url, PGconn **out, errd *d)
{
	/*
	 * Defaults first: what the URL says wins (expand_dbname). Over TCP,
	 * a server gone silent (no reset: a partition, a dead host) is
	 * noticed within about half a minute, not the kernel's hours.
	 */
	static const char *const kw[] = {
		"connect_timeout", "application_name", "keepalives_idle",
		"keepalives_interval", "keepalives_count", "tcp_user_timeout",
		"dbname", NULL,
	};
	const char *val[] = { "5", "ccakit", "15", "5", "3", "30000", url,
	    NULL };
	PGconn *c;
	int r;

	if ((c = PQconnectdbParams(kw, val, 1)) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	if (PQstatus(c) != CONNECTION_OK) {
		r = conn_fail(d, CCAKIT_ERR_DB_UNAVAILABLE, PQerrorMessage(c));
		PQfinish(c);
		return r;
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	*out = c;
	return CCAKIT_OK;
}

/*
 * Sort a result (res may be NULL): CCAKIT_OK, X_LOST, X_AGAIN or an
 * error code, with the server's words in d.
 */
static int
classify(struct pconn *k, PGresult *res, errd *d)
{
	ExecStatusType s = res != NULL ? PQresultStatus(res) :
	    PGRES_FATAL_ERROR;
	const char *state, *msg;

	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
		return CCAKIT_OK;
	state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) :
	    NULL;
	msg = res != NULL && PQresultErrorMessage(res)[0] != '\0' ?
	    PQresultErrorMessage(res) : PQerrorMessage(k->c);
	/* No SQLSTATE on a failure: libpq's own ("server closed the
	 * connection unexpectedly", no memory for the reply). */
	if (res == NULL || PQstatus(k->c) == CONNECTION_BAD ||
	    (state == NULL && (s == PGRES_FATAL_ERROR ||
	    s == PGRES_BAD_RESPONSE)) ||
	    (state != NULL && (strncmp(state, "08", 2) == 0 ||
	    strncmp(state, "53", 2) == 0)) ||
	    (state != NULL && (strcmp(state, "57P01") == 0 ||
	    strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0))) {
		conn_fail(d, CCAKIT_ERR_DB_UNAVAILABLE, msg);
		return X_LOST;
	}
	if (state == NULL)
		return cki_detail(d, CCAKIT_ERR_IO, "database", "unexpected "
		    "reply (%s)", PQresStatus(s));
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0) {
		conn_fail(d, CCAKIT_ERR_DB_UNAVAILABLE, msg);
		return X_AGAIN;
	}
	/* A prepared statement gone (DISCARD ALL by a pooler): prepare
	 * again. */
	if (strcmp(state, "26000") == 0) {
		memset(k->prepared, 0, sizeof(k->prepared));
		conn_fail(d, CCAKIT_ERR_DB_UNAVAILABLE, msg);
		return X_AGAIN;
	}
	return cki_detail(d, CCAKIT_ERR_IO, "database", "%s: %.*s", state,
	    (int)strcspn(msg, "\n"), msg);
}

/*
 * Tests: a reply lost after the server did the work (a commit whose
 * answer never arrives): the connection is dropped as if it broke.
 */
static bool
lost_reply(struct pconn *k, errd *d)
{
	unsigned every = atomic_load_explicit(&lose_every,
	    memory_order_relaxed);
	uint32_t x;

	if (every == 0)
		return false;
	/* One in `every`, in no fixed pattern (a transaction of n
	 * statements must get through some time). */
	x = atomic_fetch_add(&lose_count, 1);
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	if (x % every != 0)
		return false;
	drop(k);
	conn_fail(d, CCAKIT_ERR_DB_UNAVAILABLE, "reply lost (test)");
	return true;
}

static int
simple(struct pconn *k, const char *sql, errd *d)
{
	PGresult *res = PQexec(k->c, sql);
	int r = classify(k, res, d);

	PQclear(res);
	if (r == CCAKIT_OK && lost_reply(k, d))
		return X_LOST;
	return r;
}

/* Run prepared statement st on k (preparing it first when needed). */
static int
x_exec(struct pconn *k, int st, const struct params *p, PGresult **out,
    errd *d)
{
	char name[STMT_NAME_MAX];
	PGresult *res;
	int r;

	*out = NULL;
	snprintf(name, sizeof(name), "ccakit%d", st);
	if (!k->prepared[st]) {
		res = PQprepare(k->c, name, stmt_sql[st], 0, NULL);
		r = classify(k, res, d);
		PQclear(res);
		if (r != CCAKIT_OK)
			return r;
		k->prepared[st] = true;
	}
	res = PQexecPrepared(k->c, name, p != NULL ? p->n : 0,
	    p != NULL ? p->v : NULL, p != NULL ? p->l : NULL,
	    p != NULL ? p->f : NULL, 1);
	if ((r = classify(k, res, d)) != CCAKIT_OK) {
		PQclear(res);
		return r;
	}
	if (lost_reply(k, d)) {
		PQclear(res);
		return X_LOST;
	}
	*out = res;
	return CCAKIT_OK;
}

/* A free connection, waiting until the deadline for one. */
static int
acquire(struct pg *p, int64_t deadline, struct pconn **out, errd *d)
{
	struct timespec ts;
	int64_t left;

	pthread_mutex_lock(&p->mu);
	while (p->free == NULL) {
		if ((left = deadline - state_mono_ms()) <= 0) {
			pthread_mutex_unlock(&p->mu);
			return cki_detail(d, CCAKIT_ERR_DB_UNAVAILABLE,
			    "database", "all %u connections busy", p->n);
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += left / 1000;
		ts.tv_nsec += (long)(left % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->cv, &p->mu, &ts);
	}
	*out = p->free;
	p->free = (*out)->next;
	pthread_mutex_unlock(&p->mu);
	return CCAKIT_OK;
}

static void
release(struct pg *p, struct pconn *k)
{
	/* A connection left inside a transaction is not reused. */
	if (k->c != NULL && PQtransactionStatus(k->c) != PQTRANS_IDLE)
		drop(k);
	pthread_mutex_lock(&p->mu);
	k->next = p->free;
	p->free = k;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/*
 * Run an attempt until it neither loses its connection nor must run
 * again, or the retry budget is spent. `again` tells the attempt that a
 * previous one lost its connection after sending (what it did is
 * unknown).
 */
typedef int (*attempt_fn)(struct pconn *k, void *arg, bool again, errd *d);

static int
run(struct pg *p, attempt_fn fn, void *arg, errd *d)
{
	int64_t deadline = state_mono_ms() + p->retry_ms, left;
	struct pconn *k = NULL;
	unsigned tries = 0, ms;
	bool again = false;
	int r;

	if ((r = acquire(p, deadline, &k, d)) != CCAKIT_OK)
		return r;
	for (;;) {
		if (k->c == NULL && (r = connect_one(p->url, &k->c, d)) !=
		    CCAKIT_OK)
			r = r == CCAKIT_ERR_DB_UNAVAILABLE ? X_AGAIN : r;
		else {
			r = fn(k, arg, again, d);
			if (r == X_LOST) {
				drop(k);
				again = true;
			}
		}
		if (r != X_LOST && r != X_AGAIN)
			break;
		if ((left = deadline - state_mono_ms()) <= 0) {
			/* d holds the last failure, with this code. */
			r = CCAKIT_ERR_DB_UNAVAILABLE;
			break;
		}
		ms = state_backoff_ms(tries++);
		state_sleep_ms(ms < left ? ms : (unsigned)left);
	}
	release(p, k);
	return r;
}

/* One statement, retried; *res on success (PQclear it). */
struct call {
	int st;
	const struct params *p;
	PGresult *res;
	bool again;
};

static int
call_attempt(struct pconn *k, void *arg, bool again, errd *d)
{
	struct call *c = arg;

	c->again = again;
	return x_exec(k, c->st, c->p, &c->res, d);
}

static int
call(struct pg *p, int st, const struct params *pr, PGresult **res,
    bool *again, errd *d)
{
	struct call c;
	int r;

	memset(&c, 0, sizeof(c));
	c.st = st;
	c.p = pr;
	if ((r = run(p, call_attempt, &c, d)) != CCAKIT_OK)
		return r;
	*res = c.res;
	if (again != NULL)
		*again = c.again;
	return CCAKIT_OK;
}

/* A statement without rows: *n gets the rows it changed. */
static int
call_changed(struct pg *p, int st, const struct params *pr, size_t *n,
    errd *d)
{
	PGresult *res;
	int r;

	if ((r = call(p, st, pr, &res, NULL, d)) != CCAKIT_OK)
		return r;
	*n = changed(res);
	PQclear(res);
	return CCAKIT_OK;
}

/* A statement whose answer is one bigint (a count, a version). */
static int
call_int(struct pg *p, int st, const struct params *pr, int64_t *v, errd *d)
{
	PGresult *res;
	int r;

	if ((r = call(p, st, pr, &res, NULL, d)) != CCAKIT_OK)
		return r;
	if (PQntuples(res) != 1 || !g_int(res, 0, 0, v) || *v < 0)
		r = bad_row(d, "count");
	PQclear(res);
	return r;
}

/* --- migrations --- */

struct migrate {
	int upto;
};

static int
migrate_attempt(struct pconn *k, void *arg, bool again, errd *d)
{
	struct migrate *m = arg;
	char sql[96];
	PGresult *res;
	int64_t ver = 0;
	int r, v;

	(void)again;
	if ((r = simple(k, "BEGIN", d)) != CCAKIT_OK)
		return r;
	if ((r = simple(k, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")",
	    d)) != CCAKIT_OK ||
	    (r = simple(k, "CREATE TABLE IF NOT EXISTS schema_version ("
	    " version integer PRIMARY KEY,"
	    " applied timestamptz NOT NULL DEFAULT now())", d)) != CCAKIT_OK)
		goto out;
	res = PQexecParams(k->c, "SELECT coalesce(max(version), 0)::bigint "
	    "FROM schema_version", 0, NULL, NULL, NULL, NULL, 1);
	if ((r = classify(k, res, d)) == CCAKIT_OK && (PQntuples(res) != 1 ||
	    !g_int(res, 0, 0, &ver) || ver < 0))
		r = bad_row(d, "schema_version");
	PQclear(res);
	if (r != CCAKIT_OK)
		goto out;
	if (ver > STATE_SCHEMA_VERSION) {
		r = cki_detail(d, CCAKIT_ERR_IO, "database", "schema version "
		    "%lld is newer than this build's %d: use a newer ccakit",
		    (long long)ver, STATE_SCHEMA_VERSION);
		goto out;
	}
	for (v = (int)ver + 1; v <= m->upto; v++) {
		snprintf(sql, sizeof(sql), "INSERT INTO schema_version "
		    "(version) VALUES (%d)", v);
		if ((r = simple(k, migrations[v], d)) != CCAKIT_OK ||
		    (r = simple(k, sql, d)) != CCAKIT_OK)
			goto out;
	}
	r = simple(k, "COMMIT", d);
out:
	if (r != CCAKIT_OK && r != X_LOST && k->c != NULL)
		PQclear(PQexec(k->c, "ROLLBACK"));
	return r;
}

static int
migrate(struct pg *p, int upto, errd *d)
{
	struct migrate m;

	m.upto = upto;
	return run(p, migrate_attempt, &m, d);
}

/* --- open / close --- */

static void
pg_close(void *ctx)
{
	struct pg *p = ctx;
	unsigned i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n && p->conns != NULL; i++)
		PQfinish(p->conns[i].c);
	free(p->conns);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p->url);
	free(p);
}

static int
pg_new(const char *url, unsigned pool, unsigned retry_ms, struct pg **out,
    errd *d)
{
	pthread_condattr_t ca;
	struct pg *p;
	unsigned i;
	bool cv = false;

	*out = NULL;
	if (!PQisthreadsafe())
		return cki_detail(d, CCAKIT_ERR_INTERNAL, "database",
		    "libpq was built without thread safety");
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	p->n = pool;
	p->retry_ms = retry_ms;
	if (pthread_mutex_init(&p->mu, NULL) != 0) {
		free(p);
		return cki_detail(d, CCAKIT_ERR_INTERNAL, NULL, NULL);
	}
	if (pthread_condattr_init(&ca) == 0) {
		cv = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
		    pthread_cond_init(&p->cv, &ca) == 0;
		pthread_condattr_destroy(&ca);
	}
	if (!cv) {
		pthread_mutex_destroy(&p->mu);
		free(p);
		return cki_detail(d, CCAKIT_ERR_INTERNAL, NULL, NULL);
	}
	if ((p->url = strdup(url)) == NULL ||
	    (p->conns = calloc(pool, sizeof(*p->conns))) == NULL) {
		pg_close(p);
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	}
	for (i = pool; i-- > 0;) {
		p->conns[i].next = p->free;
		p->free = &p->conns[i];
	}
	*out = p;
	return CCAKIT_OK;
}

static const struct state_ops pg_ops;

int
state_pg_open(const char *url, const struct state_opts *o,
    const struct state_ops **ops, void **ctx, errd *d)
{
	struct pg *p;
	int r;

	if (o->pool > 1024)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "database",
		    "a pool of at most 1024 connections");
	if ((r = pg_new(url, o->pool, o->retry_ms, &p, d)) != CCAKIT_OK)
		return r;
	/* Connects (retrying within the budget) and migrates. */
	if ((r = migrate(p, STATE_SCHEMA_VERSION, d)) != CCAKIT_OK) {
		pg_close(p);
		return r;
	}
	*ops = &pg_ops;
	*ctx = p;
	return CCAKIT_OK;
}

int
state_pg_migrate_to(const char *url, int upto, errd *d)
{
	struct pg *p;
	int r;

	if (upto < 0 || upto > STATE_SCHEMA_VERSION)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if ((r = pg_new(url, 1, 5000, &p, d)) != CCAKIT_OK)
		return r;
	r = migrate(p, upto, d);
	pg_close(p);
	return r;
}

static int
pg_version(void *ctx, int *v, errd *d)
{
	int64_t x = 0;
	int r;

	if ((r = call_int(ctx, VERSION, NULL, &x, d)) == CCAKIT_OK)
		*v = (int)(x > 1000 ? 1000 : x);
	return r;
}

static int
pg_check(void *ctx, errd *d)
{
	(void)ctx;
	(void)d;
	return CCAKIT_OK;
}

static int
pg_housekeep(void *ctx, errd *d)
{
	(void)ctx;
	(void)d;
	return CCAKIT_OK;
}

/* --- challenges --- */

static int
pg_ch_insert(void *ctx, const struct state_challenge *c, bool *exists,
    errd *d)
{
	struct params pr;
	size_t n = 0;
	int r;

	pr.n = 0;
	p_int(&pr, (int64_t)c->id);
	p_bytes(&pr, c->nonce, sizeof(c->nonce));
	p_text(&pr, c->key);
	p_text(&pr, c->wrapkey);
	p_int(&pr, c->created);
	p_int(&pr, c->expires);
	if ((r = call_changed(ctx, CH_INSERT, &pr, &n, d)) == CCAKIT_OK)
		*exists = n == 0;
	return r;
}

static int
pg_ch_take(void *ctx, uint32_t id, struct state_challenge *out, errd *d)
{
	struct state_challenge c;
	uint8_t tok[16];
	struct params pr;
	PGresult *res;
	const char *nonce, *key, *wk;
	size_t nn = 0, kn = 0, wn = 0;
	int r;

	if (state_random(tok, sizeof(tok)) != CCAKIT_OK)
		return cki_detail(d, CCAKIT_ERR_CRYPTO, NULL, NULL);
	pr.n = 0;
	p_int(&pr, (int64_t)id);
	p_bytes(&pr, tok, sizeof(tok));
	if ((r = call(ctx, CH_TAKE, &pr, &res, NULL, d)) != CCAKIT_OK)
		return r;
	memset(&c, 0, sizeof(c));
	if (PQntuples(res) == 0) {
		r = cki_detail(d, CCAKIT_ERR_NOT_FOUND, "challenge",
		    "unknown or already redeemed");
		goto out;
	}
	c.id = id;
	nonce = g_bytes(res, 0, 0, &nn);
	key = g_bytes(res, 0, 1, &kn);
	wk = g_bytes(res, 0, 2, &wn);
	if (PQntuples(res) != 1 || nonce == NULL || nn != sizeof(c.nonce) ||
	    !state_copy_text(c.key, sizeof(c.key), key, kn) ||
	    !state_copy_text(c.wrapkey, sizeof(c.wrapkey), wk, wn) ||
	    !g_int(res, 0, 3, &c.created) || !g_int(res, 0, 4, &c.expires)) {
		r = bad_row(d, "challenge");
		goto out;
	}
	memcpy(c.nonce, nonce, sizeof(c.nonce));
	*out = c;
out:
	PQclear(res);
	memset(&c, 0, sizeof(c));
	return r;
}

static int
pg_ch_purge(void *ctx, int64_t now_s, size_t *n, errd *d)
{
	struct params pr;
	int64_t v = 0;
	int r;

	pr.n = 0;
	p_int(&pr, now_s);
	if ((r = call_int(ctx, CH_PURGE, &pr, &v, d)) == CCAKIT_OK)
		*n = (size_t)v;
	return r;
}

static int
pg_ch_count(void *ctx, size_t *n, errd *d)
{
	int64_t v = 0;
	int r;

	if ((r = call_int(ctx, CH_COUNT, NULL, &v, d)) == CCAKIT_OK)
		*n = (size_t)v;
	return r;
}

/* --- sessions --- */

static int
session_row(const PGresult *res, const char *id, struct state_session *s,
    errd *d)
{
	const char *nonce, *mt, *ev, *result;
	size_t nn = 0, mn = 0, en = 0, rn = 0;
	int64_t created, expires, status;
	int r;

	nonce = g_bytes(res, 0, 0, &nn);
	mt = g_bytes(res, 0, 4, &mn);
	ev = g_bytes(res, 0, 5, &en);
	result = g_bytes(res, 0, 6, &rn);
	if (PQntuples(res) != 1 || !g_int(res, 0, 1, &created) ||
	    !g_int(res, 0, 2, &expires) || !g_int(res, 0, 3, &status))
		return bad_row(d, "session");
	r = state_session_fill(s, id, (const uint8_t *)nonce, nn, created,
	    expires, status, mt, mn, (const uint8_t *)ev, en, result, rn);
	if (r == CCAKIT_ERR_IO)
		return bad_row(d, "session");
	return r != CCAKIT_OK ? cki_detail(d, r, "session", NULL) : r;
}

static int
pg_s_insert(void *ctx, const struct state_session *s, bool *exists, errd *d)
{
	struct params pr;
	size_t n = 0;
	int r;

	pr.n = 0;
	p_text(&pr, s->id);
	p_bytes(&pr, s->nonce, s->nonce_len);
	p_int(&pr, s->created_ms);
	p_int(&pr, s->expires_ms);
	if ((r = call_changed(ctx, S_INSERT, &pr, &n, d)) == CCAKIT_OK)
		*exists = n == 0;
	return r;
}

static int
pg_s_get(void *ctx, const char *id, struct state_session *out, errd *d)
{
	struct params pr;
	PGresult *res;
	int r;

	pr.n = 0;
	p_text(&pr, id);
	if ((r = call(ctx, S_GET, &pr, &res, NULL, d)) != CCAKIT_OK)
		return r;
	if (PQntuples(res) == 0)
		r = cki_detail(d, CCAKIT_ERR_NOT_FOUND, "session",
		    "no such session");
	else
		r = session_row(res, id, out, d);
	PQclear(res);
	return r;
}

static int
pg_s_claim(void *ctx, const char *id, int64_t now_ms,
    const uint8_t claim[STATE_CLAIM_LEN], bool *claimed,
    struct state_session *out, errd *d)
{
	struct params pr;
	PGresult *res;
	int r;

	pr.n = 0;
	p_text(&pr, id);
	p_int(&pr, now_ms);
	p_bytes(&pr, claim, STATE_CLAIM_LEN);
	if ((r = call(ctx, S_CLAIM, &pr, &res, NULL, d)) != CCAKIT_OK)
		return r;
	if (PQntuples(res) == 0) {
		PQclear(res);
		*claimed = false;
		return pg_s_get(ctx, id, out, d);
	}
	r = session_row(res, id, out, d);
	PQclear(res);
	*claimed = r == CCAKIT_OK;
	return r;
}

static int
pg_s_finish(void *ctx, const char *id, const uint8_t claim[STATE_CLAIM_LEN],
    int status, const char *media_type, const uint8_t *ev, size_t evlen,
    const char *result, errd *d)
{
	struct params pr;
	size_t n = 0;
	int r;

	pr.n = 0;
	p_text(&pr, id);
	p_bytes(&pr, claim, STATE_CLAIM_LEN);
	p_int(&pr, status);
	p_text(&pr, media_type);
	if (ev != NULL && evlen > 0)
		p_bytes(&pr, ev, evlen);
	else
		p_null(&pr);
	p_text(&pr, result);
	if ((r = call_changed(ctx, S_FINISH, &pr, &n, d)) == CCAKIT_OK &&
	    n == 0)
		r = cki_detail(d, CCAKIT_ERR_NOT_FOUND, "session",
		    "no such session claimed by this caller");
	return r;
}

/* A delete by key: NOT_FOUND when nothing went, unless sent again after
 * a lost reply (the first one most likely deleted it). */
static int
delete_by(struct pg *p, int st, const struct params *pr, const char *what,
    errd *d)
{
	PGresult *res;
	bool again = false;
	int64_t n = 0;
	int r;

	if ((r = call(p, st, pr, &res, &again, d)) != CCAKIT_OK)
		return r;
	if (PQntuples(res) == 1 && PQnfields(res) == 1) {
		if (!g_int(res, 0, 0, &n))
			r = bad_row(d, what);
	} else
		n = (int64_t)changed(res);
	PQclear(res);
	if (r == CCAKIT_OK && n == 0 && !again)
		r = cki_detail(d, CCAKIT_ERR_NOT_FOUND, what, "no such %s",
		    what);
	return r;
}

static int
pg_s_delete(void *ctx, const char *id, errd *d)
{
	struct params pr;

	pr.n = 0;
	p_text(&pr, id);
	return delete_by(ctx, S_DELETE, &pr, "session", d);
}

static int
pg_s_purge(void *ctx, int64_t before_ms, size_t *n, errd *d)
{
	struct params pr;

	pr.n = 0;
	p_int(&pr, before_ms);
	return call_changed(ctx, S_PURGE, &pr, n, d);
}

static int
pg_s_count(void *ctx, size_t *n, errd *d)
{
	int64_t v = 0;
	int r;

	if ((r = call_int(ctx, S_COUNT, NULL, &v, d)) == CCAKIT_OK)
		*n = (size_t)v;
	return r;
}

/* --- provisioning --- */

static int
pg_p_gen(void *ctx, uint64_t *gen, errd *d)
{
	int64_t v = 0;
	int r;

	if ((r = call_int(ctx, P_GEN, NULL, &v, d)) == CCAKIT_OK)
		*gen = (uint64_t)v;
	return r;
}

/* Walk a P_READ result: begin, the rows, end. *found: an entry. */
static int
walk(const PGresult *res, const struct state_prov_visitor *v, bool *found,
    errd *d)
{
	struct state_prov_row row;
	const char *id, *kind, *json;
	size_t idn = 0, kn = 0, jn = 0;
	int64_t gen = -1, c = 0;
	int i, r;

	*found = false;
	if (v != NULL && v->begin != NULL && (r = v->begin(v->arg)) !=
	    CCAKIT_OK)
		return r;
	for (i = 0; i < PQntuples(res); i++) {
		if (!g_int(res, i, 0, &gen) || gen < 0)
			return bad_row(d, "counter");
		if (PQgetisnull(res, i, 1))
			continue;
		id = g_bytes(res, i, 1, &idn);
		kind = g_bytes(res, i, 3, &kn);
		json = g_bytes(res, i, 4, &jn);
		if (id == NULL || idn != STATE_PROV_ID_LEN ||
		    !g_int(res, i, 2, &c) || (c != STATE_PROV_TA &&
		    c != STATE_PROV_RV) || kind == NULL || kn != 1 ||
		    json == NULL || jn == 0 || json[0] != '{' ||
		    strlen(json) != jn)
			return bad_row(d, "provisioned");
		*found = true;
		row.id = id;
		row.cls = (enum state_prov_class)c;
		row.kind = kind[0];
		row.json = json;
		row.json_len = jn;
		if (v != NULL && v->row != NULL && (r = v->row(v->arg,
		    &row)) != CCAKIT_OK)
			return r;
	}
	if (gen < 0)
		return bad_row(d, "counter");
	return v != NULL && v->end != NULL ? v->end(v->arg, (uint64_t)gen) :
	    CCAKIT_OK;
}

static void
read_params(struct params *pr, enum state_prov_class cls, const char *id)
{
	pr->n = 0;
	p_int(pr, (int64_t)cls);
	p_text(pr, id);
}

static int
pg_p_read(void *ctx, enum state_prov_class cls, const char *id,
    const struct state_prov_visitor *v, errd *d)
{
	struct params pr;
	PGresult *res;
	bool found = false;
	int r;

	read_params(&pr, cls, id);
	if ((r = call(ctx, P_READ, &pr, &res, NULL, d)) != CCAKIT_OK)
		return r;
	if ((r = walk(res, v, &found, d)) == CCAKIT_OK && id != NULL &&
	    !found)
		r = cki_detail(d, CCAKIT_ERR_NOT_FOUND, "provisioning",
		    "no such entry");
	PQclear(res);
	return r;
}

struct change {
	const struct state_pchange *ch;
	const struct state_prov_visitor *v;
	size_t count;
	int64_t gen;
};

/* One transaction: raise the generation (the lock), apply, walk, commit. */
static int
change_attempt(struct pconn *k, void *arg, bool again, errd *d)
{
	struct change *c = arg;
	const struct state_pchange *ch = c->ch;
	struct params pr;
	PGresult *res = NULL;
	bool ins = false, found;
	int64_t now = (int64_t)time(NULL);
	size_t i;
	int r;

	c->count = 0;
	if ((r = simple(k, "BEGIN", d)) != CCAKIT_OK)
		return r;
	if ((r = x_exec(k, P_BUMP, NULL, &res, d)) != CCAKIT_OK)
		goto out;
	if (PQntuples(res) != 1 || !g_int(res, 0, 0, &c->gen)) {
		r = bad_row(d, "counter");
		goto out;
	}
	PQclear(res);
	res = NULL;
	if (ch->del) {
		pr.n = 0;
		if (ch->id != NULL)
			p_text(&pr, ch->id);
		p_int(&pr, (int64_t)ch->cls);
		if ((r = x_exec(k, ch->id != NULL ? P_DEL_ONE : P_DEL_CLASS,
		    &pr, &res, d)) != CCAKIT_OK)
			goto out;
		c->count = changed(res);
		if (ch->id != NULL && c->count == 0 && !again) {
			r = cki_detail(d, CCAKIT_ERR_NOT_FOUND, "provisioning",
			    "no such entry");
			goto out;
		}
	}
	for (i = 0; !ch->del && i < ch->n; i++) {
		char kind[2] = { ch->e[i].kind, '\0' };

		pr.n = 0;
		p_text(&pr, ch->e[i].id);
		p_int(&pr, (int64_t)ch->cls);
		p_text(&pr, kind);
		p_text(&pr, ch->e[i].json);
		p_int(&pr, now);
		PQclear(res);
		if ((r = x_exec(k, P_UPSERT, &pr, &res, d)) != CCAKIT_OK)
			goto out;
		if (PQntuples(res) != 1 || !g_bool(res, 0, 0, &ins)) {
			r = bad_row(d, "provisioned");
			goto out;
		}
		c->count += ins;
	}
	PQclear(res);
	res = NULL;
	if (c->v != NULL) {
		read_params(&pr, 0, NULL);
		if ((r = x_exec(k, P_READ, &pr, &res, d)) != CCAKIT_OK ||
		    (r = walk(res, c->v, &found, d)) != CCAKIT_OK)
			goto out;
	}
	r = simple(k, "COMMIT", d);
out:
	PQclear(res);
	if (r != CCAKIT_OK && r != X_LOST && k->c != NULL)
		PQclear(PQexec(k->c, "ROLLBACK"));
	return r;
}

static int
pg_p_change(void *ctx, const struct state_pchange *ch,
    const struct state_prov_visitor *v, size_t *count, uint64_t *gen,
    errd *d)
{
	struct change c;
	int r;

	memset(&c, 0, sizeof(c));
	c.ch = ch;
	c.v = v;
	if ((r = run(ctx, change_attempt, &c, d)) != CCAKIT_OK)
		return r;
	*count = c.count;
	*gen = (uint64_t)c.gen;
	return CCAKIT_OK;
}

/* --- meta --- */

static int
pg_m_get(void *ctx, const char *name, uint8_t **val, size_t *len, errd *d)
{
	struct params pr;
	PGresult *res;
	const char *v;
	size_t n = 0;
	int r;

	pr.n = 0;
	p_text(&pr, name);
	if ((r = call(ctx, M_GET, &pr, &res, NULL, d)) != CCAKIT_OK)
		return r;
	if (PQntuples(res) == 0)
		r = cki_detail(d, CCAKIT_ERR_NOT_FOUND, "meta", "no value");
	else if ((v = g_bytes(res, 0, 0, &n)) == NULL || n == 0 ||
	    n > STATE_META_VALUE_MAX)
		r = bad_row(d, "meta");
	else if ((*val = state_dup(v, n)) == NULL)
		r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	else
		*len = n;
	PQclear(res);
	return r;
}

static int
pg_m_add(void *ctx, const char *name, const void *val, size_t len,
    bool *added, errd *d)
{
	struct params pr;
	size_t n = 0;
	int r;

	pr.n = 0;
	p_text(&pr, name);
	p_bytes(&pr, val, len);
	if ((r = call_changed(ctx, M_ADD, &pr, &n, d)) == CCAKIT_OK)
		*added = n == 1;
	return r;
}

/* --- records --- */

static int
rec_row(const PGresult *res, struct state_rec *out, errd *d)
{
	const char *v;
	size_t n = 0;
	int64_t exp = 0, ver = 0;

	memset(out, 0, sizeof(*out));
	if ((v = g_bytes(res, 0, 0, &n)) == NULL || n > STATE_VALUE_MAX ||
	    (!PQgetisnull(res, 0, 1) && (!g_int(res, 0, 1, &exp) ||
	    exp <= 0)) || !g_int(res, 0, 2, &ver) || ver <= 0)
		return bad_row(d, "record");
	if ((out->value = state_dup(v, n)) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	out->len = n;
	out->expires_ms = exp;
	out->version = (uint64_t)ver;
	return CCAKIT_OK;
}

static void
key_params(struct params *pr, const char *ns, const char *key)
{
	pr->n = 0;
	p_text(pr, ns);
	p_text(pr, key);
}

static void
p_expires(struct params *pr, int64_t expires_ms)
{
	if (expires_ms != 0)
		p_int(pr, expires_ms);
	else
		p_null(pr);
}

static int
pg_r_put(void *ctx, const char *ns, const char *key, const void *val,
    size_t len, int64_t expires_ms, enum state_put_mode mode, int64_t now_ms,
    bool *created, uint64_t *version, errd *d)
{
	uint8_t tok[16];
	struct params pr;
	PGresult *res;
	int64_t v = 0;
	bool c = false;
	int r;

	if (state_random(tok, sizeof(tok)) != CCAKIT_OK)
		return cki_detail(d, CCAKIT_ERR_CRYPTO, NULL, NULL);
	key_params(&pr, ns, key);
	p_bytes(&pr, val, len);
	p_expires(&pr, expires_ms);
	p_int(&pr, now_ms);
	p_bytes(&pr, tok, sizeof(tok));
	if ((r = call(ctx, mode == STATE_PUT_CREATE ? R_PUT_CREATE : R_PUT,
	    &pr, &res, NULL, d)) != CCAKIT_OK)
		return r;
	if (PQntuples(res) == 0) {
		*created = false;       /* create: a live one is there */
		*version = 0;
	} else if (!g_int(res, 0, 0, &v) || v <= 0 || !g_bool(res, 0, 1,
	    &c)) {
		r = bad_row(d, "record");
	} else {
		*created = c;
		*version = (uint64_t)v;
	}
	PQclear(res);
	return r;
}

static int
pg_r_get(void *ctx, const char *ns, const char *key, struct state_rec *out,
    errd *d)
{
	struct params pr;
	PGresult *res;
	int r;

	key_params(&pr, ns, key);
	if ((r = call(ctx, R_GET, &pr, &res, NULL, d)) != CCAKIT_OK)
		return r;
	if (PQntuples(res) == 0)
		r = cki_detail(d, CCAKIT_ERR_NOT_FOUND, "record",
		    "no such record");
	else
		r = rec_row(res, out, d);
	PQclear(res);
	return r;
}

/* After a conditional write found nothing: NOT_FOUND or EXPIRED, or
 * CCAKIT_OK when a live record is there. */
static int
rec_state(struct pg *p, const char *ns, const char *key, int64_t now_ms,
    errd *d)
{
	struct state_rec rec;
	int r;

	if ((r = pg_r_get(p, ns, key, &rec, d)) != CCAKIT_OK)
		return r;
	if (rec.expires_ms != 0 && rec.expires_ms <= now_ms)
		r = cki_detail(d, CCAKIT_ERR_EXPIRED, "record", "expired");
	state_rec_clear(&rec);
	return r;
}

static int
pg_r_update(void *ctx, const char *ns, const char *key, uint64_t expect,
    const void *val, size_t len, int64_t expires_ms, int64_t now_ms,
    bool *updated, errd *d)
{
	uint8_t tok[16];
	struct params pr;
	PGresult *res;
	size_t n;
	int r;

	if (state_random(tok, sizeof(tok)) != CCAKIT_OK)
		return cki_detail(d, CCAKIT_ERR_CRYPTO, NULL, NULL);
	key_params(&pr, ns, key);
	p_int(&pr, (int64_t)expect);
	p_bytes(&pr, val, len);
	p_expires(&pr, expires_ms);
	p_int(&pr, now_ms);
	p_bytes(&pr, tok, sizeof(tok));
	if ((r = call(ctx, R_UPDATE, &pr, &res, NULL, d)) != CCAKIT_OK)
		return r;
	n = changed(res);
	PQclear(res);
	if (n == 0 && (r = rec_state(ctx, ns, key, now_ms, d)) != CCAKIT_OK)
		return r == CCAKIT_ERR_EXPIRED ? cki_detail(d,
		    CCAKIT_ERR_NOT_FOUND, "record", "expired") : r;
	*updated = n == 1;
	return CCAKIT_OK;
}

static int
pg_r_take(void *ctx, const char *ns, const char *key, int64_t now_ms,
    struct state_rec *out, errd *d)
{
	uint8_t tok[16];
	struct params pr;
	PGresult *res;
	int r;

	if (state_random(tok, sizeof(tok)) != CCAKIT_OK)
		return cki_detail(d, CCAKIT_ERR_CRYPTO, NULL, NULL);
	key_params(&pr, ns, key);
	p_int(&pr, now_ms);
	p_bytes(&pr, tok, sizeof(tok));
	if ((r = call(ctx, R_TAKE, &pr, &res, NULL, d)) != CCAKIT_OK)
		return r;
	if (PQntuples(res) == 1) {
		r = rec_row(res, out, d);
		PQclear(res);
		return r;
	}
	PQclear(res);
	if ((r = rec_state(ctx, ns, key, now_ms, d)) == CCAKIT_OK)
		r = cki_detail(d, CCAKIT_ERR_NOT_FOUND, "record",
		    "no such record");
	return r;
}

static int
pg_r_delete(void *ctx, const char *ns, const char *key, errd *d)
{
	struct params pr;

	key_params(&pr, ns, key);
	return delete_by(ctx, R_DELETE, &pr, "record", d);
}

static int
pg_r_list(void *ctx, const char *ns, const char *prefix, int64_t now_ms,
    int (*fn)(void *, const char *, int64_t, uint64_t), void *arg, errd *d)
{
	struct params pr;
	PGresult *res;
	const char *key;
	size_t kn = 0;
	int64_t exp, ver;
	int i, r;

	key_params(&pr, ns, prefix);
	p_int(&pr, now_ms);
	if ((r = call(ctx, R_LIST, &pr, &res, NULL, d)) != CCAKIT_OK)
		return r;
	for (i = 0; i < PQntuples(res) && r == CCAKIT_OK; i++) {
		exp = 0;
		if ((key = g_bytes(res, i, 0, &kn)) == NULL || kn == 0 ||
		    kn > STATE_KEY_MAX || strlen(key) != kn ||
		    (!PQgetisnull(res, i, 1) && !g_int(res, i, 1, &exp)) ||
		    !g_int(res, i, 2, &ver) || ver <= 0)
			r = bad_row(d, "record");
		else
			r = fn(arg, key, exp, (uint64_t)ver);
	}
	PQclear(res);
	return r;
}

static int
pg_r_purge(void *ctx, const char *ns, int64_t now_ms, size_t *n, errd *d)
{
	struct params pr;
	int64_t v = 0;
	int r;

	pr.n = 0;
	p_text(&pr, ns);
	p_int(&pr, now_ms);
	if ((r = call_int(ctx, R_PURGE, &pr, &v, d)) == CCAKIT_OK)
		*n = (size_t)v;
	return r;
}

static int
pg_r_count(void *ctx, const char *ns, size_t *n, errd *d)
{
	struct params pr;
	int64_t v = 0;
	int r;

	pr.n = 0;
	p_text(&pr, ns);
	if ((r = call_int(ctx, R_COUNT, &pr, &v, d)) == CCAKIT_OK)
		*n = (size_t)v;
	return r;
}

static const struct state_ops pg_ops = {
	.close = pg_close,
	.version = pg_version,
	.check = pg_check,
	.housekeep = pg_housekeep,
	.ch_insert = pg_ch_insert,
	.ch_take = pg_ch_take,
	.ch_purge = pg_ch_purge,
	.ch_count = pg_ch_count,
	.s_insert = pg_s_insert,
	.s_get = pg_s_get,
	.s_claim = pg_s_claim,
	.s_finish = pg_s_finish,
	.s_delete = pg_s_delete,
	.s_purge = pg_s_purge,
	.s_count = pg_s_count,
	.p_gen = pg_p_gen,
	.p_read = pg_p_read,
	.p_change = pg_p_change,
	.m_get = pg_m_get,
	.m_add = pg_m_add,
	.r_put = pg_r_put,
	.r_get = pg_r_get,
	.r_update = pg_r_update,
	.r_take = pg_r_take,
	.r_delete = pg_r_delete,
	.r_list = pg_r_list,
	.r_purge = pg_r_purge,
	.r_count = pg_r_count,
};
