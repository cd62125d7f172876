ccakit_fuzzer(corim SOURCE fuzz_corim.c
	LIBS ccakit_corim ccakit_store ccakit_token ccakit_cose ccakit_cbor
	ccakit_util
	VECTORS "corim/derived/*.cbor" "corim/veraison-cocli/cmd/testcases/*.cbor"
	"corim/veraison-cocli/data/corim/*.cbor"
	"corim/veraison-cocli/data/corim/signed-corim-cbor"
	"corim/veraison-corim/corim/testcases/*.cbor"
	"corim/veraison-corim/profiles/cca/testcases/*.cbor"
	"corim/veraison-corim-store/sample/corim/*.cbor"
	"corim/veraison-corim-store/sample/corim/*.cose"
	"corim/veraison-corim-tool/test/*.cbor"
	"corim/veraison-services/end-to-end/input/*.cbor"
	"corim/veraison-services/scheme/arm-cca/test/corim/*.cbor"
	"corim/veraison-services-v0.0.2602/scheme/arm-cca/test/corim/*.cbor"
	"corim/veraison-services-v0.0.2608/scheme/arm-cca/test/corim/*.cbor")
