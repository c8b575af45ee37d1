# Passes only when the compiler refuses SOURCE with a message that contains EXPECT: the compile-time
# checks of a parameter declaration (param_decl.hpp, config.hpp) must stop the build, and say why.
# Usage: cmake -DCXX=... -DINCLUDE=... -DSOURCE=... -DEXPECT=... -P expect_compile_error.cmake
execute_process(COMMAND ${CXX} -std=c++20 -fsyntax-only -I${INCLUDE} ${SOURCE}
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(status EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but its declaration must be refused")
endif()
string(FIND "${err}" "${EXPECT}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${SOURCE} was refused without the message \"${EXPECT}\":\n${err}")
endif()
