/*
 * bench-keybroker: full key-broker attestations over loopback (key
 * request, then evidence from an emulated realm for the challenge, then
 * the secret unwrapped and checked) by concurrent clients. The bound is
 * measured in the same run: two raw OpenSSL P-384 verifications per
 * token on one core, the signature math the broker would do without its
 * platform-token cache. Ends with "ratio <efficiency>", the server's
 * efficiency: the CPU of that bound over the server process's CPU per
 * attestation (from /proc/<pid>/stat over the run). On a small machine
 * the clients (an emulated realm signing and unwrapping per attestation)
 * share the cores with the server, so attestations per second measure
 * the machine; they are printed too, with the latency, the client's CPU
 * and the cache's counters (the server's --stats-file).
 *
 * Every attestation must succeed; one in REPLAY_EVERY is replayed and
 * must be refused (a challenge is used once); no nonce may be issued
 * twice; and with its own server, no challenge may be left in the
 * database at the end (none lost).
 *
 * Like an RMM, the emulated realm signs the platform token once and only
 * the realm token (which carries the challenge) per request. Each client
 * keeps one RSA-2048 wrapping key for the run (generating one per
 * request, as keybroker-app does, would measure RSA key generation).
 */
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <ccakit/bytes.h>
#include <ccakit/err.h>
#include <ccakit/token.h>

#include "httpc.h"
#include "broker.h"
#include "chstore.h"
#include "kba_parse.h"
#include "loadgen.h"

#define REPLAY_EVERY    16
#define WARMUP_SECONDS  3       /* before the measured run */
#define MEDIA_TYPE \
	"application/eat-collection; profile=\"http://arm.com/CCA-SSD/1.0.0\""

#ifndef CCAKIT_SOURCE_DIR
#define CCAKIT_SOURCE_DIR "."
#endif

/* --- clients --- */

static char *
keyreq_body(EVP_PKEY *pk)
{
	uint8_t buf[512];
	char n[700], *s;
	BIGNUM *bn = NULL;
	int len;

	if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &bn) != 1 ||
	    (len = BN_num_bytes(bn)) <= 0 || (size_t)len > sizeof(buf) ||
	    BN_bn2bin(bn, buf) != len || ccakit_b64_encode(buf, (size_t)len,
	    CCAKIT_B64_URL, n, sizeof(n)) != CCAKIT_OK ||
	    (s = malloc(strlen(n) + 100)) == NULL)
		lg_die("cannot make a key request");
	BN_free(bn);
	sprintf(s, "{\"pubkey\":{\"kty\":\"RSA\",\"alg\":\"RSA1_5\",\"n\":\"%s\","
	    "\"e\":\"AQAB\"}}", n);
	return s;
}

static bool
unwrap_ok(EVP_PKEY *pk, const uint8_t *ct, size_t ctlen)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
	uint8_t out[512];
	size_t n = sizeof(out);
	bool ok;

	ok = c != NULL && EVP_PKEY_decrypt_init(c) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) == 1 &&
	    EVP_PKEY_decrypt(c, out, &n, ct, ctlen) == 1 &&
	    n == strlen(KBS_SECRETS_DEMO_VALUE) &&
	    memcmp(out, KBS_SECRETS_DEMO_VALUE, n) == 0;
	EVP_PKEY_CTX_free(c);
	return ok;
}

