# Builds and runs the consumer with flags from `pkg-config --cflags retype` only
# (plus -std=c++20 and this build's warning/sanitizer flags), as a Makefile would.
# Exit code 77 (skipped) when no pkg-config is installed.
if(NOT PKG_CONFIG)
    message("pkg-config not found: skipped")
    cmake_language(EXIT 77)
endif()
set(ENV{PKG_CONFIG_PATH} ${PC_DIR})
set(ENV{PKG_CONFIG_LIBDIR} ${PC_DIR}) # nothing from the system's .pc files
execute_process(COMMAND ${PKG_CONFIG} --cflags retype OUTPUT_VARIABLE cflags RESULT_VARIABLE rc
                OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pkg-config --cflags retype failed (${rc})")
endif()
message("pkg-config --cflags retype: ${cflags}")
# The flags must point into the installed prefix, not at the source tree.
file(REAL_PATH ${PREFIX}/include want)
string(REGEX REPLACE "^-I" "" got "${cflags}")
file(REAL_PATH "${got}" got)
if(NOT got STREQUAL want)
    message(FATAL_ERROR "retype.pc gives include dir ${got}, expected ${want}")
endif()
separate_arguments(cflags_list UNIX_COMMAND "${cflags}")
separate_arguments(extra_list UNIX_COMMAND "${CXX_FLAGS}")
get_filename_component(out_dir ${OUT} DIRECTORY)
file(MAKE_DIRECTORY ${out_dir})
execute_process(COMMAND ${CXX} -std=c++20 ${extra_list} ${cflags_list} ${SOURCE} -o ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "compiling the consumer with pkg-config flags failed")
endif()
execute_process(COMMAND ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the pkg-config consumer failed (${rc})")
endif()
