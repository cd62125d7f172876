/*
 * loadgen: what the service benches (bench-keybroker, bench-verifier)
 * share, so that each keeps only its protocol.
 *
 *  - the command line (-c -t -u -s -d -T) and the server they start:
 *    found next to the bench, on a free port, stopped with its CPU time;
 *  - an emulated realm (demo/): the platform token signed once, a realm
 *    token signed per challenge, the trust anchor and RIM files;
 *  - the bound: two raw OpenSSL P-384 verifications per token (rates
 *    per second of the measuring thread's CPU time, so that other load
 *    on the machine does not lower them);
 *  - the clients: threads started together after their setup, run to a
 *    deadline, counting successes, errors, replays, duplicate nonces and
 *    latencies, with the client process's CPU time.
 *
 * Internal to bench/: not a library (it prints, and dies on setup
 * failures with "<prog>: message" and exit status 2).
 */
#ifndef BENCH_LOADGEN_H
#define BENCH_LOADGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LG_BOUND_SECONDS        1.5     /* one round of a rate measure */

struct lg_opts {
	unsigned long   clients;        /* -c, 1..1024, default 64 */
	double          seconds;        /* -t, (0, 3600], default 60 */
	const char     *url;            /* -u: a running server, or NULL */
	const char     *server;         /* -s: the server to start, or NULL */
	const char     *demo_dir;       /* -d; the caller sets the default */
	unsigned        threads;        /* -T: server threads, 0: its default */
};

/* What the clients did; valid after lg_run(), latencies sorted. */
struct lg_stats {
	unsigned long   ok;             /* lg_ok() calls */
	unsigned long   err;            /* lg_error() calls */
	unsigned long   replays;        /* ok with replayed */
	unsigned long   doubled;        /* ok with double_used */
	unsigned long   dup_nonce;      /* nonces seen twice (first 8 bytes) */
	const char     *first_err;      /* "" when err == 0 */
	const double   *lat;            /* ms, ascending */
	size_t          nlat;
	double          elapsed;        /* s, start line to last join */
	double          client_cpu;     /* s, user + system, same interval */
};

/* Set the program name for messages; call first. */
void	lg_init(const char *prog);
double	lg_now(void);
void	lg_die(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* Parse the common options, setting the defaults of all but demo_dir;
 * usage() (which must exit) on a bad one or an operand. */
void	lg_parse_args(int argc, char **argv, struct lg_opts *o,
	    void (*usage)(void));

/* A private temporary directory "/tmp/<prog>.XXXXXX" into dir, removed
 * again by lg_rmdir(). */
void	lg_mkdtemp(char *dir, size_t dirsz);
void	lg_rmdir(const char *dir);

/*
 * The emulated realm from <demo_dir>/claims.json, cpak.pem and rak.pem.
 * When ta_out is not NULL, the trust anchor (implementation id, instance
 * id, CPAK) goes there; when rims_out is not NULL, the realm's RIM as a
 * reference-values document goes there.
 */
void	lg_realm_setup(const char *demo_dir, const char *ta_out,
	    const char *rims_out);
/* A CCA token (collection 907) whose realm token carries the challenge
 * nonce (KBS_CHALLENGE_LEN bytes); 0 or -1. Thread-safe. */
int	lg_realm_token(const uint8_t *nonce, uint8_t *out, size_t outsz,
	    size_t *outlen);

/* Tokens/s on one core for two raw P-384 verifies (the platform and the
 * realm signature): the best of three rounds. Needs the realm. */
double	lg_measure_bound(void);

/* Raw OpenSSL operations per second on one core, the best of three
 * rounds: an ES256 signature and its verification (of 2 KiB, an EAR's
 * size), and an ECDH-ES agreement on P-256 (the ephemeral key pair and
 * the shared secret, as a JWE to a P-256 key needs). */
double	lg_measure_es256_sign(void);
double	lg_measure_es256_verify(void);
double	lg_measure_ecdh_p256(void);

/* <directory of this program>/name into buf; dies naming -s if absent. */
void	lg_server_path(const char *name, char *buf, size_t bufsz);
/*
 * Start server as: server -q -p 0 --port-file <dir>/port args...
 * [--threads N], wait up to 10 s for its port, and write its base URL
 * "http://127.0.0.1:<port>" into url. args ends with NULL.
 */
pid_t	lg_server_start(const char *server, const char *dir,
	    const char *const *args, unsigned threads, char *url,
	    size_t urlsz);
/* Start argv (argv[0] a path) and wait up to 10 s for the port it
 * writes to port_file; its base URL into url. */
pid_t	lg_spawn(const char *const *argv, const char *port_file, char *url,
	    size_t urlsz);
/* A running process's CPU time so far (user + system, /proc/<pid>/stat),
 * in seconds. */
double	lg_proc_cpu(pid_t pid);
/* SIGTERM, wait, and its CPU time (user + system) in seconds. */
double	lg_server_stop(pid_t pid);

/*
 * Run clients threads of fn (argument: the client's index as uintptr_t)
 * for seconds and fill st (each run counts from zero; st's latencies
 * are valid until the next run). Each client does its setup, calls
 * lg_client_ready(), then works while lg_running().
 */
void	lg_run(unsigned long clients, double seconds, void *(*fn)(void *),
	    struct lg_stats *st);
void	lg_client_ready(void);
bool	lg_running(void);

/* From the clients. */
void	lg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	lg_ok(double ms, bool replayed, bool double_used);
void	lg_nonce(const uint8_t *nonce);         /* counts a duplicate */
void	lg_count(unsigned long *counter);       /* ++ under the lock */

/* "latency p50 / p99 / max: ..." when there is any. */
void	lg_print_latency(const struct lg_stats *st);

/*
 * ccakit's kbs for the benches: lg_kbs_golden() writes ta.json and
 * rv.json (rust-ccatoken's stores) from a token of the emulated realm
 * (lg_realm_setup() first) and its CPAK (<demo_dir>/cpak.jwk.json), as
 * `ccatoken golden` makes them; lg_kbs_start() starts server (the kbs)
 * with a TOML configuration in dir (plain HTTP on a free port, admin
 * open, the resource plugin, worker_count when threads > 0) and the CCA
 * verifier's configuration naming <dir>/ta.json and rv.json (through
 * CCA_CONFIG_FILE, set in this process), its base URL into url.
 */
void	lg_kbs_golden(const char *demo_dir, const char *ta_path,
	    const char *rv_path);
pid_t	lg_kbs_start(const char *server, const char *dir, unsigned threads,
	    char *url, size_t urlsz);

/* Free what the module holds (realm, nonces, latencies). */
void	lg_cleanup(void);

#endif /* BENCH_LOADGEN_H */
