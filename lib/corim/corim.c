/*
 * CoRIM and CoMID objects: construction, decoding entry points, the
 * profiles, tag access.
 */
#include <stdlib.h>
#include <string.h>

#include <ccakit/corim.h>
#include <ccakit/err.h>

#include "corim/corim_priv.h"
#include "util/util.h"

int cki_corim_decode_unsigned(ccakit_corim *c, const uint8_t *buf,
    size_t len, struct ccakit_errdetail *d);
int cki_corim_decode_signed(ccakit_corim *c, const uint8_t *buf, size_t len,
    struct ccakit_errdetail *d);

static const struct {
	enum ccakit_corim_profile p;
	const char *uri;
} profiles[] = {
	{ CCAKIT_CORIM_PROFILE_CCA_PLATFORM, CCAKIT_CORIM_CCA_PLATFORM },
	{ CCAKIT_CORIM_PROFILE_CCA_REALM, CCAKIT_CORIM_CCA_REALM },
	{ CCAKIT_CORIM_PROFILE_CCA_PLATFORM_LEGACY,
	    CCAKIT_CORIM_CCA_PLATFORM_LEGACY },
	{ CCAKIT_CORIM_PROFILE_CCA_REALM_LEGACY,
	    CCAKIT_CORIM_CCA_REALM_LEGACY },
};

const char *
ccakit_corim_profile_uri(enum ccakit_corim_profile p)
{
	size_t i;

	for (i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (profiles[i].p == p)
			return profiles[i].uri;
	return NULL;
}

enum ccakit_corim_profile
ccakit_corim_profile_from_uri(const char *uri, size_t len)
{
	size_t i;

	if (uri == NULL)
		return CCAKIT_CORIM_PROFILE_NONE;
	for (i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (strlen(profiles[i].uri) == len &&
		    memcmp(profiles[i].uri, uri, len) == 0)
			return profiles[i].p;
	return CCAKIT_CORIM_PROFILE_OTHER;
}

/* --- CoMID --- */

static ccakit_comid *
comid_new(void)
{
	ccakit_comid *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	cki_arena_init(&c->arena, 1024);
	return c;
}

void
ccakit_comid_free(ccakit_comid **cp)
{
	if (cp == NULL || *cp == NULL)
		return;
	cki_arena_free(&(*cp)->arena);
	free(*cp);
	*cp = NULL;
}

int
ccakit_comid_decode(const uint8_t *buf, size_t len, ccakit_comid **out,
    struct ccakit_errdetail *d)
{
	ccakit_comid *c;
	const uint8_t *copy;
	int r;

	if (out != NULL)
		*out = NULL;
	if (out == NULL || (buf == NULL && len > 0))
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (len > CCAKIT_CORIM_MAX_SIZE)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "comid",
		    "CoMID of %zu bytes, at most %d", len,
		    CCAKIT_CORIM_MAX_SIZE);
	if ((c = comid_new()) == NULL ||
	    (copy = cki_corim_dup(&c->arena, buf, len)) == NULL) {
		ccakit_comid_free(&c);
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	}
	if ((r = cki_comid_decode_into(c, copy, len, d)) != CCAKIT_OK) {
		ccakit_comid_free(&c);
		return r;
	}
	*out = c;
	return CCAKIT_OK;
}

/* --- CoRIM --- */

ccakit_corim *cki_corim_new(void);

ccakit_corim *
cki_corim_new(void)
{
	ccakit_corim *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	cki_arena_init(&c->arena, 2048);
	return c;
}

void
ccakit_corim_free(ccakit_corim **cp)
{
	ccakit_corim *c;
	size_t i;

	if (cp == NULL || (c = *cp) == NULL)
		return;
	for (i = 0; i < c->n_tags; i++)
		ccakit_comid_free(&c->tags[i].comid);
	cki_arena_free(&c->arena);
	free(c);
	*cp = NULL;
}

/* #6.18, #6.500(...), #6.502(...) lead to a signed CoRIM. */
static bool
looks_signed(const uint8_t *buf, size_t len)
{
	/* d2 = tag 18; d9 01f4 = tag 500; d9 01f6 = tag 502 */
	if (len >= 1 && buf[0] == 0xd2)
		return true;
	if (len >= 3 && buf[0] == 0xd9 && buf[1] == 0x01 &&
	    (buf[2] == 0xf4 || buf[2] == 0xf6))
		return true;
	return false;
}

int
ccakit_corim_decode(const uint8_t *buf, size_t len, ccakit_corim **out,
    struct ccakit_errdetail *d)
{
	ccakit_corim *c;
	const uint8_t *copy;
	int r;

	if (out != NULL)
		*out = NULL;
	if (out == NULL || (buf == NULL && len > 0))
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (len > CCAKIT_CORIM_MAX_SIZE)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "corim",
		    "CoRIM of %zu bytes, at most %d", len,
		    CCAKIT_CORIM_MAX_SIZE);
	if ((c = cki_corim_new()) == NULL ||
	    (copy = cki_corim_dup(&c->arena, buf, len)) == NULL) {
		ccakit_corim_free(&c);
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	}
	if (looks_signed(copy, len))
		r = cki_corim_decode_signed(c, copy, len, d);
	else
		r = cki_corim_decode_unsigned(c, copy, len, d);
	if (r != CCAKIT_OK) {
		ccakit_corim_free(&c);
		return r;
	}
	*out = c;
	return CCAKIT_OK;
}

