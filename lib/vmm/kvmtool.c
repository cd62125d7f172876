/*
 * kvmtool model (upstream src/kvmtool.rs; spec §3.2): `lkvm run` flags,
 * memory map, image placement, boot registers and the generated DTB
 * (kvmtool 3.18-like, padded to 64 KiB).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/vmm_priv.h"

#define KT_MEM_BASE		UINT64_C(0x80000000)
#define KT_UART_BASE		UINT64_C(0x01000000)
#define KT_RTC_BASE		UINT64_C(0x01010000)
#define KT_VIRTIO_MMIO_BASE	UINT64_C(0x03000000)
#define KT_VIRTIO_MMIO_SIZE	UINT64_C(0x200)
#define KT_PCI_CFG_BASE		UINT64_C(0x40000000)
#define KT_PCI_CFG_SIZE		(UINT64_C(1) << 28)
#define KT_PCI_MMIO_BASE	(KT_PCI_CFG_BASE + KT_PCI_CFG_SIZE)
#define KT_GIC_DIST_BASE	UINT64_C(0x3fff0000)
#define KT_GIC_DIST_SIZE	UINT64_C(0x10000)
#define KT_GIC_REDIST_SIZE	UINT64_C(0x20000)
#define KT_GIC_ITS_SIZE		UINT64_C(0x20000)
#define KT_LOG_SIZE		(64 * CKI_KIB)
#define KT_GIC_PHANDLE		1u
#define KT_ITS_PHANDLE		2u
#define KT_FDT_LIMIT		(KT_MEM_BASE + 256 * CKI_MIB)
#define KT_FDT_ALIGN		(2 * CKI_MIB)
#define KT_FDT_SIZE		0x10000u

enum {
	O_NAME, O_CPUS, O_MEM, O_DISK, O_BALLOON, O_RNG, O_NODEFAULTS, O_9P,
	O_CONSOLE, O_VSOCK, O_DEV, O_TTY, O_HUGETLBFS, O_VIRTIO_TRANSPORT,
	O_LOGLEVEL, O_KERNEL, O_INITRD, O_PARAMS, O_FIRMWARE, O_FLASH,
	O_NETWORK, O_NO_DHCP, O_VFIO_PCI, O_DEBUG, O_DEBUG_SINGLE_STEP,
	O_DEBUG_IOPORT, O_DEBUG_MMIO, O_DEBUG_IODELAY, O_PMU, O_DISABLE_SVE,
	O_REALM, O_MEASUREMENT_ALGO, O_MEASUREMENT_LOG, O_REALM_PV,
	O_NO_PVTIME, O_SVE_MAX_VL, O_PMU_COUNTERS, O_VCPU_AFFINITY,
	O_DISABLE_MTE, O_FORCE_PCI, O_IRQCHIP, O_FIRMWARE_ADDRESS, O_DTB,
	O_RESTRICTED_MEM, O__COUNT
};

/* Everything `lkvm run` takes, so that unsupported flags are not errors. */
static const struct cki_opt kt_opts[O__COUNT] = {
	[O_NAME] = { "name", 0, 1, 0 },
	[O_CPUS] = { "cpus", 'c', 1, 0 },
	[O_MEM] = { "mem", 'm', 1, 0 },
	[O_DISK] = { "disk", 'd', 1, 1 },
	[O_BALLOON] = { "balloon", 0, 0, 0 },
	[O_RNG] = { "rng", 0, 0, 0 },
	[O_NODEFAULTS] = { "nodefaults", 0, 0, 0 },
	[O_9P] = { "9p", 0, 1, 1 },
	[O_CONSOLE] = { "console", 0, 1, 0 },
	[O_VSOCK] = { "vsock", 0, 1, 0 },
	[O_DEV] = { "dev", 0, 1, 0 },
	[O_TTY] = { "tty", 0, 1, 0 },
	[O_HUGETLBFS] = { "hugetlbfs", 0, 1, 0 },
	[O_VIRTIO_TRANSPORT] = { "virtio-transport", 0, 1, 0 },
	[O_LOGLEVEL] = { "loglevel", 0, 1, 0 },
	[O_KERNEL] = { "kernel", 'k', 1, 0 },
	[O_INITRD] = { "initrd", 'i', 1, 0 },
	[O_PARAMS] = { "params", 'p', 1, 0 },
	[O_FIRMWARE] = { "firmware", 'f', 1, 0 },
	[O_FLASH] = { "flash", 'F', 1, 0 },
	[O_NETWORK] = { "network", 'n', 1, 1 },
	[O_NO_DHCP] = { "no-dhcp", 0, 0, 0 },
	[O_VFIO_PCI] = { "vfio-pci", 0, 1, 1 },
	[O_DEBUG] = { "debug", 0, 0, 0 },
	[O_DEBUG_SINGLE_STEP] = { "debug-single-step", 0, 0, 0 },
	[O_DEBUG_IOPORT] = { "debug-ioport", 0, 0, 0 },
	[O_DEBUG_MMIO] = { "debug-mmio", 0, 0, 0 },
	[O_DEBUG_IODELAY] = { "debug-iodelay", 0, 1, 0 },
	[O_PMU] = { "pmu", 0, 0, 0 },
	[O_DISABLE_SVE] = { "disable-sve", 0, 0, 0 },
	[O_REALM] = { "realm", 0, 0, 0 },
	[O_MEASUREMENT_ALGO] = { "measurement-algo", 0, 1, 0 },
	[O_MEASUREMENT_LOG] = { "measurement-log", 0, 0, 0 },
	[O_REALM_PV] = { "realm-pv", 0, 1, 0 },
	[O_NO_PVTIME] = { "no-pvtime", 0, 0, 0 },
	[O_SVE_MAX_VL] = { "sve-max-vl", 0, 1, 0 },
	[O_PMU_COUNTERS] = { "pmu-counters", 0, 1, 0 },
	[O_VCPU_AFFINITY] = { "vcpu-affinity", 0, 1, 0 },
	[O_DISABLE_MTE] = { "disable-mte", 0, 0, 0 },
	[O_FORCE_PCI] = { "force-pci", 0, 0, 0 },
	[O_IRQCHIP] = { "irqchip", 0, 1, 0 },
	[O_FIRMWARE_ADDRESS] = { "firmware-address", 0, 1, 0 },
	[O_DTB] = { "dtb", 0, 1, 0 },
	[O_RESTRICTED_MEM] = { "restricted_mem", 0, 0, 0 },
};

