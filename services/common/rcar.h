/*
 * RCAR, the Request-Challenge-Attestation-Response protocol of Trustee's
 * KBS, version 0.4.0 (confidential-containers/trustee at 78962cd, the
 * kbs-types wire types): its messages, how both sides read and build
 * them, the runtime data that binds the evidence to the session, and the
 * KBS's error bodies. One module for the server (services/kbs) and the
 * guest side (kbs-client, the agent). docs/kbs.md has the protocol.
 *
 * Messages are JSON (jansson). Parsers read untrusted bodies the way
 * serde reads the kbs-types structs: one JSON object, the members the
 * struct names (unknown ones ignored, duplicates refused), each of its
 * type; they fill an optional ccakit_errdetail saying which member and
 * why. Every parser has a size cap and a nesting cap.
 */
#ifndef SVC_RCAR_H
#define SVC_RCAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <ccakit/err.h>

#define RCAR_PROTOCOL_VERSION  "0.4.0"
#define RCAR_COOKIE            "kbs-session-id"
#define RCAR_NONCE_BYTES       32
#define RCAR_NONCE_LEN         44      /* standard base64 of 32 bytes */
#define RCAR_SESSION_ID_LEN    32      /* a UUIDv4, "simple" (lower hex) */
#define RCAR_REPORT_DATA_LEN   64      /* a CCA realm challenge */
#define RCAR_HASH_MAX          64
/* Largest message a parser takes (the KBS's payload_request_size may
 * be lower), and the deepest JSON nesting. */
#define RCAR_MAX_MESSAGE       (64u * 1024 * 1024)
#define RCAR_MAX_DEPTH         64
/* The prefix of an error body's "type". */
#define RCAR_ERROR_TYPE \
	"https://github.com/confidential-containers/kbs/errors/"

/* kbs-types' Tee, with its serde names. */
enum rcar_tee {
	RCAR_TEE_AZ_SNP_VTPM = 0,
	RCAR_TEE_AZ_TDX_VTPM,
	RCAR_TEE_NVIDIA,
	RCAR_TEE_SGX,
	RCAR_TEE_SNP,
	RCAR_TEE_TDX,
	RCAR_TEE_CCA,
	RCAR_TEE_CSV,
	RCAR_TEE_SE,
	RCAR_TEE_HYGONDCU,
	RCAR_TEE_TPM,
	RCAR_TEE_SAMPLE,
	RCAR_TEE_SAMPLEDEVICE,
	RCAR_TEE_NVIDIA_DPU,
	RCAR_TEE_COUNT
};

/* "cca", "sample", ...; NULL for a value out of range. */
const char *rcar_tee_name(enum rcar_tee tee);
/* The TEE of a serde name (exact, case-sensitive); -1 if none. */
int rcar_tee_parse(const char *name, enum rcar_tee *out);

/* kbs-types' HashAlgorithm: an enumeration of its own, because RCAR has
 * SM3, which <ccakit/hash.h> (the RMM's numbering) does not. */
enum rcar_hash {
	RCAR_HASH_SHA256 = 0,
	RCAR_HASH_SHA384,
	RCAR_HASH_SHA512,
	RCAR_HASH_SM3,
};

/* "sha256", "sha384", "sha512", "sm3". */
const char *rcar_hash_name(enum rcar_hash h);
/* The algorithm of a name: exact lower case (serde, init-data), or any
 * case with nocase (the guest's reading of selected-hash-algorithm);
 * -1 if none. */
int rcar_hash_parse(const char *name, bool nocase, enum rcar_hash *out);
/* Digest length (32, 48, 64, 32). */
size_t rcar_hash_len(enum rcar_hash h);
/* out must hold RCAR_HASH_MAX bytes. CCAKIT_ERR_CRYPTO if the
 * algorithm is not available (SM3 in a restricted OpenSSL). */
int rcar_hash(enum rcar_hash h, const void *p, size_t len,
    uint8_t out[RCAR_HASH_MAX], size_t *outlen);

