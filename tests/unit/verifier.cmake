ccakit_unit_test(test_verifier SOURCES unit/test_verifier.c
	LIBS ccakit_verifier ccakit_appraise Threads::Threads)