struct kvmtool {
	struct ccakit_vmm *v;
	const char *val[O__COUNT];	/* last value of each option */
	int count[O__COUNT];
	uint32_t ncpus;
	uint64_t mem_size;
	char *bootargs;
	int has_its, pmu, mmio;
	size_t mmio_devices;
	uint64_t initrd_base, initrd_size;
	int has_log;
	uint64_t log_base;
};

/* One -n/--network argument: comma-separated name=value items. */
static int
parse_netdev(struct kvmtool *k, const char *arg, size_t *count,
    struct ccakit_errdetail *m)
{
	char item[256];
	const char *p = arg, *e, *eq;
	size_t n;
	int mmio;

	for (;;) {
		e = strchr(p, ',');
		n = e ? (size_t)(e - p) : strlen(p);
		if (n >= sizeof(item))
			n = sizeof(item) - 1;
		memcpy(item, p, n);
		item[n] = '\0';
		if ((eq = strchr(item, '=')) == NULL)
			return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
			    "malformed -n param %s", item);
		if (strncmp(item, "mode=", 5) == 0) {
			if (strcmp(eq + 1, "none") == 0)
				*count = 0;	/* no default netdev */
			else
				(*count)++;
		} else if (strncmp(item, "trans=", 6) == 0) {
			if (strcmp(eq + 1, "pci") == 0)
				mmio = 0;
			else if (strcmp(eq + 1, "mmio") == 0)
				mmio = 1;
			else
				return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
				    "invalid transport %s", eq + 1);
			if (mmio != k->mmio)
				return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
				    "unsupported virtio transport mismatch");
		}
		if (e == NULL)
			break;
		p = e + 1;
	}
	return CCAKIT_OK;
}

