/*
 * loadgen: the service benches' common load generator (see loadgen.h).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <ccakit/appraise.h>
#include <ccakit/bytes.h>
#include <ccakit/cbor.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/store.h>
#include <ccakit/token.h>

#include "kbs_parse.h"
#include "loadgen.h"
#include "util/util.h"
#include "p384raw.h"

#define BOUND_ROUNDS    3
#define SERVER_ARGS_MAX 64

static const char *prog = "bench";

/* The emulated realm, shared read-only by the clients. */
static ccakit_key *cpak, *rak;
static uint8_t *plat_sign1;             /* cached platform COSE_Sign1 */
static size_t plat_sign1_len;
static struct ccakit_realm_claims realm_tmpl;
static uint8_t *tmpl_buf;               /* what realm_tmpl points into */

/* The run. */
static pthread_barrier_t start_line;
static double deadline;
static const char *const *urls;
static size_t nurls;

/* Results. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned long n_ok, n_err, n_replays, n_double, n_dup_nonce;
static char first_err[512];
static uint64_t *nonce_seen;            /* open-addressing set */
static size_t nonce_cap, nonce_count;
static double *lat;
static size_t nlat, lat_cap;

void
lg_init(const char *name)
{
	prog = name;
}

double
lg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
lg_cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
lg_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* A number 1..max, nothing else; 0 if s is not one. */
static unsigned long
number(const char *s, unsigned long max)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return 0;
	errno = 0;
	v = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0' && v <= max ? v : 0;
}

enum { OPT_DB = 256, OPT_PID, OPT_DB_PID, OPT_HELP };

void
lg_parse_args(int argc, char **argv, struct lg_opts *o, void (*usage)(void))
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "db-pid", required_argument, NULL, OPT_DB_PID },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->clients = 64;
	o->seconds = 60;
	o->nurls = o->npids = o->nsargs = 0;
	o->db_pid = 0;
	o->db = NULL;
	o->server = NULL;
	o->threads = 0;
	while ((c = getopt_long(argc, argv, "c:t:u:s:d:T:S:", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'c':
			if ((o->clients = number(optarg, 1024)) == 0)
				usage();
			break;
		case 't':
			o->seconds = atof(optarg);
			if (o->seconds <= 0 || o->seconds > 3600)
				usage();
			break;
		case 'u':
			if (o->nurls == LG_MAX)
				usage();
			o->urls[o->nurls++] = optarg;
			break;
		case OPT_PID:
			if (o->npids == LG_MAX || (o->pids[o->npids++] =
			    (pid_t)number(optarg, INT_MAX)) == 0)
				usage();
			break;
		case OPT_DB_PID:
			if ((o->db_pid = (pid_t)number(optarg, INT_MAX)) == 0)
				usage();
			break;
		case OPT_DB:
			o->db = optarg;
			break;
		case 'S':
			if (o->nsargs == LG_MAX)
				usage();
			o->sargs[o->nsargs++] = optarg;
			break;
		case 's':
			o->server = optarg;
			break;
		case 'd':
			o->demo_dir = optarg;
			break;
		case 'T':
			if ((o->threads = (unsigned)number(optarg, 256)) == 0)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (o->npids > 0 && o->nurls == 0) ||
	    (o->nurls > 0 && (o->db != NULL || o->nsargs > 0)))
		usage();
}

const char *
lg_url(unsigned long i)
{
	return urls[i % nurls];
}

pid_t
lg_servers(struct lg_opts *o, const char *dir, const char *const *args)
{
	static char own_url[256];
	static const char *const own[1] = { own_url };
	pid_t pid;

	if (o->nurls > 0) {
		urls = o->urls;
		nurls = o->nurls;
		return -1;
	}
	pid = lg_server_start(o, dir, args, own_url, sizeof(own_url));
	o->pids[o->npids++] = pid;
	urls = own;
	nurls = 1;
	return pid;
}

void
lg_mkdtemp(char *dir, size_t dirsz)
{
	snprintf(dir, dirsz, "/tmp/%s.XXXXXX", prog);
	if (mkdtemp(dir) == NULL)
		lg_die("mkdtemp: %s", strerror(errno));
}

void
lg_rmdir(const char *dir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "%s: cannot remove %s\n", prog, dir);
}

/* --- the realm --- */

static ccakit_key *
load_key(const char *path)
{
	ccakit_key *k;
	uint8_t *buf;
	size_t len;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		lg_die("%s: %s", path, strerror(errno));
	if ((buf = malloc(65536)) == NULL)
		lg_die("out of memory");
	len = fread(buf, 1, 65535, f);
	fclose(f);
	if ((k = ccakit_key_new()) == NULL ||
	    ccakit_key_from_pem(k, (const char *)buf, len) != CCAKIT_OK)
		lg_die("%s: not a private key", path);
	free(buf);
	return k;
}

