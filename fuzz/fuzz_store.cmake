ccakit_fuzzer(store SOURCE fuzz_store.c
	LIBS ccakit_store ccakit_token ccakit_cose ccakit_cbor ccakit_util
	VECTORS "rust-ccatoken/*.json"
	"keybroker-demo/example-token-ta.json"
	"trustee/upstream/tastore.json" "trustee/upstream/rvstore.json")
