/*
 * bench-verifier: cca-verifier sessions over loopback (newSession, then
 * evidence from an emulated realm for the session's nonce, answered with
 * a signed EAR) by concurrent clients. The bound is measured in the same
 * run: two raw OpenSSL P-384 verifications per token on one core, the
 * signature math the verifier would do without its platform-token cache.
 * The service also signs one ES256 EAR per session; that rate is
 * measured and reported too. Ends with "ratio <efficiency>", the
 * server's efficiency: the CPU of the bound over the server process's
 * CPU per session (from /proc/<pid>/stat over the run). Sessions per
 * second, the latency, the client's CPU and the cache's counters (the
 * server's --stats-file) are printed too.
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
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/ear.h>
#include <ccakit/err.h>
#include <ccakit/token.h>

#include "httpc.h"
#include "loadgen.h"
#include "veraison.h"
#include "vproto.h"

#define REPLAY_EVERY    16
#define WARMUP_SECONDS  3       /* before the measured run */
#define NONCE_SIZE      64      /* the verifier's, as lg_realm_token takes */
#define VERIFY_EVERY    16

#ifndef CCAKIT_SOURCE_DIR
#define CCAKIT_SOURCE_DIR "."
#endif

static unsigned long n_verified;

/* --- clients --- */

/* An EAR checked as a relying party would (key, alg, nonce, age), and
 * affirming for the platform. */
static bool
ear_ok(svc_veraison *v, const struct svc_v_session *s, char *why,
    size_t whysz)
{
	enum ccakit_tier t;
	ccakit_ear *e = NULL;
	int r;

	if (svc_veraison_check_ear(v, s->result, s->nonce, s->nonce_len, &e,
	    why, whysz) != 0)
		return false;
	r = ccakit_ear_submod_status(e, CCAKIT_EAR_SUBMOD_PLATFORM, &t);
	ccakit_ear_free(&e);
	if (r != CCAKIT_OK || t != CCAKIT_TIER_AFFIRMING) {
		snprintf(why, whysz, "platform not affirming");
		return false;
	}
	return true;
}

/* A client of the verifier (replica i % n), set up with its discovery
 * document. */
static svc_veraison *
new_client(unsigned long i)
{
	struct svc_veraison_opts vo;
	svc_veraison *v;
	char err[512];

	memset(&vo, 0, sizeof(vo));
	vo.base_url = lg_url(i);
	if ((v = svc_veraison_new(&vo)) == NULL)
		lg_die("out of memory");
	if (svc_veraison_discover(v, err, sizeof(err)) != 0)
		lg_die("%s", err);
	return v;
}

static void *
client(void *arg)
{
	struct svc_veraison_session s;
	uint8_t *tok;
	char err[512];
	unsigned long iter = 0, id = (unsigned long)(uintptr_t)arg;
	size_t toklen;
	double t0;
	long status;
	svc_veraison *v = new_client(id);
	bool replay, check;

	if ((tok = malloc(CCAKIT_TOKEN_MAX_SIZE)) == NULL)
		lg_die("client setup failed");
	memset(&s, 0, sizeof(s));
	lg_client_ready();
	while (lg_running()) {
		t0 = lg_now();
		iter++;
		replay = (iter + id) % REPLAY_EVERY == 0;
		check = (iter + id) % VERIFY_EVERY == 1;
		svc_veraison_session_clear(&s);
		if (svc_veraison_session_new(v, NULL, 0, NONCE_SIZE, &s,
		    err, sizeof(err)) != 0) {
			lg_error("%s", err);
			continue;
		}
		lg_nonce(s.doc.nonce);
		if (lg_realm_token(s.doc.nonce, tok, CCAKIT_TOKEN_MAX_SIZE,
		    &toklen) != 0)
			lg_die("cannot make a token");
		if (svc_veraison_submit(v, &s, SVC_V_MT_CCA, tok, toklen, NULL,
		    err, sizeof(err)) != 0) {
			lg_error("%s", err);
			continue;
		}
		if (check) {
			if (!ear_ok(v, &s.doc, err, sizeof(err))) {
				lg_error("%s", err);
				continue;
			}
			lg_count(&n_verified);
		}
		if (!replay) {
			lg_ok((lg_now() - t0) * 1e3, false, false);
			continue;
		}
		/* The same evidence again: the session took it once. */
		if (svc_veraison_submit(v, &s, SVC_V_MT_CCA, tok, toklen,
		    &status, err, sizeof(err)) != 0 && status == 0) {
			lg_error("replay: %s", err);
			continue;
		}
		lg_ok((lg_now() - t0) * 1e3, true, status != 409);
	}
	svc_veraison_session_clear(&s);
	svc_veraison_free(&v);
	free(tok);
	return NULL;
}

