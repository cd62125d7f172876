ccakit_unit_test(test_attest SOURCES unit/test_attest.c
	unit/test_token_util.c LIBS ccakit_attest ccakit_appraise)