static char *
read_text(const char *path, size_t *len)
{
	char *buf;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		lg_die("%s: %s", path, strerror(errno));
	if ((buf = malloc(1 << 20)) == NULL)
		lg_die("out of memory");
	*len = fread(buf, 1, (1 << 20) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static FILE *
create_file(const char *path)
{
	FILE *f;

	if ((f = fopen(path, "w")) == NULL)
		lg_die("%s: %s", path, strerror(errno));
	return f;
}

/*
 * Claims from demo/claims.json, keys from the PEM files. One token made
 * by the library gives the platform claims as the library completes them
 * (challenge = H(RAK)); the platform token is signed once.
 */
void
lg_realm_setup(const char *demo_dir, const char *ta_out, const char *rims_out)
{
	struct ccakit_create_opts co = { CCAKIT_FORMAT_907 };
	const struct ccakit_platform_claims *pc;
	ccakit_claimset *cs;
	ccakit_token *t;
	uint8_t payload[8192];
	char path[PATH_MAX], *text, hex1[80], hex2[80], rim[100];
	char jwk[1024];
	size_t len, plen;
	FILE *f;

	snprintf(path, sizeof(path), "%s/claims.json", demo_dir);
	text = read_text(path, &len);
	if ((cs = ccakit_claimset_new()) == NULL ||
	    ccakit_claimset_from_json(cs, text, len, NULL) != CCAKIT_OK)
		lg_die("%s: bad claims", path);
	snprintf(path, sizeof(path), "%s/cpak.pem", demo_dir);
	cpak = load_key(path);
	snprintf(path, sizeof(path), "%s/rak.pem", demo_dir);
	rak = load_key(path);
	if ((tmpl_buf = malloc(CCAKIT_TOKEN_MAX_SIZE)) == NULL ||
	    (t = ccakit_token_new()) == NULL)
		lg_die("out of memory");
	if (ccakit_token_create(ccakit_claimset_platform(cs),
	    ccakit_claimset_realm(cs), cpak, rak, &co, tmpl_buf,
	    CCAKIT_TOKEN_MAX_SIZE, &len) != CCAKIT_OK ||
	    ccakit_token_decode(t, tmpl_buf, len, NULL) != CCAKIT_OK)
		lg_die("cannot create a token from %s", demo_dir);
	pc = ccakit_token_platform(t);
	realm_tmpl = *ccakit_token_realm(t);
	if (ccakit_platform_claims_encode(pc, payload, sizeof(payload),
	    &plen) != CCAKIT_OK || (plat_sign1 = malloc(8192)) == NULL ||
	    ccakit_cose_sign1_sign(cpak, 0, payload, plen, plat_sign1, 8192,
	    &plat_sign1_len) != CCAKIT_OK)
		lg_die("cannot sign the platform token");
	/* Trust anchor and approved RIM for our own server. */
	if (ccakit_hex_encode(pc->impl_id.ptr, pc->impl_id.len, hex1,
	    sizeof(hex1)) != CCAKIT_OK || ccakit_hex_encode(pc->inst_id.ptr,
	    pc->inst_id.len, hex2, sizeof(hex2)) != CCAKIT_OK ||
	    ccakit_key_to_jwk(cpak, jwk, sizeof(jwk)) != CCAKIT_OK ||
	    ccakit_b64_encode(realm_tmpl.rim.ptr, realm_tmpl.rim.len,
	    CCAKIT_B64_STD, rim, sizeof(rim)) != CCAKIT_OK)
		lg_die("cannot write the trust anchor");
	if (ta_out != NULL) {
		f = create_file(ta_out);
		fprintf(f, "[{\"implementation-id\":\"%s\",\"instance-id\":"
		    "\"%s\",\"pkey\":%s}]\n", hex1, hex2, jwk);
		fclose(f);
	}
	if (rims_out != NULL) {
		f = create_file(rims_out);
		fprintf(f, "{\"reference-values\":[\"%s\"]}\n", rim);
		fclose(f);
	}
	/* realm_tmpl keeps pointing into tmpl_buf: keep it, drop t. */
	ccakit_token_free(&t);
	ccakit_claimset_free(&cs);
	free(text);
}

/* Realm claims signed now, platform token cached, collection 907. */
int
lg_realm_token(const uint8_t *nonce, uint8_t *out, size_t outsz,
    size_t *outlen)
{
	struct ccakit_realm_claims rc = realm_tmpl;
	struct ccakit_cbor_writer w;
	uint8_t payload[4096], sign1[8192];
	size_t plen, slen;

	rc.challenge.ptr = nonce;
	rc.challenge.len = KBS_CHALLENGE_LEN;
	if (ccakit_realm_claims_encode(&rc, payload, sizeof(payload),
	    &plen) != CCAKIT_OK || ccakit_cose_sign1_sign(rak,
	    CCAKIT_COSE_ES384, payload, plen, sign1, sizeof(sign1), &slen) !=
	    CCAKIT_OK)
		return -1;
	ccakit_cbor_writer_init(&w, out, outsz);
	ccakit_cbor_put_tag(&w, 907);
	ccakit_cbor_put_map(&w, 2);
	ccakit_cbor_put_uint(&w, 44234);
	ccakit_cbor_put_array(&w, 2);
	ccakit_cbor_put_uint(&w, 263);
	ccakit_cbor_put_bstr(&w, plat_sign1, plat_sign1_len);
	ccakit_cbor_put_uint(&w, 44241);
	ccakit_cbor_put_array(&w, 2);
	ccakit_cbor_put_uint(&w, 263);
	ccakit_cbor_put_bstr(&w, sign1, slen);
	return ccakit_cbor_writer_finish(&w, outlen) == 0 ? 0 : -1;
}

/* --- the bound --- */

void
lg_measure_bound(struct lg_bound *b)
{
	p384raw *r = p384raw_new(plat_sign1_len, 300);
	double rate;
	int round;

	if (r == NULL)
		lg_die("cannot make the raw P-384 signatures");
	for (round = 0; round < BOUND_ROUNDS; round++) {
		if ((rate = p384raw_openssl_rate(r, LG_BOUND_SECONDS)) < 0)
			lg_die("raw verify failed");
		if (rate > b->openssl)
			b->openssl = rate;
		if ((rate = p384raw_nettle_rate(r, LG_BOUND_SECONDS)) < 0)
			lg_die("raw nettle verify failed");
		if (rate > b->nettle)
			b->nettle = rate;
	}
	p384raw_free(&r);
}

void
lg_print_bound(const struct lg_bound *b)
{
	printf("raw P-384 verify, OpenSSL (EVP):      %10.1f us of CPU (best "
	    "of before and after)\n", 1e6 / (2 * b->openssl));
	printf("raw P-384 verify, nettle (hogweed):   %10.1f us (what the "
	    "library uses for P-384)\n", 1e6 / (2 * b->nettle));
	printf("bound (2 raw OpenSSL P-384 verifies): %10.1f tokens/s, "
	    "%.2f ms of CPU each\n", b->openssl, 1e3 / b->openssl);
}

/* ops/s of fn on one core: the best of BOUND_ROUNDS rounds. */
static double
best_rate(void (*fn)(void *), void *arg)
{
	double t0, t, best = 0, rate;
	size_t n;
	int round;

	for (round = 0; round < BOUND_ROUNDS; round++) {
		t0 = lg_cpu_now();
		for (n = 0; (t = lg_cpu_now() - t0) < LG_BOUND_SECONDS; n++)
			fn(arg);
		if ((rate = (double)n / t) > best)
			best = rate;
	}
	return best;
}

struct es256 {
	EVP_PKEY *pk;
	uint8_t msg[2048], sig[128];
	size_t siglen;
};

static void
es256_sign(void *arg)
{
	struct es256 *e = arg;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	e->siglen = sizeof(e->sig);
	if (c == NULL || EVP_DigestSignInit_ex(c, NULL, "SHA256", NULL, NULL,
	    e->pk, NULL) != 1 || EVP_DigestSign(c, e->sig, &e->siglen, e->msg,
	    sizeof(e->msg)) != 1)
		lg_die("raw ES256 sign failed");
	EVP_MD_CTX_free(c);
}

static void
es256_verify(void *arg)
{
	struct es256 *e = arg;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (c == NULL || EVP_DigestVerifyInit_ex(c, NULL, "SHA256", NULL,
	    NULL, e->pk, NULL) != 1 || EVP_DigestVerify(c, e->sig, e->siglen,
	    e->msg, sizeof(e->msg)) != 1)
		lg_die("raw ES256 verify failed");
	EVP_MD_CTX_free(c);
}

static double
es256_rate(void (*fn)(void *))
{
	struct es256 e;
	double r;

	memset(&e, 0, sizeof(e));
	memset(e.msg, 0x5a, sizeof(e.msg));
	if ((e.pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL)
		lg_die("P-256 keygen failed");
	es256_sign(&e);
	r = best_rate(fn, &e);
	EVP_PKEY_free(e.pk);
	return r;
}

double
lg_measure_es256_sign(void)
{
	return es256_rate(es256_sign);
}

double
lg_measure_es256_verify(void)
{
	return es256_rate(es256_verify);
}

/* One ECDH-ES key agreement with a P-256 peer: the ephemeral key pair
 * on the peer's group (the quickest way OpenSSL has), then the shared
 * secret. */
static void
ecdh_es(void *arg)
{
	EVP_PKEY *peer = arg, *eph = NULL;
	EVP_PKEY_CTX *c;
	uint8_t z[66];
	size_t zlen = sizeof(z);

	if ((c = EVP_PKEY_CTX_new_from_pkey(NULL, peer, NULL)) == NULL ||
	    EVP_PKEY_keygen_init(c) != 1 || EVP_PKEY_keygen(c, &eph) != 1)
		lg_die("raw P-256 keygen failed");
	EVP_PKEY_CTX_free(c);
	if ((c = EVP_PKEY_CTX_new(eph, NULL)) == NULL ||
	    EVP_PKEY_derive_init(c) != 1 || EVP_PKEY_derive_set_peer(c,
	    peer) != 1 || EVP_PKEY_derive(c, z, &zlen) != 1)
		lg_die("raw ECDH failed");
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(eph);
}

double
lg_measure_ecdh_p256(void)
{
	EVP_PKEY *peer = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	double r;

	if (peer == NULL)
		lg_die("P-256 keygen failed");
	r = best_rate(ecdh_es, peer);
	EVP_PKEY_free(peer);
	return r;
}

/* --- the server --- */

static double
tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

void
lg_server_path(const char *name, char *buf, size_t bufsz)
{
	char path[PATH_MAX];
	ssize_t n;

	n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n <= 0)
		lg_die("cannot find %s: use -s", name);
	path[n] = '\0';
	*strrchr(path, '/') = '\0';
	snprintf(buf, bufsz, "%s/%s", path, name);
}

pid_t
lg_spawn(const char *const *argv, const char *port_file, char *url,
    size_t urlsz)
{
	char buf[16];
	double t0;
	FILE *f;
	pid_t pid;

	if ((pid = fork()) < 0)
		lg_die("fork: %s", strerror(errno));
	if (pid == 0) {
		/* execv's argv is not const-qualified, but is not written. */
		execv(argv[0], (char *const *)(uintptr_t)argv);
		fprintf(stderr, "%s: %s: %s\n", prog, argv[0], strerror(errno));
		_exit(127);
	}
	for (t0 = lg_now(); lg_now() - t0 < 10; usleep(20000)) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			lg_die("%s exited at start", argv[0]);
		if ((f = fopen(port_file, "r")) == NULL)
			continue;
		if (fgets(buf, sizeof(buf), f) != NULL) {
			fclose(f);
			snprintf(url, urlsz, "http://127.0.0.1:%d", atoi(buf));
			return pid;
		}
		fclose(f);
	}
	kill(pid, SIGTERM);
	lg_die("%s did not start", argv[0]);
}

pid_t
lg_server_start(const struct lg_opts *o, const char *dir,
    const char *const *args, char *url, size_t urlsz)
{
	const char *argv[SERVER_ARGS_MAX];
	char port_file[PATH_MAX], stats_file[PATH_MAX], thr[16];
	size_t i, ac = 0;

	snprintf(port_file, sizeof(port_file), "%s/port", dir);
	snprintf(stats_file, sizeof(stats_file), "%s/stats.json", dir);
	snprintf(thr, sizeof(thr), "%u", o->threads);
	argv[ac++] = o->server;
	argv[ac++] = "-q";
	argv[ac++] = "-p";
	argv[ac++] = "0";
	argv[ac++] = "--port-file";
	argv[ac++] = port_file;
	argv[ac++] = "--stats-file";
	argv[ac++] = stats_file;
	/* Every client comes from 127.0.0.1: no per-address cap. */
	argv[ac++] = "--max-connections-per-ip";
	argv[ac++] = "0";
	for (i = 0; args[i] != NULL && ac < SERVER_ARGS_MAX - LG_MAX - 5; i++)
		argv[ac++] = args[i];
	if (args[i] != NULL)
		lg_die("too many server arguments");
	for (i = 0; i < o->nsargs; i++)
		argv[ac++] = o->sargs[i];
	if (o->threads > 0) {
		argv[ac++] = "--threads";
		argv[ac++] = thr;
	}
	argv[ac] = NULL;
	return lg_spawn(argv, port_file, url, urlsz);
}

int
lg_server_stop(pid_t pid)
{
	int st;

	kill(pid, SIGTERM);
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* The number after "name": in a JSON text; false if absent. */
static bool
json_num(const char *text, const char *name, unsigned long long *v)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), "\"%s\":", name);
	if ((p = strstr(text, key)) == NULL)
		return false;
	*v = strtoull(p + strlen(key), NULL, 10);
	return true;
}

