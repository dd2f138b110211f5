# SPDX-License-Identifier: MIT
# Every function declared KMM_API in the public headers must be exported by
# the shared library (a definition that does not see its public declaration
# is hidden by -fvisibility=hidden and links only statically).
cmake_policy(SET CMP0057 NEW)
include(${CMAKE_CURRENT_LIST_DIR}/kmm_api.cmake)
kmm_api_functions(declared ${SOURCE_DIR})
execute_process(COMMAND nm -D --defined-only ${LIBRARY} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed on ${LIBRARY}")
endif()
set(missing "")
foreach(name ${declared})
  if(NOT out MATCHES " ${name}\n")
    list(APPEND missing ${name})
  endif()
endforeach()
list(LENGTH declared n)
if(missing)
  string(REPLACE ";" " " m "${missing}")
  message(FATAL_ERROR "declared KMM_API but not exported by ${LIBRARY}: ${m}")
endif()
message(STATUS "all ${n} KMM_API functions are exported")