/* Each verifier answers its discovery document. */
static void
discover(size_t n)
{
	svc_veraison *v;
	size_t i;

	for (i = 0; i < n; i++) {
		v = new_client(i);
		svc_veraison_free(&v);
	}
}

static void
usage(void)
{
	fprintf(stderr, "Usage: bench-verifier [options]\n" LG_USAGE
	    "  A verifier given with -u trusts the demo realm (demo/).\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct lg_opts o = { .demo_dir = CCAKIT_SOURCE_DIR "/demo" };
	struct lg_stats st;
	struct lg_bound b = { 0, 0 };
	struct lg_cache cache;
	char server[PATH_MAX + 32], dir[PATH_MAX];
	char ta[PATH_MAX + 16], db[PATH_MAX + 16];
	const char *args[] = { "--trust-anchors", ta, "--db", db, NULL };
	double es256, ratio, mallocs;
	char mwhy[200] = "";
	unsigned long warm_err;
	pid_t pid = -1;
	int rc = 0;
	bool ok_stop = true, have_cache = false;

	lg_init("bench-verifier");
	lg_parse_args(argc, argv, &o, usage);
	signal(SIGPIPE, SIG_IGN);
	if (svc_httpc_global_init() != 0)
		lg_die("libcurl initialisation failed");
	if (o.nurls == 0) {
		lg_mkdtemp(dir, sizeof(dir));
		snprintf(ta, sizeof(ta), "%s/ta.json", dir);
		/* --db given: the server's, in place of the bench's file. */
		if ((size_t)snprintf(db, sizeof(db), "%s", o.db != NULL ?
		    o.db : "") >= sizeof(db))
			lg_die("--db: too long");
		if (o.db == NULL)
			snprintf(db, sizeof(db), "%s/v.db", dir);
		lg_realm_setup(o.demo_dir, ta, NULL);
		if (o.server == NULL) {
			lg_server_path("cca-verifier", server, sizeof(server));
			o.server = server;
		}
	} else {
		lg_realm_setup(o.demo_dir, NULL, NULL);
	}

	lg_measure_bound(&b);
	es256 = lg_measure_es256_sign();
	pid = lg_servers(&o, dir, args);
	discover(o.nurls == 0 ? 1 : o.nurls);
	printf("verifier %s%s (%s), %lu clients, %.0f s\n", lg_url(0),
	    o.nurls > 1 ? " and other replicas" : "", o.nurls == 0 ?
	    "started by the bench" : "given", o.clients, o.seconds);
	fflush(stdout);

	/* The warm-up: steady state, and the server's mallocs counted. */
	warm_err = lg_warmup(o.clients, WARMUP_SECONDS, client, o.pids,
	    o.npids, &mallocs, mwhy, sizeof(mwhy));
	n_verified = 0;
	lg_run(o.clients, o.seconds, client, o.pids, o.npids, o.db_pid, &st);
	st.err += warm_err;

	if (pid > 0) {
		ok_stop = lg_server_stop(pid) == 0;
		have_cache = lg_cache_stats(dir, &cache) == 0;
	}
	/* The bound again after the load: the larger (the stricter) counts. */
	lg_measure_bound(&b);
	lg_print_bound(&b);
	printf("ES256 EAR signatures (raw, CPU time): %10.1f /s (one per "
	    "session, %.3f ms, not in the bound)\n", es256, 1e3 / es256);
	ratio = lg_print_run(&st, &b, have_cache ? &cache : NULL, mallocs,
	    mwhy, "session", "emulated realm, HTTP, EAR checks");
	printf("EARs verified by the clients:         %10lu (every one "
	    "affirming for the platform)\n", n_verified);
	printf("errors:                               %10lu%s%s\n", st.err,
	    st.err > 0 ? " first: " : "", st.first_err);
	printf("evidence accepted twice:              %10lu (of %lu "
	    "replays)\n", st.doubled, st.replays);
	printf("duplicate nonces:                     %10lu\n", st.dup_nonce);
	if (!ok_stop)
		printf("the server did not exit cleanly\n");
	if (st.err > 0 || st.doubled > 0 || st.dup_nonce > 0 || st.ok == 0 ||
	    !ok_stop)
		rc = 1;
	if (o.nurls == 0)
		lg_rmdir(dir);
	lg_print_ratio(ratio);
	lg_cleanup();
	svc_httpc_global_cleanup();
	return rc;
}
