/*
 * CoRIM and CoMID decoding: strict CBOR (lib/cbor) checked against the
 * CDDL of draft-ietf-rats-corim and turned into the model of
 * corim_priv.h. Every failure names where it happened
 * ("tags[0].comid.triples.reference-triples[0].measurements[1]...").
 *
 * Strictness (docs/corim.md): maps the CDDL closes refuse unknown keys;
 * maps it leaves open ($$...-extension) keep them verbatim; type sockets
 * ($...-type-choice) accept the choices the drafts define, with their
 * content checked, and any other tag as an extension, kept verbatim;
 * untagged alternatives the CDDL does not allow are refused.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <ccakit/cbor.h>
#include <ccakit/corim.h>
#include <ccakit/err.h>

#include "corim/corim_priv.h"
#include "util/util.h"

#define MAL CCAKIT_ERR_CORIM_MALFORMED

struct dx {
	struct cki_arena *a;
	struct ccakit_errdetail *d;
};

static int bad(struct dx *x, const char *ctx, const char *fmt, ...)
    CKI_PRINTF(3, 4);

static int
bad(struct dx *x, const char *ctx, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cki_detail(x->d, MAL, "corim", "%s: %s", ctx, msg);
}

static int
nomem(struct dx *x)
{
	return cki_detail(x->d, CCAKIT_ERR_NOMEM, NULL, "out of memory");
}

/* --- arena helpers --- */

void *
cki_corim_alloc(struct cki_arena *a, size_t n, size_t sz)
{
	void *p;

	if (n == 0)
		return NULL;
	if (sz != 0 && n > SIZE_MAX / sz)
		return NULL;
	if ((p = cki_arena_alloc(a, n * sz)) != NULL)
		memset(p, 0, n * sz);
	return p;
}

uint8_t *
cki_corim_dup(struct cki_arena *a, const void *p, size_t n)
{
	uint8_t *q;

	if ((q = cki_arena_alloc(a, n + 1)) == NULL)
		return NULL;
	if (n > 0)
		memcpy(q, p, n);
	q[n] = 0;
	return q;
}

struct cki_text
cki_corim_text(struct cki_arena *a, const char *s, size_t len)
{
	struct cki_text t = { NULL, 0 };

	if (s != NULL && (t.s = (const char *)cki_corim_dup(a, s, len)) !=
	    NULL)
		t.len = len;
	return t;
}

/* --- item views --- */

struct cki_ci
cki_ci_of(const struct ccakit_cbor_item *it)
{
	struct cki_ci c = { it->enc, it->enclen };

	return c;
}

bool
cki_ci_item(struct cki_ci ci, struct ccakit_cbor_item *it)
{
	struct ccakit_cbor_limits lim = { 24, CKI_CORIM_MAX_ITEMS,
	    CKI_CORIM_MAX_PAIRS };

	if (ci.p == NULL)
		return false;
	return ccakit_cbor_parse(ci.p, ci.len, &lim, it, NULL) == CCAKIT_OK;
}

bool
cki_ci_tag(struct cki_ci ci, uint64_t *tag, struct ccakit_cbor_item *c)
{
	struct ccakit_cbor_item it;

	if (!cki_ci_item(ci, &it) || it.type != CCAKIT_CBOR_TAG)
		return false;
	*tag = it.u;
	ccakit_cbor_tag_content(&it, c);
	return true;
}

bool
cki_ci_tagged_bytes(struct cki_ci ci, uint64_t tag, struct ccakit_bytes *b)
{
	struct ccakit_cbor_item c;
	uint64_t t;

	if (!cki_ci_tag(ci, &t, &c) || t != tag || c.type != CCAKIT_CBOR_BSTR)
		return false;
	b->ptr = c.data;
	b->len = (size_t)c.u;
	return true;
}

bool
cki_ci_is_text(struct cki_ci ci, const char *s)
{
	struct ccakit_cbor_item it;

	return cki_ci_item(ci, &it) && it.type == CCAKIT_CBOR_TSTR &&
	    it.u == strlen(s) && memcmp(it.data, s, (size_t)it.u) == 0;
}

/* --- algorithms (IANA Named Information Hash Algorithm Registry) --- */

static const struct {
	int64_t id;
	const char *name;
	size_t len;
} algs[] = {
	{ 1, "sha-256", 32 },
	{ 2, "sha-256-128", 16 },
	{ 3, "sha-256-120", 15 },
	{ 4, "sha-256-96", 12 },
	{ 5, "sha-256-64", 8 },
	{ 6, "sha-256-32", 4 },
	{ 7, "sha-384", 48 },
	{ 8, "sha-512", 64 },
	{ 9, "sha3-224", 28 },
	{ 10, "sha3-256", 32 },
	{ 11, "sha3-384", 48 },
	{ 12, "sha3-512", 64 },
};

size_t
cki_corim_alg_len(int64_t alg)
{
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (algs[i].id == alg)
			return algs[i].len;
	return 0;
}

int64_t
cki_corim_alg_from_name(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strlen(algs[i].name) == len &&
		    memcmp(algs[i].name, s, len) == 0)
			return algs[i].id;
	return -1;
}

const char *
cki_corim_alg_name(int64_t alg)
{
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (algs[i].id == alg)
			return algs[i].name;
	return NULL;
}

/* --- small checkers --- */

static const char *
typename(const struct ccakit_cbor_item *it)
{
	static const char *const names[] = { "uint", "negative int",
	    "bstr", "tstr", "array", "map", "tag", "simple value", "float" };

	return names[it->type];
}

static int
want(struct dx *x, const struct ccakit_cbor_item *it, enum ccakit_cbor_type t,
    const char *ctx, const char *what)
{
	if (it->type != t)
		return bad(x, ctx, "%s: expected %s, got %s", what,
		    t == CCAKIT_CBOR_TSTR ? "a text string" :
		    t == CCAKIT_CBOR_BSTR ? "a byte string" :
		    t == CCAKIT_CBOR_ARRAY ? "an array" :
		    t == CCAKIT_CBOR_MAP ? "a map" :
		    t == CCAKIT_CBOR_UINT ? "an unsigned integer" : "a tag",
		    typename(it));
	return CCAKIT_OK;
}

static int
get_text(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx,
    const char *what, struct cki_text *t)
{
	int r;

	if ((r = want(x, it, CCAKIT_CBOR_TSTR, ctx, what)) != CCAKIT_OK)
		return r;
	t->s = (const char *)it->data;
	t->len = (size_t)it->u;
	if (t->s == NULL)
		t->s = "";
	return CCAKIT_OK;
}

static int
get_uint(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx,
    const char *what, uint64_t *v)
{
	int r;

	if ((r = want(x, it, CCAKIT_CBOR_UINT, ctx, what)) != CCAKIT_OK)
		return r;
	*v = it->u;
	return CCAKIT_OK;
}

static int
get_int(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx,
    const char *what, int64_t *v)
{
	if (ccakit_cbor_get_int(it, v) != CCAKIT_OK)
		return bad(x, ctx, "%s: expected an integer, got %s", what,
		    typename(it));
	return CCAKIT_OK;
}

static int
get_bytes(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx,
    const char *what, struct ccakit_bytes *b)
{
	int r;

	if ((r = want(x, it, CCAKIT_CBOR_BSTR, ctx, what)) != CCAKIT_OK)
		return r;
	b->ptr = it->data;
	b->len = (size_t)it->u;
	return CCAKIT_OK;
}

/* A non-empty array; *n its length. */
static int
get_array(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx,
    const char *what, bool nonempty, size_t *n)
{
	int r;

	if ((r = want(x, it, CCAKIT_CBOR_ARRAY, ctx, what)) != CCAKIT_OK)
		return r;
	if (nonempty && it->u == 0)
		return bad(x, ctx, "%s: empty array", what);
	*n = (size_t)it->u;
	return CCAKIT_OK;
}

static int
get_map(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx,
    const char *what, bool nonempty)
{
	int r;

	if ((r = want(x, it, CCAKIT_CBOR_MAP, ctx, what)) != CCAKIT_OK)
		return r;
	if (nonempty && it->u == 0)
		return bad(x, ctx, "%s: empty map", what);
	return CCAKIT_OK;
}

/* A map key as an int for the known-key switch; false for others. */
static bool
int_key(const struct ccakit_cbor_item *k, int64_t *v)
{
	return ccakit_cbor_get_int(k, v) == CCAKIT_OK;
}

