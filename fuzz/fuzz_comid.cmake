ccakit_fuzzer(comid SOURCE fuzz_comid.c
	LIBS ccakit_corim ccakit_store ccakit_token ccakit_cose ccakit_cbor
	ccakit_util
	VECTORS "corim/veraison-cocli/cmd/testcases/*.cbor"
	"corim/veraison-cocli/data/comid/*.cbor"
	"corim/veraison-corim/comid/testcases/*.cbor")
