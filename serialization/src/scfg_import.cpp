// Spark .scfg files -> NetworkFile (mapping: shared/spec/scfg.md). The JSON tree is walked with an
// explicit dispatch on its tags so that every refusal names the module path and the field.
#include <spark/serialization/scfg.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include <nlohmann/json.hpp>

#include <spark/components/builtin.hpp>
#include <spark/core/text.hpp>

#include "xz.hpp"

namespace spark::serialization {

namespace {

using Json = nlohmann::ordered_json;

// ---------------------------------------------------------------------------------------------
// What spark does differently from Spark 1.0, per component type (scfg.md section 4).

struct TypeNote {
    std::string_view type;
    std::string_view note;
    std::string_view only_if_true = {};  // a flag field the difference depends on (empty: always)
};
constexpr TypeNote type_notes[] = {
    {"izhikevich_soma", "spark integrates the absolute potential (design decision 1): the dynamics differ"},
    {"refractory_leaky_soma", "refractory counters saturate instead of wrapping (design decision 3)"},
    {"strict_refractory_leaky_soma", "refractory counters saturate instead of wrapping (design decision 3)"},
    {"adaptive_leaky_soma", "refractory counters saturate instead of wrapping (design decision 3)"},
    {"refractory_exponential_soma", "refractory counters saturate instead of wrapping (design decision 3)"},
    {"simplified_adaptive_exponential_soma", "refractory counters saturate instead of wrapping (design decision 3)"},
    {"n_delays", "a delay of max_delay steps is a real delay (Spark aliased it to 0) and the output is not "
                 "per-synapse (design decision 2)"},
    {"n2n_delays", "a delay of max_delay steps is a real delay (Spark aliased it to 0, about 1/(B+1) of the "
                   "drawn delays; design decision 2)"},
    {"exponential_integrator", "the shuffle permutation comes from spark's random stream", "shuffle"},
    {"sampler", "the sample comes from spark's random stream"},
};

// Fields Spark has and spark lacks (spark uses the default): anything else is refused.
struct FixedField {
    std::string_view type, field;
    double value;
};
constexpr FixedField fixed_fields[] = {
    {"rfs_traced_synapses", "scale_rise", 1}, {"rfs_traced_synapses", "base_rise", 0},
    {"rfs_traced_synapses", "scale_fast_decay", 1}, {"rfs_traced_synapses", "base_fast_decay", 0},
    {"rfs_traced_synapses", "scale_slow_decay", 1}, {"rfs_traced_synapses", "base_slow_decay", 0},
};

constexpr std::string_view initializer_keys[] = {"scale", "min_value", "max_value", "density", "norm_axes"};

// The tensor rule's setting that reproduces Spark 1.0's typing of every presynaptic unit as excitatory.
constexpr std::string_view tensor_rule_spark_typing = "all_pre_excitatory";

bool valid_node_name(const std::string& name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '_';
    });
}

std::string in_quotes(const std::string& s) { return "\"" + s + "\""; }

// One module (or the brain/neuron itself) being read: its path for messages ("brain/A/synapses").
struct Where {
    std::string path;
    Where operator/(const std::string& child) const { return {path + "/" + child}; }
};

// A wire end as Spark writes it (PortMap).
struct PortMap {
    std::string origin, port;
    bool is_property = false;
};

// A module as Spark writes it (ModuleSpecs).
struct ModuleSpecs {
    std::string name, type;
    bool is_neuron = false;
    const Json* config = nullptr;
    std::vector<std::pair<std::string, std::vector<PortMap>>> inputs;
    std::vector<std::pair<std::string, std::string>> outputs;
    std::vector<std::pair<std::string, std::vector<PortMap>>> effects;
};

class Importer {
public:
    Importer(std::string source, const ImportOptions& options) : source_(std::move(source)), options_(options) {}

    NetworkFile import(const Json& document);

private:
    [[noreturn]] void fail(const std::string& message) const { throw ScfgError(source_, message); }
    [[noreturn]] void fail(const Where& where, const std::string& message) const {
        fail(where.path + ": " + message);
    }

    // Document and tags
    const Json& unwrap(const Json& document) const;
    const Json& member(const Json& object, const std::string& key, const Where& where) const;
    const Json& tagged_data(const Json& value, std::string_view tag, const Where& where) const;
    PortMap port_map(const Json& value, const Where& where) const;
    std::vector<PortMap> port_maps(const Json& value, const Where& where) const;
    ModuleSpecs module_specs(const Json& value, const Where& where) const;
    std::vector<ModuleSpecs> modules_of(const Json& config, const Where& where) const;
    void refuse_old_formats(const Json& config, const Where& where) const;

