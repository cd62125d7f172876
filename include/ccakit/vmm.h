/*
 * VMM models: the guest memory layout, the DTB and the boot registers that
 * kvmtool, QEMU (virt) and cloud-hypervisor give a realm, derived from
 * their command lines the way veraison/cca-realm-measurements does, so
 * that the Realm Initial Measurement can be computed ahead of time.
 *
 * A model is built from the VMM's argv (the words after the VMM name on
 * the realm-measurements command line), the host capabilities and the
 * images the realm loads; it is then measured with ccakit_vmm_measure().
 */
#ifndef CCAKIT_VMM_H
#define CCAKIT_VMM_H

#include <stddef.h>
#include <stdint.h>

#include <ccakit/err.h>
#include <ccakit/hash.h>
#include <ccakit/measure.h>

#ifdef __cplusplus
extern "C" {
#endif

enum ccakit_vmm_type {
	CCAKIT_VMM_KVMTOOL = 1,
	CCAKIT_VMM_QEMU,
	CCAKIT_VMM_CLOUDHV,
};

/*
 * Realm parameters limited by the host (hardware, KVM, RMM): each field
 * counts only when its bit is set in `set`.
 */
#define CCAKIT_CAP_IPA_BITS	(1u << 0)
#define CCAKIT_CAP_NUM_BPS	(1u << 1)	/* 2..64 */
#define CCAKIT_CAP_NUM_WPS	(1u << 2)	/* 2..64 */
#define CCAKIT_CAP_SVE_VL	(1u << 3)	/* bits: 0 or 128..2048 by 128 */
#define CCAKIT_CAP_PMU_NUM_CTRS	(1u << 4)	/* 0..31 */
#define CCAKIT_CAP_PMU		(1u << 5)
#define CCAKIT_CAP_LPA2		(1u << 6)

struct ccakit_realm_caps {
	unsigned int set;
	uint8_t ipa_bits;
	uint8_t num_bps;
	uint8_t num_wps;
	uint8_t pmu_num_ctrs;
	uint16_t sve_vl;
	uint8_t pmu;
	uint8_t lpa2;
};

/*
 * Failures fill an optional struct ccakit_errdetail (err.h): code, and the
 * text in the upstream tool's wording (without its "ERROR <phase>:"
 * prefix), e.g. "number of vCPUs is not known"; what is CCAKIT_VMM_USAGE
 * for a malformed VMM flag (a clap-style usage error), else NULL.
 */
#define CCAKIT_VMM_USAGE "usage"

/* Inputs shared by every model (the global options of the tool). */
struct ccakit_vmm_opts {
	const char *kernel;		/* -k: content of -k/-kernel/--kernel */
	const char *initrd;		/* -i */
	const char *firmware;		/* -f */
	const char *dtb;		/* --dtb: measured verbatim */
	const char *dtb_template;	/* --dtb-template: patched */
	const char *const *configs;	/* -c files, each restricts */
	size_t nconfigs;
	struct ccakit_realm_caps host;	/* host flags, override configs */
};

typedef struct ccakit_vmm ccakit_vmm;

/* "kvmtool", "qemu" or "cloud-hv" → type. CCAKIT_ERR_NOT_FOUND if not. */
int ccakit_vmm_type_from_name(const char *name, enum ccakit_vmm_type *type);

/* An empty model, or NULL when out of memory. */
ccakit_vmm *ccakit_vmm_new(void);
/* Accepts NULL, sets *vmm to NULL. */
void ccakit_vmm_free(ccakit_vmm **vmm);

/*
 * Build the model from the VMM arguments, once. On failure the model is
 * empty again and d (optional) says why; usage errors (unknown or
 * malformed VMM flags) are CCAKIT_ERR_INVALID_ARG, bad files
 * CCAKIT_ERR_IO, a bad configuration or DTB a malformed-input code; a
 * model built already is CCAKIT_ERR_INVALID_ARG. Image files are opened
 * when the VMM arguments refer to them; the firmware is read at
 * measurement time.
 */
int ccakit_vmm_from_args(ccakit_vmm *vmm, enum ccakit_vmm_type type,
    int argc, const char *const *argv, const struct ccakit_vmm_opts *opts,
    struct ccakit_errdetail *d);

/* The DTB given to the realm (generated, patched or --dtb), borrowed. */
int ccakit_vmm_dtb(const ccakit_vmm *vmm, const uint8_t **dtb,
    size_t *len, uint64_t *ipa);

/* Parameters as resolved by the model (configs, flags, VMM arguments). */
const struct ccakit_realm_caps *ccakit_vmm_params(const ccakit_vmm *);
/* The realm hash algorithm: CCAKIT_HASH_SHA256 or CCAKIT_HASH_SHA512. */
enum ccakit_hash_algo ccakit_vmm_hash_algo(const ccakit_vmm *vmm);
/* Realm Personalization Value, 64 bytes (not part of the RIM). */
const uint8_t *ccakit_vmm_rpv(const ccakit_vmm *vmm);
/*
 * VMM arguments accepted but ignored, as the tool's warnings (one per
 * line, e.g. "ignored -device foo"); empty string when none.
 */
const char *ccakit_vmm_warnings(const ccakit_vmm *vmm);

/*
 * Parse a host capability file (the TOML subset of upstream configs/NAME.conf:
 * `key = value` lines and comments; keys ipa_bits, num_bps, num_wps,
 * sve_vl, pmu_num_ctrs, pmu, lpa2 and hash_algo, which is accepted and
 * ignored as upstream does). Values are range-checked when applied.
 */
int ccakit_realm_caps_parse(struct ccakit_realm_caps *caps, const char *text,
    size_t len, struct ccakit_errdetail *d);
/* dst := src where set (update), or only where lower (restrict). */
int ccakit_realm_caps_update(struct ccakit_realm_caps *dst,
    const struct ccakit_realm_caps *src, struct ccakit_errdetail *d);
int ccakit_realm_caps_restrict(struct ccakit_realm_caps *dst,
    const struct ccakit_realm_caps *src, struct ccakit_errdetail *d);

/* Measurement of a model. */
#define CCAKIT_VMM_REM_RMM	0	/* REM = H(REM || data), RMM semantics */
#define CCAKIT_VMM_REM_TOOL	1	/* REM = H(pad64(data)), upstream tool */

struct ccakit_vmm_measure_opts {
	int rmm_major;		/* 1: INIT_RIPAS measured; 2: not */
	int rem_mode;		/* CCAKIT_VMM_REM_* */
	const char *event_log;	/* write the measurement log here, or NULL */
	enum ccakit_realm_io io; /* how image files are read (measure.h) */
};

struct ccakit_vmm_measurements {
	size_t len;		/* hash length: 32 or 64 */
	uint8_t rim[64];	/* zero-padded slots, as RMM stores them */
	uint8_t rem[4][64];
};

/* Compute RIM and REMs. Errors in d in the tool's wording. */
int ccakit_vmm_measure(ccakit_vmm *vmm,
    const struct ccakit_vmm_measure_opts *opts,
    struct ccakit_vmm_measurements *out, struct ccakit_errdetail *d);

#ifdef __cplusplus
}
#endif

#endif /* CCAKIT_VMM_H */
