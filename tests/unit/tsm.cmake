ccakit_unit_test(test_tsm SOURCES unit/test_tsm.c
	LIBS ccakit_tsm ccakit_appraise)
