ccakit_fuzzer(cose_sign1 SOURCE fuzz_cose_sign1.c
	LIBS ccakit_cose ccakit_cbor ccakit_util
	VECTORS "rust-ccatoken/*.cbor" "rust-ccatoken/*.json"
	"go-ccatoken/evidence/*.cbor" "keybroker-demo/*.jwk"
	"keybroker-demo/*.cbor" "c-ear/*.jwk" "trustee/upstream/*.json")
