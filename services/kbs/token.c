/*
 * Attestation tokens presented to the KBS (the session's, or a Bearer
 * token: this KBS's own or another KBS's/AS's, the passport model), as
 * Trustee's TokenVerifier checks them (kbs/src/token and crypto/jwt.rs at
 * 78962cd; addendum §3.4 step 3):
 *  - a header "jwk": used as it is with insecure_header_jwk; else it must
 *    carry an "x5c" chain whose leaf holds that key and chains to a
 *    certificate of trusted_certs_paths (RSA or P-256 keys only);
 *  - else a header "kid" found in trusted_jwk_sets;
 *  - the algorithm is the JWK's "alg", "exp" is required (60 s leeway).
 * ccakit adds: a header "jwk" equal to this KBS's own token key is
 * trusted without further ado (its tokens verify with no configuration,
 * and Trustee's refusal to start without trust material does not apply).
 *
 * And a cache of verified tokens: a bounded LRU keyed by SHA-256 over the
 * token's exact text, holding its claims (and their compact JSON) and
 * "exp". The tokens this KBS signs enter it when signed; others once
 * they verify. A token's text fixes its signature and claims, and the
 * trust material is fixed for the process's life, so a hit has the
 * verdict a verification would have: only "exp" is checked again. It
 * spares the ES256 verification and the decoding of the session's token
 * on /resource, and of a Bearer token used again (ccakit-agent's).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pthread.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <ccakit/bytes.h>

#include "jwt.h"
#include "log.h"

/* A verified token (see above). */
struct tc_entry {
	uint8_t hash[32];
	json_t *claims;                 /* read-only once in */
	char *text;                     /* its compact JSON */
	int64_t exp;
	uint64_t used;                  /* LRU tick; 0: empty */
};

struct kbs_tokens {
	pthread_mutex_t mu;             /* the cache's */
	struct tc_entry *cache;
	size_t ccap;
	uint64_t tick;
	void (*hook)(void *, bool);     /* each lookup, hit or not */
	void *hook_arg;
	kbs_jwks *jwks;
	X509_STORE *store;
	size_t ncerts;
	bool insecure;
	json_t *own;
	EVP_PKEY *own_pk;               /* own's key, made once */
	const char *paths[KBS_MAX_PATHS + 5];
	size_t npaths;
};

static int
terr(struct ccakit_errdetail *d, int code, const char *fmt, ...)
    SVC_PRINTF(3, 4);

static int
terr(struct ccakit_errdetail *d, int code, const char *fmt, ...)
{
	va_list ap;

	if (d != NULL) {
		d->code = code;
		d->what = "token";
		va_start(ap, fmt);
		vsnprintf(d->text, sizeof(d->text), fmt, ap);
		va_end(ap);
	}
	return code;
}

int
kbs_tokens_new(const struct kbs_config *c, const json_t *own_jwk,
    size_t cache_size, kbs_tokens **out, struct ccakit_errdetail *d)
{
	static const char *const trustee_paths[] = {
		"/tdx/attester_runtime_data/tee-pubkey",
		"/tdx/attester_user_data/tee-pubkey",
		"/customized_claims/runtime_data/tee-pubkey",
		("/submods/cpu0/ear.veraison.annotated-evidence/"
		    "runtime_data_claims/tee-pubkey"),
		"/tee-pubkey",
	};
	STACK_OF(X509_INFO) *infos;
	X509_INFO *xi;
	kbs_tokens *t;
	BIO *bio;
	size_t i;
	int r, n, k;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return CCAKIT_ERR_NOMEM;
	if (pthread_mutex_init(&t->mu, NULL) != 0) {
		free(t);
		return CCAKIT_ERR_NOMEM;
	}
	if ((t->jwks = kbs_jwks_new()) == NULL ||
	    (t->store = X509_STORE_new()) == NULL ||
	    (cache_size > 0 && (t->cache = calloc(cache_size,
	    sizeof(*t->cache))) == NULL)) {
		kbs_tokens_free(&t);
		return CCAKIT_ERR_NOMEM;
	}
	t->ccap = cache_size;
	t->insecure = c->insecure_header_jwk;
	t->own = own_jwk != NULL ? json_deep_copy(own_jwk) : NULL;
	if (t->own != NULL && (r = kbs_jwk_to_pkey(t->own,
	    (void **)&t->own_pk, d)) != CCAKIT_OK) {
		kbs_tokens_free(&t);
		return r;
	}
	for (i = 0; i < c->ntrusted_jwks; i++)
		if ((r = kbs_jwks_add_uri(t->jwks, c->trusted_jwk_sets[i],
		    d)) != CCAKIT_OK) {
			kbs_tokens_free(&t);
			return r;
		}
	for (i = 0; i < c->ntrusted_certs; i++) {
		bio = BIO_new_file(c->trusted_certs_paths[i], "r");
		infos = bio != NULL ? PEM_X509_INFO_read_bio(bio, NULL, NULL,
		    NULL) : NULL;
		BIO_free(bio);
		for (k = 0, n = 0; infos != NULL &&
		    k < sk_X509_INFO_num(infos); k++) {
			xi = sk_X509_INFO_value(infos, k);
			if (xi->x509 != NULL &&
			    X509_STORE_add_cert(t->store, xi->x509) == 1)
				n++;
		}
		sk_X509_INFO_pop_free(infos, X509_INFO_free);
		if (n == 0) {
			r = terr(d, CCAKIT_ERR_CONFIG, "trusted_certs_paths: %s: "
			    "no certificates found (PEM expected)",
			    c->trusted_certs_paths[i]);
			kbs_tokens_free(&t);
			return r;
		}
		t->ncerts += (size_t)n;
	}
	for (i = 0; i < c->nextra_teekey; i++)
		t->paths[t->npaths++] = c->extra_teekey_paths[i];
	for (i = 0; i < 5; i++)
		t->paths[t->npaths++] = trustee_paths[i];
	*out = t;
	return CCAKIT_OK;
}

