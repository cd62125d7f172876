ccakit_fuzzer(vprov SOURCE fuzz_vprov.c LIBS ccakit_static m)
