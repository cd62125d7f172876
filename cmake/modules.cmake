# The module graph (cmake/modules.txt) in CMake: read once at the top,
# then every module's CMakeLists.txt declares its target with
# ccakit_module(<name> <sources>...), which links exactly the modules and
# system libraries the graph allows it, and nothing else. A module the
# graph does not declare, a module declared in another directory, a
# missing source file or a declared module that no CMakeLists.txt builds
# is a configure error. The module-graph test (tests/graph/) checks that
# the sources keep to it: every #include and every symbol.
#
# Module kinds: lib (a part of libccakit: a static library ccakit_<name>,
# whose objects make libccakit.so and libccakit.a), static (a static
# library of the services, tools or benches, target <name>) and program
# (an executable, target <name>).

set(CCAKIT_GRAPH_FILE ${CMAKE_SOURCE_DIR}/cmake/modules.txt)
set_property(DIRECTORY ${CMAKE_SOURCE_DIR} APPEND PROPERTY
	CMAKE_CONFIGURE_DEPENDS ${CCAKIT_GRAPH_FILE})

# System libraries by their graph names. Each is found once, here.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
set(_ccakit_pc_crypto LIBCRYPTO libcrypto>=3.0)
set(_ccakit_pc_jansson JANSSON jansson>=2.13)
set(_ccakit_pc_zlib ZLIB zlib)
set(_ccakit_pc_sqlite3 SQLITE3 sqlite3>=3.35)
set(_ccakit_pc_mhd MHD libmicrohttpd>=0.9.75)
# libmicrohttpd's TLS library: priority strings are checked with it, and
# a reply libmicrohttpd has no memory for is written through it.
set(_ccakit_pc_gnutls GNUTLS gnutls>=3.7)
set(_ccakit_pc_curl CURL libcurl>=7.88)
# nettle's hogweed (ECDSA) over GMP: the faster P-384 verifier of cose
# (docs/crypto.md); nettle itself for the bench's raw figure.
set(_ccakit_pc_hogweed HOGWEED hogweed>=3.6)
set(_ccakit_pc_nettle NETTLE nettle>=3.6)
set(_ccakit_pc_gmp GMP gmp>=6.1)
# rego: yaml.* and METADATA (libyaml), regular expressions (PCRE2).
set(_ccakit_pc_yaml YAML yaml-0.1)
set(_ccakit_pc_pcre2 PCRE2 libpcre2-8>=10.42)
# The state layer's PostgreSQL driver.
set(_ccakit_pc_pq LIBPQ libpq>=14)
# The PKCS#11 header (p11-kit's) of kbs's pkcs11 plugin, which loads the
# module it is given with dlopen.
set(_ccakit_pc_p11kit P11KIT p11-kit-1>=0.23)
set(CCAKIT_SYSLIBS crypto jansson zlib sqlite3 mhd gnutls curl hogweed
	nettle gmp yaml pcre2 pq p11kit threads m)
foreach(_s crypto jansson zlib sqlite3 mhd gnutls curl hogweed nettle gmp
		yaml pcre2 pq p11kit)
	list(GET _ccakit_pc_${_s} 0 _p)
	list(GET _ccakit_pc_${_s} 1 _spec)
	pkg_check_modules(${_p} REQUIRED IMPORTED_TARGET ${_spec})
	set(CCAKIT_SYSLIB_TARGET_${_s} PkgConfig::${_p})
	set(CCAKIT_SYSLIB_FILES_${_s} ${${_p}_LINK_LIBRARIES})
endforeach()
set(CCAKIT_SYSLIB_TARGET_threads Threads::Threads)
set(CCAKIT_SYSLIB_FILES_threads "")
set(CCAKIT_SYSLIB_TARGET_m m)
find_library(CCAKIT_LIBM m)
set(CCAKIT_SYSLIB_FILES_m ${CCAKIT_LIBM})

