# SPDX-License-Identifier: MIT
# The man pages, each generated at build time from its one source by
# tools/md2man (docs/building.md): kmm(1) and the section-3 pages from
# man/*.md (whose API sections are copied from the public headers),
# kmm-machine(7) from docs/machine.md. Installed under CMAKE_INSTALL_MANDIR,
# with a link FUNCTION.3 to its page for every KMM_API function.
option(KMM_MAN "Generate and install the man pages" ON)
if(KMM_MAN)
  add_executable(kmm_md2man ${PROJECT_SOURCE_DIR}/tools/md2man/md2man.c)
  file(GLOB KMM_PUBLIC_HEADERS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/kmm/*.h)
  # name | section | summary | source
  set(KMM_MAN_PAGES
    "kmm|1|the Linux kernel's memory management as a command: tour, reports, benchmarks|man/kmm.1.md"
    "kmm-machine|7|the machine string that describes a kmm machine|docs/machine.md"
    "kmm|3|the Linux kernel's memory management as a C library|man/kmm.3.md"
    "kmm_pages|3|the page allocator of a kmm machine|man/kmm_pages.3.md"
    "kmm_slab|3|slab caches and kmalloc of a kmm machine|man/kmm_slab.3.md"
    "kmm_percpu|3|per-CPU data and per-CPU page lists of a kmm machine|man/kmm_percpu.3.md"
    "kmm_reports|3|the consistency checker and the /proc reports of a kmm machine|man/kmm_reports.3.md"
    "kmm_trace|3|tracepoints, trace recording and the trace parser of kmm|man/kmm_trace.3.md"
    "kmm_reclaim|3|shrinkers, kswapd, OOM and fault injection of a kmm machine|man/kmm_reclaim.3.md"
    "kmm_highmem|3|kmap, kmap_local and the highmem byte helpers of a kmm machine|man/kmm_highmem.3.md"
    "kmm_vmalloc|3|vmalloc, vmap and kvmalloc of a kmm machine|man/kmm_vmalloc.3.md"
    "kmm_hotplug|3|memory hotplug: growing a running kmm machine by memory blocks|man/kmm_hotplug.3.md"
    "kmm_compaction|3|page migration, compaction, contiguous allocation and CMA of a kmm machine|man/kmm_compaction.3.md")
  set(KMM_MAN_OUTPUTS "")
  foreach(page ${KMM_MAN_PAGES})
    string(REPLACE "|" ";" f "${page}")
    list(GET f 0 name)
    list(GET f 1 sec)
    list(GET f 2 summary)
    list(GET f 3 src)
    set(out ${PROJECT_BINARY_DIR}/man/man${sec}/${name}.${sec})
    set(aliases ${PROJECT_BINARY_DIR}/man/aliases/man${sec}) # kmm_kmalloc.3 -> kmm_slab.3 ...
    add_custom_command(OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man/man${sec} ${aliases}
      COMMAND kmm_md2man -n ${name} -s ${sec} -v ${PROJECT_VERSION} -d ${summary}
              -I ${PROJECT_SOURCE_DIR} -a ${aliases} -o ${out} ${PROJECT_SOURCE_DIR}/${src}
      DEPENDS kmm_md2man ${PROJECT_SOURCE_DIR}/${src} ${KMM_PUBLIC_HEADERS}
      COMMENT "Generating ${name}(${sec})" VERBATIM)
    list(APPEND KMM_MAN_OUTPUTS ${out})
    install(FILES ${out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${sec})
  endforeach()
  add_custom_target(kmm_man ALL DEPENDS ${KMM_MAN_OUTPUTS})
  # one link per KMM_API function to the page that declares it
  install(DIRECTORY ${PROJECT_BINARY_DIR}/man/aliases/man3 DESTINATION ${CMAKE_INSTALL_MANDIR})
endif()
