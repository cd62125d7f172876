/*
 * Reference values, the RVPS built in (Trustee's rvps at 78962cd;
 * addendum §6): messages {"version":"0.1.0","type":"sample","payload":
 * <standard base64 of {"name": value, ...}>} register each value under
 * its name in namespace reference_value as Trustee stores it:
 * {"version":"0.1.0","name":...,"expiration":"<now + 12 months>",
 *  "value":...}. Unlike Trustee, the expiration is honoured: an expired
 * value is not found (and the state layer purges it).
 *
 * "corim": the payload is the standard base64 of a CoRIM (unsigned, or
 * signed and taken unverified, as Trustee's extractor does), decoded by
 * lib/corim. Each reference-value triple of its CoMIDs gives values named
 * by the identifiers found, joined with '/': the class's vendor and
 * model, the measurement key (text; "claim<N>" for an integer; a UUID in
 * its canonical text), the measurement's name and serial number, then
 * "digests" (value: the digests in hex, an array) or "raw_bytes" (value:
 * the raw bytes in hex).
 *
 * "swid": the payload is the standard base64 of a TCG reference
 * integrity manifest, a SWID tag in XML (UTF-8), read by lib/xml and
 * taken unverified, as Trustee's SWID extractor does. The first SWID
 * Meta element gives the prefix "<rim:PlatformManufacturerStr, ' ' as
 * '_'>.<edition>"; each SWID Resource of type "Measurement" under the
 * first SWID Payload gives "<prefix>.measurement_<index>" ('-' as '_'),
 * its value the array of its SHA384:Hash0, Hash1, ... attributes up to
 * the first missing one, all-zero hashes left out; a resource with none
 * left is skipped. Every value is extracted before any is stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ccakit/bytes.h>
#include <ccakit/corim.h>
#include <ccakit/xml.h>

#include "kbs.h"

#define RVPS_PAYLOAD_MAX (4 * 1024 * 1024)

static int
bad(struct ccakit_errdetail *d, int code, const char *fmt, ...)
    SVC_PRINTF(3, 4);

static int
bad(struct ccakit_errdetail *d, int code, const char *fmt, ...)
{
	va_list ap;

	d->code = code;
	d->what = "rvps";
	va_start(ap, fmt);
	vsnprintf(d->text, sizeof(d->text), fmt, ap);
	va_end(ap);
	return code;
}

/* now + 12 months, chrono's checked_add_months (the day clamped to the
 * month's last). */
static time_t
expiry(time_t now, char *out, size_t outsz)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	struct tm tm;
	int md;

	gmtime_r(&now, &tm);
	tm.tm_year++;
	md = mdays[tm.tm_mon];
	if (tm.tm_mon == 1 && ((tm.tm_year + 1900) % 4 == 0 &&
	    ((tm.tm_year + 1900) % 100 != 0 || (tm.tm_year + 1900) % 400 ==
	    0)))
		md = 29;
	if (tm.tm_mday > md)
		tm.tm_mday = md;
	strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return timegm(&tm);
}

static bool
parse_time(const char *s, time_t *out)
{
	struct tm tm;
	int n = 0;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n == 0 || s[n] != '\0')
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = timegm(&tm);
	return true;
}

/* name -> value, as Trustee's ReferenceValue record. */
static int
store_rv(kbs_kv *kv, const char *name, json_t *v, const char *exp,
    time_t until, struct ccakit_errdetail *d)
{
	json_t *rec;
	char *text;
	int r;

	if (*name == '\0' || strlen(name) > 1024)
		return bad(d, CCAKIT_ERR_INVALID_ARG, "reference value name of "
		    "%zu bytes", strlen(name));
	if ((rec = json_pack("{s:s, s:s, s:s, s:O}", "version", "0.1.0",
	    "name", name, "expiration", exp, "value", v)) == NULL)
		return CCAKIT_ERR_NOMEM;
	text = json_dumps(rec, JSON_COMPACT);
	json_decref(rec);
	if (text == NULL)
		return CCAKIT_ERR_NOMEM;
	r = kbs_kv_set(kv, KBS_NS_REFVAL, name, text, strlen(text),
	    (int64_t)until * 1000, true, NULL, d);
	free(text);
	return r;
}

/* Every name -> value of object rvs. */
static int
store_rvs(kbs_kv *kv, json_t *rvs, const char *exp, time_t until,
    struct ccakit_errdetail *d)
{
	const char *name;
	json_t *v;
	int r;

