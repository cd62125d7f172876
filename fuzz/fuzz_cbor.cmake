ccakit_fuzzer(cbor SOURCE fuzz_cbor.c LIBS ccakit_cbor ccakit_util
	VECTORS "rust-ccatoken/*.cbor" "go-ccatoken/evidence/*.cbor"
	"go-ccatoken/platform/cbor/*.cbor"
	"go-ccatoken/realm/cbor/*.cbor"
	"go-ccatoken/realm/tf-rmm/*.cbor" "keybroker-demo/*.cbor"
	"trustee/upstream/*.cbor")
