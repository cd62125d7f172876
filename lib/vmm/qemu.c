/*
 * QEMU virt model (upstream src/qemu.rs, "based on QEMU virt 9.1"; spec
 * §3.3): raw QEMU argument parsing, the floating high memory map, CPU
 * topology, image placement and the generated or patched DTB.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/vmm_priv.h"

#define Q_GIC_DIST_BASE		UINT64_C(0x08000000)
#define Q_GIC_DIST_SIZE		UINT64_C(0x00010000)
#define Q_GIC_ITS_BASE		UINT64_C(0x08080000)
#define Q_GIC_ITS_SIZE		UINT64_C(0x00020000)
#define Q_GIC_REDIST_BASE	UINT64_C(0x080a0000)
#define Q_GIC_REDIST_SIZE	UINT64_C(0x00f60000)
#define Q_UART_BASE		UINT64_C(0x09000000)
#define Q_FW_CFG_BASE		UINT64_C(0x09020000)
#define Q_VIRTIO_MMIO_BASE	UINT64_C(0x0a000000)
#define Q_PLATFORM_BUS_BASE	UINT64_C(0x0c000000)
#define Q_PCI_MMIO_BASE		UINT64_C(0x10000000)
#define Q_PCI_MMIO_SIZE		UINT64_C(0x2eff0000)
#define Q_PCI_IOPORT_BASE	UINT64_C(0x3eff0000)
#define Q_MEM_BASE		UINT64_C(0x40000000)
#define Q_FW_BASE		UINT64_C(0)		/* VIRT_FLASH */
#define Q_FW_SIZE		UINT64_C(0x08000000)
#define Q_HIGH_REDIST_BASE	UINT64_C(0x4000000000)
#define Q_HIGH_REDIST_SIZE	(64 * CKI_MIB)
#define Q_HIGH_PCI_CFG_SIZE	(256 * CKI_MIB)
#define Q_HIGH_PCI_MMIO_SIZE	(512 * CKI_GIB)
#define Q_BASE_PHANDLE		0x8000u
#define Q_DTB_SIZE		(1024 * CKI_KIB)
#define Q_LOG_SIZE		(64 * CKI_KIB)

struct qemu_smp {
	uint64_t cpus, maxcpus, sockets, clusters, cores, threads;
	unsigned int set;	/* bit per field, in that order */
};

struct qemu {
	struct ccakit_vmm *v;
	uint64_t sockets, clusters, cores, threads, ncpus;
	uint64_t mem_size, slots, maxmem;
	int has_slots, has_maxmem;
	uint64_t high_redist, high_pcicfg, high_pcimmio;
	char *bootargs;		/* -append */
	int has_initrd;
	uint64_t initrd_base, initrd_size;
	int has_log;
	uint64_t log_base;
	int has_pmu, has_its, has_log_opt;
};

/* Argument queue: argv plus one value pushed back by "-opt=value". */
struct rawargs {
	int argc, i;
	const char *const *argv;
	char *pushed;
};

static const char *
pop(struct rawargs *a, char **owned)
{
	*owned = NULL;
	if (a->pushed != NULL) {
		*owned = a->pushed;
		a->pushed = NULL;
		return *owned;
	}
	if (a->i < a->argc)
		return a->argv[a->i++];
	return NULL;
}

/* Pop the value of an option; "<opt> needs a value" if absent. */
static int
pop_val(struct rawargs *a, const char *opt, char **buf,
    struct ccakit_errdetail *m)
{
	char *owned;
	const char *s;

	free(*buf);
	*buf = NULL;
	if ((s = pop(a, &owned)) == NULL)
		return cki_msg(m, CCAKIT_ERR_INVALID_ARG, "%s needs a value",
		    opt);
	if (owned != NULL)
		*buf = owned;
	else if ((*buf = strdup(s)) == NULL)
		return cki_msg(m, CCAKIT_ERR_NOMEM, "out of memory");
	return CCAKIT_OK;
}

/* Next comma-separated item of *p (modified in place), or NULL. */
static char *
next_item(char **p)
{
	char *s = *p, *c;

	if (s == NULL)
		return NULL;
	if ((c = strchr(s, ',')) != NULL) {
		*c = '\0';
		*p = c + 1;
	} else
		*p = NULL;
	return s;
}

static char *
split_eq(char *item)
{
	char *eq = strchr(item, '=');

	if (eq == NULL)
		return NULL;
	*eq = '\0';
	return eq + 1;
}

static int
ctx_parse_u64(const char *s, const char *ctx, uint64_t *out,
    struct ccakit_errdetail *m)
{
	int r;

	if ((r = cki_parse_u64(s, UINT64_MAX, out, m)) != CCAKIT_OK)
		return cki_msg_ctx(m, r, ctx);
	return CCAKIT_OK;
}

static int
ctx_parse_mem(const char *s, const char *ctx, uint64_t *out,
    struct ccakit_errdetail *m)
{
	int r;

	if ((r = cki_parse_mem_size(s, out, m)) != CCAKIT_OK)
		return cki_msg_ctx(m, r, ctx);
	return CCAKIT_OK;
}

