/*
 * Arm CCA Realm Initial and Extensible Measurements (RIM, REMs).
 *
 * A ccakit_realm replays, on the host side, the measurement operations
 * that the RMM performs while a VMM builds a realm (RMM spec DEN0137,
 * TF-RMM lib/measurement): REALM_CREATE initialises the RIM from the
 * realm parameters, DATA_CREATE extends it once per 4 KiB granule,
 * RTT_INIT_RIPAS once per RTT entry (RMM 1.x only) and REC_CREATE once per
 * runnable REC. RSI_MEASUREMENT_EXTEND extends a REM.
 *
 * Every measurement is a 64-byte slot: the L bytes of the hash (L = 32,
 * 48 or 64) followed by zeros, exactly as the RMM stores it and as the
 * upstream realm-measurements tool prints it.
 *
 * Granule contents are hashed in parallel by a small pool of worker
 * threads owned by the context; the descriptor chain is sequential.
 * Memory use does not depend on image sizes: images are streamed in
 * windows of a fixed number of granules.
 *
 * A ccakit_realm is not thread-safe; distinct contexts are independent.
 * Libraries never print; failures return a ccakit_err code and optionally
 * fill a struct ccakit_errdetail.
 *
 * Design note: docs/measurements.md.
 */
#ifndef CCAKIT_MEASURE_H
#define CCAKIT_MEASURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/err.h>
#include <ccakit/hash.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CCAKIT_GRANULE_SIZE      4096u
#define CCAKIT_MEAS_SLOT_SIZE    64u     /* MAX_MEASUREMENT_SIZE */
#define CCAKIT_REALM_NUM_REMS    4u
/* Cap on hashing threads (ccakit_realm_set_threads). */
#define CCAKIT_REALM_MAX_THREADS 64u

/*
 * RMM ABI generation; it decides what is measured.
 *   CCAKIT_RMM_1: RMM 1.0-rel0 .. 1.x (TF-RMM v0.4.0 .. v0.8.0):
 *                 RTT_INIT_RIPAS extends the RIM; SHA-256 and SHA-512.
 *   CCAKIT_RMM_2: RMM 2.0 (TF-RMM >= v0.9.0): RTT_INIT_RIPAS is not
 *                 measured; SHA-384 is accepted too.
 * The upstream tool always behaves as CCAKIT_RMM_1, the default.
 */
enum ccakit_rmm_version {
	CCAKIT_RMM_1 = 1,
	CCAKIT_RMM_2 = 2,
};

/* RmiRealmFlags (RmiRealmParams.flags / flags0). */
#define CCAKIT_REALM_FLAG_LPA2   (UINT64_C(1) << 0)
#define CCAKIT_REALM_FLAG_SVE    (UINT64_C(1) << 1)
#define CCAKIT_REALM_FLAG_PMU    (UINT64_C(1) << 2)

/*
 * The measured fields of RmiRealmParams, in the RMM's own encoding (what
 * the host writes into the page, and what the REALM_CREATE event of the
 * measurement log carries):
 *   flags         bit 0 LPA2, bit 1 SVE, bit 2 PMU; any other bit is
 *                 measured as given (TF-RMM copies the whole flags0)
 *   s2sz          IPA width in bits
 *   sve_vl        SVE vector length as VQ - 1 = VL_bits / 128 - 1;
 *                 0 without SVE
 *   num_bps       number of breakpoints MINUS ONE (RMM 1.0-rel0)
 *   num_wps       number of watchpoints MINUS ONE
 *   pmu_num_ctrs  PMU counters (0 without the PMU flag)
 *   hash_algo     enum ccakit_hash_algo (hash.h: RmiHashAlgorithm)
 */
struct ccakit_realm_params {
	uint64_t flags;
	uint8_t s2sz;
	uint8_t sve_vl;
	uint8_t num_bps;
	uint8_t num_wps;
	uint8_t pmu_num_ctrs;
	uint8_t hash_algo;
};

/* RmiRecParams.flags */
#define CCAKIT_REC_FLAG_RUNNABLE (UINT64_C(1) << 0)

/* The measured fields of RmiRecParams (RMM 1.0-rel0 B4.3.12.4). */
struct ccakit_rec_params {
	uint64_t flags;
	uint64_t pc;
	uint64_t gprs[8];
};

