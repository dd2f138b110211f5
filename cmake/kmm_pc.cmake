# SPDX-License-Identifier: MIT
# Writes kmm.pc for the prefix being installed to. Runs at install time
# (install(CODE) in CMakeLists.txt), where CMAKE_INSTALL_PREFIX is the prefix
# of this install (cmake --install --prefix P, or the configured one), so the
# file always names directories that exist: prefix is absolute, and libdir and
# includedir are ${prefix}/<dir> for relative GNUInstallDirs values
# (lib/x86_64-linux-gnu under Debian's multiarch) or the absolute directory
# given. Inputs: KMM_PC_IN, KMM_PC_OUT, KMM_LIBDIR, KMM_INCLUDEDIR, KMM_VERSION.
set(KMM_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
foreach(kind LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${KMM_${kind}}")
    set(KMM_PC_${kind} "${KMM_${kind}}")
  else()
    set(KMM_PC_${kind} "\${prefix}/${KMM_${kind}}")
  endif()
endforeach()
configure_file(${KMM_PC_IN} ${KMM_PC_OUT} @ONLY)
