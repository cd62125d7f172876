ccakit_unit_test(test_xml SOURCES unit/test_xml.c LIBS ccakit_xml ccakit_util)
