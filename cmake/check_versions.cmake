# SPDX-License-Identifier: MIT
# Every place that states kmm's version agrees with project(kmm VERSION):
# the Debian changelog's latest entry, a heading of CHANGELOG.md, and the
# soname policy (docs/building.md): libkmm.so.MAJOR, Debian package
# libkmmMAJOR. Inputs: SOURCE_DIR, VERSION, LIBRARY (libkmm.so).
file(STRINGS ${SOURCE_DIR}/debian/changelog first LIMIT_COUNT 1)
if(NOT first MATCHES "^kmm \\(([^)-]+)(-[^)]*)?\\)")
  message(FATAL_ERROR "debian/changelog does not start with a kmm entry: ${first}")
endif()
if(NOT CMAKE_MATCH_1 STREQUAL VERSION)
  message(FATAL_ERROR "debian/changelog is at ${CMAKE_MATCH_1}, project(VERSION) at ${VERSION}")
endif()
file(STRINGS ${SOURCE_DIR}/CHANGELOG.md heads REGEX "^## ")
string(REPLACE "." "\\." re "${VERSION}")
if(NOT heads MATCHES "## \\[?${re}\\]?( |$)")
  message(FATAL_ERROR "CHANGELOG.md has no section for ${VERSION}")
endif()
string(REGEX REPLACE "\\..*" "" major "${VERSION}")
execute_process(COMMAND objdump -p ${LIBRARY} OUTPUT_VARIABLE dyn)
if(NOT dyn MATCHES "SONAME +libkmm\\.so\\.${major}\n")
  message(FATAL_ERROR "the soname of ${LIBRARY} is not libkmm.so.${major}")
endif()
file(STRINGS ${SOURCE_DIR}/debian/control pkgs REGEX "^Package: libkmm[0-9]+$")
if(NOT pkgs STREQUAL "Package: libkmm${major}")
  message(FATAL_ERROR "debian/control's library package is '${pkgs}', not libkmm${major}")
endif()
message(STATUS "debian/changelog and CHANGELOG.md are at ${VERSION}; soname libkmm.so.${major}, package libkmm${major}")
