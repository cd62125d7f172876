/* DTBs made by the project's own VMM models, for the unit tests. */
#include <stdlib.h>
#include <string.h>

#include <ccakit/err.h>
#include <ccakit/vmm.h>

#include "test_dtb_util.h"
#include "testutil.h"

uint8_t *
td_dtb(const char *name, size_t *len)
{
	static const struct {
		const char *name;
		enum ccakit_vmm_type type;
		const char *argv[24];
	} tab[] = {
		{ "kvmtool-1cpu-512M", CCAKIT_VMM_KVMTOOL,
		    { "--realm", "-c", "1", "-m", "512M", NULL } },
		{ "qemu-1cpu-128M", CCAKIT_VMM_QEMU, { NULL } },
		{ "qemu-1cpu-128M-pmu", CCAKIT_VMM_QEMU,
		    { "-cpu", "pmu=on", NULL } },
		{ "qemu-2cpu-1G", CCAKIT_VMM_QEMU,
		    { "-M", "confidential-guest-support=rme0", "-object",
		    "rme-guest,id=rme0,measurement-algorithm=sha256", "-cpu",
		    "host", "-M", "virt", "-enable-kvm", "-smp", "2", "-m",
		    "1G", "-nographic", "-bios", "firmware", NULL } },
	};
	struct ccakit_vmm_opts o;
	struct ccakit_errdetail m;
	struct ccakit_vmm *v = NULL;
	const uint8_t *dtb;
	uint8_t *out;
	size_t i;
	int argc = 0;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(tab[i].name, name) == 0)
			break;
	if (i == sizeof(tab) / sizeof(tab[0]))
		fail_msg("no DTB model %s", name);
	/* The host options of upstream's tests/cmdline.rs. */
	memset(&o, 0, sizeof(o));
	o.host.set = CCAKIT_CAP_NUM_WPS | CCAKIT_CAP_NUM_BPS;
	o.host.num_wps = o.host.num_bps = 6;
	if (tab[i].type == CCAKIT_VMM_QEMU) {
		o.host.set |= CCAKIT_CAP_IPA_BITS | CCAKIT_CAP_PMU_NUM_CTRS;
		o.host.ipa_bits = 52;
		o.host.pmu_num_ctrs = 6;
		o.firmware = "firmware";	/* read only when measured */
	}
	while (tab[i].argv[argc] != NULL)
		argc++;
	assert_non_null(v = ccakit_vmm_new());
	if (ccakit_vmm_from_args(v, tab[i].type, argc, tab[i].argv, &o, &m) !=
	    CCAKIT_OK)
		fail_msg("%s: %s", name, m.text);
	assert_int_equal(ccakit_vmm_dtb(v, &dtb, len, NULL), CCAKIT_OK);
	assert_non_null(out = malloc(*len));
	memcpy(out, dtb, *len);
	ccakit_vmm_free(&v);
	return out;
}

int
tu_evlog_parse(const uint8_t *buf, size_t len, unsigned flags,
    ccakit_evlog **out, struct ccakit_errdetail *d)
{
	int r;

	if ((*out = ccakit_evlog_new()) == NULL)
		return CCAKIT_ERR_NOMEM;
	if ((r = ccakit_evlog_parse(*out, buf, len, flags, d)) != CCAKIT_OK)
		ccakit_evlog_free(out);
	return r;
}
