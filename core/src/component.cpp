#include <spark/core/component.hpp>

#include <algorithm>
#include <cstring>
#include <vector>

namespace spark {

UnitShare unit_block_share(std::size_t units, std::size_t rank, std::size_t processes) noexcept {
    if (units == 0 || processes == 0) return {0, 0};
    const std::size_t lines = (units + unit_block_grain - 1) / unit_block_grain;
    return {std::min(units, rank * lines / processes * unit_block_grain),
            std::min(units, (rank + 1) * lines / processes * unit_block_grain)};
}

ArrayRef Component::property(std::size_t index) {
    throw InternalError(std::string(class_name()) + " '" + instance() + "' does not expose property #" +
                        std::to_string(index));
}

ArrayRef Component::output_storage(std::size_t) { return {}; }

bool Component::property_is_state(std::size_t) const { return false; }

std::ptrdiff_t Component::output_may_share_input(std::size_t) const { return -1; }

void Component::set_property(std::size_t index, ConstArrayRef value) {
    ArrayRef target = property(index);
    if (target.size != value.size)
        throw ShapeError(instance(), std::string(properties()[index].name), std::to_string(target.size) + " elements",
                         std::to_string(value.size) + " elements", "effect writes a property");
    const auto kind = properties()[index].kind;
    std::memcpy(target.data, value.data, value.size * size_of(element_type(kind)));
}

std::optional<std::size_t> Component::find_port(std::span<const PortDecl> table, std::string_view name) {
    for (std::size_t i = 0; i < table.size(); ++i)
        if (table[i].name == name) return i;
    return std::nullopt;
}

void throw_input_mismatch(const Component& c, const BuildContext& ctx, std::size_t index, std::string expected) {
    const std::string actual = ctx.inputs[index] ? ctx.inputs[index]->to_string() : std::string("nothing");
    throw ShapeError(std::string(ctx.node.empty() ? std::string_view(c.instance()) : ctx.node),
                     std::string(c.inputs()[index].name), std::move(expected), actual,
                     std::string(c.class_name()));
}

float* thread_scratch(std::size_t n) {
    thread_local std::vector<float> scratch;
    if (scratch.size() < n) scratch.resize(n);
    return scratch.data();
}

namespace {
class SerialParallel final : public Parallel {
public:
    void run(std::size_t n_tasks, FunctionRef<void(std::size_t)> body) override {
        for (std::size_t i = 0; i < n_tasks; ++i) body(i);
    }
    unsigned concurrency() const noexcept override { return 1; }
};
}  // namespace

Parallel& serial_parallel() noexcept {
    static SerialParallel instance;
    return instance;
}

}  // namespace spark
