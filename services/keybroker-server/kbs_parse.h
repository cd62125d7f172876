/*
 * keybroker-server's request parsers (a library of their own, so that the
 * fuzz harnesses link them without the server): limits, media types and
 * the parsers of the request bodies, URLs and the --images file.
 */
#ifndef KBS_PARSE_H
#define KBS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/eventlog.h>
#include <ccakit/token.h>

#include "vproto.h"

/* The challenge's nonce, in bytes, and the longest key name. */
#define KBS_CHALLENGE_LEN           64
#define KBS_NAME_MAX                128     /* without the NUL */

/*
 * A key name is 1..KBS_NAME_MAX characters of [A-Za-z0-9._-],
 * not starting with '.': safe in a URL path, a file name and a log line.
 */
bool kbs_name_valid(const char *name);

/* Request bodies: a JWK is a few KiB; evidence is a CCA token of at most
 * CCAKIT_TOKEN_MAX_SIZE bytes, or a CMW of a token and an event log of
 * at most KBS_CMW_MAX bytes together, base64url-encoded. */
#define KBS_KEYREQ_MAX      (16 * 1024)
#define KBS_CMW_MAX         (256 * 1024)
#define KBS_EVIDENCE_MAX    (((KBS_CMW_MAX + 2) / 3) * 4)

/* The one evidence media type of the demo: Veraison's ARM_CCA one. */
#define KBS_MEDIA_TYPE_CCA  SVC_V_MT_CCA
/* The "accept" value the demo server sends (unquoted, sic). */
#define KBS_ACCEPT_CCA \
	"application/eat-collection; profile=http://arm.com/CCA-SSD/1.0.0"

/* Evidence with the realm's measurement event log, as the dynamic-RIM
 * prototype of the demo sends it (spec §1.10): a CBOR map
 * {"evidence": [media type, bytes], "event_log": [media type, bytes]}. */
#define KBS_MEDIA_TYPE_CMW \
	"application/cmw+cbor; cmwc_t=\"tag:linaro.org,2024:eat+log\""
#define KBS_MEDIA_TYPE_EVLOG "application/vnd.veraison.tcg-tpm2-log"

/* --- request-body parsers (fuzzed: fuzz/fuzz_kb_*.c) --- */

/*
 * The key request {"pubkey": {JWK}}: a JSON object with a member
 * "pubkey", an object; other members are ignored (as serde ignores them
 * upstream); no duplicate members anywhere. *jwk receives the public key
 * object as compact JSON (malloc'd), for ccakit_wrapkey_from_jwk and for
 * storage with the challenge.
 */
int kbs_parse_key_request(const uint8_t *body, size_t len, char **jwk,
    char *err, size_t errsz);

/*
 * The evidence body: base64url without padding (no other character, not
 * even a trailing newline), decoded into a malloc'd buffer of at most
 * KBS_CMW_MAX bytes (a token alone may have CCAKIT_TOKEN_MAX_SIZE).
 */
int kbs_parse_evidence(const uint8_t *body, size_t len, uint8_t **tok,
    size_t *toklen, char *err, size_t errsz);

/* A challenge id from the URL as the demo's server reads it (Rust's u32
 * FromStr): decimal 0..4294967295, an optional '+', leading zeros. */
bool kbs_parse_challenge_id(const char *s, uint32_t *id);

/*
 * Whether a key request's Content-Type is JSON as the demo's server
 * (actix-web's Json extractor) takes it: a media type whose subtype is
 * "json" or ends in "+json" (case-insensitive), parameters allowed.
 */
bool kbs_json_media_type(const char *ct);

/* Evidence media types: the demo's quoted form or the unquoted one its
 * server advertises in "accept", exactly, or the CMW of token and event
 * log (only when dynamic RIM is enabled). */
enum kbs_evidence_kind {
	KBS_EV_NONE = 0,
	KBS_EV_CCA,
	KBS_EV_CMW,
};
enum kbs_evidence_kind kbs_media_type(const char *ct);

/*
 * The CMW of token and event log: a CBOR map of exactly the two text keys
 * "evidence" and "event_log", each [media type (text), content], the
 * media types KBS_MEDIA_TYPE_CCA and KBS_MEDIA_TYPE_EVLOG, the content a
 * byte string (or, as serde writes a Vec<u8>, an array of 0..255
 * integers). Both are copied into malloc'd buffers.
 */
int kbs_parse_cmw(const uint8_t *buf, size_t len, uint8_t **tok,
    size_t *toklen, uint8_t **log, size_t *loglen, char *err, size_t errsz);

/*
 * The --images file: one "<hex digest>  <path>" per line (sha256sum,
 * sha384sum or sha512sum output; the algorithm follows from the digest
 * length; a '*' before the path is allowed); blank lines and lines
 * starting with '#' are skipped. Paths are relative to dir. Fills a
 * malloc'd table (free with kbs_images_free).
 */
int kbs_parse_images(const char *text, size_t len, const char *dir,
    struct ccakit_trusted_image **out, size_t *n, char *err, size_t errsz);
void kbs_images_free(struct ccakit_trusted_image *im, size_t n);

#endif /* KBS_PARSE_H */
