ccakit_fuzzer(ecdsa_diff SOURCE fuzz_ecdsa_diff.c
	LIBS ccakit_cose ccakit_cbor ccakit_util)
