/*
 * Measuring a VMM model: resolve the realm parameters the way upstream's
 * Realm::rim_realm_create does (same checks, same messages), then hand
 * the layout to the measurement core (ccakit/measure.h) and optionally
 * write the measurement log (ccakit/eventlog.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/eventlog.h>
#include <ccakit/measure.h>

#include "vmm/vmm_priv.h"

static int
resolve_params(const struct ccakit_vmm *v, struct ccakit_realm_params *p,
    struct ccakit_errdetail *m)
{
	const struct ccakit_realm_caps *c = &v->params;

	memset(p, 0, sizeof(*p));
	if (!(c->set & CCAKIT_CAP_IPA_BITS))
		return cki_msg(m, CCAKIT_ERR_CLAIM_MISSING,
		    "ipa_bits is not known");
	if (!(c->set & CCAKIT_CAP_NUM_WPS))
		return cki_msg(m, CCAKIT_ERR_CLAIM_MISSING,
		    "num_wps is not known");
	if (!(c->set & CCAKIT_CAP_NUM_BPS))
		return cki_msg(m, CCAKIT_ERR_CLAIM_MISSING,
		    "num_bps is not known");
	if ((c->set & CCAKIT_CAP_SVE_VL) && c->sve_vl > 0) {
		p->flags |= CCAKIT_REALM_FLAG_SVE;
		p->sve_vl = (uint8_t)(c->sve_vl / 128 - 1);
	}
	if ((c->set & CCAKIT_CAP_LPA2) && c->lpa2)
		p->flags |= CCAKIT_REALM_FLAG_LPA2;
	if ((c->set & CCAKIT_CAP_PMU) && c->pmu) {
		if (!(c->set & CCAKIT_CAP_PMU_NUM_CTRS))
			return cki_msg(m, CCAKIT_ERR_CLAIM_MISSING,
			    "pmu_num_ctrs is not known");
		p->flags |= CCAKIT_REALM_FLAG_PMU;
		p->pmu_num_ctrs = c->pmu_num_ctrs;
	}
	p->s2sz = c->ipa_bits;
	/* RMM 1.0-rel0 encoding: counts minus one (spec §0.5). */
	p->num_bps = (uint8_t)(c->num_bps - 1);
	p->num_wps = (uint8_t)(c->num_wps - 1);
	p->hash_algo = (uint8_t)v->hash;
	return CCAKIT_OK;
}

static const char *
vmm_name(enum ccakit_vmm_type t)
{
	switch (t) {
	case CCAKIT_VMM_KVMTOOL:
		return "kvmtool";
	case CCAKIT_VMM_QEMU:
		return "QEMU";
	default:
		return "cloud-hypervisor";
	}
}

static void
set_src(struct ccakit_realm_image *im, const struct cki_blob *b)
{
	im->src.kind = CCAKIT_SRC_MEM;
	if (b->img != NULL && b->img->has_fd) {
		/* Read by lib/measure, as ccakit_realm_set_io() says. */
		im->src.kind = CCAKIT_SRC_FD;
		im->src.fd = b->img->fd;
	} else if (b->img != NULL) {
		im->src.mem = b->img->data;
		im->src.len = b->img->len;
	} else {
		im->src.mem = b->data;
		im->src.len = b->len;
	}
}

static int
write_log(const struct ccakit_realm_config *cfg, const struct ccakit_vmm *v,
    const char *path, struct ccakit_errdetail *m)
{
	struct ccakit_evlog_write_opts wo;
	struct ccakit_errdetail d;
	uint8_t *log = NULL;
	size_t len = 0;
	int r;

	memset(&wo, 0, sizeof(wo));
	memset(&d, 0, sizeof(d));
	/* A log region of the model is zero-padded to its size. */
	if (v->has_log)
		wo.pad_to = (size_t)v->log_size;
	if ((r = ccakit_evlog_write(cfg, &wo, &log, &len, &d)) != CCAKIT_OK)
		return cki_msg(m, r, "event log: %s", d.text[0] ? d.text :
		    ccakit_strerror(r));
	if ((r = cki_write_file(path, log, len, 0644)) == CCAKIT_ERR_IO)
		r = cki_msg_file(m, CCAKIT_ERR_IO, path, errno);
	else if (r != CCAKIT_OK)
		r = cki_msg(m, r, "event log: %s", ccakit_strerror(r));
	free(log);
	return r;
}

