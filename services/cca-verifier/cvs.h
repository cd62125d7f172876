/* cca-verifier: shared declarations. See cca-verifier(8). */
#ifndef CVS_H
#define CVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/appraise.h>
#include <ccakit/bytes.h>
#include <ccakit/corim.h>
#include <ccakit/cose.h>
#include <ccakit/ear.h>
#include <ccakit/err.h>
#include <ccakit/jose.h>
#include <ccakit/store.h>
#include <ccakit/version.h>

#include "httpd.h"
#include "vdb.h"

#define CVS_PROG              "cca-verifier"
#define CVS_NEW_SESSION_PATH  "/challenge-response/v1/newSession"
#define CVS_PROV_TOKEN_MAX    1024

struct cvs_corim;

struct cvs {
	/* Configuration, read-only once the server runs. */
	unsigned ttl;                   /* session lifetime, seconds */
	enum svc_v_nonce_enc nonce_enc; /* in the session document */
	bool prov_enabled;              /* a provisioning token is set */
	uint8_t prov_hash[32];          /* SHA-256 of the token */
	char version[64];               /* discovery "version" */

	/* State shared by the handler threads (thread-safe or read-only). */
	vdb *db;
	ccakit_key *ear_key;            /* private; signs every EAR */
	int ear_alg;                    /* CCAKIT_COSE_ES256, ... */
	char *ear_jwk;                  /* its public JWK, with "alg" */
	struct cvs_corim *corim;        /* CoRIM provisioning (corim_prov.c) */
	ccakit_platform_cache *pcache;  /* NULL: --no-platform-cache */
};

extern const struct svc_route cvs_routes[];
extern const size_t cvs_nroutes;

/* SHA-256 of a provisioning token, for constant-time comparison. */
int cvs_token_hash(const char *tok, size_t len, uint8_t out[32]);

/* handlers.c's pieces that corim_prov.c shares: the bearer check (false
 * when a reply was made), content negotiation, 406, 500/503. */
bool cvs_authorized(struct cvs *v, const struct svc_req *req,
    struct svc_resp *resp);
bool cvs_negotiates(const struct svc_req *req, const char *mt);
void cvs_not_acceptable(struct svc_resp *resp, const char *mt);
void cvs_internal(struct svc_resp *resp, const char *what, int r,
    const struct ccakit_errdetail *d);

/* --- corim_prov.c: Veraison's endorsement provisioning API --- */

#define CVS_CORIM_DISCOVERY_PATH "/.well-known/veraison/provisioning"
#define CVS_CORIM_SUBMIT_PATH    "/endorsement-provisioning/v1/submit"

enum cvs_corim_auth {
	CVS_CORIM_AUTH_BEARER = 0,      /* --provisioning-token (default) */
	CVS_CORIM_AUTH_BASIC,           /* --provisioning-users */
	CVS_CORIM_AUTH_NONE,
};

/* Option ids, above main.c's. */
enum {
	CVS_OPT_CORIM_AUTH = 400, CVS_OPT_CORIM_USERS, CVS_OPT_CORIM_ROOTS,
};

#define CVS_CORIM_LONGOPTS \
	{ "provisioning-auth", required_argument, NULL, CVS_OPT_CORIM_AUTH }, \
	{ "provisioning-users", required_argument, NULL, \
	    CVS_OPT_CORIM_USERS }, \
	{ "corim-roots", required_argument, NULL, CVS_OPT_CORIM_ROOTS }

#define CVS_CORIM_USAGE \
"      --provisioning-auth bearer|basic|none   of the CoRIM submission\n" \
"                                endpoint (bearer: --provisioning-token)\n" \
"      --provisioning-users FILE user:password lines (basic)\n" \
"      --corim-roots PEM         trust anchors of signed CoRIMs (repeatable)\n"

/* An option of CVS_CORIM_LONGOPTS: 1 taken, 0 not ours, -1 refused (said). */
int cvs_corim_opt(struct cvs *v, int opt, const char *arg);
/* After the options: users and roots read; 1 on failure (said). */
int cvs_corim_init(struct cvs *v);
void cvs_corim_free(struct cvs *v);
/* "bearer", "basic", "none", or "disabled" (bearer without a token). */
const char *cvs_corim_auth_name(const struct cvs *v);
void cvs_corim_discovery(void *arg, const struct svc_req *req,
    struct svc_resp *resp);
void cvs_corim_submit(void *arg, const struct svc_req *req,
    struct svc_resp *resp);

#endif /* CVS_H */
