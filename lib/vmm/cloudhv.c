/*
 * cloud-hypervisor model (upstream src/cloud_hypervisor.rs; spec §3.4).
 * Upstream marks parts of this layout FIXME and has no test vector for
 * it: the values are consistency checks, not proven byte-exact.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/vmm_priv.h"

#define CH_GIC_DIST_BASE	UINT64_C(0x08ff0000)
#define CH_GIC_DIST_SIZE	UINT64_C(0x10000)
#define CH_GIC_REDIST_SIZE	UINT64_C(0x20000)
#define CH_GIC_ITS_SIZE		UINT64_C(0x20000)
#define CH_UART_BASE		UINT64_C(0x09000000)
#define CH_MEM_START		UINT64_C(0x40000000)
#define CH_PCI_CFG_BASE		UINT64_C(0x30000000)
#define CH_DT_BASE		CH_MEM_START
#define CH_KERNEL_BASE		(CH_MEM_START + 0x400000)

enum {
	C_CPUS, C_PLATFORM, C_MEMORY, C_MEMORY_ZONE, C_FIRMWARE, C_KERNEL,
	C_INITRAMFS, C_CMDLINE, C_RATE_LIMIT_GROUP, C_DISK, C_NET, C_RNG,
	C_BALLOON, C_FS, C_PMEM, C_SERIAL, C_CONSOLE, C_DEVICE, C_USER_DEVICE,
	C_VDPA, C_VSOCK, C_PVPANIC, C_NUMA, C_PCI_SEGMENT, C_WATCHDOG,
	C_LOG_FILE, C_API_SOCKET, C_EVENT_MONITOR, C_RESTORE, C_SECCOMP,
	C_TPM, C_VERBOSE, C_DTB, C__COUNT
};

static const struct cki_opt ch_opts[C__COUNT] = {
	[C_CPUS] = { "cpus", 0, 1, 0 },
	[C_PLATFORM] = { "platform", 0, 1, 0 },
	[C_MEMORY] = { "memory", 0, 1, 0 },
	[C_MEMORY_ZONE] = { "memory-zone", 0, 1, 1 },
	[C_FIRMWARE] = { "firmware", 0, 1, 0 },
	[C_KERNEL] = { "kernel", 0, 1, 0 },
	[C_INITRAMFS] = { "initramfs", 0, 1, 0 },
	[C_CMDLINE] = { "cmdline", 0, 1, 0 },
	[C_RATE_LIMIT_GROUP] = { "rate-limit-group", 0, 1, 1 },
	[C_DISK] = { "disk", 0, 1, 1 },
	[C_NET] = { "net", 0, 1, 1 },
	[C_RNG] = { "rng", 0, 1, 0 },
	[C_BALLOON] = { "balloon", 0, 1, 0 },
	[C_FS] = { "fs", 0, 1, 1 },
	[C_PMEM] = { "pmem", 0, 1, 1 },
	[C_SERIAL] = { "serial", 0, 1, 0 },
	[C_CONSOLE] = { "console", 0, 1, 0 },
	[C_DEVICE] = { "device", 0, 1, 1 },
	[C_USER_DEVICE] = { "user-device", 0, 1, 1 },
	[C_VDPA] = { "vdpa", 0, 1, 1 },
	[C_VSOCK] = { "vsock", 0, 1, 0 },
	[C_PVPANIC] = { "pvpanic", 0, 0, 0 },
	[C_NUMA] = { "numa", 0, 1, 1 },
	[C_PCI_SEGMENT] = { "pci-segment", 0, 1, 1 },
	[C_WATCHDOG] = { "watchdog", 0, 0, 0 },
	[C_LOG_FILE] = { "log-file", 0, 1, 0 },
	[C_API_SOCKET] = { "api-socket", 0, 1, 0 },
	[C_EVENT_MONITOR] = { "event-monitor", 0, 1, 0 },
	[C_RESTORE] = { "restore", 0, 1, 0 },
	[C_SECCOMP] = { "seccomp", 0, 1, 0 },
	[C_TPM] = { "tpm", 0, 1, 0 },
	[C_VERBOSE] = { "", 'v', 0, 1 },
	[C_DTB] = { "dtb", 0, 1, 0 },
};

struct cloudhv {
	struct ccakit_vmm *v;
	const char *val[C__COUNT];
	uint64_t ncpus, mem_size;
	uint64_t initrd_start, initrd_size;
	int serial;
};

/* Walk "name=value,..." calling fn for each item. */
static int
each_item(struct cloudhv *c, const char *arg, const char *what,
    int (*fn)(struct cloudhv *, const char *, const char *,
    struct ccakit_errdetail *), struct ccakit_errdetail *m)
{
	char *copy, *p, *item, *comma, *eq;
	int r = CCAKIT_OK;

	if ((copy = strdup(arg)) == NULL)
		return cki_msg(m, CCAKIT_ERR_NOMEM, "out of memory");
	for (p = copy; p != NULL && r == CCAKIT_OK; p = comma) {
		item = p;
		if ((comma = strchr(p, ',')) != NULL)
			*comma++ = '\0';
		if ((eq = strchr(item, '=')) == NULL) {
			r = cki_msg(m, CCAKIT_ERR_INVALID_ARG,
			    "malformed %s param %s", what, item);
			break;
		}
		*eq = '\0';
		r = fn(c, item, eq + 1, m);
	}
	free(copy);
	return r;
}

