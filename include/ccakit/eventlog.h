/*
 * Realm measurement log: TCG PC Client "crypto-agile" event log carrying
 * the CCA realm events (docs/measurements.md, spec §4).
 *
 * Layout: a legacy TCG_PCClientPCREvent holding the Spec ID event
 * ("Spec ID Event03", the digest algorithm table), then TCG_PCR_EVENT2
 * records { u32 pcr, u32 type, u32 count, count x { u16 alg, digest },
 * u32 size, data[size] }, all little-endian, optionally followed by an
 * all-zero terminator (pcr 0, type 0) and zero padding.
 *
 * The log is untrusted. ccakit_evlog_parse() checks every length and count
 * against the remaining input and the caps below, allocates only in
 * proportion to the input it has actually consumed, and keeps its own copy
 * of the bytes. ccakit_evlog_replay() recomputes the RIM and REMs from the
 * logged operations and trusted images, and reports what the log claimed
 * (realm parameters, RAM ranges, images and addresses, boot registers) so
 * that a policy can check it; the result means something only when the
 * recomputed values equal the attested ones.
 *
 * PCR to measurement register: 0 -> RIM; 1, 7 -> REM0; 2..6 -> REM1;
 * 8..15 -> REM2; >= 16 -> REM3 (UEFI CC mapping).
 */
#ifndef CCAKIT_EVENTLOG_H
#define CCAKIT_EVENTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/bytes.h>
#include <ccakit/err.h>
#include <ccakit/measure.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Caps (untrusted input). */
#define CCAKIT_EVLOG_MAX_SIZE     (16u * 1024 * 1024)
#define CCAKIT_EVLOG_MAX_EVENTS   65536u
#define CCAKIT_EVLOG_MAX_ALGS     8u
#define CCAKIT_EVLOG_MAX_DIGEST   64u
/* Replay: at most this many descriptors (RIPAS, unmeasured granules and
 * RECs) derived from values the log declares, and at most this many
 * bytes per trusted RIM image. */
#define CCAKIT_REPLAY_MAX_DESCS   (1u << 20)
#define CCAKIT_REPLAY_MAX_IMAGE   (UINT64_C(4) << 30)

/* TCG event types used by the realm log. */
#define CCAKIT_EV_PREBOOT_CERT           0x00000000u  /* = terminator */
#define CCAKIT_EV_POST_CODE              0x00000001u
#define CCAKIT_EV_NO_ACTION              0x00000003u
#define CCAKIT_EV_EVENT_TAG              0x00000006u
#define CCAKIT_EV_POST_CODE2             0x00000013u
#define CCAKIT_EV_EFI_PLATFORM_FIRMWARE_BLOB2 0x8000000Au

/* EV_EVENT_TAG taggedEventId values of the CCA realm log. */
#define CCAKIT_EVTAG_REALM_CREATE        1u
#define CCAKIT_EVTAG_INIT_RIPAS          2u
#define CCAKIT_EVTAG_REC_CREATE          3u

/* TCG algorithm identifiers. */
#define CCAKIT_TCG_ALG_SHA1    0x0004u
#define CCAKIT_TCG_ALG_SHA256  0x000Bu
#define CCAKIT_TCG_ALG_SHA384  0x000Cu
#define CCAKIT_TCG_ALG_SHA512  0x000Du

/* What an event was recognised as. */
enum ccakit_evlog_kind {
	CCAKIT_EVK_OTHER = 0,           /* any other event: a REM extension
					 * by its digest when not on PCR 0 */
	CCAKIT_EVK_NO_ACTION,           /* other EV_NO_ACTION: ignored */
	CCAKIT_EVK_VM_VERSION,          /* EV_NO_ACTION "VM VERSION" */
	CCAKIT_EVK_REALM_CREATE,        /* EV_EVENT_TAG 1 */
	CCAKIT_EVK_INIT_RIPAS,          /* EV_EVENT_TAG 2 */
	CCAKIT_EVK_REC_CREATE,          /* EV_EVENT_TAG 3 */
	CCAKIT_EVK_IMAGE,               /* POST_CODE2 / FIRMWARE_BLOB2 blob */
};

/* What the replay did with an event. */
enum ccakit_replay_status {
	CCAKIT_RS_NONE = 0,             /* not replayed (yet) */
	CCAKIT_RS_IGNORED,              /* no measurement effect */
	CCAKIT_RS_RIM,                  /* extended the RIM */
	CCAKIT_RS_RIM_UNMEASURED,       /* unmeasured DATA on the RIM */
	CCAKIT_RS_REM,                  /* extended a REM */
	CCAKIT_RS_NOT_MEASURED,         /* the RMM does not measure it (RIPAS
					 * on RMM 2.0, a non-runnable REC) */
	CCAKIT_RS_UNTRUSTED,            /* REM event whose digest is in no
					 * trusted image (extended anyway with
					 * CCAKIT_REPLAY_ALLOW_UNTRUSTED) */
};

