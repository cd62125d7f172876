/*
 * Reference-value store, loaded from and written to rust-ccatoken's
 * rv.json format (spec §5.2):
 *
 *   { "platform": [ { "implementation-id", "sw-components": [ {
 *         "measurement-value", "signer-id", "version"?,
 *         "component-type"? } ], "platform-configuration" } ],
 *     "realm": [ { "initial-measurement", "rak-hash-algorithm"?,
 *         "extensible-measurements"? [4], "personalization-value"? } ] }
 *
 * Stricter than rust-ccatoken: measurements and signer-ids must be 32, 48
 * or 64 bytes and the personalization value 64 bytes. More lenient: the
 * realm members after the RIM are optional (null counts as absent).
 * Unknown members are ignored, as serde does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/bytes.h>
#include <ccakit/err.h>
#include <ccakit/store.h>

#include "store/store_priv.h"
#include "util/util.h"

bool
cki_meas_len_ok(size_t len)
{
	return len == 32 || len == 48 || len == 64;
}

bool
cki_store_fits(size_t n, size_t more)
{
	return more <= CCAKIT_STORE_MAX_ENTRIES &&
	    n <= CCAKIT_STORE_MAX_ENTRIES - more;
}

int
cki_store_grow(void **v, size_t *cap, size_t need, size_t sz)
{
	size_t ncap;
	void *nv;

	if (need <= *cap)
		return CCAKIT_OK;
	ncap = *cap == 0 ? 8 : *cap;
	while (ncap < need)
		ncap *= 2;
	if (ncap > CCAKIT_STORE_MAX_ENTRIES)
		ncap = CCAKIT_STORE_MAX_ENTRIES;
	if ((nv = realloc(*v, ncap * sz)) == NULL)
		return CCAKIT_ERR_NOMEM;
	*v = nv;
	*cap = ncap;
	return CCAKIT_OK;
}

ccakit_rv_store *
ccakit_rv_store_new(void)
{
	return calloc(1, sizeof(ccakit_rv_store));
}

void
cki_platform_rv_clear(struct ccakit_platform_rv *rv)
{
	size_t i;

	if (rv == NULL)
		return;
	free(rv->config);
	if (rv->sw != NULL)
		for (i = 0; i < rv->n_sw; i++) {
			free(rv->sw[i].version);
			free(rv->sw[i].type);
		}
	free(rv->sw);
	memset(rv, 0, sizeof(*rv));
}

void
cki_realm_rv_clear(struct ccakit_realm_rv *rv)
{
	if (rv == NULL)
		return;
	free(rv->rak_hash_alg);
	memset(rv, 0, sizeof(*rv));
}

void
ccakit_rv_store_free(ccakit_rv_store **sp)
{
	ccakit_rv_store *s;
	size_t i;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	for (i = 0; i < s->np; i++)
		cki_platform_rv_clear(&s->p[i]);
	for (i = 0; i < s->nr; i++)
		cki_realm_rv_clear(&s->r[i]);
	free(s->p);
	free(s->r);
	free(s);
	*sp = NULL;
}

size_t
ccakit_rv_store_platform_count(const ccakit_rv_store *s)
{
	return s == NULL ? 0 : s->np;
}

size_t
ccakit_rv_store_realm_count(const ccakit_rv_store *s)
{
	return s == NULL ? 0 : s->nr;
}

const struct ccakit_platform_rv *
ccakit_rv_store_platform(const ccakit_rv_store *s, const uint8_t impl_id[32],
    size_t i)
{
	size_t k;

	if (s == NULL || impl_id == NULL)
		return NULL;
	for (k = 0; k < s->np; k++)
		if (memcmp(s->p[k].impl_id, impl_id, 32) == 0 && i-- == 0)
			return &s->p[k];
	return NULL;
}

const struct ccakit_realm_rv *
ccakit_rv_store_realm(const ccakit_rv_store *s, const uint8_t *rim,
    size_t rimlen, size_t i)
{
	size_t k;

	if (s == NULL || (rim == NULL && rimlen > 0))
		return NULL;
	for (k = 0; k < s->nr; k++)
		if (s->r[k].rim.len == rimlen &&
		    memcmp(s->r[k].rim.b, rim, rimlen) == 0 && i-- == 0)
			return &s->r[k];
	return NULL;
}

const struct ccakit_platform_rv *
ccakit_rv_store_platform_at(const ccakit_rv_store *s, size_t i)
{
	return s == NULL || i >= s->np ? NULL : &s->p[i];
}

const struct ccakit_realm_rv *
ccakit_rv_store_realm_at(const ccakit_rv_store *s, size_t i)
{
	return s == NULL || i >= s->nr ? NULL : &s->r[i];
}

int
cki_rv_store_reserve(ccakit_rv_store *s, size_t nplat, size_t nrealm)
{
	void *v;
	int r;

	if (!cki_store_fits(s->np, nplat) || !cki_store_fits(s->nr, nrealm))
		return CCAKIT_ERR_TOO_LARGE;
	v = s->p;
	r = cki_store_grow(&v, &s->pcap, s->np + nplat, sizeof(*s->p));
	s->p = v;
	if (r != CCAKIT_OK)
		return r;
	v = s->r;
	r = cki_store_grow(&v, &s->rcap, s->nr + nrealm, sizeof(*s->r));
	s->r = v;
	return r;
}

void
cki_rv_store_put_platform(ccakit_rv_store *s, struct ccakit_platform_rv *rv)
{
	s->p[s->np++] = *rv;
	memset(rv, 0, sizeof(*rv));
}

void
cki_rv_store_put_realm(ccakit_rv_store *s, struct ccakit_realm_rv *rv)
{
	s->r[s->nr++] = *rv;
	memset(rv, 0, sizeof(*rv));
}

static char *
dupstr(const char *s)
{
	size_t n;
	char *t;

	n = strlen(s) + 1;
	if ((t = malloc(n)) != NULL)
		memcpy(t, s, n);
	return t;
}

static bool
rv_bytes_meas_ok(const struct ccakit_rv_bytes *b)
{
	return cki_meas_len_ok(b->len);
}

/* A signer-id: a measurement, or none in the CoRIM modes. */
static bool
signer_ok(enum ccakit_rv_match m, const struct ccakit_rv_bytes *b)
{
	return rv_bytes_meas_ok(b) ||
	    (b->len == 0 && m != CCAKIT_RV_MATCH_TOKEN);
}

