// NIR graph -> spark network (nir.hpp). Three passes over the flattened graph: shapes (with Input
// placeholders inferred from their consumers), then one spark node per NIR node, then the wires.
#include <spark/serialization/nir.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>

#include "nir_hdf5.hpp"
#include "nir_unroll.hpp"

namespace spark::serialization {

namespace {

using Dims = std::vector<std::size_t>;

std::size_t count(const Dims& d) {
    return std::accumulate(d.begin(), d.end(), std::size_t{1}, std::multiplies<>());
}

std::string dims_text(const Dims& d) { return Shape(d).to_string(); }

std::string number_text(double x) {
    std::ostringstream s;
    s << x;
    return s.str();
}

// A node of the flattened graph.
struct FlatNode {
    std::string name;  // dotted path in the file
    const nir::Node* node = nullptr;
};

// What a node needs from the file for its mapping: required and optional fields.
struct Primitive {
    std::string_view type;
    std::vector<std::string_view> required;
};

const std::vector<Primitive>& primitives() {
    static const std::vector<Primitive> table{
        {"Input", {"shape"}},
        {"Output", {}},
        {"Affine", {"weight", "bias"}},
        {"Linear", {"weight"}},
        {"Scale", {"scale"}},
        {"Threshold", {"threshold"}},
        {"Delay", {"delay"}},
        {"Flatten", {}},
        {"I", {"r"}},
        {"IF", {"r", "v_threshold"}},
        {"LI", {"tau", "r", "v_leak"}},
        {"LIF", {"tau", "r", "v_leak", "v_threshold"}},
        {"CubaLI", {"tau_syn", "tau_mem", "r", "v_leak"}},
        {"CubaLIF", {"tau_syn", "tau_mem", "r", "v_leak", "v_threshold"}},
        {"Conv1d", {"weight"}},
        {"Conv2d", {"weight"}},
        {"SumPool2d", {"kernel_size", "stride"}},
        {"AvgPool2d", {"kernel_size", "stride"}},
    };
    return table;
}

// The per-node facts the passes compute.
struct Mapped {
    Dims shape;                       // output shape (empty until known)
    PayloadKind kind = PayloadKind::floating;
    std::string spark_name;           // node (or network input) name in spark
    std::string output;               // "node.port" of its output ("" for Output)
    std::string input;                // "node.port" its sources feed ("" for Input)
    bool passthrough = false;         // Flatten and a nested graph's Input/Output: no node of its own
};

class Importer {
public:
    Importer(const nir::File& file, const ImportOptions& options, std::string source)
        : options_(options), source_(std::move(source)) {
        flatten(file.graph, "");
        resolve_subgraph_edges();
        if (file.version.empty()) warn("file", "has no /version; read as NIR 0.2");
    }

    NetworkFile run() {
        dt_ = options_.dt.value_or(1.0);
        if (!(dt_ > 0.0) || !std::isfinite(dt_)) fail("--dt", "must be a finite number > 0 ms");
        if (!options_.dt) warn("dt", "not given (--dt): using 1 ms");
        for (const auto& n : nodes_) check_node(n);
        assign_names();
        infer_shapes();
        NetworkFile out;
        out.network = graph::Network(graph::Latency::same_step);
        out.network.dt = dt_;
        for (std::size_t i = 0; i < nodes_.size(); ++i) add_node(i, out);
        add_wires(out);
        out.source_name = source_;
        graph::register_builtin_templates(out.templates);
        out.warnings = std::move(warnings_);
        return out;
    }

private:
    // ---- flattening ----

    void flatten(const nir::Graph& g, const std::string& prefix) {
        for (const auto& [name, node] : g.nodes) {
            const std::string path = prefix + name;
            if (node.graph) {
                subgraphs_[path] = node.graph.get();
                flatten(*node.graph, path + ".");
            } else {
                index_[path] = nodes_.size();
                nodes_.push_back({path, &node});
                nested_.push_back(!prefix.empty());
            }
        }
        for (const auto& [from, to] : g.edges) raw_edges_.emplace_back(prefix + from, prefix + to);
    }

