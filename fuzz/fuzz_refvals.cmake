ccakit_fuzzer(refvals SOURCE fuzz_refvals.c LIBS ccakit_broker ccakit_util
	VECTORS "keybroker-demo/rims-*.json")
