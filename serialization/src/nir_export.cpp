// spark network -> NIR graph (nir.hpp). The network is built first: the specs of the built nodes give
// every parameter its NIR shape; parameters are read from the nodes' configs (scalars and arrays only).
#include <spark/serialization/nir.hpp>

#include <algorithm>
#include <functional>
#include <optional>
#include <set>

#include <spark/components/builtin.hpp>

#include "nir_hdf5.hpp"
#include "nir_window.hpp"

namespace spark::serialization {

NirExportError::NirExportError(std::string message, std::vector<std::string> nodes)
    : Error(std::move(message)), nodes_(std::move(nodes)) {}

namespace {

using Dims = std::vector<std::size_t>;

// The NIR primitive each exportable component becomes.
const std::map<std::string, std::string>& counterparts() {
    static const std::map<std::string, std::string> table{
        {"affine", "Affine, Linear, Conv1d, Conv2d, SumPool2d or AvgPool2d"}, {"scale", "Scale"},
        {"threshold", "Threshold"},            {"leaky_integrator", "LI"},
        {"integrator", "I"},                   {"synaptic_current", "CubaLI/CubaLIF (with its membrane), else LI"},
        {"leaky_soma", "LIF"},                 {"integrate_fire_soma", "IF"},
        {"n_delays", "Delay"},                 {"linear_synapses", "Linear"},
    };
    return table;
}

class Exporter {
public:
    Exporter(const graph::Network& network, const std::map<std::string, PortSpec>& input_specs, double unit_ms)
        : network_(network), input_specs_(input_specs), unit_(unit_ms) {}

    nir::File run() {
        refuse_unmapped();
        refuse_latencies();
        auto sim = graph::Simulation::build(network_, input_specs_);
        for (const auto& n : sim.nodes()) built_[n.path] = n;
        fold_synaptic_currents();
        nir::File file;
        file.version = "0.2.0";
        for (const auto& [name, spec] : input_specs_) {
            nir::Node n;
            n.type = "Input";
            n.fields["shape"] = shape_array(spec.shape.dims());
            file.graph.nodes.emplace_back(boundary_name(name), std::move(n));
        }
        for (const auto& spec : network_.nodes)
            if (!folded_.count(spec.name)) file.graph.nodes.emplace_back(nir_name(spec.name), node(spec));
        for (const auto& o : network_.outputs) {
            nir::Node n;
            n.type = "Output";
            n.fields["shape"] = shape_array(port_spec(o.from).shape.dims());
            file.graph.nodes.emplace_back(boundary_name(o.name), std::move(n));
            file.graph.edges.emplace_back(nir_name(o.from.node), boundary_name(o.name));
        }
        for (const auto& i : network_.inputs) file.graph.edges.emplace_back(boundary_name(i.name), nir_name(i.to.node));
        for (const auto& w : network_.wires) {
            if (folded_.count(w.from.node)) continue;  // the folded current's wire into its membrane
            file.graph.edges.emplace_back(nir_name(w.from.node), nir_name(w.to.node));
        }
        return file;
    }

private:
    void refuse_unmapped() const {
        std::vector<std::string> bad;
        std::string text;
        for (const auto& n : network_.nodes)
            if (!counterparts().count(n.type)) {
                bad.push_back(n.name);
                text += (text.empty() ? "" : ", ") + ("'" + n.name + "' (" + n.type + ")");
            }
        if (!bad.empty())
            throw NirExportError("cannot write NIR: no NIR counterpart for " + text +
                                     "; NIR has affine, scale, threshold, leaky_integrator, integrator, synaptic_current, "
                                     "leaky_soma, integrate_fire_soma, n_delays and linear_synapses",
                                 bad);
        if (!network_.effects.empty()) throw NirExportError("cannot write NIR: NIR has no effects (plasticity)", {});
    }

    // NIR has no latency: a previous-step wire is written only where it closes a cycle, which the
    // importer reads back as previous-step.
    void refuse_latencies() const {
        for (const auto& w : network_.wires) {
            if (w.latency.value_or(network_.default_latency) != graph::Latency::previous_step) continue;
            if (!reaches(w.to.node, w.from.node))
                throw NirExportError("cannot write NIR: wire " + w.from.to_string() + " -> " + w.to.to_string() +
                                         " waits one step, which NIR cannot express outside a cycle (make it SAME_STEP)",
                                     {w.to.node});
        }
    }
    bool reaches(const std::string& from, const std::string& to) const {
        std::set<std::string> seen{from};
        std::vector<std::string> todo{from};
        while (!todo.empty()) {
            const std::string n = todo.back();
            todo.pop_back();
            if (n == to) return true;
            for (const auto& w : network_.wires)
                if (w.from.node == n && seen.insert(w.to.node).second) todo.push_back(w.to.node);
        }
        return false;
    }

