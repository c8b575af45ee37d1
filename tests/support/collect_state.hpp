#pragma once
// Collect: a StateVisitor that copies every state array of a simulation by name, to compare the state
// of two runs byte for byte.
#include <cstddef>
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

}  // namespace spark::testing
