#pragma once
// Component configs: the generic operations on a config whose parameters are declared with
// SPARK_PARAM (param_decl.hpp): applying overrides by path, validating, listing, and writing the
// config back as a Value. None of them names a field: they walk the declarations.
//
// A Param field's initializer can be reached by path: "kernel.scale", "kernel.density" (or Spark's
// "kernel__scale"). A Param given as a map names its initializer ({initializer: "uniform", scale: 2});
// a map without a name updates the initializer the field already holds.
#include <algorithm>
#include <array>
#include <cstddef>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <spark/core/error.hpp>
#include <spark/core/param.hpp>
#include <spark/core/param_decl.hpp>
#include <spark/core/payload.hpp>
#include <spark/core/text.hpp>
#include <spark/core/value.hpp>

namespace spark {

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

// The declarations of Config in order: its groups' (recursively), then its own. fn(Field{}) for each,
// where Field::meta is the FieldMeta and Field::member the pointer to the member.
template <class Config, class Fn>
constexpr void for_each_declaration(Fn&& fn) {
    using namespace params_detail;
    if constexpr (requires { typename Config::spark_param_groups; })
        [&]<class... Groups>(List<Groups...>) {
            (for_each_declaration<Groups>(fn), ...);
        }(typename Config::spark_param_groups{});
    if constexpr (std::is_same_v<typename Config::spark_params_self, Config>)
        [&]<class... Fields>(List<Fields...>) {
            (fn(Fields{}), ...);
        }(decltype(Config::spark_params_list(Rank<max_params>{})){});
}

template <class Config>
constexpr std::size_t declaration_count() {
    std::size_t n = 0;
    for_each_declaration<Config>([&](auto) { ++n; });
    return n;
}

template <class Config>
constexpr auto declaration_table() {
    std::array<FieldMeta, declaration_count<Config>()> table{};
    std::size_t i = 0;
    for_each_declaration<Config>([&](auto field) { table[i++] = decltype(field)::meta; });
    return table;
}

template <std::size_t N>
constexpr bool unique_names(const std::array<FieldMeta, N>& table) {
    for (std::size_t i = 0; i < N; ++i)
        for (std::size_t j = i + 1; j < N; ++j)
            if (table[i].name == table[j].name) return false;
    return true;
}

}  // namespace config_detail

// The metadata of every parameter of Config, in declaration order (groups first).
template <class Config>
inline constexpr auto param_table = [] {
    static_assert(requires { typename Config::spark_params_self; },
                  "a config declares its parameters with SPARK_PARAMS / SPARK_PARAM (param_decl.hpp)");
    static_assert(std::is_same_v<typename Config::spark_params_self, Config> ||
                      requires { typename Config::spark_param_groups; },
                  "a config declares its parameters with SPARK_PARAMS or composes groups with Params<...>");
    constexpr auto table = config_detail::declaration_table<Config>();
    static_assert(config_detail::unique_names(table), "two parameters of one config have the same name");
    return table;
}();

// Calls fn(const FieldMeta&, field) for every parameter of `config` (const or not), in order.
template <class C, class Fn>
void for_each_field(C& config, Fn&& fn) {
    using Config = std::remove_const_t<C>;
    (void)param_table<Config>;  // the compile-time checks
    config_detail::for_each_declaration<Config>(
        [&](auto field) { fn(decltype(field)::meta, config.*decltype(field)::member); });
}

// The metadata of `field`, a member of `config` (found by address). Throws InternalError for
// anything else: a component materialises only its own parameters.
template <class Config, class T>
const FieldMeta& meta_of(const Config& config, const T& field) {
    const FieldMeta* found = nullptr;
    for_each_field(config, [&](const FieldMeta& m, const auto& member) {
        if constexpr (std::is_same_v<std::remove_cvref_t<decltype(member)>, T>)
            if (&member == &field) found = &m;
    });
    if (!found) throw InternalError("a value that is not a parameter of its config was used as one");
    return *found;
}

// Whether the declared parameters are every member of Config: laid end to end, each at the next
// offset its alignment allows, they fill the struct. A member written without SPARK_PARAM (never
// reflected: not settable from a file, not listed, not saved) or a base group left out of Params<...>
// leaves a gap. For tests: one call per config type.
template <class Config>
bool declares_every_member() {
    const Config config{};
    const auto* start = reinterpret_cast<const std::byte*>(&config);
    std::size_t end = 0;
    bool tiled = true;
    for_each_field(config, [&](const FieldMeta&, const auto& member) {
        const auto offset = static_cast<std::size_t>(reinterpret_cast<const std::byte*>(&member) - start);
        const std::size_t align = alignof(std::remove_cvref_t<decltype(member)>);
        tiled = tiled && offset == (end + align - 1) / align * align;
        end = offset + sizeof(member);
    });
    if (end == 0) return std::is_empty_v<Config>;
    return tiled && (end + alignof(Config) - 1) / alignof(Config) * alignof(Config) == sizeof(Config);
}

// The names of a config's fields, in declaration order.
template <class Config>
std::vector<std::string> field_names() {
    std::vector<std::string> names;
    for (const FieldMeta& m : param_table<Config>) names.emplace_back(m.name);
    return names;
}

// Whether Config has a field called `name`.
template <class Config>
bool has_field(std::string_view name) {
    for (const FieldMeta& m : param_table<Config>)
        if (m.name == name) return true;
    return false;
}

// Sets the field named by `path` from `value`. The path is a field name ("potential_tau") or a field
// name and one initializer setting of a Param field ("kernel.scale", or Spark's "kernel__scale").
// Throws ConfigError for an unknown field (naming the closest field names), a value of the wrong type
// or a malformed initializer. Bounds are checked by validate().
template <class Config>
void apply_override(Config& config, std::string_view path, const Value& value, const ConfigWhere& where) {
    const std::string dotted = config_detail::dotted_path(path);
    const auto dot = dotted.find('.');
    const std::string_view head = std::string_view(dotted).substr(0, dot);
    const std::string_view sub = dot == std::string::npos ? std::string_view{} : std::string_view(dotted).substr(dot + 1);
    bool found = false;
    for_each_field(config, [&](const FieldMeta& m, auto& field) {
        if (found || head != m.name) return;
        found = true;
        config_detail::assign(field, sub, value, where, m);
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
    for_each_field(config, [&](const FieldMeta& m, const auto& field) { config_detail::check(field, where, m); });
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
    for_each_field(config, [&](const FieldMeta& m, const auto& field) {
        map.emplace_back(std::string(m.name), config_detail::to_value(field));
    });
    return Value(std::move(map));
}

// The parameter table of a config (defaults from a default-constructed Config).
template <class Config>
std::vector<FieldInfo> describe_fields() {
    std::vector<FieldInfo> rows;
    const Config defaults{};
    for_each_field(defaults, [&](const FieldMeta& m, const auto& field) {
        rows.push_back(FieldInfo{std::string(m.name), config_detail::type_name(field), config_detail::to_value(field),
                                 std::string(m.units), m.bound, std::string(m.description), m.required});
    });
    return rows;
}

}  // namespace spark
