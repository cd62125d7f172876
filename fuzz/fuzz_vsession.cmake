ccakit_fuzzer(vsession SOURCE fuzz_vsession.c LIBS ccakit_verifier)
