/* Internal to the challenge store (challenge.c, sqlite.c). */
#ifndef KBS_CHSTORE_PRIV_H
#define KBS_CHSTORE_PRIV_H

#include <stdint.h>

#include "chstore.h"

struct kbs_chstore {
	struct kbs_chstore_ops ops;
	void *ctx;
	unsigned ttl;
	int64_t (*now)(void *arg);
	void *now_arg;
	/* Whether the storage is still there (SQLite), or NULL. */
	int (*check)(void *ctx, struct ccakit_errdetail *d);
};

/* Backends: fill ops and ctx. */
int kbs_chstore_memory_init(struct kbs_chstore_ops *ops, void **ctx);
int kbs_chstore_sqlite_init(const char *path, struct kbs_chstore_ops *ops,
    void **ctx, struct ccakit_errdetail *d);
/* The file watch of a SQLite backend: CCAKIT_OK or CCAKIT_ERR_DB_GONE. */
int kbs_chstore_sqlite_check(void *ctx, struct ccakit_errdetail *d);

/* At most this many challenges live in the memory backend at once. */
#define KBS_CHSTORE_MEMORY_MAX 65536

#endif
