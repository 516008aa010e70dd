# Runs the deepvis CLI once and checks how it ended. Used by the CLI tests in CMakeLists.txt:
#   cmake -DCLI=<deepvis> -DARGS="info|--model|x.onnx" -DEXPECT_CODE=1 [-DEXPECT_ERROR=<regex>]
#         [-DEXPECT_OUTPUT=<regex>] [-DABSENT=<file>] -P run_cli.cmake
# ARGS separates the arguments with '|'. With EXPECT_ERROR, stderr must be exactly one line
# "deepvis: error: <message>" whose message matches the regex. ABSENT is a file the run must not
# leave behind (it is removed first). The 600 s timeout only stops a hang; an error case takes well
# under a second even on a loaded machine (docs/hostile-inputs.md).
foreach(var CLI ARGS EXPECT_CODE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_cli.cmake: ${var} is not set")
  endif()
endforeach()
string(REPLACE "|" ";" arguments "${ARGS}")
if(DEFINED ABSENT)
  file(REMOVE "${ABSENT}")
endif()
execute_process(COMMAND "${CLI}" ${arguments}
  RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 600)
set(report "command: deepvis ${arguments}\nexit code: ${code}\nstdout: ${out}\nstderr: ${err}")
if(NOT code STREQUAL "${EXPECT_CODE}")
  message(FATAL_ERROR "expected exit code ${EXPECT_CODE}\n${report}")
endif()
if(DEFINED EXPECT_ERROR)
  if(NOT err MATCHES "^deepvis: error: [^\n]+\n$")
    message(FATAL_ERROR "stderr is not one 'deepvis: error: ...' line\n${report}")
  endif()
  if(NOT err MATCHES "${EXPECT_ERROR}")
    message(FATAL_ERROR "the error does not match '${EXPECT_ERROR}'\n${report}")
  endif()
elseif(NOT err STREQUAL "")
  message(FATAL_ERROR "expected nothing on stderr\n${report}")
endif()
if(DEFINED EXPECT_OUTPUT AND NOT out MATCHES "${EXPECT_OUTPUT}")
  message(FATAL_ERROR "stdout does not match '${EXPECT_OUTPUT}'\n${report}")
endif()
if(DEFINED ABSENT AND EXISTS "${ABSENT}")
  message(FATAL_ERROR "the failed run left '${ABSENT}' behind\n${report}")
endif()