static void *
client(void *arg)
{
	static const char *const json_hdr[] = {
	    "Content-Type: application/json", NULL };
	static const char *const ev_hdr[] = {
	    "Content-Type: " MEDIA_TYPE, NULL };
	struct svc_httpc_opts ho;
	struct svc_http_resp resp;
	uint8_t nonce[KBS_CHALLENGE_LEN], *tok, *ct;
	char url[300], loc[SVC_HTTPC_LOCATION_MAX], err[256], *body, *b64;
	unsigned long iter = 0, id = (unsigned long)(uintptr_t)arg;
	size_t toklen, ctlen, b64cap;
	double t0;
	EVP_PKEY *pk;
	svc_httpc *hc;
	bool replay;

	memset(&ho, 0, sizeof(ho));
	ho.max_body = 64 * 1024;
	if ((hc = svc_httpc_new(&ho)) == NULL ||
	    (pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)) == NULL ||
	    (tok = malloc(CCAKIT_TOKEN_MAX_SIZE)) == NULL)
		lg_die("client setup failed");
	body = keyreq_body(pk);
	b64cap = CCAKIT_TOKEN_MAX_SIZE / 3 * 4 + 8;
	if ((b64 = malloc(b64cap)) == NULL)
		lg_die("out of memory");
	snprintf(url, sizeof(url), "%s/keys/v1/key/%s", lg_url(id),
	    KBS_SECRETS_DEMO_NAME);
	lg_client_ready();
	while (lg_running()) {
		t0 = lg_now();
		replay = (++iter + id) % REPLAY_EVERY == 0;
		if (svc_httpc_request(hc, "POST", url, json_hdr, body,
		    strlen(body), &resp, err, sizeof(err)) != SVC_HTTPC_OK) {
			lg_error("key request: %s", err);
			continue;
		}
		if (resp.status != 201 || kba_parse_challenge(resp.body,
		    resp.body_len, nonce, err, sizeof(err)) != 0) {
			lg_error("key request: HTTP %ld %.200s",
			    resp.status, (const char *)resp.body);
			svc_http_resp_clear(&resp);
			continue;
		}
		snprintf(loc, sizeof(loc), "%s", resp.location);
		svc_http_resp_clear(&resp);
		lg_nonce(nonce);
		if (lg_realm_token(nonce, tok, CCAKIT_TOKEN_MAX_SIZE, &toklen) != 0 ||
		    ccakit_b64_encode(tok, toklen, CCAKIT_B64_URL, b64,
		    b64cap) != CCAKIT_OK)
			lg_die("cannot make a token");
		if (svc_httpc_request(hc, "POST", loc, ev_hdr, b64,
		    strlen(b64), &resp, err, sizeof(err)) != SVC_HTTPC_OK) {
			lg_error("evidence: %s", err);
			continue;
		}
		if (resp.status != 200 || kba_parse_wrapped(resp.body,
		    resp.body_len, &ct, &ctlen, err, sizeof(err)) != 0) {
			lg_error("evidence: HTTP %ld %.200s", resp.status,
			    (const char *)resp.body);
			svc_http_resp_clear(&resp);
			continue;
		}
		svc_http_resp_clear(&resp);
		if (!unwrap_ok(pk, ct, ctlen)) {
			lg_error("the unwrapped secret is wrong");
			free(ct);
			continue;
		}
		free(ct);
		if (!replay) {
			lg_ok((lg_now() - t0) * 1e3, false, false);
			continue;
		}
		/* The same evidence again: the challenge is spent. */
		if (svc_httpc_request(hc, "POST", loc, ev_hdr, b64,
		    strlen(b64), &resp, err, sizeof(err)) != SVC_HTTPC_OK) {
			lg_error("replay: %s", err);
			continue;
		}
		lg_ok((lg_now() - t0) * 1e3, true, resp.status != 403);
		svc_http_resp_clear(&resp);
	}
	svc_httpc_free(&hc);
	EVP_PKEY_free(pk);
	free(body);
	free(b64);
	free(tok);
	return NULL;
}

