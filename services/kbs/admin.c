/*
 * Admin authorisation (Trustee's kbs/src/admin at 78962cd; addendum
 * §3.5): InsecureAllowAll, DenyAll, or AuthenticatedAuthorization: a
 * Bearer JWT verified by the first identity provider that can (its PEM
 * public key, EC/RSA/Ed25519, or its JWK set; "exp" required; then its
 * issuer and audience when configured), whose "role" claim must be there,
 * then the first ACL entry of that role whose regular expression matches
 * the request target as sent (path and query).
 *
 * The expressions are PCRE2's (Trustee: Rust's regex crate), compiled
 * with PCRE2_UTF and PCRE2_DOLLAR_ENDONLY so that "$" means the end as in
 * Rust. The two dialects agree on what such anchored path expressions
 * use; PCRE2 has backreferences and lookaround, which Rust refuses, and
 * its matching is bounded by PCRE2's match limit (docs/kbs.md).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "kbs.h"

#define ADMIN_MATCH_LIMIT 100000

struct idp {
	const char *issuer;
	const char *audience;
	kbs_jwks *keys;
};

struct acl {
	const char *role;
	pcre2_code *re;
};

struct kbs_admin {
	enum kbs_admin_mode mode;
	struct idp idps[KBS_MAX_IDPS];
	size_t nidps;
	struct acl acls[KBS_MAX_ACLS];
	size_t nacls;
	pcre2_match_context *mctx;
};

static int
aerr(struct ccakit_errdetail *d, int code, const char *fmt, ...)
    SVC_PRINTF(3, 4);

static int
aerr(struct ccakit_errdetail *d, int code, const char *fmt, ...)
{
	va_list ap;

	d->code = code;
	d->what = "admin";
	va_start(ap, fmt);
	vsnprintf(d->text, sizeof(d->text), fmt, ap);
	va_end(ap);
	return code;
}

int
kbs_admin_new(const struct kbs_config *c, kbs_admin **out,
    struct ccakit_errdetail *d)
{
	PCRE2_UCHAR msg[160];
	PCRE2_SIZE off;
	kbs_admin *a;
	size_t i;
	int r, e;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return CCAKIT_ERR_NOMEM;
	a->mode = c->admin_mode;
	for (i = 0; i < c->nidps; i++) {
		struct idp *p = &a->idps[a->nidps++];

		p->issuer = c->idps[i].issuer;
		p->audience = c->idps[i].audience;
		if ((p->keys = kbs_jwks_new()) == NULL) {
			r = CCAKIT_ERR_NOMEM;
			goto fail;
		}
		if (c->idps[i].jwk_set_uri != NULL && (r = kbs_jwks_add_uri(
		    p->keys, c->idps[i].jwk_set_uri, d)) != CCAKIT_OK)
			goto fail;
		if (c->idps[i].public_key_uri != NULL &&
		    (r = kbs_jwks_add_pem_uri(p->keys,
		    c->idps[i].public_key_uri, d)) != CCAKIT_OK)
			goto fail;
	}
	for (i = 0; i < c->nacls; i++) {
		a->acls[i].role = c->acls[i].role;
		a->acls[i].re = pcre2_compile(
		    (PCRE2_SPTR)c->acls[i].allowed_endpoints,
		    PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_DOLLAR_ENDONLY |
		    PCRE2_NEVER_BACKSLASH_C, &e, &off, NULL);
		if (a->acls[i].re == NULL) {
			pcre2_get_error_message(e, msg, sizeof(msg));
			r = aerr(d, CCAKIT_ERR_CONFIG, "[admin.authorization."
			    "regex_acl] acls[%zu]: Failed to parse regex: %s "
			    "at offset %zu", i, (char *)msg, (size_t)off);
			a->nacls = i;
			goto fail;
		}
	}
	a->nacls = i;
	if ((a->mctx = pcre2_match_context_create(NULL)) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto fail;
	}
	pcre2_set_match_limit(a->mctx, ADMIN_MATCH_LIMIT);
	*out = a;
	return CCAKIT_OK;
fail:
	kbs_admin_free(&a);
	return r;
}

void
kbs_admin_free(kbs_admin **ap)
{
	kbs_admin *a;
	size_t i;

	if (ap == NULL || (a = *ap) == NULL)
		return;
	for (i = 0; i < a->nidps; i++)
		kbs_jwks_free(&a->idps[i].keys);
	for (i = 0; i < a->nacls; i++)
		pcre2_code_free(a->acls[i].re);
	pcre2_match_context_free(a->mctx);
	free(a);
	*ap = NULL;
}

/* As Trustee's JwtVerifier for an identity provider: the header's jwk
 * (never trusted here) or kid in the JWK set, else the PEM keys. */