/* The five measurement slots of a realm. */
struct ccakit_realm_meas {
	uint8_t hash_algo;              /* enum ccakit_hash_algo */
	size_t len;                     /* L: 32, 48 or 64 */
	uint8_t rim[CCAKIT_MEAS_SLOT_SIZE];
	uint8_t rem[CCAKIT_REALM_NUM_REMS][CCAKIT_MEAS_SLOT_SIZE];
};

/*
 * Deliberate incompatibilities with the upstream tool, which can be
 * switched back on for users who need equal values (ccakit_realm_set_compat):
 *   CCAKIT_COMPAT_TOOL_REM  REM extension computes REM = H(pad64(data)),
 *                           dropping the old value (tool rem_extend), instead
 *                           of the RMM's REM = H(REM[0:L] || data).
 *   CCAKIT_COMPAT_TOOL_REC  REC_CREATE measures a REC even when it is not
 *                           RUNNABLE (the tool's event-log replay does);
 *                           the RMM measures runnable RECs only.
 */
#define CCAKIT_COMPAT_TOOL_REM   (1u << 0)
#define CCAKIT_COMPAT_TOOL_REC   (1u << 1)
#define CCAKIT_COMPAT_TOOL \
	(CCAKIT_COMPAT_TOOL_REM | CCAKIT_COMPAT_TOOL_REC)

/*
 * Where the bytes of an image come from.
 *   MEM   mem/len, borrowed for the duration of the call.
 *   FD    a regular file is read from offset 0 to its end (size from
 *         fstat) with pread(), or pread() and mmap() windows (see
 *         ccakit_realm_set_io()); the file offset is not used or changed
 *         and the fd is not closed. The file must not be truncated
 *         meanwhile: read with pread() that fails with CCAKIT_ERR_IO,
 *         but a mapped page past the end raises SIGBUS.
 *         Any other fd (pipe, socket) is read() from its current position
 *         to end of file.
 *   PATH  a file opened, read as FD and closed by the call.
 *   READ  read(arg, buf, len, &got) is called until it sets *got = 0
 *         (end of data); it returns 0 or a ccakit_err code, which aborts
 *         the operation. A READ source can be consumed only once.
 */
enum ccakit_src_kind {
	CCAKIT_SRC_NONE = 0,
	CCAKIT_SRC_MEM,
	CCAKIT_SRC_FD,
	CCAKIT_SRC_PATH,
	CCAKIT_SRC_READ,
};

typedef int (*ccakit_read_fn)(void *arg, uint8_t *buf, size_t len,
    size_t *got);

struct ccakit_image_src {
	enum ccakit_src_kind kind;
	const void *mem;
	size_t len;
	int fd;
	const char *path;
	ccakit_read_fn read;
	void *arg;
};

/* ------------------------------------------------------------------ */
/* Measurement context: the RMM primitives.                            */
/* ------------------------------------------------------------------ */

typedef struct ccakit_realm ccakit_realm;

/* A new context (RMM 1.x, no compat flags, threads = online CPUs), or
 * NULL when out of memory. No measurement before ccakit_realm_create(). */
ccakit_realm *ccakit_realm_new(void);
/* Free a context and its worker threads; accepts NULL, sets *rp = NULL. */
void ccakit_realm_free(ccakit_realm **rp);

/* Settings; only before ccakit_realm_create() (else INVALID_ARG). */
int ccakit_realm_set_rmm_version(ccakit_realm *r, enum ccakit_rmm_version v);
int ccakit_realm_set_compat(ccakit_realm *r, unsigned compat);
/* Threads hashing granules, the calling thread included: 1 = the calling
 * thread only; 0 (default) = one thread per online CPU, the calling
 * thread included; it runs the sequential descriptor chain and hashes
 * when it has nothing to chain. At most CCAKIT_REALM_MAX_THREADS. */
int ccakit_realm_set_threads(ccakit_realm *r, unsigned nthreads);

