#pragma once
// spark.Network (a network description with its input specs and templates: what a network file holds),
// spark.PortSpec, and the one loader of model files.
#include <filesystem>

#include <pybind11/pybind11.h>

#include <spark/serialization/network_file.hpp>

namespace spark::python {

// The Python Network is the C++ NetworkFile: the network, its input specs and templates, and, when it
// was read from a file, the lines that build errors point to.
using NetworkDescription = serialization::NetworkFile;

// Every file spark.load() reads comes through here (network files; other model formats join here).
NetworkDescription load_model(const std::filesystem::path& path);

void bind_network(pybind11::module_& m);

}  // namespace spark::python
