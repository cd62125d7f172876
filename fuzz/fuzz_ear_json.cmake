ccakit_fuzzer(ear_json SOURCE fuzz_ear_json.c
	LIBS ccakit_attest ccakit_appraise
	VECTORS "keybroker-demo/ear-claims-ok.json"
	"trustee/upstream/example.token.json")
