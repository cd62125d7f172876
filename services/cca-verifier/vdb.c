/*
 * The verifier's database over the state layer (services/state, one code
 * path for SQLite and PostgreSQL): sessions, provisioned trust anchors
 * and reference values, the EAR signing key; and the snapshots of the
 * stores that appraisal reads.
 *
 * A session is claimed for its evidence once (waiting -> processing),
 * across processes and replicas, and finished by the holder of the claim.
 *
 * Snapshots: the stores are immutable once built. Every provisioning
 * change is one transaction that walks every entry through a builder
 * before it commits (a change the loaders refuse is rolled back), and the
 * stores built swap in when it has committed; readers hold a reference
 * for the duration of one appraisal, so a change never waits for
 * appraisals and an appraisal never sees half a change. Each snapshot
 * carries the database's provisioning generation: vdb_refresh polls it
 * and rebuilds when another replica moved it, and a snapshot only ever
 * replaces an older one.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <ccakit/bytes.h>
#include <ccakit/err.h>
#include <ccakit/store.h>

#include "util/util.h"
#include "vdb.h"

#define KEY_PEM_MAX     8192
#define EAR_KEY_NAME    "ear-key"       /* the meta value, as before */
#define SESSION_TRIES   4               /* random UUIDs drawn */

_Static_assert((int)VDB_TA == (int)STATE_PROV_TA &&
    (int)VDB_RV == (int)STATE_PROV_RV, "provisioning classes");
_Static_assert(VDB_ENTRY_ID_LEN == STATE_PROV_ID_LEN, "entry id");
_Static_assert(SVC_V_NONCE_MAX == STATE_SNONCE_MAX &&
    SVC_V_NONCE_MIN == STATE_SNONCE_MIN &&
    SVC_V_SESSION_ID_LEN == STATE_SESSION_ID_LEN &&
    SVC_V_EVIDENCE_MAX <= STATE_EVIDENCE_MAX, "session sizes");
_Static_assert((int)SVC_V_WAITING == (int)STATE_WAITING &&
    (int)SVC_V_FAILED == (int)STATE_FAILED, "session status");

struct snap {
	struct vdb_stores pub;        /* first: the handle readers get */
	ccakit_ta_store *tas;
	ccakit_rv_store *rvs;
	unsigned refs;                  /* readers, plus one while current */
};

struct vdb {
	state_db *st;
	int64_t (*now_ms)(void *);
	void *clock_arg;
	pthread_mutex_t snap_mu;        /* cur and every refs */
	struct snap *cur;
};

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

/* --- the entries, as store JSON --- */

/* A growing text buffer. */
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
 * What a walk of the entries (a state_prov_visitor) collects: the
 * trust anchors and the platform and realm reference values, each a
 * comma-separated list of entry objects (with their "id" for listings);
 * for a store build, the stores made from them at the end of the walk.
 */
struct walk {
	bool with_id;                   /* listings: {"id":..., ...} */
	bool build;                     /* make stores at the end */
	struct tbuf ta, pl, re;
	size_t nta, npl, nre;
	struct snap *s;                 /* built */
	uint64_t gen;
	int fail;                       /* the loaders' refusal, and why */
	struct ccakit_errdetail why;
};

static void
snap_free(struct snap *s)
{
	if (s == NULL)
		return;
	ccakit_ta_store_free(&s->tas);
	ccakit_rv_store_free(&s->rvs);
	free(s);
}

static void
walk_clear(struct walk *w)
{
	free(w->ta.p);
	free(w->pl.p);
	free(w->re.p);
	snap_free(w->s);
	memset(&w->ta, 0, sizeof(w->ta));
	memset(&w->pl, 0, sizeof(w->pl));
	memset(&w->re, 0, sizeof(w->re));
	w->nta = w->npl = w->nre = 0;
	w->s = NULL;
	w->gen = 0;
	w->fail = CCAKIT_OK;
	memset(&w->why, 0, sizeof(w->why));
}

/* A walk starts again from here (a retried transaction walks again). */
static int
walk_begin(void *arg)
{
	walk_clear(arg);
	return 0;
}