static int
parse_devices(struct kvmtool *k, const struct cki_optval *vals, size_t nvals,
    struct ccakit_errdetail *m)
{
	const char *s;
	size_t i, devs = 0, netdevs = 1;
	int r;

	k->has_its = 1;
	if ((s = k->val[O_IRQCHIP]) != NULL) {
		if (strcmp(s, "gicv3") == 0)
			k->has_its = 0;
		else if (strcmp(s, "gicv3-its") != 0)
			return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
			    "unsupported irqchip %s", s);
	}
	if ((s = k->val[O_VIRTIO_TRANSPORT]) != NULL) {
		if (strcmp(s, "mmio") == 0)
			k->mmio = 1;
		else if (strcmp(s, "pci") != 0)
			return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
			    "unsupported virtio transport %s", s);
	}
	/* Only the number of virtio devices matters (IRQs, mmio nodes). */
	devs += (size_t)k->count[O_BALLOON] + (size_t)k->count[O_RNG] +
	    (size_t)k->count[O_9P] + (size_t)k->count[O_VSOCK] +
	    (size_t)k->count[O_DISK];
	if (k->val[O_CONSOLE] != NULL && strcmp(k->val[O_CONSOLE],
	    "virtio") == 0)
		devs++;
	for (i = 0; i < nvals; i++)
		if (vals[i].idx == O_NETWORK &&
		    (r = parse_netdev(k, vals[i].val, &netdevs, m)) !=
		    CCAKIT_OK)
			return r;
	if (k->mmio)
		k->mmio_devices = devs + netdevs;
	return CCAKIT_OK;
}

static int
parse_cmdline(struct kvmtool *k, int argc, const char *const *argv,
    struct ccakit_errdetail *m)
{
	struct ccakit_vmm *v = k->v;
	struct cki_optval *vals;
	const char *s;
	uint64_t n, last;
	size_t nvals = 0, i, len;
	unsigned int ipa;
	int r = CCAKIT_ERR_INTERNAL;

	if ((vals = calloc((size_t)argc + 1, sizeof(*vals))) == NULL)
		return cki_msg(m, CCAKIT_ERR_NOMEM, "out of memory");
	if ((r = cki_clap_parse(kt_opts, O__COUNT, argc, argv, vals, &nvals,
	    m)) != CCAKIT_OK)
		goto out;
	for (i = 0; i < nvals; i++) {
		k->val[vals[i].idx] = vals[i].val;
		k->count[vals[i].idx]++;
	}
	/* Typed values are checked by the argument parser first. */
	if ((s = k->val[O_CPUS]) != NULL && (r = cki_clap_uint(
	    &kt_opts[O_CPUS], s, UINT64_MAX, &n, m)) != CCAKIT_OK)
		goto out;
	if ((k->val[O_VSOCK] && (r = cki_clap_uint(&kt_opts[O_VSOCK],
	    k->val[O_VSOCK], UINT64_MAX, &n, m)) != CCAKIT_OK) ||
	    (k->val[O_DEBUG_IODELAY] && (r = cki_clap_uint(
	    &kt_opts[O_DEBUG_IODELAY], k->val[O_DEBUG_IODELAY], UINT64_MAX,
	    &n, m)) != CCAKIT_OK) ||
	    (k->val[O_SVE_MAX_VL] && (r = cki_clap_uint(
	    &kt_opts[O_SVE_MAX_VL], k->val[O_SVE_MAX_VL], UINT16_MAX, &n,
	    m)) != CCAKIT_OK) ||
	    (k->val[O_PMU_COUNTERS] && (r = cki_clap_uint(
	    &kt_opts[O_PMU_COUNTERS], k->val[O_PMU_COUNTERS], UINT8_MAX, &n,
	    m)) != CCAKIT_OK) ||
	    (k->val[O_FIRMWARE_ADDRESS] && (r = cki_clap_uint(
	    &kt_opts[O_FIRMWARE_ADDRESS], k->val[O_FIRMWARE_ADDRESS],
	    UINT64_MAX, &n, m)) != CCAKIT_OK))
		goto out;
	r = CCAKIT_ERR_CLAIM_VALUE;

