ccakit_fuzzer(cose_sign1 SOURCE fuzz_cose_sign1.c
	LIBS ccakit_cose ccakit_cbor ccakit_util)
