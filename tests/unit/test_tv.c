/* Trust vectors: setters, tiers, JSON as serde_json prints the ear crate's. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <ccakit/err.h>
#include <ccakit/tv.h>

#include "testutil.h"

static void
test_set_clear(void **state)
{
	struct ccakit_tv tv;
	int c;

	(void)state;
	memset(&tv, 0x5a, sizeof(tv));
	ccakit_tv_clear(&tv);
	for (c = 0; c < CCAKIT_TV_NCLAIMS; c++)
		assert_false(ccakit_tv_is_set(&tv, (enum ccakit_tv_claim)c));
	ccakit_tv_set(&tv, CCAKIT_TV_HARDWARE, 97);
	assert_true(ccakit_tv_is_set(&tv, CCAKIT_TV_HARDWARE));
	assert_false(ccakit_tv_is_set(&tv, CCAKIT_TV_EXECUTABLES));
	assert_int_equal(tv.v[CCAKIT_TV_HARDWARE], 97);
	/* out of range claims are ignored */
	ccakit_tv_set(&tv, CCAKIT_TV_NCLAIMS, 2);
	ccakit_tv_set(&tv, (enum ccakit_tv_claim)200, 2);
	assert_int_equal(tv.set, 1u << CCAKIT_TV_HARDWARE);
	assert_false(ccakit_tv_is_set(&tv, CCAKIT_TV_NCLAIMS));
	ccakit_tv_set_all(&tv, -1);
	assert_int_equal(tv.set, 0xff);
	for (c = 0; c < CCAKIT_TV_NCLAIMS; c++)
		assert_int_equal(tv.v[c], -1);
}

static void
test_names(void **state)
{
	static const char *const want[] = { "instance-identity",
	    "configuration", "executables", "file-system", "hardware",
	    "runtime-opaque", "storage-opaque", "sourced-data" };
	int c;

	(void)state;
	for (c = 0; c < CCAKIT_TV_NCLAIMS; c++)
		assert_string_equal(ccakit_tv_claim_name(
		    (enum ccakit_tv_claim)c), want[c]);
	assert_null(ccakit_tv_claim_name(CCAKIT_TV_NCLAIMS));
	assert_string_equal(ccakit_tier_name(CCAKIT_TIER_NONE), "none");
	assert_string_equal(ccakit_tier_name(CCAKIT_TIER_AFFIRMING),
	    "affirming");
	assert_string_equal(ccakit_tier_name(CCAKIT_TIER_WARNING), "warning");
	assert_string_equal(ccakit_tier_name(CCAKIT_TIER_CONTRAINDICATED),
	    "contraindicated");
}

static void
test_tiers(void **state)
{
	static const struct {
		int v;
		enum ccakit_tier t;
	} tab[] = {
		{ -128, CCAKIT_TIER_CONTRAINDICATED },
		{ -97, CCAKIT_TIER_CONTRAINDICATED },
		{ -96, CCAKIT_TIER_WARNING },
		{ -33, CCAKIT_TIER_WARNING },
		{ -32, CCAKIT_TIER_AFFIRMING },
		{ -2, CCAKIT_TIER_AFFIRMING },
		{ -1, CCAKIT_TIER_NONE },
		{ 0, CCAKIT_TIER_NONE },
		{ 1, CCAKIT_TIER_NONE },
		{ 2, CCAKIT_TIER_AFFIRMING },
		{ 31, CCAKIT_TIER_AFFIRMING },
		{ 32, CCAKIT_TIER_WARNING },
		{ 33, CCAKIT_TIER_WARNING },
		{ 95, CCAKIT_TIER_WARNING },
		{ 96, CCAKIT_TIER_CONTRAINDICATED },
		{ 97, CCAKIT_TIER_CONTRAINDICATED },
		{ 99, CCAKIT_TIER_CONTRAINDICATED },
		{ 127, CCAKIT_TIER_CONTRAINDICATED },
	};
	struct ccakit_tv tv;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		assert_int_equal(ccakit_tier_of(tab[i].v), tab[i].t);

	ccakit_tv_clear(&tv);
	assert_int_equal(ccakit_tv_tier(&tv), CCAKIT_TIER_NONE);
	ccakit_tv_set_all(&tv, 0);
	assert_int_equal(ccakit_tv_tier(&tv), CCAKIT_TIER_NONE);
	ccakit_tv_clear(&tv);
	ccakit_tv_set(&tv, CCAKIT_TV_INSTANCE_IDENTITY, 2);
	assert_int_equal(ccakit_tv_tier(&tv), CCAKIT_TIER_AFFIRMING);
	ccakit_tv_set(&tv, CCAKIT_TV_RUNTIME_OPAQUE, 32);
	assert_int_equal(ccakit_tv_tier(&tv), CCAKIT_TIER_WARNING);
	ccakit_tv_set(&tv, CCAKIT_TV_HARDWARE, 97);
	assert_int_equal(ccakit_tv_tier(&tv), CCAKIT_TIER_CONTRAINDICATED);
	/* unset claims do not count, whatever their stored value */
	ccakit_tv_clear(&tv);
	tv.v[CCAKIT_TV_HARDWARE] = 99;
	ccakit_tv_set(&tv, CCAKIT_TV_EXECUTABLES, 3);
	assert_int_equal(ccakit_tv_tier(&tv), CCAKIT_TIER_AFFIRMING);
}

