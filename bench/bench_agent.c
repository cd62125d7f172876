/*
 * bench-agent: resources fetched through ccakit-agent's REST API (GET
 * /cdh/resource/bench/key/one, the secret checked) by concurrent local
 * clients (8 by default) against a local kbs with the emulated realm,
 * twice: with the agent's token reuse (one attestation, then Bearer
 * GETs), then with --token-per-request (guest-components on main: /auth,
 * /attest and the GET for every secret). Prints, for each, fetches per
 * second, latency, the agent's and the kbs's CPU per fetch
 * (/proc/<pid>/stat) and the attestations the kbs counted (its
 * /metrics), and the agent's resident memory at the end. Ends with
 * "ratio <fetches/s with reuse / fetches/s with a token per request>".
 */
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ccakit/bytes.h>
#include <ccakit/err.h>

#include "httpc.h"
#include "kbsc.h"
#include "loadgen.h"

#define RESOURCE        "bench/key/one"
#define SECRET          "the workload's database password"

#ifndef CCAKIT_SOURCE_DIR
#define CCAKIT_SOURCE_DIR "."
#endif

static char kbs_url[256], agent_url[256], fetch_url[320];

static void *
client(void *arg)
{
	struct svc_httpc_opts ho = { 0, 0, 0, NULL, false };
	struct svc_http_resp r;
	svc_httpc *c = svc_httpc_new(&ho);
	char err[256];
	double t0;

	(void)arg;
	if (c == NULL)
		lg_die("client setup failed");
	lg_client_ready();
	while (lg_running()) {
		t0 = lg_now();
		memset(&r, 0, sizeof(r));
		if (svc_httpc_request(c, "GET", fetch_url, NULL, NULL, 0, &r,
		    err, sizeof(err)) != SVC_HTTPC_OK) {
			lg_error("GET: %s", err);
			continue;
		}
		if (r.status != 200)
			lg_error("GET: %ld %.200s", r.status, (const char *)
			    r.body);
		else if (r.body_len != strlen(SECRET) ||
		    memcmp(r.body, SECRET, r.body_len) != 0)
			lg_error("GET: a wrong secret");
		else
			lg_ok((lg_now() - t0) * 1e3, false, false);
		svc_http_resp_clear(&r);
	}
	svc_httpc_free(&c);
	return NULL;
}

/* kbs_attestation_requests_total from the kbs's /metrics. */
static double
kbs_attestations(void)
{
	struct svc_httpc_opts ho = { 0, 0, 0, NULL, false };
	struct svc_http_resp r;
	svc_httpc *c = svc_httpc_new(&ho);
	char url[300], err[256];
	const char *p, *name = "\nkbs_attestation_requests_total";
	double v = -1;

	snprintf(url, sizeof(url), "%s/metrics", kbs_url);
	memset(&r, 0, sizeof(r));
	if (c != NULL && svc_httpc_request(c, "GET", url, NULL, NULL, 0, &r,
	    err, sizeof(err)) == SVC_HTTPC_OK && r.status == 200 &&
	    (p = strstr((const char *)r.body, name)) != NULL &&
	    (p = strchr(p + 1, ' ')) != NULL)
		v = atof(p + 1);
	svc_http_resp_clear(&r);
	svc_httpc_free(&c);
	return v;
}

static long
rss_kib(pid_t pid)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0)
			v = atol(line + 6);
	fclose(f);
	return v;
}

struct mode {
	const char *name;
	bool per_request;
	double rate, agent_cpu, kbs_cpu, attests;
	unsigned long ok, err;
	long rss;
};

