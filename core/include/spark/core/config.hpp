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
// A Param field's initializer can be reached by path: "kernel.scale", "kernel.density" (or Spark's
// "kernel__scale"). A Param given as a map names its initializer ({initializer: "uniform", scale: 2});
// a map without a name updates the initializer the field already holds.
#include <iterator>
#include <optional>
#include <span>
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
[[noreturn]] void throw_unknown(const ConfigWhere& where, std::string_view key, const Value& value,
                                const std::vector<std::string>& known);

// Spark writes nested keys as `kernel__scale`; both that and `kernel.scale` are accepted.
inline std::string dotted_path(std::string_view path) {
    std::string out;
    out.reserve(path.size());
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (path[i] == '_' && i + 1 < path.size() && path[i + 1] == '_') {
            out += '.';
            ++i;
        } else {
            out += path[i];
        }
    }
    return out;
}

// Every config has exactly one metadata row per reflected field (checked at compile time by count
// and at the first use by name).
template <class Config>
constexpr void check_meta_count() {
    static_assert(std::size(Config::meta) == decltype(boost::hana::length(boost::hana::accessors<Config>()))::value,
                  "a config's `meta` table needs exactly one FieldMeta row per field listed in BOOST_HANA_ADAPT_STRUCT");
}

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

// Whether Config has a field called `name`.
template <class Config>
bool has_field(std::string_view name) {
    bool found = false;
    boost::hana::for_each(boost::hana::accessors<Config>(), [&](auto pair) {
        found = found || name == boost::hana::to<const char*>(boost::hana::first(pair));
    });
    return found;
}

// Sets the field named by `path` from `value`. The path is a field name ("potential_tau") or a field
// name and one initializer setting of a Param field ("kernel.scale", or Spark's "kernel__scale").
// Throws ConfigError for an unknown field (naming the closest field names), a value of the wrong type
// or a malformed initializer. Bounds are checked by validate().
template <class Config>
void apply_override(Config& config, std::string_view path, const Value& value, const ConfigWhere& where) {
    config_detail::check_meta_count<Config>();
    const std::string dotted = config_detail::dotted_path(path);
    const auto dot = dotted.find('.');
    const std::string_view head = std::string_view(dotted).substr(0, dot);
    const std::string_view sub = dot == std::string::npos ? std::string_view{} : std::string_view(dotted).substr(dot + 1);
    bool found = false;
    boost::hana::for_each(boost::hana::accessors<Config>(), [&](auto pair) {
        if (found || head != boost::hana::to<const char*>(boost::hana::first(pair))) return;
        found = true;
        config_detail::assign(boost::hana::second(pair)(config), sub, value, where,
                              config_detail::meta_of(Config::meta, head));
    });
    if (!found) config_detail::throw_unknown(where, head, value, field_names<Config>());
}

// Spark's shared key (`_s_units`): sets `path` if Config has its head field and returns true; a config
// without such a field ignores it and returns false.
template <class Config>
bool apply_shared_override(Config& config, std::string_view path, const Value& value, const ConfigWhere& where) {
    const std::string dotted = config_detail::dotted_path(path);
    if (!has_field<Config>(std::string_view(dotted).substr(0, dotted.find('.')))) return false;
    apply_override(config, dotted, value, where);
    return true;
}

// Checks every field against its metadata; throws ConfigError naming the first violation.
template <class Config>
void validate(const Config& config, const ConfigWhere& where) {
    config_detail::check_meta_count<Config>();
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
