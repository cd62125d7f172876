/*
 * CoRIM and CoMID (draft-ietf-rats-corim) for Arm CCA: strict decoder
 * and encoder, signed CoRIM (COSE_Sign1 with corim-meta and x5chain, the
 * chain verified against configured roots), JSON in the formats of
 * Veraison's corim library and cocli, the Arm CCA platform and realm
 * profiles (current and legacy) with a validator that refuses what
 * Veraison's refuses, and the conversions to and from ccakit's
 * trust-anchor and reference-value stores (docs/corim.md).
 *
 * Decoding never trusts a declared length: the input is validated once
 * by the strict CBOR reader (definite lengths, preferred serialization,
 * no duplicate keys, caps) before any allocation, and what is allocated
 * is proportional to the items actually present.
 */
#ifndef CCAKIT_CORIM_H
#define CCAKIT_CORIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/store.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Largest CoRIM (signed or not) or CoMID accepted, in bytes. */
#define CCAKIT_CORIM_MAX_SIZE   (1024 * 1024)
/* Largest JSON template accepted, in bytes. */
#define CCAKIT_CORIM_MAX_JSON   (4 * 1024 * 1024)

/* The profiles ccakit knows. */
enum ccakit_corim_profile {
	CCAKIT_CORIM_PROFILE_NONE = 0,      /* no profile in the CoRIM */
	CCAKIT_CORIM_PROFILE_OTHER,         /* a profile ccakit does not know */
	CCAKIT_CORIM_PROFILE_CCA_PLATFORM,  /* tag:arm.com,2025:cca_platform#1.0.0 */
	CCAKIT_CORIM_PROFILE_CCA_REALM,     /* tag:arm.com,2025:cca_realm#1.0.0 */
	CCAKIT_CORIM_PROFILE_CCA_PLATFORM_LEGACY, /* http://arm.com/cca/ssd/1 */
	CCAKIT_CORIM_PROFILE_CCA_REALM_LEGACY,    /* http://arm.com/cca/realm/1 */
};

#define CCAKIT_CORIM_CCA_PLATFORM "tag:arm.com,2025:cca_platform#1.0.0"
#define CCAKIT_CORIM_CCA_REALM    "tag:arm.com,2025:cca_realm#1.0.0"
#define CCAKIT_CORIM_CCA_PLATFORM_LEGACY "http://arm.com/cca/ssd/1"
#define CCAKIT_CORIM_CCA_REALM_LEGACY    "http://arm.com/cca/realm/1"

/* The URI of a known CCA profile, NULL for NONE and OTHER. */
const char *ccakit_corim_profile_uri(enum ccakit_corim_profile p);
/* The profile named by a URI (exactly), OTHER when unknown. */
enum ccakit_corim_profile ccakit_corim_profile_from_uri(const char *uri,
    size_t len);

/* --- CoMID --- */

typedef struct ccakit_comid ccakit_comid;

/* Decode an untagged concise-mid-tag (a #6.506-tagged one is accepted
 * too). */
int ccakit_comid_decode(const uint8_t *buf, size_t len, ccakit_comid **out,
    struct ccakit_errdetail *d);
/* A CoMID from a JSON template (Veraison corim library / cocli format,
 * docs/corim.md), validated. */
int ccakit_comid_from_json(const char *json, size_t len, ccakit_comid **out,
    struct ccakit_errdetail *d);
/* Untagged CBOR, core deterministic encoding; malloc'd in *out. */
int ccakit_comid_encode(const ccakit_comid *c, uint8_t **out, size_t *len);
/* Pretty JSON in the template format; malloc'd in *out. */
int ccakit_comid_to_json(const ccakit_comid *c, char **out);
void ccakit_comid_free(ccakit_comid **cp);

/* --- CoRIM --- */

typedef struct ccakit_corim ccakit_corim;

/* The kinds of tag a CoRIM carries (its tags array). */
#define CCAKIT_CORIM_TAG_COSWID  505
#define CCAKIT_CORIM_TAG_COMID   506
#define CCAKIT_CORIM_TAG_COTS    507
#define CCAKIT_CORIM_TAG_COTL    508

/*
 * Decode a CoRIM: #6.501(unsigned-corim-map), or a signed CoRIM
 * (#6.18 COSE_Sign1, also behind the old #6.500(#6.502(...))) whose
 * payload is one. Older encodings still met in the field are accepted
 * (docs/corim.md: untagged maps, bstr-wrapped tags, a profile array).
 * A signed CoRIM is only decoded here: see ccakit_corim_verify().
 */
