/*
 * keybroker-server's building blocks above the library: the secrets
 * store, the demo's reference-values file and the release policy (the
 * demo's arm-cca.rego in C, a small file of its own until the Rego engine
 * takes it over). No network I/O, no output. All functions return
 * CCAKIT_OK or a ccakit_err code; outputs are written only on success.
 */
#ifndef KBS_BROKER_H
#define KBS_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/bytes.h>
#include <ccakit/ear.h>
#include <ccakit/err.h>

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

/* --- the key broker's release policy (the demo's arm-cca.rego) --- */

/*
 * Require the realm status to be exactly "warning", as arm-cca.rego does
 * (an artefact of Veraison deployments without realm reference values;
 * with it, a realm Veraison found "affirming" is refused).
 */
#define KBS_POLICY_REALM_WARNING_ONLY  0x01u

/*
 * Allow the release of a secret iff:
 *  - eat_profile is CCAKIT_EAR_PROFILE;
 *  - submod CCA_SSD_PLATFORM has status "affirming";
 *  - submod CCA_REALM has status "affirming" or "warning" (exactly
 *    "warning" with KBS_POLICY_REALM_WARNING_ONLY), never "none" or
 *    "contraindicated";
 *  - the realm trust vector has instance-identity == 2;
 *  - the realm annotated evidence's "cca-realm-initial-measurement" is
 *    standard base64 (padded) of a RIM equal to one of rims[0..nrims).
 * Returns CCAKIT_OK (allow) or CCAKIT_ERR_POLICY (deny, detail says
 * which rule), or CCAKIT_ERR_INVALID_ARG.
 */
int kbs_policy_arm_cca(const ccakit_ear *ear,
    const struct ccakit_bytes *rims, size_t nrims, unsigned flags,
    struct ccakit_errdetail *why);

#endif /* KBS_BROKER_H */