static void
key_str(const struct ccakit_cbor_item *k, char *buf, size_t sz)
{
	int64_t v;

	if (int_key(k, &v))
		(void)snprintf(buf, sz, "%lld", (long long)v);
	else if (k->type == CCAKIT_CBOR_TSTR)
		(void)snprintf(buf, sz, "\"%.*s\"",
		    k->u > 40 ? 40 : (int)k->u, (const char *)k->data);
	else
		(void)snprintf(buf, sz, "of type %s", typename(k));
}

static int
unknown_key(struct dx *x, const char *ctx, const struct ccakit_cbor_item *k)
{
	char ks[64];

	key_str(k, ks, sizeof(ks));
	return bad(x, ctx, "unknown key %s", ks);
}

/* Keep an extension pair (int or text key). */
static int
add_ext(struct dx *x, struct cki_exts *e, size_t cap,
    const struct ccakit_cbor_item *k, const struct ccakit_cbor_item *v,
    const char *ctx)
{
	int64_t iv;

	if (!int_key(k, &iv) && k->type != CCAKIT_CBOR_TSTR)
		return unknown_key(x, ctx, k);
	if (e->v == NULL &&
	    (e->v = cki_corim_alloc(x->a, cap, sizeof(*e->v))) == NULL)
		return nomem(x);
	e->v[e->n].key = cki_ci_of(k);
	e->v[e->n].val = cki_ci_of(v);
	e->n++;
	return CCAKIT_OK;
}

#define CTX 320                 /* a context: where in the CBOR */

static void
sub(char *out, size_t sz, const char *ctx, const char *fmt, ...)
    CKI_PRINTF(4, 5);

/* out = ctx + "." or "[..]" suffix. */
static void
sub(char *out, size_t sz, const char *ctx, const char *fmt, ...)
{
	char tail[96];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(tail, sizeof(tail), fmt, ap);
	va_end(ap);
	if (ctx[0] == '\0')
		(void)snprintf(out, sz, "%s", tail[0] == '.' ? tail + 1 : tail);
	else
		(void)snprintf(out, sz, "%s%s", ctx, tail);
}

/*
 * A non-empty array decoded element by element: an arena array of its n
 * elements of sz bytes in *out, one() on each, the k-th with the context
 * ctx + sfx + "[k]".
 */
static int
get_list(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx,
    const char *sfx, const char *what, size_t sz,
    int (*one)(struct dx *, const struct ccakit_cbor_item *, const char *,
    void *), void **out, size_t *nout)
{
	struct ccakit_cbor_item e;
	struct ccakit_cbor_iter i;
	char c[CTX];
	uint8_t *p;
	size_t n, k = 0;
	int r;

	*out = NULL;
	*nout = 0;
	if ((r = get_array(x, it, ctx, what, true, &n)) != CCAKIT_OK)
		return r;
	if ((p = cki_corim_alloc(x->a, n, sz)) == NULL)
		return nomem(x);
	*out = p;
	*nout = n;
	ccakit_cbor_iter_init(&i, it);
	while (ccakit_cbor_iter_next(&i, &e)) {
		sub(c, sizeof(c), ctx, "%s[%zu]", sfx, k);
		if ((r = one(x, &e, c, p + k * sz)) != CCAKIT_OK)
			return r;
		k++;
	}
	return CCAKIT_OK;
}


/* --- type choices --- */

/* Any tag: its number and content (a tag as content is refused). */
static int
get_tag(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx,
    const char *what, uint64_t *tag, struct ccakit_cbor_item *c)
{
	int r;

	if ((r = want(x, it, CCAKIT_CBOR_TAG, ctx, what)) != CCAKIT_OK)
		return r;
	*tag = it->u;
	ccakit_cbor_tag_content(it, c);
	return CCAKIT_OK;
}

static int
tagged_bstr(struct dx *x, const struct ccakit_cbor_item *c, uint64_t tag,
    const char *ctx, const char *what, size_t exact)
{
	if (c->type != CCAKIT_CBOR_BSTR)
		return bad(x, ctx, "%s: #6.%llu must hold a byte string, "
		    "got %s", what, (unsigned long long)tag, typename(c));
	if (exact != 0 && c->u != exact)
		return bad(x, ctx, "%s: #6.%llu must hold %zu bytes, got %llu",
		    what, (unsigned long long)tag, exact,
		    (unsigned long long)c->u);
	return CCAKIT_OK;
}

static char *oid_string(struct cki_arena *a, const uint8_t *p, size_t n);

/* #6.111: a bstr holding a well-formed OID (BER content octets). */
static int
check_oid(struct dx *x, const struct ccakit_cbor_item *c, const char *ctx,
    const char *what)
{
	struct cki_arena a;
	bool ok;
	int r;

	if ((r = tagged_bstr(x, c, CKI_TAG_OID, ctx, what, 0)) != CCAKIT_OK)
		return r;
	cki_arena_init(&a, 1024);
	ok = oid_string(&a, c->data, (size_t)c->u) != NULL;
	cki_arena_free(&a);
	if (!ok)
		return bad(x, ctx, "%s: #6.111 does not hold a well-formed "
		    "OID", what);
	return CCAKIT_OK;
}

/* digest = [alg: int / tstr, val: bstr] */
static int
check_digest(struct dx *x, const struct ccakit_cbor_item *it,
    const char *ctx, struct cki_digest *out)
{
	struct ccakit_cbor_item alg, val;
	struct ccakit_cbor_iter i;
	struct cki_digest dg;
	size_t n, want_len = 0;
	int64_t a;
	int r;

	memset(&dg, 0, sizeof(dg));
	if ((r = get_array(x, it, ctx, "digest", false, &n)) != CCAKIT_OK)
		return r;
	if (n != 2)
		return bad(x, ctx, "digest: expected [alg, value], got %zu "
		    "elements", n);
	ccakit_cbor_iter_init(&i, it);
	(void)ccakit_cbor_iter_next(&i, &alg);
	(void)ccakit_cbor_iter_next(&i, &val);
	if (alg.type == CCAKIT_CBOR_TSTR) {
		dg.alg_text = true;
		dg.alg_name.s = (const char *)alg.data;
		dg.alg_name.len = (size_t)alg.u;
		/* Text names are open ($hash-alg-id-type-choice, a tstr):
		 * the length is checked for the names of the registry. */
		a = cki_corim_alg_from_name(dg.alg_name.s, dg.alg_name.len);
		if (alg.u == 0)
			return bad(x, ctx, "digest: empty algorithm name");
	} else if (int_key(&alg, &a)) {
		dg.alg = a;
		if (cki_corim_alg_len(a) == 0)
			return bad(x, ctx, "digest: unknown algorithm %lld",
			    (long long)a);
	} else
		return bad(x, ctx, "digest: algorithm must be an integer "
		    "or a text string, got %s", typename(&alg));
	if ((r = get_bytes(x, &val, ctx, "digest value", &dg.val)) !=
	    CCAKIT_OK)
		return r;
	if (a < 0) {
		if (dg.val.len == 0)
			return bad(x, ctx, "digest: empty value");
	} else if (dg.val.len != (want_len = cki_corim_alg_len(a)))
		return bad(x, ctx, "digest: %s value of %zu bytes, expected "
		    "%zu", cki_corim_alg_name(a), dg.val.len, want_len);
	if (out != NULL)
		*out = dg;
	return CCAKIT_OK;
}

/* digests = [+ digest] */
static int
get_digests(struct dx *x, const struct ccakit_cbor_item *it,
    const char *ctx, struct cki_digests *out)
{
	struct ccakit_cbor_item e;
	struct ccakit_cbor_iter i;
	char c[CTX];
	size_t n, k = 0;
	int r;

	if ((r = get_array(x, it, ctx, "digests", true, &n)) != CCAKIT_OK)
		return r;
	if (out != NULL) {
		if ((out->v = cki_corim_alloc(x->a, n, sizeof(*out->v))) ==
		    NULL)
			return nomem(x);
		out->n = n;
	}
	ccakit_cbor_iter_init(&i, it);
	while (ccakit_cbor_iter_next(&i, &e)) {
		sub(c, sizeof(c), ctx, "[%zu]", k);
		if ((r = check_digest(x, &e, c, out ? &out->v[k] : NULL)) !=
		    CCAKIT_OK)
			return r;
		k++;
	}
	return CCAKIT_OK;
}

int
cki_corim_check_digests(const struct ccakit_cbor_item *it, const char *ctx,
    struct ccakit_errdetail *d)
{
	struct dx x = { NULL, d };

	return get_digests(&x, it, ctx, NULL);
}

