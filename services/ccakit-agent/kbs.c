/*
 * ccakit-agent's KBS client: the token cache over svc_kbsc (core.h).
 */
#define _GNU_SOURCE     /* memfd_create */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <ccakit/bytes.h>
#include <ccakit/jose.h>

#include "core.h"
#include "kbsc.h"
#include "log.h"
#include "util/util.h"

/* Debian's bundle of the system's trust roots (ca-certificates). */
#define SYSTEM_CA_BUNDLE        "/etc/ssl/certs/ca-certificates.crt"
#define CA_BUNDLE_MAX           (8 * 1024 * 1024)
/* After a failed renewal, the next try (the token still serving). */
#define RENEW_BACKOFF_S         5

/* A token, the TEE key its runtime data names, and when to renew it. */
struct cred {
	unsigned refs;
	char *token;
	ccakit_teekey *key;
	double refresh_at;              /* monotonic seconds; 0: never */
	double expires_at;              /* same clock; 0: unknown */
};

/* Idle KBS connections to one URL. */
struct pool {
	pthread_mutex_t mu;
	struct kbsc_opts opts;
	char *url;
	int cafd;                       /* memfd of the trust roots, or -1 */
	char cafile[64];
	kbsc **idle;
	size_t nidle, cap;
};

struct agent_kbs {
	struct agent_kbs_opts o;
	char *aa_why, *cdh_why, *alg, *init_data;
	struct pool *aa, *cdh;          /* cdh may be aa */
	struct kbsc_attester att;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct cred *cur;               /* the cached token, or NULL */
	bool attesting;
	uint64_t flight, failed_flight; /* attestation rounds */
	struct ccakit_errdetail failed; /* why failed_flight failed */
	struct agent_kbs_stats st;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000),
	    (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* --- the attester --- */

int
agent_attester_init(struct agent_attester *aa, ccakit_attester *a)
{
	if (pthread_mutex_init(&aa->mu, NULL) != 0)
		return CCAKIT_ERR_INTERNAL;
	aa->a = a;
	return CCAKIT_OK;
}

void
agent_attester_clear(struct agent_attester *aa)
{
	pthread_mutex_destroy(&aa->mu);
	ccakit_attester_free(&aa->a);
}

int
agent_evidence(void *arg, const uint8_t *rd, size_t len, json_t **evidence,
    struct ccakit_errdetail *d)
{
	struct agent_attester *aa = arg;
	uint8_t challenge[RCAR_REPORT_DATA_LEN];
	int r;

	/* guest-components' CCA attester: at most 64 bytes, zero-padded
	 * (the attester takes 32 to 64; shorter ones are padded here). */
	if (len <= sizeof(challenge)) {
		rcar_regularize(rd, len, challenge, sizeof(challenge));
		rd = challenge;
		len = sizeof(challenge);
	}
	pthread_mutex_lock(&aa->mu);
	r = kbsc_cca_evidence(aa->a, rd, len, evidence, d);
	pthread_mutex_unlock(&aa->mu);
	return r;
}

int
agent_evidence_json(struct agent_attester *aa, const uint8_t *rd, size_t len,
    char **out, size_t *outlen, struct ccakit_errdetail *d)
{
	json_t *ev = NULL;
	int r;

	*out = NULL;
	if ((r = agent_evidence(aa, rd, len, &ev, d)) != CCAKIT_OK)
		return r;
	*out = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	if (*out == NULL)
		return CCAKIT_ERR_NOMEM;
	*outlen = strlen(*out);
	return CCAKIT_OK;
}

/* --- token claims --- */

static int
numeric_date(json_t *claims, const char *name, int64_t *out,
    struct ccakit_errdetail *d)
{
	json_t *v = json_object_get(claims, name);
	double x;

	*out = 0;
	if (v == NULL)
		return CCAKIT_OK;
	if (json_is_integer(v)) {
		*out = (int64_t)json_integer_value(v);
	} else if (json_is_real(v)) {
		x = json_real_value(v);
		if (!(x > -9.2e18 && x < 9.2e18))
			return cki_detail(d, CCAKIT_ERR_JSON, "KBS",
			    "token claim %s out of "
			    "range", name);
		*out = (int64_t)x;
	} else {
		return cki_detail(d, CCAKIT_ERR_JSON, "KBS",
		    "token claim %s is not a "
		    "number", name);
	}
	return CCAKIT_OK;
}

int
agent_token_times(const char *jwt, size_t len, int64_t *exp, int64_t *iat,
    struct ccakit_errdetail *d)
{
	const char *p, *q;
	uint8_t *payload = NULL;
	size_t plen, n;
	json_error_t je;
	json_t *claims;
	int r;

	*exp = *iat = 0;
	if (len > AGENT_TOKEN_MAX)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "KBS",
		    "the token is larger than "
		    "%u bytes", AGENT_TOKEN_MAX);
	if ((p = memchr(jwt, '.', len)) == NULL ||
	    (q = memchr(p + 1, '.', len - (size_t)(p + 1 - jwt))) == NULL ||
	    memchr(q + 1, '.', len - (size_t)(q + 1 - jwt)) != NULL)
		return cki_detail(d, CCAKIT_ERR_ENCODING, "KBS",
		    "the token is not a JWS "
		    "(three dot-separated parts)");
	n = (size_t)(q - (p + 1));
	if ((payload = malloc(n + 1)) == NULL)
		return CCAKIT_ERR_NOMEM;
	if (ccakit_b64_decode(p + 1, n, CCAKIT_B64_URL, payload, n + 1,
	    &plen) != CCAKIT_OK) {
		free(payload);
		return cki_detail(d, CCAKIT_ERR_ENCODING, "KBS",
		    "the token's payload is "
		    "not base64url");
	}
	claims = json_loadb((const char *)payload, plen,
	    JSON_REJECT_DUPLICATES, &je);
	free(payload);
	if (claims == NULL || !json_is_object(claims)) {
		json_decref(claims);
		return cki_detail(d, CCAKIT_ERR_JSON, "KBS",
		    "the token's payload is not a "
		    "JSON object");
	}
	if ((r = numeric_date(claims, "exp", exp, d)) == CCAKIT_OK)
		r = numeric_date(claims, "iat", iat, d);
	json_decref(claims);
	return r;
}

