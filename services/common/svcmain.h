/*
 * What the server programs' main() share: diagnostics before the log is
 * set up, option values, the database and port files, the TLS files, the
 * HTTP limits and their flags, the signals and the worker count.
 * Messages go to stderr as "prog: text". And the two checks of data at
 * rest: secret files others can read, and the database deleted or
 * replaced under the running server.
 */
#ifndef SVC_SVCMAIN_H
#define SVC_SVCMAIN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/appraise.h>
#include <ccakit/err.h>

#include "httpd.h"
#include "log.h"
#include "ops.h"

/* Print "prog: message" and a newline on stderr; returns 1 (exit status). */
int svc_die(const char *prog, const char *fmt, ...) SVC_PRINTF(2, 3);

/* The detail text of an error if there is one, else its generic text. */
const char *svc_detail_text(int r, const struct ccakit_errdetail *d);

/* A decimal number 0..max, nothing else; false if s is not one. */
bool svc_parse_uint(const char *s, unsigned long max, unsigned long *out);

/*
 * A socket address "ip:port" or "[ipv6]:port" (port 0..65535): the
 * address text into addr, the port into *port; -1 if malformed.
 */
int svc_parse_socket(const char *s, char *addr, size_t addrsz,
    uint16_t *port);

/*
 * Read a file of at most max bytes into *out (NUL-terminated, free()).
 * On failure says why with svc_die() and returns 1.
 */
int svc_read_text(const char *prog, const char *path, size_t max,
    char **out, size_t *len);

/* Wipe and free a secret read with svc_read_text(); p may be NULL. */
void svc_free_secret(char *p, size_t len);
/*
 * Make jansson wipe every block before it frees it: the secrets of the
 * protocols (resources, keys, tokens) pass through JSON values and the
 * parser's buffers. Call first in main(), before any JSON is made.
 */
void svc_json_wipe(void);

/*
 * A warning on the log when the secret file `path`, given with option
 * `opt`, is open to group or others (any of mode 077; a link is
 * followed): "--secret FILE: mode 0644 gives group or others access to a
 * secret; chmod 600 FILE". It is still used. Nothing when it cannot be
 * stat()ed (reading it will say why) or is not a regular file.
 */
void svc_warn_secret_mode(const char *opt, const char *path);

/*
 * The TLS certificate and key (PEM, 1 MiB at most each), when certf is
 * not NULL; else *cert and *key stay NULL. The key file gets
 * svc_warn_secret_mode("--tls-key"). Free the key with
 * svc_free_secret(*key, *keylen). Returns 1 after svc_die().
 */
int svc_read_tls(const char *prog, const char *certf, const char *keyf,
    char **cert, char **key, size_t *keylen);

/*
 * The default database path, $XDG_DATA_HOME/ccakit/<name> or else
 * $HOME/.local/share/ccakit/<name>. -1 without either, or if too long.
 */
int svc_default_db(const char *name, char *out, size_t outsz);

/*
 * The database lost under the running server (its file, -wal or -shm
 * deleted or replaced): what is written then goes to an unlinked file.
 * svc_db_watch() registers the database path and how to check it
 * (check(arg, d) returns CCAKIT_ERR_DB_GONE with the reason, as
 * state_check() does); call it once before the
 * server starts. svc_db_lost() checks, and the first time the answer is
 * yes logs one error line: the path, why, and that state-changing
 * requests are refused until a restart; the housekeeping loop calls it.
 * svc_resp_db_lost() is the reply to a request refused for that reason
 * (the store said CCAKIT_ERR_DB_GONE): 503 problem+json, without
 * Retry-After since only the operator can mend it; it logs as
 * svc_db_lost() does.
 */
struct svc_resp;
void svc_db_watch(const char *path,
    int (*check)(void *arg, struct ccakit_errdetail *d), void *arg);
bool svc_db_lost(void);
void svc_resp_db_lost(struct svc_resp *resp);