/* digest or [+ digest] (locator thumbprints) */
static int
digest_or_digests(struct dx *x, const struct ccakit_cbor_item *it,
    const char *ctx)
{
	struct ccakit_cbor_item first;
	struct ccakit_cbor_iter i;

	if (it->type == CCAKIT_CBOR_ARRAY && it->u > 0) {
		ccakit_cbor_iter_init(&i, it);
		(void)ccakit_cbor_iter_next(&i, &first);
		if (first.type == CCAKIT_CBOR_ARRAY)
			return get_digests(x, it, ctx, NULL);
	}
	return check_digest(x, it, ctx, NULL);
}

static int
check_key(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx)
{
	struct ccakit_cbor_item c;
	uint64_t tag;
	int r;

	if ((r = get_tag(x, it, ctx, "crypto-key", &tag, &c)) != CCAKIT_OK)
		return r;
	switch (tag) {
	case CKI_TAG_PKIX_KEY:
	case CKI_TAG_PKIX_CERT:
	case CKI_TAG_PKIX_CERT_PATH:
		if (c.type != CCAKIT_CBOR_TSTR)
			return bad(x, ctx, "crypto-key #6.%llu must hold a "
			    "text string (PEM), got %s",
			    (unsigned long long)tag, typename(&c));
		return CCAKIT_OK;
	case CKI_TAG_KEY_THUMB:
	case CKI_TAG_CERT_THUMB:
	case CKI_TAG_CERT_PATH_THUMB:
		return check_digest(x, &c, ctx, NULL);
	case CKI_TAG_COSE_KEY:
		if (c.type != CCAKIT_CBOR_MAP)
			return bad(x, ctx, "crypto-key #6.558 must hold a "
			    "COSE_Key map, got %s", typename(&c));
		return CCAKIT_OK;
	case CKI_TAG_BYTES:
	case CKI_TAG_PKIX_ASN1DER:
		return tagged_bstr(x, &c, tag, ctx, "crypto-key", 0);
	default:
		return CCAKIT_OK;	/* an extension */
	}
}

int
cki_corim_check_key(const struct ccakit_cbor_item *it, const char *ctx,
    struct ccakit_errdetail *d)
{
	struct dx x = { NULL, d };

	return check_key(&x, it, ctx);
}

/* [+ crypto-key] into the arena */
static int
get_keys(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx,
    const char *what, struct cki_ci **keys, size_t *nk)
{
	struct ccakit_cbor_item e;
	struct ccakit_cbor_iter i;
	char c[CTX];
	size_t n, k = 0;
	int r;

	if ((r = get_array(x, it, ctx, what, true, &n)) != CCAKIT_OK)
		return r;
	if ((*keys = cki_corim_alloc(x->a, n, sizeof(**keys))) == NULL)
		return nomem(x);
	ccakit_cbor_iter_init(&i, it);
	while (ccakit_cbor_iter_next(&i, &e)) {
		sub(c, sizeof(c), ctx, ".%s[%zu]", what, k);
		if ((r = check_key(x, &e, c)) != CCAKIT_OK)
			return r;
		(*keys)[k++] = cki_ci_of(&e);
	}
	*nk = n;
	return CCAKIT_OK;
}

/* #6.32(tstr) */
static int
check_uri(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx,
    const char *what)
{
	struct ccakit_cbor_item c;
	uint64_t tag;
	int r;

	if ((r = get_tag(x, it, ctx, what, &tag, &c)) != CCAKIT_OK)
		return r;
	if (tag != CKI_TAG_URI || c.type != CCAKIT_CBOR_TSTR)
		return bad(x, ctx, "%s: expected #6.32(text)", what);
	return CCAKIT_OK;
}

/* tstr / uuid (bstr .size 16): tag-id, corim-id, linked-tag-id */
static int
check_id(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx,
    const char *what)
{
	if (it->type == CCAKIT_CBOR_TSTR)
		return CCAKIT_OK;
	if (it->type == CCAKIT_CBOR_BSTR) {
		if (it->u != 16)
			return bad(x, ctx, "%s: a byte string id must be a "
			    "16-byte UUID, got %llu bytes", what,
			    (unsigned long long)it->u);
		return CCAKIT_OK;
	}
	return bad(x, ctx, "%s: expected a text string or a UUID, got %s",
	    what, typename(it));
}

static int
check_class_id(struct dx *x, const struct ccakit_cbor_item *it,
    const char *ctx)
{
	struct ccakit_cbor_item c;
	uint64_t tag;
	int r;

	if ((r = get_tag(x, it, ctx, "class-id", &tag, &c)) != CCAKIT_OK)
		return r;
	switch (tag) {
	case CKI_TAG_OID:
		return check_oid(x, &c, ctx, "class-id");
	case CKI_TAG_BYTES:
	case CKI_TAG_CCA_IMPL_ID:
		return tagged_bstr(x, &c, tag, ctx, "class-id", 0);
	case CKI_TAG_UUID:
		return tagged_bstr(x, &c, tag, ctx, "class-id", 16);
	default:
		return CCAKIT_OK;
	}
}

static int
check_instance(struct dx *x, const struct ccakit_cbor_item *it,
    const char *ctx, const char *what)
{
	struct ccakit_cbor_item c;
	uint64_t tag;
	int r;

	if ((r = get_tag(x, it, ctx, what, &tag, &c)) != CCAKIT_OK)
		return r;
	switch (tag) {
	case CKI_TAG_UEID:
		if ((r = tagged_bstr(x, &c, tag, ctx, what, 0)) != CCAKIT_OK)
			return r;
		if (c.u < 7 || c.u > 33)
			return bad(x, ctx, "%s: a UEID is 7 to 33 bytes, got "
			    "%llu", what, (unsigned long long)c.u);
		return CCAKIT_OK;
	case CKI_TAG_UUID:
		return tagged_bstr(x, &c, tag, ctx, what, 16);
	case CKI_TAG_BYTES:
		return tagged_bstr(x, &c, tag, ctx, what, 0);
	case CKI_TAG_PKIX_KEY:
	case CKI_TAG_PKIX_CERT:
	case CKI_TAG_PKIX_CERT_PATH:
	case CKI_TAG_KEY_THUMB:
	case CKI_TAG_COSE_KEY:
	case CKI_TAG_CERT_THUMB:
	case CKI_TAG_CERT_PATH_THUMB:
	case CKI_TAG_PKIX_ASN1DER:
		return check_key(x, it, ctx);
	default:
		return CCAKIT_OK;
	}
}

/* --- environment --- */

static int
get_class(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx,
    struct cki_class *cl)
{
	struct ccakit_cbor_item k, v;
	struct ccakit_cbor_iter i;
	char c[CTX];
	int64_t key;
	int r;

	sub(c, sizeof(c), ctx, ".class");
	if ((r = get_map(x, it, c, "class", true)) != CCAKIT_OK)
		return r;
	ccakit_cbor_iter_init(&i, it);
	while (ccakit_cbor_iter_next(&i, &k) && ccakit_cbor_iter_next(&i, &v)) {
		if (!int_key(&k, &key))
			return unknown_key(x, c, &k);
		switch (key) {
		case 0:
			if ((r = check_class_id(x, &v, c)) != CCAKIT_OK)
				return r;
			cl->id = cki_ci_of(&v);
			break;
		case 1:
			r = get_text(x, &v, c, "vendor", &cl->vendor);
			break;
		case 2:
			r = get_text(x, &v, c, "model", &cl->model);
			break;
		case 3:
			cl->has_layer = true;
			r = get_uint(x, &v, c, "layer", &cl->layer);
			break;
		case 4:
			cl->has_index = true;
			r = get_uint(x, &v, c, "index", &cl->index);
			break;
		default:
			return unknown_key(x, c, &k);
		}
		if (r != CCAKIT_OK)
			return r;
	}
	return CCAKIT_OK;
}

static int
get_env(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx,
    struct cki_env *env)
{
	struct ccakit_cbor_item k, v, c;
	struct ccakit_cbor_iter i;
	char cx[CTX];
	uint64_t tag;
	int64_t key;
	int r;

