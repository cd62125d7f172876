/*
 * keybroker-server's challenges: single-use, expiring, in memory or in
 * SQLite (one interface, a backend below it). No network I/O, no output.
 * All functions return CCAKIT_OK or a ccakit_err code; outputs are
 * written only on success.
 */
#ifndef KBS_CHSTORE_H
#define KBS_CHSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/err.h>
#include <ccakit/jose.h>

#include "kbs_parse.h"

#define KBS_CHALLENGE_TTL_DEFAULT   300     /* seconds */
#define KBS_CHALLENGE_TTL_MAX       86400

struct kbs_challenge {
	uint32_t id;                            /* nonzero; decimal in URLs */
	uint8_t nonce[KBS_CHALLENGE_LEN];
	char key[KBS_NAME_MAX + 1];            /* key name, NUL terminated */
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
struct kbs_chstore_ops {
	int (*insert)(void *ctx, const struct kbs_challenge *c,
	    bool *exists);
	int (*take)(void *ctx, uint32_t id, struct kbs_challenge *out);
	int (*purge)(void *ctx, int64_t now, size_t *n);
	int (*count)(void *ctx, size_t *n);
	void (*close)(void *ctx);
};

typedef struct kbs_chstore kbs_chstore;

/* In memory (tests, or a broker that may lose challenges on restart).
 * Thread-safe. NULL on allocation failure. */
kbs_chstore *kbs_chstore_new_memory(void);

/*
 * SQLite file, created if needed (mode 0600), in WAL mode with a busy
 * timeout; every issued challenge is committed before issue returns, so
 * that a restart (close and reopen) loses nothing. Several handles,
 * threads or processes may share one file. Thread-safe.
 */
int kbs_chstore_open_sqlite(const char *path, kbs_chstore **out,
    struct ccakit_errdetail *d);

/* A caller-provided backend: ops is copied; ctx is closed by _free, or
 * stays the caller's when this returns NULL (missing op, no memory). */
kbs_chstore *kbs_chstore_new_custom(
    const struct kbs_chstore_ops *ops, void *ctx);

/* Close the backend and free; accepts NULL, sets *sp to NULL. */
void kbs_chstore_free(kbs_chstore **sp);

/* Lifetime of newly issued challenges, 1..KBS_CHALLENGE_TTL_MAX s. */
int kbs_chstore_set_ttl(kbs_chstore *s, unsigned seconds);

/*
 * The clock, in Unix seconds; NULL restores the default (CLOCK_REALTIME,
 * which unlike a monotonic clock stays meaningful across restarts).
 * For tests. Set it before sharing the handle between threads.
 */
void kbs_chstore_set_clock(kbs_chstore *s,
    int64_t (*now)(void *arg), void *arg);

/*
 * Issue a challenge for key name `key` (see kbs_name_valid)
 * and the client's wrapping key (JWK text, at most CCAKIT_WRAPKEY_JWK_MAX
 * bytes, stored verbatim: validate it first with ccakit_wrapkey_from_jwk).
 * The id is random and nonzero, the nonce is 64 random bytes, or a copy of
 * `nonce` when it is not NULL (the demo's mock mode). *out receives the
 * stored challenge.
 */
int kbs_chstore_issue(kbs_chstore *s, const char *key,
    const char *wrapkey, const uint8_t nonce[KBS_CHALLENGE_LEN],
    struct kbs_challenge *out);

/*
 * Redeem a challenge: it is removed whatever happens next, so it can be
 * redeemed once, even with concurrent requests. CCAKIT_ERR_NOT_FOUND
 * when it is unknown, already redeemed or expired (the detail says
 * which of "unknown or used" and "expired").
 */
int kbs_chstore_redeem(kbs_chstore *s, uint32_t id,
    struct kbs_challenge *out, struct ccakit_errdetail *d);

/* Remove the expired challenges; *n (may be NULL) gets the count. */
int kbs_chstore_purge(kbs_chstore *s, size_t *n);

/* Number of stored challenges, expired but not yet purged included. */
int kbs_chstore_count(kbs_chstore *s, size_t *n);

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
int kbs_chstore_check(kbs_chstore *s, struct ccakit_errdetail *d);

#endif /* KBS_CHSTORE_H */