# Read the graph: CCAKIT_GRAPH_MODULES (in file order) and, per module,
# CCAKIT_GRAPH_<name>_{KIND,DIR,USES,SYSTEM,HEADERS}.
function(_ccakit_graph_read)
	file(STRINGS ${CCAKIT_GRAPH_FILE} _lines)
	set(_mods)
	set(_cur)
	set(_n 0)
	foreach(_l IN LISTS _lines)
		math(EXPR _n "${_n} + 1")
		string(REGEX REPLACE "#.*$" "" _l "${_l}")
		string(STRIP "${_l}" _l)
		if(_l STREQUAL "")
			continue()
		endif()
		string(REGEX REPLACE "[ \t]+" ";" _w "${_l}")
		list(POP_FRONT _w _key)
		if(_key MATCHES "^(lib|static|program)$")
			list(LENGTH _w _len)
			if(NOT _len EQUAL 2)
				message(FATAL_ERROR "${CCAKIT_GRAPH_FILE}:${_n}: "
					"expected '${_key} <name> <directory>'")
			endif()
			list(GET _w 0 _cur)
			list(GET _w 1 _dir)
			if(_cur IN_LIST _mods)
				message(FATAL_ERROR "${CCAKIT_GRAPH_FILE}:${_n}: "
					"module ${_cur} declared twice")
			endif()
			list(APPEND _mods ${_cur})
			set(CCAKIT_GRAPH_${_cur}_KIND ${_key} PARENT_SCOPE)
			set(CCAKIT_GRAPH_${_cur}_DIR ${_dir} PARENT_SCOPE)
			foreach(_k USES SYSTEM HEADERS)
				set(_v_${_cur}_${_k})
			endforeach()
		elseif(_key MATCHES "^(uses|system|headers)$")
			if(_cur STREQUAL "")
				message(FATAL_ERROR "${CCAKIT_GRAPH_FILE}:${_n}: "
					"'${_key}' before any module")
			endif()
			string(TOUPPER ${_key} _k)
			list(APPEND _v_${_cur}_${_k} ${_w})
		elseif(_key MATCHES "^(about|known)$")
			# Documentation and the check's expected violations.
		else()
			message(FATAL_ERROR "${CCAKIT_GRAPH_FILE}:${_n}: "
				"unknown keyword '${_key}'")
		endif()
	endforeach()
	foreach(_m IN LISTS _mods)
		foreach(_k USES SYSTEM HEADERS)
			set(CCAKIT_GRAPH_${_m}_${_k} "${_v_${_m}_${_k}}"
				PARENT_SCOPE)
		endforeach()
		foreach(_u IN LISTS _v_${_m}_USES)
			if(NOT _u IN_LIST _mods)
				message(FATAL_ERROR "${CCAKIT_GRAPH_FILE}: module "
					"${_m} uses ${_u}, which is not declared")
			endif()
		endforeach()
		foreach(_s IN LISTS _v_${_m}_SYSTEM)
			if(NOT _s IN_LIST CCAKIT_SYSLIBS)
				message(FATAL_ERROR "${CCAKIT_GRAPH_FILE}: module "
					"${_m}: unknown system library ${_s} (one "
					"of: ${CCAKIT_SYSLIBS})")
			endif()
		endforeach()
	endforeach()
	set(CCAKIT_GRAPH_MODULES ${_mods} PARENT_SCOPE)
endfunction()
_ccakit_graph_read()

# The CMake target of a module.
function(ccakit_module_target name out)
	if(CCAKIT_GRAPH_${name}_KIND STREQUAL "lib")
		set(${out} ccakit_${name} PARENT_SCOPE)
	else()
		set(${out} ${name} PARENT_SCOPE)
	endif()
endfunction()

