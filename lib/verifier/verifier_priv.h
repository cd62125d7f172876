/*
 * The library side of cca-verifier (not exported; docs/verifier.md):
 *
 *  - the protocol pieces of Veraison's challenge-response API that need
 *    no socket: nonce decoding (every encoding Veraison has used), the
 *    evidence media types and the CMW record unwrapping, session ids, the
 *    session JSON (writer for the service, reader for clients);
 *  - the provisioning bodies: rust-ccatoken's ta.json and rv.json, whole
 *    stores or single entries, validated and normalised, each entry
 *    named by a content-derived id;
 *  - the database (SQLite): sessions, provisioned entries and the EAR
 *    signing key, with copy-on-write snapshots of the stores that
 *    appraisal reads while provisioning changes them.
 *
 * No network I/O, no output.
 */
#ifndef CCAKIT_VERIFIER_PRIV_H
#define CCAKIT_VERIFIER_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/err.h>
#include <ccakit/store.h>
#include <ccakit/token.h>

/* --- protocol --- */

#define CKI_V_NONCE_MIN       8         /* bytes, as Veraison */
#define CKI_V_NONCE_MAX       64
#define CKI_V_NONCE_DEFAULT   32        /* neither nonce nor nonceSize */
#define CKI_V_SESSION_ID_LEN  36        /* UUID text */
#define CKI_V_SESSION_TTL     150       /* seconds (Veraison: 2m30s) */
#define CKI_V_EVIDENCE_MAX    CCAKIT_TOKEN_MAX_SIZE
/* A CMW record around a token: the token, its type, the framing. */
#define CKI_V_BODY_MAX        (CKI_V_EVIDENCE_MAX * 2 + 4096)

#define CKI_V_MT_CCA \
	"application/eat-collection; profile=\"http://arm.com/CCA-SSD/1.0.0\""
#define CKI_V_MT_CMW_CBOR     "application/cmw+cbor"
#define CKI_V_MT_CMW_JSON     "application/cmw+json"
#define CKI_V_MT_SESSION \
	"application/vnd.veraison.challenge-response-session+json"
#define CKI_V_MT_DISCOVERY    "application/vnd.veraison.discovery+json"

/*
 * A nonce from a newSession query or a session document: base64url or
 * standard base64, padded or not (a ' ' is read as '+', which a query
 * string turns it into), CKI_V_NONCE_MIN..MAX bytes.
 * CCAKIT_ERR_ENCODING or CCAKIT_ERR_CLAIM_VALUE (size).
 */
int cki_v_nonce_decode(const char *s, size_t len, uint8_t *out,
    size_t outsz, size_t *outlen);

/* How the service writes a nonce in the session document. */
enum cki_v_nonce_enc {
	CKI_V_NONCE_STD = 0,    /* standard, padded: Go []byte (default) */
	CKI_V_NONCE_URL,        /* base64url, padded */
	CKI_V_NONCE_URL_NOPAD,  /* base64url, unpadded (Veraison 2026-07) */
};
/* "std", "url", "url-nopad"; -1 for anything else. */
int cki_v_nonce_enc_from_name(const char *name);

enum cki_v_media {
	CKI_V_MEDIA_CCA = 1,    /* the eat-collection type, quoted profile */
	CKI_V_MEDIA_CMW,        /* a CMW (Veraison's six CMW types) */
};
/*
 * Classify a Content-Type: *kind on CCAKIT_OK; CCAKIT_ERR_ENCODING when
 * it does not parse as a media type (RFC 9110 §8.3.1; an unquoted URI
 * profile is a parse error, as for Go's mime.ParseMediaType: HTTP 400);
 * CCAKIT_ERR_NOT_FOUND when it parses but is not supported (415).
 * Type, subtype and parameter names are case-insensitive. The CMW types
 * are those Veraison's verification API unwraps: application/cmw,
 * application/vnd.veraison.cmw, each also with +cbor or +json, without
 * parameters.
 */
int cki_v_media_parse(const char *ct, enum cki_v_media *kind);
/* The types advertised (discovery, session "accept", a 415's Accept),
 * NULL-terminated. */
extern const char *const cki_v_media_types[];

/* The longest media type kept from a CMW record. */
#define CKI_V_MEDIA_TYPE_MAX  255

