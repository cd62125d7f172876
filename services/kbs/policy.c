/*
 * Policies: the resource policy (data.policy.allow) and the attestation
 * service's appraisal policies (data.policy.trust_claims and
 * data.policy.extensions), Rego on ccakit's engine. The texts live in the
 * storage (Trustee's keys: "resource-policy.rego" in namespace kbs,
 * "<id>.rego" in attestation_service_policy), so that every replica sees
 * an update at once; each evaluation reads the text (one lookup) and runs
 * a compiled form cached by the text's digest, compiled once (Trustee
 * builds and parses a new engine per evaluation). Evaluation contexts are
 * per thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "kbs.h"
#include "kbs_builtin_policies.h"      /* policies/ (cmake/embed.cmake) */

#define CACHE_MAX 32

struct compiled {
	enum kbs_policy_kind kind;
	uint8_t hash[32];
	ccakit_rego_policy *policy;
	ccakit_rego_query *q[2];
	unsigned refs;
	uint64_t used;
	struct compiled *next;
};

struct kbs_policies {
	pthread_mutex_t mu;
	struct compiled *head;
	size_t n;
	uint64_t tick;
};

static pthread_key_t eval_key;
static pthread_once_t eval_once = PTHREAD_ONCE_INIT;

static void
eval_destroy(void *p)
{
	ccakit_rego_eval *ev = p;

	ccakit_rego_eval_free(&ev);
}

static void
eval_key_init(void)
{
	(void)pthread_key_create(&eval_key, eval_destroy);
}

/* This thread's evaluation context. */
static ccakit_rego_eval *
thread_eval(void)
{
	ccakit_rego_eval *ev;

	pthread_once(&eval_once, eval_key_init);
	if ((ev = pthread_getspecific(eval_key)) == NULL &&
	    (ev = ccakit_rego_eval_new()) != NULL)
		(void)pthread_setspecific(eval_key, ev);
	return ev;
}

const char *
kbs_policy_builtin(const char *name, size_t *len)
{
	const struct kbs_builtin_policies_entry *e =
	    kbs_builtin_policies_find(name);

	if (e != NULL && len != NULL)
		*len = e->len;
	return e != NULL ? e->text : NULL;
}

/* --- query_reference_value --- */

static int
bi_qrv(ccakit_rego_bictx *ctx, const ccakit_rego_value *const *args,
    const ccakit_rego_value **out)
{
	struct kbs *k = ccakit_rego_bi_user(ctx);
	struct ccakit_errdetail d;
	const char *id;
	char *json = NULL;
	int r;

	if ((id = ccakit_rego_str(args[0], NULL)) == NULL)
		return ccakit_rego_bi_type_error(ctx, 1, "string", args[0]);
	if (k == NULL) {
		*out = ccakit_rego_null();
		return CCAKIT_OK;
	}
	memset(&d, 0, sizeof(d));
	r = kbs_rvps_query(k, id, &json, &d);
	if (r == CCAKIT_ERR_NOT_FOUND) {
		*out = ccakit_rego_null();
		return CCAKIT_OK;
	}
	if (r != CCAKIT_OK)
		return ccakit_rego_bi_error(ctx, "Get Reference Value from "
		    "RVPS failed: %s", d.text[0] != '\0' ? d.text :
		    ccakit_strerror(r));
	r = ccakit_rego_new_json(ctx, json, strlen(json), out);
	free(json);
	return r;
}

static const struct ccakit_rego_builtin qrv_builtin = {
	"query_reference_value", 1, bi_qrv, CCAKIT_REGO_BI_NONDET,
};

static void
policy_detail(const ccakit_rego_policy *p, int r, struct ccakit_errdetail *d)
{
	const struct ccakit_rego_diag *dg;

	if (d == NULL)
		return;
	d->code = r;
	d->what = "policy";
	if (p != NULL && ccakit_rego_policy_nerrors(p) > 0) {
		dg = ccakit_rego_policy_error(p, 0);
		ccakit_rego_diag_format(dg, d->text, sizeof(d->text));
	} else if (d->text[0] == '\0') {
		snprintf(d->text, sizeof(d->text), "%s", ccakit_strerror(r));
	}
}

static void
compiled_free(struct compiled *c)
{
	ccakit_rego_query_free(&c->q[0]);
	ccakit_rego_query_free(&c->q[1]);
	ccakit_rego_policy_free(&c->policy);
	free(c);
}