/*
 * When to renew a token received now, and when it expires, on the local
 * monotonic clock: its lifetime (exp - iat, or exp - the local wall
 * clock without iat) less the margin, at least a second of use; both 0
 * (kept until a 401) when the token says nothing usable.
 */
static void
token_times(struct cred *c, unsigned margin)
{
	int64_t exp, iat, life;
	double now = now_s();

	c->refresh_at = c->expires_at = 0;
	if (agent_token_times(c->token, strlen(c->token), &exp, &iat, NULL) !=
	    CCAKIT_OK || exp == 0)
		return;
	life = exp - (iat != 0 ? iat : (int64_t)time(NULL));
	if (life <= 1)
		return;
	if ((int64_t)margin > life - 1)
		margin = (unsigned)(life - 1);
	c->refresh_at = now + (double)(life - (int64_t)margin);
	c->expires_at = now + (double)life;
}

/* --- connections --- */

/*
 * The trust roots for an https KBS with an extra root certificate: the
 * system's bundle and the certificate, in a memfd that libcurl reads as
 * /proc/self/fd/N (the configuration gives PEM text, not a file).
 */
static int
ca_memfd(struct pool *p, const char *pem, struct ccakit_errdetail *d)
{
	FILE *f;
	char buf[16384];
	size_t n, total = 0;
	int fd;

	if ((fd = memfd_create("ccakit-agent-kbs-cert", MFD_CLOEXEC)) < 0)
		return cki_detail(d, CCAKIT_ERR_IO, "KBS", "memfd_create: %s",
		    strerror(errno));
	if ((f = fopen(SYSTEM_CA_BUNDLE, "r")) != NULL) {
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0 &&
		    total < CA_BUNDLE_MAX) {
			if (write(fd, buf, n) != (ssize_t)n)
				break;
			total += n;
		}
		fclose(f);
		if (write(fd, "\n", 1) != 1)
			total = 0;
	}
	n = strlen(pem);
	if (write(fd, pem, n) != (ssize_t)n || write(fd, "\n", 1) != 1) {
		close(fd);
		return cki_detail(d, CCAKIT_ERR_IO, "KBS",
		    "the KBS certificate: %s",
		    strerror(errno));
	}
	p->cafd = fd;
	snprintf(p->cafile, sizeof(p->cafile), "/proc/self/fd/%d", fd);
	p->opts.cafile = p->cafile;
	return CCAKIT_OK;
}

