cmake_minimum_required(VERSION 3.25)
# Runs clang-tidy (TOOL=clang-tidy) or cppcheck (TOOL=cppcheck) on TU, covering
# every header under INCLUDE_DIR/retype except those listed in PENDING.
# Other variables: EXE (the tool), FLAGS (compiler flags for clang-tidy, a
# |-separated list), SUPPRESSIONS (cppcheck's suppressions file), CONFIGS
# (cppcheck's preprocessor configurations, cppcheck-configs.txt).
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
    # One pass per configuration of CONFIGS (see cppcheck-configs.txt); every pass runs, so all
    # findings show, and any finding fails the test.
    file(STRINGS ${CONFIGS} configs REGEX "^[^#]")
    set(rc 0)
    foreach(config IN LISTS configs)
        string(STRIP "${config}" config)
        set(defines "")
        if(NOT config STREQUAL "none")
            string(REPLACE " " ";" macros "${config}")
            list(TRANSFORM macros PREPEND "-D")
            set(defines ${macros})
        endif()
        execute_process(COMMAND ${EXE} --std=c++20 --language=c++ --enable=warning,style,performance,portability
                                --error-exitcode=1 --inline-suppr --quiet --max-configs=1
                                --suppressions-list=${SUPPRESSIONS} ${suppress} ${defines} -I${INCLUDE_DIR} ${TU}
                        RESULT_VARIABLE config_rc)
        if(NOT config_rc EQUAL 0)
            message("cppcheck: findings with configuration: ${config}")
            set(rc ${config_rc})
        endif()
    endforeach()
endif()
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${TOOL} found problems (exit ${rc})")
endif()
message("${TOOL}: ${n} headers clean")
