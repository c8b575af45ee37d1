#pragma once
// State visitors for tests: Collect copies every state array by name, to compare the state of two runs
// byte for byte; Copy saves the arrays of a component and writes them back into it (or another).
#include <cstddef>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <spark/core/state.hpp>

namespace spark::testing {

class Collect final : public StateVisitor {
public:
    std::map<std::string, std::vector<std::byte>> arrays;
    void visit(std::string_view name, DType dtype, void* data, std::size_t count) override {
        auto* p = static_cast<std::byte*>(data);
        arrays[std::string(name)].assign(p, p + count * size_of(dtype));
    }
};

// Saves every state array by name while `load` is false, and writes the saved arrays back while it is true.
struct Copy final : StateVisitor {
    std::map<std::string, std::vector<std::byte>> saved;
    bool load = false;
    void visit(std::string_view name, DType dtype, void* data, std::size_t count) override {
        const std::size_t bytes = count * size_of(dtype);
        auto& slot = saved[std::string(name)];
        if (load) std::memcpy(data, slot.data(), bytes);
        else slot.assign(static_cast<std::byte*>(data), static_cast<std::byte*>(data) + bytes);
    }
};

}  // namespace spark::testing
