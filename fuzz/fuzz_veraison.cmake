ccakit_fuzzer(veraison SOURCE fuzz_veraison.c LIBS svc_veraison)
