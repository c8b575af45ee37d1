#pragma once
// Payloads, shapes and port specs.
//
// A payload is the typed value that travels on a wire. Payload memory is owned by the runtime and
// allocated once from the port specs; components see it through ArrayRef views. Element types:
//   SpikeArray      uint8 per element: bit 0 = spike, bit 1 = inhibitory. Signed value -1/0/+1.
//   CurrentArray    float32 [pA]
//   PotentialArray  float32 [mV], relative to the rest potential
//   FloatArray      float32
//   IntegerArray    int32
//   BooleanMask     uint8 0/1
// A SpikeArray may use the per-synapse layout (post dims first, then pre dims) emitted by N2N delays.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace spark {

class SpikeIndex;  // spike_index.hpp

enum class PayloadKind : std::uint8_t { spikes, current, potential, floating, integer, boolean_mask };

enum class DType : std::uint8_t { f32, i32, u8, u16, u64 };

std::string_view to_string(PayloadKind kind) noexcept;  // "SpikeArray", "CurrentArray", ...
std::string_view to_string(DType dtype) noexcept;       // "f32", "i32", ...
std::size_t size_of(DType dtype) noexcept;
DType element_type(PayloadKind kind) noexcept;          // the dtype a payload kind is stored in

// The spike encoding of one SpikeArray element.
namespace spike {
inline constexpr std::uint8_t bit = 1;         // the unit spiked
inline constexpr std::uint8_t inhibitory = 2;  // the unit is inhibitory
inline constexpr std::uint8_t encode(bool spiked, bool is_inhibitory) noexcept {
    return static_cast<std::uint8_t>((spiked ? bit : 0) | (is_inhibitory ? inhibitory : 0));
}
// -1, 0 or +1.
inline constexpr float signed_value(std::uint8_t code) noexcept {
    return (code & bit) ? ((code & inhibitory) ? -1.0f : 1.0f) : 0.0f;
}
}  // namespace spike

// A tensor shape; an empty dims list is never valid for a port (scalars are shape [1]).
class Shape {
public:
    Shape() = default;
    Shape(std::initializer_list<std::size_t> dims) : dims_(dims) {}
    explicit Shape(std::vector<std::size_t> dims) : dims_(std::move(dims)) {}

    const std::vector<std::size_t>& dims() const noexcept { return dims_; }
    std::size_t rank() const noexcept { return dims_.size(); }
    std::size_t operator[](std::size_t i) const { return dims_[i]; }
    std::size_t size() const noexcept;  // number of elements (product of dims; 0 for rank 0)
    bool empty() const noexcept { return dims_.empty(); }
    std::string to_string() const;      // "[100,50]"
    // The concatenation of two shapes (post dims first, then pre dims).
    Shape concat(const Shape& tail) const;
    bool operator==(const Shape&) const = default;

private:
    std::vector<std::size_t> dims_;
};

// What travels on a port: payload kind, shape and element type. For spikes, `per_synapse` marks the
// post x pre layout. `mask` optionally carries the build-time-known inhibition bits of a SpikeArray
// (or the content of a constant BooleanMask), one byte per element; it does not take part in equality.
struct PortSpec {
    PayloadKind kind = PayloadKind::floating;
    Shape shape;
    DType dtype = DType::f32;
    bool per_synapse = false;
    std::vector<std::uint8_t> mask;
    // Per-synapse spikes from a delay line: element (p, q) is presynaptic element q delayed by
    // delays[p n_pre + q] steps (N2NDelays sets it, so that a rule can keep one trace per presynaptic
    // unit). Null otherwise; like the mask, it does not take part in equality.
    std::shared_ptr<const std::vector<std::int32_t>> delays;
    // A property its owner may have written between steps (set_property, a writing state visit, a
    // mutable property() access): a count the owner bumps at each such write, so that a reader that
    // updates the array in place (an effect applied in place) knows it still holds what it left there.
    // Null when the owner does not keep one; like the mask, it does not take part in equality.
    std::shared_ptr<const std::uint64_t> write_count;

    PortSpec() = default;
    PortSpec(PayloadKind k, Shape s, bool per_syn = false)
        : kind(k), shape(std::move(s)), dtype(element_type(k)), per_synapse(per_syn) {}

