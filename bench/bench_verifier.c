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
#define NONCE_SIZE      64      /* the verifier's, as lg_realm_token takes */
#define VERIFY_EVERY    16

#ifndef CCAKIT_SOURCE_DIR
#define CCAKIT_SOURCE_DIR "."
#endif

static char base_url[256];
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

/* A client of the verifier, set up with its discovery document. */
static svc_veraison *
new_client(void)
{
	struct svc_veraison_opts vo;
	svc_veraison *v;
	char err[512];

	memset(&vo, 0, sizeof(vo));
	vo.base_url = base_url;
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
	svc_veraison *v = new_client();
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

/* The verifier answers its discovery document. */
static void
discover(void)
{
	svc_veraison *v = new_client();

	svc_veraison_free(&v);
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
	struct lg_opts o = { .demo_dir = CCAKIT_SOURCE_DIR "/demo" };
	struct lg_stats st;
	char server[PATH_MAX + 32], dir[PATH_MAX];
	char ta[PATH_MAX + 16], db[PATH_MAX + 16];
	const char *const args[] = { "--db", db, "--trust-anchors", ta, NULL };
	double bound, es256, rate, server_cpu = 0;
	pid_t pid = -1;
	int rc = 0;

	lg_init("bench-verifier");
	lg_parse_args(argc, argv, &o, usage);
	signal(SIGPIPE, SIG_IGN);
	if (svc_httpc_global_init() != 0)
		lg_die("libcurl initialisation failed");
	if (o.url == NULL) {
		lg_mkdtemp(dir, sizeof(dir));
		snprintf(ta, sizeof(ta), "%s/ta.json", dir);
		snprintf(db, sizeof(db), "%s/v.db", dir);
		lg_realm_setup(o.demo_dir, ta, NULL);
		if (o.server == NULL) {
			lg_server_path("cca-verifier", server, sizeof(server));
			o.server = server;
		}
	} else {
		lg_realm_setup(o.demo_dir, NULL, NULL);
		snprintf(base_url, sizeof(base_url), "%s", o.url);
	}

	bound = lg_measure_bound();
	es256 = lg_measure_es256_sign();
	if (o.url == NULL)
		pid = lg_server_start(o.server, dir, args, o.threads,
		    base_url, sizeof(base_url));
	discover();
	printf("verifier %s (%s), %lu clients, %.0f s\n", base_url,
	    o.url == NULL ? "started by the bench" : "given", o.clients,
	    o.seconds);
	fflush(stdout);

	lg_run(o.clients, o.seconds, client, &st);

	if (pid > 0)
		server_cpu = lg_server_stop(pid);
	/* The bound again after the load: the larger (the stricter) counts. */
	if ((rate = lg_measure_bound()) > bound)
		bound = rate;
	rate = (double)st.ok / st.elapsed;
	printf("bound (2 raw OpenSSL P-384 verifies): %10.1f tokens/s "
	    "(one core, best of before and after)\n", bound);
	printf("ES256 EAR signatures (raw, one core): %10.1f /s (one per "
	    "session, not in the bound)\n", es256);
	printf("sessions (newSession + evidence):     %10lu in %.1f s\n",
	    st.ok, st.elapsed);
	printf("sessions/s:                           %10.1f\n", rate);
	lg_print_latency(&st);
	if (st.ok > 0) {
		printf("client CPU per session:               %10.2f ms "
		    "(emulated realm, HTTP, EAR checks)\n",
		    1e3 * st.client_cpu / (double)st.ok);
		if (pid > 0)
			printf("server CPU per session:               %10.2f "
			    "ms (bound: %.2f ms + ES256 %.2f ms)\n",
			    1e3 * server_cpu / (double)st.ok, 1e3 / bound,
			    1e3 / es256);
	}
	printf("EARs verified by the clients:         %10lu (every one "
	    "affirming for the platform)\n", n_verified);
	printf("errors:                               %10lu%s%s\n", st.err,
	    st.err > 0 ? " first: " : "", st.first_err);
	printf("evidence accepted twice:              %10lu (of %lu "
	    "replays)\n", st.doubled, st.replays);
	printf("duplicate nonces:                     %10lu\n", st.dup_nonce);
	if (st.err > 0 || st.doubled > 0 || st.dup_nonce > 0 || st.ok == 0)
		rc = 1;
	if (o.url == NULL)
		lg_rmdir(dir);
	printf("ratio %.3f\n", rate / bound);
	lg_cleanup();
	svc_httpc_global_cleanup();
	return rc;
}