    // An edge naming a nested graph as a whole means its one Input (as target) or Output (as source).
    std::string boundary_of(const std::string& graph_path, std::string_view type) const {
        const nir::Graph* g = subgraphs_.at(graph_path);
        std::string found;
        for (const auto& [name, node] : g->nodes)
            if (node.type == type) {
                if (!found.empty())
                    fail("edge to '" + graph_path + "'", "the nested graph has several " + std::string(type) +
                                                             " nodes: name one ('" + graph_path + "." + name + "')");
                found = graph_path + "." + name;
            }
        if (found.empty()) fail("edge to '" + graph_path + "'", "the nested graph has no " + std::string(type) + " node");
        return found;
    }

    void resolve_subgraph_edges() {
        for (auto& [from, to] : raw_edges_) {
            if (subgraphs_.count(from)) from = boundary_of(from, "Output");
            if (subgraphs_.count(to)) to = boundary_of(to, "Input");
            for (const auto* end : {&from, &to})
                if (!index_.count(*end)) fail("edge " + from + " -> " + to, "names no node '" + *end + "'");
            edges_.emplace_back(index_.at(from), index_.at(to));
        }
        sources_.assign(nodes_.size(), {});
        targets_.assign(nodes_.size(), {});
        for (std::size_t e = 0; e < edges_.size(); ++e) {
            sources_[edges_[e].second].push_back(edges_[e].first);
            targets_[edges_[e].first].push_back(edges_[e].second);
        }
    }

    // ---- messages ----

    [[noreturn]] void fail(const std::string& where, const std::string& what) const {
        throw NetworkFileError(source_, 0, 0, where + ": " + what);
    }
    static std::string where(const FlatNode& n) { return "NIR node '" + n.name + "' (" + n.node->type + ")"; }
    std::string where(std::size_t i) const { return where(nodes_[i]); }
    void warn(const std::string& where, const std::string& what) { warnings_.push_back(where + ": " + what); }

    // ---- field access ----

    const nir::Array* field(std::size_t i, const std::string& name) const {
        const auto& f = nodes_[i].node->fields;
        auto it = f.find(name);
        return it == f.end() ? nullptr : &it->second;
    }
    const nir::Array& required(std::size_t i, const std::string& name) const {
        const nir::Array* a = field(i, name);
        if (!a) fail(where(i), "missing field '" + name + "'");
        return *a;
    }
    std::vector<double> values(std::size_t i, const std::string& name, double fallback) const {
        const nir::Array* a = field(i, name);
        return a ? a->values : std::vector<double>{fallback};
    }
    // Integer settings (stride, padding, ...) as `rank` values (a scalar is repeated).
    Dims integers(std::size_t i, const std::string& name, std::size_t rank, std::size_t fallback) const {
        const nir::Array* a = field(i, name);
        Dims out(rank, fallback);
        if (!a) return out;
        for (std::size_t k = 0; k < rank; ++k) {
            const double v = a->values.size() == 1 ? a->values[0] : k < a->values.size() ? a->values[k] : -1.0;
            if (!(v >= 0.0) || v != std::floor(v))
                fail(where(i), "field '" + name + "' must hold " + std::to_string(rank) + " whole numbers >= 0");
            out[k] = static_cast<std::size_t>(v);
        }
        return out;
    }

    void check_node(const FlatNode& n) const {
        auto it = std::find_if(primitives().begin(), primitives().end(),
                               [&](const Primitive& p) { return p.type == n.node->type; });
        if (it == primitives().end()) {
            std::string known;
            for (const auto& p : primitives()) known += (known.empty() ? "" : ", ") + std::string(p.type);
            fail(where(n), "unknown primitive '" + n.node->type + "' (spark reads " + known + ")");
        }
        for (auto f : it->required)
            if (!n.node->fields.count(std::string(f))) {
                const bool text = n.node->texts.count(std::string(f)) > 0;
                fail(where(n), "missing field '" + std::string(f) + "'" + (text ? " (found a string, expected numbers)" : ""));
            }
        for (const auto& [name, a] : n.node->fields)
            for (std::size_t k = 0; k < a.values.size(); ++k)
                if (!std::isfinite(a.values[k]))
                    fail(where(n), "field '" + name + "'" + (a.values.size() > 1 ? "[" + std::to_string(k) + "]" : "") +
                                       " = " + number_text(a.values[k]) + " is not finite");
    }

