ccakit_fuzzer(kbs_admin SOURCE fuzz_kbs_admin.c LIBS kbs_core)
