/*
 * bench-verifier: cca-verifier sessions over loopback (newSession, then
 * evidence from an emulated realm for the session's nonce, answered with
 * a signed EAR) by concurrent clients, against the bound measured in the
 * same run: two raw OpenSSL P-384 verifications per token on one core,
 * the signature math the verifier cannot avoid. The service also signs
 * one ES256 EAR per session; that rate is measured and reported too.
 * Ends with "ratio <sessions/s / bound>".
 *
 * Every session must complete with an EAR; one in VERIFY_EVERY EARs is
 * verified by the client with the discovery key and the session nonce
 * and must be affirming for the platform; one in REPLAY_EVERY sessions
 * gets its evidence twice and the second must be refused (409); no
 * nonce may be issued twice.
 *
 * Like an RMM, the emulated realm signs the platform token once and only
 * the realm token (which carries the challenge) per session.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include <ccakit/ccakit.h>
#include <ccakit/ear.h>
#include <ccakit/jose.h>

#include "httpc.h"
#include "veraison.h"
#include "verifier/verifier_priv.h"

#define REPLAY_EVERY    16
#define VERIFY_EVERY    16
#define BOUND_ROUNDS    3
#define BOUND_SECONDS   1.5

#ifndef CCAKIT_SOURCE_DIR
#define CCAKIT_SOURCE_DIR "."
#endif

static const char *demo_dir = CCAKIT_SOURCE_DIR "/demo";
static char base_url[256];
static double deadline;
static ccakit_key *ear_pub;             /* from the discovery document */
static int ear_alg;

/* The emulated realm, shared read-only by the clients. */
static ccakit_key *cpak, *rak;
static uint8_t *plat_sign1;             /* cached platform COSE_Sign1 */
static size_t plat_sign1_len;
static struct ccakit_realm_claims realm_tmpl;
static uint8_t *tmpl_buf;               /* what realm_tmpl points into */

