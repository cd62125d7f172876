/*
 * kbs: storage, as Trustee's key-value namespaces over the state layer
 * (SQLite, PostgreSQL, memory) or Trustee's LocalFs / LocalJson
 * directories (module kbs_kv).
 */
#ifndef KBS_KV_H
#define KBS_KV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/err.h>

#include "config.h"
#include "state.h"

#define KBS_RESOURCE_MAX        STATE_VALUE_MAX

/* Storage namespaces, with Trustee's names (and LocalFs directories). */
#define KBS_NS_KBS              "kbs"                   /* resource policy */
#define KBS_NS_REPOSITORY       "repository"            /* resources */
#define KBS_NS_SESSION          "kbs_protocol_session"  /* RCAR sessions */
#define KBS_NS_AS_POLICY        "attestation_service_policy"
#define KBS_NS_REFVAL           "reference_value"
#define KBS_NS_META             "kbs_meta"              /* ccakit: keys */
#define KBS_NS_PROVISIONER      "provisioner"           /* its LUKS keys */

/* Milliseconds since the epoch. */
int64_t kbs_now_ms(void);

/* --- storage (kv.c): Trustee's key-value namespaces --- */

typedef struct kbs_kv kbs_kv;   /* one backend */
typedef struct kbs_store kbs_store;

/*
 * The stores the configuration names: the state layer (SQLite file,
 * ":memory:" for Memory, PostgreSQL) or Trustee's LocalFs / LocalJson
 * directories. db_path is the SQLite file of the default (and of
 * storage_type = "Sqlite" without a path).
 */
int kbs_store_open(const struct kbs_config *c, const char *db_path,
    kbs_store **out, struct ccakit_errdetail *d);
void kbs_store_free(kbs_store **sp);
/* The backend of a namespace. */
kbs_kv *kbs_store_ns(kbs_store *s, const char *ns);
/* The state layer handle (meta values), NULL without one. */
state_db *kbs_store_state(kbs_store *s);
/* For logs: what each backend is. */
void kbs_store_describe(kbs_store *s, char *out, size_t outsz);
/* Housekeeping: purge expired records, SQLite checkpoints. */
void kbs_store_housekeep(kbs_store *s, int64_t now_ms);

/* A value: malloc'd, NUL after it; wipe with kbs_val_clear(). */
struct kbs_val {
	uint8_t *p;
	size_t len;
	uint64_t version;               /* for kbs_kv_update */
};
void kbs_val_clear(struct kbs_val *v);

/* CCAKIT_ERR_NOT_FOUND when absent (or expired in the state layer). */
int kbs_kv_get(kbs_kv *kv, const char *ns, const char *key,
    struct kbs_val *out, struct ccakit_errdetail *d);
/* overwrite false: nothing happens when the key exists (*created
 * false). expires_ms 0: never (file backends keep no expiry). */
int kbs_kv_set(kbs_kv *kv, const char *ns, const char *key, const void *val,
    size_t len, int64_t expires_ms, bool overwrite, bool *created,
    struct ccakit_errdetail *d);
/* Replace only if still at version (one winner across replicas);
 * *updated says whether it was. */
int kbs_kv_update(kbs_kv *kv, const char *ns, const char *key,
    uint64_t version, const void *val, size_t len, bool *updated,
    struct ccakit_errdetail *d);
/* CCAKIT_ERR_NOT_FOUND when there was none. */
int kbs_kv_delete(kbs_kv *kv, const char *ns, const char *key,
    struct ccakit_errdetail *d);
/* Keys in order to fn (nonzero stops and is returned). */
int kbs_kv_list(kbs_kv *kv, const char *ns,
    int (*fn)(void *arg, const char *key), void *arg,
    struct ccakit_errdetail *d);
/* Trustee's key rule: [A-Za-z0-9._/-]+ */
bool kbs_kv_key_valid(const char *key);

#endif /* KBS_KV_H */
