#pragma once
// StateVisitor: one walk over a component's named state arrays, used for snapshots (save and load),
// recording and inspection alike, so that state fields are never listed twice.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include <spark/core/payload.hpp>
#include <spark/core/rng.hpp>

namespace spark {

class StateVisitor {
public:
    virtual ~StateVisitor() = default;
    // A state array. A loading visitor overwrites `data` (same dtype and count).
    virtual void visit(std::string_view name, DType dtype, void* data, std::size_t count) = 0;

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
};

}  // namespace spark
