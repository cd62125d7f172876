/*
 * Internals of the VMM models: the flattened-device-tree writer, the DTB
 * template reader ("surgeon") and the pieces shared by the kvmtool, QEMU
 * and cloud-hypervisor models.
 */
#ifndef CCAKIT_VMM_PRIV_H
#define CCAKIT_VMM_PRIV_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/vmm.h>

#include "util/util.h"

#define CKI_KIB		(UINT64_C(1) << 10)
#define CKI_MIB		(UINT64_C(1) << 20)
#define CKI_GIB		(UINT64_C(1) << 30)
#define CKI_TIB		(UINT64_C(1) << 40)
#define CKI_PIB		(UINT64_C(1) << 50)
#define CKI_GRANULE	UINT64_C(0x1000)

/* Limits on what the models and the DTB reader accept. */
#define CKI_VMM_MAX_CPUS	1024	/* vCPUs in a generated DTB */
#define CKI_FDT_MAX_SIZE	(16u << 20)	/* any DTB written or read */
#define CKI_FDT_MAX_NAMES	4096	/* distinct property names */
#define CKI_FDT_MAX_DEPTH	64	/* node nesting (vm-fdt, Linux) */
#define CKI_FDT_MAX_RSV		1024	/* memory reservation entries */
#define CKI_FDT_NAME_MAX	31	/* node and property names */
#define CKI_KERNEL_MAX		(512u << 20)	/* decompressed kernel; any
						 * image read from a stream */

/*
 * FDT writer reproducing vm-fdt's serialisation byte for byte (spec
 * §3.5): header, memory reservation map, structure block, then the
 * strings block where each property name is appended at its first use.
 * Errors are sticky: after the first failure every call is a no-op and
 * cki_fdt_finish() returns that error, so the generators read as a
 * straight script.
 */
struct cki_fdt_name {
	char *name;
	uint32_t off;
};

struct cki_fdt {
	uint8_t *buf;		/* header, rsvmap and structure block */
	size_t len, cap;
	uint8_t *str;		/* strings block */
	size_t slen, scap;
	struct cki_fdt_name *names;
	size_t nnames, names_cap;
	uint32_t *phandles;
	size_t nphandles, phandles_cap;
	uint32_t off_rsvmap, off_struct;
	uint32_t version, last_comp, boot_cpuid;
	uint32_t total_size;	/* 0: tight */
	unsigned int depth;
	int node_ended;
	int err;		/* first error, sticky */
	const char *errwhat;	/* static description of it */
};

struct cki_fdt_rsv {
	uint64_t addr, size;
};

int cki_fdt_init(struct cki_fdt *f, const struct cki_fdt_rsv *rsv,
    size_t nrsv, size_t padding);
void cki_fdt_free(struct cki_fdt *f);
int cki_fdt_begin(struct cki_fdt *f, const char *name);
int cki_fdt_begin_addr(struct cki_fdt *f, const char *name, uint64_t addr);
int cki_fdt_end(struct cki_fdt *f);
int cki_fdt_prop(struct cki_fdt *f, const char *name, const void *val,
    size_t len);
int cki_fdt_prop_null(struct cki_fdt *f, const char *name);
int cki_fdt_prop_u32(struct cki_fdt *f, const char *name, uint32_t v);
int cki_fdt_prop_u64(struct cki_fdt *f, const char *name, uint64_t v);
int cki_fdt_prop_str(struct cki_fdt *f, const char *name, const char *s);
/* A string list given as "a\0b\0" with its total length (NULs included). */
int cki_fdt_prop_strs(struct cki_fdt *f, const char *name, const char *s,
    size_t len);
int cki_fdt_prop_u32s(struct cki_fdt *f, const char *name,
    const uint32_t *v, size_t n);
int cki_fdt_prop_u64s(struct cki_fdt *f, const char *name,
    const uint64_t *v, size_t n);
