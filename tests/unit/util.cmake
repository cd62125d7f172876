ccakit_unit_test(test_util SOURCES unit/test_util.c LIBS ccakit_util)