    // Values
    Value value_of(const Json& value, const Where& where, const std::string& field) const;
    Value array_value(const Json& value, const Where& where, const std::string& field) const;
    Value initializer_value(const Json& value, const Where& where, const std::string& field) const;
    std::string component_type(const ModuleSpecs& m, const Where& where) const;
    Overrides component_fields(const ModuleSpecs& m, const std::string& type, const Where& where, bool in_neuron);
    bool special_field(const std::string& key, const Json& value, const std::string& type, const Where& where,
                       bool in_neuron);
    double brain_dt(const Json& config, const Where& where) const;

    // Structure
    void import_brain(const Json& config, NetworkFile& file);
    void add_component(const ModuleSpecs& m, const Where& where, graph::Network& network, bool in_neuron,
                       const std::string& module_name);
    void add_neuron(const ModuleSpecs& m, const Where& where, graph::Network& network);
    graph::NeuronTemplate neuron_template(const std::string& name, const Json& config, const Where& where,
                                          Overrides& instance_fields);
    void wire_inputs(const ModuleSpecs& m, const Where& where, graph::Network& network, bool in_neuron,
                     const std::string& mask_node);
    void add_effects(const ModuleSpecs& m, const Where& where, graph::Network& network, bool in_neuron);
    std::string shared_template(graph::NeuronTemplate t, const Where& where);
    void set_input_specs(NetworkFile& file, const Json& config);
    PortSpec carried_spec(const Json& value, const Where& where) const;
    void note_type(const std::string& type, const Json& config, const Where& where);
    void add_summary_warnings(NetworkFile& file) const;

    std::string source_;
    const ImportOptions& options_;
    double dt_ = 1.0;
    std::vector<graph::NeuronTemplate> templates_;  // the file's own templates, in order of first use
    std::vector<std::string> warnings_;
    std::set<std::string> noted_;                    // template inner paths already warned about
    std::vector<std::string> non_float32_, seeded_;  // module paths with a dtype / a seed
};

// ---------------------------------------------------------------------------------------------
// Document and tags

const Json& Importer::unwrap(const Json& document) const {
    if (document.is_string()) fail("a Spark 0.1 prototype file (JSON inside a string); not supported");
    if (!document.is_object() || (!document.contains("__type__") && !document.contains("__version__")))
        fail("not a Spark configuration (no \"__type__\" at the top)");
    if (!document.contains("__version__")) return document;
    const Json& version = document["__version__"];
    if (!version.is_string() || version.get<std::string>() != "1.0")
        fail("configuration format version " + version.dump() + "; spark reads 1.0");
    if (!document.contains("__data__") || !document["__data__"].is_object())
        fail("the version wrapper holds no \"__data__\" object");
    return document["__data__"];
}

const Json& Importer::member(const Json& object, const std::string& key, const Where& where) const {
    if (!object.is_object()) fail(where, "expected a JSON object, found " + std::string(object.type_name()));
    auto it = object.find(key);
    if (it == object.end()) fail(where, "has no \"" + key + "\"");
    if (it->is_null()) fail(where, key + " is null (an unfinished graph-editor session?)");
    return *it;
}

const Json& Importer::tagged_data(const Json& value, std::string_view tag, const Where& where) const {
    const Json& type = member(value, "__type__", where);
    if (!type.is_string() || type.get<std::string>() != tag)
        fail(where, "expected a \"" + std::string(tag) + "\", found " + type.dump());
    const Json& data = member(value, "__data__", where);
    if (!data.is_object()) fail(where, "the \"" + std::string(tag) + "\" holds no object");
    return data;
}

PortMap Importer::port_map(const Json& value, const Where& where) const {
    const Json& data = tagged_data(value, "port_map", where);
    const Json& origin = member(data, "origin", where);
    const Json& port = member(data, "port", where);
    if (!origin.is_string() || !port.is_string()) fail(where, "a port map's origin and port must be text");
    PortMap p{origin.get<std::string>(), port.get<std::string>(), false};
    if (auto it = data.find("is_property"); it != data.end() && !it->is_null()) {
        if (!it->is_boolean()) fail(where, "is_property must be true or false, found " + it->dump());
        p.is_property = it->get<bool>();
    }
    return p;
}

std::vector<PortMap> Importer::port_maps(const Json& value, const Where& where) const {
    if (!value.is_array()) fail(where, "expected a list of port maps, found " + std::string(value.type_name()));
    std::vector<PortMap> maps;
    for (const auto& v : value) maps.push_back(port_map(v, where));
    return maps;
}

