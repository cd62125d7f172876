ccakit_unit_test(test_rego SOURCES unit/test_rego.c
	LIBS ccakit_rego ccakit_util Threads::Threads m)
ccakit_unit_test(test_rego_regex SOURCES unit/test_rego_regex.c
	LIBS ccakit_rego ccakit_util m)