	if ((s = k->val[O_CPUS]) == NULL) {
		r = cki_msg(m, r, "number of vCPUs is not known");
		goto out;
	}
	(void)cki_parse_u64(s, UINT64_MAX, &n, NULL);
	if (n > CKI_VMM_MAX_CPUS) {
		r = cki_msg(m, r, "too many vCPUs (%llu > %u)",
		    (unsigned long long)n, CKI_VMM_MAX_CPUS);
		goto out;
	}
	k->ncpus = (uint32_t)n;

	/* -m sz[@addr] */
	if ((s = k->val[O_MEM]) == NULL) {
		r = cki_msg(m, r, "default guest RAM size is not known");
		goto out;
	}
	{
		char size[64];
		const char *at = strchr(s, '@');

		len = at ? (size_t)(at - s) : strlen(s);
		if (len >= sizeof(size))
			len = sizeof(size) - 1;
		memcpy(size, s, len);
		size[len] = '\0';
		if ((r = cki_parse_mem_size(size, &k->mem_size, m)) !=
		    CCAKIT_OK) {
			r = cki_msg_ctx(m, r, "-m");
			goto out;
		}
		r = CCAKIT_ERR_CLAIM_VALUE;
		if (k->mem_size % (2 * CKI_MIB) != 0) {
			r = cki_msg(m, r, "RAM size must be aligned on 2MB");
			goto out;
		}
		if (at != NULL) {
			r = cki_msg(m, r, "unsupported RAM base change");
			goto out;
		}
		if (k->mem_size > UINT64_MAX - KT_MEM_BASE) {
			r = cki_msg(m, r, "invalid RAM size");
			goto out;
		}
	}

	/* kvmtool's own command line prefix (tool FIXME, spec §8.8). */
	s = k->val[O_PARAMS] ? k->val[O_PARAMS] : "";
	len = strlen(" console=hvc0 root=/dev/vda rw ") + strlen(s) + 2;
	if ((k->bootargs = malloc(len)) == NULL) {
		r = cki_msg(m, CCAKIT_ERR_NOMEM, "out of memory");
		goto out;
	}
	(void)snprintf(k->bootargs, len, " console=hvc0 root=/dev/vda rw %s%s",
	    *s ? " " : "", s);

	v->hash = CCAKIT_HASH_SHA256;
	if (k->val[O_MEASUREMENT_ALGO] != NULL && (r = cki_hash_from_str(
	    k->val[O_MEASUREMENT_ALGO], &v->hash, m)) != CCAKIT_OK)
		goto out;
	if (k->count[O_PMU])
		(void)cki_caps_set(&v->params, CCAKIT_CAP_PMU, 1, 1, m);
	if (k->val[O_PMU_COUNTERS] != NULL) {
		(void)cki_parse_u64(k->val[O_PMU_COUNTERS], UINT8_MAX, &n,
		    NULL);
		if ((r = cki_caps_set(&v->params, CCAKIT_CAP_PMU_NUM_CTRS,
		    (unsigned int)n, 1, m)) != CCAKIT_OK)
			goto out;
	}
	if (k->count[O_DISABLE_SVE])
		r = cki_caps_set(&v->params, CCAKIT_CAP_SVE_VL, 0, 1, m);
	else if (k->val[O_SVE_MAX_VL] != NULL) {
		(void)cki_parse_u64(k->val[O_SVE_MAX_VL], UINT16_MAX, &n, NULL);
		r = cki_caps_set(&v->params, CCAKIT_CAP_SVE_VL,
		    (unsigned int)n, 1, m);
	} else
		r = CCAKIT_OK;
	if (r != CCAKIT_OK)
		goto out;
	if ((s = k->val[O_REALM_PV]) != NULL) {
		/* kvmtool takes the RPV as raw bytes. */
		if (strlen(s) > sizeof(v->rpv)) {
			r = cki_msg(m, CCAKIT_ERR_CLAIM_VALUE,
			    "Realm Personalization Value is too large");
			goto out;
		}
		memset(v->rpv, 0, sizeof(v->rpv));
		memcpy(v->rpv, s, strlen(s));
	}
	last = KT_MEM_BASE + k->mem_size - 1;
	ipa = cki_ilog2(last);
	ipa = (ipa < 32 ? 32 : ipa) + 1;
	(void)cki_caps_set(&v->params, CCAKIT_CAP_IPA_BITS, ipa, 1, m);

