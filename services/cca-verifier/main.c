/*
 * cca-verifier: a Veraison-compatible verification service for Arm CCA
 * that signs EAR attestation results. One binary, and its state in one
 * SQLite file, or in PostgreSQL shared by any number of replicas. See
 * cca-verifier(8), docs/verifier.md and docs/deployment.md.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cvs.h"
#include "svcmain.h"
#include "util/util.h"

#define PURGE_GRACE_S   60      /* expired sessions say so for a minute */
#define TICK_MS         500     /* provisioning elsewhere: in use in 1 s */
#define HOUSEKEEP_TICKS 4       /* checkpoint, purge: every 2 s */

enum {
	OPT_DB = 256, OPT_EAR_KEY, OPT_TA, OPT_RV, OPT_TOKEN, OPT_TOKEN_FILE,
	OPT_TTL, OPT_NONCE_ENC, OPT_TLS_CERT, OPT_TLS_KEY, OPT_THREADS,
	OPT_PORT_FILE, OPT_HELP,
};

static const struct option longopts[] = {
	{ "addr", required_argument, NULL, 'a' },
	{ "port", required_argument, NULL, 'p' },
	{ "db", required_argument, NULL, OPT_DB },
	{ "ear-key", required_argument, NULL, OPT_EAR_KEY },
	{ "trust-anchors", required_argument, NULL, OPT_TA },
	{ "reference-values", required_argument, NULL, OPT_RV },
	{ "provisioning-token", required_argument, NULL, OPT_TOKEN },
	{ "provisioning-token-file", required_argument, NULL,
	    OPT_TOKEN_FILE },
	{ "session-ttl", required_argument, NULL, OPT_TTL },
	{ "nonce-encoding", required_argument, NULL, OPT_NONCE_ENC },
	{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
	{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "port-file", required_argument, NULL, OPT_PORT_FILE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	SVC_HTTP_LONGOPTS,
	CVS_CORIM_LONGOPTS,
	SVC_PCACHE_LONGOPTS,
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: " CVS_PROG " [options]\n"
"  -a, --addr IP                 listen address (127.0.0.1)\n"
"  -p, --port N                  listen port (8080; 0: any free port)\n"
"      --db FILE|URL             database: a SQLite file (kept mode 0600;\n"
"                                default $XDG_DATA_HOME/ccakit/\n"
"                                cca-verifier.db; deleted or replaced while\n"
"                                in use: 503), :memory:, or postgres://...\n"
"                                (replicas share sessions, provisioning\n"
"                                and the EAR key)\n"
"      --ear-key FILE            EAR signing key, PEM or JWK (default: a\n"
"                                P-256 key generated once, kept in the db)\n"
"      --trust-anchors FILE      provision trust anchors (ta.json) at start\n"
"      --reference-values FILE   provision reference values (rv.json)\n"
"      --provisioning-token TOKEN       bearer token of the provisioning\n"
"      --provisioning-token-file FILE   API (without: API disabled)\n"
CVS_CORIM_USAGE
"      --session-ttl SECONDS     session lifetime (150)\n"
"      --nonce-encoding ENC      session nonce: std (default), url,\n"
"                                url-nopad\n"
"      --tls-cert PEM --tls-key PEM   serve HTTPS\n"
SVC_HTTP_USAGE
SVC_PCACHE_USAGE
"      --threads N               worker threads (number of CPUs)\n"
"      --port-file FILE          write the bound port there when ready\n"
"  -v, --verbose                 more logging (repeatable)\n"
"  -q, --quiet                   errors only\n"
"  -V, --version                 print the version\n"
"      --help                    this text\n"
"Files of --ear-key, --provisioning-token-file and --tls-key that group or\n"
"others can read are used, with a warning.\n");
}

#define die(...) svc_die(CVS_PROG, __VA_ARGS__)

static int
db_check(void *db, struct ccakit_errdetail *d)
{
	return vdb_check(db, d);
}

static double
sessions(void *db)
{
	size_t n;

	return vdb_session_count(db, &n) == CCAKIT_OK ? (double)n : NAN;
}

static double
store_count(vdb *db, bool ta)
{
	const struct vdb_stores *st = vdb_stores_get(db);
	double n = (double)(ta ? ccakit_ta_store_count(st->tas) :
	    ccakit_rv_store_platform_count(st->rvs) +
	    ccakit_rv_store_realm_count(st->rvs));

	vdb_stores_put(db, &st);
	return n;
}

static double
trust_anchors(void *db)
{
	return store_count(db, true);
}

static double
reference_values(void *db)
{
	return store_count(db, false);
}

/* The status page's summary (no secret) and the store gauges. */
static void
ops_setup(const struct cvs *v, const char *db, const char *ear_key)
{
	svc_ops_config_url("database", db);
	svc_ops_config("EAR signing key", "%s, %s", ear_key != NULL ?
	    "--ear-key" : "kept in the database",
	    v->ear_alg == CCAKIT_COSE_ES256 ? "ES256" :
	    v->ear_alg == CCAKIT_COSE_ES384 ? "ES384" : "ES512");
	svc_ops_config("session lifetime", "%u s", v->ttl);
	svc_ops_config("provisioning API", "%s", v->prov_enabled ?
	    "enabled (bearer token)" : "disabled");
	svc_ops_store_gauge("sessions", sessions, v->db);
	svc_ops_store_gauge("trust_anchors", trust_anchors, v->db);
	svc_ops_store_gauge("reference_values", reference_values, v->db);
}

/* Provision a store file at start (added to the database, idempotent). */
static int
provision_file(struct cvs *v, enum vdb_class cls, const char *path)
{
	struct vdb_batch b;
	struct ccakit_errdetail d;
	size_t len, added = 0;
	char *text = NULL;
	int r, rc = 1;

	memset(&b, 0, sizeof(b));
	memset(&d, 0, sizeof(d));
	if (svc_read_text(CVS_PROG, path, CCAKIT_STORE_MAX_JSON, &text,
	    &len))
		return 1;
	if ((r = vdb_batch_parse(cls, text, len, &b, &d)) != CCAKIT_OK ||
	    (r = vdb_prov_add(v->db, &b, &added, &d)) != CCAKIT_OK) {
		die("%s: %s", path, svc_detail_text(r, &d));
		goto out;
	}
	svc_info("%s: %zu entr%s, %zu new", path, b.n, b.n == 1 ? "y" : "ies",
	    added);
	rc = 0;
out:
	vdb_batch_clear(&b);
	free(text);
	return rc;
}

/* The provisioning token from a flag or a file (first line). */
static int
set_token(struct cvs *v, const char *tok, const char *file)
{
	char *text = NULL;
	size_t len = 0;
	int rc = 1;

	if (file != NULL) {
		svc_warn_secret_mode("--provisioning-token-file", file);
		if (svc_read_text(CVS_PROG, file, CVS_PROV_TOKEN_MAX + 2,
		    &text, &len))
			return 1;
		len = strcspn(text, "\r\n");
		tok = text;
	} else {
		len = strlen(tok);
	}
	if (len == 0 || len > CVS_PROV_TOKEN_MAX) {
		die("the provisioning token must be 1 to %d characters",
		    CVS_PROV_TOKEN_MAX);
		goto out;
	}
	if (len < 16)
		svc_warn("the provisioning token is short (%zu characters)",
		    len);
	if (cvs_token_hash(tok, len, v->prov_hash) != 0) {
		die("cannot hash the provisioning token");
		goto out;
	}
	v->prov_enabled = true;
	rc = 0;
out:
	svc_free_secret(text, len);
	return rc;
}

/* The EAR key: --ear-key (PEM or JWK), else the one kept in the db. */
static int
load_ear_key(struct cvs *v, const char *path)
{
	struct ccakit_errdetail d;
	char *text = NULL;
	size_t len = 0;
	int r, rc = 1;

	memset(&d, 0, sizeof(d));
	if (path != NULL) {
		svc_warn_secret_mode("--ear-key", path);
		if (svc_read_text(CVS_PROG, path, CCAKIT_JWK_MAX_LEN, &text,
		    &len))
			return 1;
	} else if ((r = vdb_ear_key(v->db, &text, &len, &d)) != CCAKIT_OK) {
		return die("EAR key in the database: %s",
		    svc_detail_text(r, &d));
	}
	if ((v->ear_key = ccakit_key_new()) == NULL ||
	    (r = ccakit_key_from_text(v->ear_key, text, len)) != CCAKIT_OK) {
		die("%s: not an EC key", path != NULL ? path : "EAR key");
		goto out;
	}
	if (!ccakit_key_has_private(v->ear_key)) {
		die("%s: a private key is needed", path != NULL ? path :
		    "EAR key");
		goto out;
	}
	if ((v->ear_alg = ccakit_key_pinned_alg(v->ear_key)) == 0)
		v->ear_alg = ccakit_key_default_alg(v->ear_key);
	if (v->ear_alg != CCAKIT_COSE_ES256)
		svc_warn("EAR key is not P-256: clients that pin ES256 (the "
		    "keybroker demo) will refuse the results");
	if ((r = ccakit_jwk_from_key(v->ear_key, v->ear_alg, &v->ear_jwk)) !=
	    CCAKIT_OK) {
		die("EAR key: %s", ccakit_strerror(r));
		goto out;
	}
	rc = 0;
out:
	svc_free_secret(text, len);
	return rc;
}

int
main(int argc, char **argv)
{
	struct cvs v;
	struct svc_httpd_conf hc;
	struct svc_http_opts ho;
	struct svc_pcache_opts po;
	struct svc_httpd *httpd = NULL;
	struct ccakit_errdetail d;
	const char *addr = "127.0.0.1", *db = NULL, *ear_key = NULL;
	const char *ta = NULL, *rv = NULL, *tok = NULL, *tok_file = NULL;
	const char *certf = NULL, *keyf = NULL, *port_file = NULL;
	struct state_opts so;
	char dbbuf[PATH_MAX], err[256], *cert = NULL, *key = NULL;
	unsigned long port = 8080, ttl = SVC_V_SESSION_TTL, threads = 0;
	int verbosity = SVC_LOG_WARN, c, r, rc = 1, sig = 0, enc;
	size_t n, keylen = 0;
	sigset_t sigs;
	struct timespec tick = { 0, TICK_MS * 1000000L };
	unsigned ticks = 0;
	bool changed, refresh_failed = false;

	svc_json_wipe();
	memset(&v, 0, sizeof(v));
	memset(&d, 0, sizeof(d));
	svc_http_opts_init(&ho);
	svc_pcache_opts_init(&po);
	while ((c = getopt_long(argc, argv, "a:p:vqV", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'a':
			addr = optarg;
			break;
		case 'p':
			if (!svc_parse_uint(optarg, 65535, &port))
				return die("-p: not a port: %s", optarg);
			break;
		case OPT_DB:
			db = optarg;
			break;
		case OPT_EAR_KEY:
			ear_key = optarg;
			break;
		case OPT_TA:
			ta = optarg;
			break;
		case OPT_RV:
			rv = optarg;
			break;
		case OPT_TOKEN:
			tok = optarg;
			break;
		case OPT_TOKEN_FILE:
			tok_file = optarg;
			break;
		case OPT_TTL:
			if (!svc_parse_uint(optarg, 86400, &ttl) || ttl == 0)
				return die("--session-ttl: 1..86400 seconds");
			break;
		case OPT_NONCE_ENC:
			if ((enc = svc_v_nonce_enc_from_name(optarg)) < 0)
				return die("--nonce-encoding: std, url or "
				    "url-nopad");
			v.nonce_enc = (enum svc_v_nonce_enc)enc;
			break;
		case OPT_TLS_CERT:
			certf = optarg;
			break;
		case OPT_TLS_KEY:
			keyf = optarg;
			break;
		case OPT_THREADS:
			if (!svc_parse_uint(optarg, 256, &threads) ||
			    threads == 0)
				return die("--threads: 1..256");
			break;
		case OPT_PORT_FILE:
			port_file = optarg;
			break;
		case 'v':
			if (verbosity < SVC_LOG_TRACE)
				verbosity++;
			break;
		case 'q':
			verbosity = SVC_LOG_ERROR;
			break;
		case OPT_HELP:
			usage(stdout);
			return 0;
		case 'V':
			printf(CVS_PROG " %s\n", CCAKIT_VERSION);
			return 0;
		default:
			if ((r = cvs_corim_opt(&v, c, optarg)) > 0)
				break;
			if (r == 0) {
				if ((r = svc_http_opt(CVS_PROG, &ho, c,
				    optarg)) < 0)
					r = svc_pcache_opt(CVS_PROG, &po, c,
					    optarg);
				if (r == 0)
					break;
				if (r < 0)
					usage(stderr);
			}
			/* What the CoRIM options made so far. */
			cvs_corim_free(&v);
			return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		cvs_corim_free(&v);
		return 1;
	}
	svc_log_init(CVS_PROG, verbosity);
	if ((certf == NULL) != (keyf == NULL)) {
		die("--tls-cert and --tls-key go together");
		goto out;
	}
	if (ho.tls_priorities != NULL && certf == NULL) {
		die("--tls-priorities needs --tls-cert and --tls-key");
		goto out;
	}
	if (tok != NULL && tok_file != NULL) {
		die("--provisioning-token and --provisioning-token-file are "
		    "mutually exclusive");
		goto out;
	}
	v.ttl = (unsigned)ttl;
	snprintf(v.version, sizeof(v.version), "ccakit-%s", CCAKIT_VERSION);
	if ((tok != NULL || tok_file != NULL) && set_token(&v, tok, tok_file))
		goto out;
	if (cvs_corim_init(&v))
		goto out;

	/* The state layer's pool: a connection per worker, one for the
	 * housekeeping here. */
	if (threads == 0)
		threads = svc_ncpus();
	memset(&so, 0, sizeof(so));
	so.pool = (unsigned)threads + 1;
	if (svc_db_resolve(CVS_PROG, db, "cca-verifier.db", dbbuf,
	    sizeof(dbbuf), &db))
		goto out;
	if ((r = vdb_open(db, &so, &v.db, &d)) != CCAKIT_OK) {
		die("%s: %s", state_is_url(db) ? "database" : db,
		    svc_detail_text(r, &d));
		goto out;
	}
	db = state_where(vdb_state(v.db));
	if (vdb_fixed_mode(v.db) != 0)
		svc_warn("database %s: mode 0%03o let group or others in (it "
		    "holds the EAR signing key): changed to 0600", db,
		    vdb_fixed_mode(v.db));
	svc_db_watch(db, db_check, v.db);
	if (load_ear_key(&v, ear_key))
		goto out;
	if ((ta != NULL && provision_file(&v, VDB_TA, ta)) ||
	    (rv != NULL && provision_file(&v, VDB_RV, rv)))
		goto out;
	if (svc_read_tls(CVS_PROG, certf, keyf, &cert, &key, &keylen) ||
	    svc_pcache_new(CVS_PROG, &po, &v.pcache))
		goto out;
	{
		const struct vdb_stores *st = vdb_stores_get(v.db);

		if (ccakit_ta_store_count(st->tas) == 0)
			svc_warn("no trust anchors: every EAR will be "
			    "contraindicated until some are provisioned");
		vdb_stores_put(v.db, &st);
	}

	/* Block the signals before the pool threads inherit the mask. */
	svc_block_signals(&sigs);
	memset(&hc, 0, sizeof(hc));
	hc.addr = addr;
	hc.port = (uint16_t)port;
	hc.threads = (unsigned)threads;
	if (svc_http_conf(CVS_PROG, &ho, &hc))
		goto out;
	hc.tls_cert_pem = cert;
	hc.tls_key_pem = key;
	hc.routes = cvs_routes;
	hc.nroutes = cvs_nroutes;
	hc.arg = &v;
	ops_setup(&v, db, ear_key);
	if (svc_ops_serve(CVS_PROG, &ho.ops, &hc, &httpd, err,
	    sizeof(err)) != 0) {
		die("%s", err);
		goto out;
	}
	port = svc_httpd_port(httpd);
	svc_log(verbosity >= SVC_LOG_INFO ? SVC_LOG_INFO : SVC_LOG_DEBUG,
	    "listening on %s://%s%s%s:%lu (database %s, sessions %us, "
	    "provisioning %s, CoRIM submission %s)",
	    cert != NULL ? "https" : "http",
	    strchr(addr, ':') != NULL ? "[" : "", addr,
	    strchr(addr, ':') != NULL ? "]" : "", port, db, v.ttl,
	    v.prov_enabled ? "enabled" : "disabled", cvs_corim_auth_name(&v));
	if (port_file != NULL && svc_write_port_file(port_file,
	    (uint16_t)port) != 0) {
		die("%s: %s", port_file, strerror(errno));
		goto out;
	}
	for (;;) {
		sig = sigtimedwait(&sigs, NULL, &tick);
		if (sig > 0)
			break;
		memset(&d, 0, sizeof(d));
		/* Said once when it starts failing, and when it mends. */
		if ((r = vdb_refresh(v.db, &changed, &d)) != CCAKIT_OK) {
			if (!refresh_failed)
				svc_warn("provisioning done elsewhere cannot "
				    "be read: %s", svc_detail_text(r, &d));
			refresh_failed = true;
			continue;
		}
		if (refresh_failed)
			svc_warn("provisioning can be read again");
		refresh_failed = false;
		if (changed)
			svc_info("provisioning changed elsewhere: stores "
			    "rebuilt");
		if (++ticks % HOUSEKEEP_TICKS != 0 || svc_db_lost())
			continue;
		if (vdb_session_purge(v.db, PURGE_GRACE_S, &n, NULL) ==
		    CCAKIT_OK && n > 0)
			svc_debug("purged %zu expired session(s)", n);
		memset(&d, 0, sizeof(d));
		if ((r = vdb_housekeep(v.db, &d)) != CCAKIT_OK)
			svc_warn("database: %s", svc_detail_text(r, &d));
	}
	svc_log(verbosity >= SVC_LOG_INFO ? SVC_LOG_INFO : SVC_LOG_DEBUG,
	    "signal %d: stopping", sig);
	rc = 0;
out:
	svc_ops_stop(&httpd);
	if (port_file != NULL && rc == 0)
		unlink(port_file);
	svc_pcache_done(&po, &v.pcache);
	ccakit_key_free(&v.ear_key);
	ccakit_free(v.ear_jwk);
	vdb_close(&v.db);
	svc_free_secret(key, keylen);
	free(cert);
	ccakit_wipe(v.prov_hash, sizeof(v.prov_hash));
	cvs_corim_free(&v);
	return rc;
}