static void
pool_free(struct pool **pp)
{
	struct pool *p = *pp;
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nidle; i++)
		kbsc_free(&p->idle[i]);
	free(p->idle);
	if (p->cafd >= 0)
		close(p->cafd);
	free(p->url);
	pthread_mutex_destroy(&p->mu);
	free(p);
	*pp = NULL;
}

static int
pool_new(const char *url, const char *cert, long timeout_ms, size_t cap,
    struct pool **out, struct ccakit_errdetail *d)
{
	struct pool *p;
	kbsc *probe = NULL;
	int r;

	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return CCAKIT_ERR_NOMEM;
	p->cafd = -1;
	if (pthread_mutex_init(&p->mu, NULL) != 0) {
		free(p);
		return CCAKIT_ERR_INTERNAL;
	}
	p->cap = cap;
	if ((p->url = strdup(url)) == NULL ||
	    (p->idle = calloc(cap, sizeof(*p->idle))) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto fail;
	}
	p->opts.url = p->url;
	p->opts.timeout_ms = timeout_ms;
	if (cert != NULL && (r = ca_memfd(p, cert, d)) != CCAKIT_OK)
		goto fail;
	/* A first connection now: a bad URL fails at start. */
	if ((r = kbsc_new(&p->opts, &probe, d)) != CCAKIT_OK)
		goto fail;
	p->idle[p->nidle++] = probe;
	*out = p;
	return CCAKIT_OK;
fail:
	pool_free(&p);
	return r;
}

static int
pool_get(struct pool *p, kbsc **out, struct ccakit_errdetail *d)
{
	pthread_mutex_lock(&p->mu);
	if (p->nidle > 0) {
		*out = p->idle[--p->nidle];
		pthread_mutex_unlock(&p->mu);
		return CCAKIT_OK;
	}
	pthread_mutex_unlock(&p->mu);
	return kbsc_new(&p->opts, out, d);
}

static void
pool_put(struct pool *p, kbsc **cp)
{
	pthread_mutex_lock(&p->mu);
	if (p->nidle < p->cap) {
		p->idle[p->nidle++] = *cp;
		*cp = NULL;
	}
	pthread_mutex_unlock(&p->mu);
	kbsc_free(cp);
}

/* --- credentials --- */

static void
cred_release(struct cred *c)
{
	if (c == NULL || --c->refs > 0)
		return;
	if (c->token != NULL) {
		ccakit_wipe(c->token, strlen(c->token));
		free(c->token);
	}
	ccakit_teekey_free(&c->key);
	free(c);
}

/* Under k->mu. */
static void
cred_put(agent_kbs *k, struct cred *c)
{
	pthread_mutex_lock(&k->mu);
	cred_release(c);
	pthread_mutex_unlock(&k->mu);
}

/*
 * RCAR with retries, as guest-components' repeat_rcar_handshake: a new
 * TEE key, up to attest_tries attempts retry_delay_ms apart. On success
 * *out has one reference.
 */
