ccakit_unit_test(test_tsm SOURCES unit/test_tsm.c
	LIBS ccakit_tsm ccakit_json ccakit_token ccakit_store ccakit_cose
	ccakit_cbor ccakit_util)