    // ---- names ----

    static std::string sanitize(const std::string& name) {
        std::string s;
        for (char c : name) s += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
        if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) s = "n" + s;
        return s;
    }
    std::string unique(const std::string& base) {
        std::string name = base;
        for (int k = 2; used_names_.count(name); ++k) name = base + "_" + std::to_string(k);
        used_names_.insert(name);
        return name;
    }
    void assign_names() {
        mapped_.assign(nodes_.size(), {});
        for (std::size_t i = 0; i < nodes_.size(); ++i) {
            const std::string& type = nodes_[i].node->type;
            mapped_[i].passthrough = type == "Flatten" || (nested_[i] && (type == "Input" || type == "Output"));
            if (!mapped_[i].passthrough) mapped_[i].spark_name = unique(sanitize(nodes_[i].name));
        }
    }

    // ---- shapes ----

    bool is_graph_input(std::size_t i) const { return nodes_[i].node->type == "Input" && !mapped_[i].passthrough; }

    // The shape a node's own parameters give it (neurons, Scale, Threshold, Delay), or empty.
    Dims parameter_shape(std::size_t i) const {
        Dims best;
        for (const auto& [name, a] : nodes_[i].node->fields)
            if (count(a.shape) > count(best)) best = a.shape;
        return best;
    }

    // The number of input elements a node expects, where its fields fix it.
    std::optional<std::size_t> expected_input(std::size_t i) const {
        const std::string& type = nodes_[i].node->type;
        if (type == "Affine" || type == "Linear") {
            const auto& w = required(i, "weight");
            if (w.shape.size() != 2) fail(where(i), "field 'weight' must be a matrix (out x in), got shape " + dims_text(w.shape));
            return w.shape[1];
        }
        if (type == "Conv1d" || type == "Conv2d") {
            const auto& w = required(i, "weight");
            const std::size_t spatial = type == "Conv1d" ? 1 : 2;
            if (w.shape.size() != spatial + 2)
                fail(where(i), "field 'weight' must have " + std::to_string(spatial + 2) + " dimensions, got " + dims_text(w.shape));
            if (const nir::Array* in = field(i, "input_shape"); in && in->values.size() == spatial)
                return w.shape[1] * integers(i, "groups", 1, 1)[0] * count(shape_field(i, "input_shape"));
            return std::nullopt;
        }
        if (type == "Input" || type == "Output" || type == "Flatten" || type == "SumPool2d" || type == "AvgPool2d")
            return std::nullopt;
        const Dims own = parameter_shape(i);
        if (count(own) > 1) return count(own);
        return std::nullopt;
    }

    Dims input_shape_of(std::size_t i) const {
        if (sources_[i].empty()) fail(where(i), "has no input edge");
        const Dims& first = mapped_[sources_[i].front()].shape;
        for (std::size_t s : sources_[i])
            if (count(mapped_[s].shape) != count(first))
                fail(where(i), "its inputs do not chain: '" + nodes_[sources_[i].front()].name + "' gives " +
                                   dims_text(first) + ", '" + nodes_[s].name + "' gives " + dims_text(mapped_[s].shape));
        return first;
    }

    // The output shape of node i from its input shape `in`.
    Dims output_shape(std::size_t i, const Dims& in) {
        const std::string& type = nodes_[i].node->type;
        if (type == "Affine" || type == "Linear") return {required(i, "weight").shape[0]};
        if (type == "Flatten") return {count(in)};
        if (mapped_[i].passthrough) return in;
        if (type == "Output") {
            if (field(i, "shape") && count(shape_field(i, "shape")) != count(in))
                warn(where(i), "shape " + dims_text(shape_field(i, "shape")) + " differs from its input's " +
                                   dims_text(in) + ": using " + dims_text(in));
            return in;
        }
        if (type == "Conv1d" || type == "Conv2d" || type == "SumPool2d" || type == "AvgPool2d") {
            unrolled_[i] = unroll(i, in);
            return unrolled_[i]->output_shape;
        }
        const Dims own = parameter_shape(i);
        return count(own) > 1 ? own : in;
    }

