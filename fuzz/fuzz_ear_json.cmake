ccakit_fuzzer(ear_json SOURCE fuzz_ear_json.c
	LIBS kbs_broker ccakit_appraise
	VECTORS "keybroker-demo/ear-claims-ok.json"
	"trustee/upstream/example.token.json")
