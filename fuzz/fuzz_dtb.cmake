ccakit_fuzzer(dtb SOURCE fuzz_dtb.c LIBS ccakit_vmm ccakit_measure ccakit_util
	VECTORS "cca-realm-measurements/derived-dtbs/*.dtb"
	"cca-realm-measurements/testdata/linux.bin")
