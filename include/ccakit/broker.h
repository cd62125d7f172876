/*
 * Key broker building blocks: single-use expiring challenges (in memory
 * or in SQLite), the secrets store, RSA key wrapping to a client's JWK,
 * and the demo's reference-values file.
 *
 * No network I/O and no output: the HTTP server (services/) drives these.
 * All functions return CCAKIT_OK or a ccakit_err code; outputs are
 * written only on success.
 */
#ifndef CCAKIT_BROKER_H
#define CCAKIT_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/err.h>

#ifdef __cplusplus
extern "C" {
#endif

/* --- limits --- */

#define CCAKIT_CHALLENGE_LEN        64      /* nonce bytes */
#define CCAKIT_BROKER_NAME_MAX      128     /* key name, without NUL */
#define CCAKIT_WRAPKEY_JWK_MAX      4096    /* wrapping-key JWK text */
#define CCAKIT_CHALLENGE_TTL_DEFAULT 300    /* seconds */
#define CCAKIT_CHALLENGE_TTL_MAX    86400
#define CCAKIT_SECRET_MAX           (64 * 1024)
#define CCAKIT_SECRETS_MAX_COUNT    4096
#define CCAKIT_REFVALS_MAX_JSON     (1024 * 1024)
#define CCAKIT_REFVALS_MAX_COUNT    4096
#define CCAKIT_REFVAL_MAX_LEN       64      /* a RIM: 32, 48 or 64 bytes */

/*
 * A key name is 1..CCAKIT_BROKER_NAME_MAX characters of [A-Za-z0-9._-],
 * not starting with '.': safe in a URL path, a file name and a log line.
 */
bool ccakit_broker_name_valid(const char *name);

/* --- challenges --- */

struct ccakit_challenge {
	uint32_t id;                            /* nonzero; decimal in URLs */
	uint8_t nonce[CCAKIT_CHALLENGE_LEN];
	char key[CCAKIT_BROKER_NAME_MAX + 1];   /* key name, NUL terminated */
	char wrapkey[CCAKIT_WRAPKEY_JWK_MAX + 1]; /* client JWK, NUL term. */
	int64_t created;                        /* Unix time, seconds */
	int64_t expires;                        /* created + TTL */
};

/*
 * Storage backend, in the shape of libfido2's fido_dev_io_t, so that a
 * backend can be added without touching the challenge logic (issue,
 * single use, expiry), which lives above it. Every op returns CCAKIT_OK
 * or an error; ctx is the backend's own state.
 *
 * insert: store c unless a challenge with c->id exists, in which case
 *   set *exists and store nothing (the caller draws another id).
 * take: atomically remove the challenge with this id and return it;
 *   CCAKIT_ERR_NOT_FOUND when there is none. Two concurrent takes of one
 *   id must never both succeed, across handles on the same storage too.
 * purge: remove every challenge with expires <= now; *n gets the count.
 * count: number of stored challenges (expired ones included).
 * close: release ctx.
 */
struct ccakit_chstore_ops {
	int (*insert)(void *ctx, const struct ccakit_challenge *c,
	    bool *exists);
	int (*take)(void *ctx, uint32_t id, struct ccakit_challenge *out);
	int (*purge)(void *ctx, int64_t now, size_t *n);
	int (*count)(void *ctx, size_t *n);
	void (*close)(void *ctx);
};

typedef struct ccakit_chstore ccakit_chstore;

/* In memory (tests, or a broker that may lose challenges on restart).
 * Thread-safe. NULL on allocation failure. */
ccakit_chstore *ccakit_chstore_new_memory(void);

/*
 * SQLite file, created if needed (mode 0600), in WAL mode with a busy
 * timeout; every issued challenge is committed before issue returns, so
 * that a restart (close and reopen) loses nothing. Several handles,
 * threads or processes may share one file. Thread-safe.
 */
int ccakit_chstore_open_sqlite(const char *path, ccakit_chstore **out,
    struct ccakit_errdetail *d);

/* A caller-provided backend: ops is copied; ctx is closed by _free, or
 * stays the caller's when this returns NULL (missing op, no memory). */
ccakit_chstore *ccakit_chstore_new_custom(
    const struct ccakit_chstore_ops *ops, void *ctx);

/* Close the backend and free; accepts NULL, sets *sp to NULL. */
void ccakit_chstore_free(ccakit_chstore **sp);

/* Lifetime of newly issued challenges, 1..CCAKIT_CHALLENGE_TTL_MAX s. */
int ccakit_chstore_set_ttl(ccakit_chstore *s, unsigned seconds);

/*
 * The clock, in Unix seconds; NULL restores the default (CLOCK_REALTIME,
 * which unlike a monotonic clock stays meaningful across restarts).
 * For tests. Set it before sharing the handle between threads.
 */
void ccakit_chstore_set_clock(ccakit_chstore *s,
    int64_t (*now)(void *arg), void *arg);

/*
 * Issue a challenge for key name `key` (see ccakit_broker_name_valid)
 * and the client's wrapping key (JWK text, at most CCAKIT_WRAPKEY_JWK_MAX
 * bytes, stored verbatim: validate it first with ccakit_wrapkey_from_jwk).
 * The id is random and nonzero, the nonce is 64 random bytes, or a copy of
 * `nonce` when it is not NULL (the demo's mock mode). *out receives the
 * stored challenge.
 */
int ccakit_chstore_issue(ccakit_chstore *s, const char *key,
    const char *wrapkey, const uint8_t nonce[CCAKIT_CHALLENGE_LEN],
    struct ccakit_challenge *out);

/*
 * Redeem a challenge: it is removed whatever happens next, so it can be
 * redeemed once, even with concurrent requests. CCAKIT_ERR_NOT_FOUND
 * when it is unknown, already redeemed or expired (the detail says
 * which of "unknown or used" and "expired").
 */
int ccakit_chstore_redeem(ccakit_chstore *s, uint32_t id,
    struct ccakit_challenge *out, struct ccakit_errdetail *d);

/* Remove the expired challenges; *n (may be NULL) gets the count. */
int ccakit_chstore_purge(ccakit_chstore *s, size_t *n);

/* Number of stored challenges, expired but not yet purged included. */
int ccakit_chstore_count(ccakit_chstore *s, size_t *n);

/*
 * Whether the storage is still the one opened: CCAKIT_ERR_DB_GONE, with
 * the reason in d ("the file was deleted", "the file was replaced", "its
 * -wal file was deleted", ...), once the SQLite file, its -wal or its -shm
 * was deleted or replaced by another file (a rename) at its path since it
 * was opened; from then on issue, redeem and purge fail with that code
 * too, for good, since what they would write goes to an unlinked file
 * and is lost. It costs a stat() of each of the three paths. Memory and
 * custom backends: always CCAKIT_OK.
 */
int ccakit_chstore_check(ccakit_chstore *s, struct ccakit_errdetail *d);

/* --- secrets --- */

typedef struct ccakit_secrets ccakit_secrets;

ccakit_secrets *ccakit_secrets_new(void);
/* Wipes every secret; accepts NULL, sets *sp to NULL. */
void ccakit_secrets_free(ccakit_secrets **sp);

/* Add a copy of a secret (1..CCAKIT_SECRET_MAX bytes). A name that is
 * already present is refused (CCAKIT_ERR_INVALID_ARG). */
int ccakit_secrets_add(ccakit_secrets *s, const char *name,
    const uint8_t *val, size_t len);

#define CCAKIT_SECRETS_DEMO_NAME  "skywalker"
#define CCAKIT_SECRETS_DEMO_VALUE "May the force be with you."
/* The demo's built-in secret: skywalker = "May the force be with you."
 * (26 bytes, no NUL). */
int ccakit_secrets_add_demo(ccakit_secrets *s);

/* One secret from a file: its bytes exactly (no newline stripping). */
int ccakit_secrets_load_file(ccakit_secrets *s, const char *name,
    const char *path, struct ccakit_errdetail *d);
/* "name=path", as given on a command line. */
int ccakit_secrets_load_spec(ccakit_secrets *s, const char *spec,
    struct ccakit_errdetail *d);
/*
 * Every regular file of a directory (symbolic links followed) is a
 * secret named after the file; names starting with '.' are skipped (so
 * a Kubernetes secret volume works), any other invalid name fails.
 * All or nothing: on failure the store is unchanged.
 */
int ccakit_secrets_load_dir(ccakit_secrets *s, const char *dir,
    struct ccakit_errdetail *d);

size_t ccakit_secrets_count(const ccakit_secrets *s);
/* Borrowed view of a secret, valid until the store is modified or freed;
 * CCAKIT_ERR_NOT_FOUND when absent. */
int ccakit_secrets_get(const ccakit_secrets *s, const char *name,
    const uint8_t **val, size_t *len);

/* --- wrapping --- */

enum ccakit_wrap_alg {
	CCAKIT_WRAP_RSA1_5 = 1,     /* "RSA1_5": RSAES-PKCS1-v1_5 */
	CCAKIT_WRAP_RSA_OAEP,       /* "RSA-OAEP" as the demo does it:
	                             * OAEP, SHA-256 and MGF1-SHA-256 (JWA's
	                             * RSA-OAEP would be SHA-1) */
	CCAKIT_WRAP_RSA_OAEP_256,   /* "RSA-OAEP-256": OAEP, SHA-256 */
};

/* The JWK "alg" name, or NULL. */
const char *ccakit_wrap_alg_str(enum ccakit_wrap_alg alg);

#define CCAKIT_WRAPKEY_MIN_BITS         2048
#define CCAKIT_WRAPKEY_COMPAT_MIN_BITS  1024
#define CCAKIT_WRAPKEY_MAX_BITS         8192

/* Accept moduli of 1024..2047 bits (the demo client's key is 1024). */
#define CCAKIT_WRAPKEY_ALLOW_1024       0x01u

typedef struct ccakit_wrapkey ccakit_wrapkey;

ccakit_wrapkey *ccakit_wrapkey_new(void);
void ccakit_wrapkey_free(ccakit_wrapkey **kp);

/*
 * An RSA public JWK {"kty":"RSA","alg":...,"n":...,"e":...}: alg one of
 * the three above (required), n and e base64url without padding and
 * minimal (no leading zero octet), e odd, 3 <= e < 2^64, n odd of
 * CCAKIT_WRAPKEY_MIN_BITS (or 1024 with CCAKIT_WRAPKEY_ALLOW_1024) to
 * CCAKIT_WRAPKEY_MAX_BITS. Duplicate members, private-key members and a
 * "use" other than "enc" are refused; other members are ignored. An
 * unsupported or undersized key is CCAKIT_ERR_KEY_INVALID, a malformed
 * one CCAKIT_ERR_JSON or CCAKIT_ERR_ENCODING.
 */
int ccakit_wrapkey_from_jwk(ccakit_wrapkey *k, const char *json, size_t len,
    unsigned flags, struct ccakit_errdetail *d);

enum ccakit_wrap_alg ccakit_wrapkey_alg(const ccakit_wrapkey *k);
/* Modulus size in bits, which is also the ciphertext size. */
unsigned ccakit_wrapkey_bits(const ccakit_wrapkey *k);
/* Largest secret the key can wrap (k - 11 or k - 66 octets). */
size_t ccakit_wrapkey_max_secret(const ccakit_wrapkey *k);

/*
 * Encrypt a secret to the key: out receives (bits + 7) / 8 bytes, which
 * the caller encodes (the demo: base64url without padding). A secret
 * too long for the key and padding is CCAKIT_ERR_TOO_LARGE.
 */
int ccakit_wrap(const ccakit_wrapkey *k, const uint8_t *secret, size_t len,
    uint8_t *out, size_t outsz, size_t *outlen);

/* --- the demo's reference-values file --- */

/*
 * {"reference-values": ["<standard base64, padded>", ...]}: at least
 * one value, each a RIM of 32, 48 or 64 bytes in canonical base64; no
 * other member; duplicates are kept once.
 */
typedef struct ccakit_refvals ccakit_refvals;

ccakit_refvals *ccakit_refvals_new(void);
void ccakit_refvals_free(ccakit_refvals **rp);
/* Append the values of a file's text; all or nothing. */
int ccakit_refvals_load_json(ccakit_refvals *r, const char *json, size_t len,
    struct ccakit_errdetail *d);
/* Add one RIM (32, 48 or 64 bytes); present already is not an error. */
int ccakit_refvals_add(ccakit_refvals *r, const uint8_t *rim, size_t len);
size_t ccakit_refvals_count(const ccakit_refvals *r);
/* The i-th value (load order) as bytes and as its base64 text; NULL
 * when out of range. Borrowed until r is modified or freed. */
const uint8_t *ccakit_refvals_get(const ccakit_refvals *r, size_t i,
    size_t *len);
const char *ccakit_refvals_get_b64(const ccakit_refvals *r, size_t i);
bool ccakit_refvals_contains(const ccakit_refvals *r, const uint8_t *rim,
    size_t len);

#ifdef __cplusplus
}
#endif

#endif /* CCAKIT_BROKER_H */
