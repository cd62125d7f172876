ccakit_fuzzer(rcar SOURCE fuzz_rcar.c LIBS svc_rcar)