/*
 * The evidence inside a CMW (draft-ietf-rats-msg-wrap), its form told by
 * the first byte as Veraison's CMW library does: a record, CBOR [type,
 * value(bstr), ?ind(uint)] or JSON ["type", "base64url value", ?ind],
 * whose type must be the CCA media type (tstr), copied as written into
 * type; the value is returned as a view into body (CBOR) or a malloc'd
 * copy (JSON: *copy, free it). A well-formed collection (JSON object,
 * CBOR map), CBOR-tag CMW or record whose type is another media type or
 * a Content-Format number is CCAKIT_ERR_NOT_FOUND (415); anything else
 * malformed CCAKIT_ERR_ENCODING, CCAKIT_ERR_CBOR_* or CCAKIT_ERR_JSON
 * (400), with detail.
 */
int cki_v_cmw_unwrap(const uint8_t *body, size_t len, const uint8_t **ev,
    size_t *evlen, uint8_t **copy, char type[CKI_V_MEDIA_TYPE_MAX + 1],
    struct ccakit_errdetail *d);

/* A random (version 4) UUID, lower case, NUL-terminated. */
int cki_v_uuid(char out[CKI_V_SESSION_ID_LEN + 1]);
/* Whether s is a UUID in that form (any version). */
bool cki_v_uuid_valid(const char *s);
/*
 * A session id from a URL as Go's uuid.Parse reads it (Veraison's API):
 * xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx in either case, prefixed with
 * urn:uuid:, between two more characters ({...}), or 32 hex digits;
 * written to out in the lower-case form above. false when it is none.
 */
bool cki_v_uuid_parse(const char *s, char out[CKI_V_SESSION_ID_LEN + 1]);

/* --- sessions --- */

enum cki_v_status {
	CKI_V_WAITING = 0,
	CKI_V_PROCESSING = 1,
	CKI_V_COMPLETE = 2,
	CKI_V_FAILED = 3,
};
const char *cki_v_status_name(enum cki_v_status s);

struct cki_v_session {
	char id[CKI_V_SESSION_ID_LEN + 1];
	uint8_t nonce[CKI_V_NONCE_MAX];
	size_t nonce_len;
	int64_t created_ms;             /* Unix milliseconds */
	int64_t expires_ms;
	enum cki_v_status status;
	char *media_type;               /* evidence: NULL until submitted */
	uint8_t *evidence;
	size_t evidence_len;
	char *result;                   /* the EAR JWT, NULL until complete */
};
void cki_v_session_clear(struct cki_v_session *s);

/*
 * The session document as Veraison writes it, members in its order:
 * {"status","nonce","expiry","accept","evidence"?,"result"?}; expiry in
 * RFC 3339 (UTC, milliseconds), evidence {"type","value"(std base64)}.
 * malloc'd in *out.
 */
int cki_v_session_to_json(const struct cki_v_session *s,
    enum cki_v_nonce_enc enc, char **out);

/*
 * A client's reading of a session document (untrusted): status (one of
 * the four names), nonce (any encoding, 8..64 bytes), result when
 * present. id, times and evidence are not filled. Fails with
 * CCAKIT_ERR_JSON / CCAKIT_ERR_ENCODING / CCAKIT_ERR_TOO_LARGE.
 */
#define CKI_V_SESSION_JSON_MAX  (1024 * 1024)
int cki_v_session_from_json(const char *json, size_t len,
    struct cki_v_session *s, struct ccakit_errdetail *d);

/* --- provisioning bodies --- */

enum cki_v_class {
	CKI_V_TA = 1,                   /* trust anchors */
	CKI_V_RV = 2,                   /* reference values */
};

#define CKI_V_ENTRY_ID_LEN 32           /* hex characters */

struct cki_v_entry {
	char id[CKI_V_ENTRY_ID_LEN + 1];
	char kind;                      /* 't', 'p' (platform), 'r' (realm) */
	char *json;                     /* normalised entry object */
};

struct cki_v_batch {
	enum cki_v_class cls;
	size_t n;
	struct cki_v_entry *e;
};
void cki_v_batch_clear(struct cki_v_batch *b);

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
int cki_v_batch_parse(enum cki_v_class cls, const char *body, size_t len,
    struct cki_v_batch *out, struct ccakit_errdetail *d);

/* --- the database --- */

typedef struct cki_vdb cki_vdb;

/* Stores that appraisal reads: immutable, reference counted. */
struct cki_v_stores {
	const ccakit_ta_store *tas;
	const ccakit_rv_store *rvs;
	uint64_t generation;            /* bumped by every change */
};

/*
 * Open (creating) the database: file mode 0600, WAL, schema version
 * checked, the stores loaded from the provisioned entries. It holds the
 * EAR private key, so an existing file, -wal or -shm that group or others
 * may access is made 0600 (cki_vdb_fixed_mode tells), or, when that is
 * not possible, the open fails.
 */
