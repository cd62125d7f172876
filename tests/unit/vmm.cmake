set(_vmm_libs ccakit_vmm ccakit_measure ccakit_util)
ccakit_unit_test(test_vmm SOURCES unit/test_vmm.c unit/test_dtb_util.c
	LIBS ${_vmm_libs})
ccakit_unit_test(test_vmm_vectors SOURCES unit/test_vmm_vectors.c
	LIBS ${_vmm_libs})
