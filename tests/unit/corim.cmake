# lib/corim: self-made inputs (test_corim), and the upstream vectors
# (test_corim_vectors: exit 77 without $CCAKIT_VECTORS/corim).
ccakit_unit_test(test_corim_vectors SOURCES unit/test_corim_vectors.c
	unit/corim_render.c LIBS ccakit_corim ccakit_appraise ccakit_ear
	ccakit_jose ccakit_json ccakit_store ccakit_token ccakit_cose
	ccakit_cbor ccakit_util)
ccakit_unit_test(test_corim SOURCES unit/test_corim.c LIBS ccakit_corim
	ccakit_appraise ccakit_ear ccakit_jose ccakit_json ccakit_tsm
	ccakit_store ccakit_token ccakit_cose ccakit_cbor ccakit_util)
