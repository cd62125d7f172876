ccakit_fuzzer(token SOURCE fuzz_token.c
	LIBS ccakit_appraise
	VECTORS "rust-ccatoken/*.cbor" "go-ccatoken/evidence/*.cbor"
	"go-ccatoken/platform/cbor/*.cbor"
	"go-ccatoken/realm/cbor/*.cbor"
	"go-ccatoken/realm/tf-rmm/*.cbor" "keybroker-demo/*.cbor"
	"trustee/upstream/*.cbor")
