# SPDX-License-Identifier: MIT
# The generated man pages (cmake/man.cmake):
#  1. render without a single warning, checked the way lintian checks them
#     (man --warnings -l ...; groff -ww when man-db is missing; skipped when
#     neither is installed);
#  2. cannot drift from the code: every KMM_API function of the public
#     headers appears in a section-3 page (and has a FUNCTION.3 link to it,
#     for `man kmm_kmalloc`), and every command and option that
#     `kmm --help` prints appears in kmm(1).
# Inputs: MAN_DIR, SOURCE_DIR, KMM (the command).
cmake_policy(SET CMP0057 NEW)
file(GLOB_RECURSE pages ${MAN_DIR}/man*/*.[0-9])
list(LENGTH pages npages)
if(npages LESS 7)
  message(FATAL_ERROR "expected 7 man pages in ${MAN_DIR}, found ${npages}")
endif()

# 1. rendering
find_program(MAN man)
find_program(GROFF groff)
set(rendered "")
foreach(page ${pages})
  if(MAN)
    execute_process(COMMAND ${CMAKE_COMMAND} -E env LC_ALL=C.UTF-8 MANROFFSEQ= MANWIDTH=80
      ${MAN} --warnings -E UTF-8 -l -Tutf8 -Z ${page}
      RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  elseif(GROFF)
    execute_process(COMMAND ${GROFF} -man -Tutf8 -ww -z ${page}
      RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  else()
    break()
  endif()
  if(NOT rc EQUAL 0 OR NOT err STREQUAL "")
    message(FATAL_ERROR "${page} does not render cleanly (${rc}):\n${err}")
  endif()
  list(APPEND rendered ${page})
endforeach()
if(NOT rendered)
  message(STATUS "man pages not rendered: neither man nor groff is installed")
endif()

# 2a. every KMM_API function is in a section-3 page
set(text3 "")
foreach(page ${pages})
  if(page MATCHES "\\.3$")
    file(READ ${page} t)
    string(APPEND text3 "${t}")
  endif()
endforeach()
include(${CMAKE_CURRENT_LIST_DIR}/kmm_api.cmake)
kmm_api_functions(declared ${SOURCE_DIR})
set(missing "")
set(unlinked "")
foreach(name ${declared})
  string(FIND "${text3}" "${name}(" at)
  if(at EQUAL -1)
    list(APPEND missing ${name})
  endif()
  # a link to its page, or the page itself (kmm_vmalloc is kmm_vmalloc(3)); never a link to itself
  if(NOT IS_SYMLINK ${MAN_DIR}/aliases/man3/${name}.3 AND NOT EXISTS ${MAN_DIR}/man3/${name}.3)
    list(APPEND unlinked ${name})
  endif()
  if(IS_SYMLINK ${MAN_DIR}/aliases/man3/${name}.3 AND EXISTS ${MAN_DIR}/man3/${name}.3)
    list(APPEND unlinked "${name}(a link over its own page)")
  endif()
endforeach()
if(missing OR unlinked)
  string(REPLACE ";" " " m "${missing}")
  string(REPLACE ";" " " u "${unlinked}")
  message(FATAL_ERROR "KMM_API functions in no section-3 page (add an @synopsis to man/*.3.md): ${m}\n"
    "KMM_API functions without a man3 link: ${u}")
endif()

# 2b. kmm(1) names every command and option of `kmm --help`
execute_process(COMMAND ${KMM} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "kmm --help failed (${rc})")
endif()
file(READ ${MAN_DIR}/man1/kmm.1 page1)
string(REGEX MATCHALL "--[a-z][a-z-]*" options "${help}")
string(REGEX MATCHALL "\n  [a-z]+ " commands "${help}")
set(words "")
foreach(o ${options})
  string(REPLACE "-" "\\-" esc "${o}")
  list(APPEND words "${esc}")
endforeach()
foreach(c ${commands})
  string(STRIP "${c}" c)
  list(APPEND words "\\fB${c}")
endforeach()
list(REMOVE_DUPLICATES words)
set(undocumented "")
foreach(w ${words})
  string(FIND "${page1}" "${w}" at)
  if(at EQUAL -1)
    list(APPEND undocumented "${w}")
  endif()
endforeach()
if(undocumented)
  string(REPLACE ";" " " u "${undocumented}")
  message(FATAL_ERROR "kmm --help shows what kmm(1) (man/kmm.1.md) does not: ${u}")
endif()
list(LENGTH rendered nr)
list(LENGTH words nw)
message(STATUS "man pages: ${nr} of ${npages} rendered without warnings; every KMM_API function documented; kmm(1) covers the ${nw} commands and options of kmm --help")
