#include "rego/rego_priv.h"

const struct rego_bi_def rego_bi_strings[] = {
	{ NULL, 0, 0, NULL },
};