    nir_detail::Unrolled unroll(std::size_t i, const Dims& in) const {
        const std::string& type = nodes_[i].node->type;
        const std::size_t spatial = type == "Conv1d" ? 1 : 2;
        Dims input = in;
        if (const nir::Array* s = field(i, "input_shape"); s && s->values.size() == spatial && type.rfind("Conv", 0) == 0) {
            const std::size_t channels = required(i, "weight").shape[1] * integers(i, "groups", 1, 1)[0];
            input = {channels};
            for (auto v : shape_field(i, "input_shape")) input.push_back(v);
        }
        if (input.size() != spatial + 1)
            fail(where(i), "needs an input of shape [channels, " + std::string(spatial == 1 ? "length" : "height, width") +
                               "], got " + dims_text(in) + " (give 'input_shape')");
        nir_detail::Window w;
        w.input = input;
        if (type.rfind("Conv", 0) == 0) {
            const auto& weight = required(i, "weight");
            w.kernel = Dims(weight.shape.begin() + 2, weight.shape.end());
            w.out_channels = weight.shape[0];
            w.groups = integers(i, "groups", 1, 1)[0];
            w.weights = &weight.values;
            w.bias = values(i, "bias", 0.0);
            w.dilation = integers(i, "dilation", spatial, 1);
            if (w.groups == 0 || input[0] != weight.shape[1] * w.groups)
                fail(where(i), "shapes do not chain: weight " + dims_text(weight.shape) + " with groups " +
                                   std::to_string(w.groups) + " expects " + std::to_string(weight.shape[1] * w.groups) +
                                   " input channels, got input " + dims_text(in));
        } else {
            w.kernel = integers(i, "kernel_size", spatial, 1);
            w.out_channels = input[0];
            w.dilation = Dims(spatial, 1);
            w.pool_scale = type == "AvgPool2d" ? 1.0 / static_cast<double>(count(w.kernel)) : 1.0;
        }
        w.stride = integers(i, "stride", spatial, 1);
        if (auto t = nodes_[i].node->texts.find("padding"); t != nodes_[i].node->texts.end()) {
            if (t->second == "valid") w.padding = Dims(spatial, 0);
            else if (t->second == "same") {
                for (std::size_t k = 0; k < spatial; ++k) w.padding.push_back(w.dilation[k] * (w.kernel[k] - 1) / 2);
            } else fail(where(i), "field 'padding' = '" + t->second + "' (expected numbers, 'same' or 'valid')");
        } else {
            w.padding = integers(i, "padding", spatial, 0);
        }
        try {
            return nir_detail::unroll(w);
        } catch (const std::invalid_argument& e) {
            fail(where(i), e.what());
        }
    }

    // A shape field: whole numbers > 0.
    Dims shape_field(std::size_t i, const std::string& name) const {
        Dims d;
        for (double v : required(i, name).values) {
            if (!(v >= 1.0 && v < 4.0e9) || v != std::floor(v))
                fail(where(i), "field '" + name + "' must hold whole numbers > 0, got " + number_text(v));
            d.push_back(static_cast<std::size_t>(v));
        }
        return d;
    }

    void infer_shapes() {
        infer_input_shapes();
        propagate_shapes();
    }

    // The Inputs' shapes: declared (or given in ImportOptions), or inferred from a consumer where a
    // placeholder does not chain.
    void infer_input_shapes() {
        for (std::size_t i = 0; i < nodes_.size(); ++i) {
            if (!is_graph_input(i)) continue;
            Dims declared = shape_field(i, "shape");
            if (auto spec = options_.input_specs.find(mapped_[i].spark_name); spec != options_.input_specs.end()) {
                declared = spec->second.shape.dims();
            }
            for (std::size_t t : targets_[i]) {
                const auto expected = expected_input(t);
                if (!expected || *expected == count(declared)) continue;
                const Dims inferred = inferred_shape(t, *expected);
                warn(where(i), "shape " + dims_text(declared) + " does not chain with '" + nodes_[t].name + "', which takes " +
                                   std::to_string(*expected) + " elements: using the inferred shape " + dims_text(inferred));
                declared = inferred;
            }
            mapped_[i].shape = declared;
        }
    }