	if ((r = parse_devices(k, vals, nvals, m)) != CCAKIT_OK)
		goto out;
	r = CCAKIT_OK;
out:
	free(vals);
	return r;
}

static void
add_intc(struct kvmtool *k, struct cki_fdt *f)
{
	uint64_t rs = (uint64_t)k->ncpus * KT_GIC_REDIST_SIZE;
	uint64_t rb = KT_GIC_DIST_BASE - rs;
	const uint64_t reg[4] = { KT_GIC_DIST_BASE, KT_GIC_DIST_SIZE, rb, rs };
	const uint64_t its[2] = { rb - KT_GIC_ITS_SIZE, KT_GIC_ITS_SIZE };

	cki_fdt_begin(f, "intc");
	cki_fdt_prop_str(f, "compatible", "arm,gic-v3");
	cki_fdt_prop_u32(f, "#interrupt-cells", 3);
	cki_fdt_prop_null(f, "interrupt-controller");
	cki_fdt_prop_u64s(f, "reg", reg, 4);
	cki_fdt_prop_phandle(f, KT_GIC_PHANDLE);
	cki_fdt_prop_u32(f, "#address-cells", 2);
	cki_fdt_prop_u32(f, "#size-cells", 2);
	cki_fdt_prop_null(f, "ranges");
	if (k->has_its) {
		cki_fdt_begin(f, "msic");
		cki_fdt_prop_str(f, "compatible", "arm,gic-v3-its");
		cki_fdt_prop_null(f, "msi-controller");
		cki_fdt_prop_phandle(f, KT_ITS_PHANDLE);
		cki_fdt_prop_u64s(f, "reg", its, 2);
		cki_fdt_end(f);
	}
	cki_fdt_end(f);
}

static int
surgeon_node(void *arg, struct cki_fdt *f, const char *name)
{
	struct kvmtool *k = arg;
	char cpu[16];
	uint32_t i;

	if (strcmp(name, "cpus") == 0) {
		cki_fdt_begin(f, "cpus");
		cki_fdt_prop_u32(f, "#address-cells", 1);
		cki_fdt_prop_u32(f, "#size-cells", 0);
		for (i = 0; i < k->ncpus; i++) {
			(void)snprintf(cpu, sizeof(cpu), "cpu@%u", i);
			cki_fdt_begin(f, cpu);
			cki_fdt_prop_str(f, "device_type", "cpu");
			cki_fdt_prop_str(f, "compatible", "arm,arm-v8");
			cki_fdt_prop_str(f, "enable-method", "psci");
			cki_fdt_prop_u32(f, "reg", i);
			cki_fdt_end(f);
		}
		cki_fdt_end(f);
		return 1;
	}
	if (strcmp(name, "intc") == 0) {
		add_intc(k, f);
		return 1;
	}
	if (strcmp(name, "reserved-memory") == 0) {
		if (k->has_log)
			cki_fdt_add_log(f, k->log_base, KT_LOG_SIZE, 1);
		return 1;
	}
	/* The template is assumed to have a PMU node; drop it if off. */
	if (strcmp(name, "pmu") == 0)
		return !k->pmu;
	return 0;
}