ModuleSpecs Importer::module_specs(const Json& value, const Where& parent) const {
    const Json& data = tagged_data(value, "module_specs", parent);
    const Json& name = member(data, "name", parent);
    if (!name.is_string()) fail(parent, "a module name must be text, found " + name.dump());
    ModuleSpecs m;
    m.name = name.get<std::string>();
    if (!valid_node_name(m.name))
        fail(parent, "module name " + in_quotes(m.name) + " is not a valid spark node name (letters, digits, '_')");
    const Where where = parent / m.name;
    const Json& cls = member(data, "module_cls", where);
    const Json& type = member(cls, "__module_type__", where);
    if (!type.is_string()) fail(where, "module_cls.__module_type__ must be text, found " + type.dump());
    m.type = type.get<std::string>();
    const std::string registry = cls.value("__subregistry__", std::string("MODULES"));
    if (registry == "NEURONS" || registry == "Neurons") m.is_neuron = true;
    else if (registry != "MODULES" && registry != "Components" && registry != "Interfaces")
        fail(where, "module_cls.__subregistry__ " + in_quotes(registry) + " is not MODULES or NEURONS");
    m.config = &member(data, "config", where);
    if (!m.config->is_object()) fail(where, "config must be a JSON object");
    const Json inputs = data.value("inputs", Json::object()), outputs = data.value("outputs", Json::object()),
               effects = data.value("effects", Json::object());
    for (const auto* part : {&inputs, &outputs, &effects})
        if (!part->is_object() && !part->is_null()) fail(where, "inputs, outputs and effects must be JSON objects");
    for (const auto& [port, maps] : inputs.items()) m.inputs.emplace_back(port, port_maps(maps, where));
    for (const auto& [name_, port] : outputs.items()) {
        if (!port.is_string()) fail(where, "output " + in_quotes(name_) + " must name a port, found " + port.dump());
        m.outputs.emplace_back(name_, port.get<std::string>());
    }
    for (const auto& [property, maps] : effects.items())
        m.effects.emplace_back(property, port_maps(maps, where));
    return m;
}

std::vector<ModuleSpecs> Importer::modules_of(const Json& config, const Where& where) const {
    const Json& specs = member(config, "modules_specs", where);
    if (!specs.is_array()) fail(where, "modules_specs must be a list");
    std::vector<ModuleSpecs> modules;
    std::set<std::string> names;
    for (const auto& s : specs) {
        modules.push_back(module_specs(s, where));
        if (!names.insert(modules.back().name).second)
            fail(where, "two modules are called " + in_quotes(modules.back().name));
    }
    return modules;
}

void Importer::refuse_old_formats(const Json& config, const Where& where) const {
    for (const char* key : {"input_map", "output_map", "modules_map"})
        if (config.contains(key))
            fail(where, "a Spark 0.x file (Brain with input_map/modules_map); open it in Spark 1.0's graph editor "
                        "and export it again");
}

// ---------------------------------------------------------------------------------------------
// Values

Value Importer::value_of(const Json& value, const Where& where, const std::string& field) const {
    if (value.is_boolean()) return Value(value.get<bool>());
    if (value.is_number()) return Value(value.get<double>());
    if (value.is_string()) return Value(value.get<std::string>());
    if (value.is_array()) {
        Value::List list;
        for (const auto& v : value) {
            if (!v.is_number()) fail(where, field + " = " + value.dump() + " is not supported (a list of numbers "
                                                                           "was expected)");
            list.emplace_back(v.get<double>());
        }
        return Value(std::move(list));
    }
    if (value.is_object() && value.contains("__type__") && value["__type__"].is_string()) {
        const std::string tag = value["__type__"].get<std::string>();
        if (tag == "jax_array" || tag == "numpy_array" || tag == "array") return array_value(value, where, field);
        if (tag.size() > 7 && tag.ends_with("_config")) return initializer_value(value, where, field);
    }
    fail(where, field + " = " + value.dump().substr(0, 80) + " is not a value spark can take");
}

// Arrays: 0-d -> a number, n-d -> the numbers flattened in C order.
Value Importer::array_value(const Json& value, const Where& where, const std::string& field) const {
    const Json& shape = member(value, "shape", where);
    const Json& data = member(value, "data", where);
    std::size_t count = 1;
    if (!shape.is_array()) fail(where, field + ": an array's shape must be a list");
    for (const auto& d : shape) {
        if (!d.is_number_unsigned()) fail(where, field + ": an array's shape must hold counts, found " + shape.dump());
        count *= d.get<std::size_t>();
    }
    Value::List flat;
    constexpr int max_rank = 32;  // deeper nesting is no array a config holds (and would exhaust the stack)
    std::function<void(const Json&, int)> flatten = [&](const Json& v, int rank) {
        if (v.is_array()) {
            if (rank >= max_rank) fail(where, field + ": an array nested more than " + std::to_string(max_rank) + " deep");
            for (const auto& x : v) flatten(x, rank + 1);
        } else if (v.is_number() || v.is_boolean()) {
            flat.emplace_back(v.is_boolean() ? (v.get<bool>() ? 1.0 : 0.0) : v.get<double>());
        } else {
            fail(where, field + ": an array holds " + v.dump().substr(0, 40) + ", not a number");
        }
    };
    flatten(data, 0);
    if (flat.size() != count)
        fail(where, field + ": an array of shape " + shape.dump() + " holds " + std::to_string(flat.size()) + " values");
    if (shape.empty()) return flat.front();
    return Value(std::move(flat));
}

