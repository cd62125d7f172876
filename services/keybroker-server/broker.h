/*
 * keybroker-server's building blocks above the library: the secrets
 * store, the demo's reference-values file and the release policy (a Rego
 * module, the demo's arm-cca.rego or one of ccakit's). No network I/O, no
 * output. All functions return CCAKIT_OK or a ccakit_err code; outputs are
 * written only on success.
 */
#ifndef KBS_BROKER_H
#define KBS_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/bytes.h>
#include <ccakit/ear.h>
#include <ccakit/err.h>
#include <ccakit/rego.h>

#include "kbs_parse.h"

#define KBS_SECRET_MAX              (64 * 1024)
#define KBS_SECRETS_MAX_COUNT       4096
#define KBS_REFVALS_MAX_JSON        (1024 * 1024)
#define KBS_REFVALS_MAX_COUNT       4096
#define KBS_REFVAL_MAX_LEN          64      /* a RIM: 32, 48 or 64 bytes */

/* --- secrets --- */

typedef struct kbs_secrets kbs_secrets;

kbs_secrets *kbs_secrets_new(void);
/* Wipes every secret; accepts NULL, sets *sp to NULL. */
void kbs_secrets_free(kbs_secrets **sp);

/* Add a copy of a secret (1..KBS_SECRET_MAX bytes). A name that is
 * already present is refused (CCAKIT_ERR_INVALID_ARG). */
int kbs_secrets_add(kbs_secrets *s, const char *name,
    const uint8_t *val, size_t len);

#define KBS_SECRETS_DEMO_NAME  "skywalker"
#define KBS_SECRETS_DEMO_VALUE "May the force be with you."
/* The demo's built-in secret: skywalker = "May the force be with you."
 * (26 bytes, no NUL). */
int kbs_secrets_add_demo(kbs_secrets *s);

/* One secret from a file: its bytes exactly (no newline stripping). */
int kbs_secrets_load_file(kbs_secrets *s, const char *name,
    const char *path, struct ccakit_errdetail *d);
/* "name=path", as given on a command line. */
int kbs_secrets_load_spec(kbs_secrets *s, const char *spec,
    struct ccakit_errdetail *d);
/*
 * Every regular file of a directory (symbolic links followed) is a
 * secret named after the file; names starting with '.' are skipped (so
 * a Kubernetes secret volume works), any other invalid name fails.
 * All or nothing: on failure the store is unchanged.
 */
int kbs_secrets_load_dir(kbs_secrets *s, const char *dir,
    struct ccakit_errdetail *d);

size_t kbs_secrets_count(const kbs_secrets *s);
/* Borrowed view of a secret, valid until the store is modified or freed;
 * CCAKIT_ERR_NOT_FOUND when absent. */
int kbs_secrets_get(const kbs_secrets *s, const char *name,
    const uint8_t **val, size_t *len);

/* --- the demo's reference-values file --- */

/*
 * {"reference-values": ["<standard base64, padded>", ...]}: at least
 * one value, each a RIM of 32, 48 or 64 bytes in canonical base64; no
 * other member; duplicates are kept once.
 */
typedef struct kbs_refvals kbs_refvals;

kbs_refvals *kbs_refvals_new(void);
void kbs_refvals_free(kbs_refvals **rp);
/* Append the values of a file's text; all or nothing. */
int kbs_refvals_load_json(kbs_refvals *r, const char *json, size_t len,
    struct ccakit_errdetail *d);
/* Add one RIM (32, 48 or 64 bytes); present already is not an error. */
int kbs_refvals_add(kbs_refvals *r, const uint8_t *rim, size_t len);
size_t kbs_refvals_count(const kbs_refvals *r);
/* The i-th value (load order) as bytes and as its base64 text; NULL
 * when out of range. Borrowed until r is modified or freed. */
const uint8_t *kbs_refvals_get(const kbs_refvals *r, size_t i,
    size_t *len);
const char *kbs_refvals_get_b64(const kbs_refvals *r, size_t i);
bool kbs_refvals_contains(const kbs_refvals *r, const uint8_t *rim,
    size_t len);

/* --- the key broker's release policy, in Rego --- */

/*
 * The policy is a Rego module evaluated as data.arm_cca.allow, exactly as
 * the Veraison keybroker demo's server evaluates its arm-cca.rego: input
 * the EAR's claims set (JSON), data {"reference-values": [<standard
 * base64 of an approved RIM>, ...]}; the secret is released iff allow is
 * true. A policy may say why it refuses in data.arm_cca.deny (a set of
 * strings), as ccakit's own do. Compiled once; thread-safe afterwards.
 */
typedef struct kbs_policy kbs_policy;

#define KBS_POLICY_BUILTIN      "builtin:"      /* prefix of --policy */
#define KBS_POLICY_DEFAULT      "builtin:default"
#define KBS_POLICY_MAX_FILE     (1024 * 1024)
#define KBS_POLICY_MAX_STEPS    1000000u        /* per evaluation */
#define KBS_POLICY_MAX_MEMORY   (16u * 1024 * 1024)

/* The shipped policies (services/keybroker-server/policies/NAME.rego,
 * "default" and "strict" among them): their NUL-terminated text, NULL if
 * unknown (name NULL too). */
const char *kbs_release_policy_builtin(const char *name);
/* Their names, for messages: "default, strict". */
const char *kbs_release_policy_names(void);

/*
 * Compile a policy text (`name` appears in its errors): it must define
 * data.arm_cca.allow. CCAKIT_ERR_REGO_PARSE or _COMPILE with the first
 * error as "FILE:ROW: MESSAGE" in d->text; CCAKIT_ERR_POLICY when the
 * module has no package arm_cca rule allow.
 */
int kbs_policy_new(const char *name, const char *text, size_t len,
    kbs_policy **out, struct ccakit_errdetail *d);
void kbs_policy_free(kbs_policy **pp);

/* The data document for the RIMs rims[0..n) (32, 48 or 64 bytes each);
 * free it with kbs_policy_data_free (accepts NULL, sets *dp to NULL). */
int kbs_policy_data_new(const struct ccakit_bytes *rims, size_t n,
    ccakit_rego_doc **out);
void kbs_policy_data_free(ccakit_rego_doc **dp);

/*
 * Decide on an attestation result. CCAKIT_OK: allow is true. CCAKIT_ERR_
 * POLICY: refused (allow false, undefined or not a boolean); why->text
 * has the policy's deny messages, joined by "; ", when it gives any.
 * CCAKIT_ERR_REGO_EVAL, _LIMIT (steps, memory), NOMEM, INVALID_ARG: no
 * decision (why->text says why).
 */
int kbs_policy_eval(const kbs_policy *p, const ccakit_ear *ear,
    const ccakit_rego_doc *data, struct ccakit_errdetail *why);

#endif /* KBS_BROKER_H */
