ccakit_fuzzer(refvals SOURCE fuzz_refvals.c LIBS kbs_broker
	VECTORS "keybroker-demo/rims-*.json")