/* REMs: none, or four of which any may be absent (length 0). */
static bool
rems_ok(const struct ccakit_realm_rv *rv)
{
	size_t i;

	if (rv->n_rem != 0 && rv->n_rem != CCAKIT_REM_COUNT)
		return false;
	for (i = 0; i < rv->n_rem; i++)
		if (rv->rem[i].len != 0 && !rv_bytes_meas_ok(&rv->rem[i]))
			return false;
	return true;
}

int
ccakit_rv_store_add_platform(ccakit_rv_store *s,
    const struct ccakit_platform_rv *rv)
{
	struct ccakit_platform_rv c;
	size_t i;
	int r = CCAKIT_ERR_INTERNAL;

	memset(&c, 0, sizeof(c));
	if (s == NULL || rv == NULL || (rv->config == NULL &&
	    rv->config_len > 0) || (rv->sw == NULL && rv->n_sw > 0) ||
	    rv->n_sw > CCAKIT_MAX_SW_COMPONENTS ||
	    rv->match > CCAKIT_RV_MATCH_CORIM_LEGACY ||
	    (rv->no_config && (rv->match == CCAKIT_RV_MATCH_TOKEN ||
	    rv->config_len > 0))) {
		r = CCAKIT_ERR_INVALID_ARG;
		goto out;
	}
	for (i = 0; i < rv->n_sw; i++)
		if (!rv_bytes_meas_ok(&rv->sw[i].mval) ||
		    !signer_ok(rv->match, &rv->sw[i].signer_id)) {
			r = CCAKIT_ERR_INVALID_ARG;
			goto out;
		}
	memcpy(c.impl_id, rv->impl_id, sizeof(c.impl_id));
	c.match = rv->match;
	c.no_config = rv->no_config;
	if (rv->config_len > 0) {
		if ((c.config = malloc(rv->config_len)) == NULL) {
			r = CCAKIT_ERR_NOMEM;
			goto out;
		}
		memcpy(c.config, rv->config, rv->config_len);
		c.config_len = rv->config_len;
	}
	if (rv->n_sw > 0) {
		if ((c.sw = calloc(rv->n_sw, sizeof(*c.sw))) == NULL) {
			r = CCAKIT_ERR_NOMEM;
			goto out;
		}
		c.n_sw = rv->n_sw;
	}
	for (i = 0; i < rv->n_sw; i++) {
		c.sw[i].mval = rv->sw[i].mval;
		c.sw[i].signer_id = rv->sw[i].signer_id;
		if ((rv->sw[i].version != NULL &&
		    (c.sw[i].version = dupstr(rv->sw[i].version)) == NULL) ||
		    (rv->sw[i].type != NULL &&
		    (c.sw[i].type = dupstr(rv->sw[i].type)) == NULL)) {
			r = CCAKIT_ERR_NOMEM;
			goto out;
		}
	}
	if ((r = cki_rv_store_reserve(s, 1, 0)) != CCAKIT_OK)
		goto out;
	cki_rv_store_put_platform(s, &c);
	r = CCAKIT_OK;
 out:
	cki_platform_rv_clear(&c);
	return r;
}

