// A list default with one value outside its bound is refused when the struct is compiled.
#include <vector>

#include <spark/core/param_decl.hpp>

struct BadListConfig {
    SPARK_PARAMS(BadListConfig);
    SPARK_PARAM(std::vector<double>, rates, (std::vector<double>{0.5, 1.5}), "", zero_one, "Rates.");
};
