/*
 * corim submit: POST a CoRIM to a Veraison-compatible endorsement
 * provisioning API (keybroker-veraison-ear.md, corim-cca.md §6) and read
 * the provisioning session: 200 with {"status": "success"} or
 * {"status": "failed", "failure-reason"}, or 201 "processing" with a
 * Location to poll. Authentication as cocli's: none (passthrough), HTTP
 * Basic, or OAuth2 (resource-owner password grant, then a bearer token).
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include <ccakit/bytes.h>

#include "corimtool.h"
#include "httpc.h"
#include "util/util.h"

#define SESSION_TYPE "application/vnd.veraison.provisioning-session+json"
#define POLL_MAX 60

static const char submit_help[] =
"Usage: corim submit -f FILE -s URL [-m MEDIA-TYPE]\n"
"                    [-a none|basic|oauth2|bearer] [-U USER] [-P PASSWORD]\n"
"                    [-C CLIENT-ID] [-S CLIENT-SECRET] [-T TOKEN-URL]\n"
"                    [--token TOKEN | --token-file FILE] [-i] [-E CA-CERT]\n"
"\n"
"Submit a CoRIM to a provisioning API (Veraison's, or cca-verifier's).\n"
"\n"
"  -f, --corim-file FILE    the CoRIM (CBOR, signed or not)\n"
"  -s, --api-server URL     the full submit URL, e.g.\n"
"                           https://host:9443/endorsement-provisioning/v1/submit\n"
"  -m, --media-type TYPE    the Content-Type (default: from the CoRIM:\n"
"                           application/rim+cbor or application/rim+cose\n"
"                           with profile=\"<its profile>\", as Veraison's\n"
"                           discovery advertises them)\n"
"  -a, --auth METHOD        none (or passthrough, the default), basic,\n"
"                           oauth2, bearer (a fixed token, as\n"
"                           cca-verifier's --provisioning-token)\n"
"  -U, --username USER      basic and oauth2\n"
"  -P, --password PASS      basic and oauth2 (or $COCLI_PASSWORD, or\n"
"                           --password-file)\n"
"      --password-file FILE the password, first line of FILE\n"
"  -C, --client-id ID       oauth2\n"
"  -S, --client-secret SEC  oauth2 (or $COCLI_CLIENT_SECRET)\n"
"  -T, --token-url URL      oauth2: the token endpoint\n"
"      --token TOKEN        bearer: the token (or $CORIM_TOKEN)\n"
"      --token-file FILE    bearer: the token, first line of FILE\n"
"  -i, --insecure           do not verify the server's TLS certificate\n"
"  -E, --ca-cert FILE       trust this CA (PEM) for TLS\n"
"\n"
"Exit status: 0 submitted (status success), 1 usage error, 2 malformed\n"
"input or transport failure, 3 the service refused the CoRIM (status\n"
"failed, or an HTTP 4xx error).\n";

enum auth { AUTH_NONE, AUTH_BASIC, AUTH_OAUTH2, AUTH_BEARER };

struct submit {
	const char *file, *url, *media, *user, *pass, *client, *secret;
	const char *token_url, *cafile, *token;
	bool insecure;
	enum auth auth;
	char *auth_header;
};

/* The media type Veraison advertises for this CoRIM. */
static char *
default_media(const ccakit_corim *c)
{
	const char *p = ccakit_corim_profile_str(c);
	char *s = NULL;

	if (p == NULL)
		return strdup(ccakit_corim_is_signed(c) ?
		    "application/rim+cose" : "application/rim+cbor");
	if (asprintf(&s, "%s; profile=\"%s\"", ccakit_corim_is_signed(c) ?
	    "application/rim+cose" : "application/rim+cbor", p) < 0)
		return NULL;
	return s;
}

