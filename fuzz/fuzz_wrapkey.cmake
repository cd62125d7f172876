ccakit_fuzzer(wrapkey SOURCE fuzz_wrapkey.c LIBS ccakit_jose)