static int
surgeon_prop(void *arg, struct cki_fdt *f, const char *node, const char *name,
    const uint8_t *val, size_t len)
{
	struct kvmtool *k = arg;

	(void)val;
	(void)len;
	/* Upstream's kvmtool initrd() is always Some, even when empty. */
	return cki_dtb_common_prop(f, node, name, KT_MEM_BASE, k->mem_size, 1,
	    k->initrd_base, k->initrd_size, k->bootargs);
}

static void
gen_dtb(struct kvmtool *k, struct cki_fdt *f)
{
	const uint32_t pci_ranges[14] = {
		CKI_PCI_RANGE_IOPORT, 0, 0, 0, 0, 0, 0x10000,
		CKI_PCI_RANGE_MMIO, 0, (uint32_t)KT_PCI_MMIO_BASE, 0,
		(uint32_t)KT_PCI_MMIO_BASE, 0,
		(uint32_t)(KT_MEM_BASE - KT_PCI_MMIO_BASE),
	};
	const uint32_t bus_range[2] = { 0, 0 };
	const uint32_t map_mask[4] = { 0xf800, 0, 0, 7 };
	const uint32_t msi_map[4] = { 0, KT_ITS_PHANDLE, 0, 0x10000 };
	const uint64_t pci_reg[2] = { KT_PCI_CFG_BASE, KT_PCI_CFG_SIZE };
	const uint64_t rtc_reg[2] = { KT_RTC_BASE, 2 };
	uint32_t irq_map[32 * 10], irq[3];
	uint64_t reg[2], addr;
	uint32_t i;

	cki_fdt_new(f, KT_MEM_BASE, k->mem_size, k->ncpus, KT_GIC_PHANDLE,
	    k->bootargs, k->initrd_size != 0, k->initrd_base, k->initrd_size);
	add_intc(k, f);
	if (k->has_log)
		cki_fdt_add_log(f, k->log_base, KT_LOG_SIZE, 1);
	cki_fdt_add_timer(f, CKI_IRQ_LEVEL_LO);
	if (k->pmu)
		cki_fdt_add_pmu(f);
	for (i = 0; i < 4; i++) {
		addr = KT_UART_BASE + i * 0x1000u;
		cki_fdt_begin_addr(f, "U6_16550A", addr);
		cki_fdt_prop_str(f, "compatible", "ns16550a");
		reg[0] = addr;
		reg[1] = 8;
		cki_fdt_prop_u64s(f, "reg", reg, 2);
		irq[0] = CKI_IRQ_SPI;
		irq[1] = i;
		irq[2] = CKI_IRQ_LEVEL_HI;
		cki_fdt_prop_u32s(f, "interrupts", irq, 3);
		cki_fdt_prop_u32(f, "clock-frequency", 1843200);
		cki_fdt_end(f);
	}
	for (i = 0; i < k->mmio_devices; i++) {
		addr = KT_VIRTIO_MMIO_BASE + i * KT_VIRTIO_MMIO_SIZE;
		cki_fdt_begin_addr(f, "virtio", addr);
		cki_fdt_prop_str(f, "compatible", "virtio,mmio");
		reg[0] = addr;
		reg[1] = KT_VIRTIO_MMIO_SIZE;
		cki_fdt_prop_u64s(f, "reg", reg, 2);
		cki_fdt_prop_null(f, "dma-coherent");
		irq[0] = CKI_IRQ_SPI;
		irq[1] = 4 + i;
		irq[2] = CKI_IRQ_EDGE_LO_HI;
		cki_fdt_prop_u32s(f, "interrupts", irq, 3);
		cki_fdt_end(f);
	}
	cki_fdt_begin_addr(f, "rtc", KT_RTC_BASE);
	cki_fdt_prop_str(f, "compatible", "motorola,mc146818");
	cki_fdt_prop_u64s(f, "reg", rtc_reg, 2);
	cki_fdt_end(f);

	cki_fdt_begin_addr(f, "pci", KT_PCI_CFG_BASE);
	cki_fdt_prop_str(f, "device_type", "pci");
	cki_fdt_prop_u32(f, "#address-cells", 3);
	cki_fdt_prop_u32(f, "#size-cells", 2);
	cki_fdt_prop_null(f, "dma-coherent");
	cki_fdt_prop_u32s(f, "bus-range", bus_range, 2);
	cki_fdt_prop_str(f, "compatible", "pci-host-ecam-generic");
	cki_fdt_prop_u64s(f, "reg", pci_reg, 2);
	cki_fdt_prop_u32s(f, "ranges", pci_ranges, 14);
	/* SPIs 64.. one per slot, pin A only; buses share them. */
	for (i = 0; i < 32; i++) {
		uint32_t *e = irq_map + 10 * i;

		e[0] = i << 11;
		e[1] = 0;
		e[2] = 0;
		e[3] = 1;
		e[4] = KT_GIC_PHANDLE;
		e[5] = 0;
		e[6] = 0;
		e[7] = CKI_IRQ_SPI;
		e[8] = 64 + i;
		e[9] = CKI_IRQ_LEVEL_HI;
	}
	cki_fdt_prop_u32s(f, "interrupt-map", irq_map, 32 * 10);
	cki_fdt_prop_u32s(f, "interrupt-map-mask", map_mask, 4);
	cki_fdt_prop_u32(f, "#interrupt-cells", 1);
	if (k->has_its)
		cki_fdt_prop_u32s(f, "msi-map", msi_map, 4);
	cki_fdt_end(f);
	cki_fdt_end(f);
}