static int
parse_mem(struct qemu *q, char *arg, struct ccakit_errdetail *m)
{
	char *p = arg, *item, *val;
	int r;

	while ((item = next_item(&p)) != NULL) {
		if ((val = split_eq(item)) == NULL)
			r = ctx_parse_mem(item, "-m", &q->mem_size, m);
		else if (strcmp(item, "size") == 0)
			r = ctx_parse_mem(val, "-m size", &q->mem_size, m);
		else if (strcmp(item, "slots") == 0) {
			r = ctx_parse_u64(val, "-m slots", &q->slots, m);
			q->has_slots = 1;
		} else if (strcmp(item, "maxmem") == 0) {
			r = ctx_parse_mem(val, "-m maxmem", &q->maxmem, m);
			q->has_maxmem = 1;
		} else
			r = cki_msg(m, CCAKIT_ERR_INVALID_ARG,
			    "unsupported -m parameter %s", item);
		if (r != CCAKIT_OK)
			return r;
	}
	return CCAKIT_OK;
}

static int
parse_smp(struct qemu *q, struct qemu_smp *s, char *arg,
    struct ccakit_errdetail *m)
{
	static const char *const keys[] = {
		"cpus", "maxcpus", "sockets", "clusters", "cores", "threads",
	};
	uint64_t *fields[6] = { &s->cpus, &s->maxcpus, &s->sockets,
	    &s->clusters, &s->cores, &s->threads };
	char *p = arg, *item, *val, ctx[32];
	size_t k;
	int r;

	while ((item = next_item(&p)) != NULL) {
		if ((val = split_eq(item)) == NULL) {
			if ((r = ctx_parse_u64(item, "-smp", &s->cpus, m)) !=
			    CCAKIT_OK)
				return r;
			s->set |= 1u;
			continue;
		}
		for (k = 0; k < 6 && strcmp(item, keys[k]) != 0; k++)
			;
		if (k == 6) {
			cki_vmm_warn(q->v, "unsupported -smp parameter %s",
			    item);
			continue;
		}
		(void)snprintf(ctx, sizeof(ctx), "-smp %s", keys[k]);
		if ((r = ctx_parse_u64(val, ctx, fields[k], m)) != CCAKIT_OK)
			return r;
		s->set |= 1u << k;
	}
	return CCAKIT_OK;
}

/* CpuMap::update: every field > 0 and the product fits. */
static int
map_update(struct qemu *q, uint64_t so, uint64_t cl, uint64_t co,
    uint64_t th, struct ccakit_errdetail *m)
{
	uint64_t n = co;

	if (so != 0 && n > UINT64_MAX / so)
		return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
		    "invalid number of sockets");
	n *= so;
	if (cl != 0 && n > UINT64_MAX / cl)
		return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
		    "invalid number of clusters");
	n *= cl;
	if (th != 0 && n > UINT64_MAX / th)
		return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
		    "invalid number of threads");
	n *= th;
	if (n == 0)
		return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
		    "invalid number of CPUs");
	q->sockets = so;
	q->clusters = cl;
	q->cores = co;
	q->threads = th;
	q->ncpus = n;
	return CCAKIT_OK;
}

/* QemuSmp::to_cpu_map: fill cores first, then sockets, then threads. */
static int
smp_to_map(struct qemu *q, const struct qemu_smp *s, struct ccakit_errdetail *m)
{
	uint64_t cpus = 0;
	int r;

	q->sockets = q->clusters = q->cores = q->threads = q->ncpus = 1;
	if (s->set & 2u) {
		if ((s->set & 1u) && s->cpus != s->maxcpus)
			return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
			    "-smp: expecting cpus == maxcpus");
		cpus = s->maxcpus;
	} else if (s->set & 1u)
		cpus = s->cpus;
	if (((s->set & 4u) && (r = map_update(q, s->sockets, q->clusters,
	    q->cores, q->threads, m)) != CCAKIT_OK) ||
	    ((s->set & 8u) && (r = map_update(q, q->sockets, s->clusters,
	    q->cores, q->threads, m)) != CCAKIT_OK) ||
	    ((s->set & 16u) && (r = map_update(q, q->sockets, q->clusters,
	    s->cores, q->threads, m)) != CCAKIT_OK) ||
	    ((s->set & 32u) && (r = map_update(q, q->sockets, q->clusters,
	    q->cores, s->threads, m)) != CCAKIT_OK))
		return r;
	if (cpus == 0)
		goto done;
	if (!(s->set & 16u) && (r = map_update(q, q->sockets, q->clusters,
	    cpus / (q->sockets * q->clusters * q->threads), q->threads, m)) !=
	    CCAKIT_OK)
		return r;
	if (!(s->set & 4u) && (r = map_update(q,
	    cpus / (q->clusters * q->cores * q->threads), q->clusters,
	    q->cores, q->threads, m)) != CCAKIT_OK)
		return r;
	if (!(s->set & 32u) && (r = map_update(q, q->sockets, q->clusters,
	    q->cores, cpus / (q->sockets * q->clusters * q->cores), m)) !=
	    CCAKIT_OK)
		return r;
done:
	if (q->ncpus > CKI_VMM_MAX_CPUS)
		return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
		    "too many vCPUs (%llu > %u)",
		    (unsigned long long)q->ncpus, CKI_VMM_MAX_CPUS);
	return CCAKIT_OK;
}

