#include "errors.hpp"

#include <pybind11/stl.h>

#include <spark/core/error.hpp>
#include <spark/graph/diagnostic.hpp>
#include <spark/serialization/network_file.hpp>

namespace spark::python {

namespace py = pybind11;
using namespace pybind11::literals;

namespace {

// Sets the Python error: spark._errors builds the exception of class `kind` with `fields` as attributes.
// This is the one place that maps C++ errors to Python: a field added to a C++ error is added here.
void raise(const char* kind, const char* message, const py::dict& fields) {
    try {
        py::object error = py::module_::import("spark._errors").attr("_from_cpp")(kind, message, fields);
        PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
    } catch (py::error_already_set& e) {
        e.restore();  // spark._errors failed to import: that error is the better report
    }
}

const char* origin_name(graph::Origin::Kind kind) {
    switch (kind) {
        case graph::Origin::node: return "node";
        case graph::Origin::wire: return "wire";
        case graph::Origin::effect: return "effect";
        case graph::Origin::input: return "input";
        case graph::Origin::output: return "output";
        case graph::Origin::everywhere: return "everywhere";
        case graph::Origin::none: break;
    }
    return "none";
}

py::dict config_fields(const ConfigError& e) {
    return py::dict("component"_a = e.component(), "instance"_a = e.instance(), "field"_a = e.field(),
                    "value"_a = e.value(), "rule"_a = e.rule());
}

}  // namespace

void register_error_translator() {
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const serialization::NetworkFileError& e) {
            py::dict f = config_fields(e);
            f["file"] = e.file();
            f["line"] = e.line();
            f["column"] = e.column();
            f["message"] = e.message();
            raise("NetworkFileError", e.what(), f);
        } catch (const ConfigError& e) {
            raise("ConfigError", e.what(), config_fields(e));
        } catch (const ShapeError& e) {
            raise("ShapeError", e.what(),
                  py::dict("node"_a = e.node(), "port"_a = e.port(), "expected"_a = e.expected(), "actual"_a = e.actual(),
                           "detail"_a = e.detail()));
        } catch (const graph::GraphBuildError& e) {
            py::list diagnostics, problems;
            for (const auto& d : e.diagnostics()) {
                diagnostics.append(py::dict("code"_a = std::string(graph::to_string(d.code)), "node"_a = d.node,
                                            "port"_a = d.port,
                                            "origin"_a = py::make_tuple(origin_name(d.origin.kind), d.origin.index),
                                            "expected"_a = d.expected, "actual"_a = d.actual, "message"_a = d.message,
                                            "suggestions"_a = d.suggestions));
                problems.append(d.message);
            }
            raise("GraphBuildError", e.what(), py::dict("diagnostics"_a = diagnostics, "problems"_a = problems));
        } catch (const GraphError& e) {
            raise("GraphError", e.what(), py::dict());
        } catch (const SnapshotError& e) {
            raise("SnapshotError", e.what(), py::dict());
        } catch (const Error& e) {
            raise("Error", e.what(), py::dict());
        } catch (const InternalError& e) {
            raise("InternalError", e.what(), py::dict());
        }
    });
}

}  // namespace spark::python
