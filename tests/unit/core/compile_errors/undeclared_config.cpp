// A config whose members are not declared with SPARK_PARAM cannot be used as one.
#include <spark/core/config.hpp>

struct PlainConfig {
    double tau = 20.0;
};

int main() { return static_cast<int>(spark::field_names<PlainConfig>().size()); }
