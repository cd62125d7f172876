ccakit_fuzzer(token SOURCE fuzz_token.c
	LIBS ccakit_token ccakit_store ccakit_cose ccakit_cbor ccakit_util)
