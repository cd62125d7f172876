/*
 * keybroker-server's challenges: single-use, expiring, kept by the
 * state layer (services/state: a SQLite file, ":memory:", or PostgreSQL,
 * where any number of replicas share them). Issue (random id and nonce),
 * redemption (once, across every replica) and expiry live here, the
 * storage below, in one code path for both drivers. No network I/O, no
 * output. All functions return CCAKIT_OK or a ccakit_err code; outputs
 * are written only on success.
 */
#ifndef KBS_CHSTORE_H
#define KBS_CHSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/err.h>
#include <ccakit/jose.h>

#include "kbs_parse.h"
#include "state.h"

#define KBS_CHALLENGE_TTL_DEFAULT   300     /* seconds */
#define KBS_CHALLENGE_TTL_MAX       86400

/* A challenge as the state layer keeps it: id (nonzero; decimal in
 * URLs), nonce, key name, the client's wrapping-key JWK, created and
 * expires (Unix seconds). */
struct kbs_challenge {
	uint32_t id;
	uint8_t nonce[KBS_CHALLENGE_LEN];
	char key[KBS_NAME_MAX + 1];
	char wrapkey[CCAKIT_WRAPKEY_JWK_MAX + 1];
	int64_t created;
	int64_t expires;
};

typedef struct kbs_chstore kbs_chstore;

/*
 * Open the challenges at `where` (state_open: a SQLite file, created
 * mode 0600, ":memory:", or a "postgres://" URL), with the state
 * layer's options o (may be NULL: its defaults). Every issued challenge
 * is committed before issue returns, so that a restart loses nothing.
 * Several handles, threads, processes or replicas may share one
 * database. Thread-safe.
 */
int kbs_chstore_open(const char *where, const struct state_opts *o,
    kbs_chstore **out, struct ccakit_errdetail *d);

/* Close; accepts NULL, sets *sp to NULL. */
void kbs_chstore_free(kbs_chstore **sp);

/* The state handle below (for state_where, state_housekeep, ...). */
state_db *kbs_chstore_db(kbs_chstore *s);

/* Lifetime of newly issued challenges, 1..KBS_CHALLENGE_TTL_MAX s. */
int kbs_chstore_set_ttl(kbs_chstore *s, unsigned seconds);

/*
 * The clock, in Unix seconds; NULL restores the default (CLOCK_REALTIME,
 * which unlike a monotonic clock stays meaningful across restarts and
 * across replicas). For tests. Set it before sharing the handle.
 */
void kbs_chstore_set_clock(kbs_chstore *s,
    int64_t (*now)(void *arg), void *arg);

/*
 * Issue a challenge for key name `key` (see kbs_name_valid)
 * and the client's wrapping key (JWK text, at most CCAKIT_WRAPKEY_JWK_MAX
 * bytes, stored verbatim: validate it first with ccakit_wrapkey_from_jwk).
 * The id is random and nonzero, the nonce is 64 random bytes, or a copy of
 * `nonce` when it is not NULL (the demo's mock mode). *out receives the
 * stored challenge. The state layer's codes (CCAKIT_ERR_DB_GONE,
 * CCAKIT_ERR_DB_UNAVAILABLE, ...) come through with their detail.
 */
int kbs_chstore_issue(kbs_chstore *s, const char *key,
    const char *wrapkey, const uint8_t nonce[KBS_CHALLENGE_LEN],
    struct kbs_challenge *out, struct ccakit_errdetail *d);

/*
 * Redeem a challenge: it is gone whatever happens next, so it can be
 * redeemed once, also with concurrent requests to several replicas.
 * CCAKIT_ERR_NOT_FOUND when it is unknown, already redeemed or expired
 * (the detail says which of "unknown or already redeemed" and
 * "expired"); the state layer's codes otherwise.
 */
int kbs_chstore_redeem(kbs_chstore *s, uint32_t id,
    struct kbs_challenge *out, struct ccakit_errdetail *d);

/* Remove the expired challenges; *n (may be NULL) gets the count. */
int kbs_chstore_purge(kbs_chstore *s, size_t *n,
    struct ccakit_errdetail *d);

/* Number of challenges not yet redeemed, expired but not yet purged
 * ones included. */
int kbs_chstore_count(kbs_chstore *s, size_t *n);

/*
 * Whether the storage is still the one opened (state_check): a SQLite
 * file, its -wal or its -shm deleted or replaced since the open is
 * CCAKIT_ERR_DB_GONE with the reason in d ("the file was deleted", ...),
 * and from then on issue, redeem and purge fail with that code too, for
 * good. PostgreSQL and ":memory:": CCAKIT_OK.
 */
int kbs_chstore_check(kbs_chstore *s, struct ccakit_errdetail *d);

#endif /* KBS_CHSTORE_H */
