/*
 * keybroker-server: evidence appraisal, by the embedded verifier (the
 * default) or a remote Veraison-compatible service (--verifier), then the
 * release policy (Rego: --policy, builtin:default unless given).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/eventlog.h>

#include "kbs.h"
#include "ops.h"
#include "svcmain.h"
#include "veraison.h"

int
kbs_policy_setup(struct kbs *k, const char *prog, const char *spec)
{
	struct ccakit_errdetail d;
	const char *text;
	char *file = NULL;
	size_t len;
	int r;

	memset(&d, 0, sizeof(d));
	if (strncmp(spec, KBS_POLICY_BUILTIN, strlen(KBS_POLICY_BUILTIN)) ==
	    0) {
		if ((text = kbs_release_policy_builtin(spec +
		    strlen(KBS_POLICY_BUILTIN))) == NULL)
			return svc_die(prog, "--policy %s: no such built-in "
			    "policy (%s)", spec, kbs_release_policy_names());
		len = strlen(text);
	} else {
		if (svc_read_text(prog, spec, KBS_POLICY_MAX_FILE, &file,
		    &len))
			return 1;
		text = file;
	}
	r = kbs_policy_new(spec, text, len, &k->policy, &d);
	free(file);
	if (r != CCAKIT_OK)     /* the text names the file */
		return svc_die(prog, "--policy: %s", svc_detail_text(r, &d));
	if ((r = kbs_policy_data_new(k->rims, k->nrims, &k->policy_data)) !=
	    CCAKIT_OK)
		return svc_die(prog, "--reference-values: %s",
		    ccakit_strerror(r));
	return 0;
}

/* The policy's decision with the approved RIMs rims[0..n): the data
 * document of the static ones is made once (kbs_policy_setup). */
static int
decide(struct kbs *k, const ccakit_ear *ear, const struct ccakit_bytes *rims,
    size_t n, struct ccakit_errdetail *why)
{
	ccakit_rego_doc *data = NULL;
	int r;

	if (rims == k->rims && n == k->nrims)
		return kbs_policy_eval(k->policy, ear, k->policy_data, why);
	if ((r = kbs_policy_data_new(rims, n, &data)) != CCAKIT_OK)
		return r;
	r = kbs_policy_eval(k->policy, ear, data, why);
	kbs_policy_data_free(&data);
	return r;
}

static void
log_ear(uint32_t id, const ccakit_ear *ear)
{
	enum ccakit_tier t;
	const char *name;
	size_t i;

	if (svc_log_level() < SVC_LOG_INFO)
		return;
	for (i = 0; (name = ccakit_ear_submod_name(ear, i)) != NULL; i++) {
		if (ccakit_ear_submod_status(ear, name, &t) != CCAKIT_OK)
			continue;
		svc_info("challenge %u: submod %s: %s", id, name,
		    ccakit_tier_name(t));
	}
}

/* The demo's hint when no reference values are configured. */
static void
log_rim_hint(uint32_t id, const ccakit_ear *ear)
{
	const char *rim = ccakit_ear_submod_evidence_str(ear,
	    CCAKIT_EAR_SUBMOD_REALM, "cca-realm-initial-measurement");

	if (rim == NULL)
		return;
	svc_info("Known-good RIM values are missing. If you trust the client "
	    "that submitted evidence for challenge %u, restart the "
	    "keybroker-server with: --reference-values <(echo "
	    "'{ \"reference-values\": [ \"%s\" ] }')", id, rim);
}

/*
 * The approved RIMs: the static ones and those replays proved. While no
 * replay has proved one (always, without --images), the static table;
 * then an array in *own of the static RIMs and views of *dyn, a copy of
 * the learned ones (both the caller's to free). -1 when out of memory.
 */
static int
approved_rims(struct kbs *k, const struct ccakit_bytes **rims, size_t *n,
    struct ccakit_bytes **own, struct kbs_rim **dyn)
{
	struct ccakit_bytes *r;
	size_t i, nd;

	*rims = k->rims;
	*n = k->nrims;
	*own = NULL;
	*dyn = NULL;
	if (k->nimages == 0)
		return 0;
	pthread_mutex_lock(&k->dyn_mu);
	if ((nd = k->ndyn) == 0) {
		pthread_mutex_unlock(&k->dyn_mu);
		return 0;
	}
	if ((r = calloc(k->nrims + nd, sizeof(*r))) == NULL ||
	    (*dyn = malloc(nd * sizeof(**dyn))) == NULL) {
		pthread_mutex_unlock(&k->dyn_mu);
		free(r);
		return -1;
	}
	memcpy(*dyn, k->dyn, nd * sizeof(**dyn));
	pthread_mutex_unlock(&k->dyn_mu);
	for (i = 0; i < k->nrims; i++)
		r[i] = k->rims[i];
	for (i = 0; i < nd; i++) {
		r[k->nrims + i].ptr = (*dyn)[i].v;
		r[k->nrims + i].len = (*dyn)[i].len;
	}
	*rims = *own = r;
	*n = k->nrims + nd;
	return 0;
}

