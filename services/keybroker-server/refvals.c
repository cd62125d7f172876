/*
 * The demo's reference-values file: {"reference-values": [<RIM>, ...]},
 * each RIM in standard base64 as Veraison's annotated evidence carries it.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "broker.h"
#include "util/util.h"

/* Standard base64 of KBS_REFVAL_MAX_LEN bytes, with its NUL. */
#define B64_MAX (((KBS_REFVAL_MAX_LEN + 2) / 3) * 4 + 1)

struct refval {
	size_t len;
	uint8_t rim[KBS_REFVAL_MAX_LEN];
	char b64[B64_MAX];
};

struct kbs_refvals {
	struct refval *v;
	size_t n, cap;
};

kbs_refvals *
kbs_refvals_new(void)
{
	return calloc(1, sizeof(struct kbs_refvals));
}

void
kbs_refvals_free(kbs_refvals **rp)
{
	kbs_refvals *r;

	if (rp == NULL || (r = *rp) == NULL)
		return;
	free(r->v);
	free(r);
	*rp = NULL;
}

static bool
rim_len_ok(size_t len)
{
	return len == 32 || len == 48 || len == 64;
}

static int
refvals_reserve(kbs_refvals *r, size_t more)
{
	struct refval *nv;
	size_t ncap;

	if (more > KBS_REFVALS_MAX_COUNT - r->n)
		return CCAKIT_ERR_TOO_LARGE;
	if (r->n + more <= r->cap)
		return CCAKIT_OK;
	ncap = r->n + more;
	if ((nv = realloc(r->v, ncap * sizeof(*nv))) == NULL)
		return CCAKIT_ERR_NOMEM;
	r->v = nv;
	r->cap = ncap;
	return CCAKIT_OK;
}

/* Append without checks; room was reserved. */
static void
refvals_push(kbs_refvals *r, const uint8_t *rim, size_t len)
{
	struct refval *e = &r->v[r->n++];

	memset(e, 0, sizeof(*e));
	memcpy(e->rim, rim, len);
	e->len = len;
	(void)ccakit_b64_encode(rim, len, CCAKIT_B64_STD, e->b64,
	    sizeof(e->b64));
}

int
kbs_refvals_add(kbs_refvals *r, const uint8_t *rim, size_t len)
{
	int rc;

	if (r == NULL || rim == NULL || !rim_len_ok(len))
		return CCAKIT_ERR_INVALID_ARG;
	if (kbs_refvals_contains(r, rim, len))
		return CCAKIT_OK;
	if ((rc = refvals_reserve(r, 1)) != CCAKIT_OK)
		return rc;
	refvals_push(r, rim, len);
	return CCAKIT_OK;
}

int
kbs_refvals_load_json(kbs_refvals *r, const char *json, size_t len,
    struct ccakit_errdetail *d)
{
	uint8_t rim[KBS_REFVAL_MAX_LEN];
	const json_t *arr, *v;
	json_error_t jerr;
	json_t *root = NULL;
	size_t i, n0, rlen, slen;
	int rc = CCAKIT_ERR_INTERNAL;

	if (r == NULL || (json == NULL && len > 0))
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (len > KBS_REFVALS_MAX_JSON)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "reference-values",
		    "%zu bytes, at most %d", len, KBS_REFVALS_MAX_JSON);
	if ((root = json_loadb(json != NULL ? json : "", len,
	    JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return cki_detail(d, CCAKIT_ERR_JSON, "reference-values",
		    "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
	n0 = r->n;
	if (!json_is_object(root) || json_object_size(root) != 1 ||
	    (arr = json_object_get(root, "reference-values")) == NULL) {
		rc = cki_detail(d, CCAKIT_ERR_JSON, "reference-values",
		    "expected {\"reference-values\": [...]} and nothing else");
		goto out;
	}
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		rc = cki_detail(d, CCAKIT_ERR_JSON, "reference-values",
		    "expected a non-empty array");
		goto out;
	}
	if ((rc = refvals_reserve(r, json_array_size(arr))) != CCAKIT_OK) {
		rc = cki_detail(d, rc, "reference-values",
		    "more than %d values", KBS_REFVALS_MAX_COUNT);
		goto out;
	}
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v)) {
			rc = cki_detail(d, CCAKIT_ERR_JSON, "reference-values",
			    "value %zu: not a string", i);
			goto out;
		}
		slen = json_string_length(v);
		if (slen > B64_MAX - 1 || ccakit_b64_decode(
		    json_string_value(v), slen, CCAKIT_B64_STD, rim,
		    sizeof(rim), &rlen) != CCAKIT_OK) {
			rc = cki_detail(d, CCAKIT_ERR_ENCODING,
			    "reference-values", "value %zu: not a RIM in "
			    "standard base64", i);
			goto out;
		}
		if (!rim_len_ok(rlen)) {
			rc = cki_detail(d, CCAKIT_ERR_JSON,
			    "reference-values", "value %zu: %zu bytes, not "
			    "32, 48 or 64", i, rlen);
			goto out;
		}
		if (!kbs_refvals_contains(r, rim, rlen))
			refvals_push(r, rim, rlen);
	}
	rc = CCAKIT_OK;
out:
	if (rc != CCAKIT_OK)
		r->n = n0;
	json_decref(root);
	return rc;
}

size_t
kbs_refvals_count(const kbs_refvals *r)
{
	return r != NULL ? r->n : 0;
}

const uint8_t *
kbs_refvals_get(const kbs_refvals *r, size_t i, size_t *len)
{
	if (r == NULL || i >= r->n || len == NULL)
		return NULL;
	*len = r->v[i].len;
	return r->v[i].rim;
}

const char *
kbs_refvals_get_b64(const kbs_refvals *r, size_t i)
{
	if (r == NULL || i >= r->n)
		return NULL;
	return r->v[i].b64;
}

bool
kbs_refvals_contains(const kbs_refvals *r, const uint8_t *rim,
    size_t len)
{
	size_t i;

	if (r == NULL || rim == NULL)
		return false;
	for (i = 0; i < r->n; i++)
		if (r->v[i].len == len && memcmp(r->v[i].rim, rim, len) == 0)
			return true;
	return false;
}
