ccakit_fuzzer(jwk SOURCE fuzz_jwk.c
	LIBS ccakit_jose ccakit_cose ccakit_cbor ccakit_util
	VECTORS "keybroker-demo/*.jwk" "keybroker-demo/*.pem"
	"c-ear/*.pem" "c-ear/*.jwk" "rust-ccatoken/cpak.json"
	"rust-ccatoken/pkey.json"
	"go-ccatoken/realm/tf-rmm/cca_platform.*"
	"trustee/upstream/*-p*.json")
