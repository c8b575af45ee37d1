// A numeric default outside its bound is refused when the struct is compiled.
#include <spark/core/param_decl.hpp>

struct BadDefaultConfig {
    SPARK_PARAMS(BadDefaultConfig);
    SPARK_PARAM(double, tau, -5.0, "ms", positive, "Time constant.");
};