	json_object_foreach(rvs, name, v) {
		if ((r = store_rv(kv, name, v, exp, until, d)) != CCAKIT_OK)
			return r;
	}
	return CCAKIT_OK;
}

/* Append "/part" (or "part" first) to path; false when too long. */
static bool
path_add(char *path, size_t sz, const char *part)
{
	size_t n = strlen(path);
	int w;

	w = snprintf(path + n, sz - n, "%s%s", n > 0 ? "/" : "", part);
	return w >= 0 && (size_t)w < sz - n;
}

/* The hex of base64 text (v: CCAKIT_B64_STD or _URL), a new JSON string;
 * NULL when it is not base64. */
static json_t *
hex_of_b64(const json_t *b64, enum ccakit_b64 v)
{
	const char *s = json_string_value(b64);
	uint8_t *p;
	char *h;
	size_t n, len;
	json_t *out = NULL;

	if (s == NULL)
		return NULL;
	len = strlen(s);
	if ((p = malloc(len + 1)) == NULL)
		return NULL;
	if (ccakit_b64_decode(s, len, v, p, len + 1, &n) == 0 &&
	    (h = malloc(2 * n + 1)) != NULL) {
		if (ccakit_hex_encode(p, n, h, 2 * n + 1) == 0)
			out = json_string(h);
		free(h);
	}
	free(p);
	return out;
}

#define RV_PATH_MAX 1024

/* The reference values of one CoMID (its JSON form, lib/corim). */
static int
comid_rvs(kbs_kv *kv, const json_t *comid, const char *exp, time_t until,
    size_t *count, struct ccakit_errdetail *d)
{
	const json_t *rvs, *t, *cl, *ms, *m, *key, *mv, *dg, *e, *raw;
	char base[RV_PATH_MAX], path[RV_PATH_MAX], name[RV_PATH_MAX];
	const char *kt;
	json_t *arr, *hex;
	size_t i, j, k;
	bool ok;
	int r;

	rvs = json_object_get(json_object_get(comid, "triples"),
	    "reference-values");
	json_array_foreach(rvs, i, t) {
		base[0] = '\0';
		ok = true;
		cl = json_object_get(json_object_get(t, "environment"),
		    "class");
		if (json_is_string(json_object_get(cl, "vendor")))
			ok = path_add(base, sizeof(base), json_string_value(
			    json_object_get(cl, "vendor")));
		if (ok && json_is_string(json_object_get(cl, "model")))
			ok = path_add(base, sizeof(base), json_string_value(
			    json_object_get(cl, "model")));
		ms = json_object_get(t, "measurements");
		json_array_foreach(ms, j, m) {
			memcpy(path, base, sizeof(path));
			key = json_object_get(m, "key");
			kt = json_string_value(json_object_get(key, "type"));
			if (kt != NULL && (strcmp(kt, "string") == 0 ||
			    strcmp(kt, "uuid") == 0) &&
			    json_is_string(json_object_get(key, "value")))
				ok = ok && path_add(path, sizeof(path),
				    json_string_value(json_object_get(key,
				    "value")));
			else if (kt != NULL && strcmp(kt, "uint") == 0) {
				(void)snprintf(name, sizeof(name), "claim%"
				    JSON_INTEGER_FORMAT, json_integer_value(
				    json_object_get(key, "value")));
				ok = ok && path_add(path, sizeof(path), name);
			}
			mv = json_object_get(m, "value");
			if (json_is_string(json_object_get(mv, "name")))
				ok = ok && path_add(path, sizeof(path),
				    json_string_value(json_object_get(mv,
				    "name")));
			if (json_is_string(json_object_get(mv,
			    "serial-number")))
				ok = ok && path_add(path, sizeof(path),
				    json_string_value(json_object_get(mv,
				    "serial-number")));
			if (!ok)
				return bad(d, CCAKIT_ERR_TOO_LARGE, "CoRIM: a "
				    "reference value name over %d bytes",
				    RV_PATH_MAX);
			if ((dg = json_object_get(mv, "digests")) != NULL) {
				memcpy(name, path, sizeof(name));
				if (!path_add(name, sizeof(name), "digests"))
					return bad(d, CCAKIT_ERR_TOO_LARGE,
					    "CoRIM: a reference value name "
					    "over %d bytes", RV_PATH_MAX);
				if ((arr = json_array()) == NULL)
					return CCAKIT_ERR_NOMEM;
				json_array_foreach(dg, k, e) {
					hex = hex_of_b64(json_array_get(e, 1),
					    CCAKIT_B64_URL);
					if (hex == NULL) {
						json_decref(arr);
						return bad(d, CCAKIT_ERR_ENCODING,
						    "CoRIM: a digest of %s",
						    name);
					}
					json_array_append_new(arr, hex);
				}
				r = store_rv(kv, name, arr, exp, until, d);
				json_decref(arr);
				if (r != CCAKIT_OK)
					return r;
				(*count)++;
			}
			raw = json_object_get(mv, "raw-value");
			kt = json_string_value(json_object_get(raw, "type"));
			if (kt != NULL && strcmp(kt, "bytes") == 0) {
				memcpy(name, path, sizeof(name));
				if (!path_add(name, sizeof(name), "raw_bytes"))
					return bad(d, CCAKIT_ERR_TOO_LARGE,
					    "CoRIM: a reference value name "
					    "over %d bytes", RV_PATH_MAX);
				if ((hex = hex_of_b64(json_object_get(raw,
				    "value"), CCAKIT_B64_STD)) == NULL)
					return bad(d, CCAKIT_ERR_ENCODING, "CoRIM: "
					    "the raw value of %s", name);
				r = store_rv(kv, name, hex, exp, until, d);
				json_decref(hex);
				if (r != CCAKIT_OK)
					return r;
				(*count)++;
			}
		}
	}
	return CCAKIT_OK;
}

