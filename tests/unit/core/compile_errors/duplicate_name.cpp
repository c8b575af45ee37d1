// Two groups that declare the same parameter cannot be composed into one config.
#include <spark/core/config.hpp>

struct FastGroup {
    SPARK_PARAMS(FastGroup);
    SPARK_PARAM(double, tau, 1.0, "ms", positive, "Fast time constant.");
};
struct SlowGroup {
    SPARK_PARAMS(SlowGroup);
    SPARK_PARAM(double, tau, 100.0, "ms", positive, "Slow time constant.");
};
struct BothConfig : spark::Params<FastGroup, SlowGroup> {};

int main() { return static_cast<int>(spark::field_names<BothConfig>().size()); }