static void
test_json(void **state)
{
	struct ccakit_tv tv;
	char buf[512];

	(void)state;
	ccakit_tv_clear(&tv);
	assert_int_equal(ccakit_tv_to_json(&tv, buf, sizeof(buf)), CCAKIT_OK);
	assert_string_equal(buf, "{}");

	ccakit_tv_set(&tv, CCAKIT_TV_INSTANCE_IDENTITY, 2);
	assert_int_equal(ccakit_tv_to_json(&tv, buf, sizeof(buf)), CCAKIT_OK);
	assert_string_equal(buf, "{\n  \"instance-identity\": 2\n}");

	/* claim order, not insertion order; negative values */
	ccakit_tv_clear(&tv);
	ccakit_tv_set(&tv, CCAKIT_TV_RUNTIME_OPAQUE, 32);
	ccakit_tv_set(&tv, CCAKIT_TV_INSTANCE_IDENTITY, 2);
	ccakit_tv_set(&tv, CCAKIT_TV_EXECUTABLES, -97);
	assert_int_equal(ccakit_tv_to_json(&tv, buf, sizeof(buf)), CCAKIT_OK);
	assert_string_equal(buf, "{\n  \"instance-identity\": 2,\n"
	    "  \"executables\": -97,\n  \"runtime-opaque\": 32\n}");

	ccakit_tv_set_all(&tv, 99);
	assert_int_equal(ccakit_tv_to_json(&tv, buf, sizeof(buf)), CCAKIT_OK);
	assert_string_equal(buf, "{\n"
	    "  \"instance-identity\": 99,\n"
	    "  \"configuration\": 99,\n"
	    "  \"executables\": 99,\n"
	    "  \"file-system\": 99,\n"
	    "  \"hardware\": 99,\n"
	    "  \"runtime-opaque\": 99,\n"
	    "  \"storage-opaque\": 99,\n"
	    "  \"sourced-data\": 99\n"
	    "}");
}

static void
test_json_small(void **state)
{
	struct ccakit_tv tv;
	char buf[64];
	size_t need, n;

	(void)state;
	ccakit_tv_clear(&tv);
	ccakit_tv_set(&tv, CCAKIT_TV_INSTANCE_IDENTITY, 2);
	ccakit_tv_set(&tv, CCAKIT_TV_HARDWARE, 97);
	assert_int_equal(ccakit_tv_to_json(&tv, buf, sizeof(buf)), CCAKIT_OK);
	need = strlen(buf) + 1;
	/* every smaller buffer fails cleanly, the exact size works */
	for (n = 1; n < need; n++)
		assert_int_equal(ccakit_tv_to_json(&tv, buf, n),
		    CCAKIT_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(ccakit_tv_to_json(&tv, buf, need), CCAKIT_OK);
	assert_int_equal(strlen(buf) + 1, need);
	ccakit_tv_clear(&tv);
	assert_int_equal(ccakit_tv_to_json(&tv, buf, 2),
	    CCAKIT_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(ccakit_tv_to_json(&tv, buf, 0),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_tv_to_json(NULL, buf, sizeof(buf)),
	    CCAKIT_ERR_INVALID_ARG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_clear),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_tiers),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
