/*
 * The services' state: one interface, two drivers (docs/state.md).
 *
 *  - SQLite (the default): a file, created owner-only, WAL, watched for
 *    deletion; or ":memory:". Zero set-up, one machine.
 *  - PostgreSQL (libpq): a "postgres://" or "postgresql://" URL. Any
 *    number of processes (replicas) on one database behave as one
 *    service: what one writes, the others read at once, and every
 *    single-use operation (a challenge taken, a session claimed, a record
 *    taken or updated at a version) succeeds exactly once across them.
 *
 * What is kept: the key broker's challenges, the verifier's sessions,
 * provisioned entries (trust anchors, reference values) and its signing
 * key ("meta" values), and keyed records in namespaces with expiry,
 * versions and single-use take for the Trustee KBS (RCAR sessions,
 * resources, policies, reference values).
 *
 * Every operation is one statement and one round trip where it can be
 * (a provisioning change is one transaction), on statements prepared once
 * per connection. Times are the caller's (Unix seconds for challenges,
 * milliseconds elsewhere), so that tests can move the clock; replicas
 * need synchronised clocks (NTP), as any service with expiry does.
 *
 * Handles are thread-safe. Every call returns CCAKIT_OK or a ccakit_err
 * code and fills the optional detail d (what and why) on failure; outputs
 * are written only on success. Codes a caller acts on:
 *   CCAKIT_ERR_NOT_FOUND       no such item (unknown, used, purged)
 *   CCAKIT_ERR_EXPIRED         there, but past its expiry
 *   CCAKIT_ERR_DB_GONE         SQLite: the file was deleted or replaced
 *                              under the open handle (for good: restart)
 *   CCAKIT_ERR_DB_UNAVAILABLE  PostgreSQL unreachable, or SQLite locked,
 *                              for longer than the retry budget (503,
 *                              Retry-After: it may come back)
 *   CCAKIT_ERR_INVALID_ARG     a malformed argument (name, id, size)
 *   CCAKIT_ERR_IO              any other database error (500)
 */
#ifndef SVC_STATE_H
#define SVC_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/err.h>

typedef struct state_db state_db;

enum state_driver {
	STATE_DRIVER_SQLITE = 1,
	STATE_DRIVER_PG = 2,
};

/* The schema this build creates and migrates to (docs/state.md). */
#define STATE_SCHEMA_VERSION 2

/* The database holds a secret (the verifier's signing key, the KBS's
 * resources): SQLite files that group or others may access are made 0600
 * (state_fixed_mode tells), or the open fails. */
#define STATE_SECRET 0x1u

struct state_opts {
	unsigned flags;                 /* STATE_SECRET */
	/*
	 * PostgreSQL connections, opened as needed: the worker threads
	 * that use the handle at once, plus one for housekeeping. A call
	 * that finds them all busy waits for one. 0: 4. SQLite has one
	 * connection per handle (its writers serialise anyway).
	 */
	unsigned pool;
	/*
	 * How long one call keeps retrying a lost PostgreSQL connection
	 * (reconnecting), a serialisation failure or a deadlock, and how
	 * long a SQLite call waits for another process's lock. 0: 5000.
	 */
	unsigned retry_ms;
};

/* Whether `where` names PostgreSQL ("postgres://", "postgresql://"). */
bool state_is_url(const char *where);

/*
 * Open the state at `where`: a PostgreSQL URL (libpq's URI syntax, e.g.
 * postgresql://user@host:5432/db?sslmode=verify-full), ":memory:", or
 * else a SQLite file path, created if missing (mode 0600). Any other
 * "scheme://" is refused. The schema is created or migrated to
 * STATE_SCHEMA_VERSION before this returns (PostgreSQL: under an advisory
 * lock, so that replicas starting together migrate once); a database
 * whose schema is newer than this build's is refused. o may be NULL.
 */
