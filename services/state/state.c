/*
 * The state layer above its drivers: the driver is chosen by the name of
 * the database, every argument is checked here once, expiry is decided
 * here from the caller's clock, and the drivers do the storage.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "state_priv.h"
#include "util/util.h"

struct state_db {
	const struct state_ops *ops;
	void *ctx;
	enum state_driver driver;
	unsigned fixed_mode;
	char *where;                    /* for logs, password hidden */
};

/* --- shared helpers --- */

int
state_random(void *buf, size_t n)
{
	return RAND_bytes(buf, (int)n) == 1 ? CCAKIT_OK : CCAKIT_ERR_CRYPTO;
}

uint8_t *
state_dup(const void *p, size_t len)
{
	uint8_t *c;

	if ((c = malloc(len + 1)) == NULL)
		return NULL;
	if (len > 0)
		memcpy(c, p, len);
	c[len] = '\0';
	return c;
}

bool
state_copy_text(char *dst, size_t sz, const char *src, size_t len)
{
	if (src == NULL || len == 0 || len >= sz ||
	    memchr(src, '\0', len) != NULL)
		return false;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return true;
}

unsigned
state_backoff_ms(unsigned attempt)
{
	return attempt >= 7 ? 256u : 2u << attempt;
}

void
state_sleep_ms(unsigned ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int64_t
state_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool
state_session_id_ok(const char *id, size_t len)
{
	size_t i;

	if (id == NULL || len != STATE_SESSION_ID_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'a' && id[i] <= 'f') || id[i] == '-'))
			return false;
	return true;
}

void
state_session_clear(struct state_session *s)
{
	if (s == NULL)
		return;
	free(s->media_type);
	if (s->evidence != NULL) {
		OPENSSL_cleanse(s->evidence, s->evidence_len);
		free(s->evidence);
	}
	free(s->result);
	OPENSSL_cleanse(s, sizeof(*s));
}

int
state_session_fill(struct state_session *s, const char *id,
    const uint8_t *nonce, size_t nonce_len, int64_t created, int64_t expires,
    int64_t status, const char *mt, size_t mtlen, const uint8_t *ev,
    size_t evlen, const char *res, size_t reslen)
{
	memset(s, 0, sizeof(*s));
	if (!state_session_id_ok(id, strlen(id)) || nonce == NULL ||
	    nonce_len < STATE_SNONCE_MIN || nonce_len > STATE_SNONCE_MAX ||
	    status < STATE_WAITING || status > STATE_FAILED ||
	    (mt != NULL && (mtlen > STATE_MEDIA_TYPE_MAX ||
	    memchr(mt, '\0', mtlen) != NULL)) ||
	    (ev != NULL && evlen > STATE_EVIDENCE_MAX) ||
	    (res != NULL && (reslen > STATE_RESULT_MAX ||
	    memchr(res, '\0', reslen) != NULL)))
		return CCAKIT_ERR_IO;
	memcpy(s->id, id, STATE_SESSION_ID_LEN + 1);
	memcpy(s->nonce, nonce, nonce_len);
	s->nonce_len = nonce_len;
	s->created_ms = created;
	s->expires_ms = expires;
	s->status = (enum state_session_status)status;
	if ((mt != NULL && (s->media_type = (char *)state_dup(mt, mtlen)) ==
	    NULL) ||
	    (ev != NULL && evlen > 0 && (s->evidence = state_dup(ev, evlen)) ==
	    NULL) ||
	    (res != NULL && (s->result = (char *)state_dup(res, reslen)) ==
	    NULL)) {
		state_session_clear(s);
		return CCAKIT_ERR_NOMEM;
	}
	if (s->evidence != NULL)
		s->evidence_len = evlen;
	return CCAKIT_OK;
}

void
state_rec_clear(struct state_rec *r)
{
	if (r == NULL)
		return;
	if (r->value != NULL) {
		OPENSSL_cleanse(r->value, r->len);
		free(r->value);
	}
	memset(r, 0, sizeof(*r));
}

