/*
 * The protocol pieces of Veraison's challenge-response API that need no
 * socket, for the verifier (cca-verifier) and its clients (the Veraison
 * client, ccatoken attest, the benches): nonce decoding (every encoding
 * Veraison has used), the media types and the CMW record unwrapping,
 * session ids, the session JSON (writer for the service, reader for
 * clients). docs/verifier.md. No network I/O, no output.
 */
#ifndef SVC_VPROTO_H
#define SVC_VPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/err.h>
#include <ccakit/token.h>

/* --- protocol --- */

#define SVC_V_NONCE_MIN       8         /* bytes, as Veraison */
#define SVC_V_NONCE_MAX       64
#define SVC_V_NONCE_DEFAULT   32        /* neither nonce nor nonceSize */
#define SVC_V_SESSION_ID_LEN  36        /* UUID text */
#define SVC_V_SESSION_TTL     150       /* seconds (Veraison: 2m30s) */
#define SVC_V_EVIDENCE_MAX    CCAKIT_TOKEN_MAX_SIZE
/* A CMW record around a token: the token, its type, the framing. */
#define SVC_V_BODY_MAX        (SVC_V_EVIDENCE_MAX * 2 + 4096)

#define SVC_V_MT_CCA \
	"application/eat-collection; profile=\"http://arm.com/CCA-SSD/1.0.0\""
#define SVC_V_MT_CMW_CBOR     "application/cmw+cbor"
#define SVC_V_MT_CMW_JSON     "application/cmw+json"
#define SVC_V_MT_SESSION \
	"application/vnd.veraison.challenge-response-session+json"
#define SVC_V_MT_DISCOVERY    "application/vnd.veraison.discovery+json"

/*
 * A nonce from a newSession query or a session document: base64url or
 * standard base64, padded or not (a ' ' is read as '+', which a query
 * string turns it into), SVC_V_NONCE_MIN..MAX bytes.
 * CCAKIT_ERR_ENCODING or CCAKIT_ERR_CLAIM_VALUE (size).
 */
int svc_v_nonce_decode(const char *s, size_t len, uint8_t *out,
    size_t outsz, size_t *outlen);

/* How the service writes a nonce in the session document. */
enum svc_v_nonce_enc {
	SVC_V_NONCE_STD = 0,    /* standard, padded: Go []byte (default) */
	SVC_V_NONCE_URL,        /* base64url, padded */
	SVC_V_NONCE_URL_NOPAD,  /* base64url, unpadded (Veraison 2026-07) */
};
/* "std", "url", "url-nopad"; -1 for anything else. */
int svc_v_nonce_enc_from_name(const char *name);

enum svc_v_media {
	SVC_V_MEDIA_CCA = 1,    /* the eat-collection type, quoted profile */
	SVC_V_MEDIA_CMW,        /* a CMW (Veraison's six CMW types) */
};
/*
 * Classify a Content-Type: *kind on CCAKIT_OK; CCAKIT_ERR_ENCODING when
 * it does not parse as a media type (RFC 9110 §8.3.1; an unquoted URI
 * profile is a parse error, as for Go's mime.ParseMediaType: HTTP 400);
 * CCAKIT_ERR_NOT_FOUND when it parses but is not supported (415).
 * Type, subtype and parameter names are case-insensitive. The CMW types
 * are those Veraison's verification API unwraps: application/cmw,
 * application/vnd.veraison.cmw, each also with +cbor or +json, without
 * parameters.
 */
int svc_v_media_parse(const char *ct, enum svc_v_media *kind);
/* A Content-Type split (RFC 9110 §8.3.1): type and subtype lower-cased,
 * the profile parameter unquoted, whether another parameter is there.
 * CCAKIT_ERR_ENCODING when it does not parse (a repeated profile too). */