/* A phandle property; fails on a value already used (vm-fdt). */
int cki_fdt_prop_phandle(struct cki_fdt *f, uint32_t v);
/* Preload a strings block and name offsets (DTB templates). */
int cki_fdt_set_strings(struct cki_fdt *f, const uint8_t *block, size_t len);
int cki_fdt_set_name(struct cki_fdt *f, const char *name, uint32_t off);
void cki_fdt_set_total_size(struct cki_fdt *f, uint32_t size);
/* Finish the blob; *out is malloc'd. The caller frees the writer. */
int cki_fdt_finish(struct cki_fdt *f, uint8_t **out, size_t *outlen);

/* Name checks of vm-fdt (device-tree specification §2.2.1, §2.2.4). */
int cki_fdt_node_name_ok(const char *name);
int cki_fdt_prop_name_ok(const char *name);

/*
 * DTB template surgery (spec §3.6). The template is parsed, then its
 * tree is re-emitted through the callbacks: node() returns 1 when it has
 * handled (replaced or dropped) the node with its subtree, 0 to copy it;
 * prop() returns 1 when it has handled the property, 0 to copy it. Both
 * return a negative ccakit error to abort.
 */
struct cki_dtb_surgeon {
	void *arg;
	int (*node)(void *arg, struct cki_fdt *f, const char *name);
	int (*prop)(void *arg, struct cki_fdt *f, const char *node,
	    const char *name, const uint8_t *val, size_t len);
};

int cki_dtb_surgery(const uint8_t *in, size_t len,
    const struct cki_dtb_surgeon *s, uint8_t **out, size_t *outlen,
    struct ccakit_errdetail *msg);

/* Overrides of memory reg and chosen initrd/bootargs; 1 when handled. */
int cki_dtb_common_prop(struct cki_fdt *f, const char *node, const char *name,
    uint64_t mem_base, uint64_t mem_size, int has_initrd, uint64_t ib,
    uint64_t is, const char *bootargs);

/* Common FDT fragments of the tool's generators (src/fdt.rs). */
#define CKI_IRQ_SPI		0u
#define CKI_IRQ_PPI		1u
#define CKI_IRQ_EDGE_LO_HI	1u
#define CKI_IRQ_LEVEL_HI	4u
#define CKI_IRQ_LEVEL_LO	8u
#define CKI_PCI_RANGE_IOPORT	0x01000000u
#define CKI_PCI_RANGE_MMIO	0x02000000u
#define CKI_PCI_RANGE_MMIO64	0x03000000u

void cki_fdt_new(struct cki_fdt *f, uint64_t mem_base, uint64_t mem_size,
    uint32_t ncpus, uint32_t intc_phandle, const char *bootargs,
    int has_initrd, uint64_t initrd_base, uint64_t initrd_size);
void cki_fdt_add_gic(struct cki_fdt *f, const uint64_t *reg, size_t nreg,
    const uint64_t *its_reg, uint32_t gic_phandle, uint32_t its_phandle);
void cki_fdt_add_timer(struct cki_fdt *f, uint32_t trigger);
void cki_fdt_add_pmu(struct cki_fdt *f);
void cki_fdt_add_clock(struct cki_fdt *f, uint32_t phandle);
void cki_fdt_add_pl031(struct cki_fdt *f, uint32_t clk, uint32_t irq);
void cki_fdt_add_log(struct cki_fdt *f, uint64_t base, uint64_t size,
    int kvmtool_order);

/* Error messages in the tool's wording. */
int cki_msg(struct ccakit_errdetail *m, int code, const char *fmt, ...)
    CKI_PRINTF(3, 4);
/* Prefix an existing message with "ctx: " (anyhow's context chain). */
int cki_msg_ctx(struct ccakit_errdetail *m, int code, const char *ctx);
/* "file <path> error: <strerror> (os error N)" */
int cki_msg_file(struct ccakit_errdetail *m, int code, const char *path,
    int errnum);

/* Number parsing with Rust's from_str rules and messages. */
int cki_parse_u64(const char *s, uint64_t max, uint64_t *out,
    struct ccakit_errdetail *m);
