ccakit_unit_test(test_verifier SOURCES unit/test_verifier.c
	LIBS ccakit_static)
if(TARGET test_verifier)
	find_package(Threads REQUIRED)
	target_link_libraries(test_verifier PRIVATE Threads::Threads)
endif()