// {"__type__": "<kind>_config", "__cfg__": {...}} -> spark's initializer map (nulls and dtype dropped).
Value Importer::initializer_value(const Json& value, const Where& where, const std::string& field) const {
    const std::string kind = value["__type__"].get<std::string>();
    const std::string name = kind.substr(0, kind.size() - 7);
    if (!name.ends_with("_initializer"))
        fail(where, field + " holds a " + in_quotes(kind) + ", which is not an initializer configuration");
    const Json& config = member(value, "__cfg__", where / field);
    Value::Map map{{"initializer", Value(name)}};
    for (std::string_view key : initializer_keys) {
        auto it = config.find(std::string(key));
        if (it == config.end() || it->is_null()) continue;
        Value v = value_of(*it, where, field + "." + std::string(key));
        if (!(v.is_number() || (key == "norm_axes" && v.is_list())))
            fail(where, field + "." + std::string(key) + " = " + it->dump() + " is not a number");
        map.emplace_back(std::string(key), std::move(v));
    }
    return Value(std::move(map));
}

std::string Importer::component_type(const ModuleSpecs& m, const Where& where) const {
    // Spark's development branch merged the tensor rule into quadruplet_rule (4-tuples, max_clip, eta).
    if (m.type == "quadruplet_rule" && (m.config->contains("max_clip") || m.config->contains("eta")))
        return "quadruplet_rule_tensor";
    if (!components::builtin_registry().find(m.type))
        fail(where, "module " + in_quotes(m.name) + " is a " + in_quotes(m.type) +
                        ", which spark does not have (spark list shows the components)");
    return m.type;
}

double Importer::brain_dt(const Json& config, const Where& where) const {
    auto it = config.find("dt");
    if (it == config.end() || it->is_null()) return 1.0;
    if (!it->is_number() || !(it->get<double>() > 0) || !std::isfinite(it->get<double>()))
        fail(where, "dt = " + it->dump() + " must be a positive number [ms]");
    return it->get<double>();
}

// The bookkeeping fields every Spark config has (seed, dtype, dt, a neuron's units): true when `key` was
// one of them and is dealt with.
bool Importer::special_field(const std::string& key, const Json& value, const std::string& type, const Where& where,
                             bool in_neuron) {
    if (key.starts_with("__")) return true;  // delimiters, metadata, editor positions, class references
    if (key == "seed") {
        if (!value.is_null()) seeded_.push_back(where.path);
        return true;
    }
    if (key == "dtype") {
        const bool f32 = value.is_object() && value.value("name", std::string()) == "float32";
        if (!value.is_null() && !f32) non_float32_.push_back(where.path);
        return true;
    }
    if (key == "dt") {
        if (!value.is_null() && (!value.is_number() || value.get<double>() != dt_))
            fail(where, "dt " + value.dump() + " differs from the brain's dt " + format_number(dt_));
        return true;
    }
    if (key == "units" && in_neuron) return true;  // the neuron's units reach every inner node
    for (const auto& f : fixed_fields) {
        if (f.type != type || f.field != key) continue;
        if (!value.is_null() && !(value.is_number() && value.get<double>() == f.value))
            fail(where, "(" + type + "): " + key + " = " + value.dump() + " is not supported (spark uses " +
                            format_number(f.value) + ")");
        return true;
    }
    return false;
}

Overrides Importer::component_fields(const ModuleSpecs& m, const std::string& type, const Where& where,
                                     bool in_neuron) {
    const ComponentInfo& info = *components::builtin_registry().find(type);
    Overrides fields;
    for (const auto& [key, value] : m.config->items()) {
        if (special_field(key, value, type, where, in_neuron)) continue;
        const std::string& name = key;  // a lambda cannot capture a structured binding (clang 14)
        auto f = std::find_if(info.fields.begin(), info.fields.end(), [&](const FieldInfo& fi) { return fi.name == name; });
        if (f == info.fields.end()) {
            warnings_.push_back(where.path + " (" + type + "): field " + in_quotes(key) + " skipped (spark's " + type +
                                " has no such field)");
            continue;
        }
        if (value.is_null()) {
            if (f->required) fail(where, key + " is null (an unfinished graph-editor session?)");
            continue;  // spark's default
        }
        fields.push_back({key, value_of(value, where, key)});
    }
    if (type == "quadruplet_rule_tensor") fields.push_back({std::string(tensor_rule_spark_typing), Value(true)});
    return fields;
}

// ---------------------------------------------------------------------------------------------
// Structure

