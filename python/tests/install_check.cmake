# The installed Python package works: install this build into a fresh prefix and run spark from there,
# with the build tree out of sight. Run by CTest (CMakeLists.txt) as
#   cmake -DBUILD_DIR=... -DWORK_DIR=... -DPYTHON=... -DSITE_DIR=... -DNETWORK=... [-DCONFIG=...] -P install_check.cmake
include(${CMAKE_CURRENT_LIST_DIR}/../../cmake/script_arguments.cmake)
spark_script_arguments(install_check.cmake BUILD_DIR WORK_DIR PYTHON SITE_DIR NETWORK)
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR} --config ${CONFIG}
                RESULT_VARIABLE code OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT code EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${code}): ${err}")
endif()
set(script "import spark, sys
assert spark.__file__.startswith(sys.argv[1]), spark.__file__
sim = spark.Simulation(spark.load(sys.argv[2]))
print(len(sim.run(100, record=['pool.out_spikes']).spikes['pool.out_spikes'].steps) > 0)")
execute_process(COMMAND ${CMAKE_COMMAND} -E env PYTHONPATH=${WORK_DIR}/${SITE_DIR}
                        ${PYTHON} -c "${script}" ${WORK_DIR} ${NETWORK}
                WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 0 OR NOT out STREQUAL "True\n")
  message(FATAL_ERROR "the installed package failed (${code}): '${out}' ${err}")
endif()
file(REMOVE_RECURSE ${WORK_DIR})
