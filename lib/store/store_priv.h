/*
 * Internal interfaces of the store module (not exported).
 */
#ifndef CCAKIT_STORE_PRIV_H
#define CCAKIT_STORE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <ccakit/store.h>

/* One trust anchor: a CPAK and the identifiers it is registered under. */
struct cki_ta_entry {
	uint8_t impl_id[32];
	uint8_t inst_id[33];
	char *jwk;		/* JWK text written by to_json, NUL terminated */
	size_t jwklen;
	ccakit_key *key;	/* NULL: the JWK does not give a usable key */
};

struct ccakit_ta_store {
	struct cki_ta_entry *e;
	size_t n;
	size_t cap;
	/*
	 * Which contents: a value no other store and no earlier contents
	 * of this one had, taken from one process-wide counter when the
	 * store is made and at every change, so a later store or a later
	 * change has a larger one (the platform-token cache flushes on it,
	 * lib/appraise/pcache.c). Read only where the store is read.
	 */
	uint64_t stamp;
};

struct ccakit_rv_store {
	struct ccakit_platform_rv *p;
	size_t np;
	size_t pcap;
	struct ccakit_realm_rv *r;
	size_t nr;
	size_t rcap;
};

/*
 * Trust-anchor lookup for the verifier. Returns true when an entry with
 * both identifiers exists; *key then receives its key, which is NULL
 * when the entry's JWK was loaded but does not give a usable key (for
 * example a point that is not on its curve): the caller treats that as
 * a signature failure, not as an unknown platform. key may be NULL.
 */
bool cki_ta_store_find(const ccakit_ta_store *s, const uint8_t impl_id[32],
    const uint8_t inst_id[33], const ccakit_key **key);

/* A new stamp for a store made or changed now (see struct
 * ccakit_ta_store). */
uint64_t cki_ta_store_next_stamp(void);

/*
 * Two-phase insertion, so that a caller can fill several stores all or
 * nothing: reserve room first (may fail), then insert (cannot fail).
 */
/* Room for `more` further entries (within CCAKIT_STORE_MAX_ENTRIES). */
int cki_ta_store_reserve(ccakit_ta_store *s, size_t more);
/* Room for *e: none needed when it replaces an entry. */
int cki_ta_store_make_room(ccakit_ta_store *s, const struct cki_ta_entry *e);
/* Move *e into the store (replacing an entry with the same ids); *e is
 * left holding what the caller must release with cki_ta_entry_clear(). */
void cki_ta_store_put(ccakit_ta_store *s, struct cki_ta_entry *e);
void cki_ta_entry_clear(struct cki_ta_entry *e);
/* A copy of JWK text with the surrounding JSON whitespace removed. */
int cki_ta_entry_set_jwk(struct cki_ta_entry *e, const char *jwk,
    size_t len);

int cki_rv_store_reserve(ccakit_rv_store *s, size_t nplat, size_t nrealm);
/* Move an entry in (the store takes ownership; *rv is zeroed). */
void cki_rv_store_put_platform(ccakit_rv_store *s,
    struct ccakit_platform_rv *rv);
void cki_rv_store_put_realm(ccakit_rv_store *s, struct ccakit_realm_rv *rv);
void cki_platform_rv_clear(struct ccakit_platform_rv *rv);
void cki_realm_rv_clear(struct ccakit_realm_rv *rv);

/* Valid measurement size (32, 48 or 64 bytes). */
bool cki_meas_len_ok(size_t len);

/* Whether n + more entries stay within CCAKIT_STORE_MAX_ENTRIES. */
bool cki_store_fits(size_t n, size_t more);
/*
 * Grow the array *v (*cap elements of sz bytes) to hold need elements,
 * need <= CCAKIT_STORE_MAX_ENTRIES; *v and *cap change only on success.
 */
int cki_store_grow(void **v, size_t *cap, size_t need, size_t sz);

/*
 * Pretty JSON writer with serde_json's to_string_pretty layout (two
 * spaces per level, `"key": value`, empty containers as [] and {}), used
 * so that stores are written exactly as rust-ccatoken writes them and a
 * raw JWK can be embedded verbatim. Errors are sticky.
 */
#define CKI_JW_MAX_DEPTH 8
#define CKI_JW_MAX_SIZE  (64u * 1024 * 1024)

struct cki_jw {
	char *buf;
	size_t len;
	size_t cap;
	int err;
	unsigned depth;
	unsigned nonempty;	/* bit i: level i has a member */
};

void cki_jw_init(struct cki_jw *w);
void cki_jw_open(struct cki_jw *w, char c);	/* '{' or '[' */
void cki_jw_close(struct cki_jw *w, char c);	/* '}' or ']' */
void cki_jw_key(struct cki_jw *w, const char *name);
void cki_jw_elem(struct cki_jw *w);
void cki_jw_str(struct cki_jw *w, const char *s, size_t len);
void cki_jw_hex(struct cki_jw *w, const uint8_t *p, size_t len);
void cki_jw_null(struct cki_jw *w);
void cki_jw_raw(struct cki_jw *w, const char *s, size_t len);
/* On success hands over the NUL-terminated text; always frees on error. */
int cki_jw_finish(struct cki_jw *w, char **out);

/*
 * Reading side. A hex string value into out[0..outsz); label locates it
 * in error details ("realm[0].extensible-measurements[2]"), what is the
 * static name put in d->what. v NULL means the value is missing.
 */
int cki_json_hexval(const json_t *v, const char *what, const char *label,
    uint8_t *out, size_t outsz, size_t *outlen,
    struct ccakit_errdetail *d);
/* The same for member `what` of an object; ctx locates the object
 * ("platform[2].sw-components[0]"). */
int cki_json_hex(const json_t *obj, const char *what, const char *ctx,
    uint8_t *out, size_t outsz, size_t *outlen,
    struct ccakit_errdetail *d);
/* Optional text member: absent or null gives *out = NULL. */
int cki_json_opt_text(const json_t *obj, const char *what, const char *ctx,
    char **out, struct ccakit_errdetail *d);
/* Parse a whole JSON text (size-capped, duplicate keys refused). */
int cki_json_load(const char *json, size_t len, json_t **root,
    struct ccakit_errdetail *d);

#endif /* CCAKIT_STORE_PRIV_H */