static int
attest(agent_kbs *k, struct cred **out, struct ccakit_errdetail *d)
{
	struct ccakit_errdetail e;
	struct cred *c;
	kbsc *h = NULL;
	unsigned i;
	double t0;
	int r;

	*out = NULL;
	if (k->aa == NULL)
		return cki_detail(d, CCAKIT_ERR_CONFIG, "KBS", "%s", k->aa_why);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return CCAKIT_ERR_NOMEM;
	c->refs = 1;
	if ((c->key = ccakit_teekey_new()) == NULL ||
	    ccakit_teekey_generate(c->key, k->alg) != CCAKIT_OK) {
		cred_release(c);
		return cki_detail(d, CCAKIT_ERR_CRYPTO, "KBS",
		    "cannot generate a %s TEE "
		    "key", k->alg);
	}
	memset(&e, 0, sizeof(e));
	for (i = 1;; i++) {
		t0 = now_s();
		memset(&e, 0, sizeof(e));
		if ((r = pool_get(k->aa, &h, &e)) == CCAKIT_OK) {
			r = kbsc_attest(h, &k->att, c->key, k->init_data,
			    &c->token, &e);
			pool_put(k->aa, &h);
		}
		pthread_mutex_lock(&k->mu);
		if (r == CCAKIT_OK)
			k->st.attestations++;
		else
			k->st.attest_failures++;
		pthread_mutex_unlock(&k->mu);
		if (r == CCAKIT_OK)
			break;
		svc_warn("attestation to %s failed (attempt %u of %u): %s",
		    k->aa->url, i, k->o.attest_tries, e.text[0] != '\0' ?
		    e.text : ccakit_strerror(r));
		if (i >= k->o.attest_tries || r == CCAKIT_ERR_NOMEM) {
			cred_release(c);
			return cki_detail(d, r, "KBS",
			    "Unable to get token. RCAR handshake "
			    "retried %u times. Final attempt failed with: %s",
			    i, e.text[0] != '\0' ? e.text : ccakit_strerror(r));
		}
		sleep_ms(k->o.retry_delay_ms);
	}
	token_times(c, k->o.refresh_s);
	svc_info("attested to %s in %.0f ms (token %s)", k->aa->url,
	    (now_s() - t0) * 1e3, c->refresh_at == 0 ? "kept until the KBS "
	    "refuses it" : "renewed before it expires");
	*out = c;
	return CCAKIT_OK;
}

static bool
cred_valid(const struct cred *c, double now)
{
	return c->refresh_at == 0 || now < c->refresh_at;
}

/* Due for renewal but good for a while yet (a second's margin). */
static bool
cred_usable(const struct cred *c, double now)
{
	return c->expires_at == 0 || now < c->expires_at - 1;
}

/*
 * The cached token (one reference for the caller), attesting first when
 * there is none or it is due for renewal; one attestation at a time.
 * While one renews a token that has not expired, the others go on with
 * it; when there is none, they wait for the attestation and share its
 * outcome.
 */
static int
cred_get(agent_kbs *k, struct cred **out, struct ccakit_errdetail *d)
{
	struct cred *c;
	uint64_t id;
	int r;

	pthread_mutex_lock(&k->mu);
	for (;;) {
		if (k->cur != NULL && (cred_valid(k->cur, now_s()) ||
		    (k->attesting && cred_usable(k->cur, now_s())))) {
			k->cur->refs++;
			*out = k->cur;
			pthread_mutex_unlock(&k->mu);
			return CCAKIT_OK;
		}
		if (!k->attesting)
			break;
		id = k->flight;
		while (k->attesting && k->flight == id)
			pthread_cond_wait(&k->cv, &k->mu);
		if (k->failed_flight == id &&
		    (k->cur == NULL || !cred_valid(k->cur, now_s()))) {
			if (d != NULL)
				*d = k->failed;
			r = k->failed.code != 0 ? k->failed.code :
			    CCAKIT_ERR_POLICY;
			pthread_mutex_unlock(&k->mu);
			return r;
		}
	}
	k->attesting = true;
	id = ++k->flight;
	if (k->cur != NULL && !cred_usable(k->cur, now_s())) {
		cred_release(k->cur);
		k->cur = NULL;
	}
	pthread_mutex_unlock(&k->mu);

	r = attest(k, &c, d);

	pthread_mutex_lock(&k->mu);
	k->attesting = false;
	if (r == CCAKIT_OK) {
		cred_release(k->cur);
		k->cur = c;
		c->refs++;
		*out = c;
	} else if (k->cur != NULL && cred_usable(k->cur, now_s())) {
		/* The renewal failed, the token still serves: use it, and
		 * try again in a while rather than at every request. */
		svc_warn("renewing the token failed, the current one serves "
		    "on: %s", d != NULL ? d->text : ccakit_strerror(r));
		k->cur->refresh_at = now_s() + RENEW_BACKOFF_S;
		if (k->cur->refresh_at > k->cur->expires_at - 1)
			k->cur->refresh_at = k->cur->expires_at - 1;
		k->cur->refs++;
		*out = k->cur;
		r = CCAKIT_OK;
	} else {
		k->failed_flight = id;
		memset(&k->failed, 0, sizeof(k->failed));
		if (d != NULL)
			k->failed = *d;
		k->failed.code = r;
	}
	pthread_cond_broadcast(&k->cv);
	pthread_mutex_unlock(&k->mu);
	return r;
}

