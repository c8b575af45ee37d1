#include <spark/core/config.hpp>

#include <cmath>

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
    if (!v.is_number() || v.as_number() < 0 || std::floor(v.as_number()) != v.as_number() ||
        (!allow_zero && v.as_number() == 0))
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

Value list_of(const std::vector<std::size_t>& values) {
    Value::List list;
    for (auto x : values) list.emplace_back(static_cast<double>(x));
    return Value(std::move(list));
}

InitializerSpec initializer_from(const Value& v, const ConfigWhere& w, const FieldMeta& m) {
    InitializerSpec spec;
    const std::string field(m.name);
    for (const auto& [key, entry] : v.as_map()) {
        const std::string path = field + "." + key;
        if (key == "initializer" || key == "kind") {
            if (!entry.is_string()) throw_error(w, path, entry, "", "must be an initializer name");
            spec.kind = entry.as_string();
        } else if (key == "scale") {
            spec.scale = number(entry, w, m, path);
        } else if (key == "min_value") {
            spec.min_value = number(entry, w, m, path);
        } else if (key == "max_value") {
            spec.max_value = number(entry, w, m, path);
        } else if (key == "density") {
            spec.density = number(entry, w, m, path);
            if (!satisfies(Bound::zero_one, spec.density)) throw_error(w, path, entry, "", "must be in [0, 1]");
        } else if (key == "norm_axes") {
            spec.norm_axes = counts(entry, w, path, true);
        } else {
            throw_error(w, path, entry, "",
                        "is not an initializer setting (known: initializer, scale, min_value, max_value, "
                        "density, norm_axes)");
        }
    }
    std::vector<std::string> known;
    for (auto n : initializer_names()) known.emplace_back(n);
    const std::string kind = normalize_name(spec.kind);
    bool ok = false;
    for (const auto& k : known) ok = ok || k == kind || k == kind + "_initializer";
    if (!ok)
        throw_error(w, field + ".initializer", Value(spec.kind), "",
                    "is not a registered initializer (did you mean " + join(closest_names(kind, known)) + "?)");
    if (kind.find("_initializer") == std::string::npos) spec.kind = kind + "_initializer";
    else spec.kind = kind;
    return spec;
}
}  // namespace

void throw_error(const ConfigWhere& where, std::string_view field, const Value& value, std::string_view units,
                 std::string rule) {
    throw ConfigError(std::string(where.component), std::string(where.instance), std::string(field),
                      with_units(value, units), std::move(rule));
}

const FieldMeta& meta_of(std::span<const FieldMeta> table, std::string_view name) {
    for (const auto& m : table)
        if (m.name == name) return m;
    throw InternalError("config field '" + std::string(name) + "' has no metadata row");
}

void throw_unknown(const ConfigWhere& where, std::string_view key, const std::vector<std::string>& known) {
    throw ConfigError(std::string(where.component), std::string(where.instance), std::string(key), "",
                      "is not a parameter of " + std::string(where.component) + " (did you mean " +
                          join(closest_names(key, known)) + "?)");
}

void assign(Param& field, std::string_view sub, const Value& v, const ConfigWhere& w, const FieldMeta& m) {
    if (!sub.empty()) {
        // "kernel.scale": set one setting of the initializer this parameter holds.
        if (!field.is_initializer())
            throw_error(w, std::string(m.name) + "." + std::string(sub), v, "",
                        "cannot be set: '" + std::string(m.name) + "' holds a value, not an initializer");
        Value map = field.to_value();
        map.set(std::string(sub), v);
        field = Param(initializer_from(map, w, m));
        return;
    }
    if (v.is_number()) {
        field = Param(v.as_number());
    } else if (v.is_list()) {
        std::vector<float> values;
        for (const auto& e : v.as_list()) {
            if (!e.is_number()) throw_error(w, m.name, v, "", "must be a number, a list of numbers or an initializer");
            values.push_back(static_cast<float>(e.as_number()));
        }
        if (values.empty()) throw_error(w, m.name, v, "", "must not be an empty list");
        field = Param(std::move(values));
    } else if (v.is_map()) {
        field = Param(initializer_from(v, w, m));
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
    field = Shape(counts(v, w, m.name, false));
}

void assign(std::optional<Shape>& field, std::string_view sub, const Value& v, const ConfigWhere& w,
            const FieldMeta& m) {
    no_sub(sub, w, m, v);
    if (v.is_null()) field.reset();
    else field = Shape(counts(v, w, m.name, false));
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
        if (!satisfies(m.bound, f.scalar())) throw_error(w, m.name, Value(f.scalar()), m.units, std::string(describe(m.bound)));
    } else if (f.is_array()) {
        for (std::size_t i = 0; i < f.array().size(); ++i)
            if (!satisfies(m.bound, f.array()[i]))
                throw_error(w, std::string(m.name) + "[" + std::to_string(i) + "]", Value(double(f.array()[i])),
                            m.units, std::string(describe(m.bound)));
    }
}

void check(double f, const ConfigWhere& w, const FieldMeta& m) {
    if (!satisfies(m.bound, f)) throw_error(w, m.name, Value(f), m.units, std::string(describe(m.bound)));
}

void check(const std::vector<double>& f, const ConfigWhere& w, const FieldMeta& m) {
    for (std::size_t i = 0; i < f.size(); ++i)
        if (!satisfies(m.bound, f[i]))
            throw_error(w, std::string(m.name) + "[" + std::to_string(i) + "]", Value(f[i]), m.units,
                        std::string(describe(m.bound)));
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