void Importer::note_type(const std::string& type, const Json& config, const Where& where) {
    if (type == "quadruplet_rule_tensor")
        warnings_.push_back(where.path + " (quadruplet_rule_tensor): every presynaptic unit is typed excitatory, as "
                                         "in Spark 1.0 (set " + std::string(tensor_rule_spark_typing) +
                            ": true; spark's default types synapses by the real inhibition masks, design decision 5)");
    for (const auto& n : type_notes) {
        if (n.type != type) continue;
        if (!n.only_if_true.empty()) {
            auto it = config.find(std::string(n.only_if_true));
            if (it == config.end() || !it->is_boolean() || !it->get<bool>()) continue;
        }
        warnings_.push_back(where.path + " (" + type + "): " + std::string(n.note));
    }
}

// `module_name` names the module in warnings about its type: the brain path, or "<template>/<node>" for a
// neuron's inner module (said once for all instances).
void Importer::add_component(const ModuleSpecs& m, const Where& where, graph::Network& network, bool in_neuron,
                             const std::string& module_name) {
    const std::string type = component_type(m, where);
    network.add(m.name, type, component_fields(m, type, where, in_neuron));
    if (noted_.insert(module_name).second) note_type(type, *m.config, {module_name});
}

// A wire end "origin.port"; `__call__` ends are inputs of the network (or the neuron), the neuron's own
// inhibition mask is read from `mask_node`.
void Importer::wire_inputs(const ModuleSpecs& m, const Where& where, graph::Network& network, bool in_neuron,
                           const std::string& mask_node) {
    for (const auto& [port, maps] : m.inputs) {
        const std::string to = m.name + "." + port;
        for (const auto& p : maps) {
            if (p.origin == "__call__") {
                network.input(p.port, to);
            } else if (p.origin == "__self__") {
                if (!in_neuron || p.port != "inhibition_mask")
                    fail(where, in_quotes(to) + " reads the " + (in_neuron ? "neuron's" : "brain's") + " own property " +
                                    in_quotes(p.port) + (in_neuron ? "; spark neurons export only inhibition_mask"
                                                                : "; Spark brains have none"));
                network.connect(mask_node + ".mask", to);
            } else {
                if (!network.find(p.origin))
                    fail(where, in_quotes(to) + " reads from " + in_quotes(p.origin + "." + p.port) + ", but there is no module " +
                                    in_quotes(p.origin));
                network.connect(p.origin + "." + p.port, to);
            }
        }
        if (maps.size() > 1 && port == "current")
            warnings_.push_back(where.path + ": " + std::to_string(maps.size()) + " current sources on " + in_quotes(port) +
                                " are summed by spark (Spark concatenated them)");
    }
}

void Importer::add_effects(const ModuleSpecs& m, const Where& where, graph::Network& network, bool in_neuron) {
    for (const auto& [property, maps] : m.effects) {
        if (maps.empty()) continue;
        if (maps.size() > 1)
            warnings_.push_back(where.path + ": effect on " + in_quotes(property) + " uses its first source only, as "
                                                                                 "Spark did; " +
                                std::to_string(maps.size() - 1) + " more ignored");
        if (!in_neuron)
            warnings_.push_back(where.path + ": the brain-level effect on " + in_quotes(property) +
                                " runs in spark (Spark 1.0 could not run brain-level effects)");
        network.effect(m.name + "." + property, maps.front().origin + "." + maps.front().port);
    }
}

// A neuron's body -> a template named `name`; `instance_fields` receives every inner field by path.
graph::NeuronTemplate Importer::neuron_template(const std::string& name, const Json& config, const Where& where,
                                                Overrides& instance_fields) {
    refuse_old_formats(config, where);
    for (const char* slot : {"soma", "synapses", "delays", "learning_rule"})
        if (config.contains(slot) && !config.contains("modules_specs"))
            fail(where, "a Spark 0.x neuron (fixed soma/synapses/delays/learning_rule slots); open it in Spark 1.0's "
                        "graph editor and export it again");
    if (!config.contains("modules_specs")) fail(where, "neuron (type " + in_quotes(name) + ") has no body in the file");
    const std::vector<ModuleSpecs> modules = modules_of(config, where);

    graph::NeuronTemplate t;
    t.name = name;
    t.description = "Imported from a Spark neuron configuration.";
    const auto reads_mask = [](const ModuleSpecs& m) {
        for (const auto& [port, maps] : m.inputs)
            for (const auto& p : maps)
                if (p.origin == "__self__") return true;
        return false;
    };
    std::string mask_node = "inhibition";
    while (std::any_of(modules.begin(), modules.end(), [&](const ModuleSpecs& m) { return m.name == mask_node; }))
        mask_node += "_mask";
    if (std::any_of(modules.begin(), modules.end(), reads_mask)) t.body.add(mask_node, "inhibition_mask");
    for (const auto& m : modules) {
        if (m.is_neuron)
            fail(where, "neuron " + in_quotes(where.path.substr(where.path.rfind('/') + 1)) + " contains another neuron (" +
                            in_quotes(m.name) + "); spark templates hold components only");
        add_component(m, where / m.name, t.body, true, name + "/" + m.name);
        for (auto& f : t.body.nodes.back().config) instance_fields.push_back({m.name + "." + f.path, f.value});
    }
    for (const auto& m : modules) wire_inputs(m, where / m.name, t.body, true, mask_node);
    for (const auto& m : modules) {
        for (const auto& [output, port] : m.outputs) t.body.output(output, m.name + "." + port);
        add_effects(m, where / m.name, t.body, true);
    }
    Value rate(0.2);
    if (auto it = config.find("inhibitory_rate"); it != config.end() && !it->is_null()) {
        if (!it->is_number()) fail(where, "inhibitory_rate = " + it->dump() + " must be a number");
        rate = Value(it->get<double>());
    }
    t.parameters = {{"units", Value()}, {"inhibitory_rate", rate}};
    return t;
}

