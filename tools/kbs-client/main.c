/*
 * kbs-client: Trustee's kbs-client command line (tools/kbs-client at
 * 78962cd) over ccakit's RCAR client (services/common/kbsc.c): attest,
 * get-resource and the admin `config` commands, with Trustee's output.
 * Its attester is configfs-tsm in a realm, the emulated realm, or
 * Trustee's sample TEE (--attester). See kbs-client(1).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ccakit/bytes.h>
#include <ccakit/jose.h>
#include <ccakit/tsm.h>
#include <ccakit/version.h>

#include "httpc.h"
#include "kbsc.h"
/* The resource policies shipped with kbs (services/kbs/policies/resource,
 * cmake/embed.cmake). */
#include "kbsc_policies.h"
#include "util/util.h"

#define PROG            "kbs-client"
#define EXIT_FAIL       1               /* the request failed */
#define EXIT_USAGE      2               /* the command line is wrong */
#define FILE_MAX        (16u * 1024 * 1024)
#define ADMIN_TOKEN_DOCKER "kbs/config/docker-compose/admin-token"

/* The global options. */
struct global {
	const char *url, *cert_file;
	const char *attester, *tsm_root, *claims, *cpak, *rak;
	enum ccakit_token_format format;
};

static int
usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n\nFor more information, try '--help'.\n");
	return EXIT_USAGE;
}

static int
fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "Error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAIL;
}

static void
usage(FILE *f)
{
	fprintf(f,
"A command line client tool for KBS APIs (Trustee's kbs-client, ccakit).\n"
"\n"
"Usage: " PROG " [OPTIONS] <COMMAND>\n"
"\n"
"Commands:\n"
"  config        Set and Config KBS\n"
"  get-resource  Get confidential resource\n"
"  attest        Attestation and get attestation results token\n"
"\n"
"Options:\n"
"      --url <URL>              the KBS server root URL\n"
"                               [default: http://127.0.0.1:8080]\n"
"      --cert-file <CERT_FILE>  the KBS HTTPS server's root certificate (PEM)\n"
"      --attester <KIND>        auto, tsm, emulated or sample [default: auto:\n"
"                               tsm when configfs-tsm is there, else sample]\n"
"      --tsm-root <DIR>         configfs-tsm reports\n"
"                               [default: /sys/kernel/config/tsm/report]\n"
"      --claims <FILE>          emulated realm: claims (JSON)\n"
"      --platform-key <PEM>     emulated realm: CPAK private key\n"
"      --realm-key <PEM>        emulated realm: RAK private key\n"
"      --format <399|907>       emulated realm: token format [default: 907]\n"
"  -h, --help                   Print help\n"
"  -V, --version                Print version\n"
"\n"
"attest [--tee-key-file <PEM>] [INIT_DATA]\n"
"    prints the attestation token\n"
"get-resource --path <REPO/TYPE/TAG> [--tee-key-file <PEM>]\n"
"             [--attestation-token <FILE>] [--plugin <NAME>] [INIT_DATA]\n"
"    prints the resource, base64\n"
"config [--admin-token-file <FILE>] <SUBCOMMAND>\n"
"    set-attestation-policy [--type rego] [--id default_cpu] --policy-file F\n"
"    set-resource-policy (--policy-file F | --allow-all | --deny-all |\n"
"                         --affirming | --default)\n"
"    set-resource --path <REPO/TYPE/TAG> --resource-file <FILE>\n"
"    delete-resource --path <REPO/TYPE/TAG>\n"
"    get-reference-value --id <ID>\n"
"    set-sample-reference-value <NAME> <VALUE> [--as-integer | --as-bool]\n"
"                               [--as-single-value]\n"
"Exit status: 0 success, 1 the request failed, 2 usage error.\n");
}

/* A whole file, NUL-terminated; NULL with a message on failure. */
static uint8_t *
read_all(const char *path, size_t *len)
{
	uint8_t *buf;
	int r;

	if ((r = cki_read_file(path, FILE_MAX, &buf, len)) != CCAKIT_OK) {
		fprintf(stderr, "Failed to read: %s\n", path);
		fprintf(stderr, "Error: %s: %s\n", path, r == CCAKIT_ERR_IO ?
		    strerror(errno) : ccakit_strerror(r));
		return NULL;
	}
	return buf;
}

