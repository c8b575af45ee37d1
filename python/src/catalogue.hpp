#pragma once
// The catalogue of components and neuron templates (what `spark list` prints), as Python dicts that
// python/spark/_catalogue.py turns into ComponentInfo objects.
#include <pybind11/pybind11.h>

namespace spark::python {

void bind_catalogue(pybind11::module_& m);

}  // namespace spark::python
