/*
 * cca-verifier's state (docs/verifier.md):
 *
 *  - the provisioning bodies: rust-ccatoken's ta.json and rv.json, whole
 *    stores or single entries, validated and normalised, each entry
 *    named by a content-derived id (prov.c);
 *  - the database (SQLite): sessions, provisioned entries and the EAR
 *    signing key, with copy-on-write snapshots of the stores that
 *    appraisal reads while provisioning changes them (vdb.c).
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
	uint64_t generation;            /* bumped by every change */
};

/*
 * Open (creating) the database: file mode 0600, WAL, schema version
 * checked, the stores loaded from the provisioned entries. It holds the
 * EAR private key, so an existing file, -wal or -shm that group or others
 * may access is made 0600 (vdb_fixed_mode tells), or, when that is
 * not possible, the open fails.
 */
int vdb_open(const char *path, vdb **out, struct ccakit_errdetail *d);
void vdb_close(vdb **dbp);
/* The mode the open found and changed to 0600, or 0. */
unsigned vdb_fixed_mode(const vdb *db);
/*
 * Whether the files opened are still there: CCAKIT_ERR_DB_GONE, with the
 * reason in d, once the database, its -wal or its -shm was deleted or
 * replaced (renamed over) since the open. From then on, for good, every
 * call that writes (sessions new, claim, finish, delete, purge;
 * provisioning; storing a new EAR key) fails with that code before it
 * writes anything, since it would write to an unlinked file; reads go on.
 * A stat() of each of the three paths.
 */
int vdb_check(vdb *db, struct ccakit_errdetail *d);
/*
 * Copy the write-ahead log into the database (a passive checkpoint, on a
 * connection of its own, so that its fsync never stalls requests; the
 * request connection does not checkpoint). Call it every few seconds.
 */
int vdb_checkpoint(vdb *db);
/* Tests: a clock in Unix milliseconds (NULL: the real one). */
void vdb_set_clock(vdb *db, int64_t (*now_ms)(void *), void *arg);
int64_t vdb_now_ms(const vdb *db);

/*
 * The EAR signing key: the PEM (PKCS#8) kept in the database, or a new
 * P-256 key generated and kept when there is none. malloc'd in *pem;
 * wipe and free it.
 */
int vdb_ear_key(vdb *db, char **pem, size_t *len);

/* A new waiting session for the nonce, alive ttl_s seconds. */
int vdb_session_new(vdb *db, const uint8_t *nonce, size_t len,
    unsigned ttl_s, struct svc_v_session *out);
/* CCAKIT_ERR_NOT_FOUND (unknown) or CCAKIT_ERR_EXPIRED. */
int vdb_session_get(vdb *db, const char *id,
    struct svc_v_session *out);
/*
 * Take a session for its evidence: waiting -> processing, atomically (a
 * session accepts evidence once). *claimed says whether this call did
 * it; *out is the session (as it was before, when not claimed).
 * CCAKIT_ERR_NOT_FOUND or CCAKIT_ERR_EXPIRED otherwise.
 */
int vdb_session_claim(vdb *db, const char *id, bool *claimed,
    struct svc_v_session *out);
/* processing -> complete (result not NULL) or failed (result NULL). */
int vdb_session_finish(vdb *db, const char *id,
    const char *media_type, const uint8_t *ev, size_t evlen,
    const char *result);
/* CCAKIT_ERR_NOT_FOUND when there was no such session. */
int vdb_session_delete(vdb *db, const char *id);
/* Remove sessions expired at least grace_s seconds ago. */
int vdb_session_purge(vdb *db, unsigned grace_s, size_t *n);
int vdb_session_count(vdb *db, size_t *n);

/*
 * Provisioning. Each change is one transaction, after which the stores
 * snapshot is rebuilt and swapped in before the call returns: appraisal
 * started afterwards sees it. A change that would leave stores the
 * loaders refuse (over CCAKIT_STORE_MAX_ENTRIES) is rolled back.
 */
/* Add or replace; *added counts the entries that were not there. */
int vdb_prov_add(vdb *db, const struct vdb_batch *b,
    size_t *added, struct ccakit_errdetail *d);
/* CCAKIT_ERR_NOT_FOUND when no entry has the id. */
int vdb_prov_remove(vdb *db, enum vdb_class cls, const char *id);
int vdb_prov_clear(vdb *db, enum vdb_class cls, size_t *n);
/*
 * The provisioned entries in rust-ccatoken's form (ta.json array, rv.json
 * object), each entry with an extra "id" member (ignored by the store
 * loaders), in provisioning order. malloc'd in *out.
 */
int vdb_prov_list(vdb *db, enum vdb_class cls, char **out);
/* One entry with its "id"; CCAKIT_ERR_NOT_FOUND. */
int vdb_prov_get(vdb *db, enum vdb_class cls, const char *id,
    char **out);

/* The current stores, held until vdb_stores_put. Never NULL. */
const struct vdb_stores *vdb_stores_get(vdb *db);
void vdb_stores_put(vdb *db, const struct vdb_stores **sp);

#endif /* CVS_VDB_H */
