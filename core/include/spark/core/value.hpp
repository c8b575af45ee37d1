#pragma once
// Value: the untyped configuration tree that network files, the command line and C++ overrides
// speak. A component's typed config struct is filled from Values (config.hpp), and turned back into
// a Value for listing and for writing network files and snapshots.
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace spark {

class Value {
public:
    using List = std::vector<Value>;
    using Map = std::vector<std::pair<std::string, Value>>;  // keeps the written order

    Value() = default;
    Value(bool b) : v_(b) {}                         // NOLINT: implicit by design
    Value(double d) : v_(d) {}                       // NOLINT
    Value(int i) : v_(static_cast<double>(i)) {}     // NOLINT
    Value(unsigned i) : v_(static_cast<double>(i)) {}  // NOLINT
    Value(long i) : v_(static_cast<double>(i)) {}    // NOLINT
    Value(long long i) : v_(static_cast<double>(i)) {}              // NOLINT
    Value(unsigned long i) : v_(static_cast<double>(i)) {}          // NOLINT
    Value(unsigned long long i) : v_(static_cast<double>(i)) {}     // NOLINT
    Value(std::string s) : v_(std::move(s)) {}       // NOLINT
    Value(const char* s) : v_(std::string(s)) {}     // NOLINT
    Value(std::string_view s) : v_(std::string(s)) {}  // NOLINT
    Value(List l) : v_(std::move(l)) {}              // NOLINT
    Value(Map m) : v_(std::move(m)) {}               // NOLINT

    bool is_null() const noexcept { return std::holds_alternative<std::monostate>(v_); }
    bool is_bool() const noexcept { return std::holds_alternative<bool>(v_); }
    bool is_number() const noexcept { return std::holds_alternative<double>(v_); }
    bool is_string() const noexcept { return std::holds_alternative<std::string>(v_); }
    bool is_list() const noexcept { return std::holds_alternative<List>(v_); }
    bool is_map() const noexcept { return std::holds_alternative<Map>(v_); }

    bool as_bool() const { return std::get<bool>(v_); }
    double as_number() const { return std::get<double>(v_); }
    const std::string& as_string() const { return std::get<std::string>(v_); }
    const List& as_list() const { return std::get<List>(v_); }
    const Map& as_map() const { return std::get<Map>(v_); }
    List& as_list() { return std::get<List>(v_); }
    Map& as_map() { return std::get<Map>(v_); }

    // The entry of a map, or nullptr.
    const Value* find(std::string_view key) const;
    // Sets (or adds) an entry of a map value; a null value becomes an empty map first.
    void set(std::string key, Value value);

    // A compact human-readable form used in messages and listings: 1.5, true, "text", [1, 2], {a: 1}.
    std::string to_string() const;
    bool operator==(const Value&) const = default;

private:
    std::variant<std::monostate, bool, double, std::string, List, Map> v_;
};

// One override of a config field by path, e.g. {"synapses.kernel.scale", 200}.
struct Override {
    std::string path;
    Value value;
    bool operator==(const Override&) const = default;
};
using Overrides = std::vector<Override>;

}  // namespace spark
