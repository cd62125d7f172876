/*
 * libFuzzer harness for the admin credential (services/kbs/admin.c,
 * jwt.c): an Authorization header value checked in
 * AuthenticatedAuthorization mode against two identity providers (an
 * Ed25519 and a P-256 PEM key made at the first run) and a regex ACL on
 * the request target, and the JWT's own parts: its decoding and the
 * header's JWK as a key. Input: the target, a newline, the header value.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "kbs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static kbs_admin *adm;

/* A public key of a fresh key pair in a temporary PEM file. */
static void
pem(const char *alg, const char *crv, char *path, size_t pathsz)
{
	EVP_PKEY *k = crv != NULL ? EVP_PKEY_Q_keygen(NULL, NULL, alg, crv) :
	    EVP_PKEY_Q_keygen(NULL, NULL, alg);
	FILE *f;
	int fd;

	snprintf(path, pathsz, "/tmp/fuzz_kbs_admin.XXXXXX");
	if (k == NULL || (fd = mkstemp(path)) < 0 || (f = fdopen(fd, "w")) ==
	    NULL || PEM_write_PUBKEY(f, k) != 1)
		abort();
	fclose(f);
	EVP_PKEY_free(k);
}

static void
setup(void)
{
	static char ed[64], es[64];
	struct kbs_config c;
	struct ccakit_errdetail d;

	pem("ED25519", NULL, ed, sizeof(ed));
	pem("EC", "P-256", es, sizeof(es));
	memset(&c, 0, sizeof(c));
	c.admin_mode = KBS_ADMIN_AUTHENTICATED;
	c.idps[0].issuer = "issuer";
	c.idps[0].audience = "kbs";
	c.idps[0].public_key_uri = ed;
	c.idps[1].public_key_uri = es;
	c.nidps = 2;
	c.acls[0].role = "admin";
	c.acls[0].allowed_endpoints = "^/kbs/.+$";
	c.acls[1].role = "reader";
	c.acls[1].allowed_endpoints = "^/kbs/v0/reference-value/[a-z0-9]+$";
	c.nacls = 2;
	if (kbs_admin_new(&c, &adm, &d) != CCAKIT_OK)
		abort();
	unlink(ed);
	unlink(es);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kbs_jwt t;
	const json_t *jwk;
	char *s, *nl, why[512];
	void *pk = NULL;

	if (adm == NULL)
		setup();
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if ((nl = strchr(s, '\n')) != NULL) {
		*nl = '\0';
		(void)kbs_admin_check(adm, nl + 1, s, why, sizeof(why));
		if (memchr(why, 0, sizeof(why)) == NULL)
			abort();
	}
	if (kbs_jwt_decode(s, strlen(s), &t, NULL) == CCAKIT_OK) {
		if (!json_is_object(t.header) || !json_is_object(t.claims))
			abort();
		if ((jwk = json_object_get(t.header, "jwk")) != NULL &&
		    kbs_jwk_to_pkey(jwk, &pk, NULL) == CCAKIT_OK)
			EVP_PKEY_free(pk);
		kbs_jwt_clear(&t);
	}
	free(s);
	return 0;
}