    // Every other node's output shape from its inputs', checking that they chain.
    void propagate_shapes() {
        std::vector<bool> done(nodes_.size(), false);
        for (std::size_t i = 0; i < nodes_.size(); ++i) done[i] = !mapped_[i].shape.empty();
        // Nodes whose output shape their parameters fix can close cycles: seed them first.
        for (std::size_t i = 0; i < nodes_.size(); ++i) {
            const std::string& type = nodes_[i].node->type;
            if (!done[i] && (type == "Affine" || type == "Linear")) {
                mapped_[i].shape = {required(i, "weight").shape[0]};
                done[i] = true;
            }
        }
        for (bool progress = true; progress;) {
            progress = false;
            for (std::size_t i = 0; i < nodes_.size(); ++i) {
                if (done[i] && !(nodes_[i].node->type == "Affine" || nodes_[i].node->type == "Linear")) continue;
                if (is_graph_input(i)) continue;
                const bool ready = std::all_of(sources_[i].begin(), sources_[i].end(), [&](std::size_t s) { return done[s]; });
                if (!ready || checked_[i]) continue;
                if (sources_[i].empty()) fail(where(i), "has no input edge");
                const Dims in = input_shape_of(i);
                if (auto expected = expected_input(i); expected && *expected != count(in))
                    fail(where(i), "shapes do not chain: it takes " + std::to_string(*expected) + " elements, its input '" +
                                       nodes_[sources_[i].front()].name + "' gives " + dims_text(in));
                mapped_[i].shape = output_shape(i, in);
                checked_[i] = true;
                done[i] = true;
                progress = true;
            }
        }
        for (std::size_t i = 0; i < nodes_.size(); ++i)
            if (!done[i] || (!checked_[i] && !is_graph_input(i)))
                fail(where(i), "its shape cannot be inferred (a cycle without a node of known shape, or no input)");
    }

    // The shape a consumer expects: the weight's input dims of a convolution, else flat.
    Dims inferred_shape(std::size_t consumer, std::size_t elements) const {
        const std::string& type = nodes_[consumer].node->type;
        if (type.rfind("Conv", 0) == 0) {
            Dims d{required(consumer, "weight").shape[1] * integers(consumer, "groups", 1, 1)[0]};
            for (auto v : shape_field(consumer, "input_shape")) d.push_back(v);
            return d;
        }
        const Dims own = parameter_shape(consumer);
        return count(own) == elements ? own : Dims{elements};
    }

    // ---- nodes ----

    // A parameter as a config value: one number when every element is equal, else one per element.
    static Value param(const std::vector<double>& v, double scale = 1.0) {
        const bool uniform = std::all_of(v.begin(), v.end(), [&](double x) { return x == v.front(); });
        if (uniform) return Value(v.front() * scale);
        Value::List list;
        for (double x : v) list.emplace_back(x * scale);
        return list;
    }
    Value param(std::size_t i, const std::string& name, double fallback, double scale = 1.0) const {
        return param(values(i, name, fallback), scale);
    }
    static Value shape_value(const Dims& d) {
        Value::List l;
        for (auto x : d) l.emplace_back(static_cast<double>(x));
        return l;
    }

