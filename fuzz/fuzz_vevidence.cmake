ccakit_fuzzer(vevidence SOURCE fuzz_vevidence.c LIBS svc_vproto)
