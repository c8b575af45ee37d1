#pragma once
// ComponentBase: the boilerplate every concrete component shares, and the Component concept that
// Registry::add checks at compile time.
//
// A concrete component declares, as static members:
//   identity (a ComponentIdentity), input_ports / output_ports / property_ports (std::array<PortDecl, N>),
//   and a `Config` type whose parameters are declared with SPARK_PARAM (param_decl.hpp).
//
// @code
//   static constexpr ComponentIdentity identity{"leaky_soma", "LeakySoma", "soma", "Leaky integrate-and-fire soma."};
// @endcode
#include <array>
#include <concepts>
#include <iterator>
#include <span>
#include <string_view>

#include <spark/core/component.hpp>
#include <spark/core/config.hpp>
#include <spark/core/memory.hpp>

namespace spark {

// Who a component is, declared once.
struct ComponentIdentity {
    std::string_view name;        // the registry name: "leaky_soma"
    std::string_view class_name;  // the name in messages: "LeakySoma"
    std::string_view category;    // "soma", "synapses", "delays", "plasticity", "interface", "stage", ...
    std::string_view description;
};

template <class C>
concept ComponentType = std::derived_from<C, Component> && requires {
    typename C::Config;
    { C::identity } -> std::convertible_to<ComponentIdentity>;
    { std::span<const PortDecl>(C::input_ports) };
    { std::span<const PortDecl>(C::output_ports) };
    { std::span<const PortDecl>(C::property_ports) };
} && std::constructible_from<C, typename C::Config, std::string>;

template <class Derived, class ConfigT>
class ComponentBase : public Component {
public:
    using Config = ConfigT;

    ComponentBase(Config config, std::string instance) : config_(std::move(config)) {
        set_instance(std::move(instance));
        validate(config_, where());
    }

    std::string_view type_name() const noexcept override { return Derived::identity.name; }
    std::string_view class_name() const noexcept override { return Derived::identity.class_name; }
    std::span<const PortDecl> inputs() const noexcept override { return Derived::input_ports; }
    std::span<const PortDecl> outputs() const noexcept override { return Derived::output_ports; }
    std::span<const PortDecl> properties() const noexcept override { return Derived::property_ports; }
    Value config_value() const override { return spark::to_value(config_); }

    const Config& config() const noexcept { return config_; }
    ConfigWhere where() const noexcept { return {Derived::identity.class_name, instance()}; }

protected:
    // The values of the Param field `param` of config_ for `shape`, drawn from the node's stream and
    // checked against the field's bound; messages name this component and the field. Call it once per
    // parameter, in the documented draw order of the model: each call consumes one split of the node's
    // stream.
    std::vector<float> materialize(const Param& param, const Shape& shape, const BuildContext& ctx,
                                   const InitOverrides& overrides = {}) const {
        const FieldMeta& m = meta_of(config_, param);
        require_memory_for(m.name, shape, sizeof(float));
        return param.materialize(shape, *ctx.rng, m.bound, param_where(m), overrides);
    }
    // Elements `range` of the same values (the same draws: Param::materialize_into), into `out`.
    void materialize_into(const Param& param, const Shape& shape, const BuildContext& ctx,
                          const InitOverrides& overrides, ElementRange range, std::span<float> out) const {
        const FieldMeta& m = meta_of(config_, param);
        param.materialize_into(shape, *ctx.rng, m.bound, param_where(m), overrides, range, out);
    }
    // Where a parameter of this component lives, for messages.
    ParamWhere param_where(const FieldMeta& m) const {
        return ParamWhere{Derived::identity.class_name, instance(), m.name, m.units};
    }

    // Refuses (ConfigError naming this node and `field`) a build that would size `shape` elements
    // of `bytes_per_element` each beyond the memory of the machine (memory.hpp). Call it before
    // sizing state or a matrix from a shape.
    void require_memory_for(std::string_view field, const Shape& shape, double bytes_per_element) const {
        double elements = shape.rank() == 0 ? 0.0 : 1.0;
        for (auto d : shape.dims()) elements *= static_cast<double>(d);
        require_memory(where(), field, shape.to_string(), elements * bytes_per_element);
    }

    // A generous estimate of the bytes a component keeps per unit of its population: one float32
    // per parameter field (drawn per unit), plus its own state, input and output (a few more).
    static constexpr double bytes_per_unit() noexcept {
        return sizeof(float) * (static_cast<double>(param_table<Config>.size()) + 3.0) + 1.0;
    }

    Config config_;
};

}  // namespace spark