    void add_node(std::size_t i, NetworkFile& out) {
        Mapped& m = mapped_[i];
        if (m.passthrough) return;
        const std::string& type = nodes_[i].node->type;
        const std::string& name = m.spark_name;
        const double unit = options_.nir_time_unit_ms;
        auto& net = out.network;
        auto add = [&](const std::string& spark_type, Overrides config, PayloadKind kind, std::string out_port,
                       std::string in_port) {
            net.add(name, spark_type, std::move(config));
            m.kind = kind;
            m.output = name + "." + out_port;
            m.input = name + "." + in_port;
        };
        if (type == "Input") {
            PortSpec spec(PayloadKind::spikes, Shape(m.shape));
            if (auto s = options_.input_specs.find(name); s != options_.input_specs.end()) spec = s->second;
            spec.shape = Shape(m.shape);
            out.input_specs[name] = spec;
            m.kind = spec.kind;
        } else if (type == "Output") {
            // wired in add_wires
        } else if (type == "Affine" || type == "Linear") {
            const auto& w = required(i, "weight");
            Overrides c{{"units", shape_value(m.shape)}, {"weight", param(w.values)}};
            if (type == "Affine") c.push_back({"bias", param(i, "bias", 0.0)});
            add("affine", std::move(c), PayloadKind::current, "output", "input");
        } else if (type == "Conv1d" || type == "Conv2d" || type == "SumPool2d" || type == "AvgPool2d") {
            const auto& u = *unrolled_.at(i);
            Value::List nz, w;
            for (std::size_t k = 0; k < u.nonzeros.size(); ++k) {
                nz.emplace_back(static_cast<double>(u.nonzeros[k]));
                w.emplace_back(u.weights[k]);
            }
            add("affine", {{"units", shape_value(m.shape)}, {"weight", Value(std::move(w))}, {"nonzeros", Value(std::move(nz))},
                           {"bias", param(u.bias)}},
                PayloadKind::current, "output", "input");
        } else if (type == "Scale") {
            add("scale", {{"scale", param(i, "scale", 1.0)}}, PayloadKind::current, "output", "input");
        } else if (type == "Threshold") {
            add("threshold", {{"threshold", param(i, "threshold", 0.0)}}, PayloadKind::spikes, "spikes", "input");
        } else if (type == "Delay") {
            add_delay(i, out);
        } else if (type == "I") {
            add("integrator", {{"resistance", param(i, "r", 1.0, 1.0 / unit)}}, PayloadKind::potential, "potential", "input");
        } else if (type == "IF") {
            add("integrate_fire_soma",
                {{"units", shape_value(m.shape)}, {"resistance", param(i, "r", 1.0, 1.0 / unit)},
                 {"threshold", param(i, "v_threshold", 0.0)}, {"potential_reset", param(i, "v_reset", 0.0)},
                 {"reset_at_crossing", reset_at_crossing(i)}, {"initial.potential", param(initial_v(i))}},
                PayloadKind::spikes, "spikes", "current");
        } else if (type == "LI" || type == "CubaLI") {
            const std::string tau = type == "LI" ? "tau" : "tau_mem";
            add("leaky_integrator",
                {{"potential_tau", param(i, tau, 1.0, unit)}, {"resistance", param(i, "r", 1.0)},
                 {"potential_leak", param(i, "v_leak", 0.0)}, {"initial.potential", param(initial_v(i))}},
                PayloadKind::potential, "potential", "input");
        } else if (type == "LIF" || type == "CubaLIF") {
            const std::string tau = type == "LIF" ? "tau" : "tau_mem";
            add_lif(i, tau, out);
        }
        if (type == "CubaLI" || type == "CubaLIF") add_synaptic_current(i, out);
    }

    // The initial potential (absolute): 0, where NIR's tools start, or the file's metadata `v_initial`
    // (which spark's export writes when a node starts elsewhere).
    std::vector<double> initial_v(std::size_t i) const {
        auto meta = nodes_[i].node->metadata.find("v_initial");
        return meta != nodes_[i].node->metadata.end() ? meta->second.values : std::vector<double>{0.0};
    }

    // When a spiking node resets: at the threshold crossing (NIR's exact solution, CrossingReset in
    // soma_parts.hpp), unless the file's metadata `reset_at_crossing` = 0 says the end of the step
    // (which spark's export writes for a soma that resets there).
    Value reset_at_crossing(std::size_t i) const {
        auto meta = nodes_[i].node->metadata.find("reset_at_crossing");
        if (meta == nodes_[i].node->metadata.end()) return Value(true);
        const auto& v = meta->second.values;
        if (v.size() != 1 || (v[0] != 0.0 && v[0] != 1.0))
            fail(where(i), "metadata 'reset_at_crossing' must be one number, 0 or 1");
        return Value(v[0] == 1.0);
    }

