/*
 * The key broker's release policy, in Rego (broker.h; docs/keybroker.md,
 * "Release policy"): data.arm_cca.allow with the EAR as input and the
 * approved RIMs as data["reference-values"], as the Veraison keybroker
 * demo's server evaluates its arm-cca.rego. The shipped policies are
 * policies/NAME.rego, embedded at build time (cmake/embed.cmake).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/bytes.h>
#include <ccakit/ear.h>
#include <ccakit/err.h>
#include <ccakit/rego.h>

#include "broker.h"
#include "kbs_rego_builtins.h"         /* policies/NAME.rego (embed.cmake) */
#include "util/util.h"

#define PKG             "arm_cca"
#define ALLOW_QUERY     "data." PKG ".allow"
#define DENY_QUERY      "data." PKG ".deny"

struct kbs_policy {
	ccakit_rego_policy *pol;
	ccakit_rego_query *allow;
	ccakit_rego_query *deny;        /* NULL: the policy gives no reasons */
};

const char *
kbs_release_policy_builtin(const char *name)
{
	const struct kbs_rego_builtins_entry *e = kbs_rego_builtins_find(name);

	return e != NULL ? e->text : NULL;
}

const char *
kbs_release_policy_names(void)
{
	return kbs_rego_builtins_names;
}

void
kbs_policy_free(kbs_policy **pp)
{
	kbs_policy *p;

	if (pp == NULL || (p = *pp) == NULL)
		return;
	ccakit_rego_query_free(&p->allow);
	ccakit_rego_query_free(&p->deny);
	ccakit_rego_policy_free(&p->pol);
	free(p);
	*pp = NULL;
}

int
kbs_policy_new(const char *name, const char *text, size_t len,
    kbs_policy **out, struct ccakit_errdetail *d)
{
	kbs_policy *p;
	int r;

	if (name == NULL || text == NULL || out == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->pol = ccakit_rego_policy_new()) == NULL) {
		free(p);
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	}
	if ((r = ccakit_rego_add_module(p->pol, name, text, len, d)) !=
	    CCAKIT_OK || (r = ccakit_rego_compile(p->pol, d)) != CCAKIT_OK)
		goto fail;
	if (!ccakit_rego_policy_defines(p->pol, PKG ".allow")) {
		r = cki_detail(d, CCAKIT_ERR_POLICY, "allow", "%s: no rule "
		    "allow in package " PKG " (keybroker-server evaluates "
		    ALLOW_QUERY ")", name);
		goto fail;
	}
	if ((r = ccakit_rego_query_new(p->pol, ALLOW_QUERY, &p->allow, d)) !=
	    CCAKIT_OK)
		goto fail;
	if (ccakit_rego_policy_defines(p->pol, PKG ".deny") &&
	    (r = ccakit_rego_query_new(p->pol, DENY_QUERY, &p->deny, d)) !=
	    CCAKIT_OK)
		goto fail;
	*out = p;
	return CCAKIT_OK;
fail:
	kbs_policy_free(&p);
	return r;
}

int
kbs_policy_data_new(const struct ccakit_bytes *rims, size_t n,
    ccakit_rego_doc **out)
{
	/* {"reference-values":[ + per RIM "<base64 of 64 bytes>", + ]} */
	size_t cap = 32 + n * (ccakit_b64_encoded_len(KBS_REFVAL_MAX_LEN,
	    CCAKIT_B64_STD) + 4), len, i;
	char *json;
	int r;

	if ((rims == NULL && n > 0) || out == NULL || n > KBS_REFVALS_MAX_COUNT)
		return CCAKIT_ERR_INVALID_ARG;
	if ((json = malloc(cap)) == NULL)
		return CCAKIT_ERR_NOMEM;
	len = (size_t)snprintf(json, cap, "{\"reference-values\":[");
	for (i = 0; i < n; i++) {
		if (rims[i].ptr == NULL || rims[i].len == 0 ||
		    rims[i].len > KBS_REFVAL_MAX_LEN) {
			free(json);
			return CCAKIT_ERR_INVALID_ARG;
		}
		json[len++] = i > 0 ? ',' : ' ';
		json[len++] = '"';
		if ((r = ccakit_b64_encode(rims[i].ptr, rims[i].len,
		    CCAKIT_B64_STD, json + len, cap - len)) != CCAKIT_OK) {
			free(json);
			return r;
		}
		len += strlen(json + len);
		json[len++] = '"';
	}
	len += (size_t)snprintf(json + len, cap - len, "]}");
	r = ccakit_rego_doc_parse(json, len, out, NULL);
	free(json);
	return r;
}

