ccakit_fuzzer(claims_json SOURCE fuzz_claims_json.c
	LIBS ccakit_json ccakit_token ccakit_store ccakit_cose ccakit_cbor
	ccakit_util
	VECTORS "go-ccatoken/platform/json/*.json"
	"go-ccatoken/realm/json/*.json"
	"trustee/upstream/cca-claims.json")