/* --- names --- */

bool
state_is_url(const char *where)
{
	return where != NULL && (strncmp(where, "postgres://", 11) == 0 ||
	    strncmp(where, "postgresql://", 13) == 0);
}

/* "scheme://" at the start of s (RFC 3986 scheme characters). */
static bool
has_scheme(const char *s)
{
	size_t i = 0;

	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	while ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
	    (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '-' ||
	    s[i] == '.')
		i++;
	return strncmp(s + i, "://", 3) == 0;
}

/*
 * The URL with the password of its user information and of a
 * "password=" parameter replaced by "***"; malloc'd.
 */
static char *
redact(const char *url)
{
	const char *auth, *end, *at, *colon, *q, *p, *v;
	size_t n = strlen(url);
	char *out, *o;

	/* Each "***" may replace less than three bytes (even none). */
	if ((out = malloc(4 * n + 4)) == NULL)
		return NULL;
	o = out;
	auth = strstr(url, "://") + 3;
	end = auth + strcspn(auth, "/?");
	at = NULL;
	for (p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	colon = NULL;
	if (at != NULL)
		for (p = auth; p < at && colon == NULL; p++)
			if (*p == ':')
				colon = p;
	if (colon != NULL) {
		memcpy(o, url, (size_t)(colon + 1 - url));
		o += colon + 1 - url;
		memcpy(o, "***", 3);
		o += 3;
		p = at;
	} else {
		p = url;
	}
	/* The query: password=... up to the next '&'. */
	q = strchr(end, '?');
	while (*p != '\0') {
		if (q != NULL && p > q && (p[-1] == '?' || p[-1] == '&') &&
		    strncmp(p, "password=", 9) == 0) {
			memcpy(o, "password=***", 12);
			o += 12;
			v = p + 9;
			p = v + strcspn(v, "&");
			continue;
		}
		*o++ = *p++;
	}
	*o = '\0';
	return out;
}

/* --- open / close --- */

int
state_open(const char *where, const struct state_opts *o, state_db **out,
    struct ccakit_errdetail *d)
{
	struct state_opts def;
	state_db *db;
	int r;

	if (out == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	*out = NULL;
	if (where == NULL || where[0] == '\0')
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "database",
		    "no database given");
	memset(&def, 0, sizeof(def));
	if (o != NULL)
		def = *o;
	if (def.pool == 0)
		def.pool = 4;
	if (def.retry_ms == 0)
		def.retry_ms = 5000;
	if (!state_is_url(where) && has_scheme(where))
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "database",
		    "unsupported URL scheme (postgres:// or postgresql://, "
		    "or else a SQLite file path)");
	if ((db = calloc(1, sizeof(*db))) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	if (state_is_url(where)) {
		db->driver = STATE_DRIVER_PG;
		db->where = redact(where);
		r = db->where == NULL ? cki_detail(d, CCAKIT_ERR_NOMEM, NULL,
		    NULL) : state_pg_open(where, &def, &db->ops, &db->ctx, d);
	} else {
		db->driver = STATE_DRIVER_SQLITE;
		db->where = strdup(where);
		r = db->where == NULL ? cki_detail(d, CCAKIT_ERR_NOMEM, NULL,
		    NULL) : state_sqlite_open(where, &def, &db->ops, &db->ctx,
		    &db->fixed_mode, d);
	}
	if (r != CCAKIT_OK) {
		free(db->where);
		free(db);
		return r;
	}
	*out = db;
	return CCAKIT_OK;
}

void
state_close(state_db **dbp)
{
	state_db *db;

	if (dbp == NULL || (db = *dbp) == NULL)
		return;
	db->ops->close(db->ctx);
	free(db->where);
	free(db);
	*dbp = NULL;
}

enum state_driver
state_driver(const state_db *db)
{
	return db->driver;
}

const char *
state_where(const state_db *db)
{
	return db->where;
}

unsigned
state_fixed_mode(const state_db *db)
{
	return db->fixed_mode;
}

int
state_schema_version(state_db *db, int *version, struct ccakit_errdetail *d)
{
	if (db == NULL || version == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	return db->ops->version(db->ctx, version, d);
}

int
state_check(state_db *db, struct ccakit_errdetail *d)
{
	if (db == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	return db->ops->check(db->ctx, d);
}

int
state_housekeep(state_db *db, struct ccakit_errdetail *d)
{
	if (db == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	return db->ops->housekeep(db->ctx, d);
}

#define BADARG(d, what) cki_detail(d, CCAKIT_ERR_INVALID_ARG, what, NULL)

/* --- challenges --- */

/* s is NUL-terminated within sz bytes and not empty. */
static bool
text_in(const char *s, size_t sz)
{
	size_t n = strnlen(s, sz);

	return n > 0 && n < sz;
}

int
state_challenge_insert(state_db *db, const struct state_challenge *c,
    bool *exists, struct ccakit_errdetail *d)
{
	if (db == NULL || c == NULL || exists == NULL || c->id == 0 ||
	    !text_in(c->key, sizeof(c->key)) ||
	    !text_in(c->wrapkey, sizeof(c->wrapkey)))
		return BADARG(d, "challenge");
	*exists = false;
	return db->ops->ch_insert(db->ctx, c, exists, d);
}

int
state_challenge_take(state_db *db, uint32_t id, struct state_challenge *out,
    struct ccakit_errdetail *d)
{
	if (db == NULL || out == NULL)
		return BADARG(d, "challenge");
	if (id == 0)
		return cki_detail(d, CCAKIT_ERR_NOT_FOUND, "challenge",
		    "unknown or already redeemed");
	return db->ops->ch_take(db->ctx, id, out, d);
}

int
state_challenge_purge(state_db *db, int64_t now_s, size_t *n,
    struct ccakit_errdetail *d)
{
	size_t k = 0;
	int r;

	if (db == NULL)
		return BADARG(d, NULL);
	if ((r = db->ops->ch_purge(db->ctx, now_s, &k, d)) == CCAKIT_OK &&
	    n != NULL)
		*n = k;
	return r;
}

int
state_challenge_count(state_db *db, size_t *n, struct ccakit_errdetail *d)
{
	if (db == NULL || n == NULL)
		return BADARG(d, NULL);
	return db->ops->ch_count(db->ctx, n, d);
}

/* --- sessions --- */

static bool
sid_ok(const char *id)
{
	return id != NULL && state_session_id_ok(id,
	    strnlen(id, STATE_SESSION_ID_LEN + 1));
}

static int
no_session(struct ccakit_errdetail *d)
{
	return cki_detail(d, CCAKIT_ERR_NOT_FOUND, "session", "no such "
	    "session");
}

int
state_session_insert(state_db *db, const struct state_session *s,
    bool *exists, struct ccakit_errdetail *d)
{
	if (db == NULL || s == NULL || exists == NULL || !sid_ok(s->id) ||
	    s->nonce_len < STATE_SNONCE_MIN || s->nonce_len > STATE_SNONCE_MAX)
		return BADARG(d, "session");
	*exists = false;
	return db->ops->s_insert(db->ctx, s, exists, d);
}

int
state_session_get(state_db *db, const char *id, int64_t now_ms,
    struct state_session *out, struct ccakit_errdetail *d)
{
	struct state_session s;
	int r;

	if (db == NULL || out == NULL)
		return BADARG(d, "session");
	if (!sid_ok(id))
		return no_session(d);
	if ((r = db->ops->s_get(db->ctx, id, &s, d)) != CCAKIT_OK)
		return r;
	if (s.expires_ms <= now_ms) {
		state_session_clear(&s);
		return cki_detail(d, CCAKIT_ERR_EXPIRED, "session", "expired");
	}
	*out = s;
	return CCAKIT_OK;
}

int
state_session_claim(state_db *db, const char *id, int64_t now_ms,
    bool *claimed, struct state_session *out, struct ccakit_errdetail *d)
{
	struct state_session s;
	uint8_t tok[STATE_CLAIM_LEN];
	bool mine = false;
	int r;

	if (db == NULL || claimed == NULL || out == NULL)
		return BADARG(d, "session");
	if (!sid_ok(id))
		return no_session(d);
	if (state_random(tok, sizeof(tok)) != CCAKIT_OK)
		return cki_detail(d, CCAKIT_ERR_CRYPTO, "session", "no random "
		    "bytes");
	if ((r = db->ops->s_claim(db->ctx, id, now_ms, tok, &mine, &s, d)) !=
	    CCAKIT_OK)
		return r;
	if (!mine && s.expires_ms <= now_ms) {
		state_session_clear(&s);
		return cki_detail(d, CCAKIT_ERR_EXPIRED, "session", "expired");
	}
	if (mine)
		memcpy(s.claim, tok, sizeof(tok));
	*claimed = mine;
	*out = s;
	return CCAKIT_OK;
}

int
state_session_finish(state_db *db, const char *id,
    const uint8_t claim[STATE_CLAIM_LEN], const char *media_type,
    const uint8_t *ev, size_t evlen, const char *result,
    struct ccakit_errdetail *d)
{
	if (db == NULL || claim == NULL || (ev == NULL && evlen > 0))
		return BADARG(d, "session");
	if (evlen > STATE_EVIDENCE_MAX)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "session",
		    "evidence over %d bytes", STATE_EVIDENCE_MAX);
	if ((media_type != NULL && strnlen(media_type,
	    STATE_MEDIA_TYPE_MAX + 1) > STATE_MEDIA_TYPE_MAX) ||
	    (result != NULL && strnlen(result, STATE_RESULT_MAX + 1) >
	    STATE_RESULT_MAX))
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "session",
		    "media type or result too long");
	if (!sid_ok(id))
		return no_session(d);
	return db->ops->s_finish(db->ctx, id, claim, result != NULL ?
	    STATE_COMPLETE : STATE_FAILED, media_type, ev, evlen, result, d);
}

int
state_session_delete(state_db *db, const char *id,
    struct ccakit_errdetail *d)
{
	if (db == NULL)
		return BADARG(d, "session");
	if (!sid_ok(id))
		return no_session(d);
	return db->ops->s_delete(db->ctx, id, d);
}

int
state_session_purge(state_db *db, int64_t before_ms, size_t *n,
    struct ccakit_errdetail *d)
{
	size_t k = 0;
	int r;

	if (db == NULL)
		return BADARG(d, NULL);
	if ((r = db->ops->s_purge(db->ctx, before_ms, &k, d)) == CCAKIT_OK &&
	    n != NULL)
		*n = k;
	return r;
}

int
state_session_count(state_db *db, size_t *n, struct ccakit_errdetail *d)
{
	if (db == NULL || n == NULL)
		return BADARG(d, NULL);
	return db->ops->s_count(db->ctx, n, d);
}

/* --- provisioning --- */

static bool
prov_id_ok(const char *id)
{
	size_t i;

	if (id == NULL)
		return false;
	for (i = 0; i < STATE_PROV_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return id[i] == '\0';
}

static bool
cls_ok(enum state_prov_class cls)
{
	return cls == STATE_PROV_TA || cls == STATE_PROV_RV;
}

int
state_prov_generation(state_db *db, uint64_t *gen, struct ccakit_errdetail *d)
{
	if (db == NULL || gen == NULL)
		return BADARG(d, NULL);
	return db->ops->p_gen(db->ctx, gen, d);
}

int
state_prov_scan(state_db *db, const struct state_prov_visitor *v,
    struct ccakit_errdetail *d)
{
	if (db == NULL || v == NULL)
		return BADARG(d, NULL);
	return db->ops->p_read(db->ctx, 0, NULL, v, d);
}

int
state_prov_list(state_db *db, enum state_prov_class cls,
    const struct state_prov_visitor *v, struct ccakit_errdetail *d)
{
	if (db == NULL || v == NULL || !cls_ok(cls))
		return BADARG(d, "provisioning");
	return db->ops->p_read(db->ctx, cls, NULL, v, d);
}

int
state_prov_get(state_db *db, enum state_prov_class cls, const char *id,
    const struct state_prov_visitor *v, struct ccakit_errdetail *d)
{
	if (db == NULL || v == NULL || !cls_ok(cls))
		return BADARG(d, "provisioning");
	if (!prov_id_ok(id))
		return cki_detail(d, CCAKIT_ERR_NOT_FOUND, "provisioning",
		    "no such entry");
	return db->ops->p_read(db->ctx, cls, id, v, d);
}

int
state_prov_put(state_db *db, enum state_prov_class cls,
    const struct state_prov_entry *e, size_t n,
    const struct state_prov_visitor *v, size_t *added, uint64_t *gen,
    struct ccakit_errdetail *d)
{
	struct state_pchange ch;
	uint64_t g = 0;
	size_t i, k = 0;
	int r;

	if (db == NULL || !cls_ok(cls) || (e == NULL && n > 0))
		return BADARG(d, "provisioning");
	for (i = 0; i < n; i++) {
		if (!prov_id_ok(e[i].id) || e[i].json == NULL ||
		    e[i].json[0] != '{' ||
		    (cls == STATE_PROV_TA ? e[i].kind != 't' :
		    e[i].kind != 'p' && e[i].kind != 'r'))
			return cki_detail(d, CCAKIT_ERR_INVALID_ARG,
			    "provisioning", "entry %zu: bad id, kind or JSON",
			    i);
		if (strnlen(e[i].json, STATE_PROV_JSON_MAX + 1) >
		    STATE_PROV_JSON_MAX)
			return cki_detail(d, CCAKIT_ERR_TOO_LARGE,
			    "provisioning", "entry %zu: over %d bytes", i,
			    STATE_PROV_JSON_MAX);
	}
	memset(&ch, 0, sizeof(ch));
	ch.cls = cls;
	ch.e = e;
	ch.n = n;
	if ((r = db->ops->p_change(db->ctx, &ch, v, &k, &g, d)) != CCAKIT_OK)
		return r;
	if (added != NULL)
		*added = k;
	if (gen != NULL)
		*gen = g;
	return CCAKIT_OK;
}

int
state_prov_delete(state_db *db, enum state_prov_class cls, const char *id,
    const struct state_prov_visitor *v, size_t *n, uint64_t *gen,
    struct ccakit_errdetail *d)
{
	struct state_pchange ch;
	uint64_t g = 0;
	size_t k = 0;
	int r;

	if (db == NULL || !cls_ok(cls))
		return BADARG(d, "provisioning");
	if (id != NULL && !prov_id_ok(id))
		return cki_detail(d, CCAKIT_ERR_NOT_FOUND, "provisioning",
		    "no such entry");
	memset(&ch, 0, sizeof(ch));
	ch.del = true;
	ch.cls = cls;
	ch.id = id;
	if ((r = db->ops->p_change(db->ctx, &ch, v, &k, &g, d)) != CCAKIT_OK)
		return r;
	if (n != NULL)
		*n = k;
	if (gen != NULL)
		*gen = g;
	return CCAKIT_OK;
}

/* --- meta --- */

static bool
meta_name_ok(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0')
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= STATE_META_NAME_MAX)
			return false;
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '_' || s[i] == '-'))
			return false;
	}
	return true;
}

