#pragma once
// Every built-in component, their registration, and the BuiltinComponents tuple used by the tests.
#include <tuple>

#include <spark/core/registry.hpp>

// somas
#include <spark/components/somas/leaky_soma.hpp>
// synapses
// delays
// plasticity
#include <spark/components/plasticity/hebbian_rule.hpp>
#include <spark/components/plasticity/oja_rule.hpp>
#include <spark/components/plasticity/quadruplet_rule.hpp>
#include <spark/components/plasticity/quadruplet_rule_tensor.hpp>
#include <spark/components/plasticity/three_factor_hebbian_rule.hpp>
#include <spark/components/plasticity/zenke_rule.hpp>
// interfaces

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
