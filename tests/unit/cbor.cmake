ccakit_unit_test(test_cbor SOURCES unit/test_cbor.c LIBS ccakit_cbor ccakit_util m)

# Differential test against libcbor, used as a test oracle only.
pkg_check_modules(LIBCBOR IMPORTED_TARGET libcbor)
if(LIBCBOR_FOUND)
	ccakit_unit_test(test_cbor_oracle SOURCES unit/test_cbor_oracle.c
		LIBS ccakit_cbor ccakit_util PkgConfig::LIBCBOR)
else()
	message(STATUS "libcbor not found: test_cbor_oracle skipped")
endif()
