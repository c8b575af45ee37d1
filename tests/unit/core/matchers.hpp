#pragma once
// Catch2 matchers for the fields of spark's typed errors.
#include <optional>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include <spark/core/error.hpp>

namespace spark::testing {

// Matches a ConfigError whose component, instance, field and (unless nullopt) value are the given strings.
class ConfigErrorFields : public Catch::MatcherBase<ConfigError> {
public:
    ConfigErrorFields(std::string component, std::string instance, std::string field,
                      std::optional<std::string> value)
        : component_(std::move(component)), instance_(std::move(instance)), field_(std::move(field)),
          value_(std::move(value)) {}
    bool match(const ConfigError& e) const override {
        return e.component() == component_ && e.instance() == instance_ && e.field() == field_ &&
               (!value_ || e.value() == *value_);
    }
    std::string describe() const override {
        std::ostringstream out;
        out << "has component '" << component_ << "', instance '" << instance_ << "', field '" << field_ << "'";
        if (value_) out << " and value '" << *value_ << "'";
        return out.str();
    }

private:
    std::string component_, instance_, field_;
    std::optional<std::string> value_;
};

}  // namespace spark::testing
