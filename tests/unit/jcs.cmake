ccakit_unit_test(test_jcs SOURCES unit/test_jcs.c LIBS ccakit_jcs ccakit_util)
if(TARGET test_jcs)
	target_link_libraries(test_jcs PRIVATE m)
endif()
