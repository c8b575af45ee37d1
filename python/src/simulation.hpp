#pragma once
// spark._Simulation: a built network, stepped with the GIL released (python/spark/_simulation.py adds
// the Python layer: input buffers as a mapping, Recording).
#include <pybind11/pybind11.h>

namespace spark::python {

void bind_simulation(pybind11::module_& m);

}  // namespace spark::python
