/* DTBs made by the project's own VMM models, for the unit tests. */
#ifndef CCAKIT_TEST_DTB_UTIL_H
#define CCAKIT_TEST_DTB_UTIL_H

#include <stddef.h>
#include <stdint.h>

/*
 * The DTB that lib/vmm generates for one of the VMM command lines of
 * upstream's tests/cmdline.rs, named as the validated DTBs of the vectors
 * (cca-realm-measurements/derived-dtbs/NAME.dtb): "kvmtool-1cpu-512M",
 * "qemu-1cpu-128M", "qemu-1cpu-128M-pmu" or "qemu-2cpu-1G". test_vmm
 * checks, when the vectors are present, that these are the same bytes.
 * Returns a malloc'd copy.
 */
uint8_t *td_dtb(const char *name, size_t *len);

#endif
