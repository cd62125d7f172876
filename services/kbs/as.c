/*
 * The attestation service, built in (Trustee's attestation-service with
 * its EAR token broker at 78962cd; addendum §4.3-§5.4): evidence to
 * claims (the verifiers), claims to an AR4SI trust vector (the appraisal
 * policy, `<policy id>_<TEE class>`, here default_cpu), and the EAR
 * signed as Trustee signs it: ES256, header {"typ":"JWT","alg":"ES256",
 * "jwk":{...}}, eat_profile, iat, ear.verifier-id, submods cpu0..., exp,
 * iss.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <ccakit/bytes.h>

#include "kbs.h"
#include "svcmain.h"

#define SIGNER_META_KEY "token-signing-key.pem"

struct kbs_signer {
	EVP_PKEY *key;
	json_t *jwk;
};

static int
as_err(struct ccakit_errdetail *d, int code, const char *fmt, ...)
    SVC_PRINTF(3, 4);

static int
as_err(struct ccakit_errdetail *d, int code, const char *fmt, ...)
{
	va_list ap;

	d->code = code;
	d->what = "attestation service";
	va_start(ap, fmt);
	vsnprintf(d->text, sizeof(d->text), fmt, ap);
	va_end(ap);
	return code;
}

static char *
b64url(const uint8_t *p, size_t len)
{
	size_t n = ccakit_b64_encoded_len(len, CCAKIT_B64_URL);
	char *s = malloc(n + 1);

	if (s != NULL)
		ccakit_b64_encode(p, len, CCAKIT_B64_URL, s, n + 1);
	return s;
}

static char *
b64std(const uint8_t *p, size_t len)
{
	size_t n = ccakit_b64_encoded_len(len, CCAKIT_B64_STD);
	char *s = malloc(n + 1);

	if (s != NULL)
		ccakit_b64_encode(p, len, CCAKIT_B64_STD, s, n + 1);
	return s;
}

/* {"alg":"ES256",["x5u"],["x5c"],"kty":"EC","crv":"P-256","x","y"}, the
 * members in jsonwebtoken's order. */
static json_t *
signer_jwk(EVP_PKEY *key, const char *cert_path, const char *cert_url,
    struct ccakit_errdetail *d)
{
	uint8_t pt[65], *der = NULL;
	size_t ptlen = 0;
	char *x = NULL, *y = NULL, *c;
	json_t *jwk = NULL, *x5c;
	STACK_OF(X509_INFO) *infos = NULL;
	X509_INFO *xi;
	BIO *bio = NULL;
	int i, n;

	if (EVP_PKEY_get_octet_string_param(key,
	    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof(pt), &ptlen) != 1 ||
	    ptlen != 65 || pt[0] != 4) {
		as_err(d, CCAKIT_ERR_KEY_INVALID, "the token signing key has "
		    "no P-256 public point");
		return NULL;
	}
	if ((x = b64url(pt + 1, 32)) == NULL ||
	    (y = b64url(pt + 33, 32)) == NULL ||
	    (jwk = json_pack("{s:s}", "alg", "ES256")) == NULL)
		goto fail;
	if (cert_url != NULL && json_object_set_new(jwk, "x5u",
	    json_string(cert_url)) != 0)
		goto fail;
	if (cert_path != NULL) {
		if ((bio = BIO_new_file(cert_path, "r")) == NULL ||
		    (infos = PEM_X509_INFO_read_bio(bio, NULL, NULL,
		    NULL)) == NULL) {
			as_err(d, CCAKIT_ERR_IO, "%s: Read Token Signer cert "
			    "file failed (PEM certificates expected)",
			    cert_path);
			goto out;
		}
		if ((x5c = json_array()) == NULL ||
		    json_object_set_new(jwk, "x5c", x5c) != 0)
			goto fail;
		for (i = 0; i < sk_X509_INFO_num(infos); i++) {
			xi = sk_X509_INFO_value(infos, i);
			if (xi->x509 == NULL)
				continue;
			der = NULL;
			if ((n = i2d_X509(xi->x509, &der)) <= 0)
				goto fail;
			c = b64std(der, (size_t)n);
			OPENSSL_free(der);
			if (c == NULL || json_array_append_new(x5c,
			    json_string(c)) != 0) {
				free(c);
				goto fail;
			}
			free(c);
		}
		if (json_array_size(x5c) == 0) {
			as_err(d, CCAKIT_ERR_IO, "%s: Invalid PEM certificate "
			    "chain", cert_path);
			goto out;
		}
	}
	if (json_object_set_new(jwk, "kty", json_string("EC")) != 0 ||
	    json_object_set_new(jwk, "crv", json_string("P-256")) != 0 ||
	    json_object_set_new(jwk, "x", json_string(x)) != 0 ||
	    json_object_set_new(jwk, "y", json_string(y)) != 0)
		goto fail;
	free(x);
	free(y);
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	BIO_free(bio);
	return jwk;
fail:
	as_err(d, CCAKIT_ERR_NOMEM, "out of memory");
out:
	free(x);
	free(y);
	json_decref(jwk);
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	BIO_free(bio);
	return NULL;
}

