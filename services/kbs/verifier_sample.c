/*
 * The sample TEE and the sample device, for tests (Trustee's
 * deps/verifier/src/sample and sample_device at 78962cd): evidence
 * {"svn": string, "report_data": standard base64} whose report data must
 * be exactly the expected bytes; fixed claims. Nothing is signed: a
 * deployment that must not accept it denies "sample" in its policies
 * (Trustee's default resource policy does).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/bytes.h>

#include "kbs.h"

static int
fail(struct ccakit_errdetail *d, int code, const char *text)
{
	d->code = code;
	d->what = "sample";
	snprintf(d->text, sizeof(d->text), "%s", text);
	return code;
}

int
kbs_verify_sample(struct kbs *k, const struct kbs_evidence *ev,
    struct kbs_claims *out, struct ccakit_errdetail *d)
{
	const json_t *svn, *rd;
	const char *rds = "";
	uint8_t buf[256];
	size_t n;
	bool device = ev->tee == RCAR_TEE_SAMPLEDEVICE;
	json_t *q;
	int r;

	(void)k;
	q = json_loadb(ev->evidence, ev->evidence_len, JSON_REJECT_DUPLICATES |
	    JSON_DECODE_ANY, NULL);
	svn = json_object_get(q, "svn");
	rd = json_object_get(q, "report_data");
	if (!json_is_object(q) || !json_is_string(svn) ||
	    (rd != NULL && !json_is_string(rd))) {
		json_decref(q);
		return fail(d, CCAKIT_ERR_JSON, "Deserialize Quote failed.");
	}
	if (rd != NULL)
		rds = json_string_value(rd);
	if (ev->report_data != NULL) {
		if (ccakit_b64_decode(rds, strlen(rds), CCAKIT_B64_STD, buf,
		    sizeof(buf), &n) != 0) {
			r = fail(d, CCAKIT_ERR_ENCODING, "base64 decode "
			    "report data for sample evidence");
			goto out;
		}
		if (n != ev->report_len || memcmp(buf, ev->report_data,
		    n) != 0) {
			r = fail(d, CCAKIT_ERR_CHALLENGE, "REPORT_DATA is "
			    "different from that in Sample Quote");
			goto out;
		}
	}
	if (device)
		out->claims = json_pack("{s:O, s:s}", "svn", svn,
		    "report_data", rds);
	else
		out->claims = json_pack("{s:O, s:s, s:s, s:{s:i, s:i}, s:b}",
		    "svn", svn, "report_data", rds, "launch_digest", "abcde",
		    "platform_version", "major", 1, "minor", 4, "debug", 0);
	if (out->claims == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	/* Sample only: the init-data digest, unverified, for tests. */
	if (!device && ev->init_digest != NULL) {
		char s[4 * 64 / 3 + 8];

		ccakit_b64_encode(ev->init_digest, ev->init_len,
		    CCAKIT_B64_STD, s, sizeof(s));
		json_object_set_new(out->claims, "init_data", json_string(s));
	}
	out->tee_class = device ? "gpu" : "cpu";
	r = CCAKIT_OK;
out:
	json_decref(q);
	return r;
}
