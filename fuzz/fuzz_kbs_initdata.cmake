ccakit_fuzzer(kbs_initdata SOURCE fuzz_kbs_initdata.c LIBS kbs_core)