static int
parse_object(struct qemu *q, char *arg, struct ccakit_errdetail *m)
{
	char *p = arg, *item, *val;
	int r;

	if ((item = next_item(&p)) == NULL)
		return CCAKIT_OK;
	if (strcmp(item, "rme-guest") != 0) {
		cki_vmm_warn(q->v, "ignored -object %s", item);
		return CCAKIT_OK;
	}
	while ((item = next_item(&p)) != NULL) {
		if ((val = split_eq(item)) == NULL)
			return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
			    "cannot parse %s", item);
		if (strcmp(item, "measurement-algorithm") == 0)
			r = cki_hash_from_str(val, &q->v->hash, m);
		else if (strcmp(item, "personalization-value") == 0)
			r = cki_rpv_b64(val, q->v->rpv, m);
		else if (strcmp(item, "measurement-log") == 0)
			r = cki_parse_onoff(val, &q->has_log_opt, m);
		else if (strcmp(item, "id") == 0)
			r = CCAKIT_OK;
		else
			r = cki_msg(m, CCAKIT_ERR_INVALID_ARG,
			    "unsupported rme-guest property '%s'", item);
		if (r != CCAKIT_OK)
			return r;
	}
	return CCAKIT_OK;
}

static int
parse_machine(struct qemu *q, char *arg, struct ccakit_errdetail *m)
{
	char *p = arg, *item, *val;
	int r = CCAKIT_OK, acpi = 1;

	while ((item = next_item(&p)) != NULL) {
		if ((val = split_eq(item)) == NULL) {
			if (strcmp(item, "virt") == 0)
				continue;
			/* Booleans without "=on" are deprecated. */
			return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
			    "cannot parse %s", item);
		}
		if (strcmp(item, "gic-version") == 0) {
			/* GICv2 cannot host realms; host/max mean v3. */
			if (strcmp(val, "3") != 0 && strcmp(val, "host") != 0 &&
			    strcmp(val, "max") != 0)
				return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
				    "unsupport GIC version %s", val);
		} else if (strcmp(item, "its") == 0)
			r = cki_parse_onoff(val, &q->has_its, m);
		else if (strcmp(item, "acpi") == 0)
			r = cki_parse_onoff(val, &acpi, m);
		else if (strcmp(item, "highmem") == 0)
			return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
			    "disabling highmem is not supported");
		else if (strcmp(item, "confidential-guest-support") != 0)
			cki_vmm_warn(q->v, "ignored machine parameter %s",
			    item);
		if (r != CCAKIT_OK)
			return r;
	}
	return CCAKIT_OK;
}

static int
parse_cpu(struct qemu *q, char *arg, struct ccakit_errdetail *m)
{
	struct ccakit_realm_caps *c = &q->v->params;
	char *p = arg, *item, *val;
	uint64_t n, cur;
	int has_sve = (c->set & CCAKIT_CAP_SVE_VL) != 0, pmu, r;
	uint64_t sve = c->sve_vl;
	unsigned int bit;

	while ((item = next_item(&p)) != NULL) {
		if ((val = split_eq(item)) == NULL) {
			if (strcmp(item, "host") == 0)
				continue;
			return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
			    "unsupported CPU %s", item);
		}
		bit = 0;
		if (strcmp(item, "num-breakpoints") == 0)
			bit = CCAKIT_CAP_NUM_BPS;
		else if (strcmp(item, "num-watchpoints") == 0)
			bit = CCAKIT_CAP_NUM_WPS;
		else if (strcmp(item, "num-pmu-counters") == 0)
			bit = CCAKIT_CAP_PMU_NUM_CTRS;
		if (bit != 0) {
			if ((r = cki_parse_u64(val, UINT8_MAX, &n, m)) !=
			    CCAKIT_OK || (r = cki_caps_set(c, bit,
			    (unsigned int)n, 1, m)) != CCAKIT_OK)
				return r;
		} else if (strcmp(item, "pmu") == 0) {
			/* pmu=on means the platform supports it. */
			pmu = (c->set & CCAKIT_CAP_PMU) && c->pmu;
			if ((r = cki_parse_onoff(val, &pmu, m)) != CCAKIT_OK)
				return r;
			(void)cki_caps_set(c, CCAKIT_CAP_PMU,
			    (unsigned int)pmu, 1, m);
		} else if (strcmp(item, "sve") == 0) {
			if (strcmp(val, "off") == 0) {
				has_sve = 1;
				sve = 0;
			}
		} else if (strncmp(item, "sve", 3) == 0) {
			/* sve<N>=on|off, roughly */
			if ((r = cki_parse_u64(item + 3, UINT16_MAX, &n, m)) !=
			    CCAKIT_OK)
				return r;
			cur = has_sve ? sve : 0;
			if (strcmp(val, "off") == 0 && cur >= n) {
				has_sve = 1;
				sve = n / 2;
			} else if (strcmp(val, "on") == 0 && cur < n) {
				has_sve = 1;
				sve = n;
			}
		} else
			cki_vmm_warn(q->v, "ignored cpu parameter %s", item);
	}
	if (has_sve)
		return cki_caps_set(c, CCAKIT_CAP_SVE_VL, (unsigned int)sve, 1,
		    m);
	return CCAKIT_OK;
}

