#include <stdlib.h>

#include "testvec.h"

#ifndef TESTVEC_DEFAULT
#error "TESTVEC_DEFAULT (the default vectors directory) must be defined"
#endif

const char *
testvec_dir(void)
{
	const char *v = getenv("CCAKIT_VECTORS");

	return v != NULL && *v != '\0' ? v : TESTVEC_DEFAULT;
}
