#include <spark/core/text.hpp>
#include <spark/core/value.hpp>

namespace spark {

const Value* Value::find(std::string_view key) const {
    if (!is_map()) return nullptr;
    for (const auto& [k, v] : as_map())
        if (k == key) return &v;
    return nullptr;
}

void Value::set(std::string key, Value value) {
    if (is_null()) v_ = Map{};
    auto& map = as_map();
    for (auto& [k, v] : map)
        if (k == key) {
            v = std::move(value);
            return;
        }
    map.emplace_back(std::move(key), std::move(value));
}

std::string Value::to_string() const {
    if (is_null()) return "null";
    if (is_bool()) return as_bool() ? "true" : "false";
    if (is_number()) return format_number(as_number());
    if (is_string()) return "\"" + as_string() + "\"";
    std::string text;
    if (is_list()) {
        text = "[";
        const auto& list = as_list();
        for (std::size_t i = 0; i < list.size(); ++i) {
            if (i) text += ", ";
            if (i == 8 && list.size() > 10) {
                text += "... (" + std::to_string(list.size()) + " values)";
                break;
            }
            text += list[i].to_string();
        }
        return text + "]";
    }
    text = "{";
    bool first = true;
    for (const auto& [k, v] : as_map()) {
        if (!first) text += ", ";
        first = false;
        text += k + ": " + v.to_string();
    }
    return text + "}";
}

}  // namespace spark
