# SPDX-License-Identifier: MIT
# kmm's instance API next to a program's own kernel-style headers
# (tests/headers/kernel): with KMM_NO_LINUX_NAMES the translation unit
# compiles warning-free with kmm's headers first or last; without it the
# same unit must fail (the kernel names clash), so the check can fail.
set(src ${SOURCE_DIR}/tests/headers/coexist.c)
set(common -std=gnu11 -Wall -Wextra -Werror -fsyntax-only
  -I${SOURCE_DIR}/tests/headers/kernel -I${SOURCE_DIR}/include)
foreach(variant "" "-DKMM_FIRST")
  execute_process(COMMAND ${C_COMPILER} ${common} ${variant} ${src}
    RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "KMM_NO_LINUX_NAMES ${variant}: does not compile:\n${err}")
  endif()
endforeach()
foreach(variant "" "-DKMM_FIRST")
  execute_process(COMMAND ${C_COMPILER} ${common} -DWITH_LINUX_NAMES ${variant} ${src}
    RESULT_VARIABLE rc ERROR_QUIET)
  if(rc EQUAL 0)
    message(FATAL_ERROR "without KMM_NO_LINUX_NAMES ${variant} the clash went unnoticed")
  endif()
endforeach()
# <kmm/linux.h> after KMM_NO_LINUX_NAMES still brings every kernel name
file(WRITE ${BUILD_DIR}/headers_linux_after.c
"#define KMM_NO_LINUX_NAMES\n#include <kmm/slab.h>\n#include <kmm/linux.h>\n"
"static struct kmem_cache_args a = { .align = 8 };\n"
"void *f(void);\nvoid *f(void) { gfp_t g = GFP_KERNEL | __GFP_ZERO; slab_flags_t s = SLAB_PANIC;\n"
"  (void)s; (void)a; return kmalloc(8, g); }\n")
execute_process(COMMAND ${C_COMPILER} -std=gnu11 -Wall -Wextra -Werror -fsyntax-only
  -I${SOURCE_DIR}/include ${BUILD_DIR}/headers_linux_after.c RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "<kmm/linux.h> after KMM_NO_LINUX_NAMES:\n${err}")
endif()