bool same_wiring(const graph::Network& a, const graph::Network& b) {
    auto nodes = [](const graph::Network& n) {
        std::vector<std::pair<std::string, std::string>> v;
        for (const auto& x : n.nodes) v.emplace_back(x.name, x.type);
        return v;
    };
    auto wires = [](const graph::Network& n) {
        std::vector<std::string> v;
        for (const auto& w : n.wires) v.push_back(w.from.to_string() + ">" + w.to.to_string());
        for (const auto& i : n.inputs) v.push_back(i.name + ">" + i.to.to_string());
        for (const auto& o : n.outputs) v.push_back(o.from.to_string() + ">" + o.name);
        for (const auto& e : n.effects) v.push_back(e.source.to_string() + "!" + e.target.to_string());
        return v;
    };
    return nodes(a) == nodes(b) && wires(a) == wires(b);
}

// Instances of one neuron type share one template (named after the type, "_scfg" appended to a built-in
// name); a template given with --templates of that name is used when it is wired the same. Returns the
// template's name.
std::string Importer::shared_template(graph::NeuronTemplate t, const Where& where) {
    for (const auto& given : options_.templates)
        if (given.name == t.name) {
            if (!same_wiring(given.body, t.body))
                fail(where, "the neuron type " + in_quotes(t.name) + " given with --templates is wired differently from "
                                                                  "the body embedded in this file");
            t = given;  // written with the network, so that the file stays self-contained
        }
    if (graph::builtin_templates().find(t.name)) t.name += "_scfg";
    for (const auto& own : templates_)
        if (own.name == t.name) {
            if (!same_wiring(own.body, t.body))
                fail(where, "two neurons of type " + in_quotes(t.name) + " are wired differently");
            return own.name;
        }
    templates_.push_back(std::move(t));
    return templates_.back().name;
}

// Whether `field` ("node.path") is set to the same value in the template body.
bool body_sets(const graph::Network& body, const Override& field) {
    const auto dot = field.path.find('.');
    const graph::NodeSpec* node = body.find(field.path.substr(0, dot));
    if (!node) return false;
    const std::string rest = field.path.substr(dot + 1);
    return std::any_of(node->config.begin(), node->config.end(),
                       [&](const Override& o) { return o.path == rest && o.value == field.value; });
}

void Importer::add_neuron(const ModuleSpecs& m, const Where& where, graph::Network& network) {
    Overrides inner;
    const std::string type = shared_template(neuron_template(m.type, *m.config, where, inner), where);
    const Json& units = member(*m.config, "units", where);
    Overrides fields{{"units", value_of(units, where, "units")}};
    if (!fields.front().value.is_list()) fail(where, "units = " + units.dump() + " must be a list (a shape)");
    if (auto it = m.config->find("inhibitory_rate"); it != m.config->end() && !it->is_null())
        fields.push_back({"inhibitory_rate", value_of(*it, where, "inhibitory_rate")});
    // Inner fields: those where this instance differs from the template (built from the first instance).
    const auto& body = std::find_if(templates_.begin(), templates_.end(), [&](const auto& t) { return t.name == type; })->body;
    for (auto& f : inner)
        if (!body_sets(body, f)) fields.push_back(std::move(f));
    for (const auto& key : {"seed", "dtype", "dt"})
        if (m.config->contains(key)) special_field(key, (*m.config)[key], m.type, where, true);
    network.add(m.name, type, std::move(fields));
}