int state_open(const char *where, const struct state_opts *o,
    state_db **out, struct ccakit_errdetail *d);
/* Close; accepts NULL, sets *dbp to NULL. No call may be in flight. */
void state_close(state_db **dbp);

enum state_driver state_driver(const state_db *db);
/* For logs: the path, or the URL with any password replaced by "***". */
const char *state_where(const state_db *db);
/* SQLite with STATE_SECRET: the mode found and changed to 0600, or 0. */
unsigned state_fixed_mode(const state_db *db);
/* The schema version of the database now. */
int state_schema_version(state_db *db, int *version,
    struct ccakit_errdetail *d);

/*
 * Whether the storage is still the one opened. SQLite: CCAKIT_ERR_DB_GONE
 * with the reason ("the file was deleted", "its -wal file was replaced by
 * another file") once the file, its -wal or its -shm was deleted or
 * replaced since the open; from then on every call that writes fails with
 * that code before writing (reads go on). A stat() of the file (the -wal
 * and -shm at most once a second). PostgreSQL and ":memory:": CCAKIT_OK
 * (a lost connection is retried by each call, not latched).
 */
int state_check(state_db *db, struct ccakit_errdetail *d);
/*
 * Periodic work off the request path: SQLite copies the write-ahead log
 * into the database (a passive checkpoint on a connection of its own;
 * request calls do not checkpoint until the log passes about 40 MB).
 * Call it every few seconds. PostgreSQL: nothing.
 */
int state_housekeep(state_db *db, struct ccakit_errdetail *d);

/* --- challenges (the key broker) --- */

#define STATE_NONCE_LEN       64        /* a challenge's nonce */
#define STATE_NAME_MAX        128       /* key name, without NUL */
#define STATE_WRAPKEY_MAX     4096      /* wrapping-key JWK text */

struct state_challenge {
	uint32_t id;                    /* nonzero */
	uint8_t nonce[STATE_NONCE_LEN];
	char key[STATE_NAME_MAX + 1];   /* NUL-terminated, non-empty */
	char wrapkey[STATE_WRAPKEY_MAX + 1];
	int64_t created;                /* Unix seconds */
	int64_t expires;
};

/*
 * Store c unless a challenge with c->id exists: then *exists is set and
 * nothing is stored (the caller draws another id).
 */
int state_challenge_insert(state_db *db, const struct state_challenge *c,
    bool *exists, struct ccakit_errdetail *d);
/*
 * Take the challenge: it is gone for every later take, on every replica,
 * and *out gets it, expired or not (the caller tells the client which).
 * Of concurrent takes of one id exactly one succeeds; the others, and
 * takes of an unknown id, get CCAKIT_ERR_NOT_FOUND.
 */
int state_challenge_take(state_db *db, uint32_t id,
    struct state_challenge *out, struct ccakit_errdetail *d);
/* Remove challenges with expires <= now_s (PostgreSQL keeps taken ones,
 * invisible, until then); *n: how many untaken ones went. n may be
 * NULL. */
int state_challenge_purge(state_db *db, int64_t now_s, size_t *n,
    struct ccakit_errdetail *d);
/* Challenges not yet taken, expired ones included until purged. */
int state_challenge_count(state_db *db, size_t *n,
    struct ccakit_errdetail *d);

/* --- sessions (the verifier) --- */

#define STATE_SESSION_ID_LEN  36        /* a UUID's text */
#define STATE_SNONCE_MIN      8         /* a session nonce, bytes */
#define STATE_SNONCE_MAX      64
#define STATE_EVIDENCE_MAX    (64 * 1024)
#define STATE_MEDIA_TYPE_MAX  255
#define STATE_RESULT_MAX      (1024 * 1024)
#define STATE_CLAIM_LEN       16

enum state_session_status {
	STATE_WAITING = 0,
	STATE_PROCESSING = 1,
	STATE_COMPLETE = 2,
	STATE_FAILED = 3,
};