/* Results. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned long n_ok, n_err, n_replays, n_double, n_dup_nonce;
static unsigned long n_verified;
static char first_err[512];
static uint64_t *nonce_seen;            /* open-addressing set */
static size_t nonce_cap, nonce_count;
static double *lat;
static size_t nlat, lat_cap;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bench-verifier: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void
record_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
record_error(const char *fmt, ...)
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
nonce_insert(const uint8_t *nonce)
{
	uint64_t v, *nt;
	size_t i, j, ncap;
	bool fresh = true;

	memcpy(&v, nonce, sizeof(v));
	if (v == 0)
		v = 1;
	pthread_mutex_lock(&mu);
	if (2 * (nonce_count + 1) > nonce_cap) {
		ncap = nonce_cap == 0 ? 1024 : nonce_cap * 2;
		if ((nt = calloc(ncap, sizeof(*nt))) == NULL)
			die("out of memory");
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
	for (j = v % nonce_cap; nonce_seen[j] != 0; j = (j + 1) % nonce_cap) {
		if (nonce_seen[j] == v) {
			fresh = false;
			break;
		}
	}
	if (fresh) {
		nonce_seen[j] = v;
		nonce_count++;
	}
	pthread_mutex_unlock(&mu);
	return fresh;
}

static void
record_ok(double ms, bool replayed, bool double_used)
{
	double *nl;

	pthread_mutex_lock(&mu);
	n_ok++;
	n_replays += replayed;
	n_double += double_used;
	if (nlat == lat_cap) {
		lat_cap = lat_cap == 0 ? 4096 : lat_cap * 2;
		if ((nl = realloc(lat, lat_cap * sizeof(*lat))) == NULL)
			die("out of memory");
		lat = nl;
	}
	lat[nlat++] = ms;
	pthread_mutex_unlock(&mu);
}

static ccakit_key *
load_key(const char *path)
{
	ccakit_key *k;
	uint8_t *buf;
	size_t len;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		die("%s: %s", path, strerror(errno));
	if ((buf = malloc(65536)) == NULL)
		die("out of memory");
	len = fread(buf, 1, 65535, f);
	fclose(f);
	if ((k = ccakit_key_new()) == NULL ||
	    ccakit_key_from_pem(k, (const char *)buf, len) != CCAKIT_OK)
		die("%s: not a private key", path);
	free(buf);
	return k;
}

static char *
read_text(const char *path, size_t *len)
{
	char *buf;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		die("%s: %s", path, strerror(errno));
	if ((buf = malloc(1 << 20)) == NULL)
		die("out of memory");
	*len = fread(buf, 1, (1 << 20) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* A realm token for a challenge: realm claims signed now, platform
 * token cached, collection 907. */
static int
make_token(const uint8_t *nonce, uint8_t *out, size_t outsz, size_t *outlen)
{
	struct ccakit_realm_claims rc = realm_tmpl;
	struct ccakit_cbor_writer w;
	uint8_t payload[4096], sign1[8192];
	size_t plen, slen;

	rc.challenge.ptr = nonce;
	rc.challenge.len = CCAKIT_CHALLENGE_LEN;
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

/*
 * The realm: claims from demo/claims.json, keys from the PEM files. One
 * token made by the library gives the platform claims as the library
 * completes them (challenge = H(RAK)); the platform token is signed once.
 */
static void
realm_setup(const char *ta_out)
{
	struct ccakit_create_opts co = { CCAKIT_FORMAT_907 };
	const struct ccakit_platform_claims *pc;
	ccakit_claimset *cs;
	ccakit_token *t;
	uint8_t payload[8192];
	char path[PATH_MAX], *text, hex1[80], hex2[80], jwk[1024];
	size_t len, plen;
	FILE *f;

	snprintf(path, sizeof(path), "%s/claims.json", demo_dir);
	text = read_text(path, &len);
	if ((cs = ccakit_claimset_new()) == NULL ||
	    ccakit_claimset_from_json(cs, text, len, NULL) != CCAKIT_OK)
		die("%s: bad claims", path);
	snprintf(path, sizeof(path), "%s/cpak.pem", demo_dir);
	cpak = load_key(path);
	snprintf(path, sizeof(path), "%s/rak.pem", demo_dir);
	rak = load_key(path);
	if ((tmpl_buf = malloc(CCAKIT_TOKEN_MAX_SIZE)) == NULL ||
	    (t = ccakit_token_new()) == NULL)
		die("out of memory");
	if (ccakit_token_create(ccakit_claimset_platform(cs),
	    ccakit_claimset_realm(cs), cpak, rak, &co, tmpl_buf,
	    CCAKIT_TOKEN_MAX_SIZE, &len) != CCAKIT_OK ||
	    ccakit_token_decode(t, tmpl_buf, len, NULL) != CCAKIT_OK)
		die("cannot create a token from %s", demo_dir);
	pc = ccakit_token_platform(t);
	realm_tmpl = *ccakit_token_realm(t);
	if (ccakit_platform_claims_encode(pc, payload, sizeof(payload),
	    &plen) != CCAKIT_OK || (plat_sign1 = malloc(8192)) == NULL ||
	    ccakit_cose_sign1_sign(cpak, 0, payload, plen, plat_sign1, 8192,
	    &plat_sign1_len) != CCAKIT_OK)
		die("cannot sign the platform token");
	/* The trust anchor for our own server. */
	if (ccakit_hex_encode(pc->impl_id.ptr, pc->impl_id.len, hex1,
	    sizeof(hex1)) != CCAKIT_OK || ccakit_hex_encode(pc->inst_id.ptr,
	    pc->inst_id.len, hex2, sizeof(hex2)) != CCAKIT_OK ||
	    ccakit_key_to_jwk(cpak, jwk, sizeof(jwk)) != CCAKIT_OK)
		die("cannot write the trust anchor");
	if (ta_out != NULL) {
		if ((f = fopen(ta_out, "w")) == NULL)
			die("%s: %s", ta_out, strerror(errno));
		fprintf(f, "[{\"implementation-id\":\"%s\",\"instance-id\":"
		    "\"%s\",\"pkey\":%s}]\n", hex1, hex2, jwk);
		fclose(f);
	}
	/* realm_tmpl keeps pointing into tmpl_buf: keep it, drop t. */
	ccakit_token_free(&t);
	ccakit_claimset_free(&cs);
	free(text);
}

/* --- the bound --- */

struct rawsig {
	EVP_PKEY *pk;
	uint8_t msg[4096];
	size_t msglen;
	uint8_t sig[128];
	size_t siglen;
};

static void
rawsig_make(struct rawsig *s, size_t msglen)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	s->pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	s->msglen = msglen < sizeof(s->msg) ? msglen : sizeof(s->msg);
	memset(s->msg, 0x5a, s->msglen);
	s->siglen = sizeof(s->sig);
	if (c == NULL || s->pk == NULL || EVP_DigestSignInit_ex(c, NULL,
	    "SHA384", NULL, NULL, s->pk, NULL) != 1 || EVP_DigestSign(c,
	    s->sig, &s->siglen, s->msg, s->msglen) != 1)
		die("raw sign failed");
	EVP_MD_CTX_free(c);
}

static void
rawsig_verify(const struct rawsig *s)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (c == NULL || EVP_DigestVerifyInit_ex(c, NULL, "SHA384", NULL,
	    NULL, s->pk, NULL) != 1 || EVP_DigestVerify(c, s->sig, s->siglen,
	    s->msg, s->msglen) != 1)
		die("raw verify failed");
	EVP_MD_CTX_free(c);
}

static double
measure_bound(void)
{
	struct rawsig raw[2];
	double t0, t, best = 0, rate;
	size_t n;
	int round;

	rawsig_make(&raw[0], plat_sign1_len);
	rawsig_make(&raw[1], 300);
	for (round = 0; round < BOUND_ROUNDS; round++) {
		t0 = now();
		for (n = 0; (t = now() - t0) < BOUND_SECONDS; n++) {
			rawsig_verify(&raw[0]);
			rawsig_verify(&raw[1]);
		}
		if ((rate = (double)n / t) > best)
			best = rate;
	}
	EVP_PKEY_free(raw[0].pk);
	EVP_PKEY_free(raw[1].pk);
	return best;
}

/* Raw ES256 signatures per second on one core (what each session adds). */
static double
measure_es256(void)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_MD_CTX *c;
	uint8_t msg[2048], sig[128];
	size_t siglen, n;
	double t0, t;

	memset(msg, 0x5a, sizeof(msg));
	if (pk == NULL)
		die("P-256 keygen failed");
	t0 = now();
	for (n = 0; (t = now() - t0) < BOUND_SECONDS; n++) {
		siglen = sizeof(sig);
		if ((c = EVP_MD_CTX_new()) == NULL || EVP_DigestSignInit_ex(c,
		    NULL, "SHA256", NULL, NULL, pk, NULL) != 1 ||
		    EVP_DigestSign(c, sig, &siglen, msg, sizeof(msg)) != 1)
			die("raw ES256 sign failed");
		EVP_MD_CTX_free(c);
	}
	EVP_PKEY_free(pk);
	return (double)n / t;
}

/* --- clients --- */

static pthread_barrier_t start_line;

/* An EAR checked as a relying party would: key, alg, nonce, age. */
static bool
ear_ok(const char *jwt, const uint8_t *nonce, size_t nlen, char *why,
    size_t whysz)
{
	struct ccakit_ear_verify_opts vo;
	struct ccakit_errdetail d;
	enum ccakit_tier t;
	ccakit_ear *e = ccakit_ear_new();
	int r;

	memset(&vo, 0, sizeof(vo));
	memset(&d, 0, sizeof(d));
	vo.alg = ear_alg;
	vo.nonce = nonce;
	vo.nonce_len = nlen;
	vo.max_age = 300;
	vo.leeway = 60;
	if (e == NULL || (r = ccakit_ear_verify_jwt(e, jwt, strlen(jwt),
	    ear_pub, &vo, &d)) != CCAKIT_OK) {
		snprintf(why, whysz, "EAR does not verify: %s", d.text);
		ccakit_ear_free(&e);
		return false;
	}
	r = ccakit_ear_submod_status(e, CCAKIT_EAR_SUBMOD_PLATFORM, &t);
	ccakit_ear_free(&e);
	if (r != CCAKIT_OK || t != CCAKIT_TIER_AFFIRMING) {
		snprintf(why, whysz, "platform not affirming");
		return false;
	}
	return true;
}

static void *
client(void *arg)
{
	static const char *const sess_hdr[] = {
	    "Accept: " SVC_VERAISON_SESSION_MT, NULL };
	static const char *const ev_hdr[] = {
	    "Accept: " SVC_VERAISON_SESSION_MT,
	    "Content-Type: " CKI_V_MT_CCA, NULL };
	struct svc_httpc_opts ho;
	struct svc_http_resp resp;
	struct cki_v_session s, done;
	uint8_t *tok;
	char url[400], *loc, err[256];
	unsigned long iter = 0, id = (unsigned long)(uintptr_t)arg;
	size_t toklen;
	double t0;
	svc_httpc *hc;
	bool replay, check;

	memset(&ho, 0, sizeof(ho));
	ho.max_body = 1024 * 1024;
	if ((hc = svc_httpc_new(&ho)) == NULL ||
	    (tok = malloc(CCAKIT_TOKEN_MAX_SIZE)) == NULL)
		die("client setup failed");
	snprintf(url, sizeof(url), "%s/challenge-response/v1/newSession"
	    "?nonceSize=64", base_url);
	memset(&s, 0, sizeof(s));
	memset(&done, 0, sizeof(done));
	pthread_barrier_wait(&start_line);
	pthread_barrier_wait(&start_line);
	while (now() < deadline) {
		t0 = now();
		iter++;
		replay = (iter + id) % REPLAY_EVERY == 0;
		check = (iter + id) % VERIFY_EVERY == 1;
		cki_v_session_clear(&s);
		cki_v_session_clear(&done);
		if (svc_httpc_request(hc, "POST", url, sess_hdr, NULL, 0,
		    &resp, err, sizeof(err)) != SVC_HTTPC_OK) {
			record_error("newSession: %s", err);
			continue;
		}
		if (resp.status != 201 || resp.location[0] == '\0' ||
		    cki_v_session_from_json((const char *)resp.body,
		    resp.body_len, &s, NULL) != CCAKIT_OK ||
		    s.nonce_len != 64) {
			record_error("newSession: HTTP %ld %.200s",
			    resp.status, (const char *)resp.body);
			svc_http_resp_clear(&resp);
			continue;
		}
		loc = svc_url_resolve(url, resp.location);
		svc_http_resp_clear(&resp);
		if (loc == NULL)
			die("bad Location");
		if (!nonce_insert(s.nonce)) {
			pthread_mutex_lock(&mu);
			n_dup_nonce++;
			pthread_mutex_unlock(&mu);
		}
		if (make_token(s.nonce, tok, CCAKIT_TOKEN_MAX_SIZE,
		    &toklen) != 0)
			die("cannot make a token");
		if (svc_httpc_request(hc, "POST", loc, ev_hdr, tok, toklen,
		    &resp, err, sizeof(err)) != SVC_HTTPC_OK) {
			record_error("evidence: %s", err);
			free(loc);
			continue;
		}
		if (resp.status != 200 || cki_v_session_from_json(
		    (const char *)resp.body, resp.body_len, &done, NULL) !=
		    CCAKIT_OK || done.status != CKI_V_COMPLETE ||
		    done.result == NULL) {
			record_error("evidence: HTTP %ld %.200s", resp.status,
			    (const char *)resp.body);
			svc_http_resp_clear(&resp);
			free(loc);
			continue;
		}
		svc_http_resp_clear(&resp);
		if (check) {
			if (!ear_ok(done.result, s.nonce, s.nonce_len, err,
			    sizeof(err))) {
				record_error("%s", err);
				free(loc);
				continue;
			}
			pthread_mutex_lock(&mu);
			n_verified++;
			pthread_mutex_unlock(&mu);
		}
		if (!replay) {
			free(loc);
			record_ok((now() - t0) * 1e3, false, false);
			continue;
		}
		/* The same evidence again: the session took it once. */
		if (svc_httpc_request(hc, "POST", loc, ev_hdr, tok, toklen,
		    &resp, err, sizeof(err)) != SVC_HTTPC_OK) {
			record_error("replay: %s", err);
			free(loc);
			continue;
		}
		free(loc);
		record_ok((now() - t0) * 1e3, true, resp.status != 409);
		svc_http_resp_clear(&resp);
	}
	cki_v_session_clear(&s);
	cki_v_session_clear(&done);
	svc_httpc_free(&hc);
	free(tok);
	return NULL;
}

static double
tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The EAR key from the discovery document. */
static void
discover(void)
{
	static const char *const hdr[] = {
	    "Accept: " SVC_VERAISON_DISCOVERY_MT, NULL };
	struct svc_http_resp resp;
	char url[300], err[256], *jwk = NULL, *path = NULL;
	svc_httpc *hc = svc_httpc_new(NULL);

	snprintf(url, sizeof(url), "%s%s", base_url,
	    SVC_VERAISON_DISCOVERY_PATH);
	if (hc == NULL || svc_httpc_request(hc, "GET", url, hdr, NULL, 0,
	    &resp, err, sizeof(err)) != SVC_HTTPC_OK)
		die("discovery: %s", err);
	if (resp.status != 200 || svc_veraison_parse_discovery(resp.body,
	    resp.body_len, &jwk, &path, err, sizeof(err)) != 0)
		die("discovery: HTTP %ld %s", resp.status, err);
	if ((ear_pub = ccakit_key_new()) == NULL ||
	    ccakit_key_from_jwk(ear_pub, jwk, strlen(jwk)) != CCAKIT_OK)
		die("discovery: bad EAR key");
	if ((ear_alg = ccakit_key_pinned_alg(ear_pub)) == 0)
		ear_alg = ccakit_key_default_alg(ear_pub);
	svc_http_resp_clear(&resp);
	svc_httpc_free(&hc);
	free(jwk);
	free(path);
}

/* --- our own server --- */

static pid_t
start_server(const char *server, const char *dir, unsigned threads)
{
	char port_file[PATH_MAX], db[PATH_MAX], ta[PATH_MAX];
	char thr[16], buf[16];
	double t0;
	FILE *f;
	pid_t pid;

	snprintf(port_file, sizeof(port_file), "%s/port", dir);
	snprintf(db, sizeof(db), "%s/v.db", dir);
	snprintf(ta, sizeof(ta), "%s/ta.json", dir);
	snprintf(thr, sizeof(thr), "%u", threads);
	if ((pid = fork()) < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		if (threads > 0)
			execl(server, server, "-q", "-p", "0", "--port-file",
			    port_file, "--db", db, "--trust-anchors", ta,
			    "--threads", thr, (char *)NULL);
		else
			execl(server, server, "-q", "-p", "0", "--port-file",
			    port_file, "--db", db, "--trust-anchors", ta,
			    (char *)NULL);
		fprintf(stderr, "bench-verifier: %s: %s\n", server,
		    strerror(errno));
		_exit(127);
	}
	for (t0 = now(); now() - t0 < 10; usleep(20000)) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			die("%s exited at start", server);
		if ((f = fopen(port_file, "r")) == NULL)
			continue;
		if (fgets(buf, sizeof(buf), f) != NULL) {
			fclose(f);
			snprintf(base_url, sizeof(base_url),
			    "http://127.0.0.1:%d", atoi(buf));
			return pid;
		}
		fclose(f);
	}
	kill(pid, SIGTERM);
	die("%s did not start", server);
}

