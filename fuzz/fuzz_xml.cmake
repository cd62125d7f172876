ccakit_fuzzer(xml SOURCE fuzz_xml.c LIBS ccakit_xml ccakit_util)
