ccakit_fuzzer(kbs_config SOURCE fuzz_kbs_config.c LIBS kbs_config)
