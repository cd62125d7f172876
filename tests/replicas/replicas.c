/*
 * replicas: keybroker-server and cca-verifier replicas on one PostgreSQL
 * behave as one service (docs/deployment.md). Separate processes over
 * loopback, started by this driver; PostgreSQL by tests/pg/pgctl.sh run,
 * which sets CCAKIT_PG_URL, CCAKIT_PG_DIR and CCAKIT_PGCTL.
 *
 *   replicas basic    three key brokers (schema "keybroker") and three
 *                     verifiers (schema "verifier") on one database:
 *                     a challenge issued by A is redeemed at B; a
 *                     session created at A is read and completed at B
 *                     and read at C; one EAR key for all; provisioning
 *                     at A in use at B and C within one second (and a
 *                     removal at B at A); concurrent redemption of one
 *                     challenge, and evidence for one session, across
 *                     the replicas succeeds exactly once.
 *   replicas faults   the six under load, while a key broker and a
 *                     verifier are killed with SIGKILL (and started
 *                     again), and PostgreSQL is restarted, then crashed
 *                     and restarted; afterwards every challenge issued
 *                     and never presented is redeemed exactly once, every
 *                     session created and never given evidence takes it
 *                     exactly once, and nothing was redeemed twice;
 *                     then PostgreSQL is stopped: requests get 503 with
 *                     Retry-After (problem+json), and once it is back
 *                     they succeed again, the replicas never restarted.
 *
 * Environment: CCAKIT_BIN (the servers), CCAKIT_SRC (demo/: the emulated
 * realm). Output: "ok"/"not ok" lines; exit 0, or 1 when a check failed
 * (2: a setup failure).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <ccakit/bytes.h>
#include <ccakit/ear.h>
#include <ccakit/err.h>
#include <ccakit/token.h>

#include "httpc.h"
#include "kba_parse.h"
#include "loadgen.h"
#include "rawhttp.h"
#include "util/util.h"
#include "veraison.h"
#include "vproto.h"

#define NREP            3
#define TOKEN           "replicas-provisioning-token"
#define KEY_NAME        "skywalker"
#define SECRET          "May the force be with you."
#define RACERS          4       /* per replica, for one item */
#define RACE_ROUNDS     10
#define VISIBLE_S       1.0     /* provisioning elsewhere in use */
#define MT_CCA \
	"application/eat-collection; profile=\"http://arm.com/CCA-SSD/1.0.0\""

/* --- checks --- */

static int n_ok, n_fail;

static void
check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", ok ? "ok" : "not ok", n_ok + n_fail + 1);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (ok)
		n_ok++;
	else
		n_fail++;
}