int cki_vdb_open(const char *path, cki_vdb **out, struct ccakit_errdetail *d);
void cki_vdb_close(cki_vdb **dbp);
/* The mode the open found and changed to 0600, or 0. */
unsigned cki_vdb_fixed_mode(const cki_vdb *db);
/*
 * Whether the files opened are still there: CCAKIT_ERR_DB_GONE, with the
 * reason in d, once the database, its -wal or its -shm was deleted or
 * replaced (renamed over) since the open. From then on, for good, every
 * call that writes (sessions new, claim, finish, delete, purge;
 * provisioning; storing a new EAR key) fails with that code before it
 * writes anything, since it would write to an unlinked file; reads go on.
 * A stat() of each of the three paths.
 */
int cki_vdb_check(cki_vdb *db, struct ccakit_errdetail *d);
/*
 * Copy the write-ahead log into the database (a passive checkpoint, on a
 * connection of its own, so that its fsync never stalls requests; the
 * request connection does not checkpoint). Call it every few seconds.
 */
int cki_vdb_checkpoint(cki_vdb *db);
/* Tests: a clock in Unix milliseconds (NULL: the real one). */
void cki_vdb_set_clock(cki_vdb *db, int64_t (*now_ms)(void *), void *arg);
int64_t cki_vdb_now_ms(const cki_vdb *db);

/*
 * The EAR signing key: the PEM (PKCS#8) kept in the database, or a new
 * P-256 key generated and kept when there is none. malloc'd in *pem;
 * wipe and free it.
 */
int cki_vdb_ear_key(cki_vdb *db, char **pem, size_t *len);

/* A new waiting session for the nonce, alive ttl_s seconds. */
int cki_vdb_session_new(cki_vdb *db, const uint8_t *nonce, size_t len,
    unsigned ttl_s, struct cki_v_session *out);
/* CCAKIT_ERR_NOT_FOUND (unknown) or CCAKIT_ERR_EXPIRED. */
int cki_vdb_session_get(cki_vdb *db, const char *id,
    struct cki_v_session *out);
/*
 * Take a session for its evidence: waiting -> processing, atomically (a
 * session accepts evidence once). *claimed says whether this call did
 * it; *out is the session (as it was before, when not claimed).
 * CCAKIT_ERR_NOT_FOUND or CCAKIT_ERR_EXPIRED otherwise.
 */
int cki_vdb_session_claim(cki_vdb *db, const char *id, bool *claimed,
    struct cki_v_session *out);
/* processing -> complete (result not NULL) or failed (result NULL). */
int cki_vdb_session_finish(cki_vdb *db, const char *id,
    const char *media_type, const uint8_t *ev, size_t evlen,
    const char *result);
/* CCAKIT_ERR_NOT_FOUND when there was no such session. */
int cki_vdb_session_delete(cki_vdb *db, const char *id);
/* Remove sessions expired at least grace_s seconds ago. */
int cki_vdb_session_purge(cki_vdb *db, unsigned grace_s, size_t *n);
int cki_vdb_session_count(cki_vdb *db, size_t *n);

/*
 * Provisioning. Each change is one transaction, after which the stores
 * snapshot is rebuilt and swapped in before the call returns: appraisal
 * started afterwards sees it. A change that would leave stores the
 * loaders refuse (over CCAKIT_STORE_MAX_ENTRIES) is rolled back.
 */
/* Add or replace; *added counts the entries that were not there. */
int cki_vdb_prov_add(cki_vdb *db, const struct cki_v_batch *b,
    size_t *added, struct ccakit_errdetail *d);
/* CCAKIT_ERR_NOT_FOUND when no entry has the id. */
int cki_vdb_prov_remove(cki_vdb *db, enum cki_v_class cls, const char *id);
int cki_vdb_prov_clear(cki_vdb *db, enum cki_v_class cls, size_t *n);
/*
 * The provisioned entries in rust-ccatoken's form (ta.json array, rv.json
 * object), each entry with an extra "id" member (ignored by the store
 * loaders), in provisioning order. malloc'd in *out.
 */
int cki_vdb_prov_list(cki_vdb *db, enum cki_v_class cls, char **out);
/* One entry with its "id"; CCAKIT_ERR_NOT_FOUND. */
int cki_vdb_prov_get(cki_vdb *db, enum cki_v_class cls, const char *id,
    char **out);

/* The current stores, held until cki_vdb_stores_put. Never NULL. */
const struct cki_v_stores *cki_vdb_stores_get(cki_vdb *db);
void cki_vdb_stores_put(cki_vdb *db, const struct cki_v_stores **sp);

#endif /* CCAKIT_VERIFIER_PRIV_H */