int
lg_cache_stats(const char *dir, struct lg_cache *c)
{
	char path[PATH_MAX], text[1024];
	unsigned long long cap = 0;
	size_t n;
	FILE *f;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/stats.json", dir);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	c->enabled = strstr(text, "\"enabled\":true") != NULL;
	if (!json_num(text, "hits", &c->hits) ||
	    !json_num(text, "misses", &c->misses) ||
	    !json_num(text, "evictions", &c->evictions) ||
	    !json_num(text, "flushes", &c->flushes) ||
	    !json_num(text, "capacity", &cap))
		return -1;
	c->capacity = (size_t)cap;
	return 0;
}

/* --- heap allocations of other processes --- */

/*
 * The file and file offset of the code at addr in this process (the C
 * library is the same file in the servers); false if not found.
 */
static bool
code_file(uintptr_t addr, char *path, size_t pathsz, uint64_t *off)
{
	char line[PATH_MAX + 128], file[PATH_MAX];
	unsigned long start, end, foff;
	bool found = false;
	FILE *f;

	if ((f = fopen("/proc/self/maps", "r")) == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		file[0] = '\0';
		if (sscanf(line, "%lx-%lx %*s %lx %*s %*s %4095s", &start, &end,
		    &foff, file) < 3 || addr < start || addr >= end)
			continue;
		found = file[0] == '/' && strlen(file) < pathsz;
		if (found) {
			snprintf(path, pathsz, "%s", file);
			*off = addr - start + foff;
		}
	}
	fclose(f);
	return found;
}