static pid_t
start_agent(const char *agent, const char *dir, const char *demo,
    const struct mode *m, unsigned threads)
{
	char port[PATH_MAX + 16], claims[PATH_MAX + 16], cpak[PATH_MAX + 16];
	char rak[PATH_MAX + 16], thr[16];
	const char *argv[32];
	size_t n = 0;
	pid_t pid;

	snprintf(port, sizeof(port), "%s/agent.port", dir);
	snprintf(claims, sizeof(claims), "%s/claims.json", demo);
	snprintf(cpak, sizeof(cpak), "%s/cpak.pem", demo);
	snprintf(rak, sizeof(rak), "%s/rak.pem", demo);
	snprintf(thr, sizeof(thr), "%u", threads);
	unlink(port);
	argv[n++] = agent;
	argv[n++] = "-q";
	argv[n++] = "--bind";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--port-file";
	argv[n++] = port;
	argv[n++] = "--features";
	argv[n++] = "resource";
	argv[n++] = "--attester";
	argv[n++] = "emulated";
	argv[n++] = "--claims";
	argv[n++] = claims;
	argv[n++] = "--platform-key";
	argv[n++] = cpak;
	argv[n++] = "--realm-key";
	argv[n++] = rak;
	argv[n++] = "--kbs-url";
	argv[n++] = kbs_url;
	argv[n++] = "--threads";
	argv[n++] = thr;
	argv[n++] = "--cmdline";
	argv[n++] = "/dev/null";
	if (m->per_request)
		argv[n++] = "--token-per-request";
	argv[n] = NULL;
	pid = lg_spawn(argv, port, agent_url, sizeof(agent_url));
	snprintf(fetch_url, sizeof(fetch_url), "%s/cdh/resource/" RESOURCE,
	    agent_url);
	return pid;
}

static void
run_mode(struct mode *m, const char *agent, const char *dir,
    const char *demo, const struct lg_opts *o, pid_t kbs_pid)
{
	struct lg_stats st;
	double a0, k0, n0;
	pid_t pid;

	pid = start_agent(agent, dir, demo, m, o->threads > 0 ? o->threads :
	    (unsigned)o->clients);
	n0 = kbs_attestations();
	a0 = lg_proc_cpu(pid);
	k0 = kbs_pid > 0 ? lg_proc_cpu(kbs_pid) : 0;
	lg_run(o->clients, o->seconds, client, NULL, 0, 0, &st);
	m->agent_cpu = lg_proc_cpu(pid) - a0;
	m->kbs_cpu = kbs_pid > 0 ? lg_proc_cpu(kbs_pid) - k0 : 0;
	m->attests = kbs_attestations() - n0;
	m->rss = rss_kib(pid);
	m->ok = st.ok;
	m->err = st.err;
	m->rate = (double)st.ok / st.elapsed;
	lg_server_stop(pid);
	printf("%s: %lu fetches in %.1f s, %.1f fetches/s\n", m->name, st.ok,
	    st.elapsed, m->rate);
	lg_print_latency(&st);
	if (st.ok > 0) {
		printf("  agent CPU per fetch:   %8.3f ms\n",
		    1e3 * m->agent_cpu / (double)st.ok);
		if (kbs_pid > 0)
			printf("  kbs CPU per fetch:     %8.3f ms\n",
			    1e3 * m->kbs_cpu / (double)st.ok);
	}
	printf("  attestations (kbs):    %8.0f\n", m->attests);
	printf("  agent RSS at the end:  %8ld KiB\n", m->rss);
	printf("  errors:                %8lu%s%s\n", st.err, st.err > 0 ?
	    " first: " : "", st.first_err);
	fflush(stdout);
}

/* The secret, stored through the admin API. */
static void
provision(void)
{
	struct kbsc_opts ko;
	struct ccakit_errdetail d;
	kbsc *c;

	memset(&ko, 0, sizeof(ko));
	ko.url = kbs_url;
	memset(&d, 0, sizeof(d));
	if (kbsc_new(&ko, &c, &d) != CCAKIT_OK ||
	    kbsc_request(c, "POST", "resource/" RESOURCE,
	    "application/octet-stream", SECRET, strlen(SECRET), NULL, &d) !=
	    CCAKIT_OK)
		lg_die("set-resource: %s", d.text);
	kbsc_free(&c);
}

