/*
 * Golden values: trust anchor and reference values taken from a token
 * that verifies with a given CPAK, as `ccatoken golden` extracts them.
 */
#include <stdlib.h>
#include <string.h>

#include <ccakit/appraise.h>
#include <ccakit/bytes.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/store.h>
#include <ccakit/token.h>

#include "store/store_priv.h"
#include "util/util.h"

/* A text claim as a C string; text with an embedded NUL is refused. */
static int
claim_text(struct ccakit_bytes b, const char *what, char **out,
    struct ccakit_errdetail *d)
{
	char *s;

	if (b.len > 0 && memchr(b.ptr, '\0', b.len) != NULL)
		return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE, what,
		    "%s: embedded NUL", what);
	if ((s = malloc(b.len + 1)) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	if (b.len > 0)
		memcpy(s, b.ptr, b.len);
	s[b.len] = '\0';
	*out = s;
	return CCAKIT_OK;
}

static int
claim_meas(struct ccakit_bytes b, const char *what,
    struct ccakit_rv_bytes *out, struct ccakit_errdetail *d)
{
	if (!cki_meas_len_ok(b.len))
		return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE, what,
		    "%s: %zu bytes, expected 32, 48 or 64", what, b.len);
	memcpy(out->b, b.ptr, b.len);
	out->len = b.len;
	return CCAKIT_OK;
}

static int
golden_platform(const struct ccakit_platform_claims *pc,
    struct ccakit_platform_rv *p, struct ccakit_errdetail *d)
{
	const struct ccakit_sw_component *c;
	size_t i;
	int r;

	memcpy(p->impl_id, pc->impl_id.ptr, sizeof(p->impl_id));
	if (pc->config.len > 0) {
		if ((p->config = malloc(pc->config.len)) == NULL)
			return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		memcpy(p->config, pc->config.ptr, pc->config.len);
		p->config_len = pc->config.len;
	}
	if (pc->n_sw > 0 && (p->sw = calloc(pc->n_sw, sizeof(*p->sw))) ==
	    NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	p->n_sw = pc->n_sw;
	/* Like rust-ccatoken: mval, signer-id, version, type; no hash-alg. */
	for (i = 0; i < pc->n_sw; i++) {
		c = &pc->sw[i];
		if ((r = claim_meas(c->mval, "measurement-value",
		    &p->sw[i].mval, d)) != CCAKIT_OK ||
		    (r = claim_meas(c->signer_id, "signer-id",
		    &p->sw[i].signer_id, d)) != CCAKIT_OK)
			return r;
		if ((c->present & CCAKIT_SWC_VERSION) &&
		    (r = claim_text(c->version, "version",
		    &p->sw[i].version, d)) != CCAKIT_OK)
			return r;
		if ((c->present & CCAKIT_SWC_TYPE) &&
		    (r = claim_text(c->type, "component-type",
		    &p->sw[i].type, d)) != CCAKIT_OK)
			return r;
	}
	return CCAKIT_OK;
}

static int
golden_realm(const struct ccakit_realm_claims *rc, struct ccakit_realm_rv *rv,
    struct ccakit_errdetail *d)
{
	size_t i;
	int r;

	if ((r = claim_meas(rc->rim, "initial-measurement", &rv->rim, d)) !=
	    CCAKIT_OK)
		return r;
	for (i = 0; i < CCAKIT_REM_COUNT; i++)
		if ((r = claim_meas(rc->rem[i], "extensible-measurements",
		    &rv->rem[i], d)) != CCAKIT_OK)
			return r;
	rv->n_rem = CCAKIT_REM_COUNT;
	if (rc->rpv.len != sizeof(rv->rpv))
		return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE,
		    "personalization-value", "%zu bytes, expected 64",
		    rc->rpv.len);
	memcpy(rv->rpv, rc->rpv.ptr, sizeof(rv->rpv));
	rv->has_rpv = true;
	return claim_text(rc->rak_hash_alg, "public-key-hash-algo-id",
	    &rv->rak_hash_alg, d);
}

int
ccakit_golden(const ccakit_token *t, const char *cpak_jwk, size_t jwklen,
    ccakit_ta_store *tas, ccakit_rv_store *rvs, struct ccakit_errdetail *d)
{
	const struct ccakit_platform_claims *pc;
	const struct ccakit_realm_claims *rc;
	struct ccakit_verify_opts opts;
	struct ccakit_verify_result res;
	struct cki_ta_entry ta;
	struct ccakit_platform_rv prv;
	struct ccakit_realm_rv rrv;
	ccakit_key *cpak = NULL;
	int r = CCAKIT_ERR_INTERNAL;

	memset(&ta, 0, sizeof(ta));
	memset(&prv, 0, sizeof(prv));
	memset(&rrv, 0, sizeof(rrv));
	memset(&opts, 0, sizeof(opts));
	if (t == NULL || cpak_jwk == NULL || tas == NULL || rvs == NULL) {
		r = cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
		goto out;
	}
	if ((cpak = ccakit_key_new()) == NULL) {
		r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		goto out;
	}
	if ((r = ccakit_key_from_jwk(cpak, cpak_jwk, jwklen)) != CCAKIT_OK) {
		r = cki_detail(d, r, "cpak", "CPAK: %s", ccakit_strerror(r));
		goto out;
	}
	/* The JWK text goes into the trust-anchor store verbatim. */
	if (ccakit_key_has_private(cpak)) {
		r = cki_detail(d, CCAKIT_ERR_KEY_INVALID, "cpak",
		    "CPAK: a private key must not go into a trust anchor");
		goto out;
	}
	/* Platform signature, realm signature and binding must all hold. */
	if ((r = ccakit_token_verify_with_key(t, cpak, &opts, &res, d)) !=
	    CCAKIT_OK)
		goto out;
	if ((pc = ccakit_token_platform(t)) == NULL ||
	    (rc = ccakit_token_realm(t)) == NULL ||
	    pc->impl_id.len != sizeof(ta.impl_id) ||
	    pc->inst_id.len != sizeof(ta.inst_id)) {
		r = cki_detail(d, CCAKIT_ERR_INTERNAL, NULL, NULL);
		goto out;
	}

	/* Build everything first, then insert all or nothing. */
	memcpy(ta.impl_id, pc->impl_id.ptr, sizeof(ta.impl_id));
	memcpy(ta.inst_id, pc->inst_id.ptr, sizeof(ta.inst_id));
	if ((r = cki_ta_entry_set_jwk(&ta, cpak_jwk, jwklen)) != CCAKIT_OK) {
		r = cki_detail(d, r, NULL, NULL);
		goto out;
	}
	ta.key = cpak;
	cpak = NULL;
	if ((r = golden_platform(pc, &prv, d)) != CCAKIT_OK ||
	    (r = golden_realm(rc, &rrv, d)) != CCAKIT_OK)
		goto out;
	if ((r = cki_ta_store_make_room(tas, &ta)) != CCAKIT_OK ||
	    (r = cki_rv_store_reserve(rvs, 1, 1)) != CCAKIT_OK) {
		r = cki_detail(d, r, NULL, "store full");
		goto out;
	}
	cki_ta_store_put(tas, &ta);
	cki_rv_store_put_platform(rvs, &prv);
	cki_rv_store_put_realm(rvs, &rrv);
	r = CCAKIT_OK;
 out:
	ccakit_key_free(&cpak);
	cki_ta_entry_clear(&ta);
	cki_platform_rv_clear(&prv);
	cki_realm_rv_clear(&rrv);
	return r;
}
