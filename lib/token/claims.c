/*
 * Helpers shared by the platform and realm claims codecs: type and size
 * checks of single claims, the walk over a claims map, hash algorithm
 * names and digests.
 */
#include <string.h>

#include <openssl/evp.h>

#include <ccakit/cbor.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>

#include "cose/cose_priv.h"
#include "token/token_priv.h"
#include "util/util.h"

/* The ES algorithm whose digest is a's (cose's fetched digests). */
static int
es_alg(enum ccakit_hash_algo a)
{
	switch (a) {
	case CCAKIT_HASH_SHA256:
		return CCAKIT_COSE_ES256;
	case CCAKIT_HASH_SHA384:
		return CCAKIT_COSE_ES384;
	case CCAKIT_HASH_SHA512:
		return CCAKIT_COSE_ES512;
	}
	return 0;
}

int
cki_hash_from_claim(struct ccakit_bytes name, enum ccakit_hash_algo *a)
{
	return ccakit_hash_algo_from_name((const char *)name.ptr, name.len, a);
}

int
cki_hash_digest(enum ccakit_hash_algo a, const uint8_t *p, size_t len,
    uint8_t *md, size_t *mdlen)
{
	const EVP_MD *evp;
	unsigned int n = 0;

	if ((evp = cki_cose_md(es_alg(a))) == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if (EVP_Digest(p, len, md, &n, evp, NULL) != 1 ||
	    n > CKI_DIGEST_MAX)
		return CCAKIT_ERR_CRYPTO;
	*mdlen = n;
	return CCAKIT_OK;
}

static const char *
type_name(enum ccakit_cbor_type t)
{
	switch (t) {
	case CCAKIT_CBOR_UINT:
	case CCAKIT_CBOR_NINT:
		return "int";
	case CCAKIT_CBOR_BSTR:
		return "bstr";
	case CCAKIT_CBOR_TSTR:
		return "tstr";
	case CCAKIT_CBOR_ARRAY:
		return "array";
	case CCAKIT_CBOR_MAP:
		return "map";
	case CCAKIT_CBOR_TAG:
		return "tag";
	case CCAKIT_CBOR_SIMPLE:
		return "simple value";
	case CCAKIT_CBOR_FLOAT:
		return "float";
	}
	return "unknown";
}

/* A byte or text string (t) as a view. */
static int
claim_string(const struct ccakit_cbor_item *v, enum ccakit_cbor_type t,
    const char *what, struct ccakit_bytes *out, struct ccakit_errdetail *d)
{
	if (v->type != t)
		return cki_detail(d, CCAKIT_ERR_CLAIM_TYPE, what,
		    "%s: expecting %s, got %s", what, type_name(t),
		    type_name(v->type));
	out->ptr = v->data;
	out->len = (size_t)v->u;
	return CCAKIT_OK;
}

int
cki_claim_bstr(const struct ccakit_cbor_item *v, const char *what,
    struct ccakit_bytes *out, struct ccakit_errdetail *d)
{
	return claim_string(v, CCAKIT_CBOR_BSTR, what, out, d);
}

int
cki_claim_bstr_nonempty(const struct ccakit_cbor_item *v, const char *what,
    struct ccakit_bytes *out, struct ccakit_errdetail *d)
{
	struct ccakit_bytes b;
	int r;

	if ((r = cki_claim_bstr(v, what, &b, d)) != CCAKIT_OK)
		return r;
	if (b.len == 0)
		return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE, what,
		    "%s: must not be empty", what);
	*out = b;
	return CCAKIT_OK;
}

int
cki_claim_bstr_size(const struct ccakit_cbor_item *v, const char *what,
    size_t size, struct ccakit_bytes *out, struct ccakit_errdetail *d)
{
	struct ccakit_bytes b;
	int r;

	if ((r = cki_claim_bstr(v, what, &b, d)) != CCAKIT_OK)
		return r;
	if (b.len != size)
		return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE, what,
		    "%s: expecting %zu bytes, got %zu", what, size, b.len);
	*out = b;
	return CCAKIT_OK;
}

int
cki_claim_digest(const struct ccakit_cbor_item *v, const char *what,
    struct ccakit_bytes *out, struct ccakit_errdetail *d)
{
	struct ccakit_bytes b;
	int r;

	if ((r = cki_claim_bstr(v, what, &b, d)) != CCAKIT_OK)
		return r;
	if (b.len != 32 && b.len != 48 && b.len != 64)
		return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE, what,
		    "%s: expecting 32, 48 or 64 bytes, got %zu", what, b.len);
	*out = b;
	return CCAKIT_OK;
}

int
cki_claim_ueid(const struct ccakit_cbor_item *v, const char *what,
    struct ccakit_bytes *out, struct ccakit_errdetail *d)
{
	struct ccakit_bytes b;
	int r;

	if ((r = cki_claim_bstr_size(v, what, CKI_UEID_LEN, &b, d)) !=
	    CCAKIT_OK)
		return r;
	if (b.ptr[0] != CKI_UEID_RAND)
		return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE, what,
		    "%s: expecting a RAND UEID (first byte 0x01), got 0x%02x",
		    what, b.ptr[0]);
	*out = b;
	return CCAKIT_OK;
}

int
cki_claim_tstr(const struct ccakit_cbor_item *v, const char *what,
    struct ccakit_bytes *out, struct ccakit_errdetail *d)
{
	return claim_string(v, CCAKIT_CBOR_TSTR, what, out, d);
}

int
cki_claim_hash_alg(const struct ccakit_cbor_item *v, const char *what,
    struct ccakit_bytes *out, struct ccakit_errdetail *d)
{
	struct ccakit_bytes b;
	enum ccakit_hash_algo a;
	int r;

