ccakit_fuzzer(kba_response SOURCE fuzz_kba_response.c LIBS kba_parse)
