/*
 * The state layer (services/state), one suite run against each driver:
 *
 *   test_state file     SQLite files in a temporary directory
 *   test_state memory   SQLite ":memory:" (one handle: the cases that
 *                       need two handles on one database skip)
 *   test_state pg       PostgreSQL at $CCAKIT_PG_URL (tests/pg/pgctl.sh
 *                       run starts one); each case in a schema of its own
 *   test_state pg-restart   the PostgreSQL restart cases ($CCAKIT_PGCTL,
 *                       $CCAKIT_PG_DIR)
 *
 * Every operation, expiry, single use under concurrency (threads on
 * several handles, that is connections or replicas, racing for one
 * challenge, session or record version: exactly one wins), provisioning
 * seen by another handle, migrations from every older schema version
 * (today's key broker and verifier SQLite files among them), a file
 * deleted under an open handle, and for PostgreSQL connections killed
 * (pg_terminate_backend) and the server restarted under load: afterwards
 * no challenge was taken twice and every one issued and not taken can be
 * taken exactly once.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "state.h"
#include "state_priv.h"
#include "state_v1.h"

enum drv { DRV_FILE, DRV_MEMORY, DRV_PG };

static enum drv drv;
static const char *pg_base;             /* $CCAKIT_PG_URL */
static char tmpdir[256];
static unsigned ncase;

struct fx {
	char where[1024];
	char schema[64];
	state_db *db;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- PostgreSQL, beside the layer --- */

static void
quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* Run SQL on url; returns the first value of the first row (static
 * buffer) or "" ; fails the test on an error. */
static const char *
pgx(const char *url, const char *sql)
{
	static char out[256];
	PGconn *c = PQconnectdb(url);
	PGresult *res;

	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PQsetNoticeProcessor(c, quiet, NULL);
	res = PQexec(c, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "%s: %s", sql, PQresultErrorMessage(res));
		fail();
	}
	out[0] = '\0';
	if (PQntuples(res) > 0 && PQnfields(res) > 0)
		snprintf(out, sizeof(out), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(c);
	return out;
}

/* The base URL with search_path set to schema. */
static void
schema_url(char *out, size_t sz, const char *base, const char *schema,
    const char *extra)
{
	snprintf(out, sz, "%s%coptions=-c%%20search_path%%3D%s%s%s", base,
	    strchr(base, '?') != NULL ? '&' : '?', schema,
	    extra != NULL ? "&" : "", extra != NULL ? extra : "");
}

/* --- fixture --- */

static void
fresh_where(struct fx *f)
{
	char sql[128];

	ncase++;
	switch (drv) {
	case DRV_FILE:
		snprintf(f->where, sizeof(f->where), "%s/case%u.db", tmpdir,
		    ncase);
		break;
	case DRV_MEMORY:
		snprintf(f->where, sizeof(f->where), ":memory:");
		break;
	case DRV_PG:
		snprintf(f->schema, sizeof(f->schema), "t%ld_%u",
		    (long)getpid(), ncase);
		snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", f->schema);
		pgx(pg_base, sql);
		schema_url(f->where, sizeof(f->where), pg_base, f->schema,
		    NULL);
		break;
	}
}

static state_db *
open_where(const char *where, unsigned pool, unsigned retry_ms)
{
	struct ccakit_errdetail d;
	struct state_opts o;
	state_db *db = NULL;
	int r;

	memset(&o, 0, sizeof(o));
	memset(&d, 0, sizeof(d));
	o.pool = pool;
	o.retry_ms = retry_ms;
	if ((r = state_open(where, &o, &db, &d)) != CCAKIT_OK)
		fprintf(stderr, "state_open(%s): %s: %s\n", where,
		    ccakit_strerror(r), d.text);
	assert_int_equal(r, CCAKIT_OK);
	return db;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	fresh_where(f);
	f->db = open_where(f->where, 8, 10000);
	*state = f;
	return 0;
}

static void
remove_files(const char *path)
{
	char p[1100];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char sql[128];

	state_close(&f->db);
	if (drv == DRV_FILE)
		remove_files(f->where);
	if (drv == DRV_PG) {
		snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE",
		    f->schema);
		pgx(pg_base, sql);
	}
	free(f);
	return 0;
}

/* Another handle on the case's database (another replica), or skip. */
static state_db *
another(struct fx *f)
{
	if (drv == DRV_MEMORY)
		return NULL;
	return open_where(f->where, 8, 10000);
}

/* --- challenges --- */

static void
make_challenge(struct state_challenge *c, uint32_t id, int64_t created,
    int64_t expires)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	c->id = id;
	for (i = 0; i < sizeof(c->nonce); i++)
		c->nonce[i] = (uint8_t)(id + i);
	snprintf(c->key, sizeof(c->key), "skywalker");
	snprintf(c->wrapkey, sizeof(c->wrapkey),
	    "{\"kty\":\"RSA\",\"n\":\"%u\",\"e\":\"AQAB\"}", id);
	c->created = created;
	c->expires = expires;
}