/*
 * The database of --db: a PostgreSQL URL ("postgres://..." or any other
 * "scheme://", which the state layer judges) or ":memory:" as given; a
 * file path, or when db is NULL the default file (svc_default_db(name)),
 * with its parent directories created (mode 0700). *out points at db or
 * into buf. Returns 1 after svc_die().
 */
int svc_db_resolve(const char *prog, const char *db, const char *name,
    char *buf, size_t bufsz, const char **out);

/*
 * The reply to a request the database failed (r, the state layer's
 * code, its detail d may be NULL): CCAKIT_ERR_DB_GONE is
 * svc_resp_db_lost(); CCAKIT_ERR_DB_UNAVAILABLE (PostgreSQL unreachable,
 * or SQLite locked by another process, for longer than the state layer
 * retries) is 503 problem+json with "Retry-After: SVC_DB_RETRY_AFTER",
 * and a warning on the log at most once a second. Any other code: false,
 * and no reply is made.
 */
#define SVC_DB_RETRY_AFTER "2"
bool svc_resp_db_error(struct svc_resp *resp, int r,
    const struct ccakit_errdetail *d);

/* mkdir -p of the parent directories of path, mode 0700; -1 and errno. */
int svc_make_parents(const char *path);

/* Write "port\n" to path (through path.tmp and a rename); -1 and errno. */
int svc_write_port_file(const char *path, uint16_t port);

/*
 * Block SIGINT, SIGTERM and SIGHUP (in *sigs, for sigtimedwait()) and
 * ignore SIGPIPE. Call before any thread starts, so that all inherit it.
 */
void svc_block_signals(sigset_t *sigs);

/*
 * The HTTP limits both servers take (docs/http.md), and the operator's
 * flags (docs/operations.md: metrics, status page, log format), with
 * their flags: add SVC_HTTP_LONGOPTS to the getopt_long() table,
 * SVC_HTTP_USAGE to --help, pass every option to svc_http_opt(), then
 * svc_http_conf(); start the server with svc_ops_serve(..., &o->ops, ...).
 * --log-format takes effect at once.
 */
struct svc_http_opts {
	unsigned long max_conns;        /* --max-connections */
	unsigned long max_per_ip;       /* --max-connections-per-ip */
	unsigned long request_timeout;  /* --request-timeout, seconds */
	const char *tls_priorities;     /* --tls-priorities */
	struct svc_ops_conf ops;        /* --metrics, --metrics-listen */
};

#define SVC_HTTP_MAX_CONNS      1024
#define SVC_HTTP_MAX_PER_IP     64
#define SVC_HTTP_REQ_TIMEOUT    10
#define SVC_HTTP_IDLE_TIMEOUT   30
#define SVC_HTTP_CONN_MEMORY    (64 * 1024)

enum {
	SVC_OPT_MAX_CONNS = 0x1000, SVC_OPT_MAX_PER_IP, SVC_OPT_REQ_TIMEOUT,
	SVC_OPT_TLS_PRIORITIES, SVC_OPT_METRICS, SVC_OPT_METRICS_LISTEN,
	SVC_OPT_LOG_FORMAT,
};

#define SVC_HTTP_LONGOPTS \
	{ "max-connections", required_argument, NULL, SVC_OPT_MAX_CONNS }, \
	{ "max-connections-per-ip", required_argument, NULL, \
	    SVC_OPT_MAX_PER_IP }, \
	{ "request-timeout", required_argument, NULL, SVC_OPT_REQ_TIMEOUT }, \
	{ "tls-priorities", required_argument, NULL, SVC_OPT_TLS_PRIORITIES }, \
	{ "metrics", no_argument, NULL, SVC_OPT_METRICS }, \
	{ "metrics-listen", required_argument, NULL, SVC_OPT_METRICS_LISTEN }, \
	{ "log-format", required_argument, NULL, SVC_OPT_LOG_FORMAT }

