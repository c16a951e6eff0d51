# Compiles SRC with CXX; passes when the compile fails and the output contains
# every "// EXPECT-ERROR: <text>" of SRC.
separate_arguments(flags UNIX_COMMAND "${FLAGS}")
execute_process(COMMAND ${CXX} -std=c++20 ${flags} -fsyntax-only -I${INCLUDE} ${SRC}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
    message(FATAL_ERROR "${SRC} compiled, but it must not")
endif()
file(STRINGS ${SRC} expects REGEX "// EXPECT-ERROR: ")
if(NOT expects)
    message(FATAL_ERROR "${SRC} has no EXPECT-ERROR line")
endif()
foreach(line ${expects})
    string(REGEX REPLACE ".*// EXPECT-ERROR: " "" text "${line}")
    string(FIND "${out}${err}" "${text}" at)
    if(at EQUAL -1)
        message(FATAL_ERROR "${SRC}: expected '${text}' in the compiler's output:\n${err}")
    endif()
endforeach()
