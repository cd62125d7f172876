ccakit_fuzzer(ear_json SOURCE fuzz_ear_json.c
	LIBS ccakit_attest ccakit_ear ccakit_jose ccakit_json ccakit_token
	ccakit_store ccakit_cose ccakit_cbor ccakit_util
	VECTORS "keybroker-demo/ear-claims-ok.json"
	"trustee/upstream/example.token.json")