# ccakit_module(<name> <source>...): the target of module <name>, from
# sources relative to the current directory, which must be the module's.
function(ccakit_module name)
	if(NOT DEFINED CCAKIT_GRAPH_${name}_KIND)
		message(FATAL_ERROR "module ${name} is not declared in "
			"cmake/modules.txt")
	endif()
	set(_dir ${CMAKE_SOURCE_DIR}/${CCAKIT_GRAPH_${name}_DIR})
	if(NOT _dir STREQUAL CMAKE_CURRENT_SOURCE_DIR)
		message(FATAL_ERROR "module ${name} is declared in "
			"${CCAKIT_GRAPH_${name}_DIR}, not in "
			"${CMAKE_CURRENT_SOURCE_DIR}")
	endif()
	if(ARGC LESS 2)
		message(FATAL_ERROR "module ${name}: no sources")
	endif()
	set(_srcs)
	foreach(_s IN LISTS ARGN)
		if(NOT EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${_s})
			message(FATAL_ERROR "module ${name}: missing ${_s}")
		endif()
		list(APPEND _srcs ${CMAKE_CURRENT_SOURCE_DIR}/${_s})
	endforeach()
	ccakit_module_target(${name} _t)
	set(_kind ${CCAKIT_GRAPH_${name}_KIND})
	if(_kind STREQUAL "program")
		add_executable(${_t} ${_srcs})
		set(_scope PRIVATE)
	else()
		add_library(${_t} STATIC ${_srcs})
		set(_scope PUBLIC)
	endif()
	# Every module sees the public headers; lib modules and the code
	# built on them see lib/ for the modules' internal headers; a static
	# library's own directory is its consumers' include path.
	target_include_directories(${_t} ${_scope} ${CCAKIT_INCLUDE_DIRS})
	target_include_directories(${_t} PRIVATE ${CMAKE_SOURCE_DIR}/lib)
	if(_kind STREQUAL "static")
		target_include_directories(${_t} PUBLIC
			${CMAKE_CURRENT_SOURCE_DIR})
	endif()
	foreach(_u IN LISTS CCAKIT_GRAPH_${name}_USES)
		ccakit_module_target(${_u} _ut)
		target_link_libraries(${_t} ${_scope} ${_ut})
	endforeach()
	foreach(_s IN LISTS CCAKIT_GRAPH_${name}_SYSTEM)
		target_link_libraries(${_t} ${_scope}
			${CCAKIT_SYSLIB_TARGET_${_s}})
	endforeach()
	set_property(GLOBAL APPEND PROPERTY CCAKIT_BUILT_MODULES ${name})
	set_property(GLOBAL PROPERTY CCAKIT_MODULE_SOURCES_${name} ${_srcs})
endfunction()

# The lib modules (their targets), in graph order.
function(ccakit_lib_modules out)
	set(_l)
	foreach(_m IN LISTS CCAKIT_GRAPH_MODULES)
		if(CCAKIT_GRAPH_${_m}_KIND STREQUAL "lib")
			list(APPEND _l ${_m})
		endif()
	endforeach()
	set(${out} ${_l} PARENT_SCOPE)
endfunction()

# The system libraries of the lib modules (their graph names).
function(ccakit_lib_syslibs out)
	ccakit_lib_modules(_mods)
	set(_l)
	foreach(_m IN LISTS _mods)
		list(APPEND _l ${CCAKIT_GRAPH_${_m}_SYSTEM})
	endforeach()
	list(REMOVE_DUPLICATES _l)
	set(${out} ${_l} PARENT_SCOPE)
endfunction()

# At the end of the top-level CMakeLists.txt: every declared module was
# built, and the manifest of the module-graph check is written (module,
# kind, directory, sources, generated headers (cmake/embed.cmake),
# objects; the system libraries' files).
function(ccakit_graph_finish)
	get_property(_built GLOBAL PROPERTY CCAKIT_BUILT_MODULES)
	set(_c "")
	foreach(_m IN LISTS CCAKIT_GRAPH_MODULES)
		if(NOT _m IN_LIST _built)
			message(FATAL_ERROR "module ${_m} is declared in "
				"cmake/modules.txt but ${CCAKIT_GRAPH_${_m}_DIR}"
				"/CMakeLists.txt does not build it")
		endif()
		ccakit_module_target(${_m} _t)
		get_property(_srcs GLOBAL PROPERTY CCAKIT_MODULE_SOURCES_${_m})
		string(APPEND _c "module ${_m} ${_t}\n")
		foreach(_s IN LISTS _srcs)
			string(APPEND _c "src ${_m} ${_s}\n")
		endforeach()
		get_property(_gens GLOBAL PROPERTY CCAKIT_MODULE_GENERATED_${_t})
		foreach(_h IN LISTS _gens)
			string(APPEND _c "gen ${_m} ${_h}\n")
		endforeach()
		string(APPEND _c "obj ${_m} $<JOIN:$<TARGET_OBJECTS:${_t}>,\nobj ${_m} >\n")
	endforeach()
	foreach(_s IN LISTS CCAKIT_SYSLIBS)
		foreach(_f IN LISTS CCAKIT_SYSLIB_FILES_${_s})
			string(APPEND _c "syslib ${_s} ${_f}\n")
		endforeach()
	endforeach()
	string(APPEND _c "libccakit $<TARGET_FILE:ccakit>\n")
	file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/modules.manifest
		CONTENT "${_c}")
endfunction()
