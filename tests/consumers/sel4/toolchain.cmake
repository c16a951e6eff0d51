# A toolchain file with the settings of seL4's gcc.cmake that decide how a
# library is found and compiled (written for retype's tests, not copied):
# a Generic system, the build directory as sysroot, find_* confined to it,
# try_compile building static libraries, and a cross g++ named by a prefix.
#   cmake -DCMAKE_TOOLCHAIN_FILE=toolchain.cmake -DRETYPE_CROSS_PREFIX=aarch64-linux-gnu- ...
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR seL4CPU)
set(CMAKE_SYSROOT "${CMAKE_BINARY_DIR}")
if(NOT RETYPE_CROSS_PREFIX)
    set(RETYPE_CROSS_PREFIX aarch64-linux-gnu-)
endif()
set(CMAKE_CXX_COMPILER ${RETYPE_CROSS_PREFIX}g++)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_TRY_COMPILE_PLATFORM_VARIABLES RETYPE_CROSS_PREFIX)
