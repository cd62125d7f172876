ccakit_unit_test(test_broker SOURCES unit/test_broker.c
	LIBS ccakit_broker ccakit_util)
if(TARGET test_broker)
	find_package(Threads REQUIRED)
	target_link_libraries(test_broker PRIVATE Threads::Threads)
endif()