int
state_meta_get(state_db *db, const char *name, uint8_t **val, size_t *len,
    struct ccakit_errdetail *d)
{
	if (db == NULL || val == NULL || len == NULL || !meta_name_ok(name))
		return BADARG(d, "meta");
	return db->ops->m_get(db->ctx, name, val, len, d);
}

int
state_meta_add(state_db *db, const char *name, const void *val, size_t len,
    bool *added, struct ccakit_errdetail *d)
{
	bool a = false;
	int r;

	if (db == NULL || val == NULL || len == 0 || !meta_name_ok(name))
		return BADARG(d, "meta");
	if (len > STATE_META_VALUE_MAX)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "meta",
		    "value over %d bytes", STATE_META_VALUE_MAX);
	if ((r = db->ops->m_add(db->ctx, name, val, len, &a, d)) ==
	    CCAKIT_OK && added != NULL)
		*added = a;
	return r;
}

int
state_meta_get_or_create(state_db *db, const char *name,
    int (*make)(void *arg, uint8_t **v, size_t *vlen), void *arg,
    uint8_t **val, size_t *len, struct ccakit_errdetail *d)
{
	uint8_t *fresh = NULL;
	size_t flen = 0;
	int r;

	if (make == NULL)
		return BADARG(d, "meta");
	if ((r = state_meta_get(db, name, val, len, d)) !=
	    CCAKIT_ERR_NOT_FOUND)
		return r;
	if ((r = make(arg, &fresh, &flen)) != CCAKIT_OK)
		return cki_detail(d, r, "meta", "cannot make a value for %s",
		    name);
	/* Another process may have stored one meanwhile: the first stays,
	 * and every process reads that one back. */
	if ((r = state_meta_add(db, name, fresh, flen, NULL, d)) == CCAKIT_OK)
		r = state_meta_get(db, name, val, len, d);
	if (fresh != NULL) {
		OPENSSL_cleanse(fresh, flen);
		free(fresh);
	}
	return r;
}