static int
compile(enum kbs_policy_kind kind, const char *text, size_t len,
    struct compiled **out, struct ccakit_errdetail *d)
{
	static const char *const queries[2][2] = {
		{ "data.policy.allow", NULL },
		{ "data.policy.trust_claims", "data.policy.extensions" },
	};
	struct compiled *c;
	int r = CCAKIT_OK;
	size_t i;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return CCAKIT_ERR_NOMEM;
	if ((c->policy = ccakit_rego_policy_new()) == NULL) {
		free(c);
		return CCAKIT_ERR_NOMEM;
	}
	c->kind = kind;
	if (kind == KBS_POLICY_AS)
		r = ccakit_rego_add_builtin(c->policy, &qrv_builtin);
	if (r == CCAKIT_OK)
		r = ccakit_rego_add_module(c->policy, "policy.rego", text, len,
		    d);
	if (r == CCAKIT_OK)
		r = ccakit_rego_compile(c->policy, d);
	if (r != CCAKIT_OK) {
		policy_detail(c->policy, r, d);
		compiled_free(c);
		return r;
	}
	for (i = 0; i < 2 && queries[kind][i] != NULL; i++)
		if ((r = ccakit_rego_query_new(c->policy, queries[kind][i],
		    &c->q[i], d)) != CCAKIT_OK) {
			compiled_free(c);
			return r;
		}
	*out = c;
	return CCAKIT_OK;
}

int
kbs_policy_check(enum kbs_policy_kind kind, const char *text, size_t len,
    struct ccakit_errdetail *d)
{
	struct compiled *c;
	int r;

	if ((r = compile(kind, text, len, &c, d)) == CCAKIT_OK)
		compiled_free(c);
	return r;
}

int
kbs_policies_new(struct kbs *k, kbs_policies **out)
{
	kbs_policies *p;

	(void)k;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return CCAKIT_ERR_NOMEM;
	pthread_mutex_init(&p->mu, NULL);
	*out = p;
	return CCAKIT_OK;
}

void
kbs_policies_free(kbs_policies **pp)
{
	kbs_policies *p;
	struct compiled *c, *n;

	if (pp == NULL || (p = *pp) == NULL)
		return;
	for (c = p->head; c != NULL; c = n) {
		n = c->next;
		compiled_free(c);
	}
	pthread_mutex_destroy(&p->mu);
	free(p);
	*pp = NULL;
}

static void
release(kbs_policies *p, struct compiled *c)
{
	bool last;

	pthread_mutex_lock(&p->mu);
	last = --c->refs == 0;
	pthread_mutex_unlock(&p->mu);
	if (last)
		compiled_free(c);
}

/*
 * The compiled form of the stored policy ns/key (a reference).
 * CCAKIT_ERR_NOT_FOUND when there is no such policy.
 */
static int
acquire(struct kbs *k, enum kbs_policy_kind kind, const char *ns,
    const char *key, struct compiled **out, struct ccakit_errdetail *d)
{
	kbs_policies *p = k->policies;
	struct compiled *c, *nc, **pp, *old = NULL, *lru;
	struct kbs_val v;
	uint8_t h[32];
	unsigned hl = 0;
	int r;

	memset(&v, 0, sizeof(v));
	if ((r = kbs_kv_get(kbs_store_ns(k->store, ns), ns, key, &v, d)) !=
	    CCAKIT_OK)
		return r;
	if (EVP_Digest(v.p, v.len, h, &hl, EVP_sha256(), NULL) != 1) {
		kbs_val_clear(&v);
		return CCAKIT_ERR_CRYPTO;
	}
	pthread_mutex_lock(&p->mu);
	for (c = p->head; c != NULL; c = c->next)
		if (c->kind == kind && memcmp(c->hash, h, sizeof(h)) == 0) {
			c->refs++;
			c->used = ++p->tick;
			pthread_mutex_unlock(&p->mu);
			kbs_val_clear(&v);
			*out = c;
			return CCAKIT_OK;
		}
	pthread_mutex_unlock(&p->mu);
	r = compile(kind, (const char *)v.p, v.len, &nc, d);
	kbs_val_clear(&v);
	if (r != CCAKIT_OK)
		return r;
	memcpy(nc->hash, h, sizeof(h));
	nc->refs = 2;                   /* the cache's and the caller's */
	pthread_mutex_lock(&p->mu);
	nc->used = ++p->tick;
	nc->next = p->head;
	p->head = nc;
	if (++p->n > CACHE_MAX) {
		/* Drop the least recently used entry. */
		lru = p->head;
		for (c = p->head; c != NULL; c = c->next)
			if (c->used < lru->used)
				lru = c;
		for (pp = &p->head; *pp != lru; pp = &(*pp)->next)
			;
		*pp = lru->next;
		p->n--;
		if (--lru->refs == 0)
			old = lru;
	}
	pthread_mutex_unlock(&p->mu);
	if (old != NULL)
		compiled_free(old);
	*out = nc;
	return CCAKIT_OK;
}

static void
eval_detail(ccakit_rego_eval *ev, int r, struct ccakit_errdetail *d)
{
	const struct ccakit_rego_diag *dg = ccakit_rego_eval_error(ev);

	d->code = r;
	d->what = "policy";
	if (dg != NULL)
		ccakit_rego_diag_format(dg, d->text, sizeof(d->text));
}

int
kbs_policy_resource(struct kbs *k, const char *claims_json, size_t clen,
    const char *data_json, size_t dlen, bool *allow,
    struct ccakit_errdetail *d)
{
	struct ccakit_rego_eval_opts o;
	ccakit_rego_doc *in = NULL, *data = NULL;
	const ccakit_rego_value *v;
	ccakit_rego_eval *ev;
	struct compiled *c;
	char key[64];
	int r;

