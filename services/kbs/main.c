/*
 * kbs: a Key Broker Service that Trustee's guests and kbs-client talk to
 * unchanged (RCAR 0.4.0), with its attestation service, reference values,
 * policies, admin API and plugins built in, configured by Trustee's own
 * TOML file. See kbs(8) and docs/kbs.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ccakit/appraise.h>
#include <ccakit/version.h>

#include "httpc.h"
#include "kbs.h"
#include "svcmain.h"

/* Per-connection memory: request heads of KBS_HEAD_MAX bytes and more
 * (Trustee's clients send large Bearer tokens). */
#define KBS_CONN_MEMORY (KBS_HEAD_MAX + 64 * 1024)

enum {
	OPT_DB = 256, OPT_PORT_FILE, OPT_FIXED_NONCE, OPT_TOKEN_CACHE,
	OPT_HELP,
};

/* Verified tokens kept (services/kbs/token.c), by default and at most. */
#define TOKEN_CACHE_DEFAULT     256
#define TOKEN_CACHE_MAX         65536

static const struct option longopts[] = {
	{ "config-file", required_argument, NULL, 'c' },
	{ "db", required_argument, NULL, OPT_DB },
	{ "port-file", required_argument, NULL, OPT_PORT_FILE },
	{ "test-fixed-nonce", required_argument, NULL, OPT_FIXED_NONCE },
	{ "token-cache-size", required_argument, NULL, OPT_TOKEN_CACHE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
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
"Usage: " KBS_PROG " -c FILE [options]\n"
"  -c, --config-file FILE        Trustee's KBS configuration (TOML); or\n"
"                                the environment variable KBS_CONFIG_FILE\n"
"      --db FILE                 the SQLite file used when the configuration\n"
"                                has no [storage_backend] (default\n"
"                                $XDG_DATA_HOME/ccakit/kbs.db)\n"
"      --port-file FILE          write the first socket's bound port there\n"
"                                when ready (a socket may give port 0)\n"
SVC_HTTP_USAGE
"                                (replaces tls_profile, tls_*_version,\n"
"                                tls_ciphers and tls_groups)\n"
SVC_PCACHE_USAGE
"                                (local CCA verification; ccakit only)\n"
"      --token-cache-size N      attestation tokens kept once verified or\n"
"                                signed, so that their next use needs no\n"
"                                signature check (default 256; 0: none)\n"
"  -v, --verbose                 more logging (repeatable)\n"
"  -q, --quiet                   errors only\n"
"  -V, --version                 print the version\n"
"  -h, --help                    this text\n"
"Arm CCA evidence is verified with the stores that the file named by\n"
"CCA_CONFIG_FILE names (Trustee's CCA verifier configuration).\n");
}

#define die(...) svc_die(KBS_PROG, __VA_ARGS__)

