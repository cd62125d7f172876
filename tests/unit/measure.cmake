ccakit_unit_test(test_measure SOURCES unit/test_measure.c
	LIBS ccakit_measure ccakit_util)
ccakit_unit_test(test_eventlog SOURCES unit/test_eventlog.c
	LIBS ccakit_measure ccakit_util)
