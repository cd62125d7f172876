# The DTBs come from the project's VMM models (test_dtb_util.c).
set(_measure_libs ccakit_vmm ccakit_measure ccakit_util)
ccakit_unit_test(test_measure SOURCES unit/test_measure.c
	unit/test_dtb_util.c LIBS ${_measure_libs})
ccakit_unit_test(test_eventlog SOURCES unit/test_eventlog.c
	unit/test_dtb_util.c LIBS ${_measure_libs})
