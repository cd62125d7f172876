ccakit_fuzzer(vmmconf SOURCE fuzz_vmmconf.c
	LIBS ccakit_vmm ccakit_measure ccakit_util
	VECTORS "cca-realm-measurements/configs/*.conf"
	"cca-realm-measurements/testdata/some-file.txt")
