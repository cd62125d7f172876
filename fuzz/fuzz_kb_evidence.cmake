ccakit_fuzzer(kb_evidence SOURCE fuzz_kb_evidence.c LIBS kbs_parse
	VECTORS -p b "keybroker-demo/cca-example-token.b64url.txt")