static void
usage(void)
{
	fprintf(stderr, "Usage: bench-keybroker [options]\n" LG_USAGE
	    "  A server given with -u trusts the demo realm (demo/) and\n"
	    "  approves its RIM.\n");
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
	char ta[PATH_MAX + 16], rims[PATH_MAX + 16], db[PATH_MAX + 16];
	const char *args[] = { "--trust-anchors", ta, "--reference-values",
	    rims, "--db", db, NULL };
	double ratio, mallocs;
	char mwhy[200] = "";
	unsigned long warm_err;
	kbs_chstore *chs = NULL;
	size_t left = 0;
	pid_t pid = -1;
	int rc = 0;
	bool ok_stop = true, have_cache = false;

	lg_init("bench-keybroker");
	lg_parse_args(argc, argv, &o, usage);
	signal(SIGPIPE, SIG_IGN);
	if (svc_httpc_global_init() != 0)
		lg_die("libcurl initialisation failed");
	if (o.nurls == 0) {
		lg_mkdtemp(dir, sizeof(dir));
		snprintf(ta, sizeof(ta), "%s/ta.json", dir);
		snprintf(rims, sizeof(rims), "%s/rims.json", dir);
		/* --db given: the server's, in place of the bench's file. */
		if ((size_t)snprintf(db, sizeof(db), "%s", o.db != NULL ?
		    o.db : "") >= sizeof(db))
			lg_die("--db: too long");
		if (o.db == NULL)
			snprintf(db, sizeof(db), "%s/kb.db", dir);
		lg_realm_setup(o.demo_dir, ta, rims);
		if (o.server == NULL) {
			lg_server_path("keybroker-server", server,
			    sizeof(server));
			o.server = server;
		}
	} else {
		lg_realm_setup(o.demo_dir, NULL, NULL);
	}

	lg_measure_bound(&b);
	pid = lg_servers(&o, dir, args);
	printf("key broker %s%s (%s), %lu clients, %.0f s\n", lg_url(0),
	    o.nurls > 1 ? " and other replicas" : "", o.nurls == 0 ?
	    "started by the bench" : "given", o.clients, o.seconds);
	fflush(stdout);

	/* The warm-up: steady state, and the server's mallocs counted. */
	warm_err = lg_warmup(o.clients, WARMUP_SECONDS, client, o.pids,
	    o.npids, &mallocs, mwhy, sizeof(mwhy));
	lg_run(o.clients, o.seconds, client, o.pids, o.npids, o.db_pid, &st);
	st.err += warm_err;

	if (pid > 0) {
		/* Nothing issued may be left over: every challenge taken. */
		if (kbs_chstore_open(db, NULL, &chs, NULL) != CCAKIT_OK ||
		    kbs_chstore_count(chs, &left) != CCAKIT_OK)
			lg_die("cannot count the challenges left");
		kbs_chstore_free(&chs);
		ok_stop = lg_server_stop(pid) == 0;
		have_cache = lg_cache_stats(dir, &cache) == 0;
	}
	/* The bound again after the load: the larger (the stricter) counts,
	 * so that a machine busier during the first measure flatters no one. */
	lg_measure_bound(&b);
	lg_print_bound(&b);
	ratio = lg_print_run(&st, &b, have_cache ? &cache : NULL, mallocs,
	    mwhy, "attestation", "emulated realm, HTTP, unwrap");
	printf("errors:                               %10lu%s%s\n", st.err,
	    st.err > 0 ? " first: " : "", st.first_err);
	printf("double-used challenges:               %10lu (of %lu "
	    "replays)\n", st.doubled, st.replays);
	printf("duplicate nonces:                     %10lu\n", st.dup_nonce);
	if (pid > 0)
		printf("lost challenges (left in the db):     %10zu\n", left);
	else
		printf("lost challenges:                      not checked "
		    "(server not ours)\n");
	if (!ok_stop)
		printf("the server did not exit cleanly\n");
	if (st.err > 0 || st.doubled > 0 || st.dup_nonce > 0 || left > 0 ||
	    st.ok == 0 || !ok_stop)
		rc = 1;
	if (o.nurls == 0)
		lg_rmdir(dir);
	lg_print_ratio(ratio);
	lg_cleanup();
	svc_httpc_global_cleanup();
	return rc;
}