/*
 * How the whole granules of a regular file (FD and PATH sources) are
 * read; the measurements are the same either way.
 *   CCAKIT_IO_AUTO   (default) measured on each file with at least
 *                    64 MiB of whole granules: its first 16 MiB are
 *                    hashed 4 MiB at a time, alternately mapped and read,
 *                    and the rest goes the way that was faster. Smaller
 *                    files use PREAD.
 *   CCAKIT_IO_MMAP   mapped in 64 MiB windows and hashed in place.
 *   CCAKIT_IO_PREAD  each worker pread()s the chunks it hashes into a
 *                    buffer of its own, reused for every chunk.
 * A whole-image digest (the log replay's content check) always maps.
 * May be called at any time; INVALID_ARG for an unknown value.
 */
enum ccakit_realm_io {
	CCAKIT_IO_AUTO = 0,
	CCAKIT_IO_MMAP,
	CCAKIT_IO_PREAD,
};
int ccakit_realm_set_io(ccakit_realm *r, enum ccakit_realm_io io);
/* The way the last regular file was read: MMAP or PREAD; AUTO if none. */
enum ccakit_realm_io ccakit_realm_io_used(const ccakit_realm *r);

/*
 * RMI_REALM_CREATE (§1.2): RIM = H(4096-byte RmiRealmParams page holding
 * only the measured fields), H selected by p->hash_algo. Once per context.
 * Fails with CCAKIT_ERR_INVALID_ARG for an unknown hash_algo (SHA-384
 * needs CCAKIT_RMM_2) or a second call.
 */
int ccakit_realm_create(ccakit_realm *r, const struct ccakit_realm_params *p,
    struct ccakit_errdetail *d);

/*
 * RMI_DATA_CREATE with RMI_MEASURE_CONTENT for an image loaded at ipa
 * (any alignment, as the upstream tool): the granules covering
 * [ipa, ipa+len) are measured in ascending order, each holding zeros
 * before ipa and after the end of the image. An empty image measures
 * nothing at an aligned IPA, and one zero granule at an unaligned one
 * (the tool's rule). If total is not NULL it receives the image length.
 * Fails with CCAKIT_ERR_INVALID_ARG when the range wraps the 64-bit IPA
 * space, CCAKIT_ERR_IO on read errors.
 */
int ccakit_realm_data(ccakit_realm *r, uint64_t ipa, const void *buf,
    size_t len, struct ccakit_errdetail *d);
int ccakit_realm_data_src(ccakit_realm *r, uint64_t ipa,
    const struct ccakit_image_src *src, uint64_t *total,
    struct ccakit_errdetail *d);

/*
 * One DATA descriptor for the granule at ipa (4 KiB aligned) whose content
 * hash is already known (len must be the realm hash length). For
 * verifiers holding per-granule hash lists.
 */
int ccakit_realm_data_granule_hash(ccakit_realm *r, uint64_t ipa,
    const uint8_t *hash, size_t len, struct ccakit_errdetail *d);

/*
 * RMI_DATA_CREATE with RMI_NO_MEASURE_CONTENT for [ipa, ipa+size): one
 * descriptor (flags 0, zero content) per granule from align_down(ipa) to
 * align_up(ipa+size).
 */
int ccakit_realm_data_unmeasured(ccakit_realm *r, uint64_t ipa, uint64_t size,
    struct ccakit_errdetail *d);

/*
 * RMI_RTT_INIT_RIPAS over [base, top) (base aligned down, top aligned up
 * to 4 KiB): one RIPAS descriptor per RTT entry, the entries chosen as
 * Linux KVM and the upstream tool do (largest block that is aligned and
 * fits, from the stage-2 geometry given by s2sz). A no-op returning
 * CCAKIT_OK under CCAKIT_RMM_2. The tool measures each RAM range as
 * [align_down(base), align_up(base + size - 1)).
 */
int ccakit_realm_init_ripas(ccakit_realm *r, uint64_t base, uint64_t top,
    struct ccakit_errdetail *d);

/*
 * RMI_REC_CREATE (§1.5): content = H(4096-byte RmiRecParams page with
 * flags, pc and gprs[0..7]), then one REC descriptor. A REC without
 * CCAKIT_REC_FLAG_RUNNABLE is not measured (unless CCAKIT_COMPAT_TOOL_REC).
 */
int ccakit_realm_rec_create(ccakit_realm *r,
    const struct ccakit_rec_params *rec, struct ccakit_errdetail *d);

