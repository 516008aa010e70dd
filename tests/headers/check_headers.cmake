# Compiles each header given alone (`-fsyntax-only -include HEADER /dev/null`: as if it were the
# first line of an empty source file) and fails listing every header that does not compile.
# Run by the CTests headers_FOLDER (tests/headers/CMakeLists.txt) as
#   cmake -DCOMPILER=c++ "-DFLAGS=a|b" "-DHEADERS=deepvis/x.hpp|deepvis/y.hpp" -P check_headers.cmake
# (lists joined with |, so that CTest passes each as one argument).
string(REPLACE "|" ";" flags "${FLAGS}")
string(REPLACE "|" ";" headers "${HEADERS}")
set(failed)
string(TIMESTAMP start "%s")
foreach(header IN LISTS headers)
  string(TIMESTAMP header_start "%s")
  execute_process(COMMAND ${COMPILER} ${flags} -fsyntax-only -x c++ -include ${header} /dev/null
                  RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
  string(TIMESTAMP header_end "%s")
  math(EXPR seconds "${header_end} - ${header_start}")
  if(result EQUAL 0)
    message("ok      ${header} (${seconds} s)")
  else()
    message("FAILED  ${header}\n${output}")
    list(APPEND failed ${header})
  endif()
endforeach()
string(TIMESTAMP end "%s")
math(EXPR seconds "${end} - ${start}")
list(LENGTH headers count)
if(failed)
  list(JOIN failed "\n  " failed)
  message(FATAL_ERROR "headers that do not compile on their own:\n  ${failed}")
endif()
message("${count} headers compile on their own (${seconds} s)")