// A port spec as Spark writes it in a config's metadata: {"__type__": "port_specs", "__data__":
// {payload_type: {"__payload_type__": "float_array"}, shape: [4], dtype, description}} (the tag and the
// payload wrapper optional). dtype is dropped: spark's payloads have one element type each.
PortSpec Importer::carried_spec(const Json& value, const Where& where) const {
    static constexpr std::pair<std::string_view, PayloadKind> payloads[] = {
        {"spike_array", PayloadKind::spikes},     {"current_array", PayloadKind::current},
        {"potential_array", PayloadKind::potential}, {"float_array", PayloadKind::floating},
        {"integer_array", PayloadKind::integer},  {"boolean_mask", PayloadKind::boolean_mask}};
    const Json& data = value.is_object() && value.contains("__data__") ? member(value, "__data__", where) : value;
    const Json* payload = &member(data, "payload_type", where);
    if (payload->is_object()) payload = &member(*payload, "__payload_type__", where);
    const auto kind = std::find_if(std::begin(payloads), std::end(payloads), [&](const auto& p) {
        return payload->is_string() && payload->get<std::string>() == p.first;
    });
    if (kind == std::end(payloads)) {
        std::vector<std::string> names;
        for (const auto& p : payloads) names.emplace_back(p.first);
        fail(where, "payload_type " + payload->dump().substr(0, 60) + " is not one of " + join(names));
    }
    const Json& shape = member(data, "shape", where);
    if (!shape.is_array() || shape.empty())
        fail(where, "shape = " + shape.dump().substr(0, 60) + " must be a list of sizes (a list of shapes, a variadic "
                                                             "input, is not supported)");
    std::vector<std::size_t> dims;
    double elements = 1;
    for (const auto& d : shape) {
        if (!d.is_number_unsigned() || d.get<std::uint64_t>() == 0)
            fail(where, "shape = " + shape.dump().substr(0, 60) + " must hold sizes of at least 1");
        elements *= static_cast<double>(d.get<std::uint64_t>());
        if (elements > static_cast<double>(scfg_max_input_elements))
            fail(where, "shape = " + shape.dump().substr(0, 60) + " has more than " +
                            std::to_string(scfg_max_input_elements) + " elements");
        dims.push_back(static_cast<std::size_t>(d.get<std::uint64_t>()));
    }
    return PortSpec(kind->second, Shape(std::move(dims)));
}

// The spec of every network input: --input NAME=... first, then what the file's metadata carries
// (__metadata__.input_specs, written by Spark's checkpoints), then --input '*=...'.
void Importer::set_input_specs(NetworkFile& file, const Json& config) {
    const Where where{"brain/__metadata__/input_specs"};
    const Json* carried = nullptr;
    if (auto m = config.find("__metadata__"); m != config.end() && m->is_object())
        if (auto it = m->find("input_specs"); it != m->end() && !it->is_null()) {
            if (!it->is_object()) fail(where, "expected an object of port specs by input name, found " +
                                                  std::string(it->type_name()));
            carried = &*it;
        }
    std::vector<std::string> missing;
    for (const auto& in : file.network.inputs) {
        if (file.input_specs.count(in.name)) continue;
        if (auto it = options_.input_specs.find(in.name); it != options_.input_specs.end())
            file.input_specs[in.name] = it->second;
        else if (carried && carried->contains(in.name))
            file.input_specs[in.name] = carried_spec((*carried)[in.name], where / in.name);
        else if (auto all = options_.input_specs.find("*"); all != options_.input_specs.end())
            file.input_specs[in.name] = all->second;
        else if (std::find(missing.begin(), missing.end(), in.name) == missing.end())
            missing.push_back(in.name);
    }
    if (carried)
        for (const auto& item : carried->items())
            if (std::none_of(file.network.inputs.begin(), file.network.inputs.end(),
                             [&](const auto& in) { return in.name == item.key(); }))
                warnings_.push_back(where.path + ": a spec for " + in_quotes(item.key()) +
                                    ", which is not an input of the brain, ignored");
    if (missing.empty()) return;
    std::vector<std::string> flags;
    for (const auto& name : missing) flags.push_back("--input " + name + "=KIND:SHAPE");
    fail("network input" + std::string(missing.size() > 1 ? "s " : " ") + in_quotes(join(missing, "\", \"")) +
         (missing.size() > 1 ? " have" : " has") + " no shape in the file (the graph editor's placeholder is not "
                                                   "the real one); give " + join(flags, " ") +
         " (e.g. --input " + missing.front() + "=float:4; --input '*=float:1' gives every other input)");
}

