ccakit_fuzzer(vprov SOURCE fuzz_vprov.c LIBS cvs_db
	VECTORS -p 0x00 "rust-ccatoken/ta*.json"
	"keybroker-demo/example-token-ta.json"
	"trustee/upstream/tastore.json" -p 0x01 "rust-ccatoken/rv.json"
	"trustee/upstream/rvstore.json")