/* application/x-www-form-urlencoded value (RFC 3986 unreserved kept). */
static char *
form_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s), i, o = 0;
	unsigned char c;
	char *r;

	if ((r = malloc(3 * n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			r[o++] = (char)c;
		else {
			r[o++] = '%';
			r[o++] = hex[c >> 4];
			r[o++] = hex[c & 15];
		}
	}
	r[o] = '\0';
	return r;
}

/* OAuth2 resource-owner password grant: the access token. */
static int
oauth2_token(struct submit *s, svc_httpc *h, char **token)
{
	static const char *const hdr[] = {
		"Content-Type: application/x-www-form-urlencoded",
		"Accept: application/json", NULL };
	struct svc_http_resp resp;
	char err[256], *body = NULL, *u, *p, *ci, *cs;
	json_t *j;
	int r, st = EXIT_MALFORMED;

	u = form_escape(s->user);
	p = form_escape(s->pass);
	ci = form_escape(s->client);
	cs = form_escape(s->secret != NULL ? s->secret : "");
	if (u == NULL || p == NULL || ci == NULL || cs == NULL ||
	    asprintf(&body, "grant_type=password&username=%s&password=%s&"
	    "client_id=%s&client_secret=%s&scope=openid", u, p, ci, cs) < 0) {
		body = NULL;
		st = fail(EXIT_MALFORMED, "submit", "out of memory");
		goto out;
	}
	memset(&resp, 0, sizeof(resp));
	r = svc_httpc_request(h, "POST", s->token_url, hdr, body,
	    strlen(body), &resp, err, sizeof(err));
	if (r != SVC_HTTPC_OK) {
		st = fail(EXIT_MALFORMED, "submit", "token endpoint %s: %s",
		    s->token_url, err);
		goto out;
	}
	if (resp.status != 200 || (j = json_loadb((const char *)resp.body,
	    resp.body_len, 0, NULL)) == NULL) {
		st = fail(EXIT_REJECTED, "submit", "token endpoint %s: HTTP "
		    "%ld", s->token_url, resp.status);
		svc_http_resp_clear(&resp);
		goto out;
	}
	if (json_is_string(json_object_get(j, "access_token")) &&
	    (*token = strdup(json_string_value(json_object_get(j,
	    "access_token")))) != NULL)
		st = EXIT_OK;
	else
		st = fail(EXIT_REJECTED, "submit", "token endpoint %s: no "
		    "access_token", s->token_url);
	json_decref(j);
	svc_http_resp_clear(&resp);
 out:
	if (body != NULL) {
		ccakit_wipe(body, strlen(body));
		free(body);
	}
	if (p != NULL)
		ccakit_wipe(p, strlen(p));
	if (cs != NULL)
		ccakit_wipe(cs, strlen(cs));
	free(u);
	free(p);
	free(ci);
	free(cs);
	return st;
}

static int
make_auth(struct submit *s, svc_httpc *h)
{
	char *up = NULL, *b64, *tok = NULL;
	size_t n;
	int st;

	switch (s->auth) {
	case AUTH_BASIC:
		if (asprintf(&up, "%s:%s", s->user, s->pass) < 0)
			return fail(EXIT_MALFORMED, "submit", "out of memory");
		n = ccakit_b64_encoded_len(strlen(up), CCAKIT_B64_STD) + 1;
		if ((b64 = malloc(n)) == NULL ||
		    ccakit_b64_encode((const uint8_t *)up, strlen(up),
		    CCAKIT_B64_STD, b64, n) != CCAKIT_OK ||
		    asprintf(&s->auth_header, "Authorization: Basic %s",
		    b64) < 0) {
			s->auth_header = NULL;
			st = fail(EXIT_MALFORMED, "submit", "out of memory");
		} else
			st = EXIT_OK;
		ccakit_wipe(up, strlen(up));
		free(up);
		if (b64 != NULL)
			ccakit_wipe(b64, strlen(b64));
		free(b64);
		return st;
	case AUTH_OAUTH2:
		if ((st = oauth2_token(s, h, &tok)) != EXIT_OK)
			return st;
		if (asprintf(&s->auth_header, "Authorization: Bearer %s",
		    tok) < 0)
			s->auth_header = NULL;
		ccakit_wipe(tok, strlen(tok));
		free(tok);
		return s->auth_header != NULL ? EXIT_OK : fail(EXIT_MALFORMED,
		    "submit", "out of memory");
	case AUTH_BEARER:
		if (asprintf(&s->auth_header, "Authorization: Bearer %s",
		    s->token) < 0) {
			s->auth_header = NULL;
			return fail(EXIT_MALFORMED, "submit", "out of memory");
		}
		return EXIT_OK;
	default:
		return EXIT_OK;
	}
}

/* The verdict of a provisioning-session document. */
static int
session(const struct svc_http_resp *resp, char **status)
{
	json_t *j, *v;
	int st;

	*status = NULL;
	if ((j = json_loadb((const char *)resp->body, resp->body_len, 0,
	    NULL)) == NULL || !json_is_string(v = json_object_get(j,
	    "status"))) {
		json_decref(j);
		return fail(EXIT_MALFORMED, "submit", "the response is not a "
		    "provisioning session");
	}
	*status = strdup(json_string_value(v));
	if (strcmp(json_string_value(v), "failed") == 0) {
		v = json_object_get(j, "failure-reason");
		st = fail(EXIT_REJECTED, "submit", "submit CoRIM payload "
		    "failed reason: %s", json_is_string(v) ?
		    json_string_value(v) : "(none given)");
	} else
		st = EXIT_OK;
	json_decref(j);
	return st;
}

/* An HTTP error: its problem+json detail when it has one. */
static int
http_error(const struct svc_http_resp *resp)
{
	json_t *j;
	const char *t = NULL, *dt = NULL;
	int st;

	j = json_loadb((const char *)resp->body, resp->body_len, 0, NULL);
	if (j != NULL) {
		t = json_string_value(json_object_get(j, "title"));
		dt = json_string_value(json_object_get(j, "detail"));
	}
	st = fail(resp->status >= 400 && resp->status < 500 ? EXIT_REJECTED :
	    EXIT_MALFORMED, "submit", "HTTP %ld%s%s%s%s", resp->status,
	    t != NULL ? " " : "", t != NULL ? t : "", dt != NULL ? ": " : "",
	    dt != NULL ? dt : "");
	json_decref(j);
	return st;
}

static int
post(struct submit *s, svc_httpc *h, const uint8_t *body, size_t len)
{
	const char *hdr[4];
	struct svc_http_resp resp;
	char ct[512], err[256], *status = NULL, *loc = NULL;
	int r, st, n = 0, polls;

	if ((size_t)snprintf(ct, sizeof(ct), "Content-Type: %s", s->media) >=
	    sizeof(ct))
		return fail(EXIT_USAGE, "submit", "media type too long");
	hdr[n++] = ct;
	hdr[n++] = "Accept: " SESSION_TYPE;
	if (s->auth_header != NULL)
		hdr[n++] = s->auth_header;
	hdr[n] = NULL;
	memset(&resp, 0, sizeof(resp));
	if ((r = svc_httpc_request(h, "POST", s->url, hdr, body, len, &resp,
	    err, sizeof(err))) != SVC_HTTPC_OK)
		return fail(EXIT_MALFORMED, "submit", "%s: %s", s->url, err);
	if (resp.status == 200) {
		st = session(&resp, &status);
		svc_http_resp_clear(&resp);
		goto done;
	}
	if (resp.status != 201) {
		st = http_error(&resp);
		svc_http_resp_clear(&resp);
		return st;
	}
	/* 201 processing: poll the session until it is decided. */
	if (resp.location[0] == '\0' ||
	    (loc = svc_url_resolve(s->url, resp.location)) == NULL) {
		svc_http_resp_clear(&resp);
		return fail(EXIT_MALFORMED, "submit", "201 without a usable "
		    "Location");
	}
	st = session(&resp, &status);
	svc_http_resp_clear(&resp);
	hdr[0] = "Accept: " SESSION_TYPE;
	hdr[1] = s->auth_header;
	hdr[2] = NULL;
	for (polls = 0; st == EXIT_OK && status != NULL &&
	    strcmp(status, "processing") == 0 && polls < POLL_MAX; polls++) {
		sleep(1);
		free(status);
		status = NULL;
		memset(&resp, 0, sizeof(resp));
		if (svc_httpc_request(h, "GET", loc, hdr, NULL, 0, &resp, err,
		    sizeof(err)) != SVC_HTTPC_OK) {
			st = fail(EXIT_MALFORMED, "submit", "%s: %s", loc,
			    err);
			break;
		}
		st = resp.status == 200 ? session(&resp, &status) :
		    http_error(&resp);
		svc_http_resp_clear(&resp);
	}
	if (st == EXIT_OK && status != NULL &&
	    strcmp(status, "processing") == 0)
		st = fail(EXIT_MALFORMED, "submit", "still processing after "
		    "%d s", POLL_MAX);
	free(loc);
 done:
	if (st == EXIT_OK && (status == NULL ||
	    strcmp(status, "success") != 0))
		st = fail(EXIT_MALFORMED, "submit", "unexpected status \"%s\"",
		    status != NULL ? status : "");
	if (st == EXIT_OK)
		printf(">> \"%s\" submit ok\n", s->file);
	free(status);
	return st;
}

static char *
first_line(const char *path)
{
	uint8_t *buf;
	size_t len, i;

	if (cki_read_file(path, SMALL_FILE_MAX, &buf, &len) != CCAKIT_OK)
		return NULL;
	for (i = 0; i < len && buf[i] != '\n' && buf[i] != '\r'; i++)
		;
	buf[i] = '\0';
	return (char *)buf;
}

int
cmd_submit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "corim-file", required_argument, NULL, 'f' },
		{ "api-server", required_argument, NULL, 's' },
		{ "media-type", required_argument, NULL, 'm' },
		{ "auth", required_argument, NULL, 'a' },
		{ "username", required_argument, NULL, 'U' },
		{ "password", required_argument, NULL, 'P' },
		{ "password-file", required_argument, NULL, 1000 },
		{ "client-id", required_argument, NULL, 'C' },
		{ "client-secret", required_argument, NULL, 'S' },
		{ "token-url", required_argument, NULL, 'T' },
		{ "token", required_argument, NULL, 1001 },
		{ "token-file", required_argument, NULL, 1002 },
		{ "insecure", no_argument, NULL, 'i' },
		{ "ca-cert", required_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct svc_httpc_opts ho;
	struct submit s;
	svc_httpc *h = NULL;
	ccakit_corim *c = NULL;
	char *media = NULL, *pwfile = NULL, *tokfile = NULL;
	uint8_t *buf = NULL;
	size_t len;
	bool inited = false;
	int ch, st;

	memset(&s, 0, sizeof(s));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:s:m:a:U:P:C:S:T:iE:h", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'f':
			s.file = optarg;
			break;
		case 's':
			s.url = optarg;
			break;
		case 'm':
			s.media = optarg;
			break;
		case 'a':
			if (strcmp(optarg, "none") == 0 ||
			    strcmp(optarg, "passthrough") == 0)
				s.auth = AUTH_NONE;
			else if (strcmp(optarg, "basic") == 0)
				s.auth = AUTH_BASIC;
			else if (strcmp(optarg, "oauth2") == 0)
				s.auth = AUTH_OAUTH2;
			else if (strcmp(optarg, "bearer") == 0)
				s.auth = AUTH_BEARER;
			else {
				free(pwfile);
				free(tokfile);
				return usage_error("submit", "--auth: none, "
				    "passthrough, basic, oauth2 or bearer");
			}
			break;
		case 'U':
			s.user = optarg;
			break;
		case 'P':
			s.pass = optarg;
			break;
		case 1000:
			free(pwfile);
			if ((pwfile = first_line(optarg)) == NULL) {
				free(tokfile);
				return fail(EXIT_MALFORMED, "submit", "%s: "
				    "cannot read the password", optarg);
			}
			s.pass = pwfile;
			break;
		case 1001:
			s.token = optarg;
			break;
		case 1002:
			free(tokfile);
			if ((tokfile = first_line(optarg)) == NULL) {
				free(pwfile);
				return fail(EXIT_MALFORMED, "submit", "%s: "
				    "cannot read the token", optarg);
			}
			s.token = tokfile;
			break;
		case 'C':
			s.client = optarg;
			break;
		case 'S':
			s.secret = optarg;
			break;
		case 'T':
			s.token_url = optarg;
			break;
		case 'i':
			s.insecure = true;
			break;
		case 'E':
			if (s.cafile != NULL) {
				free(pwfile);
				free(tokfile);
				return usage_error("submit", "-E: one CA file "
				    "(concatenate several into one)");
			}
			s.cafile = optarg;
			break;
		case 'h':
			fputs(submit_help, stdout);
			free(pwfile);
			free(tokfile);
			return EXIT_OK;
		default:
			free(pwfile);
			free(tokfile);
			return usage_error("submit", "invalid option");
		}
	}
	st = EXIT_USAGE;
	if (s.pass == NULL)
		s.pass = getenv("COCLI_PASSWORD");
	if (s.secret == NULL)
		s.secret = getenv("COCLI_CLIENT_SECRET");
	if (s.token == NULL && s.auth == AUTH_BEARER)
		s.token = getenv("CORIM_TOKEN");
	if (optind != argc) {
		usage_error("submit", "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (s.file == NULL) {
		usage_error("submit", "no CoRIM input file supplied");
		goto out;
	}
	if (s.url == NULL) {
		usage_error("submit", "no API server supplied");
		goto out;
	}
	if (strncmp(s.url, "http://", 7) != 0 &&
	    strncmp(s.url, "https://", 8) != 0) {
		usage_error("submit", "malformed API server URL");
		goto out;
	}
	if (s.auth == AUTH_BEARER && (s.token == NULL || s.token[0] == '\0' ||
	    strpbrk(s.token, "\r\n") != NULL)) {
		usage_error("submit", "--auth bearer needs --token or "
		    "--token-file");
		goto out;
	}
	if (s.auth != AUTH_BEARER && s.token != NULL) {
		usage_error("submit", "--token goes with --auth bearer");
		goto out;
	}
	if (s.auth != AUTH_NONE && s.auth != AUTH_BEARER &&
	    (s.user == NULL || s.pass == NULL)) {
		usage_error("submit", "--auth %s needs --username and "
		    "--password", s.auth == AUTH_BASIC ? "basic" : "oauth2");
		goto out;
	}
	if (s.auth == AUTH_OAUTH2 && (s.client == NULL ||
	    s.token_url == NULL)) {
		usage_error("submit", "--auth oauth2 needs --client-id and "
		    "--token-url");
		goto out;
	}
	if ((st = read_input("submit", s.file, CCAKIT_CORIM_MAX_SIZE, &buf,
	    &len)) != EXIT_OK)
		goto out;
	if (s.media == NULL) {
		if ((st = load_corim("submit", s.file, &c)) != EXIT_OK)
			goto out;
		if ((media = default_media(c)) == NULL) {
			st = fail(EXIT_MALFORMED, "submit", "out of memory");
			goto out;
		}
		s.media = media;
	}
	memset(&ho, 0, sizeof(ho));
	ho.cafile = s.cafile;
	ho.insecure = s.insecure;
	ho.max_body = 256 * 1024;
	if (svc_httpc_global_init() != 0 || !(inited = true) ||
	    (h = svc_httpc_new(&ho)) == NULL) {
		st = fail(EXIT_MALFORMED, "submit", "cannot start the HTTP "
		    "client");
		goto out;
	}
	if ((st = make_auth(&s, h)) == EXIT_OK)
		st = post(&s, h, buf, len);
 out:
	svc_httpc_free(&h);
	if (inited)
		svc_httpc_global_cleanup();
	if (s.auth_header != NULL) {
		ccakit_wipe(s.auth_header, strlen(s.auth_header));
		free(s.auth_header);
	}
	if (pwfile != NULL) {
		ccakit_wipe(pwfile, strlen(pwfile));
		free(pwfile);
	}
	if (tokfile != NULL) {
		ccakit_wipe(tokfile, strlen(tokfile));
		free(tokfile);
	}
	free(media);
	free(buf);
	ccakit_corim_free(&c);
	return st;
}