	sub(cx, sizeof(cx), ctx, ".environment");
	if ((r = get_map(x, it, cx, "environment", true)) != CCAKIT_OK)
		return r;
	ccakit_cbor_iter_init(&i, it);
	while (ccakit_cbor_iter_next(&i, &k) && ccakit_cbor_iter_next(&i, &v)) {
		if (!int_key(&k, &key))
			return unknown_key(x, cx, &k);
		switch (key) {
		case 0:
			env->has_class = true;
			r = get_class(x, &v, cx, &env->class);
			break;
		case 1:
			if ((r = check_instance(x, &v, cx, "instance")) ==
			    CCAKIT_OK)
				env->instance = cki_ci_of(&v);
			break;
		case 2:
			if ((r = get_tag(x, &v, cx, "group", &tag, &c)) !=
			    CCAKIT_OK)
				break;
			if (tag == CKI_TAG_UUID)
				r = tagged_bstr(x, &c, tag, cx, "group", 16);
			else if (tag == CKI_TAG_BYTES)
				r = tagged_bstr(x, &c, tag, cx, "group", 0);
			env->group = cki_ci_of(&v);
			break;
		default:
			return unknown_key(x, cx, &k);
		}
		if (r != CCAKIT_OK)
			return r;
	}
	return CCAKIT_OK;
}

/* --- measurements --- */

static int
get_version(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx,
    struct cki_mval *mv)
{
	struct ccakit_cbor_item k, v;
	struct ccakit_cbor_iter i;
	bool seen = false;
	int64_t key;
	int r;

	if ((r = get_map(x, it, ctx, "version", true)) != CCAKIT_OK)
		return r;
	ccakit_cbor_iter_init(&i, it);
	while (ccakit_cbor_iter_next(&i, &k) && ccakit_cbor_iter_next(&i, &v)) {
		if (!int_key(&k, &key) || key < 0 || key > 1)
			return unknown_key(x, ctx, &k);
		if (key == 0) {
			seen = true;
			r = get_text(x, &v, ctx, "version", &mv->version);
		} else {
			mv->has_vscheme = true;
			r = get_int(x, &v, ctx, "version-scheme",
			    &mv->vscheme);
		}
		if (r != CCAKIT_OK)
			return r;
	}
	if (!seen)
		return bad(x, ctx, "version: missing version (key 0)");
	return CCAKIT_OK;
}

static int
check_svn(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx)
{
	struct ccakit_cbor_item c;

	if (it->type == CCAKIT_CBOR_UINT)
		return CCAKIT_OK;
	if (it->type == CCAKIT_CBOR_TAG &&
	    (it->u == CKI_TAG_SVN || it->u == CKI_TAG_MIN_SVN)) {
		ccakit_cbor_tag_content(it, &c);
		if (c.type == CCAKIT_CBOR_UINT)
			return CCAKIT_OK;
	}
	return bad(x, ctx, "svn: expected an unsigned integer, #6.552(uint) "
	    "or #6.553(uint)");
}

static int
get_flags(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx,
    struct cki_mval *mv)
{
	struct ccakit_cbor_item k, v;
	struct ccakit_cbor_iter i;
	char c[CTX];
	int64_t key;
	int r;

	sub(c, sizeof(c), ctx, ".flags");
	if ((r = get_map(x, it, c, "flags", false)) != CCAKIT_OK)
		return r;
	ccakit_cbor_iter_init(&i, it);
	while (ccakit_cbor_iter_next(&i, &k) && ccakit_cbor_iter_next(&i, &v)) {
		if (int_key(&k, &key) && key >= 0 && key < CKI_NFLAGS) {
			if (v.type != CCAKIT_CBOR_SIMPLE ||
			    (v.u != 20 && v.u != 21))
				return bad(x, c, "flag %lld: expected a "
				    "boolean", (long long)key);
			mv->flags[key] = v.u == 21 ? 2 : 1;
			continue;
		}
		if ((r = add_ext(x, &mv->flags_ext, (size_t)it->u, &k, &v,
		    c)) != CCAKIT_OK)
			return r;
	}
	return CCAKIT_OK;
}

static int
check_raw(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx)
{
	struct ccakit_cbor_item c, e;
	struct ccakit_cbor_iter i;
	uint64_t tag;
	int r;

	if ((r = get_tag(x, it, ctx, "raw-value", &tag, &c)) != CCAKIT_OK)
		return r;
	switch (tag) {
	case CKI_TAG_BYTES:
		return tagged_bstr(x, &c, tag, ctx, "raw-value", 0);
	case CKI_TAG_MASKED_RAW:
		if (c.type != CCAKIT_CBOR_ARRAY || c.u != 2)
			return bad(x, ctx, "raw-value: #6.563 must hold "
			    "[value, mask]");
		ccakit_cbor_iter_init(&i, &c);
		while (ccakit_cbor_iter_next(&i, &e))
			if (e.type != CCAKIT_CBOR_BSTR)
				return bad(x, ctx, "raw-value: #6.563 value "
				    "and mask must be byte strings");
		return CCAKIT_OK;
	default:
		return CCAKIT_OK;
	}
}

static int
check_int_range(struct dx *x, const struct ccakit_cbor_item *it,
    const char *ctx)
{
	struct ccakit_cbor_item c, e;
	struct ccakit_cbor_iter i;
	int64_t v;

	if (int_key(it, &v))
		return CCAKIT_OK;
	if (it->type == CCAKIT_CBOR_TAG && it->u == CKI_TAG_INT_RANGE) {
		ccakit_cbor_tag_content(it, &c);
		if (c.type == CCAKIT_CBOR_ARRAY && c.u == 2) {
			ccakit_cbor_iter_init(&i, &c);
			while (ccakit_cbor_iter_next(&i, &e))
				if (!int_key(&e, &v) &&
				    !(e.type == CCAKIT_CBOR_SIMPLE &&
				    e.u == 22))
					goto fail;
			return CCAKIT_OK;
		}
	}
 fail:
	return bad(x, ctx, "int-range: expected an integer or "
	    "#6.564([min / null, max / null])");
}

static int
get_iregs(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx,
    struct cki_mval *mv)
{
	struct ccakit_cbor_item k, v;
	struct ccakit_cbor_iter i;
	char c[CTX], ks[64];
	size_t n = 0;
	int r;

	if ((r = get_map(x, it, ctx, "integrity-registers", true)) !=
	    CCAKIT_OK)
		return r;
	if ((mv->iregs = cki_corim_alloc(x->a, (size_t)it->u,
	    sizeof(*mv->iregs))) == NULL)
		return nomem(x);
	ccakit_cbor_iter_init(&i, it);
	while (ccakit_cbor_iter_next(&i, &k) && ccakit_cbor_iter_next(&i, &v)) {
		if (k.type != CCAKIT_CBOR_UINT && k.type != CCAKIT_CBOR_TSTR)
			return bad(x, ctx, "integrity-registers: a register "
			    "is named by an unsigned integer or a text "
			    "string, got %s", typename(&k));
		key_str(&k, ks, sizeof(ks));
		sub(c, sizeof(c), ctx, ".integrity-registers[%s]", ks);
		mv->iregs[n].key = cki_ci_of(&k);
		if ((r = get_digests(x, &v, c, &mv->iregs[n].d)) != CCAKIT_OK)
			return r;
		n++;
	}
	mv->n_iregs = n;
	return CCAKIT_OK;
}

static int
get_mval(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx,
    struct cki_mval *mv)
{
	struct ccakit_cbor_item k, v;
	struct ccakit_cbor_iter i;
	char c[CTX], dc[CTX];
	int64_t key;
	int r;

