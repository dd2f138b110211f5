# SPDX-License-Identifier: MIT
# The test switch follows CTest's BUILD_TESTING convention (docs/building.md):
#  1. with cmocka hidden (as on a machine without libcmocka-dev) kmm configures,
#     says in one line that the tests are off, and the default build and the
#     install work;
#  2. -DBUILD_TESTING=OFF turns the tests off even where cmocka is installed;
#  3. as a subproject of a project that turns BUILD_TESTING on, kmm adds no
#     tests of its own.
# Inputs: SOURCE_DIR, BUILD_DIR, C_COMPILER, HIDE (the directories holding
# cmocka.h and libcmocka, separated by '|').
set(root ${BUILD_DIR}/configure-check)
file(REMOVE_RECURSE ${root})
string(REPLACE "|" ";" HIDE "${HIDE}")
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${root}/nocmocka
  -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_BUILD_TYPE=Release "-DCMAKE_IGNORE_PATH=${HIDE}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configure without cmocka failed:\n${out}${err}")
endif()
if(NOT out MATCHES "kmm: tests off \\(cmocka not found")
  message(FATAL_ERROR "configure without cmocka does not say the tests are off:\n${out}")
endif()
if(EXISTS ${root}/nocmocka/tests)
  message(FATAL_ERROR "configure without cmocka still added the tests")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${root}/nocmocka -j2 RESULT_VARIABLE rc
  OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the default build without cmocka failed:\n${out}${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --install ${root}/nocmocka --prefix ${root}/prefix
  RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the install without cmocka failed")
endif()

# BUILD_TESTING=OFF is obeyed although cmocka is there (KMM_TESTS once ignored it)
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${root}/off
  -DCMAKE_C_COMPILER=${C_COMPILER} -DBUILD_TESTING=OFF
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR EXISTS ${root}/off/tests OR NOT out MATCHES "kmm: tests off \\(BUILD_TESTING=OFF\\)")
  message(FATAL_ERROR "-DBUILD_TESTING=OFF did not turn the tests off:\n${out}${err}")
endif()

file(MAKE_DIRECTORY ${root}/parent)
file(WRITE ${root}/parent/CMakeLists.txt
"cmake_minimum_required(VERSION 3.20)\nproject(parent C)\ninclude(CTest)\nadd_subdirectory(${SOURCE_DIR} kmm)\n")
execute_process(COMMAND ${CMAKE_COMMAND} -S ${root}/parent -B ${root}/parent/build
  -DCMAKE_C_COMPILER=${C_COMPILER} -DBUILD_TESTING=ON
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configure as a subproject failed:\n${out}${err}")
endif()
if(EXISTS ${root}/parent/build/kmm/tests)
  message(FATAL_ERROR "as a subproject kmm added its tests although KMM_BUILD_TESTING is off")
endif()
if(NOT out MATCHES "kmm: tests off \\(kmm is a subproject")
  message(FATAL_ERROR "as a subproject kmm does not say its tests are off:\n${out}")
endif()
message(STATUS "configure check: no cmocka -> tests off, builds and installs; subproject -> no kmm tests")
