/* What the server programs' main() share. */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include <ccakit/appraise.h>
#include <ccakit/bytes.h>

#include "httpd.h"
#include "ops.h"
#include "svcmain.h"
#include "util/util.h"

#define TLS_FILE_MAX    (1024 * 1024)

int
svc_die(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

const char *
svc_detail_text(int r, const struct ccakit_errdetail *d)
{
	return (d != NULL && d->text[0] != '\0') ? d->text :
	    ccakit_strerror(r);
}

bool
svc_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

int
svc_parse_socket(const char *s, char *addr, size_t addrsz, uint16_t *port)
{
	const char *colon;
	unsigned long p;
	size_t n;

	if (s[0] == '[') {
		if ((colon = strstr(s, "]:")) == NULL)
			return -1;
		n = (size_t)(colon - s - 1);
		if (n >= addrsz)
			return -1;
		memcpy(addr, s + 1, n);
		addr[n] = '\0';
		colon++;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return -1;
		n = (size_t)(colon - s);
		if (n >= addrsz)
			return -1;
		memcpy(addr, s, n);
		addr[n] = '\0';
	}
	if (!svc_parse_uint(colon + 1, 65535, &p))
		return -1;
	*port = (uint16_t)p;
	return 0;
}

int
svc_read_text(const char *prog, const char *path, size_t max, char **out,
    size_t *len)
{
	uint8_t *buf;
	int r;

	if ((r = cki_read_file(path, max, &buf, len)) != CCAKIT_OK)
		return svc_die(prog, "%s: %s", path, r == CCAKIT_ERR_IO ?
		    strerror(errno) : ccakit_strerror(r));
	*out = (char *)buf;
	return 0;
}

/* jansson's free(): the block wiped first (its size from the heap). */
static void
wiping_free(void *p)
{
	if (p == NULL)
		return;
	ccakit_wipe(p, malloc_usable_size(p));
	free(p);
}

void
svc_json_wipe(void)
{
	json_set_alloc_funcs(malloc, wiping_free);
}

void
svc_free_secret(char *p, size_t len)
{
	if (p == NULL)
		return;
	ccakit_wipe(p, len);
	free(p);
}

void
svc_warn_secret_mode(const char *opt, const char *path)
{
	struct stat sb;

	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    (sb.st_mode & 077) == 0)
		return;
	svc_warn("%s %s: mode 0%03o gives group or others access to a "
	    "secret; chmod 600 %s", opt, path, (unsigned)(sb.st_mode & 0777),
	    path);
}

int
svc_read_tls(const char *prog, const char *certf, const char *keyf,
    char **cert, char **key, size_t *keylen)
{
	size_t len;

	if (certf == NULL)
		return 0;
	if (svc_read_text(prog, certf, TLS_FILE_MAX, cert, &len))
		return 1;
	svc_warn_secret_mode("--tls-key", keyf);
	return svc_read_text(prog, keyf, TLS_FILE_MAX, key, keylen);
}

/* --- the database lost --- */

static const char *db_path;
static int (*db_check)(void *, struct ccakit_errdetail *);
static void *db_arg;
static atomic_flag db_logged = ATOMIC_FLAG_INIT;

void
svc_db_watch(const char *path,
    int (*check)(void *arg, struct ccakit_errdetail *d), void *arg)
{
	db_path = path;
	db_check = check;
	db_arg = arg;
}

bool
svc_db_lost(void)
{
	struct ccakit_errdetail d;

	memset(&d, 0, sizeof(d));
	if (db_check == NULL || db_check(db_arg, &d) != CCAKIT_ERR_DB_GONE)
		return false;
	if (!atomic_flag_test_and_set(&db_logged))
		svc_error("database %s: %s while in use: state-changing "
		    "requests get 503 until the server is restarted (with "
		    "the file then at that path; what only the lost file "
		    "held is gone)", db_path, d.text[0] != '\0' ? d.text :
		    ccakit_strerror(CCAKIT_ERR_DB_GONE));
	return true;
}

void
svc_resp_db_lost(struct svc_resp *resp)
{
	(void)svc_db_lost();
	svc_resp_problem(resp, 503, NULL, NULL, "The server's database "
	    "file was deleted or replaced while in use: nothing can be "
	    "stored until the operator restarts the server.");
	svc_resp_note(resp, "database-lost");
}