static int
walk_row(void *arg, const struct state_prov_row *r)
{
	struct walk *w = arg;
	struct tbuf *b;
	size_t *n;

	/* A JSON object this verifier wrote: "{...}". */
	if (r->json_len < 2 || r->json[0] != '{')
		return cki_detail(&w->why, w->fail = CCAKIT_ERR_IO,
		    "provisioning", "malformed entry %.40s", r->id);
	if (r->kind == 't') {
		b = &w->ta;
		n = &w->nta;
	} else if (r->kind == 'p') {
		b = &w->pl;
		n = &w->npl;
	} else {
		b = &w->re;
		n = &w->nre;
	}
	tb_str(b, (*n)++ > 0 ? "," : "");
	if (w->with_id) {
		tb_str(b, "{\"id\":\"");
		tb_str(b, r->id);
		tb_str(b, "\"");
		if (r->json[1] != '}')
			tb_str(b, ",");
		tb_add(b, r->json + 1, r->json_len - 1);
	} else {
		tb_add(b, r->json, r->json_len);
	}
	return 0;
}

/* The entries of a class in store form: a ta.json array, or an rv.json
 * object; malloc'd, NULL when out of memory. */
static char *
walk_text(const struct walk *w, enum vdb_class cls)
{
	struct tbuf o;

	memset(&o, 0, sizeof(o));
	if (cls == VDB_TA) {
		tb_str(&o, "[");
		tb_add(&o, w->ta.p != NULL ? w->ta.p : "", w->ta.len);
		tb_str(&o, "]");
	} else {
		tb_str(&o, "{\"platform\":[");
		tb_add(&o, w->pl.p != NULL ? w->pl.p : "", w->pl.len);
		tb_str(&o, "],\"realm\":[");
		tb_add(&o, w->re.p != NULL ? w->re.p : "", w->re.len);
		tb_str(&o, "]}");
	}
	if (o.oom) {
		free(o.p);
		return NULL;
	}
	return o.p;
}

