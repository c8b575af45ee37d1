#include <spark/components/builtin.hpp>

namespace spark::components {

void register_builtin_components(Registry& registry) {
#define SPARK_COMPONENT(C) registry.add<C>();
#include <spark/components/builtin.def>
#undef SPARK_COMPONENT
}

const Registry& builtin_registry() {
    static const Registry registry = [] {
        Registry r;
        register_builtin_components(r);
        return r;
    }();
    return registry;
}

}  // namespace spark::components