/* The KBS refused c: drop it from the cache unless already replaced. */
static void
cred_refused(agent_kbs *k, struct cred *c)
{
	pthread_mutex_lock(&k->mu);
	k->st.refused_tokens++;
	if (k->cur == c) {
		k->cur = NULL;
		cred_release(c);
	}
	pthread_mutex_unlock(&k->mu);
}

/* --- the handle --- */

int
agent_kbs_new(const struct agent_kbs_opts *o, agent_kbs **out,
    struct ccakit_errdetail *d)
{
	agent_kbs *k;
	size_t cap;
	int r;

	*out = NULL;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return CCAKIT_ERR_NOMEM;
	k->o = *o;
	if (k->o.attest_tries == 0)
		k->o.attest_tries = AGENT_ATTEST_TRIES;
	if (k->o.get_tries == 0)
		k->o.get_tries = AGENT_GET_TRIES;
	cap = o->max_conns > 0 ? o->max_conns : 4;
	if (pthread_mutex_init(&k->mu, NULL) != 0) {
		free(k);
		return CCAKIT_ERR_INTERNAL;
	}
	if (pthread_cond_init(&k->cv, NULL) != 0) {
		pthread_mutex_destroy(&k->mu);
		free(k);
		return CCAKIT_ERR_INTERNAL;
	}
	k->att.tee = RCAR_TEE_CCA;
	k->att.evidence = agent_evidence;
	k->att.arg = o->attester;
	if ((k->aa_why = strdup(o->aa_why != NULL ? o->aa_why :
	    "no KBS for attestation tokens")) == NULL ||
	    (k->cdh_why = strdup(o->cdh_why != NULL ? o->cdh_why :
	    "no KBS for resources")) == NULL ||
	    (k->alg = strdup(o->tee_key_algorithm != NULL ?
	    o->tee_key_algorithm : "ECDH-ES+A256KW-P256")) == NULL ||
	    (o->init_data != NULL &&
	    (k->init_data = strdup(o->init_data)) == NULL)) {
		r = CCAKIT_ERR_NOMEM;
		goto fail;
	}
	if (o->aa_url != NULL && (r = pool_new(o->aa_url, o->aa_cert,
	    o->timeout_ms, cap, &k->aa, d)) != CCAKIT_OK)
		goto fail;
	if (o->cdh_url != NULL && k->aa != NULL &&
	    strcmp(o->cdh_url, o->aa_url) == 0 &&
	    ((o->cdh_cert == NULL && o->aa_cert == NULL) ||
	    (o->cdh_cert != NULL && o->aa_cert != NULL &&
	    strcmp(o->cdh_cert, o->aa_cert) == 0)))
		k->cdh = k->aa;
	else if (o->cdh_url != NULL && (r = pool_new(o->cdh_url, o->cdh_cert,
	    o->timeout_ms, cap, &k->cdh, d)) != CCAKIT_OK)
		goto fail;
	*out = k;
	return CCAKIT_OK;
fail:
	agent_kbs_free(&k);
	return r;
}