void
kbs_tokens_free(kbs_tokens **tp)
{
	kbs_tokens *t;
	size_t i;

	if (tp == NULL || (t = *tp) == NULL)
		return;
	kbs_jwks_free(&t->jwks);
	X509_STORE_free(t->store);
	json_decref(t->own);
	EVP_PKEY_free(t->own_pk);
	for (i = 0; i < t->ccap; i++) {
		json_decref(t->cache[i].claims);
		free(t->cache[i].text);
	}
	free(t->cache);
	pthread_mutex_destroy(&t->mu);
	free(t);
	*tp = NULL;
}

/* --- the cache of verified tokens --- */

/*
 * The cached verdict on the token of hash h: CCAKIT_ERR_NOT_FOUND when
 * none, else its claims and text (as kbs_tokens_verify()) or the expiry.
 */
static int
tc_get(kbs_tokens *t, const uint8_t h[32], int64_t now, json_t **claims,
    char **text, struct ccakit_errdetail *d)
{
	struct tc_entry *e = NULL;
	char *copy = NULL;
	size_t i;
	int r;

	pthread_mutex_lock(&t->mu);
	for (i = 0; i < t->ccap; i++)
		if (t->cache[i].used != 0 && memcmp(t->cache[i].hash, h,
		    32) == 0) {
			e = &t->cache[i];
			break;
		}
	if (e == NULL) {
		r = CCAKIT_ERR_NOT_FOUND;
	} else if (now > e->exp + KBS_TOKEN_LEEWAY_S) {
		r = terr(d, CCAKIT_ERR_EXPIRED, "ExpiredSignature");
	} else if (text != NULL && (copy = strdup(e->text)) == NULL) {
		r = CCAKIT_ERR_NOMEM;
	} else {
		e->used = ++t->tick;
		*claims = json_incref(e->claims);
		if (text != NULL)
			*text = copy;
		r = CCAKIT_OK;
	}
	pthread_mutex_unlock(&t->mu);
	if (t->hook != NULL && r != CCAKIT_ERR_NOMEM)
		t->hook(t->hook_arg, r != CCAKIT_ERR_NOT_FOUND);
	return r;
}

void
kbs_tokens_set_hook(kbs_tokens *t, void (*fn)(void *arg, bool hit),
    void *arg)
{
	t->hook = fn;
	t->hook_arg = arg;
}

/* Keep claims (a reference taken; never changed again) and a copy of
 * text as the verdict on the token of hash h; a full cache drops its
 * least recently used entry. Nothing when out of memory. */
static void
tc_put(kbs_tokens *t, const uint8_t h[32], json_t *claims, const char *text,
    int64_t exp)
{
	struct tc_entry *e = NULL, old;
	char *copy;
	size_t i;

	if ((copy = strdup(text)) == NULL)
		return;
	memset(&old, 0, sizeof(old));
	pthread_mutex_lock(&t->mu);
	for (i = 0; i < t->ccap; i++) {
		if (t->cache[i].used != 0 && memcmp(t->cache[i].hash, h,
		    32) == 0) {
			e = NULL;
			break;
		}
		if (e == NULL || t->cache[i].used < e->used)
			e = &t->cache[i];
	}
	if (e != NULL) {
		old = *e;
		memcpy(e->hash, h, 32);
		e->claims = json_incref(claims);
		e->text = copy;
		e->exp = exp;
		e->used = ++t->tick;
		copy = NULL;
	}
	pthread_mutex_unlock(&t->mu);
	json_decref(old.claims);
	free(old.text);
	free(copy);
}

