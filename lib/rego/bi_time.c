#include "rego/rego_priv.h"

const struct rego_bi_def rego_bi_time[] = {
	{ NULL, 0, 0, NULL },
};