    // A synaptic current whose only reader is a leaky membrane that reads nothing else is that
    // membrane's current stage: together they are one CubaLI / CubaLIF.
    void fold_synaptic_currents() {
        for (const auto& n : network_.nodes) {
            if (n.type != "synaptic_current") continue;
            std::vector<const graph::WireSpec*> out;
            for (const auto& w : network_.wires)
                if (w.from.node == n.name) out.push_back(&w);
            if (out.size() != 1) continue;
            const auto* membrane = network_.find(out[0]->to.node);
            if (!membrane || (membrane->type != "leaky_soma" && membrane->type != "leaky_integrator")) continue;
            const auto sources = std::count_if(network_.wires.begin(), network_.wires.end(),
                                               [&](const graph::WireSpec& w) { return w.to.node == membrane->name; });
            const auto inputs = std::count_if(network_.inputs.begin(), network_.inputs.end(),
                                              [&](const graph::InputSpec& i) { return i.to.node == membrane->name; });
            if (sources != 1 || inputs != 0) continue;
            folded_.insert(n.name);
            current_of_[membrane->name] = &n;
            renamed_[n.name] = membrane->name;  // edges into the current go to the CubaLI(F)
        }
    }
    // Inputs and outputs are NIR nodes too: one named like a node gets the suffix "_input" / "_output".
    std::string boundary_name(const std::string& name) const {
        if (!network_.find(name)) return name;
        const bool input = std::any_of(network_.inputs.begin(), network_.inputs.end(),
                                       [&](const graph::InputSpec& i) { return i.name == name; });
        return name + (input ? "_input" : "_output");
    }
    std::string nir_name(const std::string& node) const {
        auto it = renamed_.find(node);
        return it == renamed_.end() ? node : it->second;
    }

    const PortSpec& port_spec(const graph::Endpoint& e) const {
        const auto& n = built_.at(e.node);
        for (const auto* ports : {&n.outputs, &n.properties})
            for (const auto& p : *ports)
                if (p.name == e.port) return p.spec;
        throw Error("cannot write NIR: no output '" + e.to_string() + "'");
    }
    const PortSpec& input_spec(const std::string& node) const { return built_.at(node).inputs.at(0).spec; }
    const PortSpec& output_spec(const std::string& node) const { return built_.at(node).outputs.at(0).spec; }

    static nir::Array shape_array(const Dims& d) {
        nir::Array a;
        a.shape = {d.size()};
        for (auto x : d) a.values.push_back(static_cast<double>(x));
        return a;
    }

    // The config of a node with its overrides applied (initial.<state> overrides are not config).
    Value config(const graph::NodeSpec& n) const {
        Overrides own;
        for (const auto& o : n.config)
            if (o.path.rfind("initial.", 0) != 0) own.push_back(o);
        return components::builtin_registry().create(n.type, own, n.name)->config_value();
    }

    // A field's value as the node sets it (the numbers it was given, not their float32 copies in the
    // component), else the component's default.
    static const Value& setting(const graph::NodeSpec& n, const Value& cfg, const std::string& field) {
        for (auto o = n.config.rbegin(); o != n.config.rend(); ++o)
            if (o->path == field) return o->value;
        return *cfg.find(field);
    }

