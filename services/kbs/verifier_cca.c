/*
 * Arm CCA evidence, verified locally as Trustee's CCA verifier does
 * (deps/verifier/src/cca at 78962cd; addendum §4.2), with ccakit's token
 * library: the configuration file named by CCA_CONFIG_FILE (default
 * /opt/confidential-containers/attestation-service/cca/config.json)
 * names the trust-anchor and reference-value stores (rust-ccatoken's
 * JSON). Trustee reads the three files on every attestation; here they
 * are read again only when one of them changed (inode, size, mtime).
 *
 * Accepted: the CPAK is known, both signatures verify, the RAK binding
 * holds, the platform reference values match exactly and the realm
 * challenge equals the expected report data zero-padded to 64 bytes.
 * Unlike Trustee: collections of tag 399 and CMW 907 with every profile
 * ccakit verifies (Trustee: 399, legacy and 2023 profiles), and an
 * init-data digest is zero-padded to 64 bytes before it is compared with
 * the realm personalization value (Trustee compares it unpadded, so only
 * sha512 init-data can match there).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ccakit/bytes.h>
#include <ccakit/appraise.h>
#include <ccakit/store.h>
#include <ccakit/token.h>
#include <ccakit/tv.h>

#include "kbs.h"

#define CCA_DEFAULT_CONFIG \
	"/opt/confidential-containers/attestation-service/cca/config.json"

struct cca_stores {
	ccakit_ta_store *tas;
	ccakit_rv_store *rvs;
	unsigned refs;
	struct stat st[3];              /* config, ta, rv */
	char path[3][1024];
};

static pthread_mutex_t cca_mu = PTHREAD_MUTEX_INITIALIZER;
static struct cca_stores *cca_cur;

static void
stores_put(struct cca_stores *s)
{
	bool last;

	if (s == NULL)
		return;
	pthread_mutex_lock(&cca_mu);
	last = --s->refs == 0;
	pthread_mutex_unlock(&cca_mu);
	if (last) {
		ccakit_ta_store_free(&s->tas);
		ccakit_rv_store_free(&s->rvs);
		free(s);
	}
}

static bool
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
	    a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static int
fail(struct ccakit_errdetail *d, int code, const char *fmt, ...)
    SVC_PRINTF(3, 4);

static int
fail(struct ccakit_errdetail *d, int code, const char *fmt, ...)
{
	va_list ap;

	d->code = code;
	d->what = "cca";
	va_start(ap, fmt);
	vsnprintf(d->text, sizeof(d->text), fmt, ap);
	va_end(ap);
	return code;
}

static int
read_text(const char *path, char **out, size_t *len,
    struct ccakit_errdetail *d)
{
	FILE *f;
	char *p;
	size_t n;

	if ((f = fopen(path, "re")) == NULL)
		return fail(d, CCAKIT_ERR_IO, "%s: cannot open", path);
	if ((p = malloc(CCAKIT_STORE_MAX_JSON + 1)) == NULL) {
		fclose(f);
		return CCAKIT_ERR_NOMEM;
	}
	n = fread(p, 1, CCAKIT_STORE_MAX_JSON + 1, f);
	fclose(f);
	if (n > CCAKIT_STORE_MAX_JSON) {
		free(p);
		return fail(d, CCAKIT_ERR_TOO_LARGE, "%s: too large", path);
	}
	p[n] = '\0';
	*out = p;
	*len = n;
	return CCAKIT_OK;
}