struct state_session {
	char id[STATE_SESSION_ID_LEN + 1];
	uint8_t nonce[STATE_SNONCE_MAX];
	size_t nonce_len;
	int64_t created_ms;             /* Unix milliseconds */
	int64_t expires_ms;
	enum state_session_status status;
	char *media_type;               /* NULL until finished */
	uint8_t *evidence;
	size_t evidence_len;
	char *result;                   /* NULL unless complete */
	/* Set by state_session_claim for the caller that claimed it; what
	 * state_session_finish needs. Meaningless otherwise. */
	uint8_t claim[STATE_CLAIM_LEN];
};
/* Free what a session holds (media type, evidence, result), wipe it. */
void state_session_clear(struct state_session *s);

/*
 * A new waiting session: s->id (36 characters, a UUID), nonce, created and
 * expires; the rest is ignored. *exists when the id is taken already.
 */
int state_session_insert(state_db *db, const struct state_session *s,
    bool *exists, struct ccakit_errdetail *d);
/* CCAKIT_ERR_NOT_FOUND, or CCAKIT_ERR_EXPIRED when expires_ms <= now_ms. */
int state_session_get(state_db *db, const char *id, int64_t now_ms,
    struct state_session *out, struct ccakit_errdetail *d);
/*
 * Claim a waiting, unexpired session for its evidence (waiting ->
 * processing), once across every replica: *claimed says whether this call
 * did it, and *out is the session as stored after the call (with
 * out->claim for state_session_finish when claimed). NOT_FOUND / EXPIRED
 * as for get.
 */
int state_session_claim(state_db *db, const char *id, int64_t now_ms,
    bool *claimed, struct state_session *out, struct ccakit_errdetail *d);
/*
 * processing -> complete (result not NULL) or failed (result NULL), with
 * the evidence and its media type (either may be NULL), by the holder of
 * the claim. CCAKIT_ERR_NOT_FOUND when the session is gone or the claim
 * is not this one.
 */
int state_session_finish(state_db *db, const char *id,
    const uint8_t claim[STATE_CLAIM_LEN], const char *media_type,
    const uint8_t *ev, size_t evlen, const char *result,
    struct ccakit_errdetail *d);
/* CCAKIT_ERR_NOT_FOUND when there was none. */
int state_session_delete(state_db *db, const char *id,
    struct ccakit_errdetail *d);
/* Remove sessions with expires_ms <= before_ms; n may be NULL. */
int state_session_purge(state_db *db, int64_t before_ms, size_t *n,
    struct ccakit_errdetail *d);
int state_session_count(state_db *db, size_t *n, struct ccakit_errdetail *d);

/* --- provisioned entries (the verifier) --- */

enum state_prov_class {
	STATE_PROV_TA = 1,              /* trust anchors */
	STATE_PROV_RV = 2,              /* reference values */
};

#define STATE_PROV_ID_LEN     32        /* lower-case hex */
#define STATE_PROV_JSON_MAX   (4 * 1024 * 1024)

/* An entry to provision: kind 't' (trust anchor, class TA), 'p'
 * (platform) or 'r' (realm) reference value (class RV); json, a JSON
 * object, NUL-terminated. */
struct state_prov_entry {
	char id[STATE_PROV_ID_LEN + 1];
	char kind;
	const char *json;
};

/* A stored entry, as visitors see it: views valid during the call. */
struct state_prov_row {
	const char *id;
	enum state_prov_class cls;
	char kind;
	const char *json;               /* NUL-terminated */
	size_t json_len;
};

/*
 * What reads every entry (to build the verifier's stores): begin, then
 * row for each entry in provisioning order, then end with the generation
 * those entries are. Any may be NULL; a nonzero return stops the walk and
 * is returned. Inside a change (put, delete) the walk sees the change
 * applied, and end's refusal rolls it back: the stores are built, and
 * checked, from exactly what will commit. A change retried after a lost
 * connection walks again, from begin. A visitor must not call this layer
 * on the same handle (SQLite holds the handle's lock meanwhile).
 */
