# Runs by `cmake -P`: builds TARGET (SOURCE, a TU that must not compile) in
# BUILD_DIR and checks the compiler's whole output.
#   MODE=names:   must fail, must contain the text of each of SOURCE's
#                 `// EXPECT-IN-OUTPUT: ` lines, must not contain `config{`
#                 (a kernel::config or allocator_config value printed).
#   MODE=control: must fail and must contain `config{` (the detector works).
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${TARGET}
                OUTPUT_VARIABLE out ERROR_VARIABLE out RESULT_VARIABLE rc)
if(rc EQUAL 0)
    message(FATAL_ERROR "${TARGET} compiled; it must not:\n${out}")
endif()
string(FIND "${out}" "config{" dump)
if(MODE STREQUAL "control")
    if(dump EQUAL -1)
        message(FATAL_ERROR "the control printed no `config{`: the check would not see a dump\n${out}")
    endif()
else()
    if(NOT dump EQUAL -1)
        string(SUBSTRING "${out}" ${dump} 200 context)
        message(FATAL_ERROR "a configuration value in the diagnostics: ...${context}...\n\nwhole output:\n${out}")
    endif()
    file(STRINGS ${SOURCE} markers REGEX "^// EXPECT-IN-OUTPUT: ")
    list(LENGTH markers n_markers)
    if(n_markers EQUAL 0)
        message(FATAL_ERROR "${SOURCE} has no EXPECT-IN-OUTPUT line")
    endif()
    foreach(marker IN LISTS markers)
        string(REPLACE "// EXPECT-IN-OUTPUT: " "" expect "${marker}")
        string(FIND "${out}" "${expect}" at)
        if(at EQUAL -1)
            message(FATAL_ERROR "the diagnostics do not name `${expect}`:\n${out}")
        endif()
    endforeach()
endif()
string(LENGTH "${out}" n)
message(STATUS "${TARGET}: failed to compile as it should (${n} bytes of diagnostics)")