struct ccakit_evlog_digest {
	uint16_t alg;                   /* TCG algorithm id */
	struct ccakit_bytes value;      /* size from the Spec ID table */
};

struct ccakit_evlog_vm_version {
	struct ccakit_bytes name;       /* up to the first NUL, <= 32 bytes */
	struct ccakit_bytes version;    /* up to the first NUL, <= 40 bytes */
	uint64_t ram_size;
	uint32_t num_cpus;
	bool has_flags;
	uint64_t flags;
};

struct ccakit_evlog_image {
	/* Description bytes as logged; a trailing NUL (if any) is not part
	 * of desc, and nul_terminated says whether it was there. */
	struct ccakit_bytes desc;
	bool nul_terminated;
	uint64_t base;
	uint64_t length;
};

struct ccakit_evlog_event {
	size_t offset;                  /* of the event in the log */
	uint32_t pcr;
	uint32_t type;
	enum ccakit_evlog_kind kind;
	size_t n_digests;
	struct ccakit_evlog_digest digests[CCAKIT_EVLOG_MAX_ALGS];
	struct ccakit_bytes data;       /* event data, view into the log */
	union {                         /* decoded data, by kind */
		struct ccakit_evlog_vm_version vm;
		struct ccakit_realm_params realm;
		struct ccakit_mem_range ripas;
		struct ccakit_rec_params rec;
		struct ccakit_evlog_image image;
	} u;
	/* Filled by ccakit_evlog_replay(). */
	enum ccakit_replay_status status;
	unsigned rem;                   /* REM index for CCAKIT_RS_REM */
	size_t trusted;                 /* index in the trusted image table,
					 * SIZE_MAX if none */
};

struct ccakit_evlog_specid {
	uint32_t platform_class;
	uint8_t version_minor;
	uint8_t version_major;
	uint8_t spec_revision;
	uint8_t uintn_size;
	size_t n_algs;
	struct {
		uint16_t alg;
		uint16_t size;
	} algs[CCAKIT_EVLOG_MAX_ALGS];
};

typedef struct ccakit_evlog ccakit_evlog;

/* An empty log (no events), or NULL when out of memory. */
ccakit_evlog *ccakit_evlog_new(void);
/* Accepts NULL, sets *lp to NULL. */
void ccakit_evlog_free(ccakit_evlog **lp);

/* Parser flags. */
/* Accept, and drop, a truncated last event (upstream parser behaviour);
 * by default a truncated event is an error. */
#define CCAKIT_EVLOG_LENIENT_TAIL    (1u << 0)
/* Accept non-zero bytes after the terminator; by default they must be
 * zero (a fixed-size log region is zero padded). */
#define CCAKIT_EVLOG_LENIENT_PADDING (1u << 1)

/*
 * Parse a log (at most CCAKIT_EVLOG_MAX_SIZE bytes). The Spec ID event is
 * required; algorithm ids in its table are free but sizes must be 1..64,
 * at most CCAKIT_EVLOG_MAX_ALGS entries, no duplicates. Each event digest
 * must use an algorithm of the table (once). A CCA event (VM VERSION,
 * EVENT_TAG, image blob) with a bad size or unknown tag id is an error.
 * Errors: CCAKIT_ERR_EVLOG_MALFORMED (detail says where),
 * CCAKIT_ERR_TOO_LARGE, CCAKIT_ERR_NOMEM. The log keeps its own copy of
 * the bytes; its content is replaced only on success.
 */
int ccakit_evlog_parse(ccakit_evlog *l, const uint8_t *buf, size_t len,
    unsigned flags, struct ccakit_errdetail *d);

const struct ccakit_evlog_specid *ccakit_evlog_specid(const ccakit_evlog *l);
size_t ccakit_evlog_count(const ccakit_evlog *l);
/* The i-th event (terminator excluded), NULL when out of range. Valid
 * until the log is freed. */
const struct ccakit_evlog_event *ccakit_evlog_event(const ccakit_evlog *l,
    size_t i);

/* The measurement register of a PCR: 0 = RIM, 1..4 = REM0..REM3. */
unsigned ccakit_evlog_pcr_to_mr(uint32_t pcr);

/* ------------------------------------------------------------------ */
/* Replay                                                               */
/* ------------------------------------------------------------------ */

