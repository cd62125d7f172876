/* DTBs made by the project's own VMM models, for the unit tests. */
#ifndef CCAKIT_TEST_DTB_UTIL_H
#define CCAKIT_TEST_DTB_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <ccakit/err.h>
#include <ccakit/eventlog.h>

/*
 * The DTB that lib/vmm generates for one of the VMM command lines of
 * upstream's tests/cmdline.rs, named as the validated DTBs of the vectors
 * (cca-realm-measurements/derived-dtbs/NAME.dtb): "kvmtool-1cpu-512M",
 * "qemu-1cpu-128M", "qemu-1cpu-128M-pmu" or "qemu-2cpu-1G". test_vmm
 * checks, when the vectors are present, that these are the same bytes.
 * Returns a malloc'd copy.
 */
uint8_t *td_dtb(const char *name, size_t *len);


/*
 * ccakit_evlog_new() and ccakit_evlog_parse() in one: *out is the new log,
 * or NULL when the parse failed (the log is freed then).
 */
int tu_evlog_parse(const uint8_t *buf, size_t len, unsigned flags,
    ccakit_evlog **out, struct ccakit_errdetail *d);

#endif