bool
svc_resp_db_error(struct svc_resp *resp, int r,
    const struct ccakit_errdetail *d)
{
	static _Atomic int64_t last_log;
	struct timespec ts;
	int64_t now, prev;

	if (r == CCAKIT_ERR_DB_GONE) {
		svc_resp_db_lost(resp);
		return true;
	}
	if (r != CCAKIT_ERR_DB_UNAVAILABLE)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	prev = atomic_load(&last_log);
	if ((prev == 0 || now - prev >= 1000) &&
	    atomic_compare_exchange_strong(&last_log, &prev, now))
		svc_warn("database %s: %s: requests get 503 with Retry-After "
		    "until it answers again", db_path != NULL ? db_path : "",
		    d != NULL && d->text[0] != '\0' ? d->text :
		    ccakit_strerror(r));
	svc_resp_problem(resp, 503, NULL, NULL, "The server's database is "
	    "unavailable for the moment: try again later.");
	svc_resp_header(resp, "Retry-After", SVC_DB_RETRY_AFTER);
	svc_resp_note(resp, "database-unavailable");
	return true;
}

/* "scheme://" at the start of s: a URL, for the state layer to judge. */
static bool
is_url(const char *s)
{
	size_t i = 0;

	while ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
	    (i > 0 && ((s[i] >= '0' && s[i] <= '9') || s[i] == '+' ||
	    s[i] == '-' || s[i] == '.')))
		i++;
	return i > 0 && strncmp(s + i, "://", 3) == 0;
}

int
svc_db_resolve(const char *prog, const char *db, const char *name,
    char *buf, size_t bufsz, const char **out)
{
	if (db != NULL && (is_url(db) || strcmp(db, ":memory:") == 0)) {
		*out = db;
		return 0;
	}
	if (db == NULL) {
		if (svc_default_db(name, buf, bufsz) != 0)
			return svc_die(prog, "no $XDG_DATA_HOME or $HOME: "
			    "give --db");
		db = buf;
	}
	if (svc_make_parents(db) != 0)
		return svc_die(prog, "%s: cannot create its directory: %s",
		    db, strerror(errno));
	*out = db;
	return 0;
}

int
svc_default_db(const char *name, char *out, size_t outsz)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	int n;

	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(out, outsz, "%s/ccakit/%s", xdg, name);
	else if (home != NULL && home[0] == '/')
		n = snprintf(out, outsz, "%s/.local/share/ccakit/%s", home,
		    name);
	else
		return -1;
	return (n < 0 || (size_t)n >= outsz) ? -1 : 0;
}

int
svc_make_parents(const char *path)
{
	char buf[PATH_MAX];
	size_t i, n = strlen(path);

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, path, n + 1);
	for (i = 1; buf[i] != '\0'; i++) {
		if (buf[i] != '/')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return -1;
		buf[i] = '/';
	}
	return 0;
}

