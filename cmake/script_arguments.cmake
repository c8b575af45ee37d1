# spark_script_arguments(<script> <var>...): for a script run with `cmake -D... -P <script>`, stops with
# an error naming <script> and the first <var> not given with -D; CONFIG defaults to Release.
function(spark_script_arguments script)
  foreach(var ${ARGN})
    if(NOT DEFINED ${var})
      message(FATAL_ERROR "${script}: ${var} is not set")
    endif()
  endforeach()
  if(NOT CONFIG)
    set(CONFIG Release PARENT_SCOPE)
  endif()
endfunction()
