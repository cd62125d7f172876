/*
 * realm-measurements: build the VMM model, write the DTB, measure, and
 * report, in upstream's phases and with its "ERROR <phase>: <msg>" lines.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <ccakit/err.h>
#include <ccakit/vmm.h>

#include "rm.h"

static void
print_warnings(const struct ccakit_vmm *vmm)
{
	const char *w = ccakit_vmm_warnings(vmm), *nl;

	while (*w != '\0' && (nl = strchr(w, '\n')) != NULL) {
		fprintf(stderr, "WARN %.*s\n", (int)(nl - w), w);
		w = nl + 1;
	}
}

static int
write_dtb(const char *path, const struct ccakit_vmm *vmm)
{
	const uint8_t *dtb;
	size_t len;
	int r, e;

	if (ccakit_vmm_dtb(vmm, &dtb, &len, NULL) != CCAKIT_OK)
		return 0;
	if ((r = rm_write_file(path, dtb, len)) == CCAKIT_OK)
		return 0;
	e = r == CCAKIT_ERR_IO ? errno : r == CCAKIT_ERR_NOMEM ? ENOMEM :
	    EINVAL;
	fprintf(stderr, "ERROR Cannot build parameters: while generating "
	    "DTB: file %s error: %s (os error %d)\n", path, strerror(e), e);
	return -1;
}

int
rm_run(const struct rm_args *a)
{
	struct ccakit_vmm_measure_opts mo;
	struct ccakit_vmm_measurements mm;
	struct ccakit_errdetail msg;
	struct ccakit_vmm *vmm = NULL;
	int r, rc = RM_EXIT_INPUT;

	if (a->vmm.dtb != NULL && a->vmm.dtb_template != NULL) {
		fprintf(stderr, "ERROR Invalid arguments: either --dtb or "
		    "--dtb-template can be set but not both\n");
		return RM_EXIT_USAGE;
	}
	memset(&msg, 0, sizeof(msg));
	if ((vmm = ccakit_vmm_new()) == NULL) {
		fprintf(stderr, "ERROR Cannot build parameters: %s\n",
		    ccakit_strerror(CCAKIT_ERR_NOMEM));
		return RM_EXIT_INPUT;
	}
	if ((r = ccakit_vmm_from_args(vmm, a->type, a->vmm_argc, a->vmm_argv,
	    &a->vmm, &msg)) != CCAKIT_OK) {
		ccakit_vmm_free(&vmm);
		if (msg.what != NULL &&
		    strcmp(msg.what, CCAKIT_VMM_USAGE) == 0) {
			fprintf(stderr, "error: %s\n\nFor more information, "
			    "try '--help'.\n", msg.text);
			return RM_EXIT_USAGE;
		}
		fprintf(stderr, "ERROR Cannot build parameters: %s\n",
		    msg.text[0] ? msg.text : ccakit_strerror(r));
		return RM_EXIT_INPUT;
	}
	print_warnings(vmm);
	if (a->output_dtb != NULL && write_dtb(a->output_dtb, vmm) != 0)
		goto out;
	if (a->no_measurements) {
		rc = RM_EXIT_OK;
		goto out;
	}
	memset(&mo, 0, sizeof(mo));
	mo.rmm_major = a->rmm_major;
	mo.rem_mode = a->tool_rem ? CCAKIT_VMM_REM_TOOL : CCAKIT_VMM_REM_RMM;
	mo.event_log = a->event_log;
	mo.io = a->io;
	if ((r = ccakit_vmm_measure(vmm, &mo, &mm, &msg)) != CCAKIT_OK) {
		fprintf(stderr, "ERROR Failed to compute measurements: %s\n",
		    msg.text[0] ? msg.text : ccakit_strerror(r));
		goto out;
	}
	if (a->rv_output != NULL &&
	    rm_write_rv(a->rv_output, vmm, &mm, a->rak_hash_algo) != 0)
		goto out;
	if (a->endorsements_output != NULL) {
		/* Upstream prints nothing when it writes endorsements. */
		if (a->corim_legacy ? rm_write_comid(a->endorsements_output,
		    a->endorsements_template, vmm, &mm) != 0 :
		    rm_write_corim(a, vmm, &mm) != 0)
			goto out;
	} else if (a->json) {
		if (rm_print_json(vmm, &mm) != 0)
			goto out;
	} else
		rm_print_lines(&mm, a->print_b64);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "ERROR writing output: %s\n", strerror(errno));
		goto out;
	}
	rc = RM_EXIT_OK;
out:
	ccakit_vmm_free(&vmm);
	return rc;
}