void
kbs_tokens_remember(kbs_tokens *t, const char *jwt, const json_t *claims,
    const char *text)
{
	const json_t *exp = json_object_get(claims, "exp");
	uint8_t h[32];

	if (t == NULL || t->ccap == 0 || !json_is_integer(exp) ||
	    json_integer_value(exp) < 0)
		return;
	SHA256((const uint8_t *)jwt, strlen(jwt), h);
	tc_put(t, h, (json_t *)(uintptr_t)claims, text,
	    (int64_t)json_integer_value(exp));
}

static bool
same_key(const json_t *a, const json_t *b)
{
	static const char *const m[] = { "kty", "crv", "x", "y", "n", "e" };
	const json_t *x, *y;
	size_t i;

	if (a == NULL || b == NULL)
		return false;
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		x = json_object_get(a, m[i]);
		y = json_object_get(b, m[i]);
		if ((x == NULL) != (y == NULL) || (x != NULL &&
		    !json_equal(x, y)))
			return false;
	}
	return true;
}

static X509 *
x5c_cert(const json_t *v)
{
	const char *s = json_string_value(v);
	char *clean;
	uint8_t *der;
	const uint8_t *p;
	size_t n = 0, i, len;
	X509 *x = NULL;

	if (s == NULL)
		return NULL;
	len = strlen(s);
	if ((clean = malloc(len + 1)) == NULL || (der = malloc(len)) == NULL) {
		free(clean);
		return NULL;
	}
	for (i = 0; i < len; i++)
		if (s[i] != '\n' && s[i] != '\r' && s[i] != ' ')
			clean[n++] = s[i];
	if (ccakit_b64_decode(clean, n, CCAKIT_B64_STD, der, len, &i) == 0 ||
	    ccakit_b64_decode(clean, n, CCAKIT_B64_URL, der, len, &i) == 0) {
		p = der;
		x = d2i_X509(NULL, &p, (long)i);
	}
	free(clean);
	free(der);
	return x;
}

/* The header JWK's endorsement: x5c[0] holds it and chains to a trusted
 * certificate. */
static int
endorsed(kbs_tokens *t, const json_t *jwk, EVP_PKEY *pk,
    struct ccakit_errdetail *d)
{
	const json_t *x5c = json_object_get(jwk, "x5c");
	const char *kty = json_string_value(json_object_get(jwk, "kty"));
	const char *crv = json_string_value(json_object_get(jwk, "crv"));
	STACK_OF(X509) *chain = NULL;
	X509_STORE_CTX *ctx = NULL;
	X509 *leaf = NULL, *x;
	EVP_PKEY *lk;
	size_t i;
	int r;

	if (kty == NULL || (strcmp(kty, "RSA") != 0 && (strcmp(kty, "EC") !=
	    0 || crv == NULL || strcmp(crv, "P-256") != 0)))
		return terr(d, CCAKIT_ERR_KEY_INVALID, "Only RSA or EC (P-256) "
		    "JWKs are supported.");
	if (!json_is_array(x5c) || json_array_size(x5c) == 0)
		return terr(d, CCAKIT_ERR_KEY_INVALID, "No x5c extension "
		    "inside JWK. Invalid public key.");
	if ((leaf = x5c_cert(json_array_get(x5c, 0))) == NULL)
		return terr(d, CCAKIT_ERR_KEY_INVALID, "Invalid x509 in x5c");
	if ((lk = X509_get0_pubkey(leaf)) == NULL || EVP_PKEY_eq(lk, pk) != 1) {
		r = terr(d, CCAKIT_ERR_KEY_MISMATCH, "jwk does not match x5c");
		goto out;
	}
	if ((chain = sk_X509_new_null()) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	for (i = 1; i < json_array_size(x5c); i++) {
		if ((x = x5c_cert(json_array_get(x5c, i))) == NULL) {
			r = terr(d, CCAKIT_ERR_KEY_INVALID, "Invalid x509 in "
			    "x5c");
			goto out;
		}
		if (sk_X509_push(chain, x) <= 0) {
			X509_free(x);
			r = CCAKIT_ERR_NOMEM;
			goto out;
		}
	}
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, t->store, leaf, chain) != 1) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	r = X509_verify_cert(ctx) == 1 ? CCAKIT_OK : terr(d,
	    CCAKIT_ERR_SIGNATURE, "JWK cannot be validated by trust anchor: "
	    "%s", X509_verify_cert_error_string(X509_STORE_CTX_get_error(
	    ctx)));
out:
	X509_STORE_CTX_free(ctx);
	sk_X509_pop_free(chain, X509_free);
	X509_free(leaf);
	return r;
}