static int
idp_verify(const struct idp *p, const char *tok, struct kbs_jwt *out)
{
	struct kbs_jwt h;
	const json_t *jwk;
	const char *kid, *alg;
	int64_t now = (int64_t)time(NULL);
	size_t len = strlen(tok);
	void *pk;
	int r = CCAKIT_ERR_SIGNATURE;

	if (kbs_jwt_decode(tok, len, &h, NULL) != CCAKIT_OK)
		return CCAKIT_ERR_JSON;
	if (json_object_get(h.header, "jwk") == NULL &&
	    kbs_jwks_count(p->keys) > 0 &&
	    (kid = json_string_value(json_object_get(h.header, "kid"))) !=
	    NULL && (jwk = kbs_jwks_find(p->keys, kid)) != NULL &&
	    (alg = json_string_value(json_object_get(jwk, "alg"))) != NULL &&
	    kbs_jwk_to_pkey(jwk, &pk, NULL) == CCAKIT_OK) {
		r = kbs_jwt_verify(tok, len, pk, alg, now, out, NULL);
		EVP_PKEY_free(pk);
	} else if (kbs_jwks_pem_count(p->keys) > 0) {
		r = kbs_jwks_verify_pem(p->keys, tok, len, now, out, NULL);
	}
	kbs_jwt_clear(&h);
	return r;
}

static bool
has_audience(const json_t *claims, const char *aud)
{
	const json_t *a = json_object_get(claims, "aud"), *e;
	size_t i;

	if (json_is_string(a))
		return strcmp(json_string_value(a), aud) == 0;
	json_array_foreach(a, i, e)
		if (json_is_string(e) && strcmp(json_string_value(e), aud) == 0)
			return true;
	return false;
}

int
kbs_admin_check(kbs_admin *a, const char *authorization, const char *target,
    char *why, size_t whysz)
{
	struct kbs_jwt out;
	pcre2_match_data *md;
	const char *tok, *iss, *role = NULL;
	char rolebuf[128];
	size_t i;
	bool verified = false;
	int m;

	switch (a->mode) {
	case KBS_ADMIN_ALLOW_ALL:
		return CCAKIT_OK;
	case KBS_ADMIN_DENY_ALL:
		snprintf(why, whysz, "Admin access denied: Admin access denied "
		    "as DenyAll authorization_mode is enabled");
		return CCAKIT_ERR_POLICY;
	default:
		break;
	}
	/* "Bearer <token>" */
	if (authorization == NULL || strncmp(authorization, "Bearer ", 7) !=
	    0 || *(tok = authorization + 7) == '\0') {
		snprintf(why, whysz, "Failed to parse HTTP Auth Bearer header");
		return CCAKIT_ERR_POLICY;
	}
	for (i = 0; i < a->nidps; i++) {
		if (idp_verify(&a->idps[i], tok, &out) != CCAKIT_OK)
			continue;
		iss = json_string_value(json_object_get(out.claims, "iss"));
		if ((a->idps[i].issuer != NULL && strcmp(iss != NULL ? iss :
		    "", a->idps[i].issuer) != 0) ||
		    (a->idps[i].audience != NULL &&
		    !has_audience(out.claims, a->idps[i].audience))) {
			kbs_jwt_clear(&out);
			continue;
		}
		verified = true;
		role = json_string_value(json_object_get(out.claims, "role"));
		if (role != NULL)
			snprintf(rolebuf, sizeof(rolebuf), "%s", role);
		kbs_jwt_clear(&out);
		break;
	}
	if (!verified) {
		snprintf(why, whysz, "Admin access denied: Cannot verify token "
		    "with any of the issuers");
		return CCAKIT_ERR_POLICY;
	}
	if (role == NULL) {
		snprintf(why, whysz, "Admin access denied: Missing required "
		    "`role` claim in JWT");
		return CCAKIT_ERR_POLICY;
	}
	for (i = 0; i < a->nacls; i++) {
		if (strcmp(a->acls[i].role, rolebuf) != 0)
			continue;
		if ((md = pcre2_match_data_create_from_pattern(a->acls[i].re,
		    NULL)) == NULL)
			break;
		m = pcre2_match(a->acls[i].re, (PCRE2_SPTR)target,
		    PCRE2_ZERO_TERMINATED, 0, 0, md, a->mctx);
		pcre2_match_data_free(md);
		if (m >= 0)
			return CCAKIT_OK;
	}
	snprintf(why, whysz, "Admin access denied: Role %.60s not allowed for "
	    "path %.200s", rolebuf, target);
	return CCAKIT_ERR_POLICY;
}
