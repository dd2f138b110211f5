# SPDX-License-Identifier: MIT
# Every place that states kmm's version agrees with project(kmm VERSION):
# the Debian changelog's latest entry and a heading of CHANGELOG.md.
# Inputs: SOURCE_DIR, VERSION.
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
message(STATUS "debian/changelog and CHANGELOG.md are at ${VERSION}")
