/*
 * loadgen: what the service benches (bench-keybroker, bench-verifier,
 * bench-kbs, bench-agent) share, so that each keeps only its protocol.
 *
 *  - the command line (-c -t -u -s -d -T -S --db --pid --db-pid) and the
 *    server they start: found next to the bench, on a free port, with
 *    --stats-file, stopped at the end;
 *  - an emulated realm (demo/): the platform token signed once, a realm
 *    token signed per challenge, the trust anchor and RIM files;
 *  - the bound: two raw OpenSSL P-384 verifications per token, and what
 *    nettle takes for the same (rates per second of the measuring
 *    thread's CPU time, so that other load on the machine does not lower
 *    them);
 *  - the servers' CPU time over the measured window, from
 *    /proc/<pid>/stat (the server started, or the --pid replicas), and
 *    the platform-token cache's counters from the --stats-file;
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
#define LG_MAX                  16      /* -u, --pid, -S given at most */

struct lg_opts {
	unsigned long   clients;        /* -c, 1..1024, default 64 */
	double          seconds;        /* -t, (0, 3600], default 60 */
	const char     *urls[LG_MAX];   /* -u: running servers (replicas) */
	size_t          nurls;          /* 0: start one */
	pid_t           pids[LG_MAX];   /* --pid: their processes */
	size_t          npids;
	pid_t           db_pid;         /* --db-pid: the database server, 0 */
	const char     *db;             /* --db: for the server started (the
					 * bench passes it), or NULL */
	const char     *sargs[LG_MAX];  /* -S: more arguments for it */
	size_t          nsargs;
	const char     *server;         /* -s: the server to start, or NULL */
	const char     *demo_dir;       /* -d; the caller sets the default */
	unsigned        threads;        /* -T: server threads, 0: its default */
};

/* The usage lines of the common options, for the benches' usage(). */
#define LG_USAGE \
"  -c N         clients (64)          -t SECONDS   measured time (60)\n" \
"  -s PATH      the server to start (next to the bench)\n" \
"  -d DIR       the demo realm (claims.json, cpak.pem, rak.pem)\n" \
"  -T N         the server's worker threads (its default)\n" \
"  -S ARG       one more argument for the server started (repeatable:\n" \
"               -S --no-platform-cache, -S --platform-cache-size -S 8)\n" \
"  --db FILE|URL  the server's database (default: a new SQLite file)\n" \
"  --db-pid PID  the database server: its CPU (and its children's) is\n" \
"               measured over the run too\n" \
"  -u URL       a running server instead (repeatable: replicas, the\n" \
"               clients spread over them)\n" \
"  --pid PID    with -u: a replica's process, whose CPU is measured\n" \
"               (repeatable; without it the ratio is not measured)\n"

/* The bound: pairs of raw P-384 verifications per second on one core. */
struct lg_bound {
	double          openssl;        /* the bound of the ratios */
	double          nettle;         /* what the fastest library takes */
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
	double          server_cpu;     /* s, the servers watched; < 0: none */
	double          db_cpu;         /* s, the database server; < 0: none */
};

/* The platform-token cache's counters of a server's --stats-file. */
struct lg_cache {
	bool            enabled;
	unsigned long long hits, misses, evictions, flushes;
	size_t          capacity;
};

/* Set the program name for messages; call first. */
void	lg_init(const char *prog);
double	lg_now(void);
/* The calling thread's CPU time, seconds. */
double	lg_cpu_now(void);
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
 * realm signature), OpenSSL's and nettle's: the best of three rounds,
 * or of those and the ones already in b (so that a machine busier during
 * one measure flatters no one). Needs the realm. */
void	lg_measure_bound(struct lg_bound *b);
/* Its lines: the cost of each library's raw P-384 verify, the bound. */
void	lg_print_bound(const struct lg_bound *b);

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
 * Start o->server as: server -q -p 0 --port-file <dir>/port
 * --stats-file <dir>/stats.json args... o->sargs...
 * [--threads N], wait up to 10 s for its port, and write its base URL
 * "http://127.0.0.1:<port>" into url. args ends with NULL. Its CPU is
 * measured by lg_run().
 */
pid_t	lg_server_start(const struct lg_opts *o, const char *dir,
	    const char *const *args, char *url, size_t urlsz);
/* SIGTERM and wait; 0, or -1 when it did not exit with status 0. */
int	lg_server_stop(pid_t pid);
/*
 * The heap allocations of other processes, counted without changing
 * them: a uprobe (perf_event_open) on the C library's malloc, calloc and
 * realloc in each of their threads. A trap per call, so only for a run
 * of its own, not the one whose CPU is measured. Threads started after
 * lg_mallocs_open() are not counted.
 */
struct lg_mallocs {
	int             fd[3 * 256];
	size_t          n;
	char            why[160];       /* when it cannot count */
};
/* 0, or -1 with why set (no permission, no uprobe support, a malloc
 * that is not the C library's). */