/* --- records --- */

static bool
ns_ok(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0')
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= STATE_NS_MAX)
			return false;
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == '-'))
			return false;
	}
	return true;
}

static bool
key_ok(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0')
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= STATE_KEY_MAX || s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

static int
rec_args(state_db *db, const char *ns, const char *key, const void *val,
    size_t len, struct ccakit_errdetail *d)
{
	if (db == NULL || !ns_ok(ns))
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "record",
		    "bad namespace");
	if (!key_ok(key))
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "record",
		    "bad key");
	if (len > STATE_VALUE_MAX)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "record",
		    "value over %d bytes", STATE_VALUE_MAX);
	(void)val;
	return CCAKIT_OK;
}

int
state_rec_put(state_db *db, const char *ns, const char *key,
    const void *val, size_t len, int64_t expires_ms, enum state_put_mode mode,
    int64_t now_ms, bool *created, uint64_t *version,
    struct ccakit_errdetail *d)
{
	uint64_t v = 0;
	bool c = false;
	int r;

	if ((r = rec_args(db, ns, key, val, len, d)) != CCAKIT_OK)
		return r;
	if ((val == NULL && len > 0) || expires_ms < 0 ||
	    (mode != STATE_PUT_REPLACE && mode != STATE_PUT_CREATE))
		return BADARG(d, "record");
	if ((r = db->ops->r_put(db->ctx, ns, key, val != NULL ? val : "", len,
	    expires_ms, mode, now_ms, &c, &v, d)) != CCAKIT_OK)
		return r;
	if (created != NULL)
		*created = c;
	if (version != NULL)
		*version = v;
	return CCAKIT_OK;
}

