/*
 * keybroker-server: releases a secret to a realm whose attestation is
 * good. The HTTP API, flags and wording of Veraison's keybroker demo,
 * with challenges in the state layer (a SQLite file, or PostgreSQL for
 * replicas), an embedded verifier by default, TLS and problem+json
 * errors. See keybroker-server(8).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ccakit/version.h>

#include "httpc.h"
#include "kbs.h"
#include "svcmain.h"
#include "util/util.h"

#define PROG "keybroker-server"

enum {
	OPT_VERIFIER = 256, OPT_VERIFIER_CA, OPT_DUMP, OPT_REFVALS, OPT_DB,
	OPT_SECRET, OPT_SECRETS_DIR, OPT_TA, OPT_RV, OPT_TLS_CERT,
	OPT_TLS_KEY, OPT_TTL, OPT_RSA1024, OPT_THREADS, OPT_PORT_FILE,
	OPT_WARNING_ONLY, OPT_IMAGES, OPT_POLICY, OPT_HELP,
};

static const struct option longopts[] = {
	{ "addr", required_argument, NULL, 'a' },
	{ "port", required_argument, NULL, 'p' },
	{ "endpoint", required_argument, NULL, 'e' },
	{ "verifier", required_argument, NULL, OPT_VERIFIER },
	{ "verifier-root-certificate", required_argument, NULL,
	    OPT_VERIFIER_CA },
	{ "mock-challenge", no_argument, NULL, 'm' },
	{ "dump-evidence-cbor", no_argument, NULL, OPT_DUMP },
	{ "verbose", no_argument, NULL, 'v' },
	{ "verbosity", no_argument, NULL, 'v' },        /* upstream's name */
	{ "quiet", no_argument, NULL, 'q' },
	{ "reference-values", required_argument, NULL, OPT_REFVALS },
	{ "db", required_argument, NULL, OPT_DB },
	{ "secret", required_argument, NULL, OPT_SECRET },
	{ "secrets-dir", required_argument, NULL, OPT_SECRETS_DIR },
	{ "trust-anchors", required_argument, NULL, OPT_TA },
	{ "rv", required_argument, NULL, OPT_RV },
	{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
	{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
	{ "challenge-ttl", required_argument, NULL, OPT_TTL },
	{ "allow-rsa-1024", no_argument, NULL, OPT_RSA1024 },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "port-file", required_argument, NULL, OPT_PORT_FILE },
	{ "realm-warning-only", no_argument, NULL, OPT_WARNING_ONLY },
	{ "images", required_argument, NULL, OPT_IMAGES },
	{ "policy", required_argument, NULL, OPT_POLICY },
	SVC_HTTP_LONGOPTS,
	SVC_PCACHE_LONGOPTS,
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: " PROG " [options]\n"
"  -a, --addr IP                 listen address (127.0.0.1)\n"
"  -p, --port N                  listen port (8088; 0: any free port)\n"
"  -e, --endpoint URL            Location prefix, the port is appended\n"
"                                (default http[s]://ADDR)\n"
"      --verifier URL            remote Veraison-compatible verifier\n"
"                                (default: the embedded verifier)\n"
"      --verifier-root-certificate PEM   extra trust root for it\n"
"  -m, --mock-challenge          hand out the demo token's fixed challenge\n"
"      --dump-evidence-cbor      write evidence-<id>.cbor in the cwd\n"
"      --reference-values FILE   approved RIMs {\"reference-values\":[...]}\n"
"      --trust-anchors FILE      platform trust anchors (ta.json)\n"
"      --rv FILE                 reference values (rv.json) for appraisal\n"
"      --secret NAME=FILE        a secret (repeatable)\n"
"      --secrets-dir DIR         every file of DIR is a secret\n"
"                                (without either: the demo's skywalker)\n"
"      --db FILE|URL             challenges: a SQLite file (default\n"
"                                $XDG_DATA_HOME/ccakit/keybroker.db;\n"
"                                deleted or replaced while in use: 503),\n"
"                                :memory:, or postgres://... (replicas)\n"
"      --challenge-ttl SECONDS   challenge lifetime (300)\n"
"      --allow-rsa-1024          accept 1024-bit wrapping keys (demo app)\n"
"      --policy FILE|builtin:NAME\n"
"                                release policy in Rego, data.arm_cca.allow\n"
"                                (builtin:default; builtin:strict: the realm\n"
"                                must be warning, as in the demo's policy)\n"
"      --realm-warning-only      same as --policy builtin:strict\n"
"      --images FILE             trusted images (sha256sum format): accept\n"
"                                evidence with an event log (dynamic RIM)\n"
"      --tls-cert PEM --tls-key PEM   serve HTTPS\n"
SVC_HTTP_USAGE
SVC_PCACHE_USAGE
"      --threads N               worker threads (number of CPUs; 8 times\n"
"                                that, at least 16, with --verifier)\n"
"      --port-file FILE          write the bound port there when ready\n"
"  -v, --verbose, --verbosity    more logging (repeatable)\n"
"  -q, --quiet                   errors only\n"
"  -V, --version                 print the version\n"
"  -h, --help                    this text\n"
"Files of --secret and --tls-key that group or others can read are used,\n"
"with a warning.\n");
}