int
lg_mallocs_open(struct lg_mallocs *m, const pid_t *pids, size_t n)
{
	static char paths[3][PATH_MAX];
	const uintptr_t fn[3] = { (uintptr_t)malloc, (uintptr_t)calloc,
	    (uintptr_t)realloc };
	struct perf_event_attr a;
	struct dirent *de;
	uint64_t off[3];
	unsigned long type;
	char dir[64];
	size_t i, k;
	pid_t tid;
	DIR *d;
	FILE *f;
	long fd;

	memset(m, 0, sizeof(*m));
	for (k = 0; k < 3; k++) {
		if (!code_file(fn[k], paths[k], sizeof(paths[k]), &off[k]) ||
		    strstr(paths[k], "/libc.so") == NULL) {
			snprintf(m->why, sizeof(m->why), "malloc is not the C "
			    "library's here (a sanitizer build?)");
			return -1;
		}
	}
	if ((f = fopen("/sys/bus/event_source/devices/uprobe/type", "r")) ==
	    NULL || fscanf(f, "%lu", &type) != 1) {
		if (f != NULL)
			fclose(f);
		snprintf(m->why, sizeof(m->why), "no uprobe events here");
		return -1;
	}
	fclose(f);
	for (i = 0; i < n; i++) {
		snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pids[i]);
		if ((d = opendir(dir)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			if ((tid = (pid_t)number(de->d_name, INT_MAX)) == 0)
				continue;
			for (k = 0; k < 3; k++) {
				memset(&a, 0, sizeof(a));
				a.size = sizeof(a);
				a.type = (uint32_t)type;
				a.config1 = (uint64_t)(uintptr_t)paths[k];
				a.config2 = off[k];
				a.disabled = 1;
				fd = syscall(SYS_perf_event_open, &a, tid, -1, -1,
				    PERF_FLAG_FD_CLOEXEC);
				if (fd < 0 || m->n == sizeof(m->fd) /
				    sizeof(m->fd[0])) {
					snprintf(m->why, sizeof(m->why), "%s",
					    fd < 0 ? strerror(errno) :
					    "too many threads");
					if (fd >= 0)
						close((int)fd);
					closedir(d);
					lg_mallocs_close(m);
					return -1;
				}
				m->fd[m->n++] = (int)fd;
			}
		}
		closedir(d);
	}
	return 0;
}

