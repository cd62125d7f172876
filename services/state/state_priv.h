/*
 * Inside the state layer: the driver interface. state.c checks every
 * argument, then calls the driver; a driver may rely on what the
 * comments here say was checked, and checks again what it reads back.
 */
#ifndef SVC_STATE_PRIV_H
#define SVC_STATE_PRIV_H

#include "state.h"

typedef struct ccakit_errdetail errd;

/* A provisioning change (state_prov_put, state_prov_delete). */
struct state_pchange {
	bool del;
	enum state_prov_class cls;
	const struct state_prov_entry *e;       /* put: n entries */
	size_t n;
	const char *id;                         /* delete: one, or NULL: all */
};

struct state_ops {
	void (*close)(void *ctx);
	int (*version)(void *ctx, int *v, errd *d);
	int (*check)(void *ctx, errd *d);
	int (*housekeep)(void *ctx, errd *d);

	/* Challenges: c valid; id nonzero. */
	int (*ch_insert)(void *ctx, const struct state_challenge *c,
	    bool *exists, errd *d);
	int (*ch_take)(void *ctx, uint32_t id, struct state_challenge *out,
	    errd *d);
	int (*ch_purge)(void *ctx, int64_t now_s, size_t *n, errd *d);
	int (*ch_count)(void *ctx, size_t *n, errd *d);

	/* Sessions: ids are 36 characters of [0-9a-f-]. get returns the
	 * row whatever its expiry; claim updates a waiting, unexpired one
	 * with the token, else (*claimed false) returns the row as get. */
	int (*s_insert)(void *ctx, const struct state_session *s,
	    bool *exists, errd *d);
	int (*s_get)(void *ctx, const char *id, struct state_session *out,
	    errd *d);
	int (*s_claim)(void *ctx, const char *id, int64_t now_ms,
	    const uint8_t claim[STATE_CLAIM_LEN], bool *claimed,
	    struct state_session *out, errd *d);
	int (*s_finish)(void *ctx, const char *id,
	    const uint8_t claim[STATE_CLAIM_LEN], int status,
	    const char *media_type, const uint8_t *ev, size_t evlen,
	    const char *result, errd *d);
	int (*s_delete)(void *ctx, const char *id, errd *d);
	int (*s_purge)(void *ctx, int64_t before_ms, size_t *n, errd *d);
	int (*s_count)(void *ctx, size_t *n, errd *d);

	/* Provisioning: cls 0 is both classes; id NULL is every entry. */
	int (*p_gen)(void *ctx, uint64_t *gen, errd *d);
	int (*p_read)(void *ctx, enum state_prov_class cls, const char *id,
	    const struct state_prov_visitor *v, errd *d);
	int (*p_change)(void *ctx, const struct state_pchange *ch,
	    const struct state_prov_visitor *v, size_t *count, uint64_t *gen,
	    errd *d);

	/* Meta values. */
	int (*m_get)(void *ctx, const char *name, uint8_t **val, size_t *len,
	    errd *d);
	int (*m_add)(void *ctx, const char *name, const void *val, size_t len,
	    bool *added, errd *d);

	/* Records: ns and key valid; val non-NULL (len may be 0). get
	 * returns the row whatever its expiry. update: expires_ms 0 keeps
	 * the expiry. take: live only; else NOT_FOUND or EXPIRED. */
	int (*r_put)(void *ctx, const char *ns, const char *key,
	    const void *val, size_t len, int64_t expires_ms,
	    enum state_put_mode mode, int64_t now_ms, bool *created,
	    uint64_t *version, errd *d);
	int (*r_get)(void *ctx, const char *ns, const char *key,
	    struct state_rec *out, errd *d);
	int (*r_update)(void *ctx, const char *ns, const char *key,
	    uint64_t expect, const void *val, size_t len, int64_t expires_ms,
	    int64_t now_ms, bool *updated, errd *d);
	int (*r_take)(void *ctx, const char *ns, const char *key,
	    int64_t now_ms, struct state_rec *out, errd *d);
	int (*r_delete)(void *ctx, const char *ns, const char *key, errd *d);
	int (*r_list)(void *ctx, const char *ns, const char *prefix,
	    int64_t now_ms, int (*fn)(void *, const char *, int64_t,
	    uint64_t), void *arg, errd *d);
	int (*r_purge)(void *ctx, const char *ns, int64_t now_ms, size_t *n,
	    errd *d);
	int (*r_count)(void *ctx, const char *ns, size_t *n, errd *d);
};

/* Drivers: fill *ops and *ctx. */
int state_sqlite_open(const char *path, const struct state_opts *o,
    const struct state_ops **ops, void **ctx, unsigned *fixed_mode,
    errd *d);
int state_pg_open(const char *url, const struct state_opts *o,
    const struct state_ops **ops, void **ctx, errd *d);

/*
 * Tests only: create or migrate the schema to version `upto` (not to the
 * latest), so that a test can build each historical version and then
 * open it with state_open, which migrates the rest of the way.
 */
int state_sqlite_migrate_to(const char *path, int upto, errd *d);
int state_pg_migrate_to(const char *url, int upto, errd *d);
/*
 * Tests only: from now on, in this process, one reply in n (at random)
 * from PostgreSQL is lost after the server did the work (0: none), as
 * when a connection breaks between a commit and its answer.
 */
void state_pg_test_lose(unsigned every);

/* Shared by the drivers. */

/* Random bytes (OpenSSL's generator); CCAKIT_ERR_CRYPTO. */
int state_random(void *buf, size_t n);
/* A session id from a row: exactly 36 bytes of [0-9a-f-]. */
bool state_session_id_ok(const char *id, size_t len);
/* Fill a session from row values (views); copies what it keeps, checks
 * every size. CCAKIT_ERR_IO for a row this layer did not write. */
int state_session_fill(struct state_session *s, const char *id,
    const uint8_t *nonce, size_t nonce_len, int64_t created, int64_t expires,
    int64_t status, const char *mt, size_t mtlen, const uint8_t *ev,
    size_t evlen, const char *res, size_t reslen);
/* Copy a challenge row's text into a fixed buffer (1..sz-1 bytes, no
 * NUL inside). */
bool state_copy_text(char *dst, size_t sz, const char *src, size_t len);
/* A malloc'd copy of len bytes with a NUL after them. */
uint8_t *state_dup(const void *p, size_t len);
/* Milliseconds slept between retries: 2, 4, 8, ... 256. */
unsigned state_backoff_ms(unsigned attempt);
void state_sleep_ms(unsigned ms);
/* CLOCK_MONOTONIC milliseconds. */
int64_t state_mono_ms(void);

#endif