static EVP_PKEY *
pem_key(const void *pem, size_t len)
{
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	EVP_PKEY *k = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL,
	    NULL) : NULL;

	BIO_free(b);
	return k;
}

static bool
is_p256(EVP_PKEY *k)
{
	char grp[32];
	size_t n;

	return EVP_PKEY_is_a(k, "EC") && EVP_PKEY_get_utf8_string_param(k,
	    OSSL_PKEY_PARAM_GROUP_NAME, grp, sizeof(grp), &n) == 1 &&
	    strcmp(grp, "prime256v1") == 0;
}

/* A fresh P-256 key as PKCS#8 PEM (malloc'd). */
static int
new_key_pem(char **pem, size_t *len)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long n;
	int r = CCAKIT_ERR_CRYPTO;

	if (k != NULL && b != NULL && PEM_write_bio_PrivateKey(b, k, NULL,
	    NULL, 0, NULL, NULL) == 1 && (n = BIO_get_mem_data(b, &p)) > 0) {
		if ((*pem = malloc((size_t)n + 1)) != NULL) {
			memcpy(*pem, p, (size_t)n);
			(*pem)[n] = '\0';
			*len = (size_t)n;
			r = CCAKIT_OK;
		} else {
			r = CCAKIT_ERR_NOMEM;
		}
	}
	BIO_free_all(b);
	EVP_PKEY_free(k);
	return r;
}

int
kbs_signer_new(struct kbs *k, kbs_signer **out, struct ccakit_errdetail *d)
{
	const struct kbs_config *c = &k->conf;
	struct kbs_val v;
	kbs_signer *s;
	char *pem = NULL;
	size_t len = 0;
	kbs_kv *kv;
	int r;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return CCAKIT_ERR_NOMEM;
	memset(&v, 0, sizeof(v));
	if (c->signer_key_path != NULL) {
		if (svc_read_text(KBS_PROG, c->signer_key_path, 64 * 1024,
		    &pem, &len) != 0) {
			r = as_err(d, CCAKIT_ERR_IO, "%s: Read Token Signer "
			    "private key failed", c->signer_key_path);
			goto fail;
		}
		svc_warn_secret_mode("signer.key_path", c->signer_key_path);
		s->key = pem_key(pem, len);
		svc_free_secret(pem, len);
		if (s->key == NULL) {
			r = as_err(d, CCAKIT_ERR_KEY_INVALID, "%s: not a PEM "
			    "private key", c->signer_key_path);
			goto fail;
		}
	} else {
		/* One key for every replica sharing the storage, made by
		 * whichever starts first (Trustee: one per process). */
		kv = kbs_store_ns(k->store, KBS_NS_META);
		if ((r = kbs_kv_get(kv, KBS_NS_META, SIGNER_META_KEY, &v,
		    d)) == CCAKIT_ERR_NOT_FOUND) {
			if ((r = new_key_pem(&pem, &len)) != CCAKIT_OK ||
			    (r = kbs_kv_set(kv, KBS_NS_META, SIGNER_META_KEY,
			    pem, len, 0, false, NULL, d)) != CCAKIT_OK) {
				svc_free_secret(pem, len);
				goto fail;
			}
			svc_free_secret(pem, len);
			r = kbs_kv_get(kv, KBS_NS_META, SIGNER_META_KEY, &v, d);
		}
		if (r != CCAKIT_OK)
			goto fail;
		s->key = pem_key(v.p, v.len);
		kbs_val_clear(&v);
		if (s->key == NULL) {
			r = as_err(d, CCAKIT_ERR_KEY_INVALID, "the stored token "
			    "signing key does not load");
			goto fail;
		}
	}
	if (!is_p256(s->key)) {
		r = as_err(d, CCAKIT_ERR_KEY_INVALID, "Only P-256 attestation "
		    "token signing keys are supported");
		goto fail;
	}
	if ((s->jwk = signer_jwk(s->key, c->signer_cert_path,
	    c->signer_cert_url, d)) == NULL) {
		r = d->code != 0 ? d->code : CCAKIT_ERR_NOMEM;
		goto fail;
	}
	*out = s;
	return CCAKIT_OK;
fail:
	kbs_signer_free(&s);
	return r;
}

