ccakit_fuzzer(vevidence SOURCE fuzz_vevidence.c LIBS ccakit_verifier)
