/*
 * mock-veraison: a minimal Veraison-compatible verifier for the
 * keybroker-server --verifier tests (test scaffolding, not a product:
 * sessions in memory, no expiry). Discovery, newSession?nonce=, evidence
 * appraised with the embedded verifier, the EAR signed with a fresh
 * P-256 key published in the discovery document.
 *
 * Faults for negative tests (-f): "key" signs with a key other than the
 * published one, "nonce" puts another nonce in the EAR, "old" dates the
 * EAR an hour back, "down" reports service-state DOWN, "500" fails the
 * evidence request. Other forms veraison/ear reads: "forms" writes the
 * statuses as tier numbers (2, "32") and trust claims by name or as
 * text, "trustee" also puts Trustee's profile.
 *
 * Endorsement provisioning as a Veraison deployment with OAuth2 and
 * asynchronous processing shows it (for `corim submit`): POST /token, the
 * password grant (user alice, password s3cret, client cocli), gives an
 * access token; a submission with it (rim+ media types) is 201
 * "processing" with a Location; its session, polled, is "processing"
 * once, then "success" ("prov-fail": "failed" with a reason).
 *
 * Usage: mock-veraison -t ta.json --port-file FILE [-f fault]
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <ccakit/appraise.h>
#include <ccakit/bytes.h>
#include <ccakit/store.h>
#include <ccakit/token.h>
#include <ccakit/ear.h>
#include <ccakit/jose.h>

#include "httpd.h"

#define MAX_SESSIONS 256

static ccakit_ta_store *tas;
static ccakit_key *ear_key, *other_key;
static char *ear_jwk;
static const char *fault = "";
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	unsigned id;
	uint8_t nonce[64];
	size_t len;
} sessions[MAX_SESSIONS];
static unsigned nsessions;

static ccakit_key *
gen_key(void)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ccakit_key *k = ccakit_key_new();
	BIO *b = BIO_new(BIO_s_mem());
	char *pem;
	long n;

	if (pk == NULL || k == NULL || b == NULL ||
	    !PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL) ||
	    (n = BIO_get_mem_data(b, &pem)) <= 0 ||
	    ccakit_key_from_pem(k, pem, (size_t)n) != CCAKIT_OK)
		exit(2);
	BIO_free(b);
	EVP_PKEY_free(pk);
	return k;
}

static void
discovery(void *arg, const struct svc_req *req, struct svc_resp *resp)
{
	json_t *j, *key;

	(void)arg;
	(void)req;
	key = json_loads(ear_jwk, 0, NULL);
	j = json_pack("{s:o, s:[s], s:s, s:s, s:{s:s}}",
	    "ear-verification-key", key, "media-types",
	    "application/eat-collection; "
	    "profile=\"http://arm.com/CCA-SSD/1.0.0\"",
	    "version", "mock", "service-state",
	    strcmp(fault, "down") == 0 ? "DOWN" : "READY", "api-endpoints",
	    "newChallengeResponseSession", "/challenge-response/v1/newSession");
	svc_resp_json(resp, 200, j);
	resp->content_type = "application/vnd.veraison.discovery+json";
}

static void
new_session(void *arg, const struct svc_req *req, struct svc_resp *resp)
{
	const char *nonce = svc_req_query(req, "nonce");
	char loc[64];
	unsigned i;

	(void)arg;
	if (nonce == NULL) {
		svc_resp_problem(resp, 400, NULL, NULL, "nonce required");
		return;
	}
	pthread_mutex_lock(&mu);
	i = nsessions++ % MAX_SESSIONS;
	sessions[i].id = nsessions;
	/* Veraison's decoder at the time: base64url with padding. */
	if (ccakit_b64_decode(nonce, strlen(nonce), CCAKIT_B64_ANY,
	    sessions[i].nonce, sizeof(sessions[i].nonce), &sessions[i].len) !=
	    CCAKIT_OK || strlen(nonce) % 4 != 0) {
		pthread_mutex_unlock(&mu);
		svc_resp_problem(resp, 400, NULL, NULL, "bad nonce");
		return;
	}
	snprintf(loc, sizeof(loc), "session/%u", sessions[i].id);
	pthread_mutex_unlock(&mu);
	svc_resp_json(resp, 201, json_pack("{s:s}", "status", "waiting"));
	svc_resp_header(resp, "Location", loc);
}

/* Replace every `from` in *s by `to` (*s malloc'd, replaced). */
static void
replace(char **s, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to), n = 0;
	char *p, *q, *out;

	for (p = *s; (q = strstr(p, from)) != NULL; p = q + fl)
		n++;
	if (n == 0)
		return;
	if ((out = malloc(strlen(*s) + n * tl + 1)) == NULL)
		exit(2);
	out[0] = '\0';
	for (p = *s; (q = strstr(p, from)) != NULL; p = q + fl) {
		strncat(out, p, (size_t)(q - p));
		strcat(out, to);
	}
	strcat(out, p);
	free(*s);
	*s = out;
}

