#pragma once
// The parameter group of the components whose output shape is given by the user (sources, Affine).
#include <spark/core/param_decl.hpp>

namespace spark::components {

struct OutputUnitsParams {
    SPARK_PARAMS(OutputUnitsParams);
    SPARK_REQUIRED_PARAM(Shape, units, "", none, "Output shape.");
};

}  // namespace spark::components