int
ccakit_rv_store_add_realm(ccakit_rv_store *s, const struct ccakit_realm_rv *rv)
{
	struct ccakit_realm_rv c;
	size_t i;
	int r = CCAKIT_ERR_INTERNAL;

	memset(&c, 0, sizeof(c));
	if (s == NULL || rv == NULL || !rv_bytes_meas_ok(&rv->rim) ||
	    !rems_ok(rv)) {
		r = CCAKIT_ERR_INVALID_ARG;
		goto out;
	}
	c = *rv;
	/* Four absent REMs are no REMs. */
	for (i = 0; i < c.n_rem && c.rem[i].len == 0; i++)
		;
	if (i == c.n_rem)
		c.n_rem = 0;
	c.rak_hash_alg = NULL;
	if (rv->rak_hash_alg != NULL &&
	    (c.rak_hash_alg = dupstr(rv->rak_hash_alg)) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	if ((r = cki_rv_store_reserve(s, 0, 1)) != CCAKIT_OK)
		goto out;
	cki_rv_store_put_realm(s, &c);
	r = CCAKIT_OK;
 out:
	cki_realm_rv_clear(&c);
	return r;
}

/* A measurement (32, 48 or 64 bytes in hex) into an rv_bytes. */
static int
rv_measval(const json_t *v, const char *what, const char *label,
    struct ccakit_rv_bytes *b, struct ccakit_errdetail *d)
{
	int r;

	if ((r = cki_json_hexval(v, what, label, b->b, sizeof(b->b), &b->len,
	    d)) != CCAKIT_OK)
		return r;
	if (!cki_meas_len_ok(b->len))
		return cki_detail(d, CCAKIT_ERR_JSON, what,
		    "%s: %zu bytes, expected 32, 48 or 64", label, b->len);
	return CCAKIT_OK;
}

static int
rv_meas(const json_t *obj, const char *what, const char *ctx,
    struct ccakit_rv_bytes *b, struct ccakit_errdetail *d)
{
	char label[128];

	(void)snprintf(label, sizeof(label), "%s.%s", ctx, what);
	return rv_measval(json_object_get(obj, what), what, label, b, d);
}

static int
rv_parse_swc(const json_t *obj, const char *pctx, size_t idx,
    enum ccakit_rv_match match, struct ccakit_rv_sw_component *c,
    struct ccakit_errdetail *d)
{
	char ctx[96];
	int r;

	(void)snprintf(ctx, sizeof(ctx), "%s.sw-components[%zu]", pctx, idx);
	if (!json_is_object(obj))
		return cki_detail(d, CCAKIT_ERR_JSON, "sw-components",
		    "%s: expected an object", ctx);
	if ((r = rv_meas(obj, "measurement-value", ctx, &c->mval, d)) !=
	    CCAKIT_OK)
		return r;
	if (match != CCAKIT_RV_MATCH_TOKEN &&
	    json_is_null(json_object_get(obj, "signer-id")))
		c->signer_id.len = 0;	/* a CoRIM entry without one */
	else if ((r = rv_meas(obj, "signer-id", ctx, &c->signer_id, d)) !=
	    CCAKIT_OK)
		return r;
	if ((r = cki_json_opt_text(obj, "version", ctx, &c->version, d)) !=
	    CCAKIT_OK)
		return r;
	return cki_json_opt_text(obj, "component-type", ctx, &c->type, d);
}

static int
rv_parse_platform(const json_t *obj, size_t idx,
    struct ccakit_platform_rv *p, struct ccakit_errdetail *d)
{
	const json_t *cfg, *swc, *m;
	char ctx[32];
	size_t i, n;
	int r;

	(void)snprintf(ctx, sizeof(ctx), "platform[%zu]", idx);
	if (!json_is_object(obj))
		return cki_detail(d, CCAKIT_ERR_JSON, NULL,
		    "%s: expected an object", ctx);
	if ((r = cki_json_hex(obj, "implementation-id", ctx, p->impl_id,
	    sizeof(p->impl_id), &n, d)) != CCAKIT_OK)
		return r;
	if (n != sizeof(p->impl_id))
		return cki_detail(d, CCAKIT_ERR_JSON, "implementation-id",
		    "%s.implementation-id: %zu bytes, expected 32", ctx, n);

	/* match: absent (rust-ccatoken), "corim" or "corim-legacy". */
	if ((m = json_object_get(obj, "match")) != NULL && !json_is_null(m)) {
		if (json_is_string(m) &&
		    strcmp(json_string_value(m), "corim") == 0)
			p->match = CCAKIT_RV_MATCH_CORIM;
		else if (json_is_string(m) &&
		    strcmp(json_string_value(m), "corim-legacy") == 0)
			p->match = CCAKIT_RV_MATCH_CORIM_LEGACY;
		else
			return cki_detail(d, CCAKIT_ERR_JSON, "match",
			    "%s.match: expected \"corim\" or "
			    "\"corim-legacy\"", ctx);
	}

	/* platform-configuration: any length, empty included; null for a
	 * CoRIM entry that endorses none. */
	cfg = json_object_get(obj, "platform-configuration");
	if (p->match != CCAKIT_RV_MATCH_TOKEN && json_is_null(cfg))
		p->no_config = true;
	else if (cfg != NULL && json_is_string(cfg) &&
	    json_string_length(cfg) >= 2) {
		if ((p->config = malloc(json_string_length(cfg) / 2)) == NULL)
			return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	}
	if (!p->no_config && (r = cki_json_hex(obj, "platform-configuration",
	    ctx, p->config, p->config != NULL ? json_string_length(cfg) / 2 :
	    0, &p->config_len, d)) != CCAKIT_OK)
		return r;

	if ((swc = json_object_get(obj, "sw-components")) == NULL ||
	    !json_is_array(swc))
		return cki_detail(d, CCAKIT_ERR_JSON, "sw-components",
		    "%s.sw-components: expected an array", ctx);
	if ((n = json_array_size(swc)) > CCAKIT_MAX_SW_COMPONENTS)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "sw-components",
		    "%s.sw-components: %zu entries, at most %d", ctx, n,
		    CCAKIT_MAX_SW_COMPONENTS);
	if (n > 0 && (p->sw = calloc(n, sizeof(*p->sw))) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	p->n_sw = n;
	for (i = 0; i < n; i++)
		if ((r = rv_parse_swc(json_array_get(swc, i), ctx, i,
		    p->match, &p->sw[i], d)) != CCAKIT_OK)
			return r;
	return CCAKIT_OK;
}

static int
rv_parse_realm(const json_t *obj, size_t idx, struct ccakit_realm_rv *rv,
    struct ccakit_errdetail *d)
{
	const json_t *rem, *rpv;
	char ctx[32], ectx[64];
	size_t i, n;
	int r;

	(void)snprintf(ctx, sizeof(ctx), "realm[%zu]", idx);
	if (!json_is_object(obj))
		return cki_detail(d, CCAKIT_ERR_JSON, NULL,
		    "%s: expected an object", ctx);
	if ((r = rv_meas(obj, "initial-measurement", ctx, &rv->rim, d)) !=
	    CCAKIT_OK)
		return r;

	rem = json_object_get(obj, "extensible-measurements");
	if (rem != NULL && !json_is_null(rem)) {
		if (!json_is_array(rem) ||
		    json_array_size(rem) != CCAKIT_REM_COUNT)
			return cki_detail(d, CCAKIT_ERR_JSON,
			    "extensible-measurements", "%s."
			    "extensible-measurements: expected an array of %d",
			    ctx, CCAKIT_REM_COUNT);
		for (i = 0; i < CCAKIT_REM_COUNT; i++) {
			(void)snprintf(ectx, sizeof(ectx),
			    "%s.extensible-measurements[%zu]", ctx, i);
			/* null: this REM is not endorsed (CoRIM). */
			if (json_is_null(json_array_get(rem, i))) {
				rv->rem[i].len = 0;
				continue;
			}
			if ((r = rv_measval(json_array_get(rem, i),
			    "extensible-measurements", ectx, &rv->rem[i],
			    d)) != CCAKIT_OK)
				return r;
		}
		rv->n_rem = CCAKIT_REM_COUNT;
		for (i = 0; i < CCAKIT_REM_COUNT && rv->rem[i].len == 0; i++)
			;
		if (i == CCAKIT_REM_COUNT)
			rv->n_rem = 0;	/* none endorsed */
	}

	rpv = json_object_get(obj, "personalization-value");
	if (rpv != NULL && !json_is_null(rpv)) {
		if ((r = cki_json_hex(obj, "personalization-value", ctx,
		    rv->rpv, sizeof(rv->rpv), &n, d)) != CCAKIT_OK)
			return r;
		if (n != sizeof(rv->rpv))
			return cki_detail(d, CCAKIT_ERR_JSON,
			    "personalization-value", "%s."
			    "personalization-value: %zu bytes, expected 64",
			    ctx, n);
		rv->has_rpv = true;
	}
	return cki_json_opt_text(obj, "rak-hash-algorithm", ctx,
	    &rv->rak_hash_alg, d);
}

/* One of the two optional top-level arrays; absent or null is empty. */
static int
rv_array(const json_t *root, const char *what, const json_t **arr,
    size_t *n, struct ccakit_errdetail *d)
{
	const json_t *a;

	*arr = NULL;
	*n = 0;
	if ((a = json_object_get(root, what)) == NULL || json_is_null(a))
		return CCAKIT_OK;
	if (!json_is_array(a))
		return cki_detail(d, CCAKIT_ERR_JSON, what,
		    "%s: expected an array", what);
	if (json_array_size(a) > CCAKIT_STORE_MAX_ENTRIES)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, what,
		    "%s: %zu entries, at most %d", what, json_array_size(a),
		    CCAKIT_STORE_MAX_ENTRIES);
	*arr = a;
	*n = json_array_size(a);
	return CCAKIT_OK;
}

