/*
 * bench-kbs: the Trustee-compatible KBS under the load of realms that
 * fetch a secret as guest-components on main does it, one attestation
 * per secret: POST /kbs/v0/auth, POST /kbs/v0/attest with a fresh CCA
 * token of the emulated realm bound to the nonce and the client's TEE
 * key, GET /kbs/v0/resource/... with the session cookie, the JWE
 * decrypted and the secret checked; concurrent clients (svc_kbsc, the
 * RCAR client of kbs-client), every flow must succeed.
 *
 * The clients share the CPU with the server, so the figure is the
 * server's efficiency: the CPU of the cryptography a flow cannot avoid,
 * measured raw in the same run on one core (two P-384 verifications of
 * the token, one ECDH-ES agreement on P-256 for the JWE, one ES256
 * signature of the EAR and one ES256 verification of it when it comes
 * back as the session's token), divided by the kbs process's CPU per
 * flow (/proc/<pid>/stat over the run). Ends with "ratio <value>".
 *
 * Like an RMM, the emulated realm signs the platform token once and only
 * the realm token (which carries the challenge) per flow.
 */
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <ccakit/bytes.h>
#include <ccakit/err.h>
#include <ccakit/jose.h>
#include <ccakit/token.h>

#include "httpc.h"
#include "kbsc.h"
#include "loadgen.h"

#define RESOURCE        "resource/bench/key/one"
#define SECRET          "the realm's disk key, 32 bytes.."

#ifndef CCAKIT_SOURCE_DIR
#define CCAKIT_SOURCE_DIR "."
#endif

static char base_url[256];

/* The emulated realm as an attester: the report data zero-padded to 64
 * bytes as the realm challenge, the token as {"token":[...]}. */
static int
realm_evidence(void *arg, const uint8_t *rd, size_t len, json_t **ev,
    struct ccakit_errdetail *d)
{
	uint8_t ch[64], *tok = arg;
	json_t *a;
	size_t n, i;

	(void)d;
	if (len > sizeof(ch))
		return CCAKIT_ERR_INVALID_ARG;
	memset(ch, 0, sizeof(ch));
	memcpy(ch, rd, len);
	if (lg_realm_token(ch, tok, CCAKIT_TOKEN_MAX_SIZE, &n) != 0)
		return CCAKIT_ERR_INTERNAL;
	if ((a = json_array()) == NULL)
		return CCAKIT_ERR_NOMEM;
	for (i = 0; i < n; i++)
		if (json_array_append_new(a, json_integer(tok[i])) != 0) {
			json_decref(a);
			return CCAKIT_ERR_NOMEM;
		}
	if ((*ev = json_pack("{s:o}", "token", a)) == NULL)
		return CCAKIT_ERR_NOMEM;
	return CCAKIT_OK;
}

static kbsc *
client_new(void)
{
	struct kbsc_opts o;
	struct ccakit_errdetail d;
	kbsc *c;

	memset(&o, 0, sizeof(o));
	o.url = base_url;
	if (kbsc_new(&o, &c, &d) != CCAKIT_OK)
		lg_die("%s", d.text);
	return c;
}

static void *
client(void *arg)
{
	struct kbsc_attester a = { RCAR_TEE_CCA, realm_evidence, NULL };
	struct ccakit_errdetail d;
	ccakit_teekey *key = ccakit_teekey_new();
	kbsc *c = client_new();
	uint8_t *tok, *pt;
	char *token;
	size_t ptlen;
	double t0;

	(void)arg;
	if (key == NULL || ccakit_teekey_generate(key, NULL) != CCAKIT_OK ||
	    (tok = malloc(CCAKIT_TOKEN_MAX_SIZE)) == NULL)
		lg_die("client setup failed");
	a.arg = tok;
	lg_client_ready();
	while (lg_running()) {
		t0 = lg_now();
		memset(&d, 0, sizeof(d));
		if (kbsc_attest(c, &a, key, NULL, &token, &d) != CCAKIT_OK) {
			lg_error("attest: %s", d.text);
			continue;
		}
		ccakit_free(token);
		if (kbsc_get_resource(c, RESOURCE, NULL, key, &pt, &ptlen, &d) !=
		    CCAKIT_OK) {
			lg_error("get-resource: %s", d.text);
			continue;
		}
		if (ptlen != strlen(SECRET) || memcmp(pt, SECRET, ptlen) != 0)
			lg_error("get-resource: a wrong secret");
		else
			lg_ok((lg_now() - t0) * 1e3, false, false);
		ccakit_wipe(pt, ptlen);
		ccakit_free(pt);
	}
	kbsc_free(&c);
	ccakit_teekey_free(&key);
	free(tok);
	return NULL;
}

/* The secret, stored through the admin API (the default resource policy
 * releases it to any TEE but the sample). */
static void
provision(void)
{
	struct ccakit_errdetail d;
	kbsc *c = client_new();

	if (kbsc_request(c, "POST", RESOURCE, "application/octet-stream",
	    SECRET, strlen(SECRET), NULL, &d) != CCAKIT_OK)
		lg_die("set-resource: %s", d.text);
	kbsc_free(&c);
}

