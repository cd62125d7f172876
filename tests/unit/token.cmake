set(_token_libs ccakit_token ccakit_json ccakit_appraise)
ccakit_unit_test(test_token_decode SOURCES unit/test_token_decode.c
	unit/test_token_util.c LIBS ${_token_libs})
ccakit_unit_test(test_token_verify SOURCES unit/test_token_verify.c
	unit/test_token_util.c LIBS ${_token_libs} Threads::Threads)
ccakit_unit_test(test_token_create SOURCES unit/test_token_create.c
	unit/test_token_util.c LIBS ${_token_libs})
ccakit_unit_test(test_platform_cache SOURCES unit/test_platform_cache.c
	unit/test_token_util.c LIBS ${_token_libs} Threads::Threads)
