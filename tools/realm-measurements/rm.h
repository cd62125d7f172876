/* realm-measurements: shared declarations of the tool's files. */
#ifndef RM_H
#define RM_H

#include <stddef.h>
#include <stdint.h>

#include <ccakit/vmm.h>

/* Exit statuses (realm-measurements(1)). */
#define RM_EXIT_OK	0
#define RM_EXIT_USAGE	1	/* bad options or arguments */
#define RM_EXIT_INPUT	2	/* bad input, or measurement failed */

struct rm_args {
	struct ccakit_vmm_opts vmm;
	enum ccakit_vmm_type type;
	int vmm_argc;
	const char *const *vmm_argv;
	int verbose;
	int no_measurements;
	int print_b64;
	int json;
	int tool_rem;
	int rmm_major;
	enum ccakit_realm_io io;
	const char *output_dtb;
	const char *endorsements_template;
	const char *endorsements_output;
	int corim_legacy;		/* --corim-layout legacy */
	int corim_profile_text;		/* --corim-profile-encoding text */
	const char *sign_key;
	const char *sign_chain;
	const char *sign_meta;
	const char *rv_output;
	const char *rak_hash_algo;
	const char *event_log;
};

int rm_run(const struct rm_args *a);

/* Outputs (output.c). They print their own "ERROR ..." on failure. */
void rm_print_lines(const struct ccakit_vmm_measurements *mm, int b64);
int rm_print_json(const struct ccakit_vmm *vmm,
    const struct ccakit_vmm_measurements *mm);
/*
 * Write an output file: a regular file is replaced atomically (mode
 * 0644), a FIFO or a device written in place. CCAKIT_OK, or
 * CCAKIT_ERR_IO with errno (cki_write_file).
 */
int rm_write_file(const char *path, const void *buf, size_t len);
int rm_write_rv(const char *path, const struct ccakit_vmm *vmm,
    const struct ccakit_vmm_measurements *mm, const char *rak_hash_algo);
int rm_write_comid(const char *path, const char *template_path,
    const struct ccakit_vmm *vmm, const struct ccakit_vmm_measurements *mm);
/* The CoRIM of the current CCA realm profile, signed when asked
 * (corim.c). */
int rm_write_corim(const struct rm_args *a, const struct ccakit_vmm *vmm,
    const struct ccakit_vmm_measurements *mm);

#endif
