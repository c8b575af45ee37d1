#include <spark/core/registry.hpp>

#include <spark/core/text.hpp>

namespace spark {

void Registry::add(ComponentInfo info) {
    for (const auto& e : entries_)
        if (e.name == info.name || e.class_name == info.class_name || e.name == normalize_name(info.class_name) ||
            normalize_name(e.class_name) == info.name)
            throw InternalError("component '" + info.name + "' (" + info.class_name +
                                ") is registered twice: the name is taken by '" + e.name + "' (" + e.class_name + ")");
    entries_.push_back(std::move(info));
}

const ComponentInfo* Registry::find(std::string_view name) const {
    const std::string normalized = normalize_name(name);
    for (const auto& e : entries_)
        if (e.name == name || e.class_name == name || e.name == normalized) return &e;
    return nullptr;
}

std::vector<std::string> Registry::names() const {
    std::vector<std::string> out;
    for (const auto& e : entries_) out.push_back(e.name);
    return out;
}

const ComponentInfo& Registry::at(std::string_view name) const {
    if (const auto* e = find(name)) return *e;
    if (entries_.empty()) throw GraphError("unknown component '" + std::string(name) + "' (the registry is empty)");
    throw GraphError("unknown component '" + std::string(name) + "' (did you mean " +
                     join(closest_names(normalize_name(name), names())) + "?)");
}

std::unique_ptr<Component> Registry::create(std::string_view name, const Overrides& overrides,
                                            const std::string& instance) const {
    return at(name).create(overrides, instance);
}

}  // namespace spark
