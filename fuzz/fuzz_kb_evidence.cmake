ccakit_fuzzer(kb_evidence SOURCE fuzz_kb_evidence.c LIBS kbs_parse)
