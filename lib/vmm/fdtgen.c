/*
 * Device tree fragments shared by the VMM generators, in the node and
 * property order of the upstream tool (src/fdt.rs): the order is part of
 * the measured bytes.
 */
#include <stdio.h>

#include "vmm/vmm_priv.h"

static const char psci_compat[] = "arm,psci-1.0\0arm,psci-0.2\0arm,psci";
static const char timer_compat[] = "arm,armv8-timer\0arm,armv7-timer";
static const char pl031_compat[] = "arm,pl031\0arm,primecell";

void
cki_fdt_new(struct cki_fdt *f, uint64_t mem_base, uint64_t mem_size,
    uint32_t ncpus, uint32_t intc_phandle, const char *bootargs,
    int has_initrd, uint64_t initrd_base, uint64_t initrd_size)
{
	uint64_t reg[2] = { mem_base, mem_size };
	char name[16];
	uint32_t i;

	cki_fdt_begin(f, "");
	cki_fdt_prop_str(f, "compatible", "linux,dummy-virt");
	cki_fdt_prop_str(f, "model", "linux,dummy-virt-realm");
	cki_fdt_prop_u32(f, "#address-cells", 2);
	cki_fdt_prop_u32(f, "#size-cells", 2);
	cki_fdt_prop_u32(f, "interrupt-parent", intc_phandle);

	cki_fdt_begin(f, "chosen");
	if (bootargs != NULL)
		cki_fdt_prop_str(f, "bootargs", bootargs);
	if (has_initrd) {
		cki_fdt_prop_u64(f, "linux,initrd-start", initrd_base);
		cki_fdt_prop_u64(f, "linux,initrd-end",
		    initrd_base + initrd_size);
	}
	cki_fdt_end(f);

	cki_fdt_begin_addr(f, "memory", mem_base);
	cki_fdt_prop_str(f, "device_type", "memory");
	cki_fdt_prop_u64s(f, "reg", reg, 2);
	cki_fdt_end(f);

	cki_fdt_begin(f, "cpus");
	cki_fdt_prop_u32(f, "#size-cells", 0);
	cki_fdt_prop_u32(f, "#address-cells", 1);
	for (i = 0; i < ncpus; i++) {
		(void)snprintf(name, sizeof(name), "cpu@%u", i);
		cki_fdt_begin(f, name);
		cki_fdt_prop_u32(f, "reg", i);
		cki_fdt_prop_str(f, "enable-method", "psci");
		cki_fdt_prop_str(f, "compatible", "arm,armv8");
		cki_fdt_prop_str(f, "device_type", "cpu");
		cki_fdt_end(f);
	}
	cki_fdt_end(f);

	/* RMM offers a PSCI 1.0 subset. */
	cki_fdt_begin(f, "psci");
	cki_fdt_prop_u32(f, "cpu_on", 0xc4000003u);
	cki_fdt_prop_u32(f, "cpu_off", 0x84000002u);
	cki_fdt_prop_str(f, "method", "smc");
	cki_fdt_prop_strs(f, "compatible", psci_compat, sizeof(psci_compat));
	cki_fdt_end(f);
}

void
cki_fdt_add_gic(struct cki_fdt *f, const uint64_t *reg, size_t nreg,
    const uint64_t *its_reg, uint32_t gic_phandle, uint32_t its_phandle)
{
	cki_fdt_begin_addr(f, "intc", reg[0]);
	cki_fdt_prop_phandle(f, gic_phandle);
	cki_fdt_prop_u64s(f, "reg", reg, nreg);
	cki_fdt_prop_u32(f, "#redistributor-regions",
	    (uint32_t)((nreg - 2) / 2));
	cki_fdt_prop_str(f, "compatible", "arm,gic-v3");
	cki_fdt_prop_null(f, "ranges");
	cki_fdt_prop_u32(f, "#size-cells", 2);
	cki_fdt_prop_u32(f, "#address-cells", 2);
	cki_fdt_prop_null(f, "interrupt-controller");
	cki_fdt_prop_u32(f, "#interrupt-cells", 3);
	if (its_reg != NULL) {
		cki_fdt_begin_addr(f, "its", its_reg[0]);
		cki_fdt_prop_phandle(f, its_phandle);
		cki_fdt_prop_u64s(f, "reg", its_reg, 2);
		cki_fdt_prop_u32(f, "#msi-cells", 1);
		cki_fdt_prop_null(f, "msi-controller");
		cki_fdt_prop_str(f, "compatible", "arm,gic-v3-its");
		cki_fdt_end(f);
	}
	cki_fdt_end(f);
}