static int
parse_device(struct qemu *q, const char *arg)
{
	static const char *const quiet[] = {
		"virtconsole", "virtio-blk-pci", "virtio-serial-pci",
		"virtio-net-pci", "virtio-9p-pci", "virtio-fs-pci",
	};
	size_t n = strcspn(arg, ","), i;

	/* Devices that do not change the DTB do not change the RIM. */
	for (i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++)
		if (strlen(quiet[i]) == n && strncmp(arg, quiet[i], n) == 0)
			return CCAKIT_OK;
	cki_vmm_warn(q->v, "ignored -device %s", arg);
	return CCAKIT_OK;
}

/* The floating part of the memory map; returns the IPA width needed. */
static int
update_memmap(struct qemu *q, unsigned int *ipa, struct ccakit_errdetail *m)
{
	uint64_t maxmem = q->has_maxmem ? q->maxmem : q->mem_size;
	uint64_t slots = q->has_slots ? q->slots : 0;
	uint64_t hp_base, hp_size, addr;

	if (q->mem_size > UINT64_MAX / 4 || maxmem < q->mem_size ||
	    maxmem > UINT64_MAX / 4 || slots > (UINT64_MAX / 4) / CKI_GIB)
		return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
		    "-m: invalid memory size");
	hp_base = cki_align_up(Q_MEM_BASE + q->mem_size, CKI_GIB);
	hp_size = maxmem - q->mem_size + slots * CKI_GIB;
	addr = hp_base + cki_align_up(hp_size, CKI_GIB);
	if (addr < Q_HIGH_REDIST_BASE)
		addr = Q_HIGH_REDIST_BASE;
	q->high_redist = cki_align_up(addr, Q_HIGH_REDIST_SIZE);
	addr += Q_HIGH_REDIST_SIZE;
	q->high_pcicfg = cki_align_up(addr, Q_HIGH_PCI_CFG_SIZE);
	addr += Q_HIGH_PCI_CFG_SIZE;
	q->high_pcimmio = cki_align_up(addr, Q_HIGH_PCI_MMIO_SIZE);
	addr += Q_HIGH_PCI_MMIO_SIZE;
	/* x2 for the realm's shared (unprotected) half. */
	*ipa = cki_ilog2(addr) + 2;
	return CCAKIT_OK;
}

static uint32_t
gic_phandle(const struct qemu *q)
{
	return Q_BASE_PHANDLE + (uint32_t)q->ncpus + 1;
}

static uint32_t
its_phandle(const struct qemu *q)
{
	return gic_phandle(q) + 1;
}

static uint32_t
gpio_phandle(const struct qemu *q)
{
	return q->has_its ? its_phandle(q) + 1 : gic_phandle(q) + 1;
}

static size_t
gic_regs(const struct qemu *q, uint64_t reg[6])
{
	reg[0] = Q_GIC_DIST_BASE;
	reg[1] = Q_GIC_DIST_SIZE;
	reg[2] = Q_GIC_REDIST_BASE;
	reg[3] = Q_GIC_REDIST_SIZE;
	/* 123 redistributors fit in the low region. */
	if (q->ncpus > Q_GIC_REDIST_SIZE / 0x20000) {
		reg[4] = q->high_redist;
		reg[5] = Q_HIGH_REDIST_SIZE;
		return 6;
	}
	return 4;
}

static void
prop_irq_map(const struct qemu *q, struct cki_fdt *f)
{
	uint32_t map[16 * 10], *e;
	uint32_t dev, pin;

	for (dev = 0; dev < 4; dev++)
		for (pin = 0; pin < 4; pin++) {
			e = map + 10 * (dev * 4 + pin);
			e[0] = dev << 11;
			e[1] = 0;
			e[2] = 0;
			e[3] = pin + 1;
			e[4] = gic_phandle(q);
			e[5] = 0;
			e[6] = 0;
			e[7] = CKI_IRQ_SPI;
			e[8] = 3 + (pin + dev) % 4;
			e[9] = CKI_IRQ_LEVEL_HI;
		}
	cki_fdt_prop_u32s(f, "interrupt-map", map, 16 * 10);
}

static void
prop_pci_ranges(const struct qemu *q, struct cki_fdt *f)
{
	const uint64_t hm = q->high_pcimmio, hs = Q_HIGH_PCI_MMIO_SIZE;
	const uint32_t ranges[21] = {
		CKI_PCI_RANGE_IOPORT, 0, 0, 0, (uint32_t)Q_PCI_IOPORT_BASE, 0,
		0x10000,
		CKI_PCI_RANGE_MMIO, 0, (uint32_t)Q_PCI_MMIO_BASE, 0,
		(uint32_t)Q_PCI_MMIO_BASE, 0, (uint32_t)Q_PCI_MMIO_SIZE,
		CKI_PCI_RANGE_MMIO64, (uint32_t)(hm >> 32), (uint32_t)hm,
		(uint32_t)(hm >> 32), (uint32_t)hm, (uint32_t)(hs >> 32),
		(uint32_t)hs,
	};

	cki_fdt_prop_u32s(f, "ranges", ranges, 21);
}