struct state_prov_visitor {
	int (*begin)(void *arg);
	int (*row)(void *arg, const struct state_prov_row *r);
	int (*end)(void *arg, uint64_t generation);
	void *arg;
};

/*
 * The generation: a counter that every provisioning change raises, in
 * the database, so that every replica sees a change there (poll it, say
 * twice a second, and rebuild what is built from the entries when it
 * moved). One round trip.
 */
int state_prov_generation(state_db *db, uint64_t *gen,
    struct ccakit_errdetail *d);
/* Every entry, both classes, and the generation, from one snapshot. */
int state_prov_scan(state_db *db, const struct state_prov_visitor *v,
    struct ccakit_errdetail *d);
/* The entries of one class (v->end gets the generation, too). */
int state_prov_list(state_db *db, enum state_prov_class cls,
    const struct state_prov_visitor *v, struct ccakit_errdetail *d);
/* One entry to v->row; CCAKIT_ERR_NOT_FOUND. */
int state_prov_get(state_db *db, enum state_prov_class cls, const char *id,
    const struct state_prov_visitor *v, struct ccakit_errdetail *d);
/*
 * Add or replace n entries of a class, in one transaction that raises the
 * generation (serialised across replicas) and, when v is not NULL, walks
 * every entry before it commits. *added (may be NULL) counts the entries
 * that were not there; *gen (may be NULL) gets the new generation.
 */
int state_prov_put(state_db *db, enum state_prov_class cls,
    const struct state_prov_entry *e, size_t n,
    const struct state_prov_visitor *v, size_t *added, uint64_t *gen,
    struct ccakit_errdetail *d);
/*
 * Delete one entry of a class (CCAKIT_ERR_NOT_FOUND when there is none,
 * and nothing changes), or all of them (id NULL); *n (may be NULL) counts
 * them. Walks and commits as put does.
 */
int state_prov_delete(state_db *db, enum state_prov_class cls,
    const char *id, const struct state_prov_visitor *v, size_t *n,
    uint64_t *gen, struct ccakit_errdetail *d);

/* --- meta: named values (the verifier's signing key) --- */

#define STATE_META_NAME_MAX   64        /* [a-z0-9._-] */
#define STATE_META_VALUE_MAX  (64 * 1024)

/* malloc'd copy in *val with a NUL after it (not counted in *len): wipe
 * and free it. CCAKIT_ERR_NOT_FOUND. */
int state_meta_get(state_db *db, const char *name, uint8_t **val,
    size_t *len, struct ccakit_errdetail *d);
/* Store unless the name has a value; *added says whether it was stored
 * (may be NULL). */
int state_meta_add(state_db *db, const char *name, const void *val,
    size_t len, bool *added, struct ccakit_errdetail *d);
/*
 * The value of name; when there is none, make(arg, &v, &vlen) makes one
 * (malloc'd; it is wiped and freed here), which is stored unless another
 * process or replica stored one first: either way, every caller gets the
 * value that was stored first.
 */
int state_meta_get_or_create(state_db *db, const char *name,
    int (*make)(void *arg, uint8_t **v, size_t *vlen), void *arg,
    uint8_t **val, size_t *len, struct ccakit_errdetail *d);

/* --- records: keyed values in namespaces (the KBS) --- */

#define STATE_NS_MAX          32        /* [a-z0-9_-] */
#define STATE_KEY_MAX         256       /* printable ASCII but space */
#define STATE_VALUE_MAX       (4 * 1024 * 1024)

/* The namespaces the KBS is meant to use (docs/state.md). */
#define STATE_NS_KBS_SESSION  "kbs-session"   /* RCAR sessions by id */
#define STATE_NS_KBS_RESOURCE "kbs-resource"  /* repo/type/tag */
#define STATE_NS_KBS_POLICY   "kbs-policy"    /* policies by id */
#define STATE_NS_KBS_REFVAL   "kbs-refval"    /* reference values */