static void
note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
note(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static unsigned
rnd(unsigned n)
{
	static _Atomic unsigned seed = 12345;
	unsigned s = atomic_fetch_add(&seed, 0x9e3779b9u);

	s ^= s >> 16;
	s *= 0x7feb352du;
	s ^= s >> 15;
	return s % n;
}

/* --- the servers --- */

static char dir[PATH_MAX], ta_file[PATH_MAX + 16], rims_file[PATH_MAX + 16];
static char kb_db[1024], cv_db[1024];

struct replica {
	const char *prog;               /* keybroker-server, cca-verifier */
	char dir[PATH_MAX + 16];
	const char *args[12];
	pthread_mutex_t mu;
	char url[128];
	pid_t pid;
	bool alive;
};

static struct replica kb[NREP], cv[NREP];

static void
replica_start(struct replica *r)
{
	char server[PATH_MAX], url[128], port[PATH_MAX + 32];
	const char *bin = getenv("CCAKIT_BIN");
	struct lg_opts o = { .server = server, .threads = 2 };
	pid_t pid;

	snprintf(server, sizeof(server), "%s/%s", bin, r->prog);
	/* A killed server leaves its port file. */
	snprintf(port, sizeof(port), "%s/port", r->dir);
	unlink(port);
	pid = lg_server_start(&o, r->dir, r->args, url, sizeof(url));
	pthread_mutex_lock(&r->mu);
	r->pid = pid;
	snprintf(r->url, sizeof(r->url), "%s", url);
	r->alive = true;
	pthread_mutex_unlock(&r->mu);
}

static void
replica_init(struct replica *r, const char *prog, int i, bool verifier,
    bool with_ta)
{
	size_t a = 0;

	r->prog = prog;
	pthread_mutex_init(&r->mu, NULL);
	snprintf(r->dir, sizeof(r->dir), "%s/%s%d", dir, verifier ? "cv" :
	    "kb", i);
	if (mkdir(r->dir, 0700) != 0)
		lg_die("mkdir %s: %s", r->dir, strerror(errno));
	r->args[a++] = "--db";
	r->args[a++] = verifier ? cv_db : kb_db;
	if (verifier) {
		r->args[a++] = "--provisioning-token";
		r->args[a++] = TOKEN;
		if (with_ta) {
			r->args[a++] = "--trust-anchors";
			r->args[a++] = ta_file;
		}
	} else {
		r->args[a++] = "--trust-anchors";
		r->args[a++] = ta_file;
		r->args[a++] = "--reference-values";
		r->args[a++] = rims_file;
	}
	r->args[a] = NULL;
	replica_start(r);
}

/* The URL of a replica, or false when it is down. */
static bool
replica_url(struct replica *r, char *url, size_t sz)
{
	bool up;

	pthread_mutex_lock(&r->mu);
	up = r->alive;
	snprintf(url, sz, "%s", r->url);
	pthread_mutex_unlock(&r->mu);
	return up;
}

/* An alive replica at random (there always is one). */
static struct replica *
any(struct replica *set, char *url, size_t sz)
{
	unsigned i = rnd(NREP), k;

	for (k = 0; k < NREP; k++)
		if (replica_url(&set[(i + k) % NREP], url, sz))
			return &set[(i + k) % NREP];
	lg_die("no replica alive");
}

static void
replica_kill(struct replica *r)
{
	pid_t pid;

	pthread_mutex_lock(&r->mu);
	r->alive = false;
	pid = r->pid;
	r->pid = -1;
	pthread_mutex_unlock(&r->mu);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void
replica_stop(struct replica *r)
{
	int st = 0;

	if (r->pid <= 0)
		return;
	kill(r->pid, SIGTERM);
	waitpid(r->pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		check(false, "%s at %s exits cleanly on SIGTERM (status %d)",
		    r->prog, r->url, st);
	r->pid = -1;
}

/* pgctl.sh CMD DIR [ARG]: restart (fast, immediate), down, up. */
static void
pgctl(const char *cmd, const char *arg)
{
	char line[PATH_MAX * 2 + 64];

	snprintf(line, sizeof(line), "sh '%s' %s '%s' %s",
	    getenv("CCAKIT_PGCTL"), cmd, getenv("CCAKIT_PG_DIR"),
	    arg != NULL ? arg : "");
	if (system(line) != 0)
		lg_die("%s failed", line);
}

/* --- the key broker's protocol --- */

static EVP_PKEY *wrap_key;
static char keyreq[1024];

static void
make_wrap_key(void)
{
	uint8_t n[256];
	char n64[400];
	BIGNUM *bn = NULL;
	int len;

	if ((wrap_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
	    (size_t)2048)) == NULL ||
	    EVP_PKEY_get_bn_param(wrap_key, OSSL_PKEY_PARAM_RSA_N, &bn) != 1 ||
	    (len = BN_bn2binpad(bn, n, sizeof(n))) != (int)sizeof(n) ||
	    ccakit_b64_encode(n, sizeof(n), CCAKIT_B64_URL, n64,
	    sizeof(n64)) != CCAKIT_OK)
		lg_die("cannot make a wrapping key");
	BN_free(bn);
	snprintf(keyreq, sizeof(keyreq), "{\"pubkey\":{\"kty\":\"RSA\","
	    "\"alg\":\"RSA1_5\",\"n\":\"%s\",\"e\":\"AQAB\"}}", n64);
}

struct chal {
	uint32_t id;
	uint8_t nonce[KBS_CHALLENGE_LEN];
};

enum outcome {
	O_OK,                   /* 200: redeemed, evidence taken */
	O_USED,                 /* 403 unknown or used / 409 taken already */
	O_GONE,                 /* 404 (sessions): no such session */
	O_UNKNOWN,              /* 503, no reply: either may have happened */
	O_BAD,                  /* anything else */
};

/* POST a key request: 0 and the challenge, or -1 (status in *status,
 * 0 without a reply). */
static int
kb_issue(svc_httpc *hc, const char *base, struct chal *c, long *status)
{
	static const char *const hdr[] = {
	    "Content-Type: application/json", NULL };
	struct svc_http_resp resp;
	char url[256], err[256];
	const char *p;
	int rc = -1;

	*status = 0;
	snprintf(url, sizeof(url), "%s/keys/v1/key/%s", base, KEY_NAME);
	if (svc_httpc_request(hc, "POST", url, hdr, keyreq, strlen(keyreq),
	    &resp, err, sizeof(err)) != SVC_HTTPC_OK)
		return -1;
	*status = resp.status;
	if (resp.status == 201 && kba_parse_challenge(resp.body,
	    resp.body_len, c->nonce, err, sizeof(err)) == 0 &&
	    (p = strrchr(resp.location, '/')) != NULL) {
		c->id = (uint32_t)strtoul(p + 1, NULL, 10);
		rc = c->id != 0 ? 0 : -1;
	}
	svc_http_resp_clear(&resp);
	return rc;
}

/* POST evidence for a challenge; with data, the secret unwrapped. */
static enum outcome
kb_redeem(svc_httpc *hc, const char *base, const struct chal *c,
    bool unwrap, char *why, size_t whysz)
{
	static const char *const hdr[] = { "Content-Type: " MT_CCA, NULL };
	struct svc_http_resp resp;
	uint8_t tok[CCAKIT_TOKEN_MAX_SIZE], *ct = NULL, out[512];
	char url[256], err[256], b64[CCAKIT_TOKEN_MAX_SIZE / 3 * 4 + 8];
	size_t toklen, ctlen, n = sizeof(out);
	enum outcome o = O_BAD;
	EVP_PKEY_CTX *pc;

	why[0] = '\0';
	if (lg_realm_token(c->nonce, tok, sizeof(tok), &toklen) != 0 ||
	    ccakit_b64_encode(tok, toklen, CCAKIT_B64_URL, b64,
	    sizeof(b64)) != CCAKIT_OK)
		lg_die("cannot make a token");
	snprintf(url, sizeof(url), "%s/keys/v1/evidence/%u", base, c->id);
	if (svc_httpc_request(hc, "POST", url, hdr, b64, strlen(b64), &resp,
	    err, sizeof(err)) != SVC_HTTPC_OK) {
		snprintf(why, whysz, "%s", err);
		return O_UNKNOWN;
	}
	snprintf(why, whysz, "HTTP %ld %.200s", resp.status,
	    resp.body != NULL ? (const char *)resp.body : "");
	if (resp.status == 200) {
		o = O_OK;
		if (unwrap) {
			pc = EVP_PKEY_CTX_new_from_pkey(NULL, wrap_key, NULL);
			if (kba_parse_wrapped(resp.body, resp.body_len, &ct,
			    &ctlen, err, sizeof(err)) != 0 || pc == NULL ||
			    EVP_PKEY_decrypt_init(pc) != 1 ||
			    EVP_PKEY_CTX_set_rsa_padding(pc,
			    RSA_PKCS1_PADDING) != 1 ||
			    EVP_PKEY_decrypt(pc, out, &n, ct, ctlen) != 1 ||
			    n != strlen(SECRET) || memcmp(out, SECRET, n) != 0)
				o = O_BAD;
			EVP_PKEY_CTX_free(pc);
			free(ct);
		}
	} else if (resp.status == 403 && resp.body != NULL &&
	    strstr((const char *)resp.body, "did not match any issued "
	    "challenge") != NULL) {
		o = O_USED;
	} else if (resp.status == 503) {
		o = O_UNKNOWN;
	}
	svc_http_resp_clear(&resp);
	return o;
}

/* --- the verifier's protocol --- */

static svc_veraison *
cv_client(const char *base)
{
	struct svc_veraison_opts vo;
	svc_veraison *v;
	char err[512];

	memset(&vo, 0, sizeof(vo));
	vo.base_url = base;
	vo.timeout_ms = 20000;
	if ((v = svc_veraison_new(&vo)) == NULL)
		lg_die("out of memory");
	if (svc_veraison_discover(v, err, sizeof(err)) != 0)
		lg_die("%s: %s", base, err);
	return v;
}

/* The session's URL at another replica: base + the path at the first. */
static void
session_at(const struct svc_veraison_session *s, const char *base,
    char *out, size_t sz)
{
	const char *p = strstr(s->url, "/challenge-response/");

	snprintf(out, sz, "%s%s", base, p != NULL ? p : "/?");
}

/* Evidence for session s (its doc.nonce) at its URL moved to base. */
static enum outcome
cv_submit(svc_veraison *v, struct svc_veraison_session *s, const char *base,
    char *why, size_t whysz)
{
	uint8_t tok[CCAKIT_TOKEN_MAX_SIZE];
	char url[512], *orig = s->url;
	size_t toklen;
	long status = 0;
	int r;

	if (lg_realm_token(s->doc.nonce, tok, sizeof(tok), &toklen) != 0)
		lg_die("cannot make a token");
	session_at(s, base, url, sizeof(url));
	s->url = url;
	r = svc_veraison_submit(v, s, MT_CCA, tok, toklen, &status, why,
	    whysz);
	s->url = orig;
	if (r == 0)
		return O_OK;
	return status == 409 ? O_USED : status == 404 ? O_GONE :
	    status == 503 || status == 0 ? O_UNKNOWN : O_BAD;
}

/* Whether the platform is affirming in the EAR of session s, checked
 * as a relying party checks it with v's discovery key; -1 when the EAR
 * does not verify (why says why). */
static int
cv_affirming(svc_veraison *v, const struct svc_veraison_session *s,
    char *why, size_t whysz)
{
	enum ccakit_tier t = CCAKIT_TIER_NONE;
	ccakit_ear *e = NULL;

	why[0] = '\0';
	if (svc_veraison_check_ear(v, s->doc.result, s->doc.nonce,
	    s->doc.nonce_len, &e, why, whysz) != 0)
		return -1;
	if (ccakit_ear_submod_status(e, CCAKIT_EAR_SUBMOD_PLATFORM, &t) !=
	    CCAKIT_OK)
		t = CCAKIT_TIER_NONE;
	ccakit_ear_free(&e);
	return t == CCAKIT_TIER_AFFIRMING;
}

/* GET a session at base: its status name into st, or "" (and -1). */
static int
cv_get(svc_httpc *hc, const struct svc_veraison_session *s, const char *base,
    struct svc_v_session *doc)
{
	struct svc_http_resp resp;
	char url[512], err[256];
	int rc = -1;

	session_at(s, base, url, sizeof(url));
	memset(doc, 0, sizeof(*doc));
	if (svc_httpc_request(hc, "GET", url, NULL, NULL, 0, &resp, err,
	    sizeof(err)) != SVC_HTTPC_OK)
		return -1;
	if (resp.status == 200 && svc_veraison_parse_session(resp.body,
	    resp.body_len, false, doc, err, sizeof(err)) == 0)
		rc = 0;
	svc_http_resp_clear(&resp);
	return rc;
}

/* POST or DELETE provisioning: the HTTP status, 0 without a reply. */
static long
provision(svc_httpc *hc, const char *base, const char *method,
    const char *body)
{
	static const char *const hdr[] = { "Authorization: Bearer " TOKEN,
	    "Content-Type: application/json", NULL };
	struct svc_http_resp resp;
	char url[256], err[256];
	long st;

	snprintf(url, sizeof(url), "%s/provisioning/v1/trust-anchors", base);
	if (svc_httpc_request(hc, method, url, hdr, body, body != NULL ?
	    strlen(body) : 0, &resp, err, sizeof(err)) != SVC_HTTPC_OK)
		return 0;
	st = resp.status;
	svc_http_resp_clear(&resp);
	return st;
}

static svc_httpc *
http_client(void)
{
	struct svc_httpc_opts ho;
	svc_httpc *hc;

	memset(&ho, 0, sizeof(ho));
	ho.max_body = 256 * 1024;
	ho.timeout_ms = 20000;
	if ((hc = svc_httpc_new(&ho)) == NULL)
		lg_die("out of memory");
	return hc;
}

/* --- races: one item, RACERS threads at each replica at once --- */

struct racer {
	pthread_barrier_t *go;
	const char *base;
	const struct chal *chal;                /* a challenge, or */
	struct svc_veraison_session *sess;      /* a session */
	enum outcome o;
	char why[600];
};

static void *
racer(void *arg)
{
	struct racer *r = arg;
	struct svc_veraison_session s;
	svc_httpc *hc = NULL;
	svc_veraison *v = NULL;

	if (r->chal != NULL)
		hc = http_client();
	else
		v = cv_client(r->base);
	memset(&s, 0, sizeof(s));
	if (r->sess != NULL) {
		/* A copy of its own: submit writes the document. */
		s.url = strdup(r->sess->url);
		s.doc = r->sess->doc;
		s.doc.media_type = NULL;
		s.doc.evidence = NULL;
		s.doc.result = NULL;
	}
	pthread_barrier_wait(r->go);
	if (r->chal != NULL)
		r->o = kb_redeem(hc, r->base, r->chal, false, r->why,
		    sizeof(r->why));
	else
		r->o = cv_submit(v, &s, r->base, r->why, sizeof(r->why));
	svc_veraison_session_clear(&s);
	svc_httpc_free(&hc);
	svc_veraison_free(&v);
	return NULL;
}

/* Race RACERS x NREP redemptions of c (or submissions to s): exactly
 * one wins, every other is told "used". */
static bool
race(const struct chal *c, struct svc_veraison_session *s, char *why,
    size_t whysz)
{
	struct racer r[NREP * RACERS];
	pthread_t th[NREP * RACERS];
	pthread_barrier_t go;
	char urls[NREP][128];
	size_t i;
	unsigned won = 0, used = 0;

	pthread_barrier_init(&go, NULL, NREP * RACERS);
	for (i = 0; i < NREP; i++)
		replica_url(c != NULL ? &kb[i] : &cv[i], urls[i],
		    sizeof(urls[i]));
	for (i = 0; i < NREP * RACERS; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].go = &go;
		r[i].base = urls[i % NREP];
		r[i].chal = c;
		r[i].sess = s;
		if (pthread_create(&th[i], NULL, racer, &r[i]) != 0)
			lg_die("pthread_create");
	}
	why[0] = '\0';
	for (i = 0; i < NREP * RACERS; i++) {
		pthread_join(th[i], NULL);
		won += r[i].o == O_OK;
		used += r[i].o == O_USED;
		if (r[i].o != O_OK && r[i].o != O_USED && why[0] == '\0')
			snprintf(why, whysz, "%s", r[i].why);
	}
	pthread_barrier_destroy(&go);
	if (won != 1 && why[0] == '\0')
		snprintf(why, whysz, "%u winners", won);
	return won == 1 && used == NREP * RACERS - 1;
}

/* --- basic --- */

static void
basic_keybroker(void)
{
	svc_httpc *hc = http_client();
	char a[128], b[128], c[128], why[600];
	struct chal ch;
	long st;
	int i, ok = 0;

	replica_url(&kb[0], a, sizeof(a));
	replica_url(&kb[1], b, sizeof(b));
	replica_url(&kb[2], c, sizeof(c));
	if (kb_issue(hc, a, &ch, &st) != 0)
		lg_die("key request at %s: HTTP %ld", a, st);
	check(kb_redeem(hc, b, &ch, true, why, sizeof(why)) == O_OK,
	    "key broker: a challenge issued by A is redeemed at B, the "
	    "secret unwrapped (%s)", why);
	check(kb_redeem(hc, c, &ch, false, why, sizeof(why)) == O_USED,
	    "key broker: and is spent at C (%.60s)", why);
	check(kb_redeem(hc, a, &ch, false, why, sizeof(why)) == O_USED,
	    "key broker: and at A");
	for (i = 0; i < RACE_ROUNDS; i++) {
		if (kb_issue(hc, i % 2 == 0 ? a : c, &ch, &st) != 0)
			lg_die("key request: HTTP %ld", st);
		if (race(&ch, NULL, why, sizeof(why)))
			ok++;
		else
			note("round %d: %s", i, why);
	}
	check(ok == RACE_ROUNDS, "key broker: %d of %d challenges, each "
	    "presented by %d clients at once at the 3 replicas, redeemed "
	    "exactly once", ok, RACE_ROUNDS, NREP * RACERS);
	svc_httpc_free(&hc);
}

/* A session at base (v its client) with evidence: whether the platform
 * is affirming in its EAR. */
static bool
one_affirming(svc_veraison *v, const char *base)
{
	struct svc_veraison_session s;
	char err[600];
	int t;

	memset(&s, 0, sizeof(s));
	if (svc_veraison_session_new(v, NULL, 0, KBS_CHALLENGE_LEN, &s, err,
	    sizeof(err)) != 0 || cv_submit(v, &s, base, err, sizeof(err)) !=
	    O_OK || (t = cv_affirming(v, &s, err, sizeof(err))) < 0)
		lg_die("%s: %s", base, err);
	svc_veraison_session_clear(&s);
	return t == 1;
}

/* Sessions at base until the platform is affirming in one's EAR, or is
 * not (or 5 s passed): the seconds since t0, or -1. */
static double
until_platform(svc_veraison *v, const char *base, bool affirming,
    double t0)
{
	for (;;) {
		if (one_affirming(v, base) == affirming)
			return lg_now() - t0;
		if (lg_now() - t0 > 5)
			return -1;
		usleep(20000);
	}
}

static void
basic_verifier(void)
{
	svc_veraison *va, *vb, *vc;
	svc_httpc *hc = http_client();
	struct svc_veraison_session s;
	struct svc_v_session doc;
	char a[128], b[128], c[128], why[600], *ta;
	uint8_t *buf;
	size_t len;
	double t0, ta_b, ta_c, rm_a;
	int i, ok = 0;

	replica_url(&cv[0], a, sizeof(a));
	replica_url(&cv[1], b, sizeof(b));
	replica_url(&cv[2], c, sizeof(c));
	va = cv_client(a);
	vb = cv_client(b);
	vc = cv_client(c);

	/* A session created at A, read at B, completed at B, read at C. */
	memset(&s, 0, sizeof(s));
	if (svc_veraison_session_new(va, NULL, 0, KBS_CHALLENGE_LEN, &s, why,
	    sizeof(why)) != 0)
		lg_die("%s", why);
	check(cv_get(hc, &s, b, &doc) == 0 && doc.status == SVC_V_WAITING &&
	    doc.nonce_len == s.doc.nonce_len && memcmp(doc.nonce,
	    s.doc.nonce, doc.nonce_len) == 0,
	    "verifier: a session created at A is read at B (waiting, the "
	    "same nonce)");
	svc_v_session_clear(&doc);
	check(cv_submit(vb, &s, b, why, sizeof(why)) == O_OK,
	    "verifier: and completed at B (%s)", why);
	/* One EAR key: B's EAR verifies with A's and C's discovery key. */
	check(cv_affirming(va, &s, why, sizeof(why)) >= 0 &&
	    cv_affirming(vc, &s, why, sizeof(why)) >= 0,
	    "verifier: the EAR signed at B verifies with the key A and C "
	    "publish (%s)", why);
	check(cv_get(hc, &s, c, &doc) == 0 && doc.status == SVC_V_COMPLETE &&
	    doc.result != NULL && strcmp(doc.result, s.doc.result) == 0,
	    "verifier: and read at C, complete with the same result");
	svc_v_session_clear(&doc);
	check(cv_submit(va, &s, a, why, sizeof(why)) == O_USED,
	    "verifier: evidence for it again at A: 409 (%.80s)", why);
	svc_veraison_session_clear(&s);

	/* Provisioning at A, in use at B and C within a second. */
	check(!one_affirming(vb, b) && !one_affirming(va, a), "verifier: no "
	    "trust anchor yet: the platform is not affirming at A or B");
	if (cki_read_file(ta_file, 1024 * 1024, &buf, &len) != CCAKIT_OK)
		lg_die("%s: cannot read", ta_file);
	ta = (char *)buf;
	check(provision(hc, a, "POST", ta) == 201, "verifier: a trust anchor "
	    "provisioned at A");
	t0 = lg_now();
	ta_b = until_platform(vb, b, true, t0);
	ta_c = until_platform(vc, c, true, t0);
	check(ta_b >= 0 && ta_b <= VISIBLE_S && ta_c >= 0 &&
	    ta_c <= VISIBLE_S, "verifier: in use at B after %.3f s, at C "
	    "after %.3f s (at most %.1f s)", ta_b, ta_c, VISIBLE_S);
	check(provision(hc, b, "DELETE", NULL) == 200, "verifier: the trust "
	    "anchors removed at B");
	rm_a = until_platform(va, a, false, lg_now());
	check(rm_a >= 0 && rm_a <= VISIBLE_S, "verifier: gone at A after "
	    "%.3f s", rm_a);
	check(provision(hc, c, "POST", ta) == 201, "verifier: provisioned "
	    "again at C");
	free(ta);

	/* Evidence for one session, at every replica at once. */
	for (i = 0; i < RACE_ROUNDS; i++) {
		memset(&s, 0, sizeof(s));
		if (svc_veraison_session_new(i % 2 == 0 ? va : vc, NULL, 0,
		    KBS_CHALLENGE_LEN, &s, why, sizeof(why)) != 0)
			lg_die("%s", why);
		if (race(NULL, &s, why, sizeof(why)))
			ok++;
		else
			note("round %d: %s", i, why);
		svc_veraison_session_clear(&s);
	}
	check(ok == RACE_ROUNDS, "verifier: %d of %d sessions, each given "
	    "evidence by %d clients at once at the 3 replicas, took it "
	    "exactly once", ok, RACE_ROUNDS, NREP * RACERS);
	svc_veraison_free(&va);
	svc_veraison_free(&vb);
	svc_veraison_free(&vc);
	svc_httpc_free(&hc);
}

/* --- faults --- */

#define LOAD_CLIENTS    2       /* of each service */
#define PRESENT_PCT     60      /* items presented during the load */
#define PACE_US         10000   /* between items: a load, not a flood
                                 * (every item is checked afterwards) */

/* An item issued during the load, and what became of it. */
struct item {
	struct chal chal;               /* the key broker's */
	struct svc_veraison_session sess;       /* the verifier's */
	unsigned tries, wins, unknown, lost;
};

struct items {
	pthread_mutex_t mu;
	struct item *v;
	size_t n, cap;
};

/* The key broker's challenges [0], the verifier's sessions [1]. */
static struct items items[2] = {
	{ PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0 },
	{ PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0 },
};
static atomic_bool running;
static atomic_ulong issued[2], ok_after[2][4];
static atomic_int phase;

/* Record an item; its index. */
static size_t
item_add(struct items *it, const struct item *x)
{
	size_t i;

	pthread_mutex_lock(&it->mu);
	if (it->n == it->cap) {
		it->cap = it->cap == 0 ? 1024 : it->cap * 2;
		if ((it->v = realloc(it->v, it->cap * sizeof(*x))) == NULL)
			lg_die("out of memory");
	}
	i = it->n++;
	it->v[i] = *x;
	pthread_mutex_unlock(&it->mu);
	return i;
}

/* What a presentation of item i told. */
static void
item_outcome(struct items *it, size_t i, enum outcome o)
{
	pthread_mutex_lock(&it->mu);
	it->v[i].tries++;
	if (o == O_OK)
		it->v[i].wins++;
	else if (o == O_UNKNOWN)
		it->v[i].unknown++;
	else
		it->v[i].lost++;
	pthread_mutex_unlock(&it->mu);
}

/* A load client's connections: HTTP for the key brokers, a Veraison
 * client for each verifier (made again when it moved). */
struct clients {
	svc_httpc *hc;
	svc_veraison *v[NREP];
	char vurl[NREP][128];
};

static void
clients_free(struct clients *c)
{
	size_t j;

	svc_httpc_free(&c->hc);
	for (j = 0; j < NREP; j++)
		svc_veraison_free(&c->v[j]);
}

/* A replica at random: its URL, and for a verifier its client. */
static svc_veraison *
pick(struct clients *c, bool verifier, char *url, size_t sz)
{
	struct replica *r = any(verifier ? cv : kb, url, sz);
	size_t j = (size_t)(r - (verifier ? cv : kb));

	if (!verifier)
		return NULL;
	if (c->v[j] == NULL || strcmp(c->vurl[j], url) != 0) {
		svc_veraison_free(&c->v[j]);
		c->v[j] = cv_client(url);
		snprintf(c->vurl[j], sizeof(c->vurl[j]), "%s", url);
	}
	return c->v[j];
}

/* Present x at a replica at random: its challenge redeemed, or its
 * session given evidence. */
static enum outcome
present(struct clients *c, bool verifier, struct item *x, char *why,
    size_t whysz)
{
	svc_veraison *v;
	char url[128];
	enum outcome o;

	if ((v = pick(c, verifier, url, sizeof(url))) == NULL)
		return kb_redeem(c->hc, url, &x->chal, false, why, whysz);
	o = cv_submit(v, &x->sess, url, why, whysz);
	/* Keep the nonce (a record may be presented again), not the
	 * result. */
	free(x->sess.doc.media_type);
	free(x->sess.doc.evidence);
	free(x->sess.doc.result);
	x->sess.doc.media_type = NULL;
	x->sess.doc.evidence = NULL;
	x->sess.doc.evidence_len = 0;
	x->sess.doc.result = NULL;
	return o;
}

/* Issue items (challenges, or sessions when arg is not NULL) at random
 * replicas, and present most of them at random replicas, until the end
 * of the load. */
static void *
load(void *arg)
{
	bool verifier = arg != NULL;
	struct items *it = &items[verifier];
	struct clients c;
	struct item x;
	svc_veraison *v;
	char url[128], why[600];
	enum outcome o;
	size_t i;
	long st;
	int r;

	memset(&c, 0, sizeof(c));
	c.hc = http_client();
	while (atomic_load(&running)) {
		usleep(PACE_US);
		memset(&x, 0, sizeof(x));
		v = pick(&c, verifier, url, sizeof(url));
		r = v != NULL ? svc_veraison_session_new(v, NULL, 0,
		    KBS_CHALLENGE_LEN, &x.sess, why, sizeof(why)) :
		    kb_issue(c.hc, url, &x.chal, &st);
		if (r != 0)
			continue;
		atomic_fetch_add(&issued[verifier], 1);
		/* The record keeps the challenge, or the session's URL and
		 * nonce. */
		i = item_add(it, &x);
		if (rnd(100) >= PRESENT_PCT)
			continue;
		o = present(&c, verifier, &x, why, sizeof(why));
		item_outcome(it, i, o);
		if (o == O_OK)
			atomic_fetch_add(&ok_after[verifier]
			    [atomic_load(&phase)], 1);
		else if (o != O_UNKNOWN)
			note("%s: %s", verifier ? "verifier" : "key broker",
			    why);
	}
	clients_free(&c);
	return NULL;
}

/* Sleep until t (lg_now()). */
static void
sleep_until(double t)
{
	double d;

	while ((d = t - lg_now()) > 0)
		usleep(d > 0.1 ? 100000 : (useconds_t)(d * 1e6));
}

/*
 * After the load: present every item once more (twice for those that
 * were never presented): nothing redeemed twice; never presented, taken
 * exactly once.
 */
static void
settle(bool verifier)
{
	struct items *it = &items[verifier];
	struct clients c;
	char why[600];
	const char *what = verifier ? "verifier" : "key broker";
	size_t i, fresh = 0, fresh_once = 0, twice = 0, lost = 0, done = 0;
	size_t known = 0, unknown_ok = 0;
	enum outcome o, o2;
	struct item *x;

	memset(&c, 0, sizeof(c));
	c.hc = http_client();
	for (i = 0; i < it->n; i++) {
		x = &it->v[i];
		o = present(&c, verifier, x, why, sizeof(why));
		if (x->tries == 0) {
			/* Never presented: taken now, and only now. */
			fresh++;
			o2 = present(&c, verifier, x, why, sizeof(why));
			if (o == O_OK && o2 == O_USED)
				fresh_once++;
			else
				note("%s: never presented, then %d, %d: %s",
				    what, (int)o, (int)o2, why);
		} else if (x->wins > 0) {
			known++;
			if (o != O_USED || x->wins > 1) {
				twice++;
				note("%s: won %u times, then %d: %s", what,
				    x->wins, (int)o, why);
			}
		} else if (x->lost > 0 && x->unknown == 0) {
			/* Refused when first presented, though issued. */
			lost++;
			note("%s: refused when first presented (%u)", what,
			    x->tries);
		} else {
			/* Every presentation without an answer: may have
			 * been taken, never twice. */
			if (o == O_OK)
				unknown_ok++;
			else if (o != O_USED)
				note("%s: after no answer, %d: %s", what,
				    (int)o, why);
		}
		done++;
		svc_veraison_session_clear(&x->sess);
	}
	note("%s: %zu issued, %zu redeemed during the load, %zu with no "
	    "answer (%zu of them redeemable after), %zu never presented",
	    what, it->n, known, it->n - known - fresh - lost, unknown_ok,
	    fresh);
	check(done == it->n && fresh > 0 && fresh_once == fresh,
	    "%s: each of the %zu items issued and never presented is taken "
	    "exactly once after the faults", what, fresh);
	check(twice == 0 && lost == 0, "%s: none taken twice, none lost "
	    "(%zu, %zu)", what, twice, lost);
	clients_free(&c);
}

/* --- the database away --- */

/* Send a request to the replica at base ("http://127.0.0.1:PORT") on a
 * connection of its own: the socket, for raw_answer. */
static int
raw_send(const char *base, const char *head, const char *body)
{
	char req[2048];
	const char *p = strrchr(base, ':');
	int fd, n;

	if (p == NULL || (fd = raw_connect(NULL, "127.0.0.1",
	    (uint16_t)atoi(p + 1))) < 0)
		lg_die("cannot connect to %s", base);
	n = snprintf(req, sizeof(req), "%sContent-Length: %zu\r\n\r\n%s",
	    head, strlen(body), body);
	if (n < 0 || (size_t)n >= sizeof(req) ||
	    raw_send_all(fd, req, (size_t)n) != 0)
		lg_die("cannot send to %s", base);
	return fd;
}

/* The answer is 503 problem+json with Retry-After. */
static void
raw_503(int fd, const char *what)
{
	char buf[8192], ra[32] = "", ct[128] = "";
	size_t len = 0;
	enum raw_end e;

	e = raw_read(fd, buf, sizeof(buf), &len, 20000, true);
	close(fd);
	check(e == RAW_DONE && raw_status(buf) == 503 &&
	    raw_header(buf, "Retry-After", ra, sizeof(ra)) &&
	    strcmp(ra, "2") == 0 && raw_header(buf, "Content-Type", ct,
	    sizeof(ct)) && strcmp(ct, "application/problem+json") == 0,
	    "%s with PostgreSQL down: %d, Retry-After: %s, %s", what,
	    raw_status(buf), ra, ct);
}

static void
unavailable(void)
{
	svc_httpc *hc = http_client();
	svc_veraison *v;
	struct svc_veraison_session s;
	struct chal c;
	char a[128], a2[128], b[128], why[600];
	double t0;
	long st;
	int f1, f2;

	replica_url(&kb[0], a, sizeof(a));
	replica_url(&cv[1], b, sizeof(b));
	pgctl("down", NULL);
	t0 = lg_now();
	f1 = raw_send(a, "POST /keys/v1/key/" KEY_NAME " HTTP/1.1\r\n"
	    "Host: x\r\nContent-Type: application/json\r\n", keyreq);
	f2 = raw_send(b, "POST /challenge-response/v1/newSession HTTP/1.1\r\n"
	    "Host: x\r\n", "");
	raw_503(f1, "key broker: key request");
	raw_503(f2, "verifier: newSession");
	note("answered after %.1f s (the state layer retries 5 s)", lg_now() - t0);
	pgctl("up", NULL);
	replica_url(&kb[1], a2, sizeof(a2));
	check(kb_issue(hc, a, &c, &st) == 0 && kb_redeem(hc, a2, &c, true,
	    why, sizeof(why)) == O_OK,
	    "key broker: PostgreSQL back, a challenge issued and redeemed "
	    "(%s)", why);
	v = cv_client(b);
	memset(&s, 0, sizeof(s));
	why[0] = '\0';
	check(svc_veraison_session_new(v, NULL, 0, KBS_CHALLENGE_LEN, &s, why,
	    sizeof(why)) == 0 && cv_submit(v, &s, b, why, sizeof(why)) ==
	    O_OK, "verifier: PostgreSQL back, a session completed (%s)", why);
	svc_veraison_session_clear(&s);
	svc_veraison_free(&v);
	svc_httpc_free(&hc);
}

static void
faults(void)
{
	pthread_t th[2 * LOAD_CLIENTS];
	double t0;
	size_t i;

	atomic_store(&running, true);
	for (i = 0; i < 2 * LOAD_CLIENTS; i++)
		if (pthread_create(&th[i], NULL, load, i % 2 == 0 ? NULL :
		    &items[1]) != 0)
			lg_die("pthread_create");
	t0 = lg_now();
	sleep_until(t0 + 2);
	note("SIGKILL to a key broker and a verifier (%lu, %lu items so "
	    "far)", atomic_load(&issued[0]), atomic_load(&issued[1]));
	atomic_store(&phase, 1);
	replica_kill(&kb[2]);
	replica_kill(&cv[2]);
	sleep_until(t0 + 3.5);
	note("both started again");
	replica_start(&kb[2]);
	replica_start(&cv[2]);
	sleep_until(t0 + 5);
	note("PostgreSQL restarted (pg_ctl restart -m fast)");
	atomic_store(&phase, 2);
	pgctl("restart", "fast");
	sleep_until(t0 + 7.5);
	note("PostgreSQL crashed and restarted (pg_ctl restart -m "
	    "immediate)");
	atomic_store(&phase, 3);
	pgctl("restart", "immediate");
	sleep_until(t0 + 10);
	atomic_store(&running, false);
	for (i = 0; i < 2 * LOAD_CLIENTS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < 2; i++)
		check(ok_after[i][0] > 0 && ok_after[i][1] > 0 &&
		    ok_after[i][2] > 0 && ok_after[i][3] > 0,
		    "%s: attestations succeeded before the faults (%lu), after "
		    "the SIGKILL (%lu), after the restart (%lu), after the "
		    "crash (%lu)", i == 0 ? "key broker" : "verifier",
		    atomic_load(&ok_after[i][0]), atomic_load(&ok_after[i][1]),
		    atomic_load(&ok_after[i][2]), atomic_load(&ok_after[i][3]));
	settle(false);
	settle(true);
	free(items[0].v);
	free(items[1].v);
	unavailable();
}

/* --- main --- */

/* One statement with libpq: the first value of its answer ("" when it
 * has none), or NULL (and why in err) when it failed. */
static char *
pg_exec(const char *sql, char *out, size_t outsz)
{
	PGconn *c = PQconnectdb(getenv("CCAKIT_PG_URL"));
	PGresult *r = NULL;
	char *ret = NULL;

	if (PQstatus(c) == CONNECTION_OK) {
		r = PQexec(c, sql);
		if (PQresultStatus(r) == PGRES_COMMAND_OK ||
		    PQresultStatus(r) == PGRES_TUPLES_OK) {
			snprintf(out, outsz, "%s", PQntuples(r) > 0 ?
			    PQgetvalue(r, 0, 0) : "");
			ret = out;
		}
	}
	if (ret == NULL)
		snprintf(out, outsz, "%s", PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return ret;
}

/* The state is in PostgreSQL, in each service's schema. */
static void
state_in_pg(void)
{
	char a[256], b[256];
	bool ok;

	ok = pg_exec("SELECT count(*) FROM keybroker.challenge", a,
	    sizeof(a)) != NULL && atoi(a) > 0;
	ok = pg_exec("SELECT count(*) FROM verifier.session", b,
	    sizeof(b)) != NULL && atoi(b) > 0 && ok;
	check(ok, "the state is in PostgreSQL: %s challenges in schema "
	    "keybroker, %s sessions in schema verifier", a, b);
}

int
main(int argc, char **argv)
{
	const char *pg = getenv("CCAKIT_PG_URL"), *src = getenv("CCAKIT_SRC");
	char demo[PATH_MAX], msg[512];
	bool faulty;
	size_t i;

	lg_init("replicas");
	if (argc != 2 || (strcmp(argv[1], "basic") != 0 &&
	    strcmp(argv[1], "faults") != 0)) {
		fprintf(stderr, "usage: test_replicas basic|faults (under "
		    "tests/pg/pgctl.sh run)\n");
		return 2;
	}
	faulty = strcmp(argv[1], "faults") == 0;
	if (pg == NULL || getenv("CCAKIT_PG_DIR") == NULL ||
	    getenv("CCAKIT_PGCTL") == NULL || getenv("CCAKIT_BIN") == NULL ||
	    src == NULL)
		lg_die("run under tests/pg/pgctl.sh run, with CCAKIT_BIN and "
		    "CCAKIT_SRC");
	signal(SIGPIPE, SIG_IGN);
	if (svc_httpc_global_init() != 0)
		lg_die("libcurl initialisation failed");
	lg_mkdtemp(dir, sizeof(dir));
	snprintf(ta_file, sizeof(ta_file), "%s/ta.json", dir);
	snprintf(rims_file, sizeof(rims_file), "%s/rims.json", dir);
	snprintf(demo, sizeof(demo), "%s/demo", src);
	lg_realm_setup(demo, ta_file, rims_file);
	make_wrap_key();

	/* One database, a schema per service. */
	if (pg_exec("CREATE SCHEMA keybroker; CREATE SCHEMA verifier", msg,
	    sizeof(msg)) == NULL)
		lg_die("CREATE SCHEMA: %s", msg);
	snprintf(kb_db, sizeof(kb_db), "%s?options=-csearch_path%%3D"
	    "keybroker", pg);
	snprintf(cv_db, sizeof(cv_db), "%s?options=-csearch_path%%3D"
	    "verifier", pg);
	for (i = 0; i < NREP; i++) {
		replica_init(&kb[i], "keybroker-server", (int)i, false,
		    faulty);
		replica_init(&cv[i], "cca-verifier", (int)i, true, faulty);
	}
	note("3 key brokers, 3 verifiers on %s", pg);
	if (faulty)
		faults();
	else {
		basic_keybroker();
		basic_verifier();
	}
	state_in_pg();
	for (i = 0; i < NREP; i++) {
		replica_stop(&kb[i]);
		replica_stop(&cv[i]);
	}
	lg_rmdir(dir);
	lg_cleanup();
	EVP_PKEY_free(wrap_key);
	printf("# %d passed, %d failed\n", n_ok, n_fail);
	return n_fail == 0 ? 0 : 1;
}
