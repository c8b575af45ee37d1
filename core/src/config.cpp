#include <spark/core/config.hpp>

#include <cmath>

#include <spark/core/memory.hpp>

namespace spark::config_detail {

namespace {
std::string with_units(const Value& v, std::string_view units) {
    std::string text = v.to_string();
    if (!units.empty() && v.is_number()) text += " " + std::string(units);
    return text;
}

void no_sub(std::string_view sub, const ConfigWhere& w, const FieldMeta& m, const Value& v) {
    if (!sub.empty())
        throw_error(w, std::string(m.name) + "." + std::string(sub), v, "",
                    "is not a parameter (" + std::string(m.name) + " has no sub-fields)");
}

double number(const Value& v, const ConfigWhere& w, const FieldMeta& m, std::string_view field_path = {}) {
    if (!v.is_number())
        throw_error(w, field_path.empty() ? m.name : field_path, v, "", "must be a number");
    return v.as_number();
}

std::size_t count(const Value& v, const ConfigWhere& w, std::string_view field, bool allow_zero = true) {
    constexpr double largest = 9007199254740992.0;  // 2^53: every whole number below is exact
    if (!v.is_number() || v.as_number() < 0 || std::floor(v.as_number()) != v.as_number() ||
        v.as_number() > largest || (!allow_zero && v.as_number() == 0))
        throw_error(w, field, v, "", allow_zero ? "must be a whole number >= 0" : "must be a whole number > 0");
    return static_cast<std::size_t>(v.as_number());
}

std::vector<std::size_t> counts(const Value& v, const ConfigWhere& w, std::string_view field, bool allow_zero) {
    std::vector<std::size_t> out;
    if (v.is_number()) {
        out.push_back(count(v, w, field, allow_zero));
    } else if (v.is_list()) {
        for (const auto& e : v.as_list()) out.push_back(count(e, w, field, allow_zero));
    } else {
        throw_error(w, field, v, "", "must be a whole number or a list of whole numbers");
    }
    return out;
}

// A shape whose element count is exact (at most 2^53): the product of huge dims must not wrap.
Shape shape_of(const Value& v, const ConfigWhere& w, std::string_view field) {
    std::vector<std::size_t> dims = counts(v, w, field, false);
    if (!checked_element_count(dims))
        throw_error(w, field, v, "", "has more than 2^53 elements (the most spark can count)");
    return Shape(std::move(dims));
}

Value list_of(const std::vector<std::size_t>& values) {
    Value::List list;
    for (auto x : values) list.emplace_back(static_cast<double>(x));
    return Value(std::move(list));
}

ParamWhere param_where(const ConfigWhere& w, const FieldMeta& m) {
    return ParamWhere{w.component, w.instance, m.name, m.units};
}

// An initializer from its Value map. A map that does not name its initializer ("initializer" or
// "kind") updates `base`, the initializer the field already holds (Spark's `kernel={'scale': 2}`).
// `field` is the path used in messages ("kernel", or "kernel.blocks[1]" inside a block).
InitializerSpec initializer_from(const Value& v, const ConfigWhere& w, const FieldMeta& m,
                                 const InitializerSpec* base, const std::string& field, bool in_block = false) {
    static const std::vector<std::string> settings{"initializer", "scale",  "offset", "min_value", "max_value",
                                                   "density",     "norm_axes", "mean", "stddev",   "redraw",
                                                   "blocks"};
    const bool named = v.find("initializer") != nullptr || v.find("kind") != nullptr;
    if (!named && base == nullptr)
        throw_error(w, field, v, "",
                    "does not name its initializer (add initializer: one of " +
                        join(std::vector<std::string>(initializer_names().begin(), initializer_names().end())) + ")");
    InitializerSpec spec = named ? InitializerSpec{} : *base;
    for (const auto& [key, entry] : v.as_map()) {
        const std::string path = field + "." + key;
        if (key == "initializer" || key == "kind") {
            if (!entry.is_string()) throw_error(w, path, entry, "", "must be an initializer name");
            spec.kind = entry.as_string();
        } else if (key == "scale") {
            spec.scale = number(entry, w, m, path);
        } else if (key == "offset") {
            spec.offset = number(entry, w, m, path);
        } else if (key == "min_value") {
            if (entry.is_null()) spec.min_value.reset();
            else spec.min_value = number(entry, w, m, path);
        } else if (key == "max_value") {
            if (entry.is_null()) spec.max_value.reset();
            else spec.max_value = number(entry, w, m, path);
        } else if (key == "density") {
            spec.density = number(entry, w, m, path);
        } else if (key == "norm_axes") {
            spec.norm_axes = counts(entry, w, path, true);
        } else if (key == "mean") {
            spec.mean = number(entry, w, m, path);
        } else if (key == "stddev") {
            spec.stddev = number(entry, w, m, path);
        } else if (key == "redraw") {
            if (!entry.is_bool()) throw_error(w, path, entry, "", "must be true or false");
            spec.redraw = entry.as_bool();
        } else if (key == "size" && in_block) {
            continue;  // read by the caller
        } else if (key == "blocks") {
            if (!entry.is_list()) throw_error(w, path, entry, "", "must be a list of blocks ({size: N, initializer: ...})");
            spec.blocks.clear();
            for (std::size_t b = 0; b < entry.as_list().size(); ++b) {
                const Value& item = entry.as_list()[b];
                const std::string block_path = path + "[" + std::to_string(b) + "]";
                if (!item.is_map() || item.find("size") == nullptr)
                    throw_error(w, block_path, item, "", "must be a map with a size and an initializer");
                InitializerBlock block;
                block.size = count(*item.find("size"), w, block_path + ".size", false);
                block.spec = initializer_from(item, w, m, nullptr, block_path, true);
                spec.blocks.push_back(std::move(block));
            }
        } else {
            throw_error(w, path, entry, "",
                        "is not an initializer setting (did you mean " + join(closest_names(key, settings)) +
                            "?)");
        }
    }
    check_initializer(spec, ParamWhere{w.component, w.instance, field, m.units});
    spec.kind = std::string(*find_initializer(spec.kind));
    return spec;
}
}  // namespace

void throw_error(const ConfigWhere& where, std::string_view field, const Value& value, std::string_view units,
                 std::string rule) {
    throw ConfigError(std::string(where.component), std::string(where.instance), std::string(field),
                      value.is_null() ? std::string() : with_units(value, units), std::move(rule));
}

void throw_unknown(const ConfigWhere& where, std::string_view key, const std::vector<std::string>& known) {
    throw_unknown(where, key, Value(), known);
}

void throw_unknown(const ConfigWhere& where, std::string_view key, const Value& value,
                   const std::vector<std::string>& known) {
    throw ConfigError(std::string(where.component), std::string(where.instance), std::string(key),
                      value.is_null() ? std::string() : value.to_string(),
                      "is not a parameter of " + std::string(where.component) + " (did you mean " +
                          join(closest_names(key, known)) + "?)");
}

void assign(Param& field, std::string_view sub, const Value& v, const ConfigWhere& w, const FieldMeta& m) {
    if (!sub.empty()) {
        // "kernel.scale": set one setting of the initializer this parameter holds.
        if (!field.is_initializer())
            throw_error(w, std::string(m.name) + "." + std::string(sub), v, "",
                        "cannot be set: '" + std::string(m.name) + "' holds a value, not an initializer");
        Value map;
        map.set(std::string(sub), v);
        field = Param(initializer_from(map, w, m, &field.initializer(), std::string(m.name)));
        return;
    }
    if (v.is_number()) {
        field = Param(v.as_number());
    } else if (v.is_list()) {
        std::vector<float> values;
        for (const auto& e : v.as_list()) {
            if (!e.is_number()) throw_error(w, m.name, v, "", "must be a number, a list of numbers or an initializer");
            check_fits_float(e.as_number(), param_where(w, m), std::string(m.name) + "[" + std::to_string(values.size()) + "]");
            values.push_back(static_cast<float>(e.as_number()));
        }
        if (values.empty()) throw_error(w, m.name, v, "", "must not be an empty list");
        field = Param(std::move(values));
    } else if (v.is_map()) {
        field = Param(initializer_from(v, w, m, field.is_initializer() ? &field.initializer() : nullptr, std::string(m.name)));
    } else {
        throw_error(w, m.name, v, "", "must be a number, a list of numbers or an initializer");
    }
}

void assign(double& field, std::string_view sub, const Value& v, const ConfigWhere& w, const FieldMeta& m) {
    no_sub(sub, w, m, v);
    field = number(v, w, m);
}

void assign(bool& field, std::string_view sub, const Value& v, const ConfigWhere& w, const FieldMeta& m) {
    no_sub(sub, w, m, v);
    if (v.is_bool()) field = v.as_bool();
    else if (v.is_number() && (v.as_number() == 0 || v.as_number() == 1)) field = v.as_number() != 0;
    else throw_error(w, m.name, v, "", "must be true or false");
}

void assign(std::size_t& field, std::string_view sub, const Value& v, const ConfigWhere& w, const FieldMeta& m) {
    no_sub(sub, w, m, v);
    field = count(v, w, m.name);
}

void assign(std::string& field, std::string_view sub, const Value& v, const ConfigWhere& w, const FieldMeta& m) {
    no_sub(sub, w, m, v);
    if (!v.is_string()) throw_error(w, m.name, v, "", "must be a string");
    field = v.as_string();
}

void assign(Shape& field, std::string_view sub, const Value& v, const ConfigWhere& w, const FieldMeta& m) {
    no_sub(sub, w, m, v);
    field = shape_of(v, w, m.name);
}

void assign(std::optional<Shape>& field, std::string_view sub, const Value& v, const ConfigWhere& w,
            const FieldMeta& m) {
    no_sub(sub, w, m, v);
    if (v.is_null()) field.reset();
    else field = shape_of(v, w, m.name);
}

void assign(std::vector<double>& field, std::string_view sub, const Value& v, const ConfigWhere& w,
            const FieldMeta& m) {
    no_sub(sub, w, m, v);
    field.clear();
    if (v.is_number()) {
        field.push_back(v.as_number());
    } else if (v.is_list()) {
        for (const auto& e : v.as_list()) field.push_back(number(e, w, m));
    } else {
        throw_error(w, m.name, v, "", "must be a number or a list of numbers");
    }
}

void assign(std::vector<std::size_t>& field, std::string_view sub, const Value& v, const ConfigWhere& w,
            const FieldMeta& m) {
    no_sub(sub, w, m, v);
    field = counts(v, w, m.name, true);
}

void assign(std::optional<std::vector<std::size_t>>& field, std::string_view sub, const Value& v,
            const ConfigWhere& w, const FieldMeta& m) {
    no_sub(sub, w, m, v);
    if (v.is_null()) field.reset();
    else field = counts(v, w, m.name, true);
}

void check(const Param& f, const ConfigWhere& w, const FieldMeta& m) {
    if (f.is_scalar()) {
        if (!satisfies(m.bound, f.scalar()))
            throw_error(w, m.name, Value(f.scalar()), m.units, std::string(violated_rule(m.bound, f.scalar())));
        check_fits_float(f.scalar(), param_where(w, m), m.name);
    } else if (f.is_array()) {
        if (f.array().empty()) throw_error(w, m.name, Value(Value::List{}), "", "must not be an empty list");
        for (std::size_t i = 0; i < f.array().size(); ++i)
            if (!satisfies(m.bound, f.array()[i]))
                throw_error(w, std::string(m.name) + "[" + std::to_string(i) + "]", Value(decimal_double(f.array()[i])),
                            m.units, std::string(violated_rule(m.bound, f.array()[i])));
    } else {
        // Drawn values are checked against the bound at build; the settings can be checked now.
        check_initializer(f.initializer(), param_where(w, m));
    }
}

void check(double f, const ConfigWhere& w, const FieldMeta& m) {
    if (!satisfies(m.bound, f)) throw_error(w, m.name, Value(f), m.units, std::string(violated_rule(m.bound, f)));
}

void check(const std::vector<double>& f, const ConfigWhere& w, const FieldMeta& m) {
    for (std::size_t i = 0; i < f.size(); ++i)
        if (!satisfies(m.bound, f[i]))
            throw_error(w, std::string(m.name) + "[" + std::to_string(i) + "]", Value(f[i]), m.units,
                        std::string(violated_rule(m.bound, f[i])));
}

void check(const Shape& f, const ConfigWhere& w, const FieldMeta& m) {
    if (m.required && f.empty()) throw_error(w, m.name, Value(), "", "must be given (a shape such as [100])");
}

void check(const std::optional<Shape>& f, const ConfigWhere& w, const FieldMeta& m) {
    if (m.required && !f) throw_error(w, m.name, Value(), "", "must be given (a shape such as [100])");
}

Value to_value(const Param& f) { return f.to_value(); }
Value to_value(double f) { return Value(f); }
Value to_value(bool f) { return Value(f); }
Value to_value(std::size_t f) { return Value(static_cast<double>(f)); }
Value to_value(const std::string& f) { return Value(f); }
Value to_value(const Shape& f) { return list_of(f.dims()); }
Value to_value(const std::optional<Shape>& f) { return f ? list_of(f->dims()) : Value(); }
Value to_value(const std::vector<double>& f) {
    Value::List list;
    for (double x : f) list.emplace_back(x);
    return Value(std::move(list));
}
Value to_value(const std::vector<std::size_t>& f) { return list_of(f); }
Value to_value(const std::optional<std::vector<std::size_t>>& f) { return f ? list_of(*f) : Value(); }

std::string type_name(const Param&) { return "param"; }
std::string type_name(double) { return "number"; }
std::string type_name(bool) { return "bool"; }
std::string type_name(std::size_t) { return "integer"; }
std::string type_name(const std::string&) { return "string"; }
std::string type_name(const Shape&) { return "shape"; }
std::string type_name(const std::optional<Shape>&) { return "shape?"; }
std::string type_name(const std::vector<double>&) { return "numbers"; }
std::string type_name(const std::vector<std::size_t>&) { return "integers"; }
std::string type_name(const std::optional<std::vector<std::size_t>>&) { return "integers?"; }

}  // namespace spark::config_detail