void
kbs_signer_free(kbs_signer **sp)
{
	kbs_signer *s;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	EVP_PKEY_free(s->key);
	json_decref(s->jwk);
	free(s);
	*sp = NULL;
}

const json_t *
kbs_signer_jwk(const kbs_signer *s)
{
	return s->jwk;
}

int
kbs_signer_sign(const kbs_signer *s, const json_t *claims, char **jwt,
    char **payload, struct ccakit_errdetail *d)
{
	json_t *hdr = json_pack("{s:s, s:s, s:O}", "typ", "JWT", "alg", "ES256",
	    "jwk", s->jwk);
	char *h = NULL, *p = NULL, *hb = NULL, *pb = NULL, *sb = NULL;
	char *input = NULL;
	uint8_t der[80], raw[64];
	const uint8_t *dp;
	size_t dlen = sizeof(der), n;
	EVP_MD_CTX *md = NULL;
	ECDSA_SIG *sig = NULL;
	const BIGNUM *br, *bs;
	int r = CCAKIT_ERR_NOMEM;

	if (hdr == NULL || (h = json_dumps(hdr, JSON_COMPACT)) == NULL ||
	    (p = json_dumps(claims, JSON_COMPACT)) == NULL ||
	    (hb = b64url((uint8_t *)h, strlen(h))) == NULL ||
	    (pb = b64url((uint8_t *)p, strlen(p))) == NULL)
		goto out;
	n = strlen(hb) + 1 + strlen(pb);
	if ((input = malloc(n + 1 + 88)) == NULL)
		goto out;
	snprintf(input, n + 1, "%s.%s", hb, pb);
	r = CCAKIT_ERR_CRYPTO;
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, s->key) != 1 ||
	    EVP_DigestSign(md, der, &dlen, (uint8_t *)input, n) != 1)
		goto out;
	dp = der;
	if ((sig = d2i_ECDSA_SIG(NULL, &dp, (long)dlen)) == NULL)
		goto out;
	ECDSA_SIG_get0(sig, &br, &bs);
	if (BN_bn2binpad(br, raw, 32) != 32 || BN_bn2binpad(bs, raw + 32,
	    32) != 32 || (sb = b64url(raw, sizeof(raw))) == NULL)
		goto out;
	input[n] = '.';
	memcpy(input + n + 1, sb, strlen(sb) + 1);
	*jwt = input;
	input = NULL;
	if (payload != NULL) {
		*payload = p;
		p = NULL;
	}
	r = CCAKIT_OK;
out:
	if (r != CCAKIT_OK)
		as_err(d, r, "signing the token failed");
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(md);
	json_decref(hdr);
	free(h);
	free(p);
	free(hb);
	free(pb);
	free(sb);
	free(input);
	return r;
}

/* --- appraisal --- */

static const char *const tv_names[8] = {
	"instance-identity", "configuration", "executables", "file-system",
	"hardware", "runtime-opaque", "storage-opaque", "sourced-data",
};

/* rust-ear's tiers: |v| <= 1 none, |v| < 32 affirming, |v| < 96
 * warning, else contraindicated. */
static int
tier(int v)
{
	if (v >= -1 && v <= 1)
		return 0;
	if (v > -32 && v < 32)
		return 1;
	if (v > -96 && v < 96)
		return 2;
	return 3;
}

static const char *const tier_names[4] = {
	"none", "affirming", "warning", "contraindicated",
};