static int
platform_item(struct cloudhv *c, const char *name, const char *val,
    struct ccakit_errdetail *m)
{
	if (strcmp(name, "personalization_value") == 0)
		return cki_rpv_b64(val, c->v->rpv, m);
	if (strcmp(name, "measurement_algo") == 0)
		return cki_hash_from_str(val, &c->v->hash, m);
	return CCAKIT_OK;
}

static int
cpus_item(struct cloudhv *c, const char *name, const char *val,
    struct ccakit_errdetail *m)
{
	int r;

	if (strcmp(name, "boot") != 0) {
		cki_vmm_warn(c->v, "ignored --cpus parameter %s", name);
		return CCAKIT_OK;
	}
	if ((r = cki_parse_u64(val, UINT64_MAX, &c->ncpus, m)) != CCAKIT_OK)
		return cki_msg_ctx(m, r, "--cpus");
	return CCAKIT_OK;
}

static int
memory_item(struct cloudhv *c, const char *name, const char *val,
    struct ccakit_errdetail *m)
{
	int r;

	if (strcmp(name, "size") != 0) {
		cki_vmm_warn(c->v, "ignored --memory parameter %s", name);
		return CCAKIT_OK;
	}
	if ((r = cki_parse_mem_size(val, &c->mem_size, m)) != CCAKIT_OK)
		return cki_msg_ctx(m, r, "--memory");
	return CCAKIT_OK;
}

static void
gen_dtb(struct cloudhv *c, struct cki_fdt *f)
{
	static const char compat[] = "arm,pl011\0arm,primecell";
	const uint64_t hb = UINT64_C(0x200000000);
	const uint64_t hs = UINT64_C(0x3fff00000000) - hb;
	const uint64_t rs = c->ncpus * CH_GIC_REDIST_SIZE;
	const uint64_t rb = CH_GIC_DIST_BASE - rs;
	const uint64_t gic[4] = { CH_GIC_DIST_BASE, CH_GIC_DIST_SIZE, rb, rs };
	const uint64_t its[2] = { rb - CH_GIC_ITS_SIZE, CH_GIC_ITS_SIZE };
	const uint64_t uart_reg[2] = { CH_UART_BASE, 0x1000 };
	const uint64_t pci_reg[2] = { CH_PCI_CFG_BASE, 0x100000 };
	const uint32_t uart_irq[3] = { CKI_IRQ_SPI, 0xb, CKI_IRQ_EDGE_LO_HI };
	const uint32_t msi_map[4] = { 0, 2, 0, 0x100 };
	const uint32_t bus_range[2] = { 0, 0 };
	const uint32_t ranges[21] = {
		CKI_PCI_RANGE_IOPORT, 0, 0, 0, 0x09050000, 0, 0x10000,
		CKI_PCI_RANGE_MMIO, 0, 0x10000000, 0, 0x10000000, 0,
		0x20000000,
		CKI_PCI_RANGE_MMIO64, (uint32_t)(hb >> 32), (uint32_t)hb,
		(uint32_t)(hb >> 32), (uint32_t)hb, (uint32_t)(hs >> 32),
		(uint32_t)hs,
	};

	cki_fdt_new(f, CH_MEM_START, c->mem_size, (uint32_t)c->ncpus, 1,
	    c->val[C_CMDLINE], c->initrd_size != 0, c->initrd_start,
	    c->initrd_size);
	cki_fdt_add_gic(f, gic, 4, its, 1, 2);
	cki_fdt_add_timer(f, CKI_IRQ_LEVEL_HI);
	cki_fdt_add_pmu(f);
	cki_fdt_add_clock(f, 3);
	cki_fdt_add_pl031(f, 3, 8);
	if (c->serial) {
		cki_fdt_begin_addr(f, "pl011", CH_UART_BASE);
		cki_fdt_prop_str(f, "clock-names", "apb_pclk");
		cki_fdt_prop_u64s(f, "reg", uart_reg, 2);
		cki_fdt_prop_u32(f, "clocks", 3);
		cki_fdt_prop_u32s(f, "interrupts", uart_irq, 3);
		cki_fdt_prop_strs(f, "compatible", compat, sizeof(compat));
		cki_fdt_end(f);
	}
	cki_fdt_begin_addr(f, "pcie", CH_PCI_CFG_BASE);
	cki_fdt_prop_u32s(f, "ranges", ranges, 21);
	cki_fdt_prop_u64s(f, "reg", pci_reg, 2);
	cki_fdt_prop_u32s(f, "msi-map", msi_map, 4);
	cki_fdt_prop_null(f, "dma-coherent");
	cki_fdt_prop_u32s(f, "bus-range", bus_range, 2);
	cki_fdt_prop_u32(f, "linux,pci-domain", 0);
	cki_fdt_prop_u32(f, "#size-cells", 2);
	cki_fdt_prop_u32(f, "#address-cells", 3);
	cki_fdt_prop_str(f, "device_type", "pci");
	cki_fdt_prop_str(f, "compatible", "pci-host-ecam-generic");
	cki_fdt_end(f);
	cki_fdt_end(f);
}

