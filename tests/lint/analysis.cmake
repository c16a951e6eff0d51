cmake_minimum_required(VERSION 3.25)
# Runs clang-tidy (TOOL=clang-tidy) or cppcheck (TOOL=cppcheck) on TU, covering
# every header under INCLUDE_DIR/retype except those listed in PENDING.
# Other variables: EXE (the tool), FLAGS (compiler flags for clang-tidy, a
# |-separated list), SUPPRESSIONS (cppcheck's suppressions file).
file(GLOB_RECURSE headers RELATIVE ${INCLUDE_DIR} ${INCLUDE_DIR}/retype/*.hpp)
file(STRINGS ${PENDING} pending REGEX "^[^#]")
list(TRANSFORM pending STRIP)
set(checked "")
foreach(h IN LISTS headers)
    if(NOT h IN_LIST pending)
        list(APPEND checked ${h})
    endif()
endforeach()
list(LENGTH checked n)
if(n EQUAL 0)
    message(FATAL_ERROR "no headers left to check")
endif()
string(REPLACE "|" ";" flags "${FLAGS}")

if(TOOL STREQUAL "clang-tidy")
    set(alternatives "")
    foreach(h IN LISTS checked)
        string(REPLACE "." "\\." h "${h}")
        list(APPEND alternatives ${h})
    endforeach()
    list(JOIN alternatives "|" joined)
    execute_process(COMMAND ${EXE} --quiet "--header-filter=/include/(${joined})$" ${TU} -- ${flags}
                    RESULT_VARIABLE rc)
else()
    set(suppress "")
    foreach(h IN LISTS pending)
        list(APPEND suppress "--suppress=*:${INCLUDE_DIR}/${h}")
    endforeach()
    execute_process(COMMAND ${EXE} --std=c++20 --language=c++ --enable=warning,style,performance,portability
                            --error-exitcode=1 --inline-suppr --quiet --suppressions-list=${SUPPRESSIONS}
                            ${suppress} -I${INCLUDE_DIR} ${TU}
                    RESULT_VARIABLE rc)
endif()
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${TOOL} found problems (exit ${rc})")
endif()
message("${TOOL}: ${n} headers clean")
