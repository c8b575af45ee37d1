#pragma once
// Every built-in component, their registration, and the BuiltinComponents tuple used by the tests.
#include <tuple>

#include <spark/core/registry.hpp>

// somas
#include <spark/components/somas/leaky_soma.hpp>
// synapses
// delays
// plasticity
// interfaces
#include <spark/components/interfaces/control.hpp>
#include <spark/components/interfaces/exponential_integrator.hpp>
#include <spark/components/interfaces/sources.hpp>
#include <spark/components/interfaces/spikers.hpp>
#include <spark/components/interfaces/topological_spikers.hpp>
// neuron parts
#include <spark/components/neurons/inhibition_mask.hpp>

namespace spark::components {

namespace detail {
template <class Tuple>
struct drop_first;
template <class First, class... Rest>
struct drop_first<std::tuple<First, Rest...>> {
    using type = std::tuple<Rest...>;
};
}  // namespace detail

#define SPARK_COMPONENT(C) , C
using BuiltinComponents = typename detail::drop_first<std::tuple<void
#include <spark/components/builtin.def>
                                                                 >>::type;
#undef SPARK_COMPONENT

// Adds every built-in component to `registry`.
void register_builtin_components(Registry& registry);

// A registry holding the built-in components (built once, read-only afterwards).
const Registry& builtin_registry();

}  // namespace spark::components
