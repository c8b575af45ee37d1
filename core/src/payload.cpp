#include <spark/core/payload.hpp>

#include <string>

#include <spark/core/error.hpp>

namespace spark {

std::string_view to_string(PayloadKind kind) noexcept {
    switch (kind) {
        case PayloadKind::spikes: return "SpikeArray";
        case PayloadKind::current: return "CurrentArray";
        case PayloadKind::potential: return "PotentialArray";
        case PayloadKind::floating: return "FloatArray";
        case PayloadKind::integer: return "IntegerArray";
        case PayloadKind::boolean_mask: return "BooleanMask";
    }
    return "AnyPayload";
}

std::string_view to_string(DType dtype) noexcept {
    switch (dtype) {
        case DType::f32: return "f32";
        case DType::i32: return "i32";
        case DType::u8: return "u8";
        case DType::u16: return "u16";
        case DType::u64: return "u64";
    }
    return "?";
}

void throw_dtype_mismatch(DType stored, DType requested) {
    throw InternalError("a view of " + std::string(to_string(stored)) + " elements read as " +
                        std::string(to_string(requested)));
}

std::size_t size_of(DType dtype) noexcept {
    switch (dtype) {
        case DType::f32: return 4;
        case DType::i32: return 4;
        case DType::u8: return 1;
        case DType::u16: return 2;
        case DType::u64: return 8;
    }
    return 0;
}

DType element_type(PayloadKind kind) noexcept {
    switch (kind) {
        case PayloadKind::spikes:
        case PayloadKind::boolean_mask: return DType::u8;
        case PayloadKind::integer: return DType::i32;
        default: return DType::f32;
    }
}

std::size_t Shape::size() const noexcept {
    if (dims_.empty()) return 0;
    std::size_t n = 1;
    for (auto d : dims_) n *= d;
    return n;
}

std::string Shape::to_string() const {
    std::string text = "[";
    for (std::size_t i = 0; i < dims_.size(); ++i) {
        if (i) text += ",";
        text += std::to_string(dims_[i]);
    }
    return text + "]";
}

Shape Shape::concat(const Shape& tail) const {
    std::vector<std::size_t> dims = dims_;
    dims.insert(dims.end(), tail.dims_.begin(), tail.dims_.end());
    return Shape(std::move(dims));
}

std::string PortSpec::to_string() const {
    std::string text = std::string(spark::to_string(kind)) + shape.to_string() + ":" +
                       std::string(spark::to_string(dtype));
    if (per_synapse) text += "/post*pre";
    return text;
}

}  // namespace spark
