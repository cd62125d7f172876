set(_token_libs ccakit_json ccakit_token ccakit_store ccakit_cose ccakit_cbor
	ccakit_util)
ccakit_unit_test(test_tv SOURCES unit/test_tv.c LIBS ${_token_libs})
ccakit_unit_test(test_token_decode SOURCES unit/test_token_decode.c
	unit/test_token_util.c LIBS ${_token_libs})
ccakit_unit_test(test_token_verify SOURCES unit/test_token_verify.c
	unit/test_token_util.c LIBS ${_token_libs})
ccakit_unit_test(test_token_create SOURCES unit/test_token_create.c
	unit/test_token_util.c LIBS ${_token_libs})
find_package(Threads REQUIRED)
target_link_libraries(test_token_verify PRIVATE Threads::Threads)