int ccakit_corim_decode(const uint8_t *buf, size_t len, ccakit_corim **out,
    struct ccakit_errdetail *d);
void ccakit_corim_free(ccakit_corim **cp);

/* A CoRIM from a JSON template (corim-id, profile, validity,
 * dependent-rims, entities), without tags yet. */
int ccakit_corim_from_json(const char *json, size_t len, ccakit_corim **out,
    struct ccakit_errdetail *d);
/* Append a tag: the CBOR of a CoMID (checked by decoding it), a CoSWID,
 * a CoTS or a CoTL (kept as given, which must be one CBOR item). */
int ccakit_corim_add_tag(ccakit_corim *c, unsigned tag, const uint8_t *cbor,
    size_t len, struct ccakit_errdetail *d);
/* Append a copy of a CoMID. */
int ccakit_corim_add_comid(ccakit_corim *c, const ccakit_comid *m);

/* How the profile is written by the encoder. */
enum ccakit_corim_profile_form {
	CCAKIT_CORIM_PROFILE_AS_IS = 0,     /* as decoded or templated */
	CCAKIT_CORIM_PROFILE_URI,           /* #6.32(tstr): Veraison main */
	CCAKIT_CORIM_PROFILE_TEXT,          /* tstr: Veraison v0.0.2605..2608 */
};
int ccakit_corim_set_profile_form(ccakit_corim *c,
    enum ccakit_corim_profile_form f);

/* #6.501-tagged unsigned CoRIM, core deterministic encoding. */
int ccakit_corim_encode(const ccakit_corim *c, uint8_t **out, size_t *len);
/* Pretty JSON: {"corim-id", "profile", "validity", "entities",
 * "dependent-rims", "tags": [...]} with the tags as standard base64, or
 * decoded (CoMIDs as JSON) when expand is set; a signed CoRIM adds
 * "meta" and "signature" members. */
int ccakit_corim_to_json(const ccakit_corim *c, bool expand, char **out);

enum ccakit_corim_profile ccakit_corim_profile(const ccakit_corim *c);
/* The profile as a string (the dotted form for an OID), NUL terminated,
 * or NULL when absent. Valid while c is. */
const char *ccakit_corim_profile_str(const ccakit_corim *c);
/* Its rim-validity (key 5), in seconds since the epoch: false when it
 * has none (then the outputs are left alone). */
bool ccakit_corim_validity(const ccakit_corim *c, bool *has_not_before,
    int64_t *not_before, int64_t *not_after);
size_t ccakit_corim_tag_count(const ccakit_corim *c);
/* The type (CCAKIT_CORIM_TAG_*) and CBOR content of the i-th tag. */
int ccakit_corim_tag(const ccakit_corim *c, size_t i, unsigned *tag,
    struct ccakit_bytes *content);
/* The i-th tag decoded as a CoMID (a new object), when it is one. */
int ccakit_corim_comid(const ccakit_corim *c, size_t i, ccakit_comid **out,
    struct ccakit_errdetail *d);

/*
 * Arm CCA profile validation: the rules of Veraison's corim profiles
 * (profiles/cca) for the current profiles, the legacy extractors' for
 * the legacy ones, plus what ccakit needs to turn the values into store
 * entries (docs/corim.md). CCAKIT_OK, or CCAKIT_ERR_PROFILE_UNKNOWN (no
 * or another profile) or CCAKIT_ERR_POLICY with the reason in d.
 */
int ccakit_corim_validate_cca(const ccakit_corim *c,
    struct ccakit_errdetail *d);

/*
 * The trust anchors and reference values of a valid CCA CoRIM, added to
 * the stores (either may be NULL when the caller wants only the other
 * kind); all or nothing. Platform reference values are marked with
 * CCAKIT_RV_MATCH_CORIM: Veraison's matching rules (store.h).
 */
int ccakit_corim_to_stores(const ccakit_corim *c, ccakit_ta_store *ta,
    ccakit_rv_store *rv, struct ccakit_errdetail *d);

