#include "simulation.hpp"

#include <atomic>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <spark/components/builtin.hpp>
#include <spark/core/error.hpp>
#include <spark/graph/simulation.hpp>
#include <spark/serialization/snapshot.hpp>
#include <spark/tools/recording.hpp>

#include "convert.hpp"
#include "interrupt.hpp"
#include "network.hpp"
#include "recorder.hpp"

namespace spark::python {

namespace {

graph::BuildOptions build_options(const std::optional<std::string>& executor, unsigned threads) {
    graph::BuildOptions o;
    o.threads = threads;
    const std::string kind = executor.value_or(threads == 1 ? "sequential" : "pool");
    if (kind == "sequential") o.executor = graph::ExecutorKind::sequential;
    else if (kind == "tbb") o.executor = graph::ExecutorKind::tbb;
    else if (kind == "pool") o.executor = graph::ExecutorKind::pool;
    else throw py::value_error("unknown executor '" + kind + "' (expected 'sequential', 'pool' or 'tbb')");
    if (o.executor == graph::ExecutorKind::sequential && threads != 1)
        throw py::value_error("threads=" + std::to_string(threads) +
                              " needs a parallel executor (executor='pool' or 'tbb')");
    return o;
}

graph::Simulation build(py::object network, py::object inputs, const std::optional<std::string>& executor,
                        unsigned threads, const std::optional<std::filesystem::path>& snapshot) {
    const graph::BuildOptions options = build_options(executor, threads);
    if (snapshot) {
        py::gil_scoped_release release;
        return serialization::restore_simulation(*snapshot, options);
    }
    if (!py::isinstance<NetworkDescription>(network))
        throw py::type_error("Simulation(network, ...): network must be a spark.Network (from spark.Network() or "
                             "spark.load())");
    NetworkDescription description = network.cast<const NetworkDescription&>();
    if (!inputs.is_none()) {
        if (!py::isinstance<py::dict>(inputs))
            throw py::type_error(
                "inputs must be a dict of name -> (kind, shape), e.g. {\"signal\": (\"float\", (64,))}");
        for (auto [name, spec] : py::reinterpret_borrow<py::dict>(inputs)) {
            const std::string n = py::str(name).cast<std::string>();
            description.input_specs[n] = to_port_spec(spec, n);
        }
    }
    py::gil_scoped_release release;
    return serialization::build_simulation(description, options);
}

class Simulation {
public:
    Simulation(py::object network, py::object inputs, const std::optional<std::string>& executor, unsigned threads,
               const std::optional<std::filesystem::path>& snapshot)
        : sim_(build(std::move(network), std::move(inputs), executor, threads, snapshot)) {}

    void step() {
        Busy busy(*this);
        py::gil_scoped_release release;
        sim_.step();
    }

    py::dict run(std::int64_t steps, const std::vector<std::string>& record) {
        if (steps < 0) throw py::value_error("steps must be >= 0, got " + std::to_string(steps));
        if (PyErr_CheckSignals() != 0) throw py::error_already_set();
        Recorder recorder(sim_, record, steps);
        const std::int64_t first = sim_.step_count();
        std::int64_t done = 0;
        InterruptWatch watch;
        {
            Busy busy(*this);
            py::gil_scoped_release release;
            for (; done < steps && !watch.received(); ++done) {
                sim_.step();
                recorder.record(sim_);
            }
        }
        py::dict out = recorder.take(done);
        out["first_step"] = first;
        out["steps_run"] = done;
        out["dt"] = sim_.dt();
        try {
            watch.deliver();
        } catch (py::error_already_set& interrupted) {
            // What was recorded goes with the exception (KeyboardInterrupt.recording), not lost.
            if (PyObject_SetAttrString(interrupted.value().ptr(), "recording", out.ptr()) != 0) PyErr_Clear();
            throw;
        }
        return out;
    }

    void reset() {
        Busy busy(*this);
        sim_.reset();
    }

    std::vector<std::string> input_names() const {
        std::vector<std::string> names;
        for (const auto& [name, spec] : sim_.input_specs()) names.push_back(name);
        return names;
    }

    py::array input_view(py::object self, const std::string& name) {
        const ArrayRef buffer = sim_.input(name);
        return array_view(sim_.input_specs().at(name), buffer.data, self, true);
    }