enum ccakit_corim_profile
ccakit_corim_profile(const ccakit_corim *c)
{
	if (c == NULL || c->profile_str == NULL)
		return CCAKIT_CORIM_PROFILE_NONE;
	return ccakit_corim_profile_from_uri(c->profile_str,
	    strlen(c->profile_str));
}

const char *
ccakit_corim_profile_str(const ccakit_corim *c)
{
	return c == NULL ? NULL : c->profile_str;
}

bool
ccakit_corim_validity(const ccakit_corim *c, bool *has_not_before,
    int64_t *not_before, int64_t *not_after)
{
	if (c == NULL || !c->has_validity)
		return false;
	if (has_not_before != NULL)
		*has_not_before = c->has_nb;
	if (not_before != NULL && c->has_nb)
		*not_before = c->nb;
	if (not_after != NULL)
		*not_after = c->na;
	return true;
}

int
ccakit_corim_set_profile_form(ccakit_corim *c,
    enum ccakit_corim_profile_form f)
{
	if (c == NULL || f < CCAKIT_CORIM_PROFILE_AS_IS ||
	    f > CCAKIT_CORIM_PROFILE_TEXT)
		return CCAKIT_ERR_INVALID_ARG;
	if (f == CCAKIT_CORIM_PROFILE_AS_IS)
		return CCAKIT_OK;
	if (c->profile_str == NULL)
		return CCAKIT_ERR_NOT_FOUND;
	c->pform = f;
	return CCAKIT_OK;
}

size_t
ccakit_corim_tag_count(const ccakit_corim *c)
{
	return c == NULL ? 0 : c->n_tags;
}

int
ccakit_corim_tag(const ccakit_corim *c, size_t i, unsigned *tag,
    struct ccakit_bytes *content)
{
	if (c == NULL || i >= c->n_tags)
		return CCAKIT_ERR_INVALID_ARG;
	if (tag != NULL)
		*tag = (unsigned)c->tags[i].tag;
	if (content != NULL)
		*content = c->tags[i].content;
	return CCAKIT_OK;
}

int
ccakit_corim_comid(const ccakit_corim *c, size_t i, ccakit_comid **out,
    struct ccakit_errdetail *d)
{
	if (out != NULL)
		*out = NULL;
	if (c == NULL || out == NULL || i >= c->n_tags)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (c->tags[i].tag != CCAKIT_CORIM_TAG_COMID)
		return cki_detail(d, CCAKIT_ERR_NOT_FOUND, "corim",
		    "tags[%zu] is not a CoMID", i);
	return ccakit_comid_decode(c->tags[i].content.ptr,
	    c->tags[i].content.len, out, d);
}