/*
 * RSI_MEASUREMENT_EXTEND on REM<index> (index 0..3, i.e. RSI index 1..4):
 * REM = H(REM[0:L] || data[0:len]), len <= 64, no padding. With
 * CCAKIT_COMPAT_TOOL_REM: REM = H(data zero-padded to 64 bytes).
 */
int ccakit_realm_rem_extend(ccakit_realm *r, unsigned index,
    const uint8_t *data, size_t len, struct ccakit_errdetail *d);

/* Current values of the five slots (after ccakit_realm_create()). */
int ccakit_realm_get(const ccakit_realm *r, struct ccakit_realm_meas *out);

/* ------------------------------------------------------------------ */
/* A whole measured configuration, as a VMM model describes it.        */
/* ------------------------------------------------------------------ */

struct ccakit_mem_range {
	uint64_t base;
	uint64_t size;
};

/*
 * What an image contributes:
 *   CCAKIT_IMG_RIM         measured DATA granules (kernel, initrd, DTB,
 *                          firmware loaded by the VMM)
 *   CCAKIT_IMG_UNMEASURED  unmeasured DATA over [ipa, ipa+size) (the
 *                          measurement log region); src is not read
 *   CCAKIT_IMG_REM0..3     REMn extended with H(image) (images measured by
 *                          guest firmware, e.g. QEMU -bios with -kernel)
 */
enum ccakit_img_target {
	CCAKIT_IMG_RIM = 0,
	CCAKIT_IMG_UNMEASURED,
	CCAKIT_IMG_REM0,
	CCAKIT_IMG_REM1,
	CCAKIT_IMG_REM2,
	CCAKIT_IMG_REM3,
};

struct ccakit_realm_image {
	const char *name;               /* log description: "KERNEL", "INITRD",
					 * "DTB", "FIRMWARE", "LOG", ... */
	enum ccakit_img_target target;
	uint64_t ipa;
	uint64_t size;                  /* CCAKIT_IMG_UNMEASURED only */
	struct ccakit_image_src src;    /* not for CCAKIT_IMG_UNMEASURED */
};

/*
 * Order of the RMM operations:
 *   CCAKIT_ORDER_TOOL   (default; upstream tool, kvmtool fork, QEMU v12
 *                       port) CREATE, INIT_RIPAS of each RAM range by
 *                       ascending base, RIM images by ascending IPA, the
 *                       REC, unmeasured images in array order.
 *   CCAKIT_ORDER_LINUX  (Linux KVM 2026 rmi.c) CREATE, RIM images by
 *                       ascending IPA, unmeasured images, the REC,
 *                       INIT_RIPAS.
 * REM images extend their REM in array order in both cases.
 */
enum ccakit_realm_order {
	CCAKIT_ORDER_TOOL = 0,
	CCAKIT_ORDER_LINUX,
};

struct ccakit_realm_config {
	struct ccakit_realm_params params;
	enum ccakit_rmm_version rmm;    /* 0 means CCAKIT_RMM_1 */
	enum ccakit_realm_order order;
	unsigned compat;                /* CCAKIT_COMPAT_* */
	unsigned threads;               /* 0 = online CPUs */
	enum ccakit_realm_io io;        /* image files: 0 = CCAKIT_IO_AUTO */

	/* VM VERSION event of the log only (not measured). */
	const char *vmm_name;           /* "kvmtool", "QEMU"; <= 31 chars */
	const char *vmm_version;        /* <= 39 chars; may be NULL */
	uint64_t ram_size;
	uint32_t num_cpus;

	const struct ccakit_mem_range *ram;     /* INIT_RIPAS ranges */
	size_t n_ram;
	const struct ccakit_realm_image *images;
	size_t n_images;
	bool has_rec;                   /* the primary, runnable REC */
	struct ccakit_rec_params rec;
};

/*
 * Compute the RIM and REMs of a configuration. Two RIM images starting at
 * the same IPA fail with CCAKIT_ERR_INVALID_ARG ("duplicate blob at ..."
 * upstream); overlapping images are measured independently, as upstream.
 * *out is written only on success.
 */
int ccakit_realm_config_measure(const struct ccakit_realm_config *cfg,
    struct ccakit_realm_meas *out, struct ccakit_errdetail *d);

#ifdef __cplusplus
}
#endif

#endif /* CCAKIT_MEASURE_H */
