find_package(Threads REQUIRED)
ccakit_unit_test(test_cose SOURCES unit/test_cose.c
	LIBS ccakit_cose ccakit_cbor ccakit_util Threads::Threads)