/* The stores for the current configuration (a reference). */
static int
stores_get(struct cca_stores **out, struct ccakit_errdetail *d)
{
	const char *cfg = getenv("CCA_CONFIG_FILE"), *type, *ta, *rv;
	struct cca_stores *s = NULL;
	struct stat st[3];
	json_error_t je;
	json_t *j = NULL, *v;
	char *text = NULL;
	size_t len;
	int r;

	if (cfg == NULL || *cfg == '\0')
		cfg = CCA_DEFAULT_CONFIG;
	if (stat(cfg, &st[0]) != 0)
		return fail(d, CCAKIT_ERR_IO, "%s: cannot read the CCA "
		    "verifier configuration (CCA_CONFIG_FILE)", cfg);
	pthread_mutex_lock(&cca_mu);
	if (cca_cur != NULL && strcmp(cca_cur->path[0], cfg) == 0 &&
	    same_file(&cca_cur->st[0], &st[0]) &&
	    stat(cca_cur->path[1], &st[1]) == 0 &&
	    same_file(&cca_cur->st[1], &st[1]) &&
	    stat(cca_cur->path[2], &st[2]) == 0 &&
	    same_file(&cca_cur->st[2], &st[2])) {
		cca_cur->refs++;
		*out = cca_cur;
		pthread_mutex_unlock(&cca_mu);
		return CCAKIT_OK;
	}
	pthread_mutex_unlock(&cca_mu);
	/* (Re)load. */
	if ((r = read_text(cfg, &text, &len, d)) != CCAKIT_OK)
		return r;
	j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	free(text);
	text = NULL;
	if ((v = json_object_get(j, "cca-verifier")) == NULL ||
	    !json_is_string(json_object_get(v, "type"))) {
		r = fail(d, CCAKIT_ERR_CONFIG, "%s: not a CCA verifier "
		    "configuration ({\"cca-verifier\":{\"type\":...}})", cfg);
		goto out;
	}
	type = json_string_value(json_object_get(v, "type"));
	if (strcmp(type, "remote") == 0) {
		/* TODO(issue 11): remote verification through the one
		 * Veraison client of services/common (docs/kbs.md). */
		r = fail(d, CCAKIT_ERR_CONFIG, "%s: remote CCA verification "
		    "is not available in this build (use type \"local\")",
		    cfg);
		goto out;
	}
	ta = json_string_value(json_object_get(v, "ta-store"));
	rv = json_string_value(json_object_get(v, "rv-store"));
	if (strcmp(type, "local") != 0 || ta == NULL || rv == NULL) {
		r = fail(d, CCAKIT_ERR_CONFIG, "%s: type \"local\" with "
		    "\"ta-store\" and \"rv-store\" paths expected", cfg);
		goto out;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	s->refs = 1;
	snprintf(s->path[0], sizeof(s->path[0]), "%s", cfg);
	snprintf(s->path[1], sizeof(s->path[1]), "%s", ta);
	snprintf(s->path[2], sizeof(s->path[2]), "%s", rv);
	s->st[0] = st[0];
	if (stat(ta, &s->st[1]) != 0 || stat(rv, &s->st[2]) != 0) {
		r = fail(d, CCAKIT_ERR_IO, "%s: cannot read %s", cfg,
		    stat(ta, &s->st[1]) != 0 ? ta : rv);
		goto out;
	}
	if ((s->tas = ccakit_ta_store_new()) == NULL ||
	    (s->rvs = ccakit_rv_store_new()) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	if ((r = read_text(ta, &text, &len, d)) != CCAKIT_OK ||
	    (r = ccakit_ta_store_load_json(s->tas, text, len, d)) !=
	    CCAKIT_OK)
		goto out;
	free(text);
	text = NULL;
	if ((r = read_text(rv, &text, &len, d)) != CCAKIT_OK ||
	    (r = ccakit_rv_store_load_json(s->rvs, text, len, d)) !=
	    CCAKIT_OK)
		goto out;
	pthread_mutex_lock(&cca_mu);
	if (cca_cur != NULL && --cca_cur->refs == 0) {
		ccakit_ta_store_free(&cca_cur->tas);
		ccakit_rv_store_free(&cca_cur->rvs);
		free(cca_cur);
	}
	cca_cur = s;
	s->refs++;                      /* the cache's and the caller's */
	pthread_mutex_unlock(&cca_mu);
	*out = s;
	s = NULL;
	r = CCAKIT_OK;
out:
	free(text);
	json_decref(j);
	if (s != NULL) {
		ccakit_ta_store_free(&s->tas);
		ccakit_rv_store_free(&s->rvs);
		free(s);
	}
	return r;
}

static json_t *
b64(struct ccakit_bytes b)
{
	size_t n = ccakit_b64_encoded_len(b.len, CCAKIT_B64_STD);
	json_t *j;
	char *s;

	if ((s = malloc(n + 1)) == NULL)
		return NULL;
	ccakit_b64_encode(b.ptr, b.len, CCAKIT_B64_STD, s, n + 1);
	j = json_string(s);
	free(s);
	return j;
}

static json_t *
hex(struct ccakit_bytes b)
{
	char s[2 * 64 + 1];

	if (b.len > 64 || ccakit_hex_encode(b.ptr, b.len, s, sizeof(s)) != 0)
		return NULL;
	return json_string(s);
}

/* Trustee's claim set (EvidenceClaimsSet; addendum §4.3). */
static json_t *
claims_of(const ccakit_token *t)
{
	const struct ccakit_platform_claims *pc = ccakit_token_platform(t);
	const struct ccakit_realm_claims *rc = ccakit_token_realm(t);
	json_t *rem, *alg;
	size_t i;

	if ((rem = json_array()) == NULL)
		return NULL;
	for (i = 0; i < CCAKIT_REM_COUNT; i++)
		json_array_append_new(rem, b64(rc->rem[i]));
	alg = json_stringn((const char *)rc->hash_alg.ptr, rc->hash_alg.len);
	return json_pack("{s:{s:o, s:o, s:o, s:o, s:o}, s:{s:o, s:o}, s:o, "
	    "s:o}",
	    "realm",
	    "cca-realm-personalization-value", b64(rc->rpv),
	    "cca-realm-initial-measurement", b64(rc->rim),
	    "cca-realm-extensible-measurements", rem,
	    "cca-realm-hash-algo-id", alg != NULL ? alg : json_string(""),
	    "cca-realm-challenge", b64(rc->challenge),
	    "platform",
	    "cca-platform-instance-id", b64(pc->inst_id),
	    "cca-platform-implementation-id", b64(pc->impl_id),
	    "report_data", hex(rc->challenge),
	    "init_data", hex(rc->rpv));
}

int
kbs_verify_cca(struct kbs *k, const struct kbs_evidence *ev,
    struct kbs_claims *out, struct ccakit_errdetail *d)
{
	struct ccakit_verify_opts vo;
	struct ccakit_verify_result vr;
	struct ccakit_appraisal app;
	struct cca_stores *s = NULL;
	uint8_t expected[64], *tok = NULL, pad[64];
	const json_t *arr, *e;
	ccakit_token *t = NULL;
	json_int_t v;
	size_t i, n;
	int r;

	(void)k;
	if (ev->report_data == NULL)
		return fail(d, CCAKIT_ERR_INVALID_ARG, "CCA verifier must "
		    "provide report data field!");
	rcar_regularize(ev->report_data, ev->report_len, expected,
	    sizeof(expected));
	/* {"token": [u8, ...]} (a base64 string is refused, as serde's
	 * Vec<u8> does). */
	arr = json_object_get(ev->evidence, "token");
	if (!json_is_array(arr))
		return fail(d, CCAKIT_ERR_JSON, "Deserialize CCA Evidence "
		    "failed: \"token\" must be an array of bytes");
	n = json_array_size(arr);
	if (n == 0 || n > CCAKIT_TOKEN_MAX_SIZE)
		return fail(d, CCAKIT_ERR_TOO_LARGE, "token of %zu bytes", n);
	if ((tok = malloc(n)) == NULL)
		return CCAKIT_ERR_NOMEM;
	json_array_foreach(arr, i, e) {
		if (!json_is_integer(e) || (v = json_integer_value(e)) < 0 ||
		    v > 255) {
			r = fail(d, CCAKIT_ERR_JSON, "Deserialize CCA Evidence "
			    "failed: token[%zu] is not a byte", i);
			goto out;
		}
		tok[i] = (uint8_t)v;
	}
	if ((r = stores_get(&s, d)) != CCAKIT_OK)
		goto out;
	if ((t = ccakit_token_new()) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	if ((r = ccakit_token_decode(t, tok, n, d)) != CCAKIT_OK)
		goto out;
	memset(&vo, 0, sizeof(vo));
	vo.challenge = expected;
	vo.challenge_len = sizeof(expected);
	if ((r = ccakit_token_verify(t, s->tas, &vo, &vr, d)) != CCAKIT_OK)
		goto out;
	if ((r = ccakit_token_appraise(t, s->rvs, &app)) != CCAKIT_OK)
		goto out;
	if (!ccakit_tv_is_set(&app.platform, CCAKIT_TV_HARDWARE) ||
	    app.platform.v[CCAKIT_TV_HARDWARE] != CCAKIT_AR_GENUINE_HARDWARE) {
		r = fail(d, CCAKIT_ERR_POLICY, "the platform's reference "
		    "values do not match (implementation-id, "
		    "platform-configuration and sw-components)");
		goto out;
	}
	if (ev->init_digest != NULL) {
		rcar_regularize(ev->init_digest, ev->init_len, pad,
		    sizeof(pad));
		if (ccakit_token_realm(t)->rpv.len != sizeof(pad) ||
		    memcmp(ccakit_token_realm(t)->rpv.ptr, pad,
		    sizeof(pad)) != 0) {
			r = fail(d, CCAKIT_ERR_CHALLENGE, "init data hash is "
			    "different from that in CCA token");
			goto out;
		}
	}
	if ((out->claims = claims_of(t)) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	out->tee_class = "cpu";
	r = CCAKIT_OK;
out:
	ccakit_token_free(&t);
	stores_put(s);
	if (tok != NULL)
		ccakit_wipe(tok, n);
	free(tok);
	return r;
}
