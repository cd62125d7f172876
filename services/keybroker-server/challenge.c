/*
 * Challenges: issue, single-use redemption and expiry, above the state
 * layer (services/state), whichever driver it runs on.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "chstore.h"
#include "util/util.h"

/* Draws of a random id before giving up (a collision is 2^-32 likely). */
#define ISSUE_TRIES 8

_Static_assert(KBS_CHALLENGE_LEN == STATE_NONCE_LEN, "nonce size");
_Static_assert(KBS_NAME_MAX == STATE_NAME_MAX, "key name size");
_Static_assert(CCAKIT_WRAPKEY_JWK_MAX == STATE_WRAPKEY_MAX, "JWK size");

struct kbs_chstore {
	state_db *db;
	unsigned ttl;
	int64_t (*now)(void *arg);
	void *now_arg;
};

static int64_t
realtime_now(void *arg)
{
	struct timespec ts;

	(void)arg;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec;
}

static void
copy_out(struct kbs_challenge *out, const struct state_challenge *c)
{
	memset(out, 0, sizeof(*out));
	out->id = c->id;
	memcpy(out->nonce, c->nonce, sizeof(out->nonce));
	memcpy(out->key, c->key, sizeof(out->key));
	memcpy(out->wrapkey, c->wrapkey, sizeof(out->wrapkey));
	out->created = c->created;
	out->expires = c->expires;
}

int
kbs_chstore_open(const char *where, const struct state_opts *o,
    kbs_chstore **out, struct ccakit_errdetail *d)
{
	kbs_chstore *s;
	int r;

	if (where == NULL || out == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	if ((r = state_open(where, o, &s->db, d)) != CCAKIT_OK) {
		free(s);
		return r;
	}
	s->ttl = KBS_CHALLENGE_TTL_DEFAULT;
	s->now = realtime_now;
	*out = s;
	return CCAKIT_OK;
}

void
kbs_chstore_free(kbs_chstore **sp)
{
	kbs_chstore *s;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	state_close(&s->db);
	free(s);
	*sp = NULL;
}

state_db *
kbs_chstore_db(kbs_chstore *s)
{
	return s != NULL ? s->db : NULL;
}

int
kbs_chstore_set_ttl(kbs_chstore *s, unsigned seconds)
{
	if (s == NULL || seconds == 0 || seconds > KBS_CHALLENGE_TTL_MAX)
		return CCAKIT_ERR_INVALID_ARG;
	s->ttl = seconds;
	return CCAKIT_OK;
}

void
kbs_chstore_set_clock(kbs_chstore *s, int64_t (*now)(void *arg),
    void *arg)
{
	if (s == NULL)
		return;
	s->now = now != NULL ? now : realtime_now;
	s->now_arg = now != NULL ? arg : NULL;
}

int
kbs_chstore_issue(kbs_chstore *s, const char *key, const char *wrapkey,
    const uint8_t nonce[KBS_CHALLENGE_LEN], struct kbs_challenge *out,
    struct ccakit_errdetail *d)
{
	struct state_challenge c;
	uint8_t idb[4];
	size_t wlen;
	bool exists;
	int i, r = CCAKIT_ERR_INTERNAL;

	if (s == NULL || !kbs_name_valid(key) || wrapkey == NULL ||
	    out == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "challenge", NULL);
	if ((wlen = strnlen(wrapkey, CCAKIT_WRAPKEY_JWK_MAX + 1)) == 0 ||
	    wlen > CCAKIT_WRAPKEY_JWK_MAX)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "challenge",
		    "wrapping key of 1 to %d bytes", CCAKIT_WRAPKEY_JWK_MAX);
	memset(&c, 0, sizeof(c));
	memcpy(c.key, key, strlen(key));
	memcpy(c.wrapkey, wrapkey, wlen);
	if (nonce != NULL)
		memcpy(c.nonce, nonce, sizeof(c.nonce));
	else if (RAND_bytes(c.nonce, (int)sizeof(c.nonce)) != 1)
		return cki_detail(d, CCAKIT_ERR_CRYPTO, "challenge", NULL);
	c.created = s->now(s->now_arg);
	c.expires = c.created + (int64_t)s->ttl;
	for (i = 0; i < ISSUE_TRIES; i++) {
		if (RAND_bytes(idb, (int)sizeof(idb)) != 1) {
			r = cki_detail(d, CCAKIT_ERR_CRYPTO, "challenge", NULL);
			goto out;
		}
		c.id = (uint32_t)idb[0] << 24 | (uint32_t)idb[1] << 16 |
		    (uint32_t)idb[2] << 8 | idb[3];
		if (c.id == 0)
			continue;
		exists = false;
		if ((r = state_challenge_insert(s->db, &c, &exists, d)) !=
		    CCAKIT_OK)
			goto out;
		if (!exists)
			break;
	}
	if (i == ISSUE_TRIES) {
		r = cki_detail(d, CCAKIT_ERR_INTERNAL, "challenge",
		    "no free identifier");
		goto out;
	}
	copy_out(out, &c);
	r = CCAKIT_OK;
out:
	ccakit_wipe(&c, sizeof(c));
	return r;
}

int
kbs_chstore_redeem(kbs_chstore *s, uint32_t id,
    struct kbs_challenge *out, struct ccakit_errdetail *d)
{
	struct state_challenge c;
	int r;

	if (s == NULL || out == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (id == 0)
		return cki_detail(d, CCAKIT_ERR_NOT_FOUND, "challenge",
		    "unknown or already redeemed");
	memset(&c, 0, sizeof(c));
	if ((r = state_challenge_take(s->db, id, &c, d)) != CCAKIT_OK) {
		if (r == CCAKIT_ERR_NOT_FOUND)
			return cki_detail(d, r, "challenge",
			    "unknown or already redeemed");
		return r;
	}
	if (s->now(s->now_arg) >= c.expires) {
		r = cki_detail(d, CCAKIT_ERR_NOT_FOUND, "challenge",
		    "expired");
		goto out;
	}
	copy_out(out, &c);
	r = CCAKIT_OK;
out:
	ccakit_wipe(&c, sizeof(c));
	return r;
}

int
kbs_chstore_purge(kbs_chstore *s, size_t *n, struct ccakit_errdetail *d)
{
	if (s == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	return state_challenge_purge(s->db, s->now(s->now_arg), n, d);
}

int
kbs_chstore_count(kbs_chstore *s, size_t *n)
{
	if (s == NULL || n == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	return state_challenge_count(s->db, n, NULL);
}

int
kbs_chstore_check(kbs_chstore *s, struct ccakit_errdetail *d)
{
	if (s == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	return state_check(s->db, d);
}
