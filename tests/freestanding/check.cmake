cmake_minimum_required(VERSION 3.25)
# Compiles probe.cpp freestanding with one compiler for one target, at -O0 and
# -O2, and checks the object's symbols. Variables: CXX (the compiler),
# CXX_TARGET (e.g. --target=aarch64-linux-gnu, may be empty), SOURCE,
# RETYPE_INCLUDE, DEPS_INCLUDE (gsl/ and boost/ only), OUT_DIR, NM.
#
# Allowed undefined symbols: memcpy, memmove, memset, memcmp (every GCC and
# Clang freestanding target must provide these, the compilers emit calls to
# them); strlen and memchr (std::string_view's length and find become calls to
# them); std::terminate, which a violated Expects calls (gsl/assert); and
# boost::assertion_failed / assertion_failed_msg: Boost.Intrusive's internal
# asserts, routed to a handler the freestanding program provides
# (BOOST_ENABLE_ASSERT_HANDLER, which this test defines; the alternative,
# NDEBUG, removes them). docs/freestanding.md lists the same.
# Everything else (operator new/delete, malloc, __cxa_* exception and guard
# routines, typeinfo, printf, ...) fails the test, and so does a static
# constructor (a _GLOBAL__sub_I_ function), which needs a C++ runtime to run.
set(allowed memcpy memmove memset memcmp strlen memchr _ZSt9terminatev _GLOBAL_OFFSET_TABLE_
    _ZN5boost16assertion_failedEPKcS1_S1_l _ZN5boost20assertion_failed_msgEPKcS1_S1_S1_l)
set(flags ${CXX_TARGET} -std=c++20 -ffreestanding -fno-exceptions -fno-rtti -DBOOST_ENABLE_ASSERT_HANDLER -Wall -Wextra -Wpedantic -Werror
    -I${RETYPE_INCLUDE} -isystem ${DEPS_INCLUDE})
file(MAKE_DIRECTORY ${OUT_DIR})
foreach(opt -O0 -O2)
    set(obj ${OUT_DIR}/probe${opt}.o)
    execute_process(COMMAND ${CXX} ${flags} ${opt} -c ${SOURCE} -o ${obj} RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "freestanding compile failed: ${CXX} ${CXX_TARGET} ${opt}")
    endif()
    execute_process(COMMAND ${NM} -u ${obj} OUTPUT_VARIABLE undefined RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "${NM} -u ${obj} failed")
    endif()
    string(REGEX MATCHALL "U [^\n]+" refs "${undefined}")
    set(bad "")
    foreach(ref IN LISTS refs)
        string(REGEX REPLACE "^U " "" sym "${ref}")
        if(NOT sym IN_LIST allowed)
            list(APPEND bad ${sym})
        endif()
    endforeach()
    execute_process(COMMAND ${NM} --defined-only ${obj} OUTPUT_VARIABLE defined)
    if(defined MATCHES "_GLOBAL__sub_I_")
        list(APPEND bad "a static constructor (_GLOBAL__sub_I_*)")
    endif()
    if(NOT defined MATCHES "retype_probe_model")
        message(FATAL_ERROR "the probe emitted no code: the symbol check would prove nothing")
    endif()
    if(bad)
        list(JOIN bad "\n  " text)
        message(SEND_ERROR "${CXX} ${CXX_TARGET} ${opt}: the freestanding TU references what needs an OS or the C++ runtime:\n  ${text}")
    else()
        message("${CXX} ${CXX_TARGET} ${opt}: ok")
    endif()
endforeach()