	*allow = false;
	snprintf(key, sizeof(key), "%s" KBS_POLICY_SUFFIX,
	    KBS_RESOURCE_POLICY_ID);
	if ((r = acquire(k, KBS_POLICY_RESOURCE, KBS_NS_KBS, key, &c, d)) !=
	    CCAKIT_OK)
		return r;
	if ((ev = thread_eval()) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	if ((r = ccakit_rego_doc_parse(claims_json, clen, &in, d)) !=
	    CCAKIT_OK || (r = ccakit_rego_doc_parse(data_json, dlen, &data,
	    d)) != CCAKIT_OK)
		goto out;
	memset(&o, 0, sizeof(o));
	o.input = ccakit_rego_doc_value(in);
	o.data = ccakit_rego_doc_value(data);
	if ((r = ccakit_rego_eval_value(ev, c->q[0], &o, &v, d)) !=
	    CCAKIT_OK) {
		eval_detail(ev, r, d);
		goto out;
	}
	if (v == NULL || ccakit_rego_type(v) != CCAKIT_REGO_BOOLEAN)
		kbs_count(KBS_M_POLICY_ERRORS); /* Trustee: false, counted */
	else
		*allow = ccakit_rego_bool(v);
out:
	ccakit_rego_doc_free(&in);
	ccakit_rego_doc_free(&data);
	release(k->policies, c);
	return r;
}

static int
value_json(const ccakit_rego_value *v, json_t **out)
{
	json_error_t je;
	char *s;

	if (v == NULL) {
		*out = NULL;
		return CCAKIT_OK;
	}
	if (ccakit_rego_to_json(v, 0, &s) != CCAKIT_OK)
		return CCAKIT_ERR_NOMEM;
	*out = json_loads(s, JSON_DECODE_ANY, &je);
	free(s);
	return *out != NULL ? CCAKIT_OK : CCAKIT_ERR_JSON;
}

int
kbs_policy_as(struct kbs *k, const char *id, const char *input_json,
    size_t ilen, json_t **trust_claims, json_t **extensions,
    struct ccakit_errdetail *d)
{
	struct ccakit_rego_eval_opts o;
	ccakit_rego_doc *in = NULL;
	const ccakit_rego_value *v;
	ccakit_rego_eval *ev;
	struct compiled *c;
	char key[300];
	int r;

	*trust_claims = *extensions = NULL;
	if (snprintf(key, sizeof(key), "%s" KBS_POLICY_SUFFIX, id) >=
	    (int)sizeof(key))
		return CCAKIT_ERR_INVALID_ARG;
	if ((r = acquire(k, KBS_POLICY_AS, KBS_NS_AS_POLICY, key, &c, d)) !=
	    CCAKIT_OK)
		return r;
	if ((ev = thread_eval()) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	if ((r = ccakit_rego_doc_parse(input_json, ilen, &in, d)) != CCAKIT_OK)
		goto out;
	memset(&o, 0, sizeof(o));
	o.input = ccakit_rego_doc_value(in);
	o.user = k;
	if ((r = ccakit_rego_eval_value(ev, c->q[0], &o, &v, d)) !=
	    CCAKIT_OK) {
		eval_detail(ev, r, d);
		goto out;
	}
	if ((r = value_json(v, trust_claims)) != CCAKIT_OK)
		goto out;
	if ((r = ccakit_rego_eval_value(ev, c->q[1], &o, &v, d)) !=
	    CCAKIT_OK) {
		eval_detail(ev, r, d);
		goto out;
	}
	r = value_json(v, extensions);
out:
	if (r != CCAKIT_OK) {
		json_decref(*trust_claims);
		*trust_claims = NULL;
	}
	ccakit_rego_doc_free(&in);
	release(k->policies, c);
	return r;
}

int
kbs_policies_seed(struct kbs *k, struct ccakit_errdetail *d)
{
	static const char *const as_ids[] = {
		"default_cpu", "default_gpu", "default_switch", "default_ppcie",
	};
	const char *text;
	char key[64], name[64];
	size_t i, len;
	int r;

	text = kbs_policy_builtin("resource/default", &len);
	snprintf(key, sizeof(key), "%s" KBS_POLICY_SUFFIX,
	    KBS_RESOURCE_POLICY_ID);
	if ((r = kbs_kv_set(kbs_store_ns(k->store, KBS_NS_KBS), KBS_NS_KBS,
	    key, text, len, 0, false, NULL, d)) != CCAKIT_OK)
		return r;
	for (i = 0; i < sizeof(as_ids) / sizeof(as_ids[0]); i++) {
		snprintf(name, sizeof(name), "as/%s", as_ids[i]);
		text = kbs_policy_builtin(name, &len);
		snprintf(key, sizeof(key), "%s" KBS_POLICY_SUFFIX, as_ids[i]);
		if ((r = kbs_kv_set(kbs_store_ns(k->store, KBS_NS_AS_POLICY),
		    KBS_NS_AS_POLICY, key, text, len, 0, false, NULL, d)) !=
		    CCAKIT_OK)
			return r;
	}
	return CCAKIT_OK;
}