/* The "corim" extractor: p (n bytes) is the CoRIM. */
static int
corim_rvs(kbs_kv *kv, const uint8_t *p, size_t n, const char *exp,
    time_t until, struct ccakit_errdetail *d)
{
	ccakit_corim *c = NULL;
	ccakit_comid *m = NULL;
	struct ccakit_bytes content;
	json_t *j;
	json_error_t je;
	char *text = NULL;
	unsigned tag;
	size_t i, count = 0;
	int r;

	if (n > CCAKIT_CORIM_MAX_SIZE)
		return bad(d, CCAKIT_ERR_TOO_LARGE, "CoRIM of %zu bytes (at "
		    "most %d)", n, CCAKIT_CORIM_MAX_SIZE);
	/* The ASN header tags some tools put in front (#6.500, #6.502)
	 * are skipped, as Trustee's extractor does. */
	while (n >= 3 && p[0] == 0xd9 && ((p[1] == 0x01 && p[2] == 0xf4) ||
	    (p[1] == 0x01 && p[2] == 0xf6))) {
		p += 3;
		n -= 3;
	}
	if ((r = ccakit_corim_decode(p, n, &c, d)) != CCAKIT_OK) {
		char why[sizeof(d->text)];

		(void)snprintf(why, sizeof(why), "%s", d->text);
		d->what = "rvps";
		(void)snprintf(d->text, sizeof(d->text), "not a CoRIM (CBOR, "
		    "unsigned or signed): %.200s", why);
		return r;
	}
	for (i = 0; i < ccakit_corim_tag_count(c); i++) {
		if (ccakit_corim_tag(c, i, &tag, &content) != CCAKIT_OK ||
		    tag != CCAKIT_CORIM_TAG_COMID)
			continue;
		if ((r = ccakit_corim_comid(c, i, &m, d)) != CCAKIT_OK ||
		    (r = ccakit_comid_to_json(m, &text)) != CCAKIT_OK)
			goto out;
		ccakit_comid_free(&m);
		j = json_loads(text, 0, &je);
		free(text);
		text = NULL;
		if (j == NULL) {
			r = CCAKIT_ERR_NOMEM;
			goto out;
		}
		r = comid_rvs(kv, j, exp, until, &count, d);
		json_decref(j);
		if (r != CCAKIT_OK)
			goto out;
	}
	r = CCAKIT_OK;
out:
	ccakit_comid_free(&m);
	ccakit_corim_free(&c);
	return r;
}

#define SWID_NS "http://standards.iso.org/iso/19770/-2/2015/schema.xsd"
#define RIMIM_NS "https://trustedcomputinggroup.org/resource/" \
	"tcg-reference-integrity-manifest-rim-information-model/"
#define SHA384_NS "http://www.w3.org/2001/04/xmlenc#sha384"

/* The hashes of a Measurement resource, a new JSON array (maybe empty);
 * NULL when out of memory. */
