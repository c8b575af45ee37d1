// Conversions between the C++ network description and the spark.v1 messages.
#include "convert.hpp"

#include <cmath>
#include <optional>
#include <set>

#include <spark/core/error.hpp>
#include <spark/core/text.hpp>
#include <spark/serialization/network_file.hpp>

namespace spark::serialization::detail {

namespace {

constexpr double kMaxWhole = 9007199254740992.0;  // 2^53: every whole number below is exact in a double

// ---------------------------------------------------------------------------------------------
// Values

Value value_from_fields(const pb::ValueProto& m, const Locator& where, const std::string& what);

Value initializer_from(const pb::InitializerProto& p) {
    Value::Map map;
    if (!p.kind().empty()) map.emplace_back("initializer", Value(p.kind()));
    if (p.has_scale()) map.emplace_back("scale", Value(p.scale()));
    if (p.has_min_value()) map.emplace_back("min_value", Value(p.min_value()));
    if (p.has_max_value()) map.emplace_back("max_value", Value(p.max_value()));
    if (p.has_density()) map.emplace_back("density", Value(p.density()));
    if (p.norm_axes_size() > 0) {
        Value::List axes;
        for (auto a : p.norm_axes()) axes.emplace_back(static_cast<double>(a));
        map.emplace_back("norm_axes", Value(std::move(axes)));
    }
    return Value(std::move(map));
}

// The value fields shared by ParamProto, TemplateParameterProto and ValueProto; nullopt when none is set.
template <class M>
std::optional<Value> value_of(const M& m, const Locator& where, const std::string& what) {
    const int kinds = static_cast<int>(m.value_case() != M::VALUE_NOT_SET) + static_cast<int>(m.numbers_size() > 0) +
                      static_cast<int>(m.shape_size() > 0);
    if (kinds > 1)
        where.fail(what + " has more than one value; give exactly one of number, flag, text, numbers, shape, "
                          "initializer, list, map or none");
    if (m.numbers_size() > 0) {
        Value::List list;
        for (double x : m.numbers()) list.emplace_back(x);
        return Value(std::move(list));
    }
    if (m.shape_size() > 0) {
        Value::List list;
        for (auto x : m.shape()) {
            if (static_cast<double>(x) >= kMaxWhole) where.fail("shape", -1, what + ": " + std::to_string(x) + " is too large");
            list.emplace_back(static_cast<double>(x));
        }
        return Value(std::move(list));
    }
    switch (m.value_case()) {
        case M::kNumber: return Value(m.number());
        case M::kFlag: return Value(m.flag());
        case M::kText: return Value(m.text());
        case M::kInitializer: return initializer_from(m.initializer());
        case M::kList: {
            Value::List list;
            const Locator list_where = where.nested("list");
            for (int i = 0; i < m.list().item_size(); ++i)
                list.push_back(value_from_fields(m.list().item(i), list_where.nested("item", i),
                                                 what + " item " + std::to_string(i)));
            return Value(std::move(list));
        }
        case M::kMap: {
            Value::Map map;
            const Locator map_where = where.nested("map");
            std::set<std::string> keys;
            for (int i = 0; i < m.map().entry_size(); ++i) {
                const auto& e = m.map().entry(i);
                const Locator entry_where = map_where.nested("entry", i);
                if (!keys.insert(e.key()).second)
                    entry_where.fail("key", -1, what + ": map key '" + e.key() + "' appears twice");
                map.emplace_back(e.key(), value_from_fields(e.value(), entry_where.nested("value"),
                                                            what + " entry '" + e.key() + "'"));
            }
            return Value(std::move(map));
        }
        case M::kNone:
            if (!m.none()) where.fail("none", -1, what + ": `none` can only be true (an explicit null)");
            return Value();
        case M::VALUE_NOT_SET: break;
    }
    return std::nullopt;
}

Value value_from_fields(const pb::ValueProto& m, const Locator& where, const std::string& what) {
    auto v = value_of(m, where, what);
    if (!v) where.fail(what + " has no value");
    return *v;
}

bool whole(double x) { return x >= 0 && x < kMaxWhole && std::floor(x) == x; }

bool shape_hint(std::string_view hint) {
    return hint == "units" || (hint.size() >= 5 && hint.substr(hint.size() - 5) == "shape");
}

// A map in the form Param::to_value writes initializers in: known keys, in order, of the right types.
bool initializer_form(const Value::Map& map) {
    static const std::vector<std::string_view> keys{"initializer", "scale", "min_value", "max_value", "density",
                                                    "norm_axes"};
    if (map.empty()) return false;
    std::size_t next = 0;
    for (const auto& [key, value] : map) {
        while (next < keys.size() && keys[next] != key) ++next;
        if (next == keys.size()) return false;
        if (key == "initializer" && !value.is_string()) return false;
        if (key == "norm_axes") {
            if (!value.is_list() || value.as_list().empty()) return false;
            for (const auto& a : value.as_list())
                if (!a.is_number() || !whole(a.as_number())) return false;
        } else if (key != "initializer" && !value.is_number()) {
            return false;
        }
        ++next;
    }
    return true;
}

template <class M>
void value_fields_to(const Value& v, std::string_view hint, M* m);

void item_to(const Value& v, pb::ValueProto* m) { value_fields_to(v, {}, m); }

template <class M>
void value_fields_to(const Value& v, std::string_view hint, M* m) {
    if (v.is_null()) {
        m->set_none(true);
    } else if (v.is_bool()) {
        m->set_flag(v.as_bool());
    } else if (v.is_number()) {
        m->set_number(v.as_number());
    } else if (v.is_string()) {
        m->set_text(v.as_string());
    } else if (v.is_list()) {
        const auto& list = v.as_list();
        bool numbers = !list.empty(), wholes = !list.empty();
        for (const auto& x : list) {
            numbers = numbers && x.is_number();
            wholes = wholes && x.is_number() && whole(x.as_number());
        }
        if (wholes && shape_hint(hint)) {
            for (const auto& x : list) m->add_shape(static_cast<std::uint64_t>(x.as_number()));
        } else if (numbers) {
            for (const auto& x : list) m->add_numbers(x.as_number());
        } else {
            auto* out = m->mutable_list();
            for (const auto& x : list) item_to(x, out->add_item());
        }
    } else if (initializer_form(v.as_map())) {
        auto* init = m->mutable_initializer();
        for (const auto& [key, value] : v.as_map()) {
            if (key == "initializer") init->set_kind(value.as_string());
            else if (key == "scale") init->set_scale(value.as_number());
            else if (key == "min_value") init->set_min_value(value.as_number());
            else if (key == "max_value") init->set_max_value(value.as_number());
            else if (key == "density") init->set_density(value.as_number());
            else
                for (const auto& a : value.as_list()) init->add_norm_axes(static_cast<std::uint64_t>(a.as_number()));
        }
    } else {
        auto* out = m->mutable_map();
        for (const auto& [key, value] : v.as_map()) {
            auto* e = out->add_entry();
            e->set_key(key);
            item_to(value, e->mutable_value());
        }
    }
}

std::string last_segment(std::string_view path) {
    const auto dot = path.rfind('.');
    return std::string(dot == std::string_view::npos ? path : path.substr(dot + 1));
}

// ---------------------------------------------------------------------------------------------
// Networks

std::optional<graph::Latency> latency_from(pb::Latency l, const Locator& where, std::string_view field) {
    switch (l) {
        case pb::LATENCY_UNSPECIFIED: return std::nullopt;
        case pb::SAME_STEP: return graph::Latency::same_step;
        case pb::PREVIOUS_STEP: return graph::Latency::previous_step;
        default: break;
    }
    where.fail(field, -1, "unknown latency " + std::to_string(static_cast<int>(l)) + "; expected SAME_STEP or PREVIOUS_STEP");
}

pb::Latency latency_to(graph::Latency l) { return l == graph::Latency::same_step ? pb::SAME_STEP : pb::PREVIOUS_STEP; }

template <class P>
Value param_value(const P& p, const Locator& where, const std::string& what) {
    auto v = value_of(p, where, what);
    if (!v) where.fail(what + " has no value (give number, flag, text, numbers, shape, initializer, list, map or none)");
    return *v;
}

// Calls `f`, turning a spark::Error into a problem at `field` of `where`.
template <class F>
void at(const Locator& where, std::string_view field, F&& f) {
    try {
        f();
    } catch (const NetworkFileError&) {
        throw;
    } catch (const Error& e) {
        where.fail(field, -1, e.what());
    }
}

// The network inputs of a file or template body; a top-level input may carry the spec its values will
// have (top->input_specs), a template body's inputs get theirs from the neuron's wires.
template <class M>
void inputs_from(const M& m, graph::Network& net, const Locator& where, Description* top) {
    for (int i = 0; i < m.input_size(); ++i) {
        const auto& in = m.input(i);
        const Locator iw = where.nested("input", i);
        if (in.name().empty()) iw.fail("a network input needs a name");
        if (in.to().empty() && !in.has_spec())
            iw.fail("input '" + in.name() + "' needs `to` (\"node.port\") or a `spec`");
        if (!in.to().empty()) {
            at(iw, "to", [&] { net.input(in.name(), in.to()); });
            if (top) top->lines.inputs.push_back(iw.line());
        }
        if (!in.has_spec()) continue;
        if (!top)
            iw.fail("spec", -1,
                    "input '" + in.name() + "' of a template body cannot have a spec: the neuron's wires give it");
        PortSpec spec = spec_from(in.spec(), iw.nested("spec"));
        auto [it, fresh] = top->input_specs.emplace(in.name(), spec);
        if (!fresh && (!(it->second == spec) || it->second.mask != spec.mask))
            iw.fail("spec", -1,
                    "input '" + in.name() + "' has two different specs: " + it->second.to_string() + " and " +
                        spec.to_string());
    }
}

template <class M>
void network_from(const M& m, graph::Network& net, const Locator& where, Description* top) {
    if (auto l = latency_from(m.default_latency(), where, "default_latency")) net.default_latency = *l;
    for (int i = 0; i < m.node_size(); ++i) {
        const auto& n = m.node(i);
        const Locator nw = where.nested("node", i);
        if (n.name().empty()) nw.fail("a node needs a name");
        if (n.type().empty())
            nw.fail("node '" + n.name() + "' needs a type (a component such as \"leaky_soma\" or a neuron template)");
        Overrides config;
        for (int j = 0; j < n.param_size(); ++j) {
            const auto& p = n.param(j);
            const Locator pw = nw.nested("param", j);
            if (p.path().empty()) pw.fail("node '" + n.name() + "': a param needs a path (a field such as \"units\")");
            config.push_back({p.path(), param_value(p, pw, "node '" + n.name() + "' param '" + p.path() + "'")});
        }
        net.add(n.name(), n.type(), std::move(config));
        if (top) top->lines.nodes.push_back(nw.line());
    }
    for (int i = 0; i < m.set_everywhere_size(); ++i) {
        const auto& p = m.set_everywhere(i);
        const Locator pw = where.nested("set_everywhere", i);
        std::string path = p.path();
        if (path.rfind("*.", 0) == 0) path = path.substr(2);
        if (path.empty()) pw.fail("set_everywhere needs a path (a field such as \"units\")");
        net.everywhere.push_back({path, param_value(p, pw, "set_everywhere '" + path + "'")});
        if (top) top->lines.everywhere.push_back(pw.line());
    }
    for (int i = 0; i < m.param_size(); ++i) {
        const auto& p = m.param(i);
        const Locator pw = where.nested("param", i);
        Value v = param_value(p, pw, "param '" + p.path() + "'");
        const std::size_t everywhere = net.everywhere.size();
        at(pw, "path", [&] { net.set(p.path(), std::move(v)); });
        if (top && net.everywhere.size() > everywhere) top->lines.everywhere.push_back(pw.line());
    }
    for (int i = 0; i < m.wire_size(); ++i) {
        const auto& w = m.wire(i);
        const Locator ww = where.nested("wire", i);
        if (w.from().empty()) ww.fail("a wire needs `from` (\"node.port\")");
        if (w.to().empty()) ww.fail("a wire needs `to` (\"node.port\")");
        const auto latency = latency_from(w.latency(), ww, "latency");
        at(ww, "from", [&] { graph::parse_endpoint(w.from()); });
        at(ww, "to", [&] { net.connect(w.from(), w.to(), latency); });
        if (top) top->lines.wires.push_back(ww.line());
    }
    inputs_from(m, net, where, top);
    for (int i = 0; i < m.output_size(); ++i) {
        const auto& out = m.output(i);
        const Locator ow = where.nested("output", i);
        if (out.name().empty()) ow.fail("a network output needs a name");
        if (out.from().empty()) ow.fail("output '" + out.name() + "' needs `from` (\"node.port\")");
        at(ow, "from", [&] { net.output(out.name(), out.from()); });
        if (top) top->lines.outputs.push_back(ow.line());
    }
    for (int i = 0; i < m.effect_size(); ++i) {
        const auto& e = m.effect(i);
        const Locator ew = where.nested("effect", i);
        if (e.target().empty() || e.source().empty())
            ew.fail("an effect needs `target` and `source` (\"node.port\")");
        at(ew, "target", [&] { graph::parse_endpoint(e.target()); });
        at(ew, "source", [&] { net.effect(e.target(), e.source()); });
        if (top) top->lines.effects.push_back(ew.line());
    }
}

template <class M>
void network_to(const graph::Network& net, graph::Latency default_latency, M* m) {
    if (net.default_latency != default_latency) m->set_default_latency(latency_to(net.default_latency));
    for (const auto& n : net.nodes) {
        auto* node = m->add_node();
        node->set_name(n.name);
        node->set_type(n.type);
        for (const auto& o : n.config) {
            auto* p = node->add_param();
            p->set_path(o.path);
            value_fields_to(o.value, last_segment(o.path), p);
        }
    }
    for (const auto& o : net.everywhere) {
        auto* p = m->add_set_everywhere();
        p->set_path(o.path);
        value_fields_to(o.value, last_segment(o.path), p);
    }
    for (const auto& w : net.wires) {
        auto* wire = m->add_wire();
        wire->set_from(w.from.to_string());
        wire->set_to(w.to.to_string());
        if (w.latency) wire->set_latency(latency_to(*w.latency));
    }
    for (const auto& in : net.inputs) {
        auto* row = m->add_input();
        row->set_name(in.name);
        row->set_to(in.to.to_string());
    }
    for (const auto& out : net.outputs) {
        auto* row = m->add_output();
        row->set_name(out.name);
        row->set_from(out.from.to_string());
    }
    for (const auto& e : net.effects) {
        auto* row = m->add_effect();
        row->set_target(e.target.to_string());
        row->set_source(e.source.to_string());
    }
}

}  // namespace

// -------------------------------------------------------------------------------------------------
// Locator

Locator::Locator(std::string source, const ParseInfoTree* tree, const google::protobuf::Descriptor* descriptor)
    : source_(std::move(source)), tree_(tree), descriptor_(descriptor) {}

Locator Locator::nested(std::string_view field, int index) const {
    Locator child(source_, nullptr, nullptr);
    child.line_ = line_;
    child.column_ = column_;
    const auto* fd = descriptor_ ? descriptor_->FindFieldByName(std::string(field)) : nullptr;
    if (!fd) return child;
    child.descriptor_ = fd->message_type();
    if (!tree_) return child;
    const auto loc = tree_->GetLocation(fd, index);
    if (loc.line >= 0) {
        child.line_ = loc.line;
        child.column_ = loc.column;
    }
    child.tree_ = tree_->GetTreeForNested(fd, index);
    return child;
}

void Locator::fail(std::string_view field, int index, const std::string& message) const {
    int line = line_, column = column_;
    if (tree_ && descriptor_ && !field.empty())
        if (const auto* fd = descriptor_->FindFieldByName(std::string(field))) {
            const auto loc = tree_->GetLocation(fd, fd->is_repeated() ? std::max(index, 0) : -1);
            if (loc.line >= 0) {
                line = loc.line;
                column = loc.column;
            }
        }
    throw NetworkFileError(source_, line + 1, column + 1, message);
}

// -------------------------------------------------------------------------------------------------
// Values and specs

Value value_from(const pb::ParamProto& p, const Locator& where) {
    return param_value(p, where, "param '" + p.path() + "'");
}

void value_to(const Value& value, std::string_view name_hint, pb::ParamProto* p) {
    value_fields_to(value, name_hint, p);
}

pb::DType dtype_to(DType dtype) {
    switch (dtype) {
        case DType::f32: return pb::F32;
        case DType::i32: return pb::I32;
        case DType::u8: return pb::U8;
        case DType::u16: return pb::U16;
        case DType::u64: return pb::U64;
    }
    return pb::DTYPE_UNSPECIFIED;
}

bool dtype_from(pb::DType dtype, DType& out) {
    switch (dtype) {
        case pb::F32: out = DType::f32; return true;
        case pb::I32: out = DType::i32; return true;
        case pb::U8: out = DType::u8; return true;
        case pb::U16: out = DType::u16; return true;
        case pb::U64: out = DType::u64; return true;
        default: return false;
    }
}

PortSpec spec_from(const pb::PortSpecProto& p, const Locator& where) {
    PayloadKind kind{};
    switch (p.kind()) {
        case pb::SPIKE_ARRAY: kind = PayloadKind::spikes; break;
        case pb::CURRENT_ARRAY: kind = PayloadKind::current; break;
        case pb::POTENTIAL_ARRAY: kind = PayloadKind::potential; break;
        case pb::FLOAT_ARRAY: kind = PayloadKind::floating; break;
        case pb::INTEGER_ARRAY: kind = PayloadKind::integer; break;
        case pb::BOOLEAN_MASK: kind = PayloadKind::boolean_mask; break;
        default:
            where.fail("kind", -1,
                       "a spec needs a payload kind: SPIKE_ARRAY, CURRENT_ARRAY, POTENTIAL_ARRAY, FLOAT_ARRAY, "
                       "INTEGER_ARRAY or BOOLEAN_MASK");
    }
    if (p.shape_size() == 0) where.fail("shape", -1, "a spec needs a shape, e.g. shape: [64]");
    std::vector<std::size_t> dims;
    for (auto d : p.shape()) {
        if (d == 0 || d >= (std::uint64_t{1} << 40))
            where.fail("shape", -1, "shape dimension " + std::to_string(d) + " must be in [1, 2^40)");
        dims.push_back(static_cast<std::size_t>(d));
    }
    PortSpec spec(kind, Shape(std::move(dims)), p.per_synapse());
    if (p.dtype() != pb::DTYPE_UNSPECIFIED && !dtype_from(p.dtype(), spec.dtype))
        where.fail("dtype", -1, "unknown dtype " + std::to_string(static_cast<int>(p.dtype())));
    if (p.mask_size() > 0) {
        if (static_cast<std::size_t>(p.mask_size()) != spec.size())
            where.fail("mask", -1,
                       "the mask has " + std::to_string(p.mask_size()) + " values; expected one per element (" +
                           std::to_string(spec.size()) + ")");
        for (auto b : p.mask()) {
            if (b > 255) where.fail("mask", -1, "mask value " + std::to_string(b) + " must be a byte (0..255)");
            spec.mask.push_back(static_cast<std::uint8_t>(b));
        }
    }
    return spec;
}

void spec_to(const PortSpec& spec, pb::PortSpecProto* p) {
    switch (spec.kind) {
        case PayloadKind::spikes: p->set_kind(pb::SPIKE_ARRAY); break;
        case PayloadKind::current: p->set_kind(pb::CURRENT_ARRAY); break;
        case PayloadKind::potential: p->set_kind(pb::POTENTIAL_ARRAY); break;
        case PayloadKind::floating: p->set_kind(pb::FLOAT_ARRAY); break;
        case PayloadKind::integer: p->set_kind(pb::INTEGER_ARRAY); break;
        case PayloadKind::boolean_mask: p->set_kind(pb::BOOLEAN_MASK); break;
    }
    for (auto d : spec.shape.dims()) p->add_shape(d);
    if (spec.dtype != element_type(spec.kind)) p->set_dtype(dtype_to(spec.dtype));
    p->set_per_synapse(spec.per_synapse);
    for (auto b : spec.mask) p->add_mask(b);
}

// -------------------------------------------------------------------------------------------------
// Descriptions

Description description_from(const pb::NetworkFileProto& proto, const Locator& where) {
    Description d;
    if (proto.format_version() > network_format_version)
        where.fail("format_version", -1,
                   "format_version " + std::to_string(proto.format_version()) + " is newer than this build reads (" +
                       std::to_string(network_format_version) + ")");
    std::map<std::string, int> template_lines;
    for (int i = 0; i < proto.template__size(); ++i) {
        const auto& tp = proto.template_(i);
        const Locator tw = where.nested("template", i);
        if (tp.name().empty()) tw.fail("a template needs a name");
        if (auto [it, fresh] = template_lines.emplace(tp.name(), tw.line()); !fresh)
            tw.fail("name", -1,
                    "template '" + tp.name() + "' is defined twice (first at line " + std::to_string(it->second) + ")");
        graph::NeuronTemplate t;
        t.name = tp.name();
        t.description = tp.description();
        std::set<std::string> names;
        for (int j = 0; j < tp.parameter_size(); ++j) {
            const auto& p = tp.parameter(j);
            const Locator pw = tw.nested("parameter", j);
            if (p.name().empty()) pw.fail("template '" + t.name + "': a parameter needs a name");
            if (!names.insert(p.name()).second)
                pw.fail("name", -1, "template '" + t.name + "': parameter '" + p.name() + "' is declared twice");
            auto v = value_of(p, pw, "template '" + t.name + "' parameter '" + p.name() + "'");
            t.parameters.emplace_back(p.name(), v ? std::move(*v) : Value());
        }
        network_from(tp.body(), t.body, tw.nested("body"), nullptr);
        d.templates.push_back(std::move(t));
    }
    d.network.seed = proto.has_seed() ? proto.seed() : 0;
    d.network.dt = proto.has_dt() ? proto.dt() : 1.0;
    network_from(proto, d.network, where, &d);
    return d;
}

void template_to(const graph::NeuronTemplate& t, pb::TemplateProto* proto) {
    proto->set_name(t.name);
    proto->set_description(t.description);
    for (const auto& [name, value] : t.parameters) {
        auto* p = proto->add_parameter();
        p->set_name(name);
        if (!value.is_null()) value_fields_to(value, name, p);
    }
    network_to(t.body, graph::Latency::same_step, proto->mutable_body());
}

void description_to(const graph::Network& network, const std::map<std::string, PortSpec>& input_specs,
                    const std::vector<graph::NeuronTemplate>& templates, pb::NetworkFileProto* proto) {
    proto->set_format_version(network_format_version);
    proto->set_seed(network.seed);
    proto->set_dt(network.dt);
    for (const auto& t : templates) template_to(t, proto->add_template_());
    network_to(network, graph::Latency::previous_step, proto);
    // Each spec goes on the first row of its input, or on a row of its own.
    std::set<std::string> done;
    for (int i = 0; i < proto->input_size(); ++i) {
        auto* row = proto->mutable_input(i);
        auto it = input_specs.find(row->name());
        if (it == input_specs.end() || !done.insert(row->name()).second) continue;
        spec_to(it->second, row->mutable_spec());
    }
    for (const auto& [name, spec] : input_specs) {
        if (done.count(name)) continue;
        auto* row = proto->add_input();
        row->set_name(name);
        spec_to(spec, row->mutable_spec());
    }
}

}  // namespace spark::serialization::detail