/* A file's text with surrounding white space removed (tokens). */
static char *
read_trimmed(const char *path)
{
	size_t len, i = 0;
	uint8_t *buf;

	if ((buf = read_all(path, &len)) == NULL)
		return NULL;
	while (len > 0 && (buf[len - 1] == ' ' || buf[len - 1] == '\n' ||
	    buf[len - 1] == '\r' || buf[len - 1] == '\t'))
		len--;
	while (i < len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' ||
	    buf[i] == '\t'))
		i++;
	memmove(buf, buf + i, len - i);
	buf[len - i] = '\0';
	return (char *)buf;
}

static void
free_secret(void *p, size_t len)
{
	if (p != NULL) {
		ccakit_wipe(p, len);
		free(p);
	}
}

static void
print_b64(const uint8_t *p, size_t len)
{
	size_t n = ccakit_b64_encoded_len(len, CCAKIT_B64_STD) + 1;
	char *s;

	if ((s = malloc(n)) == NULL ||
	    ccakit_b64_encode(p, len, CCAKIT_B64_STD, s, n) != CCAKIT_OK) {
		free(s);
		fprintf(stderr, "Error: out of memory\n");
		exit(EXIT_FAIL);
	}
	printf("%s\n", s);
	free_secret(s, strlen(s));
}

static int
client_new(const struct global *g, kbsc **c)
{
	struct kbsc_opts o;
	struct ccakit_errdetail d;

	memset(&o, 0, sizeof(o));
	memset(&d, 0, sizeof(d));
	o.url = g->url;
	o.cafile = g->cert_file;
	if (kbsc_new(&o, c, &d) != CCAKIT_OK)
		return fail("%s", d.text);
	return 0;
}

/* --- the guest commands --- */

static int
tee_key(const char *file, ccakit_teekey **out)
{
	struct ccakit_errdetail d;
	ccakit_teekey *k;
	uint8_t *pem;
	size_t len;
	int r;

	memset(&d, 0, sizeof(d));
	if ((k = ccakit_teekey_new()) == NULL)
		return fail("out of memory");
	if (file == NULL) {
		/* guest-components' default: a fresh EC P-256 key. */
		if ((r = ccakit_teekey_generate(k, NULL)) != CCAKIT_OK) {
			ccakit_teekey_free(&k);
			return fail("TEE key: %s", ccakit_strerror(r));
		}
		*out = k;
		return 0;
	}
	if ((pem = read_all(file, &len)) == NULL) {
		ccakit_teekey_free(&k);
		return EXIT_FAIL;
	}
	r = ccakit_teekey_from_pem(k, (const char *)pem, len, 0, &d);
	free_secret(pem, len);
	if (r != CCAKIT_OK || !ccakit_teekey_has_private(k)) {
		ccakit_teekey_free(&k);
		return fail("%s: %s", file, r != CCAKIT_OK ? d.text :
		    "not a private key");
	}
	*out = k;
	return 0;
}

/* The attester the global options name. */
static int
attester_new(const struct global *g, struct kbsc_attester *a,
    ccakit_attester **ca)
{
	struct ccakit_errdetail d;
	const char *kind = g->attester;
	const char *root = g->tsm_root != NULL ? g->tsm_root :
	    CCAKIT_TSM_DEFAULT_ROOT;
	struct stat st;
	int r;

	memset(&d, 0, sizeof(d));
	memset(a, 0, sizeof(*a));
	*ca = NULL;
	if (strcmp(kind, "auto") == 0)
		kind = stat(root, &st) == 0 && S_ISDIR(st.st_mode) ? "tsm" :
		    "sample";
	if (strcmp(kind, "sample") == 0) {
		a->tee = RCAR_TEE_SAMPLE;
		a->evidence = kbsc_sample_evidence;
		return 0;
	}
	if ((*ca = ccakit_attester_new()) == NULL)
		return fail("out of memory");
	if (strcmp(kind, "tsm") == 0)
		r = ccakit_attester_init_tsm(*ca, root, &d);
	else
		r = ccakit_attester_init_emulated_files(*ca, g->claims, g->cpak,
		    g->rak, g->format, &d);
	if (r != CCAKIT_OK) {
		ccakit_attester_free(ca);
		return fail("%s attester: %s", kind, d.text[0] != '\0' ?
		    d.text : ccakit_strerror(r));
	}
	a->tee = RCAR_TEE_CCA;
	a->evidence = kbsc_cca_evidence;
	a->arg = *ca;
	return 0;
}