int
main(int argc, char **argv)
{
	static struct kbs k;
	struct svc_httpd *httpd[KBS_MAX_SOCKETS] = { NULL };
	struct svc_httpd_conf hc;
	struct svc_http_opts ho;
	struct svc_pcache_opts po;
	struct ccakit_errdetail d;
	ccakit_toml *doc = NULL;
	const char *cfg = getenv("KBS_CONFIG_FILE"), *db = NULL;
	const char *port_file = NULL;
	char dbbuf[PATH_MAX], err[512], prio[2048], addr[64], desc[1024];
	char *cert = NULL, *key = NULL;
	size_t keylen = 0, i, token_cache = TOKEN_CACHE_DEFAULT;
	unsigned long ul;
	int verbosity = SVC_LOG_WARN, c, r, rc = 1, sig;
	uint16_t port;
	bool tls_cli = false;
	sigset_t sigs;
	struct timespec tick = { 10, 0 };

	svc_json_wipe();
	memset(&d, 0, sizeof(d));
	svc_http_opts_init(&ho);
	svc_pcache_opts_init(&po);
	while ((c = getopt_long(argc, argv, "c:vqVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cfg = optarg;
			break;
		case OPT_DB:
			db = optarg;
			break;
		case OPT_PORT_FILE:
			port_file = optarg;
			break;
		case OPT_FIXED_NONCE:
			k.fixed_nonce = optarg;
			break;
		case OPT_TOKEN_CACHE:
			if (!svc_parse_uint(optarg, TOKEN_CACHE_MAX, &ul))
				return die("--token-cache-size: a number of "
				    "tokens from 0 to %d, not '%.40s'",
				    TOKEN_CACHE_MAX, optarg);
			token_cache = (size_t)ul;
			break;
		case 'v':
			if (verbosity < SVC_LOG_TRACE)
				verbosity++;
			break;
		case 'q':
			verbosity = SVC_LOG_ERROR;
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return 0;
		case 'V':
			printf(KBS_PROG " (ccakit) %s, RCAR "
			    RCAR_PROTOCOL_VERSION "\n", CCAKIT_VERSION);
			return 0;
		default:
			if (c == SVC_OPT_TLS_PRIORITIES)
				tls_cli = true;
			if ((r = svc_http_opt(KBS_PROG, &ho, c, optarg)) < 0)
				r = svc_pcache_opt(KBS_PROG, &po, c, optarg);
			if (r == 0)
				break;
			if (r < 0)
				usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	if (cfg == NULL || *cfg == '\0')
		return die("no configuration: -c FILE or KBS_CONFIG_FILE");
	svc_log_init(KBS_PROG, verbosity);
	if (k.fixed_nonce != NULL)
		svc_warn("--test-fixed-nonce: every challenge has the same "
		    "nonce; for tests only, never in production");
	if ((r = kbs_config_load(cfg, &k.conf, &doc, &d)) != CCAKIT_OK) {
		die("%s", svc_detail_text(r, &d));
		goto out;
	}
	svc_block_signals(&sigs);
	if (svc_httpc_global_init() != 0) {
		die("libcurl initialisation failed");
		goto out;
	}
	kbs_metrics_init();
	if (svc_pcache_new(KBS_PROG, &po, &k.pcache))
		goto out;
	/* Its lookups in kbs's own /metrics. */
	if (k.pcache != NULL)
		ccakit_platform_cache_set_hook(k.pcache, kbs_count_pcache,
		    NULL);
	if (db == NULL) {
		if (svc_default_db("kbs.db", dbbuf, sizeof(dbbuf)) != 0) {
			die("no $XDG_DATA_HOME or $HOME: give --db");
			goto out;
		}
		db = dbbuf;
	}
	if ((r = kbs_store_open(&k.conf, db, &k.store, &d)) != CCAKIT_OK) {
		die("storage: %s", svc_detail_text(r, &d));
		goto out;
	}
	if ((r = kbs_plugins_init(&k, &k.plugins, &d)) != CCAKIT_OK ||
	    (r = kbs_config_check_unused(doc, &d)) != CCAKIT_OK) {
		die("%s", svc_detail_text(r, &d));
		goto out;
	}
	if ((r = kbs_policies_new(&k, &k.policies)) != CCAKIT_OK ||
	    (r = kbs_policies_seed(&k, &d)) != CCAKIT_OK) {
		die("policies: %s", svc_detail_text(r, &d));
		goto out;
	}
	if ((r = kbs_signer_new(&k, &k.signer, &d)) != CCAKIT_OK) {
		die("[attestation_service.attestation_token_broker.signer]: %s",
		    svc_detail_text(r, &d));
		goto out;
	}
	if ((r = kbs_tokens_new(&k.conf, kbs_signer_jwk(k.signer), token_cache,
	    &k.tokens, &d)) != CCAKIT_OK) {
		die("[attestation_token]: %s", svc_detail_text(r, &d));
		goto out;
	}
	kbs_tokens_set_hook(k.tokens, kbs_count_tcache, NULL);
	if ((r = kbs_admin_new(&k.conf, &k.admin, &d)) != CCAKIT_OK) {
		die("[admin]: %s", svc_detail_text(r, &d));
		goto out;
	}
	if (!k.conf.insecure_http) {
		if (svc_read_tls(KBS_PROG, k.conf.certificate,
		    k.conf.private_key, &cert, &key, &keylen))
			goto out;
		if (!tls_cli) {
			r = kbs_config_tls_priorities(&k.conf, prio,
			    sizeof(prio), err, sizeof(err));
			if (r < 0) {
				die("%s: [http_server] %s", cfg, err);
				goto out;
			}
			if (r == 0)
				ho.tls_priorities = prio;
		}
	} else if (tls_cli) {
		die("--tls-priorities needs HTTPS (insecure_http = false)");
		goto out;
	}
	k.routes[0] = (struct svc_route){ "*", "/kbs/v0/{*}",
	    (size_t)k.conf.payload_request_size * 1024 * 1024, kbs_api };
	k.routes[1] = (struct svc_route){ "*", "/metrics", 0,
	    kbs_metrics_handler };
	k.routes[2] = (struct svc_route){ "*", "/healthz", 0, kbs_healthz };
	for (i = 0; i < k.conf.nsockets; i++) {
		if (svc_parse_socket(k.conf.sockets[i], addr, sizeof(addr),
		    &port) != 0) {
			die("%s: [http_server] sockets: '%s' is not ADDRESS:PORT",
			    cfg, k.conf.sockets[i]);
			goto out;
		}
		memset(&hc, 0, sizeof(hc));
		hc.addr = addr;
		hc.port = port;
		hc.threads = (unsigned)(k.conf.worker_count > 0 ?
		    (unsigned long)k.conf.worker_count : svc_ncpus());
		if (svc_http_conf(KBS_PROG, &ho, &hc))
			goto out;
		hc.conn_memory = KBS_CONN_MEMORY;
		hc.tls_cert_pem = cert;
		hc.tls_key_pem = key;
		hc.routes = k.routes;
		hc.nroutes = 3;
		hc.arg = &k;
		if (svc_httpd_start(&hc, &httpd[i], err, sizeof(err)) != 0) {
			die("%s: %s", k.conf.sockets[i], err);
			goto out;
		}
		svc_log(verbosity >= SVC_LOG_INFO ? SVC_LOG_INFO :
		    SVC_LOG_DEBUG, "listening on %s%s%s:%u (%s)",
		    strchr(addr, ':') != NULL ? "[" : "", addr,
		    strchr(addr, ':') != NULL ? "]" : "",
		    svc_httpd_port(httpd[i]), cert != NULL ? "HTTPS" : "HTTP");
	}
	kbs_store_describe(k.store, desc, sizeof(desc));
	svc_info("storage: %s", desc);
	if (port_file != NULL && svc_write_port_file(port_file,
	    svc_httpd_port(httpd[0])) != 0) {
		die("%s: %s", port_file, strerror(errno));
		goto out;
	}
	for (;;) {
		sig = sigtimedwait(&sigs, NULL, &tick);
		if (sig > 0)
			break;
		kbs_store_housekeep(k.store, kbs_now_ms());
	}
	svc_log(verbosity >= SVC_LOG_INFO ? SVC_LOG_INFO : SVC_LOG_DEBUG,
	    "signal %d: stopping", sig);
	rc = 0;
out:
	for (i = 0; i < KBS_MAX_SOCKETS; i++)
		svc_httpd_stop(&httpd[i]);
	if (port_file != NULL && rc == 0)
		unlink(port_file);
	kbs_plugins_free(&k.plugins);
	kbs_admin_free(&k.admin);
	kbs_tokens_free(&k.tokens);
	kbs_signer_free(&k.signer);
	kbs_policies_free(&k.policies);
	kbs_store_free(&k.store);
	svc_pcache_done(&po, &k.pcache);
	kbs_metrics_free();
	ccakit_toml_free(&doc);
	svc_free_secret(key, keylen);
	free(cert);
	return rc;
}