    py::array output(const std::string& name) const {
        const ConstArrayRef view = sim_.output(name);  // a GraphError listing the outputs when unknown
        for (const auto& o : sim_.network().outputs)
            if (o.name == name) return array_copy(resolve(o.from.to_string()).target.spec, view.data);
        throw InternalError("network output '" + name + "' has no description");
    }

    // Properties: a read-only live view; outputs: a copy (their buffer may alternate between steps).
    py::array read(py::object self, const std::string& node, const std::string& port) const {
        const Port& p = resolve(node + "." + port);
        const ConstArrayRef view = sim_.read(p.target.node, p.target.port);
        if (p.property) return array_view(p.target.spec, const_cast<void*>(view.data), self, false);
        return array_copy(p.target.spec, view.data);
    }

    PortSpec spec(const std::string& node, const std::string& port) const {
        return resolve(node + "." + port).target.spec;
    }

    py::list nodes() const {
        auto ports = [](const std::vector<graph::PortInfo>& list) {
            py::dict d;
            for (const auto& p : list) d[py::str(p.name)] = p.spec;
            return d;
        };
        py::list list;
        for (const auto& n : sim_.nodes()) {
            py::dict d;
            d["path"] = n.path;
            d["type"] = n.type;
            d["inputs"] = ports(n.inputs);
            d["outputs"] = ports(n.outputs);
            d["properties"] = ports(n.properties);
            list.append(d);
        }
        return list;
    }

    py::list populations() const {
        py::list list;
        for (const auto& p : tools::find_populations(sim_, components::builtin_registry()))
            list.append(py::make_tuple(p.name, p.node + "." + p.port, p.units));
        return list;
    }

    py::dict state() {
        Busy busy(*this);
        struct Copier final : StateVisitor {
            Copier() : StateVisitor(StateAccess::read) {}  // a copy: components keep their fast forms
            py::dict arrays;
            void visit(std::string_view name, DType dtype, void* data, std::size_t count) override {
                PortSpec spec;
                spec.dtype = dtype;
                spec.shape = Shape{count};
                arrays[py::str(std::string(name))] = array_copy(spec, data);
            }
        } copier;
        sim_.visit_state(copier);
        return copier.arrays;
    }

    void save(const std::filesystem::path& path) {
        Busy busy(*this);
        py::gil_scoped_release release;
        serialization::save_snapshot(sim_, path);
    }

    void load(const std::filesystem::path& path) {
        Busy busy(*this);
        py::gil_scoped_release release;
        serialization::load_snapshot(sim_, path);
    }

    NetworkDescription network() const {
        NetworkDescription d;
        d.network = sim_.network();
        d.input_specs = sim_.input_specs();
        d.templates = sim_.templates();
        for (const auto& t : sim_.templates().entries())
            if (!graph::builtin_templates().find(t.name)) d.own_templates.push_back(t);
        d.source_name = "<simulation>";
        return d;
    }

    const graph::Simulation& sim() const { return sim_; }

private:
    // Marks the simulation busy while C++ runs without the GIL: a second thread gets an error, not a race.
    class Busy {
    public:
        explicit Busy(Simulation& s) : flag_(s.busy_) {
            if (flag_.exchange(true, std::memory_order_acquire))
                throw std::runtime_error("the simulation is busy in another thread (a step, run, save or load)");
        }
        ~Busy() { flag_.store(false, std::memory_order_release); }
        Busy(const Busy&) = delete;
        Busy& operator=(const Busy&) = delete;

    private:
        std::atomic<bool>& flag_;
    };

    // A "node.port" name resolved once (resolving searches the network: tens of microseconds, where a
    // closed loop reads an output every step). The built network does not change, nor do its names.
    struct Port {
        tools::TraceTarget target;
        bool property = false;
    };
    const Port& resolve(const std::string& text) const {
        auto found = resolved_.find(text);
        if (found != resolved_.end()) return found->second;
        Port p{tools::resolve_trace(sim_, sim_.network(), sim_.templates(), components::builtin_registry(), text)};
        for (const auto& n : sim_.nodes())
            if (n.path == p.target.node)
                for (const auto& property : n.properties) p.property |= property.name == p.target.port;
        return resolved_.emplace(text, std::move(p)).first->second;
    }

