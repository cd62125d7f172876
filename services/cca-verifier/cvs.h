/* cca-verifier: shared declarations. See cca-verifier(8). */
#ifndef CVS_H
#define CVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/appraise.h>
#include <ccakit/bytes.h>
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
	ccakit_platform_cache *pcache;  /* NULL: --no-platform-cache */
};

extern const struct svc_route cvs_routes[];
extern const size_t cvs_nroutes;

/* SHA-256 of a provisioning token, for constant-time comparison. */
int cvs_token_hash(const char *tok, size_t len, uint8_t out[32]);

#endif /* CVS_H */