int
svc_write_port_file(const char *path, uint16_t port)
{
	char tmp[PATH_MAX];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -1;
	if ((f = fopen(tmp, "w")) == NULL)
		return -1;
	if (fprintf(f, "%u\n", port) < 0 || fclose(f) != 0 ||
	    rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

void
svc_block_signals(sigset_t *sigs)
{
	sigemptyset(sigs);
	sigaddset(sigs, SIGINT);
	sigaddset(sigs, SIGTERM);
	sigaddset(sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
}

void
svc_http_opts_init(struct svc_http_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_conns = SVC_HTTP_MAX_CONNS;
	o->max_per_ip = SVC_HTTP_MAX_PER_IP;
	o->request_timeout = SVC_HTTP_REQ_TIMEOUT;
}

int
svc_http_opt(const char *prog, struct svc_http_opts *o, int c,
    const char *arg)
{
	char err[160];
	int fmt;

	switch (c) {
	case SVC_OPT_MAX_CONNS:
		if (!svc_parse_uint(arg, 100000, &o->max_conns) ||
		    o->max_conns == 0)
			return svc_die(prog, "--max-connections: 1..100000");
		return 0;
	case SVC_OPT_MAX_PER_IP:
		if (!svc_parse_uint(arg, 100000, &o->max_per_ip))
			return svc_die(prog, "--max-connections-per-ip: "
			    "0..100000");
		return 0;
	case SVC_OPT_REQ_TIMEOUT:
		if (!svc_parse_uint(arg, 3600, &o->request_timeout))
			return svc_die(prog, "--request-timeout: 0..3600 "
			    "seconds");
		return 0;
	case SVC_OPT_TLS_PRIORITIES:
		if (!svc_tls_priorities_valid(arg, err, sizeof(err)))
			return svc_die(prog, "--tls-priorities: %s", err);
		o->tls_priorities = arg;
		return 0;
	case SVC_OPT_METRICS:
		o->ops.metrics = true;
		return 0;
	case SVC_OPT_METRICS_LISTEN:
		if (!svc_ops_listen_valid(arg, err, sizeof(err)))
			return svc_die(prog, "--metrics-listen: %s", err);
		o->ops.listen = arg;
		return 0;
	case SVC_OPT_LOG_FORMAT:
		if ((fmt = svc_log_format_from_name(arg)) < 0)
			return svc_die(prog, "--log-format: text or json");
		svc_log_set_format((enum svc_log_format)fmt);
		return 0;
	default:
		return -1;
	}
}

int
svc_http_conf(const char *prog, const struct svc_http_opts *o,
    struct svc_httpd_conf *hc)
{
	/* Descriptors besides the server's: stdio, the database and its
	 * journal, files, and a client socket per worker thread (a remote
	 * verifier). */
	const unsigned long other = 64 + (unsigned long)hc->threads;
	unsigned long want;
	struct rlimit rl;

	hc->conn_limit = (unsigned)o->max_conns;
	hc->conn_per_ip = (unsigned)o->max_per_ip;
	hc->request_timeout_s = (unsigned)o->request_timeout;
	hc->tls_priorities = o->tls_priorities;
	hc->conn_memory = SVC_HTTP_CONN_MEMORY;
	hc->timeout_s = SVC_HTTP_IDLE_TIMEOUT;
	want = svc_httpd_fds(hc) + other;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return svc_die(prog, "getrlimit: %s", strerror(errno));
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ||
		    rl.rlim_max >= want ? want : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		while (hc->conn_limit > 1 && svc_httpd_fds(hc) + other >
		    rl.rlim_cur)
			hc->conn_limit--;
		if (svc_httpd_fds(hc) + other > rl.rlim_cur)
			return svc_die(prog, "RLIMIT_NOFILE is %lu: too low",
			    (unsigned long)rl.rlim_cur);
		svc_warn("RLIMIT_NOFILE is %lu (hard limit): at most %u "
		    "connections", (unsigned long)rl.rlim_cur,
		    hc->conn_limit);
	}
	return 0;
}

void
svc_pcache_opts_init(struct svc_pcache_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->size = CCAKIT_PLATFORM_CACHE_DEFAULT;
}

int
svc_pcache_opt(const char *prog, struct svc_pcache_opts *o, int c,
    const char *arg)
{
	switch (c) {
	case SVC_OPT_NO_PCACHE:
		o->off = true;
		return 0;
	case SVC_OPT_PCACHE_SIZE:
		if (!svc_parse_uint(arg, CCAKIT_PLATFORM_CACHE_MAX, &o->size) ||
		    o->size == 0)
			return svc_die(prog, "--platform-cache-size: 1..%d",
			    CCAKIT_PLATFORM_CACHE_MAX);
		return 0;
	case SVC_OPT_STATS_FILE:
		o->stats_file = arg;
		return 0;
	default:
		return -1;
	}
}

int
svc_pcache_new(const char *prog, struct svc_pcache_opts *o,
    ccakit_platform_cache **out)
{
	*out = NULL;
	if (!o->off && ((*out = ccakit_platform_cache_new()) == NULL ||
	    ccakit_platform_cache_set_capacity(*out, o->size) != CCAKIT_OK)) {
		ccakit_platform_cache_free(out);
		return svc_die(prog, "out of memory");
	}
	/* Its lookups in /metrics (platform_token_cache_lookups_total). */
	if (*out != NULL)
		ccakit_platform_cache_set_hook(*out, svc_ops_ptcache, NULL);
	o->made = true;
	return 0;
}

void
svc_pcache_done(const struct svc_pcache_opts *o, ccakit_platform_cache **c)
{
	struct ccakit_platform_cache_stats s;
	char tmp[PATH_MAX];
	FILE *f = NULL;
	bool ok;

	if (o->stats_file != NULL && o->made) {
		ccakit_platform_cache_stats(*c, &s);
		ok = (size_t)snprintf(tmp, sizeof(tmp), "%s.tmp",
		    o->stats_file) < sizeof(tmp) &&
		    (f = fopen(tmp, "w")) != NULL;
		if (ok) {
			ok = fprintf(f, "{\"platform_cache\":{\"enabled\":%s,"
			    "\"capacity\":%zu,\"entries\":%zu,\"hits\":%llu,"
			    "\"misses\":%llu,\"inserts\":%llu,"
			    "\"evictions\":%llu,\"flushes\":%llu}}\n",
			    *c != NULL ? "true" : "false", s.capacity,
			    s.entries, (unsigned long long)s.hits,
			    (unsigned long long)s.misses,
			    (unsigned long long)s.inserts,
			    (unsigned long long)s.evictions,
			    (unsigned long long)s.flushes) > 0;
			ok = fclose(f) == 0 && ok;
			ok = ok && rename(tmp, o->stats_file) == 0;
			if (!ok)
				unlink(tmp);
		}
		if (!ok)
			svc_error("--stats-file %s: cannot write it: %s",
			    o->stats_file, strerror(errno));
	}
	ccakit_platform_cache_free(c);
}

unsigned long
svc_ncpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned long)n : 2;
}