enum { OPT_TEE_KEY = 256, OPT_TOKEN, OPT_PATH, OPT_PLUGIN, OPT_HELP };

static int
cmd_guest(const struct global *g, bool get, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tee-key-file", required_argument, NULL, OPT_TEE_KEY },
		{ "attestation-token", required_argument, NULL, OPT_TOKEN },
		{ "path", required_argument, NULL, OPT_PATH },
		{ "plugin", required_argument, NULL, OPT_PLUGIN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *keyfile = NULL, *tokfile = NULL, *path = NULL;
	const char *plugin = "resource", *init = NULL;
	struct ccakit_errdetail d;
	struct kbsc_attester a;
	ccakit_attester *ca = NULL;
	ccakit_teekey *key = NULL;
	kbsc *c = NULL;
	char *token = NULL, *rpath = NULL;
	uint8_t *pt = NULL;
	size_t ptlen = 0, n;
	int o, r, rc;

	memset(&d, 0, sizeof(d));
	optind = 0;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case OPT_TEE_KEY: keyfile = optarg; break;
		case OPT_TOKEN:
			if (!get)
				return usage_error("unexpected argument "
				    "'--attestation-token'");
			tokfile = optarg;
			break;
		case OPT_PATH:
			if (!get)
				return usage_error("unexpected argument "
				    "'--path'");
			path = optarg;
			break;
		case OPT_PLUGIN:
			if (!get)
				return usage_error("unexpected argument "
				    "'--plugin'");
			plugin = optarg;
			break;
		case 'h': usage(stdout); return 0;
		default: return EXIT_USAGE;
		}
	}
	if (optind < argc)
		init = argv[optind++];
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (get && path == NULL)
		return usage_error("the following required arguments were not "
		    "provided:\n  --path <PATH>");
	if (get && (path[0] == '\0' || plugin[0] == '\0' ||
	    strchr(plugin, '/') != NULL))
		return usage_error("--path and --plugin must not be empty, "
		    "--plugin is one name");
	if (tokfile != NULL && keyfile == NULL)
		return fail("if `--attestation-token` is set, `--tee_key_file` "
		    "argument should also be set, and the public part of TEE "
		    "Key should be consistent with tee-pubkey in the token.");
	if ((rc = tee_key(keyfile, &key)) != 0)
		return rc;
	if (tokfile != NULL && (token = read_trimmed(tokfile)) == NULL) {
		rc = EXIT_FAIL;
		goto out;
	}
	if ((rc = client_new(g, &c)) != 0)
		goto out;
	if (token == NULL) {
		if ((rc = attester_new(g, &a, &ca)) != 0)
			goto out;
		if ((r = kbsc_attest(c, &a, key, init, &token, &d)) !=
		    CCAKIT_OK) {
			rc = fail("%s", d.text[0] != '\0' ? d.text :
			    ccakit_strerror(r));
			goto out;
		}
	}
	if (!get) {
		printf("%s\n", token);
		rc = 0;
		goto out;
	}
	n = strlen(plugin) + strlen(path) + 2;
	if ((rpath = malloc(n)) == NULL) {
		rc = fail("out of memory");
		goto out;
	}
	snprintf(rpath, n, "%s/%s", plugin, path[0] == '/' ? path + 1 : path);
	if ((r = kbsc_get_resource(c, rpath, tokfile != NULL ? token : NULL,
	    key, &pt, &ptlen, &d)) != CCAKIT_OK) {
		rc = fail("%s", d.text[0] != '\0' ? d.text : ccakit_strerror(r));
		goto out;
	}
	print_b64(pt, ptlen);
	rc = 0;