/* The EAR signed with its statuses and claims in other forms. */
static int
sign_forms(const ccakit_ear *ear, char **jwt)
{
	char *js = NULL;
	int r;

	if ((r = ccakit_ear_to_json(ear, 0, &js)) != CCAKIT_OK)
		return r;
	replace(&js, "\"ear.status\":\"affirming\"", "\"ear.status\":2");
	replace(&js, "\"ear.status\":\"warning\"", "\"ear.status\":\"32\"");
	replace(&js, "\"instance-identity\":2",
	    "\"instance-identity\":\"recognized_instance\"");
	replace(&js, "\"executables\":33",
	    "\"executables\":\"unrecognized_rt\"");
	replace(&js, "\"hardware\":2", "\"hardware\":\"2\"");
	if (strcmp(fault, "trustee") == 0)
		replace(&js, CCAKIT_EAR_PROFILE, CCAKIT_EAR_PROFILE_TRUSTEE);
	r = ccakit_jws_sign(ear_key, CCAKIT_COSE_ES256, "JWT",
	    (const uint8_t *)js, strlen(js), jwt);
	free(js);
	return r;
}

static void
evidence(void *arg, const struct svc_req *req, struct svc_resp *resp)
{
	struct ccakit_attest_opts ao;
	uint8_t nonce[64];
	ccakit_ear *ear = NULL;
	unsigned id = (unsigned)strtoul(req->arg[0], NULL, 10), i;
	size_t len = 0;
	char *jwt = NULL;
	bool found = false;

	(void)arg;
	if (strcmp(fault, "500") == 0) {
		svc_resp_problem(resp, 500, NULL, NULL, "injected failure");
		return;
	}
	pthread_mutex_lock(&mu);
	for (i = 0; i < MAX_SESSIONS; i++) {
		if (sessions[i].id == id && id != 0) {
			memcpy(nonce, sessions[i].nonce, sessions[i].len);
			len = sessions[i].len;
			found = true;
		}
	}
	pthread_mutex_unlock(&mu);
	if (!found) {
		svc_resp_problem(resp, 404, NULL, NULL, "no such session");
		return;
	}
	memset(&ao, 0, sizeof(ao));
	ao.nonce = nonce;
	ao.nonce_len = len;
	ao.build = "mock-veraison";
	if (strcmp(fault, "old") == 0)
		ao.iat = (int64_t)time(NULL) - 3600;
	if (ccakit_attest_cca(req->body, req->body_len, tas, NULL, &ao, &ear,
	    NULL) != CCAKIT_OK) {
		svc_resp_problem(resp, 500, NULL, NULL, "appraisal failed");
		return;
	}
	if (strcmp(fault, "nonce") == 0) {
		nonce[0] ^= 1;
		ccakit_ear_set_nonce(ear, nonce, len);
	}
	if ((strcmp(fault, "forms") == 0 || strcmp(fault, "trustee") == 0 ?
	    sign_forms(ear, &jwt) : ccakit_ear_sign_jwt(ear,
	    strcmp(fault, "key") == 0 ? other_key : ear_key, 0, &jwt)) !=
	    CCAKIT_OK) {
		svc_resp_problem(resp, 500, NULL, NULL, "signing failed");
	} else {
		svc_resp_json(resp, 200, json_pack("{s:s, s:s}", "status",
		    "complete", "result", jwt));
		resp->content_type = "application/vnd.veraison."
		    "challenge-response-session+json";
	}
	free(jwt);
	ccakit_ear_free(&ear);
}

#define PROV_TOKEN "mock-access-token-42"
#define PROV_SESSION_MT "application/vnd.veraison.provisioning-session+json"
static unsigned prov_polls;

static void
prov_token(void *arg, const struct svc_req *req, struct svc_resp *resp)
{
	char body[1024];

	(void)arg;
	if (req->body_len >= sizeof(body)) {
		svc_resp_problem(resp, 400, NULL, NULL, "too long");
		return;
	}
	memcpy(body, req->body, req->body_len);
	body[req->body_len] = '\0';
	if (strstr(body, "grant_type=password") == NULL ||
	    strstr(body, "username=alice&") == NULL ||
	    strstr(body, "password=s3cret&") == NULL ||
	    strstr(body, "client_id=cocli&") == NULL) {
		svc_resp_json(resp, 401, json_pack("{s:s}", "error",
		    "invalid_grant"));
		return;
	}
	svc_resp_json(resp, 200, json_pack("{s:s, s:s, s:i}", "access_token",
	    PROV_TOKEN, "token_type", "Bearer", "expires_in", 300));
}

