#include "catalogue.hpp"

#include <string>

#include <spark/components/builtin.hpp>
#include <spark/core/error.hpp>
#include <spark/core/text.hpp>
#include <spark/graph/network.hpp>

#include "convert.hpp"

namespace spark::python {

namespace {

py::dict port(std::string_view name, std::string_view kind, std::string_view description, bool optional,
              bool settable) {
    py::dict d;
    d["name"] = name;
    d["kind"] = kind;
    d["description"] = description;
    d["optional"] = optional;
    d["settable"] = settable;
    return d;
}

py::list ports(std::span<const PortDecl> decls) {
    py::list list;
    for (const auto& p : decls) {
        const std::string_view kind = p.kind == any_payload ? std::string_view("any") : kind_name(p.kind);
        list.append(port(p.name, kind, p.description, p.optional, p.settable));
    }
    return list;
}

py::dict parameter(const std::string& name, const std::string& type, py::object default_value,
                   const std::string& units, std::string_view bounds, const std::string& description, bool required) {
    py::dict d;
    d["name"] = name;
    d["type"] = type;
    d["default"] = std::move(default_value);
    d["units"] = units;
    d["bounds"] = bounds;
    d["description"] = description;
    d["required"] = required;
    return d;
}

py::dict component_entry(const ComponentInfo& c) {
    py::dict d;
    d["name"] = c.name;
    d["class_name"] = c.class_name;
    d["category"] = c.category;
    d["description"] = c.description;
    d["inputs"] = ports(c.inputs);
    d["outputs"] = ports(c.outputs);
    d["properties"] = ports(c.properties);
    py::list params;
    for (const auto& f : c.fields)
        params.append(parameter(f.name, f.type, f.required ? py::none() : from_value(f.default_value), f.units,
                                bound_text(f.bound), f.description, f.required));
    d["parameters"] = params;
    d["nodes"] = py::list();
    return d;
}

// A template's ports are its body's exported inputs and outputs; their payload kinds are known only
// after a build, so the description names the inner port they lead to.
py::dict template_entry(const graph::NeuronTemplate& t) {
    py::dict d;
    d["name"] = t.name;
    d["class_name"] = "";
    d["category"] = "neuron";
    d["description"] = t.description;
    py::list inputs, outputs, params, nodes;
    for (const auto& in : t.body.inputs) inputs.append(port(in.name, "", "-> " + in.to.to_string(), false, false));
    for (const auto& out : t.body.outputs)
        outputs.append(port(out.name, "", "<- " + out.from.to_string(), false, false));
    for (const auto& [name, value] : t.parameters)
        params.append(parameter(name, "", value.is_null() ? py::none() : from_value(value), "", "",
                                "set on every inner node that has the field", value.is_null()));
    for (const auto& n : t.body.nodes) nodes.append(py::make_tuple(n.name, n.type));
    d["inputs"] = inputs;
    d["outputs"] = outputs;
    d["properties"] = py::list();
    d["parameters"] = params;
    d["nodes"] = nodes;
    return d;
}

py::list components() {
    py::list list;
    for (const auto& c : components::builtin_registry().entries()) list.append(component_entry(c));
    for (const auto& t : graph::builtin_templates().entries()) list.append(template_entry(t));
    return list;
}

py::dict describe(const std::string& type) {
    if (const ComponentInfo* info = components::builtin_registry().find(type)) return component_entry(*info);
    if (const graph::NeuronTemplate* t = graph::builtin_templates().find(type)) return template_entry(*t);
    auto names = components::builtin_registry().names();
    for (const auto& n : graph::builtin_templates().names()) names.push_back(n);
    throw GraphError("no component or neuron template named '" + type + "' (did you mean " +
                     join(closest_names(normalize_name(type), names)) + "?)");
}

}  // namespace

void bind_catalogue(py::module_& m) {
    m.def("_components", &components, "Every registered component and neuron template, as dicts.");
    m.def("_describe", &describe, py::arg("type"), "One component or neuron template, as a dict.");
}

}  // namespace spark::python
