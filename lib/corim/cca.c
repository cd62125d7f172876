/*
 * The Arm CCA endorsement profiles: validation, conversion to the
 * trust-anchor and reference-value stores, and CoRIMs built from them.
 *
 * Current profiles (tag:arm.com,2025:cca_platform#1.0.0 and
 * tag:arm.com,2025:cca_realm#1.0.0): the rules of Veraison's corim
 * library (profiles/cca, profiles/psa). Legacy profiles
 * (http://arm.com/cca/ssd/1, http://arm.com/cca/realm/1): the rules of
 * Veraison's endorsement extractors before v0.0.2605. Where ccakit is
 * stricter (a value no token can ever match, more than ccakit's stores
 * can hold), the reason says so; docs/corim.md lists every difference.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <ccakit/corim.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/store.h>

#include "corim/corim_priv.h"
#include "util/util.h"

#define PROF CCAKIT_ERR_CORIM_PROFILE

static int vbad(struct ccakit_errdetail *d, const char *fmt, ...)
    CKI_PRINTF(2, 3);

static int
vbad(struct ccakit_errdetail *d, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cki_detail(d, PROF, "profile", "%s", msg);
}

static bool
meas_len_ok(size_t n)
{
	return n == 32 || n == 48 || n == 64;
}

/* The text of a tstr mkey, or NULL when the mkey is absent or not text. */
static bool
mkey_text(const struct cki_meas *m, struct ccakit_bytes *t)
{
	struct ccakit_cbor_item it;

	if (!cki_ci_item(m->mkey, &it) || it.type != CCAKIT_CBOR_TSTR)
		return false;
	t->ptr = it.data;
	t->len = (size_t)it.u;
	return true;
}

static bool
text_is(struct ccakit_bytes t, const char *s)
{
	return t.len == strlen(s) && memcmp(t.ptr, s, t.len) == 0;
}

static const char *
mkey_type(const struct cki_meas *m)
{
	struct ccakit_cbor_item it;

	if (!cki_ci_item(m->mkey, &it))
		return "none";
	switch (it.type) {
	case CCAKIT_CBOR_UINT:
		return "uint";
	case CCAKIT_CBOR_TSTR:
		return "string";
	case CCAKIT_CBOR_TAG:
		return it.u == CKI_TAG_UUID ? "uuid" : it.u == CKI_TAG_OID ?
		    "oid" : "tagged";
	default:
		return "other";
	}
}

static const char *
tag_type(struct cki_ci c)
{
	struct ccakit_cbor_item in;
	uint64_t t;

	if (!cki_ci_tag(c, &t, &in))
		return "untagged";
	switch (t) {
	case CKI_TAG_BYTES:
		return "bytes (#6.560)";
	case CKI_TAG_UUID:
		return "uuid (#6.37)";
	case CKI_TAG_OID:
		return "oid (#6.111)";
	case CKI_TAG_UEID:
		return "ueid (#6.550)";
	case CKI_TAG_PKIX_KEY:
		return "pkix-base64-key (#6.554)";
	case CKI_TAG_PKIX_CERT:
		return "pkix-base64-cert (#6.555)";
	case CKI_TAG_PKIX_CERT_PATH:
		return "pkix-base64-cert-path (#6.556)";
	case CKI_TAG_CCA_IMPL_ID:
		return "impl-id (#6.600)";
	default:
		return "another tag";
	}
}

/* The bytes of a raw-value: #6.560(v) or #6.563([v, mask]). */
static bool
raw_bytes(struct cki_ci raw, struct ccakit_bytes *b)
{
	struct ccakit_cbor_item c, e;
	struct ccakit_cbor_iter i;
	uint64_t t;

	if (!cki_ci_tag(raw, &t, &c))
		return false;
	if (t == CKI_TAG_BYTES && c.type == CCAKIT_CBOR_BSTR) {
		b->ptr = c.data;
		b->len = (size_t)c.u;
		return true;
	}
	if (t == CKI_TAG_MASKED_RAW && c.type == CCAKIT_CBOR_ARRAY) {
		ccakit_cbor_iter_init(&i, &c);
		if (ccakit_cbor_iter_next(&i, &e) &&
		    e.type == CCAKIT_CBOR_BSTR) {
			b->ptr = e.data;
			b->len = (size_t)e.u;
			return true;
		}
	}
	return false;
}

/* --- current platform profile --- */

static int
impl_id(const struct cki_env *e, const char *p, struct ccakit_errdetail *d,
    struct ccakit_bytes *id)
{
	if (!e->has_class)
		return vbad(d, "%s: environment.class is required", p);
	if (e->class.id.p == NULL)
		return vbad(d, "%s: environment.class.id (implementation-id) "
		    "is required", p);
	if (!cki_ci_tagged_bytes(e->class.id, CKI_TAG_BYTES, id))
		return vbad(d, "%s: implementation-id must be of type bytes "
		    "(#6.560), got %s", p, tag_type(e->class.id));
	if (id->len != 32)
		return vbad(d, "%s: implementation-id must be exactly 32 "
		    "bytes (got %zu)", p, id->len);
	return CCAKIT_OK;
}

static int
inst_id(const struct cki_env *e, const char *p, struct ccakit_errdetail *d,
    struct ccakit_bytes *id)
{
	if (e->instance.p == NULL)
		return vbad(d, "%s: environment.instance (instance-id) is "
		    "required", p);
	if (!cki_ci_tagged_bytes(e->instance, CKI_TAG_UEID, id))
		return vbad(d, "%s: instance-id must be of type ueid "
		    "(#6.550), got %s", p, tag_type(e->instance));
	if (id->len != 33)
		return vbad(d, "%s: instance-id must be exactly 33 bytes (got "
		    "%zu)", p, id->len);
	if (id->ptr[0] != 0x01)
		return vbad(d, "%s: instance-id must have RAND type (0x01), "
		    "got 0x%02x", p, id->ptr[0]);
	return CCAKIT_OK;
}