#define SVC_HTTP_USAGE \
"      --max-connections N       open connections (1024); at the cap the\n" \
"                                oldest idle or incomplete ones are dropped\n" \
"      --max-connections-per-ip N   per client address (64; 0: no cap)\n" \
"      --request-timeout SECONDS   time for a request's head and body from\n" \
"                                its first byte (10; 0: none)\n" \
"      --tls-priorities STRING   GnuTLS priorities (default: TLS 1.2 and\n" \
"                                1.3, ECDHE with AEAD suites only)\n" \
"      --metrics                 serve GET /metrics (Prometheus) and the\n" \
"                                status page GET / on this listener (off)\n" \
"      --metrics-listen ADDR:PORT   serve them on a listener of their own\n" \
"                                (plain HTTP; 127.0.0.1:9100, [::1]:9100)\n" \
"      --log-format text|json    log lines on stderr (text); a line per\n" \
"                                request at -v\n"

void svc_http_opts_init(struct svc_http_opts *o);

/*
 * Take option c (from getopt_long()) if it is one of SVC_HTTP_LONGOPTS:
 * 0 if it was and is good, 1 after svc_die() if it was and is bad, -1
 * if it is not one of them.
 */
int svc_http_opt(const char *prog, struct svc_http_opts *o, int c,
    const char *arg);

/*
 * Set the limits of hc (connections, memory, timeouts, TLS priorities)
 * from o; hc->threads must be set. Raises the soft RLIMIT_NOFILE as far
 * as the connection cap needs (up to the hard limit; if that is too low
 * the cap is lowered, with a warning). Returns 1 after svc_die().
 */
int svc_http_conf(const char *prog, const struct svc_http_opts *o,
    struct svc_httpd_conf *hc);

/*
 * The platform-token cache of the embedded verifier (docs/crypto.md),
 * with its flags: add SVC_PCACHE_LONGOPTS to the getopt_long() table,
 * SVC_PCACHE_USAGE to --help, pass the options svc_http_opt() did not
 * take to svc_pcache_opt(), then svc_pcache_new(); at exit
 * svc_pcache_done() writes the --stats-file and frees the cache.
 */
struct svc_pcache_opts {
	bool off;                       /* --no-platform-cache */
	unsigned long size;             /* --platform-cache-size */
	const char *stats_file;         /* --stats-file */
	bool made;                      /* svc_pcache_new() succeeded */
};

enum {
	SVC_OPT_NO_PCACHE = 0x1100, SVC_OPT_PCACHE_SIZE, SVC_OPT_STATS_FILE,
};

#define SVC_PCACHE_LONGOPTS \
	{ "no-platform-cache", no_argument, NULL, SVC_OPT_NO_PCACHE }, \
	{ "platform-cache-size", required_argument, NULL, \
	    SVC_OPT_PCACHE_SIZE }, \
	{ "stats-file", required_argument, NULL, SVC_OPT_STATS_FILE }

#define SVC_PCACHE_USAGE \
"      --no-platform-cache       verify the signature of every platform\n" \
"                                token (default: the last 64 platform\n" \
"                                tokens that verified, each under its\n" \
"                                CPAK, are not verified again)\n" \
"      --platform-cache-size N   platform tokens remembered (1..65536)\n" \
"      --stats-file FILE         at exit, write the cache's counters to\n" \
"                                FILE (JSON)\n"

void svc_pcache_opts_init(struct svc_pcache_opts *o);
/* As svc_http_opt(), for SVC_PCACHE_LONGOPTS. */
int svc_pcache_opt(const char *prog, struct svc_pcache_opts *o, int c,
    const char *arg);
/* The cache the options ask for into *out (NULL when off); 1 after
 * svc_die(). */
int svc_pcache_new(const char *prog, struct svc_pcache_opts *o,
    ccakit_platform_cache **out);
/* The --stats-file, if any, written when svc_pcache_new() succeeded (a
 * failure is logged); *c freed. */
void svc_pcache_done(const struct svc_pcache_opts *o,
    ccakit_platform_cache **c);

/* The number of online CPUs, 2 if unknown. */
unsigned long svc_ncpus(void);

#endif /* SVC_SVCMAIN_H */