void
agent_kbs_free(agent_kbs **kp)
{
	agent_kbs *k = kp != NULL ? *kp : NULL;

	if (k == NULL)
		return;
	cred_release(k->cur);
	if (k->cdh != k->aa)
		pool_free(&k->cdh);
	pool_free(&k->aa);
	free(k->aa_why);
	free(k->cdh_why);
	free(k->alg);
	free(k->init_data);
	pthread_cond_destroy(&k->cv);
	pthread_mutex_destroy(&k->mu);
	free(k);
	*kp = NULL;
}

void
agent_kbs_stats(agent_kbs *k, struct agent_kbs_stats *s)
{
	pthread_mutex_lock(&k->mu);
	*s = k->st;
	pthread_mutex_unlock(&k->mu);
}

/* A resource path the KBS's resource plugin can name. */
static bool
path_valid(const char *p)
{
	bool start = true;

	if (*p == '\0')
		return false;
	for (; *p != '\0'; p++) {
		if (*p == '/') {
			if (start)
				return false;   /* empty segment */
			start = true;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		    (*p == '.' && !start)))
			return false;
		start = false;
	}
	return !start;
}

static void
count_fetch(agent_kbs *k, int r)
{
	pthread_mutex_lock(&k->mu);
	if (r == CCAKIT_OK)
		k->st.fetches++;
	else
		k->st.fetch_failures++;
	pthread_mutex_unlock(&k->mu);
}

/* What a refusal of the KBS says, for the error text. */
static const char *
refusal(const kbsc *h, char *buf, size_t size)
{
	const struct kbsc_reply *rp = kbsc_last(h);

	if (rp->variant[0] != '\0')
		snprintf(buf, size, "%ld %s: %.300s", rp->status, rp->variant,
		    rp->detail);
	else
		snprintf(buf, size, "%ld (no error information in the reply)",
		    rp->status);
	return buf;
}

/*
 * Whether a 401 refuses the token itself, so that a new one may do
 * better: Trustee's TokenVerifierError (bad, expired or untrusted) and
 * TokenNotFound, or a body that is not Trustee's. Its other 401s
 * (PolicyDeny, PluginInternalError for a missing resource, JweError)
 * come with a good token, which is kept; guest-components re-attests for
 * every 401 (as --token-per-request does).
 */
static bool
token_refused(const kbsc *h)
{
	const char *v = kbsc_last(h)->variant;

	return v[0] == '\0' || strcmp(v, "TokenVerifierError") == 0 ||
	    strcmp(v, "TokenNotFound") == 0;
}