    std::size_t size() const noexcept { return shape.size(); }
    std::size_t bytes() const noexcept { return shape.size() * size_of(dtype); }
    std::string to_string() const;  // "CurrentArray[100]:f32", "SpikeArray[10,20]:u8/post*pre"
    bool operator==(const PortSpec& o) const noexcept {
        return kind == o.kind && shape == o.shape && dtype == o.dtype && per_synapse == o.per_synapse;
    }
};

// The dtype that stores C++ element type T (float -> f32, std::uint8_t -> u8, ...).
template <class T>
inline constexpr bool is_element = std::is_same_v<T, float> || std::is_same_v<T, std::int32_t> ||
                                   std::is_same_v<T, std::uint8_t> || std::is_same_v<T, std::uint16_t> ||
                                   std::is_same_v<T, std::uint64_t>;
template <class T>
    requires is_element<std::remove_const_t<T>>
inline constexpr DType dtype_of = [] {
    using U = std::remove_const_t<T>;
    if constexpr (std::is_same_v<U, float>) return DType::f32;
    else if constexpr (std::is_same_v<U, std::int32_t>) return DType::i32;
    else if constexpr (std::is_same_v<U, std::uint8_t>) return DType::u8;
    else if constexpr (std::is_same_v<U, std::uint16_t>) return DType::u16;
    else return DType::u64;
}();

// Throws InternalError: a view of `stored` elements read as `requested` (a bug in the reader).
[[noreturn]] void throw_dtype_mismatch(DType stored, DType requested);

// Non-owning views of payload memory handed to components in build and step. A view knows the dtype
// of the memory it shows (deduced from a typed pointer, or given with a byte pointer), and reading it as
// another element type throws InternalError instead of reinterpreting the bytes. The view of a
// SpikeArray buffer the runtime owns also carries that buffer's spike index (spike_index.hpp): its
// producer may list the units it fired there, and readers find them with for_each_spike() without
// scanning every code.
struct ArrayRef {
    void* data = nullptr;
    std::size_t size = 0;  // elements
    SpikeIndex* spike_index = nullptr;
    DType dtype = DType::f32;

    ArrayRef() = default;
    template <class T>
        requires is_element<T>
    ArrayRef(T* d, std::size_t n, SpikeIndex* index = nullptr)
        : data(d), size(n), spike_index(index), dtype(dtype_of<T>) {}
    ArrayRef(std::byte* d, std::size_t n, DType t, SpikeIndex* index = nullptr)
        : data(d), size(n), spike_index(index), dtype(t) {}

    bool empty() const noexcept { return data == nullptr; }
    template <class T>
    std::span<T> as() const {
        if (dtype != dtype_of<T> && data) throw_dtype_mismatch(dtype, dtype_of<T>);
        return {static_cast<T*>(data), size};
    }
    std::span<float> f32() const { return as<float>(); }
    std::span<std::int32_t> i32() const { return as<std::int32_t>(); }
    std::span<std::uint8_t> u8() const { return as<std::uint8_t>(); }
};

struct ConstArrayRef {
    const void* data = nullptr;
    std::size_t size = 0;
    const SpikeIndex* spike_index = nullptr;
    DType dtype = DType::f32;

    ConstArrayRef() = default;
    template <class T>
        requires is_element<T>
    ConstArrayRef(const T* d, std::size_t n, const SpikeIndex* index = nullptr)
        : data(d), size(n), spike_index(index), dtype(dtype_of<T>) {}
    ConstArrayRef(const std::byte* d, std::size_t n, DType t, const SpikeIndex* index = nullptr)
        : data(d), size(n), spike_index(index), dtype(t) {}
    ConstArrayRef(ArrayRef r)  // NOLINT: a mutable view converts
        : data(r.data), size(r.size), spike_index(r.spike_index), dtype(r.dtype) {}

    bool empty() const noexcept { return data == nullptr; }
    template <class T>
    std::span<const T> as() const {
        if (dtype != dtype_of<T> && data) throw_dtype_mismatch(dtype, dtype_of<T>);
        return {static_cast<const T*>(data), size};
    }
    std::span<const float> f32() const { return as<float>(); }
    std::span<const std::int32_t> i32() const { return as<std::int32_t>(); }
    std::span<const std::uint8_t> u8() const { return as<std::uint8_t>(); }
};

}  // namespace spark