/* --- the protocol version --- */

enum rcar_version_verdict {
	RCAR_VERSION_OK = 0,
	RCAR_VERSION_UNPARSABLE,        /* not a semantic version */
	RCAR_VERSION_MISMATCH,          /* parses, but is not =0.4.0 */
};

/*
 * Trustee's check: parse as a semantic version 2.0.0 (no "v" prefix, no
 * leading zeros, all three numbers), then match "=0.4.0": build metadata
 * ("0.4.0+x") is ignored, a pre-release ("0.4.0-rc1") does not match.
 */
enum rcar_version_verdict rcar_version_check(const char *version);

/* --- Request (POST /kbs/v0/auth) --- */

struct rcar_request {
	char version[64];               /* as sent (truncated to fit) */
	enum rcar_tee tee;
	json_t *extra_params;           /* any JSON value (owned) */
};

/*
 * {"version": string, "tee": <Tee>, "extra-params": <any>}; all three
 * required. The version is not checked here (rcar_version_check). On
 * success release with rcar_request_clear(). CCAKIT_ERR_JSON with the
 * member at fault, CCAKIT_ERR_TOO_LARGE.
 */
int rcar_request_parse(const char *body, size_t len, struct rcar_request *out,
    struct ccakit_errdetail *d);
void rcar_request_clear(struct rcar_request *r);
/* {"version","tee","extra-params"} in this order: what the guest sends
 * and what the KBS keeps in its session. NULL extra means "". */
json_t *rcar_request_build(const char *version, enum rcar_tee tee,
    const json_t *extra);

/* --- Challenge (the reply to /auth) --- */

/* A fresh nonce: standard base64 of RCAR_NONCE_BYTES random bytes. */
int rcar_nonce_new(char out[RCAR_NONCE_LEN + 1]);
/* {"nonce": nonce, "extra-params": extra} (extra NULL: ""). */
json_t *rcar_challenge_build(const char *nonce, const json_t *extra);
/*
 * The guest's reading: {"nonce": string, "extra-params": any}. *nonce
 * and *extra (borrowed from *root, which the caller json_decref()s).
 */
int rcar_challenge_parse(const char *body, size_t len, json_t **root,
    const char **nonce, const json_t **extra, struct ccakit_errdetail *d);
/*
 * The hash the guest uses for the runtime data: extra-params'
 * "selected-hash-algorithm" when extra-params is an object holding it (a
 * string naming one in any case), else SHA-384. CCAKIT_ERR_JSON when
 * the member is there but names nothing the guest knows.
 */
int rcar_selected_hash(const json_t *extra, enum rcar_hash *out,
    struct ccakit_errdetail *d);

/* --- TEE public key (kbs-types TeePubKey) --- */

/*
 * The key typed as Trustee's KBS reads and re-serialises it, before any
 * cryptographic check: "kty" selects the variant and its members, all
 * required strings, others dropped, in kbs-types' order:
 *   {"kty":"EC","crv","alg","x","y"}, {"kty":"RSA","alg","n","e"},
 *   {"kty":"AKP","alg","pub"}.
 * *out is a new object. CCAKIT_ERR_JSON when it is not one of these.
 */
int rcar_teepubkey_canon(const json_t *in, json_t **out,
    struct ccakit_errdetail *d);

/* --- Attestation (POST /kbs/v0/attest) --- */

struct rcar_attestation {
	json_t *root;                   /* owns what the members point to */
	/* init-data: NULL when null or absent */
	const char *init_format;
	const char *init_body;
	size_t init_body_len;
	/* runtime-data */
	const char *nonce;
	json_t *tee_pubkey;             /* canonical (owned reference) */
	/* tee-evidence */
	const char *primary_evidence;   /* its JSON text, checked */
	size_t primary_len;
	const char *additional_evidence; /* "" when there is none */
	size_t additional_len;
	char *owned;                    /* private */
};

