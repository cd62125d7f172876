ccakit_unit_test(test_jcs SOURCES unit/test_jcs.c LIBS ccakit_jcs ccakit_util m)
