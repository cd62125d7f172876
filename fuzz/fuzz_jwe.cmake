ccakit_fuzzer(jwe SOURCE fuzz_jwe.c
	LIBS ccakit_jose ccakit_cose ccakit_cbor ccakit_util)