static void
remember_rim(struct kbs *k, const uint8_t *rim, size_t len)
{
	struct kbs_rim *nd;
	size_t i;

	pthread_mutex_lock(&k->dyn_mu);
	for (i = 0; i < k->ndyn; i++)
		if (k->dyn[i].len == len && memcmp(k->dyn[i].v, rim, len) == 0)
			goto out;
	if (k->ndyn == k->dyn_cap) {
		if (k->dyn_cap >= KBS_REFVALS_MAX_COUNT)
			goto out;       /* full: replays keep working */
		k->dyn_cap = k->dyn_cap == 0 ? 16 : k->dyn_cap * 2;
		if ((nd = realloc(k->dyn, k->dyn_cap * sizeof(*nd))) == NULL) {
			k->dyn_cap = k->ndyn;
			goto out;
		}
		k->dyn = nd;
	}
	k->dyn[k->ndyn].len = len;
	memcpy(k->dyn[k->ndyn].v, rim, len);
	k->ndyn++;
out:
	pthread_mutex_unlock(&k->dyn_mu);
}

/*
 * Dynamic RIM: replay the realm's event log with the trusted images and
 * require the attested RIM. On success *rim is the proved RIM.
 */
static int
replay_rim(struct kbs *k, const ccakit_ear *ear, const uint8_t *log,
    size_t loglen, struct kbs_rim *rim, char *why, size_t whysz)
{
	struct ccakit_replay_opts ro;
	struct ccakit_replay_result res;
	struct ccakit_errdetail d;
	ccakit_evlog *l = NULL;
	uint8_t attested[64];
	size_t alen;
	int r, rc = -1;

	memset(&d, 0, sizeof(d));
	if ((r = ccakit_ear_realm_rim(ear, attested, sizeof(attested),
	    &alen)) != CCAKIT_OK) {
		snprintf(why, whysz, "no attested RIM: %s", ccakit_strerror(r));
		goto out;
	}
	if ((l = ccakit_evlog_new()) == NULL) {
		snprintf(why, whysz, "event log: %s",
		    ccakit_strerror(CCAKIT_ERR_NOMEM));
		goto out;
	}
	if ((r = ccakit_evlog_parse(l, log, loglen, 0, &d)) != CCAKIT_OK) {
		snprintf(why, whysz, "event log: %s%s%.200s",
		    ccakit_strerror(r), d.text[0] != '\0' ? ": " : "", d.text);
		goto out;
	}
	memset(&ro, 0, sizeof(ro));
	ro.threads = 1;                 /* we run on a pool thread already */
	ro.images = k->images;
	ro.n_images = k->nimages;
	if ((r = ccakit_evlog_replay(l, &ro, &res, &d)) != CCAKIT_OK) {
		snprintf(why, whysz, "event log replay: %s%s%.200s",
		    ccakit_strerror(r), d.text[0] != '\0' ? ": " : "", d.text);
		goto out;
	}
	/* Every image was trusted (the replay fails otherwise); the realm
	 * parameters the log declares are covered by the RIM itself. */
	if (res.n_untrusted != 0) {
		snprintf(why, whysz, "event log has untrusted events");
		goto out;
	}
	if (res.meas.len != alen || ccakit_ct_memcmp(res.meas.rim, attested,
	    alen) != 0) {
		snprintf(why, whysz, "the event log's RIM is not the attested "
		    "RIM");
		goto out;
	}
	rim->len = alen;
	memcpy(rim->v, attested, alen);
	rc = 0;
out:
	ccakit_evlog_free(&l);
	return rc;
}

