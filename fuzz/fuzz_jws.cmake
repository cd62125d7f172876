ccakit_fuzzer(jws SOURCE fuzz_jws.c
	LIBS ccakit_ear ccakit_jose ccakit_token ccakit_store ccakit_cose
	ccakit_cbor ccakit_util
	VECTORS "c-ear/*.jwt")
