/*
 * ccatoken attest: the passport model. Ask a Veraison-compatible
 * verifier for a nonce, get a token for it from configfs-tsm or the
 * emulated realm, submit it, verify the EAR the verifier signed (with
 * the key of its discovery document, the nonce, its age) and print it.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ccakit/ear.h>
#include <ccakit/jose.h>
#include <ccakit/tsm.h>

#include "ccatoken.h"
#include "httpc.h"
#include "veraison.h"
#include "vproto.h"

#define MAX_AGE_S       300
#define LEEWAY_S        60
#define RESP_MAX        (CCAKIT_EAR_MAX_JSON * 2 + 2 * CCAKIT_TOKEN_MAX_SIZE)

static const char attest_help[] =
    "Usage: ccatoken attest --verifier URL [--attester tsm|emulated]\n"
    "                       [--tsm-root DIR] [--claims FILE\n"
    "                       --platform-key PEM --realm-key PEM]\n"
    "                       [--format 399|907] [--nonce-size N]\n"
    "                       [--cacert PEM] [-o FILE] [--json]\n"
    "\n"
    "Attest this realm to a Veraison-compatible verifier (passport\n"
    "model): get a nonce from the verifier, the token for it from the\n"
    "attester, submit it, and verify the signed EAR that comes back with\n"
    "the verifier's published key. Prints the appraisal, or the EAR's\n"
    "claims with --json.\n"
    "\n"
    "  --verifier URL        the verifier (e.g. http://127.0.0.1:8080)\n"
    "  --attester KIND       tsm (configfs-tsm, the default) or emulated\n"
    "  --tsm-root DIR        configfs-tsm report directory\n"
    "                        (" CCAKIT_TSM_DEFAULT_ROOT ")\n"
    "  --claims FILE         emulated realm: claims (JSON)\n"
    "  --platform-key PEM    emulated realm: CPAK private key\n"
    "  --realm-key PEM       emulated realm: RAK private key\n"
    "  --format 399|907      emulated realm: token format (907)\n"
    "  --nonce-size N        nonce the verifier makes, 32..64 bytes (64)\n"
    "  --cacert PEM          extra trust root for an https verifier\n"
    "  -o, --output FILE     write the EAR (JWT) there\n"
    "  --json                print the EAR's claims as JSON\n"
    "  -h, --help            print this help\n"
    "\n"
    "Exit status: 0 the EAR verified and every submodule is affirming,\n"
    "1 usage error, 2 error (verifier, attester, an EAR that does not\n"
    "verify), 3 the EAR verified but is not affirming.\n";

enum {
	OPT_VERIFIER = 256, OPT_ATTESTER, OPT_TSM_ROOT, OPT_CLAIMS, OPT_CPAK,
	OPT_RAK, OPT_FORMAT, OPT_NONCE_SIZE, OPT_CACERT, OPT_JSON,
};

static int
fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s attest: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_MALFORMED;
}

/* The detail of a problem+json reply, for messages. */
static const char *
problem(const struct svc_http_resp *r, char *buf, size_t sz)
{
	json_t *j, *t;

	buf[0] = '\0';
	j = json_loadb((const char *)r->body, r->body_len, 0, NULL);
	if ((t = json_object_get(j, "detail")) == NULL)
		t = json_object_get(j, "title");
	if (json_is_string(t))
		snprintf(buf, sz, ": %.200s", json_string_value(t));
	json_decref(j);
	return buf;
}

static void
print_appraisal(const ccakit_ear *e, const char *url)
{
	struct ccakit_tv tv;
	enum ccakit_tier t;
	const char *name, *build = NULL, *dev = NULL, *pol;
	char *pc;
	size_t i;
	int c;

	ccakit_ear_verifier_id(e, &build, &dev);
	printf("EAR verified (verifier %s, %s/%s)\n", url,
	    dev != NULL ? dev : "?", build != NULL ? build : "?");
	for (i = 0; (name = ccakit_ear_submod_name(e, i)) != NULL; i++) {
		if (ccakit_ear_submod_status(e, name, &t) != CCAKIT_OK)
			t = CCAKIT_TIER_NONE;
		printf("submod %s: %s\n", name, ccakit_tier_name(t));
		if (ccakit_ear_submod_tv(e, name, &tv) == CCAKIT_OK) {
			printf("  trust vector:");
			for (c = 0; c < CCAKIT_TV_NCLAIMS; c++)
				if (ccakit_tv_is_set(&tv,
				    (enum ccakit_tv_claim)c))
					printf(" %s=%d", ccakit_tv_claim_name(
					    (enum ccakit_tv_claim)c), tv.v[c]);
			printf("\n");
		}
		if ((pol = ccakit_ear_submod_policy_id(e, name)) != NULL)
			printf("  appraisal policy: %s\n", pol);
		if (ccakit_ear_submod_policy_claims(e, name, &pc) ==
		    CCAKIT_OK) {
			printf("  policy claims: %s\n", pc);
			free(pc);
		}
	}
}