static void
usage(void)
{
	fprintf(stderr, "Usage: bench-agent [-c clients] [-t seconds per mode] "
	    "[-u kbs-url] [-s ccakit-agent] [-d demo-dir] [-T agent-threads]\n"
	    "  -c: 8 clients by default; -t: 10 s per mode by default\n"
	    "  -u: use a running kbs that trusts the demo realm (demo/) and\n"
	    "      allows writing resource/" RESOURCE "; default: start one\n"
	    "  -T: the agent's request threads (default: one per client)\n");
	exit(2);
}

/* Whether option c was given (lg_parse_args() sets its own defaults). */
static bool
given(int argc, char **argv, char c)
{
	int i;

	for (i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1] == c)
			return true;
	return false;
}

int
main(int argc, char **argv)
{
	struct lg_opts o = { .demo_dir = CCAKIT_SOURCE_DIR "/demo" };
	struct mode reuse = { "token reuse", false, 0, 0, 0, 0, 0, 0, 0 };
	struct mode per = { "--token-per-request", true, 0, 0, 0, 0, 0, 0,
	    0 };
	char kbs[PATH_MAX + 32], agent[PATH_MAX + 32], dir[PATH_MAX];
	char ta[PATH_MAX + 16], rv[PATH_MAX + 16];
	pid_t kbs_pid = -1;
	int rc = 0;

	lg_init("bench-agent");
	lg_parse_args(argc, argv, &o, usage);
	/* One server given at most, no database, no replicas' pids. */
	if (o.nurls > 1 || o.db != NULL || o.nsargs > 0 || o.npids > 0 ||
	    o.db_pid != 0)
		usage();
	if (!given(argc, argv, 'c'))
		o.clients = 8;
	if (!given(argc, argv, 't'))
		o.seconds = 10;
	signal(SIGPIPE, SIG_IGN);
	if (svc_httpc_global_init() != 0)
		lg_die("libcurl initialisation failed");
	lg_mkdtemp(dir, sizeof(dir));
	lg_realm_setup(o.demo_dir, NULL, NULL);
	if (o.server == NULL) {
		lg_server_path("ccakit-agent", agent, sizeof(agent));
		o.server = agent;
	}
	if (o.nurls == 0) {
		snprintf(ta, sizeof(ta), "%s/ta.json", dir);
		snprintf(rv, sizeof(rv), "%s/rv.json", dir);
		lg_kbs_golden(o.demo_dir, ta, rv);
		lg_server_path("kbs", kbs, sizeof(kbs));
		kbs_pid = lg_kbs_start(kbs, dir, 0, NULL, 0, kbs_url, sizeof(kbs_url));
	} else {
		snprintf(kbs_url, sizeof(kbs_url), "%s", o.urls[0]);
	}
	provision();
	printf("ccakit-agent %s against kbs %s (%s), %lu clients, %.0f s per "
	    "mode\n", o.server, kbs_url, o.nurls == 0 ?
	    "started by the bench" : "given", o.clients, o.seconds);
	fflush(stdout);
	run_mode(&reuse, o.server, dir, o.demo_dir, &o, kbs_pid);
	run_mode(&per, o.server, dir, o.demo_dir, &o, kbs_pid);
	if (kbs_pid > 0)
		lg_server_stop(kbs_pid);
	lg_rmdir(dir);
	if (reuse.err > 0 || per.err > 0 || reuse.ok == 0 || per.ok == 0)
		rc = 1;
	/* What the modes must cost: one attestation (the run is shorter
	 * than a token's life), and one per fetch. */
	if (reuse.attests != 1) {
		printf("error: token reuse made %.0f attestations, not 1\n",
		    reuse.attests);
		rc = 1;
	}
	if (per.attests < (double)per.ok) {
		printf("error: --token-per-request made %.0f attestations for "
		    "%lu fetches\n", per.attests, per.ok);
		rc = 1;
	}
	if (per.ok > 0 && reuse.ok > 0)
		printf("agent CPU per fetch, reuse / per request: %.3f / %.3f "
		    "ms\nratio %.2f\n",
		    1e3 * reuse.agent_cpu / (double)reuse.ok,
		    1e3 * per.agent_cpu / (double)per.ok,
		    reuse.rate / per.rate);
	lg_cleanup();
	svc_httpc_global_cleanup();
	return rc;
}
