# SPDX-License-Identifier: MIT
# Run one example (EXE); it must exit 0 and its output must match every
# regular expression of EXPECT (separated by |, the list's join).
execute_process(COMMAND ${EXE} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} exited with ${rc}\n${err}")
endif()
string(REPLACE "|" ";" expect "${EXPECT}")
foreach(re ${expect})
  if(NOT out MATCHES "${re}")
    message(FATAL_ERROR "${EXE}: output does not match '${re}'")
  endif()
endforeach()