/* Generated or patched DTB, zero-padded to 64 KiB. */
static int
make_dtb(struct kvmtool *k, const struct ccakit_vmm_opts *o, uint8_t **dtb,
    size_t *len, struct ccakit_errdetail *m)
{
	struct cki_dtb_surgeon s = { k, surgeon_node, surgeon_prop };
	struct cki_fdt f;
	uint8_t *tpl = NULL, *out = NULL, *p;
	size_t tlen, olen;
	int r;

	if (o->dtb_template != NULL) {
		if ((r = cki_vmm_read_file(o->dtb_template, &tpl, &tlen, m)) !=
		    CCAKIT_OK)
			return r;
		r = cki_dtb_surgery(tpl, tlen, &s, &out, &olen, m);
		free(tpl);
		if (r != CCAKIT_OK)
			return r;
	} else {
		if (cki_fdt_init(&f, NULL, 0, 0) == CCAKIT_OK)
			gen_dtb(k, &f);
		r = cki_fdt_finish(&f, &out, &olen);
		if (r != CCAKIT_OK) {
			r = cki_msg(m, r, "FDT: %s",
			    f.errwhat ? f.errwhat : "error");
			cki_fdt_free(&f);
			return r;
		}
		cki_fdt_free(&f);
	}
	if (olen > KT_FDT_SIZE) {
		free(out);
		return cki_msg(m, CCAKIT_ERR_TOO_LARGE,
		    "generated DTB is too large (%zu > %u)", olen, KT_FDT_SIZE);
	}
	if ((p = realloc(out, KT_FDT_SIZE)) == NULL) {
		free(out);
		return cki_msg(m, CCAKIT_ERR_NOMEM, "out of memory");
	}
	memset(p + olen, 0, KT_FDT_SIZE - olen);
	*dtb = p;
	*len = KT_FDT_SIZE;
	return CCAKIT_OK;
}