static int
key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Copy with object members sorted (serde_json's BTreeMap order). */
static json_t *
sorted(const json_t *v)
{
	const char **keys;
	const char *k;
	json_t *o, *m, *e;
	size_t n, i;

	if (json_is_array(v)) {
		if ((o = json_array()) == NULL)
			return NULL;
		json_array_foreach(v, i, m)
			if ((e = sorted(m)) == NULL ||
			    json_array_append_new(o, e) != 0) {
				json_decref(o);
				return NULL;
			}
		return o;
	}
	if (!json_is_object(v))
		return json_deep_copy(v);
	n = json_object_size(v);
	if ((keys = calloc(n + 1, sizeof(*keys))) == NULL)
		return NULL;
	i = 0;
	json_object_foreach((json_t *)(uintptr_t)v, k, m)
		keys[i++] = k;
	qsort(keys, n, sizeof(*keys), key_cmp);
	o = json_object();
	for (i = 0; o != NULL && i < n; i++)
		if ((e = sorted(json_object_get(v, keys[i]))) == NULL ||
		    json_object_set_new(o, keys[i], e) != 0) {
			json_decref(o);
			o = NULL;
		}
	free(keys);
	return o;
}

/* The members in key order, their values as they are. */
static json_t *
sorted_shallow(const json_t *v)
{
	const char **keys;
	const char *k;
	json_t *o, *m;
	size_t n = json_object_size(v), i = 0;

	if ((keys = calloc(n + 1, sizeof(*keys))) == NULL)
		return NULL;
	json_object_foreach((json_t *)(uintptr_t)v, k, m)
		keys[i++] = k;
	qsort(keys, n, sizeof(*keys), key_cmp);
	o = json_object();
	for (i = 0; o != NULL && i < n; i++)
		json_object_set(o, keys[i], json_object_get(v, keys[i]));
	free(keys);
	return o;
}

/*
 * Trustee's transform_claims: "init_data" and "report_data" of the
 * verifier's claims move to the top, with "init_data_claims" and
 * "runtime_data_claims" beside them; the rest goes under the TEE's name.
 * Sorted by key.
 */
static json_t *
transform(json_t *claims, const json_t *init_claims,
    const json_t *runtime_claims, enum rcar_tee tee, bool verbose)
{
	json_t *out = json_object(), *v, *rc, *s;

	if (out == NULL)
		return NULL;
	if ((v = json_object_get(claims, "init_data")) != NULL) {
		json_object_set(out, "init_data", v);
		json_object_set(out, "init_data_claims", init_claims != NULL ?
		    (json_t *)(uintptr_t)init_claims : json_null());
		json_object_del(claims, "init_data");
	}
	if ((v = json_object_get(claims, "report_data")) != NULL) {
		json_object_set(out, "report_data", v);
		rc = json_deep_copy(runtime_claims);
		if (!verbose)
			json_object_del(rc, "additional-evidence");
		json_object_set_new(out, "runtime_data_claims", rc);
		json_object_del(claims, "report_data");
	}
	json_object_set(out, rcar_tee_name(tee), claims);
	s = sorted(out);
	json_decref(out);
	return s;
}

struct appraisal {
	char submod[16];
	json_t *obj;                    /* the submod's appraisal */
};

/* Appraise one piece of evidence's claims with <id>_<class>. */
static int
appraise(struct kbs *k, json_t *tcb, const char *tee_class,
    json_t **out, struct ccakit_errdetail *d)
{
	json_t *tc = NULL, *ext = NULL, *tv = NULL, *app = NULL, *v, *e;
	int vals[8], worst = 0, r, i;
	bool set[8] = { false };
	char id[64], *input = NULL;
	const char *name;
	json_int_t iv;
	size_t n;

	snprintf(id, sizeof(id), "default_%s", tee_class);
	if ((input = json_dumps(tcb, JSON_COMPACT)) == NULL)
		return CCAKIT_ERR_NOMEM;
	r = kbs_policy_as(k, id, input, strlen(input), &tc, &ext, d);
	free(input);
	if (r == CCAKIT_ERR_NOT_FOUND)
		return as_err(d, r, "policy %s not found", id);
	if (r != CCAKIT_OK)
		return r;
	if (tc == NULL) {
		/* Trustee: no trust claims, all eight 0. */
		for (i = 0; i < 8; i++) {
			vals[i] = 0;
			set[i] = true;
		}
	} else {
		if (!json_is_object(tc)) {
			r = as_err(d, CCAKIT_ERR_POLICY, "Trust claims is not "
			    "an object");
			goto out;
		}
		json_object_foreach(tc, name, v) {
			for (i = 0; i < 8; i++)
				if (strcmp(name, tv_names[i]) == 0)
					break;
			if (i == 8) {
				/* Trustee's AS panics here. */
				r = as_err(d, CCAKIT_ERR_POLICY, "unknown trust "
				    "claim '%.40s'", name);
				goto out;
			}
			if (!json_is_integer(v)) {
				r = as_err(d, CCAKIT_ERR_POLICY, "Trust claim "
				    "value not number");
				goto out;
			}
			iv = json_integer_value(v);
			/* Rust's `as i8`: the low byte. */
			vals[i] = (int8_t)(uint8_t)((uint64_t)iv & 0xff);
			set[i] = true;
		}
	}
	if ((tv = json_object()) == NULL ||
	    (app = json_object()) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	for (i = 0, n = 0; i < 8; i++) {
		if (!set[i])
			continue;
		n++;
		json_object_set_new(tv, tv_names[i], json_integer(vals[i]));
		if (tier(vals[i]) > worst)
			worst = tier(vals[i]);
	}
	if (n == 0) {
		r = as_err(d, CCAKIT_ERR_POLICY, "At least one policy claim "
		    "must be set.");
		goto out;
	}
	json_object_set_new(app, "ear.status", json_string(tier_names[worst]));
	json_object_set(app, "ear.trustworthiness-vector", tv);
	json_object_set_new(app, "ear.appraisal-policy-id",
	    json_string("default"));
	json_object_set(app, "ear.veraison.annotated-evidence", tcb);
	if (ext != NULL) {
		if (!json_is_array(ext)) {
			r = as_err(d, CCAKIT_ERR_POLICY, "extensions: not an "
			    "array");
			goto out;
		}
		json_array_foreach(ext, n, e) {
			json_t *en = json_object_get(e, "name");
			json_t *ek = json_object_get(e, "key");

			if (!json_is_string(en) || !json_is_integer(ek) ||
			    json_integer_value(ek) < INT32_MIN ||
			    json_integer_value(ek) > INT32_MAX ||
			    json_object_get(e, "value") == NULL) {
				r = as_err(d, CCAKIT_ERR_POLICY, "extension %zu: "
				    "{name: string, key: i32, value} expected",
				    n);
				goto out;
			}
			if (json_object_get(app, json_string_value(en)) !=
			    NULL) {
				r = as_err(d, CCAKIT_ERR_POLICY, "extension "
				    "'%.40s' given twice", json_string_value(
				    en));
				goto out;
			}
			json_object_set_new(app, json_string_value(en),
			    sorted(json_object_get(e, "value")));
		}
	}
	*out = app;
	app = NULL;
	r = CCAKIT_OK;
out:
	json_decref(tc);
	json_decref(ext);
	json_decref(tv);
	json_decref(app);
	return r;
}

static int
verify_one(struct kbs *k, enum rcar_tee tee, const char *evidence,
    size_t evlen, const uint8_t *rd, size_t rdlen, const uint8_t *init,
    size_t ilen, struct kbs_claims *out, struct ccakit_errdetail *d)
{
	struct kbs_evidence ev = { tee, evidence, evlen, rd, rdlen, init,
	    ilen };

	switch (tee) {
	case RCAR_TEE_CCA:
		return kbs_verify_cca(k, &ev, out, d);
	case RCAR_TEE_SAMPLE:
	case RCAR_TEE_SAMPLEDEVICE:
		return kbs_verify_sample(k, &ev, out, d);
	default:
		return as_err(d, CCAKIT_ERR_NOT_FOUND, "no verifier for TEE %s "
		    "in this build (cca, sample, sampledevice)",
		    rcar_tee_name(tee));
	}
}

int
kbs_as_attest(struct kbs *k, const struct kbs_as_input *in, char **token,
    struct ccakit_errdetail *d)
{
	const struct kbs_config *c = &k->conf;
	uint8_t digest[RCAR_HASH_MAX], idig[RCAR_HASH_MAX];
	size_t dlen, ilen = 0, i;
	json_t *rd = NULL, *init_claims = NULL, *devs = NULL, *submods = NULL;
	json_t *tcb, *app, *ear = NULL, *drd = NULL;
	struct kbs_claims cl;
	char name[32], *text, *payload = NULL;
	const char *tname;
	json_t *dev;
	unsigned classes[2] = { 0, 0 };
	enum rcar_tee dtee;
	json_error_t je;
	int r;

	memset(&cl, 0, sizeof(cl));
	if (in->init_format != NULL) {
		if (strcmp(in->init_format, "toml") != 0)
			return as_err(d, CCAKIT_ERR_CONFIG, "Unsupported "
			    "initdata format: %.40s", in->init_format);
		if ((r = kbs_initdata_parse(in->init_body, in->init_len, idig,
		    &ilen, &init_claims, d)) != CCAKIT_OK)
			return r;
	}
	if ((submods = json_object()) == NULL ||
	    (rd = rcar_runtime_data(in->nonce, in->tee_pubkey,
	    in->additional_evidence)) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	/* SHA-512 for IBM SE, which has no verifier here: SHA-384. */
	if ((r = rcar_runtime_digest(rd, RCAR_HASH_SHA384, digest, &dlen,
	    d)) != CCAKIT_OK)
		goto out;
	if ((r = verify_one(k, in->tee, in->primary_evidence, in->primary_len,
	    digest, dlen, in->init_format != NULL ? idig : NULL, ilen, &cl,
	    d)) != CCAKIT_OK)
		goto out;
	tcb = transform(cl.claims, init_claims, rd, in->tee, c->verbose_token);
	json_decref(cl.claims);
	if (tcb == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	r = appraise(k, tcb, cl.tee_class, &app, d);
	json_decref(tcb);
	if (r != CCAKIT_OK)
		goto out;
	snprintf(name, sizeof(name), "%s%u", cl.tee_class,
	    classes[strcmp(cl.tee_class, "gpu") == 0]++);
	json_object_set_new(submods, name, app);
	/* Additional devices: {"<tee>": evidence, ...}, each bound to the
	 * runtime data without additional-evidence. */
	if (in->additional_evidence != NULL && in->additional_evidence[0] !=
	    '\0') {
		devs = json_loads(in->additional_evidence,
		    JSON_REJECT_DUPLICATES, &je);
		if (!json_is_object(devs)) {
			r = as_err(d, CCAKIT_ERR_JSON, "additional evidence is "
			    "not a JSON object of TEE evidence");
			goto out;
		}
		if ((drd = rcar_runtime_data(in->nonce, in->tee_pubkey,
		    NULL)) == NULL) {
			r = CCAKIT_ERR_NOMEM;
			goto out;
		}
		if ((r = rcar_runtime_digest(drd, RCAR_HASH_SHA384, digest,
		    &dlen, d)) != CCAKIT_OK)
			goto out;
		json_object_foreach(devs, tname, dev) {
			if (rcar_tee_parse(tname, &dtee) != 0) {
				r = as_err(d, CCAKIT_ERR_JSON, "additional "
				    "evidence: unknown TEE '%.40s'", tname);
				goto out;
			}
			memset(&cl, 0, sizeof(cl));
			if ((text = json_dumps(dev, JSON_COMPACT |
			    JSON_ENCODE_ANY)) == NULL) {
				r = CCAKIT_ERR_NOMEM;
				goto out;
			}
			r = verify_one(k, dtee, text, strlen(text), digest,
			    dlen, NULL, 0, &cl, d);
			free(text);
			if (r != CCAKIT_OK)
				goto out;
			tcb = transform(cl.claims, NULL, drd, dtee,
			    c->verbose_token);
			json_decref(cl.claims);
			if (tcb == NULL) {
				r = CCAKIT_ERR_NOMEM;
				goto out;
			}
			r = appraise(k, tcb, cl.tee_class, &app, d);
			json_decref(tcb);
			if (r != CCAKIT_OK)
				goto out;
			i = strcmp(cl.tee_class, "gpu") == 0;
			snprintf(name, sizeof(name), "%s%u", cl.tee_class,
			    classes[i]++);
			json_object_set_new(submods, name, app);
		}
	}
	app = sorted_shallow(submods);
	ear = json_pack("{s:s, s:I, s:{s:s, s:s}, s:o, s:I, s:s}",
	    "eat_profile", c->profile_name, "iat", (json_int_t)in->now,
	    "ear.verifier-id", "build", c->build_name, "developer",
	    c->developer_name, "submods", app,
	    "exp", (json_int_t)(in->now + 60 * c->duration_min),
	    "iss", c->issuer_name);
	if (ear == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	if ((r = kbs_signer_sign(k->signer, ear, token, &payload, d)) ==
	    CCAKIT_OK)
		kbs_tokens_remember(k->tokens, *token, ear, payload);
	free(payload);
out:
	json_decref(ear);
	json_decref(rd);
	json_decref(drd);
	json_decref(devs);
	json_decref(submods);
	json_decref(init_claims);
	return r;
}