static void
prop_pci_reg(const struct qemu *q, struct cki_fdt *f)
{
	const uint64_t reg[2] = { q->high_pcicfg, Q_HIGH_PCI_CFG_SIZE };

	cki_fdt_prop_u64s(f, "reg", reg, 2);
}

static void
prop_msi_map(const struct qemu *q, struct cki_fdt *f)
{
	const uint32_t map[4] = { 0, its_phandle(q), 0, 0x10000 };

	if (q->has_its)
		cki_fdt_prop_u32s(f, "msi-map", map, 4);
}

static int
surgeon_node(void *arg, struct cki_fdt *f, const char *name)
{
	struct qemu *q = arg;
	uint32_t ph, i;
	uint64_t so, cl, co, th;
	char buf[32];

	if (strcmp(name, "cpus") == 0) {
		/* Phandles run down from 0x8000 + ncpus (clock is 0x8000). */
		ph = Q_BASE_PHANDLE + (uint32_t)q->ncpus;
		cki_fdt_begin(f, "cpus");
		cki_fdt_prop_u32(f, "#size-cells", 0);
		cki_fdt_prop_u32(f, "#address-cells", 1);
		cki_fdt_begin(f, "cpu-map");
		for (so = 0; so < q->sockets; so++) {
			(void)snprintf(buf, sizeof(buf), "socket%llu",
			    (unsigned long long)so);
			cki_fdt_begin(f, buf);
			for (cl = 0; cl < q->clusters; cl++) {
				(void)snprintf(buf, sizeof(buf), "cluster%llu",
				    (unsigned long long)cl);
				cki_fdt_begin(f, buf);
				for (co = 0; co < q->cores; co++) {
					(void)snprintf(buf, sizeof(buf),
					    "core%llu", (unsigned long long)co);
					cki_fdt_begin(f, buf);
					if (q->threads > 1) {
						for (th = 0; th < q->threads;
						    th++) {
							(void)snprintf(buf,
							    sizeof(buf),
							    "thread%llu",
							    (unsigned long long)
							    th);
							cki_fdt_begin(f, buf);
							cki_fdt_prop_u32(f,
							    "cpu", ph--);
							cki_fdt_end(f);
						}
					} else
						cki_fdt_prop_u32(f, "cpu",
						    ph--);
					cki_fdt_end(f);
				}
				cki_fdt_end(f);
			}
			cki_fdt_end(f);
		}
		cki_fdt_end(f);
		ph = Q_BASE_PHANDLE + (uint32_t)q->ncpus;
		for (i = 0; i < q->ncpus; i++) {
			(void)snprintf(buf, sizeof(buf), "cpu@%u", i);
			cki_fdt_begin(f, buf);
			cki_fdt_prop_phandle(f, ph--);
			cki_fdt_prop_u32(f, "reg", i);
			cki_fdt_prop_str(f, "enable-method", "psci");
			cki_fdt_prop_str(f, "compatible", "arm,arm-v8");
			cki_fdt_prop_str(f, "device_type", "cpu");
			cki_fdt_end(f);
		}
		cki_fdt_end(f);
		return 1;
	}
	if (strcmp(name, "reserved-memory") == 0) {
		if (q->has_log)
			cki_fdt_add_log(f, q->log_base, Q_LOG_SIZE, 0);
		return 1;
	}
	if (strcmp(name, "its@8080000") == 0)
		return !q->has_its;
	if (strcmp(name, "pmu") == 0)
		return !q->has_pmu;
	return 0;
}

static int
surgeon_prop(void *arg, struct cki_fdt *f, const char *node, const char *name,
    const uint8_t *val, size_t len)
{
	struct qemu *q = arg;
	uint64_t reg[6];
	uint32_t gpios[3];

	(void)val;
	(void)len;
	if (strcmp(name, "interrupt-parent") == 0) {
		cki_fdt_prop_u32(f, name, gic_phandle(q));
		return 1;
	}
	if (strcmp(node, "intc@8000000") == 0) {
		if (strcmp(name, "reg") == 0) {
			cki_fdt_prop_u64s(f, name, reg, gic_regs(q, reg));
			return 1;
		}
		if (strcmp(name, "phandle") == 0) {
			cki_fdt_prop_phandle(f, gic_phandle(q));
			return 1;
		}
		if (strcmp(name, "#redistributor-regions") == 0) {
			cki_fdt_prop_u32(f, name,
			    (uint32_t)(gic_regs(q, reg) - 2) / 2);
			return 1;
		}
	} else if (strcmp(node, "its@8080000") == 0) {
		if (strcmp(name, "phandle") == 0) {
			cki_fdt_prop_phandle(f, its_phandle(q));
			return 1;
		}
	} else if (strcmp(node, "pcie@10000000") == 0) {
		if (strcmp(name, "interrupt-map") == 0) {
			prop_irq_map(q, f);
			return 1;
		}
		if (strcmp(name, "msi-map") == 0) {
			prop_msi_map(q, f);
			return 1;
		}
		if (strcmp(name, "ranges") == 0) {
			prop_pci_ranges(q, f);
			return 1;
		}
		if (strcmp(name, "reg") == 0) {
			prop_pci_reg(q, f);
			return 1;
		}
	} else if (strcmp(node, "pl061@9030000") == 0) {
		if (strcmp(name, "phandle") == 0) {
			cki_fdt_prop_phandle(f, gpio_phandle(q));
			return 1;
		}
	} else if (strcmp(node, "poweroff") == 0) {
		if (strcmp(name, "gpios") == 0) {
			gpios[0] = gpio_phandle(q);
			gpios[1] = 3;
			gpios[2] = 0;
			cki_fdt_prop_u32s(f, name, gpios, 3);
			return 1;
		}
	}
	return cki_dtb_common_prop(f, node, name, Q_MEM_BASE, q->mem_size,
	    q->has_initrd, q->initrd_base, q->initrd_size, q->bootargs);
}