/* "<n>[B|K|M|G|T|P]", default MiB (src/utils.rs parse_memory_size). */
int cki_parse_mem_size(const char *s, uint64_t *out,
    struct ccakit_errdetail *m);
/* QEMU-style booleans: on/yes/true/y, off/no/false/n, auto (no change). */
int cki_parse_onoff(const char *s, int *v, struct ccakit_errdetail *m);

/* Parameters (src/realm_params.rs): checks, update and restrict. */
int cki_caps_set(struct ccakit_realm_caps *c, unsigned int which,
    unsigned int v, int restrict_only, struct ccakit_errdetail *m);

/*
 * The guest memory an image may fill at its load address: size bytes
 * from ipa (0 when ipa is outside the region). The VMMs refuse an image
 * that does not fit (QEMU load_image_targphys() limits, kvmtool
 * read_file() limits); so do the models, from the file size before the
 * file is read, and a stream is read no further than one byte past it.
 */
struct cki_room {
	const char *what;	/* "kernel", "initrd", "firmware" */
	const char *where;	/* "in RAM", "below the DTB" */
	uint64_t ipa;
	uint64_t size;
};

/* Images loaded into the realm. */
/*
 * An image: a regular file stays open and is measured through its fd
 * (lib/measure reads it the way ccakit_realm_set_io() says); a stream
 * and a decompressed kernel are held in memory.
 */
struct cki_image {
	char *path;
	struct cki_room room;	/* where it must fit (for a later open) */
	int fd;			/* the open regular file, when has_fd */
	int has_fd;
	const uint8_t *data;	/* or the content in memory (heap) */
	size_t len;
	uint8_t *heap;		/* malloc'd content */
	int loaded;
};

/* The room at ipa in the region [base, base + len). */
void cki_room_set(struct cki_room *rm, const char *what, const char *where,
    uint64_t ipa, uint64_t base, uint64_t len);
/* "<what> does not fit <where> (<n> bytes, <size> available at <ipa>)";
 * n unknown (a stream): "(more than <size> bytes available at <ipa>)". */
int cki_room_refuse(const struct cki_room *rm, uint64_t n, int known,
    struct ccakit_errdetail *m);

/* Open an image that must fit room (copied into img for a later open). */
int cki_image_open(struct cki_image *img, const char *path,
    const struct cki_room *room, struct ccakit_errdetail *m);
void cki_image_close(struct cki_image *img);
/* An open file must still have the size it was laid out with. */
int cki_image_check(const struct cki_image *img, struct ccakit_errdetail *m);
/*
 * Load a Linux arm64 Image (gunzipped if needed), spec §3.2, loaded at
 * room->ipa + text_offset: the file and the image must fit room (the file
 * before it is read, the image at its text_offset).
 */
int cki_kernel_load(struct cki_image *img, const char *path,
    const struct cki_room *room, uint64_t *text_offset, uint64_t *image_size,
    struct ccakit_errdetail *m);
/*
 * The kernel (as cki_kernel_load) and the initrd a VMM command line asks
 * for, from the caller's paths o->kernel and o->initrd, into v->kernel
 * and v->initrd; "need kernel image" or "need initrd image" without one.
 */
int cki_vmm_load_kernel(struct ccakit_vmm *v,
    const struct ccakit_vmm_opts *o, const struct cki_room *room,
    uint64_t *text_offset, uint64_t *image_size, struct ccakit_errdetail *m);
int cki_vmm_open_initrd(struct ccakit_vmm *v,
    const struct ccakit_vmm_opts *o, const struct cki_room *room,
    struct ccakit_errdetail *m);
/* Record the firmware o->firmware, opened at measurement time. */
int cki_vmm_set_firmware(struct ccakit_vmm *v,
    const struct ccakit_vmm_opts *o, const struct cki_room *room,
    struct ccakit_errdetail *m);

/* One region of guest memory populated before the realm runs. */
struct cki_blob {
	uint64_t ipa;
	struct cki_image *img;	/* file content, loaded on demand */
	const uint8_t *data;	/* or bytes owned by the model */
	size_t len;
	const char *label;
};