#define die(...) svc_die(PROG, __VA_ARGS__)
/* In main(): say why, free what is held, exit 1 (rc). */
#define FAIL(...) do { die(__VA_ARGS__); goto free_state; } while (0)
#define TICK_S          2       /* housekeeping: the state layer's */
#define PURGE_TICKS     30      /* expired challenges, every minute */

static int
db_check(void *chs, struct ccakit_errdetail *d)
{
	return kbs_chstore_check(chs, d);
}

/* The challenges at --db, the state layer's pool: a connection for each
 * worker thread and one for housekeeping. */
static int
open_challenges(struct kbs *k, const char *db, unsigned long threads,
    unsigned long ttl)
{
	struct state_opts so = { .pool = (unsigned)threads + 1 };
	struct ccakit_errdetail d;
	char buf[PATH_MAX];
	int r;

	memset(&d, 0, sizeof(d));
	if (svc_db_resolve(PROG, db, "keybroker.db", buf, sizeof(buf), &db))
		return 1;
	if ((r = kbs_chstore_open(db, &so, &k->chs, &d)) != CCAKIT_OK)
		return die("%s: %s", state_is_url(db) ? "database" : db,
		    svc_detail_text(r, &d));
	if ((r = kbs_chstore_set_ttl(k->chs, (unsigned)ttl)) != CCAKIT_OK)
		return die("--challenge-ttl: %s", ccakit_strerror(r));
	svc_db_watch(state_where(kbs_chstore_db(k->chs)), db_check, k->chs);
	return 0;
}

static double
challenges(void *chs)
{
	size_t n;

	return kbs_chstore_count(chs, &n) == CCAKIT_OK ? (double)n : NAN;
}

/* The status page's summary (no secret: counts) and the store gauges. */
static void
ops_setup(const struct kbs *k, const char *db, unsigned long ttl,
    const char *policy)
{
	if (k->verifier_url != NULL)
		svc_ops_config_url("verifier", k->verifier_url);
	else
		svc_ops_config("verifier", "embedded");
	svc_ops_config("secrets", "%zu", kbs_secrets_count(k->secrets));
	svc_ops_config("reference values (RIMs)", "%zu%s", k->nrims,
	    k->nimages > 0 ? ", and those event logs prove (--images)" : "");
	svc_ops_config("trust anchors", "%zu", ccakit_ta_store_count(k->tas));
	svc_ops_config("release policy", "%s (Rego, data.arm_cca.allow)",
	    policy);
	svc_ops_config_url("challenge database", db);
	svc_ops_config("challenge lifetime", "%lu s%s", ttl, k->mock ?
	    " (mock challenge)" : "");
	svc_ops_store_gauge("challenges", challenges, k->chs);
}

