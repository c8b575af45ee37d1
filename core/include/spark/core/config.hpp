#pragma once
// Component configs: one plain struct per component, reflected with Boost.Hana, plus one metadata
// table per field (units, bound, description). The reflection drives every generic operation:
// applying overrides by path, validating, listing, and writing the config back as a Value.
//
// @code
//   struct LeakySomaConfig {
//       Param potential_rest = -60.0;   // [mV]
//       Param potential_tau = 20.0;     // [ms]
//       static constexpr FieldMeta meta[] = {
//           {"potential_rest", "mV", Bound::none, "Membrane rest potential."},
//           {"potential_tau", "ms", Bound::positive, "Membrane time constant."}};
//   };
//   BOOST_HANA_ADAPT_STRUCT(LeakySomaConfig, potential_rest, potential_tau);
// @endcode
// Field types: Param, double, bool, std::size_t, std::string, Shape, std::optional<Shape>,
// std::vector<double>, std::vector<std::size_t>, std::optional<std::vector<std::size_t>>.
// A Param field's initializer can be reached by path: "kernel.scale", "kernel.density".
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/hana/accessors.hpp>
#include <boost/hana/adapt_struct.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/pair.hpp>
#include <boost/hana/string.hpp>

#include <spark/core/error.hpp>
#include <spark/core/param.hpp>
#include <spark/core/payload.hpp>
#include <spark/core/text.hpp>
#include <spark/core/value.hpp>