void
lg_mallocs_enable(struct lg_mallocs *m, bool on)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		(void)ioctl(m->fd[i], on ? PERF_EVENT_IOC_ENABLE :
		    PERF_EVENT_IOC_DISABLE, 0);
}

unsigned long long
lg_mallocs_count(const struct lg_mallocs *m)
{
	unsigned long long sum = 0;
	uint64_t v;
	size_t i;

	for (i = 0; i < m->n; i++)
		if (read(m->fd[i], &v, sizeof(v)) == (ssize_t)sizeof(v))
			sum += v;
	return sum;
}

void
lg_mallocs_close(struct lg_mallocs *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		close(m->fd[i]);
	m->n = 0;
}

/* --- CPU time of other processes --- */

/* utime + stime (seconds) and parent of a process; -1 when it is gone. */
static double
proc_cpu(pid_t pid, pid_t *ppid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	int pp;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* pid (comm) state ppid pgrp session tty tpgid flags minflt
	 * cminflt majflt cmajflt utime stime: comm may hold anything. */
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 1,
	    " %*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &pp, &ut,
	    &st) != 3)
		return -1;
	if (ppid != NULL)
		*ppid = (pid_t)pp;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* The CPU of pids, or -1 when one is gone. */
static double
pids_cpu(const pid_t *pids, size_t n)
{
	double sum = 0, v;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((v = proc_cpu(pids[i], NULL)) < 0)
			return -1;
		sum += v;
	}
	return sum;
}