	if ((r = cki_claim_tstr(v, what, &b, d)) != CCAKIT_OK)
		return r;
	if (cki_hash_from_claim(b, &a) != CCAKIT_OK)
		return cki_detail(d, CCAKIT_ERR_CLAIM_VALUE, what,
		    "%s: expecting sha-256, sha-384 or sha-512", what);
	*out = b;
	return CCAKIT_OK;
}

int
cki_claims_map(const uint8_t *buf, size_t len, const char *what,
    struct ccakit_cbor_item *map, struct ccakit_errdetail *d)
{
	struct ccakit_cbor_item top;
	size_t off = 0;
	int r;

	if (len > CCAKIT_TOKEN_MAX_SIZE)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, what,
		    "%s: %zu bytes, the limit is %d", what, len,
		    CCAKIT_TOKEN_MAX_SIZE);
	if ((r = ccakit_cbor_parse(buf, len, NULL, &top, &off)) != CCAKIT_OK)
		return cki_detail(d, r, what, "%s: %s at offset %zu", what,
		    ccakit_strerror(r), off);
	if (top.type != CCAKIT_CBOR_MAP)
		return cki_detail(d, CCAKIT_ERR_CBOR_TYPE, what,
		    "%s: expecting map, got %s", what, type_name(top.type));
	*map = top;
	return CCAKIT_OK;
}

int
cki_claims_profile(const struct ccakit_cbor_item *map,
    const char *const *names, size_t n, const char *kind, int *idx,
    struct ccakit_errdetail *d)
{
	struct ccakit_cbor_item v;
	struct ccakit_bytes s;
	size_t i;
	int r;

	*idx = -1;
	if (!ccakit_cbor_map_get_int(map, CCAKIT_CLAIM_PROFILE, &v))
		return CCAKIT_OK;
	if ((r = cki_claim_tstr(&v, "profile", &s, d)) != CCAKIT_OK)
		return r;
	for (i = 0; i < n; i++) {
		if (names[i] != NULL && cki_bytes_eq(s,
		    (const uint8_t *)names[i], strlen(names[i]))) {
			*idx = (int)i;
			return CCAKIT_OK;
		}
	}
	return cki_detail(d, CCAKIT_ERR_PROFILE_UNKNOWN, "profile",
	    "profile: unknown %s profile \"%.*s\"", kind,
	    s.len > 80 ? 80 : (int)s.len, (const char *)s.ptr);
}

int
cki_claims_walk(const struct ccakit_cbor_item *map, cki_claim_fn *fn,
    void *claims, unsigned *seen, struct ccakit_errdetail *d)
{
	struct ccakit_cbor_iter it;
	struct ccakit_cbor_item k, v;
	unsigned bit;
	int r;

	ccakit_cbor_iter_init(&it, map);
	while (ccakit_cbor_iter_next(&it, &k) &&
	    ccakit_cbor_iter_next(&it, &v)) {
		/* Unknown claims (any key type) are ignored (EAT). */
		if (k.type != CCAKIT_CBOR_UINT ||
		    k.u == CCAKIT_CLAIM_PROFILE)
			continue;
		bit = 0;
		if ((r = fn(k.u, &v, claims, &bit, d)) != CCAKIT_OK)
			return r;
		*seen |= bit;
	}
	return CCAKIT_OK;
}

int
cki_claims_missing(unsigned seen, unsigned required,
    const struct cki_claim_name *names, size_t n, struct ccakit_errdetail *d)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((required & names[i].bit) != 0 &&
		    (seen & names[i].bit) == 0)
			return cki_detail(d, CCAKIT_ERR_CLAIM_MISSING,
			    names[i].name, "missing claim: %s",
			    names[i].name);
	return CCAKIT_OK;
}

size_t
cki_nbits(unsigned m)
{
	size_t n = 0;

	for (; m != 0; m &= m - 1)
		n++;
	return n;
}

bool
cki_cose_key_ok(const uint8_t *p, size_t len)
{
	struct ccakit_cbor_item map, v;
	size_t clen;

	if (ccakit_cbor_parse(p, len, NULL, &map, NULL) != CCAKIT_OK ||
	    map.type != CCAKIT_CBOR_MAP)
		return false;
	/* kty (1) = EC2 (2) */
	if (!ccakit_cbor_map_get_int(&map, 1, &v) ||
	    v.type != CCAKIT_CBOR_UINT || v.u != 2)
		return false;
	/* crv (-1) */
	if (!ccakit_cbor_map_get_int(&map, -1, &v) ||
	    v.type != CCAKIT_CBOR_UINT || v.u > 3 ||
	    (clen = ccakit_cose_crv_coord_len((int)v.u)) == 0)
		return false;
	/* x (-2), y (-3): uncompressed coordinates */
	if (!ccakit_cbor_map_get_int(&map, -2, &v) ||
	    v.type != CCAKIT_CBOR_BSTR || v.u != clen)
		return false;
	if (!ccakit_cbor_map_get_int(&map, -3, &v) ||
	    v.type != CCAKIT_CBOR_BSTR || v.u != clen)
		return false;
	/* d (-4): a public key claim must not carry the private scalar */
	if (ccakit_cbor_map_get_int(&map, -4, &v))
		return false;
	return true;
}

void
cki_put_bytes(struct ccakit_cbor_writer *w, struct ccakit_bytes b)
{
	ccakit_cbor_put_bstr(w, b.ptr, b.len);
}

void
cki_put_text(struct ccakit_cbor_writer *w, struct ccakit_bytes b)
{
	ccakit_cbor_put_tstr(w, (const char *)b.ptr, b.len);
}