static void
prov_session(struct svc_resp *resp, unsigned status, const char *state)
{
	json_t *j = json_pack("{s:s, s:s}", "status", state, "expiry",
	    "2030-01-01T00:00:00Z");

	if (strcmp(state, "failed") == 0)
		json_object_set_new(j, "failure-reason", json_string(
		    "submit endorsement returned error: injected"));
	svc_resp_json(resp, status, j);
	resp->content_type = PROV_SESSION_MT;
}

static bool
prov_auth(const struct svc_req *req, struct svc_resp *resp)
{
	const char *h = svc_req_header(req, "Authorization");

	if (h != NULL && strcmp(h, "Bearer " PROV_TOKEN) == 0)
		return true;
	svc_resp_problem(resp, 401, NULL, NULL, "no valid token");
	return false;
}

static void
prov_submit(void *arg, const struct svc_req *req, struct svc_resp *resp)
{
	(void)arg;
	if (!prov_auth(req, resp))
		return;
	if (req->content_type == NULL ||
	    strncmp(req->content_type, "application/rim+", 16) != 0) {
		svc_resp_problem(resp, 415, NULL, NULL, "no active plugin");
		return;
	}
	pthread_mutex_lock(&mu);
	prov_polls = 0;
	pthread_mutex_unlock(&mu);
	prov_session(resp, 201, "processing");
	svc_resp_header(resp, "Location", "session/0d4f0b58-prov");
}

static void
prov_poll(void *arg, const struct svc_req *req, struct svc_resp *resp)
{
	unsigned n;

	(void)arg;
	if (!prov_auth(req, resp))
		return;
	if (strcmp(req->arg[0], "0d4f0b58-prov") != 0) {
		svc_resp_problem(resp, 404, NULL, NULL, "no such session");
		return;
	}
	pthread_mutex_lock(&mu);
	n = prov_polls++;
	pthread_mutex_unlock(&mu);
	prov_session(resp, 200, n == 0 ? "processing" :
	    strcmp(fault, "prov-fail") == 0 ? "failed" : "success");
}

static const struct svc_route routes[] = {
	{ "GET", "/.well-known/veraison/verification", 0, discovery },
	{ "POST", "/challenge-response/v1/newSession", 0, new_session },
	{ "POST", "/challenge-response/v1/session/{}", 128 * 1024, evidence },
	{ "POST", "/token", 4096, prov_token },
	{ "POST", "/endorsement-provisioning/v1/submit", 1024 * 1024,
	    prov_submit },
	{ "GET", "/endorsement-provisioning/v1/session/{}", 0, prov_poll },
};

int
main(int argc, char **argv)
{
	struct svc_httpd_conf hc;
	struct svc_httpd *h = NULL;
	const char *ta = NULL, *port_file = NULL;
	char err[256], buf[1 << 16];
	size_t len;
	sigset_t sigs;
	FILE *f;
	int c, sig;

	while ((c = getopt(argc, argv, "t:p:f:")) != -1) {
		switch (c) {
		case 't': ta = optarg; break;
		case 'p': port_file = optarg; break;
		case 'f': fault = optarg; break;
		default: return 2;
		}
	}
	if (ta == NULL || port_file == NULL || (f = fopen(ta, "r")) == NULL)
		return 2;
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if ((tas = ccakit_ta_store_new()) == NULL ||
	    ccakit_ta_store_load_json(tas, buf, len, NULL) != CCAKIT_OK)
		return 2;
	ear_key = gen_key();
	other_key = gen_key();
	if (ccakit_jwk_from_key(ear_key, CCAKIT_COSE_ES256, &ear_jwk) != CCAKIT_OK)
		return 2;
	svc_log_init("mock-veraison", SVC_LOG_WARN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	memset(&hc, 0, sizeof(hc));
	hc.addr = "127.0.0.1";
	hc.threads = 1;
	hc.conn_limit = 64;
	hc.conn_memory = 32 * 1024;
	hc.timeout_s = 10;
	hc.routes = routes;
	hc.nroutes = sizeof(routes) / sizeof(routes[0]);
	if (svc_httpd_start(&hc, &h, err, sizeof(err)) != 0) {
		fprintf(stderr, "mock-veraison: %s\n", err);
		return 1;
	}
	if ((f = fopen(port_file, "w")) == NULL)
		return 1;
	fprintf(f, "%u\n", svc_httpd_port(h));
	fclose(f);
	sigwait(&sigs, &sig);
	svc_httpd_stop(&h);
	return 0;
}
