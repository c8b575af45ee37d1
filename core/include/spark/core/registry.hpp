#pragma once
// The registry of components and initializers, by Spark's snake_case names.
//
// Each entry exposes the component's ports and its parameter table, and constructs it from overrides,
// so a network file or a C++ caller can list any model and swap one for another by name.
// Registration is explicit (see components/builtin.def), never by static initialisers.
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <spark/core/component_base.hpp>
#include <spark/core/config.hpp>
#include <spark/core/value.hpp>

namespace spark {

struct ComponentInfo {
    std::string name;        // "leaky_soma"
    std::string class_name;  // "LeakySoma"
    std::string category;    // "soma", "synapses", "delays", "plasticity", "interface"
    std::string description;
    std::span<const PortDecl> inputs, outputs, properties;
    std::vector<FieldInfo> fields;
    std::function<std::unique_ptr<Component>(const Overrides&, const std::string& instance)> create;
};

class Registry {
public:
    template <ComponentType C>
    void add() {
        ComponentInfo info;
        info.name = std::string(C::identity.name);
        info.class_name = std::string(C::identity.class_name);
        info.category = std::string(C::identity.category);
        info.description = std::string(C::identity.description);
        info.inputs = C::input_ports;
        info.outputs = C::output_ports;
        info.properties = C::property_ports;
        info.fields = describe_fields<typename C::Config>();
        info.create = [](const Overrides& overrides, const std::string& instance) -> std::unique_ptr<Component> {
            auto config = make_config<typename C::Config>(overrides, {C::identity.class_name, instance});
            return std::make_unique<C>(std::move(config), instance);
        };
        add(std::move(info));
    }
    void add(ComponentInfo info);  // throws InternalError on a duplicate name

    // Lookup by registry name or class name (normalised); nullptr when unknown.
    const ComponentInfo* find(std::string_view name) const;
    // Lookup that throws GraphError naming the closest registered names.
    const ComponentInfo& at(std::string_view name) const;
    std::unique_ptr<Component> create(std::string_view name, const Overrides& overrides,
                                      const std::string& instance) const;
    const std::vector<ComponentInfo>& entries() const noexcept { return entries_; }
    std::vector<std::string> names() const;

private:
    std::vector<ComponentInfo> entries_;
};

}  // namespace spark
