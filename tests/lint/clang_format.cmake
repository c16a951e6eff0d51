cmake_minimum_required(VERSION 3.25)
# clang-format --dry-run --Werror over every C++ file in the repository's code
# folders, except the ones listed in format-pending.txt (one path per line,
# relative to the source dir; # starts a comment).
file(GLOB_RECURSE files RELATIVE ${SOURCE_DIR}
     ${SOURCE_DIR}/include/*.hpp ${SOURCE_DIR}/tests/*.hpp ${SOURCE_DIR}/tests/*.cpp
     ${SOURCE_DIR}/tools/*.hpp ${SOURCE_DIR}/tools/*.cpp ${SOURCE_DIR}/examples/*.hpp ${SOURCE_DIR}/examples/*.cpp
     ${SOURCE_DIR}/bench/*.hpp ${SOURCE_DIR}/bench/*.cpp)
file(STRINGS ${PENDING} pending REGEX "^[^#]")
foreach(p IN LISTS pending)
    string(STRIP "${p}" p)
    list(REMOVE_ITEM files ${p})
endforeach()
# The compile-fail TUs are meant to fail; their layout is free.
list(FILTER files EXCLUDE REGEX "^tests/compile_fail/")
list(LENGTH files n)
if(n EQUAL 0)
    message(FATAL_ERROR "no files to check")
endif()
set(bad "")
foreach(f IN LISTS files)
    execute_process(COMMAND ${CLANG_FORMAT} --dry-run --Werror ${f} WORKING_DIRECTORY ${SOURCE_DIR}
                    RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
    if(NOT rc EQUAL 0)
        list(APPEND bad ${f})
    endif()
endforeach()
if(bad)
    list(JOIN bad "\n  " text)
    message(FATAL_ERROR "not formatted (run clang-format -i, or list in tests/lint/format-pending.txt):\n  ${text}")
endif()
message("${n} files formatted as .clang-format says")
