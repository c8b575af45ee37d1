#pragma once
// StateVisitor: one walk over a component's named state arrays, used for snapshots (save and load),
// recording and inspection alike, so that state fields are never listed twice.
//
// A visit either reads (save, record, inspect: the component must not change, not even state derived
// from the arrays) or may write (a snapshot load: the component re-derives what depends on the arrays
// after they were visited). Integer arrays that index, count or code something declare the values
// they may hold (ValidRange), so that a snapshot is checked against the built network before any of
// it is applied: a restored position outside its buffer would read and write out of bounds.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include <spark/core/payload.hpp>
#include <spark/core/rng.hpp>

namespace spark {

// The values an element of an integer state array may hold, inclusive. u64 elements are compared as
// unsigned (an int64 counter stored as u64 that is negative is out of any range).
struct ValidRange {
    std::int64_t min = std::numeric_limits<std::int64_t>::min();
    std::int64_t max = std::numeric_limits<std::int64_t>::max();
};

// A step counter: never negative, and far enough below the int64 limit that stepping on cannot overflow.
inline constexpr ValidRange valid_step_count{0, std::int64_t{1} << 62};
// Spike codes: the spike bit and the inhibition bit (spike::bit | spike::inhibitory).
inline constexpr ValidRange valid_spike_codes{0, 3};

enum class StateAccess { read, write };

class StateVisitor {
public:
    // A visitor that does not say may write: components then keep their derived state consistent.
    explicit StateVisitor(StateAccess access = StateAccess::write) : access_(access) {}
    virtual ~StateVisitor() = default;

    StateAccess access() const noexcept { return access_; }
    bool writes() const noexcept { return access_ == StateAccess::write; }

    // A state array. A writing visitor may overwrite `data` (same dtype and count).
    virtual void visit(std::string_view name, DType dtype, void* data, std::size_t count) = 0;
    // An integer array whose elements must lie in `valid`. A visitor that takes values from outside
    // (a snapshot load) checks them against it; every other visitor sees a plain array.
    virtual void visit_bounded(std::string_view name, DType dtype, void* data, std::size_t count, ValidRange valid) {
        (void)valid;
        visit(name, dtype, data, count);
    }

    template <class T>
    void operator()(std::string_view name, std::vector<T>& array) {
        visit(name, dtype_of<T>(), array.data(), array.size());
    }
    template <class T>
    void operator()(std::string_view name, T& scalar)
        requires std::is_arithmetic_v<T>
    {
        visit(name, dtype_of<T>(), &scalar, 1);
    }
    template <class T>
    void operator()(std::string_view name, std::vector<T>& array, ValidRange valid)
        requires std::is_integral_v<T>
    {
        visit_bounded(name, dtype_of<T>(), array.data(), array.size(), valid);
    }
    template <class T>
    void operator()(std::string_view name, T& scalar, ValidRange valid)
        requires std::is_integral_v<T>
    {
        visit_bounded(name, dtype_of<T>(), &scalar, 1, valid);
    }
    void operator()(std::string_view name, Rng& rng) { visit(name, DType::u64, rng.state().data(), 4); }

    template <class T>
    static constexpr DType dtype_of() {
        if constexpr (std::is_same_v<T, float>) return DType::f32;
        else if constexpr (std::is_same_v<T, std::int32_t>) return DType::i32;
        else if constexpr (std::is_same_v<T, std::uint8_t>) return DType::u8;
        else if constexpr (std::is_same_v<T, std::uint16_t>) return DType::u16;
        else if constexpr (std::is_same_v<T, std::uint64_t> || std::is_same_v<T, std::int64_t>) return DType::u64;
        else static_assert(sizeof(T) == 0, "unsupported state element type");
    }

private:
    StateAccess access_;
};

}  // namespace spark
