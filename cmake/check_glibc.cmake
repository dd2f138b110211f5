# SPDX-License-Identifier: MIT
# libkmm.so needs no glibc symbol version newer than the baseline that
# docs/building.md documents (the line "glibc baseline: 2.NN"), so it loads
# on every glibc that old or newer. Reads the version needs with objdump -p.
# Inputs: SOURCE_DIR, LIBRARY.
file(STRINGS ${SOURCE_DIR}/docs/building.md line REGEX "glibc baseline: 2\\.[0-9]+")
if(NOT line MATCHES "glibc baseline: (2\\.[0-9]+)")
  message(FATAL_ERROR "docs/building.md does not state the glibc baseline")
endif()
set(baseline ${CMAKE_MATCH_1})
execute_process(COMMAND objdump -p ${LIBRARY} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "objdump -p failed on ${LIBRARY}")
endif()
string(REGEX MATCHALL "GLIBC_[0-9A-Z_.]+" needs "${out}")
list(REMOVE_DUPLICATES needs)
set(bad "")
foreach(v ${needs})
  string(REGEX REPLACE "^GLIBC_" "" num "${v}")
  if(NOT num MATCHES "^[0-9.]+$" OR num VERSION_GREATER baseline)
    list(APPEND bad ${v})
  endif()
endforeach()
if(bad)
  string(REPLACE ";" " " b "${bad}")
  message(FATAL_ERROR "${LIBRARY} needs ${b}, newer than the documented baseline glibc ${baseline}")
endif()
string(REPLACE ";" " " n "${needs}")
message(STATUS "glibc version needs (${n}) are all within the baseline ${baseline}")