int
state_rec_get(state_db *db, const char *ns, const char *key, int64_t now_ms,
    struct state_rec *out, struct ccakit_errdetail *d)
{
	struct state_rec rec;
	int r;

	if ((r = rec_args(db, ns, key, NULL, 0, d)) != CCAKIT_OK)
		return r;
	if (out == NULL)
		return BADARG(d, "record");
	if ((r = db->ops->r_get(db->ctx, ns, key, &rec, d)) != CCAKIT_OK)
		return r;
	if (rec.expires_ms != 0 && rec.expires_ms <= now_ms) {
		state_rec_clear(&rec);
		return cki_detail(d, CCAKIT_ERR_EXPIRED, "record", "expired");
	}
	*out = rec;
	return CCAKIT_OK;
}

int
state_rec_update(state_db *db, const char *ns, const char *key,
    uint64_t expect, const void *val, size_t len, int64_t expires_ms,
    int64_t now_ms, bool *updated, struct ccakit_errdetail *d)
{
	int r;

	if ((r = rec_args(db, ns, key, val, len, d)) != CCAKIT_OK)
		return r;
	if (updated == NULL || (val == NULL && len > 0) || expires_ms < 0 ||
	    expect == 0 || expect >= (uint64_t)INT64_MAX)
		return BADARG(d, "record");
	*updated = false;
	return db->ops->r_update(db->ctx, ns, key, expect, val != NULL ? val :
	    "", len, expires_ms, now_ms, updated, d);
}