	sub(c, sizeof(c), ctx, ".mval");
	if ((r = get_map(x, it, c, "measurement-values-map", true)) !=
	    CCAKIT_OK)
		return r;
	ccakit_cbor_iter_init(&i, it);
	while (ccakit_cbor_iter_next(&i, &k) && ccakit_cbor_iter_next(&i, &v)) {
		if (!int_key(&k, &key) || key < 0 || key > 15 || key == 12) {
			if ((r = add_ext(x, &mv->ext, (size_t)it->u, &k, &v,
			    c)) != CCAKIT_OK)
				return r;
			continue;
		}
		mv->present |= 1u << key;
		switch (key) {
		case 0:
			r = get_version(x, &v, c, mv);
			break;
		case 1:
			if ((r = check_svn(x, &v, c)) == CCAKIT_OK)
				mv->svn = cki_ci_of(&v);
			break;
		case 2:
			sub(dc, sizeof(dc), c, ".digests");
			r = get_digests(x, &v, dc, &mv->digests);
			break;
		case 3:
			r = get_flags(x, &v, c, mv);
			break;
		case 4:
			if ((r = check_raw(x, &v, c)) == CCAKIT_OK)
				mv->raw = cki_ci_of(&v);
			break;
		case 5:
			r = get_bytes(x, &v, c, "raw-value-mask",
			    &mv->raw_mask);
			break;
		case 6:
			if ((r = get_bytes(x, &v, c, "mac-addr", &mv->mac)) ==
			    CCAKIT_OK && mv->mac.len != 6 && mv->mac.len != 8)
				r = bad(x, c, "mac-addr: 6 or 8 bytes, got "
				    "%zu", mv->mac.len);
			break;
		case 7:
			if ((r = get_bytes(x, &v, c, "ip-addr", &mv->ip)) ==
			    CCAKIT_OK && mv->ip.len != 4 && mv->ip.len != 16)
				r = bad(x, c, "ip-addr: 4 or 16 bytes, got "
				    "%zu", mv->ip.len);
			break;
		case 8:
			r = get_text(x, &v, c, "serial-number", &mv->serial);
			break;
		case 9:
			if ((r = get_bytes(x, &v, c, "ueid", &mv->ueid)) ==
			    CCAKIT_OK && (mv->ueid.len < 7 ||
			    mv->ueid.len > 33))
				r = bad(x, c, "ueid: 7 to 33 bytes, got %zu",
				    mv->ueid.len);
			break;
		case 10:
			if ((r = get_bytes(x, &v, c, "uuid", &mv->uuid)) ==
			    CCAKIT_OK && mv->uuid.len != 16)
				r = bad(x, c, "uuid: 16 bytes, got %zu",
				    mv->uuid.len);
			break;
		case 11:
			r = get_text(x, &v, c, "name", &mv->name);
			break;
		case 13:
			r = get_keys(x, &v, c, "cryptokeys", &mv->keys,
			    &mv->n_keys);
			break;
		case 14:
			r = get_iregs(x, &v, c, mv);
			break;
		case 15:
			if ((r = check_int_range(x, &v, c)) == CCAKIT_OK)
				mv->int_range = cki_ci_of(&v);
			break;
		default:
			r = CCAKIT_ERR_INTERNAL;
			break;
		}
		if (r != CCAKIT_OK)
			return r;
	}
	return CCAKIT_OK;
}

static int
check_mkey(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx)
{
	struct ccakit_cbor_item c;

	switch (it->type) {
	case CCAKIT_CBOR_UINT:
	case CCAKIT_CBOR_TSTR:
		return CCAKIT_OK;
	case CCAKIT_CBOR_TAG:
		ccakit_cbor_tag_content(it, &c);
		if (it->u == CKI_TAG_UUID)
			return tagged_bstr(x, &c, it->u, ctx, "mkey", 16);
		if (it->u == CKI_TAG_OID)
			return check_oid(x, &c, ctx, "mkey");
		return CCAKIT_OK;
	default:
		return bad(x, ctx, "mkey: expected an unsigned integer, a text "
		    "string or a tag, got %s", typename(it));
	}
}

static int
get_meas(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx,
    void *out)
{
	struct cki_meas *m = out;
	struct ccakit_cbor_item k, v;
	struct ccakit_cbor_iter i;
	bool has_mval = false;
	int64_t key;
	int r;

	if ((r = get_map(x, it, ctx, "measurement-map", true)) != CCAKIT_OK)
		return r;
	ccakit_cbor_iter_init(&i, it);
	while (ccakit_cbor_iter_next(&i, &k) && ccakit_cbor_iter_next(&i, &v)) {
		if (!int_key(&k, &key) || key < 0 || key > 2)
			return unknown_key(x, ctx, &k);
		if (key == 0) {
			if ((r = check_mkey(x, &v, ctx)) == CCAKIT_OK)
				m->mkey = cki_ci_of(&v);
		} else if (key == 1) {
			has_mval = true;
			r = get_mval(x, &v, ctx, &m->mval);
		} else {
			m->has_authby = true;
			r = get_keys(x, &v, ctx, "authorized-by", &m->authby,
			    &m->n_authby);
		}
		if (r != CCAKIT_OK)
			return r;
	}
	if (!has_mval)
		return bad(x, ctx, "missing mval (key 1)");
	return CCAKIT_OK;
}

/* [environment-map, [+ measurement-map]] */
static int
get_vtriple(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx,
    void *out)
{
	struct cki_vtriple *t = out;
	struct ccakit_cbor_item env, ms;
	struct ccakit_cbor_iter i;
	char c[CTX];
	size_t n;
	void *p;
	int r;

	if ((r = get_array(x, it, ctx, "triple", false, &n)) != CCAKIT_OK)
		return r;
	if (n != 2)
		return bad(x, ctx, "expected [environment, measurements], got "
		    "%zu elements", n);
	ccakit_cbor_iter_init(&i, it);
	(void)ccakit_cbor_iter_next(&i, &env);
	(void)ccakit_cbor_iter_next(&i, &ms);
	if ((r = get_env(x, &env, ctx, &t->env)) != CCAKIT_OK)
		return r;
	sub(c, sizeof(c), ctx, ".measurements");
	r = get_list(x, &ms, c, "", "measurements", sizeof(*t->m), get_meas,
	    &p, &t->n);
	t->m = p;
	return r;
}

/* [environment-map, [+ crypto-key], ? conditions] */
static int
get_ktriple(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx,
    void *out)
{
	struct cki_ktriple *t = out;
	struct ccakit_cbor_item env, keys, cond;
	struct ccakit_cbor_iter i;
	size_t n;
	int r;

	if ((r = get_array(x, it, ctx, "triple", false, &n)) != CCAKIT_OK)
		return r;
	if (n != 2 && n != 3)
		return bad(x, ctx, "expected [environment, keys, "
		    "?conditions], got %zu elements", n);
	ccakit_cbor_iter_init(&i, it);
	(void)ccakit_cbor_iter_next(&i, &env);
	(void)ccakit_cbor_iter_next(&i, &keys);
	if ((r = get_env(x, &env, ctx, &t->env)) != CCAKIT_OK ||
	    (r = get_keys(x, &keys, ctx, "keys", &t->keys, &t->n_keys)) !=
	    CCAKIT_OK)
		return r;
	if (n == 3) {
		(void)ccakit_cbor_iter_next(&i, &cond);
		if ((r = get_map(x, &cond, ctx, "conditions", false)) !=
		    CCAKIT_OK)
			return r;
		t->conditions = cki_ci_of(&cond);
	}
	return CCAKIT_OK;
}

static const char *
triples_name(int64_t key)
{
	switch (key) {
	case 0:
		return "reference-triples";
	case 1:
		return "endorsed-triples";
	case 2:
		return "identity-triples";
	case 3:
		return "attest-key-triples";
	case 4:
		return "dependency-triples";
	case 5:
		return "membership-triples";
	case 6:
		return "coswid-triples";
	case 8:
		return "conditional-endorsement-series-triples";
	case 10:
		return "conditional-endorsement-triples";
	default:
		return NULL;
	}
}

static int
get_vtriples(struct dx *x, const struct ccakit_cbor_item *it,
    const char *ctx, struct cki_vtriple **out, size_t *nout)
{
	void *p;
	int r;

	r = get_list(x, it, ctx, "", "triples", sizeof(**out), get_vtriple,
	    &p, nout);
	*out = p;
	return r;
}

static int
get_ktriples(struct dx *x, const struct ccakit_cbor_item *it,
    const char *ctx, struct cki_ktriple **out, size_t *nout)
{
	void *p;
	int r;

	r = get_list(x, it, ctx, "", "triples", sizeof(**out), get_ktriple,
	    &p, nout);
	*out = p;
	return r;
}

static int
get_triples(struct dx *x, const struct ccakit_cbor_item *it,
    const char *ctx, struct cki_triples *t)
{
	struct ccakit_cbor_item k, v;
	struct ccakit_cbor_iter i;
	const char *name;
	char c[CTX];
	int64_t key;
	size_t n;
	int r;

	if ((r = get_map(x, it, ctx, "triples", true)) != CCAKIT_OK)
		return r;
	ccakit_cbor_iter_init(&i, it);
	while (ccakit_cbor_iter_next(&i, &k) && ccakit_cbor_iter_next(&i, &v)) {
		if (!int_key(&k, &key) || (name = triples_name(key)) == NULL) {
			if ((r = add_ext(x, &t->other, (size_t)it->u, &k, &v,
			    ctx)) != CCAKIT_OK)
				return r;
			continue;
		}
		sub(c, sizeof(c), ctx, ".%s", name);
		switch (key) {
		case 0:
			t->has_ref = true;
			r = get_vtriples(x, &v, c, &t->ref, &t->n_ref);
			break;
		case 1:
			t->has_end = true;
			r = get_vtriples(x, &v, c, &t->end, &t->n_end);
			break;
		case 2:
			t->has_ident = true;
			r = get_ktriples(x, &v, c, &t->ident, &t->n_ident);
			break;
		case 3:
			t->has_ak = true;
			r = get_ktriples(x, &v, c, &t->ak, &t->n_ak);
			break;
		default:
			/* Not used by CCA: checked as an array, kept. */
			if ((r = get_array(x, &v, c, name, true, &n)) ==
			    CCAKIT_OK)
				r = add_ext(x, &t->other, (size_t)it->u, &k,
				    &v, c);
			break;
		}
		if (r != CCAKIT_OK)
			return r;
	}
	return CCAKIT_OK;
}

