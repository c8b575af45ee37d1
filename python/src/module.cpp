// The extension module spark._spark; the package's pure-Python layer (python/spark) re-exports it.
#include <pybind11/pybind11.h>

#include "catalogue.hpp"
#include "errors.hpp"
#include "network.hpp"
#include "simulation.hpp"

PYBIND11_MODULE(_spark, m) {
    m.doc() = "spark's C++ runtime (use the package `spark`, which re-exports it)";
    spark::python::register_error_translator();
    spark::python::bind_catalogue(m);
    spark::python::bind_network(m);
    spark::python::bind_simulation(m);
}