static void
usage(void)
{
	fprintf(stderr, "Usage: bench-kbs [-c clients] [-t seconds] [-u url] "
	    "[-s kbs] [-d demo-dir] [-T worker_count] [-S kbs-arg]...\n"
	    "  -u: use a running kbs that trusts the demo realm (demo/) and\n"
	    "      allows writing " RESOURCE "; default: start one\n"
	    "  -S: one more argument for the kbs the bench starts (e.g.\n"
	    "      -S --no-platform-cache)\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct lg_opts o = { .demo_dir = CCAKIT_SOURCE_DIR "/demo" };
	struct lg_stats st;
	struct lg_bound b = { 0, 0 };
	char server[PATH_MAX + 32], dir[PATH_MAX];
	char ta[PATH_MAX + 16], rv[PATH_MAX + 16];
	double p384, ecdh, sign, verify, crypto, rate, cpu0 = 0, cpu = 0;
	double fl;
	struct lg_cache cache;
	bool have_cache = false;
	pid_t pid = -1;
	int rc = 0;

	lg_init("bench-kbs");
	lg_parse_args(argc, argv, &o, usage);
	/* One server given at most, no database, no replicas' pids. */
	if (o.nurls > 1 || o.db != NULL || o.npids > 0 ||
	    o.db_pid != 0)
		usage();
	signal(SIGPIPE, SIG_IGN);
	if (svc_httpc_global_init() != 0)
		lg_die("libcurl initialisation failed");
	lg_mkdtemp(dir, sizeof(dir));
	lg_realm_setup(o.demo_dir, NULL, NULL);
	if (o.nurls == 0) {
		snprintf(ta, sizeof(ta), "%s/ta.json", dir);
		snprintf(rv, sizeof(rv), "%s/rv.json", dir);
		lg_kbs_golden(o.demo_dir, ta, rv);
		if (o.server == NULL) {
			lg_server_path("kbs", server, sizeof(server));
			o.server = server;
		}
	} else {
		snprintf(base_url, sizeof(base_url), "%s", o.urls[0]);
	}

	lg_measure_bound(&b);
	p384 = b.openssl;
	ecdh = lg_measure_ecdh_p256();
	sign = lg_measure_es256_sign();
	verify = lg_measure_es256_verify();
	if (o.nurls == 0)
		pid = lg_kbs_start(o.server, dir, o.threads, o.sargs,
		    o.nsargs, base_url, sizeof(base_url));
	provision();
	printf("kbs %s (%s), %lu clients, %.0f s\n", base_url, o.nurls == 0 ?
	    "started by the bench" : "given", o.clients, o.seconds);
	fflush(stdout);

	if (pid > 0)
		cpu0 = lg_proc_cpu(pid);
	lg_run(o.clients, o.seconds, client, NULL, 0, 0, &st);
	if (pid > 0) {
		cpu = lg_proc_cpu(pid) - cpu0;
		if (lg_server_stop(pid) != 0)
			rc = 1;
		have_cache = lg_cache_stats(dir, &cache) == 0;
	}
	/* The raw rates again after the load: the larger (stricter) counts. */
	lg_measure_bound(&b);
	p384 = b.openssl;
	if ((rate = lg_measure_ecdh_p256()) > ecdh)
		ecdh = rate;
	if ((rate = lg_measure_es256_sign()) > sign)
		sign = rate;
	if ((rate = lg_measure_es256_verify()) > verify)
		verify = rate;
	crypto = 1 / p384 + 1 / ecdh + 1 / sign + 1 / verify;
	rate = (double)st.ok / st.elapsed;
	fl = st.ok > 0 ? (double)st.ok : 1;
	printf("raw crypto per flow, one core (OpenSSL, best of before and "
	    "after):\n");
	printf("  2 P-384 verifies (the token):       %8.1f us\n", 1e6 / p384);
	printf("  ECDH-ES P-256 (the JWE):            %8.1f us\n", 1e6 / ecdh);
	printf("  ES256 sign (the EAR):               %8.1f us\n", 1e6 / sign);
	printf("  ES256 verify (the EAR, as token):   %8.1f us\n",
	    1e6 / verify);
	printf("  total:                              %8.1f us\n", 1e6 * crypto);
	printf("flows (auth + attest + resource):     %10lu in %.1f s\n",
	    st.ok, st.elapsed);
	printf("flows/s:                              %10.1f\n", rate);
	lg_print_latency(&st);
	printf("client CPU per flow:                  %10.2f ms (emulated "
	    "realm, HTTP, JWE decryption)\n", 1e3 * st.client_cpu / fl);
	if (pid > 0)
		printf("server CPU per flow:                  %10.2f ms (kbs, "
		    "/proc/%ld/stat)\n", 1e3 * cpu / fl, (long)pid);
	if (pid > 0)
		lg_print_cache(have_cache ? &cache : NULL);
	printf("errors:                               %10lu%s%s\n", st.err,
	    st.err > 0 ? " first: " : "", st.first_err);
	if (st.err > 0 || st.ok == 0)
		rc = 1;
	lg_rmdir(dir);
	if (pid > 0 && st.ok > 0)
		printf("ratio %.3f\n", crypto / (cpu / fl));
	lg_cleanup();
	svc_httpc_global_cleanup();
	return rc;
}