    graph::Simulation sim_;
    std::atomic<bool> busy_{false};
    mutable std::map<std::string, Port, std::less<>> resolved_;  // read and filled with the GIL held
};

}  // namespace

void bind_simulation(py::module_& m) {
    // Methods are bound as lambdas taking references: pybind11 would call a member function pointer on a
    // null object when __init__ failed (a build error caught, then repr() in a traceback); a reference raises.
    py::class_<Simulation>(m, "_Simulation", "The C++ simulation; use spark.Simulation.")
        .def(py::init<py::object, py::object, const std::optional<std::string>&, unsigned,
                      const std::optional<std::filesystem::path>&>(),
             py::arg("network"), py::arg("inputs") = py::none(), py::arg("executor") = py::none(),
             py::arg("threads") = 1, py::arg("snapshot") = py::none())
        .def("step", [](Simulation& s) { s.step(); }, "Advances one dt (the GIL is released meanwhile).")
        .def(
            "_run",
            [](Simulation& s, std::int64_t steps, const std::vector<std::string>& record) {
                return s.run(steps, record);
            },
            py::arg("steps"), py::arg("record"))
        .def("reset", [](Simulation& s) { s.reset(); },
             "Back to the state after the build: every component reset, wire caches zeroed, step counter 0.")
        .def_property_readonly("step_count", [](const Simulation& s) { return s.sim().step_count(); },
                               "Steps run so far (continued by a snapshot load).")
        .def_property_readonly("dt", [](const Simulation& s) { return s.sim().dt(); }, "The integration step [ms].")
        .def_property_readonly("seed", [](const Simulation& s) { return s.sim().seed(); }, "The network seed.")
        .def_property_readonly("input_names", [](const Simulation& s) { return s.input_names(); },
                               "The names of the network inputs.")
        .def_property_readonly("input_specs", [](const Simulation& s) { return s.sim().input_specs(); },
                               "The specs of the network inputs.")
        .def("_input_view", [](py::object self, const std::string& name) {
            return self.cast<Simulation&>().input_view(self, name);
        })
        .def("output", [](const Simulation& s, const std::string& name) { return s.output(name); }, py::arg("name"),
             "A copy of network output `name` (this step's value).")
        .def(
            "read",
            [](py::object self, const std::string& node, const std::string& port) {
                return self.cast<const Simulation&>().read(self, node, port);
            },
            py::arg("node"), py::arg("port"),
            R"doc(The current value of an output or property of a node, as a numpy array of the port's shape.

A property (a synapse kernel, a soma potential) comes as a read-only view of the live array: it follows the
simulation as it steps and stays valid as long as the array is referenced. The one exception is the kernel of
synapses in the sparse layout, which has no dense array: the view shows a dense copy made at the read (and
remade by each later read). An output comes as a copy of this step's value (output buffers may alternate
between steps). `node` is a flattened path ("pool.soma") or
a neuron whose exported port is meant ("pool", "out_spikes").)doc")
        .def(
            "spec",
            [](const Simulation& s, const std::string& node, const std::string& port) { return s.spec(node, port); },
            py::arg("node"), py::arg("port"), "The PortSpec of an output or property.")
        .def_property_readonly("nodes", [](const Simulation& s) { return s.nodes(); },
                               "Every flattened node: dicts of path, type and its inputs/outputs/properties' specs.")
        .def("populations", [](const Simulation& s) { return s.populations(); },
             "The spiking populations as (name, \"node.port\", units), as in spikes.csv of `spark run`.")
        .def("state", [](Simulation& s) { return s.state(); },
             "A copy of every state array (\"pool.soma/potential\", random streams, wire caches, \"@step\").")
        .def("save", [](Simulation& s, const std::filesystem::path& path) { s.save(path); }, py::arg("path"),
             "Writes a snapshot (the same file as the C++ save_snapshot and `spark run --snapshot-out`).")
        .def("load", [](Simulation& s, const std::filesystem::path& path) { s.load(path); }, py::arg("path"),
             "Loads a snapshot of a network of the same description; a mismatch raises SnapshotError and leaves "
             "the simulation untouched.")
        .def_property_readonly("network", [](const Simulation& s) { return s.network(); },
                               "A copy of the description it was built from.")
        .def("to_dot", [](const Simulation& s) { return s.sim().to_dot(); }, "A Graphviz description.");
}

}  // namespace spark::python
