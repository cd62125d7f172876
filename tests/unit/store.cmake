ccakit_unit_test(test_store SOURCES unit/test_store.c unit/test_token_util.c
	LIBS ccakit_store ccakit_appraise)
ccakit_unit_test(test_claims_json SOURCES unit/test_claims_json.c
	unit/test_token_util.c LIBS ccakit_json ccakit_appraise)
