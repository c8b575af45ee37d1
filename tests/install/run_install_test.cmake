# Installs the current build into a fresh prefix, builds the consumer project against it and checks
# what it prints. Run by CTest (see CMakeLists.txt) as
#   cmake -DBUILD_DIR=... -DCONSUMER_DIR=... -DWORK_DIR=... -DGENERATOR=... -DCXX_COMPILER=...
#         [-DCONFIG=...] -P run_install_test.cmake
include(${CMAKE_CURRENT_LIST_DIR}/../../cmake/script_arguments.cmake)
spark_script_arguments(run_install_test.cmake BUILD_DIR CONSUMER_DIR WORK_DIR GENERATOR CXX_COMPILER)

set(prefix ${WORK_DIR}/prefix)
set(consumer_build ${WORK_DIR}/build)
file(REMOVE_RECURSE ${WORK_DIR})

function(run step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "install test: ${step} failed (${code})\n${out}\n${err}")
  endif()
  set(output "${out}" PARENT_SCOPE)
endfunction()

run("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix} --config ${CONFIG})
if(NOT EXISTS ${prefix}/lib/cmake/spark/sparkConfig.cmake AND NOT EXISTS ${prefix}/lib64/cmake/spark/sparkConfig.cmake)
  message(FATAL_ERROR "install test: no sparkConfig.cmake under ${prefix}")
endif()

run("configuring the consumer" ${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${consumer_build} -G ${GENERATOR}
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=${CONFIG})
run("building the consumer" ${CMAKE_COMMAND} --build ${consumer_build} --config ${CONFIG})

find_program(consumer spark_consumer PATHS ${consumer_build} ${consumer_build}/${CONFIG} NO_DEFAULT_PATH REQUIRED)
run("running the consumer" ${consumer})
message(STATUS "consumer printed: ${output}")
if(NOT output STREQUAL "spike steps at 250 pA: 32 54 76 98\nnetwork spike steps: 32 54 76 98\n")
  message(FATAL_ERROR "install test: expected 'spike steps at 250 pA: 32 54 76 98' twice, got '${output}'")
endif()
file(REMOVE_RECURSE ${WORK_DIR})