/* corim-entity-map / comid-entity-map */
static int
get_entity(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx,
    void *out)
{
	struct cki_entity *e = out;
	struct ccakit_cbor_item k, v, rl;
	struct ccakit_cbor_iter i, j;
	bool has_name = false, has_role = false;
	int64_t key;
	size_t n, m = 0;
	int r;

	if ((r = get_map(x, it, ctx, "entity", true)) != CCAKIT_OK)
		return r;
	ccakit_cbor_iter_init(&i, it);
	while (ccakit_cbor_iter_next(&i, &k) && ccakit_cbor_iter_next(&i, &v)) {
		if (!int_key(&k, &key) || key < 0 || key > 2) {
			if ((r = add_ext(x, &e->ext, (size_t)it->u, &k, &v,
			    ctx)) != CCAKIT_OK)
				return r;
			continue;
		}
		switch (key) {
		case 0:
			has_name = true;
			r = get_text(x, &v, ctx, "entity-name", &e->name);
			break;
		case 1:
			if ((r = check_uri(x, &v, ctx, "reg-id")) == CCAKIT_OK)
				e->regid = cki_ci_of(&v);
			break;
		default:
			has_role = true;
			if ((r = get_array(x, &v, ctx, "role", true, &n)) !=
			    CCAKIT_OK)
				break;
			if ((e->roles = cki_corim_alloc(x->a, n,
			    sizeof(*e->roles))) == NULL)
				return nomem(x);
			ccakit_cbor_iter_init(&j, &v);
			while (r == CCAKIT_OK && ccakit_cbor_iter_next(&j, &rl))
				r = get_uint(x, &rl, ctx, "role",
				    &e->roles[m++]);
			e->n_roles = n;
			break;
		}
		if (r != CCAKIT_OK)
			return r;
	}
	if (!has_name)
		return bad(x, ctx, "missing entity-name (key 0)");
	if (!has_role)
		return bad(x, ctx, "missing role (key 2)");
	return CCAKIT_OK;
}

static int
get_entities(struct dx *x, const struct ccakit_cbor_item *it,
    const char *ctx, struct cki_entity **out, size_t *nout)
{
	void *p;
	int r;

	r = get_list(x, it, ctx, ".entities", "entities", sizeof(**out),
	    get_entity, &p, nout);
	*out = p;
	return r;
}

/* --- CoMID --- */

static int
get_tag_identity(struct dx *x, const struct ccakit_cbor_item *it,
    const char *ctx, ccakit_comid *c)
{
	struct ccakit_cbor_item k, v;
	struct ccakit_cbor_iter i;
	char cx[CTX];
	bool has_id = false;
	int64_t key;
	int r;

	sub(cx, sizeof(cx), ctx, ".tag-identity");
	if ((r = get_map(x, it, cx, "tag-identity", true)) != CCAKIT_OK)
		return r;
	ccakit_cbor_iter_init(&i, it);
	while (ccakit_cbor_iter_next(&i, &k) && ccakit_cbor_iter_next(&i, &v)) {
		if (!int_key(&k, &key) || key < 0 || key > 1)
			return unknown_key(x, cx, &k);
		if (key == 0) {
			has_id = true;
			if ((r = check_id(x, &v, cx, "tag-id")) == CCAKIT_OK)
				c->tag_id = cki_ci_of(&v);
		} else {
			c->has_tag_version = true;
			r = get_uint(x, &v, cx, "tag-version",
			    &c->tag_version);
		}
		if (r != CCAKIT_OK)
			return r;
	}
	if (!has_id)
		return bad(x, cx, "missing tag-id (key 0)");
	return CCAKIT_OK;
}

static int
get_linked(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx,
    ccakit_comid *c)
{
	struct ccakit_cbor_item e, k, v;
	struct ccakit_cbor_iter i, j;
	char cx[CTX];
	size_t n, m = 0;
	bool has_id, has_rel;
	int64_t key;
	int r;

	sub(cx, sizeof(cx), ctx, ".linked-tags");
	if ((r = get_array(x, it, cx, "linked-tags", true, &n)) != CCAKIT_OK)
		return r;
	if ((c->linked = cki_corim_alloc(x->a, n, sizeof(*c->linked))) ==
	    NULL)
		return nomem(x);
	c->n_linked = n;
	c->has_linked = true;
	ccakit_cbor_iter_init(&i, it);
	while (ccakit_cbor_iter_next(&i, &e)) {
		sub(cx, sizeof(cx), ctx, ".linked-tags[%zu]", m);
		if ((r = get_map(x, &e, cx, "linked-tag", true)) != CCAKIT_OK)
			return r;
		has_id = has_rel = false;
		ccakit_cbor_iter_init(&j, &e);
		while (ccakit_cbor_iter_next(&j, &k) &&
		    ccakit_cbor_iter_next(&j, &v)) {
			if (!int_key(&k, &key) || key < 0 || key > 1)
				return unknown_key(x, cx, &k);
			if (key == 0) {
				has_id = true;
				if ((r = check_id(x, &v, cx,
				    "linked-tag-id")) == CCAKIT_OK)
					c->linked[m].id = cki_ci_of(&v);
			} else {
				has_rel = true;
				r = get_uint(x, &v, cx, "tag-rel",
				    &c->linked[m].rel);
			}
			if (r != CCAKIT_OK)
				return r;
		}
		if (!has_id || !has_rel)
			return bad(x, cx, "linked-tag needs linked-tag-id and "
			    "tag-rel");
		m++;
	}
	return CCAKIT_OK;
}

static int
comid_from_item(struct dx *x, const struct ccakit_cbor_item *it,
    const char *ctx, ccakit_comid *c)
{
	struct ccakit_cbor_item k, v;
	struct ccakit_cbor_iter i;
	bool has_ti = false, has_tr = false;
	char cx[CTX];
	int64_t key;
	int r;

	if ((r = get_map(x, it, ctx[0] ? ctx : "comid", "concise-mid-tag",
	    true)) != CCAKIT_OK)
		return r;
	ccakit_cbor_iter_init(&i, it);
	while (ccakit_cbor_iter_next(&i, &k) && ccakit_cbor_iter_next(&i, &v)) {
		if (!int_key(&k, &key) || key < 0 || key > 4) {
			if ((r = add_ext(x, &c->ext, (size_t)it->u, &k, &v,
			    ctx)) != CCAKIT_OK)
				return r;
			continue;
		}
		switch (key) {
		case 0:
			r = get_text(x, &v, ctx, "language", &c->lang);
			break;
		case 1:
			has_ti = true;
			r = get_tag_identity(x, &v, ctx, c);
			break;
		case 2:
			r = get_entities(x, &v, ctx, &c->ent, &c->n_ent);
			break;
		case 3:
			r = get_linked(x, &v, ctx, c);
			break;
		default:
			has_tr = true;
			sub(cx, sizeof(cx), ctx, ".triples");
			r = get_triples(x, &v, cx, &c->t);
			break;
		}
		if (r != CCAKIT_OK)
			return r;
	}
	if (!has_ti)
		return bad(x, ctx[0] ? ctx : "comid",
		    "missing tag-identity (key 1)");
	if (!has_tr)
		return bad(x, ctx[0] ? ctx : "comid",
		    "missing triples (key 4)");
	return CCAKIT_OK;
}

/*
 * No text string of a CoRIM may hold a NUL character: names, versions,
 * keys and URIs become C strings (the stores, JSON), where a NUL would
 * silently cut them. Items nest at most 24 deep (the parse limit).
 */
static bool
has_nul_text(const struct ccakit_cbor_item *it)
{
	struct ccakit_cbor_item c;
	struct ccakit_cbor_iter i;

	switch (it->type) {
	case CCAKIT_CBOR_TSTR:
		return it->u > 0 && memchr(it->data, 0, (size_t)it->u) != NULL;
	case CCAKIT_CBOR_ARRAY:
	case CCAKIT_CBOR_MAP:
	case CCAKIT_CBOR_TAG:
		ccakit_cbor_iter_init(&i, it);
		while (ccakit_cbor_iter_next(&i, &c))
			if (has_nul_text(&c))
				return true;
		return false;
	default:
		return false;
	}
}

