/*
 * bench-keybroker: full key-broker attestations over loopback (key
 * request, then evidence from an emulated realm for the challenge, then
 * the secret unwrapped and checked) by concurrent clients, against the
 * bound measured in the same run: two raw OpenSSL P-384 verifications
 * per token on one core, the signature math the broker cannot avoid.
 * Ends with "ratio <attestations/s / bound>".
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
#define MEDIA_TYPE \
	"application/eat-collection; profile=\"http://arm.com/CCA-SSD/1.0.0\""

#ifndef CCAKIT_SOURCE_DIR
#define CCAKIT_SOURCE_DIR "."
#endif

static char base_url[256];

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
	snprintf(url, sizeof(url), "%s/keys/v1/key/%s", base_url,
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
	fprintf(stderr, "Usage: bench-keybroker [-c clients] [-t seconds] "
	    "[-u url] [-s server] [-d demo-dir] [-T server-threads]\n"
	    "  -u: use a running key broker that trusts the demo realm\n"
	    "      (demo/) and approves its RIM; default: start one\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct lg_opts o = { .demo_dir = CCAKIT_SOURCE_DIR "/demo" };
	struct lg_stats st;
	char server[PATH_MAX + 32], dir[PATH_MAX];
	char ta[PATH_MAX + 16], rims[PATH_MAX + 16], db[PATH_MAX + 16];
	const char *const args[] = { "--db", db, "--trust-anchors", ta,
	    "--reference-values", rims, NULL };
	double bound, rate, server_cpu = 0;
	kbs_chstore *chs = NULL;
	size_t left = 0;
	pid_t pid = -1;
	int rc = 0;

	lg_init("bench-keybroker");
	lg_parse_args(argc, argv, &o, usage);
	signal(SIGPIPE, SIG_IGN);
	if (svc_httpc_global_init() != 0)
		lg_die("libcurl initialisation failed");
	if (o.url == NULL) {
		lg_mkdtemp(dir, sizeof(dir));
		snprintf(ta, sizeof(ta), "%s/ta.json", dir);
		snprintf(rims, sizeof(rims), "%s/rims.json", dir);
		snprintf(db, sizeof(db), "%s/kb.db", dir);
		lg_realm_setup(o.demo_dir, ta, rims);
		if (o.server == NULL) {
			lg_server_path("keybroker-server", server,
			    sizeof(server));
			o.server = server;
		}
	} else {
		lg_realm_setup(o.demo_dir, NULL, NULL);
		snprintf(base_url, sizeof(base_url), "%s", o.url);
	}

	bound = lg_measure_bound();
	if (o.url == NULL)
		pid = lg_server_start(o.server, dir, args, o.threads,
		    base_url, sizeof(base_url));
	printf("key broker %s (%s), %lu clients, %.0f s\n", base_url,
	    o.url == NULL ? "started by the bench" : "given", o.clients,
	    o.seconds);
	fflush(stdout);

	lg_run(o.clients, o.seconds, client, &st);

	if (pid > 0) {
		/* Nothing issued may be left over: every challenge taken. */
		if (kbs_chstore_open_sqlite(db, &chs, NULL) != CCAKIT_OK ||
		    kbs_chstore_count(chs, &left) != CCAKIT_OK)
			lg_die("cannot count the challenges left");
		kbs_chstore_free(&chs);
		server_cpu = lg_server_stop(pid);
	}
	/* The bound again after the load: the larger (the stricter) counts,
	 * so that a machine busier during the first measure flatters no one. */
	if ((rate = lg_measure_bound()) > bound)
		bound = rate;
	rate = (double)st.ok / st.elapsed;
	printf("bound (2 raw OpenSSL P-384 verifies): %10.1f tokens/s "
	    "(one core, best of before and after)\n", bound);
	printf("attestations:                         %10lu in %.1f s\n",
	    st.ok, st.elapsed);
	printf("attestations/s:                       %10.1f\n", rate);
	lg_print_latency(&st);
	if (st.ok > 0) {
		printf("client CPU per attestation:           %10.2f ms "
		    "(emulated realm, HTTP, unwrap)\n",
		    1e3 * st.client_cpu / (double)st.ok);
		if (pid > 0)
			printf("server CPU per attestation:           %10.2f "
			    "ms (bound: %.2f ms)\n",
			    1e3 * server_cpu / (double)st.ok, 1e3 / bound);
	}
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
	if (st.err > 0 || st.doubled > 0 || st.dup_nonce > 0 || left > 0 ||
	    st.ok == 0)
		rc = 1;
	if (o.url == NULL)
		lg_rmdir(dir);
	printf("ratio %.3f\n", rate / bound);
	lg_cleanup();
	svc_httpc_global_cleanup();
	return rc;
}
