#include <spark/components/reference_mode.hpp>

#include <atomic>

namespace spark::components {

namespace {
std::atomic<bool> dense_reference_on{false};
}

bool dense_reference() noexcept { return dense_reference_on.load(std::memory_order_relaxed); }
void set_dense_reference(bool on) noexcept { dense_reference_on.store(on, std::memory_order_relaxed); }

}  // namespace spark::components
