/*
 * Arm CCA evidence, verified as Trustee's CCA verifier does
 * (deps/verifier/src/cca at 78962cd; addendum §4.2): the configuration
 * file named by CCA_CONFIG_FILE (default
 * /opt/confidential-containers/attestation-service/cca/config.json)
 * names either the trust-anchor and reference-value stores
 * (rust-ccatoken's JSON; "local", verified with ccakit's token library)
 * or a Veraison-compatible verifier ("remote", through the Veraison
 * client of services/common). Trustee reads the files on every
 * attestation; here they are read again only when one of them changed
 * (inode, size, mtime).
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

#include <ccakit/appraise.h>
#include <ccakit/bytes.h>
#include <ccakit/ear.h>
#include <ccakit/store.h>
#include <ccakit/token.h>
#include <ccakit/tv.h>

#include "kbs.h"
#include "veraison.h"

#define CCA_DEFAULT_CONFIG \
	"/opt/confidential-containers/attestation-service/cca/config.json"

struct cca_stores {
	/* local: the stores; remote: a Veraison-compatible verifier */
	bool remote;
	char address[1024];
	char ca_cert[1024];             /* "" when none */
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
	    same_file(&cca_cur->st[0], &st[0]) && (cca_cur->remote ||
	    (stat(cca_cur->path[1], &st[1]) == 0 &&
	    same_file(&cca_cur->st[1], &st[1]) &&
	    stat(cca_cur->path[2], &st[2]) == 0 &&
	    same_file(&cca_cur->st[2], &st[2])))) {
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
		const char *addr = json_string_value(json_object_get(v,
		    "address"));
		const json_t *ca = json_object_get(v, "ca-cert");

		if (addr == NULL || (strncmp(addr, "http://", 7) != 0 &&
		    strncmp(addr, "https://", 8) != 0) || (ca != NULL &&
		    !json_is_string(ca) && !json_is_null(ca))) {
			r = fail(d, CCAKIT_ERR_CONFIG, "%s: type \"remote\" "
			    "with an \"address\" (http:// or https://) and an "
			    "optional \"ca-cert\" path expected", cfg);
			goto out;
		}
		if ((s = calloc(1, sizeof(*s))) == NULL) {
			r = CCAKIT_ERR_NOMEM;
			goto out;
		}
		s->remote = true;
		s->refs = 1;
		s->st[0] = st[0];
		snprintf(s->path[0], sizeof(s->path[0]), "%s", cfg);
		snprintf(s->address, sizeof(s->address), "%s", addr);
		if (json_is_string(ca))
			snprintf(s->ca_cert, sizeof(s->ca_cert), "%s",
			    json_string_value(ca));
		goto cache;
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
cache:
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

/* A string claim of annotated evidence, as serde reads it. */
static const char *
ae_str(const json_t *o, const char *name, struct ccakit_errdetail *d)
{
	const char *v = json_string_value(json_object_get(o, name));

	if (v == NULL)
		fail(d, CCAKIT_ERR_CLAIM_MISSING, "the verifier's annotated "
		    "evidence has no string %s", name);
	return v;
}

/* Standard base64 (padded) of at most 64 bytes, to hex. */
static json_t *
b64_to_hex(const char *b, uint8_t *raw, size_t *rawlen)
{
	uint8_t buf[64];
	size_t n;

	if (ccakit_b64_decode(b, strlen(b), CCAKIT_B64_STD, buf, sizeof(buf),
	    &n) != CCAKIT_OK)
		return NULL;
	if (raw != NULL) {
		memcpy(raw, buf, n);
		*rawlen = n;
	}
	return hex((struct ccakit_bytes){ buf, n });
}

/*
 * Remote verification (Trustee's deps/verifier/src/cca/remote.rs): a
 * Veraison-compatible verifier appraises the token in a session whose
 * nonce is the expected 64 bytes (its EAR checked with the discovery key,
 * eat_nonce equal to those bytes); as in Trustee, its status and trust
 * vectors are not used, only the CCA_REALM and CCA_SSD_PLATFORM annotated
 * evidence, made into the same claims as the local verifier's, and
 * (unlike Trustee) only when the verifier found the platform affirming.
 */
static int
remote_claims(const struct cca_stores *s, const uint8_t *tok, size_t n,
    const uint8_t expected[64], json_t **claims, uint8_t rpv[64],
    size_t *rpvlen, struct ccakit_errdetail *d)
{
	static const char *const rnames[] = {
		"cca-realm-personalization-value",
		"cca-realm-initial-measurement", "cca-realm-hash-algo-id",
		"cca-realm-challenge",
	};
	struct svc_veraison_opts o;
	enum ccakit_tier tier = CCAKIT_TIER_NONE;
	ccakit_ear *ear = NULL;
	char err[512], *rj = NULL, *pj = NULL;
	const char *rv[4], *inst, *impl;
	json_t *realm = NULL, *plat = NULL, *rem, *e, *rd, *id;
	size_t i;
	int r;

	memset(&o, 0, sizeof(o));
	o.base_url = s->address;
	o.cafile = s->ca_cert[0] != '\0' ? s->ca_cert : NULL;
	if (svc_veraison_appraise(&o, expected, 64, SVC_V_MT_CCA, tok, n, &ear,
	    err, sizeof(err)) != 0)
		return fail(d, CCAKIT_ERR_SIGNATURE, "remote verification "
		    "failed: %s", err);
	/* Unlike Trustee, which uses the claims whatever the verifier's
	 * verdict: the platform must be affirming (its CPAK known, its
	 * reference values matched), what the local mode requires. */
	if (ccakit_ear_submod_status(ear, CCAKIT_EAR_SUBMOD_PLATFORM, &tier) !=
	    CCAKIT_OK || tier != CCAKIT_TIER_AFFIRMING) {
		r = fail(d, CCAKIT_ERR_POLICY, "the verifier did not find the "
		    "platform affirming (%s)", ccakit_ear_has_submod(ear,
		    CCAKIT_EAR_SUBMOD_PLATFORM) ? ccakit_tier_name(tier) :
		    "no CCA_SSD_PLATFORM");
		goto out;
	}
	if (ccakit_ear_submod_annotated_evidence(ear, CCAKIT_EAR_SUBMOD_REALM,
	    &rj) != CCAKIT_OK) {
		r = fail(d, CCAKIT_ERR_NOT_FOUND, "no entry found for "
		    "CCA_REALM");
		goto out;
	}
	if (ccakit_ear_submod_annotated_evidence(ear,
	    CCAKIT_EAR_SUBMOD_PLATFORM, &pj) != CCAKIT_OK) {
		r = fail(d, CCAKIT_ERR_NOT_FOUND, "no entry found for "
		    "CCA_SSD_PLATFORM");
		goto out;
	}
	if ((realm = json_loads(rj, 0, NULL)) == NULL ||
	    (plat = json_loads(pj, 0, NULL)) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < 4; i++)
		if ((rv[i] = ae_str(realm, rnames[i], d)) == NULL) {
			r = CCAKIT_ERR_CLAIM_MISSING;
			goto out;
		}
	if ((inst = ae_str(plat, "cca-platform-instance-id", d)) == NULL ||
	    (impl = ae_str(plat, "cca-platform-implementation-id", d)) ==
	    NULL) {
		r = CCAKIT_ERR_CLAIM_MISSING;
		goto out;
	}
	rem = json_object_get(realm, "cca-realm-extensible-measurements");
	json_array_foreach(rem, i, e)
		if (!json_is_string(e))
			rem = NULL;
	if (!json_is_array(rem)) {
		r = fail(d, CCAKIT_ERR_CLAIM_TYPE, "the verifier's annotated "
		    "evidence has no array of strings "
		    "cca-realm-extensible-measurements");
		goto out;
	}
	if ((id = b64_to_hex(rv[0], rpv, rpvlen)) == NULL ||
	    (rd = b64_to_hex(rv[3], NULL, NULL)) == NULL) {
		json_decref(id);
		r = fail(d, CCAKIT_ERR_ENCODING, "the verifier's realm "
		    "challenge or personalization value is not base64 of at "
		    "most 64 bytes");
		goto out;
	}
	*claims = json_pack("{s:{s:s, s:s, s:O, s:s, s:s}, s:{s:s, s:s}, "
	    "s:o, s:o}",
	    "realm",
	    "cca-realm-personalization-value", rv[0],
	    "cca-realm-initial-measurement", rv[1],
	    "cca-realm-extensible-measurements", rem,
	    "cca-realm-hash-algo-id", rv[2],
	    "cca-realm-challenge", rv[3],
	    "platform",
	    "cca-platform-instance-id", inst,
	    "cca-platform-implementation-id", impl,
	    "report_data", rd,
	    "init_data", id);
	r = *claims != NULL ? CCAKIT_OK : CCAKIT_ERR_NOMEM;
out:
	json_decref(realm);
	json_decref(plat);
	ccakit_free(rj);
	ccakit_free(pj);
	ccakit_ear_free(&ear);
	return r;
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
	ccakit_token *t = NULL;
	size_t n;
	int r;

	if (ev->report_data == NULL)
		return fail(d, CCAKIT_ERR_INVALID_ARG, "CCA verifier must "
		    "provide report data field!");
	rcar_regularize(ev->report_data, ev->report_len, expected,
	    sizeof(expected));
	/* {"token": [u8, ...]} (a base64 string is refused, as serde's
	 * Vec<u8> does), read without building the array. */
	if ((r = rcar_json_bytes(ev->evidence, ev->evidence_len, "token",
	    CCAKIT_TOKEN_MAX_SIZE, &tok, &n, d)) != CCAKIT_OK) {
		char why[sizeof(d->text)];

		snprintf(why, sizeof(why), "%s", d->text);
		return fail(d, r == CCAKIT_ERR_NOT_FOUND ? CCAKIT_ERR_JSON : r,
		    "Deserialize CCA Evidence failed: %s", why);
	}
	if (n == 0) {
		r = fail(d, CCAKIT_ERR_TOO_LARGE, "token of 0 bytes");
		goto out;
	}
	if ((r = stores_get(&s, d)) != CCAKIT_OK)
		goto out;
	if (s->remote) {
		uint8_t rpv[64];
		size_t rpvlen = 0;

		if ((r = remote_claims(s, tok, n, expected, &out->claims, rpv,
		    &rpvlen, d)) != CCAKIT_OK)
			goto out;
		if (ev->init_digest != NULL) {
			rcar_regularize(ev->init_digest, ev->init_len, pad,
			    sizeof(pad));
			if (rpvlen != sizeof(pad) || memcmp(rpv, pad,
			    sizeof(pad)) != 0) {
				json_decref(out->claims);
				out->claims = NULL;
				r = fail(d, CCAKIT_ERR_CHALLENGE, "init data hash "
				    "is different from that in CCA token");
				goto out;
			}
		}
		out->tee_class = "cpu";
		r = CCAKIT_OK;
		goto out;
	}
	if ((t = ccakit_token_new()) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	if ((r = ccakit_token_decode(t, tok, n, d)) != CCAKIT_OK)
		goto out;
	memset(&vo, 0, sizeof(vo));
	vo.challenge = expected;
	vo.challenge_len = sizeof(expected);
	vo.platform_cache = k->pcache;
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
