/* Type checks: is_<type>, type_name. */
#include <string.h>

#include "rego/rego_priv.h"

#define IS(fn, type) \
	static int \
	fn(ccakit_rego_bictx *ctx, args_t a, const rv **out) \
	{ \
		(void)ctx; \
		*out = RV_BOOLV(a[0]->t == (type)); \
		return CCAKIT_OK; \
	}

IS(bi_is_number, RV_NUM)
IS(bi_is_string, RV_STR)
IS(bi_is_boolean, RV_BOOL)
IS(bi_is_array, RV_ARR)
IS(bi_is_set, RV_SET)
IS(bi_is_object, RV_OBJ)
IS(bi_is_null, RV_NULL)

static int
bi_type_name(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	const char *n = rv_type_name(a[0]);

	if ((*out = rv_str_ref(rego_bi_arena(ctx), n, strlen(n))) == NULL)
		return rego_bi_nomem(ctx);
	return CCAKIT_OK;
}

const struct rego_bi_def rego_bi_types[] = {
	{ "is_number", 1, 0, bi_is_number },
	{ "is_string", 1, 0, bi_is_string },
	{ "is_boolean", 1, 0, bi_is_boolean },
	{ "is_array", 1, 0, bi_is_array },
	{ "is_set", 1, 0, bi_is_set },
	{ "is_object", 1, 0, bi_is_object },
	{ "is_null", 1, 0, bi_is_null },
	{ "type_name", 1, 0, bi_type_name },
	{ NULL, 0, 0, NULL },
};