static int
walk_end(void *arg, uint64_t gen)
{
	struct walk *w = arg;
	struct snap *s = NULL;
	char *ta = NULL, *rv = NULL;
	int r;

	w->gen = gen;
	if (w->ta.oom || w->pl.oom || w->re.oom)
		return w->fail = CCAKIT_ERR_NOMEM;
	if (!w->build)
		return 0;
	if ((ta = walk_text(w, VDB_TA)) == NULL ||
	    (rv = walk_text(w, VDB_RV)) == NULL ||
	    (s = calloc(1, sizeof(*s))) == NULL ||
	    (s->tas = ccakit_ta_store_new()) == NULL ||
	    (s->rvs = ccakit_rv_store_new()) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	if ((r = ccakit_ta_store_load_json(s->tas, ta, strlen(ta),
	    &w->why)) != CCAKIT_OK ||
	    (r = ccakit_rv_store_load_json(s->rvs, rv, strlen(rv),
	    &w->why)) != CCAKIT_OK)
		goto out;
	s->pub.tas = s->tas;
	s->pub.rvs = s->rvs;
	s->pub.generation = gen;
	s->refs = 1;
	w->s = s;
	s = NULL;
out:
	snap_free(s);
	free(ta);
	free(rv);
	if (r != CCAKIT_OK)
		w->fail = r;
	return r;
}

static void
walk_init(struct walk *w, struct state_prov_visitor *v, bool build)
{
	memset(w, 0, sizeof(*w));
	w->build = build;
	w->with_id = !build;
	v->begin = walk_begin;
	v->row = walk_row;
	v->end = walk_end;
	v->arg = w;
}

/* The walk's own reason for a refusal, rather than the state layer's
 * account of it. */
static int
walk_result(const struct walk *w, int r, struct ccakit_errdetail *d)
{
	if (r != CCAKIT_OK && r == w->fail && d != NULL &&
	    w->why.text[0] != '\0')
		*d = w->why;
	return r;
}

/* --- snapshots --- */

/* Make s current unless it is no newer than the current one; the
 * previous snapshot goes when its last reader does. Whether it did. */
static bool
snap_swap(vdb *db, struct snap *s)
{
	struct snap *old = NULL;
	bool swapped = false;

	pthread_mutex_lock(&db->snap_mu);
	if (db->cur == NULL || s->pub.generation > db->cur->pub.generation) {
		old = db->cur;
		db->cur = s;
		swapped = true;
	} else {
		old = s;
	}
	if (old != NULL && --old->refs == 0)
		snap_free(old);
	pthread_mutex_unlock(&db->snap_mu);
	return swapped;
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

/* Build the stores from every entry and swap them in if newer. */
static int
rebuild(vdb *db, bool *changed, struct ccakit_errdetail *d)
{
	struct state_prov_visitor v;
	struct walk w;
	bool swapped;
	int r;

	walk_init(&w, &v, true);
	if ((r = state_prov_scan(db->st, &v, d)) == CCAKIT_OK) {
		swapped = snap_swap(db, w.s);
		w.s = NULL;
		if (changed != NULL)
			*changed = swapped;
	}
	r = walk_result(&w, r, d);
	walk_clear(&w);
	return r;
}

int
vdb_refresh(vdb *db, bool *changed, struct ccakit_errdetail *d)
{
	uint64_t gen, cur;
	int r;

	if (changed != NULL)
		*changed = false;
	if ((r = state_prov_generation(db->st, &gen, d)) != CCAKIT_OK)
		return r;
	pthread_mutex_lock(&db->snap_mu);
	cur = db->cur->pub.generation;
	pthread_mutex_unlock(&db->snap_mu);
	return gen > cur ? rebuild(db, changed, d) : CCAKIT_OK;
}

/* --- open / close --- */

void
vdb_close(vdb **dbp)
{
	vdb *db;

	if (dbp == NULL || (db = *dbp) == NULL)
		return;
	state_close(&db->st);
	/* Readers must be gone by now. */
	snap_free(db->cur);
	pthread_mutex_destroy(&db->snap_mu);
	free(db);
	*dbp = NULL;
}

int
vdb_open(const char *where, const struct state_opts *o, vdb **out,
    struct ccakit_errdetail *d)
{
	struct state_opts so;
	vdb *db;
	int r;

	*out = NULL;
	memset(&so, 0, sizeof(so));
	if (o != NULL)
		so = *o;
	/* Owner-only, -wal and -shm too: the EAR signing key lives here. */
	so.flags |= STATE_SECRET;
	if ((db = calloc(1, sizeof(*db))) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	db->now_ms = real_now_ms;
	if (pthread_mutex_init(&db->snap_mu, NULL) != 0) {
		free(db);
		return cki_detail(d, CCAKIT_ERR_INTERNAL, NULL, NULL);
	}
	if ((r = state_open(where, &so, &db->st, d)) != CCAKIT_OK ||
	    (r = rebuild(db, NULL, d)) != CCAKIT_OK) {
		vdb_close(&db);
		return r;
	}
	*out = db;
	return CCAKIT_OK;
}

state_db *
vdb_state(vdb *db)
{
	return db->st;
}

unsigned
vdb_fixed_mode(const vdb *db)
{
	return state_fixed_mode(db->st);
}

int
vdb_check(vdb *db, struct ccakit_errdetail *d)
{
	return state_check(db->st, d);
}

int
vdb_housekeep(vdb *db, struct ccakit_errdetail *d)
{
	return state_housekeep(db->st, d);
}

/* --- the EAR key --- */

/* A new P-256 private key as PKCS#8 PEM (state_meta_get_or_create's
 * maker). */
static int
gen_key(void *arg, uint8_t **pem, size_t *len)
{
	EVP_PKEY *pk = NULL;
	BIO *b = NULL;
	char *p;
	long n;
	int r = CCAKIT_ERR_CRYPTO;

	(void)arg;
	if ((pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL ||
	    (b = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL) != 1 ||
	    (n = BIO_get_mem_data(b, &p)) <= 0 || n > KEY_PEM_MAX)
		goto out;
	if ((*pem = malloc((size_t)n)) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	memcpy(*pem, p, (size_t)n);
	*len = (size_t)n;
	OPENSSL_cleanse(p, (size_t)n);
	r = CCAKIT_OK;
out:
	BIO_free(b);
	EVP_PKEY_free(pk);
	return r;
}

int
vdb_ear_key(vdb *db, char **pem, size_t *len, struct ccakit_errdetail *d)
{
	uint8_t *v = NULL;
	size_t n = 0;
	int r;

	*pem = NULL;
	if ((r = state_meta_get_or_create(db->st, EAR_KEY_NAME, gen_key, NULL,
	    &v, &n, d)) != CCAKIT_OK)
		return r;
	if (n == 0 || n > KEY_PEM_MAX) {
		ccakit_wipe(v, n);
		free(v);
		return cki_detail(d, CCAKIT_ERR_IO, "database", "the stored "
		    "EAR key has %zu bytes", n);
	}
	/* The state layer puts a NUL after the value. */
	*pem = (char *)v;
	*len = n;
	return CCAKIT_OK;
}

/* --- sessions --- */

/* Move a session from the state layer's form into the protocol's. */
static void
session_move(struct svc_v_session *o, struct state_session *s)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->id, s->id, sizeof(o->id));
	memcpy(o->nonce, s->nonce, s->nonce_len);
	o->nonce_len = s->nonce_len;
	o->created_ms = s->created_ms;
	o->expires_ms = s->expires_ms;
	o->status = (enum svc_v_status)s->status;
	o->media_type = s->media_type;
	o->evidence = s->evidence;
	o->evidence_len = s->evidence_len;
	o->result = s->result;
	s->media_type = NULL;
	s->evidence = NULL;
	s->result = NULL;
	state_session_clear(s);
}

static int
no_session(struct ccakit_errdetail *d)
{
	return cki_detail(d, CCAKIT_ERR_NOT_FOUND, "session", "no such "
	    "session");
}

int
vdb_session_new(vdb *db, const uint8_t *nonce, size_t len,
    unsigned ttl_s, struct svc_v_session *out, struct ccakit_errdetail *d)
{
	struct state_session s;
	bool exists = true;
	int r = CCAKIT_OK, tries;

	if (len < SVC_V_NONCE_MIN || len > SVC_V_NONCE_MAX || ttl_s == 0)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "session", NULL);
	memset(&s, 0, sizeof(s));
	memcpy(s.nonce, nonce, len);
	s.nonce_len = len;
	s.status = STATE_WAITING;
	s.created_ms = db->now_ms(db->clock_arg);
	s.expires_ms = s.created_ms + (int64_t)ttl_s * 1000;
	/* A random UUID collides only with a broken RNG; retry anyway. */
	for (tries = 0; exists && tries < SESSION_TRIES; tries++) {
		if ((r = svc_v_uuid(s.id)) != CCAKIT_OK ||
		    (r = state_session_insert(db->st, &s, &exists, d)) !=
		    CCAKIT_OK)
			break;
	}
	if (r == CCAKIT_OK && exists)
		r = cki_detail(d, CCAKIT_ERR_INTERNAL, "session", "no free "
		    "session id");
	if (r == CCAKIT_OK)
		session_move(out, &s);
	state_session_clear(&s);
	return r;
}

int
vdb_session_get(vdb *db, const char *id, struct svc_v_session *out,
    struct ccakit_errdetail *d)
{
	struct state_session s;
	int r;

	if (!svc_v_uuid_valid(id))
		return no_session(d);
	if ((r = state_session_get(db->st, id, db->now_ms(db->clock_arg), &s,
	    d)) == CCAKIT_OK)
		session_move(out, &s);
	return r;
}

int
vdb_session_claim(vdb *db, const char *id, bool *claimed,
    struct svc_v_session *out, uint8_t claim[VDB_CLAIM_LEN],
    struct ccakit_errdetail *d)
{
	struct state_session s;
	int r;

	if (!svc_v_uuid_valid(id))
		return no_session(d);
	if ((r = state_session_claim(db->st, id, db->now_ms(db->clock_arg),
	    claimed, &s, d)) != CCAKIT_OK)
		return r;
	if (*claimed)
		memcpy(claim, s.claim, VDB_CLAIM_LEN);
	session_move(out, &s);
	return CCAKIT_OK;
}

int
vdb_session_finish(vdb *db, const char *id,
    const uint8_t claim[VDB_CLAIM_LEN], const char *media_type,
    const uint8_t *ev, size_t evlen, const char *result,
    struct ccakit_errdetail *d)
{
	return state_session_finish(db->st, id, claim, media_type,
	    ev != NULL && evlen > 0 ? ev : NULL, evlen, result, d);
}

int
vdb_session_delete(vdb *db, const char *id, struct ccakit_errdetail *d)
{
	if (!svc_v_uuid_valid(id))
		return no_session(d);
	return state_session_delete(db->st, id, d);
}

int
vdb_session_purge(vdb *db, unsigned grace_s, size_t *n,
    struct ccakit_errdetail *d)
{
	return state_session_purge(db->st, db->now_ms(db->clock_arg) -
	    (int64_t)grace_s * 1000, n, d);
}

int
vdb_session_count(vdb *db, size_t *n)
{
	return state_session_count(db->st, n, NULL);
}

/* --- provisioning --- */

/* A change has committed: its stores swap in. */
static int
change_done(vdb *db, struct walk *w, int r, struct ccakit_errdetail *d)
{
	if (r == CCAKIT_OK && w->s != NULL) {
		(void)snap_swap(db, w->s);
		w->s = NULL;
	}
	r = walk_result(w, r, d);
	walk_clear(w);
	return r;
}

int
vdb_prov_add(vdb *db, const struct vdb_batch *b, size_t *added,
    struct ccakit_errdetail *d)
{
	struct state_prov_visitor v;
	struct state_prov_entry *e;
	struct walk w;
	size_t i, k = 0;
	int r;

	if (b->n == 0) {
		*added = 0;
		return CCAKIT_OK;
	}
	if ((e = calloc(b->n, sizeof(*e))) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	for (i = 0; i < b->n; i++) {
		memcpy(e[i].id, b->e[i].id, sizeof(e[i].id));
		e[i].kind = b->e[i].kind;
		e[i].json = b->e[i].json;
	}
	walk_init(&w, &v, true);
	r = state_prov_put(db->st, (enum state_prov_class)b->cls, e, b->n,
	    &v, &k, NULL, d);
	free(e);
	if ((r = change_done(db, &w, r, d)) == CCAKIT_OK)
		*added = k;
	return r;
}

int
vdb_prov_remove(vdb *db, enum vdb_class cls, const char *id,
    struct ccakit_errdetail *d)
{
	struct state_prov_visitor v;
	struct walk w;

	if (id == NULL || strlen(id) != VDB_ENTRY_ID_LEN)
		return cki_detail(d, CCAKIT_ERR_NOT_FOUND, "provisioning",
		    "no such entry");
	walk_init(&w, &v, true);
	return change_done(db, &w, state_prov_delete(db->st,
	    (enum state_prov_class)cls, id, &v, NULL, NULL, d), d);
}

int
vdb_prov_clear(vdb *db, enum vdb_class cls, size_t *n,
    struct ccakit_errdetail *d)
{
	struct state_prov_visitor v;
	struct walk w;

	walk_init(&w, &v, true);
	return change_done(db, &w, state_prov_delete(db->st,
	    (enum state_prov_class)cls, NULL, &v, n, NULL, d), d);
}

int
vdb_prov_list(vdb *db, enum vdb_class cls, char **out,
    struct ccakit_errdetail *d)
{
	struct state_prov_visitor v;
	struct walk w;
	int r;

	*out = NULL;
	walk_init(&w, &v, false);
	if ((r = state_prov_list(db->st, (enum state_prov_class)cls, &v,
	    d)) == CCAKIT_OK && (*out = walk_text(&w, cls)) == NULL)
		r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	r = walk_result(&w, r, d);
	walk_clear(&w);
	return r;
}

int
vdb_prov_get(vdb *db, enum vdb_class cls, const char *id, char **out,
    struct ccakit_errdetail *d)
{
	struct state_prov_visitor v;
	struct walk w;
	struct tbuf *b;
	int r;

	*out = NULL;
	if (id == NULL || strlen(id) != VDB_ENTRY_ID_LEN)
		return cki_detail(d, CCAKIT_ERR_NOT_FOUND, "provisioning",
		    "no such entry");
	walk_init(&w, &v, false);
	if ((r = state_prov_get(db->st, (enum state_prov_class)cls, id, &v,
	    d)) == CCAKIT_OK) {
		/* The one entry, in whichever list its kind put it. */
		b = w.nta > 0 ? &w.ta : w.npl > 0 ? &w.pl : &w.re;
		if (b->p == NULL)
			r = cki_detail(d, CCAKIT_ERR_IO, "provisioning",
			    "no entry read");
		else {
			*out = b->p;
			b->p = NULL;
		}
	}
	r = walk_result(&w, r, d);
	walk_clear(&w);
	return r;
}
