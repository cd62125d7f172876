ccakit_unit_test(test_jose SOURCES unit/test_jose.c unit/test_token_util.c
	LIBS ccakit_jose ccakit_appraise)
ccakit_unit_test(test_jwe SOURCES unit/test_jwe.c LIBS ccakit_jose)
# Trustee's derived vectors: exits 77 (skipped) when they are absent.
ccakit_unit_test(test_jwe_vectors SOURCES unit/test_jwe_vectors.c
	LIBS ccakit_jose ccakit_jcs)
# RSA key wrapping (wrap.c).
ccakit_unit_test(test_wrap SOURCES unit/test_wrap.c LIBS ccakit_jose)