int
ccakit_vmm_measure(struct ccakit_vmm *v,
    const struct ccakit_vmm_measure_opts *o, struct ccakit_vmm_measurements *out,
    struct ccakit_errdetail *m)
{
	struct ccakit_realm_image im[2 * CKI_VMM_MAX_BLOBS + 1];
	struct ccakit_realm_config cfg;
	struct ccakit_realm_meas meas;
	struct ccakit_mem_range ram;
	struct ccakit_errdetail d;
	size_t n = 0, i;
	int r;

	if (m != NULL)
		m->text[0] = '\0';
	if (v == NULL || out == NULL)
		return cki_msg(m, CCAKIT_ERR_INVALID_ARG, "invalid argument");
	memset(&cfg, 0, sizeof(cfg));
	memset(im, 0, sizeof(im));
	memset(&d, 0, sizeof(d));
	if ((r = resolve_params(v, &cfg.params, m)) != CCAKIT_OK)
		return r;
	/* The firmware is opened only now, as upstream's lazy blobs are. */
	if (v->firmware.path != NULL && !v->firmware.loaded) {
		char *path = v->firmware.path;

		v->firmware.path = NULL;
		r = cki_image_open(&v->firmware, path, &v->firmware.room, m);
		free(path);
		if (r != CCAKIT_OK)
			return cki_msg_ctx(m, r, "VMM");
	}
	cfg.rmm = (o != NULL && o->rmm_major == 2) ? CCAKIT_RMM_2 :
	    CCAKIT_RMM_1;
	cfg.order = CCAKIT_ORDER_TOOL;
	cfg.compat = (o != NULL && o->rem_mode == CCAKIT_VMM_REM_TOOL) ?
	    CCAKIT_COMPAT_TOOL_REM : 0;
	cfg.vmm_name = vmm_name(v->type);
	cfg.ram_size = v->ram_size;
	cfg.num_cpus = v->num_cpus;
	ram.base = v->ram_base;
	ram.size = v->ram_size;
	if (v->ram_size > 0) {
		cfg.ram = &ram;
		cfg.n_ram = 1;
	}
	/* The layout used the sizes the files had when opened. */
	for (i = 0; i < v->nrim + v->nrem; i++) {
		const struct cki_blob *b = i < v->nrim ? &v->rim[i] :
		    &v->rem[i - v->nrim];

		if (b->img != NULL &&
		    (r = cki_image_check(b->img, m)) != CCAKIT_OK)
			return cki_msg_ctx(m, r, "VMM");
	}
	cfg.io = o != NULL ? o->io : CCAKIT_IO_AUTO;
	for (i = 0; i < v->nrim; i++, n++) {
		im[n].name = v->rim[i].label;
		im[n].target = CCAKIT_IMG_RIM;
		im[n].ipa = v->rim[i].ipa;
		set_src(&im[n], &v->rim[i]);
	}
	for (i = 0; i < v->nrem; i++, n++) {
		/* The tool extends REM0 for -bios with -kernel/-initrd. */
		im[n].name = v->rem[i].label;
		im[n].target = CCAKIT_IMG_REM0;
		set_src(&im[n], &v->rem[i]);
	}
	if (v->has_log) {
		im[n].name = "LOG";
		im[n].target = CCAKIT_IMG_UNMEASURED;
		im[n].ipa = v->log_base;
		im[n].size = v->log_size;
		n++;
	}
	cfg.images = im;
	cfg.n_images = n;
	cfg.has_rec = v->has_rec != 0;
	cfg.rec.flags = CCAKIT_REC_FLAG_RUNNABLE;
	cfg.rec.pc = v->pc;
	memcpy(cfg.rec.gprs, v->gprs, sizeof(cfg.rec.gprs));

	if ((r = ccakit_realm_config_measure(&cfg, &meas, &d)) != CCAKIT_OK)
		return cki_msg(m, r, "RMM: %s", d.text[0] ? d.text :
		    ccakit_strerror(r));
	if (o != NULL && o->event_log != NULL &&
	    (r = write_log(&cfg, v, o->event_log, m)) != CCAKIT_OK)
		return r;
	memset(out, 0, sizeof(*out));
	out->len = meas.len;
	memcpy(out->rim, meas.rim, sizeof(out->rim));
	memcpy(out->rem, meas.rem, sizeof(out->rem));
	return CCAKIT_OK;
}
