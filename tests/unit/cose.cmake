find_package(Threads REQUIRED)
ccakit_unit_test(test_cose SOURCES unit/test_cose.c
	LIBS ccakit_cose ccakit_cbor ccakit_util Threads::Threads)
ccakit_unit_test(test_ecdsa_diff SOURCES unit/test_ecdsa_diff.c
	LIBS ccakit_token ccakit_store ccakit_cose ccakit_cbor ccakit_util)
# The same binary over the upstream vectors (77: vectors not found).
add_test(NAME test_ecdsa_diff_vectors COMMAND test_ecdsa_diff vectors)
set_tests_properties(test_ecdsa_diff_vectors PROPERTIES
	ENVIRONMENT "${CCAKIT_TEST_ENV}" SKIP_RETURN_CODE 77)