    void add_lif(std::size_t i, const std::string& tau, NetworkFile& out) {
        Mapped& m = mapped_[i];
        const auto leak = values(i, "v_leak", 0.0);
        auto v0 = initial_v(i);
        const std::size_t n = std::max(leak.size(), v0.size());
        std::vector<double> relative(n);
        for (std::size_t k = 0; k < n; ++k)
            relative[k] = v0[v0.size() == 1 ? 0 : k] - leak[leak.size() == 1 ? 0 : k];
        out.network.add(m.spark_name, "leaky_soma",
                        {{"units", shape_value(m.shape)},
                         {"potential_rest", param(leak)},
                         {"potential_reset", param(i, "v_reset", 0.0)},
                         {"potential_tau", param(i, tau, 1.0, options_.nir_time_unit_ms)},
                         {"resistance", param(i, "r", 1.0)},
                         {"threshold", param(i, "v_threshold", 0.0)},
                         {"reset_at_crossing", reset_at_crossing(i)},
                         {"initial.potential", param(relative)}});
        m.kind = PayloadKind::spikes;
        m.output = m.spark_name + ".spikes";
        m.input = m.spark_name + ".current";
    }

    // CubaLI / CubaLIF: the synaptic current "<name>_syn" feeds the membrane node, which add_node made.
    void add_synaptic_current(std::size_t i, NetworkFile& out) {
        Mapped& m = mapped_[i];
        const std::string syn = unique(m.spark_name + "_syn");
        out.network.add(syn, "synaptic_current",
                        {{"current_tau", param(i, "tau_syn", 1.0, options_.nir_time_unit_ms)},
                         {"input_weight", param(i, "w_in", 1.0)}});
        out.network.connect(syn + ".current", m.input);
        m.input = syn + ".input";
        fed_by_current_.insert(i);  // the membrane reads the synaptic current; sources go to the current
    }

    void add_delay(std::size_t i, NetworkFile& out) {
        Mapped& m = mapped_[i];
        const auto& d = required(i, "delay");
        Value::List steps;
        double longest = 0.0;
        for (std::size_t k = 0; k < d.values.size(); ++k) {
            const double ms = d.values[k] * options_.nir_time_unit_ms;
            const double s = ms / dt_;
            const double whole = std::round(s);
            const std::string at = d.values.size() > 1 ? "[" + std::to_string(k) + "]" : "";
            if (std::abs(s - whole) > 1e-6 * std::max(1.0, whole))
                fail(where(i), "field 'delay'" + at + " = " + number_text(d.values[k]) + " (" + number_text(ms) +
                                   " ms) is not a whole number of steps of dt = " + number_text(dt_) + " ms");
            if (whole < 1.0)
                fail(where(i), "field 'delay'" + at + " = " + number_text(d.values[k]) +
                                   " is shorter than one step; spark delays by 1 step or more");
            steps.emplace_back(whole);
            longest = std::max(longest, whole);
        }
        const bool uniform = std::all_of(steps.begin(), steps.end(), [&](const Value& v) { return v == steps.front(); });
        out.network.add(m.spark_name, "n_delays",
                        {{"max_delay", longest * dt_}, {"delays", uniform ? steps.front() : Value(steps)}});
        m.kind = PayloadKind::spikes;
        m.output = m.spark_name + ".out_spikes";
        m.input = m.spark_name + ".in_spikes";
    }

    // ---- wires ----

    // The node whose output a node's output is (following Flatten and nested boundaries).
    std::size_t producer(std::size_t i) const {
        while (mapped_[i].passthrough) {
            if (sources_[i].size() != 1)
                fail(where(i), "must have exactly one input edge, has " + std::to_string(sources_[i].size()));
            i = sources_[i].front();
        }
        return i;
    }

