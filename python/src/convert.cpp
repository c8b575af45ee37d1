#include "convert.hpp"

#include <cmath>
#include <cstring>
#include <string>

#include <spark/core/text.hpp>

namespace spark::python {

namespace {

struct KindName {
    std::string_view python;
    PayloadKind kind;
};
constexpr KindName kind_names[] = {
    {"spikes", PayloadKind::spikes},   {"current", PayloadKind::current}, {"potential", PayloadKind::potential},
    {"float", PayloadKind::floating},  {"integer", PayloadKind::integer}, {"mask", PayloadKind::boolean_mask},
};

std::vector<py::ssize_t> dims_of(const PortSpec& spec) {
    std::vector<py::ssize_t> dims;
    for (std::size_t d : spec.shape.dims()) dims.push_back(static_cast<py::ssize_t>(d));
    return dims;
}

}  // namespace

Value to_value(py::handle object, std::string_view what) {
    if (object.is_none()) return Value();
    if (PyBool_Check(object.ptr())) return Value(object.cast<bool>());
    if (PyLong_Check(object.ptr())) return Value(object.cast<long long>());
    if (PyFloat_Check(object.ptr())) return Value(object.cast<double>());
    if (py::isinstance<py::str>(object)) return Value(object.cast<std::string>());
    if (py::isinstance<py::dict>(object)) {
        Value::Map map;
        for (auto [key, item] : py::reinterpret_borrow<py::dict>(object))
            map.emplace_back(py::str(key).cast<std::string>(), to_value(item, what));
        return Value(std::move(map));
    }
    if (py::isinstance<py::list>(object) || py::isinstance<py::tuple>(object)) {
        Value::List list;
        for (auto item : object) list.push_back(to_value(item, what));
        return Value(std::move(list));
    }
    // numpy arrays and scalars (numpy.int64 is no int, numpy.bool_ no bool): their Python equivalents.
    if (py::isinstance<py::array>(object)) return to_value(object.attr("tolist")(), what);
    if (py::hasattr(object, "dtype") && py::hasattr(object, "item")) return to_value(object.attr("item")(), what);
    throw py::type_error(std::string(what) + ": cannot use a value of type '" +
                         py::str(object.get_type().attr("__name__")).cast<std::string>() +
                         "' (expected None, bool, int, float, str, list, tuple, dict or a numpy array)");
}

py::object from_value(const Value& value) {
    if (value.is_null()) return py::none();
    if (value.is_bool()) return py::bool_(value.as_bool());
    if (value.is_number()) {
        const double x = value.as_number();
        if (std::isfinite(x) && x == std::trunc(x) && std::fabs(x) < 9007199254740992.0)
            return py::int_(static_cast<long long>(x));
        return py::float_(x);
    }
    if (value.is_string()) return py::str(value.as_string());
    if (value.is_list()) {
        py::list list;
        for (const auto& item : value.as_list()) list.append(from_value(item));
        return list;
    }
    py::dict dict;
    for (const auto& [key, item] : value.as_map()) dict[py::str(key)] = from_value(item);
    return dict;
}

Overrides to_overrides(py::handle dict, std::string_view what) {
    Overrides overrides;
    if (dict.is_none()) return overrides;
    if (!py::isinstance<py::dict>(dict))
        throw py::type_error(std::string(what) + ": expected a dict of path -> value");
    for (auto [key, item] : py::reinterpret_borrow<py::dict>(dict)) {
        const std::string path = py::str(key).cast<std::string>();
        overrides.push_back({path, to_value(item, std::string(what) + ", '" + path + "'")});
    }
    return overrides;
}

py::dict from_overrides(const Overrides& overrides) {
    py::dict dict;
    for (const auto& o : overrides) dict[py::str(o.path)] = from_value(o.value);
    return dict;
}

PayloadKind parse_kind(std::string_view name) {
    std::vector<std::string> names;
    for (const auto& k : kind_names) {
        if (name == k.python || name == to_string(k.kind)) return k.kind;
        names.emplace_back(k.python);
    }
    throw py::value_error("unknown payload kind '" + std::string(name) + "' (expected one of " + join(names) +
                          ", or SpikeArray, CurrentArray, ...)");
}

std::string_view kind_name(PayloadKind kind) noexcept {
    for (const auto& k : kind_names)
        if (k.kind == kind) return k.python;
    return "?";
}

PortSpec to_port_spec(py::handle object, std::string_view name) {
    if (py::isinstance<PortSpec>(object)) return object.cast<PortSpec>();
    const std::string where = "input '" + std::string(name) + "'";
    if (!py::isinstance<py::tuple>(object) && !py::isinstance<py::list>(object))
        throw py::type_error(where + ": expected (kind, shape), e.g. (\"float\", (64,)), or a PortSpec");
    auto items = py::reinterpret_borrow<py::sequence>(object);
    if (items.size() != 2)
        throw py::value_error(where + ": expected (kind, shape), e.g. (\"float\", (64,)); got " +
                              py::repr(object).cast<std::string>());
    const PayloadKind kind = parse_kind(py::str(items[0]).cast<std::string>());
    std::vector<std::size_t> dims;
    py::object shape = items[1];
    if (PyLong_Check(shape.ptr())) shape = py::make_tuple(shape);
    for (auto d : shape) {
        const long long n = d.cast<long long>();
        if (n <= 0)
            throw py::value_error(where + ": every dimension of the shape must be > 0, got " + std::to_string(n));
        dims.push_back(static_cast<std::size_t>(n));
    }
    if (dims.empty()) throw py::value_error(where + ": the shape needs at least one dimension (a scalar is (1,))");
    return PortSpec(kind, Shape(std::move(dims)));
}

graph::Latency parse_latency(std::string_view name) {
    if (name == "same_step") return graph::Latency::same_step;
    if (name == "previous_step") return graph::Latency::previous_step;
    throw py::value_error("unknown latency '" + std::string(name) + "' (expected 'same_step' or 'previous_step')");
}

py::dtype numpy_dtype(DType dtype) {
    switch (dtype) {
        case DType::f32: return py::dtype::of<float>();
        case DType::i32: return py::dtype::of<std::int32_t>();
        case DType::u8: return py::dtype::of<std::uint8_t>();
        case DType::u16: return py::dtype::of<std::uint16_t>();
        case DType::u64: return py::dtype::of<std::uint64_t>();
    }
    throw std::logic_error("unknown dtype");
}

py::array array_view(const PortSpec& spec, void* data, py::handle owner, bool writable) {
    py::array view(numpy_dtype(spec.dtype), dims_of(spec), {}, data, owner);
    if (!writable) view.attr("setflags")(py::arg("write") = false);
    return view;
}

py::array array_copy(const PortSpec& spec, const void* data) {
    py::array copy(numpy_dtype(spec.dtype), dims_of(spec));
    std::memcpy(copy.mutable_data(), data, spec.bytes());
    return copy;
}

py::array adopt_bytes(std::vector<std::byte>&& bytes, DType dtype, std::vector<py::ssize_t> shape) {
    auto* owned = new std::vector<std::byte>(std::move(bytes));
    py::capsule free_when_done(owned, [](void* p) { delete static_cast<std::vector<std::byte>*>(p); });
    return py::array(numpy_dtype(dtype), std::move(shape), {}, owned->data(), free_when_done);
}

}  // namespace spark::python
