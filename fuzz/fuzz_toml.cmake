ccakit_fuzzer(toml SOURCE fuzz_toml.c LIBS ccakit_toml ccakit_util)
