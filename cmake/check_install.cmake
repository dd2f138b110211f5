# SPDX-License-Identifier: MIT
cmake_policy(SET CMP0057 NEW)
# Installs kmm into scratch prefixes, then builds and runs a kernel-style
# program against each: with pkg-config and with find_package(kmm).
#  1. the build under test, installed with its own (default) libdir;
#  2. a second tree configured with Debian's multiarch libdir
#     (CMAKE_INSTALL_LIBDIR=lib/<triplet>): kmm.pc must name the directories
#     the files went to (it once computed prefix=${pcfiledir}/../.., one
#     level short there).
# Inputs: BUILD_DIR, SOURCE_DIR, C_COMPILER, BUILD_TYPE.
set(root ${BUILD_DIR}/install-check)
file(REMOVE_RECURSE ${root})

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}${err}")
  endif()
endfunction()

function(check_prefix prefix libdir)
  set(ENV{PKG_CONFIG_PATH} "${prefix}/${libdir}/pkgconfig")
  if(NOT EXISTS ${prefix}/${libdir}/pkgconfig/kmm.pc)
    message(FATAL_ERROR "kmm.pc is not in ${prefix}/${libdir}/pkgconfig")
  endif()
  foreach(var libdir includedir)
    execute_process(COMMAND pkg-config --variable=${var} kmm OUTPUT_VARIABLE dir
      OUTPUT_STRIP_TRAILING_WHITESPACE)
    set(pc_${var} ${dir})
  endforeach()
  if(NOT pc_libdir STREQUAL "${prefix}/${libdir}" OR NOT EXISTS ${pc_libdir}/libkmm.so)
    message(FATAL_ERROR "kmm.pc: libdir '${pc_libdir}', expected ${prefix}/${libdir} holding libkmm.so")
  endif()
  if(NOT EXISTS ${pc_includedir}/kmm/kmm.h)
    message(FATAL_ERROR "kmm.pc: includedir '${pc_includedir}' does not hold kmm/kmm.h")
  endif()
  execute_process(COMMAND pkg-config --cflags --libs kmm OUTPUT_VARIABLE flags RESULT_VARIABLE rc
    OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pkg-config does not find kmm in ${prefix}")
  endif()
  separate_arguments(flags UNIX_COMMAND "${flags}")
  run("building the example with pkg-config flags ${flags}"
    ${C_COMPILER} -std=gnu11 -Wall -Wextra -Werror ${SOURCE_DIR}/examples/linux_api.c ${flags}
    -Wl,-rpath,${pc_libdir} -o ${prefix}/linux_api)
  run("the pkg-config example" ${prefix}/linux_api)
  # the generated <kmm/version.h> is installed and matches the library
  file(WRITE ${prefix}/version.c "#include <kmm/kmm.h>\n#include <kmm/version.h>\n#include <string.h>\nint main(void) { return strcmp(kmm_version(), KMM_VERSION_STRING) != 0; }\n")
  run("building against <kmm/version.h>" ${C_COMPILER} ${prefix}/version.c ${flags}
    -Wl,-rpath,${pc_libdir} -o ${prefix}/version)
  run("kmm_version() against KMM_VERSION_STRING" ${prefix}/version)
  set(consumer ${prefix}/consumer)
  file(MAKE_DIRECTORY ${consumer})
  file(WRITE ${consumer}/CMakeLists.txt
"cmake_minimum_required(VERSION 3.20)\nproject(consumer C)\nfind_package(kmm REQUIRED)\nadd_executable(linux_api ${SOURCE_DIR}/examples/linux_api.c)\ntarget_link_libraries(linux_api kmm::kmm_static)\n")
  run("find_package(kmm)" ${CMAKE_COMMAND} -S ${consumer} -B ${consumer}/build
    -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_PREFIX_PATH=${prefix})
  run("building against find_package(kmm)" ${CMAKE_COMMAND} --build ${consumer}/build)
  run("the find_package example" ${consumer}/build/linux_api)
endfunction()

# 1. this build, default libdir
run("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${root}/default)
file(GLOB pcs RELATIVE ${root}/default ${root}/default/*/pkgconfig/kmm.pc ${root}/default/*/*/pkgconfig/kmm.pc)
list(GET pcs 0 pc)
string(REGEX REPLACE "/pkgconfig/kmm.pc$" "" libdir "${pc}")
check_prefix(${root}/default ${libdir})

# 2. Debian's multiarch libdir
set(triplet x86_64-linux-gnu)
execute_process(COMMAND ${C_COMPILER} -print-multiarch OUTPUT_VARIABLE ma OUTPUT_STRIP_TRAILING_WHITESPACE)
if(ma)
  set(triplet ${ma})
endif()
run("configuring with CMAKE_INSTALL_LIBDIR=lib/${triplet}" ${CMAKE_COMMAND} -S ${SOURCE_DIR}
  -B ${root}/multiarch-build -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
  -DBUILD_TESTING=OFF -DCMAKE_INSTALL_LIBDIR=lib/${triplet})
run("building the multiarch tree" ${CMAKE_COMMAND} --build ${root}/multiarch-build -j2)
run("cmake --install (multiarch)" ${CMAKE_COMMAND} --install ${root}/multiarch-build
  --prefix ${root}/multiarch)
check_prefix(${root}/multiarch lib/${triplet})
message(STATUS "install check: default and lib/${triplet} prefixes serve pkg-config and find_package consumers")
