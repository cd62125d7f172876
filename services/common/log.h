/*
 * Service logging: one line per event on stderr, with a UTC timestamp
 * and a level; control characters and bytes >= 0x80 of a message are
 * written as \xHH, so that a line is printable ASCII. Thread-safe (each
 * line is written with one locked stdio call). Never pass tokens, nonces
 * or keys in full: svc_log_fp() gives a short fingerprint of a byte
 * string for the log.
 *
 * Two formats (--log-format): text, "TIME PROG[LEVEL]: MESSAGE", and
 * JSON, one object per line: {"time":..., "level":..., "service":...,
 * "msg":...} and, for a line of fields (svc_log_fields()), one member
 * per field. Strings are escaped as in text (\xHH), then for JSON.
 */
#ifndef SVC_LOG_H
#define SVC_LOG_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define SVC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SVC_PRINTF(f, a)
#endif

enum svc_log_level {
	SVC_LOG_ERROR = 0,
	SVC_LOG_WARN,
	SVC_LOG_INFO,
	SVC_LOG_DEBUG,
	SVC_LOG_TRACE,
};

/* Program name printed before every line, and the threshold: lines of a
 * level above it are dropped. Default: "svc", SVC_LOG_WARN. Set both
 * before starting threads. */
void svc_log_init(const char *progname, int level);
int svc_log_level(void);

void svc_log(int level, const char *fmt, ...) SVC_PRINTF(2, 3);

enum svc_log_format {
	SVC_LOG_TEXT = 0,
	SVC_LOG_JSON,
};

/* The line format (default text); set it before starting threads. */
void svc_log_set_format(enum svc_log_format f);
/* "text" or "json"; -1 for anything else. */
int svc_log_format_from_name(const char *name);

/*
 * A field of a structured line: in text "key=value" (with
 * SVC_LOG_BARE the value alone), in JSON a member, a string or with
 * SVC_LOG_NUM a number (value must then be a JSON number). Fields whose
 * value is NULL or empty are left out.
 */
#define SVC_LOG_BARE    1u
#define SVC_LOG_NUM     2u
struct svc_log_field {
	const char *key;
	const char *value;
	unsigned flags;
};

/*
 * One line of fields; msg (may be NULL) starts a text line and is the
 * JSON line's "msg".
 */
void svc_log_fields(int level, const char *msg,
    const struct svc_log_field *f, size_t n);

#define svc_error(...) svc_log(SVC_LOG_ERROR, __VA_ARGS__)
#define svc_warn(...)  svc_log(SVC_LOG_WARN, __VA_ARGS__)
#define svc_info(...)  svc_log(SVC_LOG_INFO, __VA_ARGS__)
#define svc_debug(...) svc_log(SVC_LOG_DEBUG, __VA_ARGS__)

/*
 * Copy s, up to the character stop or its end, into out (outsz >= 8) as
 * printable ASCII: control characters, DEL, bytes >= 0x80 and the
 * characters of also as \xHH; "..." ends a truncated copy. Returns out.
 */
char *svc_log_escape(const char *s, char stop, const char *also, char *out,
    size_t outsz);

/*
 * A fingerprint of a secret or bulky byte string for log lines: the first
 * 4 bytes of its SHA-256 in hex and its length, e.g. "sha256:1a2b3c4d/64".
 * out must hold SVC_LOG_FP_SIZE bytes; returns out.
 */
#define SVC_LOG_FP_SIZE 40
const char *svc_log_fp(const uint8_t *p, size_t len, char *out);

#endif /* SVC_LOG_H */
