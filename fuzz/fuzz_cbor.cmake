ccakit_fuzzer(cbor SOURCE fuzz_cbor.c LIBS ccakit_cbor ccakit_util)
