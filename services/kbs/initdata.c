/*
 * Init-data (Trustee's attestation-service parse_init_data at 78962cd;
 * kbs/docs/initdata.md): a TOML document {version, algorithm, [data]}
 * whose digest, by `algorithm` over the text exactly as received, the
 * TEE binds, and the claims the policies see: [data] with "aa.toml" and
 * "cdh.toml" turned into JSON when they parse as TOML, and "policy.rego"
 * replaced by "agent_policy_claims" (the JSON after `policy_data := {`)
 * when that parses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbs.h"

#define INITDATA_MAX (1024 * 1024)

static json_t *
to_json(const ccakit_toml_value *cv)
{
	ccakit_toml_value *v = (ccakit_toml_value *)(uintptr_t)cv;
	struct ccakit_toml_datetime dt;
	ccakit_toml_value *e;
	const char *key, *s;
	size_t i, n, klen, slen;
	json_t *j, *m;
	double f;
	int64_t iv;
	bool b;

	switch (ccakit_toml_type(v)) {
	case CCAKIT_TOML_STRING:
		s = ccakit_toml_string(v, &slen);
		return json_stringn(s, slen);
	case CCAKIT_TOML_INTEGER:
		return ccakit_toml_get_int(v, NULL, &iv, NULL) == CCAKIT_OK ?
		    json_integer(iv) : NULL;
	case CCAKIT_TOML_FLOAT:
		return ccakit_toml_get_float(v, NULL, &f, NULL) == CCAKIT_OK ?
		    json_real(f) : NULL;
	case CCAKIT_TOML_BOOL:
		return ccakit_toml_get_bool(v, NULL, &b, NULL) == CCAKIT_OK ?
		    json_boolean(b) : NULL;
	case CCAKIT_TOML_DATETIME:
	case CCAKIT_TOML_DATETIME_LOCAL:
	case CCAKIT_TOML_DATE_LOCAL:
	case CCAKIT_TOML_TIME_LOCAL:
		/* toml-rs's serde form of a date-time, as serde_json keeps
		 * it. */
		if (ccakit_toml_get_datetime(v, NULL, &dt, NULL) != CCAKIT_OK)
			return NULL;
		return json_pack("{s:s}", "$__toml_private_datetime", dt.text);
	case CCAKIT_TOML_ARRAY:
		if ((j = json_array()) == NULL)
			return NULL;
		n = ccakit_toml_array_len(v);
		for (i = 0; i < n; i++) {
			if ((m = to_json(ccakit_toml_array_at(v, i))) == NULL ||
			    json_array_append_new(j, m) != 0) {
				json_decref(j);
				return NULL;
			}
		}
		return j;
	case CCAKIT_TOML_TABLE:
		if ((j = json_object()) == NULL)
			return NULL;
		n = ccakit_toml_table_len(v);
		for (i = 0; i < n; i++) {
			e = ccakit_toml_table_at(v, i, &key, &klen);
			if (memchr(key, '\0', klen) != NULL ||
			    (m = to_json(e)) == NULL ||
			    json_object_set_new(j, key, m) != 0) {
				json_decref(j);
				return NULL;
			}
		}
		return j;
	default:
		return NULL;
	}
}

int
kbs_toml_to_json(const char *text, size_t len, json_t **out,
    struct ccakit_errdetail *d)
{
	ccakit_toml *doc;
	json_t *j;
	int r;

	if ((doc = ccakit_toml_new()) == NULL)
		return CCAKIT_ERR_NOMEM;
	if ((r = ccakit_toml_parse(doc, text, len, "init-data", NULL, d)) !=
	    CCAKIT_OK) {
		ccakit_toml_free(&doc);
		return r;
	}
	j = to_json(ccakit_toml_root(doc));
	ccakit_toml_free(&doc);
	if (j == NULL)
		return CCAKIT_ERR_NOMEM;
	*out = j;
	return CCAKIT_OK;
}

static int
bad(struct ccakit_errdetail *d, const char *text)
{
	d->code = CCAKIT_ERR_CONFIG;
	d->what = "init-data";
	snprintf(d->text, sizeof(d->text), "%s", text);
	return CCAKIT_ERR_CONFIG;
}

int
kbs_initdata_parse(const char *body, size_t len, uint8_t *digest,
    size_t *dlen, json_t **claims, struct ccakit_errdetail *d)
{
	ccakit_toml *doc = NULL;
	ccakit_toml_value *root, *data, *e;
	const char *version, *alg, *key, *s, *p;
	enum rcar_hash h;
	json_t *c = NULL, *m;
	json_error_t je;
	size_t i, klen, slen;
	int r;

	if (len > INITDATA_MAX)
		return bad(d, "init-data larger than 1 MiB");
	if ((doc = ccakit_toml_new()) == NULL)
		return CCAKIT_ERR_NOMEM;
	if ((r = ccakit_toml_parse(doc, body, len, "init-data", NULL, d)) !=
	    CCAKIT_OK) {
		ccakit_toml_free(&doc);
		return r;
	}
	root = ccakit_toml_root(doc);
	if ((r = ccakit_toml_get_string(root, "version", &version, d)) !=
	    CCAKIT_OK || (r = ccakit_toml_get_string(root, "algorithm", &alg,
	    d)) != CCAKIT_OK || (r = ccakit_toml_get_table(root, "data", &data,
	    d)) != CCAKIT_OK)
		goto out;
	if (rcar_hash_parse(alg, false, &h) != 0) {
		r = bad(d, "algorithm: not sha256, sha384, sha512 or sm3");
		goto out;
	}
	if ((r = rcar_hash(h, body, len, digest, dlen)) != CCAKIT_OK)
		goto out;
	if ((c = json_object()) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < ccakit_toml_table_len(data); i++) {
		e = ccakit_toml_table_at(data, i, &key, &klen);
		if ((s = ccakit_toml_string(e, &slen)) == NULL ||
		    memchr(key, '\0', klen) != NULL) {
			r = bad(d, "[data]: every value must be a string");
			goto out;
		}
		m = NULL;
		if (strcmp(key, "aa.toml") == 0 || strcmp(key, "cdh.toml") == 0)
			(void)kbs_toml_to_json(s, slen, &m, NULL);
		if (m == NULL)
			m = json_stringn(s, slen);
		if (m == NULL || json_object_set_new(c, key, m) != 0) {
			r = CCAKIT_ERR_NOMEM;
			goto out;
		}
	}
	m = json_object_get(c, "policy.rego");
	if (json_is_string(m) && (p = strstr(json_string_value(m),
	    "policy_data := {")) != NULL) {
		p += strlen("policy_data := {") - 1;
		if ((m = json_loads(p, JSON_REJECT_DUPLICATES, &je)) != NULL) {
			json_object_del(c, "policy.rego");
			json_object_set_new(c, "agent_policy_claims", m);
		}
	}
	*claims = c;
	c = NULL;
	r = CCAKIT_OK;
out:
	json_decref(c);
	ccakit_toml_free(&doc);
	return r;
}
