/*
 * Internal helpers shared by the CBOR reader, writer and diagnostic
 * printer. Not exported.
 */
#ifndef CCAKIT_CBOR_PRIV_H
#define CCAKIT_CBOR_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "ccakit/cbor.h"

/* Hard ceiling for ccakit_cbor_limits.max_depth (sizes the parse stack). */
#define CKI_CBOR_DEPTH_CEIL	32

/*
 * Describe the item that starts at p, which must lie inside a buffer
 * accepted by ccakit_cbor_parse() (no bounds checks). Returns the
 * address just past the item.
 */
const uint8_t *cki_cbor_decode(const uint8_t *p,
	    struct ccakit_cbor_item *out);

/* Half-precision bits to double (exact). */
double	cki_cbor_half_to_double(uint16_t h);

#endif /* CCAKIT_CBOR_PRIV_H */