/* The CPAK of an attest-key triple as a ccakit key (EC, PEM SPKI). */
static int
cpak(const struct cki_ktriple *t, const char *p, struct ccakit_errdetail *d,
    ccakit_key **out)
{
	struct ccakit_cbor_item c;
	ccakit_key *k;
	uint64_t tag;

	if (t->n_keys != 1)
		return vbad(d, "%s: verification-keys must contain exactly one "
		    "entry, got %zu", p, t->n_keys);
	if (!cki_ci_tag(t->keys[0], &tag, &c) || tag != CKI_TAG_PKIX_KEY)
		return vbad(d, "%s: verification-key must be of type "
		    "pkix-base64-key (#6.554), got %s", p,
		    tag_type(t->keys[0]));
	if (out == NULL)
		return CCAKIT_OK;
	if ((k = ccakit_key_new()) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	if (ccakit_key_from_pem(k, (const char *)c.data, (size_t)c.u) !=
	    CCAKIT_OK || ccakit_key_has_private(k)) {
		ccakit_key_free(&k);
		return vbad(d, "%s: the CPAK is not a PEM EC public key on "
		    "P-256, P-384 or P-521 (ccakit's trust anchors)", p);
	}
	*out = k;
	return CCAKIT_OK;
}

static int
akey_triples(const ccakit_comid *m, const char *tp, bool legacy,
    struct ccakit_errdetail *d)
{
	struct ccakit_bytes id;
	ccakit_key *k = NULL;
	char p[128];
	size_t i;
	int r;

	for (i = 0; i < m->t.n_ak; i++) {
		(void)snprintf(p, sizeof(p), "%s: platform attestation "
		    "verification key at index %zu", tp, i);
		if (legacy)
			r = CCAKIT_OK;	/* the class is checked below */
		if (!legacy && (r = impl_id(&m->t.ak[i].env, p, d, &id)) !=
		    CCAKIT_OK)
			return r;
		if ((r = inst_id(&m->t.ak[i].env, p, d, &id)) != CCAKIT_OK ||
		    (r = cpak(&m->t.ak[i], p, d, &k)) != CCAKIT_OK)
			return r;
		ccakit_key_free(&k);
	}
	return CCAKIT_OK;
}

static int
platform_sw(const struct cki_meas *m, const char *p,
    struct ccakit_errdetail *d)
{
	struct ccakit_bytes sid;
	size_t k;

	if (!(m->mval.present & CKI_MV_DIGESTS))
		return vbad(d, "%s: digests field is mandatory but not set", p);
	for (k = 0; k < m->mval.digests.n; k++)
		if (!meas_len_ok(m->mval.digests.v[k].val.len))
			return vbad(d, "%s: digest at index %zu: hash value "
			    "must be 32, 48, or 64 bytes", p, k);
	if (!(m->mval.present & CKI_MV_CRYPTOKEYS))
		return vbad(d, "%s: cryptokeys (signer-id) is mandatory but "
		    "not set", p);
	if (m->mval.n_keys != 1)
		return vbad(d, "%s: cryptokeys must contain exactly one entry, "
		    "got %zu", p, m->mval.n_keys);
	if (!cki_ci_tagged_bytes(m->mval.keys[0], CKI_TAG_BYTES, &sid))
		return vbad(d, "%s: cryptokeys (signer-id) must be of type "
		    "bytes (#6.560), got %s", p, tag_type(m->mval.keys[0]));
	if (!meas_len_ok(sid.len))
		return vbad(d, "%s: signer-id must be 32, 48, or 64 bytes (got "
		    "%zu)", p, sid.len);
	if ((m->mval.present & CKI_MV_VERSION) && m->mval.has_vscheme)
		return vbad(d, "%s: version-scheme field MUST NOT be present in "
		    "cca.software-component", p);
	/* ccakit: Veraison's appraisal takes one digest per component. */
	if (m->mval.digests.n != 1)
		return vbad(d, "%s: %zu digests; ccakit, like Veraison's "
		    "appraisal, takes exactly one per software component", p,
		    m->mval.digests.n);
	return CCAKIT_OK;
}

static int
platform_cfg(const struct cki_meas *m, const char *p,
    struct ccakit_errdetail *d)
{
	struct ccakit_cbor_item c;
	uint64_t tag;

	if (!(m->mval.present & CKI_MV_RAW))
		return vbad(d, "%s: raw-value is mandatory for "
		    "cca.platform-config", p);
	/* Veraison requires #6.560 with the deprecated raw-value-mask (5);
	 * the draft's #6.563 [value, mask] is accepted too (docs/corim.md). */
	if (cki_ci_tag(m->mval.raw, &tag, &c) && tag == CKI_TAG_MASKED_RAW)
		return CCAKIT_OK;
	if (!(m->mval.present & CKI_MV_RAW_MASK))
		return vbad(d, "%s: raw-value-mask is mandatory for "
		    "cca.platform-config", p);
	if (!cki_ci_tag(m->mval.raw, &tag, &c) || tag != CKI_TAG_BYTES)
		return vbad(d, "%s: unable to extract bytes from raw-value", p);
	return CCAKIT_OK;
}

static int
platform_refval(const struct cki_vtriple *t, const char *p,
    struct ccakit_errdetail *d)
{
	struct ccakit_bytes id, mk;
	size_t j, nsw = 0, ncfg = 0;
	char mp[192];
	int r;

	if ((r = impl_id(&t->env, p, d, &id)) != CCAKIT_OK)
		return r;
	if (t->env.instance.p != NULL || t->env.group.p != NULL)
		return vbad(d, "%s: environment has an instance or a group: "
		    "reference values are looked up by the class alone, so "
		    "these would never match (ccakit)", p);
	for (j = 0; j < t->n; j++) {
		(void)snprintf(mp, sizeof(mp), "%s, measurement at index %zu",
		    p, j);
		if (t->m[j].mkey.p == NULL)
			return vbad(d, "%s: mkey is mandatory but not set", mp);
		if (!mkey_text(&t->m[j], &mk))
			return vbad(d, "%s: mkey must be of type 'string', got "
			    "'%s'", mp, mkey_type(&t->m[j]));
		if (text_is(mk, "cca.software-component")) {
			if ((r = platform_sw(&t->m[j], mp, d)) != CCAKIT_OK)
				return r;
			nsw++;
		} else if (text_is(mk, "cca.platform-config")) {
			if ((r = platform_cfg(&t->m[j], mp, d)) != CCAKIT_OK)
				return r;
			if (++ncfg > 1)
				return vbad(d, "%s: only one platform-config "
				    "measurement allowed per triple", p);
		} else
			return vbad(d, "%s: invalid mkey \"%.*s\", expected "
			    "\"cca.software-component\" or "
			    "\"cca.platform-config\"", mp,
			    (int)(mk.len > 64 ? 64 : mk.len),
			    (const char *)mk.ptr);
	}
	if (nsw == 0)
		return vbad(d, "%s: at least one software component "
		    "measurement is required", p);
	if (nsw > CCAKIT_MAX_SW_COMPONENTS)
		return vbad(d, "%s: %zu software components, ccakit takes at "
		    "most %d", p, nsw, CCAKIT_MAX_SW_COMPONENTS);
	return CCAKIT_OK;
}

/* --- current realm profile --- */

static int
rim_of(const struct cki_env *e, const char *p, struct ccakit_errdetail *d,
    struct ccakit_bytes *rim)
{
	if (!e->has_class)
		return vbad(d, "%s: environment.class is required for CCA "
		    "Realm profile", p);
	if (e->class.id.p == NULL)
		return vbad(d, "%s: environment.class.id (RIM) is required for "
		    "CCA Realm profile", p);
	if (!cki_ci_tagged_bytes(e->class.id, CKI_TAG_BYTES, rim))
		return vbad(d, "%s: RIM must be of type bytes (#6.560), got %s",
		    p, tag_type(e->class.id));
	if (!meas_len_ok(rim->len))
		return vbad(d, "%s: RIM must be 32, 48, or 64 bytes, got %zu",
		    p, rim->len);
	return CCAKIT_OK;
}

static int
realm_digest(const struct cki_meas *m, const char *p, const char *what,
    struct ccakit_errdetail *d)
{
	if (!(m->mval.present & CKI_MV_DIGESTS))
		return vbad(d, "%s, %s measurement: digests field is mandatory "
		    "but not set", p, what);
	if (m->mval.digests.n != 1)
		return vbad(d, "%s, %s measurement: digests must contain "
		    "exactly one entry, got %zu", p, what, m->mval.digests.n);
	if (!meas_len_ok(m->mval.digests.v[0].val.len))
		return vbad(d, "%s, %s measurement: hash value must be 32, 48, "
		    "or 64 bytes", p, what);
	return CCAKIT_OK;
}

static int
realm_refval(const struct cki_vtriple *t, const char *p,
    struct ccakit_errdetail *d)
{
	struct ccakit_bytes rim, mk, b;
	bool seen[6] = { false };	/* rim, rem0..3, rpv */
	static const char *const keys[6] = { "cca.rim", "cca.rem0",
	    "cca.rem1", "cca.rem2", "cca.rem3", "cca.rpv" };
	char mp[192];
	size_t j, k;
	int r;

	if ((r = rim_of(&t->env, p, d, &rim)) != CCAKIT_OK)
		return r;
	if (t->env.instance.p != NULL || t->env.group.p != NULL ||
	    t->env.class.vendor.s != NULL || t->env.class.model.s != NULL ||
	    t->env.class.has_layer || t->env.class.has_index)
		return vbad(d, "%s: the environment must be the RIM class-id "
		    "alone: realms are looked up by exactly that, so this "
		    "would never match (ccakit)", p);
	for (j = 0; j < t->n; j++) {
		(void)snprintf(mp, sizeof(mp), "%s, measurement at index %zu",
		    p, j);
		if (t->m[j].mkey.p == NULL)
			return vbad(d, "%s: mkey is mandatory but not set", mp);
		if (!mkey_text(&t->m[j], &mk))
			return vbad(d, "%s: mkey must be of type 'string', got "
			    "'%s'", mp, mkey_type(&t->m[j]));
		for (k = 0; k < 6 && !text_is(mk, keys[k]); k++)
			;
		if (k == 6)
			return vbad(d, "%s: invalid mkey \"%.*s\", expected "
			    "'cca.rim', 'cca.rem0'-'cca.rem3', or 'cca.rpv'",
			    mp, (int)(mk.len > 64 ? 64 : mk.len),
			    (const char *)mk.ptr);
		if (seen[k])
			return vbad(d, "%s: %s given twice (ccakit)", mp,
			    keys[k]);
		seen[k] = true;
		if (k < 5) {
			if ((r = realm_digest(&t->m[j], mp, k == 0 ? "RIM" :
			    "REM", d)) != CCAKIT_OK)
				return r;
			if (k == 0 && !cki_bytes_eq(
			    t->m[j].mval.digests.v[0].val, rim.ptr, rim.len))
				return vbad(d, "%s: cca.rim differs from the "
				    "RIM of the environment (ccakit)", mp);
		} else {
			if (!(t->m[j].mval.present & CKI_MV_RAW))
				return vbad(d, "%s: raw-value is mandatory for "
				    "cca.rpv", mp);
			if (!raw_bytes(t->m[j].mval.raw, &b))
				return vbad(d, "%s: unable to extract bytes "
				    "from raw-value", mp);
			if (b.len != 64)
				return vbad(d, "%s: the personalization value "
				    "is %zu bytes; a realm's is 64, so this "
				    "would never match (ccakit)", mp, b.len);
		}
	}
	if (!seen[0])
		return vbad(d, "%s: RIM (cca.rim) measurement is mandatory but "
		    "not found", p);
	return CCAKIT_OK;
}

/* --- legacy profiles --- */

/* #6.601({?1: label, ?4: version, ?5: signer-id}) */
struct refval_id {
	struct ccakit_bytes label, version, signer;
	bool has_label, has_version, has_signer;
};

static bool
legacy_refval_id(struct cki_ci mkey, struct refval_id *id)
{
	struct ccakit_cbor_item c, k, v;
	struct ccakit_cbor_iter i;
	uint64_t tag;
	int64_t key;

	memset(id, 0, sizeof(*id));
	if (!cki_ci_tag(mkey, &tag, &c) || tag != CKI_TAG_PSA_REFVAL_ID ||
	    c.type != CCAKIT_CBOR_MAP)
		return false;
	ccakit_cbor_iter_init(&i, &c);
	while (ccakit_cbor_iter_next(&i, &k) && ccakit_cbor_iter_next(&i, &v)) {
		if (ccakit_cbor_get_int(&k, &key) != CCAKIT_OK)
			return false;
		if (key == 1 && v.type == CCAKIT_CBOR_TSTR) {
			id->label.ptr = v.data;
			id->label.len = (size_t)v.u;
			id->has_label = true;
		} else if (key == 4 && v.type == CCAKIT_CBOR_TSTR) {
			id->version.ptr = v.data;
			id->version.len = (size_t)v.u;
			id->has_version = true;
		} else if (key == 5 && v.type == CCAKIT_CBOR_BSTR) {
			id->signer.ptr = v.data;
			id->signer.len = (size_t)v.u;
			id->has_signer = true;
		} else
			return false;
	}
	return true;
}

static bool
is_config_id(struct cki_ci mkey)
{
	struct ccakit_cbor_item c;
	uint64_t tag;

	return cki_ci_tag(mkey, &tag, &c) && tag == CKI_TAG_CCA_CONFIG_ID &&
	    c.type == CCAKIT_CBOR_TSTR;
}

static int
legacy_impl_id(const struct cki_env *e, const char *p,
    struct ccakit_errdetail *d, struct ccakit_bytes *id)
{
	if (!e->has_class)
		return vbad(d, "%s: expecting class in environment", p);
	if (e->class.id.p == NULL)
		return vbad(d, "%s: expecting class-id in class", p);
	if (!cki_ci_tagged_bytes(e->class.id, CKI_TAG_CCA_IMPL_ID, id) &&
	    !cki_ci_tagged_bytes(e->class.id, CKI_TAG_BYTES, id))
		return vbad(d, "%s: could not extract implementation-id from "
		    "class-id (%s)", p, tag_type(e->class.id));
	if (id->len != 32)
		return vbad(d, "%s: implementation-id must be 32 bytes (got "
		    "%zu)", p, id->len);
	return CCAKIT_OK;
}

static int
legacy_platform(const ccakit_comid *m, const char *tp,
    struct ccakit_errdetail *d)
{
	const struct cki_vtriple *t;
	struct refval_id rid;
	struct ccakit_bytes id, b;
	char p[128], mp[192];
	size_t i, j, nsw;
	int r;

	for (i = 0; i < m->t.n_ref; i++) {
		t = &m->t.ref[i];
		(void)snprintf(p, sizeof(p), "%s: platform reference value at "
		    "index %zu", tp, i);
		if ((r = legacy_impl_id(&t->env, p, d, &id)) != CCAKIT_OK)
			return r;
		if (t->env.instance.p != NULL || t->env.group.p != NULL)
			return vbad(d, "%s: environment has an instance or a "
			    "group: reference values are looked up by the "
			    "class alone, so these would never match (ccakit)",
			    p);
		for (j = nsw = 0; j < t->n; j++) {
			(void)snprintf(mp, sizeof(mp), "%s, measurement at "
			    "index %zu", p, j);
			if (t->m[j].mkey.p == NULL)
				return vbad(d, "%s: measurement key is not "
				    "set", mp);
			if (legacy_refval_id(t->m[j].mkey, &rid)) {
				if (!(t->m[j].mval.present & CKI_MV_DIGESTS))
					return vbad(d, "%s: measurement value "
					    "has no digests", mp);
				if (t->m[j].mval.digests.n != 1)
					return vbad(d, "%s: expecting exactly "
					    "one digest", mp);
				if (!meas_len_ok(
				    t->m[j].mval.digests.v[0].val.len))
					return vbad(d, "%s: the digest is not "
					    "32, 48 or 64 bytes (ccakit)", mp);
				if (rid.has_signer &&
				    !meas_len_ok(rid.signer.len))
					return vbad(d, "%s: signer-id is not "
					    "32, 48 or 64 bytes (ccakit)", mp);
				nsw++;
			} else if (is_config_id(t->m[j].mkey)) {
				if (!(t->m[j].mval.present & CKI_MV_RAW))
					return vbad(d, "%s: no CCA platform "
					    "config id set in the measurements",
					    mp);
				if (!raw_bytes(t->m[j].mval.raw, &b))
					return vbad(d, "%s: failed to get CCA "
					    "platform config id", mp);
			} else
				return vbad(d, "%s: unknown measurement key "
				    "(%s)", mp, mkey_type(&t->m[j]));
		}
		if (nsw > CCAKIT_MAX_SW_COMPONENTS)
			return vbad(d, "%s: %zu software components, ccakit "
			    "takes at most %d", p, nsw,
			    CCAKIT_MAX_SW_COMPONENTS);
	}
	for (i = 0; i < m->t.n_ak; i++) {
		(void)snprintf(p, sizeof(p), "%s: platform attestation "
		    "verification key at index %zu", tp, i);
		if ((r = legacy_impl_id(&m->t.ak[i].env, p, d, &id)) !=
		    CCAKIT_OK)
			return r;
	}
	return akey_triples(m, tp, true, d);
}

static int
legacy_realm_regs(const struct cki_meas *m, const char *mp,
    struct ccakit_errdetail *d)
{
	struct ccakit_cbor_item k;
	const struct cki_digest *rimd = NULL, *dg;
	bool seen[5] = { false };
	static const char *const names[5] = { "rim", "rem0", "rem1", "rem2",
	    "rem3" };
	size_t i, n;
	char key[8];

	if (!(m->mval.present & CKI_MV_IREGS))
		return vbad(d, "%s: extracting realm attributes: no realm "
		    "initial measurements", mp);
	for (i = 0; i < m->mval.n_iregs; i++) {
		if (!cki_ci_item(m->mval.iregs[i].key, &k) ||
		    k.type != CCAKIT_CBOR_TSTR)
			return vbad(d, "%s: unexpected type for index: an "
			    "integrity register is named by text", mp);
		if (k.u >= sizeof(key))
			goto unexpected;
		for (n = 0; n < k.u; n++)
			key[n] = (char)(k.data[n] >= 'A' && k.data[n] <= 'Z' ?
			    k.data[n] - 'A' + 'a' : k.data[n]);
		key[n] = '\0';
		for (n = 0; n < 5 && strcmp(key, names[n]) != 0; n++)
			;
		if (n == 5)
			goto unexpected;
		if (seen[n])
			return vbad(d, "%s: register %s given twice (ccakit)",
			    mp, names[n]);
		seen[n] = true;
		if (m->mval.iregs[i].d.n != 1)
			return vbad(d, "%s: unable to extract realm digest: "
			    "expecting 1 digest, got %zu", mp,
			    m->mval.iregs[i].d.n);
		dg = &m->mval.iregs[i].d.v[0];
		if (!meas_len_ok(dg->val.len))
			return vbad(d, "%s: register %s is not 32, 48 or 64 "
			    "bytes (ccakit)", mp, names[n]);
		if (n == 0)
			rimd = dg;
	}
	if (rimd == NULL)
		return vbad(d, "%s: extracting realm attributes: no realm "
		    "initial measurements", mp);
	/* One algorithm for all registers. */
	for (i = 0; i < m->mval.n_iregs; i++) {
		dg = &m->mval.iregs[i].d.v[0];
		if (dg->alg_text != rimd->alg_text || (dg->alg_text ?
		    dg->alg_name.len != rimd->alg_name.len ||
		    memcmp(dg->alg_name.s, rimd->alg_name.s,
		    dg->alg_name.len) != 0 : dg->alg != rimd->alg))
			return vbad(d, "%s: incompatible algorithm between the "
			    "realm's registers", mp);
	}
	return CCAKIT_OK;
 unexpected:
	return vbad(d, "%s: unexpected register index: %.*s", mp,
	    (int)(k.u > 32 ? 32 : k.u), (const char *)k.data);
}

static int
legacy_realm(const ccakit_comid *m, const char *tp,
    struct ccakit_errdetail *d)
{
	const struct cki_vtriple *t;
	struct ccakit_bytes b;
	char p[128], mp[192];
	uint64_t tag;
	struct ccakit_cbor_item c;
	size_t i, j;
	int r;

	if (m->t.has_ak || m->t.has_ident || m->t.has_end)
		return vbad(d, "%s: only reference values belong to a CCA "
		    "realm CoRIM", tp);
	for (i = 0; i < m->t.n_ref; i++) {
		t = &m->t.ref[i];
		(void)snprintf(p, sizeof(p), "%s: realm reference value at "
		    "index %zu", tp, i);
		if (t->env.has_class) {
			if (t->env.class.id.p != NULL) {
				if (!cki_ci_tag(t->env.class.id, &tag, &c) ||
				    tag != CKI_TAG_UUID)
					return vbad(d, "%s: could not extract "
					    "uuid from class-id (%s)", p,
					    tag_type(t->env.class.id));
			} else if (t->env.class.vendor.s == NULL)
				return vbad(d, "%s: class is neither a classID "
				    "or a vendor name", p);
		}
		if (t->env.instance.p == NULL)
			return vbad(d, "%s: expecting instance in environment",
			    p);
		if (!cki_ci_tagged_bytes(t->env.instance, CKI_TAG_BYTES, &b))
			return vbad(d, "%s: expecting instance as bytes for CCA "
			    "Realm (got %s)", p, tag_type(t->env.instance));
		for (j = 0; j < t->n; j++) {
			(void)snprintf(mp, sizeof(mp), "%s, measurement at "
			    "index %zu", p, j);
			if (t->m[j].mval.present & CKI_MV_RAW) {
				if (!raw_bytes(t->m[j].mval.raw, &b))
					return vbad(d, "%s: extracting rpv: not "
					    "bytes", mp);
				if (b.len != 64)
					return vbad(d, "%s: extracting rpv: "
					    "invalid length %zu for realm "
					    "personalization value", mp, b.len);
			}
			if ((r = legacy_realm_regs(&t->m[j], mp, d)) !=
			    CCAKIT_OK)
				return r;
		}
	}
	return CCAKIT_OK;
}

/* --- the validator --- */

static int
validate_comid(const ccakit_comid *m, enum ccakit_corim_profile prof,
    const char *tp, struct ccakit_errdetail *d)
{
	const char *what;
	char p[128];
	size_t i;
	int r;

	if (m->t.has_ident || m->t.has_end || m->t.other.n > 0) {
		what = m->t.has_ident ? "identity" : m->t.has_end ?
		    "endorsed values" : "other";
		return vbad(d, "%s: %s triples are not used by the CCA "
		    "profiles (ccakit)", tp, what);
	}
	switch (prof) {
	case CCAKIT_CORIM_PROFILE_CCA_PLATFORM:
		for (i = 0; i < m->t.n_ref; i++) {
			(void)snprintf(p, sizeof(p), "%s: platform reference "
			    "value at index %zu", tp, i);
			if ((r = platform_refval(&m->t.ref[i], p, d)) !=
			    CCAKIT_OK)
				return r;
		}
		return akey_triples(m, tp, false, d);
	case CCAKIT_CORIM_PROFILE_CCA_REALM:
		if (m->t.has_ak)
			return vbad(d, "%s: attestation keys do not belong to "
			    "a CCA realm CoRIM (ccakit)", tp);
		for (i = 0; i < m->t.n_ref; i++) {
			(void)snprintf(p, sizeof(p), "%s: realm reference "
			    "value at index %zu", tp, i);
			if ((r = realm_refval(&m->t.ref[i], p, d)) !=
			    CCAKIT_OK)
				return r;
		}
		return CCAKIT_OK;
	case CCAKIT_CORIM_PROFILE_CCA_PLATFORM_LEGACY:
		return legacy_platform(m, tp, d);
	default:
		return legacy_realm(m, tp, d);
	}
}

int
ccakit_corim_validate_cca(const ccakit_corim *c, struct ccakit_errdetail *d)
{
	enum ccakit_corim_profile prof;
	char tp[32];
	size_t i, ncomid = 0;
	int r;

	if (c == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	prof = ccakit_corim_profile(c);
	if (prof == CCAKIT_CORIM_PROFILE_NONE)
		return cki_detail(d, CCAKIT_ERR_PROFILE_UNKNOWN, "profile",
		    "the CoRIM has no profile; a CCA CoRIM names %s or %s",
		    CCAKIT_CORIM_CCA_PLATFORM, CCAKIT_CORIM_CCA_REALM);
	if (prof == CCAKIT_CORIM_PROFILE_OTHER)
		return cki_detail(d, CCAKIT_ERR_PROFILE_UNKNOWN, "profile",
		    "profile \"%.200s\" is not a CCA profile",
		    c->profile_str);
	for (i = 0; i < c->n_tags; i++) {
		(void)snprintf(tp, sizeof(tp), "tags[%zu]", i);
		if (c->tags[i].tag != CCAKIT_CORIM_TAG_COMID)
			return vbad(d, "%s: a CCA CoRIM carries CoMIDs only, "
			    "not #6.%u", tp, (unsigned)c->tags[i].tag);
		if ((r = validate_comid(c->tags[i].comid, prof, tp, d)) !=
		    CCAKIT_OK)
			return r;
		ncomid++;
	}
	if (ncomid == 0)
		return vbad(d, "no CoMID in the CoRIM");
	return CCAKIT_OK;
}

/* --- to the stores --- */

static void
rvb(struct ccakit_rv_bytes *o, struct ccakit_bytes b)
{
	o->len = b.len <= sizeof(o->b) ? b.len : 0;
	if (o->len > 0)
		memcpy(o->b, b.ptr, o->len);
}

static char *
dup_text(struct ccakit_bytes t)
{
	char *s;

	if ((s = malloc(t.len + 1)) == NULL)
		return NULL;
	if (t.len > 0)
		memcpy(s, t.ptr, t.len);
	s[t.len] = '\0';
	return s;
}

static void
swc_clear(struct ccakit_rv_sw_component *sw, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(sw[i].version);
		free(sw[i].type);
	}
}

/* One platform reference triple into rv (validated before). */
static int
put_platform(const struct cki_vtriple *t, bool legacy, ccakit_rv_store *rv)
{
	struct ccakit_platform_rv p;
	struct ccakit_rv_sw_component sw[CCAKIT_MAX_SW_COMPONENTS];
	struct refval_id rid;
	struct ccakit_bytes id, mk, b;
	const struct cki_mval *mv;
	size_t j, n = 0;
	int r = CCAKIT_OK;

	memset(&p, 0, sizeof(p));
	memset(sw, 0, sizeof(sw));
	if (!cki_ci_tagged_bytes(t->env.class.id, CKI_TAG_BYTES, &id) &&
	    !cki_ci_tagged_bytes(t->env.class.id, CKI_TAG_CCA_IMPL_ID, &id))
		return CCAKIT_ERR_INTERNAL;
	memcpy(p.impl_id, id.ptr, sizeof(p.impl_id));
	p.match = legacy ? CCAKIT_RV_MATCH_CORIM_LEGACY :
	    CCAKIT_RV_MATCH_CORIM;
	p.no_config = true;
	for (j = 0; j < t->n && r == CCAKIT_OK; j++) {
		mv = &t->m[j].mval;
		if (legacy ? is_config_id(t->m[j].mkey) :
		    mkey_text(&t->m[j], &mk) &&
		    text_is(mk, "cca.platform-config")) {
			(void)raw_bytes(mv->raw, &b);
			p.config = (uint8_t *)(uintptr_t)b.ptr;
			p.config_len = b.len;
			p.no_config = false;
			continue;
		}
		rvb(&sw[n].mval, mv->digests.v[0].val);
		if (legacy) {
			(void)legacy_refval_id(t->m[j].mkey, &rid);
			if (rid.has_signer)
				rvb(&sw[n].signer_id, rid.signer);
			if (rid.has_label &&
			    (sw[n].type = dup_text(rid.label)) == NULL)
				r = CCAKIT_ERR_NOMEM;
			if (rid.has_version &&
			    (sw[n].version = dup_text(rid.version)) == NULL)
				r = CCAKIT_ERR_NOMEM;
		} else {
			if (cki_ci_tagged_bytes(mv->keys[0], CKI_TAG_BYTES,
			    &b))
				rvb(&sw[n].signer_id, b);
			if (mv->present & CKI_MV_NAME) {
				b.ptr = (const uint8_t *)mv->name.s;
				b.len = mv->name.len;
				if ((sw[n].type = dup_text(b)) == NULL)
					r = CCAKIT_ERR_NOMEM;
			}
			if (mv->present & CKI_MV_VERSION) {
				b.ptr = (const uint8_t *)mv->version.s;
				b.len = mv->version.len;
				if ((sw[n].version = dup_text(b)) == NULL)
					r = CCAKIT_ERR_NOMEM;
			}
		}
		n++;
	}
	p.sw = sw;
	p.n_sw = n;
	if (r == CCAKIT_OK)
		r = ccakit_rv_store_add_platform(rv, &p);
	swc_clear(sw, n);
	return r;
}

static int
put_realm(const struct cki_vtriple *t, bool legacy, ccakit_rv_store *rv)
{
	struct ccakit_realm_rv r;
	struct ccakit_bytes mk, b;
	struct ccakit_cbor_item k;
	const struct cki_mval *mv;
	size_t j, i, n;

	memset(&r, 0, sizeof(r));
	for (j = 0; j < t->n; j++) {
		mv = &t->m[j].mval;
		if (legacy) {
			if ((mv->present & CKI_MV_RAW) &&
			    raw_bytes(mv->raw, &b) && b.len == 64) {
				memcpy(r.rpv, b.ptr, 64);
				r.has_rpv = true;
			}
			for (i = 0; i < mv->n_iregs; i++) {
				if (!cki_ci_item(mv->iregs[i].key, &k))
					continue;
				n = k.u == 3 ? 0 : (size_t)(k.data[3] - '0' +
				    1);
				if (n == 0)
					rvb(&r.rim, mv->iregs[i].d.v[0].val);
				else if (n <= 4) {
					rvb(&r.rem[n - 1],
					    mv->iregs[i].d.v[0].val);
					r.n_rem = CCAKIT_REM_COUNT;
				}
			}
			continue;
		}
		if (!mkey_text(&t->m[j], &mk))
			continue;
		if (text_is(mk, "cca.rim"))
			rvb(&r.rim, mv->digests.v[0].val);
		else if (text_is(mk, "cca.rpv")) {
			(void)raw_bytes(mv->raw, &b);
			memcpy(r.rpv, b.ptr, 64);
			r.has_rpv = true;
		} else {
			n = (size_t)(mk.ptr[7] - '0');
			rvb(&r.rem[n], mv->digests.v[0].val);
			r.n_rem = CCAKIT_REM_COUNT;
		}
	}
	return ccakit_rv_store_add_realm(rv, &r);
}

static int
put_ta(const struct cki_ktriple *t, bool legacy, ccakit_ta_store *ta)
{
	struct ccakit_bytes id, inst;
	ccakit_key *k = NULL;
	char jwk[512];
	int r;

	if (!cki_ci_tagged_bytes(t->env.class.id, legacy ?
	    CKI_TAG_CCA_IMPL_ID : CKI_TAG_BYTES, &id) &&
	    !cki_ci_tagged_bytes(t->env.class.id, CKI_TAG_BYTES, &id))
		return CCAKIT_ERR_INTERNAL;
	if (!cki_ci_tagged_bytes(t->env.instance, CKI_TAG_UEID, &inst) ||
	    inst.len != 33)
		return CCAKIT_ERR_INTERNAL;
	if ((r = cpak(t, "", NULL, &k)) != CCAKIT_OK)
		return r;
	r = ccakit_key_to_jwk(k, jwk, sizeof(jwk));
	ccakit_key_free(&k);
	if (r != CCAKIT_OK)
		return r;
	return ccakit_ta_store_add(ta, id.ptr, inst.ptr, jwk, strlen(jwk));
}

int
ccakit_corim_to_stores(const ccakit_corim *c, ccakit_ta_store *ta,
    ccakit_rv_store *rv, struct ccakit_errdetail *d)
{
	ccakit_ta_store *nta = NULL;
	ccakit_rv_store *nrv = NULL;
	enum ccakit_corim_profile prof;
	const ccakit_comid *m;
	char *js = NULL;
	bool legacy, realm;
	size_t i, k;
	int r;

	if (c == NULL || (ta == NULL && rv == NULL))
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if ((r = ccakit_corim_validate_cca(c, d)) != CCAKIT_OK)
		return r;
	prof = ccakit_corim_profile(c);
	legacy = prof == CCAKIT_CORIM_PROFILE_CCA_PLATFORM_LEGACY ||
	    prof == CCAKIT_CORIM_PROFILE_CCA_REALM_LEGACY;
	realm = prof == CCAKIT_CORIM_PROFILE_CCA_REALM ||
	    prof == CCAKIT_CORIM_PROFILE_CCA_REALM_LEGACY;
	/* Into fresh stores first, then merged: all or nothing. */
	if ((nta = ccakit_ta_store_new()) == NULL ||
	    (nrv = ccakit_rv_store_new()) == NULL) {
		r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		goto out;
	}
	for (i = 0; i < c->n_tags && r == CCAKIT_OK; i++) {
		m = c->tags[i].comid;
		for (k = 0; k < m->t.n_ref && r == CCAKIT_OK; k++)
			r = realm ? put_realm(&m->t.ref[k], legacy, nrv) :
			    put_platform(&m->t.ref[k], legacy, nrv);
		for (k = 0; k < m->t.n_ak && r == CCAKIT_OK; k++)
			r = put_ta(&m->t.ak[k], legacy, nta);
	}
	if (r != CCAKIT_OK) {
		r = cki_detail(d, r, "corim", "cannot convert the CoRIM to "
		    "store entries: %s", ccakit_strerror(r));
		goto out;
	}
	/* Merge through the JSON forms: the loaders are all or nothing. */
	if (rv != NULL && (ccakit_rv_store_platform_count(nrv) > 0 ||
	    ccakit_rv_store_realm_count(nrv) > 0)) {
		if ((r = ccakit_rv_store_to_json(nrv, &js)) != CCAKIT_OK ||
		    (r = ccakit_rv_store_load_json(rv, js, strlen(js), d)) !=
		    CCAKIT_OK)
			goto out;
		free(js);
		js = NULL;
	}
	if (ta != NULL && ccakit_ta_store_count(nta) > 0) {
		if ((r = ccakit_ta_store_to_json(nta, &js)) != CCAKIT_OK ||
		    (r = ccakit_ta_store_load_json(ta, js, strlen(js), d)) !=
		    CCAKIT_OK)
			goto out;
	}
	r = CCAKIT_OK;
 out:
	free(js);
	ccakit_ta_store_free(&nta);
	ccakit_rv_store_free(&nrv);
	return r;
}

/* --- from the stores --- */

struct bld {
	ccakit_comid *m;
	struct cki_arena *a;
	struct cki_buf b;
};

/* An encoded item into the CoMID's arena. */
static struct cki_ci
ci_dup(struct cki_arena *a, const struct cki_buf *b)
{
	struct cki_ci c = { NULL, 0 };

	if (b->err == 0 && (c.p = cki_corim_dup(a, b->p, b->len)) != NULL)
		c.len = b->len;
	return c;
}

/* #6.tag(bstr) or #6.tag(tstr) as a stored item. */
static struct cki_ci
tagged(struct cki_arena *a, uint64_t tag, int kind, const void *p,
    size_t n)
{
	struct cki_buf b = { 0 };
	struct cki_ci c;

	if (tag != 0)
		cki_cb_head(&b, H_TAG, tag);
	cki_cb_head(&b, kind, n);
	cki_buf_put(&b, p, n);
	c = ci_dup(a, &b);
	free(b.p);
	return c;
}

static struct cki_text
atext(struct cki_arena *a, const char *s)
{
	return cki_corim_text(a, s, strlen(s));
}

static int64_t
alg_for(size_t len)
{
	return len == 32 ? 1 : len == 48 ? 7 : 8;
}

static void
set_digest(struct cki_arena *a, struct cki_digests *ds,
    const struct ccakit_rv_bytes *v, const struct ccakit_corim_build *o)
{
	struct cki_digest *dg;

	if ((dg = cki_corim_alloc(a, 1, sizeof(*dg))) == NULL)
		return;
	dg->alg = alg_for(v->len);
	if (o->digest_alg_text) {
		dg->alg_text = true;
		dg->alg_name = atext(a, cki_corim_alg_name(dg->alg));
	}
	dg->val.ptr = cki_corim_dup(a, v->b, v->len);
	dg->val.len = v->len;
	ds->v = dg;
	ds->n = 1;
}

static ccakit_comid *
new_comid(const struct ccakit_corim_build *o)
{
	ccakit_comid *m;
	uint8_t id[16];
	const ccakit_comid *t = o->comid_template;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	cki_arena_init(&m->arena, 2048);
	if (t != NULL) {
		/* Views into the template's arena must be copied. */
		if (t->lang.s != NULL)
			m->lang = cki_corim_text(&m->arena, t->lang.s,
			    t->lang.len);
		m->tag_id.p = cki_corim_dup(&m->arena, t->tag_id.p,
		    t->tag_id.len);
		m->tag_id.len = t->tag_id.len;
		m->has_tag_version = t->has_tag_version;
		m->tag_version = t->tag_version;
		if (t->n_ent > 0) {
			struct cki_buf b = { 0 };
			ccakit_comid *tmp = NULL;

			/* Simplest deep copy: through the encoder. */
			if (cki_comid_encode_buf(t, &b) == CCAKIT_OK &&
			    ccakit_comid_decode(b.p, b.len, &tmp, NULL) ==
			    CCAKIT_OK) {
				size_t i, k;

				m->ent = cki_corim_alloc(&m->arena, t->n_ent,
				    sizeof(*m->ent));
				for (i = 0; m->ent != NULL && i < t->n_ent;
				    i++) {
					struct cki_entity *e = &m->ent[i];
					const struct cki_entity *s =
					    &tmp->ent[i];

					e->name = cki_corim_text(&m->arena,
					    s->name.s, s->name.len);
					if (s->regid.p != NULL) {
						e->regid.p = cki_corim_dup(
						    &m->arena, s->regid.p,
						    s->regid.len);
						e->regid.len = s->regid.len;
					}
					e->roles = cki_corim_alloc(&m->arena,
					    s->n_roles, sizeof(*e->roles));
					for (k = 0; e->roles != NULL &&
					    k < s->n_roles; k++)
						e->roles[k] = s->roles[k];
					e->n_roles = s->n_roles;
				}
				m->n_ent = m->ent != NULL ? t->n_ent : 0;
			}
			ccakit_comid_free(&tmp);
			free(b.p);
		}
		if (m->tag_id.p != NULL)
			return m;
	}
	if (RAND_bytes(id, sizeof(id)) != 1) {
		ccakit_comid_free(&m);
		return NULL;
	}
	id[6] = (uint8_t)((id[6] & 0x0f) | 0x40);	/* version 4 */
	id[8] = (uint8_t)((id[8] & 0x3f) | 0x80);
	m->tag_id = tagged(&m->arena, 0, H_BSTR, id, sizeof(id));
	return m;
}

static struct cki_ci
text_item(struct cki_arena *a, const char *s)
{
	return tagged(a, 0, H_TSTR, s, strlen(s));
}

/* The public key as PEM SubjectPublicKeyInfo (RFC 7468 §13). */
static int
spki_pem(const ccakit_key *k, char **out, size_t *len)
{
	BIO *bio;
	char *p;
	long n;
	int r = CCAKIT_ERR_CRYPTO;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return CCAKIT_ERR_NOMEM;
	if (PEM_write_bio_PUBKEY(bio, ccakit_key_evp(k)) == 1 &&
	    (n = BIO_get_mem_data(bio, &p)) > 0) {
		if ((*out = malloc((size_t)n + 1)) == NULL)
			r = CCAKIT_ERR_NOMEM;
		else {
			memcpy(*out, p, (size_t)n);
			(*out)[n] = '\0';
			*len = (size_t)n;
			r = CCAKIT_OK;
		}
	}
	BIO_free(bio);
	return r;
}

static int
build_platform(const ccakit_rv_store *rvs, const ccakit_ta_store *tas,
    const struct ccakit_corim_build *o, ccakit_comid **out)
{
	const struct ccakit_platform_rv *p;
	ccakit_comid *m;
	struct cki_arena *a;
	size_t i, j, np, nta;
	int r;

	np = ccakit_rv_store_platform_count(rvs);
	nta = ccakit_ta_store_count(tas);
	if (np == 0 && nta == 0) {
		*out = NULL;
		return CCAKIT_OK;
	}
	if ((m = new_comid(o)) == NULL)
		return CCAKIT_ERR_NOMEM;
	a = &m->arena;
	if (np > 0) {
		m->t.has_ref = true;
		if ((m->t.ref = cki_corim_alloc(a, np, sizeof(*m->t.ref))) ==
		    NULL)
			goto nomem;
		m->t.n_ref = np;
		for (i = 0; i < np; i++) {
			struct cki_vtriple *t = &m->t.ref[i];

			p = ccakit_rv_store_platform_at(rvs, i);
			t->env.has_class = true;
			t->env.class.id = tagged(a, CKI_TAG_BYTES, H_BSTR,
			    p->impl_id, sizeof(p->impl_id));
			t->n = p->n_sw + (p->no_config ? 0 : 1);
			if ((t->m = cki_corim_alloc(a, t->n,
			    sizeof(*t->m))) == NULL)
				goto nomem;
			for (j = 0; j < p->n_sw; j++) {
				struct cki_mval *mv = &t->m[j].mval;

				t->m[j].mkey = text_item(a,
				    "cca.software-component");
				mv->present = CKI_MV_DIGESTS |
				    CKI_MV_CRYPTOKEYS;
				set_digest(a, &mv->digests, &p->sw[j].mval, o);
				if ((mv->keys = cki_corim_alloc(a, 1,
				    sizeof(*mv->keys))) == NULL)
					goto nomem;
				if (p->sw[j].signer_id.len == 0) {
					r = CCAKIT_ERR_INVALID_ARG;
					goto fail;
				}
				mv->keys[0] = tagged(a, CKI_TAG_BYTES, H_BSTR,
				    p->sw[j].signer_id.b,
				    p->sw[j].signer_id.len);
				mv->n_keys = 1;
				if (p->sw[j].type != NULL) {
					mv->present |= CKI_MV_NAME;
					mv->name = atext(a, p->sw[j].type);
				}
				if (p->sw[j].version != NULL) {
					mv->present |= CKI_MV_VERSION;
					mv->version = atext(a,
					    p->sw[j].version);
				}
			}
			if (!p->no_config) {
				struct cki_mval *mv = &t->m[j].mval;
				uint8_t *mask;

				t->m[j].mkey = text_item(a,
				    "cca.platform-config");
				mv->present = CKI_MV_RAW;
				if ((mask = cki_arena_alloc(a,
				    p->config_len + 1)) == NULL)
					goto nomem;
				memset(mask, 0xff, p->config_len);
				if (o->config_masked) {
					struct cki_buf b = { 0 };

					cki_cb_head(&b, H_TAG,
					    CKI_TAG_MASKED_RAW);
					cki_buf_put(&b, "\x82", 1);
					cki_cb_head(&b, H_BSTR, p->config_len);
					cki_buf_put(&b, p->config,
					    p->config_len);
					cki_cb_head(&b, H_BSTR, p->config_len);
					cki_buf_put(&b, mask, p->config_len);
					mv->raw = ci_dup(a, &b);
					free(b.p);
				} else {
					mv->present |= CKI_MV_RAW_MASK;
					mv->raw = tagged(a, CKI_TAG_BYTES,
					    H_BSTR, p->config, p->config_len);
					mv->raw_mask.ptr = mask;
					mv->raw_mask.len = p->config_len;
				}
			}
		}
	}
	if (nta > 0) {
		m->t.has_ak = true;
		if ((m->t.ak = cki_corim_alloc(a, nta, sizeof(*m->t.ak))) ==
		    NULL)
			goto nomem;
		m->t.n_ak = nta;
		for (i = 0; i < nta; i++) {
			struct cki_ktriple *t = &m->t.ak[i];
			const uint8_t *impl, *inst;
			const ccakit_key *key;
			char *pem = NULL;
			size_t pemlen;

			if (ccakit_ta_store_at(tas, i, &impl, &inst, &key) !=
			    CCAKIT_OK || key == NULL) {
				r = CCAKIT_ERR_KEY_INVALID;
				goto fail;
			}
			t->env.has_class = true;
			t->env.class.id = tagged(a, CKI_TAG_BYTES, H_BSTR,
			    impl, 32);
			t->env.instance = tagged(a, CKI_TAG_UEID, H_BSTR,
			    inst, 33);
			if ((r = spki_pem(key, &pem, &pemlen)) != CCAKIT_OK)
				goto fail;
			if ((t->keys = cki_corim_alloc(a, 1,
			    sizeof(*t->keys))) == NULL) {
				free(pem);
				goto nomem;
			}
			/* Veraison's CoRIMs: no final newline. */
			while (pemlen > 0 && pem[pemlen - 1] == '\n')
				pemlen--;
			t->keys[0] = tagged(a, CKI_TAG_PKIX_KEY, H_TSTR, pem,
			    pemlen);
			t->n_keys = 1;
			free(pem);
		}
	}
	*out = m;
	return CCAKIT_OK;
 nomem:
	r = CCAKIT_ERR_NOMEM;
 fail:
	ccakit_comid_free(&m);
	return r;
}

static int
build_realm(const ccakit_rv_store *rvs, const struct ccakit_corim_build *o,
    ccakit_comid **out)
{
	const struct ccakit_realm_rv *rv;
	ccakit_comid *m;
	struct cki_arena *a;
	size_t i, j, k, n = ccakit_rv_store_realm_count(rvs);
	static const char *const remk[4] = { "cca.rem0", "cca.rem1",
	    "cca.rem2", "cca.rem3" };

	*out = NULL;
	if (n == 0)
		return CCAKIT_OK;
	if ((m = new_comid(o)) == NULL)
		return CCAKIT_ERR_NOMEM;
	a = &m->arena;
	m->t.has_ref = true;
	if ((m->t.ref = cki_corim_alloc(a, n, sizeof(*m->t.ref))) == NULL)
		goto nomem;
	m->t.n_ref = n;
	for (i = 0; i < n; i++) {
		struct cki_vtriple *t = &m->t.ref[i];

		rv = ccakit_rv_store_realm_at(rvs, i);
		t->env.has_class = true;
		t->env.class.id = tagged(a, CKI_TAG_BYTES, H_BSTR, rv->rim.b,
		    rv->rim.len);
		t->n = 1 + (rv->has_rpv ? 1 : 0);
		for (k = 0; k < rv->n_rem; k++)
			if (rv->rem[k].len > 0)
				t->n++;
		if ((t->m = cki_corim_alloc(a, t->n, sizeof(*t->m))) == NULL)
			goto nomem;
		t->m[0].mkey = text_item(a, "cca.rim");
		t->m[0].mval.present = CKI_MV_DIGESTS;
		set_digest(a, &t->m[0].mval.digests, &rv->rim, o);
		j = 1;
		for (k = 0; k < rv->n_rem; k++) {
			if (rv->rem[k].len == 0)
				continue;
			t->m[j].mkey = text_item(a, remk[k]);
			t->m[j].mval.present = CKI_MV_DIGESTS;
			set_digest(a, &t->m[j].mval.digests, &rv->rem[k], o);
			j++;
		}
		if (rv->has_rpv) {
			t->m[j].mkey = text_item(a, "cca.rpv");
			t->m[j].mval.present = CKI_MV_RAW;
			t->m[j].mval.raw = tagged(a, CKI_TAG_BYTES, H_BSTR,
			    rv->rpv, sizeof(rv->rpv));
		}
	}
	*out = m;
	return CCAKIT_OK;
 nomem:
	ccakit_comid_free(&m);
	return CCAKIT_ERR_NOMEM;
}

ccakit_corim *cki_corim_new(void);

static int
wrap(ccakit_comid *m, const char *profile,
    const struct ccakit_corim_build *o, ccakit_corim **out)
{
	ccakit_corim *c;
	uint8_t id[16];
	int r;

	if ((c = cki_corim_new()) == NULL)
		return CCAKIT_ERR_NOMEM;
	if (o->corim_id != NULL)
		c->id = text_item(&c->arena, o->corim_id);
	else {
		if (RAND_bytes(id, sizeof(id)) != 1) {
			ccakit_corim_free(&c);
			return CCAKIT_ERR_CRYPTO;
		}
		id[6] = (uint8_t)((id[6] & 0x0f) | 0x40);
		id[8] = (uint8_t)((id[8] & 0x3f) | 0x80);
		c->id = tagged(&c->arena, 0, H_BSTR, id, sizeof(id));
	}
	c->profile_str = (char *)cki_corim_dup(&c->arena, profile,
	    strlen(profile));
	c->pform = o->profile_form == CCAKIT_CORIM_PROFILE_TEXT ?
	    CCAKIT_CORIM_PROFILE_TEXT : CCAKIT_CORIM_PROFILE_URI;
	c->profile = tagged(&c->arena, CKI_TAG_URI, H_TSTR, profile,
	    strlen(profile));
	if (o->entity_name != NULL) {
		struct cki_entity *e;

		if ((e = cki_corim_alloc(&c->arena, 1, sizeof(*e))) == NULL ||
		    (e->roles = cki_corim_alloc(&c->arena, 1,
		    sizeof(*e->roles))) == NULL) {
			ccakit_corim_free(&c);
			return CCAKIT_ERR_NOMEM;
		}
		e->name = atext(&c->arena, o->entity_name);
		if (o->entity_regid != NULL)
			e->regid = tagged(&c->arena, CKI_TAG_URI, H_TSTR,
			    o->entity_regid, strlen(o->entity_regid));
		e->roles[0] = 1;	/* manifest-creator */
		e->n_roles = 1;
		c->ent = e;
		c->n_ent = 1;
	}
	if (c->id.p == NULL || c->profile.p == NULL ||
	    (r = ccakit_corim_add_comid(c, m)) != CCAKIT_OK) {
		ccakit_corim_free(&c);
		return CCAKIT_ERR_NOMEM;
	}
	*out = c;
	return CCAKIT_OK;
}

int
ccakit_corim_from_stores(const ccakit_ta_store *ta, const ccakit_rv_store *rv,
    const struct ccakit_corim_build *opt, ccakit_corim **platform,
    ccakit_corim **realm, struct ccakit_errdetail *d)
{
	static const struct ccakit_corim_build defaults;
	const struct ccakit_corim_build *o = opt != NULL ? opt : &defaults;
	ccakit_comid *pm = NULL, *rm = NULL;
	ccakit_corim *pc = NULL, *rc = NULL;
	int r;

	if (platform != NULL)
		*platform = NULL;
	if (realm != NULL)
		*realm = NULL;
	if (platform == NULL && realm == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (platform != NULL && (r = build_platform(rv, ta, o, &pm)) !=
	    CCAKIT_OK) {
		r = cki_detail(d, r, "corim", "platform CoRIM: %s",
		    r == CCAKIT_ERR_INVALID_ARG ? "a software component "
		    "without signer-id (the CCA profile requires one)" :
		    ccakit_strerror(r));
		goto out;
	}
	if (realm != NULL && (r = build_realm(rv, o, &rm)) != CCAKIT_OK) {
		r = cki_detail(d, r, "corim", "realm CoRIM: %s",
		    ccakit_strerror(r));
		goto out;
	}
	if ((pm != NULL && (r = wrap(pm, CCAKIT_CORIM_CCA_PLATFORM, o,
	    &pc)) != CCAKIT_OK) ||
	    (rm != NULL && (r = wrap(rm, CCAKIT_CORIM_CCA_REALM, o, &rc)) !=
	    CCAKIT_OK)) {
		r = cki_detail(d, r, "corim", "%s", ccakit_strerror(r));
		goto out;
	}
	/* What ccakit writes, ccakit's validator must accept. */
	if ((pc != NULL && (r = ccakit_corim_validate_cca(pc, d)) !=
	    CCAKIT_OK) ||
	    (rc != NULL && (r = ccakit_corim_validate_cca(rc, d)) !=
	    CCAKIT_OK))
		goto out;
	if (platform != NULL)
		*platform = pc;
	if (realm != NULL)
		*realm = rc;
	pc = rc = NULL;
	r = CCAKIT_OK;
 out:
	ccakit_comid_free(&pm);
	ccakit_comid_free(&rm);
	ccakit_corim_free(&pc);
	ccakit_corim_free(&rc);
	return r;
}