int
kbs_tokens_verify(kbs_tokens *t, const char *jwt, json_t **claims,
    char **text, struct ccakit_errdetail *d)
{
	struct kbs_jwt h;
	const json_t *jwk = NULL;
	const char *kid, *alg;
	size_t len = strlen(jwt);
	int64_t now = (int64_t)time(NULL);
	uint8_t hash[32];
	char *txt = NULL;
	void *pk = NULL;
	bool own;
	int r;

	*claims = NULL;
	if (text != NULL)
		*text = NULL;
	if (t->ccap > 0) {
		SHA256((const uint8_t *)jwt, len, hash);
		if ((r = tc_get(t, hash, now, claims, text, d)) !=
		    CCAKIT_ERR_NOT_FOUND)
			return r;
	}
	if ((r = kbs_jwt_decode(jwt, len, &h, d)) != CCAKIT_OK)
		return r;
	if ((jwk = json_object_get(h.header, "jwk")) != NULL) {
		if (!json_is_object(jwk)) {
			r = terr(d, CCAKIT_ERR_JSON, "header jwk: not an "
			    "object");
			goto out;
		}
		/* This KBS's own key is made once, not per token. */
		own = t->own_pk != NULL && same_key(jwk, t->own);
		if (own && EVP_PKEY_up_ref(t->own_pk) == 1)
			pk = t->own_pk;
		else if ((r = kbs_jwk_to_pkey(jwk, &pk, d)) != CCAKIT_OK)
			goto out;
		if (!t->insecure && !own) {
			if (t->ncerts == 0) {
				r = terr(d, CCAKIT_ERR_SIGNATURE, "Cannot "
				    "verify token since trusted cert is empty");
				goto out;
			}
			if ((r = endorsed(t, jwk, pk, d)) != CCAKIT_OK)
				goto out;
		}
	} else {
		if (kbs_jwks_count(t->jwks) == 0) {
			r = terr(d, CCAKIT_ERR_SIGNATURE, "Cannot verify token "
			    "since trusted JWK Set is empty");
			goto out;
		}
		if ((kid = json_string_value(json_object_get(h.header,
		    "kid"))) == NULL) {
			r = terr(d, CCAKIT_ERR_SIGNATURE, "Failed to decode kid "
			    "in the token header");
			goto out;
		}
		if ((jwk = kbs_jwks_find(t->jwks, kid)) == NULL) {
			r = terr(d, CCAKIT_ERR_NOT_FOUND, "Failed to find Jwk "
			    "with kid %.60s in JwkSet", kid);
			goto out;
		}
		if ((r = kbs_jwk_to_pkey(jwk, &pk, d)) != CCAKIT_OK)
			goto out;
	}
	if ((alg = json_string_value(json_object_get(jwk, "alg"))) == NULL) {
		r = terr(d, CCAKIT_ERR_COSE_ALG, "Failed to find key_algorithm "
		    "in Jwk");
		goto out;
	}
	if ((r = kbs_jwt_check(&h, jwt, len, pk, alg, now, d)) != CCAKIT_OK)
		goto out;
	if ((txt = json_dumps(h.claims, JSON_COMPACT)) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	/* kbs_jwt_check() made sure "exp" is an integer >= 0. */
	if (t->ccap > 0)
		tc_put(t, hash, h.claims, txt, (int64_t)json_integer_value(
		    json_object_get(h.claims, "exp")));
	*claims = json_incref(h.claims);
	if (text != NULL) {
		*text = txt;
		txt = NULL;
	}
out:
	free(txt);
	EVP_PKEY_free(pk);
	kbs_jwt_clear(&h);
	return r;
}

/* RFC 6901 JSON pointer (~0, ~1). */
static const json_t *
pointer(const json_t *v, const char *p)
{
	char tok[256];
	size_t n;

	if (*p == '\0')
		return v;
	while (*p == '/' && v != NULL) {
		p++;
		for (n = 0; *p != '\0' && *p != '/' && n + 1 < sizeof(tok);
		    p++) {
			if (p[0] == '~' && p[1] == '0') {
				tok[n++] = '~';
				p++;
			} else if (p[0] == '~' && p[1] == '1') {
				tok[n++] = '/';
				p++;
			} else {
				tok[n++] = *p;
			}
		}
		tok[n] = '\0';
		if (json_is_object(v)) {
			v = json_object_get(v, tok);
		} else if (json_is_array(v)) {
			char *e;
			unsigned long i = strtoul(tok, &e, 10);

			if (*tok == '\0' || *e != '\0' || (tok[0] == '0' &&
			    tok[1] != '\0'))
				return NULL;
			v = json_array_get(v, i);
		} else {
			return NULL;
		}
	}
	return *p == '\0' ? v : NULL;
}

const json_t *
kbs_tokens_teekey(kbs_tokens *t, const json_t *claims)
{
	const json_t *v;
	size_t i;

	for (i = 0; i < t->npaths; i++)
		if ((v = pointer(claims, t->paths[i])) != NULL)
			return v;
	return NULL;
}
