#pragma once
// Conversions between Python objects and spark's values, port specs and arrays.
#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <spark/core/payload.hpp>
#include <spark/core/value.hpp>
#include <spark/graph/network.hpp>

namespace spark::python {

namespace py = pybind11;

// A Python value as a config Value: None, bool, int, float, str, list or tuple, dict (in its order),
// a numpy array or scalar. Anything else is a TypeError naming `what` ("config of 'pool'").
Value to_value(py::handle object, std::string_view what);
// A Value as a Python object; integral numbers become int (shapes read [128], not [128.0]).
py::object from_value(const Value& value);
// Overrides from a dict of path -> value, in the dict's order.
Overrides to_overrides(py::handle dict, std::string_view what);
py::dict from_overrides(const Overrides& overrides);

// Payload kinds by their Python names ("spikes", "current", "potential", "float", "integer", "mask")
// or their C++ names ("SpikeArray", ...); ValueError listing the names otherwise.
PayloadKind parse_kind(std::string_view name);
std::string_view kind_name(PayloadKind kind) noexcept;
// A port spec from (kind, shape) or a PortSpec; `name` names the input in messages.
PortSpec to_port_spec(py::handle object, std::string_view name);

graph::Latency parse_latency(std::string_view name);

py::dtype numpy_dtype(DType dtype);
// A numpy array over `data` (laid out as `spec`), which `owner` keeps alive.
py::array array_view(const PortSpec& spec, void* data, py::handle owner, bool writable);
// A numpy array that owns a copy of `data`.
py::array array_copy(const PortSpec& spec, const void* data);

// A numpy array that takes over a vector's storage (no copy): `shape` must hold `values.size()` elements.
template <class T>
py::array adopt(std::vector<T>&& values, std::vector<py::ssize_t> shape) {
    auto* owned = new std::vector<T>(std::move(values));
    py::capsule free_when_done(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
    return py::array_t<T>(std::move(shape), owned->data(), free_when_done);
}

// The same for raw bytes holding elements of `dtype`.
py::array adopt_bytes(std::vector<std::byte>&& bytes, DType dtype, std::vector<py::ssize_t> shape);

}  // namespace spark::python
