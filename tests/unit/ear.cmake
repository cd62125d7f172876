# AR4SI trust vectors (tv.c) are part of the ear module.
ccakit_unit_test(test_tv SOURCES unit/test_tv.c LIBS ccakit_ear)
ccakit_unit_test(test_ear SOURCES unit/test_ear.c unit/test_token_util.c
	LIBS ccakit_ear ccakit_appraise)
