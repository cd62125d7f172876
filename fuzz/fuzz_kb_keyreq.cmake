ccakit_fuzzer(kb_keyreq SOURCE fuzz_kb_keyreq.c LIBS kbs_parse)