static void
usage(void)
{
	fprintf(stderr, "Usage: bench-verifier [-c clients] [-t seconds] "
	    "[-u url] [-s server] [-d demo-dir] [-T server-threads]\n"
	    "  -u: use a running verifier that trusts the demo realm (demo/);\n"
	    "      default: start one\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	char server[PATH_MAX + 32], dir[] = "/tmp/bench-verifier.XXXXXX";
	char path[PATH_MAX], ta[PATH_MAX + 16];
	const char *url = NULL, *srv = NULL;
	unsigned long clients = 64, i;
	unsigned threads = 0;
	double seconds = 60, bound, es256, t0, elapsed, rate;
	struct rusage ru0, ru1, ruc = { 0 };
	pthread_t *th;
	ssize_t n;
	pid_t pid = -1;
	int c, rc = 0;

	while ((c = getopt(argc, argv, "c:t:u:s:d:T:")) != -1) {
		switch (c) {
		case 'c':
			clients = strtoul(optarg, NULL, 10);
			if (clients < 1 || clients > 1024)
				usage();
			break;
		case 't':
			seconds = atof(optarg);
			if (seconds <= 0 || seconds > 3600)
				usage();
			break;
		case 'u':
			url = optarg;
			break;
		case 's':
			srv = optarg;
			break;
		case 'd':
			demo_dir = optarg;
			break;
		case 'T':
			threads = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	signal(SIGPIPE, SIG_IGN);
	if (svc_httpc_global_init() != 0)
		die("libcurl initialisation failed");
	if (url == NULL) {
		if (mkdtemp(dir) == NULL)
			die("mkdtemp: %s", strerror(errno));
		snprintf(ta, sizeof(ta), "%s/ta.json", dir);
		realm_setup(ta);
		if (srv == NULL) {
			n = readlink("/proc/self/exe", path, sizeof(path) - 1);
			if (n <= 0)
				die("cannot find cca-verifier: use -s");
			path[n] = '\0';
			*strrchr(path, '/') = '\0';
			snprintf(server, sizeof(server), "%s/cca-verifier",
			    path);
			srv = server;
		}
	} else {
		realm_setup(NULL);
		snprintf(base_url, sizeof(base_url), "%s", url);
	}

	bound = measure_bound();
	es256 = measure_es256();
	if (url == NULL)
		pid = start_server(srv, dir, threads);
	discover();
	printf("verifier %s (%s), %lu clients, %.0f s\n", base_url,
	    url == NULL ? "started by the bench" : "given", clients, seconds);
	fflush(stdout);

	if ((th = calloc(clients, sizeof(*th))) == NULL ||
	    pthread_barrier_init(&start_line, NULL, (unsigned)clients + 1) != 0)
		die("out of memory");
	deadline = now() + 1e9;
	for (i = 0; i < clients; i++)
		if (pthread_create(&th[i], NULL, client, (void *)(uintptr_t)i)
		    != 0)
			die("pthread_create failed");
	pthread_barrier_wait(&start_line);
	getrusage(RUSAGE_SELF, &ru0);
	t0 = now();
	deadline = t0 + seconds;
	pthread_barrier_wait(&start_line);
	for (i = 0; i < clients; i++)
		pthread_join(th[i], NULL);
	elapsed = now() - t0;
	getrusage(RUSAGE_SELF, &ru1);
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		getrusage(RUSAGE_CHILDREN, &ruc);
	}
	/* The bound again after the load: the larger (the stricter) counts. */
	if ((rate = measure_bound()) > bound)
		bound = rate;
	rate = (double)n_ok / elapsed;
	qsort(lat, nlat, sizeof(*lat), cmp_double);
	printf("bound (2 raw OpenSSL P-384 verifies): %10.1f tokens/s "
	    "(one core, best of before and after)\n", bound);
	printf("ES256 EAR signatures (raw, one core): %10.1f /s (one per "
	    "session, not in the bound)\n", es256);
	printf("sessions (newSession + evidence):     %10lu in %.1f s\n",
	    n_ok, elapsed);
	printf("sessions/s:                           %10.1f\n", rate);
	if (nlat > 0)
		printf("latency p50 / p99 / max:              %7.1f / %.1f / "
		    "%.1f ms\n", lat[nlat / 2], lat[nlat * 99 / 100],
		    lat[nlat - 1]);
	if (n_ok > 0) {
		printf("client CPU per session:               %10.2f ms "
		    "(emulated realm, HTTP, EAR checks)\n", 1e3 *
		    (tv_s(ru1.ru_utime) + tv_s(ru1.ru_stime) -
		    tv_s(ru0.ru_utime) - tv_s(ru0.ru_stime)) / (double)n_ok);
		if (pid > 0)
			printf("server CPU per session:               %10.2f "
			    "ms (bound: %.2f ms + ES256 %.2f ms)\n", 1e3 *
			    (tv_s(ruc.ru_utime) + tv_s(ruc.ru_stime)) /
			    (double)n_ok, 1e3 / bound, 1e3 / es256);
	}
	printf("EARs verified by the clients:         %10lu (every one "
	    "affirming for the platform)\n", n_verified);
	printf("errors:                               %10lu%s%s\n", n_err,
	    n_err > 0 ? " first: " : "", first_err);
	printf("evidence accepted twice:              %10lu (of %lu "
	    "replays)\n", n_double, n_replays);
	printf("duplicate nonces:                     %10lu\n", n_dup_nonce);
	if (n_err > 0 || n_double > 0 || n_dup_nonce > 0 || n_ok == 0)
		rc = 1;
	if (url == NULL) {
		snprintf(path, sizeof(path), "rm -rf '%s'", dir);
		if (system(path) != 0)
			fprintf(stderr, "bench-verifier: cannot remove %s\n",
			    dir);
	}
	printf("ratio %.3f\n", rate / bound);
	free(th);
	free(lat);
	free(nonce_seen);
	free(plat_sign1);
	free(tmpl_buf);
	ccakit_key_free(&cpak);
	ccakit_key_free(&rak);
	ccakit_key_free(&ear_pub);
	svc_httpc_global_cleanup();
	return rc;
}