int
main(int argc, char **argv)
{
	struct kbs k;
	struct svc_httpd_conf hc;
	struct svc_http_opts ho;
	struct svc_pcache_opts po;
	struct svc_httpd *httpd = NULL;
	struct ccakit_errdetail d;
	const char *addr = "127.0.0.1", *endpoint = NULL, *refvals = NULL;
	const char *db = NULL, *ta = NULL, *rv = NULL, *certf = NULL;
	const char *keyf = NULL, *port_file = NULL, *images = NULL;
	char err[256], *text = NULL, *cert = NULL;
	char *key = NULL;
	const char **specs = NULL;
	const char *policy = KBS_POLICY_DEFAULT;
	size_t nspecs = 0;
	unsigned long port = 8088, ttl = KBS_CHALLENGE_TTL_DEFAULT;
	unsigned long threads = 0;
	int verbosity = SVC_LOG_WARN, c, r, rc = 1, sig;
	bool have_secrets = false;
	size_t len, i, n, keylen = 0;
	sigset_t sigs;
	struct timespec tick = { TICK_S, 0 };
	unsigned ticks = 0;

	svc_json_wipe();
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	svc_http_opts_init(&ho);
	svc_pcache_opts_init(&po);
	pthread_mutex_init(&k.dyn_mu, NULL);
	if ((k.secrets = kbs_secrets_new()) == NULL ||
	    (specs = calloc((size_t)argc, sizeof(*specs))) == NULL ||
	    (k.refvals = kbs_refvals_new()) == NULL ||
	    (k.tas = ccakit_ta_store_new()) == NULL ||
	    (k.rvs = ccakit_rv_store_new()) == NULL)
		FAIL("out of memory");
	while ((c = getopt_long(argc, argv, "a:p:e:mvqVh", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'a':
			addr = optarg;
			break;
		case 'p':
			if (!svc_parse_uint(optarg, 65535, &port))
				FAIL("-p: not a port: %s", optarg);
			break;
		case 'e':
			endpoint = optarg;
			break;
		case OPT_VERIFIER:
			k.verifier_url = optarg;
			break;
		case OPT_VERIFIER_CA:
			k.verifier_ca = optarg;
			break;
		case 'm':
			k.mock = true;
			break;
		case OPT_DUMP:
			k.dump_evidence = true;
			break;
		case 'v':
			if (verbosity < SVC_LOG_TRACE)
				verbosity++;
			break;
		case 'q':
			verbosity = SVC_LOG_ERROR;
			break;
		case OPT_REFVALS:
			refvals = optarg;
			break;
		case OPT_DB:
			db = optarg;
			break;
		case OPT_SECRET:
			if ((r = kbs_secrets_load_spec(k.secrets, optarg,
			    &d)) != CCAKIT_OK)
				FAIL("--secret %s: %s", optarg,
				    svc_detail_text(r, &d));
			specs[nspecs++] = optarg;
			have_secrets = true;
			break;
		case OPT_SECRETS_DIR:
			if ((r = kbs_secrets_load_dir(k.secrets, optarg,
			    &d)) != CCAKIT_OK)
				FAIL("--secrets-dir %s: %s", optarg,
				    svc_detail_text(r, &d));
			have_secrets = true;
			break;
		case OPT_TA:
			ta = optarg;
			break;
		case OPT_RV:
			rv = optarg;
			break;
		case OPT_TLS_CERT:
			certf = optarg;
			break;
		case OPT_TLS_KEY:
			keyf = optarg;
			break;
		case OPT_TTL:
			if (!svc_parse_uint(optarg, KBS_CHALLENGE_TTL_MAX,
			    &ttl) || ttl == 0)
				FAIL("--challenge-ttl: 1..%d seconds",
				    KBS_CHALLENGE_TTL_MAX);
			break;
		case OPT_RSA1024:
			k.wrap_flags |= CCAKIT_WRAPKEY_ALLOW_1024;
			break;
		case OPT_THREADS:
			if (!svc_parse_uint(optarg, 256, &threads) ||
			    threads == 0)
				FAIL("--threads: 1..256");
			break;
		case OPT_PORT_FILE:
			port_file = optarg;
			break;
		case OPT_WARNING_ONLY:
			policy = KBS_POLICY_BUILTIN "strict";
			break;
		case OPT_POLICY:
			policy = optarg;
			break;
		case OPT_IMAGES:
			images = optarg;
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			rc = 0;
			goto free_state;
		case 'V':
			printf(PROG " %s\n", CCAKIT_VERSION);
			rc = 0;
			goto free_state;
		default:
			if ((r = svc_http_opt(PROG, &ho, c, optarg)) < 0)
				r = svc_pcache_opt(PROG, &po, c, optarg);
			if (r == 0)
				break;
			if (r < 0)
				usage(stderr);
			goto free_state;
		}
	}
	if (optind != argc) {
		usage(stderr);
		goto free_state;
	}
	svc_log_init(PROG, verbosity);
	if ((certf == NULL) != (keyf == NULL))
		FAIL("--tls-cert and --tls-key go together");
	/* Loaded already (NAME=FILE, checked): warn of loose modes now that
	 * the log is set up. */
	for (i = 0; i < nspecs; i++)
		svc_warn_secret_mode("--secret", strchr(specs[i], '=') + 1);
	if (ho.tls_priorities != NULL && certf == NULL)
		FAIL("--tls-priorities needs --tls-cert and --tls-key");

	/* Secrets: the demo's skywalker unless some were given. */
	if (!have_secrets && (r = kbs_secrets_add_demo(k.secrets)) !=
	    CCAKIT_OK)
		FAIL("demo secret: %s", ccakit_strerror(r));
	/* Approved RIMs (the demo's file, read once). */
	if (refvals != NULL) {
		if (svc_read_text(PROG, refvals, KBS_REFVALS_MAX_JSON, &text,
		    &len))
			goto out;
		r = kbs_refvals_load_json(k.refvals, text, len, &d);
		free(text);
		text = NULL;
		if (r != CCAKIT_OK) {
			die("%s: %s", refvals, svc_detail_text(r, &d));
			goto out;
		}
	}
	n = kbs_refvals_count(k.refvals);
	if (n > 0 && (k.rims = calloc(n, sizeof(*k.rims))) == NULL) {
		die("out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		k.rims[i].ptr = kbs_refvals_get(k.refvals, i,
		    &k.rims[i].len);
	k.nrims = n;
	/* The release policy, compiled once. */
	if (kbs_policy_setup(&k, PROG, policy))
		goto out;
	/* Trust anchors and reference values of the embedded verifier. */
	if (ta != NULL) {
		if (svc_read_text(PROG, ta, CCAKIT_STORE_MAX_JSON, &text,
		    &len))
			goto out;
		r = ccakit_ta_store_load_json(k.tas, text, len, &d);
		free(text);
		text = NULL;
		if (r != CCAKIT_OK) {
			die("%s: %s", ta, svc_detail_text(r, &d));
			goto out;
		}
	} else if (k.mock && k.verifier_url == NULL) {
		if ((r = ccakit_ta_store_load_json(k.tas, kbs_mock_ta_json,
		    strlen(kbs_mock_ta_json), &d)) != CCAKIT_OK) {
			die("mock trust anchor: %s", svc_detail_text(r, &d));
			goto out;
		}
	}
	if (rv != NULL) {
		if (svc_read_text(PROG, rv, CCAKIT_STORE_MAX_JSON, &text,
		    &len))
			goto out;
		r = ccakit_rv_store_load_json(k.rvs, text, len, &d);
		free(text);
		text = NULL;
		if (r != CCAKIT_OK) {
			die("%s: %s", rv, svc_detail_text(r, &d));
			goto out;
		}
	}
	if (svc_pcache_new(PROG, &po, &k.pcache))
		goto out;
	/* Trusted images of the event-log replay (dynamic RIM). */
	if (images != NULL) {
		char *dir, *slash;

		if (svc_read_text(PROG, images, 1024 * 1024, &text, &len))
			goto out;
		if ((dir = strdup(images)) == NULL) {
			die("out of memory");
			goto out;
		}
		if ((slash = strrchr(dir, '/')) != NULL)
			*slash = '\0';
		r = kbs_parse_images(text, len, slash != NULL ? dir : ".",
		    &k.images, &k.nimages, err, sizeof(err));
		free(dir);
		free(text);
		text = NULL;
		if (r != 0) {
			die("%s: %s", images, err);
			goto out;
		}
	}
	if (threads == 0) {
		/* CPU-bound with the embedded verifier; waiting on the
		 * network with a remote one. */
		threads = svc_ncpus();
		if (k.verifier_url != NULL)
			threads = threads * 8 < 16 ? 16 : threads * 8;
	}
	if (open_challenges(&k, db, threads, ttl))
		goto out;
	if (svc_read_tls(PROG, certf, keyf, &cert, &key, &keylen))
		goto out;

	if (k.verifier_url == NULL && ccakit_ta_store_count(k.tas) == 0)
		svc_warn("no trust anchors (--trust-anchors): all evidence "
		    "will be refused");
	if (k.nrims == 0)
		svc_warn("no reference values (--reference-values): no key "
		    "will be released");
	if (k.verifier_url != NULL && svc_httpc_global_init() != 0) {
		die("libcurl initialisation failed");
		goto out;
	}

	/* Block the signals before the pool threads inherit the mask. */
	svc_block_signals(&sigs);
	memset(&hc, 0, sizeof(hc));
	hc.addr = addr;
	hc.port = (uint16_t)port;
	hc.threads = (unsigned)threads;
	if (svc_http_conf(PROG, &ho, &hc))
		goto out;
	hc.tls_cert_pem = cert;
	hc.tls_key_pem = key;
	hc.routes = kbs_routes;
	hc.nroutes = kbs_nroutes;
	hc.arg = &k;
	ops_setup(&k, state_where(kbs_chstore_db(k.chs)), ttl, policy);
	if (svc_ops_serve(PROG, &ho.ops, &hc, &httpd, err, sizeof(err)) != 0) {
		die("%s", err);
		goto out;
	}
	port = svc_httpd_port(httpd);
	if (endpoint != NULL)
		snprintf(k.endpoint, sizeof(k.endpoint), "%s:%lu", endpoint,
		    port);
	else
		snprintf(k.endpoint, sizeof(k.endpoint), "%s://%s%s%s:%lu",
		    cert != NULL ? "https" : "http",
		    strchr(addr, ':') != NULL ? "[" : "", addr,
		    strchr(addr, ':') != NULL ? "]" : "", port);
	svc_log(verbosity >= SVC_LOG_INFO ? SVC_LOG_INFO : SVC_LOG_DEBUG,
	    "listening on %s (%s verifier, %zu secret(s), %zu reference "
	    "value(s), challenges in %s)", k.endpoint,
	    k.verifier_url != NULL ? k.verifier_url : "embedded",
	    kbs_secrets_count(k.secrets), k.nrims,
	    state_where(kbs_chstore_db(k.chs)));
	if (port_file != NULL && svc_write_port_file(port_file,
	    (uint16_t)port) != 0) {
		die("%s: %s", port_file, strerror(errno));
		goto out;
	}
	for (;;) {
		sig = sigtimedwait(&sigs, NULL, &tick);
		if (sig > 0)
			break;
		if (svc_db_lost())
			continue;
		memset(&d, 0, sizeof(d));
		if ((r = state_housekeep(kbs_chstore_db(k.chs), &d)) !=
		    CCAKIT_OK)
			svc_warn("database: %s", svc_detail_text(r, &d));
		if (++ticks % PURGE_TICKS == 0 && kbs_chstore_purge(k.chs, &n,
		    NULL) == CCAKIT_OK && n > 0)
			svc_debug("purged %zu expired challenge(s)", n);
	}
	svc_log(verbosity >= SVC_LOG_INFO ? SVC_LOG_INFO : SVC_LOG_DEBUG,
	    "signal %d: stopping", sig);
	rc = 0;
out:
	svc_ops_stop(&httpd);
	if (port_file != NULL && rc == 0)
		unlink(port_file);
free_state:
	svc_pcache_done(&po, &k.pcache);
	kbs_chstore_free(&k.chs);
	kbs_secrets_free(&k.secrets);
	free(k.rims);
	kbs_refvals_free(&k.refvals);
	ccakit_ta_store_free(&k.tas);
	ccakit_rv_store_free(&k.rvs);
	kbs_policy_free(&k.policy);
	kbs_policy_data_free(&k.policy_data);
	kbs_images_free(k.images, k.nimages);
	free(k.dyn);
	pthread_mutex_destroy(&k.dyn_mu);
	svc_free_secret(key, keylen);
	free(cert);
	free(specs);
	return rc;
}
