# Warnings as an INTERFACE target, linked PRIVATE by every spark target.
add_library(spark_warnings INTERFACE)
target_compile_options(spark_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  # GCC 12 reports false positives inside std::variant copies.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized -Wno-restrict>
  $<$<BOOL:${SPARK_WERROR}>:-Werror>
  # FMA contraction stays off so every float operation rounds as written (GCC contracts a * b + c by
  # default wherever the target has FMA: aarch64, or SPARK_NATIVE on a recent x86): the same numbers on
  # every CPU and build, bit for bit.
  -ffp-contract=off
  # SPARK_NATIVE: wider vectors for this CPU (what Brian2's standalone build does with -march=native);
  # the macro tells spark/core/hot_loop.hpp not to make per-CPU clones in a build already for this CPU.
  "$<$<BOOL:${SPARK_NATIVE}>:-march=native;-DSPARK_NATIVE>")

# spark_add_library(<folder> <sources...>): one library per top-level folder,
# public headers under <folder>/include/spark/<folder>/, alias spark::<folder>.
function(spark_add_library folder)
  add_library(spark_${folder} ${ARGN})
  add_library(spark::${folder} ALIAS spark_${folder})
  set_target_properties(spark_${folder} PROPERTIES EXPORT_NAME ${folder} POSITION_INDEPENDENT_CODE ON)
  target_compile_features(spark_${folder} PUBLIC cxx_std_20)
  target_include_directories(spark_${folder} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  # The warning flags apply to spark's own sources only; taking the options (not linking the target)
  # keeps spark_warnings out of the exported link interface of the installed package.
  target_compile_options(spark_${folder} PRIVATE $<TARGET_PROPERTY:spark_warnings,INTERFACE_COMPILE_OPTIONS>)
  if(SPARK_INSTALL)
    install(TARGETS spark_${folder} EXPORT sparkTargets
      ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
    install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  endif()
endfunction()
