ccakit_unit_test(test_attest SOURCES unit/test_attest.c
	unit/test_token_util.c
	LIBS ccakit_attest ccakit_ear ccakit_jose ccakit_json ccakit_token
	ccakit_store ccakit_cose ccakit_cbor ccakit_util)