static void
gen_dtb(struct qemu *q, struct cki_fdt *f)
{
	static const char bus_compat[] = "qemu,platform\0simple-bus";
	static const char uart_clk[] = "uartclk\0apb_pclk";
	static const char uart_compat[] = "arm,pl011\0arm,primecell";
	const uint32_t bus_ranges[4] = { 0, 0, (uint32_t)Q_PLATFORM_BUS_BASE,
	    0x02000000 };
	const uint32_t map_mask[4] = { 0x1800, 0, 0, 7 };
	const uint32_t bus_range[2] = { 0, 0xff };
	const uint32_t clocks[2] = { Q_BASE_PHANDLE, Q_BASE_PHANDLE };
	const uint32_t uart_irq[3] = { CKI_IRQ_SPI, 1, CKI_IRQ_LEVEL_HI };
	const uint64_t fw_cfg[2] = { Q_FW_CFG_BASE, 0x18 };
	const uint64_t uart_reg[2] = { Q_UART_BASE, 0x1000 };
	const uint64_t its_reg[2] = { Q_GIC_ITS_BASE, Q_GIC_ITS_SIZE };
	uint64_t reg[6], addr;
	uint32_t irq[3], i;
	size_t nreg;

	cki_fdt_new(f, Q_MEM_BASE, q->mem_size, (uint32_t)q->ncpus,
	    gic_phandle(q), q->bootargs, q->has_initrd, q->initrd_base,
	    q->initrd_size);

	cki_fdt_begin_addr(f, "platform-bus", Q_PLATFORM_BUS_BASE);
	cki_fdt_prop_u32(f, "interrupt-parent", gic_phandle(q));
	cki_fdt_prop_u32s(f, "ranges", bus_ranges, 4);
	cki_fdt_prop_u32(f, "#address-cells", 1);
	cki_fdt_prop_u32(f, "#size-cells", 1);
	cki_fdt_prop_strs(f, "compatible", bus_compat, sizeof(bus_compat));
	cki_fdt_end(f);

	if (q->has_log)
		cki_fdt_add_log(f, q->log_base, Q_LOG_SIZE, 0);

	cki_fdt_begin_addr(f, "fw-cfg", Q_FW_CFG_BASE);
	cki_fdt_prop_null(f, "dma-coherent");
	cki_fdt_prop_u64s(f, "reg", fw_cfg, 2);
	cki_fdt_prop_str(f, "compatible", "qemu,fw-cfg-mmio");
	cki_fdt_end(f);

	for (i = 0; i < 32; i++) {
		addr = Q_VIRTIO_MMIO_BASE + i * 0x200u;
		cki_fdt_begin_addr(f, "virtio_mmio", addr);
		cki_fdt_prop_null(f, "dma-coherent");
		irq[0] = CKI_IRQ_SPI;
		irq[1] = 16 + i;
		irq[2] = CKI_IRQ_EDGE_LO_HI;
		cki_fdt_prop_u32s(f, "interrupts", irq, 3);
		reg[0] = addr;
		reg[1] = 0x200;
		cki_fdt_prop_u64s(f, "reg", reg, 2);
		cki_fdt_prop_str(f, "compatible", "virtio,mmio");
		cki_fdt_end(f);
	}

	cki_fdt_begin_addr(f, "pcie", Q_PCI_MMIO_BASE);
	prop_irq_map(q, f);
	cki_fdt_prop_u32s(f, "interrupt-map-mask", map_mask, 4);
	cki_fdt_prop_u32(f, "#interrupt-cells", 1);
	prop_pci_ranges(q, f);
	prop_pci_reg(q, f);
	prop_msi_map(q, f);
	cki_fdt_prop_null(f, "dma-coherent");
	cki_fdt_prop_u32s(f, "bus-range", bus_range, 2);
	cki_fdt_prop_u32(f, "linux,pci-domain", 0);
	cki_fdt_prop_u32(f, "#size-cells", 2);
	cki_fdt_prop_u32(f, "#address-cells", 3);
	cki_fdt_prop_str(f, "device_type", "pci");
	cki_fdt_prop_str(f, "compatible", "pci-host-ecam-generic");
	cki_fdt_end(f);

	cki_fdt_add_pl031(f, Q_BASE_PHANDLE, 2);

	cki_fdt_begin_addr(f, "pl011", Q_UART_BASE);
	cki_fdt_prop_strs(f, "clock-names", uart_clk, sizeof(uart_clk));
	cki_fdt_prop_u64s(f, "reg", uart_reg, 2);
	cki_fdt_prop_u32s(f, "clocks", clocks, 2);
	cki_fdt_prop_u32s(f, "interrupts", uart_irq, 3);
	cki_fdt_prop_strs(f, "compatible", uart_compat, sizeof(uart_compat));
	cki_fdt_end(f);

	if (q->has_pmu)
		cki_fdt_add_pmu(f);
	nreg = gic_regs(q, reg);
	cki_fdt_add_gic(f, reg, nreg, q->has_its ? its_reg : NULL,
	    gic_phandle(q), its_phandle(q));
	cki_fdt_add_timer(f, CKI_IRQ_LEVEL_HI);
	cki_fdt_add_clock(f, Q_BASE_PHANDLE);
	cki_fdt_end(f);
}