int
ccakit_rv_store_load_json(ccakit_rv_store *s, const char *json, size_t len,
    struct ccakit_errdetail *d)
{
	json_t *root = NULL;
	const json_t *pa, *ra;
	struct ccakit_platform_rv *pt = NULL;
	struct ccakit_realm_rv *rt = NULL;
	size_t i, np = 0, nr = 0;
	int r = CCAKIT_ERR_INTERNAL;

	if (s == NULL) {
		r = cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
		goto out;
	}
	if ((r = cki_json_load(json, len, &root, d)) != CCAKIT_OK)
		goto out;
	if (!json_is_object(root)) {
		r = cki_detail(d, CCAKIT_ERR_JSON, NULL,
		    "expected an object with platform and realm arrays");
		goto out;
	}
	if ((r = rv_array(root, "platform", &pa, &np, d)) != CCAKIT_OK ||
	    (r = rv_array(root, "realm", &ra, &nr, d)) != CCAKIT_OK)
		goto out;
	if ((np > 0 && (pt = calloc(np, sizeof(*pt))) == NULL) ||
	    (nr > 0 && (rt = calloc(nr, sizeof(*rt))) == NULL)) {
		r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		goto out;
	}
	for (i = 0; i < np; i++)
		if ((r = rv_parse_platform(json_array_get(pa, i), i, &pt[i],
		    d)) != CCAKIT_OK)
			goto out;
	for (i = 0; i < nr; i++)
		if ((r = rv_parse_realm(json_array_get(ra, i), i, &rt[i],
		    d)) != CCAKIT_OK)
			goto out;
	if ((r = cki_rv_store_reserve(s, np, nr)) != CCAKIT_OK) {
		r = cki_detail(d, r, NULL, "store full (at most %d entries "
		    "of each kind)", CCAKIT_STORE_MAX_ENTRIES);
		goto out;
	}
	for (i = 0; i < np; i++)
		cki_rv_store_put_platform(s, &pt[i]);
	for (i = 0; i < nr; i++)
		cki_rv_store_put_realm(s, &rt[i]);
	r = CCAKIT_OK;
 out:
	for (i = 0; pt != NULL && i < np; i++)
		cki_platform_rv_clear(&pt[i]);
	for (i = 0; rt != NULL && i < nr; i++)
		cki_realm_rv_clear(&rt[i]);
	free(pt);
	free(rt);
	json_decref(root);
	return r;
}

