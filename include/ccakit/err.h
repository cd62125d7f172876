/*
 * ccakit: one error namespace for the whole library.
 *
 * Codes are grouped in classes so that a caller can map a failure to an
 * exit status, an EAR status or an HTTP status with one call to
 * ccakit_err_class().
 */
#ifndef CCAKIT_ERR_H
#define CCAKIT_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

enum ccakit_err {
	CCAKIT_OK = 0,

	/* Malformed input: 100..199 */
	CCAKIT_ERR_CBOR_TRUNCATED = 100,  /* item runs past the end of input */
	CCAKIT_ERR_CBOR_NOT_WELL_FORMED,  /* reserved value, stray break, ... */
	CCAKIT_ERR_CBOR_INDEFINITE,       /* indefinite length not allowed */
	CCAKIT_ERR_CBOR_NON_PREFERRED,    /* not the shortest head encoding */
	CCAKIT_ERR_CBOR_BAD_UTF8,         /* text string is not valid UTF-8 */
	CCAKIT_ERR_CBOR_DUPLICATE_KEY,    /* map key appears twice */
	CCAKIT_ERR_CBOR_TOO_DEEP,         /* nesting deeper than the limit */
	CCAKIT_ERR_CBOR_TOO_MANY,         /* more items than the limit */
	CCAKIT_ERR_CBOR_TRAILING,         /* bytes after the top-level item */
	CCAKIT_ERR_CBOR_TYPE,             /* item of an unexpected type */
	CCAKIT_ERR_CBOR_UNSUPPORTED,      /* well formed but not supported */
	CCAKIT_ERR_COSE_MALFORMED,        /* not a COSE_Sign1 structure */
	CCAKIT_ERR_COSE_ALG,              /* algorithm missing/unsupported */
	CCAKIT_ERR_TOKEN_MALFORMED,       /* collection envelope is wrong */
	CCAKIT_ERR_CLAIM_MISSING,         /* mandatory claim absent */
	CCAKIT_ERR_CLAIM_TYPE,            /* claim has the wrong CBOR type */
	CCAKIT_ERR_CLAIM_VALUE,           /* claim has a bad size or value */
	CCAKIT_ERR_PROFILE_UNKNOWN,       /* profile string not supported */
	CCAKIT_ERR_JSON,                  /* JSON syntax or schema error */
	CCAKIT_ERR_ENCODING,              /* bad hex or base64 */
	CCAKIT_ERR_KEY_INVALID,           /* malformed key, point off curve */
	CCAKIT_ERR_EVLOG_MALFORMED = 150, /* measurement event log malformed */
	CCAKIT_ERR_TOML = 160,            /* TOML syntax or structure error */
	CCAKIT_ERR_CONFIG,                /* configuration: type, value, key */
	CCAKIT_ERR_REGO_PARSE = 170,      /* Rego syntax error */
	CCAKIT_ERR_REGO_COMPILE,          /* Rego compile error (unsafe
	                                     variable, conflict, recursion,
	                                     undefined function) */
	CCAKIT_ERR_REGO_EVAL,             /* Rego evaluation error (conflict,
	                                     type, built-in) */
	CCAKIT_ERR_CORIM_MALFORMED = 180, /* CoRIM/CoMID structure or value */
	CCAKIT_ERR_CORIM_PROFILE,         /* CoRIM breaks its profile's rules */
	CCAKIT_ERR_XML = 190,             /* XML not well formed, or refused
	                                     (a DOCTYPE, an encoding) */

	/* Evidence rejected: 200..299 */
	CCAKIT_ERR_SIGNATURE = 200,       /* signature does not verify */
	CCAKIT_ERR_BINDING,               /* platform challenge != H(RAK) */
	CCAKIT_ERR_TA_UNKNOWN,            /* no trust anchor for the token */
	CCAKIT_ERR_CHALLENGE,             /* realm challenge != expected */
	CCAKIT_ERR_KEY_MISMATCH,          /* key type and alg disagree */
	CCAKIT_ERR_NOT_FOUND,             /* looked-up item does not exist */
	CCAKIT_ERR_POLICY,                /* refused by an appraisal policy */
	CCAKIT_ERR_EXPIRED,               /* not valid now (exp, nbf, age) */
	CCAKIT_ERR_DECRYPT,               /* wrong key or modified ciphertext */

	/* Resource limits and environment: 300..399 */
	CCAKIT_ERR_NOMEM = 300,
	CCAKIT_ERR_TOO_LARGE,             /* input larger than the cap */
	CCAKIT_ERR_IO,                    /* file or stream error */
	CCAKIT_ERR_BUFFER_TOO_SMALL,      /* caller's output buffer */
	CCAKIT_ERR_DB_GONE,               /* database file deleted or
	                                   * replaced while open */
	CCAKIT_ERR_DB_UNAVAILABLE,        /* database unreachable or locked
	                                   * past the retry budget (it may
	                                   * come back: retry later) */
	CCAKIT_ERR_REGO_LIMIT = 310,      /* Rego evaluation limit (steps,
	                                     memory, depth) */

	/* Caller errors and internal failures: 400..499 */
	CCAKIT_ERR_INVALID_ARG = 400,
	CCAKIT_ERR_CRYPTO,                /* OpenSSL failed unexpectedly */
	CCAKIT_ERR_INTERNAL,
};

enum ccakit_err_class {
	CCAKIT_CLASS_OK = 0,
	CCAKIT_CLASS_MALFORMED,
	CCAKIT_CLASS_REJECTED,
	CCAKIT_CLASS_RESOURCE,
	CCAKIT_CLASS_INTERNAL,
};

/* A static, never-NULL description of an error code. */
const char *ccakit_strerror(int err);

/* The class of an error code (unknown codes are CCAKIT_CLASS_INTERNAL). */
enum ccakit_err_class ccakit_err_class(int err);

/*
 * Optional detail about a failure, filled by the parsers and the VMM
 * models: which claim or field was at fault and a human-readable reason
 * (which may name a file, hence the size). Fixed size, no allocation;
 * `what` points to a static string or is NULL.
 */
struct ccakit_errdetail {
	int code;
	const char *what;
	char text[512];
};

#ifdef __cplusplus
}
#endif

#endif /* CCAKIT_ERR_H */
