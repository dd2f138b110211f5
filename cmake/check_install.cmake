# SPDX-License-Identifier: MIT
cmake_policy(SET CMP0057 NEW)
# Installs the build into a scratch prefix, then builds and runs a
# kernel-style program against it twice: with pkg-config and with
# find_package(kmm).
set(prefix ${BUILD_DIR}/install-check)
file(REMOVE_RECURSE ${prefix})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix}
  RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed")
endif()
set(ENV{PKG_CONFIG_PATH} "${prefix}/lib/pkgconfig:${prefix}/lib64/pkgconfig")
execute_process(COMMAND pkg-config --cflags --libs kmm OUTPUT_VARIABLE flags RESULT_VARIABLE rc
  OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config does not find kmm")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
execute_process(COMMAND ${C_COMPILER} -std=gnu11 -Wall -Wextra -Werror
  ${SOURCE_DIR}/examples/linux_api.c ${flags} -Wl,-rpath,${prefix}/lib -o ${prefix}/linux_api
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the example does not build with pkg-config flags: ${flags}")
endif()
execute_process(COMMAND ${prefix}/linux_api RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the pkg-config example failed (${rc}): ${out}")
endif()
# find_package(kmm)
file(MAKE_DIRECTORY ${prefix}/consumer)
file(WRITE ${prefix}/consumer/CMakeLists.txt
"cmake_minimum_required(VERSION 3.20)\nproject(consumer C)\nfind_package(kmm REQUIRED)\nadd_executable(linux_api ${SOURCE_DIR}/examples/linux_api.c)\ntarget_link_libraries(linux_api kmm::kmm_static)\n")
execute_process(COMMAND ${CMAKE_COMMAND} -S ${prefix}/consumer -B ${prefix}/consumer/build
  -DCMAKE_PREFIX_PATH=${prefix} RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "find_package(kmm) failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${prefix}/consumer/build RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building against find_package(kmm) failed")
endif()
execute_process(COMMAND ${prefix}/consumer/build/linux_api RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the find_package example failed")
endif()
message(STATUS "install check: pkg-config and find_package consumers build and run")