static int
parse(struct dx *x, const uint8_t *buf, size_t len, const char *ctx,
    struct ccakit_cbor_item *top)
{
	struct ccakit_cbor_limits lim = { 24, CKI_CORIM_MAX_ITEMS,
	    CKI_CORIM_MAX_PAIRS };
	size_t off = 0;
	int r;

	if ((r = ccakit_cbor_parse(buf, len, &lim, top, &off)) != CCAKIT_OK)
		return cki_detail(x->d, r, "corim", "%s: %s at offset %zu",
		    ctx, ccakit_strerror(r), off);
	if (has_nul_text(top))
		return bad(x, ctx, "a text string holds a NUL character");
	return CCAKIT_OK;
}

/*
 * Decode a CoMID whose bytes already live in c's arena (the caller
 * copied them): an untagged map or #6.506(map).
 */
int
cki_comid_decode_into(ccakit_comid *c, const uint8_t *buf, size_t len,
    struct ccakit_errdetail *d)
{
	struct dx x = { &c->arena, d };
	struct ccakit_cbor_item top, in;
	int r;

	if ((r = parse(&x, buf, len, "comid", &top)) != CCAKIT_OK)
		return r;
	if (top.type == CCAKIT_CBOR_TAG && top.u == CCAKIT_CORIM_TAG_COMID) {
		ccakit_cbor_tag_content(&top, &in);
		top = in;
	}
	return comid_from_item(&x, &top, "", c);
}

/* --- CoRIM --- */