void
kbs_policy_data_free(ccakit_rego_doc **dp)
{
	ccakit_rego_doc_free(dp);
}

/* The policy's deny messages (strings of a set or array), "; "-joined. */
static void
reasons(const kbs_policy *p, ccakit_rego_eval *ev,
    const struct ccakit_rego_eval_opts *o, struct ccakit_errdetail *why)
{
	const ccakit_rego_value *v, *m;
	size_t i, n, used = 0;
	const char *s;

	if (p->deny == NULL || ccakit_rego_eval_value(ev, p->deny, o, &v,
	    NULL) != CCAKIT_OK || v == NULL || (ccakit_rego_type(v) !=
	    CCAKIT_REGO_SET && ccakit_rego_type(v) != CCAKIT_REGO_ARRAY))
		return;
	n = ccakit_rego_len(v);
	for (i = 0; i < n && used + 1 < sizeof(why->text); i++) {
		m = ccakit_rego_at(v, i);
		if ((s = ccakit_rego_str(m, NULL)) == NULL)
			continue;
		used += (size_t)snprintf(why->text + used,
		    sizeof(why->text) - used, "%s%s", used > 0 ? "; " : "", s);
	}
	if (used >= sizeof(why->text))
		used = sizeof(why->text) - 1;
	why->text[used] = '\0';
}

int
kbs_policy_eval(const kbs_policy *p, const ccakit_ear *ear,
    const ccakit_rego_doc *data, struct ccakit_errdetail *why)
{
	struct ccakit_rego_eval_opts o;
	const ccakit_rego_value *v;
	ccakit_rego_doc *in = NULL;
	ccakit_rego_eval *ev = NULL;
	char *json = NULL;
	int r;

	if (p == NULL || ear == NULL || data == NULL)
		return cki_detail(why, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	/* The EAR as the policy sees it: its claims set, as JSON. */
	if ((r = ccakit_ear_to_json(ear, 0, &json)) != CCAKIT_OK ||
	    (r = ccakit_rego_doc_parse(json, strlen(json), &in, why)) !=
	    CCAKIT_OK) {
		r = cki_detail(why, r, "input", "the EAR as Rego input: %s",
		    ccakit_strerror(r));
		goto out;
	}
	if ((ev = ccakit_rego_eval_new()) == NULL) {
		r = cki_detail(why, CCAKIT_ERR_NOMEM, NULL, NULL);
		goto out;
	}
	memset(&o, 0, sizeof(o));
	o.input = ccakit_rego_doc_value(in);
	o.data = ccakit_rego_doc_value(data);
	o.max_steps = KBS_POLICY_MAX_STEPS;
	o.max_memory = KBS_POLICY_MAX_MEMORY;
	/* as the demo: allow only when the value is true itself */
	if ((r = ccakit_rego_eval_value(ev, p->allow, &o, &v, why)) !=
	    CCAKIT_OK)
		goto out;
	if (v != NULL && ccakit_rego_type(v) == CCAKIT_REGO_BOOLEAN &&
	    ccakit_rego_bool(v)) {
		r = cki_detail(why, CCAKIT_OK, NULL, NULL);
		goto out;
	}
	r = cki_detail(why, CCAKIT_ERR_POLICY, "allow", "%s", v == NULL ?
	    ALLOW_QUERY " is undefined" : ccakit_rego_type(v) !=
	    CCAKIT_REGO_BOOLEAN ? ALLOW_QUERY " is not a boolean" : "");
	if (why != NULL && why->text[0] == '\0')
		reasons(p, ev, &o, why);
out:
	ccakit_rego_eval_free(&ev);
	ccakit_rego_doc_free(&in);
	free(json);
	return r;
}