out:
	free_secret(pt, ptlen);
	free(rpath);
	if (token != NULL)
		free_secret(token, strlen(token));
	kbsc_free(&c);
	ccakit_attester_free(&ca);
	ccakit_teekey_free(&key);
	return rc;
}

/* --- config --- */

/* Trustee's resolution: the file given, the docker-compose file, then
 * ~/.trustee/admin-token, else anonymous requests. */
static int
admin_token(const char *file, char **out)
{
	char p[PATH_MAX];
	const char *home = getenv("HOME");
	struct stat st;

	*out = NULL;
	if (file != NULL)
		return (*out = read_trimmed(file)) == NULL ? EXIT_FAIL : 0;
	if (stat(ADMIN_TOKEN_DOCKER, &st) == 0)
		return (*out = read_trimmed(ADMIN_TOKEN_DOCKER)) == NULL ?
		    EXIT_FAIL : 0;
	if (home != NULL && (size_t)snprintf(p, sizeof(p),
	    "%s/.trustee/admin-token", home) < sizeof(p) && stat(p, &st) == 0)
		return (*out = read_trimmed(p)) == NULL ? EXIT_FAIL : 0;
	fprintf(stderr, "WARN: No admin token configured. Sending anonymous "
	    "admin requests; this only works when KBS admin "
	    "authorization_mode is InsecureAllowAll.\n");
	return 0;
}

/* Rust's {:?} of a string: quoted, with its escapes. */
static void
print_debug_string(FILE *f, const uint8_t *p, size_t len)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < len; i++) {
		switch (p[i]) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		case '\0': fputs("\\0", f); break;
		default:
			if (p[i] < 0x20 || p[i] == 0x7f)
				fprintf(f, "\\u{%x}", p[i]);
			else
				fputc(p[i], f);
		}
	}
	fputc('"', f);
}

/* An admin request; Trustee's message when it is refused. */
static int
admin_call(kbsc *c, const char *method, const char *path, const char *ctype,
    const void *body, size_t len, const char *token)
{
	struct ccakit_errdetail d;
	const struct kbsc_reply *rep;
	int r;

	memset(&d, 0, sizeof(d));
	if ((r = kbsc_request(c, method, path, ctype, body, len, token, &d)) ==
	    CCAKIT_OK)
		return 0;
	rep = kbsc_last(c);
	if (rep->status == 0)
		return fail("%s", d.text[0] != '\0' ? d.text :
		    ccakit_strerror(r));
	fprintf(stderr, "Error: Request Failed, Response: ");
	print_debug_string(stderr, rep->body, rep->body_len);
	fputc('\n', stderr);
	return EXIT_FAIL;
}

static char *
b64(const uint8_t *p, size_t len, enum ccakit_b64 v)
{
	size_t n = ccakit_b64_encoded_len(len, v) + 1;
	char *s;

	if ((s = malloc(n)) != NULL && ccakit_b64_encode(p, len, v, s, n) !=
	    CCAKIT_OK) {
		free(s);
		s = NULL;
	}
	return s;
}

/* POST a JSON value made with json_pack. */
static int
post_json(kbsc *c, const char *path, json_t *v, const char *token)
{
	char *s;
	int rc;

	if (v == NULL || (s = json_dumps(v, JSON_COMPACT)) == NULL) {
		json_decref(v);
		return fail("out of memory");
	}
	json_decref(v);
	rc = admin_call(c, "POST", path, "application/json", s, strlen(s),
	    token);
	free(s);
	return rc;
}

enum {
	OPT_TYPE = 300, OPT_ID, OPT_POLICY_FILE, OPT_ALLOW_ALL, OPT_DENY_ALL,
	OPT_AFFIRMING, OPT_DEFAULT, OPT_RESOURCE_FILE, OPT_RPATH,
	OPT_AS_INTEGER, OPT_AS_BOOL, OPT_AS_SINGLE, OPT_ADMIN_TOKEN,
};