static int
make_dtb(struct qemu *q, const struct ccakit_vmm_opts *o, uint8_t **dtb,
    size_t *len, struct ccakit_errdetail *m)
{
	struct cki_dtb_surgeon s = { q, surgeon_node, surgeon_prop };
	struct cki_fdt f;
	uint8_t *tpl = NULL;
	size_t tlen;
	int r;

	if (o->dtb != NULL)
		return cki_vmm_read_file(o->dtb, dtb, len, m);
	if (o->dtb_template != NULL) {
		if ((r = cki_vmm_read_file(o->dtb_template, &tpl, &tlen, m)) !=
		    CCAKIT_OK)
			return r;
		r = cki_dtb_surgery(tpl, tlen, &s, dtb, len, m);
		free(tpl);
		return r;
	}
	if (cki_fdt_init(&f, NULL, 0, 0) == CCAKIT_OK)
		gen_dtb(q, &f);
	if ((r = cki_fdt_finish(&f, dtb, len)) != CCAKIT_OK)
		r = cki_msg(m, r, "FDT: %s", f.errwhat ? f.errwhat : "error");
	cki_fdt_free(&f);
	return r;
}

static int
parse_args(struct qemu *q, struct qemu_smp *smp, int argc,
    const char *const *argv, int *use_kernel, int *use_initrd,
    int *use_fw, struct ccakit_errdetail *m)
{
	struct rawargs a = { argc, 0, argv, NULL };
	char *owned = NULL, *arg = NULL, *val = NULL, *eq;
	const char *s;
	int r = CCAKIT_OK;

	while ((s = pop(&a, &owned)) != NULL) {
		free(arg);
		if (owned != NULL)
			arg = owned;
		else if ((arg = strdup(s)) == NULL) {
			r = cki_msg(m, CCAKIT_ERR_NOMEM, "out of memory");
			break;
		}
		/* "-opt=value" is "-opt value" (split_arg_eq). */
		if ((eq = strchr(arg, '=')) != NULL) {
			*eq = '\0';
			if ((a.pushed = strdup(eq + 1)) == NULL) {
				r = cki_msg(m, CCAKIT_ERR_NOMEM,
				    "out of memory");
				break;
			}
		}
#define VAL(name) \
	if ((r = pop_val(&a, (name), &val, m)) != CCAKIT_OK) \
		break
		if (strcmp(arg, "-m") == 0) {
			VAL("-m");
			r = parse_mem(q, val, m);
		} else if (strcmp(arg, "-smp") == 0) {
			VAL("-smp");
			r = parse_smp(q, smp, val, m);
		} else if (strcmp(arg, "-object") == 0) {
			VAL("-object");
			r = parse_object(q, val, m);
		} else if (strcmp(arg, "-append") == 0) {
			VAL("-append");
			free(q->bootargs);
			q->bootargs = val;
			val = NULL;
		} else if (strcmp(arg, "-machine") == 0 ||
		    strcmp(arg, "-M") == 0) {
			VAL("-machine");
			r = parse_machine(q, val, m);
		} else if (strcmp(arg, "-cpu") == 0) {
			VAL("-cpu");
			r = parse_cpu(q, val, m);
		} else if (strcmp(arg, "-device") == 0) {
			VAL("-device");
			r = parse_device(q, val);
		} else if (strcmp(arg, "-drive") == 0 ||
		    strcmp(arg, "-fsdev") == 0 ||
		    strcmp(arg, "-chardev") == 0 ||
		    strcmp(arg, "-netdev") == 0 || strcmp(arg, "-mon") == 0 ||
		    strcmp(arg, "-dtb") == 0) {
			VAL(arg);
		} else if (strcmp(arg, "-kernel") == 0) {
			VAL(arg);
			*use_kernel = 1;
		} else if (strcmp(arg, "-initrd") == 0) {
			VAL(arg);
			*use_initrd = 1;
		} else if (strcmp(arg, "-bios") == 0) {
			VAL(arg);
			*use_fw = 1;
		} else if (strcmp(arg, "-enable-kvm") != 0 &&
		    strcmp(arg, "-nographic") != 0 &&
		    strcmp(arg, "-nodefaults") != 0)
			cki_vmm_warn(q->v, "Parameter %s ignored", arg);
#undef VAL
		if (r != CCAKIT_OK)
			break;
	}
	free(a.pushed);
	free(arg);
	free(val);
	return r;
}

