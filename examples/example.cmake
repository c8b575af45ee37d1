# spark_example(<name> <spark target> <pattern>): the example's program <name> from main.cpp, linked to
# one public spark target (found with find_package when the example is built on its own), and, with
# testing on, its run as the test example.<name> that passes when what it prints matches <pattern>.
function(spark_example name target pattern)
  if(NOT TARGET ${target})
    find_package(spark CONFIG REQUIRED)
  endif()
  add_executable(${name} main.cpp)
  target_link_libraries(${name} PRIVATE ${target})
  if(BUILD_TESTING)
    add_test(NAME example.${name} COMMAND ${name})
    set_tests_properties(example.${name} PROPERTIES LABELS "example" PASS_REGULAR_EXPRESSION "${pattern}")
  endif()
endfunction()
