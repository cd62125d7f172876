/*
 * Attesters: what a program in a realm calls to turn a relying party's
 * challenge into evidence (a CCA attestation token).
 *
 *  - configfs-tsm: the Linux TSM report interface of a real realm
 *    (/sys/kernel/config/tsm/report, provider arm_cca_guest);
 *  - emulated: a token created by this library from claims and keys, for
 *    development on machines without CCA.
 *
 * No network I/O, no output. One attester may be used for many requests,
 * but not from two threads at once.
 */
#ifndef CCAKIT_TSM_H
#define CCAKIT_TSM_H

#include <stddef.h>
#include <stdint.h>

#include <ccakit/err.h>
#include <ccakit/token.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CCAKIT_TSM_DEFAULT_ROOT  "/sys/kernel/config/tsm/report"
#define CCAKIT_TSM_PROVIDER_CCA  "arm_cca_guest"
#define CCAKIT_TSM_INBLOB_MIN    32
#define CCAKIT_TSM_INBLOB_MAX    64
/* Largest outblob read (the kernel's own cap was 32 KiB, later 16 MiB;
 * a CCA token is a few KiB). */
#define CCAKIT_TSM_OUTBLOB_MAX   CCAKIT_TOKEN_MAX_SIZE

enum ccakit_attester_kind {
	CCAKIT_ATTESTER_TSM = 1,
	CCAKIT_ATTESTER_EMULATED,
};

typedef struct ccakit_attester ccakit_attester;

/* The largest claims file of the emulated realm. */
#define CCAKIT_TSM_CLAIMS_MAX    (4 * 1024 * 1024)

/* An attester of no kind yet (one of the init functions makes it one),
 * or NULL when out of memory. */
ccakit_attester *ccakit_attester_new(void);
/* Wipes the keys; accepts NULL, sets *ap to NULL. */
void ccakit_attester_free(ccakit_attester **ap);

/*
 * Each init function makes an empty attester one kind, once: a second
 * init is CCAKIT_ERR_INVALID_ARG; a failed one leaves it empty.
 *
 * configfs-tsm under root (NULL: CCAKIT_TSM_DEFAULT_ROOT). Fails with
 * CCAKIT_ERR_IO when root is not a directory. Each get_evidence makes
 * its own report entry and removes it.
 */
int ccakit_attester_init_tsm(ccakit_attester *a, const char *root,
    struct ccakit_errdetail *d);

/*
 * Emulated realm: claims in evcli's JSON form (see
 * ccakit_claimset_from_json), CPAK and RAK private keys in PEM. The
 * token is created as ccakit_token_create does it, in `format` (0 means
 * 907), with the challenge as the realm challenge claim.
 */
int ccakit_attester_init_emulated(ccakit_attester *a,
    const char *claims_json, size_t claims_len, const char *cpak_pem,
    size_t cpak_len, const char *rak_pem, size_t rak_len,
    enum ccakit_token_format format, struct ccakit_errdetail *d);
/* The same from files (claims at most CCAKIT_TSM_CLAIMS_MAX bytes). */
int ccakit_attester_init_emulated_files(ccakit_attester *a,
    const char *claims_path, const char *cpak_path, const char *rak_path,
    enum ccakit_token_format format, struct ccakit_errdetail *d);

enum ccakit_attester_kind ccakit_attester_kind(const ccakit_attester *a);

/*
 * Evidence for a challenge of CCAKIT_TSM_INBLOB_MIN..MAX bytes, zero-
 * padded to 64 (as the RMM does): the token in out (outsz bytes; up to
 * CCAKIT_TSM_OUTBLOB_MAX are needed). configfs-tsm failures:
 * CCAKIT_ERR_IO with the detail naming the step ("mkdir", "provider",
 * "generation", ...); a provider other than arm_cca_guest is
 * CCAKIT_ERR_IO too; an outblob larger than CCAKIT_TSM_OUTBLOB_MAX is
 * CCAKIT_ERR_TOO_LARGE, larger than outsz CCAKIT_ERR_BUFFER_TOO_SMALL.
 */
int ccakit_attester_get_evidence(ccakit_attester *a, const uint8_t *challenge,
    size_t len, uint8_t *out, size_t outsz, size_t *outlen,
    struct ccakit_errdetail *d);

#ifdef __cplusplus
}
#endif

#endif /* CCAKIT_TSM_H */