/* Dotted form of a BER OID (content octets). */
static char *
oid_string(struct cki_arena *a, const uint8_t *p, size_t n)
{
	char *s, tmp[24];
	size_t o = 0, i, cap;
	uint64_t v = 0;
	bool first = true;

	if (n == 0 || n > 128 || (p[n - 1] & 0x80) != 0)
		return NULL;
	cap = n * 4 + 8;
	if ((s = cki_arena_alloc(a, cap)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (v > (UINT64_MAX >> 7))
			return NULL;
		/* An arc's first byte may not be 0x80 (not minimal). */
		if (v == 0 && p[i] == 0x80)
			return NULL;
		v = v << 7 | (p[i] & 0x7f);
		if (p[i] & 0x80)
			continue;
		if (first) {
			(void)snprintf(tmp, sizeof(tmp), "%u.%llu",
			    v < 40 ? 0 : v < 80 ? 1 : 2,
			    (unsigned long long)(v < 80 ? v % 40 : v - 80));
			first = false;
		} else
			(void)snprintf(tmp, sizeof(tmp), ".%llu",
			    (unsigned long long)v);
		if (o + strlen(tmp) + 1 > cap)
			return NULL;
		memcpy(s + o, tmp, strlen(tmp));
		o += strlen(tmp);
		v = 0;
	}
	s[o] = '\0';
	return s;
}

char *
cki_corim_profile_string(struct cki_arena *a, struct cki_ci prof)
{
	struct ccakit_cbor_item it, c;
	struct ccakit_cbor_iter i;

	if (!cki_ci_item(prof, &it))
		return NULL;
	if (it.type == CCAKIT_CBOR_ARRAY) {	/* very old: first profile */
		ccakit_cbor_iter_init(&i, &it);
		if (!ccakit_cbor_iter_next(&i, &c))
			return NULL;
		it = c;
	}
	if (it.type == CCAKIT_CBOR_TAG) {
		ccakit_cbor_tag_content(&it, &c);
		if (it.u == CKI_TAG_OID && c.type == CCAKIT_CBOR_BSTR)
			return oid_string(a, c.data, (size_t)c.u);
		it = c;
	}
	if (it.type != CCAKIT_CBOR_TSTR)
		return NULL;
	return (char *)cki_corim_dup(a, it.data, (size_t)it.u);
}

static int
check_profile(struct dx *x, const struct ccakit_cbor_item *it,
    const char *ctx, enum ccakit_corim_profile_form *form)
{
	struct ccakit_cbor_item c;
	struct ccakit_cbor_iter i;
	int r;

	*form = CCAKIT_CORIM_PROFILE_AS_IS;
	switch (it->type) {
	case CCAKIT_CBOR_TSTR:
		*form = CCAKIT_CORIM_PROFILE_TEXT;
		return CCAKIT_OK;
	case CCAKIT_CBOR_ARRAY:		/* draft <= -02: [+ profile] */
		if (it->u == 0)
			return bad(x, ctx, "profile: empty array");
		ccakit_cbor_iter_init(&i, it);
		while (ccakit_cbor_iter_next(&i, &c))
			if (c.type != CCAKIT_CBOR_TSTR &&
			    (r = check_uri(x, &c, ctx, "profile")) !=
			    CCAKIT_OK)
				return r;
		return CCAKIT_OK;
	case CCAKIT_CBOR_TAG:
		ccakit_cbor_tag_content(it, &c);
		if (it->u == CKI_TAG_URI && c.type == CCAKIT_CBOR_TSTR) {
			*form = CCAKIT_CORIM_PROFILE_URI;
			return CCAKIT_OK;
		}
		if (it->u == CKI_TAG_OID && c.type == CCAKIT_CBOR_BSTR &&
		    oid_string(x->a, c.data, (size_t)c.u) != NULL)
			return CCAKIT_OK;
		return bad(x, ctx, "profile: expected #6.32(uri) or "
		    "#6.111(oid)");
	default:
		return bad(x, ctx, "profile: expected #6.32(uri), #6.111(oid) "
		    "or a text string, got %s", typename(it));
	}
}

static int
get_time(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx,
    const char *what, int64_t *t)
{
	struct ccakit_cbor_item c;

	if (it->type != CCAKIT_CBOR_TAG || it->u != CKI_TAG_EPOCH)
		return bad(x, ctx, "%s: expected #6.1(epoch seconds)", what);
	ccakit_cbor_tag_content(it, &c);
	return get_int(x, &c, ctx, what, t);
}

/* validity-map = {? 0: not-before, 1: not-after} */
static int
get_validity(struct dx *x, const struct ccakit_cbor_item *it,
    const char *ctx, bool *has_nb, int64_t *nb, int64_t *na)
{
	struct ccakit_cbor_item k, v;
	struct ccakit_cbor_iter i;
	bool has_na = false;
	int64_t key;
	int r;

	if ((r = get_map(x, it, ctx, "validity", true)) != CCAKIT_OK)
		return r;
	ccakit_cbor_iter_init(&i, it);
	while (ccakit_cbor_iter_next(&i, &k) && ccakit_cbor_iter_next(&i, &v)) {
		if (!int_key(&k, &key) || key < 0 || key > 1)
			return unknown_key(x, ctx, &k);
		if (key == 0) {
			*has_nb = true;
			r = get_time(x, &v, ctx, "not-before", nb);
		} else {
			has_na = true;
			r = get_time(x, &v, ctx, "not-after", na);
		}
		if (r != CCAKIT_OK)
			return r;
	}
	if (!has_na)
		return bad(x, ctx, "validity: missing not-after (key 1)");
	return CCAKIT_OK;
}

static int
get_locators(struct dx *x, const struct ccakit_cbor_item *it,
    const char *ctx, ccakit_corim *c)
{
	struct ccakit_cbor_item e, k, v, u;
	struct ccakit_cbor_iter i, j, l;
	char cx[CTX];
	size_t n, m = 0;
	int64_t key;
	int r;

	if ((r = get_array(x, it, ctx, "dependent-rims", true, &n)) !=
	    CCAKIT_OK)
		return r;
	if ((c->deps = cki_corim_alloc(x->a, n, sizeof(*c->deps))) == NULL)
		return nomem(x);
	c->n_deps = n;
	ccakit_cbor_iter_init(&i, it);
	while (ccakit_cbor_iter_next(&i, &e)) {
		sub(cx, sizeof(cx), ctx, ".dependent-rims[%zu]", m);
		if ((r = get_map(x, &e, cx, "locator", true)) != CCAKIT_OK)
			return r;
		ccakit_cbor_iter_init(&j, &e);
		while (ccakit_cbor_iter_next(&j, &k) &&
		    ccakit_cbor_iter_next(&j, &v)) {
			if (!int_key(&k, &key) || key < 0 || key > 1)
				return unknown_key(x, cx, &k);
			if (key == 0) {
				if (v.type == CCAKIT_CBOR_ARRAY) {
					if (v.u == 0)
						return bad(x, cx, "href: "
						    "empty array");
					ccakit_cbor_iter_init(&l, &v);
					while (ccakit_cbor_iter_next(&l, &u))
						if ((r = check_uri(x, &u, cx,
						    "href")) != CCAKIT_OK)
							return r;
				} else if ((r = check_uri(x, &v, cx,
				    "href")) != CCAKIT_OK)
					return r;
				c->deps[m].href = cki_ci_of(&v);
			} else {
				if ((r = digest_or_digests(x, &v, cx)) !=
				    CCAKIT_OK)
					return r;
				c->deps[m].thumb = cki_ci_of(&v);
			}
		}
		if (c->deps[m].href.p == NULL)
			return bad(x, cx, "locator: missing href (key 0)");
		m++;
	}
	return CCAKIT_OK;
}

static int
add_tag_entry(struct dx *x, ccakit_corim *c, uint64_t tag, bool legacy,
    const uint8_t *p, size_t len, const char *ctx)
{
	struct ccakit_cbor_item in;
	struct cki_ctag *t;
	ccakit_comid *m;
	int r;

	if (tag < CCAKIT_CORIM_TAG_COSWID || tag > CCAKIT_CORIM_TAG_COTL)
		return bad(x, ctx, "unknown concise tag #6.%llu (expected "
		    "505 CoSWID, 506 CoMID, 507 CoTS or 508 CoTL)",
		    (unsigned long long)tag);
	t = &c->tags[c->n_tags];
	memset(t, 0, sizeof(*t));
	t->tag = tag;
	t->legacy_wrap = legacy;
	t->content.ptr = p;
	t->content.len = len;
	if ((r = parse(x, p, len, ctx, &in)) != CCAKIT_OK)
		return r;
	if (tag == CCAKIT_CORIM_TAG_COMID) {
		if ((m = calloc(1, sizeof(*m))) == NULL)
			return nomem(x);
		cki_arena_init(&m->arena, 1024);
		/* The CoMID shares nothing with the CoRIM's arena: copy. */
		t->comid = m;
		c->n_tags++;
		{
			char cx[CTX];
			const uint8_t *q;
			struct dx y = { &m->arena, x->d };

			if ((q = cki_corim_dup(&m->arena, p, len)) == NULL)
				return nomem(x);
			sub(cx, sizeof(cx), ctx, ".comid");
			(void)parse(&y, q, len, cx, &in);
			return comid_from_item(&y, &in, cx, m);
		}
	}
	c->n_tags++;
	return CCAKIT_OK;
}

static int
get_tags(struct dx *x, const struct ccakit_cbor_item *it, const char *ctx,
    ccakit_corim *c)
{
	struct ccakit_cbor_item e, in, inner;
	struct ccakit_cbor_iter i;
	char cx[CTX];
	size_t n, k = 0;
	int r;

	if ((r = get_array(x, it, ctx, "tags", true, &n)) != CCAKIT_OK)
		return r;
	if ((c->tags = cki_corim_alloc(x->a, n, sizeof(*c->tags))) == NULL)
		return nomem(x);
	c->cap_tags = n;
	ccakit_cbor_iter_init(&i, it);
	while (ccakit_cbor_iter_next(&i, &e)) {
		sub(cx, sizeof(cx), ctx, "tags[%zu]", k++);
		if (e.type == CCAKIT_CBOR_TAG) {
			ccakit_cbor_tag_content(&e, &in);
			if (in.type != CCAKIT_CBOR_BSTR)
				return bad(x, cx, "#6.%llu must hold a byte "
				    "string (bstr .cbor), got %s",
				    (unsigned long long)e.u, typename(&in));
			r = add_tag_entry(x, c, e.u, false, in.data,
			    (size_t)in.u, cx);
		} else if (e.type == CCAKIT_CBOR_BSTR) {
			/* pre-2025: bstr(#6.50x(item)) */
			if ((r = parse(x, e.data, (size_t)e.u, cx, &in)) !=
			    CCAKIT_OK)
				return r;
			if (in.type != CCAKIT_CBOR_TAG)
				return bad(x, cx, "a byte string tag entry "
				    "must hold a tagged concise tag");
			ccakit_cbor_tag_content(&in, &inner);
			r = add_tag_entry(x, c, in.u, true, inner.enc,
			    inner.enclen, cx);
		} else
			return bad(x, cx, "expected a tagged concise tag, got "
			    "%s", typename(&e));
		if (r != CCAKIT_OK)
			return r;
	}
	return CCAKIT_OK;
}

/* The unsigned-corim-map (the item after any #6.501). */
static int
corim_from_map(struct dx *x, const struct ccakit_cbor_item *it,
    ccakit_corim *c, bool need_tags)
{
	struct ccakit_cbor_item k, v;
	struct ccakit_cbor_iter i;
	bool has_id = false, has_tags = false;
	int64_t key;
	int r;

	if ((r = get_map(x, it, "corim", "unsigned-corim-map", true)) !=
	    CCAKIT_OK)
		return r;
	ccakit_cbor_iter_init(&i, it);
	while (ccakit_cbor_iter_next(&i, &k) && ccakit_cbor_iter_next(&i, &v)) {
		if (!int_key(&k, &key) || key < 0 || key > 5) {
			if ((r = add_ext(x, &c->ext, (size_t)it->u, &k, &v,
			    "corim")) != CCAKIT_OK)
				return r;
			continue;
		}
		switch (key) {
		case 0:
			has_id = true;
			if ((r = check_id(x, &v, "corim", "corim-id")) ==
			    CCAKIT_OK)
				c->id = cki_ci_of(&v);
			break;
		case 1:
			has_tags = true;
			r = get_tags(x, &v, "", c);
			break;
		case 2:
			r = get_locators(x, &v, "corim", c);
			break;
		case 3:
			if ((r = check_profile(x, &v, "corim", &c->pform)) !=
			    CCAKIT_OK)
				break;
			c->profile = cki_ci_of(&v);
			if ((c->profile_str = cki_corim_profile_string(x->a,
			    c->profile)) == NULL)
				r = bad(x, "corim", "profile: unreadable");
			break;
		case 4:
			c->has_validity = true;
			r = get_validity(x, &v, "corim.rim-validity",
			    &c->has_nb, &c->nb, &c->na);
			break;
		default:
			r = get_entities(x, &v, "corim", &c->ent, &c->n_ent);
			break;
		}
		if (r != CCAKIT_OK)
			return r;
	}
	if (!has_id)
		return bad(x, "corim", "missing corim-id (key 0)");
	if (!has_tags && need_tags)
		return bad(x, "corim", "missing tags (key 1)");
	return CCAKIT_OK;
}

/* An unsigned CoRIM in c's arena: #6.501(map) or (legacy) the map. */
int cki_corim_decode_unsigned(ccakit_corim *c, const uint8_t *buf,
    size_t len, struct ccakit_errdetail *d);

int
cki_corim_decode_unsigned(ccakit_corim *c, const uint8_t *buf, size_t len,
    struct ccakit_errdetail *d)
{
	struct dx x = { &c->arena, d };
	struct ccakit_cbor_item top, in;
	int r;

	if ((r = parse(&x, buf, len, "corim", &top)) != CCAKIT_OK)
		return r;
	if (top.type == CCAKIT_CBOR_TAG) {
		if (top.u != CKI_TAG_UNSIGNED_CORIM)
			return bad(&x, "corim", "expected #6.501 (unsigned "
			    "CoRIM) or #6.18 (signed), got #6.%llu",
			    (unsigned long long)top.u);
		ccakit_cbor_tag_content(&top, &in);
		top = in;
	} else if (top.type == CCAKIT_CBOR_MAP)
		c->legacy_untagged = true;
	else
		return bad(&x, "corim", "expected #6.501 (unsigned CoRIM) or "
		    "#6.18 (signed), got %s", typename(&top));
	return corim_from_map(&x, &top, c, true);
}

/* A corim-map without tags yet (templates): an untagged map in c's
 * arena. */
int cki_corim_decode_template(ccakit_corim *c, const uint8_t *buf,
    size_t len, struct ccakit_errdetail *d);

int
cki_corim_decode_template(ccakit_corim *c, const uint8_t *buf, size_t len,
    struct ccakit_errdetail *d)
{
	struct dx x = { &c->arena, d };
	struct ccakit_cbor_item top;
	int r;

	if ((r = parse(&x, buf, len, "corim", &top)) != CCAKIT_OK)
		return r;
	return corim_from_map(&x, &top, c, false);
}
