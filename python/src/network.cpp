#include "network.hpp"

#include <pybind11/operators.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <spark/core/error.hpp>
#include <spark/core/file_io.hpp>
#include <spark/core/text.hpp>

#include "convert.hpp"

namespace spark::python {

NetworkDescription load_model(const std::filesystem::path& path) { return serialization::load_network_file(path); }

namespace {

NetworkDescription make_network(std::uint64_t seed, double dt, const std::string& latency) {
    NetworkDescription d;
    d.network = graph::Network(parse_latency(latency));
    d.network.seed = seed;
    d.network.dt = dt;
    graph::register_builtin_templates(d.templates);
    d.source_name = "<python>";
    return d;
}

// One Python tuple per element of `items`, made by `tuple_of`.
template <class Items, class F>
py::list tuples(const Items& items, F&& tuple_of) {
    py::list list;
    for (const auto& item : items) list.append(tuple_of(item));
    return list;
}

py::object optional_latency(const std::optional<graph::Latency>& latency) {
    if (!latency) return py::none();
    return py::str(std::string(graph::to_string(*latency)));
}

std::string describe(const NetworkDescription& d) {
    std::vector<std::string> inputs, outputs;
    for (const auto& i : d.network.inputs) inputs.push_back("'" + i.name + "'");
    for (const auto& o : d.network.outputs) outputs.push_back("'" + o.name + "'");
    return "<spark.Network: " + std::to_string(d.network.nodes.size()) + " nodes, " +
           std::to_string(d.network.wires.size()) + " wires, inputs [" + join(inputs) + "], outputs [" +
           join(outputs) + "], seed " + std::to_string(d.network.seed) + ", dt " + format_number(d.network.dt) +
           " ms>";
}

void bind_port_spec(py::module_& m) {
    py::class_<PortSpec>(m, "PortSpec", R"doc(What travels on a port: payload kind, shape and element type.

kind is one of "spikes", "current", "potential", "float", "integer", "mask"; dtype is the numpy dtype
of its elements (spikes and masks: uint8, integers: int32, the others: float32).)doc")
        .def(py::init([](const std::string& kind, py::object shape) {
                 return to_port_spec(py::make_tuple(kind, shape), "PortSpec");
             }),
             py::arg("kind"), py::arg("shape"), "PortSpec(\"float\", (64,))")
        .def_property_readonly("kind", [](const PortSpec& s) { return std::string(kind_name(s.kind)); })
        .def_property_readonly("shape",
                               [](const PortSpec& s) {
                                   py::list dims;
                                   for (std::size_t d : s.shape.dims()) dims.append(d);
                                   return py::tuple(dims);
                               })
        .def_property_readonly("dtype", [](const PortSpec& s) { return numpy_dtype(s.dtype); })
        .def_property_readonly("size", &PortSpec::size, "Number of elements.")
        .def_readonly("per_synapse", &PortSpec::per_synapse, "A SpikeArray in the post x pre layout.")
        .def(py::self == py::self)
        .def("__str__", &PortSpec::to_string)
        .def("__repr__", [](const PortSpec& s) {
            return "PortSpec('" + std::string(kind_name(s.kind)) + "', " + s.shape.to_string() + ")  # " +
                   s.to_string();
        });
}

using NetworkClass = py::class_<NetworkDescription>;

// add, connect, input, output, effect, set, replace: each returns the network, so calls chain.
void def_building_methods(NetworkClass& network) {
    using D = NetworkDescription;
    network
        .def(
            "add",
            [](py::object self, const std::string& name, const std::string& type, py::object config,
               py::kwargs params) {
                Overrides overrides = to_overrides(config, "config of '" + name + "'");
                for (auto& o : to_overrides(params, "config of '" + name + "'")) overrides.push_back(std::move(o));
                self.cast<D&>().network.add(name, type, std::move(overrides));
                return self;
            },
            py::arg("name"), py::arg("type"), py::arg("config") = py::none(),
            R"doc(Adds node `name` of component or template `type` ("leaky_soma", "alif_neuron").

Config fields come as a dict of path -> value (paths may reach inner nodes: "synapses.kernel.scale")
and/or keyword arguments (units=[128]). Values are checked when the network is built.)doc")
        .def(
            "connect",
            [](py::object self, const std::string& from, const std::string& to, std::optional<std::string> latency) {
                std::optional<graph::Latency> l;
                if (latency) l = parse_latency(*latency);
                self.cast<D&>().network.connect(from, to, l);
                return self;
            },
            py::arg("source"), py::arg("target"), py::arg("latency") = py::none(),
            "Wires \"node.port\" to \"node.port\"; latency \"same_step\" or \"previous_step\" (default: the "
            "network's).")
        .def(
            "input",
            [](py::object self, const std::string& name, const std::string& to, py::object spec) {
                auto& d = self.cast<D&>();
                if (!spec.is_none()) d.input_specs[name] = to_port_spec(spec, name);
                d.network.input(name, to);
                return self;
            },
            py::arg("name"), py::arg("target"), py::arg("spec") = py::none(),
            R"doc(Feeds network input `name` into "node.port" (several calls with one name fan out).

spec, e.g. ("float", (64,)), is the input's kind and shape; it may also be given to Simulation(inputs=...).)doc")
        .def(
            "output",
            [](py::object self, const std::string& name, const std::string& from) {
                self.cast<D&>().network.output(name, from);
                return self;
            },
            py::arg("name"), py::arg("source"), "Exports \"node.port\" as network output `name`.")
        .def(
            "effect",
            [](py::object self, const std::string& target, const std::string& source) {
                self.cast<D&>().network.effect(target, source);
                return self;
            },
            py::arg("target"), py::arg("source"),
            "After every step, overwrites the settable property \"node.property\" `target` with `source`.")
        .def(
            "set",
            [](py::object self, const std::string& path, py::object value) {
                self.cast<D&>().network.set(path, to_value(value, "value of '" + path + "'"));
                return self;
            },
            py::arg("path"), py::arg("value"),
            R"doc(Sets a config field by path: "pool.soma.threshold_delta", "*.units" (every node below that has
the field), "pool.soma.initial.potential" (the initial value of a state array).)doc")
        .def(
            "replace",
            [](py::object self, const std::string& path, const std::string& type) {
                self.cast<D&>().network.replace(path, type);
                return self;
            },
            py::arg("path"), py::arg("type"), "Swaps the type of the node at `path` (\"pool.soma\"); the wiring stays.");
}

// seed, dt, the nodes, wires, inputs and outputs, the text form, save and copies.
void def_views(NetworkClass& network) {
    using D = NetworkDescription;
    network
        .def_property(
            "seed", [](const D& d) { return d.network.seed; }, [](D& d, std::uint64_t s) { d.network.seed = s; },
            "The network seed: every node draws from its own stream derived from it and the node's path.")
        .def_property(
            "dt", [](const D& d) { return d.network.dt; }, [](D& d, double dt) { d.network.dt = dt; },
            "The integration step [ms].")
        .def_property_readonly(
            "nodes",
            [](const D& d) {
                return tuples(d.network.nodes, [](const auto& n) { return py::make_tuple(n.name, n.type, from_overrides(n.config)); });
            },
            "The top-level nodes as (name, type, config) tuples.")
        .def_property_readonly(
            "wires",
            [](const D& d) {
                return tuples(d.network.wires, [](const auto& w) {
                    return py::make_tuple(w.from.to_string(), w.to.to_string(), optional_latency(w.latency));
                });
            },
            "The wires as (source, target, latency) tuples (latency None: the network's default).")
        .def_property_readonly(
            "inputs",
            [](const D& d) {
                return tuples(d.network.inputs, [](const auto& i) { return py::make_tuple(i.name, i.to.to_string()); });
            },
            "The network inputs as (name, target) tuples.")
        .def_property_readonly(
            "outputs",
            [](const D& d) {
                return tuples(d.network.outputs, [](const auto& o) { return py::make_tuple(o.name, o.from.to_string()); });
            },
            "The network outputs as (name, source) tuples.")
        .def_property_readonly(
            "input_specs", [](const D& d) { return d.input_specs; },
            "The specs of the network inputs known so far (from the file or input(..., spec)).")
        .def("to_text", [](const D& d) { return serialization::to_network_text(d); },
             "The network in the network-file format (protobuf text, schema spark.v1).")
        .def(
            "save",
            [](const D& d, const std::filesystem::path& path) {
                OutputFile file(path);  // a full disk or an unwritable path is a spark.Error naming the file
                file.write(serialization::to_network_text(d));
                file.close();
            },
            py::arg("path"), "Writes the network as a network file (spark.load() reads it back).")
        .def("copy", [](const D& d) { return D(d); }, "An independent copy (to change a parameter and build again).")
        .def("__copy__", [](const D& d) { return D(d); })
        .def("__deepcopy__", [](const D& d, py::dict) { return D(d); }, py::arg("memo"))
        .def("__repr__", &describe);
}

}  // namespace

void bind_network(py::module_& m) {
    bind_port_spec(m);

    NetworkClass network(m, "Network", R"doc(The description of a circuit: named nodes and the wires between them.

Nodes are components or neuron templates by registry name (spark.components() lists them). Wires
between top-level nodes carry the previous step's value by default (a Brain: recurrent circuits are
well defined); latency="same_step" delivers this step's value. Every method returns the network, so
calls chain:

    net = (spark.Network(seed=42)
           .add("spiker", "poisson_spiker", max_freq=100.0)
           .add("pool", "alif_neuron", {"units": [128], "synapses.kernel.scale": 200.0})
           .input("signal", "spiker.signal", ("float", (64,)))
           .connect("spiker.spikes", "pool.in_spikes")
           .output("spikes", "pool.out_spikes"))

A network read with spark.load() keeps its file's input specs and templates, and build errors name
the file's lines.)doc");
    network.def(py::init(&make_network), py::arg("seed") = 0, py::arg("dt") = 1.0, py::arg("latency") = "previous_step",
             "A new empty network: seed of every random stream, dt [ms], default latency of its wires.");
    def_building_methods(network);
    def_views(network);
    m.def("_load", &load_model, py::arg("path"));
}

}  // namespace spark::python
