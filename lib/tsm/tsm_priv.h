/* Internal to the attester module. */
#ifndef CCAKIT_TSM_PRIV_H
#define CCAKIT_TSM_PRIV_H

#include <ccakit/cose.h>
#include <ccakit/tsm.h>

/*
 * Steps of a configfs-tsm report at which a test hook runs, so that a
 * test can emulate in a plain directory what the kernel's configfs does:
 * create the attributes on mkdir, produce outblob and bump generation on
 * an inblob write, drop the attributes before rmdir.
 */
enum cki_tsm_step {
	CKI_TSM_MKDIR,          /* after mkdir of the report entry */
	CKI_TSM_INBLOB,         /* after the inblob write was closed */
	CKI_TSM_OUTBLOB,        /* after outblob was read */
	CKI_TSM_RMDIR,          /* before rmdir of the report entry */
};

/* A hook returning nonzero fails the step as an I/O error. */
typedef int cki_tsm_hook(enum cki_tsm_step step, const char *entry,
    void *arg);

struct ccakit_attester {
	enum ccakit_attester_kind kind;
	/* configfs-tsm */
	char *root;
	cki_tsm_hook *hook;
	void *hook_arg;
	/* emulated */
	ccakit_claimset *claims;
	ccakit_key *cpak;
	ccakit_key *rak;
	enum ccakit_token_format format;
};

/* Release what an attester holds and make it empty (kind 0) again. */
void cki_attester_clear(ccakit_attester *a);

/* For tests: run `hook` at each step of a configfs-tsm attester. */
void cki_tsm_set_hook(ccakit_attester *a, cki_tsm_hook *hook, void *arg);

int cki_tsm_get_evidence(ccakit_attester *a, const uint8_t chal[64],
    uint8_t *out, size_t outsz, size_t *outlen, struct ccakit_errdetail *d);
int cki_emulated_get_evidence(ccakit_attester *a, const uint8_t chal[64],
    uint8_t *out, size_t outsz, size_t *outlen, struct ccakit_errdetail *d);

#endif
