/*
 * Reference values, the RVPS built in (Trustee's rvps at 78962cd;
 * addendum §6): messages {"version":"0.1.0","type":"sample","payload":
 * <standard base64 of {"name": value, ...}>} register each value under
 * its name in namespace reference_value as Trustee stores it:
 * {"version":"0.1.0","name":...,"expiration":"<now + 12 months>",
 *  "value":...}. Unlike Trustee, the expiration is honoured: an expired
 * value is not found (and the state layer purges it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ccakit/bytes.h>

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

int
kbs_rvps_register(struct kbs *k, const char *msg, size_t len,
    struct ccakit_errdetail *d)
{
	const char *version = "0.1.0", *type, *payload, *name;
	char exp[32];
	uint8_t *p = NULL;
	json_t *m = NULL, *rvs = NULL, *v, *rec;
	json_error_t je;
	size_t n, plen;
	time_t until;
	kbs_kv *kv = kbs_store_ns(k->store, KBS_NS_REFVAL);
	char *text;
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
	if (strcmp(type, "swid") == 0 || strcmp(type, "corim") == 0) {
		r = bad(d, CCAKIT_ERR_CONFIG, "the %s extractor is not in this "
		    "build (sample only)", type);
		goto out;
	}
	if (strcmp(type, "sample") != 0) {
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
	if ((rvs = json_loadb((char *)p, n, JSON_REJECT_DUPLICATES, &je)) ==
	    NULL || !json_is_object(rvs)) {
		r = bad(d, CCAKIT_ERR_JSON, "deseralize sample provenance");
		goto out;
	}
	until = expiry(time(NULL), exp, sizeof(exp));
	json_object_foreach(rvs, name, v) {
		if ((rec = json_pack("{s:s, s:s, s:s, s:O}", "version", "0.1.0",
		    "name", name, "expiration", exp, "value", v)) == NULL) {
			r = CCAKIT_ERR_NOMEM;
			goto out;
		}
		text = json_dumps(rec, JSON_COMPACT);
		json_decref(rec);
		if (text == NULL) {
			r = CCAKIT_ERR_NOMEM;
			goto out;
		}
		r = kbs_kv_set(kv, KBS_NS_REFVAL, name, text, strlen(text),
		    (int64_t)until * 1000, true, NULL, d);
		free(text);
		if (r != CCAKIT_OK)
			goto out;
	}
	r = CCAKIT_OK;
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