/* Options for CoRIMs built from store entries. */
struct ccakit_corim_build {
	enum ccakit_corim_profile_form profile_form; /* AS_IS means URI */
	const char *corim_id;     /* NULL: a random UUID */
	bool digest_alg_text;     /* "sha-256" rather than 1 */
	bool config_masked;       /* #6.563([cfg, mask]) rather than
	                           * #6.560(cfg) + raw-value-mask (Veraison) */
	const char *entity_name;  /* NULL: no entities */
	const char *entity_regid; /* NULL: none */
	const ccakit_comid *comid_template; /* tag-identity, language,
	                           * entities taken from it; may be NULL */
};

/*
 * A CCA platform CoRIM (current profile) from the platform entries of
 * rv and the trust anchors of ta (either may be NULL), and a CCA realm
 * CoRIM from the realm entries of rv. *platform / *realm are NULL when
 * there is nothing of that kind. Either output pointer may be NULL.
 */
int ccakit_corim_from_stores(const ccakit_ta_store *ta,
    const ccakit_rv_store *rv, const struct ccakit_corim_build *opt,
    ccakit_corim **platform, ccakit_corim **realm,
    struct ccakit_errdetail *d);

/* --- signed CoRIM --- */

struct ccakit_corim_meta {
	const char *signer_name;  /* mandatory */
	const char *signer_uri;   /* NULL: none */
	bool has_not_before;
	int64_t not_before;       /* seconds since the epoch */
	bool has_not_after;       /* has_not_before needs has_not_after */
	int64_t not_after;
};

/*
 * cocli's meta template {"signer": {"name", "uri"?}, "validity"?:
 * {"not-before"?, "not-after"}} (RFC 3339 times) into m. The strings
 * m points to are malloc'd in *name and *uri (NULL when absent): free
 * them with ccakit_free() when m is no longer used.
 */
int ccakit_corim_meta_from_json(const char *json, size_t len,
    struct ccakit_corim_meta *m, char **name, char **uri,
    struct ccakit_errdetail *d);

/* The corim-meta of a signed CoRIM (strings valid while c is); NOT_FOUND
 * for an unsigned one. */
int ccakit_corim_meta(const ccakit_corim *c, struct ccakit_corim_meta *m);
bool ccakit_corim_is_signed(const ccakit_corim *c);

/* Trusted roots for x5chain verification (OpenSSL X509 store). */
typedef struct ccakit_corim_roots ccakit_corim_roots;
ccakit_corim_roots *ccakit_corim_roots_new(void);
void ccakit_corim_roots_free(ccakit_corim_roots **rp);
/* PEM (one or more certificates) or a DER certificate. */
int ccakit_corim_roots_add(ccakit_corim_roots *r, const uint8_t *buf,
    size_t len, struct ccakit_errdetail *d);
size_t ccakit_corim_roots_count(const ccakit_corim_roots *r);

/*
 * Verify a signed CoRIM: its x5chain (leaf first, then intermediates)
 * must build a path to one of the roots, valid at time now (0: the
 * current time), and the COSE signature must verify with the leaf's
 * key; the corim-meta signature-validity, when present, must include
 * now. CCAKIT_ERR_SIGNATURE, CCAKIT_ERR_TA_UNKNOWN (no path to a root),
 * CCAKIT_ERR_EXPIRED, CCAKIT_ERR_NOT_FOUND (unsigned, or no x5chain),
 * with the reason in d.
 */
int ccakit_corim_verify(const ccakit_corim *c, const ccakit_corim_roots *r,
    int64_t now, struct ccakit_errdetail *d);
/* Verify the signature with a given public key instead (cocli's
 * `corim verify --key`); the chain, when present, is not used. */
int ccakit_corim_verify_key(const ccakit_corim *c, const ccakit_key *k,
    struct ccakit_errdetail *d);

/*
 * Sign: COSE_Sign1 with protected {1: alg, 3: "application/rim+cbor",
 * 4: kid (when kid is given), 8: corim-meta, 33: x5chain (when certs
 * are given: a bstr for one, an array for more)} over the #6.501 CoRIM.
 * certs[0] is the leaf (DER), whose public key must be the signing
 * key's. alg 0: the key's default ES algorithm.
 */
int ccakit_corim_sign(const ccakit_corim *c, const ccakit_key *key, int alg,
    const struct ccakit_corim_meta *meta, const struct ccakit_bytes *certs,
    size_t ncerts, const uint8_t *kid, size_t kidlen, uint8_t **out,
    size_t *outlen, struct ccakit_errdetail *d);

#ifdef __cplusplus
}
#endif

#endif /* CCAKIT_CORIM_H */
