/* RCAR sessions (session.c). */
#ifndef KBS_SESSION_H
#define KBS_SESSION_H

#include "kbs.h"

struct kbs_session {
	json_t *root;
	char id[RCAR_SESSION_ID_LEN + 1];
	bool attested;
	enum rcar_tee tee;              /* Authed: the request's TEE */
	const char *nonce;              /* Authed: the challenge's nonce */
	const char *token;              /* Attested */
	int64_t expires;                /* Unix seconds */
	uint64_t version;
	char *owned;                    /* private */
};

/* A fresh UUIDv4 in its simple form (32 lower-case hex digits). */
int kbs_session_id(char id[RCAR_SESSION_ID_LEN + 1]);
/* "kbs-session-id=<id>; Expires=<IMF-fixdate>" */
void kbs_cookie(const char *id, int64_t expires, char *out, size_t outsz);
/* Store a new Authed session; *expires = now + timeout. */
int kbs_session_new(struct kbs *k, const struct rcar_request *req,
    const char *nonce, int64_t now, char id[RCAR_SESSION_ID_LEN + 1],
    int64_t *expires, struct ccakit_errdetail *d);
/* CCAKIT_ERR_NOT_FOUND when absent, expired (then deleted) or broken. */
int kbs_session_get(struct kbs *k, const char *id, int64_t now,
    struct kbs_session *out, struct ccakit_errdetail *d);
void kbs_session_clear(struct kbs_session *s);
/* Authed -> Attested with the token, keeping the expiry; *updated false
 * when another request got there first. */
int kbs_session_attest(struct kbs *k, const struct kbs_session *s,
    const char *token, bool *updated, struct ccakit_errdetail *d);

#endif /* KBS_SESSION_H */