void Importer::import_brain(const Json& config, NetworkFile& file) {
    const Where where{"brain"};
    refuse_old_formats(config, where);
    dt_ = brain_dt(config, where);
    graph::Network& network = file.network;
    network.dt = dt_;
    if (auto it = config.find("seed"); it != config.end() && !it->is_null()) {
        if (!it->is_number_unsigned()) fail(where, "seed = " + it->dump() + " must be a whole number >= 0");
        network.seed = it->get<std::uint64_t>();
    }
    const std::vector<ModuleSpecs> modules = modules_of(config, where);
    for (const auto& m : modules) {
        if (m.is_neuron) add_neuron(m, where / m.name, network);
        else add_component(m, where / m.name, network, false, (where / m.name).path);
    }
    std::set<std::string> outputs;
    for (const auto& m : modules) {
        wire_inputs(m, where / m.name, network, false, "");
        for (const auto& [name, port] : m.outputs) {
            if (!outputs.insert(name).second) fail(where / m.name, "a second output called " + in_quotes(name));
            network.output(name, m.name + "." + port);
        }
        add_effects(m, where / m.name, network, false);
    }
}

// "a, b, c and 17 more"
std::string some_of(const std::vector<std::string>& paths) {
    constexpr std::size_t shown = 3;
    if (paths.size() <= shown) return join(paths);
    return join({paths.begin(), paths.begin() + shown}) + " and " + std::to_string(paths.size() - shown) + " more";
}

void Importer::add_summary_warnings(NetworkFile& file) const {
    if (!non_float32_.empty())
        file.warnings.push_back(some_of(non_float32_) + ": dtype float16 (or another non-float32) ignored; spark "
                                                        "computes in float32");
    if (!seeded_.empty())
        file.warnings.push_back(some_of(seeded_) + ": per-module seeds ignored; spark draws every node's kernels, "
                                                   "delays and masks from the network seed and the node path");
}

NetworkFile Importer::import(const Json& document) {
    const Json& top = unwrap(document);
    const Json& type_json = member(top, "__type__", {"(top)"});
    const std::string type = type_json.is_string() ? type_json.get<std::string>() : type_json.dump();
    if (type != "brain_config" && type != "neuron_config")
        fail("holds a single " + type + " configuration, not a network; spark imports brains and neurons");
    const Json& config = member(top, "__cfg__", {type});
    if (!config.is_object()) fail("the " + type + "'s \"__cfg__\" is not a JSON object");

    NetworkFile file;
    file.source_name = source_;
    graph::register_builtin_templates(file.templates);
    if (type == "brain_config") {
        import_brain(config, file);
        set_input_specs(file, config);
    } else {
        // A neuron file is named after the file (Spark registers it under a name the user gives).
        std::string name = std::filesystem::path(source_).stem().string();
        if (!valid_node_name(name)) name = "scfg_neuron";
        dt_ = brain_dt(config, {name});
        Overrides unused;
        templates_.push_back(neuron_template(name, config, {name}, unused));
        if (graph::builtin_templates().find(templates_.back().name)) templates_.back().name += "_scfg";
    }
    for (const auto& t : templates_) file.templates.add(t);
    file.own_templates = templates_;
    file.warnings = warnings_;
    add_summary_warnings(file);
    return file;
}

// ---------------------------------------------------------------------------------------------
// Bytes -> JSON

std::string json_text(std::string_view bytes, const std::string& source) {
    if (bytes.substr(0, detail::xz_magic.size()) == detail::xz_magic)
        return detail::xz_decompress(bytes, scfg_max_json_bytes, source);
    if (bytes.size() > scfg_max_json_bytes)
        throw ScfgError(source, "more than " + std::to_string(scfg_max_json_bytes >> 20) + " MiB of JSON; refusing");
    const auto first = bytes.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos || (bytes[first] != '{' && bytes[first] != '"'))
        throw ScfgError(source, "not a Spark configuration (neither XZ-compressed nor JSON)");
    return std::string(bytes);
}

Json parse_json(const std::string& text, const std::string& source) {
    try {
        return Json::parse(text);
    } catch (const Json::parse_error& e) {
        std::string what = e.what();
        if (auto colon = what.find("]: "); colon != std::string::npos) what = what.substr(colon + 3);
        const std::size_t at = std::min<std::size_t>(e.byte, text.size());
        const std::string around = text.substr(at > 12 ? at - 12 : 0, 24);
        if (around.find("NaN") != std::string::npos || around.find("Infinity") != std::string::npos)
            what += " (NaN/Infinity are not JSON: the file holds a non-finite value)";
        throw ScfgError(source, "JSON error at byte " + std::to_string(e.byte) + ": " + what);
    } catch (const Json::exception& e) {  // a number beyond double's range (out_of_range 406)
        std::string what = e.what();
        if (auto bracket = what.find("] "); bracket != std::string::npos) what = what.substr(bracket + 2);
        throw ScfgError(source, "JSON error: " + what + " (the file holds a number beyond the range of a double)");
    }
}

}  // namespace

NetworkFile import_scfg(std::string_view bytes, std::string_view source_name, const ImportOptions& options) {
    const std::string source(source_name);
    const Json document = parse_json(json_text(bytes, source), source);
    return Importer(source, options).import(document);
}

}  // namespace spark::serialization