    // A parameter as `shape` values (a scalar broadcast); an initializer is refused.
    std::vector<double> values(const graph::NodeSpec& n, const Value& v, const std::string& field, std::size_t size) const {
        if (v.is_number()) return std::vector<double>(size, v.as_number());
        if (v.is_list()) {
            std::vector<double> out;
            for (const auto& x : v.as_list()) out.push_back(x.as_number());
            if (out.size() == 1) return std::vector<double>(size, out[0]);
            if (out.size() == size) return out;
        }
        throw NirExportError("cannot write NIR: node '" + n.name + "' field '" + field + "' = " + v.to_string() +
                                 ": NIR needs its values (a number or one per element), not an initializer",
                             {n.name});
    }
    nir::Array field(const graph::NodeSpec& n, const Value& cfg, const std::string& name, const Dims& shape,
                     double scale = 1.0) const {
        std::size_t size = 1;
        for (auto d : shape) size *= d;
        nir::Array a;
        a.shape = shape;
        a.values = values(n, setting(n, cfg, name), name, size);
        for (auto& x : a.values) x *= scale;
        return a;
    }
    // The initial potential v_initial (absolute): the node's initial.potential plus `rest`; absent when 0.
    void initial_potential(const graph::NodeSpec& n, const nir::Array& rest, nir::Node& out) const {
        const Value* init = nullptr;
        for (const auto& o : n.config)
            if (o.path == "initial.potential") init = &o.value;
        nir::Array v = rest;
        if (init) {
            const auto offset = values(n, *init, "initial.potential", v.values.size());
            for (std::size_t k = 0; k < v.values.size(); ++k) v.values[k] += offset[k];
        }
        if (std::any_of(v.values.begin(), v.values.end(), [](double x) { return x != 0.0; })) out.metadata["v_initial"] = v;
    }
    // NIR's reference resets at the crossing (CrossingReset); a soma that resets at the end of the step
    // says so in the metadata `reset_at_crossing` = 0, which the importer reads back.
    static void reset_timing(const Value& cfg, nir::Node& out) {
        if (!cfg.find("reset_at_crossing")->as_bool()) out.metadata["reset_at_crossing"] = nir::Array{{0.0}, {1}};
    }

    nir::Node node(const graph::NodeSpec& n) const {
        const Value cfg = config(n);
        nir::Node out;
        const Dims shape = output_spec(n.name).shape.dims();
        const bool has_override = [&](std::string_view f) {
            return std::any_of(n.config.begin(), n.config.end(), [&](const Override& o) { return o.path == f; });
        }("bias");
        if (const Value* nz = cfg.find("nonzeros"); n.type == "affine" && nz && nz->is_list()) {
            if (auto window = unrolled_window(n, cfg)) return *window;
        }
        if (n.type == "affine" || n.type == "linear_synapses") {
            const std::size_t n_in = input_spec(n.name).size(), n_out = output_spec(n.name).size();
            const std::string weight = n.type == "affine" ? "weight" : "kernel";
            out.type = n.type == "affine" && has_override ? "Affine" : "Linear";
            if (n.type == "linear_synapses" && cfg.find("max_delay")->as_number() != 0.0)
                throw NirExportError("cannot write NIR: node '" + n.name + "' has synaptic delays (NIR Linear has none)", {n.name});
            out.fields["weight"] = dense_weight(n, cfg, weight, n_out, n_in);
            if (out.type == "Affine") out.fields["bias"] = field(n, cfg, "bias", {n_out});
        } else if (n.type == "scale") {
            out.type = "Scale";
            out.fields["scale"] = field(n, cfg, "scale", shape);
        } else if (n.type == "threshold") {
            out.type = "Threshold";
            out.fields["threshold"] = field(n, cfg, "threshold", shape);
        } else if (n.type == "integrator") {
            out.type = "I";
            out.fields["r"] = field(n, cfg, "resistance", shape, unit_);
        } else if (n.type == "integrate_fire_soma") {
            out.type = "IF";
            out.fields["r"] = field(n, cfg, "resistance", shape, unit_);
            out.fields["v_threshold"] = field(n, cfg, "threshold", shape);
            out.fields["v_reset"] = field(n, cfg, "potential_reset", shape);
            initial_potential(n, nir::Array{std::vector<double>(out.fields["r"].values.size(), 0.0), shape}, out);
            reset_timing(cfg, out);
        } else if (n.type == "leaky_integrator" || n.type == "leaky_soma") {
            const bool spiking = n.type == "leaky_soma";
            const auto* current = current_of_.count(n.name) ? current_of_.at(n.name) : nullptr;
            out.type = std::string(current ? "Cuba" : "") + (spiking ? "LIF" : "LI");
            const std::string tau = current ? "tau_mem" : "tau";
            out.fields[tau] = field(n, cfg, "potential_tau", shape, 1.0 / unit_);
            out.fields["r"] = field(n, cfg, "resistance", shape);
            out.fields["v_leak"] = field(n, cfg, spiking ? "potential_rest" : "potential_leak", shape);
            if (spiking) {
                out.fields["v_threshold"] = field(n, cfg, "threshold", shape);
                out.fields["v_reset"] = field(n, cfg, "potential_reset", shape);
                reset_timing(cfg, out);
            }
            if (current) {
                const Value syn = config(*current);
                out.fields["tau_syn"] = field(*current, syn, "current_tau", shape, 1.0 / unit_);
                out.fields["w_in"] = field(*current, syn, "input_weight", shape);
            }
            // A leaky soma stores v - v_rest; the leaky integrator stores v.
            initial_potential(n, spiking ? out.fields["v_leak"] : nir::Array{std::vector<double>(out.fields["r"].values.size(), 0.0), shape}, out);
        } else if (n.type == "synaptic_current") {  // alone: tau dI/dt = -I + w_in x is an LI with v_leak 0
            out.type = "LI";
            out.fields["tau"] = field(n, cfg, "current_tau", shape, 1.0 / unit_);
            out.fields["r"] = field(n, cfg, "input_weight", shape);
            out.fields["v_leak"] = nir::Array{std::vector<double>(out.fields["r"].values.size(), 0.0), shape};
        } else if (n.type == "n_delays") {
            out.type = "Delay";
            out.fields["delay"] = field(n, cfg, "delays", shape, network_.dt / unit_);
        }
        return out;
    }