struct svc_v_mt {
	char type[64];
	char subtype[128];
	bool has_profile;
	char profile[256];
	bool other_param;
};
int svc_v_media_split(const char *ct, struct svc_v_mt *out);
/* The types advertised (discovery, session "accept", a 415's Accept),
 * NULL-terminated. */
extern const char *const svc_v_media_types[];

/* The longest media type kept from a CMW record. */
#define SVC_V_MEDIA_TYPE_MAX  255

/*
 * The evidence inside a CMW (draft-ietf-rats-msg-wrap), its form told by
 * the first byte as Veraison's CMW library does: a record, CBOR [type,
 * value(bstr), ?ind(uint)] or JSON ["type", "base64url value", ?ind],
 * whose type must be the CCA media type (tstr), copied as written into
 * type; the value is returned as a view into body (CBOR) or a malloc'd
 * copy (JSON: *copy, free it). A well-formed collection (JSON object,
 * CBOR map), CBOR-tag CMW or record whose type is another media type or
 * a Content-Format number is CCAKIT_ERR_NOT_FOUND (415); anything else
 * malformed CCAKIT_ERR_ENCODING, CCAKIT_ERR_CBOR_* or CCAKIT_ERR_JSON
 * (400), with detail.
 */
int svc_v_cmw_unwrap(const uint8_t *body, size_t len, const uint8_t **ev,
    size_t *evlen, uint8_t **copy, char type[SVC_V_MEDIA_TYPE_MAX + 1],
    struct ccakit_errdetail *d);

/* A random (version 4) UUID, lower case, NUL-terminated. */
int svc_v_uuid(char out[SVC_V_SESSION_ID_LEN + 1]);
/* Whether s is a UUID in that form (any version). */
bool svc_v_uuid_valid(const char *s);
/*
 * A session id from a URL as Go's uuid.Parse reads it (Veraison's API):
 * xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx in either case, prefixed with
 * urn:uuid:, between two more characters ({...}), or 32 hex digits;
 * written to out in the lower-case form above. false when it is none.
 */
bool svc_v_uuid_parse(const char *s, char out[SVC_V_SESSION_ID_LEN + 1]);

/* --- sessions --- */

enum svc_v_status {
	SVC_V_WAITING = 0,
	SVC_V_PROCESSING = 1,
	SVC_V_COMPLETE = 2,
	SVC_V_FAILED = 3,
};
const char *svc_v_status_name(enum svc_v_status s);

struct svc_v_session {
	char id[SVC_V_SESSION_ID_LEN + 1];
	uint8_t nonce[SVC_V_NONCE_MAX];
	size_t nonce_len;
	int64_t created_ms;             /* Unix milliseconds */
	int64_t expires_ms;
	enum svc_v_status status;
	char *media_type;               /* evidence: NULL until submitted */
	uint8_t *evidence;
	size_t evidence_len;
	char *result;                   /* the EAR JWT, NULL until complete */
};
void svc_v_session_clear(struct svc_v_session *s);

/*
 * The session document as Veraison writes it, members in its order:
 * {"status","nonce","expiry","accept","evidence"?,"result"?}; expiry in
 * RFC 3339 (UTC, milliseconds), evidence {"type","value"(std base64)}.
 * malloc'd in *out.
 */
int svc_v_session_to_json(const struct svc_v_session *s,
    enum svc_v_nonce_enc enc, char **out);

/*
 * A client's reading of a session document (untrusted): status (one of
 * the four names), nonce when present (any encoding, 8..64 bytes; absent
 * or null: nonce_len 0, for the client to judge), result when present.
 * id, times and evidence are not filled. Fails with
 * CCAKIT_ERR_JSON / CCAKIT_ERR_ENCODING / CCAKIT_ERR_TOO_LARGE.
 */
#define SVC_V_SESSION_JSON_MAX  (1024 * 1024)
int svc_v_session_from_json(const char *json, size_t len,
    struct svc_v_session *s, struct ccakit_errdetail *d);

#endif /* SVC_VPROTO_H */