static void
jw_opt_text(struct cki_jw *w, const char *s)
{
	if (s == NULL)
		cki_jw_null(w);
	else
		cki_jw_str(w, s, strlen(s));
}

/*
 * Field order and layout of rust-ccatoken's RefValues, PlatformRefValue,
 * SwComponent and RealmRefValue as `ccatoken golden` writes them; absent
 * optional component members are null as there. Realm members rust
 * requires but this store may lack are left out.
 */
int
ccakit_rv_store_to_json(const ccakit_rv_store *s, char **out)
{
	const struct ccakit_platform_rv *p;
	const struct ccakit_realm_rv *rv;
	struct cki_jw w;
	size_t i, k;

	if (out != NULL)
		*out = NULL;
	if (s == NULL || out == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	cki_jw_init(&w);
	cki_jw_open(&w, '{');
	cki_jw_key(&w, "platform");
	cki_jw_open(&w, '[');
	for (i = 0; i < s->np; i++) {
		p = &s->p[i];
		cki_jw_elem(&w);
		cki_jw_open(&w, '{');
		cki_jw_key(&w, "implementation-id");
		cki_jw_hex(&w, p->impl_id, sizeof(p->impl_id));
		cki_jw_key(&w, "sw-components");
		cki_jw_open(&w, '[');
		for (k = 0; k < p->n_sw; k++) {
			cki_jw_elem(&w);
			cki_jw_open(&w, '{');
			cki_jw_key(&w, "measurement-value");
			cki_jw_hex(&w, p->sw[k].mval.b, p->sw[k].mval.len);
			cki_jw_key(&w, "signer-id");
			if (p->sw[k].signer_id.len == 0 &&
			    p->match != CCAKIT_RV_MATCH_TOKEN)
				cki_jw_null(&w);
			else
				cki_jw_hex(&w, p->sw[k].signer_id.b,
				    p->sw[k].signer_id.len);
			cki_jw_key(&w, "version");
			jw_opt_text(&w, p->sw[k].version);
			cki_jw_key(&w, "component-type");
			jw_opt_text(&w, p->sw[k].type);
			cki_jw_close(&w, '}');
		}
		cki_jw_close(&w, ']');
		cki_jw_key(&w, "platform-configuration");
		if (p->no_config)
			cki_jw_null(&w);
		else
			cki_jw_hex(&w, p->config, p->config_len);
		if (p->match != CCAKIT_RV_MATCH_TOKEN) {
			cki_jw_key(&w, "match");
			jw_opt_text(&w, p->match == CCAKIT_RV_MATCH_CORIM ?
			    "corim" : "corim-legacy");
		}
		cki_jw_close(&w, '}');
	}
	cki_jw_close(&w, ']');
	cki_jw_key(&w, "realm");
	cki_jw_open(&w, '[');
	for (i = 0; i < s->nr; i++) {
		rv = &s->r[i];
		cki_jw_elem(&w);
		cki_jw_open(&w, '{');
		cki_jw_key(&w, "initial-measurement");
		cki_jw_hex(&w, rv->rim.b, rv->rim.len);
		if (rv->rak_hash_alg != NULL) {
			cki_jw_key(&w, "rak-hash-algorithm");
			cki_jw_str(&w, rv->rak_hash_alg,
			    strlen(rv->rak_hash_alg));
		}
		if (rv->n_rem > 0) {
			cki_jw_key(&w, "extensible-measurements");
			cki_jw_open(&w, '[');
			for (k = 0; k < rv->n_rem; k++) {
				cki_jw_elem(&w);
				if (rv->rem[k].len == 0)
					cki_jw_null(&w);
				else
					cki_jw_hex(&w, rv->rem[k].b,
					    rv->rem[k].len);
			}
			cki_jw_close(&w, ']');
		}
		if (rv->has_rpv) {
			cki_jw_key(&w, "personalization-value");
			cki_jw_hex(&w, rv->rpv, sizeof(rv->rpv));
		}
		cki_jw_close(&w, '}');
	}
	cki_jw_close(&w, ']');
	cki_jw_close(&w, '}');
	return cki_jw_finish(&w, out);
}