int
agent_kbs_resource(agent_kbs *k, const char *path, uint8_t **out,
    size_t *outlen, struct ccakit_errdetail *d)
{
	struct ccakit_errdetail e;
	struct cred *c = NULL;
	char *kpath = NULL, why[400];
	kbsc *h = NULL;
	unsigned i;
	size_t n;
	long status;
	int r;

	*out = NULL;
	*outlen = 0;
	if (!path_valid(path)) {
		r = cki_detail(d, CCAKIT_ERR_INVALID_ARG, "KBS",
		    "illegal kbs resource uri: "
		    "kbs:///%.200s (expected <repo>/<type>/<tag>)", path);
		goto done;
	}
	if (k->cdh == NULL) {
		r = cki_detail(d, CCAKIT_ERR_CONFIG, "KBS", "%s", k->cdh_why);
		goto done;
	}
	n = strlen(path) + sizeof("resource/");
	if ((kpath = malloc(n)) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto done;
	}
	snprintf(kpath, n, "resource/%s", path);
	why[0] = '\0';
	for (i = 1; i <= k->o.get_tries; i++) {
		r = k->o.token_per_request ? attest(k, &c, d) :
		    cred_get(k, &c, d);
		if (r != CCAKIT_OK)
			goto done;
		memset(&e, 0, sizeof(e));
		if ((r = pool_get(k->cdh, &h, &e)) != CCAKIT_OK) {
			r = cki_detail(d, r, "KBS", "%s", e.text);
			goto done;
		}
		r = kbsc_get_resource(h, kpath, c->token, c->key, out, outlen,
		    &e);
		status = kbsc_last(h)->status;
		if (r == CCAKIT_OK)
			break;
		if (r == CCAKIT_ERR_TOO_LARGE) {
			r = cki_detail(d, r, "KBS",
			    "the KBS's reply is too large: %s",
			    e.text);
		} else if (status == 0) {
			r = cki_detail(d, r, "KBS",
			    "KBS %s unreachable: %s", k->cdh->url,
			    e.text);
		} else if (status == 200) {
			r = cki_detail(d, r, "KBS",
			    "decrypt response failed: %s", e.text);
		} else if (status == 404) {
			r = cki_detail(d, r, "KBS",
			    "KBS resource Not Found (Error 404): %s",
			    refusal(h, why, sizeof(why)));
		} else if (status == 401 && !k->o.token_per_request &&
		    !token_refused(h)) {
			r = cki_detail(d, r, "KBS",
			    "the KBS refused the request: %s",
			    refusal(h, why, sizeof(why)));
		} else if (status == 401) {
			refusal(h, why, sizeof(why));
			svc_info("the KBS refused the token for %s: %s", path,
			    why);
			if (!k->o.token_per_request)
				cred_refused(k, c);
			cred_put(k, c);
			c = NULL;
			pool_put(k->cdh, &h);
			continue;
		} else {
			r = cki_detail(d, r, "KBS",
			    "KBS Server Internal Failed, Response: %s",
			    refusal(h, why, sizeof(why)));
		}
		goto done;
	}
	if (i > k->o.get_tries)
		r = cki_detail(d, CCAKIT_ERR_POLICY, "KBS",
		    "request unauthorized: the KBS "
		    "refused %u tokens (last: %s)", k->o.get_tries, why);
done:
	if (h != NULL)
		pool_put(k->cdh, &h);
	if (c != NULL)
		cred_put(k, c);
	free(kpath);
	count_fetch(k, r);
	return r;
}

/*
 * Append s to out as the body of a JSON string (out has room for 6 bytes
 * per byte of s): no copy of a secret goes through jansson, whose
 * buffers are freed unwiped.
 */
static size_t
json_escape(char *out, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (c < 0x20) {
			memcpy(out + o, "\\u00", 4);
			out[o + 4] = hex[c >> 4];
			out[o + 5] = hex[c & 15];
			o += 6;
		} else {
			out[o++] = (char)c;
		}
	}
	return o;
}

int
agent_kbs_token(agent_kbs *k, char **out, size_t *outlen,
    struct ccakit_errdetail *d)
{
	struct cred *c = NULL;
	char *pem = NULL, *s;
	size_t n, o;
	int r;

	*out = NULL;
	if ((r = attest(k, &c, d)) != CCAKIT_OK)
		return r;
	if ((r = ccakit_teekey_to_pem(c->key, &pem)) != CCAKIT_OK) {
		cred_put(k, c);
		return cki_detail(d, r, "KBS",
		    "cannot write the TEE key as PEM");
	}
	/* {"token":"<JWT>","tee_keypair":"<PEM>"}, as serde writes it. */
	n = 6 * (strlen(c->token) + strlen(pem)) + 64;
	if ((s = malloc(n)) != NULL) {
		o = (size_t)snprintf(s, n, "{\"token\":\"");
		o += json_escape(s + o, c->token);
		memcpy(s + o, "\",\"tee_keypair\":\"", 17);
		o += 17;
		o += json_escape(s + o, pem);
		memcpy(s + o, "\"}", 3);
		o += 2;
		*out = s;
		*outlen = o;
	}
	ccakit_wipe(pem, strlen(pem));
	ccakit_free(pem);
	cred_put(k, c);
	return s != NULL ? CCAKIT_OK : CCAKIT_ERR_NOMEM;
}