static const struct option config_opts[] = {
	{ "type", required_argument, NULL, OPT_TYPE },
	{ "id", required_argument, NULL, OPT_ID },
	{ "policy-file", required_argument, NULL, OPT_POLICY_FILE },
	{ "allow-all", no_argument, NULL, OPT_ALLOW_ALL },
	{ "deny-all", no_argument, NULL, OPT_DENY_ALL },
	{ "affirming", no_argument, NULL, OPT_AFFIRMING },
	{ "default", no_argument, NULL, OPT_DEFAULT },
	{ "path", required_argument, NULL, OPT_RPATH },
	{ "resource-file", required_argument, NULL, OPT_RESOURCE_FILE },
	{ "as-integer", no_argument, NULL, OPT_AS_INTEGER },
	{ "as-bool", no_argument, NULL, OPT_AS_BOOL },
	{ "as-single-value", no_argument, NULL, OPT_AS_SINGLE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Which options each subcommand takes (bits of 1 << (opt - OPT_TYPE)). */
#define BIT(o) (1u << ((o) - OPT_TYPE))
static const struct {
	const char *name;
	unsigned opts;
} subcmds[] = {
	{ "set-attestation-policy", BIT(OPT_TYPE) | BIT(OPT_ID) |
	    BIT(OPT_POLICY_FILE) },
	{ "set-resource-policy", BIT(OPT_POLICY_FILE) | BIT(OPT_ALLOW_ALL) |
	    BIT(OPT_DENY_ALL) | BIT(OPT_AFFIRMING) | BIT(OPT_DEFAULT) },
	{ "set-resource", BIT(OPT_RPATH) | BIT(OPT_RESOURCE_FILE) },
	{ "delete-resource", BIT(OPT_RPATH) },
	{ "get-reference-value", BIT(OPT_ID) },
	{ "set-sample-reference-value", BIT(OPT_AS_INTEGER) | BIT(OPT_AS_BOOL) |
	    BIT(OPT_AS_SINGLE) },
};

struct cfg {
	const char *type, *id, *policy_file, *path, *resource_file;
	int builtin;                    /* OPT_ALLOW_ALL ... OPT_DEFAULT */
	bool as_integer, as_bool, as_single;
	const char *pos[2];
	int npos;
};

static int
set_attestation_policy(kbsc *c, const struct cfg *a, const char *tok)
{
	uint8_t *pol;
	size_t len;
	char *p64 = NULL, *s64 = NULL;
	int rc;

	if (a->policy_file == NULL)
		return usage_error("the following required arguments were not "
		    "provided:\n  --policy-file <POLICY_FILE>");
	if ((pol = read_all(a->policy_file, &len)) == NULL)
		return EXIT_FAIL;
	if (a->id == NULL)
		fprintf(stderr, "WARN: no policy_id set; using default_cpu\n");
	if ((p64 = b64(pol, len, CCAKIT_B64_URL)) == NULL ||
	    (s64 = b64(pol, len, CCAKIT_B64_STD)) == NULL)
		rc = fail("out of memory");
	else if ((rc = post_json(c, "attestation-policy",
	    json_pack("{s:s, s:s, s:s}", "type", a->type != NULL ? a->type :
	    "rego", "policy_id", a->id != NULL ? a->id : "default_cpu",
	    "policy", p64), tok)) == 0)
		printf("Set attestation policy success \n policy: %s\n", s64);
	free(p64);
	free(s64);
	free(pol);
	return rc;
}

static int
set_resource_policy(kbsc *c, const struct cfg *a, const char *tok)
{
	static const struct {
		int opt;
		const char *name;
	} builtins[] = {
		{ OPT_ALLOW_ALL, "allow_all" }, { OPT_DENY_ALL, "deny_all" },
		{ OPT_AFFIRMING, "affirming" }, { OPT_DEFAULT, "default" },
	};
	uint8_t *pol = NULL;
	const struct kbsc_policies_entry *e;
	const uint8_t *text = NULL;
	size_t len = 0, i;
	char *p64 = NULL, *s64 = NULL;
	int rc;

	if (a->policy_file != NULL) {
		if ((pol = read_all(a->policy_file, &len)) == NULL)
			return EXIT_FAIL;
		text = pol;
	} else {
		for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
			if (builtins[i].opt == a->builtin &&
			    (e = kbsc_policies_find(builtins[i].name)) !=
			    NULL) {
				text = (const uint8_t *)e->text;
				len = e->len;
			}
		if (text == NULL)
			return fail("No policy specified");
	}
	if ((p64 = b64(text, len, CCAKIT_B64_URL)) == NULL ||
	    (s64 = b64(text, len, CCAKIT_B64_STD)) == NULL)
		rc = fail("out of memory");
	else if ((rc = post_json(c, "resource-policy", json_pack("{s:s}",
	    "policy", p64), tok)) == 0)
		printf("Set resource policy success \n policy: %s\n", s64);
	free(p64);
	free(s64);
	free(pol);
	return rc;
}

/* "resource/<path>" for a --path. */
static char *
resource_path(const char *path)
{
	size_t n = strlen(path) + sizeof("resource/");
	char *s;

	if ((s = malloc(n)) != NULL)
		snprintf(s, n, "resource/%s", path[0] == '/' ? path + 1 : path);
	return s;
}

static int
set_resource(kbsc *c, const struct cfg *a, const char *tok)
{
	uint8_t *res;
	size_t len;
	char *s64 = NULL, *rp = NULL;
	int rc;

	if (a->path == NULL || a->resource_file == NULL)
		return usage_error("the following required arguments were not "
		    "provided:\n  --path <PATH>\n  --resource-file "
		    "<RESOURCE_FILE>");
	if ((res = read_all(a->resource_file, &len)) == NULL)
		return EXIT_FAIL;
	if ((rp = resource_path(a->path)) == NULL ||
	    (s64 = b64(res, len, CCAKIT_B64_STD)) == NULL)
		rc = fail("out of memory");
	else if ((rc = admin_call(c, "POST", rp, "application/octet-stream",
	    res, len, tok)) == 0)
		printf("Set resource success \n resource: %s\n", s64);
	if (s64 != NULL)
		free_secret(s64, strlen(s64));
	free(rp);
	free_secret(res, len);
	return rc;
}

static int
delete_resource(kbsc *c, const struct cfg *a, const char *tok)
{
	char *rp;
	int rc;

	if (a->path == NULL)
		return usage_error("the following required arguments were not "
		    "provided:\n  --path <PATH>");
	if ((rp = resource_path(a->path)) == NULL)
		return fail("out of memory");
	if ((rc = admin_call(c, "DELETE", rp, NULL, NULL, 0, tok)) == 0)
		printf("Delete resource success\n");
	free(rp);
	return rc;
}

static int
get_reference_value(kbsc *c, const struct cfg *a, const char *tok)
{
	const struct kbsc_reply *rep;
	size_t n;
	char *p;
	int rc;

	if (a->id == NULL)
		return usage_error("the following required arguments were not "
		    "provided:\n  --id <ID>");
	n = strlen(a->id) + sizeof("reference-value/");
	if ((p = malloc(n)) == NULL)
		return fail("out of memory");
	snprintf(p, n, "reference-value/%s", a->id);
	if ((rc = admin_call(c, "GET", p, "application/json", NULL, 0, tok)) ==
	    0) {
		rep = kbsc_last(c);
		print_debug_string(stdout, rep->body, rep->body_len);
		fputc('\n', stdout);
	}
	free(p);
	return rc;
}

static int
set_sample_reference_value(kbsc *c, const struct cfg *a, const char *tok)
{
	json_t *v, *payload;
	char *ps = NULL, *p64 = NULL, *end;
	long long iv;
	int rc;

	if (a->npos != 2)
		return usage_error("the following required arguments were not "
		    "provided:\n  <NAME>\n  <VALUE>");
	if (a->as_integer) {
		/* Rust's i32 parse: an optional sign and digits only. */
		errno = 0;
		iv = strtoll(a->pos[1], &end, 10);
		if (a->pos[1][0] == '\0' || a->pos[1][0] == ' ' || *end != '\0' ||
		    errno != 0 || iv < INT32_MIN || iv > INT32_MAX)
			return fail("invalid digit found in string");
		v = json_integer(iv);
	} else if (a->as_bool) {
		if (strcmp(a->pos[1], "true") != 0 &&
		    strcmp(a->pos[1], "false") != 0)
			return fail("provided string was not `true` or `false`");
		v = json_boolean(strcmp(a->pos[1], "true") == 0);
	} else {
		v = json_string(a->pos[1]);
	}
	if (v != NULL && !a->as_single)
		v = json_pack("[o]", v);
	if (v == NULL || (payload = json_pack("{s:o}", a->pos[0], v)) == NULL)
		return fail("out of memory (or a value that is not UTF-8)");
	ps = json_dumps(payload, JSON_COMPACT);
	json_decref(payload);
	if (ps == NULL || (p64 = b64((const uint8_t *)ps, strlen(ps),
	    CCAKIT_B64_STD)) == NULL)
		rc = fail("out of memory");
	else if ((rc = post_json(c, "reference-value", json_pack(
	    "{s:s, s:s, s:s}", "version", "0.1.0", "type", "sample",
	    "payload", p64), tok)) == 0)
		printf("Reference Values Updated\n");
	free(ps);
	free(p64);
	return rc;
}

static int
cmd_config(const struct global *g, int argc, char **argv)
{
	static const struct option top[] = {
		{ "admin-token-file", required_argument, NULL, OPT_ADMIN_TOKEN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *tokfile = NULL, *sub;
	struct cfg a;
	unsigned allowed = 0;
	char *tok = NULL;
	kbsc *c = NULL;
	size_t i, si = 0;
	int o, rc, nbuiltin = 0;

	memset(&a, 0, sizeof(a));
	optind = 0;
	while ((o = getopt_long(argc, argv, "+h", top, NULL)) != -1) {
		switch (o) {
		case OPT_ADMIN_TOKEN: tokfile = optarg; break;
		case 'h': usage(stdout); return 0;
		default: return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return usage_error("'" PROG " config' requires a subcommand");
	sub = argv[optind];
	for (i = 0; i < sizeof(subcmds) / sizeof(subcmds[0]); i++)
		if (strcmp(subcmds[i].name, sub) == 0) {
			allowed = subcmds[i].opts;
			si = i;
			break;
		}
	if (i == sizeof(subcmds) / sizeof(subcmds[0]))
		return usage_error("unrecognized subcommand '%s'", sub);
	argc -= optind;
	argv += optind;
	optind = 0;
	while ((o = getopt_long(argc, argv, "h", config_opts, NULL)) != -1) {
		if (o == 'h') {
			usage(stdout);
			return 0;
		}
		if (o < OPT_TYPE || o == '?' || (allowed & BIT(o)) == 0) {
			if (o >= OPT_TYPE)
				return usage_error("unexpected argument '%s' "
				    "for '%s'", argv[optind - 1], sub);
			return EXIT_USAGE;
		}
		switch (o) {
		case OPT_TYPE: a.type = optarg; break;
		case OPT_ID: a.id = optarg; break;
		case OPT_POLICY_FILE: a.policy_file = optarg; nbuiltin++; break;
		case OPT_ALLOW_ALL: case OPT_DENY_ALL: case OPT_AFFIRMING:
		case OPT_DEFAULT:
			a.builtin = o;
			nbuiltin++;
			break;
		case OPT_RPATH: a.path = optarg; break;
		case OPT_RESOURCE_FILE: a.resource_file = optarg; break;
		case OPT_AS_INTEGER: a.as_integer = true; break;
		case OPT_AS_BOOL: a.as_bool = true; break;
		case OPT_AS_SINGLE: a.as_single = true; break;
		default: break;
		}
	}
	while (optind < argc) {
		if (a.npos == 2 || strcmp(sub, "set-sample-reference-value") != 0)
			return usage_error("unexpected argument '%s'",
			    argv[optind]);
		a.pos[a.npos++] = argv[optind++];
	}
	if (nbuiltin > 1)
		return usage_error("the policy options --policy-file, "
		    "--allow-all, --deny-all, --affirming and --default "
		    "cannot be used with one another");
	if (a.as_integer && a.as_bool)
		return usage_error("--as-integer and --as-bool cannot be used "
		    "with one another");
	if ((rc = admin_token(tokfile, &tok)) != 0)
		return rc;
	if ((rc = client_new(g, &c)) != 0)
		goto out;
	switch (si) {
	case 0: rc = set_attestation_policy(c, &a, tok); break;
	case 1: rc = set_resource_policy(c, &a, tok); break;
	case 2: rc = set_resource(c, &a, tok); break;
	case 3: rc = delete_resource(c, &a, tok); break;
	case 4: rc = get_reference_value(c, &a, tok); break;
	default: rc = set_sample_reference_value(c, &a, tok); break;
	}
out:
	kbsc_free(&c);
	if (tok != NULL)
		free_secret(tok, strlen(tok));
	return rc;
}

enum {
	OPT_URL = 400, OPT_CERT, OPT_ATTESTER, OPT_TSM_ROOT, OPT_CLAIMS,
	OPT_CPAK, OPT_RAK, OPT_FORMAT,
};

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, OPT_URL },
		{ "cert-file", required_argument, NULL, OPT_CERT },
		{ "attester", required_argument, NULL, OPT_ATTESTER },
		{ "tsm-root", required_argument, NULL, OPT_TSM_ROOT },
		{ "claims", required_argument, NULL, OPT_CLAIMS },
		{ "platform-key", required_argument, NULL, OPT_CPAK },
		{ "realm-key", required_argument, NULL, OPT_RAK },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct global g;
	const char *cmd;
	int o, rc;

	memset(&g, 0, sizeof(g));
	g.url = KBSC_DEFAULT_URL;
	g.attester = "auto";
	g.format = CCAKIT_FORMAT_907;
	while ((o = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (o) {
		case OPT_URL: g.url = optarg; break;
		case OPT_CERT: g.cert_file = optarg; break;
		case OPT_ATTESTER:
			if (strcmp(optarg, "auto") != 0 &&
			    strcmp(optarg, "tsm") != 0 &&
			    strcmp(optarg, "emulated") != 0 &&
			    strcmp(optarg, "sample") != 0)
				return usage_error("--attester: auto, tsm, "
				    "emulated or sample, not '%s'", optarg);
			g.attester = optarg;
			break;
		case OPT_TSM_ROOT: g.tsm_root = optarg; break;
		case OPT_CLAIMS: g.claims = optarg; break;
		case OPT_CPAK: g.cpak = optarg; break;
		case OPT_RAK: g.rak = optarg; break;
		case OPT_FORMAT:
			if (strcmp(optarg, "399") == 0)
				g.format = CCAKIT_FORMAT_399;
			else if (strcmp(optarg, "907") == 0)
				g.format = CCAKIT_FORMAT_907;
			else
				return usage_error("--format: 399 or 907, not "
				    "'%s'", optarg);
			break;
		case 'h': usage(stdout); return 0;
		case 'V':
			printf(PROG " %s (ccakit)\n", CCAKIT_VERSION);
			return 0;
		default:
			fprintf(stderr, "\nFor more information, try "
			    "'--help'.\n");
			return EXIT_USAGE;
		}
	}
	if (strcmp(g.attester, "emulated") == 0 && (g.claims == NULL ||
	    g.cpak == NULL || g.rak == NULL))
		return usage_error("--attester emulated needs --claims, "
		    "--platform-key and --realm-key");
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	if (svc_httpc_global_init() != 0)
		return fail("cannot initialise libcurl");
	if (strcmp(cmd, "attest") == 0)
		rc = cmd_guest(&g, false, argc, argv);
	else if (strcmp(cmd, "get-resource") == 0)
		rc = cmd_guest(&g, true, argc, argv);
	else if (strcmp(cmd, "config") == 0)
		rc = cmd_config(&g, argc, argv);
	else
		rc = usage_error("unrecognized subcommand '%s'", cmd);
	svc_httpc_global_cleanup();
	return rc;
}
