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

#include <openssl/evp.h>

#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/token.h>
#include <ccakit/ear.h>
#include <ccakit/jose.h>

#include "httpc.h"
#include "veraison.h"
#include "vproto.h"
#include "loadgen.h"

#define REPLAY_EVERY    16
#define VERIFY_EVERY    16

#ifndef CCAKIT_SOURCE_DIR
#define CCAKIT_SOURCE_DIR "."
#endif

static char base_url[256];
static ccakit_key *ear_pub;             /* from the discovery document */
static int ear_alg;
static unsigned long n_verified;

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
		lg_die("P-256 keygen failed");
	t0 = lg_now();
	for (n = 0; (t = lg_now() - t0) < LG_BOUND_SECONDS; n++) {
		siglen = sizeof(sig);
		if ((c = EVP_MD_CTX_new()) == NULL || EVP_DigestSignInit_ex(c,
		    NULL, "SHA256", NULL, NULL, pk, NULL) != 1 ||
		    EVP_DigestSign(c, sig, &siglen, msg, sizeof(msg)) != 1)
			lg_die("raw ES256 sign failed");
		EVP_MD_CTX_free(c);
	}
	EVP_PKEY_free(pk);
	return (double)n / t;
}

/* --- clients --- */

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
	    "Content-Type: " SVC_V_MT_CCA, NULL };
	struct svc_httpc_opts ho;
	struct svc_http_resp resp;
	struct svc_v_session s, done;
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
		lg_die("client setup failed");
	snprintf(url, sizeof(url), "%s/challenge-response/v1/newSession"
	    "?nonceSize=64", base_url);
	memset(&s, 0, sizeof(s));
	memset(&done, 0, sizeof(done));
	lg_client_ready();
	while (lg_running()) {
		t0 = lg_now();
		iter++;
		replay = (iter + id) % REPLAY_EVERY == 0;
		check = (iter + id) % VERIFY_EVERY == 1;
		svc_v_session_clear(&s);
		svc_v_session_clear(&done);
		if (svc_httpc_request(hc, "POST", url, sess_hdr, NULL, 0,
		    &resp, err, sizeof(err)) != SVC_HTTPC_OK) {
			lg_error("newSession: %s", err);
			continue;
		}
		if (resp.status != 201 || resp.location[0] == '\0' ||
		    svc_v_session_from_json((const char *)resp.body,
		    resp.body_len, &s, NULL) != CCAKIT_OK ||
		    s.nonce_len != 64) {
			lg_error("newSession: HTTP %ld %.200s",
			    resp.status, (const char *)resp.body);
			svc_http_resp_clear(&resp);
			continue;
		}
		loc = svc_url_resolve(url, resp.location);
		svc_http_resp_clear(&resp);
		if (loc == NULL)
			lg_die("bad Location");
		lg_nonce(s.nonce);
		if (lg_realm_token(s.nonce, tok, CCAKIT_TOKEN_MAX_SIZE,
		    &toklen) != 0)
			lg_die("cannot make a token");
		if (svc_httpc_request(hc, "POST", loc, ev_hdr, tok, toklen,
		    &resp, err, sizeof(err)) != SVC_HTTPC_OK) {
			lg_error("evidence: %s", err);
			free(loc);
			continue;
		}
		if (resp.status != 200 || svc_v_session_from_json(
		    (const char *)resp.body, resp.body_len, &done, NULL) !=
		    CCAKIT_OK || done.status != SVC_V_COMPLETE ||
		    done.result == NULL) {
			lg_error("evidence: HTTP %ld %.200s", resp.status,
			    (const char *)resp.body);
			svc_http_resp_clear(&resp);
			free(loc);
			continue;
		}
		svc_http_resp_clear(&resp);
		if (check) {
			if (!ear_ok(done.result, s.nonce, s.nonce_len, err,
			    sizeof(err))) {
				lg_error("%s", err);
				free(loc);
				continue;
			}
			lg_count(&n_verified);
		}
		if (!replay) {
			free(loc);
			lg_ok((lg_now() - t0) * 1e3, false, false);
			continue;
		}
		/* The same evidence again: the session took it once. */
		if (svc_httpc_request(hc, "POST", loc, ev_hdr, tok, toklen,
		    &resp, err, sizeof(err)) != SVC_HTTPC_OK) {
			lg_error("replay: %s", err);
			free(loc);
			continue;
		}
		free(loc);
		lg_ok((lg_now() - t0) * 1e3, true, resp.status != 409);
		svc_http_resp_clear(&resp);
	}
	svc_v_session_clear(&s);
	svc_v_session_clear(&done);
	svc_httpc_free(&hc);
	free(tok);
	return NULL;
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
		lg_die("discovery: %s", err);
	if (resp.status != 200 || svc_veraison_parse_discovery(resp.body,
	    resp.body_len, &jwk, &path, err, sizeof(err)) != 0)
		lg_die("discovery: HTTP %ld %s", resp.status, err);
	if ((ear_pub = ccakit_key_new()) == NULL ||
	    ccakit_key_from_jwk(ear_pub, jwk, strlen(jwk)) != CCAKIT_OK)
		lg_die("discovery: bad EAR key");
	if ((ear_alg = ccakit_key_pinned_alg(ear_pub)) == 0)
		ear_alg = ccakit_key_default_alg(ear_pub);
	svc_http_resp_clear(&resp);
	svc_httpc_free(&hc);
	free(jwk);
	free(path);
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
	es256 = measure_es256();
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
	ccakit_key_free(&ear_pub);
	svc_httpc_global_cleanup();
	return rc;
}