int
cki_qemu_build(struct ccakit_vmm *v, int argc, const char *const *argv,
    const struct ccakit_vmm_opts *o, struct ccakit_errdetail *m)
{
	struct qemu q;
	struct qemu_smp smp;
	struct cki_room room;
	uint64_t dtb_start = Q_MEM_BASE, text_offset, image_size, initrd_start;
	uint8_t *dtb = NULL;
	size_t dlen;
	unsigned int ipa = 0;
	int use_kernel = 0, use_initrd = 0, use_fw = 0, r;

	memset(&q, 0, sizeof(q));
	memset(&smp, 0, sizeof(smp));
	q.v = v;
	q.mem_size = 128 * CKI_MIB;
	q.has_its = 1;
	v->hash = CCAKIT_HASH_SHA512;
	if ((r = parse_args(&q, &smp, argc, argv, &use_kernel, &use_initrd,
	    &use_fw, m)) != CCAKIT_OK || (r = smp_to_map(&q, &smp, m)) !=
	    CCAKIT_OK)
		goto out;
	v->num_cpus = (uint32_t)q.ncpus;
	q.has_pmu = (v->params.set & CCAKIT_CAP_PMU) && v->params.pmu;
	if ((r = update_memmap(&q, &ipa, m)) != CCAKIT_OK)
		goto out;
	(void)cki_caps_set(&v->params, CCAKIT_CAP_IPA_BITS, ipa > 255 ? 255 :
	    ipa, 1, m);
	v->ram_base = Q_MEM_BASE;
	v->ram_size = q.mem_size;

	if (use_kernel) {
		cki_room_set(&room, "kernel", "in RAM", Q_MEM_BASE, Q_MEM_BASE,
		    q.mem_size);
		if ((r = cki_vmm_load_kernel(v, o, &room, &text_offset,
		    &image_size, m)) != CCAKIT_OK)
			goto out;
		if (text_offset > UINT64_MAX / 4 || image_size >
		    UINT64_MAX / 4) {
			r = cki_msg(m, CCAKIT_ERR_CLAIM_VALUE,
			    "invalid Linux header");
			goto out;
		}
		initrd_start = Q_MEM_BASE + (q.mem_size / 2 < 128 * CKI_MIB ?
		    q.mem_size / 2 : 128 * CKI_MIB);
		/* Keep clear of the kernel's whole load size. */
		if (initrd_start < Q_MEM_BASE + text_offset + image_size)
			initrd_start = Q_MEM_BASE + text_offset + image_size;
		initrd_start = cki_align_up(initrd_start, 4 * CKI_KIB);
		/*
		 * With firmware the images go through fw_cfg and the firmware
		 * measures them into REM0 (tool semantics, spec §2).
		 */
		r = use_fw ? cki_vmm_add_rem(v, &v->kernel, "KERNEL", m) :
		    cki_vmm_add_rim(v, Q_MEM_BASE + text_offset, &v->kernel,
		    NULL, 0, "KERNEL", m);
		if (r != CCAKIT_OK)
			goto out;
		if (use_initrd) {
			/* QEMU loads it up to the end of RAM. */
			cki_room_set(&room, "initrd", "in RAM", initrd_start,
			    Q_MEM_BASE, q.mem_size);
			if ((r = cki_vmm_open_initrd(v, o, &room, m)) !=
			    CCAKIT_OK)
				goto out;
			q.has_initrd = 1;
			q.initrd_base = initrd_start;
			q.initrd_size = v->initrd.len;
			r = use_fw ? cki_vmm_add_rem(v, &v->initrd, "INITRD",
			    m) : cki_vmm_add_rim(v, initrd_start, &v->initrd,
			    NULL, 0, "INITRD", m);
			if (r != CCAKIT_OK)
				goto out;
		}
		dtb_start = cki_align_up(initrd_start + q.initrd_size,
		    2 * CKI_MIB);
	}
	if (use_fw) {
		/* A confidential guest's -bios goes to RAM replacing the
		 * flash (virt_confidential_firmware_init): 128 MiB at 0. */
		cki_room_set(&room, "firmware", "in RAM", Q_FW_BASE, Q_FW_BASE,
		    Q_FW_SIZE);
		if ((r = cki_vmm_set_firmware(v, o, &room, m)) != CCAKIT_OK)
			goto out;
		/* With firmware, the DTB is at the start of RAM. */
		dtb_start = Q_MEM_BASE;
	}
	if (q.has_log_opt) {
		q.has_log = 1;
		q.log_base = dtb_start + Q_DTB_SIZE;
		v->has_log = 1;
		v->log_base = q.log_base;
		v->log_size = Q_LOG_SIZE;
	}
	v->has_rec = 1;
	v->pc = use_fw ? 0 : Q_MEM_BASE;
	v->gprs[0] = use_fw ? 0 : dtb_start;

	if ((r = make_dtb(&q, o, &dtb, &dlen, m)) != CCAKIT_OK ||
	    (r = cki_vmm_set_dtb(v, dtb, dlen, dtb_start, m)) != CCAKIT_OK) {
		r = cki_msg_ctx(m, r, "while generating DTB");
		goto out;
	}
	r = CCAKIT_OK;
out:
	free(q.bootargs);
	return r;
}
