# SPDX-License-Identifier: MIT
# kmm_api_functions(OUT SOURCE_DIR): the names of the functions declared
# KMM_API in the public headers (include/kmm/*.h), for the checks that hold
# the library and the man pages to them.
function(kmm_api_functions out source_dir)
  file(GLOB headers ${source_dir}/include/kmm/*.h)
  set(names "")
  foreach(h ${headers})
    file(READ ${h} text)
    string(REGEX MATCHALL "KMM_API[^;{(]*[ *](kmm_[a-z0-9_]+)[ \t\n]*\\(" decls "${text}")
    foreach(d ${decls})
      string(REGEX REPLACE ".*[ *](kmm_[a-z0-9_]+)[ \t\n]*\\($" "\\1" name "${d}")
      list(APPEND names ${name})
    endforeach()
  endforeach()
  list(REMOVE_DUPLICATES names)
  set(${out} "${names}" PARENT_SCOPE)
endfunction()
