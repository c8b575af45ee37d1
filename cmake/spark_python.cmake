# SPARK_BUILD_PYTHON: the Python package (python/). On by default when pybind11 and Python's development
# files are found. Debian's numpy, pytest and matplotlib are seen by the system interpreter only, so it
# is the default interpreter (another one on PATH, e.g. pyenv's, would build a module they cannot test).
if(NOT DEFINED Python_EXECUTABLE AND EXISTS /usr/bin/python3)
  set(Python_EXECUTABLE /usr/bin/python3 CACHE FILEPATH "The Python interpreter the spark package is built for")
endif()
find_package(Python 3.9 QUIET COMPONENTS Interpreter Development.Module)
if(Python_FOUND)
  find_package(pybind11 2.10 CONFIG QUIET)
endif()
set(spark_python_default OFF)
# A fuzzing build instruments every target with sanitizers, which a Python interpreter cannot load.
if(Python_FOUND AND pybind11_FOUND AND NOT SPARK_BUILD_FUZZERS)
  set(spark_python_default ON)
endif()
option(SPARK_BUILD_PYTHON "Build the Python package (needs pybind11 and Python's development files)"
       ${spark_python_default})
if(SPARK_BUILD_PYTHON AND NOT (Python_FOUND AND pybind11_FOUND))
  message(FATAL_ERROR "SPARK_BUILD_PYTHON needs Python 3.9+ with its development files and pybind11 2.10+ "
                      "(Debian: apt-get install python3-dev pybind11-dev; pick the interpreter with "
                      "-DPython_EXECUTABLE=/usr/bin/python3)")
endif()