int
cki_cloudhv_build(struct ccakit_vmm *v, int argc, const char *const *argv,
    const struct ccakit_vmm_opts *o, struct ccakit_errdetail *m)
{
	struct cloudhv c;
	struct cki_room room;
	struct cki_optval *vals = NULL;
	struct cki_fdt f;
	uint64_t text_offset, image_size, size;
	uint8_t *dtb = NULL;
	size_t nvals = 0, i, dlen;
	int r;

	memset(&c, 0, sizeof(c));
	c.v = v;
	c.ncpus = 1;
	c.mem_size = 512 * CKI_MIB;
	c.serial = 1;
	(void)cki_caps_set(&v->params, CCAKIT_CAP_IPA_BITS, 48, 1, m);
	v->hash = CCAKIT_HASH_SHA512;
	if ((vals = calloc((size_t)argc + 1, sizeof(*vals))) == NULL)
		return cki_msg(m, CCAKIT_ERR_NOMEM, "out of memory");
	if ((r = cki_clap_parse(ch_opts, C__COUNT, argc, argv, vals, &nvals,
	    m)) != CCAKIT_OK)
		goto out;
	for (i = 0; i < nvals; i++)
		c.val[vals[i].idx] = vals[i].val;
	if ((c.val[C_PLATFORM] && (r = each_item(&c, c.val[C_PLATFORM],
	    "--platform", platform_item, m)) != CCAKIT_OK) ||
	    (c.val[C_CPUS] && (r = each_item(&c, c.val[C_CPUS], "--cpu",
	    cpus_item, m)) != CCAKIT_OK) ||
	    (c.val[C_MEMORY] && (r = each_item(&c, c.val[C_MEMORY],
	    "--memory", memory_item, m)) != CCAKIT_OK))
		goto out;
	if (c.val[C_SERIAL] != NULL && strcmp(c.val[C_SERIAL], "off") == 0)
		c.serial = 0;
	if (c.ncpus == 0 || c.ncpus > CKI_VMM_MAX_CPUS) {
		r = cki_msg(m, CCAKIT_ERR_INVALID_ARG,
		    "--cpus: invalid number of vCPUs");
		goto out;
	}
	if (c.mem_size > UINT64_MAX / 4) {
		r = cki_msg(m, CCAKIT_ERR_INVALID_ARG,
		    "--memory: invalid size");
		goto out;
	}
	v->num_cpus = (uint32_t)c.ncpus;
	v->ram_base = CH_MEM_START;
	v->ram_size = c.mem_size;

	if (c.val[C_KERNEL] != NULL) {
		cki_room_set(&room, "kernel", "in RAM", CH_KERNEL_BASE,
		    CH_MEM_START, c.mem_size);
		if ((r = cki_vmm_load_kernel(v, o, &room, &text_offset,
		    &image_size, m)) != CCAKIT_OK ||
		    (r = cki_vmm_add_rim(v, CH_KERNEL_BASE + text_offset,
		    &v->kernel, NULL, 0, "KERNEL", m)) != CCAKIT_OK)
			goto out;
	}
	if (c.val[C_INITRAMFS] != NULL) {
		/* At the top of RAM, aligned on the host page size. */
		cki_room_set(&room, "initrd", "in RAM", CH_MEM_START,
		    CH_MEM_START, c.mem_size & ~(CKI_GRANULE - 1));
		if ((r = cki_vmm_open_initrd(v, o, &room, m)) != CCAKIT_OK)
			goto out;
		size = cki_align_up(v->initrd.len, CKI_GRANULE);
		c.initrd_start = CH_MEM_START + c.mem_size - size;
		c.initrd_size = v->initrd.len;
		if ((r = cki_vmm_add_rim(v, c.initrd_start, &v->initrd, NULL,
		    0, "INITRD", m)) != CCAKIT_OK)
			goto out;
	}
	/* The REC pc ignores text_offset (spec §8.9). */
	v->has_rec = 1;
	v->pc = CH_KERNEL_BASE;
	v->gprs[0] = CH_DT_BASE;

	/* --dtb and --dtb-template are ignored for cloud-hypervisor. */
	if (cki_fdt_init(&f, NULL, 0, 0) == CCAKIT_OK)
		gen_dtb(&c, &f);
	if ((r = cki_fdt_finish(&f, &dtb, &dlen)) != CCAKIT_OK) {
		r = cki_msg(m, r, "while generating DTB: FDT: %s",
		    f.errwhat ? f.errwhat : "error");
		cki_fdt_free(&f);
		goto out;
	}
	cki_fdt_free(&f);
	if ((r = cki_vmm_set_dtb(v, dtb, dlen, CH_DT_BASE, m)) != CCAKIT_OK) {
		r = cki_msg_ctx(m, r, "while generating DTB");
		goto out;
	}
	r = CCAKIT_OK;
out:
	free(vals);
	return r;
}
