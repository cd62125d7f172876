/*
 * The nebula-ca plugin (Trustee's kbs/src/plugins/implementations/
 * nebula_ca.rs at 78962cd; addendum §7): Nebula overlay-network
 * credentials for attested guests, made by nebula-cert.
 *
 *   [[plugins]]
 *   name = "nebula-ca"
 *   nebula_cert_bin_path = "nebula-cert"       (on PATH by default)
 *   work_dir = "/opt/confidential-containers/kbs/nebula-ca"
 *   [plugins.ca_config]                        (optional)
 *   name = "Trustee Nebula CA plugin"          and argon_iterations,
 *      argon_memory, argon_parallelism, curve, duration, groups, ips,
 *      out_qr, subnets: nebula-cert ca's flags
 *
 * At start the CA (<work_dir>/ca/ca.crt and ca.key) is made with
 * `nebula-cert ca` unless both files exist, and reused; one without the
 * other is refused. GET /kbs/v0/nebula-ca/credential?name=N&ip=A.B.C.D/L
 * [&duration=D][&groups=G][&subnets=S], attested and allowed by the
 * resource policy, runs `nebula-cert sign` into a fresh directory under
 * work_dir, `nebula-cert verify`, and replies (JWE) with
 * {"node_crt":[bytes],"node_key":[bytes],"ca_crt":[bytes]}, the files as
 * JSON integers; the directory is removed.
 *
 * Unlike Trustee, which refuses nebula-cert older than 1.9.5, any version
 * from 1.6.0 is used (Debian bookworm has 1.6.1, whose CAs are Curve25519
 * and whose v1 certificates every Nebula node accepts); the flags 1.6 does
 * not have (curve, argon_*) are refused at start with that reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ccakit/bytes.h>

#include "kbs.h"
#include "log.h"

#define NEB_DEFAULT_BIN      "nebula-cert"
#define NEB_DEFAULT_WORK_DIR "/opt/confidential-containers/kbs/nebula-ca"
#define NEB_DEFAULT_CA_NAME  "Trustee Nebula CA plugin"
#define NEB_OUT_MAX          (16 * 1024)        /* a run's output kept */
#define NEB_FILE_MAX         (64 * 1024)        /* a key or certificate */
#define NEB_TIMEOUT_MS       30000
#define NEB_ARGS_MAX         32

extern char **environ;

struct nebula {
	char *bin;
	char *work_dir;
	char ca_crt[PATH_MAX], ca_key[PATH_MAX];
};

/*
 * Run argv (argv[0] looked up on PATH when it has no '/'), its standard
 * output and error into out (NUL-terminated, cut at outsz), within
 * NEB_TIMEOUT_MS. 0 when it exited 0; otherwise -1 with why.
 */
static int
run(const char *const argv[], char *out, size_t outsz, char *why, size_t whysz)
{
	posix_spawn_file_actions_t fa;
	int p[2], st, rc = -1;
	size_t n = 0;
	ssize_t k;
	pid_t pid;
	struct pollfd pf;
	struct timespec t0, t;
	long ms;
	char sink[512];

	out[0] = '\0';
	why[0] = '\0';
	if (pipe(p) != 0 || fcntl(p[0], F_SETFD, FD_CLOEXEC) != 0 ||
	    fcntl(p[1], F_SETFD, FD_CLOEXEC) != 0) {
		snprintf(why, whysz, "pipe: %s", strerror(errno));
		return -1;
	}
	if (posix_spawn_file_actions_init(&fa) != 0) {
		close(p[0]);
		close(p[1]);
		snprintf(why, whysz, "out of memory");
		return -1;
	}
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	/* posix_spawnp's argv is not const-qualified, but is not written. */
	st = posix_spawnp(&pid, argv[0], &fa, NULL,
	    (char *const *)(uintptr_t)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (st != 0) {
		close(p[0]);
		snprintf(why, whysz, "%s: %s", argv[0], strerror(st));
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pf.fd = p[0];
	pf.events = POLLIN;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) /
		    1000000;
		if (ms >= NEB_TIMEOUT_MS) {
			kill(pid, SIGKILL);
			snprintf(why, whysz, "%s %s: no answer in %d s", argv[0],
			    argv[1], NEB_TIMEOUT_MS / 1000);
			break;
		}
		if (poll(&pf, 1, (int)(NEB_TIMEOUT_MS - ms)) < 0 &&
		    errno != EINTR)
			break;
		if (n + 1 < outsz)
			k = read(p[0], out + n, outsz - 1 - n);
		else
			k = read(p[0], sink, sizeof(sink));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (n + 1 < outsz) {
			n += (size_t)k;
			out[n] = '\0';
		}
	}
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		rc = 0;
	} else if (why[0] == '\0') {
		while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
			out[--n] = '\0';
		if (WIFEXITED(st))
			snprintf(why, whysz, "%s %s: exit status %d: %.300s",
			    argv[0], argv[1], WEXITSTATUS(st), out);
		else
			snprintf(why, whysz, "%s %s: killed by signal %d",
			    argv[0], argv[1], WIFSIGNALED(st) ? WTERMSIG(st) :
			    0);
	}
	return rc;
}

