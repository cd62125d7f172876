ccakit_fuzzer(vsession SOURCE fuzz_vsession.c LIBS svc_vproto)
