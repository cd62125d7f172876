ccakit_fuzzer(rego_parse SOURCE fuzz_rego_parse.c LIBS ccakit_rego ccakit_util m)