/* "Version: X.Y.Z" to major, minor, patch; -1 if it is not that. */
static int
parse_version(const char *out, int v[3])
{
	const char *p = out;
	char *end;
	int i;
	long x;

	if (strncmp(p, "Version: ", 9) != 0)
		return -1;
	p += 9;
	for (i = 0; i < 3; i++) {
		errno = 0;
		x = strtol(p, &end, 10);
		if (end == p || errno != 0 || x < 0 || x > 100000)
			return -1;
		v[i] = (int)x;
		p = end;
		if (i < 2 && *p++ != '.')
			return -1;
	}
	return 0;
}

static void
nebula_free(void *self)
{
	struct nebula *n = self;

	if (n == NULL)
		return;
	free(n->bin);
	free(n->work_dir);
	free(n);
}

/* mkdir -p for an owner-only directory. */
static int
mkdirs(const char *path)
{
	char buf[PATH_MAX], *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -1;
	for (p = buf + 1; *p != '\0'; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, 0700) != 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(buf, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

static int
nebula_init(struct kbs *k, ccakit_toml_value *t, void **self,
    struct ccakit_errdetail *d)
{
	static const char *const sflags[][2] = {
		{ "curve", "-curve" }, { "duration", "-duration" },
		{ "groups", "-groups" }, { "ips", "-ips" },
		{ "out_qr", "-out-qr" }, { "subnets", "-subnets" },
	};
	static const char *const iflags[][2] = {
		{ "argon_iterations", "-argon-iterations" },
		{ "argon_memory", "-argon-memory" },
		{ "argon_parallelism", "-argon-parallelism" },
	};
	const char *bin = NEB_DEFAULT_BIN, *wd = NEB_DEFAULT_WORK_DIR, *s;
	const char *caname = NEB_DEFAULT_CA_NAME;
	const char *argv[NEB_ARGS_MAX];
	char nums[3][24], out[NEB_OUT_MAX], why[512];
	char dir[PATH_MAX];
	ccakit_toml_value *cc = NULL;
	struct nebula *n;
	struct stat st;
	bool has_crt, has_key, needs17 = false;
	int64_t iv;
	int v[3], r;
	size_t ac = 0, i;

	(void)k;
	why[0] = '\0';
	if (ccakit_toml_lookup(t, "self_signed_ca") != NULL)
		return ccakit_toml_error(ccakit_toml_lookup(t,
		    "self_signed_ca"), CCAKIT_ERR_CONFIG, d, "the CA's table is "
		    "[plugins.ca_config] (Trustee ignores self_signed_ca)");
	if ((r = ccakit_toml_get_string(t, "nebula_cert_bin_path", &bin,
	    d)) != CCAKIT_OK && r != CCAKIT_ERR_NOT_FOUND)
		return r;
	if ((r = ccakit_toml_get_string(t, "work_dir", &wd, d)) != CCAKIT_OK &&
	    r != CCAKIT_ERR_NOT_FOUND)
		return r;
	if ((r = ccakit_toml_get_table(t, "ca_config", &cc, d)) != CCAKIT_OK &&
	    r != CCAKIT_ERR_NOT_FOUND)
		return r;
	if ((n = calloc(1, sizeof(*n))) == NULL ||
	    (n->bin = strdup(bin)) == NULL ||
	    (n->work_dir = strdup(wd)) == NULL) {
		nebula_free(n);
		return CCAKIT_ERR_NOMEM;
	}
	if (snprintf(n->ca_crt, sizeof(n->ca_crt), "%s/ca/ca.crt", wd) >=
	    (int)sizeof(n->ca_crt) || snprintf(n->ca_key, sizeof(n->ca_key),
	    "%s/ca/ca.key", wd) >= (int)sizeof(n->ca_key)) {
		nebula_free(n);
		return ccakit_toml_error(t, CCAKIT_ERR_CONFIG, d, "work_dir: "
		    "too long");
	}
	/* The CA's flags, as Trustee passes them (only those set). */
	argv[ac++] = n->bin;
	argv[ac++] = "ca";
	argv[ac++] = "-name";
	if (cc != NULL && (r = ccakit_toml_get_string(cc, "name", &caname,
	    d)) != CCAKIT_OK && r != CCAKIT_ERR_NOT_FOUND)
		goto fail;
	argv[ac++] = caname;
	for (i = 0; cc != NULL && i < 3; i++) {
		if ((r = ccakit_toml_get_int_range(cc, iflags[i][0], 0,
		    UINT32_MAX, &iv, d)) == CCAKIT_ERR_NOT_FOUND)
			continue;
		if (r != CCAKIT_OK)
			goto fail;
		snprintf(nums[i], sizeof(nums[i]), "%lld", (long long)iv);
		argv[ac++] = iflags[i][1];
		argv[ac++] = nums[i];
		needs17 = true;
	}
	for (i = 0; cc != NULL && i < sizeof(sflags) / sizeof(sflags[0]);
	    i++) {
		if ((r = ccakit_toml_get_string(cc, sflags[i][0], &s, d)) ==
		    CCAKIT_ERR_NOT_FOUND)
			continue;
		if (r != CCAKIT_OK)
			goto fail;
		argv[ac++] = sflags[i][1];
		argv[ac++] = s;
		if (i == 0)
			needs17 = true;
	}
	argv[ac++] = "-out-crt";
	argv[ac++] = n->ca_crt;
	argv[ac++] = "-out-key";
	argv[ac++] = n->ca_key;
	argv[ac] = NULL;

	/* nebula-cert --version */
	{
		const char *vargv[] = { n->bin, "--version", NULL };

		if (run(vargv, out, sizeof(out), why, sizeof(why)) != 0) {
			r = ccakit_toml_error(t, CCAKIT_ERR_CONFIG, d,
			    "nebula-ca: %s", why);
			goto fail;
		}
	}
	if (parse_version(out, v) != 0 || v[0] < 1 || (v[0] == 1 &&
	    v[1] < 6)) {
		r = ccakit_toml_error(t, CCAKIT_ERR_CONFIG, d, "nebula-ca: %s "
		    "--version: '%.40s': 1.6.0 or later is needed", n->bin, out);
		goto fail;
	}
	if (needs17 && v[0] == 1 && v[1] < 7) {
		r = ccakit_toml_error(cc, CCAKIT_ERR_CONFIG, d, "nebula-ca: "
		    "nebula-cert %d.%d.%d has no -curve or -argon-* (1.7.0 "
		    "added them): its CAs are Curve25519 and unencrypted",
		    v[0], v[1], v[2]);
		goto fail;
	}
	snprintf(dir, sizeof(dir), "%s/ca", wd);
	if (mkdirs(dir) != 0) {
		r = ccakit_toml_error(t, CCAKIT_ERR_CONFIG, d, "nebula-ca: "
		    "Create %s dir: %s", dir, strerror(errno));
		goto fail;
	}
	has_crt = stat(n->ca_crt, &st) == 0;
	has_key = stat(n->ca_key, &st) == 0;
	if (!has_crt && !has_key) {
		if (run(argv, out, sizeof(out), why, sizeof(why)) != 0) {
			r = ccakit_toml_error(t, CCAKIT_ERR_CONFIG, d,
			    "nebula-ca: %s", why);
			goto fail;
		}
		svc_info("nebula-ca: self-signed Nebula CA created in %s", dir);
		has_crt = stat(n->ca_crt, &st) == 0;
		has_key = stat(n->ca_key, &st) == 0;
	}
	if (!has_crt || !has_key) {
		r = ccakit_toml_error(t, CCAKIT_ERR_CONFIG, d, "nebula-ca: "
		    "Nebula CA not found (%s without %s)", has_crt ? n->ca_crt :
		    n->ca_key, has_crt ? n->ca_key : n->ca_crt);
		goto fail;
	}
	{
		const char *pargv[] = { n->bin, "print", "-path",
		    n->ca_crt, NULL };

		if (run(pargv, out, sizeof(out), why, sizeof(why)) != 0) {
			r = ccakit_toml_error(t, CCAKIT_ERR_CONFIG, d,
			    "nebula-ca: %s", why);
			goto fail;
		}
	}
	svc_info("nebula-ca: nebula-cert %d.%d.%d, CA %s", v[0], v[1], v[2],
	    n->ca_crt);
	*self = n;
	return CCAKIT_OK;
fail:
	nebula_free(n);
	return r;
}

static bool
nebula_admin(void *self, const struct kbs_plugin_req *r)
{
	(void)self;
	(void)r;
	return false;
}

static bool
nebula_encrypted(void *self, const struct kbs_plugin_req *r)
{
	(void)self;
	(void)r;
	return true;
}

/* A file of at most NEB_FILE_MAX bytes as a JSON array of integers. */
static int
put_file(char **buf, size_t *len, size_t *cap, const char *name,
    const char *path, char *why, size_t whysz)
{
	uint8_t data[NEB_FILE_MAX];
	size_t n = 0, i, need;
	ssize_t k;
	char *nb;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(why, whysz, "read %s: %s", path, strerror(errno));
		return CCAKIT_ERR_IO;
	}
	while (n < sizeof(data) && (k = read(fd, data + n,
	    sizeof(data) - n)) != 0) {
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	if (n == sizeof(data)) {
		ccakit_wipe(data, n);
		snprintf(why, whysz, "read %s: larger than %d bytes", path,
		    NEB_FILE_MAX);
		return CCAKIT_ERR_TOO_LARGE;
	}
	need = *len + strlen(name) + 8 + 4 * n + 2;
	if (need > *cap) {
		if ((nb = realloc(*buf, need * 2)) == NULL) {
			ccakit_wipe(data, n);
			return CCAKIT_ERR_NOMEM;
		}
		*buf = nb;
		*cap = need * 2;
	}
	*len += (size_t)snprintf(*buf + *len, *cap - *len, "%s\"%s\":[",
	    *len > 1 ? "," : "", name);
	for (i = 0; i < n; i++)
		*len += (size_t)snprintf(*buf + *len, *cap - *len, "%s%u",
		    i > 0 ? "," : "", data[i]);
	(*buf)[(*len)++] = ']';
	(*buf)[*len] = '\0';
	ccakit_wipe(data, n);
	return CCAKIT_OK;
}

static int
nebula_handle(void *self, struct kbs *k, const struct kbs_plugin_req *r,
    struct kbs_plugin_out *out, char *why, size_t whysz)
{
	struct nebula *n = self;
	const char *name, *ip, *opt;
	char dir[PATH_MAX], key[PATH_MAX + 16], crt[PATH_MAX + 16];
	char o[NEB_OUT_MAX], *buf = NULL;
	const char *argv[NEB_ARGS_MAX];
	static const char *const opts[][2] = {
		{ "duration", "-duration" }, { "groups", "-groups" },
		{ "subnets", "-subnets" },
	};
	size_t ac = 0, i, len = 0, cap = 0;
	int rc;

	(void)k;
	if (r->npath != 1) {
		snprintf(why, whysz, "Illegal path. Only one path segment is "
		    "supported");
		return CCAKIT_ERR_INVALID_ARG;
	}
	if (strcmp(r->method, "GET") != 0) {
		snprintf(why, whysz, "Illegal HTTP method. Only GET is "
		    "supported");
		return CCAKIT_ERR_INVALID_ARG;
	}
	if (strcmp(r->path[0], "credential") != 0) {
		snprintf(why, whysz, "%.100s not supported", r->path[0]);
		return CCAKIT_ERR_INVALID_ARG;
	}
	if ((name = kbs_plugin_query(r, "name")) == NULL ||
	    (ip = kbs_plugin_query(r, "ip")) == NULL) {
		snprintf(why, whysz, "missing field `%s`", name == NULL ?
		    "name" : "ip");
		return CCAKIT_ERR_INVALID_ARG;
	}
	if (snprintf(dir, sizeof(dir), "%s/cred.XXXXXX", n->work_dir) >=
	    (int)sizeof(dir) || mkdtemp(dir) == NULL) {
		snprintf(why, whysz, "tempdir in %s: %s", n->work_dir,
		    strerror(errno));
		return CCAKIT_ERR_IO;
	}
	snprintf(key, sizeof(key), "%s/node.key", dir);
	snprintf(crt, sizeof(crt), "%s/node.crt", dir);
	argv[ac++] = n->bin;
	argv[ac++] = "sign";
	argv[ac++] = "-name";
	argv[ac++] = name;
	argv[ac++] = "-ip";
	argv[ac++] = ip;
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if ((opt = kbs_plugin_query(r, opts[i][0])) != NULL) {
			argv[ac++] = opts[i][1];
			argv[ac++] = opt;
		}
	argv[ac++] = "-ca-key";
	argv[ac++] = n->ca_key;
	argv[ac++] = "-ca-crt";
	argv[ac++] = n->ca_crt;
	argv[ac++] = "-out-key";
	argv[ac++] = key;
	argv[ac++] = "-out-crt";
	argv[ac++] = crt;
	argv[ac] = NULL;
	why[0] = '\0';
	if (run(argv, o, sizeof(o), why, whysz) != 0) {
		rc = CCAKIT_ERR_INVALID_ARG;
		goto out;
	}
	{
		const char *vargv[] = { n->bin, "verify", "-ca",
		    n->ca_crt, "-crt", crt, NULL };

		if (run(vargv, o, sizeof(o), why, whysz) != 0) {
			rc = CCAKIT_ERR_SIGNATURE;
			goto out;
		}
	}
	if ((buf = malloc(16)) == NULL) {
		rc = CCAKIT_ERR_NOMEM;
		goto out;
	}
	cap = 16;
	buf[len++] = '{';
	if ((rc = put_file(&buf, &len, &cap, "node_crt", crt, why, whysz)) !=
	    CCAKIT_OK || (rc = put_file(&buf, &len, &cap, "node_key", key,
	    why, whysz)) != CCAKIT_OK || (rc = put_file(&buf, &len, &cap,
	    "ca_crt", n->ca_crt, why, whysz)) != CCAKIT_OK)
		goto out;
	if (len + 2 > cap) {
		char *nb = realloc(buf, len + 2);

		if (nb == NULL) {
			rc = CCAKIT_ERR_NOMEM;
			goto out;
		}
		buf = nb;
	}
	buf[len++] = '}';
	buf[len] = '\0';
	out->body = (uint8_t *)buf;
	out->len = len;
	buf = NULL;
	rc = CCAKIT_OK;
out:
	if (buf != NULL) {
		ccakit_wipe(buf, len);
		free(buf);
	}
	(void)unlink(key);
	(void)unlink(crt);
	(void)rmdir(dir);
	return rc;
}

const struct kbs_plugin_ops kbs_plugin_nebula_ca = {
	"nebula-ca", nebula_init, nebula_free, nebula_admin, nebula_encrypted,
	nebula_handle,
};
