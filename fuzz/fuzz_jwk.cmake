ccakit_fuzzer(jwk SOURCE fuzz_jwk.c
	LIBS ccakit_jose ccakit_cose ccakit_cbor ccakit_util)