static void
test_challenge_ops(void **state)
{
	struct fx *f = *state;
	struct state_challenge c, out;
	struct ccakit_errdetail d;
	bool exists = true;
	size_t n = 99;

	make_challenge(&c, 4000000000u, 1000, 1300);
	assert_int_equal(state_challenge_insert(f->db, &c, &exists, NULL),
	    CCAKIT_OK);
	assert_false(exists);
	/* The same id again: stored nothing, says so. */
	c.created = 5;
	assert_int_equal(state_challenge_insert(f->db, &c, &exists, NULL),
	    CCAKIT_OK);
	assert_true(exists);
	assert_int_equal(state_challenge_count(f->db, &n, NULL), CCAKIT_OK);
	assert_int_equal(n, 1);
	memset(&out, 0, sizeof(out));
	assert_int_equal(state_challenge_take(f->db, 4000000000u, &out, NULL),
	    CCAKIT_OK);
	c.created = 1000;
	assert_memory_equal(&out, &c, sizeof(c));
	/* Once. */
	memset(&d, 0, sizeof(d));
	assert_int_equal(state_challenge_take(f->db, 4000000000u, &out, &d),
	    CCAKIT_ERR_NOT_FOUND);
	assert_string_equal(d.what, "challenge");
	assert_int_equal(state_challenge_take(f->db, 77, &out, NULL),
	    CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(state_challenge_take(f->db, 0, &out, NULL),
	    CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(state_challenge_count(f->db, &n, NULL), CCAKIT_OK);
	assert_int_equal(n, 0);
	/* Malformed challenges are refused before the driver. */
	c.id = 0;
	assert_int_equal(state_challenge_insert(f->db, &c, &exists, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	c.id = 9;
	c.key[0] = '\0';
	assert_int_equal(state_challenge_insert(f->db, &c, &exists, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	make_challenge(&c, 9, 1, 2);
	memset(c.wrapkey, 'x', sizeof(c.wrapkey));
	assert_int_equal(state_challenge_insert(f->db, &c, &exists, NULL),
	    CCAKIT_ERR_INVALID_ARG);
}

static void
test_challenge_expiry(void **state)
{
	struct fx *f = *state;
	struct state_challenge c, out;
	bool exists;
	size_t n = 0;
	uint32_t id;

	for (id = 1; id <= 6; id++) {
		make_challenge(&c, id, 100, id <= 3 ? 200 : 400);
		assert_int_equal(state_challenge_insert(f->db, &c, &exists,
		    NULL), CCAKIT_OK);
	}
	/* An expired one is still taken (the caller says "expired"). */
	assert_int_equal(state_challenge_take(f->db, 1, &out, NULL),
	    CCAKIT_OK);
	assert_int_equal(out.expires, 200);
	/* Purge at 200: 2 and 3 go (expires <= now), 4..6 stay. */
	assert_int_equal(state_challenge_purge(f->db, 200, &n, NULL),
	    CCAKIT_OK);
	assert_int_equal(n, 2);
	assert_int_equal(state_challenge_count(f->db, &n, NULL), CCAKIT_OK);
	assert_int_equal(n, 3);
	assert_int_equal(state_challenge_take(f->db, 2, &out, NULL),
	    CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(state_challenge_take(f->db, 5, &out, NULL),
	    CCAKIT_OK);
	assert_int_equal(state_challenge_purge(f->db, 1000, NULL, NULL),
	    CCAKIT_OK);
	assert_int_equal(state_challenge_count(f->db, &n, NULL), CCAKIT_OK);
	assert_int_equal(n, 0);
}

/* --- races: threads on several handles --- */

#define RACE_HANDLES 3
#define RACE_THREADS 6
#define RACE_ROUNDS 25

struct race {
	state_db *h[RACE_HANDLES];
	pthread_barrier_t go, done;
	int kind;                       /* 0 challenge, 1 session, 2 record
	                                   update, 3 record take */
	uint32_t id;
	char sid[STATE_SESSION_ID_LEN + 1];
	uint64_t version;
	atomic_int wins, losses, errors;
	bool stop;
};

struct racer {
	struct race *rc;
	int h;
};

static void *
racer(void *arg)
{
	struct racer *me = arg;
	struct race *rc = me->rc;
	state_db *db = rc->h[me->h];
	struct state_challenge c;
	struct state_session s;
	struct state_rec rec;
	bool won;
	int r;

	for (;;) {
		pthread_barrier_wait(&rc->go);
		if (rc->stop)
			break;
		won = false;
		switch (rc->kind) {
		case 0:
			r = state_challenge_take(db, rc->id, &c, NULL);
			won = r == CCAKIT_OK;
			break;
		case 1:
			r = state_session_claim(db, rc->sid, now_ms(), &won,
			    &s, NULL);
			if (r == CCAKIT_OK)
				state_session_clear(&s);
			break;
		case 2:
			r = state_rec_update(db, "race", "k", rc->version,
			    "v", 1, 0, now_ms(), &won, NULL);
			break;
		default:
			r = state_rec_take(db, "race", "k", now_ms(), &rec,
			    NULL);
			won = r == CCAKIT_OK;
			if (won)
				state_rec_clear(&rec);
			else if (r == CCAKIT_ERR_NOT_FOUND)
				r = CCAKIT_OK;
			break;
		}
		if (rc->kind == 0 && r == CCAKIT_ERR_NOT_FOUND)
			r = CCAKIT_OK;
		if (r != CCAKIT_OK)
			atomic_fetch_add(&rc->errors, 1);
		else if (won)
			atomic_fetch_add(&rc->wins, 1);
		else
			atomic_fetch_add(&rc->losses, 1);
		pthread_barrier_wait(&rc->done);
	}
	return NULL;
}

static void
race(struct fx *f, int kind)
{
	struct racer me[RACE_HANDLES * RACE_THREADS];
	pthread_t th[RACE_HANDLES * RACE_THREADS];
	struct race *rc = calloc(1, sizeof(*rc));
	struct state_challenge c;
	struct state_session s;
	int nh = drv == DRV_MEMORY ? 1 : RACE_HANDLES;
	int nt = nh * RACE_THREADS, i, round;
	bool b;

	assert_non_null(rc);
	rc->kind = kind;
	rc->h[0] = f->db;
	for (i = 1; i < nh; i++)
		rc->h[i] = another(f);
	assert_int_equal(pthread_barrier_init(&rc->go, NULL,
	    (unsigned)nt + 1), 0);
	assert_int_equal(pthread_barrier_init(&rc->done, NULL,
	    (unsigned)nt + 1), 0);
	for (i = 0; i < nt; i++) {
		me[i].rc = rc;
		me[i].h = i % nh;
		assert_int_equal(pthread_create(&th[i], NULL, racer, &me[i]),
		    0);
	}
	for (round = 0; round < RACE_ROUNDS; round++) {
		atomic_store(&rc->wins, 0);
		atomic_store(&rc->losses, 0);
		atomic_store(&rc->errors, 0);
		switch (kind) {
		case 0:
			rc->id = 1000u + (uint32_t)round;
			make_challenge(&c, rc->id, 1, 4000000000);
			assert_int_equal(state_challenge_insert(rc->h[round %
			    nh], &c, &b, NULL), CCAKIT_OK);
			assert_false(b);
			break;
		case 1:
			memset(&s, 0, sizeof(s));
			snprintf(rc->sid, sizeof(rc->sid),
			    "00000000-0000-4000-8000-%012d", round);
			memcpy(s.id, rc->sid, sizeof(s.id));
			s.nonce_len = 32;
			s.created_ms = now_ms();
			s.expires_ms = s.created_ms + 60000;
			assert_int_equal(state_session_insert(rc->h[round %
			    nh], &s, &b, NULL), CCAKIT_OK);
			assert_false(b);
			break;
		default:
			assert_int_equal(state_rec_put(rc->h[round % nh],
			    "race", "k", "x", 1, 0, STATE_PUT_REPLACE,
			    now_ms(), NULL, &rc->version, NULL), CCAKIT_OK);
			break;
		}
		pthread_barrier_wait(&rc->go);
		pthread_barrier_wait(&rc->done);
		assert_int_equal(atomic_load(&rc->errors), 0);
		assert_int_equal(atomic_load(&rc->wins), 1);
		assert_int_equal(atomic_load(&rc->losses), nt - 1);
	}
	rc->stop = true;
	pthread_barrier_wait(&rc->go);
	for (i = 0; i < nt; i++)
		pthread_join(th[i], NULL);
	for (i = 1; i < nh; i++)
		state_close(&rc->h[i]);
	pthread_barrier_destroy(&rc->go);
	pthread_barrier_destroy(&rc->done);
	free(rc);
}

static void
test_race_challenge(void **state)
{
	race(*state, 0);
}

static void
test_race_session(void **state)
{
	race(*state, 1);
}

static void
test_race_record_update(void **state)
{
	race(*state, 2);
}

static void
test_race_record_take(void **state)
{
	race(*state, 3);
}

/* --- sessions --- */

static void
make_session(struct state_session *s, const char *id, int64_t created,
    int64_t ttl)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "%s", id);
	s->nonce_len = 48;
	for (i = 0; i < s->nonce_len; i++)
		s->nonce[i] = (uint8_t)(0xa0 + i);
	s->created_ms = created;
	s->expires_ms = created + ttl;
}

#define SID1 "3c1f5b2e-8d4a-4f6b-9c2d-1e5f7a9b0c3d"
#define SID2 "7a9b0c3d-1e5f-4f6b-9c2d-3c1f5b2e8d4a"

static void
test_session_lifecycle(void **state)
{
	struct fx *f = *state;
	struct state_session s, out, again;
	uint8_t wrong[STATE_CLAIM_LEN];
	static const uint8_t ev[] = { 0xd9, 0x01, 0x8f, 0xa0 };
	int64_t t = now_ms();
	bool exists = true, claimed = false;
	size_t n = 0;

	make_session(&s, SID1, t, 60000);
	assert_int_equal(state_session_insert(f->db, &s, &exists, NULL),
	    CCAKIT_OK);
	assert_false(exists);
	assert_int_equal(state_session_insert(f->db, &s, &exists, NULL),
	    CCAKIT_OK);
	assert_true(exists);
	assert_int_equal(state_session_get(f->db, SID1, t, &out, NULL),
	    CCAKIT_OK);
	assert_string_equal(out.id, SID1);
	assert_int_equal(out.nonce_len, 48);
	assert_memory_equal(out.nonce, s.nonce, 48);
	assert_int_equal(out.created_ms, t);
	assert_int_equal(out.expires_ms, t + 60000);
	assert_int_equal(out.status, STATE_WAITING);
	assert_null(out.media_type);
	assert_null(out.evidence);
	assert_null(out.result);
	state_session_clear(&out);

	/* Claimed once; the second claim sees it processing. */
	assert_int_equal(state_session_claim(f->db, SID1, t, &claimed, &out,
	    NULL), CCAKIT_OK);
	assert_true(claimed);
	assert_int_equal(out.status, STATE_PROCESSING);
	assert_memory_equal(out.nonce, s.nonce, 48);
	assert_int_equal(state_session_claim(f->db, SID1, t, &claimed, &again,
	    NULL), CCAKIT_OK);
	assert_false(claimed);
	assert_int_equal(again.status, STATE_PROCESSING);
	state_session_clear(&again);

	/* Only the holder of the claim finishes it. */
	memcpy(wrong, out.claim, sizeof(wrong));
	wrong[0] ^= 1;
	assert_int_equal(state_session_finish(f->db, SID1, wrong, "t/x", ev,
	    sizeof(ev), "jwt", NULL), CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(state_session_finish(f->db, SID1, out.claim,
	    "application/eat-collection", ev, sizeof(ev), "a.b.c", NULL),
	    CCAKIT_OK);
	state_session_clear(&out);
	assert_int_equal(state_session_get(f->db, SID1, t, &out, NULL),
	    CCAKIT_OK);
	assert_int_equal(out.status, STATE_COMPLETE);
	assert_string_equal(out.media_type, "application/eat-collection");
	assert_int_equal(out.evidence_len, sizeof(ev));
	assert_memory_equal(out.evidence, ev, sizeof(ev));
	assert_string_equal(out.result, "a.b.c");
	state_session_clear(&out);

	/* A failed one: no result. */
	make_session(&s, SID2, t, 60000);
	assert_int_equal(state_session_insert(f->db, &s, &exists, NULL),
	    CCAKIT_OK);
	assert_int_equal(state_session_claim(f->db, SID2, t, &claimed, &out,
	    NULL), CCAKIT_OK);
	assert_true(claimed);
	assert_int_equal(state_session_finish(f->db, SID2, out.claim, NULL,
	    NULL, 0, NULL, NULL), CCAKIT_OK);
	state_session_clear(&out);
	assert_int_equal(state_session_get(f->db, SID2, t, &out, NULL),
	    CCAKIT_OK);
	assert_int_equal(out.status, STATE_FAILED);
	assert_null(out.result);
	assert_null(out.evidence);
	state_session_clear(&out);

	/* Expired: get and claim say so; unknown ids are not found. */
	assert_int_equal(state_session_get(f->db, SID2, t + 60000, &out,
	    NULL), CCAKIT_ERR_EXPIRED);
	assert_int_equal(state_session_claim(f->db, SID2, t + 60000, &claimed,
	    &out, NULL), CCAKIT_ERR_EXPIRED);
	assert_int_equal(state_session_get(f->db,
	    "00000000-0000-0000-0000-000000000000", t, &out, NULL),
	    CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(state_session_get(f->db, "not-a-uuid", t, &out,
	    NULL), CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(state_session_claim(f->db, "x", t, &claimed, &out,
	    NULL), CCAKIT_ERR_NOT_FOUND);

	assert_int_equal(state_session_count(f->db, &n, NULL), CCAKIT_OK);
	assert_int_equal(n, 2);
	assert_int_equal(state_session_delete(f->db, SID1, NULL), CCAKIT_OK);
	assert_int_equal(state_session_delete(f->db, SID1, NULL),
	    CCAKIT_ERR_NOT_FOUND);
	/* Purge: expires <= before. */
	assert_int_equal(state_session_purge(f->db, t + 59999, &n, NULL),
	    CCAKIT_OK);
	assert_int_equal(n, 0);
	assert_int_equal(state_session_purge(f->db, t + 60000, &n, NULL),
	    CCAKIT_OK);
	assert_int_equal(n, 1);
	assert_int_equal(state_session_count(f->db, &n, NULL), CCAKIT_OK);
	assert_int_equal(n, 0);

	/* Sizes. */
	make_session(&s, SID1, t, 1000);
	s.nonce_len = 7;
	assert_int_equal(state_session_insert(f->db, &s, &exists, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(state_session_finish(f->db, SID1, wrong, NULL, ev,
	    STATE_EVIDENCE_MAX + 1, NULL, NULL), CCAKIT_ERR_TOO_LARGE);
}

/* --- provisioning --- */

struct collect {
	char ids[64][STATE_PROV_ID_LEN + 1];
	char kinds[64];
	size_t n;
	int begins;
	uint64_t gen;
	bool refuse;
};

static int
c_begin(void *arg)
{
	struct collect *c = arg;

	c->n = 0;
	c->begins++;
	return CCAKIT_OK;
}

static int
c_row(void *arg, const struct state_prov_row *r)
{
	struct collect *c = arg;

	if (c->n >= 64 || strlen(r->json) != r->json_len)
		return CCAKIT_ERR_INTERNAL;
	memcpy(c->ids[c->n], r->id, STATE_PROV_ID_LEN + 1);
	c->kinds[c->n] = r->kind;
	c->n++;
	return CCAKIT_OK;
}

static int
c_end(void *arg, uint64_t gen)
{
	struct collect *c = arg;

	c->gen = gen;
	return c->refuse ? CCAKIT_ERR_TOO_LARGE : CCAKIT_OK;
}

static void
visitor(struct state_prov_visitor *v, struct collect *c)
{
	memset(c, 0, sizeof(*c));
	v->begin = c_begin;
	v->row = c_row;
	v->end = c_end;
	v->arg = c;
}

static void
entry(struct state_prov_entry *e, int i, char kind, const char *json)
{
	snprintf(e->id, sizeof(e->id), "%032x", i);
	e->kind = kind;
	e->json = json;
}

static void
test_prov(void **state)
{
	struct fx *f = *state;
	struct state_prov_entry ta[3], rv[2];
	struct state_prov_visitor v;
	struct collect c;
	uint64_t g0 = 99, g = 0;
	size_t added = 99, n = 0;

	assert_int_equal(state_prov_generation(f->db, &g0, NULL), CCAKIT_OK);
	assert_int_equal(g0, 0);
	entry(&ta[0], 1, 't', "{\"implementation-id\":\"a\"}");
	entry(&ta[1], 2, 't', "{\"implementation-id\":\"b\"}");
	entry(&ta[2], 3, 't', "{}");
	assert_int_equal(state_prov_put(f->db, STATE_PROV_TA, ta, 3, NULL,
	    &added, &g, NULL), CCAKIT_OK);
	assert_int_equal(added, 3);
	assert_int_equal(g, 1);
	/* Again, one changed: nothing added, still a change. */
	ta[1].json = "{\"implementation-id\":\"B\"}";
	assert_int_equal(state_prov_put(f->db, STATE_PROV_TA, ta, 2, NULL,
	    &added, &g, NULL), CCAKIT_OK);
	assert_int_equal(added, 0);
	assert_int_equal(g, 2);
	entry(&rv[0], 10, 'p', "{\"implementation-id\":\"p\"}");
	entry(&rv[1], 11, 'r', "{\"initial-measurement\":\"r\"}");
	assert_int_equal(state_prov_put(f->db, STATE_PROV_RV, rv, 2, NULL,
	    &added, NULL, NULL), CCAKIT_OK);
	assert_int_equal(added, 2);

	/* Lists, in provisioning order, per class and all. */
	visitor(&v, &c);
	assert_int_equal(state_prov_list(f->db, STATE_PROV_TA, &v, NULL),
	    CCAKIT_OK);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.ids[0], ta[0].id);
	assert_string_equal(c.ids[2], ta[2].id);
	assert_int_equal(c.gen, 3);
	visitor(&v, &c);
	assert_int_equal(state_prov_scan(f->db, &v, NULL), CCAKIT_OK);
	assert_int_equal(c.n, 5);
	assert_int_equal(c.kinds[3], 'p');
	assert_int_equal(c.kinds[4], 'r');
	visitor(&v, &c);
	assert_int_equal(state_prov_get(f->db, STATE_PROV_RV, rv[1].id, &v,
	    NULL), CCAKIT_OK);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.ids[0], rv[1].id);
	/* The wrong class, or no such id. */
	assert_int_equal(state_prov_get(f->db, STATE_PROV_TA, rv[1].id, &v,
	    NULL), CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(state_prov_get(f->db, STATE_PROV_TA, "zz", &v,
	    NULL), CCAKIT_ERR_NOT_FOUND);

	/* A walk that refuses rolls the change back. */
	visitor(&v, &c);
	c.refuse = true;
	entry(&ta[0], 20, 't', "{\"x\":1}");
	assert_int_equal(state_prov_put(f->db, STATE_PROV_TA, ta, 1, &v,
	    &added, &g, NULL), CCAKIT_ERR_TOO_LARGE);
	assert_int_equal(c.n, 6);       /* it saw the change applied */
	assert_int_equal(c.gen, 4);
	assert_int_equal(state_prov_generation(f->db, &g, NULL), CCAKIT_OK);
	assert_int_equal(g, 3);
	visitor(&v, &c);
	assert_int_equal(state_prov_scan(f->db, &v, NULL), CCAKIT_OK);
	assert_int_equal(c.n, 5);

	/* Deletes. */
	assert_int_equal(state_prov_delete(f->db, STATE_PROV_TA, ta[1].id,
	    NULL, &n, &g, NULL), CCAKIT_OK);
	assert_int_equal(n, 1);
	assert_int_equal(g, 4);
	assert_int_equal(state_prov_delete(f->db, STATE_PROV_TA, ta[1].id,
	    NULL, &n, &g, NULL), CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(state_prov_generation(f->db, &g, NULL), CCAKIT_OK);
	assert_int_equal(g, 4);
	assert_int_equal(state_prov_delete(f->db, STATE_PROV_RV, NULL, NULL,
	    &n, &g, NULL), CCAKIT_OK);
	assert_int_equal(n, 2);
	visitor(&v, &c);
	assert_int_equal(state_prov_scan(f->db, &v, NULL), CCAKIT_OK);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.gen, 5);

	/* Arguments. */
	entry(&ta[0], 30, 'p', "{}");
	assert_int_equal(state_prov_put(f->db, STATE_PROV_TA, ta, 1, NULL,
	    NULL, NULL, NULL), CCAKIT_ERR_INVALID_ARG);
	entry(&ta[0], 30, 't', "[]");
	assert_int_equal(state_prov_put(f->db, STATE_PROV_TA, ta, 1, NULL,
	    NULL, NULL, NULL), CCAKIT_ERR_INVALID_ARG);
	entry(&ta[0], 30, 't', "{}");
	ta[0].id[5] = 'G';
	assert_int_equal(state_prov_put(f->db, STATE_PROV_TA, ta, 1, NULL,
	    NULL, NULL, NULL), CCAKIT_ERR_INVALID_ARG);
}

/* A change at one handle (replica) is seen at another at once. */
static void
test_prov_other_replica(void **state)
{
	struct fx *f = *state;
	struct state_prov_entry e;
	struct state_prov_visitor v;
	struct collect c;
	state_db *b;
	uint64_t g = 0, gb = 0;

	if ((b = another(f)) == NULL) {
		skip();
		return;
	}
	assert_int_equal(state_prov_generation(b, &gb, NULL), CCAKIT_OK);
	entry(&e, 7, 't', "{\"k\":7}");
	assert_int_equal(state_prov_put(f->db, STATE_PROV_TA, &e, 1, NULL,
	    NULL, &g, NULL), CCAKIT_OK);
	assert_int_equal(state_prov_generation(b, &gb, NULL), CCAKIT_OK);
	assert_int_equal(gb, g);
	visitor(&v, &c);
	assert_int_equal(state_prov_scan(b, &v, NULL), CCAKIT_OK);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.gen, g);
	assert_int_equal(state_prov_delete(b, STATE_PROV_TA, e.id, NULL, NULL,
	    &gb, NULL), CCAKIT_OK);
	assert_int_equal(state_prov_generation(f->db, &g, NULL), CCAKIT_OK);
	assert_int_equal(g, gb);
	state_close(&b);
}

/* --- meta --- */

struct maker {
	atomic_int calls;
	char tag;
};

static int
make_value(void *arg, uint8_t **v, size_t *vlen)
{
	struct maker *m = arg;
	char buf[64];
	int n;

	atomic_fetch_add(&m->calls, 1);
	n = snprintf(buf, sizeof(buf), "-----BEGIN KEY %c %ld-----",
	    m->tag, (long)random());
	if ((*v = malloc((size_t)n)) == NULL)
		return CCAKIT_ERR_NOMEM;
	memcpy(*v, buf, (size_t)n);
	*vlen = (size_t)n;
	return CCAKIT_OK;
}

struct meta_thr {
	state_db *db;
	struct maker *m;
	uint8_t *val;
	size_t len;
	int r;
};

static void *
meta_thread(void *arg)
{
	struct meta_thr *t = arg;

	t->r = state_meta_get_or_create(t->db, "ear-key", make_value, t->m,
	    &t->val, &t->len, NULL);
	return NULL;
}

static void
test_meta(void **state)
{
	struct fx *f = *state;
	struct meta_thr t[6];
	pthread_t th[6];
	struct maker m;
	state_db *h[2];
	uint8_t *v = NULL;
	size_t len = 0;
	bool added = false;
	int i, nh;

	assert_int_equal(state_meta_get(f->db, "x", &v, &len, NULL),
	    CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(state_meta_add(f->db, "x", "one", 3, &added, NULL),
	    CCAKIT_OK);
	assert_true(added);
	assert_int_equal(state_meta_add(f->db, "x", "two", 3, &added, NULL),
	    CCAKIT_OK);
	assert_false(added);
	assert_int_equal(state_meta_get(f->db, "x", &v, &len, NULL),
	    CCAKIT_OK);
	assert_int_equal(len, 3);
	assert_string_equal((char *)v, "one");
	free(v);
	assert_int_equal(state_meta_add(f->db, "Bad Name", "v", 1, NULL,
	    NULL), CCAKIT_ERR_INVALID_ARG);

	/* Racing to create: everyone gets the first value stored. */
	memset(&m, 0, sizeof(m));
	m.tag = 'k';
	h[0] = f->db;
	h[1] = another(f);
	nh = h[1] != NULL ? 2 : 1;
	for (i = 0; i < 6; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].db = h[i % nh];
		t[i].m = &m;
		assert_int_equal(pthread_create(&th[i], NULL, meta_thread,
		    &t[i]), 0);
	}
	for (i = 0; i < 6; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < 6; i++) {
		assert_int_equal(t[i].r, CCAKIT_OK);
		assert_int_equal(t[i].len, t[0].len);
		assert_memory_equal(t[i].val, t[0].val, t[0].len);
	}
	for (i = 0; i < 6; i++)
		free(t[i].val);
	assert_true(atomic_load(&m.calls) >= 1);
	/* Once there, never made again. */
	i = atomic_load(&m.calls);
	assert_int_equal(state_meta_get_or_create(f->db, "ear-key",
	    make_value, &m, &v, &len, NULL), CCAKIT_OK);
	assert_int_equal(atomic_load(&m.calls), i);
	free(v);
	if (h[1] != NULL)
		state_close(&h[1]);
}

/* --- records --- */

struct keys {
	char k[16][64];
	int64_t exp[16];
	uint64_t ver[16];
	int n;
};

static int
key_cb(void *arg, const char *key, int64_t expires_ms, uint64_t version)
{
	struct keys *k = arg;

	if (k->n >= 16)
		return CCAKIT_ERR_INTERNAL;
	snprintf(k->k[k->n], sizeof(k->k[0]), "%s", key);
	k->exp[k->n] = expires_ms;
	k->ver[k->n] = version;
	k->n++;
	return CCAKIT_OK;
}

static void
test_records(void **state)
{
	struct fx *f = *state;
	struct state_rec rec;
	struct keys k;
	char key[STATE_KEY_MAX + 8];
	int64_t t = now_ms();
	uint64_t v = 0;
	bool created = false, updated = true;
	size_t n = 0;

	/* Create, once. */
	assert_int_equal(state_rec_put(f->db, STATE_NS_KBS_SESSION, "s1",
	    "{\"Authed\":{}}", 13, t + 1000, STATE_PUT_CREATE, t, &created, &v,
	    NULL), CCAKIT_OK);
	assert_true(created);
	assert_int_equal(v, 1);
	assert_int_equal(state_rec_put(f->db, STATE_NS_KBS_SESSION, "s1",
	    "other", 5, t + 1000, STATE_PUT_CREATE, t, &created, &v, NULL),
	    CCAKIT_OK);
	assert_false(created);
	assert_int_equal(state_rec_get(f->db, STATE_NS_KBS_SESSION, "s1", t,
	    &rec, NULL), CCAKIT_OK);
	assert_int_equal(rec.len, 13);
	assert_string_equal((char *)rec.value, "{\"Authed\":{}}");
	assert_int_equal(rec.expires_ms, t + 1000);
	assert_int_equal(rec.version, 1);
	state_rec_clear(&rec);

	/* Compare and set: from version 1 once; the expiry kept. */
	assert_int_equal(state_rec_update(f->db, STATE_NS_KBS_SESSION, "s1",
	    1, "{\"Attested\":{}}", 15, 0, t, &updated, NULL), CCAKIT_OK);
	assert_true(updated);
	assert_int_equal(state_rec_update(f->db, STATE_NS_KBS_SESSION, "s1",
	    1, "late", 4, 0, t, &updated, NULL), CCAKIT_OK);
	assert_false(updated);
	assert_int_equal(state_rec_get(f->db, STATE_NS_KBS_SESSION, "s1", t,
	    &rec, NULL), CCAKIT_OK);
	assert_int_equal(rec.version, 2);
	assert_int_equal(rec.expires_ms, t + 1000);
	assert_string_equal((char *)rec.value, "{\"Attested\":{}}");
	state_rec_clear(&rec);
	assert_int_equal(state_rec_update(f->db, STATE_NS_KBS_SESSION, "nope",
	    1, "x", 1, 0, t, &updated, NULL), CCAKIT_ERR_NOT_FOUND);
	/* And with a new expiry. */
	assert_int_equal(state_rec_put(f->db, STATE_NS_KBS_SESSION, "s2",
	    "a", 1, t + 1000, STATE_PUT_CREATE, t, &created, &v, NULL),
	    CCAKIT_OK);
	assert_int_equal(state_rec_update(f->db, STATE_NS_KBS_SESSION, "s2",
	    v, "b", 1, t + 7000, t, &updated, NULL), CCAKIT_OK);
	assert_true(updated);
	assert_int_equal(state_rec_get(f->db, STATE_NS_KBS_SESSION, "s2", t,
	    &rec, NULL), CCAKIT_OK);
	assert_int_equal(rec.expires_ms, t + 7000);
	state_rec_clear(&rec);
	assert_int_equal(state_rec_delete(f->db, STATE_NS_KBS_SESSION, "s2",
	    NULL), CCAKIT_OK);

	/* Expired: get says so, update and create-over see it gone. */
	assert_int_equal(state_rec_get(f->db, STATE_NS_KBS_SESSION, "s1",
	    t + 1000, &rec, NULL), CCAKIT_ERR_EXPIRED);
	assert_int_equal(state_rec_update(f->db, STATE_NS_KBS_SESSION, "s1",
	    2, "x", 1, 0, t + 1000, &updated, NULL), CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(state_rec_take(f->db, STATE_NS_KBS_SESSION, "s1",
	    t + 1000, &rec, NULL), CCAKIT_ERR_EXPIRED);
	assert_int_equal(state_rec_put(f->db, STATE_NS_KBS_SESSION, "s1",
	    "new", 3, t + 5000, STATE_PUT_CREATE, t + 1000, &created, &v,
	    NULL), CCAKIT_OK);
	assert_true(created);
	assert_int_equal(v, 3);         /* versions never go back */

	/* Replace: version up; created says whether one was there. */
	assert_int_equal(state_rec_put(f->db, STATE_NS_KBS_RESOURCE,
	    "default/key/one", "s3cr3t", 6, 0, STATE_PUT_REPLACE, t, &created,
	    &v, NULL), CCAKIT_OK);
	assert_true(created);
	assert_int_equal(v, 1);
	assert_int_equal(state_rec_put(f->db, STATE_NS_KBS_RESOURCE,
	    "default/key/one", "", 0, 0, STATE_PUT_REPLACE, t, &created, &v,
	    NULL), CCAKIT_OK);
	assert_false(created);
	assert_int_equal(v, 2);
	assert_int_equal(state_rec_get(f->db, STATE_NS_KBS_RESOURCE,
	    "default/key/one", t + 999999999, &rec, NULL), CCAKIT_OK);
	assert_int_equal(rec.len, 0);   /* an empty value is a value */
	assert_int_equal(rec.expires_ms, 0);
	state_rec_clear(&rec);

	/* Single use. */
	assert_int_equal(state_rec_take(f->db, STATE_NS_KBS_SESSION, "s1",
	    t + 1000, &rec, NULL), CCAKIT_OK);
	assert_string_equal((char *)rec.value, "new");
	state_rec_clear(&rec);
	assert_int_equal(state_rec_take(f->db, STATE_NS_KBS_SESSION, "s1",
	    t + 1000, &rec, NULL), CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(state_rec_get(f->db, STATE_NS_KBS_SESSION, "s1",
	    t + 1000, &rec, NULL), CCAKIT_ERR_NOT_FOUND);

	/* Lists by prefix, in key order, live ones only. */
	assert_int_equal(state_rec_put(f->db, STATE_NS_KBS_RESOURCE,
	    "default/key/two", "2", 1, 0, STATE_PUT_REPLACE, t, NULL, NULL,
	    NULL), CCAKIT_OK);
	assert_int_equal(state_rec_put(f->db, STATE_NS_KBS_RESOURCE,
	    "default/cert/a", "3", 1, t + 10, STATE_PUT_REPLACE, t, NULL,
	    NULL, NULL), CCAKIT_OK);
	assert_int_equal(state_rec_put(f->db, STATE_NS_KBS_RESOURCE,
	    "other/key/z", "4", 1, 0, STATE_PUT_REPLACE, t, NULL, NULL, NULL),
	    CCAKIT_OK);
	memset(&k, 0, sizeof(k));
	assert_int_equal(state_rec_list(f->db, STATE_NS_KBS_RESOURCE,
	    "default/", t, key_cb, &k, NULL), CCAKIT_OK);
	assert_int_equal(k.n, 3);
	assert_string_equal(k.k[0], "default/cert/a");
	assert_int_equal(k.exp[0], t + 10);
	assert_string_equal(k.k[1], "default/key/one");
	assert_int_equal(k.ver[1], 2);
	assert_string_equal(k.k[2], "default/key/two");
	memset(&k, 0, sizeof(k));
	assert_int_equal(state_rec_list(f->db, STATE_NS_KBS_RESOURCE, NULL,
	    t + 10, key_cb, &k, NULL), CCAKIT_OK);
	assert_int_equal(k.n, 3);
	assert_string_equal(k.k[2], "other/key/z");
	memset(&k, 0, sizeof(k));
	assert_int_equal(state_rec_list(f->db, STATE_NS_KBS_POLICY, NULL, t,
	    key_cb, &k, NULL), CCAKIT_OK);
	assert_int_equal(k.n, 0);

	assert_int_equal(state_rec_count(f->db, STATE_NS_KBS_RESOURCE, &n,
	    NULL), CCAKIT_OK);
	assert_int_equal(n, 4);
	assert_int_equal(state_rec_purge(f->db, NULL, t + 10, &n, NULL),
	    CCAKIT_OK);
	assert_int_equal(n, 1);
	assert_int_equal(state_rec_delete(f->db, STATE_NS_KBS_RESOURCE,
	    "other/key/z", NULL), CCAKIT_OK);
	assert_int_equal(state_rec_delete(f->db, STATE_NS_KBS_RESOURCE,
	    "other/key/z", NULL), CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(state_rec_count(f->db, STATE_NS_KBS_RESOURCE, &n,
	    NULL), CCAKIT_OK);
	assert_int_equal(n, 2);

	/* Names. */
	assert_int_equal(state_rec_put(f->db, "Bad", "k", "v", 1, 0,
	    STATE_PUT_REPLACE, t, NULL, NULL, NULL), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(state_rec_put(f->db, "ns", "a key", "v", 1, 0,
	    STATE_PUT_REPLACE, t, NULL, NULL, NULL), CCAKIT_ERR_INVALID_ARG);
	memset(key, 'k', sizeof(key));
	key[STATE_KEY_MAX + 1] = '\0';
	assert_int_equal(state_rec_put(f->db, "ns", key, "v", 1, 0,
	    STATE_PUT_REPLACE, t, NULL, NULL, NULL), CCAKIT_ERR_INVALID_ARG);
	key[STATE_KEY_MAX] = '\0';
	assert_int_equal(state_rec_put(f->db, "ns", key, "v", 1, 0,
	    STATE_PUT_REPLACE, t, NULL, NULL, NULL), CCAKIT_OK);
	assert_int_equal(state_rec_put(f->db, "ns", "k", NULL,
	    (size_t)STATE_VALUE_MAX + 1, 0, STATE_PUT_REPLACE, t, NULL, NULL,
	    NULL), CCAKIT_ERR_TOO_LARGE);
}

static void
test_resource_key(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(state_kbs_resource_key("default", "key", "one.v2",
	    out, sizeof(out)), CCAKIT_OK);
	assert_string_equal(out, "default/key/one.v2");
	assert_int_equal(state_kbs_resource_key(".hidden", "key", "x", out,
	    sizeof(out)), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(state_kbs_resource_key("a/b", "key", "x", out,
	    sizeof(out)), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(state_kbs_resource_key("a", "", "x", out,
	    sizeof(out)), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(state_kbs_resource_key("repo", "type", "tag", out,
	    8), CCAKIT_ERR_BUFFER_TOO_SMALL);
}

/* --- opening --- */

static void
test_open_names(void **state)
{
	struct ccakit_errdetail d;
	state_db *db = NULL;
	char url[1200];

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(state_open("mysql://x/y", NULL, &db, &d),
	    CCAKIT_ERR_INVALID_ARG);
	assert_non_null(strstr(d.text, "unsupported"));
	assert_int_equal(state_open("", NULL, &db, &d),
	    CCAKIT_ERR_INVALID_ARG);
	assert_true(state_is_url("postgres://h/db"));
	assert_true(state_is_url("postgresql://h/db"));
	assert_false(state_is_url("/var/lib/x.db"));
	assert_false(state_is_url(":memory:"));
	/* Nothing listens there: unavailable, soon, with libpq's words. */
	memset(&d, 0, sizeof(d));
	{
		struct state_opts o;

		memset(&o, 0, sizeof(o));
		o.retry_ms = 200;
		assert_int_equal(state_open("postgresql://u:pw@127.0.0.1:1/db"
		    "?connect_timeout=1", &o, &db, &d),
		    CCAKIT_ERR_DB_UNAVAILABLE);
		assert_null(db);
		assert_true(strlen(d.text) > 0);
		assert_null(strstr(d.text, "pw"));
	}
	if (drv == DRV_PG) {
		schema_url(url, sizeof(url), pg_base, "public",
		    "password=hunter2");
		db = open_where(url, 1, 1000);
		assert_int_equal(state_driver(db), STATE_DRIVER_PG);
		assert_null(strstr(state_where(db), "hunter2"));
		assert_non_null(strstr(state_where(db), "password=***"));
		state_close(&db);
	}
}

static void
test_version(void **state)
{
	struct fx *f = *state;
	int v = 0;

	assert_int_equal(state_schema_version(f->db, &v, NULL), CCAKIT_OK);
	assert_int_equal(v, STATE_SCHEMA_VERSION);
	assert_int_equal(state_driver(f->db), drv == DRV_PG ?
	    STATE_DRIVER_PG : STATE_DRIVER_SQLITE);
	assert_int_equal(state_check(f->db, NULL), CCAKIT_OK);
	assert_int_equal(state_housekeep(f->db, NULL), CCAKIT_OK);
}

/* Several processes' worth of handles opening a new database at once:
 * one migrates, all open. */
struct opener {
	const char *where;
	state_db *db;
	int r;
};

static void *
open_thread(void *arg)
{
	struct opener *o = arg;
	struct state_opts so;

	memset(&so, 0, sizeof(so));
	so.pool = 1;
	so.retry_ms = 20000;
	o->r = state_open(o->where, &so, &o->db, NULL);
	return NULL;
}

static void
test_concurrent_open(void **state)
{
	struct fx *f = *state;
	struct opener o[6];
	pthread_t th[6];
	char where[1100];
	int i, v;

	if (drv == DRV_MEMORY) {
		skip();
		return;
	}
	/* A database nobody opened yet. */
	if (drv == DRV_FILE)
		snprintf(where, sizeof(where), "%s.fresh", f->where);
	else {
		pgx(pg_base, "DROP SCHEMA IF EXISTS fresh_open CASCADE");
		pgx(pg_base, "CREATE SCHEMA fresh_open");
		schema_url(where, sizeof(where), pg_base, "fresh_open", NULL);
	}
	for (i = 0; i < 6; i++) {
		o[i].where = where;
		o[i].db = NULL;
		assert_int_equal(pthread_create(&th[i], NULL, open_thread,
		    &o[i]), 0);
	}
	for (i = 0; i < 6; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < 6; i++) {
		assert_int_equal(o[i].r, CCAKIT_OK);
		assert_int_equal(state_schema_version(o[i].db, &v, NULL),
		    CCAKIT_OK);
		assert_int_equal(v, STATE_SCHEMA_VERSION);
		state_close(&o[i].db);
	}
	if (drv == DRV_FILE)
		remove_files(where);
	else {
		assert_string_equal(pgx(where, "SELECT count(*) FROM "
		    "schema_version"), "2");
		pgx(pg_base, "DROP SCHEMA fresh_open CASCADE");
	}
}

/* --- migrations --- */

/* The key broker's and the verifier's SQLite schemas before this layer
 * (tests/common/state_v1.h): the files that exist today. */
static const char broker_v1[] = STATE_V1_BROKER_SQL;
static const char verifier_v1[] = STATE_V1_VERIFIER_SQL;

/* Rows in the version-1 shape (either driver's SQL). */
#define V1_CHALLENGE \
	"INSERT INTO challenge VALUES (77, %s, 'skywalker', '{\"kty\":" \
	"\"RSA\"}', 10, 4000000000)"
#define V1_SESSION \
	"INSERT INTO session VALUES ('" SID1 "', %s, 1, 9000000000000, 0," \
	" NULL, NULL, NULL)"
#define V1_PROV \
	"INSERT INTO provisioned (id, class, kind, json, created) VALUES" \
	" ('0123456789abcdef0123456789abcdef', 1, 't', '{\"a\":1}', 5)"
#define V1_META "INSERT INTO meta VALUES ('ear-key', %s)"

static void
sqlite_exec_file(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *err = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, err);
		fail();
	}
	sqlite3_close(db);
}

/* The rows of a version-1 database are there and usable at version 2. */
static void
check_v1_rows(state_db *db, bool broker, bool verifier)
{
	struct state_challenge c;
	struct state_session s;
	struct state_prov_visitor v;
	struct collect col;
	uint8_t *val = NULL;
	size_t len = 0;
	bool claimed = false;
	int ver = 0;

	assert_int_equal(state_schema_version(db, &ver, NULL), CCAKIT_OK);
	assert_int_equal(ver, STATE_SCHEMA_VERSION);
	if (broker) {
		assert_int_equal(state_challenge_take(db, 77, &c, NULL),
		    CCAKIT_OK);
		assert_string_equal(c.key, "skywalker");
		assert_int_equal(c.nonce[63], 0xab);
		assert_int_equal(state_challenge_take(db, 77, &c, NULL),
		    CCAKIT_ERR_NOT_FOUND);
	}
	if (verifier) {
		assert_int_equal(state_session_claim(db, SID1, 1000, &claimed,
		    &s, NULL), CCAKIT_OK);
		assert_true(claimed);
		assert_int_equal(s.nonce_len, 8);
		assert_int_equal(state_session_finish(db, SID1, s.claim,
		    "m/t", NULL, 0, "r", NULL), CCAKIT_OK);
		state_session_clear(&s);
		visitor(&v, &col);
		assert_int_equal(state_prov_scan(db, &v, NULL), CCAKIT_OK);
		assert_int_equal(col.n, 1);
		assert_int_equal(col.gen, 0);
		assert_int_equal(state_meta_get(db, "ear-key", &val, &len,
		    NULL), CCAKIT_OK);
		assert_int_equal(len, 3);
		free(val);
	}
	/* Both halves are there now, and the layer's own tables. */
	assert_int_equal(state_rec_put(db, "n", "k", "v", 1, 0,
	    STATE_PUT_CREATE, 0, NULL, NULL, NULL), CCAKIT_OK);
	assert_int_equal(state_session_count(db, &len, NULL), CCAKIT_OK);
	assert_int_equal(state_challenge_count(db, &len, NULL), CCAKIT_OK);
}

static void
test_sqlite_migrate_v1_files(void **state)
{
	struct fx *f = *state;
	char path[1100], sql[512];
	state_db *db;
	int which;

	if (drv != DRV_FILE) {
		skip();
		return;
	}
	for (which = 0; which < 3; which++) {
		snprintf(path, sizeof(path), "%s.v1-%d", f->where, which);
		sqlite_exec_file(path, "PRAGMA journal_mode = WAL");
		if (which != 1) {
			sqlite_exec_file(path, broker_v1);
			snprintf(sql, sizeof(sql), V1_CHALLENGE,
			    "x'" "00000000000000000000000000000000"
			    "00000000000000000000000000000000"
			    "00000000000000000000000000000000"
			    "000000000000000000000000000000ab'");
			sqlite_exec_file(path, sql);
		}
		if (which != 0) {
			sqlite_exec_file(path, verifier_v1);
			snprintf(sql, sizeof(sql), V1_SESSION,
			    "x'0102030405060708'");
			sqlite_exec_file(path, sql);
			sqlite_exec_file(path, V1_PROV);
			snprintf(sql, sizeof(sql), V1_META, "x'4b4559'");
			sqlite_exec_file(path, sql);
		}
		db = open_where(path, 1, 5000);
		check_v1_rows(db, which != 1, which != 0);
		state_close(&db);
		/* The log: 1 applied before it existed, 2 now. */
		{
			sqlite3 *s = NULL;
			sqlite3_stmt *st = NULL;

			assert_int_equal(sqlite3_open(path, &s), SQLITE_OK);
			assert_int_equal(sqlite3_prepare_v2(s, "SELECT "
			    "group_concat(version || ':' || (applied IS "
			    "NULL)) FROM schema_version", -1, &st, NULL),
			    SQLITE_OK);
			assert_int_equal(sqlite3_step(st), SQLITE_ROW);
			assert_string_equal((const char *)
			    sqlite3_column_text(st, 0), "1:1,2:0");
			sqlite3_finalize(st);
			sqlite3_close(s);
		}
		remove_files(path);
	}
}

/* Every version this layer has had, migrated from. */
static void
test_migrate_each_version(void **state)
{
	struct fx *f = *state;
	struct ccakit_errdetail d;
	char where[1200], sql[512], schema[96];
	state_db *db;
	int v;

	for (v = 0; v < STATE_SCHEMA_VERSION; v++) {
		if (drv == DRV_MEMORY) {
			skip();
			return;
		}
		memset(&d, 0, sizeof(d));
		if (drv == DRV_FILE) {
			snprintf(where, sizeof(where), "%s.mig%d", f->where,
			    v);
			assert_int_equal(state_sqlite_migrate_to(where, v, &d),
			    CCAKIT_OK);
		} else {
			snprintf(schema, sizeof(schema), "%s_mig%d", f->schema,
			    v);
			snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", schema);
			pgx(pg_base, sql);
			schema_url(where, sizeof(where), pg_base, schema,
			    NULL);
			assert_int_equal(state_pg_migrate_to(where, v, &d),
			    CCAKIT_OK);
		}
		if (v >= 1) {
			const char *nonce = drv == DRV_PG ?
			    "'\\x" "00000000000000000000000000000000"
			    "00000000000000000000000000000000"
			    "00000000000000000000000000000000"
			    "000000000000000000000000000000ab'" :
			    "x'" "00000000000000000000000000000000"
			    "00000000000000000000000000000000"
			    "00000000000000000000000000000000"
			    "000000000000000000000000000000ab'";
			char a[512], b[256], c[256];

			snprintf(a, sizeof(a), V1_CHALLENGE, nonce);
			snprintf(b, sizeof(b), V1_SESSION, drv == DRV_PG ?
			    "'\\x0102030405060708'" : "x'0102030405060708'");
			snprintf(c, sizeof(c), V1_META, drv == DRV_PG ?
			    "'\\x4b4559'" : "x'4b4559'");
			if (drv == DRV_FILE) {
				sqlite_exec_file(where, a);
				sqlite_exec_file(where, b);
				sqlite_exec_file(where, V1_PROV);
				sqlite_exec_file(where, c);
			} else {
				pgx(where, a);
				pgx(where, b);
				pgx(where, V1_PROV);
				pgx(where, c);
			}
		}
		db = open_where(where, 2, 5000);
		if (v >= 1)
			check_v1_rows(db, true, true);
		else
			check_v1_rows(db, false, false);
		state_close(&db);
		if (drv == DRV_FILE)
			remove_files(where);
		else {
			assert_string_equal(pgx(where, "SELECT string_agg("
			    "version::text, ',' ORDER BY version) FROM "
			    "schema_version"), "1,2");
			snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE",
			    schema);
			pgx(pg_base, sql);
		}
	}
}

/* A database from a newer build is refused, not damaged. */
static void
test_newer_refused(void **state)
{
	struct fx *f = *state;
	struct ccakit_errdetail d;
	state_db *db = NULL;

	if (drv == DRV_MEMORY) {
		skip();
		return;
	}
	state_close(&f->db);
	if (drv == DRV_FILE)
		sqlite_exec_file(f->where, "PRAGMA user_version = 3");
	else
		pgx(f->where, "INSERT INTO schema_version (version) "
		    "VALUES (3)");
	memset(&d, 0, sizeof(d));
	assert_int_equal(state_open(f->where, NULL, &db, &d), CCAKIT_ERR_IO);
	assert_non_null(strstr(d.text, "newer"));
	assert_null(db);
	if (drv == DRV_FILE)
		sqlite_exec_file(f->where, "PRAGMA user_version = 2");
	else
		pgx(f->where, "DELETE FROM schema_version WHERE version = 3");
	f->db = open_where(f->where, 1, 1000);
}

/* --- SQLite files --- */

static void
test_sqlite_file_gone(void **state)
{
	struct fx *f = *state;
	struct state_challenge c, out;
	struct ccakit_errdetail d;
	bool exists;
	size_t n = 0;

	if (drv != DRV_FILE) {
		skip();
		return;
	}
	make_challenge(&c, 5, 1, 4000000000);
	assert_int_equal(state_challenge_insert(f->db, &c, &exists, NULL),
	    CCAKIT_OK);
	assert_int_equal(unlink(f->where), 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(state_check(f->db, &d), CCAKIT_ERR_DB_GONE);
	assert_non_null(strstr(d.text, "deleted"));
	/* Writes refuse; reads go on. */
	assert_int_equal(state_challenge_take(f->db, 5, &out, NULL),
	    CCAKIT_ERR_DB_GONE);
	assert_int_equal(state_rec_put(f->db, "n", "k", "v", 1, 0,
	    STATE_PUT_REPLACE, 0, NULL, NULL, NULL), CCAKIT_ERR_DB_GONE);
	assert_int_equal(state_challenge_count(f->db, &n, NULL), CCAKIT_OK);
	assert_int_equal(n, 1);
}

static void
test_sqlite_modes(void **state)
{
	struct fx *f = *state;
	struct state_opts o;
	struct stat sb;
	char path[1100];
	state_db *db = NULL;
	int fd;

	if (drv != DRV_FILE) {
		skip();
		return;
	}
	assert_int_equal(stat(f->where, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(state_fixed_mode(f->db), 0);
	/* A secret database found group-readable: made 0600, said so. */
	snprintf(path, sizeof(path), "%s.secret", f->where);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chmod(path, 0640), 0);
	memset(&o, 0, sizeof(o));
	o.flags = STATE_SECRET;
	assert_int_equal(state_open(path, &o, &db, NULL), CCAKIT_OK);
	assert_int_equal(state_fixed_mode(db), 0640);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	state_close(&db);
	remove_files(path);
	/* A directory is not a database. */
	assert_int_equal(state_open(tmpdir, NULL, &db, NULL), CCAKIT_ERR_IO);
}

/* --- PostgreSQL under faults --- */

#define LOAD_THREADS 4
#define LOAD_MAX (1 << 16)

struct load {
	state_db *db;
	atomic_int stop;
	pthread_mutex_t mu;
	uint32_t ids[LOAD_MAX];
	uint8_t taken[LOAD_MAX];        /* successful takes during the run */
	int n;
	atomic_int errors, ops, sessions;
	char err[768];
};

static void
load_error(struct load *l, const char *op, int r,
    const struct ccakit_errdetail *d)
{
	if (atomic_fetch_add(&l->errors, 1) == 0)
		snprintf(l->err, sizeof(l->err), "%s: %s: %s", op,
		    ccakit_strerror(r), d->text);
}

static void *
load_thread(void *arg)
{
	struct load *l = arg;
	struct ccakit_errdetail d;
	struct state_challenge c, out;
	struct state_session s, got;
	unsigned seed = (unsigned)(uintptr_t)&d ^ (unsigned)getpid();
	uint32_t id;
	bool exists, claimed;
	int i, r;

	while (!atomic_load(&l->stop)) {
		memset(&d, 0, sizeof(d));
		id = (uint32_t)rand_r(&seed) << 16 ^ (uint32_t)rand_r(&seed);
		if (id == 0)
			continue;
		make_challenge(&c, id, 1, 4000000000);
		if ((r = state_challenge_insert(l->db, &c, &exists, &d)) !=
		    CCAKIT_OK) {
			load_error(l, "insert", r, &d);
			continue;
		}
		if (exists)
			continue;
		pthread_mutex_lock(&l->mu);
		i = l->n < LOAD_MAX ? l->n++ : -1;
		if (i >= 0)
			l->ids[i] = id;
		pthread_mutex_unlock(&l->mu);
		atomic_fetch_add(&l->ops, 1);
		/* Half are taken now; the others are left for later. */
		if (i < 0 || (rand_r(&seed) & 1) == 0)
			continue;
		r = state_challenge_take(l->db, id, &out, &d);
		if (r == CCAKIT_OK && out.id == id)
			l->taken[i]++;
		else
			load_error(l, "take", r, &d);
		/* A session's life, too. */
		make_session(&s, SID1, now_ms(), 60000);
		snprintf(s.id, sizeof(s.id), "%08x-0000-4000-8000-%012x", id,
		    (unsigned)i);
		if ((r = state_session_insert(l->db, &s, &exists, &d)) !=
		    CCAKIT_OK || (r = state_session_claim(l->db, s.id,
		    now_ms(), &claimed, &got, &d)) != CCAKIT_OK) {
			load_error(l, "session", r, &d);
			continue;
		}
		if (!claimed)
			load_error(l, "claim", CCAKIT_ERR_INTERNAL, &d);
		else if ((r = state_session_finish(l->db, s.id, got.claim,
		    "m/t", NULL, 0, "ear", &d)) != CCAKIT_OK)
			load_error(l, "finish", r, &d);
		else
			atomic_fetch_add(&l->sessions, 1);
		state_session_clear(&got);
	}
	return NULL;
}

/* Run the load while fault() does its worst; then check. */
static void
under_load(struct fx *f, void (*fault)(struct fx *f, struct load *l),
    unsigned retry_ms)
{
	struct load *l = calloc(1, sizeof(*l));
	struct state_challenge out;
	pthread_t th[LOAD_THREADS];
	char url[1200];
	state_db *check;
	int i, left = 0, r;

	assert_non_null(l);
	pthread_mutex_init(&l->mu, NULL);
	schema_url(url, sizeof(url), pg_base, f->schema,
	    "application_name=ccakit_victim");
	l->db = open_where(url, LOAD_THREADS, retry_ms);
	for (i = 0; i < LOAD_THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, load_thread, l),
		    0);
	fault(f, l);
	atomic_store(&l->stop, 1);
	for (i = 0; i < LOAD_THREADS; i++)
		pthread_join(th[i], NULL);
	if (atomic_load(&l->errors) != 0)
		fprintf(stderr, "%d errors, the first: %s\n",
		    atomic_load(&l->errors), l->err);
	assert_int_equal(atomic_load(&l->errors), 0);
	assert_true(l->n > 20);
	/* Afterwards, on another connection: none taken twice, and every
	 * one issued and not taken is there, exactly once. */
	check = open_where(f->where, 1, 10000);
	for (i = 0; i < l->n; i++) {
		assert_true(l->taken[i] <= 1);
		r = state_challenge_take(check, l->ids[i], &out, NULL);
		if (l->taken[i] == 1) {
			assert_int_equal(r, CCAKIT_ERR_NOT_FOUND);
		} else {
			assert_int_equal(r, CCAKIT_OK);
			assert_int_equal(state_challenge_take(check,
			    l->ids[i], &out, NULL), CCAKIT_ERR_NOT_FOUND);
			left++;
		}
	}
	fprintf(stderr, "%d challenges issued, %d taken under faults, %d "
	    "left and each taken once afterwards; %d sessions\n", l->n,
	    l->n - left, left, atomic_load(&l->sessions));
	state_close(&check);
	state_close(&l->db);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

static void
fault_terminate(struct fx *f, struct load *l)
{
	int i, killed = 0;

	(void)l;
	for (i = 0; i < 30; i++) {
		usleep(60 * 1000);
		killed += atoi(pgx(f->where, "SELECT count(pg_terminate_backend"
		    "(pid)) FROM pg_stat_activity WHERE application_name = "
		    "'ccakit_victim'"));
	}
	fprintf(stderr, "%d connections killed\n", killed);
	assert_true(killed > 10);
}

static void
test_pg_terminate(void **state)
{
	if (drv != DRV_PG) {
		skip();
		return;
	}
	under_load(*state, fault_terminate, 20000);
}

/*
 * Replies lost after the server did the work (a third of them: the
 * driver drops the connection as if it broke after a commit): every
 * operation is sent again and must come out as if sent once.
 */
static void
fault_lose(struct fx *f, struct load *l)
{
	struct state_prov_entry e[3];
	struct state_prov_visitor v;
	struct collect c;
	struct state_rec rec;
	state_db *db = l->db;
	int64_t t = now_ms();
	uint64_t g0 = 0, g = 0, ver = 0;
	bool created = false, updated = false;
	size_t n = 0;
	int i;

	(void)f;
	usleep(200 * 1000);
	assert_int_equal(state_prov_generation(db, &g0, NULL), CCAKIT_OK);
	for (i = 0; i < 3; i++)
		entry(&e[i], 100 + i, 't', "{\"k\":1}");
	assert_int_equal(state_prov_put(db, STATE_PROV_TA, e, 3, NULL, &n,
	    &g, NULL), CCAKIT_OK);
	assert_true(g > g0);
	assert_int_equal(state_prov_delete(db, STATE_PROV_TA, e[1].id, NULL,
	    NULL, NULL, NULL), CCAKIT_OK);
	visitor(&v, &c);
	assert_int_equal(state_prov_scan(db, &v, NULL), CCAKIT_OK);
	assert_int_equal(c.n, 2);
	for (i = 0; i < 20; i++) {
		char key[32];

		snprintf(key, sizeof(key), "s%d", i);
		assert_int_equal(state_rec_put(db, "lose", key, "a", 1,
		    t + 60000, STATE_PUT_CREATE, t, &created, &ver, NULL),
		    CCAKIT_OK);
		assert_true(created);
		assert_int_equal(ver, 1);
		assert_int_equal(state_rec_update(db, "lose", key, 1, "b", 1,
		    0, t, &updated, NULL), CCAKIT_OK);
		assert_true(updated);
		assert_int_equal(state_rec_update(db, "lose", key, 1, "c", 1,
		    0, t, &updated, NULL), CCAKIT_OK);
		assert_false(updated);
		assert_int_equal(state_rec_take(db, "lose", key, t, &rec,
		    NULL), CCAKIT_OK);
		assert_int_equal(rec.version, 2);
		assert_string_equal((char *)rec.value, "b");
		state_rec_clear(&rec);
		assert_int_equal(state_rec_take(db, "lose", key, t, &rec,
		    NULL), CCAKIT_ERR_NOT_FOUND);
		assert_int_equal(state_rec_put(db, "lose", key, "d", 1, 0,
		    STATE_PUT_REPLACE, t, NULL, NULL, NULL), CCAKIT_OK);
		assert_int_equal(state_rec_delete(db, "lose", key, NULL),
		    CCAKIT_OK);
	}
	usleep(500 * 1000);
}

static void
test_pg_lost_replies(void **state)
{
	if (drv != DRV_PG) {
		skip();
		return;
	}
	state_pg_test_lose(3);
	under_load(*state, fault_lose, 20000);
	state_pg_test_lose(0);
}

/* tests/pg/pgctl.sh VERB $CCAKIT_PG_DIR [ARG] */
static void
pgctl(const char *verb, const char *arg)
{
	const char *ctl = getenv("CCAKIT_PGCTL");
	const char *dir = getenv("CCAKIT_PG_DIR");
	char cmd[1024];

	assert_non_null(ctl);
	assert_non_null(dir);
	snprintf(cmd, sizeof(cmd), "sh '%s' %s '%s' %s", ctl, verb, dir,
	    arg != NULL ? arg : "");
	assert_int_equal(system(cmd), 0);
}

/* Restarts (fast shutdown: every connection terminated). */
static void
fault_restart(struct fx *f, struct load *l)
{
	int before;

	(void)f;
	usleep(300 * 1000);
	before = atomic_load(&l->ops);
	pgctl("restart", "fast");
	usleep(300 * 1000);
	pgctl("restart", "fast");
	pgctl("restart", "fast");
	usleep(300 * 1000);
	assert_true(atomic_load(&l->ops) > before);
}

/* A crash of the server (immediate: no shutdown checkpoint, recovery
 * at start). */
static void
fault_crash(struct fx *f, struct load *l)
{
	int before;

	(void)f;
	usleep(300 * 1000);
	before = atomic_load(&l->ops);
	pgctl("restart", "immediate");
	usleep(300 * 1000);
	pgctl("restart", "immediate");
	usleep(300 * 1000);
	assert_true(atomic_load(&l->ops) > before);
}

static void
test_pg_restart(void **state)
{
	under_load(*state, fault_restart, 30000);
}

static void
test_pg_crash(void **state)
{
	under_load(*state, fault_crash, 30000);
}

/* Down for longer than the budget: unavailable, soon, and the failed
 * call changed nothing; back by itself once the server is. */
static void
test_pg_down(void **state)
{
	struct fx *f = *state;
	struct ccakit_errdetail d;
	struct state_challenge c, out;
	state_db *db;
	bool exists;
	int64_t t0;

	db = open_where(f->where, 2, 800);
	make_challenge(&c, 42, 1, 4000000000);
	assert_int_equal(state_challenge_insert(db, &c, &exists, NULL),
	    CCAKIT_OK);
	pgctl("down", NULL);
	memset(&d, 0, sizeof(d));
	t0 = now_ms();
	assert_int_equal(state_challenge_take(db, 42, &out, &d),
	    CCAKIT_ERR_DB_UNAVAILABLE);
	assert_true(now_ms() - t0 < 5000);
	assert_string_equal(d.what, "database");
	assert_true(strlen(d.text) > 0);
	fprintf(stderr, "down: %s\n", d.text);
	pgctl("up", NULL);
	assert_int_equal(state_challenge_take(db, 42, &out, NULL), CCAKIT_OK);
	assert_int_equal(state_challenge_take(db, 42, &out, NULL),
	    CCAKIT_ERR_NOT_FOUND);
	state_close(&db);
}

/* --- main --- */

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(int argc, char **argv)
{
	static const struct CMUnitTest common[] = {
		cmocka_unit_test(test_open_names),
		cmocka_unit_test(test_resource_key),
		T(test_version),
		T(test_challenge_ops),
		T(test_challenge_expiry),
		T(test_race_challenge),
		T(test_session_lifecycle),
		T(test_race_session),
		T(test_prov),
		T(test_prov_other_replica),
		T(test_meta),
		T(test_records),
		T(test_race_record_update),
		T(test_race_record_take),
		T(test_concurrent_open),
		T(test_migrate_each_version),
		T(test_newer_refused),
		T(test_sqlite_migrate_v1_files),
		T(test_sqlite_file_gone),
		T(test_sqlite_modes),
		T(test_pg_terminate),
		T(test_pg_lost_replies),
	};
	static const struct CMUnitTest restart[] = {
		T(test_pg_restart),
		T(test_pg_crash),
		T(test_pg_down),
	};
	const char *mode = argc > 1 ? argv[1] : "";
	char name[32];
	int r;

	if (strcmp(mode, "file") == 0) {
		drv = DRV_FILE;
	} else if (strcmp(mode, "memory") == 0) {
		drv = DRV_MEMORY;
	} else if (strcmp(mode, "pg") == 0 || strcmp(mode, "pg-restart") ==
	    0) {
		drv = DRV_PG;
		if ((pg_base = getenv("CCAKIT_PG_URL")) == NULL) {
			printf("skipped: no PostgreSQL (CCAKIT_PG_URL unset; "
			    "tests/pg/pgctl.sh run starts one)\n");
			return 77;
		}
	} else {
		fprintf(stderr, "usage: test_state file|memory|pg|pg-restart\n");
		return 2;
	}
	snprintf(tmpdir, sizeof(tmpdir), "%s/ccakit-state.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	srandom((unsigned)getpid());
	if (strcmp(mode, "pg-restart") == 0)
		r = cmocka_run_group_tests_name("state-pg-restart", restart,
		    NULL, NULL);
	else
	{
		snprintf(name, sizeof(name), "state-%s", mode);
		r = cmocka_run_group_tests_name(name, common, NULL, NULL);
	}
	/* What failed cases left behind (their teardown did not run). */
	{
		DIR *dir = opendir(tmpdir);
		struct dirent *e;
		char p[600];

		while (dir != NULL && (e = readdir(dir)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", tmpdir, e->d_name);
			unlink(p);
		}
		if (dir != NULL)
			closedir(dir);
	}
	rmdir(tmpdir);
	return r;
}
