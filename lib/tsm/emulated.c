/*
 * The emulated realm attester: tokens created by this library from a
 * claims file and the CPAK and RAK private keys.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tsm/tsm_priv.h"
#include "util/util.h"

#define KEY_PEM_MAX (64 * 1024)

static int
load_key(const char *pem, size_t len, const char *what, ccakit_key **kp,
    struct ccakit_errdetail *d)
{
	ccakit_key *k;

	if ((k = ccakit_key_new()) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
	if (ccakit_key_from_pem(k, pem, len) != CCAKIT_OK ||
	    !ccakit_key_has_private(k)) {
		ccakit_key_free(&k);
		return cki_detail(d, CCAKIT_ERR_KEY_INVALID, what,
		    "not an EC private key in PEM on a supported curve");
	}
	*kp = k;
	return CCAKIT_OK;
}

int
ccakit_attester_init_emulated(ccakit_attester *a, const char *claims_json,
    size_t claims_len, const char *cpak_pem, size_t cpak_len,
    const char *rak_pem, size_t rak_len, enum ccakit_token_format format,
    struct ccakit_errdetail *d)
{
	int r = CCAKIT_ERR_INTERNAL;

	if (a == NULL || a->kind != 0 || claims_json == NULL ||
	    cpak_pem == NULL || rak_pem == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (format == 0)
		format = CCAKIT_FORMAT_907;
	if (format != CCAKIT_FORMAT_399 && format != CCAKIT_FORMAT_907)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "format",
		    "must be 399 or 907");
	if ((a->claims = ccakit_claimset_new()) == NULL) {
		r = cki_detail(d, CCAKIT_ERR_NOMEM, NULL, NULL);
		goto out;
	}
	a->format = format;
	if ((r = ccakit_claimset_from_json(a->claims, claims_json, claims_len,
	    d)) != CCAKIT_OK ||
	    (r = load_key(cpak_pem, cpak_len, "platform key", &a->cpak, d)) !=
	    CCAKIT_OK ||
	    (r = load_key(rak_pem, rak_len, "realm key", &a->rak, d)) !=
	    CCAKIT_OK)
		goto out;
	a->kind = CCAKIT_ATTESTER_EMULATED;
	r = CCAKIT_OK;
out:
	if (r != CCAKIT_OK)
		cki_attester_clear(a);
	return r;
}

static int
read_input(const char *path, size_t max, const char *what, uint8_t **buf,
    size_t *len, struct ccakit_errdetail *d)
{
	int r;

	if ((r = cki_read_file(path, max, buf, len)) == CCAKIT_OK)
		return r;
	if (r == CCAKIT_ERR_IO)
		return cki_detail(d, r, what, "%s: %s", path, strerror(errno));
	return cki_detail(d, r, what, "%s: %s", path, ccakit_strerror(r));
}

int
ccakit_attester_init_emulated_files(ccakit_attester *a,
    const char *claims_path, const char *cpak_path, const char *rak_path,
    enum ccakit_token_format format, struct ccakit_errdetail *d)
{
	uint8_t *cl = NULL, *cp = NULL, *rk = NULL;
	size_t cllen = 0, cplen = 0, rklen = 0;
	int r;

	if (a == NULL || a->kind != 0 || claims_path == NULL ||
	    cpak_path == NULL || rak_path == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if ((r = read_input(claims_path, CCAKIT_TSM_CLAIMS_MAX, "claims",
	    &cl, &cllen, d)) != CCAKIT_OK ||
	    (r = read_input(cpak_path, KEY_PEM_MAX, "platform key", &cp,
	    &cplen, d)) != CCAKIT_OK ||
	    (r = read_input(rak_path, KEY_PEM_MAX, "realm key", &rk, &rklen,
	    d)) != CCAKIT_OK)
		goto out;
	r = ccakit_attester_init_emulated(a, (const char *)cl, cllen,
	    (const char *)cp, cplen, (const char *)rk, rklen, format, d);
out:
	free(cl);
	if (cp != NULL) {
		ccakit_wipe(cp, cplen);
		free(cp);
	}
	if (rk != NULL) {
		ccakit_wipe(rk, rklen);
		free(rk);
	}
	return r;
}

int
cki_emulated_get_evidence(ccakit_attester *a, const uint8_t chal[64],
    uint8_t *out, size_t outsz, size_t *outlen, struct ccakit_errdetail *d)
{
	struct ccakit_realm_claims realm;
	struct ccakit_create_opts opts;
	int r;

	realm = *ccakit_claimset_realm(a->claims);
	realm.challenge.ptr = chal;
	realm.challenge.len = CCAKIT_TSM_INBLOB_MAX;
	memset(&opts, 0, sizeof(opts));
	opts.format = a->format;
	if ((r = ccakit_token_create(ccakit_claimset_platform(a->claims),
	    &realm, a->cpak, a->rak, &opts, out, outsz, outlen)) != CCAKIT_OK)
		return cki_detail(d, r, "emulated realm", "token creation: %s",
		    ccakit_strerror(r));
	return CCAKIT_OK;
}
