ccakit_unit_test(test_jose SOURCES unit/test_jose.c unit/test_token_util.c
	LIBS ccakit_jose ccakit_json ccakit_token ccakit_store ccakit_cose ccakit_cbor
	ccakit_util)