int	lg_mallocs_open(struct lg_mallocs *m, const pid_t *pids, size_t n);
void	lg_mallocs_enable(struct lg_mallocs *m, bool on);
unsigned long long lg_mallocs_count(const struct lg_mallocs *m);
void	lg_mallocs_close(struct lg_mallocs *m);

/* The counters of <dir>/stats.json (after lg_server_stop); -1 if none. */
int	lg_cache_stats(const char *dir, struct lg_cache *c);
/* The "platform cache:" line of c; NULL: unknown. */
void	lg_print_cache(const struct lg_cache *c);
/*
 * The servers of the run: without -u, the one lg_server_start() starts
 * (its pid added to o->pids, returned); with -u, those given (-1).
 */
/* Start argv (argv[0] a path) and wait up to 10 s for the port it
 * writes to port_file; its base URL into url. */
pid_t	lg_spawn(const char *const *argv, const char *port_file, char *url,
	    size_t urlsz);
/* A running process's CPU time so far (user + system, /proc/<pid>/stat),
 * in seconds. */
double	lg_proc_cpu(pid_t pid);

pid_t	lg_servers(struct lg_opts *o, const char *dir,
	    const char *const *args);
/* The base URL client i uses: the i % n-th server. */
const char *lg_url(unsigned long i);

/*
 * Run clients threads of fn (argument: the client's index as uintptr_t)
 * for seconds and fill st (each run counts from zero but for the first
 * error, which stays; st's latencies are valid until the next run).
 * Each client does its setup, calls lg_client_ready(), then works while
 * lg_running(). The CPU time of the
 * processes pids (and of db_pid with its children, when not 0) is read
 * from /proc when the clients start and after the last one ends.
 */
void	lg_run(unsigned long clients, double seconds, void *(*fn)(void *),
	    const pid_t *pids, size_t npids, pid_t db_pid,
	    struct lg_stats *st);
void	lg_client_ready(void);
bool	lg_running(void);

/* From the clients. */
void	lg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	lg_ok(double ms, bool replayed, bool double_used);
void	lg_nonce(const uint8_t *nonce);         /* counts a duplicate */
void	lg_count(unsigned long *counter);       /* ++ under the lock */

/*
 * A warm-up run of `seconds` before the measured one (the servers' caches
 * and connections in their steady state), with the servers' heap
 * allocations counted (lg_mallocs): *per receives the allocations per
 * attestation that succeeded, or -1 with the reason in why. Returns the
 * run's errors (the measured run starts its counts afresh).
 */
unsigned long lg_warmup(unsigned long clients, double seconds,
	    void *(*fn)(void *), const pid_t *pids, size_t npids,
	    double *per, char *why, size_t whysz);

/* "latency p50 / p99 / max: ..." when there is any. */
void	lg_print_latency(const struct lg_stats *st);
/*
 * What every service bench prints after its run: attestations per
 * second, latency, the client's and the servers' CPU per attestation,
 * the database's, the server's allocations (mallocs < 0: not counted,
 * why in mwhy), the cache's counters (c NULL: unknown), and returns
 * the server's efficiency: the CPU of the bound's two raw OpenSSL
 * verifies over the server CPU per attestation (< 0: not measured).
 * what names one attestation ("attestation", "session").
 */
double	lg_print_run(const struct lg_stats *st, const struct lg_bound *b,
	    const struct lg_cache *c, double mallocs, const char *mwhy,
	    const char *what, const char *client);
/* The last lines: the efficiency as "ratio X", or why there is none. */
void	lg_print_ratio(double ratio);

/*
 * ccakit's kbs for the benches: lg_kbs_golden() writes ta.json and
 * rv.json (rust-ccatoken's stores) from a token of the emulated realm
 * (lg_realm_setup() first) and its CPAK (<demo_dir>/cpak.jwk.json), as
 * `ccatoken golden` makes them; lg_kbs_start() starts server (the kbs)
 * with a TOML configuration in dir (plain HTTP on a free port, admin
 * open, the resource plugin, worker_count when threads > 0) and the CCA
 * verifier's configuration naming <dir>/ta.json and rv.json (through
 * CCA_CONFIG_FILE, set in this process), its base URL into url. The
 * server gets --stats-file <dir>/stats.json (lg_cache_stats() reads it)
 * and the nextra arguments of extra after its own.
 */
void	lg_kbs_golden(const char *demo_dir, const char *ta_path,
	    const char *rv_path);
pid_t	lg_kbs_start(const char *server, const char *dir, unsigned threads,
	    const char *const *extra, size_t nextra, char *url, size_t urlsz);

/* Free what the module holds (realm, nonces, latencies). */
void	lg_cleanup(void);

#endif /* BENCH_LOADGEN_H */
