ccakit_unit_test(test_ear SOURCES unit/test_ear.c unit/test_token_util.c
	LIBS ccakit_ear ccakit_appraise)
