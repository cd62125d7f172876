ccakit_unit_test(test_broker SOURCES unit/test_broker.c
	LIBS ccakit_broker ccakit_util Threads::Threads)
