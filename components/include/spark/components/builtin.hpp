#pragma once
// Every built-in component, their registration, and the BuiltinComponents tuple used by the tests.
#include <tuple>

#include <spark/core/registry.hpp>

// somas
#include <spark/components/somas/exponential_soma.hpp>
#include <spark/components/somas/integrate_fire_soma.hpp>
#include <spark/components/somas/izhikevich_soma.hpp>
#include <spark/components/somas/leaky_soma.hpp>
// synapses
#include <spark/components/synapses/linear_synapses.hpp>
#include <spark/components/synapses/rd_traced_synapses.hpp>
#include <spark/components/synapses/rfs_traced_synapses.hpp>
#include <spark/components/synapses/traced_synapses.hpp>
// delays
#include <spark/components/delays/n2n_delays.hpp>
#include <spark/components/delays/n_delays.hpp>
// plasticity
#include <spark/components/plasticity/hebbian_rule.hpp>
#include <spark/components/plasticity/oja_rule.hpp>
#include <spark/components/plasticity/quadruplet_rule.hpp>
#include <spark/components/plasticity/quadruplet_rule_tensor.hpp>
#include <spark/components/plasticity/three_factor_hebbian_rule.hpp>
#include <spark/components/plasticity/zenke_rule.hpp>
// interfaces
#include <spark/components/interfaces/control.hpp>
#include <spark/components/interfaces/exponential_integrator.hpp>
#include <spark/components/interfaces/poisson_source.hpp>
#include <spark/components/interfaces/sources.hpp>
#include <spark/components/interfaces/spikers.hpp>
#include <spark/components/interfaces/topological_spikers.hpp>
// real-valued stages
#include <spark/components/stages/affine.hpp>
#include <spark/components/stages/integrators.hpp>
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