int
state_rec_take(state_db *db, const char *ns, const char *key, int64_t now_ms,
    struct state_rec *out, struct ccakit_errdetail *d)
{
	int r;

	if ((r = rec_args(db, ns, key, NULL, 0, d)) != CCAKIT_OK)
		return r;
	if (out == NULL)
		return BADARG(d, "record");
	return db->ops->r_take(db->ctx, ns, key, now_ms, out, d);
}

int
state_rec_delete(state_db *db, const char *ns, const char *key,
    struct ccakit_errdetail *d)
{
	int r;

	if ((r = rec_args(db, ns, key, NULL, 0, d)) != CCAKIT_OK)
		return r;
	return db->ops->r_delete(db->ctx, ns, key, d);
}

int
state_rec_list(state_db *db, const char *ns, const char *prefix,
    int64_t now_ms, int (*fn)(void *arg, const char *key, int64_t expires_ms,
    uint64_t version), void *arg, struct ccakit_errdetail *d)
{
	if (db == NULL || !ns_ok(ns) || fn == NULL ||
	    (prefix != NULL && prefix[0] != '\0' && !key_ok(prefix)))
		return BADARG(d, "record");
	return db->ops->r_list(db->ctx, ns, prefix != NULL ? prefix : "",
	    now_ms, fn, arg, d);
}

