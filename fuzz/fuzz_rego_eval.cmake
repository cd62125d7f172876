ccakit_fuzzer(rego_eval SOURCE fuzz_rego_eval.c LIBS ccakit_rego ccakit_util m)
