ccakit_unit_test(test_cbor SOURCES unit/test_cbor.c LIBS ccakit_cbor m)

# Differential test against libcbor, used as a test oracle only.
pkg_check_modules(LIBCBOR REQUIRED IMPORTED_TARGET libcbor)
ccakit_unit_test(test_cbor_oracle SOURCES unit/test_cbor_oracle.c
	LIBS ccakit_cbor PkgConfig::LIBCBOR)