#define CKI_VMM_MAX_BLOBS	8

struct ccakit_vmm {
	enum ccakit_vmm_type type;
	struct ccakit_realm_caps params;
	enum ccakit_hash_algo hash;
	uint8_t rpv[64];
	uint32_t num_cpus;
	uint64_t ram_base, ram_size;
	struct cki_blob rim[CKI_VMM_MAX_BLOBS];
	size_t nrim;
	struct cki_blob rem[CKI_VMM_MAX_BLOBS];
	size_t nrem;
	int has_rec;
	uint64_t pc, gprs[8];
	int has_log;
	uint64_t log_base, log_size;
	struct cki_image kernel, initrd, firmware;
	uint8_t *dtb;
	size_t dtb_len;
	uint64_t dtb_base;
	char warnings[1024];
};

/*
 * Long and short options parsed the way clap does for the kvmtool and
 * cloud-hypervisor subcommands. Matches are returned in order.
 */
struct cki_opt {
	const char *lng;	/* long name without "--" */
	char shrt;		/* short letter or 0 */
	int has_arg;
	int multi;		/* may be repeated */
};

struct cki_optval {
	int idx;		/* index in the option table */
	const char *val;	/* NULL for flags; may point into argv */
};

int cki_clap_parse(const struct cki_opt *opts, size_t nopts, int argc,
    const char *const *argv, struct cki_optval *vals, size_t *nvals,
    struct ccakit_errdetail *m);
/* "'--cpus <CPUS>'" style name of an option, for messages. */
void cki_clap_name(const struct cki_opt *o, char *buf, size_t sz);
/* Parse an unsigned option value of the given maximum (clap wording). */
int cki_clap_uint(const struct cki_opt *o, const char *val, uint64_t max,
    uint64_t *out, struct ccakit_errdetail *m);
/* Decode a base64 RPV, zero-padded to 64 bytes (upstream wording). */
int cki_rpv_b64(const char *s, uint8_t rpv[64], struct ccakit_errdetail *m);
/* Upstream's RmiHashAlgorithm::from_str. */
int cki_hash_from_str(const char *s, enum ccakit_hash_algo *h,
    struct ccakit_errdetail *m);
/* Non-fatal notices (upstream log::warn!), one per line. */
void cki_vmm_warn(struct ccakit_vmm *v, const char *fmt, ...)
    CKI_PRINTF(2, 3);

/* Model entry points: parse argv and fill the layout. */
int cki_kvmtool_build(struct ccakit_vmm *v, int argc,
    const char *const *argv, const struct ccakit_vmm_opts *o,
    struct ccakit_errdetail *m);
int cki_qemu_build(struct ccakit_vmm *v, int argc, const char *const *argv,
    const struct ccakit_vmm_opts *o, struct ccakit_errdetail *m);
int cki_cloudhv_build(struct ccakit_vmm *v, int argc,
    const char *const *argv, const struct ccakit_vmm_opts *o,
    struct ccakit_errdetail *m);

/* Shared by the models (vmm.c). */
int cki_vmm_add_rim(struct ccakit_vmm *v, uint64_t ipa,
    struct cki_image *img, const uint8_t *data, size_t len,
    const char *label, struct ccakit_errdetail *m);
int cki_vmm_add_rem(struct ccakit_vmm *v, struct cki_image *img,
    const char *label, struct ccakit_errdetail *m);
int cki_vmm_read_file(const char *path, uint8_t **buf, size_t *len,
    struct ccakit_errdetail *m);
/* Take a generated DTB or the --dtb file, add it at base. */
int cki_vmm_set_dtb(struct ccakit_vmm *v, uint8_t *dtb, size_t len,
    uint64_t base, struct ccakit_errdetail *m);

/* ilog2 of a non-zero value. */
unsigned int cki_ilog2(uint64_t v);
uint64_t cki_align_up(uint64_t v, uint64_t a);

#endif /* CCAKIT_VMM_PRIV_H */