/* Every submod affirming (and at least one). */
static bool
all_affirming(const ccakit_ear *e)
{
	enum ccakit_tier t;
	const char *name;
	size_t i;

	for (i = 0; (name = ccakit_ear_submod_name(e, i)) != NULL; i++)
		if (ccakit_ear_submod_status(e, name, &t) != CCAKIT_OK ||
		    t != CCAKIT_TIER_AFFIRMING)
			return false;
	return i > 0;
}

static int
make_attester(const char *kind, const char *root, const char *claims,
    const char *cpak, const char *rak, enum ccakit_token_format fmt,
    ccakit_attester **a)
{
	struct ccakit_errdetail d;
	int r;

	memset(&d, 0, sizeof(d));
	if (strcmp(kind, "emulated") == 0)
		r = ccakit_attester_new_emulated_files(claims, cpak, rak, fmt,
		    a, &d);
	else
		r = ccakit_attester_new_tsm(root, a, &d);
	if (r != CCAKIT_OK)
		return fail("%s attester: %s", kind, d.text[0] != '\0' ?
		    d.text : ccakit_strerror(r));
	return EXIT_OK;
}

int
cmd_attest(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verifier", required_argument, NULL, OPT_VERIFIER },
		{ "attester", required_argument, NULL, OPT_ATTESTER },
		{ "tsm-root", required_argument, NULL, OPT_TSM_ROOT },
		{ "claims", required_argument, NULL, OPT_CLAIMS },
		{ "platform-key", required_argument, NULL, OPT_CPAK },
		{ "realm-key", required_argument, NULL, OPT_RAK },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "nonce-size", required_argument, NULL, OPT_NONCE_SIZE },
		{ "cacert", required_argument, NULL, OPT_CACERT },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const disc_hdr[] = {
	    "Accept: " SVC_VERAISON_DISCOVERY_MT, NULL };
	static const char *const sess_hdr[] = {
	    "Accept: " SVC_VERAISON_SESSION_MT, NULL };
	static const char *const ev_hdr[] = {
	    "Accept: " SVC_VERAISON_SESSION_MT,
	    "Content-Type: " SVC_V_MT_CCA, NULL };
	const char *url = NULL, *kind = "tsm", *root = NULL, *claims = NULL;
	const char *cpak = NULL, *rak = NULL, *out = NULL, *cafile = NULL;
	enum ccakit_token_format fmt = CCAKIT_FORMAT_907;
	struct svc_httpc_opts ho;
	struct svc_http_resp resp;
	struct ccakit_ear_verify_opts vo;
	struct ccakit_errdetail d;
	struct svc_v_session s, done;
	ccakit_attester *att = NULL;
	ccakit_key *key = NULL;
	ccakit_ear *ear = NULL;
	svc_httpc *hc = NULL;
	uint8_t *tok = NULL;
	size_t toklen;
	unsigned long nsize = 64;
	char *jwk = NULL, *path = NULL, *req = NULL, *sess = NULL, *end;
	char *js = NULL, *base = NULL, err[256], pb[256];
	int ch, json = 0, r, st = EXIT_MALFORMED;

	memset(&resp, 0, sizeof(resp));
	memset(&s, 0, sizeof(s));
	memset(&done, 0, sizeof(done));
	memset(&d, 0, sizeof(d));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_VERIFIER:
			url = optarg;
			break;
		case OPT_ATTESTER:
			kind = optarg;
			if (strcmp(kind, "tsm") != 0 &&
			    strcmp(kind, "emulated") != 0)
				return usage_error("attest", "--attester must "
				    "be tsm or emulated");
			break;
		case OPT_TSM_ROOT:
			root = optarg;
			break;
		case OPT_CLAIMS:
			claims = optarg;
			break;
		case OPT_CPAK:
			cpak = optarg;
			break;
		case OPT_RAK:
			rak = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "399") == 0)
				fmt = CCAKIT_FORMAT_399;
			else if (strcmp(optarg, "907") == 0)
				fmt = CCAKIT_FORMAT_907;
			else
				return usage_error("attest", "--format must "
				    "be 399 or 907");
			break;
		case OPT_NONCE_SIZE:
			nsize = strtoul(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' ||
			    nsize < CCAKIT_TSM_INBLOB_MIN ||
			    nsize > CCAKIT_TSM_INBLOB_MAX)
				return usage_error("attest", "--nonce-size "
				    "must be 32 to 64");
			break;
		case OPT_CACERT:
			cafile = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case 'h':
			fputs(attest_help, stdout);
			return EXIT_OK;
		default:
			fputs(attest_help, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return usage_error("attest", "unexpected argument '%s'",
		    argv[optind]);
	if (url == NULL)
		return usage_error("attest", "--verifier URL is required");
	if (strcmp(kind, "emulated") == 0 && (claims == NULL ||
	    cpak == NULL || rak == NULL))
		return usage_error("attest", "the emulated attester needs "
		    "--claims, --platform-key and --realm-key");
	if ((base = strdup(url)) == NULL)
		return fail("out of memory");
	while (strlen(base) > 1 && base[strlen(base) - 1] == '/')
		base[strlen(base) - 1] = '\0';
	url = base;

	if (svc_httpc_global_init() != 0) {
		free(base);
		return fail("libcurl initialisation failed");
	}
	if ((st = make_attester(kind, root, claims, cpak, rak, fmt, &att)) !=
	    EXIT_OK)
		goto out;
	st = EXIT_MALFORMED;
	memset(&ho, 0, sizeof(ho));
	ho.cafile = cafile;
	ho.max_body = RESP_MAX;
	if ((hc = svc_httpc_new(&ho)) == NULL ||
	    (tok = malloc(CCAKIT_TSM_OUTBLOB_MAX)) == NULL ||
	    (req = malloc(strlen(url) + 256)) == NULL) {
		fail("out of memory");
		goto out;
	}

	/* 1. Discovery: the EAR key and the session endpoint. */
	sprintf(req, "%s%s", url, SVC_VERAISON_DISCOVERY_PATH);
	if (svc_httpc_request(hc, "GET", req, disc_hdr, NULL, 0, &resp, err,
	    sizeof(err)) != SVC_HTTPC_OK) {
		fail("%s: %s", req, err);
		goto out;
	}
	if (resp.status != 200) {
		fail("discovery: HTTP %ld%s", resp.status,
		    problem(&resp, pb, sizeof(pb)));
		goto out;
	}
	if (svc_veraison_parse_discovery(resp.body, resp.body_len, &jwk,
	    &path, err, sizeof(err)) != 0) {
		fail("discovery: %s", err);
		goto out;
	}
	svc_http_resp_clear(&resp);
	if ((key = ccakit_key_new()) == NULL ||
	    ccakit_key_from_jwk(key, jwk, strlen(jwk)) != CCAKIT_OK) {
		fail("discovery: the EAR verification key is not an EC JWK");
		goto out;
	}

	/* 2. A session: the verifier's nonce. */
	free(req);
	if ((req = malloc(strlen(url) + strlen(path) + 32)) == NULL) {
		fail("out of memory");
		goto out;
	}
	sprintf(req, "%s%s?nonceSize=%lu", url, path, nsize);
	if (svc_httpc_request(hc, "POST", req, sess_hdr, NULL, 0, &resp, err,
	    sizeof(err)) != SVC_HTTPC_OK) {
		fail("newSession: %s", err);
		goto out;
	}
	if (resp.status != 201 || resp.location[0] == '\0') {
		fail("newSession: HTTP %ld%s%s", resp.status,
		    resp.location[0] == '\0' ? " (no Location)" : "",
		    problem(&resp, pb, sizeof(pb)));
		goto out;
	}
	if ((r = svc_v_session_from_json((const char *)resp.body,
	    resp.body_len, &s, &d)) != CCAKIT_OK) {
		fail("newSession: %s%s%s", d.what != NULL ? d.what : "",
		    d.what != NULL ? ": " : "", d.text[0] != '\0' ? d.text :
		    ccakit_strerror(r));
		goto out;
	}
	if (s.status != SVC_V_WAITING || s.nonce_len != nsize) {
		fail("newSession: the session is %s with a %zu-byte nonce",
		    svc_v_status_name(s.status), s.nonce_len);
		goto out;
	}
	if ((sess = svc_url_resolve(req, resp.location)) == NULL) {
		fail("newSession: bad Location");
		goto out;
	}
	svc_http_resp_clear(&resp);

	/* 3. The token for the nonce. */
	memset(&d, 0, sizeof(d));
	if ((r = ccakit_attester_get_evidence(att, s.nonce, s.nonce_len, tok,
	    CCAKIT_TSM_OUTBLOB_MAX, &toklen, &d)) != CCAKIT_OK) {
		fail("%s attester: %s", kind, d.text[0] != '\0' ? d.text :
		    ccakit_strerror(r));
		goto out;
	}

	/* 4. The evidence, and the EAR. */
	if (svc_httpc_request(hc, "POST", sess, ev_hdr, tok, toklen, &resp,
	    err, sizeof(err)) != SVC_HTTPC_OK) {
		fail("evidence: %s", err);
		goto out;
	}
	if (resp.status != 200) {
		fail("evidence: HTTP %ld%s", resp.status,
		    problem(&resp, pb, sizeof(pb)));
		goto out;
	}
	memset(&d, 0, sizeof(d));
	if ((r = svc_v_session_from_json((const char *)resp.body,
	    resp.body_len, &done, &d)) != CCAKIT_OK ||
	    done.status != SVC_V_COMPLETE || done.result == NULL) {
		fail("evidence: the session is %s, without a result%s%s",
		    r == CCAKIT_OK ? svc_v_status_name(done.status) :
		    "unreadable", d.text[0] != '\0' ? ": " : "", d.text);
		goto out;
	}
	svc_http_resp_clear(&resp);

	/* 5. Verify it: discovery key, alg pinned to it, our nonce, age. */
	memset(&vo, 0, sizeof(vo));
	memset(&d, 0, sizeof(d));
	if ((vo.alg = ccakit_key_pinned_alg(key)) == 0)
		vo.alg = ccakit_key_default_alg(key);
	vo.leeway = LEEWAY_S;
	vo.max_age = MAX_AGE_S;
	vo.nonce = s.nonce;
	vo.nonce_len = s.nonce_len;
	if ((ear = ccakit_ear_new()) == NULL) {
		fail("out of memory");
		goto out;
	}
	if ((r = ccakit_ear_verify_jwt(ear, done.result, strlen(done.result),
	    key, &vo, &d)) != CCAKIT_OK) {
		fail("the EAR does not verify: %s%s%s", ccakit_strerror(r),
		    d.text[0] != '\0' ? ": " : "", d.text);
		goto out;
	}
	if (out != NULL && (st = save_file("ccatoken attest", out,
	    done.result, strlen(done.result))) != EXIT_OK)
		goto out;
	if (json) {
		if ((r = ccakit_ear_to_json(ear, CCAKIT_EAR_JSON_PRETTY,
		    &js)) != CCAKIT_OK) {
			st = fail("%s", ccakit_strerror(r));
			goto out;
		}
		printf("%s\n", js);
	} else {
		print_appraisal(ear, url);
	}
	st = all_affirming(ear) ? EXIT_OK : EXIT_REJECTED;
out:
	svc_http_resp_clear(&resp);
	ccakit_ear_free(&ear);
	ccakit_key_free(&key);
	ccakit_attester_free(&att);
	svc_httpc_free(&hc);
	svc_v_session_clear(&s);
	svc_v_session_clear(&done);
	free(tok);
	free(js);
	free(jwk);
	free(path);
	free(req);
	free(sess);
	free(base);
	svc_httpc_global_cleanup();
	return st;
}
