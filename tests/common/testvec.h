/*
 * Where the upstream test vectors are, for every test program (cmocka or
 * not): $CCAKIT_VECTORS when set and not empty, else ../shared/vectors
 * beside the source tree this was built from (never the working
 * directory). See docs/testing.md.
 */
#ifndef CCAKIT_TESTVEC_H
#define CCAKIT_TESTVEC_H

const char *testvec_dir(void);

#endif
