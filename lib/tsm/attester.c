/*
 * Attesters: one interface over configfs-tsm and the emulated realm.
 */
#include <stdlib.h>
#include <string.h>

#include "tsm/tsm_priv.h"
#include "util/util.h"

ccakit_attester *
ccakit_attester_new(void)
{
	return calloc(1, sizeof(ccakit_attester));
}

void
cki_attester_clear(ccakit_attester *a)
{
	free(a->root);
	ccakit_claimset_free(&a->claims);
	ccakit_key_free(&a->cpak);	/* OpenSSL clears private keys */
	ccakit_key_free(&a->rak);
	memset(a, 0, sizeof(*a));
}

void
ccakit_attester_free(ccakit_attester **ap)
{
	ccakit_attester *a;

	if (ap == NULL || (a = *ap) == NULL)
		return;
	cki_attester_clear(a);
	free(a);
	*ap = NULL;
}

enum ccakit_attester_kind
ccakit_attester_kind(const ccakit_attester *a)
{
	return a != NULL ? a->kind : 0;
}

int
ccakit_attester_get_evidence(ccakit_attester *a, const uint8_t *challenge,
    size_t len, uint8_t *out, size_t outsz, size_t *outlen,
    struct ccakit_errdetail *d)
{
	uint8_t chal[CCAKIT_TSM_INBLOB_MAX];

	if (a == NULL || challenge == NULL || out == NULL || outlen == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if (len < CCAKIT_TSM_INBLOB_MIN || len > CCAKIT_TSM_INBLOB_MAX)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "challenge",
		    "%zu bytes, expected %d to %d", len, CCAKIT_TSM_INBLOB_MIN,
		    CCAKIT_TSM_INBLOB_MAX);
	/* Zero-pad as the RMM does, so that both attesters sign the same
	 * realm challenge claim for a given challenge. */
	memset(chal, 0, sizeof(chal));
	memcpy(chal, challenge, len);
	switch (a->kind) {
	case CCAKIT_ATTESTER_TSM:
		return cki_tsm_get_evidence(a, chal, out, outsz, outlen, d);
	case CCAKIT_ATTESTER_EMULATED:
		return cki_emulated_get_evidence(a, chal, out, outsz, outlen,
		    d);
	default:
		return cki_detail(d, CCAKIT_ERR_INTERNAL, NULL, NULL);
	}
}
