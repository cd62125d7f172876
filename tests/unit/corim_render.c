/*
 * The decoded model of a CoRIM or CoMID rendered in the annotated JSON
 * of the vectors' *.decoded.json files ("N:name" keys, "h'..'" bytes,
 * {"#6.N/name": content} tags, "bstr.cbor" for embedded CBOR), so that
 * test_corim_vectors can compare what lib/corim decoded with what an
 * independent decoder found, value by value.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ccakit/cbor.h>
#include <ccakit/cose.h>

#include "corim/corim_priv.h"
#include "corim_render.h"

static const struct {
	uint64_t tag;
	const char *name;
} tagnames[] = {
	{ 1, "epoch-time" }, { 18, "COSE_Sign1" }, { 32, "uri" },
	{ 37, "uuid" }, { 111, "oid" },
	{ 501, "tagged-unsigned-corim-map" },
	{ 505, "tagged-concise-swid-tag" },
	{ 506, "tagged-concise-mid-tag" },
	{ 507, "tagged-concise-ta-stores(cots)" },
	{ 550, "tagged-ueid-type" }, { 552, "tagged-svn" },
	{ 554, "tagged-pkix-base64-key-type" },
	{ 555, "tagged-pkix-base64-cert-type" },
	{ 556, "tagged-pkix-base64-cert-path-type" },
	{ 557, "tagged-key-thumbprint-type" },
	{ 558, "tagged-cose-key-type" },
	{ 559, "tagged-cert-thumbprint-type" },
	{ 560, "tagged-bytes" },
	{ 561, "tagged-cert-path-thumbprint-type" },
	{ 563, "tagged-masked-raw-value" },
	{ 564, "tagged-int-range" },
	{ 600, "tagged-impl-id-type(psa/cca, old)" },
	{ 601, "tagged-psa-refval-id(old)" },
	{ 602, "tagged-cca-platform-config-id(old)" },
};

static char *
tagkey(uint64_t tag)
{
	static char buf[96];
	size_t i;

	for (i = 0; i < sizeof(tagnames) / sizeof(tagnames[0]); i++)
		if (tagnames[i].tag == tag) {
			(void)snprintf(buf, sizeof(buf), "#6.%" PRIu64 "/%s",
			    tag, tagnames[i].name);
			return buf;
		}
	(void)snprintf(buf, sizeof(buf), "#6.%" PRIu64, tag);
	return buf;
}

static json_t *
hexstr(const uint8_t *p, size_t n)
{
	char *s = malloc(2 * n + 4);
	json_t *j;
	size_t i;

	if (s == NULL)
		return NULL;
	s[0] = 'h';
	s[1] = '\'';
	for (i = 0; i < n; i++)
		(void)snprintf(s + 2 + 2 * i, 3, "%02x", p[i]);
	s[2 + 2 * n] = '\'';
	s[3 + 2 * n] = '\0';
	j = json_string(s);
	free(s);
	return j;
}

static json_t *
text(const void *p, size_t n)
{
	return json_stringn(n ? (const char *)p : "", n);
}

static json_t *generic(const struct ccakit_cbor_item *it);

static void
key_name(const struct ccakit_cbor_item *k, char *buf, size_t sz)
{
	int64_t v;

	if (ccakit_cbor_get_int(k, &v) == 0)
		(void)snprintf(buf, sz, "%" PRId64, v);
	else if (k->type == CCAKIT_CBOR_TSTR)
		(void)snprintf(buf, sz, "%.*s", (int)k->u,
		    (const char *)k->data);
	else
		(void)snprintf(buf, sz, "?");
}

static const char *
refval_id_name(int64_t k)
{
	switch (k) {
	case 1:
		return "1:label";
	case 4:
		return "4:version";
	case 5:
		return "5:signer-id";
	default:
		return NULL;
	}
}

static json_t *
generic(const struct ccakit_cbor_item *it)
{
	struct ccakit_cbor_item a, b;
	struct ccakit_cbor_iter i;
	json_t *j;
	char kb[128];
	const char *kn;
	int64_t v;

	switch (it->type) {
	case CCAKIT_CBOR_UINT:
	case CCAKIT_CBOR_NINT:
		if (ccakit_cbor_get_int(it, &v) != 0)
			return json_string("bigint");
		return json_integer(v);
	case CCAKIT_CBOR_BSTR:
		return hexstr(it->data, (size_t)it->u);
	case CCAKIT_CBOR_TSTR:
		return text(it->data, (size_t)it->u);
	case CCAKIT_CBOR_ARRAY:
		j = json_array();
		ccakit_cbor_iter_init(&i, it);
		while (ccakit_cbor_iter_next(&i, &a))
			json_array_append_new(j, generic(&a));
		return j;
	case CCAKIT_CBOR_MAP:
		j = json_object();
		ccakit_cbor_iter_init(&i, it);
		while (ccakit_cbor_iter_next(&i, &a) &&
		    ccakit_cbor_iter_next(&i, &b)) {
			key_name(&a, kb, sizeof(kb));
			json_object_set_new(j, kb, generic(&b));
		}
		return j;
	case CCAKIT_CBOR_TAG:
		ccakit_cbor_tag_content(it, &a);
		j = json_object();
		if (it->u == 601 && a.type == CCAKIT_CBOR_MAP) {
			json_t *m = json_object();
			struct ccakit_cbor_item k2, v2;

			ccakit_cbor_iter_init(&i, &a);
			while (ccakit_cbor_iter_next(&i, &k2) &&
			    ccakit_cbor_iter_next(&i, &v2)) {
				if (ccakit_cbor_get_int(&k2, &v) == 0 &&
				    (kn = refval_id_name(v)) != NULL)
					json_object_set_new(m, kn,
					    generic(&v2));
				else {
					key_name(&k2, kb, sizeof(kb));
					json_object_set_new(m, kb,
					    generic(&v2));
				}
			}
			json_object_set_new(j, tagkey(it->u), m);
			return j;
		}
		json_object_set_new(j, tagkey(it->u), generic(&a));
		return j;
	case CCAKIT_CBOR_SIMPLE:
		if (it->u == 20)
			return json_false();
		if (it->u == 21)
			return json_true();
		return json_null();
	default:
		return json_real(it->f);
	}
}

static json_t *
ci(struct cki_ci c)
{
	struct ccakit_cbor_item it;

	if (!cki_ci_item(c, &it))
		return json_string("UNREADABLE");
	return generic(&it);
}

static json_t *
tx(struct cki_text t)
{
	return text(t.s, t.len);
}

static void
exts(json_t *o, const struct cki_exts *e)
{
	struct ccakit_cbor_item k;
	char kb[128];
	size_t i;

	for (i = 0; i < e->n; i++) {
		if (!cki_ci_item(e->v[i].key, &k))
			continue;
		key_name(&k, kb, sizeof(kb));
		json_object_set_new(o, kb, ci(e->v[i].val));
	}
}

static json_t *
digests(const struct cki_digests *d)
{
	json_t *a = json_array(), *o;
	size_t i;

	for (i = 0; i < d->n; i++) {
		o = json_object();
		if (d->v[i].alg_text)
			json_object_set_new(o, "alg", tx(d->v[i].alg_name));
		else
			json_object_set_new(o, "alg",
			    json_integer(d->v[i].alg));
		json_object_set_new(o, "val", hexstr(d->v[i].val.ptr,
		    d->v[i].val.len));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *
cis(const struct cki_ci *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, ci(v[i]));
	return a;
}

static const char *const flagnames[CKI_NFLAGS] = {
	"0:is-configured", "1:is-secure", "2:is-recovery", "3:is-debug",
	"4:is-replay-protected", "5:is-integrity-protected",
	"6:is-runtime-meas", "7:is-immutable", "8:is-tcb",
	"9:is-confidentiality-protected", "10:is-runtime-updatable",
};

static json_t *
mval(const struct cki_mval *m)
{
	json_t *o = json_object(), *v, *f;
	struct ccakit_cbor_item k;
	char kb[128];
	size_t i;

	if (m->present & CKI_MV_VERSION) {
		v = json_object();
		json_object_set_new(v, "0:version", tx(m->version));
		if (m->has_vscheme)
			json_object_set_new(v, "1:version-scheme",
			    json_integer(m->vscheme));
		json_object_set_new(o, "0:version", v);
	}
	if (m->present & CKI_MV_SVN)
		json_object_set_new(o, "1:svn", ci(m->svn));
	if (m->present & CKI_MV_DIGESTS)
		json_object_set_new(o, "2:digests", digests(&m->digests));
	if (m->present & CKI_MV_FLAGS) {
		f = json_object();
		for (i = 0; i < CKI_NFLAGS; i++)
			if (m->flags[i] != 0)
				json_object_set_new(f, flagnames[i],
				    json_boolean(m->flags[i] == 2));
		exts(f, &m->flags_ext);
		json_object_set_new(o, "3:flags", f);
	}
	if (m->present & CKI_MV_RAW)
		json_object_set_new(o, "4:raw-value", ci(m->raw));
	if (m->present & CKI_MV_RAW_MASK)
		json_object_set_new(o, "5:raw-value-mask(DEPRECATED)",
		    hexstr(m->raw_mask.ptr, m->raw_mask.len));
	if (m->present & CKI_MV_MAC)
		json_object_set_new(o, "6:mac-addr",
		    hexstr(m->mac.ptr, m->mac.len));
	if (m->present & CKI_MV_IP)
		json_object_set_new(o, "7:ip-addr",
		    hexstr(m->ip.ptr, m->ip.len));
	if (m->present & CKI_MV_SERIAL)
		json_object_set_new(o, "8:serial-number", tx(m->serial));
	if (m->present & CKI_MV_UEID)
		json_object_set_new(o, "9:ueid",
		    hexstr(m->ueid.ptr, m->ueid.len));
	if (m->present & CKI_MV_UUID)
		json_object_set_new(o, "10:uuid",
		    hexstr(m->uuid.ptr, m->uuid.len));
	if (m->present & CKI_MV_NAME)
		json_object_set_new(o, "11:name", tx(m->name));
	if (m->present & CKI_MV_CRYPTOKEYS)
		json_object_set_new(o, "13:cryptokeys", cis(m->keys,
		    m->n_keys));
	if (m->present & CKI_MV_IREGS) {
		v = json_object();
		for (i = 0; i < m->n_iregs; i++) {
			if (!cki_ci_item(m->iregs[i].key, &k))
				continue;
			key_name(&k, kb, sizeof(kb));
			json_object_set_new(v, kb, digests(&m->iregs[i].d));
		}
		json_object_set_new(o, "14:integrity-registers", v);
	}
	if (m->present & CKI_MV_INT_RANGE)
		json_object_set_new(o, "15:int-range", ci(m->int_range));
	exts(o, &m->ext);
	return o;
}

static json_t *
env(const struct cki_env *e)
{
	json_t *o = json_object(), *c;

	if (e->has_class) {
		c = json_object();
		if (e->class.id.p != NULL)
			json_object_set_new(c, "0:class-id", ci(e->class.id));
		if (e->class.vendor.s != NULL)
			json_object_set_new(c, "1:vendor", tx(e->class.vendor));
		if (e->class.model.s != NULL)
			json_object_set_new(c, "2:model", tx(e->class.model));
		if (e->class.has_layer)
			json_object_set_new(c, "3:layer",
			    json_integer((json_int_t)e->class.layer));
		if (e->class.has_index)
			json_object_set_new(c, "4:index",
			    json_integer((json_int_t)e->class.index));
		json_object_set_new(o, "0:class", c);
	}
	if (e->instance.p != NULL)
		json_object_set_new(o, "1:instance", ci(e->instance));
	if (e->group.p != NULL)
		json_object_set_new(o, "2:group", ci(e->group));
	return o;
}

static json_t *
vtriples(const struct cki_vtriple *t, size_t n)
{
	json_t *a = json_array(), *o, *ms, *m;
	size_t i, j;

	for (i = 0; i < n; i++) {
		o = json_object();
		json_object_set_new(o, "environment", env(&t[i].env));
		ms = json_array();
		for (j = 0; j < t[i].n; j++) {
			m = json_object();
			if (t[i].m[j].mkey.p != NULL)
				json_object_set_new(m, "0:mkey",
				    ci(t[i].m[j].mkey));
			json_object_set_new(m, "1:mval", mval(&t[i].m[j].mval));
			if (t[i].m[j].has_authby)
				json_object_set_new(m, "2:authorized-by",
				    cis(t[i].m[j].authby, t[i].m[j].n_authby));
			json_array_append_new(ms, m);
		}
		json_object_set_new(o, "measurements", ms);
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *
conditions(struct cki_ci c)
{
	struct ccakit_cbor_item it, k, v;
	struct ccakit_cbor_iter i;
	json_t *o = json_object();
	char kb[128];
	int64_t key;

	if (!cki_ci_item(c, &it))
		return o;
	ccakit_cbor_iter_init(&i, &it);
	while (ccakit_cbor_iter_next(&i, &k) && ccakit_cbor_iter_next(&i, &v)) {
		if (ccakit_cbor_get_int(&k, &key) == 0 && key == 0)
			json_object_set_new(o, "0:mkey", generic(&v));
		else if (ccakit_cbor_get_int(&k, &key) == 0 && key == 1)
			json_object_set_new(o, "1:authorized-by", generic(&v));
		else {
			key_name(&k, kb, sizeof(kb));
			json_object_set_new(o, kb, generic(&v));
		}
	}
	return o;
}

static json_t *
ktriples(const struct cki_ktriple *t, size_t n)
{
	json_t *a = json_array(), *o;
	size_t i;

	for (i = 0; i < n; i++) {
		o = json_object();
		json_object_set_new(o, "environment", env(&t[i].env));
		json_object_set_new(o, "key-list", cis(t[i].keys,
		    t[i].n_keys));
		if (t[i].conditions.p != NULL)
			json_object_set_new(o, "conditions",
			    conditions(t[i].conditions));
		json_array_append_new(a, o);
	}
	return a;
}

static const char *
other_triples_name(int64_t k)
{
	switch (k) {
	case 4:
		return "4:dependency-triples";
	case 5:
		return "5:membership-triples";
	case 6:
		return "6:coswid-triples";
	case 8:
		return "8:conditional-endorsement-series-triples";
	case 10:
		return "10:conditional-endorsement-triples";
	default:
		return NULL;
	}
}

static json_t *
entities(const struct cki_entity *e, size_t n, bool corim)
{
	static const char *const corim_roles[] = { "0", "1:manifest-creator",
	    "2:manifest-signer" };
	static const char *const comid_roles[] = { "0:tag-creator",
	    "1:creator", "2:maintainer" };
	json_t *a = json_array(), *o, *r;
	char b[32];
	size_t i, k;

	for (i = 0; i < n; i++) {
		o = json_object();
		json_object_set_new(o, "0:entity-name", tx(e[i].name));
		if (e[i].regid.p != NULL)
			json_object_set_new(o, "1:reg-id", ci(e[i].regid));
		r = json_array();
		for (k = 0; k < e[i].n_roles; k++) {
			if (e[i].roles[k] <= 2)
				json_array_append_new(r, json_string(corim ?
				    corim_roles[e[i].roles[k]] :
				    comid_roles[e[i].roles[k]]));
			else {
				(void)snprintf(b, sizeof(b), "%" PRIu64,
				    e[i].roles[k]);
				json_array_append_new(r, json_string(b));
			}
		}
		json_object_set_new(o, "2:role", r);
		exts(o, &e[i].ext);
		json_array_append_new(a, o);
	}
	return a;
}

json_t *
render_comid(const ccakit_comid *c)
{
	json_t *o = json_object(), *ti, *tr, *l, *lo;
	struct ccakit_cbor_item k;
	const char *name;
	char kb[128];
	int64_t key;
	size_t i;

	if (c->lang.s != NULL)
		json_object_set_new(o, "0:language", tx(c->lang));
	ti = json_object();
	json_object_set_new(ti, "0:tag-id", ci(c->tag_id));
	if (c->has_tag_version)
		json_object_set_new(ti, "1:tag-version",
		    json_integer((json_int_t)c->tag_version));
	json_object_set_new(o, "1:tag-identity", ti);
	if (c->n_ent > 0)
		json_object_set_new(o, "2:entities", entities(c->ent,
		    c->n_ent, false));
	if (c->has_linked) {
		l = json_array();
		for (i = 0; i < c->n_linked; i++) {
			lo = json_object();
			json_object_set_new(lo, "0:linked-tag-id",
			    ci(c->linked[i].id));
			json_object_set_new(lo, "1:tag-rel",
			    json_integer((json_int_t)c->linked[i].rel));
			json_array_append_new(l, lo);
		}
		json_object_set_new(o, "3:linked-tags", l);
	}
	tr = json_object();
	if (c->t.has_ref)
		json_object_set_new(tr, "0:reference-triples",
		    vtriples(c->t.ref, c->t.n_ref));
	if (c->t.has_end)
		json_object_set_new(tr, "1:endorsed-triples",
		    vtriples(c->t.end, c->t.n_end));
	if (c->t.has_ident)
		json_object_set_new(tr, "2:identity-triples",
		    ktriples(c->t.ident, c->t.n_ident));
	if (c->t.has_ak)
		json_object_set_new(tr, "3:attest-key-triples",
		    ktriples(c->t.ak, c->t.n_ak));
	for (i = 0; i < c->t.other.n; i++) {
		if (!cki_ci_item(c->t.other.v[i].key, &k))
			continue;
		if (ccakit_cbor_get_int(&k, &key) == 0 &&
		    (name = other_triples_name(key)) != NULL)
			json_object_set_new(tr, name,
			    ci(c->t.other.v[i].val));
		else {
			key_name(&k, kb, sizeof(kb));
			json_object_set_new(tr, kb, ci(c->t.other.v[i].val));
		}
	}
	json_object_set_new(o, "4:triples", tr);
	exts(o, &c->ext);
	return o;
}

static json_t *
bstr_cbor(json_t *inner, size_t len)
{
	json_t *o = json_object();

	json_object_set_new(o, "bstr.cbor", inner);
	json_object_set_new(o, "len", json_integer((json_int_t)len));
	return o;
}

static json_t *
tag_entry(const struct cki_ctag *t)
{
	struct ccakit_cbor_limits lim = { 24, 65536, 1024 };
	struct ccakit_cbor_item it;
	json_t *inner, *o;

	if (t->comid != NULL)
		inner = render_comid(t->comid);
	else if (ccakit_cbor_parse(t->content.ptr, t->content.len, &lim, &it,
	    NULL) == 0)
		inner = generic(&it);
	else
		inner = json_string("UNREADABLE");
	if (t->legacy_wrap) {
		json_t *w = json_object();

		json_object_set_new(w, tagkey(t->tag), inner);
		o = bstr_cbor(w, t->content.len + 3);
		json_object_set_new(o, "NOTE", json_string("LEGACY encoding: "
		    "tag entry is a bstr containing #6.506(concise-mid-tag "
		    "map)"));
		return o;
	}
	o = json_object();
	json_object_set_new(o, tagkey(t->tag), bstr_cbor(inner,
	    t->content.len));
	return o;
}

static json_t *
epoch(int64_t t)
{
	json_t *o = json_object();

	json_object_set_new(o, "#6.1/epoch-time", json_integer(t));
	return o;
}

static json_t *
corim_map(const ccakit_corim *c)
{
	json_t *o = json_object(), *a, *l, *v;
	size_t i;

	json_object_set_new(o, "0:corim-id", ci(c->id));
	a = json_array();
	for (i = 0; i < c->n_tags; i++)
		json_array_append_new(a, tag_entry(&c->tags[i]));
	json_object_set_new(o, "1:tags", a);
	if (c->n_deps > 0) {
		a = json_array();
		for (i = 0; i < c->n_deps; i++) {
			l = json_object();
			json_object_set_new(l, "0:href", ci(c->deps[i].href));
			if (c->deps[i].thumb.p != NULL)
				json_object_set_new(l, "1:thumbprint",
				    ci(c->deps[i].thumb));
			json_array_append_new(a, l);
		}
		json_object_set_new(o, "2:dependent-rims", a);
	}
	if (c->profile.p != NULL)
		json_object_set_new(o, "3:profile", ci(c->profile));
	if (c->has_validity) {
		v = json_object();
		if (c->has_nb)
			json_object_set_new(v, "0:not-before", epoch(c->nb));
		json_object_set_new(v, "1:not-after", epoch(c->na));
		json_object_set_new(o, "4:rim-validity", v);
	}
	if (c->n_ent > 0)
		json_object_set_new(o, "5:entities", entities(c->ent,
		    c->n_ent, true));
	exts(o, &c->ext);
	return o;
}

static json_t *
unsigned_corim(const ccakit_corim *c)
{
	json_t *o;

	if (c->legacy_untagged)
		return corim_map(c);
	o = json_object();
	json_object_set_new(o, "#6.501/tagged-unsigned-corim-map",
	    corim_map(c));
	return o;
}

json_t *
render_corim(const ccakit_corim *c)
{
	struct ccakit_cbor_item top, arr, prot, unprot, pay, sig;
	struct ccakit_cbor_iter i;
	json_t *o, *s, *h, *meta, *signer, *val, *x5;
	char alg[32], der[48];
	size_t k;

	if (!c->is_signed)
		return unsigned_corim(c);
	if (ccakit_cbor_parse(c->sign1.ptr, c->sign1.len, NULL, &top, NULL) !=
	    0)
		return json_string("UNREADABLE");
	ccakit_cbor_tag_content(&top, &arr);
	ccakit_cbor_iter_init(&i, &arr);
	(void)ccakit_cbor_iter_next(&i, &prot);
	(void)ccakit_cbor_iter_next(&i, &unprot);
	(void)ccakit_cbor_iter_next(&i, &pay);
	(void)ccakit_cbor_iter_next(&i, &sig);

	h = json_object();
	(void)snprintf(alg, sizeof(alg), "%d:%s", c->alg,
	    ccakit_cose_alg_name(c->alg));
	json_object_set_new(h, "1:alg", json_string(alg));
	json_object_set_new(h, "3:content-type", tx(c->content_type));
	if (c->kid.ptr != NULL)
		json_object_set_new(h, "4:kid", hexstr(c->kid.ptr, c->kid.len));
	meta = json_object();
	signer = json_object();
	json_object_set_new(signer, "0:signer-name", tx(c->signer_name));
	if (c->signer_uri.s != NULL) {
		json_t *u = json_object();

		json_object_set_new(u, "#6.32/uri", tx(c->signer_uri));
		json_object_set_new(signer, "1:signer-uri", u);
	}
	json_object_set_new(meta, "0:signer", signer);
	if (c->meta_has_na) {
		val = json_object();
		if (c->meta_has_nb)
			json_object_set_new(val, "0:not-before",
			    epoch(c->meta_nb));
		json_object_set_new(val, "1:not-after", epoch(c->meta_na));
		json_object_set_new(meta, "1:signature-validity", val);
	}
	/* The meta bstr's length: as found in the header. */
	{
		struct ccakit_cbor_item hdr, mv;

		if (ccakit_cbor_parse(prot.data, (size_t)prot.u, NULL, &hdr,
		    NULL) == 0 && ccakit_cbor_map_get_int(&hdr, 8, &mv))
			json_object_set_new(h, "8:corim-meta", bstr_cbor(meta,
			    (size_t)mv.u));
		else
			json_decref(meta);
	}
	if (c->n_x5 > 0) {
		x5 = json_array();
		for (k = 0; k < c->n_x5; k++) {
			json_t *e = json_object();

			(void)snprintf(der, sizeof(der), "<%zu bytes DER>",
			    c->x5chain[k].len);
			json_object_set_new(e, "der-cert", json_string(der));
			json_array_append_new(x5, e);
		}
		json_object_set_new(h, "33:x5chain", x5);
	}
	s = json_object();
	json_object_set_new(s, "protected", bstr_cbor(h, (size_t)prot.u));
	json_object_set_new(s, "unprotected", generic(&unprot));
	json_object_set_new(s, "payload", bstr_cbor(unsigned_corim(c),
	    (size_t)pay.u));
	json_object_set_new(s, "signature", hexstr(sig.data, (size_t)sig.u));
	o = json_object();
	json_object_set_new(o, "#6.18/COSE_Sign1", s);
	return o;
}
