ccakit_fuzzer(store SOURCE fuzz_store.c
	LIBS ccakit_store ccakit_token ccakit_cose ccakit_cbor ccakit_util)
