ccakit_fuzzer(eventlog SOURCE fuzz_eventlog.c
	LIBS ccakit_measure ccakit_util
	VECTORS "cca-realm-measurements/testdata/*.bin")