struct state_rec {
	uint8_t *value;                 /* malloc'd, a NUL after it */
	size_t len;
	int64_t expires_ms;             /* 0: never */
	/* 1 when created, +1 per write, also over an expired record; a
	 * key deleted or purged starts again at 1. */
	uint64_t version;
};
/* Wipe and free the value. */
void state_rec_clear(struct state_rec *r);

enum state_put_mode {
	STATE_PUT_REPLACE = 0,          /* create, or overwrite (version + 1) */
	STATE_PUT_CREATE,               /* only if absent (or expired) */
};

/*
 * Store a value under ns/key, expiring at expires_ms (0: never).
 * STATE_PUT_CREATE does nothing when a live record is there. *created
 * (may be NULL) says whether there was no live record (so that this call
 * created one); *version (may be NULL) gets the version written, 0 when
 * nothing was. now_ms decides which records have expired.
 */
int state_rec_put(state_db *db, const char *ns, const char *key,
    const void *val, size_t len, int64_t expires_ms, enum state_put_mode mode,
    int64_t now_ms, bool *created, uint64_t *version,
    struct ccakit_errdetail *d);
/* CCAKIT_ERR_NOT_FOUND, or CCAKIT_ERR_EXPIRED. */
int state_rec_get(state_db *db, const char *ns, const char *key,
    int64_t now_ms, struct state_rec *out, struct ccakit_errdetail *d);
/*
 * Compare and set: overwrite the value (and expiry: 0 keeps it) only if
 * the record is live and still at version `expect`; *updated says whether
 * it was (then it is at expect + 1). Of concurrent updates from one
 * version exactly one succeeds, across replicas: an RCAR session moves
 * from "authed" to "attested" once. CCAKIT_ERR_NOT_FOUND when there is
 * no live record.
 */
int state_rec_update(state_db *db, const char *ns, const char *key,
    uint64_t expect, const void *val, size_t len, int64_t expires_ms,
    int64_t now_ms, bool *updated, struct ccakit_errdetail *d);
/* Single use: the live record is returned and gone, exactly once across
 * concurrent takes. NOT_FOUND / EXPIRED (an expired one stays until
 * purged). */
int state_rec_take(state_db *db, const char *ns, const char *key,
    int64_t now_ms, struct state_rec *out, struct ccakit_errdetail *d);
/* CCAKIT_ERR_NOT_FOUND when there was none. */
int state_rec_delete(state_db *db, const char *ns, const char *key,
    struct ccakit_errdetail *d);
/* Live keys of a namespace that start with prefix (may be NULL), in key
 * order, to fn (which must not call this layer on the same handle); its
 * nonzero return stops the walk and is returned. */
int state_rec_list(state_db *db, const char *ns, const char *prefix,
    int64_t now_ms, int (*fn)(void *arg, const char *key, int64_t expires_ms,
    uint64_t version), void *arg, struct ccakit_errdetail *d);
/* Remove expired records of ns (NULL: every namespace); n may be NULL. */
int state_rec_purge(state_db *db, const char *ns, int64_t now_ms, size_t *n,
    struct ccakit_errdetail *d);
/* Records of ns, expired ones included until purged. */
int state_rec_count(state_db *db, const char *ns, size_t *n,
    struct ccakit_errdetail *d);

/*
 * A KBS resource's key, "repo/type/tag", each part as Trustee's resource
 * path rule has it: [A-Za-z0-9_-] then [A-Za-z0-9_.-]*. CCAKIT_ERR_INVALID_ARG
 * for a part that is not; CCAKIT_ERR_BUFFER_TOO_SMALL.
 */
int state_kbs_resource_key(const char *repo, const char *type,
    const char *tag, char *out, size_t outsz);

#endif /* SVC_STATE_H */