int
state_rec_purge(state_db *db, const char *ns, int64_t now_ms, size_t *n,
    struct ccakit_errdetail *d)
{
	size_t k = 0;
	int r;

	if (db == NULL || (ns != NULL && !ns_ok(ns)))
		return BADARG(d, "record");
	if ((r = db->ops->r_purge(db->ctx, ns, now_ms, &k, d)) == CCAKIT_OK &&
	    n != NULL)
		*n = k;
	return r;
}

int
state_rec_count(state_db *db, const char *ns, size_t *n,
    struct ccakit_errdetail *d)
{
	if (db == NULL || n == NULL || !ns_ok(ns))
		return BADARG(d, "record");
	return db->ops->r_count(db->ctx, ns, n, d);
}

/* One part of a resource path: [A-Za-z0-9_-][A-Za-z0-9_.-]*. */
static size_t
res_part(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '.' || s[0] == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == '-' || s[i] == '.'))
			return 0;
	return i;
}

int
state_kbs_resource_key(const char *repo, const char *type, const char *tag,
    char *out, size_t outsz)
{
	size_t a = res_part(repo), b = res_part(type), c = res_part(tag);

	if (a == 0 || b == 0 || c == 0 || out == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if (a + b + c + 2 > STATE_KEY_MAX)
		return CCAKIT_ERR_INVALID_ARG;
	if (a + b + c + 3 > outsz)
		return CCAKIT_ERR_BUFFER_TOO_SMALL;
	memcpy(out, repo, a);
	out[a] = '/';
	memcpy(out + a + 1, type, b);
	out[a + 1 + b] = '/';
	memcpy(out + a + b + 2, tag, c + 1);
	return CCAKIT_OK;
}