/*
 * A trusted image. It matches a logged image event when one of the event's
 * digests has algorithm alg and equals digest, and (if name is not NULL)
 * the logged description equals name. src gives the content, needed for
 * images measured into the RIM (kind CCAKIT_SRC_NONE is enough for REM
 * events, which extend by digest). A CCAKIT_SRC_READ source is consumed.
 */
struct ccakit_trusted_image {
	const char *name;
	uint16_t alg;                   /* TCG algorithm id */
	const uint8_t *digest;
	size_t digest_len;
	struct ccakit_image_src src;
};

/* Replay flags. */
/* Hash the content of each RIM image and compare it with the logged digest
 * (costs one more pass over each image). */
#define CCAKIT_REPLAY_VERIFY_CONTENT   (1u << 0)
/* Extend REMs with digests that no trusted image has (status
 * CCAKIT_RS_UNTRUSTED) instead of failing with CCAKIT_ERR_NOT_FOUND. */
#define CCAKIT_REPLAY_ALLOW_UNTRUSTED  (1u << 1)

struct ccakit_replay_opts {
	enum ccakit_rmm_version rmm;    /* 0 means CCAKIT_RMM_1 */
	unsigned compat;                /* CCAKIT_COMPAT_* */
	unsigned threads;               /* 0 = online CPUs */
	unsigned flags;                 /* CCAKIT_REPLAY_* */
	const struct ccakit_trusted_image *images;
	size_t n_images;
};

/* What the log claimed, for policy checks. Event pointers point into the
 * log and are NULL when absent. */
struct ccakit_replay_result {
	struct ccakit_realm_meas meas;
	const struct ccakit_evlog_event *vm_version;
	const struct ccakit_evlog_event *realm_create;
	const struct ccakit_evlog_event *rec;   /* first measured REC */
	size_t n_ripas;                 /* INIT_RIPAS events */
	size_t n_images;                /* measured RIM images */
	size_t n_unmeasured;            /* unmeasured RIM regions */
	size_t n_rem_events;            /* REM extensions */
	size_t n_recs;                  /* REC events */
	size_t n_untrusted;             /* CCAKIT_RS_UNTRUSTED events */
};

/*
 * Replay the log in order: REALM_CREATE initialises the RIM (it must come
 * first among measuring events, and only once); INIT_RIPAS, RIM images
 * (DATA of the trusted content at the logged base; the logged length must
 * equal the content length), unmeasured images (logged base and length)
 * and REC_CREATE extend it; events on other PCRs extend their REM with
 * the digest of the realm's algorithm. Sets each event's status.
 * Errors: CCAKIT_ERR_NOT_FOUND (an image without a trusted match, or a
 * RIM image without content), CCAKIT_ERR_EVLOG_MALFORMED (inconsistent
 * log: no REALM_CREATE, flags outside LPA2/SVE/PMU, a missing digest of
 * the realm algorithm, a logged length that differs from the trusted
 * content...), CCAKIT_ERR_TOO_LARGE (caps). *res only on success.
 */
int ccakit_evlog_replay(ccakit_evlog *l, const struct ccakit_replay_opts *o,
    struct ccakit_replay_result *res, struct ccakit_errdetail *d);

/* ------------------------------------------------------------------ */
/* Writer                                                               */
/* ------------------------------------------------------------------ */

struct ccakit_evlog_write_opts {
	/* Digest algorithms of the log (TCG ids); n_algs == 0 means the
	 * realm hash algorithm only. */
	const uint16_t *algs;
	size_t n_algs;
	/* Zero-pad the log to this size (e.g. the 64 KiB log region); 0 =
	 * no padding. CCAKIT_ERR_BUFFER_TOO_SMALL if the log is larger. */
	size_t pad_to;
	/* Terminate image descriptions with a NUL (realm-bootlog.bin style);
	 * by default they are not (QEMU style, matched by upstream replay). */
	bool nul_desc;
};

/*
 * Write the measurement log of a configuration: Spec ID, VM VERSION
 * (vmm_name must be set), REALM_CREATE, then INIT_RIPAS / image / REC
 * events in the order ccakit_realm_config_measure() performs them, so
 * that replaying the log with the configuration's images as trusted
 * images gives the same RIM and REMs. Image digests are computed from the
 * sources (READ sources are refused: they cannot be read twice). RAM
 * ranges are logged as {base, size}. The log is malloc'd into *out.
 */
int ccakit_evlog_write(const struct ccakit_realm_config *cfg,
    const struct ccakit_evlog_write_opts *o, uint8_t **out, size_t *outlen,
    struct ccakit_errdetail *d);

#ifdef __cplusplus
}
#endif

#endif /* CCAKIT_EVENTLOG_H */