static json_t *
swid_hashes(const ccakit_xml_elem *res)
{
	char attr[32];
	const char *h;
	json_t *arr;
	size_t i;

	if ((arr = json_array()) == NULL)
		return NULL;
	for (i = 0;; i++) {
		(void)snprintf(attr, sizeof(attr), "Hash%zu", i);
		if ((h = ccakit_xml_attr(res, SHA384_NS, attr)) == NULL)
			return arr;
		/* Only '0': no measurement at this index. */
		if (h[strspn(h, "0")] == '\0')
			continue;
		if (json_array_append_new(arr, json_string(h)) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
}

/* The "swid" extractor: p (n bytes) is the manifest. */
static int
swid_rvs(kbs_kv *kv, const uint8_t *p, size_t n, const char *exp,
    time_t until, struct ccakit_errdetail *d)
{
	const ccakit_xml_elem *root, *meta, *payload, *res;
	const char *manu, *edition, *type, *index;
	ccakit_xml *x = NULL;
	json_t *rvs = NULL, *arr;
	char *rvname = NULL, *c;
	size_t len;
	int r;

	if ((r = ccakit_xml_parse((const char *)p, n, NULL, NULL, &x, d)) !=
	    CCAKIT_OK) {
		char why[sizeof(d->text)];

		(void)snprintf(why, sizeof(why), "%s", d->text);
		return bad(d, r, "reference value manifest (XML): %.400s", why);
	}
	root = ccakit_xml_root(x);
	if ((meta = ccakit_xml_find(root, NULL, SWID_NS, "Meta")) == NULL) {
		r = bad(d, CCAKIT_ERR_NOT_FOUND, "Could not find meta "
		    "information.");
		goto out;
	}
	if ((manu = ccakit_xml_attr(meta, RIMIM_NS,
	    "PlatformManufacturerStr")) == NULL) {
		r = bad(d, CCAKIT_ERR_NOT_FOUND, "Could not find manufacturer "
		    "information.");
		goto out;
	}
	if ((edition = ccakit_xml_attr(meta, NULL, "edition")) == NULL) {
		r = bad(d, CCAKIT_ERR_NOT_FOUND, "Could not find edition "
		    "information.");
		goto out;
	}
	if ((payload = ccakit_xml_find(root, NULL, SWID_NS, "Payload")) ==
	    NULL) {
		r = bad(d, CCAKIT_ERR_NOT_FOUND, "Could not find SWID payload.");
		goto out;
	}
	if ((rvs = json_object()) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	for (res = ccakit_xml_find(payload, NULL, SWID_NS, "Resource");
	    res != NULL; res = ccakit_xml_find(payload, res, SWID_NS,
	    "Resource")) {
		type = ccakit_xml_attr(res, NULL, "type");
		if (type == NULL || strcmp(type, "Measurement") != 0)
			continue;
		if ((index = ccakit_xml_attr(res, NULL, "index")) == NULL) {
			r = bad(d, CCAKIT_ERR_NOT_FOUND, "Could not find "
			    "measurement name");
			goto out;
		}
		len = strlen(manu) + strlen(edition) + strlen(index) +
		    sizeof("..measurement_");
		free(rvname);
		if ((rvname = malloc(len)) == NULL) {
			r = CCAKIT_ERR_NOMEM;
			goto out;
		}
		(void)snprintf(rvname, len, "%s.%s.measurement_%s", manu,
		    edition, index);
		/* The manufacturer's spaces; every dash (Rego does not like
		 * them). */
		for (c = rvname; c < rvname + strlen(manu); c++)
			if (*c == ' ')
				*c = '_';
		for (c = rvname; *c != '\0'; c++)
			if (*c == '-')
				*c = '_';
		if ((arr = swid_hashes(res)) == NULL) {
			r = CCAKIT_ERR_NOMEM;
			goto out;
		}
		/* No non-zero hash: skipped (no collision between manifests
		 * of one TCB). A later resource of the same name wins. */
		if (json_array_size(arr) == 0) {
			json_decref(arr);
			continue;
		}
		if (json_object_set_new(rvs, rvname, arr) != 0) {
			r = CCAKIT_ERR_NOMEM;
			goto out;
		}
	}
	r = store_rvs(kv, rvs, exp, until, d);
out:
	free(rvname);
	json_decref(rvs);
	ccakit_xml_free(&x);
	return r;
}

int
kbs_rvps_register(struct kbs *k, const char *msg, size_t len,
    struct ccakit_errdetail *d)
{
	const char *version = "0.1.0", *type, *payload;
	char exp[32];
	uint8_t *p = NULL;
	json_t *m = NULL, *rvs = NULL, *v;
	json_error_t je;
	size_t n, plen;
	time_t until;
	kbs_kv *kv = kbs_store_ns(k->store, KBS_NS_REFVAL);
	int r;

	if ((m = json_loadb(msg, len, JSON_REJECT_DUPLICATES, &je)) == NULL ||
	    !json_is_object(m)) {
		r = bad(d, CCAKIT_ERR_JSON, "parse message: %s", m == NULL ?
		    je.text : "not an object");
		goto out;
	}
	if ((v = json_object_get(m, "version")) != NULL) {
		if (!json_is_string(v)) {
			r = bad(d, CCAKIT_ERR_JSON, "parse message: version");
			goto out;
		}
		version = json_string_value(v);
	}
	if (!json_is_string(json_object_get(m, "payload")) ||
	    !json_is_string(json_object_get(m, "type"))) {
		r = bad(d, CCAKIT_ERR_JSON, "parse message: missing field "
		    "`%s`", !json_is_string(json_object_get(m, "payload")) ?
		    "payload" : "type");
		goto out;
	}
	if (strcmp(version, "0.1.0") != 0) {
		r = bad(d, CCAKIT_ERR_JSON, "Version unmatched! Need 0.1.0, "
		    "given %.40s.", version);
		goto out;
	}
	type = json_string_value(json_object_get(m, "type"));
	payload = json_string_value(json_object_get(m, "payload"));
	plen = strlen(payload);
	if (strcmp(type, "sample") != 0 && strcmp(type, "corim") != 0 &&
	    strcmp(type, "swid") != 0) {
		r = bad(d, CCAKIT_ERR_CONFIG, "Could not find extractor for "
		    "%.40s", type);
		goto out;
	}
	if (plen > RVPS_PAYLOAD_MAX || (p = malloc(plen + 1)) == NULL) {
		r = bad(d, CCAKIT_ERR_TOO_LARGE, "payload too large");
		goto out;
	}
	if (ccakit_b64_decode(payload, plen, CCAKIT_B64_STD, p, plen + 1,
	    &n) != 0) {
		r = bad(d, CCAKIT_ERR_ENCODING, "base64 decode");
		goto out;
	}
	until = expiry(time(NULL), exp, sizeof(exp));
	if (strcmp(type, "corim") == 0) {
		r = corim_rvs(kv, p, n, exp, until, d);
		goto out;
	}
	if (strcmp(type, "swid") == 0) {
		r = swid_rvs(kv, p, n, exp, until, d);
		goto out;
	}
	if ((rvs = json_loadb((char *)p, n, JSON_REJECT_DUPLICATES, &je)) ==
	    NULL || !json_is_object(rvs)) {
		r = bad(d, CCAKIT_ERR_JSON, "deseralize sample provenance");
		goto out;
	}
	r = store_rvs(kv, rvs, exp, until, d);
out:
	free(p);
	json_decref(rvs);
	json_decref(m);
	return r;
}

int
kbs_rvps_query(struct kbs *k, const char *id, char **json,
    struct ccakit_errdetail *d)
{
	struct kbs_val v;
	json_error_t je;
	json_t *rec, *val;
	time_t until;
	int r;

	memset(&v, 0, sizeof(v));
	if ((r = kbs_kv_get(kbs_store_ns(k->store, KBS_NS_REFVAL),
	    KBS_NS_REFVAL, id, &v, d)) != CCAKIT_OK)
		return r;
	rec = json_loadb((char *)v.p, v.len, 0, &je);
	kbs_val_clear(&v);
	if (!json_is_object(rec) || (val = json_object_get(rec, "value")) ==
	    NULL || !json_is_string(json_object_get(rec, "expiration")) ||
	    !parse_time(json_string_value(json_object_get(rec, "expiration")),
	    &until)) {
		json_decref(rec);
		return bad(d, CCAKIT_ERR_IO, "deserialize reference value");
	}
	if (time(NULL) > until) {
		json_decref(rec);
		return CCAKIT_ERR_NOT_FOUND;
	}
	*json = json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(rec);
	return *json != NULL ? CCAKIT_OK : CCAKIT_ERR_NOMEM;
}
