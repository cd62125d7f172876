/*
 * cca-verifier's state (docs/verifier.md):
 *
 *  - the provisioning bodies: rust-ccatoken's ta.json and rv.json, whole
 *    stores or single entries, validated and normalised, each entry
 *    named by a content-derived id (prov.c);
 *  - the database, through the state layer (services/state: a SQLite
 *    file, or PostgreSQL shared by any number of replicas): sessions,
 *    provisioned entries and the EAR signing key, with copy-on-write
 *    snapshots of the stores that appraisal reads while provisioning
 *    changes them, kept up to date with the other replicas' changes
 *    (vdb.c).
 *
 * No network I/O, no output.
 */
#ifndef CVS_VDB_H
#define CVS_VDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/err.h>
#include <ccakit/store.h>

#include "state.h"
#include "vproto.h"

/* --- provisioning bodies --- */

enum vdb_class {
	VDB_TA = 1,                   /* trust anchors */
	VDB_RV = 2,                   /* reference values */
};

#define VDB_ENTRY_ID_LEN 32           /* hex characters */

struct vdb_entry {
	char id[VDB_ENTRY_ID_LEN + 1];
	char kind;                      /* 't', 'p' (platform), 'r' (realm) */
	char *json;                     /* normalised entry object */
};

struct vdb_batch {
	enum vdb_class cls;
	size_t n;
	struct vdb_entry *e;
};
void vdb_batch_clear(struct vdb_batch *b);

/*
 * Parse a provisioning body of class cls, at most CCAKIT_STORE_MAX_JSON
 * bytes: for trust anchors a ta.json array or one entry object; for
 * reference values an rv.json object ({"platform":[..],"realm":[..]}) or
 * one platform ("implementation-id") or realm ("initial-measurement")
 * entry. Every entry is validated by the store loaders (a bad one fails
 * the whole body), normalised (as `ccatoken golden` writes it) and named:
 * a trust anchor by its implementation-id and instance-id (a new key for
 * the same platform replaces the old one), a reference value by its
 * content (provisioning the same value twice is one entry). Identical
 * entries within a body count once.
 */
int vdb_batch_parse(enum vdb_class cls, const char *body, size_t len,
    struct vdb_batch *out, struct ccakit_errdetail *d);

/* --- the database --- */

typedef struct vdb vdb;

/* Stores that appraisal reads: immutable, reference counted. */
struct vdb_stores {
	const ccakit_ta_store *tas;
	const ccakit_rv_store *rvs;
	uint64_t generation;            /* the database's provisioning
	                                 * generation they were built from */
};

/*
 * Open the database at `where` (state_open: a SQLite file, created mode
 * 0600, ":memory:", or a "postgres://" URL; o may be NULL), creating or
 * migrating its schema (a file the verifier wrote before the state layer
 * is upgraded in place, docs/state.md), and build the stores from the
 * provisioned entries. It holds the EAR private key, so an existing
 * SQLite file, -wal or -shm that group or others may access is made 0600
 * (vdb_fixed_mode tells), or, when that is not possible, the open fails.
 */
int vdb_open(const char *where, const struct state_opts *o, vdb **out,
    struct ccakit_errdetail *d);
void vdb_close(vdb **dbp);
/* The state handle below (state_where for the log, ...). */
state_db *vdb_state(vdb *db);
/* The mode the open found and changed to 0600, or 0. */
unsigned vdb_fixed_mode(const vdb *db);
/*
 * Whether the storage is still the one opened (state_check): a SQLite
 * file, -wal or -shm deleted or replaced (renamed over) since the open is
 * CCAKIT_ERR_DB_GONE, with the reason in d, and from then on, for good,
 * every call that writes (sessions new, claim, finish, delete, purge;
 * provisioning; storing a new EAR key) fails with that code before it
 * writes anything; reads go on. PostgreSQL: CCAKIT_OK.
 */
int vdb_check(vdb *db, struct ccakit_errdetail *d);
/*
 * Periodic work (state_housekeep: SQLite's checkpoint, off the request
 * path). Call it every few seconds.
 */
int vdb_housekeep(vdb *db, struct ccakit_errdetail *d);
/*
 * Catch up with provisioning done elsewhere (another replica, another
 * process on the file): one round trip for the generation, and when it
 * moved past the stores', the stores rebuilt from every entry and
 * swapped in. *changed (may be NULL) says whether they were. Call it
 * twice a second: a change anywhere is then in use here within one
 * second.
 */