int
cki_kvmtool_build(struct ccakit_vmm *v, int argc, const char *const *argv,
    const struct ccakit_vmm_opts *o, struct ccakit_errdetail *m)
{
	struct kvmtool k;
	struct cki_room room;
	uint64_t dtb_base, pc = 0, fw_base, text_offset, image_size, n;
	uint8_t *dtb = NULL;
	size_t dlen;
	int r;

	memset(&k, 0, sizeof(k));
	k.v = v;
	if ((r = parse_cmdline(&k, argc, argv, m)) != CCAKIT_OK)
		goto out;
	fw_base = KT_MEM_BASE;
	if (k.val[O_FIRMWARE_ADDRESS] != NULL) {
		(void)cki_parse_u64(k.val[O_FIRMWARE_ADDRESS], UINT64_MAX, &n,
		    NULL);
		fw_base = n;
	}
	v->num_cpus = k.ncpus;
	dtb_base = KT_MEM_BASE + k.mem_size;
	if (dtb_base > KT_FDT_LIMIT)
		dtb_base = KT_FDT_LIMIT;
	if (k.count[O_MEASUREMENT_LOG]) {
		k.has_log = 1;
		k.log_base = dtb_base - KT_LOG_SIZE;
		dtb_base -= KT_LOG_SIZE;
	}
	dtb_base = cki_align_up(dtb_base - (KT_FDT_ALIGN + KT_FDT_SIZE),
	    KT_FDT_ALIGN);

	v->ram_base = KT_MEM_BASE;
	v->ram_size = k.mem_size;
	k.pmu = (v->params.set & CCAKIT_CAP_PMU) && v->params.pmu;

	if (k.val[O_KERNEL] != NULL) {
		pc = KT_MEM_BASE;
		cki_room_set(&room, "kernel", "in RAM", KT_MEM_BASE,
		    KT_MEM_BASE, k.mem_size);
		if ((r = cki_vmm_load_kernel(v, o, &room, &text_offset,
		    &image_size, m)) != CCAKIT_OK ||
		    (r = cki_vmm_add_rim(v, KT_MEM_BASE + text_offset,
		    &v->kernel, NULL, 0, "KERNEL", m)) != CCAKIT_OK)
			goto out;
	}
	if (k.val[O_INITRD] != NULL) {
		/* Below the DTB, 4 bytes of alignment slack. */
		cki_room_set(&room, "initrd", "below the DTB", KT_MEM_BASE,
		    KT_MEM_BASE, dtb_base >= KT_MEM_BASE + 4 ?
		    dtb_base - KT_MEM_BASE - 4 : 0);
		if ((r = cki_vmm_open_initrd(v, o, &room, m)) != CCAKIT_OK)
			goto out;
		/* Not page aligned: kvmtool aligns the initrd on 4 bytes. */
		k.initrd_base = cki_align_up(dtb_base - (v->initrd.len + 4), 4);
		k.initrd_size = v->initrd.len;
		if ((r = cki_vmm_add_rim(v, k.initrd_base, &v->initrd, NULL, 0,
		    "INITRD", m)) != CCAKIT_OK)
			goto out;
	}
	if (k.val[O_FIRMWARE] != NULL) {
		pc = fw_base;
		/* kvmtool reads it into RAM at fw_base, up to the RAM end. */
		cki_room_set(&room, "firmware", "in RAM", fw_base,
		    KT_MEM_BASE, k.mem_size);
		if ((r = cki_vmm_set_firmware(v, o, &room, m)) != CCAKIT_OK)
			goto out;
	}
	if (k.val[O_FLASH] != NULL) {
		/* Upstream panics (todo!); refuse instead. */
		r = cki_msg(m, CCAKIT_ERR_INVALID_ARG,
		    "cfi-flash not supported");
		goto out;
	}
	v->has_rec = 1;
	v->pc = pc;
	v->gprs[0] = dtb_base;
	if (k.has_log) {
		v->has_log = 1;
		v->log_base = k.log_base;
		v->log_size = KT_LOG_SIZE;
	}

	if (o->dtb != NULL)
		r = cki_vmm_read_file(o->dtb, &dtb, &dlen, m);
	else
		r = make_dtb(&k, o, &dtb, &dlen, m);
	if (r != CCAKIT_OK) {
		r = cki_msg_ctx(m, r, "while generating DTB");
		goto out;
	}
	if ((r = cki_vmm_set_dtb(v, dtb, dlen, dtb_base, m)) != CCAKIT_OK) {
		r = cki_msg_ctx(m, r, "while generating DTB");
		goto out;
	}
	r = CCAKIT_OK;
out:
	free(k.bootargs);
	return r;
}