enum kbs_verdict
kbs_appraise(struct kbs *k, const struct kbs_challenge *c,
    const uint8_t *tok, size_t toklen, const uint8_t *log, size_t loglen,
    char *detail, size_t detailsz, char *note, size_t notesz,
    const struct svc_req *req, struct svc_resp *resp)
{
	const struct ccakit_bytes *rims = NULL;
	struct ccakit_bytes *own = NULL, *plus = NULL;
	struct kbs_rim *dyn = NULL, proved;
	char why[256];
	size_t nrims = 0;
	struct ccakit_attest_opts ao;
	struct svc_veraison_opts vo;
	struct ccakit_errdetail pwhy;
	ccakit_ear *ear = NULL;
	char err[512], subject[100];
	enum kbs_verdict v = KBS_INTERNAL_ERROR;
	struct svc_attestation att;
	struct timespec t0;
	int r;

	memset(&pwhy, 0, sizeof(pwhy));
	snprintf(detail, detailsz, "internal error");
	snprintf(note, notesz, "error");
	if (k->verifier_url == NULL) {
		memset(&ao, 0, sizeof(ao));
		ao.nonce = c->nonce;
		ao.nonce_len = sizeof(c->nonce);
		ao.platform_cache = k->pcache;
		r = ccakit_attest_cca(tok, toklen, k->tas, k->rvs, &ao, &ear,
		    &pwhy);
		if (r == CCAKIT_ERR_TOO_LARGE || r == CCAKIT_ERR_INVALID_ARG) {
			snprintf(detail, detailsz, "The attestation result is "
			    "not in policy: %s", ccakit_strerror(r));
			snprintf(note, notesz, "evidence");
			v = KBS_DENY;
			goto out;
		}
		if (r != CCAKIT_OK) {
			snprintf(detail, detailsz, "verifier: %s",
			    ccakit_strerror(r));
			goto out;
		}
		if (pwhy.code != CCAKIT_OK) {
			snprintf(detail, detailsz, "The attestation result is "
			    "not in policy: evidence rejected: %s",
			    pwhy.text[0] != '\0' ? pwhy.text :
			    ccakit_strerror(pwhy.code));
			snprintf(note, notesz, "evidence:%s",
			    ccakit_strerror(pwhy.code));
			log_ear(c->id, ear);
			v = KBS_DENY;
			goto out;
		}
	} else {
		memset(&vo, 0, sizeof(vo));
		vo.base_url = k->verifier_url;
		vo.cafile = k->verifier_ca;
		if (svc_veraison_appraise(&vo, c->nonce, sizeof(c->nonce),
		    KBS_MEDIA_TYPE_CCA, tok, toklen, &ear, err,
		    sizeof(err)) != 0) {
			snprintf(detail, detailsz, "%s", err);
			snprintf(note, notesz, "verifier");
			v = KBS_VERIFIER_ERROR;
			goto out;
		}
	}
	log_ear(c->id, ear);
	if (approved_rims(k, &rims, &nrims, &own, &dyn) != 0) {
		snprintf(detail, detailsz, "out of memory");
		goto out;
	}
	if (nrims == 0 && (log == NULL || k->nimages == 0)) {
		log_rim_hint(c->id, ear);
		snprintf(detail, detailsz, "No attestation result was "
		    "obtained. No known-good reference values.");
		snprintf(note, notesz, "no-reference-values");
		v = KBS_DENY;
		goto out;
	}
	memset(&pwhy, 0, sizeof(pwhy));
	t0 = svc_ops_now();
	r = nrims == 0 ? CCAKIT_ERR_POLICY : decide(k, ear, rims, nrims,
	    &pwhy);
	if (nrims > 0)
		svc_ops_policy_time(t0);
	if (r == CCAKIT_ERR_POLICY && log != NULL && k->nimages > 0) {
		/* Not approved yet: may the event log prove the RIM? */
		if (replay_rim(k, ear, log, loglen, &proved, why,
		    sizeof(why)) != 0) {
			snprintf(detail, detailsz, "The attestation result is "
			    "not in policy. %s", why);
			snprintf(note, notesz, "policy:deny dynamic-rim:no");
			v = KBS_DENY;
			goto out;
		}
		if ((plus = calloc(nrims + 1, sizeof(*plus))) == NULL) {
			snprintf(detail, detailsz, "out of memory");
			goto out;
		}
		if (nrims > 0)
			memcpy(plus, rims, nrims * sizeof(*plus));
		plus[nrims].ptr = proved.v;
		plus[nrims].len = proved.len;
		memset(&pwhy, 0, sizeof(pwhy));
		t0 = svc_ops_now();
		r = decide(k, ear, plus, nrims + 1, &pwhy);
		svc_ops_policy_time(t0);
		if (r == CCAKIT_OK) {
			remember_rim(k, proved.v, proved.len);
			svc_info("challenge %u: RIM proved by the event log, "
			    "now approved", c->id);
			snprintf(note, notesz, "policy:allow dynamic-rim");
			snprintf(detail, detailsz, "in policy");
			v = KBS_ALLOW;
			goto out;
		}
	}
	if (r == CCAKIT_OK) {
		snprintf(detail, detailsz, "in policy");
		snprintf(note, notesz, "policy:allow");
		v = KBS_ALLOW;
	} else if (r == CCAKIT_ERR_POLICY) {
		snprintf(detail, detailsz, "The attestation result is not in "
		    "policy.%s%s", pwhy.text[0] != '\0' ? " " : "", pwhy.text);
		snprintf(note, notesz, "policy:deny");
		v = KBS_DENY;
	} else {
		/* no decision: the policy failed (the operator's to fix) */
		svc_error("challenge %u: policy: %s", c->id,
		    svc_detail_text(r, &pwhy));
		snprintf(detail, detailsz, "policy: %s", ccakit_strerror(r));
	}
out:
	snprintf(subject, sizeof(subject), "key %.64s, challenge %u", c->key,
	    c->id);
	memset(&att, 0, sizeof(att));
	att.req = req->id;
	att.subject = subject;
	att.ear = ear;
	att.decision = v == KBS_ALLOW ? "released" : v == KBS_DENY ?
	    "denied" : NULL;
	att.reason = note;
	svc_ops_attestation(resp, &att);
	ccakit_ear_free(&ear);
	free(plus);
	free(own);
	free(dyn);
	return v;
}
