ccakit_fuzzer(jcs SOURCE fuzz_jcs.c LIBS ccakit_jcs ccakit_util)
