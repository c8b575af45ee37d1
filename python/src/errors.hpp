#pragma once
// spark's C++ errors as Python exceptions (spark.Error and its subclasses, python/spark/_errors.py).
#include <pybind11/pybind11.h>

namespace spark::python {

// Registers the translator: every spark error raised through the module becomes the Python class of the
// same name, with the same message and the C++ error's fields as attributes.
void register_error_translator();

}  // namespace spark::python
