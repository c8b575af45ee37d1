#include "errors.hpp"

#include <pybind11/stl.h>

#include <spark/core/error.hpp>
#include <spark/graph/diagnostic.hpp>
#include <spark/serialization/network_file.hpp>

namespace spark::python {

namespace py = pybind11;

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
    py::dict f;
    f["component"] = e.component();
    f["instance"] = e.instance();
    f["field"] = e.field();
    f["value"] = e.value();
    f["rule"] = e.rule();
    return f;
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
            py::dict f;
            f["node"] = e.node();
            f["port"] = e.port();
            f["expected"] = e.expected();
            f["actual"] = e.actual();
            f["detail"] = e.detail();
            raise("ShapeError", e.what(), f);
        } catch (const graph::GraphBuildError& e) {
            py::list diagnostics, problems;
            for (const auto& d : e.diagnostics()) {
                py::dict fields;
                fields["code"] = std::string(graph::to_string(d.code));
                fields["node"] = d.node;
                fields["port"] = d.port;
                fields["origin"] = py::make_tuple(origin_name(d.origin.kind), d.origin.index);
                fields["expected"] = d.expected;
                fields["actual"] = d.actual;
                fields["message"] = d.message;
                fields["suggestions"] = py::cast(d.suggestions);
                diagnostics.append(fields);
                problems.append(d.message);
            }
            py::dict f;
            f["diagnostics"] = diagnostics;
            f["problems"] = problems;
            raise("GraphBuildError", e.what(), f);
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