namespace spark {

struct FieldMeta {
    std::string_view name;
    std::string_view units;
    Bound bound = Bound::none;
    std::string_view description;
    bool required = false;  // must be given (e.g. `units` of a synapse group outside a neuron)
};

// One row of a component's parameter table, as listed by `spark list`.
struct FieldInfo {
    std::string name;
    std::string type;           // "param", "number", "bool", "integer", "shape", ...
    Value default_value;
    std::string units;
    Bound bound = Bound::none;
    std::string description;
    bool required = false;
};

// Where a config lives, for messages: "LeakySoma 'pool.soma'".
struct ConfigWhere {
    std::string_view component;  // class name
    std::string_view instance;
};

namespace config_detail {

[[noreturn]] void throw_error(const ConfigWhere& where, std::string_view field, const Value& value,
                              std::string_view units, std::string rule);

// Assigns a Value (at an optional sub-path) to one typed field.
void assign(Param& field, std::string_view sub, const Value& v, const ConfigWhere& w, const FieldMeta& m);
void assign(double& field, std::string_view sub, const Value& v, const ConfigWhere& w, const FieldMeta& m);
void assign(bool& field, std::string_view sub, const Value& v, const ConfigWhere& w, const FieldMeta& m);
void assign(std::size_t& field, std::string_view sub, const Value& v, const ConfigWhere& w, const FieldMeta& m);
void assign(std::string& field, std::string_view sub, const Value& v, const ConfigWhere& w, const FieldMeta& m);
void assign(Shape& field, std::string_view sub, const Value& v, const ConfigWhere& w, const FieldMeta& m);
void assign(std::optional<Shape>& field, std::string_view sub, const Value& v, const ConfigWhere& w,
            const FieldMeta& m);
void assign(std::vector<double>& field, std::string_view sub, const Value& v, const ConfigWhere& w,
            const FieldMeta& m);
void assign(std::vector<std::size_t>& field, std::string_view sub, const Value& v, const ConfigWhere& w,
            const FieldMeta& m);
void assign(std::optional<std::vector<std::size_t>>& field, std::string_view sub, const Value& v,
            const ConfigWhere& w, const FieldMeta& m);

// Checks one field against its bound (scalars and arrays; initializers are checked when drawn).
void check(const Param& f, const ConfigWhere& w, const FieldMeta& m);
void check(double f, const ConfigWhere& w, const FieldMeta& m);
void check(const std::vector<double>& f, const ConfigWhere& w, const FieldMeta& m);
void check(const Shape& f, const ConfigWhere& w, const FieldMeta& m);
void check(const std::optional<Shape>& f, const ConfigWhere& w, const FieldMeta& m);
template <class T>
void check(const T&, const ConfigWhere&, const FieldMeta&) {}

Value to_value(const Param& f);
Value to_value(double f);
Value to_value(bool f);
Value to_value(std::size_t f);
Value to_value(const std::string& f);
Value to_value(const Shape& f);
Value to_value(const std::optional<Shape>& f);
Value to_value(const std::vector<double>& f);
Value to_value(const std::vector<std::size_t>& f);
Value to_value(const std::optional<std::vector<std::size_t>>& f);

std::string type_name(const Param&);
std::string type_name(double);
std::string type_name(bool);
std::string type_name(std::size_t);
std::string type_name(const std::string&);
std::string type_name(const Shape&);
std::string type_name(const std::optional<Shape>&);
std::string type_name(const std::vector<double>&);
std::string type_name(const std::vector<std::size_t>&);
std::string type_name(const std::optional<std::vector<std::size_t>>&);

const FieldMeta& meta_of(std::span<const FieldMeta> table, std::string_view name);
[[noreturn]] void throw_unknown(const ConfigWhere& where, std::string_view key,
                                const std::vector<std::string>& known);

}  // namespace config_detail

// The names of a config's fields, in declaration order.
template <class Config>
std::vector<std::string> field_names() {
    std::vector<std::string> names;
    boost::hana::for_each(boost::hana::accessors<Config>(), [&](auto pair) {
        names.emplace_back(boost::hana::to<const char*>(boost::hana::first(pair)));
    });
    return names;
}

// Sets the field named by `path` ("potential_tau", "kernel.scale") from `value`.
template <class Config>
void apply_override(Config& config, std::string_view path, const Value& value, const ConfigWhere& where) {
    const auto dot = path.find('.');
    const std::string_view head = path.substr(0, dot);
    const std::string_view sub = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
    bool found = false;
    boost::hana::for_each(boost::hana::accessors<Config>(), [&](auto pair) {
        if (found || head != boost::hana::to<const char*>(boost::hana::first(pair))) return;
        found = true;
        config_detail::assign(boost::hana::second(pair)(config), sub, value, where,
                              config_detail::meta_of(Config::meta, head));
    });
    if (!found) config_detail::throw_unknown(where, head, field_names<Config>());
}

// Checks every field against its metadata; throws ConfigError naming the first violation.
template <class Config>
void validate(const Config& config, const ConfigWhere& where) {
    boost::hana::for_each(boost::hana::accessors<Config>(), [&](auto pair) {
        const char* name = boost::hana::to<const char*>(boost::hana::first(pair));
        config_detail::check(boost::hana::second(pair)(config), where, config_detail::meta_of(Config::meta, name));
    });
}

// A Config from its defaults plus overrides, validated.
template <class Config>
Config make_config(const Overrides& overrides, const ConfigWhere& where) {
    Config config{};
    for (const auto& o : overrides) apply_override(config, o.path, o.value, where);
    validate(config, where);
    return config;
}

// Every field as a Value map.
template <class Config>
Value to_value(const Config& config) {
    Value::Map map;
    boost::hana::for_each(boost::hana::accessors<Config>(), [&](auto pair) {
        map.emplace_back(boost::hana::to<const char*>(boost::hana::first(pair)),
                         config_detail::to_value(boost::hana::second(pair)(config)));
    });
    return Value(std::move(map));
}

// The parameter table of a config (defaults from a default-constructed Config).
template <class Config>
std::vector<FieldInfo> describe_fields() {
    std::vector<FieldInfo> rows;
    const Config defaults{};
    boost::hana::for_each(boost::hana::accessors<Config>(), [&](auto pair) {
        const char* name = boost::hana::to<const char*>(boost::hana::first(pair));
        const auto& field = boost::hana::second(pair)(defaults);
        const FieldMeta& m = config_detail::meta_of(Config::meta, name);
        rows.push_back(FieldInfo{name, config_detail::type_name(field), config_detail::to_value(field),
                                 std::string(m.units), m.bound, std::string(m.description), m.required});
    });
    return rows;
}

}  // namespace spark