void
cki_fdt_add_timer(struct cki_fdt *f, uint32_t trigger)
{
	const uint32_t irq[9] = {
		CKI_IRQ_PPI, 13, trigger, CKI_IRQ_PPI, 14, trigger,
		CKI_IRQ_PPI, 11, trigger,
	};

	cki_fdt_begin(f, "timer");
	cki_fdt_prop_u32s(f, "interrupts", irq, 9);
	cki_fdt_prop_null(f, "always-on");
	cki_fdt_prop_strs(f, "compatible", timer_compat, sizeof(timer_compat));
	cki_fdt_end(f);
}

void
cki_fdt_add_pmu(struct cki_fdt *f)
{
	const uint32_t irq[3] = { CKI_IRQ_PPI, 7, CKI_IRQ_LEVEL_HI };

	cki_fdt_begin(f, "pmu");
	cki_fdt_prop_u32s(f, "interrupts", irq, 3);
	cki_fdt_prop_str(f, "compatible", "arm,armv8-pmuv3");
	cki_fdt_end(f);
}

void
cki_fdt_add_clock(struct cki_fdt *f, uint32_t phandle)
{
	cki_fdt_begin(f, "apb-pclk");
	cki_fdt_prop_phandle(f, phandle);
	cki_fdt_prop_str(f, "clock-output-names", "clk24mhz");
	cki_fdt_prop_u32(f, "clock-frequency", 24000000);
	cki_fdt_prop_u32(f, "#clock-cells", 0);
	cki_fdt_prop_str(f, "compatible", "fixed-clock");
	cki_fdt_end(f);
}

void
cki_fdt_add_pl031(struct cki_fdt *f, uint32_t clk, uint32_t irq)
{
	const uint64_t reg[2] = { 0x09010000, 0x1000 };
	const uint32_t irqs[3] = { CKI_IRQ_SPI, irq, CKI_IRQ_LEVEL_HI };

	cki_fdt_begin_addr(f, "pl031", reg[0]);
	cki_fdt_prop_str(f, "clock-names", "apb_pclk");
	cki_fdt_prop_u64s(f, "reg", reg, 2);
	cki_fdt_prop_u32(f, "clocks", clk);
	cki_fdt_prop_u32s(f, "interrupts", irqs, 3);
	cki_fdt_prop_strs(f, "compatible", pl031_compat, sizeof(pl031_compat));
	cki_fdt_end(f);
}

/* reserved-memory/event-log@base: kvmtool and QEMU order differently. */
void
cki_fdt_add_log(struct cki_fdt *f, uint64_t base, uint64_t size,
    int kvmtool_order)
{
	const uint64_t reg[2] = { base, size };

	cki_fdt_begin(f, "reserved-memory");
	if (kvmtool_order) {
		cki_fdt_prop_u32(f, "#address-cells", 2);
		cki_fdt_prop_u32(f, "#size-cells", 2);
		cki_fdt_prop_null(f, "ranges");
	} else {
		cki_fdt_prop_null(f, "ranges");
		cki_fdt_prop_u32(f, "#size-cells", 2);
		cki_fdt_prop_u32(f, "#address-cells", 2);
	}
	cki_fdt_begin_addr(f, "event-log", base);
	if (kvmtool_order) {
		cki_fdt_prop_str(f, "compatible", "cc-event-log");
		cki_fdt_prop_u64s(f, "reg", reg, 2);
	} else {
		cki_fdt_prop_u64s(f, "reg", reg, 2);
		cki_fdt_prop_str(f, "compatible", "cc-event-log");
	}
	cki_fdt_end(f);
	cki_fdt_end(f);
}