bool
ccakit_corim_is_signed(const ccakit_corim *c)
{
	return c != NULL && c->is_signed;
}

/* Room for one more tag (the array grows in the arena). */
static int
tag_room(ccakit_corim *c)
{
	struct cki_ctag *nt;
	size_t ncap;

	if (c->n_tags < c->cap_tags)
		return CCAKIT_OK;
	if (c->n_tags >= 4096)
		return CCAKIT_ERR_TOO_LARGE;
	ncap = c->cap_tags == 0 ? 4 : c->cap_tags * 2;
	if ((nt = cki_corim_alloc(&c->arena, ncap, sizeof(*nt))) == NULL)
		return CCAKIT_ERR_NOMEM;
	if (c->n_tags > 0)
		memcpy(nt, c->tags, c->n_tags * sizeof(*nt));
	c->tags = nt;
	c->cap_tags = ncap;
	return CCAKIT_OK;
}

int
ccakit_corim_add_tag(ccakit_corim *c, unsigned tag, const uint8_t *cbor,
    size_t len, struct ccakit_errdetail *d)
{
	struct ccakit_cbor_limits lim = { 24, CKI_CORIM_MAX_ITEMS,
	    CKI_CORIM_MAX_PAIRS };
	struct ccakit_cbor_item it;
	ccakit_comid *m = NULL;
	const uint8_t *copy;
	size_t off = 0;
	int r;

	if (c == NULL || cbor == NULL || len == 0)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (c->is_signed)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "corim",
		    "a signed CoRIM cannot be changed");
	if (tag < CCAKIT_CORIM_TAG_COSWID || tag > CCAKIT_CORIM_TAG_COTL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "corim",
		    "unknown concise tag %u", tag);
	if (len > CCAKIT_CORIM_MAX_SIZE)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "corim",
		    "tag of %zu bytes, at most %d", len,
		    CCAKIT_CORIM_MAX_SIZE);
	if ((r = ccakit_cbor_parse(cbor, len, &lim, &it, &off)) != CCAKIT_OK)
		return cki_detail(d, r, "corim", "tag: %s at offset %zu",
		    ccakit_strerror(r), off);
	if (tag == CCAKIT_CORIM_TAG_COMID &&
	    (r = ccakit_comid_decode(cbor, len, &m, d)) != CCAKIT_OK)
		return r;
	if ((r = tag_room(c)) != CCAKIT_OK ||
	    (copy = cki_corim_dup(&c->arena, cbor, len)) == NULL) {
		ccakit_comid_free(&m);
		return cki_detail(d, r != CCAKIT_OK ? r : CCAKIT_ERR_NOMEM,
		    NULL, NULL);
	}
	/* A #6.506-tagged CoMID is stored as its map. */
	if (m != NULL && it.type == CCAKIT_CBOR_TAG) {
		struct ccakit_cbor_item in;

		ccakit_cbor_tag_content(&it, &in);
		copy += in.enc - cbor;
		len = in.enclen;
	}
	memset(&c->tags[c->n_tags], 0, sizeof(c->tags[0]));
	c->tags[c->n_tags].tag = tag;
	c->tags[c->n_tags].content.ptr = copy;
	c->tags[c->n_tags].content.len = len;
	c->tags[c->n_tags].comid = m;
	c->n_tags++;
	return CCAKIT_OK;
}

int
ccakit_corim_add_comid(ccakit_corim *c, const ccakit_comid *m)
{
	uint8_t *enc = NULL;
	size_t len;
	int r;

	if (c == NULL || m == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if ((r = ccakit_comid_encode(m, &enc, &len)) != CCAKIT_OK)
		return r;
	r = ccakit_corim_add_tag(c, CCAKIT_CORIM_TAG_COMID, enc, len, NULL);
	free(enc);
	return r;
}
