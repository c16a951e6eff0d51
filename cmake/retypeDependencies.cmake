# retype's two header dependencies, GSL (required: Expects/Ensures) and Boost
# (optional: only free_list<intrusive> needs Boost.Intrusive), as the imported
# targets retype::dep_gsl and retype::dep_boost. Used by retype's own build and
# by the installed package configuration, so both find them the same way.
#
# For each dependency, the first of these that applies:
#   1. the including project already defines the usual target
#      (Microsoft.GSL::GSL, Boost::headers): retype links it;
#   2. the cache variable RETYPE_GSL_INCLUDE_DIR / RETYPE_BOOST_INCLUDE_DIR names
#      the directory that contains gsl/ or boost/: no find_package;
#   3. a native build: find_package, and retype links the package's target;
#   4. a cross or freestanding build (CMAKE_CROSSCOMPILING): find_package too,
#      but only the package's include directory is used, as in 2.
# In 2 and 4 the compile line never gets the directory itself: it may be the
# host's /usr/include, whose C headers (stdint.h, features.h, ...) must not reach
# a cross compile. retype links just the gsl/ (boost/) subdirectory into a
# directory of its own under the build tree and puts that on the include path.
include_guard(GLOBAL)

set(RETYPE_GSL_INCLUDE_DIR "" CACHE PATH "Directory containing gsl/ (instead of find_package(Microsoft.GSL))")
set(RETYPE_BOOST_INCLUDE_DIR "" CACHE PATH "Directory containing boost/ (instead of find_package(Boost))")

# retype_dependency_shim(<imported target> <include dir> <subdir>): the imported
# target's include path is a directory holding only a link to <include dir>/<subdir>.
function(retype_dependency_shim target dir subdir)
    if(NOT EXISTS ${dir}/${subdir})
        message(FATAL_ERROR "retype: ${dir} has no ${subdir}/ directory")
    endif()
    string(MD5 key "${dir}")
    set(shim ${CMAKE_BINARY_DIR}/retype-deps/${subdir}-${key})
    file(MAKE_DIRECTORY ${shim})
    if(NOT EXISTS ${shim}/${subdir})
        file(CREATE_LINK ${dir}/${subdir} ${shim}/${subdir} SYMBOLIC)
    endif()
    set_target_properties(${target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${shim})
    # The -isystem form: warnings in the dependency's headers are not ours.
    set_target_properties(${target} PROPERTIES INTERFACE_SYSTEM_INCLUDE_DIRECTORIES ${shim})
endfunction()

# retype_resolve_dependency(<name> <package target> <subdir> <cache var> <REQUIRED|OPTIONAL> <find_package args>...)
function(retype_resolve_dependency name pkg_target subdir var required)
    set(target retype::dep_${name})
    if(TARGET ${target})
        return()
    endif()
    if(TARGET ${pkg_target})
        add_library(${target} INTERFACE IMPORTED GLOBAL)
        set_target_properties(${target} PROPERTIES INTERFACE_LINK_LIBRARIES ${pkg_target})
        return()
    endif()
    if(${var})
        add_library(${target} INTERFACE IMPORTED GLOBAL)
        retype_dependency_shim(${target} ${${var}} ${subdir})
        return()
    endif()
    find_package(${ARGN} QUIET)
    if(NOT TARGET ${pkg_target})
        if(required STREQUAL "REQUIRED")
            message(FATAL_ERROR "retype: ${name} not found. Set ${var} to the directory that contains ${subdir}/, "
                                "or define ${pkg_target} before adding retype.")
        endif()
        message(STATUS "retype: ${name} not found: built without it (set ${var} to use it)")
        return()
    endif()
    add_library(${target} INTERFACE IMPORTED GLOBAL)
    if(CMAKE_CROSSCOMPILING)
        get_target_property(incs ${pkg_target} INTERFACE_INCLUDE_DIRECTORIES)
        set(found "")
        foreach(inc IN LISTS incs)
            if(NOT found AND EXISTS ${inc}/${subdir})
                set(found ${inc})
            endif()
        endforeach()
        if(NOT found)
            message(FATAL_ERROR "retype: ${pkg_target} has no include directory with ${subdir}/; set ${var}")
        endif()
        retype_dependency_shim(${target} ${found} ${subdir})
    else()
        set_target_properties(${target} PROPERTIES INTERFACE_LINK_LIBRARIES ${pkg_target})
    endif()
endfunction()

retype_resolve_dependency(gsl Microsoft.GSL::GSL gsl RETYPE_GSL_INCLUDE_DIR REQUIRED Microsoft.GSL CONFIG)
# Debian ships no Boost::intrusive target; Boost::headers has every header-only library.
retype_resolve_dependency(boost Boost::headers boost RETYPE_BOOST_INCLUDE_DIR OPTIONAL Boost 1.74)