int vdb_refresh(vdb *db, bool *changed, struct ccakit_errdetail *d);
/* Tests: a clock in Unix milliseconds (NULL: the real one). */
void vdb_set_clock(vdb *db, int64_t (*now_ms)(void *), void *arg);
int64_t vdb_now_ms(const vdb *db);

/*
 * The EAR signing key: the PEM (PKCS#8) kept in the database, or a new
 * P-256 key generated and kept when there is none; when replicas race,
 * the first key stored is everyone's. malloc'd in *pem; wipe and free it.
 */
int vdb_ear_key(vdb *db, char **pem, size_t *len,
    struct ccakit_errdetail *d);

/*
 * Sessions. Errors a caller acts on: CCAKIT_ERR_NOT_FOUND (unknown, or a
 * malformed id), CCAKIT_ERR_EXPIRED, and the state layer's
 * CCAKIT_ERR_DB_GONE and CCAKIT_ERR_DB_UNAVAILABLE.
 */
#define VDB_CLAIM_LEN STATE_CLAIM_LEN

/* A new waiting session for the nonce, alive ttl_s seconds. */
int vdb_session_new(vdb *db, const uint8_t *nonce, size_t len,
    unsigned ttl_s, struct svc_v_session *out, struct ccakit_errdetail *d);
int vdb_session_get(vdb *db, const char *id, struct svc_v_session *out,
    struct ccakit_errdetail *d);
/*
 * Take a session for its evidence: waiting -> processing, once across
 * every process and replica (a session accepts evidence once). *claimed
 * says whether this call did it, and then claim is what
 * vdb_session_finish needs; *out is the session as stored after the call.
 */
int vdb_session_claim(vdb *db, const char *id, bool *claimed,
    struct svc_v_session *out, uint8_t claim[VDB_CLAIM_LEN],
    struct ccakit_errdetail *d);
/* processing -> complete (result not NULL) or failed (result NULL), by
 * the holder of the claim; CCAKIT_ERR_NOT_FOUND otherwise. */
int vdb_session_finish(vdb *db, const char *id,
    const uint8_t claim[VDB_CLAIM_LEN], const char *media_type,
    const uint8_t *ev, size_t evlen, const char *result,
    struct ccakit_errdetail *d);
/* CCAKIT_ERR_NOT_FOUND when there was no such session. */
int vdb_session_delete(vdb *db, const char *id, struct ccakit_errdetail *d);
/* Remove sessions expired at least grace_s seconds ago. */
int vdb_session_purge(vdb *db, unsigned grace_s, size_t *n,
    struct ccakit_errdetail *d);
int vdb_session_count(vdb *db, size_t *n);

/*
 * Provisioning. Each change is one transaction (state_prov_put or
 * _delete) that rebuilds the stores from every entry before it commits
 * (a change that would leave stores the loaders refuse, over
 * CCAKIT_STORE_MAX_ENTRIES say, is rolled back, and d says why); the new
 * stores are swapped in before the call returns: appraisal started
 * afterwards sees them. Other replicas see them after their next
 * vdb_refresh.
 */
/* Add or replace; *added counts the entries that were not there. */
int vdb_prov_add(vdb *db, const struct vdb_batch *b,
    size_t *added, struct ccakit_errdetail *d);
/* CCAKIT_ERR_NOT_FOUND when no entry has the id. */
int vdb_prov_remove(vdb *db, enum vdb_class cls, const char *id,
    struct ccakit_errdetail *d);
int vdb_prov_clear(vdb *db, enum vdb_class cls, size_t *n,
    struct ccakit_errdetail *d);
/*
 * The provisioned entries in rust-ccatoken's form (ta.json array, rv.json
 * object), each entry with an extra "id" member (ignored by the store
 * loaders), in provisioning order. malloc'd in *out.
 */
int vdb_prov_list(vdb *db, enum vdb_class cls, char **out,
    struct ccakit_errdetail *d);
/* One entry with its "id"; CCAKIT_ERR_NOT_FOUND. */
int vdb_prov_get(vdb *db, enum vdb_class cls, const char *id,
    char **out, struct ccakit_errdetail *d);

/* The current stores, held until vdb_stores_put. Never NULL. */
const struct vdb_stores *vdb_stores_get(vdb *db);
void vdb_stores_put(vdb *db, const struct vdb_stores **sp);

#endif /* CVS_VDB_H */