    // An affine map unrolled from a convolution or pooling (by the importer) as that NIR node again.
    std::optional<nir::Node> unrolled_window(const graph::NodeSpec& n, const Value& cfg) const {
        nir_detail::SparseAffine a;
        a.input = input_spec(n.name).shape.dims();
        a.output = output_spec(n.name).shape.dims();
        for (const auto& x : cfg.find("nonzeros")->as_list()) a.nonzeros.push_back(static_cast<std::size_t>(x.as_number()));
        a.weights = values(n, setting(n, cfg, "weight"), "weight", a.nonzeros.size());
        a.bias = values(n, setting(n, cfg, "bias"), "bias", output_spec(n.name).size());
        const auto found = nir_detail::recognize(a);
        if (!found) return std::nullopt;
        const nir_detail::Window& w = found->window;
        auto integers = [](const Dims& d) {
            nir::Array out{{}, {d.size()}};
            for (auto x : d) out.values.push_back(static_cast<double>(x));
            return out;
        };
        nir::Node out;
        out.type = found->type;
        out.fields["stride"] = integers(w.stride);
        out.fields["padding"] = integers(w.padding);
        if (found->kernel.empty()) {
            out.fields["kernel_size"] = integers(w.kernel);
            return out;
        }
        Dims weight_shape{w.out_channels, w.input[0] / w.groups};
        weight_shape.insert(weight_shape.end(), w.kernel.begin(), w.kernel.end());
        out.fields["weight"] = nir::Array{found->kernel, weight_shape};
        out.fields["bias"] = nir::Array{w.bias, {w.out_channels}};
        out.fields["dilation"] = integers(w.dilation);
        out.fields["groups"] = nir::Array{{static_cast<double>(w.groups)}, {}};
        out.fields["input_shape"] = integers(Dims(w.input.begin() + 1, w.input.end()));
        return out;
    }

    nir::Array dense_weight(const graph::NodeSpec& n, const Value& cfg, const std::string& name, std::size_t n_out,
                            std::size_t n_in) const {
        nir::Array a;
        a.shape = {n_out, n_in};
        const Value* nz = cfg.find("nonzeros");
        if (nz && nz->is_list()) {  // a sparse affine map: NIR's weights are dense
            const auto given = values(n, setting(n, cfg, name), name, nz->as_list().size());
            a.values.assign(n_out * n_in, 0.0);
            for (std::size_t k = 0; k < given.size(); ++k)
                a.values[static_cast<std::size_t>(nz->as_list()[k].as_number())] = given[k];
        } else {
            a.values = values(n, setting(n, cfg, name), name, n_out * n_in);
        }
        return a;
    }

    const graph::Network& network_;
    const std::map<std::string, PortSpec>& input_specs_;
    double unit_;
    std::map<std::string, graph::NodeInfo> built_;
    std::set<std::string> folded_;
    std::map<std::string, const graph::NodeSpec*> current_of_;
    std::map<std::string, std::string> renamed_;
};

}  // namespace

void save_nir_file(const graph::Network& network, const std::map<std::string, PortSpec>& input_specs,
                   const std::filesystem::path& path, double time_unit_ms) {
    nir::write_file(path, Exporter(network, input_specs, time_unit_ms).run());
}

void save_nir_file(const NetworkFile& file, const std::filesystem::path& path, double time_unit_ms) {
    save_nir_file(file.network, file.input_specs, path, time_unit_ms);
}

}  // namespace spark::serialization
