ccakit_fuzzer(teekey SOURCE fuzz_teekey.c
	LIBS ccakit_jose ccakit_cose ccakit_cbor ccakit_util)