/*
 * {"init-data": null | {"format": string, "body": string} (may be
 *  absent), "runtime-data": {"nonce": string, "tee-pubkey": <TeePubKey>},
 *  "tee-evidence": {"primary_evidence": any, "additional_evidence":
 *  string}}. Release with rcar_attestation_clear().
 *
 * The primary evidence is left as JSON text, checked but not built (a
 * CCA token is an array of thousands of numbers): usually a span of
 * body, which must then outlive *out. rcar_json_bytes() reads a byte
 * array from it; a verifier that wants values parses it.
 */
int rcar_attestation_parse(const char *body, size_t len,
    struct rcar_attestation *out, struct ccakit_errdetail *d);
void rcar_attestation_clear(struct rcar_attestation *a);
/* The guest's message; init_format NULL gives "init-data": null. */
json_t *rcar_attestation_build(const char *nonce, const json_t *tee_pubkey,
    const json_t *primary_evidence, const char *additional_evidence,
    const char *init_format, const char *init_body);

/*
 * Member name of the JSON object text[0..len) as bytes, from an array of
 * integers 0..255 (serde's Vec<u8>), without building the array: *out
 * (malloc'd, at most max bytes) and *outlen. Other members are checked
 * as JSON and ignored; name twice is refused, as serde does.
 * CCAKIT_ERR_NOT_FOUND when the text is not an object with that member
 * holding an array, CCAKIT_ERR_JSON for an element that is not a byte or
 * text that is not JSON, CCAKIT_ERR_TOO_LARGE beyond max; d->text then
 * says which.
 */
int rcar_json_bytes(const char *text, size_t len, const char *name,
    size_t max, uint8_t **out, size_t *outlen, struct ccakit_errdetail *d);

/* --- runtime data: the binding of the evidence --- */

/*
 * {"tee-pubkey": key, "nonce": nonce, "additional-evidence": additional}
 * (the last member omitted when additional is NULL: what additional
 * devices bind, and what the guest hashes before it collects their
 * evidence). key is the canonical TeePubKey.
 */
json_t *rcar_runtime_data(const char *nonce, const json_t *tee_pubkey,
    const char *additional);
/*
 * H(JCS(rd)) (RFC 8785): what the guest gives its attester as report
 * data. out holds RCAR_HASH_MAX bytes.
 */
int rcar_runtime_digest(const json_t *rd, enum rcar_hash h,
    uint8_t out[RCAR_HASH_MAX], size_t *outlen, struct ccakit_errdetail *d);
/*
 * Trustee's regularize_data: p zero-padded (or truncated) to n bytes
 * into out (n bytes).
 */
void rcar_regularize(const uint8_t *p, size_t len, uint8_t *out, size_t n);

/* --- tokens and errors --- */

/* {"token": token}: the reply to /attest. */
json_t *rcar_token_body(const char *token);
/* The same as compact JSON text (malloc'd; NULL when out of memory). */
char *rcar_token_text(const char *token);
/* Whether s is JSON string content as it is: printable ASCII but '"'
 * and '\\' (a JWT, a hex id, an RFC 3339 time are). */
bool rcar_json_plain(const char *s);
/* The guest's reading of it; *token borrowed from *root. */
int rcar_token_parse(const char *body, size_t len, json_t **root,
    const char **token, struct ccakit_errdetail *d);

/*
 * The KBS's error body (kbs-types ErrorInformation):
 * {"type":"https://github.com/confidential-containers/kbs/errors/<Variant>",
 *  "detail":"<detail>"}, compact, in this order; malloc'd in *out.
 * Text that is not UTF-8 is repaired.
 */
int rcar_error_body(const char *variant, const char *detail, char **out,
    size_t *outlen);
/* The guest's reading: the variant (after the prefix, or the whole type
 * when it does not start with it) and detail, into the buffers. */
int rcar_error_parse(const char *body, size_t len, char *variant,
    size_t varsz, char *detail, size_t detsz);

#endif /* SVC_RCAR_H */
