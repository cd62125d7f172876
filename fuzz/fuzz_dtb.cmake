ccakit_fuzzer(dtb SOURCE fuzz_dtb.c LIBS ccakit_vmm ccakit_measure ccakit_util)