/* The CPU of a process and of its children (PostgreSQL's backends). */
static double
tree_cpu(pid_t top)
{
	struct dirent *de;
	double sum, v;
	pid_t pid, pp;
	DIR *d;

	if ((sum = proc_cpu(top, NULL)) < 0 || (d = opendir("/proc")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if ((pid = (pid_t)number(de->d_name, INT_MAX)) == 0 ||
		    pid == top)
			continue;
		if ((v = proc_cpu(pid, &pp)) >= 0 && pp == top)
			sum += v;
	}
	closedir(d);
	return sum;
}

double
lg_proc_cpu(pid_t pid)
{
	double v;

	if ((v = proc_cpu(pid, NULL)) < 0)
		lg_die("/proc/%ld/stat: cannot read the CPU time", (long)pid);
	return v;
}

/* --- the clients --- */

void
lg_error(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&mu);
	if (n_err++ == 0) {
		va_start(ap, fmt);
		vsnprintf(first_err, sizeof(first_err), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&mu);
}

/* Insert the first 8 bytes of a nonce; false when already present. */
static bool
nonce_insert(uint64_t v)
{
	uint64_t *nt;
	size_t i, j, ncap;

	if (2 * (nonce_count + 1) > nonce_cap) {
		ncap = nonce_cap == 0 ? 1024 : nonce_cap * 2;
		if ((nt = calloc(ncap, sizeof(*nt))) == NULL)
			lg_die("out of memory");
		for (i = 0; i < nonce_cap; i++) {
			if (nonce_seen[i] == 0)
				continue;
			for (j = nonce_seen[i] % ncap; nt[j] != 0;
			    j = (j + 1) % ncap)
				;
			nt[j] = nonce_seen[i];
		}
		free(nonce_seen);
		nonce_seen = nt;
		nonce_cap = ncap;
	}
	for (j = v % nonce_cap; nonce_seen[j] != 0; j = (j + 1) % nonce_cap)
		if (nonce_seen[j] == v)
			return false;
	nonce_seen[j] = v;
	nonce_count++;
	return true;
}

void
lg_nonce(const uint8_t *nonce)
{
	uint64_t v;

	memcpy(&v, nonce, sizeof(v));
	if (v == 0)
		v = 1;
	pthread_mutex_lock(&mu);
	if (!nonce_insert(v))
		n_dup_nonce++;
	pthread_mutex_unlock(&mu);
}

void
lg_count(unsigned long *counter)
{
	pthread_mutex_lock(&mu);
	(*counter)++;
	pthread_mutex_unlock(&mu);
}

void
lg_ok(double ms, bool replayed, bool double_used)
{
	double *nl;

	pthread_mutex_lock(&mu);
	n_ok++;
	n_replays += replayed;
	n_double += double_used;
	if (nlat == lat_cap) {
		lat_cap = lat_cap == 0 ? 4096 : lat_cap * 2;
		if ((nl = realloc(lat, lat_cap * sizeof(*lat))) == NULL)
			lg_die("out of memory");
		lat = nl;
	}
	lat[nlat++] = ms;
	pthread_mutex_unlock(&mu);
}

/* Twice: the clients' setup done, then the deadline set by lg_run(). */
void
lg_client_ready(void)
{
	pthread_barrier_wait(&start_line);
	pthread_barrier_wait(&start_line);
}

bool
lg_running(void)
{
	return lg_now() < deadline;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void
lg_run(unsigned long clients, double seconds, void *(*fn)(void *),
    const pid_t *pids, size_t npids, pid_t db_pid, struct lg_stats *st)
{
	struct rusage ru0, ru1;
	pthread_t *th;
	unsigned long i;
	double t0, s0 = -1, d0 = -1, s1 = -1, d1 = -1;

	if ((th = calloc(clients, sizeof(*th))) == NULL ||
	    pthread_barrier_init(&start_line, NULL, (unsigned)clients + 1) != 0)
		lg_die("out of memory");
	/* Each run counts afresh (the nonces seen and the first error
	 * stay: a warm-up's errors are added to the measured run's). */
	pthread_mutex_lock(&mu);
	n_ok = n_err = n_replays = n_double = n_dup_nonce = 0;
	nlat = 0;
	pthread_mutex_unlock(&mu);
	deadline = lg_now() + 1e9;
	for (i = 0; i < clients; i++)
		if (pthread_create(&th[i], NULL, fn, (void *)(uintptr_t)i) != 0)
			lg_die("pthread_create failed");
	/* When every client is set up, start everybody at once. */
	pthread_barrier_wait(&start_line);
	if (npids > 0)
		s0 = pids_cpu(pids, npids);
	if (db_pid > 0)
		d0 = tree_cpu(db_pid);
	getrusage(RUSAGE_SELF, &ru0);
	t0 = lg_now();
	deadline = t0 + seconds;
	pthread_barrier_wait(&start_line);
	for (i = 0; i < clients; i++)
		pthread_join(th[i], NULL);
	st->elapsed = lg_now() - t0;
	getrusage(RUSAGE_SELF, &ru1);
	if (s0 >= 0)
		s1 = pids_cpu(pids, npids);
	if (d0 >= 0)
		d1 = tree_cpu(db_pid);
	st->server_cpu = s0 >= 0 && s1 >= 0 ? s1 - s0 : -1;
	st->db_cpu = d0 >= 0 && d1 >= 0 ? d1 - d0 : -1;
	pthread_barrier_destroy(&start_line);
	free(th);

	qsort(lat, nlat, sizeof(*lat), cmp_double);
	st->ok = n_ok;
	st->err = n_err;
	st->replays = n_replays;
	st->doubled = n_double;
	st->dup_nonce = n_dup_nonce;
	st->first_err = first_err;
	st->lat = lat;
	st->nlat = nlat;
	st->client_cpu = tv_s(ru1.ru_utime) + tv_s(ru1.ru_stime) -
	    tv_s(ru0.ru_utime) - tv_s(ru0.ru_stime);
}

void
lg_print_latency(const struct lg_stats *st)
{
	if (st->nlat > 0)
		printf("latency p50 / p99 / max:              %7.1f / %.1f / "
		    "%.1f ms\n", st->lat[st->nlat / 2],
		    st->lat[st->nlat * 99 / 100], st->lat[st->nlat - 1]);
}

unsigned long
lg_warmup(unsigned long clients, double seconds, void *(*fn)(void *),
    const pid_t *pids, size_t npids, double *per, char *why, size_t whysz)
{
	struct lg_mallocs m;
	struct lg_stats st;
	unsigned long long n;
	bool counting;

	*per = -1;
	counting = lg_mallocs_open(&m, pids, npids) == 0;
	if (npids == 0) {
		counting = false;
		snprintf(why, whysz, "no server process: -u without --pid");
	} else if (!counting) {
		snprintf(why, whysz, "%s", m.why);
	}
	lg_mallocs_enable(&m, true);
	lg_run(clients, seconds, fn, NULL, 0, 0, &st);
	lg_mallocs_enable(&m, false);
	if (counting) {
		n = lg_mallocs_count(&m);
		if (st.ok > 0)
			*per = (double)n / (double)st.ok;
		else
			snprintf(why, whysz, "no attestation in the warm-up");
	}
	lg_mallocs_close(&m);
	return st.err;
}

double
lg_print_run(const struct lg_stats *st, const struct lg_bound *b,
    const struct lg_cache *c, double mallocs, const char *mwhy,
    const char *what, const char *client)
{
	double n = (double)st->ok, per;

	printf("%ss:%*s%10lu in %.1f s\n", what, (int)(36 - strlen(what)), "",
	    st->ok, st->elapsed);
	printf("%ss/s:%*s%10.1f (%.3f of the bound: the clients share "
	    "the machine)\n", what, (int)(34 - strlen(what)), "",
	    n / st->elapsed, n / st->elapsed / b->openssl);
	lg_print_latency(st);
	if (st->ok == 0)
		return -1;
	printf("client CPU per %s:%*s%10.2f ms (%s)\n", what,
	    (int)(22 - strlen(what)), "", 1e3 * st->client_cpu / n, client);
	if (st->server_cpu >= 0)
		printf("server CPU per %s:%*s%10.3f ms (/proc/<pid>/stat over "
		    "the run; bound %.3f ms)\n", what, (int)(22 - strlen(what)),
		    "", 1e3 * st->server_cpu / n, 1e3 / b->openssl);
	else
		printf("server CPU per %s:%*snot measured (-u without "
		    "--pid)\n", what, (int)(22 - strlen(what)), "");
	if (st->db_cpu >= 0)
		printf("database CPU per %s:%*s%10.3f ms (--db-pid and its "
		    "children)\n", what, (int)(20 - strlen(what)), "",
		    1e3 * st->db_cpu / n);
	if (mallocs >= 0)
		printf("server mallocs per %s:%*s%10.0f (malloc, calloc, "
		    "realloc; uprobes, in the warm-up run)\n", what,
		    (int)(18 - strlen(what)), "", mallocs);
	else
		printf("server mallocs per %s:%*snot counted (%s)\n", what,
		    (int)(18 - strlen(what)), "", mwhy);
	lg_print_cache(c);
	if (st->server_cpu <= 0)
		return -1;
	per = st->server_cpu / n;
	return (1 / b->openssl) / per;
}

void
lg_print_cache(const struct lg_cache *c)
{
	if (c == NULL)
		printf("platform cache:                       unknown (a server "
		    "not started by the bench: see its --stats-file)\n");
	else if (!c->enabled)
		printf("platform cache:                       off\n");
	else
		printf("platform cache:                       %.4f hit rate "
		    "(%llu hits, %llu misses, %llu evictions, %llu flushes; "
		    "capacity %zu; over the server's life)\n",
		    c->hits + c->misses > 0 ? (double)c->hits /
		    (double)(c->hits + c->misses) : 0.0, c->hits, c->misses,
		    c->evictions, c->flushes, c->capacity);
}

void
lg_print_ratio(double ratio)
{
	if (ratio < 0) {
		printf("server efficiency: not measured (give the replicas' "
		    "--pid)\n");
		printf("ratio n/a\n");
		return;
	}
	printf("server efficiency: the CPU of 2 raw OpenSSL P-384 verifies "
	    "over the server's CPU per attestation\n");
	printf("ratio %.3f\n", ratio);
}

void
lg_cleanup(void)
{
	free(lat);
	lat = NULL;
	nlat = lat_cap = 0;
	free(nonce_seen);
	nonce_seen = NULL;
	nonce_cap = nonce_count = 0;
	free(plat_sign1);
	plat_sign1 = NULL;
	free(tmpl_buf);
	tmpl_buf = NULL;
	ccakit_key_free(&cpak);
	ccakit_key_free(&rak);
}

/* --- ccakit's kbs (bench-kbs, bench-agent) --- */

void
lg_kbs_golden(const char *demo_dir, const char *ta_path, const char *rv_path)
{
	struct ccakit_errdetail d;
	ccakit_ta_store *tas = ccakit_ta_store_new();
	ccakit_rv_store *rvs = ccakit_rv_store_new();
	ccakit_token *t = ccakit_token_new();
	uint8_t *tok, nonce[64], *jwk;
	char path[PATH_MAX], *ta = NULL, *rv = NULL;
	size_t n, jlen;

	memset(nonce, 0, sizeof(nonce));
	snprintf(path, sizeof(path), "%s/cpak.jwk.json", demo_dir);
	if (tas == NULL || rvs == NULL || t == NULL ||
	    (tok = malloc(CCAKIT_TOKEN_MAX_SIZE)) == NULL)
		lg_die("out of memory");
	if (cki_read_file(path, 64 * 1024, &jwk, &jlen) != CCAKIT_OK)
		lg_die("%s: cannot read", path);
	if (lg_realm_token(nonce, tok, CCAKIT_TOKEN_MAX_SIZE, &n) != 0 ||
	    ccakit_token_decode(t, tok, n, &d) != CCAKIT_OK ||
	    ccakit_golden(t, (const char *)jwk, jlen, tas, rvs, &d) !=
	    CCAKIT_OK || ccakit_ta_store_to_json(tas, &ta) != CCAKIT_OK ||
	    ccakit_rv_store_to_json(rvs, &rv) != CCAKIT_OK)
		lg_die("golden values: %s", d.text);
	if (cki_write_file(ta_path, ta, strlen(ta), 0600) != CCAKIT_OK ||
	    cki_write_file(rv_path, rv, strlen(rv), 0600) != CCAKIT_OK)
		lg_die("cannot write %s", ta_path);
	ccakit_free(ta);
	ccakit_free(rv);
	free(jwk);
	free(tok);
	ccakit_token_free(&t);
	ccakit_ta_store_free(&tas);
	ccakit_rv_store_free(&rvs);
}

static void
write_text(const char *path, const char *text)
{
	if (cki_write_file(path, text, strlen(text), 0600) != CCAKIT_OK)
		lg_die("cannot write %s", path);
}

pid_t
lg_kbs_start(const char *server, const char *dir, unsigned threads,
    const char *const *extra, size_t nextra, char *url, size_t urlsz)
{
	char conf[PATH_MAX + 16], cca[PATH_MAX + 16], ta[PATH_MAX + 16];
	char rv[PATH_MAX + 16], db[PATH_MAX + 16], port[PATH_MAX + 16];
	char text[4 * PATH_MAX], workers[64];
	char stats[PATH_MAX + 16];
	const char *argv[12 + LG_MAX + 1] = { server, "-q", "-c", conf,
	    "--db", db, "--port-file", port, "--stats-file", stats,
	    "--max-connections-per-ip", "0" };
	size_t i;

	snprintf(conf, sizeof(conf), "%s/kbs-config.toml", dir);
	snprintf(cca, sizeof(cca), "%s/cca.json", dir);
	snprintf(ta, sizeof(ta), "%s/ta.json", dir);
	snprintf(rv, sizeof(rv), "%s/rv.json", dir);
	snprintf(db, sizeof(db), "%s/kbs.db", dir);
	snprintf(port, sizeof(port), "%s/port", dir);
	snprintf(stats, sizeof(stats), "%s/stats.json", dir);
	if (nextra > LG_MAX)
		lg_die("too many server arguments");
	for (i = 0; i < nextra; i++)
		argv[12 + i] = extra[i];
	argv[12 + nextra] = NULL;
	workers[0] = '\0';
	if (threads > 0)
		snprintf(workers, sizeof(workers), "worker_count = %u\n",
		    threads);
	snprintf(text, sizeof(text), "[http_server]\nsockets = "
	    "[\"127.0.0.1:0\"]\ninsecure_http = true\n%s\n[admin]\n"
	    "authorization_mode = \"InsecureAllowAll\"\n\n"
	    "[attestation_token]\ninsecure_header_jwk = false\n\n"
	    "[[plugins]]\nname = \"resource\"\n", workers);
	write_text(conf, text);
	snprintf(text, sizeof(text), "{\"cca-verifier\":{\"type\":\"local\","
	    "\"ta-store\":\"%s\",\"rv-store\":\"%s\"}}\n", ta, rv);
	write_text(cca, text);
	if (setenv("CCA_CONFIG_FILE", cca, 1) != 0)
		lg_die("setenv failed");
	return lg_spawn(argv, port, url, urlsz);
}