    // Whether node `to` feeds on `from` only through a wire that closes a cycle (depth-first order).
    void find_back_edges() {
        std::vector<int> state(nodes_.size(), 0);  // 0 new, 1 on the stack, 2 done
        std::function<void(std::size_t)> visit = [&](std::size_t i) {
            state[i] = 1;
            for (std::size_t t : targets_[i]) {
                if (state[t] == 1) back_edges_.insert({i, t});
                else if (state[t] == 0) visit(t);
            }
            state[i] = 2;
        };
        for (std::size_t i = 0; i < nodes_.size(); ++i)
            if (nodes_[i].node->type == "Input" && state[i] == 0) visit(i);
        for (std::size_t i = 0; i < nodes_.size(); ++i)
            if (state[i] == 0) visit(i);
    }

    // Whether `target` adds its inputs as currents only (a soma's current, or several sources summed).
    bool needs_current(std::size_t target) const {
        const std::string& type = nodes_[target].node->type;
        const bool soma = (type == "LIF" || type == "IF") && !fed_by_current_.count(target);
        return soma || sources_[target].size() > 1;
    }

    void add_wires(NetworkFile& out) {
        find_back_edges();
        auto& net = out.network;
        for (std::size_t e = 0; e < edges_.size(); ++e) {
            const auto [from_node, to] = edges_[e];
            if (mapped_[to].passthrough) continue;  // wired from its consumer through producer()
            const std::size_t from = producer(from_node);
            const Mapped& src = mapped_[from];
            const std::string& type = nodes_[to].node->type;
            if (type == "Output") {
                if (nodes_[from].node->type == "Input")
                    fail(where(to), "is fed directly by Input '" + nodes_[from].name + "': nothing to compute");
                net.output(mapped_[to].spark_name, src.output);
                continue;
            }
            std::string target = mapped_[to].input;
            if (type == "Delay" && src.kind != PayloadKind::spikes)
                fail(where(to), "delays " + std::string(to_string(src.kind)) + " from '" + nodes_[from].name +
                                    "': spark delays spikes only");
            // A soma sums currents, and several sources of one input are summed only as currents:
            // other payloads pass a scale of 1 that makes them currents.
            if (src.kind != PayloadKind::current && needs_current(to)) {
                const std::string adapter = unique(mapped_[to].spark_name + "_from_" + mapped_[from].spark_name);
                net.add(adapter, "scale", {{"scale", 1.0}});
                net.connect(adapter + ".output", target);
                target = adapter + ".input";
            }
            const bool back = back_edges_.count({from_node, to}) > 0;
            if (nodes_[from].node->type == "Input") {
                if (back) fail(where(to), "closes a cycle through Input '" + nodes_[from].name + "'");
                net.input(src.spark_name, target);
            } else {
                net.connect(src.output, target, back ? std::optional(graph::Latency::previous_step) : std::nullopt);
            }
        }
    }

    ImportOptions options_;
    std::string source_;
    double dt_ = 1.0;
    std::vector<FlatNode> nodes_;
    std::vector<bool> nested_;
    std::map<std::string, std::size_t> index_;
    std::map<std::string, const nir::Graph*> subgraphs_;
    std::vector<std::pair<std::string, std::string>> raw_edges_;
    std::vector<std::pair<std::size_t, std::size_t>> edges_;
    std::vector<std::vector<std::size_t>> sources_, targets_;
    std::vector<Mapped> mapped_;
    std::map<std::size_t, std::optional<nir_detail::Unrolled>> unrolled_;
    std::set<std::size_t> fed_by_current_;  // CubaLI(F) membranes
    std::map<std::size_t, bool> checked_;   // node whose input shape has been checked
    std::set<std::pair<std::size_t, std::size_t>> back_edges_;
    std::set<std::string> used_names_;
    std::vector<std::string> warnings_;
};

}  // namespace

NetworkFile load_nir_file(const std::filesystem::path& path, const ImportOptions& options) {
    const nir::File file = nir::read_file(path, path.string());
    return Importer(file, options, path.string()).run();
}

}  // namespace spark::serialization
